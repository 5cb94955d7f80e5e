/* The rollout's gates (issue 15): maintenance windows judged in the plan's
 * zone or in each device's own (across daylight-saving nights, past
 * midnight, with a zone that is no zone), jobs already running continuing
 * outside them, and the offer rate limit as a token bucket in the store
 * (exact per minute, refilled by the clock, none spent on a device that
 * would not be offered, surviving a reopen).  Time moves only on the fake
 * clock. */
#include "test_rollout_fixture.h"

#define Y2027 1798761600LL   /* 2027-01-01T00:00Z */
#define Y2028 1830297600LL
#define MIN 60LL

/* A plan of module full 1.2.0 for 2027, with maintenance windows in tz
 * ("days start end" triples of mask and minutes; tz NULL: none) and a
 * rollout of one wave limited to rate offers a minute (rate < 0: none). */
typedef struct gate_spec {
    const char *tz;
    bool device_timezone;
    ota_mw_window w[2];
    size_t nw;
    int64_t rate;
    int min_battery;
} gate_spec;

static int64_t gate_plan(fx *f, const gate_spec *g)
{
    ota_plan p;
    ota_plan_init(&p);
    snprintf(p.name, sizeof p.name, "gated");
    snprintf(p.product, sizeof p.product, "meter");
    p.mode = OTA_MODE_SILENT;
    p.min_battery = g->min_battery;
    p.window_start = Y2027;
    p.window_end = Y2028;
    p.job_timeout = 7 * 86400;  /* jobs here run across hours of local time: no timeout meanwhile */
    snprintf(p.components[0].component, sizeof p.components[0].component, "module");
    p.components[0].package_id = f->pkg_module_full;
    p.ncomponents = 1;
    if (g->tz) {
        p.has_maintenance = true;
        snprintf(p.maintenance.timezone, sizeof p.maintenance.timezone, "%s", g->tz);
        p.maintenance.device_timezone = g->device_timezone;
        for (size_t i = 0; i < g->nw; i++)
            p.maintenance.windows[i] = g->w[i];
        p.maintenance.nwindows = g->nw;
    }
    if (g->rate >= 0) {
        p.has_rollout = true;
        p.rollout.waves[0] = (ota_wave_size){.percent = true, .value = 100};
        p.rollout.nwaves = 1;
        p.rollout.success_threshold = 100;
        p.rollout.failure_threshold = 100;
        p.rollout.max_offers_per_minute = g->rate;
    }
    int64_t id = 0;
    if (ota_plan_create(f->eng, &p, &f->e) == 0 && fx_act(f, p.id, OTA_ACT_ACTIVATE) == 0)
        id = p.id;
    else
        printf("# gated plan: %s: %s\n", f->e.field, f->e.message);
    ota_plan_free(&p);
    return id;
}

/* A check-in of dev (module 1.1.0, good telemetry) at utc, with zone tz
 * (NULL: none reported): 1 offered, 0 not, -1 refused. */
static int probe_tz(fx *f, const char *dev, int64_t utc, const char *tz)
{
    f->clock.t = utc;
    ota_checkin_req q;
    fx_req(&q, "meter", dev, "1.1.0", -90, 80);
    if (tz)
        snprintf(q.timezone, sizeof q.timezone, "%s", tz);
    ota_job_offer o AUTO_OFFER = {0};
    if (ota_checkin(f->eng, &q, &o, &f->e) < 0) {
        printf("# check-in %s: %s: %s\n", dev, f->e.field, f->e.message);
        return -1;
    }
    return o.has_job;
}

static int probe(fx *f, const char *dev, int64_t utc) { return probe_tz(f, dev, utc, NULL); }

/* A fresh device per instant (a device once offered stays offered);
 * last_dev names it. */
static char last_dev[32];
static int fresh(fx *f, int64_t utc)
{
    static int n;
    snprintf(last_dev, sizeof last_dev, "p%d", ++n);
    return probe(f, last_dev, utc);
}

