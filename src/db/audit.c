/* Audit statements. A batch travels as one jsonb parameter and is inserted in queue order,
 * so row ids follow the events' times; joining patients drops events
 * of patients erased meanwhile, and a foreign-key race with an erasure fails the statement,
 * which the caller retries once (the join then excludes the erased patient). */
#include "db/audit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "domain/timestamp.h"
#include "util/xalloc.h"

static json_t *
event_json(const struct audit_event *e, size_t i)
{
    char at[TIMESTAMP_TEXT_MAX];
    timestamp_format(e->at, at);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "i", (json_int_t)i,
                     "patient_id", e->patient_id, "at", at, "principal_id", e->principal_id, "role",
                     role_name(e->role), "method", e->method, "route", e->route, "status",
                     e->status, "request_id", e->request_id);
}

enum db_status
db_audit_append(struct db_conn *c, const struct audit_event *events, size_t n)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(rows, event_json(&events[i], i));
    char *json = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    if (!json)
        return DB_ERROR;
    const char *params[] = {json};
    static const char sql[] =
        "INSERT INTO audit_log (patient_id, at, principal_id, role, method, route, status,"
        " request_id)"
        " SELECT x.patient_id, x.at, x.principal_id, x.role, x.method, x.route, x.status,"
        " x.request_id FROM jsonb_to_recordset($1::jsonb) AS x(i int, patient_id uuid,"
        " at timestamptz, principal_id uuid, role text, method text, route text, status int2,"
        " request_id text) JOIN patients p ON p.id = x.patient_id ORDER BY x.i";
    enum db_status st = db_query(c, "audit_append", sql, 1, params, NULL);
    if (st == DB_NOT_FOUND) /* an erasure committed between our snapshot and our insert */
        st = db_query(c, "audit_append", sql, 1, params, NULL);
    free(json);
    return st;
}

static void
read_audit_row(const PGresult *res, int r, struct audit_row *row)
{
    row->id = db_int(res, r, 0);
    row->at = db_int(res, r, 1);
    row->principal_id = PQgetvalue(res, r, 2);
    row->role = PQgetvalue(res, r, 3);
    row->method = PQgetvalue(res, r, 4);
    row->route = PQgetvalue(res, r, 5);
    row->status = (int)db_int(res, r, 6);
    row->request_id = PQgetvalue(res, r, 7);
}

enum db_status
db_audit_list(struct db_conn *c, const char *patient_id, const struct cursor *after, int limit,
              struct audit_page *out)
{
    char id[24], lim[16];
    (void)snprintf(id, sizeof(id), "%lld", after ? (long long)after->key : 0LL);
    (void)snprintf(lim, sizeof(lim), "%d", limit + 1);
    const char *params[] = {patient_id, after ? id : NULL, lim};
    PGresult *res = NULL;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query(
        c, "audit_list",
        "SELECT id, oih_epoch_us(at), principal_id, role, method, route, status, request_id"
        " FROM audit_log WHERE patient_id = $1::uuid AND ($2::bigint IS NULL OR id < $2::bigint)"
        " ORDER BY id DESC LIMIT $3::int",
        3, params, &res);
    if (st != DB_OK)
        return st;
    out->count = db_page_rows(res, (size_t)limit, &out->more);
    out->rows = xcalloc(out->count, sizeof(out->rows[0]));
    for (size_t i = 0; i < out->count; i++)
        read_audit_row(res, (int)i, &out->rows[i]);
    out->owner = res;
    return DB_OK;
}

void
audit_page_cleanup(struct audit_page *page)
{
    free(page->rows);
    PQclear(page->owner);
    memset(page, 0, sizeof(*page));
}

enum db_status
db_audit_purge(struct db_conn *c, int days)
{
    char text[16];
    (void)snprintf(text, sizeof(text), "%d", days);
    const char *params[] = {text};
    enum db_status st = db_begin(c);
    if (st == DB_OK)
        st = db_allow_audit_purge(c);
    if (st == DB_OK)
        st = db_query(c, "audit_purge",
                      "DELETE FROM audit_log WHERE at < now() - make_interval(days => $1::int)", 1,
                      params, NULL);
    return db_end(c, st);
}

enum db_status
db_tokens_mark_used(struct db_conn *c, const struct token_use *uses, size_t n)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        char at[TIMESTAMP_TEXT_MAX];
        timestamp_format(uses[i].at, at);
        json_array_append_new(rows, json_pack("{s:s, s:s}", "id", uses[i].token_id, "at", at));
    }
    char *json = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    if (!json)
        return DB_ERROR;
    const char *params[] = {json};
    enum db_status st =
        db_query(c, "tokens_mark_used",
                 "UPDATE tokens t SET last_used_at = x.at FROM jsonb_to_recordset($1::jsonb)"
                 " AS x(id uuid, at timestamptz) WHERE t.id = x.id"
                 " AND (t.last_used_at IS NULL OR t.last_used_at < x.at)",
                 1, params, NULL);
    free(json);
    return st;
}
