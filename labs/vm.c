/*
 * vm: the restricted Lua state for lab scripts.  The allocator, the count
 * hook and the library set follow lua.c/linit.c (explicit list) and
 * ltests.c (fail the Nth allocation); the "keep firing once exhausted" hook
 * is the technique redis uses in script_lua.c, so a lab's pcall cannot
 * catch its own kill: after the first kill, every instruction errors again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "labs/vm.h"
#include "server/log.h"

#define HOOK_EVERY 1000	/* instructions between two hook calls while running */

struct vm {
	lua_State *L;
	size_t used, max;
	unsigned long nalloc, fail_at;
	uint64_t instr, instr_max;
	struct timespec deadline;	/* tv_sec == 0: none */
	enum vm_stop stopped;
	int mem_hit;	/* the cap refused an allocation since vm_begin() */
};

static void *
vm_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct vm *vm = ud;
	size_t old = ptr != NULL ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		vm->used -= old;
		return NULL;
	}
	/* Lua assumes shrinking never fails: only growth is capped. */
	if (nsize > old) {
		if (vm->used - old + nsize > vm->max) {
			vm->mem_hit = 1;
			return NULL;
		}
		if (vm->fail_at != 0 && ++vm->nalloc >= vm->fail_at)
			return NULL;
	}
	p = realloc(ptr, nsize);
	if (p == NULL)
		return nsize > old ? NULL : ptr;
	vm->used = vm->used - old + nsize;
	return p;
}

