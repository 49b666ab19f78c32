#!/bin/sh
set -e
. "$HOME/.lab/values.sh"
"$ROA" add "$PREFIX => $SCRUBBER"
