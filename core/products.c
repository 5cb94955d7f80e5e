/* Products and their devices.  A product's device key is shown once at
 * creation; only its BLAKE2b hash is stored, compared in constant time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "internal.h"
#include "store/sqlite.h" /* TRANSITIONAL: SQL moves to core/store/ */

#define DEVICE_KEY_BYTES 32

static void key_hash(const char *key, unsigned char out[crypto_generichash_BYTES])
{
    crypto_generichash(out, crypto_generichash_BYTES, (const unsigned char *)key, strlen(key),
                       NULL, 0);
}

static int product_exists(ota_engine *eng, const char *key, bool *exists, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT 1 FROM products WHERE key=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(eng, e, "product lookup");
    *exists = rc == SQLITE_ROW;
    return 0;
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
    if (product_exists(eng, p->key, &exists, e) < 0)
        goto out;
    if (exists) {
        ota_fail(e, OTA_E_CONFLICT, "key", "product \"%s\" already exists", p->key);
        goto out;
    }
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO products(key, name, device_key_hash, created_at) VALUES(?,?,?,?)", e);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, p->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, hash, sizeof hash, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ota_engine_now(eng));
    if (sqlite3_step(st) != SQLITE_DONE) {
        store_fail(eng, e, "product insert");
        store_done(st);
        goto out;
    }
    store_done(st);
    if (device_key_out)
        memcpy(device_key_out, hex, sizeof hex);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    sodium_memzero(hex, sizeof hex);
    return rc;
}

static void product_row(sqlite3_stmt *st, ota_product *out)
{
    memset(out, 0, sizeof *out);
    store_copy_text(st, 0, out->key, sizeof out->key);
    store_copy_text(st, 1, out->name, sizeof out->name);
    out->created_at = sqlite3_column_int64(st, 2);
}

int ota_product_get(ota_engine *eng, const char *key, ota_product *out, ota_err *e)
{
    int rc = -1;
    ENGINE_LOCK(eng);
    sqlite3_stmt *st = store_stmt(eng, "SELECT key, name, created_at FROM products WHERE key=?", e);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        product_row(st, out);
        rc = 0;
    } else if (s == SQLITE_DONE) {
        ota_fail(e, OTA_E_NOT_FOUND, "product", "no product \"%s\"", key);
    } else {
        store_fail(eng, e, "product lookup");
    }
    store_done(st);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_product_list_all(ota_engine *eng, ota_product_list *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    int rc = -1;
    ENGINE_LOCK(eng);
    sqlite3_stmt *st = store_stmt(eng, "SELECT key, name, created_at FROM products ORDER BY key", e);
    if (!st)
        goto out;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            ota_product *v = realloc(out->items, cap * sizeof *v);
            if (!v) {
                ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                goto fail;
            }
            out->items = v;
        }
        product_row(st, &out->items[out->n++]);
    }
    if (s != SQLITE_DONE) {
        store_fail(eng, e, "product list");
        goto fail;
    }
    rc = 0;
    goto done;
fail:
    ota_product_list_free(out);
done:
    store_done(st);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

