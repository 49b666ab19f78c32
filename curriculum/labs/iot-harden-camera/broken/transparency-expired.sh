#!/bin/sh
# step: transparency
# expect: is in the past
# A security.txt copied from an old template, already expired.
set -eu
sh "$LABHUB_LAB/solution/transparency.sh"
sed -i 's/^Expires: .*/Expires: 2023-01-31T23:59:59Z/' "$HOME/rootfs/www/.well-known/security.txt"
