/* mbr_dist.h: the distribution functions mbr-abtest's verdicts rest on.
 *
 * A p-value near the decision line or a chance to beat control of
 * 0.9999 is read by people, so these are computed to close to double
 * precision, with libm only: the normal, Student's t (non-integer df,
 * for Welch), chi-square, the incomplete beta and gamma functions they
 * reduce to, and P(one beta variable exceeds another) for the Bayesian
 * read.  The errors quoted are the largest met against mpmath at 40
 * digits, in tests/unit/test_dist.c and in wider grids when the code
 * was written.
 *
 * Each function is deterministic and returns a number, never NaN, for
 * every input in its stated domain; outside it (NaN included) the
 * result is NaN.  An upper tail ("sf", survival function) is computed
 * as such, not as 1 - cdf, so that it keeps its relative precision
 * down to 1e-300: a z of 40 has sf 3.7e-350, which is 0 in a double,
 * but a t of 40 on 3 df has sf 1.7e-5, and both are right. */
#ifndef MBR_DIST_H
#define MBR_DIST_H

/* The standard normal: density, P(Z <= x) and P(Z > x), for any x
 * (infinities included).  Relative error below 2e-16 (erfc in long
 * double); below about 1e-308 the result is subnormal or 0. */
double	mbr_norm_pdf(double x);
double	mbr_norm_cdf(double x);
double	mbr_norm_sf(double x);
/* The x with P(Z <= x) = p, p in [0, 1]: Wichura's AS241 (PPND16),
 * relative error below 3e-16; p 0 and 1 give -inf and inf. */
double	mbr_norm_ppf(double p);

/* log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), a, b > 0,
 * without the cancellation of that sum when a or b is large: an
 * absolute error below 1e-15 for a, b up to 1e7 (scipy's betaln(1e6,
 * 0.5) is 1e-9 off). */
double	mbr_lbeta(double a, double b);

/* The regularized incomplete beta I_x(a, b), a, b > 0, x in [0, 1]
 * (x outside is clamped to 0 or 1).  Relative error below 3e-15 for a
 * and b from 1e-3 to 1e5; with a and b both in the millions it grows
 * to about 1e-13 near the mean, where a change of x in its last bit
 * moves the result 1e-13 anyway.  One of them up to 5 and the other
 * any size is kept at 1e-15 by an asymptotic expansion. */
double	mbr_betainc(double a, double b, double x);

/* Student's t with df > 0 degrees of freedom, df not necessarily an
 * integer (Welch's df is not), infinite df being the normal: P(T <= t)
 * and P(T > t) for any t, relative error below 2e-16 for df from 1 to
 * 1e20.  t_ppf is the t with P(T <= t) = p, p in [0, 1], within a few
 * units in the last place (-inf and inf at 0 and 1; also infinite when
 * the quantile exceeds the largest double, as it does for df below 1
 * and tiny p). */
double	mbr_t_cdf(double t, double df);
double	mbr_t_sf(double t, double df);
double	mbr_t_ppf(double p, double df);

/* The regularized upper incomplete gamma Q(a, x) = Gamma(a, x) /
 * Gamma(a), a > 0, x >= 0 (x < 0 is taken as 0: Q is 1), to a relative
 * 2e-15 for a from 0.01 to 1e6; and the chi-square upper tail P(X > x)
 * with df > 0 (finite) degrees of freedom, Q(df / 2, x / 2). */
double	mbr_gammainc_q(double a, double x);
double	mbr_chi2_sf(double x, double df);

/* P(X_B > X_A) for independent X_A ~ Beta(aA, bA), X_B ~ Beta(aB, bB),
 * every parameter a positive integer up to 2^53 (mbr-abtest passes 1 +
 * conversions and 1 + non-conversions: the posteriors from a uniform
 * prior).  Exact (Evan Miller's closed form, a sum of
 * min(aA, aB, bA, bB) terms; absolute error below 1e-12, and relative
 * error below 1e-10 for results below 1e-3) while that minimum is at
 * most 2,000,000, a sum of at most 9 ms; above, every parameter is
 * over two million, and the difference of the betas is taken as normal
 * with their means and variances plus a skewness term (absolute error
 * below 1e-7, see mbr_dist.c). */
double	mbr_beta_gt(double aA, double bA, double aB, double bB);
#endif
