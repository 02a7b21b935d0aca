#!/usr/bin/python3
"""dist_reference.py: the expected values of tests/unit/test_dist.c.

Prints, as C initializers to paste into test_dist.c, the cases of each
distribution function of lib/mbr_dist.c and of the power calculations of
lib/mbr_power.c, each value worked out by scipy or statsmodels, with
Python's repr (the shortest decimal that reads back as the same double):

    /usr/bin/python3 tests/dist_reference.py > /tmp/ref.c

Needs Debian's python3-scipy (1.10), python3-statsmodels (0.13) and
python3-mpmath (1.2); run it with /usr/bin/python3, whose packages those
are.  Beside each scipy value stands the same quantity worked out by
mpmath at 40 significant digits or more (a column ending in _mp; NAN
where it is out of mpmath's reach here, which is only where the double
result is 0 or 1): scipy is itself off in places (its betainc by 6e-10
at a = b = 1e5, its t.ppf by 1.6e-9 at df 2.5), so test_dist.c checks
ours against mpmath at its own precision and against scipy at 1e-9 or
twice scipy's own error.  A run takes about a minute.
"""
import math
import sys
import warnings
from fractions import Fraction

import mpmath as mp
import numpy as np
import scipy
import statsmodels
from scipy import integrate, optimize, special, stats
from statsmodels.stats.power import NormalIndPower

mp.mp.dps = 40


def mp_norm_ppf(p):
    """The root of ncdf(x) = p, from scipy's value, each tail as such."""
    p = mp.mpf(p)
    x0 = mp.mpf(stats.norm.ppf(float(p)))
    if p == 0.5:
        return mp.mpf(0)
    if p < 0.5:
        return mp.findroot(lambda x: mp.log(mp.ncdf(x)) - mp.log(p), x0)
    q = 1 - p
    return mp.findroot(lambda x: mp.log(mp.ncdf(-x)) - mp.log(q), x0)


def mp_ibeta_series(a, b, x):
    """I_x(a, b) by the series of x^a (1-x)^b / (a B(a, b))
    2F1(a + b, 1; a + 1; x), whose terms are positive; for x below
    (a + 1) / (a + b + 2), where it converges quickly."""
    term = tot = mp.mpf(1)
    n = 0
    eps = mp.mpf(10) ** (-mp.mp.dps)
    while True:
        term *= (a + b + n) / (a + 1 + n) * x
        tot += term
        n += 1
        if term < tot * eps and n > 10:
            break
    lb = mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
    return mp.exp(a * mp.log(x) + b * mp.log1p(-x) - mp.log(a) - lb) * tot


def mp_betainc(a, b, x):
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
    if x <= 0:
        return mp.mpf(0)
    if x >= 1:
        return mp.mpf(1)
    try:
        return mp.betainc(a, b, 0, x, regularized=True)
    except (ValueError, mp.libmp.libhyper.NoConvergence):
        pass
    if x > (a + 1) / (a + b + 2):
        return 1 - mp_ibeta_series(b, a, 1 - x)
    return mp_ibeta_series(a, b, x)


def mp_t_sf(t, df):
    """P(T > t), or None where out of reach (there the double is 0)."""
    t, df = mp.mpf(t), mp.mpf(df)
    if t < 0:
        r = mp_t_sf(-t, df)
        return None if r is None else 1 - r
    if t == 0:
        return mp.mpf(1) / 2
    if df <= 1e4:
        return mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t),
                          regularized=True) / 2
    # I_x(df/2, 1/2) = 1 - I_y(1/2, df/2) by the series above, y = t^2 /
    # (df + t^2) small, in enough digits for the cancellation: about the
    # normal tail's, t^2 / (2 ln 10)
    lost = int(t * t / 2 / mp.log(10))
    if t * t > df / 4 or lost > 400:
        return None  # below 1e-350: 0 as a double
    with mp.workdps(45 + lost):
        y = t * t / (df + t * t)
        return (1 - mp_ibeta_series(mp.mpf(1) / 2, df / 2, y)) / 2


def mp_t_ppf(p, df):
    p = mp.mpf(p)
    t0 = mp.mpf(stats.t.ppf(float(p), df))
    if p < 0.5:
        return mp.findroot(lambda t: mp.log(mp_t_sf(-t, df)) - mp.log(p), t0)
    q = 1 - p
    return mp.findroot(lambda t: mp.log(mp_t_sf(t, df)) - mp.log(q), t0)


def mp_gammaq(a, x):
    return mp.gammainc(mp.mpf(a), mp.mpf(x), mp.inf, regularized=True)


