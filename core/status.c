/* status.c: what a plan looks like from outside — targeting preview,
 * counts per job state, job rows by state, and the event feed.
 *
 * Status reads only the plan row, plan_counts (kept by rollout.c in the
 * same transaction as every job change) and the newest event's seq, so a
 * refresh costs the same on 100 or 1,000,000 devices.  Device rows page by
 * (state, job id) over the jobs_plan_state index; events page by seq. */
#include "internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int plan_exists(ota_engine *eng, int64_t id, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT 1 FROM plans WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)id);
    return store_fail(eng, e, "plan lookup");
}

/* ---------------------------------------------------------------- preview */
/* One pass over the product's devices.  Reasons are exclusive, in the
 * order the engine applies them: blacklisted, not whitelisted, version
 * mismatch; of the targeted, deferred by rsrp first, then battery (devices
 * already at every target need nothing and are never deferred). */
static const char preview_sql[] =
    "WITH comps AS (SELECT pc.component AS c, p.kind AS kind, p.target_version AS tv,"
    "                      p.source_version AS sv"
    "               FROM plan_components pc JOIN packages p ON p.id = pc.package WHERE pc.plan = ?1),"
    " dev AS (SELECT"
    "   EXISTS (SELECT 1 FROM plan_lists b WHERE b.plan = ?1 AND b.list = 'black'"
    "           AND b.device_id = d.device_id) AS bl,"
    "   EXISTS (SELECT 1 FROM plan_lists w WHERE w.plan = ?1 AND w.list = 'white'"
    "           AND w.device_id = d.device_id) AS wl,"
    "   EXISTS (SELECT 1 FROM comps WHERE kind = 'diff' AND NOT EXISTS (SELECT 1 FROM device_versions v"
    "           WHERE v.device = d.id AND v.component = comps.c AND v.version IN (comps.tv, comps.sv))) AS vm,"
    "   NOT EXISTS (SELECT 1 FROM comps WHERE NOT EXISTS (SELECT 1 FROM device_versions v"
    "           WHERE v.device = d.id AND v.component = comps.c AND v.version = comps.tv)) AS utd,"
    "   CASE WHEN d.rsrp IS NULL THEN ?4 > -140 ELSE d.rsrp < ?4 END AS rl,"
    "   CASE WHEN d.battery IS NULL THEN ?5 > 0 ELSE d.battery < ?5 END AS bt"
    "   FROM devices d WHERE d.product = ?2),"
    " t AS (SELECT bl, wl, vm, utd, rl, bt, (NOT bl AND (NOT ?3 OR wl)) AS cand FROM dev)"
    " SELECT COALESCE(SUM(bl), 0), COALESCE(SUM(NOT bl AND ?3 AND NOT wl), 0),"
    "  COALESCE(SUM(cand AND vm), 0), COALESCE(SUM(cand AND NOT vm), 0),"
    "  COALESCE(SUM(cand AND NOT vm AND NOT utd AND rl), 0),"
    "  COALESCE(SUM(cand AND NOT vm AND NOT utd AND NOT rl AND bt), 0) FROM t";

int ota_plan_preview(ota_engine *eng, int64_t id, ota_preview *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ENGINE_LOCK(eng);
    int rc = -1;
    char product[OTA_KEY_MAX + 1];
    int min_rsrp = -140, min_battery = 0, has_white = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT product, min_rsrp, min_battery,"
                                       " EXISTS (SELECT 1 FROM plan_lists WHERE plan = ?1 AND list = 'white')"
                                       " FROM plans WHERE id = ?1", e);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        store_copy_text(st, 0, product, sizeof product);
        min_rsrp = sqlite3_column_int(st, 1);
        min_battery = sqlite3_column_int(st, 2);
        has_white = sqlite3_column_int(st, 3);
    }
    store_done(st);
    if (s != SQLITE_ROW) {
        if (s == SQLITE_DONE)
            ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)id);
        else
            store_fail(eng, e, "plan lookup");
        goto out;
    }
    if (!(st = store_stmt(eng, preview_sql, e)))
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, product, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, has_white);
    sqlite3_bind_int(st, 4, min_rsrp);
    sqlite3_bind_int(st, 5, min_battery);
    if ((s = sqlite3_step(st)) == SQLITE_ROW) {
        out->blacklisted = (long)sqlite3_column_int64(st, 0);
        out->not_whitelisted = (long)sqlite3_column_int64(st, 1);
        out->version_mismatch = (long)sqlite3_column_int64(st, 2);
        out->targeted = (long)sqlite3_column_int64(st, 3);
        out->deferred_rsrp = (long)sqlite3_column_int64(st, 4);
        out->deferred_battery = (long)sqlite3_column_int64(st, 5);
        rc = 0;
    } else {
        store_fail(eng, e, "preview");
    }
    store_done(st);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

