/* The store opens an empty database, migrates it to the newest schema in
 * WAL mode, and reopens it without migrating twice; a migration that fails
 * leaves nothing behind; the transaction stack (nesting, batches of light
 * levels, a doomed batch) and the change watcher (core/store.h); default
 * paths under $XDG_DATA_HOME/otaconsole/ and the OTA_DB override; time and
 * UTF-8 helpers. */
#include <sys/stat.h>
#include <unistd.h>
#include "fixture.h"
#include "store.h"

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The foundation's tables, all made by the migrations of an empty file. */
static void test_fresh_schema(const char *db)
{
    static const char *const tables[] = {"products", "devices", "device_versions", "packages",
                                         "package_files", "plans", "plan_components", "plan_lists",
                                         "jobs", "events"};
    char got[64], sql[200];
    db_text(db, "PRAGMA journal_mode", got, sizeof got);
    is_str(got, "wal", "the database is in WAL mode");
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        snprintf(sql, sizeof sql, "SELECT name FROM sqlite_master WHERE type='table' AND name='%s'", tables[i]);
        db_text(db, sql, got, sizeof got);
        is_str(got, tables[i], "migrated from empty: table %s exists", tables[i]);
    }
}

/* A migration that fails rolls back whole: the version stays and no table
 * of that step is left half-made. */
static void test_failed_migration(const char *dir)
{
    ota_err e = {0};
    char db[512], got[64];
    snprintf(db, sizeof db, "%s/clash.db", dir);
    db_sql(db, "CREATE TABLE plans(x)"); /* migration 1 makes plans too */
    ota_engine_opts o = {.db_path = db};
    ota_engine *eng = ota_engine_open(&o, &e);
    ok(eng == NULL, "a migration that fails refuses to open");
    ok(strstr(e.message, "migration 1 failed") != NULL, "... naming the step: %s", e.message);
    is_str(e.field, "db", "... and the field");
    ota_engine_close(eng);
    db_text(db, "PRAGMA user_version", got, sizeof got);
    is_str(got, "0", "the schema version did not move");
    db_text(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('products','devices','packages')", got,
            sizeof got);
    is_str(got, "0", "no table of the failed step is left");
}

/* Whether product `key` is on disk, as another connection sees it. */
static bool stored(const char *db, const char *key)
{
    char sql[200], got[16];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM products WHERE key='%s'", key);
    db_text(db, sql, got, sizeof got);
    return !strcmp(got, "1");
}

/* A write through the engine: one product. */
static int add(ota_engine *eng, const char *key, ota_err *e)
{
    ota_product p = {0};
    char device_key[65];
    snprintf(p.key, sizeof p.key, "%s", key);
    snprintf(p.name, sizeof p.name, "Product %s", key);
    return ota_product_add(eng, &p, device_key, e);
}

/* A write through the engine that opens its own level: one device of
 * product `product`. */
static int put_device(ota_engine *eng, const char *product, const char *id, ota_err *e)
{
    ota_device d = {.nversions = 1};
    snprintf(d.id, sizeof d.id, "%s", id);
    snprintf(d.product, sizeof d.product, "%s", product);
    snprintf(d.versions[0].component, sizeof d.versions[0].component, "module");
    snprintf(d.versions[0].version, sizeof d.versions[0].version, "1.0");
    ota_import_result r;
    return ota_device_upsert(eng, product, &d, 1, &r, e);
}

/* Levels nest: an inner rollback undoes only what the inner level wrote,
 * an outer rollback undoes everything; commit without begin is an error. */
