/* rollout.c: the rollout engine — plan state machine, device check-ins,
 * jobs, retries and the clock (DESIGN.md §1, issue 3).
 *
 * Speed (DESIGN.md §5): a check-in that changes nothing must not touch
 * SQLite.  struct ota_rollout keeps three lazily filled caches:
 *   - plans: every plan that can still move (active, upgrading, paused, and
 *     terminated/ended plans with jobs downloading or installing), with
 *     their components, package files and black/white lists as hash sets,
 *     ordered by activation (the plan activated first wins a device);
 *   - devices: by device id, with the last stored telemetry and an interned
 *     version set (so "did the versions change" is a pointer compare);
 *   - jobs: per cached plan, device rowid -> (job id, state, reason).
 * Writes go to the store first and update the caches after.  Coherence
 * (the store's change watcher, core/store.h):
 *   - another connection committed, or any transaction rolled back:
 *     everything is dropped and refilled lazily;
 *   - another module wrote through this engine: the device cache is
 *     dropped (device imports replace versions); only this file writes jobs;
 *   - plans.c calls rollout_invalidate() when a plan changes.
 * Check-ins look for other connections' commits at most once a
 * millisecond (a read may see caches up to 1 ms old, as if it had arrived
 * 1 ms earlier); any check-in that writes re-checks under the write lock
 * and starts over on fresh caches when something moved, so no write is
 * ever based on a stale cache.
 * Telemetry is written only when it changed; last_seen is coarse: it is
 * written when it moved by LAST_SEEN_STEP seconds or more, or along with
 * any other write to the device row.
 *
 * Counters (plan_counts) and events change in the same transaction as the
 * job rows they describe, so a status read never scans jobs.
 *
 * Inside an ota_engine_batch the hot paths write without savepoints
 * (store_tx_begin_light): a failed write rolls back the whole batch. */
#include "internal.h"
#include "store/sqlite.h" /* TRANSITIONAL: SQL moves to core/store/ */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LAST_SEEN_STEP 300

/* Deferred (and final) reasons stored in jobs.reason. */
enum { R_NONE, R_WINDOW, R_VERSION, R_BUSY, R_RSRP, R_BATTERY, R_UP_TO_DATE, R__COUNT };
static const char *const reason_names[R__COUNT] = {
    NULL, OTA_REASON_WINDOW, OTA_REASON_VERSION, OTA_REASON_BUSY,
    OTA_REASON_RSRP, OTA_REASON_BATTERY, "up_to_date",
};

static int reason_parse(const unsigned char *s)
{
    if (!s)
        return R_NONE;
    for (int i = 1; i < R__COUNT; i++)
        if (!strcmp((const char *)s, reason_names[i]))
            return i;
    return R_NONE;
}

#define JOB_NONE 0xff /* job cache: the device has no job row in this plan */

static bool job_in_flight(int s)
{
    return s == OTA_JOB_OFFERED || s == OTA_JOB_AWAITING_CONFIRMATION ||
           s == OTA_JOB_DOWNLOADING || s == OTA_JOB_INSTALLING;
}
static bool plan_offers(ota_plan_state s) { return s == OTA_PLAN_ACTIVE || s == OTA_PLAN_UPGRADING; }

/* ------------------------------------------------------------ hashing */
static uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* FNV-1a, then a full avalanche: device ids differ in their last
 * characters only, and the tables index by the low bits. */
static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return hash_u64(h);
}

/* A set of strings (black and white lists). */
struct strset {
    char **keys;
    uint64_t *h;
    size_t cap, n;
};

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

static bool strset_has(const struct strset *s, const char *key, uint64_t h)
{
    if (!s->n)
        return false;
    for (size_t k = h & (s->cap - 1); s->keys[k]; k = (k + 1) & (s->cap - 1))
        if (s->h[k] == h && !strcmp(s->keys[k], key))
            return true;
    return false;
}

static int strset_add(struct strset *s, const char *key)
{
    uint64_t h = hash_bytes(key, strlen(key));
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
/* A device's versions as "component\0version\0..." sorted by component,
 * interned so equal sets share one pointer. */
struct vset {
    uint64_t h;
    uint32_t n, len;
    char data[];
};

struct vtab {
    struct vset **v;
    size_t cap, n;
};

static const char *vset_get(const struct vset *vs, const char *component)
{
    if (!vs)
        return NULL;
    const char *p = vs->data;
    for (uint32_t i = 0; i < vs->n; i++) {
        const char *ver = p + strlen(p) + 1;
        if (!strcmp(p, component))
            return ver;
        p = ver + strlen(ver) + 1;
    }
    return NULL;
}

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
    uint64_t h = hash_bytes(buf, len) ^ n;
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

/* Intern a list of (component, version) pairs in canonical order. */
static const struct vset *vtab_intern_list(struct vtab *t, const ota_version *v, size_t n)
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
struct rdev {
    uint64_t h;
    int64_t rowid;
    int64_t last_seen;          /* as stored */
    const struct vset *vs;      /* as stored */
    int product;                /* index into ota_rollout.products */
    int rsrp, battery;          /* as stored */
    bool has_rsrp, has_battery;
    char id[];
};

struct devtab {
    struct rdev **d;
    size_t cap, n;
};

static struct rdev *devtab_find(const struct devtab *t, const char *id, uint64_t h)
{
    if (!t->n)
        return NULL;
    for (size_t k = h & (t->cap - 1); t->d[k]; k = (k + 1) & (t->cap - 1))
        if (t->d[k]->h == h && !strcmp(t->d[k]->id, id))
            return t->d[k];
    return NULL;
}

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

/* --------------------------------------------------------------- jobs */
struct jslot {
    int64_t dev;     /* device rowid; 0 = empty slot */
    int64_t job;     /* jobs.id, 0 when state is JOB_NONE */
    uint8_t state;   /* ota_job_state or JOB_NONE */
    uint8_t reason;  /* R_* */
};

struct jobtab {
    struct jslot *s;
    size_t cap, n;
};

static struct jslot *jobtab_find(const struct jobtab *t, int64_t dev)
{
    if (!t->n)
        return NULL;
    for (size_t k = hash_u64((uint64_t)dev) & (t->cap - 1); t->s[k].dev; k = (k + 1) & (t->cap - 1))
        if (t->s[k].dev == dev)
            return &t->s[k];
    return NULL;
}

static struct jslot *jobtab_put(struct jobtab *t, int64_t dev)
{
    if ((t->n + 1) * 10 > t->cap * 7) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct jslot *n = calloc(cap, sizeof *n);
        if (!n)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->s[i].dev)
                continue;
            size_t k = hash_u64((uint64_t)t->s[i].dev) & (cap - 1);
            while (n[k].dev)
                k = (k + 1) & (cap - 1);
            n[k] = t->s[i];
        }
        free(t->s);
        t->s = n;
        t->cap = cap;
    }
    size_t k = hash_u64((uint64_t)dev) & (t->cap - 1);
    while (t->s[k].dev)
        k = (k + 1) & (t->cap - 1);
    t->s[k].dev = dev;
    t->n++;
    return &t->s[k];
}

