/* GET /v1/patients/{id}/audit (admins): who read or wrote the patient's data, newest first.
 * Rows are written asynchronously, so the last ~100 ms of calls may not be listed yet. */
#include <string.h>

#include "api/api.h"
#include "api/parse.h"
#include "db/audit.h"

static json_t *
audit_row_json(const struct audit_row *r)
{
    return json_pack("{s:o, s:s, s:s, s:s, s:s, s:i, s:s}", "at", render_time(r->at),
                     "principal_id", r->principal_id, "role", r->role, "method", r->method, "route",
                     r->route, "status", r->status, "request_id", r->request_id);
}

void
audit_list(struct request *req, struct response *res)
{
    struct patient p = {0};
    struct page_params pp;
    struct field_errors errs = {0};
    struct audit_page page;
    if (!load_patient(req, res, &p))
        return;
    parse_page_params(query_param, req, CURSOR_SEQUENCE, &pp, &errs);
    if (pp.has_cursor && strcmp(pp.cursor.id, p.id) != 0)
        field_errors_add_param(&errs, "cursor", "is not a cursor of this patient's audit log");
    if (!finish_query(res, &errs))
        return;
    enum db_status st =
        db_audit_list(req->db, p.id, pp.has_cursor ? &pp.cursor : NULL, pp.limit, &page);
    if (st != DB_OK) {
        reply_db_status(res, st);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < page.count; i++)
        json_array_append_new(list, audit_row_json(&page.rows[i]));
    json_t *body = json_pack("{s:s, s:o}", "patient_id", p.id, "entries", list);
    /* the cursor's id slot carries the patient: a cursor only pages its own patient's log */
    set_next_cursor(body, page.more, CURSOR_SEQUENCE, page.count ? page.rows[page.count - 1].id : 0,
                    p.id);
    reply_json(res, 200, body);
    audit_page_cleanup(&page);
}
