/* sim.c: a simulated fleet for demos, otactl sim and benchmarks.
 *
 * ota_fleet_generate() writes a generated fleet in one transaction.
 * ota_sim drives devices through the engine's public calls, exactly as
 * real devices would: check-ins with drifting RSRP and battery (so
 * deferrals happen and clear), confirmations after a delay, downloads with
 * progress, installs that succeed or fail at a set rate.  Deterministic for
 * a seed (its own PRNG, splitmix64); time is the engine's clock, which the
 * caller advances (a fake clock) or lets run (real time).  Each step is one
 * batch, committed as one transaction. */
#include "internal.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int rng_range(uint64_t *s, int lo, int hi)
{
    return lo + (int)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) / 9007199254740992.0; }

/* ------------------------------------------------------- fleet generator */
/* Device i's values come from a hash of (seed, i, what), so the fleet is
 * the same for a seed whatever was generated before; the store writes the
 * whole fleet in bulk, asking these functions for each device. */
static const char *const fleet_components[3] = {"app", "mcu", "module"};  /* key order */
static const char *const fleet_versions[3][5] = {
    {"3.0.0", "3.0.0", "3.1.0"},                   /* app */
    {"2.0", "2.1"},                                /* mcu */
    {"1.0.0", "1.1.0", "1.1.0", "1.1.0", "1.2.0"}, /* module */
};
static const int fleet_nversions[3] = {3, 2, 5};

/* what: 0 rsrp, 1 battery, 2.. version of component what-2. */
static uint64_t fleet_hash(uint64_t seed, uint64_t i, uint64_t what)
{
    uint64_t s = seed ^ (i * 0xd1b54a32d192ed03ULL) ^ (what * 0x8cb92ba72f3d8dd7ULL);
    return rng_next(&s);
}

static int fleet_rsrp(const void *seed, int64_t i)
{
    return -125 + (int)(fleet_hash(*(const uint64_t *)seed, (uint64_t)i, 0) % 56);
}

static int fleet_battery(const void *seed, int64_t i)
{
    return 5 + (int)(fleet_hash(*(const uint64_t *)seed, (uint64_t)i, 1) % 96);
}

static const char *fleet_version(const void *seed, int64_t i, int c)
{
    uint64_t h = fleet_hash(*(const uint64_t *)seed, (uint64_t)i, (uint64_t)c + 2);
    return fleet_versions[c][h % (uint64_t)fleet_nversions[c]];
}

int ota_fleet_generate(ota_engine *eng, const char *product, long n, uint64_t seed, ota_err *e)
{
    if (n < 1 || n > 10000000)
        return ota_fail(e, OTA_E_VALIDATION, "n", "between 1 and 10000000 devices (got %ld)", n);
    ENGINE_LOCK(eng);
    int rc = -1;
    ota_product pr;
    if (ota_product_get(eng, product, &pr, e) < 0) {
        ota_fail(e, OTA_E_NOT_FOUND, "product", "unknown product %s", product);
        goto out;
    }
    const store_fleet f = {
        .product = product, .prefix = "dev-", .n = n,
        .components = fleet_components, .ncomponents = (int)(sizeof fleet_components / sizeof *fleet_components),
        .ctx = &seed,
        .rsrp = fleet_rsrp, .battery = fleet_battery, .version = fleet_version,
    };
    /* one transaction: the whole fleet or nothing */
    if (store_tx_begin(eng, e) < 0)
        goto out;
    if (store_devices_bulk_begin(eng, n, e) < 0 || store_fleet_insert(eng, &f, e) < 0 ||
        store_devices_bulk_end(eng, e) < 0) {
        store_tx_rollback(eng, e);
        goto out;
    }
    rc = store_tx_commit(eng, e);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

/* ------------------------------------------------------------- simulator */
struct sdev {
    char *id;
    char *versions;     /* "component=version;..." as the device reports them */
    int product;        /* index into ota_sim.products */
    int rsrp, battery;
    int64_t job;        /* 0 = none tracked */
    int state;          /* ota_job_state of the tracked job */
    int timer, progress;
    char *target;       /* versions the job installs ("c=v;...") */
};

struct ota_sim {
    ota_engine *eng;
    ota_sim_opts o;
    uint64_t rng;
    char **products;
    size_t nproducts;
    struct sdev *devs;
    size_t n, cap;
};

static int sim_product(ota_sim *s, const char *key)
{
    for (size_t i = 0; i < s->nproducts; i++)
        if (!strcmp(s->products[i], key))
            return (int)i;
    char **p = realloc(s->products, (s->nproducts + 1) * sizeof *p);
    if (!p)
        return -1;
    s->products = p;
    if (!(p[s->nproducts] = strdup(key)))
        return -1;
    return (int)s->nproducts++;
}

/* One stored device joins the simulation (never reported: signal -90 dBm,
 * battery 60 %). */
static int sim_add(void *ctx, const store_sim_device *sd, ota_err *e)
{
    ota_sim *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct sdev *d = realloc(s->devs, cap * sizeof *d);
        if (!d)
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        s->devs = d;
        s->cap = cap;
    }
    struct sdev *d = &s->devs[s->n++];
    memset(d, 0, sizeof *d);
    d->id = strdup(sd->device_id);
    d->product = sim_product(s, sd->product);
    d->rsrp = sd->has_rsrp ? sd->rsrp : -90;
    d->battery = sd->has_battery ? sd->battery : 60;
    d->versions = strdup(sd->versions);
    if (!d->id || !d->versions || d->product < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    return 0;
}

void ota_sim_free(ota_sim *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->devs[i].id);
        free(s->devs[i].versions);
        free(s->devs[i].target);
    }
    for (size_t i = 0; i < s->nproducts; i++)
        free(s->products[i]);
    free(s->products);
    free(s->devs);
    free(s);
}

