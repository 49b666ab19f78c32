#!/bin/sh
# step: publish
# expect: still serves the unsigned zone
# nsd.conf edited, but nsd never told to re-read it.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
sed -i "s|^\([[:space:]]*zonefile:\).*|\1 \"$ZONE.zone.signed\"|" nsd.conf
