/* Unit tests of the OIH risk model (src/domain/risk.c) on hand-built daily series: the
 * data gate, every signal just below, at and just above its threshold, escalation and
 * taper events with their window edges, the safety flags, and the level mapping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "domain/risk.h"

static const struct risk_model *const model = &risk_model_v1;

static struct series
flat_series(size_t ndays, double mme)
{
    struct series s;
    series_init(&s, 20000, ndays);
    for (size_t i = 0; i < ndays; i++)
        s.days[i].mme = mme;
    return s;
}

static void
set_pain(struct series *s, long day, double pain)
{
    s->days[day].pain_entries = 1;
    s->days[day].pain_sum = pain;
}

static void
set_pain_range(struct series *s, long from, long to, double pain)
{
    for (long d = from; d <= to; d++)
        set_pain(s, d, pain);
}

static void
set_mme_range(struct series *s, long from, long to, double mme)
{
    for (long d = from; d <= to; d++)
        s->days[d].mme = mme;
}

/* Evaluates the whole series as the window. */
static struct risk_result
evaluate(const struct series *s)
{
    struct risk_result r;
    risk_evaluate(model, s, 0, (long)s->ndays - 1, &r);
    return r;
}

static bool
signal_present(const struct series *s, enum signal_code c)
{
    struct risk_result r = evaluate(s);
    assert_true(r.has_score); /* every signal test must pass the data gate */
    return r.signals[c].present;
}

static double
evidence(const struct finding *f, const char *name)
{
    for (int i = 0; i < f->nevidence; i++) {
        if (strcmp(f->evidence[i].name, name) == 0)
            return f->evidence[i].value;
    }
    fail_msg("no evidence named %s", name);
    return 0.0;
}

/* --- data gate --- */

/* W=28 (segments of 14): pain on early_days at the start and late_days at the end. */
static struct series
gate_series(int early_days, int late_days, int opioid_days)
{
    struct series s = flat_series(28, 0.0);
    set_pain_range(&s, 0, early_days - 1, 5.0);
    set_pain_range(&s, 28 - late_days, 27, 5.0);
    set_mme_range(&s, 0, opioid_days - 1, 30.0);
    return s;
}

static void
test_gate_passes_at_14_pain_and_14_opioid_days(void **state)
{
    (void)state;
    struct series s = gate_series(7, 7, 14);
    struct risk_result r = evaluate(&s);
    assert_true(r.has_score);
    assert_int_not_equal(r.level, LEVEL_INSUFFICIENT_DATA);
    assert_int_equal(r.pain_days, 14);
    assert_int_equal(r.opioid_days, 14);
    series_cleanup(&s);
}

static void
test_gate_needs_14_pain_days(void **state)
{
    (void)state;
    struct series s = gate_series(7, 6, 28);
    struct risk_result r = evaluate(&s);
    assert_false(r.has_score);
    assert_int_equal(r.level, LEVEL_INSUFFICIENT_DATA);
    for (int i = 0; i < SIGNAL_COUNT; i++) {
        assert_false(r.signals[i].present);
        assert_int_equal(r.signals[i].points, 0);
        assert_float_equal(evidence(&r.signals[i], "pain_days"), 13, 0);
        assert_non_null(strstr(r.signals[i].summary, "Not evaluated"));
    }
    series_cleanup(&s);
}

static void
test_gate_needs_14_opioid_days(void **state)
{
    (void)state;
    struct series s = gate_series(7, 7, 13);
    assert_false(evaluate(&s).has_score);
    series_cleanup(&s);
}

static void
test_gate_needs_4_pain_days_in_each_segment(void **state)
{
    (void)state;
    struct series late_short = gate_series(11, 3, 28), early_short = gate_series(3, 11, 28);
    struct series both_four = gate_series(10, 4, 28);
    assert_false(evaluate(&late_short).has_score);
    assert_false(evaluate(&early_short).has_score);
    assert_true(evaluate(&both_four).has_score);
    series_cleanup(&late_short);
    series_cleanup(&early_short);
    series_cleanup(&both_four);
}

static void
test_safety_flags_are_computed_without_enough_data(void **state)
{
    (void)state;
    struct series s = flat_series(28, 100.0);
    struct risk_result r = evaluate(&s);
    assert_false(r.has_score);
    assert_true(r.flags[FLAG_MME_90_PLUS].present);
    assert_int_equal(r.band, BAND_90_PLUS);
    series_cleanup(&s);
}

