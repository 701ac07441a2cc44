/* Risk results and the dirty queue. Claims use FOR UPDATE SKIP LOCKED inside one short
 * statement, then hold the patient by claimed_until rather than by a lock, so a write that
 * marks the patient again never waits for a computation. */
#include "db/risk_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "util/xalloc.h"

#define COHORT_COLUMNS                                                                             \
    "r.patient_id, p.external_ref, r.level, r.score, array_to_string(r.signals, ','),"             \
    " oih_epoch_us(r.computed_at)"
/* $1 minimum rank, $2 principal, $3/$4 cursor score and id, $5 limit + 1 */
#define COHORT_FILTER                                                                              \
    " AND r.level_rank >= $1::int"                                                                 \
    " AND ($3::int IS NULL OR r.score < $3::int OR (r.score = $3::int AND r.patient_id > "         \
    "$4::uuid))"                                                                                   \
    " ORDER BY r.score DESC, r.patient_id LIMIT $5::int"

/* Admins read the score index directly; clinicians start from their care team, so a
 * small team among many patients never scans everyone's results. Both take the same
 * parameters; for admins $2 (always set) only keeps the numbering shared. */
static const char cohort_admin_sql[] =
    "SELECT " COHORT_COLUMNS " FROM risk_current r JOIN patients p ON p.id = r.patient_id"
    " WHERE r.level_rank > 0 AND $2::uuid IS NOT NULL" COHORT_FILTER;
static const char cohort_team_sql[] =
    "SELECT " COHORT_COLUMNS " FROM care_team ct"
    " JOIN risk_current r ON r.patient_id = ct.patient_id JOIN patients p ON p.id = r.patient_id"
    " WHERE ct.principal_id = $2::uuid AND r.level_rank > 0" COHORT_FILTER;

static void
read_cohort_row(const PGresult *res, int r, struct cohort_row *row)
{
    (void)snprintf(row->patient_id, sizeof(row->patient_id), "%s", PQgetvalue(res, r, 0));
    row->external_ref = db_text(res, r, 1);
    row->level = PQgetvalue(res, r, 2);
    row->score = (int)db_int(res, r, 3);
    row->signals = PQgetvalue(res, r, 4);
    row->computed_at = db_int(res, r, 5);
}

enum db_status
db_cohort_list(struct db_conn *c, const struct principal *who, enum risk_level min_level,
               const struct cursor *after, int limit, struct cohort_page *out)
{
    char rank[8], score[24], lim[16];
    (void)snprintf(rank, sizeof(rank), "%d", (int)min_level);
    (void)snprintf(score, sizeof(score), "%lld", after ? (long long)after->key : 0LL);
    (void)snprintf(lim, sizeof(lim), "%d", limit + 1);
    const char *params[] = {rank, who->id, after ? score : NULL, after ? after->id : NULL, lim};
    PGresult *res = NULL;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_query_custom_plan(
        c, "cohort_list", who->role == ROLE_ADMIN ? cohort_admin_sql : cohort_team_sql, 5, params,
        &res);
    if (st != DB_OK)
        return st;
    out->count = db_page_rows(res, (size_t)limit, &out->more);
    out->rows = xcalloc(out->count, sizeof(out->rows[0]));
    for (size_t i = 0; i < out->count; i++)
        read_cohort_row(res, (int)i, &out->rows[i]);
    out->owner = res;
    return DB_OK;
}

void
cohort_page_cleanup(struct cohort_page *page)
{
    free(page->rows);
    PQclear(page->owner);
    memset(page, 0, sizeof(*page));
}

/* "{code,code}" of the present signals: codes are fixed identifiers, safe in an array literal. */
static void
signals_literal(const struct risk_result *r, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "{");
    for (int i = 0; i < SIGNAL_COUNT; i++) {
        if (r->signals[i].present && used < size)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used > 1 ? "," : "",
                                     signal_code_name((enum signal_code)i));
    }
    if (used < size)
        (void)snprintf(out + used, size - used, "}");
}

