/* The store layer's interface: every read and write of persistent state
 * that core/ makes goes through these typed functions.  The SQLite
 * implementation lives in core/store/ (one file per group of tables, the
 * SQL text and every call into SQLite with it); nothing here names an SQLite
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
/* WAL checkpoints on a thread with its own connection instead of inside
 * the commit that fills the WAL (store/checkpoint.c); store_close stops it. */
int  store_checkpointer_start(ota_engine *eng, ota_err *e);
void store_checkpointer_stop(ota_engine *eng);

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

/* A read snapshot: every read until store_snapshot_end sees one state of
 * the store.  It is a level of the same stack: outermost, a read
 * transaction (BEGIN, ended by COMMIT, so caches watching the store keep
 * what they hold); inside another level it adds nothing (that level's
 * reads are one snapshot already).  Nothing may write inside it:
 * store_tx_begin refuses there. */
int  store_snapshot_begin(ota_engine *eng, ota_err *e);
void store_snapshot_end(ota_engine *eng);

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
/* Products.  The device key is kept only as its hash (hash_len bytes). */
int store_product_exists(ota_engine *eng, const char *key, bool *exists, ota_err *e);
int store_product_insert(ota_engine *eng, const ota_product *p, const unsigned char *hash,
                         size_t hash_len, ota_err *e);
int store_product_get(ota_engine *eng, const char *key, ota_product *out, ota_err *e);
int store_product_list(ota_engine *eng, ota_product_list *out, ota_err *e); /* ordered by key */
/* The stored hash of product's device key into hash[len], with how its
 * devices authenticate and whether its enrollment is closed: 1 found, 0 no
 * such product (or a hash of another length), -1 failure. */
int store_product_key_hash(ota_engine *eng, const char *product, unsigned char *hash, size_t len,
                           ota_device_auth *mode, bool *closed, ota_err *e);

/* Devices.  store_device_put adds d to product or, when its id is already
 * there, replaces its versions and the telemetry d gives (*added tells
 * which); OTA_E_CONFLICT when the id belongs to another product.  Call it
 * inside a transaction: it writes several rows. */
int store_device_put(ota_engine *eng, const char *product, const ota_device *d, bool *added,
                     ota_err *e);
int store_device_get(ota_engine *eng, const char *id, ota_device *out, ota_err *e);
/* One page ordered by device id, of product (NULL or "" = all) with q a
 * substring of the id (NULL or "" = any), after the cursor id (0 = from the
 * start; see store_page_begin); out->items has room for limit devices;
 * fills out->n and, when more follow, out->next_cursor. */
int store_device_page(ota_engine *eng, const char *product, const char *q, int64_t after, int limit,
                      ota_device_page *out, ota_err *e);
/* ---------------------------------------------- end of products */

/* ================================================ device identity (store/devauth.c) */
/* A product's device authentication and enrollment (migration 8);
 * OTA_E_NOT_FOUND for an unknown product. */
int store_product_set_auth(ota_engine *eng, const char *product, ota_device_auth mode, bool closed, ota_err *e);
/* How many of product's devices have no active token. */
int store_product_devices_without_token(ota_engine *eng, const char *product, long *n, ota_err *e);
/* Whose job is it: the product and device id of job's device (product
 * OTA_KEY_MAX + 1, device OTA_DEVICE_ID_MAX + 1); OTA_E_NOT_FOUND naming
 * "job" when there is no such job. */
int store_job_owner(ota_engine *eng, int64_t job, char *product, char *device, ota_err *e);
/* One device's credential as stored: 1 (and *out) when the device exists,
 * 0 when it does not.  has_hash: an active token's hash is stored. */
#define STORE_TOKEN_HASH_LEN 32
typedef struct store_device_cred {
    char product[OTA_KEY_MAX + 1];
    ota_credential state;
    int64_t at;
    bool has_hash;
    unsigned char hash[STORE_TOKEN_HASH_LEN];
} store_device_cred;
int store_device_cred_get(ota_engine *eng, const char *device, store_device_cred *out, ota_err *e);
/* device's credential becomes state at `at`, with hash[len] the hash of its
 * active token (NULL: none kept).  OTA_E_NOT_FOUND for an unknown device,
 * OTA_E_CONFLICT when another device holds that hash. */