ota_sim *ota_sim_new(ota_engine *eng, const ota_sim_opts *o, ota_err *e)
{
    if (o->online_per_tick < 0 || o->online_per_tick > 1) {
        ota_fail(e, OTA_E_VALIDATION, "online_per_tick", "between 0 and 1 (got %g)", o->online_per_tick);
        return NULL;
    }
    if (o->failure_rate < 0 || o->failure_rate > 1) {
        ota_fail(e, OTA_E_VALIDATION, "failure_rate", "between 0 and 1 (got %g)", o->failure_rate);
        return NULL;
    }
    if (o->confirm_delay < 0 || o->download_ticks < 0 || o->install_ticks < 0 || o->tick_seconds < 0) {
        ota_fail(e, OTA_E_VALIDATION, "ticks", "delays and durations cannot be negative");
        return NULL;
    }
    ota_sim *s = calloc(1, sizeof *s);
    if (!s) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    s->eng = eng;
    s->o = *o;
    s->rng = o->seed;
    ENGINE_LOCK(eng);
    /* the devices of the plan's product (plan_id 0: every device) */
    int rc = 0;
    ota_plan pl;
    if (o->plan_id > 0 && (rc = ota_plan_get(eng, o->plan_id, &pl, e)) == 0) {
        rc = store_sim_devices(eng, pl.product, sim_add, s, e);
        ota_plan_free(&pl);
    } else if (o->plan_id == 0) {
        rc = store_sim_devices(eng, NULL, sim_add, s, e);
    }
    ENGINE_UNLOCK(eng);
    if (rc < 0) {
        ota_sim_free(s);
        return NULL;
    }
    return s;
}

/* "c=v;c=v" -> request versions. */
static void versions_parse(const char *txt, ota_checkin_req *q)
{
    q->nversions = 0;
    const char *p = txt;
    while (*p && q->nversions < OTA_MAX_COMPONENTS) {
        const char *eq = strchr(p, '='), *end = strchr(p, ';');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end)
            break;
        ota_version *v = &q->versions[q->nversions++];
        snprintf(v->component, sizeof v->component, "%.*s", (int)(eq - p), p);
        snprintf(v->version, sizeof v->version, "%.*s", (int)(end - eq - 1), eq + 1);
        p = *end ? end + 1 : end;
    }
}

/* After a success the device runs the versions it installed. */
static void versions_apply(struct sdev *d)
{
    ota_checkin_req have, got;
    versions_parse(d->versions, &have);
    versions_parse(d->target ? d->target : "", &got);
    for (size_t i = 0; i < got.nversions; i++) {
        size_t k = 0;
        while (k < have.nversions && strcmp(have.versions[k].component, got.versions[i].component))
            k++;
        if (k == have.nversions && have.nversions < OTA_MAX_COMPONENTS)
            have.nversions++;
        have.versions[k] = got.versions[i];
    }
    size_t len = 1;
    for (size_t i = 0; i < have.nversions; i++)
        len += strlen(have.versions[i].component) + strlen(have.versions[i].version) + 2;
    char *txt = malloc(len);
    if (!txt)
        return;
    txt[0] = 0;
    for (size_t i = 0; i < have.nversions; i++) {
        if (i)
            strcat(txt, ";");
        strcat(txt, have.versions[i].component);
        strcat(txt, "=");
        strcat(txt, have.versions[i].version);
    }
    free(d->versions);
    d->versions = txt;
}

static void sim_forget(struct sdev *d)
{
    d->job = 0;
    free(d->target);
    d->target = NULL;
}

/* Telemetry drifts: signal wanders, batteries charge a little more often
 * than they drain, so a device deferred for battery comes back. */
