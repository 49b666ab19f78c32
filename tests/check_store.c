/*
 * check_store: the SQLite store behind store.h.  Every case gets a fresh
 * database (":memory:", or a file in its own temp dir for the cases about
 * restarts, WAL, backups and other processes).
 */
#include <config.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/store.h"

#define HASH "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"

static struct store *s;
static char tmpdir[] = "/tmp/labhub-check-store-XXXXXX";
static char dbpath[256];
static int64_t fake_now = 1000000;

static int64_t
clock_fn(void *arg)
{
	(void)arg;
	return fake_now;
}

static struct store *
open_ok(const char *path)
{
	struct store *st = NULL;
	char err[256] = "";

	ck_assert_msg(store_open(path, 0, &st, err, sizeof err) == STORE_OK, "open: %s", err);
	store_set_clock(st, clock_fn, NULL);
	return st;
}

static void
setup_mem(void)
{
	fake_now = 1000000;
	s = open_ok(":memory:");
}

static void
teardown_mem(void)
{
	store_close(s);
	s = NULL;
}

static void
setup_file(void)
{
	fake_now = 1000000;
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof dbpath, "%s/labhub.db", tmpdir);
	s = NULL;
}

static void
teardown_file(void)
{
	char cmd[300];

	store_close(s);
	s = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static int64_t
add_user(const char *name, enum store_role role)
{
	int64_t id = 0;

	ck_assert_int_eq(store_user_add(s, name, role, HASH, &id), STORE_OK);
	ck_assert_int_gt(id, 0);
	return id;
}

static void
add_lab(const char *id, int version)
{
	struct store_lab l;

	memset(&l, 0, sizeof l);
	snprintf(l.id, sizeof l.id, "%s", id);
	l.version = version;
	snprintf(l.content_hash, sizeof l.content_hash, "%064d", version);
	snprintf(l.title, sizeof l.title, "Lab %s", id);
	l.manifest = (char *)"{\"steps\":[\"a\",\"b\"]}";
	l.enabled = 1;
	ck_assert_int_eq(store_lab_upsert(s, &l), STORE_OK);
}

static int
event(int64_t attempt, const char *step_id, enum store_event_kind kind, int points,
    const char *feedback, const char *detail)
{
	struct store_event ev;

	memset(&ev, 0, sizeof ev);
	ev.attempt_id = attempt;
	snprintf(ev.step_id, sizeof ev.step_id, "%s", step_id);
	ev.kind = kind;
	ev.points = points;
	snprintf(ev.feedback, sizeof ev.feedback, "%s", feedback != NULL ? feedback : "");
	snprintf(ev.detail, sizeof ev.detail, "%s", detail != NULL ? detail : "");
	return store_event_add(s, &ev);
}

/* ---- schema ----------------------------------------------------------- */

START_TEST(open_migrates_and_migrate_is_idempotent)
{
	int v = -1, before = -1, after = -1;

	ck_assert_int_eq(store_schema_version(s, &v), STORE_OK);
	ck_assert_int_eq(v, store_schema_latest());
	ck_assert_int_ge(v, 1);
	ck_assert_int_eq(store_migrate(s, &before, &after), STORE_OK);
	ck_assert_int_eq(before, store_schema_latest());
	ck_assert_int_eq(after, store_schema_latest());
	ck_assert_int_eq(store_migrate(s, NULL, NULL), STORE_OK);
}
END_TEST

START_TEST(nomigrate_then_migrate_on_file)
{
	char err[256];
	int v = -1, before = -1, after = -1;

	ck_assert_int_eq(store_open(dbpath, STORE_OPEN_NOMIGRATE, &s, err, sizeof err), STORE_OK);
	ck_assert_int_eq(store_schema_version(s, &v), STORE_OK);
	ck_assert_int_eq(v, 0);
	/* no tables yet: a query fails cleanly instead of crashing */
	ck_assert_int_eq(store_user_add(s, "a", STORE_ROLE_ADMIN, HASH, NULL), STORE_ERROR);
	ck_assert_int_eq(store_migrate(s, &before, &after), STORE_OK);
	ck_assert_int_eq(before, 0);
	ck_assert_int_eq(after, store_schema_latest());
	ck_assert_int_eq(store_user_add(s, "a", STORE_ROLE_ADMIN, HASH, NULL), STORE_OK);
	store_close(s);
	s = NULL;
	/* reopening does not migrate again nor lose anything */
	ck_assert_int_eq(store_open(dbpath, STORE_OPEN_NOMIGRATE, &s, err, sizeof err), STORE_OK);
	ck_assert_int_eq(store_schema_version(s, &v), STORE_OK);
	ck_assert_int_eq(v, store_schema_latest());
}
END_TEST

START_TEST(newer_schema_is_refused)
{
	sqlite3 *db;
	char err[256] = "";

	s = open_ok(dbpath);
	store_close(s);
	s = NULL;
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_open(dbpath, 0, &s, err, sizeof err), STORE_TOONEW);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err, "newer"));
}
END_TEST

START_TEST(file_is_wal_with_foreign_keys)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	s = open_ok(dbpath);
	add_user("a", STORE_ROLE_ADMIN);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

START_TEST(foreign_keys_are_enforced)
{
	unsigned char tok[STORE_TOKEN_HASH_LEN] = { 1 };
	struct store_attempt a;
	int64_t u = add_user("amy", STORE_ROLE_LEARNER);

	ck_assert_int_eq(store_cohort_create(s, "c", "CODE2345", 4242, NULL), STORE_INVALID);
	ck_assert_int_eq(store_session_create(s, tok, 4242, fake_now + 60), STORE_INVALID);
	ck_assert_int_eq(store_attempt_open(s, u, "no-such-lab", 1, 7, &a, NULL), STORE_INVALID);
	ck_assert_int_eq(event(4242, "a", STORE_EVENT_CHECK_PASS, 1, "", ""), STORE_INVALID);
	ck_assert_int_eq(store_cohort_lab_enable(s, 1, "x", 1), STORE_INVALID);
}
END_TEST

/* ---- users and sessions ---------------------------------------------- */

static int
collect_names(const struct store_user *u, void *arg)
{
	char *buf = arg;

	strcat(buf, u->name);
	strcat(buf, ":");
	strcat(buf, store_role_name(u->role));
	strcat(buf, " ");
	return 0;
}

