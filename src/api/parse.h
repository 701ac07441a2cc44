/* Request bodies and query parameters turned into validated domain values. Every rule of
 * api.md lives here; each failure names its field by JSON Pointer. Pure: no I/O, so unit
 * tests and fuzzers call these directly. */
#ifndef OIH_PARSE_H
#define OIH_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/catalog.h"
#include "domain/cursor.h"
#include "domain/entry.h"
#include "domain/field_errors.h"
#include "domain/principal.h"
#include "domain/zones.h"

enum parse_result {
    PARSE_OK,
    PARSE_BAD_SHAPE, /* 400: the top level is not an object */
    PARSE_INVALID,   /* 422: errs names every invalid field */
};

/* A POST body of entries: one entry object, or {"entries": [...]}. */
struct pain_batch {
    struct pain_entry *items; /* new; free with free() */
    size_t count;
    bool is_batch;
};

struct dose_batch {
    struct dose_entry *items; /* new; free with free() */
    size_t count;
    bool is_batch;
};

/* Parses and validates a pain-entry body at time now. Strings in the result are borrowed
 * from root. Entries without an id get a random one. */
enum parse_result parse_pain_body(json_t *root, int64_t now, struct pain_batch *out,
                                  struct field_errors *errs);
/* As above for doses; cat (borrowed) resolves medication, route and unit, and MME is
 * computed here. */
enum parse_result parse_dose_body(json_t *root, const struct catalog *cat, int64_t now,
                                  struct dose_batch *out, struct field_errors *errs);

struct patient_input {
    const char *external_ref; /* borrowed from root; NULL when absent */
    const char *timezone;     /* borrowed; "UTC" when absent */
};

enum parse_result parse_patient_body(json_t *root, const struct zone_list *zones,
                                     struct patient_input *out, struct field_errors *errs);

struct token_input {
    enum role role;
    const char *name; /* borrowed; NULL when absent */
    bool has_patient;
    char patient_id[37];
    bool has_expiry;
    int64_t expires_at; /* microseconds since the epoch */
};

/* A token request at time now; expires_at, when given, must be after now and within ten
 * years. */
enum parse_result parse_token_body(json_t *root, int64_t now, struct token_input *out,
                                   struct field_errors *errs);

/* Query parameters. get returns the raw value of a parameter or NULL. */
typedef const char *param_get_fn(const void *ctx, const char *name);

struct page_params {
    int limit;
    bool has_cursor;
    struct cursor cursor;
};

/* An optional integer parameter in [min, max]; *out keeps its default when absent.
 * 0, or -1 with errs filled with detail. */
int parse_int_param(param_get_fn *get, const void *ctx, const char *name, long min, long max,
                    const char *detail, int *out, struct field_errors *errs);
/* limit (1..500, default 100) and a cursor of the given kind whose key lies in the kind's
 * range (times from 2000 to 9999, scores 0..100); 0, or -1 with errs filled. */
int parse_page_params(param_get_fn *get, const void *ctx, enum cursor_kind kind,
                      struct page_params *out, struct field_errors *errs);
/* An optional RFC 3339 timestamp parameter; 0, or -1 with errs filled. A space where the
 * offset's '+' belongs is read as '+' (a '+' left unescaped in a URL decodes to space). */
int parse_time_param(param_get_fn *get, const void *ctx, const char *name, bool *has, int64_t *out,
                     struct field_errors *errs);

#endif
