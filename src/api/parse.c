/* Body and query validation. Each field has one getter that both checks and converts, and
 * every getter reports through the same field_errors list, so one 422 names every
 * problem of a 1000-entry batch. Optional fields may also be sent as null. */
#include "api/parse.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/mme.h"
#include "domain/timestamp.h"
#include "domain/uuid.h"
#include "util/random.h"
#include "util/xalloc.h"

static const char E_REQUIRED[] = "is required";
static const char E_UNKNOWN[] = "unknown field";
static const char E_SCALE[] = "must be an integer from 0 to 10";
static const char E_UUID[] = "must be a UUID";
static const char E_TIME[] = "must be an RFC 3339 timestamp with an offset, such as "
                             "2026-03-01T08:30:00-05:00";
static const char E_TIME_EARLY[] = "must not be before 2000-01-01";
static const char E_TIME_FUTURE[] = "must not be more than 5 minutes in the future";
static const char E_NOTE[] = "must be a string of at most 1000 characters";

/* The value of an optional field, or NULL when absent or null. */
static json_t *
present(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_null(v) ? NULL : v;
}

static void
child_pointer(char out[FIELD_POINTER_MAX], const char *prefix, const char *name)
{
    (void)snprintf(out, FIELD_POINTER_MAX, "%s/%s", prefix, name);
}

static bool
in_list(const char *const *names, const char *key)
{
    for (; *names; names++) {
        if (strcmp(*names, key) == 0)
            return true;
    }
    return false;
}

static void
reject_unknown(json_t *obj, const char *const *names, const char *prefix, struct field_errors *errs)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        if (!in_list(names, key))
            field_errors_add(errs, prefix, key, E_UNKNOWN);
    }
}

static void
get_id(json_t *obj, const char *name, char out[37], const char *prefix, struct field_errors *errs)
{
    json_t *v = present(obj, name);
    out[0] = '\0';
    if (v && (!json_is_string(v) || !uuid_normalize(json_string_value(v), out)))
        field_errors_add(errs, prefix, name, E_UUID);
}

static void
get_time(json_t *obj, const char *name, int64_t now, int64_t *out, const char *prefix,
         struct field_errors *errs)
{
    json_t *v = present(obj, name);
    int64_t t;
    if (!v)
        field_errors_add(errs, prefix, name, E_REQUIRED);
    else if (!json_is_string(v) || timestamp_parse(json_string_value(v), &t) < 0)
        field_errors_add(errs, prefix, name, E_TIME);
    else if (t < ENTRY_EARLIEST_US)
        field_errors_add(errs, prefix, name, E_TIME_EARLY);
    else if (!entry_time_ok(t, now))
        field_errors_add(errs, prefix, name, E_TIME_FUTURE);
    else
        *out = t;
}

/* A 0..10 rating; *out is -1 when absent. */
static void
get_scale(json_t *obj, const char *name, bool required, int *out, const char *prefix,
          struct field_errors *errs)
{
    json_t *v = present(obj, name);
    *out = -1;
    if (!v) {
        if (required)
            field_errors_add(errs, prefix, name, E_REQUIRED);
    } else if (!json_is_integer(v) || json_integer_value(v) < 0 ||
               json_integer_value(v) > SCORE_MAX) {
        field_errors_add(errs, prefix, name, E_SCALE);
    } else {
        *out = (int)json_integer_value(v);
    }
}

/* An optional string of 1..max characters (Unicode characters, not bytes). */
static void
get_text(json_t *obj, const char *name, size_t min, size_t max, const char *detail,
         const char **out, const char *prefix, struct field_errors *errs)
{
    json_t *v = present(obj, name);
    *out = NULL;
    if (!v)
        return;
    size_t len = json_is_string(v) ? utf8_length(json_string_value(v)) : 0;
    if (!json_is_string(v) || len < min || len > max)
        field_errors_add(errs, prefix, name, detail);
    else
        *out = json_string_value(v);
}

static bool
location_seen(const struct pain_entry *e, const char *token)
{
    for (int i = 0; i < e->nlocations; i++) {
        if (strcmp(e->locations[i], token) == 0)
            return true;
    }
    return false;
}

