#!/bin/sh
# step: incident
# expect: EE certificate has expired
# Re-publishing fixes the manifest, but the ROA's EE certificate is still expired.
. "$HOME/.lab/values.sh"
sh "$LAB"/lib/incident.sh
"$ROA" publish
