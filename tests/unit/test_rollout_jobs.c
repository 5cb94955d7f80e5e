/* Per-device jobs (DESIGN.md §1 "Per-device job states"), check-ins and
 * their preconditions, retries, pause/terminate/end, two plans competing
 * for one device, confirm mode, impossible reports, the simulator. */
#include "test_rollout_fixture.h"

static int report(fx *f, int64_t job, const char *dev, ota_job_state to)
{
    return ota_job_report(f->eng, job, dev, to, -1, to == OTA_JOB_FAILED ? "flash write error" : NULL, &f->e);
}

static void test_lifecycle(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .pkg2 = f.pkg_mcu_full});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0}, o2 = {0};
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "d1 checks in");
    ok(o.has_job && o.state == OTA_JOB_OFFERED && o.mode == OTA_MODE_SILENT && o.plan_id == id,
       "pending -> offered (silent)");
    is_int(o.ncomponents, 2, "  both components offered");
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o2), &f.e, "d1 checks in again");
    ok(o2.has_job && o2.job_id == o.job_id && o2.state == OTA_JOB_OFFERED, "  the same job is re-sent");
    int64_t seq = fx_last_seq(&f, id);
    fails_with(report(&f, o.job_id, "d1", OTA_JOB_SUCCEEDED), &f.e, OTA_E_INVALID_TRANSITION,
               "succeeded from offered is impossible");
    is_str(f.e.message, "cannot report succeeded for a job that is offered", "  message names both states");
    fails_with(report(&f, o.job_id, "d1", OTA_JOB_INSTALLING), &f.e, OTA_E_INVALID_TRANSITION,
               "installing from offered is impossible");
    fails_with(report(&f, o.job_id, "d2", OTA_JOB_DOWNLOADING), &f.e, OTA_E_INVALID_TRANSITION,
               "a report for another device's job is refused");
    fails_with(report(&f, 424242, "d1", OTA_JOB_DOWNLOADING), &f.e, OTA_E_NOT_FOUND, "a report for no job");
    fails_with(report(&f, o.job_id, "d1", OTA_JOB_PENDING), &f.e, OTA_E_BAD_REQUEST, "pending is not a report");
    fails_with(ota_job_report(f.eng, o.job_id, "d1", OTA_JOB_DOWNLOADING, 101, NULL, &f.e), &f.e,
               OTA_E_VALIDATION, "progress over 100 refused");
    is_int(fx_last_seq(&f, id), seq, "refused reports recorded nothing");
    is_int(fx_jstate(&f, id, "d1"), OTA_JOB_OFFERED, "  and the job is still offered");
    ok(fx_counts_match(&f, id), "  counts unchanged and equal to the rows");

    ok_call(ota_job_report(f.eng, o.job_id, "d1", OTA_JOB_DOWNLOADING, 0, NULL, &f.e), &f.e, "offered -> downloading");
    ok_call(ota_job_report(f.eng, o.job_id, "d1", OTA_JOB_DOWNLOADING, 40, NULL, &f.e), &f.e, "progress 40");
    ota_job_row r;
    int64_t plan_of;
    ok_call(ota_job_get(f.eng, o.job_id, &plan_of, &r, &f.e), &f.e, "job get");
    ok(r.state == OTA_JOB_DOWNLOADING && r.progress == 40 && plan_of == id, "  downloading at 40%%");
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o2), &f.e, "d1 checks in while downloading");
    ok(o2.has_job && o2.job_id == o.job_id && o2.state == OTA_JOB_DOWNLOADING, "  its job is re-sent as downloading");
    fails_with(report(&f, o.job_id, "d1", OTA_JOB_SUCCEEDED), &f.e, OTA_E_INVALID_TRANSITION,
               "succeeded straight from downloading is refused");
    ok_call(report(&f, o.job_id, "d1", OTA_JOB_INSTALLING), &f.e, "downloading -> installing");
    fails_with(report(&f, o.job_id, "d1", OTA_JOB_DOWNLOADING), &f.e, OTA_E_INVALID_TRANSITION,
               "back to downloading is refused");
    ok_call(report(&f, o.job_id, "d1", OTA_JOB_SUCCEEDED), &f.e, "installing -> succeeded");
    fails_with(report(&f, o.job_id, "d1", OTA_JOB_FAILED), &f.e, OTA_E_INVALID_TRANSITION,
               "no report after succeeded");
    ota_device d;
    ok_call(ota_device_get(f.eng, "d1", &d, &f.e), &f.e, "device get");
    ok(d.nversions >= 2 && !strcmp(ota_device_version(&d, "module"), "1.2.0") &&
           !strcmp(ota_device_version(&d, "mcu"), "2.1"), "the device's new versions are recorded");
    ok_call(fx_checkin(&f, "d1", "1.2.0", &o2), &f.e, "d1 checks in after the upgrade");
    ok(!o2.has_job, "  nothing more to do");

    /* events of the job, in order */
    ota_event_page ev;
    ota_plan_events(f.eng, id, 0, 0, &ev, &f.e);
    const char *want[][2] = {{"pending", "offered"}, {"offered", "downloading"}, {"active", "upgrading"},
                             {"downloading", "installing"}, {"installing", "succeeded"}};
    size_t k = 0;
    for (size_t i = 0; i < ev.n && k < 5; i++)
        if (!strcmp(ev.items[i].from, want[k][0]) && !strcmp(ev.items[i].to, want[k][1]))
            k++;
    ok(k == 5, "events: offered, downloading, plan upgrading, installing, succeeded (in order)");
    ota_event_page_free(&ev);
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);
}

