/* mbr_dist.c: see mbr_dist.h.
 *
 * The working precision is long double (a 64-bit mantissa on x86-64).
 * The incomplete beta and gamma functions are a continued fraction or
 * series times exp(a log x + b log y - log B(a, b)), and that exponent
 * is a sum of terms as large as a and b: each bit of rounding in it is
 * a relative error of the result.  Eleven more bits keep the result at
 * double precision for the parameters a Welch test meets (df / 2 in
 * the millions), and the sums of mbr_beta_gt (two million terms) too.
 *
 * log Gamma is our own (Stirling's series above 10, the recurrence
 * below): libm's lgamma writes the global signgam, a data race when
 * two threads judge two experiments, and lgammal's accuracy is the
 * platform's. */
#include <float.h>
#include <math.h>

#include "mbr_dist.h"

#define LN_SQRT_2PI	0.918938533204672741780329736405617639861L
#define SQRT1_2		0.707106781186547524400844362104849039284L

/* Continued fractions stop when a step changes the value by less than
 * this: below double's 1.1e-16, so the double result is settled. */
#define CF_EPS		1e-17L
/* Lentz's stand-in for a zero denominator. */
#define CF_TINY		(LDBL_MIN / LDBL_EPSILON)
/* Iterations a continued fraction or series may take: a cap against a
 * runaway only.  They take O(sqrt(max(a, b))) at most, 386 for
 * I_x(1e7, 1e7) at x near the mean. */
#define CF_MAXIT	1000000

/* mbr_beta_gt sums at most this many terms (9 ms on this machine);
 * above, the normal approximation. */
#ifndef BETA_GT_TERMS
#define BETA_GT_TERMS	2000000.0
#endif

/* lgamma(x) minus Stirling's approximation (x - 1/2) log x - x +
 * log sqrt(2 pi), for x >= 10: the series sum B_2k / (2k (2k-1)
 * x^(2k-1)), whose eleventh term is 1.3e-20 at x = 10. */
static long double
gamcor(long double x)
{
	static const long double c[] = {
		1.0L / 12, -1.0L / 360, 1.0L / 1260, -1.0L / 1680,
		1.0L / 1188, -691.0L / 360360, 1.0L / 156,
		-3617.0L / 122400, 43867.0L / 244188, -174611.0L / 125400
	};
	long double r = 1 / x, r2 = r * r, s = 0;
	int i;

	for (i = 9; i >= 0; i--)
		s = s * r2 + c[i];
	return s * r;
}

/* log Gamma(x), x > 0 and finite. */
static long double
lgam(long double x)
{
	long double p = 1;

	while (x < 10) {
		p *= x;
		x += 1;
	}
	return (x - 0.5L) * logl(x) - x + LN_SQRT_2PI + gamcor(x) - logl(p);
}

/* log B(a, b), a, b > 0 and finite.  Spelled out, lgamma(a) + lgamma(b)
 * - lgamma(a + b) loses the bits of numbers as large as a log a; with
 * Stirling's series the large parts cancel on paper instead (R's
 * lbeta does the same). */
static long double
lbetal(long double a, long double b)
{
	long double p = a < b ? a : b, q = a < b ? b : a, r = p / (p + q);

	if (p >= 10)
		return -0.5L * logl(q) + LN_SQRT_2PI + gamcor(p) + gamcor(q) -
		    gamcor(p + q) + (p - 0.5L) * logl(r) + q * log1pl(-r);
	if (q >= 10)
		return lgam(p) + gamcor(q) - gamcor(p + q) + p -
		    p * logl(p + q) + (q - 0.5L) * log1pl(-r);
	return lgam(p) + lgam(q) - lgam(p + q);
}

double
mbr_lbeta(double a, double b)
{
	if (!(a > 0 && b > 0))
		return NAN;
	if (isinf(a) || isinf(b))
		return -INFINITY;
	return (double)lbetal(a, b);
}

