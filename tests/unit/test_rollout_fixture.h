/* Shared fixture of the rollout tests: a fresh engine on a real SQLite file
 * in a temporary folder, a fake clock, product "meter", packages for
 * components module and mcu, and helpers for plans, devices, check-ins and
 * the invariants (plan_counts equal the job rows, read over a second
 * SQLite connection). */
#ifndef TEST_ROLLOUT_FIXTURE_H
#define TEST_ROLLOUT_FIXTURE_H

#include <string.h>
#include "fixture.h"

#define T0 1800000000LL   /* 2027-01-15 */
#define HOUR 3600LL

typedef struct fx {
    char dir[256], db[300];
    ota_fake_clock clock;
    ota_engine *eng;
    ota_err e;
    int64_t pkg_module_full;   /* module full -> 1.2.0 */
    int64_t pkg_module_diff;   /* module diff 1.1.0 -> 1.2.0 */
    int64_t pkg_mcu_full;      /* mcu full -> 2.1 */
} fx;

static inline int64_t fx_package(fx *f, const char *component, ota_kind kind, const char *target,
                                 const char *source, const char *fname)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, fname);
    FILE *fp = fopen(path, "wb");
    fprintf(fp, "firmware %s %s\n", component, target);
    fclose(fp);
    ota_package_meta m;
    memset(&m, 0, sizeof m);
    snprintf(m.component, sizeof m.component, "%s", component);
    m.kind = kind;
    snprintf(m.target_version, sizeof m.target_version, "%s", target);
    if (source)
        snprintf(m.source_version, sizeof m.source_version, "%s", source);
    const char *paths[1] = {path};
    ota_package pkg;
    if (ota_package_create(f->eng, &m, paths, 1, &pkg, &f->e) < 0) {
        printf("# package: %s: %s\n", f->e.field, f->e.message);
        return 0;
    }
    return pkg.id;
}

static inline void fx_open(fx *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s", tap_tmpdir());
    snprintf(f->db, sizeof f->db, "%s/ota.db", f->dir);
    f->clock.t = T0;
    f->eng = fixture_engine(f->dir, &f->clock, "test");
    ota_product p = {.key = "meter", .name = "Smart meter"};
    char key[65];
    if (ota_product_add(f->eng, &p, key, &f->e) < 0) {
        printf("Bail out! product: %s\n", f->e.message);
        exit(1);
    }
    ota_product q = {.key = "other", .name = "Other product"};
    ota_product_add(f->eng, &q, key, &f->e);
    f->pkg_module_full = fx_package(f, "module", OTA_KIND_FULL, "1.2.0", NULL, "module-full.bin");
    f->pkg_module_diff = fx_package(f, "module", OTA_KIND_DIFF, "1.2.0", "1.1.0", "module-diff.bin");
    f->pkg_mcu_full = fx_package(f, "mcu", OTA_KIND_FULL, "2.1", NULL, "mcu.bin");
}

static inline void fx_close(fx *f)
{
    ota_engine_close(f->eng);
    f->eng = NULL;
}

/* Devices id=module version, e.g. fx_devices(f, "meter", "d1=1.1.0", "d2=1.0.0", NULL). */
static inline void fx_devices(fx *f, const char *product, ...)
{
    va_list ap;
    va_start(ap, product);
    const char *spec;
    while ((spec = va_arg(ap, const char *))) {
        ota_device d;
        memset(&d, 0, sizeof d);
        const char *eq = strchr(spec, '=');
        snprintf(d.id, sizeof d.id, "%.*s", (int)(eq - spec), spec);
        snprintf(d.versions[0].component, sizeof d.versions[0].component, "module");
        snprintf(d.versions[0].version, sizeof d.versions[0].version, "%s", eq + 1);
        snprintf(d.versions[1].component, sizeof d.versions[1].component, "mcu");
        snprintf(d.versions[1].version, sizeof d.versions[1].version, "2.0");
        d.nversions = 2;
        ota_import_result res;
        if (ota_device_upsert(f->eng, product, &d, 1, &res, &f->e) < 0)
            printf("# device %s: %s\n", d.id, f->e.message);
    }
    va_end(ap);
}

typedef struct plan_spec {
    int64_t pkg, pkg2;          /* pkg2: 0 = none */
    const char *black, *white;  /* comma separated */
    int confirm;                /* 1: confirm mode, else silent */
    int retries, min_rsrp, min_battery;
    int64_t start, end;         /* 0: T0 - 1h .. T0 + 24h */
    int64_t job_timeout;        /* 0: default */
} plan_spec;

static inline void fx_list(ota_strlist *l, const char *csv)
{
    if (!csv)
        return;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", csv);
    for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        ota_strlist_push(l, t);
}

