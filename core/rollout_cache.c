/* The rollout's caches (core/rollout.h): the hash containers (string sets,
 * interned version sets, devices, jobs), dropping and invalidating them,
 * the entry and exit of every public call (coherence with the store's
 * change watcher), and loading the plans that can still move. */
#include "rollout.h"

#include <sodium.h>
#include <stddef.h>
#include <stdlib.h>

/* ------------------------------------------------------------ strsets */
static int strset_grow(struct strset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    char **keys = calloc(cap, sizeof *keys);
    uint64_t *h = calloc(cap, sizeof *h);
    if (!keys || !h) {
        free(keys);
        free(h);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->keys[i])
            continue;
        size_t k = s->h[i] & (cap - 1);
        while (keys[k])
            k = (k + 1) & (cap - 1);
        keys[k] = s->keys[i];
        h[k] = s->h[i];
    }
    free(s->keys);
    free(s->h);
    s->keys = keys;
    s->h = h;
    s->cap = cap;
    return 0;
}

static int strset_add(struct strset *s, const char *key)
{
    uint64_t h = rollout_hash(key, strlen(key));
    if (strset_has(s, key, h))
        return 0;
    if ((s->n + 1) * 10 > s->cap * 7 && strset_grow(s) < 0)
        return -1;
    size_t k = h & (s->cap - 1);
    while (s->keys[k])
        k = (k + 1) & (s->cap - 1);
    if (!(s->keys[k] = strdup(key)))
        return -1;
    s->h[k] = h;
    s->n++;
    return 0;
}

static void strset_free(struct strset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->h);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------- version sets */
static int vtab_grow(struct vtab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct vset **v = calloc(cap, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->v[i])
            continue;
        size_t k = t->v[i]->h & (cap - 1);
        while (v[k])
            k = (k + 1) & (cap - 1);
        v[k] = t->v[i];
    }
    free(t->v);
    t->v = v;
    t->cap = cap;
    return 0;
}

/* Intern the set in buf (len bytes, n pairs); NULL when out of memory. */
static const struct vset *vtab_intern(struct vtab *t, const char *buf, uint32_t len, uint32_t n)
{
    uint64_t h = rollout_hash(buf, len) ^ n;
    if (t->cap) {
        for (size_t k = h & (t->cap - 1); t->v[k]; k = (k + 1) & (t->cap - 1)) {
            struct vset *s = t->v[k];
            if (s->h == h && s->len == len && s->n == n && !memcmp(s->data, buf, len))
                return s;
        }
    }
    if ((t->n + 1) * 10 > t->cap * 7 && vtab_grow(t) < 0)
        return NULL;
    struct vset *s = malloc(sizeof *s + len + 1);
    if (!s)
        return NULL;
    s->h = h;
    s->n = n;
    s->len = len;
    memcpy(s->data, buf, len);
    s->data[len] = 0;
    size_t k = h & (t->cap - 1);
    while (t->v[k])
        k = (k + 1) & (t->cap - 1);
    t->v[k] = s;
    t->n++;
    return s;
}

static void vtab_free(struct vtab *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->v[i]);
    free(t->v);
    memset(t, 0, sizeof *t);
}

const struct vset *rollout_vset_intern(struct vtab *t, const ota_version *v, size_t n)
{
    const ota_version *ord[OTA_MAX_COMPONENTS];
    char buf[OTA_MAX_COMPONENTS * 2 * (OTA_KEY_MAX + 1)];
    if (n > OTA_MAX_COMPONENTS)
        n = OTA_MAX_COMPONENTS;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && strcmp(ord[j - 1]->component, v[i].component) > 0) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = &v[i];
    }
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a = strlen(ord[i]->component) + 1, b = strlen(ord[i]->version) + 1;
        memcpy(buf + len, ord[i]->component, a);
        memcpy(buf + len + a, ord[i]->version, b);
        len += a + b;
    }
    return vtab_intern(t, buf, (uint32_t)len, (uint32_t)n);
}

/* ------------------------------------------------------------ devices */
static int devtab_put(struct devtab *t, struct rdev *d)
{
    if ((t->n + 1) * 10 > t->cap * 7) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct rdev **n = calloc(cap, sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->d[i])
                continue;
            size_t k = t->d[i]->h & (cap - 1);
            while (n[k])
                k = (k + 1) & (cap - 1);
            n[k] = t->d[i];
        }
        free(t->d);
        t->d = n;
        t->cap = cap;
    }
    size_t k = d->h & (t->cap - 1);
    while (t->d[k])
        k = (k + 1) & (t->cap - 1);
    t->d[k] = d;
    t->n++;
    return 0;
}

static void devtab_free(struct devtab *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->d[i]);
    free(t->d);
    memset(t, 0, sizeof *t);
}

