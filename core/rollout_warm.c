/* The check-in caches filled from the store after a start, a slice at a
 * time (ota_engine_warm_step; issue 20): right after a restart at a
 * million devices, every check-in missed the caches (a device row, its
 * versions and its job read from SQLite) and ran at a twentieth of the
 * warm speed until the whole fleet had checked in once.  A warm-up thread
 * (otad's) calls this until the fleet is read; each call takes the engine
 * for one slice of devices in dev order, with their versions and their jobs
 * in every cached plan, read in one snapshot, so check-ins go on between
 * slices.  Nothing depends on it being done: a device not warmed yet is
 * read as before, one already cached (a check-in read or wrote it first)
 * is left as it is, and the caches' coherence (rollout.h) drops warmed
 * entries like any others. */
#include "rollout.h"

struct warm {
    ota_engine *eng;
    struct ota_rollout *r;
    int64_t lo, hi;   /* the slice's first and last dev */
};

static int warm_device(void *ctx, const store_fleet_device *row, const char *id, ota_err *e)
{
    struct warm *w = ctx;
    if (!w->lo)
        w->lo = row->dev;
    w->hi = row->dev;
    uint64_t h = rollout_hash(id, strlen(id));
    if (devtab_find(&w->r->devs, id, h))
        return 0;
    return rollout_device_cache(w->eng, w->r, row, id, h, e) ? 0 : -1;
}

struct warm_plan {
    struct rplan *p;
};

static int warm_job(void *ctx, const store_fleet_job *j, ota_err *e)
{
    struct rplan *p = ((struct warm_plan *)ctx)->p;
    if (jobtab_find(&p->jobs, j->dev))
        return 0;
    struct jslot *s = rollout_jobtab_put(&p->jobs, j->dev);
    if (!s)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    rollout_slot_set(p, s, 1, j->job, j->state, j->reason, j->wave, j->retry_at);
    return 0;
}

int ota_engine_warm_step(ota_engine *eng, int64_t *cursor, int max, ota_err *e)
{
    if (max < 1)
        return ota_fail(e, OTA_E_VALIDATION, "max", "must be at least 1 (got %d)", max);
    ENGINE_LOCK(eng);
    int n = -1;
    struct ota_rollout *r = rollout_enter(eng, e);
    if (!r)
        goto out;
    if (store_snapshot_begin(eng, e) < 0)
        goto leave;
    struct warm w = {.eng = eng, .r = r};
    if (rollout_plans_load(eng, r, e) == 0 && (n = store_fleet_devices_after(eng, *cursor, max, warm_device, &w, e)) > 0) {
        for (size_t i = 0; i < r->nplans && n > 0; i++) {
            struct warm_plan wp = {r->plans[i]};
            if (store_fleet_jobs_between(eng, wp.p->id, w.lo, w.hi, warm_job, &wp, e) != 0)
                n = -1;
        }
        if (n > 0)
            *cursor = w.hi;
    }
    store_snapshot_end(eng);
leave:
    rollout_leave(eng, r);
out:
    ENGINE_UNLOCK(eng);
    return n;
}
