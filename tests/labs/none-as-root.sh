#!/bin/sh
# `lab test` on the host (LABHUB_LAB_ISOLATION=none) run as root gives each
# scenario's workspace to "nobody"; setup's c:run and the solution scripts
# then run as nobody and must reach the workspace by its absolute path
# ($HOME), through the scenario's temporary directory, and reopen their
# standard input (/dev/stdin) as the tools labs call do.  Starts no cells or
# servers, so it runs at every test level; needs root and a "nobody" user.
: "${LABHUB:?}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# the lab folder must be readable by nobody (the solution runs as nobody);
# the scenario directories land in a TMPDIR that others may search, like /tmp
chmod 755 "$tmp"
mkdir -p "$tmp/tmp" "$tmp/home-path/steps" "$tmp/home-path/solution" "$tmp/home-path/broken"
chmod 1777 "$tmp/tmp"
lab="$tmp/home-path"
cat >"$lab/lab.lua" <<'EOL'
lab {
  id = "home-path", title = "Paths through $HOME", version = 1, summary = "Fixture.",
  audience = { "industry" }, minutes = 1, objectives = { "none" }, needs = { "sh" },
}
setup(function(c)
  local r = c:run { "sh", "-c", 'mkdir -p "$HOME/made" && echo ready > "$HOME/made/setup.txt"' }
  if r.code ~= 0 then error("setup as the learner: " .. r.err) end
  -- tools that open /dev/stdin (openssl -in /dev/stdin, ...) as the learner
  r = c:run { "sh", "-c", 'cat /dev/stdin > "$HOME/made/stdin.txt"', stdin = "piped\n" }
  if r.code ~= 0 then error("reading /dev/stdin as the learner: " .. r.err) end
end)
step {
  id = "write", title = "Write by absolute path", text = "steps/01-write.md", points = 1,
  check = function(c)
    c:expect(c:try_read("made/setup.txt") == "ready\n", "setup did not leave made/setup.txt")
    c:expect(c:try_read("made/stdin.txt") == "piped\n", "setup did not copy its stdin to made/stdin.txt")
    c:expect(c:try_read("made/done.txt") == "done\n", "made/done.txt should say done")
  end,
}
EOL
echo 'Write ~/made/done.txt.' >"$lab/steps/01-write.md"
printf '#!/bin/sh\necho done > "$HOME/made/done.txt"\n' >"$lab/solution/write.sh"
printf '#!/bin/sh\n# step: write\n# expect: should say done\necho nope > "$HOME/made/done.txt"\n' \
	>"$lab/broken/wrong.sh"
TMPDIR="$tmp/tmp" LABHUB_LAB_ISOLATION=none "$LABHUB" lab test --jobs 1 "$lab" >"$tmp/out" 2>&1; rc=$?
cat "$tmp/out"
grep -q 'isolation: none' "$tmp/out" || fail "did not run on the host"
[ $rc -eq 0 ] || fail "lab test as root on the host exited $rc (want 0)"
grep -q '^solution  *write  *pass  *pass  *ok' "$tmp/out" || fail "solution row"
grep -q '^broken/wrong.sh  *write  *fail  *fail  *ok' "$tmp/out" || fail "broken row"
echo "lab test as root, isolation none: ok"
