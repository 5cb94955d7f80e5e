/* The device API: check-in, confirm, report, enrollment, and the
 * authentication of every device request (core's ota_device_authenticate
 * over the credentials server/credential.c reads): the device's own token
 * (X-Device-Token) or, where the product allows it, its product's device
 * key (X-Device-Key), checked against the product and device the request
 * is about: the body's for a check-in, the job's for confirm and report
 * (a token speaks only for its own device and that device's jobs). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "otad.h"
#include "credential.h"

/* ---------------------------------------------------------- group commit */
/* Check-ins that arrive together share one transaction: whoever finds no
 * batch running takes every waiting check-in, runs them inside one
 * ota_engine_batch and wakes their threads after the commit.  A check-in is
 * answered only once its batch is committed; if the commit fails, every
 * check-in of the batch gets that error.  A first check-in writes (its job),
 * and one commit per check-in was most of its cost.  Check-ins that write
 * nothing never come here (h_checkin). */
struct gc_item {
    const ota_checkin_req *q;
    ota_job_offer *o;
    ota_err e;
    int rc;
    bool done;
    pthread_cond_t cv;         /* its thread waits here: no thundering herd */
    struct gc_item *next;
};
static pthread_mutex_t gc_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gc_item *gc_head, **gc_tail = &gc_head;
static bool gc_busy;

static void gc_run(ota_engine *eng, struct gc_item *batch)
{
    if (!batch->next) {  /* alone: no batch needed */
        batch->rc = ota_checkin(eng, batch->q, batch->o, &batch->e);
        return;
    }
    ota_err be;
    ota_err_clear(&be);
    bool grouped = ota_engine_batch_begin(eng, &be) == 0;
    for (struct gc_item *it = batch; it; it = it->next)
        it->rc = ota_checkin(eng, it->q, it->o, &it->e);
    if (grouped && ota_engine_batch_end(eng, &be) < 0)
        for (struct gc_item *it = batch; it; it = it->next)
            if (it->rc == 0) {
                it->rc = -1;
                it->e = be;
                it->o->has_job = false;
            }
}

static int checkin_grouped(ota_engine *eng, const ota_checkin_req *q, ota_job_offer *o, ota_err *e)
{
    struct gc_item me = {.q = q, .o = o, .rc = -1};
    pthread_cond_init(&me.cv, NULL);
    pthread_mutex_lock(&gc_mu);
    *gc_tail = &me;
    gc_tail = &me.next;
    while (!me.done) {
        if (gc_busy) {
            pthread_cond_wait(&me.cv, &gc_mu);
            continue;
        }
        gc_busy = true;
        struct gc_item *batch = gc_head;
        gc_head = NULL;
        gc_tail = &gc_head;
        pthread_mutex_unlock(&gc_mu);
        gc_run(eng, batch);
        pthread_mutex_lock(&gc_mu);
        for (struct gc_item *it = batch, *next; it; it = next) {
            next = it->next;  /* read before done: the owner may return at once */
            it->done = true;
            if (it != &me)
                pthread_cond_signal(&it->cv);
        }
        gc_busy = false;
        if (gc_head)  /* the first in line leads the next batch */
            pthread_cond_signal(&gc_head->cv);
    }
    pthread_mutex_unlock(&gc_mu);
    pthread_cond_destroy(&me.cv);
    if (me.rc < 0)
        *e = me.e;
    return me.rc;
}

/* ------------------------------------------------- pool mode: committer */
/* In the pool a check-in that writes does not wait on its pool thread: the
 * connection is suspended (MHD_suspend_connection) and the check-in
 * queued; one committer thread takes everything queued, runs it as one
 * batch, encodes each answer, and resumes the connections, whose handler
 * is then called again and answers (checkin_finish).  The pool threads go
 * on serving meanwhile, and a batch holds every check-in that arrived
 * during the last one, not just one per pool thread.  Nothing is answered
 * before its batch is committed.
 *
 * A batch holds the engine until it is committed, so while one runs
 * (cm_busy) a pool thread does not wait for the engine to authenticate a
 * check-in and try it read-only: it queues the check-in with its
 * credential as read, and the committer authenticates it and runs it in
 * the next batch (read-only when it writes nothing).  perf on
 * bench/http.sh's first check-ins (issue 20) showed the pool threads
 * asleep on the engine lock behind each batch, then each reading its
 * device from SQLite outside any transaction (file-lock system calls per
 * statement) before handing it over; inside the batch's transaction those
 * reads take no lock.  For the same reason a pool thread queues every
 * check-in this way while most recent check-ins wrote (write_share: a
 * fleet's first check-ins after a plan's activation): it would only read
 * the device and hand it over.  Devices polling with nothing new, the usual
 * traffic, keep the share low and are answered on their pool thread. */
