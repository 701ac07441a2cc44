/* Patient rows. Visibility is decided in SQL by one predicate shared by every query, so a
 * caller who may not see a patient gets exactly the answer an unknown id gets. */
#include "db/patients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "domain/timestamp.h"
#include "util/xalloc.h"

void
db_read_patient(const PGresult *res, int r, struct patient *out)
{
    const char *ref = db_text(res, r, 1);
    (void)snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, r, 0));
    out->has_external_ref = ref != NULL;
    (void)snprintf(out->external_ref, sizeof(out->external_ref), "%s", ref ? ref : "");
    (void)snprintf(out->timezone, sizeof(out->timezone), "%s", PQgetvalue(res, r, 2));
    out->created_at = db_int(res, r, 3);
}

enum db_status
db_patient_create(struct db_conn *c, const char *external_ref, const char *timezone,
                  const char *clinician_id, struct patient *out)
{
    PGresult *res = NULL;
    const char *params[] = {external_ref, timezone, clinician_id};
    enum db_status st =
        db_query(c, "patient_create",
                 "WITH p AS (INSERT INTO patients (external_ref, timezone) VALUES ($1, $2)"
                 "  RETURNING *),"
                 " team AS (INSERT INTO care_team (patient_id, principal_id)"
                 "  SELECT id, $3::uuid FROM p WHERE $3::uuid IS NOT NULL)"
                 " SELECT " DB_PATIENT_COLUMNS " FROM p",
                 3, params, &res);
    if (st == DB_OK)
        db_read_patient(res, 0, out);
    PQclear(res);
    return st;
}

enum db_status
db_patient_get(struct db_conn *c, const struct principal *who, const char *id, struct patient *out)
{
    PGresult *res = NULL;
    const char *params[] = {id, role_name(who->role), who->id,
                            who->patient_id[0] ? who->patient_id : NULL};
    enum db_status st = db_query(c, "patient_get",
                                 "SELECT " DB_PATIENT_COLUMNS " FROM patients p"
                                 " WHERE p.id = $1::uuid AND " DB_VISIBLE_TO_CALLER,
                                 4, params, &res);
    if (st == DB_OK && PQntuples(res) == 0)
        st = DB_NOT_FOUND;
    if (st == DB_OK)
        db_read_patient(res, 0, out);
    PQclear(res);
    return st;
}

enum db_status
db_patient_list(struct db_conn *c, const struct principal *who, const char *external_ref,
                const struct cursor *after, int limit, struct patient_page *out)
{
    PGresult *res = NULL;
    char after_time[TIMESTAMP_TEXT_MAX], limit_text[16];
    if (after)
        timestamp_format(after->key, after_time);
    (void)snprintf(limit_text, sizeof(limit_text), "%d", limit + 1);
    const char *params[] = {external_ref,
                            role_name(who->role),
                            who->id,
                            who->patient_id[0] ? who->patient_id : NULL,
                            after ? after_time : NULL,
                            after ? after->id : NULL,
                            limit_text};
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query(
        c, "patient_list",
        "SELECT " DB_PATIENT_COLUMNS " FROM patients p"
        " WHERE ($1::text IS NULL OR p.external_ref = $1) AND " DB_VISIBLE_TO_CALLER
        " AND ($5::timestamptz IS NULL OR (p.created_at, p.id) < ($5::timestamptz, $6::uuid))"
        " ORDER BY p.created_at DESC, p.id DESC LIMIT $7::int",
        7, params, &res);
    if (st != DB_OK)
        return st;
    out->count = db_page_rows(res, (size_t)limit, &out->more);
    out->items = xcalloc(out->count, sizeof(out->items[0]));
    for (size_t r = 0; r < out->count; r++)
        db_read_patient(res, (int)r, &out->items[r]);
    PQclear(res);
    return DB_OK;
}

void
patient_page_cleanup(struct patient_page *page)
{
    free(page->items);
    memset(page, 0, sizeof(*page));
}

/* Runs a statement that must affect one row; DB_NOT_FOUND when it affected none. */
static enum db_status
exec_one_row(struct db_conn *c, const char *what, const char *sql, int n, const char *const *params)
{
    PGresult *res = NULL;
    enum db_status st = db_query(c, what, sql, n, params, &res);
    if (st == DB_OK && PQntuples(res) == 0)
        st = DB_NOT_FOUND;
    PQclear(res);
    return st;
}

/* Erasure removes the patient's access history too (their audit rows cascade); the
 * append-only trigger lets that through only with oihwatch.audit_purge set for this one
 * transaction. */
enum db_status
db_patient_delete(struct db_conn *c, const char *id)
{
    const char *params[] = {id};
    enum db_status st = db_begin(c);
    if (st == DB_OK)
        st = db_allow_audit_purge(c);
    if (st == DB_OK)
        st = exec_one_row(c, "patient_delete",
                          "DELETE FROM patients WHERE id = $1::uuid RETURNING id", 1, params);
    return db_end(c, st);
}

enum db_status
db_care_team_add(struct db_conn *c, const char *patient_id, const char *clinician_id)
{
    const char *params[] = {patient_id, clinician_id};
    enum db_status st =
        exec_one_row(c, "care_team_add",
                     "INSERT INTO care_team (patient_id, principal_id)"
                     " SELECT p.id, pr.id FROM patients p, principals pr"
                     " WHERE p.id = $1::uuid AND pr.id = $2::uuid AND pr.role = 'clinician'"
                     " ON CONFLICT DO NOTHING RETURNING 1",
                     2, params);
    if (st != DB_NOT_FOUND)
        return st;
    /* nothing inserted: already on the team (PUT is idempotent) or an unknown id */
    return exec_one_row(c, "care_team_exists",
                        "SELECT 1 FROM care_team WHERE patient_id = $1::uuid"
                        " AND principal_id = $2::uuid",
                        2, params);
}

enum db_status
db_care_team_remove(struct db_conn *c, const char *patient_id, const char *clinician_id)
{
    const char *params[] = {patient_id, clinician_id};
    return exec_one_row(c, "care_team_remove",
                        "DELETE FROM care_team WHERE patient_id = $1::uuid"
                        " AND principal_id = $2::uuid RETURNING 1",
                        2, params);
}
