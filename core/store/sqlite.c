/* The SQLite store's connection: opening, numbered migrations, the
 * transaction stack, the change watcher and the prepared-statement cache.
 * WAL mode, synchronous=NORMAL: a commit survives a crash of the process
 * (kill -9); fsync happens at checkpoints (inside the commit that fills the
 * WAL, or on a thread of their own: store/checkpoint.c). */
#include "sqlite.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Each migration runs once, in order, inside one transaction with the
 * bump of PRAGMA user_version.  Append only: never edit a released step. */
static const char *const migrations[] = {
    /* 1: the foundation schema */
    "CREATE TABLE products("
    "  key TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  device_key_hash BLOB NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE devices("
    "  id INTEGER PRIMARY KEY, device_id TEXT NOT NULL UNIQUE,"
    "  product TEXT NOT NULL REFERENCES products(key),"
    "  rsrp INTEGER, battery INTEGER, last_seen INTEGER NOT NULL DEFAULT 0,"
    "  attrs TEXT);"
    "CREATE INDEX devices_product ON devices(product, device_id);"
    "CREATE TABLE device_versions("
    "  device INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
    "  component TEXT NOT NULL, version TEXT NOT NULL,"
    "  PRIMARY KEY(device, component)) WITHOUT ROWID;"
    "CREATE INDEX device_versions_cv ON device_versions(component, version);"
    "CREATE TABLE packages("
    "  id INTEGER PRIMARY KEY, component TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK(kind IN ('full','diff')),"
    "  target_version TEXT NOT NULL, source_version TEXT,"
    "  remark TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);"
    "CREATE INDEX packages_component ON packages(component, id);"
    "CREATE TABLE package_files("
    "  package INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL, sha1 TEXT NOT NULL DEFAULT '', md5 TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY(package, idx));"
    "CREATE INDEX package_files_sha ON package_files(sha256);"
    "CREATE TABLE plans("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    "  product TEXT NOT NULL REFERENCES products(key),"
    "  state TEXT NOT NULL, revision INTEGER NOT NULL, mode TEXT NOT NULL,"
    "  retries INTEGER NOT NULL, min_rsrp INTEGER NOT NULL, min_battery INTEGER NOT NULL,"
    "  window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,"
    "  job_timeout INTEGER NOT NULL, paused_from TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  activated_at INTEGER, ended_at INTEGER);"
    "CREATE INDEX plans_state ON plans(state, id);"
    "CREATE TABLE plan_components("
    "  plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL, component TEXT NOT NULL,"
    "  package INTEGER NOT NULL REFERENCES packages(id),"
    "  PRIMARY KEY(plan, component));"
    "CREATE INDEX plan_components_package ON plan_components(package);"
    "CREATE TABLE plan_lists("
    "  plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,"
    "  list TEXT NOT NULL CHECK(list IN ('black','white')), device_id TEXT NOT NULL,"
    "  PRIMARY KEY(plan, list, device_id)) WITHOUT ROWID;"
    /* jobs.state and plan_counts.state hold ota_job_state numbers (hot path):
     * a file format, pinned in ota.h; SQL binds them, never spells them. */
    "CREATE TABLE jobs("
    "  id INTEGER PRIMARY KEY, plan INTEGER NOT NULL REFERENCES plans(id),"
    "  device INTEGER NOT NULL REFERENCES devices(id),"
    "  state INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 1,"
    "  progress INTEGER NOT NULL DEFAULT 0, reason TEXT, error TEXT,"
    "  started_at INTEGER, updated_at INTEGER NOT NULL,"
    "  UNIQUE(plan, device));"
    "CREATE INDEX jobs_plan_state ON jobs(plan, state, id);"
    "CREATE INDEX jobs_device ON jobs(device, state);"
    /* Maintained counters so a status refresh never scans jobs. */
    "CREATE TABLE plan_counts("
    "  plan INTEGER NOT NULL, state INTEGER NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY(plan, state)) WITHOUT ROWID;"
    "CREATE TABLE events("
    "  seq INTEGER PRIMARY KEY, plan INTEGER NOT NULL, at INTEGER NOT NULL,"
    "  device TEXT, from_state TEXT NOT NULL, to_state TEXT NOT NULL);"
    "CREATE INDEX events_plan ON events(plan, seq);"
    "CREATE TABLE tokens("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
    "  hash BLOB NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER);",
    /* 2: hawkBit DDI: cancellations of taken-back jobs that agents acknowledged.
     * (SHA-1/MD5 of files stored before are filled by ota_package_fill_hashes.) */
    "CREATE TABLE ddi_cancels("
    "  job INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,"
    "  acked_at INTEGER NOT NULL);",
    /* 3: hawkBit DDI: jobs a DDI agent was shown (deploymentBase or
     * confirmationBase), so a terminated plan's take-back reaches only them. */
    "CREATE TABLE ddi_offers("
    "  job INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,"
    "  offered_at INTEGER NOT NULL);",
    /* 4: trust: package signatures, the plan signature policy, and the
     * append-only audit trail (triggers refuse any UPDATE or DELETE, so seq
     * only grows without AUTOINCREMENT's sqlite_sequence bookkeeping). */
    "CREATE TABLE package_signatures("
    "  package INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
    "  key_id TEXT NOT NULL, signer TEXT NOT NULL, signature TEXT NOT NULL,"
    "  public_key TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY(package, key_id));"
    "ALTER TABLE plans ADD COLUMN required_signatures INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX audit_actor ON audit(actor, seq);"
    "CREATE INDEX audit_target ON audit(target, seq);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
    /* 5: staged rollouts: a plan's rollout and maintenance windows as the
     * compact JSON of their API.md objects (NULL: none; the codec writes and
     * reads them, core/codec.h), its retry interval (seconds) and why the
     * engine paused it ('' or 'failure_threshold'). */
    "ALTER TABLE plans ADD COLUMN rollout TEXT;"
    "ALTER TABLE plans ADD COLUMN maintenance TEXT;"
    "ALTER TABLE plans ADD COLUMN retry_interval INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE plans ADD COLUMN paused_reason TEXT NOT NULL DEFAULT '';",
    /* 6: waves: each job's wave (0 without a rollout), the plan's open wave
     * and when its open waves reached the success threshold (0: not yet),
     * and per wave its hash threshold (the device hash bits as a signed
     * integer; the last wave's is all ones) and maintained counters. */
    "ALTER TABLE jobs ADD COLUMN wave INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE plans ADD COLUMN current_wave INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE plans ADD COLUMN wave_reached_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE plan_waves("
    "  plan INTEGER NOT NULL, wave INTEGER NOT NULL, threshold INTEGER NOT NULL,"
    "  devices INTEGER NOT NULL DEFAULT 0, succeeded INTEGER NOT NULL DEFAULT 0,"
    "  failed INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(plan, wave)) WITHOUT ROWID;"
    /* rollback drafts: the versions of the plan's components a device
     * reported when it was offered the job ("component\tversion\n" each),
     * the saved rollback plans of a braked plan and its succeeded devices
     * whose previous versions have no full package */
    "ALTER TABLE jobs ADD COLUMN prev_versions TEXT;"
    "ALTER TABLE plans ADD COLUMN rollback_uncovered INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE plan_rollbacks("
    "  plan INTEGER NOT NULL, rollback INTEGER NOT NULL,"
    "  PRIMARY KEY(plan, rollback)) WITHOUT ROWID;"
    /* retries with an interval: a retried job is not offered before retry_at (0: any time) */
    "ALTER TABLE jobs ADD COLUMN retry_at INTEGER NOT NULL DEFAULT 0;",
    /* 7: rollout gates: a device's own time zone (its attribute "timezone"
     * as reported, NULL: none; maintenance windows with device_timezone are
     * judged in it), taken from the attributes stored before; and each
     * plan's offer token bucket (max_offers_per_minute: units of 1/60 offer,
     * core/ota_lifecycle.h, and when it was last refilled). */
    "ALTER TABLE devices ADD COLUMN timezone TEXT;"
    "UPDATE devices SET timezone = json_extract(attrs, '$.timezone')"
    "  WHERE attrs IS NOT NULL AND json_valid(attrs) AND json_type(attrs, '$.timezone') = 'text';"
    "CREATE TABLE rate_buckets("
    "  plan INTEGER PRIMARY KEY REFERENCES plans(id) ON DELETE CASCADE,"
    "  units INTEGER NOT NULL, refilled_at INTEGER NOT NULL);",
    /* 8: device identity (core/devauth.c): how a product's devices
     * authenticate ('product_key' for every product stored before, so
     * nothing existing changes, or 'device_token') and whether its product
     * key still enrolls devices; each device's own credential: the BLAKE2b
     * hash of its token (NULL unless active; unique, so a token names one
     * device), its state ('none', 'active', 'revoked') and when it was
     * issued or revoked (0: never). */
    "ALTER TABLE products ADD COLUMN device_auth TEXT NOT NULL DEFAULT 'product_key';"
    "ALTER TABLE products ADD COLUMN enrollment_closed INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE devices ADD COLUMN token_hash BLOB;"
    "ALTER TABLE devices ADD COLUMN credential TEXT NOT NULL DEFAULT 'none';"
    "ALTER TABLE devices ADD COLUMN credential_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX devices_token ON devices(token_hash);",
};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