START_TEST(users)
{
	struct store_user u;
	char names[256] = "", longname[STORE_NAME_MAX + 2];
	int64_t id;
	enum store_role r;

	id = add_user("zed", STORE_ROLE_INSTRUCTOR);
	add_user("amy", STORE_ROLE_LEARNER);
	ck_assert_int_eq(store_user_add(s, "zed", STORE_ROLE_ADMIN, HASH, NULL), STORE_EXISTS);
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(store_user_add(s, longname, STORE_ROLE_ADMIN, HASH, NULL), STORE_INVALID);
	ck_assert_int_eq(store_user_add(s, "", STORE_ROLE_ADMIN, HASH, NULL), STORE_INVALID);
	ck_assert_int_eq(store_user_add(s, "q", (enum store_role)9, HASH, NULL), STORE_INVALID);

	ck_assert_int_eq(store_user_get_by_name(s, "zed", &u), STORE_OK);
	ck_assert_int_eq(u.id, id);
	ck_assert_int_eq(u.role, STORE_ROLE_INSTRUCTOR);
	ck_assert_str_eq(u.pwhash, HASH);
	ck_assert_int_eq(u.disabled, 0);
	ck_assert_int_eq(u.created, fake_now);
	ck_assert_int_eq(store_user_get_by_id(s, id, &u), STORE_OK);
	ck_assert_str_eq(u.name, "zed");
	ck_assert_int_eq(store_user_get_by_name(s, "nobody", &u), STORE_NOTFOUND);
	ck_assert_int_eq(store_user_get_by_id(s, 999, &u), STORE_NOTFOUND);

	ck_assert_int_eq(store_user_list(s, collect_names, names), STORE_OK);
	ck_assert_str_eq(names, "amy:learner zed:instructor ");

	ck_assert_int_eq(store_user_set_password(s, id, "$argon2id$new"), STORE_OK);
	ck_assert_int_eq(store_user_get_by_id(s, id, &u), STORE_OK);
	ck_assert_str_eq(u.pwhash, "$argon2id$new");
	ck_assert_int_eq(store_user_set_password(s, 999, HASH), STORE_NOTFOUND);

	ck_assert_int_eq(store_role_parse("admin", &r), 0);
	ck_assert_int_eq(r, STORE_ROLE_ADMIN);
	ck_assert_int_eq(store_role_parse("root", &r), -1);
}
END_TEST

START_TEST(sessions)
{
	unsigned char t1[STORE_TOKEN_HASH_LEN], t2[STORE_TOKEN_HASH_LEN], t3[STORE_TOKEN_HASH_LEN];
	struct store_session se;
	struct store_user u;
	int64_t id = add_user("amy", STORE_ROLE_LEARNER);
	int n = -1;

	memset(t1, 1, sizeof t1);
	memset(t2, 2, sizeof t2);
	memset(t3, 3, sizeof t3);
	ck_assert_int_eq(store_session_create(s, t1, id, fake_now + 100), STORE_OK);
	ck_assert_int_eq(store_session_create(s, t2, id, fake_now + 10), STORE_OK);
	ck_assert_int_eq(store_session_create(s, t1, id, fake_now + 100), STORE_EXISTS);

	ck_assert_int_eq(store_session_lookup(s, t1, fake_now, &se, &u), STORE_OK);
	ck_assert_int_eq(se.user_id, id);
	ck_assert_int_eq(se.expires, fake_now + 100);
	ck_assert_str_eq(u.name, "amy");
	ck_assert_int_eq(store_session_lookup(s, t3, fake_now, &se, NULL), STORE_NOTFOUND);
	/* expiry is exclusive */
	ck_assert_int_eq(store_session_lookup(s, t2, fake_now + 10, &se, NULL), STORE_NOTFOUND);
	ck_assert_int_eq(store_session_lookup(s, t2, fake_now + 9, &se, NULL), STORE_OK);

	ck_assert_int_eq(store_session_touch(s, t1, fake_now + 50), STORE_OK);
	ck_assert_int_eq(store_session_lookup(s, t1, fake_now, &se, NULL), STORE_OK);
	ck_assert_int_eq(se.last_seen, fake_now + 50);
	ck_assert_int_eq(store_session_touch(s, t3, fake_now), STORE_NOTFOUND);

	ck_assert_int_eq(store_session_purge_expired(s, fake_now + 10, &n), STORE_OK);
	ck_assert_int_eq(n, 1);
	/* a new sign-in sweeps expired sessions by itself */
	ck_assert_int_eq(store_session_create(s, t2, id, fake_now + 5), STORE_OK);
	fake_now += 6;
	ck_assert_int_eq(store_session_create(s, t3, id, fake_now + 100), STORE_OK);
	ck_assert_int_eq(store_session_purge_expired(s, fake_now, &n), STORE_OK);
	ck_assert_int_eq(n, 0);
	fake_now -= 6;
	ck_assert_int_eq(store_session_delete(s, t1), STORE_OK);
	ck_assert_int_eq(store_session_delete(s, t1), STORE_NOTFOUND);
	ck_assert_int_eq(store_session_lookup(s, t1, fake_now, &se, NULL), STORE_NOTFOUND);
}
END_TEST

START_TEST(disable_and_password_change_end_sessions)
{
	unsigned char t1[STORE_TOKEN_HASH_LEN], t2[STORE_TOKEN_HASH_LEN];
	struct store_session se;
	struct store_user u;
	int64_t id = add_user("amy", STORE_ROLE_LEARNER);

	memset(t1, 1, sizeof t1);
	memset(t2, 2, sizeof t2);
	ck_assert_int_eq(store_session_create(s, t1, id, fake_now + 100), STORE_OK);
	ck_assert_int_eq(store_user_set_disabled(s, id, 1), STORE_OK);
	ck_assert_int_eq(store_session_lookup(s, t1, fake_now, &se, NULL), STORE_NOTFOUND);
	ck_assert_int_eq(store_user_get_by_id(s, id, &u), STORE_OK);
	ck_assert_int_eq(u.disabled, 1);
	/* a session created for a disabled account does not work either */
	ck_assert_int_eq(store_session_create(s, t1, id, fake_now + 100), STORE_OK);
	ck_assert_int_eq(store_session_lookup(s, t1, fake_now, &se, NULL), STORE_NOTFOUND);
	ck_assert_int_eq(store_user_set_disabled(s, id, 0), STORE_OK);
	ck_assert_int_eq(store_session_lookup(s, t1, fake_now, &se, NULL), STORE_OK);

	ck_assert_int_eq(store_session_create(s, t2, id, fake_now + 100), STORE_OK);
	ck_assert_int_eq(store_user_set_password(s, id, HASH), STORE_OK);
	ck_assert_int_eq(store_session_lookup(s, t1, fake_now, &se, NULL), STORE_NOTFOUND);
	ck_assert_int_eq(store_session_lookup(s, t2, fake_now, &se, NULL), STORE_NOTFOUND);
	ck_assert_int_eq(store_user_set_disabled(s, 999, 1), STORE_NOTFOUND);
}
END_TEST

/* ---- cohorts ---------------------------------------------------------- */

static int
collect_cohorts(const struct store_cohort *c, void *arg)
{
	strcat(arg, c->name);
	strcat(arg, " ");
	return 0;
}

static int
collect_members(const struct store_member *m, void *arg)
{
	strcat(arg, m->nickname);
	strcat(arg, " ");
	return 0;
}

static int
stop_after_one(const struct store_cohort *c, void *arg)
{
	(void)c;
	++*(int *)arg;
	return 1;
}

