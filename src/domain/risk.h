/* The OIH screening model (risk-model.md): data gate, seven signals, score and level, and
 * the opioid-safety flags, computed from a daily series. Thresholds and weights live in
 * one table (struct risk_model), so a model version 2 is a new table, not new code. */
#ifndef OIH_RISK_H
#define OIH_RISK_H

#include <stdbool.h>

#include "domain/series.h"

enum signal_code {
    SIG_PAIN_RISING,
    SIG_DOSE_ESCALATION,
    SIG_PAIN_TRACKS_DOSE,
    SIG_NO_RELIEF_AFTER_ESCALATION,
    SIG_EVOKED_PAIN,
    SIG_PAIN_SPREADING,
    SIG_RELIEF_AFTER_TAPER,
    SIGNAL_COUNT
};

enum flag_code {
    FLAG_MME_50_PLUS,
    FLAG_MME_90_PLUS,
    FLAG_BENZODIAZEPINE_CO_USE,
    FLAG_GABAPENTINOID_CO_USE,
    FLAG_LONG_TERM_THERAPY,
    FLAG_RAPID_ESCALATION,
    FLAG_FAST_TAPER,
    FLAG_COUNT
};

enum risk_level { LEVEL_INSUFFICIENT_DATA, LEVEL_LOW, LEVEL_MODERATE, LEVEL_HIGH };
enum mme_band { BAND_NONE, BAND_UNDER_50, BAND_50_TO_89, BAND_90_PLUS };

struct risk_model {
    const char *name;
    const char *version;
    int weights[SIGNAL_COUNT];
    /* data gate */
    int gate_pain_days, gate_opioid_days, gate_segment_pain_days, segment_days_max;
    /* signals */
    double rising_slope_per_week, rising_median_rise;
    double escalation_late_ratio, escalation_late_rise;
    double tracks_min_rho, tracks_mme_spread;
    int tracks_min_days;
    double event_ratio_up, event_rise, event_ratio_down, relief_points;
    int event_days, evaluable_pain_days;
    int evoked_min_days, spreading_min_new;
    int level_high, level_moderate;
    /* safety */
    double mme_caution, mme_high;
    int average_days, co_use_days, long_term_window, long_term_min_days;
    double rapid_ratio, rapid_min_mme, fast_taper_drop, fast_taper_min_mme;
};

/* Model version 1, exactly as risk-model.md states it. */
extern const struct risk_model risk_model_v1;

enum { EVIDENCE_MAX = 6, SUMMARY_MAX = 320 };

struct evidence {
    const char *name; /* static */
    bool is_null;
    bool is_integer;
    double value;
};

struct finding {
    int code; /* enum signal_code or enum flag_code */
    bool present;
    int weight, points; /* signals only */
    struct evidence evidence[EVIDENCE_MAX];
    int nevidence;
    char summary[SUMMARY_MAX];
};

struct risk_result {
    enum risk_level level;
    bool has_score;
    int score;
    struct finding signals[SIGNAL_COUNT]; /* always all seven, in table order */
    double average_daily_mme, max_daily_mme;
    enum mme_band band;
    struct finding flags[FLAG_COUNT]; /* present ones are raised */
    int pain_days, opioid_days, pain_entries, dose_entries;
};

/* Evaluates model m over the window of days [start, end] (indices into s, inclusive).
 * s should extend 14 days before the window and 41 after it where data exists, and cover
 * the 90 days ending at end, so every rule sees the days it may use. */
void risk_evaluate(const struct risk_model *m, const struct series *s, long start, long end,
                   struct risk_result *out);

/* The level of a score that passed the data gate. */
enum risk_level risk_level_for_score(const struct risk_model *m, int score);

const char *signal_code_name(enum signal_code c);
const char *flag_code_name(enum flag_code c);
const char *risk_level_name(enum risk_level l);
const char *mme_band_name(enum mme_band b);
/* Parses "low", "moderate" or "high"; 0 or -1. */
int risk_level_parse(const char *text, enum risk_level *out);

#endif
