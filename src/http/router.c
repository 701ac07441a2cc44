/* A linear scan of the route table: twenty-odd routes, segment-by-segment comparison, no
 * allocation. Patterns use ":name" for a parameter segment. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* Matches one pattern; fills params on success. */
static bool
match_pattern(const char *pattern, const char *path, struct route_match *m)
{
    int nparams = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++;
        path++;
        size_t plen = strcspn(pattern, "/"), slen = strcspn(path, "/");
        if (*pattern == ':') {
            if (slen == 0 || slen >= ROUTE_PARAM_TEXT_MAX || nparams == ROUTE_PARAMS_MAX)
                return false;
            memcpy(m->params[nparams], path, slen);
            m->params[nparams++][slen] = '\0';
        } else if (plen != slen || memcmp(pattern, path, plen) != 0) {
            return false;
        }
        pattern += plen;
        path += slen;
    }
    if (*pattern || *path)
        return false;
    m->nparams = nparams;
    return true;
}

enum router_result
router_find(const struct route *table, size_t n, enum http_method method, const char *path,
            struct route_match *out)
{
    struct route_match m;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        if (!match_pattern(table[i].pattern, path, &m))
            continue;
        out->allowed |= table[i].method;
        if (table[i].method == method && !out->route) {
            memcpy(out->params, m.params, sizeof(m.params));
            out->nparams = m.nparams;
            out->route = &table[i];
        }
    }
    if (out->route)
        return ROUTER_FOUND;
    return out->allowed ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

void
router_allow_header(unsigned mask, char *out, size_t size)
{
    static const struct {
        unsigned bit;
        const char *names;
    } methods[] = {
        {HTTP_GET, "GET, HEAD"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_DELETE, "DELETE"}};
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (!(mask & methods[i].bit))
            continue;
        size_t need = (used ? 2 : 0) + strlen(methods[i].names);
        if (used + need >= size)
            break; /* never leave half a method name */
        used +=
            (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", methods[i].names);
    }
}
