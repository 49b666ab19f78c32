#!/bin/sh
# step: roa
# expect: RFC 9319
. "$HOME/.lab/values.sh"
"$ROA" add "$PREFIX-24 => $ASN"
