/* bench/console: the console in a pty (forkpty), against a local engine
 * seeded with 10,000 packages and 1,000 plans (one of them running on a
 * 20,000-device fleet).  Prints:
 *   - time to the first frame with package rows, and until all 10,000 are in
 *   - keypress-to-update latency (first byte of the answer to a key)
 *   - bytes written per minute with live status open on a running plan
 *     (simulator on), and while nothing changes (simulator off)
 * Budgets (DESIGN.md §5): first frame <= 100 ms; a key answered within one
 * frame; an unchanged refresh writes 0 bytes.  Not run by make check.
 *
 *   bench/console [--quick]
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ota.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const ota_err *e)
{
    char buf[600];
    fprintf(stderr, "bench/console: %s: %s\n", what, e ? ota_err_format(e, buf, sizeof buf) : strerror(errno));
    exit(1);
}

/* ---------------------------------------------------------------- seed */
static int64_t running_plan;

static void seed(const char *dir, const char *db)
{
    ota_err e;
    ota_engine_opts o = {.db_path = db};
    ota_engine *eng = ota_engine_open(&o, &e);
    if (!eng)
        die("open", &e);
    ota_product p = {.key = "bench", .name = "Bench meter"};
    char key[65];
    if (ota_product_add(eng, &p, key, &e))
        die("product", &e);
    if (ota_fleet_generate(eng, "bench", 20000, 1, &e))
        die("fleet", &e);
    char path[512];
    snprintf(path, sizeof path, "%s/fw.bin", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, NULL);
    for (int i = 0; i < 4096; i++)
        fputc(i & 255, f);
    fclose(f);
    const char *paths[1] = {path};
    ota_package_meta m = {.component = "module", .kind = OTA_KIND_FULL, .target_version = "9.0.0"};
    ota_package first;
    if (ota_package_create(eng, &m, paths, 1, &first, &e))
        die("package", &e);
    if (ota_engine_batch_begin(eng, &e))
        die("batch", &e);
    for (int i = 1; i < 10000; i++) {
        ota_package_meta mi = m;
        snprintf(mi.component, sizeof mi.component, "%s", i % 3 == 0 ? "module" : i % 3 == 1 ? "mcu" : "app");
        snprintf(mi.target_version, sizeof mi.target_version, "%d.%d.%d", i / 1000, i / 10 % 100, i % 10);
        snprintf(mi.remark, sizeof mi.remark, "bench package %d", i);
        ota_package out;
        if (ota_package_create_from_blobs(eng, &mi, first.files, first.nfiles, &out, &e))
            die("package rows", &e);
    }
    int64_t now = ota_engine_now(eng);
    for (int i = 0; i < 1000; i++) {
        ota_plan pl;
        ota_plan_init(&pl);
        snprintf(pl.name, sizeof pl.name, i == 999 ? "running plan" : "bench plan %04d", i);
        snprintf(pl.product, sizeof pl.product, "bench");
        pl.mode = OTA_MODE_SILENT;
        pl.window_start = now - 3600;
        pl.window_end = now + 30 * 86400;
        pl.components[0].package_id = first.id;
        snprintf(pl.components[0].component, sizeof pl.components[0].component, "module");
        pl.ncomponents = 1;
        if (ota_plan_create(eng, &pl, &e))
            die("plan", &e);
        if (i == 999)
            running_plan = pl.id;
        ota_plan_free(&pl);
    }
    if (ota_engine_batch_end(eng, &e))
        die("batch end", &e);
    ota_plan out;
    ota_plan_init(&out);
    if (ota_plan_transition(eng, running_plan, OTA_ACT_ACTIVATE, &out, &e))
        die("activate", &e);
    ota_plan_free(&out);
    ota_engine_close(eng);
}

/* ----------------------------------------------------------------- pty */
typedef struct term {
    pid_t pid;
    int fd;
    char buf[1 << 20];   ///< everything read since the last mark
    size_t len;
    long total;
} term;

static void term_start(term *t, const char *db, bool simulate)
{
    struct winsize ws = {.ws_row = 30, .ws_col = 100};
    t->len = 0;
    t->total = 0;
    t->pid = forkpty(&t->fd, NULL, NULL, &ws);
    if (t->pid < 0)
        die("forkpty", NULL);
    if (t->pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LANG", "C.UTF-8", 1);
        setenv("LC_ALL", "C.UTF-8", 1);
        unsetenv("NO_COLOR");
        const char *bin = OTA_BUILDDIR "/tui/otaconsole";
        if (simulate)
            execl(bin, bin, "--db", db, "--simulate", (char *)NULL);
        else
            execl(bin, bin, "--db", db, (char *)NULL);
        _exit(127);
    }
}

