/* Unit tests of src/domain/cursor.c: the exact cursor text, round trips over the whole key
 * range, and every kind of text cursor_decode must refuse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/cursor.h"

static const char ID[] = "00112233-4455-6677-8899-aabbccddeeff";
static const char ID_HEX[] = "00112233445566778899aabbccddeeff";

static struct cursor
cursor_of(int64_t key, const char *id)
{
    struct cursor c;
    memset(&c, 0, sizeof(c));
    c.key = key;
    (void)snprintf(c.id, sizeof(c.id), "%s", id);
    return c;
}

static void
expect_round_trip(int64_t key, const char *id)
{
    struct cursor in = cursor_of(key, id), out;
    char text[CURSOR_TEXT_MAX];
    memset(&out, 0x55, sizeof(out));
    cursor_encode(&in, CURSOR_TIME, text);
    assert_int_equal(strlen(text), 50);
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), 0);
    assert_int_equal(out.key, key);
    assert_string_equal(out.id, id);
}

static void
test_encode_writes_version_key_and_id_as_hex(void **state)
{
    (void)state;
    struct cursor c = cursor_of(1, ID);
    char text[CURSOR_TEXT_MAX];
    cursor_encode(&c, CURSOR_TIME, text);
    assert_string_equal(text, "01"
                              "0000000000000001"
                              "00112233445566778899aabbccddeeff");
}

static void
test_encode_writes_negative_key_in_twos_complement(void **state)
{
    (void)state;
    struct cursor c = cursor_of(-1, ID);
    char text[CURSOR_TEXT_MAX];
    cursor_encode(&c, CURSOR_TIME, text);
    assert_string_equal(text, "01ffffffffffffffff00112233445566778899aabbccddeeff");
    c = cursor_of(INT64_C(0x0123456789abcdef), ID);
    cursor_encode(&c, CURSOR_TIME, text);
    assert_string_equal(text, "010123456789abcdef00112233445566778899aabbccddeeff");
}

static void
test_encoded_text_is_50_lowercase_hex_chars(void **state)
{
    (void)state;
    struct cursor c = cursor_of(INT64_MIN, "abcdefab-cdef-4abc-8def-abcdefabcdef");
    char text[CURSOR_TEXT_MAX];
    cursor_encode(&c, CURSOR_TIME, text);
    assert_int_equal(strlen(text), 50);
    assert_int_equal(strspn(text, "0123456789abcdef"), 50);
}

/* The header promises lowercase output; an id written in uppercase must not leak its case
 * into a cursor that cursor_decode would then refuse. */
static void
test_encode_of_uppercase_id_is_lowercase_and_decodes(void **state)
{
    (void)state;
    struct cursor c = cursor_of(42, "ABCDEFAB-CDEF-4ABC-8DEF-ABCDEFABCDEF"), out;
    char text[CURSOR_TEXT_MAX];
    cursor_encode(&c, CURSOR_TIME, text);
    assert_string_equal(text, "01000000000000002aabcdefabcdef4abc8defabcdefabcdef");
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), 0);
    assert_string_equal(out.id, "abcdefab-cdef-4abc-8def-abcdefabcdef");
}

static void
test_round_trip_keeps_zero_and_small_keys(void **state)
{
    (void)state;
    expect_round_trip(0, ID);
    expect_round_trip(1, ID);
    expect_round_trip(255, ID);
    expect_round_trip(256, ID);
}

static void
test_round_trip_keeps_negative_keys(void **state)
{
    (void)state;
    expect_round_trip(-1, ID);
    expect_round_trip(-256, ID);
    expect_round_trip(INT64_C(-2208988800000000), ID); /* 1900-01-01 in microseconds */
    expect_round_trip(INT64_MIN, ID);
}

static void
test_round_trip_keeps_huge_keys(void **state)
{
    (void)state;
    expect_round_trip(INT64_C(1772353800123456), ID);
    expect_round_trip(INT64_C(253402300799999999), ID); /* 9999-12-31T23:59:59.999999Z */
    expect_round_trip(INT64_MAX, ID);
}

