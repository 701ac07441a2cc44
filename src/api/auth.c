/* Bearer-token authentication: by its SHA-256, from the token cache when it holds the
 * token, else from the database (and then cached). The cache is emptied by every change
 * to tokens or principals on any replica, so a revocation still takes effect at once. */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "app.h"
#include "db/principals.h"
#include "token_cache.h"

enum { TOKEN_TEXT_MAX = 128 };

/* The token after "Bearer ", or NULL when the header is missing or not plausible. */
static const char *
bearer_token(const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    const char *token = header + 7;
    while (*token == ' ')
        token++;
    size_t len = strlen(token);
    if (len == 0 || len > TOKEN_TEXT_MAX)
        return NULL;
    for (const char *p = token; *p; p++) {
        if (*p <= ' ' || *p > '~')
            return NULL;
    }
    return token;
}

int
api_authenticate(struct request *req)
{
    const char *token = bearer_token(req->header(req, "Authorization"));
    if (!token)
        return 401;
    struct token_cache *cache = req->app->tokens;
    unsigned char hash[TOKEN_HASH_LEN];
    if (cache) {
        token_hash(token, hash);
        if (token_cache_get(cache, hash, req->now, &req->who))
            return 0;
    }
    uint64_t generation = token_cache_generation(cache);
    int64_t expires_us = 0;
    enum db_status st = db_token_lookup(req->db, token, &req->who, &expires_us);
    if (st == DB_OK) {
        if (cache)
            token_cache_put(cache, hash, &req->who, expires_us, generation);
        return 0;
    }
    if (st == DB_NOT_FOUND)
        return 401;
    return st == DB_UNAVAILABLE ? 503 : 500;
}
