/* The series a risk evaluation reads reaches beyond its window: 14 days before it (pain
 * before an early escalation), the 90 days ending on as_of (long-term therapy) and 35 days
 * after it (pain after a late taper), as risk-model.md allows "when data exists". */
#include "clinical/assess.h"

#include "db/series.h"

enum { LOOKBACK_DAYS = 14, LONG_TERM_DAYS = 90, LOOKAHEAD_DAYS = 35 };

void
assess_risk_days(int window_days, struct series_window *sw)
{
    sw->first_offset = -(window_days - 1) - LOOKBACK_DAYS;
    if (-(LONG_TERM_DAYS - 1) < sw->first_offset)
        sw->first_offset = -(LONG_TERM_DAYS - 1);
    sw->last_offset = LOOKAHEAD_DAYS;
    sw->max_days = sw->last_offset - sw->first_offset + 1;
}

void
assess_risk_on(const struct risk_model *m, const struct series *s, int32_t as_of_day,
               struct risk_window *w, struct risk_result *out)
{
    w->to = as_of_day;
    w->from = as_of_day - w->days + 1;
    risk_evaluate(m, s, series_index(s, w->from), series_index(s, w->to), out);
}

enum db_status
assess_risk(struct db_conn *c, const struct risk_model *m, const char *patient_id, const char *tz,
            struct risk_window *w, struct risk_result *out)
{
    int32_t today;
    enum db_status st = db_local_date(c, tz, w->as_of, &today);
    if (st != DB_OK)
        return st;
    struct series_window sw;
    assess_risk_days(w->days, &sw);
    struct series s;
    void *owner;
    st = db_series_load(c, patient_id, today + sw.first_offset, today + sw.last_offset, &s, &owner);
    if (st != DB_OK)
        return st;
    assess_risk_on(m, &s, today, w, out);
    series_cleanup(&s);
    db_series_release(owner);
    return DB_OK;
}
