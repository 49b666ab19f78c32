/*
 * ws_lab: the learner's side of labhub.v1 — the lab list, opening a lab
 * (its steps rendered to HTML, the learner's progress, which steps are
 * unlocked), checks and hints (run in the learner's cell by ws_term.c and
 * recorded here), and the history an instructor drills into.
 *
 * Progress is never stored twice: states and scores are derived from the
 * step events by the store.  A check result is written to the store
 * (durably) before the learner is told.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/catalog.h"
#include "server/log.h"
#include "server/ws.h"
#include "server/ws_term.h"

/* ---- access ----------------------------------------------------------- */

struct access_arg {
	const char *lab_id;
	int yes;
};

static int
lab_in_cohort_cb(const struct store_lab *lab, void *arg)
{
	struct access_arg *a = arg;

	if (strcmp(lab->id, a->lab_id) == 0) {
		a->yes = 1;
		return 1;
	}
	return 0;
}

static int
cohort_has_lab_cb(const struct store_cohort *co, void *arg)
{
	struct access_arg *a = arg;

	store_cohort_labs(the_server->store, co->id, lab_in_cohort_cb, a);
	return a->yes;
}

/* Learners see the labs enabled for one of their cohorts; staff see all. */
static int
may_open_lab(struct conn *c, const char *lab_id)
{
	struct access_arg a = { lab_id, 0 };

	if (c->who.user.role != STORE_ROLE_LEARNER)
		return 1;
	store_cohort_of_learner(the_server->store, c->who.user.id, cohort_has_lab_cb, &a);
	return a.yes;
}

/* ---- labs.list -------------------------------------------------------- */

struct list_arg {
	struct conn *c;
	json_t *labs;
	json_t *progress;		/* lab id -> {passed, points} from the grid */
};

static int
mine_cb(const struct store_grid_cell *cell, void *arg)
{
	struct list_arg *l = arg;
	json_t *p;

	if (cell->user_id != l->c->who.user.id)
		return 0;
	p = json_object_get(l->progress, cell->lab_id);
	if (p == NULL) {
		p = json_pack("{si si}", "passed", 0, "points", 0);
		json_object_set_new(l->progress, cell->lab_id, p);
	}
	if (cell->step.passed)
		json_object_set_new(p, "passed", json_integer(json_integer_value(json_object_get(p, "passed")) + 1));
	json_object_set_new(p, "points", json_integer(json_integer_value(json_object_get(p, "points")) +
	    cell->step.points));
	return 0;
}

static int
my_cohorts_progress_cb(const struct store_cohort *co, void *arg)
{
	store_cohort_grid(the_server->store, co->id, mine_cb, arg);
	return 0;
}

static int
list_lab_cb(const struct store_lab *lab, void *arg)
{
	struct list_arg *l = arg;
	json_t *m = json_loads(lab->manifest != NULL ? lab->manifest : "{}", 0, NULL);
	json_t *info = json_object_get(m, "lab"), *p, *missing;
	size_t nsteps = json_array_size(json_object_get(m, "steps"));

	if (!may_open_lab(l->c, lab->id)) {
		json_decref(m);
		return 0;
	}
	p = json_object_get(l->progress, lab->id);
	missing = json_object_get(info, "missing");
	json_array_append_new(l->labs, json_pack("{ss ss ss sO* sO* sb sO so}",
	    "id", lab->id, "title", lab->title,
	    "summary", json_string_value(json_object_get(info, "summary")) ?
	    json_string_value(json_object_get(info, "summary")) : "",
	    "minutes", json_object_get(info, "minutes"),
	    "audience", json_object_get(info, "audience"),
	    "available", json_array_size(missing) == 0,
	    "missing", json_is_array(missing) ? missing : json_array(),
	    "progress", json_pack("{sI sI sI}",
	    "passed", (json_int_t)json_integer_value(json_object_get(p, "passed")),
	    "steps", (json_int_t)nsteps,
	    "points", (json_int_t)json_integer_value(json_object_get(p, "points")))));
	json_decref(m);
	return 0;
}

void
ws_on_labs_list(struct conn *c, const struct proto_msg *m)
{
	struct list_arg l = { c, json_array(), json_object() };

	store_cohort_of_learner(the_server->store, c->who.user.id, my_cohorts_progress_cb, &l);
	store_lab_list(the_server->store, list_lab_cb, &l);
	json_decref(l.progress);
	ws_send_json(c, m->id, json_pack("{ss sO so}", "type", "labs", "tracks", catalog_tracks(),
	    "labs", l.labs));
}

