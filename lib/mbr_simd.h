/* mbr_simd.h: SSE2 helpers shared by the scanners and quoters.
 *
 * MBR_SIMD is defined where SSE2 is (every x86-64) and the code was not
 * built with MBR_NO_SIMD; elsewhere each caller has a byte loop. */
#ifndef MBR_SIMD_H
#define MBR_SIMD_H
#if defined(__SSE2__) && defined(__GNUC__) && !defined(MBR_NO_SIMD)
#define MBR_SIMD 1
#include <emmintrin.h>
#include <stdint.h>
#include <string.h>

/* The 16 bytes at s, of which only the first n (1..15) are the
 * caller's: the rest are whatever follows in s's page, or, where the
 * page ends too soon, a copy's padding.  A short field is then looked
 * at in one step without first copying it into a block, whose load
 * would wait for the copy's stores (they cannot be forwarded to one
 * wider load).  Reading past the field is outside what ASan and TSan
 * allow (TSan calls it a use after free of the block that follows),
 * hence the attribute; the caller ignores the bytes from n on. */
static inline __m128i __attribute__((no_sanitize_address, no_sanitize_thread))
mbr_load_short(const void *s, size_t n)
{
	unsigned char pad[16];

	if (((uintptr_t)s & 4095) <= 4096 - 16)
		return _mm_loadu_si128((const __m128i *)s);
	memset(pad, 0, sizeof(pad));
	memcpy(pad, s, n);
	return _mm_loadu_si128((const __m128i *)pad);
}
#endif
#endif
