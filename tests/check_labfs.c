/*
 * check_labfs: what lab checks may read of a workspace (labs/wsfs.c), per
 * "What the lab checks read" in SANDBOX-TESTS.md: symlinks to host files,
 * FIFOs (must not hang), a 1 GiB sparse file, devices, escaping folders,
 * and that seeding the workspace never writes through a planted symlink.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "labs/labdir.h"
#include "labs/wsfs.h"

static char root[PATH_MAX];
static struct wsfs ws;

static void
setup(void)
{
	char msg[WSFS_MSG];

	snprintf(root, sizeof root, "/tmp/check_labfs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(wsfs_init(&ws, root, msg, sizeof msg), 0);
}

static void
teardown(void)
{
	labdir_rm_rf(root);
}

static void
put(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", root, rel);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
at(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", root, rel);
}

/* Read REL and expect refusal with a message containing WANT. */
static void
refused(const char *rel, const char *want)
{
	char msg[WSFS_MSG];
	size_t len;
	char *buf = wsfs_read(&ws, rel, WSFS_READ_DEFAULT, &len, msg, sizeof msg);

	ck_assert_msg(buf == NULL, "%s was read", rel);
	ck_assert_msg(strstr(msg, want) != NULL, "%s: message '%s' lacks '%s'", rel, msg, want);
}

START_TEST(reads_regular_files_and_links_inside)
{
	char msg[WSFS_MSG], p[PATH_MAX * 2], t[PATH_MAX * 2];
	size_t len;
	char *buf;

	put("a.txt", "hello\n");
	mkdir(strcat(strcpy(p, root), "/sub"), 0755);
	put("sub/b.txt", "bee");
	at(p, sizeof p, "rel-link");
	ck_assert_int_eq(symlink("a.txt", p), 0);
	at(p, sizeof p, "abs-link");
	at(t, sizeof t, "sub/b.txt");
	ck_assert_int_eq(symlink(t, p), 0);
	buf = wsfs_read(&ws, "a.txt", 100, &len, msg, sizeof msg);
	ck_assert_str_eq(buf, "hello\n");
	ck_assert_uint_eq(len, 6);
	free(buf);
	buf = wsfs_read(&ws, "rel-link", 100, &len, msg, sizeof msg);
	ck_assert_str_eq(buf, "hello\n");
	free(buf);
	buf = wsfs_read(&ws, "abs-link", 100, &len, msg, sizeof msg);
	ck_assert_str_eq(buf, "bee");
	free(buf);
	at(p, sizeof p, "sub/b.txt");	/* absolute path inside the workspace */
	buf = wsfs_read(&ws, p, 100, &len, msg, sizeof msg);
	ck_assert_str_eq(buf, "bee");
	free(buf);
}
END_TEST

START_TEST(symlink_to_host_file_is_refused)
{
	char p[PATH_MAX * 2];

	at(p, sizeof p, "passwd");
	ck_assert_int_eq(symlink("/etc/passwd", p), 0);
	refused("passwd", "symbolic link to /etc/passwd, outside your home directory");
	at(p, sizeof p, "up");
	ck_assert_int_eq(symlink("../../../../etc/hostname", p), 0);
	refused("up", "outside your home directory");
	at(p, sizeof p, "etc");
	ck_assert_int_eq(symlink("/etc", p), 0);	/* a folder link leading out */
	refused("etc/passwd", "outside your home directory");
	refused("../../etc/passwd", "outside your home directory");
	refused("/etc/passwd", "outside your home directory");
	at(p, sizeof p, "dangling");
	ck_assert_int_eq(symlink("nowhere", p), 0);
	refused("dangling", "does not exist");
}
END_TEST

START_TEST(fifo_does_not_hang)
{
	char p[PATH_MAX * 2];
	time_t t0 = time(NULL);

	at(p, sizeof p, "pipe");
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	refused("pipe", "named pipe (FIFO)");
	at(p, sizeof p, "to-pipe");
	ck_assert_int_eq(symlink("pipe", p), 0);
	refused("to-pipe", "named pipe (FIFO)");
	ck_assert(time(NULL) - t0 < 3);
}
END_TEST

START_TEST(sparse_gigabyte_is_refused_without_reading)
{
	char p[PATH_MAX * 2];
	time_t t0 = time(NULL);
	int fd;

	at(p, sizeof p, "big");
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)1 << 30), 0);
	close(fd);
	refused("big", "too large to check (1073741824 bytes; the limit is 1048576)");
	ck_assert(time(NULL) - t0 < 3);
}
END_TEST

