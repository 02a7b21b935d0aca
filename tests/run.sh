#!/bin/sh
# run.sh BUILD [BUILD...]: every test suite, for "make check" and "make
# check-fast".
#
# BUILD is the build directory the Makefile's O names: "build/asan"
# keeps programs in build/asan/bin, "build" keeps them in bin/; unit
# test binaries are BUILD/tests/test_*.  For each BUILD (make check
# gives the gcc and the clang sanitizer builds; the second runs beside
# the first, its output shown after, unless MBR_CHECK_JOBS=1) this runs
#
#   each unit test binary, from the repository root;
#   tests/golden.sh BIN;
#   the golden cases of the programs that read in chunks again with
#     their files cut into chunks of 7 bytes (MBR_SPLIT_CHUNK, see
#     mbr(7)), with the last BUILD only;
#   tests/man-examples.sh BIN;
#   each executable tests/*.test.sh, as "tests/x.test.sh BIN BUILD";
#     one whose text has a line "# run.sh: once" with the first BUILD
#     only, one with a line "# run.sh: last" with the last BUILD only.
#
# "once" marks the suites that test no build of ours (the benchmark's
# smoke run, the fuzz targets, the install) or whose inputs meet the
# same code whichever compiler built it (the chunked reader's cuts);
# "last" marks the long ones that feed every program many hostile
# inputs (the bad-input corpus), run under the last BUILD, which make
# check makes clang's: its UBSan checks more (pointer arithmetic on
# NULL, which gcc's let pass).  Both halve the check's time on two
# cores and keep each of the two builds' streams about as long; with
# one BUILD every suite runs.
#
# The suites of a BUILD after the first are labelled with its last
# directory name ("asan-clang: unit/test_csv").
#
# Every suite ends its output with a line "N passed, N failed" (perhaps
# after a "name: " prefix).  A suite that prints no such line counts as
# 1 failed, and so does one that exits non-zero while reporting no
# failure (a leak report at exit, say).  One summary line per suite,
# then the closing line, exactly "N passed, N failed", the sums.  Exits
# 1 if anything failed (a missing BUILD counts as 1 failed), 2 on a
# usage error.
#
# The sanitizer options default to detect_leaks=1:abort_on_error=0 and
# print_stacktrace=1:halt_on_error=1; set ASAN_OPTIONS or UBSAN_OPTIONS
# to override.  LeakSanitizer cannot work under ptrace (strace, gdb, some
# containers); it is probed once, and switched off with a note when it
# cannot run.  MBR_NO_LEAKS=1 switches it off without probing.
set -u
LC_ALL=C
export LC_ALL

# say TEXT: print TEXT as is (dash's echo would expand backslashes).
say() {
	printf '%s\n' "$*"
}