void ota_product_list_free(ota_product_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Every check-in checks its product's device key: the stored hashes are
 * cached (a product's key never changes once created; a commit by another
 * process, seen through the store's change watcher, empties the cache all the
 * same).  Only known products are cached, in a slot chosen by the key's
 * hash: a flood of unknown products costs SQL lookups, not memory. */
#define KC_SLOTS 64
struct key_cache {
    store_watch watch;           /* another process committed: empty the cache */
    struct kc_entry {
        bool used;
        char product[OTA_KEY_MAX + 1];
        unsigned char hash[crypto_generichash_BYTES];
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

bool ota_product_check_device_key(ota_engine *eng, const char *product, const char *key)
{
    if (!product || !key || strlen(product) > OTA_KEY_MAX || sodium_init() < 0)
        return false;
    unsigned char want[crypto_generichash_BYTES], got[crypto_generichash_BYTES];
    bool found = false;
    ENGINE_LOCK(eng);
    struct kc_entry *x = key_cache_slot(eng, product);
    if (x && x->used && !strcmp(x->product, product)) {
        memcpy(want, x->hash, sizeof want);
        found = true;
    } else {
        sqlite3_stmt *st = store_stmt(eng, "SELECT device_key_hash FROM products WHERE key=?", NULL);
        if (st) {
            sqlite3_bind_text(st, 1, product, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == (int)sizeof want) {
                memcpy(want, sqlite3_column_blob(st, 0), sizeof want);
                found = true;
            }
            store_done(st);
        }
        if (found && x) {
            x->used = true;
            memcpy(x->product, product, strlen(product) + 1);
            memcpy(x->hash, want, sizeof want);
        }
    }
    ENGINE_UNLOCK(eng);
    if (!found)
        return false;
    key_hash(key, got);
    return sodium_memcmp(want, got, sizeof want) == 0;
}

/* ---------------------------------------------------------------- devices */

/* The ids one import has seen, with where each was (index or line): a
 * device listed twice is refused, since which row was meant is anyone's
 * guess.  Open addressing over copies of the ids. */
typedef struct idset {
    struct idslot { char *id; long where; } *slot;
    size_t cap, n;
} idset;

static size_t id_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* 0 added, 1 already there (*prev = where it was), -1 out of memory. */
static int idset_add(idset *s, const char *id, long where, long *prev)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        struct idslot *nslot = calloc(cap, sizeof *nslot);
        if (!nslot)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i].id)
                continue;
            size_t k = id_hash(s->slot[i].id) & (cap - 1);
            while (nslot[k].id)
                k = (k + 1) & (cap - 1);
            nslot[k] = s->slot[i];
        }
        free(s->slot);
        s->slot = nslot;
        s->cap = cap;
    }
    size_t k = id_hash(id) & (s->cap - 1);
    for (; s->slot[k].id; k = (k + 1) & (s->cap - 1))
        if (!strcmp(s->slot[k].id, id)) {
            *prev = s->slot[k].where;
            return 1;
        }
    if (!(s->slot[k].id = strdup(id)))
        return -1;
    s->slot[k].where = where;
    s->n++;
    return 0;
}

static void idset_free(idset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i].id);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* Refuses the second listing of an id; what names the place ("devices[%ld]"
 * or "line %ld"), field the field to blame. */
