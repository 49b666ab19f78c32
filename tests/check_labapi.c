/*
 * check_labapi: the lab API end to end through lab_exec() (labs/exec.c):
 * the JSON a server receives for manifest, setup, check, hint and values;
 * learner feedback versus lab errors; limits met from inside a check
 * (endless loop, unbounded allocation, a command that sleeps forever);
 * context calls (run, services, seed helpers, write only in setup); labkit.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "labs/exec.h"
#include "labs/labdir.h"

static char tmp[PATH_MAX], labdir[PATH_MAX + 8], wsdir[PATH_MAX + 8], state[PATH_MAX + 8];

static void
setup(void)
{
	char p[PATH_MAX * 2];

	ck_assert_int_eq(labdir_tmp(tmp, sizeof tmp, "check"), 0);
	snprintf(labdir, sizeof labdir, "%s/lab", tmp);
	snprintf(wsdir, sizeof wsdir, "%s/ws", tmp);
	snprintf(state, sizeof state, "%s/st", tmp);
	mkdir(labdir, 0755);
	mkdir(wsdir, 0755);
	mkdir(state, 0700);
	snprintf(p, sizeof p, "%s/steps", labdir);
	mkdir(p, 0755);
}

static void
teardown(void)
{
	labdir_rm_rf(tmp);
}

static void
write_lab(const char *body)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof p, "%s/lab.lua", labdir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "lab { id = \"t\", title = \"T\", version = 2, needs = { \"sh\", \"no-such-tool-xyz\" } }\n%s", body);
	fclose(f);
}

static void
put_ws(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", wsdir, rel);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static json_t *
act(const char *action, const char *a1, const char *a2, const char *answer, int *status)
{
	struct lab_opts o = { .labdir = labdir, .workspace = wsdir, .seed = "alice", .statedir = state,
	    .check_ms = 2000, .limits = { .mem_max = 4u << 20 } };

	return lab_exec(&o, action, a1, a2, answer, answer ? strlen(answer) : 0, status);
}

static const char *
str(json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));

	return s != NULL ? s : "(null)";
}

static const char *
detail(json_t *j)
{
	return str(json_object_get(j, "lab_error"), "detail");
}

/* check STEP must pass (want_pass) or fail with feedback containing WANT. */
static void
check_step(const char *step, const char *answer, int want_pass, const char *want)
{
	int status;
	json_t *j = act("check", step, NULL, answer, &status);

	ck_assert_msg(status == 0, "check %s: status %d: %s", step, status, detail(j));
	ck_assert_msg(json_is_true(json_object_get(j, "passed")) == want_pass, "check %s: passed=%d, feedback %s",
	    step, !want_pass, str(j, "feedback"));
	if (want != NULL)
		ck_assert_msg(strstr(str(j, "feedback"), want) != NULL, "feedback '%s' lacks '%s'",
		    str(j, "feedback"), want);
	json_decref(j);
}

/* check STEP must be a lab error (exit 3) whose detail contains WANT. */
static void
lab_broken(const char *action, const char *step, const char *want)
{
	int status;
	json_t *j = act(action, step, NULL, NULL, &status);
	const char *ref = str(json_object_get(j, "lab_error"), "ref");

	ck_assert_msg(status == LAB_EXIT_BROKEN, "%s %s: status %d", action, step ? step : "", status);
	ck_assert(json_is_false(json_object_get(j, "ok")));
	ck_assert_msg(strstr(detail(j), want) != NULL, "detail '%s' lacks '%s'", detail(j), want);
	ck_assert_msg(strncmp(ref, "LAB-", 4) == 0 && strlen(ref) == 12, "ref %s", ref);
	ck_assert_ptr_nonnull(strstr(str(json_object_get(j, "lab_error"), "message"), "This lab has a problem"));
	json_decref(j);
}

