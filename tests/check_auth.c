/*
 * check_auth: password hashing, session tokens, join codes, passphrases,
 * the rules for names, and the login rate limiter (with a fake clock).
 */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/ratelimit.h"

static void
setup(void)
{
	ck_assert_int_eq(auth_init(), 0);
	auth_set_fast_hashing_for_tests(1);
}

/* ---- passwords -------------------------------------------------------- */

START_TEST(password_round_trip)
{
	char h[AUTH_PWHASH_SIZE], h2[AUTH_PWHASH_SIZE], big[AUTH_PASSWORD_MAX + 1];

	ck_assert_int_eq(auth_password_hash("correct horse", 13, h), 0);
	ck_assert_ptr_nonnull(strstr(h, "$argon2id$"));
	ck_assert_int_eq(auth_password_verify(h, "correct horse", 13), 0);
	ck_assert_int_eq(auth_password_verify(h, "correct hors", 12), -1);
	ck_assert_int_eq(auth_password_verify(h, "Correct horse", 13), -1);
	/* same password, new salt */
	ck_assert_int_eq(auth_password_hash("correct horse", 13, h2), 0);
	ck_assert_str_ne(h, h2);
	/* empty and oversized passwords are refused, garbage hashes never match */
	ck_assert_int_eq(auth_password_hash("", 0, h2), -1);
	memset(big, 'a', sizeof big);
	ck_assert_int_eq(auth_password_hash(big, sizeof big, h2), -1);
	ck_assert_int_eq(auth_password_verify("", "x", 1), -1);
	ck_assert_int_eq(auth_password_verify("$2y$10$abcdefghijklmnopqrstuv", "x", 1), -1);
	ck_assert_int_eq(auth_password_verify(h, "", 0), -1);
	auth_password_verify_dummy("whatever", 8);
}
END_TEST

START_TEST(production_cost_and_rehash)
{
	char fast[AUTH_PWHASH_SIZE], prod[AUTH_PWHASH_SIZE];

	ck_assert_int_eq(auth_password_hash("pw", 2, fast), 0);
	ck_assert_int_eq(auth_password_needs_rehash(fast), 0);
	auth_set_fast_hashing_for_tests(0);
	/* production limits: at least libsodium's INTERACTIVE (64 MiB, t=2) */
	ck_assert_int_eq(auth_password_hash("pw", 2, prod), 0);
	ck_assert_ptr_nonnull(strstr(prod, "$argon2id$v=19$m=65536,t=2,"));
	ck_assert_int_eq(auth_password_verify(prod, "pw", 2), 0);
	ck_assert_int_eq(auth_password_needs_rehash(prod), 0);
	ck_assert_int_eq(auth_password_needs_rehash(fast), 1);
	ck_assert_int_eq(auth_password_needs_rehash("not a hash"), 1);
	/* a hash made with other limits still verifies */
	ck_assert_int_eq(auth_password_verify(fast, "pw", 2), 0);
}
END_TEST

START_TEST(generated_passwords)
{
	char a[AUTH_GENPASS_SIZE], b[AUTH_GENPASS_SIZE];

	auth_password_generate(a);
	auth_password_generate(b);
	ck_assert_uint_eq(strlen(a), AUTH_GENPASS_SIZE - 1);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strspn(a, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_"),
	    strlen(a));
}
END_TEST

/* ---- tokens ----------------------------------------------------------- */

