#!/bin/sh
# The stale manifest hides the expired EE certificates: re-publish, look
# again, re-issue the ROA (a fresh EE certificate; manifest and CRL follow).
set -e
. "$HOME/.lab/values.sh"
sh "$LAB"/lib/incident.sh
sh "$LAB"/lib/validate.sh || true
"$ROA" publish
sh "$LAB"/lib/validate.sh || true
"$ROA" add "$PREFIX => $ASN"
