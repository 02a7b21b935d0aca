#!/usr/bin/env python3
"""report_reference.py: mbr-report's cohort records, computed with pandas
from the definitions in man/mbr-report.1 ("Cohorts", "Orders"), for
tests/report-ref.test.sh.

    report_reference.py --as-of 2011-12-10T00:00:00+00:00 --tz Europe/London \
        --cohorts 13 orders.csv

reads canonical orders (mbr-ingest's CSV) and writes the cohort section
as mbr-report writes its records (section,kpi,period,period_start,group,
key,value,previous,change), in its order: for each cohort month, oldest
first, its size, then for each month k since the first purchase
buyers, retention and revenue.

The definitions, as the page gives them:
  - a purchase is an order with status paid and an amount of 0 or more;
    a paid order with a negative amount is a return: revenue, no
    purchase; refunded, cancelled and pending orders count nowhere here;
    orders after --as-of are left out;
  - a member's cohort is the calendar month (in --tz) of its first
    purchase; the cohorts are the --cohorts months up to --as-of's;
  - buyers(c, k): members of cohort c with a purchase in month c + k;
    retention = buyers / size, 6 decimals rounded half away from zero,
    empty for an empty cohort; revenue: the members' paid amounts
    (returns included) in month c + k, in minor units.

It is written the way an analyst writes a cohort table in pandas
(groupby the member's first month, then nunique per cohort and month),
not after mbr's C code.
"""
import argparse
import sys
from decimal import Decimal, ROUND_HALF_UP

import pandas as pd


def minor(s, exp):
    return int((Decimal(s) * (10 ** exp)).to_integral_value())


def money(m, exp):
    sign = "-" if m < 0 else ""
    m = abs(m)
    if exp == 0:
        return f"{sign}{m}"
    return f"{sign}{m // 10 ** exp}.{m % 10 ** exp:0{exp}d}"


def rate(num, den):
    if den == 0:
        return ""
    q = (Decimal(num) / Decimal(den)).quantize(Decimal("0.000001"),
                                               rounding=ROUND_HALF_UP)
    return f"{q:.6f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--tz", required=True)
    ap.add_argument("--cohorts", type=int, default=12)
    ap.add_argument("--exp", type=int, default=2,
                    help="decimals of the currency (GBP: 2)")
    ap.add_argument("orders")
    a = ap.parse_args()

    o = pd.read_csv(a.orders, dtype=str, keep_default_na=False)
    asof = pd.Timestamp(a.as_of)
    o["t"] = pd.to_datetime(o["ts"], utc=True)
    o = o[(o["status"] == "paid") & (o["t"] <= asof)].copy()
    o["minor"] = [minor(x, a.exp) for x in o["amount"]]
    local = o["t"].dt.tz_convert(a.tz)
    o["month"] = local.dt.year * 12 + local.dt.month - 1
    o["purchase"] = o["minor"] >= 0

    first = (o[o["purchase"]].groupby("member_id")["month"].min()
             .rename("cohort"))
    o = o.join(first, on="member_id", how="inner")
    o["k"] = o["month"] - o["cohort"]

    al = asof.tz_convert(a.tz)
    last = al.year * 12 + al.month - 1
    months = range(last - a.cohorts + 1, last + 1)

    size = first.groupby(first).size()
    buyers = (o[o["purchase"]].groupby(["cohort", "k"])["member_id"]
              .nunique())
    revenue = o.groupby(["cohort", "k"])["minor"].sum()

    out = sys.stdout
    for c in months:
        label = f"{c // 12:04d}-{c % 12 + 1:02d}"
        start = f"{label}-01"
        n = int(size.get(c, 0))
        out.write(f"cohort,size,{label},{start},,,{n},,\n")
        for k in range(0, last - c + 1):
            b = int(buyers.get((c, k), 0))
            r = int(revenue.get((c, k), 0))
            out.write(f"cohort,buyers,{label},{start},,{k},{b},,\n")
            out.write(f"cohort,retention,{label},{start},,{k},"
                      f"{rate(b, n)},,\n")
            out.write(f"cohort,revenue,{label},{start},,{k},"
                      f"{money(r, a.exp)},,\n")


if __name__ == "__main__":
    main()