START_TEST(cohorts_and_members)
{
	struct store_cohort c;
	struct store_member m;
	struct store_user u;
	char buf[256] = "";
	int64_t t1 = add_user("tina", STORE_ROLE_INSTRUCTOR), t2 = add_user("tom", STORE_ROLE_INSTRUCTOR);
	int64_t amy = add_user("amy", STORE_ROLE_LEARNER), c1, c2, joined = 0;
	int calls = 0;

	ck_assert_int_eq(store_cohort_create(s, "Workshop B", "AAAA2222", t1, &c1), STORE_OK);
	ck_assert_int_eq(store_cohort_create(s, "Course A", "BBBB3333", t2, &c2), STORE_OK);
	ck_assert_int_eq(store_cohort_create(s, "dup", "AAAA2222", t2, NULL), STORE_EXISTS);

	ck_assert_int_eq(store_cohort_get_by_join_code(s, "AAAA2222", &c), STORE_OK);
	ck_assert_int_eq(c.id, c1);
	ck_assert_str_eq(c.name, "Workshop B");
	ck_assert_int_eq(c.instructor_id, t1);
	ck_assert_int_eq(store_cohort_get_by_join_code(s, "ZZZZ9999", &c), STORE_NOTFOUND);
	ck_assert_int_eq(store_cohort_get(s, c2, &c), STORE_OK);
	ck_assert_str_eq(c.join_code, "BBBB3333");

	ck_assert_int_eq(store_cohort_list(s, 0, collect_cohorts, buf), STORE_OK);
	ck_assert_str_eq(buf, "Course A Workshop B ");
	buf[0] = '\0';
	ck_assert_int_eq(store_cohort_list(s, t1, collect_cohorts, buf), STORE_OK);
	ck_assert_str_eq(buf, "Workshop B ");
	ck_assert_int_eq(store_cohort_list(s, 0, stop_after_one, &calls), STORE_OK);
	ck_assert_int_eq(calls, 1);

	ck_assert_int_eq(store_cohort_is_instructor_of(s, t1, c1), 1);
	ck_assert_int_eq(store_cohort_is_instructor_of(s, t1, c2), 0);
	ck_assert_int_eq(store_cohort_is_instructor_of(s, amy, c1), 0);

	ck_assert_int_eq(store_cohort_add_member(s, c1, amy, "Amy"), STORE_OK);
	ck_assert_int_eq(store_cohort_add_member(s, c1, amy, "Amy2"), STORE_EXISTS);
	ck_assert_int_eq(store_cohort_add_member(s, c2, amy, "amy-b"), STORE_OK);
	ck_assert_int_eq(store_cohort_join(s, c1, "Zoë", HASH, &joined), STORE_OK);
	ck_assert_int_gt(joined, 0);
	ck_assert_int_eq(store_cohort_join(s, c1, "Amy", HASH, NULL), STORE_EXISTS);
	/* the same nickname is fine in another cohort */
	ck_assert_int_eq(store_cohort_join(s, c2, "Zoë", HASH, NULL), STORE_OK);

	ck_assert_int_eq(store_cohort_member_by_nickname(s, c1, "Zoë", &m, &u), STORE_OK);
	ck_assert_int_eq(m.user_id, joined);
	ck_assert_int_eq(u.id, joined);
	ck_assert_int_eq(u.role, STORE_ROLE_LEARNER);
	ck_assert_str_eq(u.pwhash, HASH);
	ck_assert(u.name[0] == '~');
	ck_assert_int_eq(store_cohort_member_by_nickname(s, c1, "amy-b", &m, &u), STORE_NOTFOUND);

	buf[0] = '\0';
	ck_assert_int_eq(store_cohort_members(s, c1, collect_members, buf), STORE_OK);
	ck_assert_str_eq(buf, "Amy Zoë ");
	buf[0] = '\0';
	ck_assert_int_eq(store_cohort_of_learner(s, amy, collect_cohorts, buf), STORE_OK);
	ck_assert_str_eq(buf, "Course A Workshop B ");
}
END_TEST

/* ---- labs ------------------------------------------------------------- */

static int
collect_labs(const struct store_lab *l, void *arg)
{
	char v[96];

	snprintf(v, sizeof v, "%s@%d ", l->id, l->version);
	strcat(arg, v);
	ck_assert_ptr_nonnull(l->manifest);
	return 0;
}

