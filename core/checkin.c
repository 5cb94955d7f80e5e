/* Device check-ins (ota_checkin, ota_checkin_readonly): the device and its
 * telemetry into the caches and the store, its job in each plan of its
 * product, and the decision (core/lifecycle.c's eligibility) of which job
 * to offer.  A check-in that changes nothing never touches the store and
 * allocates nothing. */
#include "rollout.h"

#include <stddef.h>

/* last_seen is coarse: it is written when it moved by LAST_SEEN_STEP
 * seconds or more, or along with any other write to the device row. */
#define LAST_SEEN_STEP 300

/* One check-in's context: the write transaction opens lazily, so a
 * check-in that changes nothing never touches the store. */
struct ctx {
    ota_engine *eng;
    struct ota_rollout *r;
    int64_t now;
    bool tx;        /* the write transaction is open (opened at the first write) */
    bool stale;     /* another connection committed since the caches were read: start over */
    bool readonly;  /* ota_checkin_readonly: the first write stops the check-in instead */
    bool would_write;
};

static int ctx_write(struct ctx *c, ota_err *e)
{
    if (c->tx)
        return 0;
    if (c->readonly) {
        c->would_write = true;
        return ota_fail(e, OTA_E_UNAVAILABLE, NULL, "the check-in needs a write");
    }
    if (store_tx_begin_light(c->eng, e) < 0)
        return -1;
    c->tx = true;
    /* Under the write lock nobody else can commit: are the caches current? */
    if (store_watch_check(c->eng, &c->r->watch, 0) & (STORE_MOVED_OTHERS | STORE_MOVED_ROLLBACK)) {
        c->stale = true;
        c->r->dirty = true;
        return ota_fail(e, OTA_E_UNAVAILABLE, NULL, "the database changed under the check-in; retry");
    }
    return 0;
}

/* ------------------------------------------------------------ devices */
/* The device from the store into the cache; *out NULL when unknown. */
static int device_load(struct ctx *c, const char *id, uint64_t h, struct rdev **out, ota_err *e)
{
    *out = NULL;
    store_fleet_device row;
    int found = store_fleet_device_find(c->eng, id, &row, e);
    if (found <= 0)
        return found;
    return (*out = rollout_device_cache(c->eng, c->r, &row, id, h, NULL, e)) ? 0 : -1;
}

/* Unknown device of a known product: registered with what it reported. */
static struct rdev *device_register(struct ctx *c, const ota_checkin_req *q, int product, uint64_t h,
                                    const struct vset *vs, ota_err *e)
{
    if (ota_validate_device_id(q->device, e) < 0 || ctx_write(c, e) < 0)
        return NULL;
    int64_t dev = store_fleet_device_register(c->eng, q, c->now, e);
    if (dev < 0)
        return NULL;
    struct rdev *d = rollout_device_new(c->r, q->device, h, e);
    if (!d)
        return NULL;
    d->dev = dev;
    d->product = product;
    d->has_rsrp = q->has_rsrp;
    d->rsrp = q->rsrp;
    d->has_battery = q->has_battery;
    d->battery = q->battery;
    d->last_seen = c->now;
    d->vs = vs;
    d->tz_hash = rollout_tz_hash(q->timezone);
    d->tz = rollout_zone(c->r, q->timezone);
    return d;
}

/* The zone it reported, when it is another than the one stored (the
 * cache keeps its hash and the loaded zone, never the name). */
static int device_zone(struct ctx *c, struct rdev *d, const ota_checkin_req *q, ota_err *e)
{
    uint32_t h = rollout_tz_hash(q->timezone);
    if (!h || h == d->tz_hash)
        return 0;
    if (ctx_write(c, e) < 0 || store_gates_device_timezone(c->eng, d->dev, q->timezone, e) < 0)
        return -1;
    d->tz_hash = h;
    d->tz = rollout_zone(c->r, q->timezone);
    return 0;
}

