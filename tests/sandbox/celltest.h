/*
 * celltest: helpers shared by the cell suites (tests/check_sandbox_*.c):
 * start a cell with the test build's tests/sandbox as /lab (where the
 * attack program lives), run a command through the warden and collect its
 * result, find the processes of a cell from the host.
 */
#ifndef LABHUB_TESTS_CELLTEST_H
#define LABHUB_TESTS_CELLTEST_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cell.h"

static inline long long
t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline const char *
t_labdir(void)
{
	static char dir[1024];
	const char *b = getenv("LABHUB_BUILDDIR");

	snprintf(dir, sizeof dir, "%s/tests/sandbox", b ? b : ".");
	return dir;
}

/* Cell suites need real cells: skip them in the sanitizer (unit) run. */
static inline int
t_unit_only(void)
{
	const char *l = getenv("LABHUB_TEST_LEVEL");

	return l && strcmp(l, "unit") == 0;
}

/* main() of a suite that runs real cells: 77 (skip) at LABHUB_TEST_LEVEL=unit. */
static inline int
t_run_cell_suite(Suite *(*make)(void))
{
	SRunner *sr;
	int failed;

	if (t_unit_only())
		return 77;
	sr = srunner_create(make());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

static inline struct cell *
t_start_ws(const char *limits, const char *ws)
{
	static int n;
	struct cell_spec spec = { 0 };
	struct cell *c = NULL;
	char id[64], err[512];

	snprintf(id, sizeof id, "t%d-%d", (int)getpid(), n++);
	spec.id = id;
	spec.workspace = ws;
	spec.lab_dir = t_labdir();
	spec.labhub_exe = getenv("LABHUB_FULL");	/* the test build's labhub, not this test program */
	cell_limits_default(&spec.limits);
	if (limits)
		ck_assert_msg(cell_limits_parse(&spec.limits, limits, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(cell_start(&spec, &c, err, sizeof err) == 0, "cell_start: %s", err);
	return c;
}

static inline struct cell *
t_start(const char *limits)
{
	return t_start_ws(limits, NULL);
}

struct t_result {
	int status, signal, timed_out, truncated;
	char out[CELL_EXEC_MAX_STDOUT + 1];
	char err[CELL_EXEC_MAX_STDERR + 1];
	size_t outlen;
};

/* Run argv in the cell via the warden; wait for its result (fails the test on timeout). */
static inline void
t_exec_as(struct cell *c, enum cell_as as, const char *const *argv, const char *in,
    unsigned timeout_ms, struct t_result *r)
{
	static unsigned tag = 100;
	long long deadline = t_now_ms() + timeout_ms + 5000;
	struct cell_event ev;
	unsigned my = ++tag;

	memset(r, 0, sizeof *r);
	ck_assert_int_eq(cell_request_exec(c, my, argv, as, in, in ? strlen(in) : 0, timeout_ms), 0);
	for (;;) {
		int left = (int)(deadline - t_now_ms());

		ck_assert_msg(left > 0, "no result from the warden for %s", argv[0]);
		ck_assert_int_ge(cell_wait_event(c, &ev, left), 0);
		if (ev.type == CELL_EV_RESULT && ev.tag == my) {
			r->status = ev.status;
			r->signal = ev.signal;
			r->timed_out = ev.timed_out;
			r->truncated = ev.truncated;
			r->outlen = ev.outlen;
			memcpy(r->out, ev.out, ev.outlen);
			memcpy(r->err, ev.err, ev.errlen);
			/* trim the final newline for comparisons */
			while (r->outlen && r->out[r->outlen - 1] == '\n')
				r->out[--r->outlen] = 0;
			cell_event_clear(&ev);
			return;
		}
		ck_assert_msg(ev.type != CELL_EV_ENDING, "cell ended: %s", ev.message);
		ck_assert_msg(ev.type != CELL_EV_ERROR, "request failed: %s", ev.message);
		cell_event_clear(&ev);
	}
}

static inline void
t_exec(struct cell *c, const char *const *argv, struct t_result *r)
{
	t_exec_as(c, CELL_AS_LEARNER, argv, NULL, 10000, r);
}

/* /lab/attack NAME [ARG [ARG]] as the learner; returns its trimmed stdout. */
static inline const char *
t_attack(struct cell *c, struct t_result *r, const char *name, const char *a1, const char *a2)
{
	const char *argv[] = { "/lab/attack", name, a1, a2, NULL };

	t_exec(c, argv, r);
	return r->out;
}

/* Inode of a process's pid namespace, 0 if the process is gone. */
static inline unsigned long
t_pidns(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	if (stat(path, &st) < 0)
		return 0;
	return (unsigned long)st.st_ino;
}

/* How many host processes live in pid namespace `ns`. */
static inline int
t_count_in_ns(unsigned long ns)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && t_pidns(atoi(de->d_name)) == ns)
			n++;
	if (d)
		closedir(d);
	return n;
}

/*
 * The processes of a pid namespace, by pid and start time: after the
 * namespace is gone its inode number may be reused by a new one (other
 * tests start cells meanwhile), so "gone" is checked on this snapshot.
 */
struct t_procs {
	int n;
	int pid[128];
	unsigned long long start[128];
};

static inline unsigned long long
t_starttime(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) != NULL) {
		/* fields after "(comm)": state is field 3, starttime field 22 */
		for (i = 3; i <= 22 && p; i++)
			p = strchr(p + 1, ' ');
		if (p)
			v = strtoull(p + 1, NULL, 10);
	}
	fclose(f);
	return v;
}

static inline void
t_procs_in_ns(unsigned long ns, struct t_procs *ps)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	ps->n = 0;
	while (d && (de = readdir(d)) && ps->n < 128)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && t_pidns(atoi(de->d_name)) == ns) {
			ps->pid[ps->n] = atoi(de->d_name);
			ps->start[ps->n++] = t_starttime(atoi(de->d_name));
		}
	if (d)
		closedir(d);
}

static inline int
t_procs_alive(const struct t_procs *ps)
{
	int i, n = 0;

	for (i = 0; i < ps->n; i++)
		if (t_starttime(ps->pid[i]) == ps->start[i] && ps->start[i] != 0)
			n++;
	return n;
}

/* The memory cgroup directory of a host pid ("" if none / not v1). */
static inline void
t_memcg(pid_t pid, char *out, size_t outlen)
{
	char path[64], line[1024];
	FILE *f;

	out[0] = 0;
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f)) {
		char *p = strstr(line, ":memory:");

		if (p && strstr(p, "/labhub/")) {
			p[strcspn(p, "\n")] = 0;
			snprintf(out, outlen, "/sys/fs/cgroup/memory%s", p + 8);
		}
	}
	if (f)
		fclose(f);
}

#endif
