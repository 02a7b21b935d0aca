#!/bin/sh
# faults.test.sh BIN BUILD: what every program does when its output
# cannot be written, and that a named output file is replaced whole or
# not at all (mbr_io.h, MBR_OUT_ATOMIC).  For mbr-ingest, mbr-rfm and
# mbr-segment (writing, --count, --split), one and two threads, with and
# without -z:
#
#   /dev/full as stdout, -o, --rejects and --thresholds, with the error
#     met halfway (megabytes of output) and only at close (a few
#     records): "prog: NAME: write error: No space left on device",
#     exit 3; --help, --version and --show-preset too;
#   a closed pipe (prog | head -c 1): with SIGPIPE at its default the
#     program dies by it, exit status 141 and nothing on stderr; with
#     SIGPIPE ignored (trap '' PIPE) "prog: stdout: write error: Broken
#     pipe" and exit 3, promptly: from an endless standard input the
#     program must stop by itself, not read on until the time limit;
#   a closed stdout (prog >&-): exit 3, and no file opened later takes
#     descriptor 1;
#   an output that cannot be opened (a directory, a missing directory,
#     --split onto a file): exit 3 naming it, before any work (stdout
#     empty, an -o file left as it was);
#   -o, --thresholds and --split files replaced only by a run that ends
#     well: over --max-rejects, on a truncated gzip input, on a write
#     error halfway (RLIMIT_FSIZE, ulimit -f) and on one in the
#     rejects, yesterday's files stay byte for byte, with no temporary
#     file left; a run killed
#     (SIGKILL) while writing leaves yesterday's file and at most its
#     own .NAME.tmp.PID, which the next good run removes.
#
# Each case runs under a time limit (FAULTS_TIMEOUT seconds, default 60;
# the endless inputs 20): a hang is a failure.  LC_ALL=C, TZ=UTC; the
# sanitizer options in the environment pass through.  Prints "FAIL
# name: what" per failure and last "N passed, N failed".
set -u
bin=${1:?usage: faults.test.sh BIN BUILD}
bin=$(cd "$bin" && pwd) || exit 2	# the commands run elsewhere
LC_ALL=C
TZ=UTC
export LC_ALL TZ
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
limit=${FAULTS_TIMEOUT:-60}
if command -v timeout >/dev/null 2>&1; then
	tmo="timeout -k 5 $limit"
	tmo_endless="timeout -k 5 20"
else
	printf 'note: no timeout(1): cases run unguarded\n'
	tmo= tmo_endless=
fi
# SIGPIPE at its default for the cases that need it, even when this
# script was started with it ignored (a shell cannot reset that).
if env --default-signal=PIPE true 2>/dev/null; then
	dfl="env --default-signal=PIPE"
else
	dfl=
fi

# say TEXT: print TEXT as is (dash's echo would expand backslashes).
say() {
	printf '%s\n' "$*"
}

ok() {
	pass=$((pass + 1))
}

bad() {	# bad NAME WHAT
	fail=$((fail + 1))
	say "FAIL $1: $2"
}

# The programs, as commands a `sh -c` can run (wrappers on PATH).
mkdir "$tmp/bin" "$tmp/w" || exit 2
cat >"$tmp/bin/ingest" <<EOF
#!/bin/sh
exec "$bin/mbr-ingest" -q "\$@"
EOF
cat >"$tmp/bin/rfm" <<EOF
#!/bin/sh
exec "$bin/mbr-rfm" -q --as-of 2025-01-01T00:00:00+08:00 "\$@"
EOF
cat >"$tmp/bin/segment" <<EOF
#!/bin/sh
exec "$bin/mbr-segment" -q -e 'segment big = amount > 100' "\$@"
EOF
cat >"$tmp/bin/count" <<EOF
#!/bin/sh
exec "$bin/mbr-segment" -q -e 'segment big = amount > 100' --count "\$@"
EOF
# gen N BAD: N orders of up to 20,000 members (about 90 bytes each, and
# as many bytes a member out of mbr-rfm); with BAD, every other row is
# short, 3 fields of 200 bytes (rejected by every program).  With N 0,
# endless.
cat >"$tmp/bin/gen" <<'EOF'
#!/bin/sh
exec awk -v n="$1" -v bad="$2" 'BEGIN {
	print "order_id,member_id,ts,amount,currency,status,channel,store,items"
	for (i = 1; n == 0 || i <= n; i++) {
		if (bad && i % 2 == 0) {
			printf "O%d,m%d,%0200d\n", i, i % 20000, i
			continue
		}
		printf "O%d,m%d,2024-%02d-%02dT%02d:%02d:00+08:00,%d.%02d,CNY," \
		    "paid,tmall,flagship,item %d\n", i, i % 20000, 1 + i % 12,
		    1 + i % 28, i % 24, i % 60, 10 + i % 900, i % 100, i
	}
}'
EOF
chmod +x "$tmp/bin/"*
PATH=$tmp/bin:$PATH
export PATH

