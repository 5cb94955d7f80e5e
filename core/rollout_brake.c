/* The staged rollout's failure brake (API.md "Additions"): when the open
 * waves' failed share passes failure_threshold after min_finished devices
 * finished, the engine pauses the plan (paused_reason failure_threshold),
 * terminates it, or terminates it and saves rollback drafts; an event and
 * an audit row record it.  Evaluated when a job fails for good, from the
 * maintained wave counters: never a scan. */
#include "rollout.h"

#include <stdio.h>

static int brake_pause(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e)
{
    if (store_rollout_plan_state(eng, p->id, p->state, OTA_PLAN_PAUSED, now, e) < 0 ||
        store_plan_set_paused_reason(eng, p->id, OTA_PAUSED_FAILURE_THRESHOLD, e) < 0)
        return -1;
    p->paused_from = p->state;
    p->state = OTA_PLAN_PAUSED;
    snprintf(p->paused_reason, sizeof p->paused_reason, "%s", OTA_PAUSED_FAILURE_THRESHOLD);
    return 0;
}

static int brake_terminate(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e)
{
    if (store_rollout_plan_state(eng, p->id, p->state, OTA_PLAN_TERMINATED, now, e) < 0 ||
        rollout_jobs_bulk_move(eng, p->id, OTA_JOB_PENDING, OTA_JOB_AWAITING_CONFIRMATION, OTA_JOB_FAILED,
                               "plan terminated: the failure threshold was passed", now, e) < 0)
        return -1;
    p->state = OTA_PLAN_TERMINATED;
    return p->rollout.on_failure == OTA_ON_FAILURE_ROLLBACK ? rollout_rollback_drafts(eng, p, e) : 0;
}

int rollout_brake_check(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e)
{
    if (!p->has_rollout || !p->nwaves || !ota_plan_is_offering(p->state))
        return 0;
    long finished = 0, failed = 0;
    for (int k = 0; k <= p->current_wave && (size_t)k < p->nwaves; k++) {
        finished += p->waves[k].succeeded + p->waves[k].failed;
        failed += p->waves[k].failed;
    }
    if (!ota_brake_trips(&p->rollout, finished, failed))
        return 0;
    ota_on_failure how = p->rollout.on_failure;
    int rc = how == OTA_ON_FAILURE_PAUSE ? brake_pause(eng, p, now, e) : brake_terminate(eng, p, now, e);
    if (rc < 0)
        return -1;
    /* jobs moved in bulk, the plan changed: the caches refill at the next call */
    if (eng->rollout)
        eng->rollout->dirty = true;
    char detail[160];
    snprintf(detail, sizeof detail, "failure threshold passed: %ld of %ld finished failed (over %d%%): %s", failed,
             finished, p->rollout.failure_threshold, how == OTA_ON_FAILURE_PAUSE ? "paused" : "terminated");
    audit_engine_plan(eng, "plan.brake", detail, p->id);
    return 0;
}