struct pending_checkin {
    ota_checkin_req q;
    struct MHD_Connection *conn;
    int rc;
    bool has_job, rate_limited;
    bool auth_here;            /* authenticated by the committer (cred), not the pool thread */
    bool auth_ok, wrote;       /* auth_here: it passed; the check-in wrote */
    otad_cred cred;            /* auth_here: as read from the headers (wiped once used) */
    ota_err e;
    char *text;
    size_t len;
    struct pending_checkin *next;
};
static pthread_mutex_t cm_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cm_cv = PTHREAD_COND_INITIALIZER;
static struct pending_checkin *cm_head, **cm_tail = &cm_head;
static bool cm_running, cm_stop;
static atomic_bool cm_busy;    /* a batch is running (holds the engine) */
/* The share of recent check-ins that wrote, out of WRITE_ONE (a moving
 * average over about 16; updated without a lock: a lost update only
 * delays it). */
#define WRITE_ONE 4096u
static atomic_uint write_share;

static void write_share_note(bool wrote)
{
    unsigned w = atomic_load_explicit(&write_share, memory_order_relaxed);
    atomic_store_explicit(&write_share, w - w / 16 + (wrote ? WRITE_ONE / 16 : 0), memory_order_relaxed);
}
static pthread_t cm_thread;

/* A check-in queued with its credential: authenticated here, then tried
 * read-only (most write nothing); *wrote when it needs the write. */
static int committer_auth_checkin(ota_engine *eng, struct pending_checkin *p, ota_job_offer *o)
{
    int rc = ota_device_authenticate(eng, p->q.product, p->q.device, p->cred.key, p->cred.token, NULL, &p->e);
    if (rc < 0)
        cred_err_field(&p->cred, &p->e);
    memset(&p->cred, 0, sizeof p->cred);
    if (rc < 0)
        return -1;
    p->auth_ok = true;
    rc = ota_checkin_readonly(eng, &p->q, o, &p->e);
    write_share_note(rc == OTA_CHECKIN_WOULD_WRITE);
    if (rc != OTA_CHECKIN_WOULD_WRITE)
        return rc;
    p->wrote = true;
    o->has_job = false;
    o->ncomponents = 0;
    return ota_checkin(eng, &p->q, o, &p->e);
}

static void committer_run(ota_engine *eng, struct pending_checkin *batch, ota_job_offer *o)
{
    ota_err be;
    ota_err_clear(&be);
    bool grouped = batch->next && ota_engine_batch_begin(eng, &be) == 0;
    for (struct pending_checkin *p = batch; p; p = p->next) {
        o->has_job = false;
        o->ncomponents = 0;
        p->rc = p->auth_here ? committer_auth_checkin(eng, p, o) : ota_checkin(eng, &p->q, o, &p->e);
        if (p->rc == 0) {
            p->has_job = o->has_job;
            p->rate_limited = o->rate_limited && !o->has_job;
            if (!(p->text = ota_offer_text(o, &p->len)))
                p->rc = ota_fail(&p->e, OTA_E_INTERNAL, NULL, "out of memory encoding the answer");
        }
    }
    if (grouped && ota_engine_batch_end(eng, &be) < 0)
        for (struct pending_checkin *p = batch; p; p = p->next)
            if (p->rc == 0) {
                free(p->text);
                p->text = NULL;
                p->rc = -1;
                p->e = be;
            }
}

static void *committer_main(void *arg)
{
    otad *srv = arg;
    pthread_setname_np(pthread_self(), "otad-commit");  /* its own name in top -H and perf */
    ota_job_offer *o = calloc(1, sizeof *o);  /* reused by every batch */
    pthread_mutex_lock(&cm_mu);
    for (;;) {
        while (!cm_head && !cm_stop)
            pthread_cond_wait(&cm_cv, &cm_mu);
        if (!cm_head)
            break;
        struct pending_checkin *batch = cm_head;
        cm_head = NULL;
        cm_tail = &cm_head;
        atomic_store(&cm_busy, true);
        pthread_mutex_unlock(&cm_mu);
        if (o) {
            committer_run(srv->eng, batch, o);
        } else {
            for (struct pending_checkin *p = batch; p; p = p->next)
                p->rc = ota_fail(&p->e, OTA_E_INTERNAL, NULL, "out of memory");
        }
        atomic_store(&cm_busy, false);
        for (struct pending_checkin *p = batch, *next; p; p = next) {
            next = p->next;  /* p belongs to its request: untouched once resumed */
            MHD_resume_connection(p->conn);
        }
        pthread_mutex_lock(&cm_mu);
    }
    pthread_mutex_unlock(&cm_mu);
    ota_job_offer_free(o);
    free(o);
    return NULL;
}

