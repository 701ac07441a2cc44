/* Unit tests of src/domain/trend.c: day and ISO-week buckets over a daily series (every
 * bucket present, per-day MME over the days inside the range) and the summary statistics
 * with their 7-day minimum. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain/timestamp.h"
#include "domain/trend.h"

/* 2026-03-04 (a Wednesday) as days since the epoch. */
static int32_t
wednesday(void)
{
    int32_t day;
    assert_int_equal(date_parse("2026-03-04", &day), 0);
    return day;
}

static void
test_iso_week_starts_on_monday(void **state)
{
    (void)state;
    int32_t mon, wed = wednesday();
    assert_int_equal(date_parse("2026-03-02", &mon), 0);
    assert_int_equal(iso_week_start(wed), mon);
    assert_int_equal(iso_week_start(mon), mon);
    assert_int_equal(iso_week_start(mon + 6), mon); /* Sunday */
    assert_int_equal(iso_week_start(0), -3);        /* 1970-01-01 was a Thursday */
    assert_int_equal(iso_week_start(-1), -3);
    assert_int_equal(iso_week_start(-4), -10);
}

static void
test_day_buckets_include_empty_days(void **state)
{
    (void)state;
    struct series s;
    struct trend t;
    series_init(&s, wednesday(), 5);
    s.days[1] = (struct day_stats){.pain_entries = 2,
                                   .pain_sum = 11,
                                   .pain_min = 4,
                                   .pain_max = 7,
                                   .mme = 90,
                                   .dose_entries = 3,
                                   .evoked_reports = 1,
                                   .locations = "knee,back"};
    trend_compute(&s, BUCKET_DAY, &t);
    assert_int_equal(t.nbuckets, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(t.buckets[i].start, wednesday() + (int32_t)i);
        assert_int_equal(t.buckets[i].days, 1);
    }
    assert_int_equal(t.buckets[0].pain_entries, 0);
    assert_int_equal(t.buckets[1].pain_entries, 2);
    assert_int_equal(t.buckets[1].pain_min, 4);
    assert_int_equal(t.buckets[1].pain_max, 7);
    assert_float_equal(t.buckets[1].mme, 90, 1e-12);
    assert_int_equal(t.buckets[1].doses, 3);
    assert_int_equal(t.buckets[1].evoked_reports, 1);
    assert_int_equal(t.buckets[1].locations, 2);
    trend_cleanup(&t);
    series_cleanup(&s);
}

static void
test_week_buckets_clip_to_the_range(void **state)
{
    (void)state;
    struct series s;
    struct trend t;
    /* Wednesday .. the Tuesday 13 days later: partial, full, partial weeks */
    series_init(&s, wednesday(), 14);
    for (size_t i = 0; i < 14; i++)
        s.days[i].mme = 10;
    s.days[0] = (struct day_stats){.pain_entries = 1,
                                   .pain_sum = 3,
                                   .pain_min = 3,
                                   .pain_max = 3,
                                   .mme = 10,
                                   .locations = "knee"};
    s.days[4] = (struct day_stats){.pain_entries = 1,
                                   .pain_sum = 9,
                                   .pain_min = 9,
                                   .pain_max = 9,
                                   .mme = 10,
                                   .locations = "knee,neck"};
    trend_compute(&s, BUCKET_WEEK, &t);
    assert_int_equal(t.nbuckets, 3);
    assert_int_equal(t.buckets[0].start, wednesday() - 2);
    assert_int_equal(t.buckets[0].days, 5); /* Wednesday to Sunday */
    assert_float_equal(t.buckets[0].mme, 50, 1e-12);
    assert_int_equal(t.buckets[0].pain_min, 3);
    assert_int_equal(t.buckets[0].pain_max, 9);
    assert_int_equal(t.buckets[0].locations, 2);
    assert_int_equal(t.buckets[1].days, 7);
    assert_int_equal(t.buckets[2].start, wednesday() + 12);
    assert_int_equal(t.buckets[2].days, 2);
    trend_cleanup(&t);
    series_cleanup(&s);
}

/* A series of n days with pain on the first pain_days of them rising 1 point per week. */
static struct series
rising_pain(size_t n, size_t pain_days, double mme)
{
    struct series s;
    series_init(&s, wednesday(), n);
    for (size_t i = 0; i < n; i++) {
        s.days[i].mme = mme + (double)i; /* MME rises 7 per week */
        if (i < pain_days) {
            s.days[i].pain_entries = 1;
            s.days[i].pain_sum = 2.0 + (double)i / 7.0;
        }
    }
    return s;
}

static void
test_summary_slopes_and_correlation(void **state)
{
    (void)state;
    struct series s = rising_pain(28, 28, 10);
    struct trend t;
    trend_compute(&s, BUCKET_DAY, &t);
    assert_true(t.summary.has_pain_slope);
    assert_float_equal(t.summary.pain_slope_per_week, 1.0, 1e-9);
    assert_true(t.summary.has_mme_slope);
    assert_float_equal(t.summary.mme_slope_per_week, 7.0, 1e-9);
    assert_true(t.summary.has_correlation);
    assert_float_equal(t.summary.pain_mme_correlation, 1.0, 1e-12);
    assert_int_equal(t.summary.days_with_pain, 28);
    assert_int_equal(t.summary.days_with_opioid, 28);
    trend_cleanup(&t);
    series_cleanup(&s);
}

static void
test_summary_needs_seven_days(void **state)
{
    (void)state;
    struct series six = rising_pain(30, 6, 10), seven = rising_pain(30, 7, 10);
    struct trend t6, t7;
    trend_compute(&six, BUCKET_DAY, &t6);
    trend_compute(&seven, BUCKET_DAY, &t7);
    assert_false(t6.summary.has_pain_slope);
    assert_false(t6.summary.has_correlation);
    assert_true(t6.summary.has_mme_slope); /* MME counts all 30 days */
    assert_true(t7.summary.has_pain_slope);
    assert_true(t7.summary.has_correlation);
    trend_cleanup(&t6);
    trend_cleanup(&t7);
    series_cleanup(&six);
    series_cleanup(&seven);
}

static void
test_correlation_is_null_for_constant_mme(void **state)
{
    (void)state;
    struct series s = rising_pain(20, 20, 0);
    for (size_t i = 0; i < 20; i++)
        s.days[i].mme = 30;
    struct trend t;
    trend_compute(&s, BUCKET_DAY, &t);
    assert_false(t.summary.has_correlation);
    assert_float_equal(t.summary.mme_slope_per_week, 0.0, 1e-12);
    trend_cleanup(&t);
    series_cleanup(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_week_starts_on_monday),
        cmocka_unit_test(test_day_buckets_include_empty_days),
        cmocka_unit_test(test_week_buckets_clip_to_the_range),
        cmocka_unit_test(test_summary_slopes_and_correlation),
        cmocka_unit_test(test_summary_needs_seven_days),
        cmocka_unit_test(test_correlation_is_null_for_constant_mme),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
