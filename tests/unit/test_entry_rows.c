/* Unit tests of db_pain_rows_json and db_dose_rows_json (src/db/entries.c): the text sent as
 * the jsonb parameter of a batch insert must carry exactly the values a jansson tree of the
 * same entries would, so PostgreSQL stores the same rows. Pure: no database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "db/entries.h"

/* 2026-03-01T13:30:00.25Z */
#define T_US (INT64_C(1772371800) * 1000000 + 250000)

static json_t *
parse_rows(char *text)
{
    json_error_t err;
    json_t *rows = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!rows)
        fail_msg("not JSON (%s): %s", err.text, text);
    free(text);
    assert_true(json_is_array(rows));
    return rows;
}

static struct pain_entry
full_pain(void)
{
    struct pain_entry e = {.recorded_at = T_US, .score = 7, .enjoyment = 0, .activity = 10};
    strcpy(e.id, "5b2e3c1a-0d6e-4b7a-9c41-3f8a2e6d9b10");
    e.nlocations = 2;
    e.locations[0] = "lower_back";
    e.locations[1] = "knee_l";
    e.qualities = 1u << 1 | 1u << 9; /* burning, tingling */
    e.evoked = 1u << 4;              /* movement */
    e.note = "said \"worse\\better\"\n\ttab, \x01 and caf\xc3\xa9 \xe2\x80\xa8";
    return e;
}

static void
test_pain_row_carries_every_field(void **state)
{
    (void)state;
    struct pain_entry e = full_pain();
    json_t *rows = parse_rows(db_pain_rows_json(&e, 1));
    json_t *want =
        json_pack("[{s:i, s:s, s:s, s:i, s:i, s:i, s:[s,s], s:[s,s], s:[s], s:s}]", "i", 0, "id",
                  e.id, "recorded_at", "2026-03-01T13:30:00.250000Z", "score", 7, "enjoyment", 0,
                  "activity", 10, "locations", "lower_back", "knee_l", "qualities", "burning",
                  "tingling", "evoked_by", "movement", "note", e.note);
    assert_non_null(want);
    assert_true(json_equal(rows, want));
    json_decref(want);
    json_decref(rows);
}

static void
test_pain_row_writes_absent_fields_as_null_and_empty_sets_as_empty_arrays(void **state)
{
    (void)state;
    struct pain_entry e = {.recorded_at = T_US, .score = 0, .enjoyment = -1, .activity = -1};
    strcpy(e.id, "00000000-0000-4000-8000-000000000000");
    json_t *rows = parse_rows(db_pain_rows_json(&e, 1));
    json_t *want =
        json_pack("[{s:i, s:s, s:s, s:i, s:n, s:n, s:[], s:[], s:[], s:n}]", "i", 0, "id", e.id,
                  "recorded_at", "2026-03-01T13:30:00.250000Z", "score", 0, "enjoyment", "activity",
                  "locations", "qualities", "evoked_by", "note");
    assert_non_null(want);
    assert_true(json_equal(rows, want));
    json_decref(want);
    json_decref(rows);
}

static void
test_rows_are_numbered_in_request_order(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct pain_entry *entries = calloc(N, sizeof(entries[0]));
    assert_non_null(entries);
    for (size_t i = 0; i < N; i++) {
        entries[i] = full_pain();
        entries[i].score = (int)(i % 11);
    }
    json_t *rows = parse_rows(db_pain_rows_json(entries, N));
    assert_int_equal(json_array_size(rows), N);
    for (size_t i = 0; i < N; i++) {
        json_t *row = json_array_get(rows, i);
        assert_int_equal(json_integer_value(json_object_get(row, "i")), i);
        assert_int_equal(json_integer_value(json_object_get(row, "score")), i % 11);
    }
    json_decref(rows);
    free(entries);
}

/* The value of a number member, which must be present (text "72" reads as an integer). */
static double
number(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void
test_dose_row_keeps_every_digit_of_its_numbers(void **state)
{
    (void)state;
    struct medication med = {.key = "fentanyl", .med_class = MED_OPIOID};
    struct med_form form = {.route = "transdermal", .unit = "mcg/h", .continuous = true};
    struct dose_entry e = {.taken_at = T_US,
                           .med = &med,
                           .form = &form,
                           .dose = 0.1,
                           .has_duration = true,
                           .duration_hours = 72.0,
                           .has_mme = true,
                           .mme = 1.0 / 3.0};
    strcpy(e.id, "5b2e3c1a-0d6e-4b7a-9c41-3f8a2e6d9b10");
    json_t *rows = parse_rows(db_dose_rows_json(&e, 1));
    json_t *row = json_array_get(rows, 0);
    json_t *want = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:n}", "i", 0, "id", e.id,
                             "taken_at", "2026-03-01T13:30:00.250000Z", "medication", "fentanyl",
                             "route", "transdermal", "unit", "mcg/h", "class", "opioid", "note");
    assert_non_null(want);
    assert_true(number(row, "dose") == 0.1);
    assert_true(number(row, "duration_hours") == 72.0);
    assert_true(number(row, "mme") == 1.0 / 3.0);
    json_object_del(row, "dose");
    json_object_del(row, "duration_hours");
    json_object_del(row, "mme");
    assert_true(json_equal(row, want));
    json_decref(want);
    json_decref(rows);
}

static void
test_dose_row_writes_absent_duration_and_mme_as_null(void **state)
{
    (void)state;
    struct medication med = {.key = "ibuprofen", .med_class = MED_NSAID};
    struct med_form form = {.route = "oral", .unit = "mg"};
    struct dose_entry e = {
        .taken_at = T_US, .med = &med, .form = &form, .dose = 400.0, .note = "with food"};
    strcpy(e.id, "5b2e3c1a-0d6e-4b7a-9c41-3f8a2e6d9b10");
    json_t *rows = parse_rows(db_dose_rows_json(&e, 1));
    json_t *row = json_array_get(rows, 0);
    assert_true(json_is_null(json_object_get(row, "duration_hours")));
    assert_true(json_is_null(json_object_get(row, "mme")));
    assert_true(number(row, "dose") == 400.0);
    assert_string_equal(json_string_value(json_object_get(row, "note")), "with food");
    json_decref(rows);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pain_row_carries_every_field),
        cmocka_unit_test(test_pain_row_writes_absent_fields_as_null_and_empty_sets_as_empty_arrays),
        cmocka_unit_test(test_rows_are_numbered_in_request_order),
        cmocka_unit_test(test_dose_row_keeps_every_digit_of_its_numbers),
        cmocka_unit_test(test_dose_row_writes_absent_duration_and_mme_as_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
