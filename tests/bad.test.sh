#!/bin/sh
# bad.test.sh BIN BUILD [CASE ...]: the bad-input corpus, tests/bad/,
# against every program (tests/bad/README says how a case is laid out).
#
# Each case directory is copied to a fresh work directory; its gen
# script, if any, makes the large inputs there once, and then
#
#   mbr-ingest  --rejects rej-ingest.ndjson ARGS
#   mbr-rfm     --as-of 2025-01-01T00:00:00Z --rejects rej-rfm.ndjson ARGS
#   mbr-segment -e 'segment big = amount > 100' -e 'segment all = true'
#               --rejects rej-segment.ndjson ARGS
#   mbr-points  --as-of 2025-01-01T00:00:00Z --rejects rej-points.ndjson
#               --program program.json ARGS
#   mbr-campaign --as-of 2025-01-01T00:00:00Z --rejects rej-campaign.ndjson
#               --campaign campaign.json ARGS
#   mbr-abtest assign --experiment bad-corpus --variants control,treatment
#               --as-of 2025-01-01T00:00:00Z
#               --rejects rej-abtest-assign.ndjson ARGS
#   mbr-abtest analyze --as-of 2025-01-01T00:00:00Z --window 30d
#               --rejects rej-abtest-orders.ndjson
#               --assignments assignments.csv ARGS
#   mbr-abtest analyze --as-of 2025-01-01T00:00:00Z --window 30d
#               --rejects rej-abtest-assignments.ndjson
#               --assignments ARGS orders.csv
#   mbr-abtest analyze --merge --rejects rej-abtest-merge.ndjson ARGS
#   mbr-oneid   --rejects rej-oneid.ndjson ARGS
#   mbr-oneid   --rejects rej-oneid-map.ndjson --map ARGS orders.csv
#   mbr-clv fit --as-of 2025-01-01T00:00:00Z --rejects rej-clv-fit.ndjson
#               ARGS
#   mbr-clv predict --as-of 2025-01-01T00:00:00Z
#               --rejects rej-clv-predict.ndjson --model clv-model.json ARGS
#   mbr-clv fit --merge --rejects rej-clv-merge.ndjson ARGS
#   mbr-report  --as-of 2025-01-01T00:00:00Z --periods 1 --cohorts 0
#               --rejects rej-report.ndjson ARGS
#               (only where the case has a "report" expectation)
#
# run side by side in it (ARGS: the case's args file, else its in.*
# files; program.json: the case's own, else the one-point-a-yuan
# programme below; campaign.json: the case's own, else
# tests/bad/campaign.json, a batch campaign by SMS whose text names no
# member field; assignments.csv and orders.csv: the case's own, else
# tests/bad's, m1 to m4 assigned on 2024-11-10 and the good orders A1
# and A2, so that mbr-abtest reads the input as members to assign,
# orders to analyse, assignments to analyse and partials to merge, and
# mbr-oneid as records to join and, with the good orders, as the
# previous identity map, and mbr-clv as orders to fit and to predict
# with tests/bad/clv-model.json (or the case's own) and as partials to
# merge; mbr-points, mbr-campaign, each mbr-abtest run, mbr-oneid's
# --map run and mbr-clv's merge only where the case has a "points",
# "campaign", "abtest-*", "oneid-map" or "clv-merge" expectation, and a
# program whose expectation says "skip" not at all),
# with LC_ALL=C, TZ=UTC, stdin /dev/null (or the expectation's stdin
# file, or its pipe file through a pipe) and the sanitizer
# options of the environment, each killed after BAD_TIMEOUT seconds
# (default 120): a hang fails.  Each program's exit status, stderr,
# stdout and rejects file (and its peak RSS where the case bounds it)
# are checked against the expectation file named for the program;
# each is one check.  Prints "FAIL case/prog: what" and a diff for each
# mismatch, "ok case" for passes when VERBOSE=1, and last
# "N passed, N failed".  BAD_KEEP=1 keeps failed work directories.
# run.sh: last
set -u
LC_ALL=C
TZ=UTC
export LC_ALL TZ

say() {
	printf '%s\n' "$*"
}

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	say "usage: tests/bad.test.sh BIN [BUILD] [case ...]" >&2
	exit 2
