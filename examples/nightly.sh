#!/bin/sh
# nightly.sh: the whole pipeline over the example exports, as a brand's
# nightly cron job would run it.  Writes into ${OUT:-build/nightly}.
#
#   exports -> mbr-ingest -> orders.csv -> mbr-rfm -> members.csv
#           -> mbr-segment -> segmented.csv, segment counts
#   orders  -> mbr-points -> points balances, ledger, state
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
OUT=${OUT:-build/nightly}
ASOF=2024-12-01T00:00:00+08:00
mkdir -p "$OUT"

# 1. Every export to canonical orders.  Each file is matched to its
#    platform by its header; the Tmall export is GB18030.  Rows that
#    cannot be used go to the rejects with file:line and a reason.
mbr-ingest --tz Asia/Shanghai --rejects "$OUT/rejects-cn.ndjson" \
    examples/orders.csv examples/jd.csv > "$OUT/orders-cn.csv"
mbr-ingest --tz Asia/Shanghai --encoding gb18030 \
    --rejects "$OUT/rejects-tmall.ndjson" examples/tmall.csv \
    > "$OUT/orders-tmall.csv"
mbr-ingest --tz Asia/Shanghai --map examples/custom-map.json \
    --rejects "$OUT/rejects-pos.ndjson" examples/pos.csv > "$OUT/orders-pos.csv"
mbr-ingest --tz Europe/London --rejects "$OUT/rejects-uk.ndjson" \
    examples/online-retail.csv > "$OUT/orders-uk.csv"

# 2. RFM per member of the Chinese business, with the profiles joined.
mbr-rfm --as-of "$ASOF" --tz Asia/Shanghai --members examples/members.csv \
    "$OUT/orders-cn.csv" "$OUT/orders-tmall.csv" "$OUT/orders-pos.csv" \
    > "$OUT/members.csv"
mbr-rfm -q --as-of "$ASOF" --tz Asia/Shanghai --summary \
    --members examples/members.csv \
    "$OUT/orders-cn.csv" "$OUT/orders-tmall.csv" "$OUT/orders-pos.csv" \
    > "$OUT/rfm-summary.csv"

# 3. The team's own segments and tags.
if [ -x bin/mbr-segment ] && [ -f examples/segments.rules ]; then
	mbr-segment --as-of "$ASOF" --tz Asia/Shanghai \
	    -r examples/segments.rules "$OUT/members.csv" > "$OUT/segmented.csv"
	mbr-segment -q --as-of "$ASOF" --tz Asia/Shanghai \
	    -r examples/segments.rules --count "$OUT/members.csv" \
	    > "$OUT/segment-counts.csv"
fi

# 4. Loyalty points and tiers (examples/points.json), with the
#    redemptions and adjustments of examples/points-events.csv.  Each run
#    carries on from the state the last one left: here the run of 11
#    November (as of its midnight, so the 11.11 orders stamped just after
#    wait), then tonight's, which reads the same cumulative exports, books
#    only what is new and leaves the state for tomorrow.  Tonight's ledger
#    rows follow the earlier run's in the whole ledger, which --audit
#    checks.
points() {
	mbr-points --program examples/points.json --tz Asia/Shanghai \
	    --members examples/members.csv --events examples/points-events.csv \
	    "$@" "$OUT/orders-cn.csv" "$OUT/orders-tmall.csv" \
	    "$OUT/orders-pos.csv"
}
points --as-of 2024-11-11T00:00:00+08:00 \
    --rejects "$OUT/rejects-points-1111.ndjson" \
    --ledger "$OUT/points-ledger-1111.csv" \
    --state-out "$OUT/points-state-1111.txt" > "$OUT/points-1111.csv"
points --as-of "$ASOF" --state "$OUT/points-state-1111.txt" \
    --rejects "$OUT/rejects-points.ndjson" \
    --ledger "$OUT/points-ledger-tonight.csv" \
    --state-out "$OUT/points-state.txt" > "$OUT/points.csv"
{ cat "$OUT/points-ledger-1111.csv"
  tail -n +2 "$OUT/points-ledger-tonight.csv"; } > "$OUT/points-ledger.csv"
mbr-points --audit "$OUT/points-ledger.csv" --program examples/points.json \
    --tz Asia/Shanghai

echo "nightly: outputs in $OUT:"
ls -l "$OUT"
echo
echo "RFM summary:"
cat "$OUT/rfm-summary.csv"
if [ -f "$OUT/segment-counts.csv" ]; then
	echo
	echo "segments:"
	cat "$OUT/segment-counts.csv"
fi
echo
echo "points (member_id, points, tier, qualifying_spend, next_tier, to_next_tier):"
cut -d, -f1,2,10,12-14 "$OUT/points.csv"
