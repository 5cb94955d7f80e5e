/* Helpers shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c).
 *
 * Beyond "no crash, no leak, no undefined behaviour" (the sanitizers), every
 * harness checks the project's promise about hostile input: a refusal is a
 * clear error, i.e. it carries a code and a message naming the rule.  A
 * broken promise aborts, so libFuzzer saves the input as a crash. */
#ifndef OTA_FUZZ_H
#define OTA_FUZZ_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ota.h"

#define FUZZ_PRODUCT "fz-meter"

/* Abort with a reason: libFuzzer records the input as a crash. */
#define fuzz_assert(cond, ...)                                                   \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz: %s:%d: broken promise: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* A refusal must be a clear error: a real code and a message. */
static inline void fuzz_clear_error(const ota_err *e, const char *what)
{
    fuzz_assert(e->code != OTA_OK && e->code < OTA_E__COUNT,
                "%s failed without an error code (%d)", what, (int)e->code);
    fuzz_assert(e->message[0] != '\0', "%s failed with code %s but no message",
                what, ota_code_str(e->code));
    fuzz_assert(memchr(e->message, '\0', sizeof e->message) != NULL,
                "%s: message not terminated", what);
    fuzz_assert(memchr(e->field, '\0', sizeof e->field) != NULL,
                "%s: field not terminated", what);
}

/* Input bytes as a NUL-terminated string (the caller frees). */
static inline char *fuzz_cstr(const uint8_t *d, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) abort();
    memcpy(s, d, n);
    s[n] = '\0';
    return s;
}

/* ---------------------------------------------------- a scratch engine */
static char fuzz_dir[256];
static ota_engine *fuzz_eng;
static ota_fake_clock fuzz_clock = {1796083200}; /* 2026-12-01 */

static int fuzz_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb; (void)flag; (void)f;
    remove(p);
    return 0;
}

static void fuzz_cleanup(void)
{
    if (fuzz_eng) ota_engine_close(fuzz_eng);
    fuzz_eng = NULL;
    if (fuzz_dir[0]) nftw(fuzz_dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch folder (tmpfs when there is one) removed at exit. */
static inline const char *fuzz_tmpdir(void)
{
    if (!fuzz_dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/ota-fuzz-XXXXXX", base);
        if (!mkdtemp(fuzz_dir)) abort();
        atexit(fuzz_cleanup);
    }
    return fuzz_dir;
}

/* One engine for the whole run (opening one per input would fuzz SQLite's
 * file creation, not our code), with product FUZZ_PRODUCT and a fake clock. */
static inline ota_engine *fuzz_engine(void)
{
    if (fuzz_eng) return fuzz_eng;
    char db[300];
    snprintf(db, sizeof db, "%s/ota.db", fuzz_tmpdir());
    ota_err e = {0};
    ota_engine_opts o = {.db_path = db, .clock = ota_clock_fake(&fuzz_clock), .actor = "fuzz"};
    fuzz_eng = ota_engine_open(&o, &e);
    if (!fuzz_eng) { fprintf(stderr, "fuzz: engine: %s\n", e.message); abort(); }
    ota_product p = {0};
    snprintf(p.key, sizeof p.key, "%s", FUZZ_PRODUCT);
    snprintf(p.name, sizeof p.name, "Fuzz meter");
    char key[65];
    if (ota_product_add(fuzz_eng, &p, key, &e) != 0) {
        fprintf(stderr, "fuzz: product: %s\n", e.message);
        abort();
    }
    return fuzz_eng;
}

/* Start over with an empty engine: harnesses that add rows on every input
 * (check-ins register devices) call this now and then, so a long run
 * measures our code, not an ever-growing database and device cache. */
static inline void fuzz_engine_recycle(void)
{
    if (fuzz_eng) ota_engine_close(fuzz_eng);
    fuzz_eng = NULL;
    char p[400];
    static const char *const files[] = {"ota.db", "ota.db-wal", "ota.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", fuzz_tmpdir(), files[i]);
        remove(p);
    }
}

#endif
