/* The SQLite store: jobs, plan counters and events as the rollout writes
 * them (check-ins, reports, plan transitions, the clock), and the job rows
 * reports and ota_job_get read.  jobs.state and plan_counts.state hold the
 * ota_job_state numbers (bound, never spelt in the SQL). */
#include "sqlite.h"

#include <string.h>

/* ------------------------------------------------------------------ jobs */
int store_job_update(ota_engine *eng, int64_t job, ota_job_state to, ota_defer reason, int progress,
                     int attempt, const char *error, const char *prev, int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE jobs SET state = ?2, reason = ?3, prev_versions = COALESCE(?9, prev_versions),"
        " progress = CASE WHEN ?4 < 0 THEN progress ELSE ?4 END,"
        " attempt = CASE WHEN ?5 < 0 THEN attempt ELSE ?5 END,"
        " error = COALESCE(?6, error), updated_at = ?7,"
        " started_at = CASE WHEN ?2 = ?8 AND started_at IS NULL THEN ?7 WHEN ?2 = ?10 THEN NULL"
        "                   ELSE started_at END"
        " WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_int(st, 2, to);
    if (reason != OTA_ELIGIBLE)
        sqlite3_bind_text(st, 3, ota_defer_str(reason), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, progress);
    sqlite3_bind_int(st, 5, attempt);
    if (error)
        sqlite3_bind_text(st, 6, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    sqlite3_bind_int(st, 8, OTA_JOB_DOWNLOADING);
    if (prev)
        sqlite3_bind_text(st, 9, prev, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 10, OTA_JOB_PENDING);  /* a retry starts its attempt afresh */
    return store_step_done(eng, st, e, "update job");
}

int64_t store_job_create(ota_engine *eng, int64_t plan, int64_t dev, int wave, int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO jobs(plan, device, state, attempt, progress, updated_at, wave)"
                                       " VALUES(?1, ?2, ?4, 1, 0, ?3, ?5)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, dev);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int(st, 4, OTA_JOB_PENDING);
    sqlite3_bind_int(st, 5, wave);
    if (store_step_done(eng, st, e, "create job") < 0)
        return -1;
    return sqlite3_last_insert_rowid(STORE_DB(eng));
}

int64_t store_jobs_create_for_plan(ota_engine *eng, int64_t plan, const char *product, int64_t now,
                                   ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO jobs(plan, device, state, attempt, progress, updated_at)"
        " SELECT ?1, d.id, ?4, 1, 0, ?2 FROM devices d WHERE d.product = ?3"
        " AND NOT EXISTS (SELECT 1 FROM plan_lists b WHERE b.plan = ?1 AND b.list = 'black'"
        "                 AND b.device_id = d.device_id)"
        " AND (NOT EXISTS (SELECT 1 FROM plan_lists w WHERE w.plan = ?1 AND w.list = 'white')"
        "      OR EXISTS (SELECT 1 FROM plan_lists w WHERE w.plan = ?1 AND w.list = 'white'"
        "                 AND w.device_id = d.device_id))"
        " ORDER BY d.id", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, product, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, OTA_JOB_PENDING);
    if (store_step_done(eng, st, e, "create jobs") < 0)
        return -1;
    return store_changes(eng);
}

int store_job_find(ota_engine *eng, int64_t plan, int64_t dev, int64_t *job, ota_job_state *state,
                   ota_defer *reason, int *wave, int64_t *retry_at, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT id, state, reason, wave, retry_at FROM jobs"
                                       " WHERE plan = ?1 AND device = ?2", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, dev);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *job = sqlite3_column_int64(st, 0);
        *state = (ota_job_state)sqlite3_column_int(st, 1);
        *reason = ota_defer_parse((const char *)sqlite3_column_text(st, 2));
        *wave = sqlite3_column_int(st, 3);
        *retry_at = sqlite3_column_int64(st, 4);
    }
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(eng, e, "read job");
    return rc == SQLITE_ROW;
}

int store_job_ref_get(ota_engine *eng, int64_t job, store_job_ref *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT j.plan, j.device, j.state, j.attempt, d.device_id, j.wave"
                                       " FROM jobs j JOIN devices d ON d.id = j.device WHERE j.id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = job;
        out->plan = sqlite3_column_int64(st, 0);
        out->dev = sqlite3_column_int64(st, 1);
        out->state = (ota_job_state)sqlite3_column_int(st, 2);
        out->attempt = sqlite3_column_int(st, 3);
        store_copy_text(st, 4, out->device, sizeof out->device);
        out->wave = sqlite3_column_int(st, 5);
    }
    store_done(st);
    if (rc == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "job", "no job %lld", (long long)job);
    return rc == SQLITE_ROW ? 0 : store_fail(eng, e, "read job");
}