/* --- pain_rising: Theil-Sen slope >= 0.1/week and late median - early median >= 1.0 --- */

static struct series
linear_pain(size_t days, double per_day)
{
    struct series s = flat_series(days, 30.0);
    for (size_t d = 0; d < days; d++)
        set_pain(&s, (long)d, 3.0 + per_day * (double)d);
    return s;
}

static void
test_pain_rising_slope_threshold(void **state)
{
    (void)state;
    /* 365 days: the median rise (337 x slope) is far above 1.0, so the slope decides */
    struct series below = linear_pain(365, 0.1 / 7 * (1 - 1e-6));
    struct series at = linear_pain(365, 0.1 / 7);
    struct series above = linear_pain(365, 0.1 / 7 * (1 + 1e-6));
    assert_false(signal_present(&below, SIG_PAIN_RISING));
    assert_true(signal_present(&at, SIG_PAIN_RISING));
    assert_true(signal_present(&above, SIG_PAIN_RISING));
    struct risk_result r = evaluate(&at);
    assert_float_equal(evidence(&r.signals[SIG_PAIN_RISING], "slope_per_week"), 0.1, 1e-9);
    assert_int_equal(r.signals[SIG_PAIN_RISING].points, 20);
    series_cleanup(&below);
    series_cleanup(&at);
    series_cleanup(&above);
}

static void
test_a_slope_rounding_to_zero_is_not_negative_zero(void **state)
{
    (void)state;
    struct series s = linear_pain(90, -0.0001); /* -0.0007 a week: 0 at two decimals */
    struct risk_result r = evaluate(&s);
    double slope = evidence(&r.signals[SIG_PAIN_RISING], "slope_per_week");
    assert_true(slope == 0.0 && !signbit(slope));
    series_cleanup(&s);
}

static void
test_pain_rising_median_threshold(void **state)
{
    (void)state;
    /* 56 days, segments of 28: the medians are 28 days apart, the slope is ample */
    struct series below = linear_pain(56, 1.0 / 28 * (1 - 1e-6));
    struct series at = linear_pain(56, 1.0 / 28);
    struct series above = linear_pain(56, 1.0 / 28 * (1 + 1e-6));
    assert_false(signal_present(&below, SIG_PAIN_RISING));
    assert_true(signal_present(&at, SIG_PAIN_RISING));
    assert_true(signal_present(&above, SIG_PAIN_RISING));
    struct risk_result r = evaluate(&at);
    assert_float_equal(evidence(&r.signals[SIG_PAIN_RISING], "early_median"), 3.48, 0.005);
    assert_float_equal(evidence(&r.signals[SIG_PAIN_RISING], "late_median"), 4.48, 0.005);
    series_cleanup(&below);
    series_cleanup(&at);
    series_cleanup(&above);
}

static void
test_falling_pain_is_not_rising(void **state)
{
    (void)state;
    struct series s = linear_pain(90, -0.05);
    assert_false(signal_present(&s, SIG_PAIN_RISING));
    series_cleanup(&s);
}

/* --- dose_escalation: late mean >= 1.2 x early mean and >= early + 10 --- */

static struct series
two_step_mme(double early, double late)
{
    struct series s = flat_series(56, early);
    set_mme_range(&s, 28, 55, late);
    set_pain_range(&s, 0, 55, 5.0);
    return s;
}

static bool
escalation_present(double early, double late)
{
    struct series s = two_step_mme(early, late);
    bool present = signal_present(&s, SIG_DOSE_ESCALATION);
    series_cleanup(&s);
    return present;
}

static void
test_dose_escalation_at_both_thresholds(void **state)
{
    (void)state;
    assert_false(escalation_present(50, 59.99));
    assert_true(escalation_present(50, 60));
    assert_true(escalation_present(50, 60.01));
}

static void
test_dose_escalation_ratio_threshold(void **state)
{
    (void)state;
    assert_false(escalation_present(100, 119.99)); /* +19.99 but x1.1999 */
    assert_true(escalation_present(100, 120));
}

static void
test_dose_escalation_absolute_threshold(void **state)
{
    (void)state;
    assert_false(escalation_present(10, 19.99)); /* x1.999 but +9.99 */
    assert_true(escalation_present(10, 20));
    assert_true(escalation_present(10, 20.01));
}

/* --- pain_tracks_dose: Spearman rho >= 0.4, mme not constant (max >= 1.2 x min) --- */