START_TEST(labs_catalog)
{
	struct store_lab l;
	char buf[256] = "";
	int64_t t = add_user("tina", STORE_ROLE_INSTRUCTOR), c;

	add_lab("dns", 1);
	add_lab("bgp", 1);
	add_lab("dns", 2);
	ck_assert_int_eq(store_lab_get(s, "dns", &l), STORE_OK);
	ck_assert_int_eq(l.version, 2);
	ck_assert_str_eq(l.title, "Lab dns");
	ck_assert_str_eq(l.manifest, "{\"steps\":[\"a\",\"b\"]}");
	store_lab_clear(&l);
	ck_assert_ptr_null(l.manifest);
	ck_assert_int_eq(store_lab_get(s, "nope", &l), STORE_NOTFOUND);
	ck_assert_int_eq(store_lab_list(s, collect_labs, buf), STORE_OK);
	ck_assert_str_eq(buf, "bgp@1 dns@2 ");

	ck_assert_int_eq(store_cohort_create(s, "c", "CCCC4444", t, &c), STORE_OK);
	ck_assert_int_eq(store_cohort_lab_enable(s, c, "dns", 1), STORE_OK);
	ck_assert_int_eq(store_cohort_lab_enable(s, c, "dns", 1), STORE_OK);
	ck_assert_int_eq(store_cohort_lab_enable(s, c, "bgp", 1), STORE_OK);
	buf[0] = '\0';
	ck_assert_int_eq(store_cohort_labs(s, c, collect_labs, buf), STORE_OK);
	ck_assert_str_eq(buf, "bgp@1 dns@2 ");
	ck_assert_int_eq(store_cohort_lab_enable(s, c, "bgp", 0), STORE_OK);
	buf[0] = '\0';
	ck_assert_int_eq(store_cohort_labs(s, c, collect_labs, buf), STORE_OK);
	ck_assert_str_eq(buf, "dns@2 ");
	/* a lab disabled in the catalog disappears from every cohort */
	ck_assert_int_eq(store_lab_get(s, "dns", &l), STORE_OK);
	l.enabled = 0;
	ck_assert_int_eq(store_lab_upsert(s, &l), STORE_OK);
	store_lab_clear(&l);
	buf[0] = '\0';
	ck_assert_int_eq(store_cohort_labs(s, c, collect_labs, buf), STORE_OK);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* ---- attempts, events, progress -------------------------------------- */

START_TEST(attempts_open_get_reset)
{
	struct store_attempt a, b, again;
	int64_t amy = add_user("amy", STORE_ROLE_LEARNER), bob = add_user("bob", STORE_ROLE_LEARNER);
	int created = -1;

	add_lab("dns", 1);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 0xfeedfacecafebeefULL, &a, &created), STORE_OK);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(a.user_id, amy);
	ck_assert_uint_eq(a.seed, 0xfeedfacecafebeefULL);
	ck_assert_int_eq(a.started, fake_now);
	ck_assert_int_eq(a.finished, 0);
	/* the same attempt comes back, seed and version kept */
	add_lab("dns", 2);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 2, 1, &again, &created), STORE_OK);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(again.id, a.id);
	ck_assert_uint_eq(again.seed, 0xfeedfacecafebeefULL);
	ck_assert_int_eq(again.lab_version, 1);
	/* another learner gets their own */
	ck_assert_int_eq(store_attempt_open(s, bob, "dns", 2, 2, &b, NULL), STORE_OK);
	ck_assert_int_ne(b.id, a.id);
	ck_assert_int_eq(store_attempt_get(s, b.id, &again), STORE_OK);
	ck_assert_int_eq(again.user_id, bob);
	ck_assert_int_eq(store_attempt_get(s, 9999, &again), STORE_NOTFOUND);
	/* the current attempt without making one */
	ck_assert_int_eq(store_attempt_current(s, amy, "dns", &again), STORE_OK);
	ck_assert_int_eq(again.id, a.id);
	ck_assert_int_eq(store_attempt_current(s, amy, "web", &again), STORE_NOTFOUND);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 2, 1, &again, &created), STORE_OK);
	ck_assert_int_eq(created, 0);

	ck_assert_int_eq(store_attempt_finish(s, a.id), STORE_OK);
	fake_now += 10;
	ck_assert_int_eq(store_attempt_finish(s, a.id), STORE_OK);
	ck_assert_int_eq(store_attempt_get(s, a.id, &again), STORE_OK);
	ck_assert_int_eq(again.finished, fake_now - 10);

	ck_assert_int_eq(store_attempt_reset(s, a.id), STORE_OK);
	ck_assert_int_eq(store_attempt_reset(s, a.id), STORE_INVALID);
	ck_assert_int_eq(store_attempt_current(s, amy, "dns", &again), STORE_NOTFOUND);
	ck_assert_int_eq(event(a.id, "a", STORE_EVENT_CHECK_PASS, 10, "", ""), STORE_INVALID);
	ck_assert_int_eq(store_attempt_get(s, a.id, &again), STORE_OK);
	ck_assert_int_eq(again.reset, fake_now);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 2, 5, &again, &created), STORE_OK);
	ck_assert_int_eq(created, 1);
	ck_assert_int_ne(again.id, a.id);
	ck_assert_int_eq(again.lab_version, 2);
	ck_assert_uint_eq(again.seed, 5);
}
END_TEST

START_TEST(attempt_values_are_kept_per_lab_content)
{
	struct store_attempt a, b;
	int64_t amy = add_user("amy", STORE_ROLE_LEARNER), bob = add_user("bob", STORE_ROLE_LEARNER);
	char h1[65], h2[65], *j = (char *)"not touched", big[STORE_VALUES_MAX + 2];

	add_lab("dns", 1);
	snprintf(h1, sizeof h1, "%064d", 1);
	snprintf(h2, sizeof h2, "%064d", 2);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 7, &a, NULL), STORE_OK);
	ck_assert_int_eq(store_attempt_open(s, bob, "dns", 1, 8, &b, NULL), STORE_OK);
	/* nothing computed yet */
	ck_assert_int_eq(store_attempt_values_get(s, a.id, h1, &j), STORE_NOTFOUND);
	ck_assert_ptr_null(j);
	ck_assert_int_eq(store_attempt_values_set(s, a.id, h1, "{\"zone\":\"k7.example.test\"}"), STORE_OK);
	ck_assert_int_eq(store_attempt_values_get(s, a.id, h1, &j), STORE_OK);
	ck_assert_str_eq(j, "{\"zone\":\"k7.example.test\"}");
	free(j);
	/* per attempt: bob has none */
	ck_assert_int_eq(store_attempt_values_get(s, b.id, h1, &j), STORE_NOTFOUND);
	/* a changed lab (new content hash) does not see the old values ... */
	ck_assert_int_eq(store_attempt_values_get(s, a.id, h2, &j), STORE_NOTFOUND);
	ck_assert_ptr_null(j);
	/* ... and storing the new ones replaces them */
	ck_assert_int_eq(store_attempt_values_set(s, a.id, h2, "{}"), STORE_OK);
	ck_assert_int_eq(store_attempt_values_get(s, a.id, h2, &j), STORE_OK);
	ck_assert_str_eq(j, "{}");
	free(j);
	ck_assert_int_eq(store_attempt_values_get(s, a.id, h1, &j), STORE_NOTFOUND);
	/* refused: unknown attempt, too long, missing arguments */
	ck_assert_int_eq(store_attempt_values_set(s, 9999, h1, "{}"), STORE_INVALID);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(store_attempt_values_set(s, a.id, h1, big), STORE_INVALID);
	big[STORE_VALUES_MAX] = '\0';
	ck_assert_int_eq(store_attempt_values_set(s, a.id, h1, big), STORE_OK);
	ck_assert_int_eq(store_attempt_values_set(s, a.id, NULL, "{}"), STORE_INVALID);
	ck_assert_int_eq(store_attempt_values_set(s, a.id, h1, NULL), STORE_INVALID);
	ck_assert_int_eq(store_attempt_values_get(s, a.id, NULL, &j), STORE_NOTFOUND);
	/* a reset attempt keeps its values; the next attempt starts without */
	ck_assert_int_eq(store_attempt_reset(s, a.id), STORE_OK);
	ck_assert_int_eq(store_attempt_values_get(s, a.id, h1, &j), STORE_OK);
	ck_assert_uint_eq(strlen(j), STORE_VALUES_MAX);
	free(j);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 9, &b, NULL), STORE_OK);
	ck_assert_int_ne(b.id, a.id);
	ck_assert_int_eq(store_attempt_values_get(s, b.id, h1, &j), STORE_NOTFOUND);
}
END_TEST

struct uev_buf {
	char line[8][4096];
	int n;
};

static int
collect_uev(const struct store_user_event *e, void *arg)
{
	struct uev_buf *b = arg;

	ck_assert_int_lt(b->n, 8);
	snprintf(b->line[b->n++], sizeof b->line[0], "%s/%s %s %d %s r%d", e->lab_id, e->ev.step_id,
	    store_event_kind_name(e->ev.kind), e->ev.points, e->ev.feedback, e->attempt_reset);
	return 0;
}

