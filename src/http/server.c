/* libmicrohttpd glue. The access handler runs several times per request (headers, body
 * chunks, final call); per-request state lives in a request_ctx made on the first call
 * and freed in the completion callback, whatever happened in between. Large bodies pass a
 * gate that bounds how many are buffered and how many are answered at once. */
#include "http/server.h"

#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "http/dispatch.h"
#include "http/reply.h"
#include "domain/timestamp.h"
#include "log.h"
#include "util/xalloc.h"

/* Uploads this large, or of unknown length, pass the body gate. */
enum { BIG_BODY_BYTES = 64 * 1024 };
/* What large uploads may hold at once, from their first byte to their response: about
 * five 1000-entry batches (190 KiB each), those being answered and the next ones ready.
 * Ten (2 MiB) peaked 0.9 MiB higher at 64 connections for no more throughput. */
#define BODY_BUDGET_BYTES ((size_t)1 << 20)

struct request_ctx;

struct waitlist {
    struct request_ctx *head, *tail; /* suspended requests, oldest first */
};

/* The gate for large bodies. With 64 clients posting 1000-entry batches, every connection
 * buffered its body at once (12 MiB), and up to eight workers each parsed one into a 1.7 MiB
 * JSON tree. Now an upload first takes its size from a budget of buffered bytes and, once
 * complete, one of a few answer slots: one per core plus one (on two cores, two slots cost
 * a tenth of the batch throughput, three none). A request that must wait is suspended,
 * first come first served: libmicrohttpd reads nothing from it meanwhile, and its worker
 * serves other connections. Suspending and resuming both happen under the lock (the
 * gate's, then libmicrohttpd's), so nothing is resumed before it is suspended, and
 * nothing stays suspended once server_stop has opened the gate. */
struct body_gate {
    pthread_mutex_t lock;
    size_t buffered;         /* bytes held by admitted uploads, until their completion */
    int answering, slots;    /* large requests being answered, and how many may be */
    struct waitlist uploads; /* waiting to send their body */
    struct waitlist answers; /* waiting, body complete, for an answer slot */
    bool open;               /* stopping: nothing waits any more */
};

struct server {
    struct MHD_Daemon *daemon;
    struct app *app;
    atomic_int in_flight; /* from the headers to completion: what SIGTERM drains */
    atomic_int working;   /* from a complete upload to completion: what overload sheds */
    struct body_gate gate;
    int port;
    char *tls_cert, *tls_key; /* PEM text, kept for the daemon's lifetime */
};

struct request_ctx {
    struct MHD_Connection *conn;
    char *body;
    size_t len, cap;
    size_t declared;          /* Content-Length, or 0 when absent (chunked) */
    size_t share;             /* of the body budget: 0 when small; held once admitted */
    bool resumed;             /* admitted while suspended: MHD repeats the first call */
    bool has_slot;            /* holds an answer slot */
    struct request_ctx *next; /* on a waitlist */
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

static unsigned long long
declared_length(struct MHD_Connection *conn)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return cl ? strtoull(cl, NULL, 10) : 0;
}

/* Room for n more bytes. A declared length is reserved whole: doubling would leave up to
 * half of every buffer unused, and 64 connections may all be uploading a batch at once. */
static void
reserve_body(struct request_ctx *ctx, size_t n)
{
    if (ctx->len + n <= ctx->cap)
        return;
    if (ctx->cap == 0 && ctx->declared >= n)
        ctx->cap = ctx->declared;
    else
        ctx->cap = ctx->len + n > 2 * ctx->cap ? ctx->len + n : 2 * ctx->cap;
    ctx->body = xrealloc(ctx->body, ctx->cap);
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
    reserve_body(ctx, n);
    memcpy(ctx->body + ctx->len, data, n);
    ctx->len += n;
}

/* The share of the budget an upload needs before its body is read: 0 for small ones, the
 * most a chunked one may send. */
static size_t
body_share(const struct request_ctx *ctx, long max_body)
{
    if (ctx->declared > 0)
        return ctx->declared >= BIG_BODY_BYTES ? ctx->declared : 0;
    const char *te =
        MHD_lookup_connection_value(ctx->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return te ? (size_t)max_body : 0;
}

static void
gate_init(struct body_gate *g)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    pthread_mutex_init(&g->lock, NULL);
    g->slots = (cores > 1 ? (int)cores : 1) + 1;
}

static void
wait_push(struct waitlist *w, struct request_ctx *ctx)
{
    ctx->next = NULL;
    if (w->tail)
        w->tail->next = ctx;
    else
        w->head = ctx;
    w->tail = ctx;
}

static struct request_ctx *
wait_pop(struct waitlist *w)
{
    struct request_ctx *ctx = w->head;
    if (ctx) {
        w->head = ctx->next;
        if (!w->head)
            w->tail = NULL;
        ctx->next = NULL;
    }
    return ctx;
}

