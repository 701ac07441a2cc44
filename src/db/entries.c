/* Entry storage. A batch travels as one jsonb parameter and is inserted by one statement
 * (jsonb_to_recordset ... ON CONFLICT DO NOTHING), so concurrent replays of an id resolve
 * inside PostgreSQL: one insert wins, the others see a duplicate, none sees an error. Rows
 * go in id order so two overlapping batches lock them in the same order and cannot
 * deadlock. */
#include "db/entries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"
#include "domain/timestamp.h"
#include "util/jsonw.h"
#include "util/xalloc.h"

struct batch_sql {
    bool pain; /* else dose: which rows insert_one returns */
    const char *what;
    const char *insert;     /* $1 patient, $2 jsonb; RETURNING one row per stored entry */
    const char *insert_one; /* the same RETURNING the stored row (the *_COLUMNS below) */
    const char *changed;    /* $1, $2; the index "i" of entries whose id holds other content */
};

/* What the reads select, and a single insert returns. */
#define PAIN_COLUMNS                                                                               \
    "id, oih_epoch_us(recorded_at), score, enjoyment, activity,"                                   \
    " array_to_string(locations, ','), array_to_string(qualities, ','),"                           \
    " array_to_string(evoked_by, ','), note, oih_epoch_us(created_at)"
#define DOSE_COLUMNS                                                                               \
    "id, oih_epoch_us(taken_at), medication, route, unit, dose, duration_hours, class, mme,"       \
    " note, oih_epoch_us(created_at)"

#define PAIN_RECORDSET                                                                             \
    "jsonb_to_recordset($2::jsonb) AS x(i int, id uuid, recorded_at timestamptz, score int2,"      \
    " enjoyment int2, activity int2, locations text[], qualities text[], evoked_by text[],"        \
    " note text)"

#define PAIN_INSERT                                                                                \
    "INSERT INTO pain_entries (patient_id, id, recorded_at, score, enjoyment, activity,"           \
    " locations, qualities, evoked_by, note)"                                                      \
    " SELECT $1::uuid, x.id, x.recorded_at, x.score, x.enjoyment, x.activity, x.locations,"        \
    " x.qualities, x.evoked_by, x.note FROM " PAIN_RECORDSET " ORDER BY x.id"                      \
    " ON CONFLICT (patient_id, id) DO NOTHING"

static const struct batch_sql pain_sql = {
    true,
    "pain_insert",
    PAIN_INSERT " RETURNING 1",
    PAIN_INSERT " RETURNING " PAIN_COLUMNS,
    "SELECT x.i FROM " PAIN_RECORDSET
    " JOIN pain_entries e ON e.patient_id = $1::uuid AND e.id = x.id"
    " WHERE (e.recorded_at, e.score, e.enjoyment, e.activity, e.locations, e.qualities,"
    " e.evoked_by, e.note) IS DISTINCT FROM (x.recorded_at, x.score, x.enjoyment, x.activity,"
    " x.locations, x.qualities, x.evoked_by, x.note) ORDER BY x.i LIMIT 1",
};

#define DOSE_RECORDSET                                                                             \
    "jsonb_to_recordset($2::jsonb) AS x(i int, id uuid, taken_at timestamptz, medication text,"    \
    " route text, unit text, dose float8, duration_hours float8, class text, mme float8,"          \
    " note text)"

#define DOSE_INSERT                                                                                \
    "INSERT INTO dose_entries (patient_id, id, taken_at, medication, route, unit, dose,"           \
    " duration_hours, class, mme, note)"                                                           \
    " SELECT $1::uuid, x.id, x.taken_at, x.medication, x.route, x.unit, x.dose,"                   \
    " x.duration_hours, x.class, x.mme, x.note FROM " DOSE_RECORDSET " ORDER BY x.id"              \
    " ON CONFLICT (patient_id, id) DO NOTHING"

