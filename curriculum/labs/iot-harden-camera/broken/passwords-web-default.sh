#!/bin/sh
# step: passwords
# expect: The web interface (/etc/httpd.conf) still lets admin in
# The accounts fixed, the web interface's factory login forgotten.
set -eu
cp "$HOME/rootfs/etc/httpd.conf" "$HOME/httpd.conf.orig"
sh "$LABHUB_LAB/solution/passwords.sh"
cp "$HOME/httpd.conf.orig" "$HOME/rootfs/etc/httpd.conf"
