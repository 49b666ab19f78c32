#!/bin/sh
# step: roa
# expect: which your certificate does not hold
# labhub-roa refuses this; --force makes it anyway, as a hand-made ROA would.
. "$HOME/.lab/values.sh"
"$ROA" add "10.255.252.0/22 => $ASN" 2>/dev/null && exit 1
"$ROA" --force add "$PREFIX => $ASN"
"$ROA" --force add "10.255.252.0/22 => $ASN"
