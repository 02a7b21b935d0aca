#!/usr/bin/python3
"""points_reference.py: an independent reference for mbr-points.

Written from the specification of issue #15 (now man/mbr-points.1), not
from the C code.  Python 3 standard library only (zoneinfo, fractions); points
and money are integers and Fractions, never floats.  It does full replays
from scratch only: no --state, no --state-out, no --audit.  The orders
files are read one after another, as mbr-points reads them.

    python3 tests/points_reference.py --program P.json --as-of T --tz Z \\
        [--events E.csv] [--members M.csv] [--expiring-days 30] \\
        [--ledger LEDGER.csv] [--rejects REJECTS.csv] [-q] \\
        orders.csv... > balances.csv
    python3 tests/points_reference.py --selftest

Inputs are CSV with a header (canonical orders; events member_id, ts, type,
points, reason, event_id; members member_id, birthday, signup_ts, ...).
--rejects writes one line per rejected record: "kind,seq,reason" (kind
order, event or member; seq its place in its file, 1 = the first record).

Readings of the contract (man/mbr-points.1), where it leaves a choice
or where this file had to pick a way to do what it says:

 R1  Processing: every kept record by (booking time, seq), seq counting
     the orders (files in order), then the signups of the profiles, then
     the events.  Before a record at time t, what fell due at or before t
     (expiry, review, birthday, in that order at one instant).  Members
     never touch each other, so one pass over all members in that order
     is each member replayed alone; the ledger is then sorted (stably) by
     (booking time, member_id bytes), which keeps the order in which a
     member's rows were made.
 R2  Every credit (earn, bonus, positive adjust) settles debt first: a row
     of the same type into lot "debt" for min(debt, points), then the rest
     into the lot.
 R3  tier_up rows: order_id of the order that caused them, rule "upgrade";
     the gift bonus row that follows carries that order_id too, lot as an
     earn on that day, rule "gift:NAME".  Gift rows are not clawed back.
 R4  Review moment = midnight of (MM-DD + grace_days); the window is taken
     at that moment: rolling [R - 12 months, R), calendar the larger of the
     year before R's year and [01-01, R).  rolling without "review": 01-01.
 R5  An expire row is written only for a lot holding points > 0.
 R6  inactive_days: the "open" lot expires at midnight of (last activity
     day + N + 1).  Activity: a day with an earn row from an order (a debt
     settlement row counts) or a redeem row; the day of member since
     counts as the first (joining).  When that midnight comes, the member
     goes dormant whether or not it holds points then: points credited
     afterwards (bonuses, adjusts) do not expire until the next activity
     starts the clock again, and they are not "expiring" in the balances.
     For expiring_points, the open lot's last day is last activity + N.
 R7  Clawback with forgive: every row of that clawback carries
     "refund|forgive" (or "partial|forgive") when something was written
     off; nothing covered at all: no row.
 R8  A refunded/cancelled record of an already clawed-back order (the
     other of the two statuses): counted as refunded or cancelled, no
     effect.  A paid record after a refund of an unseen order: no points
     and no spend.
 R9  Partial refund (paid, amount < 0): min_amount and caps do not apply;
     points basis: the points it claws back (covered or not) come off the
     qualifying points on its own day.  Refund under points basis: the
     order's earned points come off on its original day; the spend (kept
     for qualifying_spend in both bases) comes off too.
 R10 A refund does not give back per-day cap room.
 R11 "Known" member (for events, and for the balance output): a profile,
     or an order of any status processed earlier in processing order
     (booking time, seq).  Orders after --as-of, and rejected ones, do not
     make a member known.
 R12 multiply: rule lists the tier factor first ("|tier:NAME", only when
     the level has a "factor" key), then the multipliers in programme
     order.  best: the first largest in that order; none: factor 1, no
     name.  Both caps cutting: "|cap:order|cap:day".
 R13 round = half away from zero (points are positive before the sign).
 R14 Profile fields passed through: all but member_id (birthday and
     signup_ts too), in the profile header's order (a name clashing with a
     balance field, such as a profile's "tier", is not handled here; the
     generator avoids it).
 R15 Duplicates and conflicts are judged at reading, in file order, after
     validation and after the --as-of cut (a record after --as-of is not
     marked seen): the first record read of an (order_id, status) -- any
     status, pending too -- or of an event_id is kept; a later identical
     one (member, ts, amount; for events member, ts, type, points) is
     "seen before", a later different one "order_id conflict" / "event_id
     conflict".  A kept event that is then refused (unknown member,
     insufficient points) stays judged: read again, it is seen before.
 R16 member since = the booking time of the member's first record in
     processing order: an order of any status, an event of a known member
     (even one then refused for the balance), or the signup record (a
     record at signup_ts whether or not there is a signup bonus).  None:
     tier_since empty, no birthday bonus.
 R17 Rejects named in the spec use its words as the reason:
     "insufficient points", "unknown member", "event_id conflict",
     "order_id conflict".
 R18 The summary line (stderr, unless -q) counts as mbr-points(1) says:
     every order row read; paid, refunded or cancelled and pending are the
     kept records of each status; seen before and after --as-of; events
     likewise; ledger rows; points earned by orders (before debt
     settlement, not bonuses).
"""

import argparse
import csv
import datetime as dt
import heapq
import io
import json
import os
import re
import sys
import tempfile
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

MINOR = {"CNY": 2, "GBP": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0,
         "KRW": 0, "TWD": 2, "SGD": 2, "AUD": 2, "CAD": 2, "CHF": 2,
         "BHD": 3, "KWD": 3}

KIND_RANK = {"expiry": 0, "review": 1, "birthday": 2}


class Reject(Exception):
    pass


class UsageError(Exception):
    pass


# --------------------------------------------------------------- numbers

def to_fraction(v, what, maxdec=None):
    """A JSON number (parsed as Decimal) or a decimal string."""
    if isinstance(v, bool) or v is None:
        raise UsageError("%s: not a number" % what)
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, Decimal):
        d = v
    elif isinstance(v, str):
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", v.strip()):
            raise UsageError("%s: %r is not a number" % (what, v))
        d = Decimal(v.strip())
    else:
        raise UsageError("%s: not a number" % what)
    if maxdec is not None and d.as_tuple().exponent < -maxdec:
        t = d.normalize().as_tuple()
        if t.exponent < -maxdec:
            raise UsageError("%s: more than %d decimals" % (what, maxdec))
    return Fraction(d)


def money_parse(s, exp):
    """Decimal text to integer minor units; None when not exact money."""
    s = s.strip()
    m = re.fullmatch(r"([+-]?)(\d*)(?:\.(\d*))?", s)
    if not m or (m.group(2) == "" and not m.group(3)):
        return None
    frac = m.group(3) or ""
    if len(frac.rstrip("0")) > exp:
        return None
    frac = (frac + "0" * exp)[:exp]
    v = int(m.group(2) or "0") * 10 ** exp + (int(frac) if frac else 0)
    return -v if m.group(1) == "-" else v


