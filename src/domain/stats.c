/* Statistics for trends and risk. Medians use quickselect on a copy: Theil-Sen over two
 * years of days makes ~266,000 pairwise slopes, where sorting would cost several times more. */
#include "domain/stats.h"

#include <math.h>
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

/* Median of v, which it reorders. */
static double
median_in_place(double *v, size_t n)
{
    double upper = select_kth(v, n, n / 2);
    if (n % 2)
        return upper;
    /* after selection everything left of n/2 is <= upper: its maximum is the other middle */
    double lower = v[0];
    for (size_t i = 1; i < n / 2; i++)
        lower = v[i] > lower ? v[i] : lower;
    return (lower + upper) / 2.0;
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

bool
stats_theil_sen(const double *x, const double *y, size_t n, double *out)
{
    if (n < 2)
        return false;
    double *slopes = xmalloc(n * (n - 1) / 2 * sizeof(*slopes));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (x[j] != x[i])
                slopes[m++] = (y[j] - y[i]) / (x[j] - x[i]);
        }
    }
    if (m > 0)
        *out = median_in_place(slopes, m);
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
