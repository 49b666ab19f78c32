#!/bin/sh
# step: sign
# expect: not for your zone
# The zone's content signed as if it were another zone (other origin, its own keys).
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
mkdir -p other && cd other
sed "s/$ZONE/example.test/g" "../$ZONE.zone" > example.test.zone
ldns-keygen -a ECDSAP256SHA256 -k example.test >/dev/null
ldns-keygen -a ECDSAP256SHA256 example.test >/dev/null
set -- Kexample.test.+013+*.key
ldns-signzone -e "$(date -u -d '+30 days' +%Y%m%d)" -o example.test -f "../$ZONE.zone.signed" example.test.zone "${1%.key}" "${2%.key}"
