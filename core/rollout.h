/* Private to the rollout engine (DESIGN.md §1, issue 3): its in-memory
 * caches and the calls its files make in each other.
 *   rollout_cache.c      the caches, their coherence, plan loading
 *   rollout_tick.c       the rollout's writes and the clock
 *   rollout_transition.c plan transitions (activate, pause, resume, terminate)
 *   rollout_waves.c      staged rollouts: waves, their counters, advance
 *   rollout_brake.c      the failure brake
 *   rollout_rollback.c   rollback drafts of a braked plan
 *   checkin.c            device check-ins
 *   rollout_warm.c       the caches filled in slices after a start (ota_engine_warm_step)
 *   reports.c            device reports, confirmations, ota_job_get
 * The rules (which transition, which report, who is eligible) are
 * core/lifecycle.c's; every read and write goes through core/store.h.
 *
 * Speed (DESIGN.md §5): a check-in that changes nothing must not touch the
 * store.  struct ota_rollout keeps three lazily filled caches:
 *   - plans: every plan that can still move (active, upgrading, paused, and
 *     terminated/ended plans with jobs downloading or installing), with
 *     their components, package files and black/white lists as hash sets,
 *     ordered by activation (the plan activated first wins a device);
 *   - devices: by device id, with the last stored telemetry, an interned
 *     version set (so "did the versions change" is a pointer compare) and
 *     its own time zone (the hash of its attribute "timezone" and the zone
 *     loaded once per name into ota_rollout.zones, kept until the engine
 *     closes), so a maintenance window costs one ota_tz_local;
 *   - jobs: per cached plan, device (the store's dev) -> (job id, state,
 *     reason); and the plan's offer token bucket as last read or written
 *     (the store's rate_buckets: refilled and spent inside the check-in's
 *     write transaction; read-only, a cached bucket that is empty answers
 *     "rate_limit", since other engines only ever spend).
 * Writes go to the store first and update the caches after.  Coherence
 * (the store's change watcher, core/store.h):
 *   - another connection committed, or any transaction rolled back:
 *     everything is dropped and refilled lazily;
 *   - another module wrote through this engine: the device cache is
 *     dropped (device imports replace versions); only the rollout writes jobs;
 *   - plans.c calls rollout_invalidate() when a plan changes.
 * Check-ins look for other connections' commits at most once a
 * millisecond (a read may see caches up to 1 ms old, as if it had arrived
 * 1 ms earlier); any check-in that writes re-checks under the write lock
 * and starts over on fresh caches when something moved, so no write is
 * ever based on a stale cache.
 *
 * Counters (plan_counts, and plan_waves for a staged plan) and events
 * change in the same transaction as the job rows they describe, so a
 * status read never scans jobs.  The clock's work has one deadline
 * (next_deadline: a window's end, an auto advance after the soak, the
 * oldest in-flight job's timeout), so a tick with nothing due is one compare.
 *
 * Inside an ota_engine_batch the hot paths (check-ins, reports,
 * confirmations) write in light transactions (store_tx_begin_light): they
 * decide every refusal before their first write, and a failed write rolls
 * back the whole batch. */
#ifndef OTA_ROLLOUT_H
#define OTA_ROLLOUT_H

#include <stdint.h>
#include <string.h>
#include "internal.h"
#include "store.h"

/* ------------------------------------------------------------ hashing */
static inline uint64_t rollout_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* FNV-1a, then a full avalanche: device ids differ in their last
 * characters only, and the tables index by the low bits. */
static inline uint64_t rollout_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return rollout_hash_u64(h);
}

/* ------------------------------------------------------------ containers */
/* A set of strings (black and white lists). */
struct strset {
    char **keys;
    uint64_t *h;
    size_t cap, n;
};

static inline bool strset_has(const struct strset *s, const char *key, uint64_t h)
{
    if (!s->n)
        return false;
    for (size_t k = h & (s->cap - 1); s->keys[k]; k = (k + 1) & (s->cap - 1))
        if (s->h[k] == h && !strcmp(s->keys[k], key))
            return true;
    return false;
}

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

