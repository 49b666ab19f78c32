#!/bin/sh
# tests/roa/rpki-client.sh: ROAs written by labhub-roa, judged by the real
# rpki-client (offline, -n) against a lab repository built by the RPKI lab's
# own mkrepo.sh.  Every tricky prefix must come out as exactly the VRP we
# asked for; a ROA outside the CA's resources (--force), a ROA edited after
# signing and a ROA whose EE certificate expired must yield no VRP; a stale
# manifest must be reported as stale.  Exit 77 without rpki-client.
set -u

command -v rpki-client >/dev/null 2>&1 || command -v /usr/sbin/rpki-client >/dev/null 2>&1 || {
	echo "SKIP: rpki-client not installed (apt-get install rpki-client)"; exit 77; }
PATH=$PATH:/usr/sbin
: "${LABHUB_BUILDDIR:=$(pwd)}" "${LABHUB_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
ROA=$LABHUB_BUILDDIR/labhub-roa
MKREPO=$LABHUB_SRCDIR/curriculum/labs/rpki-roa/lib/mkrepo.sh
[ -x "$ROA" ] || { echo "FAIL: $ROA not built"; exit 1; }
[ -f "$MKREPO" ] || { echo "SKIP: $MKREPO not in this tree"; exit 77; }
# labhub-roa leaves its error paths to exit(); under ASan only those would leak.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0; export ASAN_OPTIONS

