/*
 * store: the SQLite backend of store.h.  Every SQL statement labhub runs
 * is in the table stmt_sql[] below; each is prepared the first time it is
 * used and then kept, reset and rebound, until store_close().  The schema
 * is the list of migrations[]: PRAGMA user_version says how many have been
 * applied, and each step runs in its own write transaction, so two
 * processes opening the same new database do not both migrate it.
 *
 * Scores are never stored: a step's points are derived from its events
 * (the first check_pass, minus the hints taken), so re-checking a passed
 * step or replaying events cannot make a learner lose or double a pass.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "server/log.h"
#include "server/store.h"

#define BUSY_TIMEOUT_MS 5000

/* ---- schema ----------------------------------------------------------- */

static const char schema_v1[] =
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('admin', 'instructor', 'learner')),"
	"  pwhash TEXT NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE cohorts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  join_code TEXT NOT NULL UNIQUE,"
	"  instructor_id INTEGER NOT NULL REFERENCES users(id),"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX cohorts_instructor ON cohorts(instructor_id);"
	"CREATE TABLE memberships ("
	"  cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  nickname TEXT NOT NULL,"
	"  joined INTEGER NOT NULL,"
	"  PRIMARY KEY (cohort_id, user_id),"
	"  UNIQUE (cohort_id, nickname));"
	"CREATE INDEX memberships_user ON memberships(user_id);"
	"CREATE TABLE labs ("
	"  id TEXT PRIMARY KEY,"
	"  version INTEGER NOT NULL,"
	"  content_hash TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  manifest TEXT NOT NULL,"
	"  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
	"  updated INTEGER NOT NULL);"
	"CREATE TABLE cohort_labs ("
	"  cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,"
	"  lab_id TEXT NOT NULL REFERENCES labs(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (cohort_id, lab_id));"
	"CREATE TABLE attempts ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  lab_id TEXT NOT NULL REFERENCES labs(id),"
	"  lab_version INTEGER NOT NULL,"
	"  seed INTEGER NOT NULL,"
	"  started INTEGER NOT NULL,"
	"  finished INTEGER,"
	"  reset INTEGER);"
	/* at most one current (not reset) attempt per learner and lab */
	"CREATE UNIQUE INDEX attempts_current ON attempts(user_id, lab_id) WHERE reset IS NULL;"
	"CREATE TABLE step_events ("
	"  id INTEGER PRIMARY KEY,"
	"  attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,"
	"  step_id TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('check_pass', 'check_fail', 'hint', 'answer', 'reset')),"
	"  points INTEGER NOT NULL DEFAULT 0,"
	"  feedback TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  ts INTEGER NOT NULL);"
	"CREATE INDEX step_events_attempt ON step_events(attempt_id, step_id);"
	/* a hint is paid for once per attempt */
	"CREATE UNIQUE INDEX step_events_hint_once ON step_events(attempt_id, step_id, detail)"
	"  WHERE kind = 'hint';"
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL);"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE INDEX sessions_expires ON sessions(expires);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  ts INTEGER NOT NULL);";

/*
 * v2: the per-learner values of an attempt (what `lab exec values` printed),
 * so lab.open after a restart does not start a cell to compute them again.
 * They are a function of the lab and the seed: content_hash says which lab
 * content they came from, and a changed lab computes them afresh.
 */
static const char schema_v2[] =
	"CREATE TABLE attempt_values ("
	"  attempt_id INTEGER PRIMARY KEY REFERENCES attempts(id) ON DELETE CASCADE,"
	"  content_hash TEXT NOT NULL,"
	"  values_json TEXT NOT NULL,"
	"  computed INTEGER NOT NULL);";

