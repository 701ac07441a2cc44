/* Unit tests of src/http/router.c: pattern matching, path parameters, 404 versus 405 with
 * the Allow header, and a few lookups in the real route table of src/api/routes.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "api/api.h"
#include "http/router.h"

static void
handle_list(struct request *req, struct response *res)
{
    (void)req;
    (void)res;
}

static void
handle_create(struct request *req, struct response *res)
{
    (void)req;
    (void)res;
}

static void
handle_get(struct request *req, struct response *res)
{
    (void)req;
    (void)res;
}

static void
handle_delete(struct request *req, struct response *res)
{
    (void)req;
    (void)res;
}

static void
handle_nested(struct request *req, struct response *res)
{
    (void)req;
    (void)res;
}

static void
handle_health(struct request *req, struct response *res)
{
    (void)req;
    (void)res;
}

static const struct route table[] = {
    {HTTP_GET, "/healthz", handle_health, "/healthz", 0, ROUTE_PUBLIC},
    {HTTP_GET, "/v1/things", handle_list, "/v1/things", 0, 0},
    {HTTP_POST, "/v1/things", handle_create, "/v1/things", 0, ROUTE_BODY},
    {HTTP_GET, "/v1/things/:id", handle_get, "/v1/things/{id}", 0, 0},
    {HTTP_DELETE, "/v1/things/:id", handle_delete, "/v1/things/{id}", 0, 0},
    {HTTP_PUT, "/v1/things/:id/parts/:part", handle_nested, "/v1/things/{id}/parts/{part}", 0, 0},
};
static const size_t table_count = sizeof(table) / sizeof(table[0]);

static enum router_result
find(enum http_method method, const char *path, struct route_match *m)
{
    return router_find(table, table_count, method, path, m);
}

static void
test_exact_path_finds_its_route_without_params(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/healthz", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[0]);
    assert_ptr_equal(m.route->handler, handle_health);
    assert_int_equal(m.nparams, 0);
    assert_int_equal(m.allowed, HTTP_GET);
}

static void
test_same_path_picks_route_by_method(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/v1/things", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(find(HTTP_POST, "/v1/things", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[2]);
    assert_int_equal(m.allowed, HTTP_GET | HTTP_POST);
}

static void
test_one_path_parameter_is_extracted(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/v1/things/abc-123", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[3]);
    assert_int_equal(m.nparams, 1);
    assert_string_equal(m.params[0], "abc-123");
    assert_int_equal(m.allowed, HTTP_GET | HTTP_DELETE);
}

static void
test_two_path_parameters_are_extracted_in_order(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_PUT, "/v1/things/t1/parts/p2", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[5]);
    assert_int_equal(m.nparams, 2);
    assert_string_equal(m.params[0], "t1");
    assert_string_equal(m.params[1], "p2");
}

static void
test_unknown_path_is_not_found(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/v1/nothing", &m), ROUTER_NOT_FOUND);
    assert_null(m.route);
    assert_int_equal(m.allowed, 0);
    assert_int_equal(find(HTTP_GET, "/", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "healthz", &m), ROUTER_NOT_FOUND);
}

static void
test_trailing_slash_is_not_found(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/healthz/", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "/v1/things/", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "/v1/things/abc/", &m), ROUTER_NOT_FOUND);
}

static void
test_empty_segment_is_not_found(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/v1//things", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "//v1/things", &m), ROUTER_NOT_FOUND);
    /* an empty parameter segment is not a parameter */
    assert_int_equal(find(HTTP_PUT, "/v1/things//parts/p", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_PUT, "/v1/things/t/parts/", &m), ROUTER_NOT_FOUND);
}

