/* The request and response as handlers see them: plain C, no libmicrohttpd types, so the
 * api layer can be driven by tests and fuzzers without a socket. */
#ifndef OIH_REQUEST_H
#define OIH_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/principal.h"

enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_POST = 1 << 1,
    HTTP_PUT = 1 << 2,
    HTTP_DELETE = 1 << 3,
    HTTP_OTHER = 1 << 4,
};

enum { ROUTE_PARAMS_MAX = 4, ROUTE_PARAM_TEXT_MAX = 64, REQUEST_ID_MAX = 128 };

struct app;
struct db_conn;
struct route;

struct request {
    enum http_method method;
    const char *method_name; /* static: "GET", "HEAD", ... or "OTHER" */
    const char *path;
    const struct route *route;
    char params[ROUTE_PARAMS_MAX][ROUTE_PARAM_TEXT_MAX];
    int nparams;
    json_t *body; /* borrowed: the parsed body, or NULL */
    char request_id[REQUEST_ID_MAX + 1];
    int64_t started_us; /* monotonic clock, for the request's duration */
    struct principal who;
    struct app *app;
    struct db_conn *db; /* checked out for the request when the route needs the database */
    bool db_is_replica; /* db came from the read replica's pool */
    int64_t now;        /* microseconds since the epoch, taken once per request */
    /* Looks up a query parameter or a header; borrowed, valid for the request. */
    const char *(*query)(const struct request *req, const char *name);
    const char *(*header)(const struct request *req, const char *name);
    void *transport;     /* the server's connection handle, opaque to handlers */
    char (*audited)[37]; /* patients a list response showed; new, freed by dispatch_finish */
    size_t naudited;
};

struct response {
    int status;
    char *body; /* new (malloc); the server hands it to the socket and frees it */
    size_t length;
    const char *content_type; /* static string */
    char location[160];
    char allow[64];
    int retry_after; /* seconds; 0 means no header */
    bool www_authenticate;
    bool no_store;
};

#endif
