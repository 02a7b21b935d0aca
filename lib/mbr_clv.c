/* mbr_clv.c: see mbr_clv.h. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mbr.h"
#include "mbr_clv.h"
#include "mbr_conf.h"
#include "mbr_dist.h"
#include "mbr_io.h"
#include "mbr_money.h"
#include "mbr_sort.h"
#include "mbr_split.h"
#include "mbr_tab.h"
#include "mbr_time.h"

/* --- special functions --- */

/* psi(x), x > 0: the recurrence up to 10, then the asymptotic series
 * (Abramowitz & Stegun 6.3.18) to x^-14, whose error at x = 10 is
 * below 1e-17.  (mbr_dist has log B, which the likelihoods use, but
 * not psi, which their gradients need.) */
static double
digamma(double x)
{
	double r = 0, f, f2;

	while (x < 10) {
		r -= 1 / x;
		x += 1;
	}
	f = 1 / x;
	f2 = f * f;
	return r + log(x) - 0.5 * f - f2 * (1.0 / 12 - f2 * (1.0 / 120 -
	    f2 * (1.0 / 252 - f2 * (1.0 / 240 - f2 * (1.0 / 132 -
	    f2 * (691.0 / 32760 - f2 / 12))))));
}

/* psi(r + x) - psi(r): for a small whole x the finite sum of 1 / (r +
 * k), exact where the difference of two large psi would cancel. */
static double
dpsi(double r, double x)
{
	double s = 0;
	int k;

	if (x <= 32 && x == floor(x)) {
		for (k = 0; k < (int)x; k++)
			s += 1 / (r + k);
		return s;
	}
	return digamma(r + x) - digamma(r);
}

/* log((n - 1)!) = log Gamma(n) for a whole n >= 1. */
static double
lgamma_int(double n)
{
	long double s = 0;
	double k;

	for (k = 2; k < n; k++)
		s += logl((long double)k);
	return (double)s;
}

static double
logaddexp(double u, double v)
{
	double m = u > v ? u : v;

	return m + log1p(exp(-fabs(u - v)));
}

/* --- the models --- */

double
mbr_bgnbd_loglik(const mbr_bgnbd *m, double x, double tx, double T)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b, A, A3, A4;

	A = r * log(al);
	A3 = -(r + x) * log(al + T);
	if (!(x > 0))
		return A + A3;
	/* lgamma(r + x) - lgamma(r) = lgamma(x) - log B(r, x), and the
	 * Gamma functions of a and b are B(a, b + x) / B(a, b) */
	A += lgamma_int(x) - mbr_lbeta(r, x) + mbr_lbeta(a, b + x) -
	    mbr_lbeta(a, b);
	A4 = log(a) - log(b + x - 1) - (r + x) * log(al + tx);
	return A + logaddexp(A3, A4);
}

double
mbr_bgnbd_p_alive(const mbr_bgnbd *m, double x, double tx, double T)
{
	double d;

	if (!(x > 0))
		return 1;
	d = (m->r + x) * (log(m->alpha + T) - log(m->alpha + tx)) +
	    log(m->a) - log(m->b + x - 1);
	return 1 / (1 + exp(d));
}

/* Terms of a series at most: a bound against a runaway.  The terms
 * fall as z^k, so this is reached only for t over a million times
 * alpha + T. */
#define SERIES_MAX	10000000L

double
mbr_bgnbd_expected(const mbr_bgnbd *m, double t, double x, double tx,
    double T)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b, ab = a + b;
	double C = ab + x - 1, c1 = ab - 1 - r, am1 = a - 1;
	double z, l1, e, head, num, den;
	long double s = 0, sig;
	long k;

	if (!(t > 0))
		return 0;
	z = t / (al + T + t);
	l1 = -log1p(t / (al + T));		/* log(1 - z) */
	e = am1 * l1;
	/* (1 - (1 - z)^(a - 1)) / (a - 1), which tends to -log(1 - z) */
	if (fabs(e) < 1e-5)
		head = -l1 * (1 + e / 2 + e * e / 6);
	else
		head = -expm1(e) / am1;
	if (a >= r + x + 1 || c1 < -10) {
		/* The paper's own form, 2F1(r + x, b + x; C; z), where the
		 * Euler transform fails: its terms rise as k^(a - r - x - 2)
		 * z^k, past any float for a large a and z near 1 (a = 1e4,
		 * z = 0.9999), where these fall as k^(r + x - a) z^k; and
		 * for a large r its c1 is far below 0, its terms alternate
		 * in sign and cancel to nothing (r = 100: 2^100), where
		 * these are all positive and only grow, summed in long
		 * double and taken in logs.  a = 1 is 0 / 0 here: within
		 * 1e-7 of 1, a is taken as 1 + 1e-7, E being smooth in a. */
		long double G = 0, term = 1;
		double lt;

		if (fabs(am1) < 1e-7) {
			a = 1 + 1e-7;
			am1 = 1e-7;
			ab = a + b;
			C = ab + x - 1;
		}

		for (k = 0; k < SERIES_MAX; k++) {
			term *= ((long double)r + x + k) * ((long double)b +
			    x + k) * z / (((long double)ab + (x - 1 + k)) *
			    (long double)(k + 1));
			G += term;
			if (!(fabsl(term) > 1e-19L * (1 + fabsl(G))))
				break;
		}
		if (k == SERIES_MAX || !isfinite(G))
			return NAN;	/* z too near 1, or r z past 11000 */
		/* 1 - (1 - z)^(r + x) (1 + G): with C > 0 every term of G
		 * is positive, and the two logs are added; with C < 0 (a + b
		 * + x < 1) every term is negative, and the bracket is the
		 * sum of two positive numbers */
		lt = (r + x) * l1;
		if (G >= 0)
			num = C / am1 * -expm1(lt + (double)log1pl(G));
		else
			num = C / am1 * (double)(-expm1l(lt) - expl(lt) * G);
		if (!(num > 0))		/* rounding, where E is all but 0 */
			num = 0;
		goto den;
	}
	/* C times the sum over k >= 1 of (c1)_k (a)_(k-1) z^k /
	 * ((C)_k k!): 2F1(c1, a - 1; C; z) = 1 + (a - 1) times that sum
	 * over C, and C (C + 1)... never 0 here (C > -1 when x = 0).  C + k
	 * and c1 + k are summed from a + b, not from C and c1: with a + b
	 * below 1e-16, a + b - 1 + 1 is 0 in doubles (a model of 5e-324s
	 * made it 0 / 0), where a + b + 0 is not. */
	sig = (long double)c1 * z;
	for (k = 1; k < SERIES_MAX && sig != 0; k++) {
		s += sig;
		if (fabsl(sig) <= 1e-19L * fabsl(s))
			break;
		sig *= ((ab - r) + (double)(k - 1)) * (long double)(a + k - 1) *
		    z / (((long double)ab + (x + k - 1)) * (long double)(k + 1));
	}
	if (k == SERIES_MAX)
		return NAN;		/* z too near 1: no sum */
	num = C * head - exp(e) * (double)s;
	/* A sum past the range of a double, times a (1 - z)^(a - 1) that
	 * is all but 0 (a large a, z near 1): inf times 0 in doubles,
	 * finite in long double, whose exponent reaches 4932. */
	if (!isfinite(num))
		num = (double)((long double)C * head - expl(e) * s);
	/* E >= 0: below 0 is the rounding of two terms that cancel (a
	 * + b of 1e8), 0 when within it, no number when past it */
	if (num < 0) {
		if (-num > 1e-9 * (fabs(C * head) + fabsl(expl(e) * s)))
			return NAN;
		num = 0;
	}
den:
	den = 1;
	if (x > 0)
		den += m->a / (b + x - 1) * exp((r + x) * (log(al + T) -
		    log(al + tx)));
	/* all but surely gone (den past a double): nothing to expect */
	if (isinf(den))
		return 0;
	return num / den;
}

/* The discounted purchases and, in *total, the undiscounted ones. */
static double
discounted(const mbr_bgnbd *m, double horizon, double unit,
    double discount, double x, double tx, double T, double *total)
{
	double prev = 0, sum = 0, t, end, e;

	for (t = 30;; t += 30) {
		end = t < horizon ? t : horizon;
		e = mbr_bgnbd_expected(m, end / unit, x, tx, T);
		sum += (e - prev) / pow(1 + discount, end / 30);
		prev = e;
		if (end >= horizon)
			break;
	}
	if (total != NULL)
		*total = prev;
	return sum;
}

double
mbr_bgnbd_discounted(const mbr_bgnbd *m, double horizon, double unit,
    double discount, double x, double tx, double T)
{
	return discounted(m, horizon, unit, discount, x, tx, T, NULL);
}

double
mbr_gamgam_loglik(const mbr_gamgam *g, double k, double m)
{
	double pk = g->p * k;

	return -mbr_lbeta(pk, g->q) + g->q * log(g->gamma) + (pk - 1) *
	    log(m) + pk * log(k) - (pk + g->q) * log(k * m + g->gamma);
}

double
mbr_gamgam_aov(const mbr_gamgam *g, double k, double m)
{
	double w;

	if (!(g->q > 1))
		return NAN;
	w = g->p * k / (g->p * k + g->q - 1);
	return (1 - w) * g->gamma * g->p / (g->q - 1) + w * m;
}

/* --- fitting --- */

/* The optimiser's settings for both models: Nelder-Mead until the
 * simplex agrees to a relative 1e-2, which is enough to leave a poor
 * start behind (CDNOW's BG/NBD: 85 evaluations in all, where
 * converging with Nelder-Mead to 1e-5 first took 200), then BFGS on
 * the analytic gradient of the mean log-likelihood, whose components
 * are O(1). */
static const mbr_optim_opts fit_opts = { .gradient = 1, .nm_iter = 100,
	.nm_ftol = 1e-2, .nm_step = 0.5, .max_iter = 500, .gtol = 1e-8 };

/* BG/NBD's groups, by x: the terms of x alone are computed once per x
 * (xs[j] to xs[j + 1] are the groups of the j-th), and log(alpha + T)
 * once per distinct T. */
struct bg {
	size_t		 nx, nT, ntx, ng;
	double		*xv;		/* the distinct x */
	double		*lgx;		/* log Gamma(x), 0 for x = 0 */
	size_t		*xs;		/* nx + 1 group offsets */
	double		*Tv, *txv;	/* distinct T, t_x, scaled */
	uint32_t	*gT, *gtx;	/* per group: index of T, of t_x */
	double		*w;		/* per group: members */
	double		*wx;		/* per x: members */
	double		*lT, *iT, *ltx, *itx;	/* per evaluation */
	double		*L, *p4;	/* per group and evaluation (bg_terms) */
	double		 N;		/* members */
	double		 pen;
	int		 threads;
};

/* The terms of groups [i0, i1) that cost a logarithm and an exponential
 * each (three quarters of an evaluation): a group's log-likelihood L,
 * log(e^A3 + e^A4), and p4 = e^A4 / e^L.  A function of the group and
 * the parameters alone, so that groups can be shared out among threads
 * and bg_f sums the same numbers in the same order whoever computed
 * them: the fit is the same to the bit on any number of threads. */
struct bgpart {
	struct bg	*d;
	double		 r, la, b;
	size_t		 i0, i1;
};

static void *
bg_terms(void *arg)
{
	const struct bgpart *t = arg;
	struct bg *d = t->d;
	double r = t->r;
	size_t i, j;

	for (j = 0; j < d->nx; j++) {
		double x = d->xv[j], c4 = 0;
		size_t lo = d->xs[j] > t->i0 ? d->xs[j] : t->i0;
		size_t hi = d->xs[j + 1] < t->i1 ? d->xs[j + 1] : t->i1;

		if (lo >= hi)
			continue;
		if (x > 0)
			c4 = t->la - log(t->b + x - 1);
		for (i = lo; i < hi; i++) {
			double A3 = -(r + x) * d->lT[d->gT[i]], L, p4 = 0;

			if (x > 0) {
				/* log(e^A3 + e^A4) and p4 = e^A4 / that,
				 * from one exp of their difference */
				double dd, ed;

				dd = c4 - (r + x) * d->ltx[d->gtx[i]] - A3;
				if (dd <= 0) {
					ed = exp(dd);
					L = A3 + log1p(ed);
					p4 = ed / (1 + ed);
				} else {
					ed = exp(-dd);
					L = A3 + dd + log1p(ed);
					p4 = 1 / (1 + ed);
				}
			} else
				L = A3;
			d->L[i] = L;
			d->p4[i] = p4;
		}
	}
	return NULL;
}

/* Groups past this many are shared out between two threads. */
#define PAR_GROUPS	65536

/* Every group's L and p4 (bg_terms), the second half on a thread of
 * its own when there are many. */
static void
bg_share(struct bg *d, double r, double la, double b)
{
	struct bgpart t[2] = { { d, r, la, b, 0, d->ng },
	    { d, r, la, b, d->ng, d->ng } };
	pthread_t th;

	if (d->threads > 1 && d->ng >= PAR_GROUPS) {
		t[0].i1 = t[1].i0 = d->ng / 2;
		if (pthread_create(&th, NULL, bg_terms, &t[1]) != 0) {
			t[0].i1 = d->ng;
			t[1].i0 = d->ng;
		}
	}
	bg_terms(&t[0]);
	if (t[1].i0 < d->ng)
		pthread_join(th, NULL);
}

