/*
 * store: everything labhub remembers — accounts, cohorts, the lab catalog,
 * attempts and their step events, sign-in sessions and the audit log.
 *
 * This header is the whole persistence contract.  Callers never see SQL or
 * a database handle: the SQLite backend (store.c) keeps every statement
 * prepared once and cached, so a PostgreSQL backend can be added later
 * behind the same functions.  SQLite runs in WAL mode with foreign keys on,
 * a busy timeout and synchronous=FULL: when a function that writes returns
 * STORE_OK, the change is on disk.  In particular store_event_add() of a
 * passed check is durable before the server tells the learner.
 *
 * Threads: none.  A struct store belongs to one thread (the lws loop in
 * `labhub serve`, main() in the CLI).  Processes give concurrency: the CLI
 * opens its own store on the same file while the server runs.
 *
 * Conventions:
 *  - Functions return enum store_rc (0 = STORE_OK, negative on failure);
 *    a failure is logged with the SQL involved and sqlite's message.
 *  - Text fields are NUL-terminated UTF-8 copied into fixed-size arrays in
 *    the result structs, so nothing returned needs freeing (except
 *    struct store_lab.manifest, see below).  Inputs longer than the
 *    documented maximum are refused with STORE_INVALID, never truncated.
 *  - Times are Unix seconds (int64_t).  "Now" comes from the store's clock
 *    (time(NULL) unless store_set_clock() replaced it) except where a
 *    function takes `now` explicitly.
 *  - List functions call cb once per row with a pointer valid only during
 *    the call; a non-zero return from cb stops the iteration (the list
 *    function then returns STORE_OK).  cb may call other store functions,
 *    even the same list (SQLite allows it), but must not close the store;
 *    a future PostgreSQL backend will buffer rows to keep this working.
 *  - Ids are positive int64_t; 0 is never a valid id.
 */
#ifndef LABHUB_STORE_H
#define LABHUB_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;				/* opaque */

enum store_rc {
	STORE_OK = 0,
	STORE_ERROR = -1,		/* database or I/O failure (logged) */
	STORE_NOTFOUND = -2,		/* no such row */
	STORE_EXISTS = -3,		/* unique key taken (name, join code, nickname, hint) */
	STORE_INVALID = -4,		/* bad argument: too long, unknown enum, missing reference */
	STORE_TOONEW = -5,		/* database schema newer than this labhub */
};

/* A short English description of rc ("not found", ...). Static string. */
const char *store_strerror(int rc);

/* Limits, in bytes, not counting the NUL. */
#define STORE_NAME_MAX 64		/* user name, cohort name, nickname */
#define STORE_PWHASH_MAX 127		/* crypto_pwhash_STRBYTES - 1 */
#define STORE_JOIN_CODE_MAX 16
#define STORE_LAB_ID_MAX 64
#define STORE_STEP_ID_MAX 64
#define STORE_HASH_HEX_MAX 64		/* lab content hash: hex SHA-256 */
#define STORE_TITLE_MAX 200
#define STORE_MANIFEST_MAX (256 * 1024)
#define STORE_FEEDBACK_MAX 2048		/* what the learner was shown */
#define STORE_DETAIL_MAX 2048		/* answer text, hint index, ... */
#define STORE_AUDIT_FIELD_MAX 128	/* actor, action, target */
#define STORE_TOKEN_HASH_LEN 32		/* SHA-256 of a session token */

/* ---- opening ---------------------------------------------------------- */

#define STORE_OPEN_NOMIGRATE 0x1	/* do not apply pending migrations */

/*
 * Opens (creating if needed) the database at path (":memory:" for tests)
 * and, unless STORE_OPEN_NOMIGRATE, brings the schema up to date.  On
 * success *out owns the connection; close it with store_close().  On
 * failure returns STORE_ERROR or STORE_TOONEW with a message in err.
 */
int store_open(const char *path, unsigned flags, struct store **out, char *err, size_t errlen);

/* Finalizes every cached statement and closes the connection. NULL is fine. */
void store_close(struct store *s);

/* The schema version of the open database (PRAGMA user_version). */
int store_schema_version(struct store *s, int *version);
/* The version this labhub migrates to. */
int store_schema_latest(void);

