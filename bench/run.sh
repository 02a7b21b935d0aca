#!/bin/bash
# bench/run.sh: mbr against DuckDB, pandas and Miller on the same
# generated data, as ratios in one run ("make bench", "make bench-small").
#
#   bench/run.sh [--smoke] [--sizes "small medium large"] [--runs N]
#                [--warmup N] [--report-only] [--floor-only]
#                [--only "WORKLOAD ..."]
#
# For each size it generates (once; reused while the generator and its
# options stay the same) canonical orders, member profiles and the
# gzipped orders under bench/data/SIZE, then runs eleven workloads, each
# by mbr and by every peer that can express it:
#
#   ingest   canonical CSV to NDJSON
#   rfm      per-member recency, frequency, monetary, quintile scores
#            and the 11 named segments over paid orders
#   segment  20 rules over the member records (mbr-rfm --members output)
#   rfm-gz   rfm on the same orders gzipped
#   points   the loyalty programme bench/points.json (1 point a yuan,
#            tiers on rolling 12-month spend, 24-month expiry): every
#            member's balance, tier and expiring points (mbr-points)
#   campaign the win-back campaign bench/campaign.json over the member
#            records (mbr-rfm --members output, members-rfm.csv) with
#            --suppress (1% of the members), --history (2.5 earlier
#            sends a member over the last 60 days: 5M rows at large)
#            and --cap 2/7: the send list (mbr-campaign); the history
#            and suppression list come from tests/bench/campaign_gen.c
#   abtest-assign
#            mbr-abtest assign: experiment bench-2025, variants
#            control/a/b at 50/25/25, coverage 0.2, GrowthBook's hash
#            version 2, over abtest-members.csv (member_id, segment,
#            tier: five records a member of the size, 10M at large),
#            against the GrowthBook SDK itself in Node.js; timed beside
#            the floor of reading the same file (cat, mbr's record
#            reader), and with --stratify segment,tier (no peer: timed
#            only)
#   abtest-analyze
#            mbr-abtest analyze --window 30d over assignments.csv (every
#            member of the size in control/a/b, assigned from
#            2024-11-01) and the size's orders: per variant members,
#            converters, orders, revenue and the tests against control
#            (two-proportion z, Welch's t, Holm, chance to beat control,
#            SRM); abtest-members.csv and assignments.csv come from
#            tests/bench/abtest_gen.c
#   oneid    mbr-oneid --max-members-per-identifier 1000000 over
#            oneid-orders.csv, as many orders as the size has, whose
#            identifiers (phone, email, openid, nick, card; 2.9M
#            distinct at large, of 1.2M people) join only through
#            chains (tests/bench/oneid_gen.c): one id a person on
#            every order, against the connected components of the
#            identifiers in DuckDB (bench/peers/oneid.sql: iterative
#            label propagation, an UPDATE repeated until no label
#            changes, driven by bench/peers/oneid.mjs); the guard is
#            set above any identifier's sharing, so that mbr's people
#            are the plain connected components
#   clv      mbr-clv fit (BG/NBD and Gamma-Gamma by maximum likelihood)
#            on the size's orders as of ASOF in days, then mbr-clv
#            predict --model over the same orders (p_alive, expected
#            purchases, AOV and CLV over 90 days, 1% a month): end to
#            end, and fit and predict each timed alone; against the same
#            model in pandas and scipy (bench/peers/clv.py: lifetimes'
#            likelihoods with scipy.special, scipy.optimize.minimize
#            BFGS, lifetimes' predictions vectorised), once over every
#            member and once over the members grouped by identical
#            histories (lifetimes' weights), fitted and predicted in one
#            process
#   report   mbr-report --periods 12 --cohorts 12 as of ASOF in TZONE
#            over the size's orders: every monthly KPI of the 12 months
#            to ASOF's (with the month before's value and the change),
#            the latest month's Pareto curve and 12 first-purchase
#            cohorts; and the same --by channel (the orders' channel,
#            tests/bench/gen.c); against the same records in DuckDB SQL
#            (bench/peers/report.sql, the man page's definitions, money
#            in integer cents, rates as exact fractions rounded half
#            away from zero) and, all orders only, in pandas
#            (bench/peers/report_pandas.py); each timed run's CPU
#            seconds are kept beside its wall time
#            (bench/data/SIZE/report-cpu.tsv).  The smoke run, which
#            make check runs, checks DuckDB's records as the full run
#            does but times only mbr's variants and duckdb (no
#            duckdb-1t, no duckdb-by) and leaves pandas out
#
# Before timing, rfm, rfm-gz, segment, points, campaign, abtest-assign
# and abtest-analyze check that mbr and the peers agree member by
# member (bench/compare_rfm.py, compare_seg.py, compare_points.py,
# compare_campaign.py, compare_abtest.py), and oneid that mbr's people
# and DuckDB's components are the same partition of the orders
# (bench/compare_oneid.py), and clv the seven parameters (a relative
# 1e-6), the log-likelihoods and every member's history and predictions
# (bench/compare_clv.py), and report every record (KPIs, Pareto curve,
# cohorts; value, previous and change exactly, as numbers) of the plain
# run, the --by run and, checked only, a --by run as of
# REPORT_ASOF2, whose latest month has orders (ASOF's has none yet)
# (bench/compare_report.py): a peer that disagrees is reported and not
# timed, and the run exits 1.
#
# Timing: whole-process wall time (bash's EPOCHREALTIME around the
# process) and peak RSS (GNU time's %M), --warmup rounds discarded, then
# --runs rounds in which every variant of a workload runs once in turn
# (mbr, peer, peer, ..., mbr, peer, ...), so that drift of the machine
# falls on all alike; the median of the rounds is reported.  The floor
# (cat FILE >/dev/null, wc -l FILE, gzip -dc) is measured the same way.
#
# Peers: DuckDB through its Node.js package (npm install
# @duckdb/node-api into bench/data/node), the GrowthBook JavaScript SDK
# (npm install @growthbook/growthbook@1.7.0 there too: the version
# tests/unit/test_bucket.c was checked against), pandas and Miller from
# Debian (and scipy, which abtest-analyze's and clv's peers need).
# Missing Debian packages are installed by tests/deps.sh (as root); a
# peer that cannot be had is reported as unavailable, never skipped
# silently.  Peers run with their default threads and pinned to one
# (DuckDB: threads=1; Miller: GOMAXPROCS=1; pandas is single-threaded).
#
# Output: bench/RESULTS.md and bench/RESULTS.png (gnuplot), or with
# --smoke bench/data/RESULTS-small.md, which is also printed.  --smoke
# is "make bench-small": the small size, one round, no warm-up.
# --report-only writes the report from the figures kept under
# bench/data; --floor-only measures the floor again and keeps the
# workloads' figures; --only runs the workloads named (points,
# campaign, abtest-assign, abtest-analyze, oneid, clv and report, which
# need nothing from the others; "abtest" is both abtest workloads) on
# data already there and keeps the other workloads' figures and facts.
#
# Environment: GEN_SRC (default tests/bench/gen.c), DUCKDB_NODE_API (npm
# spec, default @duckdb/node-api), GROWTHBOOK_SDK (npm spec, default
# @growthbook/growthbook@1.7.0), PYTHON (default /usr/bin/python3),
# MBR_BIN (the directory of the mbr programs, e.g. build/h2/bin after
# "make O=build/h2 all"; when set, run.sh does not run make).
set -u
LC_ALL=C
export LC_ALL

root=$(cd "$(dirname "$0")/.." && pwd -P) || exit 2
cd "$root" || exit 2

sizes="small medium large"
runs=5
warmup=1
smoke=0
report_only=0
floor_only=0
only=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke)	smoke=1; sizes=small; runs=1; warmup=0 ;;
	--sizes)	sizes=$2; shift ;;
	--runs)		runs=$2; shift ;;
	--warmup)	warmup=$2; shift ;;
	--report-only)	report_only=1 ;;
	--floor-only)	floor_only=1 ;;
	--only)		only=
		for w in $2; do
			case $w in
			abtest)	only="$only abtest-assign abtest-analyze" ;;
			*)	only="$only $w" ;;
			esac
		done
		only=${only# }
		shift
		for w in $only; do
			case $w in
			points|campaign|abtest-assign|abtest-analyze|oneid|clv|report) ;;
			*)	echo "bench/run.sh: --only: no workload $w" >&2
				exit 2 ;;
			esac
		done ;;
	*)	echo "usage: bench/run.sh [--smoke] [--sizes LIST] [--runs N] [--warmup N] [--report-only] [--floor-only] [--only LIST]" >&2
		exit 2 ;;
	esac
	shift
done

