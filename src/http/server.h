/* The HTTP listener: libmicrohttpd with an internal thread pool. It accumulates bodies
 * within the limit, parses JSON, authenticates, and hands each request to its route. Large
 * uploads (64 KiB or more) wait their turn, so memory stays bounded however many arrive. */
#ifndef OIH_SERVER_H
#define OIH_SERVER_H

struct app;
struct server;

/* Starts listening on app->cfg's address with app->cfg.threads workers; app is borrowed
 * and must outlive the server. Returns a new server, or NULL (logged). */
struct server *server_start(struct app *app);
/* The bound port (useful when the configured port was 0). */
int server_port(const struct server *srv);
/* Stops accepting, waits up to drain_s seconds for requests in flight, then stops and
 * frees the server. Accepts NULL. */
void server_stop(struct server *srv, int drain_s);

#endif