/* x^a e^-x / Gamma(a).  For a >= 10 the exponent is rearranged so
 * that a log x and x, both large, cancel on paper: a (log1p(d) - d)
 * + log(a) / 2 - log sqrt(2 pi) - gamcor(a) with d = (x - a) / a. */
static long double
gamma_front(long double a, long double x)
{
	long double d;

	if (a < 10)
		return expl(a * logl(x) - x - lgam(a));
	d = (x - a) / a;
	return expl(a * (log1pl(d) - d) + 0.5L * logl(a) - LN_SQRT_2PI -
	    gamcor(a));
}

/* Q(a, x), a > 0 and x > 0 finite: below x = a + 1 the series of
 * P(a, x) converges fast and Q is its complement (Q is then above 0.08
 * for every a >= 1/2, so nothing of its precision is lost); above, the
 * continued fraction of Q itself (Numerical Recipes' gser and gcf, by
 * modified Lentz). */
static long double
gammaq(long double a, long double x)
{
	long double b, c, d, h, an, del, sum, ap;
	long i;

	if (x < a + 1) {
		ap = a;
		sum = del = 1 / a;
		for (i = 0; i < CF_MAXIT; i++) {
			ap += 1;
			del *= x / ap;
			sum += del;
			if (del < sum * CF_EPS)
				break;
		}
		return 1 - sum * gamma_front(a, x);
	}
	b = x + 1 - a;
	c = 1 / CF_TINY;
	d = 1 / b;
	h = d;
	for (i = 1; i <= CF_MAXIT; i++) {
		an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabsl(d) < CF_TINY)
			d = CF_TINY;
		c = b + an / c;
		if (fabsl(c) < CF_TINY)
			c = CF_TINY;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabsl(del - 1) < CF_EPS)
			break;
	}
	return gamma_front(a, x) * h;
}

double
mbr_gammainc_q(double a, double x)
{
	if (!(a > 0) || isinf(a) || isnan(x))
		return NAN;
	if (x <= 0)
		return 1;
	if (isinf(x))
		return 0;
	return (double)gammaq(a, x);
}

double
mbr_chi2_sf(double x, double df)
{
	if (!(df > 0) || isinf(df) || isnan(x))
		return NAN;
	return mbr_gammainc_q(df / 2, x / 2);
}

/* The continued fraction of I_x(a, b) (Numerical Recipes' betacf, by
 * the modified Lentz method), which converges fast for x below
 * (a + 1) / (a + b + 2). */
static long double
betacf(long double a, long double b, long double x)
{
	long double c = 1, d, h, aa, del, m, m2;
	long it;

	d = 1 - (a + b) * x / (a + 1);
	if (fabsl(d) < CF_TINY)
		d = CF_TINY;
	d = 1 / d;
	h = d;
	for (it = 1; it <= CF_MAXIT; it++) {
		m = it;
		m2 = 2 * m;
		aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabsl(d) < CF_TINY)
			d = CF_TINY;
		c = 1 + aa / c;
		if (fabsl(c) < CF_TINY)
			c = CF_TINY;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
		d = 1 + aa * d;
		if (fabsl(d) < CF_TINY)
			d = CF_TINY;
		c = 1 + aa / c;
		if (fabsl(c) < CF_TINY)
			c = CF_TINY;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabsl(del - 1) < CF_EPS)
			break;
	}
	return h;
}

/* I_x(a, b) for b small, a large and x not small, by DiDonato and
 * Morris's asymptotic expansion (BGRAT, ACM TOMS 18 (1992) 360-373,
 * section 9).  There the continued fraction is useless: with a t test
 * on 10^12 df its steps cancel to 1e-8.  With t = e^-w the integral
 * of t^(a-1) (1-t)^(b-1) is that of e^(-T w) w^(b-1) (sinh(w/2) /
 * (w/2))^(b-1), T = a + (b - 1) / 2; expanding the last factor as
 * sum p_n (w/2)^2n and integrating from L = -log x gives
 *
 *	I_x(a, b) = Gamma(a + b) / (Gamma(a) T^b) sum p_n J_n,
 *	J_n = Gamma(b + 2n, u) / (Gamma(b) (2T)^2n),  u = T L,
 *
 * asymptotic in 1/T and convergent like (L / 2 pi)^2n besides.  J_0 is
 * Q(b, u) and J_n follows from Gamma(s + 1, u) = s Gamma(s, u) + u^s
 * e^-u; the p_n, the coefficients of (sinh z / z)^(b-1), by J. C. P.
 * Miller's rule for a power of a series. */
