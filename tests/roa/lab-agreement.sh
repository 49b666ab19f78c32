#!/bin/sh
# tests/roa/lab-agreement.sh: the RPKI lab (curriculum/labs/rpki-roa) and the
# real rpki-client agree on every good and broken ROA.  For the reference
# solution and each broken attempt of the ROA steps, the workspace is built
# as `labhub lab test` would (setup, earlier solution steps, the attempt);
# then rpki-client validates the repository on its own and the lab's
# verdicts must match its VRPs:
#   step roa / validate / incident pass  <=>  VRPs for the learner's prefix
#       are exactly { prefix, maxLength 22, learner AS }
#   step scrubbing pass  <=>  exactly { learner AS, scrubber AS }, both /22.
# Runs outside cells (no router step), as the current user.
set -u
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && { echo "SKIP: lab-level test"; exit 77; }
command -v rpki-client >/dev/null 2>&1 || [ -x /usr/sbin/rpki-client ] || {
	echo "SKIP: rpki-client not installed"; exit 77; }
PATH=$PATH:/usr/sbin
: "${LABHUB:?}" "${LABHUB_SRCDIR:?}" "${LABHUB_BUILDDIR:=$(dirname "$LABHUB")}"
src=$LABHUB_SRCDIR/curriculum/labs/rpki-roa
[ -d "$src" ] || { echo "SKIP: no rpki-roa lab"; exit 77; }
"$LABHUB" lab 2>&1 | grep -q exec || { echo "SKIP: this labhub has no 'lab exec'"; exit 77; }
PATH=$LABHUB_BUILDDIR:$PATH
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0; export ASAN_OPTIONS
SEED=agreement-seed

