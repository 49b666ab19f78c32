#!/bin/sh
# step: secrets
# expect: /www/backup/vendor.key is a symbolic link to
# The key "removed" from the web root by moving it out and linking it back.
set -eu
cp "$HOME/rootfs/www/backup/vendor.key" "$HOME/vendor.key"
sh "$LABHUB_LAB/solution/secrets.sh"
mkdir -p "$HOME/rootfs/www/backup"
ln -s "$HOME/vendor.key" "$HOME/rootfs/www/backup/vendor.key"
