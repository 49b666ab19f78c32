#!/bin/sh
# step: updates
# expect: is not the vendor's firmware-signing public key
# The updater verifies against a key the learner made up, not the vendor's release key.
set -eu
sh "$LABHUB_LAB/solution/updates.sh"
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$HOME/mine.key"
openssl pkey -in "$HOME/mine.key" -pubout -out "$HOME/rootfs/etc/keys/update.pub"