int store_device_cred_set(ota_engine *eng, const char *device, ota_credential state, const unsigned char *hash,
                          size_t len, int64_t at, ota_err *e);
/* The device whose active token's hash is hash[len]: 1 with its id
 * (device[dlen]), product (product[plen]) and the stored hash (stored[len],
 * for the caller's constant-time compare), 0 none, -1 failure. */
int store_device_by_token(ota_engine *eng, const unsigned char *hash, size_t len, char *device, size_t dlen,
                          char *product, size_t plen, unsigned char *stored, ota_err *e);
/* A new device of product with nothing reported yet (a token issued ahead
 * of its first check-in); OTA_E_CONFLICT when the id exists. */
int store_device_register(ota_engine *eng, const char *product, const char *device, ota_err *e);
/* ---------------------------------------------- end of device identity */

/* ================================================ tokens (store/tokens.c) */
/* A token is stored by name with the hash of its secret (hash_len bytes);
 * t gives name, role and created_at, *id receives its id.  OTA_E_CONFLICT
 * when the name is taken. */
int store_token_name_taken(ota_engine *eng, const char *name, bool *taken, ota_err *e);
int store_token_insert(ota_engine *eng, const ota_token_info *t, const unsigned char *hash,
                       size_t hash_len, int64_t *id, ota_err *e);
int store_token_list(ota_engine *eng, ota_token_list *out, ota_err *e); /* ordered by id */
/* Marks the active token named name revoked at `at`; OTA_E_NOT_FOUND when
 * there is no such active token. */
int store_token_revoke(ota_engine *eng, const char *name, int64_t at, ota_err *e);
/* The token whose hash is hash[len] (revoked or not), with the stored hash
 * copied to stored[len] for the caller's constant-time compare: 1 found,
 * 0 none (or a stored hash of another length), -1 failure. */
int store_token_by_hash(ota_engine *eng, const unsigned char *hash, size_t len, ota_token_info *out,
                        unsigned char *stored, ota_err *e);
/* ---------------------------------------------- end of tokens */

/* ================================================ audit (store/audit.c) */
/* The trail is append-only: rows are added and read, never changed. */
int store_audit_append(ota_engine *eng, int64_t at, const char *actor, const char *action,
                       const char *target, const char *outcome, const char *detail, ota_err *e);
/* One page oldest first, after the cursor seq (0 = from the start), of the
 * rows matching q's actor, target (NULL or "" = any) and since; out->items
 * has room for limit rows; fills out->n and, when more follow,
 * out->next_cursor. */
int store_audit_page(ota_engine *eng, const ota_audit_query *q, int64_t after, int limit,
                     ota_audit_page *out, ota_err *e);
/* ---------------------------------------------- end of audit */

/* ================================================ audit counts for otad's metrics (store/audit.c) */
/* Rows of the trail with this action and outcome "ok" (the trail only grows,
 * so the count never falls: a Prometheus counter). */
int store_audit_count_action(ota_engine *eng, const char *action, int64_t *out, ota_err *e);
/* ---------------------------------------------- end of audit counts */

/* ================================================ packages, files (store/packages.c) */
/* A new package row and its files (in order), in one transaction; *id is
 * the new package's id.  Call only once every file's blob is in place. */
int store_package_insert(ota_engine *eng, const ota_package_meta *m, const ota_file *files, size_t n,
                         int64_t created_at, int64_t *id, ota_err *e);
/* The package id with its files (not its signatures); OTA_E_NOT_FOUND. */
int store_package_get(ota_engine *eng, int64_t id, ota_package *out, ota_err *e);
/* Newest first (ids grow with creation): up to limit packages with an id
 * below before (0: from the newest), of component (NULL or "": all), with
 * their files, into items (room for limit); *more when others follow. */
