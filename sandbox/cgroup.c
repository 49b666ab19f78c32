/*
 * cgroup: the memory, pids and CPU limits of a cell, set by the parent
 * (supervisor) on a cgroup it creates below its own, before the warden is
 * let go.  The supervisor itself stays outside, so hitting the memory cap
 * makes the kernel's OOM killer pick a process inside the cell (every cell
 * process also has oom_score_adj 1000), never the server.
 *
 * cgroup v2 when /sys/fs/cgroup is a unified hierarchy, else v1 with one
 * directory per controller (memory, pids, cpu).  Cells live in
 * <own cgroup>/labhub/s<supervisor pid>-<its start time>/<id>.  The cell's id is validated by cell.c
 * ([A-Za-z0-9_-]), so paths never contain "/" or "..".  Removal is rmdir
 * only: it cannot follow a link nor delete files.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/contain.h"
#include "server/log.h"

#define CG_ROOT "/sys/fs/cgroup"

static const char *const v1_ctrl[3] = { "memory", "pids", "cpu" };

/*
 * Where the cgroup hierarchies are mounted: LABHUB_CGROUP_ROOT, else
 * /sys/fs/cgroup.  A cgroup2 mount there (cgroup.controllers exists) means
 * v2, anything else v1 with one directory per controller.  The override
 * lets a v1 host run the v2 code against a cgroup2 mount of its own (the
 * tests do, in a private mount namespace).
 */
static const char *
cg_root(void)
{
	const char *r = getenv("LABHUB_CGROUP_ROOT");

	return r != NULL && r[0] == '/' ? r : CG_ROOT;
}

/* Our own cgroup path for a v1 controller (memory, pids, cpu) or v2 (ctrl
 * NULL), "" for the root; /proc/self/cgroup is read once per process (a
 * supervisor is not moved between cgroups). */
