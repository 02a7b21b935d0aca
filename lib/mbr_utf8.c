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

/* The byte-at-a-time check: the reference, and the answer to where the
 * first bad byte is. */
static size_t
check_scalar(const unsigned char *s, size_t n)
{
	uint64_t w;
	size_t i = 0, len;

	while (i < n) {
		/* Export text is mostly ASCII: eight bytes a step. */
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
		if ((len = seqlen(s + i, n - i)) == 0)
			return i;
		i += len;
	}
	return n;
}

#ifdef UTF8_SIMD
/*
 * Sixteen bytes a step whatever they hold, after Keiser and Lemire,
 * "Validating UTF-8 in less than one instruction per byte" (2021): each
 * byte is checked against the one before it by three 16-entry tables
 * (the high and low nibble of the byte before, the high nibble of this
 * one), whose entries are sets of the errors that pair could be; a bit
 * set in all three is an error.  A continuation byte two or three
 * places after a three- or four-byte lead is checked apart.  The tables
 * need SSSE3's pshufb, asked of the CPU at run time.  On any error the
 * scalar check finds the offset.
 */
#define TOO_SHORT	(1 << 0)	/* lead, then no continuation */
#define TOO_LONG	(1 << 1)	/* ASCII, then a continuation */
#define OVERLONG_3	(1 << 2)	/* E0 80..9F */
#define TOO_LARGE	(1 << 3)	/* F4 90..BF, F5.. */
#define SURROGATE	(1 << 4)	/* ED A0..BF */
#define OVERLONG_2	(1 << 5)	/* C0, C1 */
#define TOO_LARGE_1000	(1 << 6)	/* F5.. 80..8F */
#define OVERLONG_4	(1 << 6)	/* F0 80..8F */
#define TWO_CONTS	(1 << 7)	/* continuation, then another */
#define CARRY		(TOO_SHORT | TOO_LONG | TWO_CONTS)

#include <tmmintrin.h>

/* The errors a pair of bytes can be, by the high nibble of the first
 * (t_b1h), its low nibble (t_b1l) and the high nibble of the second
 * (t_b2h): looked up sixteen (or 32) at a time with pshufb. */
static const unsigned char t_b1h[16] = {
	TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
	TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
	TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
	TOO_SHORT | OVERLONG_2,
	TOO_SHORT,
	TOO_SHORT | OVERLONG_3 | SURROGATE,
	TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4
};
static const unsigned char t_b1l[16] = {
	CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
	CARRY | OVERLONG_2,
	CARRY,
	CARRY,
	CARRY | TOO_LARGE,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
	CARRY | TOO_LARGE | TOO_LARGE_1000,
	CARRY | TOO_LARGE | TOO_LARGE_1000
};
static const unsigned char t_b2h[16] = {
	TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
	TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
	TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 |
	OVERLONG_4,
	TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
	TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
	TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
	TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT
};

__attribute__((target("ssse3")))
static __m128i
block_errors(__m128i in, __m128i prev)
{
	const __m128i lo4 = _mm_set1_epi8(0x0f);
	const __m128i b1h_t = _mm_loadu_si128((const void *)t_b1h);
	const __m128i b1l_t = _mm_loadu_si128((const void *)t_b1l);
	const __m128i b2h_t = _mm_loadu_si128((const void *)t_b2h);
	__m128i prev1 = _mm_alignr_epi8(in, prev, 15);
	__m128i prev2 = _mm_alignr_epi8(in, prev, 14);
	__m128i prev3 = _mm_alignr_epi8(in, prev, 13);
	__m128i sc, must23;

	sc = _mm_and_si128(_mm_and_si128(
	    _mm_shuffle_epi8(b1h_t, _mm_and_si128(_mm_srli_epi16(prev1, 4),
	    lo4)),
	    _mm_shuffle_epi8(b1l_t, _mm_and_si128(prev1, lo4))),
	    _mm_shuffle_epi8(b2h_t, _mm_and_si128(_mm_srli_epi16(in, 4),
	    lo4)));
	/* 0x80 where a byte must be a third or fourth byte */
	must23 = _mm_and_si128(_mm_or_si128(
	    _mm_subs_epu8(prev2, _mm_set1_epi8((char)(0xe0 - 0x80))),
	    _mm_subs_epu8(prev3, _mm_set1_epi8((char)(0xf0 - 0x80)))),
	    _mm_set1_epi8((char)0x80));
	return _mm_xor_si128(must23, sc);
}