/*
 * Applies every pending migration, each in its own transaction (a failed
 * step leaves the database at the previous version).  Idempotent.  before
 * and after may be NULL.
 */
int store_migrate(struct store *s, int *before, int *after);

/* Replaces the clock used for "created"/"started"/event timestamps (tests). */
void store_set_clock(struct store *s, int64_t (*now)(void *arg), void *arg);

/*
 * Groups several writes into one write transaction (demo seeding,
 * imports).  Nestable (inner levels are savepoints); every function below
 * also works outside a transaction.  A failed commit rolls back.
 */
int store_tx_begin(struct store *s);
int store_tx_commit(struct store *s);
int store_tx_rollback(struct store *s);

/*
 * Online backup into a new file dest_path, with the SQLite backup API:
 * safe while `labhub serve` keeps writing (WAL readers do not block
 * writers).  The copy is written to a temporary file beside dest_path,
 * fsynced, then moved into place, so dest_path never holds half a backup.
 * An existing dest_path is an error (STORE_EXISTS) unless overwrite.
 */
int store_backup(struct store *s, const char *dest_path, int overwrite, char *err, size_t errlen);

/* Latency of every statement executed, for /metrics "store latency". */
struct store_stats {
	uint64_t statements;		/* statements executed (each run to its end) */
	uint64_t errors;		/* of which failed */
	uint64_t total_us;		/* cumulative time inside SQLite, microseconds */
	uint64_t max_us;		/* slowest single sqlite3_step() (one row, or a whole write) */
};
void store_stats_get(const struct store *s, struct store_stats *out);

/* ---- users ------------------------------------------------------------ */

enum store_role { STORE_ROLE_ADMIN = 1, STORE_ROLE_INSTRUCTOR = 2, STORE_ROLE_LEARNER = 3 };

/* "admin", "instructor", "learner"; NULL for anything else. */
const char *store_role_name(enum store_role role);
/* Parses a role name. 0 or -1. */
int store_role_parse(const char *name, enum store_role *role);

struct store_user {
	int64_t id;
	char name[STORE_NAME_MAX + 1];
	enum store_role role;
	char pwhash[STORE_PWHASH_MAX + 1];	/* crypto_pwhash_str() output */
	int disabled;
	int64_t created;
};

/*
 * Adds a user.  name is taken as is (validate with auth_username_valid()
 * first); pwhash is an auth_password_hash() string.  STORE_EXISTS if the
 * name is taken.  id_out may be NULL.
 */
int store_user_add(struct store *s, const char *name, enum store_role role,
    const char *pwhash, int64_t *id_out);
int store_user_get_by_name(struct store *s, const char *name, struct store_user *out);
int store_user_get_by_id(struct store *s, int64_t id, struct store_user *out);
/* Every user, ordered by name. */
int store_user_list(struct store *s, int (*cb)(const struct store_user *u, void *arg), void *arg);
/* Replaces the password hash and ends every session of the user. */
int store_user_set_password(struct store *s, int64_t user_id, const char *pwhash);
/* Disables (or re-enables) an account; disabling ends its sessions. */
int store_user_set_disabled(struct store *s, int64_t user_id, int disabled);

/* ---- sessions (the token itself is never stored, only its hash) ------- */

struct store_session {
	int64_t id;
	int64_t user_id;
	int64_t created;
	int64_t expires;
	int64_t last_seen;
};

/* Also deletes every session expired by the store's clock, so none pile up. */
int store_session_create(struct store *s, const unsigned char token_hash[STORE_TOKEN_HASH_LEN],
    int64_t user_id, int64_t expires);
/*
 * The live session for token_hash: STORE_NOTFOUND if unknown, expired
 * (expires <= now) or its user is disabled.  user may be NULL; when given
 * it receives the session's user.
 */
int store_session_lookup(struct store *s, const unsigned char token_hash[STORE_TOKEN_HASH_LEN],
    int64_t now, struct store_session *out, struct store_user *user);
/* Sets last_seen = now. */
int store_session_touch(struct store *s, const unsigned char token_hash[STORE_TOKEN_HASH_LEN],
    int64_t now);