static double
bg_f(void *ctx, const double *phi, double *g)
{
	struct bg *d = ctx;
	double r = exp(phi[0]), al = exp(phi[1]), a = exp(phi[2]);
	double b = exp(phi[3]), lal, lbab, la;
	long double S = 0, Gr = 0, Gal = 0, Ga = 0, Gb = 0;
	size_t i, j;

	if (!(r > 0 && al > 0 && a > 0 && b > 0) ||
	    !isfinite(r + al + a + b))
		return NAN;
	lal = log(al);
	la = log(a);
	lbab = mbr_lbeta(a, b);
	for (i = 0; i < d->nT; i++) {
		d->lT[i] = log(al + d->Tv[i]);
		d->iT[i] = 1 / (al + d->Tv[i]);
	}
	for (i = 0; i < d->ntx; i++) {
		d->ltx[i] = log(al + d->txv[i]);
		d->itx[i] = 1 / (al + d->txv[i]);
	}
	bg_share(d, r, la, b);
	for (j = 0; j < d->nx; j++) {
		double x = d->xv[j], A = r * lal, dr = 0, da = 0;
		double db = 0, ib1 = 0, dab;
		/* one x's groups summed in doubles (x87 long double per
		 * group was a fifth of the time), the x's in long double */
		double s = 0, gr = 0, gal = 0, gb = 0, wx = d->wx[j];

		if (x > 0) {
			A += d->lgx[j] - mbr_lbeta(r, x) +
			    mbr_lbeta(a, b + x) - lbab;
			ib1 = 1 / (b + x - 1);
		}
		if (g != NULL && x > 0) {
			dr = dpsi(r, x);
			dab = dpsi(a + b, x);
			da = -dab;
			db = dpsi(b, x) - dab;
		}
		for (i = d->xs[j]; i < d->xs[j + 1]; i++) {
			double lT = d->lT[d->gT[i]], w = d->w[i];
			double L = d->L[i], p4 = d->p4[i], ltx = 0, it = 0;

			if (x > 0) {
				ltx = d->ltx[d->gtx[i]];
				it = d->itx[d->gtx[i]];
			}
			s += w * L;
			if (g == NULL)
				continue;
			gr += w * ((1 - p4) * lT + p4 * ltx);
			gal += w * ((1 - p4) * d->iT[d->gT[i]] + p4 * it);
			gb += w * p4;
		}
		/* the terms of x alone, times the members with that x */
		S += s + wx * A;
		if (g != NULL) {
			Gr += wx * (dr + lal) - gr;
			Gal += wx * r / al - (r + x) * gal;
			Ga += wx * da + gb / a;
			Gb += wx * db - gb * ib1;
		}
	}
	if (g != NULL) {
		g[0] = r * ((double)(-Gr / d->N) + 2 * d->pen * r);
		g[1] = al * ((double)(-Gal / d->N) + 2 * d->pen * al);
		g[2] = a * ((double)(-Ga / d->N) + 2 * d->pen * a);
		g[3] = b * ((double)(-Gb / d->N) + 2 * d->pen * b);
	}
	return (double)(-S / d->N) + d->pen * (r * r + al * al + a * a +
	    b * b);
}

static int
cmp_hist(const void *pa, const void *pb)
{
	const mbr_clv_hist *a = pa, *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	if (a->tx != b->tx)
		return a->tx < b->tx ? -1 : 1;
	return 0;
}

/* The index of each distinct value of v[0..n) (days, the first of
 * elements stride bytes apart) into *idx, the distinct values plus off,
 * times scale, into *vals, ascending; returns their count. */
static size_t
distinct(const uint32_t *v, size_t n, size_t stride, double off,
    double scale, uint32_t **idx, double **vals)
{
	uint32_t max = 0, *map;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (*(const uint32_t *)((const char *)v + i * stride) > max)
			max = *(const uint32_t *)((const char *)v + i * stride);
	map = mbr_xmalloc(((size_t)max + 1) * sizeof(*map));
	memset(map, 0xff, ((size_t)max + 1) * sizeof(*map));
	for (i = 0; i < n; i++)
		map[*(const uint32_t *)((const char *)v + i * stride)] = 0;
	*vals = mbr_xmalloc(((size_t)max + 1) * sizeof(double));
	for (i = 0; i <= max; i++)
		if (map[i] == 0) {
			map[i] = (uint32_t)k;
			(*vals)[k++] = (i + off) * scale;
		}
	*idx = mbr_xmalloc((n ? n : 1) * sizeof(**idx));
	for (i = 0; i < n; i++)
		(*idx)[i] = map[*(const uint32_t *)((const char *)v +
		    i * stride)];
	free(map);
	return k;
}

/* Rounds v to d significant digits, as it is written: a standard error
 * or a gradient has no more digits worth showing, and fewer digits are
 * the same on every machine. */
static double
sig(double v, int d)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*g", d, v);
	return strtod(buf, NULL);
}

/* Standard errors from the Hessian of the objective (a mean over n
 * members) at the optimum phi, in log-parameters: the variance of
 * theta = exp(phi) is theta^2 times that of phi (the delta method, as
 * lifetimes computes it).  -1 where the Hessian is not positive
 * definite. */
static void
std_errors(mbr_optim_fn f, void *ctx, int k, const double *phi, double N,
    const double *theta, double *se)
{
	double h[16], inv[16];
	int i;

	for (i = 0; i < k; i++)
		se[i] = -1;
	if (mbr_optim_hessian(f, ctx, k, phi, 1, h) != 0)
		return;
	for (i = 0; i < k * k; i++)
		h[i] *= N;
	if (mbr_optim_spd_inverse(k, h, inv) != 0)
		return;
	for (i = 0; i < k; i++)
		se[i] = sig(theta[i] * sqrt(inv[i * k + i]), 6);
}

/* Fills d from n groups sorted by (x, T, t_x), times in steps of q
 * days taken at the middle of their step (q 1: as they are), scaled by
 * scale. */
static void
bg_init(struct bg *d, const mbr_clv_hist *h, size_t n, double q,
    double scale, double penalizer)
{
	uint32_t *gx;
	size_t i, j;
	long double lf = 0;
	double k = 1, off = q > 1 ? 0.5 : 0;

	memset(d, 0, sizeof(*d));
	d->ng = n;
	d->pen = penalizer;
	for (i = 0; i < n; i++)
		d->N += (double)h[i].n;
	d->nT = distinct(&h[0].T, n, sizeof(*h), off, q * scale, &d->gT,
	    &d->Tv);
	d->ntx = distinct(&h[0].tx, n, sizeof(*h), off, q * scale, &d->gtx,
	    &d->txv);
	d->nx = distinct(&h[0].x, n, sizeof(*h), 0, 1, &gx, &d->xv);
	d->lgx = mbr_xcalloc(d->nx, sizeof(double));
	d->xs = mbr_xcalloc(d->nx + 1, sizeof(size_t));
	d->w = mbr_xmalloc(n * sizeof(double));
	d->wx = mbr_xcalloc(d->nx, sizeof(double));
	for (i = 0, j = 0; i < n; i++) {
		d->w[i] = (double)h[i].n;
		d->wx[gx[i]] += d->w[i];
		while (gx[i] != j)
			d->xs[++j] = i;
	}
	while (j < d->nx)
		d->xs[++j] = n;
	free(gx);
	/* log Gamma(x) = log (x - 1)!, summed up the sorted x */
	for (j = 0; j < d->nx; j++) {
		for (; k + 1 < d->xv[j]; k++)
			lf += logl((long double)(k + 1));
		d->lgx[j] = d->xv[j] > 0 ? (double)lf : 0;
	}
	d->lT = mbr_xmalloc((d->nT + 1) * sizeof(double));
	d->iT = mbr_xmalloc((d->nT + 1) * sizeof(double));
	d->ltx = mbr_xmalloc((d->ntx + 1) * sizeof(double));
	d->itx = mbr_xmalloc((d->ntx + 1) * sizeof(double));
	d->L = mbr_xmalloc((n + 1) * sizeof(double));
	d->p4 = mbr_xmalloc((n + 1) * sizeof(double));
}

static void
bg_release(struct bg *d)
{
	free(d->xv);
	free(d->lgx);
	free(d->xs);
	free(d->w);
	free(d->wx);
	free(d->gT);
	free(d->Tv);
	free(d->gtx);
	free(d->txv);
	free(d->lT);
	free(d->iT);
	free(d->ltx);
	free(d->itx);
	free(d->L);
	free(d->p4);
}

/* Groups past this many are first fitted coarsely (warm_start). */
#ifndef COARSE_GROUPS
#define COARSE_GROUPS	20000
#endif

/* A start near the optimum for many groups: the same fit on times cut
 * to about 100 steps, a few thousand groups, whose optimum is within a
 * percent or so of the real one.  From there BFGS on every group takes
 * a handful of iterations where Nelder-Mead would have taken a
 * hundred evaluations of a million groups (2M members in days: 5 s
 * of 8 saved).  The result is the optimum of the real likelihood
 * either way; only the path to it is shorter. */
static void
warm_start(const mbr_clv_hist *h, size_t n, uint32_t maxT, double scale,
    double penalizer, double *phi)
{
	mbr_tab *t = mbr_tab_new(sizeof(mbr_clv_hist));
	uint32_t q = (maxT + 99) / 100;
	mbr_optim_result res;
	mbr_clv_hist *c, *e;
	struct bg d;
	size_t i, j;

	/* merged in a table (a few thousand keys), then sorted */
	for (i = 0; i < n; i++) {
		uint32_t key[3] = { h[i].x, h[i].T / q, h[i].tx / q };
		int isnew;

		e = mbr_tab_upsert(t, (const char *)key, sizeof(key), &isnew);
		if (isnew) {
			e->x = key[0];
			e->T = key[1];
			e->tx = key[2];
		}
		e->n += h[i].n;
	}
	j = mbr_tab_count(t);
	c = mbr_xmalloc(j * sizeof(*c));
	for (i = 0; i < j; i++)
		c[i] = *(mbr_clv_hist *)mbr_tab_val(t, i);
	mbr_tab_free(t);
	qsort(c, j, sizeof(*c), cmp_hist);
	bg_init(&d, c, j, q, scale, penalizer);
	if (mbr_optim_minimize(bg_f, &d, 4, phi, &fit_opts, &res) != 0)
		memset(phi, 0, 4 * sizeof(*phi));
	bg_release(&d);
	free(c);
}

int
mbr_clv_fit_bgnbd(const mbr_clv_hist *h0, size_t n, double unit,
    double penalizer, int threads, mbr_clv_fit *fit, mbr_err *err)
{
	struct bg d;
	mbr_clv_hist *h;
	mbr_optim_opts oo = fit_opts;
	double phi[4] = { 0, 0, 0, 0 }, theta[4], scale, sumx = 0, f0;
	uint32_t maxT = 0;
	size_t i;
	int rc = MBR_OK;

	memset(fit, 0, sizeof(*fit));
	if (n == 0)
		return mbr_err_set(err, MBR_EDATA, "no member with a "
		    "purchase: nothing to fit");
	h = mbr_xmalloc(n * sizeof(*h));
	memcpy(h, h0, n * sizeof(*h));
	for (i = 1; i < n && cmp_hist(&h[i - 1], &h[i]) <= 0; i++)
		;
	if (i < n)
		qsort(h, n, sizeof(*h), cmp_hist);
	for (i = 0; i < n; i++) {
		if (h[i].T > maxT)
			maxT = h[i].T;
		sumx += (double)h[i].n * h[i].x;
	}
	/* Times scaled so that the largest T is 1, as lifetimes scales
	 * them: alpha is then of the order of 1 whatever the unit, and a
	 * penalty means the same as there. */
	scale = maxT > 0 ? 1.0 / maxT : 1;
	if (n > COARSE_GROUPS && maxT >= 200) {
		warm_start(h, n, maxT, scale, penalizer, phi);
		oo.nm_iter = 0;
	}
	bg_init(&d, h, n, 1, scale, penalizer);
	d.threads = threads;
	fit->members = (uint64_t)d.N;
	if (mbr_optim_minimize(bg_f, &d, 4, phi, &oo, &fit->opt) != 0) {
		rc = mbr_err_set(err, MBR_EDATA, "BG/NBD: %s", fit->opt.why);
		goto out;
	}
	for (i = 0; i < 4; i++)
		theta[i] = exp(phi[i]);
	std_errors(bg_f, &d, 4, phi, d.N, theta, fit->se);
	/* alpha back in the unit: the scaled alpha is in units of the
	 * largest T (in days, 1 / scale) */
	fit->est[0] = theta[0];
	fit->est[1] = theta[1] / scale / unit;
	fit->est[2] = theta[2];
	fit->est[3] = theta[3];
	if (fit->se[1] >= 0)
		fit->se[1] = sig(fit->se[1] / scale / unit, 6);
	/* The log-likelihood in the unit: times scaled by s (here from the
	 * unit to the largest T) add -x log s to a member's term. */
	d.pen = 0;
	f0 = bg_f(&d, phi, NULL);
	fit->ll = -f0 * d.N + sumx * log(scale * unit);
out:
	bg_release(&d);
	free(h);
	return rc;
}

/* Gamma-Gamma's groups, by k; spend scaled by s, the mean spend, so
 * that gamma starts near its optimum whatever the currency (a
 * member's term moves by log s, and gamma by the factor s). */
struct gg {
	size_t		 nk, ng;
	double		*kv, *lk;	/* the distinct k, their logs */
	size_t		*ks;		/* nk + 1 group offsets */
	double		*lm, *km, *w;	/* per group: log m, k m, members */
	double		 N, pen, s;
};

