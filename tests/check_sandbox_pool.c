/*
 * check_sandbox_pool: spare wardens (sandbox/pool.c, sandbox/spare.c).  A
 * cell started from a spare is contained exactly like one whose warden was
 * made for it (same status, capabilities, mounts, limits, its own cgroups
 * and namespaces); a spare is used once and holds nothing (no cgroup, no
 * fds, none of the supervisor's memory); an empty pool or a spare that died
 * falls back to a fresh warden; spares are not cells to anything that
 * lists processes or cgroups; and they die with their supervisor.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/ipc.h"
#include "tests/sandbox/celltest.h"

#define MAXKIDS 64

/* Children of `parent` whose comm is `comm`. */
static int
children(pid_t parent, const char *comm, pid_t *out, int max)
{
	char path[128], name[64];
	FILE *f;
	int n = 0, pid;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)parent, (int)parent);
	f = fopen(path, "re");
	while (f && n < max && fscanf(f, "%d", &pid) == 1) {
		FILE *c;

		snprintf(path, sizeof path, "/proc/%d/comm", pid);
		c = fopen(path, "re");
		if (c && fgets(name, sizeof name, c)) {
			name[strcspn(name, "\n")] = 0;
			if (strcmp(name, comm) == 0)
				out[n++] = pid;
		}
		if (c)
			fclose(c);
	}
	if (f)
		fclose(f);
	return n;
}

/* Our spares: children named labhub-spare (a new one renames itself soon after the clone). */
static int
spares_of(pid_t parent, int want, pid_t *out)
{
	long long deadline = t_now_ms() + 2000;
	int n;

	while ((n = children(parent, "labhub-spare", out, MAXKIDS)) != want && t_now_ms() < deadline)
		usleep(5 * 1000);
	return n;
}

static int
spares(pid_t *out)
{
	return spares_of(getpid(), (int)cell_pool_spares(), out);
}

static int
among(pid_t p, const pid_t *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i] == p)
			return 1;
	return 0;
}

/* A process that runs (not gone, not a zombie) with this start time. */
static int
running(pid_t pid, unsigned long long start)
{
	char path[64], buf[1024], *p;
	FILE *f;
	int r = 0;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) != NULL && p[1] == ' ')
		r = p[2] != 'Z' && p[2] != 'X' && t_starttime(pid) == start;
	fclose(f);
	return r;
}

static int
nfds(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	d = opendir(path);
	while (d && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return d ? n : -1;
}

/* What a learner's process sees of its containment, with what names this cell left out. */
static const char *const probe[] = { "/bin/sh", "-c",
	"grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status; "
	"cat /proc/self/uid_map /proc/self/gid_map /proc/sys/kernel/hostname; "
	"cut -d: -f1 /proc/net/dev | tr -d ' '; "
	/* mount point, options, type, source, super options: ids and peer groups differ */
	"awk '{ o = $4 \" \" $5 \" \" $6; for (i = 7; $i != \"-\"; i++) ; "
	"for (i++; i <= NF; i++) o = o \" \" $i; print o }' /proc/self/mountinfo; "
	"cat /proc/self/limits; id; umask; ls -a /tmp /home/learner; "
	"sed 's/[^/]*$/CELL/' /proc/self/cgroup", NULL };

static void
run_probe(struct cell *c, char *out, size_t outlen)
{
	struct t_result r;
	char *p;

	t_exec(c, probe, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(r.outlen < outlen, "probe output too long");
	memcpy(out, r.out, r.outlen + 1);
	/* the cgroup paths name the cell: .../labhub/s<sup>/<id> -> CELL (done in sed) */
	for (p = out; (p = strstr(p, cell_id(c))) != NULL; p++)
		ck_abort_msg("cell id %s left in the probe: %s", cell_id(c), out);
}

/* Each v1 controller's cgroup of the warden is <...>/labhub/s<sup>/<its id>. */
static void
assert_own_cgroups(struct cell *c)
{
	char path[64], line[1024], want[128];
	FILE *f;
	int n = 0;

	if (cell_degraded(c) & CELL_DEGRADED_NO_CGROUP)
		return;
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)cell_pid(c));
	snprintf(want, sizeof want, "/labhub/s%d-", (int)getpid());
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f)) {
		char *p = strstr(line, want);

		line[strcspn(line, "\n")] = 0;
		if (strstr(line, ":memory:") || strstr(line, ":pids:") || strstr(line, ":cpu,") ||
		    strstr(line, ":cpu:") || strstr(line, ",cpu:")) {
			ck_assert_msg(p != NULL, "warden not in its cgroup: %s", line);
			ck_assert_str_eq(strrchr(line, '/') + 1, cell_id(c));
			n++;
		}
	}
	fclose(f);
	ck_assert_int_eq(n, 3);
}