/* -------------------------------------------------------------- plans */
struct rcomp {
    ota_offer_component oc;  /* component, target version, kind, source, files */
};

struct rplan {
    int64_t id;
    int product;               /* index into ota_rollout.products */
    ota_plan_state state, paused_from;
    ota_mode mode;
    int retries, min_rsrp, min_battery;
    int64_t wstart, wend, job_timeout, activated_at;
    struct rcomp *comps;
    size_t ncomps;
    struct strset black, white;
    bool has_white;
    struct jobtab jobs;
};

struct rprod {
    char *key;
    bool exists;               /* confirmed in the products table (device cache lifetime) */
};

struct ota_rollout {
    bool plans_loaded;
    struct rplan **plans;      /* activation order */
    size_t nplans;
    int64_t next_deadline;     /* the clock has work at or after this time */
    struct rprod *products;    /* product keys seen (interned; indexes are stable) */
    size_t nproducts;
    struct devtab devs;
    struct vtab vsets;
    store_watch watch;         /* the store's change watcher (see the top comment) */
    bool dirty;                /* the caches went stale mid-call: drop everything at the next entry */
};

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

static void drop_plans(struct ota_rollout *r)
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

static void drop_all(struct ota_rollout *r)
{
    drop_plans(r);
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
    drop_all(eng->rollout);
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
            drop_plans(r);
            return;
        }
}

/* Index of product key in the interned list; -1 if absent and !add. */
static int product_index(struct ota_rollout *r, const char *key, bool add)
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
/* Every public entry point: create the caches on first use and drop what
 * may be stale (see the top comment).  relaxed (check-ins only): another
 * connection's commits are looked for at most every STORE_WATCH_EVERY_US,
 * because asking costs file-lock system calls; a check-in that then
 * writes looks again inside its write transaction (ctx_write) and starts
 * over on fresh caches if anything moved.  Returns NULL on failure. */
static struct ota_rollout *rollout_enter_x(ota_engine *eng, bool relaxed, ota_err *e)
{
    struct ota_rollout *r = eng->rollout;
    if (!r) {
        if (!(r = calloc(1, sizeof *r))) {
            ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            return NULL;
        }
        store_watch_init(&r->watch);
        eng->rollout = r;
        store_tune_for_fleet(eng);
    }
    /* Still inside a batch whose transaction was rolled back: nothing of
     * it may be acknowledged, so every later call of it fails too. */
    if (store_batch_check(eng, e) < 0)
        return NULL;
    unsigned moved = store_watch_check(eng, &r->watch, relaxed ? STORE_WATCH_RELAXED : 0);
    if (r->dirty || (moved & (STORE_MOVED_OTHERS | STORE_MOVED_ROLLBACK)))
        drop_all(r);
    else if (moved & STORE_MOVED_LOCAL)
        drop_devices(r);
    return r;
}

static struct ota_rollout *rollout_enter(ota_engine *eng, ota_err *e)
{
    return rollout_enter_x(eng, false, e);
}

static void rollout_leave(ota_engine *eng, struct ota_rollout *r)
{
    if (r)
        store_watch_mark(eng, &r->watch);
}

/* ------------------------------------------------------ loading plans */
static int plan_load_components(ota_engine *eng, struct rplan *p, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT pc.component, p.id, p.kind, p.target_version, COALESCE(p.source_version,'')"
        " FROM plan_components pc JOIN packages p ON p.id = pc.package"
        " WHERE pc.plan = ?1 ORDER BY pc.idx", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, p->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && p->ncomps < OTA_MAX_COMPONENTS) {
        struct rcomp *n = realloc(p->comps, (p->ncomps + 1) * sizeof *n);
        if (!n) {
            store_done(st);
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        }
        p->comps = n;
        ota_offer_component *oc = &n[p->ncomps++].oc;
        memset(oc, 0, sizeof *oc);
        store_copy_text(st, 0, oc->component, sizeof oc->component);
        oc->package_id = sqlite3_column_int64(st, 1);
        oc->kind = !strcmp((const char *)sqlite3_column_text(st, 2), "diff") ? OTA_KIND_DIFF : OTA_KIND_FULL;
        store_copy_text(st, 3, oc->version, sizeof oc->version);
        store_copy_text(st, 4, oc->source_version, sizeof oc->source_version);
    }
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(eng, e, "read plan components");
    for (size_t i = 0; i < p->ncomps; i++) {
        ota_offer_component *oc = &p->comps[i].oc;
        st = store_stmt(eng, "SELECT name, size, sha256, sha1, md5 FROM package_files"
                             " WHERE package = ?1 ORDER BY idx", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, oc->package_id);
        while (sqlite3_step(st) == SQLITE_ROW && oc->nfiles < OTA_MAX_FILES) {
            ota_file *f = &oc->files[oc->nfiles++];
            store_copy_text(st, 0, f->name, sizeof f->name);
            f->size = (uint64_t)sqlite3_column_int64(st, 1);
            store_copy_text(st, 2, f->sha256, sizeof f->sha256);
            store_copy_text(st, 3, f->sha1, sizeof f->sha1);
            store_copy_text(st, 4, f->md5, sizeof f->md5);
        }
        store_done(st);
    }
    return 0;
}

