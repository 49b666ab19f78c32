#!/bin/sh
# Step "publish": point nsd at the signed file, make it re-read config and zone.
set -eu
. "$HOME/.dnslab/lab.env"
cd "$HOME/dns"
sed -i "s|^\([[:space:]]*zonefile:\).*|\1 \"$ZONE.zone.signed\"|" nsd.conf
/usr/sbin/nsd-control -c nsd.conf reconfig
/usr/sbin/nsd-control -c nsd.conf reload "$ZONE"
# nsd loads the zone in the background: wait (at most 5 s) until it serves signatures
n=0
until dig +dnssec +norec +time=1 +tries=1 @127.0.0.1 -p 5301 "$ZONE" SOA | grep -q RRSIG || [ $n -ge 50 ]; do
	sleep 0.1; n=$((n + 1))
done
dig +dnssec +norec @127.0.0.1 -p 5301 "$ZONE" SOA