/* Sign-out. STORE_NOTFOUND if there was no such session. */
int store_session_delete(struct store *s, const unsigned char token_hash[STORE_TOKEN_HASH_LEN]);
int store_session_delete_user(struct store *s, int64_t user_id);
/* Deletes sessions with expires <= now; *purged (may be NULL) gets the count. */
int store_session_purge_expired(struct store *s, int64_t now, int *purged);

/* ---- cohorts and memberships ----------------------------------------- */

struct store_cohort {
	int64_t id;
	char name[STORE_NAME_MAX + 1];
	char join_code[STORE_JOIN_CODE_MAX + 1];	/* normalised: auth_join_code_normalize() */
	int64_t instructor_id;
	int64_t created;
};

struct store_member {
	int64_t cohort_id;
	int64_t user_id;
	char nickname[STORE_NAME_MAX + 1];
	char user_name[STORE_NAME_MAX + 1];
	int disabled;
	int64_t joined;
};

/* STORE_EXISTS if join_code is taken (make a new code and retry). */
int store_cohort_create(struct store *s, const char *name, const char *join_code,
    int64_t instructor_id, int64_t *id_out);
int store_cohort_get(struct store *s, int64_t cohort_id, struct store_cohort *out);
/* join_code must already be normalised (auth_join_code_normalize()). */
int store_cohort_get_by_join_code(struct store *s, const char *join_code, struct store_cohort *out);
/* All cohorts (instructor_id == 0) or those of one instructor, by name. */
int store_cohort_list(struct store *s, int64_t instructor_id,
    int (*cb)(const struct store_cohort *c, void *arg), void *arg);
/* Adds an existing user. STORE_EXISTS if the user or the nickname is already in. */
int store_cohort_add_member(struct store *s, int64_t cohort_id, int64_t user_id, const char *nickname);
/*
 * The join-with-code path, in one transaction: creates a learner account
 * named "~<user id>" (no e-mail, no real name; '~' cannot start a name an
 * admin types) with pwhash (the hash of the passphrase shown once) and
 * makes it a member under nickname.
 * STORE_EXISTS if the nickname is taken in that cohort.
 */
int store_cohort_join(struct store *s, int64_t cohort_id, const char *nickname,
    const char *pwhash, int64_t *user_id_out);
/* The member of cohort_id called nickname (sign-in with code + nickname). */
int store_cohort_member_by_nickname(struct store *s, int64_t cohort_id, const char *nickname,
    struct store_member *member, struct store_user *user);
/* Members of one cohort, by nickname. */
int store_cohort_members(struct store *s, int64_t cohort_id,
    int (*cb)(const struct store_member *m, void *arg), void *arg);
/* 1 if user_id is the instructor of cohort_id, 0 if not, negative on error. Roles are the caller's business (an admin may see everything). */
int store_cohort_is_instructor_of(struct store *s, int64_t user_id, int64_t cohort_id);
/* Cohorts user_id is a member of. */
int store_cohort_of_learner(struct store *s, int64_t user_id,
    int (*cb)(const struct store_cohort *c, void *arg), void *arg);

/* ---- lab catalog ------------------------------------------------------ */

struct store_lab {
	char id[STORE_LAB_ID_MAX + 1];
	int version;
	char content_hash[STORE_HASH_HEX_MAX + 1];
	char title[STORE_TITLE_MAX + 1];
	char *manifest;			/* JSON text; see store_lab_get() */
	int enabled;
	int64_t updated;
};

/*
 * Inserts or replaces the catalog entry lab->id (manifest is copied; at
 * most STORE_MANIFEST_MAX bytes).  Attempts keep the version they started
 * with.
 */
