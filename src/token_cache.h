/* Tokens already checked, kept in memory for a short while so a request costs no lookup
 * query. Correctness rests on invalidation, not on the time limit: every change to a
 * token or a principal makes PostgreSQL NOTIFY every replica (sql/005_token_notify.sql),
 * and each one empties its cache when it hears it. While the notification connection is
 * down the cache is bypassed, so a revocation is never missed. Entries are keyed by the
 * token's SHA-256 (the token text is not kept) and honour the token's expires_at. */
#ifndef OIH_TOKEN_CACHE_H
#define OIH_TOKEN_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/principal.h"

enum { TOKEN_HASH_LEN = 32 };

struct token_cache;

/* ttl_s > 0. The cache starts bypassed until token_cache_set_live(true). */
struct token_cache *token_cache_new(int ttl_s);
void token_cache_free(struct token_cache *tc);

/* SHA-256 of the token text, as stored in tokens.token_hash. */
void token_hash(const char *token, unsigned char out[TOKEN_HASH_LEN]);

/* Copies the principal of a cached, unexpired token into out (now_us: wall clock, for the
 * token's expiry). False on a miss, or when tc is NULL or bypassed. Thread-safe. */
bool token_cache_get(struct token_cache *tc, const unsigned char hash[TOKEN_HASH_LEN],
                     int64_t now_us, struct principal *out);
/* The invalidation count; read it before looking a token up in the database and pass it
 * to token_cache_put, so an answer read before an invalidation is not cached after it. */
uint64_t token_cache_generation(struct token_cache *tc);
/* Caches a token the database just confirmed (expires_us 0: no expiry). Thread-safe. */
void token_cache_put(struct token_cache *tc, const unsigned char hash[TOKEN_HASH_LEN],
                     const struct principal *who, int64_t expires_us, uint64_t generation);
/* Forgets every entry (a token or principal changed). Thread-safe; accepts NULL. */
void token_cache_flush(struct token_cache *tc);
/* Bypassed (false) while changes might go unheard; either way the cache is emptied. */
void token_cache_set_live(struct token_cache *tc, bool live);

struct token_cache_stats {
    unsigned long long hits, misses, flushes;
};
void token_cache_stats(struct token_cache *tc, struct token_cache_stats *out);

#endif
