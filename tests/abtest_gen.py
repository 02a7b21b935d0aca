#!/usr/bin/python3
"""abtest_gen.py: random scenarios for mbr-abtest analyze.

    python3 tests/abtest_gen.py SEED OUTDIR

writes into OUTDIR (made if missing):

    assignments.csv  assignment records (experiment, member_id, variant,
                     assigned_at, sometimes a covariate pre_score and
                     other columns), or mbr-campaign send-list rows
                     (campaign_id, ..., send_at, ..., variant) with
                     follow-ups; 2-4 variants with unequal weights (or
                     none: "sent"); 50-3000 members assigned over up to 3
                     days; now and then a member twice (same variant,
                     another time), a member in two variants, an empty
                     variant (outside the test), a row without member_id
                     or with a bad time, rows of another experiment, a
                     covariate that is missing
    orders.csv       canonical orders: in the window, at its two ends,
                     before the assignment (some in the pre-window), after
                     the window, refunded/cancelled/pending, of members
                     not in the test and of held-out members; members with
                     many orders; amounts with cents, "0.00", whole
                     numbers; times in +08:00, Z and -05:00; rarely an
                     unknown status, another currency, a bad amount
    holdout.csv      sometimes: mbr-campaign's --holdout-out (experiment,
                     member_id, variant "holdout", assigned_at), a few of
                     them also in a variant
    args             the options of `mbr-abtest analyze`, one a line,
                     orders.csv last (paths relative to OUTDIR)

Every seed forces one feature (seed-1 modulo the list: plain, zero
conversions in a variant, all converted, an empty variant, a covariate
field, a constant covariate, pre_spend, holdout with cost, send list,
sample ratio mismatch, --metric revenue, several experiments, a big
test) and draws the others at random, so seeds 1..13 meet each at least
once.  Python 3 standard library only; the same seed writes the same
bytes.
"""

import csv
import datetime as dt
import io
import math
import os
import random
import sys

FEATURES = ["plain", "zero_conv", "all_conv", "empty_variant", "covariate",
            "covariate_const", "pre_spend", "holdout", "sendlist", "srm",
            "revenue", "multi_exp", "big"]
SH = dt.timezone(dt.timedelta(hours=8))
NY = dt.timezone(dt.timedelta(hours=-5))
UTC = dt.timezone.utc


def csv_text(rows):
    f = io.StringIO()
    w = csv.writer(f, lineterminator="\n")
    for r in rows:
        w.writerow(r)
    return f.getvalue()


def fmt_t(t, r, plain=False):
    """an ISO 8601 time with an offset, mostly +08:00"""
    if plain:
        z = SH
    else:
        k = r.random()
        z = SH if k < 0.8 else UTC if k < 0.92 else NY
    s = dt.datetime.fromtimestamp(t, z).isoformat(timespec="seconds")
    if z is UTC and r.random() < 0.5:
        s = s[:-6] + "Z"
    return s


