/*
 * ratelimit: a fixed table of sliding-window failure counters, keyed by a
 * SipHash of the caller's key.  See ratelimit.h for the contract.
 *
 * Each slot counts failures in the current fixed window (cur) and keeps
 * the previous window's count (prev).  The sliding estimate at time t is
 * prev * (time left of the previous window still inside [t - w, t]) / w +
 * cur, the approximation Cloudflare and nginx-style limiters use.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "server/ratelimit.h"

#define PROBES 8
#define SLOTS_MAX ((size_t)1 << 20)

struct slot {
	uint64_t hash;			/* 0: empty */
	uint64_t start;			/* start of the current window, ms */
	uint32_t prev, cur;
};

struct ratelimit {
	struct slot *slots;
	size_t mask;
	unsigned limit;
	uint64_t window;
	ratelimit_clock_fn clock;
	void *clock_arg;
	unsigned char key[crypto_shorthash_KEYBYTES];
};

static uint64_t
mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct ratelimit *
ratelimit_new(size_t slots, unsigned limit, uint64_t window_ms, ratelimit_clock_fn clock,
    void *clock_arg)
{
	struct ratelimit *rl;
	size_t n = PROBES;

	if (limit == 0 || window_ms == 0 || slots > SLOTS_MAX || sodium_init() < 0)
		return NULL;
	while (n < slots)
		n <<= 1;
	rl = calloc(1, sizeof *rl);
	if (rl == NULL)
		return NULL;
	rl->slots = calloc(n, sizeof *rl->slots);
	if (rl->slots == NULL) {
		free(rl);
		return NULL;
	}
	rl->mask = n - 1;
	rl->limit = limit;
	rl->window = window_ms;
	rl->clock = clock != NULL ? clock : mono_ms;
	rl->clock_arg = clock_arg;
	randombytes_buf(rl->key, sizeof rl->key);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}

static uint64_t
key_hash(const struct ratelimit *rl, const void *key, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, key, len, rl->key);
	memcpy(&h, out, sizeof h);
	return h != 0 ? h : 1;
}

/* Moves the slot's windows forward to time t. */
static void
advance(const struct ratelimit *rl, struct slot *sl, uint64_t t)
{
	uint64_t w = rl->window;

	if (t < sl->start)			/* clock went backwards: treat as now */
		sl->start = t;
	if (t - sl->start >= 2 * w) {
		sl->prev = sl->cur = 0;
		sl->start = t;
	} else if (t - sl->start >= w) {
		sl->prev = sl->cur;
		sl->cur = 0;
		sl->start += w;
	}
}

/* The slot holding h, or NULL. */
static struct slot *
find(struct ratelimit *rl, uint64_t h)
{
	size_t i;

	for (i = 0; i < PROBES; i++) {
		struct slot *sl = &rl->slots[(h + i) & rl->mask];

		if (sl->hash == h)
			return sl;
	}
	return NULL;
}

/* Failures of sl in the sliding window ending at t, times w (exact integers). */
static uint64_t
weighted(const struct ratelimit *rl, const struct slot *sl, uint64_t t)
{
	uint64_t w = rl->window, e = t - sl->start;

	return (uint64_t)sl->prev * (w - e) + (uint64_t)sl->cur * w;
}

uint64_t
ratelimit_check(struct ratelimit *rl, const void *key, size_t len)
{
	uint64_t t = rl->clock(rl->clock_arg), w = rl->window, e, need;
	struct slot *sl = find(rl, key_hash(rl, key, len));

	if (sl == NULL)
		return 0;
	advance(rl, sl, t);
	if (weighted(rl, sl, t) < (uint64_t)rl->limit * w)
		return 0;
	e = t - sl->start;
	if (sl->cur < rl->limit) {
		/* prev * (w - e') < (limit - cur) * w  <=>  e' > w - (limit - cur) * w / prev */
		need = w - ((uint64_t)(rl->limit - sl->cur) * w) / sl->prev + 1;
		return need > e ? need - e : 1;
	}
	/* wait for this window to end, then for cur to decay as the new prev */
	return (w - e) + (w - ((uint64_t)rl->limit * w) / sl->cur) + 1;
}

void
ratelimit_fail(struct ratelimit *rl, const void *key, size_t len)
{
	uint64_t t = rl->clock(rl->clock_arg), h = key_hash(rl, key, len);
	struct slot *sl = find(rl, h), *victim = NULL;
	size_t i;

	if (sl == NULL) {
		/*
		 * An empty or idle slot, else the one with the fewest recent
		 * failures (oldest on ties): a flood of one-off keys evicts its
		 * own kind, never a key that is being throttled.
		 */
		uint64_t best = UINT64_MAX;

		for (i = 0; i < PROBES; i++) {
			struct slot *c = &rl->slots[(h + i) & rl->mask];
			uint64_t wc;

			if (c->hash == 0 || t < c->start || t - c->start >= 2 * rl->window) {
				victim = c;
				break;
			}
			advance(rl, c, t);
			wc = weighted(rl, c, t);
			if (victim == NULL || wc < best || (wc == best && c->start < victim->start)) {
				victim = c;
				best = wc;
			}
		}
		sl = victim;
		sl->hash = h;
		sl->start = t;
		sl->prev = sl->cur = 0;
	}
	advance(rl, sl, t);
	if (sl->cur < UINT32_MAX)
		sl->cur++;
}

void
ratelimit_reset(struct ratelimit *rl, const void *key, size_t len)
{
	struct slot *sl = find(rl, key_hash(rl, key, len));

	if (sl != NULL)
		memset(sl, 0, sizeof *sl);
}
