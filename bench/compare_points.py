#!/usr/bin/python3
"""compare_points.py MBR.csv PEER.csv NAME: do mbr-points and a peer agree?

MBR.csv is mbr-points' balance output (CSV: money as decimal text,
tier_since ISO 8601 with an offset, expiring_on YYYY-MM-DD or empty);
PEER.csv has member_id, points, earned, expired, expiring_points,
expiring_on, tier, tier_since_epoch (seconds), qualifying_spend_c and
to_next_tier_c (integer minor units; empty at the top level) and
next_tier (bench/peers/points.sql, points_pandas.py).  MBR.csv may also
be a hand-written expected file in mbr's format.  Members are matched by
member_id; every member of either side must be on the other, and the
ten fields must be equal, tier_since as an instant.  mbr's redeemed,
clawed_back and adjusted, when present, must be 0 (the bench has no
events and no refund of a paid order).  Prints one line "NAME: N members
agree" or the disagreements (the first few of each kind) and exits 1.
Standard library only.
"""
import csv
import sys
from datetime import datetime

from compare_rfm import disagreements

FIELDS = ("points", "earned", "expired", "expiring_points", "expiring_on",
          "tier", "tier_since", "qualifying_spend", "next_tier",
          "to_next_tier")


def cents(s):
    if s in ("", None):
        return None
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    whole, _, frac = s.partition(".")
    if len(frac) > 2:
        raise ValueError("money %r has more than 2 decimals" % s)
    v = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -v if neg else v


def opt_int(s):
    return None if s in ("", None) else int(float(s))


def load_mbr(path):
    out = {}
    zero = ("redeemed", "clawed_back", "adjusted")
    nonzero = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for z in zero:
                if row.get(z) not in (None, "", "0"):
                    nonzero.append((row["member_id"], z, row[z]))
            ts = row["tier_since"]
            out[row["member_id"]] = (
                int(row["points"]), int(row["earned"]), int(row["expired"]),
                int(row["expiring_points"]), row["expiring_on"] or "",
                row["tier"],
                int(datetime.fromisoformat(ts).timestamp()) if ts else None,
                cents(row["qualifying_spend"]), row["next_tier"] or "",
                cents(row["to_next_tier"]))
    return out, nonzero


def load_peer(path):
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["member_id"]] = (
                int(row["points"]), int(row["earned"]), int(row["expired"]),
                int(row["expiring_points"]), row["expiring_on"] or "",
                row["tier"], opt_int(row["tier_since_epoch"]),
                opt_int(row["qualifying_spend_c"]), row["next_tier"] or "",
                opt_int(row["to_next_tier_c"]))
    return out


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: compare_points.py MBR.csv PEER.csv NAME\n")
        return 2
    a, nonzero = load_mbr(sys.argv[1])
    b = load_peer(sys.argv[2])
    name = sys.argv[3]
    bad = 0
    if nonzero:
        bad += len(nonzero)
        print("%s: mbr has %d non-zero redeemed/clawed_back/adjusted, e.g. %s"
              % (name, len(nonzero), nonzero[:3]))
    bad += disagreements(name, a, b, FIELDS)
    if bad:
        return 1
    print("%s: %d members agree on points, earned, expired, expiring "
          "points and day, tier, tier_since, qualifying spend and the next "
          "tier" % (name, len(a)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