int store_lab_upsert(struct store *s, const struct store_lab *lab);
/* Fills out; out->manifest is malloc'd and owned by the caller: store_lab_clear(). */
int store_lab_get(struct store *s, const char *lab_id, struct store_lab *out);
void store_lab_clear(struct store_lab *lab);
/* Every lab, by id; lab->manifest is valid only during the callback. */
int store_lab_list(struct store *s, int (*cb)(const struct store_lab *lab, void *arg), void *arg);
/* Makes lab_id available (enabled != 0) or not for one cohort. */
int store_cohort_lab_enable(struct store *s, int64_t cohort_id, const char *lab_id, int enabled);
/* Labs enabled for a cohort (and globally enabled), by id; manifest as in store_lab_list(). */
int store_cohort_labs(struct store *s, int64_t cohort_id,
    int (*cb)(const struct store_lab *lab, void *arg), void *arg);

/* ---- attempts and step events ---------------------------------------- */

struct store_attempt {
	int64_t id;
	int64_t user_id;		/* the owner: check it before acting */
	char lab_id[STORE_LAB_ID_MAX + 1];
	int lab_version;
	uint64_t seed;			/* per-learner variation */
	int64_t started;
	int64_t finished;		/* 0 while open */
	int64_t reset;			/* 0 unless reset (then no longer current) */
};

/*
 * The current attempt of user_id on lab_id (the newest one not reset), or
 * a new one started now with lab_version and seed if there is none (*created = 1).
 * The seed and version of an existing attempt are kept.  created may be NULL.
 */
int store_attempt_open(struct store *s, int64_t user_id, const char *lab_id, int lab_version,
    uint64_t seed, struct store_attempt *out, int *created);
int store_attempt_get(struct store *s, int64_t attempt_id, struct store_attempt *out);
/* The current attempt of user_id on lab_id, if there is one (STORE_NOTFOUND: none; none is made). */
int store_attempt_current(struct store *s, int64_t user_id, const char *lab_id,
    struct store_attempt *out);
/* Marks the attempt finished now (every step passed). Idempotent. */
int store_attempt_finish(struct store *s, int64_t attempt_id);
/*
 * Ends the attempt (reset = now) and records a reset event, in one
 * transaction.  The next store_attempt_open() starts afresh; the old
 * events stay for the record.  STORE_INVALID if it was already reset.
 */
int store_attempt_reset(struct store *s, int64_t attempt_id);

/*
 * The per-learner values of an attempt: the JSON text of the "values"
 * object `lab exec values` printed ({"zone":"k7qz2m.example.test"}),
 * remembered with the content hash of the lab they were computed from
 * (struct store_lab.content_hash).  _get puts a malloc'd copy in *json
 * (the caller frees it) and returns STORE_OK only when they were computed
 * from content_hash; STORE_NOTFOUND when none are stored or the lab has
 * changed since (*json is then NULL).  _set stores or replaces them;
 * STORE_INVALID for an unknown attempt or json longer than STORE_VALUES_MAX.
 * Reset attempts keep theirs; they go with the attempt.
 */
#define STORE_VALUES_MAX (16 * 1024)	/* what fits in a cell's captured stdout */
int store_attempt_values_get(struct store *s, int64_t attempt_id, const char *content_hash,
    char **json);
int store_attempt_values_set(struct store *s, int64_t attempt_id, const char *content_hash,
    const char *json);

enum store_event_kind {
	STORE_EVENT_CHECK_PASS = 1,
	STORE_EVENT_CHECK_FAIL = 2,
	STORE_EVENT_HINT = 3,
	STORE_EVENT_ANSWER = 4,
	STORE_EVENT_RESET = 5,
};
const char *store_event_kind_name(enum store_event_kind kind);	/* "check_pass", ... */

struct store_event {
	int64_t id;			/* set by store_event_add() */
	int64_t attempt_id;
	char step_id[STORE_STEP_ID_MAX + 1];	/* "" for attempt-wide events (reset) */
	enum store_event_kind kind;
	/*
	 * check_pass: the step's points awarded; hint: the hint's cost as a
	 * positive number; other kinds: 0.
	 */
	int points;
	char feedback[STORE_FEEDBACK_MAX + 1];	/* the words shown to the learner */
	char detail[STORE_DETAIL_MAX + 1];	/* hint: its index ("0", "1", ...); answer: the text */
	int64_t ts;			/* set by store_event_add() from the clock */
};

