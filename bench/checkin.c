/* bench/checkin: check-in decisions on a generated fleet (issue 3,
 * DESIGN.md §5).  Budgets: >= 200,000/s for check-ins that change nothing,
 * >= 20,000/s for state-changing check-ins and reports, committed.
 *
 *   bench/checkin [DEVICES [BLACKLIST]]     (default 1000000 100000)
 *
 * Steps: generate the fleet, create a plan (module full 1.2.0, min
 * battery 30) with the first BLACKLIST devices blacklisted, preview it,
 * activate it, then
 *   1. first check-in of every device (telemetry, offers, deferrals),
 *      batched 10,000 per transaction;
 *   2. every device checks in again with the same values: nothing changes
 *      (blacklisted, deferred, up to date, or already offered) — the
 *      no-change figure, on one core, in random order;
 *   3. the same on a freshly opened engine (cold caches), for a sample;
 *   4. state-changing work, committed in batches of 1,000: offered devices
 *      report downloading, installing, succeeded; deferred devices check
 *      in with a recovered battery and get their offer;
 * Each phase prints wall-clock and CPU seconds: on a shared machine the
 * CPU figure is what one core does; the budgets are checked on both.  The
 * no-change phase also counts heap allocations and SQLite statement steps
 * (this program wraps malloc and sqlite3_step to count them).
 * The database lives in a temporary folder (or $BENCH_DIR) and is removed.
 * Then the same again with a staged plan (waves 1%, 10%, 100%, auto
 * advance; every wave opens at the first tick, so the work is the same
 * plus the waves' bookkeeping), and both figures with their ratio (goal:
 * staged >= 80% of plain).  Last the gated run (gated_run): 1, 2 and 4
 * again on a fleet of its own with an open maintenance window and a rate
 * limit that does not bite, and the ratio of its figures to the plain
 * run's (goal >= 80%). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "ota.h"

/* ------------------------------------------------ allocation and step counts */
static long n_alloc, n_step;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
#endif
#if COUNT_ALLOCS && defined(__GLIBC__)
/* glibc's own entry points: every malloc of the process (SQLite's too)
 * comes through these wrappers. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n) { n_alloc++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { n_alloc++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { n_alloc++; return __libc_realloc(p, n); }
#define ALLOCS_COUNTED 1
#else
#define ALLOCS_COUNTED 0
#endif

/* The engine (static library) calls this, which counts and forwards. */
int sqlite3_step(sqlite3_stmt *st)
{
    static int (*real)(sqlite3_stmt *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "sqlite3_step");
    n_step++;
    return real(st);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct meter { double wall, cpu; long allocs, steps; };

static void meter_start(struct meter *m)
{
    m->allocs = n_alloc;
    m->steps = n_step;
    m->cpu = cpu_s();
    m->wall = now_s();
}

static void meter_stop(struct meter *m)
{
    m->wall = now_s() - m->wall;
    m->cpu = cpu_s() - m->cpu;
    m->allocs = n_alloc - m->allocs;
    m->steps = n_step - m->steps;
}

/* "what: N in W s (C s CPU): R/s wall, R/s CPU" */
static void rate_line(const char *what, long n, const struct meter *m)
{
    printf("%-46s %9.0f /s wall %9.0f /s CPU  (%ld in %.2f s wall, %.2f s CPU)\n", what, (double)n / m->wall,
           (double)n / m->cpu, n, m->wall, m->cpu);
}

static void time_line(const char *what, const struct meter *m)
{
    printf("%-46s %9.2f s wall %9.2f s CPU\n", what, m->wall, m->cpu);
}

/* "peak RSS: P MiB; now A MiB anonymous (the engine's caches, SQLite's
 * page cache), F MiB file-backed (mostly the memory-mapped database, which the
 * kernel can drop at any time)". */
static void rss_line(const char *what)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long anon = -1, file = -1;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "RssAnon: %ld kB", &anon);
        sscanf(line, "RssFile: %ld kB", &file);
    }
    if (f)
        fclose(f);
    printf("%-46s %9.1f MiB", what, (double)ru.ru_maxrss / 1024.0);
    if (anon >= 0 && file >= 0)
        printf("  (now: %.1f MiB anonymous, %.1f MiB file-backed, mostly the memory-mapped database)", anon / 1024.0,
               file / 1024.0);
    printf("\n");
}

