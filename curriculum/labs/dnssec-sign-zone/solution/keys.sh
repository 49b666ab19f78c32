#!/bin/sh
# Step "keys": a KSK made with the ldns tools and a ZSK made with the BIND
# tools (the lab accepts both; mixing them proves it).
set -eu
. "$HOME/.dnslab/lab.env"
cd "$HOME/dns"
ldns-keygen -a ECDSAP256SHA256 -k "$ZONE"
dnssec-keygen -q -a ECDSAP256SHA256 "$ZONE"
ls -l K"$ZONE".+013+*