/* ------------------------------------------------------ statement cache */
#define STMT_SLOTS 256
struct stmt_cache {
    const char *sql[STMT_SLOTS];
    sqlite3_stmt *st[STMT_SLOTS];
};

sqlite3_stmt *store_stmt(ota_engine *eng, const char *sql, ota_err *e)
{
    /* Inside a doomed batch every statement fails: one that wrote now
     * would autocommit, outside the batch it belongs to. */
    if (store_batch_check(eng, e) < 0)
        return NULL;
    struct stmt_cache *c = eng->store->stmts;
    size_t h = ((uintptr_t)sql >> 3) % STMT_SLOTS;
    for (size_t i = 0; i < STMT_SLOTS; i++) {
        size_t k = (h + i) % STMT_SLOTS;
        if (c->sql[k] == sql) {
            return c->st[k];
        }
        if (!c->sql[k]) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v3(STORE_DB(eng), sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
                store_fail(eng, e, "prepare");
                return NULL;
            }
            c->sql[k] = sql;
            c->st[k] = st;
            return st;
        }
    }
    /* Cache full (should not happen: SQL texts are literals): fail loudly. */
    ota_fail(e, OTA_E_INTERNAL, NULL, "statement cache full");
    return NULL;
}

void store_done(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

int store_step_done(ota_engine *eng, sqlite3_stmt *st, ota_err *e, const char *what)
{
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(eng, e, what);
    return 0;
}

static void stmt_cache_free(struct store *s)
{
    if (!s->stmts)
        return;
    for (size_t i = 0; i < STMT_SLOTS; i++)
        if (s->stmts->st[i])
            sqlite3_finalize(s->stmts->st[i]);
    free(s->stmts);
    s->stmts = NULL;
}

int store_fail(ota_engine *eng, ota_err *e, const char *what)
{
    sqlite3 *db = eng && eng->store ? eng->store->db : NULL;
    int rc = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
    const char *msg = db ? sqlite3_errmsg(db) : "no database";
    int prim = rc & 0xff;
    ota_code code = OTA_E_INTERNAL;
    if (prim == SQLITE_IOERR || prim == SQLITE_FULL || prim == SQLITE_CANTOPEN ||
        prim == SQLITE_READONLY || prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
        code = OTA_E_IO;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        code = OTA_E_UNAVAILABLE;
    return ota_fail(e, code, NULL, "database %s failed: %s", what, msg);
}

int store_exec(ota_engine *eng, const char *sql, ota_err *e)
{
    char *msg = NULL;
    if (store_batch_check(eng, e) < 0)
        return -1;
    if (sqlite3_exec(STORE_DB(eng), sql, NULL, NULL, &msg) != SQLITE_OK) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

void store_copy_text(sqlite3_stmt *st, int col, char *dst, size_t len)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    if (!t) {
        dst[0] = 0;
        return;
    }
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    if (n >= len)
        n = len - 1;
    memcpy(dst, t, n);
    dst[n] = 0;
}

int64_t store_changes(ota_engine *eng) { return sqlite3_changes64(STORE_DB(eng)); }

/* --------------------------------------------------------- transactions */
/* Transaction control through cached statements: sqlite3_exec would parse
 * the SQL every time, which the hot paths notice. */
static int tx_sql(ota_engine *eng, const char *sql, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, sql, e);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    store_done(st);
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, sql);
}

