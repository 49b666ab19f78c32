/*
 * cliutil: shared plumbing of the admin subcommands; see cliutil.h.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "server/cli.h"
#include "server/cliutil.h"
#include "server/config.h"

int
cliutil_main(const struct cliutil_cmd *cmd, const struct cliutil_action *actions, int argc,
    char **argv)
{
	const struct cliutil_action *act;
	const char *action;

	if (argc < 2) {
		cmd->usage(stderr);
		return EXIT_USAGE;
	}
	action = argv[1];
	if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0 || strcmp(action, "help") == 0) {
		cmd->usage(stdout);
		return 0;
	}
	if (action[0] == '-') {
		/* "the action (add, list or passwd) comes first" */
		fprintf(stderr, "labhub %s: the action (", cmd->name);
		for (act = actions; act->name != NULL; act++)
			fprintf(stderr, "%s%s", act == actions ? "" : act[1].name != NULL ? ", " : " or ",
			    act->name);
		fprintf(stderr, ") comes first\n\n");
		cmd->usage(stderr);
		return EXIT_USAGE;
	}
	if (cmd->sodium && auth_init() != 0) {
		fprintf(stderr, "labhub %s: libsodium failed to initialise\n", cmd->name);
		return 1;
	}
	for (act = actions; act->name != NULL; act++)
		if (strcmp(action, act->name) == 0)
			return act->run(argc - 1, argv + 1);
	fprintf(stderr, "labhub %s: unknown action '%s' (try 'labhub %s --help')\n", cmd->name, action,
	    cmd->name);
	return EXIT_USAGE;
}

/* getopt_long values of the common options; a command's own are 1..CLIUTIL_OPTS_MAX */
enum { OPT_DATA = 0x1001, OPT_CONFIG };

int
cliutil_parse(const struct cliutil_cmd *cmd, const char *action, int argc, char **argv,
    const struct cliutil_opt *opts, int npos, struct cliutil_store_args *store,
    const char **operand)
{
	struct option table[CLIUTIL_OPTS_MAX + 4];
	const struct cliutil_opt *opt;
	int n, o;

	assert(npos == 0 || npos == 1);
	for (n = 0; opts[n].name != NULL; n++) {
		assert(n < CLIUTIL_OPTS_MAX);
		assert((opts[n].value != NULL) != (opts[n].flag != NULL));
		table[n] = (struct option){ opts[n].name,
			opts[n].value != NULL ? required_argument : no_argument, NULL, n + 1 };
	}
	table[n++] = (struct option){ "data", required_argument, NULL, OPT_DATA };
	table[n++] = (struct option){ "config", required_argument, NULL, OPT_CONFIG };
	table[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	table[n] = (struct option){ NULL, 0, NULL, 0 };

	memset(store, 0, sizeof *store);
	*operand = NULL;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "h", table, NULL)) != -1) {
		opt = o >= 1 && o <= CLIUTIL_OPTS_MAX ? &opts[o - 1] : NULL;
		if (o == 'h') {
			cmd->usage(stdout);
			return 0;
		} else if (o == OPT_DATA) {
			store->data_dir = optarg;
		} else if (o == OPT_CONFIG) {
			store->config = optarg;
		} else if (opt != NULL && opt->allowed) {
			if (opt->value != NULL)
				*opt->value = optarg;
			else
				*opt->flag = 1;
		} else {
			/* argv[optind - 1]: the option, or the value of one this action refuses */
			fprintf(stderr, "labhub %s %s: unknown option or missing value: %s"
			    " (try 'labhub %s --help')\n", cmd->name, action, argv[optind - 1], cmd->name);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != npos) {
		fprintf(stderr, "labhub %s %s: %s%s (try 'labhub %s --help')\n", cmd->name, action,
		    argc - optind < npos ? "missing " : "too many arguments",
		    argc - optind < npos ? cmd->operand : "", cmd->name);
		return EXIT_USAGE;
	}
	if (npos > 0)
		*operand = argv[optind];
	return -1;
}

/*
 * `sudo labhub user add ...` on a server whose data directory belongs to
 * the service account must not leave root-owned files there that the
 * server then cannot open: root takes the owner's uid and gid first (the
 * audit actor was noted before, so it still says who ran the command).
 */
