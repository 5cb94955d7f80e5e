/* The SQLite store: what status reads of a plan (its row, plan_counts, the
 * newest event), its job rows by state, its event feed, the preview's
 * reads of devices, lists and versions. */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- status */
int store_status_plan_check(ota_engine *eng, int64_t plan, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT 1 FROM plans WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)plan);
    return store_fail(eng, e, "plan lookup");
}

int store_status_get(ota_engine *eng, int64_t plan, ota_plan_status *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT state, revision FROM plans WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        ota_plan_state_parse((const char *)sqlite3_column_text(st, 0), &out->state);
        out->revision = sqlite3_column_int64(st, 1);
    }
    store_done(st);
    if (s == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)plan);
    if (s != SQLITE_ROW)
        return store_fail(eng, e, "plan lookup");
    if (!(st = store_stmt(eng, "SELECT state, n FROM plan_counts WHERE plan = ?1", e)))
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int js = sqlite3_column_int(st, 0);
        if (js >= 0 && js < OTA_JOB__COUNT)
            out->counts[js] = (long)sqlite3_column_int64(st, 1);
    }
    store_done(st);
    if (!(st = store_stmt(eng, "SELECT seq FROM events WHERE plan = ?1 ORDER BY seq DESC LIMIT 1", e)))
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    if (sqlite3_step(st) == SQLITE_ROW)
        out->last_seq = sqlite3_column_int64(st, 0);
    store_done(st);
    return 0;
}

/* ------------------------------------------------------------- job rows */
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

/* Two index seeks over jobs_plan_state: the rest of the cursor's state,
 * then the states after it (a row-value range would seek by state only
 * and filter).  States are bound as numbers (ota_job_state, on disk). */
int store_status_jobs(ota_engine *eng, int64_t plan, int state, int after_state, int64_t after_job,
                      int limit, ota_job_row *rows, size_t *n, bool *more, ota_err *e)
{
    *n = 0;
    *more = false;
    for (int part = 0; part < 2 && !*more; part++) {
        int lo = state >= 0 ? state : after_state < 0 ? 0 : after_state;
        sqlite3_stmt *st;
        if (part == 0) {
            st = store_stmt(eng, "SELECT j.id, d.device_id, j.state, j.attempt, j.progress, j.reason, j.error,"
                                 " j.updated_at FROM jobs j JOIN devices d ON d.id = j.device"
                                 " WHERE j.plan = ?1 AND j.state = ?2 AND j.id > ?3 ORDER BY j.id LIMIT ?4", e);
            if (!st)
                return -1;
            sqlite3_bind_int(st, 2, lo);
            sqlite3_bind_int64(st, 3, after_state == lo ? after_job : 0);
        } else {
            if (state >= 0)
                break;
            st = store_stmt(eng, "SELECT j.id, d.device_id, j.state, j.attempt, j.progress, j.reason, j.error,"
                                 " j.updated_at FROM jobs j JOIN devices d ON d.id = j.device"
                                 " WHERE j.plan = ?1 AND j.state > ?2 ORDER BY j.state, j.id LIMIT ?4", e);
            if (!st)
                return -1;
            sqlite3_bind_int(st, 2, lo);
        }
        sqlite3_bind_int64(st, 1, plan);
        sqlite3_bind_int(st, 4, limit + 1);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            if (*n == (size_t)limit) {
                *more = true;
                break;
            }
            job_row_read(st, &rows[(*n)++]);
        }
        store_done(st);
        if (s != SQLITE_ROW && s != SQLITE_DONE)
            return store_fail(eng, e, "job rows");
    }
    return 0;
}

/* ----------------------------------------------------------------- events */
int store_status_events(ota_engine *eng, int64_t plan, int64_t since, int limit, ota_event *events,
                        size_t *n, ota_err *e)
{
    *n = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT seq, at, device, from_state, to_state FROM events"
                                       " WHERE plan = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int(st, 3, limit);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        ota_event *ev = &events[(*n)++];
        ev->seq = sqlite3_column_int64(st, 0);
        ev->at = sqlite3_column_int64(st, 1);
        store_copy_text(st, 2, ev->device, sizeof ev->device);
        store_copy_text(st, 3, ev->from, sizeof ev->from);
        store_copy_text(st, 4, ev->to, sizeof ev->to);
    }
    store_done(st);
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "events");
}