static inline const char *vset_get(const struct vset *vs, const char *component)
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

/* A cached device. */
struct rdev {
    uint64_t h;
    int64_t dev;                /* the store's key */
    int64_t last_seen;          /* as stored */
    const struct vset *vs;      /* as stored */
    int product;                /* index into ota_rollout.products */
    int rsrp, battery;          /* as stored */
    bool has_rsrp, has_battery;
    uint32_t tz_hash;           /* rollout_tz_hash of its attribute "timezone"; 0 = none */
    const ota_tz *tz;           /* that zone (ota_rollout.zones), NULL when none or not a valid zone */
    char id[];
};

struct devtab {
    struct rdev **d;
    size_t cap, n;
};

static inline struct rdev *devtab_find(const struct devtab *t, const char *id, uint64_t h)
{
    if (!t->n)
        return NULL;
    for (size_t k = h & (t->cap - 1); t->d[k]; k = (k + 1) & (t->cap - 1))
        if (t->d[k]->h == h && !strcmp(t->d[k]->id, id))
            return t->d[k];
    return NULL;
}

/* A device's job in a cached plan. */
#define JOB_NONE 0xff /* the device has no job row in this plan */
struct jslot {
    int64_t dev;     /* the device; 0 = empty slot */
    int64_t job;     /* the job's id, 0 when state is JOB_NONE */
    uint8_t state;   /* ota_job_state or JOB_NONE */
    uint8_t reason;  /* ota_defer */
    uint8_t wave;    /* the job's wave (0 without a rollout) */
    uint32_t retry_after; /* not offered before the plan's activated_at + this (0: any time) */
};

struct jobtab {
    struct jslot *s;
    size_t cap, n;
};

static inline struct jslot *jobtab_find(const struct jobtab *t, int64_t dev)
{
    if (!t->n)
        return NULL;
    for (size_t k = rollout_hash_u64((uint64_t)dev) & (t->cap - 1); t->s[k].dev; k = (k + 1) & (t->cap - 1))
        if (t->s[k].dev == dev)
            return &t->s[k];
    return NULL;
}

/* A cached plan. */
struct rplan {
    int64_t id;
    int product;               /* index into ota_rollout.products */
    ota_plan_state state, paused_from;
    ota_mode mode;
    int retries, min_rsrp, min_battery;
    int64_t wstart, wend, job_timeout, activated_at;
    /* staged rollouts, as stored (the engine's rules for them: checkin.c, rollout_tick.c) */
    int64_t retry_interval;    /* strategy.retry_interval_seconds */
    bool has_rollout;          /* false: one wave of 100%, no brake, no rate limit */
    ota_rollout rollout;
    bool has_maintenance;      /* false: any time inside the window */
    ota_maintenance maintenance;
    char paused_reason[32];    /* "" or OTA_PAUSED_FAILURE_THRESHOLD */
    const ota_tz *tz;          /* maintenance.timezone (ota_rollout.zones); NULL: judged in UTC */
    bool bucket_known;         /* bucket holds the stored offer token bucket (gates: checkin.c) */
    ota_rate_bucket bucket;
    /* waves (has_rollout; rollout_waves.c): thresholds and counters as stored */
    store_wave waves[OTA_MAX_WAVES];
    size_t nwaves;             /* 0 until activated */
    int current_wave;          /* the last open wave */
    int64_t wave_reached_at;   /* when the open waves met success_threshold; 0 not yet */
    int64_t oldest_start;      /* earliest start of a job downloading or installing; 0 none (timeouts) */
    ota_offer_component *comps; /* component, target version, kind, source, files */
    size_t ncomps;
    struct strset black, white;
    bool has_white;
    struct jobtab jobs;
};

struct rprod {
    char *key;
    bool exists;               /* confirmed in the store (device cache lifetime) */
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
    ota_tz_cache *zones;       /* loaded time zones, one per name, kept until the engine closes */
    bool dirty;                /* the caches went stale mid-call: drop everything at the next entry */
};

