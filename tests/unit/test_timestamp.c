/* Unit tests of src/domain/timestamp.c: RFC 3339 parsing (offsets, fractions, calendar
 * validity), UTC formatting with microseconds, pre-1970 times and calendar days. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/timestamp.h"

/* 2026-03-01T08:30:00Z in seconds since the epoch. */
#define T0 INT64_C(1772353800)
#define US(seconds) ((int64_t)(seconds)*1000000)

static int64_t
parsed(const char *text)
{
    int64_t us = INT64_MIN;
    if (timestamp_parse(text, &us) != 0)
        fail_msg("\"%s\" was rejected", text);
    return us;
}

static void
expect_rejected(const char *text)
{
    int64_t us = 12345;
    if (timestamp_parse(text, &us) != -1)
        fail_msg("\"%s\" was accepted as %lld", text, (long long)us);
    assert_int_equal(us, 12345); /* untouched */
}

static const char *
formatted(int64_t us, char out[TIMESTAMP_TEXT_MAX])
{
    timestamp_format(us, out);
    return out;
}

static void
test_parse_utc_z(void **state)
{
    (void)state;
    assert_int_equal(parsed("2026-03-01T08:30:00Z"), US(T0));
    assert_int_equal(parsed("1970-01-01T00:00:00Z"), 0);
}

static void
test_parse_accepts_lowercase_t_and_z(void **state)
{
    (void)state;
    assert_int_equal(parsed("2026-03-01t08:30:00z"), US(T0));
    assert_int_equal(parsed("2026-03-01T08:30:00z"), US(T0));
}

static void
test_parse_applies_offsets(void **state)
{
    (void)state;
    assert_int_equal(parsed("2026-03-01T03:30:00-05:00"), US(T0));
    assert_int_equal(parsed("2026-03-01T14:00:00+05:30"), US(T0));
    assert_int_equal(parsed("2026-03-01T08:30:00+00:00"), US(T0));
    assert_int_equal(parsed("2026-03-01T08:30:00-00:00"), US(T0));
}

static void
test_parse_accepts_extreme_offsets_14_and_minus_12(void **state)
{
    (void)state;
    assert_int_equal(parsed("2026-03-01T22:30:00+14:00"), US(T0));
    assert_int_equal(parsed("2026-02-28T20:30:00-12:00"), US(T0));
    assert_int_equal(parsed("2026-03-01T08:30:00+23:59"), US(T0 - 23 * 3600 - 59 * 60));
}

static void
test_parse_rejects_invalid_offsets(void **state)
{
    (void)state;
    expect_rejected("2026-03-01T08:30:00+24:00");
    expect_rejected("2026-03-01T08:30:00+05:60");
    expect_rejected("2026-03-01T08:30:00+0500");
    expect_rejected("2026-03-01T08:30:00+05");
    expect_rejected("2026-03-01T08:30:00+5:00");
    expect_rejected("2026-03-01T08:30:00 05:00");
    expect_rejected("2026-03-01T08:30:00+05:00Z");
    expect_rejected("2026-03-01T08:30:00+05:00 ");
    expect_rejected("2026-03-01T08:30:00+aa:00");
    expect_rejected("2026-03-01T08:30:00UTC");
    expect_rejected("2026-03-01T08:30:00ZZ");
}

static void
test_parse_requires_an_offset(void **state)
{
    (void)state;
    expect_rejected("2026-03-01T08:30:00");
    expect_rejected("2026-03-01T08:30:00.123456");
}

static void
test_parse_reads_fractions_of_1_to_9_digits(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t us;
    } cases[] = {
        {"2026-03-01T08:30:00.1Z", 100000},
        {"2026-03-01T08:30:00.12Z", 120000},
        {"2026-03-01T08:30:00.123Z", 123000},
        {"2026-03-01T08:30:00.1234Z", 123400},
        {"2026-03-01T08:30:00.12345Z", 123450},
        {"2026-03-01T08:30:00.123456Z", 123456},
        {"2026-03-01T08:30:00.1234567Z", 123456},
        {"2026-03-01T08:30:00.12345678Z", 123456},
        {"2026-03-01T08:30:00.123456789Z", 123456},
        {"2026-03-01T08:30:00.000001Z", 1},
        {"2026-03-01T08:30:00.999999999Z", 999999},
        {"2026-03-01T08:30:00.5-05:00", 500000 + US(5 * 3600)},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = parsed(cases[i].text);
        if (got != US(T0) + cases[i].us)
            fail_msg("%s: %lld us past T0, expected %lld", cases[i].text, (long long)(got - US(T0)),
                     (long long)cases[i].us);
    }
}

static void
test_parse_rejects_10_fraction_digits_and_empty_fraction(void **state)
{
    (void)state;
    expect_rejected("2026-03-01T08:30:00.1234567890Z");
    expect_rejected("2026-03-01T08:30:00.Z");
    expect_rejected("2026-03-01T08:30:00,5Z");
}