ASOF=2025-01-01T00:00:00+08:00
TZONE=Asia/Shanghai
SEED=1
PY=${PYTHON:-/usr/bin/python3}
GEN_SRC=${GEN_SRC:-tests/bench/gen.c}
data=$root/bench/data
peers=$root/bench/peers
bin=${MBR_BIN:-$root/bin}
case $bin in /*) ;; *) bin=$root/$bin ;; esac
# The smoke run (make check) keeps its figures apart, so that it never
# mixes into those of a full run.
rd=$data
[ $smoke = 1 ] && rd=$data/smoke
mkdir -p "$data" "$rd" || exit 3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-bench.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '%s\n' "$*"; }
note() { printf '%s\n' "$*" >&2; }
status=0

# --- what we need --------------------------------------------------

# Each Debian package on its own, so that one that cannot be had
# leaves the others.
avail() {	# avail PKG: 0 if installed now (installing it if we may)
	sh tests/deps.sh "$1" >/dev/null 2>"$tmp/deps.err" && return 0
	sed 's/^/  /' "$tmp/deps.err" >&2
	return 1
}
for p in time gzip; do
	avail "$p" || { note "bench: $p is needed"; exit 2; }
done
have_gnuplot=0; avail gnuplot-nox && have_gnuplot=1
have_mlr=0; why_mlr="Debian package miller could not be installed"
avail miller && command -v mlr >/dev/null && have_mlr=1
have_pd=0; why_pd="Debian package python3-pandas could not be installed"
if avail python3-pandas; then
	if "$PY" -c 'import pandas, numpy' 2>/dev/null; then
		have_pd=1
	else
		why_pd="$PY cannot import pandas"
	fi
fi
have_duck=0; why_duck=
moddir=$data/node
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	avail nodejs; command -v npm >/dev/null || avail npm
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	why_duck="node/npm not available"
elif [ ! -f "$moddir/node_modules/@duckdb/node-api/package.json" ]; then
	note "bench: npm install ${DUCKDB_NODE_API:-@duckdb/node-api} (into bench/data/node)"
	mkdir -p "$moddir"
	[ -f "$moddir/package.json" ] || echo '{"private": true}' >"$moddir/package.json"
	npm install --prefix "$moddir" --no-audit --no-fund --loglevel=error \
	    "${DUCKDB_NODE_API:-@duckdb/node-api}" >"$tmp/npm.log" 2>&1 ||
	    { sed 's/^/  /' "$tmp/npm.log" | tail -5 >&2
	      why_duck="npm install @duckdb/node-api failed"; }
fi
duck_version=
if [ -z "$why_duck" ]; then
	if duck_version=$(node "$peers/duckdb.mjs" "$moddir" 0 version 2>"$tmp/duck.err"); then
		have_duck=1
	else
		why_duck="DuckDB does not start: $(head -1 "$tmp/duck.err")"
	fi
fi
# The GrowthBook SDK, beside DuckDB's package: abtest-assign's peer.
have_gb=0; why_gb=; gb_version=
GROWTHBOOK_SDK=${GROWTHBOOK_SDK:-@growthbook/growthbook@1.7.0}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	why_gb="node/npm not available"
elif [ ! -f "$moddir/node_modules/@growthbook/growthbook/package.json" ]; then
	note "bench: npm install $GROWTHBOOK_SDK (into bench/data/node)"
	mkdir -p "$moddir"
	[ -f "$moddir/package.json" ] || echo '{"private": true}' >"$moddir/package.json"
	npm install --prefix "$moddir" --no-audit --no-fund --loglevel=error \
	    "$GROWTHBOOK_SDK" >"$tmp/npm.log" 2>&1 ||
	    { sed 's/^/  /' "$tmp/npm.log" | tail -5 >&2
	      why_gb="npm install $GROWTHBOOK_SDK failed"; }
fi
if [ -z "$why_gb" ]; then
	if gb_version=$(node "$peers/abtest_assign.mjs" "$moddir" version 2>"$tmp/gb.err"); then
		have_gb=1
	else
		why_gb="the GrowthBook SDK does not load: $(head -1 "$tmp/gb.err")"
	fi
fi
# abtest-analyze's pandas peer needs scipy besides.
have_scipy=0; why_scipy=$why_pd
if [ $have_pd = 1 ]; then
	why_scipy="Debian package python3-scipy could not be installed"
	avail python3-scipy && "$PY" -c 'import scipy.stats, scipy.special' \
	    2>/dev/null && have_scipy=1
fi
[ $have_duck = 1 ] || note "bench: DuckDB unavailable: $why_duck"
[ $have_gb = 1 ] || note "bench: GrowthBook SDK unavailable: $why_gb"
[ $have_pd = 1 ] || note "bench: pandas unavailable: $why_pd"
[ $have_mlr = 1 ] || note "bench: Miller unavailable: $why_mlr"
[ $have_gnuplot = 1 ] || note "bench: gnuplot unavailable: no chart"

# mbr itself, and the generator.
if [ -z "${MBR_BIN:-}" ]; then
	make -s all >/dev/null || { note "bench: make failed"; exit 1; }
fi
if [ ! -f "$GEN_SRC" ]; then
	note "bench: $GEN_SRC: no generator"
	exit 2
fi
gen=$data/gen
if [ ! -x "$gen" ] || [ "$GEN_SRC" -nt "$gen" ]; then
	${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -o "$gen" \
	    "$GEN_SRC" -lm || { note "bench: cannot build $GEN_SRC"; exit 1; }
fi
# The record reader alone (tests/bench/readspeed.c), when it is there:
# mbr's own floor.
readspeed=
if [ -f tests/bench/readspeed.c ]; then
	readspeed=$data/readspeed
	if [ ! -x "$readspeed" ] || [ tests/bench/readspeed.c -nt "$readspeed" ] ||
	    [ lib/libmbr.a -nt "$readspeed" ]; then
		${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		    -O2 -Ilib -o "$readspeed" tests/bench/readspeed.c lib/libmbr.a \
		    -lcsv -ljansson -lpcre2-8 -lz -lm -lpthread ||
		    { note "bench: cannot build tests/bench/readspeed.c"; readspeed=; }
	fi
fi
# Fresh memory's cost (tests/bench/touch.c).
touch=
if [ -f tests/bench/touch.c ]; then
	touch=$data/touch
	if [ ! -x "$touch" ] || [ tests/bench/touch.c -nt "$touch" ]; then
		${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		    -O2 -o "$touch" tests/bench/touch.c ||
		    { note "bench: cannot build tests/bench/touch.c"; touch=; }
	fi
fi
have_seg=0
[ -x "$bin/mbr-segment" ] && have_seg=1
have_points=0
[ -x "$bin/mbr-points" ] && have_points=1
points_prog=$root/bench/points.json
EXPIRING=30
have_campaign=0
[ -x "$bin/mbr-campaign" ] && have_campaign=1
campaign_prog=$root/bench/campaign.json
CAP=2/7
# The campaign's history and suppression list (tests/bench/campaign_gen.c).
cgen=$data/campaign_gen
if [ ! -x "$cgen" ] || [ tests/bench/campaign_gen.c -nt "$cgen" ]; then
	${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -o "$cgen" \
	    tests/bench/campaign_gen.c ||
	    { note "bench: cannot build tests/bench/campaign_gen.c"; cgen=; }
fi

have_abtest=0
[ -x "$bin/mbr-abtest" ] && have_abtest=1
AB_KEY=bench-2025
AB_VARIANTS=control=50,a=25,b=25
AB_COVERAGE=0.2
AB_STRATIFY=segment,tier
AB_WINDOW=30d
AB_START=2024-11-01T10:00:00+08:00
# assign's member records and analyze's assignments
# (tests/bench/abtest_gen.c).
agen=$data/abtest_gen
if [ ! -x "$agen" ] || [ tests/bench/abtest_gen.c -nt "$agen" ]; then
	${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -o "$agen" \
	    tests/bench/abtest_gen.c ||
	    { note "bench: cannot build tests/bench/abtest_gen.c"; agen=; }
fi

have_oneid=0
[ -x "$bin/mbr-oneid" ] && have_oneid=1
# Large enough that no identifier is a placeholder: mbr-oneid's people
# are then the plain connected components that DuckDB computes.
ONEID_MAX=1000000
# oneid's orders (tests/bench/oneid_gen.c).
ogen=$data/oneid_gen
if [ ! -x "$ogen" ] || [ tests/bench/oneid_gen.c -nt "$ogen" ]; then
	${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -o "$ogen" \
	    tests/bench/oneid_gen.c ||
	    { note "bench: cannot build tests/bench/oneid_gen.c"; ogen=; }
fi

have_clv=0
[ -x "$bin/mbr-clv" ] && have_clv=1
# predict's horizon (days) and monthly discount, mbr-clv's defaults
CLV_HORIZON=90
CLV_DISCOUNT=0.01

have_report=0
[ -x "$bin/mbr-report" ] && have_report=1
# the monthly KPIs of the 12 months to ASOF's and 12 cohorts (the
# defaults), all orders and --by the channel every generated order has
REPORT_PERIODS=12
REPORT_COHORTS=12
REPORT_BY=channel
# Checked, not timed: ASOF is the first instant of a month that has no
# orders yet, so that month's buyers, revenue and Pareto curve are zeros
# and empties; as of mid-December every KPI and the curve have numbers.
REPORT_ASOF2=2024-12-15T12:00:00+08:00

# --- data ----------------------------------------------------------

size_args() {
	case $1 in
	small)	echo "--orders 100000 --members 20000" ;;
	medium)	echo "--orders 1000000 --members 200000" ;;
	large)	echo "--orders 10000000 --members 2000000" ;;
	*)	note "bench: unknown size $1"; exit 2 ;;
	esac
}

# make_data SIZE: orders.csv, profiles.csv, orders.csv.gz in
# bench/data/SIZE, unless the stamp says they are there for this very
# generator and these options.
make_data() {
	d=$rd/$1
	args="--seed $SEED $(size_args "$1")"
	stamp="$(md5sum <"$gen" | cut -d' ' -f1) $args"
	if [ -f "$d/stamp" ] && [ "$(cat "$d/stamp")" = "$stamp" ] &&
	    [ -f "$d/orders.csv.gz" ]; then
		return 0
	fi
	mkdir -p "$d"
	rm -f "$d/stamp"
	note "bench: generating $1 ($args)"
	"$gen" $args --format csv --profiles "$d/profiles.csv" \
	    -o "$d/orders.csv" || exit 1
	gzip -c "$d/orders.csv" >"$d/orders.csv.gz" || exit 3
	printf '%s\n' "$stamp" >"$d/stamp"
}

history_rows() {
	case $1 in
	small)	echo 50000 ;;
	medium)	echo 500000 ;;
	large)	echo 5000000 ;;
	esac
}

# make_members_rfm SIZE: members-rfm.csv in bench/data/SIZE (mbr-rfm
# --members over the profiles and orders, once for these data), which
# campaign and abtest read.
make_members_rfm() {
	local d=$rd/$1 stamp
	stamp="$(cat "$d/stamp") mbr-rfm --as-of $ASOF --tz $TZONE --members profiles.csv orders.csv"
	if [ ! -f "$d/members-rfm.stamp" ] || [ ! -f "$d/members-rfm.csv" ] ||
	    [ "$(cat "$d/members-rfm.stamp")" != "$stamp" ]; then
		rm -f "$d/members-rfm.stamp"
		note "bench: $1: members-rfm.csv (mbr-rfm --members)"
		"$bin/mbr-rfm" -q --as-of $ASOF --tz $TZONE \
		    --members "$d/profiles.csv" -o "$d/members-rfm.csv" \
		    "$d/orders.csv" || return 1
		printf '%s\n' "$stamp" >"$d/members-rfm.stamp"
	fi
	return 0
}

# make_campaign_data SIZE: the campaign's input in bench/data/SIZE:
# members-rfm.csv (make_members_rfm), history.csv and suppress.txt
# (tests/bench/campaign_gen from the profiles, once for this generator
# and these options).
make_campaign_data() {
	local d=$rd/$1 stamp args
	make_members_rfm "$1" || return 1
	[ -n "$cgen" ] || return 1
	args="--seed $SEED --as-of $ASOF --history-rows $(history_rows "$1")"
	stamp="$(md5sum <"$cgen" | cut -d' ' -f1) $(cat "$d/stamp") $args"
	if [ ! -f "$d/campaign.stamp" ] || [ ! -f "$d/history.csv" ] ||
	    [ ! -f "$d/suppress.txt" ] ||
	    [ "$(cat "$d/campaign.stamp")" != "$stamp" ]; then
		rm -f "$d/campaign.stamp"
		note "bench: $1: history.csv and suppress.txt ($args)"
		"$cgen" $args --profiles "$d/profiles.csv" \
		    --history "$d/history.csv" --suppress "$d/suppress.txt" ||
		    return 1
		printf '%s\n' "$stamp" >"$d/campaign.stamp"
	fi
	return 0
}

population() {	# population SIZE: abtest-assign's member records
	case $1 in
	small)	echo 100000 ;;
	medium)	echo 1000000 ;;
	large)	echo 10000000 ;;
	esac
}

# make_abtest_data SIZE: abtest's input in bench/data/SIZE, by
# tests/bench/abtest_gen.c from members-rfm.csv and the orders, once for
# this generator, these data and these options: abtest-members.csv
# (assign's: the members and made-up ones, population SIZE records of
# member_id, segment, tier) and assignments.csv (analyze's: every member
# in control/a/b from AB_START, some exactly on the window's edges).
make_abtest_data() {
	local d=$rd/$1 stamp args
	make_members_rfm "$1" || return 1
	[ -n "$agen" ] || return 1
	args="--seed $SEED --population $(population "$1") --experiment $AB_KEY --start $AB_START"
	stamp="$(md5sum <"$agen" | cut -d' ' -f1) $(cat "$d/members-rfm.stamp") $args"
	if [ ! -f "$d/abtest.stamp" ] || [ ! -f "$d/abtest-members.csv" ] ||
	    [ ! -f "$d/assignments.csv" ] ||
	    [ "$(cat "$d/abtest.stamp")" != "$stamp" ]; then
		rm -f "$d/abtest.stamp"
		note "bench: $1: abtest-members.csv and assignments.csv ($args)"
		"$agen" $args --members "$d/members-rfm.csv" \
		    --orders "$d/orders.csv" \
		    --population-out "$d/abtest-members.csv" \
		    --assignments "$d/assignments.csv" 2>"$tmp/agen.err" ||
		    { sed 's/^/  /' "$tmp/agen.err" >&2; return 1; }
		printf '%s\n' "$stamp" >"$d/abtest.stamp"
	fi
	return 0
}

# make_oneid_data SIZE: oneid-orders.csv and oneid.stats (its counts:
# orders, people, distinct identifiers, connected components) in
# bench/data/SIZE, by tests/bench/oneid_gen.c, once for this generator
# and these options.
make_oneid_data() {
	local d=$rd/$1 stamp args
	[ -n "$ogen" ] || return 1
	args="--seed $SEED --orders $(size_args "$1" | awk '{ print $2 }')"
	stamp="$(md5sum <"$ogen" | cut -d' ' -f1) $args"
	if [ ! -f "$d/oneid.stamp" ] || [ ! -f "$d/oneid-orders.csv" ] ||
	    [ ! -f "$d/oneid.stats" ] ||
	    [ "$(cat "$d/oneid.stamp")" != "$stamp" ]; then
		rm -f "$d/oneid.stamp"
		note "bench: $1: oneid-orders.csv ($args)"
		"$ogen" $args --stats "$d/oneid.stats" \
		    -o "$d/oneid-orders.csv" || return 1
		printf '%s\n' "$stamp" >"$d/oneid.stamp"
	fi
	return 0
}

# --- timing --------------------------------------------------------

# run1 CMD: run CMD (a shell command line) once; sets wall (seconds) and
# rss (KiB) and rc.
run1() {
	local t0 t1
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M' -o "$tmp/rss" sh -c "exec $1" </dev/null \
	    2>"$tmp/stderr"
	rc=$?
	t1=$EPOCHREALTIME
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
	rss=$(tail -n 1 "$tmp/rss")
	case $rss in *[!0-9]*|'') rss=0 ;; esac
}

# bench_group SIZE WORKLOAD: time the variants listed in $tmp/variants
# (lines "name<TAB>command") in interleaved rounds; rows go to
# $rd/SIZE/times.tsv as size, workload, variant, round, wall, rss, rc.
# Each round runs the variants in an order shuffled afresh (seeded by
# the round, so that a rerun repeats it): a variant that always came
# right after a long run of a peer would start each time on a machine
# that peer had slowed.
bench_group() {
	local size=$1 wl=$2 r name cmd total=$((warmup + runs))
	for r in $(seq 1 "$total"); do
		awk -v seed="$r" 'BEGIN { srand(seed) } { v[NR] = $0 }
		    END { for (i = NR; i > 1; i--) { j = int(rand() * i) + 1
		    t = v[i]; v[i] = v[j]; v[j] = t }
		    for (i = 1; i <= NR; i++) print v[i] }' \
		    "$tmp/variants" >"$tmp/round"
		while IFS='	' read -r name cmd; do
			run1 "$cmd"
			if [ "$rc" != 0 ]; then
				note "bench: $size $wl $name exited $rc:"
				head -3 "$tmp/stderr" | sed 's/^/  /' >&2
				status=1
			fi
			[ "$r" -le "$warmup" ] && continue
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$wl" \
			    "$name" "$((r - warmup))" "$wall" "$rss" "$rc" \
			    >>"$times"
		done <"$tmp/round"
	done
}

variant() {	# variant NAME CMD
	printf '%s\t%s\n' "$1" "$2" >>"$tmp/variants"
}

# fits SIZE WORKLOAD VARIANT: whether the variant's peak RSS, scaled
# from the next smaller size measured, stays under 80% of the memory
# available now (a process that does not fit would bring in the OOM
# killer, and not only on itself).  Sets why_big when it does not.
fits() {
	local prev rss n0 n1 avail
	case $1 in
	large)	prev=medium ;;
	medium)	prev=small ;;
	*)	return 0 ;;
	esac
	[ -f "$rd/$prev/times.tsv" ] || return 0
	rss=$(awk -F'\t' -v w="$2" -v v="$3" '$2 == w && $3 == v && $6 + 0 > m { m = $6 } END { print m + 0 }' "$rd/$prev/times.tsv")
	n0=$(sed -n 's/^orders\t//p' "$rd/$prev/facts.tsv")
	n1=$(size_args "$1" | awk '{ print $2 }')
	avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	[ -n "$n0" ] && [ "$n0" -gt 0 ] || return 0
	if awk -v r="$rss" -v a="$n0" -v b="$n1" -v m="$avail" \
	    'BEGIN { exit !(r * b / a > 0.8 * m) }'; then
		why_big=$(awk -v r="$rss" -v a="$n0" -v b="$n1" -v m="$avail" -v p="$prev" \
		    'BEGIN { printf "not run: %.0f MB at %s scales to %.1f GB here, over 80%% of the %.1f GB available", r / 1024, p, r * b / a / 1048576, m / 1048576 }')
		return 1
	fi
	return 0
}

# unavailable SIZE WORKLOAD PEER WHY: a row the report shows as such.
unavailable() {
	printf '%s\t%s\t%s\t0\t-\t-\t%s\n' "$1" "$2" "$3" "$4" >>"$times"
}

duck() {	# duck THREADS SQL ARGS...: a DuckDB command line
	local t=$1 sql=$2
	shift 2
	printf 'node %s %s %s %s' "$peers/duckdb.mjs" "$moddir" "$t" "$peers/$sql"
	printf ' %s' "$@"
}

# --- the workloads -------------------------------------------------

# agrees COMPARE MINE THEIRS LABEL CMD: runs the peer's command line CMD
# (which writes THEIRS) and compares with mbr's MINE by the script
# COMPARE; the verdict goes to the terminal and the report.  Returns 0
# when they agree.
agrees() {
	local ok=1
	run1 "$5"
	if [ "$rc" = 0 ] && "$PY" "$1" "$2" "$3" "$4" >"$tmp/cmp" 2>&1; then
		ok=0
	else
		status=1
		head -3 "$tmp/stderr" >>"$tmp/cmp"
	fi
	cat "$tmp/cmp"
	sed "s/^/check	/" "$tmp/cmp" >>"$checks"
	return $ok
}

rfm_check() {	# rfm_check SIZE WORKLOAD INPUT: mbr vs DuckDB and pandas
	local size=$1 wl=$2 in=$3
	duck_ok=0 pd_ok=0
	run1 "$bin/mbr-rfm -q --as-of $ASOF --tz $TZONE $in >$tmp/rfm.mbr.csv"
	[ "$rc" = 0 ] || { note "bench: mbr-rfm failed on $in"; status=1; return; }
	[ $have_duck = 1 ] && agrees bench/compare_rfm.py "$tmp/rfm.mbr.csv" \
	    "$tmp/rfm.duck.csv" "$size $wl: duckdb" \
	    "$(duck 0 rfm.sql orders="$in" out="$tmp/rfm.duck.csv" asof=$ASOF tz=$TZONE)" &&
	    duck_ok=1
	[ $have_pd = 1 ] && agrees bench/compare_rfm.py "$tmp/rfm.mbr.csv" \
	    "$tmp/rfm.pd.csv" "$size $wl: pandas" \
	    "$PY $peers/rfm_pandas.py $in $tmp/rfm.pd.csv $ASOF $TZONE" &&
	    pd_ok=1
	return 0
}

rfm_variants() {	# rfm_variants SIZE WORKLOAD INPUT
	local size=$1 wl=$2 in=$3
	: >"$tmp/variants"
	variant mbr "$bin/mbr-rfm -q --as-of $ASOF --tz $TZONE $in >/dev/null"
	variant mbr-1t "$bin/mbr-rfm -q --threads 1 --as-of $ASOF --tz $TZONE $in >/dev/null"
	if [ $have_duck = 0 ]; then
		unavailable "$size" "$wl" duckdb "$why_duck"
	elif [ $duck_ok = 1 ]; then
		variant duckdb "$(duck 0 rfm.sql orders="$in" out=/dev/null asof=$ASOF tz=$TZONE)"
		variant duckdb-1t "$(duck 1 rfm.sql orders="$in" out=/dev/null asof=$ASOF tz=$TZONE)"
		[ "$wl" = rfm ] &&
		    variant duckdb-ntile "$(duck 0 rfm_ntile.sql orders="$in" out=/dev/null asof=$ASOF tz=$TZONE)"
	else
		unavailable "$size" "$wl" duckdb "disagrees with mbr: not timed"
	fi
	if [ $have_pd = 0 ]; then
		unavailable "$size" "$wl" pandas "$why_pd"
	elif [ $pd_ok = 1 ]; then
		variant pandas "$PY $peers/rfm_pandas.py $in /dev/null $ASOF $TZONE"
		[ "$wl" = rfm ] &&
		    variant pandas-qcut "$PY $peers/rfm_pandas.py --qcut $in /dev/null $ASOF $TZONE"
	else
		unavailable "$size" "$wl" pandas "disagrees with mbr: not timed"
	fi
	[ $have_mlr = 1 ] && unavailable "$size" "$wl" miller \
	    "not run: the scores need quantiles over the members, a second pass that Miller has only as a hand-written DSL program"
	bench_group "$size" "$wl"
}

seg_check() {	# seg_check SIZE MEMBERS
	local size=$1 in=$2 name cmd
	seg_duck=0 seg_pd=0 seg_mlr=0
	run1 "$bin/mbr-segment -q --default-segment other --as-of $ASOF --tz $TZONE -r $peers/segment.rules $in >$tmp/seg.mbr.csv"
	[ "$rc" = 0 ] || { note "bench: mbr-segment failed:"; head -3 "$tmp/stderr" >&2; status=1; return 1; }
	for name in duckdb pandas miller; do
		case $name in
		duckdb)	[ $have_duck = 1 ] || continue
			cmd="$(duck 0 segment.sql members="$in" out="$tmp/seg.peer.csv")" ;;
		pandas)	[ $have_pd = 1 ] || continue
			cmd="$PY $peers/segment_pandas.py $in $tmp/seg.peer.csv" ;;
		miller)	[ $have_mlr = 1 ] || continue
			cmd="mlr --icsv --ocsv put -f $peers/segment.mlr $in >$tmp/seg.peer.csv" ;;
		esac
		agrees bench/compare_seg.py "$tmp/seg.mbr.csv" "$tmp/seg.peer.csv" \
		    "$size segment: $name" "$cmd" || continue
		case $name in
		duckdb) seg_duck=1 ;; pandas) seg_pd=1 ;; miller) seg_mlr=1 ;;
		esac
	done
}

# points_run SIZE ORDERS: mbr-points against DuckDB and pandas on the
# programme bench/points.json, checked member by member, then timed.
points_run() {
	local size=$1 in=$2 pduck=0 ppd=0 pd_fits=1 mine t1=
	mine="$bin/mbr-points -q --program $points_prog --as-of $ASOF --tz $TZONE"
	run1 "$mine $in >$tmp/points.mbr.csv"
	if [ "$rc" != 0 ]; then
		note "bench: mbr-points failed on $in:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" points mbr "mbr-points exited $rc"
		return
	fi
	printf 'points_members\t%s\n' "$(($(wc -l <"$tmp/points.mbr.csv") - 1))" \
	    >>"$rd/$size/facts.tsv"
	[ $have_duck = 1 ] && agrees bench/compare_points.py "$tmp/points.mbr.csv" \
	    "$tmp/points.duck.csv" "$size points: duckdb" \
	    "$(duck 0 points.sql orders="$in" program="$points_prog" out="$tmp/points.duck.csv" asof=$ASOF tz=$TZONE expiring=$EXPIRING)" &&
	    pduck=1
	if [ $have_pd = 1 ] && ! fits "$size" points pandas; then
		pd_fits=0
	fi
	[ $have_pd = 1 ] && [ $pd_fits = 1 ] && agrees bench/compare_points.py \
	    "$tmp/points.mbr.csv" "$tmp/points.pd.csv" "$size points: pandas" \
	    "$PY $peers/points_pandas.py $in $points_prog $tmp/points.pd.csv $ASOF $TZONE $EXPIRING" &&
	    ppd=1
	rm -f "$tmp/points.duck.csv" "$tmp/points.pd.csv"
	: >"$tmp/variants"
	variant mbr "$mine $in >/dev/null"
	"$bin/mbr-points" --help 2>&1 | grep -q -- '--threads' && t1=1
	[ -n "$t1" ] && variant mbr-1t "$mine --threads 1 $in >/dev/null"
	if [ $have_duck = 0 ]; then
		unavailable "$size" points duckdb "$why_duck"
	elif [ $pduck = 1 ]; then
		variant duckdb "$(duck 0 points.sql orders="$in" program="$points_prog" out=/dev/null asof=$ASOF tz=$TZONE expiring=$EXPIRING)"
		variant duckdb-1t "$(duck 1 points.sql orders="$in" program="$points_prog" out=/dev/null asof=$ASOF tz=$TZONE expiring=$EXPIRING)"
	else
		unavailable "$size" points duckdb "disagrees with mbr: not timed"
	fi
	if [ $have_pd = 0 ]; then
		unavailable "$size" points pandas "$why_pd"
	elif [ $pd_fits = 0 ]; then
		unavailable "$size" points pandas "$why_big"
	elif [ $ppd = 1 ]; then
		variant pandas "$PY $peers/points_pandas.py $in $points_prog /dev/null $ASOF $TZONE $EXPIRING"
	else
		unavailable "$size" points pandas "disagrees with mbr: not timed"
	fi
	[ $have_mlr = 1 ] && unavailable "$size" points miller \
	    "not run: a member's tier is a running maximum over its orders, cut at each review, with a 12-month window at each order: not a Miller verb"
	bench_group "$size" points
}

# fact SIZE KEY VALUE: sets KEY in SIZE's facts.tsv (replacing it).
fact() {
	local f=$rd/$1/facts.tsv
	[ -f "$f" ] && awk -F'\t' -v k="$2" '$1 != k' "$f" >"$tmp/facts.keep" &&
	    cp "$tmp/facts.keep" "$f"
	printf '%s\t%s\n' "$2" "$3" >>"$f"
}

# campaign_run SIZE: mbr-campaign against DuckDB and pandas on the
# campaign bench/campaign.json over SIZE's members-rfm.csv, with the
# suppression list and history of tests/bench/campaign_gen, checked row
# by row, then timed.
campaign_run() {
	local size=$1 d=$rd/$1 cduck=0 cpd=0 pd_fits=1 mine t1= in m h s
	if ! make_campaign_data "$size"; then
		note "bench: $size campaign: no input data"
		status=1
		unavailable "$size" campaign mbr "no input data (members-rfm.csv, history.csv, suppress.txt)"
		return
	fi
	m=$d/members-rfm.csv h=$d/history.csv s=$d/suppress.txt
	fact "$size" campaign_members "$(($(wc -l <"$m") - 1))"
	fact "$size" campaign_history "$(($(wc -l <"$h") - 1))"
	fact "$size" campaign_bytes "$(($(wc -c <"$m") + $(wc -c <"$h") + $(wc -c <"$s")))"
	fact "$size" campaign_suppress "$(grep -cv '^\(#.*\)\?$' "$s")"
	mine="$bin/mbr-campaign -q --campaign $campaign_prog --as-of $ASOF --tz $TZONE --suppress $s --history $h --cap $CAP"
	run1 "$mine $m >$tmp/campaign.mbr.csv"
	if [ "$rc" != 0 ]; then
		note "bench: mbr-campaign failed on $m:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" campaign mbr "mbr-campaign exited $rc"
		return
	fi
	fact "$size" campaign_sent "$(($(wc -l <"$tmp/campaign.mbr.csv") - 1))"
	# mbr's own count of the funnel, for the report
	"$bin/mbr-campaign" --campaign "$campaign_prog" --as-of $ASOF \
	    --tz $TZONE --suppress "$s" --history "$h" --cap $CAP "$m" \
	    2>"$tmp/campaign.summary" >/dev/null &&
	    fact "$size" campaign_summary "$(tail -1 "$tmp/campaign.summary" | sed "s/^mbr-campaign: //")"
	[ $have_duck = 1 ] && agrees bench/compare_campaign.py "$tmp/campaign.mbr.csv" \
	    "$tmp/campaign.duck.csv" "$size campaign: duckdb" \
	    "$(duck 0 campaign.sql members="$m" campaign="$campaign_prog" suppress="$s" history="$h" out="$tmp/campaign.duck.csv" asof=$ASOF tz=$TZONE capn=${CAP%/*} capdays=${CAP#*/})" &&
	    cduck=1
	if [ $have_pd = 1 ] && ! fits "$size" campaign pandas; then
		pd_fits=0
	fi
	[ $have_pd = 1 ] && [ $pd_fits = 1 ] && agrees bench/compare_campaign.py \
	    "$tmp/campaign.mbr.csv" "$tmp/campaign.pd.csv" "$size campaign: pandas" \
	    "$PY $peers/campaign_pandas.py $m $campaign_prog $s $h $tmp/campaign.pd.csv $ASOF $TZONE $CAP" &&
	    cpd=1
	rm -f "$tmp/campaign.duck.csv" "$tmp/campaign.pd.csv"
	: >"$tmp/variants"
	variant mbr "$mine $m >/dev/null"
	"$bin/mbr-campaign" --help 2>&1 | grep -q -- '--threads' && t1=1
	[ -n "$t1" ] && variant mbr-1t "$mine --threads 1 $m >/dev/null"
	if [ $have_duck = 0 ]; then
		unavailable "$size" campaign duckdb "$why_duck"
	elif [ $cduck = 1 ]; then
		variant duckdb "$(duck 0 campaign.sql members="$m" campaign="$campaign_prog" suppress="$s" history="$h" out=/dev/null asof=$ASOF tz=$TZONE capn=${CAP%/*} capdays=${CAP#*/})"
		variant duckdb-1t "$(duck 1 campaign.sql members="$m" campaign="$campaign_prog" suppress="$s" history="$h" out=/dev/null asof=$ASOF tz=$TZONE capn=${CAP%/*} capdays=${CAP#*/})"
	else
		unavailable "$size" campaign duckdb "disagrees with mbr: not timed"
	fi
	if [ $have_pd = 0 ]; then
		unavailable "$size" campaign pandas "$why_pd"
	elif [ $pd_fits = 0 ]; then
		unavailable "$size" campaign pandas "$why_big"
	elif [ $cpd = 1 ]; then
		variant pandas "$PY $peers/campaign_pandas.py $m $campaign_prog $s $h /dev/null $ASOF $TZONE $CAP"
	else
		unavailable "$size" campaign pandas "disagrees with mbr: not timed"
	fi
	[ $have_mlr = 1 ] && unavailable "$size" campaign miller \
	    "not run: the cap and the cooldown count each member's rows of a second file (the history), a join and a group-by that Miller has only as a hand-written DSL program"
	bench_group "$size" campaign
}

