/* Packages over HTTP: list, get, delete, verify, and file downloads with
 * ETag (the SHA-256) and single byte ranges.  A file's bytes are checked
 * against its recorded hash before any of them is served; a blob that no
 * longer matches answers 500 io_error and is logged, never sent. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "otad.h"

MHD_RESULT_T h_packages_list(req *r)
{
    ota_err e;
    ota_page_req pg;
    if (req_page(r, &pg, &e) < 0)
        return reply_error(r, &e);
    const char *comp = req_query(r, "component");
    ota_package_page page;
    memset(&page, 0, sizeof page);
    if (ota_package_list(r->srv->eng, comp && *comp ? comp : NULL, &pg, &page, &e) < 0)
        return reply_error(r, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, ota_json_package(&page.items[i]));
    json_t *out = ota_json_page(items, page.next_cursor[0] ? page.next_cursor : NULL);
    ota_package_page_free(&page);
    return reply_json(r, 200, out);
}

MHD_RESULT_T h_package_get(req *r)
{
    ota_err e;
    int64_t id;
    ota_package p;
    if (req_param_id(r, 0, &id, &e) < 0 || ota_package_get(r->srv->eng, id, &p, &e) < 0)
        return reply_error(r, &e);
    return reply_json(r, 200, ota_json_package(&p));
}

MHD_RESULT_T h_package_delete(req *r)
{
    ota_err e;
    int64_t id;
    if (req_param_id(r, 0, &id, &e) < 0 || ota_package_delete(r->srv->eng, id, &e) < 0)
        return reply_error(r, &e);
    return reply_empty(r, 204);
}

MHD_RESULT_T h_package_verify(req *r)
{
    ota_err e;
    int64_t id;
    ota_verify_result v;
    memset(&v, 0, sizeof v);
    if (req_param_id(r, 0, &id, &e) < 0 || ota_package_verify(r->srv->eng, id, &v, &e) < 0)
        return reply_error(r, &e);
    return reply_json(r, 200, ota_json_verify(&v));
}

/* ----------------------------------------------------- verified reads */
/* Re-hashing 100 MiB for every device that downloads it would make each
 * download cost a full hash: a verdict is remembered for the exact file
 * identity (inode, size, mtime, ctime) it was computed on.  Any write to
 * the file changes its ctime, so a changed blob is always hashed again. */
#define VCACHE 64
static struct vc_entry {
    char sha[65];
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
} vcache[VCACHE];
static pthread_mutex_t vc_mu = PTHREAD_MUTEX_INITIALIZER;

