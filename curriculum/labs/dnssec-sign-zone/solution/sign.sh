#!/bin/sh
# Step "sign": sign with ldns-signzone, signatures valid for 30 days.
set -eu
. "$HOME/.dnslab/lab.env"
cd "$HOME/dns"
ksk= zsk=
for k in K"$ZONE".+013+*.key; do
	if grep -q 'DNSKEY[[:space:]]*257' "$k"; then ksk=${k%.key}; else zsk=${k%.key}; fi
done
ldns-signzone -e "$(date -u -d '+30 days' +%Y%m%d%H%M%S)" -o "$ZONE" "$ZONE.zone" "$ksk" "$zsk"
ldns-verify-zone "$ZONE.zone.signed"
