/*
 * cell-start-helper: the measuring half of tests/bench/cell-start.
 *
 *   cell-start-helper time N CMD [ARG...]   fork+exec+wait CMD N times: median and p99 (us)
 *   cell-start-helper api N                 in one supervisor: cell_start, spawn /bin/true,
 *                                           its exit, cell_stop; N times: median and p99 (us)
 *   cell-start-helper compare N CMD... [';;' CMD...]...
 *                                           round robin, one run of each per round, so a
 *                                           changing machine load hits all alike; the
 *                                           command "@api" is the API cycle above,
 *                                           "@api-nocg" the same without cgroup limits,
 *                                           "@api-nowait" as the server does it (nowait
 *                                           start, request queued before "ready", the
 *                                           spare refilled after, untimed, as the
 *                                           server's loop does when idle; the others
 *                                           refill in cell_stop()),
 *                                           "@api-ready" cell_start() alone (to "ready"),
 *                                           "@api-nowait-stop-refills" the same with the
 *                                           refill in cell_stop() (timed), and
 *                                           "@api-nowait-nopool" as @api-nowait with no
 *                                           spare wardens (each start clones its own);
 *                                           one "median p99" line per command
 *   cell-start-helper phases N              the api cycle in phases: median and p99 of each
 *   cell-start-helper burst N               N cells, each with an interactive bash on a PTY:
 *                                           ms until every prompt is on screen, then PSS of
 *                                           warden and bash and the memory cgroup charge
 *   cell-start-helper spares                PSS of an idle spare warden (cell_pool_fill())
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "tests/bench/bench.h"
#include "server/log.h"

static void
report(double *v, int n)
{
	double median, p99;

	median_p99(v, n, &median, &p99);
	printf("%.0f %.0f\n", median, p99);
}

static int
time_cmd(int n, char **argv)
{
	double *v = calloc((size_t)n, sizeof *v);
	int i, st, null = open("/dev/null", O_RDWR);

	for (i = 0; i < n; i++) {
		double t = now_us();
		pid_t p = fork();

		if (p == 0) {
			dup2(null, 0);
			dup2(null, 1);
			execvp(argv[0], argv);
			_exit(127);
		}
		waitpid(p, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "cell-start-helper: %s failed (status %d)\n", argv[0], st);
			return 1;
		}
		v[i] = now_us() - t;
	}
	report(v, n);
	return 0;
}

static int nocg;

static struct cell *
start_cell(int i, const char *exe, int wait)
{
	struct cell_spec spec = { 0 };
	struct cell *c;
	char id[64], err[512];

	snprintf(id, sizeof id, "bench%d-%d", (int)getpid(), i);
	spec.id = id;
	spec.labhub_exe = exe;
	cell_limits_default(&spec.limits);
	if (nocg || getenv("CELL_BENCH_NO_CGROUP"))	/* to see what the cgroups cost */
		spec.limits.memory = spec.limits.pids = spec.limits.cpu_percent = 0;
	if ((wait ? cell_start : cell_start_nowait)(&spec, &c, err, sizeof err) < 0) {
		fprintf(stderr, "cell-start-helper: %s\n", err);
		exit(1);
	}
	return c;
}

static int
api(int n, const char *exe)
{
	static const char *const argv[] = { "/bin/true", NULL };
	double *v = calloc((size_t)n, sizeof *v);
	int i;

	for (i = 0; i < n; i++) {
		double t = now_us();
		struct cell *c = start_cell(i, exe, 1);

		cell_request_spawn(c, 1, argv, CELL_AS_LEARNER, 0, 0, 0, NULL);
		if (wait_exit(c) != 0)
			return 1;
		cell_stop(c);
		v[i] = now_us() - t;
	}
	report(v, n);
	return 0;
}

/*
 * One cycle: start, spawn /bin/true, its exit, cell_stop().  wait_ready 1:
 * cell_start(); 0: the way the server starts a learner's cell
 * (server/ws_term.c): cell_start_nowait(), the request queued at once (the
 * warden reads it once ready).  base keeps the two kinds' cell ids apart.
 */
