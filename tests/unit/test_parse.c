/* Unit tests of src/api/parse.c: every validation rule of pain entries, dose entries,
 * batches, patients, tokens and query parameters, asserting the exact JSON Pointers
 * reported, with values just inside and just outside each limit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/parse.h"
#include "domain/catalog.h"
#include "domain/cursor.h"
#include "domain/zones.h"

/* 2026-03-01T12:00:00Z, the "now" of every test. */
#define NOW_US (INT64_C(1772366400) * 1000000)
#define US(seconds) ((int64_t)(seconds)*1000000)

#define assert_double_is(actual, expected)                                                         \
    do {                                                                                           \
        double a_ = (actual), e_ = (expected);                                                     \
        if (a_ != e_)                                                                              \
            fail_msg("%s is %.17g, expected %.17g", #actual, a_, e_);                              \
    } while (0)

/* ---------- fixtures ---------- */

static struct catalog catalog;
static struct zone_list zones;

static struct medication
make_med(const char *key, enum med_class cls)
{
    struct medication m;
    memset(&m, 0, sizeof(m));
    (void)snprintf(m.key, sizeof(m.key), "%s", key);
    (void)snprintf(m.name, sizeof(m.name), "%s", key);
    m.med_class = cls;
    return m;
}

static void
add_form(struct medication *m, const char *route, const char *unit, bool has_factor, double factor,
         bool continuous)
{
    struct med_form *f = &m->forms[m->nforms++];
    (void)snprintf(f->route, sizeof(f->route), "%s", route);
    (void)snprintf(f->unit, sizeof(f->unit), "%s", unit);
    f->has_factor = has_factor;
    f->factor = factor;
    f->continuous = continuous;
}

static int
setup_catalog_and_zones(void **state)
{
    (void)state;
    static const char *const zone_names[] = {"UTC", "Europe/Berlin", "America/Chicago",
                                             "Asia/Tokyo"};
    catalog.count = 5;
    catalog.meds = calloc(catalog.count, sizeof(catalog.meds[0]));
    if (!catalog.meds)
        return -1;
    /* deliberately unsorted: catalog_sort must put them in key order */
    catalog.meds[0] = make_med("oxycodone", MED_OPIOID);
    add_form(&catalog.meds[0], "oral", "mg", true, 1.5, false);
    catalog.meds[1] = make_med("gabapentin", MED_GABAPENTINOID);
    add_form(&catalog.meds[1], "oral", "mg", false, 0.0, false);
    catalog.meds[2] = make_med("fentanyl", MED_OPIOID);
    add_form(&catalog.meds[2], "transdermal", "mcg/h", true, 2.4, true);
    add_form(&catalog.meds[2], "buccal", "mcg", true, 0.13, false);
    catalog.meds[3] = make_med("buprenorphine", MED_OPIOID);
    add_form(&catalog.meds[3], "sublingual", "mg", false, 0.0, false);
    add_form(&catalog.meds[3], "transdermal", "mcg/h", false, 0.0, true);
    catalog.meds[4] = make_med("codeine", MED_OPIOID);
    add_form(&catalog.meds[4], "oral", "mg", true, 0.15, false);
    catalog_sort(&catalog);

    zones.count = sizeof(zone_names) / sizeof(zone_names[0]);
    zones.names = calloc(zones.count, sizeof(zones.names[0]));
    if (!zones.names)
        return -1;
    for (size_t i = 0; i < zones.count; i++)
        (void)snprintf(zones.names[i], ZONE_NAME_MAX, "%s", zone_names[i]);
    zone_list_sort(&zones);
    return 0;
}

static int
teardown_catalog_and_zones(void **state)
{
    (void)state;
    catalog_cleanup(&catalog);
    zone_list_cleanup(&zones);
    return 0;
}

/* ---------- helpers ---------- */

static json_t *
load(const char *text)
{
    json_error_t error;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
    if (!root)
        fail_msg("test JSON does not parse: %s: %s", error.text, text);
    return root;
}

static const char PAIN_BASE[] = "{\"recorded_at\": \"2026-03-01T08:30:00Z\", \"score\": 5}";
static const char DOSE_BASE[] =
    "{\"taken_at\": \"2026-03-01T08:00:00Z\", \"medication\": "
    "\"oxycodone\", \"dose\": 10, \"unit\": \"mg\", \"route\": \"oral\"}";

/* The base entry with key set to value (stolen); value NULL removes key. */
static json_t *
with(const char *base, const char *key, json_t *value)
{
    json_t *root = load(base);
    if (value)
        json_object_set_new(root, key, value);
    else
        json_object_del(root, key);
    return root;
}

static json_t *
repeat_string(const char *unit, size_t times)
{
    size_t n = strlen(unit);
    char *buf = malloc(n * times + 1);
    assert_non_null(buf);
    for (size_t i = 0; i < times; i++)
        memcpy(buf + i * n, unit, n);
    buf[n * times] = '\0';
    json_t *s = json_string(buf);
    free(buf);
    assert_non_null(s);
    return s;
}

static json_t *
batch_of(const char *entry, size_t n)
{
    json_t *list = json_array();
    json_t *one = load(entry);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_deep_copy(one));
    json_decref(one);
    json_t *root = json_object();
    json_object_set_new(root, "entries", list);
    return root;
}

/* Fails unless errs holds exactly the pointers given (any order), NULL-terminated. */
static void
expect_pointers(const struct field_errors *errs, ...)
{
    const char *expected[64];
    size_t n = 0;
    va_list ap;
    va_start(ap, errs);
    for (const char *p; (p = va_arg(ap, const char *)) != NULL && n < 64;)
        expected[n++] = p;
    va_end(ap);
    bool used[64] = {false};
    bool ok = errs->count == n;
    for (size_t i = 0; ok && i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < errs->count && !found; j++) {
            if (!used[j] && strcmp(errs->items[j].pointer, expected[i]) == 0)
                found = used[j] = true;
        }
        ok = found;
    }
    if (!ok) {
        for (size_t j = 0; j < errs->count; j++)
            print_error("  got pointer \"%s\" (%s)\n", errs->items[j].pointer,
                        errs->items[j].detail);
        for (size_t i = 0; i < n; i++)
            print_error("  expected \"%s\"\n", expected[i]);
        fail_msg("field errors differ: %zu reported, %zu expected", errs->count, n);
    }
}

static const char *
detail_of(const struct field_errors *errs, const char *pointer)
{
    for (size_t i = 0; i < errs->count; i++) {
        if (strcmp(errs->items[i].pointer, pointer) == 0)
            return errs->items[i].detail;
    }
    fail_msg("no error at %s", pointer);
    return NULL;
}

struct run {
    json_t *root;
    enum parse_result r;
    struct pain_batch pain;
    struct dose_batch dose;
    struct field_errors errs;
};

static void
run_pain_at(struct run *run, json_t *root, int64_t now)
{
    memset(run, 0, sizeof(*run));
    run->root = root;
    run->r = parse_pain_body(root, now, &run->pain, &run->errs);
}

static void
run_pain(struct run *run, json_t *root)
{
    run_pain_at(run, root, NOW_US);
}

static void
run_dose(struct run *run, json_t *root)
{
    memset(run, 0, sizeof(*run));
    run->root = root;
    run->r = parse_dose_body(root, &catalog, NOW_US, &run->dose, &run->errs);
}

static void
run_done(struct run *run)
{
    free(run->pain.items);
    free(run->dose.items);
    field_errors_cleanup(&run->errs);
    json_decref(run->root);
}

/* Parses a pain body (consumed) and expects 422 naming exactly one pointer. */
static void
pain_rejects_at(json_t *root, int64_t now, const char *pointer)
{
    struct run run;
    run_pain_at(&run, root, now);
    if (run.r != PARSE_INVALID)
        print_error("  body accepted; expected an error at %s\n", pointer);
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, pointer, NULL);
    run_done(&run);
}

