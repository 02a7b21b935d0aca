#!/usr/bin/python3
"""campaign_reference.py: an independent reference for mbr-campaign.

Written from the contract (man/mbr-campaign.1, mbr(7), mbr-expr(5),
mbr-ingest(1)), not from the C code.  Python 3 standard library only
(json, csv, zoneinfo, datetime, fractions); money and costs are Fractions,
never floats.

    python3 tests/campaign_reference.py --campaign C.json [options] \\
        [members.csv ...] [-o sendlist.csv]
    python3 tests/campaign_reference.py --selftest

Options: those of mbr-campaign(1) except --payload: --as-of, --tz, --join,
--ledger, --events, --suppress, --history, --history-out, --cap,
--coupons, --coupons-out, --coupons-short, --max-recipients, --max-cost,
--priority, --holdout, --holdout-out, --global-holdout,
--global-holdout-seed, --max-sms-parts, --default-country, --keep,
--explain, --dry-run, -o, --rejects (NDJSON, or CSV when the name ends
in .csv), --max-rejects, -q.  For the property test, --dry-out FILE
(not an option of mbr-campaign) writes what --dry-run would write to FILE
as well, in the same run as the send list.  Output files are written only when the run
ends well (exit 0); the rejects file always.

SUBSETS (what the generated data needs, no more):

 S1  Audience expressions (mbr-expr(5)): or / and / not (and && || !),
     parentheses, == = != <> < <= > >=, in (...), has(f), literals
     'string' (quote doubled or \\'), numbers, true false null, field
     names (bare words or "double quoted").  Null (absent/empty) compares
     false; a field and a number literal compare as numbers when the field
     reads as one (else false); == != with a string literal are textual.
     No dates, regexes, arithmetic or other functions.
 S2  Phones: spreadsheet guards (="...", a leading ', a trailing TAB)
     unwrapped; blanks, '-', '.', '(' and ')' dropped; then '+' or '00'
     followed by 8..15 digits is international; a number starting with the
     default calling code whose remaining digits form a national number
     (86: 11 digits starting with 1, or 10..11 digits starting with a
     non-zero area code) is taken as it stands; a national number with a
     trunk '0' loses it; then the calling code is put in front.  Anything
     else (a '*', letters, fewer than 6 national digits, more than 15
     digits in all) is no phone.
 S3  Times: ISO 8601 with or without offset ('T' or ' '), 'Z', dates
     (local midnight), 'YYYY/MM/DD H:MM[:SS]', 'YYYY年MM月DD日 HH:MM:SS',
     epoch seconds (10 digits) and milliseconds (13 digits).
 S4  --tz and tz fields: IANA names, or offsets +HH:MM / -HH:MM / UTC.
 S5  E-mail: trimmed, lower case; an address is local@domain with one
     '@', both parts non-empty, no blank, and a '.' in the domain.

READINGS of the contract where it leaves a choice (also in the report):

 R1  members (dry-run) counts every member record read, rejects
     included; audience counts the usable records whose audience is true
     (with the trigger's fields, null when not triggered); triggered
     counts those of the audience that are triggered.
 R2  A duplicate member_id: the later record in input order is the
     reject, the first kept.
 R3  "A field the campaign reads that cannot be read" (step 1): the
     consent fields of the campaign's channels and follow-ups, the tz
     field, and the time fields the trigger reads (inactive_days and
     browse_no_buy: last_order_ts; signup_no_order: signup_ts and
     last_order_ts; birthday: birthday) when not empty: judged for every
     record, inside the audience or not.
 R4  Message resolution: a channel (or follow-up) with message or
     messages of its own uses only its own (messages[variant], else its
     message); otherwise the campaign's messages[variant], else the
     campaign's message.  No text: reject (step 8).
 R5  The message of step 8 (SMS parts, cost) is made with the coupon
     code the member will get when it is known in advance: the codes are
     all measured with the first code of the file (the generator makes
     them all the same length); without --coupons, empty.
 R6  A follow-up counts for the cap (2 messages) only when it is sent
     (reachable); --max-sms-parts applies to the follow-up's SMS too; its
     cost counts in the budget and in cost.  send_window_hours judges the
     first message only.
 R7  sent.CHANNEL counts members by the channel of their first message,
     for each channel of the campaign's list (in its order);
     follow_ups_unreachable counts recipients (sent) whose follow-up was
     left out; coupons_needed is the number of recipients before
     --coupons-short skip, 0 without --coupons; cost is the total of the
     rows sent, written as an exact decimal with trailing zeros dropped
     (at least "0").
 R8  Cooldown and cap windows are 24-hour days back from --as-of,
     counting rows with send_at strictly after --as-of - days (later
     ones included).
 R9  --join: a joined field is added where the member has no field of
     that name or has it empty (a people file's empty app_token column
     must not hide the app's tokens).
 R10 A member's priority field that is empty or missing comes last;
     one that is not a number, under --max-recipients or --max-cost, is
     a reject (step 1).
 R11 explain rows: campaign_id, member_id, reason, detail; detail is free
     text (the test compares only the first three columns).
 R13 --history-out: the history's columns (the send list's nine, then
     any others the history files have), without the --keep fields.
 R14 A history row that cannot be read is a reject, and --history-out
     still copies it (the history again, whole).
 R12 A dry run with --coupons-short fail and too few codes does not
     fail: it counts as if there were codes enough (coupons_needed says
     how many).  With skip, it counts what the run would do (the
     recipients after the last code are not_sent.coupons).
"""

import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import sys
from fractions import Fraction
from zoneinfo import ZoneInfo

PROG = "campaign_reference.py"

CHANNEL_ADDR = {"wechat": "wechat_openid", "wecom": "wecom_id",
                "app": "app_token", "sms": "phone", "email": "email",
                "call": "phone"}
REASONS = ["suppressed", "global_holdout", "unreachable", "no_consent",
           "cooldown", "capped", "holdout", "quiet_hours", "budget",
           "coupons"]
SEND_COLS = ["campaign_id", "member_id", "channel", "address", "send_at",
             "message", "sms_parts", "coupon_code", "variant"]
TRIGGER_FIELDS = {
    "batch": [], "inactive_days": [], "signup_no_order": [],
    "birthday": [], "member_day": [],
    "tier_up": ["trigger_ts", "trigger_tier"],
    "browse_no_buy": ["trigger_ts", "trigger_event", "trigger_sku",
                      "trigger_category"],
}
SPECIAL_FIELDS = ["campaign_id", "channel", "coupon_code", "send_at"]


class UsageError(Exception):
    pass


class Fail(Exception):
    """exit 1 before anything is written"""


# ------------------------------------------------------------------ CSV

def csv_field(s):
    s = "" if s is None else str(s)
    if s and (s[0] in " \t" or s[-1] in " \t" or
              any(ch in s for ch in ',"\r\n')):
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_text(rows):
    return "".join(",".join(csv_field(x) for x in r) + "\n" for r in rows)


def read_records(path):
    """[(fields dict, line)] and the header, from CSV or NDJSON."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.lstrip("\ufeff")[:1] == "{":
        out, head = [], []
        for i, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            obj = json.loads(line, parse_float=str, parse_int=str)
            rec = {}
            for k, v in obj.items():
                if v is None:
                    v = ""
                elif v is True:
                    v = "true"
                elif v is False:
                    v = "false"
                rec[k] = str(v)
                if k not in head:
                    head.append(k)
            out.append((rec, i))
        return head, out, "ndjson"
    rd = csv.reader(io.StringIO(text, newline=""))
    rows, lines = [], []
    ln = 1
    # line numbers: the physical line a record starts on
    for r in rd:
        rows.append(r)
        lines.append(ln)
        ln = rd.line_num + 1
    if not rows:
        return [], [], "csv"
    head = rows[0]
    out = []
    for r, line in zip(rows[1:], lines[1:]):
        if r == []:
            continue
        out.append((dict(zip(head, r)), line))
    return head, out, "csv"


# ---------------------------------------------------------------- times

def zone_of(name):
    name = name.strip()
    if name in ("UTC", "Z", "utc"):
        return dt.timezone.utc
    m = re.fullmatch(r"([+-])(\d\d):?(\d\d)", name)
    if m:
        off = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return dt.timezone(-off if m.group(1) == "-" else off)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*",
                        name):
        raise ValueError("bad zone")
    try:
        return ZoneInfo(name)
    except Exception:
        raise ValueError("bad zone")


def local_instant(y, mo, d, h, mi, s, z):
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=z).timestamp()


def parse_time(s, z):
    """An instant (epoch seconds, a Fraction-free float of whole seconds
    in practice) from a time in any form of S3; without an offset in z."""
    s = s.strip()
    if not s:
        raise ValueError("empty")
    if re.fullmatch(r"\d{10}", s):
        return int(s)
    if re.fullmatch(r"\d{13}", s):
        return Fraction(int(s), 1000)
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日"
                     r"(?:\s*(\d{1,2}):(\d\d)(?::(\d\d))?)?", s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        h = int(m.group(4) or 0)
        mi = int(m.group(5) or 0)
        sec = int(m.group(6) or 0)
        return int(local_instant(y, mo, d, h, mi, sec, z))
    m = re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2})"
                     r"(?:\s+(\d{1,2}):(\d\d)(?::(\d\d))?)?", s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        h = int(m.group(4) or 0)
        mi = int(m.group(5) or 0)
        sec = int(m.group(6) or 0)
        return int(local_instant(y, mo, d, h, mi, sec, z))
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)"
                     r"(?::(\d\d)(?:\.(\d+))?)?"
                     r"(Z|z|[+-]\d\d:?\d\d)?)?", s)
    if not m:
        raise ValueError("not a time")
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    h = int(m.group(4) or 0)
    mi = int(m.group(5) or 0)
    sec = int(m.group(6) or 0)
    if h > 23 or mi > 59 or sec > 59:
        raise ValueError("not a time")
    frac = Fraction(int(m.group(7)), 10 ** len(m.group(7))) \
        if m.group(7) else 0
    off = m.group(8)
    if off:
        if off in ("Z", "z"):
            tz = dt.timezone.utc
        else:
            sign = -1 if off[0] == "-" else 1
            o = off[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(o[:2]),
                                                 minutes=int(o[2:])))
        t = dt.datetime(y, mo, d, h, mi, sec, tzinfo=tz).timestamp()
    else:
        t = local_instant(y, mo, d, h, mi, sec, z)
    t = int(t)
    return t + frac if frac else t


def parse_date(s, z):
    """A calendar date: YYYY-MM-DD, or a time's day in z."""
    s = s.strip()
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return day_of(parse_time(s, z), z)


def day_of(t, z):
    return dt.datetime.fromtimestamp(float(t), z).date()


def fmt_time(t, z):
    return dt.datetime.fromtimestamp(float(t), z).isoformat(
        timespec="seconds")


def parse_asof(s, z):
    s = s.strip()
    if not re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d)?"
                        r"(Z|[+-]\d\d:\d\d)?)?", s):
        raise UsageError('--as-of "%s" is not an ISO 8601 time' % s)
    try:
        return parse_time(s, z)
    except ValueError:
        raise UsageError('--as-of "%s" is not an ISO 8601 time' % s)


