/*
 * check_cli: `labhub user|cohort|db` as an admin uses them — the built
 * binary ($LABHUB) is run with fork/exec on a temporary data directory,
 * and its exit status, output and the database it leaves are checked.
 */
#include <config.h>

#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/auth.h"
#include "server/store.h"

static char tmpdir[] = "/tmp/labhub-check-cli-XXXXXX";
static char datadir[300];
static char out[16384], errout[16384];

static const char *
labhub_path(void)
{
	const char *p = getenv("LABHUB");

	return p != NULL && *p != '\0' ? p : "./labhub";
}

static void
setup(void)
{
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(datadir, sizeof datadir, "%s/data", tmpdir);
	/* never pick up a config file from the machine running the tests */
	setenv("LABHUB_CONFIG", "/dev/null", 1);
	ck_assert_int_eq(auth_init(), 0);
}

static void
teardown(void)
{
	char cmd[400];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/*
 * Runs labhub with the NULL-terminated arguments, stdin_text on standard
 * input (NULL: /dev/null).  Returns the exit status; out/errout get the
 * output.
 */
static int
run(const char *stdin_text, ...)
{
	char *argv[32], inpath[400], outpath[400], errpath[400];
	va_list ap;
	int argc = 0, status, fd;
	pid_t pid;

	argv[argc++] = (char *)labhub_path();
	va_start(ap, stdin_text);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		ck_assert_int_lt(++argc, 31);
	va_end(ap);
	snprintf(inpath, sizeof inpath, "%s/stdin", tmpdir);
	snprintf(outpath, sizeof outpath, "%s/stdout", tmpdir);
	snprintf(errpath, sizeof errpath, "%s/stderr", tmpdir);
	fd = open(inpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	if (stdin_text != NULL)
		ck_assert_int_eq(write(fd, stdin_text, strlen(stdin_text)), (ssize_t)strlen(stdin_text));
	close(fd);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open(inpath, O_RDONLY);
		int o = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || o < 0 || e < 0)
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	slurp(outpath, out, sizeof out);
	slurp(errpath, errout, sizeof errout);
	ck_assert_msg(WIFEXITED(status), "labhub %s died: status %d", argv[1], status);
	ck_assert_msg(WEXITSTATUS(status) != 127, "cannot run %s", argv[0]);
	return WEXITSTATUS(status);
}

static struct store *
open_db(void)
{
	char path[400], err[256];
	struct store *s = NULL;

	snprintf(path, sizeof path, "%s/labhub.db", datadir);
	ck_assert_msg(store_open(path, 0, &s, err, sizeof err) == STORE_OK, "%s", err);
	return s;
}

/* ---- help and usage errors ------------------------------------------- */

static const struct {
	const char *args[6];
	int status;
	const char *needle;		/* in stdout for 0, in stderr otherwise */
} usage_cases[] = {
	{ { "user", "--help" }, 0, "labhub user add NAME --role" },
	{ { "user", "add", "--help" }, 0, "--password-stdin" },
	{ { "cohort", "--help" }, 0, "--instructor USER" },
	{ { "db", "--help" }, 0, "labhub db backup FILE" },
	{ { "db", "backup", "-h" }, 0, "--force" },
	{ { "user" }, 2, "usage:" },
	{ { "cohort" }, 2, "usage:" },
	{ { "user", "frobnicate" }, 2, "unknown action 'frobnicate'" },
	{ { "user", "add" }, 2, "missing the user NAME" },
	{ { "user", "add", "amy" }, 2, "--role" },
	{ { "user", "add", "amy", "--role", "wizard" }, 2, "unknown role 'wizard'" },
	{ { "user", "add", "Amy Smith", "--role", "learner" }, 2, "invalid name" },
	{ { "user", "add", "amy", "bob", "--role", "admin" }, 2, "too many arguments" },
	{ { "user", "list", "--password-stdin" }, 2, "unknown option" },
	{ { "user", "passwd" }, 2, "missing the user NAME" },
	{ { "user", "disable", "--bogus", "x" }, 2, "unknown option" },
	{ { "cohort", "create", "Room" }, 2, "--instructor USER is required" },
	{ { "cohort", "create" }, 2, "missing the cohort NAME" },
	{ { "cohort", "list", "extra" }, 2, "too many arguments" },
	{ { "db" }, 2, "usage:" },
	{ { "db", "backup" }, 2, "missing the backup FILE" },
	{ { "db", "migrate", "--force" }, 2, "unknown option" },
	{ { "db", "vacuum" }, 2, "unknown action 'vacuum'" },
	/* the action list and the operand name come from each command's table */
	{ { "user", "--role", "admin" }, 2, "the action (add, list, passwd, disable or enable) comes first" },
	{ { "cohort", "-x" }, 2, "labhub cohort: the action (create or list) comes first" },
	{ { "db", "--force" }, 2, "labhub db: the action (migrate or backup) comes first" },
	{ { "cohort", "join" }, 2, "labhub cohort: unknown action 'join' (try 'labhub cohort --help')" },
	{ { "cohort", "list", "--role", "x" }, 2, "labhub cohort list: unknown option" },
	{ { "db", "backup", "a", "b" }, 2, "labhub db backup: too many arguments (try 'labhub db --help')" },
	{ { "user", "enable", "--force" }, 2, "labhub user enable: unknown option or missing value: --force" },
	{ { "user", "enable", "--help" }, 0, "labhub user disable NAME" },
	{ { "cohort", "list", "-h" }, 0, "--instructor USER" },
	{ { "db", "migrate", "--help" }, 0, "labhub db migrate" },
};

START_TEST(usage_and_help)
{
	const char *a[6];
	char *argv[12];
	int i, n = 0, status;
	pid_t pid;
	char outpath[400], errpath[400];

	memcpy(a, usage_cases[_i].args, sizeof a);
	argv[n++] = (char *)labhub_path();
	for (i = 0; i < 6 && a[i] != NULL; i++)
		argv[n++] = (char *)a[i];
	argv[n++] = (char *)"--data";
	argv[n++] = datadir;
	argv[n] = NULL;
	/* --data last: getopt permutes, and help/usage errors must not need it */
	snprintf(outpath, sizeof outpath, "%s/stdout", tmpdir);
	snprintf(errpath, sizeof errpath, "%s/stderr", tmpdir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	slurp(outpath, out, sizeof out);
	slurp(errpath, errout, sizeof errout);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == usage_cases[_i].status, "case %d (%s %s): exit %d, stderr: %s",
	    _i, a[0], a[1] ? a[1] : "", WEXITSTATUS(status), errout);
	ck_assert_msg(strstr(usage_cases[_i].status == 0 ? out : errout, usage_cases[_i].needle) != NULL,
	    "case %d: '%s' not in: %s%s", _i, usage_cases[_i].needle, out, errout);
}
END_TEST

/* ---- users ------------------------------------------------------------ */

START_TEST(user_add_list_passwd_disable)
{
	struct store_user u;
	struct store *s;
	char gen[64], *p;
	unsigned char tok[STORE_TOKEN_HASH_LEN];
	struct stat sb;
	char dbpath[400];

	ck_assert_int_eq(run("correct horse battery\n", "user", "add", "tina", "--role", "instructor",
	    "--password-stdin", "--data", datadir, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "tina"));
	ck_assert_ptr_null(strstr(out, "password:"));		/* nothing to show */
	/* stdin is not a terminal and no --password-stdin: a generated password, shown once */
	ck_assert_int_eq(run(NULL, "user", "add", "--data", datadir, "root", "--role=admin", NULL), 0);
	p = strstr(out, "password: ");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p, "password: %63s", gen), 1);
	ck_assert_uint_ge(strlen(gen), 16);

	ck_assert_int_eq(run("x\n", "user", "add", "tina", "--role", "admin", "--password-stdin",
	    "--data", datadir, NULL), 1);
	ck_assert_ptr_nonnull(strstr(errout, "already exists"));
	ck_assert_int_eq(run("short\n", "user", "add", "bob", "--role", "admin", "--password-stdin",
	    "--data", datadir, NULL), 1);
	ck_assert_ptr_nonnull(strstr(errout, "at least 8"));
	ck_assert_int_eq(run("", "user", "add", "bob", "--role", "admin", "--password-stdin",
	    "--data", datadir, NULL), 1);
	ck_assert_int_eq(run(NULL, "user", "add", "bob", "--role", "admin", "--data", NULL), 2);
	ck_assert_ptr_nonnull(strstr(errout, "missing value"));

	s = open_db();
	ck_assert_int_eq(store_user_get_by_name(s, "tina", &u), STORE_OK);
	ck_assert_int_eq(u.role, STORE_ROLE_INSTRUCTOR);
	ck_assert_int_eq(auth_password_verify(u.pwhash, "correct horse battery", 21), 0);
	ck_assert_int_eq(store_user_get_by_name(s, "root", &u), STORE_OK);
	ck_assert_int_eq(u.role, STORE_ROLE_ADMIN);
	ck_assert_int_eq(auth_password_verify(u.pwhash, gen, strlen(gen)), 0);
	ck_assert_int_eq(store_user_get_by_name(s, "bob", &u), STORE_NOTFOUND);
	/* tina signs in somewhere */
	memset(tok, 7, sizeof tok);
	ck_assert_int_eq(store_user_get_by_name(s, "tina", &u), STORE_OK);
	ck_assert_int_eq(store_session_create(s, tok, u.id, time(NULL) + 3600), STORE_OK);
	store_close(s);
	/* the database holds hashes: nobody else may read it */
	snprintf(dbpath, sizeof dbpath, "%s/labhub.db", datadir);
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);

	ck_assert_int_eq(run(NULL, "user", "list", "--data", datadir, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "NAME"));
	ck_assert_ptr_nonnull(strstr(out, "root "));
	ck_assert_ptr_nonnull(strstr(out, "instructor"));
	ck_assert(strstr(out, "root") < strstr(out, "tina"));

	ck_assert_int_eq(run("a new long password\n", "user", "passwd", "tina", "--password-stdin",
	    "--data", datadir, NULL), 0);
	ck_assert_int_eq(run(NULL, "user", "passwd", "nobody", "--data", datadir, NULL), 1);
	ck_assert_ptr_nonnull(strstr(errout, "no user named 'nobody'"));
	s = open_db();
	ck_assert_int_eq(store_user_get_by_name(s, "tina", &u), STORE_OK);
	ck_assert_int_eq(auth_password_verify(u.pwhash, "a new long password", 19), 0);
	ck_assert_int_eq(auth_password_verify(u.pwhash, "correct horse battery", 21), -1);
	/* changing the password signed tina out */
	ck_assert_int_eq(store_session_lookup(s, tok, time(NULL), NULL, NULL), STORE_NOTFOUND);
	store_close(s);

	ck_assert_int_eq(run(NULL, "user", "disable", "tina", "--data", datadir, NULL), 0);
	ck_assert_int_eq(run(NULL, "user", "list", "--data", datadir, NULL), 0);
	p = strstr(out, "tina");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "yes"));
	ck_assert_int_eq(run(NULL, "user", "enable", "tina", "--data", datadir, NULL), 0);
	s = open_db();
	ck_assert_int_eq(store_user_get_by_name(s, "tina", &u), STORE_OK);
	ck_assert_int_eq(u.disabled, 0);
	store_close(s);
}
END_TEST

