#!/bin/sh
# golden.sh BINDIR [PROG[/CASE] ...]: run the golden tests.
#
# Each directory tests/golden/<prog>/<case>/ is one case (STYLE.md,
# "Golden tests"):
#
#   cmd             a shell command line, run as "sh cmd" in the case
#   expected.out    exact stdout (an empty file for none)
#   expected.err    exact stderr; absent means it must be empty
#   expected.rc     exit status, one line; absent means 0
#   stdin           piped in if present; otherwise stdin is /dev/null
#   expected.files  names of further output files, one a line; for each
#                   name X, the file X the command left behind must
#                   equal expected.X
#
# A case runs in a fresh copy of its directory, so outputs never land
# in the tree, with BINDIR first on PATH, LC_ALL=C and TZ=UTC; the
# sanitizer options in the environment pass through.  A case that runs
# longer than GOLDEN_TIMEOUT seconds (default 60) is killed and fails:
# a hang is a bug.  Naming PROG or PROG/CASE runs only those.
#
# Prints "FAIL <prog>/<case>: <what>" and a diff for each mismatch,
# "ok <prog>/<case>" for passes when VERBOSE=1, and last
# "golden: N passed, N failed".  Exits 1 if any case failed, 2 on a
# usage error.  GOLDEN_DIR overrides tests/golden (for testing this
# script); GOLDEN_KEEP=1 keeps the work directory of a failed case.
set -u
LC_ALL=C			# sorted globs, byte-wise comparisons
export LC_ALL

# say TEXT: print TEXT as is (dash's echo would expand backslashes).
say() {
	printf '%s\n' "$*"
}

root=$(cd "$(dirname "$0")/.." && pwd -P) || exit 2
if [ $# -lt 1 ] || [ -z "$1" ]; then
	say "usage: sh tests/golden.sh BINDIR [prog[/case] ...]" >&2
	exit 2
fi
# BINDIR may be relative to the current directory or, failing that,
# to the repository root (make runs us from there: they agree).
case $1 in
/*)	bindir=$1 ;;
*)	if [ -d "$1" ]; then bindir=$(pwd -P)/$1; else bindir=$root/$1; fi ;;
esac
if [ ! -d "$bindir" ]; then
	say "golden.sh: $1: no such directory" >&2
	exit 2
fi
bindir=$(cd "$bindir" && pwd -P) || exit 2
shift

gdir=${GOLDEN_DIR:-$root/tests/golden}
limit=${GOLDEN_TIMEOUT:-60}
verbose=${VERBOSE:-0}
keep=${GOLDEN_KEEP:-0}

# timeout(1) is in coreutils; without it a hang would hang the suite,
# so say so rather than silently running unguarded.
if command -v timeout >/dev/null 2>&1; then
	tmo="timeout -k 10 $limit"
else
	say "golden.sh: timeout(1) not found; cases run without a time limit" >&2
	tmo=
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass=0
fail=0

# selected NAME: is prog/case NAME among the arguments (or are there
# none)?
selected() {
	[ $# -eq 1 ] && return 0
	s_name=$1
	shift
	for s_pat in "$@"; do
		case $s_name in
		"$s_pat"|"$s_pat"/*) return 0 ;;
		esac
	done
	return 1
}

# compare NAME EXPECTED ACTUAL: report and diff a mismatch.
compare() {
	if cmp -s "$2" "$3"; then
		return 0
	fi
	say "FAIL $name: $1"
	diff -u -L "expected $1" -L "actual $1" "$2" "$3" | sed -n '1,200p'
	return 1
}

# run_case DIR NAME: run one case; returns 0 when it passes.
run_case() {
	dir=$1
	name=$2
	if [ ! -f "$dir/cmd" ]; then
		say "FAIL $name: no cmd file"
		return 1
	fi
	if [ ! -f "$dir/expected.out" ]; then
		say "FAIL $name: no expected.out (make it empty for no output)"
		return 1
	fi
	c=$tmp/case
	rm -rf "$c"
	mkdir "$c" "$c/work" || return 1
	cp -R "$dir/." "$c/work/" || { say "FAIL $name: cannot copy"; return 1; }
	: >"$c/empty"

	# stdout and stderr go outside the work directory, where the
	# command cannot see or overwrite them.
	if [ -f "$dir/stdin" ]; then
		(cd "$c/work" && cat stdin 2>/dev/null |
		    env LC_ALL=C TZ=UTC PATH="$bindir:$PATH" $tmo sh cmd \
		    >"$c/out" 2>"$c/err"; echo $? >"$c/rc")
	else
		(cd "$c/work" &&
		    env LC_ALL=C TZ=UTC PATH="$bindir:$PATH" $tmo sh cmd \
		    </dev/null >"$c/out" 2>"$c/err"; echo $? >"$c/rc")
	fi
	rc=$(cat "$c/rc" 2>/dev/null)
	want_rc=0
	if [ -f "$dir/expected.rc" ]; then
		want_rc=$(tr -d ' \t\r\n' <"$dir/expected.rc")
	fi

	# timeout(1) exits 124 after TERM, 137 after the KILL it sends
	# to a command that ignored TERM.
	if [ -n "$tmo" ] && [ "$rc" != "$want_rc" ] &&
	    { [ "$rc" = 124 ] || [ "$rc" = 137 ]; }; then
		say "FAIL $name: timeout (over ${limit}s)"
		return 1
	fi

	ok=0
	compare stdout "$dir/expected.out" "$c/out" || ok=1
	if [ -f "$dir/expected.err" ]; then
		compare stderr "$dir/expected.err" "$c/err" || ok=1
	else
		compare stderr "$c/empty" "$c/err" || ok=1
	fi
	if [ "$rc" != "$want_rc" ]; then
		say "FAIL $name: rc"
		say "-expected rc $want_rc"
		say "+actual rc $rc"
		ok=1
	fi
	if [ -f "$dir/expected.files" ]; then
		while IFS= read -r f || [ -n "$f" ]; do
			case $f in
			''|'#'*) continue ;;
			esac
			if [ ! -f "$dir/expected.$f" ]; then
				say "FAIL $name: $f: no expected.$f"
				ok=1
			elif [ ! -f "$c/work/$f" ]; then
				say "FAIL $name: $f: not written"
				ok=1
			else
				compare "$f" "$dir/expected.$f" "$c/work/$f" || ok=1
			fi
		done <"$dir/expected.files"
	fi
	if [ $ok -ne 0 ] && [ "$keep" = 1 ]; then
		k=$(mktemp -d "${TMPDIR:-/tmp}/mbr-golden-kept.XXXXXX") &&
		    cp -R "$c/." "$k/" && say "  (kept in $k)"
	fi
	return $ok
}

if [ -d "$gdir" ]; then
	for dir in "$gdir"/*/*/; do
		[ -d "$dir" ] || continue	# an unmatched glob
		dir=${dir%/}
		case_name=${dir##*/}
		prog=${dir%/*}
		prog=${prog##*/}
		selected "$prog/$case_name" "$@" || continue
		if run_case "$dir" "$prog/$case_name"; then
			pass=$((pass + 1))
			[ "$verbose" = 1 ] && say "ok $prog/$case_name"
		else
			fail=$((fail + 1))
		fi
	done
fi

say "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
