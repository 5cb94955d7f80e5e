/* Version packages: stored packages and their files (core/store.h) over
 * blobs in the blob store.  The package is stored only after every blob is
 * in place, so a package the store lists always has its bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"
#include "store.h"

/* Re-label a file rule's failure with the file's position ("files[2]"). */
static int file_refield(ota_err *e, size_t i)
{
    if (e)
        snprintf(e->field, sizeof e->field, "files[%zu]", i);
    return -1;
}

/* The rules every new package obeys, whatever its origin. */
static int check_files(const ota_package_meta *m, const ota_file *files, size_t n, ota_err *e)
{
    if (ota_validate_package_meta(m, e) < 0 || ota_validate_file_count(n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (ota_validate_file_name(files[i].name, e) < 0 ||
            ota_validate_file_size(files[i].name, files[i].size, e) < 0)
            return file_refield(e, i);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(files[j].name, files[i].name))
                return ota_fail(e, OTA_E_VALIDATION, "", "\"%s\": each file name at most once per package",
                                files[i].name), file_refield(e, i);
    }
    return 0;
}

/* ----------------------------------------------------------------- create */

static int package_create_blobs(ota_engine *eng, const ota_package_meta *m, const ota_file *files,
                                size_t nfiles, ota_package *out, ota_err *e);

static int blobs_present(ota_engine *eng, const ota_file *files, size_t n, ota_err *e)
{
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX + 80];
        struct stat sb;
        if (ota_blob_path(eng, files[i].sha256, path, sizeof path) < 0)
            return ota_fail(e, OTA_E_VALIDATION, "", "\"%s\": sha256 must be 64 lowercase hex digits",
                            files[i].name), file_refield(e, i);
        if (stat(path, &sb) < 0 || (uint64_t)sb.st_size != files[i].size)
            return ota_fail(e, OTA_E_IO, "", "\"%s\": no stored blob of %llu bytes with that SHA-256",
                            files[i].name, (unsigned long long)files[i].size), file_refield(e, i);
    }
    return 0;
}

static void blob_collect(ota_engine *eng, const char *sha256);

/* A refused create removes the blobs it stored that no package names. */
static void blobs_collect(ota_engine *eng, const ota_file *files, size_t n)
{
    ENGINE_LOCK(eng);
    for (size_t i = 0; i < n; i++)
        blob_collect(eng, files[i].sha256);
    ENGINE_UNLOCK(eng);
}

/* Audited: one row per create, with the new id or the refusal. */
int ota_package_create_from_blobs(ota_engine *eng, const ota_package_meta *m, const ota_file *files,
                                  size_t nfiles, ota_package *out, ota_err *e)
{
    ota_package p;
    int rc = package_create_blobs(eng, m, files, nfiles, &p, e);
    char detail[200];
    snprintf(detail, sizeof detail, "%.64s %.64s (%s), %zu file%s", m->component, m->target_version,
             ota_kind_str(m->kind), nfiles, nfiles == 1 ? "" : "s");
    if (rc == 0)
        audit_note(eng, "package.create", 0, e, detail, "package:%lld", (long long)p.id);
    else
        audit_note(eng, "package.create", rc, e, NULL, "component:%.64s", m->component);
    if (rc == 0 && out)
        *out = p;
    return rc;
}

