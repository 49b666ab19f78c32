/*
 * workspace: a total size cap for the learner's on-disk workspace, as an
 * ext4 image on a loop device (see workspace.h for the contract and
 * sandbox/README.md, "Workspace size", for why not project quotas).
 *
 * Life of DIR.img (DIR is the workspace directory the caller names):
 *   first use   DIR.img.new: sparse file of the cap, mkfs.ext4, loop,
 *               mount, copy DIR's files in (nofollow, through dirfds),
 *               syncfs, rename to DIR.img, then empty DIR
 *   later       open DIR.img (nofollow, ours, regular), flock, loop
 *               (LOOP_CONFIGURE, autoclear), fsmount (nosuid,nodev);
 *               a larger cap grows it online (EXT4_IOC_RESIZE_FS)
 *   each cell   open_tree(OPEN_TREE_CLONE) of the cached mount
 *   remove      refused while attached; else unlinkat, never followed
 * The directory's files are copied by this code, not by `mkfs.ext4 -d`:
 * mkfs would walk a learner-controlled tree by path, as root, and a
 * planted symlink could pull host files into the image.
 */
#include "config.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/contain.h"
#include "sandbox/workspace.h"
#include "server/log.h"

#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
#endif

#define LOCK_WAIT_MS 3000	/* a previous holder's loop device is detached asynchronously */

struct workspace {
	dev_t dev;		/* of the image file: the cache key */
	ino_t ino;
	int imgfd;		/* O_RDWR, flock()ed */
	int loopfd;
	int mntfd;		/* detached mount of the filesystem */
	uint64_t size;		/* bytes of the image */
	unsigned refs;
	unsigned long long idle_since;	/* 0 while refs > 0 */
	char spare[96];		/* a spare image attached ahead: its name in spares_dir, else "" */
	struct workspace *next;
};

static struct workspace *cache;
static unsigned long long idle_seq;

static void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Split DIR into an fd of its parent and "BASE.img" (and "BASE.img.new"). */
static int
image_names(const char *dir, int *parent, char *img, size_t imglen, char *tmp, size_t tmplen)
{
	char buf[4096], *slash, *base;
	const char *pdir;
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, dir, n);
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (slash == NULL) {
		base = buf;
		pdir = ".";
	} else {
		*slash = 0;
		base = slash + 1;
		pdir = slash == buf ? "/" : buf;
	}
	/* readable, so that it can be fsync()ed after a rename; O_PATH will do for removal */
	*parent = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*parent < 0 && errno == EACCES)
		*parent = open(pdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*parent < 0)
		return -1;
	if (base[0] == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
	    (size_t)snprintf(img, imglen, "%s.img", base) >= imglen ||
	    (size_t)snprintf(tmp, tmplen, "%s.img.new", base) >= tmplen) {
		close(*parent);
		*parent = -1;
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
workspace_image_available(char *why, size_t whylen)
{
	static int known, ok;
	static char reason[160];
	int fd;

	if (!known) {
		known = 1;
		if (geteuid() != 0) {
			snprintf(reason, sizeof reason, "not running as root (no loop devices)");
		} else if ((fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC)) < 0) {
			snprintf(reason, sizeof reason, "/dev/loop-control: %s", strerror(errno));
		} else {
			close(fd);
			fd = (int)syscall(SYS_fsopen, "ext4", FSOPEN_CLOEXEC);
			if (fd < 0) {
				snprintf(reason, sizeof reason, "fsopen(ext4): %s", strerror(errno));
			} else {
				close(fd);
				if (access(getenv("LABHUB_MKFS_EXT4") ? getenv("LABHUB_MKFS_EXT4")
				    : WORKSPACE_MKFS, X_OK) < 0)
					snprintf(reason, sizeof reason, "%s: %s (install e2fsprogs)",
					    WORKSPACE_MKFS, strerror(errno));
				else
					ok = 1;
			}
		}
	}
	if (!ok)
		snprintf(why, whylen, "%s", reason);
	return ok;
}

/* flock(LOCK_EX) without blocking the loop for long. */
static int
lock_wait(int fd)
{
	int waited, step = 1;

	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += step) {
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS)
			return -1;
		if (waited >= 16)
			step = 20;
		msleep(step);
	}
	return 0;
}

/*
 * Run an e2fsprogs tool with fd as /proc/self/fd/3, its output captured for
 * the error message.  Exit codes in `ok` (a bit mask) count as success.
 */
