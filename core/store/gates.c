/* The SQLite store: what the rollout's gates keep — a device's own time
 * zone (devices.timezone, its attribute "timezone", also kept in
 * devices.attrs) and each plan's offer token bucket (rate_buckets). */
#include "sqlite.h"

#include <string.h>

/* ------------------------------------------------------------ time zones */
int store_gates_device_timezone(ota_engine *eng, int64_t dev, const char *tz, ota_err *e)
{
    /* attrs holds what the device reported as its attributes: the zone too
     * (an unreadable old value starts over, as ota_device_attrs_merge does). */
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE devices SET timezone = ?2,"
        " attrs = json_set(CASE WHEN json_valid(attrs) AND json_type(attrs) = 'object' THEN attrs"
        "                  ELSE '{}' END, '$.timezone', ?2)"
        " WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, dev);
    sqlite3_bind_text(st, 2, tz, -1, SQLITE_STATIC);
    return store_step_done(eng, st, e, "record the device's time zone");
}

/* ----------------------------------------------------------- rate buckets */
int store_gates_bucket_get(ota_engine *eng, int64_t plan, ota_rate_bucket *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_stmt(eng, "SELECT units, refilled_at FROM rate_buckets WHERE plan = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->units = sqlite3_column_int64(st, 0);
        out->at = sqlite3_column_int64(st, 1);
    }
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(eng, e, "read the offer rate bucket");
    return rc == SQLITE_ROW;
}

int store_gates_bucket_put(ota_engine *eng, int64_t plan, const ota_rate_bucket *b, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO rate_buckets(plan, units, refilled_at) VALUES(?1, ?2, ?3)"
        " ON CONFLICT(plan) DO UPDATE SET units = excluded.units, refilled_at = excluded.refilled_at", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, b->units);
    sqlite3_bind_int64(st, 3, b->at);
    return store_step_done(eng, st, e, "write the offer rate bucket");
}
