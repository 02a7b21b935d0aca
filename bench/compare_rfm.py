#!/usr/bin/python3
"""compare_rfm.py MBR.csv PEER.csv NAME: do mbr-rfm and a peer agree?

MBR.csv is mbr-rfm's CSV output (monetary as a decimal string); PEER.csv
has member_id, recency_days, frequency, monetary_c (integer minor
units), r_score, f_score, m_score and rfm_segment.  Members are matched
by member_id; every member of either side must be on the other, and
recency_days, frequency, monetary, the three scores and the segment
must be equal.  Prints one line "NAME: N members agree" or the
disagreements (the first few of each kind) and exits 1.  Standard
library only.
"""
import csv
import sys

FIELDS = ("recency_days", "frequency", "monetary", "r_score", "f_score",
          "m_score", "rfm_segment")


def cents(s):
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    whole, _, frac = s.partition(".")
    v = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -v if neg else v


def load_mbr(path):
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["r_score"] in ("", None):
                continue  # no paid order (a prospect), no scores
            out[row["member_id"]] = (
                int(row["recency_days"]), int(row["frequency"]),
                cents(row["monetary"]), int(row["r_score"]),
                int(row["f_score"]), int(row["m_score"]),
                row["rfm_segment"])
    return out


def load_peer(path):
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["member_id"]] = (
                int(row["recency_days"]), int(row["frequency"]),
                int(float(row["monetary_c"])), int(row["r_score"]),
                int(row["f_score"]), int(row["m_score"]),
                row["rfm_segment"])
    return out


def disagreements(name, a, b, fields):
    """Prints what differs between a and b (member_id -> a tuple of the
    fields' values): members on one side only, and per field the first
    few members; returns how many disagreements there are."""
    bad = 0
    only_a = [k for k in a if k not in b]
    only_b = [k for k in b if k not in a]
    if only_a:
        bad += len(only_a)
        print("%s: %d members only in mbr, e.g. %s"
              % (name, len(only_a), only_a[:3]))
    if only_b:
        bad += len(only_b)
        print("%s: %d members only in the peer, e.g. %s"
              % (name, len(only_b), only_b[:3]))
    diff = {f: [] for f in fields}
    for k, va in a.items():
        vb = b.get(k)
        if vb is None:
            continue
        for i, f in enumerate(fields):
            if va[i] != vb[i]:
                diff[f].append((k, va[i], vb[i]))
    for f in fields:
        if diff[f]:
            bad += len(diff[f])
            print("%s: %s differs for %d members, e.g. (member, mbr, peer) %s"
                  % (name, f, len(diff[f]), diff[f][:3]))
    return bad


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: compare_rfm.py MBR.csv PEER.csv NAME\n")
        return 2
    a = load_mbr(sys.argv[1])
    b = load_peer(sys.argv[2])
    name = sys.argv[3]
    bad = disagreements(name, a, b, FIELDS)
    if bad:
        return 1
    print("%s: %d members agree on recency, frequency, monetary, R/F/M "
          "scores and segment" % (name, len(a)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
