/*
 * cell: the public face of the sandbox.  A cell is a tree of processes in
 * fresh user, pid, mount, net, ipc, uts and cgroup namespaces whose PID 1
 * is the warden (sandbox/warden.c).  The supervisor (the server, or
 * `labhub cell run`) holds two things per cell: the host pid of the warden
 * and the supervisor's end of a SOCK_SEQPACKET socketpair speaking the
 * frames of sandbox/ipc.h.  Everything else (requests, replies, the PTY
 * master of a shell) travels over that socket.
 *
 * Threading and blocking: call from the one thread that owns the cell (the
 * server's event loop).  Nothing here blocks without bound: cell_start()
 * waits at most CELL_START_TIMEOUT_MS for the warden's "ready";
 * cell_request_*() are single sendmsg() calls on a non-blocking socket;
 * cell_read() is one recvmsg() (EAGAIN when nothing is there, so put
 * cell_fd() on the loop and call it when readable); cell_wait_event() is
 * for the CLI and tests only; cell_stop() SIGKILLs the warden, which makes
 * the kernel kill every process in the cell, then reaps it and removes the
 * cell's cgroups (bounded by kernel teardown, typically < 10 ms).
 *
 * Ownership: struct cell belongs to the caller from cell_start() until
 * cell_stop(), which frees it and reaps the warden (do not reap it with a
 * waitpid(-1) of your own: watch cell_pidfd() or cell_fd() instead).  A PTY master fd delivered in an event is
 * owned by the caller (close it, or keep it across a browser reconnect:
 * the shell lives as long as the cell).  Resizing is TIOCSWINSZ on that
 * fd; no IPC needed.
 *
 * Identity inside: learner uid/gid 1000, lab user 1001 (also in group
 * learner, so it reads what the learner made group-readable).  Run lab
 * checks as CELL_AS_LAB: a process of the learner's own uid can be written
 * to through /proc/PID/mem or signalled by the learner, one of another uid
 * cannot (setup that creates files for the learner to edit: as learner).
 * Started as root, the cell maps 65536 ids starting at host uid CELL_HOST_ID_BASE; started
 * as an ordinary user (unprivileged user namespaces, no newuidmap) only
 * the caller's own uid can be mapped, so learner and lab share uid 1000
 * (CELL_DEGRADED_ONE_UID).  When the cgroup tree is not writable the cell
 * runs without memory/pids/cpu cgroup limits (CELL_DEGRADED_NO_CGROUP):
 * rlimits (RLIMIT_AS for memory, RLIMIT_NPROC for pids) still apply.  On
 * cgroup v2 a cell is always placed in its own cgroup when the tree is
 * writable; a limit whose controller is not available there (not
 * delegated, or bound to v1 on a hybrid host) sets the same bit, and
 * cell_degraded_text() names the controllers missing.
 *
 * Cgroups: v2 if LABHUB_CGROUP_ROOT (default /sys/fs/cgroup) is a cgroup2
 * mount, else v1 below it (memory, pids, cpu); cells live under
 * <own cgroup>/labhub/s<supervisor pid>-<start time>/<id>.  The warden is
 * inside its cgroups before it does anything else (v2: clone3 with
 * CLONE_INTO_CGROUP; v1: it writes itself into `tasks`), so everything in
 * the cell is limited from its first instruction.
 *
 * Workspace size: the workspace is on disk (it must survive a server
 * restart).  Its cap is enforced per file with RLIMIT_FSIZE (EFBIG/SIGXFSZ
 * at the cap); the scratch tmpfs mounts (/tmp, /var, /dev/shm) are
 * size-limited to the same cap and give ENOSPC.  With workspace_image set
 * and real root with loop devices, the total is capped too: the workspace
 * lives in an ext4 image DIR.img next to the directory DIR (ENOSPC at the
 * cap, less ~9% ext4 metadata; sandbox/workspace.h).  Otherwise DIR is
 * bind-mounted at /home/learner and a learner can exceed the cap with many
 * files (CELL_DEGRADED_WS_PER_FILE says so when an image was asked for).
 * With workspace == NULL, /home/learner is a tmpfs of the cap (ENOSPC at
 * the cap, gone when the cell ends).
 */
