/* mbr_stats.c: see mbr_stats.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_err.h"
#include "mbr_stats.h"

void
mbr_sort_i64(int64_t *v, size_t n)
{
	mbr_sort_i64_with(v, n, NULL);
}

void
mbr_sort_i64_with(int64_t *v, size_t n, int64_t *tmp)
{
	uint64_t *a = (uint64_t *)v, *b, *src, *dst, *t;
	size_t (*count)[256], i, pass;

	if (n < 64) {
		/* insertion sort for the small case */
		for (i = 1; i < n; i++) {
			int64_t x = v[i];
			size_t j = i;
			while (j > 0 && v[j - 1] > x) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = x;
		}
		return;
	}
	b = tmp != NULL ? (uint64_t *)tmp : mbr_xmalloc(n * sizeof(*b));
	/* The counts of all eight bytes in one read: most passes are then
	 * skipped (days and counts use two bytes of eight). */
	count = mbr_xcalloc(8, sizeof(*count));
	for (i = 0; i < n; i++) {
		/* Flip the sign bit so that unsigned order is signed order. */
		uint64_t x = a[i] ^= 1ULL << 63;

		for (pass = 0; pass < 8; pass++)
			count[pass][(x >> (pass * 8)) & 0xff]++;
	}
	src = a;
	dst = b;
	for (pass = 0; pass < 8; pass++) {
		unsigned sh = (unsigned)pass * 8;
		size_t sum = 0, *c = count[pass];

		if (c[(src[0] >> sh) & 0xff] == n)
			continue;	/* every value shares this byte */
		for (i = 0; i < 256; i++) {
			size_t k = c[i];
			c[i] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			dst[c[(src[i] >> sh) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	for (i = 0; i < n; i++)
		a[i] ^= 1ULL << 63;
	free(count);
	if (tmp == NULL)
		free(b);
}

mbr_frac
mbr_quantile7(const int64_t *v, size_t n, unsigned k, unsigned K)
{
	/* h = (n-1) k / K = j + r / K */
	uint64_t hk = (uint64_t)(n - 1) * k;
	size_t j = (size_t)(hk / K);
	int64_t r = (int64_t)(hk % K);
	mbr_frac f;

	f.den = K;
	f.num = (__int128)v[j] * K;
	if (r != 0 && j + 1 < n)
		f.num += (__int128)r * ((__int128)v[j + 1] - v[j]);
	return f;
}

mbr_frac
mbr_mean(const int64_t *v, size_t n)
{
	mbr_frac f = { 0, (int64_t)(n ? n : 1) };
	size_t i;

	for (i = 0; i < n; i++)
		f.num += v[i];
	return f;
}

mbr_frac
mbr_frac_add(mbr_frac f, int64_t x)
{
	f.num += (__int128)x * f.den;
	return f;
}

static size_t
fmt_u128(char *buf, unsigned __int128 v)
{
	char tmp[48];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

size_t
mbr_frac_fmt(char *buf, mbr_frac f, int64_t scale, int places)
{
	unsigned __int128 a, den, ip, rem, p10 = 1;
	int neg = f.num < 0, i;
	size_t n = 0;
	char frac[40];
	int nf = 0;

	for (i = 0; i < places; i++)
		p10 *= 10;
	a = (unsigned __int128)(neg ? -f.num : f.num);
	den = (unsigned __int128)f.den * (unsigned __int128)scale;
	/* value * 10^places, rounded half away from zero */
	a = (a * p10 * 2 + den) / (den * 2);
	ip = a / p10;
	rem = a % p10;
	if (neg && a != 0)
		buf[n++] = '-';
	n += fmt_u128(buf + n, ip);
	for (i = places - 1; i >= 0; i--) {
		frac[i] = (char)('0' + (int)(rem % 10));
		rem /= 10;
	}
	nf = places;
	while (nf > 0 && frac[nf - 1] == '0')
		nf--;
	if (nf > 0) {
		buf[n++] = '.';
		memcpy(buf + n, frac, (size_t)nf);
		n += (size_t)nf;
	}
	buf[n] = '\0';
	return n;
}

size_t
mbr_lower_bound(const int64_t *v, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
