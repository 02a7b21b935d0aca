/* test_clv.c: the BG/NBD and Gamma-Gamma formulas and fits against
 * values worked out by hand or with scipy (tests/clv_reference.py's
 * functions: gammaln, hyp2f1 in lifetimes' form), and the CDNOW fit
 * against the published estimates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_clv.h"
#include "t.h"

static int
rel(double a, double b, double tol)
{
	return fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

#define T_REL(a, b, tol) do {						\
	double t_a = (a), t_b = (b);					\
	if (rel(t_a, t_b, tol))						\
		t_pass++;						\
	else {								\
		t_fail++;						\
		fprintf(stderr, "FAIL %s:%d: %s == %.17g, want %.17g\n", \
		    __FILE__, __LINE__, #a, t_a, t_b);			\
	}								\
} while (0)

/* the CDNOW estimates of the paper, weeks */
static const mbr_bgnbd cdnow = { 0.243, 4.414, 0.793, 2.426 };

static void
test_loglik(void)
{
	/* scipy's gammaln, lifetimes' formula: x, t_x, T, value */
	static const double v[][4] = {
		{ 0, 0, 38.86, -0.55471327643815838 },
		{ 2, 30.43, 38.86, -9.4586063070662707 },
		{ 7, 29.43, 35.14, -21.400277658129333 },
		{ 1, 1.71, 38.86, -4.4690932750325878 },
		{ 50, 30, 38, -39.863835973851877 },
	};
	static const double gg[][3] = {
		{ 1, 11.77, -3.7377096787408384 },
		{ 2, 22.35, -3.5513167597316979 },
		{ 10, 35.5, -4.043982455300295 },
	};
	mbr_gamgam g = { 6.25, 3.74, 15.44 };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		T_REL(mbr_bgnbd_loglik(&cdnow, v[i][0], v[i][1], v[i][2]),
		    v[i][3], 1e-12);
	for (i = 0; i < sizeof(gg) / sizeof(gg[0]); i++)
		T_REL(mbr_gamgam_loglik(&g, gg[i][0], gg[i][1]), gg[i][2],
		    1e-12);
}

static void
test_p_alive(void)
{
	mbr_bgnbd m = { 1, 1, 2, 1 };

	/* x = 0: alive, whatever the rest */
	T_OK(mbr_bgnbd_p_alive(&m, 0, 0, 0) == 1);
	T_OK(mbr_bgnbd_p_alive(&cdnow, 0, 0, 1e6) == 1);
	/* 1 / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)) */
	T_REL(mbr_bgnbd_p_alive(&m, 2, 10, 20), 1 / (1 + pow(21.0 / 11, 3)),
	    1e-14);
	T_REL(mbr_bgnbd_p_alive(&m, 1, 1, 11), 1.0 / 73, 1e-14);
	/* bought on the last day: t_x = T, 1 / (1 + a / (b + x - 1)) =
	 * 1 / (1 + 2/3) */
	T_REL(mbr_bgnbd_p_alive(&m, 3, 20, 20), 3.0 / 5, 1e-14);
	/* long gone: small but not 0, never NaN */
	T_OK(mbr_bgnbd_p_alive(&cdnow, 20, 1, 1e6) >= 0);
	T_OK(mbr_bgnbd_p_alive(&cdnow, 20, 1, 1e6) < 1e-50);
}

