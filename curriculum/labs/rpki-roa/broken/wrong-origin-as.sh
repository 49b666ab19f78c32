#!/bin/sh
# step: roa
# expect: but your network originates
. "$HOME/.lab/values.sh"
"$ROA" add "$PREFIX => $HIJACKER"
