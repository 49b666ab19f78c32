#!/bin/sh
# step: validate
# expect: was the file changed after it was signed
# The solution's ROA, then someone "fixes" a byte of the signed content
# (here a byte of the prefix) and re-publishes the manifest.
. "$HOME/.lab/values.sh"
"$ROA" add "$PREFIX => $ASN"
f=$(ls "$HOME"/rpki/repo/rpki.lab.test/repo/ca/AS*.roa)
perl -0777 -pi -e 's/\x03\x04\x02\x0a/\x03\x04\x02\x0b/' "$f"
"$ROA" publish