static const struct batch_sql dose_sql = {
    false,
    "dose_insert",
    DOSE_INSERT " RETURNING 1",
    DOSE_INSERT " RETURNING " DOSE_COLUMNS,
    /* class and mme derive from the other fields, so they are not compared */
    "SELECT x.i FROM " DOSE_RECORDSET
    " JOIN dose_entries e ON e.patient_id = $1::uuid AND e.id = x.id"
    " WHERE (e.taken_at, e.medication, e.route, e.unit, e.dose, e.duration_hours, e.note)"
    " IS DISTINCT FROM (x.taken_at, x.medication, x.route, x.unit, x.dose, x.duration_hours,"
    " x.note) ORDER BY x.i LIMIT 1",
};

/* The span of time a write touched: its entries' times, and the hours doses with a
 * duration keep delivering. */
struct span {
    int64_t from, to;
};

/* In the caller's transaction: re-derives the daily rollup of the local days the span
 * touches and marks the patient's risk result stale (sql/004_daily_rollup.sql). */
static enum db_status
after_write(struct db_conn *c, const char *patient_id, const struct span *span)
{
    char from[TIMESTAMP_TEXT_MAX], to[TIMESTAMP_TEXT_MAX];
    timestamp_format(span->from, from);
    timestamp_format(span->to, to);
    const char *params[] = {patient_id, from, to};
    return db_query(c, "after_write",
                    "SELECT oih_after_write($1::uuid, $2::timestamptz, $3::timestamptz)", 3, params,
                    NULL);
}

/* Looks for an id whose stored content differs; a new statement, so it sees rows that
 * concurrent transactions committed while our insert waited on them. */
static enum db_status
find_changed(struct db_conn *c, const struct batch_sql *sql, const char *const *params,
             struct batch_result *out)
{
    PGresult *res = NULL;
    enum db_status st = db_query(c, sql->what, sql->changed, 2, params, &res);
    if (st == DB_OK && PQntuples(res) > 0) {
        out->conflict_index = (long)db_int(res, 0, 0);
        st = DB_CONFLICT;
    }
    PQclear(res);
    return st;
}

static void fill_page(PGresult *res, bool pain, size_t limit, struct entry_page *page);

/* With stored (single entries only): the entry as stored when it was created, from the
 * insert's own RETURNING, which spares the caller a read. */
static enum db_status
insert_batch(struct db_conn *c, const struct batch_sql *sql, const char *patient_id,
             const char *json, size_t n, const struct span *span, struct batch_result *out,
             struct entry_page *stored)
{
    PGresult *res = NULL;
    const char *params[] = {patient_id, json};
    memset(out, 0, sizeof(*out));
    out->conflict_index = -1;
    enum db_status st = db_begin(c);
    if (st == DB_OK)
        st = db_query(c, sql->what, stored ? sql->insert_one : sql->insert, 2, params, &res);
    if (st == DB_OK) {
        out->created = (size_t)PQntuples(res);
        out->duplicates = n - out->created;
        if (stored && out->created == 1)
            fill_page(res, sql->pain, 1, stored); /* the page owns res */
        else
            PQclear(res);
        if (out->duplicates > 0)
            st = find_changed(c, sql, params, out);
    }
    if (st == DB_OK && out->created > 0)
        st = after_write(c, patient_id, span);
    st = db_end(c, st);
    if (st != DB_OK && stored)
        entry_page_cleanup(stored);
    return st;
}

/* --- serializing a batch ---
 * The rows are written as text rather than built as a jansson tree: for a 1000-entry batch
 * the tree took about 2 MiB and a third of the request's CPU time; the text is 200 KiB. */

static void
write_key(struct jsonw *w, const char *key)
{
    jsonw_raw(w, ",\"");
    jsonw_raw(w, key);
    jsonw_raw(w, "\":");
}

static void
write_text(struct jsonw *w, const char *key, const char *s)
{
    write_key(w, key);
    if (s)
        jsonw_string(w, s);
    else
        jsonw_null(w);
}

