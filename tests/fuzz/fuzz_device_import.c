/* Device import files (otactl device import, POST .../devices): the first
 * byte picks JSON or CSV, the rest is the file, imported with
 * ota_device_import into a scratch engine.
 * Property: all or nothing -- a refused file changes no device row. */
#include "fuzz.h"

#include <sqlite3.h>

/* Counted through a connection of its own: the engine's store is private. */
static long count_rows(ota_engine *eng)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long n = -1;
    if (sqlite3_open_v2(ota_engine_db_path(eng), &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        abort();
    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM devices) * 1000003 +"
                           " (SELECT count(*) FROM device_versions)", -1, &st, NULL) != SQLITE_OK)
        abort();
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 1) return 0;
    ota_engine *eng = fuzz_engine();
    char path[400];
    snprintf(path, sizeof path, "%s/devices.%s", fuzz_tmpdir(), d[0] & 1 ? "csv" : "json");
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d + 1, 1, n - 1, f) != n - 1 || fclose(f) != 0) abort();

    long before = count_rows(eng);
    ota_err e = {0};
    ota_import_result res = {0};
    if (ota_device_import(eng, FUZZ_PRODUCT, path, &res, &e) != 0) {
        fuzz_clear_error(&e, "import");
        fuzz_assert(count_rows(eng) == before, "a refused import changed device rows (%s)", e.message);
    } else {
        fuzz_assert(res.added + res.updated <= n, "more devices than bytes");
    }
    remove(path);
    return 0;
}
