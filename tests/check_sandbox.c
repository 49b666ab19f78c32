/*
 * check_sandbox: unit tests of the sandbox module that need no cell:
 * the IPC frame codec (every malformed frame is refused), fd passing,
 * the limits parser, the compiled seccomp filter (loaded into this test
 * process: refused calls fail with EPERM, kernel loading kills with
 * SIGSYS), workspace removal that never follows links, and the file a
 * warden joins its cgroups through.
 * These run in the sanitizer build too.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "sandbox/contain.h"
#include "sandbox/ipc.h"
#include <linux/filter.h>

/* LeakSanitizer needs ptrace at exit, which the loaded filter refuses. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

static size_t
frame(unsigned char *buf, int type, const char *json, long lenfix)
{
	size_t n = strlen(json);
	uint32_t len = htonl((uint32_t)((long)n + 1 + lenfix));

	memcpy(buf, &len, 4);
	buf[4] = (unsigned char)type;
	memcpy(buf + 5, json, n);
	return n + 5;
}

START_TEST(test_decode_good)
{
	unsigned char buf[256];
	size_t n = frame(buf, IPC_SPAWN, "{\"tag\":1}", 0);
	json_t *o = NULL;
	int type = 0;

	ck_assert_int_eq(ipc_decode(buf, n, &type, &o), 0);
	ck_assert_int_eq(type, IPC_SPAWN);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "tag")), 1);
	json_decref(o);
}
END_TEST

static const struct { int type; const char *json; long lenfix; size_t cut; } bad[] = {
	{ IPC_SPAWN, "{\"tag\":1}", 1, 0 },	/* length says more than there is */
	{ IPC_SPAWN, "{\"tag\":1}", -1, 0 },	/* ... or less */
	{ 0, "{}", 0, 0 },			/* type 0 */
	{ IPC_TYPE_MAX, "{}", 0, 0 },		/* unknown type */
	{ 200, "{}", 0, 0 },
	{ IPC_EXEC, "[1,2]", 0, 0 },		/* not an object */
	{ IPC_EXEC, "\"x\"", 0, 0 },
	{ IPC_EXEC, "{\"a\":", 0, 0 },		/* invalid JSON */
	{ IPC_EXEC, "{\"a\":1,\"a\":2}", 0, 0 },	/* duplicate key */
	{ IPC_EXEC, "{} {}", 0, 0 },		/* trailing data */
	{ IPC_EXEC, "{}", 0, 3 },		/* shorter than a header */
	{ IPC_EXEC, "{\"s\":\"\xff\"}", 0, 0 },	/* not UTF-8 */
};