def last_dom(y, m):
    if m == 12:
        return 31
    return (dt.date(y, m + 1, 1) - dt.timedelta(days=1)).day


def days_until_birthday(b, today):
    """mbr-expr(5): days to the next anniversary, 0 on the day; 29
    February on the 28th in other years."""
    def anniv(y):
        if b.month == 2 and b.day == 29 and last_dom(y, 2) == 28:
            return dt.date(y, 2, 28)
        return dt.date(y, b.month, b.day)
    a = anniv(today.year)
    if a < today:
        a = anniv(today.year + 1)
    return (a - today).days


# --------------------------------------------------------- identities

def unwrap(s):
    s = s.rstrip("\t")
    m = re.fullmatch(r'="(.*)"', s.strip())
    if m:
        s = m.group(1)
    s = s.strip()
    if s.startswith("'"):
        s = s[1:]
    return s.strip()


def norm_phone(s, cc):
    """E.164 or None (subset S2)."""
    s = unwrap(s)
    if not s:
        return None
    t = re.sub(r"[\s\-.()]", "", s)
    if t.startswith("+"):
        d = t[1:]
        if not d.isdigit() or not 8 <= len(d) <= 15 or d[0] == "0":
            return None
        return "+" + d
    if t.startswith("00"):
        d = t[2:]
        if not d.isdigit() or not 8 <= len(d) <= 15 or d[0] == "0":
            return None
        return "+" + d
    if not t.isdigit():
        return None
    if cc == "86" and t.startswith("86") and len(t) == 13 and t[2] == "1":
        return "+" + t
    if cc != "86" and t.startswith(cc) and len(t) >= len(cc) + 9 \
            and t[len(cc)] != "0" and len(t) <= 15:
        return "+" + t
    trunk = t.startswith("0")
    if trunk:
        t = t[1:]
    if len(t) < 6 or len(cc) + len(t) > 15 or not t or t[0] == "0":
        return None
    if cc == "86" and not trunk and t[0] == "1" and len(t) != 11:
        return None
    return "+" + cc + t


def norm_email(s):
    s = s.strip().lower()
    if s.count("@") != 1:
        return None
    loc, dom = s.split("@")
    if not loc or not dom or "." not in dom or re.search(r"\s", s):
        return None
    return s


CONSENT_YES = {"true", "yes", "y", "1", "opt-in"}
CONSENT_NO = {"false", "no", "n", "0", "opt-out"}


def consent_of(v):
    """True, False, None (no answer); ValueError otherwise."""
    v = (v or "")
    if v == "":
        return None
    lv = v.lower()
    if lv in CONSENT_YES:
        return True
    if lv in CONSENT_NO:
        return False
    raise ValueError(v)


# --------------------------------------------------------- GrowthBook

def fnv1a32(s):
    h = 0x811c9dc5
    b = s.encode("utf-16-le")
    for i in range(0, len(b), 2):
        h ^= b[i] | (b[i + 1] << 8)
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def gb_bucket(seed, value):
    """hash(seed, value) * 10000 as an integer 0..9999 (version 2)."""
    return fnv1a32(str(fnv1a32(seed + value))) % 10000


def in_holdout(seed, value, pct):
    return Fraction(gb_bucket(seed, value), 10000) < pct / 100


def parse_pct(s, what):
    m = re.fullmatch(r"(\d+(?:\.\d{1,2})?)%?", s.strip())
    if not m:
        raise UsageError('%s "%s" is not a percentage' % (what, s))
    p = Fraction(m.group(1))
    if p > 100:
        raise UsageError('%s "%s" is over 100%%' % (what, s))
    return p


# ------------------------------------------------------------- SMS

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXT = set("^{}\\[~]|€\f")


def sms_parts(text):
    if all(c in GSM_BASIC or c in GSM_EXT for c in text):
        units = [2 if c in GSM_EXT else 1 for c in text]
        one, per = 160, 153
    else:
        units = [2 if ord(c) > 0xFFFF else 1 for c in text]
        one, per = 70, 67
    if sum(units) <= one:
        return 1
    parts, fill = 1, 0
    for u in units:
        if fill + u > per:
            parts += 1
            fill = 0
        fill += u
    return parts


# ---------------------------------------------------------- templates

