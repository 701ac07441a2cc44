/* The request pipeline. Checks run in the order api-decisions.md documents, so a request
 * with several faults always gets the same answer. */
#include "http/dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "app.h"
#include "domain/timestamp.h"
#include "log.h"
#include "audit.h"
#include "domain/uuid.h"
#include "metrics.h"
#include "ratelimit.h"
#include "util/random.h"

/* How long a request waits for a pooled connection before answering 503. */
#define DB_WAIT_MS 5000

/* Sets req->method and req->method_name (a static string) from the request line. */
static void
parse_method(struct request *req, const char *m)
{
    static const struct {
        const char *name;
        enum http_method method;
    } methods[] = {{"GET", HTTP_GET},
                   {"HEAD", HTTP_GET},
                   {"POST", HTTP_POST},
                   {"PUT", HTTP_PUT},
                   {"DELETE", HTTP_DELETE}};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(m, methods[i].name) == 0) {
            req->method = methods[i].method;
            req->method_name = methods[i].name;
            return;
        }
    }
    req->method = HTTP_OTHER;
    req->method_name = "OTHER";
}

bool
request_id_ok(const char *text)
{
    size_t len = text ? strlen(text) : 0;
    if (len == 0 || len > REQUEST_ID_MAX)
        return false;
    return strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") ==
           len;
}

static void
set_request_id(struct request *req)
{
    const char *given = req->header(req, "X-Request-Id");
    if (request_id_ok(given))
        (void)snprintf(req->request_id, sizeof(req->request_id), "%s", given);
    else if (random_uuid(req->request_id) < 0)
        (void)snprintf(req->request_id, sizeof(req->request_id), "unknown");
}

