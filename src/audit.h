/* The access-audit writer: requests hand it events; a thread with its own database
 * connection appends them in batches every 100 ms (or every 256 events), records tokens'
 * last use once a minute, and purges rows past the retention period once an hour.
 * Batching keeps auditing from turning every read into a durable write. SIGTERM flushes
 * what is queued; a kill -9 can lose the last ~100 ms of events. */
#ifndef OIH_AUDIT_H
#define OIH_AUDIT_H

#include <stdint.h>

#include "config.h"
#include "db/audit.h"

struct audit_writer;

/* Starts the writer thread; cfg is borrowed and must outlive it. NULL on failure. */
struct audit_writer *audit_writer_start(const struct config *cfg);
/* Writes what is queued and stops the thread. Accepts NULL. */
void audit_writer_stop(struct audit_writer *w);

/* Queues an event (copied). Never waits for the database; when the queue is full (the
 * database has been away for long) the event is dropped and counted. Thread-safe. */
void audit_writer_record(struct audit_writer *w, const struct audit_event *e);
/* Queues an event of a list response (a patient the list showed), unless the same
 * principal saw the same patient through the same route, with the same status, within
 * OIHWATCH_AUDIT_LIST_WINDOW seconds: a dashboard polling its cohort list would otherwise
 * write a row per patient per refresh. Requests naming a patient always get their row. */
void audit_writer_record_listed(struct audit_writer *w, const struct audit_event *e);
/* Notes that a token was used at a time; written at most once a minute per token. */
void audit_writer_token_used(struct audit_writer *w, const char *token_id, int64_t at);

/* List-view events not written because the same view was recorded moments before. */
unsigned long long audit_writer_coalesced(struct audit_writer *w);
/* Events dropped because the queue was full (for /metrics). */
unsigned long long audit_writer_dropped(struct audit_writer *w);

#endif
