/* /healthz and /metrics (Prometheus text exposition format 0.0.4). */
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "otad.h"

/* What tells two servers apart: an id made at each start, and a short
 * hash of the database's real path (the same across restarts, different
 * for another database; the path itself stays private). */
void healthz_init(otad *s)
{
    unsigned char id[8], h[6];
    if (sodium_init() < 0)
        return;
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(s->instance, sizeof s->instance, id, sizeof id);
    char real[PATH_MAX];
    const char *p = ota_engine_db_path(s->eng);
    if (realpath(p, real))
        p = real;
    crypto_generichash(h, sizeof h, (const unsigned char *)p, strlen(p), NULL, 0);
    sodium_bin2hex(s->store, sizeof s->store, h, sizeof h);
}

MHD_RESULT_T h_healthz(req *r)
{
    return reply_json(r, 200, json_pack("{s:b,s:s,s:s}", "ok", 1, "instance", r->srv->instance, "store",
                                        r->srv->store));
}

typedef struct sbuf { char *p; size_t n, cap; } sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0)
            return;
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + (size_t)k + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return;
        b->p = np;
        b->cap = cap;
    }
}

/* The waves of a live staged plan: its current wave and, per wave, its
 * devices, succeeded and failed (from the status core keeps; only live
 * plans, so the series stay as many as the plans rolling out). */
static void metrics_waves(sbuf *cur, sbuf *dev, sbuf *ok, sbuf *bad, int64_t plan, const ota_plan_status *st)
{
    sb_printf(cur, "ota_plan_wave{plan=\"%lld\"} %d\n", (long long)plan, st->current_wave);
    for (size_t k = 0; k < st->nwaves; k++) {
        sb_printf(dev, "ota_plan_wave_devices{plan=\"%lld\",wave=\"%zu\"} %ld\n", (long long)plan, k,
                  st->waves[k].devices);
        sb_printf(ok, "ota_plan_wave_succeeded{plan=\"%lld\",wave=\"%zu\"} %ld\n", (long long)plan, k,
                  st->waves[k].succeeded);
        sb_printf(bad, "ota_plan_wave_failed{plan=\"%lld\",wave=\"%zu\"} %ld\n", (long long)plan, k,
                  st->waves[k].failed);
    }
}

static void sb_family(sbuf *b, const char *name, const char *help, const char *type, sbuf *lines)
{
    sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    if (lines->p)
        sb_printf(b, "%.*s", (int)lines->n, lines->p);
    free(lines->p);
    *lines = (sbuf){0};
}

/* Plans by state and jobs by state summed over every plan (from the
 * maintained per-plan counters, so no scan of the jobs table), and the
 * waves of live staged plans. */
static void metrics_engine(otad *s, sbuf *b)
{
    long plans[OTA_PLAN__COUNT] = {0}, jobs[OTA_JOB__COUNT] = {0};
    sbuf cur = {0}, dev = {0}, ok = {0}, bad = {0};
    ota_page_req pg;
    memset(&pg, 0, sizeof pg);
    pg.limit = OTA_LIST_MAX;
    ota_err e;
    for (int pages = 0; pages < 100; pages++) {
        ota_plan_page page;
        memset(&page, 0, sizeof page);
        if (ota_plan_list(s->eng, -1, NULL, &pg, &page, &e) < 0)
            break;
        for (size_t i = 0; i < page.n; i++) {
            ota_plan_status st;
            if ((unsigned)page.items[i].state < OTA_PLAN__COUNT)
                plans[page.items[i].state]++;
            if (ota_plan_is_editable(page.items[i].state) || ota_plan_status_get(s->eng, page.items[i].id, &st, &e) < 0)
                continue;
            for (int k = 0; k < OTA_JOB__COUNT; k++)
                jobs[k] += st.counts[k];
            if (st.nwaves && ota_plan_is_live(st.state))
                metrics_waves(&cur, &dev, &ok, &bad, page.items[i].id, &st);
        }
        bool more = page.next_cursor[0] != 0;
        snprintf(pg.cursor, sizeof pg.cursor, "%s", page.next_cursor);
        ota_plan_page_free(&page);
        if (!more)
            break;
    }
    sb_printf(b, "# HELP ota_plans Upgrade plans by state.\n# TYPE ota_plans gauge\n");
    for (int k = 0; k < OTA_PLAN__COUNT; k++)
        sb_printf(b, "ota_plans{state=\"%s\"} %ld\n", ota_plan_state_str((ota_plan_state)k), plans[k]);
    sb_printf(b, "# HELP ota_jobs Device jobs by state, over all plans.\n# TYPE ota_jobs gauge\n");
    for (int k = 0; k < OTA_JOB__COUNT; k++)
        sb_printf(b, "ota_jobs{state=\"%s\"} %ld\n", ota_job_state_str((ota_job_state)k), jobs[k]);
    sb_family(b, "ota_plan_wave", "The current (last open) wave of a live staged plan, 0-based.", "gauge", &cur);
    sb_family(b, "ota_plan_wave_devices", "Devices in each wave of a live staged plan.", "gauge", &dev);
    sb_family(b, "ota_plan_wave_succeeded", "Succeeded devices in each wave of a live staged plan.", "gauge", &ok);
    sb_family(b, "ota_plan_wave_failed", "Failed devices in each wave of a live staged plan.", "gauge", &bad);
    int64_t trips;
    if (ota_brake_trips_total(s->eng, &trips, &e) == 0)  /* a store failure leaves the counter out, never at 0 */
        sb_printf(b, "# HELP ota_brake_trips_total Times the failure brake paused or terminated a plan.\n"
                  "# TYPE ota_brake_trips_total counter\nota_brake_trips_total %lld\n", (long long)trips);
}

