#!/bin/sh
# build-image.sh: builds the vulnerable LumiCam LC-200 firmware root filesystem.
#
# Run by the lab's setup (lab.lua) inside the cell, offline, as the learner:
#   sh build-image.sh ROOTFS LABDIR
# with the per-learner values in the environment (CAM_*; lab.lua derives them from the seed).
# Uses only host tools: busybox (Debian's busybox-static, copied in with its applet links),
# openssl, ssh-keygen, gcc. Nothing from the image is ever executed.
set -eu

root=$1
labdir=$2
: "${CAM_ROOT_PW:?}" "${CAM_HIDDEN_USER:?}" "${CAM_HIDDEN_PW:?}" "${CAM_WEB_PW:?}"
: "${CAM_TELNET_PORT:?}" "${CAM_HTTP_PORT:?}" "${CAM_BACKDOOR_PORT:?}" "${CAM_GDB_PORT:?}"
: "${CAM_API_KEY:?}" "${CAM_API_SECRET:?}" "${CAM_SERIAL:?}" "${CAM_VENDOR_KEY:?}"

[ -e "$root" ] && { echo "build-image: $root exists, not overwriting" >&2; exit 1; }
umask 022
mkdir -p "$root"
cd "$root"

mkdir -p bin sbin usr/bin usr/sbin lib etc/init.d etc/crontabs etc/ssh etc/ssl/private \
	etc/camera etc/snmp root tmp var/log www/admin www/js www/backup
chmod 1777 tmp

# --- busybox and its applet links (relative links, plus absolute ones as on real images) ---
bb=$(command -v busybox)
cp "$bb" bin/busybox
# (one perl process instead of ~300 ln: setup runs at every cell start)
busybox --list-full | perl -ne '
	chomp; next if $_ eq "bin/busybox";
	my $depth = () = m{/}g;
	my $target = m{^sbin/(init|reboot)$} ? "/bin/busybox" : ("../" x $depth) . "bin/busybox";
	unlink $_; symlink($target, $_) or die "build-image: $_: $!\n";'

chmod 4755 bin/busybox          # setuid root "so that ping works" (it makes every applet run as root)

# --- accounts: default root password, an admin with an empty password, a hidden UID 0 ---
hash() { openssl passwd -6 -salt "$(openssl rand -hex 8)" "$1"; }
cat > etc/passwd <<EOP
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
admin:x:1000:1000:Camera admin:/home/admin:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
$CAM_HIDDEN_USER:x:0:0::/root:/bin/sh
EOP
cat > etc/shadow <<EOP
root:$(hash "$CAM_ROOT_PW"):19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
admin::19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
$CAM_HIDDEN_USER:$(hash "$CAM_HIDDEN_PW"):19000:0:99999:7:::
EOP
chmod 644 etc/shadow
printf 'root:x:0:\ndaemon:x:1:\nadmin:x:1000:\nnogroup:x:65534:\n' > etc/group
mkdir -p home/admin

cat > etc/device.conf <<EOP
vendor=LumiCam
model=LC-200
serial=$CAM_SERIAL
firmware=2.0.4
EOP
printf 'LumiCam LC-200 (firmware 2.0.4)\n\n' > etc/issue
echo "lc200-$(echo "$CAM_SERIAL" | tail -c 5)" > etc/hostname

# --- boot: inittab and init scripts ---
cat > etc/inittab <<EOP
# /etc/inittab (busybox init)
::sysinit:/etc/init.d/rcS
# serial console on the UART pads: straight to a root shell, no login
ttyS0::respawn:-/bin/sh
# remote maintenance
::respawn:/usr/sbin/telnetd -F -p $CAM_TELNET_PORT -l /bin/login
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
EOP
cat > etc/init.d/rcS <<'EOP'
#!/bin/sh
# run every executable start script in order
for s in /etc/init.d/S??*; do
	[ -x "$s" ] && "$s" start
done
EOP
cat > etc/init.d/S10syslog <<'EOP'
#!/bin/sh
syslogd -O /var/log/messages
EOP
cat > etc/init.d/S40network <<'EOP'
#!/bin/sh
ifconfig lo 127.0.0.1 up
udhcpc -b -i eth0 -s /usr/share/udhcpc/default.script
EOP
cat > etc/init.d/S50httpd <<EOP
#!/bin/sh
# web interface
httpd -p $CAM_HTTP_PORT -h /www -c /etc/httpd.conf
EOP
cat > etc/init.d/S60upnp <<'EOP'
#!/bin/sh
# open ports on the home router so the app can reach the camera from anywhere
miniupnpd -f /etc/miniupnpd.conf
EOP
cat > etc/init.d/S70snmpd <<'EOP'
#!/bin/sh
snmpd -c /etc/snmp/snmpd.conf
EOP
cat > etc/init.d/S80camd <<'EOP'
#!/bin/sh
/usr/bin/camd --daemon /etc/camera/cloud.conf &
EOP
cat > etc/init.d/S99debug <<EOP
#!/bin/sh
# factory debug access -- TODO remove before release
nc -ll -p $CAM_BACKDOOR_PORT -e /bin/sh &
/usr/bin/gdbserver --multi 0.0.0.0:$CAM_GDB_PORT &
EOP
chmod 755 etc/init.d/*
chmod 777 etc/init.d/S50httpd etc/init.d/S80camd     # "so the app can update them"

cat > etc/crontabs/root <<'EOP'
# min hour day month weekday command
*/10 * * * * /usr/bin/cloud-sync.sh
0 3 * * * /usr/sbin/fw-update
EOP
cat > usr/bin/cloud-sync.sh <<'EOP'
#!/bin/sh
# upload snapshots to the cloud
. /etc/camera/cloud.conf
wget -q -O /dev/null "$cloud_url/sync?serial=$(sed -n 's/^serial=//p' /etc/device.conf)"
EOP
chmod 777 usr/bin/cloud-sync.sh

