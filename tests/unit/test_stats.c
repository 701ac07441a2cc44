/* Unit tests of src/domain/stats.c: every statistic against hand-computed values, plus
 * the daily-series helpers (7-day means, pain means over ranges). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/series.h"
#include "domain/stats.h"

static void
test_mean_of_values(void **state)
{
    (void)state;
    double v[] = {1, 2, 3, 4}, m;
    assert_true(stats_mean(v, 4, &m));
    assert_float_equal(m, 2.5, 1e-12);
    assert_false(stats_mean(v, 0, &m));
}

static void
test_median_odd_even_and_duplicates(void **state)
{
    (void)state;
    double odd[] = {9, 1, 5}, even[] = {4, 1, 3, 2}, dup[] = {2, 2, 2, 7, 1}, m;
    assert_true(stats_median(odd, 3, &m));
    assert_float_equal(m, 5.0, 1e-12);
    assert_true(stats_median(even, 4, &m));
    assert_float_equal(m, 2.5, 1e-12);
    assert_true(stats_median(dup, 5, &m));
    assert_float_equal(m, 2.0, 1e-12);
    assert_false(stats_median(odd, 0, &m));
    assert_float_equal(odd[0], 9.0, 0.0); /* input untouched */
}

static void
test_theil_sen_is_median_of_pairwise_slopes(void **state)
{
    (void)state;
    /* slopes: 2, .5, 1, .75, -1, 1, 1/3, 3, 1, -1 -> sorted middle pair .75 and 1 */
    double x[] = {1, 2, 3, 4, 5}, y[] = {1, 3, 2, 5, 4}, s;
    assert_true(stats_theil_sen(x, y, 5, &s));
    assert_float_equal(s, 0.875, 1e-12);
}

static void
test_theil_sen_ignores_an_outlier(void **state)
{
    (void)state;
    double x[] = {0, 1, 2, 3, 4, 5, 6}, y[] = {0, 2, 4, 6, 100, 10, 12}, s;
    assert_true(stats_theil_sen(x, y, 7, &s));
    assert_float_equal(s, 2.0, 1e-12);
}