enum db_status
db_risk_save(struct db_conn *c, const char *patient_id, const struct risk_result *r,
             const char *model_version)
{
    char rank[8], score[8], signals[256];
    (void)snprintf(rank, sizeof(rank), "%d", (int)r->level);
    (void)snprintf(score, sizeof(score), "%d", r->score);
    signals_literal(r, signals, sizeof(signals));
    const char *params[] = {patient_id, risk_level_name(r->level),
                            rank,       r->has_score ? score : NULL,
                            signals,    model_version};
    return db_query(c, "risk_save",
                    "INSERT INTO risk_current (patient_id, level, level_rank, score, signals,"
                    " model_version, computed_at)"
                    " VALUES ($1::uuid, $2, $3::int2, $4::int2, $5::text[], $6, now())"
                    " ON CONFLICT (patient_id) DO UPDATE SET level = excluded.level,"
                    " level_rank = excluded.level_rank, score = excluded.score,"
                    " signals = excluded.signals, model_version = excluded.model_version,"
                    " computed_at = excluded.computed_at",
                    6, params, NULL);
}

enum db_status
db_risk_claim(struct db_conn *c, int max, int debounce_ms, int max_delay_ms,
              struct dirty_claim *out, int *n)
{
    char lim[16], debounce[16], delay[16];
    (void)snprintf(lim, sizeof(lim), "%d", max);
    (void)snprintf(debounce, sizeof(debounce), "%d", debounce_ms);
    (void)snprintf(delay, sizeof(delay), "%d", max_delay_ms);
    const char *params[] = {lim, debounce, delay};
    PGresult *res = NULL;
    *n = 0;
    enum db_status st = db_query(
        c, "risk_claim",
        "WITH picked AS (SELECT patient_id FROM risk_dirty"
        "  WHERE (marked_at <= now() - make_interval(secs => $2::int / 1000.0)"
        "   OR since <= now() - make_interval(secs => $3::int / 1000.0))"
        "  AND (claimed_until IS NULL OR claimed_until < now())"
        "  ORDER BY since LIMIT $1::int FOR UPDATE SKIP LOCKED)"
        " UPDATE risk_dirty d SET claimed_until = now() + interval '60 seconds'"
        " FROM picked, patients p WHERE d.patient_id = picked.patient_id AND p.id = d.patient_id"
        " RETURNING d.patient_id, p.timezone, oih_epoch_us(d.marked_at)",
        3, params, &res);
    if (st != DB_OK)
        return st;
    for (int r = 0; r < PQntuples(res) && r < max; r++) {
        (void)snprintf(out[r].patient_id, sizeof(out[r].patient_id), "%s", PQgetvalue(res, r, 0));
        (void)snprintf(out[r].timezone, sizeof(out[r].timezone), "%s", PQgetvalue(res, r, 1));
        out[r].marked_at = db_int(res, r, 2);
        (*n)++;
    }
    PQclear(res);
    return DB_OK;
}

enum db_status
db_risk_release(struct db_conn *c, const struct dirty_claim *claim)
{
    char marked[24];
    (void)snprintf(marked, sizeof(marked), "%lld", claim->marked_at);
    const char *params[] = {claim->patient_id, marked};
    return db_query(c, "risk_release",
                    "DELETE FROM risk_dirty WHERE patient_id = $1::uuid"
                    " AND oih_epoch_us(marked_at) = $2::bigint AND claimed_until IS NOT NULL",
                    2, params, NULL);
}

enum db_status
db_risk_mark_stale(struct db_conn *c, int limit)
{
    char lim[16];
    (void)snprintf(lim, sizeof(lim), "%d", limit);
    const char *params[] = {lim};
    return db_query(c, "risk_mark_stale",
                    "INSERT INTO risk_dirty (patient_id)"
                    " SELECT patient_id FROM risk_current"
                    " WHERE computed_at < now() - interval '1 day'"
                    " ORDER BY computed_at LIMIT $1::int ON CONFLICT DO NOTHING",
                    1, params, NULL);
}

enum db_status
db_risk_backlog(struct db_conn *c, long *out)
{
    PGresult *res = NULL;
    enum db_status st =
        db_query(c, "risk_backlog", "SELECT count(*) FROM risk_dirty", 0, NULL, &res);
    if (st == DB_OK)
        *out = (long)db_int(res, 0, 0);
    PQclear(res);
    return st;
}