tmp=$(mktemp -d /tmp/labhub-roa-test.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

LABHUB_ROA=$ROA sh "$MKREPO" "$tmp/lab" 10.1.4.0/22 64512 2001:db8:1::/48 >/dev/null ||
	{ echo "FAIL: mkrepo.sh"; exit 1; }
conf=$tmp/lab/ca/ca.conf
pp=$tmp/lab/repo/rpki.lab.test/repo/ca

# validate: copy the repository into a fresh rpki-client cache and run it
# offline; leaves out/csv and the log in $tmp/v.
validate() {
	rm -rf "$tmp/v"
	mkdir -p "$tmp/v/cache/ta/lab" "$tmp/v/out"
	cp -R "$tmp/lab/repo/." "$tmp/v/cache/"
	cp "$tmp/lab/repo/rpki.lab.test/ta/ta.cer" "$tmp/v/cache/ta/lab/ta.cer"
	# as root rpki-client drops to _rpki-client, which must own its dirs
	[ "$(id -u)" -eq 0 ] && chown -R _rpki-client "$tmp/v" 2>/dev/null
	(cd "$tmp/v" && timeout 60 rpki-client -v -n -c -t "$tmp/lab/lab.tal" -d cache out) \
		>"$tmp/v/log" 2>&1
	[ -f "$tmp/v/out/csv" ] || { cat "$tmp/v/log"; return 1; }
}

# The tricky prefixes, each as its own ROA.
good="10.1.4.0/22 10.1.6.0/23 10.1.5.128/25-25 10.1.7.254/31 10.1.7.9/32
10.1.4.0/23-24 2001:db8:1::/48 2001:db8:1:ff::/64-127 2001:db8:1::2/127"
for p in $good; do
	"$ROA" --ca "$conf" add "$p => 64512" >/dev/null 2>&1 || fail "labhub-roa add $p"
done
"$ROA" --ca "$conf" add "10.1.5.0/24 => AS4200000000" >/dev/null || fail "32-bit ASN"
"$ROA" --ca "$conf" --force add "10.9.0.0/24 => 64512" >/dev/null 2>&1 || fail "--force"
"$ROA" --ca "$conf" add "10.9.0.0/24 => 64512" >/dev/null 2>"$tmp/err" && fail "outside resources accepted"
grep -q "not within the resources of your CA" "$tmp/err" || fail "no clear refusal: $(cat "$tmp/err")"

validate || { echo "FAIL: rpki-client produced no output"; exit 1; }
want=$tmp/want
{
	echo "AS64512,10.1.4.0/22,22"
	echo "AS64512,10.1.6.0/23,23"
	echo "AS64512,10.1.5.128/25,25"
	echo "AS64512,10.1.7.254/31,31"
	echo "AS64512,10.1.7.9/32,32"
	echo "AS64512,10.1.4.0/23,24"
	echo "AS64512,2001:db8:1::/48,48"
	echo "AS64512,2001:db8:1:ff::/64,127"
	echo "AS64512,2001:db8:1::2/127,127"
	echo "AS4200000000,10.1.5.0/24,24"
} | sort >"$want"
tail -n +2 "$tmp/v/out/csv" | cut -d, -f1-3 | sort >"$tmp/got"
cmp -s "$want" "$tmp/got" || { fail "VRPs differ (want vs got):"; diff "$want" "$tmp/got"; }
grep -q "AS64512-10_9_0_0-24.roa: RFC 3779 resource not subset" "$tmp/v/log" ||
	fail "rpki-client did not reject the --force ROA: $(cat "$tmp/v/log")"
grep -q "Manifests: 2 (0 failed parse, 0 stale)" "$tmp/v/log" || fail "manifests not clean"

# list shows what was added; remove withdraws it and revokes its EE.
"$ROA" --ca "$conf" list | grep -q "^10.1.7.9/32-32 => 64512" || fail "list"
"$ROA" --ca "$conf" remove "10.1.7.9/32 => 64512" >/dev/null || fail "remove"
"$ROA" --ca "$conf" remove "10.1.7.9/32 => 64512" >/dev/null 2>&1 && fail "second remove succeeded"
[ "$(wc -l <"$tmp/lab/ca/revoked")" -ge 2 ] || fail "nothing revoked"

# Edited after signing: change the asID inside the signed eContent, then
# re-publish so that only the signature is wrong.
f=$pp/AS64512-10_1_6_0-23.roa
cp "$f" "$tmp/orig.roa"
perl -0777 -pi -e 's/\x02\x03\x00\xfc\x00/\x02\x03\x00\xfd\x00/' "$f"
cmp -s "$f" "$tmp/orig.roa" && fail "asID not found in the ROA"
"$ROA" --ca "$conf" --backdate 10 --ee-days 3 add "10.1.4.0/24 => 64512" >/dev/null 2>&1 ||
	fail "backdated add"
"$ROA" --ca "$conf" publish >/dev/null || fail "publish"
validate || { echo "FAIL: rpki-client produced no output"; exit 1; }
grep -q "AS64512-10_1_6_0-23.roa: CMS verification error" "$tmp/v/log" || fail "edited ROA not rejected"
grep -q "AS64512-10_1_4_0-24.roa: certificate has expired" "$tmp/v/log" || fail "expired EE not rejected"
grep -q "10.1.6.0/23\|10.1.7.9/32\|10.1.4.0/24" "$tmp/v/out/csv" && fail "a bad ROA made a VRP"
grep -q "AS64512,10.1.4.0/22,22" "$tmp/v/out/csv" || fail "good ROA lost"

# A stale manifest (nextUpdate passed, EE still valid): no VRPs, counted as stale.
"$ROA" --ca "$conf" --backdate 3 --mft-days 1 --crl-days 30 --mft-ee-days 30 publish >/dev/null
validate || { echo "FAIL: rpki-client produced no output"; exit 1; }
grep -q "ca.mft: mft expired on" "$tmp/v/log" || fail "stale manifest not reported"
grep -q "1 stale)" "$tmp/v/log" || fail "stale counter"
[ "$(wc -l <"$tmp/v/out/csv")" -eq 1 ] || fail "VRPs from a stale manifest"

# --help and bad input say what to do.
"$ROA" --help | grep -q "PREFIX\[-MAXLENGTH\] => ASN" || fail "--help"
"$ROA" --ca "$conf" add "10.1.4.1/22 => 64512" 2>&1 | grep -q "host bits" || fail "host bits message"
"$ROA" --ca "$conf" add "10.1.4.0/22" 2>&1 | grep -q "PREFIX\[-MAXLENGTH\] => ASN" || fail "missing ASN message"

[ $fails -eq 0 ] && echo "PASS" && exit 0
exit 1
