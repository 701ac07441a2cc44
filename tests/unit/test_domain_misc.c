/* Unit tests of the small domain rules: uuid_normalize, the pain vocabularies and UTF-8
 * helpers, field_errors pointers (escaping, truncation), request_id_ok, the PEG score,
 * the entry time window, and catalog, zone and role lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/catalog.h"
#include "domain/entry.h"
#include "domain/field_errors.h"
#include "domain/principal.h"
#include "domain/uuid.h"
#include "domain/vocab.h"
#include "domain/zones.h"
#include "http/dispatch.h"

#define assert_double_is(actual, expected)                                                         \
    do {                                                                                           \
        double a_ = (actual), e_ = (expected);                                                     \
        if (a_ != e_)                                                                              \
            fail_msg("%s is %.17g, expected %.17g", #actual, a_, e_);                              \
    } while (0)

static char *
repeat(const char *unit, size_t times)
{
    size_t n = strlen(unit);
    char *buf = malloc(n * times + 1);
    assert_non_null(buf);
    for (size_t i = 0; i < times; i++)
        memcpy(buf + i * n, unit, n);
    buf[n * times] = '\0';
    return buf;
}

/* ---------- uuid ---------- */

static void
test_uuid_lowercase_is_kept(void **state)
{
    (void)state;
    char out[37];
    assert_true(uuid_normalize("3f2504e0-4f89-41d3-9a0c-0305e82c3301", out));
    assert_string_equal(out, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
}

static void
test_uuid_case_is_folded_to_lowercase(void **state)
{
    (void)state;
    char out[37];
    assert_true(uuid_normalize("3F2504E0-4F89-41D3-9A0C-0305E82C3301", out));
    assert_string_equal(out, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    assert_true(uuid_normalize("AbCdEf01-2345-6789-aBcD-eF0123456789", out));
    assert_string_equal(out, "abcdef01-2345-6789-abcd-ef0123456789");
}

static void
test_uuid_out_may_be_null(void **state)
{
    (void)state;
    assert_true(uuid_normalize("3f2504e0-4f89-41d3-9a0c-0305e82c3301", NULL));
    assert_false(uuid_normalize("nope", NULL));
}

static void
test_uuid_wrong_dash_positions_are_rejected(void **state)
{
    (void)state;
    assert_false(uuid_normalize("3f2504e04-f89-41d3-9a0c-0305e82c3301", NULL));
    assert_false(uuid_normalize("3f2504e0-4f8941d3-9a0c--0305e82c3301", NULL));
    assert_false(uuid_normalize("3f2504e0-4f89-41d3-9a0c0-305e82c3301", NULL));
    assert_false(uuid_normalize("3f2504e0-4f89-41d3-9a0c-0305e82c33-1", NULL));
    assert_false(uuid_normalize("3f2504e0x4f89x41d3x9a0cx0305e82c3301", NULL));
    assert_false(uuid_normalize("3f2504e004f89041d309a0c00305e82c3301", NULL));
}

static void
test_uuid_35_and_37_chars_are_rejected(void **state)
{
    (void)state;
    assert_false(uuid_normalize("3f2504e0-4f89-41d3-9a0c-0305e82c330", NULL));
    assert_false(uuid_normalize("3f2504e0-4f89-41d3-9a0c-0305e82c33011", NULL));
    assert_false(uuid_normalize("3f2504e0-4f89-41d3-9a0c-0305e82c3301 ", NULL));
    assert_false(uuid_normalize("3f2504e04f8941d39a0c0305e82c3301", NULL));
    assert_false(uuid_normalize("", NULL));
    assert_false(uuid_normalize(NULL, NULL));
}

static void
test_uuid_non_hex_digits_are_rejected(void **state)
{
    (void)state;
    assert_false(uuid_normalize("3f2504g0-4f89-41d3-9a0c-0305e82c3301", NULL));
    assert_false(uuid_normalize("3f2504e0-4f89-41d3-9a0c-0305e82c330 ", NULL));
    assert_false(uuid_normalize("{f2504e0-4f89-41d3-9a0c-0305e82c330}", NULL));
    assert_false(uuid_normalize("3f2504e0-4f89-41d3-9a0c-0305e82c33\xc3\xa9", NULL));
}

/* ---------- vocabularies and UTF-8 ---------- */

static void
test_location_token_rules(void **state)
{
    (void)state;
    char *forty = repeat("a", 40), *forty_one = repeat("a", 41);
    assert_true(vocab_location_ok("a"));
    assert_true(vocab_location_ok("lower_back"));
    assert_true(vocab_location_ok("knee_2"));
    assert_true(vocab_location_ok("z9_"));
    assert_true(vocab_location_ok(forty));
    assert_false(vocab_location_ok(forty_one));
    assert_false(vocab_location_ok(""));
    assert_false(vocab_location_ok("Knee"));
    assert_false(vocab_location_ok("kNee"));
    assert_false(vocab_location_ok("1knee"));
    assert_false(vocab_location_ok("_knee"));
    assert_false(vocab_location_ok("left-knee"));
    assert_false(vocab_location_ok("left knee"));
    assert_false(vocab_location_ok("kn\xc3\xa9\x65"));
    free(forty);
    free(forty_one);
}

static void
test_vocabularies_are_in_api_order(void **state)
{
    (void)state;
    static const char *const qualities[] = {"aching",    "burning", "cramping", "dull",
                                            "electric",  "sharp",   "shooting", "stabbing",
                                            "throbbing", "tingling"};
    static const char *const evoked[] = {"light_touch", "cold", "heat", "pressure", "movement"};
    for (int i = 0; i < QUALITY_COUNT; i++)
        assert_string_equal(vocab_qualities[i], qualities[i]);
    for (int i = 0; i < EVOKED_COUNT; i++)
        assert_string_equal(vocab_evoked[i], evoked[i]);
}

static void
test_vocab_index_finds_exact_words_only(void **state)
{
    (void)state;
    assert_int_equal(vocab_index(vocab_qualities, QUALITY_COUNT, "aching"), 0);
    assert_int_equal(vocab_index(vocab_qualities, QUALITY_COUNT, "tingling"), 9);
    assert_int_equal(vocab_index(vocab_evoked, EVOKED_COUNT, "movement"), 4);
    assert_int_equal(vocab_index(vocab_qualities, QUALITY_COUNT, "Aching"), -1);
    assert_int_equal(vocab_index(vocab_qualities, QUALITY_COUNT, "achin"), -1);
    assert_int_equal(vocab_index(vocab_qualities, QUALITY_COUNT, ""), -1);
    assert_int_equal(vocab_index(vocab_evoked, EVOKED_COUNT, "aching"), -1);
}

static void
test_utf8_length_counts_characters(void **state)
{
    (void)state;
    assert_int_equal(utf8_length(""), 0);
    assert_int_equal(utf8_length("abc"), 3);
    assert_int_equal(utf8_length("\xc3\xa9"), 1);         /* é */
    assert_int_equal(utf8_length("\xe2\x82\xac"), 1);     /* € */
    assert_int_equal(utf8_length("\xf0\x9f\x98\x80"), 1); /* 😀 */
    assert_int_equal(utf8_length("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"), 5);
}

static void
test_utf8_valid_rejects_malformed_sequences(void **state)
{
    (void)state;
    assert_true(utf8_valid("abc", 3));
    assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));
    assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
    assert_true(utf8_valid("", 0));
    assert_false(utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    assert_false(utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(utf8_valid("\xc3", 1));             /* truncated */
    assert_false(utf8_valid("\x80", 1));             /* lone continuation */
    assert_false(utf8_valid("a\0b", 3));             /* NUL */
    assert_false(utf8_valid("\xc3\x28", 2));         /* bad continuation */
}

/* ---------- field errors ---------- */

static void
test_field_error_joins_prefix_and_name(void **state)
{
    (void)state;
    struct field_errors errs = {0};
    field_errors_add(&errs, "", "score", "d1");
    field_errors_add(&errs, "/entries/3", "score", "d2");
    field_errors_add(&errs, "/entries/1", NULL, "d3");
    field_errors_add_index(&errs, "/locations", 2, "d4");
    field_errors_add_index(&errs, "/entries/7/qualities", 0, "d5");
    assert_int_equal(errs.count, 5);
    assert_string_equal(errs.items[0].pointer, "/score");
    assert_string_equal(errs.items[0].detail, "d1");
    assert_int_equal(errs.items[0].is_parameter, 0);
    assert_string_equal(errs.items[1].pointer, "/entries/3/score");
    assert_string_equal(errs.items[2].pointer, "/entries/1");
    assert_string_equal(errs.items[3].pointer, "/locations/2");
    assert_string_equal(errs.items[4].pointer, "/entries/7/qualities/0");
    assert_string_equal(errs.items[4].detail, "d5");
    field_errors_cleanup(&errs);
    assert_null(errs.items);
    assert_int_equal(errs.count, 0);
    assert_int_equal(errs.cap, 0);
}

static void
test_field_error_escapes_tilde_and_slash(void **state)
{
    (void)state;
    struct field_errors errs = {0};
    field_errors_add(&errs, "", "a~b", "d");
    field_errors_add(&errs, "", "a/b", "d");
    field_errors_add(&errs, "/entries/0", "~1/~", "d");
    field_errors_add(&errs, "", "", "d");
    assert_string_equal(errs.items[0].pointer, "/a~0b");
    assert_string_equal(errs.items[1].pointer, "/a~1b");
    assert_string_equal(errs.items[2].pointer, "/entries/0/~01~1~0");
    assert_string_equal(errs.items[3].pointer, "/");
    field_errors_cleanup(&errs);
}

static void
test_field_error_param_is_a_bare_name(void **state)
{
    (void)state;
    struct field_errors errs = {0};
    field_errors_add_param(&errs, "limit", "must be an integer from 1 to 500");
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.items[0].pointer, "limit");
    assert_int_equal(errs.items[0].is_parameter, 1);
    assert_string_equal(errs.items[0].detail, "must be an integer from 1 to 500");
    field_errors_cleanup(&errs);
}

static void
test_field_errors_grow_past_their_first_allocation(void **state)
{
    (void)state;
    struct field_errors errs = {0};
    for (size_t i = 0; i < 1000; i++)
        field_errors_add_index(&errs, "/entries", i, "d");
    assert_int_equal(errs.count, 1000);
    assert_true(errs.cap >= 1000);
    assert_string_equal(errs.items[0].pointer, "/entries/0");
    assert_string_equal(errs.items[999].pointer, "/entries/999");
    field_errors_cleanup(&errs);
}

static void
test_long_ascii_name_is_truncated_to_95_bytes(void **state)
{
    (void)state;
    struct field_errors errs = {0};
    char *name = repeat("a", 200);
    field_errors_add(&errs, "", name, "d");
    assert_int_equal(strlen(errs.items[0].pointer), FIELD_POINTER_MAX - 1);
    assert_int_equal(errs.items[0].pointer[0], '/');
    assert_int_equal(strspn(errs.items[0].pointer + 1, "a"), FIELD_POINTER_MAX - 2);
    free(name);
    field_errors_cleanup(&errs);
}

static void
test_truncation_keeps_multibyte_characters_whole(void **state)
{
    (void)state;
    static const char *const units[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                        "a\xe2\x82\xac", "ab\xf0\x9f\x98\x80"};
    static const size_t expected_len[] = {95, 94, 93, 94, 93};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        struct field_errors errs = {0};
        char *name = repeat(units[i], 100);
        field_errors_add(&errs, "", name, "d");
        const char *p = errs.items[0].pointer;
        if (!utf8_valid(p, strlen(p)))
            fail_msg("pointer %zu is not valid UTF-8 (%zu bytes)", i, strlen(p));
        assert_int_equal(strlen(p), expected_len[i]);
        assert_memory_equal(p + 1, name, strlen(p) - 1);
        free(name);
        field_errors_cleanup(&errs);
    }
}