/* ---------------------------------------------------------------- preview */
int store_preview_plan_get(ota_engine *eng, int64_t plan, store_preview_plan *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_stmt(eng, "SELECT product, min_rsrp, min_battery FROM plans WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        store_copy_text(st, 0, out->product, sizeof out->product);
        out->min_rsrp = sqlite3_column_int(st, 1);
        out->min_battery = sqlite3_column_int(st, 2);
    }
    store_done(st);
    if (s == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)plan);
    if (s != SQLITE_ROW)
        return store_fail(eng, e, "plan lookup");
    if (!(st = store_stmt(eng, "SELECT pc.component, p.kind, p.target_version, COALESCE(p.source_version, '')"
                               " FROM plan_components pc JOIN packages p ON p.id = pc.package"
                               " WHERE pc.plan = ?1 ORDER BY pc.idx", e)))
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    while ((s = sqlite3_step(st)) == SQLITE_ROW && out->ncomps < OTA_MAX_COMPONENTS) {
        store_preview_comp *c = &out->comps[out->ncomps++];
        store_copy_text(st, 0, c->component, sizeof c->component);
        c->diff = !strcmp((const char *)sqlite3_column_text(st, 1), "diff");
        store_copy_text(st, 2, c->target, sizeof c->target);
        store_copy_text(st, 3, c->source, sizeof c->source);
    }
    store_done(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return store_fail(eng, e, "plan components");
    if (!(st = store_stmt(eng, "SELECT 1 FROM plan_lists WHERE plan = ?1 AND list = 'white' LIMIT 1", e)))
        return -1;
    sqlite3_bind_int64(st, 1, plan);
    s = sqlite3_step(st);
    out->has_white = s == SQLITE_ROW;
    store_done(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : store_fail(eng, e, "plan lists");
}

/* One pass over the product's devices merged with the plan's lists, and
 * one over the (component, version) index per plan component, joined in
 * memory by device rowid: a per-device SQL lookup (lists, versions) cost
 * about a microsecond each, seconds on a 1,000,000-device fleet.  A row
 * is 24 bytes: rsrp and battery are held as int16 (stored values are
 * -140..-44 and 0..100; anything beyond is clamped, which keeps every
 * comparison with a plan's thresholds). */
struct pv_row {
    int64_t rowid;
    uint32_t at_target, at_source;
    int16_t rsrp, battery;
    uint8_t flags;
};
enum { PV_BLACK = 1, PV_WHITE = 2, PV_HAS_RSRP = 4, PV_HAS_BATTERY = 8 };

struct pv_rows {
    struct pv_row *v;
    size_t n;
};

/* A plan list read in device id order, alongside the devices. */
struct pv_list {
    sqlite3_stmt *st;
    const char *cur;   /* current id, NULL at the end */
    int len;
};

static int pv_list_next(ota_engine *eng, struct pv_list *l, ota_err *e)
{
    int s = sqlite3_step(l->st);
    l->cur = s == SQLITE_ROW ? (const char *)sqlite3_column_text(l->st, 0) : NULL;
    l->len = l->cur ? sqlite3_column_bytes(l->st, 0) : 0;
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : store_fail(eng, e, "plan lists");
}

/* SQLite's BINARY order: bytes, then length. */
static int pv_idcmp(const char *a, int alen, const char *b, int blen)
{
    int c = memcmp(a, b, (size_t)(alen < blen ? alen : blen));
    return c ? c : alen - blen;
}

/* Is id on the list?  Both run in id order: advance the list up to id. */
static int pv_list_has(ota_engine *eng, struct pv_list *l, const char *id, int len, bool *has, ota_err *e)
{
    *has = false;
    while (l->cur) {
        int c = pv_idcmp(l->cur, l->len, id, len);
        if (c > 0)
            return 0;
        if (c == 0) {
            *has = true;
            return 0;
        }
        if (pv_list_next(eng, l, e) < 0)
            return -1;
    }
    return 0;
}

static int pv_row_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct pv_row *)a)->rowid, y = ((const struct pv_row *)b)->rowid;
    return x < y ? -1 : x > y;
}