MHD_RESULT_T h_metrics(req *r)
{
    otad *s = r->srv;
    sbuf b = {0};
    metrics_engine(s, &b);
    sb_printf(&b, "# HELP ota_checkins_total Device check-ins received.\n# TYPE ota_checkins_total counter\n"
                  "ota_checkins_total %lu\n",
              atomic_load(&s->m.checkins));
    sb_printf(&b, "# HELP ota_checkin_offers_total Check-ins answered with a job.\n"
                  "# TYPE ota_checkin_offers_total counter\nota_checkin_offers_total %lu\n",
              atomic_load(&s->m.checkin_offers));
    sb_printf(&b, "# HELP ota_checkin_writes_total Check-ins that wrote to the store (group commit).\n"
                  "# TYPE ota_checkin_writes_total counter\nota_checkin_writes_total %lu\n",
              atomic_load(&s->m.checkin_writes));
    sb_printf(&b, "# HELP ota_offers_rate_limited_total Check-ins answered no job because of a plan's offer rate limit.\n"
                  "# TYPE ota_offers_rate_limited_total counter\nota_offers_rate_limited_total %lu\n",
              atomic_load(&s->m.rate_limited));
    sb_printf(&b, "# HELP ota_upload_bytes_total Package file bytes received.\n"
                  "# TYPE ota_upload_bytes_total counter\nota_upload_bytes_total %lu\n",
              atomic_load(&s->m.upload_bytes));
    sb_printf(&b, "# HELP ota_http_requests_in_flight Requests being served.\n"
                  "# TYPE ota_http_requests_in_flight gauge\nota_http_requests_in_flight %lu\n",
              atomic_load(&s->m.inflight));
    sb_printf(&b, "# HELP ota_auth_failures_total Requests refused for their credential (401), by its kind.\n"
                  "# TYPE ota_auth_failures_total counter\n");
    for (int k = 0; k < TK__COUNT; k++)
        sb_printf(&b, "ota_auth_failures_total{kind=\"%s\"} %lu\n", throttle_kind_str((throttle_kind)k),
                  atomic_load(&s->m.auth_failures[k]));
    sb_printf(&b, "# HELP ota_auth_throttled_total Requests answered 429: too many failed authentications from their address.\n"
                  "# TYPE ota_auth_throttled_total counter\nota_auth_throttled_total %lu\n",
              atomic_load(&s->m.auth_throttled));
    sb_printf(&b, "# HELP ota_http_requests_total HTTP requests answered, by status.\n"
                  "# TYPE ota_http_requests_total counter\n");
    for (int st = 100; st < 600; st++) {
        unsigned long n = atomic_load(&s->m.http_by_status[st]);
        if (n)
            sb_printf(&b, "ota_http_requests_total{status=\"%d\"} %lu\n", st, n);
    }
    if (!b.p)
        return reply_fail(r, OTA_E_INTERNAL, NULL, "out of memory");
    return reply_text(r, 200, "text/plain; version=0.0.4", b.p, b.n);
}