#define BGRAT_TERMS	30
/* Where the expansion takes over from the fraction: a at least 1000,
 * b at most 5, x at least 1/2.  Against mpmath the fraction's error
 * there grows with a (4e-13 on 2e7 df, 5e-5 on 1e15), the expansion's
 * stays below 2e-16 down to a = 15 for b = 1/2. */
#ifndef BGRAT_A
#define BGRAT_A		1000
#endif
#define BGRAT_B		5

static long double
bgrat(long double a, long double b, long double x, long double y)
{
	long double T = a + (b - 1) / 2, L, u, h, J, sum, term, l2, l2n;
	long double s[BGRAT_TERMS], p[BGRAT_TERMS], f = 1;
	int n, k;

	L = x < 0.5L ? -logl(x) : -log1pl(-y);
	u = T * L;
	h = gamma_front(b, u);
	J = gammaq(b, u);
	sum = J;
	p[0] = 1;
	l2 = L * L / 4;
	l2n = 1;
	for (n = 1; n < BGRAT_TERMS; n++) {
		long double bn = b + 2 * (n - 1);

		f *= (2 * n) * (2 * n + 1);
		s[n] = 1 / f;	/* of sinh z / z = sum z^2n / (2n+1)! */
		p[n] = 0;
		for (k = 1; k <= n; k++)
			p[n] += (k * b - n) * s[k] * p[n - k];
		p[n] /= n;
		J = (bn * (bn + 1) * J + (u + bn + 1) * h * l2n) / (4 * T * T);
		l2n *= l2;
		term = p[n] * J;
		sum += term;
		if (fabsl(term) <= CF_EPS / 10 * sum)
			break;
	}
	/* Gamma(a + b) / Gamma(a) as Gamma(b) / B(a, b): no cancellation
	 * of lgamma(a + b) against lgamma(a). */
	return expl(lgam(b) - lbetal(a, b) - b * logl(T)) * sum;
}

/* I_x(a, b) with y = 1 - x from the caller: a t statistic's tail is a
 * small y, which 1 - x would round away.  The fraction is evaluated on
 * the side where it converges, I_x(a, b) = 1 - I_y(b, a) on the other. */
static long double
ibeta(long double a, long double b, long double x, long double y)
{
	long double lx, ly, front;

	if (x <= 0)
		return 0;
	if (y <= 0)
		return 1;
	if (b <= BGRAT_B && a >= BGRAT_A && x >= 0.5L)
		return bgrat(a, b, x, y);
	if (a <= BGRAT_B && b >= BGRAT_A && y >= 0.5L &&
	    x * (a + b + 2) >= a + 1)
		return 1 - bgrat(b, a, y, x);	/* the fraction's side too */
	lx = x < 0.5L ? logl(x) : log1pl(-y);
	ly = y < 0.5L ? logl(y) : log1pl(-x);
	front = expl(a * lx + b * ly - lbetal(a, b));
	if (x * (a + b + 2) < a + 1)
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, y) / b;
}

double
mbr_betainc(double a, double b, double x)
{
	if (!(a > 0 && b > 0) || isinf(a) || isinf(b) || isnan(x))
		return NAN;
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	return (double)ibeta(a, b, x, 1 - (long double)x);
}

double
mbr_norm_pdf(double x)
{
	if (isnan(x))
		return NAN;
	return (double)expl(-0.5L * x * x - LN_SQRT_2PI);
}

/* erfc keeps the relative precision of a small tail, 1 - erf would
 * not; the argument is scaled in long double so that its rounding
 * (relative 1e-16, times x^2 in the result) stays below double's. */
