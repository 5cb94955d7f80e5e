/* Upgrade plans: create, read, list, update with revisions, delete, copy
 * components.  Only saved plans change here; state transitions belong to
 * the rollout engine.  Every write tells the rollout caches (rollout_invalidate). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "store/sqlite.h" /* TRANSITIONAL: SQL moves to core/store/ */

/* Prerequisites that need the database: the product exists, each package
 * exists and belongs to the component it is listed under. */
static int plan_check_refs(ota_engine *eng, const ota_plan *p, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT 1 FROM products WHERE key=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, p->product, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    store_done(st);
    if (s == SQLITE_DONE)
        return ota_fail(e, OTA_E_VALIDATION, "product", "no product \"%s\" (create it first)", p->product);
    if (s != SQLITE_ROW)
        return store_fail(eng, e, "product lookup");
    for (size_t i = 0; i < p->ncomponents; i++) {
        const ota_plan_component *c = &p->components[i];
        char field[64];
        snprintf(field, sizeof field, "components[%zu].package_id", i);
        st = store_stmt(eng, "SELECT component FROM packages WHERE id=?", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, c->package_id);
        s = sqlite3_step(st);
        char comp[OTA_KEY_MAX + 1] = "";
        if (s == SQLITE_ROW)
            store_copy_text(st, 0, comp, sizeof comp);
        store_done(st);
        if (s == SQLITE_DONE)
            return ota_fail(e, OTA_E_VALIDATION, field, "no package %lld", (long long)c->package_id);
        if (s != SQLITE_ROW)
            return store_fail(eng, e, "package lookup");
        if (strcmp(comp, c->component))
            return ota_fail(e, OTA_E_VALIDATION, field, "package %lld is for component \"%s\", not \"%s\"",
                            (long long)c->package_id, comp, c->component);
    }
    return 0;
}

static int step_done(ota_engine *eng, sqlite3_stmt *st, ota_err *e, const char *what)
{
    int s = sqlite3_step(st);
    store_done(st);
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, what);
}

/* Components and lists of plan id are replaced by p's. In a transaction. */
static int plan_write_children(ota_engine *eng, int64_t id, const ota_plan *p, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "DELETE FROM plan_components WHERE plan=?", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (step_done(eng, st, e, "plan components") < 0)
        return -1;
    if (!(st = store_stmt(eng, "DELETE FROM plan_lists WHERE plan=?", e)))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (step_done(eng, st, e, "plan lists") < 0)
        return -1;
    for (size_t i = 0; i < p->ncomponents; i++) {
        st = store_stmt(eng, "INSERT INTO plan_components(plan, idx, component, package) VALUES(?,?,?,?)", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_text(st, 3, p->components[i].component, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, p->components[i].package_id);
        if (step_done(eng, st, e, "plan component insert") < 0)
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
            if (step_done(eng, st, e, "plan list insert") < 0)
                return -1;
        }
    }
    return 0;
}

static int plan_create(ota_engine *eng, ota_plan *p, ota_err *e);

int ota_plan_create(ota_engine *eng, ota_plan *p, ota_err *e)
{
    int rc = plan_create(eng, p, e);
    char detail[480];
    snprintf(detail, sizeof detail, "\"%.400s\" for %.64s", p->name, p->product);
    if (rc == 0)
        audit_note(eng, "plan.create", 0, e, detail, "plan:%lld", (long long)p->id);
    else
        audit_note(eng, "plan.create", rc, e, NULL, "product:%.64s", p->product);
    return rc;
}