static int
run_tool(const char *const *argv, int fd, unsigned ok, char *err, size_t errlen)
{
	static const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	char out[512];
	int p[2], st, n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "%s: pipe: %s", argv[0], strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "%s: fork: %s", argv[0], strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (dup2(fd, 3) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0 ||
		    (null >= 0 && dup2(null, 0) < 0))
			_exit(126);
		syscall(SYS_close_range, 4, ~0u, 0);
		signal(SIGPIPE, SIG_DFL);
		execve(argv[0], (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	close(p[1]);
	while ((r = read(p[0], out + n, sizeof out - 1 - (size_t)n)) > 0 ||
	    (r < 0 && errno == EINTR))
		if (r > 0 && (n += (int)r) >= (int)sizeof out - 1)
			break;
	out[n] = 0;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) > 31 || !(ok & (1u << WEXITSTATUS(st)))) {
		char *nl;

		while ((nl = strrchr(out, '\n')) != NULL && nl[1] == 0)
			*nl = 0;
		nl = strrchr(out, '\n');	/* the last line says why */
		snprintf(err, errlen, "%s failed (status %d): %s", argv[0],
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
		    out[0] ? (nl ? nl + 1 : out) : "no output");
		return -1;
	}
	return 0;
}

static const char *
tool(const char *env, const char *dflt)
{
	return getenv(env) ? getenv(env) : dflt;
}

/* mkfs.ext4 on fd: small journal, no reserved blocks, one inode per 8 KiB. */
static int
run_mkfs(int fd, uint64_t size, long owner, char *err, size_t errlen)
{
	char journal[32], ext[64];
	const char *argv[16];
	unsigned jm = (unsigned)(size >> 28);	/* 1 MiB per 256 MiB of cap */
	int a = 0;

	/* the journal costs space the learner does not get; none below 16M */
	snprintf(journal, sizeof journal, "size=%u", jm < 1 ? 1 : jm > 64 ? 64 : jm);
	snprintf(ext, sizeof ext, "root_owner=%ld:%ld", owner >= 0 ? owner : (long)geteuid(),
	    owner >= 0 ? owner : (long)getegid());
	argv[a++] = tool("LABHUB_MKFS_EXT4", WORKSPACE_MKFS);
	argv[a++] = "-F";
	argv[a++] = "-q";
	argv[a++] = "-m";
	argv[a++] = "0";
	argv[a++] = "-i";
	argv[a++] = "8192";
	argv[a++] = size >= (16u << 20) ? "-J" : "-O";
	argv[a++] = size >= (16u << 20) ? journal : "^has_journal";
	argv[a++] = "-E";
	argv[a++] = ext;
	argv[a++] = "/proc/self/fd/3";
	argv[a] = NULL;
	return run_tool(argv, fd, 1, err, errlen);
}

/*
 * Grow the unmounted image on fd to `size` bytes: extend the file, then
 * e2fsck -f (resize2fs wants a checked filesystem) and resize2fs.  Online
 * growth (EXT4_IOC_RESIZE_FS) needs CAP_SYS_RESOURCE, which a service
 * may not have; offline needs nothing but the file.
 */
static int
grow_offline(int fd, uint64_t size, char *err, size_t errlen)
{
	const char *fsck[] = { tool("LABHUB_E2FSCK", WORKSPACE_E2FSCK), "-f", "-p", "/proc/self/fd/3", NULL };
	const char *rs[] = { tool("LABHUB_RESIZE2FS", WORKSPACE_RESIZE2FS), "/proc/self/fd/3", NULL };

	if (ftruncate(fd, (off_t)size) < 0) {
		snprintf(err, errlen, "extend the image to %llu bytes: %s", (unsigned long long)size,
		    strerror(errno));
		return -1;
	}
	/* e2fsck: 0 clean, 1 errors corrected */
	if (run_tool(fsck, fd, 1u | 2u, err, errlen) < 0 || run_tool(rs, fd, 1, err, errlen) < 0)
		return -1;
	return 0;
}

