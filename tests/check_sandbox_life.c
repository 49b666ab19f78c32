/*
 * check_sandbox_life: the life of cells as the server uses them: start,
 * a learner shell on a PTY (echo, resize), detach and re-attach of the PTY
 * master, exec with stdin, capped output and timeouts, lifetime and idle
 * ends, the supervisor going away, a malformed frame, 50 cells at once,
 * a workspace that outlives its cell, and nothing left after stop.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/ipc.h"
#include "tests/sandbox/celltest.h"

/* Read the PTY master until `want` appears (or fail after timeout_ms). */
static void
expect_pty(int master, const char *want, int timeout_ms, char *seen, size_t seenlen)
{
	long long deadline = t_now_ms() + timeout_ms;
	size_t len = 0;

	seen[0] = 0;
	while (strstr(seen, want) == NULL) {
		struct pollfd p = { master, POLLIN, 0 };
		int left = (int)(deadline - t_now_ms());
		ssize_t n;

		ck_assert_msg(left > 0, "no '%s' on the terminal; saw '%s'", want, seen);
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(master, seen + len, seenlen - 1 - len);
		ck_assert_int_gt(n, 0);
		len += (size_t)n;
		seen[len] = 0;
		if (len > seenlen / 2) {	/* keep the tail */
			memmove(seen, seen + len / 2, len - len / 2 + 1);
			len -= len / 2;
		}
	}
}

static int
open_shell(struct cell *c, unsigned rows, unsigned cols)
{
	struct cell_event ev;
	int master = -1;

	ck_assert_int_eq(cell_request_shell(c, 1, rows, cols), 0);
	while (master < 0) {
		ck_assert_int_eq(cell_wait_event(c, &ev, 5000), 1);
		ck_assert_msg(ev.type != CELL_EV_ERROR, "%s", ev.message);
		if (ev.type == CELL_EV_SPAWNED) {
			master = ev.fd;
			ev.fd = -1;
		}
		cell_event_clear(&ev);
	}
	return master;
}

START_TEST(test_shell)
{
	struct cell *c = t_start(NULL);
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	char seen[8192];
	int m = open_shell(c, 30, 90);

	ck_assert_int_ge(m, 0);
	ck_assert_int_eq(write(m, "echo A$((6*7))B\n", 16), 16);
	expect_pty(m, "A42B", 5000, seen, sizeof seen);
	ck_assert_int_eq(write(m, "stty size; whoami; tty\n", 23), 23);
	expect_pty(m, "/dev/pts/", 5000, seen, sizeof seen);	/* the last of the three */
	ck_assert_msg(strstr(seen, "30 90") && strstr(seen, "learner"), "saw '%s'", seen);
	ck_assert_int_eq(ioctl(m, TIOCSWINSZ, &ws), 0);	/* resize */
	ck_assert_int_eq(write(m, "stty size\n", 10), 10);
	expect_pty(m, "40 100", 5000, seen, sizeof seen);
	close(m);
	cell_stop(c);
}
END_TEST

/* The browser goes away; the server keeps the master; a new connection gets the same shell. */
START_TEST(test_detach_reattach)
{
	struct cell *c = t_start(NULL);
	char seen[8192], pid1[32] = "", want[64];
	int m = open_shell(c, 24, 80), again;
	char *p;

	{
		static const char cmd[] = "printf 'PID=%s=\\n' $$\n";

		ck_assert_int_eq(write(m, cmd, sizeof cmd - 1), (ssize_t)sizeof cmd - 1);
	}
	while (!pid1[0]) {
		expect_pty(m, "=\r", 5000, seen, sizeof seen);
		for (p = strstr(seen, "PID="); p; p = strstr(p + 4, "PID="))
			if (sscanf(p, "PID=%31[0-9]=", pid1) == 1)
				break;
	}
	/* detach: output produced while nobody reads is kept in the PTY */
	ck_assert_int_eq(write(m, "sleep 0.3; echo LATE-$((1+1))\n", 30), 30);
	again = dup(m);	/* the fd the re-attached connection uses */
	close(m);
	usleep(500 * 1000);
	expect_pty(again, "LATE-2", 5000, seen, sizeof seen);
	snprintf(want, sizeof want, "SAME-%s", pid1);
	ck_assert_int_eq(write(again, "echo SAME-$$\n", 13), 13);
	expect_pty(again, want, 5000, seen, sizeof seen);
	close(again);
	cell_stop(c);
}
END_TEST

