/* The request pipeline between the socket and the handlers, free of libmicrohttpd so it can
 * be driven directly: route (404/405), body limit (413), database checkout (503), bearer
 * token (401), role (403), content type (415), JSON (400), then the route's handler. */
#ifndef OIH_DISPATCH_H
#define OIH_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

struct dispatch_input {
    const char *method;
    const char *body; /* borrowed; may be NULL */
    size_t length;
    bool too_large;
    bool overloaded;   /* more requests in progress than OIHWATCH_MAX_INFLIGHT */
    int framing_error; /* 400 or 501: the body's framing is ambiguous or unsupported */
};

/* Fills res for req. req must have path, app, query, header and transport set; the rest
 * (method, route, params, body, request id, principal, db) is filled here. */
void dispatch_request(struct request *req, struct response *res, const struct dispatch_input *in);

/* Releases what dispatch_request acquired (database connection, parsed body, any response
 * body not handed on) and writes the request's log line. */
void dispatch_finish(struct request *req, struct response *res);

/* True when text may be echoed as X-Request-Id: 1..128 of [A-Za-z0-9._:-]. */
bool request_id_ok(const char *text);

#endif