fi
bin=$(cd "$1" && pwd -P) || exit 2
shift
[ $# -gt 0 ] && shift		# BUILD: not needed here
corpus=$(cd "$(dirname "$0")/bad" && pwd -P) || exit 2
limit=${BAD_TIMEOUT:-120}
verbose=${VERBOSE:-0}
keep=${BAD_KEEP:-0}
asof=2025-01-01T00:00:00Z

tmo=
if command -v timeout >/dev/null 2>&1; then
	tmo="timeout -k 10 $limit"
else
	say "note: timeout(1) not found; cases run without a time limit"
fi
# GNU time measures the peak RSS (ASan reserves terabytes of virtual
# memory, so ulimit -v cannot bound it).
# Under valgrind (make check-valgrind sets MBR_VALGRIND=1) the peak is
# valgrind's, not the program's: not checked.
gtime=
if [ "${MBR_VALGRIND:-0}" = 1 ]; then
	say "note: under valgrind: rss checks skipped"
elif [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true \
    >/dev/null 2>&1; then
	gtime=/usr/bin/time
else
	say "note: GNU time (/usr/bin/time) not found; rss checks skipped"
fi
jq=
command -v jq >/dev/null 2>&1 && jq=jq

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-bad.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mbr-points' programme where a case has none of its own: a point a
# yuan, floor, no tiers, no expiry.
printf '%s\n' '{"name": "bad-input corpus", "currency": "CNY",' \
    ' "earn": {"per": 1}}' >"$tmp/program.json"

pass=0
fail=0

# check NAME WHAT EXPECTED ACTUAL: one check; a mismatch is shown.
check() {
	if cmp -s "$3" "$4"; then
		pass=$((pass + 1))
		return 0
	fi
	fail=$((fail + 1))
	say "FAIL $1: $2"
	diff -u -L "expected $2" -L "actual $2" "$3" "$4" | sed -n '3,40p' |
	    cut -c1-300
	return 1
}

# directive FILE NAME: the text of each "NAME text" line of FILE, one a
# line ("NAME" alone is an empty line).
directive() {
	sed -n "s/^$2 //p; s/^$2\$//p" "$1"
}

# rejects FILE: each reject as "file:line reason", the JSON escapes of
# the reason undone.
rejects() {
	[ -f "$1" ] || return 0
	# (cut first: a sed regular expression over a line of megabytes
	# takes seconds)
	cut -c1-65536 "$1" | sed -E 's/^\{"reject_reason":"(([^"\\]|\\.)*)","reject_source":"(([^"\\]|\\.)*)".*$/\3 \1/' |
	    sed 's/\\\(.\)/\1/g'
}

# run PROG: run one program in the work directory $w, its results in
# $tmp/PROG.*.
run() {
	r_p=$1
	r_exp=$c/$1
	r_args=$(directive "$r_exp" args)
	if [ -z "$r_args" ]; then
		r_args=$args
		[ "$r_p" = points ] && r_args="--program program.json $args"
		[ "$r_p" = campaign ] &&
		    r_args="--campaign campaign.json $args"
		[ "$r_p" = abtest-orders ] &&
		    r_args="--assignments assignments.csv $args"
		[ "$r_p" = abtest-assignments ] &&
		    r_args="--assignments $args orders.csv"
		[ "$r_p" = oneid-map ] && r_args="--map $args orders.csv"
		[ "$r_p" = clv-predict ] &&
		    r_args="--model clv-model.json $args"
	fi
	r_in=$(directive "$r_exp" stdin)
	[ -z "$r_in" ] && r_in=/dev/null
	r_pipe=$(directive "$r_exp" pipe)
	r_time=
	[ -n "$gtime" ] && r_time="$gtime -f %M -o $tmp/$r_p.rss"
	(
		cd "$w" || exit 2
		eval "set -- $r_args"
		if [ -n "$r_pipe" ]; then
			cat -- "$r_pipe" | prog "$@"
		else
			prog "$@" <"$r_in"
		fi >"$tmp/$r_p.out" 2>"$tmp/$r_p.err"
		echo $? >"$tmp/$r_p.rc"
	)
}

# prog ARGS: the program of the run $r_p, its stdin and stdout as given.
prog() {
	case $r_p in
	ingest)	$tmo $r_time "$bin/mbr-ingest" \
		    --rejects rej-ingest.ndjson "$@" ;;
	rfm)	$tmo $r_time "$bin/mbr-rfm" --as-of $asof \
		    --rejects rej-rfm.ndjson "$@" ;;
	segment) $tmo $r_time "$bin/mbr-segment" \
		    -e 'segment big = amount > 100' \
		    -e 'segment all = true' \
		    --rejects rej-segment.ndjson "$@" ;;
	points)	$tmo $r_time "$bin/mbr-points" --as-of $asof \
		    --rejects rej-points.ndjson "$@" ;;
	campaign) $tmo $r_time "$bin/mbr-campaign" --as-of $asof \
		    --rejects rej-campaign.ndjson "$@" ;;
	abtest-assign) $tmo $r_time "$bin/mbr-abtest" assign \
		    --experiment bad-corpus \
		    --variants control,treatment --as-of $asof \
		    --rejects rej-abtest-assign.ndjson "$@" ;;
	abtest-orders|abtest-assignments)
		$tmo $r_time "$bin/mbr-abtest" analyze --as-of $asof \
		    --window 30d --rejects rej-$r_p.ndjson "$@" ;;
	abtest-merge) $tmo $r_time "$bin/mbr-abtest" analyze --merge \
		    --rejects rej-abtest-merge.ndjson "$@" ;;
	oneid|oneid-map) $tmo $r_time "$bin/mbr-oneid" \
		    --rejects rej-$r_p.ndjson "$@" ;;
	clv-fit) $tmo $r_time "$bin/mbr-clv" fit --as-of $asof \
		    --rejects rej-clv-fit.ndjson "$@" ;;
	clv-predict) $tmo $r_time "$bin/mbr-clv" predict --as-of $asof \
		    --rejects rej-clv-predict.ndjson "$@" ;;
	clv-merge) $tmo $r_time "$bin/mbr-clv" fit --merge \
		    --rejects rej-clv-merge.ndjson "$@" ;;
	report)	$tmo $r_time "$bin/mbr-report" --as-of $asof --periods 1 \
		    --cohorts 0 --rejects rej-report.ndjson "$@" ;;
	esac
}

