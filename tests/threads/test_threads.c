/* The shared-state code under many threads, built with ThreadSanitizer by tests/run.sh:
 * the connection pool (against the test database and against one that is down), the risk
 * worker, the audit writer, the rate limiter and the metrics. Needs DATABASE_URL pointing
 * at a migrated database; any data race makes TSan fail the run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "clinical/worker.h"
#include "config.h"
#include "db/internal.h"
#include "api/api.h"
#include "metrics.h"
#include "ratelimit.h"
#include "util/random.h"
#include "util/xalloc.h"

enum { THREADS = 8, ROUNDS = 200 };

static const char *
env(const char *name)
{
    return getenv(name);
}

static struct config
load_config(void)
{
    struct config cfg;
    char err[256];
    if (config_load(&cfg, env, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    cfg.risk_debounce_ms = 0;
    return cfg;
}

/* Runs fn on THREADS threads with arg and waits for them all. */
static void
run_threads(void *(*fn)(void *), void *arg)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, fn, arg), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
}

static void *
ping_rounds(void *arg)
{
    struct db_pool *pool = arg;
    for (int i = 0; i < ROUNDS; i++) {
        struct db_conn *c = db_pool_acquire(pool, 10000);
        if (!c || !db_ping(c))
            abort();
        db_pool_release(pool, c);
    }
    return NULL;
}

static void
test_pool_shared_by_more_threads_than_connections(void **state)
{
    (void)state;
    struct config cfg = load_config();
    struct db_pool *pool = db_pool_new(cfg.database_url, THREADS / 2, 3, true);
    run_threads(ping_rounds, pool);
    struct db_pool_stats st;
    db_pool_stats(pool, &st);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.size, THREADS / 2);
    db_pool_free(pool);
}

static void *
failing_rounds(void *arg)
{
    struct db_pool *pool = arg;
    for (int i = 0; i < 20; i++) {
        if (db_pool_acquire(pool, 100) != NULL)
            abort();
    }
    return NULL;
}

static void
test_pool_fails_fast_while_the_database_is_down(void **state)
{
    (void)state;
    struct db_pool *pool = db_pool_new("postgresql://postgres@127.0.0.1:1/none", 2, 1, true);
    run_threads(failing_rounds, pool);
    struct db_pool_stats st;
    db_pool_stats(pool, &st);
    assert_int_equal(st.in_use, 0);
    assert_true(st.connect_failures >= 1);
    db_pool_free(pool);
}

/* A patient with a few pain and dose rows, created directly; returns its id. */
static void
make_patient(struct db_conn *c, char id[37])
{
    assert_int_equal(random_uuid(id), 0);
    const char *params[] = {id};
    assert_int_equal(
        db_query(c, "t", "INSERT INTO patients (id) VALUES ($1::uuid)", 1, params, NULL), DB_OK);
    assert_int_equal(db_query(c, "t",
                              "INSERT INTO pain_entries (patient_id, id, recorded_at, score)"
                              " SELECT $1::uuid, gen_random_uuid(), now() - g * interval '1 day',"
                              " 5 FROM generate_series(0, 30) g",
                              1, params, NULL),
                     DB_OK);
    assert_int_equal(
        db_query(c, "t", "INSERT INTO risk_dirty (patient_id) VALUES ($1::uuid)", 1, params, NULL),
        DB_OK);
}

static long
count_rows(struct db_conn *c, const char *sql, const char *id)
{
    PGresult *res = NULL;
    const char *params[] = {id};
    assert_int_equal(db_query(c, "t", sql, 1, params, &res), DB_OK);
    long n = (long)db_int(res, 0, 0);
    PQclear(res);
    return n;
}

/* The statements a connection outside the pool has prepared in its session. */
static long
prepared_statements(bool prepare)
{
    struct config cfg = load_config();
    char err[256];
    struct db_conn *c = db_connect(cfg.database_url, 3, prepare, err, sizeof(err));
    assert_non_null(c);
    long n = count_rows(c, "SELECT count(*) FROM pg_prepared_statements WHERE $1 = $1", "x");
    db_disconnect(c);
    return n;
}

/* The audit writer and the risk worker connect with the pool's setting: with it on, a
 * statement is planned once per session, not on every call. */
