#!/bin/sh
# step: permissions
# expect: /usr/bin/cloud-sync.sh is world-writable
# Init scripts and setuid fixed, the script root's cron runs forgotten.
set -eu
sh "$LABHUB_LAB/solution/permissions.sh"
chmod 777 "$HOME/rootfs/usr/bin/cloud-sync.sh"
