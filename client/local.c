/* local.c: the local backend, a thin shell over an embedded ota_engine.
 *
 * Every op forwards to core unchanged, so errors reach the front end exactly
 * as core made them.  The one op with work of its own is package_download:
 * it copies a stored blob out through a temporary file, re-hashes the copy
 * and only then renames it into place, so a corrupted blob never leaves a
 * file at the destination. */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct local {
    ota_backend base;
    ota_engine *eng;
} local;

static ota_engine *E(ota_backend *b) { return ((local *)b)->eng; }

static void local_close(ota_backend *b)
{
    ota_engine_close(E(b));
    free(b);
}

static int l_product_add(ota_backend *b, const ota_product *p, char *key, ota_err *e)
{
    return ota_product_add(E(b), p, key, e);
}

static int l_product_list_all(ota_backend *b, ota_product_list *out, ota_err *e)
{
    return ota_product_list_all(E(b), out, e);
}

static int l_device_import(ota_backend *b, const char *product, const char *path,
                           ota_import_result *res, ota_err *e)
{
    return ota_device_import(E(b), product, path, res, e);
}

static int l_device_list(ota_backend *b, const char *product, const char *q, const ota_page_req *pg,
                         ota_device_page *out, ota_err *e)
{
    return ota_device_list(E(b), product, q, pg, out, e);
}

static int l_device_detail(ota_backend *b, const char *product, const char *id, ota_device *out,
                        json_t **attrs, ota_err *e)
{
    return ota_device_detail(E(b), product, id, out, attrs, e);
}

static int l_package_create(ota_backend *b, const ota_package_meta *m, const char *const *paths,
                            size_t n, ota_package *out, ota_err *e)
{
    return ota_package_create(E(b), m, paths, n, out, e);
}

static int l_package_get(ota_backend *b, int64_t id, ota_package *out, ota_err *e)
{
    return ota_package_get(E(b), id, out, e);
}

static int l_package_list(ota_backend *b, const char *component, const ota_page_req *pg,
                          ota_package_page *out, ota_err *e)
{
    return ota_package_list(E(b), component, pg, out, e);
}

static int l_package_verify(ota_backend *b, int64_t id, ota_verify_result *out, ota_err *e)
{
    return ota_package_verify(E(b), id, out, e);
}

static int l_package_delete(ota_backend *b, int64_t id, ota_err *e)
{
    return ota_package_delete(E(b), id, e);
}

/* Copies src to the open fd; 0 or -1 with an io_error naming what failed. */
static int copy_to_fd(const char *src, int fd, const char *dest, ota_err *e)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return ota_fail(e, OTA_E_IO, "file", "cannot read stored blob %s: %s", src, strerror(errno));
    char buf[1 << 16];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0) {
        for (size_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = ota_fail(e, OTA_E_IO, "dest", "cannot write %s: %s", dest, strerror(errno));
                break;
            }
            off += (size_t)w;
        }
    }
    if (rc == 0 && ferror(in))
        rc = ota_fail(e, OTA_E_IO, "file", "cannot read stored blob %s", src);
    fclose(in);
    if (rc == 0 && fsync(fd) < 0)
        rc = ota_fail(e, OTA_E_IO, "dest", "cannot sync %s: %s", dest, strerror(errno));
    return rc;
}

static int l_package_download(ota_backend *b, int64_t id, const char *name, const char *dest,
                              ota_err *e)
{
    ota_package p;
    if (ota_package_get(E(b), id, &p, e) < 0)
        return -1;
    const ota_file *f = NULL;
    for (size_t i = 0; i < p.nfiles && !f; i++)
        if (!strcmp(p.files[i].name, name))
            f = &p.files[i];
    if (!f)
        return ota_fail(e, OTA_E_NOT_FOUND, "file", "package %lld has no file named \"%s\"",
                        (long long)id, name);
    char src[PATH_MAX], tmp[PATH_MAX];
    if (ota_blob_path(E(b), f->sha256, src, sizeof src) < 0)
        return ota_fail(e, OTA_E_INTERNAL, "file", "blob path too long");
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.part-XXXXXX", dest) >= sizeof tmp)
        return ota_fail(e, OTA_E_BAD_REQUEST, "dest", "path too long");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return ota_fail(e, OTA_E_IO, "dest", "cannot create a file next to %s: %s", dest, strerror(errno));
    int rc = copy_to_fd(src, fd, dest, e);
    if (close(fd) < 0 && rc == 0)
        rc = ota_fail(e, OTA_E_IO, "dest", "cannot close %s: %s", dest, strerror(errno));
    char hex[65];
    uint64_t size = 0;
    if (rc == 0 && ota_sha256_file(tmp, hex, &size, e) < 0)
        rc = -1;
    if (rc == 0 && (strcmp(hex, f->sha256) || size != f->size))
        rc = ota_fail(e, OTA_E_IO, "file", "%s: stored bytes do not match the recorded SHA-256 "
                      "(blob corrupted); nothing written", f->name);
    if (rc == 0 && rename(tmp, dest) < 0)
        rc = ota_fail(e, OTA_E_IO, "dest", "cannot rename into %s: %s", dest, strerror(errno));
    if (rc < 0)
        unlink(tmp);
    return rc;
}

