/* bench/soak_devices: a fleet of simulated devices speaking otad's device
 * API over HTTP for a while (used by bench/soak.sh).  Each thread walks its
 * share of the fleet: check in; with a job offered, report downloading,
 * installing, then succeeded (or failed, 5 %).  Prints requests, answers by
 * class and the rate every 30 s and at the end; exits 1 on any 5xx or
 * connection failure.
 *   soak_devices PORT DEVICE_KEY PRODUCT FLEET SECONDS [THREADS] */
#include <pthread.h>
#include <stdatomic.h>
#include "../tests/hostile/harness.h"

static int port, fleet, threads = 8;
static const char *dkey, *product;
static volatile int stop;
static atomic_long n_req, n_2xx, n_4xx, n_5xx, n_conn, n_offers;

static int call(const char *path, const char *hdr, const char *body, json_t **out)
{
    hx_resp r;
    hx_request(port, "POST", path, hdr, body, strlen(body), 30000, &r);
    atomic_fetch_add(&n_req, 1);
    int st = r.status;
    if (st >= 200 && st < 300) atomic_fetch_add(&n_2xx, 1);
    else if (st >= 400 && st < 500) atomic_fetch_add(&n_4xx, 1);
    else if (st >= 500) atomic_fetch_add(&n_5xx, 1);
    else atomic_fetch_add(&n_conn, 1);
    if (out) *out = st == 200 ? hx_json(&r) : NULL;
    hx_resp_free(&r);
    return st;
}

static void *device_thread(void *arg)
{
    long t = (long)arg;
    char hdr[300], body[400], path[100];
    snprintf(hdr, sizeof hdr, "X-Device-Key: %s\r\nContent-Type: application/json\r\n", dkey);
    unsigned seed = (unsigned)t + 1;
    for (long i = t; !stop; i += threads) {
        long dev = 1 + i % fleet;
        snprintf(body, sizeof body, "{\"device\":\"dev-%07ld\",\"product\":\"%s\",\"versions\":{\"module\":\"1.1.0\"},"
                 "\"rsrp\":-90,\"battery\":80}", dev, product);
        json_t *j = NULL;
        if (call("/api/v1/device/checkin", hdr, body, &j) != 200) { json_decref(j); continue; }
        long job = (long)json_integer_value(json_object_get(json_object_get(j, "job"), "id"));
        json_decref(j);
        if (job <= 0) continue;
        atomic_fetch_add(&n_offers, 1);
        snprintf(path, sizeof path, "/api/v1/device/jobs/%ld/report", job);
        bool fail = rand_r(&seed) % 100 < 5;
        const char *steps[] = {"{\"state\":\"downloading\",\"progress\":50}", "{\"state\":\"installing\",\"progress\":100}",
                               fail ? "{\"state\":\"failed\",\"error\":\"soak: simulated failure\"}" : "{\"state\":\"succeeded\",\"progress\":100}"};
        for (int s = 0; s < 3 && !stop; s++)
            if (call(path, hdr, steps[s], NULL) != 200) break;
    }
    return NULL;
}

static void report(const char *what, int64_t t0)
{
    double secs = (double)(hx_ms() - t0) / 1000.0;
    printf("%s %.0f s: %ld requests (%.0f/s), 2xx %ld, 4xx %ld, 5xx %ld, failed connections %ld, offers %ld\n", what,
           secs, atomic_load(&n_req), atomic_load(&n_req) / (secs > 0 ? secs : 1), atomic_load(&n_2xx),
           atomic_load(&n_4xx), atomic_load(&n_5xx), atomic_load(&n_conn), atomic_load(&n_offers));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: soak_devices PORT DEVICE_KEY PRODUCT FLEET SECONDS [THREADS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    port = atoi(argv[1]); dkey = argv[2]; product = argv[3]; fleet = atoi(argv[4]);
    long secs = atol(argv[5]);
    if (argc > 6) threads = atoi(argv[6]);
    pthread_t th[64];
    if (threads < 1 || threads > 64 || fleet < 1) return 2;
    for (long t = 0; t < threads; t++) pthread_create(&th[t], NULL, device_thread, (void *)t);
    int64_t t0 = hx_ms();
    for (long s = 1; s <= secs; s++) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
        if (s % 30 == 0) report("soak:", t0);
    }
    stop = 1;
    for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
    report("soak total:", t0);
    return atomic_load(&n_5xx) || atomic_load(&n_conn) ? 1 : 0;
}