/* An upload larger than the whole budget still goes through, alone. */
static bool
upload_fits(const struct body_gate *g, size_t share)
{
    return g->buffered == 0 || g->buffered + share <= BODY_BUDGET_BYTES;
}

/* Admits ctx's upload, or queues and suspends it; false when suspended. Only the access
 * handler may suspend. */
static bool
gate_enter(struct body_gate *g, struct request_ctx *ctx)
{
    if (ctx->share == 0)
        return true;
    pthread_mutex_lock(&g->lock);
    bool admitted = g->open || (g->uploads.head == NULL && upload_fits(g, ctx->share));
    if (admitted) {
        g->buffered += ctx->share;
    } else {
        wait_push(&g->uploads, ctx);
        MHD_suspend_connection(ctx->conn);
    }
    pthread_mutex_unlock(&g->lock);
    return admitted;
}

/* Under the lock: admits and resumes the queued uploads that now fit (all of them when
 * all is set), oldest first; true when any was. */
static bool
admit_uploads(struct body_gate *g, bool all)
{
    bool any = false;
    while (g->uploads.head && (all || upload_fits(g, g->uploads.head->share))) {
        struct request_ctx *ctx = wait_pop(&g->uploads);
        g->buffered += ctx->share;
        ctx->resumed = true;
        MHD_resume_connection(ctx->conn);
        any = true;
    }
    return any;
}

/* Takes an answer slot for a large request, or queues and suspends it until one is handed
 * over (MHD then repeats the final call); false when suspended. */
static bool
gate_take_slot(struct body_gate *g, struct request_ctx *ctx)
{
    if (ctx->share == 0 || ctx->has_slot)
        return true;
    pthread_mutex_lock(&g->lock);
    ctx->has_slot = g->open || (g->answers.head == NULL && g->answering < g->slots);
    if (ctx->has_slot) {
        g->answering++;
    } else {
        wait_push(&g->answers, ctx);
        MHD_suspend_connection(ctx->conn);
    }
    pthread_mutex_unlock(&g->lock);
    return ctx->has_slot;
}

/* Under the lock: hands a slot to the oldest waiting request and resumes it; false when
 * none waits. */
static bool
hand_slot(struct body_gate *g)
{
    struct request_ctx *next = wait_pop(&g->answers);
    if (!next)
        return false;
    next->has_slot = true;
    MHD_resume_connection(next->conn);
    return true;
}

/* Hands ctx's slot over, or frees it. */
static void
gate_give_slot(struct body_gate *g, struct request_ctx *ctx)
{
    if (!ctx->has_slot)
        return;
    ctx->has_slot = false;
    pthread_mutex_lock(&g->lock);
    if (!hand_slot(g))
        g->answering--;
    pthread_mutex_unlock(&g->lock);
}

/* At completion: returns ctx's bytes and slot, and lets in the uploads that now fit. A
 * request is never completed while suspended: MHD does not close suspended connections,
 * and server_stop opens the gate first. When the last large request is done, glibc is
 * asked to return the pages the burst freed (it keeps them otherwise). */
static void
gate_leave(struct body_gate *g, struct request_ctx *ctx)
{
    if (ctx->share == 0)
        return;
    gate_give_slot(g, ctx);
    pthread_mutex_lock(&g->lock);
    g->buffered -= ctx->share;
    bool idle = !admit_uploads(g, false) && g->buffered == 0;
    pthread_mutex_unlock(&g->lock);
    if (idle)
        (void)malloc_trim(0);
}

/* Lets every waiting request through, and every later one: libmicrohttpd must not be
 * stopped with a connection suspended. */