static void test_checkin_rules(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.2.0", "d3=1.1.0", NULL);
    fx_devices(&f, "other", "x1=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .min_battery = 30, .min_rsrp = -110,
                                          .start = T0 + HOUR});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0};
    fails_with(fx_checkin_v(&f, "nosuch", "d1", "1.1.0", -90, 80, &o), &f.e, OTA_E_NOT_FOUND,
               "unknown product refused");
    is_str(f.e.field, "product", "  field product");
    fails_with(fx_checkin_v(&f, "meter", "x1", "1.1.0", -90, 80, &o), &f.e, OTA_E_VALIDATION,
               "a device of another product refused");
    fails_with(fx_checkin_v(&f, "meter", "d1", "1.1.0", -90, 101, &o), &f.e, OTA_E_VALIDATION,
               "battery 101 refused");
    fails_with(fx_checkin_v(&f, "meter", "", "1.1.0", -90, 80, &o), &f.e, OTA_E_VALIDATION, "empty device refused");

    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "before the window starts");
    ok(!o.has_job, "  nothing offered");
    is_str(fx_reason(&f, id, "d1"), "window", "  deferred: window");
    f.clock.t = T0 + HOUR;
    ok_call(fx_checkin_v(&f, "meter", "d1", "1.1.0", -120, 10, &o), &f.e, "weak signal and low battery");
    ok(!o.has_job, "  nothing offered");
    is_str(fx_reason(&f, id, "d1"), "rsrp", "  deferred: rsrp (checked before battery)");
    ok_call(fx_checkin_v(&f, "meter", "d1", "1.1.0", -100, 10, &o), &f.e, "signal recovers, battery low");
    is_str(fx_reason(&f, id, "d1"), "battery", "  deferred: battery");
    ota_device d;
    ota_device_get(f.eng, "d1", &d, &f.e);
    ok(d.has_rsrp && d.rsrp == -100 && d.has_battery && d.battery == 10, "telemetry stored (-100 dBm, 10%%)");
    int64_t seq = fx_last_seq(&f, id);
    ok_call(fx_checkin_v(&f, "meter", "d1", "1.1.0", -100, 10, &o), &f.e, "same again");
    is_int(fx_last_seq(&f, id), seq, "  an unchanged deferral records nothing");
    ok_call(fx_checkin_v(&f, "meter", "d1", "1.1.0", -100, 80, &o), &f.e, "battery recovered");
    ok(o.has_job, "  now offered");
    ok_call(report(&f, o.job_id, "d1", OTA_JOB_DOWNLOADING), &f.e, "downloading");
    ok_call(report(&f, o.job_id, "d1", OTA_JOB_INSTALLING), &f.e, "installing");
    ok_call(report(&f, o.job_id, "d1", OTA_JOB_SUCCEEDED), &f.e, "deferral, then success");

    ok_call(fx_checkin(&f, "d2", "1.2.0", &o), &f.e, "d2 already at the target");
    ok(!o.has_job, "  is not offered");
    is_int(fx_jstate(&f, id, "d2"), OTA_JOB_SUCCEEDED, "  its job counts as succeeded");
    is_str(fx_reason(&f, id, "d2"), "up_to_date", "  reason up_to_date");

    /* d3 never reported telemetry: thresholds that need it defer it */
    ota_checkin_req q;
    memset(&q, 0, sizeof q);
    snprintf(q.device, sizeof q.device, "d3");
    snprintf(q.product, sizeof q.product, "meter");
    snprintf(q.versions[0].component, sizeof q.versions[0].component, "module");
    snprintf(q.versions[0].version, sizeof q.versions[0].version, "1.1.0");
    q.nversions = 1;
    ok_call(ota_checkin(f.eng, &q, &o, &f.e), &f.e, "d3 checks in without rsrp or battery");
    ok(!o.has_job, "  not offered");
    is_str(fx_reason(&f, id, "d3"), "rsrp", "  deferred: rsrp unknown while the plan needs -110 dBm");
    q.has_rsrp = true;
    q.rsrp = -90;
    ok_call(ota_checkin(f.eng, &q, &o, &f.e), &f.e, "d3 reports rsrp only");
    ok(!o.has_job, "  not offered");
    is_str(fx_reason(&f, id, "d3"), "battery", "  deferred: battery unknown while the plan needs 30%%");
    ota_device_get(f.eng, "d3", &d, &f.e);
    ok(d.has_rsrp && d.rsrp == -90 && !d.has_battery, "  the stored telemetry has rsrp, no battery");

    ok_call(fx_checkin(&f, "d9", "1.1.0", &o), &f.e, "an unknown device of the product checks in");
    ok(ota_device_get(f.eng, "d9", &d, &f.e) == 0 && !strcmp(d.product, "meter"), "  it is registered");
    ok(o.has_job, "  and gets its job lazily (registered after activation)");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);
}

static void test_retries(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .retries = 1});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0};
    fx_checkin(&f, "d1", "1.1.0", &o);
    report(&f, o.job_id, "d1", OTA_JOB_DOWNLOADING);
    ok_call(report(&f, o.job_id, "d1", OTA_JOB_FAILED), &f.e, "first attempt fails");
    ota_job_row r;
    ota_job_get(f.eng, o.job_id, NULL, &r, &f.e);
    ok(r.state == OTA_JOB_PENDING && r.attempt == 2, "  retries left: back to pending, attempt 2");
    is_str(r.error, "flash write error", "  the failure text is kept");
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "next check-in");
    ok(o.has_job && o.state == OTA_JOB_OFFERED, "  re-offered");
    report(&f, o.job_id, "d1", OTA_JOB_DOWNLOADING);
    report(&f, o.job_id, "d1", OTA_JOB_INSTALLING);
    ok_call(report(&f, o.job_id, "d1", OTA_JOB_FAILED), &f.e, "second attempt fails");
    ota_job_get(f.eng, o.job_id, NULL, &r, &f.e);
    ok(r.state == OTA_JOB_FAILED && r.attempt == 2, "  retries exhausted: failed");
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "check-in after");
    ok(!o.has_job, "  no more offers");
    is_int(fx_count(&f, id, OTA_JOB_FAILED), 1, "one failed");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);
}