def money_fmt(v, exp):
    sign = "-" if v < 0 else ""
    v = abs(v)
    if exp == 0:
        return "%s%d" % (sign, v)
    return "%s%d.%0*d" % (sign, v // 10 ** exp, exp, v % 10 ** exp)


def money_of(fr, exp, what):
    """A programme money value (Fraction, major units) to minor units."""
    v = fr * 10 ** exp
    if v.denominator != 1:
        raise UsageError("%s: more decimals than the currency has" % what)
    return int(v)


def round_rule(x, how):
    """x >= 0 Fraction to an int by the programme's rounding."""
    if how == "floor":
        return x.numerator // x.denominator
    if how == "ceil":
        return -((-x.numerator) // x.denominator)
    # round: half away from zero
    if x >= 0:
        return int((x + Fraction(1, 2)).__floor__())
    return -int((-x + Fraction(1, 2)).__floor__())


# ------------------------------------------------------------------ dates

def last_dom(y, m):
    if m == 12:
        return 31
    return (dt.date(y, m + 1, 1) - dt.timedelta(days=1)).day


def add_months(d, n):
    """d + n months keeping the day of month, clamped to the month's end."""
    k = d.year * 12 + (d.month - 1) + n
    y, m = divmod(k, 12)
    m += 1
    return dt.date(y, m, min(d.day, last_dom(y, m)))


class Clock:
    def __init__(self, tzname):
        self.tz = ZoneInfo(tzname)

    def parse(self, s):
        """ISO 8601 timestamp (or a date: its local midnight) to epoch s."""
        s = s.strip()
        if not s:
            raise ValueError("empty")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return self.midnight(dt.date.fromisoformat(s))
        if s.endswith("Z") or s.endswith("z"):
            s = s[:-1] + "+00:00"
        x = dt.datetime.fromisoformat(s.replace(" ", "T", 1))
        if x.tzinfo is None:
            x = x.replace(tzinfo=self.tz)
        return int(x.timestamp()) if x.microsecond == 0 else x.timestamp()

    def day(self, t):
        return dt.datetime.fromtimestamp(t, self.tz).date()

    def midnight(self, d):
        return int(dt.datetime(d.year, d.month, d.day, tzinfo=self.tz)
                   .timestamp())

    def fmt(self, t):
        x = dt.datetime.fromtimestamp(t, self.tz)
        return x.isoformat(timespec="seconds")


# ----------------------------------------------------- mbr-expr (a subset)

class Expr:
    """A small subset of mbr-expr(5): or/and/not, ==, =, !=, <>, <, <=, >,
    >=, in (...), has(f), contains(f, v), lower(f), upper(f), string and
    number literals, field names.  Empty fields are null; every comparison
    with null is false."""

    TOK = re.compile(r"""\s*(?:
        (?P<str>'(?:[^'\\]|''|\\.)*')|
        (?P<num>-?\d+(?:\.\d+)?)|
        (?P<op>==|!=|<>|<=|>=|&&|\|\||[=<>(),!])|
        (?P<qname>"[^"]*")|
        (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""", re.X)

    def __init__(self, text):
        self.toks = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = self.TOK.match(text, pos)
            if not m or m.end() == pos:
                raise UsageError("when: cannot read %r" % text[pos:])
            pos = m.end()
            k = m.lastgroup
            v = m.group(k)
            if k == "str":
                v = v[1:-1].replace("''", "'").replace("\\'", "'")
            elif k == "qname":
                k, v = "name", v[1:-1]
            elif k == "name" and v.lower() in ("and", "or", "not", "in",
                                               "true", "false", "null"):
                k, v = "kw", v.lower()
            self.toks.append((k, v))
        self.i = 0
        self.tree = self.p_or()
        if self.i != len(self.toks):
            raise UsageError("when: junk after the expression")

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, *vals):
        k, v = self.peek()
        if v in vals and k in ("op", "kw"):
            self.i += 1
            return v
        return None

    def p_or(self):
        a = self.p_and()
        while self.take("or", "||"):
            a = ("or", a, self.p_and())
        return a

    def p_and(self):
        a = self.p_not()
        while self.take("and", "&&"):
            a = ("and", a, self.p_not())
        return a

    def p_not(self):
        if self.take("not", "!"):
            return ("not", self.p_not())
        return self.p_cmp()

    def p_cmp(self):
        a = self.p_atom()
        op = self.take("==", "=", "!=", "<>", "<", "<=", ">", ">=")
        if op:
            return ("cmp", {"=": "==", "<>": "!="}.get(op, op), a,
                    self.p_atom())
        if self.take("not"):
            if not self.take("in"):
                raise UsageError("when: 'not' without 'in'")
            return ("not", ("in", a, self.p_list()))
        if self.take("in"):
            return ("in", a, self.p_list())
        return a

    def p_list(self):
        if not self.take("("):
            raise UsageError("when: 'in' wants a list")
        xs = [self.p_atom()]
        while self.take(","):
            xs.append(self.p_atom())
        if not self.take(")"):
            raise UsageError("when: ')' missing")
        return xs

    def p_atom(self):
        k, v = self.peek()
        if k is None:
            raise UsageError("when: unexpected end")
        self.i += 1
        if k == "str":
            return ("lit", v)
        if k == "num":
            return ("lit", Fraction(Decimal(v)))
        if k == "kw" and v in ("true", "false", "null"):
            return ("lit", {"true": True, "false": False, "null": None}[v])
        if k == "op" and v == "(":
            e = self.p_or()
            if not self.take(")"):
                raise UsageError("when: ')' missing")
            return e
        if k == "name":
            if self.peek() == ("op", "("):
                self.i += 1
                args = []
                if not self.take(")"):
                    args.append(self.p_or())
                    while self.take(","):
                        args.append(self.p_or())
                    if not self.take(")"):
                        raise UsageError("when: ')' missing")
                if v not in ("has", "contains", "lower", "upper"):
                    raise UsageError("when: function %s unknown here" % v)
                return ("fn", v, args)
            return ("field", v)
        raise UsageError("when: unexpected %r" % v)

    def ev(self, n, rec):
        t = n[0]
        if t == "lit":
            return n[1]
        if t == "field":
            v = rec.get(n[1])
            return None if v is None or v == "" else v
        if t == "or":
            return bool(self.ev(n[1], rec)) or bool(self.ev(n[2], rec))
        if t == "and":
            return bool(self.ev(n[1], rec)) and bool(self.ev(n[2], rec))
        if t == "not":
            return not bool(self.ev(n[1], rec))
        if t == "in":
            a = self.ev(n[1], rec)
            return a is not None and any(
                self.eq(a, self.ev(x, rec)) for x in n[2])
        if t == "cmp":
            a, b = self.ev(n[2], rec), self.ev(n[3], rec)
            if a is None or b is None:
                return False
            if n[1] == "==":
                return self.eq(a, b)
            if n[1] == "!=":
                return not self.eq(a, b)
            a, b = self.ordkey(a, b)
            if a is None:
                return False
            return {"<": a < b, "<=": a <= b, ">": a > b,
                    ">=": a >= b}[n[1]]
        if t == "fn":
            f, args = n[1], n[2]
            if f == "has":
                return args[0][0] == "field" and \
                    self.ev(args[0], rec) is not None
            vals = [self.ev(a, rec) for a in args]
            if any(x is None for x in vals):
                return None
            if f == "contains":
                return str(vals[1]) in str(vals[0]).split("|")
            if f == "lower":
                return re.sub(r"[A-Z]", lambda m: m.group(0).lower(),
                              str(vals[0]))
            if f == "upper":
                return re.sub(r"[a-z]", lambda m: m.group(0).upper(),
                              str(vals[0]))
        raise AssertionError(n)

    @staticmethod
    def num(x):
        if isinstance(x, Fraction):
            return x
        if isinstance(x, str) and re.fullmatch(r"-?\d+(\.\d+)?", x.strip()):
            return Fraction(Decimal(x.strip()))
        return None

    def eq(self, a, b):
        if isinstance(a, str) and isinstance(b, str):
            return a == b
        na, nb = self.num(a), self.num(b)
        if na is not None and nb is not None:
            return na == nb
        return str(a) == str(b)

    def ordkey(self, a, b):
        na, nb = self.num(a), self.num(b)
        if na is not None and nb is not None:
            return na, nb
        if isinstance(a, str) and isinstance(b, str):
            return a.encode(), b.encode()
        return None, None

    def __call__(self, rec):
        return bool(self.ev(self.tree, rec))


# -------------------------------------------------------------- programme

def strict_keys(obj, allowed, where):
    if not isinstance(obj, dict):
        raise UsageError("%s: not an object" % where)
    for k in obj:
        if k not in allowed:
            raise UsageError("%s: unknown key %r" % (where, k))


class Program:
    def __init__(self, text, clock):
        j = json.loads(text, parse_float=Decimal)
        strict_keys(j, {"name", "currency", "earn", "multipliers", "combine",
                        "caps", "tiers", "expiry", "clawback", "bonuses"},
                    "programme")
        self.currency = j.get("currency")
        if self.currency not in MINOR:
            raise UsageError("currency %r" % self.currency)
        exp = self.exp = MINOR[self.currency]
        earn = j.get("earn")
        if earn is None:
            raise UsageError("earn is required")
        strict_keys(earn, {"per", "ladder", "rounding", "min_amount"}, "earn")
        if ("per" in earn) == ("ladder" in earn):
            raise UsageError("earn: per or ladder, one of them")
        self.per = None
        self.ladder = None
        if "per" in earn:
            self.per = to_fraction(earn["per"], "earn.per", 4)
            if self.per < 0:
                raise UsageError("earn.per < 0")
        else:
            self.ladder = []
            for i, b in enumerate(earn["ladder"]):
                strict_keys(b, {"from", "per", "points"}, "earn.ladder")
                frm = money_of(to_fraction(b["from"], "ladder.from", exp),
                               exp, "ladder.from")
                if ("per" in b) == ("points" in b):
                    raise UsageError("ladder bracket: per or points")
                if "per" in b:
                    br = (frm, to_fraction(b["per"], "ladder.per", 4), None)
                else:
                    p = b["points"]
                    if not isinstance(p, int) or isinstance(p, bool) or p < 0:
                        raise UsageError("ladder points: an integer >= 0")
                    br = (frm, None, p)
                if i == 0 and frm != 0:
                    raise UsageError("ladder: the first from is 0")
                if i > 0 and frm <= self.ladder[-1][0]:
                    raise UsageError("ladder: from not ascending")
                self.ladder.append(br)
            if not self.ladder:
                raise UsageError("ladder: empty")
        self.rounding = earn.get("rounding", "floor")
        if self.rounding not in ("floor", "round", "ceil"):
            raise UsageError("rounding %r" % self.rounding)
        self.min_amount = money_of(to_fraction(earn.get("min_amount", 0),
                                               "min_amount", exp), exp,
                                   "min_amount")
        self.mults = []
        for m in j.get("multipliers", []):
            strict_keys(m, {"name", "factor", "month", "monthday", "weekday",
                            "from", "to", "when"}, "multiplier")
            f = to_fraction(m["factor"], "factor", 4)
            if not (0 < f <= 100):
                raise UsageError("factor out of range")
            c = {"name": m["name"], "factor": f}
            for k, lo, hi in (("month", 1, 12), ("monthday", 1, 31),
                              ("weekday", 1, 7)):
                if k in m:
                    if not (lo <= m[k] <= hi):
                        raise UsageError("%s out of range" % k)
                    c[k] = m[k]
            for k in ("from", "to"):
                if k in m:
                    c[k] = clock.parse(m[k])
            if "when" in m:
                c["when"] = Expr(m["when"])
            self.mults.append(c)
        self.combine = j.get("combine", "multiply")
        if self.combine not in ("multiply", "best"):
            raise UsageError("combine %r" % self.combine)
        caps = j.get("caps", {})
        strict_keys(caps, {"per_order", "per_day"}, "caps")
        self.cap_order = caps.get("per_order")
        self.cap_day = caps.get("per_day")
        tiers = j.get("tiers")
        self.basis = "spend"
        self.period = "rolling"
        self.review = (1, 1)
        self.grace = 0
        self.levels = [{"name": "member", "from": 0}]
        if tiers is not None:
            strict_keys(tiers, {"basis", "period", "review", "grace_days",
                                "levels"}, "tiers")
            self.basis = tiers.get("basis", "spend")
            self.period = tiers.get("period", "rolling")
            if self.basis not in ("spend", "points"):
                raise UsageError("basis")
            if self.period not in ("rolling", "calendar"):
                raise UsageError("period")
            if "review" in tiers:
                if self.period != "rolling":
                    raise UsageError("review: rolling only")
                mm, dd = tiers["review"].split("-")
                self.review = (int(mm), int(dd))
                dt.date(2023, *self.review)     # a real day of every year
            self.grace = tiers.get("grace_days", 0)
            self.levels = []
            for i, lv in enumerate(tiers["levels"]):
                strict_keys(lv, {"name", "from", "factor", "gift"}, "level")
                if self.basis == "spend":
                    frm = money_of(to_fraction(lv["from"], "level.from", exp),
                                   exp, "level.from")
                else:
                    frm = lv["from"]
                    if not isinstance(frm, int):
                        raise UsageError("level.from: integer points")
                c = {"name": lv["name"], "from": frm}
                if "factor" in lv:
                    c["factor"] = to_fraction(lv["factor"], "factor", 4)
                if "gift" in lv:
                    c["gift"] = lv["gift"]
                if i == 0 and frm != 0:
                    raise UsageError("first level from 0")
                if i > 0 and frm <= self.levels[-1]["from"]:
                    raise UsageError("levels not ascending")
                self.levels.append(c)
        ex = j.get("expiry")
        self.expiry = None
        if ex is not None:
            strict_keys(ex, {"months", "at", "year_end", "inactive_days"},
                        "expiry")
            if "months" in ex:
                at = ex.get("at", "day")
                if at not in ("day", "month_end") or ex["months"] < 1:
                    raise UsageError("expiry months")
                self.expiry = ("months", ex["months"], at)
            elif "year_end" in ex:
                self.expiry = ("year_end", ex["year_end"])
            elif "inactive_days" in ex:
                self.expiry = ("inactive", ex["inactive_days"])
            else:
                raise UsageError("expiry: which kind?")
        self.clawback = j.get("clawback", "negative")
        if self.clawback not in ("negative", "forgive"):
            raise UsageError("clawback")
        b = j.get("bonuses", {})
        strict_keys(b, {"signup", "birthday", "birthday_on"}, "bonuses")
        self.b_signup = b.get("signup", 0)
        self.b_birthday = b.get("birthday", 0)
        self.birthday_on = b.get("birthday_on", "day")
        if self.birthday_on not in ("day", "month"):
            raise UsageError("birthday_on")

    def lot_of(self, d):
        """The lot key (a date, or "open") of points credited on day d."""
        e = self.expiry
        if e is None or e[0] == "inactive":
            return "open"
        if e[0] == "months":
            x = add_months(d, e[1])
            if e[2] == "day":
                return x - dt.timedelta(days=1)
            return dt.date(x.year, x.month, last_dom(x.year, x.month))
        return dt.date(d.year + e[1], 12, 31)

    def level_of(self, v):
        i = 0
        for k, lv in enumerate(self.levels):
            if lv["from"] <= v:
                i = k
        return i


# ---------------------------------------------------------------- members

class Member:
    def __init__(self, mid):
        self.id = mid
        self.balance = 0
        self.earned = self.redeemed = self.expired = 0
        self.clawed = self.adjusted = 0
        self.lots = {}          # date or "open" -> points > 0
        self.debt = 0           # points owed (lot "debt" is -debt)
        self.tier = 0
        self.tier_since = None
        self.since = None
        self.spend = {}         # local day -> minor units (net)
        self.qpts = {}          # local day -> points (net)
        self.dayused = {}       # local day -> points earned from orders
        self.activity = None    # last activity day (inactive_days)
        self.profile = None
        self.birthday = None    # (month, day)
        self.known = False
        self.signed = False     # the signup bonus given


def lot_sort_key(k):
    return (1, dt.date.max) if k == "open" else (0, k)


def lot_text(k):
    return k if isinstance(k, str) else k.isoformat()


# ------------------------------------------------------------------ engine

class Engine:
    def __init__(self, prog, clock, asof, expiring_days=30):
        self.p = prog
        self.c = clock
        self.asof = asof
        self.expiring_days = expiring_days
        self.members = {}
        self.ledger = []
        self.rejects = []
        self.heap = []
        self.orders = {}        # order_id -> dict
        self.reviews = []
        self.ri = 0
        self.counts = {"duplicate": 0, "after": 0, "pending": 0}
        self.earned_orders = 0  # points earned by orders (the summary)
        self.have_events = False

    # -- helpers
    def mem(self, mid):
        m = self.members.get(mid)
        if m is None:
            m = self.members[mid] = Member(mid)
        return m

    def row(self, m, t, typ, pts, order_id="", event_id="", lot="",
            rule="", tier="", qual=""):
        m.balance += pts
        if typ in ("earn", "bonus"):
            m.earned += pts
        elif typ == "clawback":
            m.clawed -= pts
        elif typ == "redeem":
            m.redeemed -= pts
        elif typ == "expire":
            m.expired -= pts
        elif typ == "adjust":
            m.adjusted += pts
        self.ledger.append((t, [m.id, self.c.fmt(t), typ, str(pts),
                                str(m.balance), order_id, event_id,
                                lot_text(lot) if lot != "" else "", rule,
                                tier, qual]))

    def qual_text(self, v):
        return money_fmt(v, self.p.exp) if self.p.basis == "spend" else str(v)

    def set_since(self, m, t):
        if m.since is None:
            m.since = t
            m.tier_since = t
            self.schedule_birthday(m, t)
            self.touch_activity(m, t)   # the inactivity clock starts

    def push(self, t, m, kind, data=None):
        heapq.heappush(self.heap, (t, m.id.encode(), KIND_RANK[kind], kind,
                                   m.id, data))

    def birthday_at(self, m, year):
        mo, da = m.birthday
        if self.p.birthday_on == "month":
            return self.c.midnight(dt.date(year, mo, 1))
        if mo == 2 and da == 29 and last_dom(year, 2) == 28:
            da = 28
        return self.c.midnight(dt.date(year, mo, da))

    def schedule_birthday(self, m, after):
        if not self.p.b_birthday or m.birthday is None:
            return
        y = self.c.day(after).year
        while True:
            t = self.birthday_at(m, y)
            if t > after:
                break
            y += 1
        self.push(t, m, "birthday", y)

    # -- lots
    def credit(self, m, t, typ, pts, rule, order_id="", event_id=""):
        """Credit pts > 0 at t: settle debt first, then the day's lot.
        Returns (rows written, lot key)."""
        n = 0
        if m.debt > 0:
            s = min(m.debt, pts)
            m.debt -= s
            pts -= s
            self.row(m, t, typ, s, order_id, event_id, "debt", rule)
            n += 1
        key = self.p.lot_of(self.c.day(t))
        if pts > 0:
            if key not in m.lots:
                m.lots[key] = 0
                if key != "open":
                    self.push(self.c.midnight(key + dt.timedelta(days=1)),
                              m, "expiry", key)
            m.lots[key] += pts
            self.row(m, t, typ, pts, order_id, event_id, key, rule)
            n += 1
        return n, key

    def plan_debit(self, m, pts, first=None):
        keys = sorted(m.lots, key=lot_sort_key)
        if first is not None and first in m.lots:
            keys.remove(first)
            keys.insert(0, first)
        plan = []
        for k in keys:
            if pts == 0:
                break
            take = min(m.lots[k], pts)
            if take > 0:
                plan.append((k, take))
                pts -= take
        return plan, pts

    def debit(self, m, t, typ, plan, rule, order_id="", event_id=""):
        for k, take in plan:
            m.lots[k] -= take
            if m.lots[k] == 0:
                del m.lots[k]
            self.row(m, t, typ, -take, order_id, event_id, k, rule)

    def clawback(self, m, t, pts, rule, order_id, first=None):
        plan, left = self.plan_debit(m, pts, first)
        if left > 0 and self.p.clawback == "forgive":
            rule += "|forgive"
        self.debit(m, t, "clawback", plan, rule, order_id)
        if left > 0 and self.p.clawback == "negative":
            m.debt += left
            self.row(m, t, "clawback", -left, order_id, "", "debt", rule)

    def touch_activity(self, m, t):
        if self.p.expiry and self.p.expiry[0] == "inactive":
            d = self.c.day(t)
            if m.activity is not None and m.activity >= d:
                return          # a signup_ts later than the first order
            m.activity = d
            n = self.p.expiry[1]
            self.push(self.c.midnight(d + dt.timedelta(days=n + 1)), m,
                      "expiry", d)

    # -- qualifying
    def qsum(self, m, lo, hi, basis=None):
        """Sum over local days lo <= d <= hi."""
        src = m.spend if (basis or self.p.basis) == "spend" else m.qpts
        return sum(v for d, v in src.items() if lo <= d <= hi)

    def window_at_day(self, m, d, basis=None):
        if self.p.period == "rolling":
            return self.qsum(m, add_months(d, -12) + dt.timedelta(days=1), d,
                             basis)
        return self.qsum(m, dt.date(d.year, 1, 1), d, basis)

    def value_at_review(self, m, r):
        one = dt.timedelta(days=1)
        if self.p.period == "rolling":
            return self.qsum(m, add_months(r, -12), r - one)
        y = r.year
        return max(self.qsum(m, dt.date(y - 1, 1, 1), dt.date(y - 1, 12, 31)),
                   self.qsum(m, dt.date(y, 1, 1), r - one))

    # -- generated events
    def build_reviews(self, first_year):
        if len(self.p.levels) < 2:
            return
        mo, da = self.p.review if self.p.period == "rolling" else (1, 1)
        last = self.c.day(self.asof).year + 1
        for y in range(first_year - 1, last + 1):
            d = dt.date(y, mo, da) + dt.timedelta(days=self.p.grace)
            self.reviews.append(self.c.midnight(d))
        self.reviews.sort()

    def run_generated(self, upto):
        while True:
            cands = []
            if self.heap:
                cands.append(self.heap[0][0])
            if self.ri < len(self.reviews):
                cands.append(self.reviews[self.ri])
            if not cands:
                return
            T = min(cands)
            if T > upto:
                return
            batch = {}
            while self.heap and self.heap[0][0] == T:
                _, _, rank, kind, mid, data = heapq.heappop(self.heap)
                batch.setdefault((mid.encode(), rank, kind, mid, data), 1)
            if self.ri < len(self.reviews) and self.reviews[self.ri] == T:
                self.ri += 1
                for mid, m in self.members.items():
                    if m.since is not None and m.since <= T and m.tier > 0:
                        batch[(mid.encode(), KIND_RANK["review"], "review",
                               mid, None)] = 1
            for key in sorted(batch, key=lambda k: (k[0], k[1])):
                _, _, kind, mid, data = key
                getattr(self, "gen_" + kind)(T, self.members[mid], data)

    def gen_expiry(self, T, m, key):
        if self.p.expiry[0] == "inactive":
            if m.activity != key:
                return          # later activity moved it
            key = "open"
            m.activity = None   # the clock starts again at the next one
        pts = m.lots.get(key, 0)
        if pts > 0:
            del m.lots[key]
            self.row(m, T, "expire", -pts, lot=key, rule="expiry")
        else:
            m.lots.pop(key, None)

    def gen_review(self, T, m, _):
        r = self.c.day(T)
        v = self.value_at_review(m, r)
        lv = self.p.level_of(v)
        if lv < m.tier:
            m.tier = lv
            m.tier_since = T
            self.row(m, T, "tier_down", 0, rule="review",
                     tier=self.p.levels[lv]["name"], qual=self.qual_text(v))

    def gen_birthday(self, T, m, year):
        self.credit(m, T, "bonus", self.p.b_birthday, "birthday")
        t = self.birthday_at(m, year + 1)
        self.push(t, m, "birthday", year + 1)

    # -- input records
    def reject(self, rec, why):
        self.rejects.append((rec["kind"], rec["n"], why))

    def do_order(self, rec, t):
        r = rec["r"]
        p = self.p
        oid, mid, st = r.get("order_id", ""), r.get("member_id", ""), \
            r.get("status", "")
        amt = rec["amount"]
        m = self.mem(mid)
        m.known = True
        self.set_since(m, t)
        o = self.orders.setdefault(oid, {"state": "new"})
        ots = rec["ts"]
        day = self.c.day(ots)
        if st == "pending":
            return
        if st in ("refunded", "cancelled"):
            if o["state"] == "paid":
                o["state"] = "clawed"
                om = self.members[o["member"]]
                if o["earned"] > 0:
                    self.clawback(om, t, o["earned"], "refund", oid,
                                  o["lot"])
                om.spend[o["day"]] = om.spend.get(o["day"], 0) - o["amount"]
                om.qpts[o["day"]] = om.qpts.get(o["day"], 0) - o["earned"]
            elif o["state"] == "new":
                o["state"] = "void"
            return
        # paid
        if o["state"] != "new":
            return              # void (refund seen first): nothing
        if amt < 0:
            o["state"] = "partial"
            b = -amt
            if p.per is not None:
                base = p.per * b / 10 ** p.exp
            else:
                br = [x for x in p.ladder if x[0] <= b][-1]
                base = br[1] * b / 10 ** p.exp if br[1] is not None else 0
            pts = round_rule(Fraction(base), p.rounding)
            if pts > 0:
                self.clawback(m, t, pts, "partial", oid)
            m.spend[day] = m.spend.get(day, 0) + amt
            m.qpts[day] = m.qpts.get(day, 0) - pts
            return
        o.update(state="paid", member=mid, amount=amt, day=day, earned=0,
                 lot=None)
        # 1. base
        rule = "base"
        if amt < p.min_amount:
            base = Fraction(0)
        elif p.per is not None:
            base = p.per * amt / 10 ** p.exp
        else:
            br = [x for x in p.ladder if x[0] <= amt][-1]
            rule = "ladder:" + money_fmt(br[0], p.exp)
            base = br[1] * amt / 10 ** p.exp if br[1] is not None \
                else Fraction(br[2])
        # 2. factors
        facs = []
        lv = p.levels[m.tier]
        if "factor" in lv:
            facs.append(("tier:" + lv["name"], lv["factor"]))
        lt = dt.datetime.fromtimestamp(ots, self.c.tz)
        for mu in p.mults:
            if "month" in mu and lt.month != mu["month"]:
                continue
            if "monthday" in mu and lt.day != mu["monthday"]:
                continue
            if "weekday" in mu and lt.isoweekday() != mu["weekday"]:
                continue
            if "from" in mu and not ots >= mu["from"]:
                continue
            if "to" in mu and not ots < mu["to"]:
                continue
            if "when" in mu and not mu["when"](r):
                continue
            facs.append((mu["name"], mu["factor"]))
        if p.combine == "multiply":
            F = Fraction(1)
            for _, f in facs:
                F *= f
            names = [n for n, _ in facs]
        else:
            F, names = Fraction(1), []
            if facs:
                best = max(f for _, f in facs)
                name = next(n for n, f in facs if f == best)
                F, names = best, [name]
        # 3. rounding
        pts = round_rule(Fraction(base) * F, p.rounding) if base > 0 else 0
        # 4. caps
        caps = ""
        if p.cap_order is not None and pts > p.cap_order:
            pts = p.cap_order
            caps += "|cap:order"
        if p.cap_day is not None:
            left = max(p.cap_day - m.dayused.get(day, 0), 0)
            if pts > left:
                pts = left
                caps += "|cap:day"
        m.dayused[day] = m.dayused.get(day, 0) + pts
        rule += "".join("|" + n for n in names) + caps
        # 6. earn rows
        if pts > 0:
            n, key = self.credit(m, t, "earn", pts, rule, oid)
            self.earned_orders += pts
            o["earned"] = pts
            o["lot"] = key
            self.touch_activity(m, t)
        # 7. qualifying
        m.spend[day] = m.spend.get(day, 0) + amt
        m.qpts[day] = m.qpts.get(day, 0) + pts
        v = self.window_at_day(m, day)
        nl = p.level_of(v)
        if nl > m.tier:
            m.tier = nl
            m.tier_since = t
            self.row(m, t, "tier_up", 0, oid, rule="upgrade",
                     tier=p.levels[nl]["name"], qual=self.qual_text(v))
            g = p.levels[nl].get("gift")
            if g:
                self.credit(m, t, "bonus", g, "gift:" + p.levels[nl]["name"],
                            oid)

    def do_event(self, rec, t):
        r = rec["r"]
        mid, typ, eid = r["member_id"], r["type"], r["event_id"]
        pts = rec["points"]
        # known at its booking: a profile, or a record of the member
        # processed before it (R11)
        m = self.members.get(mid)
        if m is None or not m.known:
            return self.reject(rec, "unknown member")
        # the event is the member's record even when it is then refused
        # for the balance (R16)
        self.set_since(m, t)
        rule = r.get("reason", "") or typ
        if typ == "redeem" or pts < 0:
            need = pts if typ == "redeem" else -pts
            if need > m.balance:
                return self.reject(rec, "insufficient points")
            plan, left = self.plan_debit(m, need)
            assert left == 0
            self.debit(m, t, typ, plan, rule, event_id=eid)
            if typ == "redeem":
                self.touch_activity(m, t)
        else:
            self.credit(m, t, "adjust", pts, rule, event_id=eid)

    def do_signup(self, rec, t):
        m = self.members[rec["member"]]
        self.set_since(m, t)
        if self.p.b_signup and not m.signed:
            m.signed = True
            self.credit(m, t, "bonus", self.p.b_signup, "signup")

    # -- the run
    def run(self, orders, events, members):
        """orders/events/members: lists of dict rows (CSV records), the
        orders in file order (the files one after another).

        Reading (file order): validation, then a record after --as-of is
        counted and left (not marked seen), then duplicates and conflicts:
        the first record read of an (order_id, status) or an event_id is
        kept.  seq: the orders, then the signups of the profiles, then
        the events.  Processing: every kept record by (booking time, seq),
        what falls due before it."""
        p, c = self.p, self.c
        recs = []
        seq = 0
        years = []
        seen_o = {}             # (order_id, status) -> (member, ts, amount)
        seen_e = {}             # event_id -> (member, ts, type, points)
        self.counts.update(orders=0, paid=0, refund=0, events=0,
                           ev_duplicate=0, ev_after=0)
        for n, r in enumerate(orders, 1):
            seq += 1
            self.counts["orders"] += 1
            rec = {"kind": "order", "n": n, "seq": seq, "r": r}
            try:
                for f in ("order_id", "member_id", "ts", "amount", "status"):
                    if not r.get(f):
                        raise Reject("%s missing" % f)
                rec["ts"] = c.parse(r["ts"])
                if r["status"] not in ("paid", "refunded", "cancelled",
                                       "pending"):
                    raise Reject("status")
                if r.get("currency", p.currency) not in ("", p.currency):
                    raise Reject("currency")
                rec["amount"] = money_parse(r["amount"], p.exp)
                if rec["amount"] is None:
                    raise Reject("amount")
            except (Reject, ValueError) as e:
                self.reject(rec, str(e))
                continue
            if rec["ts"] > self.asof:
                self.counts["after"] += 1
                continue
            key = (r["order_id"], r["status"])
            sig = (r["member_id"], rec["ts"], rec["amount"])
            if key in seen_o:
                if seen_o[key] == sig:
                    self.counts["duplicate"] += 1
                else:
                    self.reject(rec, "order_id conflict")
                continue
            seen_o[key] = sig
            st = r["status"]
            self.counts["paid" if st == "paid" else "pending"
                        if st == "pending" else "refund"] += 1
            recs.append(rec)
        for n, r in enumerate(members, 1):
            mid = r.get("member_id", "")
            if not mid:
                self.rejects.append(("member", n, "member_id missing"))
                continue
            m = self.mem(mid)
            m.known = True
            m.profile = r
            bd = r.get("birthday", "")
            if bd:
                mm = re.fullmatch(r"(?:(\d{4})-)?(\d{2})-(\d{2})", bd)
                if mm:
                    try:
                        dt.date(2000, int(mm.group(2)), int(mm.group(3)))
                        m.birthday = (int(mm.group(2)), int(mm.group(3)))
                    except ValueError:
                        pass
            st = r.get("signup_ts", "")
            if st:
                seq += 1
                try:
                    ts = c.parse(st)
                except ValueError:
                    self.rejects.append(("member", n, "signup_ts"))
                    continue
                if ts <= self.asof:
                    # a record at signup_ts, bonus or not: it can make
                    # the member's "member since"
                    recs.append({"kind": "signup", "n": n, "seq": seq,
                                 "ts": ts, "member": mid})
        for n, r in enumerate(events, 1):
            seq += 1
            self.counts["events"] += 1
            rec = {"kind": "event", "n": n, "seq": seq, "r": r}
            try:
                for f in ("member_id", "ts", "type", "points", "event_id"):
                    if not r.get(f):
                        raise Reject("%s missing" % f)
                rec["ts"] = c.parse(r["ts"])
                if not re.fullmatch(r"[+-]?\d+", r["points"].strip()):
                    raise Reject("points")
                rec["points"] = int(r["points"])
                if r["type"] == "redeem":
                    if rec["points"] <= 0:
                        raise Reject("points")
                elif r["type"] == "adjust":
                    if rec["points"] == 0:
                        raise Reject("points")
                else:
                    raise Reject("type")
            except (Reject, ValueError) as e:
                self.reject(rec, str(e))
                continue
            if rec["ts"] > self.asof:
                self.counts["ev_after"] += 1
                continue
            eid = r["event_id"]
            sig = (r["member_id"], rec["ts"], r["type"], rec["points"])
            if eid in seen_e:
                # judged once: a rejected event too is "seen before"
                if seen_e[eid] == sig:
                    self.counts["ev_duplicate"] += 1
                else:
                    self.reject(rec, "event_id conflict")
                continue
            seen_e[eid] = sig
            recs.append(rec)
        for rec in recs:
            years.append(c.day(rec["ts"]).year)
        recs.sort(key=lambda x: (x["ts"], x["seq"]))
        self.build_reviews(min(years) if years else
                           c.day(self.asof).year)
        for rec in recs:
            t = rec["ts"]
            self.run_generated(t)
            getattr(self, "do_" + rec["kind"])(rec, t)
        self.run_generated(self.asof)
        # the ledger: by (booking time, member_id bytes, the order the
        # member's rows were made in); rows are made in processing order
        # here, so a stable sort does it
        self.ledger.sort(key=lambda x: (x[0], x[1][0].encode()))
        self.ledger = [x[1] for x in self.ledger]

    def summary(self, rows):
        k = self.counts
        s = ("%d orders: %d paid, %d refunded or cancelled, %d pending, "
             "%d seen before, %d after --as-of" %
             (k["orders"], k["paid"], k["refund"], k["pending"],
              k["duplicate"], k["after"]))
        if self.have_events:
            s += ("; %d events, %d seen before, %d after --as-of" %
                  (k["events"], k["ev_duplicate"], k["ev_after"]))
        s += "; %d ledger rows, %d points earned" % (rows, self.earned_orders)
        return s

    # -- outputs
    def balances(self, profile_fields):
        p, c = self.p, self.c
        today = c.day(self.asof)
        horizon = today + dt.timedelta(days=self.expiring_days)
        head = ["member_id", "points", "earned", "redeemed", "expired",
                "clawed_back", "adjusted", "expiring_points", "expiring_on",
                "tier", "tier_since", "qualifying_spend"]
        if p.basis == "points":
            head.append("qualifying_points")
        head += ["next_tier", "to_next_tier"] + profile_fields
        out = [head]
        for mid in sorted(self.members, key=lambda s: s.encode()):
            m = self.members[mid]
            if not m.known:
                continue
            exp_pts, exp_on = 0, None
            for k, v in m.lots.items():
                if v <= 0:
                    continue
                if k == "open":
                    if not (p.expiry and p.expiry[0] == "inactive") or \
                            m.activity is None:
                        continue
                    last = m.activity + dt.timedelta(days=p.expiry[1])
                else:
                    last = k
                if last <= horizon:
                    exp_pts += v
                    exp_on = last if exp_on is None else min(exp_on, last)
            qs = self.window_at_day(m, today, "spend")
            qv = self.window_at_day(m, today)
            row = [mid, str(m.balance), str(m.earned), str(m.redeemed),
                   str(m.expired), str(m.clawed), str(m.adjusted),
                   str(exp_pts), exp_on.isoformat() if exp_on else "",
                   p.levels[m.tier]["name"],
                   c.fmt(m.tier_since) if m.tier_since is not None else "",
                   money_fmt(qs, p.exp)]
            if p.basis == "points":
                row.append(str(qv))
            if m.tier + 1 < len(p.levels):
                nx = p.levels[m.tier + 1]
                row += [nx["name"],
                        self.qual_text(max(nx["from"] - qv, 0))]
            else:
                row += ["", ""]
            prof = m.profile or {}
            row += [prof.get(f, "") for f in profile_fields]
            out.append(row)
        return out


LEDGER_HEAD = ["member_id", "ts", "type", "points", "balance", "order_id",
               "event_id", "lot", "rule", "tier", "qualifying"]


def csv_field(s):
    if s and (s[0] in " \t" or s[-1] in " \t" or
              any(ch in s for ch in ',"\r\n')):
        return '"' + s.replace('"', '""') + '"'
    return s


def write_csv(f, rows):
    for r in rows:
        f.write(",".join(csv_field(x) for x in r) + "\n")


def read_csv(path):
    if path is None:
        return [], []
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        rows = list(rd)
    if not rows:
        return [], []
    head = rows[0]
    if head and head[0].startswith("\ufeff"):
        head[0] = head[0][1:]
    return head, [dict(zip(head, r)) for r in rows[1:] if r != []]


def replay(program_text, tz, asof, orders, events=(), members=(),
           member_fields=(), expiring_days=30, have_events=False):
    """One full replay.  Returns (balance rows, ledger rows, engine)."""
    clock = Clock(tz)
    prog = Program(program_text, clock)
    eng = Engine(prog, clock, clock.parse(asof), expiring_days)
    eng.have_events = have_events or bool(events)
    eng.run(list(orders), list(events), list(members))
    prof = [f for f in member_fields if f != "member_id"]
    return eng.balances(prof), [LEDGER_HEAD] + eng.ledger, eng


def main(argv):
    ap = argparse.ArgumentParser(prog="points_reference.py")
    ap.add_argument("--program")
    ap.add_argument("--events")
    ap.add_argument("--members")
    ap.add_argument("--as-of")
    ap.add_argument("--tz", default=os.environ.get("TZ", "UTC"))
    ap.add_argument("--expiring-days", type=int, default=30)
    ap.add_argument("--ledger")
    ap.add_argument("--rejects")
    ap.add_argument("-q", action="store_true",
                    help="no summary line on stderr")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("orders", nargs="*")
    a = ap.parse_args(argv)
    if a.selftest:
        return selftest()
    if not a.program or not a.as_of:
        ap.error("--program and --as-of are required")
    orders = []
    for path in a.orders or ["/dev/stdin"]:
        orders += read_csv(path)[1]
    _, events = read_csv(a.events)
    mhead, members = read_csv(a.members)
    with open(a.program, encoding="utf-8") as f:
        ptext = f.read()
    try:
        bal, led, eng = replay(ptext, a.tz, a.as_of, orders, events, members,
                               mhead, a.expiring_days, a.events is not None)
    except UsageError as e:
        print("points_reference.py: %s" % e, file=sys.stderr)
        return 2
    write_csv(sys.stdout, bal)
    if a.ledger:
        with open(a.ledger, "w", encoding="utf-8", newline="") as f:
            write_csv(f, led)
    if a.rejects:
        with open(a.rejects, "w", encoding="utf-8", newline="") as f:
            write_csv(f, [["kind", "seq", "reason"]] +
                      [[k, str(n), w] for k, n, w in eng.rejects])
    if not a.q:
        # the summary line of mbr-points(1): every row read is counted
        print("points_reference.py: %s" % eng.summary(len(led) - 1),
              file=sys.stderr)
    return 0


# ---------------------------------------------------------------- selftest

def _orders(text):
    return read_csv_text("order_id,member_id,ts,amount,currency,status,"
                         "channel\n" + text)


def read_csv_text(text):
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], r)) for r in rows[1:] if r]


