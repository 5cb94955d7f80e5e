/* Signed packages: the canonical manifest, Ed25519 key files, signing,
 * stored signatures, and checks against a folder of trusted public keys.
 *
 * The manifest is what a signature covers (docs/manifest.md): the bytes
 * must be the same wherever they are rebuilt (console, otad, a device
 * agent), so it is written here by hand rather than by a JSON library
 * whose escaping or key order could change under us. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"
#include "store.h"

#define MANIFEST_FORMAT "otaconsole-manifest-v1"
#define KEYFILE_MAGIC   "otaconsole-ed25519"

/* ------------------------------------------------------------ manifest */
typedef struct cbuf { char *p; size_t n, cap; bool oom; } cbuf;

static void cb_put(cbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void cb_str(cbuf *b, const char *s) { cb_put(b, s, strlen(s)); }

/* A JSON string: '"' and '\\' escaped with a backslash, bytes below 0x20
 * as \u00XX (lowercase hex); everything else, UTF-8 included, as is. */
static void cb_json_str(cbuf *b, const char *s)
{
    cb_put(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char esc[8];
        if (*c == '"' || *c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*c;
            cb_put(b, esc, 2);
        } else if (*c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *c);
            cb_put(b, esc, 6);
        } else {
            cb_put(b, (const char *)c, 1);
        }
    }
    cb_put(b, "\"", 1);
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const ota_file *)a)->name, ((const ota_file *)b)->name);
}

/* Keys in byte order: component, files, format, kind, source_version,
 * target_version; each file: name, sha256, size; files sorted by name. */
static char *manifest_build(const char *component, ota_kind kind, const char *target, const char *source,
                            const ota_file *files, size_t nfiles, size_t *len)
{
    ota_file sorted[OTA_MAX_FILES];
    if (nfiles > OTA_MAX_FILES)
        nfiles = OTA_MAX_FILES;
    memcpy(sorted, files, nfiles * sizeof *files);
    qsort(sorted, nfiles, sizeof *sorted, file_cmp);
    cbuf b = {0};
    cb_str(&b, "{\"component\":");
    cb_json_str(&b, component);
    cb_str(&b, ",\"files\":[");
    for (size_t i = 0; i < nfiles; i++) {
        char num[32];
        cb_str(&b, i ? ",{\"name\":" : "{\"name\":");
        cb_json_str(&b, sorted[i].name);
        cb_str(&b, ",\"sha256\":");
        cb_json_str(&b, sorted[i].sha256);
        snprintf(num, sizeof num, ",\"size\":%llu}", (unsigned long long)sorted[i].size);
        cb_str(&b, num);
    }
    cb_str(&b, "],\"format\":\"" MANIFEST_FORMAT "\",\"kind\":");
    cb_json_str(&b, ota_kind_str(kind));
    cb_str(&b, ",\"source_version\":");
    if (source && *source)
        cb_json_str(&b, source);
    else
        cb_str(&b, "null");
    cb_str(&b, ",\"target_version\":");
    cb_json_str(&b, target);
    cb_str(&b, "}");
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    if (len)
        *len = b.n;
    return b.p;
}

char *ota_manifest(const ota_package *p, size_t *len)
{
    return manifest_build(p->meta.component, p->meta.kind, p->meta.target_version, p->meta.source_version,
                          p->files, p->nfiles, len);
}

char *ota_manifest_offer(const ota_offer_component *c, size_t *len)
{
    return manifest_build(c->component, c->kind, c->version, c->source_version, c->files, c->nfiles, len);
}

/* ------------------------------------------------------------ key files */
/* One line each:
 *   otaconsole-ed25519 public NAME <base64 of the 32-byte key>
 *   otaconsole-ed25519 secret NAME <base64 of the 64-byte libsodium secret key> */

static int sodium_ready(ota_err *e)
{
    if (sodium_init() < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium failed to initialise");
    return 0;
}

int ota_key_name_check(const char *name, ota_err *e)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > OTA_SIGNER_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "name", "a key name is 1 to %d bytes (got %zu)", OTA_SIGNER_MAX, n);
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_' || *c == '.' || *c == '@'))
            return ota_fail(e, OTA_E_VALIDATION, "name",
                            "a key name holds only letters, digits, '-', '_', '.' and '@' (got \"%s\")", name);
    if (name[0] == '.')
        return ota_fail(e, OTA_E_VALIDATION, "name", "a key name does not start with '.'");
    return 0;
}