static int package_create_blobs(ota_engine *eng, const ota_package_meta *m, const ota_file *files,
                                size_t nfiles, ota_package *out, ota_err *e)
{
    if (check_files(m, files, nfiles, e) < 0)
        return -1;
    /* The blobs must be in place before the row names them; checked under
     * the lock, so a delete collecting an unnamed blob cannot slip between. */
    ENGINE_LOCK(eng);
    int64_t id = 0, now = ota_engine_now(eng);
    int rc = blobs_present(eng, files, nfiles, e);
    if (rc == 0)
        rc = store_package_insert(eng, m, files, nfiles, now, &id, e);
    ENGINE_UNLOCK(eng);
    if (rc == 0 && out) {
        memset(out, 0, sizeof *out);
        out->id = id;
        out->meta = *m;
        out->created_at = now;
        memcpy(out->files, files, nfiles * sizeof *files);
        out->nfiles = nfiles;
    }
    return rc;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Copy one local file into the blob store through a writer. */
static int blob_copy(ota_engine *eng, const char *path, ota_file *out, ota_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ota_fail(e, OTA_E_IO, "files", "cannot open %s: %s", path, strerror(errno));
    ota_blob_writer *w = ota_blob_begin(eng, base_name(path), e);
    if (!w) {
        close(fd);
        return -1;
    }
    int rc = blob_write_fd(w, fd, path, e);
    close(fd);
    if (rc < 0) {
        ota_blob_abort(w);
        return -1;
    }
    return ota_blob_finish(w, out, e);
}

static int package_create_files(ota_engine *eng, const ota_package_meta *m, const char *const *paths,
                                size_t npaths, ota_file files[OTA_MAX_FILES], ota_err *e);

int ota_package_create(ota_engine *eng, const ota_package_meta *m, const char *const *paths,
                       size_t npaths, ota_package *out, ota_err *e)
{
    ota_file files[OTA_MAX_FILES] = {0};
    /* Refusals before the blobs are stored are recorded here; the rest by
     * ota_package_create_from_blobs. */
    if (package_create_files(eng, m, paths, npaths, files, e) < 0) {
        audit_note(eng, "package.create", -1, e, NULL, "component:%.64s", m->component);
        return -1;
    }
    if (ota_package_create_from_blobs(eng, m, files, npaths, out, e) < 0) {
        blobs_collect(eng, files, npaths);
        return -1;
    }
    return 0;
}

static int package_create_files(ota_engine *eng, const ota_package_meta *m, const char *const *paths,
                                size_t npaths, ota_file files[OTA_MAX_FILES], ota_err *e)
{
    /* Check everything first (meta, count, names, sizes), then copy. */
    if (ota_validate_package_meta(m, e) < 0 || ota_validate_file_count(npaths, e) < 0)
        return -1;
    for (size_t i = 0; i < npaths; i++) {
        const char *name = base_name(paths[i]);
        struct stat sb;
        if (ota_validate_file_name(name, e) < 0)
            return file_refield(e, i);
        if (stat(paths[i], &sb) < 0)
            return ota_fail(e, OTA_E_IO, "", "cannot read %s: %s", paths[i], strerror(errno)),
                   file_refield(e, i);
        if (!S_ISREG(sb.st_mode))
            return ota_fail(e, OTA_E_VALIDATION, "", "%s is not a regular file", paths[i]),
                   file_refield(e, i);
        snprintf(files[i].name, sizeof files[i].name, "%s", name);
        files[i].size = (uint64_t)sb.st_size;
    }
    if (check_files(m, files, npaths, e) < 0)
        return -1;
    for (size_t i = 0; i < npaths; i++)
        if (blob_copy(eng, paths[i], &files[i], e) < 0) {
            blobs_collect(eng, files, i);
            return file_refield(e, i);
        }
    return 0;
}

/* ---------------------------------------------------------------- reading */

/* Caller holds the lock. */
static int package_load(ota_engine *eng, int64_t id, ota_package *out, ota_err *e)
{
    return store_package_get(eng, id, out, e) < 0 ? -1 : sign_load(eng, out, e);
}

int ota_package_get(ota_engine *eng, int64_t id, ota_package *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = package_load(eng, id, out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

/* Newest first: ordered by id descending (ids grow with creation).  The
 * cursor is the id of the last package shown; the next page starts below it. */
int ota_package_list(ota_engine *eng, const char *component, const ota_page_req *pg,
                     ota_package_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req req;
    int64_t before;
    if (store_page_begin(&req, pg, &before, (void **)&out->items, sizeof *out->items, e) < 0)
        return -1;
    int rc = -1;
    bool more;
    ENGINE_LOCK(eng);
    if (store_package_list(eng, component, before, req.limit, out->items, &out->n, &more, e) < 0)
        goto out;
    for (size_t i = 0; i < out->n; i++)
        if (sign_load(eng, &out->items[i], e) < 0)
            goto out;
    if (more && out->n)
        snprintf(out->next_cursor, sizeof out->next_cursor, "%lld", (long long)out->items[out->n - 1].id);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        ota_package_page_free(out);
    return rc;
}

void ota_package_page_free(ota_package_page *p)
{
    free(p->items);
    p->items = NULL;
    p->n = 0;
    p->next_cursor[0] = 0;
}

/* Re-hashes outside the lock: verifying 500 MiB must not stall check-ins. */
int ota_package_verify(ota_engine *eng, int64_t id, ota_verify_result *out, ota_err *e)
{
    ota_package p;
    if (ota_package_get(eng, id, &p, e) < 0)
        return -1;
    memset(out, 0, sizeof *out);
    out->ok = true;
    out->nfiles = p.nfiles;
    for (size_t i = 0; i < p.nfiles; i++) {
        ota_err fe = {0};
        snprintf(out->files[i].name, sizeof out->files[i].name, "%s", p.files[i].name);
        out->files[i].ok = ota_blob_verify(eng, &p.files[i], &fe) == 0;
        if (!out->files[i].ok) {
            out->ok = false;
            /* the message may be longer than the slot: keep its start */
            size_t n = strnlen(fe.message, sizeof out->files[i].error - 1);
            memcpy(out->files[i].error, fe.message, n);
            out->files[i].error[n] = 0;
        }
    }
    return 0;
}

/* ----------------------------------------------------------------- delete */

/* in_use when a plan past saved uses the package; the message names plans. */
static int package_check_unused(ota_engine *eng, int64_t id, ota_err *e)
{
    store_plan_use use[5];
    size_t n;
    if (store_package_users(eng, id, use, 5, &n, e) < 0)
        return -1;
    if (!n)
        return 0;
    char names[200] = "";
    size_t off = 0;
    for (size_t i = 0; i < n && i < 5 && off < sizeof names; i++)
        off += (size_t)snprintf(names + off, sizeof names - off, "%s%lld (%s)", off ? ", " : "",
                                (long long)use[i].plan, ota_plan_state_str(use[i].state));
    return ota_fail(e, OTA_E_IN_USE, "id", "package %lld is used by %s %s%s", (long long)id,
                    n == 1 ? "plan" : "plans", names, n > 5 ? ", ..." : "");
}

/* A blob no package names any more is removed (content addressed: another
 * package with the same bytes keeps it). */
static void blob_collect(ota_engine *eng, const char *sha256)
{
    char path[PATH_MAX + 80];
    if (store_package_file_named(eng, sha256, NULL) == 0 && ota_blob_path(eng, sha256, path, sizeof path) == 0)
        unlink(path);
}

static int package_delete(ota_engine *eng, int64_t id, ota_err *e);

int ota_package_delete(ota_engine *eng, int64_t id, ota_err *e)
{
    int rc = package_delete(eng, id, e);
    if (rc == 0)
        sign_cache_bump(eng);  /* the id may come back with other signatures */
    audit_note(eng, "package.delete", rc, e, NULL, "package:%lld", (long long)id);
    return rc;
}

/* Saved plans that list the package lose that component (a new revision
 * each), then the package goes, then the blobs no other package names. */
static int package_delete(ota_engine *eng, int64_t id, ota_err *e)
{
    ota_package p;
    int64_t plans[64];
    size_t nplans = 0;
    ENGINE_LOCK(eng);
    int rc = package_load(eng, id, &p, e);
    if (rc == 0)
        rc = package_check_unused(eng, id, e);
    if (rc == 0)
        rc = store_package_delete(eng, id, ota_engine_now(eng), plans, 64, &nplans, e);
    if (rc == 0) {
        for (size_t i = 0; i < p.nfiles; i++)
            blob_collect(eng, p.files[i].sha256);
        for (size_t i = 0; i < nplans; i++)
            rollout_invalidate(eng, plans[i]);
    }
    ENGINE_UNLOCK(eng);
    return rc;
}

/* ------------------------------------------------------------------ find */

int ota_package_find_same(ota_engine *eng, const ota_package *like, int64_t *id_out, ota_err *e)
{
    const ota_package_meta *m = &like->meta;
    int rc = -1;
    ENGINE_LOCK(eng);
    int64_t ids[256];
    size_t n;
    if (store_package_find_meta(eng, m, ids, 256, &n, e) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        ota_package p;
        if (package_load(eng, ids[i], &p, e) < 0)
            goto out;
        bool same = p.nfiles == like->nfiles;
        for (size_t k = 0; same && k < p.nfiles; k++)
            same = !strcmp(p.files[k].sha256, like->files[k].sha256) &&
                   !strcmp(p.files[k].name, like->files[k].name);
        if (same) {
            *id_out = p.id;
            rc = 0;
            goto out;
        }
    }
    ota_fail(e, OTA_E_NOT_FOUND, "id", "no package of %s %s with the same files", m->component,
             m->target_version);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}