static void
pain_rejects(json_t *root, const char *pointer)
{
    pain_rejects_at(root, NOW_US, pointer);
}

/* Parses a pain body (consumed) and expects it valid. */
static void
pain_accepts_at(json_t *root, int64_t now)
{
    struct run run;
    run_pain_at(&run, root, now);
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    assert_int_equal(run.pain.count, 1);
    run_done(&run);
}

static void
pain_accepts(json_t *root)
{
    pain_accepts_at(root, NOW_US);
}

static void
dose_rejects(json_t *root, const char *pointer)
{
    struct run run;
    run_dose(&run, root);
    if (run.r != PARSE_INVALID)
        print_error("  body accepted; expected an error at %s\n", pointer);
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, pointer, NULL);
    run_done(&run);
}

static void
dose_accepts(json_t *root)
{
    struct run run;
    run_dose(&run, root);
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    run_done(&run);
}

static bool
is_uuid_v4(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
            return false;
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* ---------- pain: whole entries ---------- */

static void
test_pain_minimal_entry_is_parsed_with_defaults(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, load(PAIN_BASE));
    assert_int_equal(run.r, PARSE_OK);
    assert_int_equal(run.errs.count, 0);
    assert_false(run.pain.is_batch);
    assert_int_equal(run.pain.count, 1);
    const struct pain_entry *e = &run.pain.items[0];
    assert_int_equal(e->recorded_at, US(1772353800));
    assert_int_equal(e->score, 5);
    assert_int_equal(e->enjoyment, -1);
    assert_int_equal(e->activity, -1);
    assert_int_equal(e->nlocations, 0);
    assert_int_equal(e->qualities, 0);
    assert_int_equal(e->evoked, 0);
    assert_null(e->note);
    assert_true(is_uuid_v4(e->id));
    run_done(&run);
}

static void
test_pain_full_entry_is_parsed_field_by_field(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, load("{\"id\": \"3F2504E0-4F89-41D3-9A0C-0305E82C3301\","
                        " \"recorded_at\": \"2026-03-01T06:30:00-05:00\", \"score\": 7,"
                        " \"enjoyment\": 0, \"activity\": 10,"
                        " \"locations\": [\"lower_back\", \"knee_l\"],"
                        " \"qualities\": [\"sharp\", \"aching\"],"
                        " \"evoked_by\": [\"movement\", \"light_touch\"],"
                        " \"note\": \"after the walk\"}"));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    const struct pain_entry *e = &run.pain.items[0];
    assert_string_equal(e->id, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    assert_int_equal(e->recorded_at, US(1772364600)); /* 11:30Z */
    assert_int_equal(e->score, 7);
    assert_int_equal(e->enjoyment, 0);
    assert_int_equal(e->activity, 10);
    assert_int_equal(e->nlocations, 2);
    assert_string_equal(e->locations[0], "lower_back");
    assert_string_equal(e->locations[1], "knee_l");
    assert_int_equal(e->qualities, (1u << 0) | (1u << 5)); /* aching, sharp */
    assert_int_equal(e->evoked, (1u << 0) | (1u << 4));    /* light_touch, movement */
    assert_string_equal(e->note, "after the walk");
    run_done(&run);
}

static void
test_pain_null_optional_fields_are_absent(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, load("{\"id\": null, \"recorded_at\": \"2026-03-01T08:30:00Z\","
                        " \"score\": 5, \"enjoyment\": null, \"activity\": null,"
                        " \"locations\": null, \"qualities\": null, \"evoked_by\": null,"
                        " \"note\": null}"));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    const struct pain_entry *e = &run.pain.items[0];
    assert_true(is_uuid_v4(e->id));
    assert_int_equal(e->enjoyment, -1);
    assert_int_equal(e->activity, -1);
    assert_int_equal(e->nlocations, 0);
    assert_int_equal(e->qualities, 0);
    assert_int_equal(e->evoked, 0);
    assert_null(e->note);
    run_done(&run);
}

static void
test_pain_empty_object_reports_both_required_fields(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, load("{}"));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/recorded_at", "/score", NULL);
    assert_string_equal(detail_of(&run.errs, "/score"), "is required");
    assert_string_equal(detail_of(&run.errs, "/recorded_at"), "is required");
    run_done(&run);
}

static void
test_pain_null_required_fields_count_as_missing(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, load("{\"recorded_at\": null, \"score\": null}"));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/recorded_at", "/score", NULL);
    run_done(&run);
}

static void
test_pain_unknown_field_is_named(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "foo", json_integer(1)));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/foo", NULL);
    assert_string_equal(detail_of(&run.errs, "/foo"), "unknown field");
    run_done(&run);
}

static void
test_pain_unknown_field_name_is_pointer_escaped(void **state)
{
    (void)state;
    json_t *root = load(PAIN_BASE);
    json_object_set_new(root, "a/b", json_true());
    json_object_set_new(root, "c~d", json_true());
    struct run run;
    run_pain(&run, root);
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/a~1b", "/c~0d", NULL);
    run_done(&run);
}

static void
test_pain_dose_field_in_pain_entry_is_unknown(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "taken_at", json_string("2026-03-01T08:30:00Z")), "/taken_at");
}

static void
test_pain_every_invalid_field_is_reported_at_once(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, load("{\"id\": \"nope\", \"recorded_at\": \"yesterday\", \"score\": 11,"
                        " \"enjoyment\": -1, \"activity\": \"3\", \"locations\": [\"Knee\"],"
                        " \"qualities\": [\"itchy\"], \"evoked_by\": [\"wind\"],"
                        " \"note\": 3, \"mood\": 2}"));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/id", "/recorded_at", "/score", "/enjoyment", "/activity",
                    "/locations/0", "/qualities/0", "/evoked_by/0", "/note", "/mood", NULL);
    run_done(&run);
}

/* ---------- pain: score and PEG items ---------- */

static void
test_pain_score_accepts_0_and_10(void **state)
{
    (void)state;
    pain_accepts(with(PAIN_BASE, "score", json_integer(0)));
    pain_accepts(with(PAIN_BASE, "score", json_integer(10)));
}

static void
test_pain_score_rejects_minus_1_and_11(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "score", json_integer(-1)), "/score");
    pain_rejects(with(PAIN_BASE, "score", json_integer(11)), "/score");
}

static void
test_pain_score_rejects_real_string_and_bool(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "score", json_real(5.0)), "/score");
    pain_rejects(load("{\"recorded_at\": \"2026-03-01T08:30:00Z\", \"score\": 5.0}"), "/score");
    pain_rejects(with(PAIN_BASE, "score", json_string("5")), "/score");
    pain_rejects(with(PAIN_BASE, "score", json_true()), "/score");
    pain_rejects(with(PAIN_BASE, "score", json_array()), "/score");
}

static void
test_pain_score_missing_is_required(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "score", NULL));
    expect_pointers(&run.errs, "/score", NULL);
    assert_string_equal(detail_of(&run.errs, "/score"), "is required");
    run_done(&run);
}

static void
test_pain_peg_items_follow_the_score_rule(void **state)
{
    (void)state;
    pain_accepts(with(PAIN_BASE, "enjoyment", json_integer(0)));
    pain_accepts(with(PAIN_BASE, "enjoyment", json_integer(10)));
    pain_rejects(with(PAIN_BASE, "enjoyment", json_integer(11)), "/enjoyment");
    pain_rejects(with(PAIN_BASE, "enjoyment", json_real(2.5)), "/enjoyment");
    pain_accepts(with(PAIN_BASE, "activity", json_integer(0)));
    pain_accepts(with(PAIN_BASE, "activity", json_integer(10)));
    pain_rejects(with(PAIN_BASE, "activity", json_integer(-1)), "/activity");
    pain_rejects(with(PAIN_BASE, "activity", json_string("high")), "/activity");
}

