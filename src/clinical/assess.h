/* Trend and risk of one patient: load the daily series (db), compute (domain). Shared by
 * the HTTP handlers and the risk worker, so the cohort list and GET .../risk always agree. */
#ifndef OIH_ASSESS_H
#define OIH_ASSESS_H

#include <stdint.h>

#include "db/db.h"
#include "domain/risk.h"
#include "domain/trend.h"

struct risk_window {
    int64_t as_of;     /* microseconds since the epoch */
    int32_t as_of_day; /* its local date when the caller knows it, else -1 */
    int days;          /* window_days */
    int32_t from, to;  /* local dates of the window, inclusive */
};

/* Evaluates the model for the window of w->days local days ending on as_of's local date in
 * zone tz; fills w->from and w->to. */
enum db_status assess_risk(struct db_conn *c, const struct risk_model *m, const char *patient_id,
                           const char *tz, struct risk_window *w, struct risk_result *out);

/* Buckets and summarizes the local days [from, to]; out is cleaned up with trend_cleanup. */
enum db_status assess_trend(struct db_conn *c, const char *patient_id, int32_t from, int32_t to,
                            enum bucket_kind kind, struct trend *out);

#endif
