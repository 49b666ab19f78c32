#!/bin/sh
# 5.4: no vendor-wide key or API keys in the image, a key unique to this camera, keys 0600.
set -eu
R=$HOME/rootfs
rm -f "$R/etc/ssl/private/vendor.key" "$R/www/backup/vendor.key"
rmdir "$R/www/backup"
openssl genpkey -algorithm ed25519 -out "$R/etc/ssl/private/device.key"
chmod 600 "$R/etc/ssl/private/device.key" "$R/etc/ssh/ssh_host_ed25519_key"
sed -i -e '/^api_key=/d' -e '/^api_secret=/d' \
	-e 's|^tls_key=.*|tls_key=/etc/ssl/private/device.key|' "$R/etc/camera/cloud.conf"
printf '%s\n' 'var CLOUD = { url: "https://cloud.lumicam.example/api/v1" };' > "$R/www/js/config.js"
