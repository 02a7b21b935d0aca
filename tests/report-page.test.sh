#!/bin/sh
# report-page.test.sh BIN BUILD: mbr-report's page in a real browser.
#
# mbr-report --html writes the page of tests/data/report-page/ (orders
# by channel over a year, with an RFM run and the one before, points
# balances, a send history and an A/B test's results) beside
# its records, in English and in Chinese; headless Chromium renders it
# to a PNG and dumps its DOM, and tests/report_page_check.py checks
# that the page rendered (each chart's box drew in colour) and that
# every figure in the DOM is its record's (see its header).  The same
# check must fail on a page with one figure changed and on one whose
# chart drew nothing: it can fail.
#
# Chromium and a CJK font are installed (Debian's chromium and
# fonts-noto-cjk) when missing and we are root with apt-get; where
# they cannot be had the test says so in one line and passes.
# run.sh: last
set -u
LC_ALL=C
export LC_ALL
bin=$(cd "${1:?usage: report-page.test.sh BIN BUILD}" && pwd -P) || exit 2
root=$(cd "$(dirname "$0")/.." && pwd -P) || exit 2
data=$root/tests/data/report-page
pass=0
fail=0

ok() {
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $1"
	fi
}

chrome=
for c in chromium chromium-browser google-chrome; do
	if command -v $c >/dev/null 2>&1; then
		chrome=$c
		break
	fi
done
if [ -z "$chrome" ] && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	echo "report-page: installing chromium and fonts-noto-cjk"
	# another suite may hold dpkg's lock (bench/run.sh installing
	# its peers): wait for it
	lock="-o DPkg::Lock::Timeout=300"
	DEBIAN_FRONTEND=noninteractive apt-get $lock install -y -qq \
	    --no-install-recommends chromium fonts-noto-cjk \
	    >/dev/null 2>&1 ||
	    { DEBIAN_FRONTEND=noninteractive apt-get $lock update -qq \
	    >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive \
	    apt-get $lock install -y -qq --no-install-recommends \
	    chromium fonts-noto-cjk >/dev/null 2>&1; }
	command -v chromium >/dev/null 2>&1 && chrome=chromium
fi
if [ -z "$chrome" ]; then
	echo "report-page: skipped: no headless Chromium (apt-get install" \
	    "chromium fonts-noto-cjk)"
	echo "0 passed, 0 failed"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbr-page.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Chromium wants a home and a profile it can write; --no-sandbox as
# root, in a container.
export HOME=$tmp
run_chrome() {
	timeout -k 10 120 "$chrome" --headless --no-sandbox --disable-gpu \
	    --hide-scrollbars --force-device-scale-factor=1 \
	    --user-data-dir="$tmp/profile" "$@" 2>>"$tmp/chrome.log"
}

# The probe: a copy of the page with a script that lists each chart's
# box and the page's height (the page has no script of its own).
probe='<script>
var o = [];
document.querySelectorAll("svg.chart").forEach(function (e) {
	var r = e.getBoundingClientRect();
	o.push(e.id + " " + Math.round(r.left + window.scrollX) + " " +
	    Math.round(r.top + window.scrollY) + " " + Math.round(r.width) +
	    " " + Math.round(r.height));
});
var p = document.createElement("pre");
p.id = "mbr-boxes";
p.textContent = "height " + document.documentElement.scrollHeight +
    "\n" + o.join("\n");
document.body.appendChild(p);
</script>'

# render NAME: page NAME.html to NAME.dom, NAME.probe.dom, NAME.png
render() {
	printf '%s\n' "$probe" >"$tmp/probe.js"
	sed "/<\/body>/e cat $tmp/probe.js" "$tmp/$1.html" \
	    >"$tmp/$1.probe.html"
	run_chrome --window-size=1280,800 --dump-dom \
	    "file://$tmp/$1.probe.html" >"$tmp/$1.probe.dom"
	h=$(sed -n 's/.*<pre id="mbr-boxes">height \([0-9]*\).*/\1/p' \
	    "$tmp/$1.probe.dom")
	run_chrome --window-size=1280,"${h:-800}" \
	    --screenshot="$tmp/$1.png" "file://$tmp/$1.html" >/dev/null
	run_chrome --dump-dom "file://$tmp/$1.html" >"$tmp/$1.dom"
}

check() {	# check NAME: the checker's verdict on page NAME
	python3 "$root/tests/report_page_check.py" "$tmp/$1.csv" \
	    "$tmp/$1.dom" "$tmp/$1.probe.dom" "$tmp/$1.png" >"$tmp/$1.out"
}

for lang in en zh; do
	if ! (cd "$data" && "$bin/mbr-report" -q --as-of 2024-11-30T23:59:59 \
	    --tz Asia/Shanghai --by channel --rfm rfm.csv \
	    --previous previous.csv --points points.csv --sends sends.csv \
	    --abtest abtest.csv --lang $lang --html "$tmp/$lang.html" \
	    orders.csv >"$tmp/$lang.csv"); then
		ok "report-page: mbr-report --html ($lang)" 1
		continue
	fi
	# the same input, the same page
	(cd "$data" && "$bin/mbr-report" -q --as-of 2024-11-30T23:59:59 \
	    --tz Asia/Shanghai --by channel --rfm rfm.csv \
	    --previous previous.csv --points points.csv --sends sends.csv \
	    --abtest abtest.csv --lang $lang --html "$tmp/again.html" \
	    orders.csv >/dev/null)
	cmp -s "$tmp/$lang.html" "$tmp/again.html"
	ok "report-page: $lang: the same page twice" $?
	render $lang
	if check $lang; then
		ok "report-page: $lang: $(tail -n 1 "$tmp/$lang.out")" 0
	else
		cat "$tmp/$lang.out"
		tail -n 5 "$tmp/chrome.log"
		ok "report-page: $lang" 1
	fi
done

# The checker fails a page whose figure differs from its record (the
# layout is the page's: its probe and screenshot serve)...
sed 's/data-field="value" data-value="\([0-9]\)/data-field="value" data-value="9\1/' \
    "$tmp/en.html" >"$tmp/bad.html"
cp "$tmp/en.csv" "$tmp/bad.csv"
cp "$tmp/en.probe.dom" "$tmp/bad.probe.dom"
cp "$tmp/en.png" "$tmp/bad.png"
run_chrome --dump-dom "file://$tmp/bad.html" >"$tmp/bad.dom"
check bad
ok "report-page: a changed figure is found" $(($? == 0))
# ...and one whose revenue trend drew nothing (its lines, points and
# legend taken out; the DOM and the boxes are the page's).
sed '/id="trend-revenue"/,/<\/svg>/{/<path\|<circle\|<rect/d;}' "$tmp/en.html" \
    >"$tmp/blank.html"
for f in csv dom probe.dom; do
	cp "$tmp/en.$f" "$tmp/blank.$f"
done
h=$(sed -n 's/.*<pre id="mbr-boxes">height \([0-9]*\).*/\1/p' \
    "$tmp/en.probe.dom")
run_chrome --window-size=1280,"${h:-800}" --screenshot="$tmp/blank.png" \
    "file://$tmp/blank.html" >/dev/null
check blank
ok "report-page: a blank chart is found" $(($? == 0))
grep -q 'chart trend-revenue drew nothing' "$tmp/blank.out"
ok "report-page: the blank chart named" $?

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
