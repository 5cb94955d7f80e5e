/* Device reports (ota_job_report: downloading, installing, succeeded,
 * failed and its retry), confirmations (ota_job_confirm) and one job's row
 * (ota_job_get).  Which report a job takes is core/lifecycle.c's rule. */
#include "rollout.h"

/* The job, which must be device's (device NULL: the caller is trusted). */
static int job_load(ota_engine *eng, int64_t job, const char *device, store_job_ref *j, ota_err *e)
{
    if (store_job_ref_get(eng, job, j, e) < 0)
        return -1;
    if (device && strcmp(device, j->device))
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "job", "job %lld belongs to another device",
                        (long long)job);
    return 0;
}

/* A device starts downloading: only while its plan offers; the plan's
 * first download turns it from active to upgrading. */
static int start_download(ota_engine *eng, struct rplan *p, const store_job_ref *j, int progress, int64_t now,
                          ota_err *e)
{
    if (rollout_job_write(eng, p, j->wave, j->id, j->device, j->state, OTA_JOB_DOWNLOADING, OTA_ELIGIBLE,
                          progress < 0 ? 0 : progress, -1, NULL, now, e) < 0)
        return -1;
    if (!p->oldest_start) {  /* the clock's timeout deadline: the oldest start in flight */
        p->oldest_start = now;
        struct ota_rollout *r = eng->rollout;
        int64_t d = rollout_plan_deadline(p);
        if (r && d < r->next_deadline)
            r->next_deadline = d;
    }
    if (p->state == OTA_PLAN_ACTIVE) {  /* the event follows the job's that caused it */
        if (store_rollout_plan_state(eng, p->id, OTA_PLAN_ACTIVE, OTA_PLAN_UPGRADING, now, e) < 0)
            return -1;
        p->state = OTA_PLAN_UPGRADING;
    }
    return 0;
}

/* Succeeded: the device now runs the plan's versions. */
static int record_versions(ota_engine *eng, struct ota_rollout *r, const struct rplan *p, const store_job_ref *j,
                           ota_err *e)
{
    for (size_t i = 0; i < p->ncomps; i++)
        if (store_fleet_version_set(eng, j->dev, p->comps[i].component, p->comps[i].version, e) < 0)
            return -1;
    struct rdev *d = devtab_find(&r->devs, j->device, rollout_hash(j->device, strlen(j->device)));
    if (d && !(d->vs = rollout_versions_read(eng, r, j->dev, e)))
        return -1;
    return 0;
}

static int report_write(ota_engine *eng, struct ota_rollout *r, struct rplan *p, const store_job_ref *j,
                        ota_job_state to, int progress, const char *error, int64_t now,
                        ota_job_state *final_state, ota_err *e)
{
    *final_state = to;
    if (j->state == to)  /* a progress update */
        return rollout_job_write(eng, p, j->wave, j->id, j->device, to, to, OTA_ELIGIBLE, progress, -1, NULL, now, e);
    switch (to) {
    case OTA_JOB_DOWNLOADING:
        return start_download(eng, p, j, progress, now, e);
    case OTA_JOB_INSTALLING:
        return rollout_job_write(eng, p, j->wave, j->id, j->device, j->state, to, OTA_ELIGIBLE,
                                 progress < 0 ? 0 : progress, -1, NULL, now, e);
    case OTA_JOB_SUCCEEDED:
        if (rollout_job_write(eng, p, j->wave, j->id, j->device, j->state, to, OTA_ELIGIBLE, 100, -1, NULL, now, e) < 0)
            return -1;
        return record_versions(eng, r, p, j, e);
    default:
        return rollout_job_fail(eng, p, j, error && *error ? error : "failed", false, now, final_state, e);
    }
}

int rollout_job_fail(ota_engine *eng, struct rplan *p, const store_job_ref *j, const char *error, bool timeout,
                     int64_t now, ota_job_state *final_state, ota_err *e)
{
    *final_state = OTA_JOB_FAILED;
    if (rollout_job_write(eng, p, j->wave, j->id, j->device, j->state, OTA_JOB_FAILED, OTA_ELIGIBLE, -1, -1, error,
                          now, e) < 0)
        return -1;
    if (!ota_plan_is_live(p->state) || j->attempt > p->retries) {  /* failed for good */
        if (timeout && store_job_reason_word(eng, j->id, OTA_REASON_TIMEOUT, e) < 0)
            return -1;
        return rollout_brake_check(eng, p, now, e);
    }
    /* retried while the plan can still offer it again */
    *final_state = OTA_JOB_PENDING;
    if (rollout_job_write(eng, p, j->wave, j->id, j->device, OTA_JOB_FAILED, OTA_JOB_PENDING, OTA_ELIGIBLE, 0,
                          j->attempt + 1, NULL, now, e) < 0)
        return -1;
    int64_t at = ota_retry_at(now, p->retry_interval);
    return at ? store_job_retry_at(eng, j->id, at, e) : 0;
}

