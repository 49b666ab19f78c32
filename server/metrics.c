/*
 * metrics: Prometheus text format, version 0.0.4.  Names follow the
 * Prometheus conventions (_total for counters, base units: seconds).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/metrics.h"

static const char *const error_codes[METRICS_ERROR_CODES] = {
	"bad_json", "bad_message", "unknown_type", "unauthenticated", "forbidden",
	"not_found", "too_large", "rate_limited", "cell_failed", "lab_error", "internal",
	"other",
};

void
metrics_error(struct metrics *m, const char *code)
{
	size_t i;

	for (i = 0; i < METRICS_ERROR_CODES - 1; i++)
		if (strcmp(code, error_codes[i]) == 0)
			break;
	m->errors[i]++;
}

struct out {
	char *buf;
	size_t len, used;
};

static void emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->used >= o->len - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->used += (size_t)n;
	if (o->used >= o->len)
		o->used = o->len - 1;
}

static void
counter(struct out *o, const char *name, const char *help, const char *type, uint64_t v)
{
	emit(o, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
	    (unsigned long long)v);
}

size_t
metrics_render(const struct metrics *m, const struct store_stats *st, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	size_t i;

	buf[0] = '\0';
	counter(&o, "labhub_http_requests_total", "HTTP requests handled by callbacks.", "counter", m->http_requests);
	counter(&o, "labhub_ws_connections_total", "WebSocket connections accepted.", "counter", m->ws_connections_total);
	counter(&o, "labhub_ws_connections", "WebSocket connections open now.", "gauge", m->ws_connections_open);
	counter(&o, "labhub_ws_refused_total", "WebSocket upgrades refused (no session, bad Origin, bad path).", "counter", m->ws_refused);
	counter(&o, "labhub_ws_messages_received_total", "WebSocket messages received.", "counter", m->ws_messages_in);
	counter(&o, "labhub_ws_messages_sent_total", "WebSocket messages sent.", "counter", m->ws_messages_out);
	counter(&o, "labhub_ws_received_bytes_total", "WebSocket payload bytes received.", "counter", m->ws_bytes_in);
	counter(&o, "labhub_ws_sent_bytes_total", "WebSocket payload bytes sent.", "counter", m->ws_bytes_out);
	counter(&o, "labhub_ws_policy_disconnects_total", "Clients disconnected for exceeding size, rate or queue caps.", "counter", m->ws_disconnect_policy);
	counter(&o, "labhub_term_throttled_total", "Times a terminal's output rested: over busy-output-rate while other learners typed.", "counter", m->term_throttled);
	counter(&o, "labhub_sessions", "Signed-in WebSocket sessions now.", "gauge", m->sessions_live);
	emit(&o, "# HELP labhub_logins_total Sign-in attempts by result.\n# TYPE labhub_logins_total counter\n");
	emit(&o, "labhub_logins_total{result=\"ok\"} %llu\n", (unsigned long long)m->logins_ok);
	emit(&o, "labhub_logins_total{result=\"failed\"} %llu\n", (unsigned long long)m->logins_failed);
	emit(&o, "labhub_logins_total{result=\"rate_limited\"} %llu\n", (unsigned long long)m->logins_limited);
	counter(&o, "labhub_joins_total", "Learners who joined a cohort with a code.", "counter", m->joins);
	counter(&o, "labhub_cells_started_total", "Cells started.", "counter", m->cells_started);
	counter(&o, "labhub_cells", "Cells running now.", "gauge", m->cells_active);
	counter(&o, "labhub_cell_failures_total", "Cells that could not start or died.", "counter", m->cell_failures);
	counter(&o, "labhub_checks_total", "Lab checks run.", "counter", m->checks_run);
	counter(&o, "labhub_values_computed_total", "Per-learner values computed in a cell (not found in the store).", "counter", m->values_computed);
	counter(&o, "labhub_values_failed_total", "Per-learner values that could not be computed.", "counter", m->values_failed);
	emit(&o, "# HELP labhub_errors_total Error replies by code.\n# TYPE labhub_errors_total counter\n");
	for (i = 0; i < METRICS_ERROR_CODES; i++)
		emit(&o, "labhub_errors_total{code=\"%s\"} %llu\n", error_codes[i],
		    (unsigned long long)m->errors[i]);
	counter(&o, "labhub_store_statements_total", "SQL statements executed.", "counter", st->statements);
	counter(&o, "labhub_store_errors_total", "SQL statements that failed.", "counter", st->errors);
	emit(&o, "# HELP labhub_store_latency_seconds Time spent in SQL statements.\n# TYPE labhub_store_latency_seconds summary\n");
	emit(&o, "labhub_store_latency_seconds_sum %.6f\nlabhub_store_latency_seconds_count %llu\n",
	    (double)st->total_us / 1e6, (unsigned long long)st->statements);
	emit(&o, "# HELP labhub_store_latency_max_seconds Slowest SQL statement.\n# TYPE labhub_store_latency_max_seconds gauge\n");
	emit(&o, "labhub_store_latency_max_seconds %.6f\n", (double)st->max_us / 1e6);
	emit(&o, "# HELP labhub_uptime_seconds Seconds since the server started.\n# TYPE labhub_uptime_seconds gauge\n");
	emit(&o, "labhub_uptime_seconds %lld\n", (long long)(time(NULL) - m->started));
	return o.used;
}