# abtest_assign_run SIZE: mbr-abtest assign against the GrowthBook SDK
# (bench/peers/abtest_assign.mjs: GrowthBookClient's runInlineExperiment
# a member, and the SDK's hash/getBucketRanges/chooseVariation from its
# util.js) on SIZE's abtest-members.csv, checked member by member, then
# timed beside the floor of reading the file.
abtest_assign_run() {
	local size=$1 d=$rd/$1 pm mine t1= api name ok_client=0 ok_util=0
	pm=$d/abtest-members.csv
	fact "$size" abtest_assign_members "$(($(wc -l <"$pm") - 1))"
	fact "$size" abtest_assign_bytes "$(wc -c <"$pm")"
	mine="$bin/mbr-abtest assign -q --experiment $AB_KEY --variants $AB_VARIANTS --coverage $AB_COVERAGE --as-of $ASOF"
	run1 "$mine $pm >$tmp/abtest.assign.mbr.csv"
	if [ "$rc" != 0 ]; then
		note "bench: mbr-abtest assign failed on $pm:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" abtest-assign mbr "mbr-abtest assign exited $rc"
		return
	fi
	if [ $have_gb = 1 ]; then
		for api in client util; do
			name=growthbook
			[ $api = client ] || name=growthbook-$api
			if agrees bench/compare_abtest.py "$tmp/abtest.assign.mbr.csv" \
			    "$tmp/abtest.assign.gb.csv" "$size abtest-assign: $name" \
			    "node $peers/abtest_assign.mjs $moddir members=$pm out=$tmp/abtest.assign.gb.csv experiment=$AB_KEY variants=$AB_VARIANTS coverage=$AB_COVERAGE api=$api"; then
				eval "ok_$api=1"
				# the counts compare_abtest.py printed, for the report
				[ $api = client ] && fact "$size" abtest_assign_check \
				    "$(tail -1 "$tmp/cmp")"
			fi
			rm -f "$tmp/abtest.assign.gb.csv"
		done
	fi
	rm -f "$tmp/abtest.assign.mbr.csv"
	: >"$tmp/variants"
	# the floor, in the same rounds
	variant cat "cat $pm >/dev/null"
	[ -n "$readspeed" ] && variant mbr-reader "$readspeed $pm"
	variant mbr "$mine $pm >/dev/null"
	"$bin/mbr-abtest" assign --help 2>&1 | grep -q -- '--threads' && t1=1
	[ -n "$t1" ] && variant mbr-1t "$mine --threads 1 $pm >/dev/null"
	variant mbr-stratify "$mine --stratify $AB_STRATIFY $pm >/dev/null"
	if [ $have_gb = 0 ]; then
		unavailable "$size" abtest-assign growthbook "$why_gb"
	else
		for api in client util; do
			name=growthbook
			[ $api = client ] || name=growthbook-$api
			if [ "$(eval echo "\$ok_$api")" = 1 ]; then
				variant "$name" "node $peers/abtest_assign.mjs $moddir members=$pm out=/dev/null experiment=$AB_KEY variants=$AB_VARIANTS coverage=$AB_COVERAGE api=$api"
			else
				unavailable "$size" abtest-assign "$name" "disagrees with mbr: not timed"
			fi
		done
	fi
	[ $have_duck = 1 ] && unavailable "$size" abtest-assign duckdb \
	    "not run: GrowthBook's hash is FNV-1a over UTF-16 code units, twice, which no SQL function computes; the peer is the SDK itself"
	bench_group "$size" abtest-assign
}

