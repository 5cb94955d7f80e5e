/* The staged rollout's failure brake (API.md "Additions"): not before
 * min_finished devices finished, not at exactly the threshold, then pause
 * (paused_reason failure_threshold, an event, an audit row by the engine),
 * resume clears the reason and trips again only at the next failure; a
 * failure with a retry left does not count; terminate fails the waiting
 * devices. */
#include "test_rollout_fixture.h"

#define NDEV 20

static void fleet_at(fx *f, const char *low)
{
    static ota_device d[NDEV];
    memset(d, 0, sizeof d);
    for (int i = 0; i < NDEV; i++) {
        snprintf(d[i].id, sizeof d[i].id, "b%02d", i);
        snprintf(d[i].versions[0].component, sizeof d[i].versions[0].component, "module");
        snprintf(d[i].versions[0].version, sizeof d[i].versions[0].version, "%s", i >= 10 && low ? low : "1.1.0");
        d[i].nversions = 1;
    }
    ota_import_result res;
    ota_device_upsert(f->eng, "meter", d, NDEV, &res, &f->e);
}

static void fleet(fx *f) { fleet_at(f, NULL); }

static int64_t braked(fx *f, ota_on_failure how, int retries)
{
    plan_spec s = {.pkg = f->pkg_module_full, .retries = retries};
    int64_t id = fx_plan(f, &s);
    ota_plan p;
    ota_plan_init(&p);
    ota_plan_get(f->eng, id, &p, &f->e);
    p.has_rollout = true;
    p.rollout.nwaves = 1;
    p.rollout.waves[0] = (ota_wave_size){true, 100};
    p.rollout.success_threshold = 100;
    p.rollout.failure_threshold = 20;
    p.rollout.min_finished = 5;
    p.rollout.on_failure = how;
    if (ota_plan_update(f->eng, &p, &f->e) < 0)
        printf("# update: %s: %s\n", f->e.field, f->e.message);
    ota_plan_free(&p);
    fx_act(f, id, OTA_ACT_ACTIVATE);
    return id;
}

static int64_t jobs[NDEV];

static void offer_all(fx *f)
{
    for (int i = 0; i < NDEV; i++) {
        char id[8];
        snprintf(id, sizeof id, "b%02d", i);
        ota_job_offer o = {0};
        fx_checkin(f, id, NULL, &o);
        if (o.has_job)
            jobs[i] = o.job_id;
        ota_job_offer_free(&o);
    }
}

static int finish(fx *f, int i, bool good)
{
    char id[8];
    snprintf(id, sizeof id, "b%02d", i);
    if (ota_job_report(f->eng, jobs[i], id, OTA_JOB_DOWNLOADING, 0, NULL, &f->e) < 0)
        return -1;
    return ota_job_report(f->eng, jobs[i], id, good ? OTA_JOB_INSTALLING : OTA_JOB_FAILED, 0, "bad", &f->e) < 0 ||
           (good && ota_job_report(f->eng, jobs[i], id, OTA_JOB_SUCCEEDED, 100, NULL, &f->e) < 0) ? -1 : 0;
}

static int audit_brake(fx *f, const char *actor)
{
    ota_audit_query q = {.page = {.limit = 1000}};
    ota_audit_page pg;
    if (ota_audit_list(f->eng, &q, &pg, &f->e) < 0)
        return 0;
    int n = 0;
    for (size_t i = 0; i < pg.n; i++)
        n += !strcmp(pg.items[i].action, "plan.brake") && !strcmp(pg.items[i].actor, actor);
    ota_audit_page_free(&pg);
    return n;
}

static void test_pause(void)
{
    fx f;
    fx_open(&f);
    fleet(&f);
    int64_t id = braked(&f, OTA_ON_FAILURE_PAUSE, 0);
    offer_all(&f);
    finish(&f, 0, false);
    finish(&f, 1, false);
    ok(fx_state(&f, id) == OTA_PLAN_UPGRADING, "2 of 2 finished failed, but fewer than min_finished: no brake");
    for (int i = 2; i < 10; i++)
        finish(&f, i, true);
    finish(&f, 10, false);
    ok(fx_state(&f, id) == OTA_PLAN_PAUSED, "then 3 of 11 failed (27%%): the third failure trips the brake");
    fx_close(&f);
}