/* 16 pain days (0-7, 24-31 of a 32-day window) with pain ranks 1..16 and MME ranks perm. */
static struct series
ranked_days(const int perm[16], double low, double high)
{
    struct series s = flat_series(32, 10.0);
    for (int i = 0; i < 16; i++) {
        long day = i < 8 ? i : 16 + i;
        set_pain(&s, day, 1.0 + i * 0.5);
        s.days[day].mme = perm ? 10.0 * perm[i] : (i < 8 ? low : high);
    }
    return s;
}

static void
test_pain_tracks_dose_rho_threshold(void **state)
{
    (void)state;
    /* sum of squared rank differences 410, 408, 406: rho 0.397, 0.400, 0.403 */
    static const int below[16] = {13, 1, 11, 4, 8, 3, 6, 7, 14, 5, 2, 12, 10, 16, 9, 15};
    static const int at[16] = {8, 4, 9, 16, 1, 7, 5, 2, 6, 14, 3, 12, 11, 10, 15, 13};
    static const int above[16] = {1, 5, 2, 6, 13, 8, 16, 7, 12, 9, 10, 15, 4, 3, 11, 14};
    struct series b = ranked_days(below, 0, 0), a = ranked_days(at, 0, 0);
    struct series c = ranked_days(above, 0, 0);
    assert_false(signal_present(&b, SIG_PAIN_TRACKS_DOSE));
    assert_true(signal_present(&a, SIG_PAIN_TRACKS_DOSE));
    assert_true(signal_present(&c, SIG_PAIN_TRACKS_DOSE));
    struct risk_result r = evaluate(&a);
    assert_float_equal(evidence(&r.signals[SIG_PAIN_TRACKS_DOSE], "rho"), 0.4, 1e-9);
    assert_float_equal(evidence(&r.signals[SIG_PAIN_TRACKS_DOSE], "pain_days"), 16, 0);
    series_cleanup(&b);
    series_cleanup(&a);
    series_cleanup(&c);
}

static void
test_pain_tracks_dose_needs_varying_mme(void **state)
{
    (void)state;
    /* pain rises with the dose, but 11.99 is less than 1.2 x 10 */
    struct series spread_below = ranked_days(NULL, 10.0, 11.99);
    struct series spread_at = ranked_days(NULL, 10.0, 12.0);
    struct series constant = ranked_days(NULL, 10.0, 10.0);
    assert_false(signal_present(&spread_below, SIG_PAIN_TRACKS_DOSE));
    assert_true(signal_present(&spread_at, SIG_PAIN_TRACKS_DOSE));
    assert_false(signal_present(&constant, SIG_PAIN_TRACKS_DOSE));
    struct risk_result r = evaluate(&constant);
    assert_true(r.signals[SIG_PAIN_TRACKS_DOSE].evidence[0].is_null); /* rho undefined */
    series_cleanup(&spread_below);
    series_cleanup(&spread_at);
    series_cleanup(&constant);
}

/* --- escalation events and no_relief_after_escalation --- */

/* 90 days; MME steps from 50 to 60 on day 45, so the event starts on day 42 (the first day
 * whose next 7 days average >= 1.1 x and >= +5 over the 7 before). Pain is 6.0 in the 14
 * days before the event and 6.0 - drop in its "after" days 49..62. */
static struct series
escalation_course(double drop, int after_days)
{
    struct series s = flat_series(90, 50.0);
    set_mme_range(&s, 45, 89, 60.0);
    set_pain_range(&s, 0, 5, 6.0);
    set_pain_range(&s, 28, 41, 6.0);
    set_pain_range(&s, 49, 49 + after_days - 1, 6.0 - drop);
    set_pain_range(&s, 84, 89, 6.0 - drop);
    return s;
}

static void
test_no_relief_when_pain_drops_less_than_one_point(void **state)
{
    (void)state;
    struct series s = escalation_course(0.999, 14);
    struct risk_result r = evaluate(&s);
    const struct finding *f = &r.signals[SIG_NO_RELIEF_AFTER_ESCALATION];
    assert_true(f->present);
    assert_int_equal(f->points, 20);
    assert_float_equal(evidence(f, "escalations"), 1, 0);
    assert_float_equal(evidence(f, "evaluable"), 1, 0);
    assert_float_equal(evidence(f, "with_relief"), 0, 0);
    series_cleanup(&s);
}

