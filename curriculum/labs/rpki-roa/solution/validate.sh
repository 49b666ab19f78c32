#!/bin/sh
# Nothing to change: look at what rpki-client says.
. "$HOME/.lab/values.sh"
sh "$LAB"/lib/validate.sh
