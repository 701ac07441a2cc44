/* Query execution, SQLSTATE mapping, transactions and single connections. */
#include "db/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util/hash.h"
#include "util/xalloc.h"

struct sqlstate_rule {
    const char *prefix; /* a full SQLSTATE or its two-character class */
    enum db_status status;
};

static const struct sqlstate_rule sqlstate_rules[] = {
    {"23505", DB_CONFLICT},    /* unique_violation */
    {"23503", DB_NOT_FOUND},   /* foreign_key_violation: the parent row is gone */
    {"23", DB_INVALID},        /* other integrity constraints */
    {"22", DB_INVALID},        /* data exceptions */
    {"08", DB_UNAVAILABLE},    /* connection exceptions */
    {"53", DB_UNAVAILABLE},    /* insufficient resources */
    {"57P", DB_UNAVAILABLE},   /* admin/crash shutdown, cannot connect now */
    {"57014", DB_UNAVAILABLE}, /* statement timeout */
    {"40", DB_UNAVAILABLE},    /* serialization failure, deadlock: retry */
    {"25006", DB_UNAVAILABLE}, /* read-only transaction: a failover in progress */
};

enum db_status
db_status_from_sqlstate(const char *sqlstate)
{
    if (!sqlstate)
        return DB_UNAVAILABLE; /* no SQLSTATE: the client lost the server */
    for (size_t i = 0; i < sizeof(sqlstate_rules) / sizeof(sqlstate_rules[0]); i++) {
        const char *p = sqlstate_rules[i].prefix;
        if (strncmp(sqlstate, p, strlen(p)) == 0)
            return sqlstate_rules[i].status;
    }
    return DB_ERROR;
}

static enum db_status
status_of_failure(struct db_conn *c, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    enum db_status st = db_status_from_sqlstate(state);
    if (PQstatus(c->pg) == CONNECTION_BAD)
        st = DB_UNAVAILABLE;
    if (st == DB_ERROR || st == DB_UNAVAILABLE)
        log_warn("database query failed", "{s:s, s:s?, s:s?, s:b}", "statement", what, "sqlstate",
                 state, "constraint", constraint, "connection_ok",
                 PQstatus(c->pg) == CONNECTION_OK);
    return st;
}

/* The index of sql among c's prepared statements, preparing it if there is room; -1 to
 * run it unprepared. Saves PostgreSQL parsing and planning it on every call. */
static int
prepared_index(struct db_conn *c, const char *sql, int n)
{
    uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, sql);
    for (int i = 0; i < c->nprepared; i++) {
        if (c->prepared[i].sql == sql && c->prepared[i].hash == h)
            return i;
    }
    if (c->nprepared == DB_PREPARED_MAX || PQtransactionStatus(c->pg) == PQTRANS_INERROR)
        return -1;
    char name[16];
    (void)snprintf(name, sizeof(name), "oih_%d", c->nprepared);
    PGresult *res = PQprepare(c->pg, name, sql, n, NULL);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok)
        return -1; /* running it unprepared reports the error */
    c->prepared[c->nprepared] = (struct db_prepared){.sql = sql, .hash = h};
    return c->nprepared++;
}

static PGresult *
execute(struct db_conn *c, const char *sql, int n, const char *const *params)
{
    int i = c->prepare ? prepared_index(c, sql, n) : -1;
    if (i < 0)
        return PQexecParams(c->pg, sql, n, NULL, params, NULL, NULL, 0);
    char name[16];
    (void)snprintf(name, sizeof(name), "oih_%d", i);
    return PQexecPrepared(c->pg, name, n, params, NULL, NULL, 0);
}

enum db_status
db_query_custom_plan(struct db_conn *c, const char *what, const char *sql, int n,
                     const char *const *params, PGresult **out)
{
    bool prepare = c->prepare;
    c->prepare = false;
    enum db_status st = db_query(c, what, sql, n, params, out);
    c->prepare = prepare;
    return st;
}

enum db_status
db_query(struct db_conn *c, const char *what, const char *sql, int n, const char *const *params,
         PGresult **out)
{
    PGresult *res = execute(c, sql, n, params);
    ExecStatusType rs = PQresultStatus(res);
    if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
        enum db_status st = status_of_failure(c, res, what);
        if (c->pool)
            db_pool_count_error(c->pool);
        PQclear(res);
        return st;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return DB_OK;
}

enum db_status
db_begin(struct db_conn *c)
{
    return db_query(c, "begin", "BEGIN", 0, NULL, NULL);
}

enum db_status
db_commit(struct db_conn *c)
{
    return db_query(c, "commit", "COMMIT", 0, NULL, NULL);
}

void
db_rollback(struct db_conn *c)
{
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg, "ROLLBACK"));
}

enum db_status
db_end(struct db_conn *c, enum db_status st)
{
    if (st == DB_OK)
        st = db_commit(c);
    if (st != DB_OK)
        db_rollback(c);
    return st;
}

bool
db_ping(struct db_conn *c)
{
    return db_query(c, "ping", "SELECT 1", 0, NULL, NULL) == DB_OK;
}