/* Append only: a released labhub's databases are at one of these versions. */
static const char *const migrations[] = {
	schema_v1,
	schema_v2,
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- statements ------------------------------------------------------- */

#define USER_COLS "u.id, u.name, u.role, u.pwhash, u.disabled, u.created"
#define COHORT_COLS "c.id, c.name, c.join_code, c.instructor_id, c.created"
#define MEMBER_COLS "m.cohort_id, m.user_id, m.nickname, u.name, u.disabled, m.joined"
#define LAB_COLS "l.id, l.version, l.content_hash, l.title, l.manifest, l.enabled, l.updated"
#define ATTEMPT_COLS "a.id, a.user_id, a.lab_id, a.lab_version, a.seed, a.started, " \
	"coalesce(a.finished, 0), coalesce(a.reset, 0)"
/* per-step aggregate over step_events e of attempt a, grouped by e.step_id */
#define PROGRESS_COLS "e.step_id, max(e.kind = 'check_pass'), " \
	"coalesce((SELECT p.points FROM step_events p WHERE p.attempt_id = e.attempt_id" \
	"  AND p.step_id = e.step_id AND p.kind = 'check_pass' ORDER BY p.id LIMIT 1), 0), " \
	"sum(e.kind = 'check_fail'), sum(e.kind = 'hint'), " \
	"sum(CASE WHEN e.kind = 'hint' THEN e.points ELSE 0 END), " \
	"coalesce((SELECT f.feedback FROM step_events f WHERE f.attempt_id = e.attempt_id" \
	"  AND f.step_id = e.step_id AND f.kind IN ('check_pass', 'check_fail')" \
	"  ORDER BY f.id DESC LIMIT 1), ''), " \
	"max(e.ts), min(e.id) AS first"

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	S_USER_ADD, S_USER_BY_NAME, S_USER_BY_ID, S_USER_LIST, S_USER_SET_PW,
	S_USER_SET_DISABLED, S_USER_RENAME,
	S_SESSION_CREATE, S_SESSION_LOOKUP, S_SESSION_TOUCH, S_SESSION_DELETE,
	S_SESSION_DELETE_USER, S_SESSION_PURGE,
	S_COHORT_CREATE, S_COHORT_GET, S_COHORT_BY_CODE, S_COHORT_LIST_ALL,
	S_COHORT_LIST_INSTR, S_MEMBER_ADD, S_MEMBER_BY_NICK, S_MEMBERS,
	S_IS_INSTRUCTOR, S_COHORTS_OF_LEARNER,
	S_LAB_UPSERT, S_LAB_GET, S_LAB_LIST, S_COHORT_LAB_ON, S_COHORT_LAB_OFF,
	S_COHORT_LABS,
	S_ATTEMPT_CURRENT, S_ATTEMPT_NEW, S_ATTEMPT_GET, S_ATTEMPT_FINISH, S_ATTEMPT_RESET,
	S_VALUES_GET, S_VALUES_SET,
	S_EVENT_ADD, S_PROGRESS, S_GRID, S_CSV_COLUMNS,
	S_AUDIT_ADD, S_AUDIT_LIST, S_USER_EVENTS,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT store_nested",
	[S_RELEASE] = "RELEASE store_nested",
	[S_ROLLBACK_TO] = "ROLLBACK TO store_nested",

	[S_USER_ADD] = "INSERT INTO users (name, role, pwhash, disabled, created) VALUES (?, ?, ?, 0, ?)",
	[S_USER_BY_NAME] = "SELECT " USER_COLS " FROM users u WHERE u.name = ?",
	[S_USER_BY_ID] = "SELECT " USER_COLS " FROM users u WHERE u.id = ?",
	[S_USER_LIST] = "SELECT " USER_COLS " FROM users u ORDER BY u.name",
	[S_USER_SET_PW] = "UPDATE users SET pwhash = ? WHERE id = ?",
	[S_USER_SET_DISABLED] = "UPDATE users SET disabled = ? WHERE id = ?",
	[S_USER_RENAME] = "UPDATE users SET name = ? WHERE id = ?",

	[S_SESSION_CREATE] = "INSERT INTO sessions (token_hash, user_id, created, expires, last_seen)"
	    " VALUES (?, ?, ?, ?, ?)",
	[S_SESSION_LOOKUP] = "SELECT s.id, s.user_id, s.created, s.expires, s.last_seen, " USER_COLS
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = ? AND s.expires > ? AND u.disabled = 0",
	[S_SESSION_TOUCH] = "UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
	[S_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?",
	[S_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?",
	[S_SESSION_PURGE] = "DELETE FROM sessions WHERE expires <= ?",

	[S_COHORT_CREATE] = "INSERT INTO cohorts (name, join_code, instructor_id, created) VALUES (?, ?, ?, ?)",
	[S_COHORT_GET] = "SELECT " COHORT_COLS " FROM cohorts c WHERE c.id = ?",
	[S_COHORT_BY_CODE] = "SELECT " COHORT_COLS " FROM cohorts c WHERE c.join_code = ?",
	[S_COHORT_LIST_ALL] = "SELECT " COHORT_COLS " FROM cohorts c ORDER BY c.name, c.id",
	[S_COHORT_LIST_INSTR] = "SELECT " COHORT_COLS " FROM cohorts c WHERE c.instructor_id = ?"
	    " ORDER BY c.name, c.id",
	[S_MEMBER_ADD] = "INSERT INTO memberships (cohort_id, user_id, nickname, joined) VALUES (?, ?, ?, ?)",
	[S_MEMBER_BY_NICK] = "SELECT " MEMBER_COLS ", " USER_COLS
	    " FROM memberships m JOIN users u ON u.id = m.user_id"
	    " WHERE m.cohort_id = ? AND m.nickname = ?",
	[S_MEMBERS] = "SELECT " MEMBER_COLS " FROM memberships m JOIN users u ON u.id = m.user_id"
	    " WHERE m.cohort_id = ? ORDER BY m.nickname",
	[S_IS_INSTRUCTOR] = "SELECT 1 FROM cohorts WHERE id = ? AND instructor_id = ?",
	[S_COHORTS_OF_LEARNER] = "SELECT " COHORT_COLS " FROM cohorts c"
	    " JOIN memberships m ON m.cohort_id = c.id WHERE m.user_id = ? ORDER BY c.name, c.id",

	[S_LAB_UPSERT] = "INSERT INTO labs (id, version, content_hash, title, manifest, enabled, updated)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version,"
	    " content_hash = excluded.content_hash, title = excluded.title,"
	    " manifest = excluded.manifest, enabled = excluded.enabled, updated = excluded.updated",
	[S_LAB_GET] = "SELECT " LAB_COLS " FROM labs l WHERE l.id = ?",
	[S_LAB_LIST] = "SELECT " LAB_COLS " FROM labs l ORDER BY l.id",
	[S_COHORT_LAB_ON] = "INSERT INTO cohort_labs (cohort_id, lab_id) VALUES (?, ?)"
	    " ON CONFLICT DO NOTHING",
	[S_COHORT_LAB_OFF] = "DELETE FROM cohort_labs WHERE cohort_id = ? AND lab_id = ?",
	[S_COHORT_LABS] = "SELECT " LAB_COLS " FROM labs l JOIN cohort_labs cl ON cl.lab_id = l.id"
	    " WHERE cl.cohort_id = ? AND l.enabled = 1 ORDER BY l.id",

	[S_ATTEMPT_CURRENT] = "SELECT " ATTEMPT_COLS " FROM attempts a"
	    " WHERE a.user_id = ? AND a.lab_id = ? AND a.reset IS NULL",
	[S_ATTEMPT_NEW] = "INSERT INTO attempts (user_id, lab_id, lab_version, seed, started)"
	    " VALUES (?, ?, ?, ?, ?)",
	[S_ATTEMPT_GET] = "SELECT " ATTEMPT_COLS " FROM attempts a WHERE a.id = ?",
	[S_ATTEMPT_FINISH] = "UPDATE attempts SET finished = ? WHERE id = ? AND finished IS NULL",
	[S_ATTEMPT_RESET] = "UPDATE attempts SET reset = ? WHERE id = ? AND reset IS NULL",
	[S_VALUES_GET] = "SELECT values_json FROM attempt_values WHERE attempt_id = ? AND content_hash = ?",
	[S_VALUES_SET] = "INSERT INTO attempt_values (attempt_id, content_hash, values_json, computed)"
	    " VALUES (?, ?, ?, ?) ON CONFLICT (attempt_id) DO UPDATE SET"
	    " content_hash = excluded.content_hash, values_json = excluded.values_json,"
	    " computed = excluded.computed",

	[S_EVENT_ADD] = "INSERT INTO step_events (attempt_id, step_id, kind, points, feedback, detail, ts)"
	    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7"
	    " WHERE EXISTS (SELECT 1 FROM attempts WHERE id = ?1 AND reset IS NULL)",
	[S_PROGRESS] = "SELECT " PROGRESS_COLS " FROM step_events e"
	    " WHERE e.attempt_id = ? AND e.step_id <> '' GROUP BY e.step_id ORDER BY first",
	[S_GRID] = "SELECT m.user_id, m.nickname, a.lab_id, a.id, " PROGRESS_COLS
	    " FROM memberships m"
	    " JOIN attempts a ON a.user_id = m.user_id AND a.reset IS NULL"
	    " JOIN step_events e ON e.attempt_id = a.id AND e.step_id <> ''"
	    " WHERE m.cohort_id = ?"
	    " GROUP BY a.id, e.step_id ORDER BY m.nickname, a.lab_id, first",
	[S_CSV_COLUMNS] = "SELECT a.lab_id, e.step_id, min(e.id) AS first"
	    " FROM memberships m"
	    " JOIN attempts a ON a.user_id = m.user_id AND a.reset IS NULL"
	    " JOIN step_events e ON e.attempt_id = a.id AND e.step_id <> ''"
	    " WHERE m.cohort_id = ?"
	    " GROUP BY a.lab_id, e.step_id ORDER BY a.lab_id, first",

	[S_AUDIT_ADD] = "INSERT INTO audit (actor, action, target, detail, ts) VALUES (?, ?, ?, ?, ?)",
	[S_AUDIT_LIST] = "SELECT id, actor, action, target, detail, ts FROM audit ORDER BY id DESC LIMIT ?",
	[S_USER_EVENTS] = "SELECT e.id, e.attempt_id, e.step_id, e.kind, e.points, e.feedback, e.detail, e.ts,"
	    " a.lab_id, a.started, a.reset IS NOT NULL FROM step_events e JOIN attempts a ON a.id = e.attempt_id"
	    " WHERE a.user_id = ? ORDER BY e.ts, e.id LIMIT ?",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	int tx_depth;
	int64_t (*now)(void *);
	void *now_arg;
	struct store_stats stats;
};

const char *
store_strerror(int rc)
{
	switch (rc) {
	case STORE_OK: return "ok";
	case STORE_ERROR: return "database error";
	case STORE_NOTFOUND: return "not found";
	case STORE_EXISTS: return "already exists";
	case STORE_INVALID: return "invalid argument";
	case STORE_TOONEW: return "database is newer than this labhub";
	}
	return "unknown error";
}

static int64_t
default_now(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL);
}

static int64_t
now(struct store *s)
{
	return s->now(s->now_arg);
}

void
store_set_clock(struct store *s, int64_t (*fn)(void *arg), void *arg)
{
	s->now = fn != NULL ? fn : default_now;
	s->now_arg = arg;
}

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* 1 if str (NULL counts as "") is longer than max bytes. */
static int
too_long(const char *str, size_t max)
{
	return str != NULL && strnlen(str, max + 1) > max;
}

static const char *
nz(const char *str)
{
	return str != NULL ? str : "";
}

/* ---- statement plumbing ----------------------------------------------- */

/*
 * The cached statement id, prepared on first use. NULL (logged) on failure.
 * When the cached one is still running (a list callback calling back into
 * the store with the same query), a one-off copy is prepared instead and
 * finalized by done().
 */
static sqlite3_stmt *
stmt(struct store *s, enum stmt id)
{
	sqlite3_stmt *st = s->stmt[id];
	int busy = st != NULL && sqlite3_stmt_busy(st);

	if (st == NULL || busy) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, busy ? 0 : SQLITE_PREPARE_PERSISTENT,
		    &st, NULL) != SQLITE_OK) {
			log_error("store: prepare \"%.60s\": %s", stmt_sql[id], sqlite3_errmsg(s->db));
			s->stats.errors++;
			return NULL;
		}
		if (!busy)
			s->stmt[id] = st;
	}
	return st;
}

static int
cached(const struct store *s, const sqlite3_stmt *st)
{
	int i;

	for (i = 0; i < S_COUNT; i++)
		if (s->stmt[i] == st)
			return 1;
	return 0;
}

/* One sqlite3_step(), timed: max_us is the slowest single step. */
static int
step(struct store *s, sqlite3_stmt *st)
{
	uint64_t t0 = mono_us(), dt;
	int rc = sqlite3_step(st);

	dt = mono_us() - t0;
	s->stats.total_us += dt;
	if (dt > s->stats.max_us)
		s->stats.max_us = dt;
	return rc;
}

