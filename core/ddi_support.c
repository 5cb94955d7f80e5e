/* What core keeps for standard device agents speaking hawkBit DDI (otad's
 * server/ddi.c): the attributes an agent reports as configData, the
 * acknowledgements of cancelled jobs, which packages a product's agents may
 * download, and the SHA-1/MD5 that hawkBit agents check (swupdate verifies
 * the SHA-1 of every artifact) for packages stored before those were
 * recorded. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <sodium.h>
#include "internal.h"
#include "store.h"

/* Attribute texts are bounded so one chatty agent cannot bloat the store. */
#define ATTR_KEY_MAX   128
#define ATTR_VALUE_MAX 512
#define ATTRS_MAX      64

/* ------------------------------------------------------------ attributes */
static int attrs_load(ota_engine *eng, const char *device, bool *found, json_t **out, ota_err *e)
{
    char *text;
    *out = NULL;
    if (store_ddi_attrs_get(eng, device, found, &text, e) < 0)
        return -1;
    if (text) {
        *out = json_loads(text, 0, NULL);
        if (!*out || !json_is_object(*out)) {
            json_decref(*out);
            *out = json_object();  /* unreadable old value: start over */
        }
        free(text);
    }
    return 0;
}

static int attr_check(const char *key, json_t *v, ota_err *e)
{
    size_t kl = strlen(key);
    if (kl == 0 || kl > ATTR_KEY_MAX || !ota_utf8_valid(key, kl))
        return ota_fail(e, OTA_E_VALIDATION, "attrs",
                        "attribute names: 1 to %d bytes of UTF-8 (got %zu)", ATTR_KEY_MAX, kl);
    if (!json_is_string(v))
        return ota_fail(e, OTA_E_VALIDATION, "attrs", "attribute %s: must be a string", key);
    if (json_string_length(v) > ATTR_VALUE_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "attrs", "attribute %s: at most %d bytes (got %zu)",
                        key, ATTR_VALUE_MAX, json_string_length(v));
    return 0;
}

int ota_device_attrs_merge(ota_engine *eng, const char *device, json_t *attrs, ota_err *e)
{
    if (attrs && !json_is_object(attrs))
        return ota_fail(e, OTA_E_BAD_REQUEST, "attrs", "attributes: must be an object");
    const char *k;
    json_t *v;
    if (attrs)
        json_object_foreach(attrs, k, v)
            if (attr_check(k, v, e) < 0)
                return -1;
    ENGINE_LOCK(eng);
    int rc = -1;
    bool found;
    json_t *cur = NULL;
    char *text = NULL;
    if (attrs_load(eng, device, &found, &cur, e) < 0)
        goto out;
    if (!found) {
        ota_fail(e, OTA_E_NOT_FOUND, "device", "no device %s", device);
        goto out;
    }
    if (!cur)
        cur = json_object();
    if (attrs)
        json_object_update(cur, attrs);
    if (json_object_size(cur) > ATTRS_MAX) {
        ota_fail(e, OTA_E_VALIDATION, "attrs", "at most %d attributes per device (got %zu)",
                 ATTRS_MAX, json_object_size(cur));
        goto out;
    }
    if (!(text = json_dumps(cur, JSON_COMPACT | JSON_SORT_KEYS))) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        goto out;
    }
    rc = store_ddi_attrs_set(eng, device, text, e);
out:
    ENGINE_UNLOCK(eng);
    free(text);
    json_decref(cur);
    return rc;
}

int ota_device_attrs_get(ota_engine *eng, const char *device, json_t **out, ota_err *e)
{
    ENGINE_LOCK(eng);
    bool found;
    int rc = attrs_load(eng, device, &found, out, e);
    ENGINE_UNLOCK(eng);
    if (rc == 0 && !found)
        return ota_fail(e, OTA_E_NOT_FOUND, "device", "no device %s", device);
    return rc;
}

/* The device details an operator sees: one device of product, read under
 * one lock with its attributes so the two agree. */
int ota_device_detail(ota_engine *eng, const char *product, const char *id, ota_device *out,
                      json_t **attrs, ota_err *e)
{
    ota_product p;
    json_t *a = NULL;
    bool found = false;
    if (attrs)
        *attrs = NULL;
    ENGINE_LOCK(eng);
    int rc = ota_product_get(eng, product, &p, e);
    if (rc == 0)
        rc = ota_device_get(eng, id, out, e);
    if (rc == 0 && strcmp(out->product, product))
        rc = ota_fail(e, OTA_E_NOT_FOUND, "device", "no device \"%s\" in product \"%s\"", id, product);
    if (rc == 0 && attrs)
        rc = attrs_load(eng, id, &found, &a, e);
    ENGINE_UNLOCK(eng);
    if (rc == 0 && attrs)
        *attrs = a ? a : json_object();
    else
        json_decref(a);
    return rc;
}