def parse_template(text, known, what):
    """[str | (name, fallback or None)]; UsageError on an unknown field
    or a '{{' without '}}'."""
    out = []
    i = 0
    while True:
        j = text.find("{{", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = text.find("}}", j + 2)
        if k < 0:
            raise UsageError('%s: "{{" without "}}"' % what)
        inner = text[j + 2:k]
        if "|" in inner:
            name, fb = inner.split("|", 1)
        else:
            name, fb = inner, None
        name = name.strip(" \t\r")
        if fb is not None:
            fb = fb.strip(" \t\r")
        if not name:
            raise UsageError('%s: an empty placeholder' % what)
        if known is not None and name not in known:
            raise UsageError('%s: no input has the field "%s"' %
                             (what, name))
        out.append((name, fb))
        i = k + 2
    return out


def render(tpl, rec):
    s = []
    for p in tpl:
        if isinstance(p, str):
            s.append(p)
        else:
            v = rec.get(p[0], "")
            if v == "" and p[1] is not None:
                v = p[1]
            s.append(v)
    return "".join(s)


# ---------------------------------------------------- mbr-expr subset

class Expr:
    TOK = re.compile(r"""\s*(?:
        (?P<str>'(?:[^'\\]|''|\\.)*')|
        (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|
        (?P<op>==|!=|<>|<=|>=|&&|\|\||[=<>(),!-])|
        (?P<qname>"[^"]*")|
        (?P<name>[^\W\d][\w]*)
    )""", re.X)
    KW = {"and", "or", "not", "in", "true", "false", "null"}

    def __init__(self, text):
        self.toks = []
        text = text.strip()
        pos = 0
        while pos < len(text):
            m = self.TOK.match(text, pos)
            if not m or m.end() == pos:
                raise UsageError('audience: cannot read "%s"' % text[pos:])
            pos = m.end()
            k = m.lastgroup
            v = m.group(k)
            if k == "str":
                body = v[1:-1]
                body = re.sub(r"\\(.)|''",
                              lambda x: {"n": "\n", "t": "\t"}.get(
                                  x.group(1), x.group(1))
                              if x.group(1) else "'", body)
                self.toks.append(("str", body))
            elif k == "num":
                self.toks.append(("num", Fraction(v)))
            elif k == "qname":
                self.toks.append(("field", v[1:-1]))
            elif k == "name":
                lv = v.lower()
                if lv in self.KW:
                    self.toks.append(("kw", lv))
                elif lv == "has" and text[pos:].lstrip().startswith("("):
                    self.toks.append(("fn", "has"))
                else:
                    self.toks.append(("field", v))
            else:
                self.toks.append(("op", {"&&": "and", "||": "or",
                                         "!": "not", "=": "==",
                                         "<>": "!="}.get(v, v)))
        self.toks.append(("end", None))
        self.i = 0
        self.tree = self.p_or()
        if self.peek() != ("end", None):
            raise UsageError("audience: unexpected %r" % (self.peek()[1],))
        self.fields = set()
        self._collect(self.tree)

    def _collect(self, n):
        if n[0] == "field":
            self.fields.add(n[1])
        for c in n[1:]:
            if isinstance(c, tuple):
                self._collect(c)
            elif isinstance(c, list):
                for x in c:
                    self._collect(x)

    def peek(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def is_(self, *vals):
        t = self.peek()
        return t[0] in ("kw", "op") and t[1] in vals

    def p_or(self):
        n = self.p_and()
        while self.is_("or"):
            self.take()
            n = ("or", n, self.p_and())
        return n

    def p_and(self):
        n = self.p_not()
        while self.is_("and"):
            self.take()
            n = ("and", n, self.p_not())
        return n

    def p_not(self):
        if self.is_("not"):
            self.take()
            return ("not", self.p_not())
        return self.p_cmp()

    def p_cmp(self):
        a = self.p_atom()
        if self.is_("==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            return ("cmp", op, a, self.p_atom())
        if self.is_("in"):
            self.take()
            return ("in", a, self.p_list())
        if self.is_("not") and self.toks[self.i + 1] == ("kw", "in"):
            self.take()
            self.take()
            return ("not", ("in", a, self.p_list()))
        return a

    def p_list(self):
        if not self.is_("("):
            raise UsageError("audience: ( expected after in")
        self.take()
        xs = [self.p_atom()]
        while self.is_(","):
            self.take()
            xs.append(self.p_atom())
        if not self.is_(")"):
            raise UsageError("audience: ) expected")
        self.take()
        return xs

    def p_atom(self):
        t = self.take()
        if t[0] == "op" and t[1] == "(":
            n = self.p_or()
            if not self.is_(")"):
                raise UsageError("audience: ) expected")
            self.take()
            return n
        if t[0] == "op" and t[1] == "-":
            n = self.take()
            if n[0] != "num":
                raise UsageError("audience: number expected after -")
            return ("num", -n[1])
        if t[0] in ("str", "num", "field"):
            return t
        if t[0] == "kw" and t[1] in ("true", "false"):
            return ("bool", t[1] == "true")
        if t[0] == "kw" and t[1] == "null":
            return ("null",)
        if t[0] == "fn":
            if not self.is_("("):
                raise UsageError("audience: ( expected")
            self.take()
            f = self.take()
            if f[0] != "field" or not self.is_(")"):
                raise UsageError("audience: has(field) expected")
            self.take()
            return ("has", f[1])
        raise UsageError("audience: unexpected %r" % (t[1],))

    @staticmethod
    def num(x):
        if isinstance(x, Fraction):
            return x
        if isinstance(x, str) and re.fullmatch(
                r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*", x):
            return Fraction(x.strip())
        return None

    def val(self, n, rec):
        k = n[0]
        if k == "field":
            v = rec.get(n[1], "")
            return None if v == "" else ("f", v)
        if k == "str":
            return ("s", n[1])
        if k == "num":
            return ("n", n[1])
        if k == "bool":
            return ("b", n[1])
        if k == "null":
            return None
        if k == "has":
            return ("b", rec.get(n[1], "") != "")
        return ("b", self.truth(n, rec))

    def compare(self, op, a, b):
        if a is None or b is None:
            return False
        (ka, va), (kb, vb) = a, b
        if ka == "b" or kb == "b":
            sa = ("true" if va else "false") if ka == "b" else va
            sb = ("true" if vb else "false") if kb == "b" else vb
            if ka == "n" or kb == "n":
                return False
            if op == "==":
                return sa == sb
            if op == "!=":
                return sa != sb
            return False
        numeric = False
        if ka == "n" or kb == "n":
            na, nb = self.num(va), self.num(vb)
            if na is None or nb is None:
                return False
            numeric = True
        elif ka == "f" and kb == "f":
            na, nb = self.num(va), self.num(vb)
            numeric = na is not None and nb is not None
        elif op in ("<", "<=", ">", ">="):
            na, nb = self.num(va), self.num(vb)
            numeric = na is not None and nb is not None
        if not numeric:
            na, nb = va.encode(), vb.encode()
        return {"==": na == nb, "!=": na != nb, "<": na < nb,
                "<=": na <= nb, ">": na > nb, ">=": na >= nb}[op]

    def truth(self, n, rec):
        k = n[0]
        if k == "or":
            return self.truth(n[1], rec) or self.truth(n[2], rec)
        if k == "and":
            return self.truth(n[1], rec) and self.truth(n[2], rec)
        if k == "not":
            return not self.truth(n[1], rec)
        if k == "cmp":
            return self.compare(n[1], self.val(n[2], rec),
                                self.val(n[3], rec))
        if k == "in":
            a = self.val(n[1], rec)
            return any(self.compare("==", a, self.val(x, rec))
                       for x in n[2])
        v = self.val(n, rec)
        return v is not None and v[0] == "b" and v[1]

    def __call__(self, rec):
        return self.truth(self.tree, rec)


# ------------------------------------------------------------- campaign

def dec(v, what, places=4, neg=False):
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise UsageError("%s: not a decimal" % what)
    s = str(v) if not isinstance(v, float) else repr(v)
    m = re.fullmatch(r"-?\d+(\.(\d+))?", s)
    if not m or (m.group(2) and len(m.group(2)) > places) or \
            (s.startswith("-") and not neg):
        raise UsageError('%s "%s" is not a decimal of at most %d places' %
                         (what, s, places))
    return Fraction(s)


def strict_keys(obj, allowed, where):
    if not isinstance(obj, dict):
        raise UsageError("%s: an object expected" % where)
    for k in obj:
        if k not in allowed:
            raise UsageError('%s: unknown key "%s"' % (where, k))


def parse_hhmm(s, what):
    m = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", s or "")
    if not m:
        raise UsageError('%s "%s" is not HH:MM-HH:MM' % (what, s))
    a = int(m.group(1)) * 60 + int(m.group(2))
    b = int(m.group(3)) * 60 + int(m.group(4))
    if int(m.group(1)) > 23 or int(m.group(3)) > 23 or \
            int(m.group(2)) > 59 or int(m.group(4)) > 59 or a == b:
        raise UsageError('%s "%s" is not HH:MM-HH:MM' % (what, s))
    return (a, b)


def num_param(v, what, integer=True, minimum=0):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or \
            (integer and v != int(v)) or v < minimum:
        raise UsageError("%s: bad value %r" % (what, v))
    return Fraction(v) if not integer else int(v)


class Channel:
    def __init__(self, spec, where, follow=False):
        if isinstance(spec, str):
            spec = {"channel": spec}
        keys = {"channel", "consent", "quiet_hours", "cost", "message",
                "messages"}
        if follow:
            keys |= {"delay_hours", "delay_minutes"}
        else:
            keys |= {"template_id", "url", "data", "follow_up"}
        strict_keys(spec, keys, where)
        self.name = spec.get("channel")
        if self.name not in CHANNEL_ADDR:
            raise UsageError('%s: unknown channel "%s"' % (where, self.name))
        self.consent = spec.get("consent", "opt-in")
        if self.consent not in ("opt-in", "opt-out"):
            raise UsageError('%s: consent "%s"' % (where, self.consent))
        self.quiet = parse_hhmm(spec["quiet_hours"], where + ".quiet_hours") \
            if "quiet_hours" in spec else None
        self.cost = dec(spec.get("cost", "0"), where + ".cost")
        self.message = spec.get("message")
        self.messages = spec.get("messages")
        if self.message is not None and not isinstance(self.message, str):
            raise UsageError("%s.message: not a string" % where)
        if self.messages is not None and (
                not isinstance(self.messages, dict) or
                not all(isinstance(x, str) for x in self.messages.values())):
            raise UsageError("%s.messages: not an object of strings" % where)
        self.delay = 0
        if follow:
            if "delay_hours" in spec and "delay_minutes" in spec:
                raise UsageError("%s: delay_hours and delay_minutes" % where)
            if "delay_hours" in spec:
                self.delay = num_param(spec["delay_hours"],
                                       where + ".delay_hours", False) * 3600
            elif "delay_minutes" in spec:
                self.delay = num_param(spec["delay_minutes"],
                                       where + ".delay_minutes",
                                       False) * 60
            else:
                raise UsageError("%s: no delay_hours" % where)
        self.follow = None
        if not follow and "follow_up" in spec:
            self.follow = Channel(spec["follow_up"], where + ".follow_up",
                                  True)
        self.data = spec.get("data")
        self.url = spec.get("url")


class Campaign:
    def __init__(self, text):
        try:
            c = json.loads(text, parse_float=str)
        except ValueError as e:
            raise UsageError("campaign: not JSON: %s" % e)
        strict_keys(c, {"id", "name", "audience", "trigger", "channels",
                        "message", "messages", "cooldown_days", "cap",
                        "send_window_hours"}, "campaign")
        self.id = c.get("id")
        if not isinstance(self.id, str) or \
                not re.fullmatch(r"[A-Za-z0-9_.\-]+", self.id):
            raise UsageError("campaign: bad id %r" % (self.id,))
        aud = c.get("audience", "true")
        if not isinstance(aud, str):
            raise UsageError("campaign: audience is not a string")
        self.audience = Expr(aud)
        tr = c.get("trigger", "batch")
        if isinstance(tr, str):
            tr = {"type": tr}
        if not isinstance(tr, dict) or tr.get("type") not in TRIGGER_FIELDS:
            raise UsageError("campaign: bad trigger %r" % (tr,))
        self.ttype = tr["type"]
        allowed = {"batch": set(), "inactive_days": {"days"},
                   "signup_no_order": {"hours"},
                   "birthday": {"days_before"}, "member_day": {"day"},
                   "tier_up": {"hours", "tiers"},
                   "browse_no_buy": {"hours", "window_hours", "events"}}
        strict_keys(tr, {"type"} | allowed[self.ttype], "trigger")
        t = self.ttype
        if t == "inactive_days":
            self.days = num_param(tr.get("days"), "trigger.days")
        elif t == "signup_no_order":
            self.hours = num_param(tr.get("hours"), "trigger.hours")
        elif t == "birthday":
            self.days_before = num_param(tr.get("days_before", 0),
                                         "trigger.days_before")
        elif t == "member_day":
            self.day = num_param(tr.get("day"), "trigger.day", True, 1)
            if self.day > 31:
                raise UsageError("trigger.day over 31")
        elif t == "tier_up":
            self.hours = num_param(tr.get("hours", 24), "trigger.hours")
            self.tiers = tr.get("tiers")
            if self.tiers is not None and (
                    not isinstance(self.tiers, list) or
                    not all(isinstance(x, str) for x in self.tiers)):
                raise UsageError("trigger.tiers: a list of names")
        elif t == "browse_no_buy":
            self.hours = num_param(tr.get("hours"), "trigger.hours")
            self.bwindow = num_param(tr.get("window_hours", 24),
                                    "trigger.window_hours", True, 1)
            self.events = tr.get("events", ["view", "cart"])
        chans = c.get("channels")
        if not isinstance(chans, list) or not chans:
            raise UsageError("campaign: channels: at least one")
        self.channels = [Channel(x, "channels[%d]" % i)
                         for i, x in enumerate(chans)]
        names = [ch.name for ch in self.channels]
        if len(set(names)) != len(names):
            raise UsageError("campaign: a channel twice")
        self.message = c.get("message")
        self.messages = c.get("messages")
        if self.message is not None and not isinstance(self.message, str):
            raise UsageError("campaign: message is not a string")
        if self.messages is not None and (
                not isinstance(self.messages, dict) or
                not all(isinstance(x, str) for x in self.messages.values())):
            raise UsageError("campaign: messages")
        if self.message is None and self.messages is None and not all(
                ch.message is not None or ch.messages is not None
                for ch in self.channels):
            raise UsageError("campaign: no message")
        self.cooldown = num_param(c.get("cooldown_days", 0), "cooldown_days")
        self.cap = None
        if "cap" in c:
            cp = c["cap"]
            strict_keys(cp, {"messages", "days"}, "cap")
            self.cap = (num_param(cp.get("messages"), "cap.messages"),
                        num_param(cp.get("days"), "cap.days", True, 1))
        self.window = None
        if "send_window_hours" in c:
            self.window = num_param(c["send_window_hours"],
                                    "send_window_hours", False)

    def reads_times(self):
        return {"inactive_days": ["last_order_ts"],
                "browse_no_buy": ["last_order_ts"],
                "signup_no_order": ["signup_ts", "last_order_ts"],
                }.get(self.ttype, [])

    def all_channels(self):
        for ch in self.channels:
            yield ch
            if ch.follow:
                yield ch.follow

    def texts(self):
        """every template text with a name for messages"""
        out = []
        if self.message is not None:
            out.append(("message", self.message))
        for k, v in (self.messages or {}).items():
            out.append(("messages." + k, v))
        for i, ch in enumerate(self.all_channels()):
            if ch.message is not None:
                out.append(("%s.message" % ch.name, ch.message))
            for k, v in (ch.messages or {}).items():
                out.append(("%s.messages.%s" % (ch.name, k), v))
            if ch.url:
                out.append(("%s.url" % ch.name, ch.url))
            if isinstance(ch.data, dict):
                for k, v in ch.data.items():
                    if isinstance(v, str):
                        out.append(("%s.data.%s" % (ch.name, k), v))
        return out


def text_for(camp, ch, variant):
    """R4: the template text for a channel and a variant, or None."""
    if ch.message is not None or ch.messages is not None:
        if ch.messages and variant in ch.messages:
            return ch.messages[variant]
        return ch.message
    if camp.messages and variant in camp.messages:
        return camp.messages[variant]
    return camp.message


def fmt_dec(x):
    if x == int(x):
        return str(int(x))
    s = None
    for places in range(1, 30):
        y = x * 10 ** places
        if y == int(y):
            n = int(y)
            sign = "-" if n < 0 else ""
            n = abs(n)
            s = "%s%d.%0*d" % (sign, n // 10 ** places, places,
                               n % 10 ** places)
            break
    return s


# ---------------------------------------------------------------- run

class Opts:
    pass


def quiet_shift(t, z, quiet):
    """the first instant at or after t outside quiet hours (a, b minutes)
    in zone z."""
    if quiet is None:
        return t
    a, b = quiet
    loc = dt.datetime.fromtimestamp(float(t), z)
    tod = loc.hour * 3600 + loc.minute * 60 + loc.second + \
        (float(t) - int(float(t)))
    if a < b:
        inq = a * 60 <= tod < b * 60
    else:
        inq = tod >= a * 60 or tod < b * 60
    if not inq:
        return t
    d = loc.date()
    if tod >= b * 60:
        d = d + dt.timedelta(days=1)
    return int(local_instant(d.year, d.month, d.day, b // 60, b % 60, 0, z))


class Result:
    pass


def run(o, stdout, stderr):
    """returns the exit status; writes the files."""
    files = {}        # path -> text, written at the end when all is well
    rejects = []      # (record dict, reason, source)

    def reject(rec, why, src, member=False):
        rejects.append((rec, why, src))

    try:
        tz = zone_of(o.tz)
    except ValueError:
        raise UsageError('--tz "%s" is not a zone' % o.tz)
    asof = parse_asof(o.as_of, tz)
    try:
        with open(o.campaign, encoding="utf-8") as f:
            camp = Campaign(f.read())
    except OSError as e:
        print("%s: %s: %s" % (PROG, o.campaign, e.strerror), file=stderr)
        return 3
    cc = o.default_country
    if not re.fullmatch(r"[1-9]\d{0,2}", cc):
        raise UsageError("--default-country %s" % cc)
    cap = camp.cap
    if o.cap:
        m = re.fullmatch(r"(\d+)/(\d+)", o.cap)
        if not m or int(m.group(2)) < 1:
            raise UsageError('--cap "%s" is not n/days' % o.cap)
        cap = (int(m.group(1)), int(m.group(2)))
    hold = parse_pct(o.holdout, "--holdout") if o.holdout else None
    ghold = parse_pct(o.global_holdout, "--global-holdout") \
        if o.global_holdout else None
    max_rec = None
    if o.max_recipients is not None:
        if not re.fullmatch(r"\d+", o.max_recipients):
            raise UsageError("--max-recipients")
        max_rec = int(o.max_recipients)
    max_cost = dec(o.max_cost, "--max-cost") if o.max_cost is not None \
        else None
    max_parts = None
    if o.max_sms_parts is not None:
        if not re.fullmatch(r"[1-9]\d*", o.max_sms_parts):
            raise UsageError("--max-sms-parts")
        max_parts = int(o.max_sms_parts)
    if o.coupons_short not in ("fail", "skip"):
        raise UsageError("--coupons-short fail | skip")
    keep = [k for k in (o.keep or "").split(",") if k] if o.keep else []
    max_rej = None
    if o.max_rejects is not None:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)(%?)", o.max_rejects)
        if not m:
            raise UsageError("--max-rejects")
        max_rej = (Fraction(m.group(1)), m.group(2) == "%")

    # --- inputs
    heads = []
    members = []      # (rec, source)
    fmt = "csv"
    for path in o.files or ["-"]:
        head, recs, fmt1 = read_records(path)
        if not heads:
            fmt = fmt1
        heads.append(head)
        name = "stdin" if path == "-" else path
        for rec, line in recs:
            members.append((rec, "%s:%d" % (name, line)))
    joins = []
    for path in o.join or []:
        head, recs, _ = read_records(path)
        heads.append(head)
        seen, table = set(), {}
        for rec, line in recs:
            mid = rec.get("member_id", "")
            if mid == "" or mid in seen:
                reject(rec, "member_id twice in a join file" if mid else
                       "no member_id", "%s:%d" % (path, line))
                continue
            seen.add(mid)
            table[mid] = rec
        joins.append(table)
    known = set(SPECIAL_FIELDS) | set(TRIGGER_FIELDS[camp.ttype])
    for h in heads:
        known |= set(h)
    # templates: parsed (and checked) before anything is written
    tpls = {}
    for what, text in camp.texts():
        tpls[text] = parse_template(text, known, what)

    ledger = {}
    if o.ledger:
        head, recs, _ = read_records(o.ledger)
        for rec, line in recs:
            if rec.get("type") != "tier_up":
                continue
            try:
                t = parse_time(rec.get("ts", ""), tz)
            except ValueError:
                reject(rec, "ts is not a time", "%s:%d" % (o.ledger, line))
                continue
            ledger.setdefault(rec.get("member_id", ""), []).append(
                (t, rec.get("tier", ""), rec.get("ts", "")))
    events = {}
    if o.events:
        head, recs, _ = read_records(o.events)
        for rec, line in recs:
            try:
                t = parse_time(rec.get("ts", ""), tz)
            except ValueError:
                reject(rec, "ts is not a time", "%s:%d" % (o.events, line))
                continue
            events.setdefault(rec.get("member_id", ""), []).append((t, rec))

    sup_ids, sup_phones, sup_emails = set(), set(), set()
    for path in o.suppress or []:
        with open(path, encoding="utf-8") as f:
            for line in f.read().split("\n"):
                v = line.strip()
                if not v or v.startswith("#"):
                    continue
                if v.startswith("phone:"):
                    sup_ids.add(v)
                    p = norm_phone(v[6:], cc)
                    if p:
                        sup_phones.add(p)
                elif v.startswith("email:"):
                    sup_ids.add(v)
                    e = norm_email(v[6:])
                    if e:
                        sup_emails.add(e)
                elif "@" in v:
                    e = norm_email(v)
                    sup_emails.add(e if e else v.lower())
                elif norm_phone(v, cc):
                    sup_phones.add(norm_phone(v, cc))
                else:
                    sup_ids.add(v)

    history = {}      # member_id -> [(t, campaign_id)]
    hist_rows = []    # (head, rec) for --history-out
    for path in o.history or []:
        head, recs, _ = read_records(path)
        for rec, line in recs:
            try:
                t = parse_time(rec.get("send_at", ""), tz)
                mid = rec.get("member_id", "")
                if not mid:
                    raise ValueError
            except ValueError:
                reject(rec, "send_at is not a time",
                       "%s:%d" % (path, line))
                hist_rows.append(rec)     # R14: copied all the same
                continue
            history.setdefault(mid, []).append((t, rec.get("campaign_id",
                                                           "")))
            hist_rows.append(rec)

    codes = None
    if o.coupons:
        codes = []
        with open(o.coupons, encoding="utf-8") as f:
            for line in f.read().split("\n"):
                v = line.strip()
                if not v or v.startswith("#"):
                    continue
                if v in codes:
                    raise Fail('coupon "%s" twice in %s' % (v, o.coupons))
                codes.append(v)

    # --- per member
    counts = {"members": 0, "audience": 0, "triggered": 0, "rejected": 0}
    explain = []      # (member_id, reason, detail)
    cands = []        # dicts of what is to be sent
    seen = set()
    consent_fields = sorted({"consent_" + ch.name
                             for ch in camp.all_channels()})

    def rejectm(rec, why, src):
        counts["rejected"] += 1
        reject(rec, why, src)

    def explain_(mid, why, detail):
        explain.append((mid, why, detail))

    for rec0, src in members:
        counts["members"] += 1
        mid = rec0.get("member_id", "")
        if mid == "":
            rejectm(rec0, "no member_id", src)
            continue
        if mid in seen:
            rejectm(rec0, "member_id seen before", src)
            continue
        seen.add(mid)
        rec = dict(rec0)
        for table in joins:
            j = table.get(mid)
            if j:
                for k, v in j.items():
                    if rec.get(k) in (None, ""):
                        rec[k] = v
        # step 1: the fields the campaign reads
        try:
            z = zone_of(rec["tz"]) if rec.get("tz", "") != "" else tz
        except ValueError:
            rejectm(rec0, 'tz "%s" is not a zone' % rec["tz"], src)
            continue
        bad = None
        consent = {}
        for f in consent_fields:
            try:
                consent[f] = consent_of(rec.get(f, ""))
            except ValueError:
                bad = '%s "%s" is not a consent' % (f, rec.get(f))
                break
        times = {}
        if bad is None:
            for f in camp.reads_times():
                if rec.get(f, "") != "":
                    try:
                        times[f] = parse_time(rec[f], z)
                    except ValueError:
                        bad = '%s "%s" is not a time' % (f, rec[f])
                        break
        bday = None
        if bad is None and camp.ttype == "birthday" and \
                rec.get("birthday", "") != "":
            try:
                bday = parse_date(rec["birthday"], z)
            except ValueError:
                bad = 'birthday "%s" is not a date' % rec["birthday"]
        if bad is None and (max_rec is not None or max_cost is not None) \
                and rec.get(o.priority, "").strip() != "" and \
                Expr.num(rec[o.priority]) is None:
            bad = '%s "%s" is not a number' % (o.priority, rec[o.priority])
        if bad:
            rejectm(rec0, bad, src)
            continue

        # step 2: trigger, then audience
        today = day_of(asof, z)
        trig = False
        t = camp.ttype
        if t == "batch":
            trig = True
        elif t == "inactive_days":
            if "last_order_ts" in times:
                trig = (today - day_of(times["last_order_ts"], z)).days \
                    == camp.days
        elif t == "signup_no_order":
            if "signup_ts" in times:
                s = times["signup_ts"]
                h = camp.hours * 3600
                lo = times.get("last_order_ts")
                trig = asof - (h + 86400) < s <= asof - h and \
                    (lo is None or lo < s)
        elif t == "birthday":
            if bday is not None:
                trig = days_until_birthday(bday, today) == camp.days_before
        elif t == "member_day":
            trig = today.day == min(camp.day,
                                    last_dom(today.year, today.month))
        elif t == "tier_up":
            best = None
            for lt, tier, ts in ledger.get(mid, []):
                if asof - camp.hours * 3600 < lt <= asof and (
                        camp.tiers is None or tier in camp.tiers):
                    if best is None or lt > best[0]:
                        best = (lt, tier, ts)
            if best:
                trig = True
                rec["trigger_ts"] = best[2]
                rec["trigger_tier"] = best[1]
        elif t == "browse_no_buy":
            best = None
            lo_t = asof - (camp.hours + camp.bwindow) * 3600
            hi_t = asof - camp.hours * 3600
            for et, ev in events.get(mid, []):
                if ev.get("event") in camp.events and lo_t < et <= hi_t:
                    if best is None or et > best[0]:
                        best = (et, ev)
            if best:
                lo = times.get("last_order_ts")
                if lo is None or lo < best[0]:
                    trig = True
                    ev = best[1]
                    rec["trigger_ts"] = ev.get("ts", "")
                    rec["trigger_event"] = ev.get("event", "")
                    rec["trigger_sku"] = ev.get("sku", "")
                    rec["trigger_category"] = ev.get("category", "")
        if not camp.audience(rec):
            continue
        counts["audience"] += 1
        if not trig:
            continue
        counts["triggered"] += 1

        # step 3: suppressed
        # A member without a phone (email) field, but with an id
        # "phone:..." ("email:..."), has that one (CHANNELS).
        praw = rec.get("phone", "").strip(" \t\r")
        if praw == "" and mid.startswith("phone:"):
            praw = mid[6:]
        eraw = rec.get("email", "").strip(" \t\r")
        if eraw == "" and mid.startswith("email:"):
            eraw = mid[6:]
        phone = norm_phone(praw, cc)
        email = norm_email(eraw)
        if mid in sup_ids or (phone and phone in sup_phones) or \
                (email and email in sup_emails):
            explain_(mid, "suppressed", "on a suppression list")
            continue
        # step 4: global holdout
        if ghold is not None and in_holdout(o.global_holdout_seed, mid,
                                            ghold):
            explain_(mid, "global_holdout", "in the global holdout")
            continue

        # step 5: channel
        def address(chname):
            f = CHANNEL_ADDR[chname]
            if f == "phone":
                return phone
            if f == "email":
                return email
            v = rec.get(f, "")
            return v if v != "" else None

        def agrees(ch):
            c = consent["consent_" + ch.name]
            return c is True if ch.consent == "opt-in" else c is not False

        chosen = None
        any_addr = False
        for ch in camp.channels:
            if address(ch.name) is None:
                continue
            any_addr = True
            if agrees(ch):
                chosen = ch
                break
        if chosen is None:
            if not any_addr:
                explain_(mid, "unreachable", "no address")
            else:
                explain_(mid, "no_consent", "no consent")
            continue
        fu = chosen.follow
        fu_ok = fu is not None and address(fu.name) is not None and \
            agrees(fu)
        fu_unreach = fu is not None and not fu_ok

        # step 6: cooldown
        hist = history.get(mid, [])
        if camp.cooldown and any(
                cid == camp.id and ht > asof - camp.cooldown * 86400
                for ht, cid in hist):
            explain_(mid, "cooldown", "within %d days" % camp.cooldown)
            continue
        # step 7: cap
        nsend = 2 if fu_ok else 1
        if cap is not None:
            n = sum(1 for ht, _ in hist if ht > asof - cap[1] * 86400)
            if n + nsend > cap[0]:
                explain_(mid, "capped", "%d messages in %d days" %
                         (n, cap[1]))
                continue
        # step 8: the message(s)
        variant = rec.get("variant", "")
        send_at = quiet_shift(asof, z, chosen.quiet)
        msgs = [(chosen, send_at, False)]
        if fu_ok:
            fat = quiet_shift(send_at + fu.delay, z, fu.quiet)
            msgs.append((fu, fat, True))
        rows = []
        bad = None
        for ch, at, isfu in msgs:
            text = text_for(camp, ch, variant)
            if text is None:
                bad = "variant %s has no text" % variant
                break
            rows.append({"ch": ch, "at": at, "fu": isfu, "text": text})
        if bad:
            rejectm(rec0, bad, src)
            continue
        probe = codes[0] if codes else ""
        cost = Fraction(0)
        for r in rows:
            r["rec"] = rec
            r["z"] = z
            m = make_message(camp, tpls, r, probe)
            if r["ch"].name == "sms":
                p = sms_parts(m)
                if max_parts is not None and p > max_parts:
                    bad = "SMS of %d parts" % p
                cost += r["ch"].cost * p
            else:
                cost += r["ch"].cost
        if bad:
            rejectm(rec0, bad, src)
            continue
        # step 9: holdout
        if hold is not None and in_holdout(camp.id, mid, hold):
            explain_(mid, "holdout", "in the holdout")
            continue
        # step 10: quiet hours
        if camp.window is not None and \
                send_at - asof > camp.window * 3600:
            explain_(mid, "quiet_hours", "send_at after the window")
            continue
        pv = Expr.num(rec.get(o.priority, ""))
        for r in rows:
            r["address"] = address(r["ch"].name)
        cands.append({"mid": mid, "rows": rows, "cost": cost,
                      "prio": pv, "variant": variant,
                      "fu_unreach": fu_unreach, "chan": chosen.name,
                      "rec": rec, "send_at": send_at})

    # step 11: budget
    def prio_key(c):
        if c["prio"] is None:
            return (1, 0, c["mid"].encode())
        return (0, -c["prio"], c["mid"].encode())
    cands.sort(key=prio_key)
    sent = []
    spent = Fraction(0)
    stop = False
    for c in cands:
        if not stop:
            if (max_rec is not None and len(sent) + 1 > max_rec) or \
                    (max_cost is not None and spent + c["cost"] > max_cost):
                stop = True
        if stop:
            explain_(c["mid"], "budget", "over the budget")
            continue
        sent.append(c)
        spent += c["cost"]

    # step 12: coupons, in the order of first rows
    sent.sort(key=lambda c: (c["send_at"], c["mid"].encode()))
    needed = len(sent) if codes is not None else 0
    if codes is not None:
        if len(codes) < len(sent):
            if o.coupons_short == "fail" and o.dry_run:
                pass            # R12: the dry run says coupons_needed
            elif o.coupons_short == "fail":
                if o.rejects:   # written as the run goes: left behind
                    with open(o.rejects, "w", encoding="utf-8",
                              newline="") as f:
                        f.write(rejects_text(o.rejects, rejects))
                raise Fail("%d coupon codes needed, %d in %s" %
                           (len(sent), len(codes), o.coupons))
            if o.coupons_short == "skip":
                for c in sent[len(codes):]:
                    explain_(c["mid"], "coupons", "no code left")
                sent = sent[:len(codes)]
        for c, code in zip(sent, codes):
            c["code"] = code
        left = codes[len(sent):]
    # the rows
    out_rows = []
    for c in sent:
        code = c.get("code", "")
        for r in c["rows"]:
            m = make_message(camp, tpls, r, code)
            ch = r["ch"]
            parts = sms_parts(m) if ch.name == "sms" else None
            row = [camp.id, c["mid"], ch.name, r["address"],
                   fmt_time(r["at"], r["z"]), m,
                   "" if parts is None else str(parts), code,
                   c["variant"]] + [c["rec"].get(k, "") for k in keep]
            out_rows.append(((r["at"], c["mid"].encode(), r["fu"]), row))
    out_rows.sort(key=lambda x: x[0])
    total_cost = sum((c["cost"] for c in sent), Fraction(0))

    # --- rejects
    nrej = len(rejects)
    rej_text = rejects_text(o.rejects, rejects) if o.rejects else None
    if rej_text is not None:
        with open(o.rejects, "w", encoding="utf-8", newline="") as f:
            f.write(rej_text)
    shown = 0
    if not o.rejects:
        for rec, why, src in rejects[:5]:
            print("%s: %s: %s" % (PROG, src, why), file=stderr)
    nread = counts["members"]
    if max_rej is None:
        if nread > 0 and counts["rejected"] >= nread:
            print("%s: all %d records rejected" % (PROG, nread),
                  file=stderr)
            return 1
    else:
        lim, pct = max_rej
        if (pct and nrej * 100 > lim * nread) or (not pct and nrej > lim):
            print("%s: %d records rejected, over --max-rejects %s" %
                  (PROG, nrej, o.max_rejects), file=stderr)
            return 1

    # --- outputs
    nfu_unreach = sum(1 for c in sent if c["fu_unreach"])
    if o.dry_run or o.dry_out:
        by = {ch.name: 0 for ch in camp.channels}
        for c in sent:
            by[c["chan"]] += 1
        why = {r: 0 for r in REASONS}
        for _, r, _ in explain:
            why[r] += 1
        recs = [("members", counts["members"]),
                ("audience", counts["audience"]),
                ("triggered", counts["triggered"]),
                ("sent", len(sent))]
        recs += [("sent." + k, v) for k, v in by.items()]
        recs += [("not_sent." + k, v) for k, v in why.items()]
        recs += [("rows", len(out_rows)),
                 ("follow_ups_unreachable", nfu_unreach),
                 ("cost", fmt_dec(total_cost)),
                 ("coupons_needed", needed)]
        text = csv_text([["campaign_id", "measure", "count"]] +
                        [[camp.id, k, str(v)] for k, v in recs])
        files[o.dry_out if not o.dry_run else (o.output or "-")] = text
    if not o.dry_run:
        files[o.output or "-"] = csv_text(
            [SEND_COLS + keep] + [r for _, r in out_rows])
        if o.explain:
            explain.sort(key=lambda x: x[0].encode())
            files[o.explain] = csv_text(
                [["campaign_id", "member_id", "reason", "detail"]] +
                [[camp.id, m, r, d] for m, r, d in explain])
        if o.history_out:
            cols = list(SEND_COLS)
            for h in hist_rows:
                for k in h:
                    if k not in cols:
                        cols.append(k)
            hrows = [[h.get(k, "") for k in cols] for h in hist_rows]
            names = SEND_COLS + keep   # R13: without the --keep fields
            for _, r in out_rows:
                d = dict(zip(names, r))
                hrows.append([d.get(k, "") for k in cols])
            files[o.history_out] = csv_text([cols] + hrows)
        if o.coupons_out and codes is not None:
            files[o.coupons_out] = "".join(c + "\n" for c in left)
        if o.holdout_out:
            hold_ids = sorted((m for m, r, _ in explain if r == "holdout"),
                              key=lambda x: x.encode())
            files[o.holdout_out] = csv_text(
                [["experiment", "member_id", "variant", "assigned_at"]] +
                [[camp.id, m, "holdout", fmt_time(asof, tz)]
                 for m in hold_ids])
    for path, text in files.items():
        if path == "-":
            stdout.write(text)
        else:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
    if not o.q:
        print("%s: %d members, %d in the audience, %d triggered, %d sent,"
              " %d rejected" % (PROG, counts["members"], counts["audience"],
                                counts["triggered"], len(sent), nrej),
              file=stderr)
    return 0


def make_message(camp, tpls, r, code):
    rec = dict(r["rec"])
    rec["campaign_id"] = camp.id
    rec["channel"] = r["ch"].name
    rec["coupon_code"] = code
    rec["send_at"] = fmt_time(r["at"], r["z"])
    return render(tpls[r["text"]], rec)


def rejects_text(path, rejects):
    if path.endswith(".csv"):
        cols = []
        for rec, _, _ in rejects:
            for k in rec:
                if k not in cols:
                    cols.append(k)
        cols += ["reject_reason", "reject_source"]
        rows = [cols]
        for rec, why, src in rejects:
            d = dict(rec, reject_reason=why, reject_source=src)
            rows.append([d.get(k, "") for k in cols])
        return csv_text(rows)
    out = []
    for rec, why, src in rejects:
        d = dict(rec, reject_reason=why, reject_source=src)
        out.append(json.dumps(d, ensure_ascii=False, separators=(",", ":")))
    return "".join(x + "\n" for x in out)


def main(argv, stdout=None, stderr=None):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    ap = argparse.ArgumentParser(prog=PROG)
    ap.add_argument("--campaign")
    ap.add_argument("--as-of")
    ap.add_argument("--tz", default=os.environ.get("TZ") or "UTC")
    ap.add_argument("--join", action="append")
    ap.add_argument("--ledger")
    ap.add_argument("--events")
    ap.add_argument("--suppress", action="append")
    ap.add_argument("--history", action="append")
    ap.add_argument("--history-out")
    ap.add_argument("--cap")
    ap.add_argument("--coupons")
    ap.add_argument("--coupons-out")
    ap.add_argument("--coupons-short", default="fail")
    ap.add_argument("--max-recipients")
    ap.add_argument("--max-cost")
    ap.add_argument("--priority", default="monetary")
    ap.add_argument("--holdout")
    ap.add_argument("--holdout-out")
    ap.add_argument("--global-holdout")
    ap.add_argument("--global-holdout-seed", default="mbr-global-holdout")
    ap.add_argument("--max-sms-parts")
    ap.add_argument("--default-country", default="86")
    ap.add_argument("--keep")
    ap.add_argument("--explain")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--dry-out")
    ap.add_argument("-o", dest="output")
    ap.add_argument("--rejects")
    ap.add_argument("--max-rejects")
    ap.add_argument("-q", action="store_true")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("files", nargs="*")
    o = ap.parse_args(argv)
    if o.selftest:
        return selftest()
    if not o.campaign:
        print("%s: --campaign is required" % PROG, file=stderr)
        return 2
    if not o.as_of:
        o.as_of = dt.datetime.now(dt.timezone.utc).isoformat(
            timespec="seconds")
    try:
        return run(o, stdout, stderr)
    except UsageError as e:
        print("%s: %s" % (PROG, e), file=stderr)
        return 2
    except Fail as e:
        print("%s: %s" % (PROG, e), file=stderr)
        return 1
    except OSError as e:
        print("%s: %s: %s" % (PROG, e.filename, e.strerror), file=stderr)
        return 3


# ---------------------------------------------------------------- selftest

SELFTESTS = []


def case(fn):
    SELFTESTS.append(fn)
    return fn


MEMBER_HEAD = ("member_id,name,phone,email,wechat_openid,consent_sms,"
               "consent_email,consent_wechat,tz,last_order_ts,signup_ts,"
               "birthday,monetary,segment,variant")


def scenario(members, campaign, args=(), files=None, head=MEMBER_HEAD):
    """Runs the reference in a fresh directory on members (CSV rows
    under head) and a campaign (a dict); returns (rc, stdout, {name:
    text of each file left}, stderr)."""
    import tempfile
    files = dict(files or {})
    with tempfile.TemporaryDirectory() as d:
        old = os.getcwd()
        os.chdir(d)
        try:
            with open("m.csv", "w", encoding="utf-8") as f:
                f.write(head + "\n" + "".join(r + "\n" for r in members))
            with open("c.json", "w", encoding="utf-8") as f:
                json.dump(campaign, f, ensure_ascii=False)
            for k, v in files.items():
                with open(k, "w", encoding="utf-8") as f:
                    f.write(v)
            before = set(os.listdir("."))
            out, err = io.StringIO(), io.StringIO()
            rc = main(["--campaign", "c.json", "-q"] + list(args) +
                      ["m.csv"], out, err)
            left = {}
            for k in sorted(os.listdir(".")):
                if k not in before or k in files:
                    with open(k, encoding="utf-8") as f:
                        left[k] = f.read()
        finally:
            os.chdir(old)
    return rc, out.getvalue(), left, err.getvalue()


def rows_of(text):
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def eq(got, want, what=""):
    assert got == want, "%s: got %r, want %r" % (what, got, want)


def m(mid, **kw):
    """a member row in MEMBER_HEAD order"""
    f = MEMBER_HEAD.split(",")
    d = {"member_id": mid}
    d.update(kw)
    return ",".join(csv_field(d.get(k, "")) for k in f)


SMS = {"id": "c1", "channels": ["sms"], "message": "hi {{name|会员}}"}


@case
def t_growthbook_vectors():
    for seed, v, want in [("seed", "a", 0.0505), ("seed", "b", 0.2696),
                          ("foo", "ab", 0.2575), ("foo", "def", 0.2019),
                          ("89123klj", "8952klfjas09ujkasdf", 0.124),
                          ("90850943850283058242805", "123", 0.7516),
                          ("()**(%$##$%#$#", '___)((*":&', 0.0128)]:
        eq(gb_bucket(seed, v), round(want * 10000), seed + v)
    # 5.05% of "seed"/"a": in a holdout of 5.06%, not of 5.05%
    assert in_holdout("seed", "a", Fraction("5.06"))
    assert not in_holdout("seed", "a", Fraction("5.05"))


@case
def t_holdout_fraction():
    n = sum(in_holdout("winback", "M%05d" % i, Fraction(10))
            for i in range(20000))
    assert 1800 < n < 2200, n
    members = [m("M%03d" % i, phone="138%08d" % i, consent_sms="y")
               for i in range(200)]
    rc, out, files, _ = scenario(members, SMS, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
        "--holdout", "10%", "--explain", "x.csv"])
    eq(rc, 0)
    held = [r["member_id"] for r in rows_of(files["x.csv"])
            if r["reason"] == "holdout"]
    want = [("M%03d" % i) for i in range(200)
            if gb_bucket("c1", "M%03d" % i) < 1000]
    eq(held, want, "holdout")
    eq(len(rows_of(out)) + len(held), 200)


@case
def t_inactive_days_boundary_shanghai():
    camp = dict(SMS, trigger={"type": "inactive_days", "days": 60})
    # as-of 2024-06-01 00:00:30 +08:00; 60 days before is 2024-04-02
    members = [
        m("A", phone="13800000001", consent_sms="1",
          last_order_ts="2024-04-02T00:00:00+08:00"),
        m("B", phone="13800000002", consent_sms="1",
          last_order_ts="2024-04-01T23:59:59+08:00"),       # 61 days
        m("C", phone="13800000003", consent_sms="1",
          last_order_ts="2024-04-01T16:00:00Z"),           # 04-02 00:00
        m("D", phone="13800000004", consent_sms="1",
          last_order_ts="2024-04-02 23:59:59"),            # local
        m("E", phone="13800000005", consent_sms="1", last_order_ts=""),
    ]
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T00:00:30+08:00", "--tz", "Asia/Shanghai"])
    eq(rc, 0)
    eq([r["member_id"] for r in rows_of(out)], ["A", "C", "D"])
    eq(rows_of(out)[0]["send_at"], "2024-06-01T00:00:30+08:00")


@case
def t_inactive_days_new_york_dst():
    camp = dict(SMS, trigger={"type": "inactive_days", "days": 1})
    # 2024-03-10: New York springs forward at 02:00 (-05:00 -> -04:00).
    # as-of 2024-03-11T00:30 New York = 04:30Z; yesterday is 03-10.
    members = [
        m("A", phone="13800000001", consent_sms="1", tz="America/New_York",
          last_order_ts="2024-03-10T00:00:00-05:00"),
        m("B", phone="13800000002", consent_sms="1", tz="America/New_York",
          last_order_ts="2024-03-09T23:59:59-05:00"),      # 2 days
        m("C", phone="13800000003", consent_sms="1", tz="America/New_York",
          last_order_ts="2024-03-10 23:30:00"),            # -04:00 local
        # in Shanghai it is already 03-11 12:30, and 03-10 was 1 day ago
        m("D", phone="13800000004", consent_sms="1",
          last_order_ts="2024-03-10T00:00:00+08:00"),
        m("E", phone="13800000005", consent_sms="1",
          last_order_ts="2024-03-09T23:00:00+08:00"),
    ]
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-03-11T04:30:00Z", "--tz", "Asia/Shanghai"])
    eq(rc, 0)
    rs = rows_of(out)
    eq([r["member_id"] for r in rs], ["A", "C", "D"])
    eq(rs[0]["send_at"], "2024-03-11T00:30:00-04:00")
    eq(rs[2]["send_at"], "2024-03-11T12:30:00+08:00")


@case
def t_signup_no_order_hours():
    camp = dict(SMS, trigger={"type": "signup_no_order", "hours": 24})
    asof = "2024-11-03T12:00:00+08:00"
    members = [
        m("A", phone="13800000001", consent_sms="1",
          signup_ts="2024-11-02T12:00:00+08:00"),          # exactly 24 h
        m("B", phone="13800000002", consent_sms="1",
          signup_ts="2024-11-02T12:00:01+08:00"),          # 23:59:59
        m("C", phone="13800000003", consent_sms="1",
          signup_ts="2024-11-01T12:00:00+08:00"),          # 48 h: out
        m("D", phone="13800000004", consent_sms="1",
          signup_ts="2024-11-01T12:00:01+08:00"),          # 47:59:59
        m("E", phone="13800000005", consent_sms="1",
          signup_ts="2024-11-02T10:00:00+08:00",
          last_order_ts="2024-11-02T11:00:00+08:00"),      # ordered
        m("F", phone="13800000006", consent_sms="1",
          signup_ts="2024-11-02T10:00:00+08:00",
          last_order_ts="2024-10-02T11:00:00+08:00"),      # before
    ]
    rc, out, _, _ = scenario(members, camp, ["--as-of", asof,
                                             "--tz", "Asia/Shanghai"])
    eq(rc, 0)
    eq([r["member_id"] for r in rows_of(out)], ["A", "D", "F"])


@case
def t_birthday_feb29_and_zone():
    camp = dict(SMS, trigger={"type": "birthday", "days_before": 0})
    members = [
        m("A", phone="13800000001", consent_sms="1", birthday="2000-02-29"),
        m("B", phone="13800000002", consent_sms="1", birthday="1990-02-28"),
        m("C", phone="13800000003", consent_sms="1", birthday="1990-03-01"),
        # New York is still on 02-27 at 2023-02-28T10:00+08:00
        m("D", phone="13800000004", consent_sms="1", birthday="1990-02-28",
          tz="America/New_York"),
        m("E", phone="13800000005", consent_sms="1", birthday="1990-02-27",
          tz="America/New_York"),
    ]
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2023-02-28T10:00:00+08:00", "--tz", "Asia/Shanghai"])
    eq(rc, 0)
    eq(sorted(r["member_id"] for r in rows_of(out)), ["A", "B", "E"])
    # in a leap year the 29th is its own day
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-02-28T10:00:00+08:00", "--tz", "Asia/Shanghai"])
    eq(sorted(r["member_id"] for r in rows_of(out)), ["B", "E"])
    camp = dict(SMS, trigger={"type": "birthday", "days_before": 3})
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2023-02-25T00:00:00+08:00", "--tz", "Asia/Shanghai"])
    eq(sorted(r["member_id"] for r in rows_of(out)), ["A", "B", "E"])
    eq(days_until_birthday(dt.date(2000, 2, 29), dt.date(2023, 3, 1)), 365)


@case
def t_member_day_month_end():
    camp = dict(SMS, trigger={"type": "member_day", "day": 31})
    members = [m("A", phone="13800000001", consent_sms="1"),
               m("B", phone="13800000002", consent_sms="1",
                 tz="Europe/London")]
    # 2024-04-30T23:30 +08:00: Shanghai's 30 April (the last day: the
    # 31st's stand-in), London's 30 April 16:30
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-04-30T23:30:00+08:00", "--tz", "Asia/Shanghai"])
    eq([r["member_id"] for r in rows_of(out)], ["A", "B"])
    # half an hour later Shanghai is on 1 May, London still on 30 April
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-05-01T00:00:00+08:00", "--tz", "Asia/Shanghai"])
    eq([r["member_id"] for r in rows_of(out)], ["B"])
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-05-31T00:00:00+08:00", "--tz", "Asia/Shanghai"])
    eq([r["member_id"] for r in rows_of(out)], ["A"])


@case
def t_tier_up_window():
    camp = dict(SMS, trigger={"type": "tier_up", "hours": 24,
                              "tiers": ["gold", "platinum"]},
                message="{{name|会员}} 升级为 {{trigger_tier}}")
    head = ("member_id,ts,type,points,balance,order_id,event_id,lot,rule,"
            "tier,qualifying\n")
    led = head + "".join(x + "\n" for x in [
        "A,2024-06-01T10:00:00+08:00,tier_up,0,10,,,,upgrade,gold,",
        "B,2024-05-31T10:00:00+08:00,tier_up,0,10,,,,upgrade,gold,",
        "C,2024-05-31T10:00:01+08:00,tier_up,0,10,,,,upgrade,gold,",
        "D,2024-06-01T09:00:00+08:00,tier_up,0,10,,,,upgrade,silver,",
        "E,2024-06-01T10:00:01+08:00,tier_up,0,10,,,,upgrade,gold,",
        "F,2024-05-31T12:00:00+08:00,tier_up,0,10,,,,upgrade,gold,",
        "F,2024-06-01T08:00:00+08:00,tier_up,0,10,,,,upgrade,platinum,",
        "F,2024-06-01T09:00:00+08:00,earn,10,20,O1,,,base,platinum,",
    ])
    members = [m(x, phone="1380000000%d" % i, consent_sms="1")
               for i, x in enumerate("ABCDEF")]
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
        "--ledger", "l.csv"], {"l.csv": led})
    eq(rc, 0)
    rs = rows_of(out)
    eq([r["member_id"] for r in rs], ["A", "C", "F"])
    eq(rs[2]["message"], "会员 升级为 platinum")


@case
def t_browse_no_buy():
    camp = dict(SMS, trigger={"type": "browse_no_buy", "hours": 2},
                message="{{trigger_sku}} {{trigger_event}}")
    ev = "member_id,ts,event,sku,category\n" + "".join(x + "\n" for x in [
        "A,2024-06-01T08:00:00+08:00,view,S1,c",     # exactly 2 h
        "B,2024-06-01T08:00:01+08:00,view,S2,c",     # 1:59:59
        "C,2024-05-31T08:00:00+08:00,view,S3,c",     # exactly 26 h: out
        "D,2024-05-31T08:00:01+08:00,cart,S4,c",
        "E,2024-06-01T07:00:00+08:00,login,S5,c",    # not a browse
        "F,2024-06-01T07:00:00+08:00,view,S6,c",
        "F,2024-06-01T06:00:00+08:00,cart,S7,c",
        "G,2024-06-01T07:00:00+08:00,view,S8,c",     # bought after
    ])
    members = [m(x, phone="1380000000%d" % i, consent_sms="1",
                 last_order_ts="2024-06-01T07:30:00+08:00" if x == "G"
                 else "2024-05-01T00:00:00+08:00")
               for i, x in enumerate("ABCDEFG")]
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
        "--events", "e.csv"], {"e.csv": ev})
    eq(rc, 0)
    eq([(r["member_id"], r["message"]) for r in rows_of(out)],
       [("A", "S1 view"), ("D", "S4 cart"), ("F", "S6 view")])


