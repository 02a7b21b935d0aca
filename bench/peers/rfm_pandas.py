#!/usr/bin/python3
"""Workload 2, RFM in pandas: rfm_pandas.py [--qcut] ORDERS OUT ASOF TZ

ORDERS is canonical order CSV (or .csv.gz); OUT gets member_id,
recency_days, frequency, monetary_c (minor units), r_score, f_score,
m_score, rfm_segment.  Scores follow mbr-rfm's rule (R rfm's
rfm_table_order): break points are the type-7 quantiles of the members'
values at 1/5 .. 4/5 plus one unit (a day, an order, one yuan), bins
[lower, upper), recency reversed.  numpy.percentile is type 7 but
works in floats; the break points here are the same quantiles computed
exactly, times 5 so they stay integers.  --qcut scores with pandas.qcut
instead (right-closed bins of rank: the first thing an analyst
writes): timed, not compared.  Run with Debian's /usr/bin/python3.
"""
import sys

import numpy as np
import pandas as pd


def breaks5(v, unit):
    """5 x (type-7 quantile at j/5 + unit), j = 1..4, exactly."""
    s = np.sort(v)
    n = len(s)
    out = []
    for j in range(1, 5):
        lo, r = divmod((n - 1) * j, 5)
        q5 = 5 * int(s[lo])
        if r:
            q5 += r * (int(s[lo + 1]) - int(s[lo]))
        out.append(q5 + 5 * unit)
    return out


def score(v, unit):
    v5 = 5 * v
    return 1 + sum((v5 >= b).astype(np.int64) for b in breaks5(v, unit))


def main():
    args = sys.argv[1:]
    qcut = args[:1] == ["--qcut"]
    if qcut:
        args = args[1:]
    orders, out, asof, tz = args
    df = pd.read_csv(orders, usecols=["member_id", "ts", "amount", "status"],
                     dtype={"member_id": str, "ts": str, "status": str,
                            "amount": float})
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    asof_ts = pd.Timestamp(asof)
    paid = df[(df["status"] == "paid") & (df["ts"] <= asof_ts)]
    cents = np.rint(paid["amount"].to_numpy() * 100).astype(np.int64)
    paid = paid.assign(cents=cents, purchase=cents >= 0)
    m = paid.groupby("member_id", sort=False).agg(
        last=("ts", "max"), frequency=("purchase", "sum"),
        monetary_c=("cents", "sum"))
    last_day = m["last"].dt.tz_convert(tz).dt.tz_localize(None) \
        .to_numpy().astype("datetime64[D]")
    asof_day = np.datetime64(asof_ts.tz_convert(tz).tz_localize(None), "D")
    m["recency_days"] = (asof_day - last_day).astype(np.int64)
    rec = m["recency_days"].to_numpy()
    fre = m["frequency"].to_numpy().astype(np.int64)
    mon = m["monetary_c"].to_numpy()
    if qcut:
        def q(v):
            return pd.qcut(pd.Series(v).rank(method="first"), 5,
                           labels=False).to_numpy() + 1
        r, f, mm = 6 - q(rec), q(fre), q(mon)
    else:
        r, f, mm = 6 - score(rec, 1), score(fre, 1), score(mon, 100)
    seg = np.select(
        [(r >= 4) & (f >= 4) & (mm >= 4),
         (r >= 2) & (f >= 3) & (mm >= 3),
         (r >= 4) & (f == 1),
         (r == 3) & (f == 1),
         (r >= 2) & (r <= 3) & (f >= 2) & (f <= 3) & (mm >= 2) & (mm <= 3),
         r >= 3,
         (r == 1) & (f >= 4) & (mm >= 4),
         (r <= 2) & (f >= 2) & (mm >= 2),
         (r == 2) & (f <= 2) & (mm <= 2),
         (r == 1) & (f <= 2) & (mm <= 2)],
        ["champions", "loyal", "new", "promising", "need_attention",
         "potential_loyalist", "cannot_lose", "at_risk", "about_to_sleep",
         "lost"], "hibernating")
    res = pd.DataFrame({"member_id": m.index, "recency_days": rec,
                        "frequency": fre, "monetary_c": mon, "r_score": r,
                        "f_score": f, "m_score": mm, "rfm_segment": seg})
    res.to_csv(out, index=False)


if __name__ == "__main__":
    main()
