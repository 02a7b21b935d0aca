#!/bin/sh
# valgrind-wrap.sh BUILD OUT: for `make check-valgrind`, a build
# directory OUT that tests/run.sh can be pointed at, whose programs
# (OUT/bin/mbr-*) and unit tests (OUT/tests/test_*) are scripts running
# BUILD's under valgrind memcheck.  Any error valgrind finds, a leak
# definitely or indirectly lost included, exits 99, which no program of
# ours uses, so the case fails whatever it expected.
set -eu
if [ $# -ne 2 ]; then
	echo "usage: sh tests/valgrind-wrap.sh BUILD OUT" >&2
	exit 2
fi
build=$(cd "$1" && pwd -P)
mkdir -p "$2/bin" "$2/tests"
out=$(cd "$2" && pwd -P)
supp=$(cd "$(dirname "$0")" && pwd -P)/valgrind.supp
vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-origins=yes --suppressions=$supp"
for f in "$build"/bin/mbr-* "$build"/tests/test_*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	case ${f##*/} in
	*.*)	continue ;;
	esac
	case $f in
	"$build"/bin/*)	w=$out/bin/${f##*/} ;;
	*)		w=$out/tests/${f##*/} ;;
	esac
	# by name through PATH, so that argv[0] (in getopt's messages) is
	# the program's name as the golden cases have it
	printf '#!/bin/sh\nPATH=%s:$PATH exec %s %s "$@"\n' "${f%/*}" "$vg" \
	    "${f##*/}" >"$w"
	chmod +x "$w"
done
