/* push.c: plans and packages between two backends and through files (see
 * push.h for the rules).  Only the backend interface is used, so every byte
 * that moves is verified by the same code paths as any other download and
 * upload. */
#include "push.h"

#include <errno.h>
#include <stdarg.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------- package match */
static bool files_same(const ota_package *a, const ota_package *b)
{
    if (a->nfiles != b->nfiles)
        return false;
    for (size_t i = 0; i < a->nfiles; i++) {
        bool found = false;
        for (size_t k = 0; k < b->nfiles && !found; k++)
            found = !strcmp(a->files[i].name, b->files[k].name) &&
                    !strcmp(a->files[i].sha256, b->files[k].sha256);
        if (!found)
            return false;
    }
    return true;
}

static bool package_same(const ota_package *a, const ota_package *b)
{
    return !strcmp(a->meta.component, b->meta.component) && a->meta.kind == b->meta.kind &&
           !strcmp(a->meta.target_version, b->meta.target_version) &&
           !strcmp(a->meta.source_version, b->meta.source_version) && files_same(a, b);
}

static const char *package_label(const ota_package *p, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s%s%s (%s, %s%s)", p->meta.component,
             p->meta.source_version[0] ? p->meta.source_version : "",
             p->meta.source_version[0] ? " -> " : "", p->meta.target_version,
             ota_kind_str(p->meta.kind), p->nfiles ? p->files[0].name : "no files",
             p->nfiles > 1 ? ", ..." : "");
    return buf;
}

int ota_package_find_on(ota_backend *dst, const ota_package *like, int64_t *id, ota_err *e)
{
    ota_page_req pg = {.limit = OTA_LIST_MAX};
    for (;;) {
        ota_package_page page;
        if (dst->ops->package_list(dst, like->meta.component, &pg, &page, e) < 0)
            return -1;
        for (size_t i = 0; i < page.n; i++)
            if (package_same(like, &page.items[i])) {
                *id = page.items[i].id;
                ota_package_page_free(&page);
                return 0;
            }
        snprintf(pg.cursor, sizeof pg.cursor, "%s", page.next_cursor);
        ota_package_page_free(&page);
        if (!pg.cursor[0])
            break;
    }
    char label[800];
    return ota_fail(e, OTA_E_NOT_FOUND, "package", "no package %s with the same files",
                    package_label(like, label, sizeof label));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

static int scratch_dir(char *dir, size_t len, ota_err *e)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, len, "%s/ota-copy-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir))
        return ota_fail(e, OTA_E_IO, NULL, "cannot make a scratch folder: %s", strerror(errno));
    return 0;
}

/* After a create, the destination's hashes must be the source's. */
static int check_created(ota_backend *dst, const ota_package *want, const ota_package *got,
                         ota_err *e)
{
    if (files_same(want, got))
        return 0;
    ota_err ig;
    dst->ops->package_delete(dst, got->id, &ig);
    return ota_fail(e, OTA_E_IO, "files",
                    "package %" PRId64 ": the copy's SHA-256 differs from the original; "
                    "the copy was deleted", want->id);
}

int ota_package_copy(ota_backend *src, int64_t src_id, ota_backend *dst, int64_t *dst_id,
                     bool *copied, ota_err *e)
{
    ota_package p, q;
    *copied = false;
    if (src->ops->package_get(src, src_id, &p, e) < 0)
        return -1;
    if (ota_package_find_on(dst, &p, dst_id, e) == 0)
        return 0;
    if (e->code != OTA_E_NOT_FOUND)
        return -1;
    char dir[PATH_MAX], paths[OTA_MAX_FILES][PATH_MAX + OTA_FILE_NAME_MAX + 2];
    const char *pv[OTA_MAX_FILES];
    if (scratch_dir(dir, sizeof dir, e) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p.nfiles; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", dir, p.files[i].name);
        pv[i] = paths[i];
        rc = src->ops->package_download(src, src_id, p.files[i].name, paths[i], e);
    }
    if (rc == 0)
        rc = dst->ops->package_create(dst, &p.meta, pv, p.nfiles, &q, e);
    if (rc == 0)
        rc = check_created(dst, &p, &q, e);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    if (rc == 0) {
        *dst_id = q.id;
        *copied = true;
    }
    return rc;
}

/* ---------------------------------------------------------- the mapping */
/* "<db>.push.json": [{"local":7,"local_created":...,"server":"https://...",
 *  "remote":17,"revision":3}, ...], rewritten whole through a temp file. */