/* Telemetry: written only when it changed (last_seen: see LAST_SEEN_STEP). */
static int device_telemetry(struct ctx *c, struct rdev *d, const ota_checkin_req *q, const struct vset *vs,
                            ota_err *e)
{
    if (device_zone(c, d, q, e) < 0)
        return -1;
    bool vchg = q->nversions > 0 && vs != d->vs;
    bool tchg = (q->has_rsrp && (!d->has_rsrp || d->rsrp != q->rsrp)) ||
                (q->has_battery && (!d->has_battery || d->battery != q->battery));
    bool seen = c->now - d->last_seen >= LAST_SEEN_STEP;
    if (!vchg && !tchg && !seen)
        return 0;
    if (ctx_write(c, e) < 0)
        return -1;
    if (vchg && store_fleet_versions_replace(c->eng, d->dev, q->versions, q->nversions, e) < 0)
        return -1;
    if (q->has_rsrp) {
        d->has_rsrp = true;
        d->rsrp = q->rsrp;
    }
    if (q->has_battery) {
        d->has_battery = true;
        d->battery = q->battery;
    }
    if (store_fleet_telemetry(c->eng, d->dev, d->has_rsrp, d->rsrp, d->has_battery, d->battery, c->now, e) < 0)
        return -1;
    d->last_seen = c->now;
    if (vchg)
        d->vs = vs;
    return 0;
}

/* --------------------------------------------------------------- jobs */
/* The device's job in plan p (cache, else the store). */
static struct jslot *job_slot(struct ctx *c, struct rplan *p, const struct rdev *d, ota_err *e)
{
    struct jslot *s = jobtab_find(&p->jobs, d->dev);
    if (s)
        return s;
    int64_t job = 0;
    ota_job_state state = OTA_JOB_PENDING;
    ota_defer reason = OTA_ELIGIBLE;
    int wave = 0;
    int64_t retry_at = 0;
    int found = store_job_find(c->eng, p->id, d->dev, &job, &state, &reason, &wave, &retry_at, e);
    if (found < 0)
        return NULL;
    if (!(s = rollout_jobtab_put(&p->jobs, d->dev))) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    rollout_slot_set(p, s, found, job, state, reason, wave, retry_at);
    return s;
}

static int job_create(struct ctx *c, struct rplan *p, const struct rdev *d, struct jslot *s, ota_err *e)
{
    if (ctx_write(c, e) < 0)
        return -1;
    /* registered after activation: its hash puts it in a wave, the same way on every instance */
    int wave = p->has_rollout ? rollout_wave_of(p, rollout_wave_hash(p->id, d->id)) : 0;
    int64_t job = store_job_create(c->eng, p->id, d->dev, wave, c->now, e);
    if (job < 0)
        return -1;
    s->job = job;
    s->state = OTA_JOB_PENDING;
    s->reason = OTA_ELIGIBLE;
    s->wave = (uint8_t)wave;
    if (rollout_wave_joined(c->eng, p, wave, e) < 0)
        return -1;
    return store_counts_add(c->eng, p->id, OTA_JOB_PENDING, 1, e);
}

/* The versions of p's components d runs ("component\tversion\n" each), kept
 * on an offered job for rollback drafts; in buf, no allocation. */
static const char *prev_versions(const struct rplan *p, const struct rdev *d, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < p->ncomps && n < len; i++) {
        const char *have = vset_get(d->vs, p->comps[i].component);
        int w = snprintf(buf + n, len - n, "%s\t%s\n", p->comps[i].component, have ? have : "");
        if (w < 0)
            break;
        n += (size_t)w;
    }
    return buf;
}