/* A 0..10 rating, null when absent (-1). */
static void
write_scale(struct jsonw *w, const char *key, int v)
{
    write_key(w, key);
    if (v < 0)
        jsonw_null(w);
    else
        jsonw_int(w, v);
}

/* Every digit a double has, so PostgreSQL stores exactly the value that was validated. */
static void
write_real(struct jsonw *w, const char *key, bool has, double v)
{
    char text[32];
    write_key(w, key);
    if (!has) {
        jsonw_null(w);
        return;
    }
    (void)snprintf(text, sizeof(text), "%.17g", v);
    jsonw_raw(w, text);
}

static void
write_strings(struct jsonw *w, const char *key, const char *const *items, size_t n)
{
    write_key(w, key);
    jsonw_raw(w, "[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            jsonw_raw(w, ",");
        jsonw_string(w, items[i]);
    }
    jsonw_raw(w, "]");
}

/* The words of vocab whose bits are set in mask, in vocabulary order. */
static void
write_words(struct jsonw *w, const char *key, const char *const *vocab, size_t nvocab,
            unsigned mask)
{
    const char *words[32];
    size_t n = 0;
    for (size_t i = 0; i < nvocab && i < 32; i++) {
        if (mask & (1u << i))
            words[n++] = vocab[i];
    }
    write_strings(w, key, words, n);
}

/* One object of PAIN_RECORDSET; i is the entry's index in the request. */
static void
write_pain_row(struct jsonw *w, const struct pain_entry *e, size_t i)
{
    char ts[TIMESTAMP_TEXT_MAX];
    timestamp_format(e->recorded_at, ts);
    jsonw_raw(w, "{\"i\":");
    jsonw_int(w, (long long)i);
    write_text(w, "id", e->id);
    write_text(w, "recorded_at", ts);
    write_scale(w, "score", e->score);
    write_scale(w, "enjoyment", e->enjoyment);
    write_scale(w, "activity", e->activity);
    write_strings(w, "locations", e->locations, (size_t)e->nlocations);
    write_words(w, "qualities", vocab_qualities, QUALITY_COUNT, e->qualities);
    write_words(w, "evoked_by", vocab_evoked, EVOKED_COUNT, e->evoked);
    write_text(w, "note", e->note);
    jsonw_raw(w, "}");
}

/* One object of DOSE_RECORDSET. */
static void
write_dose_row(struct jsonw *w, const struct dose_entry *e, size_t i)
{
    char ts[TIMESTAMP_TEXT_MAX];
    timestamp_format(e->taken_at, ts);
    jsonw_raw(w, "{\"i\":");
    jsonw_int(w, (long long)i);
    write_text(w, "id", e->id);
    write_text(w, "taken_at", ts);
    write_text(w, "medication", e->med->key);
    write_text(w, "route", e->form->route);
    write_text(w, "unit", e->form->unit);
    write_real(w, "dose", true, e->dose);
    write_real(w, "duration_hours", e->has_duration, e->duration_hours);
    write_text(w, "class", med_class_name(e->med->med_class));
    write_real(w, "mme", e->has_mme, e->mme);
    write_text(w, "note", e->note);
    jsonw_raw(w, "}");
}

/* Room for a typical row without a note, so a batch rarely regrows its buffer. */
enum { ROW_BYTES_HINT = 256 };

char *
db_pain_rows_json(const struct pain_entry *entries, size_t n)
{
    struct jsonw w;
    size_t len;
    jsonw_init(&w, n * ROW_BYTES_HINT + 2);
    for (size_t i = 0; i < n; i++) {
        jsonw_raw(&w, i == 0 ? "[" : ",");
        write_pain_row(&w, &entries[i], i);
    }
    jsonw_raw(&w, "]");
    return jsonw_finish(&w, &len);
}