/* ----------------------------------------------------------------- status */
int ota_plan_status_get(ota_engine *eng, int64_t id, ota_plan_status *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ENGINE_LOCK(eng);
    int rc = -1;
    if (ota_engine_tick(eng, e) < 0)
        goto out;
    sqlite3_stmt *st = store_stmt(eng, "SELECT state, revision FROM plans WHERE id = ?1", e);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        ota_plan_state_parse((const char *)sqlite3_column_text(st, 0), &out->state);
        out->revision = sqlite3_column_int64(st, 1);
    }
    store_done(st);
    if (s != SQLITE_ROW) {
        if (s == SQLITE_DONE)
            ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)id);
        else
            store_fail(eng, e, "plan lookup");
        goto out;
    }
    if (!(st = store_stmt(eng, "SELECT state, n FROM plan_counts WHERE plan = ?1", e)))
        goto out;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int js = sqlite3_column_int(st, 0);
        if (js >= 0 && js < OTA_JOB__COUNT)
            out->counts[js] = (long)sqlite3_column_int64(st, 1);
    }
    store_done(st);
    if (!(st = store_stmt(eng, "SELECT seq FROM events WHERE plan = ?1 ORDER BY seq DESC LIMIT 1", e)))
        goto out;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        out->last_seq = sqlite3_column_int64(st, 0);
    store_done(st);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

/* ------------------------------------------------------------ device rows */
/* Cursor "STATE.JOBID": the last row shown. */
static int cursor_parse(const char *c, int *state, int64_t *job, ota_err *e)
{
    *state = -1;
    *job = 0;
    if (!c[0])
        return 0;
    char *end;
    long s = strtol(c, &end, 10);
    if (*end == '.') {
        long long j = strtoll(end + 1, &end, 10);
        if (!*end && s >= 0 && s < OTA_JOB__COUNT && j > 0) {
            *state = (int)s;
            *job = j;
            return 0;
        }
    }
    return ota_fail(e, OTA_E_BAD_REQUEST, "cursor", "is not a cursor this server issued");
}

static void job_row_read(sqlite3_stmt *st, ota_job_row *r)
{
    memset(r, 0, sizeof *r);
    r->job_id = sqlite3_column_int64(st, 0);
    store_copy_text(st, 1, r->device, sizeof r->device);
    r->state = (ota_job_state)sqlite3_column_int(st, 2);
    r->attempt = sqlite3_column_int(st, 3);
    r->progress = sqlite3_column_int(st, 4);
    store_copy_text(st, 5, r->reason, sizeof r->reason);
    store_copy_text(st, 6, r->error, sizeof r->error);
    r->updated_at = sqlite3_column_int64(st, 7);
}