static int tx_push(ota_engine *eng, bool light, ota_err *e)
{
    struct store *s = eng->store;
    if (store_batch_check(eng, e) < 0)
        return -1;
    if (s->depth >= STORE_MAX_DEPTH)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "transactions nested too deeply");
    if (s->depth > 0 && (s->level[s->depth - 1] == LV_READ || s->level[s->depth - 1] == LV_READ_NESTED))
        return ota_fail(e, OTA_E_INTERNAL, NULL, "a write inside a read snapshot");
    enum store_level lv = s->depth == 0 ? LV_BEGIN : light && s->batch_depth > 0 ? LV_LIGHT : LV_SAVEPOINT;
    if (lv == LV_BEGIN && tx_sql(eng, "BEGIN IMMEDIATE", e) < 0)
        return -1;
    if (lv == LV_SAVEPOINT && tx_sql(eng, "SAVEPOINT ota", e) < 0)
        return -1;
    s->light_changes[s->depth] = lv == LV_LIGHT ? sqlite3_total_changes64(s->db) : 0;
    s->level[s->depth++] = (unsigned char)lv;
    return 0;
}

int store_tx_begin(ota_engine *eng, ota_err *e) { return tx_push(eng, false, e); }
int store_tx_begin_light(ota_engine *eng, ota_err *e) { return tx_push(eng, true, e); }
bool store_tx_open(ota_engine *eng) { return eng->store->depth > 0; }

