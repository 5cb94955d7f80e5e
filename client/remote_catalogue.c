/* remote_catalogue.c: the remote backend's catalogue operations over the
 * transport of remote_http.c: products, devices (the device-file import
 * included), packages (uploads checked end to end, downloads verified
 * before they are saved) and their signatures.
 */
#include "remote_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------- products and devices */
int remote_product_add(ota_backend *b, const ota_product *p, char *device_key_out, ota_err *e)
{
    if (ota_validate_product(p, e) < 0)
        return -1;
    json_t *body = ota_json_product(p), *j = NULL;
    int rc = remote_json(R(b), "POST", "/products", body, 0, false, &j, e);
    json_decref(body);
    if (rc == 0) {
        ota_product got;
        rc = ota_product_added_from_json(j, &got, device_key_out, e);
    }
    json_decref(j);
    return rc;
}

int remote_product_list_all(ota_backend *b, ota_product_list *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    char cursor[OTA_CURSOR_MAX] = "";
    do {
        char path[512] = "/products?limit=1000";
        remote_path_query(path, sizeof path, "cursor", cursor);
        json_t *j = NULL, *items;
        if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
            ota_page_from_json(j, &items, cursor, e) < 0)
            goto fail_j;
        size_t n = json_array_size(items);
        ota_product *v = realloc(out->items, (out->n + n + 1) * sizeof *v);
        if (!v) {
            ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            goto fail_j;
        }
        out->items = v;
        for (size_t i = 0; i < n; i++) {
            memset(&v[out->n], 0, sizeof v[out->n]);
            if (ota_product_from_json(json_array_get(items, i), &v[out->n], e) < 0)
                goto fail_j;
            out->n++;
        }
        json_decref(j);
        continue;
    fail_j:
        json_decref(j);
        ota_product_list_free(out);
        return -1;
    } while (cursor[0]);
    return 0;
}

/* The server takes devices as a JSON array.  The file (.json or .csv) is
 * read by core's own device file parser, so every file error (line,
 * column, rule) is exactly the local backend's; the rules a device must
 * meet in its product are the server's, as they are the local engine's.
 * Each device goes as core's codec writes it, less the members that say
 * nothing (an empty product, nulls), so a large fleet's body stays small. */
static json_t *device_body(const ota_device *d)
{
    json_t *j = ota_json_device(d), *v;
    const char *k;
    void *tmp;
    json_object_foreach_safe(j, tmp, k, v)
        if (json_is_null(v) || (!strcmp(k, "product") && !d->product[0]))
            json_object_del(j, k);
    return j;
}