/* The hash a device's zone name is known by (never 0: 0 = none). */
static inline uint32_t rollout_tz_hash(const char *name)
{
    return name[0] ? (uint32_t)rollout_hash(name, strlen(name)) | 1u : 0;
}

/* ------------------------------------------- rollout_cache.c: the caches */
/* The zone named name from the engine's zone cache; NULL when name is ""
 * or no zone that loads (the error is the cache's to remember). */
const ota_tz *rollout_zone(struct ota_rollout *r, const char *name);
/* Intern a list of (component, version) pairs in canonical order; NULL
 * when out of memory. */
const struct vset *rollout_vset_intern(struct vtab *t, const ota_version *v, size_t n);
/* A new cached device (zeroed but for id and h); NULL (and *e) when out of memory. */
struct rdev *rollout_device_new(struct ota_rollout *r, const char *id, uint64_t h, ota_err *e);
/* dev's stored versions, interned; NULL (and *e) on failure. */
const struct vset *rollout_versions_read(ota_engine *eng, struct ota_rollout *r, int64_t dev, ota_err *e);
/* The device of a stored row (store_fleet_device_find's, or the warm-up's)
 * into the cache with its versions vs (interned; NULL: read from the
 * store); NULL (and *e) on failure. */
struct rdev *rollout_device_cache(ota_engine *eng, struct ota_rollout *r, const store_fleet_device *row,
                                  const char *id, uint64_t h, const struct vset *vs, ota_err *e);
/* A new (zeroed but for dev) slot; NULL when out of memory. */
struct jslot *rollout_jobtab_put(struct jobtab *t, int64_t dev);
/* Index of product key in the interned list; -1 if absent and !add (or out of memory). */
int rollout_product_index(struct ota_rollout *r, const char *key, bool add);
void rollout_drop_plans(struct ota_rollout *r);
void rollout_drop_all(struct ota_rollout *r);

/* Every public entry point: create the caches on first use and drop what
 * may be stale (see the top comment).  relaxed (check-ins only): another
 * connection's commits are looked for at most every STORE_WATCH_EVERY_US.
 * NULL (and *e) on failure.  rollout_leave marks what this call wrote as seen. */
struct ota_rollout *rollout_enter_x(ota_engine *eng, bool relaxed, ota_err *e);
struct ota_rollout *rollout_enter(ota_engine *eng, ota_err *e);
void rollout_leave(ota_engine *eng, struct ota_rollout *r);

/* Fill the plan cache (a no-op while it is loaded). */
int rollout_plans_load(ota_engine *eng, struct ota_rollout *r, ota_err *e);
struct rplan *rollout_plan_find(struct ota_rollout *r, int64_t id);
/* When the clock next has work for p (INT64_MAX: never). */
int64_t rollout_plan_deadline(const struct rplan *p);

/* ------------------------------------- rollout_tick.c: writes and clock */
/* One job changes state: row, counters (the plan's and its wave's) and
 * event together.  progress/attempt < 0 keep the stored value; error NULL
 * keeps it. */
int rollout_job_write(ota_engine *eng, struct rplan *p, int wave, int64_t job, const char *device, ota_job_state from,
                      ota_job_state to, ota_defer reason, int progress, int attempt, const char *error,
                      int64_t now, ota_err *e);
/* The same, recording prev: the versions the device reported when offered. */
int rollout_job_write_prev(ota_engine *eng, struct rplan *p, int wave, int64_t job, const char *device,
                           ota_job_state from, ota_job_state to, ota_defer reason, int progress, int attempt,
                           const char *error, const char *prev, int64_t now, ota_err *e);
/* Every job of the plan in states lo..hi moves to `to` (terminate, end,
 * timeout): one event per job, counters moved in bulk. */
