/* Patients and their care teams. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "token_cache.h"
#include "api/parse.h"
#include "domain/uuid.h"
#include "domain/vocab.h"

void
patients_create(struct request *req, struct response *res)
{
    struct patient_input in = {0};
    struct field_errors errs = {0};
    enum parse_result pr = parse_patient_body(req->body, &req->app->zones, &in, &errs);
    if (pr == PARSE_BAD_SHAPE)
        reply_problem(res, 400, "The body must be a JSON object.");
    else if (pr == PARSE_INVALID)
        reply_problem_errors(res, 422, "The patient is invalid.", &errs);
    field_errors_cleanup(&errs);
    if (pr != PARSE_OK)
        return;
    struct patient p = {0};
    const char *team = req->who.role == ROLE_CLINICIAN ? req->who.id : NULL;
    enum db_status st = db_patient_create(req->db, in.external_ref, in.timezone, team, &p);
    if (st == DB_CONFLICT) {
        field_errors_add(&errs, "", "external_ref", "is already used by another patient");
        reply_problem_errors(res, 409, "external_ref is already used by another patient.", &errs);
        field_errors_cleanup(&errs);
        return;
    }
    if (st != DB_OK) {
        reply_db_status(res, st);
        return;
    }
    reply_json(res, 201, render_patient(&p));
    (void)snprintf(res->location, sizeof(res->location), "/v1/patients/%s", p.id);
}

void
patients_get(struct request *req, struct response *res)
{
    struct patient p = {0};
    if (load_patient(req, res, &p))
        reply_json(res, 200, render_patient(&p));
}

static void
reply_patient_page(struct request *req, struct response *res, const struct patient_page *page)
{
    json_t *list = json_array();
    for (size_t i = 0; i < page->count; i++) {
        json_array_append_new(list, render_patient(&page->items[i]));
        request_audit_patient(req, page->items[i].id);
    }
    json_t *body = json_pack("{s:o}", "patients", list);
    const struct patient *last = page->count ? &page->items[page->count - 1] : NULL;
    set_next_cursor(body, page->more, CURSOR_TIME, last ? last->created_at : 0,
                    last ? last->id : "");
    reply_json(res, 200, body);
}

void
patients_list(struct request *req, struct response *res)
{
    struct page_params pp;
    struct field_errors errs = {0};
    const char *ref = req->query(req, "external_ref");
    if (ref && !utf8_valid(ref, strlen(ref)))
        field_errors_add_param(&errs, "external_ref", "must be valid UTF-8");
    parse_page_params(query_param, req, CURSOR_TIME, &pp, &errs);
    if (!finish_query(res, &errs))
        return;
    struct patient_page page;
    enum db_status st = db_patient_list(req->db, &req->who, ref, pp.has_cursor ? &pp.cursor : NULL,
                                        pp.limit, &page);
    if (st != DB_OK) {
        reply_db_status(res, st);
        return;
    }
    reply_patient_page(req, res, &page);
    patient_page_cleanup(&page);
}

void
patients_delete(struct request *req, struct response *res)
{
    char id[37];
    if (!path_uuid(req, res, 0, id))
        return;
    enum db_status st = db_patient_delete(req->db, id);
    if (st != DB_OK)
        reply_db_status(res, st);
    else {
        /* this replica forgets at once; the others when the NOTIFY reaches them */
        token_cache_flush(req->app->tokens);
        reply_empty(res, 204);
    }
}

/* PUT and DELETE of /v1/patients/{patient_id}/clinicians/{principal_id}. */
static void
change_care_team(struct request *req, struct response *res, bool add)
{
    char patient[37], clinician[37];
    if (!path_uuid(req, res, 0, patient) || !path_uuid(req, res, 1, clinician))
        return;
    enum db_status st = add ? db_care_team_add(req->db, patient, clinician)
                            : db_care_team_remove(req->db, patient, clinician);
    if (st != DB_OK)
        reply_db_status(res, st);
    else
        reply_empty(res, 204);
}

void
care_team_add(struct request *req, struct response *res)
{
    change_care_team(req, res, true);
}

void
care_team_remove(struct request *req, struct response *res)
{
    change_care_team(req, res, false);
}
