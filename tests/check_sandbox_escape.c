/*
 * check_sandbox_escape: the attacks of SANDBOX-TESTS.md (kernel surface,
 * network, resources, setuid/device files in the workspace), each run by
 * tests/sandbox/attack inside a real cell.  Every case asserts the
 * outcome the learner would see and that the host (this test process, a
 * canary process) and the cell's warden are still fine afterwards.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/sandbox/celltest.h"

/* The host and the cell survived: we can fork, and the warden still answers. */
static void
assert_fine(struct cell *c)
{
	struct t_result r;
	int st;
	pid_t p = fork();

	if (p == 0)
		_exit(7);
	ck_assert_int_gt(p, 0);
	ck_assert_int_eq(waitpid(p, &st, 0), p);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	ck_assert_str_eq(t_attack(c, &r, "euid", NULL, NULL), "1000 1000");
}

static const struct { const char *attack, *expect; } surface[] = {
	{ "ptrace_traceme", "EPERM" }, { "ptrace_attach", "EPERM" },
	{ "tioclinux", "EPERM" }, { "keyctl", "EPERM" }, { "add_key", "EPERM" },
	{ "request_key", "EPERM" }, { "bpf", "EPERM" }, { "userfaultfd", "EPERM" },
	{ "perf_event_open", "EPERM" }, { "io_uring", "EPERM" },
	{ "unshare_user", "EPERM" }, { "unshare_net", "EPERM" },
	{ "clone_newns", "EPERM" }, { "clone_newuser", "EPERM" },
	{ "clone3_newuser", "ENOSYS" }, { "mount", "EPERM" }, { "umount2", "EPERM" },
	{ "pivot_root", "EPERM" }, { "fsopen", "EPERM" }, { "open_tree", "EPERM" },
	{ "move_mount", "EPERM" }, { "setns", "EPERM" }, { "chroot", "EPERM" },
	{ "sethostname", "EPERM" }, { "mknod", "EPERM" },
};

START_TEST(test_surface)
{
	struct cell *c = t_start(NULL);
	struct t_result r;

	ck_assert_msg(strcmp(t_attack(c, &r, surface[_i].attack, NULL, NULL), surface[_i].expect) == 0,
	    "%s: got '%s', want %s", surface[_i].attack, r.out, surface[_i].expect);
	assert_fine(c);
	cell_stop(c);
}
END_TEST

/* Beyond the list: what a learner must not be able to change or read. */
static const struct { const char *attack, *path, *expect; } files[] = {
	{ "write", "/usr/bin/evil", "EROFS" }, { "write", "/bin/evil", "EROFS" },
	{ "write", "/etc/passwd", "!OK" }, { "write", "/etc/evil", "EROFS" },
	{ "write", "/etc/ssl/evil", "EROFS" }, { "write", "/etc/ld.so.conf.d/evil", "EROFS" },
	{ "write", "/run/labhub/evil", "EROFS" },
	{ "write", "/run/labhub/labhub", "!OK" }, { "write", "/lab/evil", "EROFS" },
	{ "write", "/dev/evil", "EROFS" }, { "write", "/evil", "EROFS" },
	{ "write", "/proc/sysrq-trigger", "!OK" },	/* EACCES, or ENOENT where absent */
	{ "write", "/proc/sys/kernel/core_pattern", "EACCES" },
	{ "open", "/proc/1/root/etc/passwd", "EACCES" },	/* the warden's view */
	{ "open", "/proc/1/environ", "EACCES" },
	{ "open", "/sys/kernel/notes", "ENOENT" },		/* no sysfs at all */
	{ "open", "/proc/kcore", "!OK" },
};

START_TEST(test_files)
{
	struct cell *c = t_start(NULL);
	struct t_result r;

	const char *want = files[_i].expect, *got = t_attack(c, &r, files[_i].attack, files[_i].path, NULL);

	if (want[0] == '!')
		ck_assert_msg(strcmp(got, want + 1) != 0 && got[0] == 'E', "%s %s: got '%s'",
		    files[_i].attack, files[_i].path, got);
	else
		ck_assert_msg(strcmp(got, want) == 0, "%s %s: got '%s', want %s", files[_i].attack,
		    files[_i].path, got, want);
	cell_stop(c);
}
END_TEST