START_TEST(tokens)
{
	char text[AUTH_TOKEN_TEXT_SIZE], other[AUTH_TOKEN_TEXT_SIZE], bad[AUTH_TOKEN_TEXT_SIZE + 1];
	unsigned char h1[STORE_TOKEN_HASH_LEN], h2[STORE_TOKEN_HASH_LEN];
	int i;

	auth_token_new(text, h1);
	ck_assert_uint_eq(strlen(text), AUTH_TOKEN_TEXT_LEN);
	ck_assert_uint_eq(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	    AUTH_TOKEN_TEXT_LEN);
	ck_assert_int_eq(auth_token_hash(text, strlen(text), h2), 0);
	ck_assert_mem_eq(h1, h2, sizeof h1);
	/* the hash is not the token */
	ck_assert(memcmp(h1, text, sizeof h1) != 0);
	for (i = 0; i < 100; i++) {
		auth_token_new(other, h2);
		ck_assert_str_ne(text, other);
	}
	/* malformed: wrong length, wrong alphabet, padding */
	ck_assert_int_eq(auth_token_hash(text, AUTH_TOKEN_TEXT_LEN - 1, h2), -1);
	memcpy(bad, text, AUTH_TOKEN_TEXT_SIZE);
	strcat(bad, "A");
	ck_assert_int_eq(auth_token_hash(bad, strlen(bad), h2), -1);
	memcpy(bad, text, AUTH_TOKEN_TEXT_SIZE);
	bad[5] = '+';
	ck_assert_int_eq(auth_token_hash(bad, AUTH_TOKEN_TEXT_LEN, h2), -1);
	bad[5] = '=';
	ck_assert_int_eq(auth_token_hash(bad, AUTH_TOKEN_TEXT_LEN, h2), -1);
	ck_assert_int_eq(auth_token_hash(NULL, 0, h2), -1);
	ck_assert_int_eq(auth_token_hash("", 0, h2), -1);
}
END_TEST

/* ---- join codes and passphrases ------------------------------------- */

START_TEST(join_codes)
{
	char code[AUTH_JOIN_CODE_SIZE], norm[AUTH_JOIN_CODE_SIZE], shown[AUTH_JOIN_CODE_SIZE + 1];
	int i;

	for (i = 0; i < 200; i++) {
		auth_join_code_new(code);
		ck_assert_uint_eq(strlen(code), AUTH_JOIN_CODE_LEN);
		ck_assert_uint_eq(strspn(code, "ABCDEFGHJKMNPQRTUVWXYZ2346789"), AUTH_JOIN_CODE_LEN);
		ck_assert_int_eq(auth_join_code_normalize(code, norm), 0);
		ck_assert_str_eq(norm, code);
	}
	ck_assert_int_eq(auth_join_code_normalize("abcd-efgh", norm), 0);
	ck_assert_str_eq(norm, "ABCDEFGH");
	ck_assert_int_eq(auth_join_code_normalize(" 7x4k 9m2p ", norm), 0);
	ck_assert_str_eq(norm, "7X4K9M2P");
	ck_assert_int_eq(auth_join_code_normalize("ABCDEFG", norm), -1);
	ck_assert_int_eq(auth_join_code_normalize("ABCDEFGHJ", norm), -1);
	ck_assert_int_eq(auth_join_code_normalize("ABCDEFG0", norm), -1);	/* 0 is not in the alphabet */
	ck_assert_int_eq(auth_join_code_normalize("ABCDEFGO", norm), -1);
	ck_assert_int_eq(auth_join_code_normalize("ABCD'EFG", norm), -1);
	ck_assert_int_eq(auth_join_code_normalize("", norm), -1);
	auth_join_code_format("ABCDEFGH", shown);
	ck_assert_str_eq(shown, "ABCD-EFGH");
}
END_TEST