char *
db_dose_rows_json(const struct dose_entry *entries, size_t n)
{
    struct jsonw w;
    size_t len;
    jsonw_init(&w, n * ROW_BYTES_HINT + 2);
    for (size_t i = 0; i < n; i++) {
        jsonw_raw(&w, i == 0 ? "[" : ",");
        write_dose_row(&w, &entries[i], i);
    }
    jsonw_raw(&w, "]");
    return jsonw_finish(&w, &len);
}

enum db_status
db_pain_insert(struct db_conn *c, const char *patient_id, const struct pain_entry *entries,
               size_t n, struct batch_result *out, struct entry_page *stored)
{
    struct span span = {entries[0].recorded_at, entries[0].recorded_at};
    for (size_t i = 1; i < n; i++) {
        span.from = entries[i].recorded_at < span.from ? entries[i].recorded_at : span.from;
        span.to = entries[i].recorded_at > span.to ? entries[i].recorded_at : span.to;
    }
    char *json = db_pain_rows_json(entries, n);
    enum db_status st = insert_batch(c, &pain_sql, patient_id, json, n, &span, out, stored);
    free(json);
    return st;
}

/* When a dose stops delivering: its time, or its time plus its duration. */
static int64_t
dose_end(const struct dose_entry *e)
{
    return e->taken_at + (e->has_duration ? (int64_t)(e->duration_hours * 3600e6) : 0);
}

enum db_status
db_dose_insert(struct db_conn *c, const char *patient_id, const struct dose_entry *entries,
               size_t n, struct batch_result *out, struct entry_page *stored)
{
    struct span span = {entries[0].taken_at, dose_end(&entries[0])};
    for (size_t i = 1; i < n; i++) {
        span.from = entries[i].taken_at < span.from ? entries[i].taken_at : span.from;
        span.to = dose_end(&entries[i]) > span.to ? dose_end(&entries[i]) : span.to;
    }
    char *json = db_dose_rows_json(entries, n);
    enum db_status st = insert_batch(c, &dose_sql, patient_id, json, n, &span, out, stored);
    free(json);
    return st;
}

/* --- reading --- */

/* $2/$3 from/to, $4/$5 cursor time and id, $6 limit + 1 */
#define PAGE_FILTER(time)                                                                          \
    " WHERE patient_id = $1::uuid AND ($2::timestamptz IS NULL OR " time " >= $2::timestamptz)"    \
    " AND ($3::timestamptz IS NULL OR " time " < $3::timestamptz)"                                 \
    " AND ($4::timestamptz IS NULL OR (" time ", id) < ($4::timestamptz, $5::uuid))"               \
    " ORDER BY " time " DESC, id DESC LIMIT $6::int"

static const char pain_list_sql[] =
    "SELECT " PAIN_COLUMNS " FROM pain_entries" PAGE_FILTER("recorded_at");
static const char dose_list_sql[] =
    "SELECT " DOSE_COLUMNS " FROM dose_entries" PAGE_FILTER("taken_at");
static const char pain_fetch_sql[] = "SELECT " PAIN_COLUMNS " FROM pain_entries"
                                     " WHERE patient_id = $1::uuid AND id = $2::uuid";
static const char dose_fetch_sql[] = "SELECT " DOSE_COLUMNS " FROM dose_entries"
                                     " WHERE patient_id = $1::uuid AND id = $2::uuid";

/* Turns "a,b" into a bit mask over vocab (words are vocabulary tokens: no commas). */
static unsigned
words_to_mask(const char *csv, const char *const *vocab, size_t nvocab)
{
    unsigned mask = 0;
    char word[48];
    while (*csv) {
        size_t len = strcspn(csv, ",");
        (void)snprintf(word, sizeof(word), "%.*s", (int)len, csv);
        int idx = vocab_index(vocab, nvocab, word);
        if (idx >= 0)
            mask |= 1u << idx;
        csv += len + (csv[len] == ',');
    }
    return mask;
}

/* Copies "a,b" into text as "a\0b\0" and points e's locations at the pieces; returns where
 * the next row's tokens go. */