static inline int64_t fx_plan(fx *f, const plan_spec *s)
{
    ota_plan p;
    ota_plan_init(&p);
    snprintf(p.name, sizeof p.name, "plan");
    snprintf(p.product, sizeof p.product, "meter");
    p.mode = s->confirm ? OTA_MODE_CONFIRM : OTA_MODE_SILENT;
    p.retries = s->retries;
    p.min_rsrp = s->min_rsrp ? s->min_rsrp : -140;
    p.min_battery = s->min_battery;
    p.window_start = s->start ? s->start : T0 - HOUR;
    p.window_end = s->end ? s->end : T0 + 24 * HOUR;
    if (s->job_timeout)
        p.job_timeout = s->job_timeout;
    fx_list(&p.blacklist, s->black);
    fx_list(&p.whitelist, s->white);
    int64_t pk[2] = {s->pkg, s->pkg2};
    for (int i = 0; i < 2; i++) {
        if (!pk[i])
            continue;
        ota_package pkg;
        ota_package_get(f->eng, pk[i], &pkg, &f->e);
        snprintf(p.components[p.ncomponents].component, sizeof p.components[0].component, "%s", pkg.meta.component);
        p.components[p.ncomponents++].package_id = pk[i];
    }
    int64_t id = 0;
    if (ota_plan_create(f->eng, &p, &f->e) == 0)
        id = p.id;
    else
        printf("# plan create: %s: %s\n", f->e.field, f->e.message);
    ota_plan_free(&p);
    return id;
}

static inline int fx_act(fx *f, int64_t id, ota_action a)
{
    return ota_plan_transition(f->eng, id, a, NULL, &f->e);
}

static inline ota_plan_state fx_state(fx *f, int64_t id)
{
    ota_plan_status st;
    if (ota_plan_status_get(f->eng, id, &st, &f->e) < 0)
        return OTA_PLAN__COUNT;
    return st.state;
}

static inline long fx_count(fx *f, int64_t id, ota_job_state s)
{
    ota_plan_status st;
    if (ota_plan_status_get(f->eng, id, &st, &f->e) < 0)
        return -1;
    return st.counts[s];
}

/* A check-in request with module version (and mcu 2.0), rsrp and battery. */
static inline void fx_req(ota_checkin_req *q, const char *product, const char *dev, const char *module, int rsrp,
                          int battery)
{
    memset(q, 0, sizeof *q);
    snprintf(q->device, sizeof q->device, "%s", dev);
    snprintf(q->product, sizeof q->product, "%s", product);
    if (module) {
        snprintf(q->versions[0].component, sizeof q->versions[0].component, "module");
        snprintf(q->versions[0].version, sizeof q->versions[0].version, "%s", module);
        snprintf(q->versions[1].component, sizeof q->versions[1].component, "mcu");
        snprintf(q->versions[1].version, sizeof q->versions[1].version, "2.0");
        q->nversions = 2;
    }
    q->has_rsrp = q->has_battery = true;
    q->rsrp = rsrp;
    q->battery = battery;
}

/* A check-in with module version, rsrp and battery. */
static inline int fx_checkin_v(fx *f, const char *product, const char *dev, const char *module, int rsrp,
                               int battery, ota_job_offer *out)
{
    ota_checkin_req q;
    fx_req(&q, product, dev, module, rsrp, battery);
    return ota_checkin(f->eng, &q, out, &f->e);
}

static inline int fx_checkin(fx *f, const char *dev, const char *module, ota_job_offer *out)
{
    return fx_checkin_v(f, "meter", dev, module, -90, 80, out);
}

/* The job row of device dev in plan (state, reason), by paging the plan's devices. */
static inline int fx_job(fx *f, int64_t plan, const char *dev, ota_job_row *out)
{
    ota_page_req pg = {.limit = 1000};
    ota_job_page page;
    if (ota_plan_devices(f->eng, plan, -1, &pg, &page, &f->e) < 0)
        return -1;
    int rc = -1;
    for (size_t i = 0; i < page.n; i++)
        if (!strcmp(page.items[i].device, dev)) {
            *out = page.items[i];
            rc = 0;
        }
    ota_job_page_free(&page);
    return rc;
}

static inline const char *fx_reason(fx *f, int64_t plan, const char *dev)
{
    static ota_job_row r;
    if (fx_job(f, plan, dev, &r) < 0)
        return "(no job)";
    return r.reason;
}

static inline ota_job_state fx_jstate(fx *f, int64_t plan, const char *dev)
{
    ota_job_row r;
    if (fx_job(f, plan, dev, &r) < 0)
        return OTA_JOB__COUNT;
    return r.state;
}

/* Invariant: plan_counts equal SELECT COUNT(*) of the job rows, per state,
 * read over a separate connection (what another process would see). */
static inline int fx_counts_match(fx *f, int64_t plan)
{
    sqlite3 *db;
    if (sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 0;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
        "SELECT s.state, COALESCE((SELECT n FROM plan_counts c WHERE c.plan=?1 AND c.state=s.state),0),"
        " (SELECT COUNT(*) FROM jobs j WHERE j.plan=?1 AND j.state=s.state)"
        " FROM (SELECT 0 AS state UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4"
        "       UNION SELECT 5 UNION SELECT 6 UNION SELECT 7) s", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, plan);
    int same = 1;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (sqlite3_column_int64(st, 1) != sqlite3_column_int64(st, 2)) {
            printf("#   state %d: counted %lld, rows %lld\n", sqlite3_column_int(st, 0),
                   (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2));
            same = 0;
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return same;
}

static inline int64_t fx_last_seq(fx *f, int64_t plan)
{
    ota_plan_status st;
    ota_plan_status_get(f->eng, plan, &st, &f->e);
    return st.last_seq;
}

#endif
