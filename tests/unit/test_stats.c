/* test_stats.c: exact quantiles and the RFM scoring rules.
 * Reference values: numpy.percentile (numpy's default is R's type 7),
 * run as /usr/bin/python3 tests/rfm_reference.py, and by hand. */
#include <stdlib.h>

#include "mbr_rfm.h"
#include "mbr_stats.h"
#include "t.h"

static void
test_sort(void)
{
	int64_t v[200];
	int i, ok = 1;
	uint64_t x = 88172645463325252ULL;

	for (i = 0; i < 200; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = (int64_t)(x % 2001) - 1000;
	}
	v[7] = INT64_MIN;
	v[9] = INT64_MAX;
	mbr_sort_i64(v, 200);
	for (i = 1; i < 200; i++)
		ok &= v[i - 1] <= v[i];
	T_OK(ok);
	T_EQ_I(v[0], INT64_MIN);
	T_EQ_I(v[199], INT64_MAX);
}

/* With the caller's scratch: the same order as with its own, for values
 * that use one byte, two, and all eight (passes skipped or not). */
static void
test_sort_with(void)
{
	static const int64_t span[] = { 200, 60000, 0 };
	int64_t v[1000], w[1000], tmp[1000];
	int i, k, same = 1, sorted = 1;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < 1000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v[i] = span[k] ? (int64_t)(x % (uint64_t)span[k]) :
			    (int64_t)x;
			w[i] = v[i];
		}
		mbr_sort_i64(v, 1000);
		mbr_sort_i64_with(w, 1000, tmp);
		for (i = 0; i < 1000; i++) {
			same &= v[i] == w[i];
			sorted &= i == 0 || w[i - 1] <= w[i];
		}
	}
	T_OK(same);
	T_OK(sorted);
}

static void
test_quantile(void)
{
	/* numpy.percentile([1,1,2,3,3,3,5,8,13,21], [20,40,60,80])
	 * = 1.8, 3.0, 3.8, 9.0 */
	int64_t v[] = { 1, 1, 2, 3, 3, 3, 5, 8, 13, 21 };
	char buf[64];
	mbr_frac q;

	q = mbr_quantile7(v, 10, 1, 5);
	mbr_frac_fmt(buf, q, 1, 4);
	T_EQ_S(buf, "1.8");
	q = mbr_quantile7(v, 10, 2, 5);
	mbr_frac_fmt(buf, q, 1, 4);
	T_EQ_S(buf, "3");
	q = mbr_quantile7(v, 10, 3, 5);
	mbr_frac_fmt(buf, q, 1, 4);
	T_EQ_S(buf, "3.8");
	T_EQ_I(mbr_frac_cmp(4, q), 1);
	T_EQ_I(mbr_frac_cmp(3, q), -1);
	q = mbr_quantile7(v, 10, 4, 5);
	mbr_frac_fmt(buf, q, 1, 4);
	T_EQ_S(buf, "9");
	T_EQ_I(mbr_frac_cmp(9, q), 0);
	/* one value: every quantile is it */
	q = mbr_quantile7(v + 9, 1, 2, 5);
	T_EQ_I(mbr_frac_cmp(21, q), 0);
	/* numpy.percentile([5,9,12,12,40,41,100], 60) = 28.8 */
	{
		int64_t w[] = { 5, 9, 12, 12, 40, 41, 100 };
		q = mbr_quantile7(w, 7, 3, 5);
		mbr_frac_fmt(buf, q, 1, 4);
		T_EQ_S(buf, "28.8");
		/* money: 2880 minor units shown in major units */
		q = mbr_quantile7(w, 7, 3, 5);
		mbr_frac_fmt(buf, q, 100, 2);
		T_EQ_S(buf, "0.29");
	}
	q = mbr_mean(v, 10);	/* 60 / 10 */
	T_EQ_I(mbr_frac_cmp(6, q), 0);
	mbr_frac_fmt(buf, (mbr_frac){ -5, 2 }, 1, 0);
	T_EQ_S(buf, "-3");	/* -2.5 rounds away from zero */
	mbr_frac_fmt(buf, (mbr_frac){ 1, 3 }, 1, 4);
	T_EQ_S(buf, "0.3333");
}

