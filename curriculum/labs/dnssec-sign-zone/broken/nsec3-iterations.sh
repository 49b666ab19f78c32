#!/bin/sh
# step: nsec3
# expect: extra iterations
# NSEC3 with 10 extra hash iterations and a salt (old advice, RFC 9276 says 0 and none).
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
for k in K"$ZONE".+013+*.key; do
	if grep -q 'DNSKEY[[:space:]]*257' "$k"; then ksk=$k; else zsk=$k; fi
done
ldns-signzone -n -t 10 -s 1234abcd -e "$(date -u -d '+30 days' +%Y%m%d)" -o "$ZONE" "$ZONE.zone" "${ksk%.key}" "${zsk%.key}"
/usr/sbin/nsd-control -c nsd.conf reload "$ZONE"
sleep 1