static int
api_cycle(const char *exe, int wait_ready, double *us)
{
	static const char *const argv[] = { "/bin/true", NULL };
	static int i;
	double t = now_us();
	struct cell *c = start_cell((wait_ready ? 0 : 1000000) + i++, exe, wait_ready);

	cell_request_spawn(c, 1, argv, CELL_AS_LEARNER, 0, 0, 0, NULL);
	if (wait_exit(c) != 0)
		return -1;
	cell_stop(c);
	*us = now_us() - t;
	return 0;
}

/* Only what a learner waits for: cell_start() until "ready" (cell_stop() not timed). */
static int
api_ready_once(const char *exe, double *us)
{
	static int i;
	double t = now_us();
	struct cell *c = start_cell(2000000 + i++, exe, 1);

	*us = now_us() - t;
	cell_stop(c);
	return 0;
}

/* The API cycle in phases: start to ready, spawn request to "spawned", to "exit", cell_stop(). */
static int
phases(int n, const char *exe)
{
	static const char *const argv[] = { "/bin/true", NULL };
	double *v[4];
	const char *name[4] = { "cell_start", "spawn->spawned", "spawned->exit", "cell_stop" };
	int i, k;

	for (k = 0; k < 4; k++)
		v[k] = calloc((size_t)n, sizeof(double));
	for (i = 0; i < n; i++) {
		double t0 = now_us(), t1, t2, t3;
		struct cell *c = start_cell(3000000 + i, exe, 1);
		struct cell_event ev;

		t1 = now_us();
		cell_request_spawn(c, 1, argv, CELL_AS_LEARNER, 0, 0, 0, NULL);
		t2 = t1;
		for (;;) {
			if (cell_wait_event(c, &ev, 5000) != 1)
				return 1;
			if (ev.type == CELL_EV_SPAWNED)
				t2 = now_us();
			if (ev.type == CELL_EV_EXIT) {
				cell_event_clear(&ev);
				break;
			}
			cell_event_clear(&ev);
		}
		t3 = now_us();
		cell_stop(c);
		v[0][i] = t1 - t0;
		v[1][i] = t2 - t1;
		v[2][i] = t3 - t2;
		v[3][i] = now_us() - t3;
	}
	for (k = 0; k < 4; k++) {
		printf("%-16s ", name[k]);
		report(v[k], n);
	}
	return 0;
}

static int
run_once(char **argv, double *us)
{
	static int null = -1;
	double t = now_us();
	int st;
	pid_t p;

	if (null < 0)
		null = open("/dev/null", O_RDWR);
	p = fork();
	if (p == 0) {
		dup2(null, 0);
		dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "cell-start-helper: %s failed (status %d)\n", argv[0], st);
		return -1;
	}
	*us = now_us() - t;
	return 0;
}

/*
 * Untimed, after each command: until every spare warden of ours has exec'd
 * labhub-warden and sleeps on its socket, so that the tail of a refill (the
 * spare's exec, on the other CPU) is not measured as part of the next
 * command of the round.
 */
static void
settle(void)
{
	double until = now_us() + 50000;
	char path[128], buf[512], exe[256];
	int busy = 1, pid;

	while (busy && now_us() < until) {
		FILE *f;

		busy = 0;
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
		f = fopen(path, "re");
		while (f && fscanf(f, "%d", &pid) == 1) {
			FILE *st;
			ssize_t k;
			char *p;

			snprintf(path, sizeof path, "/proc/%d/exe", pid);
			k = readlink(path, exe, sizeof exe - 1);
			exe[k > 0 ? k : 0] = 0;
			snprintf(path, sizeof path, "/proc/%d/stat", pid);
			st = fopen(path, "re");
			if (st && fgets(buf, sizeof buf, st) && (p = strrchr(buf, ')')) != NULL &&
			    strstr(buf, "(labhub-spare)") && (p[2] != 'S' || !strstr(exe, "labhub-warden")))
				busy = 1;
			if (st)
				fclose(st);
		}
		if (f)
			fclose(f);
		if (busy)
			usleep(100);
	}
}