struct rdev *rollout_device_new(struct ota_rollout *r, const char *id, uint64_t h, ota_err *e)
{
    size_t len = strlen(id);
    struct rdev *d = calloc(1, sizeof *d + len + 1);
    if (d) {
        memcpy(d->id, id, len + 1);
        d->h = h;
    }
    if (!d || devtab_put(&r->devs, d) < 0) {
        free(d);
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    return d;
}

struct rdev *rollout_device_cache(ota_engine *eng, struct ota_rollout *r, const store_fleet_device *row,
                                  const char *id, uint64_t h, const struct vset *vs, ota_err *e)
{
    int product = rollout_product_index(r, row->product, true);
    if (product < 0) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    if (!vs && !(vs = rollout_versions_read(eng, r, row->dev, e)))
        return NULL;
    struct rdev *d = rollout_device_new(r, id, h, e);
    if (!d)
        return NULL;
    d->dev = row->dev;
    d->product = product;
    d->has_rsrp = row->has_rsrp;
    d->rsrp = row->rsrp;
    d->has_battery = row->has_battery;
    d->battery = row->battery;
    d->last_seen = row->last_seen;
    d->vs = vs;
    d->tz_hash = rollout_tz_hash(row->timezone);
    d->tz = rollout_zone(r, row->timezone);
    return d;
}

const struct vset *rollout_versions_read(ota_engine *eng, struct ota_rollout *r, int64_t dev, ota_err *e)
{
    ota_version v[OTA_MAX_COMPONENTS];
    size_t n;
    if (store_fleet_versions(eng, dev, v, OTA_MAX_COMPONENTS, &n, e) < 0)
        return NULL;
    const struct vset *vs = rollout_vset_intern(&r->vsets, v, n);
    if (!vs)
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    return vs;
}

/* --------------------------------------------------------------- jobs */
struct jslot *rollout_jobtab_put(struct jobtab *t, int64_t dev)
{
    if ((t->n + 1) * 10 > t->cap * 7) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct jslot *n = calloc(cap, sizeof *n);
        if (!n)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->s[i].dev)
                continue;
            size_t k = rollout_hash_u64((uint64_t)t->s[i].dev) & (cap - 1);
            while (n[k].dev)
                k = (k + 1) & (cap - 1);
            n[k] = t->s[i];
        }
        free(t->s);
        t->s = n;
        t->cap = cap;
    }
    size_t k = rollout_hash_u64((uint64_t)dev) & (t->cap - 1);
    while (t->s[k].dev)
        k = (k + 1) & (t->cap - 1);
    t->s[k].dev = dev;
    t->n++;
    return &t->s[k];
}

/* ----------------------------------------------------- drop, invalidate */
static void plan_free(struct rplan *p)
{
    if (!p)
        return;
    free(p->comps);
    strset_free(&p->black);
    strset_free(&p->white);
    free(p->jobs.s);
    free(p);
}

void rollout_drop_plans(struct ota_rollout *r)
{
    for (size_t i = 0; i < r->nplans; i++)
        plan_free(r->plans[i]);
    free(r->plans);
    r->plans = NULL;
    r->nplans = 0;
    r->plans_loaded = false;
}

static void drop_devices(struct ota_rollout *r)
{
    devtab_free(&r->devs);
    vtab_free(&r->vsets);
    for (size_t i = 0; i < r->nproducts; i++)
        r->products[i].exists = false;
}

void rollout_drop_all(struct ota_rollout *r)
{
    rollout_drop_plans(r);
    drop_devices(r);
    for (size_t i = 0; i < r->nproducts; i++)
        free(r->products[i].key);
    free(r->products);
    r->products = NULL;
    r->nproducts = 0;
    r->dirty = false;
}

void rollout_free(ota_engine *eng)
{
    if (!eng || !eng->rollout)
        return;
    rollout_drop_all(eng->rollout);
    ota_tz_cache_free(eng->rollout->zones);
    free(eng->rollout);
    eng->rollout = NULL;
}

void rollout_invalidate(ota_engine *eng, int64_t plan_id)
{
    struct ota_rollout *r = eng ? eng->rollout : NULL;
    if (!r || !r->plans_loaded)
        return;
    for (size_t i = 0; i < r->nplans; i++)
        if (plan_id == 0 || r->plans[i]->id == plan_id) {
            rollout_drop_plans(r);
            return;
        }
}

int rollout_product_index(struct ota_rollout *r, const char *key, bool add)
{
    for (size_t i = 0; i < r->nproducts; i++)
        if (!strcmp(r->products[i].key, key))
            return (int)i;
    if (!add)
        return -1;
    struct rprod *n = realloc(r->products, (r->nproducts + 1) * sizeof *n);
    if (!n)
        return -1;
    r->products = n;
    if (!(n[r->nproducts].key = strdup(key)))
        return -1;
    n[r->nproducts].exists = false;
    return (int)r->nproducts++;
}

/* ---------------------------------------------------------- coherence */
/* Asking for other connections' commits costs file-lock system calls, so
 * check-ins ask relaxed; a check-in that then writes looks again inside
 * its write transaction (checkin.c's ctx_write) and starts over on fresh
 * caches if anything moved. */
