#!/bin/sh
# step: secrets
# expect: The vendor-wide private key is still in /www/backup/vendor.key
# The private key deleted from /etc, but its copy in the web root forgotten.
set -eu
cp "$HOME/rootfs/www/backup/vendor.key" "$HOME/vendor.key.www"
sh "$LABHUB_LAB/solution/secrets.sh"
mkdir -p "$HOME/rootfs/www/backup"
cp "$HOME/vendor.key.www" "$HOME/rootfs/www/backup/vendor.key"
rm -f "$HOME/vendor.key.www"
