#!/bin/sh
# step: incident
# expect: your manifest is stale
. "$HOME/.lab/values.sh"
sh "$LAB"/lib/incident.sh
