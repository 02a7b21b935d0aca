#!/bin/sh
# campaign-prop.test.sh BIN BUILD: mbr-campaign against its independent
# Python reference (tests/campaign_reference.py) on generated scenarios
# (tests/campaign_gen.py), as man/mbr-campaign.1 (the contract) states
# it.
#
# First the reference's own hand-computed cases (--selftest).  Then for
# each of CAMPAIGN_PROP_N seeds (default 12; from CAMPAIGN_PROP_SEED,
# default 1), one scenario: members, a campaign, history, suppression
# list, ledger, events, coupons and a join file, and the options of the
# scenario (DIR/args, one a line).  mbr-campaign and the reference run
# on it twice, in the scenario's directory:
#
#   a send run (-o, --explain, --rejects, --history-out and, with
#     --coupons, --coupons-out): the exit status; the send list, the
#     history out and the codes left over byte for byte (or both
#     absent, after a failed run); the explain file's campaign_id,
#     member_id and reason (its detail is free text); the rejects' places
#     (reject_source), as a sorted list;
#   a --dry-run: the exit status and the counts byte for byte (the
#     reference writes them in the same run, with its --dry-out).
#
# A failure prints the seed, the first lines of the diff and the
# commands that reproduce it; CAMPAIGN_PROP_KEEP=DIR keeps every case's
# files in DIR.  Needs python3 (3.9 or later: zoneinfo); prints "N
# passed, N failed" last.
set -u
bin=${1:?usage: campaign-prop.test.sh BIN BUILD}
bin=$(cd "$bin" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd -P) || exit 2
LC_ALL=C
export LC_ALL
py=${PYTHON:-python3}
n=${CAMPAIGN_PROP_N:-12}
seed0=${CAMPAIGN_PROP_SEED:-1}
if [ -n "${CAMPAIGN_PROP_KEEP:-}" ]; then
	tmp=$CAMPAIGN_PROP_KEEP
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

# same NAME EXPECTED GOT SEED: cmp (both absent is the same), and on a
# difference the diff's head and how to make the case again.
same() {
	if [ ! -e "$2" ] && [ ! -e "$3" ]; then
		pass=$((pass + 1))
		return
	fi
	if [ -e "$2" ] && [ -e "$3" ] && cmp -s "$2" "$3"; then
		pass=$((pass + 1))
		return
	fi
	fail=$((fail + 1))
	echo "FAIL $1: < $(basename "$2"), > $(basename "$3")"
	if [ ! -e "$2" ] || [ ! -e "$3" ]; then
		echo "    only one of them was written"
	else
		diff "$2" "$3" | head -n 30 | sed 's/^/    /'
	fi
	repro "$4"
}

repro() {
	echo "    reproduce (or CAMPAIGN_PROP_SEED=$1 CAMPAIGN_PROP_N=1" \
	    "CAMPAIGN_PROP_KEEP=DIR):"
	echo "      D=/tmp/campaign-seed$1; $py tests/campaign_gen.py $1 \$D"
	echo "      cd \$D && $py $here/campaign_reference.py \$(cat args)" \
	    "-o ref.csv --explain ref.x.csv members.csv"
	echo "      cd \$D && $bin/mbr-campaign \$(cat args)" \
	    "-o c.csv --explain c.x.csv members.csv"
}

