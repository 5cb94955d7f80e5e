/* Device identity (ota_devauth.h): a product's device_auth, each device's
 * own token (issue, rotate, revoke, bulk issue, enrollment) and the check
 * of every device request (ota_device_authenticate).
 *
 * A token is "otd_" + 32 random bytes in base64url, the API tokens' scheme
 * (core/tokens.c): only its BLAKE2b-256 hash is stored, on the device's
 * row (unique, so a hash names one device); a lookup hashes the presented
 * token, finds the device by hash and compares the hashes again in
 * constant time.  The token itself is never stored, logged or audited.
 *
 * Speed: every check-in asks ota_device_authenticate.  The hashes of active
 * tokens that have been presented are cached with their device and product
 * (struct tok_cache, an open-addressed table keyed by the hash), beside the
 * products' key cache (core/products.c).  Coherence through the store's
 * change watcher: another process's commit or a rollback empties it; this
 * engine's own writes (issue, rotate, revoke) drop the old hash's entry
 * as soon as they are committed, so a rotated or revoked token fails at
 * the very next request.  Unknown tokens are never cached: a flood of
 * forged tokens costs store lookups, not memory. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "store.h"

#define TOKEN_BYTES 32
#define HASH_LEN STORE_TOKEN_HASH_LEN

static const char *const auth_names[] = {"product_key", "device_token"};
static const char *const cred_names[] = {"none", "active", "revoked"};

const char *ota_device_auth_str(ota_device_auth a)
{
    return (unsigned)a < 2 ? auth_names[a] : "unknown";
}

int ota_device_auth_parse(const char *s, ota_device_auth *out)
{
    for (unsigned i = 0; s && i < 2; i++)
        if (!strcmp(s, auth_names[i])) {
            *out = (ota_device_auth)i;
            return 0;
        }
    return -1;
}

const char *ota_credential_str(ota_credential c)
{
    return (unsigned)c < 3 ? cred_names[c] : "unknown";
}

int ota_credential_parse(const char *s, ota_credential *out)
{
    for (unsigned i = 0; s && i < 3; i++)
        if (!strcmp(s, cred_names[i])) {
            *out = (ota_credential)i;
            return 0;
        }
    return -1;
}

/* ---------------------------------------------------------------- tokens */
static void token_hash(const char *token, unsigned char out[HASH_LEN])
{
    crypto_generichash(out, HASH_LEN, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* "otd_" and 43 base64url characters, nothing else (a table: this runs
 * on every device request). */
static bool token_well_formed(const char *t)
{
#define B64(c) [c] = 1
    static const unsigned char ok[256] = {
        B64('-'), B64('_'), B64('0'), B64('1'), B64('2'), B64('3'), B64('4'), B64('5'), B64('6'), B64('7'),
        B64('8'), B64('9'), B64('A'), B64('B'), B64('C'), B64('D'), B64('E'), B64('F'), B64('G'), B64('H'),
        B64('I'), B64('J'), B64('K'), B64('L'), B64('M'), B64('N'), B64('O'), B64('P'), B64('Q'), B64('R'),
        B64('S'), B64('T'), B64('U'), B64('V'), B64('W'), B64('X'), B64('Y'), B64('Z'), B64('a'), B64('b'),
        B64('c'), B64('d'), B64('e'), B64('f'), B64('g'), B64('h'), B64('i'), B64('j'), B64('k'), B64('l'),
        B64('m'), B64('n'), B64('o'), B64('p'), B64('q'), B64('r'), B64('s'), B64('t'), B64('u'), B64('v'),
        B64('w'), B64('x'), B64('y'), B64('z'),
    };
#undef B64
    if (strncmp(t, "otd_", 4))
        return false;
    size_t i = 4;
    while (i < OTA_DEVICE_TOKEN_LEN && ok[(unsigned char)t[i]])
        i++;
    return i == OTA_DEVICE_TOKEN_LEN && t[i] == 0;
}

static void token_new(char out[OTA_DEVICE_TOKEN_LEN + 1], unsigned char hash[HASH_LEN])
{
    unsigned char raw[TOKEN_BYTES];
    char b64[sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    memcpy(out, "otd_", 4);
    memcpy(out + 4, b64, OTA_DEVICE_TOKEN_LEN - 4);  /* 32 bytes -> 43 characters */
    out[OTA_DEVICE_TOKEN_LEN] = 0;
    sodium_memzero(b64, sizeof b64);
    token_hash(out, hash);
}

/* ----------------------------------------------------------- token cache */
/* Linear probing over a power-of-two table at most half full, indexed by
 * the hash's first bytes (uniform: it is a BLAKE2b output); deletion
 * shifts the following entries back, so no tombstones.  Past TC_MAX
 * entries the table starts over: memory stays bounded on any fleet. */
#define TC_MAX (1u << 20)
struct tc_entry {
    unsigned char hash[HASH_LEN];
    char *ids;   /* "device\0product\0"; NULL: a free slot */
};
struct tok_cache {
    store_watch watch;
    struct tc_entry *t;
    size_t cap, n;
};

static size_t tc_index(const unsigned char *hash, size_t cap)
{
    uint64_t h;
    memcpy(&h, hash, sizeof h);
    return (size_t)h & (cap - 1);
}

static void tc_clear(struct tok_cache *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->t[i].ids);
    free(c->t);
    c->t = NULL;
    c->cap = c->n = 0;
}

void devauth_free(ota_engine *eng)
{
    if (eng->tokcache) {
        tc_clear(eng->tokcache);
        free(eng->tokcache);
        eng->tokcache = NULL;
    }
}

/* The cache, emptied when another process committed or a transaction
 * rolled back; NULL when out of memory.  Caller holds the lock. */
static struct tok_cache *tc_get(ota_engine *eng)
{
    struct tok_cache *c = eng->tokcache;
    if (!c) {
        if (!(c = eng->tokcache = calloc(1, sizeof *c)))
            return NULL;
        store_watch_init(&c->watch);
    }
    if (store_watch_check(eng, &c->watch, STORE_WATCH_RELAXED) & (STORE_MOVED_OTHERS | STORE_MOVED_ROLLBACK))
        tc_clear(c);
    return c;
}

/* The probe skips entries whose first bytes differ (the slot index says
 * as much about the hash already); the entry found is compared in full in
 * constant time, the scheme's compare. */
static struct tc_entry *tc_find(struct tok_cache *c, const unsigned char *hash)
{
    if (!c || !c->n)
        return NULL;
    uint64_t h0;
    memcpy(&h0, hash, sizeof h0);
    for (size_t k = tc_index(hash, c->cap); c->t[k].ids; k = (k + 1) & (c->cap - 1)) {
        uint64_t e0;
        memcpy(&e0, c->t[k].hash, sizeof e0);
        if (e0 == h0 && sodium_memcmp(c->t[k].hash, hash, HASH_LEN) == 0)
            return &c->t[k];
    }
    return NULL;
}

static void tc_insert(struct tok_cache *c, const unsigned char *hash, char *ids)
{
    size_t k = tc_index(hash, c->cap);
    while (c->t[k].ids)
        k = (k + 1) & (c->cap - 1);
    memcpy(c->t[k].hash, hash, HASH_LEN);
    c->t[k].ids = ids;
    c->n++;
}

static bool tc_grow(struct tok_cache *c)
{
    size_t cap = c->cap ? c->cap * 2 : 1024;
    struct tc_entry *t = calloc(cap, sizeof *t), *old = c->t;
    if (!t)
        return false;
    size_t ocap = c->cap;
    c->t = t;
    c->cap = cap;
    c->n = 0;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].ids)
            tc_insert(c, old[i].hash, old[i].ids);
    free(old);
    return true;
}