# abtest_analyze_run SIZE: mbr-abtest analyze against DuckDB and pandas
# (bench/peers/abtest_analyze.sql, abtest_pandas.py) on SIZE's
# assignments.csv and orders, variant by variant, then timed.
abtest_analyze_run() {
	local size=$1 d=$rd/$1 o=$rd/$1/orders.csv as mine t1= aduck=0 apd=0 pd_fits=1
	as=$d/assignments.csv
	fact "$size" abtest_assignments "$(($(wc -l <"$as") - 1))"
	fact "$size" abtest_analyze_bytes "$(($(wc -c <"$as") + $(wc -c <"$o")))"
	mine="$bin/mbr-abtest analyze -q --assignments $as --window $AB_WINDOW --variants $AB_VARIANTS"
	run1 "$mine $o >$tmp/abtest.analyze.mbr.csv"
	if [ "$rc" != 0 ]; then
		note "bench: mbr-abtest analyze failed on $as and $o:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" abtest-analyze mbr "mbr-abtest analyze exited $rc"
		return
	fi
	# mbr's answer, for the report: variant members converters verdict
	fact "$size" abtest_analyze_result "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	    { printf "%s%s: %s members, %s converters%s", (NR > 2 ? "; " : ""), $c["variant"],
	      $c["members"], $c["converters"], ($c["verdict"] != "" ? ", " $c["verdict"] : "") }' \
	    "$tmp/abtest.analyze.mbr.csv")"
	[ $have_duck = 1 ] && agrees bench/compare_abtest.py \
	    "$tmp/abtest.analyze.mbr.csv" "$tmp/abtest.analyze.duck.csv" \
	    "$size abtest-analyze: duckdb" \
	    "$(duck 0 abtest_analyze.sql assignments="$as" orders="$o" out="$tmp/abtest.analyze.duck.csv" window=$AB_WINDOW variants=$AB_VARIANTS)" &&
	    aduck=1
	if [ $have_scipy = 1 ] && ! fits "$size" abtest-analyze pandas; then
		pd_fits=0
	fi
	[ $have_scipy = 1 ] && [ $pd_fits = 1 ] && agrees bench/compare_abtest.py \
	    "$tmp/abtest.analyze.mbr.csv" "$tmp/abtest.analyze.pd.csv" \
	    "$size abtest-analyze: pandas" \
	    "$PY $peers/abtest_pandas.py $as $o $tmp/abtest.analyze.pd.csv $AB_WINDOW $AB_VARIANTS" &&
	    apd=1
	rm -f "$tmp/abtest.analyze.mbr.csv" "$tmp/abtest.analyze.duck.csv" \
	    "$tmp/abtest.analyze.pd.csv"
	: >"$tmp/variants"
	variant mbr "$mine $o >/dev/null"
	"$bin/mbr-abtest" analyze --help 2>&1 | grep -q -- '--threads' && t1=1
	[ -n "$t1" ] && variant mbr-1t "$mine --threads 1 $o >/dev/null"
	if [ $have_duck = 0 ]; then
		unavailable "$size" abtest-analyze duckdb "$why_duck"
	elif [ $aduck = 1 ]; then
		variant duckdb "$(duck 0 abtest_analyze.sql assignments="$as" orders="$o" out=/dev/null window=$AB_WINDOW variants=$AB_VARIANTS)"
		variant duckdb-1t "$(duck 1 abtest_analyze.sql assignments="$as" orders="$o" out=/dev/null window=$AB_WINDOW variants=$AB_VARIANTS)"
	else
		unavailable "$size" abtest-analyze duckdb "disagrees with mbr: not timed"
	fi
	if [ $have_scipy = 0 ]; then
		unavailable "$size" abtest-analyze pandas "$why_scipy"
	elif [ $pd_fits = 0 ]; then
		unavailable "$size" abtest-analyze pandas "$why_big"
	elif [ $apd = 1 ]; then
		variant pandas "$PY $peers/abtest_pandas.py $as $o /dev/null $AB_WINDOW $AB_VARIANTS"
	else
		unavailable "$size" abtest-analyze pandas "disagrees with mbr: not timed"
	fi
	[ $have_mlr = 1 ] && unavailable "$size" abtest-analyze miller \
	    "not run: a join of the orders to the assignments on member and window, then normal, t and beta tails, which Miller has only as a hand-written DSL program"
	bench_group "$size" abtest-analyze
}

