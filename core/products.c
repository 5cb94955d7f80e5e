/* Products and their devices.  A product's device key is shown once at
 * creation; only its BLAKE2b hash is stored, compared in constant time.
 * The cache of those hashes (with each product's device_auth and
 * enrollment) serves every device request's check (core/devauth.c). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"
#include "store.h"

#define DEVICE_KEY_BYTES 32

static void key_hash(const char *key, unsigned char out[crypto_generichash_BYTES])
{
    crypto_generichash(out, crypto_generichash_BYTES, (const unsigned char *)key, strlen(key),
                       NULL, 0);
}

static int product_add(ota_engine *eng, const ota_product *p, char *device_key_out, ota_err *e);

int ota_product_add(ota_engine *eng, const ota_product *p, char *device_key_out, ota_err *e)
{
    int rc = product_add(eng, p, device_key_out, e);
    char detail[4 * OTA_NAME_MAX_CHARS + 8];
    snprintf(detail, sizeof detail, "\"%s\"", p->name);
    audit_note(eng, "product.add", rc, e, detail, "product:%.64s", p->key);
    return rc;
}

static int product_add(ota_engine *eng, const ota_product *p, char *device_key_out, ota_err *e)
{
    if (ota_validate_product(p, e) < 0)
        return -1;
    if ((unsigned)p->device_auth > OTA_DEVICE_AUTH_DEVICE_TOKEN)
        return ota_fail(e, OTA_E_VALIDATION, "device_auth", "must be product_key or device_token");
    if (sodium_init() < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium failed to initialise");
    unsigned char raw[DEVICE_KEY_BYTES], hash[crypto_generichash_BYTES];
    char hex[2 * DEVICE_KEY_BYTES + 1];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    key_hash(hex, hash);
    sodium_memzero(raw, sizeof raw);

    int rc = -1;
    bool exists;
    ENGINE_LOCK(eng);
    if (store_product_exists(eng, p->key, &exists, e) < 0)
        goto out;
    if (exists) {
        ota_fail(e, OTA_E_CONFLICT, "key", "product \"%s\" already exists", p->key);
        goto out;
    }
    ota_product row = *p;
    row.created_at = ota_engine_now(eng);
    if (store_product_insert(eng, &row, hash, sizeof hash, e) < 0)
        goto out;
    if (device_key_out)
        memcpy(device_key_out, hex, sizeof hex);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    sodium_memzero(hex, sizeof hex);
    return rc;
}

int ota_product_get(ota_engine *eng, const char *key, ota_product *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_product_get(eng, key, out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_product_list_all(ota_engine *eng, ota_product_list *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_product_list(eng, out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

void ota_product_list_free(ota_product_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Every check-in checks its product's device key and mode: the stored
 * hashes are cached with the product's device_auth and enrollment (a
 * product's key never changes once created; its mode changes only through
 * ota_product_set_auth, which drops the entry at once, products_forget; a
 * commit by another process or a rollback, seen through the store's change
 * watcher, empties the cache).  Only known products are cached, in a slot
 * chosen by the key's hash: a flood of unknown products costs store
 * lookups, not memory. */
#define KC_SLOTS 64
struct key_cache {
    store_watch watch;           /* another process committed: empty the cache */
    struct kc_entry {
        bool used;
        char product[OTA_KEY_MAX + 1];
        product_auth a;
    } e[KC_SLOTS];
};

void products_free(ota_engine *eng)
{
    free(eng->keycache);
    eng->keycache = NULL;
}

static struct kc_entry *key_cache_slot(ota_engine *eng, const char *product)
{
    struct key_cache *c = eng->keycache;
    if (!c && !(c = eng->keycache = calloc(1, sizeof *c)))
        return NULL;
    if (store_watch_check(eng, &c->watch, STORE_WATCH_RELAXED) & (STORE_MOVED_OTHERS | STORE_MOVED_ROLLBACK))
        for (size_t i = 0; i < KC_SLOTS; i++)
            c->e[i].used = false;
    uint32_t h = 2166136261u;  /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)product; *p; p++)
        h = (h ^ *p) * 16777619u;
    return &c->e[h % KC_SLOTS];
}

