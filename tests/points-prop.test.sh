#!/bin/sh
# points-prop.test.sh BIN BUILD: mbr-points against its independent
# Python reference (tests/points_reference.py) on generated histories
# (tests/points_gen.py), as man/mbr-points.1 (the
# settled contract) state it.
#
# First the reference's own hand-computed cases (--selftest).  Then for
# each of POINTS_PROP_N seeds (default 12: about 30 s for a sanitizer
# build, under run.sh's minute a suite; from POINTS_PROP_SEED, default 1):
#
#   a full replay of what a user replays, the nights' files read one
#     after another (orders.csv, events.csv: duplicates and conflicts
#     are judged in file order, the first read kept): mbr-points and the
#     reference on the same programme, orders, events and members,
#     --as-of and --tz: the balances on stdout and the --ledger file
#     byte for byte, the summary line on standard error (every row read
#     counted) and the rejects the spec names ("insufficient points",
#     "unknown member", "event_id conflict", "order_id conflict"; from
#     mbr-points's "N rejected: REASON" lines) in the same numbers;
#   the same history as N nightly runs (--state of the night before,
#     --state-out for the next; night K reads its own files, the records
#     with ts in (T(K-1), TK], a few of the night before again, and on
#     the last night the records after --as-of, and the whole members
#     file): the nights' ledgers, less their header lines, concatenated
#     equal the full replay's, and the last night's balances equal its
#     balances;
#   the full replay on one thread and on three (members shared among
#     them): the same balances, ledger, rejects file, state and
#     standard error, byte for byte;
#   mbr-points --audit on the full ledger: exit 0; with one row's
#     points changed by one: exit 1, naming that line.
#
# Last, 30,000 members of one order each: their balances (formatted in
# blocks on every thread) against awk and sort(1), on one thread and on
# three, and read from standard input (no size known ahead); and a run
# that stops on an order's points out of range writes the rejects one
# thread would have, on three threads too.
#
# A failure prints the seed, the first lines of the diff and the
# commands that reproduce it; POINTS_PROP_KEEP=DIR keeps every case's
# files in DIR.  Needs python3 (3.9 or later: zoneinfo); prints "N
# passed, N failed" last.
set -u
bin=${1:?usage: points-prop.test.sh BIN BUILD}
bin=$(cd "$bin" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd -P) || exit 2
LC_ALL=C
export LC_ALL
py=${PYTHON:-python3}
n=${POINTS_PROP_N:-12}
seed0=${POINTS_PROP_SEED:-1}
if [ -n "${POINTS_PROP_KEEP:-}" ]; then
	tmp=$POINTS_PROP_KEEP
	mkdir -p "$tmp" || exit 2
else
	tmp=$(mktemp -d) || exit 2
	trap 'rm -rf "$tmp"' EXIT
fi
pass=0 fail=0

check() {	# check NAME CONDITION...
	name=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name"
		return 1
	fi
}

# same NAME EXPECTED GOT SEED: cmp, and on a difference the diff's head
# and how to make the case again.
same() {
	if cmp -s "$2" "$3"; then
		pass=$((pass + 1))
		return
	fi
	fail=$((fail + 1))
	echo "FAIL $1: < $(basename "$2"), > $(basename "$3")"
	diff "$2" "$3" | head -n 30 | sed 's/^/    /'
	case $4 in
	*[!0-9]*) ;;
	*) repro "$4" ;;
	esac
}

repro() {
	a="--program \$D/program.json --events \$D/events.csv"
	a="$a --members \$D/members.csv --as-of \$(cat \$D/asof)"
	a="$a --tz \$(cat \$D/tz)"
	echo "    reproduce (or POINTS_PROP_SEED=$1 POINTS_PROP_N=1" \
	    "POINTS_PROP_KEEP=DIR):"
	echo "      D=/tmp/points-seed$1; $py tests/points_gen.py --seed $1" \
	    "--out \$D"
	echo "      $py tests/points_reference.py $a --ledger \$D/ref.ledger" \
	    "\$D/orders.csv >\$D/ref.bal 2>\$D/ref.err"
	echo "      $bin/mbr-points $a --ledger \$D/c.ledger \$D/orders.csv" \
	    ">\$D/c.bal 2>\$D/c.err"
}

