/* The SQLite store: packages and their files (tables packages and
 * package_files), and what a package's delete does to the plans that list
 * it (plan_components, plans' revision). */
#include "sqlite.h"

#include <string.h>

/* ----------------------------------------------------------------- create */
int store_package_insert(ota_engine *eng, const ota_package_meta *m, const ota_file *files, size_t n,
                         int64_t created_at, int64_t *id, ota_err *e)
{
    if (store_tx_begin(eng, e) < 0)
        return -1;
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO packages(component, kind, target_version,"
                                       " source_version, remark, created_at) VALUES(?,?,?,?,?,?)", e);
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, m->component, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ota_kind_str(m->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->target_version, -1, SQLITE_STATIC);
    if (m->source_version[0])
        sqlite3_bind_text(st, 4, m->source_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, m->remark, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, created_at);
    if (store_step_done(eng, st, e, "package insert") < 0)
        goto fail;
    *id = sqlite3_last_insert_rowid(STORE_DB(eng));
    for (size_t i = 0; i < n; i++) {
        st = store_stmt(eng, "INSERT INTO package_files(package, idx, name, size, sha256, sha1, md5)"
                             " VALUES(?,?,?,?,?,?,?)", e);
        if (!st)
            goto fail;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_text(st, 3, files[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (int64_t)files[i].size);
        sqlite3_bind_text(st, 5, files[i].sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, files[i].sha1, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, files[i].md5, -1, SQLITE_STATIC);
        if (store_step_done(eng, st, e, "package file insert") < 0)
            goto fail;
    }
    return store_tx_commit(eng, e);
fail:
    store_tx_rollback(eng, e);
    return -1;
}

/* ---------------------------------------------------------------- reading */
#define PACKAGE_COLS "id, component, kind, target_version, source_version, remark, created_at"

static void package_row(sqlite3_stmt *st, ota_package *p)
{
    char kind[8];
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    store_copy_text(st, 1, p->meta.component, sizeof p->meta.component);
    store_copy_text(st, 2, kind, sizeof kind);
    ota_kind_parse(kind, &p->meta.kind);
    store_copy_text(st, 3, p->meta.target_version, sizeof p->meta.target_version);
    store_copy_text(st, 4, p->meta.source_version, sizeof p->meta.source_version);
    store_copy_text(st, 5, p->meta.remark, sizeof p->meta.remark);
    p->created_at = sqlite3_column_int64(st, 6);
}

static int package_files_load(ota_engine *eng, ota_package *p, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT name, size, sha256, sha1, md5 FROM package_files"
                                       " WHERE package=? ORDER BY idx", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, p->id);
    int s;
    p->nfiles = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && p->nfiles < OTA_MAX_FILES) {
        ota_file *f = &p->files[p->nfiles++];
        store_copy_text(st, 0, f->name, sizeof f->name);
        f->size = (uint64_t)sqlite3_column_int64(st, 1);
        store_copy_text(st, 2, f->sha256, sizeof f->sha256);
        store_copy_text(st, 3, f->sha1, sizeof f->sha1);
        store_copy_text(st, 4, f->md5, sizeof f->md5);
    }
    store_done(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return store_fail(eng, e, "package files");
    return 0;
}

int store_package_get(ota_engine *eng, int64_t id, ota_package *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT " PACKAGE_COLS " FROM packages WHERE id=?", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        package_row(st, out);
    store_done(st);
    if (s == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "no package %lld", (long long)id);
    if (s != SQLITE_ROW)
        return store_fail(eng, e, "package lookup");
    return package_files_load(eng, out, e);
}

