#!/bin/sh
# install.test.sh BIN BUILD: `make install PREFIX=... DESTDIR=...` puts
# every program where PATH finds it and every man page where man(1)
# finds it from that PATH (man-db maps DIR/bin to DIR/share/man), as a
# user installing under ~/.local would have them.
# run.sh: once
set -u
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-install.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf 'FAIL install: %s\n' "$*"; }

if ! make -s install PREFIX=/.local DESTDIR="$tmp/home" >"$tmp/log" 2>&1; then
	bad "make install failed"; sed -n '1,10p' "$tmp/log"
	printf '%d passed, %d failed\n' "$pass" "$fail"
	exit 1
fi
pfx=$tmp/home/.local
for p in cmd/mbr-*.c; do
	p=${p#cmd/}
	p=${p%.c}
	if [ -x "$pfx/bin/$p" ] && "$pfx/bin/$p" --version >/dev/null 2>&1; then
		ok
	else
		bad "$p not installed in bin/"
	fi
done
if command -v man >/dev/null 2>&1; then
	for m in man/*.[157]; do
		name=${m#man/}
		sec=${name##*.}
		name=${name%.*}
		got=$(env -u MANPATH PATH="$pfx/bin:/usr/bin:/bin" \
		    man -w "$sec" "$name" 2>/dev/null)
		if [ "$got" = "$pfx/share/man/man$sec/$name.$sec" ]; then
			ok
		else
			bad "man -w $sec $name: \"$got\""
		fi
	done
else
	echo "install: man(1) missing; pages checked by path only"
	for m in man/*.[157]; do
		name=${m#man/}
		if [ -f "$pfx/share/man/man${name##*.}/$name" ]; then ok; else bad "$name"; fi
	done
fi
printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" = 0 ]