START_TEST(test_decode_bad)
{
	unsigned char buf[256];
	size_t n = frame(buf, bad[_i].type, bad[_i].json, bad[_i].lenfix);
	json_t *o = NULL;
	int type = 0;

	if (bad[_i].cut)
		n = bad[_i].cut;
	errno = 0;
	ck_assert_int_eq(ipc_decode(buf, n, &type, &o), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_ptr_null(o);
}
END_TEST

START_TEST(test_decode_oversize)
{
	size_t n = IPC_MAX_FRAME + 1;
	unsigned char *buf = calloc(1, n);
	json_t *o = NULL;
	int type;

	ck_assert_ptr_nonnull(buf);
	frame(buf, IPC_EXEC, "{}", (long)n - 7);
	ck_assert_int_eq(ipc_decode(buf, n, &type, &o), -1);
	free(buf);
}
END_TEST

START_TEST(test_roundtrip_fds)
{
	int sv[2], p[2], fds[IPC_MAX_FDS], nfds = 0, type = 0;
	json_t *o = json_pack("{s:s}", "k", "v"), *got = NULL;
	char c = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ipc_send(sv[0], IPC_SPAWNED, o, &p[1], 1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &type, &got, fds, &nfds), 0);
	ck_assert_int_eq(type, IPC_SPAWNED);
	ck_assert_int_eq(nfds, 1);
	ck_assert_str_eq(json_string_value(json_object_get(got, "k")), "v");
	ck_assert_int_eq(write(fds[0], "x", 1), 1);	/* the passed fd is the pipe */
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	/* an fd where none is accepted is a protocol error */
	ck_assert_int_eq(ipc_send(sv[0], IPC_SPAWNED, o, &p[1], 1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &type, &got, NULL, NULL), -1);
	ck_assert_int_eq(errno, EPROTO);
	/* peer gone */
	close(sv[0]);
	ck_assert_int_eq(ipc_recv(sv[1], &type, &got, fds, &nfds), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	json_decref(o);
	close(fds[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_send_too_big)
{
	int sv[2];
	char *big = malloc(IPC_MAX_FRAME);
	json_t *o;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', IPC_MAX_FRAME - 1);
	big[IPC_MAX_FRAME - 1] = 0;
	o = json_pack("{s:s}", "k", big);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(ipc_send(sv[0], IPC_EXEC, o, NULL, 0), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	json_decref(o);
	free(big);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_limits_parse)
{
	struct cell_limits l;
	char err[256];

	cell_limits_default(&l);
	ck_assert_int_eq(l.memory, 256ull << 20);
	ck_assert_int_eq(l.pids, 128);
	ck_assert_int_eq(l.idle_s, 1800);
	ck_assert_int_eq(cell_limits_parse(&l,
	    "memory=512M,pids=64,cpu=0.5,workspace=1G,lifetime=2h,idle=90s,cputime=1m", err, sizeof err), 0);
	ck_assert_int_eq(l.memory, 512ull << 20);
	ck_assert_int_eq(l.pids, 64);
	ck_assert_int_eq(l.cpu_percent, 50);
	ck_assert_int_eq(l.workspace, 1ull << 30);
	ck_assert_int_eq(l.lifetime_s, 7200);
	ck_assert_int_eq(l.idle_s, 90);
	ck_assert_int_eq(l.cputime_s, 60);
	ck_assert_int_eq(cell_limits_parse(&l, "cpu=150%,memory=0", err, sizeof err), 0);
	ck_assert_int_eq(l.cpu_percent, 150);
	ck_assert_int_eq(l.memory, 0);
	ck_assert_int_eq(cell_limits_parse(&l, "memory=12Q", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "memory"));
	ck_assert_int_eq(cell_limits_parse(&l, "disk=1G", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown key"));
	ck_assert_int_eq(cell_limits_parse(&l, "memory", err, sizeof err), -1);
	ck_assert_int_eq(cell_limits_parse(&l, "memory=1M", err, sizeof err), -1);	/* < 4M */
	ck_assert_int_eq(cell_limits_parse(&l, "pids=-1", err, sizeof err), -1);
	ck_assert_int_eq(cell_limits_parse(&l, "idle=5y", err, sizeof err), -1);
}
END_TEST

/* The filter built into labhub is what libseccomp builds from the rules today. */
START_TEST(test_filter_precompiled_current)
{
	char err[256];
	const struct sock_fprog *pre = seccomp_filter_compile(err, sizeof err);
	const struct sock_fprog *now = seccomp_filter_build(err, sizeof err);

	ck_assert_ptr_nonnull(pre);
	ck_assert_msg(now != NULL, "%s", err);
	ck_assert_int_eq(pre->len, now->len);
	ck_assert_int_eq(memcmp(pre->filter, now->filter, pre->len * sizeof(struct sock_filter)), 0);
	free((void *)now);
}
END_TEST

static void
load_filter(void)
{
	char err[256];
	struct contain_err e;
	const void *prog = seccomp_filter_compile(err, sizeof err);

	ck_assert_msg(prog != NULL, "%s", err);
	ck_assert_int_eq(seccomp_filter_load(prog, &e), 0);
}

/* The filter, loaded into this (forked) test process. */
START_TEST(test_filter_eperm)
{
	int fds[2];

	load_filter();
	errno = 0;
	ck_assert_int_eq(syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(syscall(SYS_ptrace, 0, 0, 0, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	/* TIOCSTI with high bits set is still TIOCSTI to the kernel */
	ck_assert_int_eq(syscall(SYS_ioctl, 0, 0x100000000ul | TIOCSTI, "x"), -1);
	ck_assert_int_eq(errno, EPERM);
	/* ordinary calls still work */
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "ok", 2), 2);
}
END_TEST

START_TEST(test_filter_kexec_kills)
{
	load_filter();
	syscall(SYS_kexec_load, 0, 0, NULL, 0);
	ck_abort_msg("kexec_load returned");
}
END_TEST

START_TEST(test_filter_init_module_kills)
{
	load_filter();
	syscall(SYS_init_module, NULL, 0, "");
	ck_abort_msg("init_module returned");
}
END_TEST

START_TEST(test_workspace_remove_no_follow)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", out[] = "/tmp/labhub-out-XXXXXX", p[1200];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(ws));
	ck_assert_ptr_nonnull(mkdtemp(out));
	snprintf(p, sizeof p, "%s/precious", out);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(p, sizeof p, "%s/sub", ws);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/sub/link-dir", ws);
	ck_assert_int_eq(symlink(out, p), 0);
	snprintf(p, sizeof p, "%s/link-file", ws);
	snprintf(p + 600, 600, "%s/precious", out);
	ck_assert_int_eq(symlink(p + 600, p), 0);
	snprintf(p, sizeof p, "%s/fifo", ws);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	ck_assert_int_eq(cell_workspace_remove(ws), 0);
	ck_assert_int_lt(access(ws, F_OK), 0);
	snprintf(p, sizeof p, "%s/precious", out);
	ck_assert_int_eq(access(p, F_OK), 0);
	unlink(p);
	rmdir(out);
	/* the workspace itself being a link is refused */
	strcpy(out, "/tmp/labhub-out-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(out));
	snprintf(p, sizeof p, "%s.link", out);
	ck_assert_int_eq(symlink(out, p), 0);
	ck_assert_int_eq(cell_workspace_remove(p), -1);
	ck_assert_int_eq(access(out, F_OK), 0);
	unlink(p);
	rmdir(out);
}
END_TEST

/*
 * The warden joins a v1 cgroup through `tasks` ("0": itself, one thread),
 * never through cgroup.procs: a cgroup.procs write waits for an RCU grace
 * period (12-20 ms a cell, sandbox/README.md), `tasks` does not.  v2 has
 * only cgroup.procs.  Checked on stand-in files in a temp dir.
 */
START_TEST(test_cgroup_join_file)
{
	char dir[] = "/tmp/labhub-cg-XXXXXX", p[600], buf[8];
	struct cgroup cg;
	struct contain_err e;
	struct stat st, want;
	int fds[3], fd, v;
	ssize_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (v = 1; v <= 2; v++) {
		const char *file = v == 1 ? "tasks" : "cgroup.procs";

		memset(&cg, 0, sizeof cg);
		cg.version = v;
		cg.n = 1;
		snprintf(cg.path[0], sizeof cg.path[0], "%s", dir);
		snprintf(p, sizeof p, "%s/tasks", dir);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
		snprintf(p, sizeof p, "%s/cgroup.procs", dir);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
		ck_assert_int_eq(cgroup_open_procs(&cg, fds), 0);
		ck_assert_int_eq(fds[1], -1);
		snprintf(p, sizeof p, "%s/%s", dir, file);
		ck_assert_int_eq(stat(p, &want), 0);
		ck_assert_int_eq(fstat(fds[0], &st), 0);
		ck_assert_msg(st.st_ino == want.st_ino, "v%d joins through the wrong file", v);
		ck_assert_int_eq(cgroup_join_self(fds, &e), 0);
		ck_assert_int_eq(fds[0], -1);
		fd = open(p, O_RDONLY);
		n = read(fd, buf, sizeof buf);
		close(fd);
		ck_assert_int_eq(n, 1);
		ck_assert_int_eq(buf[0], '0');	/* itself */
	}
	snprintf(p, sizeof p, "%s/tasks", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/cgroup.procs", dir);
	unlink(p);
	rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc;

	tc = tcase_create("ipc");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_decode_good);
	tcase_add_loop_test(tc, test_decode_bad, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, test_decode_oversize);
	tcase_add_test(tc, test_roundtrip_fds);
	tcase_add_test(tc, test_send_too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_limits_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("seccomp");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_filter_precompiled_current);
	tcase_add_test(tc, test_filter_eperm);
	tcase_add_test_raise_signal(tc, test_filter_kexec_kills, SIGSYS);
	tcase_add_test_raise_signal(tc, test_filter_init_module_kills, SIGSYS);
	suite_add_tcase(s, tc);

	tc = tcase_create("workspace");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_workspace_remove_no_follow);
	suite_add_tcase(s, tc);

	tc = tcase_create("cgroup");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_cgroup_join_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
