/* A patient's daily series: one record per local calendar day, as aggregated in SQL
 * (risk-model.md section 2). Trend and risk are computed from it in pure C. */
#ifndef OIH_SERIES_H
#define OIH_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct day_stats {
    int pain_entries; /* 0: not a pain day */
    double pain_sum;  /* sum of scores */
    int pain_min, pain_max;
    int peg_entries; /* entries with all three PEG items */
    double peg_sum;
    double mme;       /* MME attributed to this day; continuous doses spread by hour */
    int dose_entries; /* doses taken this day, any class */
    int opioid_doses; /* opioid doses taken this day (buprenorphine included) */
    int benzodiazepine_doses;
    int gabapentinoid_doses;
    int evoked_reports;     /* pain entries naming any evoked_by stimulus */
    int sensitized_reports; /* ... naming light_touch, cold, heat or pressure */
    const char *locations;  /* distinct body regions that day, comma-separated; borrowed */
};

struct series {
    int32_t first_day; /* local date of days[0], as days since 1970-01-01 */
    size_t ndays;
    struct day_stats *days; /* owned; see series_cleanup */
};

/* Allocates ndays empty days starting at first_day. */
void series_init(struct series *s, int32_t first_day, size_t ndays);
void series_cleanup(struct series *s);

/* Index of a local date in s, or -1 when outside. */
long series_index(const struct series *s, int32_t day);

/* A pain day has at least one pain entry; pain(d) is then the mean score. */
bool day_has_pain(const struct day_stats *d);
double day_pain(const struct day_stats *d);
/* An opioid day has mme(d) > 0. */
bool day_is_opioid(const struct day_stats *d);

/* Mean of mme over days [from, to] (inclusive indices; must lie inside s). */
double series_mean_mme(const struct series *s, long from, long to);
/* Mean pain over the pain days among [from, to], clipped to s; returns the number of
 * pain days and writes the mean when there is at least one. */
int series_mean_pain(const struct series *s, long from, long to, double *mean);
/* Number of pain days and opioid days among [from, to]. */
int series_count_pain_days(const struct series *s, long from, long to);
int series_count_opioid_days(const struct series *s, long from, long to);

/* Number of distinct body regions reported over days [from, to], clipped to s. */
int series_distinct_locations(const struct series *s, long from, long to);

#endif