def _events(text):
    return read_csv_text("member_id,ts,type,points,reason,event_id\n" + text)


def _ledger(rows):
    return [",".join(r) for r in rows[1:]]


SELFTESTS = []


def case(fn):
    SELFTESTS.append(fn)
    return fn


@case
def t_ladder_boundary():
    # Ladder 0: 1/yuan, 500.00: 1.5/yuan, 2000.00: fixed 3000; floor.
    #  A 499.99 -> bracket 0: 1 x 499.99 = 499.99 -> floor 499
    #  B 500.00 -> bracket 500: 1.5 x 500 = 750
    #  C 1999.99 -> 1.5 x 1999.99 = 2999.985 -> floor 2999
    #  D 2000.00 -> fixed 3000
    #  E 0.99 at round -> n/a (floor): 0 -> no row
    # balance 499, 1249, 4248, 7248
    prog = json.dumps({"currency": "CNY", "earn": {"ladder": [
        {"from": 0, "per": 1}, {"from": "500", "per": 1.5},
        {"from": 2000, "points": 3000}]}})
    o = _orders("A,m1,2024-03-01T10:00:00+08:00,499.99,CNY,paid,\n"
                "B,m1,2024-03-02T10:00:00+08:00,500.00,CNY,paid,\n"
                "C,m1,2024-03-03T10:00:00+08:00,1999.99,CNY,paid,\n"
                "D,m1,2024-03-04T10:00:00+08:00,2000,CNY,paid,\n"
                "E,m1,2024-03-05T10:00:00+08:00,0.99,CNY,paid,\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00", o)
    exp = [
        "m1,2024-03-01T10:00:00+08:00,earn,499,499,A,,open,ladder:0.00,,",
        "m1,2024-03-02T10:00:00+08:00,earn,750,1249,B,,open,ladder:500.00,,",
        "m1,2024-03-03T10:00:00+08:00,earn,2999,4248,C,,open,"
        "ladder:500.00,,",
        "m1,2024-03-04T10:00:00+08:00,earn,3000,7248,D,,open,"
        "ladder:2000.00,,",
    ]
    return _ledger(led) == exp, _ledger(led), exp


