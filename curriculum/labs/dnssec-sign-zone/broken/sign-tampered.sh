#!/bin/sh
# step: sign
# expect: Bogus DNSSEC signature for www.
# A correct signature, then the address of www edited in the signed file.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
sh "$LAB_DIR/solution/sign.sh"
sed -i 's/^\(www\.[^[:space:]]*[[:space:]].*[[:space:]]A[[:space:]]*\)[0-9.]*$/\1192.0.2.66/' "$ZONE.zone.signed"
grep -q 192.0.2.66 "$ZONE.zone.signed"
