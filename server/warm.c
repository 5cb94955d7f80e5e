/* The cache warm-up thread: right after otad starts, it fills the engine's
 * check-in caches from the store a slice at a time (core's
 * ota_engine_warm_step), so a restarted server at a million devices
 * answers no-change check-ins at its warm speed within seconds instead of
 * after every device has checked in once.  It starts after the listener,
 * so /healthz and the first check-ins are answered at once (each slice holds
 * the engine for a few milliseconds, and check-ins waiting go first);
 * answers never depend on it. */
#include <pthread.h>
#include "otad.h"

static pthread_t warm_thread;
static bool warm_running;

static bool stopping(void *arg) { return atomic_load(&((otad *)arg)->stopping); }

static void *warm_main(void *arg)
{
    otad *s = arg;
    pthread_setname_np(pthread_self(), "otad-warm");
    int64_t t0 = mono_ns();
    ota_err e;
    long devices = ota_engine_warm(s->eng, stopping, s, &e);
    if (devices < 0)
        otad_log(LOG_WARN, "cache warm-up stopped: %s", e.message);
    else if (!stopping(s))
        otad_log(LOG_INFO, "caches warm: %ld devices read in %.1f s", devices, (double)(mono_ns() - t0) / 1e9);
    return NULL;
}

void warm_start(otad *s)
{
    warm_running = pthread_create(&warm_thread, NULL, warm_main, s) == 0;
    if (!warm_running)
        otad_log(LOG_WARN, "no cache warm-up: cannot start its thread");
}

void warm_stop(void)
{
    if (warm_running)
        pthread_join(warm_thread, NULL);  /* s->stopping is set: it ends after its slice */
    warm_running = false;
}
