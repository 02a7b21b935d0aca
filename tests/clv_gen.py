#!/usr/bin/python3
"""clv_gen.py SEED DIR: orders simulated from BG/NBD and Gamma-Gamma
with known parameters, for tests/clv-prop.test.sh.

Each member makes a first purchase on a day of 2001 to 2005; from then
on purchases come as a Poisson process of rate lambda ~ Gamma(r,
alpha) (per day), and after each repeat purchase the member leaves with
probability p ~ Beta(a, b) (Fader, Hardie & Lee 2005, and lifetimes'
beta_geometric_nbd_model).  Each purchase spends z ~ Gamma(p_gg, nu),
nu ~ Gamma(q, gamma) (Gamma-Gamma).  The calibration period ends on
2010-12-31, the holdout five years later.

The model's time is continuous, the data's atom is the day (two
purchases on one day are one, and a member's first day counts whole):
simulated with alpha = 60 days (r = 0.3, a = 0.7, b = 2.8) that shifted
r, alpha, a and b by one to four standard errors at 100,000 members;
with alpha = 600 days, as here, by less than one (measured).  So the
fit has the parameters it was given to recover.
Besides the purchases: a few refunded orders (ignored) and, in odd
seeds, a few returns booked as paid orders of a negative amount.

Writes DIR/orders.csv (even seeds) or DIR/orders.ndjson (odd, fitted in
weeks), DIR/truth.json (the parameters, alpha in the fit's unit) and
DIR/args (the fit's options, one a line).
"""
import datetime as dt
import json
import os
import sys

import numpy as np

SETS = [
    dict(r=0.30, alpha=600.0, a=0.70, b=2.80, p=5.0, q=3.5, gamma=20.0),
    dict(r=0.50, alpha=800.0, a=1.20, b=4.00, p=3.0, q=4.0, gamma=45.0),
    dict(r=0.25, alpha=400.0, a=0.50, b=1.50, p=8.0, q=3.0, gamma=8.0),
]


def main(seed, out):
    rng = np.random.default_rng(seed)
    par = SETS[seed % len(SETS)]
    n = 5000
    start = dt.datetime(2001, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    cal_end = 3652         # days from start: 2010-12-31 is day 3651
    hold_end = 3652 + 1826  # 2015-12-31 is day 5477
    rows = []
    k = 0
    for i in range(n):
        birth = rng.integers(0, 1826) + rng.random() * 0.9
        lam = rng.gamma(par["r"], 1 / par["alpha"])
        pdrop = rng.beta(par["a"], par["b"])
        nu = rng.gamma(par["q"], 1 / par["gamma"])
        t = birth
        times = [t]
        while True:
            t += rng.exponential(1 / lam) if lam > 0 else 1e9
            if t >= hold_end:
                break
            times.append(t)
            if rng.random() < pdrop:
                break
        mid = "m%05d" % i
        for t in times:
            z = max(rng.gamma(par["p"], 1 / nu), 0.01)
            k += 1
            rows.append((t, "o%06d" % k, mid, "%.2f" % z, "paid"))
        if rng.random() < 0.03:
            k += 1
            rows.append((times[0] + 0.01, "o%06d" % k, mid, "9.90",
                         "refunded"))
        if seed % 2 == 1 and rng.random() < 0.005 and len(times) > 1:
            k += 1
            rows.append((times[-1] + 0.02, "o%06d" % k, mid, "-%.2f" %
                         (rng.random() * 5 + 0.01), "paid"))
    rows.sort()
    os.makedirs(out, exist_ok=True)
    nd = seed % 2 == 1
    path = os.path.join(out, "orders.ndjson" if nd else "orders.csv")
    with open(path, "w") as fh:
        if not nd:
            fh.write("order_id,member_id,ts,amount,currency,status\n")
        for t, oid, mid, amt, st in rows:
            ts = (start + dt.timedelta(days=t)).replace(microsecond=0)
            ts = ts.isoformat()
            if nd:
                fh.write(json.dumps(dict(order_id=oid, member_id=mid,
                                         ts=ts, amount=amt, currency="USD",
                                         status=st)) + "\n")
            else:
                fh.write("%s,%s,%s,%s,USD,%s\n" % (oid, mid, ts, amt, st))
    truth = dict(par)
    if nd:
        truth["alpha"] /= 7
    with open(os.path.join(out, "truth.json"), "w") as fh:
        json.dump(truth, fh)
    with open(os.path.join(out, "args"), "w") as fh:
        fh.write("--tz\nAsia/Shanghai\n--as-of\n2016-01-01T00:00:00+08:00\n"
                 "--calibration-end\n2010-12-31\n--holdout-end\n2015-12-31\n"
                 + ("--unit\nweeks\n" if nd else "")
                 + os.path.basename(path) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: clv_gen.py SEED DIR", file=sys.stderr)
        sys.exit(2)
    main(int(sys.argv[1]), sys.argv[2])
