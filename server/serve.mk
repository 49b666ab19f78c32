# server/: the HTTP/WebSocket server (lead).  store/auth/cli live in server/local.mk.
liblabhub_a_SOURCES += \
	server/server.h server/serve.c \
	server/http.c \
	server/hasher.c server/hasher.h \
	server/ws.c server/ws.h \
	server/ws_lab.c \
	server/ws_term.c server/ws_term.h \
	server/catalog.c server/catalog.h \
	server/metrics.c server/metrics.h

# integration tests against a real server (node + ws)
TESTS += tests/integration/run.sh
EXTRA_DIST += tests/integration/run.sh tests/integration/lib.mjs tests/integration/server.test.mjs tests/integration/cell.test.mjs tests/integration/flood.test.mjs tests/integration/tls.test.mjs
# per-learner values on lab.open (issue 8)
EXTRA_DIST += tests/integration/values.test.mjs
# spare wardens in the server (issue 3)
EXTRA_DIST += tests/integration/spares.test.mjs tests/integration/workspace.test.mjs