/* ---- lab.open --------------------------------------------------------- */

/* A stable per-learner seed: the same learner gets the same zone, prefix, passwords. */
static uint64_t
seed_for(int64_t user_id, const char *lab_id)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char text[160];
	uint64_t seed = 0;
	int i;

	snprintf(text, sizeof text, "labhub-seed:%lld:%s", (long long)user_id, lab_id);
	EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 8; i++)
		seed = seed << 8 | md[i];
	return seed & 0x7fffffffffffffffULL;
}

struct prog_arg {
	json_t *by_step;
};

static int
prog_cb(const struct store_step_progress *p, void *arg)
{
	struct prog_arg *pa = arg;

	json_object_set_new(pa->by_step, p->step_id, json_pack("{sb si si si ss}", "passed", p->passed,
	    "points", p->points, "fails", p->fails, "hints", p->hints, "feedback", p->last_feedback));
	return 0;
}

/* Steps unlock in order (unless the lab says free_order); a passed step stays passed. */
json_t *
ws_lab_steps_json(const struct store_lab *lab, const struct store_attempt *a, const char *lang,
    const json_t *values, int *score_out)
{
	json_t *m = json_loads(lab->manifest != NULL ? lab->manifest : "{}", 0, NULL);
	json_t *steps = json_array(), *st, *out;
	struct prog_arg pa = { json_object() };
	int free_order = json_is_true(json_object_get(json_object_get(m, "lab"), "free_order"));
	int unlocked = 1, score = 0;
	size_t i;

	store_attempt_progress(the_server->store, a->id, prog_cb, &pa, &score);
	json_array_foreach(json_object_get(m, "steps"), i, st) {
		const char *sid = json_string_value(json_object_get(st, "id"));
		json_t *p = json_object_get(pa.by_step, sid != NULL ? sid : "");
		json_t *q = json_object_get(st, "question"), *hints = json_array(), *h;
		int passed = json_is_true(json_object_get(p, "passed"));
		int taken = (int)json_integer_value(json_object_get(p, "hints"));
		char *html = catalog_render_step(the_server, lab->id,
		    json_string_value(json_object_get(st, "text")), json_object_get(st, "texts"), lang, values);
		size_t k;

		json_array_foreach(json_object_get(st, "hints"), k, h)
			json_array_append_new(hints, json_pack("{sO sb}", "cost", json_object_get(h, "cost"),
			    "taken", (int)k < taken));
		json_array_append_new(steps, json_pack("{ss sO ss* sO ss sO* so ss sO* si}",
		    "id", sid != NULL ? sid : "", "title", json_object_get(st, "title"),
		    "html", html, "points", json_object_get(st, "points"),
		    "kind", json_is_object(q) ? "question" : "check",
		    "question", json_is_object(q) ? q : NULL,
		    "hints", hints,
		    "state", passed ? "passed" : (unlocked || free_order ? "open" : "locked"),
		    "feedback", p != NULL ? json_object_get(p, "feedback") : NULL,
		    "fails", (int)json_integer_value(json_object_get(p, "fails"))));
		free(html);
		if (!passed)
			unlocked = 0;
	}
	json_decref(pa.by_step);
	out = json_pack("{ss sO* so}", "id", lab->id, "title", json_object_get(json_object_get(m, "lab"), "title"),
	    "steps", steps);
	json_object_set(out, "info", json_object_get(m, "lab"));
	json_decref(m);
	if (score_out != NULL)
		*score_out = score;
	return out;
}

/* Sent when the attempt's values are known (ws_term_values()), at once or later. */
void
ws_lab_open_reply(struct conn *c, const json_t *id, const struct store_attempt *a, const char *lang,
    int created, const json_t *values)
{
	struct store_lab lab;
	json_t *steps;
	int score = 0;

	if (store_lab_get(the_server->store, a->lab_id, &lab) != STORE_OK) {
		ws_send_error(c, id, PROTO_E_INTERNAL, NULL, "The lab could not be opened.");
		return;
	}
	steps = ws_lab_steps_json(&lab, a, lang, values, &score);
	store_lab_clear(&lab);
	ws_send_json(c, id, json_pack("{ss sI so si sb}", "type", "lab", "attempt", (json_int_t)a->id,
	    "lab", steps, "score", score, "new", created));
}