int checkin_committer_start(otad *srv)
{
    pthread_mutex_lock(&cm_mu);
    cm_stop = false;
    int rc = pthread_create(&cm_thread, NULL, committer_main, srv) == 0 ? 0 : -1;
    cm_running = rc == 0;
    pthread_mutex_unlock(&cm_mu);
    return rc;
}

void checkin_committer_stop(void)
{
    pthread_mutex_lock(&cm_mu);
    bool was = cm_running;
    cm_running = false;  /* later check-ins take the blocking path */
    cm_stop = true;
    pthread_cond_signal(&cm_cv);
    pthread_mutex_unlock(&cm_mu);
    if (was)
        pthread_join(cm_thread, NULL);
}

void checkin_pending_free(req *r)
{
    if (r->pending) {
        memset(&r->pending->cred, 0, sizeof r->pending->cred);
        free(r->pending->text);
        free(r->pending);
        r->pending = NULL;
    }
}

/* Queues the check-in and suspends the connection; false when the
 * committer is not running (thread per connection, or stopping).  cred:
 * not authenticated yet, the committer does it with these. */
static bool checkin_defer(req *r, const ota_checkin_req *q, const otad_cred *cred)
{
    struct pending_checkin *p = malloc(sizeof *p);
    if (!p)
        return false;
    p->q = *q;
    p->conn = r->conn;
    p->text = NULL;
    p->next = NULL;
    p->auth_here = cred != NULL;
    p->auth_ok = p->wrote = false;
    if (cred)
        p->cred = *cred;
    pthread_mutex_lock(&cm_mu);
    if (!cm_running) {
        pthread_mutex_unlock(&cm_mu);
        memset(p, 0, sizeof *p);
        free(p);
        return false;
    }
    r->pending = p;
    MHD_suspend_connection(r->conn);  /* before the committer can resume it */
    *cm_tail = p;
    cm_tail = &p->next;
    pthread_cond_signal(&cm_cv);
    pthread_mutex_unlock(&cm_mu);
    return true;
}

/* The handler's second call, after the committer resumed the connection. */
static MHD_RESULT_T checkin_finish(req *r)
{
    struct pending_checkin *p = r->pending;
    MHD_RESULT_T ret;
    if (p->auth_here && p->auth_ok) {  /* counted as the pool thread counts its own */
        snprintf(r->who, sizeof r->who, "device:%s", p->q.product);
        atomic_fetch_add(&r->srv->m.checkins, 1);
        if (p->wrote)
            atomic_fetch_add(&r->srv->m.checkin_writes, 1);
    }
    if (p->rc < 0) {
        ret = reply_error(r, &p->e);
    } else {
        if (p->has_job)
            atomic_fetch_add(&r->srv->m.checkin_offers, 1);
        if (p->rate_limited)
            atomic_fetch_add(&r->srv->m.rate_limited, 1);
        ret = reply_json_text(r, 200, p->text, p->len);
        p->text = NULL;  /* taken */
    }
    checkin_pending_free(r);
    return ret;
}

/* ---------------------------------------------------------------- auth */
static int cred_read(req *r, otad_cred *c, ota_err *e)
{
    return cred_from_headers(req_header(r, "X-Device-Key"), req_header(r, "X-Device-Token"), c, e);
}

int device_authenticate(req *r, const char *product, const char *device, ota_err *e)
{
    otad_cred c;
    if (cred_read(r, &c, e) < 0)
        return -1;
    if (ota_device_authenticate(r->srv->eng, product, device, c.key, c.token, NULL, e) < 0) {
        cred_err_field(&c, e);
        return -1;
    }
    snprintf(r->who, sizeof r->who, "device:%s", product);
    return 0;
}

/* Credentials that name no product: a device token (its device's product,
 * written to product; *by_token set), or the device key of some product
 * whose devices may use it (product_key mode). */
