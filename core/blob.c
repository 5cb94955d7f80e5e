/* The content-addressed blob store: <blob_dir>/ab/cdef... by SHA-256.
 *
 * A writer streams into <blob_dir>/tmp/ while hashing (SHA-256 with
 * libsodium; SHA-1 and MD5 with nettle for hawkBit agents), in one pass: the
 * bytes are copied once into blob_pipe.c's ring, whose threads hash and
 * write them at once.  It refuses the byte past 100 MiB as it arrives, and
 * on finish waits for every digest, fsyncs and renames into place, so a
 * blob path only ever names complete content.
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
#include "blob_pipe.h"
#include "internal.h"

#define IO_CHUNK (1 << 20)

struct ota_blob_writer {
    ota_engine *eng;
    int fd;
    char tmp[PATH_MAX + 64];
    char name[OTA_FILE_NAME_MAX + 1];
    uint64_t size;
    uint64_t presized;   /* the temp file was pre-sized to this (0: not) */
    bool drained;        /* the pipe is closed: f holds every digest */
    ota_file f;
    blob_pipe pipe;      /* hashes and writes: blob_pipe.c */
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
    if (blob_pipe_open(&w->pipe, w->fd) < 0) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "cannot start the blob writer's threads");
        w->drained = true;
        close(w->fd);
        unlink(w->tmp);
        free(w);
        return NULL;
    }
    return w;
}

static int write_failed(ota_blob_writer *w, ota_err *e)
{
    return ota_fail(e, OTA_E_IO, "files", "\"%s\": cannot write the blob: %s", w->name,
                    strerror(blob_pipe_error(&w->pipe)));
}

static int too_large(ota_blob_writer *w, ota_err *e)
{
    return ota_fail(e, OTA_E_TOO_LARGE, "files", "\"%s\": at most %llu bytes (100 MiB) per file", w->name,
                    (unsigned long long)OTA_MAX_FILE_SIZE);
}

int ota_blob_write(ota_blob_writer *w, const void *buf, size_t len, ota_err *e)
{
    if (len > OTA_MAX_FILE_SIZE - w->size)
        return too_large(w, e);
    if (blob_pipe_error(&w->pipe))
        return write_failed(w, e);
    blob_pipe_put(&w->pipe, buf, len);
    w->size += len;
    return 0;
}

int blob_write_fd(ota_blob_writer *w, int fd, const char *what, ota_err *e)
{
    struct stat sb;
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    /* Pre-sized to the expected length: the file's blocks are allocated
     * once, not extended chunk by chunk (trimmed at the end if the file
     * turned out shorter). */
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uint64_t)sb.st_size <= OTA_MAX_FILE_SIZE - w->size && w->size == 0 &&
        posix_fallocate(w->fd, 0, sb.st_size) == 0)
        w->presized = (uint64_t)sb.st_size;
    for (;;) {
        if (blob_pipe_error(&w->pipe))
            return write_failed(w, e);
        /* one byte past the limit is enough to refuse the file */
        uint64_t room = OTA_MAX_FILE_SIZE - w->size + 1;
        ssize_t n = blob_pipe_read(&w->pipe, fd, room < IO_CHUNK ? (size_t)room : IO_CHUNK);
        if (n < 0)
            return ota_fail(e, OTA_E_IO, "files", "cannot read %s: %s", what, strerror(errno));
        if (n == 0)
            return 0;
        w->size += (uint64_t)n;
        if (w->size > OTA_MAX_FILE_SIZE)
            return too_large(w, e);
    }
}

/* Every digest known and every byte written (not yet flushed). */
int ota_blob_hashes(ota_blob_writer *w, ota_file *out, ota_err *e)
{
    if (!w->drained) {
        w->drained = true;
        int rc = blob_pipe_close(&w->pipe);
        if (blob_pipe_error(&w->pipe))
            return write_failed(w, e);
        if (rc < 0)
            return ota_fail(e, OTA_E_INTERNAL, NULL, "\"%s\": the blob writer stopped", w->name);
        unsigned char d256[crypto_hash_sha256_BYTES], d1[SHA1_DIGEST_SIZE], d5[MD5_DIGEST_SIZE];
        crypto_hash_sha256_final(&w->pipe.sha256, d256);
        sha1_digest(&w->pipe.sha1, sizeof d1, d1);
        md5_digest(&w->pipe.md5, sizeof d5, d5);
        snprintf(w->f.name, sizeof w->f.name, "%s", w->name);
        w->f.size = w->size;
        hex(d256, sizeof d256, w->f.sha256);
        hex(d1, sizeof d1, w->f.sha1);
        hex(d5, sizeof d5, w->f.md5);
    } else if (!w->f.sha256[0]) {
        return ota_fail(e, OTA_E_INTERNAL, NULL, "\"%s\": the blob writer stopped", w->name);
    }
    if (out)
        *out = w->f;
    return 0;
}

static void blob_free(ota_blob_writer *w)
{
    if (!w->drained) {
        w->drained = true;
        blob_pipe_abort(&w->pipe);
    }
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

/* The blob appears under its name only complete, hashed and flushed: every
 * digest is known (the pipe drained), the file is fsynced, then renamed,
 * then its directory fsynced. */
int ota_blob_finish(ota_blob_writer *w, ota_file *out, ota_err *e)
{
    ota_file f;
    if (ota_validate_file_size(w->name, w->size, e) < 0 || ota_blob_hashes(w, &f, e) < 0)
        goto fail;
    if (w->presized != w->size && w->presized && ftruncate(w->fd, (off_t)w->size) < 0) {
        ota_fail(e, OTA_E_IO, "files", "\"%s\": cannot trim the blob: %s", w->name, strerror(errno));
        goto fail;
    }
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
