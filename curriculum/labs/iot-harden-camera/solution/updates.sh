#!/bin/sh
# 5.3 / 5.5: the vendor's public signing key in the image, an updater that downloads over
# HTTPS and stops unless the signature verifies, TLS verification for the cloud agent.
set -eu
R=$HOME/rootfs
mkdir -p "$R/etc/keys"
cp "$HOME/vendor/update-signing.pub" "$R/etc/keys/update.pub"
cat > "$R/usr/sbin/fw-update" <<'EOS'
#!/bin/sh
# fw-update: fetch, verify and flash the latest firmware
URL=https://update.lumicam.example/lc200/latest.bin
FW=/tmp/fw.bin
wget -q -O "$FW" "$URL" || exit 1
wget -q -O "$FW.sig" "$URL.sig" || exit 1
openssl dgst -sha256 -verify /etc/keys/update.pub -signature "$FW.sig" "$FW" || exit 1
mtd write "$FW" firmware
reboot
EOS
sed -i -e 's|^cloud_url=http://|cloud_url=https://|' \
	-e 's|^mqtt_url=mqtt://\(.*\):1883$|mqtt_url=mqtts://\1:8883|' \
	-e 's|^verify_tls=.*|verify_tls=true|' "$R/etc/camera/cloud.conf"