static void key_id_of(const unsigned char pk[32], char out[OTA_KEY_ID_LEN + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, 32);
    sodium_bin2hex(out, OTA_KEY_ID_LEN + 1, h, OTA_KEY_ID_LEN / 2);
}

static void b64(char *out, size_t cap, const unsigned char *bin, size_t n)
{
    sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_ORIGINAL);
}

/* Exactly n bytes of base64 (padded) into bin; -1 otherwise. */
static int unb64(const char *s, unsigned char *bin, size_t n)
{
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(bin, n, s, strlen(s), NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return got == n && end && *end == 0 ? 0 : -1;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Creates path with exactly mode (O_EXCL: never over an existing file). */
static int write_new(const char *path, mode_t mode, const char *text, ota_err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return ota_fail(e, errno == EEXIST ? OTA_E_CONFLICT : OTA_E_IO, "name", "cannot create %s: %s%s", path,
                        strerror(errno), errno == EEXIST ? " (choose another name or move it away)" : "");
    int rc = fchmod(fd, mode) == 0 && write_all(fd, text, strlen(text)) == 0 && fsync(fd) == 0 ? 0 : -1;
    if (close(fd) < 0)
        rc = -1;
    if (rc < 0) {
        int err = errno;
        unlink(path);
        return ota_fail(e, OTA_E_IO, "name", "cannot write %s: %s", path, strerror(err));
    }
    return 0;
}

int ota_key_generate(const char *name, const char *dir, char *sec_path, char *pub_path, ota_err *e)
{
    if (ota_key_name_check(name, e) < 0 || sodium_ready(e) < 0)
        return -1;
    if (!dir || !*dir)
        dir = ".";
    if (ota_mkdirs(dir, e) < 0)
        return -1;
    char sp[PATH_MAX], pp[PATH_MAX];
    if (snprintf(sp, sizeof sp, "%s/%s.key", dir, name) >= (int)sizeof sp ||
        snprintf(pp, sizeof pp, "%s/%s.pub", dir, name) >= (int)sizeof pp)
        return ota_fail(e, OTA_E_VALIDATION, "dir", "path too long");
    if (access(pp, F_OK) == 0)
        return ota_fail(e, OTA_E_CONFLICT, "name", "%s exists already (choose another name or move it away)", pp);
    unsigned char pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    char pkb[64], skb[128], line[256];
    b64(pkb, sizeof pkb, pk, sizeof pk);
    b64(skb, sizeof skb, sk, sizeof sk);
    snprintf(line, sizeof line, KEYFILE_MAGIC " secret %s %s\n", name, skb);
    int rc = write_new(sp, 0600, line, e);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(skb, sizeof skb);
    sodium_memzero(line, sizeof line);
    if (rc < 0)
        return -1;
    snprintf(line, sizeof line, KEYFILE_MAGIC " public %s %s\n", name, pkb);
    if (write_new(pp, 0644, line, e) < 0) {
        unlink(sp);
        return -1;
    }
    if (sec_path)
        snprintf(sec_path, PATH_MAX, "%s", sp);
    if (pub_path)
        snprintf(pub_path, PATH_MAX, "%s", pp);
    return 0;
}

/* Reads one key line of kind ("public"/"secret") from fd into k. */
static int key_parse(const char *path, int fd, const char *kind, ota_sign_key *k, ota_err *e)
{
    char buf[512];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ota_fail(e, OTA_E_IO, "key", "cannot read %s: %s", path, strerror(errno));
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == sizeof buf - 1)
            return ota_fail(e, OTA_E_VALIDATION, "key", "%s: not a key file (too long)", path);
    }
    buf[n] = 0;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    char magic[32], kd[16], name[OTA_SIGNER_MAX + 2], data[128];
    int fields = strchr(buf, '\n') ? 0 : sscanf(buf, "%31s %15s %65s %127s", magic, kd, name, data);
    int rc = 0;
    memset(k, 0, sizeof *k);
    if (fields != 4 || strcmp(magic, KEYFILE_MAGIC) || strcmp(kd, kind))
        rc = ota_fail(e, OTA_E_VALIDATION, "key", "%s: not an otaconsole %s key file (expected \"%s %s NAME KEY\")",
                      path, kind, KEYFILE_MAGIC, kind);
    else if (ota_key_name_check(name, e) < 0)
        rc = ota_fail(e, OTA_E_VALIDATION, "key", "%s: bad key name \"%.64s\"", path, name);
    else if (!strcmp(kind, "secret") ? unb64(data, k->sk, sizeof k->sk) < 0 : unb64(data, k->pk, sizeof k->pk) < 0)
        rc = ota_fail(e, OTA_E_VALIDATION, "key", "%s: the key is not %s bytes of base64", path,
                      !strcmp(kind, "secret") ? "64" : "32");
    if (rc == 0) {
        snprintf(k->name, sizeof k->name, "%.64s", name);
        if (!strcmp(kind, "secret"))
            crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
        key_id_of(k->pk, k->key_id);
    } else {
        sodium_memzero(k, sizeof *k);
    }
    sodium_memzero(buf, sizeof buf);
    sodium_memzero(data, sizeof data);
    return rc;
}