static int
compare(int n, int argc, char **argv, const char *exe)
{
	char **cmd[16];
	double *v[16];
	int ncmd = 0, i, k;

	cmd[ncmd++] = argv;
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], ";;") == 0 && ncmd < 16) {
			argv[i] = NULL;
			cmd[ncmd++] = argv + i + 1;
		}
	for (k = 0; k < ncmd; k++)
		v[k] = calloc((size_t)n, sizeof(double));
	for (i = 0; i < n; i++)
		for (k = 0; k < ncmd; k++)
		{
			int r;

			nocg = strcmp(cmd[k][0], "@api-nocg") == 0;
			if (strcmp(cmd[k][0], "@api-nowait-nopool") == 0) {
				/* the same, every warden cloned for its cell; then the
				 * pool as the server's loop would refill it, untimed */
				cell_pool_set_size(0);
				r = api_cycle(exe, 0, &v[k][i]);
				cell_pool_set_size(CELL_POOL_DEFAULT);
				cell_pool_fill(CELL_POOL_DEFAULT);
			} else if (strcmp(cmd[k][0], "@api-nowait") == 0) {
				/* as labhub serve: cell_stop() leaves the refill to the
				 * loop when idle (server/ws_term.c), untimed here */
				cell_pool_refill_on_stop(0);
				r = api_cycle(exe, 0, &v[k][i]);
				cell_pool_refill_on_stop(1);
				cell_pool_fill(CELL_POOL_DEFAULT);
			} else if (strcmp(cmd[k][0], "@api-nowait-stop-refills") == 0) {
				r = api_cycle(exe, 0, &v[k][i]);	/* the refill in cell_stop(), timed */
			} else if (strcmp(cmd[k][0], "@api-ready") == 0)
				r = api_ready_once(exe, &v[k][i]);
			else if (strncmp(cmd[k][0], "@api", 4) == 0)
				r = api_cycle(exe, 1, &v[k][i]);
			else
				r = run_once(cmd[k], &v[k][i]);
			if (r < 0)
				return 1;
			settle();
		}
	for (k = 0; k < ncmd; k++)
		report(v[k], n);
	return 0;
}

static long
kb_field(const char *path, const char *key)
{
	char line[256];
	FILE *f = fopen(path, "re");
	long v = -1;

	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, strlen(key)) == 0)
			v = atol(line + strlen(key));
	if (f)
		fclose(f);
	return v;
}

static long
memcg_bytes(pid_t pid)
{
	char path[128], line[1024], file[1200];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f)) {
		char *p = strstr(line, ":memory:");

		if (p) {
			p[strcspn(p, "\n")] = 0;
			snprintf(file, sizeof file, "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", p + 8);
			FILE *g = fopen(file, "re");

			if (g) {
				if (fscanf(g, "%ld", &v) != 1)
					v = -1;
				fclose(g);
			}
		}
	}
	if (f)
		fclose(f);
	return v;
}

