/* The database layer's public face: a fixed pool of libpq connections, transactions and
 * the status every db_* function returns. No libpq type leaves src/db/. */
#ifndef OIH_DB_H
#define OIH_DB_H

#include <stdbool.h>
#include <stddef.h>

enum db_status {
    DB_OK,
    DB_NOT_FOUND,
    DB_CONFLICT,
    DB_INVALID,
    DB_UNAVAILABLE, /* cannot reach the database, or a retryable failure: 503 */
    DB_ERROR,       /* a bug or an unexpected failure: 500 */
};

struct db_conn;
struct db_pool;

/* Opens nothing yet: connections are made on first use and remade after failures. With
 * prepare, each connection prepares a statement the first time it runs it (not through a
 * PgBouncer without max_prepared_statements). Returns a new pool (caller frees with
 * db_pool_free). url is copied. */
struct db_pool *db_pool_new(const char *url, int size, int connect_timeout_s, bool prepare);
void db_pool_free(struct db_pool *pool);

/* Checks out a connected connection for the caller's exclusive use, waiting at most
 * wait_ms for a free one. Returns NULL when none is free in time or the database cannot
 * be reached (the caller answers 503). Thread-safe. */
struct db_conn *db_pool_acquire(struct db_pool *pool, int wait_ms);
/* Returns c to the pool; an open or failed transaction is rolled back, a broken
 * connection is closed and remade on a later acquire. Accepts NULL. Thread-safe. */
void db_pool_release(struct db_pool *pool, struct db_conn *c);

struct db_pool_stats {
    int size, in_use;
    unsigned long long waits, timeouts, query_errors, connect_failures;
};

/* A snapshot of the pool's counters. Thread-safe. */
void db_pool_stats(struct db_pool *pool, struct db_pool_stats *out);

/* A single connection outside any pool, for command-line tools and the background
 * writers; NULL on failure, with a one-line reason (no password) in err. With prepare,
 * statements are prepared on first use for the session, as the pool's are. */
struct db_conn *db_connect(const char *url, int connect_timeout_s, bool prepare, char *err,
                           size_t errsize);
void db_disconnect(struct db_conn *c);

enum db_status db_begin(struct db_conn *c);
enum db_status db_commit(struct db_conn *c);
/* Rolls back any open transaction; safe to call when none is open. */
void db_rollback(struct db_conn *c);
/* Ends a transaction: commits when st is DB_OK, else rolls back. Returns the final status
 * (a failed COMMIT turns DB_OK into its failure). */
enum db_status db_end(struct db_conn *c, enum db_status st);

/* Describes a libpq URI or conninfo for logs as "host=... port=... dbname=... user=..."
 * (and sslmode), parsed by libpq itself so no spelling of a password can slip through:
 * the password is never part of the output. */
void db_describe_url(const char *url, char *out, size_t size);

/* True when the server answers a trivial query. */
bool db_ping(struct db_conn *c);

#endif