w=$tmp/w
cd "$w" || exit 2
gen 20000 0 >big.csv		# megabytes out of every program
gen 20000 1 >bad.csv		# megabytes of rejects
gen 5 0 >small.csv		# a few records: errors only at close
printf 'O9,m9\n' >>small.csv	# and one reject
gzip -c big.csv | head -c 20000 >trunc.csv.gz
mkdir adir
printf 'yesterday\n' >yesterday
: >afile

# tsh LIMIT SCRIPT: runs SCRIPT with sh in the work directory under the
# time limit; SCRIPT leaves its exit status in rc, its stderr in err.
tsh() {
	rm -f rc err
	: >err
	$1 sh -c "$2"
}

# check NAME RC ERR: rc and err are RC and exactly the line ERR ("*":
# any stderr).
check() {
	if [ ! -f rc ]; then
		bad "$1" "no exit status (timed out?); stderr: $(head -c 300 err)"
		return 1
	fi
	if [ "$(cat rc)" != "$2" ]; then
		bad "$1" "exit $(cat rc), want $2; stderr: $(head -c 300 err)"
		return 1
	fi
	if [ "$3" != "*" ] && [ "$(cat err)" != "$3" ]; then
		bad "$1" "stderr: $(head -c 300 err), want: $3"
		return 1
	fi
	ok
	return 0
}

# same NAME FILE WANT: FILE holds exactly WANT's bytes.
same() {
	if cmp -s "$2" "$3"; then
		ok
	else
		bad "$1" "$2 is not $3"
	fi
}

# clean NAME DIR FILE...: DIR holds no file but FILE...
clean() {
	c_name=$1 c_dir=$2
	shift 2
	c_got=$(cd "$c_dir" && ls -A | sort | tr '\n' ' ')
	c_want=$(for f in "$@"; do say "$f"; done | sort | tr '\n' ' ')
	if [ "$c_got" = "$c_want" ]; then
		ok
	else
		bad "$c_name" "$c_dir holds: $c_got want: $c_want"
	fi
}

name() {	# prog name of a wrapper, for messages
	case $1 in
	count)	say mbr-segment ;;
	*)	say "mbr-$1" ;;
	esac
}

full="write error: No space left on device"

# --- /dev/full --------------------------------------------------------
for p in ingest rfm segment count; do
	n=$(name $p)
	for th in 1 2; do
		for z in "" -z; do
			for in in big small; do
				# A small file is read on one thread whatever
				# --threads says; --count's output is small.
				[ $in = small ] && [ $th = 2 ] && continue
				[ $p = count ] && [ $in = big ] && continue
				tsh "$tmo" "$p --threads $th $z $in.csv >/dev/full \
				    2>err; echo \$? >rc"
				check "$p stdout /dev/full $in th$th$z" 3 \
				    "$n: stdout: $full"
			done
		done
		[ $p = count ] && continue
		for in in big small; do
			[ $in = small ] && [ $th = 2 ] && continue
			tsh "$tmo" "$p --threads $th -o /dev/full $in.csv \
			    2>err; echo \$? >rc"
			check "$p -o /dev/full $in th$th" 3 "$n: /dev/full: $full"
		done
		for in in bad small; do
			[ $in = small ] && [ $th = 2 ] && continue
			tsh "$tmo" "$p --threads $th --rejects /dev/full $in.csv \
			    >/dev/null 2>err; echo \$? >rc"
			check "$p --rejects /dev/full $in th$th" 3 \
			    "$n: /dev/full: $full"
		done
	done
	tsh "$tmo" "$p --help >/dev/full 2>err; echo \$? >rc"
	check "$p --help >/dev/full" 3 "$n: stdout: $full"
	tsh "$tmo" "$p --version >/dev/full 2>err; echo \$? >rc"
	check "$p --version >/dev/full" 3 "$n: stdout: $full"
