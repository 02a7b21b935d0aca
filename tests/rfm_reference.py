#!/usr/bin/python3
"""rfm_reference.py: an independent reference for mbr-rfm's golden tests.

Reads canonical orders (CSV or NDJSON) and computes each member's RFM
metrics, scores, segment and lifecycle stage with pandas, numpy and
zoneinfo, from the rules as the issue and mbr-rfm(1) state them, not from
the C code.  Writes what mbr-rfm should write: the records on stdout in
mbr-rfm's format, the --thresholds file, and on stderr the reject
previews, the --summary break points and the counts line.

    /usr/bin/python3 tests/rfm_reference.py --as-of 2024-12-01T00:00:00+08:00 \\
        --tz Asia/Shanghai orders.csv > expected.out 2> expected.err

To remake a case's expected files: cd tests/golden/mbr-rfm/CASE; sh reference
> expected.out 2> expected.err (drop an empty expected.err; a non-zero exit
status goes into expected.rc).

Needs Debian's python3-pandas (pandas 1.5, numpy 1.24); the golden tests
only compare with the stored output and need neither.  Each case's
`reference` file holds the command that made its expected output.

The rules, as implemented here:

- A paid order (valid, up to --as-of) whose order_id was seen before on
  a paid order is a duplicate when its member, time and amount are the
  same (counted, left out) and a conflict reject otherwise; an order
  without an id always counts.  --no-dedupe: none of that.
- Only status paid counts; refunded, cancelled and pending orders are
  counted and left out.  A paid order after --as-of is left out.  A paid
  order with a negative amount (a return booked as an order) lowers
  monetary and is no purchase: it is not counted in frequency.
- recency_days and tenure_days count calendar days in --tz from the last
  and the first paid order's local date to the as-of local date.
- frequency: paid orders with amount >= 0 (--frequency days: the distinct
  local dates of those); monetary: the sum of the paid amounts; both only
  over orders whose age (as-of date minus order date) is below N with
  --window Nd.  --also Nd adds frequency_Nd and monetary_Nd by the same
  rule.  aov = monetary / frequency, half away from zero to the minor
  unit, null when frequency is 0.
- quantile scores (R package rfm, rfm_table_order): over the members with
  a paid order, b_0 = min, b_i = np.percentile(values, 100 i/K) + unit
  (i = 1..K-1), b_K = max + unit; score = 1 + #{i in 1..K-1: b_i <= x};
  recency runs in reverse (K + 1 - score).  The unit is a day, an order
  or one major unit of money.
- --scoring rank: 1 + floor((rank_min - 1) K / n), pandas'
  rank(method='min') ascending; recency ranks -recency_days.
- --bins 'r=.. f=.. m=..': the given thresholds are b_1.., m in major
  units; K = count + 1 per dimension; the same formula.
- rfm11: the first row of mbr-rfm(1)'s table that holds the scores.  With
  K other than 5 a score s is first put on the 1..5 scale at the middle
  of its quantile range: 1 + floor((s - 1/2) 5 / K), so the lowest score
  stays 1, the highest becomes 5 and the middle one 3.
- rfm8: R high when recency_days < mean (or median), F and M high when
  above it.
- lifecycle: prospect (no paid order), new (tenure <= --new-days),
  active (recency <= --sleeping-days), sleeping (<= --churned-days),
  churned.

Money is integer minor units (Python int) and Decimal for division; a
break point is a Fraction.  np.percentile returns a float; the exact
type 7 quantile of integers at i/K is a multiple of 1/K, so the float is
snapped to the nearest multiple of 1/K before it is compared (with raw
floats a member whose value sits exactly on a break point can move to
the wrong score).
"""

import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
from decimal import Decimal, ROUND_HALF_UP
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

PROG = "mbr-rfm"
SHOWN = 5  # reject previews on stderr

# ISO 4217 minor units of the currencies the tests use.
CURRENCY_EXP = {"CNY": 2, "RMB": 2, "GBP": 2, "USD": 2, "EUR": 2,
                "HKD": 2, "TWD": 2, "JPY": 0, "KRW": 0, "KWD": 3,
                "BHD": 3}