static int auth_any(req *r, char *product, bool *by_token, ota_err *e)
{
    otad_cred c;
    if (cred_read(r, &c, e) < 0)
        return -1;
    ota_engine *eng = r->srv->eng;
    *by_token = c.token[0] != 0;
    if (c.token[0]) {
        char dev[OTA_DEVICE_ID_MAX + 1];
        ota_device d;
        if (ota_device_authenticate(eng, NULL, NULL, NULL, c.token, dev, e) < 0) {
            cred_err_field(&c, e);
            return -1;
        }
        if (ota_device_get(eng, dev, &d, e) < 0)
            return -1;
        snprintf(product, OTA_KEY_MAX + 1, "%s", d.product);
        return 0;
    }
    if (!c.key[0])
        return ota_fail(e, OTA_E_UNAUTHORIZED, "X-Device-Token", "send the device's token (X-Device-Token) or its"
                        " product's device key (X-Device-Key)");
    ota_product_list l;
    if (ota_product_list_all(eng, &l, e) < 0)
        return -1;
    int rc = ota_fail(e, OTA_E_UNAUTHORIZED, "X-Device-Key", "unknown device key");
    for (size_t i = 0; i < l.n && rc < 0; i++) {
        ota_err pe;
        if (ota_device_authenticate(eng, l.items[i].key, NULL, c.key, NULL, NULL, &pe) == 0) {
            snprintf(product, OTA_KEY_MAX + 1, "%s", l.items[i].key);
            rc = 0;
        } else if (strcmp(pe.field, "product_key")) {  /* the key of a product that wants tokens */
            *e = pe;
            cred_err_field(&c, e);
        }
    }
    ota_product_list_free(&l);
    return rc;
}

/* Downloads (GET /packages/{id}/files/{name}) by a device: any product's
 * device key where the product allows it, or a device token when a plan of
 * its device's product uses the package. */
int device_download_auth(req *r, ota_err *e)
{
    char product[OTA_KEY_MAX + 1];
    int64_t pkg;
    bool by_token;
    if (auth_any(r, product, &by_token, e) < 0)
        return -1;
    if (by_token && (req_param_id(r, 0, &pkg, e) < 0 || !ota_ddi_package_of_product(r->srv->eng, product, pkg)))
        return ota_fail(e, OTA_E_FORBIDDEN, "X-Device-Token", "no plan of the device's product %s uses package %s",
                        product, r->params[0]);
    snprintf(r->who, sizeof r->who, "device:%s", product);
    return 0;
}

/* POST /api/v1/device/enroll: the product key (X-Device-Key) and
 * {"product","device"} -> 201 {"product","device","token"}. */
MHD_RESULT_T h_enroll(req *r)
{
    ota_err e;
    otad_cred c;
    char product[OTA_KEY_MAX + 1], device[OTA_DEVICE_ID_MAX + 1], tok[OTA_DEVICE_TOKEN_LEN + 1];
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    int rc = ota_enroll_from_json(j, product, device, &e);
    json_decref(j);
    if (rc < 0 || cred_read(r, &c, &e) < 0)
        return reply_error(r, &e);
    snprintf(r->who, sizeof r->who, "device:%s", product);
    ota_actor_set(r->who);  /* the audit row's actor: the enrolling product's devices */
    rc = ota_device_enroll(r->srv->eng, product, device, c.key, tok, &e);
    ota_actor_set(NULL);
    if (rc < 0) {
        cred_err_field(&c, &e);
        return reply_error(r, &e);
    }
    MHD_RESULT_T ret = reply_json(r, 201, ota_json_device_token(product, device, tok));
    memset(tok, 0, sizeof tok);
    return ret;
}

