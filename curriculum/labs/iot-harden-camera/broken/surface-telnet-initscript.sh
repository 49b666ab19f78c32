#!/bin/sh
# step: surface
# expect: telnetd is still started at boot (/etc/init.d/S45telnet
# telnetd removed from inittab, but still started by an init script.
set -eu
sh "$LABHUB_LAB/solution/surface.sh"
printf '#!/bin/sh\n/usr/sbin/telnetd -p 2323 -l /bin/login\n' > "$HOME/rootfs/etc/init.d/S45telnet"
chmod 755 "$HOME/rootfs/etc/init.d/S45telnet"