# mbr-rfm(1), "Segments": segment, R, F, M ranges; first match wins.
RFM11 = [
    ("champions", "冠军客户", (4, 5), (4, 5), (4, 5)),
    ("loyal", "忠诚客户", (2, 5), (3, 5), (3, 5)),
    ("new", "新晋客户", (4, 5), (1, 1), (1, 5)),
    ("promising", "有潜力新客户", (3, 3), (1, 1), (1, 5)),
    ("need_attention", "需要关注客户", (2, 3), (2, 3), (2, 3)),
    ("potential_loyalist", "潜力客户", (3, 5), (1, 5), (1, 5)),
    ("cannot_lose", "不能失去客户", (1, 1), (4, 5), (4, 5)),
    ("at_risk", "流失风险客户", (1, 2), (2, 5), (2, 5)),
    ("about_to_sleep", "即将沉睡客户", (2, 2), (1, 2), (1, 2)),
    ("lost", "已流失客户", (1, 1), (1, 2), (1, 2)),
    ("hibernating", "休眠客户", (1, 2), (1, 5), (1, 5)),
]

# The 8-class model: (R high, F high, M high) -> names, in the order a
# summary lists them (most valuable first).
RFM8 = [
    ((True, True, True), "important_value", "重要价值客户"),
    ((True, False, True), "important_development", "重要发展客户"),
    ((False, True, True), "important_retention", "重要保持客户"),
    ((False, False, True), "important_winback", "重要挽留客户"),
    ((True, True, False), "general_value", "一般价值客户"),
    ((True, False, False), "general_development", "一般发展客户"),
    ((False, True, False), "general_retention", "一般保持客户"),
    ((False, False, False), "general_winback", "一般挽留客户"),
]

LIFECYCLE = {
    "prospect": "潜在客户", "new": "新客户", "active": "活跃客户",
    "sleeping": "沉睡客户", "churned": "流失客户",
}

METRICS = ["member_id", "first_order_ts", "last_order_ts", "recency_days",
           "frequency", "monetary", "aov", "tenure_days", "r_score",
           "f_score", "m_score", "rfm", "rfm_segment", "lifecycle"]

EPOCH = dt.date(1970, 1, 1)


class UsageError(Exception):
    pass


def days_arg(s):
    return int(s[:-1] if s.endswith("d") else s)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="rfm_reference.py")
    p.add_argument("--as-of", required=True)
    p.add_argument("--tz", default="UTC")
    p.add_argument("--window", type=days_arg, default=0)
    p.add_argument("--also", default="")
    p.add_argument("--frequency", choices=["orders", "days"],
                   default="orders")
    p.add_argument("--members")
    p.add_argument("--scoring", choices=["quantile", "rank"],
                   default="quantile")
    p.add_argument("--scores", type=int, default=5)
    p.add_argument("--bins")
    p.add_argument("--model", choices=["rfm11", "rfm8"], default="rfm11")
    p.add_argument("--split", choices=["mean", "median"], default="mean")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.add_argument("--new-days", type=days_arg, default=30)
    p.add_argument("--sleeping-days", type=days_arg, default=60)
    p.add_argument("--churned-days", type=days_arg, default=90)
    p.add_argument("--summary", action="store_true")
    p.add_argument("--thresholds")
    p.add_argument("--currency")
    p.add_argument("--no-dedupe", action="store_true")
    p.add_argument("--max-rejects")
    p.add_argument("--output-format", choices=["csv", "ndjson"])
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("files", nargs="*")
    a = p.parse_args(argv)
    a.also = [days_arg(x) for x in a.also.split(",") if x]
    return a


# --- input ---------------------------------------------------------------

def read_records(path):
    """Yields (line, {field: str or None}) for each record of a CSV or
    NDJSON file, and first (0, header list or None)."""
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")
    if text.lstrip()[:1] == "{":
        yield 0, None
        for i, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            obj = json.loads(line, parse_float=str, parse_int=str)
            rec = {k: (None if v is None else str(v)) for k, v in obj.items()}
            yield i, rec
        return
    rd = csv.reader(io.StringIO(text, newline=""))
    header = None
    prev = 0
    for row in rd:
        start = prev + 1
        prev = rd.line_num
        if header is None:
            header = row
            yield 0, header
            continue
        if not row:
            continue
        yield start, dict(zip(header, row))
    if header is None:
        yield 0, []


