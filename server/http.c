/*
 * http: the dynamic HTTP endpoints of doc/PROTOCOL.md — health, metrics,
 * sign-in, join-with-code, sign-out, "who am I" and the grade export.
 * Static files are served by the lws file mount set up in serve.c.
 *
 * A request is answered in two steps, as libwebsockets wants: the headers
 * are written from the HTTP (or BODY_COMPLETION) callback, the body from
 * WRITEABLE, at most one lws_write per callback.  Request bodies are
 * capped at HTTP_BODY_MAX; a bigger one is refused without being read.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "server/auth.h"
#include "server/hasher.h"
#include "server/log.h"
#include "server/server.h"

#define HTTP_BODY_MAX 4096
#define HTTP_CHUNK 16384
#define HTTP_RESP_MAX (32u * 1024 * 1024)

struct http_req {
	char path[256];
	int is_post;
	char body[HTTP_BODY_MAX + 1];
	size_t body_len;
	int body_too_big;

	int status;
	const char *content_type;
	char set_cookie[256];
	char extra_name[32];		/* one extra header: "retry-after:", "content-disposition:" */
	char extra_value[128];
	char *resp;			/* malloc'd body */
	size_t resp_len, resp_sent;
	int phase;			/* 0 nothing to send, 1 headers due, 2 body */

	/* a sign-in or join waiting for the hasher (hasher.h) */
	struct lws *wsi;
	struct hasher_job *job;
	struct store_user user;
	char akey[160], ukey[160], addr[128];
	char pw[AUTH_PASSWORD_MAX + 1];	/* login: for a rehash; join: the passphrase */
	int64_t cohort_id;
	char nick[STORE_NAME_MAX + 1];
};

/* ---- helpers shared with ws.c ---------------------------------------- */

void
server_peer(struct lws *wsi, char *buf, size_t len)
{
	if (lws_get_peer_simple(wsi, buf, len) == NULL)
		snprintf(buf, len, "?");
}

struct nick_arg {
	int64_t user_id;
	char *buf;
	size_t len;
	int found;
};

static int
nick_member_cb(const struct store_member *m, void *arg)
{
	struct nick_arg *n = arg;

	if (m->user_id != n->user_id)
		return 0;
	snprintf(n->buf, n->len, "%s", m->nickname);
	n->found = 1;
	return 1;
}

static int
nick_cohort_cb(const struct store_cohort *c, void *arg)
{
	struct nick_arg *n = arg;

	store_cohort_members(the_server->store, c->id, nick_member_cb, n);
	return n->found;
}

/* Joined learners are named "~<id>" by the store; people see their nickname. */
void
server_display_name(const struct store_user *u, char *buf, size_t len)
{
	struct nick_arg n = { u->id, buf, len, 0 };

	snprintf(buf, len, "%s", u->name);
	if (u->role == STORE_ROLE_LEARNER && u->name[0] == '~')
		store_cohort_of_learner(the_server->store, u->id, nick_cohort_cb, &n);
}

json_t *
server_user_json(const struct store_user *u)
{
	char display[STORE_NAME_MAX + 1];

	server_display_name(u, display, sizeof display);
	return json_pack("{sI ss ss ss}", "id", (json_int_t)u->id, "name", u->name,
	    "display", display, "role", store_role_name(u->role));
}

/* Finds name=value in a Cookie header. */
static int
cookie_value(const char *header, const char *name, const char **val, size_t *len)
{
	size_t n = strlen(name);
	const char *p = header;

	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			*val = p + n + 1;
			*len = strcspn(*val, ";");
			while (*len > 0 && (*val)[*len - 1] == ' ')
				(*len)--;
			return 0;
		}
		p += strcspn(p, ";");
	}
	return -1;
}

int
server_principal_from_cookie(struct server *s, struct lws *wsi, struct principal *p)
{
	char header[1024];
	const char *val;
	size_t len;
	int n;

	n = lws_hdr_copy(wsi, header, sizeof header, WSI_TOKEN_HTTP_COOKIE);
	if (n <= 0)
		return -1;
	if (cookie_value(header, SERVER_COOKIE, &val, &len) != 0)
		return -1;
	if (auth_token_hash(val, len, p->token_hash) != 0)
		return -1;
	if (store_session_lookup(s->store, p->token_hash, (int64_t)time(NULL), NULL, &p->user) != STORE_OK)
		return -1;
	server_display_name(&p->user, p->display, sizeof p->display);
	return 0;
}