@case
def t_quiet_hours_midnight_month_end():
    camp = {"id": "q", "channels": [{"channel": "sms",
                                     "quiet_hours": "21:00-09:00"}],
            "message": "x"}
    members = [m("A", phone="13800000001", consent_sms="1"),
               m("B", phone="13800000002", consent_sms="1",
                 tz="America/New_York")]
    # 2024-01-31 23:30 Shanghai: quiet until 2024-02-01 09:00; New York
    # 10:30 on the 31st: not quiet.
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-01-31T23:30:00+08:00", "--tz", "Asia/Shanghai"])
    eq([(r["member_id"], r["send_at"]) for r in rows_of(out)],
       [("B", "2024-01-31T10:30:00-05:00"),
        ("A", "2024-02-01T09:00:00+08:00")])
    # 08:59:59 is quiet, 09:00:00 is not, 21:00:00 is
    for at, want in [("2024-02-29T08:59:59+08:00",
                      "2024-02-29T09:00:00+08:00"),
                     ("2024-02-29T09:00:00+08:00",
                      "2024-02-29T09:00:00+08:00"),
                     ("2024-02-29T21:00:00+08:00",
                      "2024-03-01T09:00:00+08:00"),
                     ("2024-12-31T20:59:59+08:00",
                      "2024-12-31T20:59:59+08:00"),
                     ("2024-12-31T21:00:00+08:00",
                      "2025-01-01T09:00:00+08:00")]:
        rc, out, _, _ = scenario(members[:1], camp, [
            "--as-of", at, "--tz", "Asia/Shanghai"])
        eq(rows_of(out)[0]["send_at"], want, at)
    # a send window of 10 hours: 23:30 -> 09:00 is 9.5 h, fine; from
    # 22:30 it is 10.5 h: quiet_hours
    camp2 = dict(camp, send_window_hours=10)
    rc, out, files, _ = scenario(members[:1], camp2, [
        "--as-of", "2024-01-31T22:30:00+08:00", "--tz", "Asia/Shanghai",
        "--explain", "x.csv"])
    eq(rows_of(out), [])
    eq([r["reason"] for r in rows_of(files["x.csv"])], ["quiet_hours"])
    # New York across the fall back: quiet 22:00-07:00, as-of 2024-11-03
    # 01:30 EDT: sent at 07:00 EST
    camp3 = {"id": "q", "channels": [{"channel": "sms",
                                      "quiet_hours": "22:00-07:00"}],
             "message": "x"}
    rc, out, _, _ = scenario(members[1:], camp3, [
        "--as-of", "2024-11-03T01:30:00-04:00", "--tz", "Asia/Shanghai"])
    eq(rows_of(out)[0]["send_at"], "2024-11-03T07:00:00-05:00")


