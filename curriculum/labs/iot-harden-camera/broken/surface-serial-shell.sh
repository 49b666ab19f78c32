#!/bin/sh
# step: surface
# expect: console still gives a root shell without a login
# The serial console's shell swapped for another shell.
set -eu
sh "$LABHUB_LAB/solution/surface.sh"
sed -i 's|^ttyS0::respawn:.*|ttyS0::respawn:/bin/ash|' "$HOME/rootfs/etc/inittab"
