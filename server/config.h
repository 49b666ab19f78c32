/*
 * config: labhub's settings.  One format for every command: a plain text
 * file of `key = value` lines ('#' starts a comment, blank lines ignored),
 * documented in etc/labhub.conf.example; every key can also be given as a
 * command-line flag (--key value), and flags win over the file.
 *
 * Resolution order: built-in defaults, then the config file (the one named
 * by --config, else $LABHUB_CONFIG, else SYSCONFDIR/labhub/labhub.conf when
 * it exists), then flags.  The default data directory is
 * LOCALSTATEDIR/lib/labhub for root and $XDG_DATA_HOME/labhub (or
 * ~/.local/share/labhub) for other users, so `serve` and the admin
 * commands agree without any option.
 */
/*
 * Files in server/ that say #include "config.h" find this header first
 * (same directory), so it brings in the build's autoconf header too.
 */
#include <config.h>

#ifndef LABHUB_CONFIG_H
#define LABHUB_CONFIG_H

#include <limits.h>
#include <stddef.h>

#define CONFIG_ORIGINS_MAX 8
#define CONFIG_LAB_LIMITS_MAX 32

struct config {
	char data_dir[PATH_MAX];	/* holds labhub.db, workspaces/, backups */
	char listen_host[256];		/* "127.0.0.1" by default */
	int listen_port;		/* 8080 by default; 0 = ephemeral */
	char web_dir[PATH_MAX];		/* static front-end files */
	char labs_dir[PATH_MAX];	/* curriculum: labs/<id>/ and tracks/ */
	char tls_cert[PATH_MAX];	/* both set: serve HTTPS/WSS */
	char tls_key[PATH_MAX];
	/* Origins allowed to open the WebSocket, e.g. "https://lab.example.org".
	 * Empty list: only the server's own origin (Host header) is accepted. */
	char origins[CONFIG_ORIGINS_MAX][256];
	int norigins;
	int session_hours;		/* sign-in lifetime, default 12 */
	int login_rate_per_min;		/* failed logins per address/account per minute, default 10 */
	size_t max_message;		/* largest WebSocket message, default 64 KiB */
	size_t max_queued;		/* output queued per connection, default 1 MiB */
	int max_msgs_per_sec;		/* control messages per connection per second, default 50 */
	int cell_grace_s;		/* a cell outlives its browser this long, default 600 */
	char cell_limits[256];		/* cell_limits_parse() text, "" = defaults */
	int cell_spares;		/* spare wardens kept made ahead (sandbox/cell.h), default 2 */
	int workspace_spares;		/* empty workspace images kept made ahead (ws_term.c), default 32 */
	size_t busy_output_rate;	/* bytes/s a terminal may send while others type, 0 = no cap; 2M */
	int ws_deflate;			/* offer permessage-deflate, default 1 */
	char event_loop[8];		/* "auto" (libuv, else poll), "uv" or "poll" */
	char config_file[PATH_MAX];	/* the file that was read, "" if none */
	/* "lab-limits = LAB-ID LIMITS" (repeatable): applied after cell_limits
	 * to that lab's cells, e.g. a larger workspace for one lab */
	struct {
		char lab[64];
		char limits[192];
	} lab_limits[CONFIG_LAB_LIMITS_MAX];
	int nlab_limits;
};

/* Fills every field with its default (no file is read). */
void config_defaults(struct config *c);

/*
 * Sets one key from text.  Returns 0, or -1 with a message in err (names
 * the key and why).  Unknown keys are errors, so typos are not ignored.
 */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);

/*
 * Reads a config file.  Returns 0, or -1 with "FILE:LINE: message" in err.
 * A missing file is an error when it was named explicitly (must_exist).
 */
int config_load_file(struct config *c, const char *path, int must_exist, char *err, size_t errlen);

/*
 * Defaults + the config file (explicit path or the default search) +
 * the --data override (NULL: keep).  The common path for every command
 * that touches the store.  Returns 0 or -1 with err set.
 */
int config_resolve(struct config *c, const char *config_path, const char *data_dir,
    char *err, size_t errlen);

/* The lab-limits text for lab_id ("" never), or NULL when it has none. */
const char *config_lab_limits(const struct config *c, const char *lab_id);

/* "<data_dir>/labhub.db" into buf. Returns 0, or -1 if it does not fit. */
int config_db_path(const struct config *c, char *buf, size_t len);

/* Creates data_dir (and parents) with mode 0700 if missing. 0 or -1 (errno). */
int config_ensure_data_dir(const struct config *c);

#endif