if ! "$py" -c 'import zoneinfo' 2>/dev/null; then
	echo "points-prop: no $py with zoneinfo: skipped"
	echo "0 passed, 0 failed"
	exit 0
fi

"$py" "$here/points_reference.py" --selftest >"$tmp/selftest.out" 2>&1
check "reference selftest: $(tail -n 1 "$tmp/selftest.out")" \
    grep -q '^[0-9]* passed, 0 failed$' "$tmp/selftest.out" ||
    sed 's/^/    /' "$tmp/selftest.out"

if [ ! -x "$bin/mbr-points" ]; then
	check "$bin/mbr-points exists" false
	echo "$pass passed, $fail failed"
	exit 1
fi

# refcount REASON: the reference's rejects of REASON (its --rejects
# file: kind,seq,reason); ccount REASON: mbr-points's, from the lines
# "mbr-points: N rejected: REASON" of its standard error.
refcount() {
	awk -F, -v w="$1" '$3 == w { n++ } END { print n + 0 }' "$d/ref.rej" \
	    2>/dev/null || echo 0
}
ccount() {
	awk -v w="$1" '
	    { sub(/^[^:]*: /, "") }
	    $2 == "rejected:" { r = $0; sub(/^[0-9]+ rejected: /, "", r)
		if (r == w) n += $1 }
	    END { print n + 0 }' "$d/c.err"
}

