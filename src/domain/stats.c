/* Statistics for trends and risk. Medians use quickselect on a copy: Theil-Sen over two
 * years of days makes ~266,000 pairwise slopes, where sorting would cost several times more.
 *
 * Plain quickselect mispredicts a branch on about every other comparison, which made
 * Theil-Sen a fifth of a trend request's CPU. So the median of the slopes is first
 * bracketed between two values from a small sample (a Floyd-Rivest step); one branch-free
 * pass counts the slopes below and at the bracket and keeps only those inside it. Ties
 * are counted, not kept, so a steady dose (most slopes exactly 0) costs no more. When the
 * sample misjudges, which is rare, every slope is selected among as before: the result is
 * the same exact median either way. */
#include "domain/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

bool
stats_mean(const double *v, size_t n, double *out)
{
    if (n == 0)
        return false;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    *out = sum / (double)n;
    return true;
}

static void
swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Rearranges v so v[k] is the k-th smallest and nothing left of k is larger (Wirth's
 * selection; signed indices because j may step below the range's start). */
static double
select_kth(double *v, size_t n, size_t k)
{
    long lo = 0, hi = (long)n - 1, kk = (long)k;
    while (lo < hi) {
        double pivot = v[kk];
        long i = lo, j = hi;
        do {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                swap(&v[i], &v[j]);
                i++;
                j--;
            }
        } while (i <= j);
        if (j < kk)
            lo = i;
        if (kk < i)
            hi = j;
    }
    return v[k];
}

/* The mean of ranks r1 and r2 = r1 or r1 + 1 of v[0..n), which it reorders. */
static double
middle_in_place(double *v, size_t n, size_t r1, size_t r2)
{
    double upper = select_kth(v, n, r2);
    if (r1 == r2)
        return upper;
    /* after selection everything left of r2 is <= upper: its maximum has rank r1 */
    double lower = v[0];
    for (size_t i = 1; i < r2; i++)
        lower = v[i] > lower ? v[i] : lower;
    return (lower + upper) / 2.0;
}

/* Median of v, which it reorders. */
static double
median_in_place(double *v, size_t n)
{
    return middle_in_place(v, n, (n - 1) / 2, n / 2);
}

bool
stats_median(const double *v, size_t n, double *out)
{
    if (n == 0)
        return false;
    double *copy = xmalloc(n * sizeof(*copy));
    memcpy(copy, v, n * sizeof(*copy));
    *out = median_in_place(copy, n);
    free(copy);
    return true;
}

enum {
    SLOPES_ON_STACK = 4096, /* the pairs of 90 days (4005): the default windows */
    BRACKET_SAMPLE = 128,
    BRACKET_MARGIN = 16, /* sample ranks either side of the median's: ~2.8 deviations */
    BRACKET_MIN = 512,   /* fewer values are selected among directly */
};

/* The outcome of a bracketing pass over n values: how many lie below lo, at lo, strictly
 * between lo and hi (moved to the front), and at hi (when hi differs from lo). */
struct bracket {
    double lo, hi;
    size_t below, at_lo, inside, at_hi;
};

/* A fixed pseudo-random sequence (xorshift64, from SAMPLE_SEED ^ the count sampled): the
 * sample need not be unpredictable, and a fixed one keeps every run alike. */
#define SAMPLE_SEED UINT64_C(0x9e3779b97f4a7c15)
static uint64_t
next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Sets the bracket to sample ranks around fraction r/n of a sorted sample. */
static void
bracket_from_sample(double *sample, size_t r, size_t n, struct bracket *b)
{
    size_t at = r * BRACKET_SAMPLE / n, z = at + BRACKET_MARGIN;
    b->lo = select_kth(sample, BRACKET_SAMPLE, at > BRACKET_MARGIN ? at - BRACKET_MARGIN : 0);
    b->hi = select_kth(sample, BRACKET_SAMPLE, z < BRACKET_SAMPLE ? z : BRACKET_SAMPLE - 1);
}

/* A pass's running counts: values < lo, <= lo and <= hi, and those kept (strictly
 * inside). Ordered comparisons only, which compile branch-free. */