static void
test_relief_of_exactly_one_point_counts(void **state)
{
    (void)state;
    struct series at = escalation_course(1.0, 14), above = escalation_course(1.5, 14);
    assert_false(signal_present(&at, SIG_NO_RELIEF_AFTER_ESCALATION));
    assert_false(signal_present(&above, SIG_NO_RELIEF_AFTER_ESCALATION));
    struct risk_result r = evaluate(&at);
    assert_float_equal(evidence(&r.signals[SIG_NO_RELIEF_AFTER_ESCALATION], "with_relief"), 1, 0);
    series_cleanup(&at);
    series_cleanup(&above);
}

static void
test_escalation_needs_three_pain_days_after(void **state)
{
    (void)state;
    struct series two = escalation_course(0.0, 2), three = escalation_course(0.0, 3);
    struct risk_result r2 = evaluate(&two), r3 = evaluate(&three);
    assert_float_equal(evidence(&r2.signals[SIG_NO_RELIEF_AFTER_ESCALATION], "evaluable"), 0, 0);
    assert_false(r2.signals[SIG_NO_RELIEF_AFTER_ESCALATION].present);
    assert_float_equal(evidence(&r3.signals[SIG_NO_RELIEF_AFTER_ESCALATION], "evaluable"), 1, 0);
    assert_true(r3.signals[SIG_NO_RELIEF_AFTER_ESCALATION].present);
    series_cleanup(&two);
    series_cleanup(&three);
}

/* Number of escalations (up) or tapers found with MME stepping from `from` to `to` on
 * day step of a 90-day window that starts at series day `start`. */
static int
events_found(bool up, double from, double to, long step, long start)
{
    struct series s = flat_series((size_t)(start + 90), from);
    set_mme_range(&s, step, start + 89, to);
    set_pain_range(&s, start, start + 89, 5.0);
    struct risk_result r;
    risk_evaluate(model, &s, start, start + 89, &r);
    const struct finding *f =
        &r.signals[up ? SIG_NO_RELIEF_AFTER_ESCALATION : SIG_RELIEF_AFTER_TAPER];
    int n = (int)evidence(f, up ? "escalations" : "tapers");
    series_cleanup(&s);
    return n;
}

static void
test_escalation_threshold_is_inclusive(void **state)
{
    (void)state;
    assert_int_equal(events_found(true, 50, 54.99, 40, 0), 0);
    assert_int_equal(events_found(true, 50, 55, 40, 0), 1);    /* x1.1 and +5 exactly */
    assert_int_equal(events_found(true, 20, 24.99, 40, 0), 0); /* x1.25 but +4.99 */
    assert_int_equal(events_found(true, 20, 25, 40, 0), 1);
}

static void
test_taper_threshold_is_inclusive(void **state)
{
    (void)state;
    assert_int_equal(events_found(false, 60, 54.01, 40, 0), 0);
    assert_int_equal(events_found(false, 60, 54, 40, 0), 1); /* exactly 0.9 x */
    /* 60 days without opioids: 0 <= 0.9 x 0, but a taper needs prior7 > 0 */
    assert_int_equal(events_found(false, 0, 10, 60, 0), 0);
}

static void
test_event_days_need_both_7_day_means_inside_the_window(void **state)
{
    (void)state;
    /* end edge: a step on day 86 is first seen on day 83 = end - 6; on day 87, too late */
    assert_int_equal(events_found(true, 50, 60, 86, 0), 1);
    assert_int_equal(events_found(true, 50, 60, 87, 0), 0);
    /* start edge (window from day 14 of the series): a step on day 17 would be seen on
     * day 14, whose prior 7 days lie before the window; on day 24, at start + 7 */
    assert_int_equal(events_found(true, 50, 60, 17, 14), 0);
    assert_int_equal(events_found(true, 50, 60, 24, 14), 1);
}

/* MME 20 until day 30, 40 until the second step, 80 after it: the first event starts on
 * day 25; a step 40 -> 80 on day s keeps days s-6 .. s+5 qualifying. */
static int
escalations_with_second_step(long second_step)
{
    struct series s = flat_series(90, 20.0);
    set_mme_range(&s, 30, 89, 40.0);
    set_mme_range(&s, second_step, 89, 80.0);
    set_pain_range(&s, 0, 89, 5.0);
    struct risk_result r = evaluate(&s);
    series_cleanup(&s);
    return (int)evidence(&r.signals[SIG_NO_RELIEF_AFTER_ESCALATION], "escalations");
}

