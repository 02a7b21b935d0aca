#!/bin/sh
# nightly.sh: the whole pipeline over the example exports, as a brand's
# nightly cron job would run it.  Writes into ${OUT:-build/nightly}.
#
#   exports -> mbr-ingest -> orders, profiles
#   orders, profiles, events -> mbr-oneid -> one id a person: people/,
#           people.csv
#   people's orders -> mbr-rfm -> members.csv -> mbr-segment ->
#           segmented.csv, segment counts
#   orders, history -> mbr-clv -> model; members + p_alive, CLV
#   people's orders -> mbr-points -> points balances, ledger, state
#   members, ledger, events -> mbr-campaign -> send lists, send history
#   orders, members, points, sends -> mbr-report -> kpis.csv, report.html
#   abtest members -> mbr-abtest assign -> mbr-campaign -> the test's
#           send list + orders -> mbr-abtest analyze -> the verdict;
#           the winner's text to the rest, with a holdout
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

# 1b. One id a person (OneID).  The CRM's profiles and the WeChat
#     mini-program's member export (examples/members-wechat.csv: cards,
#     openids, unionids; its tiers written as the programme's by
#     examples/wechat-members-map.json) join the Tmall nick, the JD
#     account, the store card and the phone of one shopper.  The
#     identity map carries the ids from night to night (the map of the
#     night before, when there is one: a known identifier keeps its
#     id); every record is written again under $OUT/people/ with its
#     person's id as member_id and the one it came with as
#     source_member_id: the orders, the profiles, and the files keyed by
#     member the later steps read (points events, behaviour events, app
#     tokens, the 11.11 test's variants).  people.csv has one profile a
#     person, the latest value of each field, consent never upgraded.
#     Every step below counts people, not the identifiers each export
#     gave them: a shopper's Tmall and store orders are one RFM, one
#     points balance and one frequency cap.
mbr-ingest -q --kind members --tz Asia/Shanghai examples/members.csv \
    > "$OUT/profiles-crm.csv"
mbr-ingest -q --map examples/wechat-members-map.json --tz Asia/Shanghai \
    examples/members-wechat.csv > "$OUT/profiles-wechat.csv"
mkdir -p "$OUT/people"
if [ -f "$OUT/idmap.csv" ]; then MAP="--map $OUT/idmap.csv"; else MAP=; fi
mbr-oneid -q --tz Asia/Shanghai $MAP --map-out "$OUT/idmap.csv" \
    --audit "$OUT/oneid-audit.csv" --profiles-out "$OUT/people.csv" \
    --outdir "$OUT/people" "$OUT/orders-cn.csv" "$OUT/orders-tmall.csv" \
    "$OUT/orders-pos.csv" "$OUT/profiles-crm.csv" \
    "$OUT/profiles-wechat.csv" examples/points-events.csv \
    examples/events.csv examples/app-tokens.csv examples/d11-variants.csv
P=$OUT/people
ORDERS="$P/orders-cn.csv $P/orders-tmall.csv $P/orders-pos.csv"

# 2. RFM per person of the Chinese business, with the people's
#    profiles joined.
mbr-rfm --as-of "$ASOF" --tz Asia/Shanghai --members "$OUT/people.csv" \
    $ORDERS > "$OUT/members.csv"
mbr-rfm -q --as-of "$ASOF" --tz Asia/Shanghai --summary \
    --members "$OUT/people.csv" $ORDERS > "$OUT/rfm-summary.csv"

# 2b. Looking forward (mbr-clv): BG/NBD and Gamma-Gamma fitted on the
#     brand's order history (examples/clv-history.csv: two years of
#     2,000 other members; the example buyers alone are too few to show
#     anyone leaving) with tonight's orders, then each person's p_alive,
#     expected purchases, order value and CLV over 90 days added to the
#     member records the campaigns read.  The win-back's audience uses
#     p_alive (below 0.8): a coupon for a member whose pace the 60 quiet
#     days break, none for one to whom they are usual, nor for a
#     one-time buyer, whom BG/NBD always counts alive.
mbr-clv fit -q --as-of "$ASOF" --tz Asia/Shanghai -o "$OUT/clv-model.json" \
    examples/clv-history.csv $ORDERS
mbr-clv predict -q --model "$OUT/clv-model.json" --as-of "$ASOF" \
    --tz Asia/Shanghai --members "$OUT/members.csv" $ORDERS \
    > "$OUT/members-clv.csv"

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
	    --members "$OUT/people.csv" --events "$P/points-events.csv" \
	    "$@" $ORDERS
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

# 5. Campaigns (examples/campaigns/), one after the other, each reading
#    the send history the one before wrote, so that the frequency cap
#    (--cap: 3 messages in any 7 days) and each campaign's cooldown hold
#    across campaigns and nights.  The history starts with the 11.11
#    reminder sent on the morning of 11 November, to the members as they
#    were then, in the A/B variants of examples/d11-variants.csv; tonight
#    come the tier-up call (from the points ledger), the birthday coupon
#    (codes from examples/coupons.txt; those left are tomorrow's), the
#    60-day win-back and the abandoned browsing of examples/events.csv
#    (app push where examples/app-tokens.csv has a device).  The
#    suppression list always wins; each explain file has every member
#    triggered and not sent, with the reason.
campaign() {
	c=$1
	shift
	mbr-campaign --campaign "examples/campaigns/$c.json" --tz Asia/Shanghai \
	    --suppress examples/suppress.txt --cap 3/7 \
	    --rejects "$OUT/rejects-campaign-$c.ndjson" \
	    --explain "$OUT/explain-$c.csv" -o "$OUT/send-$c.csv" "$@"
}
mbr-rfm -q --as-of 2024-11-11T10:00:00+08:00 --tz Asia/Shanghai \
    --members "$OUT/people.csv" $ORDERS > "$OUT/members-1111.csv"
