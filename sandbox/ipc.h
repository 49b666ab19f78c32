/*
 * ipc: framed messages between the supervisor (server, `labhub cell run`)
 * and the warden (PID 1 of a cell) over a SOCK_SEQPACKET socketpair.
 *
 * A frame is one datagram:  u32 length (big endian, of what follows) |
 * u8 type | JSON object (jansson), at most IPC_MAX_FRAME bytes in all,
 * optionally carrying up to IPC_MAX_FDS descriptors with SCM_RIGHTS.
 * SOCK_SEQPACKET keeps frame boundaries, so a short or long read is a
 * protocol error, not a partial frame.  Anything malformed from the peer
 * (bad length, unknown type, invalid JSON, not an object, truncated
 * control data, too many fds) makes ipc_recv() fail with EPROTO: the
 * caller treats that as fatal for the cell.
 *
 * No allocation beyond jansson's for the payload; callable from any
 * process; never blocks unless the socket is blocking.
 */
#ifndef LABHUB_SANDBOX_IPC_H
#define LABHUB_SANDBOX_IPC_H

#include <jansson.h>

#define IPC_MAX_FRAME (64 * 1024)
#define IPC_MAX_FDS 4

enum ipc_type {
	IPC_READY = 1,	/* warden -> supervisor: cell contained, accepting requests */
	IPC_SPAWN,	/* supervisor -> warden: start a process (shell or command) */
	IPC_SPAWNED,	/* warden -> supervisor: spawn result (+ PTY master fd) */
	IPC_EXIT,	/* warden -> supervisor: a spawned process ended */
	IPC_EXEC,	/* supervisor -> warden: run a command, capture output */
	IPC_RESULT,	/* warden -> supervisor: result of IPC_EXEC */
	IPC_ACTIVITY,	/* supervisor -> warden: learner activity (idle timer) */
	IPC_STOP,	/* supervisor -> warden: end the cell */
	IPC_ENDING,	/* warden -> supervisor: the cell is ending (reason) */
	IPC_ERROR,	/* either way: a request failed (message) */
	IPC_SPEC,	/* supervisor -> spare warden: the one cell it becomes (sandbox/spare.c) */
	IPC_TYPE_MAX
};

const char *ipc_type_name(int type);

/*
 * Send one frame.  `obj` is borrowed (not freed).  `fds` may be NULL when
 * nfds is 0.  Returns 0, or -1 with errno (EMSGSIZE when the encoded frame
 * exceeds IPC_MAX_FRAME).
 */
int ipc_send(int sock, int type, json_t *obj, const int *fds, int nfds);

/*
 * Receive one frame.  On success returns 0, stores the type, a new
 * reference to the JSON object in *obj (caller json_decref()s it) and the
 * received descriptors in fds[0..*nfds) (caller owns and closes them; all
 * are O_CLOEXEC).  `fds` may be NULL, then any received fd is a protocol
 * error.  Returns -1 with errno: EPROTO for a malformed frame, ECONNRESET
 * when the peer closed, EAGAIN for a non-blocking socket with nothing to
 * read, or the recvmsg() error.
 */
int ipc_recv(int sock, int *type, json_t **obj, int *fds, int *nfds);

/*
 * Decode a frame already in memory (the part of ipc_recv that judges what
 * the peer sent; exposed for tests and fuzzing).  Same contract as ipc_recv.
 */
int ipc_decode(const unsigned char *buf, size_t len, int *type, json_t **obj);

/* Wait up to timeout_ms for `sock` to become readable: 1 ready, 0 timeout, -1 error. */
int ipc_wait(int sock, int timeout_ms);

/*
 * A contain step failed in a cell's child (before or instead of the warden):
 * tells the supervisor "<what>: <strerror(err)>" as an IPC_ERROR with tag 0,
 * then _exit(1).
 */
void ipc_fail_exit(int sock, const char *what, int err) __attribute__((noreturn));

#endif
