#!/bin/sh
# report-ref.test.sh BIN BUILD: mbr-report's cohort records against an
# independent pandas reference (tests/report_reference.py, written from
# the definitions in man/mbr-report.1), on real orders: a slice of UCI
# Online Retail (tests/data/online-retail-slice.csv.gz, 91 customers'
# 7,973 line items, see tests/data/online-retail-slice-SOURCE.md),
# ingested with mbr-ingest's online-retail preset.
#
#   the cohort section (13 monthly cohorts, Dec 2010 .. Dec 2011, as of
#     2011-12-10 in Europe/London) equals the reference's, record for
#     record: sizes, buyers, retention to 6 places, revenue to the penny;
#   the same with 6 cohorts as of mid-2011 (cohorts cut by --as-of);
#   the latest period's members and active_60d are mbr-rfm's records and
#     its members in the stages new and active, as of the same times;
#   on one thread, on two, and with the file cut in chunks of 4 KB
#     (MBR_SPLIT_CHUNK) the records are the same bytes, and so are two
#     runs of the same input (deterministic output);
#   the orders split in 3 shards by customer, each through --partial,
#     then --merge: the one run's records, byte for byte.
#
# Needs python3 with pandas (Debian python3-pandas; REPORT_PYTHON names
# another); without it the test is skipped, not failed.  Prints
# "report-ref: N passed, N failed" last.
set -u
bin=${1:?usage: report-ref.test.sh BIN BUILD}
bin=$(cd "$bin" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd -P) || exit 2
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-report-ref.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pass=0
fail=0

summary() {
	printf 'report-ref: %d passed, %d failed\n' "$pass" "$fail"
}

ok() {
	pass=$((pass + 1))
}

bad() {
	fail=$((fail + 1))
	printf 'FAIL report-ref: %s\n' "$*"
}

# The first python3 with pandas: PATH's, then Debian's.
py=
for p in ${REPORT_PYTHON:-python3 /usr/bin/python3}; do
	if "$p" -c 'import pandas' >/dev/null 2>&1; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	echo "report-ref: skipped: no python3 with pandas" \
	    "(apt-get install python3-pandas)"
	summary
	exit 0
fi
for p in mbr-ingest mbr-report; do
	if [ ! -x "$bin/$p" ]; then
		bad "$bin/$p is missing"
		summary
		exit 1
	fi
done

if ! "$bin/mbr-ingest" -q --preset online-retail --tz Europe/London \
    "$here/data/online-retail-slice.csv.gz" >"$tmp/orders.csv"; then
	bad "mbr-ingest of the slice failed"
	summary
	exit 1
fi

# compare NAME AS_OF COHORTS: mbr-report's cohort records against the
# reference's.
compare() {
	"$bin/mbr-report" -q --as-of "$2" --tz Europe/London --periods 1 \
	    --cohorts "$3" "$tmp/orders.csv" >"$tmp/$1.all"
	grep '^cohort,' "$tmp/$1.all" >"$tmp/$1.mbr"
	if ! "$py" "$here/report_reference.py" --as-of "$2" \
	    --tz Europe/London --cohorts "$3" "$tmp/orders.csv" \
	    >"$tmp/$1.ref"; then
		bad "$1: the reference failed"
		return
	fi
	if [ ! -s "$tmp/$1.ref" ]; then
		bad "$1: the reference wrote nothing"
	elif cmp -s "$tmp/$1.mbr" "$tmp/$1.ref"; then
		ok
	else
		bad "$1: cohorts differ from pandas's" \
		    "(< mbr-report, > reference):"
		diff "$tmp/$1.mbr" "$tmp/$1.ref" | head -20
		echo "  reproduce: $bin/mbr-report -q --as-of $2" \
		    "--tz Europe/London --periods 1 --cohorts $3 ORDERS"
	fi
}

compare year 2011-12-10T00:00:00+00:00 13
compare half 2011-06-15T12:00:00+01:00 6

# Against mbr-rfm as of the same time: the latest period's members are
# its records, active_60d its members in the stages new and active
# (man/mbr-report.1, KPIs).
rfmcheck() {
	if ! "$bin/mbr-rfm" -q --as-of "$1" --tz Europe/London \
	    "$tmp/orders.csv" >"$tmp/rfm.csv"; then
		bad "mbr-rfm failed"
		return
	fi
	want=$(awk -F, 'NR > 1 { n++; if ($14 == "new" || $14 == "active")
	    a++ } END { print n + 0, a + 0 }' "$tmp/rfm.csv")
	got=$("$bin/mbr-report" -q --as-of "$1" --tz Europe/London \
	    --periods 1 --cohorts 0 "$tmp/orders.csv" |
	    awk -F, -v p="$2" '$3 == p && $2 == "members" { m = $7 }
	    $3 == p && $2 == "active_60d" { a = $7 } END { print m, a }')
	if [ "$got" = "$want" ]; then
		ok
	else
		bad "as of $1: members, active_60d $got; mbr-rfm's $want"
	fi
}
rfmcheck 2011-12-10T00:00:00+00:00 2011-12
rfmcheck 2011-06-15T12:00:00+01:00 2011-06

# The same bytes: on one thread and two, in chunks, twice.
run() {
	"$bin/mbr-report" -q --as-of 2011-12-10T00:00:00+00:00 \
	    --tz Europe/London --by channel "$@" "$tmp/orders.csv"
}
run --threads 1 >"$tmp/t1"
run --threads 2 >"$tmp/t2"
MBR_SPLIT_CHUNK=4096 run --threads 2 >"$tmp/t3"
run --threads 2 >"$tmp/t4"
for f in t2 t3 t4; do
	if [ -s "$tmp/t1" ] && cmp -s "$tmp/t1" "$tmp/$f"; then
		ok
	else
		bad "records of run $f differ from one thread's"
	fi
done
# Partials (DESIGN.md, Scale-out): the orders split by member into 3
# shards, each through --partial, merged: the one run's bytes.
awk -F, -v d="$tmp" '
NR == 1 { for (i = 0; i < 3; i++) print > (d "/shard" i ".csv"); next }
{ split($2, id, ":"); print > (d "/shard" (id[2] % 3) ".csv") }' \
    "$tmp/orders.csv"
for i in 0 1 2; do
	"$bin/mbr-report" -q --as-of 2011-12-10T00:00:00+00:00 \
	    --tz Europe/London --by channel --partial "$tmp/shard$i.csv" \
	    >"$tmp/p$i"
done
"$bin/mbr-report" -q --as-of 2011-12-10T00:00:00+00:00 \
    --tz Europe/London --by channel --merge "$tmp/p2" "$tmp/p0" \
    "$tmp/p1" >"$tmp/merged"
if [ -s "$tmp/merged" ] && cmp -s "$tmp/t1" "$tmp/merged"; then
	ok
else
	bad "the merge of 3 partials differs from the one run"
	diff "$tmp/t1" "$tmp/merged" | head -10
fi
if cmp -s "$tmp/year.all" "$tmp/t1"; then
	bad "--by channel wrote the same records as without it"
else
	ok
fi
summary
[ "$fail" = 0 ]
