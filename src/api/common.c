/* Helpers every handler file uses: db status to HTTP, path ids, patient visibility. */
#include <stdio.h>

#include "api/api.h"
#include "domain/uuid.h"
#include "util/xalloc.h"

void
reply_db_status(struct response *res, enum db_status st)
{
    switch (st) {
    case DB_NOT_FOUND:
        reply_problem(res, 404, "No such resource.");
        return;
    case DB_CONFLICT:
        reply_problem(res, 409, "The request conflicts with stored data.");
        return;
    case DB_INVALID:
        reply_problem(res, 422, "The database rejected a value.");
        return;
    case DB_UNAVAILABLE:
        reply_unavailable(res);
        return;
    case DB_OK:
    case DB_ERROR:
        break;
    }
    reply_problem(res, 500, "Internal error.");
}

bool
path_uuid(struct request *req, struct response *res, int i, char out[37])
{
    if (i < req->nparams && uuid_normalize(req->params[i], out))
        return true;
    reply_problem(res, 404, "No such resource.");
    return false;
}

bool
load_patient(struct request *req, struct response *res, struct patient *out)
{
    char id[37];
    if (!path_uuid(req, res, 0, id))
        return false;
    return patient_found(res, db_patient_get(req->db, &req->who, id, out));
}

bool
patient_found(struct response *res, enum db_status st)
{
    if (st == DB_NOT_FOUND) {
        reply_problem(res, 404, "No such patient.");
        return false;
    }
    if (st != DB_OK) {
        reply_db_status(res, st);
        return false;
    }
    return true;
}

const char *
query_param(const void *req, const char *name)
{
    const struct request *r = req;
    return r->query(r, name);
}

void
set_next_cursor(json_t *body, bool more, enum cursor_kind kind, int64_t key, const char *id)
{
    char text[CURSOR_TEXT_MAX];
    struct cursor c = {.key = key};
    if (!more) {
        json_object_set_new(body, "next_cursor", json_null());
        return;
    }
    (void)snprintf(c.id, sizeof(c.id), "%s", id);
    cursor_encode(&c, kind, text);
    json_object_set_new(body, "next_cursor", json_string(text));
}

bool
finish_query(struct response *res, struct field_errors *errs)
{
    bool ok = errs->count == 0;
    if (!ok)
        reply_problem_errors(res, 400, "A query parameter is invalid.", errs);
    field_errors_cleanup(errs);
    return ok;
}

void
request_audit_patient(struct request *req, const char *patient_id)
{
    size_t n = req->naudited;
    if ((n & (n - 1)) == 0) /* at 0, 1, 2, 4, ...: double, not a realloc per patient */
        req->audited = xrealloc(req->audited, (n ? 2 * n : 1) * sizeof(req->audited[0]));
    (void)snprintf(req->audited[req->naudited++], sizeof(req->audited[0]), "%s", patient_id);
}