int rollout_jobs_bulk_move(ota_engine *eng, int64_t plan, ota_job_state lo, ota_job_state hi,
                           ota_job_state to, const char *error, int64_t now, ota_err *e);
/* Ends plans whose window passed and fails in-flight jobs of ended plans
 * past their job timeout.  readonly: OTA_CHECKIN_WOULD_WRITE instead of
 * any write. */
int rollout_tick_run(ota_engine *eng, struct ota_rollout *r, bool readonly, ota_err *e);

/* ------------------------------------------ rollout_waves.c: the waves */
/* A device's keyed hash in a plan (libsodium crypto_shorthash, a fixed
 * project key): the same on every instance and restart. */
uint64_t rollout_wave_hash(int64_t plan, const char *device);
/* The wave of a device hash by p's thresholds (0 without waves). */
int rollout_wave_of(const struct rplan *p, uint64_t h);
/* Activation of a plan with a rollout: jobs of the targeted devices, each
 * in its wave, the thresholds and counters; returns the jobs created. */
int64_t rollout_waves_activate(ota_engine *eng, const ota_plan *pl, int64_t now, ota_err *e);
/* Fill p's waves from the store (plan loading). */
int rollout_waves_load(ota_engine *eng, struct rplan *p, ota_err *e);
/* A job of p in wave moved from -> to: the wave's counters, and the time
 * the open waves met the success threshold. */
int rollout_wave_moved(ota_engine *eng, struct rplan *p, int wave, ota_job_state from, ota_job_state to,
                       int64_t now, ota_err *e);
/* A new job of p in wave (a device registered after activation). */
int rollout_wave_joined(ota_engine *eng, struct rplan *p, int wave, ota_err *e);
/* When auto advance next opens a wave of p (INT64_MAX: never). */
int64_t rollout_wave_deadline(const struct rplan *p);
/* A job of p failed for good: trip the brake when the open waves' failed
 * share passed the threshold (pause, terminate, or terminate with rollback
 * drafts; once: a paused or terminated plan is not offering). */
int rollout_brake_check(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e);
/* reports.c: a job of p fails (a report, or error "timeout" at the clock):
 * retried with attempt+1 (not before retry_interval) while the plan is
 * live and retries are left, else failed for good (the brake looks).
 * *final_state: where the job ends. */
int rollout_job_fail(ota_engine *eng, struct rplan *p, const store_job_ref *j, const char *error, bool timeout,
                     int64_t now, ota_job_state *final_state, ota_err *e);
/* A cached slot's retry time as stored (absolute; 0 none) and back. */
static inline int64_t rollout_slot_retry_at(const struct rplan *p, const struct jslot *s)
{
    return s->retry_after ? p->activated_at + s->retry_after : 0;
}
static inline uint32_t rollout_retry_after(const struct rplan *p, int64_t retry_at)
{
    int64_t d = retry_at - p->activated_at;
    return retry_at <= 0 ? 0 : d < 1 ? 1 : d > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}
/* A slot as the store holds the job (found 0: no job row, JOB_NONE). */
static inline void rollout_slot_set(const struct rplan *p, struct jslot *s, int found, int64_t job,
                                    ota_job_state state, ota_defer reason, int wave, int64_t retry_at)
{
    s->job = job;
    s->state = found ? (uint8_t)state : JOB_NONE;
    s->reason = (uint8_t)reason;
    s->wave = (uint8_t)wave;
    s->retry_after = rollout_retry_after(p, retry_at);
}
/* rollout_tick.c: in-flight jobs of live plans past job_timeout since they started fail. */
int rollout_timeouts_run(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e);
/* Rollback drafts of a braked plan (rollout_rollback.c): its succeeded
 * devices grouped by the versions they were offered from, one saved plan
 * per group whose versions all have a full package. */
int rollout_rollback_drafts(ota_engine *eng, const struct rplan *p, ota_err *e);
/* The clock: open p's next wave when auto advance is due. */
int rollout_waves_tick(ota_engine *eng, struct rplan *p, int64_t now, ota_err *e);

#endif
