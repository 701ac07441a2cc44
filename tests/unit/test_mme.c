/* Unit tests of src/domain/mme.c: the MME of one dose for every factor row of
 * risk-model.md section 1, patches worn for various hours, rounding to 4 decimals, and
 * forms without a factor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "domain/mme.h"

#define assert_double_is(actual, expected)                                                         \
    do {                                                                                           \
        double a_ = (actual), e_ = (expected);                                                     \
        if (a_ != e_)                                                                              \
            fail_msg("%s is %.17g, expected %.17g", #actual, a_, e_);                              \
    } while (0)

static struct med_form
form(const char *route, const char *unit, double factor, bool continuous)
{
    struct med_form f;
    memset(&f, 0, sizeof(f));
    (void)snprintf(f.route, sizeof(f.route), "%s", route);
    (void)snprintf(f.unit, sizeof(f.unit), "%s", unit);
    f.has_factor = true;
    f.factor = factor;
    f.continuous = continuous;
    return f;
}

static struct med_form
no_factor_form(const char *route, const char *unit, bool continuous)
{
    struct med_form f = form(route, unit, 0.0, continuous);
    f.has_factor = false;
    return f;
}

static double
mme(struct med_form f, double dose, double hours)
{
    double out = -1.0;
    if (!mme_of_dose(&f, dose, hours, &out))
        fail_msg("mme_of_dose returned false for a form with factor %g", f.factor);
    return out;
}

/* One row of the risk-model table, with a dose and the MME it must give. */
struct factor_row {
    const char *medication, *route, *unit;
    double factor, dose, expected;
};

static const struct factor_row discrete_rows[] = {
    {"codeine", "oral", "mg", 0.15, 30, 4.5},     {"dihydrocodeine", "oral", "mg", 0.25, 60, 15},
    {"fentanyl", "buccal", "mcg", 0.13, 100, 13}, {"fentanyl", "sublingual", "mcg", 0.13, 200, 26},
    {"fentanyl", "nasal", "mcg", 0.16, 100, 16},  {"hydrocodone", "oral", "mg", 1, 10, 10},
    {"hydromorphone", "oral", "mg", 5, 4, 20},    {"levorphanol", "oral", "mg", 11, 2, 22},
    {"meperidine", "oral", "mg", 0.1, 50, 5},     {"methadone", "oral", "mg", 4.7, 10, 47},
    {"morphine", "oral", "mg", 1, 30, 30},        {"oxycodone", "oral", "mg", 1.5, 10, 15},
    {"oxymorphone", "oral", "mg", 3, 5, 15},      {"pentazocine", "oral", "mg", 0.37, 50, 18.5},
    {"tapentadol", "oral", "mg", 0.4, 50, 20},    {"tramadol", "oral", "mg", 0.2, 50, 10},
};

static void
test_every_discrete_factor_row_gives_dose_times_factor(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(discrete_rows) / sizeof(discrete_rows[0]); i++) {
        const struct factor_row *r = &discrete_rows[i];
        double got = mme(form(r->route, r->unit, r->factor, false), r->dose, 0.0);
        if (got != r->expected)
            fail_msg("%s %s %g %s: mme %.17g, expected %g", r->medication, r->route, r->dose,
                     r->unit, got, r->expected);
    }
}

static void
test_codeine_factor_is_0_15(void **state)
{
    (void)state;
    assert_double_is(mme(form("oral", "mg", 0.15, false), 60, 0), 9.0);
}

static void
test_hydromorphone_uses_2022_factor_5(void **state)
{
    (void)state;
    assert_double_is(mme(form("oral", "mg", 5, false), 2, 0), 10.0);
}

static void
test_methadone_uses_single_factor_4_7_at_any_dose(void **state)
{
    (void)state;
    assert_double_is(mme(form("oral", "mg", 4.7, false), 5, 0), 23.5);
    assert_double_is(mme(form("oral", "mg", 4.7, false), 100, 0), 470.0);
}

static void
test_tramadol_uses_2022_factor_0_2(void **state)
{
    (void)state;
    assert_double_is(mme(form("oral", "mg", 0.2, false), 100, 0), 20.0);
}

static void
test_patch_worn_72_hours_is_three_days_of_mme(void **state)
{
    (void)state;
    struct med_form patch = form("transdermal", "mcg/h", 2.4, true);
    assert_double_is(mme(patch, 25, 72), 180.0);
    assert_double_is(mme(patch, 12, 72), 86.4);
    assert_double_is(mme(patch, 100, MME_DEFAULT_PATCH_HOURS), 720.0);
}

