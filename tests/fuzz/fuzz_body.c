/* libFuzzer target: request bodies. The input is parsed as the server parses a body
 * (json_loadb with JSON_REJECT_DUPLICATES) and handed to every body parser of
 * src/api/parse.c: pain entries, dose entries (against a small hand-built catalog),
 * patients (against a hand-built zone list) and tokens. Besides memory errors, it aborts
 * when a result breaks a promise of api.md that the handlers rely on. */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/parse.h"
#include "domain/entry.h"
#include "domain/vocab.h"
#include "fuzz_common.h"
#include "util/xalloc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-03-01T12:00:00Z: a fixed "now" keeps every run reproducible. */
#define NOW_US INT64_C(1772366400000000)

static struct catalog catalog;
static struct zone_list zones;

struct form_spec {
    const char *key, *route, *unit;
    enum med_class med_class;
    bool has_factor;
    double factor;
    bool continuous;
};

/* Every kind of form the parser distinguishes: plain oral, continuous transdermal with a
 * factor, continuous without one (buprenorphine), and non-opioids without a factor. */
static const struct form_spec forms[] = {
    {"oxycodone", "oral", "mg", MED_OPIOID, true, 1.5, false},
    {"morphine", "oral", "mg", MED_OPIOID, true, 1.0, false},
    {"fentanyl", "transdermal", "mcg/h", MED_OPIOID, true, 2.4, true},
    {"fentanyl", "buccal", "mcg", MED_OPIOID, true, 0.13, false},
    {"buprenorphine", "sublingual", "mg", MED_OPIOID, false, 0.0, false},
    {"buprenorphine", "transdermal", "mcg/h", MED_OPIOID, false, 0.0, true},
    {"gabapentin", "oral", "mg", MED_GABAPENTINOID, false, 0.0, false},
    {"ibuprofen", "oral", "mg", MED_NSAID, false, 0.0, false},
};

static const char *const zone_names[] = {
    "UTC",          "America/Chicago", "Europe/Berlin",
    "Asia/Kolkata", "Pacific/Chatham", "America/Argentina/Buenos_Aires",
    "Etc/GMT+5",
};

static struct medication *
find_or_add(const char *key, enum med_class med_class)
{
    for (size_t i = 0; i < catalog.count; i++) {
        if (strcmp(catalog.meds[i].key, key) == 0)
            return &catalog.meds[i];
    }
    struct medication *m = &catalog.meds[catalog.count++];
    memset(m, 0, sizeof(*m));
    (void)snprintf(m->key, sizeof(m->key), "%s", key);
    (void)snprintf(m->name, sizeof(m->name), "%s", key);
    m->med_class = med_class;
    return m;
}

static void
build_catalog(void)
{
    size_t n = sizeof(forms) / sizeof(forms[0]);
    catalog.meds = xcalloc(n, sizeof(catalog.meds[0]));
    for (size_t i = 0; i < n; i++) {
        struct medication *m = find_or_add(forms[i].key, forms[i].med_class);
        struct med_form *f = &m->forms[m->nforms++];
        (void)snprintf(f->route, sizeof(f->route), "%s", forms[i].route);
        (void)snprintf(f->unit, sizeof(f->unit), "%s", forms[i].unit);
        f->has_factor = forms[i].has_factor;
        f->factor = forms[i].factor;
        f->continuous = forms[i].continuous;
    }
    catalog_sort(&catalog);
}

static void
build_zones(void)
{
    zones.count = sizeof(zone_names) / sizeof(zone_names[0]);
    zones.names = xcalloc(zones.count, sizeof(zones.names[0]));
    for (size_t i = 0; i < zones.count; i++)
        (void)snprintf(zones.names[i], ZONE_NAME_MAX, "%s", zone_names[i]);
    zone_list_sort(&zones);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init_like_service();
    build_catalog();
    build_zones();
    return 0;
}

static void
check_note(const char *note)
{
    if (note)
        FUZZ_CHECK(utf8_valid(note, strlen(note)) && utf8_length(note) <= NOTE_MAX_CHARS);
}

/* What every result shares: errors well formed, counts consistent with the result. */
static void
check_result(enum parse_result r, const void *items, size_t count, bool is_batch,
             const struct field_errors *errs)
{
    fuzz_check_errors(errs, 0, 0);
    FUZZ_CHECK(r == PARSE_OK || r == PARSE_BAD_SHAPE || r == PARSE_INVALID);
    FUZZ_CHECK(count <= BATCH_MAX);
    FUZZ_CHECK(count == 0 || items != NULL);
    if (r == PARSE_OK) {
        FUZZ_CHECK(errs->count == 0);
        FUZZ_CHECK(count >= 1);
        FUZZ_CHECK(is_batch || count == 1);
    } else if (r == PARSE_INVALID) {
        FUZZ_CHECK(errs->count > 0);
    } else {
        FUZZ_CHECK(errs->count == 0 && items == NULL && count == 0);
    }
}

