#!/usr/bin/python3
"""oneid_reference.py: an independent reference for mbr-oneid.

Written from the contract (man/mbr-oneid.1, mbr(7)), not from the C
code.  Python 3 standard library only.

    python3 tests/oneid_reference.py [options] [file ...]
    python3 tests/oneid_reference.py --selftest
    python3 tests/oneid_reference.py --selftest-against PROGRAM
    python3 tests/oneid_reference.py --batch FILE

Options: those of mbr-oneid(1) but --explain and the CSV layout ones:
-q, -z, --map, --map-out, --audit, --profiles-out,
--max-members-per-identifier, --ignore-identifiers, --max-per-person,
--tz, --date-order, --input-format, --output-format, -o, --rejects
(NDJSON, or CSV when the name ends in .csv), --max-rejects.  Output
files (-o, --map-out, --audit, --profiles-out) are written only when the
run ends well (exit 0).  NDJSON is read and written, but every value is
written as a string.

--selftest runs the hand-computed cases; --selftest-against PROGRAM runs
them with PROGRAM (mbr-oneid) in the reference's place.  --batch FILE:
see batch() below.

The rules the man page settles (the lead's answers to the questions of
an earlier version), as the reference has them:

 S1  New people are numbered by their first time, the earliest
     first_seen of their identifiers (as --map-out writes it: any
     record of this run that carried one, or the map's first_seen of an
     identifier taken out of a map person); people without one after
     those with one; then their least identifier (byte order).
 S2  A record's identifier set is its distinct identifiers less those
     listed in --ignore-identifiers; a set of one identifier (after
     that) is no set and is counted nowhere (not in a set's count, not
     for candidates, not as the source of a placeholder).  Candidates:
     identifiers in more than n distinct sets.  A candidate's would-be
     people: the distinct people (after the pass that links every set
     with every candidate left out) among the other identifiers of its
     sets, another candidate counting as the person it stands in (its
     own, unless the map joined it).  Strength: the set's count, its
     earliest record time (none last), its identifiers in byte order one
     by one (a set that begins another first).
 S3  Audit rows sorted by reason (ignored, placeholder, cut), then
     identifier, then linked_to (empty first), byte order.
     cut: identifier the end that was not linked, linked_to the end the
     set is linked from (its first identifier in byte order of those
     taking part); one row per set whose link was cut; records the
     set's count; source the set's first record; detail "the person
     would have N TYPE identifiers (at most CAP)".
     placeholder: people its would-be people, records the records of
     this run that carried it, detail "shared by N would-be people (more
     than MAX)", source the first record of the earliest set holding it.
     ignored: people empty, records the records of this run that carried
     it, detail "listed in --ignore-identifiers", source IGNOREFILE:LINE
     of the (first) line listing it.
 S4  Times: ISO 8601 (a date alone is midnight; 'T' or a blank before
     the clock) and the other forms mbr-ingest(1) reads: '2024/11/11
     0:00', '11/11/2024 0:00' (--date-order, mdy by default),
     '2024年11月11日 00:00:05', epoch seconds, epoch milliseconds (12
     digits or more).  Kept to the second: a fraction is dropped, in
     comparisons and in first_seen.
 S5  --profiles-out columns: the profile records' fields in the order
     the profile records first had them, then member_id,
     source_member_id and identifiers when absent.
 S6  Output (CSV): the union of the inputs' columns in the order first
     seen, then member_id and source_member_id if no input had them.
     NDJSON: each record's fields in their order, source_member_id right
     after member_id (member_id last when the record had none).

READINGS of the contract where it still leaves a choice:

 R1  A record's identifiers: source_member_id when not empty, else
     member_id (both trimmed of blanks), then the identifiers field's
     entries; a record with an empty member_id "belongs" by its first
     identifier, which it is written with as source_member_id.
 R2  The kept candidates' sets are linked in one strength order, leaving
     out the candidates not kept, which are then judged again against
     the people so made, until no more is kept.  A set linked again
     cuts a link it cut before once only (one audit row per set and
     link).
 R3  Caps: a link between two people is cut when for some capped type
     both have identifiers of it and together more than the cap (a
     person of the map over the cap may still take a person with none
     of that type); the type named in the detail is the first such in
     the order --max-per-person lists them.  A cap is at least 1.
 R4  A placeholder (by count) that the map had joined to a person stays
     in it (map links are never cut); only --ignore-identifiers takes an
     identifier out of a map person.  An identifier taken out gets a new
     id (its map row: member_id the new id, merged_into empty) unless it
     is all there was of its map person, or (all of it being ignored) the
     least identifier of it, which keeps the id.
 R5  first_seen: the time of the earliest record (as an instant) that
     carried the identifier, written in the offset it was read in
     (YYYY-MM-DDTHH:MM:SS+HH:MM, Z as +00:00; a time without an offset
     in the one --tz gives it), or the map's text when the map's is not
     later; between equal instants the earlier read.
 R6  --map-out, --audit and --profiles-out are CSV unless the output
     format is NDJSON.  Ignored identifiers have an audit row when a
     record or the map mentions them (records 0 for one only in the
     map).  The oldest of several ids: oneid:N by N, other forms after
     them in byte order.
"""

import csv
import datetime as dt
import gzip
import io
import json
import os
import re
import sys
import tempfile

PROG = "oneid_reference.py"


class UsageError(Exception):
    pass


class Fail(Exception):
    pass


class IOFail(Exception):
    pass


# ------------------------------------------------------------------ CSV


# The fields of a member profile (mbr(7)) but member_id and
# identifiers: a record with one of them set, and no order_id or
# event, is a profile for --profiles-out.
PROFILE_FIELDS = ("name", "gender", "birthday", "signup_ts", "phone",
                  "email", "wechat_openid", "wecom_id", "app_token",
                  "consent_sms", "consent_email", "consent_wechat",
                  "consent_wecom", "consent_app", "consent_call", "tier",
                  "tz", "updated_at")

def csv_field(s):
    s = "" if s is None else str(s)
    if s and (s[0] in " \t" or s[-1] in " \t" or
              any(ch in s for ch in ',"\r\n')):
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_line(vals):
    return ",".join(csv_field(v) for v in vals) + "\n"


def json_line(pairs):
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" +
                          json.dumps(v, ensure_ascii=False)
                          for k, v in pairs) + "}\n"


def read_bytes(path):
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise IOFail("%s: %s" % (path, e.strerror))
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def read_records(path, fmt=None):
    """(header, [(fields dict, line)], format) from CSV or NDJSON."""
    data = read_bytes(path)
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if fmt is None:
        fmt = "ndjson" if text[:1] == "{" else "csv"
    if fmt == "ndjson":
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

CLOCK = r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?"
OFFSET = r"(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?"
TIME_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})" + CLOCK + OFFSET + "$")
TIME_YMD = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})" + CLOCK + OFFSET + "$")
TIME_XXY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + CLOCK + OFFSET + "$")
TIME_CJK = re.compile("^(\\d{4})\u5e74(\\d{1,2})\u6708(\\d{1,2})\u65e5" +
                      CLOCK + OFFSET + "$")
TIME_EPOCH = re.compile(r"^\d{1,16}$")
DATE_ORDER = ["mdy"]    # --date-order
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

def zone_of(name):
    if name is None:
        name = os.environ.get("TZ")
    if not name:
        return None     # the system's
    from zoneinfo import ZoneInfo
    m = re.match(r"^(?:UTC)?([+-])(\d{2}):?(\d{2})$", name)
    if m:
        sg = 1 if m.group(1) == "+" else -1
        return dt.timezone(sg * dt.timedelta(hours=int(m.group(2)),
                                              minutes=int(m.group(3))))
    if name in ("UTC", "Z"):
        return dt.timezone.utc
    try:
        return ZoneInfo(name.lstrip(":"))
    except Exception:
        raise UsageError("--tz %s: unknown zone" % name)


def fmt_off(off):
    secs = int(off.total_seconds())
    sg = "+" if secs >= 0 else "-"
    secs = abs(secs)
    s = "%s%02d:%02d" % (sg, secs // 3600, secs % 3600 // 60)
    if secs % 60:
        s += ":%02d" % (secs % 60)
    return s


def parse_time(s, z):
    """(aware datetime, its text as first_seen writes it) or None: the
    forms of S4, kept to the second."""
    s = s.strip()
    if TIME_EPOCH.match(s):
        v = int(s)
        if len(s) >= 12:
            v //= 1000
        t = EPOCH + dt.timedelta(seconds=v)
        if z is None:
            t = t.astimezone()
        else:
            t = t.astimezone(z)
        return t, t.strftime("%Y-%m-%dT%H:%M:%S") + fmt_off(t.utcoffset())
    m = TIME_ISO.match(s) or TIME_YMD.match(s) or TIME_CJK.match(s)
    if m:
        y, mo, d, h, mi, se, frac, off = m.groups()
    else:
        m = TIME_XXY.match(s)
        if not m or DATE_ORDER[0] == "ymd":
            return None
        a, b, y, h, mi, se, frac, off = m.groups()
        mo, d = (a, b) if DATE_ORDER[0] == "mdy" else (b, a)
    try:
        t = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0),
                        int(se or 0))
    except ValueError:
        return None
    if off:
        if off == "Z":
            tz = dt.timezone.utc
        else:
            sg = 1 if off[0] == "+" else -1
            digits = off[1:].replace(":", "")
            hh, mm = int(digits[0:2]), int(digits[2:4] or 0)
            ss = int(digits[4:6] or 0)
            if hh > 23 or mm > 59 or ss > 59:
                return None
            tz = dt.timezone(sg * dt.timedelta(hours=hh, minutes=mm,
                                                seconds=ss))
        t = t.replace(tzinfo=tz)
    else:
        if z is None:
            t = t.astimezone()      # the system's zone
        else:
            t = t.replace(tzinfo=z)
    text = t.strftime("%Y-%m-%dT%H:%M:%S") + fmt_off(t.utcoffset())
    return t, text