static void
ns_ids(pid_t pid, unsigned long *v)
{
	static const char *const ns[] = { "user", "pid", "mnt", "net", "ipc", "uts" };
	char path[64];
	struct stat st;
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns[i]);
		ck_assert_int_eq(stat(path, &st), 0);
		v[i] = (unsigned long)st.st_ino;
	}
}

/*
 * The same probe in a cell with a warden made for it and in one from a
 * spare: identical, byte for byte (cell ids taken out), and the pooled
 * one was really a spare, in cgroups of its own.
 */
START_TEST(test_pooled_like_fresh)
{
	static char fresh[CELL_EXEC_MAX_STDOUT + 1], pooled[CELL_EXEC_MAX_STDOUT + 1];
	pid_t sp[MAXKIDS];
	struct cell *a, *b;
	int n;

	cell_pool_set_size(0);
	a = t_start(NULL);
	ck_assert_int_eq(spares(sp), 0);
	run_probe(a, fresh, sizeof fresh);
	assert_own_cgroups(a);
	cell_pool_set_size(2);
	ck_assert_uint_eq(cell_pool_fill(2), 0);
	ck_assert_uint_eq(cell_pool_spares(), 2);
	n = spares(sp);
	ck_assert_int_eq(n, 2);
	b = t_start(NULL);
	ck_assert_msg(among(cell_pid(b), sp, n), "cell %d was not started from a spare", cell_pid(b));
	ck_assert_uint_eq(cell_pool_spares(), 1);
	run_probe(b, pooled, sizeof pooled);
	assert_own_cgroups(b);
	ck_assert_msg(strstr(fresh, "Seccomp:\t2") && strstr(fresh, "NoNewPrivs:\t1") &&
	    strstr(fresh, "CapEff:\t0000000000000000"), "%s", fresh);
	ck_assert_str_eq(pooled, fresh);
	cell_stop(b);
	cell_stop(a);
}
END_TEST

/*
 * A spare is nothing yet: not in any cell's cgroup, only its socket and
 * stdio open, none of the supervisor's executable or libraries mapped, and
 * not named like a cell's warden (what lists cells by process or cgroup
 * does not count it).
 */
START_TEST(test_spare_is_empty)
{
	pid_t sp[MAXKIDS], w[MAXKIDS];
	char path[128], line[4096], self[4096];
	struct cell *a;
	ssize_t k;
	FILE *f;
	int i, n;

	k = readlink("/proc/self/exe", self, sizeof self - 1);
	ck_assert_int_gt(k, 0);
	self[k] = 0;
	a = t_start(NULL);
	cell_pool_set_size(2);
	ck_assert_uint_eq(cell_pool_fill(CELL_POOL_MAX), 0);
	n = spares(sp);
	usleep(200 * 1000);	/* until both have exec'd labhub-warden */
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(children(getpid(), "labhub-warden", w, MAXKIDS), 1);	/* the one cell */
	ck_assert_int_eq(w[0], cell_pid(a));
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(nfds(sp[i]), 4);	/* /dev/null x2, stderr, the socket */
		snprintf(path, sizeof path, "/proc/%d/cgroup", (int)sp[i]);
		f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof line, f))
			ck_assert_msg(strstr(line, "/labhub/") == NULL, "spare %d in %s", sp[i], line);
		fclose(f);
		snprintf(path, sizeof path, "/proc/%d/maps", (int)sp[i]);
		f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof line, f)) {
			ck_assert_msg(strstr(line, self) == NULL, "spare %d maps %s", sp[i], line);
			ck_assert_msg(strstr(line, "libcheck") == NULL, "spare %d maps %s", sp[i], line);
		}
		fclose(f);
		snprintf(path, sizeof path, "/proc/%d/cmdline", (int)sp[i]);
		f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
		ck_assert_str_eq(line, "labhub-warden");	/* up to the first NUL */
		fclose(f);
	}
	{
		/* the supervisor's cgroup directory holds the one cell (and spare cgroups) */
		char cg[1024], sup[1024];
		DIR *d;
		struct dirent *de;
		int cells = 0;

		t_memcg(cell_pid(a), cg, sizeof cg);
		if (cg[0]) {
			snprintf(sup, sizeof sup, "%s", cg);
			*strrchr(sup, '/') = 0;
			d = opendir(sup);
			while (d && (de = readdir(d)) != NULL)
				if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
				    strncmp(de->d_name, "spare-", 6) != 0)
					cells++;
			if (d)
				closedir(d);
			ck_assert_int_eq(cells, 1);
		}
	}
	cell_stop(a);
}
END_TEST