START_TEST(test_exec)
{
	static const char *const cat[] = { "/bin/cat", NULL };
	static const char *const yes[] = { "/bin/sh", "-c", "yes | head -c 100000; echo err >&2; exit 3", NULL };
	static const char *const sleep[] = { "/bin/sh", "-c", "sleep 5 & sleep 10", NULL };
	static const char *const id[] = { "/usr/bin/id", "-u", NULL };
	static const char *const lab[] = { "/run/labhub/labhub", "--help", NULL };
	struct cell *c = t_start(NULL);
	struct t_result r;
	long long t;

	t_exec_as(c, CELL_AS_LEARNER, cat, "hello cell", 5000, &r);
	ck_assert_str_eq(r.out, "hello cell");
	t_exec(c, yes, &r);
	ck_assert_int_eq(r.status, 3);
	ck_assert_int_eq(r.truncated, 1);
	ck_assert_int_ge(r.outlen, CELL_EXEC_MAX_STDOUT - 1);	/* minus the trimmed newline */
	ck_assert_str_eq(r.err, "err\n");
	t = t_now_ms();
	t_exec_as(c, CELL_AS_LEARNER, sleep, NULL, 300, &r);
	ck_assert_int_eq(r.timed_out, 1);
	ck_assert_int_eq(r.signal, SIGKILL);
	ck_assert_int_lt(t_now_ms() - t, 2000);
	t_exec_as(c, CELL_AS_LAB, id, NULL, 5000, &r);
	ck_assert_str_eq(r.out, (cell_degraded(c) & CELL_DEGRADED_ONE_UID) ? "1000" : "1001");
	/* the running labhub binary is there for `lab exec` */
	t_exec_as(c, CELL_AS_LAB, lab, NULL, 5000, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: labhub"));
	cell_stop(c);
}
END_TEST

static void
expect_ending(struct cell *c, const char *reason, int within_ms)
{
	struct cell_event ev;
	long long deadline = t_now_ms() + within_ms;

	for (;;) {
		int left = (int)(deadline - t_now_ms());

		ck_assert_msg(left > 0, "no '%s' ending in time", reason);
		if (cell_wait_event(c, &ev, left) == 1 && ev.type == CELL_EV_ENDING) {
			ck_assert_str_eq(ev.message, reason);
			cell_event_clear(&ev);
			return;
		}
		cell_event_clear(&ev);
	}
}

START_TEST(test_lifetime)
{
	struct cell *c = t_start("lifetime=1s");
	unsigned long ns = t_pidns(cell_pid(c));
	struct t_procs ps;
	long long t = t_now_ms();
	int st;

	t_procs_in_ns(ns, &ps);
	expect_ending(c, "lifetime", 3000);
	ck_assert_int_ge(t_now_ms() - t, 900);
	if (cell_pidfd(c) >= 0) {	/* the loop's way to see the warden gone */
		struct pollfd p = { cell_pidfd(c), POLLIN, 0 };

		ck_assert_int_eq(poll(&p, 1, 3000), 1);
	}
	ck_assert_int_eq(waitpid(cell_pid(c), &st, 0), cell_pid(c));
	ck_assert_int_eq(t_procs_alive(&ps), 0);
	/* cell_stop of a cell whose warden already ended still cleans up */
	cell_stop(c);
}
END_TEST

START_TEST(test_idle)
{
	struct cell *c = t_start("idle=2s");
	struct cell_event ev;
	long long t = t_now_ms();

	usleep(1000 * 1000);
	ck_assert_int_eq(cell_notify_activity(c), 0);	/* idle clock restarts */
	ck_assert_int_eq(cell_wait_event(c, &ev, 1500), 0);	/* still alive at 2.5 s */
	expect_ending(c, "idle", 4000);
	ck_assert_int_ge(t_now_ms() - t, 2900);
	cell_stop(c);
}
END_TEST

/* The supervisor goes away (closes its end): the whole cell ends. */
START_TEST(test_supervisor_gone)
{
	static const char *const argv[] = { "/bin/sleep", "100", NULL };
	struct cell *c = t_start(NULL);
	unsigned long ns = t_pidns(cell_pid(c));
	struct t_procs ps;
	struct t_result r;
	int st;

	t_attack(c, &r, "daemon", NULL, NULL);
	ck_assert_int_eq(cell_request_spawn(c, 3, argv, CELL_AS_LEARNER, 0, 0, 0, NULL), 0);
	usleep(100 * 1000);
	t_procs_in_ns(ns, &ps);
	ck_assert_int_ge(ps.n, 3);	/* warden, daemon, sleep */
	shutdown(cell_fd(c), SHUT_RDWR);
	ck_assert_int_eq(waitpid(cell_pid(c), &st, 0), cell_pid(c));
	ck_assert_int_eq(t_procs_alive(&ps), 0);
	cell_stop(c);
}
END_TEST

/* A malformed request is fatal for the cell (and only that cell). */
START_TEST(test_malformed_frame)
{
	struct cell *c = t_start(NULL), *other = t_start(NULL);
	struct t_result r;
	unsigned char junk[16] = { 0, 0, 0, 3, 2, '{', '{' };

	ck_assert_int_eq(send(cell_fd(c), junk, 7, 0), 7);
	expect_ending(c, "malformed frame", 3000);
	cell_stop(c);
	ck_assert_str_eq(t_attack(other, &r, "euid", NULL, NULL), "1000 1000");
	cell_stop(other);
}
END_TEST

/* Well-formed frames with wrong content end the cell too (the warden trusts nothing). */
static const struct { int type; const char *json; const char *reason; } bad_requests[] = {
	{ IPC_SPAWN, "{\"tag\":1,\"argv\":[\"bin/sh\"]}", "malformed spawn request" },	/* relative */
	{ IPC_SPAWN, "{\"tag\":1,\"argv\":[]}", "malformed spawn request" },
	{ IPC_SPAWN, "{\"tag\":1,\"argv\":[\"/bin/sh\",7]}", "malformed spawn request" },
	{ IPC_SPAWN, "{\"tag\":-1,\"argv\":[\"/bin/sh\"]}", "malformed spawn request" },
	{ IPC_SPAWN, "{\"tag\":1,\"argv\":[\"/bin/sh\"],\"as\":0,\"tty\":true,\"rows\":0}", "malformed spawn request" },
	{ IPC_SPAWN, "{\"tag\":1,\"argv\":[\"/bin/sh\"],\"as\":7}", "malformed spawn request" },	/* root? no */
	{ IPC_EXEC, "{\"tag\":1,\"argv\":[\"/bin/true\"],\"timeout_ms\":0}", "malformed exec request" },
	{ IPC_EXEC, "{\"argv\":[\"/bin/true\"]}", "malformed exec request" },
	{ IPC_EXEC, "{\"tag\":1,\"argv\":\"/bin/true\"}", "malformed exec request" },
	{ IPC_READY, "{}", "unexpected frame" },
	{ IPC_RESULT, "{}", "unexpected frame" },
};

START_TEST(test_bad_requests)
{
	struct cell *c = t_start(NULL);
	json_t *o = json_loads(bad_requests[_i].json, 0, NULL);

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(ipc_send(cell_fd(c), bad_requests[_i].type, o, NULL, 0), 0);
	json_decref(o);
	expect_ending(c, bad_requests[_i].reason, 3000);
	cell_stop(c);
}
END_TEST

START_TEST(test_argv_too_long)
{
	const char *argv[CELL_MAX_ARGV + 2];
	struct cell *c = t_start(NULL);
	int i;

	for (i = 0; i < CELL_MAX_ARGV + 1; i++)
		argv[i] = "/bin/true";
	argv[i] = NULL;
	errno = 0;
	ck_assert_int_eq(cell_request_exec(c, 1, argv, CELL_AS_LEARNER, NULL, 0, 1000), -1);
	ck_assert_int_eq(cell_request_exec(c, 1, argv, CELL_AS_LEARNER, NULL, CELL_EXEC_MAX_STDIN + 1, 1000), -1);
	ck_assert_int_eq(errno, E2BIG);
	cell_stop(c);
}
END_TEST

/* 50 cells at once, each answering; afterwards no process or cgroup is left. */
START_TEST(test_fifty)
{
	enum { N = 50 };
	struct cell *c[N];
	unsigned long ns[N];
	static struct t_procs ps[N];
	char cg[N][1024], want[16];
	struct t_result r;
	int i;

	/* all started before any is waited for (cell_start_nowait), as a loop would */
	for (i = 0; i < N; i++) {
		struct cell_spec spec = { 0 };
		char id[64], err[512];

		snprintf(id, sizeof id, "fifty%d-%d", (int)getpid(), i);
		spec.id = id;
		spec.lab_dir = t_labdir();
		spec.labhub_exe = getenv("LABHUB_FULL");
		cell_limits_default(&spec.limits);
		ck_assert_msg(cell_start_nowait(&spec, &c[i], err, sizeof err) == 0, "%s", err);
		ns[i] = t_pidns(cell_pid(c[i]));
		t_memcg(cell_pid(c[i]), cg[i], sizeof cg[i]);
	}
	for (i = 0; i < N; i++) {
		struct cell_event ev;
		long long deadline = t_now_ms() + 10000;

		while (!cell_is_ready(c[i])) {
			int got = cell_wait_event(c[i], &ev, 1000);

			ck_assert_msg(got == 0, "cell %d: %s", i, got < 0 ? strerror(errno) : ev.message);
			ck_assert_msg(t_now_ms() < deadline, "cell %d not ready", i);
		}
	}
	for (i = 0; i < N; i++) {
		static const char *argv[] = { "/bin/echo", NULL, NULL };

		snprintf(want, sizeof want, "cell%d", i);
		argv[1] = want;
		t_exec(c[i], argv, &r);
		ck_assert_str_eq(r.out, want);
	}
	for (i = 0; i < N; i++)
		t_procs_in_ns(ns[i], &ps[i]);
	for (i = 0; i < N; i++)
		cell_stop(c[i]);
	for (i = 0; i < N; i++) {
		ck_assert_int_ge(ps[i].n, 1);
		ck_assert_int_eq(t_procs_alive(&ps[i]), 0);
		if (cg[i][0])
			ck_assert_msg(access(cg[i], F_OK) < 0, "cgroup %s left", cg[i]);
	}
}
END_TEST

/* The workspace is on disk: what a learner wrote is there for the next cell (server restart). */
START_TEST(test_workspace_survives)
{
	static const char *const w[] = { "/bin/sh", "-c", "echo kept > /home/learner/notes; mkdir -p /home/learner/d", NULL };
	static const char *const rd[] = { "/bin/cat", "/home/learner/notes", NULL };
	char ws[] = "/tmp/labhub-ws-XXXXXX";
	struct cell *c;
	struct t_result r;

	ck_assert_ptr_nonnull(mkdtemp(ws));
	c = t_start_ws(NULL, ws);
	t_exec(c, w, &r);
	ck_assert_int_eq(r.status, 0);
	cell_stop(c);
	c = t_start_ws(NULL, ws);
	t_exec(c, rd, &r);
	ck_assert_str_eq(r.out, "kept");
	cell_stop(c);
	ck_assert_int_eq(cell_workspace_remove(ws), 0);
}
END_TEST

START_TEST(test_start_errors)
{
	struct cell_spec spec = { 0 };
	struct cell *c = NULL;
	char err[512];

	cell_limits_default(&spec.limits);
	spec.id = "../evil";
	ck_assert_int_eq(cell_start(&spec, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cell id"));
	spec.id = "ok";
	spec.workspace = "/nonexistent/ws";
	ck_assert_int_eq(cell_start(&spec, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "workspace /nonexistent/ws"));
	ck_assert_ptr_null(c);
	/* the same id twice at once: refused, never a second cell without limits */
	spec.workspace = NULL;
	spec.id = "dup-id-test";
	ck_assert_msg(cell_start(&spec, &c, err, sizeof err) == 0, "%s", err);
	if (!(cell_degraded(c) & CELL_DEGRADED_NO_CGROUP)) {
		struct cell *c2 = NULL;

		ck_assert_int_eq(cell_start(&spec, &c2, err, sizeof err), -1);
		ck_assert_ptr_nonnull(strstr(err, "cgroup"));
		ck_assert_ptr_null(c2);
	}
	cell_stop(c);
	/* and a leftover (empty) cgroup of that id does not block the next one */
	ck_assert_msg(cell_start(&spec, &c, err, sizeof err) == 0, "%s", err);
	cell_stop(c);
}
END_TEST

/* Cgroups left by a supervisor that was killed are removed by the next one. */
START_TEST(test_stale_cgroups)
{
	struct cell *c = t_start(NULL);
	char cg[1024], dead[1200], cell[1300];
	char *p;

	t_memcg(cell_pid(c), cg, sizeof cg);
	cell_stop(c);
	if (!cg[0])
		return;	/* no cgroups on this host */
	p = strrchr(cg, '/');
	*p = 0;
	p = strrchr(cg, '/');	/* .../labhub */
	*p = 0;
	snprintf(dead, sizeof dead, "%s/s999999999-12345", cg);	/* no such process */
	snprintf(cell, sizeof cell, "%s/left-over", dead);
	ck_assert_int_eq(mkdir(dead, 0755), 0);
	ck_assert_int_eq(mkdir(cell, 0755), 0);
	if (fork() == 0) {	/* a new supervisor */
		struct cell *c2 = t_start(NULL);

		cell_stop(c2);
		_exit(0);
	}
	ck_assert_int_gt(wait(NULL), 0);
	ck_assert_msg(access(dead, F_OK) < 0, "%s left behind", dead);
}
END_TEST

/* The v1 directory of a host pid for controller ctl ("" if not under labhub). */
static void
v1_cg(pid_t pid, const char *ctl, char *out, size_t outlen)
{
	char path[64], line[1024], key[32];
	FILE *f;

	out[0] = 0;
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	snprintf(key, sizeof key, ":%s:", ctl);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f)) {
		char *p = strstr(line, key);

		if (p && strstr(p, "/labhub/")) {
			p[strcspn(p, "\n")] = 0;
			snprintf(out, outlen, "/sys/fs/cgroup/%s%s", ctl, p + strlen(key));
		}
	}
	if (f)
		fclose(f);
}

static long
read_long(const char *dir, const char *file)
{
	char path[1200];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	f = fopen(path, "re");
	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static int
count_spares(const char *sup)
{
	DIR *d = opendir(sup);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "spare-", 6) == 0)
			n++;
	if (d)
		closedir(d);
	return n;
}

