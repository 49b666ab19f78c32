/*
 * exec: one lab action in one fresh VM, one JSON object out.  Every path
 * out of lab code is classified: a normal return is a pass, a feedback
 * failure (c:expect, c:fail, a refused read) is a fail with the learner's
 * words, and anything else (Lua error, memory, instruction budget, wall
 * clock) is a lab error with a stable reference for the instructor.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <lauxlib.h>
#include <openssl/evp.h>

#include "labs/ctx.h"
#include "labs/exec.h"
#include "labs/wsfs.h"
#include "server/cli.h"
#include "server/log.h"

#define LAB_LUA_MAX ((size_t)1 << 20)

json_t *
lab_json_text(const char *s, size_t len)
{
	char *out;
	size_t i = 0, o = 0;
	json_t *j;

	if (s == NULL)
		return json_string("");
	out = malloc(len * 3 + 1);
	if (out == NULL)
		return json_string("");
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		size_t k;
		int ok = n > 0 && i + n <= len && c != 0;

		for (k = 1; ok && k < n; k++)
			ok = ((unsigned char)s[i + k] >> 6) == 2;
		if (ok && n > 1) {
			/* overlongs and surrogates: let jansson's own decoder judge */
			json_t *t = json_stringn(s + i, n);

			ok = t != NULL;
			json_decref(t);
		}
		if (!ok) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	j = json_stringn(out, o);
	free(out);
	return j != NULL ? j : json_string("");
}

/* Set by the CLI: each metered section also arms SIGALRM (see on_alarm). */
static int hard_alarm;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
make_ref(char *ref, size_t len, const char *labid, long long version, const char *step,
    const char *detail)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char buf[2048];

	snprintf(buf, sizeof buf, "%s\n%lld\n%s\n%s", labid, version, step, detail);
	EVP_Digest(buf, strlen(buf), md, &mdlen, EVP_sha256(), NULL);
	snprintf(ref, len, "LAB-%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
}

/* An allocation failure in a Lua API call made outside a pcall (pushing the
 * context, reading the definitions) ends in lua_atpanic: jump back to
 * lab_exec and report the lab as broken instead of aborting. */
static jmp_buf *panic_env;

static int
on_panic(lua_State *L)
{
	(void)L;
	longjmp(*panic_env, 1);
}

struct run {
	const struct lab_opts *o;
	struct vm *vm;
	lua_State *L;
	json_t *out;
	const char *action, *step;
	char labid[65];
	long long version;
	int status;
};

static void
lab_error(struct run *r, int status, const char *detail)
{
	char ref[32], msg[160];

	make_ref(ref, sizeof ref, r->labid[0] ? r->labid : r->o->labdir, r->version,
	    r->step ? r->step : "", detail);
	snprintf(msg, sizeof msg, status == LAB_EXIT_USAGE ?
	    "The lab could not be run (bad request). Please tell your instructor and quote %s." :
	    "This lab has a problem. Please tell your instructor and quote %s.", ref);
	/* Drop half-built results: a lab error carries no verdict. */
	json_object_del(r->out, "lab");
	json_object_del(r->out, "steps");
	json_object_del(r->out, "total_points");
	json_object_del(r->out, "values");
	json_object_set_new(r->out, "ok", json_false());
	json_object_set_new(r->out, "lab_error", json_pack("{s:s, s:s, s:o}", "ref", ref, "message", msg,
	    "detail", lab_json_text(detail, strlen(detail))));
	log_error("lab %s: %s%s%s: %s [%s]", r->labid[0] ? r->labid : r->o->labdir, r->action,
	    r->step ? " " : "", r->step ? r->step : "", detail, ref);
	r->status = status;
}

static void
usage_error(struct run *r, const char *detail)
{
	lab_error(r, LAB_EXIT_USAGE, detail);
}

