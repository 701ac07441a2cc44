/* A thread that keeps one connection LISTENing on a channel and tells its owner what it
 * hears. Used to invalidate in-process caches when another replica (or the CLI, or an
 * operator's SQL) changes what they hold: PostgreSQL delivers a NOTIFY at commit, to every
 * listening session. The connection must reach PostgreSQL directly: a PgBouncer in
 * transaction mode accepts LISTEN but never delivers the notifications. */
#ifndef OIH_DB_LISTEN_H
#define OIH_DB_LISTEN_H

enum listen_event {
    LISTEN_READY,  /* listening (again): anything sent while not listening was missed */
    LISTEN_NOTIFY, /* a notification arrived on the channel */
    LISTEN_LOST,   /* the connection is gone; a reconnect follows */
};

struct db_listener;

/* Starts the thread; it connects, and reconnects after failures, on its own. on_event is
 * called on the listener's thread. url and channel are copied; channel must be a plain
 * SQL identifier. NULL when the thread cannot start. */
struct db_listener *db_listen_start(const char *url, const char *channel, int connect_timeout_s,
                                    void (*on_event)(void *arg, enum listen_event e), void *arg);
/* Stops and joins the thread, closes the connection. Accepts NULL. */
void db_listen_stop(struct db_listener *l);

#endif