static int plan_load_lists(ota_engine *eng, struct rplan *p, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT list, device_id FROM plan_lists WHERE plan = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, p->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool black = sqlite3_column_text(st, 0)[0] == 'b';
        if (strset_add(black ? &p->black : &p->white, (const char *)sqlite3_column_text(st, 1)) < 0) {
            store_done(st);
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        }
    }
    store_done(st);
    if (rc != SQLITE_DONE)
        return store_fail(eng, e, "read plan lists");
    p->has_white = p->white.n > 0;
    return 0;
}

static int64_t plan_deadline(const struct rplan *p)
{
    if (p->state == OTA_PLAN_ACTIVE || p->state == OTA_PLAN_UPGRADING || p->state == OTA_PLAN_PAUSED)
        return p->wend;
    if (p->state == OTA_PLAN_ENDED)
        return p->job_timeout > INT64_MAX - p->wend ? INT64_MAX : p->wend + p->job_timeout;
    return INT64_MAX;
}

static int plans_load(ota_engine *eng, struct ota_rollout *r, ota_err *e)
{
    if (r->plans_loaded)
        return 0;
    drop_plans(r);
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT id, product, state, mode, retries, min_rsrp, min_battery, window_start,"
        " window_end, job_timeout, COALESCE(activated_at, 0), COALESCE(paused_from, 'active')"
        " FROM plans WHERE state IN ('active','upgrading','paused')"
        "  OR (state IN ('terminated','ended') AND id IN"
        "      (SELECT plan FROM plan_counts WHERE state IN (3,4) AND n > 0))"
        " ORDER BY activated_at, id", e);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rplan *p = calloc(1, sizeof *p);
        struct rplan **n = p ? realloc(r->plans, (r->nplans + 1) * sizeof *n) : NULL;
        if (!n) {
            free(p);
            store_done(st);
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        }
        r->plans = n;
        n[r->nplans++] = p;
        p->id = sqlite3_column_int64(st, 0);
        p->product = product_index(r, (const char *)sqlite3_column_text(st, 1), true);
        ota_plan_state_parse((const char *)sqlite3_column_text(st, 2), &p->state);
        ota_mode_parse((const char *)sqlite3_column_text(st, 3), &p->mode);
        p->retries = sqlite3_column_int(st, 4);
        p->min_rsrp = sqlite3_column_int(st, 5);
        p->min_battery = sqlite3_column_int(st, 6);
        p->wstart = sqlite3_column_int64(st, 7);
        p->wend = sqlite3_column_int64(st, 8);
        p->job_timeout = sqlite3_column_int64(st, 9);
        p->activated_at = sqlite3_column_int64(st, 10);
        ota_plan_state_parse((const char *)sqlite3_column_text(st, 11), &p->paused_from);
    }
    store_done(st);
    if (rc != SQLITE_DONE)
        return store_fail(eng, e, "read plans");
    r->next_deadline = INT64_MAX;
    for (size_t i = 0; i < r->nplans; i++) {
        struct rplan *p = r->plans[i];
        if (p->product < 0)
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        if (plan_load_components(eng, p, e) < 0 || plan_load_lists(eng, p, e) < 0) {
            drop_plans(r);
            return -1;
        }
        int64_t d = plan_deadline(p);
        if (d < r->next_deadline)
            r->next_deadline = d;
    }
    r->plans_loaded = true;
    return 0;
}

static struct rplan *plan_find(struct ota_rollout *r, int64_t id)
{
    for (size_t i = 0; i < r->nplans; i++)
        if (r->plans[i]->id == id)
            return r->plans[i];
    return NULL;
}

/* ------------------------------------------------------------- writes */
/* The hot paths (check-ins, reports, confirmations) write in light
 * transactions (store_tx_begin_light): inside an ota_engine_batch they
 * open no savepoint, because refusals are decided before the first write. */
static int tx_begin(ota_engine *eng, ota_err *e) { return store_tx_begin_light(eng, e); }

static int event_add(ota_engine *eng, int64_t plan, const char *device, const char *from,
                     const char *to, int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO events(plan, at, device, from_state, to_state)"
                                       " VALUES(?1, ?2, ?3, ?4, ?5)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, now);
    if (device)
        sqlite3_bind_text(st, 3, device, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, to, -1, SQLITE_STATIC);
    return store_step_done(eng, st, e, "record event");
}

static int counts_add(ota_engine *eng, int64_t plan, int state, int64_t n, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE plan_counts SET n = n + ?3 WHERE plan = ?1 AND state = ?2", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, state);
    sqlite3_bind_int64(st, 3, n);
    return store_step_done(eng, st, e, "update counts");
}

static int counts_move(ota_engine *eng, int64_t plan, int from, int to, ota_err *e)
{
    if (from == to)
        return 0;
    /* two primary-key updates: "state IN (?2, ?3)" builds a temporary table per call */
    return counts_add(eng, plan, from, -1, e) < 0 ? -1 : counts_add(eng, plan, to, 1, e);
}

/* One job row changes state: row, counters and event together.
 * progress/attempt < 0 keep the stored value; error NULL keeps it. */