static double
gg_f(void *ctx, const double *phi, double *g)
{
	struct gg *d = ctx;
	double p = exp(phi[0]), q = exp(phi[1]), v = exp(phi[2]), lv, pq;
	long double S = 0, Gp = 0, Gq = 0, Gv = 0;
	size_t i, j;

	if (!(p > 0 && q > 0 && v > 0) || !isfinite(p + q + v))
		return NAN;
	lv = log(v);
	pq = g != NULL ? digamma(q) : 0;
	for (j = 0; j < d->nk; j++) {
		double k = d->kv[j], pk = p * k, lk = d->lk[j];
		double A = -mbr_lbeta(pk, q) + q * lv + pk * lk, ps = 0, pp = 0;

		if (g != NULL) {
			ps = digamma(pk + q);
			pp = digamma(pk);
		}
		for (i = d->ks[j]; i < d->ks[j + 1]; i++) {
			double lx = log(d->km[i] + v), w = d->w[i];

			S += w * (A + (pk - 1) * d->lm[i] - (pk + q) * lx);
			if (g == NULL)
				continue;
			Gp += w * k * (ps - pp + d->lm[i] + lk - lx);
			Gq += w * (ps - pq + lv - lx);
			Gv += w * (q / v - (pk + q) / (d->km[i] + v));
		}
	}
	if (g != NULL) {
		g[0] = p * ((double)(-Gp / d->N) + 2 * d->pen * p);
		g[1] = q * ((double)(-Gq / d->N) + 2 * d->pen * q);
		g[2] = v * ((double)(-Gv / d->N) + 2 * d->pen * v * d->s *
		    d->s);
	}
	return (double)(-S / d->N) + d->pen * (p * p + q * q + v * v * d->s *
	    d->s);
}

static int
cmp_spend(const void *pa, const void *pb)
{
	const mbr_clv_spend *a = pa, *b = pb;

	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	if (a->spend != b->spend)
		return a->spend < b->spend ? -1 : 1;
	return 0;
}

int
mbr_clv_fit_gamgam(const mbr_clv_spend *s0, size_t n, unsigned places,
    double penalizer, mbr_clv_fit *fit, mbr_err *err)
{
	struct gg d;
	mbr_clv_spend *s;
	double phi[3], theta[3], major = 1, f0;
	long double tot = 0;
	size_t i, j;
	int rc = MBR_OK;

	memset(fit, 0, sizeof(*fit));
	memset(&d, 0, sizeof(d));
	if (n == 0)
		return mbr_err_set(err, MBR_EDATA, "no member with repeat "
		    "purchases of positive spend");
	for (i = 0; i < places; i++)
		major *= 10;
	s = mbr_xmalloc(n * sizeof(*s));
	memcpy(s, s0, n * sizeof(*s));
	for (i = 1; i < n && cmp_spend(&s[i - 1], &s[i]) <= 0; i++)
		;
	if (i < n)
		qsort(s, n, sizeof(*s), cmp_spend);
	d.ng = n;
	d.pen = penalizer;
	d.kv = mbr_xmalloc(n * sizeof(double));
	d.lk = mbr_xmalloc(n * sizeof(double));
	d.ks = mbr_xmalloc((n + 1) * sizeof(size_t));
	d.lm = mbr_xmalloc(n * sizeof(double));
	d.km = mbr_xmalloc(n * sizeof(double));
	d.w = mbr_xmalloc(n * sizeof(double));
	for (i = 0; i < n; i++) {
		d.N += (double)s[i].n;
		tot += (long double)s[i].n * s[i].spend / s[i].k / major;
	}
	d.s = (double)(tot / d.N);
	for (i = 0, j = 0; i < n; i++) {
		double m = (double)s[i].spend / s[i].k / major;

		if (i == 0 || s[i].k != s[i - 1].k) {
			d.kv[j] = s[i].k;
			d.lk[j] = log((double)s[i].k);
			d.ks[j++] = i;
		}
		d.lm[i] = log(m / d.s);
		d.km[i] = s[i].k * (m / d.s);
		d.w[i] = (double)s[i].n;
	}
	d.nk = j;
	d.ks[j] = n;
	fit->members = (uint64_t)d.N;
	/* p = 1, q = 2 (a finite mean spend), gamma = the mean spend */
	phi[0] = 0;
	phi[1] = log(2);
	phi[2] = 0;
	if (mbr_optim_minimize(gg_f, &d, 3, phi, &fit_opts, &fit->opt) != 0) {
		rc = mbr_err_set(err, MBR_EDATA, "Gamma-Gamma: %s",
		    fit->opt.why);
		goto out;
	}
	for (i = 0; i < 3; i++)
		theta[i] = exp(phi[i]);
	std_errors(gg_f, &d, 3, phi, d.N, theta, fit->se);
	fit->est[0] = theta[0];
	fit->est[1] = theta[1];
	fit->est[2] = theta[2] * d.s;
	if (fit->se[2] >= 0)
		fit->se[2] = sig(fit->se[2] * d.s, 6);
	fit->se[3] = -1;
	/* in major units: spend over s adds log s to each member's term */
	d.pen = 0;
	f0 = gg_f(&d, phi, NULL);
	fit->ll = -f0 * d.N - d.N * log(d.s);
out:
	free(s);
	free(d.kv);
	free(d.lk);
	free(d.ks);
	free(d.lm);
	free(d.km);
	free(d.w);
	return rc;
}

/* --- the run --- */

/* A member, once the orders are in: purchase days (a day with a paid
 * order of zero or more) in the calibration period, the first and the
 * last, and its spend.  A paid order of a negative amount is a return
 * booked as an order: no purchase, but its amount counts in the spend
 * of its day.
 *
 * The same day twice is one purchase (lifetimes counts periods, not
 * orders), so the orders fold by (member, day).  A member's orders come
 * in day order almost always (exports are sorted by time), and then the
 * day being folded (cur, its spend daysum) is the only one to keep: an
 * order of a later day closes it.  A member with an order of an earlier
 * day than cur is out of order: its days are worked out again from the
 * orders' log after the last order (see refold). */
enum { EMITTED = 1, SEEN = 2, CUR_PAID = 4, DISORDER = 8, REP_OVF = 16 };
struct mem {
	int64_t		first, last;	/* purchase days, calibration */
	int64_t		total;		/* amounts in the calibration */
	int64_t		repeat;		/* of days after the first */
	int64_t		daysum;		/* amounts of day cur */
	uint32_t	cur;		/* the day folded (after g->base),
					 * once SEEN */
	uint32_t	days;		/* purchase days, calibration */
	uint32_t	hdays;		/* purchase days in the holdout */
	uint32_t	flags;
	uint32_t	num;		/* its entry's number in the table
					 * (mbr_tab_index scans) */
};

/* Every paid order folded, in input order: the member's number + its
 * day (the day after g->base, DAYBITS bits) and the amount.  Read only
 * when a member's orders were out of day order; written sequentially,
 * 16 bytes an order, where the (member, day) hash table it replaced
 * took 16 bytes a slot at random (256 MB at 10M orders, a cache miss
 * and a third of the run's time). */
#define DAYBITS		24
struct logent {
	uint64_t	key;
	int64_t		a;
};
struct olog {
	struct logent	*e;
	size_t		 n, cap;
};

static void
olog_free(struct olog *l)
{
	if (l->e != NULL)
		mbr_hugefree(l->e, l->cap * sizeof(*l->e));
	memset(l, 0, sizeof(*l));
}

/* Room for n entries in all; the pages are only touched as it fills. */
static void
olog_reserve(struct olog *l, size_t n)
{
	size_t cap = l->cap > 0 ? l->cap : 1 << 16;

	while (cap < n)
		cap *= 2;
	if (cap == l->cap)
		return;
	l->e = mbr_hugerealloc(l->e, l->cap * sizeof(*l->e),
	    cap * sizeof(*l->e));
	l->cap = cap;
}

static void
olog_add(struct olog *l, uint32_t num, uint32_t off, int64_t a)
{
	if (l->n == l->cap)
		olog_reserve(l, l->n + 1);
	l->e[l->n].key = (uint64_t)num << DAYBITS | off;
	l->e[l->n].a = a;
	l->n++;
}

/* The fields predict adds, in this order. */
static const char *const pfields[] = { "p_alive", "expected_purchases",
    "expected_aov", "clv" };

/* And the history's, without --members. */
static const char *const hfields[] = { "x", "t_x", "T", "mean_spend" };

/* A record's numbers as text: the writer keeps pointers to them until
 * the record ends. */
struct pout {
	char	buf[8][MBR_FIXED6_LEN];
	size_t	n[8];
};

/* The facts a partial states in every row (see write_partial). */
enum { F_UNIT, F_CAL, F_HEND, F_ASOF, F_TZ, F_CUR, F_MON, F_N };

struct clv {
	const mbr_cli		*c;
	const mbr_clv_opts	*o;
	mbr_run			 run;
	mbr_output		*jout;		/* fit's model */
	mbr_tz			*tz;
	mbr_time		 asof;
	int64_t			 asof_day;
	int64_t			 cal_end;	/* last day of calibration */
	int64_t			 hold_end;	/* last day of holdout, or
						 * cal_end */
	int64_t			 base;		/* day offsets start here */
	mbr_tab			*m;
	struct olog		 log;		/* see struct olog */
	int			 disorder;	/* a member out of day
						 * order */
	int			 ix_id, ix_ts, ix_amt, ix_st, ix_cur;
	char			 cur[8], cur0[8];
	int			 exp;		/* -1 until known */
	int			 fixed;		/* the currency is given (by
						 * --currency, or the model's):
						 * orders in another are
						 * rejected */
	uint64_t		 n_paid, n_other, n_future, n_after;
	uint64_t		 n_returns;
	mbr_split		*chunks;
	char			 ovf[208];	/* a member whose spend
						 * overflowed, or "" */
	int			 unit;		/* days per unit */
	int			 monetary_all;
	/* predict */
	mbr_bgnbd		 bg;
	mbr_gamgam		 gg;
	int			 have_gg;
	mbr_tab			*cache;		/* (x, t_x, T) -> struct
						 * pred */
	struct pout		 out;
	/* fit --partial and --merge */
	int			 cur_known;	/* an order or --currency
						 * fixed cur */
	char			 fcal[16], fhend[16];
	char			 fasof[MBR_TIME_MAX + 1];
	char			*pf[F_N];	/* the partials' facts */
	int			 p_seen;	/* a partial's row read */
	int			 p_exp;		/* places of pf[F_CUR] */
	mbr_time		 p_asof;
	int64_t			 o_cal, o_hold;	/* the merge's options */
	size_t			 caph, caps;	/* room in the suff */
};

/* What a chunk counted while it was parsed (see mbr_rfm.c's, whose
 * currency rule this is). */
struct chunk {
	uint64_t	 n_paid, n_other, n_future, n_after, n_returns;
	char		 cur[8];
	int		 exp;
	int		 set;
};

struct item {
	uint64_t	 h;
	int64_t		 day, a;
	const char	*key;
	size_t		 n;
};

static int64_t
local_day(struct clv *g, int64_t t)
{
	mbr_time tm = { t, mbr_tz_offset_at(g->tz, t) };

	return mbr_time_day(tm);
}

static int
begin_orders(struct clv *g, const char *file, mbr_err *err)
{
	static const char *const need[] = { "member_id", "ts", "amount",
	    "status" };
	int ix[4] = { g->ix_id, g->ix_ts, g->ix_amt, g->ix_st }, i;
	size_t nh;

	if (mbr_reader_format(g->run.rd) != MBR_FMT_CSV)
		return MBR_OK;
	mbr_reader_header(g->run.rd, &nh);
	if (nh == 0)
		return MBR_OK;
	for (i = 0; i < 4; i++)
		if (!mbr_reader_has(g->run.rd, ix[i])) {
			mbr_err_set(err, MBR_EUSAGE, "missing column \"%s\" "
			    "(orders need member_id, ts, amount, status)",
			    need[i]);
			mbr_err_at(err, file, 1);
			return MBR_EUSAGE;
		}
	return MBR_OK;
}

static void
begin_chunk(void *ctx, mbr_chunk *ck, void *st, const void *prev,
    int after)
{
	struct clv *g = ctx;
	struct chunk *k = st;
	const struct chunk *p = prev;

	(void)ck;
	memcpy(k->cur, g->cur0, sizeof(k->cur));
	k->exp = -1;
	if (g->fixed)
		k->exp = g->exp;
	else if (after && g->exp >= 0) {
		memcpy(k->cur, g->cur, sizeof(k->cur));
		k->exp = g->exp;
	} else if (p != NULL && p->exp >= 0) {
		memcpy(k->cur, p->cur, sizeof(k->cur));
		k->exp = p->exp;
	}
}

