/* Robust statistics on plain arrays: median, mean, Theil-Sen slope, Spearman's rho.
 * Pure and allocation-light; the inputs are never modified. */
#ifndef OIH_STATS_H
#define OIH_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Arithmetic mean of v[0..n); false when n is 0. */
bool stats_mean(const double *v, size_t n, double *out);

/* Median of v[0..n) (mean of the two middle values when n is even); false when n is 0. */
bool stats_median(const double *v, size_t n, double *out);

/* Theil-Sen slope: the median of (y[j]-y[i])/(x[j]-x[i]) over all pairs with x[i] != x[j].
 * False when no such pair exists. */
bool stats_theil_sen(const double *x, const double *y, size_t n, double *out);

/* The median of v[0..n) (overwritten) found by first keeping only the values in
 * [lo, hi], as Theil-Sen does with a bracket from a sample; false when the median lies
 * outside it (or n is 0). Exposed for its unit tests. */
bool stats_bracketed_median(double *v, size_t n, double lo, double hi, double *out);

/* Spearman's rank correlation with average ranks for ties (Pearson's r of the ranks).
 * False when n < 2 or either series is constant. */
bool stats_spearman(const double *x, const double *y, size_t n, double *out);

/* Writes the average (1-based) ranks of v[0..n) into ranks[0..n). */
void stats_ranks(const double *v, size_t n, double *ranks);

#endif