/* More cells than spares: the rest get wardens made for them, and all work. */
START_TEST(test_exhausted)
{
	static const char *const echo[] = { "/bin/echo", "up", NULL };
	pid_t sp[MAXKIDS];
	struct cell *c[4];
	struct t_result r;
	int i, n, from_pool = 0;

	c[0] = t_start(NULL);
	cell_pool_set_size(2);
	ck_assert_uint_eq(cell_pool_fill(2), 0);
	n = spares(sp);
	ck_assert_int_eq(n, 2);
	for (i = 1; i < 4; i++) {
		c[i] = t_start(NULL);
		from_pool += among(cell_pid(c[i]), sp, n);
	}
	ck_assert_int_eq(from_pool, 2);
	ck_assert(!among(cell_pid(c[3]), sp, n));
	ck_assert_uint_eq(cell_pool_spares(), 0);
	for (i = 0; i < 4; i++) {
		t_exec(c[i], echo, &r);
		ck_assert_str_eq(r.out, "up");
	}
	for (i = 0; i < 4; i++)
		cell_stop(c[i]);
	/* the stops refilled the pool (this process started more than one cell) */
	ck_assert_uint_eq(cell_pool_spares(), 2);
	ck_assert_int_eq(spares(sp), 2);
	/* size 0: the spares end, none is made again */
	cell_pool_set_size(0);
	ck_assert_uint_eq(cell_pool_spares(), 0);
	ck_assert_int_eq(spares(sp), 0);
	ck_assert_uint_eq(cell_pool_fill(2), 0);
	ck_assert_int_eq(spares(sp), 0);
	cell_pool_set_size(1000);
	ck_assert_uint_eq(cell_pool_size(), CELL_POOL_MAX);
}
END_TEST

/* Spares that died while they waited are skipped: the start makes a warden. */
START_TEST(test_dead_spares)
{
	static const char *const echo[] = { "/bin/echo", "up", NULL };
	pid_t sp[MAXKIDS];
	struct cell *a, *b;
	struct t_result r;
	int i, n;

	a = t_start(NULL);
	cell_pool_set_size(2);
	ck_assert_uint_eq(cell_pool_fill(2), 0);
	n = spares(sp);
	ck_assert_int_eq(n, 2);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(kill(sp[i], SIGKILL), 0);
	usleep(100 * 1000);
	b = t_start(NULL);
	ck_assert(!among(cell_pid(b), sp, n));
	t_exec(b, echo, &r);
	ck_assert_str_eq(r.out, "up");
	ck_assert_uint_eq(cell_pool_spares(), 0);
	cell_stop(b);
	cell_stop(a);
}
END_TEST

/*
 * One spare, one cell: two pooled cells at once have namespaces of their
 * own and see nothing of each other, a cell made from a later spare sees
 * nothing of an ended one, and a second spec to a running warden ends it.
 */
START_TEST(test_never_reused)
{
	static const char *const mark[] = { "/bin/sh", "-c", "echo a > /tmp/mark; echo b > /dev/shm/m", NULL };
	static const char *const look[] = { "/bin/sh", "-c", "ls -A /tmp /dev/shm /home/learner", NULL };
	unsigned long na[6], nb[6];
	pid_t sp[MAXKIDS];
	struct cell *a, *b, *c;
	struct t_result r;
	struct cell_event ev;
	json_t *o;
	int i, n;

	c = t_start(NULL);
	cell_pool_set_size(2);
	ck_assert_uint_eq(cell_pool_fill(2), 0);
	n = spares(sp);
	a = t_start(NULL);
	b = t_start(NULL);
	ck_assert(among(cell_pid(a), sp, n) && among(cell_pid(b), sp, n));
	ns_ids(cell_pid(a), na);
	ns_ids(cell_pid(b), nb);
	for (i = 0; i < 6; i++)
		ck_assert_uint_ne(na[i], nb[i]);
	t_exec(a, mark, &r);
	ck_assert_int_eq(r.status, 0);
	t_exec(b, look, &r);
	ck_assert_msg(strstr(r.out, "mark") == NULL && strstr(r.out, "m\n") == NULL, "%s", r.out);
	cell_stop(a);	/* refills: a new spare */
	n = spares(sp);
	ck_assert_int_ge(n, 1);
	a = t_start(NULL);
	ck_assert(among(cell_pid(a), sp, n));
	t_exec(a, look, &r);
	ck_assert_msg(strstr(r.out, "mark") == NULL, "%s", r.out);
	/* a warden takes one spec, ever */
	o = json_object();
	ck_assert_int_eq(ipc_send(cell_fd(b), IPC_SPEC, o, NULL, 0), 0);
	json_decref(o);
	for (;;) {
		ck_assert_int_eq(cell_wait_event(b, &ev, 3000), 1);
		if (ev.type == CELL_EV_ENDING)
			break;
		cell_event_clear(&ev);
	}
	ck_assert_str_eq(ev.message, "unexpected frame");
	cell_event_clear(&ev);
	cell_stop(b);
	cell_stop(a);
	cell_stop(c);
}
END_TEST

