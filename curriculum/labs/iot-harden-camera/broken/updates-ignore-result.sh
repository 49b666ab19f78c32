#!/bin/sh
# step: updates
# expect: but carries on (and flashes)
# The updater checks the signature, then flashes whatever the result.
set -eu
sh "$LABHUB_LAB/solution/updates.sh"
sed -i 's/^\(openssl dgst .*\) || exit 1$/\1/' "$HOME/rootfs/usr/sbin/fw-update"
grep -q '^openssl dgst' "$HOME/rootfs/usr/sbin/fw-update"
