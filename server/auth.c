/*
 * auth: libsodium does the cryptography (Argon2id, SHA-256, the RNG);
 * this file fixes the parameters and the alphabets, and decides which
 * names people may choose.  See auth.h for the contract.
 */
#include <config.h>

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server/auth.h"

static int fast_hashing;

static unsigned long long
opslimit(void)
{
	return fast_hashing ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
}

static size_t
memlimit(void)
{
	return fast_hashing ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

int
auth_init(void)
{
	/* 0: initialised now, 1: already was */
	return sodium_init() < 0 ? -1 : 0;
}

void
auth_set_fast_hashing_for_tests(int fast)
{
	fast_hashing = fast != 0;
}

/* ---- passwords -------------------------------------------------------- */

int
auth_password_hash(const char *pw, size_t len, char out[AUTH_PWHASH_SIZE])
{
	_Static_assert(AUTH_PWHASH_SIZE == crypto_pwhash_STRBYTES, "hash size");

	if (len == 0 || len > AUTH_PASSWORD_MAX)
		return -1;
	return crypto_pwhash_str_alg(out, pw, len, opslimit(), memlimit(),
	    crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

int
auth_password_verify(const char *hash, const char *pw, size_t len)
{
	if (hash == NULL || len == 0 || len > AUTH_PASSWORD_MAX ||
	    memchr(hash, '\0', AUTH_PWHASH_SIZE) == NULL ||
	    strncmp(hash, "$argon2id$", 10) != 0)
		return -1;
	return crypto_pwhash_str_verify(hash, pw, len) == 0 ? 0 : -1;
}

void
auth_password_verify_dummy(const char *pw, size_t len)
{
	static char dummy[AUTH_PWHASH_SIZE];
	static int dummy_fast = -1;

	if (dummy_fast != fast_hashing) {
		if (auth_password_hash("labhub-no-such-account", 22, dummy) != 0)
			return;
		dummy_fast = fast_hashing;
	}
	if (len == 0 || len > AUTH_PASSWORD_MAX)
		len = 1;
	if (crypto_pwhash_str_verify(dummy, pw, len) == 0)
		dummy_fast = -1;	/* cannot happen; the result only has to be used */
}

int
auth_password_needs_rehash(const char *hash)
{
	if (hash == NULL || memchr(hash, '\0', AUTH_PWHASH_SIZE) == NULL)
		return 1;
	/* 1: other limits, -1: not an Argon2id hash at all; both: rehash */
	return crypto_pwhash_str_needs_rehash(hash, opslimit(), memlimit()) != 0;
}

/* Letters and digits that survive being read aloud, copied or projected. */
static const char code_alphabet[] = "ABCDEFGHJKMNPQRTUVWXYZ2346789";
static const char pass_alphabet[] =
    "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_";

static void
random_string(char *out, size_t n, const char *alphabet, size_t alen)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform((uint32_t)alen)];
	out[n] = '\0';
}

void
auth_password_generate(char out[AUTH_GENPASS_SIZE])
{
	/* 20 of 59 symbols: 117 bits */
	random_string(out, AUTH_GENPASS_SIZE - 1, pass_alphabet, sizeof pass_alphabet - 1);
}

/* ---- tokens ----------------------------------------------------------- */

void
auth_token_new(char text[AUTH_TOKEN_TEXT_SIZE], unsigned char hash[STORE_TOKEN_HASH_LEN])
{
	unsigned char raw[AUTH_TOKEN_BYTES];

	_Static_assert(STORE_TOKEN_HASH_LEN == crypto_hash_sha256_BYTES, "token hash size");
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(text, AUTH_TOKEN_TEXT_SIZE, raw, sizeof raw,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_hash_sha256(hash, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
}

int
auth_token_hash(const char *text, size_t len, unsigned char hash[STORE_TOKEN_HASH_LEN])
{
	unsigned char raw[AUTH_TOKEN_BYTES];
	size_t rawlen = 0;
	const char *end = NULL;

	if (text == NULL || len != AUTH_TOKEN_TEXT_LEN)
		return -1;
	if (sodium_base642bin(raw, sizeof raw, text, len, NULL, &rawlen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    rawlen != sizeof raw || end != text + len)
		return -1;
	crypto_hash_sha256(hash, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	return 0;
}

/* ---- join codes ------------------------------------------------------- */

void
auth_join_code_new(char out[AUTH_JOIN_CODE_SIZE])
{
	random_string(out, AUTH_JOIN_CODE_LEN, code_alphabet, sizeof code_alphabet - 1);
}

int
auth_join_code_normalize(const char *in, char out[AUTH_JOIN_CODE_SIZE])
{
	size_t n = 0;
	char c;

	if (in == NULL)
		return -1;
	for (; *in != '\0'; in++) {
		c = *in;
		if (c == ' ' || c == '-' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (n == AUTH_JOIN_CODE_LEN || strchr(code_alphabet, c) == NULL)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == AUTH_JOIN_CODE_LEN ? 0 : -1;
}

void
auth_join_code_format(const char *code, char out[AUTH_JOIN_CODE_SIZE + 1])
{
	snprintf(out, AUTH_JOIN_CODE_SIZE + 1, "%.4s-%.4s", code, strlen(code) > 4 ? code + 4 : "");
}

/* ---- passphrases ------------------------------------------------------ */

/*
 * Short, common, concrete words that a child can spell and that are not
 * rude in any obvious way.  Adding words is fine; removing them is fine too
 * (passphrases are stored only as hashes).
 */
static const char *const words[] = {
	"acorn", "actor", "adult", "agent", "alarm", "album", "alley", "amber", "angle", "ankle",
	"apple", "apron", "arrow", "atlas", "attic", "aunt", "award", "bacon", "badge", "bagel",
	"baker", "bald", "ball", "banjo", "bank", "barn", "basil", "bath", "beach", "beam",
	"bean", "bear", "bell", "belt", "bench", "berry", "bike", "bird", "blue", "boat",
	"bolt", "bone", "book", "boot", "bowl", "box", "brave", "bread", "brick", "bride",
	"brush", "bulb", "bunny", "cabin", "cable", "cake", "calm", "camel", "camp", "candy",
	"canoe", "cape", "card", "cargo", "carrot", "castle", "cat", "cave", "cedar", "chain",
	"chair", "chalk", "cheek", "chess", "chick", "chief", "chili", "cider", "city", "clay",
	"cliff", "clock", "cloud", "clown", "coach", "coast", "coat", "cobra", "cocoa", "coin",
	"comet", "coral", "corn", "couch", "cow", "crab", "crane", "crow", "crown", "cube",
	"cup", "daisy", "dance", "dawn", "deer", "desk", "dice", "dingo", "disk", "dock",
	"dog", "doll", "door", "dove", "dragon", "dream", "drum", "duck", "dune", "eagle",
	"earth", "easel", "echo", "eel", "egg", "elbow", "elf", "elk", "ember", "engine",
	"fable", "fairy", "farm", "feast", "fern", "ferry", "field", "fig", "film", "fire",
	"fish", "flag", "flame", "flute", "foam", "fog", "forest", "fork", "fox", "frog",
	"frost", "fruit", "game", "garden", "gate", "gecko", "gem", "ghost", "giant", "gift",
	"glass", "globe", "glove", "goat", "gold", "goose", "grape", "grass", "green", "guitar",
	"hammer", "happy", "harbor", "harp", "hat", "hawk", "hazel", "heart", "hedge", "hero",
	"hill", "hippo", "honey", "hook", "horse", "house", "igloo", "inch", "iris", "iron",
	"island", "ivory", "jacket", "jade", "jam", "jar", "jelly", "jewel", "juice", "kayak",
	"kettle", "key", "kite", "kitten", "kiwi", "knee", "knot", "koala", "ladder", "lake",
	"lamp", "lark", "lava", "leaf", "lemon", "lily", "lime", "lion", "llama", "lock",
	"lotus", "lucky", "lunar", "lunch", "magic", "mango", "maple", "marble", "mask", "meadow",
	"melon", "mint", "mirror", "mole", "moon", "moose", "moss", "mouse", "mud", "music",
	"nest", "net", "night", "noble", "north", "nut", "oak", "oasis", "ocean", "olive",
	"onion", "orange", "orbit", "otter", "owl", "paddle", "panda", "paper", "park", "parrot",
	"peach", "pear", "pearl", "pebble", "pen", "pepper", "piano", "pig", "pilot", "pine",
	"pizza", "planet", "plum", "polar", "pond", "pony", "pool", "poppy", "potato", "puppy",
	"quail", "queen", "quiet", "quilt", "rabbit", "radar", "radio", "rain", "raven", "reef",
	"rice", "ring", "river", "road", "robin", "robot", "rock", "roof", "rope", "rose",
	"ruby", "sail", "salad", "salt", "sand", "scarf", "seal", "seed", "shark", "sheep",
	"shell", "ship", "shoe", "silver", "sky", "sled", "snail", "snow", "soap", "sock",
	"sofa", "solar", "soup", "spark", "spoon", "squid", "star", "stone", "storm", "sugar",
	"sun", "swan", "table", "taco", "tea", "tiger", "toast", "tomato", "tooth", "tower",
	"toy", "train", "tree", "tulip", "tuna", "turtle", "violet", "wagon", "wave", "whale",
	"wheat", "wheel", "willow", "wind", "wing", "wolf", "wood", "wool", "yak", "yarn",
	"yellow", "yogurt", "zebra", "zero", "zinc", "zipper",
};
#define NWORDS (sizeof words / sizeof words[0])

void
auth_passphrase_new(char out[AUTH_PASSPHRASE_SIZE])
{
	snprintf(out, AUTH_PASSPHRASE_SIZE, "%s-%s-%s-%02u",
	    words[randombytes_uniform(NWORDS)], words[randombytes_uniform(NWORDS)],
	    words[randombytes_uniform(NWORDS)], (unsigned)randombytes_uniform(100));
}

/* ---- names ------------------------------------------------------------ */

int
auth_username_valid(const char *name, const char **why)
{
	const char *p;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (name == NULL || *name == '\0') {
		*why = "the name is empty";
		return -1;
	}
	if (strlen(name) > STORE_NAME_MAX) {
		*why = "the name is longer than 64 characters";
		return -1;
	}
	if (!((*name >= 'a' && *name <= 'z') || (*name >= '0' && *name <= '9'))) {
		*why = "the name must start with a lower-case letter or a digit";
		return -1;
	}
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '_' || *p == '-')) {
			*why = "the name may contain only a-z, 0-9, '.', '_' and '-'";
			return -1;
		}
	return 0;
}

/*
 * Decodes one UTF-8 sequence at p (n bytes left). Returns its length and
 * the code point in *cp, or 0 for anything malformed: overlong forms,
 * surrogates, values above U+10FFFF, truncated sequences.
 */
static size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points that render as nothing, reorder text, or break lines. */
static int
invisible(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||	/* C0, DEL, C1 */
	    c == 0xad ||					/* soft hyphen */
	    c == 0x61c ||					/* Arabic letter mark */
	    (c >= 0x200b && c <= 0x200f) ||			/* zero-width, LRM/RLM */
	    (c >= 0x2028 && c <= 0x202e) ||			/* separators, bidi embeddings */
	    (c >= 0x2060 && c <= 0x206f) ||			/* word joiner, bidi isolates */
	    c == 0xfeff ||					/* BOM / ZWNBSP */
	    (c >= 0xfff0 && c <= 0xfffb) ||			/* specials */
	    (c >= 0xe000 && c <= 0xf8ff) ||			/* private use */
	    (c & 0xfffe) == 0xfffe;				/* noncharacters */
}

static int
is_space(uint32_t c)
{
	return c == ' ' || c == 0xa0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200a);
}

int
auth_nickname_valid(const char *nick, const char **why)
{
	const unsigned char *p = (const unsigned char *)nick;
	size_t n, len, chars = 0;
	uint32_t c = 0;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (nick == NULL || *nick == '\0') {
		*why = "the nickname is empty";
		return -1;
	}
	n = strlen(nick);
	if (n > STORE_NAME_MAX) {
		*why = "the nickname is too long";
		return -1;
	}
	while (n > 0) {
		len = utf8_decode(p, n, &c);
		if (len == 0) {
			*why = "the nickname is not valid UTF-8";
			return -1;
		}
		if (invisible(c)) {
			*why = "the nickname contains an invisible or control character";
			return -1;
		}
		if (chars == 0 && is_space(c)) {
			*why = "the nickname starts with a space";
			return -1;
		}
		chars++;
		p += len;
		n -= len;
	}
	if (is_space(c)) {
		*why = "the nickname ends with a space";
		return -1;
	}
	if (chars > AUTH_NICKNAME_MAX_CHARS) {
		*why = "the nickname is longer than 32 characters";
		return -1;
	}
	return 0;
}
