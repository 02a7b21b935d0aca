#!/bin/sh
# abtest-prop.test.sh BIN BUILD: mbr-abtest analyze against its
# independent Python reference (tests/abtest_reference.py, whose
# statistics are scipy's and statsmodels') on generated scenarios
# (tests/abtest_gen.py), as the contract (man/mbr-abtest.1) states it.
#
# First the reference's own hand-computed cases (--selftest).  Then for
# each of ABTEST_SEEDS seeds (default 12; from ABTEST_SEED, default 1),
# one scenario: assignments (or a send list) with 2-4 variants of
# unequal weights, orders in and around the window, sometimes a holdout
# file, a covariate, an empty variant, a sample ratio mismatch, and the
# options of the scenario (DIR/args, one a line).  mbr-abtest analyze and
# the reference run on it with the same options, in the scenario's
# directory, each with -o and --rejects:
#
#   the exit status;
#   the records (or both absent, after a run that exits 1), field by
#     field (--compare of the reference): the same header, the same
#     number of records, text fields (experiment, variant, verdict,
#     revenue) and counts equal, every other number
#     within a relative 1e-4 (the 4 significant digits the issue asks
#     of agreement with scipy and statsmodels) or an absolute 1e-9 near
#     zero, empty where the other is empty;
#   the rejects' places (reject_source), as a sorted list.
#
# A failure prints the seed, the differences and the commands that
# reproduce it; ABTEST_KEEP=DIR keeps every case's files in DIR.  Needs
# /usr/bin/python3 with scipy and statsmodels (Debian python3-scipy
# python3-statsmodels; ABTEST_PYTHON names another); without them the
# test is skipped, not failed.  Prints "abtest-prop: N passed, N failed"
# last.
set -u
bin=${1:?usage: abtest-prop.test.sh BIN BUILD}
bin=$(cd "$bin" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd -P) || exit 2
LC_ALL=C
export LC_ALL
py=${ABTEST_PYTHON:-/usr/bin/python3}
n=${ABTEST_SEEDS:-12}
seed0=${ABTEST_SEED:-1}
if [ -n "${ABTEST_KEEP:-}" ]; then
	tmp=$ABTEST_KEEP
	mkdir -p "$tmp" || exit 2
	tmp=$(cd "$tmp" && pwd) || exit 2
else
	tmp=$(mktemp -d) || exit 2
	trap 'rm -rf "$tmp"' EXIT
fi
pass=0 fail=0
set -f		# the options of a scenario are split at blanks, never globbed

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

ok() {
	pass=$((pass + 1))
	echo "ok $1"
}

repro() {
	echo "    reproduce (or ABTEST_SEED=$1 ABTEST_SEEDS=1 ABTEST_KEEP=DIR):"
	echo "      D=/tmp/abtest-seed$1; $py $here/abtest_gen.py $1 \$D"
	echo "      cd \$D && $py $here/abtest_reference.py analyze" \
	    "\$(cat args) -o ref.csv"
	echo "      cd \$D && $bin/mbr-abtest analyze \$(cat args) -o c.csv"
	echo "      $py $here/abtest_reference.py --compare \$D/ref.csv \$D/c.csv"
}

# sources FILE OUT: the rejects' reject_source values, sorted (NDJSON)
sources() {
	if [ -e "$1" ]; then
		sed -n 's/.*"reject_source" *: *"\([^"]*\)".*/\1/p' "$1" |
		    sort >"$2"
	else
		: >"$2"
	fi
}

summary() {
	echo "abtest-prop: $pass passed, $fail failed"
}

if [ ! -x "$py" ] ||
    ! "$py" -c 'import numpy, scipy, statsmodels' 2>/dev/null; then
	echo "abtest-prop: skipped: $py has no scipy and statsmodels" \
	    "(apt-get install python3-scipy python3-statsmodels)"
	summary
	exit 0
fi

"$py" "$here/abtest_reference.py" --selftest >"$tmp/selftest.out" 2>&1
if check "reference selftest: $(tail -n 1 "$tmp/selftest.out")" \
    grep -q '^[0-9]* passed, 0 failed$' "$tmp/selftest.out"; then
	echo "ok reference selftest: $(tail -n 1 "$tmp/selftest.out")"
else
	sed 's/^/    /' "$tmp/selftest.out"
fi

if [ ! -x "$bin/mbr-abtest" ]; then
	check "$bin/mbr-abtest exists" false
	summary
	exit 1
fi

s=$seed0
end=$((seed0 + n))
while [ $s -lt $end ]; do
	d=$tmp/s$s
	rm -rf "$d"
	mkdir -p "$d"
	if ! "$py" "$here/abtest_gen.py" $s "$d" 2>"$d/gen.err"; then
		check "seed $s: generate" false
		sed 's/^/    /' "$d/gen.err"
		s=$((s + 1))
		continue
	fi
	args=$(cat "$d/args")
	(cd "$d" && "$py" "$here/abtest_reference.py" analyze $args \
	    -o ref.csv --rejects ref.rej.ndjson >ref.stdout 2>ref.err)
	rr=$?
	(cd "$d" && "$bin/mbr-abtest" analyze $args \
	    -o c.csv --rejects c.rej.ndjson >c.stdout 2>c.err)
	cr=$?
	case $rr in
	0|1) ;;
	*)	check "seed $s: reference runs (exit $rr)" false
		sed 's/^/    /' "$d/ref.err" | head -n 5
		s=$((s + 1))
		continue ;;
	esac
	if [ "$rr" = "$cr" ]; then
		ok "seed $s: exit $cr"
	else
		check "seed $s: exit $cr (reference $rr)" false
		sed 's/^/    /' "$d/c.err" | head -n 5
		repro $s
	fi
	if [ ! -e "$d/ref.csv" ] && [ ! -e "$d/c.csv" ]; then
		ok "seed $s: no records from either (exit $rr)"
	elif [ ! -e "$d/ref.csv" ] || [ ! -e "$d/c.csv" ]; then
		check "seed $s: records: only one of them was written" false
		repro $s
	elif "$py" "$here/abtest_reference.py" --compare "$d/ref.csv" \
	    "$d/c.csv" >"$d/cmp.out" 2>&1; then
		ok "seed $s: records ($(($(wc -l <"$d/ref.csv") - 1)))"
	else
		check "seed $s: records" false
		cat "$d/cmp.out"
		repro $s
	fi
	sources "$d/ref.rej.ndjson" "$d/ref.sources"
	sources "$d/c.rej.ndjson" "$d/c.sources"
	if cmp -s "$d/ref.sources" "$d/c.sources"; then
		ok "seed $s: rejects ($(wc -l <"$d/ref.sources"))"
	else
		check "seed $s: rejects: < reference, > mbr-abtest" false
		diff "$d/ref.sources" "$d/c.sources" | head -n 20 |
		    sed 's/^/    /'
		repro $s
	fi
	s=$((s + 1))
done
summary
[ $fail = 0 ]
