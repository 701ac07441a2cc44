/* Settings read from the environment: one table of names, defaults and bounds in config.c.
 * A bad value stops start-up with a message naming the variable. */
#ifndef OIH_CONFIG_H
#define OIH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

struct config {
    char database_url[2048];
    char database_read_url[2048];
    char notify_url[2048]; /* for LISTEN: PostgreSQL itself; empty: database_url */
    char listen_host[256];
    int listen_port;
    int threads;
    int db_pool;
    long max_body_bytes;
    enum log_level log_level;
    bool auto_migrate;
    int conn_timeout_s;
    int max_connections;
    int per_ip_connections;
    int drain_timeout_s;
    int db_connect_timeout_s;
    char tls_cert[1024]; /* PEM file paths; both empty, or both set */
    char tls_key[1024];
    int rate_limit; /* requests per second per token; 0: no limit */
    int rate_burst;
    int max_inflight; /* requests in progress beyond which new ones are shed with 503 */
    int audit_retention_days;
    int audit_list_window_s; /* a list view repeated within it is audited once; 0: always */
    bool risk_worker;
    int risk_debounce_ms;
    int risk_max_delay_ms;
    bool prepared_statements; /* per pooled connection, on first use */
    int token_cache_s;        /* 0: every request looks its token up in the database */
};

typedef const char *config_getenv_fn(const char *name);

/* Fills cfg from the environment as seen through get (getenv in production, a fake in
 * tests). Returns 0, or -1 with a one-line message naming the variable in err. */
int config_load(struct config *cfg, config_getenv_fn *get, char *err, size_t errsize);

#endif