static int job_move(struct ctx *c, struct rplan *p, struct jslot *s, const struct rdev *d, ota_job_state to,
                    ota_defer reason, ota_err *e)
{
    if (ctx_write(c, e) < 0)
        return -1;
    char buf[OTA_MAX_COMPONENTS * 2 * (OTA_KEY_MAX + 2)];
    const char *prev = to == OTA_JOB_SUCCEEDED ? NULL : prev_versions(p, d, buf, sizeof buf);
    if (rollout_job_write_prev(c->eng, p, s->wave, s->job, d->id, (ota_job_state)s->state, to, reason,
                               to == OTA_JOB_SUCCEEDED ? 100 : -1, -1, NULL, prev, c->now, e) < 0)
        return -1;
    s->state = (uint8_t)to;
    s->reason = (uint8_t)reason;
    return 0;
}

/* ----------------------------------------------------------- decisions */
static bool plan_targets(const struct rplan *p, const struct rdev *d)
{
    if (p->product != d->product || strset_has(&p->black, d->id, d->h))
        return false;
    return !p->has_white || strset_has(&p->white, d->id, d->h);
}

/* Components of p the device still needs (bit i = p->comps[i]); sets
 * *mismatch when a diff component's source is not the device's version. */
static uint32_t plan_needs(const struct rplan *p, const struct rdev *d, bool *mismatch)
{
    uint32_t need = 0;
    *mismatch = false;
    for (size_t i = 0; i < p->ncomps; i++) {
        const ota_offer_component *oc = &p->comps[i];
        const char *have = vset_get(d->vs, oc->component);
        if (have && !strcmp(have, oc->version))
            continue;
        if (oc->kind == OTA_KIND_DIFF && (!have || strcmp(have, oc->source_version)))
            *mismatch = true;
        need |= 1u << i;
    }
    return need;
}

/* ------------------------------------------------------------- gates */
/* Local time at now in UTC (a plan whose zone no longer loads). */
static void utc_local(int64_t now, struct ota_local_time *lt)
{
    int64_t days = now >= 0 ? now / 86400 : -((-now + 86399) / 86400);
    int64_t sec = now - days * 86400;
    *lt = (struct ota_local_time){.weekday = (int)(((days + 3) % 7 + 7) % 7),  /* 1970-01-01: Thursday */
                                  .minute = (int)(sec / 60), .second = (int)(sec % 60), .abbr = "UTC"};
}

/* Is one of p's maintenance windows open for d now?  In d's own zone when
 * the plan says so and d reported a valid one, else in the plan's: one
 * ota_tz_local call. */
static bool maintenance_open(const struct ctx *c, const struct rplan *p, const struct rdev *d)
{
    const ota_tz *tz = p->maintenance.device_timezone && d->tz ? d->tz : p->tz;
    struct ota_local_time lt;
    if (!tz || ota_tz_local(tz, c->now, &lt) < 0)
        utc_local(c->now, &lt);
    return ota_maintenance_open(&p->maintenance, &lt);
}

static bool rate_limited(const struct rplan *p)
{
    return p->has_rollout && p->rollout.max_offers_per_minute > 0;
}

/* One offer token of p's bucket (read and written inside the check-in's
 * write transaction): 1 taken, 0 none left, -1 failure.  Read-only, a
 * cached bucket that is empty even refilled to now answers 0 without the
 * store: other engines on the store only ever spend tokens, so the stored
 * bucket holds no more than the cached one. */
static int rate_take(struct ctx *c, struct rplan *p, ota_err *e)
{
    int64_t rate = p->rollout.max_offers_per_minute;
    if (c->readonly && p->bucket_known) {
        ota_rate_bucket b = p->bucket;
        ota_rate_refill(&b, rate, c->now);
        if (b.units < OTA_RATE_UNITS_PER_OFFER)
            return 0;
    }
    if (ctx_write(c, e) < 0)
        return -1;
    if (!p->bucket_known) {
        if (store_gates_bucket_get(c->eng, p->id, &p->bucket, e) < 0)
            return -1;
        p->bucket_known = true;
    }
    if (!ota_rate_take(&p->bucket, rate, c->now))
        return 0;
    return store_gates_bucket_put(c->eng, p->id, &p->bucket, e) < 0 ? -1 : 1;
}