/* d1 downloading, d2 offered, d3 pending when the operator acts. */
static int64_t three_states(fx *f, ota_job_offer *o1, ota_job_offer *o2)
{
    fx_devices(f, "meter", "d1=1.1.0", "d2=1.1.0", "d3=1.1.0", NULL);
    int64_t id = fx_plan(f, &(plan_spec){.pkg = f->pkg_module_full, .end = T0 + 2 * HOUR, .job_timeout = 600});
    fx_act(f, id, OTA_ACT_ACTIVATE);
    fx_checkin(f, "d1", "1.1.0", o1);
    report(f, o1->job_id, "d1", OTA_JOB_DOWNLOADING);
    fx_checkin(f, "d2", "1.1.0", o2);
    return id;
}

static void test_pause_terminate_end(void)
{
    fx f;
    fx_open(&f);
    AUTO_OFFER ota_job_offer o1 = {0}, o2 = {0}, o = {0};
    int64_t id = three_states(&f, &o1, &o2);
    ok_call(fx_act(&f, id, OTA_ACT_PAUSE), &f.e, "pause with d1 downloading, d2 offered, d3 pending");
    ok_call(fx_checkin(&f, "d3", "1.1.0", &o), &f.e, "d3 checks in");
    ok(!o.has_job, "  paused: no new offer");
    is_int(fx_jstate(&f, id, "d3"), OTA_JOB_PENDING, "  d3 stays pending");
    fails_with(report(&f, o2.job_id, "d2", OTA_JOB_DOWNLOADING), &f.e, OTA_E_INVALID_TRANSITION,
               "d2 (offered) cannot start downloading while paused");
    ok_call(report(&f, o1.job_id, "d1", OTA_JOB_INSTALLING), &f.e, "d1 mid-upgrade continues: installing");
    ok_call(report(&f, o1.job_id, "d1", OTA_JOB_SUCCEEDED), &f.e, "  and succeeds");
    ok_call(fx_act(&f, id, OTA_ACT_RESUME), &f.e, "resume");
    is_int(fx_state(&f, id), OTA_PLAN_UPGRADING, "  back to upgrading");
    ok_call(fx_checkin(&f, "d3", "1.1.0", &o), &f.e, "d3 checks in");
    ok(o.has_job, "  offered again after resume");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);

    fx_open(&f);
    id = three_states(&f, &o1, &o2);
    ok_call(fx_act(&f, id, OTA_ACT_TERMINATE), &f.e, "terminate with d1 downloading, d2 offered, d3 pending");
    is_int(fx_jstate(&f, id, "d2"), OTA_JOB_FAILED, "  offered -> failed");
    is_int(fx_jstate(&f, id, "d3"), OTA_JOB_FAILED, "  pending -> failed");
    is_int(fx_jstate(&f, id, "d1"), OTA_JOB_DOWNLOADING, "  downloading continues");
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "d1 checks in");
    ok(o.has_job && o.job_id == o1.job_id, "  its in-flight job is re-sent");
    ok_call(report(&f, o1.job_id, "d1", OTA_JOB_INSTALLING), &f.e, "d1 installs");
    ok_call(report(&f, o1.job_id, "d1", OTA_JOB_SUCCEEDED), &f.e, "  and succeeds after terminate");
    ok_call(fx_checkin(&f, "d8", "1.1.0", &o), &f.e, "a new device checks in after terminate");
    ok(!o.has_job, "  is registered but gets nothing from a terminated plan");
    is_str(fx_reason(&f, id, "d8"), "(no job)", "  and no job row");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);

    fx_open(&f);
    id = three_states(&f, &o1, &o2);
    AUTO_OFFER ota_job_offer o3 = {0};
    fx_devices(&f, "meter", "d4=1.1.0", NULL);
    fx_checkin(&f, "d4", "1.1.0", &o3);
    report(&f, o3.job_id, "d4", OTA_JOB_DOWNLOADING);
    f.clock.t = T0 + 2 * HOUR;
    is_int(fx_state(&f, id), OTA_PLAN_ENDED, "the window's end passes: ended");
    is_int(fx_jstate(&f, id, "d2"), OTA_JOB_EXPIRED, "  offered -> expired");
    is_int(fx_jstate(&f, id, "d3"), OTA_JOB_EXPIRED, "  pending -> expired");
    is_int(fx_jstate(&f, id, "d1"), OTA_JOB_DOWNLOADING, "  downloading continues");
    ok_call(report(&f, o1.job_id, "d1", OTA_JOB_INSTALLING), &f.e, "d1 installs after the end");
    ok_call(report(&f, o1.job_id, "d1", OTA_JOB_SUCCEEDED), &f.e, "  and succeeds within the job timeout");
    f.clock.t = T0 + 2 * HOUR + 600;
    ota_job_row r;
    ota_job_get(f.eng, o3.job_id, NULL, &r, &f.e);
    is_int(r.state, OTA_JOB_FAILED, "d4 still downloading at end + job_timeout: failed");
    ok(strstr(r.error, "timed out") != NULL, "  error says it timed out: %s", r.error);
    fails_with(report(&f, o3.job_id, "d4", OTA_JOB_INSTALLING), &f.e, OTA_E_INVALID_TRANSITION,
               "  its late report is refused");
    ok_call(fx_checkin(&f, "d3", "1.1.0", &o), &f.e, "d3 (expired) checks in after the end");
    ok(!o.has_job, "  nothing offered");
    is_int(fx_jstate(&f, id, "d3"), OTA_JOB_EXPIRED, "  still expired");
    ok_call(fx_checkin(&f, "d9", "1.1.0", &o), &f.e, "a new device checks in after the end");
    ok(!o.has_job, "  nothing offered by an ended plan");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);
}