static void
test_round_trip_keeps_every_id_digit(void **state)
{
    (void)state;
    expect_round_trip(7, "ffffffff-ffff-ffff-ffff-ffffffffffff");
    expect_round_trip(7, "00000000-0000-0000-0000-000000000000");
    expect_round_trip(7, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
}

static void
test_decode_rejects_wrong_length(void **state)
{
    (void)state;
    struct cursor out;
    char text[80];
    (void)snprintf(text, sizeof(text), "010000000000000001%s", ID_HEX);
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), 0);
    text[49] = '\0';
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), -1);
    (void)snprintf(text, sizeof(text), "010000000000000001%s0", ID_HEX);
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), -1);
    (void)snprintf(text, sizeof(text), "010000000000000001%s00", ID_HEX);
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), -1);
    assert_int_equal(cursor_decode("", CURSOR_TIME, &out), -1);
    assert_int_equal(cursor_decode("01", CURSOR_TIME, &out), -1);
}

static void
test_decode_rejects_non_hex(void **state)
{
    (void)state;
    struct cursor out;
    char text[CURSOR_TEXT_MAX];
    for (size_t pos = 0; pos < 50; pos += 7) {
        (void)snprintf(text, sizeof(text), "010000000000000001%s", ID_HEX);
        text[pos] = 'g';
        if (cursor_decode(text, CURSOR_TIME, &out) != -1)
            fail_msg("'g' at %zu accepted: %s", pos, text);
    }
    (void)snprintf(text, sizeof(text), "010000000000000001%s", ID_HEX);
    text[20] = '-';
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), -1);
    text[20] = ' ';
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), -1);
}

static void
test_decode_rejects_uppercase_hex(void **state)
{
    (void)state;
    struct cursor out;
    assert_int_equal(cursor_decode("010000000000000001"
                                   "00112233445566778899AABBCCDDEEFF",
                                   CURSOR_TIME, &out),
                     -1);
    assert_int_equal(cursor_decode("01000000000000000A"
                                   "00112233445566778899aabbccddeeff",
                                   CURSOR_TIME, &out),
                     -1);
}

static void
test_decode_rejects_other_versions(void **state)
{
    (void)state;
    struct cursor out;
    char text[CURSOR_TEXT_MAX];
    const char *versions[] = {"00", "02", "10", "ff"};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        (void)snprintf(text, sizeof(text), "%s0000000000000001%s", versions[i], ID_HEX);
        if (cursor_decode(text, CURSOR_TIME, &out) != -1)
            fail_msg("version %s accepted", versions[i]);
    }
}

static void
test_a_cursor_of_one_kind_is_refused_as_another(void **state)
{
    (void)state;
    struct cursor c = {.key = 42, .id = "00112233-4455-6677-8899-aabbccddeeff"}, out;
    char text[CURSOR_TEXT_MAX];
    cursor_encode(&c, CURSOR_SCORE, text);
    assert_int_equal(text[1], '2');
    assert_int_equal(cursor_decode(text, CURSOR_TIME, &out), -1);
    assert_int_equal(cursor_decode(text, CURSOR_SCORE, &out), 0);
    assert_int_equal(out.key, 42);
}

static void
test_decode_rejects_null(void **state)
{
    (void)state;
    struct cursor out;
    assert_int_equal(cursor_decode(NULL, CURSOR_TIME, &out), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_writes_version_key_and_id_as_hex),
        cmocka_unit_test(test_encode_writes_negative_key_in_twos_complement),
        cmocka_unit_test(test_encoded_text_is_50_lowercase_hex_chars),
        cmocka_unit_test(test_encode_of_uppercase_id_is_lowercase_and_decodes),
        cmocka_unit_test(test_round_trip_keeps_zero_and_small_keys),
        cmocka_unit_test(test_round_trip_keeps_negative_keys),
        cmocka_unit_test(test_round_trip_keeps_huge_keys),
        cmocka_unit_test(test_round_trip_keeps_every_id_digit),
        cmocka_unit_test(test_decode_rejects_wrong_length),
        cmocka_unit_test(test_decode_rejects_non_hex),
        cmocka_unit_test(test_decode_rejects_uppercase_hex),
        cmocka_unit_test(test_decode_rejects_other_versions),
        cmocka_unit_test(test_a_cursor_of_one_kind_is_refused_as_another),
        cmocka_unit_test(test_decode_rejects_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
