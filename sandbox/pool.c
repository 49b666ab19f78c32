/*
 * pool: spare wardens made ahead (sandbox/spare.c, cell.h "Spare wardens"),
 * so that a cell start does not pay the clone of six namespaces (copy_net_ns
 * is half of it), the id maps and the exec of labhub-warden.
 *
 * The pool belongs to one process (a forked child does not use its parent's
 * spares) and to one labhub executable (the warden a spare runs is the
 * labhub-warden next to it, and the cell binds that labhub): a start for
 * another one ends the spares and starts over.  Spares are taken oldest
 * first and checked alive (their pidfd); one that died while it waited is
 * reaped and the next taken.  A spare's view of the host (its mount
 * namespace) is a copy of the supervisor's when it was made, so one older
 * than POOL_MAX_AGE_MS is ended instead of used (the sources it binds are
 * checked anyway: spare.c).  Without labhub-warden next to the labhub
 * executable there are no spares (the clone itself would wait, as big as
 * the supervisor's dirty memory).  The refill runs in cell_stop() while the
 * kernel tears the ended cell down, like the spare cgroups (cgroup.c), and
 * in cell_pool_fill() for a loop with nothing else to do (the server:
 * cell_pool_refill_on_stop(0), then only there).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "sandbox/contain.h"
#include "server/log.h"

static struct spare_warden pool[CELL_POOL_MAX];
static int npool;
static unsigned size = CELL_POOL_DEFAULT;
static pid_t pool_for;		/* the process the spares belong to */
static char exe[sizeof ((struct contain_ctx *)0)->exe_path];	/* and the labhub they are for */
static unsigned starts;		/* pool_take() calls: cells that could have used a spare */
static int on_stop = 1;		/* cell_stop() refills */

#define POOL_MAX_AGE_MS (10 * 60 * 1000)

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
own(void)
{
	if (pool_for == getpid())
		return;
	/* a forked child's copy of its parent's list: not ours (the fds stay
	 * open, the child may have reused their numbers) */
	npool = 0;
	starts = 0;
	exe[0] = 0;
	pool_for = getpid();
}

static int
alive(const struct spare_warden *s)
{
	struct pollfd p = { s->pidfd, POLLIN, 0 };
	int st;

	if (s->pidfd >= 0)
		return poll(&p, 1, 0) == 0;	/* readable: it exited */
	return waitpid(s->pid, &st, WNOHANG) == 0;
}

static void
drain(unsigned keep)
{
	while ((unsigned)npool > keep)
		spare_end(&pool[--npool]);
}

int
pool_take(const char *exe_path, struct spare_warden *s)
{
	own();
	starts++;
	if (strcmp(exe, exe_path) != 0) {
		drain(0);
		snprintf(exe, sizeof exe, "%s", exe_path);
	}
	while (npool > 0) {
		*s = pool[0];
		memmove(pool, pool + 1, (size_t)--npool * sizeof pool[0]);
		if (now_ms() - s->born_ms > POOL_MAX_AGE_MS) {
			log_debug("cell: spare warden %d is older than %d s: ended", (int)s->pid,
			    POOL_MAX_AGE_MS / 1000);
		} else if (alive(s)) {
			return 0;
		} else {
			log_warn("cell: spare warden %d ended while it waited; taking the next", (int)s->pid);
		}
		spare_end(s);
	}
	return -1;
}

static unsigned
fill(unsigned max)
{
	char err[512];

	/* without labhub-warden a spare would be a copy-on-write clone of the
	 * supervisor, growing with every page the supervisor writes: none */
	if ((unsigned)npool < size && !spare_execs_warden(exe))
		return 0;
	while ((unsigned)npool < size && max > 0) {
		if (spare_make(exe, -1, &pool[npool], err, sizeof err) < 0) {
			log_warn("cell: no spare warden: %s", err);
			break;
		}
		pool[npool++].born_ms = now_ms();
		max--;
	}
	return (unsigned)npool < size ? size - (unsigned)npool : 0;
}

void
pool_refill(void)
{
	own();
	if (on_stop && starts >= 2 && exe[0])
		fill(size);
}

void
cell_pool_refill_on_stop(int on)
{
	on_stop = on;
}

unsigned
cell_pool_fill(unsigned max)
{
	own();
	if (exe[0] == 0)
		return 0;	/* no cell yet: we do not know which labhub-warden */
	return fill(max);
}

void
cell_pool_set_size(unsigned n)
{
	own();
	size = n < CELL_POOL_MAX ? n : CELL_POOL_MAX;
	drain(size);
}

unsigned
cell_pool_size(void)
{
	return size;
}

unsigned
cell_pool_spares(void)
{
	own();
	return (unsigned)npool;
}