static int
deadline_passed(const struct vm *vm)
{
	struct timespec now;

	if (vm->deadline.tv_sec == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > vm->deadline.tv_sec ||
	    (now.tv_sec == vm->deadline.tv_sec && now.tv_nsec >= vm->deadline.tv_nsec);
}

static void
vm_hook(lua_State *L, lua_Debug *ar)
{
	void *ud;
	struct vm *vm;

	(void)ar;
	lua_getallocf(L, &ud);
	vm = ud;
	vm->instr += HOOK_EVERY;
	if (vm->stopped == VM_RUNNING) {
		if (vm->instr > vm->instr_max)
			vm->stopped = VM_STOP_INSTR;
		else if (deadline_passed(vm))
			vm->stopped = VM_STOP_CLOCK;
		else
			return;
	}
	/* From now on fire on every instruction: a pcall handler gets no room. */
	lua_sethook(L, vm_hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "lab script stopped: %s", vm_stop_reason(vm->stopped));
}

/* load(chunk [, chunkname [, mode [, env]]]): strings only, text only. */
static int
vm_safe_load(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");
	int status;

	luaL_optstring(L, 3, "t");	/* accepted and ignored: always "t" */
	status = luaL_loadbufferx(L, s, len, name, "t");
	if (status != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (lua_gettop(L) >= 5) {	/* args + function: env given, even nil */
		lua_pushvalue(L, 4);
		if (lua_setupvalue(L, -2, 1) == NULL)
			lua_pop(L, 1);
	}
	return 1;
}

/* print(...): stdout belongs to the JSON verdict, so print logs to stderr. */
static int
vm_print(lua_State *L)
{
	luaL_Buffer b;
	int i, n = lua_gettop(L);

	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	log_info("lab print: %s", lua_tostring(L, -1));
	return 0;
}

/*
 * xpcall(f, msgh, ...): the handler runs after the protected call returned,
 * not while the error is being raised.  Lua calls message handlers with
 * hooks disabled when the error comes from our count hook, so a handler
 * that loops would never be stopped.
 */
static int
vm_xpcall(lua_State *L)
{
	int n = lua_gettop(L), base;

	luaL_checkany(L, 1);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	base = lua_gettop(L);
	lua_pushvalue(L, 1);
	for (int i = 3; i <= n; i++)
		lua_pushvalue(L, i);
	if (lua_pcall(L, n - 2, LUA_MULTRET, 0) == LUA_OK) {
		lua_pushboolean(L, 1);
		lua_insert(L, base + 1);
		return lua_gettop(L) - base;
	}
	lua_pushvalue(L, 2);
	lua_insert(L, -2);
	lua_call(L, 1, 1);
	lua_pushboolean(L, 0);
	lua_insert(L, -2);
	return 2;
}

/* setmetatable(t, mt): refuses __gc.  Lua runs finalizers with hooks off,
 * so a finalizer that loops could not be stopped; without __gc at this
 * point the table is never marked for finalization. */
static int
vm_setmetatable(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	if (!lua_isnil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		if (lua_getfield(L, 2, "__gc") != LUA_TNIL)
			return luaL_error(L, "__gc metamethods are not available to labs");
		lua_pop(L, 1);
	}
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	lua_settop(L, 2);
	lua_setmetatable(L, 1);
	return 1;
}

static const luaL_Reg vm_libs[] = {
	{ LUA_GNAME, luaopen_base },
	{ LUA_COLIBNAME, luaopen_coroutine },
	{ LUA_TABLIBNAME, luaopen_table },
	{ LUA_STRLIBNAME, luaopen_string },
	{ LUA_MATHLIBNAME, luaopen_math },
	{ LUA_UTF8LIBNAME, luaopen_utf8 },
	{ NULL, NULL },
};

static int
vm_open(lua_State *L)
{
	const luaL_Reg *lib;

	for (lib = vm_libs; lib->func != NULL; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lua_pushnil(L);
	lua_setglobal(L, "dofile");
	lua_pushnil(L);
	lua_setglobal(L, "loadfile");
	lua_pushcfunction(L, vm_safe_load);
	lua_setglobal(L, "load");
	lua_pushcfunction(L, vm_print);
	lua_setglobal(L, "print");
	lua_pushcfunction(L, vm_xpcall);
	lua_setglobal(L, "xpcall");
	lua_pushcfunction(L, vm_setmetatable);
	lua_setglobal(L, "setmetatable");
	/* string.dump makes bytecode, which nothing here may load anyway. */
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	/* luaL_requiref left package.loaded-like _LOADED in the registry only. */
	return 0;
}

struct vm *
vm_new(const struct vm_limits *limits)
{
	struct vm *vm = calloc(1, sizeof *vm);

	if (vm == NULL)
		return NULL;
	vm->max = limits != NULL && limits->mem_max != 0 ? limits->mem_max : VM_DEFAULT_MEM_MAX;
	vm->instr_max = limits != NULL && limits->instr_max != 0 ? limits->instr_max : VM_DEFAULT_INSTR_MAX;
	vm->fail_at = limits != NULL ? limits->fail_alloc_at : 0;
	vm->L = lua_newstate(vm_alloc, vm);
	if (vm->L == NULL)
		goto fail;
	lua_pushcfunction(vm->L, vm_open);
	if (lua_pcall(vm->L, 0, 0, 0) != LUA_OK)
		goto fail;
	lua_sethook(vm->L, vm_hook, LUA_MASKCOUNT, HOOK_EVERY);
	vm->stopped = VM_RUNNING;
	vm->mem_hit = 0;
	return vm;
fail:
	if (vm->L != NULL)
		lua_close(vm->L);
	free(vm);
	return NULL;
}

void
vm_free(struct vm *vm)
{
	if (vm == NULL)
		return;
	lua_close(vm->L);
	free(vm);
}

lua_State *
vm_lua(struct vm *vm)
{
	return vm->L;
}

void
vm_begin(struct vm *vm, unsigned ms)
{
	vm->instr = 0;
	vm->stopped = VM_RUNNING;
	vm->mem_hit = 0;
	lua_sethook(vm->L, vm_hook, LUA_MASKCOUNT, HOOK_EVERY);
	if (ms == 0) {
		vm->deadline.tv_sec = 0;
		vm->deadline.tv_nsec = 0;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &vm->deadline);
	vm->deadline.tv_sec += ms / 1000;
	vm->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (vm->deadline.tv_nsec >= 1000000000L) {
		vm->deadline.tv_sec++;
		vm->deadline.tv_nsec -= 1000000000L;
	}
}

unsigned
vm_ms_left(const struct vm *vm)
{
	struct timespec now;
	long long ms;

	if (vm->deadline.tv_sec == 0)
		return UINT32_MAX;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(vm->deadline.tv_sec - now.tv_sec) * 1000 +
	    (vm->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (unsigned)ms : 0;
}

enum vm_stop
vm_stopped(const struct vm *vm)
{
	return vm->stopped;
}

const char *
vm_stop_reason(enum vm_stop why)
{
	switch (why) {
	case VM_STOP_INSTR:
		return "instruction budget exhausted (endless loop?)";
	case VM_STOP_CLOCK:
		return "wall-clock limit reached";
	case VM_RUNNING:
		break;
	}
	return "running";
}

int
vm_mem_hit(const struct vm *vm)
{
	return vm->mem_hit;
}

size_t
vm_mem_used(const struct vm *vm)
{
	return vm->used;
}

size_t
vm_mem_max(const struct vm *vm)
{
	return vm->max;
}

int
vm_load(struct vm *vm, const char *buf, size_t len, const char *name)
{
	return luaL_loadbufferx(vm->L, buf, len, name, "t");
}

int
vm_load_file(struct vm *vm, const char *path, const char *name, size_t max)
{
	int fd, status;
	struct stat st;
	char *buf;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		lua_pushfstring(vm->L, "cannot open %s: %s", path, strerror(errno));
		return LUA_ERRFILE;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		lua_pushfstring(vm->L, "%s is not a regular file of at most %d bytes", path, (int)max);
		return LUA_ERRFILE;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		lua_pushstring(vm->L, "out of memory");
		return LUA_ERRMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0) {
		free(buf);
		lua_pushfstring(vm->L, "cannot read %s: %s", path, strerror(errno));
		return LUA_ERRFILE;
	}
	status = vm_load(vm, buf, (size_t)n, name);
	free(buf);
	return status;
}
