/* The API's query strings as core receives them (?limit=, ?cursor=, ?q=,
 * ?component=, ?state=, ?since=): every list of a seeded engine with the
 * fuzzed values.  Input: newline-separated limit, cursor, filter, state.
 * Properties: forged cursors and limits are refused with a clear error,
 * never crash a query; a page never holds more than its limit; a cursor the
 * engine issued is always accepted back. */
#include "fuzz.h"

static int64_t plan_id;

static void seed(ota_engine *eng)
{
    ota_err e = {0};
    ota_device devs[30];
    memset(devs, 0, sizeof devs);
    for (int i = 0; i < 30; i++) {
        snprintf(devs[i].id, sizeof devs[i].id, "dev-%02d", i);
        snprintf(devs[i].versions[0].component, sizeof devs[i].versions[0].component, "module");
        snprintf(devs[i].versions[0].version, sizeof devs[i].versions[0].version, "1.0");
        devs[i].nversions = 1;
    }
    ota_import_result r;
    if (ota_device_upsert(eng, FUZZ_PRODUCT, devs, 30, &r, &e) != 0) abort();
    char path[400];
    snprintf(path, sizeof path, "%s/fw.bin", fuzz_tmpdir());
    FILE *f = fopen(path, "wb");
    fputs("firmware", f);
    fclose(f);
    ota_package_meta m = {.kind = OTA_KIND_FULL};
    strcpy(m.component, "module");
    strcpy(m.target_version, "2.0");
    ota_package pkg;
    const char *paths[] = {path};
    if (ota_package_create(eng, &m, paths, 1, &pkg, &e) != 0) { fprintf(stderr, "%s\n", e.message); abort(); }
    ota_plan p;
    ota_plan_init(&p);
    strcpy(p.name, "fuzz plan");
    strcpy(p.product, FUZZ_PRODUCT);
    p.mode = OTA_MODE_SILENT;
    p.window_start = fuzz_clock.t - 3600;
    p.window_end = fuzz_clock.t + 86400 * 365;
    strcpy(p.components[0].component, "module");
    p.components[0].package_id = pkg.id;
    p.ncomponents = 1;
    if (ota_plan_create(eng, &p, &e) != 0 || ota_plan_transition(eng, p.id, OTA_ACT_ACTIVATE, NULL, &e) != 0) {
        fprintf(stderr, "%s\n", e.message);
        abort();
    }
    plan_id = p.id;
    for (int i = 0; i < 20; i++) {
        ota_checkin_req q = {0};
        snprintf(q.device, sizeof q.device, "dev-%02d", i);
        strcpy(q.product, FUZZ_PRODUCT);
        strcpy(q.versions[0].component, "module");
        strcpy(q.versions[0].version, "1.0");
        q.nversions = 1;
        ota_job_offer o = {0};
        if (ota_checkin(eng, &q, &o, &e) != 0) abort();
        ota_job_offer_free(&o);
    }
    ota_plan_free(&p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    seed(fuzz_engine());
    return 0;
}

/* Next newline-separated field of s (modified in place). */
static char *field(char **s)
{
    char *f = *s, *nl = strchr(f, '\n');
    if (nl) { *nl = 0; *s = nl + 1; } else { *s = f + strlen(f); }
    return f;
}

/* The server's ?limit= rule: an integer 1..1000 (absent: 0 = default). */
static int limit_parse(const char *s, int *out)
{
    if (!*s) { *out = 0; return 0; }
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 1 || v > OTA_LIST_MAX) return -1;
    *out = (int)v;
    return 0;
}

#define CHECK_PAGE(call, page, freefn, what)                                              \
    do {                                                                                  \
        memset(&page, 0, sizeof page);                                                    \
        if ((call) == 0) {                                                                \
            int lim_ = pg.limit ? pg.limit : OTA_LIST_DEFAULT;                            \
            fuzz_assert(page.n <= (size_t)lim_, "%s: %zu items for limit %d", what, page.n, lim_); \
            fuzz_assert(memchr(page.next_cursor, 0, sizeof page.next_cursor), "%s: cursor not terminated", what); \
            if (page.next_cursor[0]) {                                                    \
                ota_page_req pg2_ = pg;                                                   \
                snprintf(pg2_.cursor, sizeof pg2_.cursor, "%s", page.next_cursor);        \
                freefn(&page);                                                            \
                ota_page_req saved_ = pg;                                                 \
                pg = pg2_;                                                                \
                memset(&page, 0, sizeof page);                                            \
                fuzz_assert((call) == 0, "%s: our own cursor refused: %s", what, e.message); \
                pg = saved_;                                                              \
            }                                                                             \
            freefn(&page);                                                                \
        } else {                                                                          \
            fuzz_clear_error(&e, what);                                                   \
        }                                                                                 \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    ota_engine *eng = fuzz_engine();
    char *buf = fuzz_cstr(d, n), *s = buf;
    char *lim = field(&s), *cur = field(&s), *filt = field(&s), *st = field(&s);
    ota_page_req pg;
    memset(&pg, 0, sizeof pg);
    ota_err e = {0};
    if (limit_parse(lim, &pg.limit) != 0 || strlen(cur) >= sizeof pg.cursor) {
        free(buf);
        return 0;  /* the server refuses these before core sees them */
    }
    snprintf(pg.cursor, sizeof pg.cursor, "%s", cur);
    if (ota_page_req_check(&pg, &e) != 0) {
        fuzz_clear_error(&e, "page request");
        free(buf);
        return 0;
    }
    ota_device_page dp;
    CHECK_PAGE(ota_device_list(eng, FUZZ_PRODUCT, filt, &pg, &dp, &e), dp, ota_device_page_free, "devices");
    ota_package_page pp;
    CHECK_PAGE(ota_package_list(eng, *filt ? filt : NULL, &pg, &pp, &e), pp, ota_package_page_free, "packages");
    ota_plan_state ps;
    int state = ota_plan_state_parse(st, &ps) == 0 ? (int)ps : -1;
    ota_plan_page lp;
    CHECK_PAGE(ota_plan_list(eng, state, *filt ? filt : NULL, &pg, &lp, &e), lp, ota_plan_page_free, "plans");
    ota_job_state js;
    int jstate = ota_job_state_parse(st, &js) == 0 ? (int)js : -1;
    ota_job_page jp;
    CHECK_PAGE(ota_plan_devices(eng, plan_id, jstate, &pg, &jp, &e), jp, ota_job_page_free, "plan devices");
    ota_event_page ep;
    memset(&ep, 0, sizeof ep);
    char *end;
    long long since = strtoll(st, &end, 10);
    if (ota_plan_events(eng, plan_id, since, pg.limit, &ep, &e) == 0)
        ota_event_page_free(&ep);
    else
        fuzz_clear_error(&e, "events");
    free(buf);
    return 0;
}
