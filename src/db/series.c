/* The daily series comes from patient_days, the rollup every write keeps current in its
 * own transaction (sql/004_daily_rollup.sql holds the aggregation by local day: AT TIME
 * ZONE with the patient's IANA zone, and continuous doses spread by hours). Reading it is
 * an index range scan of at most a few hundred rows. */
#include "db/series.h"

#include <stdio.h>

#include "db/internal.h"
#include "domain/timestamp.h"

#define DAY_COLUMNS                                                                                \
    "d.day - DATE '1970-01-01', d.pain_entries, d.pain_sum, d.pain_min, d.pain_max,"               \
    " d.peg_entries, d.peg_sum, d.mme, d.dose_entries, d.opioid_doses, d.benzodiazepine_doses,"    \
    " d.gabapentinoid_doses, d.evoked_reports, d.sensitized_reports, d.locations"

/* $1 patient, $2 first local date, $3 last local date. */
static const char series_sql[] = "SELECT " DAY_COLUMNS " FROM patient_days d"
                                 " WHERE d.patient_id = $1::uuid"
                                 " AND d.day BETWEEN $2::date AND $3::date";

/* The patient, if the caller may see them, and their days around an anchor date, in one
 * round trip: $1 patient, $2-$4 the caller (DB_VISIBLE_TO_CALLER), $5 anchor date or
 * NULL, $6 anchor moment or NULL (its local date), $7 first date or NULL, $8 first and $9
 * last offset from the anchor, $10 the longest window worth reading. One patient row
 * (patient, anchor, first and last; day columns NULL) when the patient is visible, none
 * otherwise, and one row per day with data (patient columns NULL). The patient columns
 * come once rather than on every day row, which halves the bytes (90 days: 15.9 → 8.5 KB
 * as text) and spares PostgreSQL a uuid_out and two date_outs on every day row. The
 * window is computed once (MATERIALIZED), not per joined row: time zone conversions per
 * row cost more than the rest of the query. Rows come in any order (patient_row, read_days). */
#define PATIENT_ROW_NULLS "NULL, NULL, NULL, NULL, NULL, NULL, NULL" /* w's 7 columns */
#define DAY_NULLS                                                                                  \
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
static const char patient_series_sql[] =
    "WITH w AS MATERIALIZED (SELECT " DB_PATIENT_COLUMNS ", a.anchor - DATE '1970-01-01',"
    "  coalesce($7::date, a.anchor + $8::int) AS first, a.anchor + $9::int AS last"
    "  FROM patients p CROSS JOIN LATERAL (SELECT coalesce($5::date,"
    "   ($6::timestamptz AT TIME ZONE p.timezone)::date,"
    "   (now() AT TIME ZONE p.timezone)::date) AS anchor) a"
    "  WHERE p.id = $1::uuid AND " DB_VISIBLE_TO_CALLER ")"
    " SELECT w.*, " DAY_NULLS " FROM w"
    " UNION ALL SELECT " PATIENT_ROW_NULLS ", " DAY_COLUMNS " FROM w JOIN patient_days d"
    "  ON d.patient_id = w.id AND d.day BETWEEN w.first AND w.last"
    "  AND w.last - w.first < $10::int";

/* Reads the day columns of row r, starting at column c0 (the day itself). */
static void
read_day(const PGresult *res, int r, int c0, struct day_stats *d)
{
    d->pain_entries = (int)db_int(res, r, c0 + 1);
    d->pain_sum = db_double(res, r, c0 + 2);
    d->pain_min = PQgetisnull(res, r, c0 + 3) ? 0 : (int)db_int(res, r, c0 + 3);
    d->pain_max = PQgetisnull(res, r, c0 + 4) ? 0 : (int)db_int(res, r, c0 + 4);
    d->peg_entries = (int)db_int(res, r, c0 + 5);
    d->peg_sum = PQgetisnull(res, r, c0 + 6) ? 0.0 : db_double(res, r, c0 + 6);
    d->mme = db_double(res, r, c0 + 7);
    d->dose_entries = (int)db_int(res, r, c0 + 8);
    d->opioid_doses = (int)db_int(res, r, c0 + 9);
    d->benzodiazepine_doses = (int)db_int(res, r, c0 + 10);
    d->gabapentinoid_doses = (int)db_int(res, r, c0 + 11);
    d->evoked_reports = (int)db_int(res, r, c0 + 12);
    d->sensitized_reports = (int)db_int(res, r, c0 + 13);
    d->locations = db_text(res, r, c0 + 14);
}

