/* Staged rollouts' waves (API.md "Additions"): deterministic membership by
 * a keyed hash of (plan id, device id), the per-wave thresholds fixed at
 * activation, the counters kept in the same transaction as the job rows,
 * the success threshold's time, auto advance at the clock and
 * ota_plan_advance.  The rules are core/lifecycle.c's (ota_wave_*). */
#include "rollout.h"

#include <sodium.h>
#include <stdlib.h>

/* The project's fixed key: membership is the same on every instance.
 * (libsodium is initialised when the rollout's caches are first made,
 * rollout_enter_x.) */
static const unsigned char wave_key[crypto_shorthash_KEYBYTES] = {
    'o', 't', 'a', 'c', 'o', 'n', 's', 'o', 'l', 'e', '-', 'w', 'a', 'v', 'e', 's',
};

uint64_t rollout_wave_hash(int64_t plan, const char *device)
{
    unsigned char buf[8 + OTA_DEVICE_ID_MAX + 1], out[crypto_shorthash_BYTES];
    size_t n = strnlen(device, OTA_DEVICE_ID_MAX + 1);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)plan >> (8 * i));
    memcpy(buf + 8, device, n);
    crypto_shorthash(out, buf, 8 + n, wave_key);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h |= (uint64_t)out[i] << (8 * i);
    return h;
}

static int wave_index(const store_wave *w, size_t n, uint64_t h)
{
    for (size_t k = 0; k < n; k++)
        if (h < w[k].threshold)
            return (int)k;
    return n ? (int)n - 1 : 0;
}

int rollout_wave_of(const struct rplan *p, uint64_t h)
{
    return p->has_rollout ? wave_index(p->waves, p->nwaves, h) : 0;
}

/* ---------------------------------------------------------- activation */
struct targets {
    int64_t plan;
    int64_t *dev;
    uint64_t *h;
    size_t n, cap;
};

static int target_add(void *ctx, int64_t dev, const char *device_id, ota_err *e)
{
    struct targets *t = ctx;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        int64_t *d = realloc(t->dev, cap * sizeof *d);
        if (d)
            t->dev = d;
        uint64_t *h = d ? realloc(t->h, cap * sizeof *h) : NULL;
        if (!h)
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        t->h = h;
        t->cap = cap;
    }
    t->dev[t->n] = dev;
    t->h[t->n++] = rollout_wave_hash(t->plan, device_id);
    return 0;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Wave k's threshold is the hash of the first device beyond its
 * cumulative size: exactly that many devices hash below it. */
static int thresholds(const ota_rollout *ro, const struct targets *t, store_wave *w, ota_err *e)
{
    uint64_t *sorted = malloc((t->n ? t->n : 1) * sizeof *sorted);
    if (!sorted)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    if (t->n) {  /* no targeted device: nothing to copy or sort (t->h is NULL) */
        memcpy(sorted, t->h, t->n * sizeof *sorted);
        qsort(sorted, t->n, sizeof *sorted, u64_cmp);
    }
    for (size_t k = 0; k < ro->nwaves; k++) {
        long c = ota_wave_size_devices(&ro->waves[k], (long)t->n);
        w[k].threshold = k + 1 == ro->nwaves || (size_t)c >= t->n ? UINT64_MAX : sorted[c];
    }
    free(sorted);
    return 0;
}

int64_t rollout_waves_activate(ota_engine *eng, const ota_plan *pl, int64_t now, ota_err *e)
{
    struct targets t = {.plan = pl->id};
    store_wave w[OTA_MAX_WAVES];
    memset(w, 0, sizeof w);
    int64_t rc = -1;
    if (store_plan_targets(eng, pl->id, pl->product, target_add, &t, e) != 0 ||
        thresholds(&pl->rollout, &t, w, e) < 0)
        goto out;
    for (size_t i = 0; i < t.n; i++) {
        int k = wave_index(w, pl->rollout.nwaves, t.h[i]);
        if (store_job_create(eng, pl->id, t.dev[i], k, now, e) < 0)
            goto out;
        w[k].devices++;
    }
    bool met = ota_wave_success_met(w[0].devices, 0, pl->rollout.success_threshold);
    if (store_waves_create(eng, pl->id, w, pl->rollout.nwaves, e) < 0 ||
        store_plan_wave_set(eng, pl->id, 0, met ? now : 0, e) < 0)
        goto out;
    rc = (int64_t)t.n;
out:
    free(t.dev);
    free(t.h);
    return rc;
}

int rollout_waves_load(ota_engine *eng, struct rplan *p, ota_err *e)
{
    if (!p->has_rollout)
        return 0;
    return store_waves_read(eng, p->id, p->waves, OTA_MAX_WAVES, &p->nwaves, &p->current_wave,
                            &p->wave_reached_at, e);
}

