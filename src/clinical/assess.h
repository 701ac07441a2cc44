/* The risk of one patient over their daily series: which days it reads and the evaluation.
 * Shared by GET .../risk (which loads the days with the patient in one query) and the risk
 * worker, so the cohort list and GET .../risk always agree. */
#ifndef OIH_ASSESS_H
#define OIH_ASSESS_H

#include <stdint.h>

#include "db/db.h"
#include "db/series.h"
#include "domain/risk.h"
#include "domain/trend.h"

struct risk_window {
    int64_t as_of;    /* microseconds since the epoch */
    int days;         /* window_days */
    int32_t from, to; /* local dates of the window, inclusive */
};

/* Evaluates the model for the window of w->days local days ending on as_of's local date in
 * zone tz; fills w->from and w->to. For the risk worker. */
enum db_status assess_risk(struct db_conn *c, const struct risk_model *m, const char *patient_id,
                           const char *tz, struct risk_window *w, struct risk_result *out);

/* The days around the as-of date an evaluation of window_days reads: sets sw's offsets
 * and max_days (the anchor is the caller's). */
void assess_risk_days(int window_days, struct series_window *sw);

/* Evaluates the model over s, loaded as assess_risk_days asked, for the w->days local days
 * ending on as_of_day; fills w->from and w->to. */
void assess_risk_on(const struct risk_model *m, const struct series *s, int32_t as_of_day,
                    struct risk_window *w, struct risk_result *out);

#endif
