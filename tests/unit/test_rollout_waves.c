/* Staged rollouts' waves (API.md "Additions"): deterministic membership by
 * a keyed hash, exact wave sizes at activation, devices registered later
 * falling into a wave by their hash, the reason `wave`, per-wave counters
 * equal to the job rows, auto advance after the soak at the clock, and
 * ota_plan_advance with its refusals and audit row. */
#include "test_rollout_fixture.h"

#define NDEV 200

/* NDEV devices w000..w199 at module 1.1.0. */
static void fleet(fx *f)
{
    static ota_device d[NDEV];
    memset(d, 0, sizeof d);
    for (int i = 0; i < NDEV; i++) {
        snprintf(d[i].id, sizeof d[i].id, "w%03d", i);
        snprintf(d[i].versions[0].component, sizeof d[i].versions[0].component, "module");
        snprintf(d[i].versions[0].version, sizeof d[i].versions[0].version, "1.1.0");
        d[i].nversions = 1;
    }
    ota_import_result res;
    if (ota_device_upsert(f->eng, "meter", d, NDEV, &res, &f->e) < 0)
        printf("# devices: %s\n", f->e.message);
}

/* A saved plan of module full with waves (sizes as "10%", "50", ...). */
static int64_t staged(fx *f, const char *const *sizes, size_t n, ota_advance adv, int success, int64_t soak)
{
    plan_spec s = {.pkg = f->pkg_module_full};
    int64_t id = fx_plan(f, &s);
    ota_plan p;
    ota_plan_init(&p);
    ota_plan_get(f->eng, id, &p, &f->e);
    p.has_rollout = true;
    p.rollout.nwaves = n;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(sizes[i]);
        p.rollout.waves[i].percent = sizes[i][len - 1] == '%';
        p.rollout.waves[i].value = atoll(sizes[i]);
    }
    p.rollout.success_threshold = success;
    p.rollout.failure_threshold = 100;
    p.rollout.soak_seconds = soak;
    p.rollout.advance = adv;
    if (ota_plan_update(f->eng, &p, &f->e) < 0)
        printf("# update: %s: %s\n", f->e.field, f->e.message);
    ota_plan_free(&p);
    return id;
}

/* Per-wave counters equal the job rows (second connection). */
static int waves_match(fx *f, int64_t plan)
{
    sqlite3 *db;
    if (sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 0;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
        "SELECT w.wave, w.devices, w.succeeded, w.failed,"
        " (SELECT COUNT(*) FROM jobs j WHERE j.plan = ?1 AND j.wave = w.wave),"
        " (SELECT COUNT(*) FROM jobs j WHERE j.plan = ?1 AND j.wave = w.wave AND j.state = ?2),"
        " (SELECT COUNT(*) FROM jobs j WHERE j.plan = ?1 AND j.wave = w.wave AND j.state = ?3)"
        " FROM plan_waves w WHERE w.plan = ?1", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, plan);
    sqlite3_bind_int(st, 2, OTA_JOB_SUCCEEDED);
    sqlite3_bind_int(st, 3, OTA_JOB_FAILED);
    int same = 1, rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        for (int k = 1; k <= 3; k++)
            if (sqlite3_column_int64(st, k) != sqlite3_column_int64(st, k + 3)) {
                printf("#   wave %d column %d: %lld counted, %lld rows\n", sqlite3_column_int(st, 0), k,
                       (long long)sqlite3_column_int64(st, k), (long long)sqlite3_column_int64(st, k + 3));
                same = 0;
            }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return same && rows > 0;
}

/* Every device checks in once; returns how many were offered a job. */
static int checkin_all(fx *f, int64_t *jobs)
{
    int offered = 0;
    for (int i = 0; i < NDEV; i++) {
        char id[16];
        snprintf(id, sizeof id, "w%03d", i);
        ota_job_offer o = {0};
        if (fx_checkin(f, id, "1.1.0", &o) == 0 && o.has_job) {
            offered++;
            if (jobs)
                jobs[i] = o.job_id;
        }
        ota_job_offer_free(&o);
    }
    return offered;
}

