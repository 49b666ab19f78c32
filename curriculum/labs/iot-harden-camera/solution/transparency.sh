#!/bin/sh
# 5.2-1: security.txt (RFC 9116); 5.3-13: the support period, stated on the device and its web page.
set -eu
R=$HOME/rootfs
mkdir -p "$R/www/.well-known"
cat > "$R/www/.well-known/security.txt" <<EOS
Contact: mailto:security@lumicam.example
Expires: $(date -u -d '+300 days' +%Y-%m-%dT%H:%M:%SZ)
Policy: https://lumicam.example/security/disclosure
Preferred-Languages: en
EOS
end=$(date -u -d '+5 years' +%Y)-12-31
echo "support_end=$end" >> "$R/etc/device.conf"
sed -i "s|</body>|<p>Security updates until $end.</p></body>|" "$R/www/index.html"