__attribute__((target("ssse3")))
static size_t
check_ssse3(const unsigned char *s, size_t n)
{
	__m128i prev = _mm_setzero_si128(), err = _mm_setzero_si128(), in;
	unsigned char last[16];
	size_t i = 0;

	for (; n - i >= 16; i += 16) {
		in = _mm_loadu_si128((const void *)(s + i));
		/* ASCII after a block that ended on a whole character:
		 * nothing to check */
		if (_mm_movemask_epi8(_mm_or_si128(in, prev)) == 0)
			continue;
		err = _mm_or_si128(err, block_errors(in, prev));
		prev = in;
		if (_mm_movemask_epi8(_mm_cmpeq_epi8(err,
		    _mm_setzero_si128())) != 0xffff)
			return check_scalar(s, n);
	}
	/* The tail, padded with NULs (sixteen of them if there is no
	 * tail): a sequence cut short by the end meets a NUL and fails as
	 * too short. */
	memset(last, 0, sizeof(last));
	memcpy(last, s + i, n - i);
	in = _mm_loadu_si128((const void *)last);
	err = _mm_or_si128(err, block_errors(in, prev));
	if (_mm_movemask_epi8(_mm_cmpeq_epi8(err, _mm_setzero_si128())) !=
	    0xffff)
		return check_scalar(s, n);
	return n;
}

/*
 * The same, 32 bytes a step (AVX2): the tables hold in both 128-bit
 * lanes, and the bytes before each lane come from the lane before (or
 * the block before) through a permute.
 */
#include <immintrin.h>

__attribute__((target("avx2"), always_inline))
static inline __m256i
block_errors2(__m256i in, __m256i prev)
{
	const __m256i lo4 = _mm256_set1_epi8(0x0f);
	const __m256i b1h_t = _mm256_broadcastsi128_si256(
	    _mm_loadu_si128((const void *)t_b1h));
	const __m256i b1l_t = _mm256_broadcastsi128_si256(
	    _mm_loadu_si128((const void *)t_b1l));
	const __m256i b2h_t = _mm256_broadcastsi128_si256(
	    _mm_loadu_si128((const void *)t_b2h));
	/* per lane: the 16 bytes before it, then the lane */
	__m256i before = _mm256_permute2x128_si256(prev, in, 0x21);
	__m256i prev1 = _mm256_alignr_epi8(in, before, 15);
	__m256i prev2 = _mm256_alignr_epi8(in, before, 14);
	__m256i prev3 = _mm256_alignr_epi8(in, before, 13);
	__m256i sc, must23;

	sc = _mm256_and_si256(_mm256_and_si256(
	    _mm256_shuffle_epi8(b1h_t, _mm256_and_si256(
	    _mm256_srli_epi16(prev1, 4), lo4)),
	    _mm256_shuffle_epi8(b1l_t, _mm256_and_si256(prev1, lo4))),
	    _mm256_shuffle_epi8(b2h_t, _mm256_and_si256(
	    _mm256_srli_epi16(in, 4), lo4)));
	must23 = _mm256_and_si256(_mm256_or_si256(
	    _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xe0 - 0x80))),
	    _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xf0 - 0x80)))),
	    _mm256_set1_epi8((char)0x80));
	return _mm256_xor_si256(must23, sc);
}

__attribute__((target("avx2")))
static size_t
check_avx2(const unsigned char *s, size_t n)
{
	__m256i prev = _mm256_setzero_si256(), err = _mm256_setzero_si256();
	__m256i in;
	unsigned char last[32];
	size_t i = 0;

	for (; n - i >= 32; i += 32) {
		in = _mm256_loadu_si256((const void *)(s + i));
		if (_mm256_movemask_epi8(_mm256_or_si256(in, prev)) == 0)
			continue;
		err = _mm256_or_si256(err, block_errors2(in, prev));
		prev = in;
		/* Errors are rare: looked at every 8 blocks, not every one. */
		if ((i & 255) == 224 && !_mm256_testz_si256(err, err))
			return check_scalar(s, n);
	}
	memset(last, 0, sizeof(last));
	memcpy(last, s + i, n - i);
	in = _mm256_loadu_si256((const void *)last);
	err = _mm256_or_si256(err, block_errors2(in, prev));
	if (!_mm256_testz_si256(err, err))
		return check_scalar(s, n);
	return n;
}

/*
 * The same again, 64 bytes a step (AVX-512 BW): the bytes before each
 * 16-byte lane come from the lane before through valignq.  A seventh
 * of mbr-rfm's reading went to the AVX2 check, most of it on the
 * blocks with Chinese item names.
 */
