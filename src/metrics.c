/* Counters are laid out [route][status][bucket] in flat arrays; the last route slot is
 * "unmatched". Only series that saw traffic are rendered, so the output stays short. */
#include "metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "http/router.h"
#include "util/xalloc.h"

static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 409,
                               413, 414, 415, 422, 429, 431, 500, 503};
enum { NSTATUS = sizeof(statuses) / sizeof(statuses[0]) + 1 }; /* + "other" */

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
enum { NBOUNDS = sizeof(bounds) / sizeof(bounds[0]) };

struct series_cell {
    atomic_ullong count;
    atomic_ullong sum_us;
    atomic_ullong buckets[NBOUNDS]; /* non-cumulative; summed when rendering */
};

struct metrics {
    const struct route *table;
    size_t nroutes;
    struct series_cell *cells; /* (nroutes + 1) * NSTATUS */
};

struct metrics *
metrics_new(const struct route *table, size_t nroutes)
{
    struct metrics *m = xcalloc(1, sizeof(*m));
    m->table = table;
    m->nroutes = nroutes;
    m->cells = xcalloc((nroutes + 1) * NSTATUS, sizeof(m->cells[0]));
    return m;
}

void
metrics_free(struct metrics *m)
{
    if (!m)
        return;
    free(m->cells);
    free(m);
}

static size_t
status_slot(int status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++) {
        if (statuses[i] == status)
            return i;
    }
    return NSTATUS - 1;
}

void
metrics_observe(struct metrics *m, const struct route *route, int status, double seconds)
{
    size_t r = route ? (size_t)(route - m->table) : m->nroutes;
    struct series_cell *c = &m->cells[r * NSTATUS + status_slot(status)];
    atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->sum_us, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
    for (size_t b = 0; b < NBOUNDS; b++) {
        if (seconds <= bounds[b]) {
            atomic_fetch_add_explicit(&c->buckets[b], 1, memory_order_relaxed);
            break;
        }
    }
}

static const char *
method_label(const struct route *route)
{
    static const struct {
        unsigned method;
        const char *name;
    } names[] = {
        {HTTP_GET, "GET"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_DELETE, "DELETE"}};
    for (size_t i = 0; route && i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].method == route->method)
            return names[i].name;
    }
    return "";
}

/* Writes the label set of cell (r, s) into out; false when the cell saw no traffic. */
static bool
cell_labels(const struct metrics *m, size_t r, size_t s, char *out, size_t size)
{
    if (atomic_load(&m->cells[r * NSTATUS + s].count) == 0)
        return false;
    const struct route *route = r < m->nroutes ? &m->table[r] : NULL;
    char status[12];
    (void)snprintf(status, sizeof(status), "%d", s < NSTATUS - 1 ? statuses[s] : 0);
    (void)snprintf(out, size, "method=\"%s\",route=\"%s\",status=\"%s\"", method_label(route),
                   route ? route->name : "unmatched", s < NSTATUS - 1 ? status : "other");
    return true;
}

static void
render_count(FILE *f, const struct metrics *m, size_t r, size_t s)
{
    char labels[256];
    if (cell_labels(m, r, s, labels, sizeof(labels)))
        (void)fprintf(f, "oihwatch_http_requests_total{%s} %llu\n", labels,
                      atomic_load(&m->cells[r * NSTATUS + s].count));
}

static void
render_histogram(FILE *f, const struct metrics *m, size_t r, size_t s)
{
    const struct series_cell *c = &m->cells[r * NSTATUS + s];
    unsigned long long cumulative = 0, count = atomic_load(&c->count);
    char labels[256];
    if (!cell_labels(m, r, s, labels, sizeof(labels)))
        return;
    for (size_t b = 0; b < NBOUNDS; b++) {
        cumulative += atomic_load(&c->buckets[b]);
        (void)fprintf(f, "oihwatch_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
                      labels, bounds[b], cumulative);
    }
    (void)fprintf(f, "oihwatch_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", labels,
                  count);
    (void)fprintf(f, "oihwatch_http_request_duration_seconds_sum{%s} %.6f\n", labels,
                  (double)atomic_load(&c->sum_us) / 1e6);
    (void)fprintf(f, "oihwatch_http_request_duration_seconds_count{%s} %llu\n", labels, count);
}

