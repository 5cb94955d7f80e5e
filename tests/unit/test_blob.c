/* The blob store: streaming hashes, the 100 MiB limit enforced as bytes
 * arrive, content addressing, verify catching changed bytes, and no
 * temporary file left behind by an aborted writer; the one-pass pipeline
 * (core/blob_pipe.c) giving the digests and bytes of a one-shot hash
 * whatever the pieces, and nothing in place before the finish. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <sodium.h>
#include "ota.h"
#include "../tap.h"

static ota_engine *eng;

static int tmp_entries(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/tmp", ota_engine_blob_dir(eng));
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void test_small(void)
{
    ota_err e = {0};
    ota_blob_writer *w = ota_blob_begin(eng, "fw.bin", &e);
    ok(w != NULL, "begin a blob");
    ok_call(ota_blob_write(w, "ab", 2, &e), &e, "write part 1");
    ok_call(ota_blob_write(w, "c", 1, &e), &e, "write part 2");
    ota_file f;
    ok_call(ota_blob_finish(w, &f, &e), &e, "finish");
    is_str(f.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256 of abc");
    is_str(f.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d", "SHA-1 of abc");
    is_str(f.md5, "900150983cd24fb0d6963f7d28e17f72", "MD5 of abc");
    is_int(f.size, 3, "size");
    is_str(f.name, "fw.bin", "name");
    is_int(tmp_entries(), 0, "no temporary file left");

    char path[700];
    ok_call(ota_blob_path(eng, f.sha256, path, sizeof path), &e, "blob path");
    char want[700];
    snprintf(want, sizeof want, "%s/ba/7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
             ota_engine_blob_dir(eng));
    is_str(path, want, "content addressed: ab/cdef...");
    struct stat sb;
    ok(stat(path, &sb) == 0 && sb.st_size == 3, "the blob is in place");
    ok(ota_blob_path(eng, "../../etc/passwd", path, sizeof path) < 0, "a non-hash path is refused");

    char hexv[65];
    uint64_t size;
    ok_call(ota_sha256_file(want, hexv, &size, &e), &e, "hash a file on disk");
    ok(!strcmp(hexv, f.sha256) && size == 3, "same hash and size");
    ok_call(ota_blob_verify(eng, &f, &e), &e, "the stored blob verifies");

    /* the same bytes again: same blob, still fine */
    w = ota_blob_begin(eng, "other.zip", &e);
    ota_blob_write(w, "abc", 3, &e);
    ota_file g;
    ok_call(ota_blob_finish(w, &g, &e), &e, "same content again");
    is_str(g.sha256, f.sha256, "one blob for both");

    /* change the bytes on disk: verify fails */
    FILE *fp = fopen(want, "r+");
    fputc('X', fp);
    fclose(fp);
    fails_with(ota_blob_verify(eng, &f, &e), &e, OTA_E_IO, "a blob whose bytes changed fails verify");
    ok(strstr(e.message, "fw.bin") && strstr(e.message, "SHA-256"), "... naming file and hash: %s", e.message);
    fp = fopen(want, "a");
    fputc('Y', fp);
    fclose(fp);
    fails_with(ota_blob_verify(eng, &f, &e), &e, OTA_E_IO, "a blob that grew fails verify");
    unlink(want);
    fails_with(ota_blob_verify(eng, &f, &e), &e, OTA_E_IO, "a missing blob fails verify");
    fails_with(ota_sha256_file(want, hexv, &size, &e), &e, OTA_E_IO, "hashing a missing file fails");

    w = ota_blob_begin(eng, "fw.exe", &e);
    ok(w == NULL && e.code == OTA_E_VALIDATION, "a writer for a bad file name is refused");
    w = ota_blob_begin(eng, "empty.bin", &e);
    fails_with(ota_blob_finish(w, &g, &e), &e, OTA_E_VALIDATION, "an empty blob is refused");
    is_int(tmp_entries(), 0, "and leaves no temporary file");
}

