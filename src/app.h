/* The application state every handler receives: configuration, the database pool and the
 * reference data loaded at start-up. Built by main.c, read-only once serving starts
 * (except inside the pool, which has its own lock). */
#ifndef OIH_APP_H
#define OIH_APP_H

#include <stddef.h>

#include "config.h"
#include "db/db.h"
#include "domain/catalog.h"
#include "domain/zones.h"

struct metrics;
struct risk_worker;
struct route;

struct app {
    struct config cfg;
    struct db_pool *pool;
    struct db_pool *read_pool; /* DATABASE_READ_URL's replica, or NULL */
    struct catalog catalog;
    struct zone_list zones;
    char *medications_json; /* the GET /v1/medications body, built once */
    const struct route *routes;
    size_t nroutes;
    struct metrics *metrics;
    struct ratelimit *ratelimit; /* NULL when OIHWATCH_RATE_LIMIT is 0 */
    struct audit_writer *audit;
    struct risk_worker *worker;   /* NULL when disabled */
    struct token_cache *tokens;   /* NULL when OIHWATCH_TOKEN_CACHE_SECONDS is 0 */
    struct db_listener *listener; /* empties the token cache on NOTIFY; NULL without it */
};

#endif
