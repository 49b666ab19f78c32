#!/bin/sh
# step: sign
# expect: not valid yet
# Inception two days in the future.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
set -- K"$ZONE".+013+*.key
ldns-signzone -i "$(date -u -d '+2 days' +%Y%m%d)" -e "$(date -u -d '+40 days' +%Y%m%d)" \
	-o "$ZONE" "$ZONE.zone" "${1%.key}" "${2%.key}"