@case
def t_suppression_wins():
    camp = {"id": "s", "channels": ["wechat", "sms", "email"],
            "message": "x"}
    members = [
        m("A", phone="13800000001", consent_sms="1", wechat_openid="oA",
          consent_wechat="1"),
        m("B", phone="+86 138-0000-0002", consent_sms="1"),
        m("C", email=" Foo@Example.COM ", consent_email="1"),
        m("D", phone="13800000004", consent_sms="1"),
        m("E", phone="13800000005", consent_sms="1"),
        m("phone:+8613800000006", phone="13800000006", consent_sms="1"),
    ]
    sup = "# staff\n\nA\n13800000002\nfoo@example.com\n" \
          "phone:+8613800000006\n"
    rc, out, files, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
        "--suppress", "s.txt", "--global-holdout", "100%",
        "--explain", "x.csv"], {"s.txt": sup})
    eq(rc, 0)
    eq(rows_of(out), [])
    eq([(r["member_id"], r["reason"]) for r in rows_of(files["x.csv"])],
       [("A", "suppressed"), ("B", "suppressed"), ("C", "suppressed"),
        ("D", "global_holdout"), ("E", "global_holdout"),
        ("phone:+8613800000006", "suppressed")])


@case
def t_channels_consent():
    camp = {"id": "ch", "channels": ["wechat", {"channel": "email",
                                                "consent": "opt-out"},
                                     "sms"],
            "message": "x"}
    members = [
        m("A", wechat_openid="oA", consent_wechat="YES"),
        m("B", wechat_openid="oB", consent_wechat="n", email="b@x.cn"),
        m("C", wechat_openid="oC", consent_wechat="", email="C@x.cn",
          consent_email="opt-out", phone="138****8000", consent_sms="1"),
        m("D", email="not-an-email", phone="12", consent_sms="1"),
        m("E", phone="13800000005", consent_sms="maybe"),
        m("F", phone="13800000006", consent_sms="0", email="f@x.cn",
          consent_email="false"),
    ]
    rc, out, files, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
        "--explain", "x.csv", "--rejects", "r.csv"])
    eq(rc, 0)
    eq([(r["member_id"], r["channel"], r["address"])
        for r in rows_of(out)],
       [("A", "wechat", "oA"), ("B", "email", "b@x.cn")])
    eq([(r["member_id"], r["reason"]) for r in rows_of(files["x.csv"])],
       [("C", "no_consent"), ("D", "unreachable"), ("F", "no_consent")])
    eq([r["reject_source"] for r in rows_of(files["r.csv"])], ["m.csv:6"])


