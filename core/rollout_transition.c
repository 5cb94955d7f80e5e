/* Plan transitions (ota_plan_transition): the rules are core/lifecycle.c's;
 * here are activation's prerequisites (validation, window, packages,
 * signatures), activation's jobs and counters, and terminate's take-back
 * of the jobs not yet started. */
#include "rollout.h"

/* Activation prerequisites: the plan validates, its window has not
 * passed, and every package exists, is of its component and verifies. */
static int activation_check(ota_engine *eng, const ota_plan *pl, int64_t now, ota_err *e)
{
    if (ota_validate_plan(pl, e) < 0)
        return -1;
    if (pl->window_end <= now) {
        char buf[32];
        return ota_fail(e, OTA_E_VALIDATION, "window.end", "the window ended at %s: nothing could be upgraded",
                        ota_time_format(pl->window_end, buf, sizeof buf));
    }
    for (size_t i = 0; i < pl->ncomponents; i++) {
        const ota_plan_component *c = &pl->components[i];
        ota_package pkg;
        ota_err pe = {0};
        if (ota_package_get(eng, c->package_id, &pkg, &pe) < 0)
            return ota_fail(e, OTA_E_VALIDATION, "components", "component %s: package %lld %s",
                            c->component, (long long)c->package_id,
                            pe.code == OTA_E_NOT_FOUND ? "does not exist" : pe.message);
        if (strcmp(pkg.meta.component, c->component))
            return ota_fail(e, OTA_E_VALIDATION, "components",
                            "component %s: package %lld is a package of component %s",
                            c->component, (long long)c->package_id, pkg.meta.component);
        ota_verify_result vr;
        if (ota_package_verify(eng, c->package_id, &vr, &pe) < 0)
            return ota_fail(e, pe.code, "components", "component %s: package %lld: %s", c->component,
                            (long long)c->package_id, pe.message);
        if (!vr.ok) {
            const char *bad = "?", *why = "";
            for (size_t k = 0; k < vr.nfiles; k++)
                if (!vr.files[k].ok) {
                    bad = vr.files[k].name;
                    why = vr.files[k].error;
                    break;
                }
            return ota_fail(e, OTA_E_VALIDATION, "components",
                            "component %s: package %lld does not verify: file %s: %s", c->component,
                            (long long)c->package_id, bad, why);
        }
    }
    return sign_check_plan(eng, pl, e);  /* sign.c: the plan's required_signatures */
}

/* saved -> active: one pending job per device of the product that the
 * lists let through (blacklist wins); devices registered later get their
 * job at their first check-in. */
static int activate_write(ota_engine *eng, const ota_plan *pl, int64_t now, ota_err *e)
{
    if (store_rollout_plan_state(eng, pl->id, OTA_PLAN_SAVED, OTA_PLAN_ACTIVE, now, e) < 0 ||
        store_counts_create(eng, pl->id, e) < 0)
        return -1;
    int64_t created = pl->has_rollout ? rollout_waves_activate(eng, pl, now, e)
                                      : store_jobs_create_for_plan(eng, pl->id, pl->product, now, e);
    return created < 0 ? -1 : store_counts_add(eng, pl->id, OTA_JOB_PENDING, created, e);
}

static int transition_locked(ota_engine *eng, struct ota_rollout *r, int64_t id, ota_action a, ota_err *e)
{
    if (rollout_tick_run(eng, r, false, e) < 0)
        return -1;
    ota_plan pl;
    ota_plan_init(&pl);
    if (ota_plan_get(eng, id, &pl, e) < 0)
        return -1;
    int64_t now = ota_engine_now(eng);
    ota_plan_state s = pl.state, to = ota_plan_action_target(s, pl.paused_from, a);
    int rc = -1;
    if ((unsigned)a > OTA_ACT_TERMINATE) {
        ota_fail(e, OTA_E_BAD_REQUEST, "action", "unknown action %d", (int)a);
        goto out;
    }
    if (to == OTA_PLAN__COUNT) {
        ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot %s a plan that is %s", ota_action_str(a),
                 ota_plan_state_str(s));
        goto out;
    }
    if (a == OTA_ACT_ACTIVATE && activation_check(eng, &pl, now, e) < 0)
        goto out;
    if (store_tx_begin(eng, e) < 0)
        goto out;
    int w = a == OTA_ACT_ACTIVATE ? activate_write(eng, &pl, now, e)
                                  : store_rollout_plan_state(eng, id, s, to, now, e);
    if (w == 0 && a == OTA_ACT_RESUME)  /* the brake's reason goes; it trips again at the next failure */
        w = store_plan_set_paused_reason(eng, id, "", e);
    if (w == 0 && a == OTA_ACT_TERMINATE)
        w = rollout_jobs_bulk_move(eng, id, OTA_JOB_PENDING, OTA_JOB_AWAITING_CONFIRMATION, OTA_JOB_FAILED,
                                   "plan terminated", now, e);
    if (w < 0) {
        store_tx_rollback(eng, e);
        goto out;
    }
    if (store_tx_commit(eng, e) < 0)
        goto out;
    rollout_drop_plans(r);
    rc = 0;
out:
    ota_plan_free(&pl);
    return rc;
}

int ota_plan_transition(ota_engine *eng, int64_t id, ota_action a, ota_plan *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    struct ota_rollout *r = rollout_enter(eng, e);
    int rc = r ? transition_locked(eng, r, id, a, e) : -1;
    rollout_leave(eng, r);
    audit_plan_action(eng, id, a, rc, e);
    if (rc == 0 && out)
        rc = ota_plan_get(eng, id, out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}
