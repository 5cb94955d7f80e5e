/* Private to core/store/: the SQLite connection and the helpers every
 * SQLite store file uses (prepared-statement cache, error mapping, column
 * copies).  Nothing outside core/store/ includes this header: the rest of
 * core sees only the typed functions of core/store.h. */
#ifndef OTA_STORE_SQLITE_H
#define OTA_STORE_SQLITE_H

#include <sqlite3.h>
#include "../internal.h"
#include "../store.h"

#define STORE_MAX_DEPTH 16   /* nested transaction levels (deeper is a bug) */

/* What opened a transaction level (see store_tx_begin in core/store.h). */
enum store_level { LV_BEGIN = 1, LV_SAVEPOINT, LV_LIGHT, LV_READ, LV_READ_NESTED };

struct stmt_cache;
struct store_ckpt;

struct store {
    sqlite3 *db;
    struct stmt_cache *stmts;       /* prepared statements keyed by SQL text pointer */
    int depth;                      /* open levels: level[0..depth) */
    unsigned char level[STORE_MAX_DEPTH];
    int64_t light_changes[STORE_MAX_DEPTH]; /* LV_LIGHT: total changes when it opened */
    int batch_depth;                /* >0 while an ota_engine_batch is open */
    bool doomed;                    /* a light level failed: the whole batch was rolled back */
    ota_err doom;                   /* ... with this error */
    uint64_t rollbacks;             /* bumped by every rollback (store_watch) */
    struct store_ckpt *ckpt;        /* the checkpoint thread, when started (store/checkpoint.c) */
};

#define STORE_DB(eng) ((eng)->store->db)

/* A cached prepared statement for a SQL string literal (reset, bindings
 * cleared).  Never finalize it; call store_done() when finished stepping. */
sqlite3_stmt *store_stmt(ota_engine *eng, const char *sql, ota_err *e);
void store_done(sqlite3_stmt *st);
/* Step a statement that returns no rows (or ignore them), then store_done. */
int store_step_done(ota_engine *eng, sqlite3_stmt *st, ota_err *e, const char *what);
/* sqlite failure -> ota_err (OTA_E_INTERNAL, OTA_E_IO for disk errors,
 * OTA_E_UNAVAILABLE when busy). */
int store_fail(ota_engine *eng, ota_err *e, const char *what);
/* Run SQL without results (schema, pragmas). */
int store_exec(ota_engine *eng, const char *sql, ota_err *e);
/* Copy a text column (NULL -> ""), truncated to len - 1 bytes. */
void store_copy_text(sqlite3_stmt *st, int col, char *dst, size_t len);
/* Rows changed by the last statement of this connection. */
int64_t store_changes(ota_engine *eng);

/* store/plans.c: the stored texts of a plan's rollout and maintenance
 * (NULL or "": none) into has_r, r and has_m, m (r keeps what it holds
 * for fields a text leaves out); OTA_E_IO naming plan when a text does not
 * decode. */
int store_plan_staged_read(int64_t plan, const char *rollout, const char *maintenance, bool *has_r,
                           ota_rollout *r, bool *has_m, ota_maintenance *m, ota_err *e);

#endif