/* Maps a failed sqlite result to a store_rc; logs real failures. */
static int
fail(struct store *s, sqlite3_stmt *st, int rc)
{
	int ext = sqlite3_extended_errcode(s->db);

	(void)rc;
	switch (ext) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return STORE_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
		return STORE_INVALID;
	}
	log_error("store: \"%.60s\": %s", st != NULL ? sqlite3_sql(st) : "?", sqlite3_errmsg(s->db));
	return STORE_ERROR;
}

/* Ends one execution: statistics, reset, unbind (or finalize a one-off copy). */
static void
done(struct store *s, sqlite3_stmt *st, int failed)
{
	s->stats.statements++;
	if (failed)
		s->stats.errors++;
	if (!cached(s, st)) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows. STORE_OK or a mapped failure. */
static int
exec_done(struct store *s, sqlite3_stmt *st)
{
	int rc = step(s, st);
	int out = rc == SQLITE_DONE ? STORE_OK : fail(s, st, rc);

	done(s, st, out != STORE_OK);
	return out;
}

/* Binding failures are only SQLITE_NOMEM / SQLITE_TOOBIG / programmer errors. */
#define BIND(expr) do { if ((expr) != SQLITE_OK) goto bind_fail; } while (0)

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, nz(v), -1, SQLITE_STATIC);
}

static void
col_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	size_t n = v != NULL ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(buf, v, n);
	buf[n] = '\0';
}

/* ---- transactions ------------------------------------------------------ */

static int
run_simple(struct store *s, enum stmt id)
{
	sqlite3_stmt *st = stmt(s, id);

	return st != NULL ? exec_done(s, st) : STORE_ERROR;
}

int
store_tx_begin(struct store *s)
{
	int rc = run_simple(s, s->tx_depth == 0 ? S_BEGIN : S_SAVEPOINT);

	if (rc == STORE_OK)
		s->tx_depth++;
	return rc;
}

int
store_tx_commit(struct store *s)
{
	int rc;

	assert(s->tx_depth > 0);
	rc = run_simple(s, s->tx_depth == 1 ? S_COMMIT : S_RELEASE);
	if (rc != STORE_OK) {
		store_tx_rollback(s);
		return STORE_ERROR;
	}
	s->tx_depth--;
	return STORE_OK;
}

int
store_tx_rollback(struct store *s)
{
	int rc;

	assert(s->tx_depth > 0);
	if (s->tx_depth == 1) {
		/* sqlite may already have rolled back (e.g. on SQLITE_FULL) */
		rc = sqlite3_get_autocommit(s->db) ? STORE_OK : run_simple(s, S_ROLLBACK);
	} else {
		rc = run_simple(s, S_ROLLBACK_TO);
		if (rc == STORE_OK)
			rc = run_simple(s, S_RELEASE);
	}
	s->tx_depth--;
	return rc;
}

/* Commits when rc is STORE_OK, else rolls back; returns rc (or the commit failure). */
static int
tx_end(struct store *s, int rc)
{
	if (rc == STORE_OK)
		return store_tx_commit(s);
	store_tx_rollback(s);
	return rc;
}

/* ---- open, migrate, close --------------------------------------------- */

static int
pragma_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && out != NULL)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

int
store_schema_version(struct store *s, int *version)
{
	return pragma_int(s, "PRAGMA user_version", version);
}

int
store_schema_latest(void)
{
	return NMIGRATIONS;
}

int
store_migrate(struct store *s, int *before, int *after)
{
	int v, v0;
	char sql[64];

	assert(s->tx_depth == 0);
	if (store_schema_version(s, &v0) != STORE_OK)
		goto sqlfail;
	v = v0;
	if (before != NULL)
		*before = v0;
	if (v0 > NMIGRATIONS) {
		log_error("store: schema version %d is newer than this labhub (%d)", v0, NMIGRATIONS);
		return STORE_TOONEW;
	}
	for (;;) {
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto sqlfail;
		/* re-read inside the write lock: another process may have migrated */
		if (store_schema_version(s, &v) != STORE_OK)
			goto rollback;
		if (v >= NMIGRATIONS) {
			sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
			break;
		}
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto rollback;
		log_debug("store: schema migrated to version %d", v + 1);
	}
	if (after != NULL)
		*after = NMIGRATIONS;
	return STORE_OK;
rollback:
	log_error("store: migration to version %d: %s", v + 1, sqlite3_errmsg(s->db));
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return STORE_ERROR;
sqlfail:
	log_error("store: migrate: %s", sqlite3_errmsg(s->db));
	return STORE_ERROR;
}

/*
 * PRAGMA journal_mode = WAL.  While another process creates or migrates a
 * new database, the switch can fail with SQLITE_BUSY without the busy
 * handler being asked, so it is retried here for up to BUSY_TIMEOUT_MS
 * (store_open() runs at start-up and in the CLI, never on the serving loop).
 */
static int
set_wal(struct store *s)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int rc, waited = 0;

	for (;;) {
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY || waited >= BUSY_TIMEOUT_MS)
			return rc;
		nanosleep(&pause, NULL);
		waited += 10;
	}
}

int
store_open(const char *path, unsigned flags, struct store **out, char *err, size_t errlen)
{
	struct store *s;
	int fk = 0, rc;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return STORE_ERROR;
	}
	s->now = default_now;
	/*
	 * The database holds password hashes: create it 0600 whatever the umask
	 * (sqlite gives its -wal and -shm files the same mode).
	 */
	if (path[0] != '\0' && strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		close(fd);
	}
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	/*
	 * WAL: the server keeps writing while the CLI reads and backs up.
	 * synchronous=FULL: a commit is on disk before we return, even in WAL.
	 */
	if (set_wal(s) != SQLITE_OK || sqlite3_exec(s->db,
	    "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
	    " PRAGMA trusted_schema = OFF;", NULL, NULL, NULL) != SQLITE_OK ||
	    pragma_int(s, "PRAGMA foreign_keys", &fk) != STORE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (!fk) {
		snprintf(err, errlen, "%s: sqlite built without foreign key support", path);
		goto fail;
	}
	if (!(flags & STORE_OPEN_NOMIGRATE)) {
		int before = 0, after = 0;

		rc = store_migrate(s, &before, &after);
		if (rc == STORE_OK && before != after && strcmp(path, ":memory:") != 0)
			log_info("store: %s: schema version %d -> %d", path, before, after);
		if (rc != STORE_OK) {
			snprintf(err, errlen, "%s: %s: %s", path,
			    rc == STORE_TOONEW ? "created by a newer labhub" : "migration failed",
			    sqlite3_errmsg(s->db));
			store_close(s);
			return rc;
		}
	}
	*out = s;
	return STORE_OK;
fail:
	store_close(s);
	return STORE_ERROR;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s);
}

void
store_stats_get(const struct store *s, struct store_stats *out)
{
	*out = s->stats;
}

/* ---- backup ----------------------------------------------------------- */

static int
fsync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
store_backup(struct store *s, const char *dest_path, int overwrite, char *err, size_t errlen)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int fd, rc = SQLITE_ERROR, tries, ok = 0, out = STORE_ERROR;

	if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", dest_path) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", dest_path);
		return STORE_INVALID;
	}
	if (!overwrite && access(dest_path, F_OK) == 0) {
		snprintf(err, errlen, "%s: file exists", dest_path);
		return STORE_EXISTS;
	}
	fd = mkstemp(tmp);			/* mode 0600: the copy holds password hashes */
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return STORE_ERROR;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto fail;
	}
	b = sqlite3_backup_init(dst, "main", s->db, "main");
	if (b == NULL) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		goto fail;
	}
	/* One step copies every page under one read snapshot: a consistent copy. */
	for (tries = 0; tries < 100; tries++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED && rc != SQLITE_OK)
			break;
		if (rc != SQLITE_OK)
			usleep(50 * 1000);
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc != SQLITE_DONE ? rc :
		    sqlite3_errcode(dst)));
		goto fail;
	}
	/* A standalone file: no -wal beside it, checked before it replaces anything. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		goto fail;
	}
	{
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK) {
			ok = sqlite3_step(st) == SQLITE_ROW &&
			    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
			sqlite3_finalize(st);
		}
		if (!ok) {
			snprintf(err, errlen, "backup: the copy failed its integrity check");
			goto fail;
		}
	}
	sqlite3_close(dst);
	dst = NULL;
	if (fsync_path(tmp, 0) != 0) {
		snprintf(err, errlen, "%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (overwrite)
		rc = rename(tmp, dest_path);
	else {
		rc = link(tmp, dest_path);	/* fails if dest_path appeared meanwhile */
		if (rc == 0)
			unlink(tmp);
	}
	if (rc != 0) {
		out = errno == EEXIST ? STORE_EXISTS : STORE_ERROR;
		snprintf(err, errlen, "%s: %s", dest_path, strerror(errno));
		goto fail;
	}
	snprintf(dir, sizeof dir, "%s", dest_path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fsync_path(dir, 1);
	return STORE_OK;
fail:
	sqlite3_close(dst);
	unlink(tmp);
	return out;
}