static void
test_parse_accepts_feb_29_only_in_leap_years(void **state)
{
    (void)state;
    assert_int_equal(parsed("2024-02-29T00:00:00Z"), US(1709164800));
    (void)parsed("2000-02-29T12:00:00Z");
    expect_rejected("2023-02-29T00:00:00Z");
    expect_rejected("1900-02-29T00:00:00Z");
    expect_rejected("2100-02-29T00:00:00Z");
}

static void
test_parse_rejects_dates_and_times_that_do_not_exist(void **state)
{
    (void)state;
    expect_rejected("2024-02-30T00:00:00Z");
    expect_rejected("2026-04-31T00:00:00Z");
    expect_rejected("2026-13-01T00:00:00Z");
    expect_rejected("2026-00-01T00:00:00Z");
    expect_rejected("2026-01-00T00:00:00Z");
    expect_rejected("2026-01-32T00:00:00Z");
    expect_rejected("2026-01-01T24:00:00Z");
    expect_rejected("2026-01-01T23:60:00Z");
    expect_rejected("2026-01-01T23:59:61Z");
    (void)parsed("2026-12-31T23:59:59Z");
}

static void
test_parse_rejects_malformed_text(void **state)
{
    (void)state;
    expect_rejected(NULL);
    expect_rejected("");
    expect_rejected("2026-03-01");
    expect_rejected("2026-03-01T08:30Z");
    expect_rejected("2026/03/01T08:30:00Z");
    expect_rejected("2026-03-01 08:30:00Z");
    expect_rejected("2026-3-01T08:30:00Z0");
    expect_rejected("20260301T083000Z");
    expect_rejected("+026-03-01T08:30:00Z");
    expect_rejected("2026-03-01T08:30:0aZ");
}

static void
test_parse_handles_times_before_1970(void **state)
{
    (void)state;
    assert_int_equal(parsed("1969-12-31T23:59:59Z"), US(-1));
    assert_int_equal(parsed("1969-12-31T23:59:59.5Z"), -500000);
    assert_int_equal(parsed("1900-01-01T00:00:00Z"), US(INT64_C(-2208988800)));
    assert_int_equal(parsed("1970-01-01T00:00:00+01:00"), US(-3600));
}

static void
test_format_writes_utc_without_fraction_when_zero(void **state)
{
    (void)state;
    char out[TIMESTAMP_TEXT_MAX];
    assert_string_equal(formatted(US(T0), out), "2026-03-01T08:30:00Z");
    assert_string_equal(formatted(0, out), "1970-01-01T00:00:00Z");
    assert_string_equal(formatted(US(1709164800), out), "2024-02-29T00:00:00Z");
}

static void
test_format_writes_six_fraction_digits_when_non_zero(void **state)
{
    (void)state;
    char out[TIMESTAMP_TEXT_MAX];
    assert_string_equal(formatted(US(T0) + 1, out), "2026-03-01T08:30:00.000001Z");
    assert_string_equal(formatted(US(T0) + 500000, out), "2026-03-01T08:30:00.500000Z");
    assert_string_equal(formatted(US(T0) + 123456, out), "2026-03-01T08:30:00.123456Z");
    assert_string_equal(formatted(US(T0) + 999999, out), "2026-03-01T08:30:00.999999Z");
}

static void
test_format_handles_times_before_1970(void **state)
{
    (void)state;
    char out[TIMESTAMP_TEXT_MAX];
    assert_string_equal(formatted(-1, out), "1969-12-31T23:59:59.999999Z");
    assert_string_equal(formatted(US(-1), out), "1969-12-31T23:59:59Z");
    assert_string_equal(formatted(-500000, out), "1969-12-31T23:59:59.500000Z");
    assert_string_equal(formatted(US(INT64_C(-2208988800)), out), "1900-01-01T00:00:00Z");
}

static void
test_parse_then_format_round_trips_in_utc(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "2026-03-01T08:30:00Z",        "2026-03-01T08:30:00.000001Z", "2024-02-29T23:59:59.999999Z",
        "2000-01-01T00:00:00Z",        "1969-07-20T20:17:40Z",        "1900-01-01T00:00:00.250000Z",
        "9999-12-31T23:59:59.999999Z",
    };
    char out[TIMESTAMP_TEXT_MAX];
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        assert_string_equal(formatted(parsed(texts[i]), out), texts[i]);
    assert_string_equal(formatted(parsed("2026-03-01T03:30:00.25-05:00"), out),
                        "2026-03-01T08:30:00.250000Z");
}

static void
test_now_is_a_plausible_wall_clock(void **state)
{
    (void)state;
    int64_t a = timestamp_now(), b = timestamp_now();
    assert_true(a > US(T0) - US(INT64_C(365) * 86400 * 5)); /* after 2021 */
    assert_true(b >= a);
}

static int32_t
day(const char *text)
{
    int32_t d = INT32_MIN;
    if (date_parse(text, &d) != 0)
        fail_msg("date \"%s\" was rejected", text);
    return d;
}

static void
expect_date_rejected(const char *text)
{
    int32_t d = 99;
    if (date_parse(text, &d) != -1)
        fail_msg("date \"%s\" was accepted as %d", text, (int)d);
    assert_int_equal(d, 99);
}