MHD_RESULT_T h_checkin(req *r)
{
    if (r->pending)
        return checkin_finish(r);
    ota_err e;
    ota_checkin_req c;
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    memset(&c, 0, sizeof c);
    int rc = ota_checkin_from_json(j, &c, &e);
    json_decref(j);
    if (rc < 0)
        return reply_error(r, &e);
    /* a batch holds the engine, or it would likely write: the committer authenticates it */
    if (atomic_load(&cm_busy) || atomic_load_explicit(&write_share, memory_order_relaxed) > WRITE_ONE / 2) {
        otad_cred cred;
        if (cred_read(r, &cred, &e) < 0)
            return reply_error(r, &e);
        bool queued = checkin_defer(r, &c, &cred);
        memset(&cred, 0, sizeof cred);
        if (queued)
            return MHD_YES;  /* answered when its batch is committed */
    }
    if (device_authenticate(r, c.product, c.device, &e) < 0)
        return reply_error(r, &e);
    /* The offer's components are allocated for what it holds (a job's
     * components only) and freed once the answer is encoded. */
    ota_job_offer offer = {0}, *o = &offer;
    atomic_fetch_add(&r->srv->m.checkins, 1);
    /* Most check-ins write nothing (a device polling with nothing new):
     * answered at once, outside the group commit; only a check-in that
     * writes waits for a batch. */
    rc = ota_checkin_readonly(r->srv->eng, &c, o, &e);
    write_share_note(rc == OTA_CHECKIN_WOULD_WRITE);
    if (rc == OTA_CHECKIN_WOULD_WRITE) {
        atomic_fetch_add(&r->srv->m.checkin_writes, 1);
        if (checkin_defer(r, &c, NULL)) {
            ota_job_offer_free(o);
            return MHD_YES;  /* answered when its batch is committed */
        }
        rc = checkin_grouped(r->srv->eng, &c, o, &e);
    }
    if (rc < 0) {
        ota_job_offer_free(o);
        return reply_error(r, &e);
    }
    if (o->has_job)
        atomic_fetch_add(&r->srv->m.checkin_offers, 1);
    else if (o->rate_limited)
        atomic_fetch_add(&r->srv->m.rate_limited, 1);
    size_t n;
    char *text = ota_offer_text(o, &n);
    ota_job_offer_free(o);
    if (!text)
        return reply_fail(r, OTA_E_INTERNAL, NULL, "out of memory encoding the answer");
    return reply_json_text(r, 200, text, n);
}

/* Body of confirm/report (an empty body is {}): the codec reads it; its
 * optional "device" names the device (then the job must be that device's). */
static json_t *job_body(req *r, ota_err *e)
{
    if (r->body_len)
        return ota_json_parse(r->body, r->body_len, e);
    json_t *j = json_object();
    if (!j)
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    return j;
}

/* Checks the credentials against the job's product and device (core's
 * ota_device_authenticate_job: a token speaks only for its device's jobs);
 * fills job. */
static int job_auth(req *r, int64_t *job, ota_err *e)
{
    otad_cred c;
    if (req_param_id(r, 0, job, e) < 0 || cred_read(r, &c, e) < 0)
        return -1;
    char product[OTA_KEY_MAX + 1];
    if (ota_device_authenticate_job(r->srv->eng, *job, c.key, c.token, product, NULL, e) == 0) {
        snprintf(r->who, sizeof r->who, "device:%s", product);
        return 0;
    }
    cred_err_field(&c, e);
    if (e->code == OTA_E_NOT_FOUND && !strcmp(e->field, "job")) {
        /* Unknown job: say so only to a caller holding a valid credential. */
        bool by_token;
        ota_err ae;
        if (auth_any(r, product, &by_token, &ae) < 0)
            *e = ae;
    }
    return -1;
}

static MHD_RESULT_T reply_job(req *r, int64_t job)
{
    ota_err e;
    ota_job_row row;
    int64_t plan_id;
    if (ota_job_get(r->srv->eng, job, &plan_id, &row, &e) < 0)
        return reply_error(r, &e);
    json_t *j = ota_json_job_row(&row);
    json_object_set_new(j, "id", json_integer(job));
    json_object_set_new(j, "plan_id", json_integer(plan_id));
    return reply_json(r, 200, j);
}

MHD_RESULT_T h_job_confirm(req *r)
{
    ota_err e;
    int64_t job;
    ota_job_req q;
    if (job_auth(r, &job, &e) < 0)
        return reply_error(r, &e);
    json_t *j = job_body(r, &e);
    int rc = -1;
    if (j && ota_job_confirm_from_json(j, &q, &e) == 0)
        rc = ota_job_confirm(r->srv->eng, job, q.device, &e);
    json_decref(j);
    if (rc < 0)
        return reply_error(r, &e);
    return reply_job(r, job);
}

MHD_RESULT_T h_job_report(req *r)
{
    ota_err e;
    int64_t job;
    ota_job_req q;
    if (job_auth(r, &job, &e) < 0)
        return reply_error(r, &e);
    json_t *j = job_body(r, &e);
    int rc = -1;
    if (j && ota_job_report_from_json(j, &q, &e) == 0)
        rc = ota_job_report(r->srv->eng, job, q.device, q.state, q.progress, q.error, &e);
    json_decref(j);
    if (rc < 0)
        return reply_error(r, &e);
    return reply_job(r, job);
}
