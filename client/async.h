/* async.h: backend calls off the event-loop thread.
 *
 * The console must keep answering keys while a request is in flight, and
 * the backend calls (client/backend.h) block.  An ota_async owns a few
 * worker threads and a FIFO of requests; the loop submits closures and
 * learns about finished ones through a pipe it polls next to the keyboard:
 *
 *     ota_async *a = ota_async_new(backend);
 *     ...
 *     struct load *l = calloc(1, sizeof *l);          // your closure state
 *     l->plan_id = 17;
 *     ota_async_submit(a, ++req_id, load_plan, l, load_free);
 *     ...
 *     struct pollfd fds[2] = {{0, POLLIN}, {ota_async_fd(a), POLLIN}};
 *     poll(fds, 2, timeout);
 *     ota_async_result res;
 *     while (ota_async_take(a, &res)) {              // loop thread only
 *         struct load *l = res.arg;                  // now yours again
 *         if (res.rc < 0) show_error(&res.err); else show_plan(&l->plan);
 *         load_free(l);
 *     }
 *
 * Rules:
 *  - fn runs on a worker thread with the backend and its arg; it fills its
 *    arg with results and returns 0, or -1 with *e.  It must not touch UI
 *    state.  Requests start in submission order, up to OTA_ASYNC_WORKERS at
 *    once, and their results come back as they finish.  Requests submitted
 *    in the same lane (ota_async_submit_in) run one at a time, in order,
 *    and their results come back in that order: a pane's requests in its
 *    own lane never overtake each other, and never wait for another lane's.
 *  - After ota_async_take hands back a result, arg belongs to the caller.
 *  - ota_async_cancel(id) drops the request: if still queued it never runs;
 *    if running, it finishes (the HTTP request is not torn down) but its
 *    result is never delivered, and another thread takes its place for new
 *    requests (up to OTA_ASYNC_THREADS_MAX threads), so a request stuck on
 *    a hung server and cancelled never holds up the next one.  Either way
 *    free_arg(arg) is called for you (on the worker or in cancel), so a
 *    cancelled arg must not be touched.
 *  - The fd is readable while at least one result waits; ota_async_take
 *    returns false when none is left (it never blocks).
 *  - ota_async_free cancels everything queued, waits for the running
 *    requests (bounded by the backend's timeouts) and frees what is left.
 *  - The backend must take calls from several threads at once (both do:
 *    the engine has its lock, the remote backend a handle per request).
 */
#ifndef OTA_ASYNC_H
#define OTA_ASYNC_H

#include <limits.h>
#include "backend.h"

typedef struct ota_async ota_async;

#define OTA_ASYNC_WORKERS     4    /* threads free for new requests */
#define OTA_ASYNC_THREADS_MAX 16   /* with those still running cancelled ones */

typedef int (*ota_async_fn)(ota_backend *b, void *arg, ota_err *e);

typedef struct ota_async_result {
    uint64_t id;   /* as given to submit */
    int rc;        /* fn's return value */
    ota_err err;   /* filled when rc < 0 */
    void *arg;     /* the closure's state, filled by fn */
} ota_async_result;

/* Starts the workers; NULL (with errno) if a thread or the pipe cannot be made. */
ota_async *ota_async_new(ota_backend *b);
void ota_async_free(ota_async *a);
/* Poll this for POLLIN in the event loop. */
int ota_async_fd(ota_async *a);
/* Queue fn(b, arg); free_arg (may be NULL) releases arg when the result is
 * dropped.  0 on success, -1 when out of memory or shutting down. */
int ota_async_submit(ota_async *a, uint64_t id, ota_async_fn fn, void *arg,
                     void (*free_arg)(void *));
/* The same in a lane: fn starts only once every earlier request of that
 * lane has finished or been cancelled.  OTA_ASYNC_ANY: no lane. */
#define OTA_ASYNC_ANY INT_MIN
int ota_async_submit_in(ota_async *a, uint64_t id, int lane, ota_async_fn fn, void *arg,
                        void (*free_arg)(void *));
/* Next finished result (loop thread); false when none is waiting. */
bool ota_async_take(ota_async *a, ota_async_result *out);
/* Drop request id wherever it is; true if it was found. */
bool ota_async_cancel(ota_async *a, uint64_t id);
/* Requests queued or running (not yet taken), for a "working..." indicator. */
size_t ota_async_pending(ota_async *a);

#endif