# verify NAME PROG: compare what PROG did with its expectation.
verify() {
	v_name=$1 v_p=$2 v_exp=$c/$2 v_ok=0
	v_rc=$(cat "$tmp/$v_p.rc")
	v_want=$(directive "$v_exp" rc)
	[ -z "$v_want" ] && v_want=0
	if [ -n "$tmo" ] && [ "$v_rc" != "$v_want" ] &&
	    { [ "$v_rc" = 124 ] || [ "$v_rc" = 137 ]; }; then
		say "FAIL $v_name: timeout (over ${limit}s)"
		fail=$((fail + 4))
		return 1
	fi
	# GNU time says so when the command failed; that is not stderr.
	if [ -n "$gtime" ]; then
		grep -v -e '^Command exited with non-zero status' \
		    -e '^Command terminated by signal' "$tmp/$v_p.err" \
		    >"$tmp/err2"
		mv "$tmp/err2" "$tmp/$v_p.err"
	fi
	say "$v_want" >"$tmp/want"
	say "$v_rc" >"$tmp/got"
	check "$v_name" "exit status" "$tmp/want" "$tmp/got" || v_ok=1

	directive "$v_exp" err >"$tmp/want"
	check "$v_name" stderr "$tmp/want" "$tmp/$v_p.err" || v_ok=1

	# stdout: all of it, or its first lines with its size
	v_cut=$(directive "$v_exp" cut)
	v_n=$(directive "$v_exp" outn)
	v_bytes=$(directive "$v_exp" outbytes)
	directive "$v_exp" out >"$tmp/wantout"
	if [ -n "$v_cut" ]; then
		cut -d, -f"$v_cut" "$tmp/$v_p.out" >"$tmp/outc"
	else
		cp "$tmp/$v_p.out" "$tmp/outc"
	fi
	if [ -n "$v_n$v_bytes" ]; then
		: >"$tmp/want"
		: >"$tmp/got"
		if [ -n "$v_n" ]; then
			say "lines $v_n" >>"$tmp/want"
			say "lines $(wc -l <"$tmp/$v_p.out" | tr -d ' ')" \
			    >>"$tmp/got"
		fi
		if [ -n "$v_bytes" ]; then
			say "bytes $v_bytes" >>"$tmp/want"
			say "bytes $(wc -c <"$tmp/$v_p.out" | tr -d ' ')" \
			    >>"$tmp/got"
		fi
		cat "$tmp/wantout" >>"$tmp/want"
		head -n "$(wc -l <"$tmp/wantout")" "$tmp/outc" >>"$tmp/got"
	else
		mv "$tmp/wantout" "$tmp/want"
		mv "$tmp/outc" "$tmp/got"
	fi
	check "$v_name" stdout "$tmp/want" "$tmp/got" || v_ok=1

	directive "$v_exp" rej >"$tmp/want"
	rejects "$w/rej-$v_p.ndjson" >"$tmp/got"
	# Each reject a JSON object (checked where jq is, and the file
	# not so big that jq would cost seconds)
	if [ -n "$jq" ] && [ -s "$w/rej-$v_p.ndjson" ] &&
	    [ "$(wc -c <"$w/rej-$v_p.ndjson")" -lt 4000000 ] &&
	    ! $jq -c . "$w/rej-$v_p.ndjson" >/dev/null 2>&1; then
		say "(not valid NDJSON)" >>"$tmp/got"
	fi
	check "$v_name" rejects "$tmp/want" "$tmp/got" || v_ok=1

	v_rss=$(directive "$v_exp" rss)
	if [ -n "$v_rss" ] && [ -n "$gtime" ]; then
		v_got=$(tail -n 1 "$tmp/$v_p.rss" 2>/dev/null)
		if [ -n "$v_got" ] && [ "$v_got" -le "$v_rss" ]; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			v_ok=1
			say "FAIL $v_name: peak RSS ${v_got:-?} KB, over $v_rss KB"
		fi
	fi
	return $v_ok
}

