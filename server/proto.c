/*
 * proto: one table of message schemas.  A field is a string (with a byte
 * limit and, for identifiers, a restricted alphabet) or an integer (with a
 * range).  Unknown fields are refused: a client that sends something we do
 * not understand learns so at once instead of being silently ignored.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "server/proto.h"

enum field_kind { F_STR, F_IDENT, F_INT, F_BOOL };

struct field {
	const char *name;
	enum field_kind kind;
	int required;
	long long min, max;		/* F_INT: range; F_STR/F_IDENT: byte length range */
};

struct schema {
	const char *type;
	struct field fields[4];
};

#define REQ 1
#define OPT 0
#define ID_FIELD(n) { n, F_INT, REQ, 1, 0x7fffffffffffffffLL }
#define IDENT(n) { n, F_IDENT, REQ, 1, 64 }

static const struct schema schemas[PROTO_NTYPES] = {
	[PROTO_HELLO] = { "hello", { { 0 } } },
	[PROTO_PING] = { "ping", { { 0 } } },
	[PROTO_LABS_LIST] = { "labs.list", { { 0 } } },
	[PROTO_LAB_OPEN] = { "lab.open", { IDENT("lab"), { "lang", F_IDENT, OPT, 2, 8 } } },
	[PROTO_ATTEMPT_GET] = { "attempt.get", { ID_FIELD("attempt") } },
	[PROTO_CELL_ATTACH] = { "cell.attach", { ID_FIELD("attempt"),
	    { "cols", F_INT, OPT, 2, 1000 }, { "rows", F_INT, OPT, 2, 1000 } } },
	[PROTO_CELL_RESIZE] = { "cell.resize", { { "cols", F_INT, REQ, 2, 1000 },
	    { "rows", F_INT, REQ, 2, 1000 } } },
	[PROTO_CELL_DETACH] = { "cell.detach", { { 0 } } },
	[PROTO_CHECK] = { "check", { ID_FIELD("attempt"), IDENT("step"),
	    { "answer", F_STR, OPT, 0, PROTO_ANSWER_MAX } } },
	[PROTO_HINT] = { "hint", { ID_FIELD("attempt"), IDENT("step"),
	    { "index", F_INT, REQ, 0, 63 } } },
	[PROTO_COHORT_LIST] = { "cohort.list", { { 0 } } },
	[PROTO_COHORT_CREATE] = { "cohort.create", { { "name", F_STR, REQ, 1, 64 } } },
	[PROTO_COHORT_WATCH] = { "cohort.watch", { ID_FIELD("cohort") } },
	[PROTO_LEARNER_HISTORY] = { "learner.history", { ID_FIELD("cohort"), ID_FIELD("user") } },
	[PROTO_LEARNER_RESET] = { "learner.reset", { ID_FIELD("cohort"), ID_FIELD("user"),
	    IDENT("lab") } },
	[PROTO_LEARNER_PASSPHRASE] = { "learner.passphrase", { ID_FIELD("cohort"),
	    ID_FIELD("user") } },
	[PROTO_COHORT_LABS] = { "cohort.labs", { ID_FIELD("cohort") } },
	[PROTO_COHORT_LAB_ENABLE] = { "cohort.lab.enable", { ID_FIELD("cohort"), IDENT("lab"),
	    { "enabled", F_BOOL, REQ, 0, 1 } } },
	[PROTO_USERS_LIST] = { "users.list", { { 0 } } },
	[PROTO_USER_DISABLE] = { "user.disable", { ID_FIELD("user"), { "disabled", F_BOOL, REQ, 0, 1 } } },
	[PROTO_AUDIT_LIST] = { "audit.list", { { "limit", F_INT, OPT, 1, 1000 } } },
};

const char *
proto_type_name(enum proto_type type)
{
	return type < PROTO_NTYPES ? schemas[type].type : "?";
}

