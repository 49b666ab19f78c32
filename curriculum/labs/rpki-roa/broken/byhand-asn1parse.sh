#!/bin/sh
# step: validate
# expect: which you did not intend
# The documented by-hand path, but with `openssl asn1parse -genconf` for
# the eContent: FORMAT:HEX BIT STRINGs are whole octets, so the /22 becomes
# a /24 (valid: it is inside the EE certificate), a VRP nobody intended.
set -e
. "$HOME/.lab/values.sh"
d=$HOME/byhand
mkdir -p "$d"
cd "$d"
hex=$(echo "${PREFIX%/*}" | awk -F. '{ printf "%02x%02x%02x", $1, $2, $3 }')
cat >roa.cnf <<EOT
asn1 = SEQUENCE:roa
[roa]
asid = INTEGER:$ASN
blocks = SEQUENCE:blocks
[blocks]
fam = SEQUENCE:fam
[fam]
afi = FORMAT:HEX,OCTETSTRING:0001
addrs = SEQUENCE:addrs
[addrs]
a1 = SEQUENCE:a1
[a1]
addr = FORMAT:HEX,BITSTRING:$hex
EOT
openssl asn1parse -genconf roa.cnf -out roa.der >/dev/null
cat >ee.cnf <<EOT
[ ee ]
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = critical, 1.3.6.1.5.5.7.14.2
crlDistributionPoints = URI:rsync://rpki.lab.test/repo/ca/ca.crl
authorityInfoAccess = caIssuers;URI:rsync://rpki.lab.test/repo/ta/ca.cer
subjectInfoAccess = 1.3.6.1.5.5.7.48.11;URI:rsync://rpki.lab.test/repo/ca/byhand.roa
sbgp-ipAddrBlock = critical, IPv4:$PREFIX
EOT
openssl genrsa -out ee.key 2048 2>/dev/null
openssl req -new -key ee.key -subj /CN=byhand -out ee.csr
openssl x509 -req -in ee.csr -CA "$HOME/rpki/ca/ca.cer" -CAform DER -CAkey "$HOME/rpki/ca/ca.key" \
	-set_serial "0x$(openssl rand -hex 8)" -days 30 -extfile ee.cnf -extensions ee -out ee.pem 2>/dev/null
openssl cms -sign -binary -nodetach -econtent_type id-ct-routeOriginAuthz -md sha256 \
	-keyid -nosmimecap -outform DER -signer ee.pem -inkey ee.key -in roa.der \
	-out "$HOME/rpki/repo/rpki.lab.test/repo/ca/byhand.roa"
"$ROA" publish
"$ROA" list
