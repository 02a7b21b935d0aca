#!/usr/bin/python3
"""abtest_reference.py: an independent reference for mbr-abtest analyze
and size.

Written from the contract (the draft abtest spec, later
man/mbr-abtest.1; mbr(7) for the records), not from the C code.  The
statistics come from the libraries wherever the contract names one, so
that the C program is checked against them and not against a second
home-made formula:

    z, p_value             statsmodels proportions_ztest (pooled,
                           two-sided)
    lift_low, lift_high    statsmodels confint_proportions_2indep
                           (compare='diff', method='wald')
    p_holm, p_revenue_holm statsmodels multipletests(method='holm')
    t, p_revenue           scipy.stats.ttest_ind(equal_var=False)
    revenue_diff_low/high  Welch CI with scipy.stats.t.ppf
    srm_p                  scipy.stats.chisquare
    chance_to_beat_control scipy.integrate.quad over the Beta pdf x cdf
    size                   statsmodels NormalIndPower().solve_power and
                           proportion_effectsize

Needs /usr/bin/python3 with scipy (1.10) and statsmodels (0.13), numpy.

    /usr/bin/python3 tests/abtest_reference.py analyze --assignments A.csv \\
        [--holdout H.csv] [options] [orders.csv ...] [-o out.csv]
    /usr/bin/python3 tests/abtest_reference.py size --baseline P --mde D ...
    /usr/bin/python3 tests/abtest_reference.py --selftest
    /usr/bin/python3 tests/abtest_reference.py --compare EXPECTED GOT
        (CSV record by record: text fields equal, numbers within a
        relative 1e-4, absolute 1e-9 near zero; exit 1 on a difference)

Not in the reference: assign, --partial, --merge, --format text
(exit 2 saying so).

OUTPUT OF analyze (CSV with a header; --format ndjson: the same fields,
null for empty).  Field order:

    experiment, variant, members, converters, conversion_rate, orders,
    orders_per_member, revenue, revenue_per_member,
    lift, lift_low, lift_high, lift_rel, lift_rel_low, lift_rel_high,
    z, p_value, p_holm,
    revenue_diff, revenue_diff_low, revenue_diff_high, t, df, p_revenue,
    p_revenue_holm, chance_to_beat_control,
    [variance_reduction]                          (only with --covariate)
    srm_p,
    [incremental_conversions, incremental_revenue, cost, roi]
                                                  (only with --holdout)
    verdict

(the draft's list, verdict moved last as man/mbr-abtest.1 has it).
OUTPUT OF size: baseline, target, mde, mde_relative, effect_size,
alpha, alpha_corrected, power, variants, alternative ("two-sided" or
"one-sided"; the man page's field, not in the draft), n_per_variant,
n_total, n_exact.

Numbers: members, converters, orders are integers; revenue is money,
the exact sum written with the currency's minor digits ("1234.50",
mbr(7)); every other number is a double written as Python's repr()
writes it (the shortest text that reads back to the same double:
"0.1", "1e-05", "0.030000000000000002").  An undefined statistic is an
empty field (null in NDJSON), never NaN or inf.  Money per member and
differences of money (revenue_per_member, revenue_diff, t's arrays,
incremental_revenue, cost) are in major units (yuan, not fen).

DECISIONS where the draft leaves a choice or looks wrong (D-numbers are
quoted in the report, so the C can be aligned):

 D1  Assignments file kind by its header: a column assigned_at means
     assignment records (experiment, member_id, variant, assigned_at);
     else a column send_at means a send list (campaign_id is the
     experiment, or experiment when there is no campaign_id; an empty
     variant is "sent").  Neither: usage error (exit 2).
 D2  Experiments: the distinct experiment values of the assignment
     file's records.  More than one and no --experiment: exit 2 naming
     them; --experiment naming none of them: exit 2.  Records of other
     experiments are skipped unchecked (counted).  Holdout records of
     another experiment are skipped too; a holdout file without an
     experiment column is taken whole.
 D3  Checks of an assignment record, in this order: other experiment
     (skipped), empty variant (assignment records only: skipped, not a
     reject), missing member_id (reject "missing member_id"),
     assigned_at / send_at not a time (reject "bad assigned_at"),
     variant not in --variants (reject "unknown variant"), covariate
     (with --covariate FIELD: empty or not a decimal, reject "bad
     covariate"; a CSV without the column is a usage error).  Then the
     member: first record kept; a later record of the same member and
     the same variant is a repeat (the earliest start kept, and the
     covariate of the record that gave it, the record of the assignment
     that counts; of equal starts, the first read); a later record
     naming another variant is the reject
     "member in two variants" (the first record read stands).
 D4  Holdout file: every record of the experiment is held out (its
     variant column is not read; mbr-campaign writes "holdout").  The
     same checks of member_id and assigned_at; a repeat keeps the
     earliest start; a holdout record of a member who is in a variant is
     the reject "member in holdout and in a variant" (the member stays in
     the variant).  The covariate is not read from holdout records and
     pre_spend is not summed for them: CUPED fields are empty on the
     holdout row.
 D5  Orders (as mbr-rfm reads them): status missing (reject "missing
     status") or not one of the four (reject "unknown status"); refunded,
     cancelled, pending: read and ignored, nothing else checked.  A paid
     order: member_id missing (reject), ts not a time (reject "bad ts"),
     currency: the run's is --currency or the first paid order's
     non-empty currency; an unknown code or another currency is a reject
     ("unknown currency", "other currency"); an empty currency is the
     run's; amount not a decimal with at most the currency's minor
     digits (reject "bad amount").  Orders of members not in the test are
     checked the same way and then unused.  --as-of is accepted and not
     used by analyze: the window alone says which orders count.
 D6  An order counts for its member when start <= ts < start + window
     (so an order at start counts, one at start + window does not);
     pre_spend sums paid orders with start - pre_window <= ts < start.
     --window and --pre-window are a whole number > 0 and w, d (24
     hours), h, m or s (as man/mbr-abtest.1); anything else is a usage
     error.  --pre-window defaults to the window's length (the man
     page's choice; the draft's "28d" is read as an example), and
     without --covariate pre_spend it is a usage error (as the C has
     it).
 D7  --variants gives the variants, their order and weights; weights
     must be > 0 (a zero weight is a usage error).  Without --variants:
     the variants seen, equal weights for the SRM test, ordered by name
     (bytes).  Control: --control NAME (exit 2 when it is not a
     variant); else "control" when it is a variant, else the first of
     --variants, else the first by name.  Rows: control, the others in
     --variants order (else by name), then holdout (with --holdout).
     A variant of --variants nobody is in is a row with members 0.
 D8  Confidence level of every interval: 1 - --alpha (95% by default).
 D9  Definedness.  With members 0 on either side every comparison
     field is empty.  lift (absolute) is defined whenever both sides
     have members (0 when both rates are 0); lift_low/high are empty
     when the unpooled variance p_b(1-p_b)/n_b + p_a(1-p_a)/n_a is 0;
     z and p_value are empty when the pooled rate is 0 or 1; lift_rel
     and its interval are empty when the control rate is 0, the interval
     also when its delta-method variance is 0.  revenue_diff is defined
     when both sides have members; t, df, p_revenue and the interval
     need 2 members on each side and the two sample variances not both 0
     (exactly: every member's revenue equal on both sides).  The same
     for the CUPED fields on the adjusted values.  chance_to_beat_control
     needs members on both sides (it is defined with 0 conversions).
     conversion_rate, orders_per_member and revenue_per_member are empty
     for a variant with no members.
 D10 Relative lift, delta method (GrowthBook, docs.growthbook.io
     /statistics/details; gbstats utils.variance_of_ratios with
     covariance 0, the binomial variance p(1-p) of ProportionStatistic):
         lift_rel = p_b / p_a - 1
         var = p_b (1-p_b) / (n_b p_a^2) + p_b^2 p_a (1-p_a) / (n_a p_a^4)
         lift_rel_low/high = lift_rel -/+ z_{1-alpha/2} sqrt(var)
     (normal quantile, as the Wald interval of lift).
 D11 Holm over the k-1 comparisons with control, in row order; a
     comparison whose p is undefined enters the family as p = 1 (the
     family stays k-1, as size's Bonferroni), and its own p_holm is
     empty.  The same for p_revenue_holm.  No Holm on the holdout row:
     p_holm and p_revenue_holm are empty there.  (R's p.adjust does the
     same by default: n = length(p) counts the NAs, "the unobserved
     p-values are assumed to be greater than all the observed"; leaving
     them out would make the correction weaker as variants fail.)
 D12 Revenue per member in major units (minor / 10^digits), 0 for a
     member without counted orders; Welch: diff = mean_b - mean_a,
     se^2 = s_b^2/n_b + s_a^2/n_a with sample variances (n-1),
     df = se^4 / ((s_b^2/n_b)^2/(n_b-1) + (s_a^2/n_a)^2/(n_a-1)),
     interval diff -/+ t.ppf(1 - alpha/2, df) se; t and p from scipy.
 D13 chance_to_beat_control = P(P_b > P_a), P_x ~ Beta(1 + c_x,
     1 + n_x - c_x) independent: the integral of pdf_b(x) cdf_a(x) over
     [0, 1] (checked against Evan Miller's closed form).  It is about
     conversion whatever --metric.
 D14 CUPED (revenue only; --covariate FIELD or pre_spend): over all the
     experiment's members (every variant, not the holdout) pooled,
     theta = cov(x, y) / var(x) (x's variance 0 or fewer than 2 members:
     theta = 0); y_adj = y - theta (x - mean(x)) with mean(x) the pooled
     mean; Welch (D12) on y_adj of variant against control gives
     revenue_diff, its interval, t, df, p_revenue and p_revenue_holm
     (the raw revenue test is a run without --covariate).
     variance_reduction = 1 - var(y_adj) / var(y), both the sample
     variance (n-1; the ratio does not depend on it) of all the
     experiment's members pooled, not per variant: one number (it
     equals corr(x, y)^2), written on every variant row, control
     included, empty on the holdout row and when var(y) = 0.  The
     covariate is a decimal (pre_spend in major units).
     The holdout row is never adjusted (a field covariate is not read
     for held-out members).  With --metric revenue the verdict uses the
     adjusted p_revenue_holm: more power is what CUPED is for.
 D15 SRM: chisquare of members per variant (rows' order) against
     N w_i / sum(w); empty when there are fewer than 2 variants or no
     members; the same value on every row (the holdout row too).  The
     holdout is not in it.
 D16 Verdict, for each variant row (empty on control) and the holdout
     row, in this order: "not enough data" when either side has fewer
     than --min-members members or the two sides fewer than 10
     converters together (converters also with --metric revenue); else
     "inconclusive" when srm_p < 0.001 (stderr says so; --strict makes
     the exit status 1 and then no records are written, D20); else the
     metric's Holm p (p_holm, or p_revenue_holm with --metric revenue;
     on the holdout row the unadjusted p_value / p_revenue): "winner"
     when p < alpha and the effect (lift, or revenue_diff) > 0,
     "loser" when p < alpha and the effect < 0, else "inconclusive"
     (an undefined p too).  The verdict never looks at the CUPED p.
 D17 Holdout row: its own counts; comparison fields of all variants
     pooled ("sent") against the holdout, computed as for a variant;
     incremental_conversions = lift * n_sent; incremental_revenue =
     (rpm_sent - rpm_holdout) * n_sent (major units); cost =
     cost_per_send * n_sent and roi = (incremental_revenue - cost) /
     cost, both empty without --cost-per-send (roi also when cost is 0);
     n_sent = the members of all variants.  These four fields are empty
     on the other rows; with no holdout member they are empty.
 D18 size: --mde D absolute (p2 = p1 + D) or D% relative (p2 = p1 (1 +
     D/100)); p1 and p2 in (0, 1), D not 0, else usage error.
     --variants K or a list of names (weights are read and ignored: the
     calculation assumes equal groups).  alpha_corrected = alpha/(k-1).
     n_exact = NormalIndPower().solve_power(effect_size=|h|, alpha=
     alpha_corrected, power, ratio=1, alternative='two-sided' or, with
     --one-sided, 'larger'); n_per_variant = ceil(n_exact); n_total =
     k n_per_variant; mde_relative = mde / p1 (a fraction).  Reverse
     (--n N [--coverage S]): n_per_variant = floor(N S / k) (at least
     2, else usage error), n_exact = n_per_variant, effect_size =
     the solved h, target = sin^2(asin(sqrt(p1)) + h/2), empty (and
     mde, mde_relative) when asin(sqrt(p1)) + h/2 > pi/2.
     alternative: "two-sided", or "one-sided" with --one-sided.
 D19 Rejects: NDJSON (the record's fields, reject_reason,
     reject_source = FILE:LINE with FILE as named on the command line),
     or CSV when the name ends in .csv.  Exit 1 when --max-rejects is
     exceeded, or without it when every record read was rejected.
 D20 A run that exits 1 (rejects over the limit, --strict on a sample
     ratio mismatch) writes no records, neither -o's file nor standard
     output (mbr's rule: output files only from a run that ends well);
     the rejects file is written all the same.
"""

