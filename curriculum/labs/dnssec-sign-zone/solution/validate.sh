#!/bin/sh
# Step "validate": nothing to change; look at the result through the resolver.
set -eu
. "$HOME/.dnslab/lab.env"
dig +dnssec @127.0.0.1 -p 5300 "www.$ZONE" A
dig +dnssec @127.0.0.1 -p 5300 "no-such-name.$ZONE" A
