#!/bin/sh
# `lab test` on the host (LABHUB_LAB_ISOLATION=none), as whoever runs the
# tests: the tools that ship with labhub (labhub-roa) are found next to the
# labhub executable even when they are not in PATH (a build tree), as a cell
# has them under /run/labhub; and scenarios run one at a time on the host
# (they share its network, so two lab services would want one port), which
# the output says when --jobs asks for more.  Starts no cells or servers.
: "${LABHUB:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$(dirname "$LABHUB")/labhub-roa" ] || { echo "SKIP: no labhub-roa next to $LABHUB"; exit 77; }
# as root the scenarios run as nobody, who must read the lab and reach TMPDIR
chmod 755 "$tmp"
mkdir -p "$tmp/tmp" "$tmp/tools/steps" "$tmp/tools/solution" "$tmp/tools/broken"
chmod 1777 "$tmp/tmp"
lab="$tmp/tools"
cat >"$lab/lab.lua" <<'EOL'
lab {
  id = "tools", title = "Tools next to labhub", version = 1, summary = "Fixture.",
  audience = { "industry" }, minutes = 1, objectives = { "none" }, needs = { "sh" },
}
setup(function(c)
  local r = c:run { "labhub-roa", "--help" }
  if r.code ~= 0 then error("labhub-roa is not found: " .. r.code .. " " .. r.err) end
end)
step {
  id = "write", title = "Write", text = "steps/01-write.md", points = 1,
  check = function(c)
    c:expect(c:try_read("done.txt") == "done\n", "done.txt should say done")
  end,
}
EOL
echo 'Write ~/done.txt.' >"$lab/steps/01-write.md"
printf '#!/bin/sh\necho done > "$HOME/done.txt"\n' >"$lab/solution/write.sh"
printf '#!/bin/sh\n# step: write\n# expect: should say done\necho nope > "$HOME/done.txt"\n' \
	>"$lab/broken/wrong.sh"
# PATH without the build tree: only the executable's own directory can provide labhub-roa
PATH=/usr/bin:/bin TMPDIR="$tmp/tmp" LABHUB_LAB_ISOLATION=none "$LABHUB" lab test --jobs 3 "$lab" >"$tmp/out" 2>&1; rc=$?
cat "$tmp/out"
grep -q 'isolation: none (LABHUB_LAB_ISOLATION=none)' "$tmp/out" || fail "did not say it runs on the host because it was told to"
grep -q 'one scenario at a time on the host (--jobs 3' "$tmp/out" || fail "did not say that --jobs applies to cells only"
[ $rc -eq 0 ] || fail "lab test on the host exited $rc (want 0)"
grep -q '^solution  *write  *pass  *pass  *ok' "$tmp/out" || fail "solution row"
grep -q '^broken/wrong.sh  *write  *fail  *fail  *ok' "$tmp/out" || fail "broken row"
echo "lab test on the host finds labhub-roa next to labhub: ok"