# ---------------------------------------------------------------- model

def id_type(x):
    i = x.find(":")
    return x[:i] if i >= 0 else "member"


def oneid(n):
    return "oneid:%09d" % n


ONEID_RE = re.compile(r"^oneid:(\d+)$")


class Rec:
    __slots__ = ("src", "fields", "order", "ids", "primary", "time",
                 "text", "kind", "key", "came")


class UF:
    def __init__(self):
        self.p = {}
        self.cnt = {}       # root -> {type: n}

    def add(self, x):
        if x not in self.p:
            self.p[x] = x
            self.cnt[x] = {id_type(x): 1}

    def find(self, x):
        r = x
        while self.p[r] != r:
            r = self.p[r]
        while self.p[x] != r:
            self.p[x], x = r, self.p[x]
        return r

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if ra > rb:
            ra, rb = rb, ra
        self.p[rb] = ra
        ca = self.cnt[ra]
        for t, n in self.cnt.pop(rb).items():
            ca[t] = ca.get(t, 0) + n


def split_ids(rec):
    prim = (rec.get("source_member_id") or "").strip()
    if not prim:
        prim = (rec.get("member_id") or "").strip()
    ids = []
    seen = set()
    if prim:
        ids.append(prim)
        seen.add(prim)
    for e in (rec.get("identifiers") or "").split("|"):
        e = e.strip(" \t")
        if e and e not in seen:
            seen.add(e)
            ids.append(e)
    return prim, ids


def parse_caps(s):
    caps = {}
    for part in s.split(","):
        part = part.strip()
        m = re.match(r"^([^=\s]+)=(\d+)$", part)
        if not m:
            raise UsageError("--max-per-person %s: not type=n[,...]" % s)
        if int(m.group(2)) < 1:
            raise UsageError("--max-per-person %s: a cap is at least 1" % s)
        caps[m.group(1)] = int(m.group(2))
    return caps


