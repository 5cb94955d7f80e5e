/* API tokens for otad: create, list, revoke, look up.
 *
 * A token is "ota_" followed by 32 random bytes in base64url.  Only its
 * BLAKE2b-256 hash is stored; a lookup hashes the presented token, finds
 * the row by hash and compares the hashes again in constant time, so the
 * secret never sits on disk and timing says nothing about it. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "store/sqlite.h" /* TRANSITIONAL: SQL moves to core/store/ */

#define TOKEN_HASH_LEN 32

static const char *const role_names[] = {"viewer", "operator", "admin"};

const char *ota_role_str(ota_role r)
{
    return (unsigned)r < 3 ? role_names[r] : "unknown";
}

int ota_role_parse(const char *s, ota_role *out)
{
    for (unsigned i = 0; s && i < 3; i++)
        if (!strcmp(s, role_names[i])) {
            *out = (ota_role)i;
            return 0;
        }
    return -1;
}

static void token_hash(const char *secret, unsigned char out[TOKEN_HASH_LEN])
{
    crypto_generichash(out, TOKEN_HASH_LEN, (const unsigned char *)secret, strlen(secret), NULL, 0);
}

static int token_name_check(const char *name, ota_err *e)
{
    size_t n = strlen(name);
    if (n == 0 || n > OTA_TOKEN_NAME_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "name", "must be 1 to %d characters (got %zu)",
                        OTA_TOKEN_NAME_MAX, n);
    for (const char *c = name; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              *c == '-' || *c == '_' || *c == '.' || *c == '@'))
            return ota_fail(e, OTA_E_VALIDATION, "name",
                            "only letters, digits, '-', '_', '.' and '@' are allowed (got '%c')", *c);
    return 0;
}

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

/* A free "<role>-<n>" name; called with the engine lock held. */
static int token_default_name(ota_engine *eng, ota_role role, char *out, size_t len, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT 1 FROM tokens WHERE name = ?", e);
    if (!st)
        return -1;
    for (int i = 1; i < 1000000; i++) {
        snprintf(out, len, "%s-%d", ota_role_str(role), i);
        sqlite3_bind_text(st, 1, out, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        store_done(st);
        if (rc == SQLITE_DONE)
            return 0;
        if (rc != SQLITE_ROW)
            return store_fail(eng, e, "token name lookup");
    }
    return ota_fail(e, OTA_E_CONFLICT, "name", "no free default name; give one with --name");
}

int ota_token_create(ota_engine *eng, const char *name, ota_role role, char *secret_out,
                     ota_token_info *out, ota_err *e)
{
    if ((unsigned)role > OTA_ROLE_ADMIN)
        return ota_fail(e, OTA_E_VALIDATION, "role", "must be viewer, operator or admin");
    if (sodium_init() < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium failed to initialise");
    char nm[OTA_TOKEN_NAME_MAX + 1];
    unsigned char raw[32], hash[TOKEN_HASH_LEN];
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    int rc = -1;

    ENGINE_LOCK(eng);
    if (name && *name) {
        if (token_name_check(name, e) < 0)
            goto out;
        snprintf(nm, sizeof nm, "%s", name);
    } else if (token_default_name(eng, role, nm, sizeof nm, e) < 0) {
        goto out;
    }
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    char secret[OTA_TOKEN_LEN + 1];
    memcpy(secret, "ota_", 4);
    memcpy(secret + 4, b64, OTA_TOKEN_LEN - 4);  /* 32 bytes -> 43 characters */
    secret[OTA_TOKEN_LEN] = 0;
    token_hash(secret, hash);

    sqlite3_stmt *st = store_stmt(eng,
        "INSERT INTO tokens(name, role, hash, created_at) VALUES(?, ?, ?, ?)", e);
    if (!st)
        goto out;
    int64_t now = ota_engine_now(eng);
    sqlite3_bind_text(st, 1, nm, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, ota_role_str(role), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, hash, sizeof hash, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, now);
    int src = sqlite3_step(st);
    store_done(st);
    if (src == SQLITE_CONSTRAINT || (src & 0xff) == SQLITE_CONSTRAINT) {
        ota_fail(e, OTA_E_CONFLICT, "name", "a token named '%s' already exists", nm);
        goto out;
    }
    if (src != SQLITE_DONE) {
        store_fail(eng, e, "token insert");
        goto out;
    }
    if (out) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_last_insert_rowid(STORE_DB(eng));
        snprintf(out->name, sizeof out->name, "%s", nm);
        out->role = role;
        out->created_at = now;
    }
    memcpy(secret_out, secret, sizeof secret);
    sodium_memzero(secret, sizeof secret);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    audit_note(eng, "token.create", rc, e, ota_role_str(role), "token:%s", rc == 0 ? nm : name ? name : "");
    return rc;
}

int ota_token_list_all(ota_engine *eng, ota_token_list *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    int rc = -1;
    ENGINE_LOCK(eng);
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT id, name, role, created_at, coalesce(revoked_at, 0) FROM tokens ORDER BY id", e);
    if (!st)
        goto out;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            ota_token_info *v = realloc(out->items, cap * sizeof *v);
            if (!v) {
                ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                store_done(st);
                goto out;
            }
            out->items = v;
        }
        token_row(st, &out->items[out->n++]);
    }
    store_done(st);
    if (src != SQLITE_DONE) {
        store_fail(eng, e, "token list");
        goto out;
    }
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        ota_token_list_free(out);
    return rc;
}

void ota_token_list_free(ota_token_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

int ota_token_revoke(ota_engine *eng, const char *name, ota_err *e)
{
    int rc = -1;
    ENGINE_LOCK(eng);
    sqlite3_stmt *st = store_stmt(eng,
        "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", e);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, ota_engine_now(eng));
    sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_TRANSIENT);
    int src = sqlite3_step(st);
    store_done(st);
    if (src != SQLITE_DONE) {
        store_fail(eng, e, "token revoke");
        goto out;
    }
    if (sqlite3_changes(STORE_DB(eng)) == 0) {
        ota_fail(e, OTA_E_NOT_FOUND, "name", "no active token named '%s'", name ? name : "");
        goto out;
    }
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    audit_note(eng, "token.revoke", rc, e, NULL, "token:%s", name ? name : "");
    return rc;
}

int ota_token_lookup(ota_engine *eng, const char *secret, ota_token_info *out, ota_err *e)
{
    if (!secret || strlen(secret) != OTA_TOKEN_LEN || strncmp(secret, "ota_", 4))
        return ota_fail(e, OTA_E_UNAUTHORIZED, NULL, "unknown or revoked token");
    if (sodium_init() < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium failed to initialise");
    unsigned char hash[TOKEN_HASH_LEN];
    token_hash(secret, hash);
    int rc = -1;
    ENGINE_LOCK(eng);
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT id, name, role, created_at, coalesce(revoked_at, 0), hash FROM tokens WHERE hash = ?", e);
    if (!st)
        goto out;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(st, 5);
        int hl = sqlite3_column_bytes(st, 5);
        ota_token_info t;
        token_row(st, &t);
        if (hl == TOKEN_HASH_LEN && h && sodium_memcmp(h, hash, TOKEN_HASH_LEN) == 0 && !t.revoked_at) {
            if (out)
                *out = t;
            rc = 0;
        }
    } else if (src != SQLITE_DONE) {
        store_done(st);
        store_fail(eng, e, "token lookup");
        goto out;
    }
    store_done(st);
    if (rc < 0)
        ota_fail(e, OTA_E_UNAUTHORIZED, NULL, "unknown or revoked token");
out:
    ENGINE_UNLOCK(eng);
    return rc;
}
