/* The SQLite store: devices and their versions as check-ins read and write
 * them (lookup, registration, telemetry, versions), and the plans the
 * rollout loads into its caches (with components, package files and
 * black/white lists). */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- devices */
/* Columns 0..5: id, product, rsrp, battery, last_seen, timezone. */
static void device_row(sqlite3_stmt *st, store_fleet_device *out)
{
    out->dev = sqlite3_column_int64(st, 0);
    store_copy_text(st, 1, out->product, sizeof out->product);
    out->has_rsrp = sqlite3_column_type(st, 2) != SQLITE_NULL;
    out->rsrp = sqlite3_column_int(st, 2);
    out->has_battery = sqlite3_column_type(st, 3) != SQLITE_NULL;
    out->battery = sqlite3_column_int(st, 3);
    out->last_seen = sqlite3_column_int64(st, 4);
    store_copy_text(st, 5, out->timezone, sizeof out->timezone);
}

int store_fleet_device_find(ota_engine *eng, const char *device_id, store_fleet_device *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT id, product, rsrp, battery, last_seen, timezone FROM devices"
                                       " WHERE device_id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, device_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        device_row(st, out);
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(eng, e, "read device");
    return rc == SQLITE_ROW;
}

int store_fleet_devices_after(ota_engine *eng, int64_t after, int max,
                              int (*fn)(void *ctx, const store_fleet_device *d, const char *device_id, ota_err *e),
                              void *ctx, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT id, product, rsrp, battery, last_seen, timezone, device_id"
                                       " FROM devices WHERE id > ?1 ORDER BY id LIMIT ?2", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, max);
    int rc, n = 0, stop = 0;
    store_fleet_device row;
    char id[OTA_DEVICE_ID_MAX + 1];
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        device_row(st, &row);
        store_copy_text(st, 6, id, sizeof id);
        n++;
        stop = fn(ctx, &row, id, e);
    }
    store_done(st);
    if (stop)
        return stop < 0 ? -1 : stop;
    if (rc != SQLITE_DONE)
        return store_fail(eng, e, "read devices");
    return n;
}

int store_fleet_versions_between(ota_engine *eng, int64_t lo, int64_t hi,
                                 int (*fn)(void *ctx, int64_t dev, const char *component, const char *version,
                                           ota_err *e),
                                 void *ctx, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT device, component, version FROM device_versions"
                                       " WHERE device BETWEEN ?1 AND ?2 ORDER BY device", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                  (const char *)sqlite3_column_text(st, 2), e);
    store_done(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, "read versions");
}

int store_fleet_jobs_between(ota_engine *eng, int64_t plan, int64_t lo, int64_t hi,
                             int (*fn)(void *ctx, const store_fleet_job *j, ota_err *e), void *ctx, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT device, id, state, reason, wave, retry_at FROM jobs"
                                       " WHERE plan = ?1 AND device BETWEEN ?2 AND ?3", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, lo);
    sqlite3_bind_int64(st, 3, hi);
    int rc, stop = 0;
    store_fleet_job j;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        j.dev = sqlite3_column_int64(st, 0);
        j.job = sqlite3_column_int64(st, 1);
        j.state = (ota_job_state)sqlite3_column_int(st, 2);
        j.reason = ota_defer_parse((const char *)sqlite3_column_text(st, 3));
        j.wave = sqlite3_column_int(st, 4);
        j.retry_at = sqlite3_column_int64(st, 5);
        stop = fn(ctx, &j, e);
    }
    store_done(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, "read jobs");
}

int store_fleet_versions(ota_engine *eng, int64_t dev, ota_version *v, size_t max, size_t *n, ota_err *e)
{
    *n = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT component, version FROM device_versions WHERE device = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, dev);
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_copy_text(st, 0, v[*n].component, sizeof v[*n].component);
        store_copy_text(st, 1, v[*n].version, sizeof v[*n].version);
        (*n)++;
    }
    store_done(st);
    if (*n < max && rc != SQLITE_DONE)
        return store_fail(eng, e, "read versions");
    return 0;
}