@case
def t_tier_multiplier():
    # per 1, tiers spend rolling: member 0, gold 1000.00 factor 1.2 gift 50.
    #  A 600.00 at member: 600 points; spend 600 < 1000
    #  B 500.00 at member: 500 points; spend 1100 -> tier_up gold (1100.00)
    #    and gift 50 (bonus, rule gift:gold)
    #  C 100.00 at gold: 100 x 1.2 = 120, rule base|tier:gold
    # balance 600, 1100, 1100, 1150, 1270
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1}, "tiers": {
        "levels": [{"name": "member", "from": 0},
                   {"name": "gold", "from": 1000, "factor": "1.2",
                    "gift": 50}]}})
    o = _orders("A,m1,2024-03-01T10:00:00+08:00,600.00,CNY,paid,\n"
                "B,m1,2024-03-02T10:00:00+08:00,500.00,CNY,paid,\n"
                "C,m1,2024-03-03T10:00:00+08:00,100.00,CNY,paid,\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00", o)
    exp = [
        "m1,2024-03-01T10:00:00+08:00,earn,600,600,A,,open,base,,",
        "m1,2024-03-02T10:00:00+08:00,earn,500,1100,B,,open,base,,",
        "m1,2024-03-02T10:00:00+08:00,tier_up,0,1100,B,,,upgrade,gold,"
        "1100.00",
        "m1,2024-03-02T10:00:00+08:00,bonus,50,1150,B,,open,gift:gold,,",
        "m1,2024-03-03T10:00:00+08:00,earn,120,1270,C,,open,base|tier:gold,,",
    ]
    # balance: 1270 points, earned 1270, spend 1200.00, top level.
    b = bal[1]
    ok = _ledger(led) == exp and b[:4] == ["m1", "1270", "1270", "0"] and \
        b[9:14] == ["gold", "2024-03-02T10:00:00+08:00", "1200.00", "", ""]
    return ok, (_ledger(led), b), exp


