#!/bin/sh
# Integration tests: a real labhub serve on 127.0.0.1 driven with a real WebSocket client.
[ "${LABHUB_TEST_LEVEL:-}" = unit ] && exit 77
: "${LABHUB_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
if ! command -v node >/dev/null || [ ! -d "$LABHUB_SRCDIR/node_modules/ws" ]; then
	echo "integration: node or node_modules/ws missing (run scripts/dev deps)"; exit 77
fi
cd "$LABHUB_SRCDIR/tests/integration" && exec node --test --test-reporter=spec --test-concurrency=1 server.test.mjs cell.test.mjs flood.test.mjs tls.test.mjs
