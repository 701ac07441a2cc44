/* The daily series comes from patient_days, the rollup every write keeps current in its
 * own transaction (sql/004_daily_rollup.sql holds the aggregation by local day: AT TIME
 * ZONE with the patient's IANA zone, and continuous doses spread by hours). Reading it is
 * an index range scan of at most a few hundred rows. */
#include "db/series.h"

#include <stdio.h>

#include "db/internal.h"
#include "domain/timestamp.h"

/* $1 patient, $2 first local date, $3 last local date. */
static const char series_sql[] =
    "SELECT day - DATE '1970-01-01', pain_entries, pain_sum, pain_min, pain_max, peg_entries,"
    " peg_sum, mme, dose_entries, opioid_doses, benzodiazepine_doses, gabapentinoid_doses,"
    " evoked_reports, sensitized_reports, locations"
    " FROM patient_days WHERE patient_id = $1::uuid AND day BETWEEN $2::date AND $3::date"
    " ORDER BY day";

static void
read_day(const PGresult *res, int r, struct day_stats *d)
{
    d->pain_entries = (int)db_int(res, r, 1);
    d->pain_sum = db_double(res, r, 2);
    d->pain_min = PQgetisnull(res, r, 3) ? 0 : (int)db_int(res, r, 3);
    d->pain_max = PQgetisnull(res, r, 4) ? 0 : (int)db_int(res, r, 4);
    d->peg_entries = (int)db_int(res, r, 5);
    d->peg_sum = PQgetisnull(res, r, 6) ? 0.0 : db_double(res, r, 6);
    d->mme = db_double(res, r, 7);
    d->dose_entries = (int)db_int(res, r, 8);
    d->opioid_doses = (int)db_int(res, r, 9);
    d->benzodiazepine_doses = (int)db_int(res, r, 10);
    d->gabapentinoid_doses = (int)db_int(res, r, 11);
    d->evoked_reports = (int)db_int(res, r, 12);
    d->sensitized_reports = (int)db_int(res, r, 13);
    d->locations = db_text(res, r, 14);
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
    for (int r = 0; r < PQntuples(res); r++) {
        long i = series_index(s, (int32_t)db_int(res, r, 0));
        if (i >= 0)
            read_day(res, r, &s->days[i]);
    }
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