/* Eligibility of a pending job (core/lifecycle.c decides). */
static ota_defer eligibility(const struct ctx *c, const struct rplan *p, const struct jslot *s,
                             const struct rdev *d, bool busy, bool over_rate)
{
    ota_eligibility_facts f = {
        .now = c->now, .window_start = p->wstart, .busy = busy,
        .outside_wave = p->has_rollout && s->wave > p->current_wave,
        .has_rsrp = d->has_rsrp, .rsrp = d->rsrp, .has_battery = d->has_battery, .battery = d->battery,
        .min_rsrp = p->min_rsrp, .min_battery = p->min_battery, .over_rate_limit = over_rate,
    };
    f.up_to_date = !plan_needs(p, d, &f.version_mismatch);
    if (p->has_maintenance && c->now >= p->wstart)
        f.outside_maintenance = !maintenance_open(c, p, d);
    return ota_eligibility(&f);
}

/* The decision for a pending job, the rate limit last: a token is spent
 * only on a device that would otherwise be offered. */
static int pending_decision(struct ctx *c, struct rplan *p, const struct jslot *s, const struct rdev *d,
                            bool busy, ota_defer *why, ota_err *e)
{
    *why = eligibility(c, p, s, d, busy, false);
    /* a retry still inside its interval is not offered: it spends no token */
    if (*why != OTA_ELIGIBLE || ota_retry_waiting(rollout_slot_retry_at(p, s), c->now) || !rate_limited(p))
        return 0;
    int t = rate_take(c, p, e);
    if (t < 0)
        return -1;
    if (!t)
        *why = eligibility(c, p, s, d, busy, true);
    return 0;
}

static int offer_fill(ota_job_offer *out, const struct rplan *p, const struct jslot *s, const struct rdev *d,
                      ota_err *e)
{
    bool mismatch;
    uint32_t need = plan_needs(p, d, &mismatch);
    if (!need)  /* re-sent after the device already moved: send it all */
        need = UINT32_MAX;
    size_t n = 0;
    for (size_t i = 0; i < p->ncomps; i++)
        n += (need >> i) & 1u;
    if (ota_job_offer_reserve(out, n, e) < 0)
        return -1;
    out->has_job = true;
    out->job_id = s->job;
    out->plan_id = p->id;
    out->mode = p->mode;
    out->state = (ota_job_state)s->state;
    out->ncomponents = 0;
    for (size_t i = 0; i < p->ncomps; i++) {
        if (!(need & (1u << i)))
            continue;
        /* only the files in use: a whole component is mostly empty file slots */
        const ota_offer_component *src = &p->comps[i];
        ota_offer_component *dst = &out->components[out->ncomponents++];
        memcpy(dst, src, offsetof(ota_offer_component, files));
        memcpy(dst->files, src->files, src->nfiles * sizeof src->files[0]);
        dst->nfiles = src->nfiles;
        dst->nsignatures = 0;  /* sign_offer_attach fills them */
    }
    return 0;
}

/* The decisions for one device across the plans of its product, in
 * activation order.  A job already in flight is re-sent; otherwise the
 * first plan whose preconditions hold offers, and later plans see the
 * device as busy. */
