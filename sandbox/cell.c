/*
 * cell: the ordered contain steps and the supervisor's side of the public
 * API (sandbox/cell.h).  Every warden is first made as a spare
 * (spare_make(), now or ahead by pool.c), then given its cell:
 *
 * Parent (supervisor)                      Child (future warden, PID 1)
 *   clone(NEWUSER|NEWPID|NEWNS|NEWNET|       close inherited fds, wait on the sync pipe
 *     NEWIPC|NEWUTS)  (v2: clone3 into
 *     the cell's cgroup: never pooled)
 *   write uid/gid maps
 *   release + seccomp filter  -----------> oom_score_adj 1000, lo up, exec labhub-warden
 *                                          spare (spare.c): read the filter, wait
 * ... a cell start:
 *   check the sources, create cgroups
 *   (v1: claim spares) and write the limits,
 *   open their tasks files (v2 fallback:
 *   cgroup.procs)
 *   spec + cgroup fds + image mount  ----> join the cgroups, open the sources (checked
 *                                          against the spec), become root of the userns,
 *                                          mounts + pivot_root, rlimits,
 *                                          unshare(NEWCGROUP), seccomp (last)
 *   wait (bounded) for "ready" <---------- warden_main(): "ready", then serve
 *
 * Any failing step in the child sends an IPC_ERROR naming the step and the
 * syscall, and the child exits: a half-contained cell never runs.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "sandbox/contain.h"
#include "sandbox/ipc.h"
#include "sandbox/workspace.h"
#include "server/log.h"

struct cell {
	pid_t pid;
	int pidfd;	/* signals go here: never to a reused pid */
	int fd;
	int ready;	/* the warden said "ready" */
	unsigned degraded;
	struct cell_limits limits;
	struct cgroup cg;
	struct workspace *ws;	/* image workspace held for this cell, or NULL */
	char id[CELL_ID_MAX + 1];
	char degraded_text[512];
};

void
cell_limits_default(struct cell_limits *l)
{
	memset(l, 0, sizeof *l);
	l->memory = 256ull << 20;
	l->pids = 128;
	l->cpu_percent = 100;
	l->workspace = 64ull << 20;
	l->lifetime_s = 4 * 3600;
	l->idle_s = 30 * 60;
}

static int
parse_size(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	n = strtoull(v, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || n > (1ull << 50))
		return -1;
	*out = n;
	return 0;
}

static int
parse_time(const char *v, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	n = strtoul(v, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 's': end++; break;
	case 'm': n *= 60; end++; break;
	case 'h': n *= 3600; end++; break;
	case 'd': n *= 86400; end++; break;
	default: break;
	}
	if (*end || n > 365ul * 86400)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int
parse_cpu(const char *v, unsigned *out)
{
	char *end;
	double d;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	d = strtod(v, &end);
	if (errno)
		return -1;
	if (*end == '%') {
		end++;
	} else {
		d *= 100;
	}
	if (*end || d > 100 * 1024 || (d > 0 && d < 1))
		return -1;
	*out = (unsigned)(d + 0.5);
	return 0;
}

int
cell_limits_parse(struct cell_limits *l, const char *spec, char *err, size_t errlen)
{
	char buf[512], *tok, *save, *eq;
	uint64_t n;

	if (strlen(spec) >= sizeof buf) {
		snprintf(err, errlen, "limits: too long");
		return -1;
	}
	strcpy(buf, spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int bad = 0;

		eq = strchr(tok, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "limits: '%s' is not KEY=VALUE", tok);
			return -1;
		}
		*eq++ = 0;
		if (strcmp(tok, "memory") == 0) {
			bad = parse_size(eq, &l->memory) < 0 || (l->memory && l->memory < (4u << 20));
		} else if (strcmp(tok, "workspace") == 0) {
			bad = parse_size(eq, &l->workspace) < 0 || (l->workspace && l->workspace < 4096);
		} else if (strcmp(tok, "pids") == 0) {
			bad = parse_size(eq, &n) < 0 || n > 1u << 22;
			l->pids = (unsigned)n;
		} else if (strcmp(tok, "cpu") == 0) {
			bad = parse_cpu(eq, &l->cpu_percent) < 0;
		} else if (strcmp(tok, "cputime") == 0) {
			bad = parse_time(eq, &l->cputime_s) < 0;
		} else if (strcmp(tok, "lifetime") == 0) {
			bad = parse_time(eq, &l->lifetime_s) < 0;
		} else if (strcmp(tok, "idle") == 0) {
			bad = parse_time(eq, &l->idle_s) < 0;
		} else {
			snprintf(err, errlen, "limits: unknown key '%s' (memory, pids, cpu, "
			    "cputime, workspace, lifetime, idle)", tok);
			return -1;
		}
		if (bad) {
			snprintf(err, errlen, "limits: bad value '%s' for %s", eq, tok);
			return -1;
		}
	}
	return 0;
}