for c in "$corpus"/*/; do
	c=${c%/}
	case=${c##*/}
	if [ $# -gt 0 ]; then
		sel=1
		for s in "$@"; do
			[ "$s" = "$case" ] && sel=0
		done
		[ $sel = 1 ] && continue
	fi
	w=$tmp/w
	rm -rf "$w"
	mkdir "$w" && cp -R "$c/." "$w/" || exit 2
	[ -e "$w/program.json" ] || cp "$tmp/program.json" "$w/" || exit 2
	[ -e "$w/campaign.json" ] || cp "$corpus/campaign.json" "$w/" || exit 2
	[ -e "$w/assignments.csv" ] || cp "$corpus/assignments.csv" "$w/" ||
	    exit 2
	[ -e "$w/orders.csv" ] || cp "$corpus/orders.csv" "$w/" || exit 2
	[ -e "$w/clv-model.json" ] || cp "$corpus/clv-model.json" "$w/" ||
	    exit 2
	if [ -f "$c/gen" ] && ! (cd "$w" && sh ./gen); then
		say "FAIL $case: gen failed"
		fail=$((fail + 1))
		continue
	fi
	if [ -f "$c/args" ]; then
		args=$(grep -v '^#' "$c/args")
	else
		args=$(cd "$w" && ls -d in.* 2>/dev/null | tr "\n" " ")
	fi
	ran=
	for p in ingest rfm segment points campaign abtest-assign \
	    abtest-orders abtest-assignments abtest-merge oneid oneid-map \
	    clv-fit clv-predict clv-merge report; do
		if [ ! -f "$c/$p" ]; then
			case $p in
			points|campaign|abtest-*|oneid-map|clv-merge|report)
				continue ;;
			esac
			say "FAIL $case/$p: no expectation file $p"
			fail=$((fail + 1))
			continue
		fi
		grep -q '^skip' "$c/$p" && continue
		run "$p" &
		ran="$ran $p"
	done
	wait
	c_ok=0
	for p in $ran; do
		verify "$case/$p" "$p" || c_ok=1
	done
	if [ $c_ok = 0 ]; then
		[ "$verbose" = 1 ] && say "ok $case"
	elif [ "$keep" = 1 ]; then
		k=$(mktemp -d "${TMPDIR:-/tmp}/mbr-bad-kept.XXXXXX") &&
		    cp -R "$w" "$tmp"/*.out "$tmp"/*.err "$k/" &&
		    say "  (kept in $k)"
	fi
	rm -rf "$w" "$tmp"/*.out "$tmp"/*.err "$tmp"/*.rc "$tmp"/*.rss
done

say "$pass passed, $fail failed"
[ $fail -eq 0 ]