/* ------------------------------------------------------- maintenance */
static void test_dst_nights(void)
{
    fx f;
    fx_open(&f);
    gate_spec g = {.tz = "Europe/Berlin", .w = {{OTA_DAYS_ALL, 60, 300}}, .nw = 1, .rate = -1};
    int64_t plan = gate_plan(&f, &g);
    ok(plan > 0, "a plan in Europe/Berlin, every day 01:00-05:00");
    /* spring forward, 2027-03-28: 02:00 CET is 03:00 CEST (01:00Z) */
    is_int(fresh(&f, 1806191940), 0, "spring: 23:59Z = 00:59 CET: closed");
    is_int(fresh(&f, 1806192000), 1, "spring: 00:00Z = 01:00 CET: open");
    is_int(fresh(&f, 1806195540), 1, "spring: 00:59Z = 01:59 CET: open");
    is_int(fresh(&f, 1806195600), 1, "spring: 01:00Z = 03:00 CEST (02:00 skipped): open");
    is_int(fresh(&f, 1806202740), 1, "spring: 02:59Z = 04:59 CEST: open");
    is_int(fresh(&f, 1806202800), 0, "spring: 03:00Z = 05:00 CEST: closed (three hours that night)");
    /* fall back, 2027-10-31: 03:00 CEST is 02:00 CET again (01:00Z) */
    is_int(fresh(&f, 1824937140), 0, "fall: 22:59Z = 00:59 CEST: closed");
    is_int(fresh(&f, 1824937200), 1, "fall: 23:00Z = 01:00 CEST: open");
    is_int(fresh(&f, 1824944340), 1, "fall: 00:59Z = 02:59 CEST: open");
    is_int(fresh(&f, 1824944400), 1, "fall: 01:00Z = 02:00 CET (the hour again): open");
    is_int(fresh(&f, 1824955140), 1, "fall: 03:59Z = 04:59 CET: open");
    is_int(fresh(&f, 1824955200), 0, "fall: 04:00Z = 05:00 CET: closed (five hours that night)");
    ok(fx_counts_match(&f, plan), "counters equal the job rows");
    fx_close(&f);
}

static void test_weekdays_and_midnight(void)
{
    fx f;
    fx_open(&f);
    /* mon-fri 01:00-05:00 Berlin, and mon 22:00-02:00 Shanghai in another plan */
    gate_spec g = {.tz = "Europe/Berlin", .w = {{0x1f, 60, 300}}, .nw = 1, .rate = -1};
    int64_t plan = gate_plan(&f, &g);
    int64_t sat = 1800061200;  /* 2027-01-16T01:00Z, 02:00 CET, a Saturday */
    is_int(fresh(&f, sat), 0, "mon-fri window: Saturday 02:00 CET closed");
    is_str(fx_reason(&f, plan, last_dev), OTA_REASON_MAINTENANCE, "  the job row says maintenance_window");
    is_int(fx_jstate(&f, plan, last_dev), OTA_JOB_PENDING, "  and is pending");
    is_int(fresh(&f, 1800230400 + HOUR), 1, "Monday 02:00 CET open");
    is_int(fresh(&f, 1800230400 + 4 * HOUR), 0, "Monday 05:00 CET closed (end excluded)");
    ota_plan_transition(f.eng, plan, OTA_ACT_TERMINATE, NULL, &f.e);

    gate_spec m = {.tz = "Asia/Shanghai", .w = {{1u << 0, 22 * 60, 2 * 60}}, .nw = 1, .rate = -1};
    int64_t night = gate_plan(&f, &m);
    ok(night > 0, "a plan in Asia/Shanghai, Monday 22:00-02:00 (past midnight)");
    int64_t mon0 = 1800230400 - 8 * HOUR;  /* 2027-01-18 00:00 CST (Monday) */
    is_int(fresh(&f, mon0 + 21 * HOUR + 59 * MIN), 0, "Monday 21:59 CST closed");
    is_int(fresh(&f, mon0 + 22 * HOUR), 1, "Monday 22:00 CST open");
    is_int(fresh(&f, mon0 + 25 * HOUR + 30 * MIN), 1, "Tuesday 01:30 CST open (the night runs on)");
    is_int(fresh(&f, mon0 + 26 * HOUR), 0, "Tuesday 02:00 CST closed");
    is_int(fresh(&f, mon0 + HOUR), 0, "Monday 01:00 CST closed (Sunday night has no window)");
    is_int(fresh(&f, mon0 - HOUR), 0, "Sunday 23:00 CST closed");
    fx_close(&f);
}

