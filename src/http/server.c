/* libmicrohttpd glue. The access handler runs several times per request (headers, body
 * chunks, final call); per-request state lives in a request_ctx made on the first call
 * and freed in the completion callback, whatever happened in between. */
#include "http/server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "http/dispatch.h"
#include "domain/timestamp.h"
#include "log.h"
#include "util/xalloc.h"

struct server {
    struct MHD_Daemon *daemon;
    struct app *app;
    atomic_int in_flight; /* from the headers to completion: what SIGTERM drains */
    atomic_int working;   /* from a complete upload to completion: what overload sheds */
    int port;
    char *tls_cert, *tls_key; /* PEM text, kept for the daemon's lifetime */
};

struct request_ctx {
    struct MHD_Connection *conn;
    char *body;
    size_t len, cap;
    bool too_large;
    bool overloaded;
    bool answered;
    bool working;
    int framing_error; /* 400 or 501 for an ambiguous or unsupported body framing */
    int64_t started_ms;
};

static const char *
lookup_query(const struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->transport, MHD_GET_ARGUMENT_KIND, name);
}

static const char *
lookup_header(const struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->transport, MHD_HEADER_KIND, name);
}

static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    int *n = cls;
    (void)kind;
    (void)value;
    *n += strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0;
    return MHD_YES;
}

/* RFC 9112 6.1-6.3: a body's length must be unambiguous. libmicrohttpd 0.9.75 accepts
 * Content-Length beside chunked (request smuggling behind a proxy), uses the first of two
 * lengths, and waits forever on codings it cannot decode; we refuse all three. Returns 0,
 * or the status to answer. */
static int
framing_error(struct MHD_Connection *conn)
{
    int lengths = 0;
    const char *te =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &lengths);
    if (te && strcasecmp(te, "chunked") != 0)
        return 501;
    if (lengths > 1 || (te && lengths > 0))
        return 400;
    return 0;
}

static bool
declared_too_large(struct MHD_Connection *conn, long max)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return cl && strtoull(cl, NULL, 10) > (unsigned long long)max;
}

/* Appends a chunk; past the limit the body is dropped and only the flag remains, while
 * the rest of the upload is still drained so the 413 can be sent on the final call. */
static void
append_body(struct request_ctx *ctx, const char *data, size_t n, long max)
{
    if (ctx->too_large)
        return;
    if (ctx->len + n > (size_t)max) {
        ctx->too_large = true;
        free(ctx->body);
        ctx->body = NULL;
        ctx->len = ctx->cap = 0;
        return;
    }
    if (ctx->len + n > ctx->cap) {
        ctx->cap = ctx->len + n > 2 * ctx->cap ? ctx->len + n : 2 * ctx->cap;
        ctx->body = xrealloc(ctx->body, ctx->cap);
    }
    memcpy(ctx->body + ctx->len, data, n);
    ctx->len += n;
}