static void test_trip(void)
{
    fx f;
    fx_open(&f);
    fleet(&f);
    int64_t id = braked(&f, OTA_ON_FAILURE_PAUSE, 0);
    offer_all(&f);
    for (int i = 0; i < 4; i++)
        finish(&f, i, true);
    finish(&f, 4, false);
    ok(fx_state(&f, id) == OTA_PLAN_UPGRADING, "1 of 5 failed: exactly 20%%, not above: no brake");
    int64_t seq = fx_last_seq(&f, id);
    finish(&f, 5, false);
    ota_plan p;
    ota_plan_init(&p);
    ota_plan_get(f.eng, id, &p, &f.e);
    ok(p.state == OTA_PLAN_PAUSED && !strcmp(p.paused_reason, OTA_PAUSED_FAILURE_THRESHOLD),
       "2 of 6 failed: the brake pauses the plan, paused_reason failure_threshold");
    ota_plan_free(&p);
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(!strcmp(st.paused_reason, OTA_PAUSED_FAILURE_THRESHOLD), "status says why");
    ota_event_page ev;
    ota_plan_events(f.eng, id, seq, 0, &ev, &f.e);
    int pause_ev = 0;
    for (size_t i = 0; i < ev.n; i++)
        pause_ev += !ev.items[i].device[0] && !strcmp(ev.items[i].to, "paused");
    ota_event_page_free(&ev);
    ok(pause_ev == 1, "one plan event records the pause");
    ok(audit_brake(&f, "test") == 1, "one audit row by the engine's actor");
    int64_t trips = -1;
    ok(ota_brake_trips_total(f.eng, &trips, &f.e) == 0 && trips == 1, "ota_brake_trips_total counts the trip");
    ota_job_offer o = {0};
    fx_checkin(&f, "b19", "1.1.0", &o);
    ok(!o.has_job || o.job_id == jobs[19], "a paused plan offers nothing new");
    ota_job_offer_free(&o);
    finish(&f, 6, false);
    ok(audit_brake(&f, "test") == 1, "in-flight failures while paused: no second trip");
    ok(fx_act(&f, id, OTA_ACT_RESUME) == 0, "resume");
    ota_plan_init(&p);
    ota_plan_get(f.eng, id, &p, &f.e);
    ok(p.state == OTA_PLAN_UPGRADING && !p.paused_reason[0], "resume clears paused_reason");
    ota_plan_free(&p);
    finish(&f, 7, true);
    ok(fx_state(&f, id) == OTA_PLAN_UPGRADING, "a success after resume: no trip");
    finish(&f, 8, false);
    ok(fx_state(&f, id) == OTA_PLAN_PAUSED && audit_brake(&f, "test") == 2, "one more failure trips it again");
    ok(ota_brake_trips_total(f.eng, &trips, &f.e) == 0 && trips == 2, "  and ota_brake_trips_total counts it");
    ok(fx_counts_match(&f, id), "counters equal the job rows");
    fx_close(&f);
}

static void test_retry_and_terminate(void)
{
    fx f;
    fx_open(&f);
    fleet(&f);
    int64_t id = braked(&f, OTA_ON_FAILURE_TERMINATE, 1);
    offer_all(&f);
    for (int i = 0; i < 4; i++)
        finish(&f, i, true);
    finish(&f, 4, false);
    finish(&f, 5, false);
    ok(fx_state(&f, id) == OTA_PLAN_UPGRADING, "failures with a retry left do not count");
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.waves[0].failed == 0 && st.waves[0].succeeded == 4, "the wave counts 0 failed, 4 succeeded");
    /* the retries: offered again, fail for good */
    for (int i = 4; i <= 5; i++) {
        char dev[8];
        snprintf(dev, sizeof dev, "b%02d", i);
        ota_job_offer o = {0};
        fx_checkin(&f, dev, "1.1.0", &o);
        ota_job_offer_free(&o);
        finish(&f, i, false);
    }
    ok(fx_state(&f, id) == OTA_PLAN_TERMINATED, "failed for good: the brake terminates the plan");
    ok(fx_count(&f, id, OTA_JOB_PENDING) == 0 && fx_jstate(&f, id, "b19") == OTA_JOB_FAILED,
       "devices still waiting are failed");
    ok(fx_jstate(&f, id, "b10") == OTA_JOB_FAILED, "offered ones too");
    ok(fx_counts_match(&f, id), "counters equal the job rows");
    fx_close(&f);
}

/* Devices b00..b09 at 1.1.0, b10..b14 at 1.0.0, b15.. at 0.9.0 (no full
 * package of 0.9.0 exists: those devices are uncovered). */
