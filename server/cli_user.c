/*
 * cli_user: `labhub user add|list|passwd|disable|enable`, the admin's way
 * to manage accounts on the server's own machine.  Works on the same
 * database as a running `labhub serve` (SQLite WAL), and writes every
 * change to the audit log as "cli:<unix user>".
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server/auth.h"
#include "server/cli.h"
#include "server/cliutil.h"
#include "server/store.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: labhub user add NAME --role admin|instructor|learner [--password-stdin]\n"
	    "       labhub user list\n"
	    "       labhub user passwd NAME [--password-stdin]\n"
	    "       labhub user disable NAME\n"
	    "       labhub user enable NAME\n"
	    "\n"
	    "Manages accounts.  Without --password-stdin, add and passwd ask for the\n"
	    "password twice when run on a terminal; otherwise they generate a strong\n"
	    "one and print it once.  Changing the password or disabling an account\n"
	    "signs it out everywhere.\n"
	    "\n"
	    "Options:\n"
	    "  --role ROLE       admin, instructor or learner (add)\n"
	    "  --password-stdin  read the password from the first line of standard input\n"
	    CLIUTIL_STORE_HELP);
}

static const struct cliutil_cmd user_cmd = { "user", usage, "the user NAME", 1 };

struct args {
	struct cliutil_store_args store;
	const char *role;
	int password_stdin;
	const char *name;		/* the one positional argument, if any */
};

/*
 * Parses the options of one action (argv[0] is the action).  allow says
 * which of --role / --password-stdin it takes; npos the positional count.
 * Returns -1 to go on, else the exit status (help or usage error).
 */
static int
parse(const char *action, int argc, char **argv, int allow_role, int allow_pw, int npos,
    struct args *a)
{
	const struct cliutil_opt opts[] = {
		{ "role", &a->role, NULL, allow_role },
		{ "password-stdin", NULL, &a->password_stdin, allow_pw },
		{ NULL, NULL, NULL, 0 },
	};

	memset(a, 0, sizeof *a);
	return cliutil_parse(&user_cmd, action, argc, argv, opts, npos, &a->store, &a->name);
}

/* Reads or generates a password and hashes it. 0 or 1. */
static int
new_hash(const char *cmd, int from_stdin, char hash[AUTH_PWHASH_SIZE], char *shown, size_t shownlen)
{
	char pw[AUTH_PASSWORD_MAX + 2];
	int generated = 0, rc;

	if (cliutil_get_password(cmd, from_stdin, pw, sizeof pw, &generated) != 0)
		return 1;
	rc = auth_password_hash(pw, strlen(pw), hash);
	if (rc == 0 && generated)
		snprintf(shown, shownlen, "%s", pw);
	else
		shown[0] = '\0';
	sodium_memzero(pw, sizeof pw);
	if (rc != 0) {
		fprintf(stderr, "labhub %s: hashing the password failed (out of memory?)\n", cmd);
		return 1;
	}
	return 0;
}

static int
user_add(int argc, char **argv)
{
	char hash[AUTH_PWHASH_SIZE], shown[AUTH_GENPASS_SIZE], detail[64];
	struct store_user u;
	enum store_role role;
	const char *why;
	struct store *s;
	struct args a;
	int rc;

	if ((rc = parse("add", argc, argv, 1, 1, 1, &a)) >= 0)
		return rc;
	if (a.role == NULL) {
		fprintf(stderr, "labhub user add: --role admin|instructor|learner is required\n");
		return EXIT_USAGE;
	}
	if (store_role_parse(a.role, &role) != 0) {
		fprintf(stderr, "labhub user add: unknown role '%s' (admin, instructor or learner)\n", a.role);
		return EXIT_USAGE;
	}
	if (auth_username_valid(a.name, &why) != 0) {
		fprintf(stderr, "labhub user add: invalid name '%s': %s\n", a.name, why);
		return EXIT_USAGE;
	}
	if (cliutil_open_store("user add", &a.store, 0, &s) != 0)
		return 1;
	rc = 1;
	/* before asking for a password; store_user_add() still decides races */
	if (store_user_get_by_name(s, a.name, &u) == STORE_OK) {
		fprintf(stderr, "labhub user add: a user named '%s' already exists\n", a.name);
		goto out;
	}
	if (new_hash("user add", a.password_stdin, hash, shown, sizeof shown) != 0)
		goto out;
	switch (store_user_add(s, a.name, role, hash, NULL)) {
	case STORE_OK:
		break;
	case STORE_EXISTS:
		fprintf(stderr, "labhub user add: a user named '%s' already exists\n", a.name);
		goto out;
	default:
		fprintf(stderr, "labhub user add: could not add '%s' (database error)\n", a.name);
		goto out;
	}
	snprintf(detail, sizeof detail, "role=%s", store_role_name(role));
	cliutil_audit("user", s, "user.add", a.name, detail);
	printf("added %s '%s'\n", store_role_name(role), a.name);
	if (shown[0] != '\0')
		printf("password: %s\n(shown only this once)\n", shown);
	rc = 0;
out:
	sodium_memzero(shown, sizeof shown);
	store_close(s);
	return rc;
}

