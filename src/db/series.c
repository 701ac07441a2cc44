/* One query returns one row per local day that has data. Local days come from
 * AT TIME ZONE with the patient's IANA zone, so 23- and 25-hour days are right; a
 * continuous dose contributes to each day the share of its hours that fall in that day. */
#include "db/series.h"

#include <stdio.h>

#include "db/internal.h"
#include "domain/timestamp.h"

/* $1 patient, $2 zone, $3 first local date, $4 last local date. */
static const char series_sql[] =
    "WITH b AS (SELECT $3::date::timestamp AT TIME ZONE $2 AS t0,"
    "  ($4::date + 1)::timestamp AT TIME ZONE $2 AS t1),"
    " pain AS (SELECT (p.recorded_at AT TIME ZONE $2)::date AS day, p.score, p.enjoyment,"
    "  p.activity, p.locations, p.evoked_by FROM pain_entries p, b"
    "  WHERE p.patient_id = $1::uuid AND p.recorded_at >= b.t0 AND p.recorded_at < b.t1),"
    " dose AS (SELECT d.taken_at, (d.taken_at AT TIME ZONE $2)::date AS day, d.class, d.mme,"
    "  make_interval(secs => d.duration_hours * 3600) AS dur FROM dose_entries d, b"
    "  WHERE d.patient_id = $1::uuid AND d.taken_at < b.t1"
    "  AND d.taken_at >= b.t0 - interval '168 hours'),"
    " spread AS (SELECT g.day::date AS day, d.mme * extract(epoch FROM"
    "  least(d.taken_at + d.dur, (g.day::date + 1)::timestamp AT TIME ZONE $2)"
    "  - greatest(d.taken_at, g.day::date::timestamp AT TIME ZONE $2))"
    "  / extract(epoch FROM d.dur) AS mme FROM dose d,"
    "  generate_series(d.day, ((d.taken_at + d.dur) AT TIME ZONE $2)::date, '1 day') AS g(day)"
    "  WHERE d.mme IS NOT NULL AND d.dur IS NOT NULL),"
    " days AS ("
    "  SELECT day, count(*) AS pn, sum(score) AS ps, min(score) AS plo, max(score) AS phi,"
    "   count(*) FILTER (WHERE enjoyment IS NOT NULL AND activity IS NOT NULL) AS gn,"
    "   sum((score + enjoyment + activity) / 3.0) AS gs, 0::float8 AS mme, 0 AS dn, 0 AS op,"
    "   0 AS bz, 0 AS gb, count(*) FILTER (WHERE cardinality(evoked_by) > 0) AS ev,"
    "   count(*) FILTER (WHERE evoked_by && '{light_touch,cold,heat,pressure}') AS se,"
    "   NULL::text AS loc FROM pain GROUP BY day"
    "  UNION ALL SELECT day, 0, 0, NULL, NULL, 0, 0, NULL::float8, 0, 0, 0, 0,"
    "   0, 0, string_agg(DISTINCT l.x, ',') FROM pain, unnest(locations) AS l(x) GROUP BY day"
    "  UNION ALL SELECT day, 0, 0, NULL, NULL, 0, 0, sum(mme) FILTER (WHERE dur IS NULL),"
    "   count(*), count(*) FILTER (WHERE class = 'opioid'),"
    "   count(*) FILTER (WHERE class = 'benzodiazepine'),"
    "   count(*) FILTER (WHERE class = 'gabapentinoid'), 0, 0, NULL FROM dose GROUP BY day"
    "  UNION ALL SELECT day, 0, 0, NULL, NULL, 0, 0, sum(mme), 0, 0, 0, 0, 0, 0, NULL"
    "   FROM spread WHERE mme > 0 GROUP BY day)"
    " SELECT day - DATE '1970-01-01', sum(pn), sum(ps), min(plo), max(phi), sum(gn), sum(gs),"
    "  coalesce(sum(mme), 0), sum(dn), sum(op), sum(bz), sum(gb), sum(ev), sum(se), max(loc)"
    " FROM days WHERE day BETWEEN $3::date AND $4::date GROUP BY day ORDER BY day";

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
db_series_load(struct db_conn *c, const char *patient_id, const char *tz, int32_t first_day,
               int32_t last_day, struct series *s, void **owner)
{
    char first[11], last[11];
    date_format(first_day, first);
    date_format(last_day, last);
    const char *params[] = {patient_id, tz, first, last};
    PGresult *res = NULL;
    *owner = NULL;
    enum db_status st = db_query(c, "series_load", series_sql, 4, params, &res);
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
