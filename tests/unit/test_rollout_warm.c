/* The check-in caches warmed after a start (ota_engine_warm_step, issue 20):
 * a reopened engine warmed in slices, between slices and after them,
 * answers every check-in as the engine did before the restart (offered
 * job, none, up to date, blacklisted, in flight); a check-in that writes
 * between slices keeps its write (a later slice never overwrites a cached
 * device or job); another connection's commit during the warm-up is seen;
 * a bad slice size is refused.  No timing here (bench/warm measures it). */
#include "test_rollout_fixture.h"

#define NDEV 40

static int64_t ref[NDEV + 1];  /* job offered to dev i before the restart (0: none) */

static const char *dev_name(int i)
{
    static char b[16];
    snprintf(b, sizeof b, "w%02d", i);
    return b;
}

/* Module 1.2.0 (up to date) for every 7th device, else 1.1.0; battery 10
 * (deferred by min_battery 30) for every 5th. */
static const char *module_of(int i) { return i % 7 == 0 ? "1.2.0" : "1.1.0"; }
static int charged[NDEV + 1];  /* 1: reports battery 90 since the restart */
static int battery_of(int i) { return charged[i] ? 90 : i % 5 == 0 ? 10 : 80; }

static int64_t answer(fx *f, int i, int readonly, int *rc)
{
    ota_checkin_req q;
    ota_job_offer o = {0};
    fx_req(&q, "meter", dev_name(i), module_of(i), -90, battery_of(i));
    *rc = readonly ? ota_checkin_readonly(f->eng, &q, &o, &f->e) : ota_checkin(f->eng, &q, &o, &f->e);
    int64_t job = o.has_job ? o.job_id : 0;
    ota_job_offer_free(&o);
    return job;
}

/* Every device answers as before the restart, without writing. */
static int all_same(fx *f)
{
    int same = 1, rc;
    for (int i = 1; i <= NDEV; i++) {
        int64_t job = answer(f, i, 1, &rc);
        if (rc != 0 || job != ref[i]) {
            printf("#   %s: rc %d, job %lld, before the restart %lld\n", dev_name(i), rc, (long long)job,
                   (long long)ref[i]);
            same = 0;
        }
    }
    return same;
}

static void setup(fx *f, int64_t *plan)
{
    fx_open(f);
    for (int i = 1; i <= NDEV; i++) {
        char spec[32];
        snprintf(spec, sizeof spec, "%s=%s", dev_name(i), module_of(i));
        fx_devices(f, "meter", spec, NULL);
    }
    fx_devices(f, "other", "x1=1.1.0", "x2=1.1.0", NULL);
    *plan = fx_plan(f, &(plan_spec){.pkg = f->pkg_module_full, .black = "w03,w13", .min_battery = 30});
    ok(*plan > 0 && fx_act(f, *plan, OTA_ACT_ACTIVATE) == 0, "a plan active over %d devices", NDEV);
    int rc, bad = 0;
    for (int i = 1; i <= NDEV; i++) {
        ref[i] = answer(f, i, 0, &rc);
        bad += rc != 0;
    }
    is_int(bad, 0, "every device checked in once");
    /* one job in flight: w01 downloads */
    ok(ref[1] > 0 && ota_job_report(f->eng, ref[1], "w01", OTA_JOB_DOWNLOADING, 10, NULL, &f->e) == 0,
       "w01 downloading");
    ok(all_same(f), "the warm engine answers as recorded");
}

static void reopen(fx *f)
{
    fx_close(f);
    f->eng = fixture_engine(f->dir, &f->clock, "test");
}