/* After a failed lua_pcall: the lab's fault, with the most useful detail. */
static void
lua_failure(struct run *r, int rc, const char *where)
{
	char detail[1024];
	enum vm_stop why = vm_stopped(r->vm);
	const char *msg = lua_tostring(r->L, -1);

	if (rc == LUA_ERRMEM || vm_mem_hit(r->vm))
		snprintf(detail, sizeof detail, "%s: ran out of memory (limit %zu MiB)", where,
		    vm_mem_max(r->vm) >> 20);
	else if (why == VM_STOP_INSTR || why == VM_STOP_CLOCK)
		snprintf(detail, sizeof detail, "%s: %s", where, vm_stop_reason(why));
	else
		snprintf(detail, sizeof detail, "%s: %s", where, msg != NULL ? msg : "error object is not a string");
	lab_error(r, LAB_EXIT_BROKEN, detail);
}

/* Call the function below NARGS arguments; classify.  Returns 1 passed, 0 failed
 * (feedback in *fb, a malloc'd copy), -1 lab error (already recorded). */
static int
call_lab(struct run *r, int nargs, unsigned ms, const char *where, char **fb)
{
	const char *feedback;
	int rc;

	vm_begin(r->vm, ms);
	if (hard_alarm)
		alarm(ms / 1000 + 3);
	rc = lua_pcall(r->L, nargs, 1, 0);
	if (hard_alarm)
		alarm(0);
	*fb = NULL;
	if (rc == LUA_OK && vm_stopped(r->vm) != VM_RUNNING) {
		/* killed, yet it returned (the kill was swallowed in a coroutine) */
		lua_pop(r->L, 1);
		lua_pushliteral(r->L, "stopped");
		rc = LUA_ERRRUN;
	}
	if (rc == LUA_OK)
		return 1;
	if (rc == LUA_ERRRUN && vm_stopped(r->vm) != VM_STOP_INSTR && vm_stopped(r->vm) != VM_STOP_CLOCK &&
	    ctx_is_fail(r->L, -1, &feedback)) {
		*fb = strdup(feedback);
		lua_pop(r->L, 1);
		return 0;
	}
	lua_failure(r, rc, where);
	lua_pop(r->L, 1);
	return -1;
}

static const char *
statedir_for(const struct lab_opts *o, const char *ws, char *buf, size_t len)
{
	const char *env = getenv("LABHUB_STATE_DIR");

	if (o->statedir != NULL)
		return o->statedir;
	if (env != NULL && *env != '\0')
		return env;
	if ((mkdir("/run/labhub-lab", 0700) == 0 || errno == EEXIST) && access("/run/labhub-lab", W_OK) == 0)
		return "/run/labhub-lab";
	(void)wsfs_pathf(buf, len, "%s/.labhub", ws);
	mkdir(buf, 0700);
	(void)wsfs_pathf(buf, len, "%s/.labhub/services", ws);
	return buf;
}

