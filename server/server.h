/*
 * server: the state of one `labhub serve` process, shared by the HTTP
 * callbacks (http.c), the labhub.v1 WebSocket protocol (ws.c), the lab
 * catalog (catalog.c) and start-up (serve.c).  Everything here is touched
 * only from the lws loop.
 */
#ifndef LABHUB_SERVER_H
#define LABHUB_SERVER_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stdint.h>

#include "server/config.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/store.h"

#define SERVER_COOKIE "labhub_session"
#define SERVER_WS_PROTOCOL "labhub.v1"

struct conn;

struct server {
	struct config cfg;
	struct store *store;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct ratelimit *rl_addr;	/* failed sign-ins per client address */
	struct ratelimit *rl_account;	/* failed sign-ins per account */
	struct metrics m;
	struct conn *conns;		/* every open labhub.v1 connection */
	int tls;
	int uv;				/* the loop is libuv's (else lws's poll) */
};

/* The one server of this process (set by serve.c before the loop runs). */
extern struct server *the_server;

/* The authenticated principal of a request or connection. */
struct principal {
	struct store_user user;
	unsigned char token_hash[STORE_TOKEN_HASH_LEN];
	char display[STORE_NAME_MAX + 1];	/* nickname for joined learners */
};

/*
 * Finds the live session named by the request's Cookie header.
 * Returns 0 and fills p, or -1 (no cookie, malformed, unknown, expired,
 * disabled account).
 */
int server_principal_from_cookie(struct server *s, struct lws *wsi, struct principal *p);

/* 1 if the request's Origin header is allowed (own origin or configured), else 0. */
int server_origin_allowed(struct server *s, struct lws *wsi);

/* The client's address as text (never fails: "?" if unknown). */
void server_peer(struct lws *wsi, char *buf, size_t len);

/* What a person sees as the user's name: the nickname part of "<cohort>~<nick>". */
void server_display_name(const struct store_user *u, char *buf, size_t len);

/* {"id","name","display","role"} — new reference. */
json_t *server_user_json(const struct store_user *u);

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
size_t ws_conn_size(void);

/* Pushes a grid.update for attempt's learner to every connection watching one of their cohorts. */
void ws_notify_progress(struct server *s, int64_t user_id);

#endif
