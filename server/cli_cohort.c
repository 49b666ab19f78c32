/*
 * cli_cohort: `labhub cohort create|list`.  A cohort is a group of
 * learners under one instructor; creating it prints the join code that
 * learners type (with a nickname) to get an account.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/cli.h"
#include "server/cliutil.h"
#include "server/store.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: labhub cohort create NAME --instructor USER\n"
	    "       labhub cohort list [--instructor USER]\n"
	    "\n"
	    "create makes a cohort led by USER (an instructor or admin) and prints\n"
	    "its join code; learners join with the code and a nickname.\n"
	    "list shows every cohort, or those of one instructor.\n"
	    "\n"
	    "Options:\n"
	    "  --instructor USER  the instructor's account name\n"
	    CLIUTIL_STORE_HELP);
}

static const struct cliutil_cmd cohort_cmd = { "cohort", usage, "the cohort NAME", 1 };

struct args {
	struct cliutil_store_args store;
	const char *instructor;
	const char *name;
};

static int
parse(const char *action, int argc, char **argv, int npos, struct args *a)
{
	const struct cliutil_opt opts[] = {
		{ "instructor", &a->instructor, NULL, 1 },
		{ NULL, NULL, NULL, 0 },
	};

	memset(a, 0, sizeof *a);
	return cliutil_parse(&cohort_cmd, action, argc, argv, opts, npos, &a->store, &a->name);
}

/* The instructor account named name. 0 or 1 (printed). */
static int
find_instructor(const char *cmd, struct store *s, const char *name, struct store_user *u)
{
	int rc = store_user_get_by_name(s, name, u);

	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "labhub %s: no user named '%s'\n", cmd, name);
		return 1;
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "labhub %s: database error\n", cmd);
		return 1;
	}
	if (u->role != STORE_ROLE_INSTRUCTOR && u->role != STORE_ROLE_ADMIN) {
		fprintf(stderr, "labhub %s: '%s' is a %s, not an instructor\n", cmd, name,
		    store_role_name(u->role));
		return 1;
	}
	if (u->disabled) {
		fprintf(stderr, "labhub %s: '%s' is disabled\n", cmd, name);
		return 1;
	}
	return 0;
}

static int
cohort_create(int argc, char **argv)
{
	char code[AUTH_JOIN_CODE_SIZE], shown[AUTH_JOIN_CODE_SIZE + 1];
	char detail[160];
	struct store_user u;
	struct store *s;
	struct args a;
	int64_t id = 0;
	int rc, tries;

	if ((rc = parse("create", argc, argv, 1, &a)) >= 0)
		return rc;
	if (a.instructor == NULL) {
		fprintf(stderr, "labhub cohort create: --instructor USER is required\n");
		return EXIT_USAGE;
	}
	if (a.name[0] == '\0' || strlen(a.name) > STORE_NAME_MAX) {
		fprintf(stderr, "labhub cohort create: the name must have 1 to %d bytes\n", STORE_NAME_MAX);
		return EXIT_USAGE;
	}
	if (auth_nickname_valid(a.name, NULL) != 0) {
		fprintf(stderr, "labhub cohort create: the name must be printable text"
		    " without leading or trailing spaces\n");
		return EXIT_USAGE;
	}
	if (cliutil_open_store("cohort create", &a.store, 0, &s) != 0)
		return 1;
	rc = 1;
	if (find_instructor("cohort create", s, a.instructor, &u) != 0)
		goto out;
	/* 29^8 codes: a collision is rare, a few retries make it vanish */
	for (tries = 0; tries < 8; tries++) {
		auth_join_code_new(code);
		rc = store_cohort_create(s, a.name, code, u.id, &id);
		if (rc != STORE_EXISTS)
			break;
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "labhub cohort create: could not create '%s' (%s)\n", a.name,
		    store_strerror(rc));
		rc = 1;
		goto out;
	}
	auth_join_code_format(code, shown);
	snprintf(detail, sizeof detail, "id=%lld instructor=%s", (long long)id, u.name);
	cliutil_audit("cohort create", s, "cohort.create", a.name, detail);
	printf("created cohort '%s' (id %lld) for %s\njoin code: %s\n", a.name, (long long)id, u.name,
	    shown);
	rc = 0;
out:
	store_close(s);
	return rc;
}

/* Cohorts are collected first: a store callback must not query the store. */
struct cohort_vec {
	struct store_cohort *v;
	size_t n, cap;
	int oom;
};

static int
collect_cohort(const struct store_cohort *c, void *arg)
{
	struct cohort_vec *cv = arg;

	if (cv->n == cv->cap) {
		size_t cap = cv->cap ? cv->cap * 2 : 16;
		struct store_cohort *v = realloc(cv->v, cap * sizeof *v);

		if (v == NULL) {
			cv->oom = 1;
			return 1;
		}
		cv->v = v;
		cv->cap = cap;
	}
	cv->v[cv->n++] = *c;
	return 0;
}

static int
count_member(const struct store_member *m, void *arg)
{
	(void)m;
	++*(int *)arg;
	return 0;
}

static int
cohort_list(int argc, char **argv)
{
	struct cohort_vec cv = { NULL, 0, 0, 0 };
	char when[32], shown[AUTH_JOIN_CODE_SIZE + 1];
	struct store_user u;
	struct store *s;
	struct args a;
	size_t i;
	int rc, members;

	if ((rc = parse("list", argc, argv, 0, &a)) >= 0)
		return rc;
	if (cliutil_open_store("cohort list", &a.store, 0, &s) != 0)
		return 1;
	rc = 1;
	if (a.instructor != NULL && find_instructor("cohort list", s, a.instructor, &u) != 0)
		goto out;
	if (store_cohort_list(s, a.instructor != NULL ? u.id : 0, collect_cohort, &cv) != STORE_OK ||
	    cv.oom) {
		fprintf(stderr, "labhub cohort list: %s\n", cv.oom ? "out of memory" : "database error");
		goto out;
	}
	printf("%-6s %-24s %-16s %-10s %-7s %s\n", "ID", "NAME", "INSTRUCTOR", "JOIN CODE", "MEMBERS",
	    "CREATED (UTC)");
	for (i = 0; i < cv.n; i++) {
		const struct store_cohort *c = &cv.v[i];

		members = 0;
		if (store_user_get_by_id(s, c->instructor_id, &u) != STORE_OK)
			snprintf(u.name, sizeof u.name, "#%lld", (long long)c->instructor_id);
		if (store_cohort_members(s, c->id, count_member, &members) != STORE_OK) {
			fprintf(stderr, "labhub cohort list: database error\n");
			goto out;
		}
		cliutil_format_time(c->created, when, sizeof when);
		auth_join_code_format(c->join_code, shown);
		printf("%-6lld %-24s %-16s %-10s %-7d %s\n", (long long)c->id, c->name, u.name, shown,
		    members, when);
	}
	rc = 0;
out:
	free(cv.v);
	store_close(s);
	return rc;
}

int
cli_cohort_main(int argc, char **argv)
{
	static const struct cliutil_action actions[] = {
		{ "create", cohort_create },
		{ "list", cohort_list },
		{ NULL, NULL },
	};

	return cliutil_main(&cohort_cmd, actions, argc, argv);
}