void
ws_on_lab_open(struct conn *c, const struct proto_msg *m)
{
	const char *lab_id = proto_str(m, "lab");
	struct store_lab lab;
	struct store_attempt a;
	const char *lang;
	int created = 0;

	if (store_lab_get(the_server->store, lab_id, &lab) != STORE_OK || !may_open_lab(c, lab_id)) {
		if (lab.manifest != NULL)
			store_lab_clear(&lab);
		ws_send_error(c, m->id, PROTO_E_NOT_FOUND, "lab", "There is no such lab for you.");
		return;
	}
	if (store_attempt_open(the_server->store, c->who.user.id, lab_id, lab.version,
	    seed_for(c->who.user.id, lab_id), &a, &created) != STORE_OK) {
		store_lab_clear(&lab);
		ws_send_error(c, m->id, PROTO_E_INTERNAL, NULL, "The lab could not be opened.");
		return;
	}
	lang = proto_has(m, "lang") ? proto_str(m, "lang") : (c->lang[0] ? c->lang : NULL);
	/* the reply comes from ws_lab_open_reply() once the values are known */
	ws_term_values(c, m->id, &a, lab.content_hash, lang, created);
	store_lab_clear(&lab);
}

/* ---- checks and hints -------------------------------------------------- */

/* The manifest entry of step_id and whether it is unlocked for attempt a. */
static json_t *
find_step(const struct store_attempt *a, const char *step_id, int *unlocked, json_t **manifest_out)
{
	struct store_lab lab;
	json_t *m, *st, *found = NULL;
	struct prog_arg pa = { json_object() };
	int prev_ok = 1, free_order;
	size_t i;

	*unlocked = 0;
	*manifest_out = NULL;
	if (store_lab_get(the_server->store, a->lab_id, &lab) != STORE_OK) {
		json_decref(pa.by_step);
		return NULL;
	}
	m = json_loads(lab.manifest != NULL ? lab.manifest : "{}", 0, NULL);
	store_lab_clear(&lab);
	free_order = json_is_true(json_object_get(json_object_get(m, "lab"), "free_order"));
	store_attempt_progress(the_server->store, a->id, prog_cb, &pa, NULL);
	json_array_foreach(json_object_get(m, "steps"), i, st) {
		const char *sid = json_string_value(json_object_get(st, "id"));
		int passed = json_is_true(json_object_get(json_object_get(pa.by_step, sid ? sid : ""), "passed"));

		if (sid != NULL && strcmp(sid, step_id) == 0) {
			found = st;
			*unlocked = prev_ok || free_order || passed;
			break;
		}
		if (!passed)
			prev_ok = 0;
	}
	json_decref(pa.by_step);
	*manifest_out = m;
	return found;
}

static int
usable_attempt(struct conn *c, const struct proto_msg *m, struct store_attempt *a)
{
	if (ws_attempt_for(c, m->id, proto_int(m, "attempt"), 1, a) != 0)
		return 0;
	if (a->reset != 0) {
		ws_send_error(c, m->id, PROTO_E_NOT_FOUND, "attempt",
		    "This attempt was reset by your instructor. Open the lab again.");
		return 0;
	}
	return 1;
}

void
ws_on_check(struct conn *c, const struct proto_msg *m)
{
	struct store_attempt a;
	json_t *manifest, *st;
	int unlocked;

	if (!usable_attempt(c, m, &a))
		return;
	st = find_step(&a, proto_str(m, "step"), &unlocked, &manifest);
	if (st == NULL || !unlocked) {
		ws_send_error(c, m->id, st == NULL ? PROTO_E_NOT_FOUND : PROTO_E_FORBIDDEN, "step",
		    st == NULL ? "This lab has no such step." : "Finish the steps before this one first.");
		json_decref(manifest);
		return;
	}
	if (json_is_object(json_object_get(st, "question")) && !proto_has(m, "answer")) {
		ws_send_error(c, m->id, PROTO_E_BAD_MESSAGE, "answer", "This step needs an answer.");
		json_decref(manifest);
		return;
	}
	json_decref(manifest);
	ws_term_run(c, m->id, &a, WS_RUN_CHECK, proto_str(m, "step"), 0, proto_str(m, "answer"));
}

