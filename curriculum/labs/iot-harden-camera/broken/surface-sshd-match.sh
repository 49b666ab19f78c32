#!/bin/sh
# step: surface
# expect: PasswordAuthentication yes for a connection as admin
# Hardened globally, but a Match block turns password login back on for admin.
set -eu
sh "$LABHUB_LAB/solution/surface.sh"
printf 'Match User admin\n\tPasswordAuthentication yes\n' >> "$HOME/rootfs/etc/ssh/sshd_config"
