/* test_expr: the rule language (lib/mbr_expr.c, man/mbr-expr.5). */
#include <stdlib.h>
#include <string.h>

#include "mbr_expr.h"
#include "t.h"

/* A record of a few fields: name, value, type (MBR_V_*). */
#define MAXF 16
static const char *names[MAXF];
static mbr_slice vals[MAXF];
static uint8_t types[MAXF];
static int nf;

static int
col(void *ctx, const char *name, size_t n)
{
	int i;

	(void)ctx;
	for (i = 0; i < nf; i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return i;
	return -1;
}

static void
rec(const char *name, const char *v, int type)
{
	names[nf] = name;
	vals[nf] = (mbr_slice){ v, v ? strlen(v) : 0 };
	types[nf] = (uint8_t)(v ? type : MBR_V_ABSENT);
	nf++;
}

static mbr_tz *tz_utc, *tz_sh;
static const char *asof = "2024-07-01T00:00:00+08:00";
static mbr_tz *tz_cur;

/* Evaluates src over the record; its value as text, or "ERR: msg". */
static const char *
ev(const char *src)
{
	static char out[700];
	mbr_err err = { 0 };
	mbr_expr *x = mbr_expr_new();
	mbr_time now;
	mbr_xval v;
	int e;

	if ((e = mbr_expr_add(x, "-e", src, strlen(src), &err)) < 0) {
		snprintf(out, sizeof(out), "ERR: %s", err.msg);
		mbr_expr_free(x);
		return out;
	}
	mbr_expr_bind(x, col, NULL);
	mbr_time_parse(&now, asof, strlen(asof), tz_cur, NULL);
	mbr_expr_setenv(x, tz_cur, now);
	mbr_expr_eval(x, e, vals, types, &v);
	mbr_xval_fmt(&v, out, sizeof(out));
	mbr_expr_free(x);
	return out;
}

static void
precedence(void)
{
	T_EQ_S(ev("1 + 2 * 3"), "7");
	T_EQ_S(ev("(1 + 2) * 3"), "9");
	T_EQ_S(ev("10 - 4 - 3"), "3");
	T_EQ_S(ev("-2 * 3"), "-6");
	T_EQ_S(ev("1 < 2 and 3 < 2 or 1 == 1"), "true");
	T_EQ_S(ev("not 1 == 2"), "true");
	T_EQ_S(ev("!(1 == 1) || false"), "false");
	T_EQ_S(ev("true and not false"), "true");
	T_EQ_S(ev("1 + 1 between 1 and 2"), "true");
	T_EQ_S(ev("3 between 1 and 2 and true"), "false");
	T_EQ_S(ev("2 in (1, 2, 3)"), "true");
	T_EQ_S(ev("5 not in (1, 2, 3)"), "true");
	T_EQ_S(ev("5 not between 1 and 3"), "true");
	T_EQ_S(ev("7 % 3"), "1");
	/* A percent literal: a '%' right after a number that no operand
	 * follows (mbr-report --alert 'active_30d < -5%'). */
	T_EQ_S(ev("5%"), "0.05");
	T_EQ_S(ev("-5%"), "-0.05");
	T_EQ_S(ev("12.5%"), "0.125");
	T_EQ_S(ev("-0.06 < -5%"), "true");
	T_EQ_S(ev("-0.05 < -5%"), "false");
	T_EQ_S(ev("-0.04 < -5% or 1 = 1"), "true");
	T_EQ_S(ev("-0.1 between -5% and 5%"), "false");
	T_EQ_S(ev("0.05 in (5%, 10%)"), "true");
	T_EQ_S(ev("(5%)"), "0.05");
	T_EQ_S(ev("5% != 0.05"), "false");
	T_EQ_S(ev("5% = 0.05 # a comment"), "true");
	T_EQ_S(ev("7%3"), "1");
	T_EQ_S(ev("7% 3"), "1");
	T_EQ_S(ev("7 %3"), "1");
	T_EQ_S(ev("7%(4)"), "3");
	T_EQ_S(ev("10 / 4"), "2.5");
	T_EQ_S(ev("1 AND 0"), "false");
	T_EQ_S(ev("'a' = 'a'"), "true");
	T_EQ_S(ev("'a' <> 'b'"), "true");
}

static void
numbers(void)
{
	/* money compares exactly: no double on the way */
	T_EQ_S(ev("'1299.00' > 1000"), "true");
	T_EQ_S(ev("1299.00 == 1299"), "true");
	T_EQ_S(ev("0.1 + 0.2 == 0.3"), "true");
	T_EQ_S(ev("0.1 + 0.2"), "0.3");
	T_EQ_S(ev("1299.00 + 0.5"), "1299.50");
	T_EQ_S(ev("19.99 * 3"), "59.97");
	/* 18 digits are exact (a double would call these equal) */
	T_EQ_S(ev("9999999999999999.99 > 9999999999999999.98"), "true");
	T_EQ_S(ev("1e3 == 1000"), "true");
	T_EQ_S(ev("1.5e-1"), "0.15");
	T_EQ_S(ev("1 / 0"), "null");
	T_EQ_S(ev("abs(-3.50)"), "3.50");
	T_EQ_S(ev("min(3, 1, 2)"), "1");
	T_EQ_S(ev("max(3, 1, 2)"), "3");
	T_EQ_S(ev("number('12.50') + 1"), "13.50");
	T_EQ_S(ev("number('abc')"), "null");
	nf = 0;
	rec("monetary", "1299.00", MBR_V_STR);
	rec("m_json", "1299.00", MBR_V_NUM);
	rec("frequency", "9", MBR_V_STR);
	rec("f2", "10", MBR_V_STR);
	rec("id", "007", MBR_V_STR);
	T_EQ_S(ev("monetary > 1000"), "true");
	T_EQ_S(ev("monetary == 1299"), "true");
	T_EQ_S(ev("m_json == 1299"), "true");
	T_EQ_S(ev("monetary >= 1299.001"), "false");
	/* two numeric fields compare as numbers, not as text */
	T_EQ_S(ev("frequency < f2"), "true");
	/* a quoted literal keeps the comparison textual */
	T_EQ_S(ev("id == '007'"), "true");
	T_EQ_S(ev("id == '7'"), "false");
	T_EQ_S(ev("id == 7"), "true");
	T_EQ_S(ev("monetary / 2"), "649.5");
	/* but orders a field that reads as a number by number: "10" >
	 * "9" as text is false */
	T_EQ_S(ev("f2 > '9'"), "true");
	T_EQ_S(ev("'9' < f2"), "true");
	T_EQ_S(ev("frequency >= '9.0'"), "true");
	T_EQ_S(ev("f2 between '9' and '11'"), "true");
	T_EQ_S(ev("id > '6'"), "true");
	T_EQ_S(ev("id < 'abc'"), "true");	/* text: '0' < 'a' */
	T_EQ_S(ev("max(f2, '9')"), "10");
}

static void
nulls(void)
{
	nf = 0;
	rec("email", "", MBR_V_STR);
	rec("tier", NULL, 0);
	rec("vip", "true", MBR_V_BOOL);
	rec("nn", "null", MBR_V_NULL);
	rec("flag", "true", MBR_V_STR);
	T_EQ_S(ev("email == ''"), "false");
	T_EQ_S(ev("email != 'x'"), "false");
	T_EQ_S(ev("not (email == 'x')"), "true");
	T_EQ_S(ev("has(email)"), "false");
	T_EQ_S(ev("has(tier)"), "false");
	T_EQ_S(ev("has(vip)"), "true");
	T_EQ_S(ev("has(nn)"), "false");
	T_EQ_S(ev("tier == null"), "false");
	T_EQ_S(ev("tier + 1"), "null");
	T_EQ_S(ev("coalesce(tier, nn, 'member')"), "member");
	T_EQ_S(ev("tier in ('gold', 'silver')"), "false");
	T_EQ_S(ev("tier not in ('gold', 'silver')"), "false");
	T_EQ_S(ev("tier between 1 and 2"), "false");
	T_EQ_S(ev("tier =~ /x/"), "false");
	T_EQ_S(ev("tier !~ /x/"), "false");
	T_EQ_S(ev("count(tier)"), "0");
	T_EQ_S(ev("len(tier)"), "null");
	T_EQ_S(ev("vip == true"), "true");
	T_EQ_S(ev("flag == true"), "true");
	T_EQ_S(ev("days_since(tier)"), "null");
	T_EQ_S(ev("nosuchfield == 1"), "false");
}

static void
strings(void)
{
	nf = 0;
	rec("email", "Li.Na@QQ.com", MBR_V_STR);
	rec("name", "王芳", MBR_V_STR);
	rec("cats", "skincare|makeup|fragrance", MBR_V_STR);
	rec("实付金额", "88.00", MBR_V_STR);
	T_EQ_S(ev("lower(email)"), "li.na@qq.com");
	T_EQ_S(ev("upper(email)"), "LI.NA@QQ.COM");
	T_EQ_S(ev("len(name)"), "2");
	T_EQ_S(ev("len(email)"), "12");
	T_EQ_S(ev("email =~ /@qq\\.com$/"), "false");
	T_EQ_S(ev("email =~ /@qq\\.com$/i"), "true");
	T_EQ_S(ev("email !~ /@qq\\.com$/i"), "false");
	T_EQ_S(ev("name =~ /^王/"), "true");
	T_EQ_S(ev("name =~ /^.$/"), "false");
	T_EQ_S(ev("name =~ /^..$/"), "true");	/* UTF-8: two characters */
	T_EQ_S(ev("email =~ / qq # the domain\n /xi"), "true");
	T_EQ_S(ev("email =~ '^li'"), "false");
	T_EQ_S(ev("contains(cats, 'makeup')"), "true");
	T_EQ_S(ev("contains(cats, 'make')"), "false");
	T_EQ_S(ev("contains(cats, 'fragrance')"), "true");
	T_EQ_S(ev("count(cats)"), "3");
	T_EQ_S(ev("\"实付金额\" >= 88"), "true");
	T_EQ_S(ev("实付金额 < 88.01"), "true");
	T_EQ_S(ev("starts_with(email, 'Li')"), "true");
	T_EQ_S(ev("ends_with(lower(email), '@qq.com')"), "true");
	T_EQ_S(ev("'it''s'"), "it's");
	T_EQ_S(ev("'a\\'b'"), "a'b");
	T_EQ_S(ev("'b' > 'a'"), "true");
	/* past the 64 KiB scratch area: a value of its own, not null,
	 * and the strings made before it stay good */
	{
		static char big[200001];

		memset(big, 'x', 200000);
		big[199999] = 'Y';
		nf = 0;
		rec("bio", big, MBR_V_STR);
		rec("bio2", big, MBR_V_STR);
		T_EQ_S(ev("len(upper(bio))"), "200000");
		T_EQ_S(ev("ends_with(lower(bio), 'xy')"), "true");
		T_EQ_S(ev("starts_with(upper(bio), 'XX')"), "true");
		T_EQ_S(ev("lower(bio) == lower(bio2) and upper(bio) != lower(bio)"),
		    "true");
		T_EQ_S(ev("len(lower(bio)) + len(upper(bio2)) + len(lower(bio))"),
		    "600000");
	}
}

static void
dates(void)
{
	nf = 0;
	rec("last", "2024-05-02T23:30:00+08:00", MBR_V_STR);
	rec("late", "2024-06-30T16:30:00Z", MBR_V_STR);
	rec("bd_leap", "2000-02-29", MBR_V_STR);
	rec("bd_jul", "1995-07-01", MBR_V_STR);
	rec("bd_jun", "1990-06-30", MBR_V_STR);
	rec("bad", "2024-13-01", MBR_V_STR);
	rec("exp", "2024-07-31", MBR_V_STR);
	asof = "2024-07-01T00:00:00+08:00";
	tz_cur = tz_sh;
	/* Shanghai: as-of is 1 July, last is 2 May: 60 days */
	T_EQ_S(ev("days_since(last)"), "60");
	T_EQ_S(ev("days_since(late)"), "0");	/* 00:30 on 1 July there */
	T_EQ_S(ev("today()"), "2024-07-01");
	T_EQ_S(ev("now()"), "2024-07-01T00:00:00+08:00");
	T_EQ_S(ev("month()"), "7");
	T_EQ_S(ev("year(last)"), "2024");
	T_EQ_S(ev("month(bd_leap)"), "2");
	T_EQ_S(ev("days_until(exp)"), "30");
	T_EQ_S(ev("days_until_birthday(bd_jul)"), "0");
	T_EQ_S(ev("days_until_birthday(bd_jun)"), "364");
	T_EQ_S(ev("days_since(bad)"), "null");
	T_EQ_S(ev("today() - 30"), "2024-06-01");
	T_EQ_S(ev("today() - date('2024-01-01')"), "182");
	T_EQ_S(ev("date(last) < today()"), "true");
	T_EQ_S(ev("last < now()"), "true");
	T_EQ_S(ev("date(last) == '2024-05-02'"), "true");
	/* a field against a literal date compares by day in --tz, as
	 * date(field) does; against a literal time, by instant */
	T_EQ_S(ev("last > '2024-05-02'"), "false");
	T_EQ_S(ev("last == '2024-05-02'"), "true");
	T_EQ_S(ev("last >= '2024-05-02'"), "true");
	T_EQ_S(ev("last < '2024-05-03'"), "true");
	T_EQ_S(ev("last in ('2024-05-01', '2024-05-02')"), "true");
	T_EQ_S(ev("last > '2024-05-02T23:00:00+08:00'"), "true");
	T_EQ_S(ev("last > '2024-05-02 23:45'"), "false");	/* Shanghai */
	T_EQ_S(ev("late == '2024-07-01'"), "true");	/* 00:30 there */
	/* unquoted: the same literals */
	T_EQ_S(ev("last == 2024-05-02"), "true");
	T_EQ_S(ev("last > 2024-05-02T23:00:00+08:00"), "true");
	T_EQ_S(ev("last < 2024-05-02T23:00:00Z"), "true");
	T_EQ_S(ev("days_since(2024-06-01)"), "30");
	/* hour() on the clock of --tz, weekday() ISO (Monday 1); from
	 * Python: date(2024, 5, 2).isoweekday() == 4 */
	T_EQ_S(ev("hour(last)"), "23");
	T_EQ_S(ev("hour(late)"), "0");
	T_EQ_S(ev("hour()"), "0");
	T_EQ_S(ev("weekday(last)"), "4");
	T_EQ_S(ev("weekday()"), "1");		/* 2024-07-01 */
	T_EQ_S(ev("weekday('1969-12-28')"), "7");
	T_EQ_S(ev("weekday(1970-01-01)"), "4");
	T_EQ_S(ev("hour(bad)"), "null");
	/* UTC: the same instants fall a day earlier */
	tz_cur = tz_utc;
	T_EQ_S(ev("today()"), "2024-06-30");
	T_EQ_S(ev("days_since(last)"), "59");
	T_EQ_S(ev("hour(last)"), "15");
	T_EQ_S(ev("last == '2024-05-02'"), "true");
	T_EQ_S(ev("late == '2024-06-30'"), "true");
	T_EQ_S(ev("days_since(late)"), "0");
	T_EQ_S(ev("days_until_birthday(bd_jul)"), "1");
	T_EQ_S(ev("days_until_birthday(bd_jun)"), "0");
	/* a leap-day birthday: the 28th in 2025, the 29th in 2028 */
	asof = "2025-02-28T12:00:00Z";
	T_EQ_S(ev("days_until_birthday(bd_leap)"), "0");
	asof = "2025-02-27T12:00:00Z";
	T_EQ_S(ev("days_until_birthday(bd_leap)"), "1");
	asof = "2025-03-01T12:00:00Z";
	T_EQ_S(ev("days_until_birthday(bd_leap)"), "364");	/* 2026-02-28 */
	asof = "2027-03-01T00:00:00Z";
	T_EQ_S(ev("days_until_birthday(bd_leap)"), "365");	/* 2028-02-29 */
	asof = "2028-02-28T00:00:00Z";
	T_EQ_S(ev("days_until_birthday(bd_leap)"), "1");
	/* across the leap day of 2024 */
	asof = "2024-03-01T00:00:00Z";
	T_EQ_S(ev("days_since('2024-02-28')"), "2");
	asof = "2023-03-01T00:00:00Z";
	T_EQ_S(ev("days_since('2023-02-28')"), "1");
	asof = "2024-07-01T00:00:00+08:00";
	tz_cur = tz_sh;
}

/* Compile errors name the place and show a caret under it. */
static void
errors(void)
{
	T_EQ_S(ev("1 +"), "ERR: -e:1:4: end of rule where a value was "
	    "expected\n    1 +\n       ^");
	T_EQ_S(ev("dayz_since(x) > 3"), "ERR: -e:1:1: unknown function "
	    "\"dayz_since\"\n    dayz_since(x) > 3\n    ^");
	T_EQ_S(ev("x =~ /a(/"), "ERR: -e:1:9: bad regular expression: "
	    "missing closing parenthesis\n    x =~ /a(/\n            ^");
	T_EQ_S(ev("x =~ /a/q"), "ERR: -e:1:9: unknown regular expression "
	    "flag \"q\" (flags are i m s x)\n    x =~ /a/q\n            ^");
	T_EQ_S(ev("名字 == 'x' and"), "ERR: -e:1:14: end of rule where a "
	    "value was expected\n    名字 == 'x' and\n                   ^");
	T_EQ_S(ev("1 < x < 3"), "ERR: -e:1:7: comparisons do not chain; "
	    "join them with \"and\"\n    1 < x < 3\n          ^");
	T_EQ_S(ev("has(1)"), "ERR: -e:1:5: has() takes a field name\n"
	    "    has(1)\n        ^");
	T_EQ_S(ev("today(1)"), "ERR: -e:1:1: today() takes 0 arguments, "
	    "not 1\n    today(1)\n    ^");
	T_EQ_S(ev("'abc"), "ERR: -e:1:1: unterminated string\n    'abc\n"
	    "    ^");
	T_EQ_S(ev("(1"), "ERR: -e:1:3: end of rule where \")\" was "
	    "expected\n    (1\n      ^");
	T_EQ_S(ev("a ? b"), "ERR: -e:1:3: unexpected \"?\"\n    a ? b\n"
	    "      ^");
	T_EQ_S(ev(""), "ERR: -e:1:1: empty expression\n    \n    ^");
}

static void
rules(void)
{
	static const char *const kinds[] = { "segment", "tag", NULL };
	static const char text[] =
	    "# churn\n"
	    "segment churned = days_since(last) > 90\n"
	    "\n"
	    "segment 'high potential' = frequency >= 2 and\n"
	    "    monetary > 1000   # continued\n"
	    "tag qq = email =~ /@qq\\.com$/i\n"
	    "tag big = (monetary\n"
	    "> 5000)\n";
	mbr_expr *x = mbr_expr_new();
	mbr_err err = { 0 };
	const mbr_expr_rule *r;

	T_EQ_I(mbr_expr_load(x, "rules", text, sizeof(text) - 1, kinds,
	    &err), MBR_OK);
	T_EQ_I(mbr_expr_nrules(x), 4);
	r = mbr_expr_rule_at(x, 1);
	T_EQ_S(r->name, "high potential");
	T_EQ_I(r->kind, 0);
	T_EQ_I(r->line, 4);
	r = mbr_expr_rule_at(x, 3);
	T_EQ_S(r->name, "big");
	T_EQ_I(r->kind, 1);
	T_EQ_I(mbr_expr_nfields(x), 4);
	T_EQ_S(mbr_expr_field_where(x, 2), "rules:5:5");
	mbr_expr_free(x);

	x = mbr_expr_new();
	memset(&err, 0, sizeof(err));
	T_EQ_I(mbr_expr_load(x, "r", "segment a = 1\nsegmnt b = 2\n", 26,
	    kinds, &err), MBR_EUSAGE);
	T_EQ_S(err.msg, "r:2:1: a rule starts with \"segment\" or \"tag\"\n"
	    "    segmnt b = 2\n    ^");
	mbr_expr_free(x);

	x = mbr_expr_new();
	memset(&err, 0, sizeof(err));
	T_EQ_I(mbr_expr_load(x, "r", "segment a = 1 2\n", 16, kinds, &err),
	    MBR_EUSAGE);
	T_EQ_S(err.msg, "r:1:15: unexpected \"2\" where an operator or the "
	    "end of line was expected\n    segment a = 1 2\n"
	    "                  ^");
	mbr_expr_free(x);

	x = mbr_expr_new();
	memset(&err, 0, sizeof(err));
	T_EQ_I(mbr_expr_load(x, "r", "tag\tx = y ==\n", 13, kinds, &err),
	    MBR_EUSAGE);
	T_EQ_S(err.msg, "r:1:13: end of line where a value was expected\n"
	    "    tag\tx = y ==\n       \t        ^");
	mbr_expr_free(x);
}

int
main(void)
{
	mbr_err err = { 0 };

	if (mbr_tz_open(&tz_utc, "UTC", &err) != MBR_OK ||
	    mbr_tz_open(&tz_sh, "Asia/Shanghai", &err) != MBR_OK) {
		fprintf(stderr, "test_expr: %s\n", err.msg);
		return 1;
	}
	tz_cur = tz_sh;
	precedence();
	numbers();
	nulls();
	strings();
	dates();
	errors();
	rules();
	mbr_tz_free(tz_utc);
	mbr_tz_free(tz_sh);
	return T_DONE();
}
