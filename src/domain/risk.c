/* The OIH screening model. Each signal is one function that reads the series and fills a
 * finding with its evidence and a plain-language summary; risk_evaluate runs the data
 * gate, the signals in table order, the score and the safety flags. Comparisons at a
 * threshold count as reaching it ("at least"), with a tolerance for binary rounding. */
#include "domain/risk.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/stats.h"
#include "util/xalloc.h"

const struct risk_model risk_model_v1 = {
    .name = "oihwatch-oih",
    .version = "1",
    .weights = {20, 10, 25, 20, 10, 5, 10},
    .gate_pain_days = 14,
    .gate_opioid_days = 14,
    .gate_segment_pain_days = 4,
    .segment_days_max = 28,
    .rising_slope_per_week = 0.1,
    .rising_median_rise = 1.0,
    .escalation_late_ratio = 1.2,
    .escalation_late_rise = 10.0,
    .tracks_min_rho = 0.4,
    .tracks_mme_spread = 1.2,
    .tracks_min_days = 14,
    .event_ratio_up = 1.1,
    .event_rise = 5.0,
    .event_ratio_down = 0.9,
    .relief_points = 1.0,
    .event_days = 14,
    .evaluable_pain_days = 3,
    .evoked_min_days = 3,
    .spreading_min_new = 2,
    .level_high = 60,
    .level_moderate = 30,
    .mme_caution = 50.0,
    .mme_high = 90.0,
    .average_days = 14,
    .co_use_days = 28,
    .long_term_window = 90,
    .long_term_min_days = 45,
    .rapid_ratio = 1.5,
    .rapid_min_mme = 20.0,
    .fast_taper_drop = 0.25,
    .fast_taper_min_mme = 20.0,
};

static const char *const signal_names[SIGNAL_COUNT] = {
    "pain_rising", "dose_escalation", "pain_tracks_dose",  "no_relief_after_escalation",
    "evoked_pain", "pain_spreading",  "relief_after_taper"};
static const char *const flag_names[FLAG_COUNT] = {"mme_50_plus",
                                                   "mme_90_plus",
                                                   "benzodiazepine_co_use",
                                                   "gabapentinoid_co_use",
                                                   "long_term_therapy",
                                                   "rapid_escalation",
                                                   "fast_taper"};
static const char *const level_names[] = {"insufficient_data", "low", "moderate", "high"};
static const char *const band_names[] = {"none", "under_50", "50_to_89", "90_plus"};

const char *
signal_code_name(enum signal_code c)
{
    return signal_names[c];
}

const char *
flag_code_name(enum flag_code c)
{
    return flag_names[c];
}

const char *
risk_level_name(enum risk_level l)
{
    return level_names[l];
}

const char *
mme_band_name(enum mme_band b)
{
    return band_names[b];
}

enum risk_level
risk_level_for_score(const struct risk_model *m, int score)
{
    if (score >= m->level_high)
        return LEVEL_HIGH;
    return score >= m->level_moderate ? LEVEL_MODERATE : LEVEL_LOW;
}

int
risk_level_parse(const char *text, enum risk_level *out)
{
    for (int l = LEVEL_LOW; l <= LEVEL_HIGH; l++) {
        if (strcmp(text, level_names[l]) == 0) {
            *out = (enum risk_level)l;
            return 0;
        }
    }
    return -1;
}

/* a >= b, forgiving the last bits of binary rounding (1.1 * 10 is 11.000000000000002). */
static bool
at_least(double a, double b)
{
    return a >= b - 1e-9 * fmax(1.0, fabs(b));
}

/* Rounds to 2 decimals; + 0.0 turns a negative zero (a slope of -0.001) into 0, which
 * would otherwise be written "-0.0". */
static double
round2(double x)
{
    return round(x * 100.0) / 100.0 + 0.0;
}

static void
add_number(struct finding *f, const char *name, double value)
{
    if (f->nevidence < EVIDENCE_MAX)
        f->evidence[f->nevidence++] = (struct evidence){name, false, false, round2(value)};
}

