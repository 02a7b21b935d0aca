#!/usr/bin/python3
"""abtest analyze in pandas: abtest_pandas.py ASSIGNMENTS ORDERS OUT WINDOW VARIANTS

The per-variant records of mbr-abtest analyze (the contract, ANALYZE),
as bench/peers/abtest_analyze.sql writes them and with the same
coverage (read its header): ASSIGNMENTS are assignment records
(experiment, member_id, variant, assigned_at), ORDERS canonical orders,
WINDOW NUMBER with d, h or w (30d), VARIANTS as --variants
(control=50,a=25,b=25; the first is control).  The statistics are
scipy's and statsmodels' where the contract names them (ttest_ind,
proportions_ztest, confint_proportions_2indep, multipletests "holm",
chi2.sf), else scipy's distributions on the contract's formulas;
statsmodels is optional (without it the same formulas by hand).  The
sums are exact (Python integers, cents).  OUT "-" is standard output.
Run with Debian's /usr/bin/python3 (python3-pandas, python3-scipy).
"""
import csv
import math
import re
import sys

import numpy as np
import pandas as pd
from scipy import special, stats

try:
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import (confint_proportions_2indep,
                                              proportions_ztest)
    HAVE_SM = True
except ImportError:
    HAVE_SM = False

Z975 = stats.norm.ppf(0.975)


def die(msg):
    sys.stderr.write("abtest_pandas.py: %s\n" % msg)
    sys.exit(2)


def instants(s):
    """RFC 3339 text with offset (or Z) to int64 epoch seconds, fast:
    the local part parsed by a fixed format, the offsets by table."""
    s = s.astype(str)
    local = pd.to_datetime(s.str.slice(0, 19), format="%Y-%m-%dT%H:%M:%S")
    off = s.str.slice(19)
    secs = {}
    for o in off.unique():
        m = re.fullmatch(r"([+-])(\d\d):(\d\d)", o)
        if o == "Z":
            secs[o] = 0
        elif m:
            secs[o] = (1 if m[1] == "+" else -1) * (int(m[2]) * 3600 + int(m[3]) * 60)
        else:
            die("a time without an offset: %r" % o)
    return local.values.astype("datetime64[s]").astype(np.int64) - \
        off.map(secs).to_numpy(np.int64)


def holm(p):
    """Holm's adjustment of the p-values in p (None left as None)."""
    idx = [i for i, x in enumerate(p) if x is not None]
    out = [None] * len(p)
    if not idx:
        return out
    vals = [p[i] for i in idx]
    if HAVE_SM:
        adj = multipletests(vals, method="holm")[1]
    else:
        m = len(vals)
        order = sorted(range(m), key=lambda i: vals[i])
        adj = [0.0] * m
        run = 0.0
        for r, i in enumerate(order):
            run = max(run, min(1.0, (m - r) * vals[i]))
            adj[i] = run
    for i, a in zip(idx, adj):
        out[i] = float(a)
    return out


def beats(ca, na, cb, nb):
    """P(p_b > p_a), Beta(1 + c, 1 + n - c) each (Evan Miller's sum)."""
    aa, ba, ab, bb = 1 + ca, 1 + na - ca, 1 + cb, 1 + nb - cb
    i = np.arange(ab, dtype=np.float64)
    t = special.betaln(aa + i, ba + bb) - np.log(bb + i) - \
        special.betaln(1 + i, bb) - special.betaln(aa, ba)
    return float(np.exp(t).sum())


def fmt(x):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    if isinstance(x, float):
        return repr(x)
    return str(x)


