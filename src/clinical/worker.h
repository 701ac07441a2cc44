/* The risk worker: a background thread per replica that recomputes the stored risk result
 * of patients whose data changed (debounced) and of results older than a day. Replicas
 * share the queue through SKIP LOCKED, so adding replicas adds workers without double work. */
#ifndef OIH_WORKER_H
#define OIH_WORKER_H

#include "config.h"

struct risk_worker;

/* Starts the thread with its own database connection (made and remade as needed).
 * cfg is borrowed and must outlive the worker. Returns a new worker, or NULL. */
struct risk_worker *risk_worker_start(const struct config *cfg);
/* Patients waiting for a recomputation, as last counted (-1 before the first count or
 * when w is NULL). Thread-safe. */
long risk_worker_backlog(struct risk_worker *w);
/* Stops the thread after its current patient and frees the worker. Accepts NULL. */
void risk_worker_stop(struct risk_worker *w);

#endif