int ota_key_load_secret(const char *path, ota_sign_key *out, ota_err *e)
{
    if (sodium_ready(e) < 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ota_fail(e, OTA_E_IO, "key", "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0)
        rc = ota_fail(e, OTA_E_IO, "key", "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = ota_fail(e, OTA_E_VALIDATION, "key", "%s is not a regular file", path);
    else if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH))
        rc = ota_fail(e, OTA_E_FORBIDDEN, "key",
                      "%s holds a secret signing key but other users can read it (mode %04o); "
                      "fix it with: chmod 600 %s (and make a new key if others may have copied it)",
                      path, (unsigned)(st.st_mode & 07777), path);
    if (rc == 0)
        rc = key_parse(path, fd, "secret", out, e);
    close(fd);
    return rc;
}

int ota_key_load_public(const char *path, ota_sign_key *out, ota_err *e)
{
    if (sodium_ready(e) < 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ota_fail(e, OTA_E_IO, "key", "cannot open %s: %s", path, strerror(errno));
    int rc = key_parse(path, fd, "public", out, e);
    close(fd);
    return rc;
}

void ota_key_wipe(ota_sign_key *k)
{
    sodium_memzero(k, sizeof *k);
}

/* ------------------------------------------------------------- signing */
int ota_package_sign_make(const ota_package *p, const ota_sign_key *k, ota_signature *out, ota_err *e)
{
    if (sodium_ready(e) < 0)
        return -1;
    size_t len;
    char *m = ota_manifest(p, &len);
    if (!m)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)m, len, k->sk);
    free(m);
    memset(out, 0, sizeof *out);
    snprintf(out->key_id, sizeof out->key_id, "%s", k->key_id);
    snprintf(out->signer, sizeof out->signer, "%s", k->name);
    b64(out->signature, sizeof out->signature, sig, sizeof sig);
    b64(out->public_key, sizeof out->public_key, k->pk, sizeof k->pk);
    return 0;
}

/* true when sig is a valid signature of manifest m by pk. */
static bool sig_ok(const char *m, size_t len, const ota_signature *s, const unsigned char pk[32])
{
    unsigned char sig[crypto_sign_BYTES];
    if (unb64(s->signature, sig, sizeof sig) < 0)
        return false;
    return crypto_sign_verify_detached(sig, (const unsigned char *)m, len, pk) == 0;
}

/* Shape of a signature record (from a client): key id, signer, signature. */
static int sig_shape(const ota_signature *s, bool need_pk, ota_err *e)
{
    unsigned char bin[64];
    if (strlen(s->key_id) != OTA_KEY_ID_LEN || strspn(s->key_id, "0123456789abcdef") != OTA_KEY_ID_LEN)
        return ota_fail(e, OTA_E_VALIDATION, "key_id", "%d lowercase hex digits (got \"%.20s\")", OTA_KEY_ID_LEN,
                        s->key_id);
    if (ota_key_name_check(s->signer, e) < 0) {
        if (e)
            snprintf(e->field, sizeof e->field, "signer");
        return -1;
    }
    if (unb64(s->signature, bin, 64) < 0)
        return ota_fail(e, OTA_E_VALIDATION, "signature", "64 bytes of base64 (an Ed25519 signature)");
    if (need_pk && unb64(s->public_key, bin, 32) < 0)
        return ota_fail(e, OTA_E_VALIDATION, "public_key", "32 bytes of base64 (an Ed25519 public key) is required");
    return 0;
}

/* ------------------------------------------------------- stored records */
int sign_load(ota_engine *eng, ota_package *p, ota_err *e)
{
    return store_signatures_load(eng, p->id, p->signatures, OTA_SIG_MAX, &p->nsignatures, e);
}