static int job_write(ota_engine *eng, int64_t plan, int64_t job, const char *device, int from, int to,
                     int reason, int progress, int attempt, const char *error, int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE jobs SET state = ?2, reason = ?3,"
        " progress = CASE WHEN ?4 < 0 THEN progress ELSE ?4 END,"
        " attempt = CASE WHEN ?5 < 0 THEN attempt ELSE ?5 END,"
        " error = COALESCE(?6, error), updated_at = ?7,"
        " started_at = CASE WHEN ?2 = 3 AND started_at IS NULL THEN ?7 ELSE started_at END"
        " WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_int(st, 2, to);
    if (reason != R_NONE)
        sqlite3_bind_text(st, 3, reason_names[reason], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, progress);
    sqlite3_bind_int(st, 5, attempt);
    if (error)
        sqlite3_bind_text(st, 6, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    if (store_step_done(eng, st, e, "update job") < 0)
        return -1;
    if (from == to)
        return 0;
    if (counts_move(eng, plan, from, to, e) < 0)
        return -1;
    return event_add(eng, plan, device, ota_job_state_str(from), ota_job_state_str(to), now, e);
}

static int plan_write_state(ota_engine *eng, int64_t plan, ota_plan_state from, ota_plan_state to,
                            int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE plans SET state = ?2, paused_from = ?3, revision = revision + 1, updated_at = ?4,"
        " activated_at = CASE WHEN ?2 = 'active' AND activated_at IS NULL THEN ?4 ELSE activated_at END,"
        " ended_at = CASE WHEN ?2 IN ('terminated','ended') THEN ?4 ELSE ended_at END"
        " WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_text(st, 2, ota_plan_state_str(to), -1, SQLITE_STATIC);
    if (to == OTA_PLAN_PAUSED)
        sqlite3_bind_text(st, 3, ota_plan_state_str(from), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    if (store_step_done(eng, st, e, "update plan") < 0)
        return -1;
    return event_add(eng, plan, NULL, ota_plan_state_str(from), ota_plan_state_str(to), now, e);
}

/* Every job of the plan in states lo..hi moves to `to` (terminate, end,
 * timeout): one event per job, counters moved in bulk. */
static int jobs_bulk_move(ota_engine *eng, int64_t plan, int lo, int hi, int to, const char *error,
                          int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO events(plan, at, device, from_state, to_state)"
        " SELECT j.plan, ?2, d.device_id, CASE j.state WHEN 0 THEN 'pending' WHEN 1 THEN 'offered'"
        "  WHEN 2 THEN 'awaiting_confirmation' WHEN 3 THEN 'downloading' ELSE 'installing' END, ?3"
        " FROM jobs j JOIN devices d ON d.id = j.device"
        " WHERE j.plan = ?1 AND j.state BETWEEN ?4 AND ?5 ORDER BY j.state, j.id", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, ota_job_state_str(to), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, lo);
    sqlite3_bind_int(st, 5, hi);
    if (store_step_done(eng, st, e, "record events") < 0)
        return -1;
    st = store_stmt(eng, "UPDATE jobs SET state = ?2, error = COALESCE(?3, error), updated_at = ?4"
                         " WHERE plan = ?1 AND state BETWEEN ?5 AND ?6", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, to);
    if (error)
        sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int(st, 5, lo);
    sqlite3_bind_int(st, 6, hi);
    if (store_step_done(eng, st, e, "update jobs") < 0)
        return -1;
    int64_t moved = store_changes(eng);
    st = store_stmt(eng, "UPDATE plan_counts SET n = 0 WHERE plan = ?1 AND state BETWEEN ?2 AND ?3", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, lo);
    sqlite3_bind_int(st, 3, hi);
    if (store_step_done(eng, st, e, "update counts") < 0)
        return -1;
    return counts_add(eng, plan, to, moved, e);
}

/* ------------------------------------------------------------- clock */
/* Ends plans whose window passed and fails in-flight jobs of ended plans
 * past their job timeout.  Cheap when nothing is due (one compare). */
static int tick_run(ota_engine *eng, struct ota_rollout *r, bool readonly, ota_err *e)
{
    if (plans_load(eng, r, e) < 0)
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
        drop_all(r);
        if (plans_load(eng, r, e) < 0) {
            store_tx_rollback(eng, e);
            return -1;
        }
    }
    for (size_t i = 0; i < r->nplans; i++) {
        struct rplan *p = r->plans[i];
        if ((p->state == OTA_PLAN_ACTIVE || p->state == OTA_PLAN_UPGRADING || p->state == OTA_PLAN_PAUSED) &&
            now >= p->wend) {
            if (plan_write_state(eng, p->id, p->state, OTA_PLAN_ENDED, now, e) < 0 ||
                jobs_bulk_move(eng, p->id, OTA_JOB_PENDING, OTA_JOB_AWAITING_CONFIRMATION,
                               OTA_JOB_EXPIRED, NULL, now, e) < 0)
                goto fail;
            p->state = OTA_PLAN_ENDED;
        }
        if (p->state == OTA_PLAN_ENDED && now >= plan_deadline(p) &&
            jobs_bulk_move(eng, p->id, OTA_JOB_DOWNLOADING, OTA_JOB_INSTALLING, OTA_JOB_FAILED,
                           "timed out: still in flight after the plan ended", now, e) < 0)
            goto fail;
    }
    if (store_tx_commit(eng, e) < 0)
        return -1;
    drop_plans(r);
    return plans_load(eng, r, e);
fail:
    store_tx_rollback(eng, e);
    return -1;
}

int ota_engine_tick(ota_engine *eng, ota_err *e)
{
    ENGINE_LOCK(eng);
    struct ota_rollout *r = rollout_enter(eng, e);
    int rc = r ? tick_run(eng, r, false, e) : -1;
    rollout_leave(eng, r);
    ENGINE_UNLOCK(eng);
    return rc;
}

/* ---------------------------------------------------- plan transitions */
static int refuse(ota_err *e, ota_action a, ota_plan_state s)
{
    return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot %s a plan that is %s",
                    ota_action_str(a), ota_plan_state_str(s));
}

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
    if (plan_write_state(eng, pl->id, OTA_PLAN_SAVED, OTA_PLAN_ACTIVE, now, e) < 0)
        return -1;
    sqlite3_stmt *st = store_stmt(eng, "INSERT OR IGNORE INTO plan_counts(plan, state, n) VALUES(?1, ?2, 0)", e);
    for (int s = 0; st && s < OTA_JOB__COUNT; s++) {
        sqlite3_bind_int64(st, 1, pl->id);
        sqlite3_bind_int(st, 2, s);
        if (store_step_done(eng, st, e, "create counts") < 0)
            return -1;
    }
    st = store_stmt(eng,
        "INSERT INTO jobs(plan, device, state, attempt, progress, updated_at)"
        " SELECT ?1, d.id, 0, 1, 0, ?2 FROM devices d WHERE d.product = ?3"
        " AND NOT EXISTS (SELECT 1 FROM plan_lists b WHERE b.plan = ?1 AND b.list = 'black'"
        "                 AND b.device_id = d.device_id)"
        " AND (NOT EXISTS (SELECT 1 FROM plan_lists w WHERE w.plan = ?1 AND w.list = 'white')"
        "      OR EXISTS (SELECT 1 FROM plan_lists w WHERE w.plan = ?1 AND w.list = 'white'"
        "                 AND w.device_id = d.device_id))"
        " ORDER BY d.id", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, pl->id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, pl->product, -1, SQLITE_STATIC);
    if (store_step_done(eng, st, e, "create jobs") < 0)
        return -1;
    return counts_add(eng, pl->id, OTA_JOB_PENDING, store_changes(eng), e);
}

