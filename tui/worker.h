/* worker.h: backend calls off the event-loop thread.
 *
 * A thin layer over client/async.h (a few worker threads, a FIFO of
 * requests, results through a pipe the loop polls).  What it adds for the console:
 * a request is a `call`, a small header (the pane that asked, its async id,
 * when it started, its done callback, rc and err, the caller's tag) over a
 * closure: a run function for the worker thread and its own storage (ctx),
 * allocated for that one call; its done callback runs on the loop thread;
 * the calls of one owner run one after another, in order, while other
 * owners' go ahead (the owner is the async lane); Esc or leaving a pane
 * drops that pane's calls (ota_async_cancel: a call already running
 * finishes on the backend but nobody sees its result, and holds up no
 * later one); and
 * the submit time of the oldest call drives the spinner.
 *
 * The backend operations the console runs have their closure made here
 * from WORKER_OPS: call_<op>(owner, done) allocates the call with an
 * op_<op> holding that operation's inputs and outputs, reached with
 * CALL_OP(c, op).  Anything else is call_new() with a run function and the
 * caller's ctx.
 */
#ifndef TUI_WORKER_H
#define TUI_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include "backend.h"

struct app;

typedef struct call call;
typedef void (*call_done_fn)(struct app *a, call *c);
/* Runs on the worker thread: fills ctx, returns 0 or -1 with *e. */
typedef int (*call_run_fn)(ota_backend *b, void *ctx, ota_err *e);

struct call {
    int owner;                 ///< pane that asked; worker_cancel drops by owner
    uint64_t async_id;         ///< ota_async request id
    int64_t started_ms;        ///< when submitted (spinner)
    call_done_fn done;         ///< run on the loop thread unless cancelled
    int rc;                    ///< run's return value
    ota_err err;               ///< filled when rc < 0
    int64_t tag;               ///< caller's context (a generation, a plan id)
    call_run_fn run;
    void *ctx;                 ///< the closure's inputs and outputs
    void (*release)(void *ctx);///< gives back what the call owns through ctx (ctx not NULL)
    bool other_server;         ///< talks to another server (push): says nothing of the backend's
};

/* The console's backend operations: X(op, fields, init, args, fini), op a
 * name of OTA_BACKEND_OPS; fields the storage of op_<op> (a: one of them),
 * init what a fresh one needs beyond zeroes, args what the op is called
 * with after the backend (e: the call's error), fini what a finished one
 * frees. */
#define WORKER_OPS(X) \
    X(product_list_all, ota_product_list out;, (void)a, (&a->out, e), \
      ota_product_list_free(&a->out)) \
    X(package_list, ota_page_req pg; ota_package_page out;, (void)a, \
      (NULL, &a->pg, &a->out, e), ota_package_page_free(&a->out)) \
    X(package_create, ota_package_meta meta; const char *paths[OTA_MAX_FILES]; \
      char path_buf[OTA_MAX_FILES][4096]; size_t npaths; ota_package out;, (void)a, \
      (&a->meta, a->paths, a->npaths, &a->out, e), (void)a) \
    X(package_verify, int64_t id; ota_verify_result out;, (void)a, (a->id, &a->out, e), (void)a) \
    X(package_delete, int64_t id;, (void)a, (a->id, e), (void)a) \
    X(plan_list, ota_page_req pg; ota_plan_page out;, (void)a, (-1, NULL, &a->pg, &a->out, e), \
      ota_plan_page_free(&a->out)) \
    X(plan_get, int64_t id; ota_plan out;, ota_plan_init(&a->out), (a->id, &a->out, e), \
      ota_plan_free(&a->out)) \
    X(plan_create, ota_plan plan;, ota_plan_init(&a->plan), (&a->plan, e), ota_plan_free(&a->plan)) \
    X(plan_update, ota_plan plan;, ota_plan_init(&a->plan), (&a->plan, e), ota_plan_free(&a->plan)) \
    X(plan_delete, int64_t id;, (void)a, (a->id, e), (void)a) \
    X(plan_transition, int64_t id; ota_action action; ota_plan out;, ota_plan_init(&a->out), \
      (a->id, a->action, &a->out, e), ota_plan_free(&a->out)) \
    X(plan_advance, int64_t id; ota_plan out;, ota_plan_init(&a->out), (a->id, &a->out, e), \
      ota_plan_free(&a->out)) \
    X(plan_preview, int64_t id; ota_preview out;, (void)a, (a->id, &a->out, e), (void)a) \
    X(plan_status_get, int64_t id; ota_plan_status out;, (void)a, (a->id, &a->out, e), (void)a) \
    X(plan_devices, int64_t id; int state; ota_page_req pg; ota_job_page out;, (void)a, \
      (a->id, a->state, &a->pg, &a->out, e), ota_job_page_free(&a->out)) \
    X(plan_events, int64_t id; int64_t since; int limit; ota_event_page out;, (void)a, \
      (a->id, a->since, a->limit, &a->out, e), ota_event_page_free(&a->out)) \
    X(audit_refused, char action[32]; char target[OTA_AUDIT_TARGET_MAX + 1]; ota_err why;, \
      (void)a, (a->action, a->target, &a->why, e), (void)a) \
    X(whoami, ota_token_info out;, (void)a, (&a->out, e), (void)a) \
    X(device_token_issue, char product[OTA_KEY_MAX + 1]; char device[OTA_DEVICE_ID_MAX + 1]; \
      char token[OTA_DEVICE_TOKEN_LEN + 1];, (void)a, (a->product, a->device, a->token, e), \
      sodium_memzero(a->token, sizeof a->token)) \
    X(device_token_revoke, char product[OTA_KEY_MAX + 1]; char device[OTA_DEVICE_ID_MAX + 1];, (void)a, \
      (a->product, a->device, e), (void)a)

#define WORKER_OP_DECLARE(op, fields, init, args, fini) \
    typedef struct op_##op { fields } op_##op; \
    call *call_##op(int owner, call_done_fn done);
WORKER_OPS(WORKER_OP_DECLARE)
#undef WORKER_OP_DECLARE

/* The storage of a call made by call_<op>. */
#define CALL_OP(c, op) ((op_##op *)(c)->ctx)

/* Any other work: run(b, ctx, e) on the worker; the call owns ctx and
 * gives it back with release(ctx) (may be NULL) when it is freed. */
call *call_new(int owner, call_done_fn done, call_run_fn run, void *ctx, void (*release)(void *));
void call_free(call *c);

typedef struct worker worker;

worker *worker_start(ota_backend *b);
void worker_stop(worker *w);           /* joins; drops what is queued */
/* Takes c; returns its id for worker_live/cancel (0 when it could not be
 * queued: c is already freed then). */
uint64_t worker_submit(worker *w, call *c);
void worker_cancel(worker *w, int owner);   /* owner < 0: every call */
int worker_fd(worker *w);                   /* readable when results wait */
/* Run the done callbacks of finished calls; returns how many ran.  The
 * observer (if set) sees every finished call first, cancelled ones never. */
int worker_drain(worker *w, struct app *a);
void worker_observe(worker *w, call_done_fn observer);
/* Calls submitted and not yet drained (cancelled ones excluded), and the
 * submit time of the oldest of them. */
int worker_pending(worker *w, int64_t *oldest_ms);
/* The call with this async_id is submitted and neither drained nor
 * cancelled: its done callback is still to come. */
bool worker_live(worker *w, uint64_t async_id);
/* The submit time of the oldest live call to the backend (other_server
 * calls excluded), 0 when there is none. */
int64_t worker_waiting_since(worker *w);

int64_t now_ms(void);   /* monotonic milliseconds */

#endif
