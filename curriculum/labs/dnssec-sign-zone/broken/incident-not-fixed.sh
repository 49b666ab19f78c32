#!/bin/sh
# step: incident
# expect: Still broken. The resolver answers SERVFAIL
# The incident starts and nobody repairs it.
. "$HOME/.dnslab/lab.env"
"$LAB_DIR/bin/incident"
