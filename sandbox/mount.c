/*
 * mount: the filesystem a cell sees.  Built on a fresh tmpfs, then
 * pivot_root into it and the old root detached:
 *
 *   /usr (ro bind) and /bin /sbin /lib* as on the host (links, or ro binds)
 *   /etc      generated passwd, group, hosts, resolv.conf, ... plus ro binds
 *             of the host files tools need (ld.so.cache, ssl, alternatives)
 *   /proc     new procfs of the cell's pid namespace
 *   /dev      tmpfs: null zero full random urandom tty (binds), private devpts
 *   /home/learner  the workspace (bind of an O_PATH fd; nosuid,nodev, exec ok),
 *             or its ext4 image (workspace.c): a detached mount moved here
 *   /lab      lab folder, ro;  /run/labhub/labhub the running binary, ro
 *             (and /run/labhub/labhub-roa when it sits next to it)
 *   /tmp /var /run /dev/shm   size-capped tmpfs, nosuid,nodev
 *
 * Everything the learner can write is nosuid,nodev.  The root tmpfs is
 * remounted read-only at the end.  Sources the caller chose (workspace, lab,
 * executable) are bound through descriptors opened by the parent, so no
 * path is resolved again after the checks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/contain.h"

#define R "/tmp"	/* staging point for the new root, covered in our namespace only */

