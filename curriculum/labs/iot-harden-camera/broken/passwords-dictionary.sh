#!/bin/sh
# step: passwords
# expect: attacker's dictionary
# Everything right, except that root's new password is another common word.
set -eu
R=$HOME/rootfs
for u in $(awk -F: '$3 == 0 && $1 != "root" { print $1 }' "$R/etc/passwd"); do
	sed -i "/^$u:/d" "$R/etc/passwd" "$R/etc/shadow"
done
h=$(openssl passwd -6 password123)
awk -F: -v OFS=: -v h="$h" '$1 == "root" { $2 = h } $1 == "admin" { $2 = "!" } { print }' \
	"$R/etc/shadow" > "$R/etc/shadow.new"
mv "$R/etc/shadow.new" "$R/etc/shadow"
chmod 600 "$R/etc/shadow"
sed -i "s|^/admin:admin:.*|/admin:admin:Vq7-x9Lr-2mPz|" "$R/etc/httpd.conf"
