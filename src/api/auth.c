/* Bearer-token authentication. A token is looked up by its SHA-256 on every request, so a
 * revocation takes effect at once on every replica. */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "db/principals.h"

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
    enum db_status st = db_token_lookup(req->db, token, &req->who);
    if (st == DB_OK)
        return 0;
    if (st == DB_NOT_FOUND)
        return 401;
    return st == DB_UNAVAILABLE ? 503 : 500;
}
