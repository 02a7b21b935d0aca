#!/bin/sh
# clv-prop.test.sh BIN BUILD: mbr-clv against its independent Python
# reference (tests/clv_reference.py: the likelihoods written out with
# scipy.special as lifetimes writes them, minimised by scipy.optimize,
# predictions from scipy's hyp2f1) and against the published CDNOW
# results, as man/mbr-clv.1 states them.
#
# First the reference's own hand-computed cases (--selftest).  Then the
# CDNOW sample of Fader, Hardie & Lee (2005) (tests/data/cdnow-sample.txt,
# 2,357 customers, ingested with examples/cdnow-map.json), calibration
# to 1997-09-30 in weeks:
#
#   the estimates equal the published r = 0.243, alpha = 4.414,
#     a = 0.793, b = 2.426, p = 6.25, q = 3.74, gamma = 15.44 to 3
#     significant digits (and so does the reference's fit of Hardie's
#     own summary file, tests/data/cdnow-summary.csv);
#   every member's x, t_x, T and mean spend are those of that summary
#     file;
#   the model (estimates, log-likelihoods, standard errors, counts, the
#     holdout table to 1998-06-30) agrees with the reference's fit of
#     the same orders (--compare-model), and so do the predictions
#     (--compare-pred) over 90 days and 10 years, and so do those of
#     the model with a = 3, r = 20, a = 40 and r = 5, b = 500 and a = 2
#     (the other form of the series).
#
# Then for each of CLV_SEEDS seeds (default 4; from CLV_SEED, default 1)
# 5,000 members simulated from known BG/NBD and Gamma-Gamma parameters
# (tests/clv_gen.py: CSV or NDJSON, days or weeks, refunds, returns, a
# holdout), where
#
#   every estimate is within 3 standard errors of the parameter it was
#     simulated with (on the log scale the fit works on);
#   the model agrees with the reference's, and the predictions too.
#
# Partials (DESIGN.md, "Scale-out"): the CDNOW orders and each seed's,
# split by the CRC-32 of member_id into 1, 2 and 5 shards (the
# reference's shard command), each shard through fit --partial, then
# fit --merge of the partials, in order and reversed: the model equals
# the one run's byte for byte; each partial of the 5-way split holds
# what the reference counts in its shard (--check-partial).  For each
# seed also a 2-way split with --monetary all (even seeds) or the merge
# given --penalizer 0.001 (odd).
#
# A failure prints what differs and the commands that reproduce it;
# CLV_KEEP=DIR keeps the files.  Needs /usr/bin/python3 with numpy and
# scipy (Debian python3-scipy; CLV_PYTHON names another); without them
# the test is skipped, not failed.  About 20 s.  Prints "clv-prop: N
# passed, N failed" last.
set -u
bin=${1:?usage: clv-prop.test.sh BIN BUILD}
bin=$(cd "$bin" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd -P) || exit 2
root=$(cd "$here/.." && pwd -P) || exit 2
LC_ALL=C
export LC_ALL
py=${CLV_PYTHON:-/usr/bin/python3}
n=${CLV_SEEDS:-4}
seed0=${CLV_SEED:-1}
ref=$here/clv_reference.py
if [ -n "${CLV_KEEP:-}" ]; then
	tmp=$CLV_KEEP
	mkdir -p "$tmp" || exit 2
	tmp=$(cd "$tmp" && pwd) || exit 2
else
	tmp=$(mktemp -d) || exit 2
	trap 'rm -rf "$tmp"' EXIT
fi
pass=0 fail=0

ok() {
	pass=$((pass + 1))
	echo "ok $1"
}

bad() {
	fail=$((fail + 1))
	echo "FAIL $1"
}

# check NAME OUTFILE CMD...: runs CMD with its output to OUTFILE; shows
# that output on failure.
check() {
	c_name=$1
	c_out=$2
	shift 2
	if "$@" >"$c_out" 2>&1; then
		ok "$c_name"
	else
		bad "$c_name"
		sed -n '1,30s/^/    /p' "$c_out"
		return 1
	fi
}

summary() {
	echo "clv-prop: $pass passed, $fail failed"
}

