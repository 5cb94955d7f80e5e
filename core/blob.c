/* The content-addressed blob store: <blob_dir>/ab/cdef... by SHA-256.
 *
 * A writer streams into <blob_dir>/tmp/ while hashing (SHA-256 with
 * libsodium; SHA-1 and MD5 with nettle for hawkBit agents), refuses the
 * byte past 100 MiB as it arrives, and on finish fsyncs and renames into
 * place, so a blob path only ever names complete content.
 *
 * These calls touch only the immutable blob_dir of the engine, so they do
 * not take the engine lock: a slow 100 MiB upload never blocks others. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <sodium.h>
#include "internal.h"

#define IO_CHUNK (1 << 20)

struct ota_blob_writer {
    ota_engine *eng;
    int fd;
    char tmp[PATH_MAX + 64];
    char name[OTA_FILE_NAME_MAX + 1];
    uint64_t size;
    crypto_hash_sha256_state sha256;
    struct sha1_ctx sha1;
    struct md5_ctx md5;
};

static void hex(const unsigned char *bin, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bin[i] >> 4];
        out[2 * i + 1] = digits[bin[i] & 15];
    }
    out[2 * n] = 0;
}

static bool is_sha256_hex(const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == 64;
}

int ota_blob_path(ota_engine *eng, const char *sha256, char *out, size_t len)
{
    if (!is_sha256_hex(sha256))
        return -1;
    int n = snprintf(out, len, "%s/%.2s/%s", eng->blob_dir, sha256, sha256 + 2);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

ota_blob_writer *ota_blob_begin(ota_engine *eng, const char *file_name, ota_err *e)
{
    if (ota_validate_file_name(file_name, e) < 0 || sodium_init() < 0)
        return NULL;
    ota_blob_writer *w = calloc(1, sizeof *w);
    if (!w) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    w->eng = eng;
    snprintf(w->name, sizeof w->name, "%s", file_name);
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/tmp", eng->blob_dir);
    if (ota_mkdirs(dir, e) < 0) {
        free(w);
        return NULL;
    }
    snprintf(w->tmp, sizeof w->tmp, "%s/upload-XXXXXX", dir);
    w->fd = mkstemp(w->tmp);
    if (w->fd < 0) {
        ota_fail(e, OTA_E_IO, "files", "cannot create a temporary file in %s: %s", dir, strerror(errno));
        free(w);
        return NULL;
    }
    /* Held while the upload lives: blob_sweep_tmp() knows a locked temp file
     * belongs to a writer in some process and an unlocked one to a writer
     * that died (kill -9 mid-upload). */
    flock(w->fd, LOCK_EX);
    crypto_hash_sha256_init(&w->sha256);
    sha1_init(&w->sha1);
    md5_init(&w->md5);
    return w;
}

int ota_blob_write(ota_blob_writer *w, const void *buf, size_t len, ota_err *e)
{
    if (len > OTA_MAX_FILE_SIZE - w->size)
        return ota_fail(e, OTA_E_TOO_LARGE, "files", "\"%s\": at most %llu bytes (100 MiB) per file",
                        w->name, (unsigned long long)OTA_MAX_FILE_SIZE);
    const unsigned char *p = buf;
    crypto_hash_sha256_update(&w->sha256, p, len);
    sha1_update(&w->sha1, len, p);
    md5_update(&w->md5, len, p);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(w->fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ota_fail(e, OTA_E_IO, "files", "\"%s\": cannot write the blob: %s", w->name,
                            strerror(errno));
        done += (size_t)n;
    }
    w->size += len;
    return 0;
}

static void blob_free(ota_blob_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp[0])
        unlink(w->tmp);
    free(w);
}

void ota_blob_abort(ota_blob_writer *w)
{
    if (w)
        blob_free(w);
}

