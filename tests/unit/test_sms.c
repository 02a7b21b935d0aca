/* test_sms.c: SMS parts as carriers bill them.
 *
 * The alphabet is checked against a table of its own, in GSM order as
 * unicode.org's GSM0338.TXT lists it, not against the lookup in
 * mbr_sms.c.  The counts were worked out with this Python (3.11), which
 * shares no code with mbr_sms.c:
 *
 *	BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./"
 *	    "0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
 *	    "abcdefghijklmnopqrstuvwxyzäöñüà")
 *	EXT = "\f^{}\\[~]|€"
 *	def sms(t):	# (ucs2, units, parts)
 *	    if all((c in BASIC and c != "\x1b") or c in EXT for c in t):
 *	        w, one, part = [2 if c in EXT else 1 for c in t], 160, 153
 *	    else:
 *	        w = [len(c.encode("utf-16-le")) // 2 for c in t]
 *	        one, part = 70, 67
 *	    parts, fill = 1, 0
 *	    for x in w:
 *	        if fill + x > part:
 *	            parts, fill = parts + 1, 0
 *	        fill += x
 *	    return (part == 67, sum(w), 1 if sum(w) <= one else parts)
 *
 * and the invalid UTF-8 cases by hand. */
#include <stdlib.h>
#include <string.h>

#include "mbr_sms.h"
#include "t.h"

#define NONE	0xffffffffu

/* GSM 03.38 basic table, code 0x00 to 0x7f, as Unicode (GSM0338.TXT);
 * 0x1b is the escape to the extension table, no character. */
static const uint32_t basic[128] = {
	0x40, 0xa3, 0x24, 0xa5, 0xe8, 0xe9, 0xf9, 0xec,		/* @£$¥èéùì */
	0xf2, 0xc7, 0x0a, 0xd8, 0xf8, 0x0d, 0xc5, 0xe5,		/* òÇ LF ØøCR Åå */
	0x394, 0x5f, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8,	/* Δ_ΦΓΛΩΠΨ */
	0x3a3, 0x398, 0x39e, NONE, 0xc6, 0xe6, 0xdf, 0xc9,	/* ΣΘΞ ESC ÆæßÉ */
	0x20, 0x21, 0x22, 0x23, 0xa4, 0x25, 0x26, 0x27,		/*  !"#¤%&' */
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,		/* ()*+,-./ */
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,		/* 0-7 */
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,		/* 89:;<=>? */
	0xa1, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,		/* ¡ABCDEFG */
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,		/* H-O */
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,		/* P-W */
	0x58, 0x59, 0x5a, 0xc4, 0xd6, 0xd1, 0xdc, 0xa7,		/* XYZÄÖÑÜ§ */
	0xbf, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,		/* ¿abcdefg */
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,		/* h-o */
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,		/* p-w */
	0x78, 0x79, 0x7a, 0xe4, 0xf6, 0xf1, 0xfc, 0xe0,		/* xyzäöñüà */
};

/* The extension table: FF ^ { } \ [ ~ ] | € (escape codes 0a 14 28 29
 * 2f 3c 3d 3e 40 65). */
static const uint32_t ext[] = {
	0x0c, 0x5e, 0x7b, 0x7d, 0x5c, 0x5b, 0x7e, 0x5d, 0x7c, 0x20ac,
};

