/*
 * wsfs: bounded, symlink-aware access to the learner's workspace for lab
 * checks.  Resolution is realpath-and-prefix based (not openat2
 * RESOLVE_BENEATH) so that absolute symlinks pointing back into the
 * workspace, which learners make all the time, keep working; the learner can
 * race us only inside their own cell, and every open is O_NOFOLLOW plus an
 * fstat on the descriptor actually read.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labs/wsfs.h"

#define HOME_WORDS "your home directory"

int
wsfs_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *
wsfs_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a named pipe (FIFO)";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device file";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISREG(mode))
		return "a regular file";
	return "a special file";
}

static int
inside(const struct wsfs *ws, const char *p)
{
	size_t rl = strlen(ws->root);

	if (strcmp(ws->root, "/") == 0)
		return 1;
	return strncmp(p, ws->root, rl) == 0 && (p[rl] == '\0' || p[rl] == '/');
}

int
wsfs_init(struct wsfs *ws, const char *root, char *msg, size_t msglen)
{
	struct stat st;
	char *r = realpath(root, NULL);

	if (r == NULL || stat(r, &st) < 0 || !S_ISDIR(st.st_mode) || strlen(r) >= sizeof ws->root) {
		snprintf(msg, msglen, "workspace %s is not a directory: %s", root,
		    r == NULL ? strerror(errno) : "not a directory");
		free(r);
		return -1;
	}
	strcpy(ws->root, r);
	free(r);
	return 0;
}

/* The path relative to the root for an absolute path inside it, else PATH. */
static const char *
relative(const struct wsfs *ws, const char *path)
{
	size_t rl = strlen(ws->root);

	if (path[0] != '/')
		return path;
	if (!inside(ws, path))
		return NULL;
	path += rl;
	while (*path == '/')
		path++;
	return *path == '\0' ? "." : path;
}

int
wsfs_path(const struct wsfs *ws, const char *path, char *out, size_t outlen,
    char *msg, size_t msglen)
{
	char full[PATH_MAX], parent[PATH_MAX], *slash, *rp;
	const char *rel, *base;

	if (path == NULL || *path == '\0') {
		snprintf(msg, msglen, "an empty file name was given");
		return -1;
	}
	rel = relative(ws, path);
	if (rel == NULL) {
		snprintf(msg, msglen, "%s is outside " HOME_WORDS "; checks only look inside it", path);
		return -1;
	}
	if (snprintf(full, sizeof full, "%s/%s", ws->root, rel) >= (int)sizeof full) {
		snprintf(msg, msglen, "the file name %.40s... is too long", path);
		return -1;
	}
	while (strlen(full) > 1 && full[strlen(full) - 1] == '/')
		full[strlen(full) - 1] = '\0';
	slash = strrchr(full, '/');
	base = slash + 1;
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		rp = realpath(full, NULL);
		if (rp == NULL || !inside(ws, rp)) {
			snprintf(msg, msglen, "%s is outside " HOME_WORDS "; checks only look inside it", path);
			free(rp);
			return -1;
		}
		snprintf(out, outlen, "%s", rp);
		free(rp);
		return 0;
	}
	memcpy(parent, full, (size_t)(slash - full));
	parent[slash - full] = '\0';
	rp = realpath(parent[0] != '\0' ? parent : "/", NULL);
	if (rp == NULL) {
		snprintf(msg, msglen, errno == ENOENT || errno == ENOTDIR ?
		    "There is no file %s in " HOME_WORDS " (its folder does not exist)." :
		    "%s cannot be looked at: %s", path, strerror(errno));
		return -1;
	}
	if (!inside(ws, rp)) {
		snprintf(msg, msglen, "%s is in a folder outside " HOME_WORDS " (%s); checks only look inside it",
		    path, rp);
		free(rp);
		return -1;
	}
	if (snprintf(out, outlen, "%s/%s", strcmp(rp, "/") == 0 ? "" : rp, base) >= (int)outlen) {
		free(rp);
		snprintf(msg, msglen, "the file name %.40s... is too long", path);
		return -1;
	}
	free(rp);
	return 0;
}