static void test_abort(void)
{
    ota_err e = {0};
    ota_blob_writer *w = ota_blob_begin(eng, "fw.bin", &e);
    ota_blob_write(w, "partial", 7, &e);
    is_int(tmp_entries(), 1, "a writer in progress has a temporary file");
    ota_blob_abort(w);
    is_int(tmp_entries(), 0, "an aborted writer leaves no temporary file");
}

/* A writer killed mid-upload leaves an unlocked temp file: the next engine
 * opened on the store removes it, but never a live writer's (locked) file. */
static void test_sweep(const ota_engine_opts *o)
{
    ota_err e = {0};
    ota_blob_writer *live = ota_blob_begin(eng, "live.bin", &e);
    ota_blob_write(live, "still coming", 12, &e);
    char dead[700];
    snprintf(dead, sizeof dead, "%s/tmp/upload-dead01", ota_engine_blob_dir(eng));
    FILE *f = fopen(dead, "w");
    if (f) {
        fputs("half an upload", f);
        fclose(f);
    }
    is_int(tmp_entries(), 2, "a live writer's temp file and a dead one's");
    ota_engine *other = ota_engine_open(o, &e);
    ok(other != NULL, "a second engine opens the store");
    ok(access(dead, F_OK) != 0, "opening removed the dead writer's temp file");
    is_int(tmp_entries(), 1, "the live writer's temp file is kept");
    ota_file out;
    ok_call(ota_blob_finish(live, &out, &e), &e, "the live writer still finishes");
    is_int(tmp_entries(), 0, "and leaves no temp file");
    ota_engine_close(other);
}

/* Exactly 100 MiB is accepted; one byte more is refused by write as soon
 * as it arrives.  Zero-filled chunks keep this quick. */
static void test_limit(void)
{
    ota_err e = {0};
    enum { CHUNK = 4 << 20 };
    char *zero = calloc(1, CHUNK);
    ota_blob_writer *w = ota_blob_begin(eng, "big.bin", &e);
    int rc = 0;
    for (uint64_t done = 0; rc == 0 && done < OTA_MAX_FILE_SIZE; done += CHUNK)
        rc = ota_blob_write(w, zero, CHUNK, &e);
    ok(rc == 0, "100 MiB written in chunks");
    ota_file f;
    ok_call(ota_blob_finish(w, &f, &e), &e, "a blob of exactly 104857600 bytes is accepted");
    is_int(f.size, 104857600, "its size");
    /* sha256 of 100 MiB of zeros */
    is_str(f.sha256, "20492a4d0d84f8beb1767f6616229f85d44c2827b64bdbfb260ee12fa1109e0e", "its SHA-256");
    ok_call(ota_blob_verify(eng, &f, &e), &e, "and it verifies");

    w = ota_blob_begin(eng, "big.bin", &e);
    rc = 0;
    for (uint64_t done = 0; rc == 0 && done < OTA_MAX_FILE_SIZE; done += CHUNK)
        rc = ota_blob_write(w, zero, CHUNK, &e);
    ok(rc == 0, "100 MiB again");
    fails_with(ota_blob_write(w, zero, 1, &e), &e, OTA_E_TOO_LARGE, "byte 104857601 is refused at once");
    ok(strstr(e.message, "big.bin") != NULL, "naming the file: %s", e.message);
    ota_blob_abort(w);
    is_int(tmp_entries(), 0, "the refused upload leaves no temporary file");

    w = ota_blob_begin(eng, "big.bin", &e);
    ota_blob_write(w, zero, 1, &e);
    fails_with(ota_blob_write(w, zero, (size_t)OTA_MAX_FILE_SIZE, &e), &e, OTA_E_TOO_LARGE,
               "a single write past the limit is refused");
    ota_blob_abort(w);
    free(zero);
}

