/* test_utf8.c: mbr_utf8_check, in each of its implementations.
 *
 * Named cases from Markus Kuhn's UTF-8 decoder stress test, offsets
 * worked out by hand, then every string of two and three bytes against
 * a decoder written the other way round (decode the code point, then
 * ask whether it is in range and minimally encoded). */
#include <stdlib.h>
#include <string.h>

#include "mbr_utf8.h"
#include "t.h"

/* Checks a heap copy of exactly n bytes, so ASan sees any overread. */
static size_t
check(const char *s, size_t n)
{
	char *c = malloc(n > 0 ? n : 1);
	size_t r;

	memcpy(c, s, n);
	r = mbr_utf8_check(c, n);
	free(c);
	return r;
}

#define CHECK(lit)	check((lit), sizeof(lit) - 1)

/* 1 if s[0..n) is one well-formed character. */
static int
onechar(const unsigned char *s, size_t n)
{
	unsigned long cp;
	size_t want, i;

	if (s[0] < 0x80)
		return n == 1;
	if ((s[0] & 0xe0) == 0xc0) {
		want = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		want = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		want = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n != want)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	return (want == 2 && cp >= 0x80) ||
	    (want == 3 && cp >= 0x800) ||
	    (want == 4 && cp >= 0x10000 && cp <= 0x10ffff);
}

static void
named(void)
{
	char buf[64];

	T_EQ_I(CHECK(""), 0);
	T_EQ_I(CHECK("abc"), 3);
	T_EQ_I(CHECK("\0"), 1);		/* NUL is valid UTF-8 */

	/* Boundaries of each length, all valid. */
	T_EQ_I(CHECK("\xc2\x80"), 2);		/* U+0080 */
	T_EQ_I(CHECK("\xdf\xbf"), 2);		/* U+07FF */
	T_EQ_I(CHECK("\xe0\xa0\x80"), 3);	/* U+0800 */
	T_EQ_I(CHECK("\xed\x9f\xbf"), 3);	/* U+D7FF */
	T_EQ_I(CHECK("\xee\x80\x80"), 3);	/* U+E000 */
	T_EQ_I(CHECK("\xef\xbf\xbf"), 3);	/* U+FFFF */
	T_EQ_I(CHECK("\xf0\x90\x80\x80"), 4);	/* U+10000 */
	T_EQ_I(CHECK("\xf4\x8f\xbf\xbf"), 4);	/* U+10FFFF */
	T_EQ_I(CHECK("\xc3\xa9"), 2);		/* é */
	T_EQ_I(CHECK("\xe4\xb8\xad\xe6\x96\x87"), 6);	/* 中文 */
	T_EQ_I(CHECK("\xf0\x9d\x84\x9e"), 4);	/* U+1D11E */
	T_EQ_I(CHECK("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"), 11);

	/* Overlongs (Kuhn 4.1, 4.2). */
	T_EQ_I(CHECK("\xc0\xaf"), 0);
	T_EQ_I(CHECK("\xe0\x80\xaf"), 0);
	T_EQ_I(CHECK("\xf0\x80\x80\xaf"), 0);
	T_EQ_I(CHECK("\xc1\xbf"), 0);
	T_EQ_I(CHECK("\xe0\x9f\xbf"), 0);
	T_EQ_I(CHECK("\xf0\x8f\xbf\xbf"), 0);
	T_EQ_I(CHECK("\xc0\x80"), 0);		/* overlong NUL */
	/* Surrogates (Kuhn 5.1, 5.2). */
	T_EQ_I(CHECK("\xed\xa0\x80"), 0);	/* U+D800 */
	T_EQ_I(CHECK("\xed\xbf\xbf"), 0);	/* U+DFFF */
	T_EQ_I(CHECK("\xed\xa0\x80\xed\xb0\x80"), 0);	/* a pair */
	/* Above U+10FFFF, and bytes that never occur. */
	T_EQ_I(CHECK("\xf4\x90\x80\x80"), 0);
	T_EQ_I(CHECK("\xf5\x80\x80\x80"), 0);
	T_EQ_I(CHECK("\xf8\x88\x80\x80\x80"), 0);
	T_EQ_I(CHECK("\xfe"), 0);
	T_EQ_I(CHECK("\xff"), 0);
	/* Lone continuation bytes (Kuhn 3.1). */
	T_EQ_I(CHECK("\x80"), 0);
	T_EQ_I(CHECK("a\xbf"), 1);
	/* Truncated sequences (Kuhn 3.3), at the end and mid-string. */
	T_EQ_I(CHECK("ab\xc3"), 2);
	T_EQ_I(CHECK("ab\xe4\xb8"), 2);
	T_EQ_I(CHECK("\xf0\x9d\x84"), 0);
	T_EQ_I(CHECK("\xe4\xb8x"), 0);
	T_EQ_I(CHECK("\xc3\xa9\xc3"), 2);
	T_EQ_I(CHECK("\xc3 "), 0);
	/* GB18030 中文 is not UTF-8: D6 starts a pair, D0 is no
	 * continuation byte. */
	T_EQ_I(CHECK("\xd6\xd0\xce\xc4"), 0);
	/* Latin-1 é. */
	T_EQ_I(CHECK("caf\xe9"), 3);

	/* Around the eight-byte steps. */
	memset(buf, 'a', sizeof(buf));
	T_EQ_I(check(buf, 64), 64);
	buf[13] = '\x80';
	T_EQ_I(check(buf, 20), 13);
	buf[13] = 'a';
	buf[7] = '\xff';
	T_EQ_I(check(buf, 64), 7);
	buf[7] = 'a';
	buf[8] = '\xff';
	T_EQ_I(check(buf, 64), 8);
	buf[8] = 'a';
	memcpy(buf + 7, "\xc3\xa9", 2);		/* across a step */
	T_EQ_I(check(buf, 19), 19);
	memcpy(buf + 14, "\xe4\xb8\xad", 3);
	T_EQ_I(check(buf, 40), 40);
	T_EQ_I(check(buf, 16), 14);		/* cut inside 中 */
	buf[63] = '\xc3';
	T_EQ_I(check(buf, 64), 63);
}

