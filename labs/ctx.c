/*
 * ctx: context methods of the lab API in C.  Every method checks its
 * arguments with luaL_check* and reaches its state through the registry.
 * Failures the learner caused (a missing file, a symlink out of the
 * workspace) are raised as feedback, not as lab errors.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <openssl/evp.h>

#include "labs/ctx.h"
#include "labs/embedded.h"
#include "labs/proc.h"
#include "labs/wsfs.h"

#define CTX_KEY "labhub.ctx"
#define CTX_OBJ "labhub.ctx.obj"
#define FAIL_KEY "labhub.fail"
#define DEFS_KEY "labhub.defs"
#define METHODS_KEY "labhub.methods"
#define BOX_KEY "labhub.box"
#define STDIN_MAX ((size_t)1 << 20)
#define ENV_MAX 64

/*
 * A box owns C buffers while they are copied into Lua: if a push raises a
 * memory error, the box is garbage and its __gc frees them (the pattern of
 * lauxlib's internal box).  Park a buffer in a box right after malloc.
 */
struct box {
	char *p, *p2;
	char **list;
	size_t n;
};

static int
box_gc(lua_State *L)
{
	struct box *b = luaL_checkudata(L, 1, BOX_KEY);

	free(b->p);
	free(b->p2);
	wsfs_free_list(b->list, b->n);
	memset(b, 0, sizeof *b);
	return 0;
}

static struct box *
box_new(lua_State *L)
{
	struct box *b = lua_newuserdatauv(L, sizeof *b, 0);

	memset(b, 0, sizeof *b);
	luaL_setmetatable(L, BOX_KEY);
	return b;
}

struct ctx *
ctx_get(lua_State *L)
{
	struct ctx *cx;

	/* Not luaL_checkudata: C callers outside a pcall must not raise. */
	lua_getfield(L, LUA_REGISTRYINDEX, CTX_OBJ);
	cx = luaL_testudata(L, -1, CTX_KEY);
	lua_pop(L, 1);
	assert(cx != NULL);
	return cx;
}

int
ctx_fail(lua_State *L, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	lua_createtable(L, 0, 1);
	lua_pushstring(L, buf);
	lua_setfield(L, -2, "feedback");
	luaL_setmetatable(L, FAIL_KEY);
	return lua_error(L);
}

int
ctx_is_fail(lua_State *L, int idx, const char **feedback)
{
	int is;

	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
		return 0;
	luaL_getmetatable(L, FAIL_KEY);
	is = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	if (!is)
		return 0;
	lua_getfield(L, idx, "feedback");
	*feedback = lua_tostring(L, -1);
	lua_pop(L, 1);	/* the string stays alive in the table at idx */
	if (*feedback == NULL)
		*feedback = "";
	return 1;
}

/* api.fail(message) */
static int
api_fail(lua_State *L)
{
	return ctx_fail(L, "%s", luaL_checkstring(L, 1));
}

/* api.digest(label) -> 32 bytes: SHA-256(seed NUL lab-id NUL label). */
static int
api_digest(lua_State *L)
{
	size_t llen;
	const char *label = luaL_checklstring(L, 1, &llen);
	struct ctx *cx = ctx_get(L);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *h = EVP_MD_CTX_new();

	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(h, cx->seed, strlen(cx->seed) + 1) != 1 ||
	    EVP_DigestUpdate(h, cx->labid, strlen(cx->labid) + 1) != 1 ||
	    EVP_DigestUpdate(h, label, llen) != 1 || EVP_DigestFinal_ex(h, md, &mdlen) != 1) {
		EVP_MD_CTX_free(h);
		return luaL_error(L, "sha256 failed");
	}
	EVP_MD_CTX_free(h);
	lua_pushlstring(L, (const char *)md, mdlen);
	return 1;
}