/* ---------- pain: recorded_at ---------- */

static void
test_pain_time_without_offset_is_rejected(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("2026-03-01T08:30:00")),
                 "/recorded_at");
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("2026-03-01")), "/recorded_at");
    pain_rejects(with(PAIN_BASE, "recorded_at", json_integer(1772353800)), "/recorded_at");
}

static void
test_pain_time_with_lowercase_z_is_accepted(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "recorded_at", json_string("2026-03-01t08:30:00z")));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.pain.items[0].recorded_at, US(1772353800));
    run_done(&run);
}

static void
test_pain_time_keeps_fractional_microseconds(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "recorded_at", json_string("2026-03-01T08:30:00.123456Z")));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.pain.items[0].recorded_at, US(1772353800) + 123456);
    run_done(&run);
}

static void
test_pain_time_five_minutes_ahead_is_the_limit(void **state)
{
    (void)state;
    pain_accepts(with(PAIN_BASE, "recorded_at", json_string("2026-03-01T12:05:00Z")));
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("2026-03-01T12:05:01Z")),
                 "/recorded_at");
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("2026-03-01T12:05:00.000001Z")),
                 "/recorded_at");
    /* the same instant written with an offset */
    pain_accepts(with(PAIN_BASE, "recorded_at", json_string("2026-03-01T07:05:00-05:00")));
}

static void
test_pain_time_window_follows_the_given_now(void **state)
{
    (void)state;
    /* 2026-03-01T12:05:00Z is 300 s after now when now is 12:00 and 301 s after 11:59:59 */
    pain_accepts_at(with(PAIN_BASE, "recorded_at", json_string("2026-03-01T12:05:00Z")), NOW_US);
    pain_rejects_at(with(PAIN_BASE, "recorded_at", json_string("2026-03-01T12:05:00Z")),
                    NOW_US - US(1), "/recorded_at");
}

static void
test_pain_time_future_detail_says_five_minutes(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "recorded_at", json_string("2027-01-01T00:00:00Z")));
    expect_pointers(&run.errs, "/recorded_at", NULL);
    assert_string_equal(detail_of(&run.errs, "/recorded_at"),
                        "must not be more than 5 minutes in the future");
    run_done(&run);
}

static void
test_pain_time_before_2000_is_rejected(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "recorded_at", json_string("1999-12-31T23:59:59Z")));
    expect_pointers(&run.errs, "/recorded_at", NULL);
    assert_string_equal(detail_of(&run.errs, "/recorded_at"), "must not be before 2000-01-01");
    run_done(&run);
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("1999-12-31T23:59:59.999999Z")),
                 "/recorded_at");
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("2000-01-01T00:30:00+01:00")),
                 "/recorded_at");
}

static void
test_pain_time_at_2000_01_01_is_accepted(void **state)
{
    (void)state;
    pain_accepts(with(PAIN_BASE, "recorded_at", json_string("2000-01-01T00:00:00Z")));
    pain_accepts(with(PAIN_BASE, "recorded_at", json_string("1999-12-31T19:00:00-05:00")));
}

static void
test_pain_time_calendar_dates_must_exist(void **state)
{
    (void)state;
    pain_accepts(with(PAIN_BASE, "recorded_at", json_string("2024-02-29T10:00:00Z")));
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("2023-02-29T10:00:00Z")),
                 "/recorded_at");
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("2024-02-30T10:00:00Z")),
                 "/recorded_at");
    pain_rejects(with(PAIN_BASE, "recorded_at", json_string("2025-04-31T10:00:00Z")),
                 "/recorded_at");
}

/* ---------- pain: locations, qualities, evoked_by ---------- */

static json_t *
locations(size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char token[16];
        (void)snprintf(token, sizeof(token), "region_%zu", i);
        json_array_append_new(list, json_string(token));
    }
    return list;
}

static void
test_pain_16_locations_are_accepted_in_order(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "locations", locations(16)));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.pain.items[0].nlocations, 16);
    assert_string_equal(run.pain.items[0].locations[0], "region_0");
    assert_string_equal(run.pain.items[0].locations[15], "region_15");
    run_done(&run);
}

static void
test_pain_17_locations_are_rejected_as_a_whole(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "locations", locations(17)), "/locations");
}

static void
test_pain_locations_must_be_an_array(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "locations", json_string("knee")), "/locations");
    pain_rejects(with(PAIN_BASE, "locations", json_object()), "/locations");
}

static void
test_pain_empty_locations_array_is_accepted(void **state)
{
    (void)state;
    pain_accepts(with(PAIN_BASE, "locations", json_array()));
}

static void
test_pain_location_of_40_chars_is_accepted_and_41_rejected(void **state)
{
    (void)state;
    struct run run;
    json_t *list = json_array();
    json_array_append_new(list, repeat_string("a", 40));
    run_pain(&run, with(PAIN_BASE, "locations", list));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(strlen(run.pain.items[0].locations[0]), 40);
    run_done(&run);

    list = json_array();
    json_array_append_new(list, json_string("knee"));
    json_array_append_new(list, repeat_string("a", 41));
    pain_rejects(with(PAIN_BASE, "locations", list), "/locations/1");
}

static void
test_pain_location_tokens_must_match_the_pattern(void **state)
{
    (void)state;
    json_t *list = load("[\"ok_1\", \"Knee\", \"1knee\", \"\", \"left-knee\", 7, \"_x\","
                        " \"knee \", null]");
    struct run run;
    run_pain(&run, with(PAIN_BASE, "locations", list));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/locations/1", "/locations/2", "/locations/3", "/locations/4",
                    "/locations/5", "/locations/6", "/locations/7", "/locations/8", NULL);
    run_done(&run);
}

static void
test_pain_repeated_location_is_rejected_at_its_index(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "locations", load("[\"knee\", \"hip\", \"knee\"]")));
    expect_pointers(&run.errs, "/locations/2", NULL);
    assert_string_equal(detail_of(&run.errs, "/locations/2"), "is repeated");
    run_done(&run);
}

static void
test_pain_qualities_outside_vocabulary_are_rejected(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "qualities", load("[\"itchy\"]")), "/qualities/0");
    pain_rejects(with(PAIN_BASE, "qualities", load("[\"dull\", \"Sharp\"]")), "/qualities/1");
    pain_rejects(with(PAIN_BASE, "qualities", load("[\"dull\", 3]")), "/qualities/1");
    pain_rejects(with(PAIN_BASE, "qualities", json_string("dull")), "/qualities");
}

static void
test_pain_repeated_quality_is_rejected(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "qualities", load("[\"dull\", \"burning\", \"dull\"]")));
    expect_pointers(&run.errs, "/qualities/2", NULL);
    assert_string_equal(detail_of(&run.errs, "/qualities/2"), "is repeated");
    run_done(&run);
}

static void
test_pain_all_ten_qualities_set_ten_bits(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "qualities",
                        load("[\"tingling\", \"throbbing\", \"stabbing\", \"shooting\", "
                             "\"sharp\", \"electric\", \"dull\", \"cramping\", \"burning\", "
                             "\"aching\"]")));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.pain.items[0].qualities, 0x3ffu);
    run_done(&run);
}

static void
test_pain_evoked_by_outside_vocabulary_is_rejected(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "evoked_by", load("[\"cold\", \"wind\"]")), "/evoked_by/1");
    pain_rejects(with(PAIN_BASE, "evoked_by", load("[\"heat\", \"heat\"]")), "/evoked_by/1");
    pain_rejects(with(PAIN_BASE, "evoked_by", json_integer(1)), "/evoked_by");
}

static void
test_pain_evoked_by_sets_bits_in_vocabulary_order(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "evoked_by", load("[\"pressure\", \"cold\", \"heat\"]")));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.pain.items[0].evoked, (1u << 1) | (1u << 2) | (1u << 3));
    run_done(&run);
}