static int idset_check(idset *s, const char *id, long where, const char *what, const char *field, ota_err *e)
{
    long prev = 0;
    int r = idset_add(s, id, where, &prev);
    if (r < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    if (r == 0)
        return 0;
    char here[40], there[40];
    snprintf(here, sizeof here, what, where);
    snprintf(there, sizeof there, what, prev);
    return ota_fail(e, OTA_E_VALIDATION, field, "%s: device \"%s\" is listed twice (first at %s)", here, id, there);
}

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

/* One device inside an open transaction. */
static int device_put(ota_engine *eng, const char *product, const ota_device *d,
                      ota_import_result *res, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT id, product FROM devices WHERE device_id=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    int64_t row = 0;
    if (s == SQLITE_ROW) {
        row = sqlite3_column_int64(st, 0);
        const char *owner = (const char *)sqlite3_column_text(st, 1);
        if (owner && strcmp(owner, product)) {
            ota_fail(e, OTA_E_CONFLICT, "id", "device \"%s\" belongs to product \"%s\"", d->id, owner);
            store_done(st);
            return -1;
        }
    } else if (s != SQLITE_DONE) {
        store_done(st);
        return store_fail(eng, e, "device lookup");
    }
    store_done(st);

    if (row == 0) {
        st = store_stmt(eng, "INSERT INTO devices(device_id, product, rsrp, battery) VALUES(?,?,?,?)", e);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, product, -1, SQLITE_STATIC);
        if (d->has_rsrp)
            sqlite3_bind_int(st, 3, d->rsrp);
        if (d->has_battery)
            sqlite3_bind_int(st, 4, d->battery);
        s = sqlite3_step(st);
        store_done(st);
        if (s != SQLITE_DONE)
            return store_fail(eng, e, "device insert");
        row = sqlite3_last_insert_rowid(STORE_DB(eng));
        res->added++;
    } else {
        /* Telemetry given in an import replaces the stored values; absent stays. */
        st = store_stmt(eng, "UPDATE devices SET rsrp=CASE WHEN ?1 THEN ?2 ELSE rsrp END,"
                             " battery=CASE WHEN ?3 THEN ?4 ELSE battery END WHERE id=?5", e);
        if (!st)
            return -1;
        sqlite3_bind_int(st, 1, d->has_rsrp);
        sqlite3_bind_int(st, 2, d->rsrp);
        sqlite3_bind_int(st, 3, d->has_battery);
        sqlite3_bind_int(st, 4, d->battery);
        sqlite3_bind_int64(st, 5, row);
        s = sqlite3_step(st);
        store_done(st);
        if (s != SQLITE_DONE)
            return store_fail(eng, e, "device update");
        st = store_stmt(eng, "DELETE FROM device_versions WHERE device=?", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, row);
        s = sqlite3_step(st);
        store_done(st);
        if (s != SQLITE_DONE)
            return store_fail(eng, e, "device update");
        res->updated++;
    }
    for (size_t i = 0; i < d->nversions; i++) {
        st = store_stmt(eng, "INSERT INTO device_versions(device, component, version) VALUES(?,?,?)", e);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, row);
        sqlite3_bind_text(st, 2, d->versions[i].component, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, d->versions[i].version, -1, SQLITE_STATIC);
        s = sqlite3_step(st);
        store_done(st);
        if (s != SQLITE_DONE)
            return store_fail(eng, e, "device version insert");
    }
    return 0;
}

/* Prefix a device failure with its position ("devices[3].id"). */
static int device_refield(ota_err *e, size_t i)
{
    if (e) {
        char f[2 * sizeof e->field];
        snprintf(f, sizeof f, "devices[%zu]%s%s", i, e->field[0] ? "." : "", e->field);
        size_t n = strlen(f) < sizeof e->field ? strlen(f) : sizeof e->field - 1;
        memcpy(e->field, f, n);
        e->field[n] = 0;
    }
    return -1;
}

