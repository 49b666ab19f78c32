#!/bin/sh
# step: sign
# expect: no signatures for
# The RRSIG over the MX RRset deleted from the signed file.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
sh "$LAB_DIR/solution/sign.sh"
awk '!($4 == "RRSIG" && $5 == "MX")' "$ZONE.zone.signed" > t && mv t "$ZONE.zone.signed"
