/*
 * check_sandbox_ws: the total workspace cap (sandbox/workspace.c).  With
 * real root and loop devices a workspace is an ext4 image DIR.img of the
 * cap: a learner writing many small files or one big one gets ENOSPC at
 * about the cap and the host's disk does not grow beyond it; files
 * survive a restart (image detached and attached again); a directory
 * workspace is migrated into its image intact; a larger cap grows it;
 * removal never follows links.  As an ordinary user the cell starts, says
 * the workspace is capped per file only, and that per-file cap holds.
 *
 * The cell tests are skipped with LABHUB_TEST_LEVEL=unit; the image tests
 * without cells (attach, grow, refuse links, remove) also run there, so
 * workspace.c runs under ASan/UBSan.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "sandbox/workspace.h"
#include "tests/sandbox/celltest.h"

#define LEARNER_HOST (CELL_HOST_ID_BASE + CELL_LEARNER_UID)

/* Skip (return 1) unless this process can make image workspaces. */
static int
no_images(void)
{
	char why[256];

	if (!cell_workspace_image_available(why, sizeof why)) {
		fprintf(stderr, "skipped: image workspaces not available: %s\n", why);
		return 1;
	}
	return 0;
}

static struct cell *
start_img(const char *limits, const char *ws, int mode)
{
	static int n;
	struct cell_spec spec = { 0 };
	struct cell *c = NULL;
	char id[64], err[512];

	snprintf(id, sizeof id, "ws%d-%d", (int)getpid(), n++);
	spec.id = id;
	spec.workspace = ws;
	spec.workspace_image = mode;
	spec.lab_dir = t_labdir();
	spec.labhub_exe = getenv("LABHUB_FULL");
	cell_limits_default(&spec.limits);
	if (limits)
		ck_assert_msg(cell_limits_parse(&spec.limits, limits, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(cell_start(&spec, &c, err, sizeof err) == 0, "cell_start: %s", err);
	return c;
}

static void
sh(struct cell *c, const char *script, struct t_result *r)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };

	t_exec_as(c, CELL_AS_LEARNER, argv, NULL, 60000, r);
}

/* Bytes the host really stores for path and everything below it (no links followed). */
static long long
host_usage(const char *path)
{
	char cmd[1200], buf[64];
	long long kb = -1;
	FILE *p;

	snprintf(cmd, sizeof cmd, "du -sk -P '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (p && fgets(buf, sizeof buf, p))
		kb = atoll(buf);
	if (p)
		pclose(p);
	return kb * 1024;
}

static void
mk_ws(char *ws)
{
	ck_assert_ptr_nonnull(mkdtemp(ws));
	if (geteuid() == 0)
		ck_assert_int_eq(chown(ws, LEARNER_HOST, LEARNER_HOST), 0);
}

static void
rm_ws(const char *ws)
{
	workspace_flush();
	ck_assert_msg(cell_workspace_remove(ws) == 0, "remove %s: %s", ws, strerror(errno));
}

/* Many small files, then one big file: ENOSPC near the cap, and the host holds no more. */
START_TEST(test_cap_many_files)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", img[64];
	struct cell *c;
	struct t_result r;
	long files, big;
	struct stat st;

	if (t_unit_only() || no_images())
		return;
	mk_ws(ws);
	snprintf(img, sizeof img, "%s.img", ws);
	c = start_img("workspace=16M", ws, CELL_WS_IMAGE_AUTO);
	ck_assert_int_eq(cell_degraded(c) & CELL_DEGRADED_WS_PER_FILE, 0);
	/* 16 KiB files, at most 2x the cap's worth: a directory workspace would take them all */
	sh(c, "cd /home/learner && mkdir many && i=0; while [ $i -lt 2048 ]; do "
	    "head -c 16384 /dev/zero > many/f$i 2>/tmp/err || break; i=$((i+1)); done; "
	    "echo $i; cat /tmp/err", &r);
	files = atol(r.out);
	ck_assert_msg(strstr(r.out, "No space left") || strstr(r.out, "quota"),
	    "no ENOSPC after %ld files of 16K: %s", files, r.out);
	ck_assert_msg(files * 16384 >= (12ll << 20) && files * 16384 <= (16ll << 20),
	    "ENOSPC after %ld KiB, want 12-16 MiB", files * 16);
	/* with the space gone, one big file gets nothing; free it and one big file stops at the cap */
	t_attack(c, &r, "fill", "/home/learner/big", NULL);
	ck_assert_msg(strncmp(r.out, "ENOSPC ", 7) == 0 && atol(r.out + 7) < 65536, "full: %s", r.out);
	sh(c, "rm -rf /home/learner/many", &r);
	t_attack(c, &r, "fill", "/home/learner/big", NULL);
	big = atol(r.out + 7);
	ck_assert_msg(strncmp(r.out, "ENOSPC ", 7) == 0 && big >= (13ll << 20) && big < (16ll << 20),
	    "big file: %s", r.out);
	fprintf(stderr, "16M image: ENOSPC after %ld files of 16 KiB (%ld KiB); one file: %ld KiB\n",
	    files, files * 16, big / 1024);
	/* the host: the image is the cap, the directory holds nothing */
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_int_eq(st.st_size, 16 << 20);
	ck_assert_msg(host_usage(img) <= (16ll << 20), "image uses %lld bytes", host_usage(img));
	ck_assert_msg(host_usage(ws) <= 64 * 1024, "directory uses %lld bytes", host_usage(ws));
	cell_stop(c);
	rm_ws(ws);
	ck_assert_int_lt(access(img, F_OK), 0);
}
END_TEST