/*
 * v1 spare cgroups: from its second cell on, a supervisor keeps cgroups
 * made ahead; a cell started from one has its own limits (a spare with
 * other limits is not used), a duplicate id is still refused, and the
 * spares are gone when the supervisor exits.
 */
START_TEST(test_spares)
{
	struct cell *a, *b, *c, *d, *dup = NULL;
	struct cell_spec spec = { 0 };
	char cg[1024], sup[1024], pids[1024], err[512];
	pid_t kid;
	int st;

	a = t_start(NULL);
	t_memcg(cell_pid(a), cg, sizeof cg);
	if (!cg[0] || getenv("LABHUB_CGROUP_ROOT")) {
		cell_stop(a);
		return;	/* no v1 cgroups on this host */
	}
	snprintf(sup, sizeof sup, "%s", cg);
	*strrchr(sup, '/') = 0;
	ck_assert_int_eq(count_spares(sup), 0);	/* one cell: nothing made ahead (the CLI) */
	b = t_start(NULL);
	cell_stop(b);	/* the refill runs in cell_stop(), once two cells were made */
	ck_assert_int_eq(count_spares(sup), 2);
	b = t_start(NULL);	/* from a spare */
	ck_assert_int_eq(count_spares(sup), 1);
	/* other limits: a fresh cgroup with them, the spare stays */
	c = t_start("pids=77,memory=64M");
	v1_cg(cell_pid(c), "pids", pids, sizeof pids);
	ck_assert_int_eq(read_long(pids, "pids.max"), 77);
	t_memcg(cell_pid(c), cg, sizeof cg);
	ck_assert_int_eq(read_long(cg, "memory.limit_in_bytes"), 64 << 20);
	ck_assert_int_eq(count_spares(sup), 1);
	/* the default limits: a spare, renamed to the cell's id, limits in place */
	d = t_start(NULL);
	t_memcg(cell_pid(d), cg, sizeof cg);
	ck_assert_str_eq(strrchr(cg, '/') + 1, cell_id(d));
	ck_assert_int_eq(read_long(cg, "memory.limit_in_bytes"), 256 << 20);
	v1_cg(cell_pid(d), "pids", pids, sizeof pids);
	ck_assert_int_eq(read_long(pids, "pids.max"), 128);
	ck_assert_int_eq(count_spares(sup), 0);	/* b and d took them */
	cell_stop(c);	/* refills, with c's limits: not the default ones */
	ck_assert_int_eq(count_spares(sup), 2);
	/* a duplicate id is refused with a matching spare at hand, and the spare is kept */
	spec.id = cell_id(d);
	spec.labhub_exe = getenv("LABHUB_FULL");
	cell_limits_default(&spec.limits);
	ck_assert_int_eq(cell_limits_parse(&spec.limits, "pids=77,memory=64M", err, sizeof err), 0);
	ck_assert_int_eq(cell_start(&spec, &dup, err, sizeof err), -1);
	ck_assert_ptr_null(dup);
	ck_assert_ptr_nonnull(strstr(err, "cgroup"));
	ck_assert_int_eq(count_spares(sup), 2);
	c = t_start("pids=77,memory=64M");	/* a spare of those limits */
	v1_cg(cell_pid(c), "pids", pids, sizeof pids);
	ck_assert_int_eq(read_long(pids, "pids.max"), 77);
	ck_assert_int_eq(count_spares(sup), 1);
	cell_stop(d);
	cell_stop(c);
	cell_stop(b);
	cell_stop(a);
	ck_assert_msg(access(cg, F_OK) < 0, "cgroup %s left behind", cg);
	/* a supervisor that exits takes its spares (and its directory) with it */
	kid = fork();
	if (kid == 0) {
		struct cell *x = t_start(NULL), *y = t_start(NULL);

		cell_stop(x);
		cell_stop(y);
		exit(0);	/* not _exit: atexit() removes the spares */
	}
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	ck_assert_int_eq(st, 0);
	*strrchr(sup, '/') = 0;	/* .../labhub */
	{
		DIR *dd = opendir(sup);
		struct dirent *de;
		char pre[32];

		snprintf(pre, sizeof pre, "s%d-", (int)kid);
		while (dd && (de = readdir(dd)) != NULL)
			ck_assert_msg(strncmp(de->d_name, pre, strlen(pre)) != 0, "%s/%s left behind",
			    sup, de->d_name);
		if (dd)
			closedir(dd);
	}
}
END_TEST

