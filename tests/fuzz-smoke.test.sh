#!/bin/sh
# fuzz-smoke.test.sh [BIN BUILD]: the libFuzzer targets of tests/fuzz/
# as a test suite (tests/run.sh passes BIN and BUILD; neither is used:
# the targets build under build/fuzz with clang, tests/fuzz/fuzz.mk).
#
# Builds the targets (make fuzz-build), then for each target two
# counted tests: its regression inputs, every file in
# tests/fuzz/regress/<target>/, each run once through the target
# (which must exit 0), and a short fuzzing run of FUZZ_SMOKE_TIME
# seconds (default 5) from its seeds, with a working corpus in a
# temporary directory (nothing is written under tests/).  The
# fuzzing starts from seed FUZZ_SMOKE_SEED (default 1), so that a
# check run does not fail on a finding another run missed; make fuzz
# runs long and from random seeds.  A crashing
# input is copied to build/fuzz/crash/<target>/.  Where clang or
# libFuzzer cannot be had, it says so in one line and passes.  Ends
# with "N passed, N failed".  MBR_NO_FUZZ=1 skips it (make
# check-valgrind, where its sanitizer builds have nothing to add).
# run.sh: once
set -u
LC_ALL=C
export LC_ALL

root=$(cd "$(dirname "$0")/.." && pwd -P) || exit 2
cd "$root" || exit 2
secs=${FUZZ_SMOKE_TIME:-5}
seed=${FUZZ_SMOKE_SEED:-1}
targets="csv ndjson reader split time money ident preset expr program pstate
    campaign tmpl abtest oneid clv report"
pass=0
fail=0

if [ "${MBR_NO_FUZZ:-0}" = 1 ]; then
	echo "fuzz-smoke: skipped (MBR_NO_FUZZ=1)"
	echo "0 passed, 0 failed"
	exit 0
fi
if ! make -s fuzz-probe >/dev/null 2>&1; then
	echo "fuzz-smoke: skipped: clang with libFuzzer not found"
	echo "0 passed, 0 failed"
	exit 0
fi
if ! make -s -j2 fuzz-build >build/fuzz/build.log 2>&1; then
	echo "FAIL fuzz-build: see build/fuzz/build.log"
	tail -n 20 build/fuzz/build.log
	echo "0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ok NAME STATUS: count one test.
ok() {
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $1"
	fi
}

for t in $targets; do
	bin=build/fuzz/fuzz_$t
	# Regression inputs: each run once; libFuzzer exits non-zero on
	# the first that crashes, leaks or times out.
	set -- tests/fuzz/regress/$t/*
	if [ -e "$1" ]; then
		if ! timeout -k 10 300 "$bin" -timeout=10 -rss_limit_mb=2048 \
		    "$@" >"$tmp/$t.regress" 2>&1; then
			tail -n 30 "$tmp/$t.regress"
			ok "fuzz/$t: regression inputs" 1
		else
			ok "fuzz/$t: regression inputs" 0
		fi
	else
		ok "fuzz/$t: regression inputs" 0
	fi

	mkdir -p "$tmp/$t" "$tmp/crash-$t"
	dict=
	[ -f tests/fuzz/$t.dict ] && dict=-dict=tests/fuzz/$t.dict
	if ! timeout -k 10 $((secs + 120)) "$bin" -max_total_time="$secs" \
	    -seed="$seed" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $dict \
	    -artifact_prefix="$tmp/crash-$t/" "$tmp/$t" tests/fuzz/corpus/$t \
	    >"$tmp/$t.log" 2>&1; then
		mkdir -p build/fuzz/crash/$t
		cp "$tmp/crash-$t"/* build/fuzz/crash/$t/ 2>/dev/null
		grep -E 'ERROR|SUMMARY|check failed|differ' "$tmp/$t.log" |
		    head -n 5
		echo "  crashing input kept in build/fuzz/crash/$t/"
		ok "fuzz/$t: $secs s of fuzzing" 1
	else
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    "$tmp/$t.log")
		echo "fuzz/$t: ${runs:-?} inputs in $secs s"
		ok "fuzz/$t: $secs s of fuzzing" 0
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