static void
test_truncation_never_splits_an_escape(void **state)
{
    (void)state;
    struct field_errors errs = {0};
    char name[128];
    memset(name, 'a', 93);
    (void)snprintf(name + 93, sizeof(name) - 93, "~/x");
    field_errors_add(&errs, "", name, "d");
    const char *p = errs.items[0].pointer;
    assert_int_equal(strlen(p), 94); /* "/" + 93 'a': "~0" would need byte 95 and the NUL 96 */
    assert_int_equal(p[93], 'a');

    memset(name, 'a', 92);
    (void)snprintf(name + 92, sizeof(name) - 92, "/x");
    field_errors_add(&errs, "", name, "d");
    assert_string_equal(errs.items[1].pointer + 93, "~1");
    assert_int_equal(strlen(errs.items[1].pointer), 95);
    field_errors_cleanup(&errs);
}

static void
test_long_prefix_is_truncated_safely(void **state)
{
    (void)state;
    struct field_errors errs = {0};
    char *prefix = repeat("/x", 60);
    field_errors_add(&errs, prefix, "name", "d");
    field_errors_add_index(&errs, prefix, 12345, "d");
    assert_int_equal(strlen(errs.items[0].pointer), FIELD_POINTER_MAX - 1);
    assert_int_equal(strlen(errs.items[1].pointer), FIELD_POINTER_MAX - 1);
    assert_memory_equal(errs.items[0].pointer, prefix, FIELD_POINTER_MAX - 1);
    free(prefix);
    field_errors_cleanup(&errs);
}

