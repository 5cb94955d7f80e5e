/* The SQLite store: products (with the hash of their device key and how
 * their devices authenticate), devices (with their own credential's state)
 * and the versions each device runs.  The credentials' writes and lookups
 * are store/devauth.c's. */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- products */
int store_product_exists(ota_engine *eng, const char *key, bool *exists, ota_err *e)
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

int store_product_insert(ota_engine *eng, const ota_product *p, const unsigned char *hash,
                         size_t hash_len, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO products(key, name, device_key_hash, created_at, device_auth, enrollment_closed)"
        " VALUES(?,?,?,?,?,?)", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, p->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, hash, (int)hash_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, p->created_at);
    sqlite3_bind_text(st, 5, ota_device_auth_str(p->device_auth), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, p->enrollment_closed);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        store_fail(eng, e, "product insert");
    store_done(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Columns: key, name, created_at, device_auth, enrollment_closed */
#define PRODUCT_COLS "key, name, created_at, device_auth, enrollment_closed"
static void product_row(sqlite3_stmt *st, ota_product *out)
{
    memset(out, 0, sizeof *out);
    store_copy_text(st, 0, out->key, sizeof out->key);
    store_copy_text(st, 1, out->name, sizeof out->name);
    out->created_at = sqlite3_column_int64(st, 2);
    /* an unknown word in the file: the stricter mode */
    if (ota_device_auth_parse((const char *)sqlite3_column_text(st, 3), &out->device_auth) < 0)
        out->device_auth = OTA_DEVICE_AUTH_DEVICE_TOKEN;
    out->enrollment_closed = sqlite3_column_int(st, 4) != 0;
}

int store_product_get(ota_engine *eng, const char *key, ota_product *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT " PRODUCT_COLS " FROM products WHERE key=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st), rc = -1;
    if (s == SQLITE_ROW) {
        product_row(st, out);
        rc = 0;
    } else if (s == SQLITE_DONE) {
        ota_fail(e, OTA_E_NOT_FOUND, "product", "no product \"%s\"", key);
    } else {
        store_fail(eng, e, "product lookup");
    }
    store_done(st);
    return rc;
}

int store_product_list(ota_engine *eng, ota_product_list *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_stmt(eng, "SELECT " PRODUCT_COLS " FROM products ORDER BY key", e);
    if (!st)
        return -1;
    size_t cap = 0;
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
    store_done(st);
    return 0;
fail:
    store_done(st);
    ota_product_list_free(out);
    return -1;
}

int store_product_key_hash(ota_engine *eng, const char *product, unsigned char *hash, size_t len,
                           ota_device_auth *mode, bool *closed, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT device_key_hash, device_auth, enrollment_closed"
                                       " FROM products WHERE key=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, product, -1, SQLITE_STATIC);
    int s = sqlite3_step(st), found = 0;
    if (s == SQLITE_ROW && sqlite3_column_bytes(st, 0) == (int)len) {
        memcpy(hash, sqlite3_column_blob(st, 0), len);
        if (ota_device_auth_parse((const char *)sqlite3_column_text(st, 1), mode) < 0)
            *mode = OTA_DEVICE_AUTH_DEVICE_TOKEN;
        *closed = sqlite3_column_int(st, 2) != 0;
        found = 1;
    } else if (s != SQLITE_ROW && s != SQLITE_DONE) {
        found = store_fail(eng, e, "product lookup");
    }
    store_done(st);
    return found;
}

/* -------------------------------------------------------------- devices */
int store_device_put(ota_engine *eng, const char *product, const ota_device *d, bool *added,
                     ota_err *e)
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

    *added = row == 0;
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
    } else {
        /* Telemetry given replaces the stored values; absent stays. */
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

/* Columns: id, device_id, product, rsrp, battery, last_seen, credential, credential_at */
#define DEVICE_COLS "id, device_id, product, rsrp, battery, last_seen, credential, credential_at"
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
    if (ota_credential_parse((const char *)sqlite3_column_text(st, 6), &d->credential) < 0)
        d->credential = OTA_CRED_NONE;
    d->credential_at = sqlite3_column_int64(st, 7);
}

int store_device_get(ota_engine *eng, const char *id, ota_device *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT " DEVICE_COLS " FROM devices WHERE device_id=?", e);
    if (!st)
        return -1;
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
    return row ? device_versions(eng, row, out, e) : -1;
}

/* The cursor is the row id of the last device shown; the next page starts
 * after that device's id. */
int store_device_page(ota_engine *eng, const char *product, const char *q, int64_t after, int limit,
                      ota_device_page *out, ota_err *e)
{
    /* Two texts so each can use its index: (product, device_id) or device_id. */
    sqlite3_stmt *st = product && *product
        ? store_stmt(eng, "SELECT " DEVICE_COLS " FROM devices"
                          " WHERE product=?1 AND (?2 IS NULL OR instr(device_id, ?2) > 0)"
                          " AND device_id > coalesce((SELECT device_id FROM devices WHERE id=?3), '')"
                          " ORDER BY device_id LIMIT ?4", e)
        : store_stmt(eng, "SELECT " DEVICE_COLS " FROM devices"
                          " WHERE (?2 IS NULL OR instr(device_id, ?2) > 0)"
                          " AND device_id > coalesce((SELECT device_id FROM devices WHERE id=?3), '')"
                          " ORDER BY device_id LIMIT ?4", e);
    if (!st)
        return -1;
    if (product && *product)
        sqlite3_bind_text(st, 1, product, -1, SQLITE_STATIC);
    if (q && *q)
        sqlite3_bind_text(st, 2, q, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int(st, 4, limit + 1);
    int64_t rows[OTA_LIST_MAX + 1];
    int s;
    bool more = false;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == (size_t)limit) {
            more = true;
            break;
        }
        rows[out->n] = sqlite3_column_int64(st, 0);
        device_row(st, &out->items[out->n++]);
    }
    store_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return store_fail(eng, e, "device list");
    for (size_t i = 0; i < out->n; i++)
        if (device_versions(eng, rows[i], &out->items[i], e) < 0)
            return -1;
    if (more && out->n)
        snprintf(out->next_cursor, sizeof out->next_cursor, "%lld", (long long)rows[out->n - 1]);
    return 0;
}
