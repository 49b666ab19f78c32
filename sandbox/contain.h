/*
 * contain: the internal interface between cell.c (which orders the steps)
 * and the one-file-per-mechanism sources.  Functions that run inside the
 * new cell return -1 with errno and fill a short "step: syscall" reason in
 * struct contain_err, so the warden can report what failed before it dies:
 * no half-contained cell ever runs.
 */
#ifndef LABHUB_SANDBOX_CONTAIN_H
#define LABHUB_SANDBOX_CONTAIN_H

#include <stddef.h>
#include <sys/types.h>

#include "sandbox/cell.h"

struct contain_err {
	char what[160];
	int err;
};

int contain_fail(struct contain_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* What the cell looks like from inside (filled by the parent before clone). */
struct contain_ctx {
	int unpriv;		/* one-uid mapping */
	unsigned learner_uid, lab_uid;
	/* Bind sources, checked by the parent; opened again (O_PATH) by the child,
	 * because a bind needs a mount of the child's own namespace. */
	const char *ws_path, *lab_path;
	char exe_path[4096];
	/* labhub-roa (the RPKI lab's tool) when it sits next to the labhub
	 * executable, as after make and after make install; "" if not */
	char tool_path[4096];
	int ws_fd, lab_fd, exe_fd;	/* in the child: O_PATH fds, -1 if none */
	int ws_mnt_fd;		/* image workspace (workspace.c): detached mount to move, or -1 */
	int tool_fd;
	struct cell_limits limits;
	unsigned degraded;
	const void *bpf;	/* struct sock_fprog filter compiled by seccomp_filter_compile() */
	int cg_fds[3];		/* cgroup.procs of the cell's cgroups, opened by the parent, or -1 */
	/* st_dev, st_ino of workspace, lab folder, exe, tool as the parent checked them */
	unsigned long long ids[4][2];
};

/* cell.c: remove everything inside dirfd, never following a link or leaving st_dev `dev` */
int remove_in(int dirfd, int depth, dev_t dev);

/* userns.c */
int userns_write_maps(pid_t pid, int unpriv, char *err, size_t errlen);
int userns_become_root(const struct contain_ctx *x, struct contain_err *e);
int userns_clear_ambient(struct contain_err *e);
int userns_drop_to(unsigned uid, int unpriv);	/* in a spawned child, before exec */

/* mount.c */
int mount_build_root(const struct contain_ctx *x, struct contain_err *e);

/* net.c */
int net_setup(struct contain_err *e);

/* rlimit.c */
int rlimit_apply(const struct contain_ctx *x, struct contain_err *e);

/* seccomp.c: compile once in the parent (cached; built in at build time);
 * seccomp_load.c: sent over the sync pipe when a spare is released, received
 * by the spare, loaded as the last contain step. */
const void *seccomp_filter_compile(char *err, size_t errlen);
const void *seccomp_filter_build(char *err, size_t errlen);	/* libseccomp, now (tests) */
const void *seccomp_filter_cached(void);
int seccomp_filter_send(int fd, const void *prog);
const void *seccomp_filter_receive(int fd);
int seccomp_filter_load(const void *prog, struct contain_err *e);

/* cgroup.c */
enum { CG_MEMORY = 1, CG_PIDS = 2, CG_CPU = 4 };
struct cgroup {
	int version;		/* 1, 2, or 0 = none */
	char path[3][512];	/* v1: memory, pids, cpu; v2: path[0] */
	int n;
	unsigned missing;	/* v2: CG_* limits asked for whose controller is not there */
};
/* 0 (with cg->missing and a reason in why if some controller is missing), or -1. */
int cgroup_create(struct cgroup *cg, const char *id, const struct cell_limits *l,
    char *why, size_t whylen);
int cgroup_open_dir(const struct cgroup *cg);	/* v2: for CLONE_INTO_CGROUP */
/* v1, once a process has made two cells: make spare cgroups with limits l
 * ahead of the next cgroup_create() (call it off the critical path). */
void cgroup_refill(const struct cell_limits *l);
int cgroup_open_procs(const struct cgroup *cg, int *fds);
int cgroup_join_self(int *fds, struct contain_err *e);
void cgroup_destroy(struct cgroup *cg);
void cgroup_single_use(void);	/* one cell per process: it is the supervisor's level */

/* pty.c */
int pty_open(unsigned rows, unsigned cols, int *master, char *slave, size_t slavelen);
int pty_make_controlling(const char *slave);

/* spare.c: the spec of a cell, sent to a spare warden (cg_fds, ws_mnt_fd go along,
 * not consumed); and the spare's side: wait for it, contain, serve.  Never returns. */
int spare_send_spec(int sock, const struct contain_ctx *x);
void spare_ctx_init(struct contain_ctx *x, int unpriv);	/* a spare's: nothing of a cell */
void spare_main(int sock, int sync_fd, struct contain_ctx *x) __attribute__((noreturn));

/* cell.c: make a spare warden (clone, id maps, release), for pool.c.  exe_path
 * names the labhub executable whose labhub-warden it runs; cgfd >= 0: v2, clone3
 * into that cgroup.  0, or -1 with a reason in err. */
struct spare_warden {
	pid_t pid;
	int pidfd;	/* -1 before Linux 5.3 */
	int fd;		/* the supervisor's end of the IPC socket */
	long long born_ms;	/* CLOCK_MONOTONIC, set by pool.c */
};
int spare_make(const char *exe_path, int cgfd, struct spare_warden *s, char *err, size_t errlen);
void spare_end(struct spare_warden *s);	/* SIGKILL, reap, close */
int spare_execs_warden(const char *exe_path);	/* labhub-warden next to exe_path */

/* pool.c: spares made ahead for cells of exe_path. */
int pool_take(const char *exe_path, struct spare_warden *s);	/* 0, or -1: none (make one) */
/* cell_stop(): up to the pool's size, for the labhub of the last pool_take(),
 * once this process started two cells (the CLI starts one: no spares), unless
 * cell_pool_refill_on_stop(0) */
void pool_refill(void);

/* warden.c: never returns */
void warden_main(int sock, const struct contain_ctx *x) __attribute__((noreturn));

#endif
