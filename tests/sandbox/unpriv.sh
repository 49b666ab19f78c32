#!/bin/sh
# tests/sandbox/unpriv.sh: cells started by an ordinary user (unprivileged
# user namespaces, no newuidmap): one uid, no cgroup limits unless the tree
# is delegated, and everything else still holds.  Runs the test build's
# labhub as 'nobody' when we are root; skips otherwise.
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && exit 77
L=${LABHUB:?}
B=${LABHUB_BUILDDIR:?}
[ "$(id -u)" -eq 0 ] || { echo "# not root: cannot switch to a throwaway user"; exit 77; }
command -v runuser >/dev/null || { echo "# runuser missing"; exit 77; }
as() { runuser -u nobody -- "$@"; }
as "$L" version >/dev/null 2>&1 || { echo "# nobody cannot run $L (directory permissions)"; exit 77; }
ws=$(mktemp -d) || exit 1
trap 'rm -rf "$ws"' EXIT
chown nobody "$ws"
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; exit 1; }

out=$(as "$L" cell run -v --workspace "$ws" --lab "$B/tests/sandbox" -- /lab/attack status 2>"$ws.err")
echo "$out" | grep -q 'CapEff:	0000000000000000' && echo "$out" | grep -q 'NoNewPrivs:	1' &&
	echo "$out" | grep -q 'Seccomp:	2' && ok "no caps, no_new_privs, seccomp" || fail "status: $out"
grep -q 'one uid only' "$ws.err" && ok "says that learner and lab share a uid" || fail "degraded text: $(cat "$ws.err")"
rm -f "$ws.err"
[ "$(as "$L" cell run -- /usr/bin/id -u)" = 1000 ] && ok "learner is uid 1000" || fail "uid"
as "$L" cell run --workspace "$ws" -- /bin/sh -c 'echo hi > /home/learner/f' && [ -f "$ws/f" ] &&
	[ "$(stat -c %U "$ws/f")" = nobody ] && ok "workspace files belong to the calling user" || fail "workspace"
[ "$(as "$L" cell run --lab "$B/tests/sandbox" -- /lab/attack unshare_user)" = EPERM ] && ok "unshare refused" || fail "unshare"
[ "$(as "$L" cell run --lab "$B/tests/sandbox" -- /lab/attack connect 1.1.1.1 80)" = ENETUNREACH ] && ok "no network" || fail "net"
out=$(as "$L" cell run --limits pids=16 --lab "$B/tests/sandbox" -- /lab/attack forkbomb)
case "$out" in EAGAIN*) ok "fork bomb capped by RLIMIT_NPROC without cgroups ($out)" ;; *) fail "forkbomb: $out" ;; esac
as "$L" cell run -- /bin/sh -c 'exit 9'; [ $? -eq 9 ] && ok "exit status" || fail "exit status"
# the whole escape, lifecycle and spare-warden suites, started by nobody
for suite in check_sandbox_escape check_sandbox_life check_sandbox_pool; do
	if [ -x "$B/tests/$suite" ]; then
		as env LABHUB="$L" LABHUB_FULL="${LABHUB_FULL:-$B/labhub-full}" LABHUB_BUILDDIR="$B" "$B/tests/$suite" >"$ws.log" 2>&1 &&
			ok "$suite as nobody: $(tail -n 1 "$ws.log")" || { cat "$ws.log"; rm -f "$ws.log"; fail "$suite as nobody"; }
		rm -f "$ws.log"
	fi
done
echo "$n passed, 0 failed"