static char *
split_locations(const char *csv, char *text, struct pain_entry *e)
{
    size_t len = strlen(csv);
    memcpy(text, csv, len + 1);
    e->nlocations = 0;
    for (char *p = text; *p && e->nlocations < LOCATIONS_MAX;) {
        e->locations[e->nlocations++] = p;
        p += strcspn(p, ",");
        if (*p)
            *p++ = '\0';
    }
    return text + len + 1;
}

static int
optional_int(const PGresult *res, int r, int f)
{
    return PQgetisnull(res, r, f) ? -1 : (int)db_int(res, r, f);
}

/* Fills out from row r; its location tokens go to text. Returns the end of what it wrote. */
static char *
read_pain(const PGresult *res, int r, char *text, struct pain_record *out)
{
    struct pain_entry *e = &out->entry;
    memset(out, 0, sizeof(*out));
    (void)snprintf(e->id, sizeof(e->id), "%s", PQgetvalue(res, r, 0));
    e->recorded_at = db_int(res, r, 1);
    e->score = (int)db_int(res, r, 2);
    e->enjoyment = optional_int(res, r, 3);
    e->activity = optional_int(res, r, 4);
    text = split_locations(PQgetvalue(res, r, 5), text, e);
    e->qualities = words_to_mask(PQgetvalue(res, r, 6), vocab_qualities, QUALITY_COUNT);
    e->evoked = words_to_mask(PQgetvalue(res, r, 7), vocab_evoked, EVOKED_COUNT);
    e->note = db_text(res, r, 8);
    out->created_at = db_int(res, r, 9);
    return text;
}

static void
read_dose(const PGresult *res, int r, struct dose_record *out)
{
    memset(out, 0, sizeof(*out));
    (void)snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, r, 0));
    out->taken_at = db_int(res, r, 1);
    out->medication = PQgetvalue(res, r, 2);
    out->route = PQgetvalue(res, r, 3);
    out->unit = PQgetvalue(res, r, 4);
    out->dose = db_double(res, r, 5);
    out->has_duration = !PQgetisnull(res, r, 6);
    out->duration_hours = out->has_duration ? db_double(res, r, 6) : 0.0;
    out->med_class = PQgetvalue(res, r, 7);
    out->has_mme = !PQgetisnull(res, r, 8);
    out->mme = out->has_mme ? db_double(res, r, 8) : 0.0;
    out->note = db_text(res, r, 9);
    out->created_at = db_int(res, r, 10);
}

/* Room for the location tokens of rows [0, n): each row's text and its terminator. */
static size_t
locations_size(const PGresult *res, size_t n)
{
    size_t size = 0;
    for (size_t r = 0; r < n; r++)
        size += (size_t)PQgetlength(res, (int)r, 5) + 1;
    return size;
}

/* Fills page from res (which the page then owns), keeping at most limit rows. */
static void
fill_page(PGresult *res, bool pain, size_t limit, struct entry_page *page)
{
    memset(page, 0, sizeof(*page));
    page->count = db_page_rows(res, limit, &page->more);
    page->owner = res;
    if (!pain) {
        page->dose = xcalloc(page->count, sizeof(page->dose[0]));
        for (size_t r = 0; r < page->count; r++)
            read_dose(res, (int)r, &page->dose[r]);
        return;
    }
    page->pain = xcalloc(page->count, sizeof(page->pain[0]));
    page->locations = xmalloc(locations_size(res, page->count) + 1);
    char *text = page->locations;
    for (size_t r = 0; r < page->count; r++)
        text = read_pain(res, (int)r, text, &page->pain[r]);
}

static enum db_status
fetch_one(struct db_conn *c, const char *sql, bool pain, const char *patient_id, const char *id,
          struct entry_page *out)
{
    PGresult *res = NULL;
    const char *params[] = {patient_id, id};
    enum db_status st = db_query(c, pain ? "pain_fetch" : "dose_fetch", sql, 2, params, &res);
    if (st == DB_OK && PQntuples(res) == 0) {
        PQclear(res);
        return DB_NOT_FOUND;
    }
    if (st == DB_OK)
        fill_page(res, pain, 1, out);
    return st;
}