int64_t store_fleet_device_register(ota_engine *eng, const ota_checkin_req *q, int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO devices(device_id, product, rsrp, battery, last_seen,"
                                       " timezone, attrs) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                                       " CASE WHEN ?6 IS NULL THEN NULL ELSE json_object('timezone', ?6) END)", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, q->device, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->product, -1, SQLITE_STATIC);
    if (q->has_rsrp)
        sqlite3_bind_int(st, 3, q->rsrp);
    if (q->has_battery)
        sqlite3_bind_int(st, 4, q->battery);
    sqlite3_bind_int64(st, 5, now);
    if (q->timezone[0])
        sqlite3_bind_text(st, 6, q->timezone, -1, SQLITE_STATIC);
    if (store_step_done(eng, st, e, "register device") < 0)
        return -1;
    int64_t dev = sqlite3_last_insert_rowid(STORE_DB(eng));
    if (store_fleet_versions_replace(eng, dev, q->versions, q->nversions, e) < 0)
        return -1;
    return dev;
}

int store_fleet_versions_replace(ota_engine *eng, int64_t dev, const ota_version *v, size_t n, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "DELETE FROM device_versions WHERE device = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, dev);
    if (store_step_done(eng, st, e, "replace versions") < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        st = store_stmt(eng, "INSERT INTO device_versions(device, component, version) VALUES(?1, ?2, ?3)", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, dev);
        sqlite3_bind_text(st, 2, v[i].component, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, v[i].version, -1, SQLITE_STATIC);
        if (store_step_done(eng, st, e, "write versions") < 0)
            return -1;
    }
    return 0;
}

int store_fleet_version_set(ota_engine *eng, int64_t dev, const char *component, const char *version,
                            ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO device_versions(device, component, version) VALUES(?1, ?2, ?3)"
        " ON CONFLICT(device, component) DO UPDATE SET version = excluded.version", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, dev);
    sqlite3_bind_text(st, 2, component, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
    return store_step_done(eng, st, e, "record versions");
}

int store_fleet_telemetry(ota_engine *eng, int64_t dev, bool has_rsrp, int rsrp, bool has_battery,
                          int battery, int64_t last_seen, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE devices SET rsrp = ?2, battery = ?3, last_seen = ?4"
                                       " WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, dev);
    if (has_rsrp)
        sqlite3_bind_int(st, 2, rsrp);
    if (has_battery)
        sqlite3_bind_int(st, 3, battery);
    sqlite3_bind_int64(st, 4, last_seen);
    return store_step_done(eng, st, e, "update device");
}

/* ----------------------------------------------------------------- plans */
int store_fleet_plans(ota_engine *eng, int (*fn)(void *ctx, const store_fleet_plan *p, ota_err *e), void *ctx,
                      ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT id, product, state, mode, retries, min_rsrp, min_battery, window_start,"
        " window_end, job_timeout, COALESCE(activated_at, 0), COALESCE(paused_from, 'active'),"
        " rollout, maintenance, retry_interval, paused_reason"
        " FROM plans WHERE state IN ('active','upgrading','paused')"
        "  OR (state IN ('terminated','ended') AND id IN"
        "      (SELECT plan FROM plan_counts WHERE state IN (?1, ?2) AND n > 0))"
        " ORDER BY activated_at, id", e);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, OTA_JOB_DOWNLOADING);
    sqlite3_bind_int(st, 2, OTA_JOB_INSTALLING);
    int rc = SQLITE_DONE, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_fleet_plan p = {0};
        p.id = sqlite3_column_int64(st, 0);
        store_copy_text(st, 1, p.product, sizeof p.product);
        ota_plan_state_parse((const char *)sqlite3_column_text(st, 2), &p.state);
        ota_mode_parse((const char *)sqlite3_column_text(st, 3), &p.mode);
        p.retries = sqlite3_column_int(st, 4);
        p.min_rsrp = sqlite3_column_int(st, 5);
        p.min_battery = sqlite3_column_int(st, 6);
        p.window_start = sqlite3_column_int64(st, 7);
        p.window_end = sqlite3_column_int64(st, 8);
        p.job_timeout = sqlite3_column_int64(st, 9);
        p.activated_at = sqlite3_column_int64(st, 10);
        ota_plan_state_parse((const char *)sqlite3_column_text(st, 11), &p.paused_from);
        p.retry_interval_seconds = sqlite3_column_int64(st, 14);
        store_copy_text(st, 15, p.paused_reason, sizeof p.paused_reason);
        ota_plan defaults;  /* the rollout a text leaves fields out of starts from ota_plan_init's */
        ota_plan_init(&defaults);
        p.rollout = defaults.rollout;
        if (store_plan_staged_read(p.id, (const char *)sqlite3_column_text(st, 12),
                                   (const char *)sqlite3_column_text(st, 13), &p.has_rollout, &p.rollout,
                                   &p.has_maintenance, &p.maintenance, e) < 0) {
            stop = -1;
            break;
        }
        stop = fn(ctx, &p, e);
    }
    store_done(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, "read plans");
}

