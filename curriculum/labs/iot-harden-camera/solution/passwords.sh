#!/bin/sh
# 5.1: one UID 0 (root) with a long random password, no empty passwords, shadow 0600,
# a random web admin password.
set -eu
R=$HOME/rootfs
for u in $(awk -F: '$3 == 0 && $1 != "root" { print $1 }' "$R/etc/passwd"); do
	sed -i "/^$u:/d" "$R/etc/passwd" "$R/etc/shadow"
done
rand() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
h=$(openssl passwd -6 "$(rand)")
awk -F: -v OFS=: -v h="$h" '$1 == "root" { $2 = h } $1 == "admin" { $2 = "!" } { print }' \
	"$R/etc/shadow" > "$R/etc/shadow.new"
mv "$R/etc/shadow.new" "$R/etc/shadow"
chmod 600 "$R/etc/shadow"
sed -i "s|^/admin:admin:.*|/admin:admin:$(rand)|" "$R/etc/httpd.conf"