START_TEST(manifest_describes_steps_without_secrets)
{
	int status;
	json_t *j, *steps, *s;
	char *dump;

	write_lab("step { id = 'a', title = 'A', text = 'steps/a.md', points = 7,\n"
	    "  hints = { { text = 'SECRET-HINT', cost = 2 } }, check = function(c) end }\n"
	    "step { id = 'q', title = 'Q', text = 'steps/q.md', question = { kind = 'choice', choices = { 'x', 'y' } },\n"
	    "  check = function(c, a) c:expect(a == 'SECRET-ANSWER', 'no') end }\n");
	j = act("manifest", NULL, NULL, NULL, &status);
	ck_assert_msg(status == 0, "%s", detail(j));
	dump = json_dumps(j, 0);
	ck_assert_ptr_null(strstr(dump, "SECRET"));
	free(dump);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "total_points")), 17);
	ck_assert_str_eq(str(json_object_get(j, "lab"), "id"), "t");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(j, "lab"), "missing"), 0)),
	    "no-such-tool-xyz");
	steps = json_object_get(j, "steps");
	ck_assert_uint_eq(json_array_size(steps), 2);
	s = json_array_get(steps, 0);
	ck_assert_str_eq(str(s, "text"), "steps/a.md");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(s, "hints"), 0), "cost")), 2);
	ck_assert(json_is_null(json_object_get(s, "question")));
	s = json_object_get(json_array_get(steps, 1), "question");
	ck_assert_str_eq(str(s, "kind"), "choice");
	ck_assert_uint_eq(json_array_size(json_object_get(s, "choices")), 2);
	json_decref(j);
	j = act("hint", "a", "1", NULL, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(str(j, "text"), "SECRET-HINT");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "cost")), 2);
	json_decref(j);
	j = act("hint", "a", "2", NULL, &status);
	ck_assert_int_eq(status, LAB_EXIT_USAGE);
	json_decref(j);
	j = act("check", "nope", NULL, NULL, &status);
	ck_assert_int_eq(status, LAB_EXIT_USAGE);
	json_decref(j);
}
END_TEST

START_TEST(feedback_versus_lab_error)
{
	write_lab("step { id = 'f', title = 'F', text = 's.md', check = function(c)\n"
	    "  local s = c:read('x.txt')\n"
	    "  c:expect(s == 'ok', 'x.txt says %q, want %s', s, 'ok') end }\n"
	    "step { id = 'q', title = 'Q', text = 's.md', question = { kind = 'text' },\n"
	    "  check = function(c, a) c:expect(a == '644', 'answer %s is wrong', a) end }\n"
	    "step { id = 'bug', title = 'B', text = 's.md', check = function(c) local t = nil; return t.x end }\n"
	    "step { id = 'choice', title = 'C', text = 's.md', question = { kind = 'choice', choices = { 'a', 'b' } },\n"
	    "  check = function(c, a) c:expect(a == 'b', 'no %s', a) end }\n"
	    "step { id = 'failnow', title = 'F', text = 's.md', check = function(c) c:fail('no %d', 5) end }\n"
	    "step { id = 'caught', title = 'C', text = 's.md', check = function(c)\n"
	    "  local ok = pcall(c.read, c, 'missing') c:expect(not ok, 'pcall saw no failure') end }\n");
	check_step("f", NULL, 0, "There is no file x.txt");
	put_ws("x.txt", "nope");
	check_step("f", NULL, 0, "x.txt says \"nope\", want ok");
	put_ws("x.txt", "ok");
	check_step("f", NULL, 1, NULL);
	check_step("q", "644", 1, NULL);
	check_step("choice", "b", 1, NULL);
	check_step("choice", "a", 0, "no a");
	check_step("choice", "c", 0, "Choose one of the answers offered");
	check_step("q", "777", 0, "answer 777 is wrong");
	check_step("failnow", NULL, 0, "no 5");
	check_step("caught", NULL, 1, NULL);
	lab_broken("check", "bug", "lab.lua:7: attempt to index a nil value");
}
END_TEST

START_TEST(broken_labs_are_lab_errors)
{
	write_lab("step { id = 'a' title = 'b' }\n");
	lab_broken("manifest", NULL, "syntax error: lab.lua:2:");
	write_lab("step { id = 'a', title = 'A', text = 's.md' }\n");
	lab_broken("manifest", NULL, "check must be a function");
	write_lab("");
	lab_broken("check", "a", "defines no step");
	write_lab("step { id = 'a', title = 'A', text = '../../etc/passwd', check = function() end }\n");
	lab_broken("manifest", NULL, "must be a path inside the lab folder");
	write_lab("step { id = 'a', title = 'A', text = 's.md', check = function(c)\n"
	    "  c:expect(io == nil and os == nil and debug == nil and package == nil, 'libs') \n"
	    "  require 'os' end }\n");
	lab_broken("check", "a", "only the built-in labkit");
}
END_TEST

