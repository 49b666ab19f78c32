#!/bin/sh
# mkrepo.sh: build the lab's RPKI offline, in the layout rpki-client expects.
#
#   mkrepo.sh DIR PREFIX4 ASN [PREFIX6]
#
# DIR/ta/        the lab's trust anchor: ta.cer (self-signed, RFC 6487 + RFC 3779
#                resources 10.0.0.0/8, 2001:db8::/32, AS64496-65534), ta.key, ta.conf
# DIR/ca/        the learner's CA: ca.cer (issued by the TA with exactly PREFIX4
#                [+ PREFIX6] and ASN, RFC 3779), ca.key, ca.conf
# DIR/repo/      what the publication server serves, one folder per rsync URI:
#                repo/rpki.lab.test/ta/ta.cer          (the TAL's URI)
#                repo/rpki.lab.test/repo/ta/           TA manifest, CRL, the learner's ca.cer
#                repo/rpki.lab.test/repo/ca/           the learner's publication point (ROAs)
# DIR/lab.tal    RFC 8630 TAL: rsync URI, blank line, base64 SubjectPublicKeyInfo
#
# ca.conf is read by labhub-roa (key = value, paths relative to the file).
# Everything is offline; the host name rpki.lab.test never resolves.
set -eu

dir=$1 prefix4=$2 asn=$3 prefix6=${4:-}
roa=${LABHUB_ROA:-labhub-roa}
host=rpki.lab.test

mkdir -p "$dir/ta" "$dir/ca" "$dir/repo/$host/ta" "$dir/repo/$host/repo/ta" "$dir/repo/$host/repo/ca"
cd "$dir"
umask 022

cat > ta/x509.cnf <<CNF
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = labhub-lab-ta
[ ta ]
basicConstraints = critical, CA:TRUE
subjectKeyIdentifier = hash
authorityKeyIdentifier = none
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = critical, 1.3.6.1.5.5.7.14.2
subjectInfoAccess = caRepository;URI:rsync://$host/repo/ta/, 1.3.6.1.5.5.7.48.10;URI:rsync://$host/repo/ta/ta.mft
sbgp-ipAddrBlock = critical, IPv4:10.0.0.0/8, IPv6:2001:db8::/32
sbgp-autonomousSysNum = critical, AS:64496-65534
[ ca ]
basicConstraints = critical, CA:TRUE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = critical, 1.3.6.1.5.5.7.14.2
crlDistributionPoints = URI:rsync://$host/repo/ta/ta.crl
authorityInfoAccess = caIssuers;URI:rsync://$host/ta/ta.cer
subjectInfoAccess = caRepository;URI:rsync://$host/repo/ca/, 1.3.6.1.5.5.7.48.10;URI:rsync://$host/repo/ca/ca.mft
sbgp-ipAddrBlock = critical, IPv4:$prefix4${prefix6:+, IPv6:$prefix6}
sbgp-autonomousSysNum = critical, AS:$asn
CNF

# RSA 2048 (RFC 7935); the two keys are made in parallel to keep setup short.
openssl genrsa -out ca/ca.key 2048 2>/dev/null &
openssl genrsa -out ta/ta.key 2048 2>/dev/null
wait
openssl req -new -x509 -config ta/x509.cnf -extensions ta -key ta/ta.key \
	-days 3650 -sha256 -set_serial 1 -outform DER -out ta/ta.cer
cp ta/ta.cer "repo/$host/ta/ta.cer"

# The CA's subject is a hash of its key, as RFC 6487 section 4.5 suggests.
cn=$(openssl pkey -in ca/ca.key -pubout -outform DER | openssl dgst -sha1 -r | cut -c1-40)
openssl req -new -key ca/ca.key -subj "/CN=$cn" -out ca/ca.csr
openssl x509 -req -in ca/ca.csr -CA ta/ta.cer -CAform DER -CAkey ta/ta.key \
	-set_serial "0x$(openssl rand -hex 8)" -days 365 -sha256 \
	-extfile ta/x509.cnf -extensions ca -outform DER -out ca/ca.cer 2>/dev/null
rm -f ca/ca.csr
cp ca/ca.cer "repo/$host/repo/ta/ca.cer"

{
	echo "rsync://$host/ta/ta.cer"
	echo
	openssl x509 -inform DER -in ta/ta.cer -noout -pubkey | grep -v '^-----'
} > lab.tal

cat > ta/ta.conf <<CONF
# labhub-roa: the lab's trust anchor
cert = ta.cer
key = ta.key
uri = rsync://$host/ta/ta.cer
repo = ../repo/$host/repo/ta
CONF
cat > ca/ca.conf <<CONF
# labhub-roa: your CA (resource certificate ca.cer, its key ca.key)
cert = ca.cer
key = ca.key
# where your parent (the lab TA) publishes ca.cer
uri = rsync://$host/repo/ta/ca.cer
# your publication point on disk (rsync://$host/repo/ca/)
repo = ../repo/$host/repo/ca
CONF
chmod 600 ta/ta.key ca/ca.key

# Manifests and CRLs of both publication points (the TA's lasts a year).
"$roa" --ca ta/ta.conf --mft-days 365 publish >/dev/null &
"$roa" --ca ca/ca.conf publish >/dev/null
wait $! || exit 1
wait || exit 1
