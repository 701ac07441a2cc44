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
#include "util/jsonw.h"

#define DAY_US INT64_C(86400000000)

static const char notice[] = "Screening signal for clinical review; not a diagnosis. Rule out "
                             "disease progression, tolerance, withdrawal and opioid use disorder.";

/* --- trend --- */

struct trend_params {
    int32_t from, to;
    enum bucket_kind kind;
};

/* The trend is the largest response (a bucket per day, up to 730): written directly into
 * one buffer, since building and dumping a jansson tree cost more than the rest of the
 * request together. Numbers are rounded to 2 decimals (PEG to 1), as elsewhere. */

static void
write_date(struct jsonw *w, int32_t day)
{
    char text[11];
    date_format(day, text);
    jsonw_string(w, text);
}

static void
write_bucket(struct jsonw *w, const struct trend_bucket *b)
{
    jsonw_raw(w, "{\"start\":");
    write_date(w, b->start);
    jsonw_raw(w, ",\"pain\":");
    if (b->pain_entries > 0) {
        jsonw_raw(w, "{\"mean\":");
        jsonw_fixed2(w, b->pain_sum / b->pain_entries);
        jsonw_raw(w, ",\"min\":");
        jsonw_int(w, b->pain_min);
        jsonw_raw(w, ",\"max\":");
        jsonw_int(w, b->pain_max);
        jsonw_raw(w, ",\"count\":");
        jsonw_int(w, b->pain_entries);
        jsonw_raw(w, "}");
    } else {
        jsonw_null(w);
    }
    jsonw_raw(w, ",\"peg\":");
    if (b->peg_entries)
        jsonw_fixed2(w, round(b->peg_sum / b->peg_entries * 10.0) / 10.0);
    else
        jsonw_null(w);
    jsonw_raw(w, ",\"mme\":{\"total\":");
    jsonw_fixed2(w, b->mme);
    jsonw_raw(w, ",\"per_day\":");
    jsonw_fixed2(w, b->days ? b->mme / b->days : 0.0);
    jsonw_raw(w, "},\"doses\":");
    jsonw_int(w, b->doses);
    jsonw_raw(w, ",\"evoked_reports\":");
    jsonw_int(w, b->evoked_reports);
    jsonw_raw(w, ",\"locations\":");
    jsonw_int(w, b->locations);
    jsonw_raw(w, "}");
}

static void
write_optional(struct jsonw *w, const char *key, bool has, double value)
{
    jsonw_raw(w, key);
    if (has)
        jsonw_fixed2(w, value);
    else
        jsonw_null(w);
}

static void
write_summary(struct jsonw *w, const struct trend_summary *s)
{
    write_optional(w, "{\"pain_slope_per_week\":", s->has_pain_slope, s->pain_slope_per_week);
    write_optional(w, ",\"mme_slope_per_week\":", s->has_mme_slope, s->mme_slope_per_week);
    write_optional(w, ",\"pain_mme_correlation\":", s->has_correlation, s->pain_mme_correlation);
    jsonw_raw(w, ",\"days_with_pain\":");
    jsonw_int(w, s->days_with_pain);
    jsonw_raw(w, ",\"days_with_opioid\":");
    jsonw_int(w, s->days_with_opioid);
    jsonw_raw(w, "}");
}