/* ---------- pain: note ---------- */

static void
test_pain_note_of_1000_chars_is_accepted(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "note", repeat_string("x", 1000)));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(strlen(run.pain.items[0].note), 1000);
    run_done(&run);
}

static void
test_pain_note_of_1001_chars_is_rejected(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "note", repeat_string("x", 1001)), "/note");
}

static void
test_pain_note_counts_characters_not_bytes(void **state)
{
    (void)state;
    pain_accepts(with(PAIN_BASE, "note", repeat_string("\xc3\xa9", 1000)));         /* é */
    pain_accepts(with(PAIN_BASE, "note", repeat_string("\xe2\x82\xac", 1000)));     /* € */
    pain_accepts(with(PAIN_BASE, "note", repeat_string("\xf0\x9f\x98\x80", 1000))); /* 😀 */
    pain_rejects(with(PAIN_BASE, "note", repeat_string("\xe2\x82\xac", 1001)), "/note");
}

static void
test_pain_empty_note_is_accepted(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "note", json_string("")));
    expect_pointers(&run.errs, NULL);
    assert_string_equal(run.pain.items[0].note, "");
    run_done(&run);
}

static void
test_pain_note_must_be_a_string(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "note", json_integer(5)), "/note");
    pain_rejects(with(PAIN_BASE, "note", load("[\"a\"]")), "/note");
}

/* ---------- pain: ids ---------- */

static void
test_pain_id_is_normalized_to_lowercase(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, with(PAIN_BASE, "id", json_string("ABCDEF01-2345-6789-ABCD-EF0123456789")));
    expect_pointers(&run.errs, NULL);
    assert_string_equal(run.pain.items[0].id, "abcdef01-2345-6789-abcd-ef0123456789");
    run_done(&run);
}

static void
test_pain_malformed_id_is_rejected(void **state)
{
    (void)state;
    pain_rejects(with(PAIN_BASE, "id", json_string("not-a-uuid")), "/id");
    pain_rejects(with(PAIN_BASE, "id", json_string("3f2504e0-4f89-41d3-9a0c-0305e82c330")), "/id");
    pain_rejects(with(PAIN_BASE, "id", json_string("3f2504e04f8941d39a0c0305e82c3301")), "/id");
    pain_rejects(with(PAIN_BASE, "id", json_string("{3f2504e0-4f89-41d3-9a0c-0305e82c3301}")),
                 "/id");
    pain_rejects(with(PAIN_BASE, "id", json_integer(1)), "/id");
}

static void
test_pain_missing_ids_are_generated_distinct_v4(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, batch_of(PAIN_BASE, 3));
    expect_pointers(&run.errs, NULL);
    for (size_t i = 0; i < 3; i++)
        assert_true(is_uuid_v4(run.pain.items[i].id));
    assert_string_not_equal(run.pain.items[0].id, run.pain.items[1].id);
    assert_string_not_equal(run.pain.items[1].id, run.pain.items[2].id);
    run_done(&run);
}

/* ---------- batches and shape ---------- */

static void
test_top_level_array_is_bad_shape(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, load("[{\"recorded_at\": \"2026-03-01T08:30:00Z\", \"score\": 5}]"));
    assert_int_equal(run.r, PARSE_BAD_SHAPE);
    assert_null(run.pain.items);
    assert_int_equal(run.pain.count, 0);
    assert_int_equal(run.errs.count, 0);
    run_done(&run);
    run_dose(&run, load("[]"));
    assert_int_equal(run.r, PARSE_BAD_SHAPE);
    run_done(&run);
    run_pain(&run, json_integer(3));
    assert_int_equal(run.r, PARSE_BAD_SHAPE);
    run_done(&run);
}

static void
test_batch_of_one_is_a_batch(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, batch_of(PAIN_BASE, 1));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    assert_true(run.pain.is_batch);
    assert_int_equal(run.pain.count, 1);
    assert_int_equal(run.pain.items[0].score, 5);
    run_done(&run);
}

static void
test_batch_of_zero_is_rejected_at_entries(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, batch_of(PAIN_BASE, 0));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/entries", NULL);
    assert_null(run.pain.items);
    assert_int_equal(run.pain.count, 0);
    run_done(&run);
}

static void
test_batch_of_1000_is_accepted(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, batch_of(PAIN_BASE, 1000));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    assert_int_equal(run.pain.count, 1000);
    assert_int_equal(run.pain.items[999].score, 5);
    assert_true(is_uuid_v4(run.pain.items[999].id));
    run_done(&run);
}

static void
test_batch_of_1001_is_rejected_at_entries(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, batch_of(PAIN_BASE, 1001));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/entries", NULL);
    run_done(&run);
}

static void
test_batch_entries_not_an_array_is_rejected(void **state)
{
    (void)state;
    struct run run;
    run_pain(&run, load("{\"entries\": {\"score\": 5}}"));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/entries", NULL);
    run_done(&run);
    run_pain(&run, load("{\"entries\": null}"));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/entries", NULL);
    run_done(&run);
}

static void
test_batch_errors_point_into_the_entry(void **state)
{
    (void)state;
    json_t *root = batch_of(PAIN_BASE, 5);
    json_t *list = json_object_get(root, "entries");
    json_object_set_new(json_array_get(list, 3), "score", json_integer(11));
    json_object_set_new(json_array_get(list, 4), "locations", load("[\"ok\", \"Bad\"]"));
    json_array_set_new(list, 1, json_string("entry"));
    struct run run;
    run_pain(&run, root);
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/entries/1", "/entries/3/score", "/entries/4/locations/1", NULL);
    assert_string_equal(detail_of(&run.errs, "/entries/3/score"),
                        "must be an integer from 0 to 10");
    run_done(&run);
}

static void
test_batch_with_extra_top_level_key_is_rejected(void **state)
{
    (void)state;
    json_t *root = batch_of(PAIN_BASE, 2);
    json_object_set_new(root, "patient_id", json_string("x"));
    struct run run;
    run_pain(&run, root);
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/patient_id", NULL);
    run_done(&run);
}

/* ---------- doses ---------- */

static void
test_dose_oral_oxycodone_10_mg_is_15_mme(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, load(DOSE_BASE));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    assert_false(run.dose.is_batch);
    assert_int_equal(run.dose.count, 1);
    const struct dose_entry *e = &run.dose.items[0];
    assert_ptr_equal(e->med, catalog_find(&catalog, "oxycodone"));
    assert_string_equal(e->form->route, "oral");
    assert_int_equal(e->taken_at, US(1772352000));
    assert_double_is(e->dose, 10.0);
    assert_false(e->has_duration);
    assert_true(e->has_mme);
    assert_double_is(e->mme, 15.0);
    assert_null(e->note);
    assert_true(is_uuid_v4(e->id));
    run_done(&run);
}

static void
test_dose_patch_defaults_to_72_hours_and_180_mme(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, load("{\"taken_at\": \"2026-03-01T08:00:00Z\", \"medication\": \"fentanyl\","
                        " \"dose\": 25, \"unit\": \"mcg/h\", \"route\": \"transdermal\"}"));
    expect_pointers(&run.errs, NULL);
    const struct dose_entry *e = &run.dose.items[0];
    assert_true(e->has_duration);
    assert_double_is(e->duration_hours, 72.0);
    assert_true(e->has_mme);
    assert_double_is(e->mme, 180.0); /* 25 x 2.4 x 72 / 24 */
    run_done(&run);
}

static void
test_dose_patch_spreads_over_given_hours(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, load("{\"taken_at\": \"2026-03-01T08:00:00Z\", \"medication\": \"fentanyl\","
                        " \"dose\": 25, \"unit\": \"mcg/h\", \"route\": \"transdermal\","
                        " \"duration_hours\": 48}"));
    expect_pointers(&run.errs, NULL);
    assert_double_is(run.dose.items[0].duration_hours, 48.0);
    assert_double_is(run.dose.items[0].mme, 120.0);
    run_done(&run);
}