static void test_whole_warm_up(void)
{
    fx f;
    int64_t plan;
    setup(&f, &plan);
    reopen(&f);
    int64_t cursor = 0;
    long total = 0, steps = 0;
    int n;
    while ((n = ota_engine_warm_step(f.eng, &cursor, 7, &f.e)) > 0) {
        total += n;
        steps++;
    }
    is_int(n, 0, "warm-up ends with 0");
    is_int(total, NDEV + 2, "every device of every product read once");
    is_int(steps, (NDEV + 2 + 6) / 7, "in slices of 7");
    is_int(ota_engine_warm_step(f.eng, &cursor, 7, &f.e), 0, "a step after the end reads nothing");
    ok(all_same(&f), "after the warm-up every check-in answers as before the restart, read-only");
    ok(fx_counts_match(&f, plan), "counters equal the job rows");
    fx_close(&f);
}

static void test_interleaved(void)
{
    fx f;
    int64_t plan;
    setup(&f, &plan);
    reopen(&f);
    int64_t cursor = 0;
    is_int(ota_engine_warm_step(f.eng, &cursor, 10, &f.e), 10, "one slice of 10 devices");
    ok(all_same(&f), "between slices every check-in answers as before the restart");

    /* w05 (in the first slice) charges: offered now, written */
    int rc;
    ota_checkin_req q;
    ota_job_offer o = {0};
    fx_req(&q, "meter", "w05", module_of(5), -90, 90);
    ok(ota_checkin(f.eng, &q, &o, &f.e) == 0 && o.has_job, "w05 with a charged battery is offered its job");
    ref[5] = o.job_id;
    charged[5] = 1;
    ota_job_offer_free(&o);
    /* w25 (not warmed yet) charges too */
    fx_req(&q, "meter", "w25", module_of(25), -90, 90);
    memset(&o, 0, sizeof o);
    ok(ota_checkin(f.eng, &q, &o, &f.e) == 0 && o.has_job, "w25 (not warmed yet) is offered its job");
    ref[25] = o.job_id;
    charged[25] = 1;
    ota_job_offer_free(&o);

    /* another connection's commit: w01 finishes there */
    ota_engine *other = fixture_engine(f.dir, &f.clock, "other");
    ok(ota_job_report(other, ref[1], "w01", OTA_JOB_INSTALLING, -1, NULL, &f.e) == 0 &&
           ota_job_report(other, ref[1], "w01", OTA_JOB_SUCCEEDED, -1, NULL, &f.e) == 0,
       "another engine reports w01 installing, then succeeded");
    ota_engine_close(other);
    long rest = 0;
    int n;
    while ((n = ota_engine_warm_step(f.eng, &cursor, 10, &f.e)) > 0)
        rest += n;
    is_int(n, 0, "the rest of the warm-up ends");
    is_int(rest, NDEV + 2 - 10, "the other devices read");
    ref[1] = 0;  /* succeeded: nothing to re-send */
    ota_job_offer o1 = {0};
    fx_req(&q, "meter", "w01", "1.2.0", -90, battery_of(1));
    ok(ota_checkin_readonly(f.eng, &q, &o1, &f.e) == 0 && !o1.has_job,
       "w01 finished on the other engine: no job re-sent");
    ota_job_offer_free(&o1);
    int64_t job5 = answer(&f, 5, 1, &rc);
    ok(rc == 0 && job5 == ref[5], "w05 keeps the offer written between slices");
    int64_t job25 = answer(&f, 25, 1, &rc);
    ok(rc == 0 && job25 == ref[25], "w25's offer, written before its slice, is not overwritten by it");
    is_int(fx_jstate(&f, plan, "w25"), OTA_JOB_OFFERED, "w25's job is offered in the store");
    ok(fx_counts_match(&f, plan), "counters equal the job rows");
    fx_close(&f);
}

static void test_refusals(void)
{
    fx f;
    fx_open(&f);
    int64_t cursor = 0;
    fails_with(ota_engine_warm_step(f.eng, &cursor, 0, &f.e), &f.e, OTA_E_VALIDATION, "a slice of 0 is refused");
    is_str(f.e.field, "max", "  naming max");
    is_int(ota_engine_warm_step(f.eng, &cursor, 100, &f.e), 0, "an empty fleet: nothing to read");
    fx_close(&f);
}

int main(void)
{
    test_whole_warm_up();
    test_interleaved();
    test_refusals();
    return tap_done();
}