/* Reads from the PTY master into buf until needle shows up or EOF/timeout. */
static int
pty_expect(int fd, char *buf, size_t len, size_t *used, const char *needle)
{
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	while (strstr(buf, needle) == NULL) {
		if (poll(&p, 1, 10000) != 1)
			return -1;
		n = read(fd, buf + *used, len - 1 - *used);
		if (n <= 0)
			return -1;
		*used += (size_t)n;
		buf[*used] = '\0';
	}
	return 0;
}

/* Runs `user add NAME --role admin` on a terminal, typing pw1 then pw2. */
static int
add_on_tty(const char *name, const char *pw1, const char *pw2, char *buf, size_t len)
{
	char *argv[] = { (char *)labhub_path(), (char *)"user", (char *)"add", (char *)name,
	    (char *)"--role", (char *)"admin", (char *)"--data", datadir, NULL };
	size_t used = 0;
	int fd, status;
	pid_t pid;
	ssize_t n;

	buf[0] = '\0';
	pid = forkpty(&fd, NULL, NULL, NULL);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	ck_assert_int_eq(pty_expect(fd, buf, len, &used, "New password: "), 0);
	ck_assert_int_eq(write(fd, pw1, strlen(pw1)), (ssize_t)strlen(pw1));
	ck_assert_int_eq(pty_expect(fd, buf, len, &used, "Repeat password: "), 0);
	ck_assert_int_eq(write(fd, pw2, strlen(pw2)), (ssize_t)strlen(pw2));
	/* drain until the child closes the terminal */
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 10000) != 1)
			break;
		n = read(fd, buf + used, len - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
	}
	close(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(password_typed_twice_on_a_terminal)
{
	static char buf[8192];
	struct store_user u;
	struct store *s;

	ck_assert_int_eq(add_on_tty("tina", "typed secret 1\n", "typed secret 1\n", buf, sizeof buf), 0);
	/* not echoed, not shown back */
	ck_assert_msg(strstr(buf, "typed secret") == NULL, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "added admin 'tina'"));
	ck_assert_int_eq(add_on_tty("tom", "typed secret 1\n", "typed secret 2\n", buf, sizeof buf), 1);
	ck_assert_ptr_nonnull(strstr(buf, "do not match"));
	s = open_db();
	ck_assert_int_eq(store_user_get_by_name(s, "tina", &u), STORE_OK);
	ck_assert_int_eq(auth_password_verify(u.pwhash, "typed secret 1", 14), 0);
	ck_assert_int_eq(store_user_get_by_name(s, "tom", &u), STORE_NOTFOUND);
	store_close(s);
}
END_TEST