static int succeed(fx *f, int64_t job, const char *dev)
{
    return ota_job_report(f->eng, job, dev, OTA_JOB_DOWNLOADING, 0, NULL, &f->e) < 0 ||
           ota_job_report(f->eng, job, dev, OTA_JOB_INSTALLING, 0, NULL, &f->e) < 0 ||
           ota_job_report(f->eng, job, dev, OTA_JOB_SUCCEEDED, 100, NULL, &f->e) < 0 ? -1 : 0;
}

static void test_membership(void)
{
    fx f;
    fx_open(&f);
    fleet(&f);
    const char *sizes[] = {"10%", "50%", "100%"};
    int64_t id = staged(&f, sizes, 3, OTA_ADVANCE_MANUAL, 90, 0);
    ok(fx_act(&f, id, OTA_ACT_ACTIVATE) == 0, "a staged plan activates");
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.nwaves == 3 && st.waves[0].devices == 20 && st.waves[1].devices == 80 && st.waves[2].devices == 100,
       "exact wave sizes at activation: 20, 80, 100 (%ld, %ld, %ld)", st.waves[0].devices, st.waves[1].devices,
       st.waves[2].devices);
    ok(st.current_wave == 0 && st.waves[0].state == OTA_WAVE_OPEN && st.waves[1].state == OTA_WAVE_WAITING,
       "wave 0 is open, the others wait");
    ota_preview pv;
    ota_plan_preview(f.eng, id, &pv, &f.e);
    ok(pv.nwaves == 3 && pv.waves[0].devices == 20 && pv.waves[2].devices == 100, "the preview shows the same waves");
    int64_t jobs[NDEV] = {0};
    int offered = checkin_all(&f, jobs);
    ok(offered == 20, "only wave 0's devices are offered (%d)", offered);
    ok(!strcmp(fx_reason(&f, id, "w000"), jobs[0] ? "" : "wave"), "a device outside the open waves waits: reason wave");
    ok(fx_count(&f, id, OTA_JOB_PENDING) == 180, "the rest stay pending");
    /* the same hash every time: a second engine on the same file offers the same devices */
    fx_close(&f);
    f.eng = fixture_engine(f.dir, &f.clock, "test");
    int again = 0, same = 1;
    for (int i = 0; i < NDEV; i++) {
        char dev[16];
        snprintf(dev, sizeof dev, "w%03d", i);
        ota_job_offer o = {0};
        fx_checkin(&f, dev, "1.1.0", &o);
        again += o.has_job;
        if (o.has_job != (jobs[i] != 0))
            same = 0;
        ota_job_offer_free(&o);
    }
    ok(again == 20 && same, "after a restart the same 20 devices hold jobs");
    /* a device registered after activation lands in a wave by its hash */
    ota_job_offer o = {0};
    int late_offered = 0, late_total = 0;
    for (int i = 0; i < 40; i++) {
        char dev[16];
        snprintf(dev, sizeof dev, "late%02d", i);
        if (fx_checkin(&f, dev, "1.1.0", &o) == 0) {
            late_total++;
            late_offered += o.has_job;
        }
    }
    ota_job_offer_free(&o);
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(late_total == 40 && st.waves[0].devices + st.waves[1].devices + st.waves[2].devices == NDEV + 40,
       "late devices join the waves' counters (%ld in wave 0)", st.waves[0].devices);
    ok(late_offered == st.waves[0].devices - 20, "late devices in wave 0 are offered, the others wait (%d)",
       late_offered);
    ok(waves_match(&f, id) && fx_counts_match(&f, id), "wave counters and plan counters equal the job rows");
    fx_close(&f);
}

static int audit_has(fx *f, const char *action, const char *outcome)
{
    ota_audit_query q = {.page = {.limit = 1000}};
    ota_audit_page pg;
    if (ota_audit_list(f->eng, &q, &pg, &f->e) < 0)
        return 0;
    int found = 0;
    for (size_t i = 0; i < pg.n; i++)
        if (!strcmp(pg.items[i].action, action) && !strcmp(pg.items[i].outcome, outcome))
            found = 1;
    ota_audit_page_free(&pg);
    return found;
}

