/*
 * ctx: the C half of the lab API inside the lab VM: the context object `c`
 * handed to setup, checks and values (workspace reads, run, services,
 * per-learner digests) and the plumbing between lab.lua's definitions and
 * the C caller.  All state lives in the Lua registry (a `struct ctx`
 * userdata under "labhub.ctx"); nothing keeps a lua_State pointer.
 */
#ifndef LABHUB_LABS_CTX_H
#define LABHUB_LABS_CTX_H

#include <limits.h>
#include <sys/types.h>

#include <lua.h>

#include "labs/vm.h"
#include "labs/wsfs.h"

#define CTX_SEED_MAX 128
#define CTX_RUN_TIMEOUT_MS 5000
#define CTX_RUN_TIMEOUT_MAX_MS 60000

struct ctx {
	struct wsfs ws;
	char labdir[PATH_MAX];
	char statedir[PATH_MAX];
	char seed[CTX_SEED_MAX + 1];
	char labid[65];
	const char *phase;	/* "setup", "check", "values", "load" (static string) */
	struct vm *vm;		/* for the time left; owned by the caller */
	uid_t learner_uid;	/* owner of the workspace */
	gid_t learner_gid;
	int can_switch;		/* running as root and the learner is someone else */
};

/* lua_CFunction, call with lua_pcall: argument 1 a light userdata pointing to
 * a filled struct ctx (copied).  Installs the registry entries, the context
 * methods, and runs the prelude that defines lab/step/setup/values/require.
 * After lab.lua ran, the definitions are in the registry table "labhub.defs":
 * { lab = {...}, steps = { ... }, by_id = { ... }, setup = fn, values = fn }. */
int ctx_open(lua_State *L);

struct ctx *ctx_get(lua_State *L);
/* Push a fresh context table `c` for PHASE (a static string). */
void ctx_push(lua_State *L, const char *phase);
/* Is the value at IDX a learner-feedback failure (c:expect / c:fail / a
 * refused read)?  Then *feedback points into it (valid while it is on the stack). */
int ctx_is_fail(lua_State *L, int idx, const char **feedback);
/* Raise a learner-feedback failure. */
int ctx_fail(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