static void test_competing_plans(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", NULL);
    int64_t a = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full});
    int64_t b = fx_plan(&f, &(plan_spec){.pkg = f.pkg_mcu_full});
    fx_act(&f, a, OTA_ACT_ACTIVATE);
    f.clock.t++;
    fx_act(&f, b, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0};
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "d1, targeted by two active plans, checks in");
    ok(o.has_job && o.plan_id == a, "  the plan activated first wins");
    is_str(fx_reason(&f, b, "d1"), "busy", "  the other shows d1 deferred: busy");
    is_int(fx_jstate(&f, b, "d1"), OTA_JOB_PENDING, "  and pending");
    report(&f, o.job_id, "d1", OTA_JOB_DOWNLOADING);
    report(&f, o.job_id, "d1", OTA_JOB_INSTALLING);
    report(&f, o.job_id, "d1", OTA_JOB_SUCCEEDED);
    ok_call(fx_checkin(&f, "d1", "1.2.0", &o), &f.e, "after the first plan's job succeeded");
    ok(o.has_job && o.plan_id == b, "  the second plan offers");
    ok(fx_counts_match(&f, a) && fx_counts_match(&f, b), "counts equal the job rows");
    fx_close(&f);
}

static void test_confirm(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .confirm = 1});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0};
    fx_checkin(&f, "d1", "1.1.0", &o);
    ok(o.has_job && o.state == OTA_JOB_AWAITING_CONFIRMATION && o.mode == OTA_MODE_CONFIRM,
       "confirm mode: the job awaits confirmation");
    fails_with(report(&f, o.job_id, "d1", OTA_JOB_DOWNLOADING), &f.e, OTA_E_INVALID_TRANSITION,
               "downloading before confirmation refused");
    fails_with(ota_job_confirm(f.eng, o.job_id, "d2", &f.e), &f.e, OTA_E_INVALID_TRANSITION,
               "another device cannot confirm it");
    ok_call(ota_job_confirm(f.eng, o.job_id, "d1", &f.e), &f.e, "the user confirms");
    is_int(fx_jstate(&f, id, "d1"), OTA_JOB_DOWNLOADING, "  awaiting_confirmation -> downloading");
    is_int(fx_state(&f, id), OTA_PLAN_UPGRADING, "  the plan is upgrading");
    fails_with(ota_job_confirm(f.eng, o.job_id, "d1", &f.e), &f.e, OTA_E_INVALID_TRANSITION,
               "confirming twice refused");
    ok_call(ota_job_report(f.eng, o.job_id, "d1", OTA_JOB_DOWNLOADING, 50, NULL, &f.e), &f.e, "progress 50");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);
}

static void test_pages_and_coherence(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.1.0", "d3=1.1.0", "d4=1.1.0", "d5=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0};
    fx_checkin(&f, "d2", "1.1.0", &o);
    ota_page_req pg = {.limit = 2};
    ota_job_page page;
    int seen = 0, pages = 0;
    do {
        if (ota_plan_devices(f.eng, id, -1, &pg, &page, &f.e) < 0)
            break;
        seen += (int)page.n;
        pages++;
        snprintf(pg.cursor, sizeof pg.cursor, "%s", page.next_cursor);
        ota_job_page_free(&page);
    } while (pg.cursor[0] && pages < 10);
    ok(seen == 5 && pages == 3, "5 job rows in pages of 2 (got %d rows, %d pages)", seen, pages);
    ota_page_req one = {.limit = 10};
    ok_call(ota_plan_devices(f.eng, id, OTA_JOB_OFFERED, &one, &page, &f.e), &f.e, "rows filtered by state");
    ok(page.n == 1 && !strcmp(page.items[0].device, "d2"), "  only d2 is offered");
    ota_job_page_free(&page);
    ota_page_req bad = {.cursor = "x"};
    fails_with(ota_plan_devices(f.eng, id, -1, &bad, &page, &f.e), &f.e, OTA_E_BAD_REQUEST, "a foreign cursor");

    /* a second engine (another process) pauses the plan: the first sees it */
    ota_engine_opts o2 = {.db_path = f.db, .clock = ota_clock_fake(&f.clock)};
    ota_engine *other = ota_engine_open(&o2, &f.e);
    ok(other && ota_plan_transition(other, id, OTA_ACT_PAUSE, NULL, &f.e) == 0, "another connection pauses the plan");
    ota_engine_close(other);
    /* No waiting: a check-in that would write (offer d3) re-checks under
     * the write lock and starts over on fresh caches. */
    fx_checkin(&f, "d3", "1.1.0", &o);
    ok(!o.has_job, "  this engine sees it at once: no new offer");
    is_int(fx_jstate(&f, id, "d3"), OTA_JOB_PENDING, "  d3 stays pending");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);
}

/* Every report and the confirmation against a job in every state, both
 * ways: what the table allows moves the job (and records its event); what
 * it does not is refused with invalid_transition and changes nothing. */
enum { A_CONFIRM, A_DOWNLOADING, A_INSTALLING, A_SUCCEEDED, A_FAILED, A__COUNT };
static const char *const act_names[A__COUNT] = {"confirm", "downloading", "installing", "succeeded", "failed"};

