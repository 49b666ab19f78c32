#!/bin/sh
# The authoring commands as an author meets them: `lab new` scaffolds a lab
# that passes lint and test; a deliberately broken lab (tests/labs/broken-lab)
# is reported as failing by `lab test` with the two mismatches named; `lab
# grade` reports per-step verdicts for an existing workspace; `lab exec`
# prints one JSON object and a lab error for a lab with a syntax error.
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && { echo "SKIP: starts cells"; exit 77; }
: "${LABHUB:?}" "${LABHUB_SRCDIR:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# lab new -> lint + test pass
"$LABHUB" lab new demo-lab --dir "$tmp" >/dev/null || fail "lab new"
"$LABHUB" lab lint "$tmp/demo-lab" || fail "scaffold does not lint"
"$LABHUB" lab test "$tmp/demo-lab" >"$tmp/out" || { cat "$tmp/out"; fail "scaffold does not pass lab test"; }
"$LABHUB" lab new demo-lab --dir "$tmp" 2>/dev/null && fail "lab new overwrote an existing lab"
"$LABHUB" lab new Bad_Id --dir "$tmp" 2>/dev/null; [ $? -eq 2 ] || fail "lab new accepted a bad id"

# a broken lab must fail, naming both mismatches
broken="$LABHUB_SRCDIR/tests/labs/broken-lab"
"$LABHUB" lab test "$broken" >"$tmp/out"; rc=$?
cat "$tmp/out"
[ $rc -eq 1 ] || fail "lab test exited $rc on a broken lab (want 1)"
grep -q '^solution .* make .*MISMATCH.*made.txt should say made' "$tmp/out" || fail "unsolved step not reported"
grep -q '^broken/passes.sh .*anything .*MISMATCH' "$tmp/out" || fail "passing broken attempt not reported"

# grade an existing workspace
mkdir "$tmp/ws"
echo 'Hello, shell!' >"$tmp/ws/hello.txt"
hello="$LABHUB_SRCDIR/curriculum/labs/hello-shell"
"$LABHUB" lab grade "$hello" --workspace "$tmp/ws" --json >"$tmp/grade" || fail "lab grade exited non-zero"
grep -q '"step":"create","expect":"-","got":"pass"' "$tmp/grade" || { cat "$tmp/grade"; fail "grade: create should pass"; }
grep -q '"step":"secret","expect":"-","got":"fail"' "$tmp/grade" || { cat "$tmp/grade"; fail "grade: secret should fail"; }

# lab exec: a syntax error is a lab error (exit 3) with one JSON object
mkdir -p "$tmp/syntax/steps"
printf 'lab { id = "syntax", title = "x", version = 1 }\nstep { id = "a" title = "b" }\n' >"$tmp/syntax/lab.lua"
out=$("$LABHUB" lab exec --lab "$tmp/syntax" --workspace "$tmp/ws" check a 2>/dev/null); rc=$?
[ $rc -eq 3 ] || fail "syntax error: exit $rc (want 3)"
echo "$out" | grep -q '"lab_error":{"ref":"LAB-[0-9a-f]*","message":"This lab has a problem' || fail "syntax error: $out"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "lab exec printed more than one line"
# tracks: a track naming a lab that does not exist is an error
mkdir -p "$tmp/cur/tracks" "$tmp/cur/labs"
cp -r "$hello" "$tmp/cur/labs/"
printf 'track { id = "t", title = "T", audience = "youth", labs = {\n  { lab = "hello-shell", objective = "o" },\n  { lab = "no-such-lab", objective = "o" } } }\n' >"$tmp/cur/tracks/t.lua"
"$LABHUB" lab tracks "$tmp/cur" >/dev/null 2>"$tmp/err" && fail "lab tracks accepted a missing lab"
grep -q "lab 'no-such-lab' does not exist" "$tmp/err" || fail "tracks: $(cat "$tmp/err")"
"$LABHUB" lab tracks --json "$LABHUB_SRCDIR/curriculum" | grep -q '"tracks":\[{"id":' || fail "tracks --json"
echo "authoring commands: ok"