static void
order(void *ctx, mbr_chunk *ck, void *st, const mbr_rec *rec)
{
	struct clv *g = ctx;
	struct chunk *k = st;
	mbr_slice id = rec->f[g->ix_id], ts = rec->f[g->ix_ts];
	mbr_slice amt = rec->f[g->ix_amt], s = rec->f[g->ix_st];
	mbr_slice cur = rec->f[g->ix_cur];
	mbr_err e;
	mbr_time t;
	int64_t a, day;
	struct item *it;
	const char *why;
	void *key;
	mbr_buf msg;

	mbr_err_clear(&e);
	if (rec->bad != NULL) {
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
		return;
	}
	if (rec->type[g->ix_id] == MBR_V_NULL)
		id.p = NULL;
	if (rec->type[g->ix_ts] == MBR_V_NULL)
		ts.p = NULL;
	if (rec->type[g->ix_amt] == MBR_V_NULL)
		amt.p = NULL;
	if (rec->type[g->ix_st] == MBR_V_NULL)
		s.p = NULL;
	if (rec->type[g->ix_cur] == MBR_V_NULL)
		cur.p = NULL;
	if (s.p == NULL || s.n == 0) {
		mbr_chunk_reject(ck, rec, "missing status",
		    "status is missing");
		return;
	}
	if (!mbr_slice_eq(s, "paid", 4)) {
		if (mbr_slice_eq(s, "refunded", 8) ||
		    mbr_slice_eq(s, "cancelled", 9) ||
		    mbr_slice_eq(s, "pending", 7)) {
			k->n_other++;
			return;
		}
		mbr_chunk_rejectf(ck, rec, "unknown status", "status \"%.*s\" "
		    "is not paid, refunded, cancelled or pending", (int)s.n,
		    s.p);
		return;
	}
	if (id.p == NULL || id.n == 0) {
		mbr_chunk_reject(ck, rec, "missing member_id",
		    "member_id is missing");
		return;
	}
	if (ts.p == NULL || mbr_time_parse(&t, ts.p, ts.n, g->tz, &e) !=
	    MBR_OK) {
		mbr_chunk_reject(ck, rec, "bad ts", ts.p ? e.msg :
		    "ts is missing");
		return;
	}
	if ((why = mbr_currency_judge(k->cur, &k->exp, &k->set, cur.p, cur.n,
	    &msg)) != NULL) {
		mbr_chunk_reject(ck, rec, why, msg.p);
		mbr_buf_release(&msg);
		return;
	}
	if (amt.p == NULL || mbr_money_parse(&a, amt.p, amt.n,
	    (unsigned)k->exp, g->c->decimal_comma ? MBR_MONEY_DECIMAL_COMMA :
	    0, &e) != MBR_OK) {
		mbr_chunk_reject(ck, rec, "bad amount", amt.p ? e.msg :
		    "amount is missing");
		return;
	}
	if (t.t > g->asof.t) {
		k->n_future++;
		return;
	}
	day = local_day(g, t.t);
	if (day > g->hold_end) {
		k->n_after++;
		return;
	}
	if (day < g->base) {
		mbr_chunk_rejectf(ck, rec, "bad ts", "ts \"%.*s\" is more than "
		    "45,000 years before the end of the period", (int)ts.n,
		    ts.p);
		return;
	}
	k->n_paid++;
	if (a < 0)
		k->n_returns++;
	it = mbr_chunk_add(ck, id.n, &key);
	memcpy(key, id.p, id.n);
	it->key = key;
	it->n = id.n;
	it->h = mbr_hash(id.p, id.n);
	it->day = day;
	it->a = a;
}

static void
overflow(struct clv *g, const char *key, size_t n)
{
	if (g->ovf[0] == '\0')
		snprintf(g->ovf, sizeof(g->ovf), "%.*s", (int)(n < 200 ? n :
		    200), key);
}

/* A day of the member's becomes a purchase day. */
static void
purchase_day(struct clv *g, struct mem *m, int64_t day)
{
	m->flags |= CUR_PAID;
	if (day <= g->cal_end) {
		if (m->days == 0)
			m->first = day;
		m->last = day;
		m->days++;
	} else
		m->hdays++;
}

/* Day cur is over: its spend is a repeat purchase's when it came after
 * the first purchase day (a day before the first has no purchase, else
 * it would be the first).  An overflow is told once the member is known
 * to be in order (refold works out a member out of order again). */
static void
close_day(struct clv *g, struct mem *m)
{
	int64_t day = g->base + m->cur;

	if (m->days > 0 && day > m->first && day <= g->cal_end &&
	    __builtin_add_overflow(m->repeat, m->daysum, &m->repeat))
		m->flags |= REP_OVF;
}

static void
apply(struct clv *g, const struct item *p, struct mem *m)
{
	uint32_t off = (uint32_t)(p->day - g->base);
	int ovf = 0;

	olog_add(&g->log, m->num, off, p->a);
	if (p->day <= g->cal_end &&
	    __builtin_add_overflow(m->total, p->a, &m->total))
		ovf = 1;
	if (m->flags & DISORDER)
		;
	else if (!(m->flags & SEEN) || off > m->cur) {
		if (m->flags & SEEN)
			close_day(g, m);
		m->flags = (m->flags & ~CUR_PAID) | SEEN;
		m->cur = off;
		m->daysum = p->a;
		if (p->a >= 0)
			purchase_day(g, m, p->day);
	} else if (off == m->cur) {
		if (__builtin_add_overflow(m->daysum, p->a, &m->daysum))
			ovf = 1;
		if (p->a >= 0 && !(m->flags & CUR_PAID))
			purchase_day(g, m, p->day);
	} else {
		m->flags |= DISORDER;
		g->disorder = 1;
	}
	if (ovf)
		overflow(g, p->key, p->n);
}

/* Folds a chunk's paid orders into the members, in input order, so
 * that members are numbered by their first paid order. */
static int
commit_chunk(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct clv *g = ctx;
	struct chunk *k = st;
	struct item *p;
	size_t n, i;

	(void)err;
	if (k->set) {
		if (g->exp < 0) {
			memcpy(g->cur, k->cur, sizeof(g->cur));
			g->exp = k->exp;
		} else if (g->exp != k->exp || strcmp(g->cur, k->cur) != 0)
			return MBR_SPLIT_AGAIN;
	}
	g->n_paid += k->n_paid;
	g->n_other += k->n_other;
	g->n_future += k->n_future;
	g->n_after += k->n_after;
	g->n_returns += k->n_returns;
	p = mbr_chunk_items(ck, &n);
	/* The member table probed at random costs a cache miss an order:
	 * an order's slot is fetched 32 orders before its turn and its
	 * entry 16 before (as mbr_rfm.c does). */
	olog_reserve(&g->log, g->log.n + n);
	for (i = 0; i < n; i++) {
		struct mem *m;
		int isnew;

		if (i + 32 < n)
			mbr_tab_prefetch(g->m, p[i + 32].h);
		if (i + 16 < n)
			mbr_tab_prefetch_entry(g->m, p[i + 16].h);
		m = mbr_tab_upsert_h(g->m, p[i].key, p[i].n, p[i].h, &isnew);
		if (isnew)
			m->num = (uint32_t)(mbr_tab_count(g->m) - 1);
		apply(g, &p[i], m);
	}
	return MBR_OK;
}

/* The members out of day order, worked out again from the log: their
 * orders sorted by (member, day), the orders of a day kept in input
 * order, so that each day's spend adds up as it did when folded.  Its
 * memory is that of their orders, twice; none when every member was in
 * order. */
static void
refold(struct clv *g)
{
	size_t i, j, k, n = 0, cnt = mbr_tab_count(g->m);
	uint64_t *bit = mbr_xcalloc(cnt / 64 + 1, sizeof(*bit));
	struct logent *e = g->log.e;

	for (i = 0; i < cnt; i++) {
		struct mem *m = mbr_tab_val(g->m, i);

		if (m->flags & DISORDER) {
			bit[i / 64] |= (uint64_t)1 << (i % 64);
			m->days = m->hdays = 0;
			m->repeat = 0;
			m->flags &= ~REP_OVF;
		}
	}
	for (i = 0; i < g->log.n; i++) {
		uint64_t num = e[i].key >> DAYBITS;

		if (bit[num / 64] >> (num % 64) & 1)
			e[n++] = e[i];
	}
	free(bit);
	/* stable: a day's orders in order */
	mbr_radix_sort(e, n, sizeof(*e), 0, NULL);
	for (i = 0; i < n; i = j) {
		uint64_t num = e[i].key >> DAYBITS;
		struct mem *m = mbr_tab_val(g->m, (size_t)num);
		mbr_slice id = mbr_tab_key(g->m, (size_t)num);

		/* a member's days, in order, each [j, k) */
		for (j = i; j < n && e[j].key >> DAYBITS == num; j = k) {
			int64_t sum = e[j].a;
			int paid = e[j].a >= 0;

			for (k = j + 1; k < n && e[k].key == e[j].key; k++) {
				if (__builtin_add_overflow(sum, e[k].a, &sum))
					overflow(g, id.p, id.n);
				paid |= e[k].a >= 0;
			}
			m->flags &= ~CUR_PAID;
			m->cur = (uint32_t)(e[j].key & ((1 << DAYBITS) - 1));
			m->daysum = sum;
			if (paid)
				purchase_day(g, m, g->base + m->cur);
			close_day(g, m);
		}
		if (m->flags & REP_OVF)
			overflow(g, id.p, id.n);
	}
}

/* Reads every order: the members and their purchase days. */
static int
read_orders(struct clv *g, mbr_err *err)
{
	static const mbr_split_fns fns = { sizeof(struct item),
	    sizeof(struct chunk), begin_chunk, order, commit_chunk };
	mbr_rec rec;
	int r, rc = MBR_OK;
	size_t i, n;
	unsigned long long hint;

	g->chunks = mbr_split_new(&fns, g, mbr_cli_threads(g->c), g->run.rd,
	    g->run.rj);
	g->ix_id = mbr_reader_col(g->run.rd, "member_id", 9);
	g->ix_ts = mbr_reader_col(g->run.rd, "ts", 2);
	g->ix_amt = mbr_reader_col(g->run.rd, "amount", 6);
	g->ix_st = mbr_reader_col(g->run.rd, "status", 6);
	g->ix_cur = mbr_reader_col(g->run.rd, "currency", 8);
	while ((r = mbr_reader_next(g->run.rd, &rec, err)) != MBR_READ_END) {
		if (r != MBR_READ_FILE)
			continue;
		if ((rc = begin_orders(g, rec.file, err)) != MBR_OK)
			break;
		/* room for an entry of the log an order, made once:
		 * pages not written are not memory */
		if ((hint = mbr_reader_rows_hint(g->run.rd)) > 0)
			olog_reserve(&g->log, g->log.n + (size_t)hint);
		if ((rc = mbr_split_input(g->chunks, err)) != MBR_OK)
			break;
	}
	if (rc == MBR_OK)
		rc = err->code;
	if (rc != MBR_OK)
		return rc;
	/* what a partial says of its currency: an order (or --currency)
	 * fixed it, or none did and any other shard's will do */
	g->cur_known = g->exp >= 0;
	if (g->exp < 0)
		g->exp = 2;
	/* The last day of each member in order is over. */
	n = mbr_tab_count(g->m);
	for (i = 0; i < n; i++) {
		struct mem *m = mbr_tab_val(g->m, i);

		if ((m->flags & (SEEN | DISORDER)) != SEEN)
			continue;
		close_day(g, m);
		if (m->flags & REP_OVF)
			overflow(g, mbr_tab_key(g->m, i).p,
			    mbr_tab_key(g->m, i).n);
	}
	if (g->disorder)
		refold(g);
	olog_free(&g->log);
	if (g->ovf[0] != '\0')
		return mbr_err_set(err, MBR_EDATA, "spend of member \"%s\" is "
		    "out of range (over 2^63 - 1 minor units): amounts that "
		    "large are wrong data", g->ovf);
	return MBR_OK;
}

/* The number of purchases a member's mean spend is over, and their
 * sum: the repeat purchases, or with --monetary all every purchase
 * day. */
static uint32_t
spend_of(const struct clv *g, const struct mem *m, int64_t *spend)
{
	if (g->monetary_all) {
		*spend = m->total;
		return m->days;
	}
	*spend = m->repeat;
	return m->days - 1;
}

/* --- numbers out --- */

/* v with 6 decimals, trailing zeros cut ("1", "0.25", "0.123457"): the
 * predictions are read by rules (p_alive < 0.3), not summed to the
 * cent.  Returns the length; 0 for a value that is not finite. */
static size_t
fmt_num(char *buf, double v)
{
	return mbr_fixed6_fmt(buf, v);
}

/* v in major units as money of the run's currency, rounded to the
 * minor unit. */
static size_t
fmt_money(const struct clv *g, char *buf, double v)
{
	double s = v;
	int i;

	if (!isfinite(v))
		return 0;
	for (i = 0; i < g->exp; i++)
		s *= 10;
	if (!(fabs(s) < 9e18))
		return 0;
	return mbr_money_fmt(buf, llround(s), (unsigned)g->exp);
}

/* A mean of spend over k purchases, rounded half away from zero to
 * the minor unit, exactly. */
static size_t
fmt_mean(const struct clv *g, char *buf, int64_t spend, uint32_t k)
{
	int64_t q = spend / (int64_t)k, r = spend % (int64_t)k;

	if (2 * (r < 0 ? -r : r) >= (int64_t)k)
		q += spend < 0 ? -1 : 1;
	return mbr_money_fmt(buf, q, (unsigned)g->exp);
}

/* --- fit --- */

/* The members' histories, grouped and in the order the fit wants them
 * (x, T, t_x): *n groups of *members members. */
static mbr_clv_hist *
histories(struct clv *g, int64_t end, size_t *n, uint64_t *members,
    uint64_t *repeaters)
{
	size_t i, k = 0, j, cnt = mbr_tab_count(g->m);
	mbr_clv_hist *h = mbr_xmalloc((cnt ? cnt : 1) * sizeof(*h));
	uint64_t *key = mbr_xmalloc((cnt ? cnt : 1) * sizeof(*key));
	int packed = 1;

	*members = *repeaters = 0;
	for (i = 0; i < cnt; i++) {
		const struct mem *m = mbr_tab_val(g->m, i);

		if (m->days == 0)
			continue;
		h[k].x = m->days - 1;
		h[k].tx = (uint32_t)(m->last - m->first);
		h[k].T = (uint32_t)(end - m->first);
		h[k].n = 1;
		h[k].hold = 0;
		/* T < 2^24 always (DAYBITS); x < 2^16 but for a member
		 * who bought on every day of 180 years */
		if (h[k].x >> 16 != 0 || h[k].T >> 24 != 0)
			packed = 0;
		key[k] = (uint64_t)h[k].x << 48 | (uint64_t)h[k].T << 24 |
		    h[k].tx;
		k++;
		(*members)++;
		if (m->days > 1)
			(*repeaters)++;
	}
	if (packed) {
		mbr_radix_sort(key, k, sizeof(*key), 0, NULL);
		for (i = 0; i < k; i++) {
			h[i].x = (uint32_t)(key[i] >> 48);
			h[i].T = (uint32_t)(key[i] >> 24 & 0xffffff);
			h[i].tx = (uint32_t)(key[i] & 0xffffff);
		}
	} else
		qsort(h, k, sizeof(*h), cmp_hist);
	free(key);
	for (i = 0, j = 0; i < k; i++) {
		if (j > 0 && cmp_hist(&h[j - 1], &h[i]) == 0)
			h[j - 1].n++;
		else
			h[j++] = h[i];
	}
	*n = j;
	return h;
}

