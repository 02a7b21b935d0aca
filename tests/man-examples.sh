#!/bin/sh
# man-examples.sh BINDIR [PAGE ...]: run the man pages' EXAMPLES.
#
# In the EXAMPLES section of each page (default man/*.1, man/*.5,
# man/*.7), a .Bd -literal block whose first line starts with "$ " is
# a test (STYLE.md, "Man pages"): each "$ " line is a command, continued
# on the next line while it ends in a backslash (written "\e" in mdoc),
# and the lines after it, up to the next "$ " line or .Ed, are its exact
# stdout.  The mdoc escapes \e \- \(aq \(dq \& are undone first, as the
# reader sees them.
#
# Commands run from the repository root (inputs live in examples/)
# with BINDIR first on PATH, LC_ALL=C, TZ=UTC and stdin /dev/null.  The
# exit status is not compared (an example may show a failing check),
# but a sanitizer report on stderr fails the example.  Each page is
# also linted with "mandoc -Tlint -Wwarning" when mandoc is installed;
# any message fails the page.
#
# Prints "FAIL <page>:<line>: <command>" and a diff for each mismatch,
# "ok ..." lines when VERBOSE=1, and last "man: N passed, N failed".
# Exits 1 if any failed, 2 on a usage error.  MAN_TIMEOUT (default 60)
# limits each command, in seconds.
set -u
LC_ALL=C
export LC_ALL

# say TEXT: print TEXT as is (dash's echo would expand backslashes).
say() {
	printf '%s\n' "$*"
}

