/* The check-in caches filled from the store after a start, a slice at a
 * time (ota_engine_warm_step; issue 20): right after a restart at a
 * million devices, every check-in missed the caches (a device row, its
 * versions and its job read from SQLite) and ran at a twentieth of the
 * warm speed until the whole fleet had checked in once.  A warm-up thread
 * (otad's) calls this until the fleet is read; each call takes the engine
 * for one slice of devices in dev order, read in one snapshot with three
 * range scans (the devices, their versions, their jobs in every cached
 * plan), so check-ins go on between slices.  Nothing depends on it being
 * done: a device not warmed yet is read as before, one already cached (a
 * check-in read or wrote it first) is left as it is, and the caches'
 * coherence (rollout.h) drops warmed entries like any others. */
#include "rollout.h"

#include <stdlib.h>
#include <time.h>

#define WARM_SLICE 1000          /* devices per slice in ota_engine_warm: a few ms of the engine */
#define WARM_PAUSE_NS 200000L    /* between slices: waiting check-ins take the engine first */

struct wrow {
    store_fleet_device row;
    char id[OTA_DEVICE_ID_MAX + 1];
    uint64_t h;
    bool cached;      /* a check-in cached it first: left alone */
};

struct warm {
    ota_engine *eng;
    struct ota_rollout *r;
    struct wrow *rows;
    int n, cap, at;   /* rows read; the row the versions scan is at */
    ota_version v[OTA_MAX_COMPONENTS];
    size_t nv;
};

static int warm_row(void *ctx, const store_fleet_device *row, const char *id, ota_err *e)
{
    (void)e;
    struct warm *w = ctx;
    struct wrow *x = &w->rows[w->n++];
    x->row = *row;
    snprintf(x->id, sizeof x->id, "%s", id);
    x->h = rollout_hash(x->id, strlen(x->id));
    x->cached = devtab_find(&w->r->devs, x->id, x->h) != NULL;
    return 0;  /* the walk's LIMIT is w->cap */
}

/* Row w->at is complete (its versions collected): into the cache. */
static int warm_flush(struct warm *w, ota_err *e)
{
    struct wrow *x = &w->rows[w->at++];
    size_t nv = w->nv;
    w->nv = 0;
    if (x->cached)
        return 0;
    const struct vset *vs = rollout_vset_intern(&w->r->vsets, w->v, nv);
    if (!vs)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    return rollout_device_cache(w->eng, w->r, &x->row, x->id, x->h, vs, e) ? 0 : -1;
}

static int warm_version(void *ctx, int64_t dev, const char *component, const char *version, ota_err *e)
{
    struct warm *w = ctx;
    while (w->at < w->n && w->rows[w->at].row.dev < dev)
        if (warm_flush(w, e) < 0)
            return -1;
    if (w->at < w->n && w->rows[w->at].row.dev == dev && w->nv < OTA_MAX_COMPONENTS) {
        snprintf(w->v[w->nv].component, sizeof w->v[w->nv].component, "%s", component ? component : "");
        snprintf(w->v[w->nv].version, sizeof w->v[w->nv].version, "%s", version ? version : "");
        w->nv++;
    }
    return 0;
}

static int warm_job(void *ctx, const store_fleet_job *j, ota_err *e)
{
    struct rplan *p = ctx;
    if (jobtab_find(&p->jobs, j->dev))
        return 0;
    struct jslot *s = rollout_jobtab_put(&p->jobs, j->dev);
    if (!s)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    rollout_slot_set(p, s, 1, j->job, j->state, j->reason, j->wave, j->retry_at);
    return 0;
}

/* The slice, inside the snapshot: rows, versions, jobs. */
static int warm_slice(struct warm *w, int64_t after, ota_err *e)
{
    if (rollout_plans_load(w->eng, w->r, e) < 0)
        return -1;
    int rc = store_fleet_devices_after(w->eng, after, w->cap, warm_row, w, e);
    if (rc < 0 || w->n == 0)
        return rc < 0 ? -1 : 0;
    int64_t lo = w->rows[0].row.dev, hi = w->rows[w->n - 1].row.dev;
    if (store_fleet_versions_between(w->eng, lo, hi, warm_version, w, e) != 0)
        return -1;
    while (w->at < w->n)
        if (warm_flush(w, e) < 0)
            return -1;
    for (size_t i = 0; i < w->r->nplans; i++)
        if (store_fleet_jobs_between(w->eng, w->r->plans[i]->id, lo, hi, warm_job, w->r->plans[i], e) != 0)
            return -1;
    return w->n;
}

int ota_engine_warm_step(ota_engine *eng, int64_t *cursor, int max, ota_err *e)
{
    if (max < 1)
        return ota_fail(e, OTA_E_VALIDATION, "max", "must be at least 1 (got %d)", max);
    struct warm w = {.eng = eng, .cap = max, .rows = malloc(sizeof(struct wrow) * (size_t)max)};
    if (!w.rows)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    ENGINE_LOCK(eng);
    int n = -1;
    if ((w.r = rollout_enter(eng, e))) {
        if (store_snapshot_begin(eng, e) == 0) {
            n = warm_slice(&w, *cursor, e);
            store_snapshot_end(eng);
        }
        rollout_leave(eng, w.r);
    }
    if (n > 0)
        *cursor = w.rows[n - 1].row.dev;
    ENGINE_UNLOCK(eng);
    free(w.rows);
    return n;
}

long ota_engine_warm(ota_engine *eng, bool (*stop)(void *ctx), void *ctx, ota_err *e)
{
    int64_t cursor = 0;
    long devices = 0;
    int n;
    while (!(stop && stop(ctx)) && (n = ota_engine_warm_step(eng, &cursor, WARM_SLICE, e)) > 0) {
        devices += n;
        /* An unlocked mutex goes to whoever asks next, usually the thread
         * that just let it go: pause so check-ins waiting get it. */
        struct timespec ts = {0, WARM_PAUSE_NS};
        nanosleep(&ts, NULL);
    }
    return n < 0 ? -1 : devices;
}