static void
test_dose_buprenorphine_has_no_mme(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, load("{\"taken_at\": \"2026-03-01T08:00:00Z\", \"medication\":"
                        " \"buprenorphine\", \"dose\": 8, \"unit\": \"mg\","
                        " \"route\": \"sublingual\"}"));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    assert_int_equal(run.dose.items[0].med->med_class, MED_OPIOID);
    assert_false(run.dose.items[0].has_mme);
    run_done(&run);
}

static void
test_dose_gabapentin_has_no_mme(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, load("{\"taken_at\": \"2026-03-01T08:00:00Z\", \"medication\":"
                        " \"gabapentin\", \"dose\": 300, \"unit\": \"mg\", \"route\": \"oral\"}"));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    assert_false(run.dose.items[0].has_mme);
    assert_int_equal(run.dose.items[0].med->med_class, MED_GABAPENTINOID);
    run_done(&run);
}

static void
test_dose_must_be_positive(void **state)
{
    (void)state;
    dose_rejects(with(DOSE_BASE, "dose", json_integer(0)), "/dose");
    dose_rejects(with(DOSE_BASE, "dose", json_real(0.0)), "/dose");
    dose_rejects(with(DOSE_BASE, "dose", json_integer(-1)), "/dose");
    dose_accepts(with(DOSE_BASE, "dose", json_real(0.001)));
}

static void
test_dose_must_be_a_number(void **state)
{
    (void)state;
    dose_rejects(with(DOSE_BASE, "dose", json_string("5")), "/dose");
    dose_rejects(with(DOSE_BASE, "dose", json_true()), "/dose");
}

static void
test_dose_missing_is_required_once(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, with(DOSE_BASE, "dose", NULL));
    expect_pointers(&run.errs, "/dose", NULL);
    assert_string_equal(detail_of(&run.errs, "/dose"), "is required");
    run_done(&run);
    dose_rejects(with(DOSE_BASE, "dose", json_null()), "/dose");
}

static void
test_dose_too_large_for_mme_is_rejected(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, with(DOSE_BASE, "dose", json_real(1e300)));
    expect_pointers(&run.errs, "/dose", NULL);
    assert_string_equal(detail_of(&run.errs, "/dose"), "is too large");
    run_done(&run);
}

static void
test_dose_duration_bounds(void **state)
{
    (void)state;
    dose_rejects(with(DOSE_BASE, "duration_hours", json_integer(0)), "/duration_hours");
    dose_rejects(with(DOSE_BASE, "duration_hours", json_integer(-24)), "/duration_hours");
    dose_rejects(with(DOSE_BASE, "duration_hours", json_real(168.5)), "/duration_hours");
    dose_rejects(with(DOSE_BASE, "duration_hours", json_string("72")), "/duration_hours");
    dose_accepts(with(DOSE_BASE, "duration_hours", json_integer(168)));
    dose_accepts(with(DOSE_BASE, "duration_hours", json_real(0.5)));
    dose_accepts(with(DOSE_BASE, "duration_hours", json_null()));
}

static void
test_dose_patch_of_168_hours_is_seven_days_of_mme(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, load("{\"taken_at\": \"2026-03-01T08:00:00Z\", \"medication\": \"fentanyl\","
                        " \"dose\": 12.5, \"unit\": \"mcg/h\", \"route\": \"transdermal\","
                        " \"duration_hours\": 168}"));
    expect_pointers(&run.errs, NULL);
    assert_double_is(run.dose.items[0].mme, 210.0); /* 12.5 x 2.4 x 7 */
    run_done(&run);
}

static void
test_dose_unit_must_match_the_catalog(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, with(DOSE_BASE, "unit", json_string("mcg")));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/unit", NULL);
    assert_null(run.dose.items[0].form);
    run_done(&run);
    dose_rejects(with(DOSE_BASE, "unit", json_string("MG")), "/unit");
}

static void
test_dose_unknown_route_is_rejected(void **state)
{
    (void)state;
    dose_rejects(with(DOSE_BASE, "route", json_string("rectal")), "/route");
    /* a route of another medication is still not this medication's */
    dose_rejects(with(DOSE_BASE, "route", json_string("transdermal")), "/route");
}

static void
test_dose_unknown_medication_is_rejected_alone(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, with(DOSE_BASE, "medication", json_string("unobtainium")));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/medication", NULL);
    assert_string_equal(detail_of(&run.errs, "/medication"),
                        "is not a medication key from GET /v1/medications");
    run_done(&run);
    dose_rejects(with(DOSE_BASE, "medication", json_string("Oxycodone")), "/medication");
}

static void
test_dose_empty_object_reports_every_required_field(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, load("{}"));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/taken_at", "/medication", "/route", "/unit", "/dose", NULL);
    run_done(&run);
}

static void
test_dose_string_fields_must_be_strings(void **state)
{
    (void)state;
    dose_rejects(with(DOSE_BASE, "medication", json_integer(1)), "/medication");
    dose_rejects(with(DOSE_BASE, "route", json_false()), "/route");
    dose_rejects(with(DOSE_BASE, "unit", json_integer(1)), "/unit");
}

static void
test_dose_time_follows_the_pain_window(void **state)
{
    (void)state;
    dose_rejects(with(DOSE_BASE, "taken_at", json_string("2026-03-01T12:05:01Z")), "/taken_at");
    dose_accepts(with(DOSE_BASE, "taken_at", json_string("2026-03-01T12:05:00Z")));
    dose_rejects(with(DOSE_BASE, "taken_at", json_string("1999-12-31T23:59:59Z")), "/taken_at");
    dose_rejects(with(DOSE_BASE, "taken_at", json_string("2026-03-01T08:00:00")), "/taken_at");
    dose_rejects(with(DOSE_BASE, "taken_at", NULL), "/taken_at");
}

static void
test_dose_note_and_id_rules(void **state)
{
    (void)state;
    dose_accepts(with(DOSE_BASE, "note", repeat_string("n", 1000)));
    dose_rejects(with(DOSE_BASE, "note", repeat_string("n", 1001)), "/note");
    dose_accepts(with(DOSE_BASE, "note", json_null()));
    dose_rejects(with(DOSE_BASE, "id", json_string("xyz")), "/id");
    struct run run;
    run_dose(&run, with(DOSE_BASE, "id", json_string("3F2504E0-4F89-41D3-9A0C-0305E82C3301")));
    expect_pointers(&run.errs, NULL);
    assert_string_equal(run.dose.items[0].id, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    run_done(&run);
}

static void
test_dose_pain_field_is_unknown(void **state)
{
    (void)state;
    dose_rejects(with(DOSE_BASE, "recorded_at", json_string("2026-03-01T08:00:00Z")),
                 "/recorded_at");
}

static void
test_dose_batch_errors_point_into_the_entry(void **state)
{
    (void)state;
    json_t *root = batch_of(DOSE_BASE, 3);
    json_t *list = json_object_get(root, "entries");
    json_object_set_new(json_array_get(list, 2), "unit", json_string("g"));
    struct run run;
    run_dose(&run, root);
    assert_int_equal(run.r, PARSE_INVALID);
    assert_true(run.dose.is_batch);
    expect_pointers(&run.errs, "/entries/2/unit", NULL);
    run_done(&run);
}

static void
test_dose_batch_of_1001_is_rejected_at_entries(void **state)
{
    (void)state;
    struct run run;
    run_dose(&run, batch_of(DOSE_BASE, 1001));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/entries", NULL);
    run_done(&run);
    run_dose(&run, batch_of(DOSE_BASE, 1000));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.dose.count, 1000);
    assert_double_is(run.dose.items[999].mme, 15.0);
    run_done(&run);
}

