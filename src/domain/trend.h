/* Trend of a patient's pain and dose over local days: day or ISO-week buckets (every bucket
 * of the range, empty ones included) and summary statistics computed on daily values. */
#ifndef OIH_TREND_H
#define OIH_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/series.h"

enum bucket_kind { BUCKET_DAY, BUCKET_WEEK };

/* Fewer qualifying days than this make a summary statistic null (api.md, Trend). */
enum { TREND_MIN_DAYS = 7, TREND_MAX_DAYS = 730, TREND_DEFAULT_DAYS = 90 };

struct trend_bucket {
    int32_t start; /* local date; a Monday for week buckets */
    int days;      /* days of the bucket inside the requested range */
    int pain_entries;
    double pain_sum;
    int pain_min, pain_max;
    int peg_entries;
    double peg_sum;
    double mme;
    int doses, evoked_reports, locations;
};

struct trend_summary {
    bool has_pain_slope, has_mme_slope, has_correlation;
    double pain_slope_per_week, mme_slope_per_week, pain_mme_correlation;
    int days_with_pain, days_with_opioid;
};

struct trend {
    struct trend_bucket *buckets; /* owned; see trend_cleanup */
    size_t nbuckets;
    struct trend_summary summary;
};

/* Buckets and summarizes s, which must hold exactly the requested days. */
void trend_compute(const struct series *s, enum bucket_kind kind, struct trend *out);
void trend_cleanup(struct trend *t);

/* The Monday on or before a local date (days since 1970-01-01, a Thursday). */
int32_t iso_week_start(int32_t day);

#endif