def read_lines_file(path):
    """{identifier: its first line number} of an --ignore-identifiers
    file"""
    out = {}
    for i, line in enumerate(read_bytes(path).decode("utf-8").split("\n"),
                             1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.setdefault(line, i)
    return out


def read_map(path, z):
    head, rows, _ = read_records(path)
    if "identifier" not in head or "member_id" not in head:
        raise UsageError("%s: not an identity map (no identifier and "
                         "member_id columns)" % path)
    m = {}
    for r, line in rows:
        x = r.get("identifier", "").strip()
        mid = r.get("member_id", "").strip()
        if not x or not mid:
            raise UsageError("%s:%d: not an identity link" % (path, line))
        if x in m:
            raise UsageError("%s:%d: identifier %s twice" % (path, line, x))
        fs = r.get("first_seen", "").strip()
        fst = None
        if fs:
            p = parse_time(fs, z)
            if p is None:
                raise UsageError("%s:%d: first_seen \"%s\" is not a time"
                                 % (path, line, fs))
            fst = p[0]
        seen = r.get("seen", "").strip() or "0"
        if not seen.isdigit():
            raise UsageError("%s:%d: seen \"%s\" is not a count"
                             % (path, line, seen))
        m[x] = {"member_id": mid, "merged_into":
                r.get("merged_into", "").strip(), "first_seen": fs,
                "fst": fst, "seen": int(seen),
                "src": "%s:%d" % (path, line)}
    return m


def cur_id(row):
    return row["merged_into"] or row["member_id"]


def id_age(v):
    """sort key of ids, the oldest first: oneid:N by N, then any other
    form in byte order"""
    m = ONEID_RE.match(v)
    return (0, int(m.group(1)), "") if m else (1, 0, v)


REASONS = {"ignored": 0, "placeholder": 1, "cut": 2}


def run(o, stdout, stderr):
    z = zone_of(o["tz"])
    DATE_ORDER[0] = o["date_order"]
    n_max = o["max_members"]
    caps = o["caps"]
    ignore = read_lines_file(o["ignore"]) if o["ignore"] else {}
    prev = read_map(o["map"], z) if o["map"] else {}

    # ---- pass 1: read
    files = o["files"] or ["-"]
    recs = []
    heads = []
    fmt_out = o["output_format"]
    rejects = []
    for path in files:
        head, rows, fmt = read_records(path, o["input_format"])
        if fmt_out is None:
            fmt_out = fmt
        for h in head:
            if h not in heads:
                heads.append(h)
        name = "stdin" if path == "-" else path
        for fields, line in rows:
            src = "%s:%d" % (name, line)
            prim, ids = split_ids(fields)
            if not ids:
                rejects.append((fields, src, "no member identity"))
                continue
            t = None
            for f in ("ts", "updated_at", "signup_ts"):
                v = fields.get(f, "")
                if v.strip():
                    t = parse_time(v, z)
                    if t is None:
                        rejects.append((fields, src, "bad time"))
                    break
            else:
                t = (None, None)
            if t is None:
                continue
            r = Rec()
            r.src = src
            r.fields = fields
            r.ids = ids
            r.primary = ids[0]
            r.time, r.text = t
            if fields.get("order_id", ""):
                r.kind = "order"
            elif fields.get("event", ""):
                r.kind = "event"
            elif any(fields.get(k, "").strip(" \t")
                     for k in PROFILE_FIELDS):
                r.kind = "profile"
            else:
                # keyed by member and nothing else (points events,
                # variants): rewritten, merged into no profile
                r.kind = "keyed"
            r.key = tuple(sorted(x for x in ids if x not in ignore))
            # a record without a member_id came with its first
            # identifier (so that a run over the output keeps its id)
            r.came = fields.get("source_member_id", "") or \
                fields.get("member_id", "") or ids[0]
            recs.append(r)
    nread = len(recs) + len(rejects)
    if fmt_out is None:
        fmt_out = "csv"

    # ---- identifiers and sets (S2: a set is of two identifiers or more)
    idstat = {}     # x -> [seen, first time, its text]
    sets = {}       # key -> [count, earliest, first src]
    for r in recs:
        for x in r.ids:
            s = idstat.get(x)
            if s is None:
                idstat[x] = [1, r.time, r.text]
            else:
                s[0] += 1
                if r.time is not None and (s[1] is None or r.time < s[1]):
                    s[1], s[2] = r.time, r.text
        if len(r.key) < 2:
            continue
        s = sets.get(r.key)
        if s is None:
            sets[r.key] = [1, r.time, r.src]
        else:
            s[0] += 1
            if r.time is not None and (s[1] is None or r.time < s[1]):
                s[1] = r.time

    def strength(key):
        c, t, _ = sets[key]
        return (-c, (0, t) if t is not None else (1, EPOCH), key)

    order = sorted(sets, key=strength)
    # the order the sets were first seen in (their first records)
    first_of = {key: i for i, key in enumerate(dict.fromkeys(
        r.key for r in recs if len(r.key) >= 2))}
    uf = UF()
    for x in sorted(set(prev) | set(idstat)):
        uf.add(x)
    ignored = set(x for x in ignore if x in uf.p)

    # ---- 1. the map's people, ignored identifiers taken out
    groups = {}
    for x, row in prev.items():
        groups.setdefault(cur_id(row), []).append(x)
    detached = set()
    for g, xs in groups.items():
        xs.sort()
        keep = [x for x in xs if x not in ignored]
        if not keep:
            keep = xs[:1]
        for x in xs:
            if x not in keep:
                detached.add(x)
        for x in keep[1:]:
            uf.union(keep[0], x)

    audit = []
    for x in sorted(ignored):
        audit.append(("ignored", x, "", "", idstat[x][0] if x in idstat
                      else 0, "listed in --ignore-identifiers",
                      "%s:%d" % (o["ignore"], ignore[x])))
    cut_done = set()
    ncut = [0]

    def link(a, b, key):
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            return
        for t, cap in caps.items():
            ca = uf.cnt[ra].get(t, 0)
            cb = uf.cnt[rb].get(t, 0)
            if ca > 0 and cb > 0 and ca + cb > cap:
                if (key, a, b) not in cut_done:
                    cut_done.add((key, a, b))
                    ncut[0] += 1
                    audit.append(("cut", b, a, "", sets[key][0],
                                  "the person would have %d %s identifiers "
                                  "(at most %d)" % (ca + cb, t, cap),
                                  sets[key][2]))
                return
        uf.union(ra, rb)

    def link_set(key, out):
        xs = [x for x in key if x not in out]
        for x in xs[1:]:
            link(xs[0], x, key)

    # ---- 2. this run's sets, candidates left out
    nsets = {}
    for key in sets:
        for x in key:
            nsets[x] = nsets.get(x, 0) + 1
    cand = set(x for x, c in nsets.items() if c > n_max)
    for key in order:
        link_set(key, cand)

    # ---- 3. the candidates, each judged on that one state
    keysof = {}
    for key in order:
        for x in key:
            if x in cand:
                keysof.setdefault(x, []).append(key)
    # judged against the people as linked without the candidates not
    # kept; the kept ones' sets linked (strongest first), the rest
    # judged again, until no more is kept
    placeholders = set(cand)
    while True:
        newly = set()
        for c in sorted(placeholders):
            people = set()
            for key in keysof[c]:
                for y in key:
                    if y != c:
                        people.add(uf.find(y))
            if len(people) <= n_max:
                newly.add(c)
        if not newly:
            break
        placeholders -= newly
        for key in order:
            if any(x in newly for x in key):
                link_set(key, placeholders)
    for c in sorted(placeholders):
        people = set()
        for key in keysof[c]:
            for y in key:
                if y != c:
                    people.add(uf.find(y))
        first = min(keysof[c], key=lambda k: first_of[k])
        audit.append(("placeholder", c, "", len(people), idstat[c][0],
                      "shared by %d would-be people (more than %d)"
                      % (len(people), n_max), sets[first][2]))
    aside = ignored | placeholders
    audit.sort(key=lambda a: (REASONS[a[0]], a[1], a[2]))

    # ---- first_seen, as the map out has it
    fseen = {}      # x -> (its instant or None, its text)
    for x in uf.p:
        fs, fst = "", None
        if x in prev:
            fs, fst = prev[x]["first_seen"], prev[x]["fst"]
        s = idstat.get(x)
        if s is not None and s[1] is not None and (fst is None or
                                                   s[1] < fst):
            fs, fst = s[2], s[1]
        fseen[x] = (fst, fs)

    # ---- people and ids
    high = 0
    for row in prev.values():
        for v in (row["member_id"], row["merged_into"]):
            m = ONEID_RE.match(v)
            if m:
                high = max(high, int(m.group(1)))
    comps = {}
    for x in uf.p:
        comps.setdefault(uf.find(x), []).append(x)

    def belongs(r):
        if r.primary not in aside:
            return r.primary
        for x in r.ids:
            if x not in aside:
                return x
        return r.primary

    owner = [uf.find(belongs(r)) for r in recs]
    pid = {}
    merged = {}     # old id -> survivor
    new = []
    for root, xs in comps.items():
        olds = set(cur_id(prev[x]) for x in xs
                   if x in prev and x not in detached)
        if olds:
            surv = min(olds, key=id_age)
            pid[root] = surv
            for v in olds:
                if v != surv:
                    merged[v] = surv
        else:
            ts = [fseen[x][0] for x in xs if fseen[x][0] is not None]
            new.append(((0, min(ts)) if ts else (1, EPOCH), min(xs), root))
    new.sort()
    for k, (_, _, root) in enumerate(new, 1):
        pid[root] = oneid(high + k)

    # ---- the map out
    maprows = []
    for x in uf.p:
        cid = pid[uf.find(x)]
        seen = 0
        if x in prev and x not in detached:
            mid = prev[x]["member_id"]
            into = cid if cid != mid else ""
        else:
            mid, into = cid, ""
        if x in prev:
            seen = prev[x]["seen"]
        if x in idstat:
            seen += idstat[x][0]
        maprows.append((cid, x, mid, fseen[x][1], into, str(seen)))
    maprows.sort()

    # ---- output
    nrej = len(rejects)
    nnew = len(new)
    summary = ("%s: %d records, %d identifiers, %d people (%d new, %d "
               "merged), %d set aside, %d links cut, %d rejects"
               % (PROG, len(recs), len(uf.p), len(comps), nnew, len(merged),
                  len(aside), ncut[0], nrej))
    if o["rejects"]:
        write_rejects(o["rejects"], rejects)
    elif rejects:
        for f, src, why in rejects[:5]:
            print("%s: %s: %s" % (PROG, src, why), file=stderr)
    if not o["quiet"]:
        print(summary, file=stderr)
        why = {}
        for _, _, w in rejects:
            why[w] = why.get(w, 0) + 1
        for w, k in why.items():
            print("%s: %d rejected: %s" % (PROG, k, w), file=stderr)
    limit = o["max_rejects"]
    if limit is not None:
        n, pct = limit
        over = (nrej * 100 > n * nread) if pct else (nrej > n)
        if over:
            print("%s: %d rejects, over --max-rejects" % (PROG, nrej),
                  file=stderr)
            return 1
    elif nread and nrej == nread:
        print("%s: all %d records rejected" % (PROG, nrej), file=stderr)
        return 1

    out_head = list(heads)
    if "member_id" not in out_head:
        out_head.append("member_id")
    if "source_member_id" not in out_head:
        out_head.append("source_member_id")
    buf = io.StringIO()
    if fmt_out == "csv":
        buf.write(csv_line(out_head))
    for r, root in zip(recs, owner):
        f = dict(r.fields)
        f["member_id"] = pid[root]
        f["source_member_id"] = r.came
        if fmt_out == "csv":
            buf.write(csv_line([f.get(h, "") for h in out_head]))
        else:
            keys = [k for k in r.fields if k != "source_member_id"]
            if "member_id" not in keys:
                keys.append("member_id")
            i = keys.index("member_id")
            keys.insert(i + 1, "source_member_id")
            buf.write(json_line([(k, f[k]) for k in keys]))
    outputs = [(o["out"], buf.getvalue())]

    if o["map_out"]:
        outputs.append((o["map_out"], table(
            fmt_out, ["identifier", "member_id", "first_seen",
                      "merged_into", "seen"],
            [(x, mid, fs, into, seen)
             for _, x, mid, fs, into, seen in maprows])))
    if o["audit"]:
        outputs.append((o["audit"], table(
            fmt_out, ["reason", "identifier", "linked_to", "people",
                      "records", "detail", "source"],
            [[str(v) for v in a] for a in audit])))
    if o["profiles_out"]:
        outputs.append((o["profiles_out"],
                        profiles(recs, owner, pid, comps, fmt_out, z)))
    for path, text in outputs:
        data = text.encode("utf-8")
        if o["gzip"] and path == o["out"]:
            data = gzip.compress(data, mtime=0)
        if path is None or path == "-":
            if hasattr(stdout, "buffer"):
                stdout.flush()
                stdout.buffer.write(data)
                stdout.buffer.flush()
            else:
                stdout.write(data.decode("utf-8"))
        else:
            tmp = path + ".ref.tmp"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
    return 0


def table(fmt, head, rows):
    if fmt == "csv":
        return csv_line(head) + "".join(csv_line(r) for r in rows)
    return "".join(json_line(list(zip(head, r))) for r in rows)


CONSENT_NO = ("no", "n", "0", "false", "opt-out")


def profiles(recs, owner, pid, comps, fmt, z):
    head = []
    per = {}
    for i, (r, root) in enumerate(zip(recs, owner)):
        if r.kind != "profile":
            continue
        for k in r.fields:
            if k not in head:
                head.append(k)
        per.setdefault(root, []).append((i, r))
    for k in ("member_id", "source_member_id", "identifiers"):
        if k not in head:
            head.append(k)
    rows = []
    for root, rs in per.items():
        def rank(p):
            i, r = p
            u = r.fields.get("updated_at", "").strip()
            t = parse_time(u, z) if u else None
            return ((1, t[0]) if t else (0, EPOCH), i)
        rs = sorted(rs, key=rank)       # oldest first, the last read last
        f = {}
        for k in head:
            v = ""
            if k.startswith("consent_"):
                nos = [r.fields.get(k, "") for _, r in rs
                       if r.fields.get(k, "").strip().lower() in CONSENT_NO]
                if nos:
                    f[k] = nos[-1]
                    continue
            for _, r in rs:
                if r.fields.get(k, ""):
                    v = r.fields[k]
            f[k] = v
        f["member_id"] = pid[root]
        f["source_member_id"] = "|".join(sorted(set(r.came for _, r in rs)))
        f["identifiers"] = "|".join(sorted(comps[root]))
        rows.append((pid[root], [f[k] for k in head]))
    rows.sort()
    return table(fmt, head, [r for _, r in rows])


def write_rejects(path, rejects):
    with open(path, "w", encoding="utf-8") as fh:
        if path.endswith(".csv"):
            head = []
            for f, _, _ in rejects:
                for k in f:
                    if k not in head:
                        head.append(k)
            head += ["reject_reason", "reject_source"]
            fh.write(csv_line(head))
            for f, src, why in rejects:
                g = dict(f, reject_reason=why, reject_source=src)
                fh.write(csv_line([g.get(k, "") for k in head]))
        else:
            for f, src, why in rejects:
                fh.write(json_line(list(f.items()) +
                                   [("reject_reason", why),
                                    ("reject_source", src)]))


# ---------------------------------------------------------------- options

def parse_options(argv):
    o = {"quiet": False, "gzip": False, "map": None, "map_out": None,
         "audit": None, "profiles_out": None, "max_members": 20,
         "ignore": None, "caps": {}, "tz": None, "input_format": None,
         "output_format": None, "out": None, "rejects": None,
         "max_rejects": None, "files": [], "selftest": False,
         "date_order": "mdy",
         "batch": None}
    takes = {"--map": "map", "--map-out": "map_out", "--audit": "audit",
             "--profiles-out": "profiles_out",
             "--max-members-per-identifier": "max_members",
             "--ignore-identifiers": "ignore", "--max-per-person": "caps",
             "--tz": "tz", "--input-format": "input_format",
             "--output-format": "output_format", "-o": "out",
             "--rejects": "rejects", "--max-rejects": "max_rejects",
             "--date-order": "date_order"}
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            o["files"] += argv[i:]
            break
        if a == "--selftest":
            o["selftest"] = True
            continue
        if a == "--batch":
            if i >= len(argv):
                raise UsageError("--batch needs a file")
            o["batch"] = argv[i]
            i += 1
            continue
        if a == "--selftest-against":
            global AGAINST
            if i >= len(argv):
                raise UsageError("--selftest-against needs a program")
            AGAINST = os.path.abspath(argv[i])
            o["selftest"] = True
            i += 1
            continue
        if a == "--explain" or a.startswith("--explain="):
            raise UsageError("--explain: not in the reference")
        if a.startswith("--") and "=" in a:
            a, v = a.split("=", 1)
            argv = argv[:i] + [v] + argv[i:]
        if a in takes:
            if i >= len(argv):
                raise UsageError("%s needs an argument" % a)
            v = argv[i]
            i += 1
            k = takes[a]
            if k == "max_members":
                if not v.isdigit() or int(v) < 1:
                    raise UsageError("%s %s: not a count" % (a, v))
                v = int(v)
            elif k == "caps":
                v = parse_caps(v)
            elif k == "max_rejects":
                m = re.match(r"^(\d+)(%?)$", v)
                if not m:
                    raise UsageError("%s %s: not n or n%%" % (a, v))
                v = (int(m.group(1)), bool(m.group(2)))
            elif k == "date_order":
                if v not in ("mdy", "dmy", "ymd"):
                    raise UsageError("%s %s: mdy, dmy or ymd" % (a, v))
            elif k in ("input_format", "output_format"):
                if v not in ("csv", "ndjson"):
                    raise UsageError("%s %s: csv or ndjson" % (a, v))
            o[k] = v
        elif a.startswith("-") and a != "-" and not a.startswith("--"):
            for ch in a[1:]:
                if ch == "q":
                    o["quiet"] = True
                elif ch == "z":
                    o["gzip"] = True
                else:
                    raise UsageError("-%s: unknown option" % ch)
        elif a.startswith("--"):
            if a == "--quiet":
                o["quiet"] = True
            else:
                raise UsageError("%s: unknown option" % a)
        else:
            o["files"].append(a)
    return o


def main(argv, stdout=None, stderr=None):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        o = parse_options(argv)
        if o["selftest"]:
            return selftest()
        if o["batch"]:
            return batch(o["batch"])
        return run(o, stdout, stderr)
    except UsageError as e:
        print("%s: %s" % (PROG, e), file=stderr)
        return 2
    except Fail as e:
        print("%s: %s" % (PROG, e), file=stderr)
        return 1
    except IOFail as e:
        print("%s: %s" % (PROG, e), file=stderr)
        return 3
    except OSError as e:
        print("%s: %s: %s" % (PROG, e.filename, e.strerror), file=stderr)
        return 3


def batch(path):
    """--batch FILE: runs of the reference one after the other, in one
    process (for the property test: a Python start costs more than a
    small run).  Each line: a directory, a file for standard error and
    one for the exit status, tab-separated, then a tab and the
    arguments, separated by blanks (none may hold one)."""
    with open(path, encoding="utf-8") as f:
        lines = [x.rstrip("\n") for x in f if x.strip()]
    old = os.getcwd()
    for line in lines:
        d, errf, rcf, args = line.split("\t", 3)
        os.chdir(os.path.join(old, d))
        try:
            err = io.StringIO()
            rc = main(args.split(), sys.stdout, err)
            with open(errf, "w", encoding="utf-8") as f:
                f.write(err.getvalue())
            with open(rcf, "w") as f:
                f.write("%d\n" % rc)
        finally:
            os.chdir(old)
    return 0


# ---------------------------------------------------------------- selftest

SELFTESTS = []


def case(fn):
    SELFTESTS.append(fn)
    return fn



ORD = "order_id,member_id,ts,amount,currency,status,channel,identifiers"
EVT = "member_id,ts,event,identifiers"
PRO = "member_id,phone,email,updated_at,identifiers"


def scenario(files, args, names=None, quiet=True):
    """Runs the reference in a fresh directory on files ({name: text}),
    with args (and -q when quiet) and the inputs names (default: files
    in their order); returns (rc, stdout, {name: text of each file
    written}, stderr)."""
    with tempfile.TemporaryDirectory() as d:
        old = os.getcwd()
        os.chdir(d)
        try:
            for k, v in files.items():
                with open(k, "w", encoding="utf-8") as f:
                    f.write(v)
            before = set(os.listdir("."))
            out, err = io.StringIO(), io.StringIO()
            ins = list(files) if names is None else list(names)
            q = ["-q"] if quiet else []
            if AGAINST:
                import subprocess
                p = subprocess.run([AGAINST] + q + list(args) + ins,
                                   capture_output=True)
                rc = p.returncode
                out.write(p.stdout.decode("utf-8", "replace"))
                err.write(p.stderr.decode("utf-8", "replace"))
            else:
                rc = main(q + list(args) + ins, out, err)
            left = {}
            for k in sorted(os.listdir(".")):
                if k not in before:
                    with open(k, encoding="utf-8") as f:
                        left[k] = f.read()
        finally:
            os.chdir(old)
    return rc, out.getvalue(), left, err.getvalue()


def text(head, *rows):
    return head + "\n" + "".join(r + "\n" for r in rows)


def rows_of(t):
    rows = list(csv.reader(io.StringIO(t)))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def eq(got, want, what=""):
    if got == want:
        return
    if isinstance(got, list) and isinstance(want, list):
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                raise AssertionError("%s: [%d]: got %r, want %r (%d and "
                                     "%d items)" % (what, i, g, w, len(got),
                                                    len(want)))
    g, w = repr(got), repr(want)
    if len(g) + len(w) > 600:
        g, w = g[:300] + "...", w[:300] + "..."
    raise AssertionError("%s: got %s, want %s" % (what, g, w))


def T(day, hm):
    return "2024-11-%02dT%s:00+08:00" % (day, hm)


def id_of(out):
    """source_member_id -> member_id of every output record"""
    d = {}
    for r in rows_of(out):
        d.setdefault(r["source_member_id"], set()).add(r["member_id"])
    return {k: min(v) if len(v) == 1 else v for k, v in d.items()}


def map_of(t):
    return {r["identifier"]: (r["member_id"], r["merged_into"])
            for r in rows_of(t)}


@case
def t_chain_over_three_files():
    # nick -(Tmall order)- phone -(profile)- e-mail -(mini-program)-
    # openid: one person; openid:oB alone, seen first, takes id 1.
    files = {
        "tmall.csv": text(ORD, "T1,phone:+8613800000001," + T(11, "10:00") +
                          ",10.00,CNY,paid,tmall,"
                          "phone:+8613800000001|nick:tmall:amy"),
        "profiles.csv": text(PRO, "phone:+8613800000001,+8613800000001,"
                             "amy@x.cn," + T(12, "09:00") +
                             ",phone:+8613800000001|email:amy@x.cn"),
        "events.csv": text(EVT, "openid:oA," + T(13, "08:00") +
                           ",view,openid:oA|email:amy@x.cn",
                           "openid:oB," + T(10, "00:00") +
                           ",view,openid:oB")}
    rc, out, left, err = scenario(files, ["--map-out", "m.csv"])
    eq(rc, 0, "exit")
    eq(out, text(
        "order_id,member_id,ts,amount,currency,status,channel,identifiers,"
        "phone,email,updated_at,event,source_member_id",
        "T1,oneid:000000002,2024-11-11T10:00:00+08:00,10.00,CNY,paid,tmall,"
        "phone:+8613800000001|nick:tmall:amy,,,,,phone:+8613800000001",
        ",oneid:000000002,,,,,,phone:+8613800000001|email:amy@x.cn,"
        "+8613800000001,amy@x.cn,2024-11-12T09:00:00+08:00,,"
        "phone:+8613800000001",
        ",oneid:000000002,2024-11-13T08:00:00+08:00,,,,,"
        "openid:oA|email:amy@x.cn,,,,view,openid:oA",
        ",oneid:000000001,2024-11-10T00:00:00+08:00,,,,,openid:oB,,,,view,"
        "openid:oB"), "records")
    eq(left["m.csv"], text(
        "identifier,member_id,first_seen,merged_into,seen",
        "openid:oB,oneid:000000001,2024-11-10T00:00:00+08:00,,1",
        "email:amy@x.cn,oneid:000000002,2024-11-12T09:00:00+08:00,,2",
        "nick:tmall:amy,oneid:000000002,2024-11-11T10:00:00+08:00,,1",
        "openid:oA,oneid:000000002,2024-11-13T08:00:00+08:00,,1",
        "phone:+8613800000001,oneid:000000002,2024-11-11T10:00:00+08:00,,2"),
        "map")


def nights(seq, extra=()):
    """Runs the nights of seq (each {name: text}) chained through
    --map/--map-out; returns [(out, map text)]."""
    res = []
    prev = None
    for k, files in enumerate(seq):
        fs = dict(files)
        args = ["--map-out", "new.csv"] + list(extra)
        if prev is not None:
            fs["old.csv"] = prev
            args += ["--map", "old.csv"]
        rc, out, left, err = scenario(fs, args, names=list(files))
        eq(rc, 0, "night %d exit (%s)" % (k + 1, err))
        prev = left["new.csv"]
        res.append((out, prev))
    return res


@case
def t_later_night_merges():
    # night 1: openid:oX (09:00) and phone:+861 (10:00) apart: ids 1, 2;
    # night 2: a profile joins them: 1 survives, 2 is merged into it.
    r = nights([
        {"o.csv": text(ORD, "A,phone:+861," + T(11, "10:00") +
                       ",1.00,CNY,paid,pos,phone:+861"),
         "e.csv": text(EVT, "openid:oX," + T(11, "09:00") +
                       ",view,openid:oX")},
        {"p.csv": text(PRO, "phone:+861,+861,," + T(12, "08:00") +
                       ",phone:+861|openid:oX")}])
    eq(id_of(r[0][0]), {"phone:+861": "oneid:000000002",
                        "openid:oX": "oneid:000000001"}, "night 1")
    eq(id_of(r[1][0]), {"phone:+861": "oneid:000000001"}, "night 2")
    eq(r[1][1], text(
        "identifier,member_id,first_seen,merged_into,seen",
        "openid:oX,oneid:000000001,2024-11-11T09:00:00+08:00,,2",
        "phone:+861,oneid:000000002,2024-11-11T10:00:00+08:00,"
        "oneid:000000001,2"), "map 2")


@case
def t_old_merge_moves_on():
    # night 1: A(1) B(2) C(3); night 2 joins B and C: 3 into 2;
    # night 3 joins A and B: 2 into 1, and C's rows move on to 1.
    # night 4: a new person takes 4, never a number used before.
    o = lambda k, mid, day, ids: ("%s,%s,%s,1.00,CNY,paid,pos,%s"
                                  % (k, mid, T(day, "10:00"), ids))
    r = nights([
        {"o.csv": text(ORD, o("1", "card:A", 1, "card:A"),
                       o("2", "card:B", 2, "card:B"),
                       o("3", "card:C", 3, "card:C"))},
        {"o.csv": text(ORD, o("4", "card:C", 4, "card:C|phone:+862"),
                       o("5", "phone:+862", 5, "phone:+862|card:B"))},
        {"o.csv": text(ORD, o("6", "card:A", 6, "card:A|email:b@x"),
                       o("7", "email:b@x", 7, "email:b@x|card:B"))},
        {"o.csv": text(ORD, o("8", "card:D", 8, "card:D"),
                       o("9", "card:C", 9, "card:C"))}])
    eq(map_of(r[1][1]), {
        "card:A": ("oneid:000000001", ""),
        "card:B": ("oneid:000000002", ""),
        "card:C": ("oneid:000000003", "oneid:000000002"),
        "phone:+862": ("oneid:000000002", "")}, "map 2")
    eq(map_of(r[2][1]), {
        "card:A": ("oneid:000000001", ""),
        "email:b@x": ("oneid:000000001", ""),
        "card:B": ("oneid:000000002", "oneid:000000001"),
        "card:C": ("oneid:000000003", "oneid:000000001"),
        "phone:+862": ("oneid:000000002", "oneid:000000001")}, "map 3")
    eq(id_of(r[3][0]), {"card:D": "oneid:000000004",
                        "card:C": "oneid:000000001"}, "night 4")
    eq([x["identifier"] for x in rows_of(r[3][1])],
       ["card:A", "card:B", "card:C", "email:b@x", "phone:+862", "card:D"],
       "map 4 order")


@case
def t_placeholder_500_buyers():
    # the clerk's phone P typed for 500 card holders: P is in 500 sets of
    # 500 would-be people; it links nobody, each record goes to its card.
    # Numbered by first_seen: record i's card at 10:00 + i - 1 minutes;
    # P, a person of its own, first seen at 10:00 too (the first record
    # carried it), after card:C0500 (least identifier): the first card
    # 1, P 2, record i's card i + 1.
    P = "phone:+8613800000000"
    rows = []
    for i in range(1, 501):
        t = dt.datetime(2024, 11, 11, 10, 0) + dt.timedelta(minutes=i - 1)
        rows.append("S%d,%s,%s+08:00,5.00,CNY,paid,pos,%s|card:C%04d"
                    % (i, P, t.strftime("%Y-%m-%dT%H:%M:%S"), P, 501 - i))
    rc, out, left, err = scenario({"pos.csv": text(ORD, *rows)},
                                  ["--map-out", "m.csv", "--audit",
                                   "a.csv"])
    eq(rc, 0, "exit")
    got = [r["member_id"] for r in rows_of(out)]
    eq(got, [oneid(1)] + [oneid(i + 1) for i in range(2, 501)], "ids")
    m = map_of(left["m.csv"])
    eq(m[P], (oneid(2), ""), "P's row")
    eq(m["card:C0500"], (oneid(1), ""), "card of the first record")
    eq(m["card:C0499"], (oneid(3), ""), "card of the second record")
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "placeholder,%s,,500,500,shared by 500 would-be people (more "
        "than 20),pos.csv:2" % P), "audit")