static int map_path(ota_backend *local, char *out, size_t len, ota_err *e)
{
    ota_engine *eng = ota_backend_local_engine(local);
    if (!eng)
        return ota_fail(e, OTA_E_BAD_REQUEST, NULL,
                        "push and pull run between the local engine and a server");
    snprintf(out, len, "%s.push.json", ota_engine_db_path(eng));
    return 0;
}

static json_t *map_load(const char *path, ota_err *e)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        if (access(path, F_OK) < 0 && errno == ENOENT)
            return json_array();
        ota_fail(e, OTA_E_IO, "push_map", "%s: line %d: %s", path, je.line, je.text);
        return NULL;
    }
    if (!json_is_array(j)) {
        json_decref(j);
        ota_fail(e, OTA_E_IO, "push_map", "%s: not a JSON array", path);
        return NULL;
    }
    return j;
}

static int map_save(const char *path, json_t *map, ota_err *e)
{
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (json_dump_file(map, tmp, JSON_INDENT(1)) < 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return ota_fail(e, OTA_E_IO, "push_map", "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}

/* Local ids can be reused after a delete: an entry matches only the plan
 * created at the same instant. */
static json_t *map_find(json_t *map, const ota_plan *local, const char *server)
{
    size_t i;
    json_t *it;
    json_array_foreach(map, i, it) {
        if (json_integer_value(json_object_get(it, "local")) == local->id &&
            json_integer_value(json_object_get(it, "local_created")) == local->created_at &&
            !strcmp(json_string_value(json_object_get(it, "server")) ?: "", server))
            return it;
    }
    return NULL;
}

static int map_record(const char *path, const ota_plan *local, const char *server,
                      int64_t remote_id, int64_t revision, ota_err *e)
{
    json_t *map = map_load(path, e);
    if (!map)
        return -1;
    json_t *it = map_find(map, local, server);
    if (!it) {
        it = json_object();
        json_array_append_new(map, it);
    }
    json_object_set_new(it, "local", json_integer(local->id));
    json_object_set_new(it, "local_created", json_integer(local->created_at));
    json_object_set_new(it, "server", json_string(server));
    json_object_set_new(it, "remote", json_integer(remote_id));
    json_object_set_new(it, "revision", json_integer(revision));
    int rc = map_save(path, map, e);
    json_decref(map);
    return rc;
}

/* ----------------------------------------------------------------- diff */
static void diff_line(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void diff_line(char *out, size_t len, const char *fmt, ...)
{
    size_t n = strlen(out);
    if (n + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, len - n, fmt, ap);
    va_end(ap);
    n = strlen(out);
    if (n + 1 < len) {
        out[n] = '\n';
        out[n + 1] = 0;
    }
}

static void diff_list(char *out, size_t len, const char *name, const ota_strlist *srv,
                      const ota_strlist *mine)
{
    char add[256] = "", del[256] = "";
    for (size_t i = 0; i < mine->n; i++)
        if (!ota_strlist_has(srv, mine->v[i]) && strlen(add) < 200)
            snprintf(add + strlen(add), sizeof add - strlen(add), " +%s", mine->v[i]);
    for (size_t i = 0; i < srv->n; i++)
        if (!ota_strlist_has(mine, srv->v[i]) && strlen(del) < 200)
            snprintf(del + strlen(del), sizeof del - strlen(del), " -%s", srv->v[i]);
    if (add[0] || del[0])
        diff_line(out, len, "%s: local vs server:%s%s", name, add, del);
}

/* What differs between the server's plan and the local one (whose package
 * ids are already the server's; 0 = not on the server yet). */
static void plan_diff(const ota_plan *srv, const ota_plan *mine, char *out, size_t len)
{
    char a[32], b[32];
    out[0] = 0;
    if (strcmp(srv->name, mine->name))
        diff_line(out, len, "name: server \"%s\", local \"%s\"", srv->name, mine->name);
    if (srv->mode != mine->mode)
        diff_line(out, len, "mode: server %s, local %s", ota_mode_str(srv->mode), ota_mode_str(mine->mode));
    if (srv->retries != mine->retries)
        diff_line(out, len, "strategy.retries: server %d, local %d", srv->retries, mine->retries);
    if (srv->min_rsrp != mine->min_rsrp)
        diff_line(out, len, "strategy.min_rsrp: server %d, local %d", srv->min_rsrp, mine->min_rsrp);
    if (srv->min_battery != mine->min_battery)
        diff_line(out, len, "strategy.min_battery: server %d, local %d", srv->min_battery,
                  mine->min_battery);
    if (srv->window_start != mine->window_start)
        diff_line(out, len, "window.start: server %s, local %s",
                  ota_time_format(srv->window_start, a, sizeof a),
                  ota_time_format(mine->window_start, b, sizeof b));
    if (srv->window_end != mine->window_end)
        diff_line(out, len, "window.end: server %s, local %s",
                  ota_time_format(srv->window_end, a, sizeof a),
                  ota_time_format(mine->window_end, b, sizeof b));
    for (size_t i = 0; i < mine->ncomponents; i++) {
        const ota_plan_component *m = &mine->components[i], *s = NULL;
        for (size_t k = 0; k < srv->ncomponents; k++)
            if (!strcmp(srv->components[k].component, m->component))
                s = &srv->components[k];
        if (!s)
            diff_line(out, len, "components.%s: only local", m->component);
        else if (s->package_id != m->package_id)
            diff_line(out, len, "components.%s: server package %" PRId64 ", local %s%" PRId64 "%s",
                      m->component, s->package_id, m->package_id ? "package " : "a package not on the server (",
                      m->package_id, m->package_id ? "" : ")");
    }
    for (size_t k = 0; k < srv->ncomponents; k++) {
        bool found = false;
        for (size_t i = 0; i < mine->ncomponents; i++)
            found = found || !strcmp(srv->components[k].component, mine->components[i].component);
        if (!found)
            diff_line(out, len, "components.%s: only on the server", srv->components[k].component);
    }
    diff_list(out, len, "blacklist", &srv->blacklist, &mine->blacklist);
    diff_list(out, len, "whitelist", &srv->whitelist, &mine->whitelist);
    if (srv->retry_interval_seconds != mine->retry_interval_seconds)
        diff_line(out, len, "strategy.retry_interval_seconds: server %" PRId64 ", local %" PRId64,
                  srv->retry_interval_seconds, mine->retry_interval_seconds);
    if (srv->has_rollout != mine->has_rollout ||
        (srv->has_rollout && !ota_rollout_equal(&srv->rollout, &mine->rollout)))
        diff_line(out, len, "rollout: server %s, local %s", srv->has_rollout ? "has one" : "none",
                  mine->has_rollout ? (srv->has_rollout ? "another" : "has one") : "none");
    if (srv->has_maintenance != mine->has_maintenance ||
        (srv->has_maintenance && !ota_maintenance_equal(&srv->maintenance, &mine->maintenance)))
        diff_line(out, len, "maintenance: server %s, local %s",
                  srv->has_maintenance ? srv->maintenance.timezone : "none",
                  mine->has_maintenance ? mine->maintenance.timezone : "none");
    if (!ota_plan_is_editable(srv->state))
        diff_line(out, len, "state: server %s", ota_plan_state_str(srv->state));
    if (!out[0])
        diff_line(out, len, "(same content; only the server's revision moved)");
}

/* ----------------------------------------------------------------- push */
static int product_on(ota_backend *b, const char *key, ota_product *out, ota_err *e)
{
    ota_product_list l;
    if (b->ops->product_list_all(b, &l, e) < 0)
        return -1;
    int rc = -1;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.items[i].key, key)) {
            if (out)
                *out = l.items[i];
            rc = 0;
        }
    ota_product_list_free(&l);
    if (rc < 0)
        ota_fail(e, OTA_E_NOT_FOUND, "product", "no product \"%s\" there", key);
    return rc;
}

/* Whether the server takes our token and lets it write plans, asked before
 * anything is read or written there: a token it refuses is unauthorized, a
 * role too low is forbidden, said in words.  An otad too old to answer
 * whoami is let through (its own refusals still come back as they are). */
static int push_may(ota_backend *remote, const char *url, ota_err *e)
{
    ota_token_info ti;
    if (remote->ops->whoami(remote, &ti, e) < 0) {
        if (e->code == OTA_E_NOT_FOUND || e->code == OTA_E_METHOD)
            return 0;
        if (e->code == OTA_E_UNAUTHORIZED) {
            char why[sizeof e->message];
            snprintf(why, sizeof why, "%s", e->message);
            return ota_fail(e, OTA_E_UNAUTHORIZED, "token", "the server %s refused the token (%s)",
                            url, why);
        }
        return -1;
    }
    char words[300];
    if (!ota_role_may(ti.role, OTA_DEED_PLAN_CREATE) || !ota_role_may(ti.role, OTA_DEED_PACKAGE_CREATE))
        return ota_fail(e, OTA_E_FORBIDDEN, "token", "the server %s: %s", url,
                        ota_deed_refusal(OTA_DEED_PLAN_CREATE, ti.name, ti.role, words, sizeof words));
    return 0;
}

/* Refuses when the server plan moved since the last push (diff in res). */
static int push_check_current(ota_backend *remote, const ota_plan *mine, int64_t rev,
                              const char *url, ota_push_result *res, ota_err *e)
{
    ota_plan srv;
    ota_plan_init(&srv);
    if (remote->ops->plan_get(remote, mine->id, &srv, e) < 0)
        return -1;
    int rc = 0;
    if (srv.revision != rev || !ota_plan_is_editable(srv.state)) {
        plan_diff(&srv, mine, res->diff, sizeof res->diff);
        rc = !ota_plan_is_editable(srv.state)
                 ? ota_fail(e, OTA_E_NOT_EDITABLE, "state",
                            "server plan %" PRId64 " at %s is %s now; nothing was pushed", mine->id,
                            url, ota_plan_state_str(srv.state))
                 : ota_fail(e, OTA_E_CONFLICT, "revision",
                            "server plan %" PRId64 " at %s changed since the last push "
                            "(revision %" PRId64 ", pushed %" PRId64 "); nothing was pushed",
                            mine->id, url, srv.revision, rev);
    }
    ota_plan_free(&srv);
    return rc;
}

int ota_plan_push(ota_backend *local, int64_t plan_id, ota_backend *remote, const char *url,
                  ota_push_result *res, ota_err *e)
{
    memset(res, 0, sizeof *res);
    res->local_id = plan_id;
    char mpath[PATH_MAX + 16];
    ota_plan L, S;
    ota_plan_init(&L);
    ota_plan_init(&S);
    json_t *map = NULL;
    int rc = -1;
    if (map_path(local, mpath, sizeof mpath, e) < 0 || local->ops->plan_get(local, plan_id, &L, e) < 0)
        goto done;
    if (push_may(remote, url, e) < 0)
        goto done;
    if (product_on(remote, L.product, NULL, e) < 0) {
        /* only a real "no such product": a 401, 403 or an unreachable
         * server is reported as what it is */
        if (e->code == OTA_E_NOT_FOUND)
            ota_fail(e, OTA_E_NOT_FOUND, "product",
                     "the server %s has no product \"%s\"; create it there first "
                     "(otactl --remote %s product add %s NAME)", url, L.product, url, L.product);
        goto done;
    }
    if (ota_plan_copy(&S, &L) < 0 || !(map = map_load(mpath, e)))
        goto done;
    /* Match packages first (no upload yet), so a refused push writes nothing. */
    bool missing[OTA_MAX_COMPONENTS] = {false};
    for (size_t i = 0; i < L.ncomponents; i++) {
        ota_package p;
        if (local->ops->package_get(local, L.components[i].package_id, &p, e) < 0)
            goto done;
        if (ota_package_find_on(remote, &p, &S.components[i].package_id, e) < 0) {
            if (e->code != OTA_E_NOT_FOUND)
                goto done;
            missing[i] = true;
            S.components[i].package_id = 0;
        }
    }
    json_t *m = map_find(map, &L, url);
    int64_t rev = 0;
    S.id = 0;
    if (m) {
        S.id = json_integer_value(json_object_get(m, "remote"));
        rev = json_integer_value(json_object_get(m, "revision"));
        if (push_check_current(remote, &S, rev, url, res, e) < 0) {
            if (e->code != OTA_E_NOT_FOUND)
                goto done;
            S.id = 0; /* deleted on the server: push makes a new one */
        }
    }
    for (size_t i = 0; i < L.ncomponents; i++) {
        bool copied = false;
        if (!missing[i])
            res->matched++;
        else if (ota_package_copy(local, L.components[i].package_id, remote,
                                  &S.components[i].package_id, &copied, e) < 0)
            goto done;
        res->uploaded += copied;
    }
    if (S.id) {
        S.revision = rev;
        if (remote->ops->plan_update(remote, &S, e) < 0) {
            if (e->code == OTA_E_CONFLICT) { /* lost a race since the check */
                ota_err keep = *e;
                push_check_current(remote, &S, rev, url, res, e);
                *e = keep;
            }
            goto done;
        }
    } else {
        S.state = OTA_PLAN_SAVED;
        if (remote->ops->plan_create(remote, &S, e) < 0)
            goto done;
        res->created = true;
    }
    res->remote_id = S.id;
    res->remote_revision = S.revision;
    rc = map_record(mpath, &L, url, S.id, S.revision, e);
done:
    json_decref(map);
    ota_plan_free(&L);
    ota_plan_free(&S);
    return rc;
}

int ota_plan_pull(ota_backend *remote, int64_t remote_id, const char *url, ota_backend *local,
                  ota_push_result *res, ota_err *e)
{
    memset(res, 0, sizeof *res);
    res->remote_id = remote_id;
    char mpath[PATH_MAX + 16];
    ota_plan S, L;
    ota_plan_init(&S);
    ota_plan_init(&L);
    int rc = -1;
    if (map_path(local, mpath, sizeof mpath, e) < 0 || remote->ops->plan_get(remote, remote_id, &S, e) < 0)
        goto done;
    ota_product prod;
    if (product_on(local, S.product, NULL, e) < 0) {
        /* The local engine is a drafting space: bring the product along. */
        if (e->code != OTA_E_NOT_FOUND || product_on(remote, S.product, &prod, e) < 0 ||
            local->ops->product_add(local, &prod, NULL, e) < 0)
            goto done;
    }
    if (ota_plan_copy(&L, &S) < 0)
        goto done;
    for (size_t i = 0; i < S.ncomponents; i++) {
        bool copied = false;
        if (ota_package_copy(remote, S.components[i].package_id, local, &L.components[i].package_id,
                             &copied, e) < 0)
            goto done;
        res->uploaded += copied;
        res->matched += !copied;
    }
    L.id = 0;
    L.state = OTA_PLAN_SAVED;
    L.paused_reason[0] = '\0';  /* a draft: the server's brake is not its own */
    if (local->ops->plan_create(local, &L, e) < 0)
        goto done;
    res->created = true;
    res->local_id = L.id;
    res->remote_revision = S.revision;
    rc = map_record(mpath, &L, url, remote_id, S.revision, e);
done:
    ota_plan_free(&S);
    ota_plan_free(&L);
    return rc;
}

/* ---------------------------------------------------------------- files */
json_t *ota_plan_export(ota_backend *b, int64_t id, ota_err *e)
{
    ota_plan p;
    ota_plan_init(&p);
    if (b->ops->plan_get(b, id, &p, e) < 0)
        return NULL;
    json_t *pj = ota_json_plan(&p), *pk = json_array();
    static const char *const server_owned[] = {"id", "state", "revision", "created_at",
                                               "updated_at", "activated_at", "paused_from", NULL};
    for (int i = 0; server_owned[i]; i++)
        json_object_del(pj, server_owned[i]);
    for (size_t i = 0; i < p.ncomponents; i++) {
        ota_package pkg;
        if (b->ops->package_get(b, p.components[i].package_id, &pkg, e) < 0) {
            json_decref(pj);
            json_decref(pk);
            ota_plan_free(&p);
            return NULL;
        }
        json_array_append_new(pk, ota_json_package(&pkg));
    }
    ota_plan_free(&p);
    return json_pack("{s:s, s:i, s:o, s:o}", "otaconsole", "plan", "version", 1, "plan", pj,
                     "packages", pk);
}

static int doc_kind(json_t *doc, const char *kind, ota_err *e)
{
    const char *k = json_string_value(json_object_get(doc, "otaconsole"));
    if (!json_is_object(doc) || !k || strcmp(k, kind))
        return ota_fail(e, OTA_E_BAD_REQUEST, "file", "not an otaconsole %s file "
                        "(\"otaconsole\":\"%s\" missing)", kind, kind);
    if (json_integer_value(json_object_get(doc, "version")) != 1)
        return ota_fail(e, OTA_E_BAD_REQUEST, "version", "format version 1 expected");
    return 0;
}

int ota_plan_import(ota_backend *b, json_t *doc, ota_plan *out, ota_err *e)
{
    if (doc_kind(doc, "plan", e) < 0)
        return -1;
    json_t *pj = json_object_get(doc, "plan"), *pk = json_object_get(doc, "packages");
    if (!json_is_array(pk))
        return ota_fail(e, OTA_E_BAD_REQUEST, "packages", "an array of packages is required");
    ota_plan p;
    if (ota_plan_from_json(pj, &p, e) < 0)
        return -1;
    for (size_t i = 0; i < p.ncomponents; i++) {
        ota_package want;
        bool described = false;
        size_t k;
        json_t *it;
        json_array_foreach(pk, k, it) {
            if (json_integer_value(json_object_get(it, "id")) != p.components[i].package_id)
                continue;
            if (ota_package_from_json(it, &want, e) < 0)
                goto fail;
            described = true;
        }
        char field[64], label[400];
        snprintf(field, sizeof field, "components[%zu]", i);
        if (!described) {
            ota_fail(e, OTA_E_BAD_REQUEST, field, "package %" PRId64 " is not described in the file",
                     p.components[i].package_id);
            goto fail;
        }
        if (ota_package_find_on(b, &want, &p.components[i].package_id, e) < 0) {
            if (e->code == OTA_E_NOT_FOUND)
                ota_fail(e, OTA_E_NOT_FOUND, field, "package %s is not here; bring it first "
                         "(otactl package export ID DIR, then otactl package import DIR)",
                         package_label(&want, label, sizeof label));
            goto fail;
        }
    }
    p.id = 0;
    p.revision = 0;
    p.state = OTA_PLAN_SAVED;
    if (b->ops->plan_create(b, &p, e) < 0)
        goto fail;
    *out = p;
    return 0;
fail:
    ota_plan_free(&p);
    return -1;
}

int ota_package_export(ota_backend *b, int64_t id, const char *dir, ota_err *e)
{
    ota_package p;
    if (b->ops->package_get(b, id, &p, e) < 0)
        return -1;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return ota_fail(e, OTA_E_IO, "dir", "%s: %s", dir, strerror(errno));
    char path[PATH_MAX + OTA_FILE_NAME_MAX + 2];
    for (size_t i = 0; i < p.nfiles; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, p.files[i].name);
        if (b->ops->package_download(b, id, p.files[i].name, path, e) < 0)
            return -1;
    }
    json_t *j = ota_json_package(&p);
    json_object_set_new(j, "otaconsole", json_string("package"));
    json_object_set_new(j, "version", json_integer(1));
    snprintf(path, sizeof path, "%s/package.json", dir);
    int rc = json_dump_file(j, path, JSON_INDENT(2));
    json_decref(j);
    if (rc < 0)
        return ota_fail(e, OTA_E_IO, "dir", "%s: cannot write", path);
    return 0;
}

int ota_package_import(ota_backend *b, const char *dir, ota_package *out, bool *existed, ota_err *e)
{
    char path[PATH_MAX + OTA_FILE_NAME_MAX + 2];
    snprintf(path, sizeof path, "%s/package.json", dir);
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return ota_fail(e, OTA_E_BAD_REQUEST, "file", "%s: line %d: %s", path, je.line, je.text);
    ota_package want;
    int rc = doc_kind(j, "package", e);
    json_object_del(j, "otaconsole");
    json_object_del(j, "version");
    if (rc == 0)
        rc = ota_package_from_json(j, &want, e);
    json_decref(j);
    if (rc < 0)
        return -1;
    char paths[OTA_MAX_FILES][sizeof path];
    const char *pv[OTA_MAX_FILES];
    for (size_t i = 0; i < want.nfiles; i++) {
        char hex[65];
        uint64_t size;
        if (ota_validate_file_name(want.files[i].name, e) < 0)
            return -1;
        snprintf(paths[i], sizeof paths[i], "%s/%s", dir, want.files[i].name);
        pv[i] = paths[i];
        if (ota_sha256_file(paths[i], hex, &size, e) < 0)
            return -1;
        if (strcmp(hex, want.files[i].sha256))
            return ota_fail(e, OTA_E_IO, "files", "%s: SHA-256 %s, package.json says %s "
                            "(corrupted on the way); nothing imported", paths[i], hex,
                            want.files[i].sha256);
    }
    *existed = false;
    int64_t id;
    if (ota_package_find_on(b, &want, &id, e) == 0) {
        *existed = true;
        return b->ops->package_get(b, id, out, e);
    }
    if (e->code != OTA_E_NOT_FOUND)
        return -1;
    if (b->ops->package_create(b, &want.meta, pv, want.nfiles, out, e) < 0)
        return -1;
    return check_created(b, &want, out, e);
}
