#!/bin/sh
# step: ds
# expect: but your server publishes no key with that tag
# The DS of a KSK that was generated but never published.
. "$HOME/.dnslab/lab.env"; mkdir -p "$HOME/old" && cd "$HOME/old"
k=$(ldns-keygen -a ECDSAP256SHA256 -k "$ZONE")
ldns-key2ds -n -2 "$k.key" > ds.txt
"$LAB_DIR/bin/registry" submit ds.txt
