/* POST /api/v1/packages: a multipart body streamed part by part into the
 * blob store while hashing.  Limits are enforced the moment they are seen
 * (a 6th file at its headers, a bad name at its headers, a file passing
 * 100 MiB at the byte that passes it), and every writer still open when the
 * request fails or the client goes away is aborted, removing its temporary
 * file.  Finished blobs that the failed request itself created are removed
 * too, so a refused or interrupted upload leaves nothing behind. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "multipart.h"
#include "otad.h"

#define META_MAX (64 * 1024)

struct upload {
    mp_parser mp;
    otad *srv;
    enum { PART_NONE, PART_META, PART_FILE } part;
    char *meta;
    size_t meta_len;
    bool have_meta;
    ota_package_meta m;
    ota_blob_writer *w;              /* the file part being written */
    char names[OTA_MAX_FILES][OTA_FILE_NAME_MAX + 1];
    ota_file files[OTA_MAX_FILES];   /* finished parts */
    bool fresh[OTA_MAX_FILES];       /* blob did not exist before this upload */
    size_t nfiles;                   /* file parts seen (including the open one) */
    size_t nfinished;
    bool committed;                  /* package row created: keep the blobs */
};

static int up_part_begin(void *ctx, const char *name, const char *filename, ota_err *e)
{
    struct upload *u = ctx;
    if (!strcmp(name, "meta")) {
        if (u->have_meta || u->meta)
            return ota_fail(e, OTA_E_BAD_REQUEST, "meta", "only one meta part is allowed");
        u->part = PART_META;
        u->meta = malloc(META_MAX + 1);
        u->meta_len = 0;
        return u->meta ? 0 : ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    }
    if (strcmp(name, "file"))
        return ota_fail(e, OTA_E_BAD_REQUEST, name, "unknown part; expected 'meta' and 'file' parts");
    if (!filename[0])
        return ota_fail(e, OTA_E_BAD_REQUEST, "file", "a file part needs a filename");
    if (ota_validate_file_count(u->nfiles + 1, e) < 0)
        return -1;
    if (ota_validate_file_name(filename, e) < 0)
        return -1;
    for (size_t i = 0; i < u->nfiles; i++)
        if (!strcmp(u->names[i], filename))
            return ota_fail(e, OTA_E_VALIDATION, "files", "%s: file name given twice", filename);
    u->w = ota_blob_begin(u->srv->eng, filename, e);
    if (!u->w)
        return -1;
    snprintf(u->names[u->nfiles], sizeof u->names[0], "%s", filename);
    u->nfiles++;
    u->part = PART_FILE;
    return 0;
}

static int up_part_data(void *ctx, const char *data, size_t len, ota_err *e)
{
    struct upload *u = ctx;
    if (u->part == PART_META) {
        if (u->meta_len + len > META_MAX)
            return ota_fail(e, OTA_E_TOO_LARGE, "meta", "the meta part is larger than %d bytes", META_MAX);
        memcpy(u->meta + u->meta_len, data, len);
        u->meta_len += len;
        return 0;
    }
    atomic_fetch_add(&u->srv->m.upload_bytes, len);
    return ota_blob_write(u->w, data, len, e);
}

static bool blob_exists(otad *s, const char *sha)
{
    char path[4200];
    return ota_blob_path(s->eng, sha, path, sizeof path) == 0 && access(path, F_OK) == 0;
}

static int up_part_end(void *ctx, ota_err *e)
{
    struct upload *u = ctx;
    if (u->part == PART_META) {
        json_t *j = ota_json_parse(u->meta, u->meta_len, e);
        free(u->meta);
        u->meta = NULL;
        if (!j)
            return -1;
        memset(&u->m, 0, sizeof u->m);
        int rc = ota_package_meta_from_json(j, &u->m, e);
        json_decref(j);
        if (rc < 0 || ota_validate_package_meta(&u->m, e) < 0)
            return -1;
        u->have_meta = true;
    } else if (u->part == PART_FILE) {
        /* Whether these bytes were already stored (another package's blob)
         * must be known before the writer moves them into place: only a blob
         * this upload created may be removed if the package is refused. */
        size_t i = u->nfinished;
        ota_blob_writer *w = u->w;
        u->w = NULL;
        ota_file f;
        memset(&f, 0, sizeof f);
        if (ota_blob_hashes(w, &f, e) < 0) {
            ota_blob_abort(w);
            return -1;
        }
        bool fresh = !blob_exists(u->srv, f.sha256);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(u->files[k].sha256, f.sha256))
                fresh = false;  /* same bytes twice: removed once, by the first */
        if (ota_blob_finish(w, &f, e) < 0)
            return -1;
        u->nfinished++;
        u->files[i] = f;
        memcpy(u->files[i].name, u->names[i], sizeof u->files[i].name);
        u->fresh[i] = fresh;
    }
    u->part = PART_NONE;
    return 0;
}

int upload_begin(req *r, ota_err *e)
{
    struct upload *u = calloc(1, sizeof *u);
    if (!u)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    u->srv = r->srv;
    static const mp_callbacks cb = {up_part_begin, up_part_data, up_part_end};
    if (mp_init(&u->mp, req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE), &cb, u, e) < 0) {
        free(u);
        return -1;
    }
    r->up = u;
    return 0;
}

int upload_feed(req *r, const char *data, size_t len, ota_err *e)
{
    return mp_feed(&r->up->mp, data, len, e);
}

/* Frees the upload; unless the package was created, nothing it wrote stays. */
void upload_free(req *r)
{
    struct upload *u = r->up;
    if (!u)
        return;
    r->up = NULL;
    if (u->w)
        ota_blob_abort(u->w);
    if (!u->committed) {
        for (size_t i = 0; i < u->nfinished; i++) {
            char path[4200];
            if (u->fresh[i] && ota_blob_path(u->srv->eng, u->files[i].sha256, path, sizeof path) == 0)
                unlink(path);
        }
    }
    free(u->meta);
    mp_free(&u->mp);
    free(u);
}

/* The route's handler: the body has ended. */
MHD_RESULT_T h_package_upload_done(req *r)
{
    struct upload *u = r->up;
    ota_err e;
    ota_err_clear(&e);
    if (mp_finish(&u->mp, &e) < 0)
        goto fail;
    if (!u->have_meta) {
        ota_fail(&e, OTA_E_BAD_REQUEST, "meta", "a 'meta' part with the package JSON is required");
        goto fail;
    }
    if (ota_validate_file_count(u->nfinished, &e) < 0)
        goto fail;
    ota_package pkg;
    if (ota_package_create_from_blobs(r->srv->eng, &u->m, u->files, u->nfinished, &pkg, &e) < 0)
        goto fail;
    u->committed = true;
    for (size_t i = 0; i < u->nfinished; i++)
        package_blob_verified(r->srv, &u->files[i]);
    upload_free(r);
    json_t *j = ota_json_package(&pkg);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return reply_fail(r, OTA_E_INTERNAL, NULL, "out of memory");
    size_t n = strlen(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/packages/%lld", (long long)pkg.id);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
    r->bytes = n;
    return reply_response(r, 201, resp);
fail:
    upload_free(r);
    return reply_error(r, &e);
}
