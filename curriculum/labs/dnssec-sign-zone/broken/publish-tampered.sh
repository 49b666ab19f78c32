#!/bin/sh
# step: publish
# expect: The zone your nsd serves does not validate
# Publishes a signed file that was edited after signing.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
sed -i 's/^\(mail\.[^[:space:]]*[[:space:]].*[[:space:]]A[[:space:]]*\)[0-9.]*$/\1192.0.2.25/' "$ZONE.zone.signed"
sh "$LAB_DIR/solution/publish.sh"