static void sim_drift(ota_sim *s, struct sdev *d)
{
    d->rsrp += rng_range(&s->rng, -3, 3);
    d->rsrp = d->rsrp < -130 ? -130 : d->rsrp > -60 ? -60 : d->rsrp;
    d->battery += rng_range(&s->rng, -2, 4);
    d->battery = d->battery < 0 ? 0 : d->battery > 100 ? 100 : d->battery;
}

static void sim_checkin(ota_sim *s, struct sdev *d, ota_job_offer *offer)
{
    ota_checkin_req q;
    memset(&q, 0, sizeof q);
    snprintf(q.device, sizeof q.device, "%s", d->id);
    snprintf(q.product, sizeof q.product, "%s", s->products[d->product]);
    versions_parse(d->versions, &q);
    sim_drift(s, d);
    q.has_rsrp = q.has_battery = true;
    q.rsrp = d->rsrp;
    q.battery = d->battery;
    ota_err e;
    if (ota_checkin(s->eng, &q, offer, &e) < 0 || !offer->has_job)
        return;
    if (s->o.plan_id > 0 && offer->plan_id != s->o.plan_id)
        return;
    size_t len = 1;
    for (size_t i = 0; i < offer->ncomponents; i++)
        len += strlen(offer->components[i].component) + strlen(offer->components[i].version) + 2;
    free(d->target);
    if (!(d->target = malloc(len)))
        return;
    d->target[0] = 0;
    for (size_t i = 0; i < offer->ncomponents; i++) {
        if (i)
            strcat(d->target, ";");
        strcat(d->target, offer->components[i].component);
        strcat(d->target, "=");
        strcat(d->target, offer->components[i].version);
    }
    d->job = offer->job_id;
    d->state = offer->state;
    d->timer = 0;
    d->progress = 0;
}

/* One tick of a device that holds a job. */
static void sim_advance(ota_sim *s, struct sdev *d)
{
    ota_err e;
    int rc = 0;
    d->timer++;
    switch (d->state) {
    case OTA_JOB_AWAITING_CONFIRMATION:
        if (d->timer > s->o.confirm_delay) {
            rc = ota_job_confirm(s->eng, d->job, d->id, &e);
            d->state = OTA_JOB_DOWNLOADING;
            d->timer = d->progress = 0;
        }
        break;
    case OTA_JOB_OFFERED:
        rc = ota_job_report(s->eng, d->job, d->id, OTA_JOB_DOWNLOADING, 0, NULL, &e);
        d->state = OTA_JOB_DOWNLOADING;
        d->timer = d->progress = 0;
        break;
    case OTA_JOB_DOWNLOADING:
        if (d->timer >= s->o.download_ticks) {
            rc = ota_job_report(s->eng, d->job, d->id, OTA_JOB_INSTALLING, 0, NULL, &e);
            d->state = OTA_JOB_INSTALLING;
            d->timer = 0;
        } else {
            d->progress = 100 * d->timer / (s->o.download_ticks ? s->o.download_ticks : 1);
            rc = ota_job_report(s->eng, d->job, d->id, OTA_JOB_DOWNLOADING, d->progress, NULL, &e);
        }
        break;
    case OTA_JOB_INSTALLING:
        if (d->timer >= s->o.install_ticks) {
            bool fail = rng_unit(&s->rng) < s->o.failure_rate;
            rc = ota_job_report(s->eng, d->job, d->id, fail ? OTA_JOB_FAILED : OTA_JOB_SUCCEEDED, -1,
                                fail ? "simulated install failure" : NULL, &e);
            if (rc == 0 && !fail)
                versions_apply(d);
            sim_forget(d);
        }
        break;
    default:
        sim_forget(d);
    }
    if (rc < 0)  /* e.g. the plan was paused or terminated: the device lets go */
        sim_forget(d);
}

int ota_sim_step(ota_sim *s, ota_err *e)
{
    if (!s->n)
        return 0;
    ota_job_offer offer_buf = {0}, *offer = &offer_buf;  /* reused: allocates once */
    if (ota_engine_batch_begin(s->eng, e) < 0) {
        ota_job_offer_free(offer);
        return -1;
    }
    for (size_t i = 0; i < s->n; i++)
        if (s->devs[i].job)
            sim_advance(s, &s->devs[i]);
    size_t k = (size_t)(s->o.online_per_tick * (double)s->n + 0.5);
    if (k == 0 && s->o.online_per_tick > 0)
        k = 1;
    for (size_t j = 0; j < k; j++) {
        struct sdev *d = &s->devs[rng_next(&s->rng) % s->n];
        if (!d->job)
            sim_checkin(s, d, offer);
    }
    ota_job_offer_free(offer);
    return ota_engine_batch_end(s->eng, e);
}