def mp_beta_gt(aA, bA, aB, bB):
    """Evan Miller's sum in mpmath, over the terms that matter: they
    rise and then fall (term i+1 / term i - 1 changes sign once, at the
    mode), so the sum starts at the mode and stops each way below 1e-45
    of it."""
    a1, b1, b2 = mp.mpf(aA), mp.mpf(bA), mp.mpf(bB)
    n = int(aB)
    c = a1 + b1 + b2

    def lbeta(x, y):
        return mp.loggamma(x) + mp.loggamma(y) - mp.loggamma(x + y)

    def ratio(i):
        return (a1 + i) * (b2 + i) / ((c + i) * (i + 1))

    mode = int(max(0, min(n - 1, mp.floor((a1 * b2 - c) / (b1 + 1)))))
    lt = (lbeta(a1 + mode, b1 + b2) - mp.log(b2 + mode) -
          lbeta(1 + mode, b2) - lbeta(a1, b1))
    s = t = mp.mpf(1)
    i = mode
    while i + 1 < n:
        t *= ratio(i)
        i += 1
        s += t
        if t < mp.mpf("1e-45"):
            break
    t = mp.mpf(1)
    i = mode
    while i > 0:
        t /= ratio(i - 1)
        i -= 1
        s += t
        if t < mp.mpf("1e-45"):
            break
    return s * mp.exp(lt)


def m(f, *args):
    """An mpmath value as a double, NAN where there is none."""
    r = f(*args)
    return float("nan") if r is None else float(r)


def c(x):
    """A double as C reads it."""
    x = float(x)
    if math.isinf(x):
        return "INFINITY" if x > 0 else "-INFINITY"
    if math.isnan(x):
        return "NAN"
    return repr(x)


def table(name, fields, rows, note=None):
    print("/* %s */" % (note or name))
    print("static const struct { double %s; } %s[] = {" %
          (", ".join(fields), name))
    for r in rows:
        print("\t{ %s }," % ", ".join(c(v) for v in r))
    print("};")
    print()


def norm_cases():
    xs = [-37.5, -30, -20, -10, -8, -5, -3, -1.959963984540054, -1, -0.5,
          -1e-10, 0, 1e-10, 0.5, 1, 1.959963984540054, 3, 5, 8, 10, 20, 30,
          37.5]
    table("norm_cases", ["x", "cdf", "sf", "cdf_mp", "sf_mp"],
          [(x, stats.norm.cdf(x), stats.norm.sf(x), m(mp.ncdf, x),
            m(mp.ncdf, -x)) for x in xs],
          "scipy.stats.norm.cdf(x), norm.sf(x); mpmath.ncdf(x), ncdf(-x)")
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.1,
          0.25, 0.4, 0.5, 0.6, 0.75, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999,
          1 - 1e-10, 1 - 1e-16]
    table("norm_ppf_cases", ["p", "x", "x_mp"],
          [(p, stats.norm.ppf(p), m(mp_norm_ppf, p)) for p in ps],
          "scipy.stats.norm.ppf(p); mpmath's root of ncdf(x) = p (1 - "
          "1e-16 is the double 1 - 2^-53)")


def t_cases():
    rows = []
    for df in [1, 2.5, 10.7, 1e6, 2e7, 1e12]:
        for t in [-1e10, -40, -5, -2, -0.5, 0, 0.3, 1, 2, 3, 10, 40, 1e3,
                  1e10]:
            rows.append((t, df, stats.t.cdf(t, df), stats.t.sf(t, df),
                         m(mp_t_sf, -t, df), m(mp_t_sf, t, df)))
    table("t_cases", ["t", "df", "cdf", "sf", "cdf_mp", "sf_mp"], rows,
          "scipy.stats.t.cdf(t, df), t.sf(t, df); mpmath's betainc, or "
          "for df > 1e4 the series of I_y(1/2, df/2) in as many digits "
          "as the tail needs")
    rows = []
    for df in [1, 2.5, 10.7, 1e6, 2e7]:
        for p in [1e-10, 0.001, 0.025, 0.05, 0.3, 0.7, 0.95, 0.975, 0.999,
                  1 - 1e-10]:
            rows.append((p, df, stats.t.ppf(p, df), m(mp_t_ppf, p, df)))
    table("t_ppf_cases", ["p", "df", "t", "t_mp"], rows,
          "scipy.stats.t.ppf(p, df); mpmath's root of its cdf")
    # scipy 1.10's t.ppf(1e-300, 1) is -1e100, a clamp of its own; the
    # closed forms of df 1 (tan) and 2 instead, computed without 1 - p
    # or p - 1/2 where they would round.
    rows = []
    for p in [1e-300, 1e-100, 1e-20, 1e-5, 0.2]:
        rows.append((p, 1, -1 / math.tan(math.pi * p)))
    for p in [1e-300, 1e-100, 1e-20, 1e-5, 0.2]:
        rows.append((p, 2, (2 * p - 1) / math.sqrt(2 * p * (1 - p))))
    table("t_ppf_closed", ["p", "df", "t"], rows,
          "t_ppf of df 1 and 2 in closed form: -1 / tan(pi p), "
          "(2p - 1) / sqrt(2 p (1 - p))")


