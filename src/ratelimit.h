/* Per-key token buckets (the key is a bearer token's id). Memory is fixed: a table of
 * buckets in lock stripes; a full bucket holds no information, so its slot can be reused
 * by another key. Time is passed in, so tests need no clock. */
#ifndef OIH_RATELIMIT_H
#define OIH_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

/* rate: tokens added per second; burst: the bucket's size. Returns a new limiter
 * (free with ratelimit_free), or NULL when rate is 0 (limiting disabled). */
struct ratelimit *ratelimit_new(double rate, double burst);
void ratelimit_free(struct ratelimit *rl);

/* Takes one token from key's bucket at time now_us. Returns true when allowed; otherwise
 * false and *retry_after_s, the whole seconds until a token is available (at least 1).
 * Thread-safe. A NULL limiter allows everything. */
bool ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_us, int *retry_after_s);

#endif
