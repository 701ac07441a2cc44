/* The access audit in the database: batched appends, the per-patient listing, retention,
 * and tokens' last use. */
#ifndef OIH_DB_AUDIT_H
#define OIH_DB_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "domain/cursor.h"
#include "domain/principal.h"

struct audit_event {
    char patient_id[37];
    char principal_id[37];
    enum role role;
    const char *method; /* static */
    const char *route;  /* static: the route template */
    int status;
    char request_id[129];
    int64_t at; /* set by the audit writer when the event is queued */
};

/* Appends events[0..n) in one statement; events of patients that no longer exist (erased,
 * or never were) are skipped. */
enum db_status db_audit_append(struct db_conn *c, const struct audit_event *events, size_t n);

struct audit_row {
    long long id;
    int64_t at;
    const char *principal_id, *role, *method, *route, *request_id; /* borrowed from the page */
    int status;
};

struct audit_page {
    struct audit_row *rows; /* new; see audit_page_cleanup */
    size_t count;
    bool more;
    void *owner;
};

/* A patient's audit rows, newest first, after the cursor (key: row id) when given. */
enum db_status db_audit_list(struct db_conn *c, const char *patient_id, const struct cursor *after,
                             int limit, struct audit_page *out);
void audit_page_cleanup(struct audit_page *page);

/* Deletes rows older than days (the retention period). */
enum db_status db_audit_purge(struct db_conn *c, int days);

struct token_use {
    char token_id[37];
    int64_t at;
};

/* Moves tokens' last_used_at forward to the given times (never backwards). */
enum db_status db_tokens_mark_used(struct db_conn *c, const struct token_use *uses, size_t n);

#endif