static int16_t pv_int16(sqlite3_stmt *st, int col)
{
    int v = sqlite3_column_int(st, col);
    return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

/* The product's devices in device id order (the product index), merged
 * with the plan's black and white lists in the same order (their primary
 * key): no per-device lookup and no set in memory.  Then sorted by rowid
 * for pv_find. */
static int pv_devices(ota_engine *eng, int64_t plan, const store_preview_plan *p, struct pv_rows *r,
                      ota_err *e)
{
    static const char list_sql[] = "SELECT device_id FROM plan_lists WHERE plan = ?1 AND list = ?2"
                                   " ORDER BY device_id";
    static const char list_sql_white[] = "SELECT device_id FROM plan_lists WHERE plan = ?1 AND list = ?2"
                                         " ORDER BY device_id -- white";
    struct pv_list black = {0}, white = {0};
    /* two statements: the cache holds one per SQL text */
    if (!(black.st = store_stmt(eng, list_sql, e)) || !(white.st = store_stmt(eng, list_sql_white, e)))
        return -1;
    sqlite3_bind_int64(black.st, 1, plan);
    sqlite3_bind_text(black.st, 2, "black", -1, SQLITE_STATIC);
    sqlite3_bind_int64(white.st, 1, plan);
    sqlite3_bind_text(white.st, 2, "white", -1, SQLITE_STATIC);
    sqlite3_stmt *st = store_stmt(eng, "SELECT id, device_id, rsrp, battery FROM devices"
                                       " WHERE product = ?1 ORDER BY device_id", e);
    int rc = -1, s = SQLITE_DONE;
    if (!st || pv_list_next(eng, &black, e) < 0 || pv_list_next(eng, &white, e) < 0)
        goto out;
    sqlite3_bind_text(st, 1, p->product, -1, SQLITE_STATIC);
    size_t cap = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n == cap) {
            cap = cap ? cap * 2 : 4096;
            struct pv_row *n = realloc(r->v, cap * sizeof *n);
            if (!n) {
                ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                goto out;
            }
            r->v = n;
        }
        struct pv_row *d = &r->v[r->n++];
        memset(d, 0, sizeof *d);
        d->rowid = sqlite3_column_int64(st, 0);
        const char *id = (const char *)sqlite3_column_text(st, 1);
        int len = sqlite3_column_bytes(st, 1);
        bool on;
        if (pv_list_has(eng, &black, id, len, &on, e) < 0)
            goto out;
        d->flags |= on ? PV_BLACK : 0;
        if (pv_list_has(eng, &white, id, len, &on, e) < 0)
            goto out;
        d->flags |= on ? PV_WHITE : 0;
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            d->flags |= PV_HAS_RSRP;
            d->rsrp = pv_int16(st, 2);
        }
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            d->flags |= PV_HAS_BATTERY;
            d->battery = pv_int16(st, 3);
        }
    }
    if (s != SQLITE_DONE) {
        store_fail(eng, e, "preview devices");
        goto out;
    }
    rc = 0;
    for (size_t i = 1; i < r->n; i++)
        if (r->v[i].rowid < r->v[i - 1].rowid) {
            qsort(r->v, r->n, sizeof *r->v, pv_row_cmp);
            break;
        }
out:
    store_done(st);
    store_done(black.st);
    store_done(white.st);
    return rc;
}

static struct pv_row *pv_find(const struct pv_rows *r, int64_t rowid)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->v[mid].rowid < rowid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->n && r->v[lo].rowid == rowid ? &r->v[lo] : NULL;
}

/* Which devices run each component's target (and, for a diff, source). */
static int pv_versions(ota_engine *eng, const store_preview_plan *p, struct pv_rows *r, ota_err *e)
{
    for (size_t k = 0; k < p->ncomps; k++) {
        const store_preview_comp *c = &p->comps[k];
        sqlite3_stmt *st = store_stmt(eng, "SELECT device, version = ?2 FROM device_versions"
                                           " WHERE component = ?1 AND version IN (?2, ?3)", e);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, c->component, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->target, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, c->diff ? c->source : c->target, -1, SQLITE_STATIC);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            struct pv_row *d = pv_find(r, sqlite3_column_int64(st, 0));
            if (d && sqlite3_column_int(st, 1))
                d->at_target |= 1u << k;
            else if (d)
                d->at_source |= 1u << k;
        }
        store_done(st);
        if (s != SQLITE_DONE)
            return store_fail(eng, e, "preview versions");
    }
    return 0;
}

int store_preview_devices(ota_engine *eng, int64_t plan, const store_preview_plan *p,
                          void (*each)(void *arg, const store_preview_device *device), void *arg,
                          ota_err *e)
{
    struct pv_rows r = {0};
    int rc = pv_devices(eng, plan, p, &r, e) < 0 || pv_versions(eng, p, &r, e) < 0 ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < r.n; i++) {
        const struct pv_row *d = &r.v[i];
        store_preview_device dev = {
            .blacklisted = d->flags & PV_BLACK, .whitelisted = d->flags & PV_WHITE,
            .at_target = d->at_target, .at_source = d->at_source,
            .has_rsrp = d->flags & PV_HAS_RSRP, .has_battery = d->flags & PV_HAS_BATTERY,
            .rsrp = d->rsrp, .battery = d->battery,
        };
        each(arg, &dev);
    }
    free(r.v);
    return rc;
}