def money(minor):
    return "%d.%02d" % (minor // 100, minor % 100)


class Gen:
    def __init__(self, seed):
        self.r = r = random.Random(seed)
        self.feature = FEATURES[(seed - 1) % len(FEATURES)]
        f = self.feature
        self.on = lambda name, p: f == name or r.random() < p

        # --- size and variants
        if f == "big":
            self.n = r.randint(2000, 3000)
        else:
            self.n = int(math.exp(r.uniform(math.log(50), math.log(3000))))
        self.sendlist = self.on("sendlist", 0.12)
        self.novariant = self.sendlist and r.random() < 0.35
        names = r.choice([["control", "a"], ["control", "a", "b"],
                          ["control", "a", "b", "c"],
                          ["control", "treatment"], ["v0", "v1", "v2"],
                          ["b", "control", "a"], ["base", "new"]])
        weights = r.choice([None, [80, 20], [50, 25, 25], [60, 40],
                            ["1.5", "1", "0.5"], [70, 10, 10, 10],
                            [34, 33, 33], [40, 30, 20, 10], [90, 10]])
        if weights is None or len(weights) != len(names):
            weights = [1] * len(names) if r.random() < 0.4 else \
                [r.randint(1, 9) * 10 for _ in names]
        self.names, self.weights = names, weights
        self.empty_variant = None
        if f == "empty_variant" or (len(names) > 2 and r.random() < 0.03):
            self.empty_variant = names[-1] if names[-1] != "control" \
                else names[-2]
        if self.novariant:
            self.names, self.weights = ["sent"], [1]
        self.key = r.choice(["exp-2024-06", "winback-60", "welcome_1",
                             "c.618", "E7"])
        self.multi_exp = self.on("multi_exp", 0.1)
        self.holdout = self.on("holdout", 0.2) or self.novariant
        self.cov = None
        if self.on("covariate", 0.1) or f == "covariate_const":
            self.cov = "pre_score"
        elif self.on("pre_spend", 0.1):
            self.cov = "pre_spend"
        self.cov_const = f == "covariate_const"
        self.metric = "revenue" if self.on("revenue", 0.15) else None
        self.window_s, self.window = r.choice(
            [(7 * 86400, "7d"), (7 * 86400, None), (48 * 3600, "48h"),
             (86400, "1d"), (14 * 86400, "2w"), (3 * 86400, "3d"),
             (12 * 3600, "12h"), (36 * 3600, "2160m")])
        # --pre-window: its default is the window's length
        self.pre_s, self.pre = r.choice([(self.window_s, None),
                                         (14 * 86400, "14d"),
                                         (28 * 86400, "28d")])

        # --- rates and effects
        self.p0 = r.choice([0.02, 0.05, 0.1, 0.2, 0.35, 0.5])
        self.eff = {}
        for v in self.names:
            self.eff[v] = 1.0 if v in ("control", self.names[0]) else \
                r.choice([1.0, 1.0, 0.7, 1.3, 1.6, 0.5, 2.0])
        self.zero_var = None
        if f == "zero_conv" or r.random() < 0.05:
            self.zero_var = r.choice(self.names)
        self.all_conv = None
        if f == "all_conv" or r.random() < 0.04:
            self.all_conv = "all" if r.random() < 0.5 else \
                r.choice(self.names)
        self.rev_eff = {v: r.choice([1.0, 1.0, 1.2, 0.8, 1.5])
                        for v in self.names}
        self.t0 = int(dt.datetime(2024, r.randint(3, 11), r.randint(1, 28),
                                  r.choice([0, 10, 20]), 0,
                                  tzinfo=SH).timestamp())
        self.stagger = r.choice([0, 0, 3600, 86400, 3 * 86400])

    # ------------------------------------------------------------ members
    def make(self):
        r = self.r
        members = []
        wsum = sum(float(w) for w in self.weights)
        cum = []
        acc = 0.0
        for w in self.weights:
            acc += float(w) / wsum
            cum.append(acc)
        for i in range(1, self.n + 1):
            mid = "M%05d" % (i * 37 % 100000) if r.random() < 0.5 else \
                "m%d" % i
            u = r.random()
            v = self.names[-1]
            for name, c in zip(self.names, cum):
                if u < c:
                    v = name
                    break
            if v == self.empty_variant:
                v = self.names[0]
            value = math.exp(r.gauss(4, 1))     # spend level, in yuan
            start = self.t0 + (r.randint(0, self.stagger)
                               if self.stagger else 0)
            members.append({"id": mid, "variant": v, "value": value,
                            "start": start})
        # ids must be unique: the "M" ids can meet the "m" ones only by
        # case, never equal; still, make sure
        seen = set()
        for m in members:
            while m["id"] in seen:
                m["id"] += "x"
            seen.add(m["id"])
        if self.feature == "srm" and len(self.names) >= 2:
            # drop 15-30% of one non-control variant: the split is off
            victim = self.names[1] if self.names[1] != "control" else \
                self.names[0]
            k = r.uniform(0.15, 0.3)
            members = [m for m in members
                       if not (m["variant"] == victim and r.random() < k)]
        self.members = members
        hold = []
        if self.holdout:
            nh = max(5, int(self.n * r.uniform(0.05, 0.2)))
            for j in range(nh):
                hold.append({"id": "h%d" % (j + 1), "variant": "holdout",
                             "value": math.exp(r.gauss(4, 1)),
                             "start": self.t0})
        self.hold = hold

    def rate(self, m):
        v = m["variant"]
        if v == "holdout":
            return self.p0 * 0.7
        if self.zero_var == v:
            return 0.0
        if self.all_conv == "all" or self.all_conv == v:
            return 1.0
        return min(1.0, self.p0 * self.eff.get(v, 1.0) *
                   (0.5 + min(m["value"], 400) / 110))

    # ------------------------------------------------------------ files
    def assignments(self):
        r = self.r
        rows = []
        extra = []
        if self.cov == "pre_score":
            extra.append("pre_score")
        if r.random() < 0.3:
            extra.append("segment")
        if self.sendlist:
            head = ["campaign_id", "member_id", "channel", "address",
                    "send_at", "message", "sms_parts", "coupon_code",
                    "variant"] + extra
        else:
            head = ["experiment", "member_id", "variant", "assigned_at"] + \
                extra
        rows.append(head)
        self.covbad = set()

        def row(m, variant, t, key=None):
            key = self.key if key is None else key
            d = {"experiment": key, "campaign_id": key,
                 "member_id": m["id"], "variant": variant,
                 "assigned_at": fmt_t(t, r), "send_at": fmt_t(t, r),
                 "channel": "sms", "address": "+86138%08d" % (
                     sum(map(ord, m["id"])) * 7919 % 10 ** 8),
                 "message": "Hi, 20% off", "sms_parts": "1",
                 "coupon_code": "", "segment": r.choice(["vip", "new", ""])}
            if self.cov == "pre_score":
                if self.cov_const:
                    d["pre_score"] = "5.00"
                else:
                    d["pre_score"] = "%.2f" % (m["value"] *
                                               r.uniform(0.5, 1.5) / 10)
                if m["id"] in self.covbad:
                    d["pre_score"] = r.choice(["", "n/a"])
            return [d.get(k, "") for k in head]

        for m in self.members:
            if self.cov == "pre_score" and r.random() < 0.01:
                self.covbad.add(m["id"])
        out = []
        for m in self.members:
            v = "" if self.novariant else m["variant"]
            out.append(row(m, v, m["start"]))
            k = r.random()
            if k < 0.03:
                # again, same variant: earlier or later
                out.append(row(m, v, m["start"] + r.choice(
                    [-3600, 3600, 86400, -86400])))
            elif k < 0.04 and not self.novariant and len(self.names) > 1:
                other = r.choice([x for x in self.names
                                  if x != m["variant"]])
                out.append(row(m, other, m["start"] + 60))
            if self.sendlist and r.random() < 0.2:
                out.append(row(m, v, m["start"] + 86400))    # follow-up
        # members outside the test (assignment records only)
        if not self.sendlist:
            for j in range(r.randint(0, 5)):
                out.append(row({"id": "out%d" % j, "value": 10}, "",
                                self.t0))
        if r.random() < 0.3:
            out.append(row({"id": "", "value": 1}, self.names[0], self.t0))
        if r.random() < 0.2:
            bad = row({"id": "badtime", "value": 1}, self.names[0], self.t0)
            bad[head.index("send_at" if self.sendlist else
                           "assigned_at")] = r.choice(
                ["2024-13-01T00:00:00+08:00", "yesterday", ""])
            out.append(bad)
        if self.multi_exp:
            for m in r.sample(self.members, min(len(self.members), 40)):
                out.append(row(m, r.choice(["x", "y"]), self.t0 - 86400 * 3,
                               key="other-exp"))
        if r.random() < 0.5:
            r.shuffle(out)
        return csv_text(rows + out)

    def holdout_csv(self):
        r = self.r
        rows = [["experiment", "member_id", "variant", "assigned_at"]]
        for m in self.hold:
            rows.append([self.key, m["id"], "holdout",
                         fmt_t(m["start"], r, plain=True)])
        # a few also assigned: rejects
        for m in r.sample(self.members, min(3, len(self.members))):
            if r.random() < 0.5:
                rows.append([self.key, m["id"], "holdout",
                             fmt_t(self.t0, r, plain=True)])
        if self.multi_exp and r.random() < 0.5:
            rows.append(["other-exp", "h1", "holdout",
                         fmt_t(self.t0, r, plain=True)])
        return csv_text(rows)

    def orders(self):
        r = self.r
        W = self.window_s
        rows = [["order_id", "member_id", "ts", "amount", "currency",
                 "status", "channel"]]
        out = []
        oid = [0]

        def amount(m):
            k = r.random()
            if k < 0.02:
                return "0.00"
            if k < 0.08:
                return str(r.randint(1, 500))
            base = max(1, int(m["value"] * self.rev_eff.get(
                m["variant"], 1.0) * r.uniform(0.3, 1.7) * 100))
            return money(base)

        def order(m, t, status="paid", amt=None, cur="CNY"):
            oid[0] += 1
            out.append(["o%06d" % oid[0], m["id"], fmt_t(t, r),
                        amount(m) if amt is None else amt, cur, status,
                        r.choice(["tmall", "jd", "pos", ""])])

        everyone = self.members + self.hold
        for m in everyone:
            s = m["start"]
            conv = r.random() < self.rate(m)
            if conv:
                k = 1
                if r.random() < 0.02:
                    k = r.randint(10, 40)          # a heavy buyer
                else:
                    while r.random() < 0.3 and k < 6:
                        k += 1
                for j in range(k):
                    q = r.random()
                    if j == 0 and q < 0.02:
                        t = s                       # at the start: counts
                    else:
                        t = s + r.randint(0, W - 1)
                    order(m, t)
            # noise around the member
            if r.random() < 0.08:
                order(m, s + W)                      # the window's end
            if r.random() < 0.05:
                order(m, s - 1)                      # a second before
            if r.random() < 0.15:
                order(m, s + W + r.randint(1, 10 * 86400))   # after
            if r.random() < 0.3 or self.cov == "pre_spend":
                # before the start: in the pre-window, and before it
                for j in range(r.randint(0, 3)):
                    order(m, s - r.randint(1, self.pre_s))
                if r.random() < 0.2:
                    order(m, s - self.pre_s)         # pre-window's start
                if r.random() < 0.2:
                    order(m, s - self.pre_s - r.randint(1, 86400 * 30))
            if r.random() < 0.1:
                order(m, s + r.randint(0, W - 1),
                      status=r.choice(["refunded", "cancelled", "pending"]))
        # strangers
        for j in range(r.randint(0, self.n // 10 + 1)):
            order({"id": "x%d" % j, "value": 50, "variant": "x"},
                  self.t0 + r.randint(-86400, W))
        # rare bad rows
        if r.random() < 0.3:
            m = r.choice(everyone)
            order(m, m["start"] + 10, cur="USD")
        if r.random() < 0.2:
            m = r.choice(everyone)
            order(m, m["start"] + 10, amt="12,3x")
        if r.random() < 0.2:
            m = r.choice(everyone)
            order(m, m["start"] + 10, status="shipped")
        if r.random() < 0.2:
            m = r.choice(everyone)
            order(m, m["start"] + 10, cur="")        # the run's currency
        if r.random() < 0.6:
            r.shuffle(out)
        # the first paid order sets the run's currency: a CNY one
        first = ["o000000", "x-first", fmt_t(self.t0 - 90 * 86400, r),
                 "1.00", "CNY", "paid", "pos"]
        return csv_text(rows + [first] + out)

    def args(self, has_holdout):
        r = self.r
        a = ["--assignments", "assignments.csv"]
        if has_holdout:
            a += ["--holdout", "holdout.csv"]
        if self.window:
            a += ["--window", self.window]
        if self.multi_exp:
            a += ["--experiment", self.key]
        elif r.random() < 0.2:
            a += ["--experiment", self.key]
        if not self.novariant:
            equal = len(set(str(w) for w in self.weights)) == 1
            if not equal or r.random() < 0.7 or self.empty_variant:
                if equal and r.random() < 0.5:
                    a += ["--variants", ",".join(self.names)]
                else:
                    a += ["--variants", ",".join(
                        "%s=%s" % (n, w)
                        for n, w in zip(self.names, self.weights))]
            if "control" not in self.names and r.random() < 0.5:
                a += ["--control", self.names[0]]
            elif "control" in self.names and r.random() < 0.1:
                a += ["--control", "control"]
        if self.metric:
            a += ["--metric", self.metric]
        if self.cov:
            a += ["--covariate", self.cov]
            if self.pre and self.cov == "pre_spend":
                a += ["--pre-window", self.pre]
        if has_holdout and r.random() < 0.7:
            a += ["--cost-per-send", r.choice(["0.05", "0.12", "1",
                                               "0.5"])]
        if r.random() < 0.25:
            a += ["--alpha", r.choice(["0.1", "0.01"])]
        if r.random() < 0.35 or self.n < 400:
            a += ["--min-members", r.choice(["20", "50", "30"])]
        if self.feature == "srm" and r.random() < 0.5:
            a += ["--strict"]
        a.append("orders.csv")
        return a


def main(argv):
    if len(argv) != 3:
        print("usage: abtest_gen.py SEED OUTDIR", file=sys.stderr)
        return 2
    seed = int(argv[1])
    d = argv[2]
    os.makedirs(d, exist_ok=True)
    g = Gen(seed)
    g.make()
    files = {"assignments.csv": g.assignments()}
    if g.holdout:
        files["holdout.csv"] = g.holdout_csv()
    files["orders.csv"] = g.orders()
    files["args"] = "".join(x + "\n" for x in g.args(g.holdout))
    for name in ("holdout.csv",):
        p = os.path.join(d, name)
        if name not in files and os.path.exists(p):
            os.remove(p)
    for name, text in files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8",
                  newline="") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
