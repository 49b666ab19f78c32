#!/bin/sh
set -e
. "$HOME/.lab/values.sh"
sh "$LAB"/lib/validate.sh >/dev/null
cp "$HOME/rpki/out/bird" "$HOME/router/roas.conf"
birdc -s "$HOME/router/bird.ctl" configure
birdc -s "$HOME/router/bird.ctl" reload rov4
cat >"$HOME/rov.txt" <<EOT
$PREFIX AS$ASN Valid
$MORE AS$HIJACKER Invalid
$PREFIX AS$HIJACKER Invalid
192.0.2.0/24 AS64505 NotFound
EOT