/* The checks of a new signature against the stored package; lock held. */
static int sign_add_locked(ota_engine *eng, int64_t id, const ota_signature *sig, ota_package *out, ota_err *e)
{
    ota_package p;
    if (ota_package_get(eng, id, &p, e) < 0)
        return -1;
    unsigned char pk[32];
    char kid[OTA_KEY_ID_LEN + 1];
    unb64(sig->public_key, pk, sizeof pk);
    key_id_of(pk, kid);
    if (strcmp(kid, sig->key_id))
        return ota_fail(e, OTA_E_VALIDATION, "key_id", "key %s is not the id of the public key sent (that is %s)",
                        sig->key_id, kid);
    if (p.nsignatures >= OTA_SIG_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "signatures", "at most %d signatures per package", OTA_SIG_MAX);
    for (size_t i = 0; i < p.nsignatures; i++)
        if (!strcmp(p.signatures[i].key_id, sig->key_id))
            return ota_fail(e, OTA_E_CONFLICT, "key_id", "package %lld is already signed by key %s (%s)",
                            (long long)id, sig->key_id, p.signatures[i].signer);
    size_t len;
    char *m = ota_manifest(&p, &len);
    if (!m)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    bool ok = sig_ok(m, len, sig, pk);
    free(m);
    if (!ok)
        return ota_fail(e, OTA_E_VALIDATION, "signature",
                        "does not verify with key %s against the manifest of package %lld "
                        "(signed another package or a changed one?)", sig->key_id, (long long)id);
    int64_t now = ota_engine_now(eng);
    if (store_signature_insert(eng, id, sig, now, e) < 0)
        return -1;
    sign_cache_bump(eng);
    if (out && ota_package_get(eng, id, out, e) < 0)
        return -1;
    return 0;
}

int ota_package_sign_add(ota_engine *eng, int64_t id, const ota_signature *sig, ota_package *out, ota_err *e)
{
    int rc = sodium_ready(e);
    if (rc == 0)
        rc = sig_shape(sig, true, e);
    if (rc == 0) {
        ENGINE_LOCK(eng);
        rc = sign_add_locked(eng, id, sig, out, e);
        ENGINE_UNLOCK(eng);
    }
    char detail[160];
    snprintf(detail, sizeof detail, "key %.16s (%.64s)", sig->key_id, sig->signer);
    audit_note(eng, "package.sign", rc, e, detail, "package:%lld", (long long)id);
    return rc;
}

/* ---------------------------------------------------------------- trust */
const char *ota_sig_status_str(ota_sig_status s)
{
    static const char *const names[] = {"valid", "untrusted", "revoked", "invalid"};
    return (unsigned)s < 4 ? names[s] : "invalid";
}

int ota_trusted_dir_default(char *buf, size_t len)
{
    const char *env = getenv("OTA_TRUSTED_DIR"), *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (env && *env)
        snprintf(buf, len, "%s", env);
    else if (xdg && *xdg)
        snprintf(buf, len, "%s/otaconsole/trusted", xdg);
    else
        snprintf(buf, len, "%s/.config/otaconsole/trusted", home && *home ? home : ".");
    return 0;
}

void ota_engine_set_trusted_dir(ota_engine *eng, const char *dir)
{
    ENGINE_LOCK(eng);
    snprintf(eng->trusted_dir, sizeof eng->trusted_dir, "%s", dir ? dir : "");
    ENGINE_UNLOCK(eng);
}

/* The trusted and revoked keys of a folder, read once. */
struct ota_keyring {
    char dir[PATH_MAX];
    ota_sign_key *keys;       /* trusted (the folder's *.pub) */
    size_t nkeys;
    ota_sign_key *revoked;    /* its revoked/ subfolder's *.pub */
    size_t nrevoked;
};

/* Appends every *.pub of dir (not recursing); a missing folder adds none. */
static int dir_load_keys(const char *dir, ota_sign_key **v, size_t *n, ota_err *e)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return ota_fail(e, OTA_E_IO, "trusted", "cannot read the trusted keys folder %s: %s", dir, strerror(errno));
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".pub") || de->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        ota_sign_key *nv = realloc(*v, (*n + 1) * sizeof **v);
        if (!nv) {
            rc = ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            break;
        }
        *v = nv;
        if ((rc = ota_key_load_public(path, &nv[*n], e)) == 0)
            (*n)++;
    }
    closedir(d);
    return rc;
}