oneid_duck() {	# oneid_duck THREADS ORDERS OUT: DuckDB's command line
	printf 'node %s %s %s %s orders=%s out=%s' "$peers/oneid.mjs" \
	    "$moddir" "$1" "$peers/oneid.sql" "$2" "$3"
}

# oneid_run SIZE: mbr-oneid against DuckDB's connected components
# (bench/peers/oneid.sql) on SIZE's oneid-orders.csv, checked to be
# the same partition of the orders, then timed.
oneid_run() {
	local size=$1 d=$rd/$1 in mine t1= oduck=0 k v
	in=$d/oneid-orders.csv
	while IFS='	' read -r k v; do
		fact "$size" "$k" "$v"
	done <"$d/oneid.stats"
	mine="$bin/mbr-oneid --max-members-per-identifier $ONEID_MAX"
	# Without -q: its summary line, for the report; and its CPU time,
	# to tell whether it runs on more than one thread (it takes
	# --threads, as every mbr program does).
	/usr/bin/time -f '%e %U %S' -o "$tmp/oneid.cpu" sh -c "exec $mine $in" \
	    </dev/null >"$tmp/oneid.mbr.csv" 2>"$tmp/stderr"
	rc=$?
	if [ "$rc" != 0 ]; then
		note "bench: mbr-oneid failed on $in:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" oneid mbr "mbr-oneid exited $rc"
		return
	fi
	fact "$size" oneid_summary "$(grep -v '^ *$' "$tmp/stderr" | tail -1 | sed 's/^mbr-oneid: //')"
	# more than 1.2 cores busy on average: the threads are used, and
	# the -1t row means something
	awk '{ exit !($2 + $3 > 1.2 * $1) }' "$tmp/oneid.cpu" && t1=1
	fact "$size" oneid_mbr_threads "$([ -n "$t1" ] && echo "2 (default)" ||
	    echo "1 (mbr-oneid works on one thread)")"
	if [ $have_duck = 1 ] && agrees bench/compare_oneid.py \
	    "$tmp/oneid.mbr.csv" "$tmp/oneid.duck.csv" "$size oneid: duckdb" \
	    "$(oneid_duck 0 "$in" "$tmp/oneid.duck.csv")"; then
		oduck=1
		fact "$size" oneid_passes "$(sed -n 's/^oneid.mjs: converged after \([0-9]*\) passes$/\1/p' "$tmp/stderr")"
	fi
	rm -f "$tmp/oneid.mbr.csv" "$tmp/oneid.duck.csv"
	: >"$tmp/variants"
	variant mbr "$mine -q $in >/dev/null"
	[ -n "$t1" ] && variant mbr-1t "$mine -q --threads 1 $in >/dev/null"
	if [ $have_duck = 0 ]; then
		unavailable "$size" oneid duckdb "$why_duck"
	elif [ $oduck = 1 ]; then
		variant duckdb "$(oneid_duck 0 "$in" /dev/null)"
		variant duckdb-1t "$(oneid_duck 1 "$in" /dev/null)"
	else
		unavailable "$size" oneid duckdb "disagrees with mbr: not timed"
	fi
	bench_group "$size" oneid
}

