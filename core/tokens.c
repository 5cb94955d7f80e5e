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
#include "store.h"

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

/* A free "<role>-<n>" name; called with the engine lock held. */
static int token_default_name(ota_engine *eng, ota_role role, char *out, size_t len, ota_err *e)
{
    for (int i = 1; i < 1000000; i++) {
        snprintf(out, len, "%s-%d", ota_role_str(role), i);
        bool taken;
        if (store_token_name_taken(eng, out, &taken, e) < 0)
            return -1;
        if (!taken)
            return 0;
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

    ota_token_info t = {.role = role, .created_at = ota_engine_now(eng)};
    snprintf(t.name, sizeof t.name, "%s", nm);
    if (store_token_insert(eng, &t, hash, sizeof hash, &t.id, e) < 0)
        goto out;
    if (out)
        *out = t;
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
    ENGINE_LOCK(eng);
    int rc = store_token_list(eng, out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

void ota_token_list_free(ota_token_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

int ota_token_revoke(ota_engine *eng, const char *name, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_token_revoke(eng, name ? name : "", ota_engine_now(eng), e);
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
    unsigned char hash[TOKEN_HASH_LEN], stored[TOKEN_HASH_LEN];
    token_hash(secret, hash);
    ota_token_info t;
    ENGINE_LOCK(eng);
    int found = store_token_by_hash(eng, hash, sizeof hash, &t, stored, e);
    ENGINE_UNLOCK(eng);
    if (found < 0)
        return -1;
    if (!found || sodium_memcmp(stored, hash, TOKEN_HASH_LEN) != 0 || t.revoked_at)
        return ota_fail(e, OTA_E_UNAUTHORIZED, NULL, "unknown or revoked token");
    if (out)
        *out = t;
    return 0;
}
