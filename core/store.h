/* The store layer's interface: every read and write of persistent state
 * that core/ makes goes through these typed functions.  The SQLite
 * implementation lives in core/store/ (one file per group of tables, the
 * SQL text and every sqlite3_* call with it); nothing here names an SQLite
 * type, a row id or a SQL string, so a second implementation (PostgreSQL)
 * can sit beside it.  Private to core/.
 *
 * Conventions: functions return 0 (or a count >= 0) on success and -1 with
 * *e filled on failure (OTA_E_NOT_FOUND when a named row does not exist,
 * OTA_E_IO for disk trouble, OTA_E_UNAVAILABLE when the store is busy).
 * Callers hold the engine lock.  Enum values stored on disk are text or
 * numbers pinned in ota.h ("on-disk" comments there). */
#ifndef OTA_STORE_H
#define OTA_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "ota.h"

/* ================================================ connection (store/sqlite.c) */
/* Open (creating and migrating) the store at path; store_close undoes it,
 * rolling back anything left open. */
int  store_open(ota_engine *eng, const char *path, ota_err *e);
void store_close(ota_engine *eng);
int  store_schema_version(ota_engine *eng);  /* -1 when it cannot be read */

/* ================================================ transactions (store/sqlite.c) */
/* One stack of levels per engine.  store_tx_begin opens a level:
 *   - the outermost one is a write transaction (BEGIN IMMEDIATE: the write
 *     lock is taken at once, so a transaction never fails half-way for
 *     want of it);
 *   - a nested one (inside another level or an open batch) is a savepoint:
 *     its rollback undoes only what it wrote.
 * store_tx_begin_light is for the hot paths (check-ins, reports) that
 * decide every refusal before their first write: directly inside an open
 * batch it opens no savepoint (a savepoint copies each page it touches);
 * if such a level rolls back after writing, the whole batch is rolled back
 * ("doomed"): every later call of the batch fails with the first error
 * and ota_engine_batch_end reports it, so nothing of the batch is
 * acknowledged.  Outside a batch it is store_tx_begin.
 * Every level ends with exactly one store_tx_commit or store_tx_rollback
 * (why: the error that made it fail, kept as the doom; may be NULL). */
int  store_tx_begin(ota_engine *eng, ota_err *e);
int  store_tx_begin_light(ota_engine *eng, ota_err *e);
int  store_tx_commit(ota_engine *eng, ota_err *e);
void store_tx_rollback(ota_engine *eng, const ota_err *why);
bool store_tx_open(ota_engine *eng);         /* a level is open */

/* A batch: many public calls in one transaction (ota_engine_batch_*). */
int  store_batch_begin(ota_engine *eng, ota_err *e);
int  store_batch_end(ota_engine *eng, ota_err *e);
/* -1 with the doom when inside a batch that was rolled back. */
int  store_batch_check(ota_engine *eng, ota_err *e);

/* ================================================ change watcher (store/sqlite.c) */
/* Every cache of stored rows keeps one store_watch and asks it, on entry,
 * what moved since it last looked:
 *   STORE_MOVED_OTHERS   another connection (process) committed, or the
 *                        store cannot tell (treat as moved);
 *   STORE_MOVED_ROLLBACK a transaction of this engine rolled back;
 *   STORE_MOVED_LOCAL    this engine wrote since store_watch_mark.
 * STORE_WATCH_RELAXED asks the file for OTHERS at most once per
 * STORE_WATCH_EVERY_US (it costs system calls): a cache may then answer
 * up to that long after another process's commit, as if the question had
 * come that much earlier.  Ask without it inside a write transaction
 * before writing anything based on a cache. */
typedef struct store_watch {
    int64_t version;    /* the store's commit counter for other connections */
    int64_t checked_us; /* monotonic time of the last look (RELAXED) */
    uint64_t rollbacks; /* rollbacks seen */
    int64_t changes;    /* this engine's writes seen (store_watch_mark) */
} store_watch;
enum { STORE_MOVED_OTHERS = 1, STORE_MOVED_ROLLBACK = 2, STORE_MOVED_LOCAL = 4 };
enum { STORE_WATCH_RELAXED = 1 };
#define STORE_WATCH_EVERY_US 1000
void     store_watch_init(store_watch *w);  /* the first look reports everything moved */
unsigned store_watch_check(ota_engine *eng, store_watch *w, unsigned flags);
void     store_watch_mark(ota_engine *eng, store_watch *w);
/* Memory-map the store's file for random reads of a large fleet. */
void     store_tune_for_fleet(ota_engine *eng);