/* ---- users ------------------------------------------------------------ */

static const char *const role_names[] = {
	[STORE_ROLE_ADMIN] = "admin",
	[STORE_ROLE_INSTRUCTOR] = "instructor",
	[STORE_ROLE_LEARNER] = "learner",
};

const char *
store_role_name(enum store_role role)
{
	if ((int)role < STORE_ROLE_ADMIN || (int)role > STORE_ROLE_LEARNER)
		return NULL;
	return role_names[role];
}

int
store_role_parse(const char *name, enum store_role *role)
{
	int r;

	for (r = STORE_ROLE_ADMIN; r <= STORE_ROLE_LEARNER; r++)
		if (name != NULL && strcmp(name, role_names[r]) == 0) {
			*role = (enum store_role)r;
			return 0;
		}
	return -1;
}

static void
read_user(sqlite3_stmt *st, int c, struct store_user *u)
{
	char role[16];

	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, c);
	col_text(st, c + 1, u->name, sizeof u->name);
	col_text(st, c + 2, role, sizeof role);
	if (store_role_parse(role, &u->role) != 0)
		u->role = STORE_ROLE_LEARNER;	/* CHECK constraint makes this unreachable */
	col_text(st, c + 3, u->pwhash, sizeof u->pwhash);
	u->disabled = sqlite3_column_int(st, c + 4);
	u->created = sqlite3_column_int64(st, c + 5);
}

/* Runs st expecting at most one row; read(st, arg) fills the result. */
static int
query_one(struct store *s, sqlite3_stmt *st, void (*read)(sqlite3_stmt *, void *), void *arg)
{
	int rc = step(s, st), out;

	if (rc == SQLITE_ROW) {
		if (read != NULL)
			read(st, arg);
		out = STORE_OK;
	} else if (rc == SQLITE_DONE)
		out = STORE_NOTFOUND;
	else
		out = fail(s, st, rc);
	done(s, st, out != STORE_OK && out != STORE_NOTFOUND);
	return out;
}

static void
read_user0(sqlite3_stmt *st, void *arg)
{
	read_user(st, 0, arg);
}

int
store_user_add(struct store *s, const char *name, enum store_role role, const char *pwhash,
    int64_t *id_out)
{
	sqlite3_stmt *st;
	int rc;

	if (name == NULL || *name == '\0' || too_long(name, STORE_NAME_MAX) ||
	    store_role_name(role) == NULL || pwhash == NULL || too_long(pwhash, STORE_PWHASH_MAX))
		return STORE_INVALID;
	if ((st = stmt(s, S_USER_ADD)) == NULL)
		return STORE_ERROR;
	BIND(bind_text(st, 1, name));
	BIND(bind_text(st, 2, store_role_name(role)));
	BIND(bind_text(st, 3, pwhash));
	BIND(sqlite3_bind_int64(st, 4, now(s)));
	rc = exec_done(s, st);
	if (rc == STORE_OK && id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(s->db);
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_user_get_by_name(struct store *s, const char *name, struct store_user *out)
{
	sqlite3_stmt *st;

	if (name == NULL || too_long(name, STORE_NAME_MAX))
		return STORE_NOTFOUND;
	if ((st = stmt(s, S_USER_BY_NAME)) == NULL)
		return STORE_ERROR;
	BIND(bind_text(st, 1, name));
	return query_one(s, st, read_user0, out);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_user_get_by_id(struct store *s, int64_t id, struct store_user *out)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, S_USER_BY_ID)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, id));
	return query_one(s, st, read_user0, out);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

/*
 * Steps st to the end, reading each row into *row with read(st, row) and
 * handing it to cb(row, arg) (typed: no function pointer casts); sets rcvar.
 */
#define QUERY_EACH(s, st, read, row, cb, arg, rcvar) do {			\
	int step_rc_;							\
	(rcvar) = STORE_OK;						\
	while ((step_rc_ = step((s), (st))) == SQLITE_ROW) {		\
		read((st), (row));					\
		if ((cb)((row), (arg)) != 0)				\
			break;						\
	}								\
	if (step_rc_ != SQLITE_ROW && step_rc_ != SQLITE_DONE)		\
		(rcvar) = fail((s), (st), step_rc_);			\
	done((s), (st), (rcvar) != STORE_OK);				\
} while (0)

int
store_user_list(struct store *s, int (*cb)(const struct store_user *u, void *arg), void *arg)
{
	struct store_user u;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, S_USER_LIST)) == NULL)
		return STORE_ERROR;
	QUERY_EACH(s, st, read_user0, &u, cb, arg, rc);
	return rc;
}

/* An UPDATE/DELETE by key: STORE_NOTFOUND when it touched no row. */
static int
exec_changed(struct store *s, sqlite3_stmt *st)
{
	int rc = exec_done(s, st);

	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		return STORE_NOTFOUND;
	return rc;
}

static int
session_delete_user(struct store *s, int64_t user_id)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, S_SESSION_DELETE_USER)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, user_id));
	return exec_done(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_user_set_password(struct store *s, int64_t user_id, const char *pwhash)
{
	sqlite3_stmt *st;
	int rc;

	if (pwhash == NULL || too_long(pwhash, STORE_PWHASH_MAX))
		return STORE_INVALID;
	if ((rc = store_tx_begin(s)) != STORE_OK)
		return rc;
	if ((st = stmt(s, S_USER_SET_PW)) == NULL)
		return tx_end(s, STORE_ERROR);
	BIND(bind_text(st, 1, pwhash));
	BIND(sqlite3_bind_int64(st, 2, user_id));
	rc = exec_changed(s, st);
	if (rc == STORE_OK)
		rc = session_delete_user(s, user_id);
	return tx_end(s, rc);
bind_fail:
	done(s, st, 1);
	return tx_end(s, STORE_ERROR);
}

int
store_user_set_disabled(struct store *s, int64_t user_id, int disabled)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_tx_begin(s)) != STORE_OK)
		return rc;
	if ((st = stmt(s, S_USER_SET_DISABLED)) == NULL)
		return tx_end(s, STORE_ERROR);
	BIND(sqlite3_bind_int(st, 1, disabled != 0));
	BIND(sqlite3_bind_int64(st, 2, user_id));
	rc = exec_changed(s, st);
	if (rc == STORE_OK && disabled)
		rc = session_delete_user(s, user_id);
	return tx_end(s, rc);
bind_fail:
	done(s, st, 1);
	return tx_end(s, STORE_ERROR);
}

/* ---- sessions --------------------------------------------------------- */

