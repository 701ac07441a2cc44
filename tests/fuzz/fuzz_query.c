/* libFuzzer target: query parameters and the text formats they carry. The input is a
 * query string, "name=value" pairs split on '&' (values are taken as already URL-decoded),
 * served to the parse layer through a fake param_get_fn. Every value is also fed to the
 * text codecs directly, which must round-trip: cursors, RFC 3339 timestamps, calendar
 * dates, UUIDs, and the X-Request-Id check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/parse.h"
#include "domain/cursor.h"
#include "domain/entry.h"
#include "domain/timestamp.h"
#include "domain/uuid.h"
#include "fuzz_common.h"
#include "http/dispatch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { PAIRS_MAX = 16 };

static const enum cursor_kind kinds[] = {CURSOR_TIME, CURSOR_SCORE, CURSOR_SEQUENCE};
enum { KINDS = sizeof(kinds) / sizeof(kinds[0]) };

struct query {
    char *names[PAIRS_MAX];
    char *values[PAIRS_MAX];
    size_t count;
    char *text; /* new; names and values point into it */
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init_like_service();
    return 0;
}

/* The first value of name, like a query lookup; a name without '=' has the value "". */
static const char *
query_get(const void *ctx, const char *name)
{
    const struct query *q = ctx;
    for (size_t i = 0; i < q->count; i++) {
        if (strcmp(q->names[i], name) == 0)
            return q->values[i];
    }
    return NULL;
}

static void
query_split(struct query *q, const uint8_t *data, size_t size)
{
    char *save = NULL, *pair;
    q->count = 0;
    q->text = fuzz_strndup(data, size);
    for (pair = strtok_r(q->text, "&", &save); pair && q->count < PAIRS_MAX;
         pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        if (eq)
            *eq = '\0';
        q->names[q->count] = pair;
        q->values[q->count++] = eq ? eq + 1 : pair + strlen(pair);
    }
}

static void
check_page(enum cursor_kind kind, const struct query *q)
{
    struct page_params pp;
    struct field_errors errs = {0};
    int rc = parse_page_params(query_get, q, kind, &pp, &errs);
    fuzz_check_errors(&errs, 0, 1);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK((rc == 0) == (errs.count == 0));
    for (size_t i = 0; i < errs.count; i++) {
        FUZZ_CHECK(strcmp(errs.items[i].pointer, "limit") == 0 ||
                   strcmp(errs.items[i].pointer, "cursor") == 0);
    }
    if (rc == 0) {
        FUZZ_CHECK(pp.limit >= 1 && pp.limit <= 500);
        FUZZ_CHECK(pp.has_cursor == (query_get(q, "cursor") != NULL));
    }
    if (rc == 0 && pp.has_cursor) {
        FUZZ_CHECK(fuzz_uuid_canonical(pp.cursor.id));
        if (kind == CURSOR_SCORE)
            FUZZ_CHECK(pp.cursor.key >= 0 && pp.cursor.key <= 100);
        else if (kind == CURSOR_SEQUENCE)
            FUZZ_CHECK(pp.cursor.key > 0);
        else
            FUZZ_CHECK(pp.cursor.key >= ENTRY_EARLIEST_US);
    }
    field_errors_cleanup(&errs);
}

static void
check_time_param(const struct query *q, const char *name)
{
    struct field_errors errs = {0};
    bool has = true;
    int64_t us = 0, again;
    int rc = parse_time_param(query_get, q, name, &has, &us, &errs);
    const char *raw = query_get(q, name);
    fuzz_check_errors(&errs, 0, 1);
    FUZZ_CHECK((rc == 0) == (errs.count == 0));
    FUZZ_CHECK(has == (rc == 0 && raw != NULL));
    if (has) {
        /* the same instant as the text with its last space read as '+' */
        char text[TIMESTAMP_TEXT_MAX];
        FUZZ_CHECK(strlen(raw) < sizeof(text));
        memcpy(text, raw, strlen(raw) + 1);
        char *space = strrchr(text, ' ');
        if (space)
            *space = '+';
        FUZZ_CHECK(timestamp_parse(text, &again) == 0 && again == us);
    }
    field_errors_cleanup(&errs);
}

static void
check_int_param(const struct query *q, const char *name, long min, long max)
{
    struct field_errors errs = {0};
    int v = -12345;
    int rc = parse_int_param(query_get, q, name, min, max, "out of range", &v, &errs);
    const char *raw = query_get(q, name);
    fuzz_check_errors(&errs, 0, 1);
    FUZZ_CHECK((rc == 0) == (errs.count == 0));
    if (rc == 0 && raw)
        FUZZ_CHECK(v >= min && v <= max && strtol(raw, NULL, 10) == v);
    if (rc == 0 && !raw)
        FUZZ_CHECK(v == -12345);
    field_errors_cleanup(&errs);
}

