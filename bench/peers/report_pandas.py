#!/usr/bin/python3
"""report_pandas.py ORDERS OUT ASOF TZ PERIODS COHORTS [BY]: the records
of mbr-report --as-of ASOF --tz TZ --periods PERIODS --cohorts COHORTS
[--by BY] (monthly; man/mbr-report.1) in pandas, as an analyst would
write them: the KPIs of each month of all orders (and of each BY group)
with the month before's value and the change, the latest month's Pareto
curve and the first-purchase cohorts.  The same definitions as
bench/peers/report.sql (see its header); money in integer cents (the
amounts have two decimals: x 100, rounded, is exact), rates and changes
as fractions of Python integers rounded to 6 places half away from zero
at the end (the tables by then are small).
"""
import csv
import sys

import numpy as np
import pandas as pd


def half_away(a, b):
    """a / b rounded half away from zero, in integers."""
    q = (2 * abs(a) + abs(b)) // (2 * abs(b))
    return q if (a >= 0) == (b > 0) else -q


def r6(num, den):
    if num is None or den is None or den <= 0:
        return ""
    q = half_away(num * 1000000, den)
    return "%s%d.%06d" % ("-" if q < 0 else "", abs(q) // 1000000,
                          abs(q) % 1000000)


def money(c):
    return "" if c is None else "%s%d.%02d" % ("-" if c < 0 else "",
                                               abs(c) // 100, abs(c) % 100)


def main():
    orders, out, asof, tz = sys.argv[1:5]
    nper, ncoh = int(sys.argv[5]), int(sys.argv[6])
    by = sys.argv[7] if len(sys.argv) > 7 else None
    cols = ["member_id", "ts", "amount", "status"] + ([by] if by else [])
    df = pd.read_csv(orders, usecols=cols, dtype=str,
                     keep_default_na=False, engine="c")
    asof_t = pd.Timestamp(asof).tz_convert("UTC")
    ts = pd.to_datetime(df["ts"], utc=True)
    keep = (ts <= asof_t) & df["status"].isin(
        ["paid", "refunded", "cancelled", "pending"]) & \
        (df["member_id"].str.strip() != "")
    df, ts = df[keep], ts[keep]
    local = ts.dt.tz_convert(tz).dt.tz_localize(None).to_numpy()
    day = local.astype("datetime64[D]").astype(np.int64)
    month = local.astype("datetime64[M]").astype(np.int64)
    cents = np.rint(pd.to_numeric(df["amount"], errors="coerce")
                    .fillna(0).to_numpy() * 100).astype(np.int64)
    paid = (df["status"] == "paid").to_numpy()
    o = pd.DataFrame({
        "g": "", "member_id": df["member_id"].to_numpy(), "m": month,
        "rev": np.where(paid, cents, 0),
        "purchase": paid & (cents >= 0),
        "paid_day": np.where(paid, day, np.iinfo(np.int64).min),
        "refunded": (df["status"] == "refunded").to_numpy(),
        "cents": cents})
    if by:
        gv = df[by].str.strip()
        o = pd.concat([o, o.assign(g=gv.where(gv != "", "(none)")
                                   .to_numpy())], ignore_index=True)

    # the months: PERIODS written, ending with asof's, and one before
    al = pd.Timestamp(asof).tz_convert(tz).tz_localize(None)
    asof_day = int(np.datetime64(al.date(), "D").astype(np.int64))
    asof_m = int(np.datetime64(al.date(), "M").astype(np.int64))
    months = [asof_m - nper + p for p in range(nper + 1)]
    asof_days = [int(np.datetime64(months[p] + 1, "M")
                     .astype("datetime64[D]").astype(np.int64))
                 if p < nper else asof_day
                 for p in range(nper + 1)]
    label = {m: str(np.datetime64(m, "M")) for m in
             range(asof_m - max(nper, ncoh), asof_m + 1)}

    # each member's month in each group
    mm = o.groupby(["g", "member_id", "m"], sort=False).agg(
        rev=("rev", "sum"), purchases=("purchase", "sum"),
        last_paid=("paid_day", "max")).reset_index()
    firsts = mm.groupby(["g", "member_id"], sort=False)["m"].min()
    first_buy = mm[(mm["g"] == "") & (mm["purchases"] > 0)] \
        .groupby("member_id")["m"].min()
    mm["first_buy"] = mm["member_id"].map(first_buy)
    groups = sorted(mm["g"].unique())

    val = {}        # (g, p, kpi) -> (num, den) or None
    fm = firsts.reset_index().groupby(["g", "m"]).size()
    for g in groups:
        h = fm.loc[g]
        for p, m in enumerate(months):
            val[g, p, "members"] = int(h[h.index <= m].sum())
    for p, m in enumerate(months):
        a = mm[(mm["m"] <= m) & (mm["last_paid"] >= asof_days[p] - 90)]
        last = a.groupby(["g", "member_id"], sort=False)["last_paid"].max()
        since = asof_days[p] - last
        for n in (30, 60, 90):
            c = (since <= n).groupby(level="g").sum()
            for g in groups:
                val[g, p, "active_%dd" % n] = int(c.get(g, 0))
    w = mm[mm["m"].isin(months)].copy()
    w["p"] = w["m"] - months[0]
    b = w[w["purchases"] > 0].sort_values(["g", "p", "rev"],
                                          ascending=[True, True, False])
    b["rank"] = b.groupby(["g", "p"]).cumcount() + 1
    b["n"] = b.groupby(["g", "p"])["rank"].transform("size")
    b["top"] = b["rank"] <= (b["n"] + 4) // 5
    sales = w.groupby(["g", "p"]).agg(revenue=("rev", "sum"))
    bs = b.groupby(["g", "p"]).agg(
        buyers=("rank", "size"), repeaters=("purchases", lambda x:
                                            int((x >= 2).sum())),
        orders=("purchases", "sum"),
        new=("first_buy", lambda x: 0),
        top=("rev", lambda x: 0))
    bs["new"] = (b["first_buy"] == b["m"]).groupby([b["g"], b["p"]]).sum()
    bs["top"] = b["rev"].where(b["top"], 0).groupby([b["g"], b["p"]]).sum()
    rf = o[o["refunded"] & o["m"].isin(months)]
    rf = rf.assign(p=rf["m"] - months[0]).groupby(["g", "p"]).agg(
        n=("cents", "size"), s=("cents", "sum"))

    def get(t, g, p, c):
        try:
            return int(t.at[(g, p), c])
        except KeyError:
            return 0

    for g in groups:
        for p in range(nper + 1):
            nb, rev = get(bs, g, p, "buyers"), get(sales, g, p, "revenue")
            no, nr = get(bs, g, p, "orders"), get(rf, g, p, "n")
            top = get(bs, g, p, "top")
            val[g, p, "buyers"] = nb
            val[g, p, "new_buyers"] = get(bs, g, p, "new")
            val[g, p, "repurchase_rate"] = \
                (get(bs, g, p, "repeaters"), nb) if nb else None
            val[g, p, "orders"] = no
            val[g, p, "revenue"] = rev
            val[g, p, "aov"] = half_away(rev, no) if no else None
            val[g, p, "revenue_per_buyer"] = \
                half_away(rev, nb) if nb else None
            val[g, p, "pareto_buyers"] = (nb + 4) // 5
            val[g, p, "pareto_share"] = \
                (top, rev) if nb and rev > 0 else None
            val[g, p, "refunded_orders"] = nr
            val[g, p, "refunds"] = get(rf, g, p, "s")
            val[g, p, "refund_rate"] = (nr, nr + no) if nr + no else None

    kinds = [("members", "n"), ("buyers", "n"), ("new_buyers", "n"),
             ("active_30d", "n"), ("active_60d", "n"), ("active_90d", "n"),
             ("repurchase_rate", "r"), ("orders", "n"), ("revenue", "m"),
             ("aov", "m"), ("revenue_per_buyer", "m"),
             ("pareto_buyers", "n"), ("pareto_share", "r"),
             ("refunded_orders", "n"), ("refunds", "m"),
             ("refund_rate", "r")]

    def frac(v):
        return None if v is None else v if isinstance(v, tuple) else (v, 1)

    def shown(kind, v):
        if v is None:
            return ""
        return str(v) if kind == "n" else money(v) if kind == "m" else \
            r6(*v)

    def start(m):
        return label[m] + "-01"

    rows = []
    for g in groups:
        for k, kind in kinds:
            for p in range(1, nper + 1):
                v, pv = val[g, p, k], val[g, p - 1, k]
                fv, fp = frac(v), frac(pv)
                ch = ""
                if fv and fp and fp[0] != 0:
                    ch = r6(fv[0] * fp[1] - fp[0] * fv[1],
                            abs(fp[0]) * fv[1])
                rows.append(["kpi", k, label[months[p]], start(months[p]),
                             g, "", shown(kind, v), shown(kind, pv), ch])
    # the latest month's Pareto curve over all orders
    lb = b[(b["g"] == "") & (b["p"] == nper)]
    rev = get(sales, "", nper, "revenue")
    for j in range(1, 11):
        k = (len(lb) * j + 9) // 10
        rows.append(["pareto", "revenue_share", label[asof_m],
                     start(asof_m), "", str(10 * j),
                     r6(int(lb["rev"].head(k).sum()), rev)
                     if len(lb) and rev > 0 else "", "", ""])
    # cohorts over all orders
    c = mm[(mm["g"] == "") & (mm["first_buy"] >= asof_m - ncoh + 1) &
           (mm["m"] >= mm["first_buy"])]
    cells = c.assign(k=c["m"] - c["first_buy"]).groupby(
        ["first_buy", "k"]).agg(buyers=("purchases", lambda x:
                                        int((x > 0).sum())),
                                rev=("rev", "sum"))
    sizes = first_buy.value_counts()
    for cm in range(asof_m - ncoh + 1, asof_m + 1):
        size = int(sizes.get(cm, 0))
        rows.append(["cohort", "size", label[cm], start(cm), "", "",
                     str(size), "", ""])
        for k in range(asof_m - cm + 1):
            nb = get(cells, cm, k, "buyers")
            for kpi, v in (("buyers", str(nb)), ("retention", r6(nb, size)),
                           ("revenue", money(get(cells, cm, k, "rev")))):
                rows.append(["cohort", kpi, label[cm], start(cm), "",
                             str(k), v, "", ""])
    with open(out, "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["section", "kpi", "period", "period_start", "group",
                     "key", "value", "previous", "change"])
        wr.writerows(rows)


if __name__ == "__main__":
    main()