/* api.labkit(name) -> chunk or nil, message */
static int
api_labkit(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const struct embedded_lua *e;
	char chunk[128];

	if (strncmp(name, "labkit.", 7) == 0)
		for (e = labs_embedded; e->name != NULL; e++)
			if (strcmp(e->name, name) == 0) {
				snprintf(chunk, sizeof chunk, "=labkit/%s.lua", name + 7);
				if (luaL_loadbufferx(L, e->src, strlen(e->src), chunk, "t") != LUA_OK)
					return lua_error(L);
				return 1;
			}
	luaL_pushfail(L);
	lua_pushfstring(L, "module '%s' not found (only the built-in labkit.* modules can be required)", name);
	return 2;
}

static void
self_arg(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
}

static size_t
max_arg(lua_State *L, int idx, size_t dflt)
{
	lua_Integer m = luaL_optinteger(L, idx, (lua_Integer)dflt);

	if (m < 0 || (size_t)m > WSFS_READ_MAX)
		luaL_argerror(L, idx, "the read limit must be between 0 and 16 MiB");
	return (size_t)m;
}

static int
push_read(lua_State *L, int fail)
{
	struct ctx *cx = ctx_get(L);
	const char *path = luaL_checkstring(L, 2);
	size_t max = max_arg(L, 3, WSFS_READ_DEFAULT), len;
	char msg[WSFS_MSG];
	struct box *b;

	self_arg(L);
	b = box_new(L);
	b->p = wsfs_read(&cx->ws, path, max, &len, msg, sizeof msg);
	if (b->p == NULL) {
		if (fail)
			return ctx_fail(L, "%s", msg);
		luaL_pushfail(L);
		lua_pushstring(L, msg);
		return 2;
	}
	lua_pushlstring(L, b->p, len);
	free(b->p);
	b->p = NULL;
	return 1;
}

static int
c_read(lua_State *L)
{
	return push_read(L, 1);
}

static int
c_try_read(lua_State *L)
{
	return push_read(L, 0);
}

/* c:read_lab(path [, max]): a file of the lab folder; missing is a lab error. */
static int
c_read_lab(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *path = luaL_checkstring(L, 2);
	size_t max = max_arg(L, 3, WSFS_READ_DEFAULT), len;
	char msg[WSFS_MSG];
	struct wsfs lab;
	struct box *b;

	self_arg(L);
	if (wsfs_init(&lab, cx->labdir, msg, sizeof msg) < 0)
		return luaL_error(L, "%s", msg);
	b = box_new(L);
	b->p = wsfs_read(&lab, path, max, &len, msg, sizeof msg);
	if (b->p == NULL)
		return luaL_error(L, "read_lab: %s", msg);
	lua_pushlstring(L, b->p, len);
	free(b->p);
	b->p = NULL;
	return 1;
}

static int
c_exists(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *path = luaL_checkstring(L, 2);
	char msg[WSFS_MSG];
	struct stat st;

	self_arg(L);
	lua_pushboolean(L, wsfs_lstat(&cx->ws, path, &st, NULL, 0, msg, sizeof msg) == 0);
	return 1;
}

static const char *
type_name(mode_t m)
{
	if (S_ISREG(m))
		return "file";
	if (S_ISDIR(m))
		return "dir";
	if (S_ISLNK(m))
		return "link";
	if (S_ISFIFO(m))
		return "fifo";
	if (S_ISSOCK(m))
		return "socket";
	return "device";
}

static int
c_stat(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *path = luaL_checkstring(L, 2);
	char msg[WSFS_MSG], target[PATH_MAX], perms[8];
	struct stat st;

	self_arg(L);
	if (wsfs_lstat(&cx->ws, path, &st, target, sizeof target, msg, sizeof msg) < 0) {
		luaL_pushfail(L);
		lua_pushstring(L, msg);
		return 2;
	}
	lua_createtable(L, 0, 8);
	lua_pushstring(L, type_name(st.st_mode));
	lua_setfield(L, -2, "type");
	lua_pushinteger(L, (lua_Integer)st.st_size);
	lua_setfield(L, -2, "size");
	lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
	lua_setfield(L, -2, "mode");
	snprintf(perms, sizeof perms, "%04o", (unsigned)(st.st_mode & 07777));
	lua_pushstring(L, perms);
	lua_setfield(L, -2, "perms");
	lua_pushinteger(L, (lua_Integer)st.st_uid);
	lua_setfield(L, -2, "uid");
	lua_pushinteger(L, (lua_Integer)st.st_gid);
	lua_setfield(L, -2, "gid");
	lua_pushinteger(L, (lua_Integer)st.st_mtime);
	lua_setfield(L, -2, "mtime");
	if (S_ISLNK(st.st_mode)) {
		lua_pushstring(L, target);
		lua_setfield(L, -2, "target");
	}
	return 1;
}

