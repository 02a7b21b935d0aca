#!/usr/bin/python3
"""compare_abtest.py MBR PEER NAME: do mbr-abtest and a peer agree?

Which output it is comes from PEER's header:

assign (PEER has member_id and variant: bench/peers/abtest_assign.mjs,
the GrowthBook SDK): MBR is mbr-abtest assign's output, the member
records with experiment, variant and assigned_at added (member_id and
variant are read by name, whatever else is there).  Every member must
have the same variant on both sides (empty: outside the coverage), in
the same order (both keep the input's).  The files are read side by
side in one pass, in constant memory; where the member_ids part, the
rest of both are read into dicts to say which members are on one side
only.  Prints "NAME: N members agree ..." or the first members that
differ and exits 1.  A member_id twice is not looked for (mbr rejects
the second; the bench's members are distinct).

analyze (PEER has variant and members: bench/peers/abtest_analyze.sql
or abtest_pandas.py): one record a variant, CSV (or NDJSON, when the
file begins with "{").  The variants must be the same and in the same
order.  The fields both sides have are compared: members, converters,
orders exactly, revenue exactly as a decimal (2.50 = 2.5), experiment,
variant and verdict as text; every other field as a number within a
relative 1e-6 (or 1e-12 absolute, about 0), empty only against empty.
members, converters, orders, revenue, conversion_rate and
revenue_per_member must be on both sides; the fields of one side only
are listed in the verdict line, which is "NAME: N variants agree on
...".  Standard library only.
"""
import csv
import io
import json
import sys
from decimal import Decimal, InvalidOperation
from itertools import zip_longest

SHOW = 5
REL = 1e-6
ABS = 1e-12
EXACT_INT = ("members", "converters", "orders")
TEXT = ("experiment", "variant", "verdict")
NEEDED = ("members", "converters", "orders", "revenue", "conversion_rate",
          "revenue_per_member")

csv.field_size_limit(1 << 30)


def header_of(path):
    with open(path, newline="", encoding="utf-8") as f:
        first = f.readline()
    if first.startswith("{"):
        return list(json.loads(first).keys())
    return next(csv.reader([first.lstrip("\ufeff")]), [])


# --- assign -----------------------------------------------------------

def rows(path, who, problems):
    """(member_id, variant) of each record, in file order."""
    f = open(path, newline="", encoding="utf-8")
    r = csv.reader(f)
    head = next(r, None)
    if head:
        head[0] = head[0].lstrip("\ufeff")
    if not head or "member_id" not in head or "variant" not in head:
        problems.append("%s: no member_id and variant columns in %s"
                        % (who, head))
        f.close()
        return iter(())
    i, j = head.index("member_id"), head.index("variant")
    n = max(i, j)

    def gen():
        with f:
            for line, row in enumerate(r, 2):
                if len(row) <= n:
                    if row:
                        problems.append("%s: line %d: %d fields"
                                        % (who, line, len(row)))
                    continue
                yield row[i], row[j]
    return gen()


def compare_assign(mine, theirs, name):
    problems = []
    a, b = rows(mine, "mbr", problems), rows(theirs, "peer", problems)
    if problems:
        for p in problems:
            print("%s: %s" % (name, p))
        return 1
    count = 0
    counts = {}
    differ = []
    ndiff = 0
    rest_a = rest_b = None
    for x, y in zip_longest(a, b):
        if x is None or y is None or x[0] != y[0]:
            rest_a = {} if x is None else {x[0]: x[1]}
            rest_b = {} if y is None else {y[0]: y[1]}
            break
        count += 1
        counts[x[1]] = counts.get(x[1], 0) + 1
        if x[1] != y[1]:
            ndiff += 1
            if len(differ) < SHOW:
                differ.append("%s: mbr %r, peer %r" % (x[0], x[1], y[1]))
    bad = 0
    if rest_a is not None:
        # The ids part at record count + 1: which are on one side only?
        for k, v in a:
            rest_a[k] = v
        for k, v in b:
            rest_b[k] = v
        only_a = [k for k in rest_a if k not in rest_b]
        only_b = [k for k in rest_b if k not in rest_a]
        print("%s: the member_ids part at record %d (mbr %s, peer %s)"
              % (name, count + 1, next(iter(rest_a), "(end)"),
                 next(iter(rest_b), "(end)")))
        bad += 1
        if only_a:
            print("%s: %d members only in mbr's output, first %s"
                  % (name, len(only_a), ", ".join(only_a[:SHOW])))
        if only_b:
            print("%s: %d members only in the peer's output, first %s"
                  % (name, len(only_b), ", ".join(only_b[:SHOW])))
        for k in rest_a:
            if k in rest_b and rest_a[k] != rest_b[k]:
                ndiff += 1
                if len(differ) < SHOW:
                    differ.append("%s: mbr %r, peer %r"
                                  % (k, rest_a[k], rest_b[k]))
    if ndiff:
        bad += 1
        print("%s: %d members in another variant, first %s"
              % (name, ndiff, "; ".join(differ)))
    if bad:
        return 1
    inside = sum(v for k, v in counts.items() if k != "")
    print("%s: %d members agree on the variant, member by member and in "
          "order (%s; %d outside the coverage)"
          % (name, count, ", ".join("%s %d" % (k, v) for k, v in
                                     sorted(counts.items()) if k != ""),
             count - inside))
    return 0