static int transition_locked(ota_engine *eng, struct ota_rollout *r, int64_t id, ota_action a, ota_err *e)
{
    if (tick_run(eng, r, false, e) < 0)
        return -1;
    ota_plan pl;
    ota_plan_init(&pl);
    if (ota_plan_get(eng, id, &pl, e) < 0)
        return -1;
    int64_t now = ota_engine_now(eng);
    ota_plan_state s = pl.state, to;
    int rc = -1;
    switch (a) {
    case OTA_ACT_ACTIVATE:
        if (s != OTA_PLAN_SAVED) {
            refuse(e, a, s);
            goto out;
        }
        if (activation_check(eng, &pl, now, e) < 0)
            goto out;
        to = OTA_PLAN_ACTIVE;
        break;
    case OTA_ACT_PAUSE:
        if (s != OTA_PLAN_ACTIVE && s != OTA_PLAN_UPGRADING) {
            refuse(e, a, s);
            goto out;
        }
        to = OTA_PLAN_PAUSED;
        break;
    case OTA_ACT_RESUME:
        if (s != OTA_PLAN_PAUSED) {
            refuse(e, a, s);
            goto out;
        }
        to = pl.paused_from == OTA_PLAN_UPGRADING ? OTA_PLAN_UPGRADING : OTA_PLAN_ACTIVE;
        break;
    case OTA_ACT_TERMINATE:
        if (s != OTA_PLAN_ACTIVE && s != OTA_PLAN_UPGRADING && s != OTA_PLAN_PAUSED) {
            refuse(e, a, s);
            goto out;
        }
        to = OTA_PLAN_TERMINATED;
        break;
    default:
        ota_fail(e, OTA_E_BAD_REQUEST, "action", "unknown action %d", (int)a);
        goto out;
    }
    if (store_tx_begin(eng, e) < 0)
        goto out;
    int w = a == OTA_ACT_ACTIVATE ? activate_write(eng, &pl, now, e)
                                  : plan_write_state(eng, id, s, to, now, e);
    if (w == 0 && a == OTA_ACT_TERMINATE)
        w = jobs_bulk_move(eng, id, OTA_JOB_PENDING, OTA_JOB_AWAITING_CONFIRMATION, OTA_JOB_FAILED,
                           "plan terminated", now, e);
    if (w < 0) {
        store_tx_rollback(eng, e);
        goto out;
    }
    if (store_tx_commit(eng, e) < 0)
        goto out;
    drop_plans(r);
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

/* ------------------------------------------------------------ check-in */
/* One check-in's context: the write transaction opens lazily, so a
 * check-in that changes nothing never touches SQLite. */
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
    if (tx_begin(c->eng, e) < 0)
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

static const struct vset *versions_read(ota_engine *eng, struct ota_rollout *r, int64_t rowid, ota_err *e)
{
    ota_version v[OTA_MAX_COMPONENTS];
    size_t n = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT component, version FROM device_versions WHERE device = ?1", e);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, rowid);
    while (sqlite3_step(st) == SQLITE_ROW && n < OTA_MAX_COMPONENTS) {
        store_copy_text(st, 0, v[n].component, sizeof v[n].component);
        store_copy_text(st, 1, v[n].version, sizeof v[n].version);
        n++;
    }
    store_done(st);
    const struct vset *vs = vtab_intern_list(&r->vsets, v, n);
    if (!vs)
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    return vs;
}

static struct rdev *device_new(struct ota_rollout *r, const char *id, uint64_t h, ota_err *e)
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

/* The device from the store into the cache; *d NULL when unknown. */
static int device_load(struct ctx *c, const char *id, uint64_t h, struct rdev **out, ota_err *e)
{
    *out = NULL;
    sqlite3_stmt *st = store_stmt(c->eng, "SELECT id, product, rsrp, battery, last_seen FROM devices"
                                          " WHERE device_id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_done(st);
        return rc == SQLITE_DONE ? 0 : store_fail(c->eng, e, "read device");
    }
    struct rdev tmp = {0};
    tmp.rowid = sqlite3_column_int64(st, 0);
    tmp.product = product_index(c->r, (const char *)sqlite3_column_text(st, 1), true);
    tmp.has_rsrp = sqlite3_column_type(st, 2) != SQLITE_NULL;
    tmp.rsrp = sqlite3_column_int(st, 2);
    tmp.has_battery = sqlite3_column_type(st, 3) != SQLITE_NULL;
    tmp.battery = sqlite3_column_int(st, 3);
    tmp.last_seen = sqlite3_column_int64(st, 4);
    store_done(st);
    if (tmp.product < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    if (!(tmp.vs = versions_read(c->eng, c->r, tmp.rowid, e)))
        return -1;
    struct rdev *d = device_new(c->r, id, h, e);
    if (!d)
        return -1;
    tmp.h = d->h;
    memcpy(d, &tmp, offsetof(struct rdev, id));  /* the id (flexible member) may start inside sizeof */
    *out = d;
    return 0;
}

static int versions_write(ota_engine *eng, int64_t rowid, const ota_version *v, size_t n, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "DELETE FROM device_versions WHERE device = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rowid);
    if (store_step_done(eng, st, e, "replace versions") < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        st = store_stmt(eng, "INSERT INTO device_versions(device, component, version) VALUES(?1, ?2, ?3)", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, rowid);
        sqlite3_bind_text(st, 2, v[i].component, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, v[i].version, -1, SQLITE_STATIC);
        if (store_step_done(eng, st, e, "write versions") < 0)
            return -1;
    }
    return 0;
}

/* Unknown device of a known product: registered with what it reported. */
static struct rdev *device_register(struct ctx *c, const ota_checkin_req *q, int product, uint64_t h,
                                    const struct vset *vs, ota_err *e)
{
    if (ota_validate_device_id(q->device, e) < 0 || ctx_write(c, e) < 0)
        return NULL;
    sqlite3_stmt *st = store_stmt(c->eng, "INSERT INTO devices(device_id, product, rsrp, battery, last_seen)"
                                          " VALUES(?1, ?2, ?3, ?4, ?5)", e);
    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, q->device, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->product, -1, SQLITE_STATIC);
    if (q->has_rsrp)
        sqlite3_bind_int(st, 3, q->rsrp);
    if (q->has_battery)
        sqlite3_bind_int(st, 4, q->battery);
    sqlite3_bind_int64(st, 5, c->now);
    if (store_step_done(c->eng, st, e, "register device") < 0)
        return NULL;
    int64_t rowid = sqlite3_last_insert_rowid(STORE_DB(c->eng));
    if (versions_write(c->eng, rowid, q->versions, q->nversions, e) < 0)
        return NULL;
    struct rdev *d = device_new(c->r, q->device, h, e);
    if (!d)
        return NULL;
    d->rowid = rowid;
    d->product = product;
    d->has_rsrp = q->has_rsrp;
    d->rsrp = q->rsrp;
    d->has_battery = q->has_battery;
    d->battery = q->battery;
    d->last_seen = c->now;
    d->vs = vs;
    return d;
}

/* Telemetry: written only when it changed (last_seen: see LAST_SEEN_STEP). */
static int device_telemetry(struct ctx *c, struct rdev *d, const ota_checkin_req *q, const struct vset *vs,
                            ota_err *e)
{
    bool vchg = q->nversions > 0 && vs != d->vs;
    bool tchg = (q->has_rsrp && (!d->has_rsrp || d->rsrp != q->rsrp)) ||
                (q->has_battery && (!d->has_battery || d->battery != q->battery));
    bool seen = c->now - d->last_seen >= LAST_SEEN_STEP;
    if (!vchg && !tchg && !seen)
        return 0;
    if (ctx_write(c, e) < 0)
        return -1;
    if (vchg && versions_write(c->eng, d->rowid, q->versions, q->nversions, e) < 0)
        return -1;
    if (q->has_rsrp) {
        d->has_rsrp = true;
        d->rsrp = q->rsrp;
    }
    if (q->has_battery) {
        d->has_battery = true;
        d->battery = q->battery;
    }
    sqlite3_stmt *st = store_stmt(c->eng, "UPDATE devices SET rsrp = ?2, battery = ?3, last_seen = ?4"
                                          " WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, d->rowid);
    if (d->has_rsrp)
        sqlite3_bind_int(st, 2, d->rsrp);
    if (d->has_battery)
        sqlite3_bind_int(st, 3, d->battery);
    sqlite3_bind_int64(st, 4, c->now);
    if (store_step_done(c->eng, st, e, "update device") < 0)
        return -1;
    d->last_seen = c->now;
    if (vchg)
        d->vs = vs;
    return 0;
}

/* The device's job in plan p (cache, else the store). */
static struct jslot *job_slot(struct ctx *c, struct rplan *p, const struct rdev *d, ota_err *e)
{
    struct jslot *s = jobtab_find(&p->jobs, d->rowid);
    if (s)
        return s;
    sqlite3_stmt *st = store_stmt(c->eng, "SELECT id, state, reason FROM jobs WHERE plan = ?1 AND device = ?2", e);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, p->id);
    sqlite3_bind_int64(st, 2, d->rowid);
    int rc = sqlite3_step(st);
    int64_t job = 0;
    int state = JOB_NONE, reason = R_NONE;
    if (rc == SQLITE_ROW) {
        job = sqlite3_column_int64(st, 0);
        state = sqlite3_column_int(st, 1);
        reason = reason_parse(sqlite3_column_text(st, 2));
    }
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_fail(c->eng, e, "read job");
        return NULL;
    }
    if (!(s = jobtab_put(&p->jobs, d->rowid))) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    s->job = job;
    s->state = (uint8_t)state;
    s->reason = (uint8_t)reason;
    return s;
}