START_TEST(user_events_oldest_first_over_attempts)
{
	struct store_attempt a, b;
	struct uev_buf buf = { .n = 0 };
	int64_t amy = add_user("amy", STORE_ROLE_LEARNER), bob = add_user("bob", STORE_ROLE_LEARNER);

	add_lab("dns", 1);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 1, &a, NULL), STORE_OK);
	ck_assert_int_eq(store_attempt_open(s, bob, "dns", 1, 2, &b, NULL), STORE_OK);
	ck_assert_int_eq(event(a.id, "keys", STORE_EVENT_CHECK_FAIL, 0, "no KSK yet", ""), STORE_OK);
	fake_now += 5;
	ck_assert_int_eq(event(b.id, "keys", STORE_EVENT_CHECK_PASS, 10, "", ""), STORE_OK);
	ck_assert_int_eq(event(a.id, "keys", STORE_EVENT_HINT, 2, "use -k", "0"), STORE_OK);
	fake_now += 5;
	ck_assert_int_eq(event(a.id, "keys", STORE_EVENT_CHECK_PASS, 10, "", ""), STORE_OK);
	ck_assert_int_eq(store_attempt_reset(s, a.id), STORE_OK);
	ck_assert_int_eq(store_user_events(s, amy, 0, collect_uev, &buf), STORE_OK);
	ck_assert_int_eq(buf.n, 4);
	ck_assert_str_eq(buf.line[0], "dns/keys check_fail 0 no KSK yet r1");
	ck_assert_str_eq(buf.line[1], "dns/keys hint 2 use -k r1");
	ck_assert_str_eq(buf.line[2], "dns/keys check_pass 10  r1");
	ck_assert_str_eq(buf.line[3], "dns/ reset 0  r1");
	buf.n = 0;
	ck_assert_int_eq(store_user_events(s, amy, 2, collect_uev, &buf), STORE_OK);
	ck_assert_int_eq(buf.n, 2);
}
END_TEST

struct progress_buf {
	struct store_step_progress p[8];
	int n;
};

static int
collect_progress(const struct store_step_progress *p, void *arg)
{
	struct progress_buf *b = arg;

	ck_assert_int_lt(b->n, 8);
	b->p[b->n++] = *p;
	return 0;
}

START_TEST(score_is_derived_from_events)
{
	static struct progress_buf b;
	struct store_attempt a;
	int64_t amy = add_user("amy", STORE_ROLE_LEARNER);
	int score = -1;

	add_lab("dns", 1);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 7, &a, NULL), STORE_OK);
	ck_assert_int_eq(event(a.id, "sign", STORE_EVENT_CHECK_FAIL, 0, "The zone is not signed", ""), STORE_OK);
	ck_assert_int_eq(event(a.id, "sign", STORE_EVENT_HINT, 5, "", "0"), STORE_OK);
	/* the same hint again costs nothing more */
	ck_assert_int_eq(event(a.id, "sign", STORE_EVENT_HINT, 5, "", "0"), STORE_EXISTS);
	ck_assert_int_eq(event(a.id, "sign", STORE_EVENT_CHECK_PASS, 20, "Signed!", ""), STORE_OK);
	/* re-checking a passed step and failing never loses the pass */
	ck_assert_int_eq(event(a.id, "sign", STORE_EVENT_CHECK_FAIL, 0, "broken again", ""), STORE_OK);
	/* a second pass does not count twice */
	ck_assert_int_eq(event(a.id, "sign", STORE_EVENT_CHECK_PASS, 20, "Signed again", ""), STORE_OK);
	/* hints on a step never passed cost nothing yet, and never go below 0 */
	ck_assert_int_eq(event(a.id, "serve", STORE_EVENT_HINT, 5, "", "0"), STORE_OK);
	ck_assert_int_eq(event(a.id, "serve", STORE_EVENT_HINT, 50, "", "1"), STORE_OK);
	ck_assert_int_eq(event(a.id, "quiz", STORE_EVENT_ANSWER, 0, "", "RSASHA256"), STORE_OK);
	ck_assert_int_eq(event(a.id, "quiz", STORE_EVENT_CHECK_PASS, 3, "right", ""), STORE_OK);
	ck_assert_int_eq(event(a.id, "", STORE_EVENT_CHECK_PASS, 3, "", ""), STORE_INVALID);
	ck_assert_int_eq(event(a.id, "x", STORE_EVENT_HINT, -5, "", "0"), STORE_INVALID);
	ck_assert_int_eq(event(a.id, "x", (enum store_event_kind)77, 0, "", ""), STORE_INVALID);

	ck_assert_int_eq(store_attempt_progress(s, a.id, collect_progress, &b, &score), STORE_OK);
	ck_assert_int_eq(b.n, 3);
	ck_assert_str_eq(b.p[0].step_id, "sign");
	ck_assert_int_eq(b.p[0].passed, 1);
	ck_assert_int_eq(b.p[0].points, 15);
	ck_assert_int_eq(b.p[0].fails, 2);
	ck_assert_int_eq(b.p[0].hints, 1);
	ck_assert_int_eq(b.p[0].hint_cost, 5);
	ck_assert_str_eq(b.p[0].last_feedback, "Signed again");
	ck_assert_str_eq(b.p[1].step_id, "serve");
	ck_assert_int_eq(b.p[1].passed, 0);
	ck_assert_int_eq(b.p[1].points, 0);
	ck_assert_int_eq(b.p[1].hints, 2);
	ck_assert_str_eq(b.p[2].step_id, "quiz");
	ck_assert_int_eq(b.p[2].points, 3);
	ck_assert_int_eq(score, 18);

	/* passing after expensive hints scores 0, not negative */
	ck_assert_int_eq(event(a.id, "serve", STORE_EVENT_CHECK_PASS, 10, "ok", ""), STORE_OK);
	b.n = 0;
	ck_assert_int_eq(store_attempt_progress(s, a.id, collect_progress, &b, &score), STORE_OK);
	ck_assert_int_eq(b.p[1].passed, 1);
	ck_assert_int_eq(b.p[1].points, 0);
	ck_assert_int_eq(score, 18);
	/* a reset attempt keeps its record; the new one starts at 0 */
	ck_assert_int_eq(store_attempt_reset(s, a.id), STORE_OK);
	ck_assert_int_eq(store_attempt_progress(s, a.id, NULL, NULL, &score), STORE_OK);
	ck_assert_int_eq(score, 18);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 8, &a, NULL), STORE_OK);
	ck_assert_int_eq(store_attempt_progress(s, a.id, NULL, NULL, &score), STORE_OK);
	ck_assert_int_eq(score, 0);
}
END_TEST

struct grid_buf {
	char text[1024];
};

static int
collect_grid(const struct store_grid_cell *g, void *arg)
{
	struct grid_buf *b = arg;
	char line[256];

	snprintf(line, sizeof line, "%s/%s/%s=%d%s ", g->nickname, g->lab_id, g->step.step_id,
	    g->step.points, g->step.passed ? "" : "?");
	strcat(b->text, line);
	return 0;
}

struct strbuf {
	char text[4096];
	size_t len;
	int fail_after;
};

