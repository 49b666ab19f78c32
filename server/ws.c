/*
 * ws: the labhub.v1 WebSocket protocol (doc/PROTOCOL.md).  One struct conn
 * per connection, owned by lws (per-session data) and linked into
 * the_server->conns so progress can be pushed to watching instructors.
 *
 * Admission happens in FILTER_PROTOCOL_CONNECTION: the path must be /ws,
 * the Origin allowed and the session cookie live.  After that every
 * message is validated by proto.c and authorized here against the store
 * (a learner acts on its own attempts only; an instructor on its own
 * cohorts only; the session is looked up again for every message, so a
 * sign-out or a disabled account takes effect at once).
 *
 * Output is queued per connection (capped at max-queued bytes) and
 * written one frame per WRITEABLE callback.  A client that sends more
 * than max-message bytes in one message, more than message-rate messages
 * a second, or lets its queue overflow is told why and disconnected.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/auth.h"
#include "server/log.h"
#include "server/proto.h"
#include "server/server.h"
#include "server/ws.h"

struct frame {
	struct frame *next;
	size_t len;
	int binary;
	unsigned char data[];		/* LWS_PRE bytes of headroom, then the payload */
};

/* ---- output ----------------------------------------------------------- */

static void
close_due(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, sul_close);

	c->close_now = 1;
	lws_callback_on_writable(c->wsi);
}

/*
 * Tells the client why (already queued by the caller), then closes.  The
 * close waits a moment, while further input is read and dropped: closing a
 * socket with unread input makes the kernel send a reset, which would make
 * the client lose the explanation still in flight.
 */
static void
conn_fail(struct conn *c, enum lws_close_status status, const char *reason)
{
	if (c->closing)
		return;
	c->closing = 1;
	c->close_status = status;
	snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
	the_server->m.ws_disconnect_policy++;
	lws_sul_schedule(the_server->ctx, 0, &c->sul_close, close_due, 200 * LWS_US_PER_MS);
}

int
ws_queue(struct conn *c, const void *data, size_t len, int binary)
{
	struct frame *f, **tail;

	if (c->closing)
		return -1;
	if (c->queued + len > the_server->cfg.max_queued) {
		log_warn("connection of %s: output queue full, disconnecting", c->who.user.name);
		conn_fail(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too slow: output queue full");
		return -1;
	}
	f = malloc(sizeof *f + LWS_PRE + len);
	if (f == NULL) {
		conn_fail(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
		return -1;
	}
	f->next = NULL;
	f->len = len;
	f->binary = binary;
	memcpy(f->data + LWS_PRE, data, len);
	tail = c->out != NULL ? &c->out_tail->next : &c->out;
	*tail = f;
	c->out_tail = f;
	c->queued += len;
	lws_callback_on_writable(c->wsi);
	return 0;
}

/* Sends j (takes ownership), adding "id" when the request had one. */
int
ws_send_json(struct conn *c, const json_t *id, json_t *j)
{
	char *text;
	int r;

	if (j == NULL)
		return -1;
	if (id != NULL)
		json_object_set(j, "id", (json_t *)id);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		return -1;
	r = ws_queue(c, text, strlen(text), 0);
	free(text);
	return r;
}

int
ws_send_error(struct conn *c, const json_t *id, const char *code, const char *field,
    const char *message)
{
	json_t *j = json_pack("{ss ss ss}", "type", "error", "code", code, "message", message);

	if (field != NULL && field[0] != '\0')
		json_object_set_new(j, "field", json_string(field));
	metrics_error(&the_server->m, code);
	return ws_send_json(c, id, j);
}

/*
 * Sends the close frame ourselves and waits for the client's answer (lws ends
 * the connection when it comes, or after 5 s).  Returning -1 after
 * lws_close_reason() would do the same with lws's poll loop, but Debian's lws
 * is a _DEBUG build whose libuv path closes every connection twice ("uv repeat
 * test" in lws_service_fd), and the second close drops the socket before the
 * close frame is written: the client then sees 1006 instead of our code.
 */
/* lws's own value for a close frame (private in lws 4.1: roles/ws/private-lib-roles-ws.h) */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)

static int
send_close(struct conn *c)
{
	unsigned char buf[LWS_PRE + 2 + sizeof c->close_reason];
	size_t n = strlen(c->close_reason);

	if (c->close_sent)
		return 0;
	c->close_sent = 1;
	buf[LWS_PRE] = (unsigned char)(c->close_status >> 8);
	buf[LWS_PRE + 1] = (unsigned char)(c->close_status & 0xff);
	memcpy(buf + LWS_PRE + 2, c->close_reason, n);
	if (lws_write(c->wsi, buf + LWS_PRE, 2 + n, WS_WRITE_CLOSE) < (int)(2 + n))
		return -1;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, 5);
	return 0;
}