static int job_create(struct ctx *c, struct rplan *p, const struct rdev *d, struct jslot *s, ota_err *e)
{
    if (ctx_write(c, e) < 0)
        return -1;
    sqlite3_stmt *st = store_stmt(c->eng, "INSERT INTO jobs(plan, device, state, attempt, progress, updated_at)"
                                          " VALUES(?1, ?2, 0, 1, 0, ?3)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, p->id);
    sqlite3_bind_int64(st, 2, d->rowid);
    sqlite3_bind_int64(st, 3, c->now);
    if (store_step_done(c->eng, st, e, "create job") < 0)
        return -1;
    s->job = sqlite3_last_insert_rowid(STORE_DB(c->eng));
    s->state = OTA_JOB_PENDING;
    s->reason = R_NONE;
    return counts_add(c->eng, p->id, OTA_JOB_PENDING, 1, e);
}

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
        const ota_offer_component *oc = &p->comps[i].oc;
        const char *have = vset_get(d->vs, oc->component);
        if (have && !strcmp(have, oc->version))
            continue;
        if (oc->kind == OTA_KIND_DIFF && (!have || strcmp(have, oc->source_version)))
            *mismatch = true;
        need |= 1u << i;
    }
    return need;
}

/* Eligibility of a pending job, in the documented order:
 * window, version, (up to date), busy, rsrp, battery. */
static int eligibility(const struct ctx *c, const struct rplan *p, const struct rdev *d, bool busy)
{
    if (c->now < p->wstart)
        return R_WINDOW;
    bool mismatch;
    uint32_t need = plan_needs(p, d, &mismatch);
    if (mismatch)
        return R_VERSION;
    if (!need)
        return R_UP_TO_DATE;
    if (busy)
        return R_BUSY;
    if (d->has_rsrp ? d->rsrp < p->min_rsrp : p->min_rsrp > -140)
        return R_RSRP;
    if (d->has_battery ? d->battery < p->min_battery : p->min_battery > 0)
        return R_BATTERY;
    return R_NONE;
}

static void offer_fill(ota_job_offer *out, const struct rplan *p, const struct jslot *s, const struct rdev *d)
{
    bool mismatch;
    uint32_t need = plan_needs(p, d, &mismatch);
    if (!need)  /* re-sent after the device already moved: send it all */
        need = UINT32_MAX;
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
        const ota_offer_component *src = &p->comps[i].oc;
        ota_offer_component *dst = &out->components[out->ncomponents++];
        memcpy(dst, src, offsetof(ota_offer_component, files));
        memcpy(dst->files, src->files, src->nfiles * sizeof src->files[0]);
        dst->nfiles = src->nfiles;
    }
}