/* The members' spends, grouped by (k, spend): *left_out counts those
 * whose spend is zero or negative. */
static mbr_clv_spend *
spends(struct clv *g, size_t *n, uint64_t *left_out)
{
	size_t i, k = 0, j, cnt = mbr_tab_count(g->m);
	mbr_clv_spend *s = mbr_xmalloc((cnt ? cnt : 1) * sizeof(*s));
	uint64_t *key = mbr_xmalloc((cnt ? cnt : 1) * sizeof(*key));
	int packed = 1;

	*left_out = 0;
	for (i = 0; i < cnt; i++) {
		const struct mem *m = mbr_tab_val(g->m, i);
		int64_t sp;
		uint32_t c;

		if (m->days == 0 || (c = spend_of(g, m, &sp)) == 0)
			continue;
		if (sp <= 0) {
			(*left_out)++;
			continue;
		}
		s[k].k = c;
		s[k].spend = sp;
		s[k].n = 1;
		/* 2^40 minor units: 11 billion of a currency's units */
		if (c >> 24 != 0 || sp >> 40 != 0)
			packed = 0;
		key[k++] = (uint64_t)c << 40 | (uint64_t)sp;
	}
	if (packed) {
		mbr_radix_sort(key, k, sizeof(*key), 0, NULL);
		for (i = 0; i < k; i++) {
			s[i].k = (uint32_t)(key[i] >> 40);
			s[i].spend = (int64_t)(key[i] & (((uint64_t)1 << 40) -
			    1));
		}
	} else
		qsort(s, k, sizeof(*s), cmp_spend);
	free(key);
	for (i = 0, j = 0; i < k; i++) {
		if (j > 0 && s[j - 1].k == s[i].k &&
		    s[j - 1].spend == s[i].spend)
			s[j - 1].n++;
		else
			s[j++] = s[i];
	}
	*n = j;
	return s;
}

static void
set_real(json_t *o, const char *key, double v)
{
	json_object_set_new(o, key, isfinite(v) ? json_real(v) : json_null());
}

static void
set_int(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

static json_t *
convergence(const mbr_clv_fit *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "converged", json_boolean(f->opt.converged));
	set_real(o, "gradient", sig(f->opt.gmax, 3));
	set_int(o, "iterations", (uint64_t)(f->opt.nm_iter + f->opt.iter));
	set_int(o, "evaluations", (uint64_t)f->opt.evals);
	json_object_set_new(o, "message", json_string(f->opt.why != NULL ?
	    f->opt.why : ""));
	return o;
}

static void
set_se(json_t *o, const char *key, double se)
{
	json_object_set_new(o, key, se >= 0 ? json_real(se) : json_null());
}

static int	parse_date(const char *, const char *, int64_t *, mbr_err *);

/* BG/NBD's parameters are read within these bounds: predictions past
 * them are sums no float holds (r = 1e200, a = 1e300), and a fit of
 * real orders that converged is far inside them. */
#define BG_MIN	1e-8
#define BG_MAX	1e8
#define BG_RMAX	1e4	/* e^(r z) must fit a long double */

/* --- sufficient statistics --- */

/* The counts of the model's "data" that come from the orders, in the
 * order a partial writes them.  members, repeaters and groups are the
 * histories' own, gamma_gamma_members the fit's. */
enum { C_ORDERS, C_USED, C_RETURNS, C_STATUS, C_AFTER_PERIOD,
	C_AFTER_AS_OF, C_REJECTED, C_SPEND_NOT_POS, C_NEW_MEMBERS, C_N };
static const char *const cname[C_N] = { "orders", "used", "returns",
	"status_ignored", "after_period", "after_as_of", "rejected",
	"spend_not_positive", "new_members" };

/* All the fit needs of the orders: the counts, the histories grouped
 * and sorted by (x, T, t_x), the positive spends grouped and sorted by
 * (k, spend).  One run builds it from its members; a partial writes it;
 * a merge adds partials up into it.  Its numbers are whole (days,
 * minor units, members), so the merge's equals the one run's, and the
 * fit, which reads nothing else, is the same to the bit. */
struct suff {
	uint64_t	 cnt[C_N];
	mbr_clv_hist	*h;
	size_t		 nh;
	mbr_clv_spend	*s;
	size_t		 ns;
	uint64_t	 members, repeaters;	/* of h */
};

static void
suff_release(struct suff *sf)
{
	free(sf->h);
	free(sf->s);
	memset(sf, 0, sizeof(*sf));
}

/* Each member's holdout purchase days, added to its history's group. */
static void
hold_sums(struct clv *g, struct suff *sf)
{
	size_t i, cnt = mbr_tab_count(g->m);

	for (i = 0; i < cnt; i++) {
		const struct mem *m = mbr_tab_val(g->m, i);
		mbr_clv_hist key = { 0 }, *e;

		if (m->days == 0) {
			/* their first purchase in the holdout: not in the
			 * model */
			if (m->hdays > 0)
				sf->cnt[C_NEW_MEMBERS]++;
			continue;
		}
		key.x = m->days - 1;
		key.tx = (uint32_t)(m->last - m->first);
		key.T = (uint32_t)(g->cal_end - m->first);
		e = bsearch(&key, sf->h, sf->nh, sizeof(*sf->h), cmp_hist);
		if (e != NULL)		/* ALWAYS: every member has a group */
			e->hold += m->hdays;
	}
}

static void
suff_of_members(struct clv *g, struct suff *sf)
{
	memset(sf, 0, sizeof(*sf));
	sf->h = histories(g, g->cal_end, &sf->nh, &sf->members,
	    &sf->repeaters);
	if (g->hold_end > g->cal_end)
		hold_sums(g, sf);
	sf->s = spends(g, &sf->ns, &sf->cnt[C_SPEND_NOT_POS]);
	sf->cnt[C_ORDERS] = mbr_reader_count(g->run.rd);
	sf->cnt[C_USED] = g->n_paid;
	sf->cnt[C_RETURNS] = g->n_returns;
	sf->cnt[C_STATUS] = g->n_other;
	sf->cnt[C_AFTER_PERIOD] = g->n_after;
	sf->cnt[C_AFTER_AS_OF] = g->n_future;
	sf->cnt[C_REJECTED] = mbr_rejects_count(g->run.rj);
}

/* The validation table of the paper (its Figure 4): members by their
 * calibration purchases, 0 to 6 and 7 or more, their mean purchases in
 * the holdout and the model's expectation; and the sums.  Summed over
 * the groups in their order, so that a merge of partials adds the same
 * numbers in the same order as one run. */
#define HOLD_ROWS	8
static json_t *
holdout(struct clv *g, const mbr_bgnbd *bg, const struct suff *sf)
{
	double t = (double)(g->hold_end - g->cal_end) / g->unit;
	double pred[HOLD_ROWS] = { 0 }, ptot = 0;
	uint64_t mem[HOLD_ROWS] = { 0 }, act[HOLD_ROWS] = { 0 }, atot = 0;
	uint64_t mtot = 0;
	size_t i;
	json_t *o = json_object(), *rows = json_array(), *row;
	char day[16];

	for (i = 0; i < sf->nh; i++) {
		const mbr_clv_hist *h = &sf->h[i];
		double e;
		int r;

		e = (double)h->n * mbr_bgnbd_expected(bg, t, h->x,
		    (double)h->tx / g->unit, (double)h->T / g->unit);
		r = h->x < HOLD_ROWS - 1 ? (int)h->x : HOLD_ROWS - 1;
		mem[r] += h->n;
		act[r] += h->hold;
		pred[r] += e;
		mtot += h->n;
		atot += h->hold;
		ptot += e;
	}
	mbr_date_fmt(day, g->hold_end);
	json_object_set_new(o, "end", json_string(day));
	set_real(o, "length", sig(t, 10));
	for (i = 0; i < HOLD_ROWS; i++) {
		char x[8];

		snprintf(x, sizeof(x), i == HOLD_ROWS - 1 ? "%zu+" : "%zu", i);
		row = json_object();
		json_object_set_new(row, "x", json_string(x));
		set_int(row, "members", mem[i]);
		if (mem[i] > 0) {
			set_real(row, "actual", sig((double)act[i] /
			    (double)mem[i], 6));
			set_real(row, "predicted", sig(pred[i] /
			    (double)mem[i], 6));
		} else {
			json_object_set_new(row, "actual", json_null());
			json_object_set_new(row, "predicted", json_null());
		}
		json_array_append_new(rows, row);
	}
	json_object_set_new(o, "by_x", rows);
	row = json_object();
	set_int(row, "members", mtot);
	set_int(row, "actual", atot);
	set_real(row, "predicted", sig(ptot, 8));
	json_object_set_new(o, "total", row);
	set_int(o, "new_members", sf->cnt[C_NEW_MEMBERS]);
	return o;
}

/* The line -q silences: what was read, of the orders or the partials'
 * orders. */
static void
summary_line(const struct clv *g, const struct suff *sf)
{
	if (g->c->quiet)
		return;
	fprintf(stderr, "%s: %llu orders: %llu paid in the period, %llu paid "
	    "after it, %llu after --as-of, %llu refunded, cancelled or "
	    "pending, %llu rejected; %llu members with a purchase\n",
	    mbr_progname(), (unsigned long long)sf->cnt[C_ORDERS],
	    (unsigned long long)sf->cnt[C_USED],
	    (unsigned long long)sf->cnt[C_AFTER_PERIOD],
	    (unsigned long long)sf->cnt[C_AFTER_AS_OF],
	    (unsigned long long)sf->cnt[C_STATUS],
	    (unsigned long long)sf->cnt[C_REJECTED],
	    (unsigned long long)sf->members);
}