static bool vc_same(const struct vc_entry *v, const char *sha, const struct stat *st)
{
    return !strcmp(v->sha, sha) && v->dev == st->st_dev && v->ino == st->st_ino && v->size == st->st_size &&
           v->mtim.tv_sec == st->st_mtim.tv_sec && v->mtim.tv_nsec == st->st_mtim.tv_nsec &&
           v->ctim.tv_sec == st->st_ctim.tv_sec && v->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

static unsigned vc_slot(const char *sha)
{
    unsigned slot = 0;
    for (int i = 0; i < 16 && sha[i]; i++)
        slot = slot * 31 + (unsigned char)sha[i];
    return slot % VCACHE;
}

static void vc_store(const char *sha, const struct stat *st)
{
    pthread_mutex_lock(&vc_mu);
    struct vc_entry *v = &vcache[vc_slot(sha)];
    snprintf(v->sha, sizeof v->sha, "%s", sha);
    v->dev = st->st_dev;
    v->ino = st->st_ino;
    v->size = st->st_size;
    v->mtim = st->st_mtim;
    v->ctim = st->st_ctim;
    pthread_mutex_unlock(&vc_mu);
}

static int blob_check(otad *s, const ota_file *f, const struct stat *st, ota_err *e)
{
    pthread_mutex_lock(&vc_mu);
    bool hit = vc_same(&vcache[vc_slot(f->sha256)], f->sha256, st);
    pthread_mutex_unlock(&vc_mu);
    if (hit)
        return 0;
    if (ota_blob_verify(s->eng, f, e) < 0)
        return -1;
    vc_store(f->sha256, st);
    return 0;
}

/* An upload hashed these bytes while writing them: the blob as it is now
 * (its identity taken after it moved into place) needs no second hash
 * before its first download. */
void package_blob_verified(otad *s, const ota_file *f)
{
    char path[4200];
    struct stat st;
    if (ota_blob_path(s->eng, f->sha256, path, sizeof path) == 0 && stat(path, &st) == 0 &&
        (uint64_t)st.st_size == f->size)
        vc_store(f->sha256, &st);
}

/* "bytes=a-b" | "bytes=a-" | "bytes=-n" -> [*off, *off+*len).  Returns 1 for
 * a usable range, 0 to ignore the header (serve everything), -1 when
 * unsatisfiable. */
static int range_parse(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
    if (strncmp(h, "bytes=", 6) || strchr(h, ','))
        return 0;  /* other units and multiple ranges: full answer (RFC 9110 allows) */
    const char *s = h + 6;
    char *end;
    if (*s == '-') {
        errno = 0;
        unsigned long long n = strtoull(s + 1, &end, 10);
        if (*end || errno || s[1] < '0' || s[1] > '9')
            return 0;
        if (n == 0)
            return -1;
        if (n > size)
            n = size;
        *off = size - n;
        *len = n;
        return size ? 1 : -1;
    }
    if (*s < '0' || *s > '9')
        return 0;
    errno = 0;
    unsigned long long a = strtoull(s, &end, 10);
    if (errno || *end != '-')
        return 0;
    unsigned long long b = size ? size - 1 : 0;
    if (end[1]) {
        const char *bs = end + 1;
        if (*bs < '0' || *bs > '9')
            return 0;
        b = strtoull(bs, &end, 10);
        if (*end || errno)
            return 0;
        if (b < a)
            return 0;
        if (b >= size)
            b = size - 1;
    }
    if (a >= size)
        return -1;
    *off = a;
    *len = b - a + 1;
    return 1;
}

MHD_RESULT_T h_package_file(req *r)
{
    ota_err e;
    int64_t id;
    ota_package p;
    if (req_param_id(r, 0, &id, &e) < 0 || ota_package_get(r->srv->eng, id, &p, &e) < 0)
        return reply_error(r, &e);
    const ota_file *f = NULL;
    for (size_t i = 0; i < p.nfiles; i++)
        if (!strcmp(p.files[i].name, r->params[1]))
            f = &p.files[i];
    if (!f)
        return reply_fail(r, OTA_E_NOT_FOUND, "name", "package %lld has no file named '%s'", (long long)id,
                          r->params[1]);
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s\"", f->sha256);
    const char *inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && (!strcmp(inm, etag) || !strcmp(inm, "*"))) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
        return reply_response(r, 304, resp);
    }
    char path[4200];
    ota_blob_path(r->srv->eng, f->sha256, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return reply_fail(r, OTA_E_IO, "sha256", "%s: stored blob %s is missing: %s", f->name, f->sha256,
                          strerror(errno));
    }
    if ((uint64_t)st.st_size != f->size || blob_check(r->srv, f, &st, &e) < 0) {
        close(fd);
        if ((uint64_t)st.st_size != f->size)
            ota_fail(&e, OTA_E_IO, "sha256", "%s: stored blob is %lld bytes, expected %" PRIu64 "; not served",
                     f->name, (long long)st.st_size, f->size);
        return reply_error(r, &e);
    }

    uint64_t off = 0, len = f->size;
    unsigned status = 200;
    const char *rh = req_header(r, MHD_HTTP_HEADER_RANGE);
    const char *ifr = req_header(r, MHD_HTTP_HEADER_IF_RANGE);
    if (rh && (!ifr || !strcmp(ifr, etag))) {
        int k = range_parse(rh, f->size, &off, &len);
        if (k < 0) {
            close(fd);
            char cr[64];
            snprintf(cr, sizeof cr, "bytes */%" PRIu64, f->size);
            ota_fail(&e, OTA_E_BAD_REQUEST, "Range", "range '%.60s' is outside the file's %" PRIu64 " bytes", rh,
                     f->size);
            json_t *body = ota_json_error(&e);
            char *text = json_dumps(body, JSON_COMPACT);
            json_decref(body);
            struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
            r->bytes = strlen(text);
            return reply_response(r, 416, resp);
        }
        if (k > 0)
            status = 206;
        else
            off = 0, len = f->size;
    }
    struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64(len, fd, (int64_t)off);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    if (status == 206) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, off, off + len - 1, f->size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    }
    r->bytes = len;
    return reply_response(r, status, resp);
}
