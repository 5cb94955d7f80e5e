/* The async request queue: results arrive through the pipe as requests
 * finish, a slow request never holds up the others (a lane keeps its own
 * requests in order), a cancelled request's
 * result is dropped (and its arg freed), and a cancelled request stuck on
 * every worker still leaves a thread for the next one.  The closures are
 * gated by a condition variable instead of sleeps, so the test is
 * deterministic. */
#include "async.h"
#include "../tap.h"

#include <poll.h>
#include <pthread.h>

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int started;   /* gated jobs that reached the gate */
static int freed;

typedef struct job { int in, out; bool gated; } job;

static int run_job(ota_backend *b, void *arg, ota_err *e)
{
    (void)b;
    job *j = arg;
    if (j->gated) {
        pthread_mutex_lock(&gate_mu);
        started++;
        pthread_cond_broadcast(&gate_cv);
        while (!gate_open)
            pthread_cond_wait(&gate_cv, &gate_mu);
        pthread_mutex_unlock(&gate_mu);
    }
    if (j->in < 0)
        return ota_fail(e, OTA_E_VALIDATION, "in", "negative (got %d)", j->in);
    j->out = j->in * 2;
    return 0;
}

/* Until n gated jobs wait at the gate (they are running, not queued). */
static void wait_started(int n)
{
    pthread_mutex_lock(&gate_mu);
    while (started < n)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
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
    ok(a != NULL, "queue with its workers");
    int fd = ota_async_fd(a);
    ok(!readable(fd, 0), "nothing to read at first");
    ota_async_result r;

    /* A slow request does not hold up the next one. */
    gate(false);
    ota_async_submit(a, 1, run_job, job_new(1, true), free_job);
    ota_async_submit(a, 2, run_job, job_new(2, false), free_job);
    ok(readable(fd, 5000), "request 2 answered while request 1 still runs");
    ok(ota_async_take(a, &r) && r.id == 2, "it is request 2");
    is_int(((job *)r.arg)->out, 4, "request 2 computed");
    free(r.arg);
    is_int(ota_async_pending(a), 1, "request 1 still pending");
    gate(true);
    ok(readable(fd, 5000), "request 1 answers once the gate opens");
    ok(ota_async_take(a, &r) && r.id == 1 && r.rc == 0, "request 1 ok");
    free(r.arg);
    ok(!readable(fd, 0), "pipe drained when the last result is taken");

    /* Every worker busy: the rest waits in the queue, a queued request can
     * be cancelled, and cancelling a running one frees a thread for it. */
    gate(false);
    started = 0;
    for (int i = 0; i < OTA_ASYNC_WORKERS; i++)
        ota_async_submit(a, 10 + (uint64_t)i, run_job, job_new(10 + i, true), free_job);
    ota_async_submit(a, 20, run_job, job_new(20, false), free_job);
    ota_async_submit(a, 21, run_job, job_new(-21, false), free_job);
    wait_started(OTA_ASYNC_WORKERS);
    ok(!readable(fd, 0), "every worker held by a slow request: no result yet");
    is_int(ota_async_pending(a), OTA_ASYNC_WORKERS + 2, "all pending");
    ok(ota_async_cancel(a, 20), "cancel a queued request");
    is_int(freed, 1, "its arg freed at once");
    ok(ota_async_cancel(a, 10), "cancel a running request");
    ok(readable(fd, 5000), "the next request runs although every worker is still held");
    ok(ota_async_take(a, &r) && r.id == 21, "it is request 21");
    is_int(r.rc, -1, "request 21 failed");
    is_int(r.err.code, OTA_E_VALIDATION, "its error travels unchanged");
    is_str(r.err.field, "in", "with its field");
    free(r.arg);
    is_int(ota_async_pending(a), OTA_ASYNC_WORKERS - 1, "the cancelled one no longer counts");
    gate(true);
    int got = 0;
    uint64_t seen = 0;
    while (got < OTA_ASYNC_WORKERS - 1 && readable(fd, 5000))
        while (ota_async_take(a, &r)) {
            got++;
            seen |= 1u << (r.id - 10);
            is_int(((job *)r.arg)->out, 2 * (int)r.id, "request %d computed", (int)r.id);
            free(r.arg);
        }
    is_int(got, OTA_ASYNC_WORKERS - 1, "the other slow requests all answer");
    ok(!(seen & 1), "the cancelled one never shows up");
    ok(!ota_async_take(a, &r), "nothing more");
    ok(!ota_async_cancel(a, 99), "cancel of an unknown id says so");

    /* A lane runs its requests one at a time, in order; another lane goes
     * ahead; cancelling the running one of a lane lets the next start. */
    gate(false);
    started = 0;
    ota_async_submit_in(a, 40, 1, run_job, job_new(40, true), free_job);
    ota_async_submit_in(a, 41, 1, run_job, job_new(41, false), free_job);
    ota_async_submit_in(a, 42, 2, run_job, job_new(42, false), free_job);
    wait_started(1);
    ok(readable(fd, 5000), "another lane's request answers while lane 1 is held");
    ok(ota_async_take(a, &r) && r.id == 42, "it is request 42");
    free(r.arg);
    ok(!readable(fd, 0), "lane 1's second request waits for its first");
    is_int(ota_async_pending(a), 2, "both of lane 1 pending");
    ok(ota_async_cancel(a, 40), "cancel lane 1's running request");
    ok(readable(fd, 5000), "the next of lane 1 starts at once");
    ok(ota_async_take(a, &r) && r.id == 41, "it is request 41");
    free(r.arg);
    gate(true);

    /* Free with work queued and running: everything released, the workers
     * joined. */
    gate(false);
    ota_async_submit(a, 30, run_job, job_new(30, true), free_job);
    ota_async_submit(a, 31, run_job, job_new(31, false), free_job);
    gate(true);
    ota_async_free(a);
    is_int(freed, 5, "every arg released: the cancelled ones, and what free found");
    return tap_done();
}
