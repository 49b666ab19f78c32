#!/bin/sh
# Step "ds": the DS of the KSK (flags 257), SHA-256, to the registry.
set -eu
. "$HOME/.dnslab/lab.env"
cd "$HOME/dns"
for k in K"$ZONE".+013+*.key; do
	grep -q 'DNSKEY[[:space:]]*257' "$k" && ksk=$k
done
ldns-key2ds -n -2 "$ksk" > ds.txt
"$LAB_DIR/bin/registry" submit ds.txt