/* ---- cohorts ---------------------------------------------------------- */

START_TEST(cohort_create_and_list)
{
	char code[32], norm[AUTH_JOIN_CODE_SIZE];
	struct store_cohort c;
	struct store_user u;
	struct store *s;
	char *p;

	ck_assert_int_eq(run("instructor pw 1\n", "user", "add", "tina", "--role", "instructor",
	    "--password-stdin", "--data", datadir, NULL), 0);
	ck_assert_int_eq(run("learner pw 11\n", "user", "add", "lou", "--role", "learner",
	    "--password-stdin", "--data", datadir, NULL), 0);

	ck_assert_int_eq(run(NULL, "cohort", "create", "Room 4", "--instructor", "tina",
	    "--data", datadir, NULL), 0);
	p = strstr(out, "join code: ");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p, "join code: %31s", code), 1);
	ck_assert_int_eq(auth_join_code_normalize(code, norm), 0);

	ck_assert_int_eq(run(NULL, "cohort", "create", "Room 5", "--instructor", "lou",
	    "--data", datadir, NULL), 1);
	ck_assert_ptr_nonnull(strstr(errout, "not an instructor"));
	ck_assert_int_eq(run(NULL, "cohort", "create", "Room 5", "--instructor", "nobody",
	    "--data", datadir, NULL), 1);
	ck_assert_int_eq(run(NULL, "cohort", "create", " padded", "--instructor", "tina",
	    "--data", datadir, NULL), 2);

	s = open_db();
	ck_assert_int_eq(store_cohort_get_by_join_code(s, norm, &c), STORE_OK);
	ck_assert_str_eq(c.name, "Room 4");
	ck_assert_int_eq(store_user_get_by_name(s, "tina", &u), STORE_OK);
	ck_assert_int_eq(c.instructor_id, u.id);
	ck_assert_int_eq(store_cohort_join(s, c.id, "Zoë", "$argon2id$x", NULL), STORE_OK);
	store_close(s);

	ck_assert_int_eq(run(NULL, "cohort", "list", "--data", datadir, NULL), 0);
	p = strstr(out, "Room 4");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "tina"));
	ck_assert_ptr_nonnull(strstr(p, code));
	ck_assert_ptr_nonnull(strstr(p, " 1 "));		/* one member */
	ck_assert_int_eq(run(NULL, "cohort", "list", "--instructor", "lou", "--data", datadir, NULL), 1);
}
END_TEST

