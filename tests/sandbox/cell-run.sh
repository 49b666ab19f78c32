#!/bin/sh
# tests/sandbox/cell-run.sh: `labhub cell run` the way lab authors and
# scripts use it: exit status like bwrap/unshare, stdin/stdout passed
# through, workspace and lab binds, --as, --tty, limits, clear errors.
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && exit 77
L=${LABHUB:?LABHUB not set}
B=${LABHUB_BUILDDIR:?}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; [ -f "$tmp/err" ] && sed 's/^/# /' "$tmp/err"; exit 1; }

$L cell run -- /bin/true && ok "true exits 0" || fail "true"
$L cell run -- /bin/sh -c 'exit 42'; [ $? -eq 42 ] && ok "exit status passed through" || fail "exit 42"
$L cell run -- /bin/sh -c 'kill -TERM $$'; [ $? -eq 143 ] && ok "killed by SIGTERM is 143" || fail "signal status"
[ "$($L cell run -- echo hi)" = hi ] && ok "command found in the cell's PATH" || fail "PATH lookup"
[ "$(echo data | $L cell run -- /bin/cat)" = data ] && ok "stdin and stdout are ours" || fail "stdio"
$L cell run --help | grep -q 'usage: labhub cell run' && ok "--help" || fail "--help"
$L cell run 2>"$tmp/err"; [ $? -eq 2 ] && grep -q 'no command given' "$tmp/err" && ok "no command: usage error" || fail "no command"
$L cell run --limits bogus=1 -- /bin/true 2>"$tmp/err"; [ $? -eq 2 ] && grep -q "unknown key 'bogus'" "$tmp/err" && ok "bad limit named" || fail "bad limit"
$L cell run --as root -- /bin/true 2>"$tmp/err"; [ $? -eq 2 ] && ok "--as root refused" || fail "--as root"
$L cell run --workspace /nonexistent/ws -- /bin/true 2>"$tmp/err"; [ $? -eq 125 ] && grep -q "workspace /nonexistent/ws" "$tmp/err" && ok "missing workspace: 125 and named" || fail "missing workspace"
$L cell run -- nosuchcommand 2>"$tmp/err"; [ $? -eq 127 ] && ok "unknown command: 127" || fail "127"
mkdir "$tmp/ws"
$L cell run --workspace "$tmp/ws" -- /bin/sh -c 'echo kept > /home/learner/f' && [ "$(cat "$tmp/ws/f")" = kept ] && ok "workspace written through to disk" || fail "workspace"
$L cell run --lab "$B/tests/sandbox" -- /bin/sh -c 'test -x /lab/attack && ! touch /lab/x 2>/dev/null' && ok "lab folder read-only at /lab" || fail "lab ro"
if [ "$(id -u)" -eq 0 ]; then
	[ "$($L cell run --as lab -- /usr/bin/id -un)" = lab ] && ok "--as lab runs as the lab user" || fail "--as lab"
fi
$L cell run --limits lifetime=1s -- /bin/sleep 10 2>"$tmp/err"; [ $? -eq 124 ] && grep -q lifetime "$tmp/err" && ok "lifetime ends the cell (124)" || fail "lifetime"
if command -v script >/dev/null; then
	script -qec "$L cell run --tty -- /usr/bin/tty" /dev/null </dev/null >"$tmp/tty" 2>&1
	grep -q '/dev/pts/0' "$tmp/tty" && ok "--tty gives a terminal of the cell's own devpts" || { cat "$tmp/tty"; fail "--tty"; }
fi
echo "$n passed, 0 failed"