/* A free loop device backed by fd, detached by the kernel when its last user goes. */
static int
loop_attach(int fd, char *dev, size_t devlen, char *err, size_t errlen)
{
	struct loop_config cfg;
	int ctl, lfd = -1, n, tries;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		snprintf(err, errlen, "open /dev/loop-control: %s", strerror(errno));
		return -1;
	}
	/* another process may take the same free device between the two calls */
	for (tries = 0; tries < 16; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			snprintf(err, errlen, "LOOP_CTL_GET_FREE: %s", strerror(errno));
			break;
		}
		snprintf(dev, devlen, "/dev/loop%d", n);
		lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0) {
			snprintf(err, errlen, "open %s: %s", dev, strerror(errno));
			break;
		}
		memset(&cfg, 0, sizeof cfg);
		cfg.fd = (unsigned)fd;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
			break;
		snprintf(err, errlen, "LOOP_CONFIGURE %s: %s", dev, strerror(errno));
		close(lfd);
		lfd = -1;
		if (errno != EBUSY)
			break;
	}
	close(ctl);
	return lfd;
}

/* fsopen/fsmount of the ext4 on dev: a detached mount, nosuid,nodev. */
static int
mount_detached(const char *dev, char *err, size_t errlen)
{
	char msg[256];
	int fs, m = -1;
	ssize_t n;

	fs = (int)syscall(SYS_fsopen, "ext4", FSOPEN_CLOEXEC);
	if (fs < 0) {
		snprintf(err, errlen, "fsopen(ext4): %s", strerror(errno));
		return -1;
	}
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", dev, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "errors", "remount-ro", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;

		/* the kernel says why on the fs context fd */
		n = read(fs, msg, sizeof msg - 1);
		msg[n > 0 ? n : 0] = 0;
		snprintf(err, errlen, "mount ext4 %s: %s%s%s", dev, strerror(e), n > 0 ? ": " : "",
		    n > 0 ? msg : "");
		close(fs);
		return -1;
	}
	m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (m < 0)
		snprintf(err, errlen, "fsmount %s: %s", dev, strerror(errno));
	close(fs);
	return m;
}

/* Grow the mounted filesystem of ws to `size` bytes (file, loop, then ext4 online). */
static int
grow_online(struct workspace *ws, uint64_t size, char *err, size_t errlen)
{
	struct statfs sf;
	uint64_t blocks;
	int root;

	if (ftruncate(ws->imgfd, (off_t)size) < 0 || ioctl(ws->loopfd, LOOP_SET_CAPACITY, 0) < 0) {
		snprintf(err, errlen, "grow the image to %llu bytes: %s", (unsigned long long)size,
		    strerror(errno));
		return -1;
	}
	root = openat(ws->mntfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || fstatfs(root, &sf) < 0 || sf.f_bsize <= 0) {
		snprintf(err, errlen, "grow: open the workspace root: %s", strerror(errno));
		if (root >= 0)
			close(root);
		return -1;
	}
	blocks = size / (uint64_t)sf.f_bsize;
	if (ioctl(root, EXT4_IOC_RESIZE_FS, &blocks) < 0) {
		snprintf(err, errlen, "grow the filesystem to %llu bytes (EXT4_IOC_RESIZE_FS): %s",
		    (unsigned long long)size, strerror(errno));
		close(root);
		/* the filesystem did not change: the file goes back to its size, so
		 * that the next attach grows it offline */
		if (ftruncate(ws->imgfd, (off_t)ws->size) == 0)
			ioctl(ws->loopfd, LOOP_SET_CAPACITY, 0);
		return -1;
	}
	close(root);
	ws->size = size;
	return 0;
}

static void
drop(struct workspace *ws)
{
	struct workspace **pp;

	for (pp = &cache; *pp; pp = &(*pp)->next)
		if (*pp == ws) {
			*pp = ws->next;
			break;
		}
	close(ws->mntfd);
	close(ws->loopfd);
	close(ws->imgfd);	/* the loop device keeps the file (and its lock) until detached */
	free(ws);
}

static int copy_tree(int src, int dst, dev_t dev, int depth, char *err, size_t errlen);

static int
copy_attrs(int dst, const char *name, const struct stat *st, int isdir)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	mode_t mode = st->st_mode & (isdir ? 07777 : 01777);	/* no setuid/setgid files */

	if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, mode, 0) < 0)
		return -1;
	return utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
}

