/* Shared by the files of src/db/ only: the connection struct and the query helper. */
#ifndef OIH_DB_INTERNAL_H
#define OIH_DB_INTERNAL_H

#include <libpq-fe.h>
#include <stdint.h>

#include "db/db.h"
#include "db/patients.h"

/* Statements prepared on one session, found by the address of their (static) text and
 * checked by its hash; past the limit, statements run unprepared. */
enum { DB_PREPARED_MAX = 64 };

struct db_prepared {
    const char *sql;
    uint64_t hash;
};

struct db_conn {
    PGconn *pg;
    int slot; /* index in the pool, -1 outside any pool */
    bool in_use;
    struct db_pool *pool; /* NULL outside any pool */
    bool prepare;         /* prepare statements on first use (per session) */
    int nprepared;        /* reset whenever pg is replaced */
    struct db_prepared prepared[DB_PREPARED_MAX];
};

/* Counts a failed query against the connection's pool (for /metrics). */
void db_pool_count_error(struct db_pool *pool);

/* Runs sql with n text parameters (NULL entries are SQL NULL): prepared once per session
 * when c->prepare (sql must then be a string that never changes, as every statement here
 * is), else via PQexecParams. On DB_OK,
 * *out (if out is not NULL) is a new result the caller PQclears; on failure nothing is
 * returned and the failure is logged once with what (a statement name), the SQLSTATE and
 * the constraint, never with values. */
enum db_status db_query(struct db_conn *c, const char *what, const char *sql, int n,
                        const char *const *params, PGresult **out);

/* db_query, never prepared: for a statement whose best plan depends on its parameters,
 * where a prepared statement's generic plan would be slower than planning each time (the
 * cohort list: the generic plan was 2.7 times slower for a care team of 10,000). */
enum db_status db_query_custom_plan(struct db_conn *c, const char *what, const char *sql, int n,
                                    const char *const *params, PGresult **out);

/* Maps a SQLSTATE to a status (the table is in db.c). */
enum db_status db_status_from_sqlstate(const char *sqlstate);

/* Opens a connection with the project's fixed settings; returns a PGconn whose status the
 * caller checks (never NULL unless out of memory). */
PGconn *db_open(const char *url, int connect_timeout_s);

/* Keyset pages query limit + 1 rows: returns how many of res's rows belong to the page
 * (at most limit) and whether another page follows. */
size_t db_page_rows(const PGresult *res, size_t limit, bool *more);

/* Lets this transaction delete audit rows (erasure, retention); see sql/003. */
enum db_status db_allow_audit_purge(struct db_conn *c);

/* Whether the caller may see patient p: $2 role, $3 principal id, $4 the caller's own
 * patient id (patients only). One predicate for every query, so a caller who may not see a
 * patient gets exactly the answer an unknown id gets. */
#define DB_VISIBLE_TO_CALLER                                                                       \
    "($2 = 'admin' OR ($2 = 'patient' AND p.id = $4::uuid) OR ($2 = 'clinician' AND EXISTS"        \
    " (SELECT 1 FROM care_team ct WHERE ct.patient_id = p.id AND ct.principal_id = $3::uuid)))"

/* A patient row as db_read_patient reads it (DB_PATIENT_NCOLUMNS columns). */
#define DB_PATIENT_COLUMNS "p.id, p.external_ref, p.timezone, oih_epoch_us(p.created_at)"
enum { DB_PATIENT_NCOLUMNS = 4 };

/* Reads DB_PATIENT_COLUMNS from row r, starting at column 0. */
void db_read_patient(const PGresult *res, int r, struct patient *out);

/* Field helpers: the text of row r, column f, or NULL when SQL NULL (borrowed from res). */
const char *db_text(const PGresult *res, int r, int f);
/* The text of an integer or decimal column as a number: what strtoll and strtod give,
 * faster for the forms PostgreSQL writes. */
long long db_parse_int(const char *text);
double db_parse_double(const char *text);
long long db_int(const PGresult *res, int r, int f);
double db_double(const PGresult *res, int r, int f);
bool db_bool(const PGresult *res, int r, int f);

#endif
