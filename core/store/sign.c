/* The SQLite store: package signatures (table package_signatures). */
#include "sqlite.h"

int store_signatures_load(ota_engine *eng, int64_t package, ota_signature *out, size_t max, size_t *n,
                          ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT key_id, signer, signature, public_key, created_at"
                                       " FROM package_signatures WHERE package=? ORDER BY created_at, rowid", e);
    *n = 0;
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, package);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        ota_signature *g = &out[(*n)++];
        store_copy_text(st, 0, g->key_id, sizeof g->key_id);
        store_copy_text(st, 1, g->signer, sizeof g->signer);
        store_copy_text(st, 2, g->signature, sizeof g->signature);
        store_copy_text(st, 3, g->public_key, sizeof g->public_key);
        g->created_at = sqlite3_column_int64(st, 4);
    }
    store_done(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return store_fail(eng, e, "package signatures");
    return 0;
}

int store_signature_insert(ota_engine *eng, int64_t package, const ota_signature *s, int64_t created_at,
                           ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO package_signatures(package, key_id, signer, signature,"
                                       " public_key, created_at) VALUES(?,?,?,?,?,?)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, package);
    sqlite3_bind_text(st, 2, s->key_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->signer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, s->signature, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, s->public_key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, created_at);
    int rc = sqlite3_step(st);
    store_done(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return ota_fail(e, OTA_E_CONFLICT, "key_id", "package %lld is already signed by key %s",
                        (long long)package, s->key_id);
    return rc == SQLITE_DONE ? 0 : store_fail(eng, e, "signature insert");
}
