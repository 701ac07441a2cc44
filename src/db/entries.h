/* Pain and dose entries: idempotent all-or-nothing batch inserts, keyset pages, deletes. */
#ifndef OIH_DB_ENTRIES_H
#define OIH_DB_ENTRIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "domain/cursor.h"
#include "domain/entry.h"

struct batch_result {
    size_t created;
    size_t duplicates;
    long conflict_index; /* with DB_CONFLICT: the first entry whose id holds other content */
};

/* A stored dose as recorded; strings are borrowed from the page that holds it. */
struct dose_record {
    char id[37];
    int64_t taken_at;
    const char *medication, *route, *unit, *med_class;
    double dose;
    bool has_duration;
    double duration_hours;
    bool has_mme;
    double mme;
    const char *note;
    int64_t created_at;
};

struct pain_record {
    struct pain_entry entry; /* entry.note is borrowed from the page */
    int64_t created_at;
};

struct entry_page {
    struct pain_record *pain; /* one of the two arrays is set, by which function filled it */
    struct dose_record *dose;
    size_t count;
    bool more;
    void *owner;     /* the result the strings point into */
    char *locations; /* new: the pain entries' location tokens, split apart */
};

struct entry_query {
    bool has_from, has_to;
    int64_t from, to; /* from inclusive, to exclusive */
    const struct cursor *after;
    int limit;
};

/* Inserts entries[0..n) for a patient in one transaction, committed before returning:
 * an id already stored with identical content counts as a duplicate; with other content
 * nothing is stored and DB_CONFLICT names the entry. DB_NOT_FOUND when the patient is gone.
 * stored, for a single entry (else NULL), must be zeroed: when the entry was created and
 * committed it holds it as stored (caller cleans up); otherwise it stays empty. */
enum db_status db_pain_insert(struct db_conn *c, const char *patient_id,
                              const struct pain_entry *entries, size_t n, struct batch_result *out,
                              struct entry_page *stored);
enum db_status db_dose_insert(struct db_conn *c, const char *patient_id,
                              const struct dose_entry *entries, size_t n, struct batch_result *out,
                              struct entry_page *stored);

/* The jsonb parameter of those inserts, written as text (pure; for the inserts and their
 * tests): entries[0..n) as an array of objects, each with its index "i". New string,
 * caller frees. */
char *db_pain_rows_json(const struct pain_entry *entries, size_t n);
char *db_dose_rows_json(const struct dose_entry *entries, size_t n);

/* One stored entry by id (a page of one), or DB_NOT_FOUND. */
enum db_status db_pain_fetch(struct db_conn *c, const char *patient_id, const char *id,
                             struct entry_page *out);
enum db_status db_dose_fetch(struct db_conn *c, const char *patient_id, const char *id,
                             struct entry_page *out);

/* Newest first (time, then id, descending). */
enum db_status db_pain_list(struct db_conn *c, const char *patient_id, const struct entry_query *q,
                            struct entry_page *out);
enum db_status db_dose_list(struct db_conn *c, const char *patient_id, const struct entry_query *q,
                            struct entry_page *out);
void entry_page_cleanup(struct entry_page *page);

/* Deletes one entry; DB_NOT_FOUND when the patient has no entry with that id. */
enum db_status db_pain_delete(struct db_conn *c, const char *patient_id, const char *id);
enum db_status db_dose_delete(struct db_conn *c, const char *patient_id, const char *id);

#endif