/*
 * A single-use process (`labhub cell run`, cell_single_use()): its one cell's
 * cgroup is the process's own level, .../labhub/s<pid>-<start>, with the
 * cell's limits; a second cell at the same time is refused (it would share
 * that cgroup); after cell_stop() that level is gone and labhub/ stays for
 * the others; a next cell can start again.
 */
START_TEST(test_cgroup_single_use)
{
	char cg[1100], pids[1100], want[64], err[512];
	struct cell_spec spec = { 0 };
	struct cell *a, *b = NULL;
	const char *leaf;

	cell_single_use();
	a = t_start("pids=77");
	t_memcg(cell_pid(a), cg, sizeof cg);
	if (!cg[0] || getenv("LABHUB_CGROUP_ROOT")) {
		cell_stop(a);
		return;	/* no v1 cgroups on this host (test_cgroup_v2 covers v2) */
	}
	leaf = strrchr(cg, '/') + 1;
	snprintf(want, sizeof want, "s%d-", (int)getpid());
	ck_assert_msg(strncmp(leaf, want, strlen(want)) == 0, "memory cgroup %s", cg);
	ck_assert_msg(strncmp(leaf - 8, "/labhub/", 8) == 0, "memory cgroup %s: not right below labhub/", cg);
	ck_assert_int_eq(read_long(cg, "memory.limit_in_bytes"), 256 << 20);
	v1_cg(cell_pid(a), "pids", pids, sizeof pids);
	ck_assert_int_eq(read_long(pids, "pids.max"), 77);
	ck_assert_str_eq(strrchr(pids, '/') + 1, leaf);
	spec.id = "second";
	spec.labhub_exe = getenv("LABHUB_FULL");
	cell_limits_default(&spec.limits);
	ck_assert_int_eq(cell_start(&spec, &b, err, sizeof err), -1);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(err, "cgroup") && strstr(err, "exists"), "%s", err);
	cell_stop(a);
	ck_assert_msg(access(cg, F_OK) < 0, "cgroup %s left behind", cg);
	ck_assert_msg(access(pids, F_OK) < 0, "cgroup %s left behind", pids);
	*strrchr(cg, '/') = 0;
	ck_assert_msg(access(cg, F_OK) == 0, "%s was removed", cg);
	a = t_start(NULL);
	cell_stop(a);
}
END_TEST