int store_package_list(ota_engine *eng, const char *component, int64_t before, int limit, ota_package *items,
                       size_t *n, bool *more, ota_err *e);
/* Ids (ascending, at most max) of the packages with m's component, kind,
 * target and source versions. */
int store_package_find_meta(ota_engine *eng, const ota_package_meta *m, int64_t *ids, size_t max, size_t *n,
                            ota_err *e);
/* 1 when a file of some package has this SHA-256, 0 when none has. */
int store_package_file_named(ota_engine *eng, const char *sha256, ota_err *e);
/* The plans past saved that list package id, by plan id: *n is how many
 * there are, out holds the first max (state OTA_PLAN__COUNT if unreadable). */
typedef struct store_plan_use { int64_t plan; ota_plan_state state; } store_plan_use;
int store_package_users(ota_engine *eng, int64_t id, store_plan_use *out, size_t max, size_t *n, ota_err *e);
/* In one transaction: the plans listing package id lose that component (a
 * new revision each, updated at now), then the package and its files go.
 * plans gets the ids (at most max) of the plans that listed it. */
int store_package_delete(ota_engine *eng, int64_t id, int64_t now, int64_t *plans, size_t max, size_t *nplans,
                         ota_err *e);
/* ---------------------------------------------- end of packages */

/* ================================================ signatures, trust (store/sign.c) */
/* Package package's signatures, oldest first, at most max into out. */
int store_signatures_load(ota_engine *eng, int64_t package, ota_signature *out, size_t max, size_t *n,
                          ota_err *e);
/* Store s (key_id, signer, signature, public_key) on package, made at
 * created_at; OTA_E_CONFLICT when that key signed the package already. */
int store_signature_insert(ota_engine *eng, int64_t package, const ota_signature *s, int64_t created_at,
                           ota_err *e);
/* ---------------------------------------------- end of signatures */

/* ================================================ plans (store/plans.c) */
/* What a plan names (its product: store_product_exists): 1 with the
 * component package is for (len bytes) when the package exists, 0 when not. */
int store_plan_package_component(ota_engine *eng, int64_t package, char *component, size_t len,
                                 ota_err *e);
/* A new saved plan at revision 1, created and updated at now, with p's
 * settings, components and lists; *id is its id.  Inside a transaction. */
int store_plan_insert(ota_engine *eng, const ota_plan *p, int64_t now, int64_t *id, ota_err *e);
/* Writes p's settings, components and lists over plan p->id, updated at
 * now with the next revision, only if it is still saved at revision
 * p->revision: 1 when written, 0 when not.  Inside a transaction. */
int store_plan_update_saved(ota_engine *eng, const ota_plan *p, int64_t now, ota_err *e);
/* Plan id with its components (and with lists, its black and white
 * lists) into out, which is initialised first; on failure it holds
 * nothing to free.  OTA_E_NOT_FOUND (field "id") when there is none. */
int store_plan_get(ota_engine *eng, int64_t id, ota_plan *out, bool lists, ota_err *e);
/* Plans with their components (not their lists), newest first: of state
 * (-1: any) and product (NULL or "": any), older than plan before (0: from
 * the newest); up to limit of them into items, counted in *n as they are
 * read (ota_plan_free each of those, even on failure); *more when others
 * follow. */
int store_plan_list(ota_engine *eng, int state, const char *product, int64_t before, int limit,
                    ota_plan *items, size_t *n, bool *more, ota_err *e);
/* Deletes plan id if it is saved, and its events.  Inside a transaction. */
int store_plan_delete_saved(ota_engine *eng, int64_t id, ota_err *e);
/* ---------------------------------------------- end of plans */

/* ================================================ staged rollouts (store/plans.c) */
/* Insert, update, get and list carry a plan's rollout, maintenance,
 * retry_interval_seconds and paused_reason (plans columns rollout and
 * maintenance: the codec's JSON text, NULL when none; retry_interval;
 * paused_reason).  Create and update never write paused_reason: it is the
 * engine's, set here ("" clears it). */