@case
def t_double11_midnight():
    # double11 factor 2 on 11-11 local (Asia/Shanghai), per 1, floor.
    #  A 2024-11-10T23:59:59+08:00 100.00 -> 100 (the 10th)
    #  B 2024-11-11T00:00:00+08:00 100.00 -> 200 (the 11th from midnight)
    #  C 2024-11-10T16:00:00Z = 2024-11-11T00:00:00+08:00 -> 200,
    #    written in the ledger with +08:00
    #  D 2024-11-11T23:59:59+08:00 -> 200; E 2024-11-12T00:00:00+08:00 -> 100
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1}, "multipliers": [
        {"name": "double11", "factor": 2, "month": 11, "monthday": 11}]})
    o = _orders("A,m1,2024-11-10T23:59:59+08:00,100.00,CNY,paid,\n"
                "B,m1,2024-11-11T00:00:00+08:00,100.00,CNY,paid,\n"
                "C,m1,2024-11-10T16:00:00Z,100.00,CNY,paid,\n"
                "D,m1,2024-11-11T23:59:59+08:00,100.00,CNY,paid,\n"
                "E,m1,2024-11-12T00:00:00+08:00,100.00,CNY,paid,\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-12-01T00:00:00+08:00", o)
    exp = [
        "m1,2024-11-10T23:59:59+08:00,earn,100,100,A,,open,base,,",
        "m1,2024-11-11T00:00:00+08:00,earn,200,300,B,,open,base|double11,,",
        "m1,2024-11-11T00:00:00+08:00,earn,200,500,C,,open,base|double11,,",
        "m1,2024-11-11T23:59:59+08:00,earn,200,700,D,,open,base|double11,,",
        "m1,2024-11-12T00:00:00+08:00,earn,100,800,E,,open,base,,",
    ]
    return _ledger(led) == exp, _ledger(led), exp


