/*
 * ws.h: internals of the labhub.v1 protocol shared by ws.c (connections,
 * queueing, authorization, cohort handlers), ws_lab.c (catalog, labs,
 * checks, hints, history) and ws_term.c (attaching a cell's terminal).
 * Loop only.
 */
#ifndef LABHUB_WS_H
#define LABHUB_WS_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stddef.h>

#include "server/proto.h"
#include "server/server.h"

struct frame;
struct term;

struct conn {
	struct lws *wsi;
	struct conn *next;		/* the_server->conns */
	struct principal who;
	char *rx;			/* reassembly buffer, grown up to max_message bytes */
	size_t rx_len, rx_cap;
	int rx_binary;
	struct frame *out;		/* queued frames, oldest first */
	struct frame *out_tail;
	struct frame *sent;		/* the last frame written: permessage-deflate may still read it */
	size_t queued;			/* payload bytes queued */
	uint64_t rate_window_ms;
	int rate_count;
	char lang[16];			/* from Accept-Language, "" = default */
	int64_t watch_cohort;		/* cohort.watch subscription, 0 none */
	struct term *term;		/* attached cell terminal, NULL none */
	int closing;			/* told why; input is dropped */
	int close_now;			/* the grace moment is over */
	int close_sent;			/* our close frame is out: wait for the answer */
	lws_sorted_usec_list_t sul_close;
	int close_status;
	char close_reason[64];
};

/* Queues one frame (copied). -1 if the connection is closing or its queue is full (then it is closed). */
int ws_queue(struct conn *c, const void *data, size_t len, int binary);
/* Sends j (takes ownership); echoes the request id when given. */
int ws_send_json(struct conn *c, const json_t *id, json_t *j);
int ws_send_error(struct conn *c, const json_t *id, const char *code, const char *field,
    const char *message);

int ws_may_see_cohort(struct conn *c, int64_t cohort_id);
int ws_may_see_user(struct conn *c, int64_t user_id);
/* Loads an attempt c may act on (must_own: only its own); sends the error reply otherwise. */
int ws_attempt_for(struct conn *c, const json_t *id, int64_t attempt_id, int must_own,
    struct store_attempt *a);
/* {"type":"attempt", ...} with per-step progress. */
json_t *ws_attempt_json(const struct store_attempt *a, int *score);

/* ws_lab.c */
void ws_on_labs_list(struct conn *c, const struct proto_msg *m);
void ws_on_lab_open(struct conn *c, const struct proto_msg *m);
void ws_on_check(struct conn *c, const struct proto_msg *m);
void ws_on_hint(struct conn *c, const struct proto_msg *m);
json_t *ws_learner_events(int64_t cohort_id, int64_t user_id);
/* Every step event of a learner, oldest first (at most 2000). */
json_t *ws_learner_log(int64_t user_id);
int ws_current_attempt(int64_t cohort_id, int64_t user_id, const char *lab_id, struct store_attempt *a);

/* ws_term.c */
void ws_on_cell_attach(struct conn *c, const struct proto_msg *m);
void ws_on_cell_resize(struct conn *c, const struct proto_msg *m);
void ws_on_cell_detach(struct conn *c, const struct proto_msg *m);
void ws_term_input(struct conn *c, const char *data, size_t len);
/* cell.detach or an attach elsewhere: the cell waits; replies still pending are still sent. */
void ws_term_detach(struct conn *c);
/* The connection closed: forget it in every pending reply, and detach. */
void ws_term_conn_closed(struct conn *c);
/* Called after a frame was written: lets a paused terminal read again. */
void ws_term_drained(struct conn *c);
void ws_term_attempt_reset(struct server *s, int64_t attempt_id);
/*
 * An instructor's reset: the attempt's workspace is renamed out of the way at
 * once (the next cell gets an empty one) and deleted once no cell holds it.
 * Returns 0, or -1 when the workspace could not be moved (it is kept).
 */
int ws_term_workspace_discard(const struct store_attempt *a);

/* catalog.c */
void catalog_enable_all(struct server *s, int64_t cohort_id);

#endif