done
tsh "$tmo" "rfm --thresholds /dev/full big.csv >/dev/null 2>err; echo \$? >rc"
check "rfm --thresholds /dev/full" 3 "mbr-rfm: /dev/full: $full"
tsh "$tmo" "ingest --show-preset tmall >/dev/full 2>err; echo \$? >rc"
check "ingest --show-preset >/dev/full" 3 "mbr-ingest: stdout: $full"

# --- a closed pipe ----------------------------------------------------
for p in ingest rfm segment; do
	n=$(name $p)
	for th in 1 2; do
		for z in "" -z; do
			# SIGPIPE at its default: killed by it, silently.
			tsh "$tmo" "{ $dfl $p --threads $th $z big.csv 2>err; \
			    echo \$? >rc; } | head -c 1 >/dev/null"
			check "$p | head, SIGPIPE default, th$th$z" 141 ""
			# SIGPIPE ignored: the error, and exit 3.
			tsh "$tmo" "trap '' PIPE; { $p --threads $th $z big.csv \
			    2>err; echo \$? >rc; } | head -c 1 >/dev/null"
			check "$p | head, SIGPIPE ignored, th$th$z" 3 \
			    "$n: stdout: write error: Broken pipe"
		done
		# The rejects into a closed pipe.
		tsh "$tmo" "{ $dfl $p --threads $th --rejects /dev/fd/3 bad.csv \
		    3>&1 >/dev/null 2>err; echo \$? >rc; } | head -c 1 >/dev/null"
		check "$p --rejects | head, SIGPIPE default, th$th" 141 ""
		tsh "$tmo" "trap '' PIPE; { $p --threads $th --rejects /dev/fd/3 \
		    bad.csv 3>&1 >/dev/null 2>err; echo \$? >rc; } | \
		    head -c 1 >/dev/null"
		check "$p --rejects | head, SIGPIPE ignored, th$th" 3 \
		    "$n: /dev/fd/3: write error: Broken pipe"
	done
done
# From an endless input, a program that writes as it reads must stop at
# the closed pipe, not read on: the tighter time limit is the test.
for p in ingest segment; do
	n=$(name $p)
	for th in 1 2; do
		tsh "$tmo_endless" "trap '' PIPE; { gen 0 0 2>/dev/null | \
		    $p --threads $th 2>err; echo \$? >rc; } | head -c 1 >/dev/null"
		check "$p endless input | head, SIGPIPE ignored, th$th" 3 \
		    "$n: stdout: write error: Broken pipe"
		tsh "$tmo_endless" "{ gen 0 0 2>/dev/null | $dfl $p --threads \
		    $th 2>err; echo \$? >rc; } | head -c 1 >/dev/null"
		check "$p endless input | head, SIGPIPE default, th$th" 141 ""
	done
done

# --- a closed stdout --------------------------------------------------
for p in ingest rfm segment; do
	n=$(name $p)
	$p small.csv >want.out 2>/dev/null
	tsh "$tmo" "$p small.csv >&- 2>err; echo \$? >rc"
	check "$p >&-" 3 "$n: stdout: write error: Bad file descriptor"
	# Files opened with stdout closed do not become it.
	rm -f out.csv r.ndjson
	tsh "$tmo" "$p -o out.csv --rejects r.ndjson small.csv >&- 2>err; \
	    echo \$? >rc"
	check "$p -o with stdout closed" 0 "" &&
	    same "$p -o with stdout closed" out.csv want.out
	if [ "$(wc -l <r.ndjson)" -ne 1 ] || grep -q O1, r.ndjson; then
		bad "$p --rejects with stdout closed" "r.ndjson: $(head -c 200 r.ndjson)"
	else
		ok
	fi
done

