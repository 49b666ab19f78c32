#!/bin/sh
# incident.sh: simulate an operations incident on your CA.  Your signing
# host was down for a while: the ROAs were last signed with EE certificates
# that have since expired, and the last manifest was made nine days ago with
# a nextUpdate two days after that.  Nothing here is hidden: it is what
# labhub-roa does with a clock that is behind (--backdate).
set -eu
roa=$(command -v labhub-roa || echo /run/labhub/labhub-roa)
conf=$HOME/rpki/ca/ca.conf
# Re-sign every ROA as of 30 days ago, valid for 20 days: expired 10 days ago.
"$roa" --ca "$conf" list | while read -r auth arrow asn file rest; do
	case $arrow in "=>") ;; *) continue ;; esac
	"$roa" --ca "$conf" --backdate 30 --ee-days 20 add "$auth => $asn" >/dev/null 2>&1
done
# The last manifest: made 9 days ago, nextUpdate 7 days ago (the CRL and
# the manifest's EE certificate would still be valid).
"$roa" --ca "$conf" --backdate 9 --mft-days 2 --crl-days 60 --mft-ee-days 60 publish >/dev/null
date -u +%Y-%m-%dT%H:%M:%SZ >"$HOME/rpki/.incident"
echo "Incident simulated. Your relying parties are complaining: run sh /lab/lib/validate.sh"