void
ws_on_hint(struct conn *c, const struct proto_msg *m)
{
	struct store_attempt a;
	json_t *manifest, *st;
	int unlocked;
	long long idx = proto_int(m, "index");

	if (!usable_attempt(c, m, &a))
		return;
	st = find_step(&a, proto_str(m, "step"), &unlocked, &manifest);
	if (st == NULL || !unlocked || idx >= (long long)json_array_size(json_object_get(st, "hints"))) {
		ws_send_error(c, m->id, st == NULL || unlocked ? PROTO_E_NOT_FOUND : PROTO_E_FORBIDDEN,
		    st == NULL ? "step" : "index", st == NULL ? "This lab has no such step." :
		    (unlocked ? "This step has no such hint." : "Finish the steps before this one first."));
		json_decref(manifest);
		return;
	}
	json_decref(manifest);
	ws_term_run(c, m->id, &a, WS_RUN_HINT, proto_str(m, "step"), (int)idx, NULL);
}

/*
 * Records what the lab runtime said about a check or hint and tells the
 * learner.  Called by ws_term.c when the result arrives; c may be NULL
 * when the learner has gone (the result is still recorded).
 */
void
ws_lab_record(struct conn *c, const json_t *id, const struct store_attempt *a, enum ws_run_kind kind,
    const char *step, int index, const char *answer, const json_t *result)
{
	struct store_event ev;
	struct store_lab lab;
	json_t *manifest = NULL, *st = NULL, *lerr = json_object_get(result, "lab_error");
	const char *feedback;
	int points = 0, unlocked, score = 0, rc;

	if (result == NULL || json_is_object(lerr) || !json_is_true(json_object_get(result, "ok"))) {
		const char *msg = json_string_value(json_object_get(lerr, "message"));

		log_warn("lab %s: %s of step %s: lab error %s: %s", a->lab_id,
		    kind == WS_RUN_CHECK ? "check" : "hint", step,
		    json_string_value(json_object_get(lerr, "ref")) ? json_string_value(json_object_get(lerr, "ref")) : "-",
		    json_string_value(json_object_get(lerr, "detail")) ? json_string_value(json_object_get(lerr, "detail")) : "no answer");
		if (c != NULL)
			ws_send_error(c, id, PROTO_E_LAB_ERROR, "step", msg != NULL ? msg :
			    "This lab has a problem. Please tell your instructor.");
		return;
	}
	st = find_step(a, step, &unlocked, &manifest);
	points = (int)json_integer_value(json_object_get(st, "points"));
	memset(&ev, 0, sizeof ev);
	ev.attempt_id = a->id;
	snprintf(ev.step_id, sizeof ev.step_id, "%s", step);
	if (kind == WS_RUN_HINT) {
		int cost = (int)json_integer_value(json_object_get(result, "cost"));

		ev.kind = STORE_EVENT_HINT;
		ev.points = cost;
		snprintf(ev.detail, sizeof ev.detail, "%d", index);
		snprintf(ev.feedback, sizeof ev.feedback, "%s",
		    json_string_value(json_object_get(result, "text")) ? json_string_value(json_object_get(result, "text")) : "");
		rc = store_event_add(the_server->store, &ev);
		json_decref(manifest);
		if (rc != STORE_OK && rc != STORE_EXISTS) {
			if (c != NULL)
				ws_send_error(c, id, PROTO_E_INTERNAL, NULL, "The hint could not be recorded; try again.");
			return;
		}
		store_attempt_progress(the_server->store, a->id, NULL, NULL, &score);
		if (c != NULL)
			ws_send_json(c, id, json_pack("{ss sI ss si ss si si}", "type", "hint",
			    "attempt", (json_int_t)a->id, "step", step, "index", index,
			    "text", ev.feedback, "cost", cost, "score", score));
		ws_notify_progress(the_server, a->user_id);
		return;
	}
	feedback = json_string_value(json_object_get(result, "feedback"));
	if (answer != NULL) {
		struct store_event ans;

		memset(&ans, 0, sizeof ans);
		ans.attempt_id = a->id;
		ans.kind = STORE_EVENT_ANSWER;
		snprintf(ans.step_id, sizeof ans.step_id, "%s", step);
		snprintf(ans.detail, sizeof ans.detail, "%s", answer);
		store_event_add(the_server->store, &ans);
	}
	ev.kind = json_is_true(json_object_get(result, "passed")) ? STORE_EVENT_CHECK_PASS : STORE_EVENT_CHECK_FAIL;
	ev.points = ev.kind == STORE_EVENT_CHECK_PASS ? points : 0;
	snprintf(ev.feedback, sizeof ev.feedback, "%s", feedback != NULL ? feedback : "");
	json_decref(manifest);
	the_server->m.checks_run++;
	/* Durable before the learner hears of it. */
	if (store_event_add(the_server->store, &ev) != STORE_OK) {
		if (c != NULL)
			ws_send_error(c, id, PROTO_E_INTERNAL, NULL,
			    "Your check ran but could not be saved; please check again.");
		return;
	}
	if (store_lab_get(the_server->store, a->lab_id, &lab) == STORE_OK) {
		json_t *steps = ws_lab_steps_json(&lab, a, NULL, NULL, &score);
		json_t *sv, *next = json_null();
		size_t i;
		int all = 1;

		json_array_foreach(json_object_get(steps, "steps"), i, sv) {
			if (strcmp(json_string_value(json_object_get(sv, "state")), "passed") != 0) {
				if (all)
					next = json_object_get(sv, "id");
				all = 0;
			}
		}
		if (all)
			store_attempt_finish(the_server->store, a->id);
		if (c != NULL)
			ws_send_json(c, id, json_pack("{ss sI ss sb ss si si sO}", "type", "check.result",
			    "attempt", (json_int_t)a->id, "step", step,
			    "passed", ev.kind == STORE_EVENT_CHECK_PASS, "feedback", ev.feedback,
			    "points", ev.points, "score", score, "next", next));
		json_decref(steps);
		store_lab_clear(&lab);
	}
	ws_notify_progress(the_server, a->user_id);
}