static void
test_theil_sen_needs_two_distinct_x(void **state)
{
    (void)state;
    double x[] = {3, 3, 3}, y[] = {1, 2, 3}, s;
    assert_false(stats_theil_sen(x, y, 3, &s));
    assert_false(stats_theil_sen(x, y, 1, &s));
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The definition, by sorting every slope: what the bracketed selection must equal. */
static bool
reference_theil_sen(const double *x, const double *y, size_t n, double *out)
{
    double *slopes = malloc((n * n / 2 + 1) * sizeof(*slopes));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (x[j] != x[i])
                slopes[m++] = (y[j] - y[i]) / (x[j] - x[i]);
    qsort(slopes, m, sizeof(*slopes), compare_doubles);
    if (m)
        *out = m % 2 ? slopes[m / 2] : (slopes[m / 2 - 1] + slopes[m / 2]) / 2.0;
    free(slopes);
    return m > 0;
}

static uint32_t
next_lcg(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Fills a series of one of several shapes: continuous noise, a trend, small integers
 * (many tied slopes), a dose with one step near the middle (half the slopes 0), two
 * clusters of slopes, repeated x values, one x apart from the rest (few pairs count). */
static void
fill_series(int shape, size_t n, uint32_t *rng, double *x, double *y)
{
    /* near the middle, half the slopes are 0: the median straddles 0 and the next */
    size_t step = n / 2 - 1 + next_lcg(rng) % 3;
    for (size_t i = 0; i < n; i++) {
        double noise = (double)(next_lcg(rng) % 10000) / 1000.0;
        x[i] = shape == 5 ? (double)(i / 3) : shape == 6 ? (double)(i + 1 == n) : (double)i;
        switch (shape) {
        case 0:
            y[i] = noise;
            break;
        case 1:
            y[i] = 0.05 * (double)i + noise / 4.0;
            break;
        case 2:
            y[i] = (double)(next_lcg(rng) % 4);
            break;
        case 3:
            y[i] = i < step ? 90.0 : 135.0;
            break;
        case 4:
            y[i] = i % 2 ? 10.0 * (double)i : noise;
            break;
        default:
            y[i] = noise + (double)(i % 3);
            break;
        }
    }
}

static void
test_theil_sen_equals_the_median_of_all_sorted_slopes(void **state)
{
    (void)state;
    static const size_t sizes[] = {2, 3, 33, 34, 90, 91, 150, 365};
    uint32_t rng = 12345;
    double x[365], y[365];
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        for (int shape = 0; shape < 7; shape++) {
            for (int round = 0; round < 12; round++) {
                double got = -1.0, want = -2.0;
                fill_series(shape, sizes[k], &rng, x, y);
                bool has = reference_theil_sen(x, y, sizes[k], &want);
                assert_int_equal(stats_theil_sen(x, y, sizes[k], &got), has);
                if (has && memcmp(&got, &want, sizeof(got)) != 0) /* bits: -0 is not 0 */
                    fail_msg("n=%zu shape=%d round=%d: %.17g, not %.17g", sizes[k], shape, round,
                             got, want);
            }
        }
    }
}

static void
test_bracketed_median_counts_ties_and_refuses_a_missed_bracket(void **state)
{
    (void)state;
    double v[1000], m;
    for (size_t i = 0; i < 1000; i++) /* 0..999 shuffled; the median is 499.5 */
        v[i] = (double)(i * 7919 % 1000);
    double work[1000];
    memcpy(work, v, sizeof(v));
    assert_true(stats_bracketed_median(work, 1000, 400.0, 600.0, &m)); /* narrows twice */
    assert_float_equal(m, 499.5, 0.0);
    memcpy(work, v, sizeof(v));
    assert_false(stats_bracketed_median(work, 1000, 0.0, 450.0, &m)); /* median above */
    memcpy(work, v, sizeof(v));
    assert_false(stats_bracketed_median(work, 1000, 550.0, 900.0, &m)); /* below */
    memcpy(work, v, sizeof(v));
    assert_true(stats_bracketed_median(work, 1000, 499.0, 500.0, &m)); /* both at the edges */
    assert_float_equal(m, 499.5, 0.0);
    memcpy(work, v, sizeof(v));
    assert_true(stats_bracketed_median(work, 1000, 499.0, 700.0, &m)); /* at lo, then inside */
    assert_float_equal(m, 499.5, 0.0);
    memcpy(work, v, sizeof(v));
    assert_true(stats_bracketed_median(work, 1000, 10.0, 500.0, &m)); /* inside, then at hi */
    assert_float_equal(m, 499.5, 0.0);
    for (size_t i = 0; i < 1000; i++) /* 600 zeros (the median) among other values */
        work[i] = i % 5 < 3 ? 0.0 : (double)i;
    assert_true(stats_bracketed_median(work, 1000, 0.0, 0.0, &m));
    assert_float_equal(m, 0.0, 0.0);
    assert_false(stats_bracketed_median(work, 0, 0.0, 1.0, &m));
}

static void
test_ranks_average_ties(void **state)
{
    (void)state;
    double v[] = {10, 20, 20, 5, 20}, r[5];
    stats_ranks(v, 5, r);
    assert_float_equal(r[0], 2.0, 1e-12);
    assert_float_equal(r[1], 4.0, 1e-12);
    assert_float_equal(r[2], 4.0, 1e-12);
    assert_float_equal(r[3], 1.0, 1e-12);
    assert_float_equal(r[4], 4.0, 1e-12);
}

static void
test_spearman_perfect_and_inverse(void **state)
{
    (void)state;
    double x[] = {1, 2, 3, 4, 5}, up[] = {2, 4, 8, 16, 32}, down[] = {5, 4, 3, 2, 1}, rho;
    assert_true(stats_spearman(x, up, 5, &rho));
    assert_float_equal(rho, 1.0, 1e-12);
    assert_true(stats_spearman(x, down, 5, &rho));
    assert_float_equal(rho, -1.0, 1e-12);
}

static void
test_spearman_with_ties_uses_average_ranks(void **state)
{
    (void)state;
    /* ranks of y: 1.5 1.5 3.5 3.5 5 -> Pearson with 1..5 is 3/sqrt(10) */
    double x[] = {1, 2, 3, 4, 5}, y[] = {1, 1, 2, 2, 3}, rho;
    assert_true(stats_spearman(x, y, 5, &rho));
    assert_float_equal(rho, 3.0 / sqrt(10.0), 1e-12);
}

static void
test_spearman_hand_computed(void **state)
{
    (void)state;
    /* d = rank differences 0,-2,1,1,0 -> sum d^2 = 6 -> 1 - 36/120 = 0.7 */
    double x[] = {1, 2, 3, 4, 5}, y[] = {1, 4, 2, 3, 5}, rho;
    assert_true(stats_spearman(x, y, 5, &rho));
    assert_float_equal(rho, 0.7, 1e-12);
}

static void
test_spearman_constant_series_is_undefined(void **state)
{
    (void)state;
    double x[] = {1, 2, 3}, y[] = {4, 4, 4}, rho;
    assert_false(stats_spearman(x, y, 3, &rho));
    assert_false(stats_spearman(y, x, 3, &rho));
    assert_false(stats_spearman(x, x, 1, &rho));
}

static void
test_seven_day_mean_of_mme_counts_zero_days(void **state)
{
    (void)state;
    struct series s;
    series_init(&s, 0, 14);
    for (int i = 7; i < 14; i++)
        s.days[i].mme = 70.0;
    s.days[0].mme = 7.0;
    assert_float_equal(series_mean_mme(&s, 0, 6), 1.0, 1e-12);
    assert_float_equal(series_mean_mme(&s, 7, 13), 70.0, 1e-12);
    assert_float_equal(series_mean_mme(&s, 4, 10), 40.0, 1e-12);
    series_cleanup(&s);
}

static void
test_mean_pain_skips_days_without_entries_and_clips(void **state)
{
    (void)state;
    struct series s;
    double mean = 0.0;
    series_init(&s, 100, 10);
    s.days[2] = (struct day_stats){.pain_entries = 2, .pain_sum = 9.0};
    s.days[5] = (struct day_stats){.pain_entries = 1, .pain_sum = 6.0};
    assert_int_equal(series_mean_pain(&s, -5, 20, &mean), 2);
    assert_float_equal(mean, (4.5 + 6.0) / 2.0, 1e-12);
    assert_int_equal(series_mean_pain(&s, 6, 9, &mean), 0);
    assert_int_equal(series_index(&s, 100), 0);
    assert_int_equal(series_index(&s, 110), -1);
    series_cleanup(&s);
}

static void
test_distinct_locations_over_days(void **state)
{
    (void)state;
    struct series s;
    series_init(&s, 0, 3);
    s.days[0].locations = "knee,back";
    s.days[1].locations = "back,neck";
    s.days[2].locations = NULL;
    assert_int_equal(series_distinct_locations(&s, 0, 2), 3);
    assert_int_equal(series_distinct_locations(&s, 1, 1), 2);
    assert_int_equal(series_distinct_locations(&s, 2, 2), 0);
    series_cleanup(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_of_values),
        cmocka_unit_test(test_median_odd_even_and_duplicates),
        cmocka_unit_test(test_theil_sen_is_median_of_pairwise_slopes),
        cmocka_unit_test(test_theil_sen_ignores_an_outlier),
        cmocka_unit_test(test_theil_sen_needs_two_distinct_x),
        cmocka_unit_test(test_theil_sen_equals_the_median_of_all_sorted_slopes),
        cmocka_unit_test(test_bracketed_median_counts_ties_and_refuses_a_missed_bracket),
        cmocka_unit_test(test_ranks_average_ties),
        cmocka_unit_test(test_spearman_perfect_and_inverse),
        cmocka_unit_test(test_spearman_with_ties_uses_average_ranks),
        cmocka_unit_test(test_spearman_hand_computed),
        cmocka_unit_test(test_spearman_constant_series_is_undefined),
        cmocka_unit_test(test_seven_day_mean_of_mme_counts_zero_days),
        cmocka_unit_test(test_mean_pain_skips_days_without_entries_and_clips),
        cmocka_unit_test(test_distinct_locations_over_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
