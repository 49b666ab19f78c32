#!/bin/sh
# step: surface
# expect: a symbolic link leaves the image
# sshd_config replaced by a relative link to the host's (not the camera's) configuration.
set -eu
sh "$LABHUB_LAB/solution/surface.sh"
ln -sf ../../../../../../../../etc/ssh/sshd_config "$HOME/rootfs/etc/ssh/sshd_config"