#ifndef LABHUB_SANDBOX_CELL_H
#define LABHUB_SANDBOX_CELL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CELL_START_TIMEOUT_MS 5000
#define CELL_HOST_ID_BASE 200000u	/* root mode: inside id N is host id BASE+N */
#define CELL_LEARNER_UID 1000u
#define CELL_LAB_UID 1001u
#define CELL_ID_MAX 48			/* [A-Za-z0-9_-]{1,48} */
#define CELL_EXEC_MAX_STDIN (32 * 1024)
#define CELL_EXEC_MAX_STDOUT (16 * 1024)	/* longer output is cut, truncated=1 */
#define CELL_EXEC_MAX_STDERR (8 * 1024)
#define CELL_MAX_ARGV 64

struct cell_limits {
	uint64_t memory;	/* bytes of the memory cgroup (RLIMIT_AS when degraded); 0 = none */
	unsigned pids;		/* pids.max, and RLIMIT_NPROC; 0 = none */
	unsigned cpu_percent;	/* CFS quota in percent of one CPU (100 = one CPU); 0 = none */
	unsigned cputime_s;	/* RLIMIT_CPU per process, seconds; 0 = none */
	uint64_t workspace;	/* bytes: RLIMIT_FSIZE and the size of scratch tmpfs mounts */
	unsigned lifetime_s;	/* the warden ends the cell after this many seconds; 0 = never */
	unsigned idle_s;	/* ... or after this long without any frame from the supervisor */
};

/* 256M memory, 128 pids, one CPU, 64M workspace, 4h lifetime, 30m idle. */
void cell_limits_default(struct cell_limits *l);

/*
 * Parse "memory=256M,pids=128,cpu=1,cputime=60,workspace=64M,lifetime=4h,idle=30m"
 * into *l (keys not given are left as they are).  cpu takes a number of
 * CPUs (0.5, 1, 2) or a percentage (50%).  Sizes take K/M/G suffixes,
 * times s/m/h.  Returns 0, or -1 with a message in err.
 */
int cell_limits_parse(struct cell_limits *l, const char *spec, char *err, size_t errlen);

struct cell_spec {
	const char *id;		/* names its cgroups: unique among this supervisor's live cells */
	const char *workspace;	/* host directory (exists; not a symlink) or NULL for a tmpfs */
	const char *lab_dir;	/* host directory, read-only at /lab, or NULL (empty /lab) */
	struct cell_limits limits;
	const char *labhub_exe;	/* bound at /run/labhub/labhub; NULL = the running executable */
	int workspace_image;	/* CELL_WS_*: how the workspace directory is stored */
};

enum {
	CELL_WS_DIR = 0,	/* the directory itself, bound (per-file cap only) */
	CELL_WS_IMAGE_AUTO = 1,	/* its ext4 image when this process can (root, loop), else DIR */
	CELL_WS_IMAGE = 2,	/* its ext4 image, or the start fails */
};

/* 1 when image workspaces work in this process; else 0 and the reason in why. */
int cell_workspace_image_available(char *why, size_t whylen);

/*
 * Spare workspace images, for a server: empty images of one cap in `dir`
 * (NULL: none, the default), made ahead with cell_workspace_spare_make() in
 * another process (it runs mkfs.ext4 and syncs: ~8 ms).  A workspace's
 * first image workspace then takes one of its cap by rename() when its
 * directory is empty, instead of making it on the caller's loop.
 */
void cell_workspace_spares_dir(const char *dir);
/* Make one spare of the cap (0: the default 64M).  0, or -1 with err. */
int cell_workspace_spare_make(uint64_t cap, char *err, size_t errlen);
/* Spares of the cap there are, and being made (their maker still at it). */
void cell_workspace_spares_count(uint64_t cap, unsigned *ready, unsigned *making);
/* Remove unfinished spares (their maker is gone) and those of another cap; how many. */
int cell_workspace_spares_clean(uint64_t cap);
/*
 * Attach one more spare of the cap ahead in this process (its loop device and
 * mount, ~2 ms: for idle moments), unless max are attached.  A first use
 * then costs one rename() and open_tree().  Returns how many more it could
 * attach (0: done, or no spare left to attach).
 */
unsigned cell_workspace_spares_attach(uint64_t cap, unsigned max);

enum {
	CELL_DEGRADED_ONE_UID = 1,	/* learner and lab user share one uid */
	CELL_DEGRADED_NO_CGROUP = 2,	/* no cgroup limits, rlimits only */
	CELL_DEGRADED_WS_PER_FILE = 4,	/* image asked for, not available: workspace capped per file only */
};