int
server_origin_allowed(struct server *s, struct lws *wsi)
{
	char origin[256], host[256], self[300];
	int i;

	if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0)
		return 0;
	for (i = 0; i < s->cfg.norigins; i++)
		if (strcmp(origin, s->cfg.origins[i]) == 0)
			return 1;
	if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
		return 0;
	snprintf(self, sizeof self, "%s://%s", s->tls ? "https" : "http", host);
	return strcmp(origin, self) == 0;
}

/* ---- responses -------------------------------------------------------- */

static void
set_body(struct http_req *r, int status, const char *type, char *body, size_t len)
{
	free(r->resp);
	r->status = status;
	r->content_type = type;
	r->resp = body;
	r->resp_len = len;
	r->resp_sent = 0;
}

/* Takes ownership of j. */
static void
set_json(struct http_req *r, int status, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (text == NULL) {
		text = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
		status = 500;
	}
	set_body(r, status, "application/json", text, text != NULL ? strlen(text) : 0);
}

static void
set_error(struct http_req *r, int status, const char *code, const char *message)
{
	metrics_error(&the_server->m, code);
	set_json(r, status, json_pack("{s{ss ss}}", "error", "code", code, "message", message));
}

static void
set_session_cookie(struct http_req *r, const char *token, int max_age)
{
	snprintf(r->set_cookie, sizeof r->set_cookie,
	    "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", SERVER_COOKIE, token,
	    max_age, the_server->tls ? "; Secure" : "");
}

static int
send_headers(struct lws *wsi, struct http_req *r)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
	    *end = buf + sizeof buf - 1;

	if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->content_type,
	    (lws_filepos_t)r->resp_len, &p, end))
		return -1;
	if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
	    (const unsigned char *)"no-store", 8, &p, end))
		return -1;
	if (r->set_cookie[0] != '\0' &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"set-cookie:",
	    (const unsigned char *)r->set_cookie, (int)strlen(r->set_cookie), &p, end))
		return -1;
	if (r->extra_name[0] != '\0' &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)r->extra_name,
	    (const unsigned char *)r->extra_value, (int)strlen(r->extra_value), &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

/* The answer is ready: headers and body go out from WRITEABLE. */
static void
respond(struct lws *wsi, struct http_req *r)
{
	r->phase = 1;
	lws_callback_on_writable(wsi);
}

