#!/bin/sh
# step: passwords
# expect: /etc/shadow is a symbolic link
# A good shadow file written elsewhere, and /etc/shadow replaced by a link to it.
set -eu
sh "$LABHUB_LAB/solution/passwords.sh"
R=$HOME/rootfs
mv "$R/etc/shadow" "$R/etc/shadow.real"
ln -s /etc/shadow.real "$R/etc/shadow"