START_TEST(passphrases)
{
	char p[AUTH_PASSPHRASE_SIZE], q[AUTH_PASSPHRASE_SIZE];
	int i, dashes;
	char *c;

	for (i = 0; i < 200; i++) {
		auth_passphrase_new(p);
		dashes = 0;
		for (c = p; *c != '\0'; c++) {
			if (*c == '-')
				dashes++;
			else
				ck_assert_msg((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'), "%s", p);
		}
		ck_assert_int_eq(dashes, 3);
		c = strrchr(p, '-') + 1;
		ck_assert_msg(strlen(c) == 2 && c[0] >= '0' && c[0] <= '9' && c[1] >= '0' && c[1] <= '9', "%s", p);
		ck_assert_uint_le(strlen(p), 23);
	}
	auth_passphrase_new(q);
	ck_assert_str_ne(p, q);
}
END_TEST

/* ---- names ------------------------------------------------------------ */

static const struct {
	const char *name;
	int ok;
} usernames[] = {
	{ "tina", 1 }, { "t.smith", 1 }, { "lab-admin_2", 1 }, { "9lives", 1 },
	{ "", 0 }, { "Tina", 0 }, { ".hidden", 0 }, { "-rf", 0 }, { "~12", 0 },
	{ "a b", 0 }, { "a/b", 0 }, { "zoë", 0 }, { "a;drop", 0 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1 },	/* 64 */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },	/* 65 */
};

START_TEST(username_rules)
{
	const char *why = NULL;
	int rc = auth_username_valid(usernames[_i].name, &why);

	ck_assert_msg((rc == 0) == usernames[_i].ok, "'%s': %s", usernames[_i].name, why ? why : "ok");
	if (rc != 0)
		ck_assert_ptr_nonnull(why);
}
END_TEST

static const struct {
	const char *nick;
	int ok;
} nicknames[] = {
	{ "Zoë", 1 }, { "小明", 1 }, { "Ali B.", 1 }, { "cat \xf0\x9f\x90\xb1", 1 }, { "=1+1", 1 },
	{ "Robert'); DROP TABLE users;--", 1 }, { "x", 1 },
	{ "", 0 }, { " lead", 0 }, { "trail ", 0 }, { "\xc2\xa0nbsp", 0 },
	{ "tab\there", 0 }, { "new\nline", 0 }, { "esc\x1b[31m", 0 }, { "del\x7f", 0 },
	{ "c1\xc2\x85", 0 },				/* U+0085 NEL */
	{ "evil\xe2\x80\xae" "txt", 0 },		/* U+202E right-to-left override */
	{ "zero\xe2\x80\x8bwidth", 0 },			/* U+200B */
	{ "bom\xef\xbb\xbf", 0 },
	{ "over\xc0\xaflong", 0 },			/* overlong '/' */
	{ "surr\xed\xa0\x80", 0 },			/* U+D800 */
	{ "cut\xe5\xb0", 0 },				/* truncated sequence */
	{ "bad\xff", 0 },
	{ "big\xf4\x90\x80\x80", 0 },			/* above U+10FFFF */
	{ "abcdefghijabcdefghijabcdefghij12", 1 },	/* 32 characters */
	{ "abcdefghijabcdefghijabcdefghij123", 0 },	/* 33 */
	{ "ëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëë", 1 },	/* 32 chars, 64 bytes */
	{ "小小小小小小小小小小小小小小小小小小小小小小", 0 },	/* 22 chars, 66 bytes */
};

START_TEST(nickname_rules)
{
	const char *why = NULL;
	int rc = auth_nickname_valid(nicknames[_i].nick, &why);

	ck_assert_msg((rc == 0) == nicknames[_i].ok, "case %d: %s", _i, why ? why : "ok");
}
END_TEST

/* ---- rate limiter ----------------------------------------------------- */

static uint64_t fake_ms;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_ms;
}

START_TEST(ratelimit_blocks_after_limit_and_slides)
{
	struct ratelimit *rl = ratelimit_new(64, 3, 60000, fake_clock, NULL);
	uint64_t wait;
	int i;

	ck_assert_ptr_nonnull(rl);
	fake_ms = 1000000;
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(ratelimit_check(rl, "a:10.0.0.1", 10), 0);
		ratelimit_fail(rl, "a:10.0.0.1", 10);
		fake_ms += 1000;
	}
	wait = ratelimit_check(rl, "a:10.0.0.1", 10);
	ck_assert_uint_gt(wait, 0);
	ck_assert_uint_le(wait, 60000);
	/* other keys are unaffected */
	ck_assert_uint_eq(ratelimit_check(rl, "a:10.0.0.2", 10), 0);
	ck_assert_uint_eq(ratelimit_check(rl, "u:tina", 6), 0);
	/* still blocked just before the promised time, free at it */
	fake_ms += wait - 1;
	ck_assert_uint_gt(ratelimit_check(rl, "a:10.0.0.1", 10), 0);
	fake_ms += 1;
	ck_assert_uint_eq(ratelimit_check(rl, "a:10.0.0.1", 10), 0);
	/* sliding: one more failure right away blocks again (old failures still weigh) */
	ratelimit_fail(rl, "a:10.0.0.1", 10);
	wait = ratelimit_check(rl, "a:10.0.0.1", 10);
	ck_assert_uint_gt(wait, 1000);
	fake_ms += wait;
	ck_assert_uint_eq(ratelimit_check(rl, "a:10.0.0.1", 10), 0);
	/* after two quiet windows everything is forgotten */
	fake_ms += 120000;
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(ratelimit_check(rl, "a:10.0.0.1", 10), 0);
		ratelimit_fail(rl, "a:10.0.0.1", 10);
	}
	ck_assert_uint_gt(ratelimit_check(rl, "a:10.0.0.1", 10), 0);
	/* a successful sign-in resets the account */
	ratelimit_reset(rl, "a:10.0.0.1", 10);
	ck_assert_uint_eq(ratelimit_check(rl, "a:10.0.0.1", 10), 0);
	ratelimit_free(rl);
}
END_TEST

