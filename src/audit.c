/* The writer owns two queues under one mutex: audit events, and the latest use of each
 * token. The thread swaps a queue out under the lock and writes it without the lock, so
 * requests only ever wait for a memcpy. A batch that fails is kept and retried first. */
#include "audit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/timestamp.h"
#include "log.h"
#include "util/bgthread.h"
#include "util/hash.h"
#include "util/xalloc.h"

enum {
    FLUSH_EVERY = 256,
    FLUSH_MS = 100,
    QUEUE_MAX = 16384,
    TOKEN_USES_MAX = 4096,
    TOKEN_FLUSH_MS = 60 * 1000,
    PURGE_MS = 60 * 60 * 1000,
    LISTED_SLOTS = 4096, /* a power of two */
};

/* A list view recently recorded: the hash of (principal, patient, route, status) and
 * until when the same view is not recorded again. */
struct listed {
    uint64_t key;
    int64_t until_us;
};

struct event_queue {
    struct audit_event *items;
    size_t count, cap;
};

struct audit_writer {
    struct bgthread bg; /* its lock guards pending, uses and nuses */
    struct event_queue pending;
    struct token_use *uses; /* one per token */
    size_t nuses;
    const struct config *cfg;
    struct db_conn *db;
    struct event_queue retry; /* the writer thread's own */
    struct listed *listed;    /* LISTED_SLOTS, direct-mapped; guarded by bg.lock */
    int64_t listed_window_us;
    atomic_ullong dropped, coalesced;
};

static void
queue_push(struct event_queue *q, const struct audit_event *e)
{
    if (q->count == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 256;
        q->items = xrealloc(q->items, q->cap * sizeof(q->items[0]));
    }
    q->items[q->count++] = *e;
}

/* One field of a key, then a separator: "ab"+"c" must not hash as "a"+"bc". */
static uint64_t
hash_field(uint64_t h, const char *s)
{
    return hash_fnv1a(hash_fnv1a(h, s), "\x1f");
}

/* True when the same list view was recorded within the window (then it is not recorded
 * again); else remembers it. Called with the lock held. */
static bool
listed_recently(struct audit_writer *w, const struct audit_event *e, int64_t now)
{
    uint64_t key = HASH_FNV1A_INIT;
    key = hash_field(key, e->principal_id);
    key = hash_field(key, e->patient_id);
    key = hash_field(key, e->route);
    key = hash_field(key, e->method);
    key = key * 31 + (uint64_t)e->status;
    struct listed *slot = &w->listed[key & (LISTED_SLOTS - 1)];
    if (slot->key == key && now < slot->until_us)
        return true;
    *slot = (struct listed){.key = key, .until_us = now + w->listed_window_us};
    return false;
}

static void
record(struct audit_writer *w, const struct audit_event *e, bool listed)
{
    pthread_mutex_lock(&w->bg.lock);
    int64_t now = timestamp_now();
    if (listed && w->listed_window_us > 0 && listed_recently(w, e, now)) {
        atomic_fetch_add(&w->coalesced, 1);
    } else if (w->pending.count >= QUEUE_MAX) {
        atomic_fetch_add(&w->dropped, 1);
    } else {
        queue_push(&w->pending, e);
        /* stamped under the lock: queue order, and so row order, is time order */
        w->pending.items[w->pending.count - 1].at = now;
        if (w->pending.count == FLUSH_EVERY)
            bgthread_wake_locked(&w->bg);
    }
    pthread_mutex_unlock(&w->bg.lock);
}

void
audit_writer_record(struct audit_writer *w, const struct audit_event *e)
{
    if (w)
        record(w, e, false);
}

void
audit_writer_record_listed(struct audit_writer *w, const struct audit_event *e)
{
    if (w)
        record(w, e, true);
}

void
audit_writer_token_used(struct audit_writer *w, const char *token_id, int64_t at)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->bg.lock);
    size_t i = 0;
    while (i < w->nuses && strcmp(w->uses[i].token_id, token_id) != 0)
        i++;
    if (i < w->nuses) {
        w->uses[i].at = at > w->uses[i].at ? at : w->uses[i].at;
    } else if (w->nuses < TOKEN_USES_MAX) {
        (void)snprintf(w->uses[w->nuses].token_id, sizeof(w->uses[0].token_id), "%s", token_id);
        w->uses[w->nuses++].at = at;
    }
    pthread_mutex_unlock(&w->bg.lock);
}