static void
get_locations(json_t *obj, struct pain_entry *e, const char *prefix, struct field_errors *errs)
{
    json_t *v = present(obj, "locations"), *item;
    char pointer[FIELD_POINTER_MAX];
    size_t i;
    if (!v)
        return;
    if (!json_is_array(v) || json_array_size(v) > LOCATIONS_MAX) {
        field_errors_add(errs, prefix, "locations",
                         "must be an array of at most 16 distinct body-region tokens");
        return;
    }
    child_pointer(pointer, prefix, "locations");
    json_array_foreach(v, i, item)
    {
        const char *token = json_string_value(item);
        if (!token || !vocab_location_ok(token))
            field_errors_add_index(errs, pointer, i, "must match ^[a-z][a-z0-9_]{0,39}$");
        else if (location_seen(e, token))
            field_errors_add_index(errs, pointer, i, "is repeated");
        else
            e->locations[e->nlocations++] = token;
    }
}

/* A set of words from vocab, returned as a bit mask. */
static void
get_words(json_t *obj, const char *name, const char *const *vocab, size_t nvocab,
          const char *detail, unsigned *mask, const char *prefix, struct field_errors *errs)
{
    json_t *v = present(obj, name), *item;
    char pointer[FIELD_POINTER_MAX];
    size_t i;
    *mask = 0;
    if (!v)
        return;
    if (!json_is_array(v)) {
        field_errors_add(errs, prefix, name, "must be an array of words");
        return;
    }
    child_pointer(pointer, prefix, name);
    json_array_foreach(v, i, item)
    {
        int idx = json_is_string(item) ? vocab_index(vocab, nvocab, json_string_value(item)) : -1;
        if (idx < 0)
            field_errors_add_index(errs, pointer, i, detail);
        else if (*mask & (1u << idx))
            field_errors_add_index(errs, pointer, i, "is repeated");
        else
            *mask |= 1u << idx;
    }
}

static const char *const pain_fields[] = {"id",       "recorded_at", "score",     "enjoyment",
                                          "activity", "locations",   "qualities", "evoked_by",
                                          "note",     NULL};

struct entry_ctx {
    int64_t now;
    const struct catalog *catalog; /* doses only */
};

static void
parse_pain_entry(json_t *obj, const char *prefix, const struct entry_ctx *ctx, void *out,
                 struct field_errors *errs)
{
    struct pain_entry *e = out;
    reject_unknown(obj, pain_fields, prefix, errs);
    get_id(obj, "id", e->id, prefix, errs);
    get_time(obj, "recorded_at", ctx->now, &e->recorded_at, prefix, errs);
    get_scale(obj, "score", true, &e->score, prefix, errs);
    get_scale(obj, "enjoyment", false, &e->enjoyment, prefix, errs);
    get_scale(obj, "activity", false, &e->activity, prefix, errs);
    get_locations(obj, e, prefix, errs);
    get_words(obj, "qualities", vocab_qualities, QUALITY_COUNT,
              "must be one of aching, burning, cramping, dull, electric, sharp, shooting, "
              "stabbing, throbbing, tingling",
              &e->qualities, prefix, errs);
    get_words(obj, "evoked_by", vocab_evoked, EVOKED_COUNT,
              "must be one of light_touch, cold, heat, pressure, movement", &e->evoked, prefix,
              errs);
    get_text(obj, "note", 0, NOTE_MAX_CHARS, E_NOTE, &e->note, prefix, errs);
}

static const char *const dose_fields[] = {"id",    "taken_at",       "medication", "dose", "unit",
                                          "route", "duration_hours", "note",       NULL};

/* A required string field; NULL (after reporting) when missing or not a string. */
static const char *
get_required_string(json_t *obj, const char *name, const char *prefix, struct field_errors *errs)
{
    json_t *v = present(obj, name);
    if (!v)
        field_errors_add(errs, prefix, name, E_REQUIRED);
    else if (!json_is_string(v))
        field_errors_add(errs, prefix, name, "must be a string");
    return json_string_value(v);
}