/*
 * Appends an event; durable on return (synchronous=FULL, own transaction
 * unless inside store_tx_begin()).  A hint event for a (step, detail)
 * already taken in this attempt returns STORE_EXISTS and costs nothing
 * twice.  Events on a reset attempt are refused (STORE_INVALID).
 * ev->id and ev->ts are filled in.
 */
int store_event_add(struct store *s, struct store_event *ev);

/* Per step of one attempt, derived from its events (nothing stored twice). */
struct store_step_progress {
	char step_id[STORE_STEP_ID_MAX + 1];
	int passed;			/* any check_pass ever: a later fail never loses it */
	int points;			/* first pass's points minus hint costs, never < 0; 0 if not passed */
	int fails;			/* check_fail events */
	int hints;			/* hints taken */
	int hint_cost;			/* their total cost */
	char last_feedback[STORE_FEEDBACK_MAX + 1];	/* of the newest check event */
	int64_t last_ts;		/* newest event of the step */
};

/*
 * Calls cb for each step that has events, in the order of first event;
 * steps without events are not reported (the caller knows the lab's
 * steps).  *score (may be NULL) receives the sum of points.
 */
int store_attempt_progress(struct store *s, int64_t attempt_id,
    int (*cb)(const struct store_step_progress *p, void *arg), void *arg, int *score);

/* One cell of the instructor's grid: a member's current attempt on a lab step. */
struct store_grid_cell {
	int64_t user_id;
	char nickname[STORE_NAME_MAX + 1];
	char lab_id[STORE_LAB_ID_MAX + 1];
	int64_t attempt_id;
	struct store_step_progress step;
};

/*
 * The live grid of a cohort: for every member and every lab the member
 * has a current attempt on, one cell per step with events, ordered by
 * nickname, lab, first event.  Members with no events are not reported
 * (use store_cohort_members() for the rows).
 */
int store_cohort_grid(struct store *s, int64_t cohort_id,
    int (*cb)(const struct store_grid_cell *cell, void *arg), void *arg);

/* A column of the CSV export. */
struct store_csv_column {
	const char *lab_id;
	const char *step_id;
};

/*
 * Gradebook export of a cohort as RFC 4180 CSV (CRLF line ends, fields
 * quoted when needed, quotes doubled; a field starting with = + - @ is
 * prefixed with ' so spreadsheets do not run it as a formula).  Header
 * "nickname,<lab>/<step>...,total", then one row per member (by nickname)
 * with the points of each passed step of the current attempt, "0" when
 * not passed.  Columns: cols[0..ncols) in that order (the labs' own step
 * order), or, when cols is NULL, every (lab, step) with events in the
 * cohort, by lab then first event.  Output goes through write, which
 * returns 0 or -1 to abort (then STORE_ERROR).
 */
int store_cohort_export_csv(struct store *s, int64_t cohort_id,
    const struct store_csv_column *cols, size_t ncols,
    int (*write)(const char *buf, size_t len, void *arg), void *arg);

/* Every event of one learner, over all attempts (reset ones too), oldest first. */
struct store_user_event {
	struct store_event ev;
	char lab_id[STORE_LAB_ID_MAX + 1];
	int64_t attempt_started;
	int attempt_reset;		/* the attempt was reset since */
};

/* At most `limit` events (limit <= 0: all); the struct is valid only during cb. */
int store_user_events(struct store *s, int64_t user_id, int limit,
    int (*cb)(const struct store_user_event *e, void *arg), void *arg);

/* ---- audit log -------------------------------------------------------- */

struct store_audit {
	int64_t id;
	char actor[STORE_AUDIT_FIELD_MAX + 1];	/* "user:<name>", "cli:<unix user>" */
	char action[STORE_AUDIT_FIELD_MAX + 1];	/* "user.add", "cohort.create", ... */
	char target[STORE_AUDIT_FIELD_MAX + 1];
	char detail[STORE_DETAIL_MAX + 1];
	int64_t ts;
};

int store_audit_add(struct store *s, const char *actor, const char *action,
    const char *target, const char *detail);
/* The newest `limit` entries (limit <= 0: all), newest first. */
int store_audit_list(struct store *s, int limit,
    int (*cb)(const struct store_audit *a, void *arg), void *arg);

#endif
