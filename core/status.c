/* status.c: what a plan looks like from outside — targeting preview,
 * counts per job state, job rows by state, and the event feed.
 *
 * Status reads only the plan, its counts per job state (kept by the
 * rollout in the same transaction as every job change) and the newest
 * event's seq, so a refresh costs the same on 100 or 1,000,000 devices.
 * Device rows page by (state, job id); events page by seq.  The reads are
 * the store's (core/store/status.c). */
#include "internal.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- preview */
/* Reasons are exclusive, in the order the engine applies them:
 * blacklisted, not whitelisted, then the eligibility rule check-ins use
 * (ota_eligibility): version mismatch; of the targeted, devices already at
 * every target need nothing and are never deferred, the others are
 * deferred by rsrp first, then battery.  The preview counts targeting as
 * it stands: the window, maintenance windows, the rate limit and other
 * plans' jobs (busy) are not asked (they depend on the moment). */
struct pv {
    const store_preview_plan *plan;
    uint32_t all, diff;            /* bit k: the plan has component k / it is a diff */
    ota_eligibility_facts facts;   /* the plan's part, filled once */
    ota_preview *out;
};

static void pv_count(void *arg, const store_preview_device *d)
{
    struct pv *v = arg;
    ota_preview *out = v->out;
    if (d->blacklisted) {
        out->blacklisted++;
        return;
    }
    if (v->plan->has_white && !d->whitelisted) {
        out->not_whitelisted++;
        return;
    }
    ota_eligibility_facts f = v->facts;
    f.version_mismatch = v->diff & ~(d->at_target | d->at_source);
    f.up_to_date = (d->at_target & v->all) == v->all;
    f.has_rsrp = d->has_rsrp;
    f.rsrp = d->rsrp;
    f.has_battery = d->has_battery;
    f.battery = d->battery;
    ota_defer why = ota_eligibility(&f);
    if (why == OTA_DEFER_VERSION) {
        out->version_mismatch++;
        return;
    }
    out->targeted++;
    if (why == OTA_DEFER_RSRP)
        out->deferred_rsrp++;
    else if (why == OTA_DEFER_BATTERY)
        out->deferred_battery++;
}

static int pv_run(ota_engine *eng, int64_t id, store_preview_plan *p, ota_preview *out, ota_err *e)
{
    if (store_preview_plan_get(eng, id, p, e) < 0)
        return -1;
    struct pv v = {.plan = p, .out = out};
    v.all = p->ncomps >= 32 ? UINT32_MAX : (1u << p->ncomps) - 1;
    for (size_t k = 0; k < p->ncomps; k++)
        if (p->comps[k].diff)
            v.diff |= 1u << k;
    /* now = window_start = 0 (the window is not asked), busy false */
    v.facts.min_rsrp = p->min_rsrp;
    v.facts.min_battery = p->min_battery;
    return store_preview_devices(eng, id, p, pv_count, &v, e);
}

/* The waves of a plan with a rollout: each one's own share of the targeted. */
static int pv_waves(ota_engine *eng, int64_t id, ota_preview *out, ota_err *e)
{
    ota_plan pl;
    if (store_plan_get(eng, id, &pl, false, e) < 0)
        return -1;
    int rc = 0;
    if (pl.has_rollout) {
        long dev[OTA_MAX_WAVES];
        out->nwaves = pl.rollout.nwaves;
        ota_wave_devices(pl.rollout.waves, pl.rollout.nwaves, out->targeted, dev);
        /* activated: the waves as the engine holds them */
        store_wave w[OTA_MAX_WAVES];
        size_t n;
        int current;
        int64_t reached;
        rc = store_waves_read(eng, id, w, OTA_MAX_WAVES, &n, &current, &reached, e);
        for (size_t i = 0; rc == 0 && i < out->nwaves; i++)
            out->waves[i] = (ota_wave_count){pl.rollout.waves[i], n == out->nwaves ? w[i].devices : dev[i]};
    }
    ota_plan_free(&pl);
    return rc;
}

/* A staged plan's waves in its status: the stored counters, each wave's
 * state by core/lifecycle.c's rule; and why the engine paused it. */
static int status_waves(ota_engine *eng, int64_t id, ota_plan_status *out, ota_err *e)
{
    ota_plan pl;
    if (store_plan_get(eng, id, &pl, false, e) < 0)
        return -1;
    memcpy(out->paused_reason, pl.paused_reason, sizeof out->paused_reason);
    int rc = 0;
    if (pl.has_rollout) {
        store_wave w[OTA_MAX_WAVES];
        size_t n;
        int64_t reached;
        rc = store_waves_read(eng, id, w, OTA_MAX_WAVES, &n, &out->current_wave, &reached, e);
        out->nwaves = pl.rollout.nwaves;
        int64_t at = n ? ota_wave_advance_at(&pl.rollout, out->current_wave, out->nwaves, reached) : INT64_MAX;
        out->next_wave_at = at == INT64_MAX ? 0 : at;
        for (size_t k = 0; rc == 0 && k < out->nwaves; k++) {
            struct ota_wave_status *ws = &out->waves[k];
            ws->size = pl.rollout.waves[k];
            ws->state = n ? ota_wave_state_of(&pl.rollout, (int)k, out->current_wave, out->nwaves, reached) : OTA_WAVE_WAITING;
            if (k < n) {
                ws->devices = w[k].devices;
                ws->succeeded = w[k].succeeded;
                ws->failed = w[k].failed;
            }
        }
    }
    if (rc == 0)  /* rollback drafts of a braked plan (on_failure rollback) */
        rc = store_rollbacks_read(eng, id, out->rollback_plans, OTA_MAX_ROLLBACK_PLANS, &out->nrollback_plans,
                                  &out->rollback_uncovered, e);
    ota_plan_free(&pl);
    return rc;
}