/* ---- db and the audit log -------------------------------------------- */

static int
collect_audit(const struct store_audit *a, void *arg)
{
	char line[400];

	ck_assert_msg(strncmp(a->actor, "cli:", 4) == 0, "actor %s", a->actor);
	snprintf(line, sizeof line, "%s:%s ", a->action, a->target);
	strcat(arg, line);
	return 0;
}

START_TEST(db_migrate_backup_and_audit)
{
	static char actions[4096];
	char backup[400];
	struct store_user u;
	struct store *s;
	char err[256];

	ck_assert_int_eq(run(NULL, "db", "migrate", "--data", datadir, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "schema version 0 -> "));
	ck_assert_int_eq(run(NULL, "db", "migrate", "--data", datadir, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "up to date"));

	ck_assert_int_eq(run("instructor pw 1\n", "user", "add", "tina", "--role", "instructor",
	    "--password-stdin", "--data", datadir, NULL), 0);
	snprintf(backup, sizeof backup, "%s/copy.db", tmpdir);
	ck_assert_int_eq(run(NULL, "db", "backup", backup, "--data", datadir, NULL), 0);
	ck_assert_int_eq(run(NULL, "db", "backup", backup, "--data", datadir, NULL), 1);
	ck_assert_ptr_nonnull(strstr(errout, "--force"));
	ck_assert_int_eq(run(NULL, "db", "backup", "--force", backup, "--data", datadir, NULL), 0);

	s = NULL;
	ck_assert_int_eq(store_open(backup, STORE_OPEN_NOMIGRATE, &s, err, sizeof err), STORE_OK);
	ck_assert_int_eq(store_user_get_by_name(s, "tina", &u), STORE_OK);
	store_close(s);

	ck_assert_int_eq(run(NULL, "user", "disable", "tina", "--data", datadir, NULL), 0);
	ck_assert_int_eq(run(NULL, "cohort", "create", "R", "--instructor", "tina", "--data", datadir,
	    NULL), 1);
	s = open_db();
	ck_assert_int_eq(store_audit_list(s, 0, collect_audit, actions), STORE_OK);
	store_close(s);
	/* newest first; failed commands leave no entry */
	ck_assert_msg(strstr(actions, "user.disable:tina db.backup:") == actions, "%s", actions);
	ck_assert_ptr_nonnull(strstr(actions, "user.add:tina db.migrate:"));
}
END_TEST

