/* The SQLite store: the simulator's fleet (a generated fleet written in
 * bulk, and the devices the simulator drives). */
#include "sqlite.h"

#include <string.h>

/* --------------------------------------------------------- generated fleet */
/* The whole fleet is written by two INSERT ... SELECT statements inside
 * SQLite, which ask the generator through two SQL functions (a million
 * devices in a few seconds; one statement per row spent most of its time
 * in statement overhead).  The generator reaches them as a bound pointer.
 * The page cache is left as it is: when it fills, SQLite spills pages to
 * the WAL, which measured as fast as widening it and keeps the peak memory
 * lower. */
#define FLEET_PTR "store_fleet"

/* ota_fleet_pick(fleet, i, what): what -2 rsrp, -1 battery, k >= 0 the
 * version of component k. */
static void fleet_pick_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const store_fleet *f = sqlite3_value_pointer(argv[0], FLEET_PTR);
    int64_t i = sqlite3_value_int64(argv[1]);
    int what = sqlite3_value_int(argv[2]);
    if (!f)
        sqlite3_result_null(cx);
    else if (what == -2)
        sqlite3_result_int(cx, f->rsrp(f->ctx, i));
    else if (what == -1)
        sqlite3_result_int(cx, f->battery(f->ctx, i));
    else if (what >= 0 && what < f->ncomponents)
        sqlite3_result_text(cx, f->version(f->ctx, i, what), -1, SQLITE_STATIC);
    else
        sqlite3_result_null(cx);
}

/* ota_fleet_component(fleet, k): the name of component k. */
static void fleet_component_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const store_fleet *f = sqlite3_value_pointer(argv[0], FLEET_PTR);
    int k = sqlite3_value_int(argv[1]);
    if (f && k >= 0 && k < f->ncomponents)
        sqlite3_result_text(cx, f->components[k], -1, SQLITE_STATIC);
    else
        sqlite3_result_null(cx);
}

static int fleet_register(ota_engine *eng, ota_err *e)
{
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    if (sqlite3_create_function_v2(STORE_DB(eng), "ota_fleet_pick", 3, flags, NULL, fleet_pick_fn, NULL,
                                   NULL, NULL) != SQLITE_OK)
        return store_fail(eng, e, "register ota_fleet_pick");
    if (sqlite3_create_function_v2(STORE_DB(eng), "ota_fleet_component", 2, flags, NULL, fleet_component_fn,
                                   NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(eng, e, "register ota_fleet_component");
    return 0;
}

static int64_t devices_max_id(ota_engine *eng, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT COALESCE(MAX(id), 0) FROM devices", e);
    if (!st)
        return -1;
    int64_t max = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        max = sqlite3_column_int64(st, 0);
    store_done(st);
    return max;
}

int store_fleet_insert(ota_engine *eng, const store_fleet *f, ota_err *e)
{
    if (fleet_register(eng, e) < 0)
        return -1;
    int64_t before = devices_max_id(eng, e);
    if (before < 0)
        return -1;
    /* Devices already there are left as they are (ON CONFLICT); the new
     * rows are exactly those with a rowid past the old maximum. */
    sqlite3_stmt *st = store_stmt(eng,
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?3)"
        " INSERT INTO devices(device_id, product, rsrp, battery, last_seen)"
        " SELECT ?4 || printf('%06d', i), ?2, ota_fleet_pick(?1, i, -2), ota_fleet_pick(?1, i, -1), 0"
        " FROM s WHERE true ON CONFLICT(device_id) DO NOTHING", e);
    if (!st)
        return -1;
    sqlite3_bind_pointer(st, 1, (void *)f, FLEET_PTR, NULL);
    sqlite3_bind_text(st, 2, f->product, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, f->n);
    sqlite3_bind_text(st, 4, f->prefix, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_DONE)
        return store_fail(eng, e, "generate devices");
    /* device-major, components in key order: appends to the primary key */
    st = store_stmt(eng,
        "WITH RECURSIVE c(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM c WHERE k + 1 < ?3)"
        " INSERT INTO device_versions(device, component, version)"
        " SELECT d.id, ota_fleet_component(?1, c.k),"
        "  ota_fleet_pick(?1, CAST(substr(d.device_id, ?4) AS INTEGER), c.k)"
        " FROM devices d CROSS JOIN c WHERE d.id > ?2", e);
    if (!st)
        return -1;
    sqlite3_bind_pointer(st, 1, (void *)f, FLEET_PTR, NULL);
    sqlite3_bind_int64(st, 2, before);
    sqlite3_bind_int(st, 3, f->ncomponents);
    sqlite3_bind_int64(st, 4, (int64_t)strlen(f->prefix) + 1);
    rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_DONE)
        return store_fail(eng, e, "generate versions");
    return 0;
}

/* The (component, version) index takes a bulk load's rows in random
 * order: when they are most of the table it is rebuilt afterwards (one
 * sort) rather than updated row by row, inside the same transaction. */
int store_devices_bulk_begin(ota_engine *eng, long n, ota_err *e)
{
    int64_t before = devices_max_id(eng, e);
    if (before < 0)
        return -1;
    if (n >= before && store_exec(eng, "DROP INDEX device_versions_cv", e) < 0)
        return -1;
    return 0;
}

int store_devices_bulk_end(ota_engine *eng, ota_err *e)
{
    return store_exec(eng, "CREATE INDEX IF NOT EXISTS device_versions_cv"
                           " ON device_versions(component, version)", e);
}

/* ------------------------------------------------------ simulated devices */
int store_sim_devices(ota_engine *eng, const char *product,
                      int (*each)(void *ctx, const store_sim_device *d, ota_err *e), void *ctx, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT d.device_id, d.product, d.rsrp, d.battery,"
        " COALESCE((SELECT group_concat(v.component || '=' || v.version, ';')"
        "           FROM device_versions v WHERE v.device = d.id), '')"
        " FROM devices d WHERE ?1 IS NULL OR d.product = ?1 ORDER BY d.id", e);
    if (!st)
        return -1;
    if (product)
        sqlite3_bind_text(st, 1, product, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_sim_device d;
        d.has_rsrp = sqlite3_column_type(st, 2) != SQLITE_NULL;  /* before any conversion */
        d.has_battery = sqlite3_column_type(st, 3) != SQLITE_NULL;
        d.rsrp = sqlite3_column_int(st, 2);
        d.battery = sqlite3_column_int(st, 3);
        d.device_id = (const char *)sqlite3_column_text(st, 0);
        d.product = (const char *)sqlite3_column_text(st, 1);
        d.versions = (const char *)sqlite3_column_text(st, 4);
        if (each(ctx, &d, e) < 0) {
            store_done(st);
            return -1;
        }
    }
    store_done(st);
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, "load fleet");
}
