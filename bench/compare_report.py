#!/usr/bin/python3
"""compare_report.py MBR.csv PEER.csv NAME: are mbr-report's records and
a peer's the same?

Both are CSV records of the fields section, kpi, period, period_start,
group, key, value, previous, change (man/mbr-report.1, Records), in any
order.  Each is sorted by (section, kpi, period, group, key), which must
be unique, and the two lists must hold the same keys and, key by key,
the same period_start and the same value, previous and change: equal as
text once the number formatting is normalised (each parsed as an exact
decimal, so that "1368.4" is "1368.40" and "-0.000000" is "0", but
0.333333 is not 0.3333333 nor 0.333); an empty field only equals an
empty field.  A value that is not a number must be equal as it is.

Prints "NAME: N records agree (...)" or the disagreements (how many of
each kind, the first few) and exits 1.  Standard library only.
"""
import csv
import decimal
import sys

FIELDS = ["section", "kpi", "period", "period_start", "group", "key",
          "value", "previous", "change"]
KEY = ("section", "kpi", "period", "group", "key")
VALS = ("period_start", "value", "previous", "change")


def norm(s):
    """A field's text with the number formatting normalised."""
    if s == "":
        return ""
    try:
        d = decimal.Decimal(s)
    except decimal.InvalidOperation:
        return s
    if not d.is_finite():
        return s
    return format(d.normalize() + 0, "f") if d != 0 else "0"


def load(path, who, problems):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        head = next(r, None)
        if head != FIELDS:
            problems.append("%s's fields are %s, not %s" % (
                who, head, ",".join(FIELDS)))
            return None
        ix = {k: i for i, k in enumerate(head)}
        rows = {}
        dup = 0
        for n, row in enumerate(r, 2):
            if len(row) != len(FIELDS):
                problems.append("%s line %d: %d fields" % (who, n, len(row)))
                continue
            k = tuple(row[ix[c]] for c in KEY)
            if k in rows:
                dup += 1
                if dup <= 3:
                    problems.append("%s line %d: record %s twice" % (
                        who, n, ",".join(k)))
            rows[k] = tuple(row[ix[c]] for c in VALS)
        return rows


def main():
    mine, theirs, name = sys.argv[1], sys.argv[2], sys.argv[3]
    problems = []
    a = load(mine, "mbr", problems)
    b = load(theirs, "the peer", problems)
    if a is None or b is None:
        for p in problems:
            print("%s: %s" % (name, p))
        return 1
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    diff = {}       # field -> [count, the first three]
    for k in sorted(set(a) & set(b)):
        for f, x, y in zip(VALS, a[k], b[k]):
            if norm(x) != norm(y):
                d = diff.setdefault(f, [0, []])
                d[0] += 1
                if len(d[1]) < 3:
                    d[1].append("%s: mbr %r, peer %r" % (",".join(k), x, y))
    for what, ks in (("in mbr's output only", only_a),
                     ("in the peer's output only", only_b)):
        if ks:
            problems.append("%d records %s, e.g. %s" % (
                len(ks), what, "; ".join(",".join(k) for k in ks[:3])))
    for f in VALS:
        if f in diff:
            n, eg = diff[f]
            problems.append("%s differs in %d records, e.g. %s" % (
                f, n, "; ".join(eg)))
    if problems:
        for p in problems:
            print("%s: %s" % (name, p))
        return 1
    count = {}
    groups = set()
    for k in a:
        count[k[0]] = count.get(k[0], 0) + 1
        groups.add(k[3])
    nempty = sum(1 for v in a.values() if v[1] == "")
    groups.discard("")
    print("%s: %d records agree (%s; all orders%s), every value, previous "
          "and change equal after normalising the number format "
          "(%d values empty in both)" % (
              name, len(a), ", ".join("%d %s" % (count[s], s)
                                      for s in sorted(count)),
              " and %d group%s" % (len(groups), "" if len(groups) == 1
                                    else "s") if groups else "", nempty))
    return 0


if __name__ == "__main__":
    sys.exit(main())