import argparse
import csv
import datetime as dt
import io
import json
import math
import os
import re
import sys
import warnings
from decimal import Decimal, InvalidOperation
from fractions import Fraction

warnings.filterwarnings("ignore")

try:
    import numpy as np
    from scipy import integrate, special
    from scipy import stats as sst
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import (confint_proportions_2indep,
                                              proportion_effectsize,
                                              proportions_ztest)
    HAVE_LIBS = True
except ImportError as _e:   # noqa
    HAVE_LIBS = False
    LIB_ERROR = str(_e)

PROG = "abtest_reference.py"

BASE_COLS = ["experiment", "variant", "members", "converters",
             "conversion_rate", "orders", "orders_per_member", "revenue",
             "revenue_per_member",
             "lift", "lift_low", "lift_high", "lift_rel", "lift_rel_low",
             "lift_rel_high", "z", "p_value", "p_holm",
             "revenue_diff", "revenue_diff_low", "revenue_diff_high", "t",
             "df", "p_revenue", "p_revenue_holm", "chance_to_beat_control"]
CUPED_COLS = ["variance_reduction"]
HOLDOUT_COLS = ["incremental_conversions", "incremental_revenue", "cost",
                "roi"]
SIZE_COLS = ["baseline", "target", "mde", "mde_relative", "effect_size",
             "alpha", "alpha_corrected", "power", "variants", "alternative",
             "n_per_variant", "n_total", "n_exact"]
# fields compared as text by --compare (the rest as numbers)
TEXT_COLS = {"experiment", "variant", "verdict", "revenue", "alternative"}

