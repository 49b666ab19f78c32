#!/bin/sh
# Boot the camera from the hardened image and look at what it starts.
set -eu
"$HOME/bin/camera" reboot
"$HOME/bin/camera" status