/* medication, route and unit against the catalog; sets e->med and e->form when valid. */
static void
get_medication(json_t *obj, const struct catalog *cat, struct dose_entry *e, const char *prefix,
               struct field_errors *errs)
{
    const char *key = get_required_string(obj, "medication", prefix, errs);
    const char *route = get_required_string(obj, "route", prefix, errs);
    const char *unit = get_required_string(obj, "unit", prefix, errs);
    e->med = key ? catalog_find(cat, key) : NULL;
    if (key && !e->med) {
        field_errors_add(errs, prefix, "medication",
                         "is not a medication key from GET /v1/medications");
        return;
    }
    e->form = e->med && route ? medication_form(e->med, route) : NULL;
    if (e->med && route && !e->form)
        field_errors_add(errs, prefix, "route", "is not a route of this medication");
    if (e->form && unit && strcmp(unit, e->form->unit) != 0) {
        field_errors_add(errs, prefix, "unit",
                         "must equal the catalog unit for this medication and route");
        e->form = NULL;
    }
}

/* A number in (0, max]; false after reporting when present but invalid. */
static bool
get_positive(json_t *obj, const char *name, double max, const char *detail, bool *has, double *out,
             const char *prefix, struct field_errors *errs)
{
    json_t *v = present(obj, name);
    *has = v != NULL;
    if (!v)
        return true;
    double x = json_number_value(v);
    if (!json_is_number(v) || !isfinite(x) || x <= 0.0 || x > max) {
        field_errors_add(errs, prefix, name, detail);
        return false;
    }
    *out = x;
    return true;
}

static void
compute_mme(struct dose_entry *e, const char *prefix, struct field_errors *errs)
{
    if (e->form->continuous && !e->has_duration) {
        e->has_duration = true;
        e->duration_hours = MME_DEFAULT_PATCH_HOURS;
    }
    e->has_mme = mme_of_dose(e->form, e->dose, e->duration_hours, &e->mme);
    if (e->has_mme && !(e->mme < 1e12))
        field_errors_add(errs, prefix, "dose", "is too large");
}

static void
parse_dose_entry(json_t *obj, const char *prefix, const struct entry_ctx *ctx, void *out,
                 struct field_errors *errs)
{
    struct dose_entry *e = out;
    bool has_dose;
    reject_unknown(obj, dose_fields, prefix, errs);
    get_id(obj, "id", e->id, prefix, errs);
    get_time(obj, "taken_at", ctx->now, &e->taken_at, prefix, errs);
    get_medication(obj, ctx->catalog, e, prefix, errs);
    bool dose_ok = get_positive(obj, "dose", INFINITY, "must be a number greater than 0", &has_dose,
                                &e->dose, prefix, errs);
    if (!has_dose)
        field_errors_add(errs, prefix, "dose", E_REQUIRED);
    bool duration_ok = get_positive(obj, "duration_hours", DOSE_DURATION_MAX_HOURS,
                                    "must be a number of hours greater than 0 and at most 168",
                                    &e->has_duration, &e->duration_hours, prefix, errs);
    get_text(obj, "note", 0, NOTE_MAX_CHARS, E_NOTE, &e->note, prefix, errs);
    if (e->form && has_dose && dose_ok && duration_ok)
        compute_mme(e, prefix, errs);
}

typedef void entry_parse_fn(json_t *obj, const char *prefix, const struct entry_ctx *ctx, void *out,
                            struct field_errors *errs);

static void
parse_one(json_t *obj, const char *prefix, const struct entry_ctx *ctx, entry_parse_fn *fn,
          void *out, struct field_errors *errs)
{
    if (!json_is_object(obj))
        field_errors_add(errs, prefix, NULL, "must be an object");
    else
        fn(obj, prefix, ctx, out, errs);
}

