/*
 * labdir: what the authoring commands know about a lab folder on the host:
 * its broken attempts and their headers, the solution files, temporary
 * workspaces, and running this same binary's `lab exec` as a child.
 */
#ifndef LABHUB_LABS_LABDIR_H
#define LABHUB_LABS_LABDIR_H

#include <limits.h>
#include <stddef.h>

#include <jansson.h>

#include "labs/exec.h"

struct broken {
	char name[256];		/* file name in broken/ */
	char step[65];		/* "# step: ID" */
	char expect[512];	/* "# expect: substring of the feedback" */
	char answer[LAB_ANSWER_MAX + 1];	/* "# answer: ..." (question steps) */
	int has_answer;
};

/* Broken attempts, sorted by name; *n may be 0.  -1 with msg on a malformed header. */
int labdir_brokens(const char *labdir, struct broken **out, size_t *n, char *msg, size_t msglen);

/* Read a small lab file (solution/<id>.answer) into buf: 0, or -1 if absent. */
int labdir_read_small(const char *path, char *buf, size_t len);

/* rm -rf that never follows symlinks (nftw FTW_PHYS | FTW_DEPTH). */
int labdir_rm_rf(const char *path);

/* The running binary ("/proc/self/exe" resolved). */
const char *labdir_self(void);

/* Run `SELF lab exec --lab L --workspace W --state S ACTION [ARG]` with
 * ANSWER on stdin; returns its JSON (caller decref) or a lab_error-shaped
 * object when it printed none. */
json_t *labdir_exec(const char *labdir, const char *ws, const char *state, const char *seed,
    const char *action, const char *arg, const char *answer);

/* A fresh directory under $TMPDIR (or /tmp) named labhub-PREFIX-XXXXXX. */
int labdir_tmp(char *out, size_t len, const char *prefix);

#endif