# ISO 4217 minor digits (the codes the generator and the cases use, and
# the common ones; mbr's table is larger)
CURRENCY_EXP = {"CNY": 2, "RMB": 2, "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2,
                "TWD": 2, "SGD": 2, "AUD": 2, "CAD": 2, "CHF": 2, "MOP": 2,
                "JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3}
STATUSES = ("paid", "refunded", "cancelled", "pending")
SRM_LIMIT = 0.001


class UsageError(Exception):
    pass


class IOFail(Exception):
    pass


# ------------------------------------------------------------ records

def csv_field(s):
    s = "" if s is None else str(s)
    if s and (s[0] in " \t" or s[-1] in " \t" or
              any(ch in s for ch in ',"\r\n')):
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_text(rows):
    return "".join(",".join(csv_field(x) for x in r) + "\n" for r in rows)


def read_records(path):
    """(header, [(fields dict, line)]) from CSV or NDJSON."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise IOFail("%s: %s" % (path, e.strerror))
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    if text[:1] == "{":
        head, out = [], []
        for i, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except ValueError:
                out.append(({"raw": line}, i))
                continue
            rec = {}
            for k, v in d.items():
                if k not in head:
                    head.append(k)
                if v is None:
                    rec[k] = ""
                elif isinstance(v, bool):
                    rec[k] = "true" if v else "false"
                else:
                    rec[k] = str(v)
            out.append((rec, i))
        return head, out
    lines = io.StringIO(text, newline="")
    rd = csv.reader(lines)
    head = None
    out = []
    prev = 0
    for row in rd:
        start = prev + 1
        prev = rd.line_num
        if head is None:
            head = row
            continue
        if row == [] or row == [""]:
            continue
        rec = {}
        for i, k in enumerate(head):
            rec[k] = row[i] if i < len(row) else ""
        out.append((rec, start))
    return head or [], out


# ------------------------------------------------------------ values

def zone_of(name):
    if not name:
        name = os.environ.get("TZ", "") or "UTC"
    m = re.fullmatch(r"(?:UTC)?([+-])(\d\d):?(\d\d)", name)
    if m:
        off = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return dt.timezone(off if m.group(1) == "+" else -off)
    if name in ("UTC", "Z"):
        return dt.timezone.utc
    from zoneinfo import ZoneInfo
    try:
        return ZoneInfo(name.lstrip(":"))
    except Exception:   # noqa
        raise UsageError('--tz "%s" is not a zone' % name)


TIME_RE = re.compile(r"\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?"
                     r"(Z|[+-]\d\d:?\d\d)?)?")


def parse_time(s, tz):
    """seconds since the epoch (a Fraction, exact) of an ISO 8601 time;
    ValueError when it is not one."""
    s = s.strip()
    if not TIME_RE.fullmatch(s):
        raise ValueError(s)
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    d = t - epoch
    return Fraction(d.days * 86400 + d.seconds) + Fraction(
        d.microseconds, 10 ** 6)


SPAN_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_span(s, opt):
    m = re.fullmatch(r"(\d+)([wdhms])", s.strip())
    if not m or int(m.group(1)) == 0:
        raise UsageError('%s "%s" is not a whole number > 0 and w, d, h, '
                         'm or s' % (opt, s))
    return int(m.group(1)) * SPAN_UNITS[m.group(2)]


def parse_amount(s, exp):
    """minor units (int) of a decimal with at most exp places, or None"""
    m = re.fullmatch(r"([+-]?)(\d+)(?:\.(\d*))?", s.strip())
    if not m:
        return None
    frac = m.group(3) or ""
    if len(frac) > exp:
        return None
    v = int(m.group(2)) * 10 ** exp + (int(frac.ljust(exp, "0"))
                                       if exp else 0)
    return -v if m.group(1) == "-" else v


def parse_decimal(s):
    s = s.strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s):
        return None
    try:
        return Fraction(Decimal(s))
    except (InvalidOperation, ValueError):
        return None


def fmt_money(minor, exp):
    sign = "-" if minor < 0 else ""
    v = abs(minor)
    if exp == 0:
        return sign + str(v)
    return "%s%d.%0*d" % (sign, v // 10 ** exp, exp, v % 10 ** exp)


def num(v):
    """a statistic as text: empty for None, NaN or inf"""
    if v is None:
        return ""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return ""
    return repr(v)


def parse_variants(s):
    """[(name, weight Fraction)] from NAME=W,... or NAME,NAME,..."""
    items = s.split(",")
    out = []
    for it in items:
        if "=" in it:
            name, w = it.split("=", 1)
            wv = parse_decimal(w)
            if wv is None or "=" in w:
                raise UsageError('--variants: weight "%s" is not a number'
                                 % w)
        else:
            name, wv = it, Fraction(1)
        if name == "":
            raise UsageError("--variants: a variant without a name")
        if wv <= 0:
            raise UsageError('--variants: the weight of "%s" must be > 0'
                             % name)
        if name in [n for n, _ in out]:
            raise UsageError('--variants: "%s" twice' % name)
        out.append((name, wv))
    if len(out) < 2:
        raise UsageError("--variants: at least 2 variants")
    return out


# ------------------------------------------------------------ statistics

def finite(v):
    return v is not None and not math.isnan(v) and not math.isinf(v)


def ctbc_quad(cb, nb, ca, na):
    """P(P_b > P_a), P ~ Beta(1 + c, 1 + n - c): integral of pdf_b cdf_a"""
    A = sst.beta(1 + cb, 1 + nb - cb)
    B = sst.beta(1 + ca, 1 + na - ca)
    ma, mb = A.mean(), B.mean()
    sd = max(A.std(), B.std())
    lo = max(0.0, min(ma, mb) - 40 * sd)
    hi = min(1.0, max(ma, mb) + 40 * sd)
    pts = sorted({x for x in (ma, mb, A.median(), B.median())
                  if lo < x < hi})
    val, _ = integrate.quad(lambda x: A.pdf(x) * B.cdf(x), lo, hi,
                            points=pts or None, limit=500, epsabs=1e-15,
                            epsrel=1e-12)
    # the mass of pdf_b outside [lo, hi] where cdf_a is 1 (above hi)
    if hi < 1.0:
        val += A.sf(hi)
    return min(1.0, max(0.0, val))


def ctbc_exact(cb, nb, ca, na):
    """Evan Miller's closed form for integer Beta parameters"""
    a_b, b_b = 1 + cb, 1 + nb - cb
    a_a, b_a = 1 + ca, 1 + na - ca
    tot = 0.0
    for i in range(a_b):
        tot += math.exp(special.betaln(a_a + i, b_b + b_a) -
                        math.log(b_b + i) - special.betaln(1 + i, b_b) -
                        special.betaln(a_a, b_a))
    return tot


def welch(yb, ya, const_b, const_a, alpha):
    """(diff, low, high, t, df, p) of Welch's test of b against a;
    const_x: every value of x is exactly equal (variance 0)"""
    nb, na = len(yb), len(ya)
    if nb == 0 or na == 0:
        return (None,) * 6
    diff = float(np.mean(yb)) - float(np.mean(ya))
    if nb < 2 or na < 2 or (const_b and const_a):
        return (diff, None, None, None, None, None)
    vb = 0.0 if const_b else float(np.var(yb, ddof=1))
    va = 0.0 if const_a else float(np.var(ya, ddof=1))
    sb, sa = vb / nb, va / na
    se2 = sb + sa
    df = se2 * se2 / (sb * sb / (nb - 1) + sa * sa / (na - 1))
    res = sst.ttest_ind(yb, ya, equal_var=False)
    t, p = float(res.statistic), float(res.pvalue)
    q = float(sst.t.ppf(1 - alpha / 2, df))
    se = math.sqrt(se2)
    return (diff, diff - q * se, diff + q * se, t, df, p)


def all_equal(vals):
    it = iter(vals)
    try:
        first = next(it)
    except StopIteration:
        return True
    return all(v == first for v in it)


class Group:
    """a side of a comparison: members, converters, per-member revenue
    (major units, floats) and whether those are all equal (exactly)"""

    def __init__(self, n, c, y, yconst, yadj=None, yadj_const=None):
        self.n, self.c = n, c
        self.y, self.yconst = y, yconst
        self.yadj, self.yadj_const = yadj, yadj_const


def compare(b, a, alpha):
    """the comparison fields of b against a (the control)"""
    r = {}
    if b.n == 0 or a.n == 0:
        return r
    pb, pa = b.c / b.n, a.c / a.n
    r["lift"] = pb - pa
    var_u = pb * (1 - pb) / b.n + pa * (1 - pa) / a.n
    if var_u > 0:
        lo, hi = confint_proportions_2indep(b.c, b.n, a.c, a.n,
                                            compare="diff", method="wald",
                                            alpha=alpha)
        r["lift_low"], r["lift_high"] = float(lo), float(hi)
    zq = float(sst.norm.ppf(1 - alpha / 2))
    if a.c > 0:
        rel = pb / pa - 1
        r["lift_rel"] = rel
        var_r = (pb * (1 - pb) / (b.n * pa * pa) +
                 pb * pb * pa * (1 - pa) / (a.n * pa ** 4))
        if var_r > 0:
            r["lift_rel_low"] = rel - zq * math.sqrt(var_r)
            r["lift_rel_high"] = rel + zq * math.sqrt(var_r)
    if 0 < b.c + a.c < b.n + a.n:
        z, p = proportions_ztest([b.c, a.c], [b.n, a.n],
                                 alternative="two-sided")
        r["z"], r["p_value"] = float(z), float(p)
    if b.yadj is not None:
        # CUPED: the revenue test is on the adjusted values (D14)
        d, lo, hi, t, df, p = welch(b.yadj, a.yadj, b.yadj_const,
                                    a.yadj_const, alpha)
    else:
        d, lo, hi, t, df, p = welch(b.y, a.y, b.yconst, a.yconst, alpha)
    r["revenue_diff"] = d
    r["revenue_diff_low"], r["revenue_diff_high"] = lo, hi
    r["t"], r["df"], r["p_revenue"] = t, df, p
    q = ctbc_quad(b.c, b.n, a.c, a.n)
    r["chance_to_beat_control"] = q
    return {k: v for k, v in r.items() if v is not None and finite(v)}


def holm(ps):
    """Holm-adjusted p-values; None in, None out (counted as 1)"""
    if not ps:
        return []
    full = [1.0 if p is None else p for p in ps]
    adj = multipletests(full, method="holm")[1]
    return [None if p is None else float(q) for p, q in zip(ps, adj)]


def verdict(r, nb, na, cb, ca, o, srm_bad, p_key):
    if nb < o.min_members or na < o.min_members or cb + ca < 10:
        return "not enough data"
    if srm_bad:
        return "inconclusive"
    p = r.get(p_key)
    eff = r.get("revenue_diff" if o.metric == "revenue" else "lift")
    if p is None or eff is None or not p < o.alpha:
        return "inconclusive"
    if eff > 0:
        return "winner"
    if eff < 0:
        return "loser"
    return "inconclusive"


# ------------------------------------------------------------ analyze

class Rejects:
    def __init__(self):
        self.items = []     # (record, reason, message, source)

    def add(self, rec, reason, msg, src):
        self.items.append((rec, reason, msg, src))

    def write(self, path):
        if path.endswith(".csv"):
            rows = [["reject_reason", "reject_source", "raw"]]
            for rec, reason, msg, src in self.items:
                rows.append([reason, src, json.dumps(rec,
                                                     ensure_ascii=False)])
            text = csv_text(rows)
        else:
            text = ""
            for rec, reason, msg, src in self.items:
                d = dict(rec)
                d["reject_reason"] = msg
                d["reject_source"] = src
                text += json.dumps(d, ensure_ascii=False) + "\n"
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)