static int report_locked(ota_engine *eng, struct ota_rollout *r, int64_t job, const char *device, ota_job_state to,
                         int progress, const char *error, ota_err *e)
{
    store_job_ref j;
    if (rollout_tick_run(eng, r, false, e) < 0 || job_load(eng, job, device, &j, e) < 0)
        return -1;
    struct rplan *p = rollout_plan_find(r, j.plan);
    bool ok = ota_job_report_allowed(j.state, to);
    if (!ok && to == OTA_JOB_DOWNLOADING && j.state == OTA_JOB_AWAITING_CONFIRMATION)
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state",
                        "cannot report downloading for a job that is awaiting_confirmation: confirm it first");
    if (!ok || !p)
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot report %s for a job that is %s",
                        ota_job_state_str(to), ota_job_state_str(j.state));
    if (to == OTA_JOB_DOWNLOADING && j.state == OTA_JOB_OFFERED && !ota_plan_is_offering(p->state))
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot start downloading: plan %lld is %s",
                        (long long)p->id, ota_plan_state_str(p->state));
    int64_t now = ota_engine_now(eng);
    ota_job_state final_state;
    if (store_tx_begin_light(eng, e) < 0)
        return -1;
    if (report_write(eng, r, p, &j, to, progress, error, now, &final_state, e) < 0) {
        store_tx_rollback(eng, e);
        return -1;
    }
    if (store_tx_commit(eng, e) < 0)
        return -1;
    struct jslot *s = jobtab_find(&p->jobs, j.dev);
    if (s) {
        s->state = (uint8_t)final_state;
        s->reason = OTA_ELIGIBLE;
        s->retry_after = final_state == OTA_JOB_PENDING ? rollout_retry_after(p, ota_retry_at(now, p->retry_interval)) : 0;
    }
    return 0;
}

int ota_job_report(ota_engine *eng, int64_t job, const char *device, ota_job_state to, int progress,
                   const char *error_text, ota_err *e)
{
    if (!ota_job_is_reportable(to))
        return ota_fail(e, OTA_E_BAD_REQUEST, "state",
                        "must be downloading, installing, succeeded or failed (got %s)", ota_job_state_str(to));
    if (progress > 100)
        return ota_fail(e, OTA_E_VALIDATION, "progress", "must be between 0 and 100 (got %d)", progress);
    if (error_text && strlen(error_text) > 255)
        return ota_fail(e, OTA_E_VALIDATION, "error", "at most 255 bytes (got %zu)", strlen(error_text));
    if (error_text && !ota_utf8_valid(error_text, strlen(error_text)))
        return ota_fail(e, OTA_E_VALIDATION, "error", "is not valid UTF-8");
    ENGINE_LOCK(eng);
    struct ota_rollout *r = rollout_enter(eng, e);
    int rc = r ? report_locked(eng, r, job, device, to, progress, error_text, e) : -1;
    rollout_leave(eng, r);
    ENGINE_UNLOCK(eng);
    return rc;
}

/* Confirm mode: the device's user accepted; the job starts downloading. */
static int confirm_locked(ota_engine *eng, struct ota_rollout *r, int64_t job, const char *device, ota_err *e)
{
    store_job_ref j;
    if (rollout_tick_run(eng, r, false, e) < 0 || job_load(eng, job, device, &j, e) < 0)
        return -1;
    struct rplan *p = rollout_plan_find(r, j.plan);
    if (j.state != OTA_JOB_AWAITING_CONFIRMATION || !p)
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot confirm a job that is %s",
                        ota_job_state_str(j.state));
    if (!ota_plan_is_offering(p->state))
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot start downloading: plan %lld is %s",
                        (long long)p->id, ota_plan_state_str(p->state));
    if (store_tx_begin_light(eng, e) < 0)
        return -1;
    if (start_download(eng, p, &j, 0, ota_engine_now(eng), e) < 0) {
        store_tx_rollback(eng, e);
        return -1;
    }
    if (store_tx_commit(eng, e) < 0)
        return -1;
    struct jslot *s = jobtab_find(&p->jobs, j.dev);
    if (s)
        s->state = OTA_JOB_DOWNLOADING;
    return 0;
}

int ota_job_confirm(ota_engine *eng, int64_t job, const char *device, ota_err *e)
{
    ENGINE_LOCK(eng);
    struct ota_rollout *r = rollout_enter(eng, e);
    int rc = r ? confirm_locked(eng, r, job, device, e) : -1;
    rollout_leave(eng, r);
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_job_get(ota_engine *eng, int64_t job, int64_t *plan_out, ota_job_row *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = ota_engine_tick(eng, e);
    if (rc == 0)
        rc = store_job_row_get(eng, job, plan_out, out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}