/* ================================================ paging (store/sqlite.c) */
/* Start an id-keyed page: *req becomes pg checked (limit 1..1000, 0 = the
 * default; pg NULL = first page), *id the id its cursor carries (0 on the
 * first page), *items room for req->limit items of size bytes.  Lists hand
 * out the last id shown as their next cursor. */
int store_page_begin(ota_page_req *req, const ota_page_req *pg, int64_t *id, void **items,
                     size_t size, ota_err *e);

/* ================================================ products, devices, keys (store/products.c) */
/* ---------------------------------------------- end of products */

/* ================================================ tokens (store/tokens.c) */
/* ---------------------------------------------- end of tokens */

/* ================================================ audit (store/audit.c) */
/* ---------------------------------------------- end of audit */

/* ================================================ packages, files (store/packages.c) */
/* ---------------------------------------------- end of packages */

/* ================================================ signatures, trust (store/sign.c) */
/* ---------------------------------------------- end of signatures */

/* ================================================ plans (store/plans.c) */
/* ---------------------------------------------- end of plans */

/* ================================================ status, preview (store/status.c) */
/* ---------------------------------------------- end of status */

/* ================================================ simulator fleet (store/sim.c) */
/* ---------------------------------------------- end of sim */

/* ================================================ DDI support (store/ddi.c) */
/* ---------------------------------------------- end of ddi */

/* ================================================ rollout: jobs, counts, events (store/jobs.c) */
/* The rollout engine's reads and writes.  A device is named by the plain
 * integer key store_fleet_device_find and store_fleet_device_register give
 * (dev); job states are the ota_job_state numbers, reasons ota_defer. */

/* ---- jobs (store/jobs.c) */
/* One job's row moves to `to` with reason (OTA_ELIGIBLE: none); progress
 * and attempt < 0 keep the stored value, error NULL keeps it; the first
 * move to downloading stamps started_at.  (Counters and events are the
 * caller's: store_counts_move, store_event_add.) */
int store_job_update(ota_engine *eng, int64_t job, ota_job_state to, ota_defer reason, int progress,
                     int attempt, const char *error, int64_t now, ota_err *e);
/* A new pending job of dev in plan (attempt 1); returns its id (> 0). */
int64_t store_job_create(ota_engine *eng, int64_t plan, int64_t dev, int64_t now, ota_err *e);
/* Activation: a pending job for every device of product that plan's lists
 * let through (blacklist wins; a whitelist, when there is one, must name
 * the device); returns how many were created. */
int64_t store_jobs_create_for_plan(ota_engine *eng, int64_t plan, const char *product, int64_t now,
                                   ota_err *e);
/* dev's job in plan: 1 (and *job, *state, *reason), 0 when it has none. */
int store_job_find(ota_engine *eng, int64_t plan, int64_t dev, int64_t *job, ota_job_state *state,
                   ota_defer *reason, ota_err *e);
/* A job as reports and confirmations need it; not_found when no such job. */
typedef struct store_job_ref {
    int64_t id, plan, dev;
    ota_job_state state;
    int attempt;
    char device[OTA_DEVICE_ID_MAX + 1];
} store_job_ref;
int store_job_ref_get(ota_engine *eng, int64_t job, store_job_ref *out, ota_err *e);
/* A job's row as shown (ota_job_get); not_found when no such job. */
int store_job_row_get(ota_engine *eng, int64_t job, int64_t *plan, ota_job_row *out, ota_err *e);
/* Every job of plan in states lo..hi moves to `to` (error NULL keeps the
 * stored error), each with its event (by state, then job id); returns how
 * many moved. */
int64_t store_jobs_move_all(ota_engine *eng, int64_t plan, ota_job_state lo, ota_job_state hi,
                            ota_job_state to, const char *error, int64_t now, ota_err *e);

