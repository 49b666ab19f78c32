/*
 * auth: the secrets of signing in, and the rules for names people pick.
 *
 * Passwords and learner passphrases are hashed with Argon2id
 * (libsodium crypto_pwhash_str, at least the INTERACTIVE limits).  Session
 * tokens are 256 bits from randombytes_buf(), handed to the browser as 43
 * characters of base64url and kept server-side only as their SHA-256, so a
 * copy of the database lets nobody sign in.  Join codes and passphrases
 * are generated here so that every code path uses the same alphabet.
 *
 * Pure functions apart from the RNG; no allocation; callable from any
 * thread, but labhub calls them from the loop (hashing a password takes
 * tens of milliseconds: the login rate limiter in ratelimit.h bounds how
 * often a client can make the loop pay that).  auth_init() first.
 */
#ifndef LABHUB_AUTH_H
#define LABHUB_AUTH_H

#include <stddef.h>

#include "server/store.h"

/* sodium_init(). 0, or -1 if libsodium cannot start (fatal at start-up). */
int auth_init(void);

/* ---- passwords -------------------------------------------------------- */

#define AUTH_PWHASH_SIZE (STORE_PWHASH_MAX + 1)	/* crypto_pwhash_STRBYTES */
#define AUTH_PASSWORD_MAX 1024			/* longer input is refused */

/* Hashes pw[0..len) into out (NUL-terminated). 0, or -1 (too long, out of memory). */
int auth_password_hash(const char *pw, size_t len, char out[AUTH_PWHASH_SIZE]);
/* 0 if pw matches hash, -1 otherwise (also for a malformed hash). Constant time in pw. */
int auth_password_verify(const char *hash, const char *pw, size_t len);
/*
 * Burns the same time as a verify against a real hash; call it when the
 * account does not exist so the reply time does not reveal names.
 */
void auth_password_verify_dummy(const char *pw, size_t len);
/* 1 if hash was made with other limits than the current ones (rehash on next sign-in), else 0. */
int auth_password_needs_rehash(const char *hash);
/*
 * Tests only: use crypto_pwhash_OPSLIMIT_MIN/MEMLIMIT_MIN so a suite can
 * hash hundreds of passwords.  Never called by labhub itself; production
 * uses OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE.
 */
void auth_set_fast_hashing_for_tests(int fast);

/* A strong random password (20 chars from an unambiguous alphabet) for the CLI. */
#define AUTH_GENPASS_SIZE 21
void auth_password_generate(char out[AUTH_GENPASS_SIZE]);

/* ---- session tokens --------------------------------------------------- */

#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_TEXT_LEN 43			/* base64url, no padding */
#define AUTH_TOKEN_TEXT_SIZE (AUTH_TOKEN_TEXT_LEN + 1)

/* A fresh token: its text for the cookie, and the hash for store_session_create(). */
void auth_token_new(char text[AUTH_TOKEN_TEXT_SIZE], unsigned char hash[STORE_TOKEN_HASH_LEN]);
/*
 * The hash of a token presented by a client (cookie value, may be
 * untrusted, not NUL-terminated: len bytes).  -1 if it is not exactly a
 * well-formed token, so garbage never reaches the store.
 */
int auth_token_hash(const char *text, size_t len, unsigned char hash[STORE_TOKEN_HASH_LEN]);

/* ---- join codes and passphrases ------------------------------------- */

/*
 * Join codes: 8 characters from 29 that cannot be confused when read
 * aloud or from a projector (no 0/O, 1/I/L, 5/S ... ; upper case), shown
 * as "ABCD-EFGH" and accepted in any case, with or without spaces/dashes.
 */
#define AUTH_JOIN_CODE_LEN 8
#define AUTH_JOIN_CODE_SIZE (AUTH_JOIN_CODE_LEN + 1)
void auth_join_code_new(char out[AUTH_JOIN_CODE_SIZE]);
/* Canonical form of what a person typed. 0, or -1 if it cannot be a code. */
int auth_join_code_normalize(const char *in, char out[AUTH_JOIN_CODE_SIZE]);
/* "ABCD-EFGH" for display. */
void auth_join_code_format(const char *code, char out[AUTH_JOIN_CODE_SIZE + 1]);

/*
 * Learner passphrases: three common short English words and two digits,
 * e.g. "lamp-river-quiet-42" (about 32 bits from a list of 366 words:
 * fine behind the login rate limiter, memorable for a 12-year-old).  Shown
 * once, stored only as auth_password_hash().
 */
#define AUTH_PASSPHRASE_SIZE 40
void auth_passphrase_new(char out[AUTH_PASSPHRASE_SIZE]);

/* ---- names ------------------------------------------------------------ */

/*
 * Account names made by admins: 1..STORE_NAME_MAX of [a-z0-9._-],
 * starting with a letter or digit.  0, or -1 with *why set (static text).
 */
int auth_username_valid(const char *name, const char **why);
/*
 * Nicknames chosen by learners: 1..32 characters (code points) and at most
 * STORE_NAME_MAX bytes of valid UTF-8, printable (no C0/C1 controls, no
 * DEL, no bidi overrides or zero-width tricks), no leading/trailing space.
 * 0, or -1 with *why set.
 */
#define AUTH_NICKNAME_MAX_CHARS 32
int auth_nickname_valid(const char *nick, const char **why);

#endif
