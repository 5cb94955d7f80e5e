/* The SQLite store: a staged plan's waves (core/store.h "waves"): the
 * devices an activation targets, the per-wave thresholds and counters
 * (plan_waves), the plan's open wave; rollback drafts' groups and records;
 * retry times and the in-flight jobs' start times (timeouts). */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

int store_plan_targets(ota_engine *eng, int64_t plan, const char *product,
                       int (*fn)(void *ctx, int64_t dev, const char *device_id, ota_err *e), void *ctx,
                       ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT d.id, d.device_id FROM devices d WHERE d.product = ?2"
        " AND NOT EXISTS (SELECT 1 FROM plan_lists b WHERE b.plan = ?1 AND b.list = 'black'"
        "                 AND b.device_id = d.device_id)"
        " AND (NOT EXISTS (SELECT 1 FROM plan_lists w WHERE w.plan = ?1 AND w.list = 'white')"
        "      OR EXISTS (SELECT 1 FROM plan_lists w WHERE w.plan = ?1 AND w.list = 'white'"
        "                 AND w.device_id = d.device_id))"
        " ORDER BY d.id", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_text(st, 2, product, -1, SQLITE_STATIC);
    int rc, out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((out = fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), e)) != 0)
            break;
    store_done(st);
    if (out != 0)
        return out;
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, "read targeted devices");
}

int store_waves_create(ota_engine *eng, int64_t plan, const store_wave *w, size_t n, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT OR REPLACE INTO plan_waves(plan, wave, threshold, devices,"
                                       " succeeded, failed) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", e);
    for (size_t i = 0; st && i < n; i++) {
        sqlite3_bind_int64(st, 1, plan);
        sqlite3_bind_int(st, 2, (int)i);
        sqlite3_bind_int64(st, 3, (int64_t)w[i].threshold);
        sqlite3_bind_int64(st, 4, w[i].devices);
        sqlite3_bind_int64(st, 5, w[i].succeeded);
        sqlite3_bind_int64(st, 6, w[i].failed);
        if (store_step_done(eng, st, e, "create waves") < 0)
            return -1;
    }
    return st ? 0 : -1;
}

int store_wave_add(ota_engine *eng, int64_t plan, int wave, long devices, long succeeded, long failed,
                   ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE plan_waves SET devices = devices + ?3,"
                                       " succeeded = succeeded + ?4, failed = failed + ?5"
                                       " WHERE plan = ?1 AND wave = ?2", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, wave);
    sqlite3_bind_int64(st, 3, devices);
    sqlite3_bind_int64(st, 4, succeeded);
    sqlite3_bind_int64(st, 5, failed);
    return store_step_done(eng, st, e, "update wave");
}

int store_waves_read(ota_engine *eng, int64_t plan, store_wave *out, size_t max, size_t *n, int *current,
                     int64_t *reached_at, ota_err *e)
{
    *n = 0;
    *current = 0;
    *reached_at = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT current_wave, wave_reached_at FROM plans WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *current = sqlite3_column_int(st, 0);
        *reached_at = sqlite3_column_int64(st, 1);
    }
    store_done(st);
    if (rc == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)plan);
    if (rc != SQLITE_ROW)
        return store_fail(eng, e, "read plan waves");
    if (!(st = store_stmt(eng, "SELECT threshold, devices, succeeded, failed FROM plan_waves"
                               " WHERE plan = ?1 ORDER BY wave", e)))
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        store_wave *w = &out[(*n)++];
        w->threshold = (uint64_t)sqlite3_column_int64(st, 0);
        w->devices = (long)sqlite3_column_int64(st, 1);
        w->succeeded = (long)sqlite3_column_int64(st, 2);
        w->failed = (long)sqlite3_column_int64(st, 3);
    }
    store_done(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(eng, e, "read plan waves");
}

int store_plan_wave_set(ota_engine *eng, int64_t plan, int current, int64_t reached_at, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE plans SET current_wave = ?2, wave_reached_at = ?3 WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, current);
    sqlite3_bind_int64(st, 3, reached_at);
    return store_step_done(eng, st, e, "update plan wave");
}

int store_waves_recount(ota_engine *eng, int64_t plan, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE plan_waves SET"
        " succeeded = (SELECT COUNT(*) FROM jobs j WHERE j.plan = ?1 AND j.state = ?2 AND j.wave = plan_waves.wave),"
        " failed = (SELECT COUNT(*) FROM jobs j WHERE j.plan = ?1 AND j.state = ?3 AND j.wave = plan_waves.wave)"
        " WHERE plan = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, OTA_JOB_SUCCEEDED);
    sqlite3_bind_int(st, 3, OTA_JOB_FAILED);
    return store_step_done(eng, st, e, "count waves");
}

