/* Background-thread lifecycle: start, timed wait, wake, stop and join. */
#include "util/bgthread.h"

#include <time.h>

int
bgthread_start(struct bgthread *t, void *(*fn)(void *), void *arg)
{
    t->stopping = false;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    if (pthread_create(&t->thread, NULL, fn, arg) == 0)
        return 0;
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    return -1;
}

void
bgthread_stop(struct bgthread *t)
{
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
}

bool
bgthread_wait(struct bgthread *t, int ms, bool (*ready)(void *arg), void *arg)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->lock);
    while (!t->stopping && !(ready && ready(arg)) &&
           pthread_cond_timedwait(&t->wake, &t->lock, &until) == 0)
        ;
    bool go_on = !t->stopping;
    pthread_mutex_unlock(&t->lock);
    return go_on;
}

void
bgthread_wake_locked(struct bgthread *t)
{
    pthread_cond_signal(&t->wake);
}
