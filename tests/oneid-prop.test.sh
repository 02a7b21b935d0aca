#!/bin/sh
# oneid-prop.test.sh BIN BUILD: mbr-oneid against the truth of generated
# people (tests/oneid_gen.py) and against its independent Python
# reference (tests/oneid_reference.py), as the contract
# (man/mbr-oneid.1) states it.
#
# First the reference's own hand-computed cases (--selftest).  Then for
# each of ONEID_PROP_N seeds (default 12; from ONEID_PROP_SEED, default
# 1), people (50-3000 of them, by the seed) with 1-4 identifiers each,
# their Tmall orders, store orders, mini-program events and profiles
# (in two column layouts, so that the output's and --profiles-out's
# columns are unions) over 3-5 nights, one time in twenty with a
# fraction of a second, every third seed with second phones; in the
# scenario's directory:
#
#   (a) one run over all the files (-o, --map-out, --audit,
#       --profiles-out): exit 0; every true person has one member_id and
#       no two people share one; the records, the map and the profiles
#       byte for byte as the reference writes them, the audit too (its
#       rows in the man page's order: reason, identifier, linked_to);
#   (c) the same run again: the same records, map and audit, byte for
#       byte;
#   (d) the files in the reverse order: every record has the same id,
#       and the map is the same byte for byte;
#   (b) night after night, each night's files with --map (the night
#       before's --map-out) and --map-out: each night's records and map
#       as the reference's; a record keeps the id of the night it
#       appeared unless a merge into an older id, recorded in
#       merged_into, moved it; maps keep their rows; the last map's ids
#       give the true partition (oneid_gen.py check-nights);
#   (e) the same seed's people with a clerk's phone on store orders of
#       25 or more of them: the placeholder joins nobody, --audit lists
#       it ("placeholder"), records, map, audit and profiles as the
#       reference's;
#       on odd seeds, also with the phone in --ignore-identifiers
#       ("ignored");
#   (f) on the seeds with second phones, --max-per-person phone=1: the
#       records, map, audit and profiles as the reference's, and a link
#       is cut.
#
# A failure prints the seed, the first lines of the diff and the
# commands that reproduce it; ONEID_PROP_KEEP=DIR keeps every case's
# files in DIR.  Needs python3 3.9 or later; prints "N passed, N
# failed" last.
set -u
bin=${1:?usage: oneid-prop.test.sh BIN BUILD}
bin=$(cd "$bin" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd -P) || exit 2
LC_ALL=C
export LC_ALL
py=${PYTHON:-/usr/bin/python3}
n=${ONEID_PROP_N:-12}
seed0=${ONEID_PROP_SEED:-1}
if [ -n "${ONEID_PROP_KEEP:-}" ]; then
	tmp=$ONEID_PROP_KEEP
	mkdir -p "$tmp" || exit 2
	tmp=$(cd "$tmp" && pwd) || exit 2
else
	tmp=$(mktemp -d) || exit 2
	trap 'rm -rf "$tmp"' EXIT
fi
ref=$here/oneid_reference.py
gen=$here/oneid_gen.py
c=$bin/mbr-oneid
pass=0 fail=0
set -f		# file lists are split at blanks, never globbed

check() {	# check NAME CONDITION...
	name=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name"
		return 1
	fi
}

# same NAME EXPECTED GOT: cmp, and on a difference the diff's head
same() {
	if [ -e "$2" ] && [ -e "$3" ] && cmp -s "$2" "$3"; then
		pass=$((pass + 1))
		return 0
	fi
	fail=$((fail + 1))
	echo "FAIL seed $s: $1: < $(basename "$2"), > $(basename "$3")"
	if [ ! -e "$2" ] || [ ! -e "$3" ]; then
		echo "    only one of them was written"
	else
		diff "$2" "$3" | head -n 20 | sed 's/^/    /'
	fi
	return 1
}