static int
write_buf(const char *buf, size_t len, void *arg)
{
	struct strbuf *b = arg;

	if (b->fail_after > 0 && --b->fail_after == 0)
		return -1;
	ck_assert_uint_lt(b->len + len, sizeof b->text);
	memcpy(b->text + b->len, buf, len);
	b->len += len;
	b->text[b->len] = '\0';
	return 0;
}

/* A cohort of three: two with progress, one who never started. */
static int64_t
grid_fixture(void)
{
	struct store_attempt a;
	int64_t t = add_user("tina", STORE_ROLE_INSTRUCTOR), c, u1, u2, u3, other;

	add_lab("dns", 1);
	add_lab("bgp", 1);
	ck_assert_int_eq(store_cohort_create(s, "Room 4", "GGGG2222", t, &c), STORE_OK);
	ck_assert_int_eq(store_cohort_join(s, c, "=HYPERLINK(\"x\")", HASH, &u1), STORE_OK);
	ck_assert_int_eq(store_cohort_join(s, c, "Bo, \"the\" Great", HASH, &u2), STORE_OK);
	ck_assert_int_eq(store_cohort_join(s, c, "cy", HASH, &u3), STORE_OK);
	ck_assert_int_eq(store_cohort_create(s, "Other", "HHHH3333", t, &other), STORE_OK);
	ck_assert_int_eq(store_cohort_add_member(s, other, u3, "cy"), STORE_OK);
	(void)u3;

	ck_assert_int_eq(store_attempt_open(s, u1, "dns", 1, 1, &a, NULL), STORE_OK);
	ck_assert_int_eq(event(a.id, "keys", STORE_EVENT_CHECK_PASS, 10, "ok", ""), STORE_OK);
	ck_assert_int_eq(event(a.id, "sign", STORE_EVENT_CHECK_FAIL, 0, "no", ""), STORE_OK);
	ck_assert_int_eq(store_attempt_open(s, u2, "dns", 1, 2, &a, NULL), STORE_OK);
	ck_assert_int_eq(event(a.id, "keys", STORE_EVENT_HINT, 2, "", "0"), STORE_OK);
	ck_assert_int_eq(event(a.id, "keys", STORE_EVENT_CHECK_PASS, 10, "ok", ""), STORE_OK);
	ck_assert_int_eq(event(a.id, "sign", STORE_EVENT_CHECK_PASS, 20, "ok", ""), STORE_OK);
	ck_assert_int_eq(store_attempt_open(s, u2, "bgp", 1, 3, &a, NULL), STORE_OK);
	ck_assert_int_eq(event(a.id, "peer", STORE_EVENT_CHECK_PASS, 5, "ok", ""), STORE_OK);
	/* a reset attempt is history, not the grid */
	ck_assert_int_eq(store_attempt_reset(s, a.id), STORE_OK);
	ck_assert_int_eq(store_attempt_open(s, u2, "bgp", 1, 4, &a, NULL), STORE_OK);
	return c;
}

START_TEST(cohort_grid)
{
	static struct grid_buf b;
	int64_t c = grid_fixture();

	ck_assert_int_eq(store_cohort_grid(s, c, collect_grid, &b), STORE_OK);
	ck_assert_str_eq(b.text,
	    "=HYPERLINK(\"x\")/dns/keys=10 =HYPERLINK(\"x\")/dns/sign=0? "
	    "Bo, \"the\" Great/dns/keys=8 Bo, \"the\" Great/dns/sign=20 ");
}
END_TEST

START_TEST(csv_export_escapes_and_orders)
{
	static struct strbuf b;
	static const struct store_csv_column cols[] = {
		{ "dns", "sign" }, { "dns", "keys" }, { "dns", "ds,record" },
	};
	int64_t c = grid_fixture();

	ck_assert_int_eq(store_cohort_export_csv(s, c, NULL, 0, write_buf, &b), STORE_OK);
	/* members sort by byte value: "=" < "B" < "c" */
	ck_assert_str_eq(b.text,
	    "nickname,dns/keys,dns/sign,total\r\n"
	    "\"'=HYPERLINK(\"\"x\"\")\",10,0,10\r\n"
	    "\"Bo, \"\"the\"\" Great\",8,20,28\r\n"
	    "cy,0,0,0\r\n");

	memset(&b, 0, sizeof b);
	ck_assert_int_eq(store_cohort_export_csv(s, c, cols, 3, write_buf, &b), STORE_OK);
	ck_assert_str_eq(b.text,
	    "nickname,dns/sign,dns/keys,\"dns/ds,record\",total\r\n"
	    "\"'=HYPERLINK(\"\"x\"\")\",0,10,0,10\r\n"
	    "\"Bo, \"\"the\"\" Great\",20,8,0,28\r\n"
	    "cy,0,0,0,0\r\n");

	/* a writer that fails aborts the export */
	memset(&b, 0, sizeof b);
	b.fail_after = 5;
	ck_assert_int_eq(store_cohort_export_csv(s, c, NULL, 0, write_buf, &b), STORE_ERROR);
}
END_TEST

/* ---- audit, stats ---------------------------------------------------- */

static int
collect_audit(const struct store_audit *a, void *arg)
{
	strcat(arg, a->action);
	strcat(arg, "(");
	strcat(arg, a->target);
	strcat(arg, ") ");
	return 0;
}

START_TEST(audit_log)
{
	char buf[256] = "";

	ck_assert_int_eq(store_audit_add(s, "cli:root", "user.add", "amy", "role=learner"), STORE_OK);
	ck_assert_int_eq(store_audit_add(s, "user:tina", "cohort.create", "Room 4", NULL), STORE_OK);
	ck_assert_int_eq(store_audit_add(s, "user:tina", "passphrase.reset", "Zoë", ""), STORE_OK);
	ck_assert_int_eq(store_audit_add(s, NULL, "x", "", ""), STORE_INVALID);
	ck_assert_int_eq(store_audit_list(s, 2, collect_audit, buf), STORE_OK);
	ck_assert_str_eq(buf, "passphrase.reset(Zoë) cohort.create(Room 4) ");
	buf[0] = '\0';
	ck_assert_int_eq(store_audit_list(s, 0, collect_audit, buf), STORE_OK);
	ck_assert_str_eq(buf, "passphrase.reset(Zoë) cohort.create(Room 4) user.add(amy) ");
}
END_TEST

START_TEST(stats_count_statements)
{
	struct store_stats a, b;
	struct store_user u;

	store_stats_get(s, &a);
	add_user("amy", STORE_ROLE_LEARNER);
	ck_assert_int_eq(store_user_get_by_name(s, "amy", &u), STORE_OK);
	ck_assert_int_eq(store_user_get_by_name(s, "bob", &u), STORE_NOTFOUND);
	ck_assert_int_eq(store_user_add(s, "amy", STORE_ROLE_LEARNER, HASH, NULL), STORE_EXISTS);
	store_stats_get(s, &b);
	ck_assert_uint_eq(b.statements - a.statements, 4);
	ck_assert_uint_eq(b.errors - a.errors, 1);	/* the constraint failure */
	ck_assert_uint_ge(b.total_us, b.max_us);
}
END_TEST

