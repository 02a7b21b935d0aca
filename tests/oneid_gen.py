#!/usr/bin/python3
"""oneid_gen.py: generated channel records of known people, for
tests/oneid-prop.test.sh, and the checks on mbr-oneid's results.

    oneid_gen.py SEED DIR [--people N] [--nights K] [--placeholder]
                 [--second-phones]

makes N people (by default 50-3000, from the seed), each with 1-4
identifiers of the types phone, email, openid, nick (nick:tmall:...) and
card, no identifier shared by two people, and their records as
mbr-ingest(1) would write them, dated over K nights (3-5 by default;
night k is the day 2024-11-(10+k), +08:00):

    DIR/nK/tmall.csv     Tmall orders: the nick, sometimes the phone
    DIR/nK/pos.csv       store orders: the card and/or the phone
    DIR/nK/events.csv    mini-program events: the openid, sometimes the
                         phone
    DIR/nK/profiles.csv  profiles: phone, e-mail and openid of some
                         people (updated_at sometimes empty)

(orders: order_id,member_id,ts,amount,currency,status,channel,
identifiers; events: member_id,ts,event,identifiers; profiles:
member_id,phone,email,updated_at,identifiers, on even nights
member_id,email,name,phone,updated_at,identifiers, so that the columns
of the output and of --profiles-out are a union in the order first
seen), member_id the row's first identifier in its columns' order
(phone, nick; phone, card; openid, phone; phone, email, openid),
identifiers every identifier of the row.  Times are ISO 8601, one in
twenty with a fraction of a second (mbr-oneid keeps them to the
second).
Every person's identifiers are connected through its records (bridging
records are added where the random ones leave a gap), over the nights
together.  Also:

    DIR/files      the inputs, one a line, night by night
    DIR/nights     K
    DIR/truth.csv  file,row,person: the true person of every record
                   (row: the record's number in its file, from 1)
    DIR/placeholder  (--placeholder) the placeholder identifier

--placeholder adds a clerk's phone, phone:+8613800000000, to store
orders of at least 25 people (a quarter of them when more), as their
member_id beside their card: the guard must stop it; truth still has the
people apart.  --second-phones gives one in ten people with a nick and a
phone a second phone, in Tmall orders with the nick (one person still:
a cap phone=1 must cut a link).

Checks (exit 1 and the first problems on standard output when one
fails):

    oneid_gen.py check-partition DIR OUT LIST
        OUT (mbr-oneid's CSV output of the files listed in LIST, in that
        order) gives one member_id per true person and different ones to
        different people.
    oneid_gen.py check-same-ids DIR OUT1 LIST1 OUT2 LIST2
        every record has the same member_id in both runs.
    oneid_gen.py check-nights DIR PREFIX
        the nights run one after the other with --map/--map-out
        (DIR/PREFIX.K.out.csv, DIR/PREFIX.K.map.csv): each night's
        records carry the id its map gives their member_id; a map keeps
        every row of the one before, with its member_id, a first_seen
        no later and a seen no smaller; an identifier's id changes only
        by a merge into an older id, recorded in merged_into on every
        row of the merged id; new ids are above every id before; the
        last map's ids give the true partition of all the records.
    oneid_gen.py check-audit AUDIT REASON IDENTIFIER
        the audit file has a row of that reason and identifier.
    oneid_gen.py check-seed DIR [--ref-nights]
        the checks of one seed of oneid-prop.test.sh (DIR/base: the
        generated data, DIR/ph: the same with --placeholder) in one go,
        printing "ok NAME" or "not ok NAME" and the problems.

--placeholder-dir DIR2 also writes the same seed's data with
--placeholder (and without --second-phones) in DIR2.
"""

import csv
import io
import os
import random
import sys

HEAD_ORD = ["order_id", "member_id", "ts", "amount", "currency", "status",
            "channel", "identifiers"]
HEAD_EVT = ["member_id", "ts", "event", "identifiers"]
HEAD_PRO = ["member_id", "phone", "email", "updated_at", "identifiers"]
# the profiles of even nights: other columns, in another order
HEAD_PRO2 = ["member_id", "email", "name", "phone", "updated_at",
             "identifiers"]