static void test_device_zones(void)
{
    fx f;
    fx_open(&f);
    gate_spec g = {.tz = "Europe/Berlin", .device_timezone = true, .w = {{OTA_DAYS_ALL, 60, 300}}, .nw = 1,
                   .rate = -1};
    int64_t plan = gate_plan(&f, &g);
    int64_t t = 1800428400;  /* 2027-01-20T07:00Z: 08:00 in Berlin, 02:00 in New York */
    is_int(probe_tz(&f, "ny", t, "America/New_York"), 1, "a device in America/New_York: 02:00 there, open");
    is_int(probe_tz(&f, "ber", t, "Europe/Berlin"), 0, "a device in Europe/Berlin: 08:00 there, closed");
    is_int(probe(&f, "none", t), 0, "a device with no zone: the plan's, closed");
    is_int(probe_tz(&f, "mars", t, "Mars/Olympus_Mons"), 0, "a device reporting a zone that is none: the plan's");
    is_str(fx_reason(&f, plan, "mars"), OTA_REASON_MAINTENANCE, "  deferred for the window, not refused");
    json_t *a = NULL;
    ok_call(ota_device_attrs_get(f.eng, "ny", &a, &f.e), &f.e, "the zone is among the device's attributes");
    is_str(json_string_value(json_object_get(a, "timezone")), "America/New_York", "  attributes.timezone");
    json_decref(a);

    /* the zone changes later: by a check-in, and by DDI configData */
    is_int(probe_tz(&f, "mars", t, "America/New_York"), 1, "the same device now reports New York: offered");
    is_int(probe(&f, "none", t), 0, "the zoneless device again: still deferred");
    json_t *cfg = json_pack("{s:s, s:s}", "timezone", "America/New_York", "hw", "rev2");
    ok_call(ota_device_attrs_merge(f.eng, "none", cfg, &f.e), &f.e, "configData gives it New York");
    json_decref(cfg);
    is_int(probe(&f, "none", t), 1, "  and its next check-in is judged there: offered");

    /* a check-in with a known zone that changes nothing writes nothing */
    f.clock.t = t;
    ota_checkin_req q;
    fx_req(&q, "meter", "ber", "1.1.0", -90, 80);
    snprintf(q.timezone, sizeof q.timezone, "Europe/Berlin");
    ota_job_offer o AUTO_OFFER = {0};
    is_int(ota_checkin_readonly(f.eng, &q, &o, &f.e), 0, "deferred again, same zone: answered read-only");
    ok(!o.has_job, "  with no job");
    f.clock.t = t - 6 * HOUR;  /* 02:00 in Berlin */
    is_int(ota_checkin_readonly(f.eng, &q, &o, &f.e), OTA_CHECKIN_WOULD_WRITE, "the window opens: it needs a write");
    is_int(probe_tz(&f, "ber", t - 6 * HOUR, "Europe/Berlin"), 1, "  and offers");

    /* without device_timezone everyone is judged in the plan's zone */
    ota_plan_transition(f.eng, plan, OTA_ACT_TERMINATE, NULL, &f.e);
    g.device_timezone = false;
    int64_t plain = gate_plan(&f, &g);
    is_int(probe_tz(&f, "ny2", t, "America/New_York"), 0, "device_timezone off: New York judged in Berlin");
    is_str(fx_reason(&f, plain, "ny2"), OTA_REASON_MAINTENANCE, "  maintenance_window");

    /* over-long zone names are refused, naming the field */
    fx_req(&q, "meter", "long", "1.1.0", -90, 80);
    memset(q.timezone, 'A', sizeof q.timezone);
    fails_with(ota_checkin(f.eng, &q, &o, &f.e), &f.e, OTA_E_VALIDATION, "a zone of 65 bytes refused");
    is_str(f.e.field, "attributes.timezone", "  naming attributes.timezone");
    fx_close(&f);
}

