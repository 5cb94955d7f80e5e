/* The SQLite store: plans, their components and black and white lists
 * (tables plans, plan_components, plan_lists; plan states as text; a
 * plan's rollout and maintenance as the codec's JSON text). */
#include <stdlib.h>
#include "sqlite.h"
#include "../codec.h"

/* ---------------------------------------- rollout, maintenance, retries */
/* Binds p's rollout text (NULL: none) at idx, maintenance at idx + 1 and
 * the retry interval at idx + 2; sqlite copies the texts. */
static int plan_bind_staged(sqlite3_stmt *st, int idx, const ota_plan *p, ota_err *e)
{
    char *rt = p->has_rollout ? codec_rollout_text(&p->rollout) : NULL;
    char *mt = p->has_maintenance ? codec_maintenance_text(&p->maintenance) : NULL;
    if ((p->has_rollout && !rt) || (p->has_maintenance && !mt)) {
        free(rt);
        free(mt);
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    }
    sqlite3_bind_text(st, idx, rt, -1, SQLITE_TRANSIENT);  /* NULL binds NULL */
    sqlite3_bind_text(st, idx + 1, mt, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, idx + 2, p->retry_interval_seconds);
    free(rt);
    free(mt);
    return 0;
}

int store_plan_staged_read(int64_t plan, const char *rollout, const char *maintenance, bool *has_r,
                           ota_rollout *r, bool *has_m, ota_maintenance *m, ota_err *e)
{
    ota_err why = {0};
    *has_r = rollout && rollout[0];
    *has_m = maintenance && maintenance[0];
    if (*has_r && codec_rollout_parse(rollout, r, &why) < 0)
        return ota_fail(e, OTA_E_IO, NULL, "plan %lld: its stored rollout does not decode: %s", (long long)plan,
                        why.message);
    if (*has_m && codec_maintenance_parse(maintenance, m, &why) < 0)
        return ota_fail(e, OTA_E_IO, NULL, "plan %lld: its stored maintenance does not decode: %s",
                        (long long)plan, why.message);
    return 0;
}

int store_plan_set_paused_reason(ota_engine *eng, int64_t plan, const char *reason, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE plans SET paused_reason=? WHERE id=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, reason ? reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, plan);
    return store_step_done(eng, st, e, "plan paused reason");
}

int store_plan_package_component(ota_engine *eng, int64_t package, char *component, size_t len,
                                 ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT component FROM packages WHERE id=?", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, package);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        store_copy_text(st, 0, component, len);
    store_done(st);
    if (s == SQLITE_DONE)
        return 0;
    return s == SQLITE_ROW ? 1 : store_fail(eng, e, "package lookup");
}

/* Components and lists of plan id are replaced by p's. */
static int plan_write_children(ota_engine *eng, int64_t id, const ota_plan *p, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "DELETE FROM plan_components WHERE plan=?", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (store_step_done(eng, st, e, "plan components") < 0)
        return -1;
    if (!(st = store_stmt(eng, "DELETE FROM plan_lists WHERE plan=?", e)))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (store_step_done(eng, st, e, "plan lists") < 0)
        return -1;
    for (size_t i = 0; i < p->ncomponents; i++) {
        st = store_stmt(eng, "INSERT INTO plan_components(plan, idx, component, package) VALUES(?,?,?,?)", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_text(st, 3, p->components[i].component, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, p->components[i].package_id);
        if (store_step_done(eng, st, e, "plan component insert") < 0)
            return -1;
    }
    const ota_strlist *lists[2] = {&p->blacklist, &p->whitelist};
    const char *names[2] = {"black", "white"};
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            /* a device named twice in one list is kept once */
            st = store_stmt(eng, "INSERT OR IGNORE INTO plan_lists(plan, list, device_id) VALUES(?,?,?)", e);
            if (!st)
                return -1;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, names[l], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, lists[l]->v[i], -1, SQLITE_STATIC);
            if (store_step_done(eng, st, e, "plan list insert") < 0)
                return -1;
        }
    }
    return 0;
}

