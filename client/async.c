/* async.c: a few worker threads run backend calls for the console;
 * finished results wait in a list and a self-pipe tells the event loop
 * (see async.h).
 *
 * The pipe carries no data, only readiness: a byte is written when the done
 * list goes from empty to non-empty and the pipe is drained when the loop
 * takes the last result, both under the mutex, so "fd readable" and "a
 * result waits" never disagree.
 *
 * Lanes: a request submitted in a lane starts only when no earlier request
 * of its lane is running (a cancelled one does not count), so one pane's
 * requests keep their order while other panes' go ahead.
 *
 * Threads: OTA_ASYNC_WORKERS at start.  A running request that is cancelled
 * keeps its thread until the backend gives up (its timeout); while it does,
 * that thread counts as stuck, and when fewer than OTA_ASYNC_WORKERS threads
 * are free of stuck requests another one is started (at most
 * OTA_ASYNC_THREADS_MAX in all).  Threads never exit before ota_async_free,
 * which joins them all. */
#include "async.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct item {
    struct item *next;
    uint64_t id;
    ota_async_fn fn;
    void *arg;
    void (*free_arg)(void *);
    int rc;
    ota_err err;
    int lane;                   /* OTA_ASYNC_ANY, or runs after its lane's earlier ones */
    bool cancelled;             /* while running: its result is dropped */
} item;

struct ota_async {
    ota_backend *b;
    pthread_t threads[OTA_ASYNC_THREADS_MAX];
    int nthreads;               /* started (all alive until free) */
    int nstuck;                 /* running a cancelled request */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    item *queue, **queue_tail;  /* waiting to run */
    item *done, **done_tail;    /* finished, waiting to be taken */
    item *running;              /* held by the workers (linked by next) */
    bool stop;
    int pipe_r, pipe_w;
};

static void item_drop(item *it)
{
    if (it->free_arg)
        it->free_arg(it->arg);
    free(it);
}

static void signal_ready(ota_async *a)
{
    char c = 1;
    while (write(a->pipe_w, &c, 1) < 0 && errno == EINTR)
        ;
}

static void drain_ready(ota_async *a)
{
    char buf[64];
    while (read(a->pipe_r, buf, sizeof buf) > 0)
        ;
}

static void running_remove(ota_async *a, item *it)
{
    for (item **pp = &a->running; *pp; pp = &(*pp)->next)
        if (*pp == it) {
            *pp = it->next;
            it->next = NULL;
            return;
        }
}

/* Under the lock: a request of that lane is running (a cancelled one no
 * longer holds its lane). */
static bool lane_busy(ota_async *a, int lane)
{
    for (item *it = a->running; it; it = it->next)
        if (it->lane == lane && !it->cancelled)
            return true;
    return false;
}

/* Under the lock: the first queued request free to start, unlinked. */
static item *queue_next(ota_async *a)
{
    for (item **pp = &a->queue; *pp; pp = &(*pp)->next) {
        item *it = *pp;
        if (it->lane != OTA_ASYNC_ANY && lane_busy(a, it->lane))
            continue;
        *pp = it->next;
        if (a->queue_tail == &it->next)
            a->queue_tail = pp;
        it->next = NULL;
        return it;
    }
    return NULL;
}

static void *worker(void *ud)
{
    ota_async *a = ud;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        item *it = NULL;
        while (!a->stop && !(it = queue_next(a)))
            pthread_cond_wait(&a->cv, &a->mu);
        if (a->stop)
            break;
        it->next = a->running;
        a->running = it;
        pthread_mutex_unlock(&a->mu);

        ota_err_clear(&it->err);
        it->rc = it->fn(a->b, it->arg, &it->err);

        pthread_mutex_lock(&a->mu);
        running_remove(a, it);
        pthread_cond_broadcast(&a->cv);   /* its lane is free: the next of it may start */
        if (it->cancelled) {
            a->nstuck--;
            pthread_mutex_unlock(&a->mu);
            item_drop(it); /* free_arg outside the lock: it may be slow */
            pthread_mutex_lock(&a->mu);
            continue;
        }
        bool was_empty = !a->done;
        *a->done_tail = it;
        a->done_tail = &it->next;
        if (was_empty)
            signal_ready(a);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Under the lock: one more worker thread; false when it cannot be made. */
static bool thread_add(ota_async *a)
{
    if (a->nthreads >= OTA_ASYNC_THREADS_MAX)
        return false;
    int err = pthread_create(&a->threads[a->nthreads], NULL, worker, a);
    if (err) {
        errno = err;
        return false;
    }
    a->nthreads++;
    return true;
}

ota_async *ota_async_new(ota_backend *b)
{
    ota_async *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(a);
        return NULL;
    }
    a->b = b;
    a->pipe_r = fds[0];
    a->pipe_w = fds[1];
    a->queue_tail = &a->queue;
    a->done_tail = &a->done;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    pthread_mutex_lock(&a->mu);
    bool ok = true;
    for (int i = 0; i < OTA_ASYNC_WORKERS && ok; i++)
        ok = thread_add(a);
    pthread_mutex_unlock(&a->mu);
    if (!ok) {
        int err = errno;
        ota_async_free(a);
        errno = err;
        return NULL;
    }
    return a;
}

