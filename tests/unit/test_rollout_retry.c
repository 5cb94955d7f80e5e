/* Retries with an interval and timeouts that count (API.md "Additions"):
 * a failed job with a retry left is pending again but offered no sooner
 * than retry_interval_seconds; a job downloading or installing past the
 * plan's job_timeout since it started fails at the clock (error and, when
 * for good, reason timeout), counts for retries and for the brake; the
 * clock knows the deadline without looking at every job. */
#include "test_rollout_fixture.h"

static int64_t plan_with(fx *f, int retries, int64_t interval, int64_t timeout, bool brake)
{
    plan_spec s = {.pkg = f->pkg_module_full, .retries = retries, .job_timeout = timeout};
    int64_t id = fx_plan(f, &s);
    ota_plan p;
    ota_plan_init(&p);
    ota_plan_get(f->eng, id, &p, &f->e);
    p.retry_interval_seconds = interval;
    if (brake) {
        p.has_rollout = true;
        p.rollout.nwaves = 1;
        p.rollout.waves[0] = (ota_wave_size){true, 100};
        p.rollout.failure_threshold = 0;
        p.rollout.min_finished = 1;
        p.rollout.on_failure = OTA_ON_FAILURE_PAUSE;
    }
    if (ota_plan_update(f->eng, &p, &f->e) < 0)
        printf("# update: %s: %s\n", f->e.field, f->e.message);
    ota_plan_free(&p);
    fx_act(f, id, OTA_ACT_ACTIVATE);
    return id;
}

static int64_t offer(fx *f, const char *dev)
{
    ota_job_offer o = {0};
    fx_checkin(f, dev, "1.1.0", &o);
    int64_t job = o.has_job ? o.job_id : 0;
    ota_job_offer_free(&o);
    return job;
}

static void test_interval(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "r1=1.1.0", NULL);
    int64_t id = plan_with(&f, 1, 600, 0, false);
    int64_t job = offer(&f, "r1");
    ok(job > 0 && ota_job_report(f.eng, job, "r1", OTA_JOB_DOWNLOADING, 0, NULL, &f.e) == 0 &&
       ota_job_report(f.eng, job, "r1", OTA_JOB_FAILED, 0, "flash error", &f.e) == 0, "offered, downloading, failed");
    ota_job_row r;
    fx_job(&f, id, "r1", &r);
    ok(r.state == OTA_JOB_PENDING && r.attempt == 2, "a retry left: pending again, attempt 2");
    int64_t seq = fx_last_seq(&f, id);
    ok(offer(&f, "r1") == 0, "not offered right after the failure");
    f.clock.t += 599;
    ok(offer(&f, "r1") == 0 && !strcmp(fx_reason(&f, id, "r1"), "") && fx_last_seq(&f, id) == seq,
       "nor before the interval passed (no reason invented, nothing written)");
    f.clock.t += 1;
    ok(offer(&f, "r1") == job, "offered again once retry_interval_seconds passed");
    ok(fx_counts_match(&f, id), "counters equal the job rows");
    fx_close(&f);
}

static void test_timeout(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "t1=1.1.0", "t2=1.1.0", NULL);
    int64_t id = plan_with(&f, 1, 0, 300, false);
    int64_t job = offer(&f, "t1");
    ota_job_report(f.eng, job, "t1", OTA_JOB_DOWNLOADING, 0, NULL, &f.e);
    ota_job_offer o = {0};
    ota_checkin_req q;
    fx_req(&q, "meter", "t2", "1.1.0", -90, 80);
    ota_checkin(f.eng, &q, &o, &f.e);  /* t2 offered, not started: no timeout for it */
    f.clock.t += 299;
    ok(ota_checkin_readonly(f.eng, &q, &o, &f.e) == 0, "before the timeout the clock has nothing due");
    ota_engine_tick(f.eng, &f.e);
    ok(fx_jstate(&f, id, "t1") == OTA_JOB_DOWNLOADING, "still downloading at 299 s");
    f.clock.t += 1;
    ok(ota_checkin_readonly(f.eng, &q, &o, &f.e) == OTA_CHECKIN_WOULD_WRITE, "at 300 s the deadline is due");
    ota_engine_tick(f.eng, &f.e);
    ota_job_row r;
    fx_job(&f, id, "t1", &r);
    ok(r.state == OTA_JOB_PENDING && r.attempt == 2 && strstr(r.error, "timeout"),
       "timed out: counted as a failure, retried (attempt 2, error %s)", r.error);
    ok(fx_jstate(&f, id, "t2") == OTA_JOB_OFFERED, "an offered job that never started does not time out");
    ok(offer(&f, "t1") == job && ota_job_report(f.eng, job, "t1", OTA_JOB_DOWNLOADING, 0, NULL, &f.e) == 0 &&
       ota_job_report(f.eng, job, "t1", OTA_JOB_INSTALLING, 0, NULL, &f.e) == 0, "the retry starts afresh");
    f.clock.t += 299;
    ota_engine_tick(f.eng, &f.e);
    ok(fx_jstate(&f, id, "t1") == OTA_JOB_INSTALLING, "its timeout counts from the new start");
    f.clock.t += 1;
    ota_engine_tick(f.eng, &f.e);
    fx_job(&f, id, "t1", &r);
    ok(r.state == OTA_JOB_FAILED && !strcmp(r.reason, OTA_REASON_TIMEOUT), "no retry left: failed, reason timeout");
    ok(fx_counts_match(&f, id), "counters equal the job rows");
    ota_job_offer_free(&o);
    fx_close(&f);
}

static void test_brake(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "k1=1.1.0", NULL);
    int64_t id = plan_with(&f, 0, 0, 60, true);
    int64_t job = offer(&f, "k1");
    ota_job_report(f.eng, job, "k1", OTA_JOB_DOWNLOADING, 0, NULL, &f.e);
    f.clock.t += 60;
    ota_engine_tick(f.eng, &f.e);
    ota_plan p;
    ota_plan_init(&p);
    ota_plan_get(f.eng, id, &p, &f.e);
    ok(p.state == OTA_PLAN_PAUSED && !strcmp(p.paused_reason, OTA_PAUSED_FAILURE_THRESHOLD),
       "a timeout counts for the brake: the plan pauses");
    ota_plan_free(&p);
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    ok(st.waves[0].failed == 1, "the wave counts it failed");
    fx_close(&f);
}

int main(void)
{
    ok(ota_retry_at(100, 0) == 0 && ota_retry_at(100, 60) == 160, "retry time: the interval after the failure");
    ok(ota_retry_waiting(160, 159) && !ota_retry_waiting(160, 160) && !ota_retry_waiting(0, 5), "waiting until then");
    ok(!ota_job_timed_out(100, 60, 159) && ota_job_timed_out(100, 60, 160) && !ota_job_timed_out(0, 60, 1000),
       "timed out job_timeout seconds after the start; never without a start");
    test_interval();
    test_timeout();
    test_brake();
    return tap_done();
}