s=$seed0
end=$((seed0 + n))
while [ $s -lt $end ]; do
	d=$tmp/s$s
	mkdir -p "$d"
	if ! "$py" "$here/points_gen.py" --seed $s --out "$d" \
	    2>"$d/gen.err"; then
		check "seed $s: generate" false
		sed 's/^/    /' "$d/gen.err"
		s=$((s + 1))
		continue
	fi
	tz=$(cat "$d/tz")
	asof=$(cat "$d/asof")
	nights=$(cat "$d/nights")
	"$py" "$here/points_reference.py" --program "$d/program.json" \
	    --events "$d/events.csv" --members "$d/members.csv" \
	    --as-of "$asof" --tz "$tz" --ledger "$d/ref.ledger" \
	    --rejects "$d/ref.rej" "$d/orders.csv" >"$d/ref.bal" 2>"$d/ref.err"
	rc=$?
	check "seed $s: reference runs (exit $rc)" [ $rc = 0 ] ||
	    sed 's/^/    /' "$d/ref.err"

	# the full replay, its members shared among three threads
	"$bin/mbr-points" --threads 3 --program "$d/program.json" \
	    --events "$d/events.csv" --members "$d/members.csv" \
	    --as-of "$asof" --tz "$tz" --ledger "$d/c.ledger" \
	    --rejects "$d/c.rej" --state-out "$d/c.state" "$d/orders.csv" \
	    >"$d/c.bal" 2>"$d/c.err"
	rc=$?
	# and on one thread: the same bytes everywhere, rejects in order
	"$bin/mbr-points" --threads 1 --program "$d/program.json" \
	    --events "$d/events.csv" --members "$d/members.csv" \
	    --as-of "$asof" --tz "$tz" --ledger "$d/c1.ledger" \
	    --rejects "$d/c1.rej" --state-out "$d/c1.state" "$d/orders.csv" \
	    >"$d/c1.bal" 2>"$d/c1.err"
	for f in bal ledger rej state err; do
		same "seed $s: $f on one thread and on three" "$d/c1.$f" \
		    "$d/c.$f" $s
	done
	if ! check "seed $s: full replay exits 0 (got $rc)" [ $rc = 0 ]; then
		sed 's/^/    /' "$d/c.err" | head -n 10
		repro $s
	fi
	same "seed $s: balances" "$d/ref.bal" "$d/c.bal" $s
	same "seed $s: ledger" "$d/ref.ledger" "$d/c.ledger" $s
	# the summary line: every row read counted
	grep -h ' orders: ' "$d/ref.err" | sed 's/^[^:]*: //' >"$d/ref.sum"
	grep -h ' orders: ' "$d/c.err" | sed 's/^[^:]*: //' >"$d/c.sum"
	same "seed $s: summary line" "$d/ref.sum" "$d/c.sum" $s
	for why in "insufficient points" "unknown member" \
	    "event_id conflict" "order_id conflict"; do
		want=$(refcount "$why")
		got=$(ccount "$why")
		check "seed $s: $want rejects \"$why\" (got $got)" \
		    [ "$want" = "$got" ]
	done

	# the same history, night by night
	k=1
	state=
	: >"$d/nights.ledger"
	ok=1
	while [ $k -le "$nights" ]; do
		"$bin/mbr-points" -q --program "$d/program.json" $state \
		    --state-out "$d/state$k" \
		    --events "$d/night$k.events.csv" \
		    --members "$d/members.csv" \
		    --as-of "$(cat "$d/night$k.asof")" --tz "$tz" \
		    --ledger "$d/n$k.ledger" --rejects "$d/n$k.rej" \
		    "$d/night$k.orders.csv" >"$d/n$k.bal" 2>"$d/n$k.err"
		rc=$?
		if [ $rc != 0 ]; then
			check "seed $s: night $k of $nights exits 0 (got $rc)" false
			sed 's/^/    /' "$d/n$k.err" | head -n 10
			ok=0
			break
		fi
		sed 1d "$d/n$k.ledger" >>"$d/nights.ledger"
		state="--state $d/state$k"
		k=$((k + 1))
	done
	if [ $ok = 1 ]; then
		check "seed $s: $nights nights run" true
		sed 1d "$d/c.ledger" >"$d/c.rows"
		same "seed $s: full ledger vs $nights nights" \
		    "$d/c.rows" "$d/nights.ledger" $s
		same "seed $s: full balances vs the last night's" \
		    "$d/c.bal" "$d/n$nights.bal" $s
	fi

	# the audit
	"$bin/mbr-points" --audit "$d/c.ledger" --program "$d/program.json" \
	    --tz "$tz" >"$d/audit.out" 2>"$d/audit.err"
	rc=$?
	check "seed $s: audit of the full ledger exits 0 (got $rc)" [ $rc = 0 ] ||
	    sed 's/^/    /' "$d/audit.err" | head -n 5
	rows=$(($(wc -l <"$d/c.ledger") - 1))
	if [ $rows -gt 0 ]; then
		# line L of the file (2 = the first row): points + 1
		line=$(( (s * 7919) % rows + 2 ))
		awk -F, -v OFS=, -v l=$line 'NR == l { $4 = $4 + 1 } { print }' \
		    "$d/c.ledger" >"$d/tampered.ledger"
		"$bin/mbr-points" --audit "$d/tampered.ledger" \
		    --program "$d/program.json" --tz "$tz" \
		    >"$d/tamper.out" 2>"$d/tamper.err"
		rc=$?
		check "seed $s: audit of a ledger with line $line changed exits 1 (got $rc)" \
		    [ $rc = 1 ]
		check "seed $s: the audit names line $line" \
		    grep -q ":$line\\([^0-9]\\|\$\\)" "$d/tamper.err" ||
		    sed 's/^/    /' "$d/tamper.err" | head -n 3
	fi
	s=$((s + 1))
done
# Many members: the balances are formatted in blocks of 8192 members on
# every thread and written in order.  30,000 members of one order each
# (ids of two shapes, so that ranking by id interleaves the order they
# were read in), each earning its whole yuan: every balance as awk and
# LC_ALL=C sort(1) make it, on one thread and on three.
d=$tmp/many
mkdir -p "$d"
printf '{"currency": "CNY", "earn": {"per": 1},\n "tiers": {"levels": [{"name": "member", "from": 0}]}}\n' \
    >"$d/program.json"