# --- analyze ----------------------------------------------------------

def records(path, who, problems):
    with open(path, newline="", encoding="utf-8") as f:
        text = f.read()
    if text.startswith("{"):
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    d = json.loads(line)
                except ValueError as e:
                    problems.append("%s: line %d: %s" % (who, n, e))
                    continue
                out.append({k: "" if v is None else
                            (json.dumps(v) if isinstance(v, bool) else str(v))
                            for k, v in d.items()})
        return out
    r = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    return list(r)


def number(s):
    try:
        return float(s)
    except ValueError:
        return None


def same_field(f, x, y):
    """None when x and y agree as field f, else why not."""
    if f in TEXT:
        return None if x == y else "%r against %r" % (x, y)
    if x == "" or y == "":
        return None if x == y else "%r against %r" % (x, y)
    if f in EXACT_INT:
        try:
            dx, dy = Decimal(x), Decimal(y)
        except InvalidOperation:
            return "%r against %r: not integers" % (x, y)
        if dx != dx.to_integral_value() or dy != dy.to_integral_value():
            return "%r against %r: not integers" % (x, y)
        return None if dx == dy else "%s against %s" % (x, y)
    if f == "revenue":
        try:
            return None if Decimal(x) == Decimal(y) else "%s against %s" % (x, y)
        except InvalidOperation:
            return "%r against %r: not decimals" % (x, y)
    a, b = number(x), number(y)
    if a is None or b is None:
        return None if x == y else "%r against %r" % (x, y)
    if a == b or abs(a - b) <= max(ABS, REL * max(abs(a), abs(b))):
        return None
    return "%s against %s (relative %.2g)" % (
        x, y, abs(a - b) / max(abs(a), abs(b)))


def compare_analyze(mine, theirs, name):
    problems = []
    a = records(mine, "mbr", problems)
    b = records(theirs, "peer", problems)
    for p in problems[:SHOW]:
        print("%s: %s" % (name, p))
    if problems:
        return 1
    ha = list(a[0].keys()) if a else header_of(mine)
    hb = list(b[0].keys()) if b else header_of(theirs)
    bad = 0
    for f in NEEDED + ("variant",):
        for who, h in (("mbr", ha), ("peer", hb)):
            if f not in h:
                print("%s: %s's output has no field %s" % (name, who, f))
                bad += 1
    if bad:
        return 1
    va = [r["variant"] for r in a]
    vb = [r["variant"] for r in b]
    if va != vb:
        print("%s: the variants are %s in mbr's output, %s in the peer's"
              % (name, va, vb))
        return 1
    common = [f for f in ha if f in hb]
    shown = 0
    for ra, rb in zip(a, b):
        for f in common:
            why = same_field(f, ra[f], rb[f])
            if why is not None:
                bad += 1
                if shown < 3 * SHOW:
                    shown += 1
                    print("%s: %s %s: mbr %s" % (name, ra["variant"], f, why))
    if bad:
        return 1
    only_a = [f for f in ha if f not in hb]
    only_b = [f for f in hb if f not in ha]
    print("%s: %d variants agree (%s) on %s%s%s"
          % (name, len(a), ", ".join("%s %s members %s converters"
                                     % (r["variant"], r["members"],
                                        r["converters"]) for r in a),
             ", ".join(f for f in common if f not in ("experiment", "variant")),
             "; not in the peer: " + ", ".join(only_a) if only_a else "",
             "; not in mbr: " + ", ".join(only_b) if only_b else ""))
    return 0


def main():
    args = sys.argv[1:]
    kind = None
    if args and args[0] in ("--assign", "--analyze"):
        kind = args.pop(0)[2:]
    if len(args) != 3:
        sys.stderr.write("usage: compare_abtest.py [--assign|--analyze] "
                         "MBR PEER NAME\n")
        return 2
    mine, theirs, name = args
    try:
        if kind is None:
            h = header_of(theirs)
            if "member_id" in h and "variant" in h:
                kind = "assign"
            elif "members" in h and "variant" in h:
                kind = "analyze"
            else:
                print("%s: %s is neither assign's (member_id, variant) nor "
                      "analyze's (variant, members ...) output: %s"
                      % (name, theirs, h))
                return 1
        if kind == "assign":
            return compare_assign(mine, theirs, name)
        return compare_analyze(mine, theirs, name)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        print("%s: %s" % (name, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