/* Remember an active token (a cache that cannot grow just stays as it is). */
static void tc_put(struct tok_cache *c, const unsigned char *hash, const char *device, const char *product)
{
    if (!c || tc_find(c, hash))
        return;
    if (c->n >= TC_MAX)
        tc_clear(c);
    if ((c->n + 1) * 2 > c->cap && !tc_grow(c))
        return;
    size_t dl = strlen(device), pl = strlen(product);
    char *ids = malloc(dl + pl + 2);
    if (!ids)
        return;
    memcpy(ids, device, dl + 1);
    memcpy(ids + dl + 1, product, pl + 1);
    tc_insert(c, hash, ids);
}

static void tc_del(struct tok_cache *c, const unsigned char *hash)
{
    struct tc_entry *x = tc_find(c, hash);
    if (!x)
        return;
    size_t i = (size_t)(x - c->t), mask = c->cap - 1;
    free(x->ids);
    x->ids = NULL;
    c->n--;
    /* shift back every entry of the run that would no longer be found */
    for (size_t j = (i + 1) & mask; c->t[j].ids; j = (j + 1) & mask) {
        size_t home = tc_index(c->t[j].hash, c->cap);
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (between)
            continue;
        c->t[i] = c->t[j];
        c->t[j].ids = NULL;
        i = j;
    }
}