static int
valid_id(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > CELL_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_')
			return 0;
	return 1;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * The child holds copies of every fd of the supervisor (other cells' IPC
 * sockets, listening sockets, the database): close all but ours, or other
 * cells would not see their supervisor hang up.
 */
static void
close_inherited(const int *keep, int nkeep)
{
	int k[8], n = 0, i, lo = 3;

	for (i = 0; i < nkeep; i++)
		if (keep[i] > 2)
			k[n++] = keep[i];
	qsort(k, (size_t)n, sizeof k[0], cmp_int);
	for (i = 0; i < n; i++) {
		if (k[i] > lo)
			syscall(SYS_close_range, lo, k[i] - 1, 0);
		lo = k[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0u, 0);
}

static double
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int warden_exec = 1;	/* 0 after cell_single_use() */

void
cell_single_use(void)
{
	warden_exec = 0;
	cgroup_single_use();
}

/*
 * labhub-warden next to the labhub executable (sandbox/warden_exe.c), or -1.
 * Opened once (O_PATH) and kept: every cell then execs the warden that came
 * with this server, even after an upgrade replaced the files on disk.
 */
static int
warden_exe_fd(const char *exe_path)
{
	static char path[sizeof ((struct contain_ctx *)0)->exe_path + 16];
	static int fd = -1;
	char p[sizeof path];
	const char *slash = strrchr(exe_path, '/');

	if (slash == NULL || !warden_exec)
		return -1;
	snprintf(p, sizeof p, "%.*s/labhub-warden", (int)(slash - exe_path), exe_path);
	if (fd >= 0 && strcmp(p, path) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof path, "%s", p);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		log_debug("%s: %s: the clone itself serves as the warden", path, strerror(errno));
	return fd;
}

/*
 * Exec labhub-warden as a spare (sandbox/spare.c), so that a cell does not
 * keep a copy-on-write image of the server (each page the server writes
 * after the clone would stay duplicated in the warden), nor anything the
 * server had in memory.  Returns only if it could not.
 */
static void
exec_spare(int sock, int sync_fd, int warden_fd, const struct contain_ctx *x)
{
	char a[5][24], env[64];
	char *argv[8], *envp[2] = { NULL, NULL };
	const char *log = getenv("LABHUB_LOG");
	int i;

	if (warden_fd < 0)
		return;
	snprintf(a[0], sizeof a[0], "%d", sock);
	snprintf(a[1], sizeof a[1], "%d", sync_fd);
	snprintf(a[2], sizeof a[2], "%u", x->learner_uid);
	snprintf(a[3], sizeof a[3], "%u", x->lab_uid);
	snprintf(a[4], sizeof a[4], "%d", x->unpriv ? 1 : 0);
	argv[0] = (char *)"labhub-warden";
	argv[1] = (char *)"spare";
	for (i = 0; i < 5; i++)
		argv[i + 2] = a[i];
	argv[7] = NULL;
	/* only the log level of the supervisor (LABHUB_LOG=debug: the set-up timings) */
	if (log && strlen(log) < 32) {
		snprintf(env, sizeof env, "LABHUB_LOG=%s", log);
		envp[0] = env;
	}
	{
		/* We are not root of the userns yet (still the supervisor's uid,
		 * unmapped, so that the spare opens the cell's sources as the
		 * supervisor would; as an ordinary user: inside 1000), so the exec
		 * would drop the caps the warden holds in its userns, which it
		 * needs to build the cell: keep them as ambient caps (spare.c
		 * clears them once root, userns_drop_to() in what it spawns) */
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct d[2];
		int cap;

		if (syscall(SYS_capget, &h, d) < 0)
			return;
		d[0].inheritable = d[0].permitted;
		d[1].inheritable = d[1].permitted;
		if (syscall(SYS_capset, &h, d) < 0)
			return;
		for (cap = 0; cap <= 63; cap++)
			if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EINVAL)
				return;
	}
	if (fcntl(sock, F_SETFD, 0) < 0 || fcntl(sync_fd, F_SETFD, 0) < 0)
		return;
	syscall(SYS_execveat, warden_fd, "", argv, envp, AT_EMPTY_PATH);
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
}

/*
 * The future warden, just cloned: only what is the same for every cell (no
 * fd or signal set-up of the supervisor's; once the parent wrote the id
 * maps, oom_score_adj and lo up), then the exec of labhub-warden as a
 * spare, which waits for its cell's spec (sandbox/spare.c).  Without
 * labhub-warden the clone itself does that.
 */
static void __attribute__((noreturn))
birth_main(int sock, int sync_fd, int warden_fd, int unpriv)
{
	struct contain_ctx x;
	struct contain_err e = { "", 0 };
	int keep[3] = { sock, sync_fd, warden_fd };
	sigset_t none;
	char go;
	int fd, sig;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* nothing of the supervisor's signal set-up: as PID 1 with default
	 * dispositions the warden cannot be signalled from inside the cell */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_inherited(keep, 3);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		close(fd);
	}
	spare_ctx_init(&x, unpriv);
	if (read(sync_fd, &go, 1) != 1 || go != 'g')
		_exit(1);	/* the parent gave up */
	log_set_tag("warden");
	prctl(PR_SET_NAME, "labhub-spare");
	/* the OOM killer takes cell processes first, never the supervisor */
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1000", 4) != 4) {
		contain_fail(&e, "oom_score_adj");
		ipc_fail_exit(sock, e.what, e.err);
	}
	close(fd);
	if (net_setup(&e) < 0)
		ipc_fail_exit(sock, e.what, e.err);
	exec_spare(sock, sync_fd, warden_fd, &x);
	spare_main(sock, sync_fd, &x);	/* no labhub-warden: the clone serves */
}