int store_package_list(ota_engine *eng, const char *component, int64_t before, int limit, ota_package *items,
                       size_t *n, bool *more, ota_err *e)
{
    *n = 0;
    *more = false;
    /* Two texts so the component filter uses packages_component(component, id). */
    sqlite3_stmt *st = component && *component
        ? store_stmt(eng, "SELECT " PACKAGE_COLS " FROM packages WHERE component=?1"
                          " AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3", e)
        : store_stmt(eng, "SELECT " PACKAGE_COLS " FROM packages"
                          " WHERE (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3", e);
    if (!st)
        return -1;
    if (component && *component)
        sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, before);
    sqlite3_bind_int(st, 3, limit + 1);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == (size_t)limit) {
            *more = true;
            break;
        }
        package_row(st, &items[(*n)++]);
    }
    store_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return store_fail(eng, e, "package list");
    for (size_t i = 0; i < *n; i++)
        if (package_files_load(eng, &items[i], e) < 0)
            return -1;
    return 0;
}

int store_package_find_meta(ota_engine *eng, const ota_package_meta *m, int64_t *ids, size_t max, size_t *n,
                            ota_err *e)
{
    *n = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT id FROM packages WHERE component=? AND kind=?"
                                       " AND target_version=? AND source_version IS ? ORDER BY id", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, m->component, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ota_kind_str(m->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->target_version, -1, SQLITE_STATIC);
    if (m->source_version[0])
        sqlite3_bind_text(st, 4, m->source_version, -1, SQLITE_STATIC);
    int s = SQLITE_DONE;
    while (*n < max && (s = sqlite3_step(st)) == SQLITE_ROW)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    store_done(st);
    if (*n < max && s != SQLITE_DONE)
        return store_fail(eng, e, "package find");
    return 0;
}

int store_package_file_named(ota_engine *eng, const char *sha256, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT 1 FROM package_files WHERE sha256=? LIMIT 1", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    store_done(st);
    if (s == SQLITE_ROW)
        return 1;
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "package file lookup");
}

/* ----------------------------------------------------------------- delete */
int store_package_users(ota_engine *eng, int64_t id, store_plan_use *out, size_t max, size_t *n, ota_err *e)
{
    *n = 0;
    sqlite3_stmt *st = store_stmt(eng, "SELECT p.id, p.state FROM plan_components c"
                                       " JOIN plans p ON p.id = c.plan"
                                       " WHERE c.package=? AND p.state <> 'saved' ORDER BY p.id", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n < max) {
            out[*n].plan = sqlite3_column_int64(st, 0);
            char state[16];
            store_copy_text(st, 1, state, sizeof state);
            if (ota_plan_state_parse(state, &out[*n].state) < 0)
                out[*n].state = OTA_PLAN__COUNT;
        }
        (*n)++;
    }
    store_done(st);
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "package use");
}

int store_package_delete(ota_engine *eng, int64_t id, int64_t now, int64_t *plans, size_t max, size_t *nplans,
                         ota_err *e)
{
    *nplans = 0;
    if (store_tx_begin(eng, e) < 0)
        return -1;
    sqlite3_stmt *st = store_stmt(eng, "SELECT plan FROM plan_components WHERE package=?", e);
    if (!st)
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    int s = SQLITE_DONE;
    while (*nplans < max && (s = sqlite3_step(st)) == SQLITE_ROW)
        plans[(*nplans)++] = sqlite3_column_int64(st, 0);
    store_done(st);
    if (*nplans < max && s != SQLITE_DONE) {
        store_fail(eng, e, "package plans");
        goto fail;
    }
    if (!(st = store_stmt(eng, "UPDATE plans SET revision=revision+1, updated_at=?"
                               " WHERE id IN (SELECT plan FROM plan_components WHERE package=?)", e)))
        goto fail;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, id);
    if (store_step_done(eng, st, e, "plan update") < 0)
        goto fail;
    if (!(st = store_stmt(eng, "DELETE FROM plan_components WHERE package=?", e)))
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    if (store_step_done(eng, st, e, "plan component delete") < 0)
        goto fail;
    if (!(st = store_stmt(eng, "DELETE FROM packages WHERE id=?", e)))
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    if (store_step_done(eng, st, e, "package delete") < 0)
        goto fail;
    return store_tx_commit(eng, e);
fail:
    store_tx_rollback(eng, e);
    return -1;
}