/* Follow a final symlink at P only while it stays inside; REAL gets the target. */
static int
resolve_final(const struct wsfs *ws, const char *display, const char *p, char *real,
    size_t reallen, char *msg, size_t msglen)
{
	char target[PATH_MAX];
	ssize_t tl;
	char *rp;

	rp = realpath(p, NULL);
	if (rp == NULL) {
		tl = readlink(p, target, sizeof target - 1);
		target[tl > 0 ? tl : 0] = '\0';
		snprintf(msg, msglen, "%s is a symbolic link to %s, which does not exist", display, target);
		return -1;
	}
	if (!inside(ws, rp)) {
		snprintf(msg, msglen, "%s is a symbolic link to %s, outside " HOME_WORDS
		    "; checks only read files inside it", display, rp);
		free(rp);
		return -1;
	}
	snprintf(real, reallen, "%s", rp);
	free(rp);
	return 0;
}

char *
wsfs_read(const struct wsfs *ws, const char *path, size_t max, size_t *len,
    char *msg, size_t msglen)
{
	char lex[PATH_MAX], real[PATH_MAX];
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1;

	if (wsfs_path(ws, path, lex, sizeof lex, msg, msglen) < 0)
		return NULL;
	if (lstat(lex, &st) < 0) {
		snprintf(msg, msglen, errno == ENOENT ? "There is no file %s in " HOME_WORDS "." :
		    "%s cannot be looked at: %s", path, strerror(errno));
		return NULL;
	}
	snprintf(real, sizeof real, "%s", lex);
	if (S_ISLNK(st.st_mode)) {
		if (resolve_final(ws, path, lex, real, sizeof real, msg, msglen) < 0)
			return NULL;
		if (lstat(real, &st) < 0) {
			snprintf(msg, msglen, "%s cannot be looked at: %s", path, strerror(errno));
			return NULL;
		}
	}
	if (!S_ISREG(st.st_mode))
		goto notreg;
	/* O_NONBLOCK: a FIFO swapped in since the lstat must not hang us. */
	fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(msg, msglen, errno == ELOOP ? "%s changed while it was checked; try again" :
		    "%s cannot be opened: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(msg, msglen, "%s cannot be looked at: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode))
		goto notreg;
	if ((unsigned long long)st.st_size > max)
		goto toobig;
	buf = malloc(max + 2 < (size_t)st.st_size + 2 ? max + 2 : (size_t)st.st_size + 2);
	if (buf == NULL) {
		snprintf(msg, msglen, "%s is too large to check", path);
		goto fail;
	}
	/* The file may grow between fstat and read: read at most one byte more than allowed. */
	for (;;) {
		size_t room = (size_t)st.st_size + 1 - got;

		if (room == 0)
			break;
		n = read(fd, buf + got, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(msg, msglen, "%s cannot be read: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max)
		goto toobig;
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
notreg:
	snprintf(msg, msglen, "%s is %s, not a regular file; checks only read regular files",
	    path, wsfs_kind(st.st_mode));
	goto fail;
toobig:
	snprintf(msg, msglen, "%s is too large to check (%lld bytes; the limit is %zu)",
	    path, (long long)st.st_size, max);
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

int
wsfs_lstat(const struct wsfs *ws, const char *path, struct stat *st,
    char *target, size_t targetlen, char *msg, size_t msglen)
{
	char lex[PATH_MAX];
	ssize_t n;

	if (target != NULL && targetlen > 0)
		target[0] = '\0';
	if (wsfs_path(ws, path, lex, sizeof lex, msg, msglen) < 0)
		return -1;
	if (lstat(lex, st) < 0) {
		snprintf(msg, msglen, "There is no file %s in " HOME_WORDS ".", path);
		return -1;
	}
	if (S_ISLNK(st->st_mode) && target != NULL && targetlen > 0) {
		n = readlink(lex, target, targetlen - 1);
		target[n > 0 ? n : 0] = '\0';
	}
	return 0;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
wsfs_free_list(char **list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int
push(char ***list, size_t *n, size_t *cap, const char *s)
{
	char **nl, *d;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		nl = realloc(*list, *cap * sizeof *nl);
		if (nl == NULL)
			return -1;
		*list = nl;
	}
	d = strdup(s);
	if (d == NULL)
		return -1;
	(*list)[(*n)++] = d;
	return 0;
}

char **
wsfs_list(const struct wsfs *ws, const char *path, size_t *n, char *msg, size_t msglen)
{
	char lex[PATH_MAX], real[PATH_MAX];
	struct stat st;
	struct dirent *de;
	char **list = NULL;
	size_t cap = 0;
	DIR *d;
	int fd;

	*n = 0;
	if (wsfs_path(ws, path, lex, sizeof lex, msg, msglen) < 0)
		return NULL;
	if (lstat(lex, &st) < 0) {
		snprintf(msg, msglen, "There is no folder %s in " HOME_WORDS ".", path);
		return NULL;
	}
	snprintf(real, sizeof real, "%s", lex);
	if (S_ISLNK(st.st_mode) && resolve_final(ws, path, lex, real, sizeof real, msg, msglen) < 0)
		return NULL;
	fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(msg, msglen, errno == ENOTDIR ? "%s is not a folder" : "%s cannot be listed: %s",
		    path, strerror(errno));
		return NULL;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		snprintf(msg, msglen, "%s cannot be listed: %s", path, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL && *n < WSFS_LIST_MAX) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (push(&list, n, &cap, de->d_name) < 0) {
			closedir(d);
			wsfs_free_list(list, *n);
			*n = 0;
			snprintf(msg, msglen, "out of memory listing %s", path);
			return NULL;
		}
	}
	closedir(d);
	if (list == NULL)
		list = calloc(1, sizeof *list);
	if (*n > 1)
		qsort(list, *n, sizeof *list, cmpstr);
	return list;
}

char **
wsfs_glob(const struct wsfs *ws, const char *pattern, size_t *n, char *msg, size_t msglen)
{
	char full[PATH_MAX];
	const char *rel, *p;
	size_t i, rl = strlen(ws->root), cap = 0;
	char **list = NULL;
	glob_t g;
	int rc;

	*n = 0;
	rel = relative(ws, pattern);
	if (rel == NULL || *rel == '\0') {
		snprintf(msg, msglen, "the pattern %s is outside " HOME_WORDS, pattern);
		return NULL;
	}
	for (p = rel; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == rel || p[-1] == '/') && (p[2] == '\0' || p[2] == '/')) {
			snprintf(msg, msglen, "the pattern %s may not contain '..'", pattern);
			return NULL;
		}
	if (snprintf(full, sizeof full, "%s/%s", ws->root, rel) >= (int)sizeof full) {
		snprintf(msg, msglen, "the pattern is too long");
		return NULL;
	}
	rc = glob(full, 0, NULL, &g);
	if (rc != 0 && rc != GLOB_NOMATCH) {
		snprintf(msg, msglen, "the pattern %s cannot be matched", pattern);
		return NULL;
	}
	for (i = 0; rc == 0 && i < g.gl_pathc && *n < WSFS_GLOB_MAX; i++) {
		if (push(&list, n, &cap, g.gl_pathv[i] + rl + 1) < 0) {
			wsfs_free_list(list, *n);
			globfree(&g);
			*n = 0;
			snprintf(msg, msglen, "out of memory matching %s", pattern);
			return NULL;
		}
	}
	if (rc == 0)
		globfree(&g);
	if (list == NULL)
		list = calloc(1, sizeof *list);
	return list;
}

static void
give_to_owner(const struct wsfs *ws, int fd, const char *path)
{
	struct stat st;

	if (geteuid() != 0 || stat(ws->root, &st) < 0 || st.st_uid == 0)
		return;
	if (fd >= 0)
		(void)!fchown(fd, st.st_uid, st.st_gid);
	else
		(void)!lchown(path, st.st_uid, st.st_gid);
}

/* mkdir -p for the parents of REL inside the workspace, never through a symlink. */
static int
make_parents(const struct wsfs *ws, const char *rel, char *msg, size_t msglen)
{
	char buf[PATH_MAX], *s;
	struct stat st;

	if (snprintf(buf, sizeof buf, "%s/%s", ws->root, rel) >= (int)sizeof buf)
		return -1;
	for (s = buf + strlen(ws->root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (lstat(buf, &st) < 0) {
			if (mkdir(buf, 0755) < 0) {
				snprintf(msg, msglen, "cannot create folder %s: %s", buf, strerror(errno));
				return -1;
			}
			give_to_owner(ws, -1, buf);
		} else if (!S_ISDIR(st.st_mode)) {
			snprintf(msg, msglen, "%s is %s, not a folder", buf, wsfs_kind(st.st_mode));
			return -1;
		}
		*s = '/';
	}
	return 0;
}

int
wsfs_write(const struct wsfs *ws, const char *path, const char *content, size_t len,
    mode_t mode, char *msg, size_t msglen)
{
	char lex[PATH_MAX];
	const char *rel = relative(ws, path);
	size_t off = 0;
	ssize_t n;
	int fd;

	if (rel == NULL || make_parents(ws, rel, msg, msglen) < 0 ||
	    wsfs_path(ws, path, lex, sizeof lex, msg, msglen) < 0) {
		if (rel == NULL)
			snprintf(msg, msglen, "%s is outside the workspace", path);
		return -1;
	}
	fd = open(lex, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode & 07777);
	if (fd < 0) {
		snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		n = write(fd, content + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	(void)!fchmod(fd, mode & 07777);
	give_to_owner(ws, fd, lex);
	close(fd);
	return 0;
}

static int
copy_file(const struct wsfs *ws, const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out, rc = 0;

	in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (n < 0)
		rc = -1;
	(void)!fchmod(out, mode & 0777);
	give_to_owner(ws, out, dst);
	close(in);
	close(out);
	return rc;
}

static int
copy_dir(const struct wsfs *ws, const char *src, const char *dst, int depth, char *msg, size_t msglen)
{
	char s[PATH_MAX], d[PATH_MAX];
	struct stat st, dt;
	struct dirent *de;
	int copied = 0, r;
	DIR *dir;

	if (depth > 32)
		return 0;
	dir = opendir(src);
	if (dir == NULL) {
		snprintf(msg, msglen, "cannot read %s: %s", src, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(s, sizeof s, "%s/%s", src, de->d_name) >= (int)sizeof s ||
		    snprintf(d, sizeof d, "%s/%s", dst, de->d_name) >= (int)sizeof d ||
		    lstat(s, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (lstat(d, &dt) < 0) {
				if (mkdir(d, st.st_mode & 0777) < 0)
					continue;
				give_to_owner(ws, -1, d);
			} else if (!S_ISDIR(dt.st_mode)) {
				continue;	/* never write through what the learner put there */
			}
			r = copy_dir(ws, s, d, depth + 1, msg, msglen);
			if (r < 0) {
				closedir(dir);
				return -1;
			}
			copied += r;
		} else if (S_ISREG(st.st_mode) && lstat(d, &dt) < 0 && errno == ENOENT) {
			if (copy_file(ws, s, d, st.st_mode) == 0)
				copied++;
		}
	}
	closedir(dir);
	return copied;
}

int
wsfs_copy_tree(const struct wsfs *ws, const char *src, char *msg, size_t msglen)
{
	struct stat st;

	if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return copy_dir(ws, src, ws->root, 0, msg, msglen);
}