static int
copy_file(int src, int dst, const char *name, const struct stat *st)
{
	char buf[65536];
	struct stat now;
	int in, out, r = -1;
	ssize_t n;

	in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return -1;
	/* what we opened is what we looked at (not a FIFO or device swapped in) */
	if (fstat(in, &now) < 0 || !S_ISREG(now.st_mode) || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev) {
		close(in);
		errno = EAGAIN;
		return -1;
	}
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	for (;;) {
		ssize_t off, w;

		n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = (int)n;
			break;
		}
		/* a short write is followed by the one that says why (ENOSPC) */
		for (off = 0; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) < 0) {
				if (errno != EINTR)
					goto done;
				w = 0;
			}
	}
done:
	if (close(out) < 0)
		r = -1;
	close(in);
	return r;
}

/*
 * Copy everything inside src into dst (both directory fds), never
 * following a link and never crossing into another filesystem.  Sockets
 * and device nodes are skipped (a learner cannot make devices anyway).
 */
static int
copy_tree(int src, int dst, dev_t dev, int depth, char *err, size_t errlen)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (depth > 256) {
		snprintf(err, errlen, "migrate: directories nested too deep");
		return -1;
	}
	fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);	/* not dup(): own offset */
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "migrate: opendir: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		char link[4096];
		struct stat st;
		ssize_t n;
		int r = 0, s, t;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto fail;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				errno = EXDEV;
				goto fail;
			}
			if (mkdirat(dst, name, 0700) < 0)
				goto fail;
			s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			t = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s >= 0 && t >= 0)
				r = copy_tree(s, t, dev, depth + 1, err, errlen);
			else
				r = -2;
			if (s >= 0)
				close(s);
			if (t >= 0)
				close(t);
			if (r == -1)
				goto out;	/* err is set */
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(src, dst, name, &st);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(src, name, link, sizeof link - 1);
			if (n < 0)
				goto fail;
			link[n] = 0;
			r = symlinkat(link, dst, name);
		} else if (S_ISFIFO(st.st_mode)) {
			r = mkfifoat(dst, name, 0600);
		} else {
			continue;
		}
		if (r != 0 || copy_attrs(dst, name, &st, S_ISDIR(st.st_mode)) < 0)
			goto fail;
		continue;
fail:
		snprintf(err, errlen, "migrate %s: %s", name, strerror(errno));
out:
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

static int
dir_is_empty(int dirfd)
{
	struct dirent *de;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), empty = 1;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/* Loop + mount + optional grow of an opened, locked image. */
