#!/bin/sh
# step: passwords
# expect: has UID 0, so it is root under another name
# root gets a strong password; the second UID 0 account is overlooked.
set -eu
R=$HOME/rootfs
rand() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
awk -F: -v OFS=: -v h="$(openssl passwd -6 "$(rand)")" '$1 == "root" { $2 = h } $1 == "admin" { $2 = "!" } { print }' \
	"$R/etc/shadow" > "$R/etc/shadow.new"
mv "$R/etc/shadow.new" "$R/etc/shadow"
chmod 600 "$R/etc/shadow"
sed -i "s|^/admin:admin:.*|/admin:admin:$(rand)|" "$R/etc/httpd.conf"