/* ---------------------------------------------------------- cancellation */
/* A job "taken back before it started": a DDI agent was shown it, then its
 * plan was terminated before the device began downloading (terminate fails
 * the jobs that were offered or awaiting confirmation).  hawkBit tells such
 * a device with a cancelAction until it acknowledges. */
int ota_ddi_offer_note(ota_engine *eng, int64_t job, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_ddi_offer_note(eng, job, ota_engine_now(eng), e);
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_ddi_cancel_pending(ota_engine *eng, const char *device, int64_t *job, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_ddi_cancel_find(eng, device, 0, job, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_ddi_cancel_ack(ota_engine *eng, const char *device, int64_t job, ota_err *e)
{
    ENGINE_LOCK(eng);
    int64_t found = 0;
    int rc = -1;
    if (job <= 0 || store_ddi_cancel_find(eng, device, job, &found, e) < 0)
        goto out;
    if (!found) {
        ota_fail(e, OTA_E_NOT_FOUND, "job", "job %lld of device %s has no cancellation to acknowledge",
                 (long long)job, device);
        goto out;
    }
    rc = store_ddi_cancel_ack(eng, job, ota_engine_now(eng), e);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

/* --------------------------------------------------------------- packages */
bool ota_ddi_package_of_product(ota_engine *eng, const char *product, int64_t package)
{
    ENGINE_LOCK(eng);
    bool yes = store_ddi_package_of_product(eng, product, package, NULL) == 1;
    ENGINE_UNLOCK(eng);
    return yes;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    static const char x[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = x[d[i] >> 4];
        out[2 * i + 1] = x[d[i] & 15];
    }
    out[2 * n] = 0;
}

/* SHA-1 and MD5 of a stored blob, read once. */
static int blob_sha1_md5(ota_engine *eng, const char *sha256, char sha1[41], char md5[33], ota_err *e)
{
    char path[PATH_MAX + 80];
    if (ota_blob_path(eng, sha256, path, sizeof path) < 0)
        return ota_fail(e, OTA_E_IO, "blob", "no path for blob %s", sha256);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ota_fail(e, OTA_E_IO, "blob", "cannot open blob %s: %s", path, strerror(errno));
    /* The SHA-256 is checked on the way: hashes recorded from a corrupted
     * blob would vouch for the wrong bytes. */
    struct sha1_ctx s1;
    struct md5_ctx m5;
    crypto_hash_sha256_state s256;
    sha1_init(&s1);
    md5_init(&m5);
    crypto_hash_sha256_init(&s256);
    static __thread uint8_t buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        sha1_update(&s1, n, buf);
        md5_update(&m5, n, buf);
        crypto_hash_sha256_update(&s256, buf, n);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return ota_fail(e, OTA_E_IO, "blob", "cannot read blob %s", path);
    uint8_t d1[SHA1_DIGEST_SIZE], d5[MD5_DIGEST_SIZE], d256[crypto_hash_sha256_BYTES];
    char h256[65];
    crypto_hash_sha256_final(&s256, d256);
    hex(d256, sizeof d256, h256);
    if (strcmp(h256, sha256))
        return ota_fail(e, OTA_E_IO, "blob", "blob %s does not match its SHA-256 (corrupted); "
                        "SHA-1 and MD5 not recorded", path);
    sha1_digest(&s1, sizeof d1, d1);
    md5_digest(&m5, sizeof d5, d5);
    hex(d1, sizeof d1, sha1);
    hex(d5, sizeof d5, md5);
    return 0;
}

static int hashes_store(ota_engine *eng, const store_ddi_file *f, const char *sha1, const char *md5,
                        ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_ddi_file_hashes_set(eng, f->package, f->idx, sha1, md5, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_package_fill_hashes(ota_engine *eng, int64_t package, long *filled, ota_err *e)
{
    store_ddi_file *m = NULL;
    size_t n = 0;
    long done = 0;
    bool failed = false;
    ENGINE_LOCK(eng);
    int rc = store_ddi_files_unhashed(eng, package, &m, &n, e);
    ENGINE_UNLOCK(eng);
    /* Hash outside the lock: a 100 MiB file must not stall check-ins.  A
     * blob that cannot be read does not stop the others; the first error
     * is the one returned. */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char sha1[41], md5[33];
        ota_err fe;
        if (blob_sha1_md5(eng, m[i].sha256, sha1, md5, &fe) < 0 ||
            hashes_store(eng, &m[i], sha1, md5, &fe) < 0) {
            if (!failed && e)
                *e = fe;
            failed = true;
            continue;
        }
        done++;
    }
    if (failed)
        rc = -1;
    free(m);
    if (filled)
        *filled = done;
    return rc;
}