struct ota_rollout *rollout_enter_x(ota_engine *eng, bool relaxed, ota_err *e)
{
    struct ota_rollout *r = eng->rollout;
    if (!r) {
        if (sodium_init() < 0) {  /* the waves' keyed hash (rollout_waves.c) */
            ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium cannot be initialised");
            return NULL;
        }
        if (!(r = calloc(1, sizeof *r))) {
            ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            return NULL;
        }
        store_watch_init(&r->watch);
        if (!(r->zones = ota_tz_cache_new())) {
            free(r);
            ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            return NULL;
        }
        eng->rollout = r;
        store_tune_for_fleet(eng);
    }
    /* Still inside a batch whose transaction was rolled back: nothing of
     * it may be acknowledged, so every later call of it fails too. */
    if (store_batch_check(eng, e) < 0)
        return NULL;
    unsigned moved = store_watch_check(eng, &r->watch, relaxed ? STORE_WATCH_RELAXED : 0);
    if (r->dirty || (moved & (STORE_MOVED_OTHERS | STORE_MOVED_ROLLBACK)))
        rollout_drop_all(r);
    else if (moved & STORE_MOVED_LOCAL)
        drop_devices(r);
    return r;
}

struct ota_rollout *rollout_enter(ota_engine *eng, ota_err *e)
{
    return rollout_enter_x(eng, false, e);
}

void rollout_leave(ota_engine *eng, struct ota_rollout *r)
{
    if (r)
        store_watch_mark(eng, &r->watch);
}

/* ------------------------------------------------------ loading plans */
static int plan_add(void *ctx, const store_fleet_plan *sp, ota_err *e)
{
    struct ota_rollout *r = ctx;
    struct rplan *p = calloc(1, sizeof *p);
    struct rplan **n = p ? realloc(r->plans, (r->nplans + 1) * sizeof *n) : NULL;
    if (!n) {
        free(p);
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    }
    r->plans = n;
    n[r->nplans++] = p;
    p->id = sp->id;
    if ((p->product = rollout_product_index(r, sp->product, true)) < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    p->state = sp->state;
    p->paused_from = sp->paused_from;
    p->mode = sp->mode;
    p->retries = sp->retries;
    p->min_rsrp = sp->min_rsrp;
    p->min_battery = sp->min_battery;
    p->wstart = sp->window_start;
    p->wend = sp->window_end;
    p->job_timeout = sp->job_timeout;
    p->activated_at = sp->activated_at;
    p->retry_interval = sp->retry_interval_seconds;
    p->has_rollout = sp->has_rollout;
    p->rollout = sp->rollout;
    p->has_maintenance = sp->has_maintenance;
    p->maintenance = sp->maintenance;
    memcpy(p->paused_reason, sp->paused_reason, sizeof p->paused_reason);
    if (p->has_maintenance)
        p->tz = rollout_zone(r, p->maintenance.timezone);
    return 0;
}

const ota_tz *rollout_zone(struct ota_rollout *r, const char *name)
{
    if (!name[0])
        return NULL;
    ota_err ignored;
    return ota_tz_cache_get(r->zones, name, &ignored);
}

static int list_add(void *ctx, bool black, const char *device, ota_err *e)
{
    struct rplan *p = ctx;
    if (strset_add(black ? &p->black : &p->white, device) < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    return 0;
}

int64_t rollout_plan_deadline(const struct rplan *p)
{
    if (ota_plan_is_live(p->state)) {
        int64_t w = rollout_wave_deadline(p), d = w < p->wend ? w : p->wend;
        if (p->oldest_start > 0 && p->job_timeout > 0 && p->oldest_start <= INT64_MAX - p->job_timeout &&
            p->oldest_start + p->job_timeout < d)
            d = p->oldest_start + p->job_timeout;
        return d;
    }
    if (p->state == OTA_PLAN_ENDED)
        return p->job_timeout > INT64_MAX - p->wend ? INT64_MAX : p->wend + p->job_timeout;
    return INT64_MAX;
}

int rollout_plans_load(ota_engine *eng, struct ota_rollout *r, ota_err *e)
{
    if (r->plans_loaded)
        return 0;
    rollout_drop_plans(r);
    if (store_fleet_plans(eng, plan_add, r, e) != 0)
        goto fail;
    r->next_deadline = INT64_MAX;
    for (size_t i = 0; i < r->nplans; i++) {
        struct rplan *p = r->plans[i];
        if (store_fleet_plan_components(eng, p->id, &p->comps, &p->ncomps, e) < 0 ||
            store_fleet_plan_lists(eng, p->id, list_add, p, e) != 0 || rollout_waves_load(eng, p, e) < 0 ||
            (ota_plan_is_live(p->state) && store_jobs_oldest_start(eng, p->id, &p->oldest_start, e) < 0))
            goto fail;
        p->has_white = p->white.n > 0;
        int64_t d = rollout_plan_deadline(p);
        if (d < r->next_deadline)
            r->next_deadline = d;
    }
    r->plans_loaded = true;
    return 0;
fail:
    rollout_drop_plans(r);
    return -1;
}

struct rplan *rollout_plan_find(struct ota_rollout *r, int64_t id)
{
    for (size_t i = 0; i < r->nplans; i++)
        if (r->plans[i]->id == id)
            return r->plans[i];
    return NULL;
}