static int
send_body_chunk(struct lws *wsi, struct http_req *r)
{
	unsigned char buf[LWS_PRE + HTTP_CHUNK];
	size_t n = r->resp_len - r->resp_sent;
	int final;

	if (n > HTTP_CHUNK)
		n = HTTP_CHUNK;
	final = r->resp_sent + n == r->resp_len;
	if (n > 0)
		memcpy(buf + LWS_PRE, r->resp + r->resp_sent, n);
	if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return -1;
	r->resp_sent += n;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- endpoints -------------------------------------------------------- */

static void
do_healthz(struct http_req *r)
{
	int v;

	if (store_schema_version(the_server->store, &v) != STORE_OK) {
		set_body(r, 503, "text/plain", strdup("store unavailable\n"), 18);
		return;
	}
	set_body(r, 200, "text/plain", strdup("ok\n"), 3);
}

static void
do_metrics(struct http_req *r)
{
	struct store_stats st;
	size_t cap = 16384;
	char *buf = malloc(cap);

	if (buf == NULL) {
		set_error(r, 500, "internal", "out of memory");
		return;
	}
	store_stats_get(the_server->store, &st);
	set_body(r, 200, "text/plain; version=0.0.4", buf, metrics_render(&the_server->m, &st, buf, cap));
}

static void
do_me(struct lws *wsi, struct http_req *r)
{
	struct principal p;

	if (server_principal_from_cookie(the_server, wsi, &p) != 0) {
		set_error(r, 401, "unauthenticated", "Please sign in.");
		return;
	}
	set_json(r, 200, json_pack("{so}", "user", server_user_json(&p.user)));
}

/* Refuses the request when an account or address has failed too often. */
static int
rate_limited(struct http_req *r, const char *addr_key, const char *acct_key)
{
	uint64_t wait_ms = ratelimit_check(the_server->rl_addr, addr_key, strlen(addr_key));
	uint64_t w2 = acct_key != NULL ?
	    ratelimit_check(the_server->rl_account, acct_key, strlen(acct_key)) : 0;

	if (w2 > wait_ms)
		wait_ms = w2;
	if (wait_ms == 0)
		return 0;
	the_server->m.logins_limited++;
	set_error(r, 429, "rate_limited",
	    "Too many failed attempts. Wait a little, then try again.");
	snprintf(r->extra_name, sizeof r->extra_name, "retry-after:");
	snprintf(r->extra_value, sizeof r->extra_value, "%llu",
	    (unsigned long long)(wait_ms + 999) / 1000);
	return 1;
}

static void
start_session(struct http_req *r, const struct store_user *u, json_t *reply)
{
	char token[AUTH_TOKEN_TEXT_SIZE];
	unsigned char hash[STORE_TOKEN_HASH_LEN];
	int ttl = the_server->cfg.session_hours * 3600;

	auth_token_new(token, hash);
	if (store_session_create(the_server->store, hash, u->id, (int64_t)time(NULL) + ttl) != STORE_OK) {
		json_decref(reply);
		set_error(r, 500, "internal", "Could not start a session; try again.");
		return;
	}
	set_session_cookie(r, token, ttl);
	json_object_set_new(reply, "user", server_user_json(u));
	set_json(r, 200, reply);
}

static void
login_bad(struct http_req *r)
{
	ratelimit_fail(the_server->rl_addr, r->akey, strlen(r->akey));
	ratelimit_fail(the_server->rl_account, r->ukey, strlen(r->ukey));
	the_server->m.logins_failed++;
	log_info("sign-in refused from %s", r->addr);
	set_error(r, 401, "bad_credentials", "That name and password do not match.");
}

static void
login_done(void *arg, int ok, const char *hash)
{
	struct http_req *r = arg;

	(void)hash;
	r->job = NULL;
	if (ok < 0) {
		set_error(r, 503, "internal", "The server is busy; try again in a moment.");
	} else if (ok == 0 || r->user.id == 0 || r->user.disabled) {
		login_bad(r);
	} else {
		ratelimit_reset(the_server->rl_account, r->ukey, strlen(r->ukey));
		if (auth_password_needs_rehash(r->user.pwhash)) {
			char fresh[AUTH_PWHASH_SIZE];

			/* stronger limits than when it was set: upgrade while we know the password
			 * (rare: only after the limits change, so done here on the loop) */
			if (auth_password_hash(r->pw, strlen(r->pw), fresh) == 0 &&
			    store_user_set_password(the_server->store, r->user.id, fresh) == STORE_OK)
				log_info("sign-in: password hash of %s upgraded", r->user.name);
		}
		the_server->m.logins_ok++;
		log_info("sign-in: %s from %s", r->user.name, r->addr);
		start_session(r, &r->user, json_object());
	}
	sodium_memzero(r->pw, sizeof r->pw);
	respond(r->wsi, r);
}

/* Returns 1 when the answer comes later (from the hasher). */
static int
do_login(struct lws *wsi, struct http_req *r, json_t *body)
{
	const char *name = json_string_value(json_object_get(body, "name"));
	const char *code = json_string_value(json_object_get(body, "code"));
	const char *nick = json_string_value(json_object_get(body, "nickname"));
	const char *pw = json_string_value(json_object_get(body, "password"));
	char norm[AUTH_JOIN_CODE_SIZE];
	struct store_cohort c;
	int found = 0;

	if (pw == NULL || (name == NULL && (code == NULL || nick == NULL))) {
		set_error(r, 400, "bad_message",
		    "Send {\"name\",\"password\"} or {\"code\",\"nickname\",\"password\"}.");
		return 0;
	}
	if (strlen(pw) > AUTH_PASSWORD_MAX) {
		set_error(r, 400, "bad_message", "That password is too long.");
		return 0;
	}
	server_peer(wsi, r->addr, sizeof r->addr);
	snprintf(r->akey, sizeof r->akey, "a:%s", r->addr);
	if (name != NULL)
		snprintf(r->ukey, sizeof r->ukey, "u:%.64s", name);
	else
		snprintf(r->ukey, sizeof r->ukey, "n:%.16s/%.64s", code, nick);
	if (rate_limited(r, r->akey, r->ukey))
		return 0;
	if (name != NULL) {
		found = strlen(name) <= STORE_NAME_MAX &&
		    store_user_get_by_name(the_server->store, name, &r->user) == STORE_OK;
	} else if (auth_join_code_normalize(code, norm) == 0 &&
	    store_cohort_get_by_join_code(the_server->store, norm, &c) == STORE_OK) {
		found = strlen(nick) <= STORE_NAME_MAX &&
		    store_cohort_member_by_nickname(the_server->store, c.id, nick, NULL, &r->user) == STORE_OK;
	}
	if (!found)
		memset(&r->user, 0, sizeof r->user);	/* the dummy costs the same time as a verify */
	snprintf(r->pw, sizeof r->pw, "%s", pw);
	r->wsi = wsi;
	r->job = hasher_submit(the_server->vhost, found ? HASHER_VERIFY : HASHER_DUMMY,
	    found ? r->user.pwhash : NULL, pw, strlen(pw), login_done, r);
	if (r->job == NULL) {
		sodium_memzero(r->pw, sizeof r->pw);
		set_error(r, 503, "internal", "The server is busy; try again in a moment.");
		return 0;
	}
	return 1;
}

static void
join_done(void *arg, int ok, const char *pwhash)
{
	struct http_req *r = arg;
	struct store_user u;
	int64_t uid;
	int rc;

	r->job = NULL;
	if (ok != 1) {
		set_error(r, 503, "internal", "Could not create the account; try again in a moment.");
		goto out;
	}
	rc = store_cohort_join(the_server->store, r->cohort_id, r->nick, pwhash, &uid);
	if (rc == STORE_EXISTS) {
		set_error(r, 409, "nickname_taken",
		    "Someone in this group already uses that nickname. Pick another one.");
		goto out;
	}
	if (rc != STORE_OK || store_user_get_by_id(the_server->store, uid, &u) != STORE_OK) {
		set_error(r, 500, "internal", "Could not create the account; try again.");
		goto out;
	}
	the_server->m.joins++;
	log_info("join: %s joined cohort %lld from %s", u.name, (long long)r->cohort_id, r->addr);
	start_session(r, &u, json_pack("{ss}", "passphrase", r->pw));
	ws_notify_progress(the_server, u.id);	/* the new row appears in watching grids */
out:
	sodium_memzero(r->pw, sizeof r->pw);
	respond(r->wsi, r);
}

/* Returns 1 when the answer comes later (from the hasher). */
static int
do_join(struct lws *wsi, struct http_req *r, json_t *body)
{
	const char *code = json_string_value(json_object_get(body, "code"));
	const char *nick = json_string_value(json_object_get(body, "nickname"));
	char norm[AUTH_JOIN_CODE_SIZE], phrase[AUTH_PASSPHRASE_SIZE];
	const char *why = NULL;
	struct store_cohort c;
	struct store_member mem;
	struct store_user other;

	if (code == NULL || nick == NULL) {
		set_error(r, 400, "bad_message", "Send {\"code\",\"nickname\"}.");
		return 0;
	}
	server_peer(wsi, r->addr, sizeof r->addr);
	snprintf(r->akey, sizeof r->akey, "a:%s", r->addr);
	if (rate_limited(r, r->akey, NULL))
		return 0;
	if (auth_join_code_normalize(code, norm) != 0 ||
	    store_cohort_get_by_join_code(the_server->store, norm, &c) != STORE_OK) {
		ratelimit_fail(the_server->rl_addr, r->akey, strlen(r->akey));
		set_error(r, 404, "not_found", "No group has that code. Check it with your instructor.");
		return 0;
	}
	if (auth_nickname_valid(nick, &why) != 0) {
		set_error(r, 400, "bad_nickname", why != NULL ? why : "Choose another nickname.");
		return 0;
	}
	/* taken already: say so now rather than after hashing */
	if (store_cohort_member_by_nickname(the_server->store, c.id, nick, &mem, &other) == STORE_OK) {
		set_error(r, 409, "nickname_taken",
		    "Someone in this group already uses that nickname. Pick another one.");
		return 0;
	}
	auth_passphrase_new(phrase);
	snprintf(r->pw, sizeof r->pw, "%s", phrase);
	snprintf(r->nick, sizeof r->nick, "%s", nick);
	r->cohort_id = c.id;
	r->wsi = wsi;
	r->job = hasher_submit(the_server->vhost, HASHER_HASH, NULL, phrase, strlen(phrase), join_done, r);
	sodium_memzero(phrase, sizeof phrase);
	if (r->job == NULL) {
		sodium_memzero(r->pw, sizeof r->pw);
		set_error(r, 503, "internal", "The server is busy; try again in a moment.");
		return 0;
	}
	return 1;
}

static void
do_logout(struct lws *wsi, struct http_req *r)
{
	struct principal p;

	if (server_principal_from_cookie(the_server, wsi, &p) == 0)
		store_session_delete(the_server->store, p.token_hash);
	set_session_cookie(r, "", 0);
	set_json(r, 200, json_object());
}

struct csv_buf {
	char *buf;
	size_t len, cap;
};

static int
csv_write(const char *data, size_t len, void *arg)
{
	struct csv_buf *b = arg;
	char *nb;

	if (b->len + len > HTTP_RESP_MAX)
		return -1;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + len)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (nb == NULL)
			return -1;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	return 0;
}

