#!/bin/sh
# bench-smoke.test.sh: `make bench-small` as a smoke run inside `make
# check`: every workload once on the small generated data, with the
# agreement checks against DuckDB and pandas (member by member) that
# bench/run.sh makes before it times anything.  No timing is asserted.
# It measures the optimised programs in bin/ (`make check` builds them).
# MBR_NO_BENCH=1 skips it.
# run.sh: once
cd "$(dirname "$0")/.." || exit 1
if [ "${MBR_NO_BENCH:-0}" = 1 ]; then
	echo "bench smoke: skipped (MBR_NO_BENCH=1)"
	echo "0 passed, 0 failed"
	exit 0
fi
mkdir -p build
if bash bench/run.sh --smoke >build/bench-smoke.log 2>&1; then
	grep -E '^- small|not run|unavailable' build/bench-smoke.log | head -20
	echo "bench smoke: ok (build/bench-smoke.log)"
	echo "1 passed, 0 failed"
	exit 0
fi
tail -30 build/bench-smoke.log
echo "bench smoke: failed (build/bench-smoke.log)"
echo "0 passed, 1 failed"
exit 1
