/*
 * spare: a warden made before its cell.  cell.c clones it into fresh
 * namespaces and writes the id maps; it brings `lo` up and execs
 * labhub-warden (sandbox/warden_exe.c),
 * all of which is the same for every cell.  Then it waits, blocked on its
 * socket, as "labhub-spare": it is in no cell's cgroup, runs nothing and
 * holds nothing of any cell.  The first frame the supervisor sends is the
 * spec of the one cell it becomes (IPC_SPEC); from there it does what
 * depends on the cell, in the order of sandbox/README.md: join the cell's
 * cgroups, open the sources it binds (checked to be the files the
 * supervisor checked), become root of its user namespace, build the mount tree, rlimits, cgroup namespace,
 * seccomp last, and serves as its warden until the cell ends.  A spare
 * takes one spec, ever: warden_main() treats a second one as an unexpected
 * frame and ends the cell.  Every cell starts this way, from the pool
 * (sandbox/pool.c) or made on demand, so a pooled cell and a fresh one run
 * the same code.
 *
 * The spec, IPC_SPEC {ws, lab, exe, tool, ids[8], limits[7], degraded, ncg,
 * wsmnt} + fds: the first ncg fds are the `tasks` (v1) or `cgroup.procs`
 * files of the cell's cgroups, opened by the supervisor (the kernel checks
 * the opener's credentials), then the workspace image's detached mount if
 * wsmnt.  ids are st_dev/st_ino of workspace, lab folder, labhub executable
 * and labhub-roa as the supervisor saw them; limits are those of struct
 * cell_limits in its order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/contain.h"
#include "sandbox/ipc.h"
#include "server/log.h"

void
spare_ctx_init(struct contain_ctx *x, int unpriv)
{
	memset(x, 0, sizeof *x);
	x->unpriv = unpriv;
	x->learner_uid = CELL_LEARNER_UID;
	x->lab_uid = unpriv ? CELL_LEARNER_UID : CELL_LAB_UID;
	x->ws_fd = x->lab_fd = x->exe_fd = x->tool_fd = x->ws_mnt_fd = -1;
	x->cg_fds[0] = x->cg_fds[1] = x->cg_fds[2] = -1;
}

static json_t *
path_or_null(const char *p)
{
	return p && p[0] ? json_string(p) : json_null();
}

int
spare_send_spec(int sock, const struct contain_ctx *x)
{
	const struct cell_limits *l = &x->limits;
	int fds[IPC_MAX_FDS], n = 0, i, r, e;
	json_t *o;

	for (i = 0; i < 3 && x->cg_fds[i] >= 0; i++)
		fds[n++] = x->cg_fds[i];
	if (x->ws_mnt_fd >= 0)
		fds[n++] = x->ws_mnt_fd;
	o = json_pack("{s:o,s:o,s:s,s:s,s:[IIIIIIII],s:[IIIIIII],s:I,s:i,s:b}",
	    "ws", path_or_null(x->ws_path), "lab", path_or_null(x->lab_path),
	    "exe", x->exe_path, "tool", x->tool_path,
	    "ids", (json_int_t)x->ids[0][0], (json_int_t)x->ids[0][1], (json_int_t)x->ids[1][0],
	    (json_int_t)x->ids[1][1], (json_int_t)x->ids[2][0], (json_int_t)x->ids[2][1],
	    (json_int_t)x->ids[3][0], (json_int_t)x->ids[3][1],
	    "limits", (json_int_t)l->memory, (json_int_t)l->pids, (json_int_t)l->cpu_percent,
	    (json_int_t)l->cputime_s, (json_int_t)l->workspace, (json_int_t)l->lifetime_s,
	    (json_int_t)l->idle_s,
	    "degraded", (json_int_t)x->degraded, "ncg", i, "wsmnt", x->ws_mnt_fd >= 0);
	if (o == NULL) {
		errno = ENOMEM;
		return -1;
	}
	r = ipc_send(sock, IPC_SPEC, o, fds, n);
	e = errno;
	json_decref(o);
	errno = e;
	return r;
}

static int
copy_path(json_t *v, int may_be_null, char *out, size_t outlen)
{
	if (json_is_null(v) && may_be_null) {
		out[0] = 0;
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) >= outlen ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* The spec into x; the fds become x's.  -1 if anything is not as spare_send_spec() makes it. */
static int
decode(json_t *o, int *fds, int nfds, struct contain_ctx *x)
{
	static char ws[4096], lab[4096];
	json_t *jws, *jlab, *jexe, *jtool, *ids, *lim, *v;
	json_int_t degraded, ncg;
	json_int_t n[7];
	size_t i;
	int wsmnt;

	if (json_unpack(o, "{s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:b}", "ws", &jws, "lab", &jlab,
	    "exe", &jexe, "tool", &jtool, "ids", &ids, "limits", &lim, "degraded", &degraded,
	    "ncg", &ncg, "wsmnt", &wsmnt) < 0 ||
	    copy_path(jws, 1, ws, sizeof ws) < 0 || copy_path(jlab, 1, lab, sizeof lab) < 0 ||
	    copy_path(jexe, 0, x->exe_path, sizeof x->exe_path) < 0 ||
	    copy_path(jtool, 0, x->tool_path, sizeof x->tool_path) < 0 ||
	    !json_is_array(ids) || json_array_size(ids) != 8 ||
	    !json_is_array(lim) || json_array_size(lim) != 7 ||
	    degraded < 0 || degraded > 0xff || ncg < 0 || ncg > 3 || nfds != ncg + (wsmnt ? 1 : 0))
		return -1;
	json_array_foreach(ids, i, v) {
		if (!json_is_integer(v))
			return -1;
		x->ids[i / 2][i % 2] = (unsigned long long)json_integer_value(v);
	}
	json_array_foreach(lim, i, v) {
		if (!json_is_integer(v) || (n[i] = json_integer_value(v)) < 0 ||
		    (i != 0 && i != 4 && n[i] > 0xffffffffLL))
			return -1;
	}
	x->limits.memory = (uint64_t)n[0];
	x->limits.pids = (unsigned)n[1];
	x->limits.cpu_percent = (unsigned)n[2];
	x->limits.cputime_s = (unsigned)n[3];
	x->limits.workspace = (uint64_t)n[4];
	x->limits.lifetime_s = (unsigned)n[5];
	x->limits.idle_s = (unsigned)n[6];
	x->degraded = (unsigned)degraded;
	x->ws_path = ws[0] ? ws : NULL;
	x->lab_path = lab[0] ? lab : NULL;
	for (i = 0; i < 3; i++)
		x->cg_fds[i] = (json_int_t)i < ncg ? fds[i] : -1;
	x->ws_mnt_fd = wsmnt ? fds[ncg] : -1;
	return 0;
}