/* The whole transaction is gone (a failed COMMIT, or a doomed batch):
 * every open level is now empty; the stack unwinds as each level ends. */
static void tx_lost(struct store *s)
{
    for (int i = 0; i < s->depth; i++)
        s->level[i] = 0;
    s->rollbacks++;
}

int store_tx_commit(ota_engine *eng, ota_err *e)
{
    struct store *s = eng->store;
    if (s->depth == 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "commit without a transaction");
    int lv = s->level[--s->depth];
    if (lv == 0)  /* lost with its transaction */
        return s->doomed ? ota_fail(e, s->doom.code, s->doom.field, "%s", s->doom.message)
                         : ota_fail(e, OTA_E_IO, NULL, "the transaction was rolled back");
    if (lv == LV_BEGIN && tx_sql(eng, "COMMIT", e) < 0) {
        tx_sql(eng, "ROLLBACK", NULL);
        s->rollbacks++;
        return -1;
    }
    if (lv == LV_SAVEPOINT && tx_sql(eng, "RELEASE ota", e) < 0) {
        tx_sql(eng, "ROLLBACK TO ota", NULL);
        tx_sql(eng, "RELEASE ota", NULL);
        s->rollbacks++;
        return -1;
    }
    return 0;
}

void store_tx_rollback(ota_engine *eng, const ota_err *why)
{
    struct store *s = eng->store;
    if (s->depth == 0)
        return;
    int lv = s->level[--s->depth];
    s->rollbacks++;
    if (lv == LV_BEGIN) {
        tx_sql(eng, "ROLLBACK", NULL);
    } else if (lv == LV_SAVEPOINT) {
        tx_sql(eng, "ROLLBACK TO ota", NULL);
        tx_sql(eng, "RELEASE ota", NULL);
    } else if (lv == LV_LIGHT && sqlite3_total_changes64(s->db) != s->light_changes[s->depth]) {
        /* It wrote: only the whole batch can undo it. */
        s->doom = why ? *why : (ota_err){.code = OTA_E_IO};
        if (!why)
            snprintf(s->doom.message, sizeof s->doom.message, "a write failed");
        tx_sql(eng, "ROLLBACK", NULL);
        s->doomed = true;  /* after the ROLLBACK: from now on every statement fails */
        tx_lost(s);
    }
}

