/* Request metrics in memory, rendered in Prometheus text format: counts and latency
 * histograms by route template and status. Lock-free (atomic counters), so observing a
 * request costs a few atomic adds on the hot path. */
#ifndef OIH_METRICS_H
#define OIH_METRICS_H

#include <stddef.h>

struct metrics;
struct route;

/* A new metrics store for the nroutes routes of table (borrowed; must outlive it). */
struct metrics *metrics_new(const struct route *table, size_t nroutes);
void metrics_free(struct metrics *m);

/* Records one request: route is an entry of the table, or NULL for unmatched paths. */
void metrics_observe(struct metrics *m, const struct route *route, int status, double seconds);

/* Gauges and counters owned elsewhere, sampled when rendering. */
struct metrics_extra {
    int pool_size, pool_in_use;
    unsigned long long pool_waits, pool_timeouts, db_errors, connect_failures;
    long risk_backlog; /* -1 when unknown */
    unsigned long long token_cache_hits, token_cache_misses, token_cache_flushes;
    const char *version;
};

/* Returns the exposition text (new; caller frees) and its length in *len. */
char *metrics_render(const struct metrics *m, const struct metrics_extra *extra, size_t *len);

#endif
