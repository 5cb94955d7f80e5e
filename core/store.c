/* The SQLite store: opening, numbered migrations, transactions and the
 * prepared-statement cache.  WAL mode, synchronous=NORMAL: a commit survives a
 * crash of the process (kill -9); fsync happens at checkpoints. */
#include "internal.h"

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
    /* jobs.state holds ota_job_state as an integer (hot path). */
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
    struct stmt_cache *c = eng->stmts;
    size_t h = ((uintptr_t)sql >> 3) % STMT_SLOTS;
    for (size_t i = 0; i < STMT_SLOTS; i++) {
        size_t k = (h + i) % STMT_SLOTS;
        if (c->sql[k] == sql) {
            return c->st[k];
        }
        if (!c->sql[k]) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v3(eng->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
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

static void stmt_cache_free(ota_engine *eng)
{
    if (!eng->stmts)
        return;
    for (size_t i = 0; i < STMT_SLOTS; i++)
        if (eng->stmts->st[i])
            sqlite3_finalize(eng->stmts->st[i]);
    free(eng->stmts);
    eng->stmts = NULL;
}

/* --------------------------------------------------------- transactions */
int store_fail(ota_engine *eng, ota_err *e, const char *what)
{
    int rc = eng && eng->db ? sqlite3_extended_errcode(eng->db) : SQLITE_ERROR;
    const char *msg = eng && eng->db ? sqlite3_errmsg(eng->db) : "no database";
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
    if (sqlite3_exec(eng->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_tx_begin(ota_engine *eng, ota_err *e)
{
    const char *sql = sqlite3_get_autocommit(eng->db) ? "BEGIN IMMEDIATE" : "SAVEPOINT ota";
    if (sqlite3_exec(eng->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(eng, e, "begin");
    return 0;
}

/* Which statement ends the innermost level: we track it through the
 * autocommit flag plus batch depth — a level opened with BEGIN ends with
 * COMMIT exactly when no batch is open and no savepoint remains. */
int store_tx_commit(ota_engine *eng, ota_err *e)
{
    int rc = sqlite3_exec(eng->db, "RELEASE ota", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return 0;
    /* No savepoint named ota: this level was BEGIN IMMEDIATE. */
    if (sqlite3_exec(eng->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        store_fail(eng, e, "commit");
        sqlite3_exec(eng->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

void store_tx_rollback(ota_engine *eng)
{
    if (sqlite3_exec(eng->db, "ROLLBACK TO ota", NULL, NULL, NULL) == SQLITE_OK)
        sqlite3_exec(eng->db, "RELEASE ota", NULL, NULL, NULL);
    else
        sqlite3_exec(eng->db, "ROLLBACK", NULL, NULL, NULL);
}

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

/* ------------------------------------------------------------ migrations */
static int migrate(ota_engine *eng, ota_err *e)
{
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(eng->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return store_fail(eng, e, "read schema version");
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > (int)NMIGRATIONS)
        return ota_fail(e, OTA_E_IO, "db", "database schema version %d is newer than this program (%zu)",
                        version, NMIGRATIONS);
    for (size_t i = (size_t)version; i < NMIGRATIONS; i++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version=%zu", i + 1);
        if (store_tx_begin(eng, e) < 0)
            return -1;
        if (store_exec(eng, migrations[i], e) < 0 || store_exec(eng, bump, e) < 0) {
            store_tx_rollback(eng);
            char m[sizeof e->message];
            snprintf(m, sizeof m, "%s", e ? e->message : "");
            return ota_fail(e, OTA_E_INTERNAL, "db", "migration %zu failed: %s", i + 1, m);
        }
        if (store_tx_commit(eng, e) < 0)
            return -1;
    }
    return 0;
}

int ota_engine_schema_version(ota_engine *eng)
{
    sqlite3_stmt *st;
    int v = -1;
    ENGINE_LOCK(eng);
    if (sqlite3_prepare_v2(eng->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    ENGINE_UNLOCK(eng);
    return v;
}

/* --------------------------------------------------------------- engine */
int ota_mkdirs(const char *path, ota_err *e)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ota_fail(e, OTA_E_IO, "path", "path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
            return ota_fail(e, OTA_E_IO, "path", "cannot create %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return ota_fail(e, OTA_E_IO, "path", "cannot create %s: %s", buf, strerror(errno));
    return 0;
}

int ota_default_paths(char *db, size_t dblen, char *blobs, size_t bloblen)
{
    const char *env = getenv("OTA_DB");
    char dir[PATH_MAX];
    if (env && *env) {
        snprintf(db, dblen, "%s", env);
        snprintf(dir, sizeof dir, "%s", env);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(dir, sizeof dir, ".");
    } else {
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg)
            snprintf(dir, sizeof dir, "%s/otaconsole", xdg);
        else
            snprintf(dir, sizeof dir, "%s/.local/share/otaconsole", home && *home ? home : ".");
        snprintf(db, dblen, "%s/ota.db", dir);
    }
    if (blobs)
        snprintf(blobs, bloblen, "%s/blobs", dir);
    return 0;
}

static int64_t system_now(void *ctx)
{
    (void)ctx;
    return ota_clock_now(NULL);
}

ota_engine *ota_engine_open(const ota_engine_opts *o, ota_err *e)
{
    ota_engine_opts def = {0};
    if (!o)
        o = &def;
    ota_engine *eng = calloc(1, sizeof *eng);
    if (!eng) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    char dbp[PATH_MAX], blobs[PATH_MAX + 8];
    ota_default_paths(dbp, sizeof dbp, blobs, sizeof blobs);
    if (o->db_path) {
        snprintf(dbp, sizeof dbp, "%s", o->db_path);
        char dir[PATH_MAX];
        if (strlen(o->db_path) >= sizeof dir) {
            ota_fail(e, OTA_E_IO, "db", "database path too long");
            goto fail;
        }
        snprintf(dir, sizeof dir, "%s", o->db_path);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = 0;
            snprintf(blobs, sizeof blobs, "%s/blobs", dir[0] ? dir : "/");
        } else {
            snprintf(blobs, sizeof blobs, "blobs");
        }
    }
    if (o->blob_dir)
        snprintf(blobs, sizeof blobs, "%s", o->blob_dir);
    snprintf(eng->db_path, sizeof eng->db_path, "%s", dbp);
    snprintf(eng->blob_dir, sizeof eng->blob_dir, "%s", blobs);
    eng->clock = o->clock.now ? o->clock : (ota_clock){system_now, NULL};
    if (o->actor) {
        snprintf(eng->actor, sizeof eng->actor, "%s", o->actor);
    } else {
        const char *u = getenv("USER");
        snprintf(eng->actor, sizeof eng->actor, "local:%s", u && *u ? u : "unknown");
    }
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&eng->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    eng->stmts = calloc(1, sizeof *eng->stmts);

    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dbp);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        if (ota_mkdirs(dir, e) < 0)
            goto fail;
    }
    if (ota_mkdirs(eng->blob_dir, e) < 0)
        goto fail;
    if (sqlite3_open_v2(dbp, &eng->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        ota_fail(e, OTA_E_IO, "db", "cannot open database %s: %s", dbp,
                 eng->db ? sqlite3_errmsg(eng->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(eng->db, 5000);
    if (store_exec(eng, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                        "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
                        "PRAGMA temp_store=MEMORY;", e) < 0) {
        /* The first statement is where a file that is not a database (or an
         * unreadable one) shows itself: name the path, not just SQLite's words. */
        ota_fail(e, OTA_E_IO, "db", "cannot use %s as a database: %s", dbp, sqlite3_errmsg(eng->db));
        goto fail;
    }
    if (migrate(eng, e) < 0)
        goto fail;
    blob_sweep_tmp(eng);
    return eng;
fail:
    ota_engine_close(eng);
    return NULL;
}

bool store_others_committed(ota_engine *eng, int64_t *dv, int64_t *checked_ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    if (ns - *checked_ns < 1000000)
        return false;
    *checked_ns = ns;
    sqlite3_stmt *st = store_stmt(eng, "PRAGMA data_version", NULL);
    if (!st)
        return true;  /* cannot tell: assume it did */
    bool changed = true;
    if (sqlite3_step(st) == SQLITE_ROW) {
        int64_t v = sqlite3_column_int64(st, 0);
        changed = v != *dv;
        *dv = v;
    }
    store_done(st);
    return changed;
}

void ota_engine_close(ota_engine *eng)
{
    if (!eng)
        return;
    rollout_free(eng);
    sign_free(eng);
    products_free(eng);
    stmt_cache_free(eng);
    if (eng->db) {
        if (!sqlite3_get_autocommit(eng->db))
            sqlite3_exec(eng->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(eng->db);
    }
    pthread_mutex_destroy(&eng->mu);
    free(eng);
}

int64_t ota_engine_now(ota_engine *eng) { return eng->clock.now(eng->clock.ctx); }
const char *ota_engine_db_path(ota_engine *eng) { return eng->db_path; }
const char *ota_engine_blob_dir(ota_engine *eng) { return eng->blob_dir; }

int ota_engine_batch_begin(ota_engine *eng, ota_err *e)
{
    ENGINE_LOCK(eng);  /* held until batch_end: a batch is one writer's */
    if (store_tx_begin(eng, e) < 0) {
        ENGINE_UNLOCK(eng);
        return -1;
    }
    eng->batch_depth++;
    return 0;
}

int ota_engine_batch_end(ota_engine *eng, ota_err *e)
{
    int rc;
    if (sqlite3_get_autocommit(eng->db))  /* a failed write inside rolled it back */
        rc = ota_fail(e, OTA_E_IO, NULL, "batch rolled back: a write in it failed, nothing in it was kept");
    else
        rc = store_tx_commit(eng, e);
    eng->batch_depth--;
    ENGINE_UNLOCK(eng);
    return rc;
}
