#!/bin/sh
# Integration tests: a real labhub serve on 127.0.0.1 driven with a real WebSocket client.
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && exit 77
: "${LABHUB_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
if ! command -v node >/dev/null || [ ! -d "$LABHUB_SRCDIR/node_modules/ws" ]; then
	echo "integration: node or node_modules/ws missing (run scripts/dev deps)"; exit 77
fi
cd "$LABHUB_SRCDIR/tests/integration" || exit 1
node --test --test-reporter=spec --test-concurrency=1 server.test.mjs cell.test.mjs values.test.mjs flood.test.mjs tls.test.mjs \
	spares.test.mjs || exit 1

# The same learner path with the server running as an ordinary user (unprivileged user
# namespaces). Needs root to make that user; skipped otherwise.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	id labhub-test >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin labhub-test || exit 1
	echo "# again as the ordinary user labhub-test"
	LABHUB_TEST_AS_USER=labhub-test node --test --test-reporter=spec --test-concurrency=1 cell.test.mjs values.test.mjs \
	    spares.test.mjs || exit 1
else
	echo "# not root: the server already ran as an ordinary user above"
fi

# The workspace cap through the server: as root (ext4 images) and, when root,
# again as the ordinary user (per-file cap only, as the server says).
node --test --test-reporter=spec workspace.test.mjs || exit 1
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	LABHUB_TEST_AS_USER=labhub-test node --test --test-reporter=spec workspace.test.mjs || exit 1
fi