static int act(fx *f, int64_t job, const char *dev, int a)
{
    static const ota_job_state to[A__COUNT] = {0, OTA_JOB_DOWNLOADING, OTA_JOB_INSTALLING, OTA_JOB_SUCCEEDED,
                                               OTA_JOB_FAILED};
    if (a == A_CONFIRM)
        return ota_job_confirm(f->eng, job, dev, &f->e);
    return report(f, job, dev, to[a]);
}

static void test_report_matrix(void)
{
    /* states a job can be in when a report arrives, and where each allowed
     * action takes it (-1: refused) */
    static const struct {
        ota_job_state s;
        int after[A__COUNT];
    } table[] = {
        {OTA_JOB_PENDING, {-1, -1, -1, -1, -1}},
        {OTA_JOB_OFFERED, {-1, OTA_JOB_DOWNLOADING, -1, -1, OTA_JOB_FAILED}},
        {OTA_JOB_AWAITING_CONFIRMATION, {OTA_JOB_DOWNLOADING, -1, -1, -1, OTA_JOB_FAILED}},
        {OTA_JOB_DOWNLOADING, {-1, OTA_JOB_DOWNLOADING, OTA_JOB_INSTALLING, -1, OTA_JOB_FAILED}},
        {OTA_JOB_INSTALLING, {-1, -1, OTA_JOB_INSTALLING, OTA_JOB_SUCCEEDED, OTA_JOB_FAILED}},
        {OTA_JOB_SUCCEEDED, {-1, -1, -1, -1, -1}},
        {OTA_JOB_FAILED, {-1, -1, -1, -1, -1}},
        {OTA_JOB_EXPIRED, {-1, -1, -1, -1, -1}},
    };
    enum { NS = sizeof table / sizeof table[0] };
    fx f;
    fx_open(&f);
    /* device "sS_A" is brought to table[S].s, then action A is tried;
     * whitelists route devices to a silent plan (retries 0), a confirm plan
     * and a silent plan whose window ends */
    char silent[2048] = "", confirm[512] = "", ending[512] = "";
    for (int si = 0; si < NS; si++)
        for (int a = 0; a < A__COUNT; a++) {
            char dev[16], spec[32];
            snprintf(dev, sizeof dev, "s%d_%d", si, a);
            snprintf(spec, sizeof spec, "%s=1.1.0", dev);
            fx_devices(&f, "meter", spec, NULL);
            char *list = table[si].s == OTA_JOB_AWAITING_CONFIRMATION ? confirm
                         : table[si].s == OTA_JOB_EXPIRED             ? ending
                                                                      : silent;
            if (*list)
                strcat(list, ",");
            strcat(list, dev);
        }
    /* jobs in flight stay so past the hour below (the job timeout counts from their start) */
    int64_t ps = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .white = silent, .min_battery = 50,
                                          .job_timeout = 24 * HOUR});
    int64_t pc = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .white = confirm, .confirm = 1});
    int64_t pe = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .white = ending, .end = T0 + HOUR});
    ok(ps && pc && pe && fx_act(&f, ps, OTA_ACT_ACTIVATE) == 0 && fx_act(&f, pc, OTA_ACT_ACTIVATE) == 0 &&
           fx_act(&f, pe, OTA_ACT_ACTIVATE) == 0, "three plans active");
    int64_t jobs[NS][A__COUNT];
    int64_t plan_of[NS];
    for (int si = 0; si < NS; si++)
        for (int a = 0; a < A__COUNT; a++) {
            char dev[16];
            snprintf(dev, sizeof dev, "s%d_%d", si, a);
            ota_job_state s = table[si].s;
            AUTO_OFFER ota_job_offer o = {0};
            memset(&o, 0, sizeof o);
            plan_of[si] = s == OTA_JOB_AWAITING_CONFIRMATION ? pc : s == OTA_JOB_EXPIRED ? pe : ps;
            if (s == OTA_JOB_SUCCEEDED) {
                fx_checkin_v(&f, "meter", dev, "1.2.0", -90, 80, &o);  /* already there: succeeded */
            } else {
                fx_checkin_v(&f, "meter", dev, "1.1.0", -90, s == OTA_JOB_PENDING ? 10 : 80, &o);
            }
            ota_job_row r;
            memset(&r, 0, sizeof r);
            fx_job(&f, plan_of[si], dev, &r);
            jobs[si][a] = r.job_id;
            if (s == OTA_JOB_DOWNLOADING || s == OTA_JOB_INSTALLING || s == OTA_JOB_FAILED)
                report(&f, r.job_id, dev, OTA_JOB_DOWNLOADING);
            if (s == OTA_JOB_INSTALLING)
                report(&f, r.job_id, dev, OTA_JOB_INSTALLING);
            if (s == OTA_JOB_FAILED)
                report(&f, r.job_id, dev, OTA_JOB_FAILED);
        }
    f.clock.t = T0 + HOUR;  /* the third plan ends: its offered jobs expire */
    int setup = 1;
    for (int si = 0; si < NS; si++)
        for (int a = 0; a < A__COUNT; a++) {
            char dev[16];
            snprintf(dev, sizeof dev, "s%d_%d", si, a);
            setup &= fx_jstate(&f, plan_of[si], dev) == table[si].s && jobs[si][a] > 0;
        }
    ok(setup, "a job in each of the %d states, one per action", NS);
    for (int si = 0; si < NS; si++) {
        int good = 1;
        for (int a = 0; a < A__COUNT; a++) {
            char dev[16];
            snprintf(dev, sizeof dev, "s%d_%d", si, a);
            int64_t seq = fx_last_seq(&f, plan_of[si]);
            int rc = act(&f, jobs[si][a], dev, a);
            int want = table[si].after[a];
            ota_job_state now = fx_jstate(&f, plan_of[si], dev);
            int64_t seq2 = fx_last_seq(&f, plan_of[si]);
            int fine = want < 0 ? rc < 0 && f.e.code == OTA_E_INVALID_TRANSITION && now == table[si].s && seq2 == seq
                                : rc == 0 && (int)now == want && (seq2 > seq) == (want != (int)table[si].s);
            if (!fine)
                printf("#   %s: %s: rc %d (%s), now %s, events %lld -> %lld\n",
                       ota_job_state_str(table[si].s), act_names[a], rc, rc < 0 ? f.e.message : "",
                       ota_job_state_str(now), (long long)seq, (long long)seq2);
            good &= fine;
        }
        ok(good, "%s: each report and the confirmation allowed or refused as the table says",
           ota_job_state_str(table[si].s));
    }
    ok(fx_counts_match(&f, ps) && fx_counts_match(&f, pc) && fx_counts_match(&f, pe), "counts equal the job rows");
    fx_close(&f);
}

