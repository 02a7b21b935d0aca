/* mbr_stats.h: order statistics over integers, kept exact.
 *
 * Quantile break points decide which score a member gets, so a float
 * rounding could move a member across a boundary between two runs or
 * machines.  Here a quantile is a fraction num/den of integers and
 * comparisons are made in integers. */
#ifndef MBR_STATS_H
#define MBR_STATS_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
	__int128	num;
	int64_t		den;	/* > 0 */
} mbr_frac;

/* Sorts ascending (an LSD radix sort: 2M values in a few ms). */
void	mbr_sort_i64(int64_t *v, size_t n);
/* The same with n values of scratch of the caller's (NULL: its own). */
void	mbr_sort_i64_with(int64_t *v, size_t n, int64_t *tmp);
/* R's type 7 quantile (numpy's default "linear") of sorted v[0..n) at
 * probability k/K: v[j] + g (v[j+1] - v[j]) with h = (n-1) k / K,
 * j = floor(h), g = h - j.  n > 0. */
mbr_frac mbr_quantile7(const int64_t *sorted, size_t n, unsigned k,
	    unsigned K);
/* The median (type 7 at 1/2) and the mean, as fractions. */
mbr_frac mbr_mean(const int64_t *v, size_t n);
/* -1, 0, 1 as x <, =, > f.  Inline: scoring compares each member with
 * every break point. */
static inline int
mbr_frac_cmp(int64_t x, mbr_frac f)
{
	__int128 l = (__int128)x * f.den;

	return l < f.num ? -1 : l > f.num;
}
mbr_frac mbr_frac_add(mbr_frac f, int64_t x);
/* Writes f as a decimal with at most `places` decimals, trailing zeros
 * dropped, the last digit rounded half away from zero; then, when scale
 * is 100 (money in cents), as major units.  buf holds 64 bytes. */
size_t	mbr_frac_fmt(char *buf, mbr_frac f, int64_t scale, int places);
/* The first index in sorted v where v[i] >= x (lower bound). */
size_t	mbr_lower_bound(const int64_t *v, size_t n, int64_t x);
#endif
