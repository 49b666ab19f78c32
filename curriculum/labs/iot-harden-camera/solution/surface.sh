#!/bin/sh
# 5.6: no telnet, a login prompt on the serial console, no backdoor/gdbserver/UPnP/SNMP,
# sshd without root or password login.
set -eu
R=$HOME/rootfs
sed -i -e '/telnetd/d' \
	-e 's|^ttyS0::respawn:-/bin/sh$|ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100|' "$R/etc/inittab"
rm -f "$R/etc/init.d/S99debug" "$R/etc/init.d/S60upnp" "$R/etc/init.d/S70snmpd" \
	"$R/usr/bin/gdbserver" "$R/usr/sbin/telnetd"
sed -i -e 's/^PermitRootLogin .*/PermitRootLogin no/' \
	-e 's/^PasswordAuthentication .*/PasswordAuthentication no/' \
	-e 's/^PermitEmptyPasswords .*/PermitEmptyPasswords no/' \
	-e 's/^KbdInteractiveAuthentication .*/KbdInteractiveAuthentication no/' \
	-e 's/^X11Forwarding .*/X11Forwarding no/' "$R/etc/ssh/sshd_config"