/* Waiting for confirmation counts as waiting: terminate fails it, the end
 * of the window expires it. */
static void test_confirm_waiting(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "c1=1.1.0", "c2=1.1.0", NULL);
    int64_t a = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .white = "c1", .confirm = 1});
    int64_t b = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .white = "c2", .confirm = 1, .end = T0 + HOUR});
    fx_act(&f, a, OTA_ACT_ACTIVATE);
    fx_act(&f, b, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o1 = {0}, o2 = {0};
    fx_checkin(&f, "c1", "1.1.0", &o1);
    fx_checkin(&f, "c2", "1.1.0", &o2);
    ok(o1.state == OTA_JOB_AWAITING_CONFIRMATION && o2.state == OTA_JOB_AWAITING_CONFIRMATION,
       "both devices await confirmation");
    ok_call(fx_act(&f, a, OTA_ACT_TERMINATE), &f.e, "terminate the first plan");
    is_int(fx_jstate(&f, a, "c1"), OTA_JOB_FAILED, "  awaiting_confirmation -> failed");
    fails_with(ota_job_confirm(f.eng, o1.job_id, "c1", &f.e), &f.e, OTA_E_INVALID_TRANSITION,
               "  a late confirmation is refused");
    f.clock.t = T0 + HOUR;
    is_int(fx_state(&f, b), OTA_PLAN_ENDED, "the second plan's window ends");
    is_int(fx_jstate(&f, b, "c2"), OTA_JOB_EXPIRED, "  awaiting_confirmation -> expired");
    fails_with(ota_job_confirm(f.eng, o2.job_id, "c2", &f.e), &f.e, OTA_E_INVALID_TRANSITION,
               "  a late confirmation is refused");
    ok(fx_counts_match(&f, a) && fx_counts_match(&f, b), "counts equal the job rows");
    fx_close(&f);
}

/* A write that fails halfway (a trigger, created by another connection,
 * refuses d2's event after its job row changed) leaves nothing half
 * written.  Alone, the call is undone.  Inside a batch, where calls share
 * one transaction without savepoints, the whole batch is rolled back and
 * nothing of it is acknowledged: later calls and the batch end fail. */
static void test_failed_write(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.1.0", "d3=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    ok(sql(f.eng, "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.device = 'd2'"
                  " BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END;") == 0,
       "another connection makes d2's events fail");
    AUTO_OFFER ota_job_offer o = {0};
    int64_t seq = fx_last_seq(&f, id);
    fails_with(fx_checkin(&f, "d2", "1.1.0", &o), &f.e, OTA_E_INTERNAL, "d2's check-in fails at its event");
    ok(strstr(f.e.message, "simulated write failure") != NULL, "  with the database's reason: %s", f.e.message);
    ok(!o.has_job, "  no job answered");
    is_int(fx_jstate(&f, id, "d2"), OTA_JOB_PENDING, "  the job row's change was undone: pending");
    is_int(fx_last_seq(&f, id), seq, "  no event");
    ok(fx_counts_match(&f, id), "  counts equal the job rows");

    ok_call(ota_engine_batch_begin(f.eng, &f.e), &f.e, "a batch");
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "  d1 checks in");
    ok(o.has_job, "  and is offered (not acknowledged yet)");
    fails_with(fx_checkin(&f, "d2", "1.1.0", &o), &f.e, OTA_E_INTERNAL, "  d2's check-in fails");
    fails_with(fx_checkin(&f, "d3", "1.1.0", &o), &f.e, OTA_E_INTERNAL, "  a later call of the batch fails too");
    ok(strstr(f.e.message, "rolled back") && strstr(f.e.message, "simulated write failure"),
       "  saying the batch was rolled back and why: %s", f.e.message);
    ok(ota_engine_batch_end(f.eng, &f.e) < 0, "  the batch end reports the failure: %s", f.e.message);
    is_int(fx_jstate(&f, id, "d1"), OTA_JOB_PENDING, "nothing of the batch was kept: d1 pending");
    is_int(fx_jstate(&f, id, "d3"), OTA_JOB_PENDING, "  d3 pending");
    is_int(fx_last_seq(&f, id), seq, "  no event");
    ok(fx_counts_match(&f, id), "  counts equal the job rows");

    ok_call(ota_engine_batch_begin(f.eng, &f.e), &f.e, "the next batch");
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "  d1 checks in");
    ok(o.has_job, "  and is offered");
    ok_call(ota_engine_batch_end(f.eng, &f.e), &f.e, "  committed");
    is_int(fx_jstate(&f, id, "d1"), OTA_JOB_OFFERED, "  d1 offered");
    ok(sql(f.eng, "DROP TRIGGER boom") == 0, "the trigger goes");
    ok_call(fx_checkin(&f, "d2", "1.1.0", &o), &f.e, "d2 checks in");
    ok(o.has_job, "  and is offered");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);
}