/* This engine replaced or withdrew the token whose hash is old: its entry
 * goes at once.  Caller holds the lock. */
static void tc_forget(ota_engine *eng, const unsigned char *old)
{
    tc_del(tc_get(eng), old);
}

/* ------------------------------------------------------- the one check */
static int no_credential(ota_err *e)
{
    return ota_fail(e, OTA_E_UNAUTHORIZED, "device_token", "the device API needs the device's token or its"
                    " product's device key");
}

/* The device and product of an active token (hash): *ids points at
 * "device\0product\0" in the cache (valid while the lock is held), filled
 * from the store on a miss: 1 found, 0 not, -1 failure.  Caller holds the
 * lock; buf (OTA_DEVICE_ID_MAX + OTA_KEY_MAX + 2) holds the ids when the
 * cache cannot. */
static int token_owner(ota_engine *eng, const unsigned char *hash, const char **ids, char *buf, ota_err *e)
{
    struct tok_cache *c = tc_get(eng);
    struct tc_entry *x = tc_find(c, hash);
    if (x) {
        *ids = x->ids;
        return 1;
    }
    unsigned char stored[HASH_LEN];
    char product[OTA_KEY_MAX + 1];
    int found = store_device_by_token(eng, hash, HASH_LEN, buf, OTA_DEVICE_ID_MAX + 1, product, sizeof product,
                                      stored, e);
    if (found != 1)
        return found;
    if (sodium_memcmp(stored, hash, HASH_LEN) != 0)
        return 0;
    tc_put(c, hash, buf, product);
    size_t dl = strlen(buf);
    memcpy(buf + dl + 1, product, strlen(product) + 1);
    *ids = buf;
    return 1;
}

/* libsodium once per process (sodium_init takes a lock at every call). */
static bool sodium_ready(void)
{
    static _Atomic int ready;
    if (ready)
        return true;
    if (sodium_init() < 0)
        return false;
    ready = 1;
    return true;
}

static int auth_token(ota_engine *eng, const char *product, const char *device, const char *token, char *device_out,
                      ota_err *e)
{
    if (!token_well_formed(token) || !sodium_ready())
        return ota_fail(e, OTA_E_UNAUTHORIZED, "device_token", "unknown or revoked device token");
    unsigned char hash[HASH_LEN];
    token_hash(token, hash);
    char buf[OTA_DEVICE_ID_MAX + OTA_KEY_MAX + 2];
    const char *ids;
    int rc = 0;
    ENGINE_LOCK(eng);
    int found = token_owner(eng, hash, &ids, buf, e);
    if (found == 1) {
        const char *tprod = ids + strlen(ids) + 1;
        if (product && *product && strcmp(product, tprod))
            rc = ota_fail(e, OTA_E_FORBIDDEN, "device_token", "the token is a device's of another product, not of %s",
                          product);
        else if (device && strcmp(device, ids))
            rc = ota_fail(e, OTA_E_FORBIDDEN, "device_token", "the token is another device's, not %s's", device);
        else if (device_out)
            memcpy(device_out, ids, strlen(ids) + 1);
    }
    ENGINE_UNLOCK(eng);
    if (found < 0)
        return -1;
    if (!found)
        return ota_fail(e, OTA_E_UNAUTHORIZED, "device_token", "unknown or revoked device token");
    return rc;
}

