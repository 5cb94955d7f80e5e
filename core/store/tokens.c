/* The SQLite store: API tokens (name, role as text, the hash of the secret,
 * created and revoked times). */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

int store_token_name_taken(ota_engine *eng, const char *name, bool *taken, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT 1 FROM tokens WHERE name = ?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(eng, e, "token name lookup");
    *taken = rc == SQLITE_ROW;
    return 0;
}

int store_token_insert(ota_engine *eng, const ota_token_info *t, const unsigned char *hash,
                       size_t hash_len, int64_t *id, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO tokens(name, role, hash, created_at) VALUES(?, ?, ?, ?)", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ota_role_str(t->role), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, hash, (int)hash_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, t->created_at);
    int src = sqlite3_step(st);
    store_done(st);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        return ota_fail(e, OTA_E_CONFLICT, "name", "a token named '%s' already exists", t->name);
    if (src != SQLITE_DONE)
        return store_fail(eng, e, "token insert");
    *id = sqlite3_last_insert_rowid(STORE_DB(eng));
    return 0;
}

/* Columns: id, name, role, created_at, revoked_at (0 = active) */
static void token_row(sqlite3_stmt *st, ota_token_info *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    store_copy_text(st, 1, t->name, sizeof t->name);
    if (ota_role_parse((const char *)sqlite3_column_text(st, 2), &t->role) < 0)
        t->role = OTA_ROLE_VIEWER;  /* unknown role in the db: least power */
    t->created_at = sqlite3_column_int64(st, 3);
    t->revoked_at = sqlite3_column_int64(st, 4);
}

int store_token_list(ota_engine *eng, ota_token_list *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT id, name, role, created_at, coalesce(revoked_at, 0) FROM tokens ORDER BY id", e);
    if (!st)
        return -1;
    size_t cap = 0;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            ota_token_info *v = realloc(out->items, cap * sizeof *v);
            if (!v) {
                ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                goto fail;
            }
            out->items = v;
        }
        token_row(st, &out->items[out->n++]);
    }
    if (src != SQLITE_DONE) {
        store_fail(eng, e, "token list");
        goto fail;
    }
    store_done(st);
    return 0;
fail:
    store_done(st);
    ota_token_list_free(out);
    return -1;
}

int store_token_revoke(ota_engine *eng, const char *name, int64_t at, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    store_done(st);
    if (src != SQLITE_DONE)
        return store_fail(eng, e, "token revoke");
    if (store_changes(eng) == 0)
        return ota_fail(e, OTA_E_NOT_FOUND, "name", "no active token named '%s'", name);
    return 0;
}

int store_token_by_hash(ota_engine *eng, const unsigned char *hash, size_t len, ota_token_info *out,
                        unsigned char *stored, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT id, name, role, created_at, coalesce(revoked_at, 0), hash FROM tokens WHERE hash = ?", e);
    if (!st)
        return -1;
    sqlite3_bind_blob(st, 1, hash, (int)len, SQLITE_STATIC);
    int src = sqlite3_step(st), found = 0;
    if (src == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(st, 5);
        if (h && sqlite3_column_bytes(st, 5) == (int)len) {
            token_row(st, out);
            memcpy(stored, h, len);
            found = 1;
        }
    } else if (src != SQLITE_DONE) {
        found = store_fail(eng, e, "token lookup");
    }
    store_done(st);
    return found;
}