static void test_manual(void)
{
    fx f;
    fx_open(&f);
    fleet(&f);
    const char *sizes[] = {"10", "50%", "100%"};
    int64_t id = staged(&f, sizes, 3, OTA_ADVANCE_MANUAL, 0, 0);
    ok(ota_plan_advance(f.eng, id, NULL, &f.e) < 0 && f.e.code == OTA_E_INVALID_TRANSITION &&
       !strcmp(f.e.field, "state"), "a saved plan cannot advance: invalid_transition on state");
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    ok(checkin_all(&f, NULL) == 10, "a count wave: 10 devices");
    ota_plan out;
    ota_plan_init(&out);
    ok(ota_plan_advance(f.eng, id, &out, &f.e) == 0 && out.id == id, "advance opens wave 1 and returns the plan");
    ota_plan_free(&out);
    ok(checkin_all(&f, NULL) == 100, "the open waves now hold 100 devices (re-sent offers included)");
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.current_wave == 1 && st.waves[0].state == OTA_WAVE_DONE && st.waves[1].state == OTA_WAVE_OPEN,
       "status: wave 0 done, wave 1 open");
    ok(audit_has(&f, "plan.advance", "ok"), "the advance is audited");
    ok(fx_act(&f, id, OTA_ACT_PAUSE) == 0 && ota_plan_advance(f.eng, id, NULL, &f.e) < 0 &&
       f.e.code == OTA_E_INVALID_TRANSITION, "a paused plan cannot advance");
    fx_act(&f, id, OTA_ACT_RESUME);
    ok(ota_plan_advance(f.eng, id, NULL, &f.e) == 0, "the last wave opens");
    ok(ota_plan_advance(f.eng, id, NULL, &f.e) < 0 && f.e.code == OTA_E_INVALID_TRANSITION &&
       !strcmp(f.e.field, "rollout.waves"), "no wave left: invalid_transition on rollout.waves (%s)", f.e.message);
    ok(audit_has(&f, "plan.advance", "invalid_transition"), "the refusal is audited");
    ok(checkin_all(&f, NULL) == NDEV, "every device is offered");
    plan_spec s = {.pkg = f.pkg_mcu_full};
    int64_t plain = fx_plan(&f, &s);
    fx_act(&f, plain, OTA_ACT_ACTIVATE);
    ok(ota_plan_advance(f.eng, plain, NULL, &f.e) < 0 && f.e.code == OTA_E_INVALID_TRANSITION,
       "a plan without rollout has no wave to open");
    ok(ota_plan_advance(f.eng, 9999, NULL, &f.e) < 0 && f.e.code == OTA_E_NOT_FOUND, "an unknown plan: not_found");
    ota_plan_status_get(f.eng, plain, &st, &f.e);
    ok(st.nwaves == 0, "a plain plan's status has no waves");
    fx_close(&f);
}