/* Make a rename durable: fsync the directory that holds the new name. */
static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int ota_blob_finish(ota_blob_writer *w, ota_file *out, ota_err *e)
{
    ota_file f = {0};
    unsigned char d256[crypto_hash_sha256_BYTES], d1[SHA1_DIGEST_SIZE], d5[MD5_DIGEST_SIZE];
    if (ota_validate_file_size(w->name, w->size, e) < 0)
        goto fail;
    crypto_hash_sha256_final(&w->sha256, d256);
    sha1_digest(&w->sha1, sizeof d1, d1);
    md5_digest(&w->md5, sizeof d5, d5);
    snprintf(f.name, sizeof f.name, "%s", w->name);
    f.size = w->size;
    hex(d256, sizeof d256, f.sha256);
    hex(d1, sizeof d1, f.sha1);
    hex(d5, sizeof d5, f.md5);
    if (fsync(w->fd) < 0 || close(w->fd) < 0) {
        w->fd = -1;
        ota_fail(e, OTA_E_IO, "files", "\"%s\": cannot flush the blob: %s", w->name, strerror(errno));
        goto fail;
    }
    w->fd = -1;
    char path[PATH_MAX + 80], dir[PATH_MAX + 16];
    ota_blob_path(w->eng, f.sha256, path, sizeof path);
    snprintf(dir, sizeof dir, "%s/%.2s", w->eng->blob_dir, f.sha256);
    if (ota_mkdirs(dir, e) < 0)
        goto fail;
    /* Same content already stored: rename replaces it with identical bytes. */
    if (rename(w->tmp, path) < 0) {
        ota_fail(e, OTA_E_IO, "files", "\"%s\": cannot move the blob into place: %s", w->name,
                 strerror(errno));
        goto fail;
    }
    w->tmp[0] = 0;
    fsync_dir(dir);
    blob_free(w);
    if (out)
        *out = f;
    return 0;
fail:
    blob_free(w);
    return -1;
}

/* Hash an open file to its end. */
static int hash_fd(int fd, const char *what, char out_hex[65], uint64_t *size, ota_err *e)
{
    if (sodium_init() < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "libsodium failed to initialise");
    unsigned char *buf = malloc(IO_CHUNK);
    if (!buf)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, IO_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return ota_fail(e, OTA_E_IO, "files", "cannot read %s: %s", what, strerror(errno));
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&st, buf, (size_t)n);
        total += (uint64_t)n;
    }
    free(buf);
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, d);
    hex(d, sizeof d, out_hex);
    if (size)
        *size = total;
    return 0;
}

int ota_sha256_file(const char *path, char out_hex[65], uint64_t *size, ota_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ota_fail(e, OTA_E_IO, "files", "cannot open %s: %s", path, strerror(errno));
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    int rc = hash_fd(fd, path, out_hex, size, e);
    close(fd);
    return rc;
}

int ota_blob_verify(ota_engine *eng, const ota_file *f, ota_err *e)
{
    char path[PATH_MAX + 80], got[65];
    uint64_t size = 0;
    if (ota_blob_path(eng, f->sha256, path, sizeof path) < 0)
        return ota_fail(e, OTA_E_IO, "files", "\"%s\": the recorded SHA-256 is not 64 hex digits", f->name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ota_fail(e, OTA_E_IO, "files", "\"%s\": the stored blob is missing (%s)", f->name,
                        strerror(errno));
    int rc = hash_fd(fd, path, got, &size, e);
    close(fd);
    if (rc < 0)
        return -1;
    if (size != f->size)
        return ota_fail(e, OTA_E_IO, "files", "\"%s\": size changed on disk: recorded %llu bytes, found %llu",
                        f->name, (unsigned long long)f->size, (unsigned long long)size);
    if (strcmp(got, f->sha256))
        return ota_fail(e, OTA_E_IO, "files", "\"%s\": SHA-256 mismatch: recorded %.12s..., found %.12s...",
                        f->name, f->sha256, got);
    return 0;
}

/* Temp files of uploads whose process died: remove every one no live writer
 * holds a lock on.  Called when an engine opens. */
void blob_sweep_tmp(ota_engine *eng)
{
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/tmp", eng->blob_dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "upload-", 7) != 0)
            continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlink(path);
        close(fd);
    }
    closedir(d);
}
