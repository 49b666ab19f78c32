#!/bin/sh
# Exactly one ROA: your /22 from your AS, maxLength = 22 (left out).
set -e
. "$HOME/.lab/values.sh"
"$ROA" add "$PREFIX => $ASN"
"$ROA" list