static void
check_pain_entry(const struct pain_entry *e)
{
    FUZZ_CHECK(fuzz_uuid_canonical(e->id));
    FUZZ_CHECK(e->recorded_at >= ENTRY_EARLIEST_US);
    FUZZ_CHECK(e->recorded_at <= NOW_US + FUTURE_SLACK_SECONDS * INT64_C(1000000));
    FUZZ_CHECK(e->score >= 0 && e->score <= SCORE_MAX);
    FUZZ_CHECK(e->enjoyment >= -1 && e->enjoyment <= SCORE_MAX);
    FUZZ_CHECK(e->activity >= -1 && e->activity <= SCORE_MAX);
    FUZZ_CHECK(e->nlocations >= 0 && e->nlocations <= LOCATIONS_MAX);
    for (int i = 0; i < e->nlocations; i++) {
        FUZZ_CHECK(vocab_location_ok(e->locations[i]));
        for (int j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(e->locations[i], e->locations[j]) != 0);
    }
    FUZZ_CHECK(e->qualities < 1u << QUALITY_COUNT);
    FUZZ_CHECK(e->evoked < 1u << EVOKED_COUNT);
    check_note(e->note);
}

static void
fuzz_pain(json_t *root)
{
    struct pain_batch b = {0};
    struct field_errors errs = {0};
    enum parse_result r = parse_pain_body(root, NOW_US, &b, &errs);
    check_result(r, b.items, b.count, b.is_batch, &errs);
    if (r == PARSE_OK) {
        for (size_t i = 0; i < b.count; i++)
            check_pain_entry(&b.items[i]);
    }
    free(b.items);
    field_errors_cleanup(&errs);
}

static void
check_dose_entry(const struct dose_entry *e)
{
    FUZZ_CHECK(fuzz_uuid_canonical(e->id));
    FUZZ_CHECK(e->taken_at >= ENTRY_EARLIEST_US);
    FUZZ_CHECK(e->taken_at <= NOW_US + FUTURE_SLACK_SECONDS * INT64_C(1000000));
    FUZZ_CHECK(e->med != NULL && e->form != NULL);
    FUZZ_CHECK(e->med >= catalog.meds && e->med < catalog.meds + catalog.count);
    FUZZ_CHECK(e->form >= e->med->forms && e->form < e->med->forms + e->med->nforms);
    FUZZ_CHECK(isfinite(e->dose) && e->dose > 0.0);
    if (e->has_duration)
        FUZZ_CHECK(e->duration_hours > 0.0 && e->duration_hours <= DOSE_DURATION_MAX_HOURS);
    if (e->form->continuous)
        FUZZ_CHECK(e->has_duration);
    FUZZ_CHECK(e->has_mme == e->form->has_factor);
    if (e->has_mme)
        FUZZ_CHECK(isfinite(e->mme) && e->mme >= 0.0 && e->mme < 1e12);
    check_note(e->note);
}

static void
fuzz_dose(json_t *root)
{
    struct dose_batch b = {0};
    struct field_errors errs = {0};
    enum parse_result r = parse_dose_body(root, &catalog, NOW_US, &b, &errs);
    check_result(r, b.items, b.count, b.is_batch, &errs);
    if (r == PARSE_OK) {
        for (size_t i = 0; i < b.count; i++)
            check_dose_entry(&b.items[i]);
    }
    free(b.items);
    field_errors_cleanup(&errs);
}

static void
fuzz_patient(json_t *root)
{
    struct patient_input in = {0};
    struct field_errors errs = {0};
    enum parse_result r = parse_patient_body(root, &zones, &in, &errs);
    fuzz_check_errors(&errs, 0, 0);
    if (r == PARSE_OK) {
        FUZZ_CHECK(errs.count == 0);
        FUZZ_CHECK(in.timezone && zone_list_contains(&zones, in.timezone));
        if (in.external_ref) {
            size_t n = utf8_length(in.external_ref);
            FUZZ_CHECK(n >= 1 && n <= 128);
        }
    } else {
        FUZZ_CHECK(r == PARSE_BAD_SHAPE ? errs.count == 0 : errs.count > 0);
    }
    field_errors_cleanup(&errs);
}

static void
fuzz_token(json_t *root)
{
    struct token_input in;
    struct field_errors errs = {0};
    enum parse_result r = parse_token_body(root, NOW_US, &in, &errs);
    fuzz_check_errors(&errs, 0, 0);
    if (r == PARSE_OK) {
        FUZZ_CHECK(errs.count == 0);
        FUZZ_CHECK(in.role == ROLE_PATIENT || in.role == ROLE_CLINICIAN || in.role == ROLE_ADMIN);
        FUZZ_CHECK(in.has_patient == (in.role == ROLE_PATIENT));
        if (in.has_patient)
            FUZZ_CHECK(fuzz_uuid_canonical(in.patient_id));
        if (in.name) {
            size_t n = utf8_length(in.name);
            FUZZ_CHECK(n >= 1 && n <= 200);
        }
        if (in.has_expiry)
            FUZZ_CHECK(in.expires_at > NOW_US &&
                       in.expires_at <= NOW_US + INT64_C(10) * 366 * 86400 * 1000000);
    } else {
        FUZZ_CHECK(r == PARSE_BAD_SHAPE ? errs.count == 0 : errs.count > 0);
    }
    field_errors_cleanup(&errs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return 0;
    fuzz_pain(root);
    fuzz_dose(root);
    fuzz_patient(root);
    fuzz_token(root);
    json_decref(root);
    return 0;
}