static int
become_owner(const char *cmd, const char *dir)
{
	struct stat sb;
	char actor[128];

	if (geteuid() != 0 || stat(dir, &sb) != 0 || sb.st_uid == 0)
		return 0;
	cliutil_actor(actor, sizeof actor);	/* remembered */
	if (setgroups(0, NULL) != 0 || setgid(sb.st_gid) != 0 || setuid(sb.st_uid) != 0) {
		fprintf(stderr, "labhub %s: cannot switch to the owner (uid %lu) of %s: %s\n", cmd,
		    (unsigned long)sb.st_uid, dir, strerror(errno));
		return 1;
	}
	return 0;
}

int
cliutil_open_store(const char *cmd, const struct cliutil_store_args *a, unsigned flags,
    struct store **out)
{
	struct config c;
	char err[512], path[PATH_MAX];

	if (config_resolve(&c, a->config, a->data_dir, err, sizeof err) != 0) {
		fprintf(stderr, "labhub %s: %s\n", cmd, err);
		return 1;
	}
	if (config_ensure_data_dir(&c) != 0) {
		fprintf(stderr, "labhub %s: cannot create data directory %s: %s\n", cmd, c.data_dir,
		    strerror(errno));
		return 1;
	}
	if (become_owner(cmd, c.data_dir) != 0)
		return 1;
	if (config_db_path(&c, path, sizeof path) != 0) {
		fprintf(stderr, "labhub %s: data directory path is too long\n", cmd);
		return 1;
	}
	if (store_open(path, flags, out, err, sizeof err) != STORE_OK) {
		fprintf(stderr, "labhub %s: %s\n", cmd, err);
		return 1;
	}
	return 0;
}

void
cliutil_audit(const char *cmd, struct store *s, const char *action, const char *target,
    const char *detail)
{
	char actor[STORE_AUDIT_FIELD_MAX + 1];

	cliutil_actor(actor, sizeof actor);
	if (store_audit_add(s, actor, action, target, detail) != STORE_OK)
		fprintf(stderr, "labhub %s: warning: could not write the audit log\n", cmd);
}

void
cliutil_actor(char *buf, size_t len)
{
	static char actor[128];
	struct passwd *pw;

	if (actor[0] == '\0') {
		pw = getpwuid(geteuid());
		if (pw != NULL && pw->pw_name != NULL && strlen(pw->pw_name) < 100)
			snprintf(actor, sizeof actor, "cli:%s", pw->pw_name);
		else
			snprintf(actor, sizeof actor, "cli:uid%lu", (unsigned long)geteuid());
	}
	snprintf(buf, len, "%s", actor);
}

/* One line from f into buf without its line end. 0, or -1 (EOF, too long). */
static int
read_line(FILE *f, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, f) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f))
		return -1;		/* longer than the buffer */
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* Prompts on stderr and reads a line from the terminal on stdin without echo. */
static int
read_hidden(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int rc;

	/* echo off before the prompt, so nothing typed after it is shown */
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) != 0)
		return -1;
	fputs(prompt, stderr);
	fflush(stderr);
	rc = read_line(stdin, buf, len);
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	return rc;
}

int
cliutil_get_password(const char *cmd, int from_stdin, char *buf, size_t len, int *generated)
{
	char again[AUTH_PASSWORD_MAX + 2];
	int same;

	*generated = 0;
	if (from_stdin) {
		if (read_line(stdin, buf, len) != 0) {
			fprintf(stderr, "labhub %s: no password on standard input (or longer than %d bytes)\n",
			    cmd, AUTH_PASSWORD_MAX);
			return 1;
		}
	} else if (isatty(STDIN_FILENO)) {
		if (read_hidden("New password: ", buf, len) != 0 ||
		    read_hidden("Repeat password: ", again, sizeof again) != 0) {
			fprintf(stderr, "labhub %s: could not read the password\n", cmd);
			return 1;
		}
		same = strcmp(buf, again) == 0;
		sodium_memzero(again, sizeof again);
		if (!same) {
			fprintf(stderr, "labhub %s: the passwords do not match\n", cmd);
			return 1;
		}
	} else {
		char gen[AUTH_GENPASS_SIZE];

		auth_password_generate(gen);
		snprintf(buf, len, "%s", gen);
		sodium_memzero(gen, sizeof gen);
		*generated = 1;
		return 0;
	}
	if (strlen(buf) < CLIUTIL_PASSWORD_MIN) {
		fprintf(stderr, "labhub %s: the password must have at least %d characters\n", cmd,
		    CLIUTIL_PASSWORD_MIN);
		return 1;
	}
	if (strlen(buf) > AUTH_PASSWORD_MAX) {
		fprintf(stderr, "labhub %s: the password is longer than %d bytes\n", cmd, AUTH_PASSWORD_MAX);
		return 1;
	}
	return 0;
}

void
cliutil_format_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "%lld", t);
}