/* ---------- patients ---------- */

struct patient_run {
    json_t *root;
    enum parse_result r;
    struct patient_input in;
    struct field_errors errs;
};

static void
run_patient(struct patient_run *run, json_t *root)
{
    memset(run, 0, sizeof(*run));
    run->root = root;
    run->r = parse_patient_body(root, &zones, &run->in, &run->errs);
}

static void
patient_done(struct patient_run *run)
{
    field_errors_cleanup(&run->errs);
    json_decref(run->root);
}

static void
patient_rejects(json_t *root, const char *pointer)
{
    struct patient_run run;
    run_patient(&run, root);
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, pointer, NULL);
    patient_done(&run);
}

static void
test_patient_empty_body_defaults_to_utc(void **state)
{
    (void)state;
    struct patient_run run;
    run_patient(&run, load("{}"));
    assert_int_equal(run.r, PARSE_OK);
    assert_null(run.in.external_ref);
    assert_string_equal(run.in.timezone, "UTC");
    patient_done(&run);
    run_patient(&run, load("{\"external_ref\": null, \"timezone\": null}"));
    assert_int_equal(run.r, PARSE_OK);
    assert_null(run.in.external_ref);
    assert_string_equal(run.in.timezone, "UTC");
    patient_done(&run);
}

static void
test_patient_known_timezone_is_accepted(void **state)
{
    (void)state;
    struct patient_run run;
    run_patient(&run,
                load("{\"external_ref\": \"portal-123\", \"timezone\": \"America/Chicago\"}"));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    assert_string_equal(run.in.external_ref, "portal-123");
    assert_string_equal(run.in.timezone, "America/Chicago");
    patient_done(&run);
}

static void
test_patient_unknown_timezone_is_rejected(void **state)
{
    (void)state;
    patient_rejects(load("{\"timezone\": \"Mars/Olympus\"}"), "/timezone");
    patient_rejects(load("{\"timezone\": \"america/chicago\"}"), "/timezone");
    patient_rejects(load("{\"timezone\": \"\"}"), "/timezone");
    patient_rejects(load("{\"timezone\": 5}"), "/timezone");
    json_t *root = json_object();
    json_object_set_new(root, "timezone", repeat_string("Z", 100));
    patient_rejects(root, "/timezone");
}

static void
test_patient_external_ref_of_128_chars_is_accepted_and_129_rejected(void **state)
{
    (void)state;
    struct patient_run run;
    json_t *root = json_object();
    json_object_set_new(root, "external_ref", repeat_string("r", 128));
    run_patient(&run, root);
    expect_pointers(&run.errs, NULL);
    assert_int_equal(strlen(run.in.external_ref), 128);
    patient_done(&run);

    root = json_object();
    json_object_set_new(root, "external_ref", repeat_string("\xc3\xa9", 128));
    run_patient(&run, root);
    expect_pointers(&run.errs, NULL);
    patient_done(&run);

    root = json_object();
    json_object_set_new(root, "external_ref", repeat_string("r", 129));
    patient_rejects(root, "/external_ref");
}

static void
test_patient_external_ref_must_be_a_non_empty_string(void **state)
{
    (void)state;
    patient_rejects(load("{\"external_ref\": \"\"}"), "/external_ref");
    patient_rejects(load("{\"external_ref\": 123}"), "/external_ref");
}

static void
test_patient_unknown_field_and_bad_shape(void **state)
{
    (void)state;
    patient_rejects(load("{\"timezone\": \"UTC\", \"name\": \"Ada\"}"), "/name");
    struct patient_run run;
    run_patient(&run, load("[\"UTC\"]"));
    assert_int_equal(run.r, PARSE_BAD_SHAPE);
    assert_int_equal(run.errs.count, 0);
    patient_done(&run);
}

/* ---------- tokens ---------- */

struct token_run {
    json_t *root;
    enum parse_result r;
    struct token_input in;
    struct field_errors errs;
};

static void
run_token(struct token_run *run, json_t *root)
{
    memset(run, 0, sizeof(*run));
    run->root = root;
    run->r = parse_token_body(root, NOW_US, &run->in, &run->errs);
}

static void
token_done(struct token_run *run)
{
    field_errors_cleanup(&run->errs);
    json_decref(run->root);
}

static void
token_rejects(json_t *root, const char *pointer)
{
    struct token_run run;
    run_token(&run, root);
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, pointer, NULL);
    token_done(&run);
}

static void
test_token_clinician_with_name_is_accepted(void **state)
{
    (void)state;
    struct token_run run;
    run_token(&run, load("{\"role\": \"clinician\", \"name\": \"Dr Ada\"}"));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.r, PARSE_OK);
    assert_int_equal(run.in.role, ROLE_CLINICIAN);
    assert_string_equal(run.in.name, "Dr Ada");
    assert_false(run.in.has_patient);
    token_done(&run);
}

static void
test_token_patient_role_takes_normalized_patient_id(void **state)
{
    (void)state;
    struct token_run run;
    run_token(&run, load("{\"role\": \"patient\", \"patient_id\":"
                         " \"3F2504E0-4F89-41D3-9A0C-0305E82C3301\"}"));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.in.role, ROLE_PATIENT);
    assert_true(run.in.has_patient);
    assert_string_equal(run.in.patient_id, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    assert_null(run.in.name);
    token_done(&run);
}

static void
test_token_admin_role_is_accepted(void **state)
{
    (void)state;
    struct token_run run;
    run_token(&run, load("{\"role\": \"admin\", \"name\": null}"));
    expect_pointers(&run.errs, NULL);
    assert_int_equal(run.in.role, ROLE_ADMIN);
    assert_null(run.in.name);
    token_done(&run);
}

static void
test_token_role_missing_or_unknown_is_rejected(void **state)
{
    (void)state;
    struct token_run run;
    run_token(&run, load("{}"));
    expect_pointers(&run.errs, "/role", NULL);
    assert_string_equal(detail_of(&run.errs, "/role"), "is required");
    token_done(&run);
    token_rejects(load("{\"role\": \"superuser\"}"), "/role");
    token_rejects(load("{\"role\": \"Admin\"}"), "/role");
    token_rejects(load("{\"role\": 1}"), "/role");
    token_rejects(load("{\"role\": null}"), "/role");
}

static void
test_token_patient_role_requires_patient_id(void **state)
{
    (void)state;
    struct token_run run;
    run_token(&run, load("{\"role\": \"patient\"}"));
    expect_pointers(&run.errs, "/patient_id", NULL);
    assert_string_equal(detail_of(&run.errs, "/patient_id"), "is required for role patient");
    token_done(&run);
    token_rejects(load("{\"role\": \"patient\", \"patient_id\": null}"), "/patient_id");
    token_rejects(load("{\"role\": \"patient\", \"patient_id\": \"p-1\"}"), "/patient_id");
}

static void
test_token_clinician_role_with_patient_id_is_rejected(void **state)
{
    (void)state;
    struct token_run run;
    run_token(&run, load("{\"role\": \"clinician\", \"patient_id\":"
                         " \"3f2504e0-4f89-41d3-9a0c-0305e82c3301\"}"));
    assert_int_equal(run.r, PARSE_INVALID);
    expect_pointers(&run.errs, "/patient_id", NULL);
    assert_string_equal(detail_of(&run.errs, "/patient_id"), "is only allowed for role patient");
    token_done(&run);
    token_rejects(load("{\"role\": \"admin\", \"patient_id\":"
                       " \"3f2504e0-4f89-41d3-9a0c-0305e82c3301\"}"),
                  "/patient_id");
}

