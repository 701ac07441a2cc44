/* The LISTEN thread. It waits in poll(2) on the connection's socket and an eventfd, so a
 * stop request or a notification is handled at once, and a dropped connection is noticed
 * as soon as the socket closes (keepalives catch a silent peer). */
#include "db/listen.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "db/internal.h"
#include "log.h"
#include "util/xalloc.h"

/* between reconnect attempts while the database is away */
#define RETRY_MS 1000

struct db_listener {
    pthread_t thread;
    int stop_fd; /* eventfd: readable once stop was asked for */
    atomic_bool stopping;
    char *url;
    char listen_sql[96];
    int connect_timeout_s;
    void (*on_event)(void *arg, enum listen_event e);
    void *arg;
};

/* Waits for the socket (or -1: only for the stop signal) up to ms. Returns false when
 * the thread should stop. */
static bool
wait_for(struct db_listener *l, int fd, int ms, bool *readable)
{
    struct pollfd p[2] = {{.fd = l->stop_fd, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    int n = poll(p, fd >= 0 ? 2 : 1, ms);
    if (atomic_load(&l->stopping))
        return false;
    *readable = n > 0 && fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR));
    return true;
}

static PGconn *
connect_and_listen(struct db_listener *l)
{
    PGconn *pg = db_open(l->url, l->connect_timeout_s);
    if (PQstatus(pg) == CONNECTION_OK) {
        PGresult *res = PQexec(pg, l->listen_sql);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (ok)
            return pg;
    }
    PQfinish(pg);
    return NULL;
}

/* Drains what arrived; false when the connection broke. */
static bool
read_notifications(struct db_listener *l, PGconn *pg)
{
    if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK)
        return false;
    bool heard = false;
    PGnotify *n;
    while ((n = PQnotifies(pg)) != NULL) {
        heard = true;
        PQfreemem(n);
    }
    if (heard) /* one callback for a burst: the owner's reaction does not depend on the count */
        l->on_event(l->arg, LISTEN_NOTIFY);
    return true;
}

/* Listens on one connection until it breaks or the thread must stop; false to stop. */
static bool
serve_connection(struct db_listener *l, PGconn *pg)
{
    l->on_event(l->arg, LISTEN_READY);
    for (;;) {
        bool readable = false;
        if (!wait_for(l, PQsocket(pg), 60000, &readable))
            return false;
        if (readable && !read_notifications(l, pg))
            break;
    }
    log_warn("notification connection lost; caches bypassed until it is back", NULL);
    l->on_event(l->arg, LISTEN_LOST);
    return true;
}

static void *
listener_main(void *arg)
{
    struct db_listener *l = arg;
    bool go_on = true;
    while (go_on) {
        PGconn *pg = connect_and_listen(l);
        bool unused;
        if (!pg) {
            go_on = wait_for(l, -1, RETRY_MS, &unused);
            continue;
        }
        go_on = serve_connection(l, pg);
        PQfinish(pg);
    }
    return NULL;
}

struct db_listener *
db_listen_start(const char *url, const char *channel, int connect_timeout_s,
                void (*on_event)(void *arg, enum listen_event e), void *arg)
{
    struct db_listener *l = xcalloc(1, sizeof(*l));
    l->stop_fd = eventfd(0, EFD_CLOEXEC);
    l->url = xstrdup(url);
    (void)snprintf(l->listen_sql, sizeof(l->listen_sql), "LISTEN %s", channel);
    l->connect_timeout_s = connect_timeout_s;
    l->on_event = on_event;
    l->arg = arg;
    atomic_init(&l->stopping, false);
    if (l->stop_fd < 0 || pthread_create(&l->thread, NULL, listener_main, l) != 0) {
        if (l->stop_fd >= 0)
            close(l->stop_fd);
        free(l->url);
        free(l);
        return NULL;
    }
    return l;
}

void
db_listen_stop(struct db_listener *l)
{
    if (!l)
        return;
    atomic_store(&l->stopping, true);
    uint64_t one = 1;
    if (write(l->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
        log_error("could not signal the notification thread", NULL);
    pthread_join(l->thread, NULL);
    close(l->stop_fd);
    free(l->url);
    free(l);
}