static int
open_dir(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a directory", what, path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
wait_ready(struct cell *c, char *err, size_t errlen)
{
	int type, r;
	json_t *o;

	r = ipc_wait(c->fd, CELL_START_TIMEOUT_MS);
	if (r <= 0) {
		snprintf(err, errlen, "cell %s: no answer from the warden within %d ms",
		    c->id, CELL_START_TIMEOUT_MS);
		return -1;
	}
	if (ipc_recv(c->fd, &type, &o, NULL, NULL) < 0) {
		snprintf(err, errlen, "cell %s: the warden died during set-up (%s)", c->id,
		    strerror(errno));
		return -1;
	}
	if (type == IPC_READY) {
		json_decref(o);
		return 0;
	}
	snprintf(err, errlen, "cell %s: set-up failed: %s", c->id,
	    type == IPC_ERROR && json_is_string(json_object_get(o, "message"))
	    ? json_string_value(json_object_get(o, "message")) : ipc_type_name(type));
	json_decref(o);
	return -1;
}

/* SIGKILL the warden (the kernel then kills the whole pid namespace). */
static void
kill_warden(struct cell *c)
{
	if (c->pidfd >= 0) {
		if (syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
			log_warn_errno("cell %s: pidfd_send_signal", c->id);
	} else {
		kill(c->pid, SIGKILL);
	}
}

static void
close_fds(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* clone3's arguments up to `cgroup` (CLONE_ARGS_SIZE_VER2), spelled out
 * so that older kernel headers build too */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CELL_CLONE_INTO_CGROUP 0x200000000ULL
#define CELL_CLONE_PIDFD 0x00001000ULL

/*
 * The warden, in its new namespaces.  With a v2 cgroup fd, clone3 puts it
 * into the cell's cgroup at birth (CLONE_INTO_CGROUP: no migration at
 * all, the limits hold from its first instruction) and hands back a pidfd
 * in *pidfd; -1 with errno if the kernel lacks either.  Without one, plain
 * clone: the child joins its cgroups itself (cgroup_join_self()).
 */
static pid_t
clone_cell(int cgfd, int *pidfd)
{
	const uint64_t ns = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
	    CLONE_NEWIPC | CLONE_NEWUTS;

	*pidfd = -1;
	if (cgfd >= 0) {
		struct clone_args_v2 a;
		int fd = -1;
		pid_t pid;

		memset(&a, 0, sizeof a);
		a.flags = ns | CELL_CLONE_INTO_CGROUP | CELL_CLONE_PIDFD;
		a.pidfd = (uint64_t)(uintptr_t)&fd;
		a.exit_signal = SIGCHLD;
		a.cgroup = (uint64_t)cgfd;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);

		if (pid > 0)
			*pidfd = fd;	/* clone3 makes it O_CLOEXEC */
		return pid;
	}
	return (pid_t)syscall(SYS_clone, ns | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* 1 if wardens for exe_path exec labhub-warden (else the clone of the supervisor serves). */
int
spare_execs_warden(const char *exe_path)
{
	return warden_exe_fd(exe_path) >= 0;
}

/*
 * A warden in its new namespaces with the id maps written, released to
 * become a spare (birth_main()); the seccomp filter goes with the release.
 * On failure errno is that of the failing call (the clone's, for the v2
 * fallback in start()).
 */
int
spare_make(const char *exe_path, int cgfd, struct spare_warden *s, char *err, size_t errlen)
{
	int sv[2] = { -1, -1 }, sync[2] = { -1, -1 }, warden_fd, e, st, unpriv = geteuid() != 0;
	const void *bpf = seccomp_filter_cached();
	pid_t pid;

	s->pid = -1;
	s->pidfd = s->fd = -1;
	if (bpf == NULL && (bpf = seccomp_filter_compile(err, errlen)) == NULL)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(sync, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "socketpair/pipe: %s", strerror(errno));
		goto fail;
	}
	warden_fd = warden_exe_fd(exe_path);
	pid = clone_cell(cgfd, &s->pidfd);
	if (pid < 0) {
		snprintf(err, errlen, "clone (new user, pid, mount, net, ipc, uts namespaces): %s%s",
		    strerror(errno), errno == EPERM || errno == ENOSPC || errno == EACCES ?
		    " (user namespaces off or limited? see sysctl user.max_user_namespaces, "
		    "kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns)" : "");
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		close(sync[1]);
		birth_main(sv[1], sync[0], warden_fd, unpriv);
	}
	s->pid = pid;
	if (s->pidfd < 0) {
		s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);	/* -1 before Linux 5.3: kill() then */
		if (s->pidfd >= 0)
			fcntl(s->pidfd, F_SETFD, FD_CLOEXEC);
	}
	close(sv[1]);
	close(sync[0]);
	sv[1] = sync[0] = -1;
	s->fd = sv[0];
	sv[0] = -1;
	if (userns_write_maps(pid, unpriv, err, errlen) < 0)
		goto fail;
	if (write(sync[1], "g", 1) != 1 || seccomp_filter_send(sync[1], bpf) < 0) {
		snprintf(err, errlen, "release warden: %s", strerror(errno));
		goto fail;
	}
	close(sync[1]);
	return 0;
fail:
	e = errno;
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (sync[0] >= 0)
		close(sync[0]);
	if (sync[1] >= 0)
		close(sync[1]);
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->fd >= 0)
		close(s->fd);
	s->pid = -1;
	s->pidfd = s->fd = -1;
	errno = e;
	return -1;
}

void
spare_end(struct spare_warden *s)
{
	int st;

	if (s->pid <= 0)
		return;
	if (s->pidfd < 0 || syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0) < 0)
		kill(s->pid, SIGKILL);
	while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (s->pidfd >= 0)
		close(s->pidfd);
	close(s->fd);
	s->pid = -1;
	s->pidfd = s->fd = -1;
}