# refrun DIR NAME ARGS...: a run of the reference, into the seed's
# batch (one Python for all of them: see --batch in the reference), with
# -o NAME.out.csv --map-out NAME.map.csv --audit NAME.audit.csv
# --profiles-out NAME.prof.csv, as ref.NAME.*
refrun() {
	rd=$1 rn=$2
	shift 2
	ra="-q -o ref.$rn.out.csv --map-out ref.$rn.map.csv"
	ra="$ra --audit ref.$rn.audit.csv --profiles-out ref.$rn.prof.csv"
	printf '%s\t%s\t%s\t%s\n' "$rd" "ref.$rn.err" "ref.$rn.rc" \
	    "$ra $*" >>"$d/batch"
}

# crun DIR NAME ARGS...: the same run of mbr-oneid, as c.NAME.*
crun() {
	rd=$1 rn=$2
	shift 2
	(cd "$rd" && "$c" -q -o "c.$rn.out.csv" \
	    --map-out "c.$rn.map.csv" --audit "c.$rn.audit.csv" \
	    --profiles-out "c.$rn.prof.csv" "$@" \
	    >"c.$rn.stdout" 2>"c.$rn.err"; echo $? >"c.$rn.rc")
}

# compare DIR NAME WHAT: exit statuses 0, records, map, audit and
# profiles the same
compare() {
	cd_=$1 cn=$2 cw=$3
	rr=$(cat "$cd_/ref.$cn.rc" 2>/dev/null) cr=$(cat "$cd_/c.$cn.rc")
	if ! check "seed $s: $cw: exit $cr (reference $rr)" \
	    [ "$rr$cr" = 00 ]; then
		head -n 5 "$cd_/c.$cn.err" "$cd_/ref.$cn.err" | sed 's/^/    /'
	fi
	r1=0
	same "$cw: records" "$cd_/ref.$cn.out.csv" "$cd_/c.$cn.out.csv" ||
	    r1=1
	same "$cw: map" "$cd_/ref.$cn.map.csv" "$cd_/c.$cn.map.csv" || r1=1
	same "$cw: audit" "$cd_/ref.$cn.audit.csv" "$cd_/c.$cn.audit.csv" ||
	    r1=1
	same "$cw: profiles" "$cd_/ref.$cn.prof.csv" "$cd_/c.$cn.prof.csv" ||
	    r1=1
	return $r1
}

repro() {
	echo "    reproduce (or ONEID_PROP_SEED=$s ONEID_PROP_N=1" \
	    "ONEID_PROP_KEEP=DIR):"
	echo "      D=/tmp/oneid-seed$s; $py $gen $s \$D $1"
	echo "      cd \$D && $py $ref $2 -o ref.csv --map-out ref.map.csv" \
	    "--audit ref.audit.csv $3"
	echo "      cd \$D && $c $2 -o c.csv --map-out c.map.csv" \
	    "--audit c.audit.csv $3"
}

"$py" "$ref" --selftest >"$tmp/selftest.out" 2>&1
check "reference selftest: $(tail -n 1 "$tmp/selftest.out")" \
    grep -q '^[0-9]* passed, 0 failed$' "$tmp/selftest.out" ||
    sed 's/^/    /' "$tmp/selftest.out"

if [ ! -x "$c" ]; then
	check "$c exists" false
	echo "$pass passed, $fail failed"
	exit 1
fi