int store_job_row_get(ota_engine *eng, int64_t job, int64_t *plan, ota_job_row *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT j.plan, d.device_id, j.state, j.attempt, j.progress, j.reason, j.error, j.updated_at"
        " FROM jobs j JOIN devices d ON d.id = j.device WHERE j.id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->job_id = job;
        if (plan)
            *plan = sqlite3_column_int64(st, 0);
        store_copy_text(st, 1, out->device, sizeof out->device);
        out->state = (ota_job_state)sqlite3_column_int(st, 2);
        out->attempt = sqlite3_column_int(st, 3);
        out->progress = sqlite3_column_int(st, 4);
        store_copy_text(st, 5, out->reason, sizeof out->reason);
        store_copy_text(st, 6, out->error, sizeof out->error);
        out->updated_at = sqlite3_column_int64(st, 7);
    }
    store_done(st);
    if (rc == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "job", "no job %lld", (long long)job);
    return rc == SQLITE_ROW ? 0 : store_fail(eng, e, "read job");
}

int64_t store_jobs_move_all(ota_engine *eng, int64_t plan, ota_job_state lo, ota_job_state hi,
                            ota_job_state to, const char *error, int64_t now, ota_err *e)
{
    sqlite3_stmt *st;
    for (int s = (int)lo; s <= (int)hi; s++) {  /* the events first: they name each job's state before */
        st = store_stmt(eng, "INSERT INTO events(plan, at, device, from_state, to_state)"
                             " SELECT j.plan, ?2, d.device_id, ?3, ?4"
                             " FROM jobs j JOIN devices d ON d.id = j.device"
                             " WHERE j.plan = ?1 AND j.state = ?5 ORDER BY j.id", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, plan);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_text(st, 3, ota_job_state_str((ota_job_state)s), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, ota_job_state_str(to), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, s);
        if (store_step_done(eng, st, e, "record events") < 0)
            return -1;
    }
    st = store_stmt(eng, "UPDATE jobs SET state = ?2, error = COALESCE(?3, error), updated_at = ?4"
                         " WHERE plan = ?1 AND state BETWEEN ?5 AND ?6", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, to);
    if (error)
        sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int(st, 5, lo);
    sqlite3_bind_int(st, 6, hi);
    if (store_step_done(eng, st, e, "update jobs") < 0)
        return -1;
    return store_changes(eng);
}

/* ----------------------------------------------------------- plan_counts */
int store_counts_create(ota_engine *eng, int64_t plan, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT OR IGNORE INTO plan_counts(plan, state, n) VALUES(?1, ?2, 0)", e);
    for (int s = 0; st && s < OTA_JOB__COUNT; s++) {
        sqlite3_bind_int64(st, 1, plan);
        sqlite3_bind_int(st, 2, s);
        if (store_step_done(eng, st, e, "create counts") < 0)
            return -1;
    }
    return st ? 0 : -1;
}

int store_counts_add(ota_engine *eng, int64_t plan, ota_job_state s, int64_t n, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE plan_counts SET n = n + ?3 WHERE plan = ?1 AND state = ?2", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, s);
    sqlite3_bind_int64(st, 3, n);
    return store_step_done(eng, st, e, "update counts");
}

int store_counts_move(ota_engine *eng, int64_t plan, ota_job_state from, ota_job_state to, ota_err *e)
{
    if (from == to)
        return 0;
    /* two primary-key updates: "state IN (?2, ?3)" builds a temporary table per call */
    return store_counts_add(eng, plan, from, -1, e) < 0 ? -1 : store_counts_add(eng, plan, to, 1, e);
}

int store_counts_clear(ota_engine *eng, int64_t plan, ota_job_state lo, ota_job_state hi, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE plan_counts SET n = 0"
                                       " WHERE plan = ?1 AND state BETWEEN ?2 AND ?3", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, lo);
    sqlite3_bind_int(st, 3, hi);
    return store_step_done(eng, st, e, "update counts");
}

/* ----------------------------------------------------- events, plan state */
int store_event_add(ota_engine *eng, int64_t plan, const char *device, const char *from, const char *to,
                    int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO events(plan, at, device, from_state, to_state)"
                                       " VALUES(?1, ?2, ?3, ?4, ?5)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, now);
    if (device)
        sqlite3_bind_text(st, 3, device, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, to, -1, SQLITE_STATIC);
    return store_step_done(eng, st, e, "record event");
}

int store_rollout_plan_state(ota_engine *eng, int64_t plan, ota_plan_state from, ota_plan_state to,
                             int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE plans SET state = ?2, paused_from = ?3, revision = revision + 1, updated_at = ?4,"
        " activated_at = CASE WHEN ?2 = 'active' AND activated_at IS NULL THEN ?4 ELSE activated_at END,"
        " ended_at = CASE WHEN ?2 IN ('terminated','ended') THEN ?4 ELSE ended_at END"
        " WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_text(st, 2, ota_plan_state_str(to), -1, SQLITE_STATIC);
    if (to == OTA_PLAN_PAUSED)
        sqlite3_bind_text(st, 3, ota_plan_state_str(from), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    if (store_step_done(eng, st, e, "update plan") < 0)
        return -1;
    return store_event_add(eng, plan, NULL, ota_plan_state_str(from), ota_plan_state_str(to), now, e);
}
