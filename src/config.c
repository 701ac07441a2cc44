/* The settings table: every environment variable the service reads, with its default and
 * bounds. Validation happens here, once, at start-up. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum setting_kind { SET_STRING, SET_INT, SET_LONG, SET_BOOL, SET_LOG_LEVEL, SET_LISTEN };

struct setting {
    const char *name;
    enum setting_kind kind;
    const char *fallback; /* default; NULL means required */
    long min, max;
    size_t offset;
    size_t size; /* for strings: capacity of the field */
};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct setting settings[] = {
    {"DATABASE_URL", SET_STRING, NULL, 1, 0, FIELD(database_url)},
    {"DATABASE_READ_URL", SET_STRING, "", 0, 0, FIELD(database_read_url)},
    {"OIHWATCH_NOTIFY_URL", SET_STRING, "", 0, 0, FIELD(notify_url)},
    {"OIHWATCH_LISTEN", SET_LISTEN, "127.0.0.1:8080", 0, 0, 0, 0},
    {"OIHWATCH_THREADS", SET_INT, "8", 1, 256, FIELD(threads)},
    {"OIHWATCH_DB_POOL", SET_INT, "0", 0, 256, FIELD(db_pool)},
    {"OIHWATCH_MAX_BODY_BYTES", SET_LONG, "1048576", 1024, 67108864, FIELD(max_body_bytes)},
    {"OIHWATCH_LOG_LEVEL", SET_LOG_LEVEL, "info", 0, 0, FIELD(log_level)},
    {"OIHWATCH_AUTO_MIGRATE", SET_BOOL, "1", 0, 0, FIELD(auto_migrate)},
    {"OIHWATCH_CONN_TIMEOUT", SET_INT, "30", 1, 3600, FIELD(conn_timeout_s)},
    {"OIHWATCH_MAX_CONNECTIONS", SET_INT, "1024", 1, 65536, FIELD(max_connections)},
    {"OIHWATCH_PER_IP_CONNECTIONS", SET_INT, "0", 0, 65536, FIELD(per_ip_connections)},
    {"OIHWATCH_DRAIN_TIMEOUT", SET_INT, "10", 0, 3600, FIELD(drain_timeout_s)},
    {"OIHWATCH_DB_CONNECT_TIMEOUT", SET_INT, "3", 1, 60, FIELD(db_connect_timeout_s)},
    {"OIHWATCH_TLS_CERT", SET_STRING, "", 0, 0, FIELD(tls_cert)},
    {"OIHWATCH_TLS_KEY", SET_STRING, "", 0, 0, FIELD(tls_key)},
    {"OIHWATCH_RATE_LIMIT", SET_INT, "50", 0, 1000000, FIELD(rate_limit)},
    {"OIHWATCH_RATE_BURST", SET_INT, "100", 1, 1000000, FIELD(rate_burst)},
    {"OIHWATCH_MAX_INFLIGHT", SET_INT, "256", 1, 65536, FIELD(max_inflight)},
    {"OIHWATCH_AUDIT_RETENTION_DAYS", SET_INT, "2190", 1, 36500, FIELD(audit_retention_days)},
    {"OIHWATCH_AUDIT_LIST_WINDOW", SET_INT, "60", 0, 3600, FIELD(audit_list_window_s)},
    {"OIHWATCH_RISK_WORKER", SET_BOOL, "1", 0, 0, FIELD(risk_worker)},
    {"OIHWATCH_RISK_DEBOUNCE_MS", SET_INT, "1000", 0, 60000, FIELD(risk_debounce_ms)},
    {"OIHWATCH_RISK_MAX_DELAY_MS", SET_INT, "5000", 100, 600000, FIELD(risk_max_delay_ms)},
    {"OIHWATCH_PREPARED_STATEMENTS", SET_BOOL, "1", 0, 0, FIELD(prepared_statements)},
    {"OIHWATCH_TOKEN_CACHE_SECONDS", SET_INT, "60", 0, 3600, FIELD(token_cache_s)},
};