@case
def t_ignore_identifiers():
    # test@test.com listed (line 3 of ign.txt): it links nothing (the
    # records' sets are of one identifier: no sets); a record whose
    # member_id it is goes to its next identifier, one with nothing else
    # to its own.  First seen: test@test.com 09:00 (1), +8611 10:00 (2),
    # +8622 11:00 (3).
    files = {
        "ign.txt": "# the test address\n\nemail:test@test.com\n",
        "p.csv": text(PRO,
                      "email:test@test.com,+8611,test@test.com," +
                      T(11, "10:00") + ",email:test@test.com|phone:+8611",
                      "phone:+8622,+8622,test@test.com," + T(11, "11:00") +
                      ",phone:+8622|email:test@test.com",
                      "email:test@test.com,,test@test.com," + T(11, "09:00")
                      + ",email:test@test.com")}
    rc, out, left, err = scenario(files, [
        "--ignore-identifiers", "ign.txt", "--audit", "a.csv"],
        names=["p.csv"])
    eq(rc, 0, "exit")
    eq([r["member_id"] for r in rows_of(out)],
       ["oneid:000000002", "oneid:000000003", "oneid:000000001"], "ids")
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "ignored,email:test@test.com,,,3,listed in --ignore-identifiers,"
        "ign.txt:3"), "audit")


