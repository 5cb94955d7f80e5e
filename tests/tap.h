/* A minimal TAP producer for C tests, run by automake's tap-driver.
 * Each check prints "ok N - name" or "not ok N - name" with a diagnostic;
 * tap_done() prints the plan and returns the exit status. */
#ifndef OTA_TAP_H
#define OTA_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    tap_n++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                        \
    do {                                                                              \
        long long g_ = (long long)(got), w_ = (long long)(want);                      \
        if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))                       \
            printf("#   got %lld, want %lld\n", g_, w_);                              \
    } while (0)
#define is_str(got, want, ...)                                                        \
    do {                                                                              \
        const char *g_ = (got), *w_ = (want);                                         \
        if (!tap_ok(g_ && w_ && !strcmp(g_, w_), __FILE__, __LINE__, __VA_ARGS__))    \
            printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)
/* An ota_err-returning call expected to succeed: prints the error if not. */
#define ok_call(call, err, ...)                                                       \
    do {                                                                              \
        int rc_ = (call);                                                             \
        if (!tap_ok(rc_ == 0, __FILE__, __LINE__, __VA_ARGS__))                       \
            printf("#   error %s: %s: %s\n", ota_code_str((err)->code), (err)->field, (err)->message); \
    } while (0)
/* An ota_err-returning call expected to fail with code. */
#define fails_with(call, err, want_code, ...)                                         \
    do {                                                                              \
        int rc_ = (call);                                                             \
        if (!tap_ok(rc_ < 0 && (err)->code == (want_code), __FILE__, __LINE__, __VA_ARGS__)) \
            printf("#   rc %d, code %s (%s: %s), want %s\n", rc_, ota_code_str((err)->code), \
                   (err)->field, (err)->message, ota_code_str(want_code));            \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

/* A fresh temporary folder for a test's database and blobs. */
static inline const char *tap_tmpdir(void)
{
    static char dir[256];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ota-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(99);
    }
    return dir;
}

#endif