static int job_move(struct ctx *c, struct rplan *p, struct jslot *s, const struct rdev *d, int to, int reason,
                    ota_err *e)
{
    if (ctx_write(c, e) < 0)
        return -1;
    if (job_write(c->eng, p->id, s->job, d->id, s->state, to, reason, to == OTA_JOB_SUCCEEDED ? 100 : -1, -1,
                  NULL, c->now, e) < 0)
        return -1;
    s->state = (uint8_t)to;
    s->reason = (uint8_t)reason;
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
        if (!job_in_flight(s->state))
            continue;
        if (!busy && (s->state >= OTA_JOB_DOWNLOADING || plan_offers(p->state)))
            offer_fill(out, p, s, d);
        busy = true;
    }
    for (size_t i = 0; i < r->nplans; i++) {
        struct rplan *p = r->plans[i];
        if (p->state != OTA_PLAN_ACTIVE && p->state != OTA_PLAN_UPGRADING && p->state != OTA_PLAN_PAUSED)
            continue;
        if (!plan_targets(p, d))
            continue;
        struct jslot *s = job_slot(c, p, d, e);
        if (!s || (s->state == JOB_NONE && job_create(c, p, d, s, e) < 0))
            return -1;
        if (s->state != OTA_JOB_PENDING || p->state == OTA_PLAN_PAUSED)
            continue;
        int why = eligibility(c, p, d, busy);
        if (why == R_UP_TO_DATE) {
            if (job_move(c, p, s, d, OTA_JOB_SUCCEEDED, R_UP_TO_DATE, e) < 0)
                return -1;
        } else if (why == R_NONE) {
            int to = p->mode == OTA_MODE_CONFIRM ? OTA_JOB_AWAITING_CONFIRMATION : OTA_JOB_OFFERED;
            if (job_move(c, p, s, d, to, R_NONE, e) < 0)
                return -1;
            offer_fill(out, p, s, d);
            busy = true;
        } else if (why != s->reason) {
            if (ctx_write(c, e) < 0 ||
                job_write(c->eng, p->id, s->job, d->id, OTA_JOB_PENDING, OTA_JOB_PENDING, why, -1, -1, NULL,
                          c->now, e) < 0)
                return -1;
            s->reason = (uint8_t)why;
        }
    }
    return 0;
}

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
    if (q->has_rsrp && (q->rsrp < -140 || q->rsrp > -44))
        return ota_fail(e, OTA_E_VALIDATION, "rsrp", "must be between -140 and -44 dBm (got %d)", q->rsrp);
    if (q->has_battery && (q->battery < 0 || q->battery > 100))
        return ota_fail(e, OTA_E_VALIDATION, "battery", "must be between 0 and 100 %% (got %d)", q->battery);
    return 0;
}

static int checkin_locked(struct ctx *c, const ota_checkin_req *q, ota_job_offer *out, ota_err *e)
{
    struct ota_rollout *r = c->r;
    int pi = product_index(r, q->product, true);
    if (pi < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    if (!r->products[pi].exists) {
        sqlite3_stmt *st = store_stmt(c->eng, "SELECT 1 FROM products WHERE key = ?1", e);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, q->product, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        store_done(st);
        if (rc != SQLITE_ROW)
            return ota_fail(e, OTA_E_NOT_FOUND, "product", "unknown product %s", q->product);
        r->products[pi].exists = true;
    }
    const struct vset *vs = vtab_intern_list(&r->vsets, q->versions, q->nversions);
    if (!vs)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    uint64_t h = hash_bytes(q->device, strlen(q->device));
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
    if (plans_load(c->eng, r, e) < 0)
        return -1;
    return decide(c, d, out, e);
}

/* Every write of a check-in goes through ctx_write (and a due tick through
 * tick_run): read-only, the first of them stops the check-in before it
 * changes anything but the caches, which only ever hold what the store
 * holds. */
static int checkin_run(ota_engine *eng, const ota_checkin_req *q, ota_job_offer *out, bool readonly, ota_err *e)
{
    out->has_job = false;
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
        out->ncomponents = 0;
        if ((c.r = rollout_enter_x(eng, attempt == 0, e))) {
            int t = tick_run(eng, c.r, readonly, e);
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

/* ------------------------------------------------------ reports, confirm */
struct jobrow {
    int64_t id, plan, dev;
    int state, attempt;
    char device[OTA_DEVICE_ID_MAX + 1];
};

static int jobrow_load(ota_engine *eng, int64_t job, const char *device, struct jobrow *j, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT j.plan, j.device, j.state, j.attempt, d.device_id"
                                       " FROM jobs j JOIN devices d ON d.id = j.device WHERE j.id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        j->id = job;
        j->plan = sqlite3_column_int64(st, 0);
        j->dev = sqlite3_column_int64(st, 1);
        j->state = sqlite3_column_int(st, 2);
        j->attempt = sqlite3_column_int(st, 3);
        store_copy_text(st, 4, j->device, sizeof j->device);
    }
    store_done(st);
    if (rc == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "job", "no job %lld", (long long)job);
    if (rc != SQLITE_ROW)
        return store_fail(eng, e, "read job");
    if (device && strcmp(device, j->device))
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "job", "job %lld belongs to another device",
                        (long long)job);
    return 0;
}

/* A device starts downloading: only while its plan offers; the plan's
 * first download turns it from active to upgrading. */
static int start_download(ota_engine *eng, struct rplan *p, const struct jobrow *j, int progress, int64_t now,
                          ota_err *e)
{
    if (job_write(eng, p->id, j->id, j->device, j->state, OTA_JOB_DOWNLOADING, R_NONE,
                  progress < 0 ? 0 : progress, -1, NULL, now, e) < 0)
        return -1;
    if (p->state == OTA_PLAN_ACTIVE) {  /* the event follows the job's that caused it */
        if (plan_write_state(eng, p->id, OTA_PLAN_ACTIVE, OTA_PLAN_UPGRADING, now, e) < 0)
            return -1;
        p->state = OTA_PLAN_UPGRADING;
    }
    return 0;
}

static int record_versions(ota_engine *eng, struct ota_rollout *r, const struct rplan *p, const struct jobrow *j,
                           ota_err *e)
{
    for (size_t i = 0; i < p->ncomps; i++) {
        sqlite3_stmt *st = store_stmt(eng,
            "INSERT INTO device_versions(device, component, version) VALUES(?1, ?2, ?3)"
            " ON CONFLICT(device, component) DO UPDATE SET version = excluded.version", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, j->dev);
        sqlite3_bind_text(st, 2, p->comps[i].oc.component, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, p->comps[i].oc.version, -1, SQLITE_STATIC);
        if (store_step_done(eng, st, e, "record versions") < 0)
            return -1;
    }
    struct rdev *d = devtab_find(&r->devs, j->device, hash_bytes(j->device, strlen(j->device)));
    if (d && !(d->vs = versions_read(eng, r, j->dev, e)))
        return -1;
    return 0;
}

static int refuse_report(ota_err *e, int to, int from)
{
    return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot report %s for a job that is %s",
                    ota_job_state_str((ota_job_state)to), ota_job_state_str((ota_job_state)from));
}