static struct workspace *
mount_image(int imgfd, const struct stat *st, uint64_t want, char *err, size_t errlen)
{
	struct workspace *ws = calloc(1, sizeof *ws);
	char dev[64];

	if (ws == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ws->imgfd = imgfd;
	ws->dev = st->st_dev;
	ws->ino = st->st_ino;
	ws->size = (uint64_t)st->st_size;
	ws->mntfd = -1;
	if (want > ws->size) {
		char why[256];

		if (grow_offline(imgfd, want, why, sizeof why) == 0)
			ws->size = want;
		else	/* the learner keeps the space they had, and the admin hears why */
			log_warn("workspace image %llu bytes: not grown to the cap %llu: %s",
			    (unsigned long long)ws->size, (unsigned long long)want, why);
	}
	ws->loopfd = loop_attach(imgfd, dev, sizeof dev, err, errlen);
	if (ws->loopfd < 0)
		goto fail;
	ws->mntfd = mount_detached(dev, err, errlen);
	if (ws->mntfd < 0)
		goto fail;
	return ws;
fail:
	if (ws->mntfd >= 0)
		close(ws->mntfd);
	if (ws->loopfd >= 0)
		close(ws->loopfd);
	free(ws);
	return NULL;
}

/*
 * DIR.img does not exist: make it from DIR (empty or not).  Returns the
 * attached workspace, the image renamed into place; DIR emptied after a
 * migration.  The caller holds the lock on DIR.
 */
static struct workspace *
create_image(int parent, const char *img, const char *tmp, int dirfd, uint64_t size,
    long owner, const char *dir, char *err, size_t errlen)
{
	struct workspace *ws = NULL;
	struct stat st, dst;
	int fd, root = -1, empty = 1;

	if (dirfd < 0) {	/* a spare image (cell_workspace_spare_make()): no directory yet */
		memset(&dst, 0, sizeof dst);
		dst.st_mode = S_IFDIR | 0700;
	} else if (fstat(dirfd, &dst) < 0 || (empty = dir_is_empty(dirfd)) < 0) {
		snprintf(err, errlen, "workspace %s: %s", dir, strerror(errno));
		return NULL;
	}
	if (unlinkat(parent, tmp, 0) < 0 && errno != ENOENT) {	/* a crashed attempt */
		snprintf(err, errlen, "workspace %s: remove stale %s: %s", dir, tmp, strerror(errno));
		return NULL;
	}
	fd = openat(parent, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 ||
	    fstat(fd, &st) < 0) {
		snprintf(err, errlen, "workspace %s: create %s: %s", dir, tmp, strerror(errno));
		goto fail;
	}
	if (run_mkfs(fd, size, owner, err, errlen) < 0)
		goto fail;
	ws = mount_image(fd, &st, 0, err, errlen);
	if (ws == NULL)
		goto fail;
	fd = -1;	/* ws has it */
	root = openat(ws->mntfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		snprintf(err, errlen, "workspace %s: open the new image: %s", dir, strerror(errno));
		goto fail;
	}
	/* mkfs's lost+found would show in the learner's home; e2fsck makes it again if needed */
	if (unlinkat(root, "lost+found", AT_REMOVEDIR) < 0 && errno != ENOENT)
		log_warn_errno("workspace %s: remove lost+found", dir);
	if (fchmod(root, dst.st_mode & 07777) < 0 ||
	    (owner >= 0 && fchown(root, (uid_t)owner, (gid_t)owner) < 0)) {
		snprintf(err, errlen, "workspace %s: chmod/chown the image root: %s", dir, strerror(errno));
		goto fail;
	}
	if (!empty) {
		if (copy_tree(dirfd, root, dst.st_dev, 0, err, errlen) < 0) {
			char why[256];

			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errlen, "workspace %s could not be moved into a %llu-byte image "
			    "(%s); it is left as it was", dir, (unsigned long long)size, why);
			goto fail;
		}
	}
	if (syncfs(root) < 0 || fsync(ws->imgfd) < 0 || renameat(parent, tmp, parent, img) < 0 ||
	    fsync(parent) < 0) {
		snprintf(err, errlen, "workspace %s: commit %s: %s", dir, img, strerror(errno));
		goto fail;
	}
	close(root);
	if (!empty) {
		/* the files live in the image now; the directory only names the workspace */
		if (remove_in(dirfd, 0, dst.st_dev) < 0)
			log_warn_errno("workspace %s: migrated into %s, but emptying the directory failed",
			    dir, img);
		log_info("workspace %s: moved into the %llu-byte image %s", dir,
		    (unsigned long long)size, img);
	}
	return ws;
fail:
	if (root >= 0)
		close(root);
	if (ws != NULL)
		drop(ws);
	else if (fd >= 0)
		close(fd);
	unlinkat(parent, tmp, 0);
	return NULL;
}

static struct workspace *
find(dev_t dev, ino_t ino)
{
	struct workspace *ws;

	for (ws = cache; ws; ws = ws->next)
		if (ws->dev == dev && ws->ino == ino)
			return ws;
	return NULL;
}

/* DIR.img as a file we may mount: ours, regular, one link (open O_NOFOLLOW). */
static int
image_ok(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() && st->st_nlink == 1;
}

/*
 * Spare images (cell_workspace_spares_dir(), sandbox/cell.h): empty images of one cap, made
 * ahead by another process, so that a learner's first cell takes one by
 * rename() instead of running mkfs.ext4, syncfs and fsync on the
 * supervisor's loop (~8 ms of its ~10 ms first start here, against ~2 ms
 * for an existing image).  <dir>/spare-<bytes>-<pid>-<n>.img, made as
 * <name>.new and renamed when complete, like a workspace's own image.
 */
static char spares_dir[512];
static unsigned spare_seq;

void
cell_workspace_spares_dir(const char *dir)
{
	snprintf(spares_dir, sizeof spares_dir, "%s", dir != NULL ? dir : "");
}

static uint64_t
image_size(uint64_t cap)
{
	uint64_t want = cap ? cap : 64ull << 20;

	return want < WORKSPACE_MIN_IMAGE ? WORKSPACE_MIN_IMAGE : want;
}

enum spare_kind { NOT_SPARE, SPARE_READY, SPARE_MAKING, SPARE_OTHER_CAP };