oneid_section() {	# oneid_section SIZE
	say "== $1: oneid (connected components, --max-members-per-identifier $ONEID_MAX)"
	if [ $have_oneid = 0 ]; then
		unavailable "$1" oneid mbr "pending: bin/mbr-oneid not built"
		say "oneid: pending (no $bin/mbr-oneid)"
		return
	fi
	if ! make_oneid_data "$1"; then
		note "bench: $1 oneid: no input data"
		status=1
		unavailable "$1" oneid mbr "no input data (oneid-orders.csv)"
		return
	fi
	oneid_run "$1"
}

# clv_run SIZE: mbr-clv fit, then predict, on SIZE's orders, against
# the same model fitted and predicted in pandas and scipy
# (bench/peers/clv.py, over every member and --grouped), checked
# (bench/compare_clv.py: the parameters, the log-likelihoods, every
# member's history and predictions), then timed: end to end (fit, then
# predict with that model: mbr, mbr-1t), fit alone, predict alone (with
# the check's model), and the peers.
clv_run() {
	local size=$1 o=$rd/$1/orders.csv fit pred t1= cpd=0 cpg=0 pd_fits=1 \
	    m=$tmp/clv.mbr.model.json
	fit="$bin/mbr-clv fit --as-of $ASOF --tz $TZONE"
	pred="$bin/mbr-clv predict --as-of $ASOF --tz $TZONE --horizon ${CLV_HORIZON}d --discount $CLV_DISCOUNT"
	# Without -q: its summary line, for the report; and its CPU time,
	# to tell whether it runs on more than one thread.
	/usr/bin/time -f '%e %U %S' -o "$tmp/clv.cpu" sh -c "exec $fit -o $m $o" \
	    </dev/null 2>"$tmp/stderr"
	rc=$?
	if [ "$rc" != 0 ] || [ ! -s "$m" ]; then
		note "bench: mbr-clv fit exited $rc on $o:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" clv mbr "mbr-clv fit exited $rc"
		return
	fi
	fact "$size" clv_summary "$(grep -v '^ *$' "$tmp/stderr" | tail -1 | sed 's/^mbr-clv: //')"
	awk '{ exit !($2 + $3 > 1.2 * $1) }' "$tmp/clv.cpu" && t1=1
	fact "$size" clv_mbr_threads "$([ -n "$t1" ] && echo "2 (default)" ||
	    echo "default (2), but fit used at most 1.2 cores in the check's run")"
	# the model, for the report: members, groups, parameters
	fact "$size" clv_model "$("$PY" -c 'import json, sys
m = json.load(open(sys.argv[1])); d = m["data"]; c = m["convergence"]
print("%d\t%d\t%d\t%d\t%s\t%s\t%s" % (d["members"], d["repeaters"],
    d["groups"], d["gamma_gamma_members"], " ".join("%s %.4g" % (k, m[k])
    for k in ("r", "alpha", "a", "b", "p", "q", "gamma")),
    "%d/%d" % (c["bgnbd"]["iterations"], c["bgnbd"]["evaluations"]),
    "%d/%d" % (c["gamma_gamma"]["iterations"],
               c["gamma_gamma"]["evaluations"])))' "$m" | tr '\t' ';')"
	run1 "$pred --model $m $o >$tmp/clv.mbr.csv"
	if [ "$rc" != 0 ]; then
		note "bench: mbr-clv predict exited $rc on $o:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" clv mbr "mbr-clv predict exited $rc"
		return
	fi
	if [ $have_scipy = 1 ] && ! fits "$size" clv pandas; then
		pd_fits=0
	fi
	if [ $have_scipy = 1 ] && [ $pd_fits = 1 ]; then
		agrees bench/compare_clv.py "$tmp/clv.mbr.csv" "$tmp/clv.pd.csv" \
		    "$size clv: pandas" \
		    "$PY $peers/clv.py $o $ASOF $TZONE $tmp/clv.pd.csv $tmp/clv.pd.model.json $CLV_HORIZON $CLV_DISCOUNT" &&
		    cpd=1
		# where the peer's time went (its own clock, this run)
		fact "$size" clv_pandas_phases "$(sed -n 's/^clv\.py: //p' "$tmp/stderr" | tail -1)"
		agrees bench/compare_clv.py "$tmp/clv.mbr.csv" "$tmp/clv.pg.csv" \
		    "$size clv: pandas-grouped" \
		    "$PY $peers/clv.py --grouped $o $ASOF $TZONE $tmp/clv.pg.csv $tmp/clv.pg.model.json $CLV_HORIZON $CLV_DISCOUNT" &&
		    cpg=1
		fact "$size" clv_pandas_grouped_phases "$(sed -n 's/^clv\.py: //p' "$tmp/stderr" | tail -1)"
	fi
	rm -f "$tmp/clv.mbr.csv" "$tmp/clv.pd.csv" "$tmp/clv.pg.csv" \
	    "$tmp/clv.pd.model.json" "$tmp/clv.pg.model.json"
	: >"$tmp/variants"
	# end to end: the model fitted, then the members predicted with it
	variant mbr "sh -c '$fit -q -o $tmp/clv.e2e.model.json $o && $pred -q --model $tmp/clv.e2e.model.json $o >/dev/null'"
	[ -n "$t1" ] && variant mbr-1t "sh -c '$fit -q --threads 1 -o $tmp/clv.e2e1.model.json $o && $pred -q --threads 1 --model $tmp/clv.e2e1.model.json $o >/dev/null'"
	variant mbr-fit "$fit -q -o $tmp/clv.fit.model.json $o"
	variant mbr-predict "$pred -q --model $m $o >/dev/null"
	if [ $have_scipy = 0 ]; then
		unavailable "$size" clv pandas "$why_scipy"
	elif [ $pd_fits = 0 ]; then
		unavailable "$size" clv pandas "$why_big"
	else
		if [ $cpd = 1 ]; then
			variant pandas "$PY $peers/clv.py $o $ASOF $TZONE /dev/null /dev/null $CLV_HORIZON $CLV_DISCOUNT"
		else
			unavailable "$size" clv pandas "disagrees with mbr: not timed"
		fi
		if [ $cpg = 1 ]; then
			variant pandas-grouped "$PY $peers/clv.py --grouped $o $ASOF $TZONE /dev/null /dev/null $CLV_HORIZON $CLV_DISCOUNT"
		else
			unavailable "$size" clv pandas-grouped "disagrees with mbr: not timed"
		fi
	fi
	bench_group "$size" clv
}

clv_section() {	# clv_section SIZE
	say "== $1: clv (mbr-clv fit, then predict --horizon ${CLV_HORIZON}d --discount $CLV_DISCOUNT)"
	if [ $have_clv = 0 ]; then
		unavailable "$1" clv mbr "pending: bin/mbr-clv not built"
		say "clv: pending (no $bin/mbr-clv)"
		return
	fi
	clv_run "$1"
}

# report_cpu DIR NAME: the prefix of a timed command that appends NAME's
# wall, user and system seconds to DIR/report-cpu.tsv (GNU time inside
# the one run1 times): on a shared machine the CPU seconds say what a
# round's load hid.
report_cpu() {
	printf "/usr/bin/time -a -o %s -f '%s %%e %%U %%S' " "$1/report-cpu.tsv" "$2"
}