int store_plan_set_paused_reason(ota_engine *eng, int64_t plan, const char *reason, ota_err *e);
/* ---------------------------------------------- end of staged rollouts */

/* ================================================ status, preview (store/status.c) */
/* 0 when plan exists, -1 with OTA_E_NOT_FOUND ("id") when it does not. */
int store_status_plan_check(ota_engine *eng, int64_t plan, ota_err *e);
/* The plan's state and revision, its jobs per state and the seq of its
 * newest event (0 when none). */
int store_status_get(ota_engine *eng, int64_t plan, ota_plan_status *out, ota_err *e);
/* The plan's jobs, of one state (state >= 0) or of all (state < 0), in
 * (state, job id) order, after the row (after_state, after_job) a cursor
 * names (after_state < 0: from the start): up to limit rows into rows[],
 * *more when there are further ones. */
int store_status_jobs(ota_engine *eng, int64_t plan, int state, int after_state, int64_t after_job,
                      int limit, ota_job_row *rows, size_t *n, bool *more, ota_err *e);
/* The plan's events with seq > since, oldest first, up to limit into events[]. */
int store_status_events(ota_engine *eng, int64_t plan, int64_t since, int limit, ota_event *events,
                        size_t *n, ota_err *e);

/* What the targeting preview counts with: the plan's strategy and
 * components, and per device of its product the facts the eligibility
 * rule asks (ota_eligibility). */
typedef struct store_preview_comp {
    char component[OTA_KEY_MAX + 1];
    char target[OTA_KEY_MAX + 1], source[OTA_KEY_MAX + 1];  /* source "" unless diff */
    bool diff;
} store_preview_comp;
typedef struct store_preview_plan {
    char product[OTA_KEY_MAX + 1];
    int min_rsrp, min_battery;
    store_preview_comp comps[OTA_MAX_COMPONENTS];  /* in the plan's order */
    size_t ncomps;
    bool has_white;                                /* the plan has a white list */
} store_preview_plan;
typedef struct store_preview_device {
    bool blacklisted, whitelisted;      /* on the plan's lists */
    uint32_t at_target, at_source;      /* bit k: runs comps[k]'s target / (diff) source */
    bool has_rsrp, has_battery;         /* ever reported */
    int rsrp, battery;
} store_preview_device;
/* OTA_E_NOT_FOUND ("id") when there is no such plan. */
int store_preview_plan_get(ota_engine *eng, int64_t plan, store_preview_plan *out, ota_err *e);
/* each(arg, device) once per device of p's product (p as read for plan by
 * store_preview_plan_get, in the same snapshot), in no particular order;
 * *device is valid during the call only. */
int store_preview_devices(ota_engine *eng, int64_t plan, const store_preview_plan *p,
                          void (*each)(void *arg, const store_preview_device *device), void *arg,
                          ota_err *e);
/* ---------------------------------------------- end of status */

/* ================================================ simulator fleet (store/sim.c) */
/* A generated fleet (ota_fleet_generate): devices named prefix + i, i in
 * six digits at least ("dev-000042"), for i = 1..n, of product, each with
 * the rsrp, battery and one version per component that the generator's
 * functions give for i (pure functions; versions are static text).
 * Devices already stored are left as they are.  Inside a transaction,
 * between store_devices_bulk_begin and store_devices_bulk_end. */
typedef struct store_fleet {
    const char *product;
    const char *prefix;
    long n;
    const char *const *components;  /* in key order */
    int ncomponents;
    const void *ctx;                /* handed to the functions */
    int (*rsrp)(const void *ctx, int64_t i);
    int (*battery)(const void *ctx, int64_t i);
    const char *(*version)(const void *ctx, int64_t i, int component);
} store_fleet;
int store_fleet_insert(ota_engine *eng, const store_fleet *f, ota_err *e);
/* Around a bulk load of n devices, inside its transaction: the store may
 * set aside what is cheaper rebuilt once afterwards than updated row by
 * row (SQLite: the device versions' (component, version) index, when the
 * load is at least as large as the fleet stored); _end puts it back.  A
 * rollback of the transaction undoes both. */