campaign batch-1111 --as-of 2024-11-11T10:00:00+08:00 \
    --join "$P/d11-variants.csv" \
    --history-out "$OUT/campaign-history-1111.csv" "$OUT/members-1111.csv"
tonight() {
	c=$1
	shift
	campaign "$c" --as-of "$ASOF" --history "$OUT/campaign-history.csv" \
	    --history-out "$OUT/campaign-history.csv" "$@" "$OUT/members-clv.csv"
}
cp "$OUT/campaign-history-1111.csv" "$OUT/campaign-history.csv"
tonight tier-up --ledger "$OUT/points-ledger.csv"
tonight birthday --coupons examples/coupons.txt \
    --coupons-out "$OUT/coupons-left.txt"
tonight winback
tonight browse --events "$P/events.csv" --join "$P/app-tokens.csv"

# 6. The A/B test of the winter repair cream's text (examples/README.md):
#    3,000 members of the wider membership (examples/abtest-members.csv).
#    On 22 November at 10:00, 20% of them were put in control, a and b
#    (the other 80% in "later", who wait for the winner) and sent
#    campaigns/cream-abtest.json: the usual text to control, a new one
#    to a and b.  That assignment and send are made again here, as the
#    11.11 reminder was, into the test's own send history.  Tonight its
#    7-day windows are closed: the verdict reads the test's send list
#    and the orders since; when a won, its text (campaigns/cream-winner.
#    json) goes to the rest this morning, 10% of them held out to measure
#    what the message adds (mbr-abtest analyze --holdout, a week later).
ABASOF=2024-11-22T10:00:00+08:00
mbr-abtest assign -q --experiment cream-test --variants control,a,b \
    --coverage 0.2 --rest later --as-of "$ABASOF" \
    --rejects "$OUT/rejects-abtest-assign.ndjson" \
    examples/abtest-members.csv > "$OUT/abtest-assigned.csv"
: > "$OUT/abtest-history.csv"
campaign cream-abtest --as-of "$ABASOF" \
    --history "$OUT/abtest-history.csv" \
    --history-out "$OUT/abtest-history.csv" "$OUT/abtest-assigned.csv"
mbr-abtest analyze -q --assignments "$OUT/send-cream-abtest.csv" \
    --window 7d --variants control,a,b --as-of "$ASOF" \
    --rejects "$OUT/rejects-abtest.ndjson" -o "$OUT/abtest-verdict.csv" \
    examples/abtest-orders.csv
mbr-abtest analyze -q --assignments "$OUT/send-cream-abtest.csv" \
    --window 7d --variants control,a,b --as-of "$ASOF" --format text \
    examples/abtest-orders.csv > "$OUT/abtest-verdict.txt"
winner=$(awk -F, 'NR > 1 && $NF == "winner" { print $2 }' \
    "$OUT/abtest-verdict.csv")
if [ "$winner" = a ]; then
	campaign cream-winner --as-of "$ASOF" --holdout 10% \
	    --holdout-out "$OUT/abtest-holdout.csv" \
	    --history "$OUT/abtest-history.csv" \
	    --history-out "$OUT/abtest-history.csv" "$OUT/abtest-assigned.csv"
fi

# 7. The team's dashboard (mbr-report) on the month just closed: KPIs
#    by month and channel against the month before, first-order
#    cohorts, the RFM segments' migration since the 11.11 run, points
#    liability, the campaigns' reach and the cream test's verdict (so
#    it runs after step 6), as records (kpis.csv) and as
#    one page to open in a browser (report.html, in Chinese).  With
#    --alert 'active_30d < -5%' a fall in the month's active members
#    would fail the job (exit 1).
mbr-report -q --as-of 2024-11-30T23:59:59+08:00 --tz Asia/Shanghai \
    --by channel --rfm "$OUT/members.csv" --previous "$OUT/members-1111.csv" \
    --points "$OUT/points.csv" --sends "$OUT/campaign-history.csv" \
    --abtest "$OUT/abtest-verdict.csv" --lang zh --html "$OUT/report.html" \
    -o "$OUT/kpis.csv" $ORDERS

echo "nightly: outputs in $OUT:"
ls -l "$OUT"
echo
echo "RFM summary:"
cat "$OUT/rfm-summary.csv"
echo
echo "one id a person: $(($(wc -l < "$OUT/idmap.csv") - 1)) identifiers," \
    "$(cut -d, -f2 "$OUT/idmap.csv" | sed 1d | sort -u | wc -l) people"
if [ -f "$OUT/segment-counts.csv" ]; then
	echo
	echo "segments:"
	cat "$OUT/segment-counts.csv"
fi
echo
echo "points (member_id, points, tier, qualifying_spend, next_tier, to_next_tier):"
cut -d, -f1,2,10,12-14 "$OUT/points.csv"
echo
echo "campaigns: the send history (campaign_id, member_id, channel, send_at, variant):"
cut -d, -f1-3,5,9 "$OUT/campaign-history.csv"
echo
echo "A/B test cream-test, sent on 22 November, as of tonight:"
cat "$OUT/abtest-verdict.txt"
if [ -f "$OUT/send-cream-winner.csv" ]; then
	echo "the winner's text to the rest: $(($(wc -l \
	    < "$OUT/send-cream-winner.csv") - 1)) sent, $(($(wc -l \
	    < "$OUT/abtest-holdout.csv") - 1)) held out"
fi
