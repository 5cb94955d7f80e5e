/* A minimal TAP producer for C tests, run by automake's tap-driver.
 * Each check prints "ok N - name" or "not ok N - name" with a diagnostic;
 * tap_done() prints the plan and returns the exit status.  A test program
 * made of several files defines TAP_SHARED in each before including this,
 * and TAP_MAIN too in the one holding main(): they count together. */
#ifndef OTA_TAP_H
#define OTA_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef TAP_SHARED
extern int tap_n, tap_failed;
#ifdef TAP_MAIN
int tap_n, tap_failed;
#endif
#else
static int tap_n, tap_failed;
#endif

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

/* A fresh temporary folder for a test's database and blobs, removed with
 * everything in it when the test program exits or is stopped by SIGINT,
 * SIGTERM or SIGHUP (OTA_KEEP_TMP=1 keeps it to look at).  Only the process
 * that made it removes it: a forked child's exit leaves it alone. */
struct tap_tmp_state {
    char (*dirs)[256];
    int n, cap;
    pid_t owner;
    volatile pid_t kids[16];  /* servers the test runs (tap_child) */
};
static inline struct tap_tmp_state *tap_tmp(void)
{
    static struct tap_tmp_state st;
    return &st;
}

static inline int tap_tmp_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(p);
    return 0;
}

static inline void tap_tmp_cleanup(void)
{
    struct tap_tmp_state *t = tap_tmp();
    const char *keep = getenv("OTA_KEEP_TMP");
    if (getpid() != t->owner || (keep && *keep))
        return;
    for (int i = 0; i < t->n; i++)
        nftw(t->dirs[i], tap_tmp_rm, 16, FTW_DEPTH | FTW_PHYS);
    free(t->dirs);
    t->dirs = NULL, t->n = t->cap = 0;
}

/* A child the test runs (e.g. otad) that writes into its folder: a signal
 * stops it before the folder is removed.  tap_child(pid, 0) forgets it. */
static inline void tap_child(pid_t pid, int running)
{
    struct tap_tmp_state *t = tap_tmp();
    for (int i = 0; i < 16; i++)
        if (running ? t->kids[i] == 0 : t->kids[i] == pid) {
            t->kids[i] = running ? pid : 0;
            return;
        }
}

static inline void tap_tmp_signal(int sig)
{
    struct tap_tmp_state *t = tap_tmp();
    for (int i = 0; i < 16; i++)
        if (t->kids[i] > 0) {
            kill(t->kids[i], SIGKILL);
            waitpid(t->kids[i], NULL, 0);
        }
    tap_tmp_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static inline const char *tap_tmpdir(void)
{
    static char dir[256];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ota-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(99);
    }
    struct tap_tmp_state *t = tap_tmp();
    if (t->owner != getpid()) {
        t->owner = getpid();
        t->dirs = NULL, t->n = t->cap = 0;  /* a forked child's own list */
        atexit(tap_tmp_cleanup);
        signal(SIGINT, tap_tmp_signal);
        signal(SIGTERM, tap_tmp_signal);
        signal(SIGHUP, tap_tmp_signal);
    }
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 8;
        char(*d)[256] = realloc(t->dirs, (size_t)cap * sizeof *d);
        if (!d) {
            perror("tap_tmpdir");
            exit(99);
        }
        t->dirs = d, t->cap = cap;
    }
    snprintf(t->dirs[t->n++], sizeof t->dirs[0], "%s", dir);
    return dir;
}

#endif
