/* Unit tests of db_parse_int and db_parse_double: the hand-written readers of integer and
 * decimal columns must give exactly what strtoll and strtod give, for every text
 * PostgreSQL writes and for the forms they hand on to strtod. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"

/* Bit for bit, so -0.0 and 0.0 differ and a NaN equals a NaN. */
static void
expect_as_strtod(const char *text)
{
    double got = db_parse_double(text), want = strtod(text, NULL);
    if (memcmp(&got, &want, sizeof(got)) != 0)
        fail_msg("%s: %.17g, strtod %.17g", text, got, want);
}

static void
test_decimals_as_postgresql_writes_them(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "0",
        "-0",
        "112.5",
        "6.3333333333333333",
        "0.1",
        "-7.25",
        "90.000",
        "1e+20",
        "1e-05",
        "NaN",
        "Infinity",
        "-Infinity",
        "123456789012345",
        "1234567890123456",
        "0.000000000000001",
        "99999999999999.9",
        "4503599627370497.5",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        expect_as_strtod(texts[i]);
}

static unsigned
next_digit(uint64_t *rng)
{
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    return (unsigned)(*rng % 10);
}

/* "-ddd.ddd" with 1 to 10 whole and 0 to 11 fraction digits: both sides of the 15-digit
 * fast path. */
static void
test_random_decimals_of_every_length(void **state)
{
    (void)state;
    uint64_t rng = 88172645463325252u;
    char text[32];
    for (int i = 0; i < 100000; i++) {
        size_t len = 0;
        unsigned whole = 1 + next_digit(&rng), fraction = next_digit(&rng) + next_digit(&rng) % 2;
        if (next_digit(&rng) < 5)
            text[len++] = '-';
        for (unsigned d = 0; d < whole; d++)
            text[len++] =
                (char)('0' + (d == 0 && whole > 1 ? 1 + next_digit(&rng) % 9 : next_digit(&rng)));
        if (fraction)
            text[len++] = '.';
        for (unsigned d = 0; d < fraction; d++)
            text[len++] = (char)('0' + next_digit(&rng));
        text[len] = '\0';
        expect_as_strtod(text);
    }
}

static void
test_integers_as_strtoll(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "0", "-0", "7", "-42", "20513", "9223372036854775807", "-9223372036854775808", "-1"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        assert_true(db_parse_int(texts[i]) == strtoll(texts[i], NULL, 10));
    assert_true(db_parse_int("-9223372036854775808") == LLONG_MIN);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimals_as_postgresql_writes_them),
        cmocka_unit_test(test_random_decimals_of_every_length),
        cmocka_unit_test(test_integers_as_strtoll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