# report_run SIZE: mbr-report on SIZE's orders, all orders and --by
# channel, against the same records in DuckDB SQL
# (bench/peers/report.sql) and, all orders only, pandas
# (bench/peers/report_pandas.py), checked record by record
# (bench/compare_report.py; and as of REPORT_ASOF2, checked only), then
# timed, each run's CPU seconds kept (report_cpu).
report_run() {
	local size=$1 d=$rd/$1 o=$rd/$1/orders.csv base mine mine2 sql ok=0 okby=0 \
	    ok2=0 pd=0 pd2=0 pd_fits=1 v cpu
	base="$bin/mbr-report --as-of $ASOF --tz $TZONE --periods $REPORT_PERIODS --cohorts $REPORT_COHORTS"
	mine="$base -q"
	# checked only: as of mid-December
	mine2="$bin/mbr-report -q --as-of $REPORT_ASOF2 --tz $TZONE --periods $REPORT_PERIODS --cohorts $REPORT_COHORTS"
	sql="tz=$TZONE periods=$REPORT_PERIODS cohorts=$REPORT_COHORTS"
	# Without -q: its summary line, and the members (bytes a member).
	run1 "$base $o >$tmp/report.mbr.csv"
	if [ "$rc" != 0 ]; then
		note "bench: mbr-report exited $rc on $o:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" report mbr "mbr-report exited $rc"
		return
	fi
	fact "$size" report_summary "$(grep -v '^ *$' "$tmp/stderr" | tail -1 | sed 's/^mbr-report: //')"
	fact "$size" report_members "$(sed -n 's/.*; \([0-9][0-9]*\) members$/\1/p' "$tmp/stderr" | tail -1)"
	fact "$size" report_records "$(($(wc -l <"$tmp/report.mbr.csv") - 1))"
	run1 "$mine --by $REPORT_BY $o >$tmp/report.mbr-by.csv"
	[ "$rc" = 0 ] && run1 "$mine2 --by $REPORT_BY $o >$tmp/report.mbr-2.csv"
	[ "$rc" = 0 ] && run1 "$mine2 $o >$tmp/report.mbr-3.csv"
	if [ "$rc" != 0 ]; then
		note "bench: mbr-report (--by $REPORT_BY, or as of $REPORT_ASOF2) exited $rc on $o:"
		head -3 "$tmp/stderr" | sed 's/^/  /' >&2
		status=1
		unavailable "$size" report mbr-by "mbr-report exited $rc"
		return
	fi
	fact "$size" report_records_by "$(($(wc -l <"$tmp/report.mbr-by.csv") - 1)) ($(cut -d, -f5 "$tmp/report.mbr-by.csv" | sort -u | grep -vc '^\(group\)\?$') groups)"
	if [ $have_duck = 1 ]; then
		agrees bench/compare_report.py "$tmp/report.mbr.csv" \
		    "$tmp/report.duck.csv" "$size report: duckdb" \
		    "$(duck 0 report.sql orders="$o" out="$tmp/report.duck.csv" asof=$ASOF $sql by=NULL)" &&
		    ok=1
		agrees bench/compare_report.py "$tmp/report.mbr-by.csv" \
		    "$tmp/report.duck-by.csv" "$size report: duckdb --by $REPORT_BY" \
		    "$(duck 0 report.sql orders="$o" out="$tmp/report.duck-by.csv" asof=$ASOF $sql by=$REPORT_BY)" &&
		    okby=1
		agrees bench/compare_report.py "$tmp/report.mbr-2.csv" \
		    "$tmp/report.duck-2.csv" "$size report: duckdb --by $REPORT_BY as of $REPORT_ASOF2 (checked only)" \
		    "$(duck 0 report.sql orders="$o" out="$tmp/report.duck-2.csv" asof=$REPORT_ASOF2 $sql by=$REPORT_BY)" &&
		    ok2=1
	fi
	# pandas (bench/peers/report_pandas.py): all orders only, checked as
	# of ASOF and REPORT_ASOF2 (its --by is the same code once more).
	# Not in the smoke run, nor duckdb-1t and duckdb-by's timing: make
	# check runs it, and there the workload stays within about 10 s.
	if [ $have_pd = 1 ] && ! fits "$size" report pandas; then
		pd_fits=0
	fi
	[ $smoke = 1 ] && pd_fits=0 why_big="not in the smoke run (make check): checked and timed by make bench"
	if [ $have_pd = 1 ] && [ $pd_fits = 1 ]; then
		agrees bench/compare_report.py "$tmp/report.mbr.csv" \
		    "$tmp/report.pd.csv" "$size report: pandas" \
		    "$PY $peers/report_pandas.py $o $tmp/report.pd.csv $ASOF $TZONE $REPORT_PERIODS $REPORT_COHORTS" &&
		    pd=1
		agrees bench/compare_report.py "$tmp/report.mbr-3.csv" \
		    "$tmp/report.pd-3.csv" "$size report: pandas as of $REPORT_ASOF2 (checked only)" \
		    "$PY $peers/report_pandas.py $o $tmp/report.pd-3.csv $REPORT_ASOF2 $TZONE $REPORT_PERIODS $REPORT_COHORTS" &&
		    pd2=1
	fi
	rm -f "$tmp"/report.*.csv
	: >"$tmp/variants"
	: >"$d/report-cpu.tsv"
	variant mbr "$(report_cpu "$d" mbr)$mine $o >/dev/null"
	variant mbr-1t "$(report_cpu "$d" mbr-1t)$mine --threads 1 $o >/dev/null"
	variant mbr-by "$(report_cpu "$d" mbr-by)$mine --by $REPORT_BY $o >/dev/null"
	if [ $have_duck = 0 ]; then
		unavailable "$size" report duckdb "$why_duck"
	else
		if [ $ok = 1 ] && [ $ok2 = 1 ]; then
			variant duckdb "$(report_cpu "$d" duckdb)$(duck 0 report.sql orders="$o" out=/dev/null asof=$ASOF $sql by=NULL)"
			[ $smoke = 1 ] ||
			    variant duckdb-1t "$(report_cpu "$d" duckdb-1t)$(duck 1 report.sql orders="$o" out=/dev/null asof=$ASOF $sql by=NULL)"
		else
			unavailable "$size" report duckdb "disagrees with mbr: not timed"
		fi
		if [ $smoke = 1 ]; then
			:	# checked, not timed
		elif [ $okby = 1 ] && [ $ok2 = 1 ]; then
			variant duckdb-by "$(report_cpu "$d" duckdb-by)$(duck 0 report.sql orders="$o" out=/dev/null asof=$ASOF $sql by=$REPORT_BY)"
		else
			unavailable "$size" report duckdb-by "disagrees with mbr: not timed"
		fi
	fi
	if [ $have_pd = 0 ]; then
		unavailable "$size" report pandas "$why_pd"
	elif [ $pd_fits = 0 ]; then
		unavailable "$size" report pandas "$why_big"
	elif [ $pd = 1 ] && [ $pd2 = 1 ]; then
		variant pandas "$(report_cpu "$d" pandas)$PY $peers/report_pandas.py $o /dev/null $ASOF $TZONE $REPORT_PERIODS $REPORT_COHORTS"
	else
		unavailable "$size" report pandas "disagrees with mbr: not timed"
	fi
	bench_group "$size" report
	# the median CPU seconds (user + system) of each variant's timed
	# rounds, the warm-up rounds' first lines of each left out
	fact "$size" report_cpu "$(awk -v w="$warmup" 'NF == 4 && ++n[$1] > w {
	    c[$1] = c[$1] " " ($3 + $4) } END { for (v in c) print v c[v] }' \
	    "$d/report-cpu.tsv" | while read -r v cpu; do
		printf '%s %s;' "$v" "$(printf '%s\n' $cpu | sort -n |
		    awk '{ x[NR] = $1 } END { printf "%.2f", NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2 }')"
	done)"
}

report_section() {	# report_section SIZE
	say "== $1: report (mbr-report --periods $REPORT_PERIODS --cohorts $REPORT_COHORTS, and --by $REPORT_BY)"
	if [ $have_report = 0 ]; then
		unavailable "$1" report mbr "pending: bin/mbr-report not built"
		say "report: pending (no $bin/mbr-report)"
		return
	fi
	report_run "$1"
}

# abtest_section SIZE WORKLOAD: abtest-assign or abtest-analyze, with
# its data made first.
abtest_section() {
	case $2 in
	abtest-assign)	say "== $1: abtest-assign ($(population "$1") members, coverage $AB_COVERAGE, $AB_VARIANTS)" ;;
	*)		say "== $1: abtest-analyze (--window $AB_WINDOW, $AB_VARIANTS)" ;;
	esac
	if [ $have_abtest = 0 ]; then
		unavailable "$1" "$2" mbr "pending: bin/mbr-abtest not built"
		say "$2: pending (no $bin/mbr-abtest)"
		return
	fi
	if ! make_abtest_data "$1"; then
		note "bench: $1 $2: no input data"
		status=1
		unavailable "$1" "$2" mbr "no input data (abtest-members.csv, assignments.csv)"
		return
	fi
	case $2 in
	abtest-assign)	abtest_assign_run "$1" ;;
	*)		abtest_analyze_run "$1" ;;
	esac
}

