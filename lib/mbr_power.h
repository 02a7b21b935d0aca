/* mbr_power.h: sample size and detectable effect of a two-proportion
 * test, for mbr-abtest size.
 *
 * The answers are statsmodels' (NormalIndPower, ratio 1, the effect as
 * Cohen's h), so that an analyst who checks a plan in Python gets the
 * same numbers: with u = |h| sqrt(n / 2), n members a variant,
 *
 *	two-sided: power = Phi(u - z(1 - alpha/2)) + Phi(-u - z(1 - alpha/2))
 *	one-sided: power = Phi(u - z(1 - alpha))
 *
 * (statsmodels' normal_power with nobs = n1 n2 / (n1 + n2) = n / 2).
 * One-sided means in the direction of h: statsmodels' "larger" for
 * h > 0 and "smaller" for h < 0, which is what |h| gives; statsmodels
 * asked for "larger" with h < 0 answers a power below alpha.
 *
 * Power depends on n and h only through u, so both inverses solve for
 * u once, to double precision (closed form one-sided, Newton's method
 * two-sided), where statsmodels' solve_power stops its root finder at
 * brentq's default xtol, an absolute 1e-5 of the unknown: its n for
 * 0.10 -> 0.12 agree with ours to 6e-12, but its h for n = 1e6 is off
 * by 9e-5 relative (see tests/unit/test_dist.c). */
#ifndef MBR_POWER_H
#define MBR_POWER_H

/* What the inverses return: 0 and the answer, or why there is none. */
enum {
	MBR_POWER_OK,
	MBR_POWER_EALPHA,	/* alpha not in (0, 1) */
	MBR_POWER_EPOWER,	/* power not in (alpha, 1): at n = 0 the
				 * power is alpha, and 1 takes n infinite */
	MBR_POWER_EEFFECT,	/* h 0, NaN or beyond pi in size: no n
				 * detects it */
	MBR_POWER_EN,		/* n not a positive finite number */
	MBR_POWER_ESIDED,	/* sided neither 1 nor 2 */
	MBR_POWER_ERANGE	/* the answer exists on paper but not here:
				 * an n beyond the largest double, or an h
				 * beyond pi, which no two proportions have */
};

/* Cohen's h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p1)), p1 and p2 in
 * [0, 1] (NaN outside). */
double	mbr_power_cohen_h(double p1, double p2);

/* The power with n > 0 members a variant against effect h, alpha in
 * (0, 1), sided 1 or 2; NaN for arguments outside those. */
double	mbr_power(double n, double h, double alpha, int sided);

/* The n a variant (exact, unrounded: round it up) at which the power
 * against h is `power`; as NormalIndPower().solve_power(effect_size=h,
 * alpha=alpha, power=power, ratio=1, alternative='two-sided' or
 * 'larger').  *n is set only on MBR_POWER_OK. */
int	mbr_power_n(double h, double alpha, double power, int sided,
	    double *n);

/* The smallest |h| detected with that power by n a variant (n need not
 * be an integer); as solve_power(effect_size=None, nobs1=n, ...).  On
 * MBR_POWER_ERANGE, *h is set all the same (it is above pi). */
int	mbr_power_h(double n, double alpha, double power, int sided,
	    double *h);

/* A message for a code above, lowercase, without the value: "power
 * must be above alpha and below 1". */
const char	*mbr_power_strerror(int code);
#endif