@case
def t_expiry_month_end():
    # months 1 at month_end: earned 2024-01-31 -> 2024-02-29 (leap) ->
    # last day 2024-02-29, expires at 2024-03-01T00:00 local.
    # Earned 2024-02-01 -> last day 2024-03-31.
    # A 10.00 on 01-31 (10 points), B 5.00 at 2024-03-01T00:00:00 (the
    # expiry runs first: expire -10, then earn 5 into 2024-04-30).
    # C 7.00 on 02-01 (lot 2024-03-31).  as-of 2024-04-01T00:00: C's lot
    # expires at 2024-04-01T00:00 (at as-of: runs).  Balance 5.
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1},
                       "expiry": {"months": 1, "at": "month_end"}})
    o = _orders("A,m1,2024-01-31T12:00:00+08:00,10.00,CNY,paid,\n"
                "B,m1,2024-03-01T00:00:00+08:00,5.00,CNY,paid,\n"
                "C,m1,2024-02-01T12:00:00+08:00,7.00,CNY,paid,\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00", o)
    exp = [
        "m1,2024-01-31T12:00:00+08:00,earn,10,10,A,,2024-02-29,base,,",
        "m1,2024-02-01T12:00:00+08:00,earn,7,17,C,,2024-03-31,base,,",
        "m1,2024-03-01T00:00:00+08:00,expire,-10,7,,,2024-02-29,expiry,,",
        "m1,2024-03-01T00:00:00+08:00,earn,5,12,B,,2024-04-30,base,,",
        "m1,2024-04-01T00:00:00+08:00,expire,-7,5,,,2024-03-31,expiry,,",
    ]
    # expiring within 30 days of 2024-04-01: lot 2024-04-30 (5 points).
    b = bal[1]
    ok = _ledger(led) == exp and b[1:9] == ["5", "22", "0", "17", "0", "0",
                                            "5", "2024-04-30"]
    return ok, (_ledger(led), b), exp


@case
def t_expiry_year_end_london():
    # year_end 1 in Europe/London: earned 2023-06-01 -> last day
    # 2024-12-31, expires 2025-01-01T00:00:00+00:00.  Earned
    # 2023-12-31T23:30:00+00:00 (still 2023 locally) -> same lot.
    # Earned 2024-07-01T00:30:00+01:00 (BST) -> lot 2025-12-31.
    # Points: 20 + 3 + 4.  as-of 2025-01-01T00:00:00Z: the first lot
    # (23) expires at as-of.  Balance 4.
    prog = json.dumps({"currency": "GBP", "earn": {"per": 1},
                       "expiry": {"year_end": 1}})
    o = _orders("A,u1,2023-06-01T09:00:00+01:00,20.00,GBP,paid,\n"
                "B,u1,2023-12-31T23:30:00+00:00,3.50,GBP,paid,\n"
                "C,u1,2024-06-30T23:30:00Z,4.00,GBP,paid,\n")
    bal, led, _ = replay(prog, "Europe/London", "2025-01-01T00:00:00Z", o)
    exp = [
        "u1,2023-06-01T09:00:00+01:00,earn,20,20,A,,2024-12-31,base,,",
        "u1,2023-12-31T23:30:00+00:00,earn,3,23,B,,2024-12-31,base,,",
        "u1,2024-07-01T00:30:00+01:00,earn,4,27,C,,2025-12-31,base,,",
        "u1,2025-01-01T00:00:00+00:00,expire,-23,4,,,2024-12-31,expiry,,",
    ]
    return _ledger(led) == exp, _ledger(led), exp


@case
def t_fifo_redeem():
    # months 12 at day.  A 100 on 2024-01-15 -> lot 2025-01-14;
    # B 50 on 2024-01-31 -> 2024-01-31 + 12 months = 2025-01-31, last day
    # 2025-01-30; C 30 on 2024-02-29 -> 2025-02-28, last 2025-02-27.
    # Redeem 160 on 2024-03-01: lot 2025-01-14 -100, 2025-01-30 -50,
    # 2025-02-27 -10.  A redemption of 21 on 03-02 (balance 20): rejected.
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1},
                       "expiry": {"months": 12, "at": "day"}})
    o = _orders("A,m1,2024-01-15T10:00:00+08:00,100.00,CNY,paid,\n"
                "B,m1,2024-01-31T10:00:00+08:00,50.00,CNY,paid,\n"
                "C,m1,2024-02-29T10:00:00+08:00,30.00,CNY,paid,\n")
    e = _events("m1,2024-03-01T09:00:00+08:00,redeem,160,gift card,E1\n"
                "m1,2024-03-02T09:00:00+08:00,redeem,21,,E2\n")
    bal, led, eng = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00",
                           o, e)
    exp = [
        "m1,2024-01-15T10:00:00+08:00,earn,100,100,A,,2025-01-14,base,,",
        "m1,2024-01-31T10:00:00+08:00,earn,50,150,B,,2025-01-30,base,,",
        "m1,2024-02-29T10:00:00+08:00,earn,30,180,C,,2025-02-27,base,,",
        "m1,2024-03-01T09:00:00+08:00,redeem,-100,80,,E1,2025-01-14,"
        "gift card,,",
        "m1,2024-03-01T09:00:00+08:00,redeem,-50,30,,E1,2025-01-30,"
        "gift card,,",
        "m1,2024-03-01T09:00:00+08:00,redeem,-10,20,,E1,2025-02-27,"
        "gift card,,",
    ]
    ok = _ledger(led) == exp and \
        eng.rejects == [("event", 2, "insufficient points")]
    return ok, (_ledger(led), eng.rejects), exp