static int
fit(struct clv *g, const struct suff *sf, mbr_err *err)
{
	const mbr_clv_opts *o = g->o;
	mbr_clv_fit bf, gf;
	uint64_t gmembers = 0;
	json_t *root, *se, *ll, *cv, *data;
	static const char *const bgname[4] = { "r", "alpha", "a", "b" };
	char day[16], *text;
	int rc, i, have_gg = 0;
	mbr_err gerr = { 0 };

	/* Without a repeat purchase the likelihood grows without bound as
	 * r goes to 0, and a and b are not in it at all. */
	if (sf->members > 0 && sf->repeaters == 0)
		return mbr_err_set(err, MBR_EDATA, "no member with a repeat "
		    "purchase: BG/NBD cannot be fitted");
	rc = mbr_clv_fit_bgnbd(sf->h, sf->nh, g->unit, o->penalizer,
	    mbr_cli_threads(g->c), &bf, err);
	if (rc != MBR_OK)
		return rc;
	if (sf->ns > 0) {
		if (mbr_clv_fit_gamgam(sf->s, sf->ns, (unsigned)g->exp,
		    o->penalizer, &gf, &gerr) == MBR_OK) {
			have_gg = 1;
			gmembers = gf.members;
		}
	}

	root = json_object();
	json_object_set_new(root, "format", json_string("mbr-clv model 1"));
	json_object_set_new(root, "unit", json_string(g->unit == 7 ?
	    "weeks" : "days"));
	mbr_date_fmt(day, g->cal_end);
	json_object_set_new(root, "calibration_end", json_string(day));
	json_object_set_new(root, "currency", json_string(g->cur));
	json_object_set_new(root, "monetary", json_string(g->monetary_all ?
	    "all" : "repeat"));
	set_real(root, "penalizer", o->penalizer);
	set_real(root, "r", bf.est[0]);
	set_real(root, "alpha", bf.est[1]);
	set_real(root, "a", bf.est[2]);
	set_real(root, "b", bf.est[3]);
	if (have_gg) {
		set_real(root, "p", gf.est[0]);
		set_real(root, "q", gf.est[1]);
		set_real(root, "gamma", gf.est[2]);
	} else {
		json_object_set_new(root, "p", json_null());
		json_object_set_new(root, "q", json_null());
		json_object_set_new(root, "gamma", json_null());
	}
	ll = json_object();
	set_real(ll, "bgnbd", bf.ll);
	if (have_gg)
		set_real(ll, "gamma_gamma", gf.ll);
	else
		json_object_set_new(ll, "gamma_gamma", json_null());
	json_object_set_new(root, "log_likelihood", ll);
	se = json_object();
	set_se(se, "r", bf.se[0]);
	set_se(se, "alpha", bf.se[1]);
	set_se(se, "a", bf.se[2]);
	set_se(se, "b", bf.se[3]);
	set_se(se, "p", have_gg ? gf.se[0] : -1);
	set_se(se, "q", have_gg ? gf.se[1] : -1);
	set_se(se, "gamma", have_gg ? gf.se[2] : -1);
	json_object_set_new(root, "standard_errors", se);
	cv = json_object();
	json_object_set_new(cv, "bgnbd", convergence(&bf));
	json_object_set_new(cv, "gamma_gamma", have_gg ? convergence(&gf) :
	    json_null());
	json_object_set_new(root, "convergence", cv);
	data = json_object();
	set_int(data, "orders", sf->cnt[C_ORDERS]);
	set_int(data, "used", sf->cnt[C_USED]);
	set_int(data, "returns", sf->cnt[C_RETURNS]);
	set_int(data, "status_ignored", sf->cnt[C_STATUS]);
	set_int(data, "after_period", sf->cnt[C_AFTER_PERIOD]);
	set_int(data, "after_as_of", sf->cnt[C_AFTER_AS_OF]);
	set_int(data, "rejected", sf->cnt[C_REJECTED]);
	set_int(data, "members", sf->members);
	set_int(data, "repeaters", sf->repeaters);
	set_int(data, "groups", sf->nh);
	set_int(data, "gamma_gamma_members", gmembers);
	set_int(data, "spend_not_positive", sf->cnt[C_SPEND_NOT_POS]);
	json_object_set_new(root, "data", data);
	if (g->hold_end > g->cal_end) {
		mbr_bgnbd bg = { bf.est[0], bf.est[1], bf.est[2], bf.est[3] };

		json_object_set_new(root, "holdout", holdout(g, &bg, sf));
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (text == NULL)
		mbr_nomem(0);
	mbr_output_write(g->jout, text, strlen(text));
	mbr_output_write(g->jout, "\n", 1);
	free(text);
	if (!g->c->quiet) {
		if (!have_gg)
			mbr_warn("Gamma-Gamma not fitted: %s", sf->ns == 0 ?
			    "no member with repeat purchases of positive "
			    "spend" : gerr.msg);
		else if (!gf.opt.converged)
			mbr_warn("Gamma-Gamma fit did not converge: %s",
			    gf.opt.why);
		else if (!(gf.est[1] > 1))
			mbr_warn("Gamma-Gamma q = %.4g is not over 1: the "
			    "mean spend per purchase is infinite, and "
			    "predict gives no expected_aov", gf.est[1]);
	}
	if (!g->c->quiet && bf.opt.converged && bf.se[0] < 0)
		mbr_warn("BG/NBD: the Hessian is not positive definite at "
		    "the estimates, which are not determined by the data "
		    "(too few repeat purchases?)");
	if (!g->c->quiet && have_gg && gf.opt.converged && gf.se[0] < 0)
		mbr_warn("Gamma-Gamma: the Hessian is not positive definite "
		    "at the estimates, which are not determined by the data "
		    "(too few repeat purchases?)");
	if (!bf.opt.converged)
		return mbr_err_set(err, MBR_EDATA, "BG/NBD fit did not "
		    "converge (%s): its estimates are not a maximum",
		    bf.opt.why);
	/* A model predict would refuse is no success (fuzz_clv: a = 3e8
	 * from a handful of members) */
	for (i = 0; i < 4; i++)
		if (bf.est[i] < BG_MIN || bf.est[i] > (i == 0 ? BG_RMAX :
		    BG_MAX))
			return mbr_err_set(err, MBR_EDATA, "BG/NBD estimate "
			    "%s = %.6g is not from 1e-8 to %s, where predict "
			    "reads it: the data do not determine it (too few "
			    "repeat purchases?)", bgname[i], bf.est[i],
			    i == 0 ? "1e4" : "1e8");
	return MBR_OK;
}

/* --- partials --- */

#define PARTIAL	"mbr-clv-partial-1"	/* what a partial says it is */

/* A partial's fields: the row's own, then the facts of the run that
 * made it, the same in every row (so that any row says what it is of,
 * as mbr-abtest's partials do), which a merge checks. */
enum { P_TAG, P_KIND, P_N, P_X, P_TX, P_T, P_HOLD, P_K, P_SPEND,
	P_UNIT, P_CAL, P_HEND, P_ASOF, P_TZ, P_CUR, P_MON, P_NF };
#define P_FACT	P_UNIT
static const char *const pname[P_NF] = { "partial", "kind", "n", "x",
	"t_x_days", "T_days", "holdout_purchases", "purchases", "spend",
	"unit", "calibration_end", "holdout_end", "as_of", "tz",
	"currency", "monetary" };

/* Days past this are no history (DAYBITS). */
#define MAXDAYS		(((uint32_t)1 << DAYBITS) - 1)

/* The facts of this run, as a partial writes them; NULL for none (no
 * holdout, the system's zone, a currency no order fixed). */
static void
facts(struct clv *g, const char *f[F_N])
{
	mbr_time t = { g->asof.t, mbr_tz_offset_at(g->tz, g->asof.t) };

	mbr_date_fmt(g->fcal, g->cal_end);
	mbr_time_fmt(g->fasof, t);
	f[F_UNIT] = g->unit == 7 ? "weeks" : "days";
	f[F_CAL] = g->fcal;
	f[F_HEND] = NULL;
	if (g->hold_end > g->cal_end) {
		mbr_date_fmt(g->fhend, g->hold_end);
		f[F_HEND] = g->fhend;
	}
	f[F_ASOF] = g->fasof;
	/* the zone's name as the run had it: days are counted in it */
	f[F_TZ] = g->c->tz != NULL ? g->c->tz : getenv("TZ");
	if (f[F_TZ] != NULL && *f[F_TZ] == '\0')
		f[F_TZ] = NULL;
	f[F_CUR] = g->cur_known ? g->cur : NULL;
	f[F_MON] = g->monetary_all ? "all" : "repeat";
}

static void
put_head(mbr_writer *w, const char *kind, uint64_t n)
{
	mbr_writer_cstr(w, pname[P_TAG], PARTIAL);
	mbr_writer_cstr(w, pname[P_KIND], kind);
	mbr_writer_int(w, pname[P_N], (int64_t)n);
}

/* The facts, and the row's end. */
static int
put_facts(mbr_writer *w, const char *const f[F_N], mbr_err *err)
{
	int i;

	for (i = 0; i < F_N; i++) {
		if (f[i] == NULL)
			mbr_writer_null(w, pname[P_FACT + i]);
		else
			mbr_writer_cstr(w, pname[P_FACT + i], f[i]);
	}
	return mbr_writer_end(w, err);
}

/* fit --partial: the counts, then the histories, then the spends, each
 * in the fit's order. */
static int
write_partial(struct clv *g, const struct suff *sf, mbr_err *err)
{
	mbr_writer *w = g->run.w;
	mbr_slice names[P_NF];
	const char *f[F_N];
	char buf[MBR_MONEY_LEN];
	size_t i, n;
	int rc;

	facts(g, f);
	for (i = 0; i < P_NF; i++)
		names[i] = (mbr_slice){ pname[i], strlen(pname[i]) };
	mbr_writer_header(w, names, P_NF);
	for (i = 0; i < C_N; i++) {
		put_head(w, cname[i], sf->cnt[i]);
		if ((rc = put_facts(w, f, err)) != MBR_OK)
			return rc;
	}
	for (i = 0; i < sf->nh; i++) {
		put_head(w, "history", sf->h[i].n);
		mbr_writer_int(w, pname[P_X], sf->h[i].x);
		mbr_writer_int(w, pname[P_TX], sf->h[i].tx);
		mbr_writer_int(w, pname[P_T], sf->h[i].T);
		if (f[F_HEND] != NULL)
			mbr_writer_int(w, pname[P_HOLD],
			    (int64_t)sf->h[i].hold);
		if ((rc = put_facts(w, f, err)) != MBR_OK)
			return rc;
	}
	for (i = 0; i < sf->ns; i++) {
		put_head(w, "spend", sf->s[i].n);
		mbr_writer_int(w, pname[P_K], sf->s[i].k);
		n = mbr_money_fmt(buf, sf->s[i].spend, (unsigned)g->exp);
		mbr_writer_field(w, (mbr_slice){ pname[P_SPEND], 5 },
		    (mbr_slice){ buf, n }, MBR_V_PLAIN);
		if ((rc = put_facts(w, f, err)) != MBR_OK)
			return rc;
	}
	return MBR_OK;
}

/* A field of a partial; empty (CSV) or null (NDJSON) is absent. */
static mbr_slice
fld(const mbr_rec *rec, int ix)
{
	mbr_slice s = rec->f[ix];

	if (s.p == NULL || s.n == 0 || rec->type[ix] == MBR_V_NULL)
		return (mbr_slice){ NULL, 0 };
	return s;
}

/* A whole number from 0 to max, digits only; absent is -1 too. */
static int
parse_u64(mbr_slice s, uint64_t max, uint64_t *v)
{
	uint64_t r = 0;
	size_t i;

	if (s.p == NULL || s.n == 0 || s.n > 20)
		return -1;
	for (i = 0; i < s.n; i++)
		if (!mbr_isdigit(s.p[i]) || __builtin_mul_overflow(r, 10, &r) ||
		    __builtin_add_overflow(r, (uint64_t)(s.p[i] - '0'), &r))
			return -1;
	if (r > max)
		return -1;
	*v = r;
	return 0;
}

/* Adds n to *sum, which stays at most INT64_MAX (the model writes
 * counts as JSON integers); -1 and *sum unchanged past it. */
static int
add_count(uint64_t *sum, uint64_t n)
{
	if (n > (uint64_t)INT64_MAX - *sum)
		return -1;
	*sum += n;
	return 0;
}

/* The first partial's facts become the merge's: its unit, period,
 * as-of and mode.  They are the program's own writing, so a fact that
 * does not read is a file that is no partial of this one (exit 2). */
static int
take_facts(struct clv *g, const mbr_rec *rec, mbr_err *err)
{
	const char *const *f = (const char *const *)g->pf;
	mbr_err e = { 0 };

	if (strcmp(f[F_UNIT], "days") == 0 || strcmp(f[F_UNIT], "weeks") == 0)
		g->unit = f[F_UNIT][0] == 'w' ? 7 : 1;
	else
		mbr_err_set(&e, MBR_EUSAGE, "unit \"%s\" is not days or "
		    "weeks", f[F_UNIT]);
	if (e.code == MBR_OK)
		parse_date("calibration_end", f[F_CAL], &g->cal_end, &e);
	g->hold_end = g->cal_end;
	if (e.code == MBR_OK && f[F_HEND][0] != '\0' &&
	    parse_date("holdout_end", f[F_HEND], &g->hold_end, &e) ==
	    MBR_OK && g->hold_end <= g->cal_end)
		mbr_err_set(&e, MBR_EUSAGE, "holdout_end %s is not after "
		    "calibration_end %s", f[F_HEND], f[F_CAL]);
	if (e.code == MBR_OK && mbr_time_parse(&g->p_asof, f[F_ASOF],
	    strlen(f[F_ASOF]), g->tz, &e) != MBR_OK)
		mbr_err_set(&e, MBR_EUSAGE, "as_of \"%s\" is not a time",
		    f[F_ASOF]);
	if (e.code == MBR_OK && strcmp(f[F_MON], "all") != 0 &&
	    strcmp(f[F_MON], "repeat") != 0)
		mbr_err_set(&e, MBR_EUSAGE, "monetary \"%s\" is not repeat "
		    "or all", f[F_MON]);
	if (e.code == MBR_OK) {
		g->monetary_all = f[F_MON][0] == 'a';
		return MBR_OK;
	}
	*err = e;
	mbr_err_at(err, rec->file, rec->line);
	return MBR_EUSAGE;
}

/* Fact f of a row is the partials' before, but for a currency, which
 * a shard whose orders priced nothing does not know. */
static int
same_fact(struct clv *g, const mbr_rec *rec, int f, mbr_slice s,
    mbr_err *err)
{
	char *kept = g->pf[f];

	if (s.p == NULL)
		s = (mbr_slice){ "", 0 };
	if (kept == NULL || (f == F_CUR && kept[0] == '\0')) {
		free(kept);
		kept = g->pf[f] = mbr_xmalloc(s.n + 1);
		memcpy(kept, s.p, s.n);
		kept[s.n] = '\0';
		if (f != F_CUR || s.n == 0)
			return MBR_OK;
		if (s.n >= sizeof(g->cur) || memchr(s.p, '\0', s.n) != NULL ||
		    (g->p_exp = mbr_currency_exp(s.p, s.n)) < 0) {
			mbr_err_set(err, MBR_EUSAGE, "currency \"%.*s\" is "
			    "not a currency code", (int)s.n, s.p);
			mbr_err_at(err, rec->file, rec->line);
			return MBR_EUSAGE;
		}
		return MBR_OK;
	}
	if ((f == F_CUR && s.n == 0) || (strlen(kept) == s.n &&
	    memcmp(kept, s.p, s.n) == 0))
		return MBR_OK;
	mbr_err_set(err, MBR_EUSAGE, "%s \"%.*s\" differs from \"%s\" of the "
	    "partials before: they are not of one fit", pname[P_FACT + f],
	    (int)s.n, s.p, kept);
	mbr_err_at(err, rec->file, rec->line);
	return MBR_EUSAGE;
}

/* One row of a partial into sf: NULL, or why it is bad. */
static const char *
partial_row(struct clv *g, struct suff *sf, const mbr_rec *rec,
    const int *ix, uint64_t *tot)
{
	mbr_slice kind = fld(rec, ix[P_KIND]);
	uint64_t n, x, tx, T, hold = 0, k, len, cap;
	int64_t sp;
	mbr_err e;
	int i;

	if (parse_u64(fld(rec, ix[P_N]), INT64_MAX, &n) != 0)
		return "n is not a whole number in range";
	for (i = 0; i < C_N; i++)
		if (mbr_slice_eq(kind, cname[i], strlen(cname[i]))) {
			if (add_count(&sf->cnt[i], n) != 0)
				return "a count is out of range";
			return NULL;
		}
	if (n == 0)
		return "n is 0";
	if (mbr_slice_eq(kind, "history", 7)) {
		len = (uint64_t)(g->hold_end - g->cal_end);
		if (parse_u64(fld(rec, ix[P_X]), MAXDAYS, &x) != 0 ||
		    parse_u64(fld(rec, ix[P_TX]), MAXDAYS, &tx) != 0 ||
		    parse_u64(fld(rec, ix[P_T]), MAXDAYS, &T) != 0)
			return "x, t_x_days or T_days is not a whole number "
			    "of days in range";
		/* x purchase days after the first, the last of them t_x
		 * days after it, and t_x within the period */
		if ((x == 0 ? tx != 0 : x > tx) || tx > T)
			return "x, t_x_days and T_days are no history";
		/* a member buys on a day of the holdout at most once */
		if (fld(rec, ix[P_HOLD]).p != NULL &&
		    (parse_u64(fld(rec, ix[P_HOLD]), INT64_MAX, &hold) != 0 ||
		    (!__builtin_mul_overflow(n, len, &cap) && hold > cap)))
			return "holdout_purchases is not a whole number of "
			    "at most n times the days of the holdout";
		if (add_count(&tot[0], n) != 0 || add_count(&tot[1], hold) != 0)
			return "a count is out of range";
		if (sf->nh == g->caph) {
			g->caph = g->caph ? 2 * g->caph : 256;
			sf->h = mbr_xrealloc(sf->h, g->caph * sizeof(*sf->h));
		}
		sf->h[sf->nh++] = (mbr_clv_hist){ (uint32_t)x, (uint32_t)tx,
		    (uint32_t)T, n, hold };
		return NULL;
	}
	if (mbr_slice_eq(kind, "spend", 5)) {
		mbr_slice s = fld(rec, ix[P_SPEND]);

		if (parse_u64(fld(rec, ix[P_K]), MAXDAYS, &k) != 0 || k == 0)
			return "purchases is not a whole number from 1 to "
			    "16777215";
		if (fld(rec, ix[P_CUR]).n == 0)
			return "a spend without a currency";
		if (s.p == NULL || mbr_money_parse(&sp, s.p, s.n,
		    (unsigned)g->p_exp, 0, &e) != MBR_OK || sp <= 0)
			return "spend is not an amount of the currency above 0";
		if (add_count(&tot[2], n) != 0)
			return "a count is out of range";
		if (sf->ns == g->caps) {
			g->caps = g->caps ? 2 * g->caps : 256;
			sf->s = mbr_xrealloc(sf->s, g->caps * sizeof(*sf->s));
		}
		sf->s[sf->ns++] = (mbr_clv_spend){ (uint32_t)k, sp, n };
		return NULL;
	}
	return "";
}

/* fit --merge: the partials, added up into sf. */
static int
read_partials(struct clv *g, struct suff *sf, mbr_err *err)
{
	mbr_reader *rd = g->run.rd;
	int ix[P_NF], i, r, rc;
	uint64_t tot[3] = { 0, 0, 0 };	/* members, holdout, spenders */
	size_t j, k;
	mbr_rec rec;

	memset(sf, 0, sizeof(*sf));
	for (i = 0; i < P_NF; i++)
		ix[i] = mbr_reader_col(rd, pname[i], strlen(pname[i]));
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		const char *why;

		if (r == MBR_READ_FILE)
			continue;
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		if (!mbr_slice_eq(fld(&rec, ix[P_TAG]), PARTIAL,
		    strlen(PARTIAL))) {
			mbr_err_set(err, MBR_EUSAGE, "not a partial of "
			    "mbr-clv fit --partial (its field partial is not "
			    "\"%s\")", PARTIAL);
			mbr_err_at(err, rec.file, rec.line);
			return MBR_EUSAGE;
		}
		for (i = 0; i < F_N; i++)
			if ((rc = same_fact(g, &rec, i, fld(&rec,
			    ix[P_FACT + i]), err)) != MBR_OK)
				return rc;
		if (!g->p_seen && (rc = take_facts(g, &rec, err)) != MBR_OK)
			return rc;
		g->p_seen = 1;
		if ((why = partial_row(g, sf, &rec, ix, tot)) == NULL)
			continue;
		if (*why != '\0')
			mbr_reject(g->run.rj, rd, &rec, "bad partial", why);
		else {
			mbr_slice kind = fld(&rec, ix[P_KIND]);

			mbr_rejectf(g->run.rj, rd, &rec, "bad partial",
			    "kind \"%.*s\" is not history, spend or a count "
			    "of the model's data", (int)kind.n,
			    kind.p != NULL ? kind.p : "");
		}
	}
	if (err->code != MBR_OK)
		return err->code;
	/* the groups of all the shards, in the fit's order, the same
	 * history's members added up: the one run's groups */
	if (sf->nh > 1)		/* never qsort(NULL, 0, ...) */
		qsort(sf->h, sf->nh, sizeof(*sf->h), cmp_hist);
	for (j = 0, k = 0; j < sf->nh; j++) {
		if (k > 0 && cmp_hist(&sf->h[k - 1], &sf->h[j]) == 0) {
			sf->h[k - 1].n += sf->h[j].n;
			sf->h[k - 1].hold += sf->h[j].hold;
		} else
			sf->h[k++] = sf->h[j];
	}
	sf->nh = k;
	for (j = 0; j < sf->nh; j++) {
		sf->members += sf->h[j].n;
		if (sf->h[j].x > 0)
			sf->repeaters += sf->h[j].n;
	}
	if (sf->ns > 1)
		qsort(sf->s, sf->ns, sizeof(*sf->s), cmp_spend);
	for (j = 0, k = 0; j < sf->ns; j++) {
		if (k > 0 && cmp_spend(&sf->s[k - 1], &sf->s[j]) == 0)
			sf->s[k - 1].n += sf->s[j].n;
		else
			sf->s[k++] = sf->s[j];
	}
	sf->ns = k;
	/* the merge's own rejects are records that were not used too */
	(void)add_count(&sf->cnt[C_REJECTED], mbr_rejects_count(g->run.rj));
	return MBR_OK;
}