static void
push_list(lua_State *L, char **list, size_t n)
{
	size_t i;

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, list[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static int
c_list(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *path = luaL_optstring(L, 2, ".");
	char msg[WSFS_MSG];
	struct box *b;

	self_arg(L);
	b = box_new(L);
	b->list = wsfs_list(&cx->ws, path, &b->n, msg, sizeof msg);
	if (b->list == NULL) {
		luaL_pushfail(L);
		lua_pushstring(L, msg);
		return 2;
	}
	push_list(L, b->list, b->n);
	return 1;	/* the box frees the list when collected */
}

static int
c_glob(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *pat = luaL_checkstring(L, 2);
	char msg[WSFS_MSG];
	struct box *b;

	self_arg(L);
	b = box_new(L);
	b->list = wsfs_glob(&cx->ws, pat, &b->n, msg, sizeof msg);
	if (b->list == NULL)
		return luaL_error(L, "glob: %s", msg);
	push_list(L, b->list, b->n);
	return 1;
}

static mode_t
mode_arg(lua_State *L, int idx)
{
	const char *s;
	char *end;
	long m;

	if (lua_isnoneornil(L, idx))
		return 0644;
	if (lua_type(L, idx) == LUA_TNUMBER)
		m = (long)luaL_checkinteger(L, idx);
	else {
		s = luaL_checkstring(L, idx);
		m = strtol(s, &end, 8);
		if (*s == '\0' || *end != '\0')
			luaL_argerror(L, idx, "mode must be an octal string like \"0644\"");
	}
	if (m < 0 || m > 07777)
		luaL_argerror(L, idx, "mode out of range");
	return (mode_t)m & 0777;	/* never setuid/setgid/sticky from a lab */
}

static int
c_write(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *path = luaL_checkstring(L, 2);
	size_t len;
	const char *content = luaL_checklstring(L, 3, &len);
	mode_t mode = mode_arg(L, 4);
	char msg[WSFS_MSG];

	self_arg(L);
	if (strcmp(cx->phase, "setup") != 0)
		return luaL_error(L, "c:write is only allowed in setup (checks must not change the workspace)");
	if (wsfs_write(&cx->ws, path, content, len, mode, msg, sizeof msg) < 0)
		return luaL_error(L, "c:write: %s", msg);
	return 0;
}

/* Build argv (strings) from T.argv or T's array part; pushes nothing. */
static int
argv_from(lua_State *L, int t, const char **argv, size_t cap)
{
	size_t n, i;

	lua_getfield(L, t, "argv");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushvalue(L, t);
	} else {
		luaL_checktype(L, -1, LUA_TTABLE);
	}
	n = lua_rawlen(L, -1);
	if (n == 0 || n >= cap)
		return luaL_error(L, "run: argv must hold 1 to %d strings", (int)cap - 1);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, (lua_Integer)i);
		if (lua_type(L, -1) != LUA_TSTRING)
			return luaL_error(L, "run: argv[%d] must be a string", (int)i);
		argv[i - 1] = lua_tostring(L, -1);
		/* keep the string referenced by the argv table on the stack */
		lua_pop(L, 1);
	}
	argv[n] = NULL;
	/* The argv table stays on the stack so the strings stay alive. */
	return (int)n;
}