@case
def t_cardinality_cuts_weakest():
    # phone=1: bob's nick with +8601 in 3 orders, with +8602 in one (an
    # earlier one): the one-record link is cut.  carol's two one-record
    # sets: the later (11-05) one is cut.  A cut's identifier is the end
    # not linked, linked_to the set's first identifier.
    o = lambda k, ph, nick, day: ("%s,phone:%s,%s,1.00,CNY,paid,tmall,"
                                  "phone:%s|nick:tmall:%s"
                                  % (k, ph, T(day, "10:00"), ph, nick))
    files = {"t.csv": text(ORD, o("1", "+8601", "bob", 1),
                           o("2", "+8601", "bob", 2),
                           o("3", "+8601", "bob", 3),
                           o("4", "+8602", "bob", 0 + 30 - 30 + 9),
                           o("5", "+8603", "carol", 5),
                           o("6", "+8604", "carol", 4))}
    files["t.csv"] = files["t.csv"].replace("2024-11-09", "2024-10-30")
    rc, out, left, err = scenario(files, [
        "--max-per-person", "phone=1", "--audit", "a.csv", "--map-out",
        "m.csv"])
    eq(rc, 0, "exit")
    # first times: bob's person (its nick first seen 10-30, in the order
    # with +8602) and +8602 tie at 10-30 10:00: nick:tmall:bob <
    # phone:+8602, bob 1, +8602 2; carol's (11-04) 3, +8603 (11-05) 4
    eq([r["member_id"] for r in rows_of(out)],
       [oneid(1)] * 3 + [oneid(2), oneid(4), oneid(3)], "ids")
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "cut,phone:+8602,nick:tmall:bob,,1,the person would have 2 phone "
        "identifiers (at most 1),t.csv:5",
        "cut,phone:+8603,nick:tmall:carol,,1,the person would have 2 phone "
        "identifiers (at most 1),t.csv:6"), "audit")
    eq(map_of(left["m.csv"])["nick:tmall:carol"], (oneid(3), ""), "carol")


@case
def t_numbering_ignores_file_order():
    # Y first (08:00): 1; W and X tie at 12:00: email:w < openid:oX.
    files = {
        "a.csv": text(EVT, "openid:oX," + T(11, "12:00") + ",view,openid:oX",
                      "openid:oV," + T(11, "13:00") +
                      ",view,openid:oV|email:w"),
        "b.csv": text(ORD, "1,email:w," + T(11, "12:00") +
                      ",1.00,CNY,paid,web,email:w",
                      "2,card:Y," + T(11, "08:00") +
                      ",1.00,CNY,paid,pos,card:Y")}
    maps = []
    for names in (["a.csv", "b.csv"], ["b.csv", "a.csv"]):
        rc, out, left, err = scenario(files, ["--map-out", "m.csv"], names)
        eq(rc, 0, "exit")
        eq(id_of(out), {"openid:oX": oneid(3), "openid:oV": oneid(2),
                        "email:w": oneid(2), "card:Y": oneid(1)},
           "ids %s" % names)
        maps.append(left["m.csv"])
    eq(maps[0], maps[1], "maps")


@case
def t_map_ids_never_reused():
    # the map holds 3, 7 (merged into 3) and 5: a known identifier keeps
    # its id, a new one joins it, a new person takes 8; rows no input
    # mentions are written again.
    files = {
        "old.csv": text("identifier,member_id,first_seen,merged_into,seen",
                        "phone:a,oneid:000000003,2024-10-01T10:00:00+08:00,,4",
                        "phone:b,oneid:000000007,2024-10-02T10:00:00+08:00,"
                        "oneid:000000003,1",
                        "email:c,oneid:000000005,"
                        "2024-11-20T10:00:00+08:00,,2"),
        "in.csv": text(EVT, "email:c," + T(15, "10:00") +
                       ",view,email:c|openid:new",
                       "card:z," + T(15, "11:00") + ",view,card:z")}
    rc, out, left, err = scenario(files, ["--map", "old.csv", "--map-out",
                                          "new.csv"], names=["in.csv"])
    eq(rc, 0, "exit")
    eq([r["member_id"] for r in rows_of(out)], [oneid(5), oneid(8)], "ids")
    eq(left["new.csv"], text(
        "identifier,member_id,first_seen,merged_into,seen",
        "phone:a,oneid:000000003,2024-10-01T10:00:00+08:00,,4",
        "phone:b,oneid:000000007,2024-10-02T10:00:00+08:00,oneid:000000003,1",
        "email:c,oneid:000000005,2024-11-15T10:00:00+08:00,,3",
        "openid:new,oneid:000000005,2024-11-15T10:00:00+08:00,,1",
        "card:z,oneid:000000008,2024-11-15T11:00:00+08:00,,1"), "map")