enum db_status
db_pain_fetch(struct db_conn *c, const char *patient_id, const char *id, struct entry_page *out)
{
    return fetch_one(c, pain_fetch_sql, true, patient_id, id, out);
}

enum db_status
db_dose_fetch(struct db_conn *c, const char *patient_id, const char *id, struct entry_page *out)
{
    return fetch_one(c, dose_fetch_sql, false, patient_id, id, out);
}

static enum db_status
list_page(struct db_conn *c, const char *sql, bool pain, const char *patient_id,
          const struct entry_query *q, struct entry_page *out)
{
    char from[TIMESTAMP_TEXT_MAX], to[TIMESTAMP_TEXT_MAX], after[TIMESTAMP_TEXT_MAX];
    char limit[16];
    if (q->has_from)
        timestamp_format(q->from, from);
    if (q->has_to)
        timestamp_format(q->to, to);
    if (q->after)
        timestamp_format(q->after->key, after);
    (void)snprintf(limit, sizeof(limit), "%d", q->limit + 1);
    const char *params[] = {patient_id,
                            q->has_from ? from : NULL,
                            q->has_to ? to : NULL,
                            q->after ? after : NULL,
                            q->after ? q->after->id : NULL,
                            limit};
    PGresult *res = NULL;
    enum db_status st = db_query(c, pain ? "pain_list" : "dose_list", sql, 6, params, &res);
    if (st == DB_OK)
        fill_page(res, pain, (size_t)q->limit, out);
    return st;
}

enum db_status
db_pain_list(struct db_conn *c, const char *patient_id, const struct entry_query *q,
             struct entry_page *out)
{
    return list_page(c, pain_list_sql, true, patient_id, q, out);
}

enum db_status
db_dose_list(struct db_conn *c, const char *patient_id, const struct entry_query *q,
             struct entry_page *out)
{
    return list_page(c, dose_list_sql, false, patient_id, q, out);
}

void
entry_page_cleanup(struct entry_page *page)
{
    free(page->pain);
    free(page->dose);
    free(page->locations);
    PQclear(page->owner);
    memset(page, 0, sizeof(*page));
}

static enum db_status
delete_entry(struct db_conn *c, const char *what, const char *sql, const char *patient_id,
             const char *id)
{
    PGresult *res = NULL;
    const char *params[] = {patient_id, id};
    struct span span = {0, 0};
    enum db_status st = db_begin(c);
    if (st == DB_OK)
        st = db_query(c, what, sql, 2, params, &res);
    if (st == DB_OK && PQntuples(res) == 0)
        st = DB_NOT_FOUND;
    if (st == DB_OK)
        span = (struct span){db_int(res, 0, 0), db_int(res, 0, 1)};
    PQclear(res);
    if (st == DB_OK)
        st = after_write(c, patient_id, &span);
    return db_end(c, st);
}

enum db_status
db_pain_delete(struct db_conn *c, const char *patient_id, const char *id)
{
    return delete_entry(c, "pain_delete",
                        "DELETE FROM pain_entries WHERE patient_id = $1::uuid AND id = $2::uuid"
                        " RETURNING oih_epoch_us(recorded_at), oih_epoch_us(recorded_at)",
                        patient_id, id);
}

enum db_status
db_dose_delete(struct db_conn *c, const char *patient_id, const char *id)
{
    return delete_entry(c, "dose_delete",
                        "DELETE FROM dose_entries WHERE patient_id = $1::uuid AND id = $2::uuid"
                        " RETURNING oih_epoch_us(taken_at), oih_epoch_us(taken_at +"
                        " make_interval(secs => coalesce(duration_hours, 0) * 3600))",
                        patient_id, id);
}