/* Walks a single entry or {"entries": [...]}; *items is new (caller frees) on any result. */
static enum parse_result
parse_entries(json_t *root, size_t size, entry_parse_fn *fn, const struct entry_ctx *ctx,
              void **items, size_t *count, bool *is_batch, struct field_errors *errs)
{
    static const char *const batch_fields[] = {"entries", NULL};
    json_t *list = json_object_get(root, "entries");
    *items = NULL;
    *count = 0;
    *is_batch = list != NULL;
    if (!json_is_object(root))
        return PARSE_BAD_SHAPE;
    if (!list) {
        *items = xcalloc(1, size);
        *count = 1;
        parse_one(root, "", ctx, fn, *items, errs);
        return errs->count ? PARSE_INVALID : PARSE_OK;
    }
    reject_unknown(root, batch_fields, "", errs);
    if (!json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > BATCH_MAX) {
        field_errors_add(errs, "", "entries", "must be an array of 1 to 1000 entries");
        return PARSE_INVALID;
    }
    *count = json_array_size(list);
    *items = xcalloc(*count, size);
    for (size_t i = 0; i < *count; i++) {
        char prefix[FIELD_POINTER_MAX];
        (void)snprintf(prefix, sizeof(prefix), "/entries/%zu", i);
        parse_one(json_array_get(list, i), prefix, ctx, fn, (char *)*items + i * size, errs);
    }
    return errs->count ? PARSE_INVALID : PARSE_OK;
}

_Static_assert(offsetof(struct pain_entry, id) == 0, "assign_ids expects id first");
_Static_assert(offsetof(struct dose_entry, id) == 0, "assign_ids expects id first");

/* Gives every entry without a client id a random one. */
static void
assign_ids(void *items, size_t count, size_t size)
{
    for (size_t i = 0; i < count; i++) {
        char *id = (char *)items + i * size; /* id is the first member of both entry structs */
        if (id[0] == '\0' && random_uuid(id) < 0)
            abort(); /* getrandom cannot fail once the kernel's pool is ready */
    }
}

enum parse_result
parse_pain_body(json_t *root, int64_t now, struct pain_batch *out, struct field_errors *errs)
{
    struct entry_ctx ctx = {now, NULL};
    void *items;
    enum parse_result r = parse_entries(root, sizeof(struct pain_entry), parse_pain_entry, &ctx,
                                        &items, &out->count, &out->is_batch, errs);
    out->items = items;
    if (r == PARSE_OK)
        assign_ids(items, out->count, sizeof(struct pain_entry));
    return r;
}

enum parse_result
parse_dose_body(json_t *root, const struct catalog *cat, int64_t now, struct dose_batch *out,
                struct field_errors *errs)
{
    struct entry_ctx ctx = {now, cat};
    void *items;
    enum parse_result r = parse_entries(root, sizeof(struct dose_entry), parse_dose_entry, &ctx,
                                        &items, &out->count, &out->is_batch, errs);
    out->items = items;
    if (r == PARSE_OK)
        assign_ids(items, out->count, sizeof(struct dose_entry));
    return r;
}

enum parse_result
parse_patient_body(json_t *root, const struct zone_list *zones, struct patient_input *out,
                   struct field_errors *errs)
{
    static const char *const fields[] = {"external_ref", "timezone", NULL};
    if (!json_is_object(root))
        return PARSE_BAD_SHAPE;
    reject_unknown(root, fields, "", errs);
    get_text(root, "external_ref", 1, 128, "must be a string of 1 to 128 characters",
             &out->external_ref, "", errs);
    get_text(root, "timezone", 1, ZONE_NAME_MAX - 1,
             "must be an IANA time zone name, such as America/Chicago", &out->timezone, "", errs);
    if (out->timezone && !zone_list_contains(zones, out->timezone))
        field_errors_add(errs, "", "timezone",
                         "must be an IANA time zone name, such as America/Chicago");
    if (!out->timezone)
        out->timezone = "UTC";
    return errs->count ? PARSE_INVALID : PARSE_OK;
}