static int fail(struct proto_error *err, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(struct proto_error *err, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	snprintf(err->field, sizeof err->field, "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return -1;
}

static int
ident_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static const struct field *
find_field(const struct schema *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof sc->fields / sizeof sc->fields[0] && sc->fields[i].name != NULL; i++)
		if (strcmp(sc->fields[i].name, name) == 0)
			return &sc->fields[i];
	return NULL;
}

static int
check_field(const struct field *f, json_t *v, struct proto_error *err)
{
	size_t len;

	switch (f->kind) {
	case F_BOOL:
		if (!json_is_boolean(v))
			return fail(err, PROTO_E_BAD_MESSAGE, f->name, "'%s' must be true or false", f->name);
		return 0;
	case F_INT:
		if (!json_is_integer(v))
			return fail(err, PROTO_E_BAD_MESSAGE, f->name, "'%s' must be a whole number", f->name);
		if (json_integer_value(v) < f->min || json_integer_value(v) > f->max)
			return fail(err, PROTO_E_BAD_MESSAGE, f->name, "'%s' is out of range", f->name);
		return 0;
	case F_STR:
	case F_IDENT:
		if (!json_is_string(v))
			return fail(err, PROTO_E_BAD_MESSAGE, f->name, "'%s' must be a string", f->name);
		len = json_string_length(v);
		if ((long long)len < f->min || (long long)len > f->max)
			return fail(err, PROTO_E_BAD_MESSAGE, f->name, "'%s' has a bad length", f->name);
		if (strlen(json_string_value(v)) != len)
			return fail(err, PROTO_E_BAD_MESSAGE, f->name, "'%s' contains a NUL byte", f->name);
		if (f->kind == F_IDENT && !ident_ok(json_string_value(v)))
			return fail(err, PROTO_E_BAD_MESSAGE, f->name,
			    "'%s' may hold only letters, digits, '-', '_' and '.'", f->name);
		return 0;
	}
	return fail(err, PROTO_E_INTERNAL, f->name, "schema error on '%s'", f->name);
}

int
proto_parse(const char *text, size_t len, struct proto_msg *msg, struct proto_error *err)
{
	const struct schema *sc = NULL;
	json_error_t jerr;
	const char *key, *type;
	json_t *v, *idv;
	size_t i;

	memset(msg, 0, sizeof *msg);
	memset(err, 0, sizeof *err);
	msg->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (msg->root == NULL)
		return fail(err, PROTO_E_BAD_JSON, NULL, "not valid JSON: %.100s", jerr.text);
	if (!json_is_object(msg->root))
		return fail(err, PROTO_E_BAD_MESSAGE, NULL, "%s", "a message must be a JSON object");
	idv = json_object_get(msg->root, "id");
	if (idv != NULL) {
		if (json_is_integer(idv) ||
		    (json_is_string(idv) && json_string_length(idv) <= PROTO_ID_MAX &&
		    strlen(json_string_value(idv)) == json_string_length(idv)))
			msg->id = idv;
		else
			return fail(err, PROTO_E_BAD_MESSAGE, "id", "%s",
			    "'id' must be a number or a short string");
	}
	v = json_object_get(msg->root, "type");
	if (!json_is_string(v))
		return fail(err, PROTO_E_BAD_MESSAGE, "type", "%s", "'type' must be a string");
	type = json_string_value(v);
	for (i = 0; i < PROTO_NTYPES; i++) {
		if (strcmp(schemas[i].type, type) == 0) {
			sc = &schemas[i];
			msg->type = (enum proto_type)i;
			break;
		}
	}
	if (sc == NULL)
		return fail(err, PROTO_E_UNKNOWN_TYPE, "type", "unknown message type '%.60s'", type);
	json_object_foreach(msg->root, key, v) {
		const struct field *f;

		if (strcmp(key, "type") == 0 || strcmp(key, "id") == 0)
			continue;
		f = find_field(sc, key);
		if (f == NULL)
			return fail(err, PROTO_E_BAD_MESSAGE, key, "unexpected field '%.40s'", key);
		if (check_field(f, v, err) != 0)
			return -1;
	}
	for (i = 0; i < sizeof sc->fields / sizeof sc->fields[0] && sc->fields[i].name != NULL; i++)
		if (sc->fields[i].required && json_object_get(msg->root, sc->fields[i].name) == NULL)
			return fail(err, PROTO_E_BAD_MESSAGE, sc->fields[i].name,
			    "missing field '%s'", sc->fields[i].name);
	return 0;
}

void
proto_msg_clear(struct proto_msg *msg)
{
	json_decref(msg->root);
	memset(msg, 0, sizeof *msg);
}

const char *
proto_str(const struct proto_msg *msg, const char *field)
{
	return json_string_value(json_object_get(msg->root, field));
}

long long
proto_int(const struct proto_msg *msg, const char *field)
{
	return json_integer_value(json_object_get(msg->root, field));
}

int
proto_bool(const struct proto_msg *msg, const char *field)
{
	return json_is_true(json_object_get(msg->root, field));
}

int
proto_has(const struct proto_msg *msg, const char *field)
{
	return json_object_get(msg->root, field) != NULL;
}
