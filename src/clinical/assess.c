/* The series a risk evaluation reads reaches beyond its window: 14 days before it (pain
 * before an early escalation), the 90 days ending on as_of (long-term therapy) and 35 days
 * after it (pain after a late taper), as risk-model.md allows "when data exists". */
#include "clinical/assess.h"

#include "db/series.h"

enum { LOOKBACK_DAYS = 14, LONG_TERM_DAYS = 90, LOOKAHEAD_DAYS = 35 };

enum db_status
assess_risk(struct db_conn *c, const struct risk_model *m, const char *patient_id, const char *tz,
            struct risk_window *w, struct risk_result *out)
{
    int32_t today = w->as_of_day;
    enum db_status st = today >= 0 ? DB_OK : db_local_date(c, tz, w->as_of, &today);
    if (st != DB_OK)
        return st;
    w->to = today;
    w->from = today - w->days + 1;
    int32_t first = w->from - LOOKBACK_DAYS;
    if (today - LONG_TERM_DAYS + 1 < first)
        first = today - LONG_TERM_DAYS + 1;
    struct series s;
    void *owner;
    st = db_series_load(c, patient_id, first, today + LOOKAHEAD_DAYS, &s, &owner);
    if (st != DB_OK)
        return st;
    risk_evaluate(m, &s, series_index(&s, w->from), series_index(&s, w->to), out);
    series_cleanup(&s);
    db_series_release(owner);
    return DB_OK;
}

enum db_status
assess_trend(struct db_conn *c, const char *patient_id, int32_t from, int32_t to,
             enum bucket_kind kind, struct trend *out)
{
    struct series s;
    void *owner;
    enum db_status st = db_series_load(c, patient_id, from, to, &s, &owner);
    if (st != DB_OK)
        return st;
    trend_compute(&s, kind, out);
    series_cleanup(&s);
    db_series_release(owner);
    return DB_OK;
}