# --- outputs that cannot be opened: before any work -------------------
for p in ingest rfm segment; do
	n=$(name $p)
	cp yesterday out.csv
	tsh "$tmo" "$p --rejects adir big.csv >o 2>err; echo \$? >rc"
	check "$p --rejects adir" 3 "$n: adir: Is a directory" && same \
	    "$p --rejects adir: no output" o /dev/null
	tsh "$tmo" "$p --rejects nodir/r.ndjson big.csv >o 2>err; echo \$? >rc"
	check "$p --rejects nodir/r.ndjson" 3 \
	    "$n: nodir/r.ndjson: No such file or directory" && same \
	    "$p --rejects nodir: no output" o /dev/null
	tsh "$tmo" "$p -o out.csv --rejects adir big.csv 2>err; echo \$? >rc"
	check "$p -o out.csv --rejects adir" 3 "$n: adir: Is a directory"
	same "$p -o out.csv --rejects adir: out.csv as it was" out.csv yesterday
	tsh "$tmo" "$p -o adir big.csv 2>err; echo \$? >rc"
	check "$p -o adir" 3 "$n: adir: Is a directory"
	tsh "$tmo" "$p -o nodir/x.csv big.csv 2>err; echo \$? >rc"
	check "$p -o nodir/x.csv" 3 "$n: nodir/x.csv: No such file or directory"
done
for t in adir nodir/t.csv; do
	case $t in
	adir)	why="Is a directory" ;;
	*)	why="No such file or directory" ;;
	esac
	tsh "$tmo" "rfm --thresholds $t big.csv >o 2>err; echo \$? >rc"
	check "rfm --thresholds $t" 3 "mbr-rfm: $t: $why" && same \
	    "rfm --thresholds $t: no output" o /dev/null
done
tsh "$tmo" "segment --split afile big.csv >o 2>err; echo \$? >rc"
check "segment --split afile" 3 "mbr-segment: afile: Not a directory"
if [ "$(id -u)" != 0 ]; then
	mkdir ro
	chmod 555 ro
	for p in ingest rfm segment; do
		tsh "$tmo" "$p -o ro/x.csv big.csv 2>err; echo \$? >rc"
		check "$p -o ro/x.csv" 3 "$(name $p): ro/x.csv: Permission denied"
	done
	tsh "$tmo" "segment --split ro big.csv 2>err; echo \$? >rc"
	check "segment --split ro" 3 "mbr-segment: ro: Permission denied"
	chmod 755 ro
fi

# --- named files replaced whole, or not at all ------------------------
for p in ingest rfm segment; do
	n=$(name $p)
	rm -rf a && mkdir a || exit 2
	$p big.csv >want.out 2>/dev/null
	$p -z big.csv >want.gz 2>/dev/null
	# a good run replaces, keeping the old file's permissions
	cp yesterday a/out.csv
	chmod 640 a/out.csv
	tsh "$tmo" "$p -o a/out.csv big.csv 2>err; echo \$? >rc"
	check "$p -o" 0 "" && same "$p -o" a/out.csv want.out
	if [ "$(ls -l a/out.csv | cut -c1-10)" = "-rw-r-----" ]; then
		ok
	else
		bad "$p -o: mode" "$(ls -l a/out.csv)"
	fi
	clean "$p -o: no temporary file" a out.csv
	tsh "$tmo" "$p --threads 2 -z -o a/out.csv big.csv 2>err; echo \$? >rc"
	check "$p -z -o" 0 "" && same "$p -z -o" a/out.csv want.gz
	# failed runs leave it
	for how in max-rejects gzip fsize1 fsize2 rejects1 rejects2; do
		cp yesterday a/out.csv
		case $how in
		max-rejects)
			tsh "$tmo" "$p --max-rejects 0 -o a/out.csv small.csv \
			    2>err; echo \$? >rc"
			check "$p -o, over --max-rejects" 1 "*" ;;
		gzip)
			tsh "$tmo" "$p -o a/out.csv trunc.csv.gz 2>err; \
			    echo \$? >rc"
			check "$p -o, truncated gzip input" 3 "*" ;;
		fsize*)
			tsh "$tmo" "trap '' XFSZ; ulimit -f 256; \
			    $p --threads ${how#fsize} -o a/out.csv big.csv \
			    2>err; echo \$? >rc"
			check "$p -o, file size limit, th${how#fsize}" 3 \
			    "$n: a/out.csv: write error: File too large" ;;
		rejects*)
			# another output failing halfway
			tsh "$tmo" "$p --threads ${how#rejects} -o a/out.csv \
			    --rejects /dev/full bad.csv 2>err; echo \$? >rc"
			check "$p -o, --rejects /dev/full, th${how#rejects}" 3 \
			    "$n: /dev/full: $full" ;;
		esac
		same "$p -o, failed ($how): the old file" a/out.csv yesterday
		clean "$p -o, failed ($how): no temporary file" a out.csv
	done