def chi2_cases():
    rows = []
    for df in [1, 2, 3, 4, 5]:
        for x in [0.001, 0.5, 1, 3.841458820694124, 10, 50, 90, 100, 200,
                  1000]:
            rows.append((x, df, stats.chi2.sf(x, df),
                         m(mp_gammaq, df / 2, x / 2)))
    table("chi2_cases", ["x", "df", "sf", "sf_mp"], rows,
          "scipy.stats.chi2.sf(x, df); mpmath.gammainc(df/2, x/2, inf, "
          "regularized=True)")
    rows = []
    for a in [0.5, 1, 2.5, 10, 100, 1000]:
        for x in [0.01, 0.7, a, 2 * a + 3, 5 * a + 30]:
            rows.append((a, x, special.gammaincc(a, x), m(mp_gammaq, a, x)))
    table("gammaq_cases", ["a", "x", "q", "q_mp"], rows,
          "scipy.special.gammaincc(a, x); mpmath.gammainc(a, x, inf, "
          "regularized=True)")


def beta_cases():
    cases = [
        (1, 1, 0.3), (2, 3, 0.4), (0.5, 0.5, 0.25), (0.5, 0.5, 1e-10),
        (1, 5, 0.999), (5, 1, 1e-3), (10, 10, 0.5), (1e-3, 1, 0.5),
        (1e-3, 1e-3, 0.5), (1e-3, 2, 1e-100), (2, 1e-3, 1 - 1e-12),
        (0.1, 100, 1e-3), (100, 0.1, 0.999), (50, 60, 0.45),
        (1000, 1000, 0.49), (1e4, 2e4, 0.334), (1e5, 1e5, 0.5),
        (1e5, 1e5, 0.499), (2.5, 0.5, 0.9), (500000, 0.5, 0.99999),
        (0.5, 500000, 1e-6), (3, 4, 0), (3, 4, 1),
    ]
    table("betainc_cases", ["a", "b", "x", "i", "i_mp"],
          [(a, b, x, special.betainc(a, b, x), m(mp_betainc, a, b, x))
           for a, b, x in cases],
          "scipy.special.betainc(a, b, x); mpmath.betainc, or the "
          "positive series of 2F1 where that fails (a, b >= 1e4)")
    cases = [(1, 1), (0.5, 0.5), (2.5, 7), (1e-3, 5), (10, 10),
             (100, 0.5), (1e4, 1e4), (1e6, 0.5), (1e7, 3e6)]
    table("lbeta_cases", ["a", "b", "l", "l_mp"],
          [(a, b, special.betaln(a, b),
            float(mp.log(mp.beta(mp.mpf(a), mp.mpf(b))))) for a, b in cases],
          "scipy.special.betaln(a, b); mpmath.log(mpmath.beta(a, b))")


def beta_gt_exact(aA, bA, aB, bB):
    """Evan Miller's sum in exact rationals (integer parameters)."""
    f = math.factorial

    def B(x, y):
        return Fraction(f(x - 1) * f(y - 1), f(x + y - 1))
    s = sum(B(aA + i, bA + bB) / ((bB + i) * B(1 + i, bB) * B(aA, bA))
            for i in range(aB))
    return float(s)


def beta_gt_quad(aA, bA, aB, bB):
    """P(XB > XA) = integral of pdf_B(x) cdf_A(x), over where XB lives."""
    m = aB / (aB + bB)
    sd = math.sqrt(aB * bB / ((aB + bB) ** 2 * (aB + bB + 1)))
    lo, hi = max(0.0, m - 40 * sd), min(1.0, m + 40 * sd)
    pts = [p for p in np.linspace(lo, hi, 41)[1:-1]]
    # quad warns of roundoff on the symmetric large cases, where it is
    # within 3e-12 of the exact sum all the same: quiet
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        v, err = integrate.quad(
            lambda x: stats.beta.pdf(x, aB, bB) * stats.beta.cdf(x, aA, bA),
            lo, hi, points=pts, limit=1000, epsabs=1e-15, epsrel=1e-13)
    return v


def beta_gt_normal(aA, bA, aB, bB):
    """The normal approximation of XB - XA (moments of the betas)."""
    mA, vA = stats.beta.stats(aA, bA, moments="mv")
    mB, vB = stats.beta.stats(aB, bB, moments="mv")
    return stats.norm.sf(0, loc=mB - mA, scale=math.sqrt(vA + vB))


