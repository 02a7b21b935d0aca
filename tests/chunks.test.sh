#!/bin/sh
# chunks.test.sh BIN BUILD: a file cut into chunks gives what one thread
# gives.  Random order files (awk, seeded) full of what makes a cut go
# wrong -- quoted fields over several lines whose lines look like
# orders, duplicate and conflicting order ids, bad amounts and
# statuses, short rows, a last line without its end -- are run through
# mbr-ingest, mbr-rfm and mbr-segment once with --threads 1 and then
# cut into chunks of 3, 11 and 40 bytes (MBR_SPLIT_CHUNK, see mbr(7)) on
# two threads, and read from standard input on two threads: stdout,
# stderr, the exit status, the rejects file and the files of
# mbr-segment --split must be the same bytes.  No expected output is
# stored: one thread is the reference (the golden cases check it
# against hand-made answers).
# run.sh: once
set -u
bin=${1:?usage: chunks.test.sh BIN BUILD}
bin=$(cd "$bin" && pwd) || exit 2	# the commands run elsewhere
tmp=$(mktemp -d) || exit 2
top=$(pwd)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

gen() {	# gen SEED: an order file on stdout
	awk -v seed="$1" 'BEGIN {
		srand(seed)
		n = 1 + int(rand() * 40)
		split("10.00|5|\"1,000.50\"|abc|-3.20|7.1", amt, "|")
		split("paid|paid|paid|paid|paid|refunded|cancelled|weird", st, "|")
		it[1] = "a"; it[2] = "\"b,c\""; it[3] = "\"x\ny\""
		it[4] = "\"line1\nO9,m1,2024-01-01T00:00:00+08:00,1,CNY,paid,z\nend\""
		it[5] = ""; it[6] = "\"he said \"\"hi\"\"\""
		print "order_id,member_id,ts,amount,currency,status,items"
		for (i = 0; i < n; i++) {
			r = sprintf("O%d,m%d,2024-%02d-%02dT%02d:00:00+08:00,%s",
			    1 + int(rand() * n), 1 + int(rand() * 6),
			    1 + int(rand() * 12), 1 + int(rand() * 28),
			    int(rand() * 24), amt[1 + int(rand() * 6)])
			if (rand() >= 0.05)
				r = r ",CNY," st[1 + int(rand() * 8)] "," \
				    it[1 + int(rand() * 6)]
			if (i < n - 1 || rand() < 0.8)
				print r
			else
				printf "%s", r
		}
	}'
}

run() {	# run OUT CHUNK THREADS CMD...: CMD's output, errors and status,
	# and the files it writes, in the directory OUT.d it runs in
	out=$1 ch=$2 th=$3
	shift 3
	rm -rf "$out.d"
	mkdir "$out.d" || exit 2
	cd "$out.d" || exit 2
	if [ "$ch" = 0 ]; then
		"$@" --threads "$th" --rejects "$out.rej" "$tmp/in.csv" \
		    >"$out.out" 2>"$out.err"
	elif [ "$ch" = - ]; then
		"$@" --threads "$th" --rejects "$out.rej" - <"$tmp/in.csv" \
		    >"$out.out" 2>"$out.err"
	else
		MBR_SPLIT_CHUNK=$ch "$@" --threads "$th" --rejects "$out.rej" \
		    "$tmp/in.csv" >"$out.out" 2>"$out.err"
	fi
	echo $? >"$out.rc"
	cd "$top" || exit 2
}

same() {	# same A B: the four files of two runs are equal
	for x in out err rc rej; do
		cmp -s "$1.$x" "$2.$x" || return 1
	done
	diff -r "$1.d" "$2.d" >/dev/null
}

seed=1
while [ $seed -le 25 ]; do
	gen $seed >"$tmp/in.csv"
	for p in ingest-csv ingest-ndjson rfm segment count split; do
		case $p in
		ingest-csv)	set -- "$bin/mbr-ingest" ;;
		ingest-ndjson)	set -- "$bin/mbr-ingest" --output-format ndjson ;;
		rfm)		set -- "$bin/mbr-rfm" --as-of 2025-01-01T00:00:00+08:00 ;;
		segment)	set -- "$bin/mbr-segment" --default-segment low \
				    -e 'segment high = amount > 6' ;;
		count)		set -- "$bin/mbr-segment" --default-segment low \
				    -e 'segment high = amount > 6' --count ;;
		split)		set -- "$bin/mbr-segment" --default-segment low \
				    -e 'segment high = amount > 6' \
				    -e 'segment mid = amount > 2' --split parts ;;
		esac
		for ch in 3 11 40 -; do
			# standard input is read on one thread and committed
			# on a second: its reference is stdin on one thread
			case $ch in
			3)	run "$tmp/one" 0 1 "$@" ;;
			-)	run "$tmp/one" - 1 "$@" ;;
			esac
			run "$tmp/cut" $ch 2 "$@"
			if same "$tmp/one" "$tmp/cut"; then
				pass=$((pass + 1))
			else
				fail=$((fail + 1))
				echo "FAIL seed $seed, $p, chunks of $ch bytes:"
				gen $seed | head -20 | sed 's/^/  | /'
				diff "$tmp/one.out" "$tmp/cut.out" | head -10
				diff "$tmp/one.err" "$tmp/cut.err" | head -5
			fi
		done
	done
	seed=$((seed + 1))
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