START_TEST(limits_inside_checks)
{
	time_t t0 = time(NULL);

	write_lab("step { id = 'loop', title = 'L', text = 's.md', check = function(c) while true do end end }\n"
	    "step { id = 'pcall', title = 'P', text = 's.md', check = function(c)\n"
	    "  while true do pcall(function() while true do end end) end end }\n"
	    "step { id = 'mem', title = 'M', text = 's.md', check = function(c)\n"
	    "  local t = {} for i = 1, 1e9 do t[i] = string.rep('m', 1000) .. i end end }\n"
	    "step { id = 'sleep', title = 'S', text = 's.md', check = function(c)\n"
	    "  local r = c:run { 'sleep', '1000', timeout = 60 }\n"
	    "  c:expect(not r.timed_out, 'the command took too long') end }\n");
	lab_broken("check", "loop", "check: ");
	lab_broken("check", "pcall", "check: ");
	lab_broken("check", "mem", "ran out of memory");
	/* c:run is bounded by what is left of the check's 2 s. */
	check_step("sleep", NULL, 0, "took too long");
	ck_assert(time(NULL) - t0 < 20);
}
END_TEST

START_TEST(run_and_services)
{
	write_lab("step { id = 'run', title = 'R', text = 's.md', check = function(c)\n"
	    "  local r = c:run { 'sh', '-c', 'read x; echo \"got $x\"; echo oops >&2; exit 3', stdin = 'hi\\n' }\n"
	    "  c:expect(r.code == 3 and r.out == 'got hi\\n' and r.err == 'oops\\n', 'run: %d %q %q', r.code, r.out, r.err)\n"
	    "  local big = c:run { argv = { 'sh', '-c', 'head -c 1000000 /dev/zero' } }\n"
	    "  c:expect(big.truncated and #big.out == 262144, 'cap: %d', #big.out)\n"
	    "  local none = c:run { 'no-such-program-xyz' }\n"
	    "  c:expect(none.code == 127, 'missing program: %d', none.code)\n"
	    "  local cwd = c:run { 'pwd' }\n"
	    "  c:expect(cwd.out == c.workspace .. '\\n', 'cwd %s', cwd.out)\n"
	    "end }\n"
	    "step { id = 'svc', title = 'S', text = 's.md', check = function(c)\n"
	    "  c:expect(c:service_status('sl') == 'stopped', 'not stopped at first')\n"
	    "  assert(c:start_service('sl', { 'sh', '-c', 'echo started; exec sleep 100' }))\n"
	    "  c:expect(c:service_status('sl') == 'running', 'not running')\n"
	    "  assert(c:restart_service('sl'))\n"
	    "  c:expect(c:service_status('sl') == 'running', 'not running after restart')\n"
	    "  c:expect(c:service_log('sl'):find('started'), 'log: %s', c:service_log('sl'))\n"
	    "  c:stop_service('sl')\n"
	    "  c:expect(c:service_status('sl') == 'stopped', 'still running')\n"
	    "  local ok, msg = c:start_service('bad', { 'no-such-daemon-xyz' })\n"
	    "  c:expect(not ok and msg:find('exited right after starting'), 'bad daemon: %s', tostring(msg))\n"
	    "end }\n");
	check_step("run", NULL, 1, NULL);
	check_step("svc", NULL, 1, NULL);
}
END_TEST