def main():
    if len(sys.argv) != 6:
        sys.stderr.write("usage: abtest_pandas.py ASSIGNMENTS ORDERS OUT "
                         "WINDOW VARIANTS\n")
        return 2
    asg_path, orders_path, out, window, variants = sys.argv[1:]
    m = re.fullmatch(r"(\d+)([dhw])", window)
    if not m:
        die("window %s: want NUMBER with d, h or w" % window)
    win = int(m[1]) * {"d": 86400, "h": 3600, "w": 604800}[m[2]]
    names, weights = [], []
    for part in variants.split(","):
        n, _, w = part.partition("=")
        names.append(n)
        weights.append(float(w) if w else 1.0)

    a = pd.read_csv(asg_path, dtype=str, keep_default_na=False,
                    usecols=["experiment", "member_id", "variant",
                             "assigned_at"])
    exps = a["experiment"].unique()
    if len(exps) > 1:
        die("several experiments in the assignments: %s" % ", ".join(exps))
    experiment = exps[0] if len(exps) else ""
    a = a[a["variant"] != ""]
    a = a.assign(start=instants(a["assigned_at"]))
    g = a.groupby("member_id", sort=False).agg(
        variant=("variant", "first"), nvar=("variant", "nunique"),
        start=("start", "min"))
    if (g["nvar"] > 1).any():
        die("a member in two variants: %s" % g.index[g["nvar"] > 1][0])
    unknown = set(g["variant"].unique()) - set(names)
    if unknown:
        die("variants not in %s: %s" % (variants, ", ".join(sorted(unknown))))

    o = pd.read_csv(orders_path, dtype=str, keep_default_na=False,
                    usecols=["member_id", "ts", "amount", "currency",
                             "status"])
    o = o[o["status"] == "paid"]
    if o["currency"].nunique() > 1:
        die("more than one currency: not covered")
    o = o[o["member_id"].isin(g.index)]
    o = o.assign(t=instants(o["ts"]),
                 cents=np.rint(o["amount"].astype(float) * 100).astype(np.int64))
    o = o.join(g[["start"]], on="member_id")
    o = o[(o["t"] >= o["start"]) & (o["t"] < o["start"] + win)]
    per = o.groupby("member_id").agg(orders=("t", "size"),
                                     cents=("cents", "sum"))
    g = g.join(per)
    g["orders"] = g["orders"].fillna(0).astype(np.int64)
    g["cents"] = g["cents"].fillna(0).astype(np.int64)

    rows = []
    samples = {}
    for v in names:
        x = g.loc[g["variant"] == v]
        cents = x["cents"].to_numpy()
        n = len(x)
        c = int((x["orders"] > 0).sum())
        samples[v] = cents / 100.0
        rows.append({"experiment": experiment, "variant": v, "members": n,
                     "converters": c,
                     "conversion_rate": c / n if n else None,
                     "orders": int(x["orders"].sum()),
                     "orders_per_member": int(x["orders"].sum()) / n if n else None,
                     # exact: a Python integer of cents
                     "revenue": "%d.%02d" % divmod(sum(int(i) for i in cents), 100),
                     "revenue_per_member":
                         sum(int(i) for i in cents) / 100 / n if n else None})
    ctl = rows[0]
    na, ca, pa = ctl["members"], ctl["converters"], ctl["conversion_rate"]
    total = sum(r["members"] for r in rows)
    wsum = sum(weights)
    if total:
        exp_n = [total * w / wsum for w in weights]
        chi = sum((r["members"] - e) ** 2 / e for r, e in zip(rows, exp_n))
        srm = float(stats.chi2.sf(chi, len(rows) - 1))
    else:
        srm = None
    pv, pr = [], []
    for r in rows:
        r["srm_p"] = srm
        if r is ctl:
            continue
        nb, cb, pb = r["members"], r["converters"], r["conversion_rate"]
        r["lift"] = pb - pa
        se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
        if se > 0:
            if HAVE_SM:
                lo, hi = confint_proportions_2indep(cb, nb, ca, na,
                                                    compare="diff",
                                                    method="wald")
                r["lift_low"], r["lift_high"] = float(lo), float(hi)
            else:
                r["lift_low"], r["lift_high"] = pb - pa - Z975 * se, pb - pa + Z975 * se
        if pa > 0:
            r["lift_rel"] = pb / pa - 1
            if pb > 0:
                sr = pb / pa * math.sqrt((1 - pb) / (nb * pb) + (1 - pa) / (na * pa))
                if sr > 0:
                    r["lift_rel_low"] = r["lift_rel"] - Z975 * sr
                    r["lift_rel_high"] = r["lift_rel"] + Z975 * sr
        pool = (ca + cb) / (na + nb)
        if 0 < pool < 1:
            if HAVE_SM:
                z, p = proportions_ztest([cb, ca], [nb, na])
            else:
                z = (pb - pa) / math.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))
                p = 2 * stats.norm.sf(abs(z))
            r["z"], r["p_value"] = float(z), float(p)
        xa, xb = samples[ctl["variant"]], samples[r["variant"]]
        r["revenue_diff"] = r["revenue_per_member"] - ctl["revenue_per_member"]
        va = xa.var(ddof=1) if na > 1 else float("nan")
        vb = xb.var(ddof=1) if nb > 1 else float("nan")
        se2 = vb / nb + va / na
        if se2 > 0:
            t, p = stats.ttest_ind(xb, xa, equal_var=False)
            df = se2 ** 2 / ((vb / nb) ** 2 / (nb - 1) + (va / na) ** 2 / (na - 1))
            q = stats.t.ppf(0.975, df)
            r["revenue_diff_low"] = r["revenue_diff"] - q * math.sqrt(se2)
            r["revenue_diff_high"] = r["revenue_diff"] + q * math.sqrt(se2)
            r["t"], r["df"], r["p_revenue"] = float(t), float(df), float(p)
        if na and nb:
            r["chance_to_beat_control"] = beats(ca, na, cb, nb)
    for key, src in (("p_holm", "p_value"), ("p_revenue_holm", "p_revenue")):
        adj = holm([r.get(src) for r in rows[1:]])
        for r, x in zip(rows[1:], adj):
            r[key] = x
    for r in rows[1:]:
        if r["members"] < 100 or na < 100 or r["converters"] + ca < 10:
            r["verdict"] = "not enough data"
        elif srm is not None and srm < 0.001:
            r["verdict"] = "inconclusive"
        elif r.get("p_holm") is not None and r["p_holm"] < 0.05 and r["lift"] != 0:
            r["verdict"] = "winner" if r["lift"] > 0 else "loser"
        else:
            r["verdict"] = "inconclusive"

    fields = ["experiment", "variant", "members", "converters",
              "conversion_rate", "orders", "orders_per_member", "revenue",
              "revenue_per_member", "lift", "lift_low", "lift_high",
              "lift_rel", "lift_rel_low", "lift_rel_high", "z", "p_value",
              "p_holm", "revenue_diff", "revenue_diff_low",
              "revenue_diff_high", "t", "df", "p_revenue", "p_revenue_holm",
              "chance_to_beat_control", "srm_p", "verdict"]
    f = sys.stdout if out == "-" else open(out, "w", newline="",
                                           encoding="utf-8")
    w = csv.writer(f, lineterminator="\n")
    w.writerow(fields)
    for r in rows:
        w.writerow([fmt(r.get(k)) for k in fields])
    if f is not sys.stdout:
        f.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
