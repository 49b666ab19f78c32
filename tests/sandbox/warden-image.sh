#!/bin/sh
# tests/sandbox/warden-image.sh: a cell's PID 1 is small, never a copy-on-write
# clone of the server: it maps neither the server's libraries nor its heap, and
# costs little memory.  For `labhub cell run` PID 1 is the clone of the small
# labhub (server/front.c), which saves the exec; the server's cells exec
# labhub-warden (sandbox/warden_exe.c; tests/check_sandbox_pool.c and
# tests/integration/spares.test.mjs check that).
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && exit 77
L=${LABHUB:?LABHUB not set}
tmp=$(mktemp -d) || exit 1
trap 'kill $cell 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; exit 1; }

[ -x "$(dirname "$L")/labhub-warden" ] || fail "labhub-warden not built next to $L"
$L cell run -- /bin/sh -c 'echo up; exec sleep 30' >"$tmp/out" 2>"$tmp/err" &
cell=$!
i=0
until grep -q up "$tmp/out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "cell did not start: $(cat "$tmp/err")"
	sleep 0.1
done
w=$(cat /proc/$cell/task/$cell/children 2>/dev/null | cut -d' ' -f1)
[ -n "$w" ] || fail "no warden under $cell"
[ "$(cat /proc/$w/comm)" = labhub-warden ] || fail "warden comm $(cat /proc/$w/comm)"
exe=$(readlink /proc/$w/exe)
[ "$exe" = "$(readlink -f "$L")" ] && ok "PID 1 is the clone of the small labhub ($exe)" ||
	fail "warden runs $exe, not $L"
grep -Eq 'libwebsockets|libsqlite|liblua' /proc/$w/maps && fail "warden maps server libraries"
ok "the warden maps none of the server's libraries"
pd=$(awk '/^Private_Dirty:/ { print $2 }' /proc/$w/smaps_rollup)
[ "$pd" -lt 400 ] && ok "warden private dirty memory ${pd} kB (< 400)" || fail "warden private dirty ${pd} kB"
ls -l /proc/$w/fd | grep -q 'cgroup\|workspace' && fail "warden holds set-up fds"
ok "warden holds no set-up fds"
