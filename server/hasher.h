/*
 * hasher: Argon2id off the event loop.  Verifying or making a password
 * hash costs tens to hundreds of milliseconds and 64 MiB; done on the loop,
 * a class signing in at once would freeze every terminal for seconds.  Each
 * job runs in a short-lived forked child that writes its answer into a
 * pipe; the pipe is adopted on the lws loop and the caller is called back
 * when the answer is there.  At most HASHER_PARALLEL children run at once;
 * further jobs wait in a bounded FIFO.
 *
 * Loop only.  The callback runs from a raw-file callback of the pipe, never
 * from inside hasher_submit().
 */
#ifndef LABHUB_HASHER_H
#define LABHUB_HASHER_H

#include <libwebsockets.h>
#include <stddef.h>

#include "server/auth.h"

#define HASHER_PARALLEL 2
#define HASHER_QUEUE_MAX 512
#define HASHER_PROTOCOL "labhub-hasher"

enum hasher_op {
	HASHER_VERIFY,	/* does pw match stored? */
	HASHER_DUMMY,	/* spend the time of a verify; always "no" (unknown account) */
	HASHER_HASH,	/* make a hash of pw */
};

/*
 * ok: 1 match / hash made, 0 no match, -1 the job failed (fork, crash,
 * queue full).  hash: the new hash for HASHER_HASH when ok == 1, else NULL.
 */
typedef void (*hasher_done_fn)(void *arg, int ok, const char *hash);

struct hasher_job;

/*
 * Queues a job (pw is copied, at most AUTH_PASSWORD_MAX bytes; stored is
 * copied).  Returns the job, or NULL when the queue is full (the caller
 * answers "busy" itself; done is not called).
 */
struct hasher_job *hasher_submit(struct lws_vhost *vh, enum hasher_op op, const char *stored,
    const char *pw, size_t len, hasher_done_fn done, void *arg);

/* The caller went away: done will not be called for job. */
void hasher_cancel(struct hasher_job *job);

/* Jobs waiting or running (for /metrics). */
unsigned hasher_pending(void);

int hasher_raw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len);

#endif
