#!/usr/bin/python3
"""points_gen.py: random but realistic loyalty histories for mbr-points.

    python3 tests/points_gen.py --seed S --out DIR [--nights N]

writes into DIR (made if missing):

    program.json   a programme (man/mbr-points.1), varied by the seed
    orders.csv     canonical orders over 2-3 years: paid, refunded later
                   (a second record, same order_id, later ts), cancelled,
                   partial refunds (negative paid), pending, exact
                   duplicates, order_id conflicts, another currency,
                   orders at exactly local midnight, a few after --as-of
    events.csv     redeem and adjust events (some too large, duplicates,
                   event_id conflicts, an unknown member, events before
                   the member's first record, events at the instant of
                   the member's order)
    members.csv    profiles: member_id,name,birthday,signup_ts,city
    tz, asof       the zone and the final --as-of, one line each
    nights         N, the number of nightly runs
    nightK.asof, nightK.orders.csv, nightK.events.csv   (K = 1..N)
                   night K: the records with ts in (T(K-1), TK], the
                   generator's (not quite time) order kept; TN = asof;
                   the last night also holds the records after asof,
                   and a few records of the night before come again.
                   Every night reads the whole members.csv.
    orders.csv and events.csv are the nights' files concatenated in
    night order: what a full replay reads (duplicates and conflicts are
    judged in file order, the first read kept).

Python 3 standard library only.  The same seed writes the same bytes.
"""

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import sys
from zoneinfo import ZoneInfo

CHANNELS = ["tmall", "jd", "pos", "app", "wechat"]
STORES = ["flagship", "上海静安店", "online", "outlet"]
NAMES = ["王芳", "李娜", "Alice", "Bob", "陈静", "Zoë", "Tom", "张伟"]
CITIES = ["Shanghai", "Hangzhou", "London", "Leeds", "北京", ""]
REASONS = ["", "gift card", "coupon", "goodwill", "service recovery",
           "manual fix"]


