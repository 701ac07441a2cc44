/* Unit tests of src/util/jsonw.c: numbers written like jansson writes them, strings escaped
 * as JSON requires, and documents that jansson parses back to the same values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "util/jsonw.h"

static char *
fixed2(double v)
{
    struct jsonw w;
    size_t len;
    jsonw_init(&w, 4);
    jsonw_fixed2(&w, v);
    return jsonw_finish(&w, &len);
}

static void
check_fixed2(double v, const char *want)
{
    char *got = fixed2(v);
    assert_string_equal(got, want);
    free(got);
}

static void
test_fixed2_rounds_to_two_decimals_and_keeps_one(void **state)
{
    (void)state;
    check_fixed2(5.5, "5.5");
    check_fixed2(90, "90.0");
    check_fixed2(0, "0.0");
    check_fixed2(2.345, "2.35");
    check_fixed2(0.004, "0.0");
    check_fixed2(-0.5, "-0.5");
    check_fixed2(-12.25, "-12.25");
    check_fixed2(1234567.891, "1234567.89");
    check_fixed2(NAN, "null");
    check_fixed2(INFINITY, "null");
}

static void
test_integers_at_the_extremes(void **state)
{
    (void)state;
    struct jsonw w;
    size_t len;
    jsonw_init(&w, 1);
    jsonw_int(&w, LLONG_MIN);
    jsonw_raw(&w, ",");
    jsonw_int(&w, LLONG_MAX);
    jsonw_raw(&w, ",");
    jsonw_int(&w, 0);
    char *text = jsonw_finish(&w, &len);
    assert_string_equal(text, "-9223372036854775808,9223372036854775807,0");
    assert_int_equal(len, 42);
    free(text);
}

static void
test_strings_are_escaped_and_parse_back(void **state)
{
    (void)state;
    const char *s = "quote \" backslash \\ tab \t nl \n bell \a é ✓";
    struct jsonw w;
    size_t len;
    jsonw_init(&w, 8);
    jsonw_raw(&w, "{\"k\":");
    jsonw_string(&w, s);
    jsonw_raw(&w, ",\"n\":");
    jsonw_null(&w);
    jsonw_raw(&w, "}");
    char *text = jsonw_finish(&w, &len);
    json_error_t err;
    json_t *doc = json_loadb(text, len, 0, &err);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "k")), s);
    assert_true(json_is_null(json_object_get(doc, "n")));
    json_decref(doc);
    free(text);
}

static void
test_stringn_writes_only_the_prefix(void **state)
{
    (void)state;
    struct jsonw w;
    size_t len;
    jsonw_init(&w, 4);
    jsonw_stringn(&w, "a\"b,rest", 3);
    char *text = jsonw_finish(&w, &len);
    assert_string_equal(text, "\"a\\\"b\"");
    assert_int_equal(len, 6);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed2_rounds_to_two_decimals_and_keeps_one),
        cmocka_unit_test(test_integers_at_the_extremes),
        cmocka_unit_test(test_strings_are_escaped_and_parse_back),
        cmocka_unit_test(test_stringn_writes_only_the_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