static void die(const char *what, const ota_err *e)
{
    fprintf(stderr, "bench/checkin: %s: %s: %s: %s\n", what, ota_code_str(e->code), e->field, e->message);
    exit(1);
}

#include "fleet.h"  /* struct bdev, the package, the plan, the devices read back */

/* "dev-%06ld" without printf: the harness should cost little next to the
 * engine (with snprintf, building the request took twice as many
 * instructions as the no-change check-in itself). */
static void put_id(char *dst, long i)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    while (n < 6)
        tmp[n++] = '0';
    memcpy(dst, "dev-", 4);
    for (int k = 0; k < n; k++)
        dst[4 + k] = tmp[n - 1 - k];
    dst[4 + n] = 0;
}

static void put_str(char *dst, const char *src)
{
    memcpy(dst, src, strlen(src) + 1);
}

/* q was set up once by req_init; only what differs per device is written. */
static void req_fill(ota_checkin_req *q, long i, const struct bdev *d)
{
    put_id(q->device, i);
    put_str(q->versions[0].version, d->module);
    put_str(q->versions[1].version, d->mcu);
    put_str(q->versions[2].version, d->app);
    q->rsrp = d->rsrp;
    q->battery = d->battery;
}

static void req_init(ota_checkin_req *q)
{
    memset(q, 0, sizeof *q);
    put_str(q->product, "bench");
    put_str(q->versions[0].component, "module");
    put_str(q->versions[1].component, "mcu");
    put_str(q->versions[2].component, "app");
    q->nversions = 3;
    q->has_rsrp = q->has_battery = true;
}

static uint64_t rng = 0x1234567;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void preview_line(ota_engine *eng, int64_t plan, const char *when)
{
    ota_preview pv;
    ota_err e;
    struct meter m;
    meter_start(&m);
    if (ota_plan_preview(eng, plan, &pv, &e) < 0)
        die("preview", &e);
    meter_stop(&m);
    char what[64];
    snprintf(what, sizeof what, "preview (%s plan)", when);
    time_line(what, &m);
    printf("    targeted %ld; excluded: blacklisted %ld, not whitelisted %ld, version %ld;"
           " deferred now: rsrp %ld, battery %ld\n", pv.targeted, pv.blacklisted, pv.not_whitelisted,
           pv.version_mismatch, pv.deferred_rsrp, pv.deferred_battery);
}

/* ------------------------------------------------ the gated run (issue 15) */
/* The same fleet and plan with the rollout's gates on, in a database of its
 * own: a maintenance window in Europe/Berlin that is open (every day, 24
 * hours from 00:00) with device_timezone (every second device reports
 * America/New_York, the rest are judged in the plan's zone), and an offer
 * rate limit high enough never to bite (every check-in still reads and
 * spends tokens).  Prints its no-change and state-changing figures and their
 * ratio to the plain run's (DESIGN.md §5: >= 80%). */
