/*
 * cliutil: shared plumbing of the admin subcommands; see cliutil.h.
 */
#include <config.h>

#include <errno.h>
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

#include "server/cliutil.h"
#include "server/config.h"

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
