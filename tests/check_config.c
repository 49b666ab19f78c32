/*
 * check_config: the config file format and per-key validation.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"

static char tmpdir[] = "/tmp/labhub-check-config-XXXXXX";

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
}

static const char *
write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

START_TEST(defaults_are_sane)
{
	struct config c;

	config_defaults(&c);
	ck_assert_str_eq(c.listen_host, "127.0.0.1");
	ck_assert_int_eq(c.listen_port, 8080);
	ck_assert_uint_eq(c.max_message, 64 * 1024);
	ck_assert_int_eq(c.norigins, 0);
	ck_assert(c.data_dir[0] == '/');
	ck_assert_str_eq(c.event_loop, "auto");
	ck_assert_int_eq(c.ws_deflate, 1);
	ck_assert_uint_eq(c.busy_output_rate, 2 * 1024 * 1024);
	ck_assert_int_eq(c.cell_spares, 2);
	ck_assert_int_eq(c.workspace_spares, 32);
}
END_TEST

static const struct {
	const char *key, *value;
	int ok;
} set_cases[] = {
	{ "lab-limits", "rpki-roa workspace=256M,memory=512M", 1 },
	{ "lab-limits", "rpki-roa", 0 },
	{ "lab-limits", "Bad/Id workspace=1M", 0 },
	{ "lab-limits", "rpki-roa workspace=huge", 0 },
	{ "listen", "0.0.0.0:9000", 1 },
	{ "listen", "[::1]:8443", 1 },
	{ "listen", ":0", 1 },
	{ "listen", "localhost", 0 },
	{ "listen", "127.0.0.1:70000", 0 },
	{ "listen", "127.0.0.1:80x", 0 },
	{ "max-message", "64K", 1 },
	{ "max-message", "1MiB", 1 },
	{ "max-message", "12", 0 },
	{ "max-message", "-5", 0 },
	{ "max-message", "5Q", 0 },
	{ "session-hours", "0", 0 },
	{ "session-hours", "24", 1 },
	{ "origins", "https://lab.example.org, http://127.0.0.1:8080", 1 },
	{ "origins", "ftp://x", 0 },
	{ "event-loop", "auto", 1 },
	{ "event-loop", "uv", 1 },
	{ "event-loop", "poll", 1 },
	{ "event-loop", "epoll", 0 },
	{ "event-loop", "", 0 },
	{ "ws-deflate", "no", 1 },
	{ "ws-deflate", "yes", 1 },
	{ "ws-deflate", "maybe", 0 },
	{ "busy-output-rate", "0", 1 },
	{ "busy-output-rate", "4M", 1 },
	{ "busy-output-rate", "1K", 0 },
	{ "busy-output-rate", "fast", 0 },
	{ "cell-spares", "0", 1 },
	{ "cell-spares", "8", 1 },
	{ "cell-spares", "9", 0 },
	{ "cell-spares", "-1", 0 },
	{ "workspace-spares", "0", 1 },
	{ "workspace-spares", "256", 1 },
	{ "workspace-spares", "257", 0 },
	{ "workspace-spares", "x", 0 },
	{ "no-such-key", "1", 0 },
};

START_TEST(set_table)
{
	struct config c;
	char err[256] = "";
	int r;

	config_defaults(&c);
	r = config_set(&c, set_cases[_i].key, set_cases[_i].value, err, sizeof err);
	if (set_cases[_i].ok)
		ck_assert_msg(r == 0, "%s=%s: %s", set_cases[_i].key, set_cases[_i].value, err);
	else {
		ck_assert_msg(r == -1, "%s=%s accepted", set_cases[_i].key, set_cases[_i].value);
		ck_assert_msg(strstr(err, set_cases[_i].key) != NULL || strstr(err, "unknown") != NULL,
		    "error does not name the key: %s", err);
	}
}
END_TEST

START_TEST(lab_limits_per_lab)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	ck_assert_ptr_null(config_lab_limits(&c, "rpki-roa"));
	ck_assert_int_eq(config_set(&c, "lab-limits", "rpki-roa workspace=256M", err, sizeof err), 0);
	ck_assert_int_eq(config_set(&c, "lab-limits", "hello-shell  workspace=8M", err, sizeof err), 0);
	ck_assert_int_eq(config_set(&c, "lab-limits", "rpki-roa workspace=1G", err, sizeof err), 0);
	ck_assert_str_eq(config_lab_limits(&c, "rpki-roa"), "workspace=1G");	/* the later line wins */
	ck_assert_str_eq(config_lab_limits(&c, "hello-shell"), "workspace=8M");
	ck_assert_ptr_null(config_lab_limits(&c, "dnssec-sign-zone"));
}
END_TEST