static void
test_expected(void)
{
	/* t, x, t_x, T and scipy's hyp2f1 in lifetimes' form */
	static const double v[][5] = {
		{ 39, 0, 0, 38.86, 0.19509805201125396 },
		{ 39, 2, 30.43, 38.86, 1.2260281747671351 },
		{ 39, 7, 29.43, 35.14, 4.3319186396475411 },
		{ 52, 1, 1.71, 38.86, 0.25982346486862234 },
		{ 1000, 0, 0, 1, 6.045801766450694 },
		{ 0.5, 3, 10, 20, 0.033199549512943474 },
		{ 39, 50, 30, 38, 0.062934607059834058 },
	};
	mbr_bgnbd m = { 1, 1, 2, 1 }, m1;
	double T, e, lo, hi;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		T_REL(mbr_bgnbd_expected(&cdnow, v[i][0], v[i][1], v[i][2],
		    v[i][3]), v[i][4], 1e-10);
	/* r = alpha = 1, a = 2, b = 1, x = 0: 2F1(1, 1; 2; z) is
	 * -log(1 - z) / z, so E = 2 (1 - (1 + T) log((2 + T) / (1 + T)))
	 * for t = 1 */
	for (T = 0; T <= 40; T += 8)
		T_REL(mbr_bgnbd_expected(&m, 1, 0, 0, T), 2 * (1 - (1 + T) *
		    log((2 + T) / (1 + T))), 1e-12);
	T_OK(mbr_bgnbd_expected(&m, 0, 0, 0, 5) == 0);
	/* a = 1, 0 / 0 in the published form: continuous across it */
	m1 = cdnow;
	m1.a = 1;
	e = mbr_bgnbd_expected(&m1, 39, 2, 30, 38);
	m1.a = 1 - 1e-7;
	lo = mbr_bgnbd_expected(&m1, 39, 2, 30, 38);
	m1.a = 1 + 1e-7;
	hi = mbr_bgnbd_expected(&m1, 39, 2, 30, 38);
	T_OK(isfinite(e) && e > 0);
	T_REL(e, lo, 1e-6);
	T_REL(e, hi, 1e-6);
	/* more time, more purchases */
	T_OK(mbr_bgnbd_expected(&cdnow, 40, 2, 30, 38) >
	    mbr_bgnbd_expected(&cdnow, 39, 2, 30, 38));
	/* a century ahead still sums (z near 1) */
	e = mbr_bgnbd_expected(&cdnow, 5200, 0, 0, 1);
	T_OK(isfinite(e) && e > 6.045801766450694);
}

static void
test_aov_clv(void)
{
	mbr_gamgam g = { 1, 2, 10 }, g1 = { 1, 0.9, 10 };
	mbr_bgnbd m = { 1, 1, 2, 1 };

	/* the population mean gamma p / (q - 1), weighted with the
	 * member's mean by q - 1 and p k */
	T_REL(mbr_gamgam_aov(&g, 0, 0), 10, 1e-15);
	T_REL(mbr_gamgam_aov(&g, 2, 23), 10.0 / 3 + 2.0 / 3 * 23, 1e-15);
	T_REL(mbr_gamgam_aov(&g, 1, 8), 9, 1e-15);
	T_OK(isnan(mbr_gamgam_aov(&g1, 1, 8)));	/* infinite mean */
	/* no discount: the expected purchases of the horizon */
	T_REL(mbr_bgnbd_discounted(&m, 90, 1, 0, 0, 0, 16),
	    mbr_bgnbd_expected(&m, 90, 0, 0, 16), 1e-14);
	/* weeks: the horizon in days over 7 */
	T_REL(mbr_bgnbd_discounted(&cdnow, 91, 7, 0, 2, 30, 38),
	    mbr_bgnbd_expected(&cdnow, 13, 2, 30, 38), 1e-14);
	/* one month, discounted once */
	T_REL(mbr_bgnbd_discounted(&m, 30, 1, 0.01, 0, 0, 16),
	    mbr_bgnbd_expected(&m, 30, 0, 0, 16) / 1.01, 1e-14);
	/* two months: each month's purchases by its own factor */
	T_REL(mbr_bgnbd_discounted(&m, 60, 1, 0.01, 0, 0, 16),
	    mbr_bgnbd_expected(&m, 30, 0, 0, 16) / 1.01 +
	    (mbr_bgnbd_expected(&m, 60, 0, 0, 16) -
	    mbr_bgnbd_expected(&m, 30, 0, 0, 16)) / (1.01 * 1.01), 1e-14);
	/* a last month cut short: 45 days, 1.5 months */
	T_REL(mbr_bgnbd_discounted(&m, 45, 1, 0.01, 0, 0, 16),
	    mbr_bgnbd_expected(&m, 30, 0, 0, 16) / 1.01 +
	    (mbr_bgnbd_expected(&m, 45, 0, 0, 16) -
	    mbr_bgnbd_expected(&m, 30, 0, 0, 16)) / pow(1.01, 1.5), 1e-14);
}

