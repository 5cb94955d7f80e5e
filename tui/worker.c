/* worker.c: the console's backend calls over client/async.h (see worker.h). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "async.h"
#include "worker.h"

struct worker {
    ota_async *as;
    uint64_t next_id;
    call **live; size_t nlive, caplive;   ///< submitted, not yet taken or cancelled
    call_done_fn observer;
};

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static call *call_init(call *c, int owner, call_done_fn done, call_run_fn run, void *ctx,
                       void (*release)(void *))
{
    c->owner = owner;
    c->done = done;
    c->run = run;
    c->ctx = ctx;
    c->release = release;
    return c;
}

call *call_new(int owner, call_done_fn done, call_run_fn run, void *ctx, void (*release)(void *))
{
    call *c = calloc(1, sizeof *c);
    if (!c)
        abort();   /* the console cannot go on without memory for a request */
    return call_init(c, owner, done, run, ctx, release);
}

/* call_<op>: the header and the op's storage in one allocation; release
 * frees what the storage holds, the allocation goes with the call. */
#define WORKER_OP_DEFINE(op, fields, init, args, fini) \
    static int run_##op(ota_backend *b, void *ctx, ota_err *e) \
    { \
        op_##op *a = ctx; \
        return b->ops->op(b, OTA_UNPAREN args); \
    } \
    static void release_##op(void *ctx) \
    { \
        op_##op *a = ctx; \
        fini; \
    } \
    call *call_##op(int owner, call_done_fn done) \
    { \
        struct { call c; op_##op a; } *p = calloc(1, sizeof *p); \
        if (!p) \
            abort(); \
        op_##op *a = &p->a; \
        init; \
        return call_init(&p->c, owner, done, run_##op, a, release_##op); \
    }
WORKER_OPS(WORKER_OP_DEFINE)
#undef WORKER_OP_DEFINE

void call_free(call *c)
{
    if (!c)
        return;
    if (c->ctx && c->release)
        c->release(c->ctx);
    free(c);
}

/* ota_async runs fn on its worker thread. */
static int call_async(ota_backend *b, void *arg, ota_err *e)
{
    call *c = arg;
    c->rc = c->run(b, c->ctx, &c->err);
    if (c->rc)
        *e = c->err;
    return c->rc;
}

static void call_free_arg(void *arg) { call_free(arg); }

worker *worker_start(ota_backend *b)
{
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->as = ota_async_new(b);
    if (!w->as) {
        free(w);
        return NULL;
    }
    return w;
}

void worker_stop(worker *w)
{
    if (!w)
        return;
    ota_async_free(w->as);   /* cancels the queue, waits for the running call */
    free(w->live);
    free(w);
}

static void live_remove(worker *w, size_t i)
{
    memmove(w->live + i, w->live + i + 1, (w->nlive - i - 1) * sizeof *w->live);
    w->nlive--;
}

uint64_t worker_submit(worker *w, call *c)
{
    c->started_ms = now_ms();
    c->async_id = ++w->next_id;
    if (w->nlive == w->caplive) {
        w->caplive = w->caplive ? 2 * w->caplive : 16;
        w->live = realloc(w->live, w->caplive * sizeof *w->live);
        if (!w->live)
            abort();
    }
    /* a pane's calls in its own lane keep their order; another server's
     * calls (push) have one of their own */
    int lane = c->other_server ? -2 : c->owner;
    if (ota_async_submit_in(w->as, c->async_id, lane, call_async, c, call_free_arg)) {
        call_free(c);   /* out of memory or shutting down: nothing to wait for */
        return 0;
    }
    w->live[w->nlive++] = c;
    return c->async_id;
}

void worker_cancel(worker *w, int owner)
{
    for (size_t i = w->nlive; i-- > 0;) {
        call *c = w->live[i];
        if (owner >= 0 && c->owner != owner)
            continue;
        /* from here on ota_async frees c; we must not touch it */
        live_remove(w, i);
        ota_async_cancel(w->as, c->async_id);
    }
}

int worker_fd(worker *w) { return ota_async_fd(w->as); }

int worker_drain(worker *w, struct app *a)
{
    ota_async_result res;
    int ran = 0;
    while (ota_async_take(w->as, &res)) {
        call *c = res.arg;
        for (size_t i = 0; i < w->nlive; i++)
            if (w->live[i] == c) {
                live_remove(w, i);
                break;
            }
        if (w->observer)
            w->observer(a, c);
        if (c->done) {
            c->done(a, c);
            ran++;
        }
        call_free(c);
    }
    return ran;
}

bool worker_live(worker *w, uint64_t async_id)
{
    for (size_t i = 0; i < w->nlive; i++)
        if (w->live[i]->async_id == async_id)
            return true;
    return false;
}

int worker_pending(worker *w, int64_t *oldest_ms)
{
    int64_t oldest = 0;
    for (size_t i = 0; i < w->nlive; i++)
        if (!oldest || w->live[i]->started_ms < oldest)
            oldest = w->live[i]->started_ms;
    if (oldest_ms)
        *oldest_ms = oldest;
    return (int)w->nlive;
}

void worker_observe(worker *w, call_done_fn observer) { w->observer = observer; }

int64_t worker_waiting_since(worker *w)
{
    int64_t oldest = 0;
    for (size_t i = 0; i < w->nlive; i++)
        if (!w->live[i]->other_server && (!oldest || w->live[i]->started_ms < oldest))
            oldest = w->live[i]->started_ms;
    return oldest;
}