tmp=$(mktemp -d /tmp/labhub-roa-agree.XXXXXX) || exit 1
cleanup() {
	for p in "$tmp"/*/state/*.pid; do [ -f "$p" ] && kill "$(cut -d" " -f1 "$p")" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
# The lab as `lab test` will see it (lab.lua may still be a draft).
mkdir "$tmp/lab" && cp -R "$src" "$tmp/lab/rpki-roa"
lab=$tmp/lab/rpki-roa
[ -f "$lab/lab.lua" ] || mv "$lab/lab.lua.draft" "$lab/lab.lua"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

lx() { # lx WS ACTION...: one lab action, its verdict as "pass", "fail: ..." or "error: ..."
	ws=$1; shift
	LABHUB_STATE_DIR=$ws/../state "$LABHUB" lab exec --lab "$lab" --workspace "$ws" --seed "$SEED" "$@" \
		</dev/null 2>>"$tmp/exec.log" | sed -n \
		-e 's/.*"passed":true.*/pass/p' \
		-e 's/.*"passed":false.*"feedback":"\([^"]*\)".*/fail: \1/p' \
		-e 's/.*"lab_error".*"detail":"\([^"]*\)".*/error: \1/p'
}

# One setup, then a fresh copy of its workspace per scenario.
mkdir -p "$tmp/base/ws" "$tmp/base/state"
LABHUB_STATE_DIR=$tmp/base/state "$LABHUB" lab exec --lab "$lab" --workspace "$tmp/base/ws" \
	--seed "$SEED" setup >"$tmp/setup.json" 2>>"$tmp/exec.log" || { cat "$tmp/setup.json"; exit 1; }
for p in "$tmp"/base/state/*.pid; do [ -f "$p" ] && kill "$(cut -d" " -f1 "$p")" 2>/dev/null; done
. "$tmp/base/ws/.lab/values.sh"

# rpki-client on its own: all VRPs, sorted, and any object of the learner's it rejected.
vrps() {
	v=$tmp/v
	rm -rf "$v" && mkdir -p "$v/cache/ta/lab" "$v/out"
	cp -R "$1/rpki/repo/." "$v/cache/"
	cp "$1/rpki/repo/rpki.lab.test/ta/ta.cer" "$v/cache/ta/lab/ta.cer"
	[ "$(id -u)" -eq 0 ] && chown -R _rpki-client "$v" 2>/dev/null
	(cd "$v" && timeout 60 rpki-client -v -n -c -t "$1/rpki/lab.tal" -d cache out) >"$v/log" 2>&1
	[ -f "$v/out/csv" ] || { echo "no-output"; return; }
	# an object of the learner's publication point rejected: not a clean repository
	grep -q "rpki.lab.test/repo/ca/[^ ]*: " "$v/log" && printf "rejected:%s " "$(grep -o 'repo/ca/[^ ]*: .*' "$v/log" | head -1 | tr ' ' _)"
	# every VRP (the trust anchor itself has no ROAs): "ASN,PREFIX,MAX"
	tail -n +2 "$v/out/csv" | awk -F, '{ sub(/^AS/, "", $1); print $1 "," $2 "," $3 }' | sort | tr '\n' ' '
}

scenario() { # scenario NAME STEP SCRIPT: run solutions before STEP, then SCRIPT; echo the ws
	d=$tmp/$1
	rm -rf "$d" && mkdir -p "$d/state" && cp -R "$tmp/base/ws" "$d/ws"
	for s in read-cert roa validate rov why-invalid incident scrubbing; do
		[ "$s" = "$2" ] && break
		case $s in rov) continue ;; esac	# the router is not part of this test
		[ -f "$lab/solution/$s.sh" ] &&
			(cd "$d/ws" && HOME=$d/ws LABHUB_LAB=$lab sh "$lab/solution/$s.sh" >/dev/null 2>&1)
	done
	(cd "$d/ws" && HOME=$d/ws LABHUB_LAB=$lab sh "$3" >>"$tmp/scripts.log" 2>&1)
	echo "$d/ws"
}

own="$ASN,$PREFIX,22 "
both=$(printf '%s\n%s\n' "$ASN,$PREFIX,22" "$SCRUBBER,$PREFIX,22" | sort | tr '\n' ' ')
n=0
for spec in \
	"solution-roa roa $lab/solution/roa.sh" \
	"solution-incident incident $lab/solution/incident.sh" \
	"solution-scrubbing scrubbing $lab/solution/scrubbing.sh" \
	$(cd "$lab/broken" && for b in *.sh; do
		st=$(sed -n 's/^# step: //p' "$b")
		case $st in roa|validate|incident|scrubbing) echo "$b:$st" ;; esac
	done); do
	case $spec in
	*:*) name=${spec%%:*} step=${spec##*:} script=$lab/broken/$name ;;
	*) continue ;;
	esac
	ws=$(scenario "$name" "$step" "$script")
	v=$(vrps "$ws")
	want=$own; [ "$step" = scrubbing ] && want=$both
	lab_says=$(lx "$ws" check "$step")
	case $lab_says in pass) l=pass ;; fail*) l=fail ;; *) fail "$name: lab error: $lab_says"; continue ;; esac
	[ "$v" = "$want" ] && r=pass || r=fail
	n=$((n + 1))
	[ "$l" = "$r" ] || fail "$name ($step): lab says $l, rpki-client's VRPs [$v] say $r (want [$want]): $lab_says"
	# a ROA step verdict is also checked against what the relying party makes of it
	if [ "$step" = roa ] && [ "$l" = fail ]; then
		vv=$(lx "$ws" check validate)
		[ "$vv" = pass ] && fail "$name: step roa fails but step validate passes"
	fi
done
for spec in "solution-roa roa" "solution-incident incident" "solution-scrubbing scrubbing"; do
	set -- $spec
	ws=$(scenario "$1" "$2" "$lab/solution/$2.sh")
	v=$(vrps "$ws")
	want=$own; [ "$2" = scrubbing ] && want=$both
	[ "$v" = "$want" ] || fail "$1: rpki-client's VRPs [$v], want [$want]"
	[ "$(lx "$ws" check "$2")" = pass ] || fail "$1: the lab rejects the reference solution"
	n=$((n + 1))
done
echo "$n scenarios judged by the lab and by rpki-client"
[ $fails -eq 0 ] && { echo PASS; exit 0; }
echo "--- exec.log"; tail -20 "$tmp/exec.log"
exit 1
