#!/usr/bin/python3
"""campaign_gen.py: random but valid-ish scenarios for mbr-campaign.

    python3 tests/campaign_gen.py SEED OUTDIR

writes into OUTDIR (made if missing):

    members.csv    member profiles with RFM-ish fields: member_id, name
                   (some Chinese), phone (some missing, masked, too
                   short, other formats), email (mixed case, invalid),
                   wechat_openid, consent_sms/email/wechat (true/false/
                   yes/n/1/opt-out/empty, rarely "maybe": a reject), tz
                   (mostly empty; Asia/Shanghai, America/New_York,
                   Europe/London; rarely "Mars/Base"), last_order_ts,
                   signup_ts, birthday (02-29 among them), monetary,
                   segment, lifecycle, variant; a member without an id
                   and a member_id twice now and then
    campaign.json  the campaign: trigger, audience, channels (consent,
                   quiet hours, cost, follow_up), message(s), cooldown,
                   cap, send window, varied by the seed
    history.csv    earlier send-list rows (this campaign and others,
                   some scheduled after --as-of)
    suppress.txt   member ids, phones, e-mails, phone:/email: lines
    ledger.csv     an mbr-points ledger with tier_up rows (tier_up)
    events.csv     behaviour events (browse_no_buy)
    coupons.txt    codes of one length (sometimes too few)
    join.csv       more fields (points, tier) for --join, sometimes
    args           the options of the scenario, one a line (paths
                   relative to OUTDIR); the test adds the outputs

The --as-of is near a local midnight, a month end or a DST change of a
member's zone.  Python 3 standard library only; the same seed writes
the same bytes.
"""

import csv
import datetime as dt
import io
import json
import os
import random
import sys
from zoneinfo import ZoneInfo

NAMES = ["王芳", "李娜", "Alice", "Bob", "陈静", "Zoë", "Tom", "张伟",
         "", "", "欧阳娜娜", "O'Brien", "Smith, J"]
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London"]
YES = ["true", "yes", "Y", "1", "opt-in", "TRUE"]
NO = ["false", "no", "n", "0", "opt-out", "False"]


def csv_text(rows):
    f = io.StringIO()
    w = csv.writer(f, lineterminator="\n")
    for r in rows:
        w.writerow(r)
    return f.getvalue()


def fmt(t, z):
    return dt.datetime.fromtimestamp(t, z).isoformat(timespec="seconds")


