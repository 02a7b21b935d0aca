/* mbr_utf8.c: see mbr_utf8.h.
 *
 * The well-formed sequences are those of Unicode 15, table 3-7: the
 * second byte's range depends on the first, which is what rules out
 * overlongs (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code
 * points above U+10FFFF (F4 90..BF, F5..FF).  C0 and C1 could only
 * start overlong two-byte forms. */
#include <stdint.h>
#include <string.h>

#include "mbr_utf8.h"

#if defined(__SSE2__) && defined(__GNUC__)
#define UTF8_SIMD 1
#include <emmintrin.h>
#endif

#define HIGHBITS	0x8080808080808080ULL

static inline int
cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Returns the length of the sequence at s[0..n), whose first byte is
 * not ASCII, or 0 if it is not well formed. */
static size_t
seqlen(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0xc2)
		return 0;	/* a continuation byte, or C0, C1 */
	if (s[0] < 0xe0)
		len = 2;
	else if (s[0] < 0xf0) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] < 0xf5) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (!cont(s[i]))
			return 0;
	return len;
}

size_t
mbr_utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	uint64_t w;
	size_t i = 0, len;

	while (i < n) {
		/* Export text is mostly ASCII: sixteen (or eight) bytes a
		 * step to the next byte that is not. */
#ifdef UTF8_SIMD
		if (n - i >= 16) {
			unsigned m = (unsigned)_mm_movemask_epi8(
			    _mm_loadu_si128((const void *)(s + i)));
			if (m == 0) {
				i += 16;
				continue;
			}
			i += (size_t)__builtin_ctz(m);
		}
#endif
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if ((w & HIGHBITS) == 0) {
				i += 8;
				continue;
			}
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		/* Chinese text is three-byte sequences whose lead is
		 * neither E0 nor ED, the two with a narrower second byte. */
		if (s[i] > 0xe0 && s[i] < 0xf0 && s[i] != 0xed && n - i >= 3 &&
		    cont(s[i + 1]) && cont(s[i + 2])) {
			i += 3;
			continue;
		}
		if ((len = seqlen(s + i, n - i)) == 0)
			return i;
		i += len;
	}
	return n;
}
