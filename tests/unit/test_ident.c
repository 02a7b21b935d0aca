/* test_ident.c: mbr_ident.
 *
 * Expected numbers are written out by hand from the national
 * conventions: China +86 (mobiles 1xx, trunk 0), NANP +1 (10 digits,
 * no trunk 0), UK +44 (trunk 0), Italy +39 (the 0 stays). */
#include "mbr_ident.h"
#include "t.h"

#define T_PHONE(s, cc, want) do {					\
	mbr_buf b_;							\
	mbr_err e_ = { 0 };						\
	mbr_buf_init(&b_);						\
	T_EQ_I(mbr_phone_norm(&b_, (s), strlen(s), (cc), &e_), MBR_OK); \
	T_EQ_SN(b_.p, b_.n, (want));					\
	mbr_buf_release(&b_);						\
} while (0)

/* An error with its exact message; nothing is appended. */
#define T_BADPHONE(s, cc) do {						\
	mbr_buf b_;							\
	mbr_err e_ = { 0 };						\
	mbr_buf_init(&b_);						\
	T_EQ_I(mbr_phone_norm(&b_, (s), strlen(s), (cc), &e_), MBR_EDATA); \
	T_EQ_I(b_.n, 0);						\
	T_EQ_S(e_.msg, "phone \"" s "\" is not a usable number");	\
	mbr_buf_release(&b_);						\
} while (0)

#define T_EMAIL(s, want) do {						\
	mbr_buf b_;							\
	mbr_err e_ = { 0 };						\
	mbr_buf_init(&b_);						\
	T_EQ_I(mbr_email_norm(&b_, (s), strlen(s), &e_), MBR_OK);	\
	T_EQ_SN(b_.p, b_.n, (want));					\
	mbr_buf_release(&b_);						\
} while (0)

#define T_BADEMAIL(s) do {						\
	mbr_buf b_;							\
	mbr_err e_ = { 0 };						\
	mbr_buf_init(&b_);						\
	T_EQ_I(mbr_email_norm(&b_, (s), strlen(s), &e_), MBR_EDATA);	\
	T_EQ_I(b_.n, 0);						\
	T_EQ_S(e_.msg, "email \"" s "\" is not a valid address");	\
	mbr_buf_release(&b_);						\
} while (0)

#define T_UNGUARD(s, want) do {						\
	const char *p_ = (s);						\
	size_t n_ = strlen(p_);						\
	mbr_ident_unguard(&p_, &n_);					\
	T_EQ_SN(p_, n_, (want));					\
} while (0)