static void
test_a_connection_outside_the_pool_prepares_only_when_asked(void **state)
{
    (void)state;
    assert_int_equal(prepared_statements(true), 1); /* the counting query itself */
    assert_int_equal(prepared_statements(false), 0);
}

static void
test_risk_worker_recomputes_and_stops(void **state)
{
    (void)state;
    struct config cfg = load_config();
    char err[256], id[37];
    struct db_conn *c = db_connect(cfg.database_url, 3, false, err, sizeof(err));
    assert_non_null(c);
    make_patient(c, id);
    struct risk_worker *w = risk_worker_start(&cfg);
    assert_non_null(w);
    for (int i = 0; i < 100 && count_rows(c,
                                          "SELECT count(*) FROM risk_current"
                                          " WHERE patient_id = $1::uuid",
                                          id) == 0;
         i++)
        usleep(100 * 1000);
    assert_int_equal(
        count_rows(c, "SELECT count(*) FROM risk_current WHERE patient_id = $1::uuid", id), 1);
    (void)risk_worker_backlog(w);
    risk_worker_stop(w);
    db_disconnect(c);
}

struct audit_run {
    struct audit_writer *w;
    char patient[37];
};

static void *
audit_rounds(void *arg)
{
    struct audit_run *run = arg;
    struct audit_event e = {
        .role = ROLE_ADMIN, .method = "GET", .route = "/v1/patients/{patient_id}", .status = 200};
    (void)snprintf(e.patient_id, sizeof(e.patient_id), "%s", run->patient);
    (void)snprintf(e.principal_id, sizeof(e.principal_id), "%s", run->patient);
    for (int i = 0; i < ROUNDS; i++) {
        (void)snprintf(e.request_id, sizeof(e.request_id), "t-%d", i);
        audit_writer_record(run->w, &e);
        audit_writer_token_used(run->w, run->patient, 1);
    }
    return NULL;
}

static void
test_audit_writer_keeps_every_event_from_many_threads(void **state)
{
    (void)state;
    struct config cfg = load_config();
    char err[256];
    struct audit_run run;
    struct db_conn *c = db_connect(cfg.database_url, 3, false, err, sizeof(err));
    assert_non_null(c);
    make_patient(c, run.patient);
    run.w = audit_writer_start(&cfg);
    assert_non_null(run.w);
    run_threads(audit_rounds, &run);
    audit_writer_stop(run.w);
    assert_int_equal(
        count_rows(c, "SELECT count(*) FROM audit_log WHERE patient_id = $1::uuid", run.patient),
        THREADS * ROUNDS);
    db_disconnect(c);
}

struct shared_counters {
    struct ratelimit *rl;
    struct metrics *m;
};

static void *
limiter_rounds(void *arg)
{
    struct shared_counters *s = arg;
    char key[16];
    int retry;
    for (int i = 0; i < 10 * ROUNDS; i++) {
        (void)snprintf(key, sizeof(key), "k%d", i % 50);
        (void)ratelimit_take(s->rl, key, i, &retry);
        metrics_observe(s->m, i % 3 ? NULL : &api_routes[0], 200, 0.001);
    }
    return NULL;
}

static void
test_rate_limiter_and_metrics_under_threads(void **state)
{
    (void)state;
    struct shared_counters s = {ratelimit_new(100, 10), metrics_new(api_routes, api_routes_count)};
    run_threads(limiter_rounds, &s);
    struct metrics_extra extra = {.risk_backlog = -1, .version = "t"};
    size_t len;
    char *text = metrics_render(s.m, &extra, &len);
    assert_non_null(strstr(text, "oihwatch_http_requests_total"));
    free(text);
    metrics_free(s.m);
    ratelimit_free(s.rl);
}

int
main(void)
{
    json_set_alloc_funcs(xmalloc, free);
    if (!getenv("DATABASE_URL")) {
        (void)fprintf(stderr, "test_threads: DATABASE_URL is required\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_shared_by_more_threads_than_connections),
        cmocka_unit_test(test_pool_fails_fast_while_the_database_is_down),
        cmocka_unit_test(test_a_connection_outside_the_pool_prepares_only_when_asked),
        cmocka_unit_test(test_risk_worker_recomputes_and_stops),
        cmocka_unit_test(test_audit_writer_keeps_every_event_from_many_threads),
        cmocka_unit_test(test_rate_limiter_and_metrics_under_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