/* Read what is there within ms; returns bytes read. */
static long term_read(term *t, int ms)
{
    struct pollfd p = {.fd = t->fd, .events = POLLIN};
    long got = 0;
    double end = now_s() + ms / 1000.0;
    for (;;) {
        int left = (int)((end - now_s()) * 1000);
        if (left < 0)
            left = 0;
        if (poll(&p, 1, left) <= 0)
            break;
        char tmp[65536];
        ssize_t n = read(t->fd, tmp, sizeof tmp);
        if (n <= 0)
            break;
        got += n;
        t->total += n;
        if (t->len + (size_t)n >= sizeof t->buf) {   /* keep the recent half */
            memmove(t->buf, t->buf + t->len / 2, t->len - t->len / 2);
            t->len -= t->len / 2;
        }
        memcpy(t->buf + t->len, tmp, (size_t)n);
        if (getenv("BENCH_DUMP")) {
            FILE *d = fopen(getenv("BENCH_DUMP"), "a");
            if (d) { fwrite(tmp, 1, (size_t)n, d); fclose(d); }
        }
        t->len += (size_t)n;
        if (left == 0)
            break;
    }
    return got;
}

/* Wait until the output since the last mark contains s; seconds, or -1. */
static double term_wait(term *t, const char *s, double timeout)
{
    double start = now_s();
    while (now_s() - start < timeout) {
        if (memmem(t->buf, t->len, s, strlen(s)))
            return now_s() - start;
        term_read(t, 5);
    }
    return -1;
}

static void term_mark(term *t) { t->len = 0; }

static void term_key(term *t, const char *k) { (void)!write(t->fd, k, strlen(k)); }

static void term_stop(term *t)
{
    term_key(t, "\x03");   /* ^C: quit */
    term_read(t, 200);
    kill(t->pid, SIGTERM);
    waitpid(t->pid, NULL, 0);
    close(t->fd);
}

/* Drain until quiet for ms. */
static void term_settle(term *t, int ms)
{
    while (term_read(t, ms) > 0)
        ;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && !strcmp(argv[1], "--quick");
    int window = quick ? 5 : 20;   /* seconds measured, scaled to a minute */
    char dir[] = "/tmp/ota-bench-console-XXXXXX", db[600];
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
    snprintf(db, sizeof db, "%s/ota.db", dir);
    double t0 = now_s();
    seed(dir, db);
    printf("seeded 10000 packages, 1000 plans, 20000 devices in %.1f s\n", now_s() - t0);

    static term t;
    /* 1. first frame */
    double start = now_s();
    term_start(&t, db, true);
    /* the newest package's row: drawn as soon as the first page is in */
    double first = term_wait(&t, "9.99.9", 10);
    printf("first frame with package rows (10000 packages): %.1f ms (budget 100 ms)\n",
           first < 0 ? -1.0 : (now_s() - start) * 1000);
    term_settle(&t, 1000);
    term_mark(&t);
    double g = now_s();
    term_key(&t, "G");   /* the oldest package, last of all 10000 rows */
    double last = term_wait(&t, "full 9.0.0 ", 10);
    printf("G to the last of 10000 rows: %.1f ms\n", last < 0 ? -1.0 : (now_s() - g) * 1000);
    term_settle(&t, 300);

    /* 2. keypress to update */
    double lat[60];
    int nl = 0;
    for (int i = 0; i < 60; i++) {
        term_mark(&t);
        double k = now_s();
        term_key(&t, i % 2 ? "k" : "j");
        struct pollfd p = {.fd = t.fd, .events = POLLIN};
        if (poll(&p, 1, 2000) > 0)
            lat[nl++] = (now_s() - k) * 1000;
        term_settle(&t, 20);
    }
    qsort(lat, nl, sizeof *lat, cmp_d);
    printf("keypress to screen update (j/k in 10000 packages): median %.2f ms, max %.2f ms (%d keys)\n",
           nl ? lat[nl / 2] : -1, nl ? lat[nl - 1] : -1, nl);

    /* 3. plans pane, then live status of the running plan (simulator on) */
    term_mark(&t);
    term_key(&t, "2");
    double plans = term_wait(&t, "running plan", 10);
    printf("plans pane (1000 plans) after '2': %.1f ms to the first row\n", plans < 0 ? -1 : plans * 1000);
    term_settle(&t, 300);
    term_key(&t, "g");
    term_settle(&t, 100);
    term_key(&t, "3");
    term_wait(&t, "Recent events", 10);
    term_settle(&t, 1500);
    long before = t.total;
    term_read(&t, window * 1000);
    long moving = t.total - before;
    printf("live status, running plan (simulator on): %ld bytes in %d s = %.0f bytes/min\n",
           moving, window, moving * 60.0 / window);
    term_stop(&t);

    /* 4. nothing changes: same screen, simulator off */
    term_start(&t, db, false);
    term_wait(&t, "Packages: ", 10);
    term_settle(&t, 500);
    term_key(&t, "2");
    term_wait(&t, "running plan", 10);
    term_settle(&t, 300);
    term_key(&t, "g");
    term_settle(&t, 100);
    term_key(&t, "3");
    term_wait(&t, "Recent events", 10);
    term_settle(&t, 2500);
    before = t.total;
    term_read(&t, window * 1000);
    long idle = t.total - before;
    printf("live status, nothing changing:            %ld bytes in %d s = %.0f bytes/min (budget 0)\n",
           idle, window, idle * 60.0 / window);
    term_stop(&t);

    char cmd[700];
    if (getenv("BENCH_KEEP"))
        return printf("kept %s\n", dir) < 0;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench/console: could not remove %s\n", dir);
    return 0;
}
