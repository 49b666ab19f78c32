/*
 * rlimit: the limits that apply whatever the host's cgroups allow.  Set in
 * the warden, inherited by everything in the cell.  RLIMIT_FSIZE is the
 * per-file workspace cap; RLIMIT_AS and RLIMIT_NPROC stand in for the
 * memory and pids cgroups only when those are not available (RLIMIT_AS on
 * every process would break programs that reserve address space).
 */
#include "config.h"

#include <sys/resource.h>

#include "sandbox/contain.h"

static int
set(int res, rlim_t v, struct contain_err *e, const char *name)
{
	struct rlimit r = { v, v }, cur;

	/* never raise a hard limit the supervisor already had */
	if (getrlimit(res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && v > cur.rlim_max)
		r.rlim_cur = r.rlim_max = cur.rlim_max;
	if (setrlimit(res, &r) < 0)
		return contain_fail(e, "rlimit: setrlimit(%s)", name);
	return 0;
}

int
rlimit_apply(const struct contain_ctx *x, struct contain_err *e)
{
	const struct cell_limits *l = &x->limits;

	if (set(RLIMIT_CORE, 0, e, "CORE") < 0)
		return -1;
	if (set(RLIMIT_NOFILE, 4096, e, "NOFILE") < 0)
		return -1;
	if (l->workspace && set(RLIMIT_FSIZE, l->workspace, e, "FSIZE") < 0)
		return -1;
	if (l->cputime_s && set(RLIMIT_CPU, l->cputime_s, e, "CPU") < 0)
		return -1;
	/* per (user namespace, uid): counts this cell only */
	if (l->pids && set(RLIMIT_NPROC, l->pids, e, "NPROC") < 0)
		return -1;
	if ((x->degraded & CELL_DEGRADED_NO_CGROUP) && l->memory &&
	    set(RLIMIT_AS, l->memory, e, "AS") < 0)
		return -1;
	return 0;
}
