/*
 * cgroup: the memory, pids and CPU limits of a cell, set by the parent
 * (supervisor) on a cgroup it creates below its own, before the warden is
 * let go.  The supervisor itself stays outside, so hitting the memory cap
 * makes the kernel's OOM killer pick a process inside the cell (every cell
 * process also has oom_score_adj 1000), never the server.
 *
 * cgroup v2 when /sys/fs/cgroup is a unified hierarchy, else v1 with one
 * directory per controller (memory, pids, cpu).  Cells live in
 * <own cgroup>/labhub/<id>.  The cell's id is validated by cell.c
 * ([A-Za-z0-9_-]), so paths never contain "/" or "..".  Removal is rmdir
 * only: it cannot follow a link nor delete files.
 */
#include "config.h"

#include <errno.h>
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

/* Our own cgroup path for a v1 controller (or v2 when ctrl is NULL). */
static int
own_path(const char *ctrl, char *out, size_t outlen)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char *a = strchr(line, ':'), *b, *tok, *save;

		if (a == NULL || (b = strchr(a + 1, ':')) == NULL)
			continue;
		*b = 0;
		b[strcspn(b + 1, "\n") + 1] = 0;
		if (ctrl == NULL) {
			if (a[1] == 0) {
				snprintf(out, outlen, "%s", b + 1);
				found = 0;
			}
			continue;
		}
		for (tok = strtok_r(a + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (strcmp(tok, ctrl) == 0) {
				snprintf(out, outlen, "%s", b + 1);
				found = 0;
			}
	}
	fclose(f);
	if (found == 0 && strcmp(out, "/") == 0)
		out[0] = 0;
	return found;
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

static int
make_dirs(const char *base, const char *own, const char *id, char *out, size_t outlen)
{
	char parent[512];

	snprintf(parent, sizeof parent, "%s%s/labhub", base, own);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return -1;
	if ((size_t)snprintf(out, outlen, "%s/%s", parent, id) >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* a leftover of a supervisor that died: empty cgroups can go */
	if (mkdir(out, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (rmdir(out) < 0) {
		errno = EEXIST;	/* in use: another live cell has this id */
		return -1;
	}
	return mkdir(out, 0755);
}

static int
create_v2(struct cgroup *cg, const char *id, const struct cell_limits *l, char *why, size_t whylen)
{
	char own[512], parent[600], v[64];

	if (own_path(NULL, own, sizeof own) < 0) {
		snprintf(why, whylen, "cgroup v2: own cgroup not found");
		errno = ENOENT;
		return -1;
	}
	snprintf(parent, sizeof parent, CG_ROOT "%s/labhub", own);
	if (make_dirs(CG_ROOT, own, id, cg->path[0], sizeof cg->path[0]) < 0) {
		snprintf(why, whylen, "cgroup v2: mkdir under %s: %s", parent, strerror(errno));
		return -1;
	}
	cg->version = 2;
	cg->n = 1;
	/* Delegation: our cgroup must allow these controllers below it. */
	if (put(parent, "cgroup.subtree_control", "+memory +pids +cpu") < 0) {
		snprintf(why, whylen, "cgroup v2: enable controllers in %s: %s "
		    "(run labhub in a delegated cgroup without other processes)", parent, strerror(errno));
		errno = EOPNOTSUPP;	/* the host's set-up: degrade, do not fail */
		goto fail;
	}
	if (l->memory) {
		snprintf(v, sizeof v, "%llu", (unsigned long long)l->memory);
		if (put(cg->path[0], "memory.max", v) < 0 || put(cg->path[0], "memory.swap.max", "0") < 0)
			goto failw;
	}
	if (l->pids) {
		snprintf(v, sizeof v, "%u", l->pids);
		if (put(cg->path[0], "pids.max", v) < 0)
			goto failw;
	}
	if (l->cpu_percent) {
		snprintf(v, sizeof v, "%u 100000", l->cpu_percent * 1000);
		if (put(cg->path[0], "cpu.max", v) < 0)
			goto failw;
	}
	return 0;
failw:
	snprintf(why, whylen, "cgroup v2: write limits in %s: %s", cg->path[0], strerror(errno));
fail:
	{
		int e = errno;

		cgroup_destroy(cg);
		errno = e;
	}
	return -1;
}

static int
create_v1(struct cgroup *cg, const char *id, const struct cell_limits *l, char *why, size_t whylen)
{
	char own[512], base[128], v[64];
	int i;

	cg->version = 1;
	cg->n = 0;
	for (i = 0; i < 3; i++) {
		snprintf(base, sizeof base, CG_ROOT "/%s", v1_ctrl[i]);
		if (own_path(v1_ctrl[i], own, sizeof own) < 0 || access(base, F_OK) < 0) {
			snprintf(why, whylen, "cgroup v1: no %s controller", v1_ctrl[i]);
			errno = ENOENT;
			goto fail;
		}
		if (make_dirs(base, own, id, cg->path[i], sizeof cg->path[i]) < 0) {
			snprintf(why, whylen, "cgroup v1: mkdir %s%s/labhub/%s: %s", base, own, id,
			    strerror(errno));
			goto fail;
		}
		cg->n = i + 1;
	}
	if (l->memory) {
		snprintf(v, sizeof v, "%llu", (unsigned long long)l->memory);
		if (put(cg->path[0], "memory.limit_in_bytes", v) < 0)
			goto failw;
		/* no swap beyond the cap, where swap accounting exists */
		if (exists(cg->path[0], "memory.memsw.limit_in_bytes") &&
		    put(cg->path[0], "memory.memsw.limit_in_bytes", v) < 0)
			goto failw;
	}
	if (l->pids) {
		snprintf(v, sizeof v, "%u", l->pids);
		if (put(cg->path[1], "pids.max", v) < 0)
			goto failw;
	}
	if (l->cpu_percent) {
		snprintf(v, sizeof v, "%u", l->cpu_percent * 1000);
		if (put(cg->path[2], "cpu.cfs_period_us", "100000") < 0 ||
		    put(cg->path[2], "cpu.cfs_quota_us", v) < 0)
			goto failw;
	}
	return 0;
failw:
	snprintf(why, whylen, "cgroup v1: write limits: %s", strerror(errno));
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
	memset(cg, 0, sizeof *cg);
	if (access(CG_ROOT "/cgroup.controllers", F_OK) == 0)
		return create_v2(cg, id, l, why, whylen);
	return create_v1(cg, id, l, why, whylen);
}

/*
 * Open the cells' cgroup.procs files for the child to join by itself: the
 * kernel checks the opener's credentials (ours), and the supervisor does
 * not wait for the migration (in v1 it waits for an RCU grace period).
 */
int
cgroup_open_procs(const struct cgroup *cg, int *fds)
{
	char path[600];
	int i;

	for (i = 0; i < 3; i++)
		fds[i] = -1;
	for (i = 0; i < cg->n; i++) {
		snprintf(path, sizeof path, "%s/cgroup.procs", cg->path[i]);
		fds[i] = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fds[i] < 0) {
			while (i > 0)
				close(fds[--i]);
			return -1;
		}
	}
	return 0;
}

/* In the child: move ourselves ("0") into every cell cgroup; closes the fds. */
int
cgroup_join_self(int *fds, struct contain_err *e)
{
	int i, r = 0;

	for (i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		if (r == 0 && write(fds[i], "0", 1) != 1)
			r = contain_fail(e, "cgroup: join (write cgroup.procs)");
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
	}
	cg->n = 0;
	cg->version = 0;
}