int products_auth_get(ota_engine *eng, const char *product, product_auth *out)
{
    if (!product || strlen(product) > OTA_KEY_MAX)
        return 0;
    int found;
    ENGINE_LOCK(eng);
    struct kc_entry *x = key_cache_slot(eng, product);
    if (x && x->used && !strcmp(x->product, product)) {
        *out = x->a;
        found = 1;
    } else {
        found = store_product_key_hash(eng, product, out->key_hash, sizeof out->key_hash, &out->mode,
                                       &out->closed, NULL) == 1;
        if (found && x) {
            x->used = true;
            memcpy(x->product, product, strlen(product) + 1);
            x->a = *out;
        }
    }
    ENGINE_UNLOCK(eng);
    return found;
}

void products_forget(ota_engine *eng, const char *product)
{
    ENGINE_LOCK(eng);
    struct kc_entry *x = key_cache_slot(eng, product);
    if (x && x->used && !strcmp(x->product, product))
        x->used = false;
    ENGINE_UNLOCK(eng);
}

bool products_key_ok(const product_auth *a, const char *key)
{
    if (!key || sodium_init() < 0)
        return false;
    unsigned char got[crypto_generichash_BYTES];
    key_hash(key, got);
    return sodium_memcmp(a->key_hash, got, sizeof got) == 0;
}

bool ota_product_check_device_key(ota_engine *eng, const char *product, const char *key)
{
    product_auth a;
    return key && products_auth_get(eng, product, &a) == 1 && products_key_ok(&a, key);
}

/* ---------------------------------------------------------------- devices */

static int check_device(const char *product, const ota_device *d, ota_err *e)
{
    if (ota_validate_device_id(d->id, e) < 0)
        return -1;
    if (d->product[0] && strcmp(d->product, product))
        return ota_fail(e, OTA_E_VALIDATION, "product", "device \"%s\" is for product \"%s\", not \"%s\"",
                        d->id, d->product, product);
    if (d->nversions > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, "versions", "at most %d components per device (got %zu)",
                        OTA_MAX_COMPONENTS, d->nversions);
    for (size_t i = 0; i < d->nversions; i++) {
        /* component names share the package rule; reuse it through a meta */
        ota_package_meta m = {.kind = OTA_KIND_FULL};
        snprintf(m.component, sizeof m.component, "%s", d->versions[i].component);
        snprintf(m.target_version, sizeof m.target_version, "%s", d->versions[i].version);
        if (ota_validate_package_meta(&m, e) < 0) {
            if (e)
                snprintf(e->field, sizeof e->field, "versions.%s",
                         !strcmp(e->field, "component") ? "component" : d->versions[i].component);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(d->versions[j].component, d->versions[i].component))
                return ota_fail(e, OTA_E_VALIDATION, "versions", "component \"%s\" appears twice",
                                d->versions[i].component);
    }
    if (d->has_rsrp && (d->rsrp < -200 || d->rsrp > 0))
        return ota_fail(e, OTA_E_VALIDATION, "rsrp", "between -200 and 0 dBm (got %d)", d->rsrp);
    if (d->has_battery && (d->battery < 0 || d->battery > 100))
        return ota_fail(e, OTA_E_VALIDATION, "battery", "between 0 and 100 %% (got %d)", d->battery);
    return 0;
}

/* Caller holds the lock. Opens its own (possibly nested) transaction. */
static int devices_put(ota_engine *eng, const char *product, const ota_device *devs, size_t n,
                       size_t index_base, ota_import_result *res, ota_err *e)
{
    for (size_t i = 0; i < n; i++)
        if (check_device(product, &devs[i], e) < 0)
            return devfile_refield(e, index_base + i);
    if (store_tx_begin(eng, e) < 0)
        return -1;
    ota_import_result r = {0};
    for (size_t i = 0; i < n; i++) {
        bool added;
        if (store_device_put(eng, product, &devs[i], &added, e) < 0) {
            store_tx_rollback(eng, e);
            return devfile_refield(e, index_base + i);
        }
        if (added)
            r.added++;
        else
            r.updated++;
    }
    if (store_tx_commit(eng, e) < 0)
        return -1;
    res->added += r.added;
    res->updated += r.updated;
    return 0;
}

static int need_product(ota_engine *eng, const char *product, ota_err *e)
{
    bool exists;
    if (!product || store_product_exists(eng, product, &exists, e) < 0)
        return product ? -1 : ota_fail(e, OTA_E_VALIDATION, "product", "required");
    if (!exists)
        return ota_fail(e, OTA_E_NOT_FOUND, "product", "no product \"%s\"", product);
    return 0;
}

