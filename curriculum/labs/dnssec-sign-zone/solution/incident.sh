#!/bin/sh
# Step "incident": start it, diagnose like an operator, repair.
set -eu
. "$HOME/.dnslab/lab.env"
cd "$HOME/dns"
"$LAB_DIR/bin/incident"
# The symptom (an operator would go on with dig +cd and
# delv -a ~/.dnslab/anchors.conf +root=test @127.0.0.1 -p 5300 +cd www.ZONE A).
dig +dnssec @127.0.0.1 -p 5300 "www.$ZONE" A || true
for k in K"$ZONE".+013+*.key; do
	if grep -q 'DNSKEY[[:space:]]*257' "$k"; then ksk=$k; else zsk=$k; fi
done
# Expired signatures?  Re-sign for 30 days and reload.
exp=$(dig +norec +dnssec @127.0.0.1 -p 5301 "$ZONE" SOA | awk '$4 == "RRSIG" { print $9; exit }')
if [ "$exp" -lt "$(date -u +%Y%m%d%H%M%S)" ]; then
	ldns-signzone -e "$(date -u -d '+30 days' +%Y%m%d%H%M%S)" -o "$ZONE" "$ZONE.zone" "${ksk%.key}" "${zsk%.key}"
	/usr/sbin/nsd-control -c nsd.conf reload "$ZONE"
	n=0
	until [ "$(dig +norec +dnssec @127.0.0.1 -p 5301 "$ZONE" SOA | awk '$4 == "RRSIG" { print $9; exit }')" -gt "$exp" ] || [ $n -ge 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
fi
# A DS at the registry that is not our KSK's?  Submit the right one again.
want=$(ldns-key2ds -n -2 "$ksk" | awk '{ print toupper($NF) }')
have=$(dig +norec +short @127.0.0.1 -p 5302 "$ZONE" DS | awk '{ d = ""; for (i = 4; i <= NF; i++) d = d $i; print toupper(d) }')
if [ "$want" != "$have" ]; then
	ldns-key2ds -n -2 "$ksk" > ds.txt
	"$LAB_DIR/bin/registry" submit ds.txt
fi
# The resolver remembers bogus answers for a while; make it forget them now.
/usr/sbin/unbound-control -c "$HOME/.dnslab/unbound/unbound.conf" flush_zone "$ZONE"
/usr/sbin/unbound-control -c "$HOME/.dnslab/unbound/unbound.conf" flush_bogus
dig +dnssec @127.0.0.1 -p 5300 "www.$ZONE" A