static int
own_path(const char *ctrl, char *out, size_t outlen)
{
	static struct { int r; char path[512]; } cache[4];
	static pid_t cached_for;
	int k = 3, i;

	for (i = 0; ctrl != NULL && i < 3; i++)
		if (strcmp(ctrl, v1_ctrl[i]) == 0)
			k = i;
	if (ctrl != NULL && k == 3)
		return -1;
	if (cached_for != getpid()) {
		char line[1024];
		FILE *f = fopen("/proc/self/cgroup", "re");

		for (i = 0; i < 4; i++)
			cache[i].r = -1;
		while (f != NULL && fgets(line, sizeof line, f)) {
			char *a = strchr(line, ':'), *b, *tok, *save;

			if (a == NULL || (b = strchr(a + 1, ':')) == NULL)
				continue;
			*b++ = 0;
			b[strcspn(b, "\n")] = 0;
			if (strcmp(b, "/") == 0)
				b[0] = 0;
			if (a[1] == 0) {
				snprintf(cache[3].path, sizeof cache[3].path, "%s", b);
				cache[3].r = 0;
			}
			for (tok = strtok_r(a + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				for (i = 0; i < 3; i++)
					if (strcmp(tok, v1_ctrl[i]) == 0) {
						snprintf(cache[i].path, sizeof cache[i].path, "%s", b);
						cache[i].r = 0;
					}
		}
		if (f == NULL)
			return -1;
		fclose(f);
		cached_for = getpid();
	}
	if (cache[k].r == 0)
		snprintf(out, outlen, "%s", cache[k].path);
	return cache[k].r;
}

static int
put(const char *dir, const char *file, const char *val)
{
	char path[600];
	int fd, r = 0;
	size_t n = strlen(val);

	snprintf(path, sizeof path, "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (write(fd, val, n) != (ssize_t)n)
		r = -1;
	if (close(fd) < 0)
		r = -1;
	return r;
}

static int
exists(const char *dir, const char *file)
{
	char path[600];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* /proc/PID/stat start time of a process, 0 if it does not exist. */
static unsigned long long
start_time(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) != NULL) {
		for (i = 3; i <= 22 && p; i++)	/* the space before field i; 22 is starttime */
			p = strchr(p + 1, ' ');
		if (p)
			v = strtoull(p + 1, NULL, 10);
	}
	fclose(f);
	return v;
}

/*
 * Cells of one supervisor live under labhub/s<pid>-<starttime>/, so ids
 * only need to be unique per supervisor, and the cgroups of a supervisor
 * that died (killed, crashed: its wardens died with it, PDEATHSIG) can be
 * told apart and removed: empty cgroups rmdir, live ones stay.
 */
static const char *
supervisor_name(void)
{
	static char name[64];
	static pid_t for_pid;

	if (for_pid != getpid()) {
		for_pid = getpid();
		snprintf(name, sizeof name, "s%d-%llu", (int)for_pid, start_time(for_pid));
	}
	return name;
}

static pid_t stale_done_for;

static void
remove_stale_done(void)
{
	stale_done_for = getpid();
}

static void
remove_stale(const char *labhub_dir)
{
	DIR *d;
	struct dirent *de;

	if (stale_done_for == getpid())
		return;	/* once per supervisor is enough */
	d = opendir(labhub_dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char sub[800];
		long pid;
		unsigned long long st;
		DIR *cd;
		struct dirent *ce;
		int ncells = 0;

		if (sscanf(de->d_name, "s%ld-%llu", &pid, &st) != 2 || (st != 0 && start_time(pid) == st))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", labhub_dir, de->d_name);
		cd = opendir(sub);
		while (cd && (ce = readdir(cd)) != NULL) {
			char cell[1100];

			if (ce->d_type != DT_DIR || ce->d_name[0] == '.')
				continue;
			snprintf(cell, sizeof cell, "%s/%s", sub, ce->d_name);
			if (rmdir(cell) == 0)	/* fails, harmlessly, if something still runs there */
				ncells++;
		}
		if (cd)
			closedir(cd);
		if (rmdir(sub) == 0 && ncells)
			log_info("cgroup: removed %d cgroups of dead supervisor %s", ncells, sub);
	}
	closedir(d);
}

/*
 * A process that makes one cell and ends with it (`labhub cell run`,
 * cgroup_single_use()): the supervisor's level is the cell's cgroup, one
 * mkdir and one rmdir per controller fewer (~0.3 ms of each run on v1,
 * where a memory cgroup's mkdir alone takes ~0.15 ms).  Its name still
 * says whose it is, so remove_stale() finds it when that process died.
 */
static int single_use;

void
cgroup_single_use(void)
{
	single_use = 1;
}

static int
make_dirs(const char *base, const char *own, const char *id, char *out, size_t outlen, int last)
{
	char parent[512], sup[600];

	snprintf(parent, sizeof parent, "%s%s/labhub", base, own);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return -1;
	remove_stale(parent);
	snprintf(sup, sizeof sup, "%s/%s", parent, supervisor_name());
	if (single_use) {
		if (last)
			remove_stale_done();
		if ((size_t)snprintf(out, outlen, "%s", sup) >= outlen) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return mkdir(out, 0755);	/* EEXIST: this process has its cell already */
	}
	if (mkdir(sup, 0755) < 0 && errno != EEXIST)
		return -1;
	if (last)
		remove_stale_done();
	if ((size_t)snprintf(out, outlen, "%s/%s", sup, id) >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(out, 0755) == 0)
		return 0;
	if (errno == EEXIST)
		errno = EEXIST;	/* in use: this supervisor already has a live cell of this id */
	return -1;
}

/* The controllers of `want` (CG_MEMORY...) listed in dir/cgroup.controllers. */
static unsigned
v2_available(const char *dir, unsigned want)
{
	char path[700], buf[512], *tok, *save;
	unsigned have = 0;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		for (i = 0; i < 3; i++)
			if (strcmp(tok, v1_ctrl[i]) == 0)
				have |= 1u << i;
	return have & want;
}

/* "memory, pids" for the bits set in m. */
static void
names(unsigned m, char *out, size_t outlen)
{
	int i;

	out[0] = 0;
	for (i = 0; i < 3; i++)
		if (m & (1u << i))
			snprintf(out + strlen(out), outlen - strlen(out), "%s%s", out[0] ? ", " : "",
			    v1_ctrl[i]);
}

/*
 * v2: one cgroup per cell, <root><own>/labhub/s<sup>/<id>.  The cell is
 * placed there even when a limit's controller is missing (not enabled in
 * our own cgroup, or bound to a v1 hierarchy as on a hybrid host): the
 * cgroup still holds every process of the cell and is removed with it.
 * The missing controllers are reported in cg->missing and `why`; the
 * cell then relies on rlimits for those (cell.c marks it degraded).
 */
static int
create_v2(struct cgroup *cg, const char *root, const char *id, const struct cell_limits *l,
    char *why, size_t whylen)
{
	char own[512], mine[600], parent[700], sup[800], v[64], ctl[64] = "", miss[64];
	unsigned want = 0, en;
	int i, enable_err = 0;

	if (own_path(NULL, own, sizeof own) < 0) {
		snprintf(why, whylen, "cgroup v2: own cgroup not found in /proc/self/cgroup");
		errno = ENOENT;
		return -1;
	}
	snprintf(mine, sizeof mine, "%s%s", root, own);
	snprintf(parent, sizeof parent, "%s/labhub", mine);
	if (make_dirs(root, own, id, cg->path[0], sizeof cg->path[0], 1) < 0) {
		snprintf(why, whylen, "cgroup v2: mkdir under %s: %s", parent, strerror(errno));
		return -1;
	}
	cg->version = 2;
	cg->n = 1;
	if (l->memory)
		want |= CG_MEMORY;
	if (l->pids)
		want |= CG_PIDS;
	if (l->cpu_percent)
		want |= CG_CPU;
	en = v2_available(mine, want);
	for (i = 0; i < 3; i++)
		if (en & (1u << i))
			snprintf(ctl + strlen(ctl), sizeof ctl - strlen(ctl), "%s+%s", ctl[0] ? " " : "",
			    v1_ctrl[i]);
	/* Delegation: every level down to the cell must pass them on.  Our own
	 * level fails (EBUSY) if it holds processes: that is the host's set-up
	 * (run labhub in a cgroup of its own), and the limits then fall back
	 * to rlimits like a missing controller. */
	snprintf(sup, sizeof sup, "%s/%s", parent, supervisor_name());
	if (en && (put(mine, "cgroup.subtree_control", ctl) < 0 ||
	    put(parent, "cgroup.subtree_control", ctl) < 0 ||
	    (!single_use && put(sup, "cgroup.subtree_control", ctl) < 0))) {
		enable_err = errno;
		en = 0;
	}
	if ((en & CG_MEMORY) && (snprintf(v, sizeof v, "%llu", (unsigned long long)l->memory),
	    put(cg->path[0], "memory.max", v) < 0 ||
	    (exists(cg->path[0], "memory.swap.max") && put(cg->path[0], "memory.swap.max", "0") < 0)))
		goto failw;
	if ((en & CG_PIDS) && (snprintf(v, sizeof v, "%u", l->pids),
	    put(cg->path[0], "pids.max", v) < 0))
		goto failw;
	if ((en & CG_CPU) && (snprintf(v, sizeof v, "%u 100000", l->cpu_percent * 1000),
	    put(cg->path[0], "cpu.max", v) < 0))
		goto failw;
	cg->missing = want & ~en;
	names(cg->missing, miss, sizeof miss);
	if (enable_err)
		snprintf(why, whylen, "cgroup v2: enable %s in %s: %s (run labhub in a delegated "
		    "cgroup without other processes)", ctl, mine, strerror(enable_err));
	else if (cg->missing)
		snprintf(why, whylen, "cgroup v2 at %s: no %s controller in %s/cgroup.controllers "
		    "(bound to cgroup v1, or not delegated)", root, miss, mine[0] ? mine : "/");
	return 0;
failw:
	snprintf(why, whylen, "cgroup v2: write limits in %s: %s", cg->path[0], strerror(errno));
	{
		int e = errno;

		cgroup_destroy(cg);
		errno = e;
	}
	return -1;
}

/* Write the limits l into the three v1 cgroups at path (fresh ones: no limits yet). */
static int
write_v1(char (*path)[512], const struct cell_limits *l)
{
	char v[64];

	if (l->memory) {
		snprintf(v, sizeof v, "%llu", (unsigned long long)l->memory);
		if (put(path[0], "memory.limit_in_bytes", v) < 0)
			return -1;
		/* no swap beyond the cap, where swap accounting exists */
		if (exists(path[0], "memory.memsw.limit_in_bytes") &&
		    put(path[0], "memory.memsw.limit_in_bytes", v) < 0)
			return -1;
	}
	if (l->pids) {
		snprintf(v, sizeof v, "%u", l->pids);
		if (put(path[1], "pids.max", v) < 0)
			return -1;
	}
	if (l->cpu_percent) {
		snprintf(v, sizeof v, "%u", l->cpu_percent * 1000);
		if (put(path[2], "cpu.cfs_period_us", "100000") < 0 ||
		    put(path[2], "cpu.cfs_quota_us", v) < 0)
			return -1;
	}
	return 0;
}

/*
 * Spare cgroups (v1).  Creating a cell's three cgroups and writing its
 * limits is ~10 kernfs calls before the clone; a supervisor that starts
 * cells again and again (the server, not `labhub cell run`) keeps up to
 * CG_SPARES sets made ahead, <sup>/spare-N in each controller, with the
 * limits of its last cell already written.  A start whose limits match
 * claims one by rename() to <sup>/<id> (v1 allows a rename within the
 * parent; EEXIST still refuses a duplicate id) and does no mkdir; the
 * refill runs in cell_stop(), while the kernel tears the ended cell down
 * (measured: no difference in the start+stop cycle against a refill right
 * after the warden's release, but it takes no CPU from a cell being built).
 * Spares are never used by a cell twice: every cell gets a cgroup no task
 * ever ran in (no charges or counters of an earlier cell), and an ended
 * cell's cgroups are removed as before.  Spares are empty; they go at
 * exit (atexit), or with the supervisor's directory when the next
 * supervisor finds it dead (remove_stale()).
 */
#define CG_SPARES 2

static struct spare {
	char path[3][512];
	struct cell_limits limits;
} spares[CG_SPARES];
static int nspares;
static pid_t spares_for;	/* the process they belong to: not a forked child */
static unsigned spare_seq, cells_made;

static int
same_limits(const struct cell_limits *a, const struct cell_limits *b)
{
	return a->memory == b->memory && a->pids == b->pids && a->cpu_percent == b->cpu_percent;
}

static void
spares_drain(void)
{
	int i;

	if (spares_for != getpid())
		return;
	while (nspares > 0) {
		struct spare *sp = &spares[--nspares];

		for (i = 0; i < 3; i++) {
			char *slash;

			rmdir(sp->path[i]);
			slash = strrchr(sp->path[i], '/');
			if (slash) {
				*slash = 0;
				rmdir(sp->path[i]);	/* the supervisor's level, if no cell is left */
			}
		}
	}
}

/* Claim a spare whose limits are l as cg (paths <sup>/<id>).  0, 1 if none, -1 with errno. */
static int
claim_spare(struct cgroup *cg, const char *id, const struct cell_limits *l)
{
	int k, i;

	if (spares_for != getpid())
		return 1;
	for (k = 0; k < nspares && !same_limits(&spares[k].limits, l); k++)
		;
	if (k == nspares)
		return 1;
	for (i = 0; i < 3; i++) {
		char *slash;

		snprintf(cg->path[i], sizeof cg->path[i], "%s", spares[k].path[i]);
		slash = strrchr(cg->path[i], '/');
		if ((size_t)(slash + 1 - cg->path[i]) + strlen(id) >= sizeof cg->path[i]) {
			errno = ENAMETOOLONG;
			break;
		}
		strcpy(slash + 1, id);
		if (rename(spares[k].path[i], cg->path[i]) < 0)
			break;	/* EEXIST: a live cell of this id */
	}
	if (i < 3) {
		int e = errno;

		while (i-- > 0)
			rename(cg->path[i], spares[k].path[i]);	/* still a spare */
		errno = e;
		return -1;
	}
	spares[k] = spares[--nspares];
	cg->version = 1;
	cg->n = 3;
	return 0;
}

void
cgroup_refill(const struct cell_limits *l)
{
	const char *root = cg_root();
	char own[512], name[32];
	struct spare *sp;
	int i;

	if (cells_made < 2 || single_use || exists(root, "cgroup.controllers"))
		return;	/* one cell per process (the CLI), or v2: no spares */
	if (spares_for != getpid()) {
		nspares = 0;	/* a forked child's copy of its parent's list */
		if (spares_for == 0)
			atexit(spares_drain);
		spares_for = getpid();
	}
	while (nspares < CG_SPARES) {
		sp = &spares[nspares];
		snprintf(name, sizeof name, "spare-%u", spare_seq++);
		for (i = 0; i < 3; i++) {
			if (own_path(v1_ctrl[i], own, sizeof own) < 0 ||
			    (size_t)snprintf(sp->path[i], sizeof sp->path[i], "%s/%s%s/labhub/%s/%s", root,
				v1_ctrl[i], own, supervisor_name(), name) >= sizeof sp->path[i] ||
			    mkdir(sp->path[i], 0755) < 0)
				break;
		}
		if (i < 3 || write_v1(sp->path, l) < 0) {
			log_debug("cgroup: no spare cgroup %s: %s", sp->path[i < 3 ? i : 0], strerror(errno));
			while (i-- > 0)
				rmdir(sp->path[i]);
			return;
		}
		sp->limits = *l;
		nspares++;
	}
}

static int
create_v1(struct cgroup *cg, const char *root, const char *id, const struct cell_limits *l,
    char *why, size_t whylen)
{
	char own[512], base[600];
	int i, r;

	cells_made++;
	r = claim_spare(cg, id, l);
	if (r == 0)
		return 0;
	if (r < 0) {
		snprintf(why, whylen, "cgroup v1: rename a spare to %s: %s", cg->path[0], strerror(errno));
		memset(cg, 0, sizeof *cg);
		return -1;
	}
	cg->version = 1;
	cg->n = 0;
	for (i = 0; i < 3; i++) {
		snprintf(base, sizeof base, "%s/%s", root, v1_ctrl[i]);
		if (own_path(v1_ctrl[i], own, sizeof own) < 0 || access(base, F_OK) < 0) {
			snprintf(why, whylen, "cgroup v1: no %s controller", v1_ctrl[i]);
			errno = ENOENT;
			goto fail;
		}
		if (make_dirs(base, own, id, cg->path[i], sizeof cg->path[i], i == 2) < 0) {
			snprintf(why, whylen, "cgroup v1: mkdir %s%s/labhub/%s: %s", base, own, id,
			    strerror(errno));
			goto fail;
		}
		cg->n = i + 1;
	}
	if (write_v1(cg->path, l) < 0) {
		snprintf(why, whylen, "cgroup v1: write limits: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	{
		int e = errno;

		cgroup_destroy(cg);
		errno = e;
	}
	return -1;
}

int
cgroup_create(struct cgroup *cg, const char *id, const struct cell_limits *l, char *why, size_t whylen)
{
	const char *root = cg_root();

	memset(cg, 0, sizeof *cg);
	if (exists(root, "cgroup.controllers"))
		return create_v2(cg, root, id, l, why, whylen);
	return create_v1(cg, root, id, l, why, whylen);
}

/* v2: the cell's cgroup directory for clone3(CLONE_INTO_CGROUP), or -1. */
int
cgroup_open_dir(const struct cgroup *cg)
{
	if (cg->version != 2 || cg->n != 1)
		return -1;
	return open(cg->path[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

/*
 * Open the files through which the child joins the cell's cgroups by
 * itself (the kernel checks the opener's credentials: ours).
 *
 * v1: `tasks`, not `cgroup.procs`.  Writing a pid to cgroup.procs moves a
 * whole thread group, and the kernel takes cgroup_threadgroup_rwsem for
 * writing, a percpu rwsem whose write side waits for an RCU grace period
 * (rcu_sync_enter) unless another migration ran a moment before: 10-20 ms
 * on an idle 2-CPU VM, more under load, and the first cell of every
 * `labhub cell run` paid it.  The child is single-threaded (a fresh
 * clone) and writes "0" (itself) to `tasks`: the kernel then skips that
 * lock (cgroup_procs_write_start(): a thread moving itself cannot exit or
 * exec under it), and the move costs microseconds.  Moving its one thread
 * moves the whole process, and everything it forks later is born inside.
 * v2 has no such file for domain cgroups: there clone3(CLONE_INTO_CGROUP)
 * places the child at birth, and cgroup.procs is the fallback.
 */
int
cgroup_open_procs(const struct cgroup *cg, int *fds)
{
	char path[600];
	int i;

	for (i = 0; i < 3; i++)
		fds[i] = -1;
	for (i = 0; i < cg->n; i++) {
		snprintf(path, sizeof path, "%s/%s", cg->path[i],
		    cg->version == 1 ? "tasks" : "cgroup.procs");
		fds[i] = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fds[i] < 0) {
			while (i > 0)
				close(fds[--i]);
			return -1;
		}
	}
	return 0;
}

/* In the child (single-threaded): move ourselves ("0") into every cell cgroup; closes the fds. */
int
cgroup_join_self(int *fds, struct contain_err *e)
{
	int i, r = 0;

	for (i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		if (r == 0 && write(fds[i], "0", 1) != 1)
			r = contain_fail(e, "cgroup: join (write \"0\" to tasks/cgroup.procs)");
		close(fds[i]);
		fds[i] = -1;
	}
	return r;
}

void
cgroup_destroy(struct cgroup *cg)
{
	struct timespec ts = { 0, 1000000 };
	int i, tries;

	for (i = 0; i < cg->n; i++) {
		/* the last task may still be leaving: EBUSY for a moment */
		for (tries = 0; tries < 200; tries++) {
			if (rmdir(cg->path[i]) == 0 || errno == ENOENT)
				break;
			if (errno != EBUSY)
				break;
			nanosleep(&ts, NULL);
		}
		if (access(cg->path[i], F_OK) == 0)
			log_warn_errno("cgroup: rmdir %s", cg->path[i]);
		else {
			/* and the supervisor's level, if this was its last cell
			 * (single use: that was the cell's; labhub/ is shared) */
			char *slash = strrchr(cg->path[i], '/');

			if (slash && !single_use) {
				*slash = 0;
				rmdir(cg->path[i]);
			}
		}
	}
	cg->n = 0;
	cg->version = 0;
}