typedef void cell_fn(FILE *f, const struct metrics *m, size_t r, size_t s);

/* Prometheus wants each metric family's samples in one group: one pass per family. */
static void
render_family(FILE *f, const struct metrics *m, const char *header, cell_fn *fn)
{
    (void)fputs(header, f);
    for (size_t r = 0; r <= m->nroutes; r++) {
        for (size_t s = 0; s < NSTATUS; s++)
            fn(f, m, r, s);
    }
}

static void
render_extra(FILE *f, const struct metrics_extra *x)
{
    (void)fprintf(
        f,
        "# HELP oihwatch_db_pool_connections Database pool connections.\n"
        "# TYPE oihwatch_db_pool_connections gauge\n"
        "oihwatch_db_pool_connections{state=\"in_use\"} %d\n"
        "oihwatch_db_pool_connections{state=\"size\"} %d\n"
        "# HELP oihwatch_db_pool_waits_total Checkouts that had to wait for a free connection.\n"
        "# TYPE oihwatch_db_pool_waits_total counter\n"
        "oihwatch_db_pool_waits_total %llu\n"
        "# HELP oihwatch_db_pool_timeouts_total Checkouts that gave up (answered 503).\n"
        "# TYPE oihwatch_db_pool_timeouts_total counter\n"
        "oihwatch_db_pool_timeouts_total %llu\n"
        "# HELP oihwatch_db_errors_total Failed queries and failed connection attempts.\n"
        "# TYPE oihwatch_db_errors_total counter\n"
        "oihwatch_db_errors_total{kind=\"query\"} %llu\n"
        "oihwatch_db_errors_total{kind=\"connect\"} %llu\n",
        x->pool_in_use, x->pool_size, x->pool_waits, x->pool_timeouts, x->db_errors,
        x->connect_failures);
    (void)fprintf(f,
                  "# HELP oihwatch_token_cache_total Token checks answered from the cache (hit) "
                  "or the database (miss), and cache flushes.\n"
                  "# TYPE oihwatch_token_cache_total counter\n"
                  "oihwatch_token_cache_total{result=\"hit\"} %llu\n"
                  "oihwatch_token_cache_total{result=\"miss\"} %llu\n"
                  "oihwatch_token_cache_total{result=\"flush\"} %llu\n",
                  x->token_cache_hits, x->token_cache_misses, x->token_cache_flushes);
    if (x->risk_backlog >= 0)
        (void)fprintf(f,
                      "# HELP oihwatch_risk_backlog Patients waiting for a risk recomputation.\n"
                      "# TYPE oihwatch_risk_backlog gauge\n"
                      "oihwatch_risk_backlog %ld\n",
                      x->risk_backlog);
    (void)fprintf(f,
                  "# HELP oihwatch_build_info Build information.\n"
                  "# TYPE oihwatch_build_info gauge\n"
                  "oihwatch_build_info{version=\"%s\"} 1\n",
                  x->version);
}

char *
metrics_render(const struct metrics *m, const struct metrics_extra *extra, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    render_family(f, m,
                  "# HELP oihwatch_http_requests_total HTTP requests by route template and "
                  "status.\n# TYPE oihwatch_http_requests_total counter\n",
                  render_count);
    render_family(f, m,
                  "# HELP oihwatch_http_request_duration_seconds Request latency by route "
                  "template and status.\n"
                  "# TYPE oihwatch_http_request_duration_seconds histogram\n",
                  render_histogram);
    render_extra(f, extra);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