static void hexs(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

/* Pieces that straddle the ring's chunks, a tail that is not a whole block:
 * the digests and bytes of hashing the buffer in one go. */
static void test_pipeline(void)
{
    ota_err e = {0};
    size_t n = 5 * (512 << 10) + 1234;
    unsigned char *buf = malloc(n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    unsigned char d[32];
    char w256[65], w1[41], w5[33];
    crypto_hash_sha256(d, buf, n);
    hexs(d, 32, w256);
    struct sha1_ctx s1;
    sha1_init(&s1);
    sha1_update(&s1, n, buf);
    sha1_digest(&s1, SHA1_DIGEST_SIZE, d);
    hexs(d, SHA1_DIGEST_SIZE, w1);
    struct md5_ctx m5;
    md5_init(&m5);
    md5_update(&m5, n, buf);
    md5_digest(&m5, MD5_DIGEST_SIZE, d);
    hexs(d, MD5_DIGEST_SIZE, w5);

    ota_blob_writer *w = ota_blob_begin(eng, "odd.bin", &e);
    int rc = 0;
    for (size_t off = 0; rc == 0 && off < n; off += 7777)
        rc = ota_blob_write(w, buf + off, n - off < 7777 ? n - off : 7777, &e);
    ok(rc == 0, "%zu bytes written in pieces of 7777", n);
    ota_file h, f;
    ok_call(ota_blob_hashes(w, &h, &e), &e, "every digest known before the finish");
    char path[700];
    struct stat sb;
    ota_blob_path(eng, w256, path, sizeof path);
    ok(stat(path, &sb) < 0, "... and the blob not yet in place");
    ok_call(ota_blob_finish(w, &f, &e), &e, "finish");
    is_str(h.sha256, w256, "SHA-256 of the pieces = one-shot SHA-256");
    is_str(f.sha256, w256, "the finish gives the same");
    is_str(f.sha1, w1, "SHA-1 likewise");
    is_str(f.md5, w5, "MD5 likewise");
    is_int(f.size, n, "size");
    FILE *fp = fopen(path, "rb");
    unsigned char *back = malloc(n + 1);
    size_t got = fp ? fread(back, 1, n + 1, fp) : 0;
    if (fp)
        fclose(fp);
    ok(got == n && !memcmp(back, buf, n), "the stored bytes are the bytes written");

    /* The same bytes as a local file (read straight into the ring, the
     * temporary file pre-sized): the same blob. */
    char src[600];
    snprintf(src, sizeof src, "%s/odd.bin", tap_tmpdir());
    fp = fopen(src, "wb");
    fwrite(buf, 1, n, fp);
    fclose(fp);
    ota_package_meta m = {.kind = OTA_KIND_FULL};
    snprintf(m.component, sizeof m.component, "module");
    snprintf(m.target_version, sizeof m.target_version, "2.0");
    const char *paths[] = {src};
    ota_package p;
    ok_call(ota_package_create(eng, &m, paths, 1, &p, &e), &e, "a package of that file");
    ok(!strcmp(p.files[0].sha256, w256) && !strcmp(p.files[0].sha1, w1) && !strcmp(p.files[0].md5, w5) &&
           p.files[0].size == n, "the same three digests and size");
    ok(stat(path, &sb) == 0 && (size_t)sb.st_size == n, "its blob has exactly the file's size");
    ok_call(ota_blob_verify(eng, &p.files[0], &e), &e, "and verifies");
    free(back);
    free(buf);
}

int main(void)
{
    ota_err e = {0};
    const char *dir = tap_tmpdir();
    char db[512];
    snprintf(db, sizeof db, "%s/ota.db", dir);
    ota_fake_clock fc = {.t = 1796083200};
    ota_engine_opts o = {.db_path = db, .clock = ota_clock_fake(&fc)};
    eng = ota_engine_open(&o, &e);
    if (!eng) {
        printf("Bail out! %s\n", e.message);
        return 1;
    }
    test_small();
    test_abort();
    test_sweep(&o);
    test_limit();
    test_pipeline();
    ota_engine_close(eng);
    return tap_done();
}