/* Caller holds the lock. Opens its own (possibly nested) transaction. */
static int devices_put(ota_engine *eng, const char *product, const ota_device *devs, size_t n,
                       size_t index_base, ota_import_result *res, ota_err *e)
{
    for (size_t i = 0; i < n; i++)
        if (check_device(product, &devs[i], e) < 0)
            return device_refield(e, index_base + i);
    if (store_tx_begin(eng, e) < 0)
        return -1;
    ota_import_result r = {0};
    for (size_t i = 0; i < n; i++) {
        if (device_put(eng, product, &devs[i], &r, e) < 0) {
            store_tx_rollback(eng, e);
            return device_refield(e, index_base + i);
        }
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
    if (!product || product_exists(eng, product, &exists, e) < 0)
        return product ? -1 : ota_fail(e, OTA_E_VALIDATION, "product", "required");
    if (!exists)
        return ota_fail(e, OTA_E_NOT_FOUND, "product", "no product \"%s\"", product);
    return 0;
}

int ota_device_upsert(ota_engine *eng, const char *product, const ota_device *devs, size_t n,
                      ota_import_result *res, ota_err *e)
{
    ota_import_result r = {0};
    idset seen = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char field[40];
        snprintf(field, sizeof field, "devices[%zu].id", i);
        rc = idset_check(&seen, devs[i].id, (long)i, "devices[%ld]", field, e);
    }
    idset_free(&seen);
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
 * lands all or nothing. */
#define IMPORT_CHUNK 512

typedef struct importer {
    ota_engine *eng;
    const char *product;
    ota_device *buf;
    size_t n, done;
    ota_import_result res;
    idset seen;
} importer;

static int importer_flush(importer *im, ota_err *e)
{
    if (im->n == 0)
        return 0;
    int rc = devices_put(im->eng, im->product, im->buf, im->n, im->done, &im->res, e);
    im->done += im->n;
    im->n = 0;
    return rc;
}

/* Next free slot, flushing a full buffer first. */
static ota_device *importer_slot(importer *im, ota_err *e)
{
    if (im->n == IMPORT_CHUNK && importer_flush(im, e) < 0)
        return NULL;
    ota_device *d = &im->buf[im->n];
    memset(d, 0, sizeof *d);
    return d;
}

static int import_json(importer *im, const char *text, size_t len, ota_err *e)
{
    json_t *root = ota_json_parse(text, len, e);
    if (!root) {
        if (e)
            snprintf(e->field, sizeof e->field, "file");
        return -1;
    }
    int rc = -1;
    if (!json_is_array(root)) {
        ota_fail(e, OTA_E_BAD_REQUEST, "file", "a device file holds a JSON array of devices");
        goto out;
    }
    size_t i;
    json_t *item;
    json_array_foreach(root, i, item) {
        ota_device *d = importer_slot(im, e);
        if (!d)
            goto out;
        if (ota_device_from_json(item, d, e) < 0) {
            device_refield(e, i);
            goto out;
        }
        if (idset_check(&im->seen, d->id, (long)i, "devices[%ld]", "file", e) < 0)
            goto out;
        im->n++;
    }
    rc = importer_flush(im, e);
out:
    json_decref(root);
    return rc;
}

/* ---- CSV: RFC 4180 fields (quotes, doubled quotes, CRLF), one record per line */

typedef struct csv {
    const char *p, *end;
    long line;          /* line where the current record starts, 1-based */
    long at;            /* line of the read position */
    char **cells;       /* cells of the current record (malloc'd) */
    size_t n, cap;
} csv;

static void csv_clear(csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->cells[i]);
    c->n = 0;
}

static int csv_push(csv *c, const char *s, size_t len, ota_err *e)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        char **v = realloc(c->cells, cap * sizeof *v);
        if (!v)
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        c->cells = v;
        c->cap = cap;
    }
    char *d = malloc(len + 1);
    if (!d)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    memcpy(d, s, len);
    d[len] = 0;
    c->cells[c->n++] = d;
    return 0;
}

/* Reads one record.  Returns 1 with cells, 0 at end of input, -1 on error.
 * Blank lines are skipped. */
static int csv_next(csv *c, ota_err *e)
{
    csv_clear(c);
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->at++;
        c->p++;
    }
    c->line = c->at;
    if (c->p >= c->end)
        return 0;
    char *tmp = NULL;
    size_t tlen = 0, tcap = 0;
    for (;;) {
        size_t col = c->n + 1;
        tlen = 0;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    free(tmp);
                    return ota_fail(e, OTA_E_VALIDATION, "file",
                                    "line %ld, column %zu: unterminated quoted field", c->line, col);
                }
                char ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"')
                        c->p++;
                    else
                        break;
                } else if (ch == '\n') {
                    c->at++;
                }
                if (tlen + 1 >= tcap) {
                    tcap = tcap ? tcap * 2 : 64;
                    char *t = realloc(tmp, tcap);
                    if (!t) {
                        free(tmp);
                        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                    }
                    tmp = t;
                }
                tmp[tlen++] = ch;
            }
            if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                free(tmp);
                return ota_fail(e, OTA_E_VALIDATION, "file",
                                "line %ld, column %zu: text after a closing quote", c->at, col);
            }
            if (csv_push(c, tmp ? tmp : "", tlen, e) < 0) {
                free(tmp);
                return -1;
            }
        } else {
            const char *s = c->p;
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                if (*c->p == '"') {
                    free(tmp);
                    return ota_fail(e, OTA_E_VALIDATION, "file",
                                    "line %ld, column %zu: a quote inside an unquoted field", c->at, col);
                }
                c->p++;
            }
            if (csv_push(c, s, (size_t)(c->p - s), e) < 0) {
                free(tmp);
                return -1;
            }
        }
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        break;
    }
    free(tmp);
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p == '\n') {
        c->p++;
        c->at++;
    }
    return 1;
}

