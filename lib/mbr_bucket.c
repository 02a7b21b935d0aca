/* mbr_bucket.c: see mbr_bucket.h.
 *
 * The SDK's hashFnv32a is
 *	hval ^= str.charCodeAt(i);
 *	hval += (hval<<1) + (hval<<4) + (hval<<7) + (hval<<8) + (hval<<24);
 * JavaScript shifts and XORs in int32 but adds in doubles; the sum of
 * six int32 values is exact in a double and the next ^= (or the final
 * >>> 0) reduces it mod 2^32.  So it is hval * (1 + 2 + 16 + 128 + 256
 * + 2^24) = hval * 0x01000193 mod 2^32: the FNV prime, in uint32_t. */
#include <stddef.h>
#include <stdint.h>

#include "mbr_bucket.h"
#include "mbr_utf8.h"

#define FNV_PRIME	0x01000193u
#define REPLACEMENT	0xfffdu

static inline uint32_t
step(uint32_t h, uint32_t unit)
{
	return (h ^ unit) * FNV_PRIME;
}

uint32_t
mbr_fnv1a32_utf16(const char *str, size_t n, uint32_t h)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		if (s[i] < 0x80) {
			h = step(h, s[i++]);
			continue;
		}
		i += mbr_utf8_decode(str + i, n - i, &c);
		if (c == MBR_UTF8_BAD)
			c = REPLACEMENT;
		if (c < 0x10000)
			h = step(h, c);
		else {
			/* charCodeAt sees the surrogate pair. */
			c -= 0x10000;
			h = step(h, 0xd800 | c >> 10);
			h = step(h, 0xdc00 | (c & 0x3ff));
		}
	}
	return h;
}

int
mbr_gb_hash(const char *seed, size_t seedlen, const char *value,
    size_t valuelen, int version, uint32_t *num, uint32_t *den)
{
	char dec[10];	/* 4294967295 */
	size_t nd, i;
	uint32_t h;

	if (version == 2) {
		h = mbr_fnv1a32_utf16(seed, seedlen, MBR_BUCKET_FNV_INIT);
		h = mbr_fnv1a32_utf16(value, valuelen, h);
		/* hashFnv32a(h + ""): the number's decimal text, no
		 * leading zeros, digits filled from the right */
		nd = sizeof(dec);
		do {
			dec[--nd] = (char)('0' + h % 10);
			h /= 10;
		} while (h > 0);
		h = MBR_BUCKET_FNV_INIT;
		for (i = nd; i < sizeof(dec); i++)
			h = step(h, (unsigned char)dec[i]);
		*num = h % 10000;
		*den = 10000;
		return 0;
	}
	if (version == 1) {
		/* value before seed: the order the SDK kept from its
		 * first version */
		h = mbr_fnv1a32_utf16(value, valuelen, MBR_BUCKET_FNV_INIT);
		h = mbr_fnv1a32_utf16(seed, seedlen, h);
		*num = h % 1000;
		*den = 1000;
		return 0;
	}
	return -1;
}

int
mbr_gb_equal_weights(int n, double *w)
{
	double each;
	int i;

	if (n <= 0)
		return 0;
	each = 1.0 / n;		/* new Array(n).fill(1 / n) */
	for (i = 0; i < n; i++)
		w[i] = each;
	return n;
}

int
mbr_gb_ranges(const double *weights, int nweights, int nvariations,
    double coverage, double (*ranges)[2])
{
	double cumulative, start, total, w;
	volatile double span;
	int i, equal;

	if (nvariations <= 0)
		return 0;
	/* The SDK's comparisons as written: a NaN coverage fails both
	 * and stays NaN. */
	if (coverage < 0)
		coverage = 0;
	else if (coverage > 1)
		coverage = 1;
	equal = weights == NULL || nweights != nvariations;
	if (!equal) {
		/* weights.reduce((w, sum) => sum + w, 0): the names are
		 * swapped but the sum runs left to right from 0, and
		 * a + b == b + a in IEEE arithmetic. */
		total = 0;
		for (i = 0; i < nweights; i++)
			total = total + weights[i];
		equal = total < 0.99 || total > 1.01;
	}
	cumulative = 0;
	for (i = 0; i < nvariations; i++) {
		w = equal ? 1.0 / nvariations : weights[i];
		start = cumulative;
		cumulative += w;
		/* JavaScript rounds the product, then the sum; an fma
		 * would round once and move an edge by an ulp.  The
		 * volatile keeps the product a double in every
		 * -ffp-contract mode (gcc -std=gnu11 and clang
		 * -ffp-contract=fast fuse across statements on a CPU
		 * with fma; test_bucket's exact edges catch it).  Ranges
		 * are made once per experiment: the cost is nothing. */
		span = coverage * w;
		ranges[i][0] = start;
		ranges[i][1] = start + span;
	}
	return nvariations;
}

int
mbr_gb_choose(double n, const double (*ranges)[2], int nranges)
{
	int i;

	for (i = 0; i < nranges; i++)
		if (n >= ranges[i][0] && n < ranges[i][1])
			return i;
	return -1;
}