static void
test_the_14_days_after_an_event_belong_to_it(void **state)
{
    (void)state;
    /* second step on day 34: its last qualifying day is 39 = 25 + 14, still the first event */
    assert_int_equal(escalations_with_second_step(34), 1);
    /* on day 35: day 40 = 25 + 15 qualifies and starts a second event */
    assert_int_equal(escalations_with_second_step(35), 2);
}

/* --- relief_after_taper: pain after (t+14..t+41) at least 1.0 below pain before --- */

/* 120 days; MME steps down from 60 to 50 on day 45: the taper starts on day 43. */
static struct series
taper_course(double drop)
{
    struct series s = flat_series(120, 60.0);
    set_mme_range(&s, 45, 119, 50.0);
    set_pain_range(&s, 0, 5, 6.0);
    set_pain_range(&s, 29, 42, 6.0);
    set_pain_range(&s, 57, 84, 6.0 - drop);
    set_pain_range(&s, 114, 119, 6.0 - drop);
    return s;
}

static void
test_relief_after_taper_threshold(void **state)
{
    (void)state;
    struct series below = taper_course(0.999), at = taper_course(1.0), above = taper_course(2.0);
    assert_false(signal_present(&below, SIG_RELIEF_AFTER_TAPER));
    assert_true(signal_present(&at, SIG_RELIEF_AFTER_TAPER));
    assert_true(signal_present(&above, SIG_RELIEF_AFTER_TAPER));
    struct risk_result r = evaluate(&above);
    assert_float_equal(evidence(&r.signals[SIG_RELIEF_AFTER_TAPER], "largest_pain_drop"), 2.0,
                       1e-9);
    assert_int_equal(r.signals[SIG_RELIEF_AFTER_TAPER].points, 10);
    series_cleanup(&below);
    series_cleanup(&at);
    series_cleanup(&above);
}

/* --- evoked_pain and pain_spreading --- */

static void
test_evoked_pain_needs_three_late_days(void **state)
{
    (void)state;
    struct series s = gate_series(14, 14, 28);
    s.days[0].sensitized_reports = 5; /* early days do not count */
    s.days[20].sensitized_reports = 1;
    s.days[21].sensitized_reports = 2;
    s.days[22].evoked_reports = 1; /* movement only: not a sensitized report */
    assert_false(signal_present(&s, SIG_EVOKED_PAIN));
    s.days[27].sensitized_reports = 1;
    assert_true(signal_present(&s, SIG_EVOKED_PAIN));
    struct risk_result r = evaluate(&s);
    assert_float_equal(evidence(&r.signals[SIG_EVOKED_PAIN], "late_days_with_evoked_pain"), 3, 0);
    assert_int_equal(r.signals[SIG_EVOKED_PAIN].points, 10);
    series_cleanup(&s);
}

static void
test_pain_spreading_needs_two_new_regions(void **state)
{
    (void)state;
    struct series s = gate_series(14, 14, 28);
    s.days[1].locations = "lower_back,left_knee";
    s.days[2].locations = "lower_back";
    s.days[15].locations = "lower_back,left_knee";
    s.days[16].locations = "neck";
    assert_false(signal_present(&s, SIG_PAIN_SPREADING));
    s.days[17].locations = "neck,right_hip";
    assert_true(signal_present(&s, SIG_PAIN_SPREADING));
    struct risk_result r = evaluate(&s);
    assert_float_equal(evidence(&r.signals[SIG_PAIN_SPREADING], "early_locations"), 2, 0);
    assert_float_equal(evidence(&r.signals[SIG_PAIN_SPREADING], "late_locations"), 4, 0);
    assert_int_equal(r.signals[SIG_PAIN_SPREADING].points, 5);
    series_cleanup(&s);
}

static void
test_signals_are_all_listed_in_order(void **state)
{
    (void)state;
    static const char *const codes[SIGNAL_COUNT] = {
        "pain_rising", "dose_escalation", "pain_tracks_dose",  "no_relief_after_escalation",
        "evoked_pain", "pain_spreading",  "relief_after_taper"};
    static const int weights[SIGNAL_COUNT] = {20, 10, 25, 20, 10, 5, 10};
    struct series s = gate_series(14, 14, 28);
    struct risk_result r = evaluate(&s);
    for (int i = 0; i < SIGNAL_COUNT; i++) {
        assert_int_equal(r.signals[i].code, i);
        assert_string_equal(signal_code_name((enum signal_code)i), codes[i]);
        assert_int_equal(r.signals[i].weight, weights[i]);
        assert_true(strlen(r.signals[i].summary) > 10);
    }
    series_cleanup(&s);
}