/* Hardie's CDNOW summary (tests/data/cdnow-summary.csv): x, t_x, T in
 * weeks to 2 decimals, which times 7 and rounded are the days. */
static size_t
cdnow_summary(mbr_clv_hist **h, mbr_clv_spend **s, size_t *ns)
{
	FILE *f = fopen("tests/data/cdnow-summary.csv", "r");
	char line[256];
	size_t n = 0;
	double id, x, tx, T, z;

	*h = calloc(3000, sizeof(**h));
	*s = calloc(3000, sizeof(**s));
	*ns = 0;
	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL && n < 3000) {
		if (sscanf(line, "%lf,%lf,%lf,%lf,%lf", &id, &x, &tx, &T,
		    &z) != 5)
			continue;
		(*h)[n].x = (uint32_t)x;
		(*h)[n].tx = (uint32_t)lround(tx * 7);
		(*h)[n].T = (uint32_t)lround(T * 7);
		(*h)[n].n = 1;
		n++;
		if (x > 0 && z > 0) {
			(*s)[*ns].k = (uint32_t)x;
			(*s)[*ns].spend = lround(z * 100) * (int64_t)x;
			(*s)[*ns].n = 1;
			(*ns)++;
		}
	}
	fclose(f);
	return n;
}

static void
test_fit_cdnow(void)
{
	mbr_clv_hist *h;
	mbr_clv_spend *s;
	mbr_clv_fit f, f2;
	mbr_err err = { 0 };
	size_t n, ns, i;

	n = cdnow_summary(&h, &s, &ns);
	T_EQ_I(n, 2357);
	T_EQ_I(ns, 946);
	T_EQ_I(mbr_clv_fit_bgnbd(h, n, 7, 0, 1, &f, &err), MBR_OK);
	T_OK(f.opt.converged);
	T_EQ_I(f.members, 2357);
	/* the paper's estimates, to its 3 digits */
	T_REL(f.est[0], 0.243, 2e-3);
	T_REL(f.est[1], 4.414, 1e-3);
	T_REL(f.est[2], 0.793, 1e-3);
	T_REL(f.est[3], 2.426, 1e-3);
	T_REL(f.ll, -9582.4, 1e-5);
	for (i = 0; i < 4; i++)
		T_OK(f.se[i] > 0 && f.se[i] < f.est[i]);
	/* in days: the same r, a, b; alpha 7 times; log-likelihood less
	 * the sum of x log 7 (2,457 repeat purchases) */
	T_EQ_I(mbr_clv_fit_bgnbd(h, n, 1, 0, 1, &f2, &err), MBR_OK);
	T_REL(f2.est[0], f.est[0], 1e-8);
	T_REL(f2.est[1], 7 * f.est[1], 1e-8);
	T_REL(f2.est[3], f.est[3], 1e-8);
	T_REL(f2.ll, f.ll - 2457 * log(7), 1e-10);
	/* the groups in another order: the same fit, bit for bit */
	for (i = 0; i < n / 2; i++) {
		mbr_clv_hist t = h[i];

		h[i] = h[n - 1 - i];
		h[n - 1 - i] = t;
	}
	T_EQ_I(mbr_clv_fit_bgnbd(h, n, 7, 0, 1, &f2, &err), MBR_OK);
	T_OK(memcmp(f.est, f2.est, sizeof(f.est)) == 0);
	/* a penalty pulls the parameters towards 0 */
	T_EQ_I(mbr_clv_fit_bgnbd(h, n, 7, 0.01, 1, &f2, &err), MBR_OK);
	T_OK(f2.est[2] < f.est[2] && f2.est[3] < f.est[3]);
	/* Gamma-Gamma on the 946 repeat customers: note 025's estimates */
	T_EQ_I(mbr_clv_fit_gamgam(s, ns, 2, 0, &f, &err), MBR_OK);
	T_OK(f.opt.converged);
	T_EQ_I(f.members, 946);
	T_REL(f.est[0], 6.25, 2e-3);
	T_REL(f.est[1], 3.74, 2e-3);
	T_REL(f.est[2], 15.44, 2e-3);
	/* nothing to fit */
	T_EQ_I(mbr_clv_fit_bgnbd(h, 0, 7, 0, 1, &f, &err), MBR_EDATA);
	T_EQ_S(err.msg, "no member with a purchase: nothing to fit");
	T_EQ_I(mbr_clv_fit_gamgam(s, 0, 2, 0, &f, &err), MBR_EDATA);
	free(h);
	free(s);
}

