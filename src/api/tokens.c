/* /v1/me and /v1/tokens: who am I, issuing and revoking bearer tokens. */
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "token_cache.h"
#include "api/parse.h"
#include "db/principals.h"
#include "util/random.h"

void
me_get(struct request *req, struct response *res)
{
    json_t *body =
        json_pack("{s:s, s:s}", "role", role_name(req->who.role), "principal_id", req->who.id);
    if (req->who.role == ROLE_PATIENT)
        json_object_set_new(body, "patient_id", json_string(req->who.patient_id));
    reply_json(res, 200, body);
}

/* Who may mint which role: admins anything; clinicians patient tokens of their own patients. */
static bool
may_issue(struct request *req, struct response *res, const struct token_input *in)
{
    if (req->who.role == ROLE_ADMIN)
        return true;
    if (in->role != ROLE_PATIENT) {
        reply_problem(res, 403, "Only an admin may create clinician or admin tokens.");
        return false;
    }
    struct patient p = {0};
    enum db_status st = db_patient_get(req->db, &req->who, in->patient_id, &p);
    if (st != DB_OK) {
        reply_db_status(res, st);
        return false;
    }
    return true;
}

static void
reply_token(struct response *res, const struct token_input *in, const char *token,
            const struct token_record *rec)
{
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", rec->id, "token", token, "role",
                  role_name(in->role), "principal_id", rec->principal_id, "patient_id",
                  in->has_patient ? json_string(in->patient_id) : json_null(), "created_at",
                  render_time(rec->created_at), "expires_at",
                  in->has_expiry ? render_time(in->expires_at) : json_null());
    reply_json(res, 201, body);
}

void
tokens_create(struct request *req, struct response *res)
{
    struct token_input in;
    struct field_errors errs = {0};
    enum parse_result pr = parse_token_body(req->body, req->now, &in, &errs);
    if (pr == PARSE_BAD_SHAPE)
        reply_problem(res, 400, "The body must be a JSON object.");
    else if (pr == PARSE_INVALID)
        reply_problem_errors(res, 422, "The token request is invalid.", &errs);
    field_errors_cleanup(&errs);
    if (pr != PARSE_OK || !may_issue(req, res, &in))
        return;
    char token[TOKEN_TEXT_SIZE];
    struct token_record rec;
    struct token_spec spec = {in.role, in.name, in.has_patient ? in.patient_id : NULL, req->who.id,
                              in.has_expiry ? in.expires_at : 0};
    if (random_token(token) < 0) {
        reply_problem(res, 500, "Internal error.");
        return;
    }
    enum db_status st = db_token_create(req->db, &spec, token, &rec);
    if (st != DB_OK)
        reply_db_status(res, st);
    else
        reply_token(res, &in, token, &rec);
    explicit_bzero(token, sizeof(token));
}

void
tokens_revoke(struct request *req, struct response *res)
{
    char id[37];
    if (!path_uuid(req, res, 0, id))
        return;
    const char *only_creator = req->who.role == ROLE_ADMIN ? NULL : req->who.id;
    enum db_status st = db_token_revoke(req->db, id, only_creator);
    if (st != DB_OK)
        reply_db_status(res, st);
    else {
        /* this replica forgets at once; the others when the NOTIFY reaches them */
        token_cache_flush(req->app->tokens);
        reply_empty(res, 204);
    }
}