START_TEST(setup_copies_files_and_writes_only_there)
{
	char p[PATH_MAX * 2];
	struct stat st;
	int status;
	json_t *j;
	FILE *f;

	snprintf(p, sizeof p, "%s/files", labdir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/files/given.txt", labdir);
	f = fopen(p, "w");
	fputs("given", f);
	fclose(f);
	write_lab("setup(function(c) c:write('seeded/' .. c:word('w', 5) .. '.txt', c:password('p'), '0600') end)\n"
	    "step { id = 'w', title = 'W', text = 's.md', check = function(c) c:write('x', 'y') end }\n"
	    "step { id = 'ok', title = 'O', text = 's.md', check = function(c)\n"
	    "  c:expect(c:read('given.txt') == 'given', 'not copied')\n"
	    "  local l = c:glob('seeded/*.txt') c:expect(#l == 1, 'glob %d', #l)\n"
	    "  c:expect(#c:read(l[1]) == 12 and c:stat(l[1]).perms == '0600', 'seeded') end }\n");
	j = act("setup", NULL, NULL, NULL, &status);
	ck_assert_msg(status == 0, "%s", detail(j));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "copied")), 1);
	json_decref(j);
	check_step("ok", NULL, 1, NULL);
	lab_broken("check", "w", "only allowed in setup");
	/* A second start does not copy again (the learner may have deleted it on purpose). */
	snprintf(p, sizeof p, "%s/given.txt", wsdir);
	unlink(p);
	j = act("setup", NULL, NULL, NULL, &status);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "copied")), 0);
	json_decref(j);
	ck_assert_int_eq(stat(p, &st), -1);
}
END_TEST

START_TEST(seed_helpers_are_stable_and_per_learner)
{
	struct lab_opts o = { .labdir = labdir, .workspace = wsdir, .statedir = state };
	const char *seeds[] = { "alice", "alice", "bob" };
	char vals[3][512];
	int status, i;
	json_t *j;

	write_lab("values(function(c) return { all = table.concat({ c:zone('z'), c:prefix4('p'), c:prefix6('p6'),\n"
	    "  c:asn('a'), c:password('pw'), c:word('w'), c:number('n', 1, 6), c:pick('k', { 'x', 'y', 'z' }),\n"
	    "  c:hex('h', 8) }, ' ') } end)\n"
	    "step { id = 'a', title = 'A', text = 's.md', check = function(c) end }\n");
	for (i = 0; i < 3; i++) {
		o.seed = seeds[i];
		j = lab_exec(&o, "values", NULL, NULL, NULL, 0, &status);
		ck_assert_msg(status == 0, "%s", detail(j));
		snprintf(vals[i], sizeof vals[i], "%s", str(json_object_get(j, "values"), "all"));
		json_decref(j);
	}
	ck_assert_str_eq(vals[0], vals[1]);
	ck_assert_str_ne(vals[0], vals[2]);
	{
		char zone[64], p4[32], p6[64], pw[32], w[32], hx[16], pick[4];
		unsigned a, b, c2, d, len4, asn, n;

		ck_assert_int_eq(sscanf(vals[2], "%63s %31s %63s %u %31s %31s %u %3s %15s", zone, p4, p6, &asn, pw, w, &n,
		    pick, hx), 9);
		ck_assert_ptr_nonnull(strstr(zone, ".example.test"));
		ck_assert_int_eq(sscanf(p4, "%u.%u.%u.%u/%u", &a, &b, &c2, &d, &len4), 5);
		ck_assert_uint_eq(a, 10);
		ck_assert_uint_eq(d, 0);
		ck_assert_uint_eq(len4, 24);
		ck_assert_int_eq(strncmp(p6, "2001:db8:", 9), 0);
		ck_assert_ptr_nonnull(strstr(p6, "::/48"));
		ck_assert(asn >= 64512 && asn <= 65534);
		ck_assert_uint_eq(strlen(pw), 12);
		ck_assert_uint_eq(strlen(w), 8);
		ck_assert(n >= 1 && n <= 6);
		ck_assert_uint_eq(strlen(hx), 8);
	}
}
END_TEST