static void
add_integer(struct finding *f, const char *name, int value)
{
    if (f->nevidence < EVIDENCE_MAX)
        f->evidence[f->nevidence++] = (struct evidence){name, false, true, value};
}

static void
add_optional(struct finding *f, const char *name, bool has, double value)
{
    if (!has) {
        if (f->nevidence < EVIDENCE_MAX)
            f->evidence[f->nevidence++] = (struct evidence){name, true, false, 0.0};
        return;
    }
    add_number(f, name, value);
}

/* Formats the finding's summary (printf-style). */
static void summarize(struct finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
summarize(struct finding *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(f->summary, sizeof(f->summary), fmt, ap);
    va_end(ap);
}

struct window {
    const struct risk_model *m;
    const struct series *s;
    long start, end; /* the window, inclusive indices into s */
    long seg;        /* days in each of the early and late segments */
};

static long
late_start(const struct window *w)
{
    return w->end - w->seg + 1;
}

static long
early_end(const struct window *w)
{
    return w->start + w->seg - 1;
}

/* Mean daily MME over [from, to]; days outside the series count as 0 (nothing recorded). */
static double
mean_mme(const struct window *w, long from, long to)
{
    double sum = 0.0;
    for (long i = from; i <= to; i++)
        sum += i >= 0 && (size_t)i < w->s->ndays ? w->s->days[i].mme : 0.0;
    return to >= from ? sum / (double)(to - from + 1) : 0.0;
}

/* Pain values (and their day indices and MME) of the pain days in [from, to]; arrays are
 * new and hold the returned count. */
static size_t
collect_pain_days(const struct window *w, long from, long to, double **x, double **pain,
                  double **mme)
{
    size_t n = 0, cap = (size_t)(to - from + 1);
    *x = xmalloc(cap * sizeof(double));
    *pain = xmalloc(cap * sizeof(double));
    *mme = xmalloc(cap * sizeof(double));
    for (long i = from; i <= to; i++) {
        const struct day_stats *d = &w->s->days[i];
        if (!day_has_pain(d))
            continue;
        (*x)[n] = (double)i;
        (*pain)[n] = day_pain(d);
        (*mme)[n++] = d->mme;
    }
    return n;
}

static void
free3(double *a, double *b, double *c)
{
    free(a);
    free(b);
    free(c);
}

static double
segment_median(const struct window *w, long from, long to)
{
    double *x, *pain, *mme, median = 0.0;
    size_t n = collect_pain_days(w, from, to, &x, &pain, &mme);
    stats_median(pain, n, &median);
    free3(x, pain, mme);
    return median;
}

static void
signal_pain_rising(const struct window *w, struct finding *f)
{
    double *x, *pain, *mme, slope = 0.0;
    size_t n = collect_pain_days(w, w->start, w->end, &x, &pain, &mme);
    bool has_slope = stats_theil_sen(x, pain, n, &slope);
    free3(x, pain, mme);
    slope *= 7.0;
    double early = segment_median(w, w->start, early_end(w));
    double late = segment_median(w, late_start(w), w->end);
    f->present = has_slope && at_least(slope, w->m->rising_slope_per_week) &&
                 at_least(late - early, w->m->rising_median_rise);
    add_optional(f, "slope_per_week", has_slope, slope);
    add_number(f, "early_median", early);
    add_number(f, "late_median", late);
    if (f->present)
        summarize(f,
                  "Pain rose from a median of %.1f to %.1f over the window (%+.2f points "
                  "per week).",
                  early, late, slope);
    else
        summarize(f,
                  "Pain did not rise clearly: median %.1f early and %.1f late (%+.2f points "
                  "per week).",
                  early, late, slope);
}

static void
signal_dose_escalation(const struct window *w, struct finding *f)
{
    double early = mean_mme(w, w->start, early_end(w));
    double late = mean_mme(w, late_start(w), w->end);
    f->present = at_least(late, w->m->escalation_late_ratio * early) &&
                 at_least(late - early, w->m->escalation_late_rise);
    add_number(f, "early_mean_mme", early);
    add_number(f, "late_mean_mme", late);
    add_optional(f, "ratio", early > 0.0, early > 0.0 ? late / early : 0.0);
    summarize(f,
              "Average daily MME went from %.1f in the first %ld days to %.1f in the last "
              "%ld days%s.",
              early, w->seg, late, w->seg, f->present ? ": an escalation" : "; not an escalation");
}

static void
min_max(const double *v, size_t n, double *lo, double *hi)
{
    *lo = n ? v[0] : 0.0;
    *hi = *lo;
    for (size_t i = 1; i < n; i++) {
        *lo = fmin(*lo, v[i]);
        *hi = fmax(*hi, v[i]);
    }
}

static void
signal_pain_tracks_dose(const struct window *w, struct finding *f)
{
    double *x, *pain, *mme, lo, hi, rho = 0.0;
    size_t n = collect_pain_days(w, w->start, w->end, &x, &pain, &mme);
    min_max(mme, n, &lo, &hi);
    bool varies = hi > 0.0 && at_least(hi, w->m->tracks_mme_spread * lo);
    bool has_rho = stats_spearman(pain, mme, n, &rho);
    free3(x, pain, mme);
    f->present =
        (int)n >= w->m->tracks_min_days && varies && has_rho && at_least(rho, w->m->tracks_min_rho);
    add_optional(f, "rho", has_rho, rho);
    add_integer(f, "pain_days", (int)n);
    add_number(f, "min_daily_mme", lo);
    add_number(f, "max_daily_mme", hi);
    if (!has_rho || !varies)
        summarize(f,
                  "Pain cannot be compared with the dose: the daily dose hardly changed on "
                  "the %zu pain days.",
                  n);
    else
        summarize(f, "Daily pain %s the daily dose (Spearman rho %.2f over %zu pain days).",
                  f->present ? "rose and fell with" : "did not clearly follow", rho, n);
}

struct event_scan {
    int events, evaluable, relieved;
    bool has_largest;
    double largest; /* the largest drop in pain, before minus after */
};

static bool
is_event(const struct risk_model *m, bool up, double mean7, double prior7)
{
    if (up)
        return at_least(mean7, m->event_ratio_up * prior7) &&
               at_least(mean7, prior7 + m->event_rise);
    return prior7 > 0.0 && at_least(m->event_ratio_down * prior7, mean7);
}

/* Pain before (e-14..e-1) and after (escalation e+7..e+20, taper e+14..e+41). */
static void
evaluate_event(const struct window *w, long e, bool up, struct event_scan *scan)
{
    double before = 0.0, after = 0.0;
    long from = up ? e + 7 : e + 14, to = up ? e + 20 : e + 41;
    int nb = series_mean_pain(w->s, e - 14, e - 1, &before);
    int na = series_mean_pain(w->s, from, to, &after);
    if (nb < w->m->evaluable_pain_days || na < w->m->evaluable_pain_days)
        return;
    double drop = before - after;
    scan->evaluable++;
    scan->relieved += at_least(drop, w->m->relief_points);
    scan->largest = scan->has_largest ? fmax(scan->largest, drop) : drop;
    scan->has_largest = true;
}

/* Escalations (up) or tapers: days e with e-7 and e+6 inside the window; the first such
 * day starts an event and the next event_days days belong to it. */
static void
scan_events(const struct window *w, bool up, struct event_scan *scan)
{
    memset(scan, 0, sizeof(*scan));
    for (long e = w->start + 7; e <= w->end - 6; e++) {
        if (!is_event(w->m, up, mean_mme(w, e, e + 6), mean_mme(w, e - 7, e - 1)))
            continue;
        scan->events++;
        evaluate_event(w, e, up, scan);
        e += w->m->event_days;
    }
}

static void
add_scan_evidence(struct finding *f, const char *events_name, const struct event_scan *scan)
{
    add_integer(f, events_name, scan->events);
    add_integer(f, "evaluable", scan->evaluable);
    add_integer(f, "with_relief", scan->relieved);
    add_optional(f, "largest_pain_drop", scan->has_largest, scan->largest);
}

static void
signal_no_relief(const struct window *w, struct finding *f)
{
    struct event_scan scan;
    scan_events(w, true, &scan);
    f->present = scan.evaluable > 0 && scan.relieved == 0;
    add_scan_evidence(f, "escalations", &scan);
    if (scan.evaluable == 0)
        summarize(f,
                  "No dose escalation (%d found) had enough pain entries before and after "
                  "it to judge relief.",
                  scan.events);
    else if (f->present)
        summarize(f,
                  "Pain did not fall by %.0f point or more after any of %d evaluable dose "
                  "escalations.",
                  w->m->relief_points, scan.evaluable);
    else
        summarize(f,
                  "Pain fell by %.0f point or more after %d of %d evaluable dose "
                  "escalations.",
                  w->m->relief_points, scan.relieved, scan.evaluable);
}

static void
signal_relief_after_taper(const struct window *w, struct finding *f)
{
    struct event_scan scan;
    scan_events(w, false, &scan);
    f->present = scan.relieved > 0;
    add_scan_evidence(f, "tapers", &scan);
    if (f->present)
        summarize(f, "Pain fell by %.1f points after a dose taper (%d of %d evaluable tapers).",
                  scan.largest, scan.relieved, scan.evaluable);
    else if (scan.evaluable > 0)
        summarize(f, "Pain did not fall by %.0f point or more after %d evaluable dose tapers.",
                  w->m->relief_points, scan.evaluable);
    else
        summarize(f,
                  "No dose taper (%d found) had enough pain entries before and after it to "
                  "judge relief.",
                  scan.events);
}

static void
signal_evoked_pain(const struct window *w, struct finding *f)
{
    int days = 0;
    for (long i = late_start(w); i <= w->end; i++)
        days += w->s->days[i].sensitized_reports > 0;
    f->present = days >= w->m->evoked_min_days;
    add_integer(f, "late_days_with_evoked_pain", days);
    add_integer(f, "late_days", (int)w->seg);
    summarize(f,
              "Pain from light touch, cold, heat or pressure was reported on %d of the last "
              "%ld days.",
              days, w->seg);
}

static void
signal_pain_spreading(const struct window *w, struct finding *f)
{
    int early = series_distinct_locations(w->s, w->start, early_end(w));
    int late = series_distinct_locations(w->s, late_start(w), w->end);
    f->present = late >= early + w->m->spreading_min_new;
    add_integer(f, "early_locations", early);
    add_integer(f, "late_locations", late);
    summarize(f,
              "Pain was reported in %d body region%s in the last %ld days versus %d in the "
              "first %ld.",
              late, late == 1 ? "" : "s", w->seg, early, w->seg);
}

typedef void signal_fn(const struct window *w, struct finding *f);

/* The signals in the order the response lists them (risk-model.md section 4). */
static signal_fn *const signal_table[SIGNAL_COUNT] = {
    signal_pain_rising, signal_dose_escalation, signal_pain_tracks_dose,   signal_no_relief,
    signal_evoked_pain, signal_pain_spreading,  signal_relief_after_taper,
};

struct gate {
    int pain_days, opioid_days, early_pain_days, late_pain_days;
    bool passed;
};

static void
check_gate(const struct window *w, struct gate *g)
{
    const struct risk_model *m = w->m;
    g->pain_days = series_count_pain_days(w->s, w->start, w->end);
    g->opioid_days = series_count_opioid_days(w->s, w->start, w->end);
    g->early_pain_days = series_count_pain_days(w->s, w->start, early_end(w));
    g->late_pain_days = series_count_pain_days(w->s, late_start(w), w->end);
    g->passed = g->pain_days >= m->gate_pain_days && g->opioid_days >= m->gate_opioid_days &&
                g->early_pain_days >= m->gate_segment_pain_days &&
                g->late_pain_days >= m->gate_segment_pain_days;
}

/* A signal that was not evaluated: its evidence says what was missing. */
static void
gate_finding(const struct window *w, const struct gate *g, struct finding *f)
{
    const struct risk_model *m = w->m;
    add_integer(f, "pain_days", g->pain_days);
    add_integer(f, "opioid_days", g->opioid_days);
    add_integer(f, "early_pain_days", g->early_pain_days);
    add_integer(f, "late_pain_days", g->late_pain_days);
    summarize(f,
              "Not evaluated: needs at least %d pain days (has %d) and %d opioid days (has "
              "%d) in the window, and %d pain days in each of the first and last %ld days "
              "(has %d and %d).",
              m->gate_pain_days, g->pain_days, m->gate_opioid_days, g->opioid_days,
              m->gate_segment_pain_days, w->seg, g->early_pain_days, g->late_pain_days);
}

static void
evaluate_signals(const struct window *w, struct risk_result *out)
{
    struct gate g;
    check_gate(w, &g);
    out->pain_days = g.pain_days;
    out->opioid_days = g.opioid_days;
    out->score = 0;
    for (int i = 0; i < SIGNAL_COUNT; i++) {
        struct finding *f = &out->signals[i];
        f->code = i;
        f->weight = w->m->weights[i];
        if (!g.passed) {
            gate_finding(w, &g, f);
            continue;
        }
        signal_table[i](w, f);
        f->points = f->present ? f->weight : 0;
        out->score += f->points;
    }
    out->has_score = g.passed;
    out->level = g.passed ? risk_level_for_score(w->m, out->score) : LEVEL_INSUFFICIENT_DATA;
}

/* Days among the last n of the window with an opioid and, the same day, a dose counted by
 * other(). An opioid day here also counts a patch still being worn (mme > 0). */
static int
co_use_days(const struct window *w, int n, bool benzodiazepine)
{
    int days = 0;
    for (long i = w->end - n + 1; i <= w->end; i++) {
        if (i < 0)
            continue;
        const struct day_stats *d = &w->s->days[i];
        int other = benzodiazepine ? d->benzodiazepine_doses : d->gabapentinoid_doses;
        days += (d->opioid_doses > 0 || d->mme > 0.0) && other > 0;
    }
    return days;
}

static void
flag_mme(const struct window *w, double avg, struct risk_result *out)
{
    const struct risk_model *m = w->m;
    struct finding *f50 = &out->flags[FLAG_MME_50_PLUS], *f90 = &out->flags[FLAG_MME_90_PLUS];
    f50->present = at_least(avg, m->mme_caution) && !at_least(avg, m->mme_high);
    f90->present = at_least(avg, m->mme_high);
    add_number(f50, "average_daily_mme", avg);
    add_number(f90, "average_daily_mme", avg);
    summarize(f50,
              "Average daily MME over the last %d days is %.1f (50 to 89): use additional "
              "precautions and offer naloxone (CDC 2022).",
              m->average_days, avg);
    summarize(f90,
              "Average daily MME over the last %d days is %.1f (90 or more): avoid, or "
              "carefully justify, such doses (CDC 2016).",
              m->average_days, avg);
}

static void
flag_co_use(const struct window *w, struct risk_result *out)
{
    struct finding *benzo = &out->flags[FLAG_BENZODIAZEPINE_CO_USE];
    struct finding *gaba = &out->flags[FLAG_GABAPENTINOID_CO_USE];
    int nb = co_use_days(w, w->m->co_use_days, true);
    int ng = co_use_days(w, w->m->co_use_days, false);
    benzo->present = nb > 0;
    gaba->present = ng > 0;
    add_integer(benzo, "days", nb);
    add_integer(gaba, "days", ng);
    summarize(benzo,
              "An opioid and a benzodiazepine were taken on the same day on %d of the "
              "last %d days: a risk of fatal respiratory depression.",
              nb, w->m->co_use_days);
    summarize(gaba,
              "An opioid and a gabapentinoid were taken on the same day on %d of the last "
              "%d days (FDA 2019 warning: respiratory depression).",
              ng, w->m->co_use_days);
}

static void
flag_long_term(const struct window *w, struct risk_result *out)
{
    struct finding *f = &out->flags[FLAG_LONG_TERM_THERAPY];
    int n = w->m->long_term_window;
    int days = series_count_opioid_days(w->s, w->end - n + 1, w->end);
    f->present = days >= w->m->long_term_min_days;
    add_integer(f, "opioid_days", days);
    add_integer(f, "days", n);
    summarize(f, "Opioids were taken on %d of the last %d days%s.", days, n,
              f->present ? ": long-term therapy" : "");
}

static void
flag_rate_of_change(const struct window *w, struct risk_result *out)
{
    const struct risk_model *m = w->m;
    struct finding *rapid = &out->flags[FLAG_RAPID_ESCALATION];
    struct finding *taper = &out->flags[FLAG_FAST_TAPER];
    double last7 = mean_mme(w, w->end - 6, w->end);
    double prior28 = mean_mme(w, w->end - 34, w->end - 7);
    double prev7 = mean_mme(w, w->end - 13, w->end - 7);
    rapid->present = at_least(last7, m->rapid_ratio * prior28) && at_least(last7, m->rapid_min_mme);
    /* "more than 25% below": exactly 25% is not flagged */
    taper->present = at_least(prev7, m->fast_taper_min_mme) &&
                     !at_least(last7, (1.0 - m->fast_taper_drop) * prev7);
    add_number(rapid, "last_7_days_mean_mme", last7);
    add_number(rapid, "prior_28_days_mean_mme", prior28);
    add_number(taper, "last_7_days_mean_mme", last7);
    add_number(taper, "previous_7_days_mean_mme", prev7);
    add_optional(taper, "drop_percent", prev7 > 0.0,
                 prev7 > 0.0 ? 100.0 * (1.0 - last7 / prev7) : 0);
    summarize(rapid,
              "Average daily MME of the last 7 days is %.1f against %.1f in the 28 days "
              "before them.",
              last7, prior28);
    summarize(taper,
              "Average daily MME fell from %.1f to %.1f within a week; CDC advises "
              "tapering about 10%% per month, or per week after shorter use.",
              prev7, last7);
}

static void
evaluate_safety(const struct window *w, struct risk_result *out)
{
    double avg = mean_mme(w, w->end - w->m->average_days + 1, w->end), max = 0.0;
    for (long i = w->start; i <= w->end; i++)
        max = fmax(max, w->s->days[i].mme);
    out->average_daily_mme = round2(avg);
    out->max_daily_mme = round2(max);
    out->band = avg <= 0.0                          ? BAND_NONE
                : !at_least(avg, w->m->mme_caution) ? BAND_UNDER_50
                : !at_least(avg, w->m->mme_high)    ? BAND_50_TO_89
                                                    : BAND_90_PLUS;
    for (int i = 0; i < FLAG_COUNT; i++)
        out->flags[i].code = i;
    flag_mme(w, avg, out);
    flag_co_use(w, out);
    flag_long_term(w, out);
    flag_rate_of_change(w, out);
}

void
risk_evaluate(const struct risk_model *m, const struct series *s, long start, long end,
              struct risk_result *out)
{
    long days = end - start + 1;
    struct window w = {m, s, start, end,
                       days / 2 < m->segment_days_max ? days / 2 : m->segment_days_max};
    memset(out, 0, sizeof(*out));
    evaluate_signals(&w, out);
    evaluate_safety(&w, out);
    for (long i = start; i <= end; i++) {
        out->pain_entries += s->days[i].pain_entries;
        out->dose_entries += s->days[i].dose_entries;
    }
}
