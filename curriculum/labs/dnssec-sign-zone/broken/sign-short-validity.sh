#!/bin/sh
# step: sign
# expect: less than 14 days from now
# Valid signatures, but they run out in three days.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
set -- K"$ZONE".+013+*.key
ldns-signzone -e "$(date -u -d '+3 days' +%Y%m%d%H%M%S)" -o "$ZONE" "$ZONE.zone" "${1%.key}" "${2%.key}"