int ota_device_upsert(ota_engine *eng, const char *product, const ota_device *devs, size_t n,
                      ota_import_result *res, ota_err *e)
{
    ota_import_result r = {0};
    devfile_ids seen = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char field[40];
        snprintf(field, sizeof field, "devices[%zu].id", i);
        rc = devfile_ids_check(&seen, devs[i].id, (long)i, "devices[%ld]", field, e);
    }
    devfile_ids_free(&seen);
    ENGINE_LOCK(eng);
    if (rc == 0)
        rc = need_product(eng, product, e);
    if (rc == 0)
        rc = devices_put(eng, product, devs, n, 0, &r, e);
    ENGINE_UNLOCK(eng);
    if (rc == 0 && res)
        *res = r;
    char detail[96];
    snprintf(detail, sizeof detail, "%zu added, %zu updated", r.added, r.updated);
    audit_note(eng, "device.import", rc, e, detail, "product:%.64s", product ? product : "");
    return rc;
}

/* -------------------------------------------------------------- import */

/* Imports run in chunks (an ota_device is ~4 KiB) inside one outer
 * transaction, so a million-device file needs little memory and still
 * lands all or nothing.  A full chunk is written once the file shows
 * another device (ota_devfile_more) and before that device is decoded, so
 * of two errors in a file the same one is reported as ever. */
#define IMPORT_CHUNK 512

static int import_devices(ota_engine *eng, const char *product, ota_devfile *f, ota_device *buf,
                          ota_import_result *res, ota_err *e)
{
    size_t n = 0, done = 0;
    int r;
    while ((r = ota_devfile_more(f, e)) == 1) {
        if (n == IMPORT_CHUNK) {
            if (devices_put(eng, product, buf, n, done, res, e) < 0)
                return -1;
            done += n;
            n = 0;
        }
        if (ota_devfile_next(f, &buf[n], e) < 0)
            return -1;
        n++;
    }
    if (r < 0)
        return -1;
    return n ? devices_put(eng, product, buf, n, done, res, e) : 0;
}

static int device_import_file(ota_engine *eng, const char *product, const char *path,
                              ota_import_result *res, ota_err *e);

int ota_device_import(ota_engine *eng, const char *product, const char *path,
                           ota_import_result *res, ota_err *e)
{
    ota_import_result r = {0};
    int rc = device_import_file(eng, product, path, &r, e);
    if (rc == 0 && res)
        *res = r;
    char detail[96];
    snprintf(detail, sizeof detail, "%zu added, %zu updated", r.added, r.updated);
    audit_note(eng, "device.import", rc, e, detail, "product:%.64s", product ? product : "");
    return rc;
}

static int device_import_file(ota_engine *eng, const char *product, const char *path,
                              ota_import_result *res, ota_err *e)
{
    ota_devfile *f;
    if (ota_devfile_open_file(path, &f, e) < 0)
        return -1;
    ota_device *buf = malloc(IMPORT_CHUNK * sizeof *buf);
    ota_import_result r = {0};
    int rc = -1;
    if (!buf) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        goto out;
    }
    ENGINE_LOCK(eng);
    if (need_product(eng, product, e) == 0 && store_tx_begin(eng, e) == 0) {
        rc = import_devices(eng, product, f, buf, &r, e);
        if (rc == 0)
            rc = store_tx_commit(eng, e);
        else
            store_tx_rollback(eng, e);
    }
    ENGINE_UNLOCK(eng);
out:
    free(buf);
    ota_devfile_close(f);
    if (rc == 0 && res)
        *res = r;
    return rc;
}

/* ------------------------------------------------------------- reading */

int ota_device_get(ota_engine *eng, const char *id, ota_device *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_device_get(eng, id, out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

/* Pages are ordered by device id. */
int ota_device_list(ota_engine *eng, const char *product, const char *q, const ota_page_req *pg,
                    ota_device_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req req;
    int64_t after;
    if (store_page_begin(&req, pg, &after, (void **)&out->items, sizeof *out->items, e) < 0)
        return -1;
    int rc = -1;
    ENGINE_LOCK(eng);
    if (!(product && *product && need_product(eng, product, e) < 0))
        rc = store_device_page(eng, product, q, after, req.limit, out, e);
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        ota_device_page_free(out);
    return rc;
}

void ota_device_page_free(ota_device_page *p)
{
    free(p->items);
    p->items = NULL;
    p->n = 0;
    p->next_cursor[0] = 0;
}