static void
test_rfm_scores(void)
{
	int64_t v[] = { 1, 1, 2, 3, 3, 3, 5, 8, 13, 21 };
	mbr_breaks br;

	/* R rfm: breaks min, q+1 ..., max+1 = 1, 2.8, 4, 4.8, 10, 22 */
	mbr_rfm_breaks(&br, v, 10, 5, 1);
	T_EQ_I(br.nb, 6);
	T_EQ_I(mbr_rfm_score(&br, 1), 1);
	T_EQ_I(mbr_rfm_score(&br, 2), 1);
	T_EQ_I(mbr_rfm_score(&br, 3), 2);
	T_EQ_I(mbr_rfm_score(&br, 4), 3);	/* [4, 4.8) */
	T_EQ_I(mbr_rfm_score(&br, 5), 4);
	T_EQ_I(mbr_rfm_score(&br, 9), 4);
	T_EQ_I(mbr_rfm_score(&br, 10), 5);
	T_EQ_I(mbr_rfm_score(&br, 21), 5);
	/* coinciding breaks: all equal values score the top of their
	 * run; bins collapse */
	{
		int64_t w[] = { 1, 1, 1, 1, 1, 1, 1, 1, 2, 5 };
		/* q = 1, 1, 1, 1.2 (numpy); breaks 1, 2, 2, 2, 2.2, 6 */
		mbr_rfm_breaks(&br, w, 10, 5, 1);
		T_EQ_I(mbr_rfm_score(&br, 1), 1);
		T_EQ_I(mbr_rfm_score(&br, 2), 4);
		T_EQ_I(mbr_rfm_score(&br, 5), 5);
	}
	/* rank scores: 1 + floor((rank_min - 1) * 5 / 10) */
	T_EQ_I(mbr_rfm_rank_score(v, 10, 5, 1), 1);	/* rank 1 */
	T_EQ_I(mbr_rfm_rank_score(v, 10, 5, 2), 2);	/* rank 3 */
	T_EQ_I(mbr_rfm_rank_score(v, 10, 5, 3), 2);	/* rank 4 */
	T_EQ_I(mbr_rfm_rank_score(v, 10, 5, 5), 4);	/* rank 7 */
	T_EQ_I(mbr_rfm_rank_score(v, 10, 5, 21), 5);	/* rank 10 */
}

static void
test_bins(void)
{
	int64_t b[3][MBR_RFM_MAXBINS];
	int n[3];
	mbr_err e = { 0 };

	T_EQ_I(mbr_rfm_parse_bins("r=30,60,90,180 f=1,2,3,5 m=100,500.5",
	    2, b, n, &e), MBR_OK);
	T_EQ_I(n[0], 4);
	T_EQ_I(b[0][3], 180);
	T_EQ_I(n[1], 4);
	T_EQ_I(n[2], 2);
	T_EQ_I(b[2][0], 10000);
	T_EQ_I(b[2][1], 50050);
	T_EQ_I(mbr_rfm_parse_bins("r=60,30 f=1 m=1", 2, b, n, &e),
	    MBR_EUSAGE);
	T_EQ_I(mbr_rfm_parse_bins("r=30 f=1", 2, b, n, &e), MBR_EUSAGE);
	T_EQ_I(mbr_rfm_parse_bins("r=30 f=1 m=1.001", 2, b, n, &e),
	    MBR_EUSAGE);
}

static void
test_segments(void)
{
	size_t n, i, hit[11] = { 0 };
	const mbr_segrule *t = mbr_rfm11(&n), *s;
	int r, f, m, total = 1;

	T_EQ_I(n, 11);
	for (r = 1; r <= 5; r++)
		for (f = 1; f <= 5; f++)
			for (m = 1; m <= 5; m++) {
				s = mbr_rfm_segment(t, n, r, f, m);
				total &= s != NULL;
				if (s != NULL)
					hit[s - t]++;
			}
	T_OK(total);		/* every combination has a segment */
	for (i = 0; i < n; i++)
		T_OK(hit[i] > 0);	/* every segment is reachable */
	T_EQ_S(mbr_rfm_segment(t, n, 5, 5, 5)->name, "champions");
	T_EQ_S(mbr_rfm_segment(t, n, 1, 1, 1)->name, "lost");
	T_EQ_S(mbr_rfm_segment(t, n, 1, 5, 5)->name, "cannot_lose");
	T_EQ_S(mbr_rfm_segment(t, n, 5, 1, 1)->name, "new");
	T_EQ_S(mbr_rfm_segment(t, n, 3, 1, 2)->name, "promising");
	T_EQ_S(mbr_rfm_segment(t, n, 2, 1, 1)->name, "about_to_sleep");
	T_EQ_S(mbr_rfm_segment(t, n, 2, 1, 5)->name, "hibernating");
}

int
main(void)
{
	test_sort();
	test_sort_with();
	test_quantile();
	test_rfm_scores();
	test_bins();
	test_segments();
	return T_DONE();
}
