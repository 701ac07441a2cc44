/* Token buckets in a fixed table: 64 stripes of 256 slots, each stripe with its own mutex,
 * so requests on different tokens rarely contend. A key probes a few slots of its stripe;
 * when all are taken by other keys whose buckets are not full, the oldest-touched one is
 * reused. That can only ever forgive a client, never punish an innocent one. */
#include "ratelimit.h"

#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xalloc.h"

enum { STRIPES = 64, SLOTS = 256, PROBES = 8, KEY_MAX = 40 };

struct bucket {
    char key[KEY_MAX];
    double tokens;
    int64_t updated_us;
};

struct stripe {
    pthread_mutex_t lock;
    struct bucket slots[SLOTS];
};

struct ratelimit {
    double rate, burst;
    struct stripe stripes[STRIPES];
};

struct ratelimit *
ratelimit_new(double rate, double burst)
{
    if (rate <= 0.0)
        return NULL;
    struct ratelimit *rl = xcalloc(1, sizeof(*rl));
    rl->rate = rate;
    rl->burst = burst < 1.0 ? 1.0 : burst;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&rl->stripes[i].lock, NULL);
    return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&rl->stripes[i].lock);
    free(rl);
}

static void
refill(const struct ratelimit *rl, struct bucket *b, int64_t now_us)
{
    double elapsed = (double)(now_us - b->updated_us) / 1e6;
    if (elapsed > 0)
        b->tokens = fmin(rl->burst, b->tokens + elapsed * rl->rate);
    b->updated_us = now_us;
}

/* True when b is free to reuse: empty, or refilled to the brim by now (forgetting a full
 * bucket changes nothing, since a new one starts full). */
static bool
reusable(const struct ratelimit *rl, const struct bucket *b, int64_t now_us)
{
    if (b->key[0] == '\0')
        return true;
    return b->tokens + (double)(now_us - b->updated_us) / 1e6 * rl->rate >= rl->burst;
}

/* The key's bucket in stripe s, claiming a slot when it has none: a reusable one, else the
 * least recently used of the probed slots. Called with s locked. */
static struct bucket *
find_bucket(const struct ratelimit *rl, struct stripe *s, const char *key, uint32_t h,
            int64_t now_us)
{
    struct bucket *victim = NULL;
    bool victim_reusable = false;
    for (int i = 0; i < PROBES; i++) {
        struct bucket *b = &s->slots[(h / STRIPES + (uint32_t)i) % SLOTS];
        if (strcmp(b->key, key) == 0)
            return b;
        if (victim_reusable)
            continue;
        if (reusable(rl, b, now_us)) {
            victim = b;
            victim_reusable = true;
        } else if (!victim || b->updated_us < victim->updated_us) {
            victim = b;
        }
    }
    (void)snprintf(victim->key, sizeof(victim->key), "%s", key);
    victim->tokens = rl->burst;
    victim->updated_us = now_us;
    return victim;
}

bool
ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_us, int *retry_after_s)
{
    if (!rl)
        return true;
    uint32_t h = (uint32_t)hash_fnv1a(HASH_FNV1A_INIT, key);
    struct stripe *s = &rl->stripes[h % STRIPES];
    pthread_mutex_lock(&s->lock);
    struct bucket *b = find_bucket(rl, s, key, h, now_us);
    refill(rl, b, now_us);
    bool allowed = b->tokens >= 1.0;
    if (allowed)
        b->tokens -= 1.0;
    else
        *retry_after_s = (int)ceil((1.0 - b->tokens) / rl->rate);
    pthread_mutex_unlock(&s->lock);
    if (!allowed && *retry_after_s < 1)
        *retry_after_s = 1;
    return allowed;
}