int
store_session_create(struct store *s, const unsigned char token_hash[STORE_TOKEN_HASH_LEN],
    int64_t user_id, int64_t expires)
{
	sqlite3_stmt *st;
	int64_t t = now(s);

	/* every sign-in sweeps the expired ones: the table stays as big as the live sessions */
	if (store_session_purge_expired(s, t, NULL) != STORE_OK)
		log_warn("store: could not purge expired sessions");
	if ((st = stmt(s, S_SESSION_CREATE)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_blob(st, 1, token_hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC));
	BIND(sqlite3_bind_int64(st, 2, user_id));
	BIND(sqlite3_bind_int64(st, 3, t));
	BIND(sqlite3_bind_int64(st, 4, expires));
	BIND(sqlite3_bind_int64(st, 5, t));
	return exec_done(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

struct session_row {
	struct store_session *sess;
	struct store_user *user;
};

static void
read_session(sqlite3_stmt *st, void *arg)
{
	struct session_row *r = arg;

	if (r->sess != NULL) {
		r->sess->id = sqlite3_column_int64(st, 0);
		r->sess->user_id = sqlite3_column_int64(st, 1);
		r->sess->created = sqlite3_column_int64(st, 2);
		r->sess->expires = sqlite3_column_int64(st, 3);
		r->sess->last_seen = sqlite3_column_int64(st, 4);
	}
	if (r->user != NULL)
		read_user(st, 5, r->user);
}

int
store_session_lookup(struct store *s, const unsigned char token_hash[STORE_TOKEN_HASH_LEN],
    int64_t t, struct store_session *out, struct store_user *user)
{
	struct session_row r = { out, user };
	sqlite3_stmt *st;

	if ((st = stmt(s, S_SESSION_LOOKUP)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_blob(st, 1, token_hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC));
	BIND(sqlite3_bind_int64(st, 2, t));
	return query_one(s, st, read_session, &r);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_session_touch(struct store *s, const unsigned char token_hash[STORE_TOKEN_HASH_LEN], int64_t t)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, S_SESSION_TOUCH)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, t));
	BIND(sqlite3_bind_blob(st, 2, token_hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC));
	return exec_changed(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_session_delete(struct store *s, const unsigned char token_hash[STORE_TOKEN_HASH_LEN])
{
	sqlite3_stmt *st;

	if ((st = stmt(s, S_SESSION_DELETE)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_blob(st, 1, token_hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC));
	return exec_changed(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_session_delete_user(struct store *s, int64_t user_id)
{
	return session_delete_user(s, user_id);
}

int
store_session_purge_expired(struct store *s, int64_t t, int *purged)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, S_SESSION_PURGE)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, t));
	rc = exec_done(s, st);
	if (purged != NULL)
		*purged = rc == STORE_OK ? sqlite3_changes(s->db) : 0;
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

/* ---- cohorts ---------------------------------------------------------- */

static void
read_cohort(sqlite3_stmt *st, void *arg)
{
	struct store_cohort *c = arg;

	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, c->name, sizeof c->name);
	col_text(st, 2, c->join_code, sizeof c->join_code);
	c->instructor_id = sqlite3_column_int64(st, 3);
	c->created = sqlite3_column_int64(st, 4);
}

static void
read_member(sqlite3_stmt *st, void *arg)
{
	struct store_member *m = arg;

	memset(m, 0, sizeof *m);
	m->cohort_id = sqlite3_column_int64(st, 0);
	m->user_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, m->nickname, sizeof m->nickname);
	col_text(st, 3, m->user_name, sizeof m->user_name);
	m->disabled = sqlite3_column_int(st, 4);
	m->joined = sqlite3_column_int64(st, 5);
}

int
store_cohort_create(struct store *s, const char *name, const char *join_code,
    int64_t instructor_id, int64_t *id_out)
{
	sqlite3_stmt *st;
	int rc;

	if (name == NULL || *name == '\0' || too_long(name, STORE_NAME_MAX) ||
	    join_code == NULL || *join_code == '\0' || too_long(join_code, STORE_JOIN_CODE_MAX))
		return STORE_INVALID;
	if ((st = stmt(s, S_COHORT_CREATE)) == NULL)
		return STORE_ERROR;
	BIND(bind_text(st, 1, name));
	BIND(bind_text(st, 2, join_code));
	BIND(sqlite3_bind_int64(st, 3, instructor_id));
	BIND(sqlite3_bind_int64(st, 4, now(s)));
	rc = exec_done(s, st);
	if (rc == STORE_OK && id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(s->db);
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_get(struct store *s, int64_t cohort_id, struct store_cohort *out)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, S_COHORT_GET)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, cohort_id));
	return query_one(s, st, read_cohort, out);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_get_by_join_code(struct store *s, const char *join_code, struct store_cohort *out)
{
	sqlite3_stmt *st;

	if (join_code == NULL || too_long(join_code, STORE_JOIN_CODE_MAX))
		return STORE_NOTFOUND;
	if ((st = stmt(s, S_COHORT_BY_CODE)) == NULL)
		return STORE_ERROR;
	BIND(bind_text(st, 1, join_code));
	return query_one(s, st, read_cohort, out);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_list(struct store *s, int64_t instructor_id,
    int (*cb)(const struct store_cohort *c, void *arg), void *arg)
{
	struct store_cohort c;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, instructor_id == 0 ? S_COHORT_LIST_ALL : S_COHORT_LIST_INSTR)) == NULL)
		return STORE_ERROR;
	if (instructor_id != 0)
		BIND(sqlite3_bind_int64(st, 1, instructor_id));
	QUERY_EACH(s, st, read_cohort, &c, cb, arg, rc);
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_add_member(struct store *s, int64_t cohort_id, int64_t user_id, const char *nickname)
{
	sqlite3_stmt *st;

	if (nickname == NULL || *nickname == '\0' || too_long(nickname, STORE_NAME_MAX))
		return STORE_INVALID;
	if ((st = stmt(s, S_MEMBER_ADD)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, cohort_id));
	BIND(sqlite3_bind_int64(st, 2, user_id));
	BIND(bind_text(st, 3, nickname));
	BIND(sqlite3_bind_int64(st, 4, now(s)));
	return exec_done(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_join(struct store *s, int64_t cohort_id, const char *nickname, const char *pwhash,
    int64_t *user_id_out)
{
	char name[32];
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if (nickname == NULL || *nickname == '\0' || too_long(nickname, STORE_NAME_MAX) ||
	    pwhash == NULL || too_long(pwhash, STORE_PWHASH_MAX))
		return STORE_INVALID;
	if ((rc = store_tx_begin(s)) != STORE_OK)
		return rc;
	/* a placeholder name no admin can type (auth_username_valid), renamed to "~<id>" */
	snprintf(name, sizeof name, "~joining~%lld", (long long)cohort_id);
	rc = store_user_add(s, name, STORE_ROLE_LEARNER, pwhash, &id);
	if (rc != STORE_OK)
		return tx_end(s, rc == STORE_EXISTS ? STORE_ERROR : rc);
	snprintf(name, sizeof name, "~%lld", (long long)id);
	if ((st = stmt(s, S_USER_RENAME)) == NULL)
		return tx_end(s, STORE_ERROR);
	BIND(bind_text(st, 1, name));
	BIND(sqlite3_bind_int64(st, 2, id));
	rc = exec_done(s, st);
	if (rc == STORE_OK)
		rc = store_cohort_add_member(s, cohort_id, id, nickname);
	if (rc == STORE_OK && user_id_out != NULL)
		*user_id_out = id;
	return tx_end(s, rc);
bind_fail:
	done(s, st, 1);
	return tx_end(s, STORE_ERROR);
}

struct member_row {
	struct store_member *m;
	struct store_user *u;
};

static void
read_member_user(sqlite3_stmt *st, void *arg)
{
	struct member_row *r = arg;

	if (r->m != NULL)
		read_member(st, r->m);
	if (r->u != NULL)
		read_user(st, 6, r->u);
}

int
store_cohort_member_by_nickname(struct store *s, int64_t cohort_id, const char *nickname,
    struct store_member *member, struct store_user *user)
{
	struct member_row r = { member, user };
	sqlite3_stmt *st;

	if (nickname == NULL || too_long(nickname, STORE_NAME_MAX))
		return STORE_NOTFOUND;
	if ((st = stmt(s, S_MEMBER_BY_NICK)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, cohort_id));
	BIND(bind_text(st, 2, nickname));
	return query_one(s, st, read_member_user, &r);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_members(struct store *s, int64_t cohort_id,
    int (*cb)(const struct store_member *m, void *arg), void *arg)
{
	struct store_member m;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, S_MEMBERS)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, cohort_id));
	QUERY_EACH(s, st, read_member, &m, cb, arg, rc);
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_is_instructor_of(struct store *s, int64_t user_id, int64_t cohort_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, S_IS_INSTRUCTOR)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, cohort_id));
	BIND(sqlite3_bind_int64(st, 2, user_id));
	rc = query_one(s, st, NULL, NULL);
	return rc == STORE_OK ? 1 : rc == STORE_NOTFOUND ? 0 : rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_of_learner(struct store *s, int64_t user_id,
    int (*cb)(const struct store_cohort *c, void *arg), void *arg)
{
	struct store_cohort c;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, S_COHORTS_OF_LEARNER)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, user_id));
	QUERY_EACH(s, st, read_cohort, &c, cb, arg, rc);
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

/* ---- labs ------------------------------------------------------------- */