/* What a name in spares_dir is, for images of size want. */
static enum spare_kind
spare_kind(const char *name, uint64_t want)
{
	char pre[48];
	size_t n = strlen(name), p;

	if (strncmp(name, "spare-", 6) != 0)
		return NOT_SPARE;
	p = (size_t)snprintf(pre, sizeof pre, "spare-%llu-", (unsigned long long)want);
	if (strncmp(name, pre, p) != 0)
		return SPARE_OTHER_CAP;
	if (n > p + 8 && strcmp(name + n - 8, ".img.new") == 0)
		return SPARE_MAKING;
	if (n > p + 4 && strcmp(name + n - 4, ".img") == 0)
		return SPARE_READY;
	return NOT_SPARE;
}

int
cell_workspace_spare_make(uint64_t cap, char *err, size_t errlen)
{
	long owner = geteuid() != 0 ? -1 : (long)(CELL_HOST_ID_BASE + CELL_LEARNER_UID);
	char img[96], tmp[104];
	struct workspace *ws;
	uint64_t want = image_size(cap);
	int parent;

	if (!spares_dir[0]) {
		snprintf(err, errlen, "no directory for spare images");
		return -1;
	}
	parent = open(spares_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (parent < 0) {
		snprintf(err, errlen, "spare images %s: %s", spares_dir, strerror(errno));
		return -1;
	}
	snprintf(img, sizeof img, "spare-%llu-%d-%u.img", (unsigned long long)want, (int)getpid(),
	    spare_seq++);
	snprintf(tmp, sizeof tmp, "%s.new", img);
	ws = create_image(parent, img, tmp, -1, want, owner, spares_dir, err, errlen);
	close(parent);
	if (ws == NULL)
		return -1;
	drop(ws);
	return 0;
}

void
cell_workspace_spares_count(uint64_t cap, unsigned *ready, unsigned *making)
{
	struct dirent *de;
	DIR *d;

	*ready = *making = 0;
	if (!spares_dir[0] || (d = opendir(spares_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		switch (spare_kind(de->d_name, image_size(cap))) {
		case SPARE_READY: (*ready)++; break;
		case SPARE_MAKING: (*making)++; break;
		default: break;
		}
	closedir(d);
}

int
cell_workspace_spares_clean(uint64_t cap)
{
	struct dirent *de;
	enum spare_kind k;
	int n = 0;
	DIR *d;

	if (!spares_dir[0] || (d = opendir(spares_dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		k = spare_kind(de->d_name, image_size(cap));
		/* unfinished ones (their maker is gone) and spares of another cap */
		if ((k == SPARE_MAKING || k == SPARE_OTHER_CAP) && unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Attach one more spare of the cap ahead (loop device and ext4 mount, ~2 ms)
 * unless max are attached already; for a supervisor's idle moments.
 * Returns how many more it could attach (0: done, or none left to attach).
 */
unsigned
cell_workspace_spares_attach(uint64_t cap, unsigned max)
{
	char err[256];
	uint64_t want = image_size(cap);
	struct workspace *ws;
	struct dirent *de;
	struct stat st;
	unsigned have = 0;
	int fd;
	DIR *d;

	for (ws = cache; ws; ws = ws->next)
		if (ws->spare[0])
			have++;
	if (!spares_dir[0] || have >= max || (d = opendir(spares_dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (spare_kind(de->d_name, want) != SPARE_READY || strlen(de->d_name) >= sizeof ws->spare)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || !image_ok(&st) || find(st.st_dev, st.st_ino) != NULL ||
		    flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);	/* attached already, or still its maker's */
			continue;
		}
		ws = mount_image(fd, &st, 0, err, sizeof err);
		if (ws == NULL) {
			log_warn("spare workspace image %s: %s", de->d_name, err);
			break;
		}
		snprintf(ws->spare, sizeof ws->spare, "%s", de->d_name);
		ws->idle_since = ++idle_seq;
		ws->next = cache;
		cache = ws;
		have++;
		break;
	}
	closedir(d);
	return have < max && de != NULL ? max - have : 0;
}

/* A spare of size want attached ahead, renamed to parent/img; NULL if none. */
static struct workspace *
claim_attached_spare(uint64_t want, int parent, const char *img)
{
	struct workspace *ws;
	int sd;

	if ((sd = open(spares_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return NULL;
	for (ws = cache; ws; ws = ws->next)
		if (ws->spare[0] && ws->refs == 0 && ws->size == want &&
		    renameat(sd, ws->spare, parent, img) == 0) {
			ws->spare[0] = 0;
			break;
		}
	close(sd);
	return ws;
}

/*
 * A spare image of size want renamed to parent/img; its fd (opened, ours,
 * flock()ed: its maker has let go of it), or -1 if there is none.
 */
static int
claim_spare(uint64_t want, int parent, const char *img)
{
	struct dirent *de;
	struct stat st;
	int fd = -1;
	DIR *d;

	if ((d = opendir(spares_dir)) == NULL)
		return -1;
	while (fd < 0 && (de = readdir(d)) != NULL) {
		if (spare_kind(de->d_name, want) != SPARE_READY)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;	/* taken by another process meanwhile */
		if (fstat(fd, &st) < 0 || !image_ok(&st) || flock(fd, LOCK_EX | LOCK_NB) < 0 ||
		    renameat(dirfd(d), de->d_name, parent, img) < 0) {
			close(fd);	/* still its maker's, or not one of ours */
			fd = -1;
		}
	}
	closedir(d);
	return fd;
}

int
workspace_attach(const char *dir, uint64_t cap, long owner, struct workspace **out,
    int *mntfd, char *err, size_t errlen)
{
	char img[512], tmp[512], why[256];
	struct workspace *ws = NULL;
	struct stat st;
	uint64_t want = cap ? cap : 64ull << 20;
	int parent = -1, dirfd = -1, fd = -1, m;

	*out = NULL;
	*mntfd = -1;
	if (!workspace_image_available(err, errlen))
		return 1;
	if (want < WORKSPACE_MIN_IMAGE)
		want = WORKSPACE_MIN_IMAGE;
	if (image_names(dir, &parent, img, sizeof img, tmp, sizeof tmp) < 0) {
		snprintf(err, errlen, "workspace %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = openat(parent, img, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		if (fstat(fd, &st) < 0 || !image_ok(&st)) {
			snprintf(err, errlen, "workspace image %s.img: not a regular file of ours", dir);
			goto fail;
		}
		ws = find(st.st_dev, st.st_ino);
		if (ws != NULL && ws->refs == 0 && want > ws->size) {
			drop(ws);	/* idle and too small: attach it again, grown offline */
			ws = NULL;
		}
		if (ws != NULL) {
			close(fd);
			fd = -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "workspace image %s.img: %s", dir, strerror(errno));
		goto fail;
	}
	if (ws == NULL) {
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dirfd < 0 || lock_wait(dirfd) < 0) {
			snprintf(err, errlen, "workspace %s: %s", dir, strerror(errno));
			goto fail;
		}
		if (fd < 0 && (fd = openat(parent, img, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0 &&
		    errno != ENOENT) {
			snprintf(err, errlen, "workspace image %s.img: %s", dir, strerror(errno));
			goto fail;
		}
		if (fd < 0 && spares_dir[0] && dir_is_empty(dirfd) == 1 &&
		    (ws = claim_attached_spare(want, parent, img)) != NULL)
			goto attached;	/* loop device and mount made ahead */
		if (fd < 0 && spares_dir[0] && dir_is_empty(dirfd) == 1)
			fd = claim_spare(want, parent, img);	/* -1: none, make one here */
		if (fd < 0) {
			ws = create_image(parent, img, tmp, dirfd, want, owner, dir, err, errlen);
		} else {
			if (fstat(fd, &st) < 0 || !image_ok(&st)) {
				snprintf(err, errlen, "workspace image %s.img: not a regular file of ours", dir);
				goto fail;
			}
			if (lock_wait(fd) < 0) {
				snprintf(err, errlen, "workspace image %s.img is in use by another "
				    "labhub process (%s)", dir, strerror(errno));
				goto fail;
			}
			ws = mount_image(fd, &st, want, err, errlen);
			if (ws != NULL && owner >= 0 && fchownat(ws->mntfd, "", (uid_t)owner,
			    (gid_t)owner, AT_EMPTY_PATH) < 0)
				log_warn_errno("workspace %s: chown the image root", dir);
			if (ws != NULL && dir_is_empty(dirfd) == 0)
				log_warn("workspace %s: the directory is not empty but its image %s is "
				    "what cells see (left over from an interrupted migration?)", dir, img);
		}
		if (ws == NULL)
			goto fail;
		fd = -1;
		ws->next = cache;
		cache = ws;
	attached:;
	} else if (want > ws->size && grow_online(ws, want, why, sizeof why) < 0) {
		log_warn("workspace %s: in use, and not grown online to the cap %llu: %s", dir,
		    (unsigned long long)want, why);
	}
	if (want < ws->size && ws->refs == 0)
		log_warn("workspace %s: its image is %llu bytes, larger than the cap %llu: "
		    "not shrunk", dir, (unsigned long long)ws->size, (unsigned long long)want);
	m = (int)syscall(SYS_open_tree, ws->mntfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_EMPTY_PATH);
	if (m < 0) {
		snprintf(err, errlen, "workspace %s: open_tree(OPEN_TREE_CLONE): %s", dir, strerror(errno));
		goto fail;
	}
	ws->refs++;
	ws->idle_since = 0;
	*out = ws;
	*mntfd = m;
	close(parent);
	if (dirfd >= 0)
		close(dirfd);	/* the lock on DIR only covered creation */
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	close(parent);
	return -1;
}

void
workspace_release(struct workspace *ws)
{
	struct workspace *w, *oldest;
	unsigned idle;

	if (ws == NULL)
		return;
	assert(ws->refs > 0);
	if (--ws->refs > 0)
		return;
	ws->idle_since = ++idle_seq;
	for (;;) {
		idle = 0;
		oldest = NULL;
		for (w = cache; w; w = w->next)
			if (w->refs == 0 && !w->spare[0]) {
				idle++;
				if (oldest == NULL || w->idle_since < oldest->idle_since)
					oldest = w;
			}
		if (idle <= WORKSPACE_CACHE_IDLE)
			break;
		drop(oldest);
	}
}

void
workspace_flush(void)
{
	struct workspace *w, *next;

	for (w = cache; w; w = next) {
		next = w->next;
		if (w->refs == 0)
			drop(w);
	}
}

int
workspace_remove_image(const char *dir)
{
	char img[512], tmp[512];
	struct workspace *ws;
	struct stat st;
	int parent, fd, r = 0;

	if (image_names(dir, &parent, img, sizeof img, tmp, sizeof tmp) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstatat(parent, img, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		close(parent);
		return errno == ENOENT ? 0 : -1;
	}
	if (S_ISLNK(st.st_mode)) {
		r = unlinkat(parent, img, 0);	/* never an image of ours: just the link */
		close(parent);
		return r;
	}
	if (!image_ok(&st)) {
		close(parent);
		return 0;	/* somebody else's file: not ours to delete */
	}
	ws = find(st.st_dev, st.st_ino);
	if (ws != NULL && ws->refs > 0) {
		close(parent);
		errno = EBUSY;
		return -1;
	}
	if (ws != NULL)
		drop(ws);
	/* nobody (no other process, no loop device) holds it any more */
	fd = openat(parent, img, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || lock_wait(fd) < 0) {
		if (fd >= 0) {
			close(fd);
			errno = EBUSY;
		}
		close(parent);
		return -1;
	}
	r = unlinkat(parent, img, 0);
	close(fd);
	unlinkat(parent, tmp, 0);
	close(parent);
	return r;
}

int
cell_workspace_image_available(char *why, size_t whylen)
{
	return workspace_image_available(why, whylen);
}

int
workspace_for_cell(const struct cell_spec *spec, struct contain_ctx *x, struct workspace **ws,
    char *text, size_t textlen, char *err, size_t errlen)
{
	static int warned;
	char why[256];
	size_t n;
	int r;

	*ws = NULL;
	if (spec->workspace == NULL || spec->workspace_image == CELL_WS_DIR)
		return 0;
	r = workspace_attach(spec->workspace, spec->limits.workspace,
	    x->unpriv ? -1 : (long)(CELL_HOST_ID_BASE + CELL_LEARNER_UID), ws, &x->ws_mnt_fd,
	    why, sizeof why);
	if (r == 0) {
		x->ws_path = NULL;	/* the child moves the image's mount instead */
		return 0;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (spec->workspace_image == CELL_WS_IMAGE) {
		snprintf(err, errlen, "workspace %s: no image workspaces here: %s", spec->workspace, why);
		return -1;
	}
	if (!warned++)
		log_warn("workspaces are capped per file only (RLIMIT_FSIZE), not in total: %s", why);
	x->degraded |= CELL_DEGRADED_WS_PER_FILE;
	n = strlen(text);
	snprintf(text + n, textlen - n, "%sworkspace capped per file only (%s)", n ? "; " : "", why);
	return 0;
}
