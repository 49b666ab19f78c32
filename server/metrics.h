/*
 * metrics: counters of the running server, rendered for `GET /metrics` in
 * the Prometheus text exposition format.  Plain integers updated from the
 * loop; no locking.
 */
#ifndef LABHUB_METRICS_H
#define LABHUB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "server/store.h"

#define METRICS_ERROR_CODES 12

struct metrics {
	uint64_t http_requests;
	uint64_t ws_connections_total;
	uint64_t ws_connections_open;
	uint64_t ws_refused;		/* upgrades refused (no session, bad Origin) */
	uint64_t ws_messages_in;
	uint64_t ws_messages_out;
	uint64_t ws_bytes_in;
	uint64_t ws_bytes_out;
	uint64_t ws_disconnect_policy;	/* clients cut off for size, rate or lag */
	uint64_t term_throttled;	/* times a terminal rested: over busy-output-rate while others typed */
	uint64_t logins_ok;
	uint64_t logins_failed;
	uint64_t logins_limited;
	uint64_t joins;
	uint64_t sessions_live;		/* signed-in WebSocket connections */
	uint64_t cells_started;
	uint64_t cells_active;
	uint64_t cell_failures;
	uint64_t checks_run;
	uint64_t values_computed;	/* per-learner values computed by the lab runtime (then stored) */
	uint64_t values_failed;
	uint64_t errors[METRICS_ERROR_CODES];	/* by code, see metrics_error() */
	int64_t started;		/* Unix time the server started */
};

/* Counts one error reply with code (a PROTO_E_* string or an HTTP error code). */
void metrics_error(struct metrics *m, const char *code);

/*
 * Renders every counter plus the store's statement statistics into buf.
 * Returns the length written (always < len, NUL-terminated) — the output
 * is truncated only if len is absurdly small (< 4 KiB).
 */
size_t metrics_render(const struct metrics *m, const struct store_stats *st, char *buf, size_t len);

#endif