static void
test_phone(void)
{
	mbr_buf b;

	/* China. */
	T_PHONE("13800138000", 86, "+8613800138000");
	T_PHONE("138 0013 8000", 86, "+8613800138000");
	T_PHONE("138-0013-8000", 86, "+8613800138000");
	T_PHONE("+86 138-0013-8000", 86, "+8613800138000");
	T_PHONE("+86 (138) 0013.8000", 86, "+8613800138000");
	T_PHONE("0086 13800138000", 86, "+8613800138000");
	T_PHONE("8613800138000", 86, "+8613800138000");
	T_PHONE("'13800138000", 86, "+8613800138000");
	T_PHONE("=\"13800138000\"", 86, "+8613800138000");
	T_PHONE("13800138000\t", 86, "+8613800138000");
	T_PHONE(" \t13800138000 ", 86, "+8613800138000");
	T_PHONE("010 6552 9988", 86, "+861065529988");
	T_PHONE("(010)65529988", 86, "+861065529988");
	T_PHONE("1234567", 86, "+861234567");	/* 7 digits: the least */
	/* The default country does not touch a number that has one. */
	T_PHONE("+8613800138000", 1, "+8613800138000");
	T_PHONE("+8613800138000", 0, "+8613800138000");

	/* NANP. */
	T_PHONE("(415) 555-0100", 1, "+14155550100");
	T_PHONE("415.555.0100", 1, "+14155550100");
	T_PHONE("1 415 555 0100", 1, "+14155550100");
	T_PHONE("+1 (415) 555-0100", 86, "+14155550100");
	T_PHONE("001 415 555 0100", 86, "+14155550100");
	T_BADPHONE("555-0100", 1);		/* no area code */
	T_BADPHONE("2 415 555 0100", 1);	/* 11 digits, not 1... */

	/* UK and Italy: trunk 0 dropped, or kept. */
	T_PHONE("020 7946 0958", 44, "+442079460958");
	T_PHONE("+44 (0)20 7946 0958", 86, "+442079460958");
	T_PHONE("0044 (0)20 7946 0958", 86, "+442079460958");
	T_PHONE("06 6982 1234", 39, "+390669821234");
	T_PHONE("0549 882 555", 378, "+3780549882555");

	/* Digit counts at both ends: 15 with the country code at most. */
	T_PHONE("+861380013800012", 86, "+861380013800012");
	T_BADPHONE("+8613800138000123", 86);
	T_PHONE("1380013800012", 86, "+861380013800012");
	T_BADPHONE("13800138000123", 86);
	T_BADPHONE("123456", 86);
	T_BADPHONE("+86 1234", 86);
	T_BADPHONE("0086 1234", 86);	/* 6 digits after 00 */
	T_PHONE("00683 4002", 86, "+6834002");	/* Niue: 7 in all */

	/* Masked, lettered or otherwise unusable. */
	T_BADPHONE("138****8000", 86);
	T_BADPHONE("138xxxx8000", 86);
	T_BADPHONE("138XXXX8000", 86);
	T_BADPHONE("13800138000 ext 12", 86);
	T_BADPHONE("1-800-FLOWERS", 1);
	T_BADPHONE("\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98", 86);
	T_BADPHONE("", 86);
	T_BADPHONE("+", 86);
	T_BADPHONE("++8613800138000", 86);
	T_BADPHONE("138+00138000", 86);
	T_BADPHONE("+086 13800138000", 86);
	T_BADPHONE("13800138000", 0);	/* no country to assume */
	T_BADPHONE("00 00", 86);
	T_BADPHONE("0", 44);
	T_BADPHONE("000 1234 5678", 44);	/* trunk 0 then 0 again */

	/* Appends to what the buffer holds; a length, not a C string. */
	mbr_buf_init(&b);
	mbr_buf_adds(&b, "phone:");
	T_EQ_I(mbr_phone_norm(&b, "13800138000;13900139000", 11, 86, NULL),
	    MBR_OK);
	T_EQ_S(b.p, "phone:+8613800138000");
	T_EQ_I(mbr_phone_norm(&b, "138", 3, 86, NULL), MBR_EDATA);
	T_EQ_S(b.p, "phone:+8613800138000");
	mbr_buf_release(&b);
}

static void
test_email(void)
{
	mbr_buf b;

	T_EMAIL("a@b.cn", "a@b.cn");
	T_EMAIL("  Alice.Wang@Example.COM \t", "alice.wang@example.com");
	T_EMAIL("Zhang.San+vip@Mail.163.com", "zhang.san+vip@mail.163.com");
	/* Other scripts are left as they are. */
	T_EMAIL("\xe5\xbc\xa0" "Ab@\xe4\xbe\x8b\xe5\xad\x90.CN",
	    "\xe5\xbc\xa0" "ab@\xe4\xbe\x8b\xe5\xad\x90.cn");
	T_BADEMAIL("alice");
	T_BADEMAIL("@b.cn");
	T_BADEMAIL("a@");
	T_BADEMAIL("a@b");
	T_BADEMAIL("a@@b.cn");
	T_BADEMAIL("a@b@c.cn");
	T_BADEMAIL("a b@c.cn");
	T_BADEMAIL("a@c .cn");
	T_BADEMAIL("a@\tc.cn");
	T_BADEMAIL("a@.cn");
	T_BADEMAIL("a@b.");
	T_BADEMAIL("a@b..cn");
	T_BADEMAIL("a@b.cn\n");
	T_BADEMAIL("");
	T_BADEMAIL("   ");

	mbr_buf_init(&b);
	mbr_buf_adds(&b, "email:");
	T_EQ_I(mbr_email_norm(&b, "A@B.CN,x", 6, NULL), MBR_OK);
	T_EQ_S(b.p, "email:a@b.cn");
	T_EQ_I(mbr_email_norm(&b, "nope", 4, NULL), MBR_EDATA);
	T_EQ_S(b.p, "email:a@b.cn");
	mbr_buf_release(&b);
}

