#!/bin/sh
# step: keys
# expect: uses RSASHA256 (algorithm 8)
# RSA keys instead of ECDSA P-256.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
ldns-keygen -a RSASHA256 -b 2048 -k "$ZONE"
ldns-keygen -a RSASHA256 -b 1024 "$ZONE"