static int
parse_long(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int
parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
            *out = strcmp(text, yes[i]) == 0;
            return 0;
        }
    }
    return -1;
}

/* "host:port", "[v6]:port" or ":port"; the port is 0..65535, 0 meaning "pick one". */
static int
parse_listen(const char *text, struct config *cfg)
{
    const char *colon = strrchr(text, ':');
    long port;
    if (!colon || parse_long(colon + 1, 0, 65535, &port) < 0)
        return -1;
    const char *host = text;
    size_t len = (size_t)(colon - text);
    bool bracketed = len >= 2 && host[0] == '[' && host[len - 1] == ']';
    if (bracketed) {
        host++;
        len -= 2;
    } else if (memchr(host, ':', len) != NULL) {
        return -1; /* an IPv6 address needs brackets */
    }
    if (len >= sizeof(cfg->listen_host))
        return -1;
    if (len == 0)
        (void)snprintf(cfg->listen_host, sizeof(cfg->listen_host), "0.0.0.0");
    else
        (void)snprintf(cfg->listen_host, sizeof(cfg->listen_host), "%.*s", (int)len, host);
    cfg->listen_port = (int)port;
    return 0;
}

static int
apply_setting(const struct setting *s, const char *text, struct config *cfg)
{
    char *field = (char *)cfg + s->offset;
    long v;
    switch (s->kind) {
    case SET_STRING:
        if (strlen(text) >= s->size || (long)strlen(text) < s->min)
            return -1;
        memcpy(field, text, strlen(text) + 1);
        return 0;
    case SET_INT:
        if (parse_long(text, s->min, s->max, &v) < 0)
            return -1;
        *(int *)(void *)field = (int)v;
        return 0;
    case SET_LONG:
        if (parse_long(text, s->min, s->max, &v) < 0)
            return -1;
        *(long *)(void *)field = v;
        return 0;
    case SET_BOOL:
        return parse_bool(text, (bool *)(void *)field);
    case SET_LOG_LEVEL:
        return log_level_parse(text, (enum log_level *)(void *)field);
    case SET_LISTEN:
        return parse_listen(text, cfg);
    }
    return -1;
}

static const char *
describe(const struct setting *s)
{
    switch (s->kind) {
    case SET_INT:
    case SET_LONG:
        return "an integer in range";
    case SET_BOOL:
        return "one of 1, 0, true, false, yes, no, on, off";
    case SET_LOG_LEVEL:
        return "one of debug, info, warn, error, off";
    case SET_LISTEN:
        return "host:port with a port from 0 to 65535";
    case SET_STRING:
        break;
    }
    return "a non-empty string of reasonable length";
}

int
config_load(struct config *cfg, config_getenv_fn *get, char *err, size_t errsize)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        const struct setting *s = &settings[i];
        const char *text = get(s->name);
        if (!text || (*text == '\0' && s->fallback && *s->fallback != '\0'))
            text = s->fallback;
        if (!text) {
            (void)snprintf(err, errsize, "%s is required", s->name);
            return -1;
        }
        if (apply_setting(s, text, cfg) < 0) {
            if (s->kind == SET_INT || s->kind == SET_LONG)
                (void)snprintf(err, errsize, "%s must be an integer from %ld to %ld", s->name,
                               s->min, s->max);
            else
                (void)snprintf(err, errsize, "%s must be %s", s->name, describe(s));
            return -1;
        }
    }
    if (cfg->db_pool == 0)
        cfg->db_pool = cfg->threads;
    if ((cfg->tls_cert[0] != '\0') != (cfg->tls_key[0] != '\0')) {
        (void)snprintf(err, errsize, "%s",
                       cfg->tls_cert[0]
                           ? "OIHWATCH_TLS_KEY is required when OIHWATCH_TLS_CERT is set"
                           : "OIHWATCH_TLS_CERT is required when OIHWATCH_TLS_KEY is set");
        return -1;
    }
    return 0;
}
