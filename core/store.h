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
/* Products.  The device key is kept only as its hash (hash_len bytes). */
int store_product_exists(ota_engine *eng, const char *key, bool *exists, ota_err *e);
int store_product_insert(ota_engine *eng, const ota_product *p, const unsigned char *hash,
                         size_t hash_len, ota_err *e);
int store_product_get(ota_engine *eng, const char *key, ota_product *out, ota_err *e);
int store_product_list(ota_engine *eng, ota_product_list *out, ota_err *e); /* ordered by key */
/* The stored hash of product's device key into hash[len]: 1 found, 0 no
 * such product (or a hash of another length), -1 failure. */
int store_product_key_hash(ota_engine *eng, const char *product, unsigned char *hash, size_t len,
                           ota_err *e);

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
/* ---------------------------------------------- end of rollout */

#endif