int store_devices_bulk_begin(ota_engine *eng, long n, ota_err *e);
int store_devices_bulk_end(ota_engine *eng, ota_err *e);
/* The simulator's devices: of product (NULL: every device), in the order
 * they were stored, each handed to each (its strings last until it
 * returns); each returns -1 with *e filled to stop, and the call fails. */
typedef struct store_sim_device {
    const char *device_id, *product;
    bool has_rsrp, has_battery;     /* reported telemetry */
    int rsrp, battery;
    const char *versions;           /* "component=version;..." ("" when none) */
} store_sim_device;
int store_sim_devices(ota_engine *eng, const char *product,
                      int (*each)(void *ctx, const store_sim_device *d, ota_err *e), void *ctx, ota_err *e);
/* ---------------------------------------------- end of sim */

/* ================================================ DDI support (store/ddi.c) */
/* A device's attributes (configData) as stored, JSON text: *found whether
 * the device exists, *text a malloc'ed copy (NULL when it never reported
 * or does not exist).  set stores text for an existing device. */
int store_ddi_attrs_get(ota_engine *eng, const char *device, bool *found, char **text, ota_err *e);
int store_ddi_attrs_set(ota_engine *eng, const char *device, const char *text, ota_err *e);
/* A DDI agent was shown job at now (noted once: the first time stays). */
int store_ddi_offer_note(ota_engine *eng, int64_t job, int64_t now, ota_err *e);
/* The first job (by id) shown to device that was taken back before it
 * started (its plan terminated, the job never started) and whose
 * cancellation was not acknowledged; only > 0 looks at that job alone.
 * *job 0 when none. */
int store_ddi_cancel_find(ota_engine *eng, const char *device, int64_t only, int64_t *job, ota_err *e);
int store_ddi_cancel_ack(ota_engine *eng, int64_t job, int64_t now, ota_err *e);
/* 1 when a plan of product uses package, 0 when none does. */
int store_ddi_package_of_product(ota_engine *eng, const char *product, int64_t package, ota_err *e);
/* Package files without a SHA-1 or MD5 (package 0: of every package), by
 * package and index: *files malloc'ed, *n of them (NULL, 0 on failure). */
typedef struct store_ddi_file {
    int64_t package;
    int idx;
    char sha256[65];
} store_ddi_file;
int store_ddi_files_unhashed(ota_engine *eng, int64_t package, store_ddi_file **files, size_t *n,
                             ota_err *e);
int store_ddi_file_hashes_set(ota_engine *eng, int64_t package, int idx, const char *sha1,
                              const char *md5, ota_err *e);
/* ---------------------------------------------- end of ddi */

/* ================================================ rollout: jobs, counts, events (store/jobs.c) */
/* The rollout engine's reads and writes.  A device is named by the plain
 * integer key store_fleet_device_find and store_fleet_device_register give
 * (dev); job states are the ota_job_state numbers, reasons ota_defer. */

/* ---- jobs (store/jobs.c) */
/* One job's row moves to `to` with reason (OTA_ELIGIBLE: none); progress
 * and attempt < 0 keep the stored value, error NULL keeps it; the first
 * move to downloading stamps started_at (back to pending clears it); prev (NULL keeps) the versions the
 * device reported when offered (store "waves").  (Counters and events are the
 * caller's: store_counts_move, store_event_add.) */
int store_job_update(ota_engine *eng, int64_t job, ota_job_state to, ota_defer reason, int progress,
                     int attempt, const char *error, const char *prev, int64_t now, ota_err *e);
/* A new pending job of dev in plan (attempt 1) in wave; returns its id (> 0). */
int64_t store_job_create(ota_engine *eng, int64_t plan, int64_t dev, int wave, int64_t now, ota_err *e);
/* Activation: a pending job for every device of product that plan's lists
 * let through (blacklist wins; a whitelist, when there is one, must name
 * the device); returns how many were created. */
