/*
 * cliutil: what the admin subcommands (user, cohort, db) share — the
 * --data/--config options, opening the store where `serve` keeps it, the
 * audit actor "cli:<unix user>", and reading or generating a password.
 * Each function prints its own error as "labhub <cmd>: ..." on stderr and
 * returns a process exit status (0, 1 at run time, EXIT_USAGE).
 */
#ifndef LABHUB_CLIUTIL_H
#define LABHUB_CLIUTIL_H

#include <stddef.h>

#include "server/auth.h"
#include "server/store.h"

/* The long options every store command takes; append to a getopt_long table. */
#define CLIUTIL_OPT_DATA 0x1001
#define CLIUTIL_OPT_CONFIG 0x1002
#define CLIUTIL_STORE_OPTIONS \
	{ "data", required_argument, NULL, CLIUTIL_OPT_DATA }, \
	{ "config", required_argument, NULL, CLIUTIL_OPT_CONFIG }, \
	{ "help", no_argument, NULL, 'h' }
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
int cliutil_open_store(const char *cmd, const struct cliutil_store_args *a, unsigned flags,
    struct store **out);

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