static void
test_unguard(void)
{
	const char *p;
	size_t n;

	T_UNGUARD("=\"3012345678901\"", "3012345678901");
	T_UNGUARD("'3012345678901", "3012345678901");
	T_UNGUARD("3012345678901\t", "3012345678901");
	T_UNGUARD("\t3012345678901", "3012345678901");
	T_UNGUARD("  =\"  301 \"  ", "301");
	T_UNGUARD("=\"301\"\t", "301");
	T_UNGUARD("=\"\"", "");
	T_UNGUARD("'", "");
	T_UNGUARD("", "");
	T_UNGUARD("=\"", "=\"");
	T_UNGUARD("=\"301", "=\"301");
	T_UNGUARD("301\"", "301\"");
	T_UNGUARD("a'b", "a'b");

	T_UNGUARD(" \t a b\r", "a b");
	p = " \t a b\r\n";
	n = strlen(p);
	mbr_trim(&p, &n);
	T_EQ_SN(p, n, "a b\r\n");
	p = "   ";
	n = 3;
	mbr_trim(&p, &n);
	T_EQ_I(n, 0);
}

#define T_NORM(type, pl, s, want) do {					\
	mbr_buf b_;							\
	mbr_err e_ = { 0 };						\
	mbr_buf_init(&b_);						\
	T_EQ_I(mbr_ident_norm(&b_, (type), (pl), (s), strlen(s), 86, &e_), \
	    MBR_OK);							\
	T_EQ_SN(b_.p, b_.n, (want));					\
	mbr_buf_release(&b_);						\
} while (0)

/* Unusable: MBR_EDATA with the message, and the buffer as it was. */
#define T_BADNORM(type, s, want) do {					\
	mbr_buf b_;							\
	mbr_err e_ = { 0 };						\
	mbr_buf_init(&b_);						\
	mbr_buf_adds(&b_, "x|");					\
	T_EQ_I(mbr_ident_norm(&b_, (type), NULL, (s), strlen(s), 86, &e_), \
	    MBR_EDATA);							\
	T_EQ_S(b_.p, "x|");						\
	T_EQ_S(e_.msg, (want));						\
	mbr_buf_release(&b_);						\
} while (0)

static void
test_norm(void)
{
	mbr_err e = { 0 };
	mbr_buf b;

	T_EQ_S(mbr_ident_types[MBR_ID_MEMBER], "member_id");
	T_EQ_S(mbr_ident_types[MBR_ID_UNIONID], "unionid");
	T_EQ_S(mbr_ident_types[MBR_ID_CARD], "card");
	T_NORM(MBR_ID_MEMBER, NULL, "phone:+8613800138000",
	    "phone:+8613800138000");
	T_NORM(MBR_ID_MEMBER, NULL, "m1", "m1");
	T_NORM(MBR_ID_PHONE, NULL, "138 0013 8000", "phone:+8613800138000");
	T_NORM(MBR_ID_EMAIL, NULL, "Li.Na@QQ.com", "email:li.na@qq.com");
	T_NORM(MBR_ID_NICK, "tmall", "\xe5\xb0\x8f\xe7\x8e\x8b",
	    "nick:tmall:\xe5\xb0\x8f\xe7\x8e\x8b");
	T_NORM(MBR_ID_NICK, "jd", "a|b", "nick:jd:a|b");
	T_NORM(MBR_ID_CUSTOMER, NULL, "17850.0", "customer:17850");
	T_NORM(MBR_ID_CUSTOMER, NULL, "17850.00", "customer:17850.00");
	T_NORM(MBR_ID_CUSTOMER, NULL, "A7.0", "customer:A7.0");
	T_NORM(MBR_ID_CUSTOMER, NULL, ".0", "customer:.0");
	T_NORM(MBR_ID_CARD, NULL, "123456.0", "card:123456");
	T_NORM(MBR_ID_CARD, NULL, "VIP00012345", "card:VIP00012345");
	T_NORM(MBR_ID_CARD, NULL, "VIP0.0", "card:VIP0.0");
	T_NORM(MBR_ID_OPENID, NULL, "oMq5svyqDtnXK9ZGxY14XMSn7NAv",
	    "openid:oMq5svyqDtnXK9ZGxY14XMSn7NAv");
	T_NORM(MBR_ID_UNIONID, NULL, "oU2DxqqSPS260xIVquekRPF4sOaz",
	    "unionid:oU2DxqqSPS260xIVquekRPF4sOaz");
	/* A value of a type other than phone or e-mail is not judged:
	 * "12.0" of an openid is as written. */
	T_NORM(MBR_ID_OPENID, NULL, "12.0", "openid:12.0");

	T_BADNORM(MBR_ID_PHONE, "138****8000",
	    "phone \"138****8000\" is not a usable number");
	T_BADNORM(MBR_ID_EMAIL, "a@b", "email \"a@b\" is not a valid address");
	T_BADNORM(MBR_ID_OPENID, "", "openid is empty");
	T_BADNORM(MBR_ID_MEMBER, "", "member_id is empty");
	mbr_buf_init(&b);
	T_EQ_I(mbr_ident_norm(&b, MBR_ID_N, NULL, "x", 1, 86, &e), MBR_EUSAGE);
	T_EQ_I(b.n, 0);
	/* Appends; a length, not a C string. */
	mbr_buf_adds(&b, "phone:+8613800138000|");
	T_EQ_I(mbr_ident_norm(&b, MBR_ID_CARD, NULL, "VIP1,VIP2", 4, 86, &e),
	    MBR_OK);
	T_EQ_S(b.p, "phone:+8613800138000|card:VIP1");
	mbr_buf_release(&b);
}

