#!/usr/bin/env python3
"""make-clv-history.py: remake examples/clv-history.csv.

    python3 examples/make-clv-history.py      (from the repository root)

writes examples/clv-history.csv: two years of canonical orders (paid)
of 2,000 other members of 澜序 / LANXU, the history that nightly.sh
fits mbr-clv's model on, together with the example buyers' orders (13
buyers teach BG/NBD nothing: it finds no one leaving).  No
dependencies; the same bytes on every run (random.Random with a fixed
seed, only its random() method, which is stable across Pythons).

The members are drawn from the models mbr-clv fits, with parameters
near the published CDNOW ones (in days, and spend in yuan): each
member joins with a first order on a day of 2023, buys at a rate
lambda ~ Gamma(r = 0.25, rate alpha = 30) a day while active, and
after each purchase leaves with a chance p ~ Beta(a = 0.8, b = 2.5);
their spend per order is Gamma(p = 6, rate nu) with nu ~ Gamma(q = 4,
rate gamma = 150), so a mean of about 300 yuan.  Orders after
2024-11-30 are not written; at most one order a day (mbr-clv counts
the days with a purchase).
"""

import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
N_MEMBERS = 2000
START = 19358			# 2023-01-01, days since 1970-01-01
JOIN_DAYS = 365
END = 20057			# 2024-11-30
R, ALPHA, A, B = 0.25, 30.0, 0.8, 2.5
P, Q, GAMMA = 6.0, 4.0, 150.0
CHANNELS = ["tmall", "tmall", "jd", "wechat", "wechat", "pos"]

rng = random.Random(20241201)


def normal():
    # Box-Muller from random() alone
    u = 1.0 - rng.random()
    v = rng.random()
    return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * v)


def gamma(shape, rate):
    # Marsaglia and Tsang; a shape below 1 boosted by U^(1/shape)
    if shape < 1.0:
        return gamma(shape + 1.0, rate) * \
            (1.0 - rng.random()) ** (1.0 / shape)
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal()
        v = (1.0 + c * x) ** 3
        if v <= 0.0:
            continue
        u = 1.0 - rng.random()
        if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
            return d * v / rate


def beta(a, b):
    x = gamma(a, 1.0)
    return x / (x + gamma(b, 1.0))


def civil(days):
    # days since 1970-01-01 to (y, m, d), Howard Hinnant's algorithm
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (m <= 2), m, d)


def main():
    rows = []
    n = 0
    for i in range(N_MEMBERS):
        member = "card:H%06d" % (i + 1)
        lam = gamma(R, ALPHA)
        drop = beta(A, B)
        nu = gamma(Q, GAMMA)
        t = START + rng.random() * JOIN_DAYS
        days = set()
        while t < END + 1:
            day = int(t)
            if day not in days:
                days.add(day)
                secs = 9 * 3600 + int(rng.random() * 13 * 3600)
                fen = max(100, int(round(gamma(P, nu) * 100)))
                ch = CHANNELS[int(rng.random() * len(CHANNELS))]
                rows.append((day, secs, member, fen, ch))
            if rng.random() < drop:
                break
            t += -math.log(1.0 - rng.random()) / lam
    rows.sort()
    path = os.path.join(HERE, "clv-history.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("order_id,member_id,ts,amount,currency,status,"
            "channel\n")
        for day, secs, member, fen, ch in rows:
            n += 1
            y, m, d = civil(day)
            f.write("H%07d,%s,%04d-%02d-%02dT%02d:%02d:%02d+08:00,"
                "%d.%02d,CNY,paid,%s\n" % (n, member, y, m, d,
                secs // 3600, secs // 60 % 60, secs % 60,
                fen // 100, fen % 100, ch))
    print("make-clv-history.py: %d orders of %d members in %s" %
        (n, N_MEMBERS, path))


main()
