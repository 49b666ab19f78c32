/*
 * wsfs: what lab checks may see of the learner's workspace.  Every path is
 * resolved and must stay inside the workspace (symbolic links that lead out
 * are refused); only regular files are read, opened with O_NONBLOCK |
 * O_NOFOLLOW and checked with fstat before a byte is read, so a FIFO or a
 * device planted by the learner can neither hang nor feed a check.  Reads
 * are bounded.  Failures come with a message a learner can act on.
 *
 * No allocation except the returned buffers; the caller frees them.
 */
#ifndef LABHUB_LABS_WSFS_H
#define LABHUB_LABS_WSFS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define WSFS_READ_DEFAULT ((size_t)1 << 20)	/* c:read default cap */
#define WSFS_READ_MAX ((size_t)16 << 20)	/* c:read hard cap */
#define WSFS_MSG 512
#define WSFS_GLOB_MAX 1000
#define WSFS_LIST_MAX 10000

struct wsfs {
	char root[4096];	/* realpath of the workspace */
};

/* 0, or -1 with msg when ROOT is not an existing directory. */
int wsfs_init(struct wsfs *ws, const char *root, char *msg, size_t msglen);

/* Resolve PATH (relative to the workspace, or absolute inside it) without
 * following it: OUT gets the absolute lexical path whose parent directory
 * was checked to lie inside the workspace.  0 or -1 with msg. */
int wsfs_path(const struct wsfs *ws, const char *path, char *out, size_t outlen,
    char *msg, size_t msglen);

/* Read the regular file at PATH (symlinks followed only while they stay in
 * the workspace), at most MAX bytes: a larger file is refused, not cut.
 * Returns a malloc'd, NUL-terminated buffer and its length in *len, or NULL
 * with a learner-readable msg (ENOENT sets *missing = 1 if missing != NULL). */
char *wsfs_read(const struct wsfs *ws, const char *path, size_t max, size_t *len,
    char *msg, size_t msglen);

/* lstat inside the workspace: 0, or -1 if absent/outside (msg set). */
int wsfs_lstat(const struct wsfs *ws, const char *path, struct stat *st,
    char *target, size_t targetlen, char *msg, size_t msglen);

/* Names in directory PATH, sorted, hidden included, without "." and "..";
 * *n entries in a malloc'd array of malloc'd strings (wsfs_free_list). */
char **wsfs_list(const struct wsfs *ws, const char *path, size_t *n, char *msg, size_t msglen);
/* Workspace-relative paths matching PATTERN (glob(3), sorted, at most WSFS_GLOB_MAX). */
char **wsfs_glob(const struct wsfs *ws, const char *pattern, size_t *n, char *msg, size_t msglen);
void wsfs_free_list(char **list, size_t n);

/* Write CONTENT to PATH inside the workspace (parents created, O_NOFOLLOW,
 * chown'd to the workspace owner when running as root).  0 or -1 with msg. */
int wsfs_write(const struct wsfs *ws, const char *path, const char *content, size_t len,
    mode_t mode, char *msg, size_t msglen);

/* Copy the tree SRC (a lab's files/) into the workspace without overwriting
 * anything; symlinks and special files in SRC are skipped.  Returns the
 * number of files copied or -1 with msg. */
int wsfs_copy_tree(const struct wsfs *ws, const char *src, char *msg, size_t msglen);

/* snprintf that reports truncation: 0, or -1 when BUF was too small. */
int wsfs_pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Human words for a file type: "a directory", "a named pipe (FIFO)" ... */
const char *wsfs_kind(mode_t mode);

#endif