/* An option given to the merge says what the partials must have been
 * made with: one saying otherwise is a mistake, not a wish. */
static int
merge_check(struct clv *g, mbr_err *err)
{
	const mbr_clv_opts *o = g->o;
	const mbr_cli *c = g->c;
	char **f = g->pf;

	if (!g->p_seen)
		return MBR_OK;
	if (o->unit_set && o->unit != g->unit)
		return mbr_err_set(err, MBR_EUSAGE, "--unit: the partials were "
		    "made with %s", f[F_UNIT]);
	if (o->calibration_end != NULL && g->o_cal != g->cal_end)
		return mbr_err_set(err, MBR_EUSAGE, "--calibration-end: the "
		    "partials were made with %s", f[F_CAL]);
	if (o->holdout_end != NULL && (f[F_HEND][0] == '\0' ||
	    g->o_hold != g->hold_end))
		return mbr_err_set(err, MBR_EUSAGE, "--holdout-end: the "
		    "partials were made with %s", f[F_HEND][0] != '\0' ?
		    f[F_HEND] : "none");
	if (c->as_of != NULL && g->asof.t != g->p_asof.t)
		return mbr_err_set(err, MBR_EUSAGE, "--as-of: the partials "
		    "were made with %s", f[F_ASOF]);
	if (c->tz != NULL && strcmp(c->tz, f[F_TZ]) != 0)
		return mbr_err_set(err, MBR_EUSAGE, "--tz: the partials were "
		    "made with %s", f[F_TZ][0] != '\0' ? f[F_TZ] :
		    "the system's zone");
	if (o->monetary_set && o->monetary_all != g->monetary_all)
		return mbr_err_set(err, MBR_EUSAGE, "--monetary: the partials "
		    "were made with %s", f[F_MON]);
	if (f[F_CUR][0] != '\0') {
		if (o->currency != NULL && strcmp(o->currency, f[F_CUR]) != 0)
			return mbr_err_set(err, MBR_EUSAGE, "--currency: the "
			    "partials were made with %s", f[F_CUR]);
		snprintf(g->cur, sizeof(g->cur), "%s", f[F_CUR]);
		g->exp = g->p_exp;
	}
	return MBR_OK;
}

/* --- predict --- */

static int
num_key(mbr_conf *cf, json_t *root, const char *key, int need,
    double *out)
{
	json_t *v = json_object_get(root, key);
	double d;

	if (v == NULL || json_is_null(v)) {
		if (need)
			return mbr_conf_bad(cf, key, "is missing");
		*out = NAN;
		return MBR_OK;
	}
	if (!json_is_number(v) || !((d = json_number_value(v)) > 0) ||
	    !isfinite(d))
		return mbr_conf_bad(cf, key, "is not a positive number");
	if (need && (d < BG_MIN || d > (strcmp(key, "r") == 0 ? BG_RMAX :
	    BG_MAX)))
		return mbr_conf_bad(cf, key, "%.6g is not from 1e-8 to %s "
		    "(a fit that did not converge?)", d, strcmp(key, "r") ==
		    0 ? "1e4" : "1e8");
	*out = d;
	return MBR_OK;
}

int
mbr_clv_model_read(mbr_clv_model *m, const char *path, mbr_err *err)
{
	static const char *const keys[] = { "format", "unit",
	    "calibration_end", "currency", "monetary", "penalizer", "r",
	    "alpha", "a", "b", "p", "q", "gamma", "log_likelihood",
	    "standard_errors", "convergence", "data", "holdout", NULL };
	static const char *const units[] = { "days", "weeks", NULL };
	static const char *const money[] = { "repeat", "all", NULL };
	mbr_conf cf = { path, err };
	mbr_buf b;
	json_t *root, *v;
	int rc, unit = 0, mon = 0, n;
	double p, q, gm;

	memset(m, 0, sizeof(*m));
	m->exp = -1;
	mbr_buf_init(&b);
	if ((rc = mbr_input_slurp(path, &b, err)) != MBR_OK) {
		mbr_buf_release(&b);
		return rc;
	}
	root = mbr_conf_parse(&cf, b.p, b.n);
	mbr_buf_release(&b);
	if (root == NULL)
		return MBR_EUSAGE;
	if ((rc = mbr_conf_keys(&cf, root, "model", keys)) != MBR_OK)
		goto out;
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v),
	    "mbr-clv model 1") != 0) {
		rc = mbr_conf_bad(&cf, "format", "is not \"mbr-clv model 1\": "
		    "not a model this mbr-clv can read");
		goto out;
	}
	if ((rc = mbr_conf_word(&cf, root, "unit", "unit", units, &unit)) !=
	    MBR_OK || (rc = mbr_conf_word(&cf, root, "monetary", "monetary",
	    money, &mon)) != MBR_OK)
		goto out;
	if (json_object_get(root, "unit") == NULL) {
		rc = mbr_conf_bad(&cf, "unit", "is missing");
		goto out;
	}
	m->unit = unit == 1 ? 7 : 1;
	m->monetary_all = mon == 1;
	if ((rc = num_key(&cf, root, "r", 1, &m->bg.r)) != MBR_OK ||
	    (rc = num_key(&cf, root, "alpha", 1, &m->bg.alpha)) != MBR_OK ||
	    (rc = num_key(&cf, root, "a", 1, &m->bg.a)) != MBR_OK ||
	    (rc = num_key(&cf, root, "b", 1, &m->bg.b)) != MBR_OK ||
	    (rc = num_key(&cf, root, "p", 0, &p)) != MBR_OK ||
	    (rc = num_key(&cf, root, "q", 0, &q)) != MBR_OK ||
	    (rc = num_key(&cf, root, "gamma", 0, &gm)) != MBR_OK)
		goto out;
	n = !isnan(p) + !isnan(q) + !isnan(gm);
	if (n != 0 && n != 3) {
		rc = mbr_conf_bad(&cf, "p", "p, q and gamma "
		    "go together: the three, or none (null)");
		goto out;
	}
	m->have_gg = n == 3;
	m->gg.p = p;
	m->gg.q = q;
	m->gg.gamma = gm;
	v = json_object_get(root, "currency");
	if (v != NULL && !json_is_null(v)) {
		const char *c = json_is_string(v) ? json_string_value(v) : "";
		size_t len = json_is_string(v) ? json_string_length(v) : 0;
		int e = mbr_currency_exp(c, len);

		if (e < 0 || len >= sizeof(m->cur) || strlen(c) != len) {
			rc = mbr_conf_bad(&cf, "currency", "is not a "
			    "currency code");
			goto out;
		}
		memcpy(m->cur, c, len + 1);
		m->exp = e;
	}
	rc = MBR_OK;
out:
	json_decref(root);
	return rc;
}

static int
load_model(struct clv *g, mbr_err *err)
{
	mbr_clv_model m;
	int rc;

	if ((rc = mbr_clv_model_read(&m, g->o->model, err)) != MBR_OK)
		return rc;
	g->bg = m.bg;
	g->gg = m.gg;
	g->have_gg = m.have_gg;
	g->unit = m.unit;
	g->monetary_all = m.monetary_all;
	if (m.exp >= 0) {
		/* the model's gamma is in this currency: orders in
		 * another are rejected, not priced in it */
		memcpy(g->cur, m.cur, sizeof(g->cur));
		memcpy(g->cur0, g->cur, sizeof(g->cur0));
		g->exp = m.exp;
		g->fixed = 1;
	}
	return MBR_OK;
}

/* A distinct history's predictions, computed once however many members
 * share it. */
struct pred {
	double	p_alive, expected, disc;
};

static const struct pred *
predict_hist(struct clv *g, const struct mem *m)
{
	uint32_t key[3];
	struct pred *p;
	int isnew;
	double u = g->unit, x, tx, T;

	key[0] = m->days - 1;
	key[1] = (uint32_t)(m->last - m->first);
	key[2] = (uint32_t)(g->cal_end - m->first);
	p = mbr_tab_upsert(g->cache, (const char *)key, sizeof(key), &isnew);
	if (isnew) {
		x = key[0];
		tx = key[1] / u;
		T = key[2] / u;
		p->p_alive = mbr_bgnbd_p_alive(&g->bg, x, tx, T);
		p->disc = discounted(&g->bg, (double)g->o->horizon, u,
		    g->o->discount, x, tx, T, &p->expected);
	}
	return p;
}

/* Writes a member's predictions (m NULL or without a purchase: nulls);
 * all: x, t_x, T and mean_spend first. */