def beta_gt_cases():
    small = [
        (1, 1, 1, 1), (5, 10, 5, 10), (11, 91, 11, 91), (2, 3, 4, 5),
        (5, 10, 7, 9), (1, 20, 3, 18), (21, 81, 31, 71), (41, 61, 61, 41),
        # the four sums: over aB, bA, aA, bB
        (20, 30, 3, 40), (20, 2, 30, 40), (3, 40, 20, 30), (20, 30, 40, 2),
        # a complement too small to trust: summed again directly
        (5, 10, 6, 200),
        (101, 901, 31, 971), (31, 971, 101, 901),
    ]
    rows = []
    for a in small:
        e, q = beta_gt_exact(*a), beta_gt_quad(*a)
        assert abs(e - q) <= 1e-9 * max(e, 1e-300) or abs(e - q) < 1e-13, \
            (a, e, q)
        rows.append(a + (e, q))
    table("beta_gt_small", ["aA", "bA", "aB", "bB", "exact", "quad"], rows,
          "P(XB > XA): Evan Miller's sum in exact fractions, and "
          "scipy.integrate.quad of beta.pdf(x, aB, bB) * "
          "beta.cdf(x, aA, bA)")
    large = [
        (100001, 900001, 100001, 900001),
        (100001, 900001, 100801, 899201),
        (100001, 900001, 101001, 899001),
        (100001, 900001, 99501, 900501),
        (1000001, 9000001, 1001001, 8999001),
        (2500001, 7500001, 2502001, 7498001),
        (2000001, 6000001, 3322424, 9977578),
        (3000001, 3000001, 3000001, 3000001),
    ]
    table("beta_gt_large", ["aA", "bA", "aB", "bB", "quad", "normal",
                            "sum_mp"],
          [a + (beta_gt_quad(*a), beta_gt_normal(*a), m(mp_beta_gt, *a))
           for a in large],
          "P(XB > XA) for large counts: scipy.integrate.quad as above; "
          "the normal approximation norm.sf(0, mB - mA, sqrt(vA + vB)); "
          "Evan Miller's sum in mpmath from the mode out")


def power_cases():
    P = NormalIndPower()
    h = 2 * math.asin(math.sqrt(0.12)) - 2 * math.asin(math.sqrt(0.10))
    print("/* Cohen's h of 0.10 -> 0.12: 2 asin(sqrt(.12)) - "
          "2 asin(sqrt(.10)) */")
    print("static const double power_h = %s;" % c(h))
    print()
    rows = []
    for alpha in [0.05, 0.025]:
        for sided, alt in [(2, "two-sided"), (1, "larger")]:
            n_sm = P.solve_power(effect_size=h, alpha=alpha, power=0.8,
                                 ratio=1, alternative=alt)
            # the same equation solved to the last bit, for our 1e-12
            n_tight = optimize.brentq(
                lambda n: P.power(h, n, alpha, ratio=1,
                                  alternative=alt) - 0.8,
                1, 1e6, xtol=1e-300, rtol=4 * np.finfo(float).eps,
                maxiter=500)
            pw = P.power(h, 3835, alpha, ratio=1, alternative=alt)
            rows.append((alpha, sided, n_sm, n_tight, pw))
    table("power_n_cases", ["alpha", "sided", "n_sm", "n_tight",
                            "power3835"], rows,
          "NormalIndPower().solve_power(effect_size=h, alpha=alpha, "
          "power=0.8, ratio=1, alternative='two-sided' (sided 2) or "
          "'larger' (1)); the same root by brentq to rtol 4 eps; and "
          "NormalIndPower().power(h, 3835, alpha, ratio=1, ...)")
    rows = []
    for alpha in [0.05, 0.025]:
        for sided, alt in [(2, "two-sided"), (1, "larger")]:
            for n in [100, 3835, 1e6]:
                h_sm = P.solve_power(effect_size=None, nobs1=n, alpha=alpha,
                                     power=0.8, ratio=1, alternative=alt)
                h_tight = optimize.brentq(
                    lambda e: P.power(e, n, alpha, ratio=1,
                                      alternative=alt) - 0.8,
                    1e-9, 10, xtol=1e-300, rtol=4 * np.finfo(float).eps,
                    maxiter=500)
                rows.append((n, alpha, sided, h_sm, h_tight))
    table("power_h_cases", ["n", "alpha", "sided", "h_sm", "h_tight"], rows,
          "NormalIndPower().solve_power(effect_size=None, nobs1=n, "
          "alpha=alpha, power=0.8, ratio=1, alternative=...); the same "
          "root by brentq to rtol 4 eps")


def main():
    print("/* tests/dist_reference.py: scipy %s, statsmodels %s, "
          "numpy %s */" % (scipy.__version__, statsmodels.__version__,
                           np.__version__))
    print()
    norm_cases()
    t_cases()
    chi2_cases()
    beta_cases()
    beta_gt_cases()
    power_cases()
    return 0


if __name__ == "__main__":
    sys.exit(main())