/* env: PATH, HOME, LANG, TERM, then the author's env = { K = "v" }. */
static void
env_from(lua_State *L, int t, struct ctx *cx, const char **env, size_t cap)
{
	const char *path = getenv("PATH");
	size_t n = 0;

	luaL_checkstack(L, (int)cap + 8, "run: env");

	lua_pushfstring(L, "PATH=%s", path != NULL ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	env[n++] = lua_tostring(L, -1);
	lua_pushfstring(L, "HOME=%s", cx->ws.root);
	env[n++] = lua_tostring(L, -1);
	env[n++] = "LANG=C.UTF-8";
	env[n++] = "TERM=dumb";
	lua_pushfstring(L, "LABHUB_SEED=%s", cx->seed);
	env[n++] = lua_tostring(L, -1);
	lua_pushfstring(L, "LABHUB_LAB=%s", cx->labdir);
	env[n++] = lua_tostring(L, -1);
	if (t != 0) {
		lua_getfield(L, t, "env");
		if (!lua_isnil(L, -1)) {
			int e = lua_gettop(L);

			luaL_checktype(L, e, LUA_TTABLE);
			lua_pushnil(L);
			while (lua_next(L, e) != 0) {
				if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
					luaL_error(L, "run: env must map names to strings");
				if (n + 1 >= cap)
					luaL_error(L, "run: too many env entries");
				lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
				env[n++] = lua_tostring(L, -1);
				lua_insert(L, e);	/* keep it below the iteration state */
				e++;
				lua_pop(L, 1);
			}
		}
	}
	env[n] = NULL;
}

static int
as_arg(lua_State *L, int t, const char *dflt, struct ctx *cx, struct proc_spec *spec)
{
	const char *as;

	lua_getfield(L, t, "as");
	as = luaL_optstring(L, -1, dflt);
	if (strcmp(as, "learner") == 0) {
		spec->run_as_other = cx->can_switch;
		spec->uid = cx->learner_uid;
		spec->gid = cx->learner_gid;
	} else if (strcmp(as, "lab") != 0) {
		return luaL_error(L, "as must be \"learner\" or \"lab\", not \"%s\"", as);
	}
	lua_pop(L, 1);
	return 0;
}

static const char *
cwd_arg(lua_State *L, int t, struct ctx *cx)
{
	char msg[WSFS_MSG], out[PATH_MAX];
	const char *cwd;

	lua_getfield(L, t, "cwd");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return cx->ws.root;
	}
	cwd = luaL_checkstring(L, -1);
	if (wsfs_path(&cx->ws, cwd, out, sizeof out, msg, sizeof msg) < 0)
		luaL_error(L, "run: cwd: %s", msg);
	lua_pushstring(L, out);	/* stays on the stack */
	return lua_tostring(L, -1);
}

