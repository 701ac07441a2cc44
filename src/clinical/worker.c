/* Worker loop: claim a batch of dirty patients, assess each with the same code as
 * GET /v1/patients/{id}/risk (as of now, 90-day window), save, release; sleep when idle.
 * A lost database connection is remade with a backoff; nothing here can stop the server. */
#include "clinical/worker.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "clinical/assess.h"
#include "db/risk_store.h"
#include "domain/timestamp.h"
#include "log.h"
#include "util/bgthread.h"
#include "util/xalloc.h"

enum {
    CLAIM_BATCH = 32,
    IDLE_MS = 250,
    STALE_EVERY_MS = 60000,
    STALE_BATCH = 500,
    WINDOW_DAYS = 90
};

struct risk_worker {
    struct bgthread bg;
    const struct config *cfg;
    struct db_conn *db;
    atomic_long backlog; /* patients waiting, as last counted; -1 before the first count */
};

static void
assess_one(struct risk_worker *w, const struct dirty_claim *claim)
{
    struct risk_window win = {.as_of = timestamp_now(), .days = WINDOW_DAYS};
    struct risk_result r;
    enum db_status st =
        assess_risk(w->db, &risk_model_v1, claim->patient_id, claim->timezone, &win, &r);
    if (st == DB_OK)
        st = db_risk_save(w->db, claim->patient_id, &r, risk_model_v1.version);
    if (st == DB_OK || st == DB_NOT_FOUND)
        st = db_risk_release(w->db, claim);
    if (st != DB_OK)
        log_warn("risk recomputation failed; will retry", "{s:i}", "status", (int)st);
}

/* One round: returns the number of patients handled, or -1 when the database failed. */
static int
run_batch(struct risk_worker *w)
{
    struct dirty_claim claims[CLAIM_BATCH];
    int n = 0;
    if (db_risk_claim(w->db, CLAIM_BATCH, w->cfg->risk_debounce_ms, w->cfg->risk_max_delay_ms,
                      claims, &n) != DB_OK)
        return -1;
    for (int i = 0; i < n; i++)
        assess_one(w, &claims[i]);
    return n;
}

/* Refreshes the backlog gauge after each round (a count over a small table). */
static void
count_backlog(struct risk_worker *w)
{
    long n;
    if (db_risk_backlog(w->db, &n) == DB_OK)
        atomic_store(&w->backlog, n);
}

long
risk_worker_backlog(struct risk_worker *w)
{
    return w ? atomic_load(&w->backlog) : -1;
}

static bool
ensure_connection(struct risk_worker *w)
{
    char err[256];
    if (!w->db)
        w->db = db_connect(w->cfg->database_url, w->cfg->db_connect_timeout_s,
                           w->cfg->prepared_statements, err, sizeof(err));
    return w->db != NULL;
}

static void *
worker_main(void *arg)
{
    struct risk_worker *w = arg;
    int64_t last_stale = monotonic_ms() - STALE_EVERY_MS;
    int n = 1; /* the first round starts at once */
    while (bgthread_wait(&w->bg, n > 0 ? 0 : IDLE_MS, NULL, NULL)) {
        if (!ensure_connection(w)) {
            n = 0;
            continue;
        }
        if (monotonic_ms() - last_stale >= STALE_EVERY_MS) {
            db_risk_mark_stale(w->db, STALE_BATCH);
            last_stale = monotonic_ms();
        }
        n = run_batch(w);
        if (n >= 0)
            count_backlog(w);
        if (n < 0) { /* remade on the next round, after an idle pause */
            db_disconnect(w->db);
            w->db = NULL;
        }
    }
    db_disconnect(w->db);
    return NULL;
}

struct risk_worker *
risk_worker_start(const struct config *cfg)
{
    struct risk_worker *w = xcalloc(1, sizeof(*w));
    w->cfg = cfg;
    atomic_init(&w->backlog, -1);
    if (bgthread_start(&w->bg, worker_main, w) < 0) {
        free(w);
        return NULL;
    }
    return w;
}

void
risk_worker_stop(struct risk_worker *w)
{
    if (!w)
        return;
    bgthread_stop(&w->bg);
    free(w);
}
