/* GET /v1/risk: the caller's patients at or above a level, from stored results (the risk
 * worker keeps them fresh), so the list never scores anyone per request. */
#include <string.h>

#include "api/api.h"
#include "api/parse.h"
#include "db/risk_store.h"

static json_t *
signal_list(const char *csv)
{
    json_t *list = json_array();
    while (*csv) {
        size_t len = strcspn(csv, ",");
        json_array_append_new(list, json_stringn(csv, len));
        csv += len + (csv[len] == ',');
    }
    return list;
}

static json_t *
cohort_row_json(const struct cohort_row *r)
{
    return json_pack("{s:s, s:o, s:s, s:i, s:o, s:o}", "patient_id", r->patient_id, "external_ref",
                     r->external_ref ? json_string(r->external_ref) : json_null(), "level",
                     r->level, "score", r->score, "signals", signal_list(r->signals), "computed_at",
                     render_time(r->computed_at));
}

/* level (default low), limit and cursor; false after replying 400. */
static bool
cohort_params(struct request *req, struct response *res, enum risk_level *level,
              struct page_params *pp)
{
    struct field_errors errs = {0};
    const char *text = req->query(req, "level");
    *level = LEVEL_LOW;
    if (text && risk_level_parse(text, level) < 0)
        field_errors_add_param(&errs, "level", "must be low, moderate or high");
    parse_page_params(query_param, req, CURSOR_SCORE, pp, &errs);
    return finish_query(res, &errs);
}

void
cohort_list(struct request *req, struct response *res)
{
    enum risk_level level;
    struct page_params pp;
    struct cohort_page page;
    if (!cohort_params(req, res, &level, &pp))
        return;
    enum db_status st = db_cohort_list(req->db, &req->who, level, pp.has_cursor ? &pp.cursor : NULL,
                                       pp.limit, &page);
    if (st != DB_OK) {
        reply_db_status(res, st);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < page.count; i++) {
        json_array_append_new(list, cohort_row_json(&page.rows[i]));
        request_audit_patient(req, page.rows[i].patient_id);
    }
    json_t *body = json_pack("{s:o}", "patients", list);
    const struct cohort_row *last = page.count ? &page.rows[page.count - 1] : NULL;
    set_next_cursor(body, page.more, CURSOR_SCORE, last ? last->score : 0,
                    last ? last->patient_id : "");
    reply_json(res, 200, body);
    cohort_page_cleanup(&page);
}
