#!/bin/sh
# Step "nsec3": re-sign with NSEC3 using the BIND signer this time (0 extra
# iterations, no salt, as RFC 9276 recommends), then reload nsd.
set -eu
. "$HOME/.dnslab/lab.env"
cd "$HOME/dns"
for k in K"$ZONE".+013+*.key; do
	if grep -q 'DNSKEY[[:space:]]*257' "$k"; then ksk=$k; else zsk=$k; fi
done
# dnssec-signzone signs only with keys whose DNSKEY is in the zone: add both.
# (With keys made by dnssec-keygen, -S -K . finds and adds them by itself.)
cat "$ZONE.zone" "$ksk" "$zsk" > "$ZONE.zone.with-keys"
dnssec-signzone -3 - -H 0 -e now+2592000 -o "$ZONE" -f "$ZONE.zone.signed" "$ZONE.zone.with-keys" "${ksk%.key}" "${zsk%.key}"
/usr/sbin/nsd-control -c nsd.conf reload "$ZONE"
n=0
until dig +norec +short +time=1 +tries=1 @127.0.0.1 -p 5301 "$ZONE" NSEC3PARAM | grep -q . || [ $n -ge 50 ]; do
	sleep 0.1; n=$((n + 1))
done
/usr/sbin/unbound-control -c "$HOME/.dnslab/unbound/unbound.conf" flush_zone "$ZONE"
dig +dnssec @127.0.0.1 -p 5300 "no-such-name.$ZONE" A