@case
def t_candidates_linked_after_all():
    # n=3.  P is in 4 sets, but after the pass without it its cards are
    # one person: 1 would-be person, linked.  P2: 4 people, placeholder.
    # P3: its record alone is no set, so it is in 3 sets, no candidate:
    # linked like any other.  P4: the set {P4,g1,g2} still links g1-g2
    # without P4: 2 people, linked.
    sets = [
        "P|c1", "P|c2", "P|c3", "P|c4", "c1|e", "c2|e", "c3|e", "c4|c1",
        "P2|d1", "P2|d2", "P2|d3", "P2|d4",
        "P3|f1", "P3|f2", "P3|f3", "P3",
        "P4|g1", "P4|g2", "P4|g3", "P4|g1|g2", "g3|h"]
    rows = []
    for i, s in enumerate(sets):
        ids = ["x:" + v for v in s.split("|")]
        rows.append("%s,%s,view,%s" % (ids[0], "2024-11-11T10:%02d:00+08:00"
                                       % i, "|".join(ids)))
    rc, out, left, err = scenario({"e.csv": text(EVT, *rows)}, [
        "--max-members-per-identifier", "3", "--audit", "a.csv",
        "--map-out", "m.csv"])
    eq(rc, 0, "exit")
    m = {}
    for r in rows_of(left["m.csv"]):
        m.setdefault(r["member_id"], []).append(r["identifier"][2:])
    eq(sorted(sorted(v) for v in m.values()), sorted([
        ["P", "c1", "c2", "c3", "c4", "e"], ["P2"], ["d1"], ["d2"], ["d3"],
        ["d4"], ["P3", "f1", "f2", "f3"],
        ["P4", "g1", "g2", "g3", "h"]]), "people")
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "placeholder,x:P2,,4,4,shared by 4 would-be people (more than 3),"
        "e.csv:10"), "audit")
    # the record {P3} alone goes to P3's person, with f1-f3
    eq(rows_of(out)[15]["member_id"], [k for k, v in m.items()
                                       if "P3" in v][0], "P3's record")


@case
def t_map_person_over_cap():
    # the map's person 1 has two e-mails, over email=1: it may still take
    # a phone (no e-mail), but not a third e-mail.
    files = {
        "old.csv": text("identifier,member_id,first_seen,merged_into,seen",
                        "email:a,oneid:000000001,,,1",
                        "email:b,oneid:000000001,,,1"),
        "p.csv": text(PRO, "email:a,+86p,a," + T(11, "10:00") +
                      ",email:a|phone:p",
                      "phone:p,+86p,c," + T(12, "10:00") + ",phone:p|email:c")}
    rc, out, left, err = scenario(files, [
        "--map", "old.csv", "--max-per-person", "email=1", "--map-out",
        "new.csv", "--audit", "a.csv"], names=["p.csv"])
    eq(rc, 0, "exit")
    eq([r["member_id"] for r in rows_of(out)], [oneid(1), oneid(1)], "ids")
    eq(map_of(left["new.csv"]), {"email:a": (oneid(1), ""),
                                 "email:b": (oneid(1), ""),
                                 "phone:p": (oneid(1), ""),
                                 "email:c": (oneid(2), "")}, "map")
    # the set {email:c, phone:p} is linked from email:c: phone:p is the
    # identifier not linked, email:c the linked_to
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "cut,phone:p,email:c,,1,the person would have 3 email identifiers "
        "(at most 1),p.csv:3"), "audit")


@case
def t_second_run_over_own_output():
    # its own output again (source_member_id read in place of member_id)
    # gives the same bytes
    files = {
        "o.csv": text(ORD, "1,phone:1," + T(11, "10:00") +
                      ",1.00,CNY,paid,tmall,phone:1|nick:tmall:n",
                      "2,nick:tmall:n," + T(10, "10:00") +
                      ",1.00,CNY,paid,tmall,nick:tmall:n",
                      "3,card:k," + T(12, "10:00") +
                      ",1.00,CNY,paid,pos,card:k")}
    rc, out, left, err = scenario(files, [])
    eq(rc, 0, "exit 1")
    rc, out2, left, err = scenario({"o.csv": out}, [])
    eq(rc, 0, "exit 2")
    eq(out2, out, "second run")
    eq([r["member_id"] for r in rows_of(out)], [oneid(1), oneid(1),
                                                 oneid(2)], "ids")


@case
def t_strength_count_time_none():
    # phone=1 decides which link stands: sets of 2 records beat a set of
    # one; a set with no time comes after one with a time.
    files = {
        "p.csv": text(PRO, "nick:tmall:z,,,,nick:tmall:z|phone:1",
                      "nick:tmall:z,,,,nick:tmall:z|phone:1",
                      "nick:tmall:z,,," + T(11, "10:00") +
                      ",nick:tmall:z|phone:2",
                      "nick:tmall:y,,,,nick:tmall:y|phone:3",
                      "nick:tmall:y,,," + T(12, "10:00") +
                      ",nick:tmall:y|phone:4")}
    rc, out, left, err = scenario(files, ["--max-per-person", "phone=1",
                                          "--map-out", "m.csv", "--audit",
                                          "a.csv"])
    eq(rc, 0, "exit")
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "cut,phone:2,nick:tmall:z,,1,the person would have 2 phone "
        "identifiers (at most 1),p.csv:4",
        "cut,phone:3,nick:tmall:y,,1,the person would have 2 phone "
        "identifiers (at most 1),p.csv:5"), "audit")
    m = map_of(left["m.csv"])
    assert m["phone:1"] == m["nick:tmall:z"] != m["phone:2"], m
    assert m["phone:4"] == m["nick:tmall:y"] != m["phone:3"], m
    # first times (first_seen of the identifiers): z's person 11-11
    # (nick:tmall:z in the 11-11 record) and phone:2 11-11 too: nick <
    # phone, z 1, phone:2 2; y's person 11-12: 3; phone:3 (its one
    # record has no time) none: last, 4
    eq((m["nick:tmall:z"], m["nick:tmall:y"], m["phone:2"], m["phone:3"]),
       ((oneid(1), ""), (oneid(3), ""), (oneid(2), ""), (oneid(4), "")),
       "numbers")


@case
def t_set_bytes_tie_break():
    # equal counts and times: the sets' identifiers in byte order, one by
    # one: {nick:tmall:a, phone:1} before {nick:tmall:ab, phone:1} (a
    # set that begins another first; joined with '|' it would be the
    # other way, 'b' < '|'), so the link of nick:tmall:ab is the one cut
    # under nick=1: from nick:tmall:ab (linked_to) to phone:1.
    files = {"t.csv": text(ORD, "1,phone:1," + T(11, "10:00") +
                           ",1.00,CNY,paid,tmall,phone:1|nick:tmall:a",
                           "2,phone:1," + T(11, "10:00") +
                           ",1.00,CNY,paid,tmall,phone:1|nick:tmall:ab")}
    rc, out, left, err = scenario(files, ["--max-per-person", "nick=1",
                                          "--audit", "a.csv"])
    eq(rc, 0, "exit")
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "cut,phone:1,nick:tmall:ab,,1,the person would have 2 nick "
        "identifiers (at most 1),t.csv:3"), "audit")


@case
def t_set_links_from_first():
    # a set is linked from its first identifier in byte order (card:9)
    # to each of the others: to phone:1, then to phone:2, cut (phone=1):
    # phone:2 the identifier, card:9 the linked_to.  Both people first
    # seen at 10:00 (phone:2 in the first record): card:9 < email:z.
    # A record with no member_id belongs by its first identifier and is
    # written with its first identifier as source_member_id.
    files = {"o.csv": text(ORD, "1,phone:1," + T(11, "10:00") +
                           ",1.00,CNY,paid,pos,phone:1|card:9|phone:2",
                           "2,," + T(11, "11:00") +
                           ",1.00,CNY,paid,web,email:z|phone:2")}
    rc, out, left, err = scenario(files, ["--max-per-person", "phone=1",
                                          "--audit", "a.csv", "--map-out",
                                          "m.csv"])
    eq(rc, 0, "exit")
    eq([(r["member_id"], r["source_member_id"]) for r in rows_of(out)],
       [(oneid(1), "phone:1"), (oneid(2), "email:z")], "records")
    eq(map_of(left["m.csv"]), {"card:9": (oneid(1), ""),
                               "phone:1": (oneid(1), ""),
                               "email:z": (oneid(2), ""),
                               "phone:2": (oneid(2), "")}, "map")
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "cut,phone:2,card:9,,1,the person would have 2 phone identifiers "
        "(at most 1),o.csv:2"), "audit")


@case
def t_rejects():
    # no member identity, a bad time (November has 30 days): rejected,
    # not written, not linked.  The reasons the man page names are the
    # ones of the summary on standard error (mbr(7): a line per reason);
    # reject_reason may say more.
    files = {"e.csv": text(EVT, ",2024-11-11T10:00:00+08:00,view,",
                           "openid:a,2024-11-31T10:00:00+08:00,view,"
                           "openid:a|phone:1",
                           "openid:b," + T(11, "10:00") + ",view,openid:b")}
    rc, out, left, err = scenario(files, ["--rejects", "r.csv",
                                          "--map-out", "m.csv"],
                                  quiet=False)
    eq(rc, 0, "exit")
    eq([r["source_member_id"] for r in rows_of(out)], ["openid:b"],
       "records")
    eq([r["reject_source"] for r in rows_of(left["r.csv"])],
       ["e.csv:2", "e.csv:3"], "rejects")
    eq(sorted(x.split(": ", 1)[1] for x in err.splitlines()
              if " rejected: " in x),
       ["1 rejected: bad time", "1 rejected: no member identity"],
       "summary")
    eq(list(map_of(left["m.csv"])), ["openid:b"], "map")
    rc, out, left, err = scenario({"e.csv": text(
        EVT, ",2024-11-11T10:00:00+08:00,view,")}, [])
    eq(rc, 1, "all rejected")