int store_plan_insert(ota_engine *eng, const ota_plan *p, int64_t now, int64_t *id, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO plans(name, product, state, revision, mode, retries, min_rsrp, min_battery,"
        " window_start, window_end, job_timeout, created_at, updated_at, required_signatures,"
        " rollout, maintenance, retry_interval)"
        " VALUES(?,?,'saved',1,?,?,?,?,?,?,?,?,?,?,?,?,?)", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->product, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ota_mode_str(p->mode), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, p->retries);
    sqlite3_bind_int(st, 5, p->min_rsrp);
    sqlite3_bind_int(st, 6, p->min_battery);
    sqlite3_bind_int64(st, 7, p->window_start);
    sqlite3_bind_int64(st, 8, p->window_end);
    sqlite3_bind_int64(st, 9, p->job_timeout);
    sqlite3_bind_int64(st, 10, now);
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_int(st, 12, p->required_signatures);
    if (plan_bind_staged(st, 13, p, e) < 0) {
        store_done(st);
        return -1;
    }
    if (store_step_done(eng, st, e, "plan insert") < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(STORE_DB(eng));
    return plan_write_children(eng, *id, p, e);
}

int store_plan_update_saved(ota_engine *eng, const ota_plan *p, int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE plans SET name=?, product=?, mode=?, retries=?, min_rsrp=?, min_battery=?,"
        " window_start=?, window_end=?, job_timeout=?, updated_at=?, revision=revision+1,"
        " required_signatures=?, rollout=?, maintenance=?, retry_interval=?"
        " WHERE id=? AND state='saved' AND revision=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->product, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ota_mode_str(p->mode), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, p->retries);
    sqlite3_bind_int(st, 5, p->min_rsrp);
    sqlite3_bind_int(st, 6, p->min_battery);
    sqlite3_bind_int64(st, 7, p->window_start);
    sqlite3_bind_int64(st, 8, p->window_end);
    sqlite3_bind_int64(st, 9, p->job_timeout);
    sqlite3_bind_int64(st, 10, now);
    sqlite3_bind_int(st, 11, p->required_signatures);
    if (plan_bind_staged(st, 12, p, e) < 0) {
        store_done(st);
        return -1;
    }
    sqlite3_bind_int64(st, 15, p->id);
    sqlite3_bind_int64(st, 16, p->revision);
    if (store_step_done(eng, st, e, "plan update") < 0)
        return -1;
    if (store_changes(eng) != 1)
        return 0;
    return plan_write_children(eng, p->id, p, e) < 0 ? -1 : 1;
}

/* -------------------------------------------------------------- reading */

#define PLAN_COLS "id, name, product, state, revision, mode, retries, min_rsrp, min_battery," \
                  " window_start, window_end, job_timeout, paused_from, created_at, updated_at," \
                  " activated_at, required_signatures, rollout, maintenance, retry_interval, paused_reason"

static int plan_row(ota_engine *eng, sqlite3_stmt *st, ota_plan *p, ota_err *e)
{
    char buf[32];
    ota_plan_init(p);
    p->id = sqlite3_column_int64(st, 0);
    store_copy_text(st, 1, p->name, sizeof p->name);
    store_copy_text(st, 2, p->product, sizeof p->product);
    store_copy_text(st, 3, buf, sizeof buf);
    ota_plan_state_parse(buf, &p->state);
    p->revision = sqlite3_column_int64(st, 4);
    store_copy_text(st, 5, buf, sizeof buf);
    ota_mode_parse(buf, &p->mode);
    p->retries = sqlite3_column_int(st, 6);
    p->min_rsrp = sqlite3_column_int(st, 7);
    p->min_battery = sqlite3_column_int(st, 8);
    p->window_start = sqlite3_column_int64(st, 9);
    p->window_end = sqlite3_column_int64(st, 10);
    p->job_timeout = sqlite3_column_int64(st, 11);
    store_copy_text(st, 12, buf, sizeof buf);
    if (buf[0])
        ota_plan_state_parse(buf, &p->paused_from);
    p->created_at = sqlite3_column_int64(st, 13);
    p->updated_at = sqlite3_column_int64(st, 14);
    p->activated_at = sqlite3_column_int64(st, 15); /* NULL reads as 0: never */
    p->required_signatures = sqlite3_column_int(st, 16);
    p->retry_interval_seconds = sqlite3_column_int64(st, 19);
    store_copy_text(st, 20, p->paused_reason, sizeof p->paused_reason);
    (void)eng;
    return store_plan_staged_read(p->id, (const char *)sqlite3_column_text(st, 17),
                                  (const char *)sqlite3_column_text(st, 18), &p->has_rollout, &p->rollout,
                                  &p->has_maintenance, &p->maintenance, e);
}

static int plan_components_load(ota_engine *eng, ota_plan *p, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT component, package FROM plan_components"
                                       " WHERE plan=? ORDER BY idx", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, p->id);
    int s;
    p->ncomponents = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && p->ncomponents < OTA_MAX_COMPONENTS) {
        ota_plan_component *c = &p->components[p->ncomponents++];
        store_copy_text(st, 0, c->component, sizeof c->component);
        c->package_id = sqlite3_column_int64(st, 1);
    }
    store_done(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return store_fail(eng, e, "plan components");
    return 0;
}