/* Everything the plan recorded, as one hash: (seq, time, device, from, to)
 * of every event, read by following "events since" to the end. */
static uint64_t events_hash(fx *f, int64_t id, long *n)
{
    uint64_t h = 1469598103934665603ULL;
    int64_t since = 0;
    *n = 0;
    for (;;) {
        ota_event_page ev;
        if (ota_plan_events(f->eng, id, since, 0, &ev, &f->e) < 0)
            return 0;
        for (size_t i = 0; i < ev.n; i++) {
            char line[512];
            int len = snprintf(line, sizeof line, "%lld %lld %s %s %s;", (long long)ev.items[i].seq,
                               (long long)ev.items[i].at, ev.items[i].device, ev.items[i].from, ev.items[i].to);
            for (int k = 0; k < len; k++)
                h = (h ^ (unsigned char)line[k]) * 1099511628211ULL;
        }
        *n += (long)ev.n;
        size_t got = ev.n;
        since = ev.last_seq;
        ota_event_page_free(&ev);
        if (got == 0)
            return h;
    }
}

/* Pending devices deferred for battery right now, added to set (ids). */
static void battery_deferred(fx *f, int64_t id, ota_strlist *set)
{
    ota_page_req pg = {.limit = 1000};
    ota_job_page page;
    if (ota_plan_devices(f->eng, id, OTA_JOB_PENDING, &pg, &page, &f->e) < 0)
        return;
    for (size_t i = 0; i < page.n; i++)
        if (!strcmp(page.items[i].reason, "battery") && !ota_strlist_has(set, page.items[i].device))
            ota_strlist_push(set, page.items[i].device);
    ota_job_page_free(&page);
}

struct sim_run {
    long counts[OTA_JOB__COUNT];
    uint64_t events;
    long nevents;
    size_t deferred, cleared;  /* devices seen deferred for battery; of those, later succeeded */
};

static void sim_run(uint64_t seed, struct sim_run *out)
{
    fx f;
    fx_open(&f);
    memset(out, 0, sizeof *out);
    ok_call(ota_fleet_generate(f.eng, "meter", 300, 7, &f.e), &f.e, "seed %llu: generate 300 devices",
            (unsigned long long)seed);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .retries = 1, .min_battery = 20,
                                          .confirm = 1});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    ota_sim_opts so = {.seed = seed, .plan_id = id, .online_per_tick = 0.2, .failure_rate = 0.1,
                       .confirm_delay = 1, .download_ticks = 2, .install_ticks = 1, .tick_seconds = 10};
    ota_sim *sim = ota_sim_new(f.eng, &so, &f.e);
    ok(sim != NULL, "  simulator on the plan");
    ota_strlist deferred = {0};
    int ok_steps = 1;
    for (int i = 0; i < 120 && sim; i++) {
        f.clock.t += so.tick_seconds;
        ok_steps &= ota_sim_step(sim, &f.e) == 0;
        if (i < 20)
            battery_deferred(&f, id, &deferred);
    }
    ok(ok_steps, "  120 steps, each one committed batch");
    ota_sim_free(sim);
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    memcpy(out->counts, st.counts, sizeof st.counts);
    ok(st.counts[OTA_JOB_SUCCEEDED] > 150, "  most devices succeeded (%ld)", st.counts[OTA_JOB_SUCCEEDED]);
    ok(st.state == OTA_PLAN_UPGRADING, "  the plan is upgrading");
    ok(fx_counts_match(&f, id), "  counts equal the job rows");
    out->events = events_hash(&f, id, &out->nevents);
    out->deferred = deferred.n;
    for (size_t i = 0; i < deferred.n; i++)
        out->cleared += fx_jstate(&f, id, deferred.v[i]) == OTA_JOB_SUCCEEDED;
    ota_strlist_free(&deferred);
    fx_close(&f);
}

static void test_sim(void)
{
    struct sim_run a, b, c;
    sim_run(99, &a);
    sim_run(99, &b);
    sim_run(100, &c);
    ok(a.nevents > 600 && a.nevents == b.nevents && a.events == b.events,
       "the same seed gives the same events, time and order (%ld events)", a.nevents);
    ok(!memcmp(a.counts, b.counts, sizeof a.counts), "  and the same counts");
    ok(c.events != a.events, "another seed gives another run");
    ok(a.deferred >= 5, "low batteries defer devices (%zu deferred for battery in the first 20 ticks)", a.deferred);
    ok(a.cleared > 0 && a.cleared * 2 >= a.deferred,
       "batteries drift back: %zu of them succeeded later", a.cleared);
}

/* What the store holds that a check-in can change, as one line: jobs
 * (state, reason, attempt), events, devices (telemetry, last_seen),
 * versions and plan states, read over a second connection. */