static void test_running_jobs_and_counts(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.1.0", "d3=1.1.0", NULL);
    gate_spec g = {.tz = "Europe/Berlin", .w = {{OTA_DAYS_ALL, 60, 300}}, .nw = 1, .rate = -1};
    int64_t plan = gate_plan(&f, &g);
    ota_preview pv;
    ok_call(ota_plan_preview(f.eng, plan, &pv, &f.e), &f.e, "preview");
    is_int(pv.targeted, 3, "the preview targets all three (it judges no time, like the plan's window)");
    int64_t open = 1800428400 - 6 * HOUR, closed = 1800428400;  /* 02:00 and 08:00 CET */
    is_int(probe(&f, "d1", open), 1, "d1 checks in inside the window: offered");
    ota_job_row r;
    fx_job(&f, plan, "d1", &r);
    ok_call(ota_job_report(f.eng, r.job_id, "d1", OTA_JOB_DOWNLOADING, 10, NULL, &f.e), &f.e, "d1 downloads");
    is_int(probe(&f, "d2", closed), 0, "d2 checks in outside: deferred");
    f.clock.t = closed;
    ok_call(ota_job_report(f.eng, r.job_id, "d1", OTA_JOB_INSTALLING, 50, NULL, &f.e), &f.e,
            "outside the window d1 goes on installing");
    is_int(probe(&f, "d1", closed), 1, "  its check-in outside the window re-sends its job");
    ok_call(ota_job_report(f.eng, r.job_id, "d1", OTA_JOB_SUCCEEDED, 100, NULL, &f.e), &f.e, "  and it succeeds");
    is_int(probe(&f, "d3", closed), 0, "d3 outside: deferred");
    ota_plan_status st;
    ok_call(ota_plan_status_get(f.eng, plan, &st, &f.e), &f.e, "status");
    is_int(st.counts[OTA_JOB_PENDING], 2, "status: two pending (deferred for the window)");
    is_int(st.counts[OTA_JOB_SUCCEEDED], 1, "status: one succeeded");
    ota_page_req pg = {.limit = 10};
    ota_job_page page;
    ok_call(ota_plan_devices(f.eng, plan, OTA_JOB_PENDING, &pg, &page, &f.e), &f.e, "the pending job rows");
    int deferred = 0;
    for (size_t i = 0; i < page.n; i++)
        deferred += !strcmp(page.items[i].reason, OTA_REASON_MAINTENANCE);
    is_int(deferred, 2, "  both say maintenance_window");
    ota_job_page_free(&page);
    is_int(probe(&f, "d2", open + 24 * HOUR), 1, "d2 the next night: offered");
    ok(fx_counts_match(&f, plan), "counters equal the job rows");
    fx_close(&f);
}

/* Migration 7 takes the zone of the attributes stored before it. */
static void test_migration_zone(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "old=1.1.0", NULL);
    json_t *cfg = json_pack("{s:s}", "timezone", "America/New_York");
    ota_device_attrs_merge(f.eng, "old", cfg, &f.e);
    json_decref(cfg);
    fx_close(&f);
    /* the store as it was at version 6 (migration 8's columns go too) */
    is_int(db_sql(f.db, "ALTER TABLE devices DROP COLUMN timezone; DROP TABLE rate_buckets;"
                        " DROP INDEX devices_token; ALTER TABLE devices DROP COLUMN token_hash;"
                        " ALTER TABLE devices DROP COLUMN credential; ALTER TABLE devices DROP COLUMN credential_at;"
                        " ALTER TABLE products DROP COLUMN device_auth;"
                        " ALTER TABLE products DROP COLUMN enrollment_closed;"
                        " PRAGMA user_version=6"), 0, "the database set back to version 6");
    f.eng = fixture_engine(f.dir, &f.clock, "test");
    ok(ota_engine_schema_version(f.eng) >= 7, "reopened: migrated past 7");
    gate_spec g = {.tz = "Europe/Berlin", .device_timezone = true, .w = {{OTA_DAYS_ALL, 60, 300}}, .nw = 1,
                   .rate = -1};
    gate_plan(&f, &g);
    is_int(probe(&f, "old", 1800428400), 1, "the zone of its old attributes judges it (02:00 in New York)");
    fx_close(&f);
}

/* --------------------------------------------------------- rate limit */
static int offers_at(fx *f, int64_t utc, int from, int n)
{
    int got = 0;
    for (int i = from; i < from + n; i++) {
        char dev[32];
        snprintf(dev, sizeof dev, "r%d", i);
        got += probe(f, dev, utc) == 1;
    }
    return got;
}

