/* Shared by the files of src/db/ only: the connection struct and the query helper. */
#ifndef OIH_DB_INTERNAL_H
#define OIH_DB_INTERNAL_H

#include <libpq-fe.h>

#include "db/db.h"

struct db_conn {
    PGconn *pg;
    int slot; /* index in the pool, -1 outside any pool */
    bool in_use;
    struct db_pool *pool; /* NULL outside any pool */
};

/* Counts a failed query against the connection's pool (for /metrics). */
void db_pool_count_error(struct db_pool *pool);

/* Runs sql with n text parameters (NULL entries are SQL NULL) via PQexecParams. On DB_OK,
 * *out (if out is not NULL) is a new result the caller PQclears; on failure nothing is
 * returned and the failure is logged once with what (a statement name), the SQLSTATE and
 * the constraint, never with values. */
enum db_status db_query(struct db_conn *c, const char *what, const char *sql, int n,
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

/* Field helpers: the text of row r, column f, or NULL when SQL NULL (borrowed from res). */
const char *db_text(const PGresult *res, int r, int f);
long long db_int(const PGresult *res, int r, int f);
double db_double(const PGresult *res, int r, int f);
bool db_bool(const PGresult *res, int r, int f);

#endif
