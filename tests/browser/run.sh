#!/bin/sh
# Browser tests: playwright-core drives Debian's chromium (headless) against a real
# `labhub serve` on loopback. Exit 77 (skip) at LABHUB_TEST_LEVEL=unit or when the tools are
# missing; screenshots go to tests/artifacts/ (LABHUB_ARTIFACTS overrides).
set -u
if [ "${LABHUB_TEST_LEVEL:-}" = unit ]; then
	echo "browser tests: skipped at LABHUB_TEST_LEVEL=unit"
	exit 77
fi
srcdir=${LABHUB_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
skip() { echo "browser tests: skipped: $*"; exit 77; }
[ -x "${LABHUB_CHROMIUM:-/usr/bin/chromium}" ] || skip "no chromium (apt-get install chromium)"
command -v node >/dev/null 2>&1 || skip "no node (apt-get install nodejs)"
[ -d "$srcdir/node_modules/playwright-core" ] || skip "no node_modules (npm ci)"
[ -n "${LABHUB:-}" ] && [ -x "$LABHUB" ] || skip "LABHUB is not set to the built binary"
"$LABHUB" serve --help >/dev/null 2>&1 || skip "this labhub has no 'serve' command yet"
web=${LABHUB_WEB:-${LABHUB_BUILDDIR:-.}/web}
[ -f "$web/index.html" ] && [ -f "$web/vendor/xterm/xterm.js" ] || skip "no staged web tree at $web (make)"
LABHUB_WEB=$(cd "$web" && pwd); export LABHUB_WEB LABHUB_SRCDIR="$srcdir"
# Screenshots of this run only (old ones would mislead whoever looks at them).
artifacts=${LABHUB_ARTIFACTS:-$srcdir/tests/artifacts}
if mkdir -p "$artifacts" 2>/dev/null && [ -w "$artifacts" ]; then
	rm -f "$artifacts"/*.png "$artifacts"/*.log "$artifacts"/grades*.csv
else
	LABHUB_ARTIFACTS=${LABHUB_BUILDDIR:-.}/tests/artifacts; export LABHUB_ARTIFACTS
fi
exec node --test --test-concurrency=1 --test-reporter=spec \
	"$srcdir"/tests/browser/*.test.mjs