static void test_nesting(ota_engine *eng, const char *db)
{
    ota_err e = {0};
    ota_product got;
    fails_with(store_tx_commit(eng, &e), &e, OTA_E_INTERNAL, "commit without a transaction is an error");
    ok(!store_tx_open(eng), "no level is open");

    ok_call(store_tx_begin(eng, &e), &e, "outer level");
    ok_call(add(eng, "outer", &e), &e, "a write in it");
    ok_call(store_tx_begin(eng, &e), &e, "inner level");
    ok_call(add(eng, "inner", &e), &e, "a write in the inner level");
    store_tx_rollback(eng, NULL);
    ok(store_tx_open(eng), "the inner rollback leaves the outer level open");
    ok_call(store_tx_begin(eng, &e), &e, "a second inner level");
    ok_call(add(eng, "inner2", &e), &e, "a write in it");
    ok_call(store_tx_commit(eng, &e), &e, "the second inner level commits");
    ok(!stored(db, "outer") && !stored(db, "inner2"), "nothing is on disk before the outer commit");
    ok_call(store_tx_commit(eng, &e), &e, "the outer level commits");
    ok(!store_tx_open(eng), "no level is left open");
    ok(stored(db, "outer") && stored(db, "inner2"), "the outer write and the committed inner one are kept");
    ok(!stored(db, "inner"), "the rolled-back inner write is not");
    fails_with(ota_product_get(eng, "inner", &got, &e), &e, OTA_E_NOT_FOUND, "... and the engine agrees");

    ok_call(store_tx_begin(eng, &e), &e, "outer level");
    ok_call(store_tx_begin(eng, &e), &e, "inner level");
    ok_call(add(eng, "gone", &e), &e, "a write in the inner level");
    ok_call(store_tx_commit(eng, &e), &e, "the inner level commits");
    store_tx_rollback(eng, NULL);
    ok(!stored(db, "gone") && ota_product_get(eng, "gone", &got, &e) < 0,
       "the outer rollback undoes the committed inner level too");

    ok_call(store_tx_begin_light(eng, &e), &e, "a light level outside a batch");
    ok_call(add(eng, "lone", &e), &e, "a write in it");
    store_tx_rollback(eng, NULL);
    ok(!stored(db, "lone"), "its rollback undoes the write");
    ok_call(add(eng, "next", &e), &e, "and dooms nothing: the next call works");
}

/* Light levels in a batch share its transaction; one that fails before
 * writing costs nothing, one that fails after writing dooms the batch. */
static void test_batches(ota_engine *eng, const char *db)
{
    ota_err e = {0};
    ok_call(ota_engine_batch_begin(eng, &e), &e, "a batch");
    for (int i = 0; i < 3; i++) {
        char key[16];
        snprintf(key, sizeof key, "light%d", i);
        ok_call(store_tx_begin_light(eng, &e), &e, "light level %d", i);
        ok_call(add(eng, key, &e), &e, "a write in light level %d", i);
        ok_call(store_tx_commit(eng, &e), &e, "light level %d commits", i);
    }
    ok_call(store_tx_begin_light(eng, &e), &e, "a light level that refuses before writing");
    ota_err refused = {.code = OTA_E_CONFLICT};
    store_tx_rollback(eng, &refused);
    ok_call(store_batch_check(eng, &e), &e, "the batch is not doomed by it");
    ok(!stored(db, "light0"), "nothing of the batch is on disk before its end");
    ok_call(ota_engine_batch_end(eng, &e), &e, "the batch ends");
    ok(stored(db, "light0") && stored(db, "light1") && stored(db, "light2"), "every light level's write is kept");

    ok_call(ota_engine_batch_begin(eng, &e), &e, "a second batch");
    ok_call(add(eng, "early", &e), &e, "a write early in it");
    ok_call(store_tx_begin_light(eng, &e), &e, "a light level");
    ok_call(add(eng, "doomed", &e), &e, "a write in it");
    ota_err why = {.code = OTA_E_CONFLICT};
    snprintf(why.field, sizeof why.field, "state");
    snprintf(why.message, sizeof why.message, "the first failure");
    store_tx_rollback(eng, &why);
    ota_err e1 = {0}, e2 = {0}, e3 = {0}, e4 = {0};
    fails_with(store_batch_check(eng, &e1), &e1, OTA_E_CONFLICT, "the batch is doomed with the first error");
    ok(strstr(e1.message, "the first failure") && !strcmp(e1.field, "state"), "... its message and field: %s",
       e1.message);
    fails_with(put_device(eng, "light0", "d-later", &e2), &e2, OTA_E_CONFLICT,
               "a later call of the batch fails with it");
    ok(strstr(e2.message, "the first failure") != NULL, "... naming it: %s", e2.message);
    fails_with(store_tx_begin(eng, &e3), &e3, OTA_E_CONFLICT, "so does opening a level");
    ota_err e5 = {0};
    fails_with(add(eng, "late", &e5), &e5, OTA_E_CONFLICT, "and a call that writes without a level of its own");
    ok(ota_engine_batch_end(eng, &e4) < 0, "the batch end reports it: %s", e4.message);
    char got[16];
    db_text(db, "SELECT count(*) FROM devices WHERE device_id='d-later'", got, sizeof got);
    ok(!stored(db, "early") && !stored(db, "doomed") && !stored(db, "late") && !strcmp(got, "0"),
       "nothing of the batch is kept");
    ok(!store_tx_open(eng), "no level is left open");
    ok_call(add(eng, "after", &e), &e, "after the batch the engine writes again");
    ok(stored(db, "after"), "... and it is kept");
}

/* A read snapshot is a level of the same stack: alone a read transaction
 * that nothing may write in, inside a write level nothing of its own; its
 * end is no rollback to a watcher. */