/*
 * The cgroup v2 code path, on any host: a cgroup2 hierarchy of our own
 * (in a private mount namespace of this test process) given to the
 * sandbox with LABHUB_CGROUP_ROOT.  The cell is placed in
 * <root><own>/labhub/s<supervisor>-<start>/<id> from birth
 * (clone3(CLONE_INTO_CGROUP); loop 1: the cgroup.procs fallback; loop 2:
 * a supervisor in a cgroup below the root), with
 * everything it starts; a limit whose controller is not there (on a v1
 * host none is: they are bound to v1) is reported and its rlimit applies;
 * the cgroup is gone after cell_stop().
 */
START_TEST(test_cgroup_v2)
{
	char root[] = "/tmp/labhub-cg2-XXXXXX", line[1024], own[512] = "", cg[1600], path[1700];
	char sup[1600], sub[1100] = "", *p;
	static const char *const sleeper[] = { "/bin/sleep", "30", NULL };
	static const char *const limits[] = { "/bin/bash", "-c", "ulimit -v; ulimit -u", NULL };
	struct cell *c;
	struct cell_event ev;
	struct t_result r;
	FILE *f;
	int n = 0, have_memory;

	if (geteuid() != 0)
		return;	/* mounting a cgroup2 hierarchy needs root */
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_msg(mount("cgroup2", root, "cgroup2", 0, NULL) == 0, "mount cgroup2: %s", strerror(errno));
	setenv("LABHUB_CGROUP_ROOT", root, 1);
	if (_i == 1)
		setenv("LABHUB_TEST_NO_CLONE3", "1", 1);
	if (_i == 2) {
		/* a supervisor that is not at the root of the hierarchy */
		snprintf(sub, sizeof sub, "%s/labhub-test-%d", root, (int)getpid());
		ck_assert_int_eq(mkdir(sub, 0755), 0);
		snprintf(path, sizeof path, "%s/cgroup.procs", sub);
		f = fopen(path, "we");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "%d\n", (int)getpid());
		ck_assert_int_eq(fclose(f), 0);
	}
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0)
			snprintf(own, sizeof own, "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
	if (f)
		fclose(f);
	if (strcmp(own, "/") == 0)
		own[0] = 0;
	if (_i == 2)
		ck_assert_msg(strstr(own, "/labhub-test-") != NULL, "moved to %s", own);
	snprintf(path, sizeof path, "%s%s/cgroup.controllers", root, own);
	f = fopen(path, "re");
	have_memory = f && fgets(line, sizeof line, f) && strstr(line, "memory") != NULL;
	if (f)
		fclose(f);

	if (_i == 3)
		cell_single_use();	/* as `labhub cell run`: the cell is s<pid>-<start> itself */
	c = t_start(NULL);
	/* where the kernel says the warden is, in the v2 hierarchy */
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)cell_pid(c));
	f = fopen(path, "re");
	cg[0] = 0;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0)
			snprintf(cg, sizeof cg, "%s%.*s", root, (int)strcspn(line + 3, "\n"), line + 3);
	if (f)
		fclose(f);
	snprintf(path, sizeof path, "%s%s/labhub/s%d-", root, own, (int)getpid());
	ck_assert_msg(strncmp(cg, path, strlen(path)) == 0, "warden in %s, not under %s", cg, path);
	p = strrchr(cg, '/');
	if (_i == 3)
		ck_assert_msg(strncmp(p - 7, "/labhub/s", 9) == 0, "single use: warden in %s", cg);
	else
		ck_assert_str_eq(p + 1, cell_id(c));
	/* a process the cell starts is born there too */
	ck_assert_int_eq(cell_request_spawn(c, 7, sleeper, CELL_AS_LEARNER, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(cell_wait_event(c, &ev, 5000), 1);
	ck_assert_int_eq(ev.type, CELL_EV_SPAWNED);
	cell_event_clear(&ev);
	snprintf(path, sizeof path, "%s/cgroup.procs", cg);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		n++;
	fclose(f);
	ck_assert_int_eq(n, 2);	/* warden and sleep */
	t_exec(c, limits, &r);
	if (have_memory) {
		/* a v2 host with delegated controllers: the limits are the cgroup's */
		snprintf(path, sizeof path, "%s/memory.max", cg);
		f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
		fclose(f);
		ck_assert_str_eq(line, "268435456\n");
	} else {
		/* no controller: said so, and the rlimits stand in */
		ck_assert(cell_degraded(c) & CELL_DEGRADED_NO_CGROUP);
		ck_assert_msg(strstr(cell_degraded_text(c), "no cgroup limit for memory pids cpu") &&
		    strstr(cell_degraded_text(c), "cgroup v2") &&
		    strstr(cell_degraded_text(c), "rlimits still apply"), "%s", cell_degraded_text(c));
		ck_assert_str_eq(r.out, "262144\n128");	/* KiB of 256M, pids */
	}
	snprintf(sup, sizeof sup, "%s", cg);
	*strrchr(sup, '/') = 0;
	cell_stop(c);
	ck_assert_msg(access(cg, F_OK) < 0, "cgroup %s left behind", cg);
	if (_i == 3)
		ck_assert_msg(access(sup, F_OK) == 0, "%s (shared) was removed", sup);
	else
		ck_assert_msg(access(sup, F_OK) < 0, "cgroup %s left behind", sup);
	unsetenv("LABHUB_CGROUP_ROOT");
	unsetenv("LABHUB_TEST_NO_CLONE3");
	if (_i == 2) {
		/* back to where we were, then the test's own cgroup (and labhub/ in it) goes */
		snprintf(path, sizeof path, "%s/cgroup.procs", root);
		f = fopen(path, "we");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "%d\n", (int)getpid());
		ck_assert_int_eq(fclose(f), 0);
		snprintf(path, sizeof path, "%s/labhub", sub);
		ck_assert_int_eq(rmdir(path), 0);
		ck_assert_int_eq(rmdir(sub), 0);
	}
	ck_assert_int_eq(umount2(root, MNT_DETACH), 0);
	rmdir(root);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sandbox_life");
	TCase *tc;

	tc = tcase_create("shell");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_shell);
	tcase_add_test(tc, test_detach_reattach);
	tcase_add_test(tc, test_exec);
	suite_add_tcase(s, tc);

	tc = tcase_create("ending");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_lifetime);
	tcase_add_test(tc, test_idle);
	tcase_add_test(tc, test_supervisor_gone);
	tcase_add_test(tc, test_malformed_frame);
	tcase_add_loop_test(tc, test_bad_requests, 0, (int)(sizeof bad_requests / sizeof bad_requests[0]));
	tcase_add_test(tc, test_argv_too_long);
	tcase_add_test(tc, test_start_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("many");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fifty);
	tcase_add_test(tc, test_workspace_survives);
	tcase_add_test(tc, test_stale_cgroups);
	tcase_add_test(tc, test_spares);
	tcase_add_test(tc, test_cgroup_single_use);
	tcase_add_loop_test(tc, test_cgroup_v2, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return t_run_cell_suite(suite);
}
