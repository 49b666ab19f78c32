#!/bin/sh
# step: validate
# expect: on your manifest
# A ROA copied into the publication point after the manifest was made.
. "$HOME/.lab/values.sh"
pp=$HOME/rpki/repo/rpki.lab.test/repo/ca
cp "$pp/ca.mft" "$HOME/old.mft"
cp "$pp/ca.crl" "$HOME/old.crl"
"$ROA" add "$PREFIX => $ASN"
cp "$HOME/old.mft" "$pp/ca.mft"
cp "$HOME/old.crl" "$pp/ca.crl"
