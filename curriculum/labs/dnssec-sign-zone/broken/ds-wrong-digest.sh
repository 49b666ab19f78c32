#!/bin/sh
# step: ds
# expect: has the wrong digest
# The KSK's DS with its digest mistyped (last hex digit changed).
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
for k in K"$ZONE".+013+*.key; do
	grep -q 'DNSKEY[[:space:]]*257' "$k" && ksk=$k
done
ldns-key2ds -n -2 "$ksk" | awk '{ d = $NF; l = substr(d, length(d)); l = (l == "0") ? "1" : "0"; $NF = substr(d, 1, length(d) - 1) l; print }' > ds.txt
"$LAB_DIR/bin/registry" submit ds.txt
