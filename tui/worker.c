/* worker.c: the console's backend calls over client/async.h (see worker.h). */
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
};

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

call *call_new(call_kind k, int owner, call_done_fn done)
{
    call *c = calloc(1, sizeof *c);
    if (!c)
        abort();   /* the console cannot go on without memory for a request */
    c->kind = k;
    c->owner = owner;
    c->done = done;
    c->state = -1;
    ota_plan_init(&c->plan);
    return c;
}

void call_free(call *c)
{
    if (!c)
        return;
    ota_plan_free(&c->plan);
    ota_product_list_free(&c->products);
    ota_package_page_free(&c->packages);
    ota_plan_page_free(&c->plans);
    ota_job_page_free(&c->jobs);
    ota_event_page_free(&c->events);
    free(c->data);
    free(c);
}

static void call_run(ota_backend *b, call *c)
{
    const ota_backend_ops *o = b->ops;
    ota_err *e = &c->err;
    const char *paths[OTA_MAX_FILES];
    switch (c->kind) {
    case CALL_PRODUCT_LIST:   c->rc = o->product_list_all(b, &c->products, e); break;
    case CALL_PACKAGE_LIST:
        c->rc = o->package_list(b, c->str[0] ? c->str : NULL, &c->pg, &c->packages, e);
        break;
    case CALL_PACKAGE_GET:    c->rc = o->package_get(b, c->id, &c->package, e); break;
    case CALL_PACKAGE_CREATE:
        for (size_t i = 0; i < c->npaths; i++)
            paths[i] = c->paths[i];
        c->rc = o->package_create(b, &c->meta, paths, c->npaths, &c->package, e);
        break;
    case CALL_PACKAGE_VERIFY: c->rc = o->package_verify(b, c->id, &c->verify, e); break;
    case CALL_PACKAGE_DELETE: c->rc = o->package_delete(b, c->id, e); break;
    case CALL_PLAN_LIST:
        c->rc = o->plan_list(b, c->state, c->str[0] ? c->str : NULL, &c->pg, &c->plans, e);
        break;
    case CALL_PLAN_GET:       c->rc = o->plan_get(b, c->id, &c->plan, e); break;
    case CALL_PLAN_CREATE:    c->rc = o->plan_create(b, &c->plan, e); break;
    case CALL_PLAN_UPDATE:    c->rc = o->plan_update(b, &c->plan, e); break;
    case CALL_PLAN_DELETE:    c->rc = o->plan_delete(b, c->id, e); break;
    case CALL_PLAN_TRANSITION: c->rc = o->plan_transition(b, c->id, c->action, &c->plan, e); break;
    case CALL_PLAN_PREVIEW:   c->rc = o->plan_preview(b, c->id, &c->preview, e); break;
    case CALL_PLAN_STATUS:    c->rc = o->plan_status_get(b, c->id, &c->status, e); break;
    case CALL_PLAN_DEVICES:
        c->rc = o->plan_devices(b, c->id, c->state, &c->pg, &c->jobs, e);
        break;
    case CALL_PLAN_EVENTS:
        c->rc = o->plan_events(b, c->id, c->since, c->limit, &c->events, e);
        break;
    case CALL_FUNC:           c->fn(b, c); break;
    }
}

/* ota_async runs fn on its worker thread. */
static int call_async(ota_backend *b, void *arg, ota_err *e)
{
    call *c = arg;
    call_run(b, c);
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
    if (ota_async_submit(w->as, c->async_id, call_async, c, call_free_arg)) {
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