# explain3 FILE OUT: the explain file's first three columns (the
# generator's campaign ids, member ids and reasons hold no comma or quote)
explain3() {
	if [ -e "$1" ]; then
		cut -d, -f1-3 "$1" >"$2"
	else
		rm -f "$2"
	fi
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

if ! "$py" -c 'import zoneinfo' 2>/dev/null; then
	echo "campaign-prop: no $py with zoneinfo: skipped"
	echo "0 passed, 0 failed"
	exit 0
fi

"$py" "$here/campaign_reference.py" --selftest >"$tmp/selftest.out" 2>&1
check "reference selftest: $(tail -n 1 "$tmp/selftest.out")" \
    grep -q '^[0-9]* passed, 0 failed$' "$tmp/selftest.out" ||
    sed 's/^/    /' "$tmp/selftest.out"

if [ ! -x "$bin/mbr-campaign" ]; then
	check "$bin/mbr-campaign exists" false
	echo "$pass passed, $fail failed"
	exit 1
fi

s=$seed0
end=$((seed0 + n))
while [ $s -lt $end ]; do
	d=$tmp/s$s
	rm -rf "$d"
	mkdir -p "$d"
	if ! "$py" "$here/campaign_gen.py" $s "$d" 2>"$d/gen.err"; then
		check "seed $s: generate" false
		sed 's/^/    /' "$d/gen.err"
		s=$((s + 1))
		continue
	fi
	args=$(cat "$d/args")
	co=
	case " $(echo $args) " in
	*" --coupons "*) co=1 ;;
	esac
	for who in ref c; do
		out="-o $who.send.csv --explain $who.explain.csv"
		out="$out --rejects $who.rej.ndjson --history-out $who.hist.csv"
		[ -n "$co" ] && out="$out --coupons-out $who.left.txt"
		if [ $who = ref ]; then
			# one run writes both (--dry-out: the reference's own)
			(cd "$d" && "$py" "$here/campaign_reference.py" $args \
			    $out --dry-out ref.dry.csv members.csv \
			    >ref.stdout 2>ref.err)
			echo $? >"$d/ref.rc"
			cp "$d/ref.rc" "$d/ref.dry.rc"
			if [ "$(cat "$d/ref.rc")" != 0 ] && [ -n "$co" ]; then
				# too few codes fails a run, not a dry run
				(cd "$d" && "$py" "$here/campaign_reference.py" \
				    $args --dry-run -o ref.dry.csv members.csv \
				    >ref.dry.stdout 2>ref.dry.err)
				echo $? >"$d/ref.dry.rc"
			fi
		else
			(cd "$d" && "$bin/mbr-campaign" $args $out members.csv \
			    >c.stdout 2>c.err)
			echo $? >"$d/c.rc"
			(cd "$d" && "$bin/mbr-campaign" $args --dry-run \
			    -o c.dry.csv members.csv >c.dry.stdout 2>c.dry.err)
			echo $? >"$d/c.dry.rc"
		fi
		explain3 "$d/$who.explain.csv" "$d/$who.explain3"
		sources "$d/$who.rej.ndjson" "$d/$who.sources"
	done
	rr=$(cat "$d/ref.rc") cr=$(cat "$d/c.rc")
	case $rr in
	0|1) ;;
	*)	check "seed $s: reference runs (exit $rr)" false
		sed 's/^/    /' "$d/ref.err" | head -n 5 ;;
	esac
	if ! check "seed $s: exit $cr (reference $rr)" [ "$rr" = "$cr" ]; then
		sed 's/^/    /' "$d/c.err" | head -n 5
		repro $s
	fi
	same "seed $s: send list" "$d/ref.send.csv" "$d/c.send.csv" $s
	same "seed $s: explain" "$d/ref.explain3" "$d/c.explain3" $s
	same "seed $s: rejects" "$d/ref.sources" "$d/c.sources" $s
	same "seed $s: history out" "$d/ref.hist.csv" "$d/c.hist.csv" $s
	if [ -n "$co" ]; then
		same "seed $s: coupons out" "$d/ref.left.txt" "$d/c.left.txt" $s
	fi
	rr=$(cat "$d/ref.dry.rc") cr=$(cat "$d/c.dry.rc")
	if ! check "seed $s: dry run exit $cr (reference $rr)" \
	    [ "$rr" = "$cr" ]; then
		sed 's/^/    /' "$d/c.dry.err" | head -n 5
	fi
	same "seed $s: dry-run counts" "$d/ref.dry.csv" "$d/c.dry.csv" $s
	s=$((s + 1))
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