/* c:run { argv..., stdin = s, timeout = secs, as = "learner"|"lab", cwd = path, env = {} } */
static int
c_run(lua_State *L)
{
	const char *argv[PROC_ARGV_MAX + 1], *env[ENV_MAX + 8];
	struct ctx *cx = ctx_get(L);
	struct proc_spec spec = { 0 };
	struct proc_result res;
	lua_Number timeout;
	struct box *b;
	unsigned left;

	self_arg(L);
	luaL_checktype(L, 2, LUA_TTABLE);
	argv_from(L, 2, argv, PROC_ARGV_MAX + 1);
	env_from(L, 2, cx, env, ENV_MAX + 8);
	lua_getfield(L, 2, "stdin");
	if (!lua_isnil(L, -1)) {
		spec.stdin_data = luaL_checklstring(L, -1, &spec.stdin_len);
		if (spec.stdin_len > STDIN_MAX)
			return luaL_error(L, "run: stdin is limited to 1 MiB");
	}
	lua_getfield(L, 2, "timeout");
	timeout = luaL_optnumber(L, -1, CTX_RUN_TIMEOUT_MS / 1000.0);
	lua_pop(L, 1);
	if (!(timeout > 0) || timeout > CTX_RUN_TIMEOUT_MAX_MS / 1000.0)
		return luaL_error(L, "run: timeout must be between 0 and 60 seconds");
	spec.timeout_ms = (unsigned)(timeout * 1000);
	left = vm_ms_left(cx->vm);
	if (left < spec.timeout_ms)
		spec.timeout_ms = left > 0 ? left : 1;
	as_arg(L, 2, "learner", cx, &spec);
	spec.cwd = cwd_arg(L, 2, cx);
	spec.argv = argv;
	spec.env = env;
	b = box_new(L);
	if (proc_run(&spec, &res) < 0)
		return luaL_error(L, "run: cannot start %s: %s", argv[0], strerror(errno));
	b->p = res.out;
	b->p2 = res.err;
	lua_createtable(L, 0, 6);
	lua_pushinteger(L, res.code);
	lua_setfield(L, -2, "code");
	lua_pushlstring(L, res.out, res.out_len);
	lua_setfield(L, -2, "out");
	lua_pushlstring(L, res.err, res.err_len);
	lua_setfield(L, -2, "err");
	if (res.signal != 0) {
		lua_pushinteger(L, res.signal);
		lua_setfield(L, -2, "signal");
	}
	lua_pushboolean(L, res.timed_out);
	lua_setfield(L, -2, "timed_out");
	lua_pushboolean(L, res.truncated);
	lua_setfield(L, -2, "truncated");
	return 1;	/* the box frees out and err */
}

static const char *
service_name_arg(lua_State *L, int idx)
{
	const char *name = luaL_checkstring(L, idx);

	if (!proc_service_name_ok(name))
		luaL_argerror(L, idx, "service names are 1-64 letters, digits, '_', '.', '-'");
	return name;
}