static void
gate_open(struct body_gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = true;
    (void)admit_uploads(g, true);
    while (hand_slot(g))
        g->answering++;
    pthread_mutex_unlock(&g->lock);
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

/* The first call, with the headers: a new request_ctx, or an answer now when the body's
 * size or framing is refused (MHD then discards any body and closes). */
static enum MHD_Result
start_request(struct server *srv, struct MHD_Connection *conn, const char *url, const char *method,
              void **req_cls)
{
    struct request_ctx *ctx = xcalloc(1, sizeof(*ctx));
    ctx->conn = conn;
    *req_cls = ctx;
    atomic_fetch_add(&srv->in_flight, 1);
    ctx->started_ms = monotonic_ms();
    ctx->framing_error = framing_error(conn);
    unsigned long long declared = declared_length(conn);
    ctx->too_large = declared > (unsigned long long)srv->app->cfg.max_body_bytes;
    if (ctx->too_large || ctx->framing_error)
        return answer(srv, ctx, url, method);
    ctx->declared = (size_t)declared;
    ctx->share = body_share(ctx, srv->app->cfg.max_body_bytes);
    (void)gate_enter(&srv->gate, ctx);
    return MHD_YES;
}

/* The final call, once the body is complete; MHD repeats it for a request the gate
 * suspended. */
static enum MHD_Result
finish_request(struct server *srv, struct request_ctx *ctx, const char *url, const char *method)
{
    if (!ctx->working) {
        /* only requests the server is working on count toward shedding; uploads still
         * arriving cost a connection slot, not work, and must not let a slow client shut
         * others out */
        ctx->working = true;
        ctx->overloaded = atomic_fetch_add(&srv->working, 1) + 1 > srv->app->cfg.max_inflight;
    }
    if (!ctx->overloaded && !gate_take_slot(&srv->gate, ctx))
        return MHD_YES;
    enum MHD_Result ret = answer(srv, ctx, url, method);
    gate_give_slot(&srv->gate, ctx);
    return ret;
}

/* MHD's timeout only counts silence, so a body trickled a byte at a time would hold its
 * connection forever: the whole upload gets the timeout instead, time spent waiting at
 * the gate included (MHD never times out a suspended connection). */
static bool
upload_expired(const struct server *srv, const struct request_ctx *ctx)
{
    return monotonic_ms() - ctx->started_ms > srv->app->cfg.conn_timeout_s * 1000LL;
}

/* libmicrohttpd 0.9.75 parses a URL's query parameters into the connection's pool before
 * any handler runs, and when they outgrow it the connection hangs without an answer until
 * OIHWATCH_CONN_TIMEOUT (2,000 parameters in an 8 KB URL are enough at 128 KiB). No route
 * takes more than a handful, so a URL with more than QUERY_PARAMS_MAX is refused here,
 * while it is still only text: the URI-log callback runs before that parsing. Nothing has
 * been sent on the socket yet, so a plain-text 414 can go out ahead of libmicrohttpd
 * (not under TLS, where the socket carries records: there the client only sees the
 * close), and shutting the socket down makes libmicrohttpd drop the connection at once.
 * The callback's result becomes the request's context: REFUSED tells on_request that the
 * request was answered, should the parameters have fit. */
enum { QUERY_PARAMS_MAX = 256 };
static struct request_ctx refused_marker;
#define REFUSED (&refused_marker)

static size_t
query_params(const char *uri)
{
    const char *q = strchr(uri, '?');
    size_t n = 0;
    for (; q; q = strchr(q + 1, '&'))
        n++;
    return n;
}

/* Writes the 414 problem document, made by reply_problem as every other one, to fd. */
static void
send_refusal(int fd)
{
    char detail[64], head[160];
    (void)snprintf(detail, sizeof(detail), "The URL has more than %d query parameters.",
                   QUERY_PARAMS_MAX);
    struct response res = {0};
    reply_problem(&res, 414, detail);
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 414 URI Too Long\r\nConnection: close\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     res.content_type, res.length);
    struct iovec iov[] = {{head, (size_t)n}, {res.body, res.length}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    if (n > 0 && (size_t)n < sizeof(head))
        (void)sendmsg(fd, &msg, MSG_NOSIGNAL);
    free(res.body);
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    const struct server *srv = cls;
    if (query_params(uri) <= QUERY_PARAMS_MAX)
        return NULL;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!info)
        return NULL; /* cannot happen for a live connection; libmicrohttpd then decides */
    if (!srv->tls_cert)
        send_refusal(info->connect_fd);
    (void)shutdown(info->connect_fd, SHUT_RDWR);
    return REFUSED;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
    struct server *srv = cls;
    struct request_ctx *ctx = *req_cls;
    (void)version;
    if (ctx == REFUSED)
        return MHD_NO;
    if (!ctx)
        return start_request(srv, conn, url, method, req_cls);
    if (ctx->resumed) { /* the repeated first call of an upload the gate let in */
        ctx->resumed = false;
        if (!upload_expired(srv, ctx))
            return MHD_YES;
        ctx->overloaded = true; /* it waited its whole timeout: shed, with Retry-After */
        return answer(srv, ctx, url, method);
    }
    if (*upload_size > 0) {
        if (upload_expired(srv, ctx))
            return MHD_NO;
        append_body(ctx, upload_data, *upload_size, srv->app->cfg.max_body_bytes);
        *upload_size = 0;
        return MHD_YES;
    }
    if (ctx->answered)
        return MHD_YES;
    return finish_request(srv, ctx, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct request_ctx *ctx = *req_cls;
    (void)conn;
    (void)toe;
    if (!ctx || ctx == REFUSED) {
        *req_cls = NULL;
        return;
    }
    if (ctx->working)
        atomic_fetch_sub(&srv->working, 1);
    free(ctx->body);
    gate_leave(&srv->gate, ctx); /* after the body: it may return freed pages to the system */
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
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, srv},
    };
    size_t n = 10; /* the optional ones follow; the zeroed rest is MHD_OPTION_END */
    if (tls) {
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
    }
    if (cfg->per_ip_connections > 0)
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                               cfg->per_ip_connections, NULL};
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME; /* the body gate */
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
    pthread_mutex_destroy(&srv->gate.lock);
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
    gate_init(&srv->gate);
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
    gate_open(&srv->gate);
    MHD_stop_daemon(srv->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    free_server(srv);
}