/* An optional expiry: after now and no more than ten years ahead. */
static void
get_expiry(json_t *obj, int64_t now, struct token_input *out, struct field_errors *errs)
{
    static const int64_t ten_years_us = INT64_C(10) * 366 * 86400 * 1000000;
    json_t *v = present(obj, "expires_at");
    int64_t t;
    if (!v)
        return;
    if (!json_is_string(v) || timestamp_parse(json_string_value(v), &t) < 0)
        field_errors_add(errs, "", "expires_at", E_TIME);
    else if (t <= now || t > now + ten_years_us)
        field_errors_add(errs, "", "expires_at", "must be in the future, at most ten years ahead");
    else {
        out->has_expiry = true;
        out->expires_at = t;
    }
}

enum parse_result
parse_token_body(json_t *root, int64_t now, struct token_input *out, struct field_errors *errs)
{
    static const char *const fields[] = {"role", "name", "patient_id", "expires_at", NULL};
    if (!json_is_object(root))
        return PARSE_BAD_SHAPE;
    memset(out, 0, sizeof(*out));
    reject_unknown(root, fields, "", errs);
    json_t *role = present(root, "role");
    if (!role)
        field_errors_add(errs, "", "role", E_REQUIRED);
    else if (!json_is_string(role) || role_parse(json_string_value(role), &out->role) < 0)
        field_errors_add(errs, "", "role", "must be one of patient, clinician, admin");
    get_text(root, "name", 1, 200, "must be a string of 1 to 200 characters", &out->name, "", errs);
    get_id(root, "patient_id", out->patient_id, "", errs);
    out->has_patient = out->patient_id[0] != '\0';
    get_expiry(root, now, out, errs);
    bool wants_patient = role && out->role == ROLE_PATIENT;
    if (wants_patient && !present(root, "patient_id"))
        field_errors_add(errs, "", "patient_id", "is required for role patient");
    else if (role && !wants_patient && present(root, "patient_id"))
        field_errors_add(errs, "", "patient_id", "is only allowed for role patient");
    return errs->count ? PARSE_INVALID : PARSE_OK;
}

int
parse_int_param(param_get_fn *get, const void *ctx, const char *name, long min, long max,
                const char *detail, int *out, struct field_errors *errs)
{
    const char *text = get(ctx, name);
    char *end = NULL;
    if (!text)
        return 0;
    long v = strtol(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || v < min || v > max) {
        field_errors_add_param(errs, name, detail);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The keys a list can hand out: anything else was not made by this API. */
static bool
cursor_key_ok(enum cursor_kind kind, int64_t key)
{
    static const int64_t year_10000_us = INT64_C(253402300800000000);
    if (kind == CURSOR_SCORE)
        return key >= 0 && key <= 100;
    if (kind == CURSOR_SEQUENCE)
        return key > 0;
    return key >= ENTRY_EARLIEST_US && key < year_10000_us;
}

int
parse_page_params(param_get_fn *get, const void *ctx, enum cursor_kind kind,
                  struct page_params *out, struct field_errors *errs)
{
    const char *cursor = get(ctx, "cursor");
    size_t before = errs->count;
    out->limit = 100;
    out->has_cursor = false;
    parse_int_param(get, ctx, "limit", 1, 500, "must be an integer from 1 to 500", &out->limit,
                    errs);
    if (cursor) {
        if (cursor_decode(cursor, kind, &out->cursor) < 0 || !cursor_key_ok(kind, out->cursor.key))
            field_errors_add_param(errs, "cursor", "is not a cursor returned by this API");
        else
            out->has_cursor = true;
    }
    return errs->count > before ? -1 : 0;
}

int
parse_time_param(param_get_fn *get, const void *ctx, const char *name, bool *has, int64_t *out,
                 struct field_errors *errs)
{
    const char *raw = get(ctx, name);
    char text[TIMESTAMP_TEXT_MAX];
    *has = false;
    if (!raw)
        return 0;
    (void)snprintf(text, sizeof(text), "%s", raw);
    char *space = strrchr(text, ' ');
    if (space)
        *space = '+';
    if (strlen(raw) >= sizeof(text) || timestamp_parse(text, out) < 0) {
        field_errors_add_param(errs, name, E_TIME);
        return -1;
    }
    *has = true;
    return 0;
}
