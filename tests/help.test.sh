#!/bin/sh
# help.test.sh BIN BUILD: every long option a program takes (its own
# getopt table in cmd/ and MBR_CLI_LONGOPTS of lib/mbr_cli.h) has a line
# in its --help, and --help exits 0; each option's line is one check.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=$1
pass=0
fail=0
shared=$(sed -n '/define MBR_CLI_LONGOPTS/,/NULL, 0, NULL, 0/p' lib/mbr_cli.h |
    sed -n 's/.*{ "\([a-z-]*\)".*/\1/p')
for c in cmd/mbr-*.c; do
	p=${c#cmd/}
	p=${p%.c}
	if ! "$bin/$p" --help >/tmp/help.$$ 2>&1; then
		fail=$((fail + 1))
		echo "FAIL $p --help: exit status"
		continue
	fi
	own=$(sed -n 's/^[	 ]*{ "\([a-z-]*\)",.*_argument.*/\1/p' "$c")
	for o in $own $shared; do
		if grep -q -e "--$o\\b" /tmp/help.$$; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL $p --help: no line for --$o"
		fi
	done
done
rm -f /tmp/help.$$
printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" = 0 ]
