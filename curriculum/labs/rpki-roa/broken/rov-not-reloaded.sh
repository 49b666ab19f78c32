#!/bin/sh
# step: rov
# expect: reload rov4
# VRPs loaded, classification right, but the routes were never re-checked.
. "$HOME/.lab/values.sh"
sh "$LAB"/lib/validate.sh >/dev/null
cp "$HOME/rpki/out/bird" "$HOME/router/roas.conf"
birdc -s "$HOME/router/bird.ctl" configure
cat >"$HOME/rov.txt" <<EOT
$PREFIX AS$ASN Valid
$MORE AS$HIJACKER Invalid
$PREFIX AS$HIJACKER Invalid
192.0.2.0/24 AS64505 NotFound
EOT