int ota_plan_devices(ota_engine *eng, int64_t plan, int state, const ota_page_req *pg, ota_job_page *out,
                     ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req req = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&req, e) < 0)
        return -1;
    if (state >= OTA_JOB__COUNT)
        return ota_fail(e, OTA_E_BAD_REQUEST, "state", "unknown job state %d", state);
    int cstate;
    int64_t cjob;
    if (cursor_parse(req.cursor, &cstate, &cjob, e) < 0)
        return -1;
    if (!(out->items = calloc((size_t)req.limit, sizeof *out->items)))
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    ENGINE_LOCK(eng);
    int rc = -1;
    if (ota_engine_tick(eng, e) < 0 || plan_exists(eng, plan, e) < 0)
        goto out;
    /* Two index seeks: the rest of the cursor's state, then the states
     * after it (a row-value range would seek by state only and filter). */
    bool more = false;
    for (int part = 0; part < 2 && !more; part++) {
        int lo = state >= 0 ? state : cstate < 0 ? 0 : cstate;
        sqlite3_stmt *st;
        if (part == 0) {
            st = store_stmt(eng, "SELECT j.id, d.device_id, j.state, j.attempt, j.progress, j.reason, j.error,"
                                 " j.updated_at FROM jobs j JOIN devices d ON d.id = j.device"
                                 " WHERE j.plan = ?1 AND j.state = ?2 AND j.id > ?3 ORDER BY j.id LIMIT ?4", e);
            if (!st)
                goto out;
            sqlite3_bind_int(st, 2, lo);
            sqlite3_bind_int64(st, 3, cstate == lo ? cjob : 0);
        } else {
            if (state >= 0)
                break;
            st = store_stmt(eng, "SELECT j.id, d.device_id, j.state, j.attempt, j.progress, j.reason, j.error,"
                                 " j.updated_at FROM jobs j JOIN devices d ON d.id = j.device"
                                 " WHERE j.plan = ?1 AND j.state > ?2 ORDER BY j.state, j.id LIMIT ?4", e);
            if (!st)
                goto out;
            sqlite3_bind_int(st, 2, lo);
        }
        sqlite3_bind_int64(st, 1, plan);
        sqlite3_bind_int(st, 4, req.limit + 1);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            if (out->n == (size_t)req.limit) {
                more = true;
                break;
            }
            job_row_read(st, &out->items[out->n++]);
        }
        store_done(st);
        if (s != SQLITE_ROW && s != SQLITE_DONE) {
            store_fail(eng, e, "job rows");
            goto out;
        }
    }
    if (more) {
        const ota_job_row *last = &out->items[out->n - 1];
        snprintf(out->next_cursor, sizeof out->next_cursor, "%d.%lld", (int)last->state,
                 (long long)last->job_id);
    }
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        ota_job_page_free(out);
    return rc;
}

void ota_job_page_free(ota_job_page *p)
{
    if (!p)
        return;
    free(p->items);
    memset(p, 0, sizeof *p);
}

/* ----------------------------------------------------------------- events */
int ota_plan_events(ota_engine *eng, int64_t plan, int64_t since, int limit, ota_event_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (since < 0)
        return ota_fail(e, OTA_E_BAD_REQUEST, "since", "must be 0 or a sequence number (got %lld)",
                        (long long)since);
    if (limit == 0)
        limit = OTA_LIST_MAX;
    if (limit < 1 || limit > OTA_LIST_MAX)
        return ota_fail(e, OTA_E_BAD_REQUEST, "limit", "must be between 1 and %d (got %d)", OTA_LIST_MAX, limit);
    if (!(out->items = calloc((size_t)limit, sizeof *out->items)))
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    out->last_seq = since;
    ENGINE_LOCK(eng);
    int rc = -1;
    if (ota_engine_tick(eng, e) < 0 || plan_exists(eng, plan, e) < 0)
        goto out;
    sqlite3_stmt *st = store_stmt(eng, "SELECT seq, at, device, from_state, to_state FROM events"
                                       " WHERE plan = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3", e);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int(st, 3, limit);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        ota_event *ev = &out->items[out->n++];
        ev->seq = sqlite3_column_int64(st, 0);
        ev->at = sqlite3_column_int64(st, 1);
        store_copy_text(st, 2, ev->device, sizeof ev->device);
        store_copy_text(st, 3, ev->from, sizeof ev->from);
        store_copy_text(st, 4, ev->to, sizeof ev->to);
        out->last_seq = ev->seq;
    }
    store_done(st);
    if (s != SQLITE_DONE) {
        store_fail(eng, e, "events");
        goto out;
    }
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        ota_event_page_free(out);
    return rc;
}

void ota_event_page_free(ota_event_page *p)
{
    if (!p)
        return;
    free(p->items);
    memset(p, 0, sizeof *p);
}
