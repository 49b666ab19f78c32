#!/bin/sh
# step: surface
# expect: telnetd is still started at boot (/etc/inittab line
# The first telnetd line removed, a second one further down inittab left in place.
set -eu
sh "$LABHUB_LAB/solution/surface.sh"
printf '# maintenance access for the support team\n::respawn:/usr/sbin/telnetd -F -p 2323 -l /bin/login\n' \
	>> "$HOME/rootfs/etc/inittab"