static void
test_level_thresholds(void **state)
{
    (void)state;
    assert_int_equal(risk_level_for_score(model, 0), LEVEL_LOW);
    assert_int_equal(risk_level_for_score(model, 29), LEVEL_LOW);
    assert_int_equal(risk_level_for_score(model, 30), LEVEL_MODERATE);
    assert_int_equal(risk_level_for_score(model, 59), LEVEL_MODERATE);
    assert_int_equal(risk_level_for_score(model, 60), LEVEL_HIGH);
    assert_int_equal(risk_level_for_score(model, 100), LEVEL_HIGH);
    enum risk_level l;
    assert_int_equal(risk_level_parse("moderate", &l), 0);
    assert_int_equal(l, LEVEL_MODERATE);
    assert_int_equal(risk_level_parse("insufficient_data", &l), -1);
}

/* --- safety flags --- */

static struct risk_result
flat_result(double mme)
{
    struct series s = flat_series(28, mme);
    struct risk_result r = evaluate(&s);
    series_cleanup(&s);
    return r;
}

static void
test_mme_bands_and_flags(void **state)
{
    (void)state;
    struct risk_result r = flat_result(0);
    assert_int_equal(r.band, BAND_NONE);
    r = flat_result(49.99);
    assert_int_equal(r.band, BAND_UNDER_50);
    assert_false(r.flags[FLAG_MME_50_PLUS].present);
    r = flat_result(50);
    assert_int_equal(r.band, BAND_50_TO_89);
    assert_true(r.flags[FLAG_MME_50_PLUS].present);
    assert_false(r.flags[FLAG_MME_90_PLUS].present);
    r = flat_result(89.99);
    assert_true(r.flags[FLAG_MME_50_PLUS].present);
    r = flat_result(90);
    assert_int_equal(r.band, BAND_90_PLUS);
    assert_false(r.flags[FLAG_MME_50_PLUS].present);
    assert_true(r.flags[FLAG_MME_90_PLUS].present);
    assert_float_equal(r.average_daily_mme, 90.0, 1e-9);
}

static void
test_average_mme_is_over_the_last_14_days_with_zeros(void **state)
{
    (void)state;
    struct series s = flat_series(28, 0.0);
    set_mme_range(&s, 21, 27, 100.0);
    s.days[3].mme = 300.0;
    struct risk_result r = evaluate(&s);
    assert_float_equal(r.average_daily_mme, 50.0, 1e-9);
    assert_float_equal(r.max_daily_mme, 300.0, 1e-9);
    assert_true(r.flags[FLAG_MME_50_PLUS].present);
    series_cleanup(&s);
}

static void
test_co_use_within_the_last_28_days(void **state)
{
    (void)state;
    struct series s = flat_series(60, 0.0);
    s.days[59 - 28].opioid_doses = 1; /* 29 days back: outside */
    s.days[59 - 28].benzodiazepine_doses = 1;
    struct risk_result r = evaluate(&s);
    assert_false(r.flags[FLAG_BENZODIAZEPINE_CO_USE].present);
    s.days[59 - 27].opioid_doses = 1; /* the 28th day back counts */
    s.days[59 - 27].benzodiazepine_doses = 1;
    s.days[50].mme = 30.0; /* a patch worn that day counts as an opioid day */
    s.days[50].gabapentinoid_doses = 2;
    s.days[40].benzodiazepine_doses = 1; /* no opioid that day */
    r = evaluate(&s);
    assert_true(r.flags[FLAG_BENZODIAZEPINE_CO_USE].present);
    assert_float_equal(evidence(&r.flags[FLAG_BENZODIAZEPINE_CO_USE], "days"), 1, 0);
    assert_true(r.flags[FLAG_GABAPENTINOID_CO_USE].present);
    series_cleanup(&s);
}