awk 'BEGIN { print "order_id,member_id,ts,amount,status"
	for (i = 0; i < 30000; i++) {
		k = (i * 7919) % 30000
		id = (k % 3 ? "phone:+86138" sprintf("%08d", k) : "m" k)
		printf "o%d,%s,2024-05-01T10:00:00+08:00,%d.50,paid\n", i, id,
		    k % 500
	} }' >"$d/orders.csv"
sed 1d "$d/orders.csv" | awk -F, '{ split($4, a, "."); print $2 "," a[1] }' |
    LC_ALL=C sort >"$d/want"
for t in 1 3; do
	"$bin/mbr-points" -q --threads $t --program "$d/program.json" \
	    --as-of 2024-06-01T00:00:00+08:00 --tz Asia/Shanghai \
	    "$d/orders.csv" >"$d/bal$t" 2>"$d/err$t"
	sed 1d "$d/bal$t" | cut -d, -f1,2 >"$d/got$t"
	same "30,000 members on $t thread(s): member_id and points" \
	    "$d/want" "$d/got$t" many
done
same "30,000 members: one thread and three, byte for byte" "$d/bal1" \
    "$d/bal3" many
# from standard input, with no size to reserve: the arrays grow
"$bin/mbr-points" -q --program "$d/program.json" \
    --as-of 2024-06-01T00:00:00+08:00 --tz Asia/Shanghai - \
    <"$d/orders.csv" >"$d/bal-stdin" 2>"$d/err-stdin"
same "30,000 members from standard input" "$d/bal1" "$d/bal-stdin" many

# A run that stops: order o100 earns more points than fit, which ends
# the run (exit 1) where member m0100's history is replayed.  One
# thread has replayed m0000-m0099 by then, so the rejects are the
# redemptions of those members that are more than their 10,000 points:
# m0000, m0007, ..., m0098, 15 of them; on three threads, the same (the
# members after m0100 are replayed too, but what they reject is not
# written).
d=$tmp/stops
mkdir -p "$d"
printf '{"currency": "CNY", "earn": {"per": 10000},\n "tiers": {"levels": [{"name": "member", "from": 0}]}}\n' \
    >"$d/program.json"
awk 'BEGIN { print "order_id,member_id,ts,amount,status"
	for (i = 0; i < 2000; i++)
		printf "o%d,m%04d,2024-05-01T10:00:00+08:00,%s,paid\n", i, i,
		    i == 100 ? "90000000000000000.00" : "1.00" }' >"$d/orders.csv"
awk 'BEGIN { print "event_id,member_id,ts,type,points,reason"
	for (i = 0; i < 2000; i += 7)
		printf "e%d,m%04d,2024-05-02T10:00:00+08:00,redeem,99999,x\n",
		    i, i }' >"$d/events.csv"
for t in 1 3; do
	"$bin/mbr-points" --threads $t --program "$d/program.json" \
	    --events "$d/events.csv" --as-of 2024-06-01T00:00:00+08:00 \
	    --tz Asia/Shanghai --rejects "$d/rej$t" "$d/orders.csv" \
	    >/dev/null 2>"$d/err$t"
	rc=$?
	check "a run that stops on $t thread(s) exits 1 (got $rc)" [ $rc = 1 ]
	n=$(wc -l <"$d/rej$t")
	check "a run that stops on $t thread(s): 15 rejects (got $n)" \
	    [ "$n" = 15 ]
done
same "a run that stops: rejects on one thread and on three" \
    "$d/rej1" "$d/rej3" stops
same "a run that stops: stderr on one thread and on three" \
    "$d/err1" "$d/err3" stops

echo "$pass passed, $fail failed"
[ $fail = 0 ]