double
mbr_norm_cdf(double x)
{
	if (isnan(x))
		return NAN;
	return (double)(0.5L * erfcl(-x * SQRT1_2));
}

double
mbr_norm_sf(double x)
{
	if (isnan(x))
		return NAN;
	return (double)(0.5L * erfcl(x * SQRT1_2));
}

/* Wichura, Algorithm AS 241: The percentage points of the normal
 * distribution, Applied Statistics 37 (1988) 477-484, PPND16: rational
 * approximations in three ranges, good to about 1e-16. */
static long double
poly8(const long double *c, long double x)
{
	int i;
	long double s = c[7];

	for (i = 6; i >= 0; i--)
		s = s * x + c[i];
	return s;
}

double
mbr_norm_ppf(double p)
{
	static const long double a[8] = {
		3.3871328727963666080e0L, 1.3314166789178437745e+2L,
		1.9715909503065514427e+3L, 1.3731693765509461125e+4L,
		4.5921953931549871457e+4L, 6.7265770927008700853e+4L,
		3.3430575583588128105e+4L, 2.5090809287301226727e+3L
	}, b[8] = {
		1, 4.2313330701600911252e+1L,
		6.8718700749205790830e+2L, 5.3941960214247511077e+3L,
		2.1213794301586595867e+4L, 3.9307895800092710610e+4L,
		2.8729085735721942674e+4L, 5.2264952788528545610e+3L
	}, c[8] = {
		1.42343711074968357734e0L, 4.63033784615654529590e0L,
		5.76949722146069140550e0L, 3.64784832476320460504e0L,
		1.27045825245236838258e0L, 2.41780725177450611770e-1L,
		2.27238449892691845833e-2L, 7.74545014278341407640e-4L
	}, d[8] = {
		1, 2.05319162663775882187e0L,
		1.67638483018380384940e0L, 6.89767334985100004550e-1L,
		1.48103976427480074590e-1L, 1.51986665636164571966e-2L,
		5.47593808499534494600e-4L, 1.05075007164441684324e-9L
	}, e[8] = {
		6.65790464350110377720e0L, 5.46378491116411436990e0L,
		1.78482653991729133580e0L, 2.96560571828504891230e-1L,
		2.65321895265761230930e-2L, 1.24266094738807843860e-3L,
		2.71155556874348757815e-5L, 2.01033439929228813265e-7L
	}, f[8] = {
		1, 5.99832206555887937690e-1L,
		1.36929880922735805310e-1L, 1.48753612908506148525e-2L,
		7.86869131145613259100e-4L, 1.84631831751005468180e-5L,
		1.42151175831644588870e-7L, 2.04426310338993978564e-15L
	};
	long double q, r, v;

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	q = p - 0.5L;
	if (fabsl(q) <= 0.425L) {
		r = 0.180625L - q * q;
		return (double)(q * poly8(a, r) / poly8(b, r));
	}
	/* 1 - p is exact here (p > 0.5), so p near 1 loses nothing. */
	r = sqrtl(-logl(q < 0 ? p : 1 - (long double)p));
	if (r <= 5) {
		r -= 1.6L;
		v = poly8(c, r) / poly8(d, r);
	} else {
		r -= 5;
		v = poly8(e, r) / poly8(f, r);
	}
	return (double)(q < 0 ? -v : v);
}

/* P(T > t) for t >= 0: I_x(df/2, 1/2) / 2 at x = df / (df + t^2), with
 * y = t^2 / (df + t^2) formed directly (t^2 of a double cannot
 * overflow a long double). */
static long double
t_sf_pos(long double t, long double df)
{
	long double tt = t * t;

	if (isinf(t))
		return 0;
	return 0.5L * ibeta(df / 2, 0.5L, df / (df + tt), tt / (df + tt));
}

double
mbr_t_sf(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(df))
		return mbr_norm_sf(t);
	if (t >= 0)
		return (double)t_sf_pos(t, df);
	return (double)(1 - t_sf_pos(-(long double)t, df));
}