START_TEST(labkit_parsers)
{
	write_lab("local zone, kv, pw, text = require 'labkit.zone', require 'labkit.kv', require 'labkit.passwd', require 'labkit.text'\n"
	    "step { id = 'a', title = 'A', text = 's.md', check = function(c)\n"
	    "  local r = zone.parse('$ORIGIN example.test.\\n$TTL 300\\n@ IN SOA ns1 host (\\n 1 ; serial\\n 2 3 4 5 )\\n"
	    "www 60 IN A 192.0.2.1\\n    IN AAAA 2001:db8::1\\nmail.other. MX 10 mx ; c\\n')\n"
	    "  c:expect(#r == 4, 'records %d', #r)\n"
	    "  c:expect(r[1].name == 'example.test.' and r[1].type == 'SOA' and r[1].ttl == 300 and #r[1].rdata == 7, 'soa %s', r[1].data)\n"
	    "  c:expect(r[2].name == 'www.example.test.' and r[2].ttl == 60 and r[2].data == '192.0.2.1', 'a')\n"
	    "  c:expect(r[3].name == 'www.example.test.' and r[3].type == 'AAAA', 'aaaa owner %s', tostring(r[3].name))\n"
	    "  c:expect(#zone.find(r, 'www', 'A', 'example.test') == 1, 'find')\n"
	    "  local m, l = kv.parse('# c\\nPermitRootLogin yes\\nPasswordAuthentication no\\nPermitRootLogin no\\n', { sep = ' ', first = true })\n"
	    "  c:expect(m.PermitRootLogin == 'yes' and #l == 3, 'kv first-wins')\n"
	    "  local m2 = kv.parse('a = 1\\nb=\"two\"\\na=3\\n') c:expect(m2.a == '3' and m2.b == 'two', 'kv')\n"
	    "  local s = pw.by_name(pw.parse_shadow('root::19000:0:99999:7:::\\nbob:!$6$x:1::\\n'))\n"
	    "  c:expect(s.root.empty and s.bob.locked, 'shadow')\n"
	    "  local p = pw.parse_passwd('toor:x:0:0:root:/root:/bin/sh\\n')\n"
	    "  c:expect(p[1].uid == 0 and p[1].shell == '/bin/sh', 'passwd')\n"
	    "  c:expect(#text.lines('a\\nb\\n') == 2 and text.trim('  x ') == 'x' and #text.split('a,b,,c', ',') == 4, 'text')\n"
	    "end }\n");
	check_step("a", NULL, 1, NULL);
}
END_TEST

START_TEST(every_allocation_failure_is_a_clean_verdict)
{
	struct lab_opts o = { .labdir = labdir, .workspace = wsdir, .seed = "s", .statedir = state, .check_ms = 2000 };
	unsigned long n;
	int status, broken = 0, passed = 0;
	json_t *j;

	write_lab("local kv = require 'labkit.kv'\n"
	    "step { id = 'a', title = 'A', text = 's.md', hints = { { text = 'h', cost = 1 } }, check = function(c)\n"
	    "  local m = kv.parse(c:read('x.txt')) c:expect(m.k == 'v', 'k is %s', tostring(m.k))\n"
	    "  c:expect(#c:list('.') == 1 and c:stat('x.txt').size == 4 and c:zone('z'), 'list') end }\n"
	    "values(function(c) return { zone = c:zone('z'), asn = c:asn('a') } end)\n");
	put_ws("x.txt", "k=v\n");
	/* SQLite-style: fail the Nth Lua allocation for every N until the check passes. */
	for (n = 1; n < 5000; n++) {
		o.limits.fail_alloc_at = n;
		j = lab_exec(&o, "check", "a", NULL, NULL, 0, &status);
		ck_assert_ptr_nonnull(j);
		ck_assert_msg(status == 0 || status == LAB_EXIT_BROKEN, "n=%lu: status %d", n, status);
		if (status == LAB_EXIT_BROKEN)
			broken++;
		else if (json_is_true(json_object_get(j, "passed")))
			passed = 1;
		json_decref(j);
		j = lab_exec(&o, n % 2 ? "manifest" : "values", NULL, NULL, NULL, 0, &status);
		ck_assert_ptr_nonnull(j);
		ck_assert_msg(status == 0 || status == LAB_EXIT_BROKEN, "n=%lu: status %d", n, status);
		json_decref(j);
		if (passed)
			break;
	}
	ck_assert_int_gt(broken, 10);
	ck_assert_msg(passed, "never passed with late allocation failures");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("labapi");
	TCase *tc = tcase_create("exec");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, manifest_describes_steps_without_secrets);
	tcase_add_test(tc, feedback_versus_lab_error);
	tcase_add_test(tc, broken_labs_are_lab_errors);
	tcase_add_test(tc, limits_inside_checks);
	tcase_add_test(tc, run_and_services);
	tcase_add_test(tc, setup_copies_files_and_writes_only_there);
	tcase_add_test(tc, seed_helpers_are_stable_and_per_learner);
	tcase_add_test(tc, labkit_parsers);
	suite_add_tcase(s, tc);
	tc = tcase_create("oom");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_allocation_failure_is_a_clean_verdict);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