static void
put_pred(struct clv *g, mbr_writer *w, const struct mem *m, int all)
{
	struct pout *o = &g->out;
	const struct pred *p = NULL;
	double aov = NAN, mean = NAN;
	int64_t sp = 0;
	uint32_t k = 0;
	int i;

	if (m != NULL && m->days > 0) {
		p = predict_hist(g, m);
		k = spend_of(g, m, &sp);
		if (k > 0)
			mean = (double)sp / k / pow(10, g->exp);
		if (g->have_gg)
			aov = mbr_gamgam_aov(&g->gg, k, k > 0 ?
			    (mean > 0 ? mean : 0) : 0);
	}
	if (all) {
		if (p == NULL) {
			for (i = 0; i < 4; i++)
				mbr_writer_null(w, hfields[i]);
		} else {
			mbr_writer_int(w, "x", m->days - 1);
			o->n[0] = fmt_num(o->buf[0],
			    (double)(m->last - m->first) / g->unit);
			mbr_writer_field(w, MBR_SLICE("t_x"), (mbr_slice){
			    o->buf[0], o->n[0] }, MBR_V_NUM);
			o->n[1] = fmt_num(o->buf[1],
			    (double)(g->cal_end - m->first) / g->unit);
			mbr_writer_field(w, MBR_SLICE("T"), (mbr_slice){
			    o->buf[1], o->n[1] }, MBR_V_NUM);
			if (k > 0) {
				o->n[2] = fmt_mean(g, o->buf[2], sp, k);
				mbr_writer_field(w, MBR_SLICE("mean_spend"),
				    (mbr_slice){ o->buf[2], o->n[2] },
				    MBR_V_PLAIN);
			} else
				mbr_writer_null(w, "mean_spend");
		}
	}
	o->n[3] = p ? fmt_num(o->buf[3], p->p_alive) : 0;
	o->n[4] = p ? fmt_num(o->buf[4], p->expected) : 0;
	o->n[5] = p ? fmt_money(g, o->buf[5], aov) : 0;
	o->n[6] = p ? fmt_money(g, o->buf[6], aov * p->disc) : 0;
	for (i = 0; i < 4; i++) {
		if (o->n[3 + i] == 0)
			mbr_writer_null(w, pfields[i]);
		else
			mbr_writer_field(w, (mbr_slice){ pfields[i],
			    strlen(pfields[i]) }, (mbr_slice){ o->buf[3 + i],
			    o->n[3 + i] }, i < 2 ? MBR_V_NUM : MBR_V_PLAIN);
	}
}

/* --members: each profile in its file's order, with the predictions
 * (nulls for a member without a purchase), its own fields of those
 * names replaced. */
static int
profiles(struct clv *g, mbr_err *err)
{
	mbr_reader_opts ro = g->c->ro;
	mbr_reader *rd;
	mbr_rec rec;
	char *files[1] = { (char *)g->o->members };
	unsigned char *skip = NULL;
	int r, ix, rc = MBR_OK, i, j;
	size_t k;
	mbr_tab *seen = mbr_tab_new(sizeof(unsigned long));

	ro.progress = 0;
	if ((rc = mbr_reader_open(&rd, &ro, 1, files, err)) != MBR_OK) {
		mbr_tab_free(seen);
		return rc;
	}
	ix = mbr_reader_col(rd, "member_id", 9);
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_slice id;
		struct mem *m;
		unsigned long *at;
		int isnew;

		if (r == MBR_READ_FILE) {
			size_t nh;

			mbr_reader_header(rd, &nh);
			if (mbr_reader_format(rd) == MBR_FMT_CSV && nh > 0 &&
			    !mbr_reader_has(rd, ix)) {
				rc = mbr_err_set(err, MBR_EUSAGE, "missing "
				    "column \"member_id\"");
				mbr_err_at(err, g->o->members, 1);
				break;
			}
			continue;
		}
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		id = rec.f[ix];
		if (id.p == NULL || id.n == 0 || rec.type[ix] == MBR_V_NULL) {
			mbr_reject(g->run.rj, rd, &rec, "missing member_id",
			    "member_id is missing");
			continue;
		}
		at = mbr_tab_upsert(seen, id.p, id.n, &isnew);
		if (!isnew) {
			mbr_rejectf(g->run.rj, rd, &rec, "duplicate member",
			    "member_id \"%.*s\" is already at line %lu",
			    (int)id.n, id.p, *at);
			continue;
		}
		*at = rec.line;
		m = mbr_tab_get(g->m, id.p, id.n);
		if (m != NULL)
			m->flags |= EMITTED;
		k = (size_t)mbr_reader_ncols(rd);
		skip = mbr_xrealloc(skip, k + 1);
		for (i = 0; i < (int)k; i++) {
			mbr_slice nm = mbr_reader_colname(rd, i);

			skip[i] = mbr_slice_eq(nm, "member_id", 9);
			for (j = 0; j < 4; j++)
				if (mbr_slice_eq(nm, pfields[j],
				    strlen(pfields[j])))
					skip[i] = 1;
		}
		mbr_writer_field(g->run.w, MBR_SLICE("member_id"), id,
		    rec.type[ix] == MBR_V_NUM ? MBR_V_NUM : MBR_V_STR);
		mbr_writer_rec(g->run.w, rd, &rec, skip);
		put_pred(g, g->run.w, m, 0);
		if ((rc = mbr_writer_end(g->run.w, err)) != MBR_OK)
			break;
	}
	if (rc == MBR_OK)
		rc = err->code;
	g->run.side += mbr_reader_count(rd);
	free(skip);
	mbr_tab_free(seen);
	mbr_reader_free(rd);
	return rc;
}

static int
predict(struct clv *g, mbr_err *err)
{
	size_t i, n = mbr_tab_count(g->m);
	int rc = MBR_OK, all = g->o->members == NULL;

	g->cache = mbr_tab_new(sizeof(struct pred));
	if (g->o->members != NULL && (rc = profiles(g, err)) != MBR_OK)
		return rc;
	for (i = 0; i < n; i++) {
		const struct mem *m = mbr_tab_val(g->m, i);
		mbr_slice id = mbr_tab_key(g->m, i);

		if (m->days == 0 || (m->flags & EMITTED))
			continue;
		mbr_writer_field(g->run.w, MBR_SLICE("member_id"), id,
		    MBR_V_STR);
		put_pred(g, g->run.w, m, all);
		if ((rc = mbr_writer_end(g->run.w, err)) != MBR_OK)
			return rc;
	}
	if (mbr_writer_count(g->run.w) == 0 && all) {
		static const mbr_slice names[] = { { "member_id", 9 },
		    { "x", 1 }, { "t_x", 3 }, { "T", 1 }, { "mean_spend", 10 },
		    { "p_alive", 7 }, { "expected_purchases", 18 },
		    { "expected_aov", 12 }, { "clv", 3 } };

		mbr_writer_header(g->run.w, names, 9);
	}
	return MBR_OK;
}

/* --- the run --- */

/* Whether mbr_run_close will fail the run for its rejects. */
static int
rejects_over(const struct clv *g)
{
	uint64_t n = mbr_rejects_count(g->run.rj);
	uint64_t records = mbr_reader_count(g->run.rd);
	const mbr_limit *l = &g->c->max_rejects;

	if (l->set)
		return mbr_limit_over(l, n, records);
	return records > 0 && n >= records;
}

/* "YYYY-MM-DD" into a day number, or -1 with err set. */
static int
parse_date(const char *opt, const char *s, int64_t *day, mbr_err *err)
{
	unsigned y, mo, d;
	int64_t back;
	int64_t yy;
	unsigned m2, d2;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4u-%2u-%2u", &y, &mo, &d) != 3 ||
	    !mbr_isdigit(s[0]) || !mbr_isdigit(s[5]) || !mbr_isdigit(s[8]) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31)
		goto bad;
	*day = mbr_days_from_civil(y, mo, d);
	mbr_civil_from_days(*day, &yy, &m2, &d2);
	back = yy;
	if (back != (int64_t)y || m2 != mo || d2 != d)
		goto bad;
	return MBR_OK;
bad:
	return mbr_err_set(err, MBR_EUSAGE, "%s: \"%s\" is not a date "
	    "(YYYY-MM-DD)", opt, s);
}

int
mbr_clv_run(const mbr_cli *c, const mbr_clv_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct clv g;
	struct suff sf;
	int rc, i, predicting = o->cmd == MBR_CLV_PREDICT;
	char d1[16], d2[16];

	memset(&g, 0, sizeof(g));
	memset(&sf, 0, sizeof(sf));
	g.c = c;
	g.o = o;
	g.exp = -1;
	g.unit = o->unit;
	g.monetary_all = o->monetary_all;
	snprintf(g.cur, sizeof(g.cur), "CNY");
	if (o->currency != NULL) {
		if (strlen(o->currency) >= sizeof(g.cur) ||
		    (g.exp = mbr_currency_exp(o->currency,
		    strlen(o->currency))) < 0) {
			rc = mbr_err_set(err, MBR_EUSAGE, "--currency: \"%s\" "
			    "is not a currency code", o->currency);
			goto out;
		}
		snprintf(g.cur, sizeof(g.cur), "%s", o->currency);
		g.fixed = 1;
	}
	memcpy(g.cur0, g.cur, sizeof(g.cur0));
	if (predicting && (rc = load_model(&g, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_cli_tz(c, &g.tz, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_time_now(&g.asof, c->as_of, g.tz, err)) != MBR_OK)
		goto out;
	g.asof_day = local_day(&g, g.asof.t);
	g.cal_end = g.asof_day;
	if (o->calibration_end != NULL) {
		if ((rc = parse_date("--calibration-end", o->calibration_end,
		    &g.cal_end, err)) != MBR_OK)
			goto out;
		if (g.cal_end > g.asof_day) {
			mbr_date_fmt(d1, g.asof_day);
			rc = mbr_err_set(err, MBR_EUSAGE, "--calibration-end "
			    "%s is after --as-of (%s)", o->calibration_end,
			    d1);
			goto out;
		}
	}
	g.hold_end = g.cal_end;
	if (o->holdout_end != NULL) {
		if (o->calibration_end == NULL) {
			rc = mbr_err_set(err, MBR_EUSAGE, "--holdout-end needs "
			    "--calibration-end");
			goto out;
		}
		if ((rc = parse_date("--holdout-end", o->holdout_end,
		    &g.hold_end, err)) != MBR_OK)
			goto out;
		mbr_date_fmt(d1, g.cal_end);
		mbr_date_fmt(d2, g.asof_day);
		if (g.hold_end <= g.cal_end) {
			rc = mbr_err_set(err, MBR_EUSAGE, "--holdout-end %s is "
			    "not after --calibration-end %s", o->holdout_end,
			    d1);
			goto out;
		}
		if (g.hold_end > g.asof_day) {
			rc = mbr_err_set(err, MBR_EUSAGE, "--holdout-end %s is "
			    "after --as-of (%s): the holdout has not ended",
			    o->holdout_end, d2);
			goto out;
		}
	}
	g.base = g.hold_end - ((int64_t)1 << DAYBITS) + 1;
	g.o_cal = g.cal_end;
	g.o_hold = g.hold_end;
	g.m = mbr_tab_new(sizeof(struct mem));
	if ((rc = mbr_run_open(&g.run, c, nfiles, files, predicting ||
	    o->partial, err)) != MBR_OK)
		goto close;
	if (!predicting && !o->partial && (rc = mbr_output_open(&g.jout,
	    c->output, MBR_OUT_ATOMIC | (c->gzip ? MBR_OUT_GZIP : 0),
	    err)) != MBR_OK)
		goto close;
	if (!predicting) {
		if (o->merge) {
			rc = read_partials(&g, &sf, err);
			if (rc == MBR_OK)
				rc = merge_check(&g, err);
		} else if ((rc = read_orders(&g, err)) == MBR_OK)
			suff_of_members(&g, &sf);
		if (rc != MBR_OK)
			goto close;
		summary_line(&g, &sf);
		/* A run that rejected too much fails (mbr_run_close says
		 * so): no model of what is left, not even on stdout. */
		if (!rejects_over(&g))
			rc = o->partial ? write_partial(&g, &sf, err) :
			    fit(&g, &sf, err);
		goto close;
	}
	if ((rc = read_orders(&g, err)) != MBR_OK)
		goto close;
	if (!c->quiet) {
		size_t i, buyers = 0;

		for (i = 0; i < mbr_tab_count(g.m); i++)
			buyers += ((struct mem *)mbr_tab_val(g.m, i))->days > 0;
		fprintf(stderr, "%s: %llu orders: %llu paid in the period, "
		    "%llu paid after it, %llu after --as-of, %llu refunded, "
		    "cancelled or pending, %llu rejected; %zu members with "
		    "a purchase\n", mbr_progname(),
		    mbr_reader_count(g.run.rd),
		    (unsigned long long)g.n_paid,
		    (unsigned long long)g.n_after,
		    (unsigned long long)g.n_future,
		    (unsigned long long)g.n_other,
		    (unsigned long long)mbr_rejects_count(g.run.rj), buyers);
	}
	rc = predict(&g, err);
close:
	if (g.jout != NULL) {
		mbr_err e2 = { 0 };

		/* A failed fit keeps the old model (the output is held
		 * until mbr_run_close judges the run). */
		if (mbr_output_close(g.jout, &e2) != MBR_OK && rc == MBR_OK) {
			*err = e2;
			rc = e2.code;
		}
	}
	rc = mbr_run_close(&g.run, c, err);
out:
	suff_release(&sf);
	for (i = 0; i < F_N; i++)
		free(g.pf[i]);
	mbr_split_free(g.chunks);
	olog_free(&g.log);
	mbr_tab_free(g.m);
	mbr_tab_free(g.cache);
	mbr_tz_free(g.tz);
	return rc;
}