START_TEST(test_kernel_code_kills)
{
	static const char *const calls[] = { "init_module", "finit_module", "kexec_load" };
	struct cell *c = t_start(NULL);
	struct t_result r;
	size_t i;

	for (i = 0; i < 3; i++) {
		t_attack(c, &r, calls[i], NULL, NULL);
		ck_assert_msg(r.signal == SIGSYS, "%s: signal %d, out '%s'", calls[i], r.signal, r.out);
	}
	assert_fine(c);
	cell_stop(c);
}
END_TEST

/* TIOCSTI on the learner's own PTY: refused, and nothing typed shows up on the master. */
START_TEST(test_tiocsti_pty)
{
	static const char *const argv[] = { "/lab/attack", "tiocsti", NULL };
	struct cell *c = t_start(NULL);
	struct cell_event ev;
	char buf[4096];
	size_t len = 0;
	int master = -1, done = 0;
	long long deadline = t_now_ms() + 5000;

	ck_assert_int_eq(cell_request_spawn(c, 1, argv, CELL_AS_LEARNER, 1, 24, 80, NULL), 0);
	while (!done && t_now_ms() < deadline) {
		ck_assert_int_ge(cell_wait_event(c, &ev, 100), 0);
		if (ev.type == CELL_EV_SPAWNED) {
			master = ev.fd;
			ev.fd = -1;
		} else if (ev.type == CELL_EV_EXIT) {
			done = 1;
		}
		cell_event_clear(&ev);
	}
	ck_assert_int_ge(master, 0);
	fcntl(master, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n = read(master, buf + len, sizeof buf - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	ck_assert_msg(strstr(buf, "EPERM") != NULL, "pty said '%s'", buf);
	ck_assert_msg(strchr(buf, 'Q') == NULL, "an injected byte reached the terminal: '%s'", buf);
	close(master);
	assert_fine(c);
	cell_stop(c);
}
END_TEST

START_TEST(test_status)
{
	struct cell *c = t_start(NULL);
	struct t_result r;
	const char *const lab_argv[] = { "/lab/attack", "status", NULL };
	int pass;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			t_attack(c, &r, "status", NULL, NULL);
		else
			t_exec_as(c, CELL_AS_LAB, lab_argv, NULL, 5000, &r);
		ck_assert_msg(strstr(r.out, "CapEff:\t0000000000000000"), "%s", r.out);
		ck_assert_msg(strstr(r.out, "CapPrm:\t0000000000000000"), "%s", r.out);
		ck_assert_msg(strstr(r.out, "NoNewPrivs:\t1"), "%s", r.out);
		ck_assert_msg(strstr(r.out, "Seccomp:\t2"), "%s", r.out);
	}
	cell_stop(c);
}
END_TEST

/* kill(-1) and signalling a host pid: a host canary survives. */
START_TEST(test_kill_canary)
{
	static const char *const sleeper[] = { "/bin/sleep", "30", NULL };
	struct cell *c = t_start(NULL);
	struct cell_event ev;
	struct t_result r;
	char pid[32];
	pid_t canary = fork();
	int st, sleeper_killed = 0, tries;

	if (canary == 0) {
		for (;;)
			pause();
	}
	/* another process in the cell, which kill(-1) may and does reach */
	ck_assert_int_eq(cell_request_spawn(c, 7, sleeper, CELL_AS_LEARNER, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(cell_wait_event(c, &ev, 5000), 1);
	ck_assert_int_eq(ev.type, CELL_EV_SPAWNED);
	cell_event_clear(&ev);
	/* wait until it runs as the learner (between fork and exec it is the warden's) */
	for (tries = 0; tries < 100 && !strstr(t_attack(c, &r, "pslist", NULL, NULL), "(sleep)"); tries++)
		usleep(10000);
	ck_assert_str_eq(t_attack(c, &r, "procs", NULL, NULL), "3");	/* warden, sleep, procs */
	ck_assert_str_eq(t_attack(c, &r, "kill_all", NULL, NULL), "OK");
	for (tries = 0; tries < 50 && !sleeper_killed; tries++) {
		sleeper_killed = strcmp(t_attack(c, &r, "procs", NULL, NULL), "2") == 0;
		if (!sleeper_killed)
			usleep(20000);
	}
	ck_assert_msg(sleeper_killed, "the sleeper in the cell survived kill(-1): %s",
	    t_attack(c, &r, "pslist", NULL, NULL));
	snprintf(pid, sizeof pid, "%d", (int)canary);
	ck_assert_str_eq(t_attack(c, &r, "kill", pid, NULL), "ESRCH");	/* not the host */
	t_attack(c, &r, "kill", "1", NULL);	/* the warden: EPERM, or ignored as PID 1 */
	ck_assert_int_eq(kill(cell_pid(c), 0), 0);
	ck_assert_int_eq(kill(canary, 0), 0);
	ck_assert_int_eq(waitpid(canary, &st, WNOHANG), 0);
	assert_fine(c);
	kill(canary, SIGKILL);
	waitpid(canary, &st, 0);
	cell_stop(c);
}
END_TEST

/* A lab check (lab uid) is out of the learner's reach; it reads group-readable work. */
START_TEST(test_lab_process_protected)
{
	static const char *const sleeper[] = { "/bin/sleep", "30", NULL };
	static const char *const mk[] = { "/bin/sh", "-c",
		"umask 027; echo work > /home/learner/answer; mkdir -m 750 /home/learner/d", NULL };
	static const char *const rd[] = { "/bin/cat", "/home/learner/answer", NULL };
	static const char *const who[] = { "/bin/sh", "-c",
		"for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = sleep ] && echo ${p#/proc/}; done", NULL };
	struct cell *c = t_start(NULL);
	struct cell_event ev;
	struct t_result r;
	char path[64], pid[32];
	int tries;

	if (cell_degraded(c) & CELL_DEGRADED_ONE_UID) {	/* one uid: nothing to separate */
		cell_stop(c);
		return;
	}
	t_exec(c, mk, &r);
	t_exec_as(c, CELL_AS_LAB, rd, NULL, 5000, &r);
	ck_assert_str_eq(r.out, "work");
	ck_assert_int_eq(cell_request_spawn(c, 8, sleeper, CELL_AS_LAB, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(cell_wait_event(c, &ev, 5000), 1);
	cell_event_clear(&ev);
	for (tries = 0; tries < 100; tries++) {
		t_exec(c, who, &r);
		if (r.out[0])
			break;
		usleep(10000);
	}
	ck_assert_msg(r.out[0], "no lab process seen");
	snprintf(pid, sizeof pid, "%.20s", r.out);
	ck_assert_str_eq(t_attack(c, &r, "kill", pid, NULL), "EPERM");
	snprintf(path, sizeof path, "/proc/%s/mem", pid);
	ck_assert_str_eq(t_attack(c, &r, "write", path, NULL), "EACCES");
	cell_stop(c);
}
END_TEST

START_TEST(test_proc_only_cell)
{
	struct cell *c = t_start(NULL);
	struct t_result r;

	/* the warden and the attack process itself */
	ck_assert_str_eq(t_attack(c, &r, "procs", NULL, NULL), "2");
	cell_stop(c);
}
END_TEST

START_TEST(test_setuid_usr)
{
	struct cell *c = t_start(NULL);
	struct t_result r;
	int code = -1, euid = -1;

	ck_assert_str_eq(t_attack(c, &r, "nosuid", "/usr", NULL), "NOSUID");
	t_attack(c, &r, "su", NULL, NULL);
	ck_assert_int_eq(sscanf(r.out, "%d %d", &code, &euid), 2);
	ck_assert_msg(code != 0, "su succeeded in a cell: %s", r.out);
	ck_assert_int_eq(euid, 1000);
	cell_stop(c);
}
END_TEST

static char *
copy_attack(const char *dir, const char *name)
{
	static char dst[1100];
	char src[1100], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(src, sizeof src, "%s/attack", t_labdir());
	snprintf(dst, sizeof dst, "%s/%s", dir, name);
	in = open(src, O_RDONLY);
	ck_assert_int_ge(in, 0);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof buf)) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	return dst;
}

/* A setuid program and a device node planted in the workspace have no effect. */
START_TEST(test_setuid_and_device_in_workspace)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", dev[1200];
	const char *const argv[] = { "/home/learner/suid", "euid", NULL };
	struct cell *c;
	struct t_result r;
	char *p;

	ck_assert_ptr_nonnull(mkdtemp(ws));
	p = copy_attack(ws, "suid");
	if (geteuid() == 0) {
		/* owned by the lab user (inside 1001), setuid */
		ck_assert_int_eq(chown(p, CELL_HOST_ID_BASE + CELL_LAB_UID, CELL_HOST_ID_BASE + CELL_LAB_UID), 0);
		snprintf(dev, sizeof dev, "%s/null", ws);
		ck_assert_int_eq(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0);
		ck_assert_int_eq(chmod(dev, 0666), 0);
	}
	ck_assert_int_eq(chmod(p, 04755), 0);
	c = t_start_ws(NULL, ws);
	t_exec(c, argv, &r);
	ck_assert_str_eq(r.out, "1000 1000");
	ck_assert_str_eq(t_attack(c, &r, "nosuid", "/home/learner", NULL), "NOSUID");
	if (geteuid() == 0)
		ck_assert_str_eq(t_attack(c, &r, "open", "/home/learner/null", NULL), "EACCES");
	cell_stop(c);
	ck_assert_int_eq(cell_workspace_remove(ws), 0);
}
END_TEST

START_TEST(test_net_public)
{
	struct cell *c = t_start(NULL);
	struct t_result r;

	ck_assert_str_eq(t_attack(c, &r, "connect", "1.1.1.1", "80"), "ENETUNREACH");
	ck_assert_str_eq(t_attack(c, &r, "ifaces", NULL, NULL), "lo");
	cell_stop(c);
}
END_TEST

/* Host services on loopback and abstract unix sockets (X11, D-Bus: bwrap's CVE class) are out of reach. */
START_TEST(test_net_host_services)
{
	struct cell *c = t_start(NULL);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	socklen_t len = sizeof sa;
	struct t_result r;
	char name[64], port[16];
	int tcp = socket(AF_INET, SOCK_STREAM, 0), ux = socket(AF_UNIX, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(tcp, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(tcp, 4), 0);
	ck_assert_int_eq(getsockname(tcp, (struct sockaddr *)&sa, &len), 0);
	snprintf(port, sizeof port, "%d", ntohs(sa.sin_port));
	snprintf(name, sizeof name, "labhub-test-%d", (int)getpid());
	memcpy(su.sun_path + 1, name, strlen(name));
	ck_assert_int_eq(bind(ux, (struct sockaddr *)&su,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))), 0);
	ck_assert_int_eq(listen(ux, 4), 0);
	ck_assert_str_eq(t_attack(c, &r, "connect", "127.0.0.1", port), "ECONNREFUSED");
	ck_assert_str_eq(t_attack(c, &r, "abstract", name, NULL), "ECONNREFUSED");
	close(tcp);
	close(ux);
	cell_stop(c);
}
END_TEST

/* A service in cell A on 127.0.0.1:5555 is reachable in A, not from B. */
START_TEST(test_net_two_cells)
{
	static const char *const argv[] = { "/lab/attack", "listen", "5555", "20", NULL };
	struct cell *a = t_start(NULL), *b = t_start(NULL);
	struct cell_event ev;
	struct t_result r;
	int pfd[2], io[3];
	char buf[64] = "";
	ssize_t n;

	ck_assert_int_eq(pipe(pfd), 0);
	io[0] = open("/dev/null", O_RDONLY);
	io[1] = pfd[1];
	io[2] = pfd[1];
	ck_assert_int_eq(cell_request_spawn(a, 9, argv, CELL_AS_LAB, 0, 0, 0, io), 0);
	close(pfd[1]);
	close(io[0]);
	n = read(pfd[0], buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(strncmp(buf, "LISTENING", 9) == 0, "listener said '%s'", buf);
	while (cell_read(a, &ev) > 0)
		cell_event_clear(&ev);
	ck_assert_str_eq(t_attack(a, &r, "connect", "127.0.0.1", "5555"), "OK");
	ck_assert_str_eq(t_attack(b, &r, "connect", "127.0.0.1", "5555"), "ECONNREFUSED");
	close(pfd[0]);
	cell_stop(a);
	cell_stop(b);
}
END_TEST

START_TEST(test_forkbomb)
{
	struct cell *c = t_start("pids=32");
	struct t_result r;
	char what[16];
	int n = 0, st;
	long long t;
	pid_t p;

	t_attack(c, &r, "forkbomb", NULL, NULL);
	ck_assert_int_eq(sscanf(r.out, "%15s %d", what, &n), 2);
	ck_assert_str_eq(what, "EAGAIN");
	ck_assert_int_lt(n, 32);
	p = fork();	/* the host can still fork */
	if (p == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(p, &st, 0), p);
	assert_fine(c);
	t = t_now_ms();
	cell_stop(c);
	ck_assert_int_lt(t_now_ms() - t, 2000);
}
END_TEST

START_TEST(test_memory_cap)
{
	struct cell *c = t_start("memory=48M");
	struct t_result r;

	if (cell_degraded(c) & CELL_DEGRADED_NO_CGROUP) {
		/* no memory cgroup: RLIMIT_AS makes the allocation fail instead */
		ck_assert_msg(strncmp(t_attack(c, &r, "alloc", "200", NULL), "ENOMEM", 6) == 0, "%s", r.out);
		assert_fine(c);
		cell_stop(c);
		return;
	}
	t_attack(c, &r, "alloc", "200", NULL);
	ck_assert_msg(r.signal == SIGKILL, "alloc: signal %d, out '%s'", r.signal, r.out);
	assert_fine(c);	/* the warden (and we, the supervisor) survived */
	cell_stop(c);
}
END_TEST

START_TEST(test_fill_tmpfs)
{
	struct cell *c = t_start("workspace=8M");
	struct t_result r;

	ck_assert_str_eq(t_attack(c, &r, "fill", "/tmp/a", NULL), "EFBIG 8388608");
	ck_assert_str_eq(t_attack(c, &r, "fill", "/tmp/b", NULL), "ENOSPC 0");
	ck_assert_str_eq(t_attack(c, &r, "fill", "/home/learner/a", NULL), "EFBIG 8388608");
	ck_assert_str_eq(t_attack(c, &r, "fill", "/home/learner/b", NULL), "ENOSPC 0");
	assert_fine(c);
	cell_stop(c);
}
END_TEST

START_TEST(test_fill_workspace_file)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX";
	struct cell *c;
	struct t_result r;

	ck_assert_ptr_nonnull(mkdtemp(ws));
	c = t_start_ws("workspace=4M", ws);
	ck_assert_str_eq(t_attack(c, &r, "fill", "/home/learner/big", NULL), "EFBIG 4194304");
	cell_stop(c);
	ck_assert_int_eq(cell_workspace_remove(ws), 0);
}
END_TEST

/* CPU spin is held to its quota, and another cell stays responsive meanwhile. */
START_TEST(test_cpu_spin)
{
	static const char *const spin[] = { "/lab/attack", "spin", "1500", NULL };
	struct cell *a = t_start("cpu=20%"), *b = t_start(NULL);
	struct cell_event ev;
	struct t_result r;
	long long t0, t1;
	int cpu_ms = -1;

	if (cell_degraded(a) & CELL_DEGRADED_NO_CGROUP) {
		cell_stop(a);
		cell_stop(b);
		return;
	}
	ck_assert_int_eq(cell_request_exec(a, 5, spin, CELL_AS_LEARNER, NULL, 0, 10000), 0);
	t0 = t_now_ms();
	t_attack(b, &r, "euid", NULL, NULL);
	t1 = t_now_ms();
	ck_assert_int_lt(t1 - t0, 1000);	/* an exec round trip; the spinner is held to 20% */
	for (;;) {
		ck_assert_int_eq(cell_wait_event(a, &ev, 10000), 1);
		if (ev.type == CELL_EV_RESULT) {
			cpu_ms = atoi(ev.out);
			cell_event_clear(&ev);
			break;
		}
		cell_event_clear(&ev);
	}
	/* 20% of 1.5 s is 300 ms; allow scheduling slack */
	ck_assert_msg(cpu_ms > 0 && cpu_ms < 600, "spin got %d ms of CPU in 1500 ms", cpu_ms);
	cell_stop(a);
	cell_stop(b);
}
END_TEST

/* A daemon (setsid + double fork) does not outlive its cell; the cgroup goes too. */
START_TEST(test_daemon_dies)
{
	struct cell *c = t_start(NULL);
	struct t_result r;
	unsigned long ns = t_pidns(cell_pid(c));
	struct t_procs ps;
	char cg[1024];

	ck_assert_str_eq(t_attack(c, &r, "daemon", NULL, NULL), "OK");
	t_procs_in_ns(ns, &ps);
	ck_assert_int_ge(ps.n, 2);	/* warden + daemon */
	t_memcg(cell_pid(c), cg, sizeof cg);
	cell_stop(c);
	ck_assert_int_eq(t_procs_alive(&ps), 0);
	if (cg[0])
		ck_assert_msg(access(cg, F_OK) < 0, "cgroup %s left behind", cg);
}
END_TEST

/* The learner plants links to host paths; cleanup removes the links, not their targets. */
START_TEST(test_cleanup_symlinks)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", host[] = "/tmp/labhub-host-XXXXXX", keep[1100];
	struct cell *c;
	struct t_result r;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(ws));
	ck_assert_ptr_nonnull(mkdtemp(host));
	snprintf(keep, sizeof keep, "%s/keep", host);
	fd = open(keep, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	c = t_start_ws(NULL, ws);
	ck_assert_str_eq(t_attack(c, &r, "symlink", host, "/home/learner/evil"), "OK");
	ck_assert_str_eq(t_attack(c, &r, "symlink", "/", "/home/learner/root"), "OK");
	cell_stop(c);
	ck_assert_int_eq(cell_workspace_remove(ws), 0);
	ck_assert_int_eq(access(keep, F_OK), 0);
	ck_assert_int_lt(access(ws, F_OK), 0);
	unlink(keep);
	rmdir(host);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sandbox_escape");
	TCase *tc;

	tc = tcase_create("kernel_surface");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_surface, 0, (int)(sizeof surface / sizeof surface[0]));
	tcase_add_loop_test(tc, test_files, 0, (int)(sizeof files / sizeof files[0]));
	tcase_add_test(tc, test_kernel_code_kills);
	tcase_add_test(tc, test_tiocsti_pty);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_kill_canary);
	tcase_add_test(tc, test_proc_only_cell);
	tcase_add_test(tc, test_lab_process_protected);
	tcase_add_test(tc, test_setuid_usr);
	tcase_add_test(tc, test_setuid_and_device_in_workspace);
	suite_add_tcase(s, tc);

	tc = tcase_create("network");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_net_public);
	tcase_add_test(tc, test_net_two_cells);
	tcase_add_test(tc, test_net_host_services);
	suite_add_tcase(s, tc);

	tc = tcase_create("resources");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_forkbomb);
	tcase_add_test(tc, test_memory_cap);
	tcase_add_test(tc, test_fill_tmpfs);
	tcase_add_test(tc, test_fill_workspace_file);
	tcase_add_test(tc, test_cpu_spin);
	tcase_add_test(tc, test_daemon_dies);
	tcase_add_test(tc, test_cleanup_symlinks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return t_run_cell_suite(suite);
}