int store_snapshot_begin(ota_engine *eng, ota_err *e)
{
    struct store *s = eng->store;
    if (store_batch_check(eng, e) < 0)
        return -1;
    if (s->depth >= STORE_MAX_DEPTH)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "transactions nested too deeply");
    /* BEGIN (deferred) takes no write lock; its first read fixes the snapshot. */
    if (s->depth == 0 && tx_sql(eng, "BEGIN", e) < 0)
        return -1;
    s->level[s->depth] = s->depth == 0 ? LV_READ : LV_READ_NESTED;
    s->depth++;
    return 0;
}

void store_snapshot_end(ota_engine *eng)
{
    struct store *s = eng->store;
    if (s->depth == 0)
        return;
    int lv = s->level[--s->depth];
    /* COMMIT, not ROLLBACK: a rollback would tell every watcher the store
     * moved.  (A failed read may have ended the transaction already.) */
    if (lv == LV_READ && !sqlite3_get_autocommit(s->db))
        tx_sql(eng, "COMMIT", NULL);
}

int store_batch_begin(ota_engine *eng, ota_err *e)
{
    if (store_tx_begin(eng, e) < 0)
        return -1;
    eng->store->batch_depth++;
    return 0;
}

int store_batch_end(ota_engine *eng, ota_err *e)
{
    struct store *s = eng->store;
    int rc;
    if (s->depth > 0 && s->level[s->depth - 1] == 0) {
        s->depth--;
        rc = ota_fail(e, OTA_E_IO, NULL, "batch rolled back: a write in it failed, nothing in it was kept");
    } else {
        rc = store_tx_commit(eng, e);
    }
    if (--s->batch_depth == 0)
        s->doomed = false;
    return rc;
}

int store_batch_check(ota_engine *eng, ota_err *e)
{
    struct store *s = eng->store;
    if (!s->doomed || s->batch_depth == 0)
        return 0;
    return ota_fail(e, s->doom.code, s->doom.field, "an earlier call of this batch failed and the whole batch"
                    " was rolled back: %s", s->doom.message);
}

/* -------------------------------------------------------- change watcher */
static void on_rollback(void *arg)
{
    ((struct store *)arg)->rollbacks++;
}

