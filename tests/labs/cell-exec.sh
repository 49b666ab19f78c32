#!/bin/sh
# "Lab scripts (Lua)" and "What the lab checks read" (SANDBOX-TESTS.md), run
# the way the server runs checks: `lab exec` inside a real cell.  A check that
# loops, sleeps forever or allocates without bound is stopped and reported as
# a lab error, even when stuck inside one C call; io/os/debug/package/bytecode are unavailable; a symlink to a
# host file, a FIFO and a 1 GiB sparse file are refused with clear feedback
# and the check does not hang.
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && { echo "SKIP: starts cells"; exit 77; }
: "${LABHUB:?}"
"$LABHUB" cell run --help >/dev/null 2>&1 || { echo "SKIP: no labhub cell"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
lab=$tmp/lab ws=$tmp/ws
mkdir -p "$lab/steps" "$ws"
echo "# x" >"$lab/steps/x.md"
cat >"$lab/lab.lua" <<'LUA'
lab { id = "attacks", title = "Attacks on the runtime", version = 1 }
local function s(id, fn) step { id = id, title = id, text = "steps/x.md", check = fn } end
s("loop", function(c) while true do end end)
s("pcall-loop", function(c) while true do pcall(function() while true do end end) end end)
s("alloc", function(c) local t = {} for i = 1, 1e9 do t[i] = string.rep("a", 4096) .. i end end)
s("sleep", function(c) local r = c:run { "sleep", "100000", timeout = 60 } c:expect(false, "slept: %s", tostring(r.timed_out)) end)
s("libs", function(c)
  c:expect(io == nil and os == nil and debug == nil and package == nil and dofile == nil and loadfile == nil,
    "a dangerous library is reachable")
  local f, err = load("\27Lua\84\0\25\147\13\10\26\10")
  c:expect(f == nil and err:find("binary chunk"), "bytecode loaded")
  c:fail("libs ok")
end)
s("read", function(c) c:read("target") end)
s("cpattern", function(c) return string.rep("a", 3000):find(".-.-.-.-.-b") end)
LUA
exec_in_cell() { # STEP -> stdout JSON, $rc
	out=$("$LABHUB" cell run --workspace "$ws" --lab "$lab" -- /run/labhub/labhub lab exec \
		--lab /lab --workspace /home/learner check "$1" 2>"$tmp/err"); rc=$?
}
for case in "loop:check: \(instruction budget\|wall-clock\)" "pcall-loop:check: " "alloc:ran out of memory"; do
	step=${case%%:*} want=${case#*:}
	start=$(date +%s)
	exec_in_cell "$step"
	[ $rc -eq 3 ] || fail "$step: exit $rc (want 3, lab error): $out $(cat "$tmp/err")"
	echo "$out" | grep -q '"lab_error":{"ref":"LAB-' || fail "$step: no lab_error: $out"
	echo "$out" | grep -q "$want" || fail "$step: detail lacks '$want': $out"
	[ $(( $(date +%s) - start )) -lt 30 ] || fail "$step: took too long"
done
# Stuck inside one C call (a pattern match), where the count hook never runs:
# SIGALRM still ends it with a lab error a few seconds after the 10 s limit.
start=$(date +%s)
exec_in_cell cpattern
[ $rc -eq 3 ] && echo "$out" | grep -q 'wall-clock limit' || fail "cpattern: $rc $out"
[ $(( $(date +%s) - start )) -lt 25 ] || fail "cpattern: took too long"
start=$(date +%s)
exec_in_cell sleep
[ $rc -eq 0 ] && echo "$out" | grep -q '"passed":false,"feedback":"slept: true"' || fail "sleep: $rc $out"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "sleep: took too long"
exec_in_cell libs
echo "$out" | grep -q '"feedback":"libs ok"' || fail "libs: $out"

ln -s /etc/passwd "$ws/target"
exec_in_cell read
echo "$out" | grep -q 'symbolic link to /etc/passwd, outside your home directory' || fail "symlink: $out"
rm "$ws/target"; mkfifo "$ws/target"
exec_in_cell read
echo "$out" | grep -q 'named pipe (FIFO)' || fail "fifo: $out"
rm "$ws/target"; truncate -s 1G "$ws/target"
exec_in_cell read
echo "$out" | grep -q 'too large to check (1073741824 bytes' || fail "sparse: $out"
echo "lab exec in a cell: ok"