struct tally {
    size_t lt_lo, le_lo, le_hi, kept;
};

/* Counts s against [lo, hi] and writes it to kept[t->kept], where only a value inside
 * stays. The bounds come by value: kept could alias a bracket's fields. */
static inline void
tally_add(struct tally *t, double lo, double hi, double s, double *kept)
{
    t->lt_lo += s < lo;
    t->le_lo += s <= lo;
    t->le_hi += s <= hi;
    kept[t->kept] = s;
    t->kept += (s > lo) & (s < hi);
}

static void
bracket_counts(struct bracket *b, const struct tally *t)
{
    b->below = t->lt_lo;
    b->at_lo = t->le_lo - t->lt_lo;
    b->inside = t->kept;
    b->at_hi = b->lo == b->hi ? 0 : t->le_hi - t->le_lo - t->kept;
}

/* Counts v[0..n) against the bracket and moves the values inside it to the front. */
static void
bracket_pass(double *v, size_t n, struct bracket *b)
{
    const double lo = b->lo, hi = b->hi;
    struct tally t = {0};
    for (size_t i = 0; i < n; i++)
        tally_add(&t, lo, hi, v[i], v); /* t.kept <= i: overwrites only values already read */
    bracket_counts(b, &t);
}

/* The value of rank r after a pass; false when it lies outside the bracket. */
static bool
rank_value(double *v, const struct bracket *b, size_t r, double *out)
{
    if (r < b->below)
        return false;
    r -= b->below;
    if (r < b->at_lo) {
        *out = b->lo;
        return true;
    }
    r -= b->at_lo;
    if (r < b->inside) {
        *out = select_kth(v, b->inside, r);
        return true;
    }
    r -= b->inside;
    *out = b->hi;
    return r < b->at_hi;
}

static bool middle_of(double *v, size_t n, size_t r1, size_t r2, double *out);

/* The mean of ranks r1 and r2 = r1 or r1 + 1 among the values a pass counted (those
 * inside kept in v); false when either lies outside the bracket. */
static bool
bracketed_middle(double *v, const struct bracket *b, size_t r1, size_t r2, double *out)
{
    size_t first = b->below + b->at_lo;
    if (r1 >= first && r2 < first + b->inside) /* both inside: narrow down to them */
        return middle_of(v, b->inside, r1 - first, r2 - first, out);
    double lower, upper;
    if (!rank_value(v, b, r1, &lower) || !rank_value(v, b, r2, &upper))
        return false;
    *out = r1 == r2 ? upper : (lower + upper) / 2.0;
    return true;
}

/* The mean of ranks r1 and r2 = r1 or r1 + 1 of v[0..n), which it overwrites; false
 * when a bracket missed them. */
static bool
middle_of(double *v, size_t n, size_t r1, size_t r2, double *out)
{
    if (n <= BRACKET_MIN) {
        *out = middle_in_place(v, n, r1, r2);
        return true;
    }
    double sample[BRACKET_SAMPLE];
    uint64_t state = SAMPLE_SEED ^ n;
    for (size_t i = 0; i < BRACKET_SAMPLE; i++)
        sample[i] = v[next_random(&state) % n];
    struct bracket b;
    bracket_from_sample(sample, r1, n, &b);
    bracket_pass(v, n, &b);
    return bracketed_middle(v, &b, r1, r2, out);
}

/* Writes the slopes of all pairs with distinct x into slopes; returns their number. */
static size_t
fill_slopes(const double *x, const double *y, size_t n, double *slopes)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (x[j] != x[i])
                slopes[m++] = (y[j] - y[i]) / (x[j] - x[i]);
        }
    }
    return m;
}

/* Brackets the median slope by the slopes of a sample of pairs; false when too few
 * sampled pairs have distinct x. */
