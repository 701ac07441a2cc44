/* A fixed pool of connections, one per worker thread. Slow work (connecting, rolling back)
 * happens outside the mutex; the mutex only guards which slot is free. While the database
 * is down, acquire fails fast instead of letting every request wait out a connect timeout. */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/internal.h"
#include "domain/timestamp.h"
#include "log.h"
#include "util/xalloc.h"

/* After a failed connect, other requests fail at once for this long rather than each
 * trying again: a dead database must not hold every worker for connect_timeout. */
#define RECONNECT_BACKOFF_MS 250

struct db_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct db_conn *slots;
    int size;
    char *url;
    int connect_timeout_s;
    bool prepare;
    int64_t last_failure_ms; /* guarded by lock */
    int in_use;              /* guarded by lock */
    atomic_ullong waits, timeouts, query_errors, connect_failures;
};

struct db_pool *
db_pool_new(const char *url, int size, int connect_timeout_s, bool prepare)
{
    struct db_pool *pool = xcalloc(1, sizeof(*pool));
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->freed, NULL);
    pool->slots = xcalloc((size_t)size, sizeof(pool->slots[0]));
    for (int i = 0; i < size; i++) {
        pool->slots[i].slot = i;
        pool->slots[i].pool = pool;
    }
    pool->size = size;
    pool->url = xstrdup(url);
    pool->connect_timeout_s = connect_timeout_s;
    pool->prepare = prepare;
    return pool;
}

void
db_pool_free(struct db_pool *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->size; i++)
        PQfinish(pool->slots[i].pg);
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->slots);
    free(pool->url);
    free(pool);
}

/* Takes a free slot, preferring one that is already connected. Called with lock held. */
static struct db_conn *
take_slot(struct db_pool *pool)
{
    struct db_conn *fallback = NULL;
    for (int i = 0; i < pool->size; i++) {
        struct db_conn *c = &pool->slots[i];
        if (c->in_use)
            continue;
        if (c->pg) {
            c->in_use = true;
            return c;
        }
        if (!fallback)
            fallback = c;
    }
    if (fallback)
        fallback->in_use = true;
    return fallback;
}

static struct db_conn *
wait_for_slot(struct db_pool *pool, int wait_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&pool->lock);
    struct db_conn *c = take_slot(pool);
    if (!c)
        atomic_fetch_add(&pool->waits, 1);
    while (!c) {
        if (pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) != 0) {
            c = take_slot(pool);
            break;
        }
        c = take_slot(pool);
    }
    if (c)
        pool->in_use++;
    else
        atomic_fetch_add(&pool->timeouts, 1);
    pthread_mutex_unlock(&pool->lock);
    return c;
}

static void
put_slot(struct db_pool *pool, struct db_conn *c, bool connect_failed)
{
    pthread_mutex_lock(&pool->lock);
    c->in_use = false;
    pool->in_use--;
    if (connect_failed)
        pool->last_failure_ms = monotonic_ms();
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

static bool
in_backoff(struct db_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    bool backoff = monotonic_ms() - pool->last_failure_ms < RECONNECT_BACKOFF_MS;
    pthread_mutex_unlock(&pool->lock);
    return backoff;
}

/* True when an idle connection should not be trusted: its server said something. We never
 * LISTEN, so a pooled connection only receives unasked-for data when the server ends the
 * session (a shutdown, restart or failover sends a FATAL message, then closes). One
 * non-blocking poll: far cheaper than failing the request that would use the connection. */
static bool
server_closed(PGconn *pg)
{
    struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
    if (p.fd < 0)
        return true;
    return poll(&p, 1, 0) != 0;
}

enum connect_result { CONNECTED, CONNECT_FAILED, CONNECT_SKIPPED };

/* Connects c if it has no live connection. While another request's connect failed moments
 * ago, it does not try (CONNECT_SKIPPED), so a dead database costs each request nothing. */
static enum connect_result
ensure_connected(struct db_pool *pool, struct db_conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK && !server_closed(c->pg))
        return CONNECTED;
    PQfinish(c->pg);
    c->pg = NULL;
    if (in_backoff(pool))
        return CONNECT_SKIPPED;
    c->pg = db_open(pool->url, pool->connect_timeout_s);
    c->nprepared = 0; /* a new session has none */
    c->prepare = pool->prepare;
    if (PQstatus(c->pg) == CONNECTION_OK)
        return CONNECTED;
    atomic_fetch_add(&pool->connect_failures, 1);
    log_warn("database connect failed", "{s:i}", "slot", c->slot);
    PQfinish(c->pg);
    c->pg = NULL;
    return CONNECT_FAILED;
}

struct db_conn *
db_pool_acquire(struct db_pool *pool, int wait_ms)
{
    struct db_conn *c = wait_for_slot(pool, wait_ms);
    if (!c)
        return NULL;
    enum connect_result r = ensure_connected(pool, c);
    if (r != CONNECTED) {
        put_slot(pool, c, r == CONNECT_FAILED); /* a skipped try must not extend the backoff */
        return NULL;
    }
    return c;
}

void
db_pool_release(struct db_pool *pool, struct db_conn *c)
{
    if (!c)
        return;
    bool failed = false;
    if (PQstatus(c->pg) != CONNECTION_OK) {
        failed = true;
    } else {
        PGTransactionStatusType ts = PQtransactionStatus(c->pg);
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
            db_rollback(c);
        else if (ts != PQTRANS_IDLE)
            failed = true;
        failed = failed || PQstatus(c->pg) != CONNECTION_OK;
    }
    if (failed) {
        /* remade on a later acquire: a reset loses prepared statements and settings, so
         * a fresh connection with the same setup is the simpler equivalent */
        PQfinish(c->pg);
        c->pg = NULL;
    }
    put_slot(pool, c, false); /* a lost session is not a sign the server is down */
}

void
db_pool_count_error(struct db_pool *pool)
{
    atomic_fetch_add(&pool->query_errors, 1);
}

void
db_pool_stats(struct db_pool *pool, struct db_pool_stats *out)
{
    pthread_mutex_lock(&pool->lock);
    out->in_use = pool->in_use;
    pthread_mutex_unlock(&pool->lock);
    out->size = pool->size;
    out->waits = atomic_load(&pool->waits);
    out->timeouts = atomic_load(&pool->timeouts);
    out->query_errors = atomic_load(&pool->query_errors);
    out->connect_failures = atomic_load(&pool->connect_failures);
}