def fmt_money(minor, exp):
    sign = "-" if minor < 0 else ""
    v = abs(minor)
    if exp == 0:
        return "%s%d" % (sign, v)
    return "%s%d.%0*d" % (sign, v // 10 ** exp, exp, v % 10 ** exp)


class Gen:
    def __init__(self, seed, nights=None):
        self.r = r = random.Random(seed)
        # a second stream for what came with the settled contract, so
        # that the histories of the first stream stay as they were
        self.r2 = random.Random(seed * 7919 + 1)
        self.tzname = r.choice(["Asia/Shanghai", "Europe/London"])
        self.tz = ZoneInfo(self.tzname)
        if self.tzname == "Asia/Shanghai":
            self.currency = "CNY"
        else:
            self.currency = r.choice(["GBP", "GBP", "GBP", "JPY"])
        self.exp = 0 if self.currency == "JPY" else 2
        # a "unit" of money in minor units: JPY amounts are 100x larger
        self.scale = 100 if self.currency == "JPY" else 1   # major units
        y0 = r.choice([2021, 2022, 2023])
        self.start = self.local(dt.date(y0, r.randint(1, 6), r.randint(1, 28)))
        span_days = r.randint(730, 1095)
        end = self.start + span_days * 86400
        # the final as-of: a local 02:00 or a random instant
        if r.random() < 0.5:
            d = self.day(end)
            self.asof = self.local(d) + 2 * 3600
        else:
            self.asof = end + r.randint(0, 86399)
        self.nights = nights or r.randint(3, 6)

    # -- time
    def local(self, d, h=0, mi=0, s=0):
        return int(dt.datetime(d.year, d.month, d.day, h, mi, s,
                               tzinfo=self.tz).timestamp())

    def day(self, t):
        return dt.datetime.fromtimestamp(t, self.tz).date()

    def iso(self, t):
        if self.r.random() < 0.05:      # now and then in UTC
            return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat()
        return dt.datetime.fromtimestamp(t, self.tz).isoformat()

    def rand_ts(self, lo, hi):
        r = self.r
        t = r.randint(lo, hi)
        x = r.random()
        if x < 0.06:                    # exactly local midnight
            t = self.local(self.day(t))
        elif x < 0.10:                  # on a 11-11
            d = self.day(t)
            t = self.local(dt.date(d.year, 11, 11), r.randint(0, 23),
                           r.randint(0, 59), r.randint(0, 59))
        elif x < 0.13:                  # on the 8th
            d = self.day(t)
            t = self.local(dt.date(d.year, d.month, 8), r.randint(0, 23))
        elif x < 0.15:                  # a second before local midnight
            t = self.local(self.day(t) + dt.timedelta(days=1)) - 1
        return max(lo, min(t, hi)) if lo <= hi else t

    def money(self, major):
        """A decimal string for the programme (major units)."""
        return str(major * self.scale)

    # -- the programme
    def program(self):
        r = self.r
        p = {"name": "Prop %s" % r.choice(["Lanxu", "Tea", "Club"]),
             "currency": self.currency}
        earn = {}
        perscale = "0.01" if self.currency == "JPY" else None
        if r.random() < 0.5:
            if perscale:
                earn["per"] = r.choice(["0.01", "0.02", 0.05, "0.015"])
            else:
                earn["per"] = r.choice([1, 1, "0.5", 1.5, 2, "0.1", "1.25"])
        else:
            lad = [{"from": 0, "per": "0.01" if perscale else 1}]
            b1 = r.choice([200, 500, 800])
            lad.append({"from": self.money(b1) if r.random() < 0.5 else
                        b1 * self.scale,
                        "per": "0.015" if perscale else r.choice([1.5, "2"])})
            if r.random() < 0.6:
                b2 = r.choice([1500, 2000])
                lad.append({"from": b2 * self.scale,
                            "points": r.choice([2500, 3000, 4000])})
            earn["ladder"] = lad
        if r.random() < 0.7:
            earn["rounding"] = r.choice(["floor", "round", "ceil"])
        if r.random() < 0.3:
            earn["min_amount"] = self.money(r.choice([10, 20, 50]))
        p["earn"] = earn
        mults = []
        years = range(self.day(self.start).year, self.day(self.asof).year + 1)
        if r.random() < 0.6:
            mults.append({"name": "double11", "factor": 2, "month": 11,
                          "monthday": 11})
        if r.random() < 0.4:
            mults.append({"name": "memberday", "factor": r.choice([1.5, 2]),
                          "monthday": 8})
        if r.random() < 0.5:
            y = r.choice(list(years))
            mults.append({"name": "promo", "factor": 3,
                          "from": "%d-06-18" % y, "to": "%d-06-19" % y})
        if r.random() < 0.5:
            mults.append({"name": "tmall", "factor": 1.5,
                          "when": r.choice(["channel == 'tmall'",
                                            "channel in ('tmall', 'jd')"])})
        if r.random() < 0.3:
            mults.append({"name": "wd", "factor": "1.1",
                          "weekday": r.randint(1, 7)})
        if r.random() < 0.2:
            y = r.choice(list(years))
            a = dt.datetime(y, 3, 1, 20, 0, 0, tzinfo=self.tz)
            mults.append({"name": "flash", "factor": "1.25",
                          "from": a.isoformat(),
                          "to": (a + dt.timedelta(hours=4)).isoformat()})
        if mults:
            p["multipliers"] = mults
        if r.random() < 0.5:
            p["combine"] = r.choice(["multiply", "best"])
        caps = {}
        if r.random() < 0.35:
            caps["per_order"] = r.choice([500, 1000, 2000]) * (
                1 if not perscale else 1)
        if r.random() < 0.3:
            caps["per_day"] = r.choice([1500, 3000])
        if caps:
            p["caps"] = caps
        if r.random() < 0.85:
            t = {}
            basis = "points" if r.random() < 0.3 else "spend"
            if basis == "points" or r.random() < 0.5:
                t["basis"] = basis
            period = "calendar" if r.random() < 0.35 else "rolling"
            if period == "calendar" or r.random() < 0.4:
                t["period"] = period
            if period == "rolling" and r.random() < 0.6:
                t["review"] = "%02d-%02d" % (r.randint(1, 12),
                                             r.randint(1, 28))
            if r.random() < 0.5:
                t["grace_days"] = r.choice([0, 7, 30, 45])
            lv = [{"name": "member", "from": 0}]
            steps = [("silver", 1000), ("gold", 3000), ("diamond", 8000)]
            for name, frm in steps[:r.randint(1, 3)]:
                x = {"name": name}
                if basis == "spend":
                    x["from"] = self.money(frm) if r.random() < 0.5 else \
                        frm * self.scale
                else:
                    x["from"] = frm
                if name != "silver" and r.random() < 0.7:
                    x["factor"] = {"gold": "1.2", "diamond": 1.5}[name]
                if r.random() < 0.5:
                    x["gift"] = r.choice([100, 500])
                lv.append(x)
            t["levels"] = lv
            p["tiers"] = t
        x = r.random()
        if x < 0.2:
            pass
        elif x < 0.45:
            p["expiry"] = {"months": r.choice([6, 12, 24]),
                           "at": r.choice(["day", "month_end"])}
        elif x < 0.7:
            p["expiry"] = {"year_end": r.choice([0, 1, 1])}
        else:
            p["expiry"] = {"inactive_days": r.choice([60, 180, 365])}
        if r.random() < 0.6:
            p["clawback"] = r.choice(["negative", "forgive"])
        b = {}
        if r.random() < 0.6:
            b["signup"] = r.choice([50, 100])
        if r.random() < 0.6:
            b["birthday"] = r.choice([88, 200])
            if r.random() < 0.5:
                b["birthday_on"] = r.choice(["day", "month"])
        if b:
            p["bonuses"] = b
        self.prog = p
        return p

    # -- members and records
    def member_ids(self, n):
        r = self.r
        ids = set()
        while len(ids) < n:
            k = r.randint(1, 999)
            ids.add(r.choice(["m%03d" % k, "M%d" % k, "u_%d" % k,
                              "phone:+86138%08d" % (k * 7919),
                              "email:u%d@qq.com" % k]))
        return sorted(ids)

    def amount(self):
        r = self.r
        x = r.random()
        if x < 0.05:
            major = r.choice([200, 500, 800, 1500, 2000, 10, 20, 50])
            m = major * 100
            if r.random() < 0.5:
                m -= 1                  # a cent below a boundary
        elif x < 0.1:
            m = r.randint(1, 1500)      # small
        else:
            m = int(r.expovariate(1 / 35000)) + 100
        if self.currency == "JPY":
            return max(1, m)            # yen: minor = major, 100x bigger
        return m

    def generate(self):
        r = self.r
        self.program()
        n = r.randint(5, 30)
        ids = self.member_ids(n + 2)
        buyers, profile_only = ids[:n], ids[n:]
        lo, hi = self.start, self.asof
        orders = []         # (ts, fields...)
        first = {}
        oid = 100000
        for mid in buyers:
            k = r.choice([0, 1, 2, 3, 5, 8, 12, 20, 30, 40])
            for _ in range(k):
                oid += 1
                ts = self.rand_ts(lo, hi)
                a = self.amount()
                ch = r.choice(CHANNELS)
                st = r.choice(STORES)
                first[mid] = min(first.get(mid, ts), ts)
                x = r.random()
                if x < 0.05:
                    orders.append([ts, "O%d" % oid, mid, ts, a, "pending",
                                   ch, st])
                    continue
                if x < 0.07:        # cancelled before it was paid
                    orders.append([ts, "O%d" % oid, mid, ts, a, "cancelled",
                                   ch, st])
                    t2 = ts + r.randint(60, 86400 * 3)
                    orders.append([t2, "O%d" % oid, mid, t2, a, "paid", ch,
                                   st])
                    continue
                orders.append([ts, "O%d" % oid, mid, ts, a, "paid", ch, st])
                y = r.random()
                if y < 0.12:        # refunded or cancelled later
                    t2 = ts + r.choice([60, 3600, 86400, 86400 * 20,
                                        86400 * 60, r.randint(1, 86400 * 90)])
                    orders.append([t2, "O%d" % oid, mid, t2, a,
                                   r.choice(["refunded", "refunded",
                                             "cancelled"]), ch, st])
                    if r.random() < 0.1:    # and again, the other status
                        t3 = t2 + 3600
                        orders.append([t3, "O%d" % oid, mid, t3, a,
                                       "cancelled", ch, st])
                elif y < 0.18:      # a partial refund: a negative paid order
                    t2 = ts + r.randint(3600, 86400 * 30)
                    part = -max(1, a * r.randint(10, 90) // 100)
                    orders.append([t2, "R%d" % oid, mid, t2, part, "paid",
                                   ch, st])
                elif y < 0.20:      # an order_id conflict (rejected)
                    t2 = ts + r.randint(1, 86400)
                    orders.append([t2, "O%d" % oid, mid, t2, a + 100, "paid",
                                   ch, st])
        if orders and r.random() < 0.5:     # another currency: rejected
            o = list(r.choice(orders))
            oid += 1
            o[1] = "O%d" % oid
            o.append("USD")
            orders.append(o)
        # duplicates: the same record again, later in the file
        dups = [list(o) for o in orders if r.random() < 0.05]
        # a few after the final as-of
        for mid in buyers[:2]:
            oid += 1
            t = self.asof + r.randint(1, 86400 * 5)
            orders.append([t, "O%d" % oid, mid, t, self.amount(), "paid",
                           "app", "online"])
        orders.sort(key=lambda o: o[0])
        for d in dups:
            i = r.randint(0, len(orders))
            orders.insert(i, d)
        # a few neighbours swapped: the file's order is not time order
        for _ in range(len(orders) // 10):
            i = r.randint(0, max(0, len(orders) - 2))
            if i + 1 < len(orders):
                orders[i], orders[i + 1] = orders[i + 1], orders[i]
        self.orders = orders

        # profiles
        members = []
        for mid in buyers + profile_only:
            if mid in buyers and r.random() < 0.3:
                continue
            bd = ""
            x = r.random()
            if x < 0.5:
                y = r.randint(1960, 2004)
                if r.random() < 0.1:
                    bd = "%d-02-29" % r.choice([1988, 1992, 1996, 2000])
                else:
                    bd = "%d-%02d-%02d" % (y, r.randint(1, 12),
                                           r.randint(1, 28))
            elif x < 0.75:
                bd = "%02d-%02d" % (r.randint(1, 12), r.randint(1, 28))
            su = ""
            if mid in profile_only or r.random() < 0.75:
                f = first.get(mid, r.randint(lo, hi))
                y = r.random()
                if y < 0.1:
                    t = f + r.randint(1, 86400 * 10)    # after the 1st order
                elif y < 0.2:
                    t = self.local(self.day(f))         # local midnight
                else:
                    t = f - r.randint(0, 86400 * 200)
                su = self.iso(t)
                first[mid] = min(first.get(mid, t), t)
            members.append([mid, r.choice(NAMES), bd, su, r.choice(CITIES)])
        self.members = members

        # events: after the member's first order (or signup)
        events = []
        eid = 0
        for mid in buyers + profile_only:
            if mid not in first or first[mid] + 3600 >= hi:
                continue
            for _ in range(r.choice([0, 0, 1, 2, 3, 5])):
                eid += 1
                ts = self.rand_ts(first[mid] + 60, hi)
                if ts <= first[mid]:
                    ts = first[mid] + 60
                x = r.random()
                if x < 0.6:
                    pts = r.choice([10, 50, 100, 300, 1000, 5000, 100000])
                    typ = "redeem"
                else:
                    typ = "adjust"
                    pts = r.choice([-500, -50, -5, 5, 20, 100, 1000])
                events.append([ts, mid, ts, typ, pts, r.choice(REASONS),
                               "E%d" % eid])
        if events:
            for e in [list(e) for e in events if r.random() < 0.04]:
                events.append(e)                    # identical again
            e = list(r.choice(events))              # a conflict
            e[4] = e[4] + 1 if e[4] != -1 else 2
            e[0] = e[2] = e[2] + 10
            events.append(e)
            eid += 1                                # an unknown member
            t = self.rand_ts(lo, hi)
            events.append([t, "ghost", t, "adjust", 10, "", "E%d" % eid])
        r2 = self.r2
        paid_of = {}
        for o in orders:
            if o[5] == "paid" and o[4] > 0 and o[0] <= hi:
                paid_of.setdefault(o[2], []).append(o[0])
        for mid in buyers:
            # an event before the member's first record: "unknown
            # member" unless a profile makes it known
            if mid in first and r2.random() < 0.25:
                eid += 1
                t = first[mid] - r2.randint(1, 86400 * 5)
                if t > lo:
                    events.append([t, mid, t, "adjust", 10, "early",
                                   "E%d" % eid])
            # at the very instant of one of its orders: the order comes
            # first (seq), so its points can be spent
            if paid_of.get(mid) and r2.random() < 0.3:
                eid += 1
                t = r2.choice(paid_of[mid])
                events.append([t, mid, t, "redeem", r2.choice([1, 5]),
                               "same instant", "E%d" % eid])
        events.sort(key=lambda e: e[0])
        self.events = events

        # nights: T1 < ... < TN = asof
        ts = set()
        while len(ts) < self.nights - 1:
            t = r.randint(lo + 86400 * 20, self.asof - 1)
            y = r.random()
            if y < 0.3:
                t = self.local(self.day(t))             # a local midnight
            elif y < 0.45 and orders:
                t = r.choice(orders)[0]                 # a record's ts
            elif y < 0.7:
                t = self.local(self.day(t), 2)          # 02:00 local
            if t < self.asof:
                ts.add(t)
        self.cuts = sorted(ts) + [self.asof]

    # -- output
    def write(self, out):
        os.makedirs(out, exist_ok=True)
        ex = self.exp

        def w(name, text):
            with open(os.path.join(out, name), "w", encoding="utf-8",
                      newline="") as f:
                f.write(text)

        w("program.json", json.dumps(self.prog, indent=2,
                                     ensure_ascii=False) + "\n")
        w("tz", self.tzname + "\n")
        iso = lambda t: dt.datetime.fromtimestamp(t, self.tz).isoformat()
        w("asof", iso(self.asof) + "\n")
        w("nights", "%d\n" % len(self.cuts))

        def order_rows(sel):
            rows = [["order_id", "member_id", "ts", "amount", "currency",
                     "status", "channel", "store"]]
            for o in sel:
                cur = o[8] if len(o) > 8 else self.currency
                rows.append([o[1], o[2], o[3], fmt_money(o[4], ex), cur,
                             o[5], o[6], o[7]])
            return rows

        def event_rows(sel):
            rows = [["member_id", "ts", "type", "points", "reason",
                     "event_id"]]
            for e in sel:
                rows.append([e[1], e[2], e[3], str(e[4]), e[5], e[6]])
            return rows

        def csv_text(rows):
            b = io.StringIO()
            wr = csv.writer(b, lineterminator="\n")
            for row in rows:
                wr.writerow(row)
            return b.getvalue()

        # each record's ts text is fixed once, so every file agrees
        for o in self.orders:
            if not isinstance(o[3], str):
                o[3] = self.iso(o[3])
        for e in self.events:
            if not isinstance(e[2], str):
                e[2] = self.iso(e[2])
        w("members.csv", csv_text(
            [["member_id", "name", "birthday", "signup_ts", "city"]] +
            self.members))
        # night K: the records of (T(K-1), TK] in the generator's order;
        # the last night also the ones after the final as-of (an export
        # holding records of the future: "after --as-of")
        # Now and then a record of the night before comes again (an
        # export sent twice): seen before, by the state at night, by
        # the file order in the full replay; a rejected event included.
        prev = None
        all_o, all_e = [], []
        last = len(self.cuts)
        r2 = self.r2
        was_o, was_e = [], []
        for k, t in enumerate(self.cuts, 1):
            sel = [o for o in self.orders
                   if (prev is None or o[0] > prev) and
                   (o[0] <= t or k == last)]
            sel += [o for o in was_o if r2.random() < 0.05]
            w("night%d.orders.csv" % k, csv_text(order_rows(sel)))
            all_o += sel
            was_o = [o for o in sel if o[0] <= t]
            sel = [e for e in self.events
                   if (prev is None or e[0] > prev) and
                   (e[0] <= t or k == last)]
            sel += [e for e in was_e if r2.random() < 0.15]
            w("night%d.events.csv" % k, csv_text(event_rows(sel)))
            all_e += sel
            was_e = [e for e in sel if e[0] <= t]
            w("night%d.asof" % k, iso(t) + "\n")
            prev = t
        # what a user replays: the nights' files one after another
        # (duplicates and conflicts are judged in file order, so the
        # full replay must read the records in the nights' order)
        w("orders.csv", csv_text(order_rows(all_o)))
        w("events.csv", csv_text(event_rows(all_e)))


def main(argv):
    ap = argparse.ArgumentParser(prog="points_gen.py")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--nights", type=int)
    a = ap.parse_args(argv)
    g = Gen(a.seed, a.nights)
    g.generate()
    g.write(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