static int plan_lists_load(ota_engine *eng, ota_plan *p, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT list, device_id FROM plan_lists WHERE plan=?"
                                       " ORDER BY list, device_id", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, p->id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *list = (const char *)sqlite3_column_text(st, 0);
        const char *dev = (const char *)sqlite3_column_text(st, 1);
        ota_strlist *l = list && list[0] == 'b' ? &p->blacklist : &p->whitelist;
        if (ota_strlist_push(l, dev ? dev : "") < 0) {
            store_done(st);
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        }
    }
    store_done(st);
    if (s != SQLITE_DONE)
        return store_fail(eng, e, "plan lists");
    return 0;
}

int store_plan_get(ota_engine *eng, int64_t id, ota_plan *out, bool lists, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT " PLAN_COLS " FROM plans WHERE id=?", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st), bad = 0;
    if (s == SQLITE_ROW)
        bad = plan_row(eng, st, out, e);
    store_done(st);
    if (bad)
        return -1;
    if (s == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)id);
    if (s != SQLITE_ROW)
        return store_fail(eng, e, "plan lookup");
    if (plan_components_load(eng, out, e) < 0 || (lists && plan_lists_load(eng, out, e) < 0)) {
        ota_plan_free(out);
        return -1;
    }
    return 0;
}

int store_plan_list(ota_engine *eng, int state, const char *product, int64_t before, int limit,
                    ota_plan *items, size_t *n, bool *more, ota_err *e)
{
    *n = 0;
    *more = false;
    sqlite3_stmt *st = store_stmt(eng, "SELECT " PLAN_COLS " FROM plans"
                                       " WHERE (?1 IS NULL OR state=?1) AND (?2 IS NULL OR product=?2)"
                                       " AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4", e);
    if (!st)
        return -1;
    if (state >= 0)
        sqlite3_bind_text(st, 1, ota_plan_state_str((ota_plan_state)state), -1, SQLITE_STATIC);
    if (product && *product)
        sqlite3_bind_text(st, 2, product, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, before);
    sqlite3_bind_int(st, 4, limit + 1);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == (size_t)limit) {
            *more = true;
            break;
        }
        if (plan_row(eng, st, &items[(*n)++], e) < 0) {
            store_done(st);
            return -1;
        }
    }
    store_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return store_fail(eng, e, "plan list");
    for (size_t i = 0; i < *n; i++)
        if (plan_components_load(eng, &items[i], e) < 0)
            return -1;
    return 0;
}

/* -------------------------------------------------------------- deleting */

int store_plan_delete_saved(ota_engine *eng, int64_t id, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "DELETE FROM plans WHERE id=? AND state='saved'", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (store_step_done(eng, st, e, "plan delete") < 0)
        return -1;
    /* a saved plan has no jobs; its events (if any) go with it */
    if (!(st = store_stmt(eng, "DELETE FROM events WHERE plan=?", e)))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    return store_step_done(eng, st, e, "plan delete");
}