int ota_device_authenticate(ota_engine *eng, const char *product, const char *device, const char *product_key,
                            const char *device_token, char *device_out, ota_err *e)
{
    if (device_token && *device_token)
        return auth_token(eng, product, device, device_token, device_out, e);
    if (!product_key || !*product_key)
        return no_credential(e);
    product_auth pa;
    if (!product || products_auth_get(eng, product, &pa) != 1 || !products_key_ok(&pa, product_key))
        return ota_fail(e, OTA_E_UNAUTHORIZED, "product_key", "not the device key of product '%s'",
                        product ? product : "");
    if (pa.mode == OTA_DEVICE_AUTH_DEVICE_TOKEN)
        return ota_fail(e, OTA_E_UNAUTHORIZED, "device_token", "product '%s' needs each device's own token;"
                        " its device key only enrolls a device that has none yet", product);
    if (device_out)
        snprintf(device_out, OTA_DEVICE_ID_MAX + 1, "%s", device ? device : "");
    return 0;
}

int ota_device_authenticate_job(ota_engine *eng, int64_t job, const char *product_key, const char *device_token,
                                char *product_out, char *device_out, ota_err *e)
{
    char product[OTA_KEY_MAX + 1], device[OTA_DEVICE_ID_MAX + 1];
    ENGINE_LOCK(eng);
    int rc = store_job_owner(eng, job, product, device, e);
    ENGINE_UNLOCK(eng);
    if (rc < 0 || ota_device_authenticate(eng, product, device, product_key, device_token, NULL, e) < 0)
        return -1;
    if (product_out)
        memcpy(product_out, product, strlen(product) + 1);
    if (device_out)
        memcpy(device_out, device, strlen(device) + 1);
    return 0;
}

/* ---------------------------------------------------------------- writes */
static int device_id_check(const char *device, const char *field, ota_err *e)
{
    if (!device)
        return ota_fail(e, OTA_E_VALIDATION, field, "is required");
    if (ota_validate_device_id(device, e) < 0) {
        if (e)
            snprintf(e->field, sizeof e->field, "%s", field);
        return -1;
    }
    return 0;
}

static int need_product(ota_engine *eng, const char *product, ota_err *e)
{
    bool exists;
    if (!product || !*product)
        return ota_fail(e, OTA_E_VALIDATION, "product", "is required");
    if (store_product_exists(eng, product, &exists, e) < 0)
        return -1;
    return exists ? 0 : ota_fail(e, OTA_E_NOT_FOUND, "product", "no product \"%s\"", product);
}

/* The device's credential, registering a device not known yet in product;
 * a device of another product is refused (field names it).  Inside the
 * caller's transaction. */
static int cred_for(ota_engine *eng, const char *product, const char *device, const char *field,
                    store_device_cred *c, ota_err *e)
{
    int found = store_device_cred_get(eng, device, c, e);
    if (found < 0)
        return -1;
    if (found && strcmp(c->product, product))
        return ota_fail(e, OTA_E_VALIDATION, field, "device \"%s\" belongs to product \"%s\", not \"%s\"", device,
                        c->product, product);
    if (!found && store_device_register(eng, product, device, e) < 0)
        return -1;
    return 0;
}

/* A new token for a device whose credential is c (its old hash, if any,
 * copied to old_out for the cache: *had_old tells).  Inside the caller's
 * transaction. */
static int cred_issue(ota_engine *eng, const char *device, const store_device_cred *c, char *token_out,
                      unsigned char *old_out, bool *had_old, ota_err *e)
{
    unsigned char hash[HASH_LEN];
    token_new(token_out, hash);
    *had_old = c->has_hash;
    if (c->has_hash)
        memcpy(old_out, c->hash, HASH_LEN);
    return store_device_cred_set(eng, device, OTA_CRED_ACTIVE, hash, HASH_LEN, ota_engine_now(eng), e);
}

