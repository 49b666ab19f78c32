#!/bin/sh
# step: scrubbing
# expect: rpki-client produced no VRP
. "$HOME/.lab/values.sh"
"$ROA" remove "$PREFIX => $ASN"
"$ROA" add "$PREFIX => $SCRUBBER"