class Gen:
    def __init__(self, seed):
        self.r = r = random.Random(seed)
        self.tzname = r.choice(["Asia/Shanghai"] * 3 + ["Europe/London",
                                                         "America/New_York"])
        self.tz = ZoneInfo(self.tzname)
        # --as-of: an instant near something interesting
        kind = r.choice(["sh-midnight", "sh-midnight", "ny-spring",
                         "ny-fall", "lon-fall", "month-end", "feb28",
                         "random"])
        sh = ZoneInfo("Asia/Shanghai")
        if kind == "sh-midnight":
            d = dt.date(2024, r.randint(1, 12), r.randint(1, 28))
            t = dt.datetime(d.year, d.month, d.day, tzinfo=sh).timestamp()
            t += r.choice([-90, -30, 0, 30, 90, 3600 * 9, -3600 * 3])
        elif kind == "ny-spring":
            t = dt.datetime(2024, 3, 10, 7, 30, tzinfo=dt.timezone.utc
                            ).timestamp() + r.choice([-7200, 0, 3600, 14400])
        elif kind == "ny-fall":
            t = dt.datetime(2024, 11, 3, 5, 30, tzinfo=dt.timezone.utc
                            ).timestamp() + r.choice([-3600, 0, 3600, 7200])
        elif kind == "lon-fall":
            t = dt.datetime(2024, 10, 26, 23, 30, tzinfo=dt.timezone.utc
                            ).timestamp() + r.choice([0, 3600, 7200])
        elif kind == "month-end":
            m = r.choice([1, 4, 6, 9, 11, 12])
            last = (dt.date(2024 + (m == 12), m % 12 + 1, 1) -
                    dt.timedelta(days=1))
            t = dt.datetime(last.year, last.month, last.day, 23, 30,
                            tzinfo=sh).timestamp() + r.choice([0, 1800, 2400])
        elif kind == "feb28":
            y = r.choice([2023, 2024, 2025])
            t = dt.datetime(y, 2, 28, 22, 0, tzinfo=sh).timestamp() + \
                r.choice([0, 7200, 86400])
        else:
            t = dt.datetime(2024, 1, 1, tzinfo=sh).timestamp() + \
                r.randint(0, 365 * 86400)
        self.asof = int(t)
        self.asof_text = fmt(self.asof, self.tz)
        self.cid = r.choice(["winback-60", "bday", "welcome_1", "c.618",
                             "tier-up", "browse2", "member-day"])
        self.trigger = r.choice(["batch", "inactive_days", "signup_no_order",
                                 "birthday", "member_day", "tier_up",
                                 "browse_no_buy"])
        self.params = {}
        if self.trigger == "inactive_days":
            self.params["days"] = r.choice([1, 30, 60])
        elif self.trigger == "signup_no_order":
            self.params["hours"] = r.choice([0, 2, 24])
        elif self.trigger == "birthday":
            self.params["days_before"] = r.choice([0, 0, 1, 7])
        elif self.trigger == "member_day":
            self.params["day"] = r.choice([1, 15, 28, 29, 30, 31])
        elif self.trigger == "tier_up":
            self.params["hours"] = r.choice([24, 48, 6])
            if r.random() < 0.5:
                self.params["tiers"] = ["gold", "platinum"]
        elif self.trigger == "browse_no_buy":
            self.params["hours"] = r.choice([2, 2, 0, 5])
            if r.random() < 0.4:
                self.params["window_hours"] = r.choice([12, 48])
            if r.random() < 0.3:
                self.params["events"] = ["view", "favorite"]

    def zone_of_member(self, m):
        return ZoneInfo(m["tz"]) if m["tz"] in ZONES else self.tz

    # ------------------------------------------------------ fields
    def phone(self, i):
        r = self.r
        n = "1%02d%08d" % (r.choice([38, 39, 58, 86, 77]), i * 7919 % 10 ** 8)
        k = r.random()
        if k < 0.35:
            return n
        if k < 0.45:
            return "+86 %s-%s-%s" % (n[:3], n[3:7], n[7:])
        if k < 0.5:
            return "86" + n
        if k < 0.55:
            return "0086 %s %s %s" % (n[:3], n[3:7], n[7:])
        if k < 0.6:
            return "+1 212 555 %04d" % (i % 10000)
        if k < 0.68:
            return n[:3] + "****" + n[7:]
        if k < 0.72:
            return "12345"
        if k < 0.76:
            return "010 6552 %04d" % (i % 10000)
        return ""

    def email(self, i):
        r = self.r
        k = r.random()
        if k < 0.45:
            return r.choice(["user%d@163.com", "User%d@QQ.com",
                             " u%d@example.cn ", "wang.%d@Gmail.com"]) % i
        if k < 0.52:
            return "not-an-email"
        return ""

    def consent(self):
        r = self.r
        k = r.random()
        if k < 0.65:
            return r.choice(YES)
        if k < 0.8:
            return r.choice(NO)
        if k < 0.995:
            return ""
        return "maybe"

    def time_text(self, t, z):
        """a time in one of the forms exports use; z the member's zone"""
        r = self.r
        k = r.random()
        loc = dt.datetime.fromtimestamp(t, z)
        if k < 0.5:
            return fmt(t, z)
        if k < 0.6:
            return fmt(t, ZoneInfo("Asia/Shanghai"))
        if k < 0.7:
            return loc.replace(tzinfo=None).isoformat(timespec="seconds")
        if k < 0.8:
            return loc.strftime("%Y-%m-%d %H:%M:%S")
        if k < 0.85:
            return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
        if k < 0.9:
            return loc.strftime("%Y-%m-%d")
        return fmt(t, z)

    def safe_local(self, t, z):
        """t moved off the hour around a DST change (no gap/fold
        ambiguity for times written without an offset)"""
        loc = dt.datetime.fromtimestamp(t, z)
        if loc.month in (3, 10, 11) and 0 <= loc.hour <= 3:
            return t + 4 * 3600
        return t

    def members(self):
        r = self.r
        n = r.randint(60, 120)
        out = []
        asof = self.asof
        for i in range(n):
            m = {}
            m["member_id"] = "M%04d" % (i * 37 % 9973)
            if r.random() < 0.06:
                m["member_id"] = "phone:+86138%08d" % i
            m["name"] = r.choice(NAMES)
            m["phone"] = self.phone(i)
            m["email"] = self.email(i)
            m["wechat_openid"] = "oX%06d" % (i * 13) if r.random() < 0.6 \
                else ""
            m["consent_sms"] = self.consent()
            m["consent_email"] = self.consent()
            m["consent_wechat"] = self.consent()
            m["tz"] = r.choice([""] * 6 + ZONES + ([] if r.random() < 0.97
                                                    else ["Mars/Base"]))
            z = ZoneInfo(m["tz"]) if m["tz"] in ZONES else self.tz
            today = dt.datetime.fromtimestamp(asof, z).date()
            # last order
            lo = ""
            p = self.params
            if self.trigger == "inactive_days" and r.random() < 0.8:
                d = today - dt.timedelta(days=p["days"] + r.choice([-1, 0,
                                                                    0, 1]))
                hh = r.choice([0, 0, 12, 23])
                mm = 59 if hh == 23 else 0
                ss = 59 if hh == 23 else r.choice([0, 0, 30])
                t = dt.datetime(d.year, d.month, d.day, hh, mm, ss,
                                tzinfo=z).timestamp()
                lo = self.time_text(self.safe_local(int(t), z), z)
            elif r.random() < 0.7:
                t = asof - r.randint(0, 200 * 86400)
                lo = self.time_text(self.safe_local(t, z), z)
            if r.random() < 0.01:
                lo = "yesterday"
            m["last_order_ts"] = lo
            # signup
            su = ""
            if self.trigger == "signup_no_order" and r.random() < 0.85:
                h = p["hours"] * 3600
                t = asof - h - r.choice([0, 1, -1, 3600, 86399, 86400,
                                         86401, r.randint(-7200, 90000)])
                su = fmt(t, z) if r.random() < 0.7 else \
                    self.time_text(self.safe_local(t, z), z)
                if r.random() < 0.3:
                    # an order after (or before) the signup
                    m["last_order_ts"] = fmt(t + r.choice([-3600, 0, 60]), z)
            elif r.random() < 0.5:
                su = fmt(asof - r.randint(86400, 900 * 86400), z)
            m["signup_ts"] = su
            # birthday
            bd = ""
            if self.trigger == "birthday" and r.random() < 0.85:
                d = today + dt.timedelta(days=p["days_before"] +
                                         r.choice([-1, 0, 0, 1]))
                y = r.randint(1960, 2005)
                try:
                    bd = dt.date(y, d.month, d.day).isoformat()
                except ValueError:
                    bd = dt.date(2000, d.month, d.day).isoformat()
                if r.random() < 0.1:
                    bd = r.choice(["2000-02-29", "1996-02-29", "1990-02-28",
                                   "1990-03-01"])
            elif r.random() < 0.5:
                bd = "%d-%02d-%02d" % (r.randint(1960, 2005),
                                       r.randint(1, 12), r.randint(1, 28))
            if r.random() < 0.01:
                bd = "1990-13-45"
            m["birthday"] = bd
            k = r.random()
            m["monetary"] = ("%d.%02d" % (r.randint(0, 3000),
                                          r.randint(0, 99))) if k < 0.6 \
                else str(r.choice([100, 200, 300, 50])) if k < 0.9 else ""
            m["segment"] = r.choice(["vip", "regular", "new", "", "staff"])
            m["lifecycle"] = r.choice(["active", "sleeping", "churned",
                                       "new", ""])
            m["variant"] = r.choice(["a", "b", "", "c"])
            out.append(m)
        if r.random() < 0.3:
            out[r.randrange(len(out))]["member_id"] = ""
        if r.random() < 0.3:
            a, b = r.sample(range(len(out)), 2)
            out[b]["member_id"] = out[a]["member_id"]
        self.mem = out
        return out

    # ------------------------------------------------------ campaign
    def campaign(self):
        r = self.r
        c = {"id": self.cid, "name": "generated"}
        aud = r.choice(["true", "monetary >= 200", "segment == 'vip'",
                        "lifecycle == 'sleeping' and monetary >= 100",
                        "segment != 'staff'", "segment in ('vip', 'regular')",
                        "not (lifecycle == 'churned')", "has(email) or "
                        "monetary > 50", None])
        if aud is not None:
            c["audience"] = aud
        if self.trigger == "batch":
            c["trigger"] = r.choice(["batch", {"type": "batch"}])
        else:
            c["trigger"] = dict({"type": self.trigger}, **self.params)
        names = r.sample(["wechat", "sms", "email"], r.randint(1, 3))
        self.coupon_in_msg = r.random() < 0.5
        chans = []
        for nm in names:
            ch = {"channel": nm}
            if r.random() < 0.3:
                ch["consent"] = r.choice(["opt-in", "opt-out"])
            if r.random() < 0.4:
                ch["quiet_hours"] = r.choice(["21:00-09:00", "22:00-08:00",
                                              "12:00-14:00", "23:30-00:30",
                                              "00:00-07:00"])
            if nm == "sms":
                ch["cost"] = r.choice(["0.05", "0.0350", "0.1", "0.045"])
            elif nm == "email" and r.random() < 0.5:
                ch["cost"] = r.choice(["0.01", "0.002"])
            if r.random() < 0.15:
                ch["message"] = "[%s] {{name|亲爱的会员}}" % nm
            if not chans and r.random() < 0.35:
                fu = {"channel": r.choice([x for x in ["sms", "email",
                                                       "wechat"]
                                           if x != nm])}
                if r.random() < 0.5:
                    fu["delay_hours"] = r.choice([1, 24, 48])
                else:
                    fu["delay_minutes"] = r.choice([30, 90])
                if r.random() < 0.5:
                    fu["quiet_hours"] = r.choice(["21:00-09:00",
                                                  "22:00-08:00"])
                if fu["channel"] == "sms":
                    fu["cost"] = "0.05"
                if r.random() < 0.5:
                    fu["message"] = "{{name|您}}，别忘了您的券 {{coupon_code}}"
                if r.random() < 0.3:
                    fu["consent"] = "opt-out"
                ch["follow_up"] = fu
            chans.append(ch if len(ch) > 1 or r.random() < 0.5 else nm)
        c["channels"] = chans
        extra = ""
        if self.trigger == "tier_up":
            extra = "恭喜升级 {{trigger_tier}}，"
        elif self.trigger == "browse_no_buy":
            extra = "您看过的 {{trigger_sku|商品}} 还在等您，"
        base = r.choice([
            "{{name|亲爱的会员}}，好久不见，送您一张券：{{coupon_code}}",
            "Hi {{ name | there }}, your code {{coupon_code}} expires soon",
            "{{name|亲爱的会员}}，本月会员日全场满200减30，"
            "会员专享价已为您保留，点击领取优惠券 {{coupon_code}}。"
            "退订回T",
            "Dear {{name|member}}: spend {{monetary|0}} more? "
            "Code {{coupon_code}} at {{send_at}} [{{channel}}] ~",
        ])
        msg = extra + base
        k = r.random()
        if k < 0.6:
            c["message"] = msg
        elif k < 0.85:
            c["message"] = msg
            c["messages"] = {"a": "A: " + msg, "b": "B {{name|}} 😀 " +
                             "{{coupon_code}}"}
        else:
            c["messages"] = {"a": "A: " + msg, "b": "B " + msg}
        if r.random() < 0.4:
            c["cooldown_days"] = r.choice([7, 30])
        if r.random() < 0.4:
            c["cap"] = {"messages": r.choice([1, 2, 3]),
                        "days": r.choice([1, 7, 30])}
        if r.random() < 0.3:
            c["send_window_hours"] = r.choice([1, 8, 12])
        self.camp = c
        return c

    # ------------------------------------------------------ others
    def history(self):
        r = self.r
        rows = [["campaign_id", "member_id", "channel", "address", "send_at",
                 "message", "sms_parts", "coupon_code", "variant"]]
        ids = [m["member_id"] for m in self.mem if m["member_id"]]
        for mid in ids:
            if r.random() > 0.4:
                continue
            for _ in range(r.randint(1, 3)):
                cid = r.choice([self.cid, "other", "newsletter"])
                t = self.asof - r.choice([r.randint(0, 35 * 86400),
                                          86400 * 7, 86400 * 30,
                                          86400 * 7 - 1,
                                          -r.randint(60, 2 * 86400)])
                rows.append([cid, mid, "sms", "+8613800000000",
                             fmt(t, self.tz), "old, message", "1", "", ""])
        rows.append(["other", "M9999", "email", "x@y.cn",
                     fmt(self.asof - 3600, self.tz), "", "", "", ""])
        if r.random() < 0.2:
            rows.append(["other", ids[0], "sms", "", "not a time", "", "",
                         "", ""])
        return rows

    def suppress(self):
        r = self.r
        lines = ["# opt-outs", ""]
        for m in self.mem:
            if not m["member_id"] or r.random() > 0.1:
                continue
            k = r.random()
            if k < 0.4:
                lines.append(m["member_id"])
            elif k < 0.7 and m["phone"]:
                lines.append(m["phone"])
            elif m["email"].strip():
                lines.append(m["email"].strip().upper())
        lines.append("phone:+8613800000001")
        lines.append("email:nobody@example.cn")
        return "\n".join(lines) + "\n"

    def ledger(self):
        r = self.r
        rows = [["member_id", "ts", "type", "points", "balance", "order_id",
                 "event_id", "lot", "rule", "tier", "qualifying"]]
        h = self.params.get("hours", 24) * 3600
        for m in self.mem:
            if not m["member_id"] or r.random() > 0.6:
                continue
            used = set()
            for _ in range(r.randint(1, 2)):
                off = r.choice([0, 1, h - 1, h, h + 1, r.randint(0, h + 7200),
                                -60])
                while off in used:
                    off += 7
                used.add(off)
                t = self.asof - off
                typ = r.choice(["tier_up", "tier_up", "earn", "tier_down"])
                rows.append([m["member_id"], fmt(t, self.tz), typ, "0", "100",
                             "", "", "", "upgrade",
                             r.choice(["silver", "gold", "platinum"]), ""])
        return rows

    def events(self):
        r = self.r
        rows = [["member_id", "ts", "event", "sku", "category"]]
        p = self.params
        h = p.get("hours", 2) * 3600
        w = p.get("window_hours", 24) * 3600
        for m in self.mem:
            if not m["member_id"] or r.random() > 0.6:
                continue
            used = set()
            for _ in range(r.randint(1, 3)):
                off = r.choice([h, h - 1, h + w, h + w - 1,
                                r.randint(h - 3600, h + w + 3600)])
                while off in used:
                    off += 11
                used.add(off)
                t = self.asof - off
                rows.append([m["member_id"], fmt(t, self.tz),
                             r.choice(["view", "cart", "favorite", "login"]),
                             "SKU%03d" % r.randint(1, 50),
                             r.choice(["skincare", "makeup", "香水"])])
                if r.random() < 0.2 and m["last_order_ts"]:
                    # an order right after an event
                    m["last_order_ts"] = fmt(t + 60, self.tz)
        return rows

    def args(self, d):
        r = self.r
        a = ["--campaign", "campaign.json", "--as-of", self.asof_text,
             "--tz", self.tzname]
        if r.random() < 0.6:
            a += ["--history", "history.csv"]
        if r.random() < 0.6:
            a += ["--suppress", "suppress.txt"]
        if r.random() < 0.25:
            a += ["--cap", r.choice(["1/1", "2/7", "3/30"])]
        if self.trigger == "tier_up":
            a += ["--ledger", "ledger.csv"]
        if self.trigger == "browse_no_buy":
            a += ["--events", "events.csv"]
        if r.random() < 0.4:
            a += ["--coupons", "coupons.txt"]
            if r.random() < 0.5:
                a += ["--coupons-short", "skip"]
        if r.random() < 0.3:
            a += ["--max-recipients", str(r.randint(1, 20))]
        if r.random() < 0.3:
            a += ["--max-cost", r.choice(["0.5", "1", "0.25", "2.5"])]
        if r.random() < 0.3:
            a += ["--join", "join.csv"]
            if r.random() < 0.5:
                a += ["--priority", "points"]
        elif r.random() < 0.1:
            a += ["--priority", "monetary"]
        if r.random() < 0.3:
            a += ["--holdout", r.choice(["10%", "2.5%", "33.33%", "50%"])]
        if r.random() < 0.25:
            a += ["--global-holdout", r.choice(["5%", "20%"])]
            if r.random() < 0.5:
                a += ["--global-holdout-seed", "brand-2024"]
        if r.random() < 0.3:
            a += ["--max-sms-parts", r.choice(["1", "2"])]
        if r.random() < 0.2:
            a += ["--default-country", "86"]
        if r.random() < 0.3:
            a += ["--keep", r.choice(["segment", "name,monetary",
                                      "lifecycle,segment"])]
        return a

    def coupons(self, n):
        r = self.r
        codes = ["CP%06d" % r.randint(0, 999999) for _ in range(n)]
        codes = list(dict.fromkeys(codes))
        return "# batch 7\n" + "\n".join(" %s " % c if i % 5 == 0 else c
                                         for i, c in enumerate(codes)) + "\n"

    def join(self):
        r = self.r
        rows = [["member_id", "points", "tier", "name"]]
        for m in self.mem:
            if m["member_id"] and r.random() < 0.7:
                rows.append([m["member_id"],
                             str(r.choice([0, 100, 250, 250, 1200])),
                             r.choice(["silver", "gold", ""]),
                             r.choice(["", "J. Name"])])
        rows.append(["M9998", "1", "gold", ""])
        return rows