static void test_auto(void)
{
    fx f;
    fx_open(&f);
    fleet(&f);
    const char *sizes[] = {"10%", "100%"};
    int64_t id = staged(&f, sizes, 2, OTA_ADVANCE_AUTO, 50, HOUR);
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    int64_t jobs[NDEV] = {0};
    ok(checkin_all(&f, jobs) == 20, "wave 0 offered");
    int done = 0;
    for (int i = 0; i < NDEV && done < 9; i++)
        if (jobs[i]) {
            char dev[16];
            snprintf(dev, sizeof dev, "w%03d", i);
            done += succeed(&f, jobs[i], dev) == 0;
        }
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.waves[0].succeeded == 9 && st.waves[0].state == OTA_WAVE_OPEN, "9 of 20 succeeded: below 50%%, still open");
    int last = -1;
    for (int i = NDEV - 1; i >= 0 && last < 0; i--)
        if (jobs[i]) {
            char dev[16];
            snprintf(dev, sizeof dev, "w%03d", i);
            ota_job_offer o = {0};
            /* a failure with no retry left counts as failed */
            ota_job_report(f.eng, jobs[i], dev, OTA_JOB_FAILED, 0, "boom", &f.e);
            ota_job_offer_free(&o);
            last = i;
        }
    for (int i = 0; i < NDEV && done < 10; i++)
        if (jobs[i] && i != last) {
            char dev[16];
            snprintf(dev, sizeof dev, "w%03d", i);
            if (fx_jstate(&f, id, dev) != OTA_JOB_SUCCEEDED)
                done += succeed(&f, jobs[i], dev) == 0;
        }
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.waves[0].succeeded == 10 && st.waves[0].failed == 1 && st.waves[0].state == OTA_WAVE_SOAKING,
       "10 of 20 succeeded, 1 failed: the threshold is met, the wave soaks");
    is_int(st.next_wave_at, f.clock.t + HOUR, "status says when the soak opens the next wave");
    f.clock.t += HOUR - 1;
    ota_engine_tick(f.eng, &f.e);
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.current_wave == 0, "before the soak passed nothing opens");
    f.clock.t += 1;
    ota_engine_tick(f.eng, &f.e);
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.current_wave == 1 && st.waves[0].state == OTA_WAVE_DONE && st.waves[1].state == OTA_WAVE_OPEN,
       "the clock opens the next wave when the soak passed");
    is_int(st.next_wave_at, 0, "no longer soaking: no time for a next wave");
    ok(checkin_all(&f, NULL) == NDEV - 11, "the new wave's devices are offered, finished ones are not");
    ok(waves_match(&f, id) && fx_counts_match(&f, id), "counters equal the job rows");
    ok(fx_act(&f, id, OTA_ACT_TERMINATE) == 0 && waves_match(&f, id), "after terminate the wave counters still match");
    fx_close(&f);
}

static void test_rule(void)
{
    ota_rollout r = {.advance = OTA_ADVANCE_AUTO, .soak_seconds = 60};
    ok(ota_wave_success_met(0, 0, 90) && ota_wave_success_met(10, 9, 90) && !ota_wave_success_met(10, 8, 90),
       "success: at least the threshold's share; an empty wave holds nothing back");
    ok(ota_wave_advance_at(&r, 0, 3, 100) == 160 && ota_wave_advance_at(&r, 2, 3, 100) == INT64_MAX &&
       ota_wave_advance_at(&r, 0, 3, 0) == INT64_MAX, "auto advance: the soak after the threshold, never past the last");
    r.advance = OTA_ADVANCE_MANUAL;
    ok(ota_wave_advance_at(&r, 0, 3, 100) == INT64_MAX, "manual: the clock never advances");
    ok(ota_wave_can_advance(OTA_PLAN_UPGRADING, 0, 2) && !ota_wave_can_advance(OTA_PLAN_PAUSED, 0, 2) &&
       !ota_wave_can_advance(OTA_PLAN_ACTIVE, 1, 2), "by hand: active or upgrading, a wave left");
    ok(ota_wave_state_of(&r, 0, 1, 3, 100) == OTA_WAVE_DONE && ota_wave_state_of(&r, 1, 1, 3, 100) == OTA_WAVE_OPEN &&
       ota_wave_state_of(&r, 2, 1, 3, 100) == OTA_WAVE_WAITING, "manual: done, open, waiting (never soaking)");
    r.advance = OTA_ADVANCE_AUTO;
    ok(ota_wave_state_of(&r, 1, 1, 3, 100) == OTA_WAVE_SOAKING && ota_wave_state_of(&r, 1, 1, 3, 0) == OTA_WAVE_OPEN &&
       ota_wave_state_of(&r, 2, 2, 3, 100) == OTA_WAVE_OPEN, "auto: soaking once met, the last wave stays open");
    ota_eligibility_facts fa = {.outside_wave = true, .min_rsrp = -140};
    ok(ota_eligibility(&fa) == OTA_DEFER_WAVE, "outside the open waves: deferred for wave");
    fa.busy = true;
    ok(ota_eligibility(&fa) == OTA_DEFER_BUSY, "busy comes before wave");
    fa.busy = false;
    fa.has_rsrp = true;
    fa.rsrp = -141;
    fa.min_rsrp = -100;
    ok(ota_eligibility(&fa) == OTA_DEFER_WAVE, "wave comes before rsrp");
}

int main(void)
{
    test_rule();
    test_membership();
    test_manual();
    test_auto();
    return tap_done();
}