/* One history repeated: the groups' counts weigh as members would. */
static void
test_fit_weights(void)
{
	mbr_clv_hist a[4] = {
		{ 0, 0, 30, 1, 0 }, { 1, 10, 30, 1, 0 }, { 3, 25, 40, 1, 0 },
		{ 2, 5, 50, 1, 0 } };
	mbr_clv_hist b[12];
	mbr_clv_fit fa, fb;
	mbr_err err = { 0 };
	size_t i, k = 0;

	for (i = 0; i < 4; i++)
		a[i].n = i + 1;
	for (i = 0; i < 4; i++) {
		uint64_t j;

		for (j = 0; j < a[i].n; j++) {
			b[k] = a[i];
			b[k++].n = 1;
		}
	}
	T_EQ_I(k, 10);
	T_EQ_I(mbr_clv_fit_bgnbd(a, 4, 1, 0, 1, &fa, &err), MBR_OK);
	T_EQ_I(mbr_clv_fit_bgnbd(b, 10, 1, 0, 1, &fb, &err), MBR_OK);
	T_EQ_I(fa.members, 10);
	for (i = 0; i < 4; i++)
		T_REL(fa.est[i], fb.est[i], 1e-9);
	T_REL(fa.ll, fb.ll, 1e-12);
}

/* Groups enough to be shared between threads (PAR_GROUPS): the same
 * fit to the bit on one thread and on two. */
static void
test_fit_threads(void)
{
	size_t n = 0, i;
	uint32_t x, T, tx;
	mbr_clv_hist *h = malloc(70000 * sizeof(*h));
	mbr_clv_fit f1, f2;
	mbr_err err = { 0 };

	for (x = 0; x < 40 && n < 70000; x++)
		for (T = 300; T < 1100 && n < 70000; T += 3)
			for (tx = 0; tx < (x > 0 ? T : 1) && n < 70000;
			    tx += 41) {
				h[n].x = x;
				h[n].T = T;
				h[n].tx = x > 0 ? tx : 0;
				h[n].n = 1 + (x * 7 + T + tx) % 13;
				h[n++].hold = 0;
			}
	T_OK(n >= 70000);
	T_EQ_I(mbr_clv_fit_bgnbd(h, n, 1, 0, 1, &f1, &err), MBR_OK);
	T_EQ_I(mbr_clv_fit_bgnbd(h, n, 1, 0, 2, &f2, &err), MBR_OK);
	for (i = 0; i < 4; i++) {
		T_OK(memcmp(&f1.est[i], &f2.est[i], sizeof(double)) == 0);
		T_OK(memcmp(&f1.se[i], &f2.se[i], sizeof(double)) == 0);
	}
	T_OK(memcmp(&f1.ll, &f2.ll, sizeof(double)) == 0);
	T_EQ_I(f1.opt.evals, f2.opt.evals);
	free(h);
}

int
main(void)
{
	test_loglik();
	test_p_alive();
	test_expected();
	test_aov_clv();
	test_fit_cdnow();
	test_fit_weights();
	test_fit_threads();
	return T_DONE();
}