/* Server notices (such as "already exists, skipping") would go to stderr as plain text and
 * break the one-JSON-object-per-line log; they carry nothing we act on. */
static void
ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *
db_open(const char *url, int connect_timeout_s)
{
    char timeout[16];
    (void)snprintf(timeout, sizeof(timeout), "%d", connect_timeout_s);
    /* dbname first: it expands the user's URL; the later keys override what it set */
    const char *const keys[] = {"dbname",           "connect_timeout", "client_encoding",
                                "application_name", "keepalives_idle", NULL};
    const char *const values[] = {url, timeout, "UTF8", "oihwatch", "30", NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (pg)
        PQsetNoticeProcessor(pg, ignore_notice, NULL);
    return pg;
}

/* Copies libpq's message without its trailing newline. Messages of connection failures
 * name host and port, never the password. */
static void
copy_error(PGconn *pg, char *err, size_t errsize)
{
    (void)snprintf(err, errsize, "%s", pg ? PQerrorMessage(pg) : "out of memory");
    size_t len = strlen(err);
    while (len > 0 && (err[len - 1] == '\n' || err[len - 1] == ' '))
        err[--len] = '\0';
}

struct db_conn *
db_connect(const char *url, int connect_timeout_s, bool prepare, char *err, size_t errsize)
{
    PGconn *pg = db_open(url, connect_timeout_s);
    if (PQstatus(pg) != CONNECTION_OK) {
        copy_error(pg, err, errsize);
        PQfinish(pg);
        return NULL;
    }
    struct db_conn *c = xcalloc(1, sizeof(*c));
    c->pg = pg;
    c->slot = -1;
    c->prepare = prepare;
    return c;
}

void
db_disconnect(struct db_conn *c)
{
    if (!c)
        return;
    PQfinish(c->pg);
    free(c);
}

size_t
db_page_rows(const PGresult *res, size_t limit, bool *more)
{
    size_t rows = (size_t)PQntuples(res);
    *more = rows > limit;
    return *more ? limit : rows;
}

enum db_status
db_allow_audit_purge(struct db_conn *c)
{
    return db_query(c, "audit_purge_on", "SET LOCAL oihwatch.audit_purge = 'on'", 0, NULL, NULL);
}

const char *
db_text(const PGresult *res, int r, int f)
{
    return PQgetisnull(res, r, f) ? NULL : PQgetvalue(res, r, f);
}

/* Integer and decimal columns are read by hand: a trend reads some 1,300 of them, and
 * strtoll and strtod (locale, errno, arbitrary precision) were a tenth of its CPU. */
long long
db_parse_int(const char *s)
{
    bool negative = *s == '-';
    unsigned long long v = 0;
    for (s += negative; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (unsigned long long)(*s - '0');
    return (long long)(negative ? 0ULL - v : v); /* PostgreSQL's bigint always fits */
}

/* "-123.4567": up to 15 digits read exactly as an integer, then one correctly rounded
 * division by an exact power of ten gives what strtod gives (Clinger's fast path).
 * Anything else (more digits, exponents, NaN) goes to strtod. */
double
db_parse_double(const char *text)
{
    static const double tens[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char *s = text;
    bool negative = *s == '-';
    uint64_t mantissa = 0; /* wraps harmlessly past 15 digits, which go to strtod */
    int ndigits = 0, nfraction = 0;
    for (s += negative; *s >= '0' && *s <= '9'; s++, ndigits++)
        mantissa = mantissa * 10 + (uint64_t)(*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, ndigits++, nfraction++)
            mantissa = mantissa * 10 + (uint64_t)(*s - '0');
    if (*s != '\0' || ndigits == 0 || ndigits > 15)
        return strtod(text, NULL);
    double v = (double)mantissa / tens[nfraction];
    return negative ? -v : v;
}

long long
db_int(const PGresult *res, int r, int f)
{
    return db_parse_int(PQgetvalue(res, r, f));
}

double
db_double(const PGresult *res, int r, int f)
{
    return db_parse_double(PQgetvalue(res, r, f));
}

bool
db_bool(const PGresult *res, int r, int f)
{
    return PQgetvalue(res, r, f)[0] == 't';
}

void
db_describe_url(const char *url, char *out, size_t size)
{
    static const char *const shown[] = {"host", "hostaddr", "port", "dbname", "user", "sslmode"};
    PQconninfoOption *opts = PQconninfoParse(url, NULL);
    size_t used = 0;
    out[0] = '\0';
    if (!opts) {
        (void)snprintf(out, size, "(unparseable connection string)");
        return;
    }
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        for (PQconninfoOption *o = opts; o->keyword; o++) {
            if (o->val && o->val[0] && strcmp(o->keyword, shown[i]) == 0 && used < size) {
                int n = snprintf(out + used, size - used, "%s%s=%s", used ? " " : "", o->keyword,
                                 o->val);
                used += n > 0 ? (size_t)n : 0;
            }
        }
    }
    PQconninfoFree(opts);
}
