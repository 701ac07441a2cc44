/* Responses. Problem documents follow RFC 9457; their titles come from one table so the
 * same status always reads the same, and details never echo request content. */
#include "http/reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util/xalloc.h"

struct problem_kind {
    int status;
    const char *slug;
    const char *title;
};

static const struct problem_kind kinds[] = {
    {400, "bad-request", "Bad request"},
    {401, "unauthorized", "Missing or unknown bearer token"},
    {403, "forbidden", "Not allowed for this role"},
    {404, "not-found", "Not found"},
    {405, "method-not-allowed", "Method not allowed"},
    {409, "conflict", "Conflict"},
    {413, "payload-too-large", "Request body too large"},
    {414, "uri-too-long", "URI too long"},
    {415, "unsupported-media-type", "Unsupported media type"},
    {422, "validation-error", "Validation failed"},
    {429, "rate-limited", "Too many requests"},
    {431, "headers-too-large", "Request header fields too large"},
    {500, "internal-error", "Internal server error"},
    {501, "not-implemented", "Not implemented"},
    {503, "unavailable", "Service unavailable"},
};

static const struct problem_kind *
find_kind(int status)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (kinds[i].status == status)
            return &kinds[i];
    }
    return find_kind(500); /* a status without a row is a bug: report it as one */
}

static void
set_body(struct response *res, int status, json_t *body, const char *content_type)
{
    free(res->body);
    res->body = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(body);
    if (!res->body) {
        /* only invalid UTF-8 or a NaN can get here; both are bugs upstream */
        log_error("json encoding failed", "{s:i}", "status", status);
        status = 500;
        res->body = xstrdup("{\"type\":\"urn:oihwatch:problem:internal-error\","
                            "\"title\":\"Internal server error\",\"status\":500}");
        content_type = "application/problem+json";
    }
    res->status = status;
    res->length = strlen(res->body);
    res->content_type = content_type;
}

void
reply_json_text(struct response *res, int status, char *body, size_t length)
{
    free(res->body);
    res->body = body;
    res->length = length;
    res->status = status;
    res->content_type = "application/json";
}

void
reply_json(struct response *res, int status, json_t *body)
{
    set_body(res, status, body, "application/json");
}

static json_t *
problem_new(int status, const char *detail)
{
    const struct problem_kind *k = find_kind(status);
    char type[96];
    (void)snprintf(type, sizeof(type), "urn:oihwatch:problem:%s", k->slug);
    return json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", k->title, "status", status,
                     "detail", detail ? detail : k->title);
}

void
reply_problem(struct response *res, int status, const char *detail)
{
    set_body(res, status, problem_new(status, detail), "application/problem+json");
}

static json_t *
errors_array(const struct field_errors *errs)
{
    json_t *list = json_array();
    for (size_t i = 0; i < errs->count; i++) {
        const struct field_error *e = &errs->items[i];
        json_array_append_new(list,
                              json_pack("{s:s, s:s}", e->is_parameter ? "parameter" : "pointer",
                                        e->pointer, "detail", e->detail));
    }
    return list;
}

void
reply_problem_errors(struct response *res, int status, const char *detail,
                     const struct field_errors *errs)
{
    json_t *body = problem_new(status, detail);
    json_object_set_new(body, "errors", errors_array(errs));
    set_body(res, status, body, "application/problem+json");
}

void
reply_unavailable(struct response *res)
{
    reply_problem(res, 503, "The database is unavailable; retry shortly.");
    res->retry_after = 1;
}

void
reply_empty(struct response *res, int status)
{
    free(res->body);
    res->body = NULL;
    res->length = 0;
    res->status = status;
    res->content_type = NULL;
}
