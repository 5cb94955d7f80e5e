/* bench/warm: no-change check-ins right after a restart, per second,
 * against the warm engine's speed (issue 20).  Budget: with the cache
 * warm-up (ota_engine_warm_step on a thread of its own, as otad runs it),
 * a second within the first 10 after the engine opens reaches >= 80% of
 * the warm no-change speed.
 *
 *   bench/warm [DEVICES [SECONDS]]     (default 1000000 12)
 *
 * (ota_engine_warm: slices of 1,000 devices, a pause between them for the
 * check-ins waiting.)
 * Steps: generate the fleet (the first 10% blacklisted, as bench/checkin),
 * activate a plan, the first check-in of every device (batches of 10,000),
 * then one pass of no-change check-ins in random order on the warm engine
 * (the warm speed).  Then twice SECONDS of the same check-ins on a freshly
 * opened engine, printed per second: first with the warm-up thread, then
 * without it (the lazily filled caches, as before).  Every answer is
 * compared with the warm engine's (offered or not, which job): a difference
 * is an error.  Figures are wall-clock (the goal is a time after start) on
 * one check-in thread; the database lives in a temporary folder (or
 * $BENCH_DIR) and is removed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ota.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const ota_err *e)
{
    fprintf(stderr, "bench/warm: %s: %s: %s: %s\n", what, ota_code_str(e->code), e->field, e->message);
    exit(1);
}

#include "fleet.h"

static uint64_t rng = 0x2545f491;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void req_fill(ota_checkin_req *q, long i, const struct bdev *d)
{
    snprintf(q->device, sizeof q->device, "dev-%06ld", i);
    snprintf(q->versions[0].version, sizeof q->versions[0].version, "%s", d->module);
    snprintf(q->versions[1].version, sizeof q->versions[1].version, "%s", d->mcu);
    snprintf(q->versions[2].version, sizeof q->versions[2].version, "%s", d->app);
    q->rsrp = d->rsrp;
    q->battery = d->battery;
}

static void req_init(ota_checkin_req *q)
{
    memset(q, 0, sizeof *q);
    snprintf(q->product, sizeof q->product, "bench");
    snprintf(q->versions[0].component, sizeof q->versions[0].component, "module");
    snprintf(q->versions[1].component, sizeof q->versions[1].component, "mcu");
    snprintf(q->versions[2].component, sizeof q->versions[2].component, "app");
    q->nversions = 3;
    q->has_rsrp = q->has_battery = true;
}

/* ------------------------------------------------------- the warm-up thread */
struct warmer {
    ota_engine *eng;
    double t0, done_at;   /* done_at: seconds after t0, 0 while running */
    long devices;
    atomic_bool stop;
};

static bool stopped(void *arg) { return atomic_load(&((struct warmer *)arg)->stop); }

static void *warm_main(void *arg)  /* what otad's warm-up thread does */
{
    struct warmer *w = arg;
    ota_err e;
    if ((w->devices = ota_engine_warm(w->eng, stopped, w, &e)) < 0)
        die("warm-up", &e);
    w->done_at = now_s() - w->t0;
    return NULL;
}

/* SECONDS of no-change check-ins in the given order (cyclic) on a freshly
 * opened engine, a line per second; returns the first second (1-based)
 * whose rate reached 80% of warm, 0 if none. */
