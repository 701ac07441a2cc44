/* A direct-mapped table under one mutex: the critical sections are a memcmp and a struct
 * copy, far shorter than the query they save. Two tokens that share a slot evict each
 * other, which costs a lookup, never a wrong answer (the full hash is compared). */
#include "token_cache.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "domain/timestamp.h"
#include "util/xalloc.h"

enum { SLOTS = 1024 }; /* a power of two */

struct slot {
    uint64_t generation; /* valid only while it equals the cache's */
    unsigned char hash[TOKEN_HASH_LEN];
    struct principal who;
    int64_t expires_us;   /* the token's own expiry; 0: none */
    int64_t cached_until; /* monotonic ms */
};

struct token_cache {
    pthread_mutex_t lock;
    struct slot *slots;
    int64_t ttl_ms;
    uint64_t generation; /* guarded by lock */
    bool live;           /* guarded by lock */
    atomic_ullong hits, misses, flushes;
};

struct token_cache *
token_cache_new(int ttl_s)
{
    struct token_cache *tc = xcalloc(1, sizeof(*tc));
    pthread_mutex_init(&tc->lock, NULL);
    tc->slots = xcalloc(SLOTS, sizeof(tc->slots[0]));
    tc->ttl_ms = (int64_t)ttl_s * 1000;
    tc->generation = 1; /* slots start at 0: never valid */
    return tc;
}

void
token_cache_free(struct token_cache *tc)
{
    if (!tc)
        return;
    pthread_mutex_destroy(&tc->lock);
    free(tc->slots);
    free(tc);
}

void
token_hash(const char *token, unsigned char out[TOKEN_HASH_LEN])
{
    unsigned int len = TOKEN_HASH_LEN;
    if (EVP_Digest(token, strlen(token), out, &len, EVP_sha256(), NULL) != 1)
        abort(); /* only fails when memory is exhausted, like xmalloc */
}

static struct slot *
slot_for(struct token_cache *tc, const unsigned char hash[TOKEN_HASH_LEN])
{
    uint32_t h;
    memcpy(&h, hash, sizeof(h)); /* a cryptographic hash: any four bytes are uniform */
    return &tc->slots[h & (SLOTS - 1)];
}

bool
token_cache_get(struct token_cache *tc, const unsigned char hash[TOKEN_HASH_LEN], int64_t now_us,
                struct principal *out)
{
    if (!tc)
        return false;
    int64_t now_ms = monotonic_ms();
    pthread_mutex_lock(&tc->lock);
    struct slot *s = slot_for(tc, hash);
    bool hit = tc->live && s->generation == tc->generation &&
               memcmp(s->hash, hash, TOKEN_HASH_LEN) == 0 && now_ms < s->cached_until &&
               (s->expires_us == 0 || now_us < s->expires_us);
    if (hit)
        *out = s->who;
    pthread_mutex_unlock(&tc->lock);
    atomic_fetch_add_explicit(hit ? &tc->hits : &tc->misses, 1, memory_order_relaxed);
    return hit;
}

uint64_t
token_cache_generation(struct token_cache *tc)
{
    if (!tc)
        return 0;
    pthread_mutex_lock(&tc->lock);
    uint64_t g = tc->generation;
    pthread_mutex_unlock(&tc->lock);
    return g;
}

void
token_cache_put(struct token_cache *tc, const unsigned char hash[TOKEN_HASH_LEN],
                const struct principal *who, int64_t expires_us, uint64_t generation)
{
    if (!tc)
        return;
    int64_t until = monotonic_ms() + tc->ttl_ms;
    pthread_mutex_lock(&tc->lock);
    if (tc->live && generation == tc->generation) {
        struct slot *s = slot_for(tc, hash);
        s->generation = generation;
        memcpy(s->hash, hash, TOKEN_HASH_LEN);
        s->who = *who;
        s->expires_us = expires_us;
        s->cached_until = until;
    }
    pthread_mutex_unlock(&tc->lock);
}

/* Called with the lock held. Bumping the generation invalidates every slot at once. */
static void
flush_locked(struct token_cache *tc)
{
    tc->generation++;
}

void
token_cache_flush(struct token_cache *tc)
{
    if (!tc)
        return;
    pthread_mutex_lock(&tc->lock);
    flush_locked(tc);
    pthread_mutex_unlock(&tc->lock);
    atomic_fetch_add_explicit(&tc->flushes, 1, memory_order_relaxed);
}

void
token_cache_set_live(struct token_cache *tc, bool live)
{
    if (!tc)
        return;
    pthread_mutex_lock(&tc->lock);
    tc->live = live;
    flush_locked(tc);
    pthread_mutex_unlock(&tc->lock);
}

void
token_cache_stats(struct token_cache *tc, struct token_cache_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!tc)
        return;
    out->hits = atomic_load(&tc->hits);
    out->misses = atomic_load(&tc->misses);
    out->flushes = atomic_load(&tc->flushes);
}