/* st_dev/st_ino of what the warden will bind, for it to check (spare.c). */
static int
source_ids(struct contain_ctx *x, char *err, size_t errlen)
{
	const char *path[4] = { NULL, NULL, x->exe_path, x->tool_path };
	int fd[4] = { x->ws_fd, x->lab_fd, -1, -1 }, i;
	struct stat st;

	for (i = 0; i < 4; i++) {
		if (fd[i] < 0 && (path[i] == NULL || path[i][0] == 0))
			continue;
		if (fd[i] >= 0 ? fstat(fd[i], &st) < 0 : stat(path[i], &st) < 0) {
			snprintf(err, errlen, "stat %s: %s", path[i] ? path[i] : "source", strerror(errno));
			return -1;
		}
		x->ids[i][0] = (unsigned long long)st.st_dev;
		x->ids[i][1] = (unsigned long long)st.st_ino;
	}
	return 0;
}

/* A spare made earlier sees the host as it was then, with the cwd of then:
 * only absolute paths mean the same to it (and it checks the inodes). */
static int
poolable(const struct contain_ctx *x)
{
	return x->exe_path[0] == '/' && (x->ws_path == NULL || x->ws_path[0] == '/') &&
	    (x->lab_path == NULL || x->lab_path[0] == '/');
}

