#!/bin/sh
# step: secrets
# expect: /etc/ssl/private/device.key is a private key with mode 0644
# A new per-device key, but readable by everyone on the device.
set -eu
sh "$LABHUB_LAB/solution/secrets.sh"
chmod 644 "$HOME/rootfs/etc/ssl/private/device.key"