int ota_plan_preview(ota_engine *eng, int64_t id, ota_preview *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    store_preview_plan p;
    ENGINE_LOCK(eng);
    /* one read snapshot: the passes see the same state of the store
     * (inside an open transaction, that transaction's) */
    int rc = store_snapshot_begin(eng, e);
    if (rc == 0) {
        rc = pv_run(eng, id, &p, out, e);
        if (rc == 0)
            rc = pv_waves(eng, id, out, e);
        store_snapshot_end(eng);
    }
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ----------------------------------------------------------------- status */
int ota_plan_status_get(ota_engine *eng, int64_t id, ota_plan_status *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ENGINE_LOCK(eng);
    int rc = ota_engine_tick(eng, e) < 0 || store_status_get(eng, id, out, e) < 0 ||
             status_waves(eng, id, out, e) < 0 ? -1 : 0;
    ENGINE_UNLOCK(eng);
    return rc;
}

/* ------------------------------------------------------------ device rows */
/* Cursor "STATE.JOBID": the last row shown. */
static int cursor_parse(const char *c, int *state, int64_t *job, ota_err *e)
{
    *state = -1;
    *job = 0;
    if (!c[0])
        return 0;
    char *end;
    long s = strtol(c, &end, 10);
    if (*end == '.') {
        long long j = strtoll(end + 1, &end, 10);
        if (!*end && s >= 0 && s < OTA_JOB__COUNT && j > 0) {
            *state = (int)s;
            *job = j;
            return 0;
        }
    }
    return ota_fail(e, OTA_E_BAD_REQUEST, "cursor", "is not a cursor this server issued");
}

int ota_plan_devices(ota_engine *eng, int64_t plan, int state, const ota_page_req *pg, ota_job_page *out,
                     ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req req = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&req, e) < 0)
        return -1;
    if (state >= OTA_JOB__COUNT)
        return ota_fail(e, OTA_E_BAD_REQUEST, "state", "unknown job state %d", state);
    int cstate;
    int64_t cjob;
    if (cursor_parse(req.cursor, &cstate, &cjob, e) < 0)
        return -1;
    if (!(out->items = calloc((size_t)req.limit, sizeof *out->items)))
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    ENGINE_LOCK(eng);
    bool more = false;
    int rc = ota_engine_tick(eng, e) < 0 || store_status_plan_check(eng, plan, e) < 0 ||
             store_status_jobs(eng, plan, state, cstate, cjob, req.limit, out->items, &out->n, &more, e) < 0
                 ? -1 : 0;
    ENGINE_UNLOCK(eng);
    if (rc < 0) {
        ota_job_page_free(out);
        return -1;
    }
    if (more) {
        const ota_job_row *last = &out->items[out->n - 1];
        snprintf(out->next_cursor, sizeof out->next_cursor, "%d.%lld", (int)last->state,
                 (long long)last->job_id);
    }
    return 0;
}

void ota_job_page_free(ota_job_page *p)
{
    if (!p)
        return;
    free(p->items);
    memset(p, 0, sizeof *p);
}

/* ----------------------------------------------------------------- events */
int ota_plan_events(ota_engine *eng, int64_t plan, int64_t since, int limit, ota_event_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (since < 0)
        return ota_fail(e, OTA_E_BAD_REQUEST, "since", "must be 0 or a sequence number (got %lld)",
                        (long long)since);
    if (limit == 0)
        limit = OTA_LIST_MAX;
    if (limit < 1 || limit > OTA_LIST_MAX)
        return ota_fail(e, OTA_E_BAD_REQUEST, "limit", "must be between 1 and %d (got %d)", OTA_LIST_MAX, limit);
    if (!(out->items = calloc((size_t)limit, sizeof *out->items)))
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    out->last_seq = since;
    ENGINE_LOCK(eng);
    int rc = ota_engine_tick(eng, e) < 0 || store_status_plan_check(eng, plan, e) < 0 ||
             store_status_events(eng, plan, since, limit, out->items, &out->n, e) < 0 ? -1 : 0;
    ENGINE_UNLOCK(eng);
    if (rc < 0) {
        ota_event_page_free(out);
        return -1;
    }
    if (out->n > 0)
        out->last_seq = out->items[out->n - 1].seq;
    return 0;
}

void ota_event_page_free(ota_event_page *p)
{
    if (!p)
        return;
    free(p->items);
    memset(p, 0, sizeof *p);
}
