#!/bin/sh
# validate.sh [RPKI-DIR]: be a relying party.  Copy the published repository
# (~/rpki/repo) into a fresh rpki-client cache and validate it offline:
#
#   rpki-client -v -n -c -B -t lab.tal -d CACHE OUT
#
# -n: no network (the cache is all there is), -c: CSV output, -B: BIRD
# output, -v: say why objects are rejected.  rpki-client exits 0 even when
# objects are invalid: read its messages and the VRPs.  Results land in
# RPKI-DIR/out/ (csv, bird, log); the BIRD file is what your router loads.
set -u
dir=$(cd "${1:-$HOME/rpki}" 2>/dev/null && pwd) || { echo "validate.sh: no ${1:-$HOME/rpki}" >&2; exit 2; }
PATH=$PATH:/usr/sbin:/sbin
tal=$dir/lab.tal
[ -f "$tal" ] || { echo "validate.sh: no $tal (was the lab set up?)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/rp.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/cache/ta/lab" "$work/out" "$dir/out"
cp -R "$dir/repo/." "$work/cache/"
cp "$dir/repo/rpki.lab.test/ta/ta.cer" "$work/cache/ta/lab/ta.cer"
cp "$tal" "$work/lab.tal"
# As root, rpki-client drops to the _rpki-client user: it must own the copy.
if [ "$(id -u)" -eq 0 ] && id _rpki-client >/dev/null 2>&1; then
	chown -R _rpki-client "$work"
fi
echo "\$ rpki-client -v -n -c -B -t lab.tal -d cache out" >&2
(cd "$work" && timeout 20 rpki-client -v -n -c -B -t lab.tal -d cache out) >"$work/log" 2>&1
rc=$?
sed -e "s|$work/||g" "$work/log" | grep -v -e '^Processing time' -e '^Skiplist' -e 'BGPsec' \
	-e 'Ghostbuster' -e 'Trust Anchor Keys' -e 'VAP Entries' -e 'AS Provider' >"$dir/out/log"
cat "$dir/out/log"
rm -f "$dir/out/csv" "$dir/out/bird"
if [ -f "$work/out/csv" ]; then
	cp "$work/out/csv" "$dir/out/csv"
	# the tables of the BIRD file are named ROAS4/ROAS6 (rpki-client -B)
	grep -v '^# Generated on\|^# Processing\|^# Trust Anchor' "$work/out/bird" >"$dir/out/bird"
	echo "--- VRPs (out/csv):"
	cat "$dir/out/csv"
	exit 0
fi
echo "--- rpki-client produced no output (exit $rc)"
exit 1