static void
test_list(void)
{
	mbr_buf b;

	mbr_buf_init(&b);
	T_EQ_I(mbr_ident_list_add(&b, "phone:+8613800138000", 20), 1);
	T_EQ_S(b.p, "phone:+8613800138000");
	T_EQ_I(mbr_ident_list_add(&b, "phone:+8613800138000", 20), 0);
	T_EQ_I(mbr_ident_list_add(&b, "nick:tmall:a|b", 14), 0);
	T_EQ_I(mbr_ident_list_add(&b, "", 0), 0);
	T_EQ_I(mbr_ident_list_add(&b, "phone:+86138", 12), 1);
	T_EQ_I(mbr_ident_list_add(&b, "phone:+861380013800", 19), 1);
	T_EQ_S(b.p, "phone:+8613800138000|phone:+86138|"
	    "phone:+861380013800");
	/* Whole entries only: a part of one, or one and more, is not. */
	T_EQ_I(mbr_ident_list_has(b.p, b.n, "phone:+86138", 12), 1);
	T_EQ_I(mbr_ident_list_has(b.p, b.n, "phone:+8613", 11), 0);
	T_EQ_I(mbr_ident_list_has(b.p, b.n, "+8613800138000", 14), 0);
	T_EQ_I(mbr_ident_list_has(b.p, b.n, "phone:+861380013800|", 20), 0);
	T_EQ_I(mbr_ident_list_has("", 0, "", 0), 0);
	T_EQ_I(mbr_ident_list_has("a||b", 4, "", 0), 1);

	mbr_buf_reset(&b);
	mbr_buf_adds(&b, "m1");
	T_EQ_I(mbr_ident_list_merge(&b, " email:a@b.cn | |m1|card:7||"
	    "email:a@b.cn\t", 41), 2);
	T_EQ_S(b.p, "m1|email:a@b.cn|card:7");
	T_EQ_I(mbr_ident_list_merge(&b, "", 0), 0);
	T_EQ_I(mbr_ident_list_merge(&b, "|||", 3), 0);
	T_EQ_S(b.p, "m1|email:a@b.cn|card:7");
	mbr_buf_reset(&b);
	T_EQ_I(mbr_ident_list_merge(&b, "x", 1), 1);
	T_EQ_S(b.p, "x");
	mbr_buf_release(&b);
}

int
main(void)
{
	test_phone();
	test_email();
	test_unguard();
	test_norm();
	test_list();
	return T_DONE();
}