/* What the learner wrote is there after the image was detached (a server restart). */
START_TEST(test_survives_restart)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", p[1200];
	struct cell *c;
	struct t_result r;

	if (t_unit_only() || no_images())
		return;
	mk_ws(ws);
	c = start_img(NULL, ws, CELL_WS_IMAGE);
	sh(c, "echo kept > /home/learner/notes && mkdir -p /home/learner/d/e && "
	    "echo deep > /home/learner/d/e/f && chmod 600 /home/learner/notes && sync", &r);
	ck_assert_int_eq(r.status, 0);
	/* the image's mount: ext4, nosuid, nodev, and the learner owns its root */
	sh(c, "grep ' /home/learner ' /proc/self/mountinfo; stat -c '%U %a' /home/learner; ls -A /home/learner", &r);
	ck_assert_msg(strstr(r.out, " ext4 /dev/loop") && strstr(r.out, "nosuid") &&
	    strstr(r.out, "nodev"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\nlearner ") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "lost+found") == NULL, "%s", r.out);
	cell_stop(c);
	snprintf(p, sizeof p, "%s/notes", ws);
	ck_assert_int_lt(access(p, F_OK), 0);	/* in the image, not in the directory */
	workspace_flush();	/* detach: the next start attaches the image again */
	c = start_img(NULL, ws, CELL_WS_IMAGE);
	sh(c, "cat /home/learner/notes /home/learner/d/e/f; stat -c %a /home/learner/notes", &r);
	ck_assert_str_eq(r.out, "kept\ndeep\n600");
	cell_stop(c);
	rm_ws(ws);
}
END_TEST

/* A directory workspace from before is moved into its new image, nothing lost or followed. */
START_TEST(test_migrate_directory)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", p[1200], img[64];
	struct cell *c;
	struct t_result r;

	if (t_unit_only() || no_images())
		return;
	mk_ws(ws);
	snprintf(img, sizeof img, "%s.img", ws);
	c = start_img(NULL, ws, CELL_WS_DIR);	/* as before the image existed */
	sh(c, "cd /home/learner && echo one > a && mkdir -p sub/deeper && echo two > sub/deeper/b && "
	    "chmod 640 sub/deeper/b && ln -s sub/deeper/b rel && ln -s /etc/shadow host && "
	    "mkfifo pipe && head -c 300000 /dev/urandom > blob && md5sum blob > blob.md5 && "
	    "touch -d '2001-02-03 04:05:06' a", &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	cell_stop(c);
	/* a planted link to a host file the migration must not read */
	snprintf(p, sizeof p, "%s/sub/planted", ws);
	ck_assert_int_eq(symlink("/etc/passwd", p), 0);
	ck_assert_int_lt(access(img, F_OK), 0);
	c = start_img(NULL, ws, CELL_WS_IMAGE);
	ck_assert_int_eq(access(img, F_OK), 0);
	sh(c, "cd /home/learner && cat a sub/deeper/b rel && readlink host sub/planted && "
	    "test -p pipe && md5sum -c blob.md5 >/dev/null && echo md5ok && "
	    "stat -c '%a %U' sub/deeper/b && date -r a +%Y && test -L sub/planted && echo links", &r);
	ck_assert_msg(strcmp(r.out, "one\ntwo\ntwo\n/etc/shadow\n/etc/passwd\nmd5ok\n640 learner\n2001\nlinks") == 0,
	    "migrated: '%s' (%s)", r.out, r.err);
	cell_stop(c);
	/* the directory was emptied: the files live in the image only */
	snprintf(p, sizeof p, "%s/a", ws);
	ck_assert_int_lt(access(p, F_OK), 0);
	rm_ws(ws);
}
END_TEST

/* A directory larger than the cap is not migrated: the start fails clearly, the files stay. */
START_TEST(test_migrate_too_big)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", p[1200], img[64], err[512];
	struct cell_spec spec = { 0 };
	struct cell *c = NULL;
	int fd;

	if (no_images())
		return;
	mk_ws(ws);
	snprintf(img, sizeof img, "%s.img", ws);
	snprintf(p, sizeof p, "%s/big", ws);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	{
		static char buf[1 << 20];
		int i;

		memset(buf, 'y', sizeof buf);
		for (i = 0; i < 3; i++)
			ck_assert_int_eq(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
	}
	close(fd);
	spec.id = "ws-too-big";
	spec.workspace = ws;
	spec.workspace_image = CELL_WS_IMAGE;
	cell_limits_default(&spec.limits);
	spec.limits.workspace = 2 << 20;
	ck_assert_int_eq(cell_start(&spec, &c, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "could not be moved") != NULL, "%s", err);
	ck_assert_int_eq(access(p, F_OK), 0);
	ck_assert_int_lt(access(img, F_OK), 0);
	rm_ws(ws);
}
END_TEST

/* Without cells: attach, grow online, refuse to shrink, refuse a link, remove. */
START_TEST(test_image_grow_and_links)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", img[64], err[512], target[] = "/tmp/labhub-host-XXXXXX";
	struct workspace *w, *w2;
	struct statvfs v;
	struct stat st;
	int m, m2, root, fd;

	if (no_images())
		return;
	mk_ws(ws);
	snprintf(img, sizeof img, "%s.img", ws);
	ck_assert_msg(workspace_attach(ws, 8 << 20, LEARNER_HOST, &w, &m, err, sizeof err) == 0, "%s", err);
	root = openat(m, ".", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(root, 0);
	ck_assert_int_eq(fstatvfs(root, &v), 0);
	ck_assert_int_le((long long)v.f_blocks * v.f_frsize, 8 << 20);
	ck_assert_int_eq(fstat(root, &st), 0);
	ck_assert_int_eq(st.st_uid, LEARNER_HOST);
	fd = openat(root, "kept", O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_eq(write(fd, "yes", 3), 3);
	close(fd);
	close(root);
	close(m);
	/* a second user of the same workspace shares the mount (a larger cap while in
	 * use: grown online when we have CAP_SYS_RESOURCE, else later) */
	ck_assert_msg(workspace_attach(ws, 24 << 20, LEARNER_HOST, &w2, &m2, err, sizeof err) == 0, "%s", err);
	ck_assert_ptr_eq(w, w2);
	close(m2);
	/* in use: not removed */
	ck_assert_int_eq(cell_workspace_remove(ws), -1);
	ck_assert_int_eq(errno, EBUSY);
	workspace_release(w2);
	workspace_release(w);
	/* idle: the larger cap grows it (resize2fs), files kept */
	ck_assert_msg(workspace_attach(ws, 24 << 20, LEARNER_HOST, &w, &m, err, sizeof err) == 0, "%s", err);
	root = openat(m, ".", O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(fstatvfs(root, &v), 0);
	ck_assert_msg((long long)v.f_blocks * v.f_frsize > (20 << 20), "%lld bytes",
	    (long long)v.f_blocks * v.f_frsize);
	ck_assert_int_eq(fstatat(root, "kept", &st, 0), 0);
	ck_assert_int_eq(st.st_size, 3);
	close(root);
	close(m);
	workspace_release(w);
	workspace_flush();
	/* attached again with a smaller cap: kept at 24M (never shrunk), still usable */
	ck_assert_msg(workspace_attach(ws, 4 << 20, LEARNER_HOST, &w, &m, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_int_eq(st.st_size, 24 << 20);
	close(m);
	workspace_release(w);
	rm_ws(ws);
	ck_assert_int_lt(access(img, F_OK), 0);
	ck_assert_int_lt(access(ws, F_OK), 0);

	/* DIR.img planted as a link to a host file: refused, and removal drops only the link */
	ck_assert_int_ge(mkstemp(target), 0);
	ck_assert_int_eq(mkdir(ws, 0700), 0);
	ck_assert_int_eq(symlink(target, img), 0);
	ck_assert_int_eq(workspace_attach(ws, 8 << 20, -1, &w, &m, err, sizeof err), -1);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(cell_workspace_remove(ws), 0);
	ck_assert_int_eq(lstat(img, &st), -1);
	ck_assert_int_eq(stat(target, &st), 0);
	unlink(target);
}
END_TEST

/* As an ordinary user: no loop devices; the cell says so and the per-file cap holds. */
START_TEST(test_unprivileged_per_file)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", p[1200], why[256];
	struct cell_spec spec = { 0 };
	struct cell *c;
	struct t_result r;
	char err[512];

	if (t_unit_only())
		return;
	ck_assert_ptr_nonnull(mkdtemp(ws));
	if (geteuid() == 0) {
		/* this test runs in its own forked process: become nobody for good */
		ck_assert_int_eq(chown(ws, 65534, 65534), 0);
		ck_assert_int_eq(setgroups(0, NULL), 0);
		ck_assert_int_eq(setresgid(65534, 65534, 65534), 0);
		ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);
		prctl(PR_SET_DUMPABLE, 1);	/* so we may write our cell's id maps */
	}
	ck_assert_int_eq(cell_workspace_image_available(why, sizeof why), 0);
	spec.id = "ws-unpriv";
	spec.workspace = ws;
	spec.workspace_image = CELL_WS_IMAGE;
	spec.lab_dir = t_labdir();
	spec.labhub_exe = getenv("LABHUB_FULL");
	cell_limits_default(&spec.limits);
	spec.limits.workspace = 4 << 20;
	spec.limits.memory = spec.limits.pids = spec.limits.cpu_percent = 0;
	ck_assert_int_eq(cell_start(&spec, &c, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not running as root") != NULL, "%s", err);
	spec.workspace_image = CELL_WS_IMAGE_AUTO;
	ck_assert_msg(cell_start(&spec, &c, err, sizeof err) == 0, "%s", err);
	ck_assert_int_ne(cell_degraded(c) & CELL_DEGRADED_WS_PER_FILE, 0);
	ck_assert_ptr_nonnull(strstr(cell_degraded_text(c), "workspace capped per file only"));
	ck_assert_str_eq(t_attack(c, &r, "fill", "/home/learner/big", NULL), "EFBIG 4194304");
	cell_stop(c);
	snprintf(p, sizeof p, "%s/big", ws);
	ck_assert_int_eq(access(p, F_OK), 0);	/* the directory itself is the workspace */
	ck_assert_int_eq(cell_workspace_remove(ws), 0);
}
END_TEST

/* labhub cell run --workspace-image: the same image, from the command line. */
START_TEST(test_cli_image)
{
	char ws[] = "/tmp/labhub-ws-XXXXXX", cmd[1400], img[64];
	struct stat st;

	if (t_unit_only() || no_images() || getenv("LABHUB") == NULL)
		return;
	mk_ws(ws);
	snprintf(img, sizeof img, "%s.img", ws);
	snprintf(cmd, sizeof cmd, "'%s' cell run --workspace-image --workspace %s --limits workspace=8M "
	    "-- /bin/sh -c 'echo cli > /home/learner/f && df -k /home/learner | tail -1' >/dev/null",
	    getenv("LABHUB"), ws);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_int_eq(st.st_size, 8 << 20);
	snprintf(cmd, sizeof cmd, "test \"$('%s' cell run --workspace-image --workspace %s "
	    "--limits workspace=8M -- /bin/cat /home/learner/f)\" = cli", getenv("LABHUB"), ws);
	ck_assert_int_eq(system(cmd), 0);	/* a second process attaches the same image */
	rm_ws(ws);
}
END_TEST

/* The first spare of cap in dir, "" if none; its stat in *st. */
static void
first_spare(const char *dir, uint64_t cap, char *name, size_t len, struct stat *st)
{
	char pre[48], p[1200];
	struct dirent *de;
	DIR *d = opendir(dir);

	name[0] = 0;
	snprintf(pre, sizeof pre, "spare-%llu-", (unsigned long long)cap);
	while (d && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, pre, strlen(pre)) == 0 && !strstr(de->d_name, ".new")) {
			snprintf(name, len, "%s", de->d_name);
			snprintf(p, sizeof p, "%s/%s", dir, name);
			ck_assert_int_eq(stat(p, st), 0);
			break;
		}
	if (d)
		closedir(d);
}

/* The loop device (e.g. "loop3") whose backing file is path, "" if none. */
static void
loop_of(const char *path, char *out, size_t len)
{
	char p[300], line[1200];
	struct dirent *de;
	DIR *d = opendir("/sys/block");
	FILE *f;

	out[0] = 0;
	while (d && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		snprintf(p, sizeof p, "/sys/block/%s/loop/backing_file", de->d_name);
		if ((f = fopen(p, "re")) == NULL)
			continue;
		if (fgets(line, sizeof line, f) && (line[strcspn(line, "\n")] = 0, strcmp(line, path) == 0))
			snprintf(out, len, "%s", de->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
}

/*
 * Spare images (cell_workspace_spares_dir(), as the server keeps them): a
 * spare made ahead becomes the image of the next empty workspace of its cap
 * by rename (the same inode: no mkfs for that start); the learner owns its
 * root, it has no lost+found, and it holds what is written; a workspace with
 * files of its own makes its own image and leaves the spare; unfinished
 * spares and spares of another cap are cleaned away, those of the cap stay.
 */
START_TEST(test_spare_images)
{
	char spares[] = "/tmp/labhub-spares-XXXXXX", ws[] = "/tmp/labhub-ws-XXXXXX";
	char ws2[] = "/tmp/labhub-ws-XXXXXX", img[64], p[1200], name[256], err[512];
	const uint64_t cap = 16 << 20;
	unsigned ready, making;
	struct stat sp, st;
	struct cell *c;
	struct t_result r;
	struct dirent *de;
	DIR *d;
	FILE *f;

	if (t_unit_only() || no_images())
		return;
	ck_assert_ptr_nonnull(mkdtemp(spares));
	cell_workspace_spares_dir(spares);
	ck_assert_msg(cell_workspace_spare_make(cap, err, sizeof err) == 0, "%s", err);
	cell_workspace_spares_count(cap, &ready, &making);
	ck_assert_uint_eq(ready, 1);
	ck_assert_uint_eq(making, 0);
	cell_workspace_spares_count(0, &ready, &making);	/* the default cap, 64M: none */
	ck_assert_uint_eq(ready, 0);
	first_spare(spares, cap, name, sizeof name, &sp);
	ck_assert_msg(name[0], "no spare in %s", spares);
	ck_assert_int_eq(sp.st_size, (off_t)cap);

	mk_ws(ws);
	snprintf(img, sizeof img, "%s.img", ws);
	c = start_img("workspace=16M", ws, CELL_WS_IMAGE);
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_msg(st.st_ino == sp.st_ino && st.st_dev == sp.st_dev, "%s is not the spare %s", img, name);
	cell_workspace_spares_count(cap, &ready, &making);
	ck_assert_uint_eq(ready, 0);
	sh(c, "stat -c '%U %a' /home/learner; ls -A /home/learner; echo hi > /home/learner/x && "
	    "cat /home/learner/x", &r);
	ck_assert_msg(strcmp(r.out, "learner 700\nhi") == 0, "out: %s err: %s", r.out, r.err);
	cell_stop(c);

	/* files of its own: an image of its own, the spare left */
	ck_assert_msg(cell_workspace_spare_make(cap, err, sizeof err) == 0, "%s", err);
	mk_ws(ws2);
	snprintf(p, sizeof p, "%s/own", ws2);
	f = fopen(p, "we");
	ck_assert_ptr_nonnull(f);
	fputs("mine\n", f);
	ck_assert_int_eq(fclose(f), 0);
	c = start_img("workspace=16M", ws2, CELL_WS_IMAGE);
	sh(c, "cat /home/learner/own", &r);
	ck_assert_str_eq(r.out, "mine");
	cell_workspace_spares_count(cap, &ready, &making);
	ck_assert_uint_eq(ready, 1);
	cell_stop(c);

	/* clean: an unfinished spare and one of another cap go */
	snprintf(p, sizeof p, "%s/spare-%llu-1-1.img.new", spares, (unsigned long long)cap);
	ck_assert_ptr_nonnull(f = fopen(p, "we"));
	fclose(f);
	snprintf(p, sizeof p, "%s/spare-1048576-1-1.img", spares);
	ck_assert_ptr_nonnull(f = fopen(p, "we"));
	fclose(f);
	cell_workspace_spares_count(cap, &ready, &making);
	ck_assert_uint_eq(making, 1);
	ck_assert_int_eq(cell_workspace_spares_clean(cap), 2);
	cell_workspace_spares_count(cap, &ready, &making);
	ck_assert_uint_eq(ready, 1);
	ck_assert_uint_eq(making, 0);

	/* attached ahead (the server does it while idle): the first use takes the
	 * spare's loop device and mount as they are */
	{
		char ws3[] = "/tmp/labhub-ws-XXXXXX", img3[64], loop[256], loop3[256];

		ck_assert_uint_eq(cell_workspace_spares_attach(cap, 1), 0);
		first_spare(spares, cap, name, sizeof name, &sp);
		snprintf(p, sizeof p, "%s/%s", spares, name);
		loop_of(p, loop, sizeof loop);
		ck_assert_msg(loop[0], "spare %s not attached ahead", p);
		mk_ws(ws3);
		snprintf(img3, sizeof img3, "%s.img", ws3);
		c = start_img("workspace=16M", ws3, CELL_WS_IMAGE);
		ck_assert_int_eq(stat(img3, &st), 0);
		ck_assert(st.st_ino == sp.st_ino);
		loop_of(img3, loop3, sizeof loop3);
		ck_assert_str_eq(loop3, loop);	/* the same loop device, now under its new name */
		sh(c, "echo ok > /home/learner/y && cat /home/learner/y", &r);
		ck_assert_str_eq(r.out, "ok");
		cell_stop(c);
		rm_ws(ws3);
	}

	rm_ws(ws);
	rm_ws(ws2);
	d = opendir(spares);
	while (d && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	ck_assert_int_eq(rmdir(spares), 0);
	cell_workspace_spares_dir(NULL);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sandbox_ws");
	TCase *tc = tcase_create("image");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cap_many_files);
	tcase_add_test(tc, test_survives_restart);
	tcase_add_test(tc, test_migrate_directory);
	tcase_add_test(tc, test_migrate_too_big);
	tcase_add_test(tc, test_image_grow_and_links);
	tcase_add_test(tc, test_cli_image);
	tcase_add_test(tc, test_spare_images);
	tcase_add_test(tc, test_unprivileged_per_file);
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