int64_t store_jobs_create_for_plan(ota_engine *eng, int64_t plan, const char *product, int64_t now,
                                   ota_err *e);
/* dev's job in plan: 1 (and *job, *state, *reason, *wave, *retry_at), 0 when it has none. */
int store_job_find(ota_engine *eng, int64_t plan, int64_t dev, int64_t *job, ota_job_state *state,
                   ota_defer *reason, int *wave, int64_t *retry_at, ota_err *e);
/* A job as reports and confirmations need it; not_found when no such job. */
typedef struct store_job_ref {
    int64_t id, plan, dev;
    ota_job_state state;
    int attempt;
    int wave;
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
    char timezone[OTA_TZ_NAME_MAX + 1];  /* its attribute "timezone" ("" none; may not be a valid zone) */
} store_fleet_device;
/* 1 (and *out) when the device is known, 0 when not. */
int store_fleet_device_find(ota_engine *eng, const char *device_id, store_fleet_device *out, ota_err *e);
/* Up to max of dev's versions into v (any order); *n how many. */
int store_fleet_versions(ota_engine *eng, int64_t dev, ota_version *v, size_t max, size_t *n, ota_err *e);
/* A new device with the request's telemetry, versions and time zone, last
 * seen now; returns its dev (> 0). */
int64_t store_fleet_device_register(ota_engine *eng, const ota_checkin_req *q, int64_t now, ota_err *e);
/* dev's versions become exactly v. */
int store_fleet_versions_replace(ota_engine *eng, int64_t dev, const ota_version *v, size_t n, ota_err *e);
/* dev now runs version of component (added or replaced). */
int store_fleet_version_set(ota_engine *eng, int64_t dev, const char *component, const char *version,
                            ota_err *e);
/* Telemetry (has_ false: stored as never reported) and last_seen. */
int store_fleet_telemetry(ota_engine *eng, int64_t dev, bool has_rsrp, int rsrp, bool has_battery,
                          int battery, int64_t last_seen, ota_err *e);

/* The cache warm-up (rollout_warm.c): up to max devices with dev > after,
 * in dev order, fn once each with its row and device id (a nonzero return
 * stops the walk and is returned); returns how many rows were passed, or -1. */
int store_fleet_devices_after(ota_engine *eng, int64_t after, int max,
                              int (*fn)(void *ctx, const store_fleet_device *d, const char *device_id, ota_err *e),
                              void *ctx, ota_err *e);
/* fn once per version of the devices whose dev is in lo..hi, in dev order,
 * as store_fleet_plans calls its fn. */
int store_fleet_versions_between(ota_engine *eng, int64_t lo, int64_t hi,
                                 int (*fn)(void *ctx, int64_t dev, const char *component, const char *version,
                                           ota_err *e),
                                 void *ctx, ota_err *e);
/* fn once per job of plan whose dev is in lo..hi (as store_job_find reads
 * it), as store_fleet_plans calls its fn. */
typedef struct store_fleet_job {
    int64_t dev, job, retry_at;
    ota_job_state state;
    ota_defer reason;
    int wave;
} store_fleet_job;
int store_fleet_jobs_between(ota_engine *eng, int64_t plan, int64_t lo, int64_t hi,
                             int (*fn)(void *ctx, const store_fleet_job *j, ota_err *e), void *ctx, ota_err *e);

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
    /* staged rollouts (as in ota_plan) */
    int64_t retry_interval_seconds;
    bool has_rollout;
    ota_rollout rollout;
    bool has_maintenance;
    ota_maintenance maintenance;
    char paused_reason[32];
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

/* ================================================ rollout gates (store/gates.c) */
/* dev reported tz as its attribute "timezone" (check-ins): devices.timezone
 * and the stored attributes take it.  (ota_device_attrs_merge's
 * store_ddi_attrs_set keeps devices.timezone equal to the attributes' too.) */