static int token_issue(ota_engine *eng, const char *product, const char *device, char *token_out, bool *rotated,
                       ota_err *e)
{
    if (device_id_check(device, "device", e) < 0)
        return -1;
    if (sodium_init() < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium failed to initialise");
    store_device_cred c;
    unsigned char old[HASH_LEN];
    char tok[OTA_DEVICE_TOKEN_LEN + 1];
    int rc = -1;
    ENGINE_LOCK(eng);
    if (store_tx_begin(eng, e) < 0)
        goto out;
    if (need_product(eng, product, e) < 0 || cred_for(eng, product, device, "device", &c, e) < 0 ||
        cred_issue(eng, device, &c, tok, old, rotated, e) < 0) {
        store_tx_rollback(eng, e);
        goto out;
    }
    if (store_tx_commit(eng, e) < 0)
        goto out;
    if (*rotated)
        tc_forget(eng, old);
    memcpy(token_out, tok, sizeof tok);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    sodium_memzero(tok, sizeof tok);
    return rc;
}

int ota_device_token_issue(ota_engine *eng, const char *product, const char *device, char *token_out, ota_err *e)
{
    bool rotated = false;
    int rc = token_issue(eng, product, device, token_out, &rotated, e);
    audit_note(eng, rotated ? "device.token.rotate" : "device.token.issue", rc, e, product ? product : "",
               "device:%.128s", device ? device : "");
    return rc;
}

static int token_revoke(ota_engine *eng, const char *product, const char *device, ota_err *e)
{
    if (device_id_check(device, "device", e) < 0)
        return -1;
    store_device_cred c;
    int rc = -1;
    ENGINE_LOCK(eng);
    if (store_tx_begin(eng, e) < 0)
        goto out;
    int found = need_product(eng, product, e) < 0 ? -1 : store_device_cred_get(eng, device, &c, e);
    if (found >= 0 && !(found && !strcmp(c.product, product) && c.state == OTA_CRED_ACTIVE)) {
        ota_fail(e, OTA_E_NOT_FOUND, "device", "device \"%s\" of product \"%s\" has no active token", device, product);
        found = -1;
    }
    if (found < 0 || store_device_cred_set(eng, device, OTA_CRED_REVOKED, NULL, 0, ota_engine_now(eng), e) < 0) {
        store_tx_rollback(eng, e);
        goto out;
    }
    if (store_tx_commit(eng, e) < 0)
        goto out;
    if (c.has_hash)
        tc_forget(eng, c.hash);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_device_token_revoke(ota_engine *eng, const char *product, const char *device, ota_err *e)
{
    int rc = token_revoke(eng, product, device, e);
    audit_note(eng, "device.token.revoke", rc, e, product ? product : "", "device:%.128s", device ? device : "");
    return rc;
}

/* ------------------------------------------------------------------ bulk */
void ota_device_token_list_free(ota_device_token_list *l)
{
    if (!l)
        return;
    if (l->items)
        sodium_memzero(l->items, l->n * sizeof *l->items);
    free(l->items);
    memset(l, 0, sizeof *l);
}

int ota_device_ids_check(const char *const *ids, size_t n, ota_err *e)
{
    devfile_ids seen = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char field[40];
        snprintf(field, sizeof field, "devices[%zu]", i);
        rc = device_id_check(ids[i], field, e);
        if (rc == 0)
            rc = devfile_ids_check(&seen, ids[i], (long)i, "devices[%ld]", field, e);
    }
    devfile_ids_free(&seen);
    return rc;
}

static int tokens_issue(ota_engine *eng, const char *product, const char *const *ids, size_t n, bool rotate,
                        ota_device_token_list *out, size_t *rotated, ota_err *e)
{
    if (ota_device_ids_check(ids, n, e) < 0)
        return -1;
    if (sodium_init() < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium failed to initialise");
    ota_device_token_list l = {0};
    unsigned char *old = NULL;  /* the rotated tokens' hashes, for the cache */
    if (n && (!(l.items = calloc(n, sizeof *l.items)) || !(old = malloc(n * HASH_LEN)))) {
        free(l.items);
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    }
    int rc = -1;
    ENGINE_LOCK(eng);
    if (store_tx_begin(eng, e) < 0)
        goto out;
    rc = need_product(eng, product, e);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char field[40];
        snprintf(field, sizeof field, "devices[%zu]", i);
        store_device_cred c;
        bool had;
        if ((rc = cred_for(eng, product, ids[i], field, &c, e)) < 0)
            break;
        if (c.state == OTA_CRED_ACTIVE && !rotate) {
            l.skipped++;
            continue;
        }
        ota_device_token *t = &l.items[l.n];
        if ((rc = cred_issue(eng, ids[i], &c, t->token, old + *rotated * HASH_LEN, &had, e)) < 0)
            break;
        snprintf(t->device, sizeof t->device, "%s", ids[i]);
        l.n++;
        *rotated += had;
    }
    if (rc < 0) {
        store_tx_rollback(eng, e);
    } else if ((rc = store_tx_commit(eng, e)) == 0) {
        for (size_t i = 0; i < *rotated; i++)
            tc_forget(eng, old + i * HASH_LEN);
    }
out:
    ENGINE_UNLOCK(eng);
    free(old);
    if (rc < 0) {
        ota_device_token_list_free(&l);
        *rotated = 0;
        return -1;
    }
    *out = l;
    return 0;
}

int ota_device_tokens_issue(ota_engine *eng, const char *product, const char *const *ids, size_t n, bool rotate,
                            ota_device_token_list *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    size_t rotated = 0;
    int rc = tokens_issue(eng, product, ids, n, rotate, out, &rotated, e);
    char detail[120];
    snprintf(detail, sizeof detail, "%zu issued (%zu rotated), %zu skipped", out->n, rotated, out->skipped);
    audit_note(eng, "device.tokens.issue", rc, e, detail, "product:%.64s", product ? product : "");
    return rc;
}

/* ------------------------------------------------------------ enrollment */
/* Refusals are audited once the product key is right (enrollment closed,
 * a device that has a token); a wrong key is nobody's action to record. */
int ota_device_enroll(ota_engine *eng, const char *product, const char *device, const char *product_key,
                      char *token_out, ota_err *e)
{
    if (device_id_check(device, "device", e) < 0)
        return -1;
    product_auth pa;
    if (!product || products_auth_get(eng, product, &pa) != 1 || !product_key || !products_key_ok(&pa, product_key))
        return ota_fail(e, OTA_E_UNAUTHORIZED, "product_key", "not the device key of product '%s'",
                        product ? product : "");
    if (sodium_init() < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium failed to initialise");
    store_device_cred c;
    unsigned char old[HASH_LEN];
    char tok[OTA_DEVICE_TOKEN_LEN + 1];
    bool had;
    int rc = -1;
    ENGINE_LOCK(eng);
    if (store_tx_begin(eng, e) < 0)
        goto out;
    /* The decision is the store's, not the cache's: inside the write
     * transaction, as of now. */
    int found = store_product_key_hash(eng, product, pa.key_hash, sizeof pa.key_hash, &pa.mode, &pa.closed, e);
    if (found == 0)
        ota_fail(e, OTA_E_UNAUTHORIZED, "product_key", "not the device key of product '%s'", product);
    if (found == 1 && pa.closed) {
        ota_fail(e, OTA_E_FORBIDDEN, "product", "enrollment of product %s is closed: an admin issues its devices'"
                 " tokens", product);
        found = -1;
    }
    if (found == 1 && (found = store_device_cred_get(eng, device, &c, e)) == 1) {
        if (strcmp(c.product, product)) {
            ota_fail(e, OTA_E_VALIDATION, "device", "device \"%s\" belongs to another product", device);
            found = -1;
        } else if (c.state != OTA_CRED_NONE) {
            ota_fail(e, OTA_E_CONFLICT, "device", "device \"%s\" has a token already (%s): only an admin issues it"
                     " a new one", device, ota_credential_str(c.state));
            found = -1;
        }
    } else if (found == 0) {
        memset(&c, 0, sizeof c);
        found = store_device_register(eng, product, device, e) < 0 ? -1 : 1;
    }
    if (found != 1 || cred_issue(eng, device, &c, tok, old, &had, e) < 0) {
        store_tx_rollback(eng, e);
        goto out;
    }
    if (store_tx_commit(eng, e) < 0)
        goto out;
    memcpy(token_out, tok, sizeof tok);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    sodium_memzero(tok, sizeof tok);
    audit_note(eng, "device.enroll", rc, e, product, "device:%.128s", device);
    return rc;
}

/* ---------------------------------------------------- a product's mode */
/* Neither field given: the product and its count read in one snapshot,
 * nothing written (an empty merge patch changes nothing). */
static int get_auth(ota_engine *eng, const char *product, ota_product *out, long *without_token, ota_err *e)
{
    if (!product)
        return ota_fail(e, OTA_E_VALIDATION, "product", "is required");
    ENGINE_LOCK(eng);
    int rc = store_snapshot_begin(eng, e);
    if (rc == 0) {
        rc = store_product_get(eng, product, out, e) < 0 ||
                     store_product_devices_without_token(eng, product, without_token, e) < 0
                 ? -1
                 : 0;
        store_snapshot_end(eng);
    }
    ENGINE_UNLOCK(eng);
    return rc;
}

static int set_auth(ota_engine *eng, const char *product, int device_auth, int enrollment_closed, ota_product *out,
                    long *without_token, ota_err *e)
{
    if (device_auth < -1 || device_auth > OTA_DEVICE_AUTH_DEVICE_TOKEN)
        return ota_fail(e, OTA_E_VALIDATION, "device_auth", "must be product_key or device_token");
    if (enrollment_closed < -1 || enrollment_closed > 1)
        return ota_fail(e, OTA_E_VALIDATION, "enrollment", "must be open or closed");
    ota_product p;
    long n = 0;
    int rc = -1;
    ENGINE_LOCK(eng);
    if (store_tx_begin(eng, e) < 0)
        goto out;
    if (!product || store_product_get(eng, product, &p, e) < 0) {
        if (!product)
            ota_fail(e, OTA_E_VALIDATION, "product", "is required");
        store_tx_rollback(eng, e);
        goto out;
    }
    if (device_auth >= 0)
        p.device_auth = (ota_device_auth)device_auth;
    if (enrollment_closed >= 0)
        p.enrollment_closed = enrollment_closed;
    if (store_product_set_auth(eng, product, p.device_auth, p.enrollment_closed, e) < 0 ||
        store_product_devices_without_token(eng, product, &n, e) < 0) {
        store_tx_rollback(eng, e);
        goto out;
    }
    if (store_tx_commit(eng, e) < 0)
        goto out;
    products_forget(eng, product);
    if (out)
        *out = p;
    if (without_token)
        *without_token = n;
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_product_set_auth(ota_engine *eng, const char *product, int device_auth, int enrollment_closed,
                         ota_product *out, long *without_token, ota_err *e)
{
    ota_product p = {0};
    long n = 0;
    if (device_auth == -1 && enrollment_closed == -1) {  /* a read: no write, no audit row */
        if (get_auth(eng, product, &p, &n, e) < 0)
            return -1;
        if (out)
            *out = p;
        if (without_token)
            *without_token = n;
        return 0;
    }
    int rc = set_auth(eng, product, device_auth, enrollment_closed, &p, &n, e);
    char detail[160];
    snprintf(detail, sizeof detail, "device_auth %s, enrollment %s, %ld devices without a token",
             ota_device_auth_str(p.device_auth), p.enrollment_closed ? "closed" : "open", n);
    audit_note(eng, "product.auth", rc, e, detail, "product:%.64s", product ? product : "");
    if (rc == 0) {
        if (out)
            *out = p;
        if (without_token)
            *without_token = n;
    }
    return rc;
}