struct cell;

/*
 * Start a cell and wait (bounded) until its warden reports ready.  Returns
 * 0 and *out, or -1 with a one-line reason in err (the failing step and
 * syscall).  Must not be called with SIGCHLD ignored (the warden is a
 * child of the caller; reap it with cell_stop()).
 */
int cell_start(const struct cell_spec *spec, struct cell **out, char *err, size_t errlen);

/*
 * The same without waiting: returns once the warden is released (the cgroup
 * move and the id maps are done; mounts happen in the child).  The warden's
 * "ready" is consumed by cell_read() (which then returns 0 and
 * cell_is_ready() turns 1); a set-up failure arrives as CELL_EV_ERROR with
 * the failing step (then cell_stop()).  Requests may be sent before ready;
 * the warden reads them once it is.  For starting many cells at once.
 */
int cell_start_nowait(const struct cell_spec *spec, struct cell **out, char *err, size_t errlen);
int cell_is_ready(const struct cell *c);

pid_t cell_pid(const struct cell *c);		/* host pid of the warden */
/* pidfd of the warden (readable when it has exited: put it on the loop), or
 * -1 on kernels before 5.3.  Owned by the cell. */
int cell_pidfd(const struct cell *c);
int cell_fd(const struct cell *c);		/* non-blocking IPC socket; owned by the cell */
const char *cell_id(const struct cell *c);
unsigned cell_degraded(const struct cell *c);	/* CELL_DEGRADED_* bits */
/* Human-readable list of what is not available in this cell ("" if nothing). */
const char *cell_degraded_text(const struct cell *c);

enum cell_as { CELL_AS_LEARNER = 0, CELL_AS_LAB = 1 };

/*
 * Ask the warden to start argv[0] (absolute path inside the cell) with
 * argv as `as`, cwd /home/learner.  tty != 0: on a new PTY of the cell's
 * private devpts, rows x cols, as session leader; the reply event carries
 * the PTY master.  tty == 0: stdio are the three fds given (sent with
 * SCM_RIGHTS, not consumed) or /dev/null when stdio is NULL.  `tag` is
 * echoed in the CELL_EV_SPAWNED and CELL_EV_EXIT events.  Returns 0, or -1
 * with errno (EAGAIN: socket full, retry when writable).
 */
int cell_request_spawn(struct cell *c, unsigned tag, const char *const *argv,
    enum cell_as as, int tty, unsigned rows, unsigned cols, const int *stdio);

/* Interactive login bash for the learner on a PTY (spawn of /bin/bash -l). */
int cell_request_shell(struct cell *c, unsigned tag, unsigned rows, unsigned cols);

/*
 * Ask the warden to run argv as `as` with `in` (at most CELL_EXEC_MAX_STDIN
 * bytes) on stdin, and reply with its status and captured stdout/stderr
 * (capped, see CELL_EXEC_MAX_*) once it ended or was killed at timeout_ms.
 * This is how the lab runtime is run: /run/labhub/labhub lab exec ...
 */
int cell_request_exec(struct cell *c, unsigned tag, const char *const *argv,
    enum cell_as as, const char *in, size_t inlen, unsigned timeout_ms);

/* Tell the warden the learner is active (resets the idle timer).  Rate-limit it. */
int cell_notify_activity(struct cell *c);

enum cell_event_type {
	CELL_EV_SPAWNED,	/* tag, pid (inside the cell), fd = PTY master or -1 */
	CELL_EV_EXIT,		/* tag, pid, status (exit code) or signal */
	CELL_EV_RESULT,		/* tag, status/signal, out, err, timed_out, truncated */
	CELL_EV_ENDING,		/* message = reason ("lifetime", "idle", "stop"): the warden is exiting */
	CELL_EV_ERROR,		/* tag, message: a request failed; the cell is fine */
};

struct cell_event {
	enum cell_event_type type;
	unsigned tag;
	int pid, status, signal;	/* signal != 0: killed by it, status undefined */
	int fd;				/* owned by the caller after cell_read(); -1 if none */
	int timed_out, truncated;
	char *out, *err;		/* NUL-terminated copies, owned by the event */
	size_t outlen, errlen;
	char message[256];
};