CHANNELS = ["tmall", "pos", "events", "profiles"]
PLACEHOLDER = "phone:+8613800000000"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "芳娜伟敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def csv_field(s):
    s = str(s)
    if s and (s[0] in " \t" or s[-1] in " \t" or
              any(ch in s for ch in ',"\r\n')):
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_line(vals):
    return ",".join(csv_field(v) for v in vals) + "\n"


class Person:
    def __init__(self, k):
        self.k = k
        self.ids = {}       # type -> identifier
        self.phone2 = None

    def name(self):
        return "P%05d" % self.k


def make_people(rnd, n, placeholder, second):
    used = set()

    def fresh(f):
        while True:
            v = f()
            if v not in used and v != PLACEHOLDER:
                used.add(v)
                return v

    def phone():
        return fresh(lambda: "phone:+86%d%09d" % (
            rnd.choice([13, 15, 17, 18, 19]), rnd.randrange(10 ** 9)))

    def email():
        return fresh(lambda: "email:%s%d@%s" % (
            rnd.choice(["amy", "li.na", "wang", "chen_j", "zz"]),
            rnd.randrange(10 ** 6),
            rnd.choice(["qq.com", "163.com", "example.cn", "gmail.com"])))

    def openid():
        al = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
              "0123456789_-")
        return fresh(lambda: "openid:o6_bmj" + "".join(
            rnd.choice(al) for _ in range(16)))

    def nick():
        return fresh(lambda: "nick:tmall:%s%s%s" % (
            rnd.choice(SURNAMES), rnd.choice(GIVEN),
            rnd.choice(["", str(rnd.randrange(10 ** 4)), "_" +
                        str(rnd.randrange(100)), "ab", "a"])))

    def card():
        return fresh(lambda: "card:VIP%08d" % rnd.randrange(10 ** 8))

    makers = {"phone": phone, "email": email, "openid": openid,
              "nick": nick, "card": card}
    weights = {"phone": 0.75, "email": 0.35, "openid": 0.5, "nick": 0.5,
               "card": 0.35}
    people = []
    for k in range(n):
        while True:
            want = rnd.choices([1, 2, 3, 4], [3, 4, 3, 1])[0]
            ts = set()
            while len(ts) < want:
                t = rnd.choices(list(weights), list(weights.values()))[0]
                ts.add(t)
            if want == 1 or "phone" in ts or ts <= {"email", "openid"}:
                break
        p = Person(k + 1)
        for t in sorted(ts):
            p.ids[t] = None
        people.append(p)
    holders = []
    if placeholder:
        m = min(n, max(25, n // 4))
        holders = rnd.sample(people, m)
        for p in holders:
            p.ids.setdefault("card", None)
            if len(p.ids) > 1:
                p.ids.setdefault("phone", None)
    for p in people:
        for t in sorted(p.ids):
            p.ids[t] = makers[t]()
        if second and "nick" in p.ids and "phone" in p.ids and \
                rnd.random() < 0.1:
            p.phone2 = phone()
    return people, holders


class UF:
    def __init__(self):
        self.p = {}

    def find(self, x):
        self.p.setdefault(x, x)
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            self.p[max(a, b)] = min(a, b)


def make_records(rnd, people, holders, nights):
    """[(channel, night, ids in column order, extra)] per person"""
    recs = []
    holder = set(p.k for p in holders)
    for p in people:
        ids = p.ids
        mine = []
        ph = ids.get("phone")
        if "nick" in ids:
            for _ in range(rnd.randint(1, 4)):
                row = []
                if ph and rnd.random() < 0.5:
                    row.append(ph)
                row.append(ids["nick"])
                mine.append(("tmall", row))
            if p.phone2:
                for _ in range(rnd.randint(1, 2)):
                    mine.append(("tmall", [p.phone2, ids["nick"]]))
        if "card" in ids or (ph and rnd.random() < 0.4):
            for _ in range(rnd.randint(1, 3)):
                c = ids.get("card")
                if c and ph:
                    row = rnd.choice([[ph], [c], [ph, c], [c]])
                elif c:
                    row = [c]
                else:
                    row = [ph]
                mine.append(("pos", row))
        if "openid" in ids:
            for _ in range(rnd.randint(1, 5)):
                row = [ids["openid"]]
                if ph and rnd.random() < 0.3:
                    row.append(ph)
                mine.append(("events", row))
        if "email" in ids or (len(ids) > 1 and rnd.random() < 0.3) or \
                (ph and len(ids) == 1 and rnd.random() < 0.2):
            for _ in range(rnd.randint(1, 2)):
                row = [x for t, x in (("phone", ph), ("email",
                                                      ids.get("email")),
                                      ("openid", ids.get("openid")))
                       if x and rnd.random() < 0.7]
                if row:
                    mine.append(("profiles", row))
        # bridges: every identifier in a record, all of them connected
        uf = UF()
        allids = list(ids.values()) + ([p.phone2] if p.phone2 else [])
        for x in allids:
            uf.find(x)
        for _, row in mine:
            for x in row[1:]:
                uf.union(row[0], x)
        hub = ph or ids.get("email") or ids.get("openid") or allids[0]
        if not any(hub in row for _, row in mine):
            ch = {"phone": "pos", "email": "profiles", "openid": "events",
                  "nick": "tmall", "card": "pos"}[hub.split(":", 1)[0]]
            mine.append((ch, [hub]))
        for x in allids:
            if uf.find(x) == uf.find(hub):
                continue
            t = x.split(":", 1)[0]
            if x == p.phone2:
                row = ("tmall", [x, ids["nick"]])
            elif t == "nick":
                row = ("tmall", [ph, x])
            elif t == "card":
                row = ("pos", [ph, x])
            elif t == "openid":
                row = ("events", [x, ph]) if ph else \
                    ("profiles", [ids["email"], x])
            elif t == "email":
                row = ("profiles", [ph, x] if ph else [x, ids["openid"]])
            else:
                raise AssertionError("no bridge for %s" % x)
            mine.append(row)
            for y in row[1][1:]:
                uf.union(row[1][0], y)
        for x in allids:
            assert uf.find(x) == uf.find(hub), (p.k, x)
            assert any(x in row for _, row in mine), (p.k, x)
        if p.k in holder:
            for _ in range(rnd.randint(1, 2)):
                mine.append(("pos", [PLACEHOLDER, ids["card"]]))
        for ch, row in mine:
            recs.append((ch, rnd.randint(1, nights), row, p))
    rnd.shuffle(recs)
    return recs


def ts_of(rnd, night):
    s = rnd.randrange(86400)
    frac = ""
    if rnd.random() < 0.05:     # kept to the second by mbr-oneid
        frac = rnd.choice([".5", ".250", ".999999", ".000"])
    return "2024-11-%02dT%02d:%02d:%02d%s+08:00" % (
        10 + night, s // 3600, s // 60 % 60, s % 60, frac)


def generate(seed, d, n=None, nights=None, placeholder=False,
             second=False):
    rnd = random.Random(seed)
    if n is None:
        n = int(round(50 * (60 ** rnd.random())))       # 50..3000
    if nights is None:
        nights = rnd.randint(3, 5)
    people, holders = make_people(rnd, n, placeholder, second)
    recs = make_records(rnd, people, holders, nights)
    files = {}
    for k in range(1, nights + 1):
        os.makedirs(os.path.join(d, "n%d" % k), exist_ok=True)
        for ch in CHANNELS:
            files[(k, ch)] = []
    seq = {"tmall": 0, "pos": 0}
    for ch, night, row, p in recs:
        ts = ts_of(rnd, night)
        mid = row[0]
        ids = "|".join(row)
        if ch in ("tmall", "pos"):
            seq[ch] += 1
            oid = ("TM%07d" if ch == "tmall" else "S%07d") % seq[ch]
            amount = "%d.%02d" % (rnd.randint(1, 2000), rnd.choice([0, 50,
                                                                    90]))
            status = rnd.choices(["paid", "refunded", "cancelled"],
                                 [90, 7, 3])[0]
            vals = [oid, mid, ts, amount, "CNY", status, ch, ids]
        elif ch == "events":
            vals = [mid, ts, rnd.choice(["view", "cart", "favorite",
                                         "login", "click"]), ids]
        else:
            phone = next((x for x in row if x.startswith("phone:")), "")
            email = next((x for x in row if x.startswith("email:")), "")
            upd = ts if rnd.random() < 0.9 else ""
            if night % 2:
                vals = [mid, phone[6:], email[6:], upd, ids]
            else:
                name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) \
                    if rnd.random() < 0.6 else ""
                vals = [mid, email[6:], name, phone[6:], upd, ids]
        files[(night, ch)].append((vals, p.name()))
    heads = {"tmall": HEAD_ORD, "pos": HEAD_ORD, "events": HEAD_EVT,
             "profiles": HEAD_PRO}
    order = []
    with open(os.path.join(d, "truth.csv"), "w", encoding="utf-8") as tf:
        tf.write("file,row,person\n")
        for k in range(1, nights + 1):
            for ch in CHANNELS:
                name = "n%d/%s.csv" % (k, ch)
                order.append(name)
                with open(os.path.join(d, name), "w",
                          encoding="utf-8") as f:
                    f.write(csv_line(HEAD_PRO2 if ch == "profiles" and
                                     k % 2 == 0 else heads[ch]))
                    for i, (vals, who) in enumerate(files[(k, ch)], 1):
                        f.write(csv_line(vals))
                        tf.write("%s,%d,%s\n" % (name, i, who))
    with open(os.path.join(d, "files"), "w") as f:
        f.write("".join(x + "\n" for x in order))
    with open(os.path.join(d, "nights"), "w") as f:
        f.write("%d\n" % nights)
    if placeholder:
        with open(os.path.join(d, "placeholder"), "w") as f:
            f.write(PLACEHOLDER + "\n")
    sys.stderr.write("oneid_gen: seed %d: %d people, %d records, %d nights%s"
                     "\n" % (seed, n, len(recs), nights,
                             ", placeholder on %d" % len(holders)
                             if placeholder else ""))


# ---------------------------------------------------------------- checks

def rows_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return []
    return [dict(zip(rows[0], r)) for r in rows[1:] if r]


def truth_of(d):
    return {(r["file"], int(r["row"])): r["person"]
            for r in rows_of(os.path.join(d, "truth.csv"))}


def keys_of(d, names):
    """the (file, row) of every record of the files, in order"""
    keys = []
    for name in names:
        for i, _ in enumerate(rows_of(os.path.join(d, name)), 1):
            keys.append((name, i))
    return keys


def list_of(path):
    with open(path) as f:
        return [x.strip() for x in f if x.strip()]


def ids_of(d, out, names):
    keys = keys_of(d, names)
    rows = rows_of(out)
    if len(rows) != len(keys):
        raise Problem("%s: %d records, the inputs have %d"
                      % (out, len(rows), len(keys)))
    return {k: r for k, r in zip(keys, rows)}


class Problem(Exception):
    pass


def partition(truth, ids, what):
    """problems with ids ({key: member_id}) against truth"""
    probs = []
    byp, byid = {}, {}
    for k, mid in ids.items():
        byp.setdefault(truth[k], {}).setdefault(mid, []).append(k)
        byid.setdefault(mid, {}).setdefault(truth[k], []).append(k)
    for p, m in sorted(byp.items()):
        if len(m) > 1:
            probs.append("%s: person %s split over %s" % (
                what, p, "; ".join("%s (%s:%d...)" % (mid, ks[0][0],
                                                      ks[0][1] + 1)
                                   for mid, ks in sorted(m.items()))))
    for mid, m in sorted(byid.items()):
        if len(m) > 1:
            probs.append("%s: %s joins people %s" % (
                what, mid, ", ".join("%s (%s:%d)" % (p, ks[0][0],
                                                     ks[0][1] + 1)
                                     for p, ks in sorted(m.items()))))
    return probs


def check_partition(d, out, lst):
    rows = ids_of(d, out, list_of(lst))
    return partition(truth_of(d), {k: r["member_id"]
                                   for k, r in rows.items()}, out)


def check_same_ids(d, out1, l1, out2, l2):
    a = ids_of(d, out1, list_of(l1))
    b = ids_of(d, out2, list_of(l2))
    probs = []
    for k in sorted(a):
        if a[k]["member_id"] != b[k]["member_id"]:
            probs.append("%s:%d: %s in %s, %s in %s" % (
                k[0], k[1] + 1, a[k]["member_id"], out1,
                b[k]["member_id"], out2))
    return probs


def idnum(v):
    return int(v.split(":", 1)[1])


def check_nights(d, prefix):
    nn = int(open(os.path.join(d, "nights")).read())
    truth = truth_of(d)
    probs = []
    prev = {}
    final = {}
    recs = {}       # key -> (night, id, source_member_id)
    for k in range(1, nn + 1):
        names = ["n%d/%s.csv" % (k, ch) for ch in CHANNELS]
        out = os.path.join(d, "%s.%d.out.csv" % (prefix, k))
        mp = os.path.join(d, "%s.%d.map.csv" % (prefix, k))
        m = {}
        for r in rows_of(mp):
            m[r["identifier"]] = r
        cur = {x: r["merged_into"] or r["member_id"] for x, r in m.items()}
        for key, r in ids_of(d, out, names).items():
            src = r["source_member_id"]
            if src not in cur:
                probs.append("night %d: %s:%d: %s not in the map"
                             % (k, key[0], key[1] + 1, src))
            elif cur[src] != r["member_id"]:
                probs.append("night %d: %s:%d: member_id %s, the map "
                             "gives %s %s" % (k, key[0], key[1] + 1,
                                              r["member_id"], src, cur[src]))
            recs[key] = (k, r["member_id"], src)
        high = max([idnum(v) for r in prev.values()
                    for v in (r["member_id"], r["merged_into"]) if v] + [0])
        pcur = {x: r["merged_into"] or r["member_id"]
                for x, r in prev.items()}
        rows_by_mid = {}
        for x, r in m.items():
            rows_by_mid.setdefault(r["member_id"], []).append(r)
        for x, r in prev.items():
            if x not in m:
                probs.append("night %d: map row %s dropped" % (k, x))
                continue
            n = m[x]
            if n["member_id"] != r["member_id"]:
                probs.append("night %d: %s: member_id %s, was %s"
                             % (k, x, n["member_id"], r["member_id"]))
            if r["first_seen"] and (not n["first_seen"] or
                                    n["first_seen"] > r["first_seen"]):
                probs.append("night %d: %s: first_seen %s, was %s"
                             % (k, x, n["first_seen"], r["first_seen"]))
            if int(n["seen"] or 0) < int(r["seen"] or 0):
                probs.append("night %d: %s: seen %s, was %s"
                             % (k, x, n["seen"], r["seen"]))
            a, b = pcur[x], cur[x]
            if a != b:
                if not b < a:
                    probs.append("night %d: %s: id %s, was %s (not a "
                                 "merge into an older id)" % (k, x, b, a))
                for row in rows_by_mid.get(a, []):
                    if row["merged_into"] != b:
                        probs.append("night %d: %s merged into %s, but "
                                     "row %s has merged_into \"%s\""
                                     % (k, a, b, row["identifier"],
                                        row["merged_into"]))
        known = set(pcur.values())
        for x, r in m.items():
            if x in prev:
                continue
            if cur[x] not in known and idnum(cur[x]) <= high:
                probs.append("night %d: new identifier %s has id %s, not "
                             "above %d, nor one of the map" % (k, x, cur[x],
                                                               high))
        prev = m
        final = cur
    ids = {}
    for key, (k, mid, src) in recs.items():
        f = final.get(src)
        ids[key] = f
        if f is None:
            probs.append("%s:%d: %s not in the last map" % (key[0],
                                                            key[1] + 1, src))
            continue
        if f != mid:
            rows = [r for r in prev.values() if r["member_id"] == mid]
            if not rows or any(r["merged_into"] != f for r in rows):
                probs.append("%s:%d: night %d gave %s, now %s, with no "
                             "merged_into recording it" % (
                                 key[0], key[1] + 1, k, mid, f))
    probs += partition(truth, ids, "last map")
    return probs


def check_audit(path, reason, ident):
    for r in rows_of(path):
        if r.get("reason") == reason and r.get("identifier") == ident:
            return []
    return ["%s: no row %s %s" % (path, reason, ident)]


def check_seed(d, refnights):
    """every check of one seed of the property test: "ok NAME" or "not
    ok NAME" and the problems, indented"""
    b, p = os.path.join(d, "base"), os.path.join(d, "ph")
    todo = [
        ("all files: partition", check_partition,
         (b, os.path.join(b, "c.all.out.csv"), os.path.join(b, "files"))),
        ("reverse order: ids", check_same_ids,
         (b, os.path.join(b, "c.all.out.csv"), os.path.join(b, "files"),
          os.path.join(b, "c.rev.out.csv"), os.path.join(b, "rfiles"))),
        ("nights: ids stable, last map exact", check_nights, (b, "c.night"))]
    if refnights:
        todo.append(("nights: the reference's own", check_nights,
                     (b, "ref.night")))
    if os.path.exists(os.path.join(p, "placeholder")):
        ph = open(os.path.join(p, "placeholder")).read().strip()
        todo += [("placeholder: partition", check_partition,
                  (p, os.path.join(p, "c.ph.out.csv"),
                   os.path.join(p, "files"))),
                 ("placeholder: audit", check_audit,
                  (os.path.join(p, "c.ph.audit.csv"), "placeholder", ph))]
        if os.path.exists(os.path.join(p, "ignore.txt")):
            todo += [("ignored: partition", check_partition,
                      (p, os.path.join(p, "c.ign.out.csv"),
                       os.path.join(p, "files"))),
                     ("ignored: audit", check_audit,
                      (os.path.join(p, "c.ign.audit.csv"), "ignored", ph))]
    bad = 0
    for name, fn, args in todo:
        try:
            probs = fn(*args)
        except (Problem, OSError, KeyError, ValueError) as e:
            probs = ["%s: %s" % (type(e).__name__, e)]
        if probs:
            bad += 1
            print("not ok %s" % name)
            for x in probs[:10]:
                print("    " + x)
            if len(probs) > 10:
                print("    ... %d problems in all" % len(probs))
        else:
            print("ok %s" % name)
    return 1 if bad else 0


def main(argv):
    if argv[:1] == ["check-seed"] and len(argv) in (2, 3):
        return check_seed(argv[1], argv[2:] == ["--ref-nights"])
    try:
        if argv and argv[0].startswith("check-"):
            cmd, args = argv[0], argv[1:]
            if cmd == "check-partition" and len(args) == 3:
                probs = check_partition(*args)
            elif cmd == "check-same-ids" and len(args) == 5:
                probs = check_same_ids(*args)
            elif cmd == "check-nights" and len(args) == 2:
                probs = check_nights(*args)
            elif cmd == "check-audit" and len(args) == 3:
                probs = check_audit(*args)
            else:
                sys.stderr.write("oneid_gen.py: %s: bad arguments\n" % cmd)
                return 2
    except (Problem, OSError, KeyError, ValueError) as e:
        print("%s: %s" % (argv[0], e))
        return 1
    else:
        if argv and argv[0].startswith("check-"):
            for p in probs[:10]:
                print(p)
            if len(probs) > 10:
                print("... %d problems in all" % len(probs))
            return 1 if probs else 0
    import argparse
    ap = argparse.ArgumentParser(prog="oneid_gen.py")
    ap.add_argument("seed", type=int)
    ap.add_argument("dir")
    ap.add_argument("--people", type=int)
    ap.add_argument("--nights", type=int)
    ap.add_argument("--placeholder", action="store_true")
    ap.add_argument("--second-phones", action="store_true")
    ap.add_argument("--placeholder-dir")
    o = ap.parse_args(argv)
    os.makedirs(o.dir, exist_ok=True)
    generate(o.seed, o.dir, o.people, o.nights, o.placeholder,
             o.second_phones)
    if o.placeholder_dir:
        os.makedirs(o.placeholder_dir, exist_ok=True)
        generate(o.seed, o.placeholder_dir, o.people, o.nights, True,
                 False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