static int
burst(int n, const char *exe)
{
	struct cell **c = calloc((size_t)n, sizeof *c);
	int *m = calloc((size_t)n, sizeof *m), *ready = calloc((size_t)n, sizeof *ready);
	struct pollfd *p = calloc((size_t)n * 2, sizeof *p);
	int i, left = n;
	double t0 = now_us(), t_started;
	long pss_w = 0, pss_b = 0, cg = 0, k = 0;

	for (i = 0; i < n; i++) {
		c[i] = start_cell(i, exe, 0);
		m[i] = -1;
		cell_request_shell(c[i], 1, 24, 80);
	}
	t_started = now_us();
	while (left > 0) {
		int np = 0;

		for (i = 0; i < n; i++) {
			p[np].fd = m[i] >= 0 ? m[i] : cell_fd(c[i]);
			p[np].events = POLLIN;
			np++;
		}
		if (poll(p, (nfds_t)np, 10000) <= 0) {
			fprintf(stderr, "cell-start-helper: prompts not ready after 10 s (%d left)\n", left);
			return 1;
		}
		for (i = 0; i < n; i++) {
			char buf[4096];
			struct cell_event ev;
			ssize_t r;

			if (!p[i].revents)
				continue;
			if (m[i] < 0) {
				int got = cell_read(c[i], &ev);

				if (got < 0 || (got == 1 && ev.type == CELL_EV_ERROR)) {
					fprintf(stderr, "cell-start-helper: cell %d failed: %s\n", i, ev.message);
					return 1;
				}
				if (got == 1 && ev.type == CELL_EV_SPAWNED) {
					m[i] = ev.fd;
					ev.fd = -1;
				}
				cell_event_clear(&ev);
				continue;
			}
			r = read(m[i], buf, sizeof buf - 1);
			if (r > 0 && !ready[i]) {
				buf[r] = 0;
				if (strstr(buf, "$ ")) {
					ready[i] = 1;
					left--;
				}
			}
		}
	}
	printf("burst_ms %.0f %.0f\n", (now_us() - t0) / 1e3, (t_started - t0) / 1e3);
	usleep(300 * 1000);	/* let them settle: idle cells */
	for (i = 0; i < n; i++) {
		char path[128];
		FILE *f;
		int bash = 0;

		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)cell_pid(c[i]));
		pss_w += kb_field(path, "Pss:");
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)cell_pid(c[i]), (int)cell_pid(c[i]));
		f = fopen(path, "re");
		if (f && fscanf(f, "%d", &bash) == 1) {
			snprintf(path, sizeof path, "/proc/%d/smaps_rollup", bash);
			pss_b += kb_field(path, "Pss:");
		}
		if (f)
			fclose(f);
		cg += memcg_bytes(cell_pid(c[i]));
		k++;
	}
	printf("pss_warden_kib %ld\npss_bash_kib %ld\nmemcg_kib %ld\n", pss_w / k, pss_b / k, cg / k / 1024);
	for (i = 0; i < n; i++) {
		close(m[i]);
		cell_stop(c[i]);
	}
	return 0;
}

/* PSS (and what of it is the spare's own) of idle spare wardens, once they exec'd labhub-warden. */
static int
spares(const char *exe)
{
	char path[128];
	FILE *f;
	long pss = 0, dirty = 0;
	int n = 0, pid;

	cell_stop(start_cell(0, exe, 1));	/* the pool's labhub is known once a cell started */
	cell_pool_set_size(CELL_POOL_DEFAULT);
	cell_pool_fill(CELL_POOL_DEFAULT);
	usleep(300 * 1000);
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	f = fopen(path, "re");
	while (f && fscanf(f, "%d", &pid) == 1) {
		char p2[128];

		snprintf(p2, sizeof p2, "/proc/%d/smaps_rollup", pid);
		pss += kb_field(p2, "Pss:");
		dirty += kb_field(p2, "Private_Dirty:");
		n++;
	}
	if (f)
		fclose(f);
	if (n == 0)
		return 1;
	printf("spares %d pss_spare_kib %ld private_dirty_kib %ld\n", n, pss / n, dirty / n);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *exe = getenv("LABHUB_FULL");	/* bound in the cells (server/exe.h) */

	signal(SIGPIPE, SIG_IGN);
	log_init_from_env();	/* LABHUB_LOG=debug: the per-step timings of cell.c */
	if (argc >= 4 && strcmp(argv[1], "time") == 0)
		return time_cmd(atoi(argv[2]), argv + 3);
	if (argc == 3 && strcmp(argv[1], "api") == 0)
		return api(atoi(argv[2]), exe);
	if (argc >= 4 && strcmp(argv[1], "compare") == 0)
		return compare(atoi(argv[2]), argc - 3, argv + 3, exe);
	if (argc == 3 && strcmp(argv[1], "phases") == 0)
		return phases(atoi(argv[2]), exe);
	if (argc == 3 && strcmp(argv[1], "burst") == 0)
		return burst(atoi(argv[2]), exe);
	if (argc == 2 && strcmp(argv[1], "spares") == 0)
		return spares(exe);
	fprintf(stderr, "usage: cell-start-helper time N CMD... | api N | burst N\n");
	return 2;
}