static void
add_headers(struct MHD_Response *r, const struct response *res, const char *request_id)
{
    char retry[16];
    MHD_add_response_header(r, "X-Request-Id", request_id);
    if (res->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    if (res->location[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, res->location);
    if (res->allow[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, res->allow);
    if (res->www_authenticate)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (res->retry_after > 0) {
        (void)snprintf(retry, sizeof(retry), "%d", res->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
    if (res->no_store) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    }
}

/* Hands the body to MHD (which frees it) and queues the response. */
static enum MHD_Result
send_response(struct MHD_Connection *conn, struct response *res, const char *request_id)
{
    struct MHD_Response *r;
    if (res->body)
        r = MHD_create_response_from_buffer_with_free_callback(res->length, res->body, free);
    else
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(res->body);
        res->body = NULL;
        return MHD_NO;
    }
    res->body = NULL;
    add_headers(r, res, request_id);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
answer(struct server *srv, struct request_ctx *ctx, const char *url, const char *method)
{
    struct request req = {
        .path = url,
        .app = srv->app,
        .query = lookup_query,
        .header = lookup_header,
        .transport = ctx->conn,
    };
    struct response res = {0};
    struct dispatch_input in = {method,         ctx->body,       ctx->len,
                                ctx->too_large, ctx->overloaded, ctx->framing_error};
    ctx->answered = true;
    dispatch_request(&req, &res, &in);
    enum MHD_Result ret = send_response(ctx->conn, &res, req.request_id);
    dispatch_finish(&req, &res);
    return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
    struct server *srv = cls;
    struct request_ctx *ctx = *req_cls;
    (void)version;
    if (!ctx) {
        ctx = xcalloc(1, sizeof(*ctx));
        ctx->conn = conn;
        *req_cls = ctx;
        atomic_fetch_add(&srv->in_flight, 1);
        ctx->started_ms = monotonic_ms();
        ctx->framing_error = framing_error(conn);
        ctx->too_large = declared_too_large(conn, srv->app->cfg.max_body_bytes);
        if (!ctx->too_large && !ctx->framing_error)
            return MHD_YES;
        return answer(srv, ctx, url, method); /* now: MHD discards any body and closes */
    }
    if (*upload_size > 0) {
        /* MHD's timeout only counts silence, so a body trickled a byte at a time would hold
         * its connection forever: the whole upload gets the timeout instead */
        if (monotonic_ms() - ctx->started_ms > srv->app->cfg.conn_timeout_s * 1000LL)
            return MHD_NO;
        append_body(ctx, upload_data, *upload_size, srv->app->cfg.max_body_bytes);
        *upload_size = 0;
        return MHD_YES;
    }
    if (ctx->answered)
        return MHD_YES;
    /* only requests the server is working on count toward shedding; uploads still arriving
     * cost a connection slot, not work, and must not let a slow client shut others out */
    ctx->working = true;
    ctx->overloaded = atomic_fetch_add(&srv->working, 1) + 1 > srv->app->cfg.max_inflight;
    return answer(srv, ctx, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct request_ctx *ctx = *req_cls;
    (void)conn;
    (void)toe;
    if (!ctx)
        return;
    if (ctx->working)
        atomic_fetch_sub(&srv->working, 1);
    free(ctx->body);
    free(ctx);
    *req_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char text[512];
    (void)cls;
    (void)vsnprintf(text, sizeof(text), fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    log_warn("http", "{s:s}", "detail", text);
}

/* Resolves the configured host to a socket address; new addrinfo, caller frees. */
static struct addrinfo *
resolve_listen(const struct config *cfg)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char port[8];
    (void)snprintf(port, sizeof(port), "%d", cfg->listen_port);
    int rc = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (rc != 0) {
        log_error("cannot resolve OIHWATCH_LISTEN host", "{s:s, s:s}", "host", cfg->listen_host,
                  "error", gai_strerror(rc));
        return NULL;
    }
    return ai;
}

/* Reads a whole PEM file; new string (caller frees), or NULL (logged, naming the setting). */
static char *
read_pem(const char *path, const char *setting)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long len = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = xmalloc((size_t)len + 1);
        if (fread(text, 1, (size_t)len, f) != (size_t)len) {
            free(text);
            text = NULL;
        } else {
            text[len] = '\0';
        }
    }
    if (f)
        (void)fclose(f);
    if (!text)
        log_error("cannot read TLS file", "{s:s, s:s}", "setting", setting, "path", path);
    return text;
}

static struct MHD_Daemon *
start_daemon(struct server *srv, const struct sockaddr *addr, bool ipv6)
{
    const struct config *cfg = &srv->app->cfg;
    bool tls = srv->tls_cert != NULL;
    struct MHD_OptionItem options[16] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL}, /* first, or MHD warns */
        {MHD_OPTION_SOCK_ADDR, 0, (void *)(uintptr_t)addr},       /* MHD only reads it */
        {MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->conn_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL},
        /* 128 KiB: libmicrohttpd stalls instead of answering when a request's headers and
         * query parameters outgrow the pool, and "above 128k" brings no benefit */
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 128 * 1024, NULL},
        /* strict: refuse conflicting framing (Content-Length with chunked, two lengths)
         * and HTTP/1.1 without Host, as RFC 9112 asks */
        {MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
    };
    size_t n = 9; /* the optional ones follow; the zeroed rest is MHD_OPTION_END */
    if (tls) {
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
    }
    if (cfg->per_ip_connections > 0)
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                               cfg->per_ip_connections, NULL};
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (ipv6)
        flags |= MHD_USE_IPv6;
    if (tls)
        flags |= MHD_USE_TLS;
    return MHD_start_daemon(flags, (uint16_t)cfg->listen_port, NULL, NULL, on_request, srv,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

static void
free_server(struct server *srv)
{
    if (srv->tls_key)
        explicit_bzero(srv->tls_key, strlen(srv->tls_key));
    free(srv->tls_key);
    free(srv->tls_cert);
    free(srv);
}

struct server *
server_start(struct app *app)
{
    struct addrinfo *ai = resolve_listen(&app->cfg);
    if (!ai)
        return NULL;
    struct server *srv = xcalloc(1, sizeof(*srv));
    srv->app = app;
    atomic_init(&srv->in_flight, 0);
    atomic_init(&srv->working, 0);
    if (app->cfg.tls_cert[0]) {
        srv->tls_cert = read_pem(app->cfg.tls_cert, "OIHWATCH_TLS_CERT");
        srv->tls_key = read_pem(app->cfg.tls_key, "OIHWATCH_TLS_KEY");
    }
    if (!app->cfg.tls_cert[0] || (srv->tls_cert && srv->tls_key))
        srv->daemon = start_daemon(srv, ai->ai_addr, ai->ai_family == AF_INET6);
    freeaddrinfo(ai);
    if (!srv->daemon) {
        log_error("cannot listen", "{s:s, s:i, s:b}", "host", app->cfg.listen_host, "port",
                  app->cfg.listen_port, "tls", app->cfg.tls_cert[0] != '\0');
        free_server(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : app->cfg.listen_port;
    return srv;
}

int
server_port(const struct server *srv)
{
    return srv->port;
}

void
server_stop(struct server *srv, int drain_s)
{
    if (!srv)
        return;
    MHD_socket listener = MHD_quiesce_daemon(srv->daemon);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (long waited_ms = 0; atomic_load(&srv->in_flight) > 0 && waited_ms < drain_s * 1000L;
         waited_ms += 10)
        nanosleep(&tick, NULL);
    int left = atomic_load(&srv->in_flight);
    if (left > 0)
        log_warn("drain timeout: closing requests still in flight", "{s:i}", "requests", left);
    MHD_stop_daemon(srv->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    free_server(srv);
}