@case
def t_refund_into_debt():
    # per 1, negative clawback.  A 100.00 -> 100; redeem 80 (balance 20);
    # A refunded: claw 100: own lot open -20, then debt -80 (balance -80).
    # B 50.00: settles debt: earn 50 into "debt" (balance -30).
    # C 40.00: earn 30 into debt (balance 0), earn 10 into open (10).
    # Redeem 11 then: rejected (balance 10).
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1}})
    o = _orders("A,m1,2024-03-01T10:00:00+08:00,100.00,CNY,paid,\n"
                "A,m1,2024-03-03T10:00:00+08:00,100.00,CNY,refunded,\n"
                "B,m1,2024-03-04T10:00:00+08:00,50.00,CNY,paid,\n"
                "C,m1,2024-03-05T10:00:00+08:00,40.00,CNY,paid,\n")
    e = _events("m1,2024-03-02T10:00:00+08:00,redeem,80,,R1\n"
                "m1,2024-03-06T10:00:00+08:00,redeem,11,,R2\n")
    bal, led, eng = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00",
                           o, e)
    exp = [
        "m1,2024-03-01T10:00:00+08:00,earn,100,100,A,,open,base,,",
        "m1,2024-03-02T10:00:00+08:00,redeem,-80,20,,R1,open,redeem,,",
        "m1,2024-03-03T10:00:00+08:00,clawback,-20,0,A,,open,refund,,",
        "m1,2024-03-03T10:00:00+08:00,clawback,-80,-80,A,,debt,refund,,",
        "m1,2024-03-04T10:00:00+08:00,earn,50,-30,B,,debt,base,,",
        "m1,2024-03-05T10:00:00+08:00,earn,30,0,C,,debt,base,,",
        "m1,2024-03-05T10:00:00+08:00,earn,10,10,C,,open,base,,",
    ]
    # balance: points 10 = earned 190 - redeemed 80 - clawed 100;
    # qualifying spend 100 + 50 + 40 - 100 = 90.00
    b = bal[1]
    ok = _ledger(led) == exp and b[1:7] == ["10", "190", "80", "0", "100",
                                            "0"] and b[11] == "90.00" and \
        eng.rejects == [("event", 2, "insufficient points")]
    return ok, (_ledger(led), b, eng.rejects), exp


@case
def t_forgive_partial_caps():
    # per 2, ceil, forgive, caps per_order 150, per_day 200.
    #  A 100.00 -> 200 -> cap:order 150 (day 03-01 used 150)
    #  B 40.01 same day -> 80.02 ceil 81 -> day left 50 -> 50, cap:day
    #  C (partial) -30.00 on 03-02 -> 2 x 30 = 60 clawed, lot open.
    #  redeem 140 on 03-03 -> balance 0.
    #  D partial -10.00 on 03-04: 20 points, nothing covered: forgive,
    #  no row.  E partial -0.10 -> ceil(0.2) = 1: no row either.
    prog = json.dumps({"currency": "CNY", "earn": {"per": 2, "rounding":
                                                   "ceil"},
                       "clawback": "forgive",
                       "caps": {"per_order": 150, "per_day": 200}})
    o = _orders("A,m1,2024-03-01T10:00:00+08:00,100.00,CNY,paid,\n"
                "B,m1,2024-03-01T11:00:00+08:00,40.01,CNY,paid,\n"
                "C,m1,2024-03-02T10:00:00+08:00,-30.00,CNY,paid,\n"
                "D,m1,2024-03-04T10:00:00+08:00,-10.00,CNY,paid,\n"
                "E,m1,2024-03-04T11:00:00+08:00,-0.10,CNY,paid,\n")
    e = _events("m1,2024-03-03T10:00:00+08:00,redeem,140,,R1\n")
    bal, led, eng = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00",
                           o, e)
    exp = [
        "m1,2024-03-01T10:00:00+08:00,earn,150,150,A,,open,base|cap:order,,",
        "m1,2024-03-01T11:00:00+08:00,earn,50,200,B,,open,base|cap:day,,",
        "m1,2024-03-02T10:00:00+08:00,clawback,-60,140,C,,open,partial,,",
        "m1,2024-03-03T10:00:00+08:00,redeem,-140,0,,R1,open,redeem,,",
    ]
    # spend: 100 + 40.01 - 30 - 10 - 0.10 = 99.91
    b = bal[1]
    ok = _ledger(led) == exp and b[11] == "99.91"
    return ok, (_ledger(led), b), exp


@case
def t_review_downgrade_grace():
    # rolling, review 03-01, grace 10: review at 2025-03-11T00:00 local.
    # silver 1000.00.  A 1200.00 on 2024-01-10 -> tier_up silver.
    # At the 2024 review (2024-03-11) the window [2023-03-11, 2024-03-11)
    # holds 1200 -> stays.  At the 2025 review (2025-03-11) the window
    # [2024-03-11, 2025-03-11) holds B 300.00 (2024-05-05) -> member:
    # tier_down, qualifying 300.00.
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1}, "tiers": {
        "review": "03-01", "grace_days": 10, "levels": [
            {"name": "member", "from": 0}, {"name": "silver", "from": 1000}]}})
    o = _orders("A,m1,2024-01-10T10:00:00+08:00,1200.00,CNY,paid,\n"
                "B,m1,2024-05-05T10:00:00+08:00,300.00,CNY,paid,\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2025-06-01T00:00:00+08:00", o)
    exp = [
        "m1,2024-01-10T10:00:00+08:00,earn,1200,1200,A,,open,base,,",
        "m1,2024-01-10T10:00:00+08:00,tier_up,0,1200,A,,,upgrade,silver,"
        "1200.00",
        "m1,2024-05-05T10:00:00+08:00,earn,300,1500,B,,open,base,,",
        "m1,2025-03-11T00:00:00+08:00,tier_down,0,1500,,,,review,member,"
        "300.00",
    ]
    # at as-of 2025-06-01, window (2024-06-01, 2025-06-01]: 0.00;
    # next silver, to_next 1000.00
    b = bal[1]
    ok = _ledger(led) == exp and b[9:14] == [
        "member", "2025-03-11T00:00:00+08:00", "0.00", "silver", "1000.00"]
    return ok, (_ledger(led), b), exp


@case
def t_birthday_signup_inactive():
    # inactive_days 10, signup 5, birthday 7 (day).  Profile: signup
    # 2024-02-27T12:00 (bonus 5, lot open, no activity: no expiry),
    # birthday 02-29 -> 2024-02-29T00:00 bonus 7 (balance 12).
    # A 3.00 on 2024-03-01T10:00 -> earn 3 (activity 03-01): all points
    # expire at midnight of 03-01 + 11 = 2024-03-12: -15.
    # as-of 2025-03-01: the 2025 birthday is 2025-02-28 (common year):
    # bonus 7 (no activity since: stays; expiring: none).
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1},
                       "expiry": {"inactive_days": 10},
                       "bonuses": {"signup": 5, "birthday": 7}})
    o = _orders("A,m1,2024-03-01T10:00:00+08:00,3.00,CNY,paid,\n")
    mem = read_csv_text("member_id,birthday,signup_ts,city\n"
                        "m1,1990-02-29,2024-02-27T12:00:00+08:00,Hangzhou\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2025-03-01T00:00:00+08:00",
                         o, [], mem, ["member_id", "birthday", "signup_ts",
                                      "city"])
    exp = [
        "m1,2024-02-27T12:00:00+08:00,bonus,5,5,,,open,signup,,",
        "m1,2024-02-29T00:00:00+08:00,bonus,7,12,,,open,birthday,,",
        "m1,2024-03-01T10:00:00+08:00,earn,3,15,A,,open,base,,",
        "m1,2024-03-12T00:00:00+08:00,expire,-15,0,,,open,expiry,,",
        "m1,2025-02-28T00:00:00+08:00,bonus,7,7,,,open,birthday,,",
    ]
    b = bal[1]
    ok = _ledger(led) == exp and b[-3:] == [
        "1990-02-29", "2024-02-27T12:00:00+08:00", "Hangzhou"] and \
        bal[0][-3:] == ["birthday", "signup_ts", "city"] and \
        b[7:9] == ["0", ""]
    return ok, (_ledger(led), b), exp


@case
def t_inactive_from_signup():
    # inactive_days 10, signup 5, birthday 7.  A profile only (no order):
    # signup 2024-01-01T12:00 -> bonus 5; member since is the first day of
    # the clock: expiry at midnight of 01-01 + 11 = 2024-01-12: -5.
    # Birthday 01-20 -> bonus 7, no activity since the expiry: it stays;
    # expiring_points 0.
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1},
                       "expiry": {"inactive_days": 10},
                       "bonuses": {"signup": 5, "birthday": 7}})
    mem = read_csv_text("member_id,birthday,signup_ts\n"
                        "p1,01-20,2024-01-01T12:00:00+08:00\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-03-01T00:00:00+08:00",
                         [], [], mem, ["member_id", "birthday", "signup_ts"])
    exp = [
        "p1,2024-01-01T12:00:00+08:00,bonus,5,5,,,open,signup,,",
        "p1,2024-01-12T00:00:00+08:00,expire,-5,0,,,open,expiry,,",
        "p1,2024-01-20T00:00:00+08:00,bonus,7,7,,,open,birthday,,",
    ]
    b = bal[1]
    ok = _ledger(led) == exp and b[1:9] == ["7", "12", "0", "5", "0", "0",
                                            "0", ""]
    return ok, (_ledger(led), b), exp