START_TEST(config_file_gives_the_data_dir)
{
	char conf[400], line[400];
	FILE *f;

	snprintf(conf, sizeof conf, "%s/labhub.conf", tmpdir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "# test\ndata = %s\n", datadir);
	fclose(f);
	ck_assert_int_eq(run("instructor pw 1\n", "user", "add", "tina", "--role", "instructor",
	    "--password-stdin", "--config", conf, NULL), 0);
	ck_assert_int_eq(run(NULL, "user", "list", "--data", datadir, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "tina"));
	snprintf(line, sizeof line, "%s/missing.conf", tmpdir);
	ck_assert_int_eq(run(NULL, "user", "list", "--config", line, NULL), 1);
}
END_TEST

START_TEST(root_acts_as_the_data_dir_owner)
{
	struct stat sb;
	char path[400];

	if (geteuid() != 0)
		return;			/* only root can hand files to another user */
	ck_assert_int_eq(chmod(tmpdir, 0711), 0);
	ck_assert_int_eq(mkdir(datadir, 0700), 0);
	ck_assert_int_eq(chown(datadir, 65534, 65534), 0);
	ck_assert_int_eq(run("instructor pw 1\n", "user", "add", "tina", "--role", "instructor",
	    "--password-stdin", "--data", datadir, NULL), 0);
	snprintf(path, sizeof path, "%s/labhub.db", datadir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_uid, 65534);
	/* the audit log still names who ran it */
	ck_assert_int_eq(run(NULL, "user", "list", "--data", datadir, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "tina"));
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *su = suite_create("cli");
	TCase *tc;

	tc = tcase_create("usage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, usage_and_help, 0, sizeof usage_cases / sizeof usage_cases[0]);
	suite_add_tcase(su, tc);

	/* every user add hashes with production Argon2id limits (64 MiB) */
	tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, user_add_list_passwd_disable);
	tcase_add_test(tc, password_typed_twice_on_a_terminal);
	tcase_add_test(tc, cohort_create_and_list);
	tcase_add_test(tc, db_migrate_backup_and_audit);
	tcase_add_test(tc, config_file_gives_the_data_dir);
	tcase_add_test(tc, root_acts_as_the_data_dir_owner);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(cli_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