static int
open_lab(struct run *r)
{
	char msg[WSFS_MSG], path[PATH_MAX], sbuf[PATH_MAX];
	const char *ws = r->o->workspace != NULL ? r->o->workspace : r->o->labdir;
	struct ctx cx;
	struct stat st;
	int rc;

	memset(&cx, 0, sizeof cx);
	if (wsfs_init(&cx.ws, ws, msg, sizeof msg) < 0) {
		usage_error(r, msg);
		return -1;
	}
	if (realpath(r->o->labdir, cx.labdir) == NULL) {
		snprintf(msg, sizeof msg, "lab folder %s: %s", r->o->labdir, strerror(errno));
		usage_error(r, msg);
		return -1;
	}
	if (r->o->seed != NULL && strlen(r->o->seed) > CTX_SEED_MAX) {
		usage_error(r, "the seed is longer than 128 bytes");
		return -1;
	}
	snprintf(cx.seed, sizeof cx.seed, "%s", r->o->seed != NULL ? r->o->seed : "");
	snprintf(cx.statedir, sizeof cx.statedir, "%s", statedir_for(r->o, cx.ws.root, sbuf, sizeof sbuf));
	if (stat(cx.ws.root, &st) == 0) {
		cx.learner_uid = st.st_uid;
		cx.learner_gid = st.st_gid;
		cx.can_switch = geteuid() == 0 && st.st_uid != 0;
	}
	cx.phase = "load";
	r->vm = vm_new(&r->o->limits);
	if (r->vm == NULL) {
		lab_error(r, LAB_EXIT_BROKEN, "out of memory creating the lab VM");
		return -1;
	}
	cx.vm = r->vm;
	r->L = vm_lua(r->vm);
	lua_atpanic(r->L, on_panic);
	lua_pushcfunction(r->L, ctx_open);
	lua_pushlightuserdata(r->L, &cx);
	vm_begin(r->vm, 0);
	if ((rc = lua_pcall(r->L, 1, 0, 0)) != LUA_OK) {
		lua_failure(r, rc, "starting the lab API");
		return -1;
	}
	(void)wsfs_pathf(path, sizeof path, "%s/lab.lua", cx.labdir);
	rc = vm_load_file(r->vm, path, "@lab.lua", LAB_LUA_MAX);
	if (rc != LUA_OK) {
		lua_failure(r, rc, rc == LUA_ERRSYNTAX ? "syntax error" : "loading lab.lua");
		return -1;
	}
	vm_begin(r->vm, r->o->check_ms ? r->o->check_ms : LAB_CHECK_MS);
	if ((rc = lua_pcall(r->L, 0, 0, 0)) != LUA_OK) {
		lua_failure(r, rc, "running lab.lua");
		return -1;
	}
	lua_getfield(r->L, LUA_REGISTRYINDEX, "labhub.defs");
	lua_getfield(r->L, -1, "lab");
	if (!lua_istable(r->L, -1)) {
		lua_pop(r->L, 2);
		lab_error(r, LAB_EXIT_BROKEN, "lab.lua never calls lab { id = ..., title = ..., version = ... }");
		return -1;
	}
	lua_getfield(r->L, -1, "id");
	snprintf(r->labid, sizeof r->labid, "%s", lua_tostring(r->L, -1));
	lua_getfield(r->L, -2, "version");
	r->version = (long long)lua_tointeger(r->L, -1);
	lua_pop(r->L, 3);
	ctx_get(r->L)->phase = "load";
	snprintf(ctx_get(r->L)->labid, sizeof cx.labid, "%s", r->labid);
	lua_getfield(r->L, -1, "steps");
	if (lua_rawlen(r->L, -1) == 0) {
		lua_pop(r->L, 2);
		lab_error(r, LAB_EXIT_BROKEN, "lab.lua defines no step { ... }");
		return -1;
	}
	lua_pop(r->L, 1);
	/* the defs table stays at index 1 */
	json_object_set_new(r->out, "lab_id", json_string(r->labid));
	return 0;
}

/* Value at the top as a JSON value (strings, numbers, booleans, lists of strings). */
static json_t *
lua_to_json_list(lua_State *L, int idx)
{
	json_t *a = json_array();
	size_t i, n;

	if (!lua_istable(L, idx))
		return a;
	n = lua_rawlen(L, idx);
	for (i = 1; i <= n; i++) {
		size_t len;
		const char *s;

		lua_rawgeti(L, idx, (lua_Integer)i);
		s = lua_tolstring(L, -1, &len);
		if (s != NULL)
			json_array_append_new(a, lab_json_text(s, len));
		lua_pop(L, 1);
	}
	return a;
}

static json_t *
field_text(lua_State *L, int idx, const char *k)
{
	size_t len;
	const char *s;
	json_t *j;

	lua_getfield(L, idx, k);
	s = lua_tolstring(L, -1, &len);
	j = s != NULL ? lab_json_text(s, len) : json_null();
	lua_pop(L, 1);
	return j;
}