static int report_write(ota_engine *eng, struct ota_rollout *r, struct rplan *p, struct jobrow *j, int to,
                        int progress, const char *error, int64_t now, int *final_state, ota_err *e)
{
    *final_state = to;
    if (j->state == to)  /* a progress update */
        return job_write(eng, p->id, j->id, j->device, to, to, R_NONE, progress, -1, NULL, now, e);
    switch (to) {
    case OTA_JOB_DOWNLOADING:
        return start_download(eng, p, j, progress, now, e);
    case OTA_JOB_INSTALLING:
        return job_write(eng, p->id, j->id, j->device, j->state, to, R_NONE, progress < 0 ? 0 : progress, -1,
                         NULL, now, e);
    case OTA_JOB_SUCCEEDED:
        if (job_write(eng, p->id, j->id, j->device, j->state, to, R_NONE, 100, -1, NULL, now, e) < 0)
            return -1;
        return record_versions(eng, r, p, j, e);
    default: /* failed: retried while the plan can still offer it again */
        if (job_write(eng, p->id, j->id, j->device, j->state, OTA_JOB_FAILED, R_NONE, -1, -1,
                      error && *error ? error : "failed", now, e) < 0)
            return -1;
        bool live = p->state == OTA_PLAN_ACTIVE || p->state == OTA_PLAN_UPGRADING || p->state == OTA_PLAN_PAUSED;
        if (!live || j->attempt > p->retries)
            return 0;
        *final_state = OTA_JOB_PENDING;
        return job_write(eng, p->id, j->id, j->device, OTA_JOB_FAILED, OTA_JOB_PENDING, R_NONE, 0, j->attempt + 1,
                         NULL, now, e);
    }
}

static int report_locked(ota_engine *eng, struct ota_rollout *r, int64_t job, const char *device, int to,
                         int progress, const char *error, ota_err *e)
{
    struct jobrow j;
    if (tick_run(eng, r, false, e) < 0 || jobrow_load(eng, job, device, &j, e) < 0)
        return -1;
    struct rplan *p = plan_find(r, j.plan);
    bool ok;
    switch (to) {
    case OTA_JOB_DOWNLOADING: ok = j.state == OTA_JOB_OFFERED || j.state == OTA_JOB_DOWNLOADING; break;
    case OTA_JOB_INSTALLING: ok = j.state == OTA_JOB_DOWNLOADING || j.state == OTA_JOB_INSTALLING; break;
    case OTA_JOB_SUCCEEDED: ok = j.state == OTA_JOB_INSTALLING; break;
    default: ok = job_in_flight(j.state); break;
    }
    if (!ok && to == OTA_JOB_DOWNLOADING && j.state == OTA_JOB_AWAITING_CONFIRMATION)
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state",
                        "cannot report downloading for a job that is awaiting_confirmation: confirm it first");
    if (!ok || !p)
        return refuse_report(e, to, j.state);
    if (to == OTA_JOB_DOWNLOADING && j.state == OTA_JOB_OFFERED && !plan_offers(p->state))
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot start downloading: plan %lld is %s",
                        (long long)p->id, ota_plan_state_str(p->state));
    int64_t now = ota_engine_now(eng);
    int final_state;
    if (tx_begin(eng, e) < 0)
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
        s->reason = R_NONE;
    }
    return 0;
}

int ota_job_report(ota_engine *eng, int64_t job, const char *device, ota_job_state to, int progress,
                   const char *error_text, ota_err *e)
{
    if (to != OTA_JOB_DOWNLOADING && to != OTA_JOB_INSTALLING && to != OTA_JOB_SUCCEEDED && to != OTA_JOB_FAILED)
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
    struct jobrow j;
    if (tick_run(eng, r, false, e) < 0 || jobrow_load(eng, job, device, &j, e) < 0)
        return -1;
    struct rplan *p = plan_find(r, j.plan);
    if (j.state != OTA_JOB_AWAITING_CONFIRMATION || !p)
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot confirm a job that is %s",
                        ota_job_state_str((ota_job_state)j.state));
    if (!plan_offers(p->state))
        return ota_fail(e, OTA_E_INVALID_TRANSITION, "state", "cannot start downloading: plan %lld is %s",
                        (long long)p->id, ota_plan_state_str(p->state));
    if (tx_begin(eng, e) < 0)
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
    sqlite3_stmt *st = rc == 0 ? store_stmt(eng,
        "SELECT j.plan, d.device_id, j.state, j.attempt, j.progress, j.reason, j.error, j.updated_at"
        " FROM jobs j JOIN devices d ON d.id = j.device WHERE j.id = ?1", e) : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, job);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            memset(out, 0, sizeof *out);
            out->job_id = job;
            if (plan_out)
                *plan_out = sqlite3_column_int64(st, 0);
            store_copy_text(st, 1, out->device, sizeof out->device);
            out->state = (ota_job_state)sqlite3_column_int(st, 2);
            out->attempt = sqlite3_column_int(st, 3);
            out->progress = sqlite3_column_int(st, 4);
            store_copy_text(st, 5, out->reason, sizeof out->reason);
            store_copy_text(st, 6, out->error, sizeof out->error);
            out->updated_at = sqlite3_column_int64(st, 7);
        } else {
            rc = s == SQLITE_DONE ? ota_fail(e, OTA_E_NOT_FOUND, "job", "no job %lld", (long long)job)
                                  : store_fail(eng, e, "read job");
        }
        store_done(st);
    } else {
        rc = -1;
    }
    ENGINE_UNLOCK(eng);
    return rc;
}