START_TEST(transactions_group_and_roll_back)
{
	struct store_user u;

	ck_assert_int_eq(store_tx_begin(s), STORE_OK);
	add_user("amy", STORE_ROLE_LEARNER);
	ck_assert_int_eq(store_tx_begin(s), STORE_OK);
	add_user("bob", STORE_ROLE_LEARNER);
	ck_assert_int_eq(store_tx_rollback(s), STORE_OK);
	ck_assert_int_eq(store_tx_commit(s), STORE_OK);
	ck_assert_int_eq(store_user_get_by_name(s, "amy", &u), STORE_OK);
	ck_assert_int_eq(store_user_get_by_name(s, "bob", &u), STORE_NOTFOUND);
	/* a failing join inside a caller's transaction does not undo the caller's work */
	ck_assert_int_eq(store_tx_begin(s), STORE_OK);
	add_user("cy", STORE_ROLE_LEARNER);
	ck_assert_int_eq(store_cohort_join(s, 999, "nick", HASH, NULL), STORE_INVALID);
	ck_assert_int_eq(store_tx_commit(s), STORE_OK);
	ck_assert_int_eq(store_user_get_by_name(s, "cy", &u), STORE_OK);
}
END_TEST

static int
inner_count(const struct store_user *u, void *arg)
{
	(void)u;
	++*(int *)arg;
	return 0;
}

static int
outer_nested(const struct store_user *u, void *arg)
{
	int *pairs = arg, n = 0;

	/* the same list again, and a write, from inside a callback */
	ck_assert_int_eq(store_user_list(s, inner_count, &n), STORE_OK);
	ck_assert_int_eq(n, 3);
	*pairs += n;
	ck_assert_int_eq(store_audit_add(s, "test", "saw", u->name, ""), STORE_OK);
	return 0;
}

START_TEST(callbacks_may_use_the_store)
{
	struct store_stats st;
	int pairs = 0, n = 0;

	add_user("a", STORE_ROLE_LEARNER);
	add_user("b", STORE_ROLE_LEARNER);
	add_user("c", STORE_ROLE_LEARNER);
	ck_assert_int_eq(store_user_list(s, outer_nested, &pairs), STORE_OK);
	ck_assert_int_eq(pairs, 9);
	/* and the cached statement still works afterwards */
	ck_assert_int_eq(store_user_list(s, inner_count, &n), STORE_OK);
	ck_assert_int_eq(n, 3);
	store_stats_get(s, &st);
	ck_assert_uint_eq(st.errors, 0);
}
END_TEST

/* ---- durability, processes, backup ----------------------------------- */

START_TEST(restart_keeps_everything)
{
	static struct progress_buf b;
	struct store_attempt a;
	struct store_user u;
	struct store_cohort c;
	int64_t amy, t, cid;
	pid_t pid;
	int status, score;

	s = open_ok(dbpath);
	amy = add_user("amy", STORE_ROLE_LEARNER);
	t = add_user("tina", STORE_ROLE_INSTRUCTOR);
	add_lab("dns", 1);
	ck_assert_int_eq(store_cohort_create(s, "c", "KKKK4444", t, &cid), STORE_OK);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 42, &a, NULL), STORE_OK);
	store_close(s);
	s = NULL;

	/* a process that records a pass and dies without closing anything */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store *child = NULL;
		char err[256];

		if (store_open(dbpath, 0, &child, err, sizeof err) != STORE_OK)
			_exit(2);
		s = child;
		if (event(a.id, "sign", STORE_EVENT_CHECK_PASS, 20, "Signed", "") != STORE_OK)
			_exit(3);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	s = open_ok(dbpath);
	ck_assert_int_eq(store_user_get_by_name(s, "amy", &u), STORE_OK);
	ck_assert_int_eq(store_cohort_get(s, cid, &c), STORE_OK);
	ck_assert_str_eq(c.join_code, "KKKK4444");
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 1, &a, NULL), STORE_OK);
	ck_assert_uint_eq(a.seed, 42);
	ck_assert_int_eq(store_attempt_progress(s, a.id, collect_progress, &b, &score), STORE_OK);
	ck_assert_int_eq(b.n, 1);
	ck_assert_int_eq(b.p[0].passed, 1);
	ck_assert_int_eq(score, 20);
}
END_TEST

/* A database of the first schema (before attempt_values) keeps its attempts and gains the table. */
START_TEST(values_migration_from_v1)
{
	struct store_attempt a;
	sqlite3 *db;
	char *j = NULL;
	int64_t amy;
	int v = -1;

	s = open_ok(dbpath);
	amy = add_user("amy", STORE_ROLE_LEARNER);
	add_lab("dns", 1);
	ck_assert_int_eq(store_attempt_open(s, amy, "dns", 1, 42, &a, NULL), STORE_OK);
	store_close(s);
	s = NULL;
	/* what a labhub of schema version 1 left behind */
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DROP TABLE attempt_values; PRAGMA user_version = 1",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	s = open_ok(dbpath);
	ck_assert_int_eq(store_schema_version(s, &v), STORE_OK);
	ck_assert_int_eq(v, store_schema_latest());
	ck_assert_int_ge(v, 2);
	ck_assert_int_eq(store_attempt_get(s, a.id, &a), STORE_OK);
	ck_assert_uint_eq(a.seed, 42);
	ck_assert_int_eq(store_attempt_values_set(s, a.id, "h", "{\"n\":\"1\"}"), STORE_OK);
	store_close(s);
	/* and the values are there after a restart */
	s = open_ok(dbpath);
	ck_assert_int_eq(store_attempt_values_get(s, a.id, "h", &j), STORE_OK);
	ck_assert_str_eq(j, "{\"n\":\"1\"}");
	free(j);
}
END_TEST

START_TEST(two_processes_open_a_new_database)
{
	pid_t pids[4];
	int i, status, v;

	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct store *mine = NULL;
			char err[256];
			char name[16];

			if (store_open(dbpath, 0, &mine, err, sizeof err) != STORE_OK) {
				fprintf(stderr, "child %d: %s\n", i, err);
				_exit(2);
			}
			snprintf(name, sizeof name, "u%d", i);
			if (store_user_add(mine, name, STORE_ROLE_LEARNER, HASH, NULL) != STORE_OK)
				_exit(3);
			store_close(mine);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: %d", i, status);
	}
	s = open_ok(dbpath);
	ck_assert_int_eq(store_schema_version(s, &v), STORE_OK);
	ck_assert_int_eq(v, store_schema_latest());
}
END_TEST

static int
count_users(const struct store_user *u, void *arg)
{
	(void)u;
	++*(int *)arg;
	return 0;
}

