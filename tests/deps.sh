#!/bin/sh
# deps.sh PKG...: make sure these Debian packages are installed.  As
# root, missing ones are installed with apt-get (waiting up to five
# minutes for a dpkg lock another suite holds); otherwise it stops and
# prints the exact command to run.
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get -o DPkg::Lock::Timeout=300 update -qq &&
	    apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
	    --no-install-recommends $missing; } >&2 ||
	    { echo "deps.sh: apt-get install$missing failed" >&2; exit 1; }
	exit 0
fi
echo "missing Debian packages:$missing" >&2
echo "run: sudo apt-get install -y$missing" >&2
exit 1