static int after_restart(const ota_engine_opts *o, bool warm, long n, const long *order, const struct bdev *devs,
                         int seconds, double warm_rate, long *wrong)
{
    ota_err e;
    ota_checkin_req q;
    req_init(&q);
    ota_job_offer *offer = calloc(1, sizeof *offer);
    double t0 = now_s();
    ota_engine *eng = ota_engine_open(o, &e);
    if (!eng || !offer)
        die("reopen", &e);
    struct warmer w = {.eng = eng, .t0 = t0};
    pthread_t th;
    if (warm && pthread_create(&th, NULL, warm_main, &w) != 0) {
        fprintf(stderr, "bench/warm: cannot start the warm-up thread\n");
        exit(1);
    }
    printf("\nafter a restart, %s:\n", warm ? "WITH the warm-up thread" : "without warm-up (caches filled by the check-ins)");
    int reached = 0;
    long k = 0;
    double t = t0;
    for (int s = 1; s <= seconds; s++) {
        long done = 0;
        double end = t0 + s;
        while ((t = now_s()) < end) {
            for (int b = 0; b < 256; b++, k++, done++) {
                long i = order[k % n];
                req_fill(&q, i, &devs[i]);
                if (ota_checkin(eng, &q, offer, &e) < 0)
                    die("checkin", &e);
                if ((offer->has_job ? offer->job_id : 0) != devs[i].job)
                    (*wrong)++;
            }
        }
        double rate = (double)done / (t - (end - 1.0));
        bool ok = rate >= 0.8 * warm_rate;
        if (ok && !reached)
            reached = s;
        printf("  second %2d: %9.0f check-ins/s  %5.1f%% of warm%s\n", s, rate, 100.0 * rate / warm_rate,
               warm && w.done_at > 0 && w.done_at <= s && w.done_at > s - 1 ? "  (warm-up done)" : "");
    }
    if (warm) {
        atomic_store(&w.stop, true);
        pthread_join(th, NULL);
        printf("  warm-up: %ld devices read in %.2f s after the engine opened%s\n", w.devices, w.done_at,
               w.done_at >= seconds ? " (stopped)" : "");
        /* the same pass as the warm figure, for the load now (context only) */
        double t1 = now_s();
        for (long j = 0; j < n; j++) {
            long i = order[j];
            req_fill(&q, i, &devs[i]);
            if (ota_checkin(eng, &q, offer, &e) < 0)
                die("checkin", &e);
        }
        printf("  then a whole pass: %.0f /s (the warm figure again, under the load of now)\n",
               (double)n / (now_s() - t1));
    }
    ota_job_offer_free(offer);
    free(offer);
    ota_engine_close(eng);
    return reached;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int seconds = argc > 2 ? atoi(argv[2]) : 12;
    if (n < 1000 || seconds < 1 || seconds > 600) {
        fprintf(stderr, "usage: bench/warm [DEVICES>=1000 [SECONDS]]\n");
        return 2;
    }
    long nblack = n / 10;
    char dir[256], db[300];
    const char *base = getenv("BENCH_DIR");
    snprintf(dir, sizeof dir, "%s/ota-bench-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(db, sizeof db, "%s/ota.db", dir);
    ota_fake_clock fc = {.t = 1800000000};
    ota_engine_opts o = {.db_path = db, .clock = ota_clock_fake(&fc), .actor = "bench"};
    ota_err e;
    ota_engine *eng = ota_engine_open(&o, &e);
    if (!eng)
        die("open", &e);
    printf("bench/warm: %ld devices, %ld blacklisted, database %s\n", n, nblack, db);
    ota_product prod = {.key = "bench", .name = "Bench meter"};
    char key[65];
    double t = now_s();
    if (ota_product_add(eng, &prod, key, &e) < 0 || ota_fleet_generate(eng, "bench", n, 42, &e) < 0)
        die("fleet", &e);
    ota_plan plan;
    bench_plan(&plan, "bench rollout", bench_package(eng, dir), fc.t, nblack);
    if (ota_plan_create(eng, &plan, &e) < 0 || ota_plan_transition(eng, plan.id, OTA_ACT_ACTIVATE, NULL, &e) < 0)
        die("plan", &e);
    struct bdev *devs = calloc((size_t)n + 1, sizeof *devs);
    long *order = malloc(sizeof *order * (size_t)n);
    ota_job_offer *offer = calloc(1, sizeof *offer);
    if (!devs || !order || !offer)
        return 1;
    bench_devices_read(eng, devs, n);
    ota_checkin_req q;
    req_init(&q);
    for (long i = 1; i <= n; i++) {
        if ((i - 1) % 10000 == 0 && ota_engine_batch_begin(eng, &e) < 0)
            die("batch", &e);
        req_fill(&q, i, &devs[i]);
        if (ota_checkin(eng, &q, offer, &e) < 0)
            die("checkin", &e);
        if ((i % 10000 == 0 || i == n) && ota_engine_batch_end(eng, &e) < 0)
            die("batch end", &e);
    }
    printf("fleet, plan and first check-ins: %.1f s\n", now_s() - t);

    for (long i = 0; i < n; i++)
        order[i] = i + 1;
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(rnd() % (uint64_t)(i + 1)), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    /* the warm engine: its answers are the reference */
    t = now_s();
    for (long k = 0; k < n; k++) {
        long i = order[k];
        req_fill(&q, i, &devs[i]);
        if (ota_checkin(eng, &q, offer, &e) < 0)
            die("checkin", &e);
        devs[i].job = offer->has_job ? offer->job_id : 0;
    }
    double warm_rate = (double)n / (now_s() - t);
    printf("warm no-change check-ins: %.0f /s (one thread, random order)\n", warm_rate);
    ota_job_offer_free(offer);
    free(offer);
    ota_plan_free(&plan);
    ota_engine_close(eng);

    long wrong = 0;
    int with = after_restart(&o, true, n, order, devs, seconds, warm_rate, &wrong);
    int without = after_restart(&o, false, n, order, devs, seconds, warm_rate, &wrong);
    char wo[32] = "not in the run";
    if (without)
        snprintf(wo, sizeof wo, "second %d", without);
    printf("\n80%% of warm (%.0f /s) first reached: %s%d with the warm-up, %s without it\n", 0.8 * warm_rate,
           with ? "second " : "", with, wo);
    printf("answers differing from the warm engine's: %ld\n", wrong);
    bool met = with >= 1 && with <= 10 && wrong == 0;
    printf("budget >= 80%% of warm within 10 s of a restart: %s\n", met ? "budget met" : "budget NOT met");
    free(order);
    free(devs);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench/warm: could not remove %s\n", dir);
    return met ? 0 : 1;
}
