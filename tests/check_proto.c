/*
 * check_proto: every labhub.v1 control message is validated before a
 * handler sees it; a bad one maps to a stable error code.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "server/proto.h"

static const struct {
	const char *text;
	const char *code;		/* NULL: valid */
	const char *field;		/* expected culprit, NULL: don't care */
} cases[] = {
	{ "{\"type\":\"hello\"}", NULL, NULL },
	{ "{\"type\":\"ping\",\"id\":7}", NULL, NULL },
	{ "{\"type\":\"ping\",\"id\":\"req-1\"}", NULL, NULL },
	{ "{\"type\":\"lab.open\",\"lab\":\"hello-shell\"}", NULL, NULL },
	{ "{\"type\":\"check\",\"attempt\":3,\"step\":\"s1\",\"answer\":\"rw-\"}", NULL, NULL },
	{ "{\"type\":\"hint\",\"attempt\":3,\"step\":\"s1\",\"index\":0}", NULL, NULL },
	{ "{\"type\":\"cell.resize\",\"cols\":80,\"rows\":24}", NULL, NULL },
	{ "{\"type\":\"cohort.create\",\"name\":\"Workshop 1\"}", NULL, NULL },
	{ "{\"type\":\"cohort.lab.enable\",\"cohort\":1,\"lab\":\"hello-shell\",\"enabled\":false}", NULL, NULL },
	{ "{\"type\":\"cohort.lab.enable\",\"cohort\":1,\"lab\":\"hello-shell\",\"enabled\":0}", "bad_message", "enabled" },
	{ "{\"type\":\"audit.list\",\"limit\":5000}", "bad_message", "limit" },
	{ "", "bad_json", NULL },
	{ "{", "bad_json", NULL },
	{ "{\"type\":\"ping\",\"type\":\"hello\"}", "bad_json", NULL },
	{ "[1,2]", "bad_message", NULL },
	{ "{}", "bad_message", "type" },
	{ "{\"type\":5}", "bad_message", "type" },
	{ "{\"type\":\"rm -rf\"}", "unknown_type", "type" },
	{ "{\"type\":\"ping\",\"id\":[1]}", "bad_message", "id" },
	{ "{\"type\":\"ping\",\"id\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}", "bad_message", "id" },
	{ "{\"type\":\"ping\",\"extra\":1}", "bad_message", "extra" },
	{ "{\"type\":\"lab.open\"}", "bad_message", "lab" },
	{ "{\"type\":\"lab.open\",\"lab\":7}", "bad_message", "lab" },
	{ "{\"type\":\"lab.open\",\"lab\":\"../etc\"}", "bad_message", "lab" },
	{ "{\"type\":\"lab.open\",\"lab\":\"\"}", "bad_message", "lab" },
	{ "{\"type\":\"attempt.get\",\"attempt\":0}", "bad_message", "attempt" },
	{ "{\"type\":\"attempt.get\",\"attempt\":1.5}", "bad_message", "attempt" },
	{ "{\"type\":\"attempt.get\",\"attempt\":\"1\"}", "bad_message", "attempt" },
	{ "{\"type\":\"cell.resize\",\"cols\":80}", "bad_message", "rows" },
	{ "{\"type\":\"cell.resize\",\"cols\":100000,\"rows\":24}", "bad_message", "cols" },
	{ "{\"type\":\"hint\",\"attempt\":3,\"step\":\"s1\",\"index\":-1}", "bad_message", "index" },
	{ "{\"type\":\"cohort.create\",\"name\":\"a\\u0000b\"}", "bad_json", NULL },
	{ "{\"type\":\"cohort.create\",\"name\":\"\"}", "bad_message", "name" },
};

START_TEST(parse_table)
{
	struct proto_msg msg;
	struct proto_error err;
	int r = proto_parse(cases[_i].text, strlen(cases[_i].text), &msg, &err);

	if (cases[_i].code == NULL) {
		ck_assert_msg(r == 0, "%s: %s %s", cases[_i].text, err.code, err.message);
	} else {
		ck_assert_msg(r == -1, "%s accepted", cases[_i].text);
		ck_assert_str_eq(err.code, cases[_i].code);
		ck_assert(err.message[0] != '\0');
		if (cases[_i].field != NULL)
			ck_assert_str_eq(err.field, cases[_i].field);
	}
	proto_msg_clear(&msg);
}
END_TEST

START_TEST(id_kept_on_error)
{
	const char *t = "{\"type\":\"lab.open\",\"id\":42}";
	struct proto_msg msg;
	struct proto_error err;

	ck_assert_int_eq(proto_parse(t, strlen(t), &msg, &err), -1);
	ck_assert_ptr_nonnull(msg.id);
	ck_assert_int_eq(json_integer_value(msg.id), 42);
	proto_msg_clear(&msg);
}
END_TEST

START_TEST(accessors)
{
	const char *t = "{\"type\":\"check\",\"attempt\":9,\"step\":\"make-file\"}";
	struct proto_msg msg;
	struct proto_error err;

	ck_assert_int_eq(proto_parse(t, strlen(t), &msg, &err), 0);
	ck_assert_int_eq(msg.type, PROTO_CHECK);
	ck_assert_str_eq(proto_type_name(msg.type), "check");
	ck_assert_int_eq(proto_int(&msg, "attempt"), 9);
	ck_assert_str_eq(proto_str(&msg, "step"), "make-file");
	ck_assert(!proto_has(&msg, "answer"));
	ck_assert_ptr_null(proto_str(&msg, "answer"));
	proto_msg_clear(&msg);
}
END_TEST

START_TEST(not_nul_terminated)
{
	char buf[32];
	struct proto_msg msg;
	struct proto_error err;

	memset(buf, 'x', sizeof buf);
	memcpy(buf, "{\"type\":\"ping\"}", 15);
	ck_assert_int_eq(proto_parse(buf, 15, &msg, &err), 0);
	proto_msg_clear(&msg);
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, parse_table, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, id_kept_on_error);
	tcase_add_test(tc, accessors);
	tcase_add_test(tc, not_nul_terminated);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