static size_t
enc(char *b, uint32_t c)
{
	if (c < 0x80) {
		b[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | c >> 18);
	b[1] = (char)(0x80 | (c >> 12 & 0x3f));
	b[2] = (char)(0x80 | (c >> 6 & 0x3f));
	b[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Counts a heap copy of exactly the text, so ASan sees an overread. */
static mbr_sms_info
count(const char *s, size_t n)
{
	char *c = malloc(n > 0 ? n : 1);
	mbr_sms_info in;

	memcpy(c, s, n);
	memset(&in, 0xff, sizeof(in));
	mbr_sms_count(c, n, &in);
	free(c);
	return in;
}

/* A text of `times` copies of s, then of t. */
static mbr_sms_info
rep(const char *s, size_t times, const char *t, size_t ttimes)
{
	size_t ns = strlen(s), nt = strlen(t), n = 0, i;
	char *b = malloc(ns * times + nt * ttimes + 1);
	mbr_sms_info in;

	for (i = 0; i < times; i++, n += ns)
		memcpy(b + n, s, ns);
	for (i = 0; i < ttimes; i++, n += nt)
		memcpy(b + n, t, nt);
	in = count(b, n);
	free(b);
	return in;
}

#define T_SMS(in, u, n, p) do {						\
	mbr_sms_info t_in_ = (in);					\
	T_EQ_I(t_in_.ucs2, (u));					\
	T_EQ_I(t_in_.units, (n));					\
	T_EQ_I(t_in_.parts, (p));					\
} while (0)

/* Every code point below U+1100 and a few above, one at a time: in
 * the basic table one septet, in the extension table two, else UCS-2
 * with its UTF-16 units. */
static void
test_alphabet(void)
{
	static const uint32_t more[] = {
		0x20ac, 0x20ab, 0x2019, 0x3001, 0xff0c, 0xfffd, 0x1f600,
		0x10ffff,
	};
	char b[4], all[300];
	uint32_t c;
	size_t i, n, nall = 0;
	int bad = 0, want;

	for (c = 0; c < 0x1100 + sizeof(more) / sizeof(more[0]); c++) {
		uint32_t cp = c < 0x1100 ? c : more[c - 0x1100];
		mbr_sms_info in;

		want = 0;
		for (i = 0; i < 128; i++)
			if (basic[i] == cp)
				want = 1;
		for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
			if (ext[i] == cp)
				want = 2;
		n = enc(b, cp);
		in = count(b, n);
		if (want)
			bad += in.ucs2 != 0 || in.units != (size_t)want;
		else
			bad += in.ucs2 != 1 ||
			    in.units != (cp < 0x10000 ? 1u : 2u);
		bad += in.parts != 1;
		if (bad) {
			fprintf(stderr, "  U+%04X: ucs2 %d units %zu\n",
			    (unsigned)cp, in.ucs2, in.units);
			break;
		}
	}
	T_EQ_I(bad, 0);
	/* all 127 characters of the basic table: one part exactly */
	for (i = 0; i < 128; i++)
		if (basic[i] != NONE)
			nall += enc(all + nall, basic[i]);
	T_SMS(count(all, nall), 0, 127, 1);
	/* not in it, though they look like it */
	T_SMS(count("`", 1), 1, 1, 1);
	T_SMS(count("\xc3\xa7", 2), 1, 1, 1);	/* ç: 0x09 is Ç */
	T_SMS(count("\t", 1), 1, 1, 1);
	T_SMS(count("\xc2\xa0", 2), 1, 1, 1);	/* no-break space */
	T_SMS(count("\xce\x91", 2), 1, 1, 1);	/* Greek Α: use Latin A */
}

static void
test_gsm(void)
{
	T_SMS(count("", 0), 0, 0, 1);
	T_SMS(rep("a", 160, "", 0), 0, 160, 1);
	T_SMS(rep("a", 161, "", 0), 0, 161, 2);	/* 153 + 8 */
	T_SMS(rep("a", 306, "", 0), 0, 306, 2);	/* 153 + 153 */
	T_SMS(rep("a", 307, "", 0), 0, 307, 3);
	/* the extension table: two septets each */
	T_SMS(count("^{}\\[~]|\xe2\x82\xac\f", 12), 0, 20, 1);
	T_SMS(rep("a", 158, "\xe2\x82\xac", 1), 0, 160, 1);
	T_SMS(rep("a", 159, "\xe2\x82\xac", 1), 0, 161, 2);
	T_SMS(rep("\xe2\x82\xac", 80, "", 0), 0, 160, 1);
	T_SMS(rep("\xe2\x82\xac", 81, "", 0), 0, 162, 2);	/* 76 + 5 */
	/* An escape pair at septets 153-154 moves to the next part:
	 * 152 | € 151 | a, 306 septets and 3 parts where 306 / 153
	 * would say 2. */
	{
		char b[310];

		memset(b, 'a', 152);
		memcpy(b + 152, "\xe2\x82\xac", 3);
		memset(b + 155, 'a', 152);
		T_SMS(count(b, 307), 0, 306, 3);
		/* one "a" fewer before it: 151 € | 152 */
		T_SMS(count(b + 1, 306), 0, 305, 2);
	}
	/* CR LF and the Latin and Greek letters of the table */
	T_SMS(count("Gr\xc3\xbc\xc3\x9f" "e\r\n\xce\xa9 \xc2\xa3" "5", 15), 0,
	    11, 1);
}

static void
test_ucs2(void)
{
	/* 中 is U+4E2D, one unit */
	T_SMS(rep("\xe4\xb8\xad", 70, "", 0), 1, 70, 1);
	T_SMS(rep("\xe4\xb8\xad", 71, "", 0), 1, 71, 2);
	T_SMS(rep("\xe4\xb8\xad", 134, "", 0), 1, 134, 2);
	T_SMS(rep("\xe4\xb8\xad", 135, "", 0), 1, 135, 3);
	/* 😀 U+1F600 is a surrogate pair */
	T_SMS(count("\xf0\x9f\x98\x80", 4), 1, 2, 1);
	T_SMS(rep("\xe4\xb8\xad", 68, "\xf0\x9f\x98\x80", 1), 1, 70, 1);
	T_SMS(rep("\xe4\xb8\xad", 69, "\xf0\x9f\x98\x80", 1), 1, 71, 2);
	/* A pair at units 67-68 moves to the next part: 66 | 😀 65 | 1,
	 * 134 units and 3 parts where 134 / 67 would say 2. */
	{
		char b[400];
		size_t n = 0;
		int i;

		for (i = 0; i < 66; i++, n += 3)
			memcpy(b + n, "\xe4\xb8\xad", 3);
		memcpy(b + n, "\xf0\x9f\x98\x80", 4);
		n += 4;
		for (i = 0; i < 66; i++, n += 3)
			memcpy(b + n, "\xe4\xb8\xad", 3);
		T_SMS(count(b, n), 1, 134, 3);
		/* one 中 fewer before it: 65 😀 | 66 */
		T_SMS(count(b + 3, n - 3), 1, 133, 2);
	}
	/* One character outside the alphabet makes all of it UCS-2, where
	 * € and the other extension characters are one unit. */
	T_SMS(rep("a", 100, "`", 1), 1, 101, 2);
	T_SMS(rep("a", 100, "\xc3\xa7", 1), 1, 101, 2);
	T_SMS(rep("a", 69, "\xe4\xb8\xad", 1), 1, 70, 1);
	T_SMS(count("\xe2\x82\xac\xe4\xb8\xad", 6), 1, 2, 1);
	/* 亲爱的会员，您的 (8, with the full-width comma U+FF0C) + 100 (3)
	 * + 积分将于 (4) + 2026-12-31 (10) + 过期 (2): 27 characters of
	 * the BMP, 27 units, 1 part; the comma alone would make it UCS-2,
	 * and so do the Chinese letters. */
	{
		static const char msg[] = "\xe4\xba\xb2\xe7\x88\xb1\xe7\x9a\x84"
		    "\xe4\xbc\x9a\xe5\x91\x98\xef\xbc\x8c\xe6\x82\xa8\xe7\x9a"
		    "\x84" "100" "\xe7\xa7\xaf\xe5\x88\x86\xe5\xb0\x86\xe4\xba"
		    "\x8e" "2026-12-31" "\xe8\xbf\x87\xe6\x9c\x9f";

		T_OK(strcmp(msg, "亲爱的会员，您的100积分将于2026-12-31过期")
		    == 0);
		T_SMS(count(msg, sizeof(msg) - 1), 1, 27, 1);
	}
}

/* Bad bytes, one unit each, by hand. */
static void
test_invalid(void)
{
	T_SMS(count("a\xff", 2), 1, 2, 1);
	T_SMS(count("\xe4\xbd", 2), 1, 2, 1);		/* cut-off 你 */
	T_SMS(count("\xe4\xbd" "a", 3), 1, 3, 1);
	T_SMS(count("\xed\xa0\x80", 3), 1, 3, 1);	/* a surrogate */
	T_SMS(count("\xc0\xaf", 2), 1, 2, 1);		/* overlong / */
	T_SMS(count("\xf0\x9f\x98", 3), 1, 3, 1);	/* cut-off 😀 */
	T_SMS(rep("\x80", 71, "", 0), 1, 71, 2);
}

int
main(void)
{
	test_alphabet();
	test_gsm();
	test_ucs2();
	test_invalid();
	return T_DONE();
}