unsigned long long
audit_writer_coalesced(struct audit_writer *w)
{
    return w ? atomic_load(&w->coalesced) : 0;
}

unsigned long long
audit_writer_dropped(struct audit_writer *w)
{
    return w ? atomic_load(&w->dropped) : 0;
}

/* Takes the pending events into the batch to write, unless a failed batch still waits:
 * then new events stay pending, where QUEUE_MAX bounds them. */
static void
take_pending(struct audit_writer *w)
{
    if (w->retry.count > 0)
        return;
    pthread_mutex_lock(&w->bg.lock);
    for (size_t i = 0; i < w->pending.count; i++)
        queue_push(&w->retry, &w->pending.items[i]);
    w->pending.count = 0;
    pthread_mutex_unlock(&w->bg.lock);
}

static bool
connected(struct audit_writer *w)
{
    char err[256];
    if (!w->db)
        w->db = db_connect(w->cfg->database_url, w->cfg->db_connect_timeout_s,
                           w->cfg->prepared_statements, err, sizeof(err));
    return w->db != NULL;
}

/* Reports a failed statement: the connection is remade on the next round. */
static void
drop_connection(struct audit_writer *w, const char *what)
{
    log_warn("audit write failed; will retry", "{s:s}", "what", what);
    db_disconnect(w->db);
    w->db = NULL;
}

static void
write_events(struct audit_writer *w)
{
    take_pending(w);
    if (w->retry.count == 0 || !connected(w))
        return;
    if (db_audit_append(w->db, w->retry.items, w->retry.count) == DB_OK)
        w->retry.count = 0;
    else
        drop_connection(w, "events");
}

static void
write_token_uses(struct audit_writer *w)
{
    struct token_use uses[TOKEN_USES_MAX];
    pthread_mutex_lock(&w->bg.lock);
    size_t n = w->nuses;
    memcpy(uses, w->uses, n * sizeof(uses[0]));
    w->nuses = 0;
    pthread_mutex_unlock(&w->bg.lock);
    if (n > 0 && connected(w) && db_tokens_mark_used(w->db, uses, n) != DB_OK)
        drop_connection(w, "token use"); /* last use is advisory: not retried */
}

static void
purge(struct audit_writer *w)
{
    if (connected(w) && db_audit_purge(w->db, w->cfg->audit_retention_days) != DB_OK)
        drop_connection(w, "retention");
}

/* A full batch is worth writing before FLUSH_MS is up. Called with the lock held. */
static bool
batch_due(void *arg)
{
    const struct audit_writer *w = arg;
    return w->pending.count >= FLUSH_EVERY;
}

static void *
writer_main(void *arg)
{
    struct audit_writer *w = arg;
    int64_t last_tokens = monotonic_ms(), last_purge = monotonic_ms() - PURGE_MS;
    while (bgthread_wait(&w->bg, FLUSH_MS, batch_due, w)) {
        write_events(w);
        if (monotonic_ms() - last_tokens >= TOKEN_FLUSH_MS) {
            write_token_uses(w);
            last_tokens = monotonic_ms();
        }
        if (monotonic_ms() - last_purge >= PURGE_MS) {
            purge(w);
            last_purge = monotonic_ms();
        }
    }
    write_events(w); /* what requests queued before the stop */
    write_token_uses(w);
    if (w->retry.count > 0)
        log_error("audit events could not be written before exit", "{s:i}", "events",
                  (int)w->retry.count);
    db_disconnect(w->db);
    return NULL;
}

struct audit_writer *
audit_writer_start(const struct config *cfg)
{
    struct audit_writer *w = xcalloc(1, sizeof(*w));
    w->cfg = cfg;
    w->uses = xcalloc(TOKEN_USES_MAX, sizeof(w->uses[0]));
    w->listed = xcalloc(LISTED_SLOTS, sizeof(w->listed[0]));
    w->listed_window_us = (int64_t)cfg->audit_list_window_s * 1000000;
    atomic_init(&w->dropped, 0);
    atomic_init(&w->coalesced, 0);
    if (bgthread_start(&w->bg, writer_main, w) < 0) {
        free(w->listed);
        free(w->uses);
        free(w);
        return NULL;
    }
    return w;
}

void
audit_writer_stop(struct audit_writer *w)
{
    if (!w)
        return;
    bgthread_stop(&w->bg);
    free(w->pending.items);
    free(w->retry.items);
    free(w->listed);
    free(w->uses);
    free(w);
}
