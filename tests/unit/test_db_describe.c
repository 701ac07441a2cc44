/* Unit tests of db_describe_url: the database URL as written to the start-up log. libpq
 * parses it (no connection is made), so no spelling of a password may reach the output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "db/db.h"

static const char *
describe(const char *url)
{
    static char out[512];
    db_describe_url(url, out, sizeof(out));
    return out;
}

static void
test_uri_password_is_left_out(void **state)
{
    (void)state;
    assert_string_equal(describe("postgresql://app:secret@db:5432/oih?sslmode=require"),
                        "host=db port=5432 dbname=oih user=app sslmode=require");
}

static void
test_uri_query_password_is_left_out_and_other_parameters_kept(void **state)
{
    (void)state;
    assert_string_equal(describe("postgresql://app@db/oih?password=secret&sslmode=require"),
                        "host=db dbname=oih user=app sslmode=require");
}

static void
test_conninfo_quoted_password_with_spaces_is_left_out(void **state)
{
    (void)state;
    const char *out = describe("host=db password='se cret' dbname=oih");
    assert_string_equal(out, "host=db dbname=oih");
    assert_null(strstr(out, "cret"));
}

static void
test_conninfo_password_with_spaces_around_equals_is_left_out(void **state)
{
    (void)state;
    const char *out = describe("host=db password = secret dbname=oih");
    assert_null(strstr(out, "secret"));
    assert_string_equal(out, "host=db dbname=oih");
}

static void
test_unparseable_url_is_not_echoed(void **state)
{
    (void)state;
    assert_string_equal(describe("host='unterminated password=secret"),
                        "(unparseable connection string)");
}

static void
test_output_is_truncated_to_the_buffer(void **state)
{
    (void)state;
    char out[8];
    db_describe_url("postgresql://app:secret@db/oih", out, sizeof(out));
    assert_string_equal(out, "host=db");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_password_is_left_out),
        cmocka_unit_test(test_uri_query_password_is_left_out_and_other_parameters_kept),
        cmocka_unit_test(test_conninfo_quoted_password_with_spaces_is_left_out),
        cmocka_unit_test(test_conninfo_password_with_spaces_around_equals_is_left_out),
        cmocka_unit_test(test_unparseable_url_is_not_echoed),
        cmocka_unit_test(test_output_is_truncated_to_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
