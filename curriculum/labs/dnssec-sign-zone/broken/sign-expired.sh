#!/bin/sh
# step: sign
# expect: Signatures have expired
# Signatures whose validity ended three days ago.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
set -- K"$ZONE".+013+*.key
ldns-signzone -i "$(date -u -d '-30 days' +%Y%m%d)" -e "$(date -u -d '-3 days' +%Y%m%d)" \
	-o "$ZONE" "$ZONE.zone" "${1%.key}" "${2%.key}"
