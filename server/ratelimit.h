/*
 * ratelimit: how often a key (a client address, an account name) may fail
 * to sign in.  A fixed-size table allocated once: memory never grows with
 * the number of clients, whatever they send.  Each slot keeps a sliding
 * window approximated by two fixed windows (the previous count weighted by
 * how much of it still overlaps), which is exact enough for login throttling
 * and costs 24 bytes per key.
 *
 * Keys are not stored: a slot holds a keyed SipHash of the key (random key
 * per table), so the table keeps no addresses or names, and a client
 * cannot aim its keys at one bucket.  When the probed slots are all busy,
 * the one with the fewest recent failures is reused, so a flood of
 * throwaway keys evicts its own kind, not a key that is being throttled.
 *
 * Loop only (no locking).  The clock is injectable for tests.
 */
#ifndef LABHUB_RATELIMIT_H
#define LABHUB_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* Milliseconds from any fixed origin; must not go backwards. */
typedef uint64_t (*ratelimit_clock_fn)(void *arg);

/*
 * A table of `slots` entries (rounded up to a power of two, at most 1<<20)
 * allowing `limit` failures per `window_ms`.  clock NULL: CLOCK_MONOTONIC.
 * NULL on allocation failure or bad arguments (limit 0, window 0).
 */
struct ratelimit *ratelimit_new(size_t slots, unsigned limit, uint64_t window_ms,
    ratelimit_clock_fn clock, void *clock_arg);
void ratelimit_free(struct ratelimit *rl);

/*
 * 0 if key (len bytes) may try now, else the number of milliseconds until
 * it may (for Retry-After).  Does not count anything.
 */
uint64_t ratelimit_check(struct ratelimit *rl, const void *key, size_t len);
/* Counts one failed attempt for key. */
void ratelimit_fail(struct ratelimit *rl, const void *key, size_t len);
/* Forgets key (after a successful sign-in of that account). */
void ratelimit_reset(struct ratelimit *rl, const void *key, size_t len);

#endif