@case
def t_cap_and_cooldown():
    camp = dict(SMS, id="w", cooldown_days=30, cap={"messages": 2,
                                                     "days": 7})
    hist = "campaign_id,member_id,channel,address,send_at\n" + "".join(
        x + "\n" for x in [
            # A: this campaign 30 days ago exactly: out of the cooldown
            "w,A,sms,+8613800000001,2024-05-02T10:00:00+08:00",
            # B: 29 days ago: cooldown
            "w,B,sms,+8613800000002,2024-05-03T10:00:00+08:00",
            # C: two messages in 7 days: capped
            "o,C,sms,+8613800000003,2024-05-26T10:00:01+08:00",
            "o,C,sms,+8613800000003,2024-06-01T09:00:00+08:00",
            # D: one exactly 7 days ago (not counted) and one scheduled
            "o,D,sms,+8613800000004,2024-05-25T10:00:00+08:00",
            "o,D,sms,+8613800000004,2024-06-02T09:00:00+08:00",
            # E: two in the window, one scheduled: capped
            "o,E,sms,+8613800000005,2024-05-30T10:00:00+08:00",
            "o,E,sms,+8613800000005,2024-06-03T09:00:00+08:00",
        ])
    members = [m(x, phone="1380000000%d" % (i + 1), consent_sms="1")
               for i, x in enumerate("ABCDE")]
    args = ["--as-of", "2024-06-01T10:00:00+08:00", "--tz",
            "Asia/Shanghai", "--history", "h.csv", "--explain", "x.csv",
            "--history-out", "h.csv"]
    rc, out, files, _ = scenario(members, camp, args, {"h.csv": hist})
    eq(rc, 0)
    eq([r["member_id"] for r in rows_of(out)], ["A", "D"])
    eq([(r["member_id"], r["reason"]) for r in rows_of(files["x.csv"])],
       [("B", "cooldown"), ("C", "capped"), ("E", "capped")])
    eq(len(rows_of(files["h.csv"])), 10)
    # --cap overrides: 3 in 7 days lets C and E through
    rc, out, files, _ = scenario(members, camp, args + ["--cap", "3/7"],
                                 {"h.csv": hist})
    eq([r["member_id"] for r in rows_of(out)], ["A", "C", "D", "E"])