static void
reply_trend(struct response *res, const struct patient *p, const struct trend_params *tp,
            const struct trend *t)
{
    struct jsonw w;
    size_t len;
    jsonw_init(&w, 512 + 200 * t->nbuckets);
    jsonw_raw(&w, "{\"patient_id\":");
    jsonw_string(&w, p->id);
    jsonw_raw(&w, ",\"timezone\":");
    jsonw_string(&w, p->timezone);
    jsonw_raw(&w, ",\"from\":");
    write_date(&w, tp->from);
    jsonw_raw(&w, ",\"to\":");
    write_date(&w, tp->to);
    jsonw_raw(&w, tp->kind == BUCKET_WEEK ? ",\"bucket\":\"week\"" : ",\"bucket\":\"day\"");
    jsonw_raw(&w, ",\"series\":[");
    for (size_t i = 0; i < t->nbuckets; i++) {
        if (i)
            jsonw_raw(&w, ",");
        write_bucket(&w, &t->buckets[i]);
    }
    jsonw_raw(&w, "],\"summary\":");
    write_summary(&w, &t->summary);
    jsonw_raw(&w, "}");
    char *text = jsonw_finish(&w, &len);
    reply_json_text(res, 200, text, len);
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

/* from/to and bucket as given (the defaults need the patient's today); false after
 * replying 400. */
static bool
trend_params(struct request *req, struct response *res, struct trend_params *tp, bool *has_from,
             bool *has_to)
{
    struct field_errors errs = {0};
    const char *bucket = req->query(req, "bucket");
    date_param(req, "from", has_from, &tp->from, &errs);
    date_param(req, "to", has_to, &tp->to, &errs);
    tp->kind = bucket && strcmp(bucket, "week") == 0 ? BUCKET_WEEK : BUCKET_DAY;
    if (bucket && strcmp(bucket, "week") != 0 && strcmp(bucket, "day") != 0)
        field_errors_add_param(&errs, "bucket", "must be day or week");
    return finish_query(res, &errs);
}

/* The window once the patient's today is known (to defaults to it, from to the 90 days
 * ending on to); false after replying 400. */
static bool
trend_window(struct response *res, int32_t anchor, bool has_from, struct trend_params *tp)
{
    struct field_errors errs = {0};
    tp->to = anchor;
    if (!has_from)
        tp->from = tp->to - TREND_DEFAULT_DAYS + 1;
    if (tp->from > tp->to || tp->to - tp->from + 1 > TREND_MAX_DAYS)
        field_errors_add_param(&errs, "from", "must be on or before to, at most 730 days before");
    return finish_query(res, &errs);
}

void
trend_get(struct request *req, struct response *res)
{
    char id[37];
    bool has_from, has_to;
    struct trend_params tp;
    if (!path_uuid(req, res, 0, id) || !trend_params(req, res, &tp, &has_from, &has_to))
        return;
    /* one query: the patient (and whether the caller may see them), today, the days */
    struct series_window sw = {.anchor_day = has_to ? tp.to : -1,
                               .has_first = has_from,
                               .first_day = tp.from,
                               .first_offset = -(TREND_DEFAULT_DAYS - 1),
                               .max_days = TREND_MAX_DAYS};
    struct patient p = {0};
    struct series s;
    int32_t anchor;
    void *owner;
    enum db_status st =
        db_patient_series_load(req->db, &req->who, id, &sw, &p, &anchor, &s, &owner);
    if (!patient_found(res, st))
        return;
    if (trend_window(res, anchor, has_from, &tp)) {
        struct trend t;
        trend_compute(&s, tp.kind, &t);
        reply_trend(res, &p, &tp, &t);
        trend_cleanup(&t);
    }
    series_cleanup(&s);
    db_series_release(owner);
}

/* --- risk --- */

/* The risk response is written like the trend's (jansson's tree and dump were a fifth of
 * the request's CPU). Every real in it was rounded to 2 decimals by the model, so
 * jsonw_fixed2 writes what JSON_REAL_PRECISION(15) would. */

static void
write_evidence(struct jsonw *w, const struct finding *f)
{
    jsonw_raw(w, "{");
    for (int i = 0; i < f->nevidence; i++) {
        const struct evidence *ev = &f->evidence[i];
        jsonw_raw(w, i ? "," : "");
        jsonw_string(w, ev->name);
        jsonw_raw(w, ":");
        if (ev->is_null)
            jsonw_null(w);
        else if (ev->is_integer)
            jsonw_int(w, (long long)ev->value);
        else
            jsonw_fixed2(w, ev->value);
    }
    jsonw_raw(w, "}");
}

static void
write_signals(struct jsonw *w, const struct risk_result *r)
{
    jsonw_raw(w, "[");
    for (int i = 0; i < SIGNAL_COUNT; i++) {
        const struct finding *f = &r->signals[i];
        jsonw_raw(w, i ? ",{\"code\":" : "{\"code\":");
        jsonw_string(w, signal_code_name((enum signal_code)f->code));
        jsonw_raw(w,
                  f->present ? ",\"present\":true,\"weight\":" : ",\"present\":false,\"weight\":");
        jsonw_int(w, f->weight);
        jsonw_raw(w, ",\"points\":");
        jsonw_int(w, f->points);
        jsonw_raw(w, ",\"evidence\":");
        write_evidence(w, f);
        jsonw_raw(w, ",\"summary\":");
        jsonw_string(w, f->summary);
        jsonw_raw(w, "}");
    }
    jsonw_raw(w, "]");
}

static void
write_safety(struct jsonw *w, const struct risk_result *r)
{
    jsonw_raw(w, "{\"average_daily_mme\":");
    jsonw_fixed2(w, r->average_daily_mme);
    jsonw_raw(w, ",\"max_daily_mme\":");
    jsonw_fixed2(w, r->max_daily_mme);
    jsonw_raw(w, ",\"mme_band\":");
    jsonw_string(w, mme_band_name(r->band));
    jsonw_raw(w, ",\"flags\":[");
    bool first = true;
    for (int i = 0; i < FLAG_COUNT; i++) {
        const struct finding *f = &r->flags[i];
        if (!f->present)
            continue;
        jsonw_raw(w, first ? "{\"code\":" : ",{\"code\":");
        first = false;
        jsonw_string(w, flag_code_name((enum flag_code)f->code));
        jsonw_raw(w, ",\"summary\":");
        jsonw_string(w, f->summary);
        jsonw_raw(w, ",\"evidence\":");
        write_evidence(w, f);
        jsonw_raw(w, "}");
    }
    jsonw_raw(w, "]}");
}

static void
write_window(struct jsonw *w, const struct patient *p, const struct risk_window *rw)
{
    char as_of[TIMESTAMP_TEXT_MAX];
    timestamp_format(rw->as_of, as_of);
    jsonw_raw(w, ",\"as_of\":");
    jsonw_string(w, as_of);
    jsonw_raw(w, ",\"window\":{\"from\":");
    write_date(w, rw->from);
    jsonw_raw(w, ",\"to\":");
    write_date(w, rw->to);
    jsonw_raw(w, ",\"days\":");
    jsonw_int(w, rw->days);
    jsonw_raw(w, ",\"timezone\":");
    jsonw_string(w, p->timezone);
    jsonw_raw(w, "}");
}

static void
reply_risk(struct response *res, const struct patient *p, const struct risk_model *m,
           const struct risk_window *rw, const struct risk_result *r)
{
    struct jsonw w;
    size_t len;
    jsonw_init(&w, 4096);
    jsonw_raw(&w, "{\"patient_id\":");
    jsonw_string(&w, p->id);
    write_window(&w, p, rw);
    jsonw_raw(&w, ",\"model\":{\"name\":");
    jsonw_string(&w, m->name);
    jsonw_raw(&w, ",\"version\":");
    jsonw_string(&w, m->version);
    jsonw_raw(&w, "},\"oih\":{\"level\":");
    jsonw_string(&w, risk_level_name(r->level));
    jsonw_raw(&w, ",\"score\":");
    if (r->has_score)
        jsonw_int(&w, r->score);
    else
        jsonw_null(&w);
    jsonw_raw(&w, ",\"signals\":");
    write_signals(&w, r);
    jsonw_raw(&w, "},\"safety\":");
    write_safety(&w, r);
    jsonw_raw(&w, ",\"data\":{\"pain_days\":");
    jsonw_int(&w, r->pain_days);
    jsonw_raw(&w, ",\"opioid_days\":");
    jsonw_int(&w, r->opioid_days);
    jsonw_raw(&w, ",\"pain_entries\":");
    jsonw_int(&w, r->pain_entries);
    jsonw_raw(&w, ",\"dose_entries\":");
    jsonw_int(&w, r->dose_entries);
    jsonw_raw(&w, "},\"notice\":");
    jsonw_string(&w, notice);
    jsonw_raw(&w, "}");
    char *text = jsonw_finish(&w, &len);
    reply_json_text(res, 200, text, len);
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
    char id[37];
    struct risk_window w;
    const struct risk_model *m = &risk_model_v1;
    if (!path_uuid(req, res, 0, id) || !risk_params(req, res, &w))
        return;
    struct series_window sw = {.anchor_day = -1, .anchor_at = w.as_of == req->now ? 0 : w.as_of};
    assess_risk_days(w.days, &sw);
    struct patient p = {0};
    struct series s;
    int32_t as_of_day;
    void *owner;
    enum db_status st =
        db_patient_series_load(req->db, &req->who, id, &sw, &p, &as_of_day, &s, &owner);
    if (!patient_found(res, st))
        return;
    struct risk_result r;
    assess_risk_on(m, &s, as_of_day, &w, &r);
    series_cleanup(&s);
    db_series_release(owner);
    reply_risk(res, &p, m, &w, &r);
}