static int
mkdirs(const char *path, mode_t mode)
{
	char buf[512], *p;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	size_t n = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Mount flags the kernel locks on a bind made inside a user namespace. */
static unsigned long
locked_flags(const char *path)
{
	struct statvfs v;
	unsigned long f = 0;

	if (statvfs(path, &v) < 0)
		return 0;
	if (v.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (v.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (v.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (v.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (v.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (v.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (v.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	return f;
}

/* Bind src onto dst (created as dir or file like src) and remount with `flags` added. */
static int
bind(const char *src, const char *dst, unsigned long flags, int isdir, struct contain_err *e)
{
	if (isdir ? mkdirs(dst, 0755) : touch(dst))
		return contain_fail(e, "mount: create %s", dst);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return contain_fail(e, "mount: bind %s", dst);
	if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | flags | locked_flags(dst), NULL) < 0)
		return contain_fail(e, "mount: remount %s", dst);
	return 0;
}

/* Bind src onto dst (created as dir or file like src), flags left as they come. */
static int
bind_plain(const char *src, const char *dst, int isdir, struct contain_err *e)
{
	if (isdir ? mkdirs(dst, 0755) : touch(dst))
		return contain_fail(e, "mount: create %s", dst);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return contain_fail(e, "mount: bind %s", dst);
	return 0;
}

/*
 * Makes the mount at path and every mount below it read-only, nosuid and
 * nodev in one call (mount_setattr, Linux 5.12): one call instead of a
 * remount (and a statvfs for the flags the kernel locks) per bind.  Flags
 * are only added, so locked ones stay.  Returns -1 with ENOSYS on older
 * kernels; the caller then remounts one by one.
 */
static int
seal_ro(const char *path)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };

	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &a, sizeof a);
}

/* The fallback of seal_ro(): remount path read-only keeping the locked flags. */
static int
remount_ro(const char *path, struct contain_err *e)
{
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
	    locked_flags(path), NULL) < 0)
		return contain_fail(e, "mount: remount %s", path);
	return 0;
}

static int
bind_fd(int fd, const char *dst, unsigned long flags, int isdir, struct contain_err *e)
{
	char src[64];

	snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
	return bind(src, dst, flags, isdir, e);
}

static int
tmpfs(const char *dst, unsigned long flags, const char *opts, struct contain_err *e)
{
	if (mkdirs(dst, 0755) < 0)
		return contain_fail(e, "mount: mkdir %s", dst);
	if (mount("tmpfs", dst, "tmpfs", flags, opts) < 0)
		return contain_fail(e, "mount: tmpfs %s", dst);
	return 0;
}

/* /bin, /sbin, /lib*: the same link as on a merged-usr host, else a ro bind. */
static int
mirror_top(const char *name, struct contain_err *e)
{
	char host[64], dst[64], target[256];
	struct stat st;
	ssize_t n;

	snprintf(host, sizeof host, "/%s", name);
	snprintf(dst, sizeof dst, R "/%s", name);
	if (lstat(host, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(host, target, sizeof target - 1);
		if (n < 0)
			return contain_fail(e, "mount: readlink %s", host);
		target[n] = 0;
		if (symlink(target, dst) < 0)
			return contain_fail(e, "mount: symlink %s", dst);
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return bind(host, dst, MS_RDONLY | MS_NOSUID | MS_NODEV, 1, e);
	return 0;
}

static const char *const top_links[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

/* Host /etc entries a shell and ordinary tools read; bound read-only when present. */
static const char *const etc_binds[] = {
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "ssl",
	"ca-certificates", "localtime", "bash.bashrc", "profile", "inputrc",
	"services", "protocols", "terminfo", "mime.types",
};

static int
build_etc(const struct contain_ctx *x, struct contain_err *e)
{
	char passwd[512], group[256], src[128], dst[128];
	struct stat st;
	size_t i;

	/* its own mount, so that it and the host files bound into it are sealed read-only at once */
	if (tmpfs(R "/etc", MS_NOSUID | MS_NODEV, "size=256k,nr_inodes=128,mode=0755", e) < 0)
		return -1;
	snprintf(passwd, sizeof passwd,
	    "root:x:0:0:root:/root:/usr/sbin/nologin\n"
	    "learner:x:%u:%u:Learner:/home/learner:/bin/bash\n"
	    "lab:x:%u:%u:Lab services:/lab:/usr/sbin/nologin\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
	    x->learner_uid, x->learner_uid, x->lab_uid, x->lab_uid);
	if (x->lab_uid == x->learner_uid)
		snprintf(group, sizeof group,
		    "root:x:0:\ntty:x:5:\nlearner:x:%u:\nnogroup:x:65534:\n", x->learner_uid);
	else
		snprintf(group, sizeof group,
		    "root:x:0:\ntty:x:5:\nlearner:x:%u:lab\nlab:x:%u:\nnogroup:x:65534:\n",
		    x->learner_uid, x->lab_uid);
	if (write_text(R "/etc/passwd", passwd) < 0 || write_text(R "/etc/group", group) < 0 ||
	    write_text(R "/etc/hostname", "cell\n") < 0 ||
	    write_text(R "/etc/hosts", "127.0.0.1\tlocalhost cell\n::1\tlocalhost ip6-localhost\n") < 0 ||
	    write_text(R "/etc/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n") < 0 ||
	    write_text(R "/etc/nsswitch.conf",
		"passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
		"networks: files\nprotocols: files\nservices: files\n") < 0 ||
	    write_text(R "/etc/shells", "/bin/sh\n/bin/bash\n/usr/bin/bash\n") < 0)
		return contain_fail(e, "mount: write /etc");
	for (i = 0; i < sizeof etc_binds / sizeof etc_binds[0]; i++) {
		snprintf(src, sizeof src, "/etc/%s", etc_binds[i]);
		snprintf(dst, sizeof dst, R "/etc/%s", etc_binds[i]);
		if (stat(src, &st) < 0)
			continue;
		if (bind_plain(src, dst, S_ISDIR(st.st_mode), e) < 0)
			return -1;
	}
	if (seal_ro(R "/etc") == 0)
		return 0;
	if (errno != ENOSYS)
		return contain_fail(e, "mount: seal /etc read-only");
	for (i = 0; i < sizeof etc_binds / sizeof etc_binds[0]; i++) {
		snprintf(dst, sizeof dst, R "/etc/%s", etc_binds[i]);
		if (access(dst, F_OK) == 0 && remount_ro(dst, e) < 0)
			return -1;
	}
	return remount_ro(R "/etc", e);
}

static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty" };

static int
build_dev(const struct contain_ctx *x, struct contain_err *e)
{
	char src[64], dst[64];
	const char *pts_opts = x->unpriv ? "newinstance,ptmxmode=0666,mode=0620"
	    : "newinstance,ptmxmode=0666,mode=0620,gid=5";
	size_t i;

	if (tmpfs(R "/dev", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755", e) < 0)
		return -1;
	for (i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		snprintf(src, sizeof src, "/dev/%s", devs[i]);
		snprintf(dst, sizeof dst, R "/dev/%s", devs[i]);
		if (touch(dst) < 0)
			return contain_fail(e, "mount: create %s", dst);
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return contain_fail(e, "mount: bind %s", dst);
	}
	if (mkdirs(R "/dev/pts", 0755) < 0)
		return contain_fail(e, "mount: mkdir /dev/pts");
	if (mount("devpts", R "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, pts_opts) < 0)
		return contain_fail(e, "mount: devpts");
	if (symlink("pts/ptmx", R "/dev/ptmx") < 0 || symlink("/proc/self/fd", R "/dev/fd") < 0 ||
	    symlink("/proc/self/fd/0", R "/dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", R "/dev/stdout") < 0 ||
	    symlink("/proc/self/fd/2", R "/dev/stderr") < 0)
		return contain_fail(e, "mount: /dev links");
	return 0;
}

int
mount_build_root(const struct contain_ctx *x, struct contain_err *e)
{
	const unsigned long wr = MS_NOSUID | MS_NODEV;
	char opts[96], scratch[96];
	size_t i;
	unsigned long long cap = x->limits.workspace ? x->limits.workspace : 64ull << 20;

	snprintf(scratch, sizeof scratch, "size=%llu,nr_inodes=16384,mode=1777", cap);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return contain_fail(e, "mount: make / private");
	if (mount("tmpfs", R, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755") < 0)
		return contain_fail(e, "mount: tmpfs root");
	if (bind("/usr", R "/usr", MS_RDONLY | MS_NOSUID | MS_NODEV, 1, e) < 0)
		return -1;
	for (i = 0; i < sizeof top_links / sizeof top_links[0]; i++)
		if (mirror_top(top_links[i], e) < 0)
			return -1;
	if (build_etc(x, e) < 0 || build_dev(x, e) < 0)
		return -1;
	if (mkdirs(R "/proc", 0555) < 0)
		return contain_fail(e, "mount: mkdir /proc");
	if (mount("proc", R "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return contain_fail(e, "mount: proc");
	if (x->ws_mnt_fd >= 0) {
		/* nosuid,nodev were set by fsmount(); the clone keeps them */
		if (mkdirs(R "/home/learner", 0755) < 0)
			return contain_fail(e, "mount: mkdir /home/learner");
		if (syscall(SYS_move_mount, x->ws_mnt_fd, "", AT_FDCWD, R "/home/learner",
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return contain_fail(e, "mount: move_mount workspace image");
		close(x->ws_mnt_fd);	/* the mount is ours now */
	} else if (x->ws_fd >= 0) {
		if (bind_fd(x->ws_fd, R "/home/learner", wr, 1, e) < 0)
			return -1;
	} else {
		snprintf(opts, sizeof opts, "size=%llu,nr_inodes=16384,mode=0755,uid=%u,gid=%u",
		    cap, x->learner_uid, x->learner_uid);
		if (tmpfs(R "/home/learner", wr, opts, e) < 0)
			return -1;
	}
	if (x->lab_fd >= 0) {
		if (bind_fd(x->lab_fd, R "/lab", MS_RDONLY | wr, 1, e) < 0)
			return -1;
	} else if (mkdirs(R "/lab", 0755) < 0)
		return contain_fail(e, "mount: mkdir /lab");
	if (tmpfs(R "/tmp", wr, scratch, e) < 0 || tmpfs(R "/var", wr, scratch, e) < 0 ||
	    tmpfs(R "/dev/shm", wr, scratch, e) < 0)
		return -1;
	if (tmpfs(R "/run", wr, "size=1m,nr_inodes=1024,mode=0755", e) < 0 ||
	    mkdirs(R "/run/labhub", 0755) < 0 || mkdirs(R "/var/tmp", 01777) < 0 ||
	    mkdirs(R "/var/lib", 0755) < 0 || mkdirs(R "/var/log", 0755) < 0 ||
	    chmod(R "/var/tmp", 01777) < 0 || chmod(R "/var", 0755) < 0 ||
	    mkdirs(R "/var/run", 0755) < 0)
		return contain_fail(e, "mount: populate /run, /var");
	snprintf(opts, sizeof opts, "/proc/self/fd/%d", x->exe_fd);
	if (x->exe_fd >= 0 && bind_plain(opts, R "/run/labhub/labhub", 0, e) < 0)
		return -1;
	snprintf(opts, sizeof opts, "/proc/self/fd/%d", x->tool_fd);
	if (x->tool_fd >= 0 && bind_plain(opts, R "/run/labhub/labhub-roa", 0, e) < 0)
		return -1;
	/* /run and the binaries bound into it, read-only in one call */
	if (seal_ro(R "/run") < 0) {
		if (errno != ENOSYS)
			return contain_fail(e, "mount: seal /run read-only");
		if ((x->exe_fd >= 0 && remount_ro(R "/run/labhub/labhub", e) < 0) ||
		    (x->tool_fd >= 0 && remount_ro(R "/run/labhub/labhub-roa", e) < 0))
			return -1;
		if (mount(NULL, R "/run", NULL, MS_REMOUNT | MS_RDONLY | wr,
		    "size=1m,nr_inodes=1024,mode=0755") < 0)
			return contain_fail(e, "mount: remount /run ro");
	}
	/* ro: in one-uid mode the learner owns what the warden created */
	if (mount(NULL, R "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
	    "size=64k,nr_inodes=64,mode=0755") < 0)
		return contain_fail(e, "mount: remount /dev ro");
	if (mkdirs(R "/root", 0700) < 0)
		return contain_fail(e, "mount: mkdir /root");

	/* pivot_root(".", ".") stacks the old root under the new; detach it. */
	if (chdir(R) < 0)
		return contain_fail(e, "mount: chdir new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return contain_fail(e, "mount: pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return contain_fail(e, "mount: detach old root");
	if (chdir("/") < 0)
		return contain_fail(e, "mount: chdir /");
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | wr, NULL) < 0)
		return contain_fail(e, "mount: remount / ro");
	return 0;
}