def main(argv):
    if len(argv) != 2:
        print("usage: campaign_gen.py SEED OUTDIR", file=sys.stderr)
        return 2
    seed, d = int(argv[0]), argv[1]
    os.makedirs(d, exist_ok=True)
    g = Gen(seed)
    mem = g.members()
    camp = g.campaign()
    cols = ["member_id", "name", "phone", "email", "wechat_openid",
            "consent_sms", "consent_email", "consent_wechat", "tz",
            "last_order_ts", "signup_ts", "birthday", "monetary", "segment",
            "lifecycle", "variant"]

    def w(name, text):
        with open(os.path.join(d, name), "w", encoding="utf-8",
                  newline="") as f:
            f.write(text)

    events = g.events()      # may move last_order_ts: before members.csv
    w("events.csv", csv_text(events))
    w("members.csv", csv_text([cols] + [[m[k] for k in cols] for m in mem]))
    w("campaign.json", json.dumps(camp, ensure_ascii=False, indent=1) + "\n")
    w("history.csv", csv_text(g.history()))
    w("suppress.txt", g.suppress())
    w("ledger.csv", csv_text(g.ledger()))
    w("coupons.txt", g.coupons(g.r.choice([5, 20, 80])))
    w("join.csv", csv_text(g.join()))
    w("args", "".join(x + "\n" for x in g.args(d)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