int store_gates_device_timezone(ota_engine *eng, int64_t dev, const char *tz, ota_err *e);
/* plan's offer token bucket: 1 (and *out) when stored, 0 (zeroed: never
 * seen) when not; put writes it.  Read and write them inside the check-in's
 * write transaction, so every engine on the store shares one budget. */
int store_gates_bucket_get(ota_engine *eng, int64_t plan, ota_rate_bucket *out, ota_err *e);
int store_gates_bucket_put(ota_engine *eng, int64_t plan, const ota_rate_bucket *b, ota_err *e);
/* ---------------------------------------------- end of rollout gates */

/* ================================================ waves (store/waves.c) */
/* A staged plan's waves (migration 6): the wave of each job, the plan's
 * open wave and when its open waves reached the success threshold, and per
 * wave the hash threshold and maintained counters (succeeded and failed
 * count the jobs in those states: failed is failed for good, a retried job
 * is pending again). */
typedef struct store_wave {
    uint64_t threshold;   /* wave k holds the devices whose hash is below it (and not an earlier wave's) */
    long devices, succeeded, failed;
} store_wave;
/* fn once per device (store key, device id) that plan's lists let
 * through among product's devices, as store_jobs_create_for_plan picks. */
int store_plan_targets(ota_engine *eng, int64_t plan, const char *product,
                       int (*fn)(void *ctx, int64_t dev, const char *device_id, ota_err *e), void *ctx,
                       ota_err *e);
/* Activation: the plan's n waves with their thresholds and device counts. */
int store_waves_create(ota_engine *eng, int64_t plan, const store_wave *w, size_t n, ota_err *e);
/* Counters of one wave move by the deltas. */
int store_wave_add(ota_engine *eng, int64_t plan, int wave, long devices, long succeeded, long failed,
                   ota_err *e);
/* The plan's waves in order (at most max; *n 0 when it has none), its open
 * wave and when the open waves reached the success threshold (0: not yet). */
int store_waves_read(ota_engine *eng, int64_t plan, store_wave *out, size_t max, size_t *n, int *current,
                     int64_t *reached_at, ota_err *e);
/* The plan's open wave and threshold time. */
int store_plan_wave_set(ota_engine *eng, int64_t plan, int current, int64_t reached_at, ota_err *e);
/* After a bulk move (terminate, end, timeouts): succeeded and failed of
 * each wave counted again from the job rows (one pass over the plan's jobs). */
int store_waves_recount(ota_engine *eng, int64_t plan, ota_err *e);
/* Rollback drafts: fn once per succeeded job of plan that recorded the
 * versions it was offered from (prev, as stored), ordered by prev then
 * device id. */
int store_rollback_devices(ota_engine *eng, int64_t plan,
                           int (*fn)(void *ctx, const char *prev, const char *device_id, ota_err *e), void *ctx,
                           ota_err *e);
/* A saved rollback plan of plan; the devices left uncovered. */
int store_rollback_add(ota_engine *eng, int64_t plan, int64_t rollback, ota_err *e);
int store_rollback_uncovered_set(ota_engine *eng, int64_t plan, long n, ota_err *e);
/* The plan's rollback plans (at most max, by id) and uncovered devices. */
int store_rollbacks_read(ota_engine *eng, int64_t plan, int64_t *ids, size_t max, size_t *n, long *uncovered,
                         ota_err *e);
/* Retries and timeouts: a retried job is not offered before t; a timed-out
 * job's reason word (OTA_REASON_TIMEOUT). */
int store_job_retry_at(ota_engine *eng, int64_t job, int64_t t, ota_err *e);
int store_job_reason_word(ota_engine *eng, int64_t job, const char *word, ota_err *e);
/* The earliest start of plan's jobs downloading or installing (0: none);
 * the jobs started at or before `before` (*out malloc'd, caller frees). */
int store_jobs_oldest_start(ota_engine *eng, int64_t plan, int64_t *out, ota_err *e);
int store_jobs_started_before(ota_engine *eng, int64_t plan, int64_t before, store_job_ref **out, size_t *n,
                              ota_err *e);
/* ---------------------------------------------- end of waves */

#endif
