/* Trend buckets and summary. Buckets only add up day records; the statistics always run on
 * daily values, whatever the bucket size, as api.md requires. */
#include "domain/trend.h"

#include <stdlib.h>
#include <string.h>

#include "domain/stats.h"
#include "util/xalloc.h"

int32_t
iso_week_start(int32_t day)
{
    int32_t weekday = ((day + 3) % 7 + 7) % 7; /* Monday = 0; 1970-01-01 was a Thursday */
    return day - weekday;
}

static void
add_day(struct trend_bucket *b, const struct day_stats *d)
{
    if (d->pain_entries > 0) {
        b->pain_min =
            b->pain_entries ? (d->pain_min < b->pain_min ? d->pain_min : b->pain_min) : d->pain_min;
        b->pain_max =
            b->pain_entries ? (d->pain_max > b->pain_max ? d->pain_max : b->pain_max) : d->pain_max;
    }
    b->days++;
    b->pain_entries += d->pain_entries;
    b->pain_sum += d->pain_sum;
    b->peg_entries += d->peg_entries;
    b->peg_sum += d->peg_sum;
    b->mme += d->mme;
    b->doses += d->dose_entries;
    b->evoked_reports += d->evoked_reports;
}

static void
fill_buckets(const struct series *s, enum bucket_kind kind, struct trend *out)
{
    size_t cap = kind == BUCKET_DAY ? s->ndays : s->ndays / 7 + 2;
    out->buckets = xcalloc(cap ? cap : 1, sizeof(out->buckets[0]));
    out->nbuckets = 0;
    long bucket_first = 0;
    for (size_t i = 0; i < s->ndays; i++) {
        int32_t day = s->first_day + (int32_t)i;
        int32_t start = kind == BUCKET_DAY ? day : iso_week_start(day);
        struct trend_bucket *b = out->nbuckets ? &out->buckets[out->nbuckets - 1] : NULL;
        if (!b || b->start != start) {
            if (b)
                b->locations = series_distinct_locations(s, bucket_first, (long)i - 1);
            b = &out->buckets[out->nbuckets++];
            b->start = start;
            bucket_first = (long)i;
        }
        add_day(b, &s->days[i]);
    }
    if (out->nbuckets)
        out->buckets[out->nbuckets - 1].locations =
            series_distinct_locations(s, bucket_first, (long)s->ndays - 1);
}

static void
summarize_days(const struct series *s, struct trend_summary *sum)
{
    size_t n = s->ndays, np = 0;
    double *x = xmalloc((n ? n : 1) * 4 * sizeof(double));
    double *mme = x + n, *px = mme + n, *pain = px + n,
           *pmme = xmalloc((n ? n : 1) * sizeof(double));
    memset(sum, 0, sizeof(*sum));
    for (size_t i = 0; i < n; i++) {
        const struct day_stats *d = &s->days[i];
        x[i] = (double)i;
        mme[i] = d->mme;
        sum->days_with_opioid += day_is_opioid(d);
        if (day_has_pain(d)) {
            px[np] = (double)i;
            pain[np] = day_pain(d);
            pmme[np++] = d->mme;
        }
    }
    sum->days_with_pain = (int)np;
    if (np >= TREND_MIN_DAYS) {
        sum->has_pain_slope = stats_theil_sen(px, pain, np, &sum->pain_slope_per_week);
        sum->has_correlation = stats_spearman(pain, pmme, np, &sum->pain_mme_correlation);
    }
    if (n >= TREND_MIN_DAYS)
        sum->has_mme_slope = stats_theil_sen(x, mme, n, &sum->mme_slope_per_week);
    sum->pain_slope_per_week *= 7.0;
    sum->mme_slope_per_week *= 7.0;
    free(x);
    free(pmme);
}

void
trend_compute(const struct series *s, enum bucket_kind kind, struct trend *out)
{
    fill_buckets(s, kind, out);
    summarize_days(s, &out->summary);
}

void
trend_cleanup(struct trend *t)
{
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}
