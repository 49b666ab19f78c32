#!/bin/sh
# step: surface
# expect: PermitRootLogin yes for a connection as root
# The safe values appended after the unsafe ones: sshd keeps the first.
set -eu
cp "$HOME/rootfs/etc/ssh/sshd_config" "$HOME/sshd_config.orig"
sh "$LABHUB_LAB/solution/surface.sh"
cp "$HOME/sshd_config.orig" "$HOME/rootfs/etc/ssh/sshd_config"
printf 'PermitRootLogin no\nPasswordAuthentication no\nPermitEmptyPasswords no\nKbdInteractiveAuthentication no\n' \
	>> "$HOME/rootfs/etc/ssh/sshd_config"