static void list_drop(item *it)
{
    while (it) {
        item *next = it->next;
        item_drop(it);
        it = next;
    }
}

void ota_async_free(ota_async *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    for (item *it = a->running; it; it = it->next)
        it->cancelled = true;
    pthread_cond_broadcast(&a->cv);
    int n = a->nthreads;
    pthread_mutex_unlock(&a->mu);
    for (int i = 0; i < n; i++)
        pthread_join(a->threads[i], NULL);
    list_drop(a->queue);
    list_drop(a->done);
    close(a->pipe_r);
    close(a->pipe_w);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}

int ota_async_fd(ota_async *a)
{
    return a->pipe_r;
}

int ota_async_submit(ota_async *a, uint64_t id, ota_async_fn fn, void *arg,
                     void (*free_arg)(void *))
{
    return ota_async_submit_in(a, id, OTA_ASYNC_ANY, fn, arg, free_arg);
}

int ota_async_submit_in(ota_async *a, uint64_t id, int lane, ota_async_fn fn, void *arg,
                        void (*free_arg)(void *))
{
    item *it = calloc(1, sizeof *it);
    if (!it)
        return -1;
    it->id = id;
    it->lane = lane;
    it->fn = fn;
    it->arg = arg;
    it->free_arg = free_arg;
    pthread_mutex_lock(&a->mu);
    if (a->stop) {
        pthread_mutex_unlock(&a->mu);
        free(it);
        return -1;
    }
    *a->queue_tail = it;
    a->queue_tail = &it->next;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return 0;
}

bool ota_async_take(ota_async *a, ota_async_result *out)
{
    pthread_mutex_lock(&a->mu);
    item *it = a->done;
    if (it) {
        a->done = it->next;
        if (!a->done)
            a->done_tail = &a->done;
    }
    if (!a->done)
        drain_ready(a);
    pthread_mutex_unlock(&a->mu);
    if (!it)
        return false;
    out->id = it->id;
    out->rc = it->rc;
    out->err = it->err;
    out->arg = it->arg;
    free(it);
    return true;
}

/* Unlinks the item with id from a singly linked list; returns it or NULL. */
static item *list_unlink(item **head, item ***tail, uint64_t id)
{
    for (item **pp = head; *pp; pp = &(*pp)->next) {
        if ((*pp)->id != id)
            continue;
        item *it = *pp;
        *pp = it->next;
        if (*tail == &it->next)
            *tail = pp;
        it->next = NULL;
        return it;
    }
    return NULL;
}

bool ota_async_cancel(ota_async *a, uint64_t id)
{
    pthread_mutex_lock(&a->mu);
    item *it = list_unlink(&a->queue, &a->queue_tail, id);
    if (!it) {
        it = list_unlink(&a->done, &a->done_tail, id);
        if (!a->done)
            drain_ready(a);
    }
    bool found = it != NULL;
    for (item *r = a->running; !it && r; r = r->next)
        if (r->id == id && !r->cancelled) {
            r->cancelled = true;
            a->nstuck++;
            found = true;
            pthread_cond_broadcast(&a->cv);   /* its lane is free now */
            /* keep OTA_ASYNC_WORKERS threads free for what comes next */
            if (a->nthreads - a->nstuck < OTA_ASYNC_WORKERS)
                thread_add(a);
            break;
        }
    pthread_mutex_unlock(&a->mu);
    if (it)
        item_drop(it);
    return found;
}

size_t ota_async_pending(ota_async *a)
{
    size_t n = 0;
    pthread_mutex_lock(&a->mu);
    for (item *it = a->queue; it; it = it->next)
        n++;
    for (item *it = a->done; it; it = it->next)
        n++;
    for (item *it = a->running; it; it = it->next)
        n += !it->cancelled;
    pthread_mutex_unlock(&a->mu);
    return n;
}