/* Fills s with the rows of res whose day column c0 falls in it (a NULL day is skipped). */
static void
read_days(const PGresult *res, int c0, struct series *s)
{
    for (int r = 0; r < PQntuples(res); r++) {
        if (PQgetisnull(res, r, c0))
            continue;
        long i = series_index(s, (int32_t)db_int(res, r, c0));
        if (i >= 0)
            read_day(res, r, c0, &s->days[i]);
    }
}

/* The row holding the patient (its id not NULL), or -1 when there is none. */
static int
patient_row(const PGresult *res)
{
    for (int r = 0; r < PQntuples(res); r++) {
        if (!PQgetisnull(res, r, 0))
            return r;
    }
    return -1;
}

enum db_status
db_series_load(struct db_conn *c, const char *patient_id, int32_t first_day, int32_t last_day,
               struct series *s, void **owner)
{
    char first[11], last[11];
    date_format(first_day, first);
    date_format(last_day, last);
    const char *params[] = {patient_id, first, last};
    PGresult *res = NULL;
    *owner = NULL;
    enum db_status st = db_query(c, "series_load", series_sql, 3, params, &res);
    if (st != DB_OK)
        return st;
    series_init(s, first_day, (size_t)(last_day - first_day + 1));
    read_days(res, 0, s);
    *owner = res;
    return DB_OK;
}

enum db_status
db_patient_series_load(struct db_conn *c, const struct principal *who, const char *patient_id,
                       const struct series_window *w, struct patient *p, int32_t *anchor,
                       struct series *s, void **owner)
{
    char anchor_day[11], anchor_at[TIMESTAMP_TEXT_MAX], first_day[11], first_off[16], last_off[16],
        max_days[16];
    if (w->anchor_day >= 0)
        date_format(w->anchor_day, anchor_day);
    if (w->anchor_at)
        timestamp_format(w->anchor_at, anchor_at);
    if (w->has_first)
        date_format(w->first_day, first_day);
    (void)snprintf(first_off, sizeof(first_off), "%d", w->first_offset);
    (void)snprintf(last_off, sizeof(last_off), "%d", w->last_offset);
    (void)snprintf(max_days, sizeof(max_days), "%d", w->max_days);
    const char *params[] = {patient_id,
                            role_name(who->role),
                            who->id,
                            who->patient_id[0] ? who->patient_id : NULL,
                            w->anchor_day >= 0 ? anchor_day : NULL,
                            w->anchor_at ? anchor_at : NULL,
                            w->has_first ? first_day : NULL,
                            first_off,
                            last_off,
                            max_days};
    PGresult *res = NULL;
    *owner = NULL;
    enum db_status st = db_query(c, "patient_series", patient_series_sql, 10, params, &res);
    int row = st == DB_OK ? patient_row(res) : -1;
    if (st == DB_OK && row < 0)
        st = DB_NOT_FOUND;
    if (st != DB_OK) {
        PQclear(res);
        return st;
    }
    db_read_patient(res, row, p);
    *anchor = (int32_t)db_int(res, row, DB_PATIENT_NCOLUMNS);
    int32_t first = w->has_first ? w->first_day : *anchor + w->first_offset;
    int32_t last = *anchor + w->last_offset;
    bool readable = first <= last && last - first < w->max_days; /* as the SQL decided */
    series_init(s, readable ? first : *anchor, readable ? (size_t)(last - first + 1) : 0);
    read_days(res, DB_PATIENT_NCOLUMNS + 3, s); /* after the anchor, first and last */
    *owner = res;
    return DB_OK;
}

void
db_series_release(void *owner)
{
    PQclear(owner);
}

enum db_status
db_local_date(struct db_conn *c, const char *tz, int64_t at, int32_t *out)
{
    char ts[TIMESTAMP_TEXT_MAX];
    timestamp_format(at, ts);
    const char *params[] = {ts, tz};
    PGresult *res = NULL;
    enum db_status st = db_query(c, "local_date",
                                 "SELECT ($1::timestamptz AT TIME ZONE $2)::date"
                                 " - DATE '1970-01-01'",
                                 2, params, &res);
    if (st == DB_OK)
        *out = (int32_t)db_int(res, 0, 0);
    PQclear(res);
    return st;
}
