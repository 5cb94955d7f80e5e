/* The SQLite store: device identity (migration 8).  A product's device
 * authentication and enrollment; each device's own credential: the hash of
 * its active token (unique: a token names one device), its state as text
 * and when it was issued or revoked; whose a job is (a token speaks only
 * for its device's jobs). */
#include "sqlite.h"

#include <string.h>

int store_product_set_auth(ota_engine *eng, const char *product, ota_device_auth mode, bool closed, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE products SET device_auth = ?2, enrollment_closed = ?3 WHERE key = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, product, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ota_device_auth_str(mode), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, closed);
    if (store_step_done(eng, st, e, "product auth update") < 0)
        return -1;
    if (store_changes(eng) == 0)
        return ota_fail(e, OTA_E_NOT_FOUND, "product", "no product \"%s\"", product);
    return 0;
}

int store_product_devices_without_token(ota_engine *eng, const char *product, long *n, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT count(*) FROM devices WHERE product = ?1 AND token_hash IS NULL", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, product, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    *n = s == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    store_done(st);
    return s == SQLITE_ROW ? 0 : store_fail(eng, e, "devices without token");
}

int store_job_owner(ota_engine *eng, int64_t job, char *product, char *device, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT d.product, d.device_id FROM jobs j JOIN devices d ON d.id = j.device"
                                       " WHERE j.id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        store_copy_text(st, 0, product, OTA_KEY_MAX + 1);
        store_copy_text(st, 1, device, OTA_DEVICE_ID_MAX + 1);
    }
    store_done(st);
    if (s == SQLITE_DONE)
        return ota_fail(e, OTA_E_NOT_FOUND, "job", "no job %lld", (long long)job);
    return s == SQLITE_ROW ? 0 : store_fail(eng, e, "job owner");
}

int store_device_cred_get(ota_engine *eng, const char *device, store_device_cred *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT product, credential, credential_at, token_hash FROM devices"
                                       " WHERE device_id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    memset(out, 0, sizeof *out);
    if (s == SQLITE_ROW) {
        store_copy_text(st, 0, out->product, sizeof out->product);
        if (ota_credential_parse((const char *)sqlite3_column_text(st, 1), &out->state) < 0)
            out->state = OTA_CRED_REVOKED;  /* an unknown word in the file: nothing it could pass for */
        out->at = sqlite3_column_int64(st, 2);
        if (sqlite3_column_bytes(st, 3) == (int)sizeof out->hash) {
            memcpy(out->hash, sqlite3_column_blob(st, 3), sizeof out->hash);
            out->has_hash = true;
        }
    }
    store_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return store_fail(eng, e, "device credential lookup");
    return s == SQLITE_ROW;
}

int store_device_cred_set(ota_engine *eng, const char *device, ota_credential state, const unsigned char *hash,
                          size_t len, int64_t at, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE devices SET credential = ?2, token_hash = ?3, credential_at = ?4"
                                       " WHERE device_id = ?1", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ota_credential_str(state), -1, SQLITE_STATIC);
    if (hash)
        sqlite3_bind_blob(st, 3, hash, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, at);
    int s = sqlite3_step(st);
    store_done(st);
    if ((s & 0xff) == SQLITE_CONSTRAINT)
        return ota_fail(e, OTA_E_CONFLICT, "device", "another device holds this token");
    if (s != SQLITE_DONE)
        return store_fail(eng, e, "device credential update");
    if (store_changes(eng) == 0)
        return ota_fail(e, OTA_E_NOT_FOUND, "device", "no device \"%s\"", device);
    return 0;
}

int store_device_by_token(ota_engine *eng, const unsigned char *hash, size_t len, char *device, size_t dlen,
                          char *product, size_t plen, unsigned char *stored, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT device_id, product, token_hash FROM devices"
                                       " WHERE token_hash = ?1 AND credential = 'active'", e);
    if (!st)
        return -1;
    sqlite3_bind_blob(st, 1, hash, (int)len, SQLITE_STATIC);
    int s = sqlite3_step(st), found = 0;
    if (s == SQLITE_ROW && sqlite3_column_bytes(st, 2) == (int)len) {
        store_copy_text(st, 0, device, dlen);
        store_copy_text(st, 1, product, plen);
        memcpy(stored, sqlite3_column_blob(st, 2), len);
        found = 1;
    } else if (s != SQLITE_ROW && s != SQLITE_DONE) {
        found = store_fail(eng, e, "device token lookup");
    }
    store_done(st);
    return found;
}

int store_device_register(ota_engine *eng, const char *product, const char *device, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO devices(device_id, product) VALUES(?1, ?2)", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, product, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    store_done(st);
    if ((s & 0xff) == SQLITE_CONSTRAINT)
        return ota_fail(e, OTA_E_CONFLICT, "device", "device \"%s\" exists already", device);
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "device insert");
}