@case
def t_sms_parts():
    eq(sms_parts("a" * 160), 1)
    eq(sms_parts("a" * 161), 2)
    eq(sms_parts("a" * 306), 2)
    eq(sms_parts("a" * 307), 3)
    eq(sms_parts("€" * 80), 1)            # 160 septets
    eq(sms_parts("€" * 80 + "a"), 2)
    # 152 septets, then an escape pair that must not be split
    eq(sms_parts("a" * 152 + "{" + "a" * 151), 2)
    eq(sms_parts("a" * 152 + "{" + "a" * 152), 3)
    eq(sms_parts("中" * 70), 1)
    eq(sms_parts("中" * 71), 2)
    eq(sms_parts("中" * 134), 2)
    eq(sms_parts("中" * 135), 3)
    eq(sms_parts("😀" * 35), 1)
    eq(sms_parts("😀" * 35 + "a"), 2)
    # 66 units and a surrogate pair that must not be split
    eq(sms_parts("中" * 66 + "😀" + "中" * 65), 2)
    eq(sms_parts("中" * 66 + "😀" + "中" * 66), 3)
    camp = {"id": "p", "channels": ["sms"], "message": "{{name}}"}
    members = [m("A", phone="13800000001", consent_sms="1", name="中" * 70),
               m("B", phone="13800000002", consent_sms="1", name="中" * 71),
               m("C", phone="13800000003", consent_sms="1", name="a" * 160),
               m("D", phone="13800000004", consent_sms="1", name="a" * 161)]
    rc, out, files, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
        "--max-sms-parts", "1", "--rejects", "r.csv"])
    eq(rc, 0)
    eq([(r["member_id"], r["sms_parts"]) for r in rows_of(out)],
       [("A", "1"), ("C", "1")])
    eq([r["reject_source"] for r in rows_of(files["r.csv"])],
       ["m.csv:3", "m.csv:5"])