/* A supervisor that dies (SIGKILL: no cleanup of its own) leaves no spare behind. */
START_TEST(test_die_with_supervisor)
{
	pid_t kid, sp[MAXKIDS];
	unsigned long long st[MAXKIDS];
	int p[2], i, n = 0, left = 1, status;
	long long deadline;
	char go;

	ck_assert_int_eq(pipe(p), 0);
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		struct cell *x = t_start(NULL), *y;

		cell_pool_set_size(2);
		cell_stop(x);
		y = t_start(NULL);
		cell_stop(y);	/* the second cell: the stop fills the pool */
		if (cell_pool_spares() != 2)
			_exit(3);
		if (write(p[1], "r", 1) != 1)
			_exit(4);
		pause();
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &go, 1), 1);
	n = spares_of(kid, 2, sp);
	ck_assert_int_eq(n, 2);
	for (i = 0; i < n; i++) {
		st[i] = t_starttime(sp[i]);
		ck_assert(running(sp[i], st[i]));
	}
	ck_assert_int_eq(kill(kid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	deadline = t_now_ms() + 3000;
	while (left && t_now_ms() < deadline) {
		usleep(20 * 1000);
		for (left = 0, i = 0; i < n; i++)
			left += running(sp[i], st[i]);
	}
	ck_assert_msg(left == 0, "%d spares outlived their supervisor", left);
	close(p[0]);
}
END_TEST

/*
 * cgroup v2 with clone3: a warden is born in its cell's cgroup
 * (CLONE_INTO_CGROUP), which a spare made earlier cannot be: such a start
 * never takes a spare (a private cgroup2 mount, as in check_sandbox_life).
 */
START_TEST(test_v2_not_pooled)
{
	char root[] = "/tmp/labhub-cg2p-XXXXXX", path[1200], line[1024];
	pid_t sp[MAXKIDS];
	struct cell *a, *b;
	FILE *f;
	int n, inside = 0;

	if (geteuid() != 0)
		return;	/* mounting a cgroup2 hierarchy needs root */
	a = t_start(NULL);	/* v1 (or none): the pool's labhub is known */
	cell_pool_set_size(2);
	ck_assert_uint_eq(cell_pool_fill(2), 0);
	n = spares(sp);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_msg(mount("cgroup2", root, "cgroup2", 0, NULL) == 0, "mount cgroup2: %s", strerror(errno));
	setenv("LABHUB_CGROUP_ROOT", root, 1);
	b = t_start(NULL);
	ck_assert(!among(cell_pid(b), sp, n));
	ck_assert_uint_eq(cell_pool_spares(), 2);
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)cell_pid(b));
	f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0 && strstr(line, cell_id(b)))
			inside = 1;
	if (f)
		fclose(f);
	ck_assert_msg(inside, "warden not in its v2 cgroup");
	cell_stop(b);
	unsetenv("LABHUB_CGROUP_ROOT");
	ck_assert_int_eq(umount2(root, MNT_DETACH), 0);
	rmdir(root);
	cell_stop(a);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sandbox_pool");
	TCase *tc = tcase_create("pool");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pooled_like_fresh);
	tcase_add_test(tc, test_spare_is_empty);
	tcase_add_test(tc, test_exhausted);
	tcase_add_test(tc, test_dead_spares);
	tcase_add_test(tc, test_never_reused);
	tcase_add_test(tc, test_die_with_supervisor);
	tcase_add_test(tc, test_v2_not_pooled);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return t_run_cell_suite(suite);
}
