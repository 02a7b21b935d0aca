#!/usr/bin/python3
"""Workload 5, points in pandas:
points_pandas.py ORDERS PROGRAM OUT ASOF TZ [EXPIRING_DAYS]

Per member what mbr-points writes on stdout for PROGRAM (bench/points.json;
man/mbr-points.1) with no events, no profiles, no state.  OUT gets
member_id, points, earned, expired, expiring_points, expiring_on, tier,
tier_since_epoch (seconds), qualifying_spend_c (minor units), next_tier,
to_next_tier_c (minor units; empty at the top level).  The same rules as
bench/peers/points.sql, computed another way:

- only what tests/bench/gen writes is covered: one record per order_id
  (a refunded, cancelled or pending order is a member known, nothing
  more), paid amounts > 0 in the programme's currency (anything else is
  an error, exit 1); earn by "per", floor per order; tiers on rolling
  12-month spend with a yearly review; expiry N months after the day
  earned, at the day.
- the window at an order on local day d, (d - 12 months, d] up to its ts,
  is a difference of one cumulative sum over the orders sorted by
  (member, ts): at the last order with that (member, ts), less at the
  last order with (member, day) <= (member, d - 12 months), both found
  by searchsorted on integer keys.
- the tier is a running maximum of the events' levels (the first record:
  0; a review at R the member is in: the level of [R - 12 months, R);
  an order: the level of its window) within each stretch between two
  reviews; tier_since is the time of the last event that changed it.
Dates with months are worked out once per distinct day (Python's date
arithmetic, the day of month clamped).  Run with Debian's /usr/bin/python3.
"""
import calendar
import datetime as dt
import json
import sys
from decimal import Decimal

import numpy as np
import pandas as pd


def add_months(d, n):
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


EPOCH = dt.date(1970, 1, 1)


def dnum(d):
    return (d - EPOCH).days


def ddate(n):
    return EPOCH + dt.timedelta(days=int(n))