ota_keyring *ota_keyring_load(const char *dir, ota_err *e)
{
    if (sodium_ready(e) < 0)
        return NULL;
    ota_keyring *k = calloc(1, sizeof *k);
    if (!k)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory"), NULL;
    if (dir && *dir)
        snprintf(k->dir, sizeof k->dir, "%s", dir);
    else
        ota_trusted_dir_default(k->dir, sizeof k->dir);
    char revoked[PATH_MAX + 16];
    snprintf(revoked, sizeof revoked, "%s/revoked", k->dir);
    if (dir_load_keys(k->dir, &k->keys, &k->nkeys, e) < 0 ||
        dir_load_keys(revoked, &k->revoked, &k->nrevoked, e) < 0) {
        ota_keyring_free(k);
        return NULL;
    }
    return k;
}

void ota_keyring_free(ota_keyring *k)
{
    if (!k)
        return;
    free(k->keys);
    free(k->revoked);
    free(k);
}

const char *ota_keyring_dir(const ota_keyring *k)
{
    return k->dir;
}

static const ota_sign_key *ring_find(const ota_sign_key *v, size_t n, const char *kid)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].key_id, kid))
            return &v[i];
    return NULL;
}

static void sig_detail(ota_sig_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sig_detail(ota_sig_check *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
}

static void check_one(const ota_keyring *kr, const char *m, size_t len, const ota_signature *s, ota_sig_check *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->key_id, sizeof c->key_id, "%s", s->key_id);
    snprintf(c->signer, sizeof c->signer, "%s", s->signer);
    const ota_sign_key *k = ring_find(kr->revoked, kr->nrevoked, s->key_id);
    if (k) {  /* revocation wins over trust */
        c->status = OTA_SIG_REVOKED;
        snprintf(c->signer, sizeof c->signer, "%s", k->name);
        sig_detail(c, "key %s (%s) is revoked (its file is in %s/revoked)", s->key_id, k->name, kr->dir);
        return;
    }
    if (!(k = ring_find(kr->keys, kr->nkeys, s->key_id))) {
        c->status = OTA_SIG_UNTRUSTED;
        sig_detail(c, "key %s (signed as %s) is not in the trusted keys folder %s", s->key_id, s->signer, kr->dir);
        return;
    }
    snprintf(c->signer, sizeof c->signer, "%s", k->name);
    if (!sig_ok(m, len, s, k->pk)) {
        c->status = OTA_SIG_INVALID;
        sig_detail(c, "the signature by key %s (%s) does not match the manifest: the package's files or "
                      "versions changed since it was signed, or the signature is damaged", s->key_id, k->name);
        return;
    }
    c->status = OTA_SIG_VALID;
    sig_detail(c, "signed by %s (key %s)", k->name, s->key_id);
}

int ota_package_check_keyring(const ota_package *p, const ota_keyring *kr, ota_trust_report *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (!p->nsignatures)
        return 0;
    if (sodium_ready(e) < 0)
        return -1;
    size_t len;
    char *m = ota_manifest(p, &len);
    if (!m)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    for (size_t i = 0; i < p->nsignatures && i < OTA_SIG_MAX; i++) {
        check_one(kr, m, len, &p->signatures[i], &out->sigs[i]);
        out->n = i + 1;
        if (out->sigs[i].status == OTA_SIG_VALID) {
            bool dup = false;  /* a key counts once, however often it appears */
            for (size_t k = 0; k < i; k++)
                dup |= out->sigs[k].status == OTA_SIG_VALID && !strcmp(out->sigs[k].key_id, out->sigs[i].key_id);
            out->nvalid += !dup;
        }
    }
    free(m);
    return 0;
}

int ota_package_check_signatures(const ota_package *p, const char *dir, ota_trust_report *out, ota_err *e)
{
    ota_keyring *kr = ota_keyring_load(dir, e);
    if (!kr)
        return -1;
    int rc = ota_package_check_keyring(p, kr, out, e);
    ota_keyring_free(kr);
    return rc;
}

const char *ota_trust_summary(const ota_trust_report *r, char *buf, size_t len)
{
    const char *state = "unsigned";
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->sigs[i].status == OTA_SIG_INVALID || r->sigs[i].status == OTA_SIG_REVOKED) {
            snprintf(buf, len, "invalid: %s", r->sigs[i].detail);
            return "invalid";
        }
    if (r->nvalid) {
        off = (size_t)snprintf(buf, len, "signed by ");
        for (size_t i = 0; i < r->n && off < len; i++)
            if (r->sigs[i].status == OTA_SIG_VALID)
                off += (size_t)snprintf(buf + off, len - off, "%s%s", off > 10 ? ", " : "", r->sigs[i].signer);
        return "signed";
    }
    if (r->n) {
        snprintf(buf, len, "untrusted: %s", r->sigs[0].detail);
        return "untrusted";
    }
    snprintf(buf, len, "unsigned");
    return state;
}