@case
def t_ignored_leaves_map_person():
    # CAVEATS: an ignored identifier the map had joined becomes a person
    # of its own (a new id); the rest keeps its id.  {phone:0, card:3}
    # less phone:0 is no set.  New: card:3 and phone:0 both first seen
    # 11-11 10:00: card:3 2, phone:0 3.
    files = {
        "old.csv": text("identifier,member_id,first_seen,merged_into,seen",
                        "card:1,oneid:000000001,,,1",
                        "phone:0,oneid:000000001,,,2",
                        "card:2,oneid:000000001,,,1"),
        "ign.txt": "phone:0\n",
        "o.csv": text(ORD, "1,phone:0," + T(11, "10:00") +
                      ",1.00,CNY,paid,pos,phone:0|card:3")}
    rc, out, left, err = scenario(files, [
        "--map", "old.csv", "--ignore-identifiers", "ign.txt",
        "--map-out", "new.csv", "--audit", "a.csv"], names=["o.csv"])
    eq(rc, 0, "exit")
    eq(left["a.csv"], text(
        "reason,identifier,linked_to,people,records,detail,source",
        "ignored,phone:0,,,1,listed in --ignore-identifiers,ign.txt:1"),
       "audit")
    eq(map_of(left["new.csv"]), {"card:1": (oneid(1), ""),
                                 "card:2": (oneid(1), ""),
                                 "card:3": (oneid(2), ""),
                                 "phone:0": (oneid(3), "")}, "map")
    eq([r["member_id"] for r in rows_of(out)], [oneid(2)], "ids")


@case
def t_profiles_out():
    # two profiles of one person: the later one's values, a "no" consent
    # kept, source member_ids and identifiers byte order
    head = "member_id,name,phone,email,updated_at,consent_sms,identifiers"
    files = {"p.csv": text(
        head,
        "phone:1,Wang,+861,w@x," + T(12, "10:00") + ",no,phone:1|email:w@x",
        "email:w@x,,,w@x," + T(13, "10:00") + ",yes,email:w@x|openid:o")}
    rc, out, left, err = scenario(files, ["--profiles-out", "pr.csv"])
    eq(rc, 0, "exit")
    eq(left["pr.csv"], text(
        head + ",source_member_id",
        "oneid:000000001,Wang,+861,w@x,2024-11-13T10:00:00+08:00,no,"
        "email:w@x|openid:o|phone:1,email:w@x|phone:1"), "profiles")


def ev(ids, ts):
    """an event row of EVT: member_id the first of ids"""
    return "%s,%s,view,%s" % (ids.split("|")[0], ts, ids)


def audit_head(*rows):
    return text("reason,identifier,linked_to,people,records,detail,source",
                *rows)


@case
def t_audit_rows():
    # n=2, card=1, zz:test ignored (line 2 of ign.txt).  email:p is in 3
    # sets ({email:p} alone at 09:59 is no set): a candidate; its
    # would-be people openid:1, 2, 3: a placeholder (records 4: the
    # record alone counts; source: the first record of its first set,
    # line 3).  {card:1, card:2} (line 6) and {card:1, card:2, nick:k}
    # (line 7, zz:test taken out) each link card:1 to card:2 over the
    # cap: a row for each set.  Sorted by reason (ignored, placeholder,
    # cut), not by bytes.  People, by first_seen: email:p 09:59 1;
    # openid:1 10:00 2; openid:2 3; openid:3 4; {card:1, nick:k} and
    # card:2 both 10:03: card:1 < card:2, 5 and 6; zz:test 10:04 7.
    # Records: line 2 ({email:p}, all set aside) email:p's own; lines
    # 3-5 their openids; 6 card:1; 7 nick:k; 8 (member_id zz:test)
    # openid:1.
    t = "2024-11-11T%s:00+08:00"
    files = {"ign.txt": "# test identifiers\nzz:test\n",
             "e.csv": text(EVT, ev("email:p", t % "09:59"),
                           ev("email:p|openid:1", t % "10:00"),
                           ev("email:p|openid:2", t % "10:01"),
                           ev("email:p|openid:3", t % "10:02"),
                           ev("card:1|card:2", t % "10:03"),
                           ev("nick:k|card:1|card:2|zz:test", t % "10:04"),
                           ev("zz:test|openid:1", t % "10:05"))}
    rc, out, left, err = scenario(files, [
        "--max-members-per-identifier", "2", "--max-per-person", "card=1",
        "--ignore-identifiers", "ign.txt", "--audit", "a.csv"],
        names=["e.csv"])
    eq(rc, 0, "exit")
    eq([r["member_id"] for r in rows_of(out)],
       [oneid(i) for i in (1, 2, 3, 4, 5, 5, 2)], "ids")
    got = rows_of(left["a.csv"])
    eq([(x["reason"], x["identifier"], x["linked_to"]) for x in got],
       [("ignored", "zz:test", ""), ("placeholder", "email:p", ""),
        ("cut", "card:2", "card:1"), ("cut", "card:2", "card:1")],
       "audit order")
    # the two cut rows tie on the sort's keys: compared as a set
    cut = ("cut,card:2,card:1,,1,the person would have 2 card identifiers "
           "(at most 1),e.csv:")
    eq(sorted(left["a.csv"].splitlines()), sorted(audit_head(
        "ignored,zz:test,,,2,listed in --ignore-identifiers,ign.txt:2",
        "placeholder,email:p,,3,4,shared by 3 would-be people (more than "
        "2),e.csv:3", cut + "6", cut + "7").splitlines()), "audit rows")


@case
def t_candidate_counts_other_candidate():
    # n=2.  x:P and x:Q are in 3 sets each: candidates.  After the pass
    # without them (b1-b2 linked): P's would-be people a1, a2 and Q (a
    # candidate counts as the person it stands in, its own): 3, a
    # placeholder; Q's: P and {b1, b2}: 2, linked after all.  People by
    # first_seen: P and a1 at 10:00 (x:P < x:a1) 1 and 2, a2 3, {Q, b1,
    # b2} (Q 10:02) 4.  Records: lines 2-3 (member_id P) go to a1, a2.
    t = "2024-11-11T10:%02d:00+08:00"
    sets = ["x:P|x:a1", "x:P|x:a2", "x:P|x:Q", "x:Q|x:b1", "x:Q|x:b2",
            "x:b1|x:b2"]
    rc, out, left, err = scenario(
        {"e.csv": text(EVT, *[ev(s, t % i) for i, s in enumerate(sets)])},
        ["--max-members-per-identifier", "2", "--audit", "a.csv"])
    eq(rc, 0, "exit")
    eq([r["member_id"] for r in rows_of(out)],
       [oneid(i) for i in (2, 3, 4, 4, 4, 4)], "ids")
    eq(left["a.csv"], audit_head(
        "placeholder,x:P,,3,3,shared by 3 would-be people (more than 2),"
        "e.csv:2"), "audit")


@case
def t_set_of_one_counts_nowhere():
    # n=1; zz:i1 and zz:i2 ignored: {card:C, zz:i1} and {card:C, zz:i2}
    # are sets of one, no sets: card:C is in one set, {card:C, phone:d},
    # no candidate, and is linked.  People: {card:C, phone:d} and zz:i1
    # both first seen 10:00 (card:C < zz:i1) 1, 2; zz:i2 3.
    t = "2024-11-11T10:%02d:00+08:00"
    files = {"ign.txt": "zz:i1\nzz:i2\n",
             "e.csv": text(EVT, ev("card:C|zz:i1", t % 0),
                           ev("card:C|zz:i2", t % 1),
                           ev("card:C|phone:d", t % 2))}
    rc, out, left, err = scenario(files, [
        "--max-members-per-identifier", "1", "--ignore-identifiers",
        "ign.txt", "--audit", "a.csv", "--map-out", "m.csv"],
        names=["e.csv"])
    eq(rc, 0, "exit")
    eq([r["member_id"] for r in rows_of(out)], [oneid(1)] * 3, "ids")
    eq(map_of(left["m.csv"]), {"card:C": (oneid(1), ""),
                               "phone:d": (oneid(1), ""),
                               "zz:i1": (oneid(2), ""),
                               "zz:i2": (oneid(3), "")}, "map")
    eq(left["a.csv"], audit_head(
        "ignored,zz:i1,,,1,listed in --ignore-identifiers,ign.txt:1",
        "ignored,zz:i2,,,1,listed in --ignore-identifiers,ign.txt:2"),
       "audit")


@case
def t_sets_without_ignored():
    # phone=1.  With zz:i taken out, {nick:n, phone:1} is carried by two
    # records (09:00, 09:10), as {nick:n, phone:2} is (10:00, 10:10):
    # equal counts, the earlier first: phone:1 stays, phone:2's link is
    # cut (records 2, source its set's first record, line 4).  (Were
    # zz:i part of the set, {nick:n, phone:2} would be the strongest.)
    t = "2024-11-11T%s:00+08:00"
    files = {"ign.txt": "zz:i\n",
             "e.csv": text(EVT, ev("nick:n|phone:1|zz:i", t % "09:00"),
                           ev("nick:n|phone:1", t % "09:10"),
                           ev("nick:n|phone:2", t % "10:00"),
                           ev("nick:n|phone:2", t % "10:10"))}
    rc, out, left, err = scenario(files, [
        "--max-per-person", "phone=1", "--ignore-identifiers", "ign.txt",
        "--audit", "a.csv", "--map-out", "m.csv"], names=["e.csv"])
    eq(rc, 0, "exit")
    eq(left["a.csv"], audit_head(
        "ignored,zz:i,,,1,listed in --ignore-identifiers,ign.txt:1",
        "cut,phone:2,nick:n,,2,the person would have 2 phone identifiers "
        "(at most 1),e.csv:4"), "audit")
    # {nick:n, phone:1} and zz:i first seen 09:00: nick:n < zz:i, 1 and
    # 2; phone:2 10:00 3
    eq(map_of(left["m.csv"]), {"nick:n": (oneid(1), ""),
                               "phone:1": (oneid(1), ""),
                               "zz:i": (oneid(2), ""),
                               "phone:2": (oneid(3), "")}, "map")


