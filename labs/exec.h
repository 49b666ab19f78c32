/*
 * exec: `labhub lab exec`, the lab runtime's entry point inside a cell.  One
 * process runs one ACTION (manifest, values, setup, check STEP, hint STEP N)
 * in a fresh restricted VM and produces exactly one JSON object (schema in
 * labs/README.md).  lab_exec() is the same without the process around it,
 * for `lab test`, `lab lint` and the unit suites.
 */
#ifndef LABHUB_LABS_EXEC_H
#define LABHUB_LABS_EXEC_H

#include <stddef.h>

#include <jansson.h>

#include "labs/vm.h"

#define LAB_EXIT_OK 0
#define LAB_EXIT_USAGE 2
#define LAB_EXIT_BROKEN 3

#define LAB_CHECK_MS 10000
#define LAB_SETUP_MS 60000
#define LAB_ANSWER_MAX 4096

struct lab_opts {
	const char *labdir;	/* required */
	const char *workspace;	/* required except for manifest */
	const char *seed;	/* NULL = "" */
	const char *statedir;	/* NULL = $LABHUB_STATE_DIR, /run/labhub-lab, <ws>/.labhub/services */
	struct vm_limits limits;
	unsigned check_ms;	/* 0 = LAB_CHECK_MS; also used for manifest/values/hint */
	unsigned setup_ms;	/* 0 = LAB_SETUP_MS */
};

/* Run ACTION with its arguments (check: STEP; hint: STEP N) and, for
 * question steps, the ANSWER (may be NULL).  Returns a new JSON object (the
 * caller owns it) and sets *status to LAB_EXIT_*.  Never NULL. */
json_t *lab_exec(const struct lab_opts *o, const char *action, const char *arg1,
    const char *arg2, const char *answer, size_t answer_len, int *status);

/* CLI: labhub lab exec ... */
int lab_exec_main(int argc, char **argv);

/* A JSON string from arbitrary bytes (invalid UTF-8 replaced by U+FFFD). */
json_t *lab_json_text(const char *s, size_t len);

#endif