static void
test_long_term_therapy_needs_45_of_90_days(void **state)
{
    (void)state;
    struct series s = flat_series(120, 0.0);
    set_mme_range(&s, 30, 30 + 44 - 1, 10.0); /* 44 opioid days inside the last 90 */
    s.days[10].mme = 10.0;                    /* before the last 90: does not count */
    struct risk_result r = evaluate(&s);
    assert_false(r.flags[FLAG_LONG_TERM_THERAPY].present);
    s.days[119].mme = 10.0;
    r = evaluate(&s);
    assert_true(r.flags[FLAG_LONG_TERM_THERAPY].present);
    assert_float_equal(evidence(&r.flags[FLAG_LONG_TERM_THERAPY], "opioid_days"), 45, 0);
    series_cleanup(&s);
}

/* A 60-day window whose last 7 days average last7, the 28 before them prior28. */
static struct risk_result
recent_change(double prior28, double last7, double prev7)
{
    struct series s = flat_series(60, prior28);
    set_mme_range(&s, 46, 52, prev7);
    set_mme_range(&s, 53, 59, last7);
    struct risk_result r = evaluate(&s);
    series_cleanup(&s);
    return r;
}

static void
test_rapid_escalation_thresholds(void **state)
{
    (void)state;
    /* prior 28 days: 21 days at prior28 and 7 (days 46-52) at prev7 = prior28 */
    assert_true(recent_change(20, 30, 20).flags[FLAG_RAPID_ESCALATION].present);
    assert_false(recent_change(20.01, 30, 20.01).flags[FLAG_RAPID_ESCALATION].present);
    assert_false(recent_change(0, 19.99, 0).flags[FLAG_RAPID_ESCALATION].present);
    assert_true(recent_change(0, 20, 0).flags[FLAG_RAPID_ESCALATION].present);
}

static void
test_fast_taper_thresholds(void **state)
{
    (void)state;
    assert_false(recent_change(40, 30, 40).flags[FLAG_FAST_TAPER].present); /* exactly 25% */
    assert_true(recent_change(40, 29.99, 40).flags[FLAG_FAST_TAPER].present);
    assert_false(recent_change(19.99, 0, 19.99).flags[FLAG_FAST_TAPER].present);
    assert_true(recent_change(20, 0, 20).flags[FLAG_FAST_TAPER].present);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_passes_at_14_pain_and_14_opioid_days),
        cmocka_unit_test(test_gate_needs_14_pain_days),
        cmocka_unit_test(test_gate_needs_14_opioid_days),
        cmocka_unit_test(test_gate_needs_4_pain_days_in_each_segment),
        cmocka_unit_test(test_safety_flags_are_computed_without_enough_data),
        cmocka_unit_test(test_pain_rising_slope_threshold),
        cmocka_unit_test(test_a_slope_rounding_to_zero_is_not_negative_zero),
        cmocka_unit_test(test_pain_rising_median_threshold),
        cmocka_unit_test(test_falling_pain_is_not_rising),
        cmocka_unit_test(test_dose_escalation_at_both_thresholds),
        cmocka_unit_test(test_dose_escalation_ratio_threshold),
        cmocka_unit_test(test_dose_escalation_absolute_threshold),
        cmocka_unit_test(test_pain_tracks_dose_rho_threshold),
        cmocka_unit_test(test_pain_tracks_dose_needs_varying_mme),
        cmocka_unit_test(test_no_relief_when_pain_drops_less_than_one_point),
        cmocka_unit_test(test_relief_of_exactly_one_point_counts),
        cmocka_unit_test(test_escalation_needs_three_pain_days_after),
        cmocka_unit_test(test_escalation_threshold_is_inclusive),
        cmocka_unit_test(test_taper_threshold_is_inclusive),
        cmocka_unit_test(test_event_days_need_both_7_day_means_inside_the_window),
        cmocka_unit_test(test_the_14_days_after_an_event_belong_to_it),
        cmocka_unit_test(test_relief_after_taper_threshold),
        cmocka_unit_test(test_evoked_pain_needs_three_late_days),
        cmocka_unit_test(test_pain_spreading_needs_two_new_regions),
        cmocka_unit_test(test_signals_are_all_listed_in_order),
        cmocka_unit_test(test_level_thresholds),
        cmocka_unit_test(test_mme_bands_and_flags),
        cmocka_unit_test(test_average_mme_is_over_the_last_14_days_with_zeros),
        cmocka_unit_test(test_co_use_within_the_last_28_days),
        cmocka_unit_test(test_long_term_therapy_needs_45_of_90_days),
        cmocka_unit_test(test_rapid_escalation_thresholds),
        cmocka_unit_test(test_fast_taper_thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