__attribute__((target("avx512bw"), always_inline))
static inline __m512i
block_errors4(__m512i in, __m512i prev)
{
	const __m512i lo4 = _mm512_set1_epi8(0x0f);
	const __m512i b1h_t = _mm512_broadcast_i32x4(
	    _mm_loadu_si128((const void *)t_b1h));
	const __m512i b1l_t = _mm512_broadcast_i32x4(
	    _mm_loadu_si128((const void *)t_b1l));
	const __m512i b2h_t = _mm512_broadcast_i32x4(
	    _mm_loadu_si128((const void *)t_b2h));
	/* per lane: the 16 bytes before it, then the lane */
	__m512i before = _mm512_alignr_epi64(in, prev, 6);
	__m512i prev1 = _mm512_alignr_epi8(in, before, 15);
	__m512i prev2 = _mm512_alignr_epi8(in, before, 14);
	__m512i prev3 = _mm512_alignr_epi8(in, before, 13);
	__m512i sc, must23;

	sc = _mm512_and_si512(_mm512_and_si512(
	    _mm512_shuffle_epi8(b1h_t, _mm512_and_si512(
	    _mm512_srli_epi16(prev1, 4), lo4)),
	    _mm512_shuffle_epi8(b1l_t, _mm512_and_si512(prev1, lo4))),
	    _mm512_shuffle_epi8(b2h_t, _mm512_and_si512(
	    _mm512_srli_epi16(in, 4), lo4)));
	must23 = _mm512_and_si512(_mm512_or_si512(
	    _mm512_subs_epu8(prev2, _mm512_set1_epi8((char)(0xe0 - 0x80))),
	    _mm512_subs_epu8(prev3, _mm512_set1_epi8((char)(0xf0 - 0x80)))),
	    _mm512_set1_epi8((char)0x80));
	return _mm512_xor_si512(must23, sc);
}

__attribute__((target("avx512bw")))
static size_t
check_avx512(const unsigned char *s, size_t n)
{
	__m512i prev = _mm512_setzero_si512(), err = _mm512_setzero_si512();
	__m512i in;
	unsigned char last[64];
	size_t i = 0;

	for (; n - i >= 64; i += 64) {
		in = _mm512_loadu_si512((const void *)(s + i));
		if (_mm512_movepi8_mask(_mm512_or_si512(in, prev)) == 0)
			continue;
		err = _mm512_or_si512(err, block_errors4(in, prev));
		prev = in;
		/* Errors are rare: looked at every 4 blocks, not every one. */
		if ((i & 255) == 192 && _mm512_test_epi8_mask(err, err) != 0)
			return check_scalar(s, n);
	}
	memset(last, 0, sizeof(last));
	memcpy(last, s + i, n - i);
	in = _mm512_loadu_si512((const void *)last);
	err = _mm512_or_si512(err, block_errors4(in, prev));
	if (_mm512_test_epi8_mask(err, err) != 0)
		return check_scalar(s, n);
	return n;
}
#endif

/* -1: the best the CPU has; else forced by mbr_utf8_impl (tests). */
static int forced = -1;

int
mbr_utf8_impl(int level)
{
	int best = 0;

#ifdef UTF8_SIMD
	if (__builtin_cpu_supports("avx512bw"))
		best = 3;
	else if (__builtin_cpu_supports("avx2"))
		best = 2;
	else if (__builtin_cpu_supports("ssse3"))
		best = 1;
#endif
	forced = level < 0 || level > best ? -1 : level;
	return level < 0 || level > best ? best : level;
}

size_t
mbr_utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
#ifdef UTF8_SIMD
	/* Asked each time: the answer is a load of what the C runtime
	 * found at start, and threads call this at once. */
	if (forced < 0 ? __builtin_cpu_supports("avx512bw") : forced == 3)
		return check_avx512(s, n);
	if (forced < 0 ? __builtin_cpu_supports("avx2") : forced == 2)
		return check_avx2(s, n);
	if (forced < 0 ? __builtin_cpu_supports("ssse3") : forced == 1)
		return check_ssse3(s, n);
#endif
	return check_scalar(s, n);
}

size_t
mbr_utf8_clean_lines(const char *s, size_t n)
{
	const char *z;
	size_t ok;

	while (n > 0 && s[n - 1] != '\n')	/* memrchr is GNU's */
		n--;
	if (n == 0)
		return 0;
	ok = mbr_utf8_check(s, n);
	z = memchr(s, '\0', ok);
	return z != NULL ? (size_t)(z - s) : ok;
}

/* The second byte's range depends on the first (table 3-7), which
 * rules out overlongs, surrogates and code points above U+10FFFF. */
size_t
mbr_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		*cp = MBR_UTF8_BAD;	/* 80..C1, F5..FF: no lead byte */
		return 1;
	}
	for (i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*cp = MBR_UTF8_BAD;
			return i;
		}
		c = c << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return len;
}