static void test_snapshots(ota_engine *eng, const char *db)
{
    ota_err e = {0};
    store_watch w;
    store_watch_init(&w);
    store_watch_check(eng, &w, 0);
    store_watch_mark(eng, &w);
    ok_call(store_snapshot_begin(eng, &e), &e, "a read snapshot");
    ok(store_tx_open(eng), "it is a level of the stack");
    ota_product p;
    fails_with(ota_product_get(eng, "other", &p, &e), &e, OTA_E_NOT_FOUND, "a first read fixes the snapshot");
    ok(db_sql(db, "INSERT INTO products(key, name, device_key_hash, created_at) VALUES('other', 'o', x'00', 1)")
           == 0, "another connection commits meanwhile");
    fails_with(ota_product_get(eng, "other", &p, &e), &e, OTA_E_NOT_FOUND,
               "the snapshot does not see that commit");
    ota_err we = {0};
    fails_with(store_tx_begin(eng, &we), &we, OTA_E_INTERNAL, "nothing writes inside a snapshot");
    ok(strstr(we.message, "read snapshot") != NULL, "... saying so: %s", we.message);
    store_snapshot_end(eng);
    ok(!store_tx_open(eng), "the snapshot ends its level");
    ok(!(store_watch_check(eng, &w, 0) & STORE_MOVED_ROLLBACK), "its end is not a rollback to a watcher");
    ok_call(ota_product_get(eng, "other", &p, &e), &e, "after it the commit is seen");

    ok_call(store_tx_begin(eng, &e), &e, "a write level");
    ok_call(add(eng, "inside", &e), &e, "a write in it");
    ok_call(store_snapshot_begin(eng, &e), &e, "a snapshot inside it");
    ok_call(ota_product_get(eng, "inside", &p, &e), &e, "reads the level's own writes");
    store_snapshot_end(eng);
    ok(store_tx_open(eng), "its end leaves the write level open");
    ok_call(store_tx_commit(eng, &e), &e, "which commits");
    ok(stored(db, "inside"), "... its write");
}

/* The watcher tells a cache what moved since it last looked. */
static void test_watcher(ota_engine *eng, const char *db)
{
    ota_err e = {0};
    store_watch w;
    store_watch_init(&w);
    unsigned m = store_watch_check(eng, &w, 0);
    ok((m & STORE_MOVED_OTHERS) && (m & STORE_MOVED_LOCAL), "the first look reports everything moved (%u)", m);
    store_watch_mark(eng, &w);
    is_int(store_watch_check(eng, &w, 0), 0, "then nothing moved");

    ota_engine_opts o = {.db_path = db};
    ota_engine *other = ota_engine_open(&o, &e);
    ok(other != NULL, "a second engine on the same file");
    ok_call(add(other, "elsewhere", &e), &e, "it commits a write");
    is_int(store_watch_check(eng, &w, 0), STORE_MOVED_OTHERS, "the watcher reports OTHERS");
    is_int(store_watch_check(eng, &w, 0), 0, "once");
    ota_engine_close(other);

    ok_call(store_tx_begin(eng, &e), &e, "a level");
    store_tx_rollback(eng, NULL);
    is_int(store_watch_check(eng, &w, 0), STORE_MOVED_ROLLBACK, "after a rollback: ROLLBACK");
    is_int(store_watch_check(eng, &w, 0), 0, "once");

    ok_call(add(eng, "here", &e), &e, "a write through the engine");
    is_int(store_watch_check(eng, &w, 0), STORE_MOVED_LOCAL, "the watcher reports LOCAL");
    is_int(store_watch_check(eng, &w, 0), STORE_MOVED_LOCAL, "until the cache marks what it saw");
    store_watch_mark(eng, &w);
    is_int(store_watch_check(eng, &w, 0), 0, "after store_watch_mark nothing moved");
    is_int(store_watch_check(eng, &w, STORE_WATCH_RELAXED), 0, "nor when asked relaxed");
}