s=$seed0
end=$((seed0 + n))
while [ $s -lt $end ]; do
	d=$tmp/s$s
	rm -rf "$d"
	mkdir -p "$d"
	gopt=
	[ $((s % 3)) = 0 ] && gopt=--second-phones
	if ! "$py" "$gen" $s "$d/base" $gopt --placeholder-dir "$d/ph" \
	    2>"$d/gen.err"; then
		check "seed $s: generate" false
		sed 's/^/    /' "$d/gen.err"
		s=$((s + 1))
		continue
	fi
	b=$d/base p=$d/ph
	files=$(cat "$b/files")
	pf=$(cat "$p/files")
	ph=$(cat "$p/placeholder")
	nn=$(cat "$b/nights")
	odd=$((s % 2))
	[ $odd = 1 ] && echo "$ph" >"$p/ignore.txt"
	awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' \
	    "$b/files" >"$b/rfiles"

	# the reference's runs, in one batch
	: >"$d/batch"
	refrun "$b" all $files
	k=1
	while [ $k -le $nn ]; do
		mp=
		[ $k -gt 1 ] && mp="--map ref.night.$((k - 1)).map.csv"
		refrun "$b" night.$k $mp n$k/tmall.csv n$k/pos.csv \
		    n$k/events.csv n$k/profiles.csv
		k=$((k + 1))
	done
	[ -n "$gopt" ] && refrun "$b" cap --max-per-person phone=1 $files
	refrun "$p" ph $pf
	[ $odd = 1 ] && refrun "$p" ign --ignore-identifiers ignore.txt $pf
	"$py" "$ref" --batch "$d/batch" >"$d/batch.out" 2>&1 ||
	    check "seed $s: reference batch" false

	# mbr-oneid's
	crun "$b" all $files				# (a)
	crun "$b" again $files				# (c)
	crun "$b" rev $(cat "$b/rfiles")		# (d)
	k=1
	while [ $k -le $nn ]; do			# (b)
		mp=
		[ $k -gt 1 ] && mp="--map c.night.$((k - 1)).map.csv"
		crun "$b" night.$k $mp n$k/tmall.csv n$k/pos.csv \
		    n$k/events.csv n$k/profiles.csv
		k=$((k + 1))
	done
	[ -n "$gopt" ] && crun "$b" cap --max-per-person phone=1 $files # (f)
	crun "$p" ph $pf				# (e)
	[ $odd = 1 ] && crun "$p" ign --ignore-identifiers ignore.txt $pf

	# (a) against the reference
	compare "$b" all "all files" || repro "$gopt" "" "\$(cat files)"
	# (c) the same run again
	same "again: records" "$b/c.all.out.csv" "$b/c.again.out.csv"
	same "again: map" "$b/c.all.map.csv" "$b/c.again.map.csv"
	same "again: audit" "$b/c.all.audit.csv" "$b/c.again.audit.csv"
	# (d) the files in the reverse order: the map (the ids are checked
	# below)
	same "reverse order: map" "$b/c.all.map.csv" "$b/c.rev.map.csv"
	# (b) night after night
	k=1
	while [ $k -le $nn ]; do
		bad=0
		same "night $k: records" "$b/ref.night.$k.out.csv" \
		    "$b/c.night.$k.out.csv" || bad=1
		same "night $k: map" "$b/ref.night.$k.map.csv" \
		    "$b/c.night.$k.map.csv" || bad=1
		if [ $bad = 1 ]; then
			head -n 3 "$b/c.night.$k.err" | sed 's/^/    /'
			echo "    (night k: --map <night k-1's map-out>" \
			    "n\$k/tmall.csv n\$k/pos.csv n\$k/events.csv" \
			    "n\$k/profiles.csv)"
			repro "$gopt" "" "\$(cat files)"
			break
		fi
		k=$((k + 1))
	done
	# (f) a cap that cuts the second phones' links
	if [ -n "$gopt" ]; then
		compare "$b" cap "phone=1" ||
		    repro "$gopt" "--max-per-person phone=1" "\$(cat files)"
		check "seed $s: phone=1 cuts a link" \
		    grep -q '^cut,' "$b/c.cap.audit.csv"
	fi
	# (e) a clerk's phone
	compare "$p" ph "placeholder" ||
	    repro "--placeholder" "" "\$(cat files)"
	if [ $odd = 1 ]; then
		compare "$p" ign "ignored" || repro "--placeholder" \
		    "--ignore-identifiers ignore.txt" "\$(cat files)"
	fi
	# the checks against the truth, in one Python
	rn=
	[ $s = $seed0 ] && rn=--ref-nights
	"$py" "$gen" check-seed "$d" $rn >"$d/checks" 2>&1
	while IFS= read -r line; do
		case $line in
		"ok "*)	pass=$((pass + 1)) ;;
		"not ok "*)
			fail=$((fail + 1))
			echo "FAIL seed $s: ${line#not ok }" ;;
		*)	echo "$line" ;;
		esac
	done <"$d/checks"
	grep -q '^ok \|^not ok ' "$d/checks" ||
	    check "seed $s: the checks ran" false
	s=$((s + 1))
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