root=$(cd "$(dirname "$0")/.." && pwd -P) || exit 2
if [ $# -lt 1 ] || [ -z "$1" ]; then
	say "usage: sh tests/man-examples.sh BINDIR [page ...]" >&2
	exit 2
fi
case $1 in
/*)	bindir=$1 ;;
*)	if [ -d "$1" ]; then bindir=$(pwd -P)/$1; else bindir=$root/$1; fi ;;
esac
if [ ! -d "$bindir" ]; then
	say "man-examples.sh: $1: no such directory" >&2
	exit 2
fi
bindir=$(cd "$bindir" && pwd -P) || exit 2
shift

limit=${MAN_TIMEOUT:-60}
verbose=${VERBOSE:-0}
if command -v timeout >/dev/null 2>&1; then
	tmo="timeout -k 10 $limit"
else
	say "man-examples.sh: timeout(1) not found; no time limit" >&2
	tmo=
fi
if command -v mandoc >/dev/null 2>&1; then
	lint=1
else
	say "man-examples.sh: mandoc not installed; pages not linted" >&2
	lint=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-man.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The parser writes each example as N.cmd (the command) and N.exp (the
# expected stdout) into the directory given, and prints one index line
# per example, "T<tab>N<tab>line", or per mistake, "E<tab>line<tab>text".
extract='
function unesc(s,	out, i, c) {
	out = ""
	while ((i = index(s, "\\")) > 0) {
		out = out substr(s, 1, i - 1)
		c = substr(s, i + 1, 1)
		if (c == "e" || c == "\\") {
			out = out "\\"; s = substr(s, i + 2)
		} else if (c == "-") {
			out = out "-"; s = substr(s, i + 2)
		} else if (c == "&") {
			s = substr(s, i + 2)
		} else if (substr(s, i + 1, 3) == "(aq") {
			out = out "\047"; s = substr(s, i + 4)
		} else if (substr(s, i + 1, 3) == "(dq") {
			out = out "\""; s = substr(s, i + 4)
		} else {
			out = out "\\" c; s = substr(s, i + 2)
		}
	}
	return out s
}
function flush() {
	if (cmd == "")
		return
	n++
	printf "%s\n", cmd > (dir "/" n ".cmd")
	close(dir "/" n ".cmd")
	printf "%s", want > (dir "/" n ".exp")
	close(dir "/" n ".exp")
	printf "T\t%d\t%d\n", n, cmdline
	cmd = ""
	want = ""
}
# A trailing odd run of backslashes escapes the newline in roff: the
# rendered page would join the lines, so the page says "\e" instead.
function bare_backslash(s,	k) {
	k = 0
	while (k < length(s) && substr(s, length(s) - k, 1) == "\\")
		k++
	return k % 2 == 1
}
/^\.Sh[ \t]/ {
	if (inblk)
		flush()
	insec = ($0 ~ /^\.Sh[ \t]+"?EXAMPLES"?[ \t]*$/)
	inblk = 0
	next
}
!insec { next }
/^\.Bd[ \t]/ && !inblk {
	if ($0 ~ /[ \t]-literal([ \t]|$)/) {
		inblk = 1; decided = 0; istest = 0; cont = 0
		cmd = ""; want = ""
	}
	next
}
!inblk { next }
/^\.Ed([ \t]|$)/ { flush(); inblk = 0; next }
/^\.\\"/ { next }
{
	if (bare_backslash($0))
		printf "E\t%d\tline ends in a bare backslash; write \\e\n", NR
	u = unesc($0)
	if (!decided) {
		if (u == "")
			next
		decided = 1
		istest = (substr(u, 1, 2) == "$ ")
	}
	if (!istest)
		next
	if (cont) {
		cmd = cmd "\n" u
		cont = (u ~ /\\$/)
		next
	}
	if (substr(u, 1, 2) == "$ ") {
		flush()
		cmd = substr(u, 3)
		cmdline = NR
		cont = (u ~ /\\$/)
		next
	}
	want = want u "\n"
}
END { if (inblk) flush() }
'

pass=0
fail=0

ok() {
	pass=$((pass + 1))
	[ "$verbose" = 1 ] && say "ok $1"
	return 0
}

# check_page PAGE: lint it and run its examples.
check_page() {
	page=$1
	case $page in
	"$root"/*)	label=${page#"$root"/} ;;
	*)		label=$page ;;
	esac
	if [ ! -f "$page" ]; then
		say "FAIL $label: no such page"
		fail=$((fail + 1))
		return
	fi

	if [ $lint = 1 ]; then
		if mandoc -Tlint -Wwarning "$page" >"$tmp/lint" 2>&1 &&
		    [ ! -s "$tmp/lint" ]; then
			ok "$label: lint"
		else
			say "FAIL $label: lint"
			sed 's/^/  /' "$tmp/lint"
			fail=$((fail + 1))
		fi
	fi

	d=$tmp/ex
	rm -rf "$d"
	mkdir "$d" || exit 2
	if ! awk -v dir="$d" "$extract" "$page" >"$tmp/index"; then
		say "FAIL $label: cannot parse"
		fail=$((fail + 1))
		return
	fi
	while IFS='	' read -r kind n line; do
		if [ "$kind" = E ]; then
			say "FAIL $label:$n: $line"
			fail=$((fail + 1))
			continue
		fi
		first=$(sed -n 1p "$d/$n.cmd")
		name="$label:$line: \$ $first"
		(cd "$root" &&
		    env LC_ALL=C TZ=UTC PATH="$bindir:$PATH" $tmo \
		    sh "$d/$n.cmd" </dev/null >"$tmp/out" 2>"$tmp/err"
		    echo $? >"$tmp/rc")
		rc=$(cat "$tmp/rc")
		why=
		if [ -n "$tmo" ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ]; }; then
			why="timeout (over ${limit}s)"
		elif grep -q -e 'Sanitizer' -e 'runtime error:' "$tmp/err"; then
			why="sanitizer report"
		elif ! cmp -s "$d/$n.exp" "$tmp/out"; then
			why="stdout"
		fi
		if [ -z "$why" ]; then
			ok "$name"
			continue
		fi
		say "FAIL $name: $why"
		diff -u -L expected -L actual "$d/$n.exp" "$tmp/out" |
		    sed -n '1,200p'
		if [ -s "$tmp/err" ]; then
			say "stderr (exit $rc):"
			sed -n '1,40s/^/  /p' "$tmp/err"
		fi
		fail=$((fail + 1))
	done <"$tmp/index"
}

if [ $# -gt 0 ]; then
	for p in "$@"; do
		case $p in
		/*)	check_page "$p" ;;
		*)	check_page "$(pwd -P)/$p" ;;
		esac
	done
else
	for p in "$root"/man/*.1 "$root"/man/*.5 "$root"/man/*.7; do
		[ -f "$p" ] || continue		# an unmatched glob
		check_page "$p"
	done
fi

say "man: $pass passed, $fail failed"
[ $fail -eq 0 ]