static int l_plan_create(ota_backend *b, ota_plan *p, ota_err *e) { return ota_plan_create(E(b), p, e); }

static int l_plan_get(ota_backend *b, int64_t id, ota_plan *out, ota_err *e)
{
    return ota_plan_get(E(b), id, out, e);
}

static int l_plan_list(ota_backend *b, int state, const char *product, const ota_page_req *pg,
                       ota_plan_page *out, ota_err *e)
{
    return ota_plan_list(E(b), state, product, pg, out, e);
}

static int l_plan_update(ota_backend *b, ota_plan *p, ota_err *e) { return ota_plan_update(E(b), p, e); }

static int l_plan_delete(ota_backend *b, int64_t id, ota_err *e) { return ota_plan_delete(E(b), id, e); }

static int l_plan_copy_components(ota_backend *b, int64_t from, int64_t to, ota_plan *out, ota_err *e)
{
    return ota_plan_copy_components(E(b), from, to, out, e);
}

static int l_plan_transition(ota_backend *b, int64_t id, ota_action a, ota_plan *out, ota_err *e)
{
    return ota_plan_transition(E(b), id, a, out, e);
}

static int l_plan_preview(ota_backend *b, int64_t id, ota_preview *out, ota_err *e)
{
    return ota_plan_preview(E(b), id, out, e);
}

static int l_plan_status_get(ota_backend *b, int64_t id, ota_plan_status *out, ota_err *e)
{
    return ota_plan_status_get(E(b), id, out, e);
}

static int l_plan_devices(ota_backend *b, int64_t id, int state, const ota_page_req *pg,
                          ota_job_page *out, ota_err *e)
{
    return ota_plan_devices(E(b), id, state, pg, out, e);
}

static int l_plan_events(ota_backend *b, int64_t id, int64_t since, int limit, ota_event_page *out,
                         ota_err *e)
{
    return ota_plan_events(E(b), id, since, limit, out, e);
}

static int l_checkin(ota_backend *b, const ota_checkin_req *r, ota_job_offer *out, ota_err *e)
{
    return ota_checkin(E(b), r, out, e);
}

static int l_job_confirm(ota_backend *b, int64_t job, const char *device, ota_err *e)
{
    return ota_job_confirm(E(b), job, device, e);
}

static int l_job_report(ota_backend *b, int64_t job, const char *device, ota_job_state to, int progress,
                        const char *error_text, ota_err *e)
{
    return ota_job_report(E(b), job, device, to, progress, error_text, e);
}

static int l_package_sign_add(ota_backend *b, int64_t id, const ota_signature *sig, ota_package *out, ota_err *e)
{
    return ota_package_sign_add(ota_backend_local_engine(b), id, sig, out, e);
}

static int l_audit_list(ota_backend *b, const ota_audit_query *q, ota_audit_page *out, ota_err *e)
{
    return ota_audit_list(ota_backend_local_engine(b), q, out, e);
}

static const ota_backend_ops local_ops = {
    .kind = "local",
    .close = local_close,
    .product_add = l_product_add,
    .product_list_all = l_product_list_all,
    .device_import = l_device_import,
    .device_list = l_device_list,
    .device_detail = l_device_detail,
    .package_create = l_package_create,
    .package_get = l_package_get,
    .package_list = l_package_list,
    .package_verify = l_package_verify,
    .package_delete = l_package_delete,
    .package_download = l_package_download,
    .plan_create = l_plan_create,
    .plan_get = l_plan_get,
    .plan_list = l_plan_list,
    .plan_update = l_plan_update,
    .plan_delete = l_plan_delete,
    .plan_copy_components = l_plan_copy_components,
    .plan_transition = l_plan_transition,
    .plan_preview = l_plan_preview,
    .plan_status_get = l_plan_status_get,
    .plan_devices = l_plan_devices,
    .plan_events = l_plan_events,
    .checkin = l_checkin,
    .job_confirm = l_job_confirm,
    .job_report = l_job_report,
    .package_sign_add = l_package_sign_add,
    .audit_list = l_audit_list,
};

ota_backend *ota_backend_local_open(const char *db_path, const char *blob_dir, ota_clock clock,
                                    ota_err *e)
{
    local *l = calloc(1, sizeof *l);
    if (!l) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    ota_engine_opts o = {.db_path = db_path, .blob_dir = blob_dir, .clock = clock};
    l->eng = ota_engine_open(&o, e);
    if (!l->eng) {
        free(l);
        return NULL;
    }
    l->base.ops = &local_ops;
    snprintf(l->base.where, sizeof l->base.where, "local: %s", ota_engine_db_path(l->eng));
    return &l->base;
}

ota_engine *ota_backend_local_engine(ota_backend *b)
{
    return b && b->ops == &local_ops ? E(b) : NULL;
}