/* ------------------------------------------------------------ counters */
static bool open_met(const struct rplan *p)
{
    long devices = 0, succeeded = 0;
    for (int k = 0; k <= p->current_wave && (size_t)k < p->nwaves; k++) {
        devices += p->waves[k].devices;
        succeeded += p->waves[k].succeeded;
    }
    return ota_wave_success_met(devices, succeeded, p->rollout.success_threshold);
}

int64_t rollout_wave_deadline(const struct rplan *p)
{
    if (!p->has_rollout || !ota_plan_is_offering(p->state))
        return INT64_MAX;
    return ota_wave_advance_at(&p->rollout, p->current_wave, p->nwaves, p->wave_reached_at);
}

/* The open waves just met the success threshold: note when (the soak
 * starts) and tell the clock. */
static int wave_check(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e)
{
    if (p->wave_reached_at || !p->nwaves || !open_met(p))
        return 0;
    if (store_plan_wave_set(eng, p->id, p->current_wave, now, e) < 0)
        return -1;
    p->wave_reached_at = now;
    struct ota_rollout *r = eng->rollout;
    int64_t d = rollout_wave_deadline(p);
    if (r && d < r->next_deadline)
        r->next_deadline = d;
    return 0;
}

int rollout_wave_moved(ota_engine *eng, struct rplan *p, int wave, ota_job_state from, ota_job_state to,
                       int64_t now, ota_err *e)
{
    if (!p->has_rollout || wave < 0 || (size_t)wave >= p->nwaves)
        return 0;
    long ds = (to == OTA_JOB_SUCCEEDED) - (from == OTA_JOB_SUCCEEDED);
    long df = (to == OTA_JOB_FAILED) - (from == OTA_JOB_FAILED);
    if (!ds && !df)
        return 0;
    if (store_wave_add(eng, p->id, wave, 0, ds, df, e) < 0)
        return -1;
    p->waves[wave].succeeded += ds;
    p->waves[wave].failed += df;
    return wave_check(eng, p, now, e);
}

int rollout_wave_joined(ota_engine *eng, struct rplan *p, int wave, ota_err *e)
{
    if (!p->has_rollout || wave < 0 || (size_t)wave >= p->nwaves)
        return 0;
    if (store_wave_add(eng, p->id, wave, 1, 0, 0, e) < 0)
        return -1;
    p->waves[wave].devices++;
    return 0;
}

/* ------------------------------------------------------------- advance */
static int open_next(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e)
{
    if (store_plan_wave_set(eng, p->id, p->current_wave + 1, 0, e) < 0)
        return -1;
    p->current_wave++;
    p->wave_reached_at = 0;
    return wave_check(eng, p, now, e);
}

int rollout_waves_tick(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e)
{
    /* bounded by the waves: each pass opens one */
    while (now >= rollout_wave_deadline(p))
        if (open_next(eng, p, now, e) < 0)
            return -1;
    return 0;
}

static int advance_locked(ota_engine *eng, struct ota_rollout *r, int64_t id, int *opened, ota_err *e)
{
    if (rollout_tick_run(eng, r, false, e) < 0)
        return -1;
    ota_plan pl;
    ota_plan_init(&pl);
    if (ota_plan_get(eng, id, &pl, e) < 0)
        return -1;
    ota_plan_state s = pl.state;
    ota_plan_free(&pl);
    if (rollout_plans_load(eng, r, e) < 0)
        return -1;
    struct rplan *p = rollout_plan_find(r, id);
    if (!p || !ota_plan_is_offering(p->state))
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot advance a plan that is %s",
                        ota_plan_state_str(s));
    size_t nwaves = p->has_rollout ? p->nwaves : 1;
    if (!ota_wave_can_advance(p->state, p->current_wave, nwaves))
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "rollout.waves",
                        "no wave is left to open: wave %d of %zu is open", p->current_wave + 1, nwaves);
    if (store_tx_begin(eng, e) < 0)
        return -1;
    if (open_next(eng, p, ota_engine_now(eng), e) < 0) {
        store_tx_rollback(eng, e);
        rollout_drop_plans(r);
        return -1;
    }
    if (store_tx_commit(eng, e) < 0) {
        rollout_drop_plans(r);
        return -1;
    }
    *opened = p->current_wave;
    rollout_drop_plans(r);
    return 0;
}

int ota_plan_advance(ota_engine *eng, int64_t id, ota_plan *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int opened = 0;
    struct ota_rollout *r = rollout_enter(eng, e);
    int rc = r ? advance_locked(eng, r, id, &opened, e) : -1;
    rollout_leave(eng, r);
    char detail[48];
    snprintf(detail, sizeof detail, "wave %d opened", opened);
    audit_note(eng, "plan.advance", rc, e, detail, "plan:%lld", (long long)id);
    if (rc == 0 && out)
        rc = ota_plan_get(eng, id, out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}