START_TEST(backup_while_another_process_writes)
{
	char dest[300], err[256] = "";
	struct store *copy = NULL;
	struct store_user u;
	pid_t writer;
	int status, i, n = 0, pipefd[2];
	char go;
	struct stat sb;

	s = open_ok(dbpath);
	for (i = 0; i < 200; i++) {
		char name[16];

		snprintf(name, sizeof name, "seed%03d", i);
		add_user(name, STORE_ROLE_LEARNER);
	}
	ck_assert_int_eq(pipe(pipefd), 0);
	writer = fork();
	ck_assert_int_ge(writer, 0);
	if (writer == 0) {
		struct store *w = NULL;
		char name[16];
		int k;

		if (store_open(dbpath, 0, &w, err, sizeof err) != STORE_OK)
			_exit(2);
		close(pipefd[0]);
		if (write(pipefd[1], "g", 1) != 1)
			_exit(4);
		for (k = 0; k < 300; k++) {
			snprintf(name, sizeof name, "w%04d", k);
			if (store_user_add(w, name, STORE_ROLE_LEARNER, HASH, NULL) != STORE_OK)
				_exit(3);
		}
		store_close(w);
		_exit(0);
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &go, 1), 1);
	close(pipefd[0]);
	snprintf(dest, sizeof dest, "%s/backup.db", tmpdir);
	ck_assert_msg(store_backup(s, dest, 0, err, sizeof err) == STORE_OK, "backup: %s", err);
	ck_assert_int_eq(waitpid(writer, &status, 0), writer);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ck_assert_int_eq(stat(dest, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);		/* it holds password hashes */
	ck_assert_int_eq(store_open(dest, STORE_OPEN_NOMIGRATE, &copy, err, sizeof err), STORE_OK);
	ck_assert_int_eq(store_user_get_by_name(copy, "seed199", &u), STORE_OK);
	ck_assert_int_eq(store_user_list(copy, count_users, &n), STORE_OK);
	ck_assert_int_ge(n, 200);
	ck_assert_int_le(n, 500);
	store_close(copy);

	/* refuses to overwrite unless asked; leaves no temporary file behind */
	ck_assert_int_eq(store_backup(s, dest, 0, err, sizeof err), STORE_EXISTS);
	ck_assert_int_eq(store_backup(s, dest, 1, err, sizeof err), STORE_OK);
	ck_assert_int_eq(store_open(dest, STORE_OPEN_NOMIGRATE, &copy, err, sizeof err), STORE_OK);
	n = 0;
	ck_assert_int_eq(store_user_list(copy, count_users, &n), STORE_OK);
	ck_assert_int_eq(n, 500);
	store_close(copy);
	{
		char cmd[400];

		snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp-", tmpdir);
		ck_assert_int_ne(system(cmd), 0);
	}
	snprintf(dest, sizeof dest, "%s/no-such-dir/backup.db", tmpdir);
	ck_assert_int_eq(store_backup(s, dest, 0, err, sizeof err), STORE_ERROR);
}
END_TEST

/* ---- out of memory ---------------------------------------------------- */

static sqlite3_mem_methods real_mem;
static long alloc_count, fail_at;

static void *
failing_malloc(int n)
{
	if (fail_at > 0 && ++alloc_count == fail_at)
		return NULL;
	return real_mem.xMalloc(n);
}

static void *
failing_realloc(void *p, int n)
{
	if (fail_at > 0 && ++alloc_count == fail_at)
		return NULL;
	return real_mem.xRealloc(p, n);
}

START_TEST(out_of_memory_fails_cleanly)
{
	sqlite3_mem_methods m;
	long n;
	int done_ok = 0, saved_stderr, devnull;

	/* every injected failure is logged: keep the test log readable */
	saved_stderr = dup(2);
	devnull = open("/dev/null", O_WRONLY);
	ck_assert_int_ge(devnull, 0);
	dup2(devnull, 2);
	close(devnull);
	ck_assert_int_eq(sqlite3_shutdown(), SQLITE_OK);
	ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem), SQLITE_OK);
	m = real_mem;
	m.xMalloc = failing_malloc;
	m.xRealloc = failing_realloc;
	ck_assert_int_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
	/* fail the 1st, 2nd, ... allocation until the whole sequence gets through */
	for (n = 1; n < 5000 && !done_ok; n++) {
		struct store *st = NULL;
		struct store_user u;
		char err[256];
		int rc;

		alloc_count = 0;
		fail_at = n;
		rc = store_open(":memory:", 0, &st, err, sizeof err);
		if (rc != STORE_OK) {
			ck_assert_ptr_null(st);
			continue;
		}
		rc = store_user_add(st, "amy", STORE_ROLE_LEARNER, HASH, NULL);
		ck_assert(rc == STORE_OK || rc == STORE_ERROR);
		if (rc == STORE_OK) {
			rc = store_user_get_by_name(st, "amy", &u);
			ck_assert(rc == STORE_OK || rc == STORE_ERROR);
			if (rc == STORE_OK)
				ck_assert_str_eq(u.name, "amy");
		}
		if (rc == STORE_OK && alloc_count < fail_at)
			done_ok = 1;
		store_close(st);
	}
	fail_at = 0;
	dup2(saved_stderr, 2);
	close(saved_stderr);
	ck_assert(done_ok);
	ck_assert_int_gt(n, 10);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *su = suite_create("store");
	TCase *tc;

	tc = tcase_create("memory");
	tcase_add_checked_fixture(tc, setup_mem, teardown_mem);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, open_migrates_and_migrate_is_idempotent);
	tcase_add_test(tc, foreign_keys_are_enforced);
	tcase_add_test(tc, users);
	tcase_add_test(tc, sessions);
	tcase_add_test(tc, disable_and_password_change_end_sessions);
	tcase_add_test(tc, cohorts_and_members);
	tcase_add_test(tc, labs_catalog);
	tcase_add_test(tc, attempts_open_get_reset);
	tcase_add_test(tc, attempt_values_are_kept_per_lab_content);
	tcase_add_test(tc, score_is_derived_from_events);
	tcase_add_test(tc, user_events_oldest_first_over_attempts);
	tcase_add_test(tc, cohort_grid);
	tcase_add_test(tc, csv_export_escapes_and_orders);
	tcase_add_test(tc, audit_log);
	tcase_add_test(tc, stats_count_statements);
	tcase_add_test(tc, transactions_group_and_roll_back);
	tcase_add_test(tc, callbacks_may_use_the_store);
	suite_add_tcase(su, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup_file, teardown_file);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nomigrate_then_migrate_on_file);
	tcase_add_test(tc, newer_schema_is_refused);
	tcase_add_test(tc, file_is_wal_with_foreign_keys);
	tcase_add_test(tc, restart_keeps_everything);
	tcase_add_test(tc, values_migration_from_v1);
	tcase_add_test(tc, two_processes_open_a_new_database);
	tcase_add_test(tc, backup_while_another_process_writes);
	suite_add_tcase(su, tc);

	tc = tcase_create("oom");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, out_of_memory_fails_cleanly);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