static void
test_token_name_of_200_chars_is_accepted_and_201_rejected(void **state)
{
    (void)state;
    struct token_run run;
    json_t *root = load("{\"role\": \"clinician\"}");
    json_object_set_new(root, "name", repeat_string("n", 200));
    run_token(&run, root);
    expect_pointers(&run.errs, NULL);
    assert_int_equal(strlen(run.in.name), 200);
    token_done(&run);

    root = load("{\"role\": \"clinician\"}");
    json_object_set_new(root, "name", repeat_string("n", 201));
    token_rejects(root, "/name");
    token_rejects(load("{\"role\": \"clinician\", \"name\": \"\"}"), "/name");
    token_rejects(load("{\"role\": \"clinician\", \"name\": 7}"), "/name");
}

static void
test_token_unknown_field_and_bad_shape(void **state)
{
    (void)state;
    token_rejects(load("{\"role\": \"admin\", \"scope\": \"all\"}"), "/scope");
    struct token_run run;
    run_token(&run, json_string("admin"));
    assert_int_equal(run.r, PARSE_BAD_SHAPE);
    token_done(&run);
}

/* ---------- query parameters ---------- */

struct param {
    const char *name, *value;
};

struct params {
    const struct param *items;
    size_t count;
};

static const char *
get_param(const void *ctx, const char *name)
{
    const struct params *p = ctx;
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(p->items[i].name, name) == 0)
            return p->items[i].value;
    }
    return NULL;
}

/* Parses limit (and no cursor); returns parse_page_params' result, *limit, and the number of
 * errors, all of which must name the "limit" parameter. */
static int
page_with_limit(const char *limit, int *out_limit)
{
    const struct param items[] = {{"limit", limit}};
    const struct params ps = {items, 1};
    struct page_params page;
    struct field_errors errs = {0};
    int rc = parse_page_params(get_param, &ps, CURSOR_TIME, &page, &errs);
    *out_limit = page.limit;
    if (rc < 0) {
        assert_int_equal(errs.count, 1);
        assert_string_equal(errs.items[0].pointer, "limit");
        assert_int_equal(errs.items[0].is_parameter, 1);
    } else {
        assert_int_equal(errs.count, 0);
    }
    field_errors_cleanup(&errs);
    return rc;
}

static void
test_page_defaults_to_100_without_cursor(void **state)
{
    (void)state;
    const struct params none = {NULL, 0};
    struct page_params page;
    struct field_errors errs = {0};
    assert_int_equal(parse_page_params(get_param, &none, CURSOR_TIME, &page, &errs), 0);
    assert_int_equal(page.limit, 100);
    assert_false(page.has_cursor);
    assert_int_equal(errs.count, 0);
    field_errors_cleanup(&errs);
}

static void
test_page_limit_accepts_1_and_500(void **state)
{
    (void)state;
    int limit;
    assert_int_equal(page_with_limit("1", &limit), 0);
    assert_int_equal(limit, 1);
    assert_int_equal(page_with_limit("500", &limit), 0);
    assert_int_equal(limit, 500);
}

static void
test_page_limit_rejects_0_501_and_non_numbers(void **state)
{
    (void)state;
    int limit;
    assert_int_equal(page_with_limit("0", &limit), -1);
    assert_int_equal(page_with_limit("501", &limit), -1);
    assert_int_equal(page_with_limit("abc", &limit), -1);
    assert_int_equal(page_with_limit("10x", &limit), -1);
    assert_int_equal(page_with_limit("", &limit), -1);
    assert_int_equal(page_with_limit("-5", &limit), -1);
    assert_int_equal(page_with_limit("+5", &limit), -1);
    assert_int_equal(page_with_limit(" 5", &limit), -1);
    assert_int_equal(page_with_limit("1.5", &limit), -1);
    assert_int_equal(page_with_limit("99999999999999999999999", &limit), -1);
}

static void
test_page_garbage_cursor_is_rejected(void **state)
{
    (void)state;
    const char *bad[] = {"garbage", "", "01", "zz000000000000000000000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const struct param items[] = {{"cursor", bad[i]}};
        const struct params ps = {items, 1};
        struct page_params page;
        struct field_errors errs = {0};
        assert_int_equal(parse_page_params(get_param, &ps, CURSOR_TIME, &page, &errs), -1);
        assert_int_equal(errs.count, 1);
        assert_string_equal(errs.items[0].pointer, "cursor");
        assert_int_equal(errs.items[0].is_parameter, 1);
        assert_false(page.has_cursor);
        field_errors_cleanup(&errs);
    }
}