START_TEST(listen_parses_v6_and_port)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "listen", "[::1]:8443", err, sizeof err), 0);
	ck_assert_str_eq(c.listen_host, "::1");
	ck_assert_int_eq(c.listen_port, 8443);
}
END_TEST

START_TEST(file_with_comments)
{
	struct config c;
	char err[256];
	const char *p = write_file("a.conf",
	    "# labhub\n\n  listen = 127.0.0.2:8081   # inline\ndata=/srv/labhub\n"
	    "origins = https://a.example, https://b.example\n");

	config_defaults(&c);
	ck_assert_msg(config_load_file(&c, p, 1, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(c.listen_host, "127.0.0.2");
	ck_assert_int_eq(c.listen_port, 8081);
	ck_assert_str_eq(c.data_dir, "/srv/labhub");
	ck_assert_int_eq(c.norigins, 2);
	ck_assert_str_eq(c.origins[1], "https://b.example");
	ck_assert_str_eq(c.config_file, p);
}
END_TEST

START_TEST(file_error_names_line)
{
	struct config c;
	char err[256];
	const char *p = write_file("b.conf", "listen = 127.0.0.1:8080\nbogus line\n");

	config_defaults(&c);
	ck_assert_int_eq(config_load_file(&c, p, 1, err, sizeof err), -1);
	ck_assert_msg(strstr(err, ":2:") != NULL, "%s", err);
}
END_TEST

START_TEST(missing_file)
{
	struct config c;
	char err[256];
	char path[300];

	snprintf(path, sizeof path, "%s/none.conf", tmpdir);
	config_defaults(&c);
	ck_assert_int_eq(config_load_file(&c, path, 0, err, sizeof err), 0);
	ck_assert_int_eq(config_load_file(&c, path, 1, err, sizeof err), -1);
}
END_TEST

START_TEST(resolve_flag_overrides_file)
{
	struct config c;
	char err[256], db[PATH_MAX];
	const char *p = write_file("c.conf", "data = /srv/a\n");

	ck_assert_int_eq(config_resolve(&c, p, NULL, err, sizeof err), 0);
	ck_assert_str_eq(c.data_dir, "/srv/a");
	ck_assert_int_eq(config_resolve(&c, p, "/srv/b", err, sizeof err), 0);
	ck_assert_str_eq(c.data_dir, "/srv/b");
	ck_assert_int_eq(config_db_path(&c, db, sizeof db), 0);
	ck_assert_str_eq(db, "/srv/b/labhub.db");
}
END_TEST

START_TEST(ensure_data_dir_creates_parents)
{
	struct config c;
	char err[256], path[300];

	snprintf(path, sizeof path, "%s/x/y/data", tmpdir);
	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "data", path, err, sizeof err), 0);
	ck_assert_int_eq(config_ensure_data_dir(&c), 0);
	ck_assert_int_eq(access(path, W_OK), 0);
	ck_assert_int_eq(config_ensure_data_dir(&c), 0);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_set_timeout(tc, 10);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_are_sane);
	tcase_add_loop_test(tc, set_table, 0, sizeof set_cases / sizeof set_cases[0]);
	tcase_add_test(tc, listen_parses_v6_and_port);
	tcase_add_test(tc, lab_limits_per_lab);
	tcase_add_test(tc, file_with_comments);
	tcase_add_test(tc, file_error_names_line);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, resolve_flag_overrides_file);
	tcase_add_test(tc, ensure_data_dir_creates_parents);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
