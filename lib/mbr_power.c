/* mbr_power.c: see mbr_power.h. */
#include <math.h>

#include "mbr_dist.h"
#include "mbr_power.h"

static int
check(double alpha, double power, int sided)
{
	if (sided != 1 && sided != 2)
		return MBR_POWER_ESIDED;
	if (!(alpha > 0 && alpha < 1))
		return MBR_POWER_EALPHA;
	if (!(power > alpha && power < 1))
		return MBR_POWER_EPOWER;
	return MBR_POWER_OK;
}

/* The critical value z(1 - alpha) or z(1 - alpha/2), as -z(alpha):
 * 1 - alpha would round a small alpha. */
static double
crit(double alpha, int sided)
{
	return -mbr_norm_ppf(sided == 2 ? alpha / 2 : alpha);
}

/* The u = |h| sqrt(n / 2) at which the power is `power`, the inputs
 * checked.  One-sided, Phi(u - c) = power is solved in closed form.
 * Two-sided, the miss probability G(u) = Phi(c - u) - Phi(-c - u)
 * falls from 1 - alpha at u = 0 to 0, and is solved for 1 - power by
 * Newton's method from c + z(power), where G is already below 1 - power
 * (by the second term, Phi(-c - u), under alpha/2), so that the root
 * is bracketed by [0, c + z(power)] and a step leaving the bracket is
 * replaced by bisection.  G is written with both tails as such
 * (Phi(c - u), not 1 - Phi(u - c)), and 1 - power is exact for power
 * >= 0.5, so that a power of 0.999999 loses nothing. */
static double
solve_u(double alpha, double power, int sided)
{
	double c = crit(alpha, sided), miss = 1 - power, lo, hi, u, un, g;
	int i;

	if (sided == 1)
		return c + mbr_norm_ppf(power);
	lo = 0;
	hi = u = c + mbr_norm_ppf(power);
	for (i = 0; i < 200; i++) {
		g = mbr_norm_cdf(c - u) - mbr_norm_cdf(-c - u) - miss;
		if (g > 0)
			lo = u;
		else if (g < 0)
			hi = u;
		else
			break;
		/* G'(u) = phi(c + u) - phi(c - u), 0 only at u = 0 */
		un = u - g / (mbr_norm_pdf(c + u) - mbr_norm_pdf(c - u));
		/* a step this small is the remaining error: done, even if
		 * it lands on an end of the bracket (as a step below the
		 * resolution of u does) */
		if (fabs(un - u) <= 2e-16 * u) {
			u = un;
			break;
		}
		if (!(un > lo && un < hi))
			un = (lo + hi) / 2;
		u = un;
	}
	return u;
}

double
mbr_power_cohen_h(double p1, double p2)
{
	if (!(p1 >= 0 && p1 <= 1 && p2 >= 0 && p2 <= 1))
		return NAN;
	return 2 * asin(sqrt(p2)) - 2 * asin(sqrt(p1));
}

double
mbr_power(double n, double h, double alpha, int sided)
{
	double u, c;

	if ((sided != 1 && sided != 2) || !(alpha > 0 && alpha < 1) ||
	    !(n > 0) || isnan(h))
		return NAN;
	u = fabs(h) * sqrt(n / 2);
	c = crit(alpha, sided);
	if (sided == 1)
		return mbr_norm_cdf(u - c);
	return mbr_norm_cdf(u - c) + mbr_norm_cdf(-u - c);
}

int
mbr_power_n(double h, double alpha, double power, int sided, double *n)
{
	double u, r;
	int rc;

	if ((rc = check(alpha, power, sided)) != MBR_POWER_OK)
		return rc;
	if (!(h != 0 && fabs(h) <= M_PI))
		return MBR_POWER_EEFFECT;
	u = solve_u(alpha, power, sided);
	r = 2 * (u / h) * (u / h);
	if (!isfinite(r))
		return MBR_POWER_ERANGE;
	*n = r;
	return MBR_POWER_OK;
}

int
mbr_power_h(double n, double alpha, double power, int sided, double *h)
{
	int rc;

	if ((rc = check(alpha, power, sided)) != MBR_POWER_OK)
		return rc;
	if (!(n > 0 && isfinite(n)))
		return MBR_POWER_EN;
	*h = solve_u(alpha, power, sided) * sqrt(2 / n);
	return *h <= M_PI ? MBR_POWER_OK : MBR_POWER_ERANGE;
}

const char *
mbr_power_strerror(int code)
{
	switch (code) {
	case MBR_POWER_OK:
		return "no error";
	case MBR_POWER_EALPHA:
		return "alpha must be above 0 and below 1";
	case MBR_POWER_EPOWER:
		return "power must be above alpha and below 1";
	case MBR_POWER_EEFFECT:
		return "the effect size must be nonzero and at most pi in size";
	case MBR_POWER_EN:
		return "the sample size must be a positive number";
	case MBR_POWER_ESIDED:
		return "a test is one-sided or two-sided";
	case MBR_POWER_ERANGE:
		return "no sample size or pair of proportions reaches that";
	}
	return "unknown error";
}