static void
test_patch_worn_48_hours_is_two_days_of_mme(void **state)
{
    (void)state;
    assert_double_is(mme(form("transdermal", "mcg/h", 2.4, true), 25, 48), 120.0);
}

static void
test_patch_worn_24_hours_is_one_day_of_mme(void **state)
{
    (void)state;
    assert_double_is(mme(form("transdermal", "mcg/h", 2.4, true), 25, 24), 60.0);
    assert_double_is(mme(form("transdermal", "mcg/h", 2.4, true), 50, 24), 120.0);
}

static void
test_patch_worn_part_of_a_day_scales_by_hours(void **state)
{
    (void)state;
    assert_double_is(mme(form("transdermal", "mcg/h", 2.4, true), 25, 6), 15.0);
    assert_double_is(mme(form("transdermal", "mcg/h", 2.4, true), 25, 0.5), 1.25);
}

static void
test_default_patch_hours_is_72(void **state)
{
    (void)state;
    assert_double_is(MME_DEFAULT_PATCH_HOURS, 72.0);
}

static void
test_discrete_forms_ignore_duration(void **state)
{
    (void)state;
    struct med_form oxy = form("oral", "mg", 1.5, false);
    assert_double_is(mme(oxy, 10, 48), 15.0);
    assert_double_is(mme(oxy, 10, 168), 15.0);
    assert_double_is(mme(oxy, 10, 0), 15.0);
}

static void
test_result_is_rounded_to_4_decimals(void **state)
{
    (void)state;
    assert_double_is(mme(form("oral", "mg", 0.2, false), 33.33333, 0), 6.6667);
    assert_double_is(mme(form("oral", "mg", 0.37, false), 1.23456, 0), 0.4568);
    assert_double_is(mme(form("oral", "mg", 4.7, false), 0.00001, 0), 0.0);
    assert_double_is(mme(form("oral", "mg", 1, false), 0.00004, 0), 0.0);
    assert_double_is(mme(form("oral", "mg", 1, false), 0.00006, 0), 0.0001);
    assert_double_is(mme(form("transdermal", "mcg/h", 2.4, true), 1, 1), 0.1);
}

static void
test_rounding_hides_binary_noise(void **state)
{
    (void)state;
    /* 3 x 0.1 is 0.30000000000000004 in binary arithmetic */
    assert_double_is(mme(form("oral", "mg", 0.1, false), 3, 0), 0.3);
    /* 7 x 0.13 is 0.91000000000000003 */
    assert_double_is(mme(form("buccal", "mcg", 0.13, false), 7, 0), 0.91);
    /* 3 x 0.37 is 1.1099999999999999 */
    assert_double_is(mme(form("oral", "mg", 0.37, false), 3, 0), 1.11);
}

static void
test_buprenorphine_forms_have_no_mme(void **state)
{
    (void)state;
    const struct med_form forms[] = {
        no_factor_form("sublingual", "mg", false),
        no_factor_form("buccal", "mg", false),
        no_factor_form("transdermal", "mcg/h", true),
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        double out = -7.0;
        assert_false(mme_of_dose(&forms[i], 8, 72, &out));
        assert_double_is(out, -7.0); /* untouched */
    }
}

static void
test_non_opioid_forms_have_no_mme(void **state)
{
    (void)state;
    struct med_form gabapentin = no_factor_form("oral", "mg", false);
    double out = -7.0;
    assert_false(mme_of_dose(&gabapentin, 300, 0, &out));
    assert_double_is(out, -7.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_discrete_factor_row_gives_dose_times_factor),
        cmocka_unit_test(test_codeine_factor_is_0_15),
        cmocka_unit_test(test_hydromorphone_uses_2022_factor_5),
        cmocka_unit_test(test_methadone_uses_single_factor_4_7_at_any_dose),
        cmocka_unit_test(test_tramadol_uses_2022_factor_0_2),
        cmocka_unit_test(test_patch_worn_72_hours_is_three_days_of_mme),
        cmocka_unit_test(test_patch_worn_48_hours_is_two_days_of_mme),
        cmocka_unit_test(test_patch_worn_24_hours_is_one_day_of_mme),
        cmocka_unit_test(test_patch_worn_part_of_a_day_scales_by_hours),
        cmocka_unit_test(test_default_patch_hours_is_72),
        cmocka_unit_test(test_discrete_forms_ignore_duration),
        cmocka_unit_test(test_result_is_rounded_to_4_decimals),
        cmocka_unit_test(test_rounding_hides_binary_noise),
        cmocka_unit_test(test_buprenorphine_forms_have_no_mme),
        cmocka_unit_test(test_non_opioid_forms_have_no_mme),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
