/* The async request queue: results arrive through the pipe in order, a
 * cancelled request's result is dropped (and its arg freed), and the loop
 * thread is never blocked by a slow request.  The closures are gated by a
 * condition variable instead of sleeps, so the test is deterministic. */
#include "async.h"
#include "../tap.h"

#include <poll.h>
#include <pthread.h>

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int freed;

typedef struct job { int in, out; bool gated; } job;

static int run_job(ota_backend *b, void *arg, ota_err *e)
{
    (void)b;
    job *j = arg;
    if (j->gated) {
        pthread_mutex_lock(&gate_mu);
        while (!gate_open)
            pthread_cond_wait(&gate_cv, &gate_mu);
        pthread_mutex_unlock(&gate_mu);
    }
    if (j->in < 0)
        return ota_fail(e, OTA_E_VALIDATION, "in", "negative (got %d)", j->in);
    j->out = j->in * 2;
    return 0;
}

static void free_job(void *arg)
{
    __atomic_add_fetch(&freed, 1, __ATOMIC_SEQ_CST);
    free(arg);
}

static job *job_new(int in, bool gated)
{
    job *j = calloc(1, sizeof *j);
    j->in = in;
    j->gated = gated;
    return j;
}

static void gate(bool open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static bool readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1;
}

int main(void)
{
    ota_async *a = ota_async_new(NULL);
    ok(a != NULL, "queue with a worker");
    int fd = ota_async_fd(a);
    ok(!readable(fd, 0), "nothing to read at first");

    /* A slow request does not block submission or the loop. */
    gate(false);
    ota_async_submit(a, 1, run_job, job_new(1, true), free_job);
    ota_async_submit(a, 2, run_job, job_new(2, false), free_job);
    ota_async_submit(a, 3, run_job, job_new(-3, false), free_job);
    ok(!readable(fd, 0), "first request still running: no result yet");
    is_int(ota_async_pending(a), 3, "three pending");
    ok(ota_async_cancel(a, 2), "cancel a queued request");
    is_int(freed, 1, "its arg freed at once");
    gate(true);

    ok(readable(fd, 5000), "pipe readable once a result waits");
    ota_async_result r;
    int got = 0;
    uint64_t ids[4] = {0};
    while (got < 2 && readable(fd, 5000))
        while (got < 2 && ota_async_take(a, &r)) {
            ids[got++] = r.id;
            job *j = r.arg;
            if (r.id == 1) {
                is_int(r.rc, 0, "request 1 ok");
                is_int(j->out, 2, "request 1 computed");
            } else {
                is_int(r.rc, -1, "request 3 failed");
                is_int(r.err.code, OTA_E_VALIDATION, "its error travels unchanged");
                is_str(r.err.field, "in", "with its field");
            }
            free(j);
        }
    is_int(got, 2, "two results");
    is_int(ids[0], 1, "in submission order: 1");
    is_int(ids[1], 3, "then 3 (2 was cancelled)");
    ok(!ota_async_take(a, &r), "nothing more");
    ok(!readable(fd, 0), "pipe drained when the last result is taken");

    /* Cancel while running: the result never shows up. */
    gate(false);
    ota_async_submit(a, 7, run_job, job_new(7, true), free_job);
    ota_async_submit(a, 8, run_job, job_new(8, false), free_job);
    /* Wait until 7 is running: pending counts running + queued. */
    ok(ota_async_cancel(a, 7), "cancel request 7 (running or queued)");
    gate(true);
    ok(readable(fd, 5000), "request 8 arrives");
    ok(ota_async_take(a, &r) && r.id == 8, "only 8 is delivered");
    free(r.arg);
    ok(!ota_async_take(a, &r), "7 was dropped");
    is_int(freed, 2, "7's arg freed by the queue");
    ok(!ota_async_cancel(a, 99), "cancel of an unknown id says so");

    /* Free with work queued: everything released, the worker joined. */
    gate(false);
    ota_async_submit(a, 10, run_job, job_new(10, true), free_job);
    ota_async_submit(a, 11, run_job, job_new(11, false), free_job);
    gate(true);
    ota_async_free(a);
    ok(freed >= 3, "queued args released at free (%d)", freed);
    return tap_done();
}
