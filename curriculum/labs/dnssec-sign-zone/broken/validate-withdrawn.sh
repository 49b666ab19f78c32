#!/bin/sh
# step: validate
# expect: without the ad flag
# The DS withdrawn from the registry: the zone is signed but insecure.
. "$HOME/.dnslab/lab.env"
"$LAB_DIR/bin/registry" withdraw