static int plan_create(ota_engine *eng, ota_plan *p, ota_err *e)
{
    if (ota_validate_plan(p, e) < 0)
        return -1;
    ENGINE_LOCK(eng);
    int rc = -1;
    int64_t now = ota_engine_now(eng);
    if (plan_check_refs(eng, p, e) < 0 || store_tx_begin(eng, e) < 0)
        goto out;
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO plans(name, product, state, revision, mode, retries, min_rsrp, min_battery,"
        " window_start, window_end, job_timeout, created_at, updated_at, required_signatures)"
        " VALUES(?,?,'saved',1,?,?,?,?,?,?,?,?,?,?)", e);
    if (!st)
        goto fail;
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
    if (step_done(eng, st, e, "plan insert") < 0)
        goto fail;
    int64_t id = sqlite3_last_insert_rowid(STORE_DB(eng));
    if (plan_write_children(eng, id, p, e) < 0)
        goto fail;
    if (store_tx_commit(eng, e) < 0)
        goto out;
    p->id = id;
    p->state = OTA_PLAN_SAVED;
    p->revision = 1;
    p->created_at = p->updated_at = now;
    p->activated_at = 0;
    rollout_invalidate(eng, id);
    rc = 0;
    goto out;
fail:
    store_tx_rollback(eng, e);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

/* -------------------------------------------------------------- reading */

#define PLAN_COLS "id, name, product, state, revision, mode, retries, min_rsrp, min_battery," \
                  " window_start, window_end, job_timeout, paused_from, created_at, updated_at," \
                  " activated_at, required_signatures"

static void plan_row(sqlite3_stmt *st, ota_plan *p)
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

/* Caller holds the lock. With lists: the full plan. */
static int plan_load(ota_engine *eng, int64_t id, ota_plan *out, bool lists, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT " PLAN_COLS " FROM plans WHERE id=?", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        plan_row(st, out);
    store_done(st);
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

int ota_plan_get(ota_engine *eng, int64_t id, ota_plan *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = plan_load(eng, id, out, true, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

/* Newest first (id descending); the cursor is the id of the last plan shown. */
int ota_plan_list(ota_engine *eng, int state, const char *product, const ota_page_req *pg,
                  ota_plan_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (state >= OTA_PLAN__COUNT)
        return ota_fail(e, OTA_E_BAD_REQUEST, "state", "unknown plan state %d", state);
    ota_page_req req;
    int64_t before;
    if (store_page_begin(&req, pg, &before, (void **)&out->items, sizeof *out->items, e) < 0)
        return -1;
    int rc = -1;
    ENGINE_LOCK(eng);
    sqlite3_stmt *st = store_stmt(eng, "SELECT " PLAN_COLS " FROM plans"
                                       " WHERE (?1 IS NULL OR state=?1) AND (?2 IS NULL OR product=?2)"
                                       " AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4", e);
    if (!st)
        goto out;
    if (state >= 0)
        sqlite3_bind_text(st, 1, ota_plan_state_str((ota_plan_state)state), -1, SQLITE_STATIC);
    if (product && *product)
        sqlite3_bind_text(st, 2, product, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, before);
    sqlite3_bind_int(st, 4, req.limit + 1);
    int s;
    bool more = false;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == (size_t)req.limit) {
            more = true;
            break;
        }
        plan_row(st, &out->items[out->n++]);
    }
    store_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        store_fail(eng, e, "plan list");
        goto out;
    }
    for (size_t i = 0; i < out->n; i++)
        if (plan_components_load(eng, &out->items[i], e) < 0)
            goto out;
    if (more && out->n)
        snprintf(out->next_cursor, sizeof out->next_cursor, "%lld", (long long)out->items[out->n - 1].id);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        ota_plan_page_free(out);
    return rc;
}

void ota_plan_page_free(ota_plan_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        ota_plan_free(&p->items[i]);
    free(p->items);
    p->items = NULL;
    p->n = 0;
    p->next_cursor[0] = 0;
}

/* -------------------------------------------------------------- writing */

/* Writes p over plan p->id, which the caller has checked is saved; bumps
 * the revision.  Caller holds the lock; opens its own transaction. */
static int plan_store(ota_engine *eng, ota_plan *p, ota_err *e)
{
    int64_t now = ota_engine_now(eng);
    if (store_tx_begin(eng, e) < 0)
        return -1;
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE plans SET name=?, product=?, mode=?, retries=?, min_rsrp=?, min_battery=?,"
        " window_start=?, window_end=?, job_timeout=?, updated_at=?, revision=revision+1,"
        " required_signatures=?"
        " WHERE id=? AND state='saved' AND revision=?", e);
    if (!st)
        goto fail;
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
    sqlite3_bind_int64(st, 12, p->id);
    sqlite3_bind_int64(st, 13, p->revision);
    if (step_done(eng, st, e, "plan update") < 0)
        goto fail;
    if (sqlite3_changes(STORE_DB(eng)) != 1) {
        ota_fail(e, OTA_E_CONFLICT, "revision", "plan %lld changed meanwhile", (long long)p->id);
        goto fail;
    }
    if (plan_write_children(eng, p->id, p, e) < 0)
        goto fail;
    if (store_tx_commit(eng, e) < 0)
        return -1;
    p->revision++;
    p->updated_at = now;
    rollout_invalidate(eng, p->id);
    return 0;
fail:
    store_tx_rollback(eng, e);
    return -1;
}

/* The stored plan must be saved (else not_editable). */
static int plan_editable(const ota_plan *cur, const char *what, ota_err *e)
{
    if (cur->state != OTA_PLAN_SAVED)
        return ota_fail(e, OTA_E_NOT_EDITABLE, "state", "only a saved plan can be %s (plan %lld is %s)",
                        what, (long long)cur->id, ota_plan_state_str(cur->state));
    return 0;
}

static int plan_update(ota_engine *eng, ota_plan *p, ota_err *e);

int ota_plan_update(ota_engine *eng, ota_plan *p, ota_err *e)
{
    int64_t rev = p->revision;
    int rc = plan_update(eng, p, e);
    char detail[64];
    snprintf(detail, sizeof detail, "revision %lld -> %lld", (long long)rev, (long long)p->revision);
    audit_note(eng, "plan.edit", rc, e, detail, "plan:%lld", (long long)p->id);
    return rc;
}

