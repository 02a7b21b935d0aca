#!/usr/bin/python3
"""compare_seg.py MBR.csv PEER.csv NAME: do mbr-segment and a peer give
every member the same segment and tags?  Matched by member_id; prints
"NAME: N members agree" or the first disagreements and exits 1."""
import csv
import sys


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["member_id"]: (r["segment"], r["tags"] or "")
                for r in csv.DictReader(f)}


def main():
    a, b, name = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3]
    bad = [(k, v, b.get(k)) for k, v in a.items() if b.get(k) != v]
    bad += [(k, None, v) for k, v in b.items() if k not in a]
    if bad:
        print("%s: %d members differ, e.g. (member, mbr, peer) %s"
              % (name, len(bad), bad[:3]))
        return 1
    print("%s: %d members agree on segment and tags" % (name, len(a)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
