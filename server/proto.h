/*
 * proto: the labhub.v1 control messages and their schemas.  Every text
 * frame a browser sends is one JSON object; proto_parse() turns it into a
 * validated message or a stable error code, so the handlers in ws.c only
 * ever see well-typed fields of bounded length.  Pure: no I/O, no state.
 *
 * The message list and field rules are documented in doc/PROTOCOL.md.
 */
#ifndef LABHUB_PROTO_H
#define LABHUB_PROTO_H

#include <jansson.h>
#include <stddef.h>

enum proto_type {
	PROTO_HELLO,
	PROTO_PING,
	PROTO_LABS_LIST,
	PROTO_LAB_OPEN,
	PROTO_ATTEMPT_GET,
	PROTO_CELL_ATTACH,
	PROTO_CELL_RESIZE,
	PROTO_CELL_DETACH,
	PROTO_CHECK,
	PROTO_HINT,
	PROTO_COHORT_LIST,
	PROTO_COHORT_CREATE,
	PROTO_COHORT_WATCH,
	PROTO_LEARNER_HISTORY,
	PROTO_LEARNER_RESET,
	PROTO_LEARNER_PASSPHRASE,
	PROTO_COHORT_LABS,
	PROTO_COHORT_LAB_ENABLE,
	PROTO_USERS_LIST,
	PROTO_USER_DISABLE,
	PROTO_AUDIT_LIST,
	PROTO_NTYPES
};

/* Stable error codes sent as {"type":"error","code":...}. */
#define PROTO_E_BAD_JSON "bad_json"
#define PROTO_E_BAD_MESSAGE "bad_message"
#define PROTO_E_UNKNOWN_TYPE "unknown_type"
#define PROTO_E_UNAUTHENTICATED "unauthenticated"
#define PROTO_E_FORBIDDEN "forbidden"
#define PROTO_E_NOT_FOUND "not_found"
#define PROTO_E_TOO_LARGE "too_large"
#define PROTO_E_RATE_LIMITED "rate_limited"
#define PROTO_E_CELL_FAILED "cell_failed"
#define PROTO_E_LAB_ERROR "lab_error"
#define PROTO_E_INTERNAL "internal"

#define PROTO_ID_MAX 64			/* a string request id */
#define PROTO_ANSWER_MAX 4096		/* a free-text answer */

struct proto_msg {
	enum proto_type type;
	json_t *root;			/* owned: proto_msg_clear() */
	json_t *id;			/* borrowed from root, NULL if absent */
};

struct proto_error {
	const char *code;		/* PROTO_E_* */
	char message[160];		/* for people */
	char field[32];			/* the offending field, "" if none */
};

/*
 * Parses and validates text[0..len) (not NUL-terminated).  On success
 * returns 0 and fills msg (call proto_msg_clear() afterwards).  On failure
 * returns -1 and fills err; msg->id is still set when the frame was an
 * object with a valid id, so the error can be matched to the request
 * (then msg->root must be cleared too).
 */
int proto_parse(const char *text, size_t len, struct proto_msg *msg, struct proto_error *err);
void proto_msg_clear(struct proto_msg *msg);

/* Field accessors for a validated message (the schema guarantees presence/type). */
const char *proto_str(const struct proto_msg *msg, const char *field);	/* NULL if optional and absent */
long long proto_int(const struct proto_msg *msg, const char *field);	/* 0 if optional and absent */
int proto_bool(const struct proto_msg *msg, const char *field);	/* 0 if optional and absent */
int proto_has(const struct proto_msg *msg, const char *field);

const char *proto_type_name(enum proto_type type);

#endif