root=$(cd "$(dirname "$0")/.." && pwd -P) || exit 2
cd "$root" || exit 2
if [ $# -lt 1 ] || [ -z "$1" ]; then
	say "usage: sh tests/run.sh BUILD [BUILD...]   (build/asan or build)" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-run.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# LeakSanitizer stops at exit with a fatal error, not a leak, where it
# cannot ptrace: probe with a leak-free program rather than fail every
# test for the sandbox's sake.
leaks=1
if [ "${MBR_NO_LEAKS:-0}" = 1 ]; then
	leaks=0
	say "note: MBR_NO_LEAKS=1: leak detection off"
elif [ -z "${ASAN_OPTIONS+set}" ]; then
	printf 'int main(void) { return 0; }\n' >"$tmp/probe.c"
	if ${CC:-cc} -fsanitize=address -o "$tmp/probe" "$tmp/probe.c" \
	    >/dev/null 2>&1; then
		if ! ASAN_OPTIONS=detect_leaks=1 "$tmp/probe" \
		    >"$tmp/probe.out" 2>&1; then
			leaks=0
			say "note: LeakSanitizer cannot run here; leak detection off:"
			grep -e 'fatal error' -e ptrace "$tmp/probe.out" |
			    sed -n '1,2s/^/  /p'
		fi
	fi
fi
if [ -z "${ASAN_OPTIONS+set}" ]; then
	ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0
elif [ $leaks = 0 ]; then
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0
fi
: "${UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

# timeout(1) guards the unit tests; the other suites time each case.
if command -v timeout >/dev/null 2>&1; then
	tmo="timeout -k 10 ${UNIT_TIMEOUT:-600}"
else
	tmo=
fi

total_pass=0
total_fail=0
summary=

# suite LABEL CMD...: run one suite, stream its output (less any bare
# "N passed, N failed" line, so the closing line stays the only one),
# and add its counts.  A suite printing "label: N passed, N failed"
# already names itself; for one printing the bare form, we do.
suite() {
	s_label=$1
	shift
	s_t0=$(date +%s)
	{ "$@" 2>&1; echo $? >"$stmp/rc"; } |
	    awk -v logf="$stmp/log" '
		{ print > logf }
		!/^[0-9]+ passed, [0-9]+ failed$/ { print; fflush() }'
	s_rc=$(cat "$stmp/rc")
	s_line=$(grep -E '^([^ ]+: )?[0-9]+ passed, [0-9]+ failed$' \
	    "$stmp/log" | tail -n 1)
	if [ -z "$s_line" ]; then
		s_pass=0
		s_fail=1
		s_why=
		[ -n "$tmo" ] && [ "$s_rc" = 124 ] && s_why=" (timeout)"
		say "$s_label: exited $s_rc$s_why without a count; counted as 1 failed"
	else
		s_counts=${s_line##*: }
		s_pass=${s_counts%% passed*}
		s_fail=${s_counts#*passed, }
		s_fail=${s_fail%% failed}
		case $s_line in
		*": "*)	;;
		*)	say "$s_label: $s_counts" ;;
		esac
		if [ "$s_rc" != 0 ] && [ "$s_fail" = 0 ]; then
			s_fail=1
			say "$s_label: exited $s_rc reporting no failure; counted as 1 failed"
		fi
	fi
	total_pass=$((total_pass + s_pass))
	total_fail=$((total_fail + s_fail))
	s_secs=$(( $(date +%s) - s_t0 ))
	summary="$summary$s_label: $s_pass passed, $s_fail failed ($s_secs s)
"
}

# one_build BUILD PREFIX FIRST LAST: every suite of one build; FIRST 1
# runs the suites marked "# run.sh: once" too, LAST 1 those marked
# "# run.sh: last" and the chunked golden cases.
one_build() {
	build=${1%/}
	build=${build#./}
	pre=$2
	# As the Makefile lays it out: only the default build uses bin/.
	if [ "$build" = build ] || [ "$build" = "$root/build" ]; then
		bin=$root/bin
	else
		case $build in
		/*)	bin=$build/bin ;;
		*)	bin=$root/$build/bin ;;
		esac
	fi
	case $build in
	/*)	units=$build/tests ;;
	*)	units=$root/$build/tests ;;
	esac
	if [ ! -d "$bin" ]; then
		say "run.sh: $bin: no such directory; build first (make check)" >&2
		total_fail=$((total_fail + 1))
		summary="$summary${pre}build: 0 passed, 1 failed
"
		return
	fi
	for t in "$units"/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		case ${t##*/} in
		*.*)	continue ;;		# test_x.o, test_x.dSYM...
		esac
		suite "${pre}unit/${t##*/}" $tmo "$t" </dev/null
	done
	suite "${pre}golden" sh tests/golden.sh "$bin"
	if [ "$4" = 1 ]; then
		suite "${pre}golden-cut" env MBR_SPLIT_CHUNK=7 \
		    sh tests/golden.sh "$bin" mbr-rfm mbr-ingest mbr-segment \
		    mbr-points mbr-campaign mbr-abtest mbr-clv mbr-report
	fi
	suite "${pre}man" sh tests/man-examples.sh "$bin"
	for t in tests/*.test.sh; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		if [ "$3" = 0 ] && grep -q '^# run.sh: once' "$t"; then
			continue
		fi
		if [ "$4" = 0 ] && grep -q '^# run.sh: last' "$t"; then
			continue
		fi
		suite "$pre${t#tests/}" "./$t" "$bin" "$build"
	done
}

# The builds after the first run beside it, on the machine's second
# core (MBR_CHECK_JOBS=1: one after the other): each writes its output,
# counts and summary to files, shown after the first build's, in order.
stmp=$tmp
jobs=${MBR_CHECK_JOBS:-2}
k=0
for b in "$@"; do
	k=$((k + 1))
	[ $k = 1 ] && continue
	b_=${b%/}
	if [ "$jobs" -gt 1 ]; then
		mkdir "$tmp/b$k"
		( stmp=$tmp/b$k; total_pass=0; total_fail=0; summary=
		  one_build "$b" "${b_##*/}: " 0 $((k == $#)) \
		      >"$stmp/out" 2>&1
		  printf '%s %s\n' $total_pass $total_fail >"$stmp/counts"
		  printf '%s' "$summary" >"$stmp/summary" ) &
	fi
done
one_build "$1" "" 1 $(($# == 1))
wait
k=0
for b in "$@"; do
	k=$((k + 1))
	[ $k = 1 ] && continue
	b_=${b%/}
	if [ "$jobs" -gt 1 ]; then
		cat "$tmp/b$k/out"
		if read -r p f <"$tmp/b$k/counts"; then
			total_pass=$((total_pass + p))
			total_fail=$((total_fail + f))
		else
			say "${b_##*/}: no counts; counted as 1 failed"
			total_fail=$((total_fail + 1))
		fi
		summary="$summary$(cat "$tmp/b$k/summary")
"
	else
		one_build "$b" "${b_##*/}: " 0 $((k == $#))
	fi
done

say "--- summary"
printf '%s' "$summary"
say "$total_pass passed, $total_fail failed"
[ $total_fail -eq 0 ]