# --- network services' configs ---
cat > etc/ssh/sshd_config <<'EOP'
# LumiCam sshd configuration
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin yes
PasswordAuthentication yes
PermitEmptyPasswords yes
KbdInteractiveAuthentication yes
X11Forwarding yes
Subsystem sftp internal-sftp
EOP
ssh-keygen -q -t ed25519 -N '' -C "root@lc200" -f etc/ssh/ssh_host_ed25519_key
chmod 644 etc/ssh/ssh_host_ed25519_key

cat > etc/httpd.conf <<EOP
# busybox httpd: allow everyone, protect the settings pages
A:*
/admin:admin:$CAM_WEB_PW
EOP
cat > etc/miniupnpd.conf <<'EOP'
ext_ifname=eth0
listening_ip=eth0
enable_upnp=yes
enable_natpmp=yes
secure_mode=no
allow 0-65535 0.0.0.0/0 0-65535
EOP
cat > etc/snmp/snmpd.conf <<'EOP'
agentAddress udp:161
rocommunity public
rwcommunity private
syslocation home
EOP

# --- secrets: vendor-wide key (also in the web root), API keys, TLS verification off ---
{
	echo "-----BEGIN PRIVATE KEY-----"
	printf '%s' "$CAM_VENDOR_KEY" | fold -w 64
	echo
	echo "-----END PRIVATE KEY-----"
} > etc/ssl/private/vendor.key
chmod 644 etc/ssl/private/vendor.key
cp etc/ssl/private/vendor.key www/backup/vendor.key
cat > etc/camera/cloud.conf <<EOP
# LumiCam cloud agent
cloud_url=http://cloud.lumicam.example/api/v1
mqtt_url=mqtt://mqtt.lumicam.example:1883
api_key=$CAM_API_KEY
api_secret=$CAM_API_SECRET
tls_key=/etc/ssl/private/vendor.key
verify_tls=false
EOP
cat > www/js/config.js <<EOP
// generated by the vendor's build
var CLOUD = { url: "http://cloud.lumicam.example/api/v1", key: "$CAM_API_KEY", secret: "$CAM_API_SECRET" };
EOP
cat > www/index.html <<'EOP'
<!doctype html>
<html><head><title>LumiCam LC-200</title><script src="/js/config.js"></script></head>
<body><h1>LumiCam LC-200</h1><p>Live view: <a href="/admin/">settings</a></p></body></html>
EOP
cat > www/admin/index.html <<'EOP'
<!doctype html>
<html><head><title>LC-200 settings</title></head>
<body><h1>Settings</h1><p>Wi-Fi, cloud pairing, firmware update.</p></body></html>
EOP

# --- updates: plain HTTP, no signature ---
cat > usr/sbin/fw-update <<'EOP'
#!/bin/sh
# fw-update: fetch and flash the latest firmware
URL=http://update.lumicam.example/lc200/latest.bin
FW=/tmp/fw.bin
wget -q -O "$FW" "$URL" || exit 1
mtd write "$FW" firmware
reboot
EOP
chmod 755 usr/sbin/fw-update

# --- binaries: the camera daemon (no PIE, no canary, no RELRO, executable stack), gdbserver ---
# (from the lab's pristine files/src/camd.c, the source the learner gets as ~/src/camd.c: the
# label check wants the learner's rebuild to be of the very program the image shipped)
if command -v gcc >/dev/null 2>&1; then
	gcc -O1 -fno-pie -no-pie -fno-stack-protector -U_FORTIFY_SOURCE \
		-Wl,-z,norelro -Wl,-z,lazy -Wl,-z,execstack -o usr/bin/camd "$labdir/files/src/camd.c"
else
	echo "build-image: gcc not found, usr/bin/camd is missing" >&2
fi
cat > usr/bin/gdbserver <<'EOP'
#!/bin/sh
# stand-in for the vendor's gdbserver build (remote debugging of any process, no authentication)
exec /bin/busybox nc -ll -p "${2##*:}" -e /bin/sh
EOP
chmod 755 usr/bin/gdbserver
cp "$bb" usr/bin/.factory-sh 2>/dev/null && chmod 4755 usr/bin/.factory-sh   # setuid copy "for field support"

echo "build-image: $root ready ($(find . | wc -l) entries)"