/* ---------- request ids ---------- */

static void
test_request_id_accepts_the_allowed_alphabet(void **state)
{
    (void)state;
    char *max = repeat("a", 128);
    assert_true(request_id_ok("a"));
    assert_true(request_id_ok("req-123"));
    assert_true(request_id_ok("Trace.ID:42_x-Y"));
    assert_true(request_id_ok("3f2504e0-4f89-41d3-9a0c-0305e82c3301"));
    assert_true(request_id_ok(max));
    free(max);
}

static void
test_request_id_rejects_empty_long_and_other_chars(void **state)
{
    (void)state;
    char *long_id = repeat("a", 129);
    assert_false(request_id_ok(NULL));
    assert_false(request_id_ok(""));
    assert_false(request_id_ok(long_id));
    assert_false(request_id_ok("a b"));
    assert_false(request_id_ok("a/b"));
    assert_false(request_id_ok("a\nb"));
    assert_false(request_id_ok("a\r\nX-Evil: 1"));
    assert_false(request_id_ok("caf\xc3\xa9"));
    assert_false(request_id_ok("a\"b"));
    assert_false(request_id_ok("a+b"));
    free(long_id);
}

/* ---------- PEG and entry time ---------- */

static struct pain_entry
pain(int score, int enjoyment, int activity)
{
    struct pain_entry e;
    memset(&e, 0, sizeof(e));
    e.score = score;
    e.enjoyment = enjoyment;
    e.activity = activity;
    return e;
}

