/* Pain and dose entries: create (one or a batch, idempotent), list, delete. The two kinds
 * share every step but parsing and rendering. */
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/parse.h"

static void
reply_parse_failure(struct response *res, enum parse_result pr, const struct field_errors *errs)
{
    if (pr == PARSE_BAD_SHAPE)
        reply_problem(res, 400, "The body must be one entry object or {\"entries\": [...]}.");
    else
        reply_problem_errors(res, 422, "One or more entries are invalid; nothing was stored.",
                             errs);
}

static void
reply_conflict(struct response *res, bool is_batch, long index)
{
    struct field_errors errs = {0};
    char prefix[FIELD_POINTER_MAX];
    if (is_batch)
        (void)snprintf(prefix, sizeof(prefix), "/entries/%ld", index);
    else
        prefix[0] = '\0';
    field_errors_add(&errs, prefix, "id", "is already stored with different content");
    reply_problem_errors(res, 409,
                         "An entry id was re-used with different content; nothing was "
                         "stored.",
                         &errs);
    field_errors_cleanup(&errs);
}

/* {"created", "duplicates", "ids"}: ids in request order; id is each item's first member. */
static void
reply_batch(struct response *res, const struct batch_result *r, const void *items, size_t n,
            size_t size)
{
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string((const char *)items + i * size));
    reply_json(res, 200,
               json_pack("{s:I, s:I, s:o}", "created", (json_int_t)r->created, "duplicates",
                         (json_int_t)r->duplicates, "ids", ids));
}

/* Answers an insert: conflict, failure, batch summary, or the stored single entry (from
 * the insert when it created it, else read back: a duplicate's stored created_at). */
static void
reply_stored(struct request *req, struct response *res, enum db_status st, bool pain,
             const char *patient_id, const void *items, size_t n, bool is_batch,
             const struct batch_result *r, struct entry_page *page)
{
    size_t size = pain ? sizeof(struct pain_entry) : sizeof(struct dose_entry);
    if (st == DB_CONFLICT && r->conflict_index >= 0) {
        reply_conflict(res, is_batch, r->conflict_index);
        return;
    }
    if (st != DB_OK) {
        reply_db_status(res, st);
        return;
    }
    if (is_batch) {
        reply_batch(res, r, items, n, size);
        return;
    }
    if (page->count == 0) {
        st = pain ? db_pain_fetch(req->db, patient_id, items, page)
                  : db_dose_fetch(req->db, patient_id, items, page);
        if (st != DB_OK) {
            reply_db_status(res, st == DB_NOT_FOUND ? DB_ERROR : st);
            return;
        }
    }
    json_t *body = pain ? render_pain(&page->pain[0].entry, page->pain[0].created_at)
                        : render_dose(&page->dose[0]);
    reply_json(res, r->created ? 201 : 200, body);
}

void
pain_create(struct request *req, struct response *res)
{
    struct patient p = {0};
    if (!load_patient(req, res, &p))
        return;
    struct pain_batch b = {0};
    struct field_errors errs = {0};
    enum parse_result pr = parse_pain_body(req->body, req->now, &b, &errs);
    if (pr != PARSE_OK) {
        reply_parse_failure(res, pr, &errs);
    } else {
        struct batch_result r;
        struct entry_page page = {0};
        enum db_status st =
            db_pain_insert(req->db, p.id, b.items, b.count, &r, b.is_batch ? NULL : &page);
        reply_stored(req, res, st, true, p.id, b.items, b.count, b.is_batch, &r, &page);
        entry_page_cleanup(&page);
    }
    field_errors_cleanup(&errs);
    free(b.items);
}

void
dose_create(struct request *req, struct response *res)
{
    struct patient p = {0};
    if (!load_patient(req, res, &p))
        return;
    struct dose_batch b = {0};
    struct field_errors errs = {0};
    enum parse_result pr = parse_dose_body(req->body, &req->app->catalog, req->now, &b, &errs);
    if (pr != PARSE_OK) {
        reply_parse_failure(res, pr, &errs);
    } else {
        struct batch_result r;
        struct entry_page page = {0};
        enum db_status st =
            db_dose_insert(req->db, p.id, b.items, b.count, &r, b.is_batch ? NULL : &page);
        reply_stored(req, res, st, false, p.id, b.items, b.count, b.is_batch, &r, &page);
        entry_page_cleanup(&page);
    }
    field_errors_cleanup(&errs);
    free(b.items);
}

/* from, to, limit and cursor of an entry list; replies 400 and returns false when invalid. */
static bool
parse_list_query(struct request *req, struct response *res, struct entry_query *q,
                 struct page_params *pp)
{
    struct field_errors errs = {0};
    parse_time_param(query_param, req, "from", &q->has_from, &q->from, &errs);
    parse_time_param(query_param, req, "to", &q->has_to, &q->to, &errs);
    parse_page_params(query_param, req, CURSOR_TIME, pp, &errs);
    q->after = pp->has_cursor ? &pp->cursor : NULL;
    q->limit = pp->limit;
    return finish_query(res, &errs);
}

static void
list_entries(struct request *req, struct response *res, bool pain)
{
    struct patient p = {0};
    struct entry_query q = {0};
    struct page_params pp;
    struct entry_page page;
    if (!load_patient(req, res, &p) || !parse_list_query(req, res, &q, &pp))
        return;
    enum db_status st =
        pain ? db_pain_list(req->db, p.id, &q, &page) : db_dose_list(req->db, p.id, &q, &page);
    if (st != DB_OK) {
        reply_db_status(res, st);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < page.count; i++)
        json_array_append_new(list, pain ? render_pain(&page.pain[i].entry, page.pain[i].created_at)
                                         : render_dose(&page.dose[i]));
    json_t *body = json_pack("{s:o}", "entries", list);
    int64_t key = 0;
    const char *id = "";
    if (page.count) {
        key =
            pain ? page.pain[page.count - 1].entry.recorded_at : page.dose[page.count - 1].taken_at;
        id = pain ? page.pain[page.count - 1].entry.id : page.dose[page.count - 1].id;
    }
    set_next_cursor(body, page.more, CURSOR_TIME, key, id);
    reply_json(res, 200, body);
    entry_page_cleanup(&page);
}

void
pain_list(struct request *req, struct response *res)
{
    list_entries(req, res, true);
}

void
dose_list(struct request *req, struct response *res)
{
    list_entries(req, res, false);
}

static void
delete_entry(struct request *req, struct response *res, bool pain)
{
    struct patient p = {0};
    char id[37];
    if (!load_patient(req, res, &p) || !path_uuid(req, res, 1, id))
        return;
    enum db_status st =
        pain ? db_pain_delete(req->db, p.id, id) : db_dose_delete(req->db, p.id, id);
    if (st != DB_OK)
        reply_db_status(res, st);
    else
        reply_empty(res, 204);
}

void
pain_delete(struct request *req, struct response *res)
{
    delete_entry(req, res, true);
}

void
dose_delete(struct request *req, struct response *res)
{
    delete_entry(req, res, false);
}
