/*
 * check_labvm: the restricted Lua VM (labs/vm.c).  The limits a hostile or
 * buggy lab meets: endless loops (also inside pcall), wall clock, memory,
 * the missing libraries, bytecode, and allocation failure at every point
 * while the VM is built and used.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "labs/vm.h"

/* Run CODE as a chunk; returns the pcall status, message in msg. */
static int
run(struct vm *vm, const char *code, unsigned ms, char *msg, size_t len)
{
	lua_State *L = vm_lua(vm);
	int rc;

	msg[0] = '\0';
	rc = vm_load(vm, code, strlen(code), "=test");
	if (rc == LUA_OK) {
		vm_begin(vm, ms);
		rc = lua_pcall(L, 0, 1, 0);
	}
	if (lua_type(L, -1) == LUA_TSTRING)
		snprintf(msg, len, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	return rc;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(endless_loop_stops_at_instruction_budget)
{
	struct vm_limits lim = { .instr_max = 1000000 };
	struct vm *vm = vm_new(&lim);
	char msg[256];

	ck_assert_int_eq(run(vm, "while true do end", 0, msg, sizeof msg), LUA_ERRRUN);
	ck_assert_int_eq(vm_stopped(vm), VM_STOP_INSTR);
	ck_assert_ptr_nonnull(strstr(msg, "instruction budget"));
	vm_free(vm);
}
END_TEST

START_TEST(pcall_cannot_swallow_the_kill)
{
	struct vm_limits lim = { .instr_max = 1000000 };
	struct vm *vm = vm_new(&lim);
	char msg[256];

	/* Catch the kill, then try to carry on and return normally. */
	ck_assert_int_eq(run(vm,
	    "for i = 1, 1000 do pcall(function() while true do end end) end\n"
	    "local ok = pcall(error, 'x')\n"
	    "return 'escaped'", 0, msg, sizeof msg), LUA_ERRRUN);
	ck_assert_str_ne(msg, "escaped");
	/* Also from a coroutine and an xpcall handler. */
	ck_assert_int_eq(run(vm, "local co = coroutine.wrap(function() while true do end end)\n"
	    "pcall(co) xpcall(function() while true do end end, function() while true do end end)\n"
	    "return 'escaped'", 0, msg, sizeof msg), LUA_ERRRUN);
	ck_assert_str_ne(msg, "escaped");
	/* A kill swallowed inside a coroutine still marks the VM as stopped,
	 * so the caller never takes the normal return for a pass. */
	run(vm, "local co = coroutine.wrap(function() while true do end end) pcall(co) return 'esc'", 0,
	    msg, sizeof msg);
	ck_assert_int_eq(vm_stopped(vm), VM_STOP_INSTR);
	/* Finalizers run with hooks off: __gc is refused. */
	ck_assert_int_eq(run(vm, "setmetatable({}, { __gc = function() while true do end end })", 0, msg,
	    sizeof msg), LUA_ERRRUN);
	ck_assert_ptr_nonnull(strstr(msg, "__gc"));
	vm_free(vm);
}
END_TEST

START_TEST(wall_clock_stops_a_loop)
{
	struct vm_limits lim = { .instr_max = 1ULL << 60 };
	struct vm *vm = vm_new(&lim);
	double t0 = now();
	char msg[256];

	ck_assert_int_eq(run(vm, "local x = 0 while true do x = x + 1 end", 300, msg, sizeof msg), LUA_ERRRUN);
	ck_assert_int_eq(vm_stopped(vm), VM_STOP_CLOCK);
	ck_assert(now() - t0 < 3.0);
	vm_free(vm);
}
END_TEST

START_TEST(unbounded_allocation_stops_at_the_cap)
{
	struct vm_limits lim = { .mem_max = 8u << 20 };
	struct vm *vm = vm_new(&lim);
	char msg[256];
	int rc;

	rc = run(vm, "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end", 0, msg, sizeof msg);
	ck_assert_int_eq(rc, LUA_ERRMEM);
	ck_assert(vm_mem_used(vm) <= 8u << 20);
	/* A huge single request is refused too. */
	ck_assert_int_ne(run(vm, "return string.rep('x', 1 << 30)", 0, msg, sizeof msg), LUA_OK);
	/* Caught by pcall, memory is given back and the VM still works. */
	ck_assert_int_eq(run(vm, "local ok = pcall(function() local t = {} for i = 1, 1e9 do t[i] = {} end end)\n"
	    "collectgarbage() return tostring(ok)", 0, msg, sizeof msg), LUA_OK);
	ck_assert_str_eq(msg, "false");
	vm_free(vm);
}
END_TEST

START_TEST(dangerous_libraries_are_absent)
{
	struct vm *vm = vm_new(NULL);
	char msg[256];

	ck_assert_int_eq(run(vm, "return tostring(io) .. tostring(os) .. tostring(debug) .. tostring(package)"
	    " .. tostring(dofile) .. tostring(loadfile) .. tostring(require) .. tostring(string.dump)"
	    " .. tostring(collectgarbage == nil)", 0, msg, sizeof msg), LUA_OK);
	ck_assert_str_eq(msg, "nilnilnilnilnilnilnilnilfalse");
	ck_assert_int_eq(run(vm, "return string.format('%d', math.floor(utf8.len('h\\u{e9}') + #table.concat({'a'})))",
	    0, msg, sizeof msg), LUA_OK);
	ck_assert_str_eq(msg, "3");
	vm_free(vm);
}
END_TEST

START_TEST(load_refuses_bytecode)
{
	struct vm *vm = vm_new(NULL);
	char msg[256];

	ck_assert_int_eq(run(vm, "local f, err = load('\\27Lua\\84\\0\\25\\147\\13\\10\\26\\10') return err",
	    0, msg, sizeof msg), LUA_OK);
	ck_assert_ptr_nonnull(strstr(msg, "binary chunk"));
	ck_assert_int_eq(run(vm, "local f, err = load('\\27Lua', 'x', 'b') return err", 0, msg, sizeof msg), LUA_OK);
	ck_assert_ptr_nonnull(strstr(msg, "binary chunk"));
	/* Functions as chunk readers are refused (only strings). */
	ck_assert_int_eq(run(vm, "return load(function() return nil end)", 0, msg, sizeof msg), LUA_ERRRUN);
	/* Text chunks work, with their own environment when asked. */
	ck_assert_int_eq(run(vm, "local env = {} local f = load('x = 42', 't', 't', env) f() "
	    "return tostring(env.x) .. tostring(x)", 0, msg, sizeof msg), LUA_OK);
	ck_assert_str_eq(msg, "42nil");
	/* The C loader refuses bytecode too. */
	ck_assert_int_eq(vm_load(vm, "\033Lua\x54", 5, "=bin"), LUA_ERRSYNTAX);
	lua_pop(vm_lua(vm), 1);
	vm_free(vm);
}
END_TEST

START_TEST(syntax_error_is_reported)
{
	struct vm *vm = vm_new(NULL);
	char msg[256];

	ck_assert_int_eq(run(vm, "step { id = 'a' title = 'b' }", 0, msg, sizeof msg), LUA_ERRSYNTAX);
	ck_assert_ptr_nonnull(strstr(msg, "test:1:"));
	vm_free(vm);
}
END_TEST

START_TEST(failing_the_nth_allocation_never_crashes)
{
	unsigned long n;
	int fails = 0;

	for (n = 1; n < 400; n++) {
		struct vm_limits lim = { .fail_alloc_at = n };
		struct vm *vm = vm_new(&lim);
		char msg[256];

		if (vm == NULL) {
			fails++;
			continue;
		}
		run(vm, "local t = {} for i = 1, 50 do t[i] = ('x'):rep(i) .. i end return #t", 0, msg, sizeof msg);
		vm_free(vm);
	}
	ck_assert_int_gt(fails, 0);	/* early failures do hit vm_new */
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("labvm");
	TCase *tc = tcase_create("limits");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, endless_loop_stops_at_instruction_budget);
	tcase_add_test(tc, pcall_cannot_swallow_the_kill);
	tcase_add_test(tc, wall_clock_stops_a_loop);
	tcase_add_test(tc, unbounded_allocation_stops_at_the_cap);
	suite_add_tcase(s, tc);
	tc = tcase_create("library");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, dangerous_libraries_are_absent);
	tcase_add_test(tc, load_refuses_bytecode);
	tcase_add_test(tc, syntax_error_is_reported);
	tcase_add_test(tc, failing_the_nth_allocation_never_crashes);
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