START_TEST(devices_and_dirs_are_refused)
{
	char p[PATH_MAX * 2];

	at(p, sizeof p, "zero");
	ck_assert_int_eq(symlink("/dev/zero", p), 0);
	refused("zero", "outside your home directory");
	at(p, sizeof p, "null");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0)
		refused("null", "a device file");
	at(p, sizeof p, "d");
	mkdir(p, 0755);
	refused("d", "a directory");
	refused("missing.txt", "There is no file missing.txt");
	refused("", "empty file name");
}
END_TEST

START_TEST(stat_list_glob)
{
	char msg[WSFS_MSG], p[PATH_MAX * 2], target[256];
	struct stat st;
	char **list;
	size_t n;

	put(".hidden", "h");
	put("x.zone", "z");
	put("y.zone", "z");
	at(p, sizeof p, "l");
	ck_assert_int_eq(symlink("/etc/shadow", p), 0);
	list = wsfs_list(&ws, ".", &n, msg, sizeof msg);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(list[0], ".hidden");
	wsfs_free_list(list, n);
	list = wsfs_glob(&ws, "*.zone", &n, msg, sizeof msg);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0], "x.zone");
	ck_assert_str_eq(list[1], "y.zone");
	wsfs_free_list(list, n);
	ck_assert_ptr_null(wsfs_glob(&ws, "../*", &n, msg, sizeof msg));
	ck_assert_int_eq(wsfs_lstat(&ws, "l", &st, target, sizeof target, msg, sizeof msg), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_str_eq(target, "/etc/shadow");
	ck_assert_int_eq(wsfs_lstat(&ws, "nope", &st, NULL, 0, msg, sizeof msg), -1);
}
END_TEST

START_TEST(writes_and_seeding_never_follow_planted_links)
{
	char msg[WSFS_MSG], p[PATH_MAX * 3], src[PATH_MAX * 2], outside[PATH_MAX];
	struct stat st;

	snprintf(outside, sizeof outside, "/tmp/check_labfs-out-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(outside));
	at(p, sizeof p, "evil");
	ck_assert_int_eq(symlink(outside, p), 0);
	ck_assert_int_eq(wsfs_write(&ws, "evil/x", "x", 1, 0644, msg, sizeof msg), -1);
	at(p, sizeof p, "file-link");
	snprintf(src, sizeof src, "%s/target", outside);
	ck_assert_int_eq(symlink(src, p), 0);
	ck_assert_int_eq(wsfs_write(&ws, "file-link", "x", 1, 0644, msg, sizeof msg), -1);
	ck_assert_int_eq(wsfs_write(&ws, "new/dir/f.txt", "ok", 2, 0600, msg, sizeof msg), 0);
	at(p, sizeof p, "new/dir/f.txt");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* copy_tree: files/evil/a must not land in the outside folder. */
	snprintf(src, sizeof src, "/tmp/check_labfs-src-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(src));
	snprintf(p, sizeof p, "%s/evil", src);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/evil/a", src);
	fclose(fopen(p, "w"));
	snprintf(p, sizeof p, "%s/top", src);
	fclose(fopen(p, "w"));
	ck_assert_int_eq(wsfs_copy_tree(&ws, src, msg, sizeof msg), 1);
	snprintf(p, sizeof p, "%s/a", outside);
	ck_assert_int_eq(access(p, F_OK), -1);
	/* cleanup of a workspace with a link to a host folder leaves it alone */
	labdir_rm_rf(root);
	ck_assert_int_eq(access(outside, F_OK), 0);
	mkdir(root, 0700);
	labdir_rm_rf(src);
	labdir_rm_rf(outside);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("labfs");
	TCase *tc = tcase_create("reads");

	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_regular_files_and_links_inside);
	tcase_add_test(tc, symlink_to_host_file_is_refused);
	tcase_add_test(tc, fifo_does_not_hang);
	tcase_add_test(tc, sparse_gigabyte_is_refused_without_reading);
	tcase_add_test(tc, devices_and_dirs_are_refused);
	tcase_add_test(tc, stat_list_glob);
	suite_add_tcase(s, tc);
	tc = tcase_create("writes");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, writes_and_seeding_never_follow_planted_links);
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
	return failed == 0 ? 0 : 1;
}
