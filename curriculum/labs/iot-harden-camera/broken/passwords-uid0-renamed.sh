#!/bin/sh
# step: passwords
# expect: has UID 0, so it is root under another name
# The hidden UID 0 account renamed to something harmless-looking, but still UID 0.
set -eu
R=$HOME/rootfs
u=$(awk -F: '$3 == 0 && $1 != "root" { print $1 }' "$R/etc/passwd")
sed -i "s/^$u:/backup:/" "$R/etc/passwd" "$R/etc/shadow"
rand() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
awk -F: -v OFS=: -v h="$(openssl passwd -6 "$(rand)")" -v b="$(openssl passwd -6 "$(rand)")" \
	'$1 == "root" { $2 = h } $1 == "backup" { $2 = b } $1 == "admin" { $2 = "!" } { print }' \
	"$R/etc/shadow" > "$R/etc/shadow.new"
mv "$R/etc/shadow.new" "$R/etc/shadow"
chmod 600 "$R/etc/shadow"
sed -i "s|^/admin:admin:.*|/admin:admin:$(rand)|" "$R/etc/httpd.conf"