static int plan_update(ota_engine *eng, ota_plan *p, ota_err *e)
{
    ota_plan cur;
    ENGINE_LOCK(eng);
    int rc = plan_load(eng, p->id, &cur, false, e);
    if (rc < 0)
        goto out;
    rc = plan_editable(&cur, "edited", e);
    if (rc == 0 && p->revision != cur.revision)
        rc = ota_fail(e, OTA_E_CONFLICT, "revision",
                      "stale revision %lld (plan %lld is at revision %lld; reload and edit again)",
                      (long long)p->revision, (long long)p->id, (long long)cur.revision);
    if (rc == 0)
        rc = ota_validate_plan(p, e);
    if (rc == 0)
        rc = plan_check_refs(eng, p, e);
    if (rc == 0)
        rc = plan_store(eng, p, e);
    if (rc == 0) {
        p->state = OTA_PLAN_SAVED;
        p->created_at = cur.created_at;
        p->activated_at = 0;
    }
    ota_plan_free(&cur);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

static int plan_delete(ota_engine *eng, int64_t id, ota_err *e);

int ota_plan_delete(ota_engine *eng, int64_t id, ota_err *e)
{
    int rc = plan_delete(eng, id, e);
    audit_note(eng, "plan.delete", rc, e, NULL, "plan:%lld", (long long)id);
    return rc;
}

static int plan_delete(ota_engine *eng, int64_t id, ota_err *e)
{
    ota_plan cur;
    ENGINE_LOCK(eng);
    int rc = plan_load(eng, id, &cur, false, e);
    if (rc < 0)
        goto out;
    ota_plan_free(&cur);
    rc = plan_editable(&cur, "deleted", e);
    if (rc < 0 || (rc = store_tx_begin(eng, e)) < 0)
        goto out;
    sqlite3_stmt *st = store_stmt(eng, "DELETE FROM plans WHERE id=? AND state='saved'", e);
    if (!st) {
        rc = -1;
    } else {
        sqlite3_bind_int64(st, 1, id);
        rc = step_done(eng, st, e, "plan delete");
    }
    if (rc == 0) {
        /* a saved plan has no jobs; its events (if any) go with it */
        st = store_stmt(eng, "DELETE FROM events WHERE plan=?", e);
        if (!st) {
            rc = -1;
        } else {
            sqlite3_bind_int64(st, 1, id);
            rc = step_done(eng, st, e, "plan delete");
        }
    }
    if (rc == 0)
        rc = store_tx_commit(eng, e);
    else
        store_tx_rollback(eng, e);
    if (rc == 0)
        rollout_invalidate(eng, id);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

static int plan_copy_components(ota_engine *eng, int64_t from, int64_t to, ota_plan *out, ota_err *e);

int ota_plan_copy_components(ota_engine *eng, int64_t from, int64_t to, ota_plan *out, ota_err *e)
{
    int rc = plan_copy_components(eng, from, to, out, e);
    char detail[64];
    snprintf(detail, sizeof detail, "components copied from plan %lld", (long long)from);
    audit_note(eng, "plan.edit", rc, e, detail, "plan:%lld", (long long)to);
    return rc;
}

static int plan_copy_components(ota_engine *eng, int64_t from, int64_t to, ota_plan *out, ota_err *e)
{
    ota_plan src, dst;
    if (from == to)
        return ota_fail(e, OTA_E_VALIDATION, "to", "components are copied from another plan (both %lld)",
                        (long long)to);
    ENGINE_LOCK(eng);
    int rc = plan_load(eng, from, &src, false, e);
    if (rc < 0) {
        if (e && e->code == OTA_E_NOT_FOUND)
            snprintf(e->field, sizeof e->field, "from");
        goto out;
    }
    rc = plan_load(eng, to, &dst, true, e);
    if (rc < 0) {
        if (e && e->code == OTA_E_NOT_FOUND)
            snprintf(e->field, sizeof e->field, "to");
        ota_plan_free(&src);
        goto out;
    }
    rc = plan_editable(&dst, "edited", e);
    for (size_t i = 0; rc == 0 && i < src.ncomponents; i++) {
        size_t k = 0;
        while (k < dst.ncomponents && strcmp(dst.components[k].component, src.components[i].component))
            k++;
        if (k == OTA_MAX_COMPONENTS) {
            rc = ota_fail(e, OTA_E_VALIDATION, "components", "at most %d components per plan",
                          OTA_MAX_COMPONENTS);
            break;
        }
        dst.components[k] = src.components[i];
        if (k == dst.ncomponents)
            dst.ncomponents++;
    }
    if (rc == 0)
        rc = ota_validate_plan(&dst, e);
    if (rc == 0)
        rc = plan_check_refs(eng, &dst, e);
    if (rc == 0)
        rc = plan_store(eng, &dst, e);
    if (rc == 0 && out && ota_plan_copy(out, &dst) < 0)
        rc = ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    ota_plan_free(&src);
    ota_plan_free(&dst);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}