def analyze(o, stderr):
    if o.partial or o.merge:
        raise UsageError("--partial and --merge are not in the reference")
    fmt = o.format or o.output_format or "csv"
    if fmt not in ("csv", "ndjson"):
        raise UsageError("--format %s is not in the reference" % fmt)
    if not o.assignments:
        raise UsageError("analyze needs --assignments FILE")
    if o.metric not in ("conversion", "revenue"):
        raise UsageError('--metric "%s": conversion or revenue' % o.metric)
    if not 0 < o.alpha < 1:
        raise UsageError("--alpha must be in (0, 1)")
    window = parse_span(o.window, "--window")
    if o.pre_window is not None and o.covariate != "pre_spend":
        raise UsageError("--pre-window goes with --covariate pre_spend")
    pre_window = parse_span(o.pre_window, "--pre-window") \
        if o.pre_window is not None else window
    tz = zone_of(o.tz)
    variants_opt = parse_variants(o.variants) if o.variants else None
    cost_per_send = None
    if o.cost_per_send is not None:
        cost_per_send = parse_decimal(o.cost_per_send)
        if cost_per_send is None or cost_per_send < 0:
            raise UsageError('--cost-per-send "%s" is not a number'
                             % o.cost_per_send)
    cov_field = None
    if o.covariate and o.covariate != "pre_spend":
        cov_field = o.covariate
    rj = Rejects()
    counts = {"records": 0, "skipped_experiment": 0, "skipped_empty": 0,
              "repeated": 0, "orders_used": 0, "orders_unused": 0}

    # --- assignments
    apath = o.assignments
    head, recs = read_records(apath)
    counts["records"] += len(recs)
    if "assigned_at" in head:
        kind, tcol = "assign", "assigned_at"
        ecol = "experiment" if "experiment" in head else None
    elif "send_at" in head:
        kind, tcol = "send", "send_at"
        ecol = ("campaign_id" if "campaign_id" in head else
                "experiment" if "experiment" in head else None)
    else:
        raise UsageError("%s: neither assigned_at nor send_at: not "
                         "assignments" % apath)
    if "member_id" not in head:
        raise UsageError("%s: no member_id column" % apath)
    if cov_field is not None and cov_field not in head:
        raise UsageError("%s: no column %s (--covariate)" % (apath,
                                                             cov_field))
    exps = []
    for rec, _ in recs:
        e = rec.get(ecol, "") if ecol else ""
        if e not in exps:
            exps.append(e)
    if o.experiment is not None:
        if o.experiment not in exps:
            raise UsageError("experiment %s is not in %s (it has %s)" % (
                o.experiment, apath, ", ".join(sorted(exps)) or "none"))
        key = o.experiment
    elif len(exps) > 1:
        raise UsageError("%s holds experiments %s: choose one with "
                         "--experiment" % (apath, ", ".join(sorted(exps))))
    else:
        key = exps[0] if exps else ""
    vnames = [n for n, _ in variants_opt] if variants_opt else None

    member = {}     # member_id -> dict(variant, start, x, line)
    for rec, line in recs:
        src = "%s:%d" % (apath, line)
        if ecol and rec.get(ecol, "") != key:
            counts["skipped_experiment"] += 1
            continue
        var = rec.get("variant", "")
        if var == "":
            if kind == "assign":
                counts["skipped_empty"] += 1
                continue
            var = "sent"
        mid = rec.get("member_id", "")
        if mid == "":
            rj.add(rec, "missing member_id", "member_id is missing", src)
            continue
        try:
            start = parse_time(rec.get(tcol, ""), tz)
        except ValueError:
            rj.add(rec, "bad assigned_at", '%s "%s" is not a time' % (
                tcol, rec.get(tcol, "")), src)
            continue
        if vnames is not None and var not in vnames:
            rj.add(rec, "unknown variant", 'variant "%s" is not in '
                   '--variants' % var, src)
            continue
        x = None
        if cov_field is not None:
            x = parse_decimal(rec.get(cov_field, ""))
            if x is None:
                rj.add(rec, "bad covariate", '%s "%s" is not a number' % (
                    cov_field, rec.get(cov_field, "")), src)
                continue
        m = member.get(mid)
        if m is None:
            member[mid] = {"variant": var, "start": start, "x": x,
                           "line": line}
        elif m["variant"] != var:
            rj.add(rec, "member in two variants", 'member %s is in '
                   'variant %s (line %d) and %s' % (mid, m["variant"],
                                                    m["line"], var), src)
        else:
            counts["repeated"] += 1
            if start < m["start"]:
                m["start"], m["x"] = start, x

    # --- holdout
    hold = {}
    if o.holdout:
        hhead, hrecs = read_records(o.holdout)
        counts["records"] += len(hrecs)
        if "member_id" not in hhead or "assigned_at" not in hhead:
            raise UsageError("%s: a holdout file needs member_id and "
                             "assigned_at" % o.holdout)
        hecol = "experiment" if "experiment" in hhead else None
        for rec, line in hrecs:
            src = "%s:%d" % (o.holdout, line)
            if hecol and rec.get(hecol, "") != key:
                counts["skipped_experiment"] += 1
                continue
            mid = rec.get("member_id", "")
            if mid == "":
                rj.add(rec, "missing member_id", "member_id is missing",
                       src)
                continue
            try:
                start = parse_time(rec.get("assigned_at", ""), tz)
            except ValueError:
                rj.add(rec, "bad assigned_at", 'assigned_at "%s" is not '
                       'a time' % rec.get("assigned_at", ""), src)
                continue
            if mid in member:
                rj.add(rec, "member in holdout and in a variant",
                       "member %s is held out and in variant %s" % (
                           mid, member[mid]["variant"]), src)
                continue
            h = hold.get(mid)
            if h is None:
                hold[mid] = {"start": start}
            else:
                counts["repeated"] += 1
                if start < h["start"]:
                    h["start"] = start

    # --- orders
    out = {mid: [0, 0, Fraction(0)] for mid in member}   # orders, minor, pre
    hout = {mid: [0, 0] for mid in hold}
    cur = o.currency.upper() if o.currency else None
    exp = None
    if cur is not None:
        if cur not in CURRENCY_EXP:
            raise UsageError('--currency: "%s" is not a currency code' % cur)
        exp = CURRENCY_EXP[cur]
    files = o.orders or ["-"]
    for path in files:
        ohead, orecs = read_records(path)
        counts["records"] += len(orecs)
        for rec, line in orecs:
            src = "%s:%d" % (path, line)
            st = rec.get("status", "")
            if st == "":
                rj.add(rec, "missing status", "status is missing", src)
                continue
            if st not in STATUSES:
                rj.add(rec, "unknown status", 'status "%s" is not paid, '
                       'refunded, cancelled or pending' % st, src)
                continue
            if st != "paid":
                continue
            mid = rec.get("member_id", "")
            if mid == "":
                rj.add(rec, "missing member_id", "member_id is missing",
                       src)
                continue
            try:
                ts = parse_time(rec.get("ts", ""), tz)
            except ValueError:
                rj.add(rec, "bad ts", 'ts "%s" is not a time' %
                       rec.get("ts", ""), src)
                continue
            c = rec.get("currency", "")
            if c != "":
                if cur is None:
                    if c.upper() not in CURRENCY_EXP:
                        rj.add(rec, "unknown currency", 'currency "%s" is '
                               'unknown' % c, src)
                        continue
                    cur, exp = c, CURRENCY_EXP[c.upper()]
                elif c != cur:
                    rj.add(rec, "other currency", 'currency "%s" differs '
                           'from %s' % (c, cur), src)
                    continue
            if exp is None:
                exp = 2
            a = parse_amount(rec.get("amount", ""), exp)
            if a is None:
                rj.add(rec, "bad amount", 'amount "%s" is not a number' %
                       rec.get("amount", ""), src)
                continue
            if mid in member:
                s = member[mid]["start"]
                if s <= ts < s + window:
                    out[mid][0] += 1
                    out[mid][1] += a
                    counts["orders_used"] += 1
                elif s - pre_window <= ts < s:
                    out[mid][2] += a
                    counts["orders_unused"] += 1
                else:
                    counts["orders_unused"] += 1
            elif mid in hold:
                s = hold[mid]["start"]
                if s <= ts < s + window:
                    hout[mid][0] += 1
                    hout[mid][1] += a
                    counts["orders_used"] += 1
                else:
                    counts["orders_unused"] += 1
            else:
                counts["orders_unused"] += 1
    if exp is None:
        exp = 2
    scale = 10 ** exp

    # --- variants, order, control
    seen = sorted({m["variant"] for m in member.values()},
                  key=lambda s: s.encode())
    if variants_opt:
        order = [n for n, _ in variants_opt]
        weights = {n: w for n, w in variants_opt}
    else:
        order = seen
        weights = {n: Fraction(1) for n in order}
    if o.control is not None:
        if o.control not in order:
            raise UsageError("--control %s is not a variant (the variants: "
                             "%s)" % (o.control, ", ".join(order)))
        control = o.control
    elif "control" in order:
        control = "control"
    elif order:
        control = order[0]
    else:
        control = None
    rows_order = ([control] if control is not None else []) + \
        [v for v in order if v != control]

    # --- per variant arrays
    groups = {}
    x_all, y_all_minor, ids_all = [], [], []
    for v in rows_order:
        mids = sorted((mid for mid, m in member.items()
                       if m["variant"] == v), key=lambda s: s.encode())
        ords = sum(out[mid][0] for mid in mids)
        minor = [out[mid][1] for mid in mids]
        conv = sum(1 for mid in mids if out[mid][0] > 0)
        y = np.array([mm / scale for mm in minor], dtype=float)
        g = Group(len(mids), conv, y, all_equal(minor))
        g.orders, g.rev_minor, g.mids, g.minor = ords, sum(minor), mids, \
            minor
        groups[v] = g
        for mid in mids:
            ids_all.append(mid)
            y_all_minor.append(out[mid][1])
            if o.covariate == "pre_spend":
                x_all.append(Fraction(out[mid][2], scale))
            elif cov_field is not None:
                x_all.append(member[mid]["x"])

    # --- CUPED
    vr = None
    if o.covariate:
        n = len(ids_all)
        yF = [Fraction(mm, scale) for mm in y_all_minor]
        theta = Fraction(0)
        if n >= 2:
            sx, sy = sum(x_all), sum(yF)
            sxx = sum(x * x for x in x_all)
            sxy = sum(x * y for x, y in zip(x_all, yF))
            vx = n * sxx - sx * sx
            if vx != 0:
                theta = (n * sxy - sx * sy) / vx
        xbar = sum(x_all) / n if n else Fraction(0)
        adj = {mid: (yv - theta * (xv - xbar), yv - theta * xv)
               for mid, yv, xv in zip(ids_all, yF, x_all)}
        for v in rows_order:
            g = groups[v]
            g.yadj = np.array([float(adj[mid][0]) for mid in g.mids],
                              dtype=float)
            g.yadj_const = all_equal(adj[mid][1] for mid in g.mids)
        if n >= 2 and not all_equal(y_all_minor):
            yarr = np.array([float(v) for v in yF], dtype=float)
            yadj = np.array([float(adj[mid][0]) for mid in ids_all],
                            dtype=float)
            vr = 1 - float(np.var(yadj, ddof=1)) / float(np.var(yarr,
                                                                 ddof=1))
            # the same, exactly: corr(x, y)^2 (theta is the OLS slope)
            if theta != 0:
                sx, sy = sum(x_all), sum(yF)
                vx = n * sum(x * x for x in x_all) - sx * sx
                vy = n * sum(y * y for y in yF) - sy * sy
                cxy = n * sum(x * y for x, y in zip(x_all, yF)) - sx * sy
                exact = float(cxy * cxy / (vx * vy))
            else:
                exact = 0.0
            assert abs(vr - exact) <= 1e-9 + 1e-9 * abs(exact), (vr, exact)

    # --- SRM
    srm = None
    nmem = [groups[v].n for v in rows_order]
    N = sum(nmem)
    if len(rows_order) >= 2 and N > 0:
        W = sum(weights[v] for v in rows_order)
        expct = [float(N * weights[v] / W) for v in rows_order]
        srm = float(sst.chisquare(nmem, expct).pvalue)
    srm_bad = srm is not None and srm < SRM_LIMIT
    if srm_bad:
        print("%s: sample ratio mismatch: srm_p %s < %s: every verdict is "
              "inconclusive" % (PROG, num(srm), SRM_LIMIT), file=stderr)

    # --- rows
    cols = list(BASE_COLS)
    if o.covariate:
        cols += CUPED_COLS
    cols.append("srm_p")
    if o.holdout:
        cols += HOLDOUT_COLS
    cols.append("verdict")
    rows = []

    def base(v, g):
        d = {"experiment": key, "variant": v, "members": g.n,
             "converters": g.c, "orders": g.orders,
             "revenue": fmt_money(g.rev_minor, exp)}
        if g.n > 0:
            d["conversion_rate"] = g.c / g.n
            d["orders_per_member"] = g.orders / g.n
            d["revenue_per_member"] = float(Fraction(g.rev_minor,
                                                     scale * g.n))
        d["srm_p"] = srm
        return d

    if control is not None:
        ctl = groups[control]
        d = base(control, ctl)
        d["variance_reduction"] = vr
        rows.append(d)
        comps = []
        for v in rows_order[1:]:
            g = groups[v]
            d = base(v, g)
            d.update(compare(g, ctl, o.alpha))
            d["variance_reduction"] = vr
            comps.append((d, g))
        ph = holm([d.get("p_value") for d, _ in comps])
        prh = holm([d.get("p_revenue") for d, _ in comps])
        for (d, g), a, b in zip(comps, ph, prh):
            d["p_holm"], d["p_revenue_holm"] = a, b
            d["verdict"] = verdict(d, g.n, ctl.n, g.c, ctl.c, o, srm_bad,
                                   "p_revenue_holm" if o.metric == "revenue"
                                   else "p_holm")
            rows.append(d)

    if o.holdout:
        hmids = sorted(hold, key=lambda s: s.encode())
        hminor = [hout[mid][1] for mid in hmids]
        hg = Group(len(hmids), sum(1 for mid in hmids if hout[mid][0] > 0),
                   np.array([mm / scale for mm in hminor], dtype=float),
                   all_equal(hminor))
        hg.orders = sum(hout[mid][0] for mid in hmids)
        hg.rev_minor = sum(hminor)
        sminor = [mm for v in rows_order for mm in groups[v].minor]
        sent = Group(len(sminor), sum(groups[v].c for v in rows_order),
                     np.array([mm / scale for mm in sminor], dtype=float),
                     all_equal(sminor))
        sent.rev_minor = sum(sminor)
        d = base("holdout", hg)
        r = compare(sent, hg, o.alpha)
        for k in CUPED_COLS:
            r.pop(k, None)
        d.update(r)
        d["verdict"] = verdict(d, sent.n, hg.n, sent.c, hg.c, o, srm_bad,
                               "p_revenue" if o.metric == "revenue"
                               else "p_value")
        n_sent = sent.n
        if "lift" in d:
            d["incremental_conversions"] = d["lift"] * n_sent
        if sent.n > 0 and hg.n > 0:
            inc = (Fraction(sent.rev_minor, scale * sent.n) -
                   Fraction(hg.rev_minor, scale * hg.n)) * n_sent
            d["incremental_revenue"] = float(inc)
            if cost_per_send is not None:
                cost = cost_per_send * n_sent
                d["cost"] = float(cost)
                if cost > 0:
                    d["roi"] = float((inc - cost) / cost)
        rows.append(d)

    # --- write
    if fmt == "csv":
        text = ",".join(cols) + "\n"
        for d in rows:
            text += ",".join(csv_field(cell(d, k)) for k in cols) + "\n"
    else:
        text = ""
        for d in rows:
            obj = {}
            for k in cols:
                s = cell(d, k)
                if s == "":
                    obj[k] = None
                elif k in TEXT_COLS:
                    obj[k] = s
                else:
                    obj[k] = json.loads(s)
            text += json.dumps(obj, ensure_ascii=False) + "\n"
    nrej = len(rj.items)
    if o.rejects:
        rj.write(o.rejects)
    elif nrej:
        for rec, reason, msg, src in rj.items[:5]:
            print("%s: %s: %s" % (PROG, src, msg), file=stderr)
    if not o.quiet:
        print("%s: %d members in %d variants, %d held out, %d repeated, "
              "%d skipped, %d orders counted, %d rejected" % (
                  PROG, len(member), len(rows_order), len(hold),
                  counts["repeated"], counts["skipped_experiment"] +
                  counts["skipped_empty"], counts["orders_used"], nrej),
              file=stderr)
    rc = 0
    if o.max_rejects:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)(%?)", o.max_rejects)
        if not m:
            raise UsageError("--max-rejects N or P%")
        lim = float(m.group(1))
        if m.group(2):
            if nrej > lim / 100 * counts["records"]:
                rc = 1
        elif nrej > lim:
            rc = 1
    elif counts["records"] > 0 and nrej == counts["records"]:
        rc = 1
    if srm_bad and o.strict:
        rc = 1
    if rc == 0:     # D20: the records only from a run that ends well
        if o.output and o.output != "-":
            with open(o.output, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
    return rc


def cell(d, k):
    v = d.get(k)
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return num(v)


# ------------------------------------------------------------ size

def size(o):
    p1 = parse_decimal(o.baseline or "")
    if p1 is None or not 0 < p1 < 1:
        raise UsageError("--baseline must be a rate in (0, 1)")
    p1 = float(p1)
    if o.variants is None:
        k = 2
    elif re.fullmatch(r"\d+", o.variants):
        k = int(o.variants)
    else:
        k = len(parse_variants(o.variants))
    if k < 2:
        raise UsageError("--variants: at least 2")
    alpha, power = o.alpha, o.power
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise UsageError("--alpha and --power must be in (0, 1)")
    ac = alpha / (k - 1)
    alt = "larger" if o.one_sided else "two-sided"
    d = {"baseline": p1, "alpha": alpha, "alpha_corrected": ac,
         "power": power, "variants": k,
         "alternative": "one-sided" if o.one_sided else "two-sided"}
    if (o.mde is None) == (o.n is None):
        raise UsageError("size needs --mde or --n (one of them)")
    if o.mde is not None:
        s = o.mde.strip()
        rel = s.endswith("%")
        D = parse_decimal(s[:-1] if rel else s)
        if D is None or D == 0:
            raise UsageError('--mde "%s" is not a non-zero number' % o.mde)
        p2 = p1 * (1 + float(D) / 100) if rel else p1 + float(D)
        if not 0 < p2 < 1:
            raise UsageError("--mde: the target rate %r is not in (0, 1)"
                             % p2)
        h = float(proportion_effectsize(p2, p1))
        n = float(NormalIndPower().solve_power(
            effect_size=abs(h), nobs1=None, alpha=ac, power=power, ratio=1,
            alternative=alt))
        npv = math.ceil(n)
        d.update(target=p2, mde=p2 - p1, mde_relative=(p2 - p1) / p1,
                 effect_size=h, n_per_variant=npv, n_total=npv * k,
                 n_exact=n)
    else:
        N = parse_decimal(o.n)
        S = parse_decimal(o.coverage) if o.coverage is not None \
            else Fraction(1)
        if N is None or N <= 0 or S is None or not 0 < S <= 1:
            raise UsageError("--n N > 0 and --coverage in (0, 1]")
        npv = math.floor(N * S / k)
        if npv < 2:
            raise UsageError("--n: fewer than 2 members a variant")
        h = float(NormalIndPower().solve_power(
            effect_size=None, nobs1=npv, alpha=ac, power=power, ratio=1,
            alternative=alt))
        ang = math.asin(math.sqrt(p1)) + h / 2
        d.update(effect_size=h, n_per_variant=npv, n_total=npv * k,
                 n_exact=float(npv))
        if ang <= math.pi / 2:
            p2 = math.sin(ang) ** 2
            d.update(target=p2, mde=p2 - p1, mde_relative=(p2 - p1) / p1)
    text = ",".join(SIZE_COLS) + "\n" + ",".join(
        csv_field(cell(d, k)) for k in SIZE_COLS) + "\n"
    if o.output and o.output != "-":
        with open(o.output, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


# ------------------------------------------------------------ compare

def close(a, b, rel=1e-4, absol=1e-9):
    return abs(a - b) <= max(absol, rel * max(abs(a), abs(b)))


def compare_files(exp_path, got_path, out=sys.stdout):
    """CSV record by record: same header, same number of records, text
    fields (and integers) equal, other numbers within rel 1e-4 / abs
    1e-9; returns the number of differences (printed)."""
    def load(p):
        with open(p, encoding="utf-8", newline="") as f:
            return list(csv.reader(f))
    try:
        e, g = load(exp_path), load(got_path)
    except OSError as x:
        print("    %s" % x, file=out)
        return 1
    bad = 0
    if not e or not g:
        print("    empty output: expected %d lines, got %d" % (len(e),
                                                               len(g)),
              file=out)
        return 1
    if e[0] != g[0]:
        print("    header differs:\n      expected %s\n      got      %s" %
              (",".join(e[0]), ",".join(g[0])), file=out)
        return 1
    head = e[0]
    if len(e) != len(g):
        print("    %d records expected, %d got" % (len(e) - 1, len(g) - 1),
              file=out)
        bad += 1
    for i, (re_, rg) in enumerate(zip(e[1:], g[1:]), 1):
        name = re_[1] if len(re_) > 1 else str(i)
        for k, a, b in zip(head, re_, rg):
            ok = True
            if a == b:
                continue
            if k in TEXT_COLS or a == "" or b == "":
                ok = False
            else:
                try:
                    fa, fb = float(a), float(b)
                except ValueError:
                    ok = False
                else:
                    if re.fullmatch(r"-?\d+", a) and k in (
                            "members", "converters", "orders", "variants",
                            "n_per_variant", "n_total"):
                        ok = fa == fb
                    else:
                        ok = close(fa, fb)
            if not ok:
                bad += 1
                if bad <= 20:
                    print("    record %d (%s) %s: expected %r, got %r" % (
                        i, name, k, a, b), file=out)
    if bad > 20:
        print("    ... %d differences in all" % bad, file=out)
    return bad


# ------------------------------------------------------------ selftest

SELFTESTS = []


def selftest_case(fn):
    SELFTESTS.append(fn)
    return fn


def near(a, b, tol=1e-9, what=""):
    assert a is not None and close(a, b, tol, tol), \
        "%s: got %r, want %r" % (what, a, b)


def eq(got, want, what=""):
    assert got == want, "%s: got %r, want %r" % (what, got, want)


def run_analyze(files, args):
    """runs analyze in a temporary directory on {name: text}; returns
    (rc, [row dicts], rejects text)"""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for name, text in files.items():
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        cwd = os.getcwd()
        os.chdir(d)
        try:
            o = parse_args(["analyze", "-q", "-o", "out.csv", "--rejects",
                            "rej.ndjson"] + args)
            err = io.StringIO()
            rc = analyze(o, err)
            with open("out.csv", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            with open("rej.ndjson", encoding="utf-8") as f:
                rej = f.read()
        finally:
            os.chdir(cwd)
    return rc, rows, rej


def fl(row, k):
    return float(row[k]) if row[k] != "" else None


def assignments(spec, t="2024-06-01T10:00:00+08:00", exp="e1", extra=None):
    """spec: [(variant, count)] -> CSV text, member ids m0001.. in order"""
    head = "experiment,member_id,variant,assigned_at"
    if extra:
        head += "," + extra[0]
    lines = [head]
    i = 0
    for v, n in spec:
        for _ in range(n):
            i += 1
            ln = "%s,m%04d,%s,%s" % (exp, i, v, t)
            if extra:
                ln += "," + extra[1](i)
            lines.append(ln)
    return "\n".join(lines) + "\n"


@selftest_case
def t_ztest_by_hand():
    # control 10/100, a 20/100.  pooled p = 30/200 = 0.15,
    # se = sqrt(0.15 * 0.85 * (1/100 + 1/100)) = sqrt(0.00255)
    #    = 0.0504975247..., z = (0.20 - 0.10) / se = 1.98029508...
    # p = 2 (1 - Phi(1.98029508)) = 0.04767...
    z, p = proportions_ztest([20, 10], [100, 100])
    se = math.sqrt(0.15 * 0.85 * 0.02)
    near(float(z), 0.1 / se, 1e-12, "z")
    near(float(z), 1.9802950859533, 1e-10, "z by hand")
    near(float(p), math.erfc(1.9802950859533 / math.sqrt(2)), 1e-9, "p")
    # Wald CI of the difference: se_u = sqrt(.2*.8/100 + .1*.9/100)
    # = sqrt(0.0025) = 0.05 exactly: 0.1 -/+ 1.959963985 * 0.05
    lo, hi = confint_proportions_2indep(20, 100, 10, 100, compare="diff",
                                        method="wald")
    near(float(lo), 0.1 - 1.959963984540054 * 0.05, 1e-12, "lo")
    near(float(hi), 0.1 + 1.959963984540054 * 0.05, 1e-12, "hi")


@selftest_case
def t_delta_method_by_hand():
    # p_a = 0.1 (n 100), p_b = 0.2 (n 100): rel = 1.0;
    # var = .2*.8/(100*.01) + .04*.1*.9/(100*.0001) = 0.16 + 0.36 = 0.52
    b = Group(100, 20, np.zeros(100), True)
    a = Group(100, 10, np.zeros(100), True)
    r = compare(b, a, 0.05)
    near(r["lift_rel"], 1.0, 1e-12, "rel")
    near(r["lift_rel_low"], 1.0 - 1.959963984540054 * math.sqrt(0.52),
         1e-12, "rel low")
    near(r["lift_rel_high"], 1.0 + 1.959963984540054 * math.sqrt(0.52),
         1e-12, "rel high")


@selftest_case
def t_zero_and_all():
    # no conversions on either side: lift 0, nothing else of conversion
    z = np.zeros(50)
    r = compare(Group(50, 0, z, True), Group(50, 0, z, True), 0.05)
    eq(r.get("lift"), 0.0, "lift")
    for k in ("lift_low", "lift_high", "lift_rel", "z", "p_value", "t",
              "df", "p_revenue", "revenue_diff_low"):
        assert k not in r, k
    eq(r.get("revenue_diff"), 0.0, "revenue_diff")
    # Beta(1, 51) against itself: 1/2
    near(r["chance_to_beat_control"], 0.5, 1e-10, "ctbc")
    # all converted on both sides: z undefined, rel 0 with no interval
    r = compare(Group(40, 40, np.ones(40), True),
                Group(60, 60, np.ones(60), True), 0.05)
    eq(r.get("lift"), 0.0, "lift")
    eq(r.get("lift_rel"), 0.0, "rel")
    assert "z" not in r and "lift_low" not in r and "lift_rel_low" not in r
    # 0% against 100%: pooled defined (z), unpooled variance 0 (no CI)
    r = compare(Group(10, 10, np.ones(10), True),
                Group(10, 0, np.zeros(10), True), 0.05)
    eq(r.get("lift"), 1.0, "lift")
    assert "lift_low" not in r and "lift_rel" not in r
    # pooled 0.5, se = sqrt(.25 * .2) = sqrt(.05); z = 1/sqrt(.05)
    near(r["z"], 1 / math.sqrt(0.05), 1e-12, "z")


@selftest_case
def t_welch_by_hand():
    # b = [1, 2, 3] (mean 2, s^2 1), a = [0, 0, 4] (mean 4/3, s^2 16/3)
    # se^2 = 1/3 + 16/9 = 19/9; t = (2/3) / sqrt(19/9) = 2/sqrt(19)
    # df = (19/9)^2 / ((1/3)^2/2 + (16/9)^2/2) = (361/81) / (265/162)
    #    = 722/265 = 2.7245...
    yb, ya = np.array([1.0, 2, 3]), np.array([0.0, 0, 4])
    d, lo, hi, t, df, p = welch(yb, ya, False, False, 0.05)
    near(d, 2 / 3, 1e-12, "diff")
    near(t, 2 / math.sqrt(19), 1e-12, "t")
    near(df, 722 / 265, 1e-12, "df")
    near(p, 2 * sst.t.sf(2 / math.sqrt(19), 722 / 265), 1e-12, "p")
    q = sst.t.ppf(0.975, 722 / 265)
    near(lo, 2 / 3 - q * math.sqrt(19 / 9), 1e-12, "lo")
    # one side constant: df = n_other - 1
    d, lo, hi, t, df, p = welch(np.array([1.0, 2, 3]), np.zeros(5), False,
                                True, 0.05)
    near(df, 2.0, 1e-12, "df, a constant")
    near(t, 2 / math.sqrt(1 / 3), 1e-12, "t, a constant")


@selftest_case
def t_chance_to_beat():
    for cb, nb, ca, na in ((0, 10, 0, 10), (3, 10, 1, 12), (120, 1000,
                                                            100, 1000),
                           (0, 2000, 5, 1500), (900, 1000, 880, 1000),
                           (30, 3000, 60, 3000), (1, 1, 0, 1)):
        q = ctbc_quad(cb, nb, ca, na)
        e = ctbc_exact(cb, nb, ca, na)
        assert abs(q - e) < 1e-10, (cb, nb, ca, na, q, e)
    # Beta(2,1) against Beta(1,2): P = 1 - 1/6 ... by hand:
    # P(X > Y), X ~ 2x, Y ~ 2(1-y): integral of 2x (2x - x^2) = 4/3 - 1/2
    near(ctbc_quad(1, 1, 0, 1), 5 / 6, 1e-10, "5/6")


@selftest_case
def t_holm():
    # 0.01, 0.04, 0.03 -> sorted .01 .03 .04, times 3, 2, 1: .03 .06 .04
    # then the running maximum: .03, .06, .06
    eq([round(x, 12) for x in holm([0.01, 0.04, 0.03])], [0.03, 0.06, 0.06])
    # an undefined p counts as 1 in the family, and stays undefined
    eq([None if x is None else round(x, 12) for x in holm([0.01, None])],
       [0.02, None])


@selftest_case
def t_srm_by_hand():
    # 1000 against 850 at 50/50: expected 925 each; chi2 = 2 * 75^2 / 925
    # = 12.162162...; p = P(chi2_1 > 12.16) = erfc(sqrt(12.16/2))
    r = sst.chisquare([1000, 850], [925, 925])
    near(float(r.statistic), 2 * 75 ** 2 / 925, 1e-12, "chi2")
    near(float(r.pvalue), math.erfc(math.sqrt(2 * 75 ** 2 / 925 / 2)),
         1e-10, "p")
    assert r.pvalue < 0.001


@selftest_case
def t_size_by_hand():
    # p1 0.10 -> p2 0.12: h = 2 asin(sqrt .12) - 2 asin(sqrt .1)
    # n = ((z_.975 + z_.8) / h)^2 * 2, less the negligible other tail
    h = 2 * math.asin(math.sqrt(0.12)) - 2 * math.asin(math.sqrt(0.10))
    n0 = 2 * ((1.959963984540054 + 0.8416212335729143) / h) ** 2
    o = parse_args(["size", "--baseline", "0.10", "--mde", "0.02"])
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf
    try:
        size(o)
    finally:
        sys.stdout = old
    row = list(csv.DictReader(io.StringIO(buf.getvalue())))[0]
    near(float(row["effect_size"]), h, 1e-12, "h")
    n = float(row["n_exact"])
    near(n, n0, 1e-4, "n, one tail")
    # the spec's power, both tails, at n_exact: 0.8
    zc = 1.959963984540054
    pw = sst.norm.cdf(h * math.sqrt(n / 2) - zc) + \
        sst.norm.cdf(-h * math.sqrt(n / 2) - zc)
    near(float(pw), 0.8, 1e-9, "power at n")
    eq(row["n_per_variant"], str(math.ceil(n0)), "n per variant")
    eq(row["n_total"], str(2 * math.ceil(n0)), "n total")


@selftest_case
def t_analyze_window_and_orders():
    # m0001 control, m0002 a, both starting 2024-06-01 10:00+08:00, 1d
    # window.  Counted: m0001's 12.50 at the start itself (02:00Z), and
    # 7.25 at 09:59:59+08:00 next day; not: the one at 10:00 next day
    # (the window's end), one before the start, a refunded one, one of a
    # stranger.  m0002: 100 paid, in USD (rejected: the run is CNY).
    a = assignments([("control", 1), ("a", 1)])
    orders = ("order_id,member_id,ts,amount,currency,status\n"
              "o1,m0001,2024-06-01T02:00:00Z,12.50,CNY,paid\n"
              "o2,m0001,2024-06-02T09:59:59+08:00,7.25,CNY,paid\n"
              "o3,m0001,2024-06-02T10:00:00+08:00,1.00,CNY,paid\n"
              "o4,m0001,2024-06-01T09:59:59+08:00,1.00,CNY,paid\n"
              "o5,m0001,2024-06-01T12:00:00+08:00,1.00,CNY,refunded\n"
              "o6,x9,2024-06-01T12:00:00+08:00,1.00,CNY,paid\n"
              "o7,m0002,2024-06-01T12:00:00+08:00,100,USD,paid\n"
              "o8,m0002,2024-06-01T12:00:00+08:00,5,,paid\n")
    rc, rows, rej = run_analyze({"a.csv": a, "o.csv": orders},
                                ["--assignments", "a.csv", "--window", "1d",
                                 "--min-members", "1", "o.csv"])
    eq(rc, 0, "rc")
    eq([r["variant"] for r in rows], ["control", "a"], "order")
    eq((rows[0]["orders"], rows[0]["revenue"]), ("2", "19.75"), "control")
    eq((rows[1]["orders"], rows[1]["revenue"]), ("1", "5.00"), "a")
    eq(rej.count("o.csv:8"), 1, "USD rejected")
    eq(rows[1]["verdict"], "not enough data", "verdict")


@selftest_case
def t_analyze_duplicates_and_holdout():
    a = ("experiment,member_id,variant,assigned_at\n"
         "e1,m1,control,2024-06-02T00:00:00+08:00\n"
         "e1,m2,a,2024-06-01T00:00:00+08:00\n"
         "e1,m1,control,2024-06-01T00:00:00+08:00\n"   # repeat: earlier
         "e1,m2,control,2024-06-01T00:00:00+08:00\n"   # two variants: line 5
         "e1,m3,,2024-06-01T00:00:00+08:00\n"          # outside the test
         "e2,m4,a,2024-06-01T00:00:00+08:00\n")        # other experiment
    h = ("experiment,member_id,variant,assigned_at\n"
         "e1,m1,holdout,2024-06-01T00:00:00+08:00\n"   # in a variant: line 2
         "e1,m5,holdout,2024-06-01T00:00:00+08:00\n")
    orders = ("order_id,member_id,ts,amount,currency,status\n"
              "o1,m1,2024-06-01T12:00:00+08:00,10.00,CNY,paid\n"
              "o2,m5,2024-06-01T12:00:00+08:00,4.00,CNY,paid\n")
    rc, rows, rej = run_analyze({"a.csv": a, "h.csv": h, "o.csv": orders},
                                ["--assignments", "a.csv", "--holdout",
                                 "h.csv", "--experiment", "e1",
                                 "--cost-per-send", "0.5", "o.csv"])
    eq([r["variant"] for r in rows], ["control", "a", "holdout"], "rows")
    eq(rows[0]["revenue"], "10.00", "m1 counts from its earlier start")
    eq(rows[2]["members"], "1", "holdout members")
    srcs = sorted(json.loads(x)["reject_source"] for x in rej.splitlines())
    eq(srcs, ["a.csv:5", "h.csv:2"], "rejects")
    # sent: 2 members, 10.00; holdout 1 member, 4.00: incremental revenue
    # (5 - 4) * 2 = 2, cost 0.5 * 2 = 1, roi (2 - 1) / 1 = 1
    near(fl(rows[2], "incremental_revenue"), 2.0, 1e-12, "inc rev")
    near(fl(rows[2], "cost"), 1.0, 1e-12, "cost")
    near(fl(rows[2], "roi"), 1.0, 1e-12, "roi")
    near(fl(rows[2], "incremental_conversions"), (0.5 - 1.0) * 2, 1e-12,
         "inc conv")


@selftest_case
def t_analyze_cuped_constant():
    # a constant covariate: theta 0, the CUPED test equals the plain one
    a = assignments([("control", 30), ("a", 30)],
                    extra=("score", lambda i: "0.10"))
    orders = "order_id,member_id,ts,amount,currency,status\n" + "".join(
        "o%d,m%04d,2024-06-02T00:00:00+08:00,%d.%02d,CNY,paid\n" % (
            i, i, i % 7 + 1, i % 100) for i in range(1, 61, 3))
    rc, rows, _ = run_analyze({"a.csv": a, "o.csv": orders},
                              ["--assignments", "a.csv", "--covariate",
                               "score", "o.csv"])
    eq(rows[1]["variance_reduction"], "0.0", "vr")
    rc, plain, _ = run_analyze({"a.csv": a, "o.csv": orders},
                               ["--assignments", "a.csv", "o.csv"])
    for k in ("revenue_diff", "revenue_diff_low", "t", "p_revenue"):
        near(fl(rows[1], k), fl(plain[1], k), 1e-12, k)


@selftest_case
def t_analyze_cuped_perfect():
    # y = 2 x exactly for every member: theta 2, y_adj constant, all the
    # variance explained: variance_reduction 1, the CUPED test undefined
    a = assignments([("control", 5), ("a", 5)],
                    extra=("x", lambda i: "%d" % i))
    orders = "order_id,member_id,ts,amount,currency,status\n" + "".join(
        "o%d,m%04d,2024-06-02T00:00:00+08:00,%d.00,CNY,paid\n" % (i, i, 2 * i)
        for i in range(1, 11))
    rc, rows, _ = run_analyze({"a.csv": a, "o.csv": orders},
                              ["--assignments", "a.csv", "--covariate", "x",
                               "o.csv"])
    near(fl(rows[1], "variance_reduction"), 1.0, 1e-12, "vr")
    eq(rows[1]["p_revenue"], "", "undefined")
    # y_adj = y - 2 (x - 5.5) = 11 for everyone: diff 0
    near(fl(rows[1], "revenue_diff"), 0.0, 1e-12, "cuped diff")


def selftest():
    if not HAVE_LIBS:
        print("%s: %s" % (PROG, LIB_ERROR))
        print("0 passed, 1 failed")
        return 1
    ok = bad = 0
    for fn in SELFTESTS:
        try:
            fn()
            ok += 1
        except AssertionError as e:
            bad += 1
            print("FAIL %s: %s" % (fn.__name__, e))
        except Exception as e:   # noqa
            bad += 1
            print("FAIL %s: %s: %s" % (fn.__name__, type(e).__name__, e))
    print("%d passed, %d failed" % (ok, bad))
    return 0 if bad == 0 else 1


# ------------------------------------------------------------ main

def parse_args(argv):
    ap = argparse.ArgumentParser(prog=PROG, add_help=True)
    ap.add_argument("command", choices=["analyze", "size", "assign"])
    # shared (mbr_cli)
    ap.add_argument("--as-of")
    ap.add_argument("--tz")
    ap.add_argument("-o", "--output")
    ap.add_argument("--rejects")
    ap.add_argument("--max-rejects")
    ap.add_argument("--input-format")
    ap.add_argument("--output-format")
    ap.add_argument("-q", "--quiet", action="store_true")
    ap.add_argument("--threads")
    # analyze
    ap.add_argument("--assignments")
    ap.add_argument("--holdout")
    ap.add_argument("--window", default="7d")
    ap.add_argument("--experiment")
    ap.add_argument("--variants")
    ap.add_argument("--control")
    ap.add_argument("--metric", default="conversion")
    ap.add_argument("--covariate")
    ap.add_argument("--pre-window")
    ap.add_argument("--cost-per-send")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--min-members", type=int, default=100)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--partial", action="store_true")
    ap.add_argument("--merge", action="store_true")
    ap.add_argument("--format")
    ap.add_argument("--currency")
    # size
    ap.add_argument("--baseline")
    ap.add_argument("--mde")
    ap.add_argument("--power", type=float, default=0.8)
    ap.add_argument("--one-sided", action="store_true")
    ap.add_argument("--n")
    ap.add_argument("--coverage")
    ap.add_argument("orders", nargs="*")
    return ap.parse_intermixed_args(argv)


def main(argv):
    if argv[:1] == ["--selftest"]:
        return selftest()
    if argv[:1] == ["--compare"]:
        if len(argv) != 3:
            print("usage: %s --compare EXPECTED GOT" % PROG, file=sys.stderr)
            return 2
        return 1 if compare_files(argv[1], argv[2]) else 0
    if not HAVE_LIBS:
        print("%s: needs scipy and statsmodels: %s" % (PROG, LIB_ERROR),
              file=sys.stderr)
        return 2
    try:
        o = parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if o.command == "assign":
            raise UsageError("assign is not in the reference")
        if o.command == "size":
            return size(o)
        return analyze(o, sys.stderr)
    except UsageError as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 2
    except IOFail as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