done

# rfm --thresholds
rm -rf a && mkdir a || exit 2
rfm --thresholds want.csv big.csv >/dev/null 2>&1
cp yesterday a/t.csv
tsh "$tmo" "rfm --max-rejects 0 --thresholds a/t.csv small.csv >/dev/null \
    2>err; echo \$? >rc"
check "rfm --thresholds, over --max-rejects" 1 "*"
same "rfm --thresholds, failed: the old file" a/t.csv yesterday
clean "rfm --thresholds, failed: no temporary file" a t.csv
tsh "$tmo" "rfm --thresholds a/t.csv big.csv >/dev/null 2>err; echo \$? >rc"
check "rfm --thresholds" 0 "" && same "rfm --thresholds" a/t.csv want.csv

# segment --split
rm -rf a want.d && mkdir a want.d || exit 2
segment --split want.d big.csv 2>/dev/null
for th in 1 2; do
	for how in max-rejects fsize; do
		cp yesterday a/big.csv
		cp yesterday a/_none.csv
		case $how in
		max-rejects)
			tsh "$tmo" "segment --threads $th --max-rejects 0 \
			    --split a small.csv 2>err; echo \$? >rc"
			check "segment --split, over --max-rejects, th$th" 1 "*" ;;
		fsize)
			tsh "$tmo" "trap '' XFSZ; ulimit -f 256; segment \
			    --threads $th --split a big.csv 2>err; echo \$? >rc"
			if check "segment --split, file size limit, th$th" 3 \
			    "*" && ! grep -q ': write error: File too large$' \
			    err; then
				bad "segment --split, file size limit: message" \
				    "$(cat err)"
			fi ;;
		esac
		same "segment --split, failed ($how, th$th): big.csv" a/big.csv \
		    yesterday
		same "segment --split, failed ($how, th$th): _none.csv" \
		    a/_none.csv yesterday
		clean "segment --split, failed ($how, th$th): no temporary file" \
		    a big.csv _none.csv
	done
	tsh "$tmo" "segment --threads $th --split a big.csv 2>err; echo \$? >rc"
	check "segment --split th$th" 0 "" && same "segment --split th$th" \
	    a/big.csv want.d/big.csv && same "segment --split th$th" \
	    a/_none.csv want.d/_none.csv
	clean "segment --split th$th: no temporary file" a big.csv _none.csv
done

# --- killed while writing ---------------------------------------------
# An endless input, killed once its -o file has megabytes in it.
mkfifo fifo || exit 2
for p in ingest segment; do
	rm -rf a && mkdir a || exit 2
	cp yesterday a/out.csv
	gen 0 0 >fifo 2>/dev/null &
	gpid=$!
	$p -o a/out.csv <fifo 2>err &
	pid=$!
	i=0
	while [ $i -lt 200 ]; do
		if [ -f a/.out.csv.tmp.$pid ] &&
		    [ "$(wc -c <a/.out.csv.tmp.$pid)" -gt 2000000 ]; then
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 200 ] || bad "$p killed" "a/.out.csv.tmp.$pid never grew"
	kill -9 $pid
	wait $pid 2>/dev/null
	kill $gpid 2>/dev/null
	wait $gpid 2>/dev/null
	same "$p killed: the old file" a/out.csv yesterday
	# Its own temporary file stays (nothing runs after SIGKILL) ...
	clean "$p killed: only its temporary file" a out.csv .out.csv.tmp.$pid
	# ... and the next good run removes it (its process is gone).
	$p small.csv >want.out 2>/dev/null
	tsh "$tmo" "$p -o a/out.csv small.csv 2>err; echo \$? >rc"
	check "$p after a kill" 0 "" && same "$p after a kill" a/out.csv \
	    want.out
	clean "$p after a kill: the stale temporary file removed" a out.csv
done

say "$pass passed, $fail failed"
[ $fail -eq 0 ]