static int
start_with(lua_State *L, struct ctx *cx, const char *name, const char **argv, int opts)
{
	const char *env[ENV_MAX + 8];
	struct proc_spec spec = { 0 };
	char msg[1024];

	env_from(L, opts, cx, env, ENV_MAX + 8);
	if (opts != 0)
		as_arg(L, opts, "lab", cx, &spec);
	spec.argv = argv;
	spec.env = env;
	spec.cwd = cx->ws.root;
	if (proc_service_start(cx->statedir, name, &spec, msg, sizeof msg) < 0) {
		luaL_pushfail(L);
		lua_pushstring(L, msg);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* c:start_service(name, argv [, { as = "lab", env = {} }]) -> true | nil, message */
static int
c_start_service(lua_State *L)
{
	const char *argv[PROC_ARGV_MAX + 1];
	struct ctx *cx = ctx_get(L);
	const char *name = service_name_arg(L, 2);
	int opts = 0;

	self_arg(L);
	luaL_checktype(L, 3, LUA_TTABLE);
	if (!lua_isnoneornil(L, 4)) {
		luaL_checktype(L, 4, LUA_TTABLE);
		opts = 4;
	}
	argv_from(L, 3, argv, PROC_ARGV_MAX + 1);
	return start_with(L, cx, name, argv, opts);
}

static int
c_stop_service(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *name = service_name_arg(L, 2);

	self_arg(L);
	proc_service_stop(cx->statedir, name);
	return 0;
}

static int
c_restart_service(lua_State *L)
{
	const char *argv[PROC_ARGV_MAX + 1];
	struct ctx *cx = ctx_get(L);
	const char *name = service_name_arg(L, 2);
	char **saved;
	struct box *b;
	int i, n;

	self_arg(L);
	b = box_new(L);
	saved = proc_service_argv(cx->statedir, name);
	for (b->n = 0; saved != NULL && saved[b->n] != NULL; b->n++)
		;
	b->list = saved;
	if (saved == NULL) {
		luaL_pushfail(L);
		lua_pushfstring(L, "service %s was never started", name);
		return 2;
	}
	proc_service_stop(cx->statedir, name);
	luaL_checkstack(L, PROC_ARGV_MAX + 4, "restart_service");
	for (i = 0; saved[i] != NULL && i < PROC_ARGV_MAX; i++)
		lua_pushstring(L, saved[i]);
	n = i;
	for (i = 0; i < n; i++)
		argv[i] = lua_tostring(L, -n + i);
	argv[n] = NULL;
	return start_with(L, cx, name, argv, 0);
}

static int
c_service_status(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *name = service_name_arg(L, 2);

	self_arg(L);
	lua_pushstring(L, proc_service_running(cx->statedir, name) ? "running" : "stopped");
	return 1;
}

static int
c_service_log(lua_State *L)
{
	struct ctx *cx = ctx_get(L);
	const char *name = service_name_arg(L, 2);
	lua_Integer max = luaL_optinteger(L, 3, 16384);
	struct box *b;
	size_t len;

	self_arg(L);
	if (max < 0 || max > (1 << 20))
		return luaL_argerror(L, 3, "max must be between 0 and 1 MiB");
	b = box_new(L);
	b->p = proc_service_log(cx->statedir, name, (size_t)max, &len);
	if (b->p == NULL)
		return luaL_error(L, "out of memory");
	lua_pushlstring(L, b->p, len);
	return 1;
}

static const luaL_Reg ctx_methods[] = {
	{ "read", c_read },
	{ "try_read", c_try_read },
	{ "read_lab", c_read_lab },
	{ "exists", c_exists },
	{ "stat", c_stat },
	{ "list", c_list },
	{ "glob", c_glob },
	{ "run", c_run },
	{ "write", c_write },
	{ "start_service", c_start_service },
	{ "stop_service", c_stop_service },
	{ "restart_service", c_restart_service },
	{ "service_status", c_service_status },
	{ "service_log", c_service_log },
	{ NULL, NULL },
};

int
ctx_open(lua_State *L)
{
	const struct ctx *tmpl = lua_touserdata(L, 1);
	const struct embedded_lua *e;
	struct ctx *cx;

	luaL_checktype(L, 1, LUA_TLIGHTUSERDATA);
	cx = lua_newuserdatauv(L, sizeof *cx, 0);
	memcpy(cx, tmpl, sizeof *cx);
	luaL_newmetatable(L, CTX_KEY);
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, CTX_OBJ);
	luaL_newmetatable(L, BOX_KEY);
	lua_pushcfunction(L, box_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, FAIL_KEY);
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);

	for (e = labs_embedded; e->name != NULL && strcmp(e->name, "prelude") != 0; e++)
		;
	if (e->name == NULL)
		return luaL_error(L, "prelude missing from the binary");
	if (luaL_loadbufferx(L, e->src, strlen(e->src), "=labhub/prelude.lua", "t") != LUA_OK)
		return lua_error(L);
	lua_createtable(L, 0, 5);
	luaL_newlib(L, ctx_methods);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, METHODS_KEY);
	lua_setfield(L, -2, "methods");
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, DEFS_KEY);
	lua_setfield(L, -2, "defs");
	lua_pushcfunction(L, api_fail);
	lua_setfield(L, -2, "fail");
	lua_pushcfunction(L, api_digest);
	lua_setfield(L, -2, "digest");
	lua_pushcfunction(L, api_labkit);
	lua_setfield(L, -2, "labkit");
	lua_call(L, 1, 0);
	return 0;
}

void
ctx_push(lua_State *L, const char *phase)
{
	struct ctx *cx = ctx_get(L);

	cx->phase = phase;
	lua_createtable(L, 0, 4);
	lua_pushstring(L, cx->seed);
	lua_setfield(L, -2, "seed");
	lua_pushstring(L, cx->ws.root);
	lua_setfield(L, -2, "workspace");
	lua_pushstring(L, cx->labdir);
	lua_setfield(L, -2, "labdir");
	lua_pushstring(L, phase);
	lua_setfield(L, -2, "phase");
	lua_createtable(L, 0, 2);
	lua_getfield(L, LUA_REGISTRYINDEX, METHODS_KEY);
	lua_setfield(L, -2, "__index");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
}
