/*
 * ws_term: the learner's cell as seen from the server — one struct term
 * per live attempt cell, holding the cell (sandbox/cell.h), its IPC socket
 * and PTY master adopted on the lws loop, the connection attached to it (at
 * most one), and the checks and hints waiting for the warden's answer.
 *
 * A cell outlives its browser connection for a grace period so that a
 * reload or a network drop re-attaches the same shell; after that, or at
 * the cell's lifetime/idle limit, it is stopped (the workspace stays on
 * disk under <data>/workspaces/, and a later attach starts a fresh cell on
 * it).  Backpressure: while the attached connection has more than half of
 * max-queued bytes waiting, the PTY is not read (lws_rx_flow_control), so
 * the shell blocks on write instead of the server buffering its output.
 */
#ifndef LABHUB_WS_TERM_H
#define LABHUB_WS_TERM_H

#include <jansson.h>
#include <libwebsockets.h>

#include "server/store.h"

struct conn;
struct server;

enum ws_run_kind { WS_RUN_CHECK, WS_RUN_HINT };

/* Runs a check or hint of attempt a in its cell (starting the cell if needed); the reply goes to c. */
void ws_term_run(struct conn *c, const json_t *id, const struct store_attempt *a,
    enum ws_run_kind kind, const char *step, int index, const char *answer);

/*
 * Answers lab.open (request id, lang or NULL, created: the attempt is new)
 * of attempt a on c once the attempt's per-learner values for {{name}} in
 * the step texts are known, through ws_lab_open_reply(): at once when the
 * store has them for the lab's content_hash, otherwise when `lab exec
 * values` has run in a throwaway cell adopted on the loop (nothing waits
 * for it).  Every lab.open of the same attempt meanwhile waits on that one
 * run (at most 8; more get rate_limited).  A broken values() is answered
 * with lab_error, a cell that cannot start or no answer within 18 s with
 * cell_failed.  c may go away meanwhile; the values are still stored.
 */
void ws_term_values(struct conn *c, const json_t *id, const struct store_attempt *a,
    const char *content_hash, const char *lang, int created);

/* Stops every cell (server shutdown). */
void ws_term_shutdown(struct server *s);

/* At start-up: deletes what an instructor's reset left before a crash or a stop. */
void ws_term_workspace_sweep(void);
/* Spare workspace images of the default cap, made ahead (root with loop devices only). */
void ws_term_spare_images(void);

/* Protocol for adopted raw fds (cell IPC sockets, PTY masters). */
int ws_term_raw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len);
#define WS_TERM_RAW_PROTOCOL "labhub-raw"

/* ws_lab.c, called with a check or hint result (c may be NULL: learner gone). */
void ws_lab_record(struct conn *c, const json_t *id, const struct store_attempt *a,
    enum ws_run_kind kind, const char *step, int index, const char *answer, const json_t *result);
/* ws_lab.c: the lab.open reply for attempt a with its values (borrowed). */
void ws_lab_open_reply(struct conn *c, const json_t *id, const struct store_attempt *a,
    const char *lang, int created, const json_t *values);
json_t *ws_lab_steps_json(const struct store_lab *lab, const struct store_attempt *a,
    const char *lang, const json_t *values, int *score);

#endif
