#!/bin/sh
# step: sign
# expect: The signed zone must publish both your keys
# "Signing" by copying the zone file.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
cp "$ZONE.zone" "$ZONE.zone.signed"