static void
test_date_parse_counts_days_since_1970(void **state)
{
    (void)state;
    assert_int_equal(day("1970-01-01"), 0);
    assert_int_equal(day("1970-01-02"), 1);
    assert_int_equal(day("2026-03-01"), 20513);
    assert_int_equal(day("2024-02-29"), 19782);
    assert_int_equal(day("1969-12-31"), -1);
    assert_int_equal(day("1900-01-01"), -25567);
}

static void
test_date_parse_rejects_days_that_do_not_exist(void **state)
{
    (void)state;
    expect_date_rejected("2023-02-29");
    expect_date_rejected("2024-02-30");
    expect_date_rejected("2026-13-01");
    expect_date_rejected("2026-00-10");
    expect_date_rejected("2026-06-31");
}

static void
test_date_parse_rejects_malformed_text(void **state)
{
    (void)state;
    expect_date_rejected(NULL);
    expect_date_rejected("");
    expect_date_rejected("2026-3-01");
    expect_date_rejected("2026-03-1");
    expect_date_rejected("2026-03-01T00:00:00Z");
    expect_date_rejected("2026/03/01");
    expect_date_rejected("20260301");
    expect_date_rejected("2026-03-0x");
}

static void
test_date_format_writes_iso_days(void **state)
{
    (void)state;
    char out[11];
    date_format(0, out);
    assert_string_equal(out, "1970-01-01");
    date_format(20513, out);
    assert_string_equal(out, "2026-03-01");
    date_format(19782, out);
    assert_string_equal(out, "2024-02-29");
    date_format(-1, out);
    assert_string_equal(out, "1969-12-31");
    date_format(-25567, out);
    assert_string_equal(out, "1900-01-01");
}

static void
test_date_format_agrees_with_gmtime_over_years_1_to_9999(void **state)
{
    (void)state;
    char out[11], want[11];
    /* 0001-01-01 to 9999-12-31, every 13th day (all months, leap days, century years) */
    for (int32_t d = -719162; d <= 2932896; d += 13) {
        time_t t = (time_t)d * 86400;
        struct tm tm;
        gmtime_r(&t, &tm);
        (void)snprintf(want, sizeof(want), "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
                       (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
        date_format(d, out);
        assert_string_equal(out, want);
    }
}

static void
test_date_round_trips_over_leap_years(void **state)
{
    (void)state;
    char out[11];
    /* every day from 1999-12-01 to 2001-03-01, through the 2000 leap day */
    for (int32_t d = 10926; d <= 11382; d++) {
        date_format(d, out);
        assert_int_equal(day(out), d);
    }
}

static void
test_instants_outside_years_1_to_9999_in_utc_are_rejected(void **state)
{
    (void)state;
    int64_t us;
    /* found by fuzz_query: an offset pushing a year-0 or year-9999 time out of range */
    assert_int_equal(timestamp_parse("0000-01-01T00:00:00+01:00", &us), -1);
    assert_int_equal(timestamp_parse("9999-12-31T23:59:59-01:00", &us), -1);
    assert_int_equal(timestamp_parse("0001-01-01T00:00:00Z", &us), 0);
    assert_int_equal(timestamp_parse("9999-12-31T23:59:59.999999Z", &us), 0);
    char text[TIMESTAMP_TEXT_MAX];
    timestamp_format(us, text);
    assert_string_equal(text, "9999-12-31T23:59:59.999999Z");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instants_outside_years_1_to_9999_in_utc_are_rejected),
        cmocka_unit_test(test_parse_utc_z),
        cmocka_unit_test(test_parse_accepts_lowercase_t_and_z),
        cmocka_unit_test(test_parse_applies_offsets),
        cmocka_unit_test(test_parse_accepts_extreme_offsets_14_and_minus_12),
        cmocka_unit_test(test_parse_rejects_invalid_offsets),
        cmocka_unit_test(test_parse_requires_an_offset),
        cmocka_unit_test(test_parse_reads_fractions_of_1_to_9_digits),
        cmocka_unit_test(test_parse_rejects_10_fraction_digits_and_empty_fraction),
        cmocka_unit_test(test_parse_accepts_feb_29_only_in_leap_years),
        cmocka_unit_test(test_parse_rejects_dates_and_times_that_do_not_exist),
        cmocka_unit_test(test_parse_rejects_malformed_text),
        cmocka_unit_test(test_parse_handles_times_before_1970),
        cmocka_unit_test(test_format_writes_utc_without_fraction_when_zero),
        cmocka_unit_test(test_format_writes_six_fraction_digits_when_non_zero),
        cmocka_unit_test(test_format_handles_times_before_1970),
        cmocka_unit_test(test_parse_then_format_round_trips_in_utc),
        cmocka_unit_test(test_now_is_a_plausible_wall_clock),
        cmocka_unit_test(test_date_parse_counts_days_since_1970),
        cmocka_unit_test(test_date_parse_rejects_days_that_do_not_exist),
        cmocka_unit_test(test_date_parse_rejects_malformed_text),
        cmocka_unit_test(test_date_format_writes_iso_days),
        cmocka_unit_test(test_date_format_agrees_with_gmtime_over_years_1_to_9999),
        cmocka_unit_test(test_date_round_trips_over_leap_years),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
