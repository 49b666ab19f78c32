#!/bin/sh
# step: permissions
# expect: /usr/bin/.factory-sh is setuid
# World-writable files fixed, the hidden setuid shell left in place.
set -eu
R=$HOME/rootfs
chmod 755 "$R"/etc/init.d/* "$R/usr/bin/cloud-sync.sh"
chmod u-s "$R/bin/busybox"
