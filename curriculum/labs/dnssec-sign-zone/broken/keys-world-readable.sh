#!/bin/sh
# step: keys
# expect: is readable by everyone
# Right keys, but a private key anyone on the machine can read.
. "$HOME/.dnslab/lab.env"; cd "$HOME/dns"
dnssec-keygen -q -a ECDSAP256SHA256 -f KSK "$ZONE"
dnssec-keygen -q -a ECDSAP256SHA256 "$ZONE"
chmod 644 K*.private
