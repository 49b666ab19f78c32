#!/bin/sh
# step: ds
# expect: which is your ZSK (flags 256)
# The DS of the zone-signing key instead of the key-signing key.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
for k in K"$ZONE".+013+*.key; do
	grep -q 'DNSKEY[[:space:]]*256' "$k" && zsk=$k
done
dnssec-dsfromkey -2 "$zsk" > ds.txt
"$LAB_DIR/bin/registry" submit ds.txt