double
mbr_t_cdf(double t, double df)
{
	if (isnan(t))
		return NAN;
	return mbr_t_sf(-t, df);
}

/* The t density, for Newton's steps. */
static long double
t_pdf(long double t, long double df)
{
	return expl(-lbetal(df / 2, 0.5L) - 0.5L * logl(df) -
	    (df + 1) / 2 * log1pl(t * t / df));
}

/* The t > 0 with P(T > t) = q, 0 < q < 0.5.  Newton's method on
 * log sf(t) - log q, which is nearly linear in the tails (where sf
 * itself spans hundreds of decades), kept inside a bracket that every
 * step narrows and that bisection takes over when a step leaves it.
 * The bracket: t's tail is heavier than the normal one, so the normal
 * quantile is below the root; sf(t) is below the integral of the
 * density with 1 + s^2/df replaced by s^2/df, whose quantile is then
 * above it. */
static double
t_isf(double q, double df)
{
	long double lq = logl(q), lo, hi, lhi, t, tn, s, f;
	int i;

	lo = -mbr_norm_ppf(q);
	lhi = (-lbetal(df / 2, 0.5L) + (df / 2 - 1) * logl(df) - lq) / df;
	hi = lhi < logl(DBL_MAX) ? expl(lhi) : DBL_MAX;
	if (hi <= lo)
		hi = 2 * lo;	/* rounding, never on paper */
	if (hi >= DBL_MAX && t_sf_pos(DBL_MAX, df) > q)
		return INFINITY;
	t = lo;
	for (i = 0; i < 400; i++) {
		s = t_sf_pos(t, df);
		if (s > q)
			lo = t;
		else if (s < q)
			hi = t;
		else
			break;
		f = s > 0 ? logl(s) - lq : -INFINITY;
		tn = isinf(f) ? lo : t + f * s / t_pdf(t, df);
		/* A step this small is the remaining error, or the noise
		 * of sf's last bits: done, even if it lands on an end of
		 * the bracket (as a step below the resolution of t does). */
		if (fabsl(tn - t) <= 2e-16L * t) {
			t = tn;
			break;
		}
		if (!(tn > lo && tn < hi))
			tn = hi > 4 * lo ? sqrtl(lo * hi) : (lo + hi) / 2;
		t = tn;
		if (hi - lo <= 4 * LDBL_EPSILON * hi)
			break;		/* the bracket is down to t's last bits */
	}
	return (double)t;
}

double
mbr_t_ppf(double p, double df)
{
	double t;

	if (isnan(p) || p < 0 || p > 1 || !(df > 0))
		return NAN;
	if (isinf(df))
		return mbr_norm_ppf(p);
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0;
	/* 1 - p is exact for p >= 0.5. */
	t = t_isf(p < 0.5 ? p : 1 - p, df);
	return p < 0.5 ? -t : t;
}

/* Evan Miller's closed form (www.evanmiller.org/bayesian-ab-testing.html):
 * for X1 ~ Beta(a1, b1), X2 ~ Beta(n, b2), n an integer,
 *
 *	P(X2 > X1) = sum over i < n of B(a1 + i, b1 + b2) /
 *	    ((b2 + i) B(1 + i, b2) B(a1, b1)).
 *
 * Term 0 is B(a1, b1 + b2) / B(a1, b1) and term i+1 is term i times
 * (a1 + i) (b2 + i) / ((a1 + b1 + b2 + i) (i + 1)), so the sum costs a
 * few multiplications a term, and only the first needs logarithms.
 * Terms are kept relative to a running scale: term 0 may be far below
 * the smallest long double while the largest term is near 1. */
static long double
gt_sum(long double a1, long double b1, long double n, long double b2)
{
	long double t = 1, s = 0, scale, i;

	scale = lbetal(a1, b1 + b2) - lbetal(a1, b1);
	for (i = 0; i < n; i++) {
		s += t;
		t *= (a1 + i) * (b2 + i) / ((a1 + b1 + b2 + i) * (i + 1));
		if (t > 1e300L) {
			s /= t;
			scale += logl(t);
			t = 1;
		}
	}
	return s * expl(scale);
}