/* ------------------------------------------------------ rollback drafts */
int store_rollback_devices(ota_engine *eng, int64_t plan,
                           int (*fn)(void *ctx, const char *prev, const char *device_id, ota_err *e), void *ctx,
                           ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT j.prev_versions, d.device_id FROM jobs j"
                                       " JOIN devices d ON d.id = j.device"
                                       " WHERE j.plan = ?1 AND j.state = ?2 AND j.prev_versions IS NOT NULL"
                                       " ORDER BY j.prev_versions, d.device_id", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, OTA_JOB_SUCCEEDED);
    int rc, out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((out = fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                      e)) != 0)
            break;
    store_done(st);
    if (out != 0)
        return out;
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, "read succeeded devices");
}

int store_rollback_add(ota_engine *eng, int64_t plan, int64_t rollback, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT OR IGNORE INTO plan_rollbacks(plan, rollback) VALUES(?1, ?2)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, rollback);
    return store_step_done(eng, st, e, "record rollback plan");
}

int store_rollback_uncovered_set(ota_engine *eng, int64_t plan, long n, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE plans SET rollback_uncovered = ?2 WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, n);
    return store_step_done(eng, st, e, "record rollback uncovered");
}

int store_rollbacks_read(ota_engine *eng, int64_t plan, int64_t *ids, size_t max, size_t *n, long *uncovered,
                         ota_err *e)
{
    *n = 0;
    *uncovered = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT rollback_uncovered FROM plans WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    if (sqlite3_step(st) == SQLITE_ROW)
        *uncovered = (long)sqlite3_column_int64(st, 0);
    store_done(st);
    if (!(st = store_stmt(eng, "SELECT rollback FROM plan_rollbacks WHERE plan = ?1 ORDER BY rollback", e)))
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    store_done(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(eng, e, "read rollback plans");
}

/* ------------------------------------------------- retries and timeouts */
int store_job_retry_at(ota_engine *eng, int64_t job, int64_t t, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE jobs SET retry_at = ?2 WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_int64(st, 2, t);
    return store_step_done(eng, st, e, "update job retry");
}

int store_job_reason_word(ota_engine *eng, int64_t job, const char *word, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE jobs SET reason = ?2 WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_text(st, 2, word, -1, SQLITE_STATIC);
    return store_step_done(eng, st, e, "update job reason");
}

/* Both over jobs_plan_state: only the plan's jobs in flight are read. */
int store_jobs_oldest_start(ota_engine *eng, int64_t plan, int64_t *out, ota_err *e)
{
    *out = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT MIN(started_at) FROM jobs"
                                       " WHERE plan = ?1 AND state BETWEEN ?2 AND ?3", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, OTA_JOB_DOWNLOADING);
    sqlite3_bind_int(st, 3, OTA_JOB_INSTALLING);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    store_done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(eng, e, "read in-flight jobs");
}

int store_jobs_started_before(ota_engine *eng, int64_t plan, int64_t before, store_job_ref **out, size_t *n,
                              ota_err *e)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT j.id, j.device, j.state, j.attempt, d.device_id, j.wave FROM jobs j"
        " JOIN devices d ON d.id = j.device"
        " WHERE j.plan = ?1 AND j.state BETWEEN ?2 AND ?3 AND j.started_at <= ?4 ORDER BY j.id", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, OTA_JOB_DOWNLOADING);
    sqlite3_bind_int(st, 3, OTA_JOB_INSTALLING);
    sqlite3_bind_int64(st, 4, before);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            store_job_ref *m = realloc(*out, nc * sizeof *m);
            if (!m) {
                store_done(st);
                free(*out);
                *out = NULL;
                *n = 0;
                return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            }
            *out = m;
            cap = nc;
        }
        store_job_ref *j = &(*out)[(*n)++];
        memset(j, 0, sizeof *j);
        j->id = sqlite3_column_int64(st, 0);
        j->plan = plan;
        j->dev = sqlite3_column_int64(st, 1);
        j->state = (ota_job_state)sqlite3_column_int(st, 2);
        j->attempt = sqlite3_column_int(st, 3);
        store_copy_text(st, 4, j->device, sizeof j->device);
        j->wave = sqlite3_column_int(st, 5);
    }
    store_done(st);
    if (rc == SQLITE_DONE)
        return 0;
    free(*out);
    *out = NULL;
    *n = 0;
    return store_fail(eng, e, "read in-flight jobs");
}