static void fleet_three(fx *f)
{
    static ota_device d[NDEV];
    memset(d, 0, sizeof d);
    for (int i = 0; i < NDEV; i++) {
        snprintf(d[i].id, sizeof d[i].id, "b%02d", i);
        snprintf(d[i].versions[0].component, sizeof d[i].versions[0].component, "module");
        snprintf(d[i].versions[0].version, sizeof d[i].versions[0].version, "%s",
                 i < 10 ? "1.1.0" : i < 15 ? "1.0.0" : "0.9.0");
        d[i].nversions = 1;
    }
    ota_import_result res;
    ota_device_upsert(f->eng, "meter", d, NDEV, &res, &f->e);
}

/* The drafts of st whose whitelist holds device, into *out (0: none). */
static int64_t draft_of(fx *f, const ota_plan_status *st, const char *device, ota_plan *out)
{
    for (size_t i = 0; i < st->nrollback_plans; i++) {
        ota_plan_free(out);
        ota_plan_init(out);
        if (ota_plan_get(f->eng, st->rollback_plans[i], out, &f->e) == 0 && ota_strlist_has(&out->whitelist, device))
            return st->rollback_plans[i];
    }
    return 0;
}

static void test_rollback(void)
{
    fx f;
    fx_open(&f);
    fleet_three(&f);
    int64_t m110 = fx_package(&f, "module", OTA_KIND_FULL, "1.1.0", NULL, "module-110.bin");
    int64_t m100 = fx_package(&f, "module", OTA_KIND_FULL, "1.0.0", NULL, "module-100.bin");
    int64_t id = braked(&f, OTA_ON_FAILURE_ROLLBACK, 0);
    offer_all(&f);
    for (int i = 0; i < 4; i++)
        finish(&f, i, true);
    finish(&f, 10, true);
    finish(&f, 11, true);
    finish(&f, 15, true);
    finish(&f, 4, false);
    ok(fx_state(&f, id) == OTA_PLAN_UPGRADING, "1 of 8 failed: no brake yet");
    finish(&f, 5, false);
    ok(fx_state(&f, id) == OTA_PLAN_TERMINATED, "2 of 9 failed: the brake terminates the plan");
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.nrollback_plans == 2 && st.rollback_uncovered == 1,
       "two rollback plans (from 1.1.0 and from 1.0.0), the device from 0.9.0 uncovered (%zu, %ld)",
       st.nrollback_plans, st.rollback_uncovered);
    ota_plan rb, orig;
    ota_plan_init(&rb);
    ota_plan_init(&orig);
    ota_plan_get(f.eng, id, &orig, &f.e);
    ok(draft_of(&f, &st, "b00", &rb) > 0, "a rollback plan holds the 1.1.0 devices");
    ok(rb.state == OTA_PLAN_SAVED && !strncmp(rb.name, "plan rollback ", 14) && !rb.has_rollout,
       "saved, named, no rollout (%s)", rb.name);
    ok(rb.whitelist.n == 4 && ota_strlist_has(&rb.whitelist, "b00") && ota_strlist_has(&rb.whitelist, "b03") &&
       !ota_strlist_has(&rb.whitelist, "b10"), "whitelist: the succeeded devices that came from 1.1.0");
    ok(rb.ncomponents == 1 && rb.components[0].package_id == m110 && !strcmp(rb.product, "meter") &&
       rb.mode == orig.mode && rb.retries == orig.retries && rb.min_battery == orig.min_battery,
       "the 1.1.0 full package, same product, mode and strategy");
    ok(draft_of(&f, &st, "b10", &rb) > 0, "another rollback plan holds the 1.0.0 devices");
    ok(rb.whitelist.n == 2 && ota_strlist_has(&rb.whitelist, "b11") && !ota_strlist_has(&rb.whitelist, "b00") &&
       rb.ncomponents == 1 && rb.components[0].package_id == m100, "whitelist b10, b11 and the 1.0.0 full package");
    ok(draft_of(&f, &st, "b15", &rb) == 0, "no rollback plan holds the device from 0.9.0");
    ota_plan_free(&rb);
    ota_plan_free(&orig);
    ok(audit_brake(&f, "test") == 1, "the brake is audited");
    fx_close(&f);
}

int main(void)
{
    ota_rollout r = {.min_finished = 5, .failure_threshold = 20};
    ok(!ota_brake_trips(&r, 4, 4), "fewer than min_finished: no trip");
    ok(!ota_brake_trips(&r, 5, 1) && ota_brake_trips(&r, 6, 2), "strictly above the threshold trips");
    r.min_finished = 0;
    ok(!ota_brake_trips(&r, 0, 0), "nothing finished: no trip");
    test_pause();
    test_trip();
    test_retry_and_terminate();
    test_rollback();
    return tap_done();
}
