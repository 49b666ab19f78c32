#!/bin/sh
# step: keys
# expect: The owner name of a DNSKEY must be the zone's apex
# Keys for a name that is not the zone (forgot the zone's real name).
cd "$HOME/dns"
ldns-keygen -a ECDSAP256SHA256 -k example.test
ldns-keygen -a ECDSAP256SHA256 example.test
