#!/bin/sh
# step: reboot
# expect: web interface does not start any more
# "Hardening" by switching off the web interface the owner needs.
set -eu
rm -f "$HOME/rootfs/etc/init.d/S50httpd"
