/* A background thread that sleeps between rounds and stops on request: the risk worker
 * and the audit writer. Its mutex also guards whatever state the owner shares with
 * request threads, so a wake-up never races the state it announces. */
#ifndef OIH_BGTHREAD_H
#define OIH_BGTHREAD_H

#include <pthread.h>
#include <stdbool.h>

struct bgthread {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping; /* guarded by lock */
};

/* Starts fn(arg) on a new thread; 0, or -1 (nothing left to clean up). */
int bgthread_start(struct bgthread *t, void *(*fn)(void *), void *arg);
/* Asks the thread to stop, wakes it, and joins it. */
void bgthread_stop(struct bgthread *t);
/* Sleeps up to ms, or until woken or stopping; with ready (called under the lock) true,
 * returns at once. Returns false once the thread should stop. Called by the thread. */
bool bgthread_wait(struct bgthread *t, int ms, bool (*ready)(void *arg), void *arg);
/* Wakes the thread; call with t->lock held (the state that made it worth waking is
 * guarded by the same lock). */
void bgthread_wake_locked(struct bgthread *t);

#endif
