/* Migration runner. Migration text is trusted (it is compiled in), so it runs through the
 * simple query protocol, which accepts several statements per file. */
#include "db/migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/internal.h"
#include "log.h"
#include "util/embedded.h"

/* pg_advisory_lock key: "oihw" in ASCII; any constant shared by all replicas works. */
#define MIGRATION_LOCK_KEY "1869179255"

static int
version_of(const struct embedded_file *f)
{
    return atoi(f->name);
}

int
db_expected_schema_version(void)
{
    int v = 0;
    for (unsigned i = 0; i < migrations_count; i++) {
        if (version_of(&migrations[i]) > v)
            v = version_of(&migrations[i]);
    }
    return v;
}

enum db_status
db_schema_version(struct db_conn *c, int *out)
{
    PGresult *res = NULL;
    enum db_status st =
        db_query(c, "schema_version", "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                 NULL, &res);
    if (st == DB_OK)
        *out = (int)db_int(res, 0, 0);
    PQclear(res);
    return st;
}

static int
run_simple(struct db_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok)
        log_error("migration statement failed", "{s:s?}", "sqlstate",
                  PQresultErrorField(res, PG_DIAG_SQLSTATE));
    PQclear(res);
    return ok ? 0 : -1;
}

static int
apply_one(struct db_conn *c, const struct embedded_file *f)
{
    char version[16];
    (void)snprintf(version, sizeof(version), "%d", version_of(f));
    const char *params[] = {version, f->name};
    if (run_simple(c, "BEGIN") < 0 || run_simple(c, f->text) < 0 ||
        db_query(c, "migration_record",
                 "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)", 2, params,
                 NULL) != DB_OK ||
        db_commit(c) != DB_OK) {
        log_error("migration failed", "{s:s}", "migration", f->name);
        db_rollback(c);
        return -1;
    }
    log_info("migration applied", "{s:s}", "migration", f->name);
    return 0;
}

static int
apply_pending(struct db_conn *c, int *applied)
{
    int current;
    if (db_schema_version(c, &current) != DB_OK)
        return -1;
    for (unsigned i = 0; i < migrations_count; i++) {
        if (version_of(&migrations[i]) <= current)
            continue;
        if (apply_one(c, &migrations[i]) < 0)
            return -1;
        (*applied)++;
    }
    return 0;
}

int
db_migrate(struct db_conn *c, int *applied)
{
    *applied = 0;
    /* lock first: even CREATE TABLE IF NOT EXISTS can fail when two replicas race it */
    if (run_simple(c, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")") < 0)
        return -1;
    int rc = run_simple(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version int PRIMARY KEY, name text NOT NULL,"
                           " applied_at timestamptz NOT NULL DEFAULT now())");
    if (rc == 0)
        rc = apply_pending(c, applied);
    if (run_simple(c, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")") < 0)
        rc = -1;
    return rc;
}