static void fx_fingerprint(fx *f, char *out, size_t len)
{
    sqlite3 *db;
    snprintf(out, len, "?");
    if (sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
        "SELECT (SELECT COUNT(*) || ':' || COALESCE(GROUP_CONCAT(state || reason || attempt), '') FROM jobs),"
        " (SELECT COUNT(*) FROM events),"
        " (SELECT COUNT(*) || ':' || COALESCE(GROUP_CONCAT(device_id || rsrp || battery || last_seen), '') FROM devices),"
        " (SELECT COUNT(*) || ':' || COALESCE(GROUP_CONCAT(version), '') FROM device_versions),"
        " (SELECT GROUP_CONCAT(state) FROM plans)", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, len, "%s|%s|%s|%s|%s", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                 sqlite3_column_text(st, 2), sqlite3_column_text(st, 3), sqlite3_column_text(st, 4));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static int checkin_ro(fx *f, const char *dev, const char *module, int rsrp, int battery, ota_job_offer *o)
{
    ota_checkin_req q;
    fx_req(&q, "meter", dev, module, rsrp, battery);
    return ota_checkin_readonly(f->eng, &q, o, &f->e);
}

/* ota_checkin_readonly answers what ota_checkin would when that writes
 * nothing, and otherwise says so having changed nothing. */
static void test_checkin_readonly(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .min_battery = 30});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0}, w = {0};
    char before[8192], after[8192];

    fx_fingerprint(&f, before, sizeof before);
    is_int(checkin_ro(&f, "d1", "1.1.0", -90, 80, &o), OTA_CHECKIN_WOULD_WRITE, "first check-in: it would write (a job)");
    ok(!o.has_job, "  nothing answered");
    fx_fingerprint(&f, after, sizeof after);
    is_str(after, before, "  nothing written");
    is_int(fx_count(&f, id, OTA_JOB_OFFERED), 0, "  no job offered");

    ok_call(fx_checkin(&f, "d1", "1.1.0", &w), &f.e, "the writing check-in");
    ok(w.has_job, "  offers the job");
    fx_fingerprint(&f, before, sizeof before);
    ok_call(checkin_ro(&f, "d1", "1.1.0", -90, 80, &o), &f.e, "the same check-in again, read-only");
    ok(o.has_job && o.job_id == w.job_id && o.plan_id == id && o.state == w.state, "  re-sends the same job");
    ok(o.ncomponents == w.ncomponents && o.ncomponents == 1 && !strcmp(o.components[0].version, "1.2.0") &&
           o.components[0].nfiles == w.components[0].nfiles,
       "  with the same components");
    fx_fingerprint(&f, after, sizeof after);
    is_str(after, before, "  nothing written");

    is_int(checkin_ro(&f, "d1", "1.1.0", -90, 60, &o), OTA_CHECKIN_WOULD_WRITE, "new telemetry would write");
    ok(!o.has_job && o.ncomponents == 0, "  nothing answered");
    ota_device d;
    ota_device_get(f.eng, "d1", &d, &f.e);
    is_int(d.battery, 80, "  the stored battery is still 80");
    is_int(checkin_ro(&f, "d1", "1.1.1", -90, 80, &o), OTA_CHECKIN_WOULD_WRITE, "a new version would write");
    is_int(checkin_ro(&f, "d9", "1.1.0", -90, 80, &o), OTA_CHECKIN_WOULD_WRITE, "an unknown device would write");
    ok(ota_device_get(f.eng, "d9", &d, &f.e) < 0, "  and is not registered");

    ok_call(fx_checkin_v(&f, "meter", "d2", "1.1.0", -90, 10, &w), &f.e, "d2 deferred for its battery");
    ok(!w.has_job, "  not offered");
    ok_call(checkin_ro(&f, "d2", "1.1.0", -90, 10, &o), &f.e, "the same deferral again, read-only");
    ok(!o.has_job, "  still not offered");
    is_str(fx_reason(&f, id, "d2"), "battery", "  reason still battery");

    fx_fingerprint(&f, before, sizeof before);
    fails_with(checkin_ro(&f, "d1", "1.1.0", -90, 101, &o), &f.e, OTA_E_VALIDATION, "battery 101: the same refusal");
    is_str(f.e.field, "battery", "  field battery");
    ota_checkin_req q;
    memset(&q, 0, sizeof q);
    snprintf(q.device, sizeof q.device, "d1");
    snprintf(q.product, sizeof q.product, "nosuch");
    fails_with(ota_checkin_readonly(f.eng, &q, &o, &f.e), &f.e, OTA_E_NOT_FOUND, "unknown product: the same refusal");
    snprintf(q.product, sizeof q.product, "other");
    fails_with(ota_checkin_readonly(f.eng, &q, &o, &f.e), &f.e, OTA_E_VALIDATION,
               "a device of another product: the same refusal");
    fx_fingerprint(&f, after, sizeof after);
    is_str(after, before, "  refusals write nothing");

    f.clock.t = T0 + 300;  /* last_seen moves in 300 s steps */
    is_int(checkin_ro(&f, "d1", "1.1.0", -90, 80, &o), OTA_CHECKIN_WOULD_WRITE, "last_seen due: it would write");
    f.clock.t = T0 + 25 * HOUR;  /* past the window: the clock's tick ends the plan */
    fx_fingerprint(&f, before, sizeof before);
    is_int(checkin_ro(&f, "d1", "1.1.0", -90, 80, &o), OTA_CHECKIN_WOULD_WRITE, "a due tick: it would write");
    fx_fingerprint(&f, after, sizeof after);
    is_str(after, before, "  the plan is not ended by a read-only check-in");
    ok_call(fx_checkin(&f, "d1", "1.1.0", &w), &f.e, "the writing check-in runs the tick");
    is_int(fx_state(&f, id), OTA_PLAN_ENDED, "  the plan ended");
    ok(fx_counts_match(&f, id), "counts equal the job rows");
    fx_close(&f);
}

int main(void)
{
    test_lifecycle();
    test_checkin_rules();
    test_checkin_readonly();
    test_retries();
    test_pause_terminate_end();
    test_competing_plans();
    test_confirm();
    test_confirm_waiting();
    test_report_matrix();
    test_pages_and_coherence();
    test_failed_write();
    test_sim();
    return tap_done();
}