START_TEST(ratelimit_never_allows_a_burst_beyond_limit)
{
	struct ratelimit *rl = ratelimit_new(16, 10, 60000, fake_clock, NULL);
	uint64_t start;
	int allowed = 0;

	/* a client that retries every 100 ms for 60 s gets at most ~limit tries per window */
	fake_ms = 5000000;
	start = fake_ms;
	while (fake_ms < start + 60000) {
		if (ratelimit_check(rl, "x", 1) == 0) {
			allowed++;
			ratelimit_fail(rl, "x", 1);
		}
		fake_ms += 100;
	}
	ck_assert_int_eq(allowed, 10);
	ratelimit_free(rl);
}
END_TEST

START_TEST(ratelimit_memory_is_fixed)
{
	struct ratelimit *rl = ratelimit_new(64, 3, 60000, fake_clock, NULL);
	char key[32];
	int i, blocked = 0;

	fake_ms = 1000;
	/* the victim fails three times, then an attacker floods the table */
	for (i = 0; i < 3; i++)
		ratelimit_fail(rl, "u:victim", 8);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "a:%d", i);
		ratelimit_fail(rl, key, strlen(key));
		if (i % 1000 == 0)
			fake_ms++;		/* the victim's entry is the oldest */
	}
	/* the throttled key survived the flood */
	ck_assert_uint_gt(ratelimit_check(rl, "u:victim", 8), 0);
	/* the table still works: a fresh key counts normally */
	for (i = 0; i < 3; i++)
		ratelimit_fail(rl, "u:fresh", 7);
	blocked = ratelimit_check(rl, "u:fresh", 7) > 0;
	ck_assert(blocked);
	ck_assert_ptr_null(ratelimit_new(64, 0, 1000, NULL, NULL));
	ck_assert_ptr_null(ratelimit_new(64, 1, 0, NULL, NULL));
	ck_assert_ptr_null(ratelimit_new((size_t)1 << 30, 1, 1000, NULL, NULL));
	ratelimit_free(rl);
	ratelimit_free(NULL);
}
END_TEST

START_TEST(ratelimit_real_clock)
{
	struct ratelimit *rl = ratelimit_new(8, 1, 60000, NULL, NULL);

	ck_assert_uint_eq(ratelimit_check(rl, "k", 1), 0);
	ratelimit_fail(rl, "k", 1);
	ck_assert_uint_gt(ratelimit_check(rl, "k", 1), 50000);
	ratelimit_free(rl);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *su = suite_create("auth");
	TCase *tc;

	tc = tcase_create("secrets");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, password_round_trip);
	tcase_add_test(tc, production_cost_and_rehash);
	tcase_add_test(tc, generated_passwords);
	tcase_add_test(tc, tokens);
	tcase_add_test(tc, join_codes);
	tcase_add_test(tc, passphrases);
	suite_add_tcase(su, tc);

	tc = tcase_create("names");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, username_rules, 0, sizeof usernames / sizeof usernames[0]);
	tcase_add_loop_test(tc, nickname_rules, 0, sizeof nicknames / sizeof nicknames[0]);
	suite_add_tcase(su, tc);

	tc = tcase_create("ratelimit");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, ratelimit_blocks_after_limit_and_slides);
	tcase_add_test(tc, ratelimit_never_allows_a_burst_beyond_limit);
	tcase_add_test(tc, ratelimit_memory_is_fixed);
	tcase_add_test(tc, ratelimit_real_clock);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
