/* GET /v1/patients/{id}/trend and /risk: the clinical core. Parameters are validated here,
 * the work is in src/clinical/assess.c, and the shapes are those of api.md and
 * risk-model.md section 6. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/parse.h"
#include "clinical/assess.h"
#include "db/series.h"
#include "domain/timestamp.h"

#define DAY_US INT64_C(86400000000)

static const char notice[] = "Screening signal for clinical review; not a diagnosis. Rule out "
                             "disease progression, tolerance, withdrawal and opioid use disorder.";

static json_t *
date_json(int32_t day)
{
    char text[11];
    date_format(day, text);
    return json_string(text);
}

static json_t *
rounded(double x, double scale)
{
    return json_real(round(x * scale) / scale);
}

/* --- trend --- */

static json_t *
bucket_json(const struct trend_bucket *b)
{
    json_t *pain = json_null();
    if (b->pain_entries > 0)
        pain =
            json_pack("{s:o, s:i, s:i, s:i}", "mean", rounded(b->pain_sum / b->pain_entries, 100.0),
                      "min", b->pain_min, "max", b->pain_max, "count", b->pain_entries);
    return json_pack("{s:o, s:o, s:o, s:{s:o, s:o}, s:i, s:i, s:i}", "start", date_json(b->start),
                     "pain", pain, "peg",
                     b->peg_entries ? rounded(b->peg_sum / b->peg_entries, 10.0) : json_null(),
                     "mme", "total", rounded(b->mme, 100.0), "per_day",
                     rounded(b->days ? b->mme / b->days : 0.0, 100.0), "doses", b->doses,
                     "evoked_reports", b->evoked_reports, "locations", b->locations);
}

static json_t *
optional_stat(bool has, double value)
{
    return has ? rounded(value, 100.0) : json_null();
}

static json_t *
summary_json(const struct trend_summary *s)
{
    return json_pack("{s:o, s:o, s:o, s:i, s:i}", "pain_slope_per_week",
                     optional_stat(s->has_pain_slope, s->pain_slope_per_week), "mme_slope_per_week",
                     optional_stat(s->has_mme_slope, s->mme_slope_per_week), "pain_mme_correlation",
                     optional_stat(s->has_correlation, s->pain_mme_correlation), "days_with_pain",
                     s->days_with_pain, "days_with_opioid", s->days_with_opioid);
}

/* Calendar days a trend may cover: no entry is older than 2000-01-01 (ENTRY_EARLIEST_US),
 * and 9999-12-30 leaves the day after the range representable. */
enum { DAY_2000_01_01 = 10957, DAY_9999_12_30 = 2932895 };

/* A "YYYY-MM-DD" parameter; 0 when absent or valid, -1 after recording the error. */
static int
date_param(struct request *req, const char *name, bool *has, int32_t *out,
           struct field_errors *errs)
{
    const char *text = req->query(req, name);
    *has = text != NULL;
    if (text && (date_parse(text, out) < 0 || *out < DAY_2000_01_01 || *out > DAY_9999_12_30)) {
        field_errors_add_param(errs, name,
                               "must be a calendar date from 2000-01-01, such as 2026-03-01");
        return -1;
    }
    return 0;
}

struct trend_params {
    int32_t from, to;
    enum bucket_kind kind;
};

/* from/to (default: the 90 days ending today), bucket; false after replying 400. */
static bool
trend_params(struct request *req, struct response *res, const struct patient *p,
             struct trend_params *tp)
{
    struct field_errors errs = {0};
    bool has_from, has_to;
    const char *bucket = req->query(req, "bucket");
    date_param(req, "from", &has_from, &tp->from, &errs);
    date_param(req, "to", &has_to, &tp->to, &errs);
    tp->kind = bucket && strcmp(bucket, "week") == 0 ? BUCKET_WEEK : BUCKET_DAY;
    if (bucket && strcmp(bucket, "week") != 0 && strcmp(bucket, "day") != 0)
        field_errors_add_param(&errs, "bucket", "must be day or week");
    if (!errs.count && !has_to) {
        enum db_status st = db_local_date(req->db, p->timezone, req->now, &tp->to);
        if (st != DB_OK) {
            reply_db_status(res, st);
            field_errors_cleanup(&errs);
            return false;
        }
    }
    if (!errs.count && !has_from)
        tp->from = tp->to - TREND_DEFAULT_DAYS + 1;
    if (!errs.count && (tp->from > tp->to || tp->to - tp->from + 1 > TREND_MAX_DAYS))
        field_errors_add_param(&errs, "from", "must be on or before to, at most 730 days before");
    return finish_query(res, &errs);
}