static json_t *devices_file_json(const char *path, ota_err *e)
{
    ota_devfile *f;
    if (ota_devfile_open_file(path, &f, e) < 0)
        return NULL;
    json_t *arr = json_array();
    ota_device d;
    int r;
    while ((r = ota_devfile_next(f, &d, e)) == 1)
        json_array_append_new(arr, device_body(&d));
    ota_devfile_close(f);
    if (r < 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

int remote_device_import(ota_backend *b, const char *product, const char *path,
                         ota_import_result *res, ota_err *e)
{
    json_t *body = devices_file_json(path, e);
    if (!body)
        return -1;
    char key[3 * OTA_KEY_MAX + 1], p[300];
    remote_url_escape(key, sizeof key, product);
    snprintf(p, sizeof p, "/products/%s/devices", key);
    json_t *j = NULL;
    int rc = remote_json(R(b), "POST", p, body, 0, false, &j, e);
    json_decref(body);
    if (rc == 0 && res)
        rc = ota_import_result_from_json(j, res, e);
    json_decref(j);
    return rc;
}

int remote_device_list(ota_backend *b, const char *product, const char *q,
                       const ota_page_req *pg, ota_device_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char key[3 * OTA_KEY_MAX + 1], path[1024];
    remote_url_escape(key, sizeof key, product ? product : "");
    snprintf(path, sizeof path, "/products/%s/devices", key);
    remote_path_query(path, sizeof path, "q", q);
    remote_path_page(path, sizeof path, pg);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (ota_device_from_json(it, &out->items[out->n], e) < 0)
            goto fail;
        out->n++;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_device_page_free(out);
    return -1;
}

int remote_device_detail(ota_backend *b, const char *product, const char *id, ota_device *out,
                         json_t **attrs, ota_err *e)
{
    if (attrs)
        *attrs = NULL;
    char key[3 * OTA_KEY_MAX + 1], dev[3 * OTA_DEVICE_ID_MAX + 1], path[1024];
    remote_url_escape(key, sizeof key, product ? product : "");
    remote_url_escape(dev, sizeof dev, id ? id : "");
    snprintf(path, sizeof path, "/products/%s/devices/%s", key, dev);
    json_t *j = NULL;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0)
        return -1;
    int rc = ota_device_detail_from_json(j, out, attrs, e);
    json_decref(j);
    return rc;
}

/* ------------------------------------------------------------ packages */
static int pkg_answer(remote *r, json_t *j, ota_package *out, ota_err *e)
{
    if (!json_is_object(j))
        return remote_bad_answer(r, e, "package is not an object");
    memset(out, 0, sizeof *out);
    return ota_package_from_json(j, out, e);
}

int remote_package_get(ota_backend *b, int64_t id, ota_package *out, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/packages/%" PRId64, id);
    json_t *j = NULL;
    int rc = remote_json(R(b), "GET", path, NULL, 0, false, &j, e);
    if (rc == 0)
        rc = pkg_answer(R(b), j, out, e);
    json_decref(j);
    return rc;
}

int remote_package_delete(ota_backend *b, int64_t id, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/packages/%" PRId64, id);
    return remote_json(R(b), "DELETE", path, NULL, 0, false, NULL, e);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Validates like the local engine does, and hashes every file before sending. */
static int upload_prepare(const ota_package_meta *m, const char *const *paths, size_t n,
                          char sums[][65], ota_err *e)
{
    if (ota_validate_package_meta(m, e) < 0 || ota_validate_file_count(n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t size = 0;
        struct stat st;
        if (ota_validate_file_name(base_name(paths[i]), e) < 0)
            return -1;
        /* Size first: no point hashing a file the server will refuse. */
        if (stat(paths[i], &st) == 0 &&
            ota_validate_file_size(base_name(paths[i]), (uint64_t)st.st_size, e) < 0)
            return -1;
        if (ota_sha256_file(paths[i], sums[i], &size, e) < 0)
            return -1;
        if (ota_validate_file_size(base_name(paths[i]), size, e) < 0)
            return -1;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(base_name(paths[k]), base_name(paths[i])))
                return ota_fail(e, OTA_E_VALIDATION, "files", "%s: file name given twice",
                                base_name(paths[i]));
    }
    return 0;
}

int remote_package_create(ota_backend *b, const ota_package_meta *m, const char *const *paths,
                          size_t npaths, ota_package *out, ota_err *e)
{
    remote *r = R(b);
    char sums[OTA_MAX_FILES][65];
    if (upload_prepare(m, paths, npaths, sums, e) < 0)
        return -1;
    req q = {.method = "POST", .path = "/packages", .transfer = true, .sink_fd = -1};
    if (!(q.handle = remote_handle_get(r)))
        return ota_fail(e, OTA_E_INTERNAL, NULL, "cannot initialise libcurl");
    q.mime = curl_mime_init(q.handle);
    json_t *mj = ota_json_package_meta(m);
    char *meta = json_dumps(mj, JSON_COMPACT);
    json_decref(mj);
    curl_mimepart *part = curl_mime_addpart(q.mime);
    curl_mime_name(part, "meta");
    curl_mime_data(part, meta, CURL_ZERO_TERMINATED);
    curl_mime_type(part, "application/json");
    free(meta);
    for (size_t i = 0; i < npaths; i++) {
        part = curl_mime_addpart(q.mime);
        curl_mime_name(part, "file");
        if (curl_mime_filedata(part, paths[i]) != CURLE_OK) {
            curl_mime_free(q.mime);
            remote_handle_put(r, q.handle);
            return ota_fail(e, OTA_E_IO, "files", "%s: cannot read", paths[i]);
        }
        curl_mime_filename(part, base_name(paths[i]));
        curl_mime_type(part, "application/octet-stream");
    }
    int rc = remote_do(r, &q, e);
    curl_mime_free(q.mime);
    remote_handle_put(r, q.handle);
    json_t *j = NULL;
    ota_package got;
    if (rc == 0) {
        j = ota_json_parse(q.resp.p, q.resp.n, e);
        rc = j ? pkg_answer(r, j, &got, e) : -1;
    }
    json_decref(j);
    remote_rbuf_free(&q.resp);
    if (rc < 0)
        return -1;
    /* End-to-end check: the server's hash of what it stored must be ours. */
    for (size_t i = 0; i < npaths; i++) {
        const char *name = base_name(paths[i]), *theirs = NULL;
        for (size_t k = 0; k < got.nfiles; k++)
            if (!strcmp(got.files[k].name, name))
                theirs = got.files[k].sha256;
        if (!theirs || strcmp(theirs, sums[i])) {
            ota_err ig;
            remote_package_delete(b, got.id, &ig);
            return ota_fail(e, OTA_E_IO, "files",
                            "%s: corrupted in transfer (local sha256 %s, server %s); "
                            "package %" PRId64 " deleted on the server",
                            name, sums[i], theirs ? theirs : "missing", got.id);
        }
    }
    if (out)
        *out = got;
    return 0;
}

int remote_package_list(ota_backend *b, const char *component, const ota_page_req *pg,
                        ota_package_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char path[1024] = "/packages";
    remote_path_query(path, sizeof path, "component", component);
    remote_path_page(path, sizeof path, pg);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < json_array_size(items); i++) {
        if (pkg_answer(R(b), json_array_get(items, i), &out->items[out->n], e) < 0)
            goto fail;
        out->n++;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_package_page_free(out);
    return -1;
}

int remote_package_verify(ota_backend *b, int64_t id, ota_verify_result *out, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/packages/%" PRId64 "/verify", id);
    json_t *j = NULL;
    int rc = remote_json(R(b), "POST", path, NULL, 0, false, &j, e);
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        rc = j ? ota_verify_from_json(j, out, e) : remote_bad_answer(R(b), e, "empty body");
    }
    json_decref(j);
    return rc;
}

/* Temp file next to dest, so the final rename stays on one file system. */
static int open_temp(const char *dest, char *tmp, size_t len, ota_err *e)
{
    snprintf(tmp, len, "%s.part-XXXXXX", dest);
    int fd = mkstemp(tmp);
    if (fd < 0)
        ota_fail(e, OTA_E_IO, "dest", "%s: cannot create: %s", tmp, strerror(errno));
    return fd;
}

int remote_package_download(ota_backend *b, int64_t id, const char *file_name,
                            const char *dest_path, ota_err *e)
{
    remote *r = R(b);
    ota_package pkg;
    if (remote_package_get(b, id, &pkg, e) < 0)
        return -1;
    const ota_file *f = NULL;
    for (size_t i = 0; i < pkg.nfiles; i++)
        if (!strcmp(pkg.files[i].name, file_name))
            f = &pkg.files[i];
    if (!f)
        return ota_fail(e, OTA_E_NOT_FOUND, "file", "package %" PRId64 " has no file %s", id,
                        file_name);
    char tmp[PATH_MAX + 16], name[3 * OTA_FILE_NAME_MAX + 1], path[1024];
    int fd = open_temp(dest_path, tmp, sizeof tmp, e);
    if (fd < 0)
        return -1;
    remote_url_escape(name, sizeof name, file_name);
    snprintf(path, sizeof path, "/packages/%" PRId64 "/files/%s", id, name);
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    req q = {.method = "GET", .path = path, .transfer = true, .sink_fd = fd, .sink_hash = &hs};
    int rc = remote_do(r, &q, e);
    remote_rbuf_free(&q.resp);
    if (rc == 0) {
        unsigned char d[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256_final(&hs, d);
        sodium_bin2hex(hex, sizeof hex, d, sizeof d);
        if (strcmp(hex, f->sha256) || q.sink_bytes != f->size)
            rc = ota_fail(e, OTA_E_IO, "file",
                          "%s: corrupted in transfer (got %" PRIu64 " bytes, sha256 %s; "
                          "expected %" PRIu64 " bytes, sha256 %s); nothing saved",
                          file_name, q.sink_bytes, hex, f->size, f->sha256);
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = ota_fail(e, OTA_E_IO, "dest", "%s: %s", tmp, strerror(errno));
    close(fd);
    if (rc == 0 && rename(tmp, dest_path) < 0)
        rc = ota_fail(e, OTA_E_IO, "dest", "%s: %s", dest_path, strerror(errno));
    if (rc < 0)
        unlink(tmp);
    return rc;
}


/* ---------------------------------------------------------------- trust */
int remote_package_sign_add(ota_backend *b, int64_t id, const ota_signature *sig, ota_package *out, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/packages/%" PRId64 "/signatures", id);
    json_t *body = ota_json_signature_add(sig), *j = NULL;
    int rc = body ? remote_json(R(b), "POST", path, body, 0, false, &j, e)
                  : ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    json_decref(body);
    if (rc == 0 && out)
        rc = j ? pkg_answer(R(b), j, out, e) : remote_bad_answer(R(b), e, "empty body");
    json_decref(j);
    return rc;
}