static int
start(const struct cell_spec *spec, struct cell **out, int wait, char *err, size_t errlen)
{
	struct contain_ctx x;
	struct cell *c;
	char why[512] = "";
	double t0 = mono_us(), t_clone = t0, t_maps = t0, t_join = t0;
	static int warned_cgroup;
	struct spare_warden sp = { -1, -1, -1, 0 };
	int status, cgfd = -1, pooled = 0;

	*out = NULL;
	if (spec->id == NULL || !valid_id(spec->id)) {
		snprintf(err, errlen, "cell id must be 1-%d of [A-Za-z0-9_-]", CELL_ID_MAX);
		return -1;
	}
	memset(&x, 0, sizeof x);
	x.cg_fds[0] = x.cg_fds[1] = x.cg_fds[2] = -1;
	x.ws_fd = x.lab_fd = x.exe_fd = x.tool_fd = x.ws_mnt_fd = -1;
	x.limits = spec->limits;
	x.unpriv = geteuid() != 0;
	x.learner_uid = CELL_LEARNER_UID;
	x.lab_uid = x.unpriv ? CELL_LEARNER_UID : CELL_LAB_UID;
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->fd = -1;
	c->pid = -1;
	c->pidfd = -1;
	snprintf(c->id, sizeof c->id, "%s", spec->id);
	c->limits = spec->limits;
	if (spec->workspace && (x.ws_fd = open_dir(spec->workspace, "workspace", err, errlen)) < 0)
		goto fail;
	if (spec->lab_dir && (x.lab_fd = open_dir(spec->lab_dir, "lab folder", err, errlen)) < 0)
		goto fail;
	x.ws_path = spec->workspace;
	x.lab_path = spec->lab_dir;
	if (spec->labhub_exe) {
		if (strlen(spec->labhub_exe) >= sizeof x.exe_path || access(spec->labhub_exe, X_OK) < 0) {
			snprintf(err, errlen, "labhub executable %s: %s", spec->labhub_exe,
			    strlen(spec->labhub_exe) >= sizeof x.exe_path ? "name too long" : strerror(errno));
			goto fail;
		}
		snprintf(x.exe_path, sizeof x.exe_path, "%s", spec->labhub_exe);
	} else {
		ssize_t n = readlink("/proc/self/exe", x.exe_path, sizeof x.exe_path - 1);

		if (n <= 0 || (size_t)n >= sizeof x.exe_path - 1) {
			snprintf(err, errlen, "readlink /proc/self/exe: %s", strerror(errno));
			goto fail;
		}
		x.exe_path[n] = 0;
		/* replaced on disk while we run (an upgrade, a rebuild): the file
		 * now at that path is the labhub to bind */
		if ((size_t)n > 10 && strcmp(x.exe_path + n - 10, " (deleted)") == 0)
			x.exe_path[n - 10] = 0;
	}
	{
		const char *slash = strrchr(x.exe_path, '/');
		int n = slash != NULL ? (int)(slash - x.exe_path) : 0;

		if (slash != NULL && (size_t)snprintf(x.tool_path, sizeof x.tool_path, "%.*s/labhub-roa",
		    n, x.exe_path) < sizeof x.tool_path && access(x.tool_path, X_OK) != 0)
			x.tool_path[0] = 0;
	}
	/* root mode: the learner (inside 1000) must own the top of the workspace */
	if (!x.unpriv && x.ws_fd >= 0 &&
	    fchownat(x.ws_fd, "", CELL_HOST_ID_BASE + CELL_LEARNER_UID,
		CELL_HOST_ID_BASE + CELL_LEARNER_UID, AT_EMPTY_PATH) < 0) {
		snprintf(err, errlen, "workspace %s: chown: %s", spec->workspace, strerror(errno));
		goto fail;
	}
	if ((spec->limits.memory || spec->limits.pids || spec->limits.cpu_percent) &&
	    cgroup_create(&c->cg, c->id, &spec->limits, why, sizeof why) < 0) {
		/* only a host that does not let us (no controller, not writable)
		 * degrades; anything else must not start a cell without its limits */
		if (errno != EACCES && errno != EPERM && errno != EROFS && errno != ENOENT &&
		    errno != EOPNOTSUPP) {
			snprintf(err, errlen, "cell %s: %s", c->id, why);
			goto fail;
		}
		if (!warned_cgroup++)
			log_warn("cells run without cgroup limits: %s", why);
		x.degraded |= CELL_DEGRADED_NO_CGROUP;
		snprintf(c->degraded_text, sizeof c->degraded_text,
		    "no cgroup limits (%s); rlimits still apply", why);
	} else if (c->cg.missing) {
		/* placed in its cgroup, but some limit has no controller there */
		if (!warned_cgroup++)
			log_warn("cells run without some cgroup limits: %s", why);
		x.degraded |= CELL_DEGRADED_NO_CGROUP;
		snprintf(c->degraded_text, sizeof c->degraded_text,
		    "no cgroup limit for%s%s%s (%s); rlimits still apply (%sRLIMIT_NPROC for pids%s)",
		    c->cg.missing & CG_MEMORY ? " memory" : "", c->cg.missing & CG_PIDS ? " pids" : "",
		    c->cg.missing & CG_CPU ? " cpu" : "", why,
		    c->cg.missing & CG_MEMORY ? "RLIMIT_AS for memory, " : "",
		    c->cg.missing & CG_CPU ? "; no CPU share, only RLIMIT_CPU if cputime is set" : "");
	}
	if (x.unpriv) {
		x.degraded |= CELL_DEGRADED_ONE_UID;
		snprintf(c->degraded_text + strlen(c->degraded_text),
		    sizeof c->degraded_text - strlen(c->degraded_text),
		    "%sone uid only (not root, no newuidmap): learner and lab user share uid %u",
		    c->degraded_text[0] ? "; " : "", CELL_LEARNER_UID);
	}
	if (workspace_for_cell(spec, &x, &c->ws, c->degraded_text, sizeof c->degraded_text,
	    err, errlen) < 0)
		goto fail;
	c->degraded = x.degraded;
	x.cg_fds[0] = x.cg_fds[1] = x.cg_fds[2] = -1;
	if (c->cg.version == 2 && !getenv("LABHUB_TEST_NO_CLONE3") &&
	    (cgfd = cgroup_open_dir(&c->cg)) < 0) {
		snprintf(err, errlen, "cgroup: open %s: %s", c->cg.path[0], strerror(errno));
		goto fail;
	}
	if (c->cg.n && cgfd < 0 && cgroup_open_procs(&c->cg, x.cg_fds) < 0) {
		snprintf(err, errlen, "cgroup: open %s/%s: %s", c->cg.path[0],
		    c->cg.version == 1 ? "tasks" : "cgroup.procs", strerror(errno));
		goto fail;
	}
	if (source_ids(&x, err, errlen) < 0)
		goto fail;
	t_clone = mono_us();
	/* a spare made ahead, if there is one (v2 with clone3 needs the cell's
	 * cgroup at clone time: never from the pool) */
	if (cgfd < 0 && poolable(&x) && pool_take(x.exe_path, &sp) == 0)
		pooled = 1;
	else if (spare_make(x.exe_path, cgfd, &sp, err, errlen) < 0) {
		if (cgfd < 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL &&
		    errno != EOPNOTSUPP && errno != EBUSY))
			goto fail;
		/* no clone3 or no CLONE_INTO_CGROUP here: the warden joins by itself */
		log_debug("cell %s: clone3(CLONE_INTO_CGROUP): %s; joining through cgroup.procs",
		    c->id, strerror(errno));
		close(cgfd);
		cgfd = -1;
		if (cgroup_open_procs(&c->cg, x.cg_fds) < 0) {
			snprintf(err, errlen, "cgroup: open %s/cgroup.procs: %s", c->cg.path[0], strerror(errno));
			goto fail;
		}
		if (spare_make(x.exe_path, -1, &sp, err, errlen) < 0)
			goto fail;
	}
	t_maps = mono_us();
	for (;;) {
		c->pid = sp.pid;
		c->pidfd = sp.pidfd;
		c->fd = sp.fd;
		if (spare_send_spec(c->fd, &x) == 0)
			break;
		if (!pooled) {
			snprintf(err, errlen, "send the cell's spec to its warden: %s", strerror(errno));
			goto fail;
		}
		/* the spare is gone (killed while it waited): one made now */
		log_debug("cell %s: spare warden %d: %s; making one", c->id, (int)sp.pid, strerror(errno));
		spare_end(&sp);
		c->pid = c->pidfd = c->fd = -1;
		pooled = 0;
		if (spare_make(x.exe_path, -1, &sp, err, errlen) < 0)
			goto fail;
	}
	close_fds(x.cg_fds, 3);
	if (cgfd >= 0)
		close(cgfd);
	cgfd = -1;
	close(x.ws_fd);
	close(x.lab_fd);
	close(x.ws_mnt_fd);
	x.ws_fd = x.lab_fd = x.ws_mnt_fd = -1;
	t_join = mono_us();
	if (wait) {
		if (wait_ready(c, err, errlen) < 0)
			goto fail;
		c->ready = 1;
	}
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	log_debug("cell %s: %s in %.2f ms (prepare %.2f, %s %.2f, spec %.2f, wait for the "
	    "warden %.2f)", c->id, wait ? "ready" : "released", (mono_us() - t0) / 1e3,
	    (t_clone - t0) / 1e3, pooled ? "spare from the pool" : "clone+maps+release",
	    (t_maps - t_clone) / 1e3, (t_join - t_maps) / 1e3, (mono_us() - t_join) / 1e3);
	if (c->degraded)
		log_debug("cell %s: degraded: %s", c->id, c->degraded_text);
	*out = c;
	return 0;