void store_watch_init(store_watch *w)
{
    *w = (store_watch){.version = -1, .checked_us = INT64_MIN / 2, .rollbacks = 0, .changes = -1};
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

unsigned store_watch_check(ota_engine *eng, store_watch *w, unsigned flags)
{
    struct store *s = eng->store;
    unsigned moved = 0;
    if (w->rollbacks != s->rollbacks) {
        w->rollbacks = s->rollbacks;
        moved |= STORE_MOVED_ROLLBACK;
    }
    int64_t t = mono_us();
    if (!(flags & STORE_WATCH_RELAXED) || moved || t - w->checked_us >= STORE_WATCH_EVERY_US) {
        /* PRAGMA data_version moves when another connection commits. */
        sqlite3_stmt *st = store_stmt(eng, "PRAGMA data_version", NULL);
        int64_t v = -2;
        if (st && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        store_done(st);
        w->checked_us = t;
        if (v == -2 || v != w->version)
            moved |= STORE_MOVED_OTHERS;
        w->version = v;
    }
    if (sqlite3_total_changes64(s->db) != w->changes)
        moved |= STORE_MOVED_LOCAL;
    return moved;
}

void store_watch_mark(ota_engine *eng, store_watch *w)
{
    w->changes = sqlite3_total_changes64(eng->store->db);
}

void store_tune_for_fleet(ota_engine *eng)
{
    /* Check-ins and reports read jobs and devices at random across a
     * database larger than the page cache: memory-mapped reads save a
     * system call per page missed. */
    sqlite3_exec(STORE_DB(eng), "PRAGMA mmap_size=4294967296", NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- paging */
int store_page_begin(ota_page_req *req, const ota_page_req *pg, int64_t *id, void **items,
                     size_t size, ota_err *e)
{
    *req = pg ? *pg : (ota_page_req){0};
    *id = 0;
    *items = NULL;
    if (ota_page_req_check(req, e) < 0)
        return -1;
    if (req->cursor[0]) {
        char *end;
        errno = 0;
        long long v = strtoll(req->cursor, &end, 10);
        if (*end || v <= 0 || errno)
            return ota_fail(e, OTA_E_BAD_REQUEST, "cursor", "is not a cursor this server issued");
        *id = v;
    }
    *items = calloc((size_t)req->limit, size);
    if (!*items)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    return 0;
}

/* ------------------------------------------------------------ migrations */
static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static int migrate(ota_engine *eng, ota_err *e)
{
    int version = user_version(STORE_DB(eng));
    if (version < 0)
        return store_fail(eng, e, "read schema version");
    if (version > (int)NMIGRATIONS)
        return ota_fail(e, OTA_E_IO, "db", "database schema version %d is newer than this program (%zu)",
                        version, NMIGRATIONS);
    for (size_t i = (size_t)version; i < NMIGRATIONS; i++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version=%zu", i + 1);
        if (store_tx_begin(eng, e) < 0)
            return -1;
        if (store_exec(eng, migrations[i], e) < 0 || store_exec(eng, bump, e) < 0) {
            store_tx_rollback(eng, e);
            char m[sizeof e->message];
            snprintf(m, sizeof m, "%s", e ? e->message : "");
            return ota_fail(e, OTA_E_INTERNAL, "db", "migration %zu failed: %s", i + 1, m);
        }
        if (store_tx_commit(eng, e) < 0)
            return -1;
    }
    return 0;
}

int store_schema_version(ota_engine *eng) { return user_version(STORE_DB(eng)); }

/* ------------------------------------------------------- open and close */
int store_open(ota_engine *eng, const char *path, ota_err *e)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s || !(s->stmts = calloc(1, sizeof *s->stmts))) {
        free(s);
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    }
    eng->store = s;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK)
        return ota_fail(e, OTA_E_IO, "db", "cannot open database %s: %s", path,
                        s->db ? sqlite3_errmsg(s->db) : "out of memory");
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_rollback_hook(s->db, on_rollback, s);
    if (store_exec(eng, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                        "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
                        "PRAGMA temp_store=MEMORY;", e) < 0)
        /* The first statement is where a file that is not a database (or an
         * unreadable one) shows itself: name the path, not just SQLite's words. */
        return ota_fail(e, OTA_E_IO, "db", "cannot use %s as a database: %s", path, sqlite3_errmsg(s->db));
    return migrate(eng, e);
}

void store_close(ota_engine *eng)
{
    struct store *s = eng->store;
    if (!s)
        return;
    store_checkpointer_stop(eng);
    stmt_cache_free(s);
    if (s->db) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_rollback_hook(s->db, NULL, NULL);
        sqlite3_close_v2(s->db);
    }
    free(s);
    eng->store = NULL;
}