/* "application/json", optionally with parameters such as "; charset=utf-8". */
static bool
is_json_content_type(const char *ct)
{
    static const char json[] = "application/json";
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    if (strncasecmp(ct, json, sizeof(json) - 1) != 0)
        return false;
    ct += sizeof(json) - 1;
    while (*ct == ' ')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* The kind of JSON error, never the text near it: that could be the patient's data. */
static const char *
describe_json_error(const json_error_t *err)
{
    switch (json_error_code(err)) {
    case json_error_duplicate_key:
        return "The body has a duplicate object key.";
    case json_error_premature_end_of_input:
        return "The body ends before the JSON value does.";
    case json_error_end_of_input_expected:
        return "The body has data after the JSON value.";
    case json_error_invalid_utf8:
        return "The body is not valid UTF-8.";
    case json_error_null_character:
        return "The body contains a NUL character.";
    case json_error_numeric_overflow:
        return "The body has a number too large to represent.";
    case json_error_item_not_found:
    case json_error_wrong_type:
        return "The body must be a JSON object.";
    default:
        return "The body is not valid JSON.";
    }
}

/* Route, method and body size; false after replying. */
static bool
route_request(struct request *req, struct response *res, const struct dispatch_input *in)
{
    struct route_match m;
    parse_method(req, in->method);
    if (in->framing_error) {
        reply_problem(res, in->framing_error,
                      in->framing_error == 501 ? "Only the chunked transfer coding is supported."
                                               : "The request's body length is ambiguous.");
        return false;
    }
    enum router_result rr =
        router_find(req->app->routes, req->app->nroutes, req->method, req->path, &m);
    if (rr == ROUTER_NOT_FOUND) {
        reply_problem(res, 404, "No such resource.");
        return false;
    }
    if (rr == ROUTER_METHOD_NOT_ALLOWED) {
        reply_problem(res, 405, "This resource does not support that method.");
        router_allow_header(m.allowed, res->allow, sizeof(res->allow));
        return false;
    }
    req->route = m.route;
    req->nparams = m.nparams;
    memcpy(req->params, m.params, sizeof(m.params));
    if (in->too_large) {
        reply_problem(res, 413, "The request body is larger than the server accepts.");
        return false;
    }
    /* shed load rather than queue it, but keep answering probes and scrapes */
    if (in->overloaded && !(req->route->flags & ROUTE_PUBLIC)) {
        reply_problem(res, 503, "The server is overloaded; retry shortly.");
        res->retry_after = 1;
        return false;
    }
    return true;
}

/* Moves a read-only request to the replica's pool once the primary has authenticated it
 * (tokens are always checked on the primary, so a revocation takes effect at once). If the
 * replica cannot be reached, the primary serves the read instead. */
static void
use_replica(struct request *req)
{
    struct db_conn *replica = db_pool_acquire(req->app->read_pool, DB_WAIT_MS);
    if (!replica)
        return;
    db_pool_release(req->app->pool, req->db);
    req->db = replica;
    req->db_is_replica = true;
}

/* Database checkout, bearer token and role; false after replying. */
static bool
authorize(struct request *req, struct response *res)
{
    const struct route *route = req->route;
    bool is_public = route->flags & ROUTE_PUBLIC;
    if (!is_public || (route->flags & ROUTE_DB)) {
        req->db = db_pool_acquire(req->app->pool, DB_WAIT_MS);
        if (!req->db && !is_public) {
            reply_unavailable(res);
            return false;
        }
    }
    if (is_public)
        return true;
    int status = api_authenticate(req);
    if (status == 401) {
        reply_problem(res, 401, "Send a valid bearer token in the Authorization header.");
        res->www_authenticate = true;
        return false;
    }
    if (status == 503) {
        reply_unavailable(res);
        return false;
    }
    if (status != 0) {
        reply_problem(res, status, NULL);
        return false;
    }
    int retry_after = 1;
    if (!ratelimit_take(req->app->ratelimit, req->who.token_id, req->now, &retry_after)) {
        reply_problem(res, 429, "Too many requests for this token; slow down.");
        res->retry_after = retry_after;
        return false;
    }
    if (!(route->roles & req->who.role)) {
        reply_problem(res, 403, "This role may not do this.");
        return false;
    }
    if ((route->flags & ROUTE_READ) && req->app->read_pool)
        use_replica(req);
    return true;
}

/* Content type and JSON of routes that take a body; false after replying. */
static bool
parse_body(struct request *req, struct response *res, const struct dispatch_input *in)
{
    json_error_t err;
    if (!(req->route->flags & ROUTE_BODY))
        return true;
    if (!is_json_content_type(req->header(req, "Content-Type"))) {
        reply_problem(res, 415, "Send the body as Content-Type: application/json.");
        return false;
    }
    req->body = json_loadb(in->body ? in->body : "", in->length, JSON_REJECT_DUPLICATES, &err);
    if (!req->body) {
        reply_problem(res, 400, describe_json_error(&err));
        return false;
    }
    return true;
}

void
dispatch_request(struct request *req, struct response *res, const struct dispatch_input *in)
{
    req->started_us = monotonic_us();
    req->now = timestamp_now();
    set_request_id(req);
    if (!route_request(req, res, in))
        return;
    if (!(req->route->flags & ROUTE_PUBLIC))
        res->no_store = true; /* patient data must not sit in shared caches */
    if (!authorize(req, res) || !parse_body(req, res, in))
        return;
    res->status = 500; /* a handler that forgets to reply is a bug, not a 200 */
    req->route->handler(req, res);
    if (res->status == 500 && !res->body)
        reply_problem(res, 500, "Internal error.");
}

static void
audit_one(struct request *req, const struct response *res, const char *patient_id, bool listed)
{
    struct audit_event e = {.role = req->who.role,
                            .method = req->method_name,
                            .route = req->route->name,
                            .status = res->status};
    (void)snprintf(e.patient_id, sizeof(e.patient_id), "%s", patient_id);
    (void)snprintf(e.principal_id, sizeof(e.principal_id), "%s", req->who.id);
    (void)snprintf(e.request_id, sizeof(e.request_id), "%s", req->request_id);
    if (listed)
        audit_writer_record_listed(req->app->audit, &e);
    else
        audit_writer_record(req->app->audit, &e);
}

/* Every authenticated call that names a patient, or whose response listed patients, is
 * recorded: who, which route, what status, which patient; never any content. A list view
 * repeated within the audit's list window is recorded once (audit.h). */
static void
audit_request(struct request *req, const struct response *res)
{
    char patient[37];
    if (!req->app->audit || !req->route || req->who.id[0] == '\0')
        return;
    audit_writer_token_used(req->app->audit, req->who.token_id, req->now);
    if ((req->route->flags & ROUTE_PATIENT) && req->nparams > 0 &&
        uuid_normalize(req->params[0], patient))
        audit_one(req, res, patient, false);
    for (size_t i = 0; i < req->naudited; i++)
        audit_one(req, res, req->audited[i], true);
    free(req->audited);
    req->audited = NULL;
    req->naudited = 0;
}

void
dispatch_finish(struct request *req, struct response *res)
{
    audit_request(req, res);
    db_pool_release(req->db_is_replica ? req->app->read_pool : req->app->pool, req->db);
    req->db = NULL;
    json_decref(req->body);
    req->body = NULL;
    free(res->body);
    res->body = NULL;
    double seconds = (double)(monotonic_us() - req->started_us) / 1e6;
    if (req->app->metrics)
        metrics_observe(req->app->metrics, req->route, res->status, seconds);
    log_info("request", "{s:s, s:s, s:i, s:f, s:s}", "method",
             req->method_name ? req->method_name : "OTHER", "route",
             req->route ? req->route->name : "unmatched", "status", res->status, "duration_ms",
             seconds * 1000.0, "request_id", req->request_id);
}
