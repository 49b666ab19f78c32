#!/bin/sh
# step: label
# expect: camd has no stack protector
# Rebuilt as PIE with RELRO, but with the stack protector explicitly off.
set -eu
gcc -O2 -fPIE -pie -fno-stack-protector -Wl,-z,relro,-z,now -o "$HOME/rootfs/usr/bin/camd" "$HOME/src/camd.c"