static void
test_page_cursor_from_cursor_encode_is_accepted(void **state)
{
    (void)state;
    struct cursor c = {.key = INT64_C(1772353800123456)};
    char text[CURSOR_TEXT_MAX];
    (void)snprintf(c.id, sizeof(c.id), "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    cursor_encode(&c, CURSOR_TIME, text);
    const struct param items[] = {{"limit", "20"}, {"cursor", text}};
    const struct params ps = {items, 2};
    struct page_params page;
    struct field_errors errs = {0};
    assert_int_equal(parse_page_params(get_param, &ps, CURSOR_TIME, &page, &errs), 0);
    assert_int_equal(errs.count, 0);
    assert_int_equal(page.limit, 20);
    assert_true(page.has_cursor);
    assert_int_equal(page.cursor.key, c.key);
    assert_string_equal(page.cursor.id, c.id);
    field_errors_cleanup(&errs);
}

static void
test_page_bad_limit_and_cursor_are_both_reported(void **state)
{
    (void)state;
    const struct param items[] = {{"limit", "0"}, {"cursor", "x"}};
    const struct params ps = {items, 2};
    struct page_params page;
    struct field_errors errs = {0};
    assert_int_equal(parse_page_params(get_param, &ps, CURSOR_TIME, &page, &errs), -1);
    expect_pointers(&errs, "limit", "cursor", NULL);
    field_errors_cleanup(&errs);
}

static int
time_param(const char *value, bool *has, int64_t *out, struct field_errors *errs)
{
    const struct param items[] = {{"from", value}};
    const struct params ps = {items, value ? 1u : 0u};
    return parse_time_param(get_param, &ps, "from", has, out, errs);
}

static void
test_time_param_absent_is_not_an_error(void **state)
{
    (void)state;
    bool has = true;
    int64_t t = 0;
    struct field_errors errs = {0};
    assert_int_equal(time_param(NULL, &has, &t, &errs), 0);
    assert_false(has);
    assert_int_equal(errs.count, 0);
}

static void
test_time_param_accepts_z_and_offsets(void **state)
{
    (void)state;
    bool has = false;
    int64_t t = 0;
    struct field_errors errs = {0};
    assert_int_equal(time_param("2026-03-01T08:30:00Z", &has, &t, &errs), 0);
    assert_true(has);
    assert_int_equal(t, US(1772353800));
    assert_int_equal(time_param("2026-03-01T13:30:00+05:00", &has, &t, &errs), 0);
    assert_int_equal(t, US(1772353800));
    assert_int_equal(time_param("2026-03-01T03:30:00-05:00", &has, &t, &errs), 0);
    assert_int_equal(t, US(1772353800));
    assert_int_equal(errs.count, 0);
}

static void
test_time_param_reads_space_as_plus(void **state)
{
    (void)state;
    bool has = false;
    int64_t t = 0;
    struct field_errors errs = {0};
    assert_int_equal(time_param("2026-03-01T13:30:00 05:00", &has, &t, &errs), 0);
    assert_true(has);
    assert_int_equal(t, US(1772353800));
    assert_int_equal(errs.count, 0);
}

static void
test_time_param_rejects_malformed_values(void **state)
{
    (void)state;
    const char *bad[] = {"yesterday", "2026-03-01T08:30:00", "", "2026-02-30T00:00:00Z",
                         "2026-03-01T08:30:00Z 2026-03-01T08:30:00Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bool has = true;
        int64_t t = 0;
        struct field_errors errs = {0};
        assert_int_equal(time_param(bad[i], &has, &t, &errs), -1);
        assert_false(has);
        assert_int_equal(errs.count, 1);
        assert_string_equal(errs.items[0].pointer, "from");
        assert_int_equal(errs.items[0].is_parameter, 1);
        field_errors_cleanup(&errs);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pain_minimal_entry_is_parsed_with_defaults),
        cmocka_unit_test(test_pain_full_entry_is_parsed_field_by_field),
        cmocka_unit_test(test_pain_null_optional_fields_are_absent),
        cmocka_unit_test(test_pain_empty_object_reports_both_required_fields),
        cmocka_unit_test(test_pain_null_required_fields_count_as_missing),
        cmocka_unit_test(test_pain_unknown_field_is_named),
        cmocka_unit_test(test_pain_unknown_field_name_is_pointer_escaped),
        cmocka_unit_test(test_pain_dose_field_in_pain_entry_is_unknown),
        cmocka_unit_test(test_pain_every_invalid_field_is_reported_at_once),
        cmocka_unit_test(test_pain_score_accepts_0_and_10),
        cmocka_unit_test(test_pain_score_rejects_minus_1_and_11),
        cmocka_unit_test(test_pain_score_rejects_real_string_and_bool),
        cmocka_unit_test(test_pain_score_missing_is_required),
        cmocka_unit_test(test_pain_peg_items_follow_the_score_rule),
        cmocka_unit_test(test_pain_time_without_offset_is_rejected),
        cmocka_unit_test(test_pain_time_with_lowercase_z_is_accepted),
        cmocka_unit_test(test_pain_time_keeps_fractional_microseconds),
        cmocka_unit_test(test_pain_time_five_minutes_ahead_is_the_limit),
        cmocka_unit_test(test_pain_time_window_follows_the_given_now),
        cmocka_unit_test(test_pain_time_future_detail_says_five_minutes),
        cmocka_unit_test(test_pain_time_before_2000_is_rejected),
        cmocka_unit_test(test_pain_time_at_2000_01_01_is_accepted),
        cmocka_unit_test(test_pain_time_calendar_dates_must_exist),
        cmocka_unit_test(test_pain_16_locations_are_accepted_in_order),
        cmocka_unit_test(test_pain_17_locations_are_rejected_as_a_whole),
        cmocka_unit_test(test_pain_locations_must_be_an_array),
        cmocka_unit_test(test_pain_empty_locations_array_is_accepted),
        cmocka_unit_test(test_pain_location_of_40_chars_is_accepted_and_41_rejected),
        cmocka_unit_test(test_pain_location_tokens_must_match_the_pattern),
        cmocka_unit_test(test_pain_repeated_location_is_rejected_at_its_index),
        cmocka_unit_test(test_pain_qualities_outside_vocabulary_are_rejected),
        cmocka_unit_test(test_pain_repeated_quality_is_rejected),
        cmocka_unit_test(test_pain_all_ten_qualities_set_ten_bits),
        cmocka_unit_test(test_pain_evoked_by_outside_vocabulary_is_rejected),
        cmocka_unit_test(test_pain_evoked_by_sets_bits_in_vocabulary_order),
        cmocka_unit_test(test_pain_note_of_1000_chars_is_accepted),
        cmocka_unit_test(test_pain_note_of_1001_chars_is_rejected),
        cmocka_unit_test(test_pain_note_counts_characters_not_bytes),
        cmocka_unit_test(test_pain_empty_note_is_accepted),
        cmocka_unit_test(test_pain_note_must_be_a_string),
        cmocka_unit_test(test_pain_id_is_normalized_to_lowercase),
        cmocka_unit_test(test_pain_malformed_id_is_rejected),
        cmocka_unit_test(test_pain_missing_ids_are_generated_distinct_v4),
        cmocka_unit_test(test_top_level_array_is_bad_shape),
        cmocka_unit_test(test_batch_of_one_is_a_batch),
        cmocka_unit_test(test_batch_of_zero_is_rejected_at_entries),
        cmocka_unit_test(test_batch_of_1000_is_accepted),
        cmocka_unit_test(test_batch_of_1001_is_rejected_at_entries),
        cmocka_unit_test(test_batch_entries_not_an_array_is_rejected),
        cmocka_unit_test(test_batch_errors_point_into_the_entry),
        cmocka_unit_test(test_batch_with_extra_top_level_key_is_rejected),
        cmocka_unit_test(test_dose_oral_oxycodone_10_mg_is_15_mme),
        cmocka_unit_test(test_dose_patch_defaults_to_72_hours_and_180_mme),
        cmocka_unit_test(test_dose_patch_spreads_over_given_hours),
        cmocka_unit_test(test_dose_buprenorphine_has_no_mme),
        cmocka_unit_test(test_dose_gabapentin_has_no_mme),
        cmocka_unit_test(test_dose_must_be_positive),
        cmocka_unit_test(test_dose_must_be_a_number),
        cmocka_unit_test(test_dose_missing_is_required_once),
        cmocka_unit_test(test_dose_too_large_for_mme_is_rejected),
        cmocka_unit_test(test_dose_duration_bounds),
        cmocka_unit_test(test_dose_patch_of_168_hours_is_seven_days_of_mme),
        cmocka_unit_test(test_dose_unit_must_match_the_catalog),
        cmocka_unit_test(test_dose_unknown_route_is_rejected),
        cmocka_unit_test(test_dose_unknown_medication_is_rejected_alone),
        cmocka_unit_test(test_dose_empty_object_reports_every_required_field),
        cmocka_unit_test(test_dose_string_fields_must_be_strings),
        cmocka_unit_test(test_dose_time_follows_the_pain_window),
        cmocka_unit_test(test_dose_note_and_id_rules),
        cmocka_unit_test(test_dose_pain_field_is_unknown),
        cmocka_unit_test(test_dose_batch_errors_point_into_the_entry),
        cmocka_unit_test(test_dose_batch_of_1001_is_rejected_at_entries),
        cmocka_unit_test(test_patient_empty_body_defaults_to_utc),
        cmocka_unit_test(test_patient_known_timezone_is_accepted),
        cmocka_unit_test(test_patient_unknown_timezone_is_rejected),
        cmocka_unit_test(test_patient_external_ref_of_128_chars_is_accepted_and_129_rejected),
        cmocka_unit_test(test_patient_external_ref_must_be_a_non_empty_string),
        cmocka_unit_test(test_patient_unknown_field_and_bad_shape),
        cmocka_unit_test(test_token_clinician_with_name_is_accepted),
        cmocka_unit_test(test_token_patient_role_takes_normalized_patient_id),
        cmocka_unit_test(test_token_admin_role_is_accepted),
        cmocka_unit_test(test_token_role_missing_or_unknown_is_rejected),
        cmocka_unit_test(test_token_patient_role_requires_patient_id),
        cmocka_unit_test(test_token_clinician_role_with_patient_id_is_rejected),
        cmocka_unit_test(test_token_name_of_200_chars_is_accepted_and_201_rejected),
        cmocka_unit_test(test_token_unknown_field_and_bad_shape),
        cmocka_unit_test(test_page_defaults_to_100_without_cursor),
        cmocka_unit_test(test_page_limit_accepts_1_and_500),
        cmocka_unit_test(test_page_limit_rejects_0_501_and_non_numbers),
        cmocka_unit_test(test_page_garbage_cursor_is_rejected),
        cmocka_unit_test(test_page_cursor_from_cursor_encode_is_accepted),
        cmocka_unit_test(test_page_bad_limit_and_cursor_are_both_reported),
        cmocka_unit_test(test_time_param_absent_is_not_an_error),
        cmocka_unit_test(test_time_param_accepts_z_and_offsets),
        cmocka_unit_test(test_time_param_reads_space_as_plus),
        cmocka_unit_test(test_time_param_rejects_malformed_values),
    };
    return cmocka_run_group_tests(tests, setup_catalog_and_zones, teardown_catalog_and_zones);
}
