#!/bin/sh
# dnssec-bind-tools: the dnssec-sign-zone lab must accept work done with the
# BIND tools alone (its reference solution mixes ldns and BIND), and must
# keep a learner's work across a cell restart (setup runs again on the same
# workspace).  Runs `labhub lab exec` in a private user + network + pid
# namespace (loopback only; every service dies with the namespace).
set -u
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && { echo "SKIP: starts lab services"; exit 77; }
: "${LABHUB:?}"
: "${LABHUB_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
LAB=$LABHUB_SRCDIR/curriculum/labs/dnssec-sign-zone
for t in unshare ip dnssec-keygen dnssec-signzone dnssec-dsfromkey nsd unbound ldns-signzone; do
	PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
unshare -rn true 2>/dev/null || { echo "SKIP: cannot create user and network namespaces"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"

cat > "$tmp/inner.sh" <<'EOF'
set -u
ip link set lo up || exit 1
export LABHUB_STATE_DIR=$T/state PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
mkdir -p "$LABHUB_STATE_DIR" "$T/ws"
ex() { "$LABHUB" lab exec --lab "$LAB" --workspace "$T/ws" --seed bind-tools "$@"; }
status=0
expect_pass() { # step...
	for s in "$@"; do
		out=$(ex check "$s")
		case $out in
		*'"passed":true'*) echo "ok   $s" ;;
		*) echo "FAIL $s: $out"; status=1 ;;
		esac
	done
}
out=$(ex setup) || { echo "FAIL setup: $out"; exit 1; }
# The learner, with BIND tools only: keys, smart signing, DS.
HOME=$T/ws sh -eu -c '
	. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
	dnssec-keygen -q -a ECDSAP256SHA256 -f KSK "$ZONE" >/dev/null
	dnssec-keygen -q -a ECDSAP256SHA256 "$ZONE" >/dev/null
	dnssec-signzone -S -K . -e now+2592000 -o "$ZONE" "$ZONE.zone" >/dev/null 2>&1
	sed -i "s|^\([[:space:]]*zonefile:\).*|\1 \"$ZONE.zone.signed\"|" nsd.conf
	nsd-control -c nsd.conf reconfig >/dev/null
	nsd-control -c nsd.conf reload "$ZONE" >/dev/null
	n=0; until dig +dnssec +norec @127.0.0.1 -p 5301 "$ZONE" SOA | grep -q RRSIG || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
	for k in K"$ZONE".+013+*.key; do grep -q "DNSKEY[[:space:]]*257" "$k" && ksk=$k; done
	dnssec-dsfromkey -2 "$ksk" > ds.txt
	"$LAB_DIR/bin/registry" submit ds.txt >/dev/null
' || { echo "FAIL: the BIND-only work itself failed"; exit 1; }
expect_pass keys sign publish ds validate
# NSEC3 with BIND as well
HOME=$T/ws sh -eu -c '
	. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
	dnssec-signzone -S -K . -3 - -H 0 -e now+2592000 -o "$ZONE" "$ZONE.zone" >/dev/null 2>&1
	nsd-control -c nsd.conf reload "$ZONE" >/dev/null
	n=0; until dig +norec +short @127.0.0.1 -p 5301 "$ZONE" NSEC3PARAM | grep -q . || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
' || { echo "FAIL: BIND NSEC3 signing failed"; exit 1; }
expect_pass nsec3
# "Cell restart": every service ends, setup runs again on the same workspace.
for f in "$LABHUB_STATE_DIR"/*.pid; do kill "$(cut -d' ' -f1 "$f")" 2>/dev/null; done
sleep 1
out=$(ex setup) || { echo "FAIL second setup: $out"; exit 1; }
echo "--- after a restart"
expect_pass publish ds validate nsec3
exit $status
EOF
env T="$tmp" LAB="$LAB" LABHUB="$LABHUB" unshare -rmnpf --mount-proc sh "$tmp/inner.sh"