enum { COL_ID, COL_COMPONENT, COL_RSRP, COL_BATTERY };

static int csv_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int csv_header(csv *c, int *kinds, size_t *ncols, ota_err *e)
{
    int r = csv_next(c, e);
    if (r <= 0)
        return r < 0 ? -1 : ota_fail(e, OTA_E_VALIDATION, "file", "line 1: the header row is missing");
    if (strcmp(c->cells[0], "id"))
        return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld, column 1: the first column must be \"id\" (got \"%s\")",
                        c->line, c->cells[0]);
    if (c->n > OTA_MAX_COMPONENTS + 3)
        return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld: at most %d component columns (got %zu columns)",
                        c->line, OTA_MAX_COMPONENTS, c->n);
    size_t ncomp = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *h = c->cells[i];
        kinds[i] = i == 0 ? COL_ID : !strcmp(h, "rsrp") ? COL_RSRP : !strcmp(h, "battery") ? COL_BATTERY
                                                                                             : COL_COMPONENT;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->cells[j], h))
                return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld, column %zu: column \"%s\" appears twice",
                                c->line, i + 1, h);
        if (kinds[i] != COL_COMPONENT)
            continue;
        ota_package_meta m = {.kind = OTA_KIND_FULL, .target_version = "1"};
        snprintf(m.component, sizeof m.component, "%.*s", OTA_KEY_MAX, h);
        if (strlen(h) > OTA_KEY_MAX || ota_validate_package_meta(&m, e) < 0)
            return ota_fail(e, OTA_E_VALIDATION, "file",
                            "line %ld, column %zu: \"%.64s\" is not a valid component name", c->line, i + 1, h);
        if (++ncomp > OTA_MAX_COMPONENTS)
            return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld: at most %d component columns",
                            c->line, OTA_MAX_COMPONENTS);
    }
    *ncols = c->n;
    return 0;
}

/* One data record into d; errors name the line, column and header. */
static int csv_device(csv *c, const int *kinds, char **head, size_t ncols, ota_device *d, ota_err *e)
{
    if (c->n != ncols)
        return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld: expected %zu columns (got %zu)",
                        c->line, ncols, c->n);
    for (size_t i = 0; i < ncols; i++) {
        const char *v = c->cells[i];
        int bad = 0;
        switch (kinds[i]) {
        case COL_ID:
            bad = strlen(v) > OTA_DEVICE_ID_MAX || ota_validate_device_id(v, e) < 0;
            if (!bad)
                snprintf(d->id, sizeof d->id, "%s", v);
            break;
        case COL_RSRP:
            if (*v) {
                bad = csv_int(v, -200, 0, &d->rsrp) < 0;
                d->has_rsrp = !bad;
                if (bad)
                    ota_fail(e, OTA_E_VALIDATION, "", "must be an integer between -200 and 0 (got \"%.40s\")", v);
            }
            break;
        case COL_BATTERY:
            if (*v) {
                bad = csv_int(v, 0, 100, &d->battery) < 0;
                d->has_battery = !bad;
                if (bad)
                    ota_fail(e, OTA_E_VALIDATION, "", "must be an integer between 0 and 100 (got \"%.40s\")", v);
            }
            break;
        default:
            if (!*v)
                break; /* no version of this component on this device */
            if (strlen(v) > OTA_KEY_MAX) {
                bad = 1;
                ota_fail(e, OTA_E_VALIDATION, "", "a version has at most %d bytes (got %zu)", OTA_KEY_MAX, strlen(v));
                break;
            }
            ota_version *ver = &d->versions[d->nversions++];
            snprintf(ver->component, sizeof ver->component, "%s", head[i]);
            snprintf(ver->version, sizeof ver->version, "%s", v);
            ota_package_meta m = {.kind = OTA_KIND_FULL};
            snprintf(m.component, sizeof m.component, "%s", head[i]);
            snprintf(m.target_version, sizeof m.target_version, "%s", v);
            bad = ota_validate_package_meta(&m, e) < 0;
        }
        if (bad) {
            char msg[sizeof e->message];
            snprintf(msg, sizeof msg, "%s", e ? e->message : "");
            return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld, column %zu (%s): %s", c->line, i + 1,
                            head[i], msg);
        }
    }
    return 0;
}