static void
test_wrong_method_is_405_with_allowed_mask(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_DELETE, "/v1/things", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_null(m.route);
    assert_int_equal(m.allowed, HTTP_GET | HTTP_POST);
    assert_int_equal(find(HTTP_POST, "/v1/things/x", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_int_equal(m.allowed, HTTP_GET | HTTP_DELETE);
    assert_int_equal(find(HTTP_OTHER, "/healthz", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_int_equal(m.allowed, HTTP_GET);
}

static void
test_allow_header_lists_head_with_get(void **state)
{
    (void)state;
    char out[64];
    struct route_match m;
    (void)find(HTTP_DELETE, "/v1/things", &m);
    router_allow_header(m.allowed, out, sizeof(out));
    assert_string_equal(out, "GET, HEAD, POST");
    router_allow_header(HTTP_GET | HTTP_DELETE, out, sizeof(out));
    assert_string_equal(out, "GET, HEAD, DELETE");
    router_allow_header(HTTP_PUT, out, sizeof(out));
    assert_string_equal(out, "PUT");
    router_allow_header(HTTP_GET | HTTP_POST | HTTP_PUT | HTTP_DELETE, out, sizeof(out));
    assert_string_equal(out, "GET, HEAD, POST, PUT, DELETE");
    router_allow_header(0, out, sizeof(out));
    assert_string_equal(out, "");
}

/* A buffer too small for the whole list must not end in half a method name, which would
 * make a malformed Allow header. */
static void
test_allow_header_never_ends_in_a_partial_method_name(void **state)
{
    (void)state;
    char out[13];
    router_allow_header(HTTP_GET | HTTP_POST, out, sizeof(out));
    assert_string_equal(out, "GET, HEAD");
}

static void
fill(char *out, char c, size_t n)
{
    memset(out, c, n);
    out[n] = '\0';
}

static void
test_parameter_of_63_chars_matches_and_64_does_not(void **state)
{
    (void)state;
    char param[80], path[128];
    struct route_match m;
    fill(param, 'a', 63);
    (void)snprintf(path, sizeof(path), "/v1/things/%s", param);
    assert_int_equal(find(HTTP_GET, path, &m), ROUTER_FOUND);
    assert_string_equal(m.params[0], param);
    assert_int_equal(strlen(m.params[0]), 63);

    fill(param, 'a', 64);
    (void)snprintf(path, sizeof(path), "/v1/things/%s", param);
    assert_int_equal(find(HTTP_GET, path, &m), ROUTER_NOT_FOUND);
    assert_int_equal(m.allowed, 0);
}

static void
test_too_many_segments_are_not_found(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/v1/things/a/b", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_PUT, "/v1/things/a/parts/b/c", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "/healthz/x", &m), ROUTER_NOT_FOUND);
}

static void
test_prefix_of_a_pattern_is_not_found(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/v1", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "/v1/thing", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "/v1/thingsx", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "/health", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_PUT, "/v1/things/a/parts", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_PUT, "/v1/things/a/part/b", &m), ROUTER_NOT_FOUND);
}

static void
test_literal_segments_are_case_sensitive(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find(HTTP_GET, "/V1/things", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find(HTTP_GET, "/HEALTHZ", &m), ROUTER_NOT_FOUND);
}

static enum router_result
find_api(enum http_method method, const char *path, struct route_match *m)
{
    return router_find(api_routes, api_routes_count, method, path, m);
}

static void
test_api_pain_entries_list_is_found_with_patient_param(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find_api(HTTP_GET, "/v1/patients/abc/pain-entries", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, pain_list);
    assert_string_equal(m.route->name, "/v1/patients/{patient_id}/pain-entries");
    assert_int_equal(m.nparams, 1);
    assert_string_equal(m.params[0], "abc");
    assert_int_equal(m.allowed, HTTP_GET | HTTP_POST);

    assert_int_equal(find_api(HTTP_POST, "/v1/patients/abc/pain-entries", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, pain_create);
    assert_true(m.route->flags & ROUTE_BODY);
}

static void
test_api_entry_delete_extracts_patient_and_entry(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find_api(HTTP_DELETE, "/v1/patients/p1/dose-entries/e2", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, dose_delete);
    assert_int_equal(m.nparams, 2);
    assert_string_equal(m.params[0], "p1");
    assert_string_equal(m.params[1], "e2");
}

static void
test_api_put_medications_is_405_get_only(void **state)
{
    (void)state;
    struct route_match m;
    char allow[64];
    assert_int_equal(find_api(HTTP_PUT, "/v1/medications", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_int_equal(m.allowed, HTTP_GET);
    router_allow_header(m.allowed, allow, sizeof(allow));
    assert_string_equal(allow, "GET, HEAD");
}

static void
test_api_patients_collection_allows_get_and_post(void **state)
{
    (void)state;
    struct route_match m;
    char allow[64];
    assert_int_equal(find_api(HTTP_DELETE, "/v1/patients", &m), ROUTER_METHOD_NOT_ALLOWED);
    router_allow_header(m.allowed, allow, sizeof(allow));
    assert_string_equal(allow, "GET, HEAD, POST");
    assert_int_equal(find_api(HTTP_POST, "/v1/patients/x", &m), ROUTER_METHOD_NOT_ALLOWED);
    router_allow_header(m.allowed, allow, sizeof(allow));
    assert_string_equal(allow, "GET, HEAD, DELETE");
}

static void
test_api_unknown_paths_are_404(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find_api(HTTP_GET, "/v1/patients/abc/pain-entries/", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find_api(HTTP_GET, "/v1/patient", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find_api(HTTP_GET, "/v2/me", &m), ROUTER_NOT_FOUND);
    assert_int_equal(find_api(HTTP_GET, "/v1/patients/abc/trend/extra", &m), ROUTER_NOT_FOUND);
}

static void
test_api_care_team_route_takes_two_params(void **state)
{
    (void)state;
    struct route_match m;
    assert_int_equal(find_api(HTTP_PUT, "/v1/patients/p/clinicians/c", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, care_team_add);
    assert_string_equal(m.params[0], "p");
    assert_string_equal(m.params[1], "c");
    assert_int_equal(m.allowed, HTTP_PUT | HTTP_DELETE);
    assert_int_equal(find_api(HTTP_GET, "/v1/patients/p/clinicians/c", &m),
                     ROUTER_METHOD_NOT_ALLOWED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_path_finds_its_route_without_params),
        cmocka_unit_test(test_same_path_picks_route_by_method),
        cmocka_unit_test(test_one_path_parameter_is_extracted),
        cmocka_unit_test(test_two_path_parameters_are_extracted_in_order),
        cmocka_unit_test(test_unknown_path_is_not_found),
        cmocka_unit_test(test_trailing_slash_is_not_found),
        cmocka_unit_test(test_empty_segment_is_not_found),
        cmocka_unit_test(test_wrong_method_is_405_with_allowed_mask),
        cmocka_unit_test(test_allow_header_lists_head_with_get),
        cmocka_unit_test(test_allow_header_never_ends_in_a_partial_method_name),
        cmocka_unit_test(test_parameter_of_63_chars_matches_and_64_does_not),
        cmocka_unit_test(test_too_many_segments_are_not_found),
        cmocka_unit_test(test_prefix_of_a_pattern_is_not_found),
        cmocka_unit_test(test_literal_segments_are_case_sensitive),
        cmocka_unit_test(test_api_pain_entries_list_is_found_with_patient_param),
        cmocka_unit_test(test_api_entry_delete_extracts_patient_and_entry),
        cmocka_unit_test(test_api_put_medications_is_405_get_only),
        cmocka_unit_test(test_api_patients_collection_allows_get_and_post),
        cmocka_unit_test(test_api_unknown_paths_are_404),
        cmocka_unit_test(test_api_care_team_route_takes_two_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