/* ---- instructor drill-down -------------------------------------------- */

struct events_arg {
	int64_t user;
	json_t *events;
};

static int
events_cb(const struct store_grid_cell *cell, void *arg)
{
	struct events_arg *e = arg;

	if (cell->user_id != e->user)
		return 0;
	json_array_append_new(e->events, json_pack("{ss ss sI sb si si si si ss sI}",
	    "lab", cell->lab_id, "step", cell->step.step_id, "attempt", (json_int_t)cell->attempt_id,
	    "passed", cell->step.passed, "points", cell->step.points, "fails", cell->step.fails,
	    "hints", cell->step.hints, "hint_cost", cell->step.hint_cost,
	    "feedback", cell->step.last_feedback, "at", (json_int_t)cell->step.last_ts));
	return 0;
}

json_t *
ws_learner_events(int64_t cohort_id, int64_t user_id)
{
	struct events_arg e = { user_id, json_array() };

	store_cohort_grid(the_server->store, cohort_id, events_cb, &e);
	return e.events;
}

static int
log_cb(const struct store_user_event *u, void *arg)
{
	json_array_append_new(arg, json_pack("{sI ss ss ss si ss ss sI sI sI sb}",
	    "attempt", (json_int_t)u->ev.attempt_id, "lab", u->lab_id, "step", u->ev.step_id,
	    "kind", store_event_kind_name(u->ev.kind), "points", u->ev.points,
	    "feedback", u->ev.feedback, "detail", u->ev.kind == STORE_EVENT_HINT ||
	    u->ev.kind == STORE_EVENT_ANSWER ? u->ev.detail : "",
	    "at", (json_int_t)u->ev.ts, "started", (json_int_t)u->attempt_started,
	    "id", (json_int_t)u->ev.id, "reset", u->attempt_reset));
	return 0;
}

json_t *
ws_learner_log(int64_t user_id)
{
	json_t *log = json_array();

	store_user_events(the_server->store, user_id, 2000, log_cb, log);
	return log;
}

struct current_arg {
	int64_t user;
	const char *lab;
	int64_t attempt;
};

static int
current_cb(const struct store_grid_cell *cell, void *arg)
{
	struct current_arg *ca = arg;

	if (cell->user_id == ca->user && strcmp(cell->lab_id, ca->lab) == 0) {
		ca->attempt = cell->attempt_id;
		return 1;
	}
	return 0;
}

int
ws_current_attempt(int64_t cohort_id, int64_t user_id, const char *lab_id, struct store_attempt *a)
{
	struct current_arg ca = { user_id, lab_id, 0 };

	store_cohort_grid(the_server->store, cohort_id, current_cb, &ca);
	if (ca.attempt == 0)	/* opened, but no step checked yet: not in the grid */
		return store_attempt_current(the_server->store, user_id, lab_id, a) == STORE_OK ? 0 : -1;
	return store_attempt_get(the_server->store, ca.attempt, a) == STORE_OK ? 0 : -1;
}