static int component_files(ota_engine *eng, ota_offer_component *oc, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT name, size, sha256, sha1, md5 FROM package_files"
                                       " WHERE package = ?1 ORDER BY idx", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, oc->package_id);
    int rc = SQLITE_DONE;
    while (oc->nfiles < OTA_MAX_FILES && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ota_file *f = &oc->files[oc->nfiles++];
        store_copy_text(st, 0, f->name, sizeof f->name);
        f->size = (uint64_t)sqlite3_column_int64(st, 1);
        store_copy_text(st, 2, f->sha256, sizeof f->sha256);
        store_copy_text(st, 3, f->sha1, sizeof f->sha1);
        store_copy_text(st, 4, f->md5, sizeof f->md5);
    }
    store_done(st);
    if (oc->nfiles < OTA_MAX_FILES && rc != SQLITE_DONE)
        return store_fail(eng, e, "read package files");
    return 0;
}

int store_fleet_plan_components(ota_engine *eng, int64_t plan, ota_offer_component **out, size_t *n,
                                ota_err *e)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT pc.component, p.id, p.kind, p.target_version, COALESCE(p.source_version,'')"
        " FROM plan_components pc JOIN packages p ON p.id = pc.package"
        " WHERE pc.plan = ?1 ORDER BY pc.idx", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    int rc = SQLITE_DONE;
    while (*n < OTA_MAX_COMPONENTS && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ota_offer_component *c = realloc(*out, (*n + 1) * sizeof *c);
        if (!c) {
            store_done(st);
            ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            goto fail;
        }
        *out = c;
        ota_offer_component *oc = &c[(*n)++];
        memset(oc, 0, sizeof *oc);
        store_copy_text(st, 0, oc->component, sizeof oc->component);
        oc->package_id = sqlite3_column_int64(st, 1);
        oc->kind = !strcmp((const char *)sqlite3_column_text(st, 2), "diff") ? OTA_KIND_DIFF : OTA_KIND_FULL;
        store_copy_text(st, 3, oc->version, sizeof oc->version);
        store_copy_text(st, 4, oc->source_version, sizeof oc->source_version);
    }
    store_done(st);
    if (*n < OTA_MAX_COMPONENTS && rc != SQLITE_DONE) {
        store_fail(eng, e, "read plan components");
        goto fail;
    }
    for (size_t i = 0; i < *n; i++)
        if (component_files(eng, &(*out)[i], e) < 0)
            goto fail;
    return 0;
fail:
    free(*out);
    *out = NULL;
    *n = 0;
    return -1;
}

int store_fleet_plan_lists(ota_engine *eng, int64_t plan,
                           int (*fn)(void *ctx, bool black, const char *device_id, ota_err *e), void *ctx,
                           ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT list, device_id FROM plan_lists WHERE plan = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    int rc = SQLITE_DONE, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, sqlite3_column_text(st, 0)[0] == 'b', (const char *)sqlite3_column_text(st, 1), e);
    store_done(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, "read plan lists");
}