/*
 * Read one event.  Returns 1 with *ev filled (release with
 * cell_event_clear()), 0 when nothing is pending (EAGAIN), -1 when the
 * cell is gone or sent a malformed frame (errno EPROTO): then call
 * cell_stop().
 */
int cell_read(struct cell *c, struct cell_event *ev);
/* As cell_read, but waits up to timeout_ms (CLI and tests). 0 = timeout. */
int cell_wait_event(struct cell *c, struct cell_event *ev, int timeout_ms);
/* Free the strings of *ev and close its fd if the caller did not take it (set ev->fd = -1 to keep it). */
void cell_event_clear(struct cell_event *ev);

/*
 * End the cell: SIGKILL to the warden (every process of the cell dies with
 * its pid namespace), reap it, remove its cgroups, close the socket, free c.
 * Returns the warden's wait status.  Never touches the workspace.
 */
int cell_stop(struct cell *c);

/*
 * Spare wardens (sandbox/pool.c).  Every warden is first cloned into its new
 * namespaces, given its id maps, made root of its user namespace with `lo`
 * up and exec'd as labhub-warden before anything of its cell is known; then
 * it gets the cell's spec (cgroups to join, workspace, lab folder, limits)
 * and builds the cell (sandbox/spare.c).  A supervisor keeps up to
 * cell_pool_size() such spares made ahead, so that cell_start() does not
 * pay the clone, the maps and the exec.  A spare becomes one cell, never a
 * second; it holds nothing of any cell, is in no cell's cgroup, runs
 * nothing, and is not a cell (its process is named labhub-spare until it
 * gets a spec).  Spares end with their supervisor (the socket closes;
 * PR_SET_PDEATHSIG).  cell_stop() refills the pool once this process has
 * started two cells (`labhub cell run`, one cell, makes none), while the
 * kernel tears the ended cell down; cell_pool_fill() does it on request (a
 * loop that refills when idle turns the first off).  A spare sees the host
 * as it was when it was made: one older than 10 minutes is ended, not used.  Without a spare (none left, or
 * none may be used: cgroup v2 with clone3, where the warden is born in its
 * cgroup; a relative workspace, lab or executable path; another labhub
 * executable than the spares were made for) a start makes its warden
 * itself, the same way.  Each idle spare costs a small warden's memory
 * (sandbox/README.md, Performance).
 */
#define CELL_POOL_DEFAULT 2
#define CELL_POOL_MAX 8
/* How many spares to keep (clamped to CELL_POOL_MAX; 0: none).  Spares beyond n end now. */
void cell_pool_set_size(unsigned n);
unsigned cell_pool_size(void);
unsigned cell_pool_spares(void);	/* spares waiting now */
/*
 * Make up to max spares, fewer if the pool is full (or not yet usable: no cell
 * started in this process yet).  Returns how many are still missing.  Each
 * takes a clone and the id maps (~1 ms), nothing waits: for a loop, when idle.
 */
unsigned cell_pool_fill(unsigned max);
/* on = 0: cell_stop() leaves the refill to cell_pool_fill() (default 1). */
void cell_pool_refill_on_stop(int on);

/*
 * For a small process that starts one cell and ends with it, with nothing
 * in memory that a cell must not see (`labhub cell run`); call it before
 * cell_start().  Its warden is then the clone of this process instead of
 * an exec of labhub-warden (which a server needs: its clone would keep a
 * copy-on-write image of the server), and the cell's cgroup is this
 * process's own level, <own>/labhub/s<pid>-<start>, not a directory below
 * it.  Saves the exec (~0.5 ms) and a mkdir and rmdir per controller.
 */
void cell_single_use(void);

/*
 * Delete a workspace directory and everything under it without following
 * any symlink (openat/unlinkat relative to O_NOFOLLOW directory fds; a
 * symlink is removed as a link, never entered).  Only regular files, dirs,
 * links, fifos, sockets and device nodes are removed.  Its image DIR.img
 * goes first (-1 with EBUSY while a cell or another process has it
 * attached).  Returns 0 or -1.
 */
int cell_workspace_remove(const char *path);

/*
 * Only the first part of cell_workspace_remove(): the image DIR.img (-1 with
 * EBUSY while attached; 0 when there is none).  It must run in the process
 * that attached images (it knows which are in use); the directory tree can
 * then be removed by any process, e.g. a child, off the caller's loop.
 */
int cell_workspace_remove_image(const char *path);

#endif
