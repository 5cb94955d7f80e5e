/* The store opens an empty database, migrates it to the newest schema in
 * WAL mode, and reopens it without migrating twice; a migration that fails
 * leaves nothing behind; default paths under $XDG_DATA_HOME/otaconsole/
 * and the OTA_DB override; time and UTF-8 helpers. */
#include <ftw.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ota.h"
#include "../tap.h"

/* One text value of a query on a database file opened directly. */
static void db_text(const char *db, const char *sql, char *out, size_t len)
{
    sqlite3 *raw;
    sqlite3_stmt *st;
    out[0] = 0;
    if (sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(raw, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(raw);
}

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
    sqlite3 *raw;
    sqlite3_open(db, &raw);
    sqlite3_exec(raw, "CREATE TABLE plans(x)", NULL, NULL, NULL); /* migration 1 makes plans too */
    sqlite3_close(raw);
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

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
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
    test_failed_migration(dir);
    test_default_paths(dir);

    sqlite3 *raw;
    sqlite3_open(db, &raw);
    sqlite3_exec(raw, "PRAGMA user_version=999", NULL, NULL, NULL);
    sqlite3_close(raw);
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
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return tap_done();
}