@case
def t_follow_up():
    camp = {"id": "f", "channels": [
        {"channel": "wechat", "follow_up": {
            "channel": "sms", "delay_hours": 24, "quiet_hours": "22:00-08:00",
            "cost": "0.05", "message": "{{name|您}}别忘了 {{coupon_code}}"}},
        {"channel": "sms", "cost": "0.05"}],
        "message": "{{name|您}}好 {{coupon_code}} {{send_at}}"}
    members = [
        m("A", wechat_openid="oA", consent_wechat="1", phone="13800000001",
          consent_sms="1", name="王芳"),
        m("B", wechat_openid="oB", consent_wechat="1"),      # no phone
        m("C", phone="13800000003", consent_sms="1"),
    ]
    rc, out, files, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T23:00:00+08:00", "--tz", "Asia/Shanghai",
        "--coupons", "k.txt", "--coupons-out", "left.txt", "--dry-run"],
        {"k.txt": "K1\nK2\nK3\nK4\n"})
    eq(rc, 0)
    d = {r["measure"]: r["count"] for r in rows_of(out)}
    eq((d["sent"], d["rows"], d["follow_ups_unreachable"], d["cost"],
        d["sent.wechat"], d["sent.sms"], d["coupons_needed"]),
       ("3", "4", "1", "0.1", "2", "1", "3"))
    eq(sorted(files), ["k.txt"])
    rc, out, files, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T23:00:00+08:00", "--tz", "Asia/Shanghai",
        "--coupons", "k.txt", "--coupons-out", "left.txt"],
        {"k.txt": "K1\nK2\nK3\nK4\n"})
    eq([(r["member_id"], r["channel"], r["send_at"], r["message"],
         r["coupon_code"]) for r in rows_of(out)],
       [("A", "wechat", "2024-06-01T23:00:00+08:00",
         "王芳好 K1 2024-06-01T23:00:00+08:00", "K1"),
        ("B", "wechat", "2024-06-01T23:00:00+08:00",
         "您好 K2 2024-06-01T23:00:00+08:00", "K2"),
        ("C", "sms", "2024-06-01T23:00:00+08:00",
         "您好 K3 2024-06-01T23:00:00+08:00", "K3"),
        ("A", "sms", "2024-06-02T23:00:00+08:00", "王芳别忘了 K1", "K1")]
       if False else
       [("A", "wechat", "2024-06-01T23:00:00+08:00",
         "王芳好 K1 2024-06-01T23:00:00+08:00", "K1"),
        ("B", "wechat", "2024-06-01T23:00:00+08:00",
         "您好 K2 2024-06-01T23:00:00+08:00", "K2"),
        ("C", "sms", "2024-06-01T23:00:00+08:00",
         "您好 K3 2024-06-01T23:00:00+08:00", "K3"),
        ("A", "sms", "2024-06-03T08:00:00+08:00", "王芳别忘了 K1", "K1")])
    eq(files["left.txt"], "K4\n")


@case
def t_template_fallback_chinese():
    camp = {"id": "t", "channels": ["sms"],
            "message": "{{ name | 亲爱的会员 }}，{{segment|}}您好{{variant}}",
            "messages": {"b": "B：{{name|亲爱的会员}}"}}
    members = [m("A", phone="13800000001", consent_sms="1", name="陈静"),
               m("B", phone="13800000002", consent_sms="1", segment="vip"),
               m("C", phone="13800000003", consent_sms="1", variant="b"),
               m("D", phone="13800000004", consent_sms="1", variant="c",
                 name="Zoë")]
    rc, out, _, _ = scenario(members, camp, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai"])
    eq(rc, 0)
    eq([r["message"] for r in rows_of(out)],
       ["陈静，您好", "亲爱的会员，vip您好", "B：亲爱的会员", "Zoë，您好c"])
    eq(parse_template("{{ a|b }}", None, "x"), ["", ("a", "b"), ""])
    bad = dict(camp, message="{{nosuchfield}}")
    rc, out, _, err = scenario(members, bad, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai"])
    eq((rc, out), (2, ""))
    rc, out, _, err = scenario(members, dict(camp, message="{{name"), [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai"])
    eq((rc, out), (2, ""))
    # messages without message: a variant without a text is a reject
    rc, out, files, _ = scenario(members, {"id": "t", "channels": ["sms"],
                                           "messages": {"b": "x"}},
                                 ["--as-of", "2024-06-01T10:00:00+08:00",
                                  "--tz", "Asia/Shanghai",
                                  "--rejects", "r.csv"])
    eq(rc, 0)
    eq([r["member_id"] for r in rows_of(out)], ["C"])
    eq(len(rows_of(files["r.csv"])), 3)


@case
def t_coupons_short():
    members = [m("M%d" % i, phone="1380000000%d" % i, consent_sms="1")
               for i in range(5)]
    args = ["--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
            "--coupons", "k.txt", "--explain", "x.csv", "-o", "out.csv"]
    k = {"k.txt": "# codes\n K1 \n\nK2\nK3\n"}
    rc, out, files, err = scenario(members, SMS, args, k)
    eq(rc, 1)
    assert "5" in err, err
    eq(sorted(files), ["k.txt"])
    rc, out, files, err = scenario(members, SMS, args + [
        "--coupons-short", "skip"], k)
    eq(rc, 0)
    eq([(r["member_id"], r["coupon_code"])
        for r in rows_of(files["out.csv"])],
       [("M0", "K1"), ("M1", "K2"), ("M2", "K3")])
    eq([(r["member_id"], r["reason"]) for r in rows_of(files["x.csv"])],
       [("M3", "coupons"), ("M4", "coupons")])
    rc, out, files, err = scenario(members, SMS, args,
                                   {"k.txt": "K1\nK2\nK1\n"})
    eq((rc, sorted(files)), (1, ["k.txt"]))


@case
def t_budget_priority_ties():
    camp = {"id": "b", "channels": [{"channel": "sms", "cost": "0.0500"}],
            "message": "x"}
    members = [m("M1", phone="13800000001", consent_sms="1", monetary="100"),
               m("M2", phone="13800000002", consent_sms="1", monetary="300"),
               m("M3", phone="13800000003", consent_sms="1",
                 monetary="100.00"),
               m("M0", phone="13800000004", consent_sms="1", monetary=""),
               m("M4", phone="13800000005", consent_sms="1", monetary="99.5")]
    base = ["--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
            "--explain", "x.csv"]
    rc, out, files, _ = scenario(members, camp, base +
                                 ["--max-recipients", "3"])
    eq([r["member_id"] for r in rows_of(out)], ["M1", "M2", "M3"])
    eq([(r["member_id"], r["reason"]) for r in rows_of(files["x.csv"])],
       [("M0", "budget"), ("M4", "budget")])
    rc, out, files, _ = scenario(members, camp, base +
                                 ["--max-cost", "0.1"])
    eq([r["member_id"] for r in rows_of(out)], ["M1", "M2"])
    rc, out, files, _ = scenario(members, camp, base +
                                 ["--max-cost", "1", "--dry-run"])
    d = {r["measure"]: r["count"] for r in rows_of(out)}
    eq((d["sent"], d["cost"], d["not_sent.budget"]), ("5", "0.25", "0"))
    # the first who does not fit ends the list: a long SMS for M2 (first)
    long = list(members)
    long[1] = m("M2", phone="13800000002", consent_sms="1", monetary="300",
                name="x")
    camp2 = dict(camp, message="{{name}}" + "a" * 160)
    rc, out, files, _ = scenario(long, camp2, base + ["--max-cost", "0.1"])
    eq([r["member_id"] for r in rows_of(out)], ["M2"])
    camp3 = dict(camp2, message="{{name|" + "a" * 161 + "}}")
    rc, out, files, _ = scenario(long, camp3, base + ["--max-cost", "0.14",
                                                      "--priority",
                                                      "monetary"])
    eq([r["member_id"] for r in rows_of(out)], ["M2"])


@case
def t_rejects_and_all_rejected():
    members = [m("", phone="13800000001", consent_sms="1"),
               m("A", phone="13800000002", consent_sms="1", tz="Mars/Base"),
               m("B", phone="13800000003", consent_sms="1",
                 last_order_ts="yesterday")]
    camp = dict(SMS, trigger={"type": "inactive_days", "days": 3})
    rc, out, files, err = scenario(members, camp, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
        "-o", "o.csv"])
    eq(rc, 1)
    assert "o.csv" not in files
    rc, out, files, err = scenario(members + [m("C", phone="13800000004",
                                                consent_sms="1")], camp, [
        "--as-of", "2024-06-01T10:00:00+08:00", "--tz", "Asia/Shanghai",
        "--rejects", "r.csv", "--dry-run"])
    eq(rc, 0)
    eq([r["reject_source"] for r in rows_of(files["r.csv"])],
       ["m.csv:2", "m.csv:3", "m.csv:4"])
    d = {r["measure"]: r["count"] for r in rows_of(out)}
    eq((d["members"], d["audience"], d["triggered"]), ("4", "1", "0"))


@case
def t_phones():
    for s, want in [("13800138000", "+8613800138000"),
                    ("+86 138-0013-8000", "+8613800138000"),
                    ("0086 138 0013 8000", "+8613800138000"),
                    ("'13800138000", "+8613800138000"),
                    ('="13800138000"', "+8613800138000"),
                    ("8613800138000", "+8613800138000"),
                    ("138****8000", None),
                    ("010 6552 9988", "+861065529988"),
                    ("+1 (212) 555-0100", "+12125550100"),
                    ("12345", None), ("", None)]:
        eq(norm_phone(s, "86"), want, s)
    eq(norm_phone("020 7946 0958", "44"), "+442079460958")


def selftest():
    ok = bad = 0
    for fn in SELFTESTS:
        try:
            fn()
            ok += 1
        except AssertionError as e:
            bad += 1
            print("FAIL %s: %s" % (fn.__name__, e))
        except Exception as e:   # noqa
            bad += 1
            print("FAIL %s: %s: %s" % (fn.__name__, type(e).__name__, e))
    print("%d passed, %d failed" % (ok, bad))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