static double
peg(int score, int enjoyment, int activity)
{
    struct pain_entry e = pain(score, enjoyment, activity);
    double out = -1;
    if (!pain_entry_peg(&e, &out))
        fail_msg("no PEG for %d, %d, %d", score, enjoyment, activity);
    return out;
}

static void
test_peg_is_mean_rounded_to_one_decimal(void **state)
{
    (void)state;
    assert_double_is(peg(7, 5, 6), 6.0);
    assert_double_is(peg(7, 6, 6), 6.3);
    assert_double_is(peg(7, 7, 6), 6.7);
    assert_double_is(peg(1, 0, 0), 0.3);
    assert_double_is(peg(2, 0, 0), 0.7);
    assert_double_is(peg(0, 0, 0), 0.0);
    assert_double_is(peg(10, 10, 10), 10.0);
    assert_double_is(peg(10, 10, 9), 9.7);
}

static void
test_peg_needs_all_three_items(void **state)
{
    (void)state;
    double out = -7;
    struct pain_entry e = pain(5, -1, 5);
    assert_false(pain_entry_peg(&e, &out));
    e = pain(5, 5, -1);
    assert_false(pain_entry_peg(&e, &out));
    e = pain(5, -1, -1);
    assert_false(pain_entry_peg(&e, &out));
    assert_double_is(out, -7.0);
}