fail:
	close_fds(x.cg_fds, 3);
	if (cgfd >= 0)
		close(cgfd);
	if (x.ws_fd >= 0)
		close(x.ws_fd);
	if (x.lab_fd >= 0)
		close(x.lab_fd);
	if (x.exe_fd >= 0)
		close(x.exe_fd);
	if (x.ws_mnt_fd >= 0)
		close(x.ws_mnt_fd);
	if (c->pid > 0) {
		kill_warden(c);
		/* while the kernel tears the cell down: the next cell's cgroups
		 * (at start they would take CPU from the cell being built, which
		 * a learner waits for; nobody waits for a stop) */
		if (c->cg.version == 1)
			cgroup_refill(&c->limits);
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->fd >= 0)
		close(c->fd);
	cgroup_destroy(&c->cg);
	workspace_release(c->ws);
	free(c);
	return -1;
}

int
cell_start(const struct cell_spec *spec, struct cell **out, char *err, size_t errlen)
{
	return start(spec, out, 1, err, errlen);
}

int
cell_start_nowait(const struct cell_spec *spec, struct cell **out, char *err, size_t errlen)
{
	return start(spec, out, 0, err, errlen);
}

int cell_is_ready(const struct cell *c) { return c->ready; }
int cell_pidfd(const struct cell *c) { return c->pidfd; }
pid_t cell_pid(const struct cell *c) { return c->pid; }
int cell_fd(const struct cell *c) { return c->fd; }
const char *cell_id(const struct cell *c) { return c->id; }
unsigned cell_degraded(const struct cell *c) { return c->degraded; }
const char *cell_degraded_text(const struct cell *c) { return c->degraded_text; }