static int decide(struct ctx *c, struct rdev *d, ota_job_offer *out, ota_err *e)
{
    struct ota_rollout *r = c->r;
    bool busy = false;
    for (size_t i = 0; i < r->nplans; i++) {
        struct rplan *p = r->plans[i];
        if (!plan_targets(p, d))
            continue;
        struct jslot *s = job_slot(c, p, d, e);
        if (!s)
            return -1;
        if (!ota_job_in_flight((ota_job_state)s->state))
            continue;
        if (!busy && (!ota_job_is_unstarted((ota_job_state)s->state) || ota_plan_is_offering(p->state)) &&
            offer_fill(out, p, s, d, e) < 0)
            return -1;
        busy = true;
    }
    for (size_t i = 0; i < r->nplans; i++) {
        struct rplan *p = r->plans[i];
        if (!ota_plan_is_live(p->state) || !plan_targets(p, d))
            continue;
        struct jslot *s = job_slot(c, p, d, e);
        if (!s || (s->state == JOB_NONE && job_create(c, p, d, s, e) < 0))
            return -1;
        if (s->state != OTA_JOB_PENDING || p->state == OTA_PLAN_PAUSED)
            continue;
        ota_defer why;
        if (pending_decision(c, p, s, d, busy, &why, e) < 0)
            return -1;
        if (why == OTA_DEFER_RATE_LIMIT)
            out->rate_limited = true;
        if (why == OTA_DEFER_UP_TO_DATE) {
            if (job_move(c, p, s, d, OTA_JOB_SUCCEEDED, OTA_DEFER_UP_TO_DATE, e) < 0)
                return -1;
        } else if (why == OTA_ELIGIBLE && ota_retry_waiting(rollout_slot_retry_at(p, s), c->now)) {
            continue;  /* a retry before its interval passed: no offer yet, the reason left as it was */
        } else if (why == OTA_ELIGIBLE) {
            ota_job_state to = p->mode == OTA_MODE_CONFIRM ? OTA_JOB_AWAITING_CONFIRMATION : OTA_JOB_OFFERED;
            if (job_move(c, p, s, d, to, OTA_ELIGIBLE, e) < 0 || offer_fill(out, p, s, d, e) < 0)
                return -1;
            busy = true;
        } else if (why != s->reason) {
            if (ctx_write(c, e) < 0 ||
                rollout_job_write(c->eng, p, s->wave, s->job, d->id, OTA_JOB_PENDING, OTA_JOB_PENDING, why, -1, -1,
                                  NULL, c->now, e) < 0)
                return -1;
            s->reason = (uint8_t)why;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ check-in */
static int checkin_check(const ota_checkin_req *q, ota_err *e)
{
    if (!q->device[0] || strnlen(q->device, sizeof q->device) == sizeof q->device)
        return ota_fail(e, OTA_E_VALIDATION, "device", "is required (1 to %d bytes)", OTA_DEVICE_ID_MAX);
    if (!q->product[0] || strnlen(q->product, sizeof q->product) == sizeof q->product)
        return ota_fail(e, OTA_E_VALIDATION, "product", "is required (1 to %d bytes)", OTA_KEY_MAX);
    if (q->nversions > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, "versions", "at most %d components (got %zu)", OTA_MAX_COMPONENTS,
                        q->nversions);
    for (size_t i = 0; i < q->nversions; i++) {
        const ota_version *v = &q->versions[i];
        if (!v->component[0] || !v->version[0] ||
            strnlen(v->component, sizeof v->component) == sizeof v->component ||
            strnlen(v->version, sizeof v->version) == sizeof v->version)
            return ota_fail(e, OTA_E_VALIDATION, "versions", "component and version are 1 to %d bytes",
                            OTA_KEY_MAX);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(q->versions[j].component, v->component))
                return ota_fail(e, OTA_E_VALIDATION, "versions", "component %s given twice", v->component);
    }
    if (q->has_rsrp && (q->rsrp < OTA_RSRP_MIN || q->rsrp > OTA_RSRP_MAX))
        return ota_fail(e, OTA_E_VALIDATION, "rsrp", "must be between %d and %d dBm (got %d)", OTA_RSRP_MIN,
                        OTA_RSRP_MAX, q->rsrp);
    if (strnlen(q->timezone, sizeof q->timezone) == sizeof q->timezone)
        return ota_fail(e, OTA_E_VALIDATION, "attributes.timezone", "at most %d bytes", OTA_TZ_NAME_MAX);
    if (q->has_battery && (q->battery < OTA_BATTERY_MIN || q->battery > OTA_BATTERY_MAX))
        return ota_fail(e, OTA_E_VALIDATION, "battery", "must be between %d and %d %% (got %d)",
                        OTA_BATTERY_MIN, OTA_BATTERY_MAX, q->battery);
    return 0;
}

static int checkin_locked(struct ctx *c, const ota_checkin_req *q, ota_job_offer *out, ota_err *e)
{
    struct ota_rollout *r = c->r;
    int pi = rollout_product_index(r, q->product, true);
    if (pi < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    if (!r->products[pi].exists) {
        bool known;
        if (store_product_exists(c->eng, q->product, &known, e) < 0)
            return -1;
        if (!known)
            return ota_fail(e, OTA_E_NOT_FOUND, "product", "unknown product %s", q->product);
        r->products[pi].exists = true;
    }
    const struct vset *vs = rollout_vset_intern(&r->vsets, q->versions, q->nversions);
    if (!vs)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    uint64_t h = rollout_hash(q->device, strlen(q->device));
    struct rdev *d = devtab_find(&r->devs, q->device, h);
    if (!d && device_load(c, q->device, h, &d, e) < 0)
        return -1;
    if (!d) {
        if (!(d = device_register(c, q, pi, h, vs, e)))
            return -1;
    } else if (d->product != pi) {
        return ota_fail(e, OTA_E_VALIDATION, "product", "device %s belongs to product %s, not %s", q->device,
                        r->products[d->product].key, q->product);
    } else if (device_telemetry(c, d, q, vs, e) < 0) {
        return -1;
    }
    if (rollout_plans_load(c->eng, r, e) < 0)
        return -1;
    return decide(c, d, out, e);
}

/* Every write of a check-in goes through ctx_write (and a due tick through
 * rollout_tick_run): read-only, the first of them stops the check-in
 * before it changes anything but the caches, which only ever hold what the
 * store holds. */
static int checkin_run(ota_engine *eng, const ota_checkin_req *q, ota_job_offer *out, bool readonly, ota_err *e)
{
    out->has_job = false;
    out->rate_limited = false;
    out->ncomponents = 0;
    out->job_id = out->plan_id = 0;
    if (checkin_check(q, e) < 0)
        return -1;
    ENGINE_LOCK(eng);
    int rc = -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct ctx c = {.eng = eng, .now = ota_engine_now(eng), .readonly = readonly};
        rc = -1;
        out->has_job = false;
        out->rate_limited = false;
        out->ncomponents = 0;
        if ((c.r = rollout_enter_x(eng, attempt == 0, e))) {
            int t = rollout_tick_run(eng, c.r, readonly, e);
            if (t == OTA_CHECKIN_WOULD_WRITE)
                c.would_write = true;
            else if (t == 0)
                rc = checkin_locked(&c, q, out, e);
        }
        if (c.tx) {
            if (rc < 0)
                store_tx_rollback(eng, e);
            else if (store_tx_commit(eng, e) < 0)
                rc = -1;
        }
        rollout_leave(eng, c.r);
        if (c.would_write) {
            rc = OTA_CHECKIN_WOULD_WRITE;
            ota_err_clear(e);
            break;
        }
        if (!c.stale)
            break;
    }
    if (rc == 0)
        rc = sign_offer_attach(eng, out, e);  /* sign.c: the packages' signatures travel with the job */
    if (rc != 0) {
        out->has_job = false;
        out->ncomponents = 0;
    }
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_checkin(ota_engine *eng, const ota_checkin_req *q, ota_job_offer *out, ota_err *e)
{
    return checkin_run(eng, q, out, false, e);
}

int ota_checkin_readonly(ota_engine *eng, const ota_checkin_req *q, ota_job_offer *out, ota_err *e)
{
    return checkin_run(eng, q, out, true, e);
}
