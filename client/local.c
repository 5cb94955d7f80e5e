/* local.c: the local backend, a thin shell over an embedded ota_engine.
 *
 * Every op forwards to core unchanged, so errors reach the front end exactly
 * as core made them.  The ops with work of their own: package_download
 * copies a stored blob out through a temporary file, re-hashes the copy
 * and only then renames it into place, so a corrupted blob never leaves a
 * file at the destination; the device calls (checkin, job_confirm,
 * job_report) first have core judge the device credentials they were
 * given (ota_backend_local_device_auth), as otad would, and device_enroll
 * presents the product key given. */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

typedef struct local {
    ota_backend base;
    ota_engine *eng;
    char *device_key, *device_token;  /* the device side's credentials, NULL: none */
} local;

static ota_engine *E(ota_backend *b) { return ((local *)b)->eng; }
#define L(b) ((local *)(b))

static void secret_free(char **s)
{
    if (*s)
        sodium_memzero(*s, strlen(*s));
    free(*s);
    *s = NULL;
}

static void local_close(ota_backend *b)
{
    ota_engine_close(E(b));
    secret_free(&L(b)->device_key);
    secret_free(&L(b)->device_token);
    free(b);
}

/* The ops core answers itself: l_<name> calls ota_<name> unchanged. */
#define FORWARD_CORE(name, params, args) \
    static int l_##name(ota_backend *b, OTA_UNPAREN params) \
    { \
        return ota_##name(E(b), OTA_UNPAREN args); \
    }
#define FORWARD_OWN(name, params, args)
#define FORWARD(name, local, params, args) FORWARD_##local(name, params, args)
OTA_BACKEND_OPS(FORWARD)
#undef FORWARD
#undef FORWARD_OWN
#undef FORWARD_CORE

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

/* ------------------------------------------------------ device calls */
/* Nothing given: the local engine's owner speaks, unchecked (as before
 * device identity).  Else core's one check of device requests. */
static bool has_creds(ota_backend *b)
{
    return L(b)->device_key || L(b)->device_token;
}

static int l_checkin(ota_backend *b, const ota_checkin_req *r, ota_job_offer *out, ota_err *e)
{
    if (has_creds(b) &&
        ota_device_authenticate(E(b), r->product, r->device, L(b)->device_key, L(b)->device_token, NULL, e) < 0)
        return -1;
    return ota_checkin(E(b), r, out, e);
}

static int l_job_confirm(ota_backend *b, int64_t job, const char *device, ota_err *e)
{
    if (has_creds(b) &&
        ota_device_authenticate_job(E(b), job, L(b)->device_key, L(b)->device_token, NULL, NULL, e) < 0)
        return -1;
    return ota_job_confirm(E(b), job, device, e);
}

static int l_job_report(ota_backend *b, int64_t job, const char *device, ota_job_state to, int progress,
                        const char *error_text, ota_err *e)
{
    if (has_creds(b) &&
        ota_device_authenticate_job(E(b), job, L(b)->device_key, L(b)->device_token, NULL, NULL, e) < 0)
        return -1;
    return ota_job_report(E(b), job, device, to, progress, error_text, e);
}

static int l_device_enroll(ota_backend *b, const char *product, const char *device, char *token_out, ota_err *e)
{
    return ota_device_enroll(E(b), product, device, L(b)->device_key, token_out, e);
}

static const ota_backend_ops local_ops = {
    .kind = "local",
    .close = local_close,
#define OP(name, local, params, args) .name = l_##name,
    OTA_BACKEND_OPS(OP)
#undef OP
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

int ota_backend_local_device_auth(ota_backend *b, const char *device_key, const char *device_token, ota_err *e)
{
    if (!b || b->ops != &local_ops)
        return ota_fail(e, OTA_E_BAD_REQUEST, NULL, "not a local backend");
    local *l = L(b);
    secret_free(&l->device_key);
    secret_free(&l->device_token);
    if ((device_key && *device_key && !(l->device_key = strdup(device_key))) ||
        (device_token && *device_token && !(l->device_token = strdup(device_token)))) {
        secret_free(&l->device_key);
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    }
    return 0;
}