/* One frame per WRITEABLE (lws wants one lws_write per callback); frames are large instead. */
static int
write_one(struct conn *c)
{
	struct frame *f = c->out;
	int n;

	/*
	 * With permessage-deflate, lws_write() may keep part of the payload in
	 * zlib's input and send it in later fragments on its own; it calls us
	 * again only when that is done, so the previous frame is freed here.
	 */
	free(c->sent);
	c->sent = NULL;
	if (f == NULL) {
		if (c->closing && c->close_now)
			return send_close(c);
		return 0;
	}
	n = lws_write(c->wsi, f->data + LWS_PRE, f->len, f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
	if (n < (int)f->len)
		return -1;
	c->out = f->next;
	c->queued -= f->len;
	the_server->m.ws_messages_out++;
	the_server->m.ws_bytes_out += f->len;
	c->sent = f;
	if (c->out != NULL || c->close_now)
		lws_callback_on_writable(c->wsi);
	ws_term_drained(c);
	return 0;
}

/* ---- authorization ---------------------------------------------------- */

/* Re-reads the session: a sign-out or a disabled account ends the connection. */
static int
still_signed_in(struct conn *c)
{
	struct store_user u;

	if (store_session_lookup(the_server->store, c->who.token_hash, (int64_t)time(NULL), NULL, &u)
	    != STORE_OK) {
		ws_send_json(c, NULL, json_pack("{ss}", "type", "session.expired"));
		conn_fail(c, 4001, "session expired");
		return 0;
	}
	c->who.user = u;
	return 1;
}

int
ws_may_see_cohort(struct conn *c, int64_t cohort_id)
{
	if (c->who.user.role == STORE_ROLE_ADMIN)
		return 1;
	return c->who.user.role == STORE_ROLE_INSTRUCTOR &&
	    store_cohort_is_instructor_of(the_server->store, c->who.user.id, cohort_id) == 1;
}

/* Does an instructor teach a cohort this learner belongs to? */
struct teach_arg {
	struct conn *c;
	int yes;
};

static int
teaches_cb(const struct store_cohort *co, void *arg)
{
	struct teach_arg *t = arg;

	if (ws_may_see_cohort(t->c, co->id)) {
		t->yes = 1;
		return 1;
	}
	return 0;
}

int
ws_may_see_user(struct conn *c, int64_t user_id)
{
	struct teach_arg t = { c, 0 };

	if (user_id == c->who.user.id || c->who.user.role == STORE_ROLE_ADMIN)
		return 1;
	if (c->who.user.role != STORE_ROLE_INSTRUCTOR)
		return 0;
	store_cohort_of_learner(the_server->store, user_id, teaches_cb, &t);
	return t.yes;
}

/* Loads an attempt the connection may act on; replies with an error otherwise. */
int
ws_attempt_for(struct conn *c, const json_t *id, int64_t attempt_id, int must_own,
    struct store_attempt *a)
{
	if (store_attempt_get(the_server->store, attempt_id, a) != STORE_OK) {
		ws_send_error(c, id, PROTO_E_NOT_FOUND, "attempt", "There is no such attempt.");
		return -1;
	}
	if (must_own ? a->user_id != c->who.user.id : !ws_may_see_user(c, a->user_id)) {
		ws_send_error(c, id, PROTO_E_FORBIDDEN, "attempt", "That attempt is not yours.");
		return -1;
	}
	return 0;
}

/* ---- handlers --------------------------------------------------------- */

static void
on_hello(struct conn *c, const struct proto_msg *m)
{
	ws_send_json(c, m->id, json_pack("{ss so ss}", "type", "welcome",
	    "user", server_user_json(&c->who.user), "server", "labhub " VERSION));
}

static int
progress_cb(const struct store_step_progress *p, void *arg)
{
	json_t *steps = arg;

	json_array_append_new(steps, json_pack("{ss ss si si si si ss}", "id", p->step_id,
	    "state", p->passed ? "passed" : (p->fails > 0 ? "failed" : "open"),
	    "points", p->points, "fails", p->fails, "hints", p->hints, "hint_cost", p->hint_cost,
	    "feedback", p->last_feedback));
	return 0;
}

json_t *
ws_attempt_json(const struct store_attempt *a, int *score_out)
{
	json_t *steps = json_array();
	int score = 0;

	store_attempt_progress(the_server->store, a->id, progress_cb, steps, &score);
	if (score_out != NULL)
		*score_out = score;
	return json_pack("{ss sI ss sI so si sb}", "type", "attempt", "attempt", (json_int_t)a->id,
	    "lab", a->lab_id, "user", (json_int_t)a->user_id, "steps", steps, "score", score,
	    "finished", a->finished != 0);
}

static void
on_attempt_get(struct conn *c, const struct proto_msg *m)
{
	struct store_attempt a;

	if (ws_attempt_for(c, m->id, proto_int(m, "attempt"), 0, &a) != 0)
		return;
	ws_send_json(c, m->id, ws_attempt_json(&a, NULL));
}

static int
cohort_cb(const struct store_cohort *co, void *arg)
{
	json_t *list = arg;
	char code[AUTH_JOIN_CODE_SIZE + 1];

	auth_join_code_format(co->join_code, code);
	json_array_append_new(list, json_pack("{sI ss ss sI}", "id", (json_int_t)co->id,
	    "name", co->name, "code", code, "instructor", (json_int_t)co->instructor_id));
	return 0;
}

static int
count_cb(const struct store_member *mem, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void
on_cohort_list(struct conn *c, const struct proto_msg *m)
{
	json_t *list = json_array(), *co;
	size_t i;

	if (c->who.user.role == STORE_ROLE_LEARNER) {
		json_decref(list);
		ws_send_error(c, m->id, PROTO_E_FORBIDDEN, NULL, "Only instructors manage groups.");
		return;
	}
	store_cohort_list(the_server->store,
	    c->who.user.role == STORE_ROLE_ADMIN ? 0 : c->who.user.id, cohort_cb, list);
	json_array_foreach(list, i, co) {
		int n = 0;

		store_cohort_members(the_server->store, json_integer_value(json_object_get(co, "id")),
		    count_cb, &n);
		json_object_set_new(co, "learners", json_integer(n));
	}
	ws_send_json(c, m->id, json_pack("{ss so}", "type", "cohorts", "cohorts", list));
}

static void
on_cohort_create(struct conn *c, const struct proto_msg *m)
{
	char code[AUTH_JOIN_CODE_SIZE], shown[AUTH_JOIN_CODE_SIZE + 1];
	int64_t id = 0;
	int tries, rc = STORE_ERROR;

	if (c->who.user.role == STORE_ROLE_LEARNER) {
		ws_send_error(c, m->id, PROTO_E_FORBIDDEN, NULL, "Only instructors create groups.");
		return;
	}
	for (tries = 0; tries < 5; tries++) {
		auth_join_code_new(code);
		rc = store_cohort_create(the_server->store, proto_str(m, "name"), code,
		    c->who.user.id, &id);
		if (rc != STORE_EXISTS)
			break;
	}
	if (rc != STORE_OK) {
		ws_send_error(c, m->id, PROTO_E_INTERNAL, NULL, "The group could not be created.");
		return;
	}
	catalog_enable_all(the_server, id);
	store_audit_add(the_server->store, c->who.user.name, "cohort.create", proto_str(m, "name"), code);
	auth_join_code_format(code, shown);
	/* "id" is the request's; the cohort travels as an object of its own */
	ws_send_json(c, m->id, json_pack("{ss s{sI ss ss} ss ss}", "type", "cohort",
	    "cohort", "id", (json_int_t)id, "name", proto_str(m, "name"), "code", shown,
	    "name", proto_str(m, "name"), "code", shown));
}

/* ---- the instructor's grid -------------------------------------------- */

#define STUCK_SECONDS (10 * 60)
#define STUCK_FAILS 3

struct grid_arg {
	json_t *rows;			/* user id (as text) -> row */
	int64_t only_user;		/* 0: everyone */
};

static json_t *
grid_row(struct grid_arg *g, int64_t user_id, const char *nickname)
{
	char key[32];
	json_t *row;

	snprintf(key, sizeof key, "%lld", (long long)user_id);
	row = json_object_get(g->rows, key);
	if (row == NULL) {
		row = json_pack("{sI ss s{} si sI sb}", "user", (json_int_t)user_id, "display", nickname,
		    "steps", "score", 0, "last_activity", (json_int_t)0, "stuck", 0);
		json_object_set_new(g->rows, key, row);
	}
	return row;
}

static int
grid_member_cb(const struct store_member *mem, void *arg)
{
	struct grid_arg *g = arg;

	if (g->only_user == 0 || g->only_user == mem->user_id)
		grid_row(g, mem->user_id, mem->nickname);
	return 0;
}

static int
grid_cell_cb(const struct store_grid_cell *cell, void *arg)
{
	struct grid_arg *g = arg;
	json_t *row;
	char key[STORE_LAB_ID_MAX + STORE_STEP_ID_MAX + 2];
	int64_t last;

	if (g->only_user != 0 && g->only_user != cell->user_id)
		return 0;
	row = grid_row(g, cell->user_id, cell->nickname);
	snprintf(key, sizeof key, "%s/%s", cell->lab_id, cell->step.step_id);
	json_object_set_new(json_object_get(row, "steps"), key, json_string(cell->step.passed ?
	    "passed" : (cell->step.fails > 0 ? "failed" : "open")));
	json_object_set_new(row, "score", json_integer(json_integer_value(json_object_get(row,
	    "score")) + cell->step.points));
	last = json_integer_value(json_object_get(row, "last_activity"));
	if (cell->step.last_ts > last)
		json_object_set_new(row, "last_activity", json_integer(cell->step.last_ts));
	if (!cell->step.passed && cell->step.fails >= STUCK_FAILS)
		json_object_set_new(row, "stuck", json_true());
	return 0;
}

static void
grid_finish_rows(struct grid_arg *g, json_t *out)
{
	const char *key;
	json_t *row;
	int64_t now = (int64_t)time(NULL);

	json_object_foreach(g->rows, key, row) {
		int64_t last = json_integer_value(json_object_get(row, "last_activity"));
		json_t *steps = json_object_get(row, "steps");
		const char *sk;
		json_t *sv;
		int all_passed = json_object_size(steps) > 0;

		json_object_foreach(steps, sk, sv)
			if (strcmp(json_string_value(sv), "passed") != 0)
				all_passed = 0;
		if (last != 0 && !all_passed && now - last > STUCK_SECONDS)
			json_object_set_new(row, "stuck", json_true());
		json_array_append(out, row);
	}
}

static int
grid_lab_cb(const struct store_lab *lab, void *arg)
{
	json_t *labs = arg, *manifest = json_loads(lab->manifest ? lab->manifest : "{}", 0, NULL);
	json_t *steps = json_array(), *st;
	size_t i;

	json_array_foreach(json_object_get(manifest, "steps"), i, st)
		json_array_append(steps, json_object_get(st, "id"));
	json_array_append_new(labs, json_pack("{ss ss so}", "id", lab->id, "title", lab->title,
	    "steps", steps));
	json_decref(manifest);
	return 0;
}

static json_t *
grid_rows(int64_t cohort_id, int64_t only_user)
{
	struct grid_arg g = { json_object(), only_user };
	json_t *rows = json_array();

	store_cohort_members(the_server->store, cohort_id, grid_member_cb, &g);
	store_cohort_grid(the_server->store, cohort_id, grid_cell_cb, &g);
	grid_finish_rows(&g, rows);
	json_decref(g.rows);
	return rows;
}

static void
on_cohort_watch(struct conn *c, const struct proto_msg *m)
{
	int64_t id = proto_int(m, "cohort");
	json_t *labs = json_array();

	if (!ws_may_see_cohort(c, id)) {
		json_decref(labs);
		ws_send_error(c, m->id, PROTO_E_FORBIDDEN, "cohort", "That group is not yours.");
		return;
	}
	c->watch_cohort = id;
	store_cohort_labs(the_server->store, id, grid_lab_cb, labs);
	ws_send_json(c, m->id, json_pack("{ss sI so so}", "type", "grid", "cohort", (json_int_t)id,
	    "labs", labs, "learners", grid_rows(id, 0)));
}

struct member_arg {
	int64_t cohort;
	int member;
};

static int
member_of_cb(const struct store_cohort *co, void *arg)
{
	struct member_arg *ma = arg;

	if (co->id == ma->cohort) {
		ma->member = 1;
		return 1;
	}
	return 0;
}

static int
is_member(int64_t cohort, int64_t user)
{
	struct member_arg ma = { cohort, 0 };

	store_cohort_of_learner(the_server->store, user, member_of_cb, &ma);
	return ma.member;
}

void
ws_notify_progress(struct server *s, int64_t user_id)
{
	struct conn *c;
	json_t *rows;

	for (c = s->conns; c != NULL; c = c->next) {
		if (c->watch_cohort == 0 || !is_member(c->watch_cohort, user_id))
			continue;
		rows = grid_rows(c->watch_cohort, user_id);
		if (json_array_size(rows) == 1)
			ws_send_json(c, NULL, json_pack("{ss sI sO}", "type", "grid.update", "cohort",
			    (json_int_t)c->watch_cohort, "learner", json_array_get(rows, 0)));
		json_decref(rows);
	}
}

/* The instructor actions on one learner share their checks. */
static int
learner_in_my_cohort(struct conn *c, const struct proto_msg *m)
{
	int64_t cohort = proto_int(m, "cohort"), user = proto_int(m, "user");

	if (!ws_may_see_cohort(c, cohort)) {
		ws_send_error(c, m->id, PROTO_E_FORBIDDEN, "cohort", "That group is not yours.");
		return 0;
	}
	if (!is_member(cohort, user)) {
		ws_send_error(c, m->id, PROTO_E_NOT_FOUND, "user", "No such learner in that group.");
		return 0;
	}
	return 1;
}

static void
on_learner_history(struct conn *c, const struct proto_msg *m)
{
	json_t *events;
	struct store_user u;

	if (!learner_in_my_cohort(c, m))
		return;
	if (store_user_get_by_id(the_server->store, proto_int(m, "user"), &u) != STORE_OK) {
		ws_send_error(c, m->id, PROTO_E_NOT_FOUND, "user", "No such learner.");
		return;
	}
	events = ws_learner_events(proto_int(m, "cohort"), u.id);
	ws_send_json(c, m->id, json_pack("{ss so so so}", "type", "history", "user",
	    server_user_json(&u), "events", events, "log", ws_learner_log(u.id)));
}

static void
on_learner_reset(struct conn *c, const struct proto_msg *m)
{
	struct store_attempt a;
	struct store_user u;
	int64_t user = proto_int(m, "user");

	if (!learner_in_my_cohort(c, m))
		return;
	if (store_user_get_by_id(the_server->store, user, &u) != STORE_OK ||
	    ws_current_attempt(proto_int(m, "cohort"), user, proto_str(m, "lab"), &a) != 0) {
		ws_send_error(c, m->id, PROTO_E_NOT_FOUND, "lab", "That learner has not started that lab.");
		return;
	}
	if (store_attempt_reset(the_server->store, a.id) != STORE_OK) {
		ws_send_error(c, m->id, PROTO_E_INTERNAL, NULL, "The reset failed.");
		return;
	}
	ws_term_attempt_reset(the_server, a.id);
	if (ws_term_workspace_discard(&a) != 0)
		log_error_errno("reset of %s's %s: the workspace could not be cleared", u.name, a.lab_id);
	store_audit_add(the_server->store, c->who.user.name, "learner.reset", u.name, a.lab_id);
	ws_send_json(c, m->id, json_pack("{ss}", "type", "ok"));
	ws_notify_progress(the_server, user);
}

static void
on_learner_passphrase(struct conn *c, const struct proto_msg *m)
{
	char phrase[AUTH_PASSPHRASE_SIZE], pwhash[AUTH_PWHASH_SIZE];
	struct store_user u;

	if (!learner_in_my_cohort(c, m))
		return;
	if (store_user_get_by_id(the_server->store, proto_int(m, "user"), &u) != STORE_OK ||
	    u.role != STORE_ROLE_LEARNER) {
		ws_send_error(c, m->id, PROTO_E_FORBIDDEN, "user", "Only learners' passphrases can be reset here.");
		return;
	}
	auth_passphrase_new(phrase);
	if (auth_password_hash(phrase, strlen(phrase), pwhash) != 0 ||
	    store_user_set_password(the_server->store, u.id, pwhash) != STORE_OK) {
		ws_send_error(c, m->id, PROTO_E_INTERNAL, NULL, "The passphrase could not be reset.");
		return;
	}
	store_audit_add(the_server->store, c->who.user.name, "learner.passphrase", u.name, "");
	ws_send_json(c, m->id, json_pack("{ss so ss}", "type", "passphrase",
	    "user", server_user_json(&u), "passphrase", phrase));
}

/* ---- admin and cohort settings ----------------------------------------- */

static int
is_admin(struct conn *c, const struct proto_msg *m)
{
	if (c->who.user.role == STORE_ROLE_ADMIN)
		return 1;
	ws_send_error(c, m->id, PROTO_E_FORBIDDEN, NULL, "Only administrators can do that.");
	return 0;
}

struct labs_arg {
	json_t *labs;
	json_t *enabled;		/* lab id -> true */
};

static int
enabled_cb(const struct store_lab *lab, void *arg)
{
	json_object_set_new(arg, lab->id, json_true());
	return 0;
}

static int
all_labs_cb(const struct store_lab *lab, void *arg)
{
	struct labs_arg *la = arg;

	json_array_append_new(la->labs, json_pack("{ss ss sb}", "id", lab->id, "title", lab->title,
	    "enabled", json_object_get(la->enabled, lab->id) != NULL));
	return 0;
}

static void
send_cohort_labs(struct conn *c, const json_t *id, int64_t cohort)
{
	struct labs_arg la = { json_array(), json_object() };

	store_cohort_labs(the_server->store, cohort, enabled_cb, la.enabled);
	store_lab_list(the_server->store, all_labs_cb, &la);
	json_decref(la.enabled);
	ws_send_json(c, id, json_pack("{ss sI so}", "type", "cohort.labs", "cohort", (json_int_t)cohort,
	    "labs", la.labs));
}

static void
on_cohort_labs(struct conn *c, const struct proto_msg *m)
{
	if (!ws_may_see_cohort(c, proto_int(m, "cohort"))) {
		ws_send_error(c, m->id, PROTO_E_FORBIDDEN, "cohort", "That group is not yours.");
		return;
	}
	send_cohort_labs(c, m->id, proto_int(m, "cohort"));
}

static void
on_cohort_lab_enable(struct conn *c, const struct proto_msg *m)
{
	int64_t cohort = proto_int(m, "cohort");
	struct store_lab lab;
	struct store_cohort co;

	if (!ws_may_see_cohort(c, cohort)) {
		ws_send_error(c, m->id, PROTO_E_FORBIDDEN, "cohort", "That group is not yours.");
		return;
	}
	if (store_lab_get(the_server->store, proto_str(m, "lab"), &lab) != STORE_OK) {
		ws_send_error(c, m->id, PROTO_E_NOT_FOUND, "lab", "There is no such lab.");
		return;
	}
	store_lab_clear(&lab);
	if (store_cohort_lab_enable(the_server->store, cohort, proto_str(m, "lab"),
	    proto_bool(m, "enabled")) != STORE_OK) {
		ws_send_error(c, m->id, PROTO_E_INTERNAL, NULL, "The change could not be saved.");
		return;
	}
	if (store_cohort_get(the_server->store, cohort, &co) == STORE_OK)
		store_audit_add(the_server->store, c->who.user.name,
		    proto_bool(m, "enabled") ? "cohort.lab.enable" : "cohort.lab.disable", co.name,
		    proto_str(m, "lab"));
	send_cohort_labs(c, m->id, cohort);
}

static int
users_cb(const struct store_user *u, void *arg)
{
	json_t *j = server_user_json(u);

	json_object_set_new(j, "disabled", json_boolean(u->disabled));
	json_object_set_new(j, "created", json_integer(u->created));
	json_array_append_new(arg, j);
	return 0;
}

static void
on_users_list(struct conn *c, const struct proto_msg *m)
{
	json_t *users;

	if (!is_admin(c, m))
		return;
	users = json_array();
	store_user_list(the_server->store, users_cb, users);
	ws_send_json(c, m->id, json_pack("{ss so}", "type", "users", "users", users));
}

static void
on_user_disable(struct conn *c, const struct proto_msg *m)
{
	struct store_user u;

	if (!is_admin(c, m))
		return;
	if (store_user_get_by_id(the_server->store, proto_int(m, "user"), &u) != STORE_OK) {
		ws_send_error(c, m->id, PROTO_E_NOT_FOUND, "user", "There is no such account.");
		return;
	}
	if (u.id == c->who.user.id) {
		ws_send_error(c, m->id, PROTO_E_FORBIDDEN, "user", "You cannot disable your own account.");
		return;
	}
	if (store_user_set_disabled(the_server->store, u.id, proto_bool(m, "disabled")) != STORE_OK) {
		ws_send_error(c, m->id, PROTO_E_INTERNAL, NULL, "The change could not be saved.");
		return;
	}
	store_audit_add(the_server->store, c->who.user.name,
	    proto_bool(m, "disabled") ? "user.disable" : "user.enable", u.name, "");
	ws_send_json(c, m->id, json_pack("{ss}", "type", "ok"));
}

static int
audit_cb(const struct store_audit *a, void *arg)
{
	json_array_append_new(arg, json_pack("{sI ss ss ss ss sI}", "id", (json_int_t)a->id,
	    "actor", a->actor, "action", a->action, "target", a->target, "detail", a->detail,
	    "at", (json_int_t)a->ts));
	return 0;
}

static void
on_audit_list(struct conn *c, const struct proto_msg *m)
{
	json_t *entries;

	if (!is_admin(c, m))
		return;
	entries = json_array();
	store_audit_list(the_server->store, proto_has(m, "limit") ? (int)proto_int(m, "limit") : 200,
	    audit_cb, entries);
	ws_send_json(c, m->id, json_pack("{ss so}", "type", "audit", "entries", entries));
}

static void
dispatch(struct conn *c, const struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_HELLO: on_hello(c, m); break;
	case PROTO_PING: ws_send_json(c, m->id, json_pack("{ss}", "type", "pong")); break;
	case PROTO_LABS_LIST: ws_on_labs_list(c, m); break;
	case PROTO_LAB_OPEN: ws_on_lab_open(c, m); break;
	case PROTO_ATTEMPT_GET: on_attempt_get(c, m); break;
	case PROTO_CELL_ATTACH: ws_on_cell_attach(c, m); break;
	case PROTO_CELL_RESIZE: ws_on_cell_resize(c, m); break;
	case PROTO_CELL_DETACH: ws_on_cell_detach(c, m); break;
	case PROTO_CHECK: ws_on_check(c, m); break;
	case PROTO_HINT: ws_on_hint(c, m); break;
	case PROTO_COHORT_LIST: on_cohort_list(c, m); break;
	case PROTO_COHORT_CREATE: on_cohort_create(c, m); break;
	case PROTO_COHORT_WATCH: on_cohort_watch(c, m); break;
	case PROTO_LEARNER_HISTORY: on_learner_history(c, m); break;
	case PROTO_LEARNER_RESET: on_learner_reset(c, m); break;
	case PROTO_LEARNER_PASSPHRASE: on_learner_passphrase(c, m); break;
	case PROTO_COHORT_LABS: on_cohort_labs(c, m); break;
	case PROTO_COHORT_LAB_ENABLE: on_cohort_lab_enable(c, m); break;
	case PROTO_USERS_LIST: on_users_list(c, m); break;
	case PROTO_USER_DISABLE: on_user_disable(c, m); break;
	case PROTO_AUDIT_LIST: on_audit_list(c, m); break;
	case PROTO_NTYPES: break;
	}
}

/* ---- input ------------------------------------------------------------ */

static int
over_rate(struct conn *c)
{
	uint64_t now = (uint64_t)lws_now_usecs() / 1000;

	if (now - c->rate_window_ms >= 1000) {
		c->rate_window_ms = now;
		c->rate_count = 0;
	}
	return ++c->rate_count > the_server->cfg.max_msgs_per_sec;
}

static void
handle_text(struct conn *c, const char *text, size_t len)
{
	struct proto_msg m;
	struct proto_error err;

	if (over_rate(c)) {
		ws_send_error(c, NULL, PROTO_E_RATE_LIMITED, NULL,
		    "Too many messages per second; the connection is closed.");
		conn_fail(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "message rate exceeded");
		return;
	}
	if (proto_parse(text, len, &m, &err) != 0) {
		ws_send_error(c, m.id, err.code, err.field, err.message);
		proto_msg_clear(&m);
		return;
	}
	if (still_signed_in(c))
		dispatch(c, &m);
	proto_msg_clear(&m);
}

static int
receive(struct conn *c, const void *in, size_t len)
{
	size_t cap = the_server->cfg.max_message;
	int first = lws_is_first_fragment(c->wsi);

	if (c->closing)
		return 0;
	if (first) {
		c->rx_len = 0;
		c->rx_binary = lws_frame_is_binary(c->wsi);
		if (lws_is_final_fragment(c->wsi)) {
			/*
			 * The usual case, a keystroke or a request in one piece:
			 * handled where lws has it, no copy and no buffer kept.
			 */
			if (len > cap) {
				ws_send_error(c, NULL, PROTO_E_TOO_LARGE, NULL,
				    "That message is too large; the connection is closed.");
				conn_fail(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
				return 0;
			}
			the_server->m.ws_messages_in++;
			the_server->m.ws_bytes_in += len;
			if (c->rx_binary)
				ws_term_input(c, in, len);
			else
				handle_text(c, in, len);
			return 0;
		}
	}
	if (c->rx_len + len > cap) {
		ws_send_error(c, NULL, PROTO_E_TOO_LARGE, NULL, "That message is too large; the connection is closed.");
		conn_fail(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
		return 0;
	}
	if (c->rx_len + len > c->rx_cap) {
		/* grown on demand: most messages are a few bytes, a few are near the cap */
		size_t ncap = c->rx_cap ? c->rx_cap : 1024;
		char *n;

		while (ncap < c->rx_len + len)
			ncap *= 2;
		if (ncap > cap)
			ncap = cap;
		n = realloc(c->rx, ncap);
		if (n == NULL)
			return -1;
		c->rx = n;
		c->rx_cap = ncap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (!lws_is_final_fragment(c->wsi)) {
		/*
		 * lws 4.1's libuv glue inflates a permessage-deflate message one
		 * buffer per idle pass and stops its idle handle after each; an
		 * I/O event restarts it.  Without this kick, the rest of a
		 * compressed message we are dropping (over the size cap) stayed
		 * undrained and our error reply was never written (the
		 * oversized-message integration test hung).
		 */
		if (the_server->uv)
			lws_cancel_service(the_server->ctx);
		return 0;
	}
	the_server->m.ws_messages_in++;
	the_server->m.ws_bytes_in += c->rx_len;
	if (c->rx_binary)
		ws_term_input(c, c->rx, c->rx_len);
	else
		handle_text(c, c->rx, c->rx_len);
	/* a message in pieces is rare (a paste, a large answer): its buffer goes with it */
	free(c->rx);
	c->rx = NULL;
	c->rx_len = 0;
	c->rx_cap = 0;
	return 0;
}

/* ---- lws callback ----------------------------------------------------- */

/* The browser's first language ("de-CH,de;q=0.9,en" -> "de") for lab texts in steps/<lang>/. */
static void
accept_language(struct lws *wsi, char *buf, size_t len)
{
	char h[256];
	size_t i = 0;

	buf[0] = '\0';
	if (lws_hdr_copy(wsi, h, sizeof h, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE) <= 0)
		return;
	while (i + 1 < len && i < 8 && ((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z'))) {
		buf[i] = (char)(h[i] | 0x20);
		i++;
	}
	buf[i] = '\0';
	if (i < 2 || strcmp(buf, "en") == 0)
		buf[0] = '\0';		/* English is the labs' own language */
}

static int
admit(struct lws *wsi, struct principal *who)
{
	char path[64], addr[128];

	server_peer(wsi, addr, sizeof addr);
	if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0 || strcmp(path, "/ws") != 0) {
		log_info("websocket refused from %s: path is not /ws", addr);
		return -1;
	}
	if (!server_origin_allowed(the_server, wsi)) {
		log_info("websocket refused from %s: Origin not allowed", addr);
		return -1;
	}
	if (server_principal_from_cookie(the_server, wsi, who) != 0) {
		log_info("websocket refused from %s: no valid session", addr);
		return -1;
	}
	return 0;
}

int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct conn *c = user, **pp;
	struct principal who;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (admit(wsi, &who) != 0) {
			the_server->m.ws_refused++;
			return 1;
		}
		memset(c, 0, sizeof *c);
		c->who = who;
		accept_language(wsi, c->lang, sizeof c->lang);
		return 0;

	case LWS_CALLBACK_ESTABLISHED:
		store_session_touch(the_server->store, c->who.token_hash, (int64_t)time(NULL));
		c->wsi = wsi;
		c->next = the_server->conns;
		the_server->conns = c;
		the_server->m.ws_connections_total++;
		the_server->m.ws_connections_open++;
		the_server->m.sessions_live++;
		/*
		 * permessage-deflate, when the browser asked for it: lws's
		 * defaults (window 2^15, memLevel 8) cost ~260 KiB per
		 * connection; 2^13 and 6 cost ~70 KiB and still shrink terminal
		 * output several times.  A smaller window than announced is
		 * always valid for the client's inflater.  8 KiB fragments.
		 */
		lws_set_extension_option(wsi, "permessage-deflate", "server_max_window_bits", "13");
		lws_set_extension_option(wsi, "permessage-deflate", "mem_level", "6");
		lws_set_extension_option(wsi, "permessage-deflate", "tx_buf_size", "13");
		lws_set_extension_option(wsi, "permessage-deflate", "rx_buf_size", "14");
		return 0;

	case LWS_CALLBACK_RECEIVE:
		return receive(c, in, len);

	case LWS_CALLBACK_SERVER_WRITEABLE:
		return write_one(c);

	case LWS_CALLBACK_CLOSED:
		lws_sul_cancel(&c->sul_close);
		for (pp = &the_server->conns; *pp != NULL; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		ws_term_conn_closed(c);
		while (c->out != NULL) {
			struct frame *f = c->out;

			c->out = f->next;
			free(f);
		}
		free(c->sent);
		c->sent = NULL;
		free(c->rx);
		c->rx = NULL;
		the_server->m.ws_connections_open--;
		the_server->m.sessions_live--;
		return 0;

	default:
		break;
	}
	return 0;
}

size_t
ws_conn_size(void)
{
	return sizeof(struct conn);
}