/* Columns of the export: every step of every lab enabled for the cohort, in lab order. */
struct columns {
	struct store_csv_column *cols;
	size_t n, cap;
	json_t *keep;			/* owns the strings the columns point at */
};

static int
collect_columns(const struct store_lab *lab, void *arg)
{
	struct columns *c = arg;
	json_t *manifest = lab->manifest != NULL ? json_loads(lab->manifest, 0, NULL) : NULL;
	json_t *steps = json_object_get(manifest, "steps"), *step, *labid;
	size_t i;

	if (!json_is_array(steps)) {
		json_decref(manifest);
		return 0;
	}
	labid = json_string(lab->id);
	json_array_append_new(c->keep, labid);
	json_array_append_new(c->keep, manifest);
	json_array_foreach(steps, i, step) {
		const char *sid = json_string_value(json_object_get(step, "id"));

		if (sid == NULL)
			continue;
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 32;
			struct store_csv_column *nc = realloc(c->cols, cap * sizeof *nc);

			if (nc == NULL)
				return 1;
			c->cols = nc;
			c->cap = cap;
		}
		c->cols[c->n].lab_id = json_string_value(labid);
		c->cols[c->n].step_id = sid;
		c->n++;
	}
	return 0;
}

static void
do_grades(struct lws *wsi, struct http_req *r, const char *rest)
{
	struct principal p;
	struct store_cohort c;
	struct csv_buf b = { 0 };
	struct columns cols = { 0 };
	char *end;
	long long id;

	if (server_principal_from_cookie(the_server, wsi, &p) != 0) {
		set_error(r, 401, "unauthenticated", "Please sign in.");
		return;
	}
	id = strtoll(rest, &end, 10);
	if (id <= 0 || strcmp(end, "/grades.csv") != 0) {
		set_error(r, 404, "not_found", "No such page.");
		return;
	}
	if (store_cohort_get(the_server->store, id, &c) != STORE_OK) {
		set_error(r, 404, "not_found", "No such group.");
		return;
	}
	if (p.user.role != STORE_ROLE_ADMIN &&
	    !(p.user.role == STORE_ROLE_INSTRUCTOR &&
	    store_cohort_is_instructor_of(the_server->store, p.user.id, id) == 1)) {
		set_error(r, 403, "forbidden", "Only this group's instructor can export its grades.");
		return;
	}
	cols.keep = json_array();
	store_cohort_labs(the_server->store, id, collect_columns, &cols);
	if (store_cohort_export_csv(the_server->store, id, cols.n ? cols.cols : NULL, cols.n,
	    csv_write, &b) != STORE_OK) {
		free(b.buf);
		free(cols.cols);
		json_decref(cols.keep);
		set_error(r, 500, "internal", "The export failed; see the server log.");
		return;
	}
	free(cols.cols);
	json_decref(cols.keep);
	store_audit_add(the_server->store, p.user.name, "cohort.export", c.name, "");
	set_body(r, 200, "text/csv; charset=utf-8", b.buf, b.len);
	snprintf(r->extra_name, sizeof r->extra_name, "content-disposition:");
	snprintf(r->extra_value, sizeof r->extra_value, "attachment; filename=\"grades-%lld.csv\"", id);
}