/* ---- plan_counts and events (store/jobs.c) */
int store_counts_create(ota_engine *eng, int64_t plan, ota_err *e);  /* a 0 per job state */
int store_counts_add(ota_engine *eng, int64_t plan, ota_job_state s, int64_t n, ota_err *e);
/* One job moved from -> to (nothing when they are equal). */
int store_counts_move(ota_engine *eng, int64_t plan, ota_job_state from, ota_job_state to, ota_err *e);
int store_counts_clear(ota_engine *eng, int64_t plan, ota_job_state lo, ota_job_state hi, ota_err *e);
/* device NULL: a plan event; from and to are state names. */
int store_event_add(ota_engine *eng, int64_t plan, const char *device, const char *from, const char *to,
                    int64_t now, ota_err *e);
/* The plan moves from -> to (revision + 1; activated_at at its first
 * activation, ended_at when it ends, paused_from when paused), with its event. */
int store_rollout_plan_state(ota_engine *eng, int64_t plan, ota_plan_state from, ota_plan_state to,
                             int64_t now, ota_err *e);

/* ---- devices as check-ins see them (store/fleet.c) */
typedef struct store_fleet_device {
    int64_t dev;
    char product[OTA_KEY_MAX + 1];
    bool has_rsrp;    int rsrp;
    bool has_battery; int battery;
    int64_t last_seen;
} store_fleet_device;
/* 1 when the product exists, 0 when not. */
int store_fleet_product_exists(ota_engine *eng, const char *product, ota_err *e);
/* 1 (and *out) when the device is known, 0 when not. */
int store_fleet_device_find(ota_engine *eng, const char *device_id, store_fleet_device *out, ota_err *e);
/* Up to max of dev's versions into v (any order); *n how many. */
int store_fleet_versions(ota_engine *eng, int64_t dev, ota_version *v, size_t max, size_t *n, ota_err *e);
/* A new device with the request's telemetry and versions, last seen now;
 * returns its dev (> 0). */
int64_t store_fleet_device_register(ota_engine *eng, const ota_checkin_req *q, int64_t now, ota_err *e);
/* dev's versions become exactly v. */
int store_fleet_versions_replace(ota_engine *eng, int64_t dev, const ota_version *v, size_t n, ota_err *e);
/* dev now runs version of component (added or replaced). */
int store_fleet_version_set(ota_engine *eng, int64_t dev, const char *component, const char *version,
                            ota_err *e);
/* Telemetry (has_ false: stored as never reported) and last_seen. */
int store_fleet_telemetry(ota_engine *eng, int64_t dev, bool has_rsrp, int rsrp, bool has_battery,
                          int battery, int64_t last_seen, ota_err *e);

/* ---- plans as the rollout loads them (store/fleet.c) */
/* The plans that can still move: active, upgrading, paused, and
 * terminated or ended plans with jobs downloading or installing; in
 * activation order.  fn is called once per plan (a nonzero return stops
 * the walk and is returned; fn must not call the store). */
typedef struct store_fleet_plan {
    int64_t id;
    char product[OTA_KEY_MAX + 1];
    ota_plan_state state, paused_from;  /* paused_from: active when not paused */
    ota_mode mode;
    int retries, min_rsrp, min_battery;
    int64_t window_start, window_end, job_timeout, activated_at;  /* activated_at 0 = never */
} store_fleet_plan;
int store_fleet_plans(ota_engine *eng, int (*fn)(void *ctx, const store_fleet_plan *p, ota_err *e), void *ctx,
                      ota_err *e);
/* plan's components in order, each with its package's target, kind, source
 * and files (no signatures): *out malloc'd (caller frees; NULL when none
 * and on failure), at most OTA_MAX_COMPONENTS. */
int store_fleet_plan_components(ota_engine *eng, int64_t plan, ota_offer_component **out, size_t *n,
                                ota_err *e);
/* fn once per device id of plan's blacklist (black) and whitelist, as
 * store_fleet_plans calls its fn. */
int store_fleet_plan_lists(ota_engine *eng, int64_t plan,
                           int (*fn)(void *ctx, bool black, const char *device_id, ota_err *e), void *ctx,
                           ota_err *e);
/* ---------------------------------------------- end of rollout */

#endif