/* Fills lab; manifest points into sqlite's row (valid until the next step). */
static void
read_lab(sqlite3_stmt *st, void *arg)
{
	struct store_lab *l = arg;

	memset(l, 0, sizeof *l);
	col_text(st, 0, l->id, sizeof l->id);
	l->version = sqlite3_column_int(st, 1);
	col_text(st, 2, l->content_hash, sizeof l->content_hash);
	col_text(st, 3, l->title, sizeof l->title);
	l->manifest = (char *)sqlite3_column_text(st, 4);
	l->enabled = sqlite3_column_int(st, 5);
	l->updated = sqlite3_column_int64(st, 6);
}

int
store_lab_upsert(struct store *s, const struct store_lab *lab)
{
	sqlite3_stmt *st;

	if (lab->id[0] == '\0' || too_long(lab->id, STORE_LAB_ID_MAX) ||
	    too_long(lab->content_hash, STORE_HASH_HEX_MAX) || too_long(lab->title, STORE_TITLE_MAX) ||
	    too_long(lab->manifest, STORE_MANIFEST_MAX))
		return STORE_INVALID;
	if ((st = stmt(s, S_LAB_UPSERT)) == NULL)
		return STORE_ERROR;
	BIND(bind_text(st, 1, lab->id));
	BIND(sqlite3_bind_int(st, 2, lab->version));
	BIND(bind_text(st, 3, lab->content_hash));
	BIND(bind_text(st, 4, lab->title));
	BIND(bind_text(st, 5, lab->manifest != NULL ? lab->manifest : "{}"));
	BIND(sqlite3_bind_int(st, 6, lab->enabled != 0));
	BIND(sqlite3_bind_int64(st, 7, now(s)));
	return exec_done(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

static void
read_lab_copy(sqlite3_stmt *st, void *arg)
{
	struct store_lab *l = arg;
	const char *m;

	read_lab(st, l);
	m = l->manifest;
	l->manifest = strdup(m != NULL ? m : "");	/* NULL checked by the caller */
}

int
store_lab_get(struct store *s, const char *lab_id, struct store_lab *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (lab_id == NULL || too_long(lab_id, STORE_LAB_ID_MAX))
		return STORE_NOTFOUND;
	if ((st = stmt(s, S_LAB_GET)) == NULL)
		return STORE_ERROR;
	BIND(bind_text(st, 1, lab_id));
	rc = query_one(s, st, read_lab_copy, out);
	if (rc == STORE_OK && out->manifest == NULL) {
		log_error("store: lab %s: out of memory", lab_id);
		return STORE_ERROR;
	}
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

void
store_lab_clear(struct store_lab *lab)
{
	free(lab->manifest);
	lab->manifest = NULL;
}

int
store_lab_list(struct store *s, int (*cb)(const struct store_lab *lab, void *arg), void *arg)
{
	struct store_lab l;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, S_LAB_LIST)) == NULL)
		return STORE_ERROR;
	QUERY_EACH(s, st, read_lab, &l, cb, arg, rc);
	return rc;
}

int
store_cohort_lab_enable(struct store *s, int64_t cohort_id, const char *lab_id, int enabled)
{
	sqlite3_stmt *st;

	if (lab_id == NULL || too_long(lab_id, STORE_LAB_ID_MAX))
		return STORE_INVALID;
	if ((st = stmt(s, enabled ? S_COHORT_LAB_ON : S_COHORT_LAB_OFF)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, cohort_id));
	BIND(bind_text(st, 2, lab_id));
	return exec_done(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_cohort_labs(struct store *s, int64_t cohort_id,
    int (*cb)(const struct store_lab *lab, void *arg), void *arg)
{
	struct store_lab l;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, S_COHORT_LABS)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, cohort_id));
	QUERY_EACH(s, st, read_lab, &l, cb, arg, rc);
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

/* ---- attempts --------------------------------------------------------- */

static void
read_attempt(sqlite3_stmt *st, void *arg)
{
	struct store_attempt *a = arg;

	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(st, 0);
	a->user_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, a->lab_id, sizeof a->lab_id);
	a->lab_version = sqlite3_column_int(st, 3);
	a->seed = (uint64_t)sqlite3_column_int64(st, 4);
	a->started = sqlite3_column_int64(st, 5);
	a->finished = sqlite3_column_int64(st, 6);
	a->reset = sqlite3_column_int64(st, 7);
}