@case
def t_time_forms():
    # the forms mbr-ingest reads, in --tz +08:00, kept to the second:
    # card:a's 10:00:05.750 is 10:00:05, as card:g's, and card:a < card:g
    # (with the fraction card:g would come first).  Epoch 1731254400 is
    # 2024-11-10T16:00:00Z, 2024-11-11T00:00:00+08:00, in seconds (e) and
    # milliseconds (f): a tie, e < f.  By first_seen: d 11-10 08:00 1,
    # e 2, f 3, b 11-11 09:05 4, a 10:00:05 5, g 6, c (11/12/2024, month
    # first) 11-12 00:00 7.
    rows = [("card:a", "2024-11-11T10:00:05.750+08:00"),
            ("card:b", "2024/11/11 9:05"),
            ("card:c", "11/12/2024 0:00"),
            ("card:d", "2024\u5e7411\u670810\u65e5 08:00:00"),
            ("card:e", "1731254400"),
            ("card:f", "1731254400500"),
            ("card:g", "2024-11-11 10:00:05")]
    files = {"e.csv": text(EVT, *[ev(x, ts) for x, ts in rows])}
    rc, out, left, err = scenario(files, ["--tz", "+08:00", "--map-out",
                                          "m.csv"])
    eq(rc, 0, "exit (%s)" % err.strip())
    eq([r["member_id"] for r in rows_of(out)],
       [oneid(i) for i in (5, 4, 7, 1, 2, 3, 6)], "ids")
    eq([r["ts"] for r in rows_of(out)], [ts for _, ts in rows],
       "times written as they came")
    eq(left["m.csv"], text(
        "identifier,member_id,first_seen,merged_into,seen",
        "card:d,oneid:000000001,2024-11-10T08:00:00+08:00,,1",
        "card:e,oneid:000000002,2024-11-11T00:00:00+08:00,,1",
        "card:f,oneid:000000003,2024-11-11T00:00:00+08:00,,1",
        "card:b,oneid:000000004,2024-11-11T09:05:00+08:00,,1",
        "card:a,oneid:000000005,2024-11-11T10:00:05+08:00,,1",
        "card:g,oneid:000000006,2024-11-11T10:00:05+08:00,,1",
        "card:c,oneid:000000007,2024-11-12T00:00:00+08:00,,1"), "map")


@case
def t_ndjson_source_after_member():
    # NDJSON: a record's fields in their order, source_member_id right
    # after member_id
    files = {"e.ndjson":
             '{"ts":"2024-11-11T10:00:00+08:00","member_id":"openid:x",'
             '"event":"view","identifiers":"openid:x|phone:1"}\n'
             '{"member_id":"phone:1","ts":"2024-11-11T11:00:00+08:00",'
             '"event":"cart","identifiers":"phone:1"}\n'}
    rc, out, left, err = scenario(files, [])
    eq(rc, 0, "exit")
    eq(out, '{"ts":"2024-11-11T10:00:00+08:00","member_id":'
       '"oneid:000000001","source_member_id":"openid:x","event":"view",'
       '"identifiers":"openid:x|phone:1"}\n'
       '{"member_id":"oneid:000000001","source_member_id":"phone:1",'
       '"ts":"2024-11-11T11:00:00+08:00","event":"cart",'
       '"identifiers":"phone:1"}\n', "records")


@case
def t_profile_columns_order():
    # --profiles-out: the profile records' columns in the order they first
    # had them (p1's, then p2's new ones; none of the order's), then
    # source_member_id.  The records' CSV header: the union in the order
    # first seen, then source_member_id.  One person: {phone:1, email:e},
    # first seen 11-11 10:00: 1.
    files = {
        "o.csv": text(ORD, "1,phone:1," + T(11, "10:00") +
                      ",1.00,CNY,paid,pos,phone:1"),
        "p1.csv": text("member_id,email,updated_at,identifiers",
                       "email:e,e," + T(12, "10:00") + ",email:e|phone:1"),
        "p2.csv": text("name,member_id,tier,updated_at,identifiers",
                       "Li,phone:1,gold," + T(13, "10:00") + ",phone:1")}
    rc, out, left, err = scenario(files, ["--profiles-out", "pr.csv"])
    eq(rc, 0, "exit")
    eq(out.splitlines()[0], "order_id,member_id,ts,amount,currency,status,"
       "channel,identifiers,email,updated_at,name,tier,source_member_id",
       "header")
    eq(left["pr.csv"], text(
        "member_id,email,updated_at,identifiers,name,tier,source_member_id",
        "oneid:000000001,e,2024-11-13T10:00:00+08:00,email:e|phone:1,Li,"
        "gold,email:e|phone:1"), "profiles")


@case
def t_kept_candidates_in_strength_order():
    # n=2, phone=1.  x:K1 and x:K2 are in 3 sets each: candidates; after
    # the pass without them ({card:b, phone:2} and {card:a, phone:1}
    # linked) each has 2 would-be people (the other candidate, its own
    # person, and one more): both linked after all, "the sets of the
    # candidates kept, strongest first": {phone:2, x:K2} (3 records)
    # links phone:2-x:K2; {x:K1, x:K2} x:K1-x:K2: one person Q of
    # card:b, phone:2, x:K1, x:K2.  {phone:1, x:K1}: phone:1 to x:K1
    # would make 2 phones: cut (identifier x:K1, linked_to phone:1,
    # e.csv:6); {card:b, phone:2, x:K2} all in Q; {card:a, phone:1,
    # x:K1}: card:a-phone:1 one already, card:a to x:K1 cut (e.csv:8).
    # People: Q (phone:2 first seen 10:00) 1, {card:a, phone:1} (10:02)
    # 2.
    t = "2024-11-11T10:%02d:00+08:00"
    files = {"e.csv": text(EVT, ev("phone:2|x:K2", t % 0),
                           ev("phone:2|x:K2", t % 0),
                           ev("phone:2|x:K2", t % 0),
                           ev("x:K1|x:K2", t % 1),
                           ev("phone:1|x:K1", t % 2),
                           ev("phone:2|card:b|x:K2", t % 3),
                           ev("phone:1|card:a|x:K1", t % 4))}
    rc, out, left, err = scenario(files, [
        "--max-members-per-identifier", "2", "--max-per-person", "phone=1",
        "--audit", "a.csv"])
    eq(rc, 0, "exit")
    eq([r["member_id"] for r in rows_of(out)],
       [oneid(i) for i in (1, 1, 1, 1, 2, 1, 2)], "ids")
    eq(left["a.csv"], audit_head(
        "cut,x:K1,card:a,,1,the person would have 2 phone identifiers (at "
        "most 1),e.csv:8",
        "cut,x:K1,phone:1,,1,the person would have 2 phone identifiers (at "
        "most 1),e.csv:6"), "audit")


@case
def t_cut_once_per_set():
    # n=3, phone=1.  x:K is in 4 sets: a candidate.  Without it,
    # {card:1, phone:0} (2 records) and {email:e, phone:0} make one
    # person; {card:1, phone:1, x:K} less x:K links card:1 to phone:1:
    # over the cap, cut.  x:K's would-be people: that person and phone:1:
    # 2, linked after all: its set {card:1, phone:1, x:K} again, whose
    # link card:1-phone:1 is still over the cap.  Links are made "each
    # one at most once", a row per set: one cut row.  People: {card:1,
    # phone:0, email:e, x:K} (10:00) 1, phone:1 (10:02) 2.
    t = "2024-11-11T10:%02d:00+08:00"
    files = {"e.csv": text(EVT, ev("card:1|phone:0", t % 0),
                           ev("card:1|phone:0", t % 0),
                           ev("email:e|phone:0", t % 1),
                           ev("phone:1|card:1|x:K", t % 2),
                           ev("phone:0|x:K", t % 3),
                           ev("card:1|x:K", t % 4),
                           ev("email:e|x:K", t % 5))}
    rc, out, left, err = scenario(files, [
        "--max-members-per-identifier", "3", "--max-per-person", "phone=1",
        "--audit", "a.csv"])
    eq(rc, 0, "exit")
    eq([r["member_id"] for r in rows_of(out)],
       [oneid(i) for i in (1, 1, 1, 2, 1, 1, 1)], "ids")
    eq(left["a.csv"], audit_head(
        "cut,phone:1,card:1,,1,the person would have 2 phone identifiers "
        "(at most 1),e.csv:5"), "audit")


@case
def t_ndjson_source_moves_after_member():
    # NDJSON: source_member_id follows member_id, also when the record
    # had it elsewhere (read in place of member_id: phone:1's person, 1)
    files = {"e.ndjson":
             '{"source_member_id":"phone:1","ts":"2024-11-11T10:00:00+08:00",'
             '"member_id":"oneid:000000007","event":"view"}\n'}
    rc, out, left, err = scenario(files, [])
    eq(rc, 0, "exit")
    eq(out, '{"ts":"2024-11-11T10:00:00+08:00","member_id":'
       '"oneid:000000001","source_member_id":"phone:1","event":"view"}\n',
       "records")


AGAINST = None      # --selftest-against BIN: the cases run with BIN


def selftest():
    # the hand-computed cases, each derived from the man page's rules
    npass = nfail = 0
    for fn in SELFTESTS:
        try:
            fn()
        except AssertionError as e:
            nfail += 1
            print("not ok %s: %s" % (fn.__name__, e))
        except Exception as e:
            nfail += 1
            print("not ok %s: %s: %s" % (fn.__name__, type(e).__name__, e))
        else:
            npass += 1
            print("ok %s" % fn.__name__)
    print("%d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