static void test_rate_limit(void)
{
    fx f;
    fx_open(&f);
    gate_spec g = {.rate = 3, .min_battery = 50};
    int64_t plan = gate_plan(&f, &g);
    int64_t t = T0 + HOUR;
    f.clock.t = t;
    ota_job_offer o AUTO_OFFER = {0};
    is_int(fx_checkin_v(&f, "meter", "weak", "1.1.0", -90, 10, &o), 0, "a device with a low battery checks in first");
    is_str(fx_reason(&f, plan, "weak"), OTA_REASON_BATTERY, "  deferred for its battery (spends no token)");
    is_int(offers_at(&f, t, 0, 5), 3, "5 devices at once, 3 a minute: exactly 3 offered");
    is_str(fx_reason(&f, plan, "r3"), OTA_REASON_RATE_LIMIT, "  the 4th is pending, rate_limit");
    is_int(fx_jstate(&f, plan, "r4"), OTA_JOB_PENDING, "  the 5th pending too");
    ota_checkin_req q;
    fx_req(&q, "meter", "r3", "1.1.0", -90, 80);
    is_int(ota_checkin_readonly(f.eng, &q, &o, &f.e), 0, "  its next check-in in the same second: read-only");
    ok(!o.has_job, "  still nothing");
    ok(o.rate_limited, "  the answer says the rate limit held it back (otad counts it)");
    is_int(fx_checkin_v(&f, "meter", "weak", "1.1.0", -90, 10, &o), 0, "  the low-battery device again");
    ok(!o.has_job && !o.rate_limited, "  deferred for its battery, not the rate limit");
    int got = 0;
    for (int s = 1; s < 20; s++)
        got += offers_at(&f, t + s, 3, 2);
    is_int(got, 0, "no offer during the next 19 seconds");
    is_int(offers_at(&f, t + 20, 3, 2), 1, "after 20 s one offer's worth is back: r3 offered");
    is_int(fx_jstate(&f, plan, "r4"), OTA_JOB_PENDING, "  r4 still waits");
    is_int(offers_at(&f, t + 10 * MIN, 4, 6), 3, "10 minutes later: the burst is one minute's worth, 3");
    ok(fx_counts_match(&f, plan), "counters equal the job rows");

    /* the bucket is the store's: it survives a reopen */
    fx_close(&f);
    f.eng = fixture_engine(f.dir, &f.clock, "test");
    is_int(offers_at(&f, t + 10 * MIN, 10, 2), 0, "reopened, the same second: nothing left");
    is_int(offers_at(&f, t + 10 * MIN + 20, 10, 2), 1, "20 s later one more");
    fx_close(&f);

    fx_open(&f);
    gate_spec none = {.rate = 0};
    gate_plan(&f, &none);
    is_int(offers_at(&f, T0, 0, 50), 50, "max_offers_per_minute 0: no limit, 50 offered at once");
    fx_close(&f);
}

static void test_rate_rules(void)
{
    ota_rate_bucket b = {0};
    ok(ota_rate_take(&b, 2, 1000), "a new bucket is full: 1st of 2");
    ok(ota_rate_take(&b, 2, 1000), "  2nd of 2");
    ok(!ota_rate_take(&b, 2, 1000), "  not a 3rd");
    ok(!ota_rate_take(&b, 2, 1029), "  29 s later: 58/60 of an offer");
    ok(ota_rate_take(&b, 2, 1030), "  30 s later: one");
    ok(!ota_rate_take(&b, 2, 1000), "a clock going back refills nothing");
    ota_rate_refill(&b, 2, 5000);
    is_int(b.units, 2 * OTA_RATE_UNITS_PER_OFFER, "a long pause refills to one minute's worth");
    ota_eligibility_facts fct = {.now = 10, .over_rate_limit = true, .has_battery = true, .battery = 5,
                                 .min_battery = 20, .has_rsrp = true, .rsrp = -90, .min_rsrp = -140};
    is_int(ota_eligibility(&fct), OTA_DEFER_BATTERY, "the rate limit comes after battery");
    fct.battery = 50;
    is_int(ota_eligibility(&fct), OTA_DEFER_RATE_LIMIT, "  and defers an otherwise eligible device");
    fct.outside_maintenance = true;
    fct.up_to_date = true;
    is_int(ota_eligibility(&fct), OTA_DEFER_MAINTENANCE, "maintenance comes before up to date");
    fct.window_start = 20;
    is_int(ota_eligibility(&fct), OTA_DEFER_WINDOW, "  and after the plan's window");
}

int main(void)
{
    test_dst_nights();
    test_weekdays_and_midnight();
    test_device_zones();
    test_running_jobs_and_counts();
    test_migration_zone();
    test_rate_limit();
    test_rate_rules();
    return tap_done();
}
