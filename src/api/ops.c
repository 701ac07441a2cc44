/* Operational endpoints that need no token: liveness, readiness, metrics, OpenAPI. */
#include <string.h>

#include "api/api.h"
#include "token_cache.h"
#include "clinical/worker.h"
#include "db/migrate.h"
#include "metrics.h"
#include "util/embedded.h"
#include "util/xalloc.h"

void
ops_healthz(struct request *req, struct response *res)
{
    (void)req;
    reply_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

void
ops_readyz(struct request *req, struct response *res)
{
    int version = 0;
    int expected = db_expected_schema_version();
    if (!req->db || db_schema_version(req->db, &version) != DB_OK) {
        reply_unavailable(res);
        return;
    }
    /* a newer schema is fine: during a rolling upgrade the new release migrates first, and
     * the old replicas must keep serving (migrations only add) */
    if (version < expected) {
        reply_problem(res, 503, "The database schema is older than this release expects.");
        res->retry_after = 5;
        return;
    }
    reply_json(res, 200, json_pack("{s:s, s:i}", "status", "ready", "schema_version", version));
}

void
ops_metrics(struct request *req, struct response *res)
{
    struct db_pool_stats pool;
    db_pool_stats(req->app->pool, &pool);
    struct token_cache_stats tokens;
    token_cache_stats(req->app->tokens, &tokens);
    struct metrics_extra extra = {
        .pool_size = pool.size,
        .pool_in_use = pool.in_use,
        .pool_waits = pool.waits,
        .pool_timeouts = pool.timeouts,
        .db_errors = pool.query_errors,
        .connect_failures = pool.connect_failures,
        .risk_backlog = risk_worker_backlog(req->app->worker),
        .token_cache_hits = tokens.hits,
        .token_cache_misses = tokens.misses,
        .token_cache_flushes = tokens.flushes,
        .version = OIH_VERSION,
    };
    size_t len = 0;
    char *text = metrics_render(req->app->metrics, &extra, &len);
    if (!text) {
        reply_problem(res, 500, "Internal error.");
        return;
    }
    res->status = 200;
    res->body = text;
    res->length = len;
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void
ops_openapi(struct request *req, struct response *res)
{
    (void)req;
    const char *doc = openapi_files_count ? openapi_files[0].text : "{}";
    res->status = 200;
    res->body = xstrdup(doc);
    res->length = strlen(doc);
    res->content_type = "application/json";
}