static void
exhaustive(void)
{
	static const unsigned char edge[] = { 0x7f, 0x80, 0xbf, 0xc0 };
	unsigned char s[4];
	unsigned a, b, c, d;
	long bad = 0;
	size_t want, got;

	for (a = 0x80; a < 0x100; a++) {
		s[0] = (unsigned char)a;
		for (b = 0; b < 0x100; b++) {
			s[1] = (unsigned char)b;
			/* "a" then "b" alone, or the pair. */
			want = onechar(s, 2) ? 2 : 0;
			got = check((char *)s, 2);
			bad += got != want;
			if (a < 0xe0)
				continue;
			for (c = 0; c < 0x100; c++) {
				s[2] = (unsigned char)c;
				want = onechar(s, 3) ? 3 : 0;
				got = check((char *)s, 3);
				bad += got != want;
			}
		}
	}
	/* Four bytes: every lead and second byte; the last two at the
	 * edges of the continuation range. */
	for (a = 0xf0; a < 0x100; a++)
		for (b = 0; b < 0x100; b++)
			for (c = 0; c < 4; c++)
				for (d = 0; d < 4; d++) {
					s[0] = (unsigned char)a;
					s[1] = (unsigned char)b;
					s[2] = edge[c];
					s[3] = edge[d];
					want = onechar(s, 4) ? 4 : 0;
					got = check((char *)s, 4);
					bad += got != want;
				}
	T_EQ_I(bad, 0);
}

/* The same characters inside ASCII text, at offsets of a string longer
 * than the 16-, 32- and 64-byte scans, on both sides of their block
 * and lane edges (16, 32, 48, 64): the answer is the whole length or the
 * character's offset. */