run_size() {
	local size=$1 d=$rd/$1 o=$rd/$1/orders.csv w
	make_data "$size"
	times=$d/times.tsv
	checks=$d/checks.tsv
	if [ $floor_only = 1 ]; then
		# the floor again, the workloads' rows kept
		[ -f "$times" ] || { note "bench: $size has not been run"; return; }
		awk -F'\t' '$2 != "floor"' "$times" >"$tmp/keep" &&
		    cp "$tmp/keep" "$times"
	elif [ -n "$only" ]; then
		# these workloads again, the others' rows and checks kept
		touch "$times" "$checks"
		for w in $only; do
			awk -F'\t' -v w="$w" '$2 != w' "$times" >"$tmp/keep" &&
			    cp "$tmp/keep" "$times"
			awk -F'\t' -v p="$size $w: " 'index($2, p) != 1' \
			    "$checks" >"$tmp/keep" && cp "$tmp/keep" "$checks"
		done
	else
		: >"$times"
		: >"$checks"
	fi
	# Facts for the report: sizes, rows, members.
	{
		printf 'orders_bytes\t%s\n' "$(wc -c <"$o")"
		printf 'gz_bytes\t%s\n' "$(wc -c <"$o.gz")"
		printf 'orders\t%s\n' "$(($(wc -l <"$o") - 1))"
		printf 'profiles\t%s\n' "$(($(wc -l <"$d/profiles.csv") - 1))"
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'load_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
		printf 'runs\t%s\n' "$runs"
		printf 'warmup\t%s\n' "$warmup"
	} >"$tmp/facts"
	if [ $floor_only = 1 ] && [ -f "$d/facts.tsv" ]; then
		date_floor=$(date -u '+%Y-%m-%d %H:%M UTC')
		printf 'floor_date\t%s\n' "$date_floor" >>"$d/facts.tsv"
	elif [ -n "$only" ] && [ -f "$d/facts.tsv" ]; then
		fact "$size" only_date "$(date -u '+%Y-%m-%d %H:%M UTC')"
		fact "$size" only_what "$only"
		fact "$size" only_rounds "$runs round(s) after $warmup warm-up round(s)"
		fact "$size" only_load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
	else
		cp "$tmp/facts" "$d/facts.tsv"
	fi

	if [ -n "$only" ]; then
		run_only "$size"
		return
	fi
	say "== $size: floor"
	: >"$tmp/variants"
	variant cat "cat $o >/dev/null"
	variant wc-l "wc -l $o >/dev/null"
	# what mbr-ingest's speed is judged against (issue Foundation)
	variant cat-wc "cat $o | wc -l >/dev/null"
	variant gzip-dc "gzip -dc $o.gz >/dev/null"
	[ -n "$readspeed" ] && variant mbr-reader "$readspeed $o"
	# What the peers pay before reading a byte: Node.js loading DuckDB,
	# Python importing pandas.
	[ $have_duck = 1 ] && variant duckdb-start "node $peers/duckdb.mjs $moddir 0 version >/dev/null"
	[ $have_pd = 1 ] && variant pandas-import "$PY -c 'import pandas'"
	bench_group "$size" floor
	[ $floor_only = 1 ] && return

	say "== $size: ingest (CSV to NDJSON)"
	: >"$tmp/variants"
	# The floor the ingest target is judged against, again in these
	# rounds: the machine runs slower after a peer's long run, and a
	# floor measured in its own quiet rounds would not share that.
	variant cat-wc "cat $o | wc -l >/dev/null"
	variant mbr "$bin/mbr-ingest -q --output-format ndjson $o >/dev/null"
	variant mbr-1t "$bin/mbr-ingest -q --threads 1 --output-format ndjson $o >/dev/null"
	if [ $have_duck = 1 ]; then
		variant duckdb "$(duck 0 ingest.sql orders="$o" out=/dev/null)"
		variant duckdb-1t "$(duck 1 ingest.sql orders="$o" out=/dev/null)"
	else
		unavailable "$size" ingest duckdb "$why_duck"
	fi
	if [ $have_mlr = 1 ]; then
		if fits "$size" ingest miller; then
			variant miller "mlr --icsv --ojsonl cat $o >/dev/null"
			variant miller-1t "env GOMAXPROCS=1 mlr --icsv --ojsonl cat $o >/dev/null"
		else
			unavailable "$size" ingest miller "$why_big"
		fi
	else
		unavailable "$size" ingest miller "$why_mlr"
	fi
	if [ $have_pd = 1 ]; then
		if fits "$size" ingest pandas; then
			variant pandas "$PY $peers/ingest_pandas.py $o /dev/null"
		else
			unavailable "$size" ingest pandas "$why_big"
		fi
	else
		unavailable "$size" ingest pandas "$why_pd"
	fi
	bench_group "$size" ingest

	say "== $size: rfm"
	rfm_check "$size" rfm "$o"
	members=$(($(wc -l <"$tmp/rfm.mbr.csv") - 1))
	printf 'members_scored\t%s\n' "$members" >>"$d/facts.tsv"
	rfm_variants "$size" rfm "$o"

	say "== $size: segment (20 rules over member records)"
	if [ $have_seg = 0 ]; then
		unavailable "$size" segment mbr "pending: bin/mbr-segment not built"
		say "segment: pending (no bin/mbr-segment)"
	else
		"$bin/mbr-rfm" -q --as-of $ASOF --tz $TZONE \
		    --members "$d/profiles.csv" "$o" >"$d/members.csv" ||
		    { note "bench: mbr-rfm --members failed"; status=1; }
		printf 'member_records\t%s\n' "$(($(wc -l <"$d/members.csv") - 1))" \
		    >>"$d/facts.tsv"
		printf 'member_bytes\t%s\n' "$(wc -c <"$d/members.csv")" \
		    >>"$d/facts.tsv"
		if seg_check "$size" "$d/members.csv"; then
			local m=$d/members.csv
			: >"$tmp/variants"
			variant mbr "$bin/mbr-segment -q --default-segment other --as-of $ASOF --tz $TZONE -r $peers/segment.rules $m >/dev/null"
			if [ $have_duck = 0 ]; then
				unavailable "$size" segment duckdb "$why_duck"
			elif [ $seg_duck = 1 ]; then
				variant duckdb "$(duck 0 segment.sql members="$m" out=/dev/null)"
				variant duckdb-1t "$(duck 1 segment.sql members="$m" out=/dev/null)"
			else
				unavailable "$size" segment duckdb "disagrees with mbr: not timed"
			fi
			if [ $have_pd = 0 ]; then
				unavailable "$size" segment pandas "$why_pd"
			elif [ $seg_pd = 1 ]; then
				variant pandas "$PY $peers/segment_pandas.py $m /dev/null"
			else
				unavailable "$size" segment pandas "disagrees with mbr: not timed"
			fi
			if [ $have_mlr = 0 ]; then
				unavailable "$size" segment miller "$why_mlr"
			elif [ $seg_mlr = 1 ]; then
				variant miller "mlr --icsv --ocsv put -f $peers/segment.mlr $m >/dev/null"
				variant miller-1t "env GOMAXPROCS=1 mlr --icsv --ocsv put -f $peers/segment.mlr $m >/dev/null"
			else
				unavailable "$size" segment miller "disagrees with mbr: not timed"
			fi
			bench_group "$size" segment
		fi
	fi

	say "== $size: rfm-gz (rfm on the gzipped orders)"
	rfm_check "$size" rfm-gz "$o.gz"
	rfm_variants "$size" rfm-gz "$o.gz"

	say "== $size: points (bench/points.json)"
	if [ $have_points = 0 ]; then
		unavailable "$size" points mbr "pending: bin/mbr-points not built"
		say "points: pending (no bin/mbr-points)"
	else
		points_run "$size" "$o"
	fi
	campaign_section "$size"
	abtest_section "$size" abtest-assign
	abtest_section "$size" abtest-analyze
	oneid_section "$size"
	clv_section "$size"
	report_section "$size"
	printf 'load_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$d/facts.tsv"
}

campaign_section() {	# campaign_section SIZE
	say "== $1: campaign (bench/campaign.json, --cap $CAP)"
	if [ $have_campaign = 0 ]; then
		unavailable "$1" campaign mbr "pending: bin/mbr-campaign not built"
		say "campaign: pending (no $bin/mbr-campaign)"
	else
		campaign_run "$1"
	fi
}

# run_only SIZE: the workloads --only names.  Those the size's full run
# reads from another (segment's members.csv comes from mbr-rfm
# --members) are made here as there.
run_only() {
	local size=$1 d=$rd/$1 o=$rd/$1/orders.csv w
	for w in $only; do
		case $w in
		points)
			say "== $size: points (bench/points.json)"
			if [ $have_points = 0 ]; then
				unavailable "$size" points mbr "pending: bin/mbr-points not built"
			else
				points_run "$size" "$o"
			fi ;;
		campaign)
			campaign_section "$size" ;;
		abtest-assign|abtest-analyze)
			abtest_section "$size" "$w" ;;
		oneid)
			oneid_section "$size" ;;
		clv)
			clv_section "$size" ;;
		report)
			report_section "$size" ;;
		esac
	done
	fact "$size" only_load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# --- machine -------------------------------------------------------

{
	printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'cpu\t%s\n' "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
	printf 'cores\t%s\n' "$(nproc)"
	printf 'memory\t%s\n' "$(free -g | awk '/^Mem:/ { print $2 " GiB" }')"
	printf 'kernel\t%s\n' "$(uname -sr)"
	printf 'os\t%s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")"
	printf 'cc\t%s\n' "$(${CC:-cc} --version | head -1)"
	printf 'mbr\t%s\n' "$(git describe --always --dirty 2>/dev/null || echo unknown)"
	printf 'mbr_threads\t%s\n' "2 by default on 2 cores or more: mbr-rfm, mbr-ingest and mbr-segment cut a CSV file into chunks parsed on every thread and committed in file order; gzip is read on one thread and folded on a second; mbr-points also replays its members' histories on both; --threads 1 is the mbr-1t row"
	printf 'gen\t%s\n' "$GEN_SRC $(md5sum <"$GEN_SRC" | cut -c1-12)"
	printf 'duckdb\t%s\n' "${duck_version:-unavailable: $why_duck}"
	printf 'growthbook\t%s\n' "${gb_version:-unavailable: $why_gb}"
	printf 'node\t%s\n' "$(node --version 2>/dev/null || echo -)"
	if [ $have_pd = 1 ]; then
		printf 'pandas\t%s\n' "$("$PY" -c 'import sys, pandas, numpy; print("pandas %s, numpy %s, Python %s" % (pandas.__version__, numpy.__version__, sys.version.split()[0]))')"
	else
		printf 'pandas\tunavailable: %s\n' "$why_pd"
	fi
	if [ $have_mlr = 1 ]; then
		printf 'miller\t%s\n' "$(mlr --version)"
	else
		printf 'miller\tunavailable: %s\n' "$why_mlr"
	fi
	printf 'smoke\t%s\n' "$smoke"
	printf 'order\tshuffled\n'
	# 256 MB touched after a pause long enough for the host to take
	# freed pages back (10 s here), then again at once.
	if [ -n "$touch" ] && [ $report_only = 0 ] && [ $smoke = 0 ]; then
		sleep 15
		printf 'fresh_cold\t%s\n' "$("$touch" 256)"
		printf 'fresh_warm\t%s\n' "$("$touch" 256)"
	fi
	printf 'segment\t%s\n' "$([ $have_seg = 1 ] && echo yes || echo pending)"
	printf 'points\t%s\n' "$([ $have_points = 1 ] && echo yes || echo pending)"
	printf 'campaign\t%s\n' "$([ $have_campaign = 1 ] && echo yes || echo pending)"
	printf 'abtest\t%s\n' "$([ $have_abtest = 1 ] && echo yes || echo pending)"
	printf 'oneid\t%s\n' "$([ $have_oneid = 1 ] && echo yes || echo pending)"
	printf 'clv\t%s\n' "$([ $have_clv = 1 ] && echo yes || echo pending)"
	printf 'report\t%s\n' "$([ $have_report = 1 ] && echo yes || echo pending)"
	if [ $have_scipy = 1 ]; then
		printf 'scipy\t%s\n' "$("$PY" -c 'import scipy; print("scipy %s" % scipy.__version__)')"
	else
		printf 'scipy\tunavailable: %s\n' "$why_scipy"
	fi
} >"$tmp/machine.tsv"

if [ $report_only = 0 ]; then
	cp "$tmp/machine.tsv" "$rd/machine.tsv"
	for s in $sizes; do
		run_size "$s"
	done
fi

if [ $smoke = 1 ]; then
	out=$data/RESULTS-small.md
	png=
else
	out=bench/RESULTS.md
	png=bench/RESULTS.png
fi
"$PY" bench/report.py "$rd" "$out" "$png" $sizes || status=1
if [ -n "$png" ] && [ $have_gnuplot = 1 ] && [ -f "$rd/chart.gp" ]; then
	gnuplot "$rd/chart.gp" || note "bench: gnuplot failed"
fi
[ $smoke = 1 ] && cat "$out"
say "bench: wrote $out${png:+ and $png}"
exit $status