static bool
sample_slopes(const double *x, const double *y, size_t n, struct bracket *b)
{
    double sample[BRACKET_SAMPLE];
    uint64_t state = SAMPLE_SEED ^ n;
    size_t k = 0;
    for (size_t tries = 0; k < BRACKET_SAMPLE && tries < 4 * BRACKET_SAMPLE; tries++) {
        size_t a = next_random(&state) % n, z = next_random(&state) % n;
        size_t i = a < z ? a : z, j = a < z ? z : a; /* as fill_slopes: a 0 must be +0 */
        if (x[i] != x[j])
            sample[k++] = (y[j] - y[i]) / (x[j] - x[i]);
    }
    if (k < BRACKET_SAMPLE)
        return false;
    bracket_from_sample(sample, 1, 2, b);
    return true;
}

/* fill_slopes and bracket_pass in one: computes every slope, counts it against the
 * bracket and keeps only those inside it; returns the number of slopes. */
static size_t
bracket_slopes(const double *x, const double *y, size_t n, struct bracket *b, double *kept)
{
    const double lo = b->lo, hi = b->hi;
    struct tally t = {0};
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (x[j] == x[i])
                continue;
            tally_add(&t, lo, hi, (y[j] - y[i]) / (x[j] - x[i]), kept);
            m++;
        }
    }
    bracket_counts(b, &t);
    return m;
}

bool
stats_bracketed_median(double *v, size_t n, double lo, double hi, double *out)
{
    struct bracket b = {.lo = lo, .hi = hi};
    bracket_pass(v, n, &b);
    return n > 0 && bracketed_middle(v, &b, (n - 1) / 2, n / 2, out);
}

bool
stats_theil_sen(const double *x, const double *y, size_t n, double *out)
{
    if (n < 2)
        return false;
    double on_stack[SLOPES_ON_STACK];
    size_t pairs = n * (n - 1) / 2, m = 0;
    double *slopes = pairs <= SLOPES_ON_STACK ? on_stack : xmalloc(pairs * sizeof(*slopes));
    struct bracket b;
    if (pairs > BRACKET_MIN && sample_slopes(x, y, n, &b)) {
        m = bracket_slopes(x, y, n, &b, slopes);
        if (m > 0 && bracketed_middle(slopes, &b, (m - 1) / 2, m / 2, out))
            goto out;
    }
    m = fill_slopes(x, y, n, slopes);
    if (m > 0)
        *out = median_in_place(slopes, m);
out:
    if (slopes != on_stack)
        free(slopes);
    return m > 0;
}

struct ranked {
    double value;
    size_t index;
};

static int
compare_ranked(const void *a, const void *b)
{
    double x = ((const struct ranked *)a)->value, y = ((const struct ranked *)b)->value;
    return (x > y) - (x < y);
}

void
stats_ranks(const double *v, size_t n, double *ranks)
{
    struct ranked *r = xmalloc((n ? n : 1) * sizeof(*r));
    for (size_t i = 0; i < n; i++)
        r[i] = (struct ranked){v[i], i};
    qsort(r, n, sizeof(*r), compare_ranked);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && r[j + 1].value == r[i].value)
            j++;
        double average = (double)(i + j) / 2.0 + 1.0; /* ties share the mean of their ranks */
        for (size_t k = i; k <= j; k++)
            ranks[r[k].index] = average;
        i = j + 1;
    }
    free(r);
}

/* Pearson's r of a and b; false when either has no variance. */
static bool
pearson(const double *a, const double *b, size_t n, double *out)
{
    double ma, mb, saa = 0.0, sbb = 0.0, sab = 0.0;
    stats_mean(a, n, &ma);
    stats_mean(b, n, &mb);
    for (size_t i = 0; i < n; i++) {
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
        sab += (a[i] - ma) * (b[i] - mb);
    }
    if (saa <= 0.0 || sbb <= 0.0)
        return false;
    *out = sab / sqrt(saa * sbb);
    return true;
}

bool
stats_spearman(const double *x, const double *y, size_t n, double *out)
{
    if (n < 2)
        return false;
    double *rx = xmalloc(2 * n * sizeof(*rx)), *ry = rx + n;
    stats_ranks(x, n, rx);
    stats_ranks(y, n, ry);
    bool ok = pearson(rx, ry, n, out);
    free(rx);
    return ok;
}