static int
print_user(const struct store_user *u, void *arg)
{
	char when[32];

	(void)arg;
	cliutil_format_time(u->created, when, sizeof when);
	printf("%-24s %-10s %-8s %s\n", u->name, store_role_name(u->role), u->disabled ? "yes" : "no",
	    when);
	return 0;
}

static int
user_list(int argc, char **argv)
{
	struct store *s;
	struct args a;
	int rc;

	if ((rc = parse("list", argc, argv, 0, 0, 0, &a)) >= 0)
		return rc;
	if (cliutil_open_store("user list", &a.store, 0, &s) != 0)
		return 1;
	printf("%-24s %-10s %-8s %s\n", "NAME", "ROLE", "DISABLED", "CREATED (UTC)");
	rc = store_user_list(s, print_user, NULL) == STORE_OK ? 0 : 1;
	if (rc != 0)
		fprintf(stderr, "labhub user list: database error\n");
	store_close(s);
	return rc;
}

/* Opens the store and finds the named user. 0 or 1 (printed). */
static int
open_user(const char *cmd, struct args *a, struct store **s, struct store_user *u)
{
	int rc;

	if (cliutil_open_store(cmd, &a->store, 0, s) != 0)
		return 1;
	rc = store_user_get_by_name(*s, a->name, u);
	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_NOTFOUND)
		fprintf(stderr, "labhub %s: no user named '%s'\n", cmd, a->name);
	else
		fprintf(stderr, "labhub %s: database error\n", cmd);
	store_close(*s);
	*s = NULL;
	return 1;
}

static int
user_passwd(int argc, char **argv)
{
	char hash[AUTH_PWHASH_SIZE], shown[AUTH_GENPASS_SIZE];
	struct store_user u;
	struct store *s;
	struct args a;
	int rc;

	if ((rc = parse("passwd", argc, argv, 0, 1, 1, &a)) >= 0)
		return rc;
	if (open_user("user passwd", &a, &s, &u) != 0)
		return 1;
	rc = 1;
	if (new_hash("user passwd", a.password_stdin, hash, shown, sizeof shown) != 0)
		goto out;
	if (store_user_set_password(s, u.id, hash) != STORE_OK) {
		fprintf(stderr, "labhub user passwd: database error\n");
		goto out;
	}
	cliutil_audit("user", s, "user.passwd", u.name, "");
	printf("password of '%s' changed; its sessions are signed out\n", u.name);
	if (shown[0] != '\0')
		printf("password: %s\n(shown only this once)\n", shown);
	rc = 0;
out:
	sodium_memzero(shown, sizeof shown);
	store_close(s);
	return rc;
}

static int
user_set_disabled(int argc, char **argv, int disabled)
{
	const char *action = disabled ? "disable" : "enable";
	char cmd[32];
	struct store_user u;
	struct store *s;
	struct args a;
	int rc;

	snprintf(cmd, sizeof cmd, "user %s", action);
	if ((rc = parse(action, argc, argv, 0, 0, 1, &a)) >= 0)
		return rc;
	if (open_user(cmd, &a, &s, &u) != 0)
		return 1;
	rc = 1;
	if (store_user_set_disabled(s, u.id, disabled) != STORE_OK) {
		fprintf(stderr, "labhub %s: database error\n", cmd);
		goto out;
	}
	cliutil_audit("user", s, disabled ? "user.disable" : "user.enable", u.name, "");
	printf(disabled ? "'%s' is disabled and signed out\n" : "'%s' is enabled\n", u.name);
	rc = 0;
out:
	store_close(s);
	return rc;
}

static int
user_disable(int argc, char **argv)
{
	return user_set_disabled(argc, argv, 1);
}

static int
user_enable(int argc, char **argv)
{
	return user_set_disabled(argc, argv, 0);
}

int
cli_user_main(int argc, char **argv)
{
	static const struct cliutil_action actions[] = {
		{ "add", user_add },
		{ "list", user_list },
		{ "passwd", user_passwd },
		{ "disable", user_disable },
		{ "enable", user_enable },
		{ NULL, NULL },
	};

	return cliutil_main(&user_cmd, actions, argc, argv);
}
