#!/bin/sh
# step: keys
# expect: but no ZSK
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
ldns-keygen -a ECDSAP256SHA256 -k "$ZONE"
