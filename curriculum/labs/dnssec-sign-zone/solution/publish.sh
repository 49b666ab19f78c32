#!/bin/sh
# Step "publish": point nsd at the signed file, make it re-read config and zone.
set -eu
. "$HOME/.dnslab/lab.env"
cd "$HOME/dns"
sed -i "s|^\([[:space:]]*zonefile:\).*|\1 \"$ZONE.zone.signed\"|" nsd.conf
/usr/sbin/nsd-control -c nsd.conf reconfig
/usr/sbin/nsd-control -c nsd.conf reload "$ZONE"
sleep 1
dig +dnssec +norec @127.0.0.1 -p 5301 "$ZONE" SOA
