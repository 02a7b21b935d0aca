#!/usr/bin/python3
"""compare_campaign.py MBR.csv PEER.csv NAME: do mbr-campaign and a peer
write the same send list?

Both files are send lists in CSV (man/mbr-campaign.1, SEND LIST):
campaign_id, member_id, channel, address, send_at, message, sms_parts,
coupon_code, variant, in this order, then whatever else.  PEER.csv is
bench/peers/campaign.sql's or campaign_pandas.py's output; MBR.csv may
also be a hand-written expected file.  The rows must be the same and in
the same order: sorted by send_at (the instant), then member_id
bytewise.  Rows are matched by (member_id, channel) (a member gets one
message a channel); every row of either side must be on the other, and
campaign_id, address, send_at (the same text: the offset is part of the
contract), message, sms_parts, coupon_code and variant must be equal.
Prints one line "NAME: N rows agree" or the disagreements (the first
few of each kind) and exits 1.  Standard library only.
"""
import csv
import sys
from datetime import datetime

from compare_rfm import disagreements

COLUMNS = ("campaign_id", "member_id", "channel", "address", "send_at",
           "message", "sms_parts", "coupon_code", "variant")
FIELDS = ("campaign_id", "address", "send_at", "message", "sms_parts",
          "coupon_code", "variant")


def load(path, who, problems):
    rows = {}
    order = []
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        head = next(r, None)
        if head is None or tuple(head[:len(COLUMNS)]) != COLUMNS:
            problems.append("%s: the columns are %s, not %s"
                            % (who, head, ",".join(COLUMNS)))
            return rows, order
        for n, row in enumerate(r, 2):
            d = dict(zip(head, row))
            k = (d["member_id"], d["channel"])
            if k in rows:
                problems.append("%s: line %d: %s twice" % (who, n, k))
                continue
            try:
                inst = datetime.fromisoformat(d["send_at"]).timestamp()
            except ValueError:
                problems.append("%s: line %d: send_at %r is not a time"
                                % (who, n, d["send_at"]))
                inst = 0
            order.append((inst, d["member_id"].encode("utf-8"), k))
            rows[k] = tuple(d[f] for f in FIELDS)
    for i in range(1, len(order)):
        if order[i][:2] < order[i - 1][:2]:
            problems.append("%s: line %d (%s) is before the line above "
                            "it in send_at, member_id order"
                            % (who, i + 2, order[i][2][0]))
            break
    return rows, order


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: compare_campaign.py MBR.csv PEER.csv NAME\n")
        return 2
    name = sys.argv[3]
    problems = []
    a, oa = load(sys.argv[1], "mbr", problems)
    b, ob = load(sys.argv[2], "peer", problems)
    bad = len(problems)
    for p in problems[:5]:
        print("%s: %s" % (name, p))
    # The members compared by (member_id, channel): a row on one channel
    # here and on another there shows as one only on each side.
    bad += disagreements(name, {"%s %s" % k: v for k, v in a.items()},
                         {"%s %s" % k: v for k, v in b.items()}, FIELDS)
    if not bad and [x[2] for x in oa] != [x[2] for x in ob]:
        bad += 1
        i = next(i for i, (x, y) in enumerate(zip(oa, ob)) if x[2] != y[2])
        print("%s: the rows are in another order from row %d: %s against %s"
              % (name, i + 1, oa[i][2], ob[i][2]))
    if bad:
        return 1
    ch = {}
    for k in a:
        ch[k[1]] = ch.get(k[1], 0) + 1
    print("%s: %d send-list rows agree (%s) on member, channel, address, "
          "send_at, message, sms_parts and order"
          % (name, len(a), ", ".join("%s %d" % kv for kv in sorted(ch.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
