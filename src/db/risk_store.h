/* Stored risk results (the cohort list reads them) and the queue of patients whose result
 * must be recomputed (the risk worker drains it). */
#ifndef OIH_DB_RISK_STORE_H
#define OIH_DB_RISK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "domain/cursor.h"
#include "domain/principal.h"
#include "domain/risk.h"

struct cohort_row {
    char patient_id[37];
    const char *external_ref; /* borrowed from the page; NULL when none */
    const char *level;        /* borrowed */
    int score;
    const char *signals; /* borrowed; present signal codes, comma-separated */
    int64_t computed_at;
};

struct cohort_page {
    struct cohort_row *rows; /* new; see cohort_page_cleanup */
    size_t count;
    bool more;
    void *owner;
};

/* The caller's patients whose stored level is at least min_level, highest score first
 * (ties by patient id), after the cursor (score, patient id) when given. */
enum db_status db_cohort_list(struct db_conn *c, const struct principal *who,
                              enum risk_level min_level, const struct cursor *after, int limit,
                              struct cohort_page *out);
void cohort_page_cleanup(struct cohort_page *page);

/* Upserts a patient's current result. DB_NOT_FOUND when the patient was erased meanwhile. */
enum db_status db_risk_save(struct db_conn *c, const char *patient_id, const struct risk_result *r,
                            const char *model_version);

struct dirty_claim {
    char patient_id[37];
    char timezone[64];
    long long marked_at; /* microseconds; the release only deletes an unchanged mark */
};

/* Claims up to max dirty patients whose last mark is debounce_ms old (or whose first mark
 * is max_delay_ms old), for 60 s, skipping rows other workers hold. *n gets the count. */
enum db_status db_risk_claim(struct db_conn *c, int max, int debounce_ms, int max_delay_ms,
                             struct dirty_claim *out, int *n);
/* Removes the mark unless a write moved it since the claim. */
enum db_status db_risk_release(struct db_conn *c, const struct dirty_claim *claim);
/* Marks up to limit patients whose stored result is older than a day. */
enum db_status db_risk_mark_stale(struct db_conn *c, int limit);
/* Number of patients waiting for a recomputation. */
enum db_status db_risk_backlog(struct db_conn *c, long *out);

#endif
