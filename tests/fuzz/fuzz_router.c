/* libFuzzer target: the router over the real route table (src/api/routes.c). The first
 * input byte picks the method and the size of the Allow header buffer; the rest is the
 * path. A match must rebuild the path from its pattern and parameters; 405 must come with
 * methods to allow; the Allow header is always whole method names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "fuzz_common.h"
#include "http/router.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum http_method methods[] = {HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_DELETE, HTTP_OTHER};

/* The Allow header's entries in the order router_allow_header writes them. */
static const struct {
    unsigned bit;
    const char *names;
} allow_names[] = {
    {HTTP_GET, "GET, HEAD"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_DELETE, "DELETE"}};

enum { ALLOW_ENTRIES = sizeof(allow_names) / sizeof(allow_names[0]) };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init_like_service();
    return 0;
}

/* Substitutes the parameters into the pattern: the result must be the path itself. */
static void
check_rebuilds_path(const struct route *r, const struct route_match *m, const char *path)
{
    char built[4096];
    size_t used = 0;
    int param = 0;
    for (const char *p = r->pattern; *p;) {
        size_t seg = strcspn(p + 1, "/") + 1; /* "/name" or "/:param" */
        const char *text = p[1] == ':' ? m->params[param++] : NULL;
        size_t n = text ? strlen(text) + 1 : seg;
        FUZZ_CHECK(used + n < sizeof(built));
        if (text) {
            built[used] = '/';
            memcpy(built + used + 1, text, n - 1);
        } else {
            memcpy(built + used, p, n);
        }
        used += n;
        p += seg;
    }
    built[used] = '\0';
    FUZZ_CHECK(param == m->nparams);
    FUZZ_CHECK(strcmp(built, path) == 0);
}

static void
check_match(enum router_result rr, const struct route_match *m, enum http_method method,
            const char *path)
{
    FUZZ_CHECK((m->allowed & ~(unsigned)(HTTP_GET | HTTP_POST | HTTP_PUT | HTTP_DELETE)) == 0);
    if (rr == ROUTER_FOUND) {
        const struct route *r = m->route;
        FUZZ_CHECK(r >= api_routes && r < api_routes + api_routes_count);
        FUZZ_CHECK(r->method == method && (m->allowed & method));
        FUZZ_CHECK(m->nparams >= 0 && m->nparams <= ROUTE_PARAMS_MAX);
        for (int i = 0; i < m->nparams; i++) {
            FUZZ_CHECK(memchr(m->params[i], '\0', ROUTE_PARAM_TEXT_MAX) != NULL);
            FUZZ_CHECK(strlen(m->params[i]) >= 1 && strchr(m->params[i], '/') == NULL);
        }
        check_rebuilds_path(r, m, path);
    } else if (rr == ROUTER_METHOD_NOT_ALLOWED) {
        FUZZ_CHECK(m->route == NULL && m->allowed != 0 && !(m->allowed & method));
    } else {
        FUZZ_CHECK(rr == ROUTER_NOT_FOUND && m->route == NULL && m->allowed == 0);
    }
}

/* out must be the longest run of whole entries (from the first) that fits in size. */
static void
check_allow(unsigned mask, size_t size)
{
    char out[64], expect[64] = "";
    size_t used = 0;
    FUZZ_CHECK(size >= 1 && size <= sizeof(out));
    router_allow_header(mask, out, size);
    FUZZ_CHECK(memchr(out, '\0', size) != NULL);
    for (size_t i = 0; i < ALLOW_ENTRIES; i++) {
        if (!(mask & allow_names[i].bit))
            continue;
        size_t need = (used ? 2 : 0) + strlen(allow_names[i].names);
        if (used + need >= size)
            break;
        used += (size_t)snprintf(expect + used, sizeof(expect) - used, "%s%s", used ? ", " : "",
                                 allow_names[i].names);
    }
    FUZZ_CHECK(strcmp(out, expect) == 0);
    size_t len = strlen(out);
    FUZZ_CHECK(len == 0 || (out[len - 1] >= 'A' && out[len - 1] <= 'Z'));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct route_match m;
    if (size < 1)
        return 0;
    enum http_method method = methods[data[0] % 5];
    size_t allow_size = (size_t)(data[0] >> 3) + 1 + 32; /* 33..64 */
    size_t small_size = (size_t)(data[0] >> 3) + 1;      /* 1..32 */
    char *path = fuzz_strndup(data + 1, size - 1);
    enum router_result rr = router_find(api_routes, api_routes_count, method, path, &m);
    check_match(rr, &m, method, path);
    check_allow(m.allowed, sizeof(((struct response *)0)->allow));
    check_allow(m.allowed, allow_size);
    check_allow(m.allowed, small_size);
    check_allow(data[0], small_size);
    check_allow(data[0], allow_size);
    free(path);
    return 0;
}