static void gated_run(long n, long nblack, double plain_nc_cpu, double plain_ch_cpu)
{
    char dir[256], db[300];
    const char *base = getenv("BENCH_DIR");
    snprintf(dir, sizeof dir, "%s/ota-bench-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(db, sizeof db, "%s/ota.db", dir);
    ota_fake_clock fc = {.t = 1800000000};
    ota_engine_opts o = {.db_path = db, .clock = ota_clock_fake(&fc), .actor = "bench"};
    ota_err e;
    ota_engine *eng = ota_engine_open(&o, &e);
    if (!eng)
        die("gated: open", &e);
    printf("\ngated run: maintenance window open (Europe/Berlin, device_timezone, half the devices in"
           " America/New_York), max_offers_per_minute 100,000,000\n");
    ota_product prod = {.key = "bench", .name = "Bench meter"};
    char key[65];
    if (ota_product_add(eng, &prod, key, &e) < 0 || ota_fleet_generate(eng, "bench", n, 42, &e) < 0)
        die("gated: fleet", &e);
    ota_plan plan;
    bench_plan(&plan, "bench gated rollout", bench_package(eng, dir), fc.t, nblack);
    plan.has_maintenance = true;
    snprintf(plan.maintenance.timezone, sizeof plan.maintenance.timezone, "Europe/Berlin");
    plan.maintenance.device_timezone = true;
    plan.maintenance.windows[0] = (ota_mw_window){.days = OTA_DAYS_ALL, .start = 0, .end = 0};
    plan.maintenance.nwindows = 1;
    plan.has_rollout = true;
    plan.rollout.waves[0] = (ota_wave_size){.percent = true, .value = 100};
    plan.rollout.nwaves = 1;
    plan.rollout.success_threshold = 100;
    plan.rollout.failure_threshold = 100;
    plan.rollout.max_offers_per_minute = 100000000;
    if (ota_plan_create(eng, &plan, &e) < 0 || ota_plan_transition(eng, plan.id, OTA_ACT_ACTIVATE, NULL, &e) < 0)
        die("gated: plan", &e);
    struct bdev *devs = calloc((size_t)n + 1, sizeof *devs);
    long *order = malloc(sizeof *order * (size_t)n);
    ota_job_offer *offer = calloc(1, sizeof *offer);
    if (!devs || !order || !offer)
        exit(1);
    bench_devices_read(eng, devs, n);
    ota_checkin_req q;
    req_init(&q);
    struct meter m;
    long offers = 0;
    meter_start(&m);
    for (long i = 1; i <= n; i++) {
        if ((i - 1) % 10000 == 0 && ota_engine_batch_begin(eng, &e) < 0)
            die("gated: batch", &e);
        req_fill(&q, i, &devs[i]);
        put_str(q.timezone, i % 2 ? "America/New_York" : "");
        if (ota_checkin(eng, &q, offer, &e) < 0)
            die("gated: checkin", &e);
        if (offer->has_job) {
            devs[i].job = offer->job_id;
            offers++;
        }
        if ((i % 10000 == 0 || i == n) && ota_engine_batch_end(eng, &e) < 0)
            die("gated: batch end", &e);
    }
    meter_stop(&m);
    rate_line("gated: first check-ins, committed", n, &m);
    printf("    %ld offered\n", offers);

    for (long i = 0; i < n; i++)
        order[i] = i + 1;
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(rnd() % (uint64_t)(i + 1)), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    meter_start(&m);
    for (long k = 0; k < n; k++) {
        long i = order[k];
        req_fill(&q, i, &devs[i]);
        put_str(q.timezone, i % 2 ? "America/New_York" : "");
        if (ota_checkin(eng, &q, offer, &e) < 0)
            die("gated: checkin", &e);
    }
    meter_stop(&m);
    double nc_cpu = (double)n / m.cpu;
    rate_line("gated: NO-CHANGE check-ins (warm, one core)", n, &m);

    long ops = 0, pending_ops = 0;
    meter_start(&m);
    if (ota_engine_batch_begin(eng, &e) < 0)
        die("gated: batch", &e);
    for (long i = 1; i <= n && ops < 300000; i++) {
        struct bdev *d = &devs[i];
        if (d->job) {
            static const ota_job_state steps[3] = {OTA_JOB_DOWNLOADING, OTA_JOB_INSTALLING, OTA_JOB_SUCCEEDED};
            char id[32];
            snprintf(id, sizeof id, "dev-%06ld", i);
            for (int s = 0; s < 3; s++)
                if (ota_job_report(eng, d->job, id, steps[s], s == 0 ? 10 : -1, NULL, &e) < 0)
                    die("gated: report", &e);
            ops += 3;
            pending_ops += 3;
        } else if (i > nblack && d->battery < 30 && strcmp(d->module, "1.2.0")) {
            d->battery = 90;
            req_fill(&q, i, d);
            put_str(q.timezone, i % 2 ? "America/New_York" : "");
            if (ota_checkin(eng, &q, offer, &e) < 0)
                die("gated: checkin", &e);
            ops++;
            pending_ops++;
        } else {
            continue;
        }
        if (pending_ops >= 1000) {
            pending_ops = 0;
            if (ota_engine_batch_end(eng, &e) < 0 || ota_engine_batch_begin(eng, &e) < 0)
                die("gated: batch", &e);
        }
    }
    if (ota_engine_batch_end(eng, &e) < 0)
        die("gated: batch end", &e);
    meter_stop(&m);
    double ch_cpu = (double)ops / m.cpu;
    rate_line("gated: STATE-CHANGING check-ins + reports", ops, &m);
    printf("gated / plain (CPU): no-change %.0f%%, state-changing %.0f%% (goal >= 80%%): %s\n",
           100.0 * nc_cpu / plain_nc_cpu, 100.0 * ch_cpu / plain_ch_cpu,
           nc_cpu >= 0.8 * plain_nc_cpu && ch_cpu >= 0.8 * plain_ch_cpu ? "met" : "NOT MET");
    ota_plan_free(&plan);
    ota_job_offer_free(offer);
    free(offer);
    free(order);
    free(devs);
    ota_engine_close(eng);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench/checkin: could not remove %s\n", dir);
}

/* One run on a fresh database; staged: the plan has waves.  *nc_cpu and
 * *ch_cpu: the no-change and state-changing figures (per CPU second). */
static int run(long n, long nblack, bool staged, double *nc_out, double *ch_out)
{
    char dir[256];
    const char *base = getenv("BENCH_DIR");
    snprintf(dir, sizeof dir, "%s/ota-bench-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char db[300];
    snprintf(db, sizeof db, "%s/ota.db", dir);
    ota_fake_clock fc = {.t = 1800000000};
    ota_engine_opts o = {.db_path = db, .clock = ota_clock_fake(&fc), .actor = "bench"};
    ota_err e;
    ota_engine *eng = ota_engine_open(&o, &e);
    if (!eng)
        die("open", &e);
    printf("bench/checkin: %ld devices, %ld blacklisted, database %s%s\n", n, nblack, db,
           staged ? "; STAGED: waves 1%, 10%, 100%, auto advance" : "");
    printf("(wall: elapsed time; CPU: this process's CPU time, what one core does on a shared machine)\n");

    ota_product prod = {.key = "bench", .name = "Bench meter"};
    char key[65];
    if (ota_product_add(eng, &prod, key, &e) < 0)
        die("product", &e);
    struct meter m;
    meter_start(&m);
    if (ota_fleet_generate(eng, "bench", n, 42, &e) < 0)
        die("fleet", &e);
    meter_stop(&m);
    time_line("fleet generated (one transaction)", &m);
    rss_line("    peak RSS so far");

    ota_plan plan;
    bench_plan(&plan, "bench rollout", bench_package(eng, dir), fc.t, nblack);
    if (staged) {
        /* success threshold 0, no soak: every wave opens at the first clock
         * tick, so the run does the plain run's work plus the waves'
         * bookkeeping (membership, per-wave counters, deadlines) */
        plan.has_rollout = true;
        plan.rollout.nwaves = 3;
        plan.rollout.waves[0] = (ota_wave_size){true, 1};
        plan.rollout.waves[1] = (ota_wave_size){true, 10};
        plan.rollout.waves[2] = (ota_wave_size){true, 100};
        plan.rollout.success_threshold = 0;
        plan.rollout.failure_threshold = 100;
        plan.rollout.advance = OTA_ADVANCE_AUTO;
    }
    meter_start(&m);
    if (ota_plan_create(eng, &plan, &e) < 0)
        die("plan", &e);
    meter_stop(&m);
    time_line("plan created (with its blacklist)", &m);
    preview_line(eng, plan.id, "saved");
    meter_start(&m);
    if (ota_plan_transition(eng, plan.id, OTA_ACT_ACTIVATE, NULL, &e) < 0)
        die("activate", &e);
    meter_stop(&m);
    time_line("plan activated (a pending job per device)", &m);

    /* the devices as generated */
    struct bdev *devs = calloc((size_t)n + 1, sizeof *devs);
    if (!devs)
        return 1;
    bench_devices_read(eng, devs, n);

    ota_job_offer *offer = calloc(1, sizeof *offer);  /* reused: its components grow once */
    ota_checkin_req q;
    req_init(&q);
    /* 1. first check-ins */
    long offers = 0;
    meter_start(&m);
    for (long i = 1; i <= n; i++) {
        if ((i - 1) % 10000 == 0 && ota_engine_batch_begin(eng, &e) < 0)
            die("batch", &e);
        req_fill(&q, i, &devs[i]);
        if (ota_checkin(eng, &q, offer, &e) < 0)
            die("checkin", &e);
        if (offer->has_job) {
            devs[i].job = offer->job_id;
            devs[i].state = offer->state;
            offers++;
        }
        if (i % 10000 == 0 || i == n)
            if (ota_engine_batch_end(eng, &e) < 0)
                die("batch end", &e);
    }
    meter_stop(&m);
    rate_line("first check-ins, committed (batches of 10,000)", n, &m);
    printf("    %ld offered; the rest blacklisted, deferred or up to date\n", offers);

    /* 2. no-change check-ins, random order */
    long *order = malloc(sizeof *order * (size_t)n);
    if (!order)
        return 1;
    for (long i = 0; i < n; i++)
        order[i] = i + 1;
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(rnd() % (uint64_t)(i + 1)), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    ota_plan_status st0, st1;
    ota_plan_status_get(eng, plan.id, &st0, &e);
    long resent = 0;
    meter_start(&m);
    for (long k = 0; k < n; k++) {
        long i = order[k];
        req_fill(&q, i, &devs[i]);
        if (ota_checkin(eng, &q, offer, &e) < 0)
            die("checkin", &e);
        resent += offer->has_job;
    }
    meter_stop(&m);
    struct meter nochange = m;
    ota_plan_status_get(eng, plan.id, &st1, &e);
    rate_line("NO-CHANGE check-ins (warm, one core)", n, &m);
    rss_line("    peak RSS so far");
    printf("    %ld offers re-sent, events written %lld; per check-in: %.3f heap allocations%s,"
           " %.4f SQLite steps\n", resent, (long long)(st1.last_seq - st0.last_seq),
           ALLOCS_COUNTED ? (double)m.allocs / (double)n : 0.0, ALLOCS_COUNTED ? "" : " (not counted here)",
           (double)m.steps / (double)n);

    /* 3. cold caches: a freshly opened engine */
    ota_engine_close(eng);
    if (!(eng = ota_engine_open(&o, &e)))
        die("reopen", &e);
    long sample = n < 200000 ? n : 200000;
    meter_start(&m);
    for (long k = 0; k < sample; k++) {
        long i = order[k];
        req_fill(&q, i, &devs[i]);
        if (ota_checkin(eng, &q, offer, &e) < 0)
            die("checkin", &e);
    }
    meter_stop(&m);
    rate_line("no-change check-ins (cold caches, from SQLite)", sample, &m);

    /* 4. state-changing: reports of offered devices, recovered batteries */
    long ops = 0, budget = 300000, pending_ops = 0, nreports = 0, ncheckins = 0;
    meter_start(&m);
    if (ota_engine_batch_begin(eng, &e) < 0)
        die("batch", &e);
    for (long i = 1; i <= n && ops < budget; i++) {
        struct bdev *d = &devs[i];
        if (d->job) {
            static const ota_job_state steps[3] = {OTA_JOB_DOWNLOADING, OTA_JOB_INSTALLING, OTA_JOB_SUCCEEDED};
            for (int s = 0; s < 3; s++) {
                char id[32];
                snprintf(id, sizeof id, "dev-%06ld", i);
                if (ota_job_report(eng, d->job, id, steps[s], s == 0 ? 10 : -1, NULL, &e) < 0)
                    die("report", &e);
                ops++;
                nreports++;
                pending_ops++;
            }
        } else if (i > nblack && d->battery < 30 && strcmp(d->module, "1.2.0")) {
            d->battery = 90;  /* charged: the deferral clears and the device is offered */
            req_fill(&q, i, d);
            if (ota_checkin(eng, &q, offer, &e) < 0)
                die("checkin", &e);
            ops++;
            ncheckins++;
            pending_ops++;
        } else {
            continue;
        }
        if (pending_ops >= 1000) {
            pending_ops = 0;
            if (ota_engine_batch_end(eng, &e) < 0 || ota_engine_batch_begin(eng, &e) < 0)
                die("batch", &e);
        }
    }
    if (ota_engine_batch_end(eng, &e) < 0)
        die("batch end", &e);
    meter_stop(&m);
    struct meter changing = m;
    rate_line("STATE-CHANGING check-ins + reports, committed", ops, &m);
    printf("    %ld reports (downloading, installing, succeeded) and %ld check-ins with a recovered battery,"
           " one transaction per 1,000\n", nreports, ncheckins);

    ota_plan_status_get(eng, plan.id, &st1, &e);
    printf("plan status: pending %ld, offered %ld, downloading %ld, succeeded %ld, failed %ld\n",
           st1.counts[OTA_JOB_PENDING], st1.counts[OTA_JOB_OFFERED], st1.counts[OTA_JOB_DOWNLOADING],
           st1.counts[OTA_JOB_SUCCEEDED], st1.counts[OTA_JOB_FAILED]);
    meter_start(&m);
    for (int k = 0; k < 1000; k++)
        ota_plan_status_get(eng, plan.id, &st1, &e);
    meter_stop(&m);
    printf("%-46s %9.1f us wall %9.1f us CPU\n", "status refresh (each)", m.wall * 1e3, m.cpu * 1e3);
    preview_line(eng, plan.id, "active");

    rss_line("peak RSS (whole run)");

    double nc_wall = (double)n / nochange.wall, nc_cpu = (double)n / nochange.cpu;
    double ch_wall = (double)ops / changing.wall, ch_cpu = (double)ops / changing.cpu;
    printf("budget no-change >= 200000/s:      %s (%.0f/s wall, %.0f/s CPU)\n",
           nc_cpu >= 200000 ? (nc_wall >= 200000 ? "met" : "met on CPU time, not on wall time (shared machine?)")
                            : "NOT MET", nc_wall, nc_cpu);
    printf("budget state-changing >= 20000/s:  %s (%.0f/s wall, %.0f/s CPU)\n",
           ch_cpu >= 20000 ? (ch_wall >= 20000 ? "met" : "met on CPU time, not on wall time (shared machine?)")
                           : "NOT MET", ch_wall, ch_cpu);

    *nc_out = nc_cpu;
    *ch_out = ch_cpu;
    ota_plan_free(&plan);
    ota_job_offer_free(offer);
    free(offer);
    free(order);
    free(devs);
    ota_engine_close(eng);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench/checkin: could not remove %s\n", dir);
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000, nblack = argc > 2 ? atol(argv[2]) : 100000;
    if (n < 1000 || nblack < 0 || nblack > n) {
        fprintf(stderr, "usage: bench/checkin [DEVICES>=1000 [BLACKLIST<=DEVICES]]\n");
        return 2;
    }
    double nc_plain, ch_plain, nc_staged, ch_staged;
    if (run(n, nblack, false, &nc_plain, &ch_plain) != 0)
        return 1;
    printf("\n");
    if (run(n, nblack, true, &nc_staged, &ch_staged) != 0)
        return 1;
    printf("\nstaged against plain (CPU figures; goal >= 80%%):\n");
    printf("  no-change:      %9.0f /s plain %9.0f /s staged  %5.1f%%  %s\n", nc_plain, nc_staged,
           100.0 * nc_staged / nc_plain, nc_staged >= 0.8 * nc_plain ? "met" : "NOT MET");
    printf("  state-changing: %9.0f /s plain %9.0f /s staged  %5.1f%%  %s\n", ch_plain, ch_staged,
           100.0 * ch_staged / ch_plain, ch_staged >= 0.8 * ch_plain ? "met" : "NOT MET");
    gated_run(n, nblack, nc_plain, ch_plain);
    return 0;
}
