/* Resources as JSON, in the shapes of api.md. Strings from the database are valid UTF-8
 * (the connection uses client_encoding UTF8), so json_string never drops a field. */
#include "api/api.h"
#include "domain/timestamp.h"

json_t *
render_time(int64_t us)
{
    char text[TIMESTAMP_TEXT_MAX];
    timestamp_format(us, text);
    return json_string(text);
}

static json_t *
string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *
render_patient(const struct patient *p)
{
    return json_pack("{s:s, s:o, s:s, s:o}", "id", p->id, "external_ref",
                     string_or_null(p->has_external_ref ? p->external_ref : NULL), "timezone",
                     p->timezone, "created_at", render_time(p->created_at));
}

static json_t *
scale_or_null(int v)
{
    return v < 0 ? json_null() : json_integer(v);
}

json_t *
render_pain(const struct pain_entry *e, int64_t created_at)
{
    double peg;
    json_t *locations = json_array();
    for (int i = 0; i < e->nlocations; i++)
        json_array_append_new(locations, json_string(e->locations[i]));
    return json_pack(
        "{s:s, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", e->id, "recorded_at",
        render_time(e->recorded_at), "score", e->score, "enjoyment", scale_or_null(e->enjoyment),
        "activity", scale_or_null(e->activity), "locations", locations, "qualities",
        vocab_words_json(vocab_qualities, QUALITY_COUNT, e->qualities), "evoked_by",
        vocab_words_json(vocab_evoked, EVOKED_COUNT, e->evoked), "note", string_or_null(e->note),
        "peg", pain_entry_peg(e, &peg) ? json_real(peg) : json_null(), "created_at",
        render_time(created_at));
}

json_t *
render_dose(const struct dose_record *d)
{
    return json_pack("{s:s, s:o, s:s, s:f, s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "id", d->id,
                     "taken_at", render_time(d->taken_at), "medication", d->medication, "dose",
                     d->dose, "unit", d->unit, "route", d->route, "duration_hours",
                     d->has_duration ? json_real(d->duration_hours) : json_null(), "note",
                     string_or_null(d->note), "class", d->med_class, "mme",
                     d->has_mme ? json_real(d->mme) : json_null(), "created_at",
                     render_time(d->created_at));
}
