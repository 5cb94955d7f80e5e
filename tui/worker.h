/* worker.h: backend calls off the event-loop thread.
 *
 * A thin layer over client/async.h (one worker thread, a FIFO of requests,
 * results through a pipe the loop polls).  What it adds for the console:
 * a request is a `call` naming the backend operation, its inputs and its
 * outputs; its done callback runs on the loop thread; calls carry the pane
 * that asked, so Esc or leaving a pane drops that pane's results
 * (ota_async_cancel: a call already running finishes on the backend but
 * nobody sees its result); and the submit time of the oldest call drives
 * the spinner.
 */
#ifndef TUI_WORKER_H
#define TUI_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include "backend.h"

struct app;

typedef enum {
    CALL_PRODUCT_LIST, CALL_PACKAGE_LIST, CALL_PACKAGE_GET, CALL_PACKAGE_CREATE,
    CALL_PACKAGE_VERIFY, CALL_PACKAGE_DELETE, CALL_PLAN_LIST, CALL_PLAN_GET,
    CALL_PLAN_CREATE, CALL_PLAN_UPDATE, CALL_PLAN_DELETE, CALL_PLAN_TRANSITION,
    CALL_PLAN_PREVIEW, CALL_PLAN_STATUS, CALL_PLAN_DEVICES, CALL_PLAN_EVENTS,
    CALL_FUNC,   /* run fn(backend, call) on the worker: anything else */
} call_kind;

typedef struct call call;
typedef void (*call_done_fn)(struct app *a, call *c);

struct call {
    call_kind kind;
    int owner;                 ///< pane that asked; worker_cancel drops by owner
    uint64_t async_id;         ///< ota_async request id
    int64_t started_ms;        ///< when submitted (spinner)
    call_done_fn done;         ///< run on the loop thread unless cancelled
    int64_t tag;               ///< caller's context (a generation, a plan id)
    void (*fn)(ota_backend *b, call *c);  ///< CALL_FUNC

    /* inputs */
    int64_t id, id2;
    int state;
    ota_action action;
    int limit;
    int64_t since;
    char str[256];
    ota_page_req pg;
    ota_package_meta meta;
    char paths[OTA_MAX_FILES][4096];
    size_t npaths;

    /* inputs and outputs */
    ota_plan plan;

    /* outputs */
    int rc;
    ota_err err;
    ota_product_list products;
    ota_package_page packages;
    ota_package package;
    ota_verify_result verify;
    ota_plan_page plans;
    ota_preview preview;
    ota_plan_status status;
    ota_job_page jobs;
    ota_event_page events;
    void *data;                ///< CALL_FUNC result, freed with free()
};

typedef struct worker worker;

worker *worker_start(ota_backend *b);
void worker_stop(worker *w);           /* joins; drops what is queued */
call *call_new(call_kind k, int owner, call_done_fn done);
void call_free(call *c);
/* Takes c; returns its id for worker_live/cancel (0 when it could not be
 * queued: c is already freed then). */
uint64_t worker_submit(worker *w, call *c);
void worker_cancel(worker *w, int owner);   /* owner < 0: every call */
int worker_fd(worker *w);                   /* readable when results wait */
/* Run the done callbacks of finished calls; returns how many ran. */
int worker_drain(worker *w, struct app *a);
/* Calls submitted and not yet drained (cancelled ones excluded), and the
 * submit time of the oldest of them. */
int worker_pending(worker *w, int64_t *oldest_ms);
/* The call with this async_id is submitted and neither drained nor
 * cancelled: its done callback is still to come. */
bool worker_live(worker *w, uint64_t async_id);

int64_t now_ms(void);   /* monotonic milliseconds */

#endif