/* ------------------------------------------------------ plan activation */
static const char *engine_trusted(ota_engine *eng, char *buf, size_t len)
{
    if (eng->trusted_dir[0])
        return eng->trusted_dir;
    ota_trusted_dir_default(buf, len);
    return buf;
}

int sign_check_plan(ota_engine *eng, const ota_plan *plan, ota_err *e)
{
    int need = plan->required_signatures;
    if (need <= 0)
        return 0;
    char def[PATH_MAX];
    ota_keyring *kr = ota_keyring_load(engine_trusted(eng, def, sizeof def), e);
    if (!kr)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < plan->ncomponents; i++) {
        const ota_plan_component *c = &plan->components[i];
        ota_package p;
        ota_trust_report r;
        if (ota_package_get(eng, c->package_id, &p, e) < 0 || ota_package_check_keyring(&p, kr, &r, e) < 0) {
            rc = -1;
            break;
        }
        if (r.nvalid >= (size_t)need)
            continue;
        char why[220] = "it is unsigned";
        for (size_t k = 0; k < r.n; k++)
            if (r.sigs[k].status != OTA_SIG_VALID) {
                snprintf(why, sizeof why, "%s", r.sigs[k].detail);
                break;
            }
        rc = ota_fail(e, OTA_E_VALIDATION, "required_signatures",
                      "component %s: package %lld has %zu valid signature%s from trusted keys, the plan requires "
                      "%d: %.220s", c->component, (long long)c->package_id, r.nvalid, r.nvalid == 1 ? "" : "s",
                      need, why);
    }
    ota_keyring_free(kr);
    return rc;
}

/* ------------------------------------------------------------- offers */
/* Offers are re-sent on every check-in of a device with a job in flight,
 * so each package's signatures are cached.  An entry is good while the
 * generation it was read at holds: this engine bumps it when it adds a
 * signature or deletes a package (ids can come back), and a commit by
 * another connection (the store's change watcher, looked at once a millisecond)
 * bumps it too. */
#define SC_SLOTS 1024
struct sign_cache {
    uint64_t gen;
    store_watch watch;           /* another process committed: empty the cache */
    struct sc_entry { int64_t id; uint64_t gen; size_t n; ota_signature *sigs; } e[SC_SLOTS];
};

void sign_cache_bump(ota_engine *eng)
{
    if (eng->sigcache)
        eng->sigcache->gen++;
}

void sign_free(ota_engine *eng)
{
    struct sign_cache *c = eng->sigcache;
    if (!c)
        return;
    for (size_t i = 0; i < SC_SLOTS; i++)
        free(c->e[i].sigs);
    free(c);
    eng->sigcache = NULL;
}

static void cache_check_others(ota_engine *eng, struct sign_cache *c)
{
    if (store_watch_check(eng, &c->watch, STORE_WATCH_RELAXED) & (STORE_MOVED_OTHERS | STORE_MOVED_ROLLBACK))
        c->gen++;
}

int sign_offer_attach(ota_engine *eng, ota_job_offer *o, ota_err *e)
{
    if (!o->has_job)
        return 0;
    if (!eng->sigcache && !(eng->sigcache = calloc(1, sizeof *eng->sigcache)))
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    struct sign_cache *c = eng->sigcache;
    cache_check_others(eng, c);
    for (size_t i = 0; i < o->ncomponents; i++) {
        ota_offer_component *oc = &o->components[i];
        struct sc_entry *x = &c->e[(uint64_t)oc->package_id % SC_SLOTS];
        if (x->id != oc->package_id || x->gen != c->gen || (x->n && !x->sigs)) {
            ota_package p = {.id = oc->package_id};
            if (sign_load(eng, &p, e) < 0)
                return -1;
            free(x->sigs);
            *x = (struct sc_entry){.id = p.id, .gen = c->gen, .n = p.nsignatures};
            if (p.nsignatures && (x->sigs = malloc(p.nsignatures * sizeof *x->sigs)))
                memcpy(x->sigs, p.signatures, p.nsignatures * sizeof *x->sigs);
            else if (p.nsignatures)
                return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        }
        if (x->n)
            memcpy(oc->signatures, x->sigs, x->n * sizeof *x->sigs);
        oc->nsignatures = x->n;
    }
    return 0;
}
