/* Private to core/: the engine struct and the store helpers every core
 * module uses.  All SQL lives in core/store*.c and the core modules that own
 * a table (see README "Architecture"); nothing outside core/ sees sqlite3. */
#ifndef OTA_INTERNAL_H
#define OTA_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include "ota.h"

#define OTA_SCHEMA_VERSION_MAX 64

struct ota_rollout;  /* rollout.c's in-memory caches */

struct ota_engine {
    sqlite3 *db;
    char db_path[PATH_MAX];
    char blob_dir[PATH_MAX + 8];
    ota_clock clock;
    char actor[128];
    pthread_mutex_t mu;        /* recursive: public calls may nest */
    int batch_depth;           /* >0 while an ota_engine_batch is open */
    struct stmt_cache *stmts;  /* prepared statements keyed by SQL text pointer */
    struct ota_rollout *rollout;
    char trusted_dir[PATH_MAX];  /* sign.c: "" = ota_trusted_dir_default() */
    struct sign_cache *sigcache; /* sign.c: packages' signatures for re-sent offers */
    struct key_cache *keycache;  /* products.c: device key hashes for check-ins */
};

#define ENGINE_LOCK(eng)   pthread_mutex_lock(&(eng)->mu)
#define ENGINE_UNLOCK(eng) pthread_mutex_unlock(&(eng)->mu)

/* A cached prepared statement for a SQL string literal (reset, bindings
 * cleared).  Never finalize it; call store_done() when finished stepping. */
sqlite3_stmt *store_stmt(ota_engine *eng, const char *sql, ota_err *e);
void store_done(sqlite3_stmt *st);

/* Write transactions.  Outermost: BEGIN IMMEDIATE / COMMIT; nested (or in a
 * batch): SAVEPOINT / RELEASE.  rollback undoes only the innermost level. */
int  store_tx_begin(ota_engine *eng, ota_err *e);
int  store_tx_commit(ota_engine *eng, ota_err *e);
void store_tx_rollback(ota_engine *eng);

/* sqlite failure -> ota_err (OTA_E_INTERNAL, or OTA_E_IO for disk errors). */
int store_fail(ota_engine *eng, ota_err *e, const char *what);
/* Run SQL without results (schema, pragmas). */
int store_exec(ota_engine *eng, const char *sql, ota_err *e);

/* Start an id-keyed page: *req becomes pg checked (limit 1..1000, 0 = the
 * default; pg NULL = first page), *id the id its cursor carries (0 on the
 * first page), *items room for req->limit items of size bytes.  Lists hand
 * out the last id shown as their next cursor. */
int store_page_begin(ota_page_req *req, const ota_page_req *pg, int64_t *id, void **items,
                     size_t size, ota_err *e);

/* Did another connection commit since *dv was read?  Asks SQLite (PRAGMA
 * data_version, file-lock system calls) at most once a millisecond, per
 * *checked_ns: caches of rows that only change by this engine's own calls
 * use it to notice another process's writes. */
bool store_others_committed(ota_engine *eng, int64_t *dv, int64_t *checked_ns);

/* Column helpers */
void store_copy_text(sqlite3_stmt *st, int col, char *dst, size_t len);

/* Rollout hooks (rollout.c): called by plans.c when a plan changes. */
void rollout_invalidate(ota_engine *eng, int64_t plan_id);
void rollout_free(ota_engine *eng);

/* Audit (audit.c): one row per operator action at the public call, with
 * the outcome: "ok", or the error code and message of a refusal (rc < 0).
 * target is printf-formatted.  Never fails the action it records. */
void audit_note(ota_engine *eng, const char *action, int rc, const ota_err *e, const char *detail,
                const char *target_fmt, ...) __attribute__((format(printf, 6, 7)));
/* Plan transitions (rollout.c calls it from ota_plan_transition). */
void audit_plan_action(ota_engine *eng, int64_t plan, ota_action a, int rc, const ota_err *e);

/* Signatures (sign.c). */
/* Activation policy: every package of plan has plan->required_signatures
 * valid signatures from distinct trusted keys; else validation_failed. */
int sign_check_plan(ota_engine *eng, const ota_plan *plan, ota_err *e);
/* Loads p->signatures (caller holds the lock). */
int sign_load(ota_engine *eng, ota_package *p, ota_err *e);
/* Fills each offered component's signatures (rollout.c's check-in). */
int sign_offer_attach(ota_engine *eng, ota_job_offer *o, ota_err *e);
/* The signature cache: bump after a signature or a package goes; free at close. */
void sign_cache_bump(ota_engine *eng);
void sign_free(ota_engine *eng);
/* Products (products.c): the device key cache goes at close. */
void products_free(ota_engine *eng);

/* blob.c: remove temp files of uploads whose writer died. */
void blob_sweep_tmp(ota_engine *eng);

/* mkdir -p */
int ota_mkdirs(const char *path, ota_err *e);

#endif