# partials NAME DIR ORDERS ONE K "MERGE-OPTS" OPTION...: ORDERS (in DIR)
# split into K shards by member, each through fit --partial with the
# options, merged with them and MERGE-OPTS, in order and reversed: each
# merge must be ONE byte for byte (and with K = 5, each partial what
# the reference counts in its shard).
partials() {
	p_name=$1 p_dir=$2 p_file=$3 p_one=$4 p_k=$5 p_mopt=$6
	shift 6
	p_ext=${p_file##*.}
	p_ok=1
	rm -rf "$p_dir/shards"
	mkdir -p "$p_dir/shards"
	"$py" "$ref" shard "$p_k" "$p_dir/$p_file" "$p_dir/shards/s" || p_ok=0
	p_list= p_rev=
	p_i=0
	while [ "$p_i" -lt "$p_k" ]; do
		p_part=$p_dir/shards/p$p_i.$p_ext
		if ! "$bin/mbr-clv" fit -q "$@" --partial \
		    "$p_dir/shards/s$p_i.$p_ext" >"$p_part" \
		    2>"$p_dir/shards/err"; then
			p_ok=0
			sed 's/^/    /' "$p_dir/shards/err"
		fi
		if [ "$p_k" = 5 ] && ! "$py" "$ref" --check-partial "$p_part" \
		    "$@" "$p_dir/shards/s$p_i.$p_ext" >"$p_dir/shards/chk"; then
			p_ok=0
			echo "    shard $p_i: the partial is not the reference's:"
			sed -n '1,10s/^/    /p' "$p_dir/shards/chk"
		fi
		p_list="$p_list $p_part"
		p_rev="$p_part $p_rev"
		p_i=$((p_i + 1))
	done
	for p_order in "$p_list" "$p_rev"; do
		# shellcheck disable=SC2086
		if ! "$bin/mbr-clv" fit -q "$@" $p_mopt --merge $p_order \
		    >"$p_dir/shards/m.json" 2>"$p_dir/shards/err"; then
			p_ok=0
			sed 's/^/    /' "$p_dir/shards/err"
		elif ! cmp -s "$p_dir/shards/m.json" "$p_one"; then
			p_ok=0
			diff "$p_one" "$p_dir/shards/m.json" | sed -n '1,10s/^/    /p'
		fi
	done
	if [ $p_ok = 1 ]; then
		ok "$p_name: split $p_k ways, merged: the one run's model"
	else
		bad "$p_name: split $p_k ways, merged: the one run's model"
	fi
}

if [ ! -x "$py" ] || ! "$py" -c 'import numpy, scipy' 2>/dev/null; then
	echo "clv-prop: skipped: $py has no numpy and scipy" \
	    "(apt-get install python3-scipy)"
	summary
	exit 0
fi
if [ ! -x "$bin/mbr-clv" ] || [ ! -x "$bin/mbr-ingest" ]; then
	bad "$bin/mbr-clv and $bin/mbr-ingest exist"
	summary
	exit 1
fi

check "reference selftest" "$tmp/selftest.out" "$py" "$ref" --selftest

# --- CDNOW ---
d=$tmp/cdnow
mkdir -p "$d"
"$bin/mbr-ingest" -q --map "$root/examples/cdnow-map.json" --whitespace \
    --columns customer_id,sample_id,date,number_of_cds,dollar_value \
    --tz America/New_York "$root/tests/data/cdnow-sample.txt" \
    >"$d/orders.csv" 2>"$d/ingest.err" ||
    { bad "cdnow: mbr-ingest"; sed 's/^/    /' "$d/ingest.err"; }
cal="--tz America/New_York --unit weeks --calibration-end 1997-09-30"
# shellcheck disable=SC2086
"$bin/mbr-clv" fit -q $cal --holdout-end 1998-06-30 "$d/orders.csv" \
    >"$d/c.json" 2>"$d/fit.err" ||
    { bad "cdnow: mbr-clv fit"; sed 's/^/    /' "$d/fit.err"; }
check "cdnow: the published estimates to 3 digits" "$d/pub.out" \
    "$py" "$ref" --check-published "$d/c.json" &&
    sed 's/^/    /' "$d/pub.out"
"$py" "$ref" summary "$root/tests/data/cdnow-summary.csv" >"$d/summ.json"
check "cdnow: the reference on Hardie's summary file, to 3 digits" \
    "$d/pub2.out" "$py" "$ref" --check-published "$d/summ.json"
"$bin/mbr-clv" predict -q --model "$d/c.json" --as-of 1997-09-30 \
    --tz America/New_York "$d/orders.csv" >"$d/c.csv" 2>"$d/pred.err" ||
    { bad "cdnow: mbr-clv predict"; sed 's/^/    /' "$d/pred.err"; }
check "cdnow: x, t_x, T, mean spend as Hardie's summary file" \
    "$d/summ.out" "$py" "$ref" --check-summary "$d/c.csv" \
    "$d/orders.csv" "$root/tests/data/cdnow-summary.csv"
# shellcheck disable=SC2086
"$py" "$ref" fit $cal --holdout-end 1998-06-30 "$d/orders.csv" \
    -o "$d/ref.json"
check "cdnow: the model as the reference's" "$d/cmp.out" \
    "$py" "$ref" --compare-model "$d/ref.json" "$d/c.json"
for h in 90 3650; do
	"$bin/mbr-clv" predict -q --model "$d/c.json" --as-of 1997-09-30 \
	    --tz America/New_York --horizon ${h}d --discount 0.01 \
	    "$d/orders.csv" >"$d/c$h.csv"
	"$py" "$ref" predict --model "$d/c.json" --as-of 1997-09-30 \
	    --tz America/New_York --horizon $h --discount 0.01 \
	    "$d/orders.csv" -o "$d/ref$h.csv"
	check "cdnow: predictions over $h days as the reference's" \
	    "$d/cmpp$h.out" "$py" "$ref" --compare-pred "$d/ref$h.csv" \
	    "$d/c$h.csv"
done

# Models the CDNOW fit is not, to reach the other form of the series
# (the paper's own, for a >= r + x + 1 or r far above a + b): a = 3,
# r = 20, a = 40 with r = 5, b = 500 with a = 2; predictions as the
# reference's
for v in a=3 r=20 a=40,r=5 b=500,a=2; do
	"$py" - "$d/c.json" "$v" >"$d/m$v.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
for kv in sys.argv[2].split(","):
    k, val = kv.split("=")
    m[k] = float(val)
print(json.dumps(m, indent=2))
EOF
	"$bin/mbr-clv" predict -q --model "$d/m$v.json" --as-of 1997-09-30 \
	    --tz America/New_York "$d/orders.csv" >"$d/p$v.csv"
	"$py" "$ref" predict --model "$d/m$v.json" --as-of 1997-09-30 \
	    --tz America/New_York "$d/orders.csv" -o "$d/ref$v.csv"
	check "cdnow: predictions with $v as the reference's" \
	    "$d/cmpv.out" "$py" "$ref" --compare-pred "$d/ref$v.csv" \
	    "$d/p$v.csv"
done

# the same from partials, with --as-of (a partial states the as-of it
# was made with, and a merge wants one)
cal="$cal --holdout-end 1998-06-30 --as-of 1998-07-01T00:00:00-04:00"
# shellcheck disable=SC2086
"$bin/mbr-clv" fit -q $cal "$d/orders.csv" >"$d/one.json" 2>"$d/fit.err" ||
    { bad "cdnow: mbr-clv fit --as-of"; sed 's/^/    /' "$d/fit.err"; }
for k in 1 2 5; do
	# shellcheck disable=SC2086
	partials "cdnow" "$d" orders.csv "$d/one.json" $k "" $cal
done

# --- simulated ---
s=$seed0
end=$((seed0 + n))
while [ "$s" -lt "$end" ]; do
	d=$tmp/s$s
	rm -rf "$d"
	if ! "$py" "$here/clv_gen.py" "$s" "$d" 2>"$tmp/gen.err"; then
		bad "seed $s: generate"
		sed 's/^/    /' "$tmp/gen.err"
		s=$((s + 1))
		continue
	fi
	args=$(tr '\n' ' ' <"$d/args")
	# shellcheck disable=SC2086
	if ! (cd "$d" && "$bin/mbr-clv" fit -q $args >c.json 2>fit.err); then
		bad "seed $s: mbr-clv fit $args"
		sed 's/^/    /' "$d/fit.err"
		s=$((s + 1))
		continue
	fi
	repro="(CLV_SEED=$s CLV_SEEDS=1 CLV_KEEP=DIR;"
	repro="$repro $py $here/clv_gen.py $s D; cd D; mbr-clv fit $args)"
	check "seed $s: within 3 standard errors of the truth" \
	    "$d/truth.out" "$py" "$ref" --check-truth "$d/c.json" \
	    "$d/truth.json" 3 || echo "    $repro"
	# shellcheck disable=SC2086
	(cd "$d" && "$py" "$ref" fit $args -o ref.json)
	check "seed $s: the model as the reference's" "$d/cmp.out" \
	    "$py" "$ref" --compare-model "$d/ref.json" "$d/c.json" ||
	    echo "    $repro"
	file=$(tail -n 1 "$d/args")
	(cd "$d" && "$bin/mbr-clv" predict -q --model c.json \
	    --tz Asia/Shanghai --as-of 2016-01-01T00:00:00+08:00 \
	    --output-format csv "$file" >c.csv &&
	    "$py" "$ref" predict --model c.json --tz Asia/Shanghai \
	    --as-of 2016-01-01T00:00:00+08:00 "$file" -o ref.csv)
	check "seed $s: predictions as the reference's" "$d/cmpp.out" \
	    "$py" "$ref" --compare-pred "$d/ref.csv" "$d/c.csv" ||
	    echo "    $repro"
	opts=$(sed '$d' "$d/args" | tr '\n' ' ')
	for k in 1 2 5; do
		# shellcheck disable=SC2086
		partials "seed $s" "$d" "$file" "$d/c.json" $k "" $opts
	done
	if [ $((s % 2)) = 0 ]; then
		var="--monetary all" mopt=
	else
		var= mopt="--penalizer 0.001"
	fi
	# shellcheck disable=SC2086
	(cd "$d" && "$bin/mbr-clv" fit -q $opts $var $mopt "$file" >v.json)
	# shellcheck disable=SC2086
	partials "seed $s${var:+ $var}${mopt:+ $mopt}" "$d" "$file" \
	    "$d/v.json" 2 "$mopt" $opts $var
	s=$((s + 1))
done
summary
[ $fail = 0 ]