/* Beta(a, b)'s mean, variance and third cumulant. */
static void
beta_moments(long double a, long double b, long double *m, long double *v,
    long double *k3)
{
	long double s = a + b;

	*m = a / s;
	*v = *m * (b / s) / (s + 1);
	*k3 = 2 * *v * (b - a) / (s * (s + 2));
}

/* P(XB > XA) when every parameter is above two million: the difference
 * D = XB - XA is normal to within its skewness, which is below 0.002
 * and is corrected for by the first term of its Edgeworth series,
 *
 *	P(D > 0) = Phi(mu / sigma) + gamma / 6 (z^2 - 1) phi(z),
 *	z = -mu / sigma, gamma = (k3(XB) - k3(XA)) / sigma^3.
 *
 * Against the exact sum at two to twenty million members a variant,
 * the plain normal was off by up to 2e-5 (unequal group sizes: the
 * skewnesses do not cancel), this by at most 1e-7 (see
 * tests/unit/test_dist.c).  The means' difference is formed as one
 * fraction, not as two close numbers subtracted. */
static long double
gt_normal(long double aA, long double bA, long double aB, long double bB)
{
	long double mA, vA, kA, mB, vB, kB, mu, sd, z, g;

	beta_moments(aA, bA, &mA, &vA, &kA);
	beta_moments(aB, bB, &mB, &vB, &kB);
	mu = (aB * bA - aA * bB) / ((aA + bA) * (aB + bB));
	sd = sqrtl(vA + vB);
	z = -mu / sd;
	g = (kB - kA) / (sd * sd * sd);
	return mbr_norm_sf((double)z) + g / 6 * (z * z - 1) *
	    mbr_norm_pdf((double)z);
}

static int
count_ok(double x)
{
	return x >= 1 && x <= 9007199254740992.0 && floor(x) == x;
}

/* The sum runs over one parameter of the four, by the symmetries
 * P(XB > XA) = 1 - P(XA > XB) and, as 1 - X ~ Beta(b, a),
 * P(XB > XA) = P(1 - XA > 1 - XB):
 *
 *	over aB: gt_sum(aA, bA, aB, bB)
 *	over bA: gt_sum(bB, aB, bA, aA)
 *	over aA: 1 - gt_sum(aB, bB, aA, bA)
 *	over bB: 1 - gt_sum(bA, aA, bB, aB)
 *
 * The shortest is taken.  A complement loses the relative precision of
 * a small result, so a small one from a complement is summed again
 * directly when that is affordable; it rarely comes to that, as the
 * short sum is the one over the variant with fewer conversions (or
 * non-conversions), which is the likely loser, and a direct sum gives
 * the chance that a loser wins. */
double
mbr_beta_gt(double aA, double bA, double aB, double bB)
{
	long double nd, nc, r;

	if (!count_ok(aA) || !count_ok(bA) || !count_ok(aB) ||
	    !count_ok(bB))
		return NAN;
	nd = aB < bA ? aB : bA;
	nc = aA < bB ? aA : bB;
	if (nd <= nc && nd <= BETA_GT_TERMS)
		r = aB <= bA ? gt_sum(aA, bA, aB, bB) : gt_sum(bB, aB, bA, aA);
	else if (nc <= BETA_GT_TERMS) {
		r = 1 - (aA <= bB ? gt_sum(aB, bB, aA, bA) :
		    gt_sum(bA, aA, bB, aB));
		if (r < 1e-3L && nd <= BETA_GT_TERMS)
			r = aB <= bA ? gt_sum(aA, bA, aB, bB) :
			    gt_sum(bB, aB, bA, aA);
	} else
		r = gt_normal(aA, bA, aB, bB);
	if (r < 0)
		r = 0;
	if (r > 1)
		r = 1;
	return (double)r;
}