def parse_time(s, zone):
    """An aware datetime, or None if s is no ISO 8601 time."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d"
                        r"(Z|[+-]\d\d:\d\d)?", s):
        return None
    try:
        t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=zone)
    return t


def parse_money(s, exp):
    """Integer minor units, or None."""
    m = re.fullmatch(r"(-?)(\d+)(?:\.(\d+))?", s)
    if not m or len(m.group(3) or "") > exp:
        return None
    d = Decimal(s).scaleb(exp)
    return int(d)


def local_day(t, zone):
    return (t.astimezone(zone).date() - EPOCH).days


def fmt_time(t, zone):
    lt = t.astimezone(zone)
    off = int(lt.utcoffset().total_seconds()) // 60
    sign = "-" if off < 0 else "+"
    off = abs(off)
    return lt.strftime("%Y-%m-%dT%H:%M:%S") + "%s%02d:%02d" % (
        sign, off // 60, off % 60)


def fmt_money(minor, exp):
    d = Decimal(int(minor)).scaleb(-exp)
    return "%.*f" % (exp, d) if exp else "%d" % d


def fmt_frac(x, places, scale=1):
    """x / scale with at most `places` decimals, the last rounded half
    away from zero, trailing zeros dropped."""
    x = Fraction(x) / scale
    neg = x < 0
    q = abs(x) * 10 ** places
    q = int(q + Fraction(1, 2))          # floor(|x| 10^p + 1/2)
    ip, fp = divmod(q, 10 ** places)
    s = str(ip)
    if places:
        frac = ("%0*d" % (places, fp)).rstrip("0")
        if frac:
            s += "." + frac
    return ("-" if neg and q else "") + s


# --- output --------------------------------------------------------------

def csv_quote(s):
    if s and (s[0] in " \t" or s[-1] in " \t" or
              any(c in s for c in ',"\r\n')):
        return '"' + s.replace('"', '""') + '"'
    return s


class Writer:
    def __init__(self, out, fmt):
        self.out, self.fmt, self.header = out, fmt, None

    def declare(self, names):
        if self.header is None and self.fmt == "csv":
            self.header = list(names)
            self.out.write(",".join(csv_quote(n) for n in names) + "\n")

    def rec(self, fields):
        """fields: list of (name, value, kind), kind 'str', 'num' or
        'null'."""
        if self.fmt == "ndjson":
            parts = []
            for n, v, k in fields:
                if k == "null" or v is None:
                    js = "null"
                elif k == "num":
                    js = str(v)
                else:
                    js = json.dumps(v, ensure_ascii=False)
                parts.append(json.dumps(n, ensure_ascii=False) + ":" + js)
            self.out.write("{" + ",".join(parts) + "}\n")
            return
        self.declare([n for n, _, _ in fields])
        by = {n: ("" if v is None or k == "null" else str(v))
              for n, v, k in fields}
        extra = set(by) - set(self.header)
        assert not extra, "field not in the CSV header: %s" % extra
        self.out.write(",".join(csv_quote(by.get(n, ""))
                                for n in self.header) + "\n")


# --- the computation -----------------------------------------------------

def percentile_break(values, i, k):
    """b_i before the unit: numpy's type 7 percentile at 100 i / K, as
    the exact fraction it stands for (a multiple of 1/K)."""
    q = np.percentile(values, 100.0 * i / k)
    return Fraction(round(q * k), k)


def quantile_breaks(values, k, unit):
    v = np.asarray(values, dtype=np.float64)
    b = [Fraction(int(min(values)))]
    for i in range(1, k):
        b.append(percentile_break(v, i, k) + unit)
    b.append(Fraction(int(max(values)) + unit))
    return b


def score_by_breaks(x, b):
    return 1 + sum(1 for bi in b[1:-1] if bi <= x)


def to_five(s, k):
    """A score of 1..K on the 1..5 scale of the rfm11 table."""
    if k == 5:
        return s
    return 1 + (2 * s - 1) * 5 // (2 * k)


def parse_bins(spec, exp):
    out = {}
    for part in spec.split():
        d, _, nums = part.partition("=")
        vals = [Decimal(x) for x in nums.split(",")]
        if d == "m":
            vals = [int(x.scaleb(exp)) for x in vals]
        else:
            vals = [int(x) for x in vals]
        out[d] = vals
    return out


def main(argv):
    a = parse_args(argv)
    zone = ZoneInfo(a.tz)
    asof = parse_time(a.as_of, zone)
    asof_day = local_day(asof, zone)
    zh = a.lang == "zh"
    out = io.StringIO()
    err = io.StringIO()

    # -- read and classify the orders, in file order
    cur = a.currency
    exp = CURRENCY_EXP[cur] if cur else None
    rows = []          # valid paid orders up to --as-of
    seen_order = []    # members of those and of other orders, in order
    n_read = n_paid = n_other = n_future = n_dup = 0
    first_of = {}      # order_id -> (file, line, (member, time, amount))
    rejects = []       # (reason, message, file, line)
    fmt_in = None
    for path in a.files:
        for line, rec in read_records(path):
            if line == 0:
                if rec is None:
                    fmt_in = fmt_in or "ndjson"
                    continue
                fmt_in = fmt_in or "csv"
                if rec:
                    for col in ("member_id", "ts", "amount", "status"):
                        if col not in rec:
                            sys.stderr.write(
                                '%s: %s:1: missing column "%s" (orders '
                                'need member_id, ts, amount, status)\n' %
                                (PROG, path, col))
                            return 2
                continue
            n_read += 1

            def reject(reason, msg):
                rejects.append((reason, msg, path, line))

            st = rec.get("status") or ""
            if st == "":
                reject("missing status", "status is missing")
                continue
            if st != "paid":
                if st in ("refunded", "cancelled", "pending"):
                    n_other += 1
                    # its member is known (frequency 0) when it has an
                    # id and a time up to --as-of
                    mid = rec.get("member_id") or ""
                    ts = rec.get("ts")
                    t = parse_time(ts, zone) if ts is not None else None
                    if mid != "" and t is not None and t <= asof:
                        seen_order.append(mid)
                else:
                    reject("unknown status", 'status "%s" is not paid, '
                           "refunded, cancelled or pending" % st)
                continue
            mid = rec.get("member_id") or ""
            if mid == "":
                reject("missing member_id", "member_id is missing")
                continue
            ts = rec.get("ts")
            t = parse_time(ts, zone) if ts is not None else None
            if t is None:
                reject("bad ts", 'ts "%s" is not a valid time' % ts
                       if ts is not None else "ts is missing")
                continue
            c = rec.get("currency") or ""
            if c:
                if cur is None:
                    if c.upper() not in CURRENCY_EXP:
                        reject("unknown currency",
                               'currency "%s" is unknown' % c)
                        continue
                    cur, exp = c, CURRENCY_EXP[c.upper()]
                elif c != cur:
                    reject("other currency", 'currency "%s" differs from '
                           "%s, the currency of the run (sums of two "
                           "currencies mean nothing)" % (c, cur))
                    continue
            if exp is None:
                exp = 2  # CNY, the default currency
            amt = rec.get("amount")
            minor = parse_money(amt, exp) if amt is not None else None
            if minor is None:
                reject("bad amount", 'amount "%s" is not a number' % amt
                       if amt is not None else "amount is missing")
                continue
            if t > asof:
                n_future += 1
                continue
            oid = rec.get("order_id") or ""
            if oid != "" and not a.no_dedupe:
                if oid in first_of:
                    fpath, fline, what = first_of[oid]
                    if what == (mid, t, minor):
                        n_dup += 1
                    else:
                        reject("conflicting order_id", 'order_id "%s" '
                               "conflicts with the order at %s:%d (another "
                               "member, time or amount)" %
                               (oid, fpath, fline))
                    continue
                first_of[oid] = (path, line, (mid, t, minor))
            n_paid += 1
            rows.append((mid, t, minor))
            seen_order.append(mid)
    if exp is None:
        exp = 2
    fmt_out = a.output_format or fmt_in or "csv"
    unit_m = 10 ** exp

    # -- metrics per member, by groupby
    P = pd.DataFrame(rows, columns=["member_id", "t", "amount"])
    P["amount"] = P["amount"].astype(object)  # Python ints: no overflow
    P["day"] = [local_day(t, zone) for t in P["t"]]
    P["age"] = asof_day - P["day"]
    P["purchase"] = P["amount"].map(lambda x: x >= 0)
    order_of = list(dict.fromkeys(P["member_id"]))   # first seen
    g = P.groupby("member_id", sort=False)
    M = pd.DataFrame(index=pd.Index(order_of, name="member_id"))
    M["first_t"] = g["t"].min()
    M["last_t"] = g["t"].max()
    M["recency"] = [asof_day - local_day(t, zone) for t in M["last_t"]]
    M["tenure"] = [asof_day - local_day(t, zone) for t in M["first_t"]]

    def freq_money(mask):
        if P.empty:
            return pd.Series(dtype=int), pd.Series(dtype=object)
        sub = P[mask]
        buy = sub[sub["purchase"]].groupby("member_id")
        if a.frequency == "days":
            f = buy["day"].nunique()
        else:
            f = buy.size()
        m = sub.groupby("member_id")["amount"].agg(
            lambda s: sum(int(x) for x in s))
        f = f.reindex(M.index).fillna(0).astype(int)
        m = m.reindex(M.index).map(lambda x: 0 if pd.isna(x) else int(x))
        return f, m

    inwin = (P["age"] < a.window) if a.window else pd.Series(
        True, index=P.index)
    M["frequency"], M["monetary"] = freq_money(inwin)
    for n in a.also:
        M["frequency_%dd" % n], M["monetary_%dd" % n] = freq_money(
            P["age"] < n)

    # -- scores over the members with a paid order
    n = len(M)
    K = {"r": a.scores, "f": a.scores, "m": a.scores}
    col = {"r": "recency", "f": "frequency", "m": "monetary"}
    unit = {"r": 1, "f": 1, "m": unit_m}
    breaks = {}
    if n:
        if a.bins:
            th = parse_bins(a.bins, exp)
            for d in "rfm":
                K[d] = len(th[d]) + 1
                vals = [int(x) for x in M[col[d]]]
                breaks[d] = ([Fraction(min(vals))] +
                             [Fraction(x) for x in th[d]] +
                             [Fraction(max(vals) + unit[d])])
        else:
            for d in "rfm":
                breaks[d] = quantile_breaks([int(x) for x in M[col[d]]],
                                            K[d], unit[d])
        for d in "rfm":
            if a.scoring == "rank" and not a.bins:
                key = -M["recency"] if d == "r" else M[col[d]].astype(
                    float)
                rank = key.astype(float).rank(method="min").astype(int)
                M[d + "_score"] = (rank - 1) * K[d] // n + 1
            else:
                s = M[col[d]].map(lambda x: score_by_breaks(int(x),
                                                            breaks[d]))
                M[d + "_score"] = (K[d] + 1 - s) if d == "r" else s

        if a.model == "rfm8":
            split = {}
            for d in "rfm":
                v = [int(x) for x in M[col[d]]]
                if a.split == "median":
                    split[d] = Fraction(round(float(np.median(v)) * 2), 2)
                else:
                    split[d] = Fraction(sum(v), len(v))
            names = {key: (zhn if zh else en) for key, en, zhn in RFM8}
            M["segment"] = [
                names[(int(r) < split["r"], int(f) > split["f"],
                       int(m) > split["m"])]
                for r, f, m in zip(M["recency"], M["frequency"],
                                   M["monetary"])]
        else:
            def seg(r, f, m):
                r5, f5, m5 = (to_five(r, K["r"]), to_five(f, K["f"]),
                              to_five(m, K["m"]))
                for en, zhn, rr, fr, mr in RFM11:
                    if (rr[0] <= r5 <= rr[1] and fr[0] <= f5 <= fr[1] and
                            mr[0] <= m5 <= mr[1]):
                        return zhn if zh else en
                return "其他" if zh else "others"
            M["segment"] = [seg(r, f, m) for r, f, m in
                            zip(M["r_score"], M["f_score"], M["m_score"])]

    def lifecycle(row):
        if row is None:
            st = "prospect"
        elif row["tenure"] <= a.new_days:
            st = "new"
        elif row["recency"] <= a.sleeping_days:
            st = "active"
        elif row["recency"] <= a.churned_days:
            st = "sleeping"
        else:
            st = "churned"
        return LIFECYCLE[st] if zh else st

    also_cols = []
    for d in a.also:
        also_cols += ["frequency_%dd" % d, "monetary_%dd" % d]

    ordered = set(seen_order)

    def metrics(mid):
        row = M.loc[mid] if mid in M.index else None
        if row is None:
            def zero(c):
                # a member whose orders are none paid: no purchase yet
                if mid not in ordered or not c.startswith(
                        ("frequency", "monetary")):
                    return (c, None, "null")
                if c.startswith("frequency"):
                    return (c, 0, "num")
                return (c, fmt_money(0, exp), "str")
            f = [zero(c) for c in
                 ["first_order_ts", "last_order_ts", "recency_days",
                  "frequency", "monetary", "aov", "tenure_days"] +
                 also_cols + ["r_score", "f_score", "m_score", "rfm",
                              "rfm_segment"]]
            return f + [("lifecycle", lifecycle(None), "str")]
        freq, mon = int(row["frequency"]), int(row["monetary"])
        if freq:
            aov = (Decimal(mon) / Decimal(freq)).quantize(
                Decimal(1), rounding=ROUND_HALF_UP)
            aov = ("aov", fmt_money(int(aov), exp), "str")
        else:
            aov = ("aov", None, "null")
        f = [("first_order_ts", fmt_time(row["first_t"], zone), "str"),
             ("last_order_ts", fmt_time(row["last_t"], zone), "str"),
             ("recency_days", int(row["recency"]), "num"),
             ("frequency", freq, "num"),
             ("monetary", fmt_money(mon, exp), "str"), aov,
             ("tenure_days", int(row["tenure"]), "num")]
        for d in a.also:
            f.append(("frequency_%dd" % d, int(row["frequency_%dd" % d]),
                      "num"))
            f.append(("monetary_%dd" % d,
                      fmt_money(int(row["monetary_%dd" % d]), exp), "str"))
        r, fs, ms = (int(row["r_score"]), int(row["f_score"]),
                     int(row["m_score"]))
        f += [("r_score", r, "num"), ("f_score", fs, "num"),
              ("m_score", ms, "num"), ("rfm", "%d%d%d" % (r, fs, ms), "str"),
              ("rfm_segment", row["segment"], "str"),
              ("lifecycle", lifecycle(row), "str")]
        return f

    # -- the members to write: profiles first, then the rest
    listed = []    # (member_id, profile fields)
    if a.members:
        seen = set()
        for line, rec in read_records(a.members):
            if line == 0:
                continue
            mid = rec.get("member_id") or ""
            if mid == "" or mid in seen:
                continue
            seen.add(mid)
            skip = set(METRICS) | set(also_cols)
            prof = [(k, v, "str") for k, v in rec.items() if k not in skip]
            listed.append((mid, prof))
    listed_ids = {m for m, _ in listed}
    listed += [(m, []) for m in dict.fromkeys(seen_order)
               if m not in listed_ids]

    w = Writer(out, fmt_out)
    if a.summary:
        tally = {}
        for mid, _ in listed:
            row = M.loc[mid] if mid in M.index else None
            name = row["segment"] if row is not None else lifecycle(None)
            t = tally.setdefault(name, [0, 0, 0, 0, 0])
            t[0] += 1
            if row is not None:
                t[1] += int(row["monetary"])
                t[2] += int(row["recency"])
                t[3] += int(row["frequency"])
                t[4] += 1
        if a.model == "rfm8":
            order = [zhn if zh else en for _, en, zhn in RFM8]
        else:
            order = [zhn if zh else en for en, zhn, _, _, _ in RFM11]
        keys = sorted(tally, key=lambda s: (
            order.index(s) if s in order else 1000, s.encode()))
        members = sum(t[0] for t in tally.values())
        money = sum(t[1] for t in tally.values())
        for s in keys:
            t = tally[s]
            rec = [("segment", s, "str"), ("members", t[0], "num"),
                   ("share_pct", fmt_frac(Fraction(100 * t[0],
                                                   members or 1), 1), "str"),
                   ("monetary", fmt_money(t[1], exp), "str"),
                   ("monetary_share_pct",
                    fmt_frac(Fraction(100 * t[1], money or 1), 1), "str")]
            if t[4]:
                rec += [("avg_recency_days",
                         fmt_frac(Fraction(t[2], t[4]), 1), "str"),
                        ("avg_frequency",
                         fmt_frac(Fraction(t[3], t[4]), 2), "str")]
            else:
                rec += [("avg_recency_days", None, "null"),
                        ("avg_frequency", None, "null")]
            w.rec(rec)
    else:
        for mid, prof in listed:
            w.rec([("member_id", mid, "str")] + prof + metrics(mid))
        if not listed and fmt_out == "csv":
            w.declare(METRICS[:8] + also_cols + METRICS[8:])

    if a.thresholds:
        tw = io.StringIO()
        t = Writer(tw, fmt_out)
        names = {"r": "recency_days", "f": "frequency", "m": "monetary"}
        for d in "rfm" if n else "":
            sc = unit_m if d == "m" else 1
            for i in range(K[d]):
                t.rec([("metric", names[d], "str"),
                       ("score", K[d] - i if d == "r" else i + 1, "num"),
                       ("from", fmt_frac(breaks[d][i], 4, sc), "str"),
                       ("below", fmt_frac(breaks[d][i + 1], 4, sc), "str")])
        with open(a.thresholds, "w", encoding="utf-8", newline="") as f:
            f.write(tw.getvalue())

    # -- stderr, in mbr-rfm's order
    if not a.quiet:
        for reason, msg, path, line in rejects[:SHOWN]:
            err.write("%s: %s:%d: %s\n" % (PROG, path, line, msg))
        if a.summary and n:
            names = {"r": "recency_days", "f": "frequency", "m": "monetary"}
            for d in "rfm":
                sc = unit_m if d == "m" else 1
                err.write("%s: %s breaks: %s\n" % (
                    PROG, names[d],
                    " ".join(fmt_frac(b, 4, sc) for b in breaks[d])))
        dup = ", %d duplicates" % n_dup if n_dup else ""
        err.write("%s: %d orders: %d paid, %d refunded, cancelled or "
                  "pending, %d after --as-of%s, %d rejected; %d members "
                  "with paid orders\n" % (PROG, n_read, n_paid, n_other,
                                          n_future, dup, len(rejects), n))
        if len(rejects) > SHOWN:
            err.write("%s: ... %d more not shown (keep them all with "
                      "--rejects FILE)\n" % (PROG, len(rejects) - SHOWN))
        by_reason = {}
        for reason, _, _, _ in rejects:
            by_reason[reason] = by_reason.get(reason, 0) + 1
        for reason, cnt in by_reason.items():
            err.write("%s: %d rejected: %s\n" % (PROG, cnt, reason))
    rc = 0
    if a.max_rejects is not None:
        lim = a.max_rejects
        over = (len(rejects) * 100 > Decimal(lim[:-1]) * n_read
                if lim.endswith("%") else len(rejects) > int(lim))
        if over:
            err.write("%s: %d of %d records rejected, over --max-rejects "
                      "%s\n" % (PROG, len(rejects), n_read, lim))
            rc = 1
    sys.stdout.write(out.getvalue())
    sys.stderr.write(err.getvalue())
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
