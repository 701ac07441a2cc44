/* GET /v1/risk: the caller's patients at or above a level, from stored results (the risk
 * worker keeps them fresh), so the list never scores anyone per request. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/parse.h"
#include "db/risk_store.h"
#include "domain/cursor.h"
#include "domain/timestamp.h"
#include "util/jsonw.h"

/* The list is written straight into one buffer, as the trend is: a page of 100 rows as a
 * jansson tree cost more allocations than the rest of the request. */

static void
write_signals(struct jsonw *w, const char *csv)
{
    jsonw_raw(w, "[");
    for (bool first = true; *csv; first = false) {
        size_t len = strcspn(csv, ",");
        if (!first)
            jsonw_raw(w, ",");
        jsonw_stringn(w, csv, len);
        csv += len + (csv[len] == ',');
    }
    jsonw_raw(w, "]");
}

static void
write_row(struct jsonw *w, const struct cohort_row *r)
{
    char at[TIMESTAMP_TEXT_MAX];
    timestamp_format(r->computed_at, at);
    jsonw_raw(w, "{\"patient_id\":");
    jsonw_string(w, r->patient_id);
    jsonw_raw(w, ",\"external_ref\":");
    if (r->external_ref)
        jsonw_string(w, r->external_ref);
    else
        jsonw_null(w);
    jsonw_raw(w, ",\"level\":");
    jsonw_string(w, r->level);
    jsonw_raw(w, ",\"score\":");
    jsonw_int(w, r->score);
    jsonw_raw(w, ",\"signals\":");
    write_signals(w, r->signals);
    jsonw_raw(w, ",\"computed_at\":");
    jsonw_string(w, at);
    jsonw_raw(w, "}");
}

static void
reply_page(struct response *res, const struct cohort_page *page)
{
    struct jsonw w;
    size_t len;
    jsonw_init(&w, 64 + 320 * page->count);
    jsonw_raw(&w, "{\"patients\":[");
    for (size_t i = 0; i < page->count; i++) {
        if (i)
            jsonw_raw(&w, ",");
        write_row(&w, &page->rows[i]);
    }
    jsonw_raw(&w, "],\"next_cursor\":");
    if (page->more && page->count) {
        const struct cohort_row *last = &page->rows[page->count - 1];
        struct cursor c = {.key = last->score};
        char text[CURSOR_TEXT_MAX];
        (void)snprintf(c.id, sizeof(c.id), "%s", last->patient_id);
        cursor_encode(&c, CURSOR_SCORE, text);
        jsonw_string(&w, text);
    } else {
        jsonw_null(&w);
    }
    jsonw_raw(&w, "}");
    char *text = jsonw_finish(&w, &len);
    reply_json_text(res, 200, text, len);
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
    for (size_t i = 0; i < page.count; i++)
        request_audit_patient(req, page.rows[i].patient_id);
    reply_page(res, &page);
    cohort_page_cleanup(&page);
}