void
trend_get(struct request *req, struct response *res)
{
    struct patient p;
    struct trend_params tp;
    struct trend t;
    if (!load_patient(req, res, &p) || !trend_params(req, res, &p, &tp))
        return;
    enum db_status st = assess_trend(req->db, p.id, tp.from, tp.to, tp.kind, &t);
    if (st != DB_OK) {
        reply_db_status(res, st);
        return;
    }
    json_t *series = json_array();
    for (size_t i = 0; i < t.nbuckets; i++)
        json_array_append_new(series, bucket_json(&t.buckets[i]));
    reply_json(res, 200,
               json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "patient_id", p.id, "timezone",
                         p.timezone, "from", date_json(tp.from), "to", date_json(tp.to), "bucket",
                         tp.kind == BUCKET_WEEK ? "week" : "day", "series", series, "summary",
                         summary_json(&t.summary)));
    trend_cleanup(&t);
}

/* --- risk --- */

static json_t *
evidence_json(const struct finding *f)
{
    json_t *e = json_object();
    for (int i = 0; i < f->nevidence; i++) {
        const struct evidence *ev = &f->evidence[i];
        json_t *v = ev->is_null      ? json_null()
                    : ev->is_integer ? json_integer((json_int_t)ev->value)
                                     : json_real(ev->value);
        json_object_set_new(e, ev->name, v);
    }
    return e;
}

static json_t *
signals_json(const struct risk_result *r)
{
    json_t *list = json_array();
    for (int i = 0; i < SIGNAL_COUNT; i++) {
        const struct finding *f = &r->signals[i];
        json_array_append_new(list,
                              json_pack("{s:s, s:b, s:i, s:i, s:o, s:s}", "code",
                                        signal_code_name((enum signal_code)f->code), "present",
                                        f->present, "weight", f->weight, "points", f->points,
                                        "evidence", evidence_json(f), "summary", f->summary));
    }
    return list;
}

static json_t *
safety_json(const struct risk_result *r)
{
    json_t *flags = json_array();
    for (int i = 0; i < FLAG_COUNT; i++) {
        const struct finding *f = &r->flags[i];
        if (f->present)
            json_array_append_new(
                flags, json_pack("{s:s, s:s, s:o}", "code", flag_code_name((enum flag_code)f->code),
                                 "summary", f->summary, "evidence", evidence_json(f)));
    }
    return json_pack("{s:f, s:f, s:s, s:o}", "average_daily_mme", r->average_daily_mme,
                     "max_daily_mme", r->max_daily_mme, "mme_band", mme_band_name(r->band), "flags",
                     flags);
}

static json_t *
risk_json(const struct patient *p, const struct risk_model *m, const struct risk_window *w,
          const struct risk_result *r)
{
    return json_pack(
        "{s:s, s:o, s:{s:o, s:o, s:i, s:s}, s:{s:s, s:s}, s:{s:s, s:o, s:o}, s:o,"
        " s:{s:i, s:i, s:i, s:i}, s:s}",
        "patient_id", p->id, "as_of", render_time(w->as_of), "window", "from", date_json(w->from),
        "to", date_json(w->to), "days", w->days, "timezone", p->timezone, "model", "name", m->name,
        "version", m->version, "oih", "level", risk_level_name(r->level), "score",
        r->has_score ? json_integer(r->score) : json_null(), "signals", signals_json(r), "safety",
        safety_json(r), "data", "pain_days", r->pain_days, "opioid_days", r->opioid_days,
        "pain_entries", r->pain_entries, "dose_entries", r->dose_entries, "notice", notice);
}

/* as_of (default now) and window_days (28..365, default 90); false after replying 400. */
static bool
risk_params(struct request *req, struct response *res, struct risk_window *w)
{
    struct field_errors errs = {0};
    bool has_as_of;
    w->as_of = req->now;
    w->days = 90;
    /* a day of slack: "as of the end of today" in a zone ahead of UTC */
    if (parse_time_param(query_param, req, "as_of", &has_as_of, &w->as_of, &errs) == 0 &&
        has_as_of && (w->as_of < ENTRY_EARLIEST_US || w->as_of > req->now + DAY_US))
        field_errors_add_param(&errs, "as_of", "must be a time from 2000-01-01 to a day from now");
    parse_int_param(query_param, req, "window_days", 28, 365, "must be an integer from 28 to 365",
                    &w->days, &errs);
    return finish_query(res, &errs);
}

void
risk_get(struct request *req, struct response *res)
{
    struct patient p;
    struct risk_window w;
    struct risk_result r;
    const struct risk_model *m = &risk_model_v1;
    if (!load_patient(req, res, &p) || !risk_params(req, res, &w))
        return;
    enum db_status st = assess_risk(req->db, m, p.id, p.timezone, &w, &r);
    if (st != DB_OK)
        reply_db_status(res, st);
    else
        reply_json(res, 200, risk_json(&p, m, &w, &r));
}