static void
route_get(struct lws *wsi, struct http_req *r)
{
	if (strcmp(r->path, "/healthz") == 0)
		do_healthz(r);
	else if (strcmp(r->path, "/metrics") == 0)
		do_metrics(r);
	else if (strcmp(r->path, "/api/me") == 0)
		do_me(wsi, r);
	else if (strncmp(r->path, "/api/cohorts/", 13) == 0)
		do_grades(wsi, r, r->path + 13);
	else
		set_error(r, 404, "not_found", "No such page.");
}

/* Returns 1 when the answer comes later. */
static int
route_post(struct lws *wsi, struct http_req *r)
{
	json_t *body;
	int later = 0;

	if (r->body_too_big) {
		set_error(r, 413, "too_large", "The request is too large.");
		return 0;
	}
	if (!server_origin_allowed(the_server, wsi)) {
		set_error(r, 403, "forbidden", "This request must come from the labhub page itself.");
		return 0;
	}
	if (strcmp(r->path, "/api/logout") == 0) {
		do_logout(wsi, r);
		return 0;
	}
	body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(body)) {
		json_decref(body);
		set_error(r, 400, "bad_json", "The request body must be a JSON object.");
		return 0;
	}
	if (strcmp(r->path, "/api/login") == 0)
		later = do_login(wsi, r, body);
	else if (strcmp(r->path, "/api/join") == 0)
		later = do_join(wsi, r, body);
	else
		set_error(r, 404, "not_found", "No such endpoint.");
	json_decref(body);
	return later;
}