@case
def t_best_and_when():
    # best of tier gold 1.5 (level factor), promo 3 on [06-18, 06-19),
    # tmall 1.5 when channel == 'tmall'; per 1, round.
    # gold from points 0?  No: levels member 0, gold 1 point (points
    # basis), so after the first earn the member is gold.
    #  A 10.00 pos 2024-06-17 -> 10 (no factor); qpts 10 -> tier_up gold
    #  B 10.00 tmall 2024-06-18T00:00 -> best(1.5 tier, 3 promo, 1.5 tmall)
    #    = 3 (promo): 30, rule base|promo
    #  C 10.33 tmall 2024-06-19T00:00 -> best(1.5, 1.5) = tier first:
    #    15.495 -> round 15, rule base|tier:gold
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1,
                                                   "rounding": "round"},
                       "combine": "best",
                       "multipliers": [
                           {"name": "promo", "factor": 3, "from": "2024-06-18",
                            "to": "2024-06-19"},
                           {"name": "tmall", "factor": 1.5,
                            "when": "channel == 'tmall'"}],
                       "tiers": {"basis": "points", "levels": [
                           {"name": "member", "from": 0},
                           {"name": "gold", "from": 1, "factor": 1.5}]}})
    o = _orders("A,m1,2024-06-17T10:00:00+08:00,10.00,CNY,paid,pos\n"
                "B,m1,2024-06-18T00:00:00+08:00,10.00,CNY,paid,tmall\n"
                "C,m1,2024-06-19T00:00:00+08:00,10.33,CNY,paid,tmall\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-07-01T00:00:00+08:00", o)
    exp = [
        "m1,2024-06-17T10:00:00+08:00,earn,10,10,A,,open,base,,",
        "m1,2024-06-17T10:00:00+08:00,tier_up,0,10,A,,,upgrade,gold,10",
        "m1,2024-06-18T00:00:00+08:00,earn,30,40,B,,open,base|promo,,",
        "m1,2024-06-19T00:00:00+08:00,earn,15,55,C,,open,base|tier:gold,,",
    ]
    b = bal[1]
    ok = _ledger(led) == exp and bal[0][11:15] == [
        "qualifying_spend", "qualifying_points", "next_tier",
        "to_next_tier"] and b[11:15] == ["30.33", "55", "", ""]
    return ok, (_ledger(led), bal), exp


@case
def t_since_first_record_and_ledger_order():
    # The settled contract: member since = the booking time of the first
    # record (here an order before the profile's signup_ts); signup 5,
    # birthday 7 on 03-05 (after member since 03-01: given on 03-05).
    # Ledger by (time, member_id bytes): "b1" and "a1" order at the same
    # instant, b1's read first: a1's row comes first.
    #  a1: A 10.00 2024-03-01T10:00 -> earn 10
    #  b1: B 20.00 2024-03-01T10:00 (read first) -> earn 20
    #  a1: signup 2024-03-03T09:00 -> bonus 5 (15); birthday 03-05 -> 7 (22)
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1},
                       "bonuses": {"signup": 5, "birthday": 7}})
    o = _orders("B,b1,2024-03-01T10:00:00+08:00,20.00,CNY,paid,\n"
                "A,a1,2024-03-01T10:00:00+08:00,10.00,CNY,paid,\n")
    mem = read_csv_text("member_id,birthday,signup_ts\n"
                        "a1,03-05,2024-03-03T09:00:00+08:00\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00",
                         o, [], mem, ["member_id", "birthday", "signup_ts"])
    exp = [
        "a1,2024-03-01T10:00:00+08:00,earn,10,10,A,,open,base,,",
        "b1,2024-03-01T10:00:00+08:00,earn,20,20,B,,open,base,,",
        "a1,2024-03-03T09:00:00+08:00,bonus,5,15,,,open,signup,,",
        "a1,2024-03-05T00:00:00+08:00,bonus,7,22,,,open,birthday,,",
    ]
    b = bal[1]
    ok = _ledger(led) == exp and b[0] == "a1" and \
        b[10] == "2024-03-01T10:00:00+08:00"
    return ok, (_ledger(led), b), exp


@case
def t_file_order_and_events_judged_once():
    # Judged in file order: A paid at 03-05 is read first and kept; the
    # A paid at 03-02 (another time) read later is the conflict.
    # Events: E1 at 03-01T09:00, before m1's first record (03-01T10:00)
    # and no profile: "unknown member"; E1 read again (identical, after
    # the order): seen before, not judged again.  E2 at the very instant
    # of A (03-05T10:00): the order comes first (seq), redeem 30 of 50.
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1}})
    o = _orders("Z,m1,2024-03-01T10:00:00+08:00,1.00,CNY,pending,\n"
                "A,m1,2024-03-05T10:00:00+08:00,50.00,CNY,paid,\n"
                "A,m1,2024-03-02T10:00:00+08:00,50.00,CNY,paid,\n")
    e = _events("m1,2024-03-01T09:00:00+08:00,adjust,10,,E1\n"
                "m1,2024-03-05T10:00:00+08:00,redeem,30,,E2\n"
                "m1,2024-03-01T09:00:00+08:00,adjust,10,,E1\n")
    bal, led, eng = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00",
                           o, e)
    exp = [
        "m1,2024-03-05T10:00:00+08:00,earn,50,50,A,,open,base,,",
        "m1,2024-03-05T10:00:00+08:00,redeem,-30,20,,E2,open,redeem,,",
    ]
    # member since: the pending order, 03-01T10:00
    b = bal[1]
    summ = eng.summary(len(led) - 1)
    ok = _ledger(led) == exp and sorted(eng.rejects) == [
        ("event", 1, "unknown member"), ("order", 3, "order_id conflict")] \
        and b[10] == "2024-03-01T10:00:00+08:00" and summ == (
            "3 orders: 1 paid, 0 refunded or cancelled, 1 pending, 0 seen "
            "before, 0 after --as-of; 3 events, 1 seen before, 0 after "
            "--as-of; 2 ledger rows, 50 points earned")
    return ok, (_ledger(led), eng.rejects, b, summ), exp


@case
def t_to_next_tier_clamped():
    # silver from 1000.00, rolling 12 months, per 1.  X 100.00 on
    # 2022-06-01; a partial refund R of -500.00 on 2023-01-10 (claws 500:
    # 100 from the lot, 400 into debt); C 700.00 on 2023-02-01 (settles
    # 400, 300 to the lot); D 700.00 on 2023-12-01: window (2022-12-01,
    # 2023-12-01] = -500 + 700 + 700 = 900: no upgrade.  At as-of
    # 2024-01-15 the window (2023-01-15, 2024-01-15] holds 1400.00: still
    # member (no order since), next silver, to_next_tier 0.00 (not
    # -400.00).  Balance 100 - 500 + 700 + 700 = 1000.
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1}, "tiers": {
        "levels": [{"name": "member", "from": 0},
                   {"name": "silver", "from": 1000}]}})
    o = _orders("X,m1,2022-06-01T10:00:00+08:00,100.00,CNY,paid,\n"
                "R,m1,2023-01-10T10:00:00+08:00,-500.00,CNY,paid,\n"
                "C,m1,2023-02-01T10:00:00+08:00,700.00,CNY,paid,\n"
                "D,m1,2023-12-01T10:00:00+08:00,700.00,CNY,paid,\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-01-15T00:00:00+08:00",
                         o)
    b = bal[1]
    exp = ["1000", "member", "1400.00", "silver", "0.00"]
    got = [b[1], b[9], b[11], b[12], b[13]]
    return got == exp, (got, _ledger(led)), exp


@case
def t_inactive_dormant_without_points():
    # inactive_days 10.  A 5.00 on 2024-01-02 (activity), redeem 5 on
    # 01-03 (activity; balance 0).  At 2024-01-14T00:00 (01-03 + 11) the
    # clock runs out with nothing to expire: the member is dormant, so
    # the adjust of 7 on 02-01 waits for the next activity: no expire
    # row, balance 7, nothing expiring at as-of 2024-03-01.
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1},
                       "expiry": {"inactive_days": 10}})
    o = _orders("A,m1,2024-01-02T10:00:00+08:00,5.00,CNY,paid,\n")
    e = _events("m1,2024-01-03T10:00:00+08:00,redeem,5,,E1\n"
                "m1,2024-02-01T10:00:00+08:00,adjust,7,,E2\n")
    bal, led, _ = replay(prog, "Asia/Shanghai", "2024-03-01T00:00:00+08:00",
                         o, e)
    exp = [
        "m1,2024-01-02T10:00:00+08:00,earn,5,5,A,,open,base,,",
        "m1,2024-01-03T10:00:00+08:00,redeem,-5,0,,E1,open,redeem,,",
        "m1,2024-02-01T10:00:00+08:00,adjust,7,7,,E2,open,adjust,,",
    ]
    b = bal[1]
    ok = _ledger(led) == exp and b[1:9] == ["7", "5", "5", "0", "0", "7",
                                            "0", ""]
    return ok, (_ledger(led), b), exp


@case
def t_refund_statuses_judged_apart():
    # (order_id, status) is the key: A cancelled at 03-05 is read before
    # A refunded at 03-03; both are kept (other statuses); the clawback
    # comes with the first in processing order, 03-03.  A second
    # cancelled record at another time: "order_id conflict".
    prog = json.dumps({"currency": "CNY", "earn": {"per": 1}})
    o = _orders("A,m1,2024-03-01T10:00:00+08:00,100.00,CNY,paid,\n"
                "A,m1,2024-03-05T10:00:00+08:00,100.00,CNY,cancelled,\n"
                "A,m1,2024-03-03T10:00:00+08:00,100.00,CNY,refunded,\n"
                "A,m1,2024-03-07T10:00:00+08:00,100.00,CNY,cancelled,\n")
    bal, led, eng = replay(prog, "Asia/Shanghai", "2024-04-01T00:00:00+08:00",
                           o)
    exp = [
        "m1,2024-03-01T10:00:00+08:00,earn,100,100,A,,open,base,,",
        "m1,2024-03-03T10:00:00+08:00,clawback,-100,0,A,,open,refund,,",
    ]
    ok = _ledger(led) == exp and \
        eng.rejects == [("order", 4, "order_id conflict")]
    return ok, (_ledger(led), eng.rejects), exp


def selftest():
    npass = nfail = 0
    for fn in SELFTESTS:
        try:
            ok, got, exp = fn()
        except Exception as e:          # noqa: report, do not stop
            import traceback
            traceback.print_exc()
            ok, got, exp = False, repr(e), None
        if ok:
            npass += 1
        else:
            nfail += 1
            print("FAIL %s\n  got:      %r\n  expected: %r"
                  % (fn.__name__, got, exp))
    print("%d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