static int import_csv(importer *im, const char *text, size_t len, ota_err *e)
{
    csv c = {.p = text, .end = text + len, .line = 1, .at = 1};
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        c.p += 3; /* UTF-8 byte order mark from spreadsheet exports */
    int kinds[OTA_MAX_COMPONENTS + 3];
    char *head[OTA_MAX_COMPONENTS + 3] = {0};
    size_t ncols = 0;
    int rc = -1;
    if (csv_header(&c, kinds, &ncols, e) < 0)
        goto out;
    for (size_t i = 0; i < ncols; i++) {
        head[i] = c.cells[i];
        c.cells[i] = NULL; /* keep the header names */
    }
    c.n = 0;
    int r;
    while ((r = csv_next(&c, e)) == 1) {
        ota_device *d = importer_slot(im, e);
        if (!d || csv_device(&c, kinds, head, ncols, d, e) < 0 ||
            idset_check(&im->seen, d->id, c.line, "line %ld", "file", e) < 0)
            goto out;
        im->n++;
    }
    if (r == 0)
        rc = importer_flush(im, e);
out:
    csv_clear(&c);
    free(c.cells);
    for (size_t i = 0; i < ncols; i++)
        free(head[i]);
    return rc;
}

#define IMPORT_FILE_MAX (1024L * 1024 * 1024)

static char *slurp(const char *path, size_t *len, ota_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ota_fail(e, OTA_E_IO, "file", "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            if (cap > (size_t)IMPORT_FILE_MAX + 65536) {
                ota_fail(e, OTA_E_TOO_LARGE, "file", "%s: at most 1 GiB", path);
                goto fail;
            }
            char *b = realloc(buf, cap + 1);
            if (!b) {
                ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                goto fail;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        ota_fail(e, OTA_E_IO, "file", "cannot read %s", path);
        goto fail;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
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
    bool json = ends_with(path, ".json");
    if (!json && !ends_with(path, ".csv"))
        return ota_fail(e, OTA_E_UNSUPPORTED_MEDIA, "file", "%s: a device file ends in .json or .csv", path);
    size_t len;
    char *text = slurp(path, &len, e);
    if (!text)
        return -1;
    importer im = {.eng = eng, .product = product, .buf = malloc(IMPORT_CHUNK * sizeof(ota_device))};
    int rc = -1;
    if (!im.buf) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        goto out;
    }
    ENGINE_LOCK(eng);
    if (need_product(eng, product, e) == 0 && store_tx_begin(eng, e) == 0) {
        rc = json ? import_json(&im, text, len, e) : import_csv(&im, text, len, e);
        if (rc == 0)
            rc = store_tx_commit(eng, e);
        else
            store_tx_rollback(eng, e);
    }
    ENGINE_UNLOCK(eng);
out:
    idset_free(&im.seen);
    free(im.buf);
    free(text);
    if (rc == 0 && res)
        *res = im.res;
    return rc;
}

/* ------------------------------------------------------------- reading */