def main():
    if len(sys.argv) not in (6, 7):
        sys.stderr.write("usage: points_pandas.py ORDERS PROGRAM OUT ASOF TZ "
                         "[EXPIRING_DAYS]\n")
        return 2
    orders, prog_path, out, asof_s, tz = sys.argv[1:6]
    expiring_days = int(sys.argv[6]) if len(sys.argv) == 7 else 30
    with open(prog_path, encoding="utf-8") as f:
        prog = json.load(f)
    per4 = int(Decimal(str(prog["earn"]["per"])) * 10000)
    months = int(prog["expiry"]["months"])
    rmm, rdd = (int(x) for x in prog["tiers"]["review"].split("-"))
    levels = prog["tiers"]["levels"]
    names = [l["name"] for l in levels]
    froms = np.array([int(Decimal(str(l["from"])) * 100) for l in levels],
                     dtype=np.int64)

    asof = pd.Timestamp(asof_s)
    today = asof.tz_convert(tz).date()
    t_today = dnum(today)

    df = pd.read_csv(orders,
                     usecols=["member_id", "ts", "amount", "currency",
                              "status"],
                     dtype={"member_id": str, "ts": str, "status": str,
                            "currency": str, "amount": float})
    ts = pd.to_datetime(df["ts"], utc=True)
    keep = (ts <= asof).to_numpy()
    df = df[keep]
    ts = ts[keep]
    code, uniq = pd.factorize(df["member_id"])
    code = code.astype(np.int64)
    tns = ts.values.astype("datetime64[ns]").astype(np.int64)
    day = ts.dt.tz_convert(tz).dt.tz_localize(None).to_numpy() \
        .astype("datetime64[D]").astype(np.int64)
    nm = len(uniq)

    # Members: the first record of any status.
    since = pd.Series(tns).groupby(code).min().to_numpy()

    paid = (df["status"] == "paid").to_numpy()
    a = np.rint(df["amount"].to_numpy()[paid] * 100).astype(np.int64)
    if (a <= 0).any() or \
            (df["currency"].to_numpy()[paid] != prog["currency"]).any():
        sys.stderr.write("points_pandas.py: paid orders with amount <= 0 "
                         "or another currency: not covered\n")
        return 1
    pc, pt, pd_ = code[paid], tns[paid], day[paid]
    o = np.lexsort((pt, pc))
    pc, pt, pd_, a = pc[o], pt[o], pd_[o], a[o]
    pts = a * per4 // 1000000

    # Per distinct day: d - 12 months, the lot's last day, the next review.
    d0 = int(min(pd_.min(), t_today)) if len(pd_) else t_today
    d1 = int(max(pd_.max(), t_today)) if len(pd_) else t_today
    span = np.arange(d0, d1 + 1)
    back12 = np.empty(len(span), dtype=np.int64)
    last = np.empty(len(span), dtype=np.int64)
    nrev = np.empty(len(span), dtype=np.int64)
    for i, n in enumerate(span):
        d = ddate(n)
        back12[i] = dnum(add_months(d, -12))
        last[i] = dnum(add_months(d, months)) - 1
        r = dt.date(d.year, rmm, rdd)
        nrev[i] = dnum(r if d < r else dt.date(d.year + 1, rmm, rdd))
    di = pd_ - d0
    lday = last[di]

    # The window at each order.
    g = np.concatenate(([0], np.cumsum(a)))
    kts = (pc << 40) + pt // 1000000000          # (member, ts in seconds)
    kday = (pc << 24) + pd_
    hi = np.searchsorted(kts, kts, side="right")
    lo = np.searchsorted(kday, (pc << 24) + back12[di], side="right")
    qual = g[hi] - g[lo]
    olvl = np.searchsorted(froms, qual, side="right") - 1

    # Each member's spend in each review's window [R - 12 months, R).
    rev = nrev[di]
    w = pd.DataFrame({"c": pc, "r": rev, "a": a})
    w = w[w["r"] <= t_today].groupby(["c", "r"], sort=False)["a"].sum()
    wc = w.index.get_level_values(0).to_numpy()
    wr = w.index.get_level_values(1).to_numpy()
    wv = w.to_numpy()

    # Reviews up to as-of and the members in each.
    ec, et, ek, el = [np.arange(nm, dtype=np.int64)], [since], \
        [np.zeros(nm, dtype=np.int64)], [np.zeros(nm, dtype=np.int64)]
    first_year = ddate(int(day.min())).year if len(day) else today.year
    for y in range(first_year, today.year + 1):
        r = dt.date(y, rmm, rdd)
        if r > today:
            continue
        rts = pd.Timestamp(r).tz_localize(tz).value
        members = np.nonzero(since < rts)[0]
        if not len(members):
            continue
        win = np.zeros(nm, dtype=np.int64)
        sel = wr == dnum(r)
        win[wc[sel]] = wv[sel]
        ec.append(members)
        et.append(np.full(len(members), rts, dtype=np.int64))
        ek.append(np.ones(len(members), dtype=np.int64))
        el.append(np.searchsorted(froms, win[members], side="right") - 1)
    ec.append(pc)
    et.append(pt)
    ek.append(np.full(len(pc), 2, dtype=np.int64))
    el.append(olvl)
    ec, et, ek, el = (np.concatenate(x) for x in (ec, et, ek, el))
    o = np.lexsort((el, ek, et, ec))
    ec, et, ek, el = ec[o], et[o], ek[o], el[o]

    # seg: reviews so far (a member's rows are contiguous, so the running
    # count less its value at the member's first row); tier: the running
    # max of the levels within (member, seg).
    isrev = (ek == 1).astype(np.int64)
    crev = np.cumsum(isrev)
    newm = np.ones(len(ec), dtype=bool)
    newm[1:] = ec[1:] != ec[:-1]
    start = np.maximum.accumulate(np.where(newm, np.arange(len(ec)), 0))
    seg = crev - crev[start] + isrev[start]
    newg = newm.copy()
    newg[1:] |= seg[1:] != seg[:-1]
    gid = np.cumsum(newg)
    tier = np.maximum.accumulate(gid * 8 + el) - gid * 8
    changed = newm.copy()
    changed[1:] |= tier[1:] != tier[:-1]
    tier_since = pd.Series(et[changed]).groupby(ec[changed]).max() \
        .to_numpy()
    lastrow = np.ones(len(ec), dtype=bool)
    lastrow[:-1] = ec[:-1] != ec[1:]
    final = np.zeros(nm, dtype=np.int64)
    final[ec[lastrow]] = tier[lastrow]

    # Balances.
    def total(mask, v):
        return np.bincount(pc[mask], weights=v[mask], minlength=nm) \
            .round().astype(np.int64)
    allp = np.ones(len(pc), dtype=bool)
    earned = total(allp, pts)
    expired = total(lday < t_today, pts)
    soon = (lday >= t_today) & (lday <= t_today + expiring_days)
    expiring = total(soon, pts)
    on = np.full(nm, np.iinfo(np.int64).max, dtype=np.int64)
    s2 = soon & (pts > 0)
    first = pd.Series(lday[s2]).groupby(pc[s2]).min()
    on[first.index.to_numpy()] = first.to_numpy()
    qd = (pd_ > dnum(add_months(today, -12))) & (pd_ <= t_today)
    qs = total(qd, a)

    top = len(levels) - 1
    nxt = np.minimum(final + 1, top)
    res = pd.DataFrame({
        "member_id": np.asarray(uniq),
        "points": earned - expired,
        "earned": earned,
        "expired": expired,
        "expiring_points": expiring,
        "expiring_on": np.where(on != np.iinfo(np.int64).max,
                                np.where(on != np.iinfo(np.int64).max, on, 0)
                                .astype("datetime64[D]").astype(str), ""),
        "tier": np.asarray(names, dtype=object)[final],
        "tier_since_epoch": tier_since // 1000000000,
        "qualifying_spend_c": qs,
        "next_tier": np.where(final < top,
                              np.asarray(names, dtype=object)[nxt], ""),
        "to_next_tier_c": np.where(final < top,
                                   (froms[nxt] - qs).astype(object), ""),
    })
    res.to_csv(out, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
