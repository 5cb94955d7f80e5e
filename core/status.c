/* status.c: what a plan looks like from outside — targeting preview,
 * counts per job state, job rows by state, and the event feed.
 *
 * Status reads only the plan row, plan_counts (kept by rollout.c in the
 * same transaction as every job change) and the newest event's seq, so a
 * refresh costs the same on 100 or 1,000,000 devices.  Device rows page by
 * (state, job id) over the jobs_plan_state index; events page by seq. */
#include "internal.h"
#include "store/sqlite.h" /* TRANSITIONAL: SQL moves to core/store/ */

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
/* Reasons are exclusive, in the order the engine applies them:
 * blacklisted, not whitelisted, version mismatch; of the targeted,
 * deferred by rsrp first, then battery (devices already at every target
 * need nothing and are never deferred).
 *
 * One pass over the product's devices merged with the plan's lists, and
 * one over the (component, version) index per plan component, joined in
 * memory by device rowid: a per-device SQL lookup (lists, versions) cost about a
 * microsecond each, seconds on a 1,000,000-device fleet. */
struct pv_dev {
    int64_t rowid;
    uint32_t at_target, at_source;  /* bit k: the device runs component k's target / source */
    uint8_t flags;
};
enum { PV_BLACK = 1, PV_WHITE = 2, PV_RSRP = 4, PV_BATTERY = 8 };

struct pv_comp {
    char component[OTA_KEY_MAX + 1];
    char target[OTA_KEY_MAX + 1], source[OTA_KEY_MAX + 1];
    bool diff;
};

struct pv {
    ota_engine *eng;
    int64_t plan;
    char product[OTA_KEY_MAX + 1];
    int min_rsrp, min_battery;
    struct pv_comp comps[OTA_MAX_COMPONENTS];
    size_t ncomps;
    bool has_white;
    struct pv_dev *devs;
    size_t ndevs;
};

static int pv_plan(struct pv *v, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(v->eng, "SELECT product, min_rsrp, min_battery FROM plans WHERE id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, v->plan);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        store_copy_text(st, 0, v->product, sizeof v->product);
        v->min_rsrp = sqlite3_column_int(st, 1);
        v->min_battery = sqlite3_column_int(st, 2);
    }
    store_done(st);
    if (s == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "no plan %lld", (long long)v->plan);
    if (s != SQLITE_ROW)
        return store_fail(v->eng, e, "plan lookup");
    if (!(st = store_stmt(v->eng, "SELECT pc.component, p.kind, p.target_version, COALESCE(p.source_version, '')"
                                  " FROM plan_components pc JOIN packages p ON p.id = pc.package"
                                  " WHERE pc.plan = ?1 ORDER BY pc.idx", e)))
        return -1;
    sqlite3_bind_int64(st, 1, v->plan);
    while ((s = sqlite3_step(st)) == SQLITE_ROW && v->ncomps < OTA_MAX_COMPONENTS) {
        struct pv_comp *c = &v->comps[v->ncomps++];
        store_copy_text(st, 0, c->component, sizeof c->component);
        c->diff = !strcmp((const char *)sqlite3_column_text(st, 1), "diff");
        store_copy_text(st, 2, c->target, sizeof c->target);
        store_copy_text(st, 3, c->source, sizeof c->source);
    }
    store_done(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return store_fail(v->eng, e, "plan components");
    if (!(st = store_stmt(v->eng, "SELECT 1 FROM plan_lists WHERE plan = ?1 AND list = 'white' LIMIT 1", e)))
        return -1;
    sqlite3_bind_int64(st, 1, v->plan);
    s = sqlite3_step(st);
    v->has_white = s == SQLITE_ROW;
    store_done(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : store_fail(v->eng, e, "plan lists");
}

/* A plan list read in device id order, alongside the devices. */
struct pv_list {
    sqlite3_stmt *st;
    const char *cur;   /* current id, NULL at the end */
    int len;
};

static int pv_list_next(struct pv *v, struct pv_list *l, ota_err *e)
{
    int s = sqlite3_step(l->st);
    l->cur = s == SQLITE_ROW ? (const char *)sqlite3_column_text(l->st, 0) : NULL;
    l->len = l->cur ? sqlite3_column_bytes(l->st, 0) : 0;
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : store_fail(v->eng, e, "plan lists");
}

/* SQLite's BINARY order: bytes, then length. */
static int pv_idcmp(const char *a, int alen, const char *b, int blen)
{
    int c = memcmp(a, b, (size_t)(alen < blen ? alen : blen));
    return c ? c : alen - blen;
}

/* Is id on the list?  Both run in id order: advance the list up to id. */
static int pv_list_has(struct pv *v, struct pv_list *l, const char *id, int len, bool *has, ota_err *e)
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
        if (pv_list_next(v, l, e) < 0)
            return -1;
    }
    return 0;
}

static int pv_dev_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct pv_dev *)a)->rowid, y = ((const struct pv_dev *)b)->rowid;
    return x < y ? -1 : x > y;
}

/* The product's devices in device id order (the product index), merged
 * with the plan's black and white lists in the same order (their primary
 * key): no per-device lookup and no set in memory.  Then sorted by rowid
 * for pv_find. */