/* Accepted timestamps format to text that parses back to the same instant, and the
 * formatted text is a fixed point. */
static void
check_timestamp(const char *text)
{
    int64_t us, again, third;
    char out[TIMESTAMP_TEXT_MAX], out2[TIMESTAMP_TEXT_MAX];
    if (timestamp_parse(text, &us) < 0)
        return;
    timestamp_format(us, out);
    FUZZ_CHECK(strlen(out) < sizeof(out));
    FUZZ_CHECK(timestamp_parse(out, &again) == 0);
    FUZZ_CHECK(again == us);
    timestamp_format(again, out2);
    FUZZ_CHECK(strcmp(out, out2) == 0);
    FUZZ_CHECK(timestamp_parse(out2, &third) == 0 && third == us);
}

static void
check_date(const char *text)
{
    int32_t days, again;
    char out[11];
    if (date_parse(text, &days) < 0)
        return;
    date_format(days, out);
    FUZZ_CHECK(strcmp(out, text) == 0);
    FUZZ_CHECK(date_parse(out, &again) == 0 && again == days);
}

static void
check_uuid(const char *text)
{
    char out[37], out2[37];
    if (!uuid_normalize(text, out)) {
        FUZZ_CHECK(!uuid_normalize(text, NULL));
        return;
    }
    FUZZ_CHECK(uuid_normalize(text, NULL));
    FUZZ_CHECK(strlen(out) == 36 && strcasecmp(out, text) == 0);
    FUZZ_CHECK(uuid_normalize(out, out2) && strcmp(out, out2) == 0);
    FUZZ_CHECK(fuzz_uuid_canonical(out));
}

static bool
request_id_reference(const char *text)
{
    size_t len = strlen(text);
    if (len < 1 || len > REQUEST_ID_MAX)
        return false;
    for (const char *p = text; *p; p++) {
        char c = *p;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

static void
check_cursor_roundtrip(const struct cursor *c, enum cursor_kind kind)
{
    char text[CURSOR_TEXT_MAX];
    struct cursor back;
    cursor_encode(c, kind, text);
    FUZZ_CHECK(strlen(text) == 50);
    FUZZ_CHECK(cursor_decode(text, kind, &back) == 0);
    FUZZ_CHECK(back.key == c->key && strcasecmp(back.id, c->id) == 0);
    FUZZ_CHECK(fuzz_uuid_canonical(back.id));
    for (size_t k = 0; k < KINDS; k++) {
        if (kinds[k] != kind)
            FUZZ_CHECK(cursor_decode(text, kinds[k], &back) < 0);
    }
}

/* Text that decodes re-encodes to itself (the accepted form is unique). */
static void
check_cursor_text(const char *text)
{
    for (size_t k = 0; k < KINDS; k++) {
        struct cursor c;
        char again[CURSOR_TEXT_MAX];
        if (cursor_decode(text, kinds[k], &c) < 0)
            continue;
        cursor_encode(&c, kinds[k], again);
        FUZZ_CHECK(strcmp(again, text) == 0);
        check_cursor_roundtrip(&c, kinds[k]);
    }
}

/* A cursor built from the raw bytes: any key and any UUID survive encode then decode. */
static void
check_cursor_bytes(const uint8_t *data, size_t size)
{
    struct cursor c;
    uint8_t b[24] = {0};
    memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
    uint64_t key = 0;
    for (int i = 0; i < 8; i++)
        key = key << 8 | b[i];
    c.key = (int64_t)key;
    const uint8_t *u = b + 8;
    (void)snprintf(c.id, sizeof(c.id),
                   "%02x%02x%02x%02x-%02x%02x-%02X%02X-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
                   u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                   u[14], u[15]);
    for (size_t k = 0; k < KINDS; k++)
        check_cursor_roundtrip(&c, kinds[k]);
}

static void
check_text(const char *text)
{
    check_timestamp(text);
    check_date(text);
    check_uuid(text);
    check_cursor_text(text);
    FUZZ_CHECK(request_id_ok(text) == request_id_reference(text));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct query q;
    query_split(&q, data, size);
    for (size_t k = 0; k < KINDS; k++)
        check_page(kinds[k], &q);
    check_time_param(&q, "from");
    check_time_param(&q, "to");
    check_time_param(&q, "as_of");
    check_int_param(&q, "window_days", 28, 365);
    check_int_param(&q, "limit", 1, 500);
    for (size_t i = 0; i < q.count; i++) {
        check_text(q.names[i]);
        check_text(q.values[i]);
    }
    check_cursor_bytes(data, size);
    free(q.text);
    return 0;
}
