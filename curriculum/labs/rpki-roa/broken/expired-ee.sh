#!/bin/sh
# step: validate
# expect: EE certificate has expired
. "$HOME/.lab/values.sh"
"$ROA" --backdate 30 --ee-days 20 add "$PREFIX => $ASN"
"$ROA" publish
