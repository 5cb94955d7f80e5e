/* The rollout's writes that keep jobs, counters and events together (a
 * job's move, the bulk moves of terminate, end and timeout), and the
 * clock: plans whose window ended end, in-flight jobs past their timeout
 * fail, auto advance opens waves (rollout_tick_run, ota_engine_tick). */
#include "rollout.h"

#include <stdio.h>
#include <stdlib.h>

int rollout_job_write(ota_engine *eng, struct rplan *p, int wave, int64_t job, const char *device, ota_job_state from,
                      ota_job_state to, ota_defer reason, int progress, int attempt, const char *error,
                      int64_t now, ota_err *e)
{
    return rollout_job_write_prev(eng, p, wave, job, device, from, to, reason, progress, attempt, error, NULL, now, e);
}

int rollout_job_write_prev(ota_engine *eng, struct rplan *p, int wave, int64_t job, const char *device,
                           ota_job_state from, ota_job_state to, ota_defer reason, int progress, int attempt,
                           const char *error, const char *prev, int64_t now, ota_err *e)
{
    if (store_job_update(eng, job, to, reason, progress, attempt, error, prev, now, e) < 0)
        return -1;
    if (from == to)
        return 0;
    if (store_counts_move(eng, p->id, from, to, e) < 0 || rollout_wave_moved(eng, p, wave, from, to, now, e) < 0)
        return -1;
    return store_event_add(eng, p->id, device, ota_job_state_str(from), ota_job_state_str(to), now, e);
}

int rollout_jobs_bulk_move(ota_engine *eng, int64_t plan, ota_job_state lo, ota_job_state hi,
                           ota_job_state to, const char *error, int64_t now, ota_err *e)
{
    int64_t moved = store_jobs_move_all(eng, plan, lo, hi, to, error, now, e);
    if (moved < 0 || store_counts_clear(eng, plan, lo, hi, e) < 0 || (moved > 0 && store_waves_recount(eng, plan, e) < 0))
        return -1;
    return store_counts_add(eng, plan, to, moved, e);
}

int rollout_timeouts_run(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e)
{
    if (!ota_plan_is_live(p->state) || !ota_job_timed_out(p->oldest_start, p->job_timeout, now))
        return 0;
    store_job_ref *jobs;
    size_t n;
    if (store_jobs_started_before(eng, p->id, now - p->job_timeout, &jobs, &n, e) < 0)
        return -1;
    int rc = 0;
    char error[96];
    snprintf(error, sizeof error, "%s: still in flight %llds after it started", OTA_REASON_TIMEOUT,
             (long long)p->job_timeout);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ota_job_state final_state;
        rc = rollout_job_fail(eng, p, &jobs[i], error, true, now, &final_state, e);
    }
    free(jobs);
    return rc;
}

/* Cheap when nothing is due (one compare). */
int rollout_tick_run(ota_engine *eng, struct ota_rollout *r, bool readonly, ota_err *e)
{
    if (rollout_plans_load(eng, r, e) < 0)
        return -1;
    int64_t now = ota_engine_now(eng);
    if (now < r->next_deadline)
        return 0;
    if (readonly)
        return OTA_CHECKIN_WOULD_WRITE;  /* something is due: it may write */
    if (store_tx_begin(eng, e) < 0)
        return -1;
    /* under the write lock: act on current plans only */
    if (store_watch_check(eng, &r->watch, 0) & (STORE_MOVED_OTHERS | STORE_MOVED_ROLLBACK)) {
        rollout_drop_all(r);
        if (rollout_plans_load(eng, r, e) < 0) {
            store_tx_rollback(eng, e);
            return -1;
        }
    }
    for (size_t i = 0; i < r->nplans; i++) {
        struct rplan *p = r->plans[i];
        if (ota_plan_is_live(p->state) && now >= p->wend) {
            if (store_rollout_plan_state(eng, p->id, p->state, OTA_PLAN_ENDED, now, e) < 0 ||
                rollout_jobs_bulk_move(eng, p->id, OTA_JOB_PENDING, OTA_JOB_AWAITING_CONFIRMATION,
                                       OTA_JOB_EXPIRED, NULL, now, e) < 0)
                goto fail;
            p->state = OTA_PLAN_ENDED;
        }
        if (rollout_waves_tick(eng, p, now, e) < 0 || rollout_timeouts_run(eng, p, now, e) < 0)
            goto fail;
        if (p->state == OTA_PLAN_ENDED && now >= rollout_plan_deadline(p) &&
            rollout_jobs_bulk_move(eng, p->id, OTA_JOB_DOWNLOADING, OTA_JOB_INSTALLING, OTA_JOB_FAILED,
                                   "timed out: still in flight after the plan ended", now, e) < 0)
            goto fail;
    }
    if (store_tx_commit(eng, e) < 0)
        return -1;
    rollout_drop_plans(r);
    return rollout_plans_load(eng, r, e);
fail:
    store_tx_rollback(eng, e);
    return -1;
}

int ota_engine_tick(ota_engine *eng, ota_err *e)
{
    ENGINE_LOCK(eng);
    struct ota_rollout *r = rollout_enter(eng, e);
    int rc = r ? rollout_tick_run(eng, r, false, e) : -1;
    rollout_leave(eng, r);
    ENGINE_UNLOCK(eng);
    return rc;
}