static void
test_entry_time_window_bounds(void **state)
{
    (void)state;
    const int64_t now = INT64_C(1772366400000000); /* 2026-03-01T12:00:00Z */
    assert_true(entry_time_ok(ENTRY_EARLIEST_US, now));
    assert_false(entry_time_ok(ENTRY_EARLIEST_US - 1, now));
    assert_true(entry_time_ok(now, now));
    assert_true(entry_time_ok(now + INT64_C(300000000), now));
    assert_false(entry_time_ok(now + INT64_C(300000001), now));
    assert_false(entry_time_ok(0, now));
    assert_false(entry_time_ok(-1, now));
    assert_int_equal(ENTRY_EARLIEST_US, INT64_C(946684800) * 1000000);
}

/* ---------- catalog, zones, roles ---------- */

static void
test_catalog_find_after_sort(void **state)
{
    (void)state;
    struct catalog cat = {0};
    static const char *const keys[] = {"tramadol", "codeine", "oxycodone", "gabapentin"};
    cat.count = 4;
    cat.meds = calloc(cat.count, sizeof(cat.meds[0]));
    assert_non_null(cat.meds);
    for (size_t i = 0; i < cat.count; i++)
        (void)snprintf(cat.meds[i].key, sizeof(cat.meds[i].key), "%s", keys[i]);
    (void)snprintf(cat.meds[2].forms[0].route, sizeof(cat.meds[2].forms[0].route), "oral");
    (void)snprintf(cat.meds[2].forms[1].route, sizeof(cat.meds[2].forms[1].route), "iv");
    cat.meds[2].nforms = 2;
    catalog_sort(&cat);
    assert_string_equal(cat.meds[0].key, "codeine");
    assert_string_equal(cat.meds[3].key, "tramadol");
    const struct medication *oxy = catalog_find(&cat, "oxycodone");
    assert_non_null(oxy);
    assert_string_equal(oxy->key, "oxycodone");
    assert_ptr_equal(medication_form(oxy, "iv"), &oxy->forms[1]);
    assert_null(medication_form(oxy, "rectal"));
    assert_null(catalog_find(&cat, "morphine"));
    assert_null(catalog_find(&cat, ""));
    catalog_cleanup(&cat);
    assert_null(cat.meds);
    assert_null(catalog_find(&cat, "codeine"));
}

static void
test_med_class_names_round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {"opioid",         "benzodiazepine", "gabapentinoid",
                                        "antidepressant", "nsaid",          "other"};
    for (int c = MED_OPIOID; c <= MED_OTHER; c++) {
        enum med_class back;
        assert_string_equal(med_class_name((enum med_class)c), names[c]);
        assert_int_equal(med_class_parse(names[c], &back), 0);
        assert_int_equal(back, c);
    }
    enum med_class unused;
    assert_int_equal(med_class_parse("Opioid", &unused), -1);
}