static int
attempt_current(struct store *s, int64_t user_id, const char *lab_id, struct store_attempt *out)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, S_ATTEMPT_CURRENT)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, user_id));
	BIND(bind_text(st, 2, lab_id));
	return query_one(s, st, read_attempt, out);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_attempt_open(struct store *s, int64_t user_id, const char *lab_id, int lab_version,
    uint64_t seed, struct store_attempt *out, int *created)
{
	sqlite3_stmt *st;
	int rc;

	if (created != NULL)
		*created = 0;
	if (lab_id == NULL || too_long(lab_id, STORE_LAB_ID_MAX))
		return STORE_INVALID;
	rc = attempt_current(s, user_id, lab_id, out);
	if (rc != STORE_NOTFOUND)
		return rc;
	if ((st = stmt(s, S_ATTEMPT_NEW)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, user_id));
	BIND(bind_text(st, 2, lab_id));
	BIND(sqlite3_bind_int(st, 3, lab_version));
	BIND(sqlite3_bind_int64(st, 4, (int64_t)seed));
	BIND(sqlite3_bind_int64(st, 5, now(s)));
	rc = exec_done(s, st);
	if (rc == STORE_EXISTS)		/* another process opened it first: use theirs */
		return attempt_current(s, user_id, lab_id, out);
	if (rc != STORE_OK)
		return rc;
	if (created != NULL)
		*created = 1;
	return store_attempt_get(s, sqlite3_last_insert_rowid(s->db), out);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_attempt_current(struct store *s, int64_t user_id, const char *lab_id, struct store_attempt *out)
{
	if (lab_id == NULL || too_long(lab_id, STORE_LAB_ID_MAX))
		return STORE_INVALID;
	return attempt_current(s, user_id, lab_id, out);
}

int
store_attempt_get(struct store *s, int64_t attempt_id, struct store_attempt *out)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, S_ATTEMPT_GET)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, attempt_id));
	return query_one(s, st, read_attempt, out);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_attempt_finish(struct store *s, int64_t attempt_id)
{
	struct store_attempt a;
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_attempt_get(s, attempt_id, &a)) != STORE_OK)
		return rc;
	if (a.finished != 0)
		return STORE_OK;
	if ((st = stmt(s, S_ATTEMPT_FINISH)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, now(s)));
	BIND(sqlite3_bind_int64(st, 2, attempt_id));
	return exec_done(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

static void
read_values_copy(sqlite3_stmt *st, void *arg)
{
	const char *v = (const char *)sqlite3_column_text(st, 0);

	*(char **)arg = strdup(v != NULL ? v : "");	/* NULL checked by the caller */
}

int
store_attempt_values_get(struct store *s, int64_t attempt_id, const char *content_hash,
    char **json)
{
	sqlite3_stmt *st;
	int rc;

	*json = NULL;
	if (content_hash == NULL || too_long(content_hash, STORE_HASH_HEX_MAX))
		return STORE_NOTFOUND;
	if ((st = stmt(s, S_VALUES_GET)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, attempt_id));
	BIND(bind_text(st, 2, content_hash));
	rc = query_one(s, st, read_values_copy, json);
	if (rc == STORE_OK && *json == NULL) {
		log_error("store: values of attempt %lld: out of memory", (long long)attempt_id);
		return STORE_ERROR;
	}
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_attempt_values_set(struct store *s, int64_t attempt_id, const char *content_hash,
    const char *json)
{
	sqlite3_stmt *st;

	if (content_hash == NULL || too_long(content_hash, STORE_HASH_HEX_MAX) || json == NULL ||
	    too_long(json, STORE_VALUES_MAX))
		return STORE_INVALID;
	if ((st = stmt(s, S_VALUES_SET)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, attempt_id));
	BIND(bind_text(st, 2, content_hash));
	BIND(bind_text(st, 3, json));
	BIND(sqlite3_bind_int64(st, 4, now(s)));
	return exec_done(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

int
store_attempt_reset(struct store *s, int64_t attempt_id)
{
	struct store_event ev;
	sqlite3_stmt *st;
	int rc;

	memset(&ev, 0, sizeof ev);
	ev.attempt_id = attempt_id;
	ev.kind = STORE_EVENT_RESET;
	if ((rc = store_tx_begin(s)) != STORE_OK)
		return rc;
	rc = store_event_add(s, &ev);	/* STORE_INVALID when missing or already reset */
	if (rc != STORE_OK)
		return tx_end(s, rc);
	if ((st = stmt(s, S_ATTEMPT_RESET)) == NULL)
		return tx_end(s, STORE_ERROR);
	BIND(sqlite3_bind_int64(st, 1, now(s)));
	BIND(sqlite3_bind_int64(st, 2, attempt_id));
	return tx_end(s, exec_changed(s, st));
bind_fail:
	done(s, st, 1);
	return tx_end(s, STORE_ERROR);
}

/* ---- events and progress ---------------------------------------------- */

static const char *const kind_names[] = {
	[STORE_EVENT_CHECK_PASS] = "check_pass",
	[STORE_EVENT_CHECK_FAIL] = "check_fail",
	[STORE_EVENT_HINT] = "hint",
	[STORE_EVENT_ANSWER] = "answer",
	[STORE_EVENT_RESET] = "reset",
};

const char *
store_event_kind_name(enum store_event_kind kind)
{
	if ((int)kind < STORE_EVENT_CHECK_PASS || (int)kind > STORE_EVENT_RESET)
		return NULL;
	return kind_names[kind];
}

int
store_event_add(struct store *s, struct store_event *ev)
{
	sqlite3_stmt *st;
	int rc;

	if (store_event_kind_name(ev->kind) == NULL ||
	    memchr(ev->step_id, '\0', sizeof ev->step_id) == NULL ||
	    memchr(ev->feedback, '\0', sizeof ev->feedback) == NULL ||
	    memchr(ev->detail, '\0', sizeof ev->detail) == NULL ||
	    (ev->kind != STORE_EVENT_RESET && ev->step_id[0] == '\0') || ev->points < 0)
		return STORE_INVALID;
	ev->ts = now(s);
	if ((st = stmt(s, S_EVENT_ADD)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, ev->attempt_id));
	BIND(bind_text(st, 2, ev->step_id));
	BIND(bind_text(st, 3, store_event_kind_name(ev->kind)));
	BIND(sqlite3_bind_int(st, 4, ev->points));
	BIND(bind_text(st, 5, ev->feedback));
	BIND(bind_text(st, 6, ev->detail));
	BIND(sqlite3_bind_int64(st, 7, ev->ts));
	rc = exec_changed(s, st);
	if (rc == STORE_NOTFOUND)		/* no such attempt, or it was reset */
		return STORE_INVALID;
	if (rc == STORE_OK)
		ev->id = sqlite3_last_insert_rowid(s->db);
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

/* Reads PROGRESS_COLS starting at column c. */
static void
read_progress(sqlite3_stmt *st, int c, struct store_step_progress *p)
{
	int pass_points;

	memset(p, 0, sizeof *p);
	col_text(st, c, p->step_id, sizeof p->step_id);
	p->passed = sqlite3_column_int(st, c + 1);
	pass_points = sqlite3_column_int(st, c + 2);
	p->fails = sqlite3_column_int(st, c + 3);
	p->hints = sqlite3_column_int(st, c + 4);
	p->hint_cost = sqlite3_column_int(st, c + 5);
	col_text(st, c + 6, p->last_feedback, sizeof p->last_feedback);
	p->last_ts = sqlite3_column_int64(st, c + 7);
	if (p->passed)
		p->points = pass_points > p->hint_cost ? pass_points - p->hint_cost : 0;
}

struct progress_iter {
	int (*cb)(const struct store_step_progress *, void *);
	void *arg;
	int score;
};

static void
read_progress0(sqlite3_stmt *st, void *arg)
{
	read_progress(st, 0, arg);
}

static int
progress_cb(const struct store_step_progress *p, void *arg)
{
	struct progress_iter *it = arg;

	it->score += p->points;
	return it->cb != NULL ? it->cb(p, it->arg) : 0;
}

int
store_attempt_progress(struct store *s, int64_t attempt_id,
    int (*cb)(const struct store_step_progress *p, void *arg), void *arg, int *score)
{
	struct progress_iter it = { cb, arg, 0 };
	struct store_step_progress p;
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, S_PROGRESS)) == NULL)
		return STORE_ERROR;
	BIND(sqlite3_bind_int64(st, 1, attempt_id));
	QUERY_EACH(s, st, read_progress0, &p, progress_cb, &it, rc);
	if (score != NULL)
		*score = it.score;
	return rc;
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

static void
read_grid(sqlite3_stmt *st, void *arg)
{
	struct store_grid_cell *g = arg;

	g->user_id = sqlite3_column_int64(st, 0);
	col_text(st, 1, g->nickname, sizeof g->nickname);
	col_text(st, 2, g->lab_id, sizeof g->lab_id);
	g->attempt_id = sqlite3_column_int64(st, 3);
	read_progress(st, 4, &g->step);
}

int
store_cohort_grid(struct store *s, int64_t cohort_id,
    int (*cb)(const struct store_grid_cell *cell, void *arg), void *arg)
{
	struct store_grid_cell *g;
	sqlite3_stmt *st;
	int rc;

	/* ~2 KiB of feedback per cell: keep it off the loop's stack */
	if ((g = malloc(sizeof *g)) == NULL)
		return STORE_ERROR;
	if ((st = stmt(s, S_GRID)) == NULL) {
		free(g);
		return STORE_ERROR;
	}
	BIND(sqlite3_bind_int64(st, 1, cohort_id));
	QUERY_EACH(s, st, read_grid, g, cb, arg, rc);
	free(g);
	return rc;
bind_fail:
	done(s, st, 1);
	free(g);
	return STORE_ERROR;
}

/* ---- CSV export ------------------------------------------------------- */

struct csv_col {
	char lab_id[STORE_LAB_ID_MAX + 1];
	char step_id[STORE_STEP_ID_MAX + 1];
};

struct csv_cell {
	int64_t user_id;
	size_t col;
	int points;
};

struct csv_ctx {
	struct csv_col *cols;
	size_t ncols, capcols;
	struct csv_cell *cells;
	size_t ncells, capcells;
	int oom;
};

/*
 * Appends field to out as one RFC 4180 field.  A leading = + - @ (or tab,
 * CR) would make a spreadsheet evaluate the cell, so it gets a ' first
 * (OWASP "CSV injection").  Returns the length written; out must hold
 * 2 * strlen(field) + 4 bytes.
 */
static size_t
csv_field(char *out, const char *field)
{
	size_t n = 0;
	const char *p;
	int quote = strpbrk(field, ",\"\r\n") != NULL;

	if (quote)
		out[n++] = '"';
	if (field[0] != '\0' && strchr("=+-@\t\r", field[0]) != NULL)
		out[n++] = '\'';
	for (p = field; *p != '\0'; p++) {
		if (*p == '"')
			out[n++] = '"';
		out[n++] = *p;
	}
	if (quote)
		out[n++] = '"';
	out[n] = '\0';
	return n;
}

static int
csv_add_col(struct csv_ctx *x, const char *lab, const char *step_id)
{
	struct csv_col *c;

	if (x->ncols == x->capcols) {
		size_t cap = x->capcols ? x->capcols * 2 : 16;

		c = realloc(x->cols, cap * sizeof *c);
		if (c == NULL)
			return -1;
		x->cols = c;
		x->capcols = cap;
	}
	c = &x->cols[x->ncols++];
	snprintf(c->lab_id, sizeof c->lab_id, "%s", lab);
	snprintf(c->step_id, sizeof c->step_id, "%s", step_id);
	return 0;
}

static int
csv_col_cb(const struct csv_col *c, void *arg)
{
	struct csv_ctx *x = arg;

	if (csv_add_col(x, c->lab_id, c->step_id) != 0) {
		x->oom = 1;
		return 1;
	}
	return 0;
}

static void
read_csv_col(sqlite3_stmt *st, void *arg)
{
	struct csv_col *c = arg;

	col_text(st, 0, c->lab_id, sizeof c->lab_id);
	col_text(st, 1, c->step_id, sizeof c->step_id);
}

static int
csv_grid_cb(const struct store_grid_cell *g, void *arg)
{
	struct csv_ctx *x = arg;
	size_t i;

	if (!g->step.passed)
		return 0;
	for (i = 0; i < x->ncols; i++)
		if (strcmp(x->cols[i].lab_id, g->lab_id) == 0 &&
		    strcmp(x->cols[i].step_id, g->step.step_id) == 0)
			break;
	if (i == x->ncols)
		return 0;		/* a step not exported */
	if (x->ncells == x->capcells) {
		size_t cap = x->capcells ? x->capcells * 2 : 64;
		struct csv_cell *c = realloc(x->cells, cap * sizeof *c);

		if (c == NULL) {
			x->oom = 1;
			return 1;
		}
		x->cells = c;
		x->capcells = cap;
	}
	x->cells[x->ncells++] = (struct csv_cell){ g->user_id, i, g->step.points };
	return 0;
}

struct csv_out {
	struct csv_ctx *x;
	int (*write)(const char *, size_t, void *);
	void *arg;
	int *row;			/* ncols points */
	int failed;
};

static int
csv_member_cb(const struct store_member *m, void *arg)
{
	struct csv_out *o = arg;
	char buf[2 * STORE_NAME_MAX + 8];
	size_t i;
	int total = 0;

	memset(o->row, 0, o->x->ncols * sizeof *o->row);
	for (i = 0; i < o->x->ncells; i++)
		if (o->x->cells[i].user_id == m->user_id)
			o->row[o->x->cells[i].col] = o->x->cells[i].points;
	if (o->write(buf, csv_field(buf, m->nickname), o->arg) != 0)
		goto fail;
	for (i = 0; i < o->x->ncols; i++) {
		total += o->row[i];
		if (o->write(buf, (size_t)snprintf(buf, sizeof buf, ",%d", o->row[i]), o->arg) != 0)
			goto fail;
	}
	if (o->write(buf, (size_t)snprintf(buf, sizeof buf, ",%d\r\n", total), o->arg) != 0)
		goto fail;
	return 0;
fail:
	o->failed = 1;
	return 1;
}

int
store_cohort_export_csv(struct store *s, int64_t cohort_id,
    const struct store_csv_column *cols, size_t ncols,
    int (*write)(const char *buf, size_t len, void *arg), void *arg)
{
	struct csv_ctx x = { 0 };
	struct csv_out o = { &x, write, arg, NULL, 0 };
	char buf[2 * (STORE_LAB_ID_MAX + STORE_STEP_ID_MAX) + 16], name[STORE_LAB_ID_MAX + STORE_STEP_ID_MAX + 2];
	struct csv_col c;
	sqlite3_stmt *st;
	size_t i;
	int rc = STORE_ERROR;

	if (cols != NULL) {
		for (i = 0; i < ncols; i++) {
			if (cols[i].lab_id == NULL || cols[i].step_id == NULL ||
			    too_long(cols[i].lab_id, STORE_LAB_ID_MAX) ||
			    too_long(cols[i].step_id, STORE_STEP_ID_MAX)) {
				rc = STORE_INVALID;
				goto out;
			}
			if (csv_add_col(&x, cols[i].lab_id, cols[i].step_id) != 0)
				goto out;
		}
	} else {
		if ((st = stmt(s, S_CSV_COLUMNS)) == NULL)
			goto out;
		if (sqlite3_bind_int64(st, 1, cohort_id) != SQLITE_OK) {
			done(s, st, 1);
			goto out;
		}
		QUERY_EACH(s, st, read_csv_col, &c, csv_col_cb, &x, rc);
		if (rc != STORE_OK)
			goto out;
		rc = STORE_ERROR;
		if (x.oom)
			goto out;
	}
	if ((rc = store_cohort_grid(s, cohort_id, csv_grid_cb, &x)) != STORE_OK)
		goto out;
	rc = STORE_ERROR;
	if (x.oom)
		goto out;
	o.row = calloc(x.ncols + 1, sizeof *o.row);
	if (o.row == NULL)
		goto out;
	if (write("nickname", 8, arg) != 0)
		goto out;
	for (i = 0; i < x.ncols; i++) {
		snprintf(name, sizeof name, "%s/%s", x.cols[i].lab_id, x.cols[i].step_id);
		buf[0] = ',';
		if (write(buf, 1 + csv_field(buf + 1, name), arg) != 0)
			goto out;
	}
	if (write(",total\r\n", 8, arg) != 0)
		goto out;
	rc = store_cohort_members(s, cohort_id, csv_member_cb, &o);
	if (rc == STORE_OK && o.failed)
		rc = STORE_ERROR;
out:
	free(o.row);
	free(x.cols);
	free(x.cells);
	return rc;
}

/* ---- audit ------------------------------------------------------------ */

int
store_audit_add(struct store *s, const char *actor, const char *action, const char *target,
    const char *detail)
{
	sqlite3_stmt *st;

	if (actor == NULL || action == NULL || too_long(actor, STORE_AUDIT_FIELD_MAX) ||
	    too_long(action, STORE_AUDIT_FIELD_MAX) || too_long(target, STORE_AUDIT_FIELD_MAX) ||
	    too_long(detail, STORE_DETAIL_MAX))
		return STORE_INVALID;
	if ((st = stmt(s, S_AUDIT_ADD)) == NULL)
		return STORE_ERROR;
	BIND(bind_text(st, 1, actor));
	BIND(bind_text(st, 2, action));
	BIND(bind_text(st, 3, target));
	BIND(bind_text(st, 4, detail));
	BIND(sqlite3_bind_int64(st, 5, now(s)));
	return exec_done(s, st);
bind_fail:
	done(s, st, 1);
	return STORE_ERROR;
}

static void
read_audit(sqlite3_stmt *st, void *arg)
{
	struct store_audit *a = arg;

	a->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, a->actor, sizeof a->actor);
	col_text(st, 2, a->action, sizeof a->action);
	col_text(st, 3, a->target, sizeof a->target);
	col_text(st, 4, a->detail, sizeof a->detail);
	a->ts = sqlite3_column_int64(st, 5);
}

int
store_audit_list(struct store *s, int limit, int (*cb)(const struct store_audit *a, void *arg),
    void *arg)
{
	struct store_audit *a;
	sqlite3_stmt *st;
	int rc;

	if ((a = malloc(sizeof *a)) == NULL)
		return STORE_ERROR;
	if ((st = stmt(s, S_AUDIT_LIST)) == NULL) {
		free(a);
		return STORE_ERROR;
	}
	BIND(sqlite3_bind_int(st, 1, limit > 0 ? limit : -1));
	QUERY_EACH(s, st, read_audit, a, cb, arg, rc);
	free(a);
	return rc;
bind_fail:
	done(s, st, 1);
	free(a);
	return STORE_ERROR;
}

static void
read_user_event(sqlite3_stmt *st, void *arg)
{
	struct store_user_event *u = arg;

	u->ev.id = sqlite3_column_int64(st, 0);
	u->ev.attempt_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, u->ev.step_id, sizeof u->ev.step_id);
	{
		const char *k = (const char *)sqlite3_column_text(st, 3);
		int i;

		u->ev.kind = 0;
		for (i = STORE_EVENT_CHECK_PASS; i <= STORE_EVENT_RESET; i++)
			if (k != NULL && strcmp(k, kind_names[i]) == 0)
				u->ev.kind = (enum store_event_kind)i;
	}
	u->ev.points = sqlite3_column_int(st, 4);
	col_text(st, 5, u->ev.feedback, sizeof u->ev.feedback);
	col_text(st, 6, u->ev.detail, sizeof u->ev.detail);
	u->ev.ts = sqlite3_column_int64(st, 7);
	col_text(st, 8, u->lab_id, sizeof u->lab_id);
	u->attempt_started = sqlite3_column_int64(st, 9);
	u->attempt_reset = sqlite3_column_int(st, 10);
}

int
store_user_events(struct store *s, int64_t user_id, int limit,
    int (*cb)(const struct store_user_event *e, void *arg), void *arg)
{
	struct store_user_event *u;
	sqlite3_stmt *st;
	int rc;

	if ((u = malloc(sizeof *u)) == NULL)
		return STORE_ERROR;
	if ((st = stmt(s, S_USER_EVENTS)) == NULL) {
		free(u);
		return STORE_ERROR;
	}
	BIND(sqlite3_bind_int64(st, 1, user_id));
	BIND(sqlite3_bind_int(st, 2, limit > 0 ? limit : -1));
	QUERY_EACH(s, st, read_user_event, u, cb, arg, rc);
	free(u);
	return rc;
bind_fail:
	done(s, st, 1);
	free(u);
	return STORE_ERROR;
}
