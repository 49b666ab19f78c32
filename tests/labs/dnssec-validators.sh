#!/bin/sh
# dnssec-validators: the dnssec-sign-zone lab grades signed zones with
# ldns-verify-zone and dnssec-verify.  This test makes every signed zone the
# lab's solution and broken attempts make for the "sign" step (the very
# scripts, in a scratch home, no servers needed) and asserts that three
# independent validators -- ldns-verify-zone, BIND's dnssec-verify and Knot's
# kzonecheck -- agree with each other and with the verdict `labhub lab test`
# asserts for the lab (the solution passes, each broken attempt fails).
# Policy cases the validators cannot see are listed with the reason.
set -u
: "${LABHUB_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
LAB=$LABHUB_SRCDIR/curriculum/labs/dnssec-sign-zone
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
for t in ldns-verify-zone dnssec-verify kzonecheck ldns-keygen ldns-signzone dnssec-keygen openssl; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
ZONE=valtest.test
status=0 n=0

# Fresh lab world (files only) with keys from the solution of step "keys".
fresh() {
	rm -rf "$tmp/home"; mkdir -p "$tmp/home"
	env HOME="$tmp/home" LAB_WS="$tmp/home" LAB_DIR="$LAB" ZONE=$ZONE WWW4=10.1.2.10 MAIL4=10.1.2.25 \
		OWNER_TXT=owner=test INCIDENT=stale-ds "$LAB/bin/lab-setup" >/dev/null || return 1
	env HOME="$tmp/home" sh "$LAB/solution/keys.sh" >/dev/null 2>&1
}

verdicts() { # file -> "ldns bind knot" as ok/bad
	f=$1 l=bad b=bad k=bad
	ldns-verify-zone "$f" >/dev/null 2>&1 && l=ok
	dnssec-verify -q -o $ZONE "$f" >/dev/null 2>&1 && b=ok
	kzonecheck -o $ZONE -d on "$f" >/dev/null 2>&1 && k=ok
	echo "$l $b $k"
}

# name, script, expected validator verdicts, why (for policy cases)
check_case() {
	name=$1 script=$2 want=$3 why=${4:-}
	n=$((n + 1))
	if ! fresh; then echo "FAIL $name: lab-setup failed"; status=1; return; fi
	env HOME="$tmp/home" LABHUB_LAB="$LAB" sh "$script" >/dev/null 2>&1
	f=$tmp/home/dns/$ZONE.zone.signed
	if [ ! -f "$f" ]; then echo "FAIL $name: $script made no signed zone"; status=1; return; fi
	got=$(verdicts "$f")
	if [ "$got" = "$want" ]; then
		printf 'ok   %-24s ldns/bind/knot: %s%s\n' "$name" "$got" "${why:+  ($why)}"
	else
		printf 'FAIL %-24s ldns/bind/knot: got %s, want %s\n' "$name" "$got" "$want"
		status=1
	fi
}

check_case solution "$LAB/solution/sign.sh" "ok ok ok"
for b in "$LAB"/broken/sign-*.sh; do
	name=$(basename "$b" .sh)
	case $name in
	sign-short-validity)
		check_case "$name" "$b" "ok ok ok" "valid today; the lab's 14-day policy: ldns-verify-zone -e P14D rejects it"
		# the lab grades this case with ldns-verify-zone -e P14D
		if ldns-verify-zone -e P14D "$tmp/home/dns/$ZONE.zone.signed" >/dev/null 2>&1; then
			echo "FAIL $name: ldns-verify-zone -e P14D accepts a zone that expires in 3 days"; status=1
		fi ;;
	sign-wrong-owner)
		# a valid zone, but for example.test: the validators told the origin agree it is not ours
		check_case "$name" "$b" "ok bad bad" "signed correctly for example.test.; dnssec-verify and kzonecheck are given -o $ZONE" ;;
	*)
		check_case "$name" "$b" "bad bad bad" ;;
	esac
done
# NSEC3: the solution of the optional step signs with BIND (NSEC3, 0 iterations);
# one NSEC3 record removed must be caught by all three.
n=$((n + 1))
if fresh; then
	( cd "$tmp/home/dns" && env HOME="$tmp/home" sh "$LAB/solution/sign.sh" >/dev/null 2>&1 )
	for k in "$tmp/home/dns"/K$ZONE.+013+*.key; do
		if grep -q 'DNSKEY[[:space:]]*257' "$k"; then ksk=${k%.key}; else zsk=${k%.key}; fi
	done
	( cd "$tmp/home/dns" && cat $ZONE.zone "$ksk.key" "$zsk.key" > with-keys &&
	  dnssec-signzone -q -3 - -H 0 -e now+2592000 -o $ZONE -f n3.signed with-keys "$ksk" "$zsk" >/dev/null 2>&1 )
	f=$tmp/home/dns/n3.signed
	got=$(verdicts "$f")
	[ "$got" = "ok ok ok" ] && echo "ok   nsec3                    ldns/bind/knot: $got" || { echo "FAIL nsec3: $got"; status=1; }
	# dnssec-signzone writes multi-line records; normalise first so one whole NSEC3 goes
	ldns-read-zone "$f" 2>/dev/null | awk 'BEGIN { d = 0 } $4 == "NSEC3" && !d { d = 1; next } { print }' > "$f.cut"
	n=$((n + 1))
	got=$(verdicts "$f.cut")
	[ "$got" = "bad bad bad" ] && echo "ok   nsec3-missing-link       ldns/bind/knot: $got" || { echo "FAIL nsec3-missing-link: $got"; status=1; }
else
	echo "FAIL nsec3: lab-setup failed"; status=1
fi
echo "dnssec-validators: $n cases"
exit $status