/* No --db: $OTA_DB, else $XDG_DATA_HOME/otaconsole/, else ~/.local/share. */
static void test_default_paths(const char *dir)
{
    ota_err e = {0};
    char want[600], db[600], blobs[600];
    unsetenv("OTA_DB");
    snprintf(want, sizeof want, "%s/xdg", dir);
    setenv("XDG_DATA_HOME", want, 1);
    ota_engine *eng = ota_engine_open(NULL, &e);
    ok(eng != NULL, "open with no path uses the default");
    snprintf(db, sizeof db, "%s/xdg/otaconsole/ota.db", dir);
    snprintf(blobs, sizeof blobs, "%s/xdg/otaconsole/blobs", dir);
    is_str(eng ? ota_engine_db_path(eng) : "", db, "the database is $XDG_DATA_HOME/otaconsole/ota.db");
    is_str(eng ? ota_engine_blob_dir(eng) : "", blobs, "the blobs are $XDG_DATA_HOME/otaconsole/blobs");
    ok(access(db, F_OK) == 0 && is_dir(blobs), "both exist on disk");
    ota_engine_close(eng);

    unsetenv("XDG_DATA_HOME");
    snprintf(want, sizeof want, "%s/home", dir);
    setenv("HOME", want, 1);
    ota_default_paths(db, sizeof db, blobs, sizeof blobs);
    snprintf(want, sizeof want, "%s/home/.local/share/otaconsole/ota.db", dir);
    is_str(db, want, "without XDG_DATA_HOME: ~/.local/share/otaconsole/ota.db");

    snprintf(want, sizeof want, "%s/env/my.db", dir);
    setenv("OTA_DB", want, 1);
    eng = ota_engine_open(NULL, &e);
    is_str(eng ? ota_engine_db_path(eng) : "", want, "OTA_DB overrides the default");
    snprintf(blobs, sizeof blobs, "%s/env/blobs", dir);
    is_str(eng ? ota_engine_blob_dir(eng) : "", blobs, "... with the blobs beside it");
    ota_engine_close(eng);
    unsetenv("OTA_DB");
}

int main(void)
{
    ota_err e = {0};
    const char *dir = tap_tmpdir();
    char db[512];
    snprintf(db, sizeof db, "%s/sub/ota.db", dir);
    ota_engine_opts o = {.db_path = db};
    ota_engine *eng = ota_engine_open(&o, &e);
    ok(eng != NULL, "open creates the database and its folder");
    int v = eng ? ota_engine_schema_version(eng) : -1;
    ok(v >= 1, "migrated from empty to schema version %d", v);
    ota_engine_close(eng);
    test_fresh_schema(db);
    eng = ota_engine_open(&o, &e);
    is_int(eng ? ota_engine_schema_version(eng) : -1, v, "reopen keeps the schema version");
    ota_engine_close(eng);
    eng = ota_engine_open(&o, &e);
    if (eng) {
        test_nesting(eng, db);
        test_batches(eng, db);
        test_snapshots(eng, db);
        test_watcher(eng, db);
    }
    ota_engine_close(eng);
    test_failed_migration(dir);
    test_default_paths(dir);

    db_sql(db, "PRAGMA user_version=999");
    eng = ota_engine_open(&o, &e);
    ok(eng == NULL && e.code == OTA_E_IO, "a database newer than the program is refused: %s", e.message);

    /* A file that is not a database: io_error naming the db field and the path. */
    char junk[600];
    snprintf(junk, sizeof junk, "%s/junk.db", dir);
    FILE *f = fopen(junk, "w");
    for (int i = 0; f && i < 512; i++)
        fputs("this is not a database file ", f);
    if (f)
        fclose(f);
    ota_engine_opts oj = {.db_path = junk};
    ota_err ej = {0};
    eng = ota_engine_open(&oj, &ej);
    ok(eng == NULL && ej.code == OTA_E_IO && !strcmp(ej.field, "db") && strstr(ej.message, junk),
       "a file that is not a database: io_error on db naming the path: %s", ej.message);
    ota_engine_close(eng);

    int64_t t;
    ok(ota_time_parse("2026-12-01T00:00:00Z", &t) == 0 && t == 1796083200, "RFC 3339 Z parses");
    ok(ota_time_parse("2026-12-01T08:00:00+08:00", &t) == 0 && t == 1796083200, "offsets parse");
    ok(ota_time_parse("2026-02-29T00:00:00Z", &t) < 0, "no 29 February in 2026");
    ok(ota_time_parse("2026-12-01 00:00", &t) < 0, "truncated time refused");
    char buf[32];
    is_str(ota_time_format(1796083200, buf, sizeof buf), "2026-12-01T00:00:00Z", "format is RFC 3339 UTC");

    is_int(ota_utf8_chars("\xe4\xb8\xad\xe6\x96\x87", 6), 2, "two CJK characters count as 2");
    is_int(ota_utf8_chars("\xc0\xaf", 2), -1, "overlong UTF-8 is invalid");
    is_int(ota_utf8_chars("\xed\xa0\x80", 3), -1, "surrogates are invalid");
    is_int(ota_utf8_chars("\xe4\xb8", 2), -1, "truncated sequence is invalid");

    ota_fake_clock fc = {.t = 42};
    ota_clock c = ota_clock_fake(&fc);
    is_int(ota_clock_now(&c), 42, "fake clock reads its value");
    fc.t = 100;
    is_int(ota_clock_now(&c), 100, "fake clock moves only when told");
    return tap_done();
}
