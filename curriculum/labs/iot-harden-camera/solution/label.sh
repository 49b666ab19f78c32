#!/bin/sh
# Rebuild the camera daemon with the compiler's exploit mitigations.
set -eu
gcc -O2 -fPIE -pie -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	-Wl,-z,relro,-z,now -Wl,-z,noexecstack -o "$HOME/rootfs/usr/bin/camd" "$HOME/src/camd.c"
