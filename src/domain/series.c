/* Per-day accessors and range means over a daily series. */
#include "domain/series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void
series_init(struct series *s, int32_t first_day, size_t ndays)
{
    s->first_day = first_day;
    s->ndays = ndays;
    s->days = xcalloc(ndays, sizeof(s->days[0]));
}

void
series_cleanup(struct series *s)
{
    free(s->days);
    memset(s, 0, sizeof(*s));
}

long
series_index(const struct series *s, int32_t day)
{
    long i = (long)day - (long)s->first_day;
    return i >= 0 && (size_t)i < s->ndays ? i : -1;
}

bool
day_has_pain(const struct day_stats *d)
{
    return d->pain_entries > 0;
}

double
day_pain(const struct day_stats *d)
{
    return d->pain_sum / d->pain_entries;
}

bool
day_is_opioid(const struct day_stats *d)
{
    return d->mme > 0.0;
}

double
series_mean_mme(const struct series *s, long from, long to)
{
    double sum = 0.0;
    for (long i = from; i <= to; i++)
        sum += s->days[i].mme;
    return to >= from ? sum / (double)(to - from + 1) : 0.0;
}

/* Clips [from, to] to the series. */
static void
clip(const struct series *s, long *from, long *to)
{
    if (*from < 0)
        *from = 0;
    if (*to > (long)s->ndays - 1)
        *to = (long)s->ndays - 1;
}

int
series_mean_pain(const struct series *s, long from, long to, double *mean)
{
    double sum = 0.0;
    int n = 0;
    clip(s, &from, &to);
    for (long i = from; i <= to; i++) {
        if (day_has_pain(&s->days[i])) {
            sum += day_pain(&s->days[i]);
            n++;
        }
    }
    if (n > 0)
        *mean = sum / n;
    return n;
}

int
series_count_pain_days(const struct series *s, long from, long to)
{
    int n = 0;
    clip(s, &from, &to);
    for (long i = from; i <= to; i++)
        n += day_has_pain(&s->days[i]);
    return n;
}

int
series_count_opioid_days(const struct series *s, long from, long to)
{
    int n = 0;
    clip(s, &from, &to);
    for (long i = from; i <= to; i++)
        n += day_is_opioid(&s->days[i]);
    return n;
}

/* A small set of location tokens (each at most 40 characters). */
struct token_set {
    char (*items)[48];
    size_t count, cap;
};

static void
token_set_add(struct token_set *set, const char *token, size_t len)
{
    for (size_t i = 0; i < set->count; i++) {
        if (strncmp(set->items[i], token, len) == 0 && set->items[i][len] == '\0')
            return;
    }
    if (set->count == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 16;
        set->items = xrealloc(set->items, set->cap * sizeof(set->items[0]));
    }
    memcpy(set->items[set->count], token, len); /* len < sizeof(items[0]), checked by caller */
    set->items[set->count++][len] = '\0';
}

int
series_distinct_locations(const struct series *s, long from, long to)
{
    struct token_set set = {0};
    clip(s, &from, &to);
    for (long i = from; i <= to; i++) {
        for (const char *p = s->days[i].locations; p && *p;) {
            size_t len = strcspn(p, ",");
            if (len > 0 && len < sizeof(set.items[0]))
                token_set_add(&set, p, len);
            p += len + (p[len] == ',');
        }
    }
    free(set.items);
    return (int)set.count;
}
