#!/bin/sh
# oidset.test.sh BIN BUILD: mbr-ingest's order-id set as it grows.
# 150,000 orders, every third one again later (the same row: a
# duplicate) and every seventh again with another amount (a conflict:
# ids 7 to 149,975, 21,425 of them, each rejected),
# read from a pipe, where no size is known and the set grows from
# 65,536 slots twice, and as a file, sized from its rows at once.
# Both must write the same bytes, and each order id once: the ids are
# counted by sort -u, not by mbr.
set -u
bin=${1:?usage: oidset.test.sh BIN BUILD}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() {	# check NAME CONDITION...
	name=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name"
	fi
}

awk 'BEGIN {
	print "order_id,member_id,ts,amount,currency,status"
	for (i = 1; i <= 150000; i++) {
		printf "O%d,m%d,2024-01-01T08:00:00+08:00,%d.50,CNY,paid\n",
		    i, i % 977, i % 500
		if (i > 10 && (i - 10) % 3 == 0)
			printf "O%d,m%d,2024-01-01T08:00:00+08:00,%d.50,CNY,paid\n",
			    i - 10, (i - 10) % 977, (i - 10) % 500
		if (i > 20 && (i - 20) % 7 == 0)
			printf "O%d,m%d,2024-01-01T08:00:00+08:00,%d.75,CNY,paid\n",
			    i - 20, (i - 20) % 977, (i - 20) % 500
	}
}' >"$tmp/in.csv"

"$bin/mbr-ingest" -q --rejects "$tmp/file.rej" "$tmp/in.csv" \
    >"$tmp/file.out" 2>"$tmp/file.err"
echo $? >"$tmp/file.rc"
# Through a pipe: a regular file as standard input would be sized too.
cat "$tmp/in.csv" | "$bin/mbr-ingest" -q --rejects "$tmp/stdin.rej" - \
    >"$tmp/stdin.out" 2>"$tmp/stdin.err"
echo $? >"$tmp/stdin.rc"

check "stdin and file write the same orders" \
    cmp -s "$tmp/file.out" "$tmp/stdin.out"
# The same rows, named by their file or by standard input.
sed "s#$tmp/in.csv:#IN:#g" "$tmp/file.rej" >"$tmp/file.rej2"
sed "s#stdin:#IN:#g" "$tmp/stdin.rej" >"$tmp/stdin.rej2"
check "stdin and file reject the same rows" \
    cmp -s "$tmp/file.rej2" "$tmp/stdin.rej2"
n=$(wc -l <"$tmp/stdin.rej")
check "21425 conflicts rejected (got $n)" [ "$n" -eq 21425 ]
check "stdin and file end alike" cmp -s "$tmp/file.rc" "$tmp/stdin.rc"
ids=$(sed 1d "$tmp/stdin.out" | cut -d, -f1 | sort -u | wc -l)
rows=$(sed 1d "$tmp/stdin.out" | wc -l)
check "150000 distinct order ids written (got $ids)" [ "$ids" -eq 150000 ]
check "each written once (got $rows rows)" [ "$rows" -eq 150000 ]
echo "$pass passed, $fail failed"
[ $fail = 0 ]