/*
 * Open a source by its path in our mount namespace (a bind needs a mount of
 * our own) and make sure it is what the supervisor checked: a spare's view
 * of the host was copied when it was made, and the path may name something
 * else by now.
 */
static int
open_checked(const char *path, int flags, const unsigned long long *id, const char *what,
    struct contain_err *e)
{
	struct stat st;
	int fd = open(path, flags | O_PATH | O_CLOEXEC);

	if (fd < 0)
		return contain_fail(e, "open %s %s", what, path);
	if (fstat(fd, &st) < 0 || (unsigned long long)st.st_dev != id[0] ||
	    (unsigned long long)st.st_ino != id[1]) {
		close(fd);
		errno = ESTALE;
		return contain_fail(e, "open %s %s: not the one the supervisor checked", what, path);
	}
	return fd;
}

static double
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

void
spare_main(int sock, int sync_fd, struct contain_ctx *x)
{
	struct contain_err e = { "", 0 };
	int type, fds[IPC_MAX_FDS], nfds = 0, i;
	double t0, t[4];
	json_t *o;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* again: the exec may have cleared it */
	prctl(PR_SET_NAME, "labhub-spare");
	x->bpf = seccomp_filter_receive(sync_fd);
	close(sync_fd);
	if (x->bpf == NULL)
		_exit(1);
	/* Blocking: nothing happens here until the supervisor gives us a cell.
	 * EOF (the supervisor closed the socket, or died): end without one. */
	if (ipc_recv(sock, &type, &o, fds, &nfds) < 0)
		_exit(0);
	t0 = mono_us();
	if (type != IPC_SPEC || decode(o, fds, nfds, x) < 0) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		json_decref(o);
		errno = EPROTO;
		contain_fail(&e, "spare: malformed %s frame", ipc_type_name(type));
		ipc_fail_exit(sock, e.what, e.err);
	}
	json_decref(o);
	prctl(PR_SET_NAME, "labhub-warden");
	/* into the cell's cgroups first: everything after is charged and limited there */
	if (cgroup_join_self(x->cg_fds, &e) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	t[0] = mono_us();
	x->ws_fd = x->lab_fd = x->exe_fd = x->tool_fd = -1;
	if (x->ws_path && (x->ws_fd = open_checked(x->ws_path, O_DIRECTORY | O_NOFOLLOW, x->ids[0],
	    "workspace", &e)) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	if (x->lab_path && (x->lab_fd = open_checked(x->lab_path, O_DIRECTORY, x->ids[1],
	    "lab folder", &e)) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	if (x->exe_path[0] && (x->exe_fd = open_checked(x->exe_path, 0, x->ids[2], "labhub", &e)) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	if (x->tool_path[0] && (x->tool_fd = open_checked(x->tool_path, 0, x->ids[3], "labhub-roa",
	    &e)) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	/* opened with the supervisor's uid, as a fresh clone would; now root
	 * of the userns for the rest */
	if (userns_become_root(x, &e) < 0 || userns_clear_ambient(&e) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* the change of uid cleared it */
	if (mount_build_root(x, &e) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	t[1] = mono_us();
	if (rlimit_apply(x, &e) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	if (unshare(CLONE_NEWCGROUP) < 0) {
		contain_fail(&e, "cgroup: unshare(CLONE_NEWCGROUP)");
		ipc_fail_exit(sock, e.what, e.err);
	}
	if (x->ws_fd >= 0)
		close(x->ws_fd);
	if (x->lab_fd >= 0)
		close(x->lab_fd);
	if (x->exe_fd >= 0)
		close(x->exe_fd);
	if (x->tool_fd >= 0)
		close(x->tool_fd);
	x->ws_fd = x->lab_fd = x->exe_fd = x->tool_fd = -1;
	t[2] = mono_us();
	if (seccomp_filter_load(x->bpf, &e) < 0)	/* last */
		ipc_fail_exit(sock, e.what, e.err);
	free((void *)x->bpf);	/* the kernel has its copy */
	x->bpf = NULL;
	t[3] = mono_us();
	/* LABHUB_LOG=debug: where the warden's part of a start goes (tests/bench/cell-start) */
	log_debug("cell set-up in %.2f ms after the spec (cgroup join %.2f, fds+mounts %.2f, "
	    "rlimits+cgroupns %.2f, seccomp load %.2f)", (t[3] - t0) / 1e3, (t[0] - t0) / 1e3,
	    (t[1] - t[0]) / 1e3, (t[2] - t[1]) / 1e3, (t[3] - t[2]) / 1e3);
	warden_main(sock, x);
}
