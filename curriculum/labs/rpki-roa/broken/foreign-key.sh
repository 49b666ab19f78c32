#!/bin/sh
# step: validate
# expect: not signed by
# A ROA signed under a key the CA never certified: a look-alike CA
# certificate (same name, same repository) with a new key signs the ROA;
# then the real CA re-publishes the manifest.
set -e
. "$HOME/.lab/values.sh"
d=$HOME/rogue
mkdir -p "$d"
openssl genrsa -out "$d/rogue.key" 2048 2>/dev/null
subj=$(openssl x509 -inform DER -in "$HOME/rpki/ca/ca.cer" -noout -subject -nameopt compat | sed 's/^subject=//')
cat >"$d/x509.cnf" <<EOT
[ req ]
distinguished_name = dn
[ dn ]
[ ext ]
basicConstraints = critical, CA:TRUE
subjectKeyIdentifier = hash
keyUsage = critical, keyCertSign, cRLSign
subjectInfoAccess = caRepository;URI:rsync://rpki.lab.test/repo/ca/, 1.3.6.1.5.5.7.48.10;URI:rsync://rpki.lab.test/repo/ca/ca.mft
sbgp-ipAddrBlock = critical, IPv4:$PREFIX
EOT
openssl req -new -x509 -config "$d/x509.cnf" -extensions ext -key "$d/rogue.key" -subj "$subj" \
	-days 30 -outform DER -out "$d/rogue.cer"
cat >"$d/rogue.conf" <<EOT
cert = rogue.cer
key = rogue.key
uri = rsync://rpki.lab.test/repo/ta/ca.cer
repo = $HOME/rpki/repo/rpki.lab.test/repo/ca
EOT
"$ROA" --ca "$d/rogue.conf" add "$PREFIX => $ASN"
"$ROA" publish