static json_t *
argv_json(const char *const *argv)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; argv[i]; i++) {
		if (i >= CELL_MAX_ARGV || json_array_append_new(a, json_string(argv[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int
send_obj(struct cell *c, int type, json_t *o, const int *fds, int nfds)
{
	int r, e;

	if (o == NULL) {
		errno = EINVAL;
		return -1;
	}
	r = ipc_send(c->fd, type, o, fds, nfds);
	e = errno;
	json_decref(o);
	errno = e;
	return r;
}

int
cell_request_spawn(struct cell *c, unsigned tag, const char *const *argv, enum cell_as as,
    int tty, unsigned rows, unsigned cols, const int *stdio)
{
	json_t *a = argv_json(argv);

	if (a == NULL) {
		errno = EINVAL;
		return -1;
	}
	return send_obj(c, IPC_SPAWN, json_pack("{s:I,s:o,s:i,s:b,s:i,s:i}", "tag", (json_int_t)tag,
	    "argv", a, "as", (int)as, "tty", tty, "rows", (int)(rows ? rows : 24),
	    "cols", (int)(cols ? cols : 80)), stdio, stdio && !tty ? 3 : 0);
}

int
cell_request_shell(struct cell *c, unsigned tag, unsigned rows, unsigned cols)
{
	static const char *const argv[] = { "/bin/bash", "-l", NULL };

	return cell_request_spawn(c, tag, argv, CELL_AS_LEARNER, 1, rows, cols, NULL);
}

int
cell_request_exec(struct cell *c, unsigned tag, const char *const *argv, enum cell_as as,
    const char *in, size_t inlen, unsigned timeout_ms)
{
	json_t *a;

	if (inlen > CELL_EXEC_MAX_STDIN) {
		errno = E2BIG;
		return -1;
	}
	a = argv_json(argv);
	if (a == NULL) {
		errno = EINVAL;
		return -1;
	}
	return send_obj(c, IPC_EXEC, json_pack("{s:I,s:o,s:i,s:s%,s:I}", "tag", (json_int_t)tag,
	    "argv", a, "as", (int)as, "stdin", in ? in : "", in ? inlen : 0,
	    "timeout_ms", (json_int_t)timeout_ms), NULL, 0);
}

int
cell_notify_activity(struct cell *c)
{
	return send_obj(c, IPC_ACTIVITY, json_object(), NULL, 0);
}

static char *
dup_string(json_t *s, size_t *len)
{
	char *p;

	*len = json_string_length(s);
	p = malloc(*len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, json_string_value(s), *len);
	p[*len] = 0;
	return p;
}

int
cell_read(struct cell *c, struct cell_event *ev)
{
	int type, fds[IPC_MAX_FDS], nfds = 0, i, ok = 0;
	json_int_t tag = 0, pid = 0, status = 0, sig = 0;
	const char *msg = "";
	int to = 0, tr = 0;
	json_t *o, *so = NULL, *se = NULL;

	memset(ev, 0, sizeof *ev);
	ev->fd = -1;
	if (ipc_recv(c->fd, &type, &o, fds, &nfds) < 0)
		return errno == EAGAIN ? 0 : -1;
	if (!c->ready && type != IPC_READY && type != IPC_ERROR)
		type = 0;	/* nothing else may come before "ready" */
	switch (type) {
	case IPC_READY:
		if (!c->ready && nfds == 0) {
			c->ready = 1;
			json_decref(o);
			return 0;	/* consumed: see cell_is_ready() */
		}
		break;
	case IPC_SPAWNED:
		ev->type = CELL_EV_SPAWNED;
		ok = json_unpack(o, "{s:I,s:I}", "tag", &tag, "pid", &pid) == 0 && nfds <= 1;
		if (ok && nfds == 1)
			ev->fd = fds[0], nfds = 0;
		break;
	case IPC_EXIT:
		ev->type = CELL_EV_EXIT;
		ok = json_unpack(o, "{s:I,s:I,s:I,s:I}", "tag", &tag, "pid", &pid, "status", &status,
		    "signal", &sig) == 0 && nfds == 0;
		break;
	case IPC_RESULT:
		ev->type = CELL_EV_RESULT;
		ok = json_unpack(o, "{s:I,s:I,s:I,s:o,s:o,s:b,s:b}", "tag", &tag, "status", &status,
		    "signal", &sig, "stdout", &so, "stderr", &se, "timed_out", &to, "truncated", &tr) == 0 &&
		    json_is_string(so) && json_is_string(se) &&
		    json_string_length(so) <= CELL_EXEC_MAX_STDOUT &&
		    json_string_length(se) <= CELL_EXEC_MAX_STDERR && nfds == 0;
		if (ok) {
			ev->out = dup_string(so, &ev->outlen);
			ev->err = dup_string(se, &ev->errlen);
			ok = ev->out && ev->err;
		}
		break;
	case IPC_ENDING:
		ev->type = CELL_EV_ENDING;
		ok = json_unpack(o, "{s:s}", "reason", &msg) == 0 && nfds == 0;
		break;
	case IPC_ERROR:
		ev->type = CELL_EV_ERROR;
		ok = json_unpack(o, "{s:I,s:s}", "tag", &tag, "message", &msg) == 0 && nfds == 0;
		break;
	default:
		break;
	}
	snprintf(ev->message, sizeof ev->message, "%s", msg);	/* msg lives in o */
	json_decref(o);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (!ok || tag < 0 || tag > 0xffffffffLL) {
		/* a cell is untrusted: anything unexpected ends the conversation */
		cell_event_clear(ev);
		log_warn("cell %s: malformed %s frame from the warden", c->id, ipc_type_name(type));
		errno = EPROTO;
		return -1;
	}
	ev->tag = (unsigned)tag;
	ev->pid = (int)pid;
	ev->status = (int)status;
	ev->signal = (int)sig;
	ev->timed_out = to;
	ev->truncated = tr;
	return 1;
}

int
cell_wait_event(struct cell *c, struct cell_event *ev, int timeout_ms)
{
	int r = ipc_wait(c->fd, timeout_ms);

	if (r <= 0) {
		memset(ev, 0, sizeof *ev);
		ev->fd = -1;
		return r;
	}
	return cell_read(c, ev);
}

void
cell_event_clear(struct cell_event *ev)
{
	free(ev->out);
	free(ev->err);
	ev->out = ev->err = NULL;
	if (ev->fd >= 0)
		close(ev->fd);
	ev->fd = -1;
}

int
cell_stop(struct cell *c)
{
	int status = 0;
	double t0 = mono_us(), t1;

	if (c->pid > 0) {
		kill_warden(c);
		/* while the kernel tears the cell down: the next cell's cgroups
		 * (at start they would take CPU from the cell being built, which
		 * a learner waits for; nobody waits for a stop) */
		if (c->cg.version == 1)
			cgroup_refill(&c->limits);
		/* and spare wardens (pool.c), for the same reason */
		pool_refill();
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	t1 = mono_us();
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->fd >= 0)
		close(c->fd);
	cgroup_destroy(&c->cg);
	workspace_release(c->ws);
	log_debug("cell %s: stopped in %.2f ms (reap %.2f, cgroups %.2f)", c->id,
	    (mono_us() - t0) / 1e3, (t1 - t0) / 1e3, (mono_us() - t1) / 1e3);
	free(c);
	return status;
}

/*
 * Remove everything inside dirfd; never follows a link (O_NOFOLLOW,
 * AT_SYMLINK_NOFOLLOW) and never descends into another filesystem
 * mounted below (st_dev must stay `dev`).
 */
int
remove_in(int dirfd, int depth, dev_t dev)
{
	DIR *d;
	struct dirent *de;
	int r = 0, fd;

	if (depth > 256) {
		errno = ELOOP;
		return -1;
	}
	fd = dup(dirfd);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				errno = EXDEV;
				r = -1;
				continue;
			}
			sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = -1;
				continue;
			}
			if (remove_in(sub, depth + 1, dev) < 0)
				r = -1;
			close(sub);
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0)
				r = -1;
		} else if (unlinkat(dirfd, de->d_name, 0) < 0) {
			r = -1;
		}
	}
	closedir(d);
	return r;
}

int
cell_workspace_remove_image(const char *path)
{
	return workspace_remove_image(path);
}

int
cell_workspace_remove(const char *path)
{
	int fd, r;

	struct stat st;

	if (workspace_remove_image(path) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	r = remove_in(fd, 0, st.st_dev);
	close(fd);
	if (r == 0 && rmdir(path) < 0)
		r = -1;
	return r;
}