static void
test_zone_list_contains_after_sort(void **state)
{
    (void)state;
    static const char *const names[] = {"UTC", "America/Chicago", "Europe/Berlin"};
    struct zone_list zones = {0};
    char *long_name = repeat("A", ZONE_NAME_MAX);
    assert_false(zone_list_contains(&zones, "UTC"));
    zones.count = 3;
    zones.names = calloc(zones.count, sizeof(zones.names[0]));
    assert_non_null(zones.names);
    for (size_t i = 0; i < zones.count; i++)
        (void)snprintf(zones.names[i], ZONE_NAME_MAX, "%s", names[i]);
    zone_list_sort(&zones);
    assert_true(zone_list_contains(&zones, "UTC"));
    assert_true(zone_list_contains(&zones, "America/Chicago"));
    assert_true(zone_list_contains(&zones, "Europe/Berlin"));
    assert_false(zone_list_contains(&zones, "Mars/Olympus"));
    assert_false(zone_list_contains(&zones, "utc"));
    assert_false(zone_list_contains(&zones, long_name));
    free(long_name);
    zone_list_cleanup(&zones);
    assert_null(zones.names);
    assert_int_equal(zones.count, 0);
}

static void
test_role_names_round_trip(void **state)
{
    (void)state;
    enum role r;
    assert_int_equal(role_parse("patient", &r), 0);
    assert_int_equal(r, ROLE_PATIENT);
    assert_int_equal(role_parse("clinician", &r), 0);
    assert_int_equal(r, ROLE_CLINICIAN);
    assert_int_equal(role_parse("admin", &r), 0);
    assert_int_equal(r, ROLE_ADMIN);
    assert_int_equal(role_parse("root", &r), -1);
    assert_string_equal(role_name(ROLE_CLINICIAN), "clinician");
    assert_string_equal(role_name((enum role)0), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid_lowercase_is_kept),
        cmocka_unit_test(test_uuid_case_is_folded_to_lowercase),
        cmocka_unit_test(test_uuid_out_may_be_null),
        cmocka_unit_test(test_uuid_wrong_dash_positions_are_rejected),
        cmocka_unit_test(test_uuid_35_and_37_chars_are_rejected),
        cmocka_unit_test(test_uuid_non_hex_digits_are_rejected),
        cmocka_unit_test(test_location_token_rules),
        cmocka_unit_test(test_vocabularies_are_in_api_order),
        cmocka_unit_test(test_vocab_index_finds_exact_words_only),
        cmocka_unit_test(test_utf8_length_counts_characters),
        cmocka_unit_test(test_utf8_valid_rejects_malformed_sequences),
        cmocka_unit_test(test_field_error_joins_prefix_and_name),
        cmocka_unit_test(test_field_error_escapes_tilde_and_slash),
        cmocka_unit_test(test_field_error_param_is_a_bare_name),
        cmocka_unit_test(test_field_errors_grow_past_their_first_allocation),
        cmocka_unit_test(test_long_ascii_name_is_truncated_to_95_bytes),
        cmocka_unit_test(test_truncation_keeps_multibyte_characters_whole),
        cmocka_unit_test(test_truncation_never_splits_an_escape),
        cmocka_unit_test(test_long_prefix_is_truncated_safely),
        cmocka_unit_test(test_request_id_accepts_the_allowed_alphabet),
        cmocka_unit_test(test_request_id_rejects_empty_long_and_other_chars),
        cmocka_unit_test(test_peg_is_mean_rounded_to_one_decimal),
        cmocka_unit_test(test_peg_needs_all_three_items),
        cmocka_unit_test(test_entry_time_window_bounds),
        cmocka_unit_test(test_catalog_find_after_sort),
        cmocka_unit_test(test_med_class_names_round_trip),
        cmocka_unit_test(test_zone_list_contains_after_sort),
        cmocka_unit_test(test_role_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