static int pv_devices(struct pv *v, ota_err *e)
{
    static const char list_sql[] = "SELECT device_id FROM plan_lists WHERE plan = ?1 AND list = ?2"
                                   " ORDER BY device_id";
    static const char list_sql_white[] = "SELECT device_id FROM plan_lists WHERE plan = ?1 AND list = ?2"
                                         " ORDER BY device_id -- white";
    struct pv_list black = {0}, white = {0};
    /* two statements: the cache holds one per SQL text */
    if (!(black.st = store_stmt(v->eng, list_sql, e)) || !(white.st = store_stmt(v->eng, list_sql_white, e)))
        return -1;
    sqlite3_bind_int64(black.st, 1, v->plan);
    sqlite3_bind_text(black.st, 2, "black", -1, SQLITE_STATIC);
    sqlite3_bind_int64(white.st, 1, v->plan);
    sqlite3_bind_text(white.st, 2, "white", -1, SQLITE_STATIC);
    sqlite3_stmt *st = store_stmt(v->eng, "SELECT id, device_id, rsrp, battery FROM devices"
                                          " WHERE product = ?1 ORDER BY device_id", e);
    int rc = -1, s = SQLITE_DONE;
    if (!st || pv_list_next(v, &black, e) < 0 || pv_list_next(v, &white, e) < 0)
        goto out;
    sqlite3_bind_text(st, 1, v->product, -1, SQLITE_STATIC);
    size_t cap = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (v->ndevs == cap) {
            cap = cap ? cap * 2 : 4096;
            struct pv_dev *n = realloc(v->devs, cap * sizeof *n);
            if (!n) {
                ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                goto out;
            }
            v->devs = n;
        }
        struct pv_dev *d = &v->devs[v->ndevs++];
        memset(d, 0, sizeof *d);
        d->rowid = sqlite3_column_int64(st, 0);
        const char *id = (const char *)sqlite3_column_text(st, 1);
        int len = sqlite3_column_bytes(st, 1);
        bool on;
        if (pv_list_has(v, &black, id, len, &on, e) < 0)
            goto out;
        d->flags |= on ? PV_BLACK : 0;
        if (pv_list_has(v, &white, id, len, &on, e) < 0)
            goto out;
        d->flags |= on ? PV_WHITE : 0;
        if (sqlite3_column_type(st, 2) == SQLITE_NULL ? v->min_rsrp > -140 : sqlite3_column_int(st, 2) < v->min_rsrp)
            d->flags |= PV_RSRP;
        if (sqlite3_column_type(st, 3) == SQLITE_NULL ? v->min_battery > 0
                                                      : sqlite3_column_int(st, 3) < v->min_battery)
            d->flags |= PV_BATTERY;
    }
    if (s != SQLITE_DONE) {
        store_fail(v->eng, e, "preview devices");
        goto out;
    }
    rc = 0;
    for (size_t i = 1; i < v->ndevs; i++)
        if (v->devs[i].rowid < v->devs[i - 1].rowid) {
            qsort(v->devs, v->ndevs, sizeof *v->devs, pv_dev_cmp);
            break;
        }
out:
    store_done(st);
    store_done(black.st);
    store_done(white.st);
    return rc;
}

static struct pv_dev *pv_find(struct pv *v, int64_t rowid)
{
    size_t lo = 0, hi = v->ndevs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->devs[mid].rowid < rowid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->ndevs && v->devs[lo].rowid == rowid ? &v->devs[lo] : NULL;
}

/* Which devices run each component's target (and, for a diff, source). */
static int pv_versions(struct pv *v, ota_err *e)
{
    for (size_t k = 0; k < v->ncomps; k++) {
        const struct pv_comp *c = &v->comps[k];
        sqlite3_stmt *st = store_stmt(v->eng, "SELECT device, version = ?2 FROM device_versions"
                                              " WHERE component = ?1 AND version IN (?2, ?3)", e);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, c->component, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->target, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, c->diff ? c->source : c->target, -1, SQLITE_STATIC);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            struct pv_dev *d = pv_find(v, sqlite3_column_int64(st, 0));
            if (d && sqlite3_column_int(st, 1))
                d->at_target |= 1u << k;
            else if (d)
                d->at_source |= 1u << k;
        }
        store_done(st);
        if (s != SQLITE_DONE)
            return store_fail(v->eng, e, "preview versions");
    }
    return 0;
}

static void pv_count(const struct pv *v, ota_preview *out)
{
    uint32_t all = v->ncomps >= 32 ? UINT32_MAX : (1u << v->ncomps) - 1, diff = 0;
    for (size_t k = 0; k < v->ncomps; k++)
        if (v->comps[k].diff)
            diff |= 1u << k;
    bool has_white = v->has_white;
    for (size_t i = 0; i < v->ndevs; i++) {
        const struct pv_dev *d = &v->devs[i];
        if (d->flags & PV_BLACK) {
            out->blacklisted++;
        } else if (has_white && !(d->flags & PV_WHITE)) {
            out->not_whitelisted++;
        } else if (diff & ~(d->at_target | d->at_source)) {
            out->version_mismatch++;
        } else {
            out->targeted++;
            if ((d->at_target & all) == all)
                continue;  /* up to date: never deferred */
            if (d->flags & PV_RSRP)
                out->deferred_rsrp++;
            else if (d->flags & PV_BATTERY)
                out->deferred_battery++;
        }
    }
}

int ota_plan_preview(ota_engine *eng, int64_t id, ota_preview *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    struct pv v = {.eng = eng, .plan = id};
    ENGINE_LOCK(eng);
    /* one read transaction: the passes see the same snapshot (ended with
     * COMMIT: a ROLLBACK would make the rollout drop its caches) */
    bool own = sqlite3_get_autocommit(STORE_DB(eng));
    int rc = own ? store_exec(eng, "BEGIN", e) : 0;
    if (rc == 0) {
        rc = pv_plan(&v, e) < 0 || pv_devices(&v, e) < 0 || pv_versions(&v, e) < 0 ? -1 : 0;
        if (own && !sqlite3_get_autocommit(STORE_DB(eng)))
            store_exec(eng, "COMMIT", NULL);
    }
    ENGINE_UNLOCK(eng);
    if (rc == 0)
        pv_count(&v, out);
    free(v.devs);
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