int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct http_req *r = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		memset(r, 0, sizeof *r);
		the_server->m.http_requests++;
		r->is_post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
		if (lws_hdr_copy(wsi, r->path, sizeof r->path,
		    r->is_post ? WSI_TOKEN_POST_URI : WSI_TOKEN_GET_URI) < 0) {
			set_error(r, 414, "too_large", "The address is too long.");
			respond(wsi, r);
			return 0;
		}
		if (r->is_post)
			return 0;	/* answered at BODY_COMPLETION */
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
			set_error(r, 405, "bad_message", "Only GET and POST are supported.");
		else
			route_get(wsi, r);
		respond(wsi, r);
		return 0;

	case LWS_CALLBACK_HTTP_BODY:
		if (r->body_len + len > HTTP_BODY_MAX) {
			r->body_too_big = 1;
			return 0;
		}
		memcpy(r->body + r->body_len, in, len);
		r->body_len += len;
		r->body[r->body_len] = '\0';
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!route_post(wsi, r))
			respond(wsi, r);
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (r->phase == 1) {
			r->phase = 2;
			return send_headers(wsi, r);
		}
		if (r->phase == 2)
			return send_body_chunk(wsi, r);
		return 0;

	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (r != NULL) {
			if (r->job != NULL)
				hasher_cancel(r->job);	/* the client left before the answer */
			r->job = NULL;
			sodium_memzero(r->pw, sizeof r->pw);
			free(r->resp);
			r->resp = NULL;
		}
		return 0;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

size_t http_req_size(void);
size_t
http_req_size(void)
{
	return sizeof(struct http_req);
}
