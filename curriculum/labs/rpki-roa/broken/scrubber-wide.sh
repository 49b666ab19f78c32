#!/bin/sh
# step: scrubbing
# expect: RFC 9319
. "$HOME/.lab/values.sh"
"$ROA" add "$PREFIX-24 => $SCRUBBER"
