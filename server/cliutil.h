/*
 * cliutil: what the admin subcommands (user, cohort, db) share — choosing
 * the action, parsing its options (each command's own plus --data/--config),
 * opening the store where `serve` keeps it, auditing as "cli:<unix user>",
 * and reading or generating a password.
 * Each function prints its own error as "labhub <cmd>: ..." on stderr and
 * returns a process exit status (0, 1 at run time, EXIT_USAGE).
 */
#ifndef LABHUB_CLIUTIL_H
#define LABHUB_CLIUTIL_H

#include <stddef.h>
#include <stdio.h>

#include "server/auth.h"
#include "server/store.h"

/* The store options' help lines, for the end of a command's usage text. */
#define CLIUTIL_STORE_HELP \
	"  --data DIR      data directory (default: the one 'labhub serve' uses)\n" \
	"  --config FILE   config file to read (default: $LABHUB_CONFIG, then the system one)\n" \
	"  -h, --help      show this help\n"

struct cliutil_store_args {
	const char *data_dir;		/* --data, NULL if not given */
	const char *config;		/* --config, NULL if not given */
};

/*
 * Resolves the config (config_resolve()), creates the data directory if
 * needed and opens labhub.db with flags (STORE_OPEN_*).  Run as root on a
 * data directory owned by another user (the service account), it first
 * switches to that user for good, so no root-owned file lands there.
 * Returns 0 with *out set, or 1 after printing why.  cmd names the command
 * in messages.
 */
/*
 * One admin command, "labhub NAME ACTION [OPERAND] [OPTIONS]": what the
 * parser and the dispatcher need to word their messages.
 */
struct cliutil_cmd {
	const char *name;		/* "user" */
	void (*usage)(FILE *out);	/* the whole help text */
	const char *operand;		/* "the user NAME", as in "missing the user NAME" */
	int sodium;			/* 1: auth_init() before running any action */
};

struct cliutil_action {
	const char *name;			/* "add" */
	int (*run)(int argc, char **argv);	/* argv[0] is the action; returns the exit status */
};

/*
 * The whole of `labhub NAME ...` (argv[0] is NAME): help for no action
 * (on stderr, EXIT_USAGE), for --help, -h and help (stdout, 0); refuses
 * an option in the action's place and an unknown action (EXIT_USAGE);
 * else returns what the action's run() returns.  actions ends with
 * { NULL, NULL }.
 */
int cliutil_main(const struct cliutil_cmd *cmd, const struct cliutil_action *actions, int argc,
    char **argv);

/*
 * An option of a command besides the store options.  The table is the
 * command's whole set; an action that does not take one says allowed = 0,
 * and then it is refused like an unknown option.
 */
struct cliutil_opt {
	const char *name;		/* long name, without "--" */
	const char **value;		/* --name VALUE: VALUE (in argv) goes here; NULL: a flag */
	int *flag;			/* a flag sets *flag = 1 */
	int allowed;
};
#define CLIUTIL_OPTS_MAX 8

/*
 * Parses the arguments of one action (argv[0] is the action) with
 * getopt_long, options and operands in any order: opts (ending with a NULL
 * name, at most CLIUTIL_OPTS_MAX), --data, --config and -h/--help, and
 * exactly npos (0 or 1) operands; the operand goes to *operand (NULL when
 * npos is 0).  store is cleared first; the caller clears what opts point to.
 * Returns -1 to go on, 0 after printing the help, or EXIT_USAGE after
 * printing "labhub NAME ACTION: ..." on stderr.
 */
int cliutil_parse(const struct cliutil_cmd *cmd, const char *action, int argc, char **argv,
    const struct cliutil_opt *opts, int npos, struct cliutil_store_args *store,
    const char **operand);

int cliutil_open_store(const char *cmd, const struct cliutil_store_args *a, unsigned flags,
    struct store **out);

/*
 * Writes an audit entry by cliutil_actor(); when that fails, warns on
 * stderr as "labhub <cmd>: warning: ..." and goes on (the change is done).
 */
void cliutil_audit(const char *cmd, struct store *s, const char *action, const char *target,
    const char *detail);

/* "cli:<unix user>" (or "cli:uid<N>" when the uid has no name); the first caller's user. */
void cliutil_actor(char *buf, size_t len);

/*
 * Gets a new password for an account:
 *  - from_stdin: the first line of standard input (no prompt);
 *  - else, when stdin is a terminal: asks twice without echo;
 *  - else: generates a strong one and sets *generated = 1 (the caller
 *    prints it once).
 * A typed password must have at least CLIUTIL_PASSWORD_MIN bytes.
 * Returns 0, or 1 after printing why.  buf must hold AUTH_PASSWORD_MAX + 1.
 */
#define CLIUTIL_PASSWORD_MIN 8
int cliutil_get_password(const char *cmd, int from_stdin, char *buf, size_t len, int *generated);

/* "2026-12-01 20:30" (UTC) for a Unix time. */
void cliutil_format_time(long long t, char *buf, size_t len);

#endif