static void
embedded(void)
{
	static const unsigned char edge[] = { 0x7f, 0x80, 0xbf, 0xc0 };
	unsigned char s[72];
	unsigned a, b, c;
	size_t p, want, got, len;
	long bad = 0;

	for (p = 0; p < 64; p = p == 19 ? 28 : p == 35 ? 44 : p == 51 ? 60 :
	    p + 1)
		for (a = 0x80; a < 0x100; a++)
			for (b = 0; b < 0x100; b++)
				for (c = 0; c < 5; c++) {
					memset(s, 'a', sizeof(s));
					s[p] = (unsigned char)a;
					s[p + 1] = (unsigned char)b;
					len = 2;
					if (c < 4) {
						if (a < 0xe0)
							continue;
						s[p + 2] = edge[c];
						len = 3;
					}
					want = onechar(s + p, len) ?
					    sizeof(s) : p;
					got = check((char *)s, sizeof(s));
					bad += got != want;
				}
	T_EQ_I(bad, 0);
}

/* The offset of the first bad byte, by onechar alone. */
static size_t
ref_check(const unsigned char *s, size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		for (len = 2; len <= 4; len++)
			if (i + len <= n && onechar(s + i, len))
				break;
		if (len > 4)
			return i;
		i += len;
	}
	return n;
}

/* Random strings up to 100 bytes, mostly text, with leads,
 * continuations and the edge bytes mixed in, against ref_check: the
 * sixteen-byte checker must agree at every length and offset.  The
 * generator is fixed (an LCG), so a failure repeats. */
static void
random_mix(void)
{
	static const unsigned char pick[] = { 'a', ' ', 0x00, 0x7f, 0x80,
	    0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0,
	    0xe4, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff };
	/* well-formed pieces, so that long valid runs occur too */
	static const char *const whole[] = { "\xe4\xb8\xad", "\xc3\xa9",
	    "\xf0\x9f\x98\x80", "abcdefgh", "\xed\x9f\xbf",
	    "\xf4\x8f\xbf\xbf", "\xe0\xa0\x80" };
	unsigned char s[128];
	unsigned long x = 12345;
	long bad = 0, iter;
	size_t n, k;

	for (iter = 0; iter < 300000; iter++) {
		size_t want = (size_t)((x = x * 6364136223846793005UL +
		    1442695040888963407UL) >> 33) % 101;
		for (n = 0; n < want;) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			k = (size_t)(x >> 33);
			if (k % 4 != 0) {
				const char *w = whole[(k / 4) % 7];
				size_t wl = strlen(w);
				if (n + wl > want)
					break;
				memcpy(s + n, w, wl);
				n += wl;
			} else if (k % 64 == 0)
				s[n++] = pick[(k / 64) % sizeof(pick)];
			else
				s[n++] = 'a';
		}
		bad += check((char *)s, n) != ref_check(s, n);
	}
	T_EQ_I(bad, 0);
}

/* A bad byte at each offset of a long text of Chinese and ASCII (past
 * the points where the 32-byte scan looks at its errors). */
static void
long_runs(void)
{
	unsigned char s[1200];
	size_t i, p;
	long bad = 0;

	for (i = 0; i + 4 <= sizeof(s); i += 4)
		memcpy(s + i, i % 40 < 20 ? "abcd" : "\xe4\xb8\xad ", 4);
	T_EQ_I(check((char *)s, sizeof(s)), sizeof(s));
	for (p = 180; p < 1100; p++) {
		unsigned char keep = s[p];

		s[p] = 0xff;
		/* p itself, or the lead of the character it broke */
		bad += check((char *)s, sizeof(s)) != ref_check(s, sizeof(s)) ||
		    ref_check(s, sizeof(s)) + 3 <= p;
		s[p] = keep;
	}
	T_EQ_I(bad, 0);
}

int
main(void)
{
	int level;

	/* Each implementation the CPU has: the scalar one, SSSE3, AVX2,
	 * AVX-512. */
	for (level = 0; level <= 3; level++) {
		if (mbr_utf8_impl(level) != level)
			continue;
		named();
		exhaustive();
		embedded();
		random_mix();
		long_runs();
	}
	mbr_utf8_impl(-1);
	return T_DONE();
}
