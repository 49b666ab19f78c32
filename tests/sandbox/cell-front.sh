#!/bin/sh
# tests/sandbox/cell-front.sh: the `labhub` users run is a small front
# (server/front.c).  `labhub cell` runs in it without the server's libraries
# and still binds the full program in the cell; every other command is
# labhub-full exec'd with the same arguments (same output, same exit
# status); a missing labhub-full is named, not a crash or a silent 0.
L=${LABHUB:?LABHUB not set}
F=${LABHUB_FULL:?LABHUB_FULL not set}
tmp=$(mktemp -d) || exit 1
cell=
trap '[ -n "$cell" ] && kill $cell 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; for f in "$tmp"/*e; do [ -f "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"; done; exit 1; }
LABHUB_CONFIG=/dev/null
export LABHUB_CONFIG

same() {
	"$L" "$@" >"$tmp/lo" 2>"$tmp/le" </dev/null; lr=$?
	"$F" "$@" >"$tmp/fo" 2>"$tmp/fe" </dev/null; fr=$?
	[ $lr -eq $fr ] && cmp -s "$tmp/lo" "$tmp/fo" && cmp -s "$tmp/le" "$tmp/fe" ||
		fail "labhub $*: status $lr, labhub-full $fr (or different output)"
	ok "labhub '$*': what labhub-full says (status $lr)"
}
same
same ''
same --help
same help
same --version
same version extra
same nosuch
same serve --nosuch
same user nosuch
same cohort --help
same db nosuch
same lab --help
same lab exec --help
same cell
same cell --help
same cell nosuch
same cell run --as root -- /bin/true

# a labhub without its labhub-full
cp "$L" "$tmp/labhub"
"$tmp/labhub" version >"$tmp/o" 2>"$tmp/e"; r=$?
if [ $r -eq 0 ] && [ "$(cat "$tmp/o")" = "$("$F" version)" ]; then
	ok "# skip: a labhub-full is installed, it answered for a lone labhub"
else
	[ $r -eq 1 ] && [ ! -s "$tmp/o" ] && grep -q "labhub-full .* is neither in $tmp nor in " "$tmp/e" ||
		fail "lone labhub: status $r"
	ok "labhub without labhub-full: status 1, says where it looked"
fi

[ "${LABHUB_TEST_LEVEL:-}" = unit ] && exit 0	# the rest starts cells
if [ $r -ne 0 ]; then
	"$tmp/labhub" cell run -- /bin/true 2>"$tmp/e"; r=$?
	[ $r -eq 125 ] && grep -q "labhub cell run: labhub-full .* is neither in $tmp" "$tmp/e" ||
		fail "lone labhub cell run: status $r"
	ok "labhub cell run without labhub-full: 125, named"
fi
"$L" cell run -- /bin/sh -c 'echo up; exec sleep 3' >"$tmp/out" 2>"$tmp/err" &
cell=$!
i=0
until grep -q up "$tmp/out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "cell did not start"
	sleep 0.1
done
libs=$(grep -Eo 'lib(websockets|ssl|crypto|sqlite3|lua[0-9.]*|uv|sodium|cmark|seccomp)\.so' /proc/$cell/maps | sort -u | tr '\n' ' ')
[ -z "$libs" ] || fail "labhub cell run maps server libraries: $libs"
ok "labhub cell run maps none of the server's libraries"
wait $cell; cell=
"$L" cell run -- /bin/cat /run/labhub/labhub | cmp -s - "$F" || fail "/run/labhub/labhub is not labhub-full"
ok "the cell binds labhub-full at /run/labhub/labhub"
[ "$("$L" cell run -- /run/labhub/labhub version)" = "$("$F" version)" ] || fail "/run/labhub/labhub version"
ok "/run/labhub/labhub runs in the cell"