static int device_versions(ota_engine *eng, int64_t row, ota_device *d, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT component, version FROM device_versions"
                                       " WHERE device=? ORDER BY component", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, row);
    int s;
    d->nversions = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && d->nversions < OTA_MAX_COMPONENTS) {
        ota_version *v = &d->versions[d->nversions++];
        store_copy_text(st, 0, v->component, sizeof v->component);
        store_copy_text(st, 1, v->version, sizeof v->version);
    }
    store_done(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return store_fail(eng, e, "device versions");
    return 0;
}

/* Columns: id, device_id, product, rsrp, battery, last_seen */
static void device_row(sqlite3_stmt *st, ota_device *d)
{
    memset(d, 0, sizeof *d);
    store_copy_text(st, 1, d->id, sizeof d->id);
    store_copy_text(st, 2, d->product, sizeof d->product);
    d->has_rsrp = sqlite3_column_type(st, 3) != SQLITE_NULL;
    d->rsrp = sqlite3_column_int(st, 3);
    d->has_battery = sqlite3_column_type(st, 4) != SQLITE_NULL;
    d->battery = sqlite3_column_int(st, 4);
    d->last_seen = sqlite3_column_int64(st, 5);
}

int ota_device_get(ota_engine *eng, const char *id, ota_device *out, ota_err *e)
{
    int rc = -1;
    ENGINE_LOCK(eng);
    sqlite3_stmt *st = store_stmt(eng, "SELECT id, device_id, product, rsrp, battery, last_seen"
                                       " FROM devices WHERE device_id=?", e);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    int64_t row = 0;
    if (s == SQLITE_ROW) {
        device_row(st, out);
        row = sqlite3_column_int64(st, 0);
    } else if (s == SQLITE_DONE) {
        ota_fail(e, OTA_E_NOT_FOUND, "device", "no device \"%s\"", id);
    } else {
        store_fail(eng, e, "device lookup");
    }
    store_done(st);
    if (row)
        rc = device_versions(eng, row, out, e);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

/* Pages are ordered by device id.  The cursor is the row id of the last
 * device shown; the next page starts after that device's id. */
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
    if (product && *product && need_product(eng, product, e) < 0)
        goto out;
    /* Two texts so each can use its index: (product, device_id) or device_id. */
    sqlite3_stmt *st = product && *product
        ? store_stmt(eng, "SELECT id, device_id, product, rsrp, battery, last_seen FROM devices"
                          " WHERE product=?1 AND (?2 IS NULL OR instr(device_id, ?2) > 0)"
                          " AND device_id > coalesce((SELECT device_id FROM devices WHERE id=?3), '')"
                          " ORDER BY device_id LIMIT ?4", e)
        : store_stmt(eng, "SELECT id, device_id, product, rsrp, battery, last_seen FROM devices"
                          " WHERE (?2 IS NULL OR instr(device_id, ?2) > 0)"
                          " AND device_id > coalesce((SELECT device_id FROM devices WHERE id=?3), '')"
                          " ORDER BY device_id LIMIT ?4", e);
    if (!st)
        goto out;
    if (product && *product)
        sqlite3_bind_text(st, 1, product, -1, SQLITE_STATIC);
    if (q && *q)
        sqlite3_bind_text(st, 2, q, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int(st, 4, req.limit + 1);
    int64_t rows[OTA_LIST_MAX + 1];
    int s;
    bool more = false;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == (size_t)req.limit) {
            more = true;
            break;
        }
        rows[out->n] = sqlite3_column_int64(st, 0);
        device_row(st, &out->items[out->n++]);
    }
    store_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        store_fail(eng, e, "device list");
        goto out;
    }
    for (size_t i = 0; i < out->n; i++)
        if (device_versions(eng, rows[i], &out->items[i], e) < 0)
            goto out;
    if (more && out->n)
        snprintf(out->next_cursor, sizeof out->next_cursor, "%lld", (long long)rows[out->n - 1]);
    rc = 0;
out:
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
