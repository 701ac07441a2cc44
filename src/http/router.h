/* Path matching against route patterns such as "/v1/patients/:id/pain-entries".
 * Tells "no such path" (404) from "path exists, method does not" (405). */
#ifndef OIH_ROUTER_H
#define OIH_ROUTER_H

#include <stddef.h>

#include "http/request.h"

typedef void handler_fn(struct request *req, struct response *res);

enum route_flags {
    ROUTE_PUBLIC = 1 << 0,  /* no bearer token */
    ROUTE_BODY = 1 << 1,    /* takes a JSON body */
    ROUTE_DB = 1 << 2,      /* needs a database connection although public */
    ROUTE_READ = 1 << 3,    /* read-only: may be served by DATABASE_READ_URL's replica */
    ROUTE_PATIENT = 1 << 4, /* parameter 0 is a patient id: every call is audited */
};

struct route {
    enum http_method method;
    const char *pattern;
    handler_fn *handler;
    const char *name; /* the pattern with {braces}, used in logs and metrics */
    unsigned roles;   /* roles that may call it at all; others get 403 */
    unsigned flags;
};

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

struct route_match {
    const struct route *route;
    char params[ROUTE_PARAMS_MAX][ROUTE_PARAM_TEXT_MAX];
    int nparams;
    unsigned allowed; /* methods of every route whose pattern matched */
};

/* Finds the route for method and path in table[0..n) (the server maps HEAD to GET).
 * A segment longer than ROUTE_PARAM_TEXT_MAX - 1 never matches a parameter. */
enum router_result router_find(const struct route *table, size_t n, enum http_method method,
                               const char *path, struct route_match *out);

/* Writes the methods in mask as an Allow header value ("GET, HEAD, POST"). */
void router_allow_header(unsigned mask, char *out, size_t size);

#endif