static lua_Integer
field_int(lua_State *L, int idx, const char *k)
{
	lua_Integer v;

	lua_getfield(L, idx, k);
	v = lua_tointeger(L, -1);
	lua_pop(L, 1);
	return v;
}

static int
have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	const char *p, *e;

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	for (p = path; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (snprintf(buf, sizeof buf, "%.*s/%s", (int)(e - p), p, name) < (int)sizeof buf &&
		    access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

static json_t *
translations(const char *labdir, const char *text)
{
	char dir[PATH_MAX], path[PATH_MAX];
	const char *base = strrchr(text, '/');
	json_t *t = json_object();
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dl;

	if (base == NULL)
		return t;
	dl = (int)(base - text);
	snprintf(dir, sizeof dir, "%s/%.*s", labdir, dl, text);
	d = opendir(dir);
	if (d == NULL)
		return t;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 16)
			continue;
		if (wsfs_pathf(path, sizeof path, "%s/%s%s", dir, de->d_name, base) == 0 &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			char rel[PATH_MAX];

			snprintf(rel, sizeof rel, "%.*s/%s%s", dl, text, de->d_name, base);
			json_object_set_new(t, de->d_name, json_string(rel));
		}
	}
	closedir(d);
	return t;
}

static void
do_manifest(struct run *r)
{
	lua_State *L = r->L;
	json_t *lab, *steps = json_array(), *needs, *missing = json_array();
	lua_Integer total = 0;
	size_t i, n;

	json_object_set_new(r->out, "steps", steps);	/* attached first: a panic must not leak them */
	json_object_set_new(r->out, "missing", missing);
	lua_getfield(L, 1, "lab");
	lab = json_object();
	json_object_set_new(r->out, "lab", lab);
	json_object_set_new(lab, "id", field_text(L, -1, "id"));
	json_object_set_new(lab, "title", field_text(L, -1, "title"));
	json_object_set_new(lab, "version", json_integer(field_int(L, -1, "version")));
	json_object_set_new(lab, "summary", field_text(L, -1, "summary"));
	lua_getfield(L, -1, "audience");
	json_object_set_new(lab, "audience", lua_to_json_list(L, -1));
	lua_pop(L, 1);
	lua_getfield(L, -1, "minutes");
	json_object_set_new(lab, "minutes", lua_isinteger(L, -1) ? json_integer(lua_tointeger(L, -1)) : json_null());
	lua_pop(L, 1);
	lua_getfield(L, -1, "objectives");
	json_object_set_new(lab, "objectives", lua_to_json_list(L, -1));
	lua_pop(L, 1);
	lua_getfield(L, -1, "needs");
	needs = lua_to_json_list(L, -1);
	json_object_set_new(r->out, "needs", needs);	/* owned by r->out until moved */
	lua_pop(L, 1);
	for (i = 0; i < json_array_size(needs); i++)
		if (!have_program(json_string_value(json_array_get(needs, i))))
			json_array_append(missing, json_array_get(needs, i));
	json_object_set(lab, "missing", missing);
	json_object_del(r->out, "missing");
	json_object_set(lab, "needs", needs);
	json_object_del(r->out, "needs");
	lua_getfield(L, -1, "free_order");
	json_object_set_new(lab, "free_order", json_boolean(lua_toboolean(L, -1)));
	lua_pop(L, 2);

	lua_getfield(L, 1, "steps");
	n = lua_rawlen(L, -1);
	for (i = 1; i <= n; i++) {
		json_t *s = json_object(), *hints = json_array(), *q = json_null();
		size_t h, nh;
		const char *text;

		json_array_append_new(steps, s);
		json_object_set_new(s, "hints", hints);
		lua_rawgeti(L, -1, (lua_Integer)i);
		json_object_set_new(s, "id", field_text(L, -1, "id"));
		json_object_set_new(s, "title", field_text(L, -1, "title"));
		json_object_set_new(s, "points", json_integer(field_int(L, -1, "points")));
		total += field_int(L, -1, "points");
		lua_getfield(L, -1, "text");
		text = lua_tostring(L, -1);
		json_object_set_new(s, "text", json_string(text));
		json_object_set_new(s, "texts", translations(r->o->labdir, text));
		lua_pop(L, 1);
		lua_getfield(L, -1, "hints");
		nh = lua_rawlen(L, -1);
		for (h = 1; h <= nh; h++) {
			lua_rawgeti(L, -1, (lua_Integer)h);
			json_array_append_new(hints, json_pack("{s:I}", "cost", (json_int_t)field_int(L, -1, "cost")));
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		lua_getfield(L, -1, "question");
		if (lua_istable(L, -1)) {
			q = json_object();
			json_object_set_new(s, "question", q);
			json_object_set_new(q, "kind", field_text(L, -1, "kind"));
			lua_getfield(L, -1, "choices");
			if (lua_istable(L, -1))
				json_object_set_new(q, "choices", lua_to_json_list(L, -1));
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		if (json_is_null(q))
			json_object_set_new(s, "question", q);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	json_object_set_new(r->out, "total_points", json_integer(total));
	/* keep the documented key order: ok, action, lab_id, lab, total_points, steps */
	json_incref(steps);
	json_object_del(r->out, "steps");
	json_object_set_new(r->out, "steps", steps);
}

static void
do_values(struct run *r)
{
	json_t *vals = json_object();
	char *fb;
	int rc;

	json_object_set_new(r->out, "values", vals);	/* borrowed from here on */
	lua_getfield(r->L, 1, "values");
	if (!lua_isfunction(r->L, -1)) {
		lua_pop(r->L, 1);
		return;
	}
	ctx_push(r->L, "values");
	rc = call_lab(r, 1, r->o->check_ms ? r->o->check_ms : LAB_CHECK_MS, "values()", &fb);
	if (rc < 0)
		return;
	if (rc == 0) {
		free(fb);
		lab_error(r, LAB_EXIT_BROKEN, "values() called fail/expect");
		return;
	}
	if (lua_istable(r->L, -1)) {
		lua_pushnil(r->L);
		while (lua_next(r->L, -2) != 0) {
			if (lua_type(r->L, -2) == LUA_TSTRING &&
			    (lua_type(r->L, -1) == LUA_TSTRING || lua_type(r->L, -1) == LUA_TNUMBER)) {
				size_t len;
				const char *v;

				lua_pushvalue(r->L, -1);	/* tolstring on a copy: never convert the key */
				v = lua_tolstring(r->L, -1, &len);
				json_object_set_new(vals, lua_tostring(r->L, -3), lab_json_text(v, len));
				lua_pop(r->L, 1);
			}
			lua_pop(r->L, 1);
		}
	}
	lua_pop(r->L, 1);
}

static void
do_setup(struct run *r)
{
	struct ctx *cx = ctx_get(r->L);
	char src[PATH_MAX], marker[PATH_MAX], msg[WSFS_MSG], *fb;
	long long t0 = now_ms();
	struct stat st;
	int copied = 0, rc;

	(void)wsfs_pathf(src, sizeof src, "%s/files", cx->labdir);
	(void)wsfs_pathf(marker, sizeof marker, "%s/.labhub/files-copied", cx->ws.root);
	if (lstat(marker, &st) < 0) {
		copied = wsfs_copy_tree(&cx->ws, src, msg, sizeof msg);
		if (copied < 0) {
			lab_error(r, LAB_EXIT_BROKEN, msg);
			return;
		}
		if (wsfs_write(&cx->ws, ".labhub/files-copied", "", 0, 0644, msg, sizeof msg) < 0)
			log_warn("setup: %s", msg);
	}
	lua_getfield(r->L, 1, "setup");
	if (lua_isfunction(r->L, -1)) {
		ctx_push(r->L, "setup");
		rc = call_lab(r, 1, r->o->setup_ms ? r->o->setup_ms : LAB_SETUP_MS, "setup()", &fb);
		if (rc == 0) {
			char detail[1200];

			snprintf(detail, sizeof detail, "setup() failed: %s", fb);
			free(fb);
			lab_error(r, LAB_EXIT_BROKEN, detail);
		}
		if (rc <= 0)
			return;
	}
	lua_pop(r->L, 1);
	json_object_set_new(r->out, "copied", json_integer(copied));
	json_object_set_new(r->out, "ms", json_integer(now_ms() - t0));
}

/* Push the step table for ID or record a usage error. */
static int
find_step(struct run *r, const char *id)
{
	char msg[160];

	lua_getfield(r->L, 1, "by_id");
	lua_getfield(r->L, -1, id);
	lua_remove(r->L, -2);
	if (lua_istable(r->L, -1))
		return 0;
	lua_pop(r->L, 1);
	snprintf(msg, sizeof msg, "the lab has no step '%.64s'", id);
	usage_error(r, msg);
	return -1;
}

/* With the question table at the top: is ANSWER acceptable?  Text questions
 * take anything; a choice question only one of its choices, verbatim. */
static int
choice_ok(lua_State *L, const char *answer, size_t len)
{
	size_t i, n, cl;
	const char *c;
	int ok = 0;

	lua_getfield(L, -1, "choices");
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return 1;
	}
	n = lua_rawlen(L, -1);
	for (i = 1; i <= n && !ok; i++) {
		lua_rawgeti(L, -1, (lua_Integer)i);
		c = lua_tolstring(L, -1, &cl);
		ok = c != NULL && cl == len && memcmp(c, answer, len) == 0;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return ok;
}

static void
do_check(struct run *r, const char *answer, size_t answer_len)
{
	long long t0 = now_ms();
	char *fb = NULL;
	int rc, nargs = 1, question;

	if (find_step(r, r->step) < 0)
		return;
	lua_getfield(r->L, -1, "question");
	question = lua_istable(r->L, -1);
	if (question && !choice_ok(r->L, answer != NULL ? answer : "", answer != NULL ? answer_len : 0)) {
		lua_pop(r->L, 2);
		json_object_set_new(r->out, "passed", json_false());
		json_object_set_new(r->out, "feedback", json_string("Choose one of the answers offered."));
		json_object_set_new(r->out, "ms", json_integer(now_ms() - t0));
		return;
	}
	lua_pop(r->L, 1);
	lua_getfield(r->L, -1, "check");
	ctx_push(r->L, "check");
	if (question) {
		lua_pushlstring(r->L, answer != NULL ? answer : "", answer != NULL ? answer_len : 0);
		nargs = 2;
	}
	rc = call_lab(r, nargs, r->o->check_ms ? r->o->check_ms : LAB_CHECK_MS, "check", &fb);
	if (rc < 0)
		return;
	lua_pop(r->L, 2);
	json_object_set_new(r->out, "passed", json_boolean(rc == 1));
	json_object_set_new(r->out, "feedback", lab_json_text(fb, fb != NULL ? strlen(fb) : 0));
	json_object_set_new(r->out, "ms", json_integer(now_ms() - t0));
	free(fb);
}

static void
do_hint(struct run *r, const char *nstr)
{
	char *end;
	long n = nstr != NULL ? strtol(nstr, &end, 10) : 0;
	size_t count;

	if (find_step(r, r->step) < 0)
		return;
	lua_getfield(r->L, -1, "hints");
	count = lua_rawlen(r->L, -1);
	if (nstr == NULL || *end != '\0' || n < 1 || (size_t)n > count) {
		char msg[160];

		snprintf(msg, sizeof msg, "step %.64s has %zu hint(s); ask for 1..%zu", r->step, count, count);
		usage_error(r, msg);
		lua_pop(r->L, 2);
		return;
	}
	lua_rawgeti(r->L, -1, n);
	json_object_set_new(r->out, "n", json_integer(n));
	json_object_set_new(r->out, "of", json_integer((json_int_t)count));
	json_object_set_new(r->out, "text", field_text(r->L, -1, "text"));
	json_object_set_new(r->out, "cost", json_integer(field_int(r->L, -1, "cost")));
	lua_pop(r->L, 3);
}

static void
dispatch(struct run *r, const char *action, const char *arg2, const char *answer, size_t answer_len)
{
	if (open_lab(r) < 0)
		return;
	if (strcmp(action, "manifest") == 0)
		do_manifest(r);
	else if (strcmp(action, "values") == 0)
		do_values(r);
	else if (strcmp(action, "setup") == 0)
		do_setup(r);
	else if (strcmp(action, "check") == 0)
		do_check(r, answer, answer_len);
	else
		do_hint(r, arg2);
}

json_t *
lab_exec(const struct lab_opts *o, const char *action, const char *arg1,
    const char *arg2, const char *answer, size_t answer_len, int *status)
{
	struct run r = { .o = o, .action = action, .status = LAB_EXIT_OK };
	jmp_buf env, *outer = panic_env;

	r.out = json_object();
	json_object_set_new(r.out, "ok", json_true());
	json_object_set_new(r.out, "action", json_string(action != NULL ? action : ""));
	if (action == NULL) {
		usage_error(&r, "no action given (manifest, values, setup, check STEP, hint STEP N)");
		goto done;
	}
	if (strcmp(action, "check") == 0 || strcmp(action, "hint") == 0) {
		if (arg1 == NULL) {
			usage_error(&r, "which step? (check STEP, hint STEP N)");
			goto done;
		}
		r.step = arg1;
		json_object_set_new(r.out, "step", lab_json_text(arg1, strlen(arg1)));
	} else if (strcmp(action, "manifest") != 0 && strcmp(action, "setup") != 0 &&
	    strcmp(action, "values") != 0) {
		usage_error(&r, "unknown action (manifest, values, setup, check STEP, hint STEP N)");
		goto done;
	}
	if (o->workspace == NULL && strcmp(action, "manifest") != 0) {
		usage_error(&r, "--workspace is required for this action");
		goto done;
	}
	panic_env = &env;
	if (setjmp(env) == 0) {
		dispatch(&r, action, arg2, answer, answer_len);
	} else {
		char detail[128];

		snprintf(detail, sizeof detail, "%s: ran out of memory (limit %zu MiB)", action,
		    r.vm != NULL ? vm_mem_max(r.vm) >> 20 : (size_t)0);
		lab_error(&r, LAB_EXIT_BROKEN, detail);
	}
	panic_env = outer;
done:
	vm_free(r.vm);
	*status = r.status;
	return r.out;
}

/* The hard wall clock: if lab code is stuck where the count hook cannot see
 * it (a C pattern match, a blocked syscall), SIGALRM prints the prepared
 * verdict and ends the process. */
static char alarm_json[1024];
static size_t alarm_len;

static void
on_alarm(int sig)
{
	(void)sig;
	(void)!write(1, alarm_json, alarm_len);
	_exit(LAB_EXIT_BROKEN);
}

static void
arm_alarm(const char *action, const char *step, unsigned ms)
{
	char ref[32], msg[160];
	json_t *j;
	char *s;

	make_ref(ref, sizeof ref, "?", 0, step != NULL ? step : "", "wall-clock limit");
	snprintf(msg, sizeof msg, "This lab has a problem. Please tell your instructor and quote %s.", ref);
	j = json_pack("{s:b, s:s, s:{s:s, s:s, s:s}}", "ok", 0, "action", action, "lab_error",
	    "ref", ref, "message", msg,
	    "detail", "the lab script ran past its wall-clock limit and was ended");
	if (j != NULL && step != NULL)
		json_object_set_new(j, "step", lab_json_text(step, strlen(step)));
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	if (s != NULL && strlen(s) + 2 < sizeof alarm_json) {
		alarm_len = (size_t)snprintf(alarm_json, sizeof alarm_json, "%s\n", s);
		signal(SIGALRM, on_alarm);
		alarm(ms / 1000 + 3);
		hard_alarm = 1;
	}
	free(s);
	json_decref(j);
}

static void
exec_usage(FILE *f)
{
	fprintf(f,
	    "usage: labhub lab exec [--lab DIR] [--workspace DIR] [--seed SEED] [--state DIR] ACTION\n"
	    "\n"
	    "Runs one action of a lab inside a cell and prints one JSON object (see labs/README.md).\n"
	    "ACTION is one of:\n"
	    "  manifest          lab metadata and steps (no hint texts, no answers)\n"
	    "  values            per-learner values for the step texts\n"
	    "  setup             copy files/ into the workspace (first time) and run setup()\n"
	    "  check STEP        run the step's check (question steps read the answer on stdin)\n"
	    "  hint STEP N       the text and cost of hint N (from 1)\n"
	    "\n"
	    "  --lab DIR         lab folder (default /lab)\n"
	    "  --workspace DIR   learner's workspace (default /home/learner)\n"
	    "  --seed SEED       per-learner seed (default $LABHUB_SEED)\n"
	    "  --state DIR       where services keep pidfiles and logs\n"
	    "Exit status: 0 the action ran, 2 bad usage, 3 the lab is broken.\n");
}

int
lab_exec_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "workspace", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lab_opts o = { .labdir = "/lab", .workspace = "/home/learner", .seed = getenv("LABHUB_SEED") };
	char answer[LAB_ANSWER_MAX + 1];
	size_t alen = 0;
	const char *action;
	int c, status, ws_given = 0;
	json_t *j;

	log_set_tag("lab");
	/*
	 * The learner's processes share our uid in a cell: without this they
	 * could open /proc/<pid>/mem or /proc/<pid>/fd/1 of this process and
	 * forge the verdict.  Not dumpable, those files belong to root.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_warn_errno("prctl(PR_SET_DUMPABLE)");
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.labdir = optarg;
			break;
		case 'w':
			o.workspace = optarg;
			ws_given = 1;
			break;
		case 's':
			o.seed = optarg;
			break;
		case 'S':
			o.statedir = optarg;
			break;
		case 'h':
			exec_usage(stdout);
			return 0;
		default:
			exec_usage(stderr);
			return EXIT_USAGE;
		}
	}
	action = optind < argc ? argv[optind] : NULL;
	if (action != NULL && strcmp(action, "manifest") == 0 && !ws_given && access(o.workspace, F_OK) != 0)
		o.workspace = NULL;
	if (action != NULL && strcmp(action, "check") == 0 && !isatty(0)) {
		ssize_t n;

		while (alen < LAB_ANSWER_MAX && (n = read(0, answer + alen, LAB_ANSWER_MAX - alen)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			alen += (size_t)n;
		}
		if (alen > 0 && answer[alen - 1] == '\n')
			alen--;
		if (alen > 0 && answer[alen - 1] == '\r')
			alen--;
	}
	answer[alen] = '\0';
	if (action != NULL)
		arm_alarm(action, optind + 1 < argc ? argv[optind + 1] : NULL,
		    strcmp(action, "setup") == 0 ? LAB_SETUP_MS : LAB_CHECK_MS * 2);
	j = lab_exec(&o, action, optind + 1 < argc ? argv[optind + 1] : NULL,
	    optind + 2 < argc ? argv[optind + 2] : NULL, answer, alen, &status);
	alarm(0);
	json_dumpf(j, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(j);
	return status;
}
