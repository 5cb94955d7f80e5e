/* The lifecycle rules of core/lifecycle.c against the documented tables
 * (DESIGN.md §1): every plan action from every state, live and offering
 * plans, job states in flight and final, the reports a device may make,
 * the steps toward a report (DDI), the eligibility predicate's order and
 * each of its rules (never-reported telemetry included), and the deferred
 * reasons' names. */
#include "ota.h"
#include "../tap.h"

static const ota_action actions[] = {OTA_ACT_ACTIVATE, OTA_ACT_PAUSE, OTA_ACT_RESUME, OTA_ACT_TERMINATE};
static const char *const action_names[] = {"activate", "pause", "resume", "terminate"};

/* DESIGN.md §1 "Plan states": action -> where it leads from each state
 * (OTA_PLAN__COUNT = refused).  Resume goes back to where the plan was
 * paused; the table's row is for a plan paused while active. */
static const ota_plan_state want_target[4][OTA_PLAN__COUNT] = {
    [0] = {[OTA_PLAN_SAVED] = OTA_PLAN_ACTIVE, [OTA_PLAN_ACTIVE] = OTA_PLAN__COUNT,
           [OTA_PLAN_UPGRADING] = OTA_PLAN__COUNT, [OTA_PLAN_PAUSED] = OTA_PLAN__COUNT,
           [OTA_PLAN_TERMINATED] = OTA_PLAN__COUNT, [OTA_PLAN_ENDED] = OTA_PLAN__COUNT},
    [1] = {[OTA_PLAN_SAVED] = OTA_PLAN__COUNT, [OTA_PLAN_ACTIVE] = OTA_PLAN_PAUSED,
           [OTA_PLAN_UPGRADING] = OTA_PLAN_PAUSED, [OTA_PLAN_PAUSED] = OTA_PLAN__COUNT,
           [OTA_PLAN_TERMINATED] = OTA_PLAN__COUNT, [OTA_PLAN_ENDED] = OTA_PLAN__COUNT},
    [2] = {[OTA_PLAN_SAVED] = OTA_PLAN__COUNT, [OTA_PLAN_ACTIVE] = OTA_PLAN__COUNT,
           [OTA_PLAN_UPGRADING] = OTA_PLAN__COUNT, [OTA_PLAN_PAUSED] = OTA_PLAN_ACTIVE,
           [OTA_PLAN_TERMINATED] = OTA_PLAN__COUNT, [OTA_PLAN_ENDED] = OTA_PLAN__COUNT},
    [3] = {[OTA_PLAN_SAVED] = OTA_PLAN__COUNT, [OTA_PLAN_ACTIVE] = OTA_PLAN_TERMINATED,
           [OTA_PLAN_UPGRADING] = OTA_PLAN_TERMINATED, [OTA_PLAN_PAUSED] = OTA_PLAN_TERMINATED,
           [OTA_PLAN_TERMINATED] = OTA_PLAN__COUNT, [OTA_PLAN_ENDED] = OTA_PLAN__COUNT},
};

static void test_plan_actions(void)
{
    for (size_t a = 0; a < 4; a++)
        for (int s = 0; s < OTA_PLAN__COUNT; s++) {
            ota_plan_state want = want_target[a][s];
            const char *sn = ota_plan_state_str((ota_plan_state)s);
            is_int(ota_plan_action_allowed((ota_plan_state)s, actions[a]), want != OTA_PLAN__COUNT,
                   "%s from %s: %s", action_names[a], sn, want != OTA_PLAN__COUNT ? "allowed" : "refused");
            is_int(ota_plan_action_target((ota_plan_state)s, OTA_PLAN_ACTIVE, actions[a]), want,
                   "%s from %s leads to %s", action_names[a], sn,
                   want != OTA_PLAN__COUNT ? ota_plan_state_str(want) : "nothing");
        }
    is_int(ota_plan_action_target(OTA_PLAN_PAUSED, OTA_PLAN_UPGRADING, OTA_ACT_RESUME), OTA_PLAN_UPGRADING,
           "resume goes back to upgrading when paused while upgrading");
    is_int(ota_plan_action_target(OTA_PLAN_PAUSED, OTA_PLAN_SAVED, OTA_ACT_RESUME), OTA_PLAN_ACTIVE,
           "resume with no paused-from state goes to active");
    is_int(ota_plan_action_target(OTA_PLAN_ACTIVE, OTA_PLAN_UPGRADING, OTA_ACT_PAUSE), OTA_PLAN_PAUSED,
           "paused-from matters only to resume");
    ok(!ota_plan_action_allowed(OTA_PLAN__COUNT, OTA_ACT_TERMINATE), "a state out of range is refused");
    ok(!ota_plan_action_allowed(OTA_PLAN_SAVED, (ota_action)4), "an action out of range is refused");
    is_int(ota_plan_action_target(OTA_PLAN_ACTIVE, OTA_PLAN_ACTIVE, (ota_action)-1), OTA_PLAN__COUNT,
           "... and leads nowhere");

    /* live: the plan can still move; offering: new jobs are handed out */
    static const bool live[OTA_PLAN__COUNT] = {[OTA_PLAN_ACTIVE] = true, [OTA_PLAN_UPGRADING] = true,
                                               [OTA_PLAN_PAUSED] = true};
    static const bool offering[OTA_PLAN__COUNT] = {[OTA_PLAN_ACTIVE] = true, [OTA_PLAN_UPGRADING] = true};
    for (int s = 0; s < OTA_PLAN__COUNT; s++) {
        const char *sn = ota_plan_state_str((ota_plan_state)s);
        is_int(ota_plan_is_live((ota_plan_state)s), live[s], "%s is %slive", sn, live[s] ? "" : "not ");
        is_int(ota_plan_is_offering((ota_plan_state)s), offering[s], "%s is %soffering", sn,
               offering[s] ? "" : "not ");
        is_int(ota_plan_is_editable((ota_plan_state)s), s == OTA_PLAN_SAVED, "%s is %seditable", sn,
               s == OTA_PLAN_SAVED ? "" : "not ");
        bool fin = s == OTA_PLAN_TERMINATED || s == OTA_PLAN_ENDED;
        is_int(ota_plan_is_final((ota_plan_state)s), fin, "%s is %sfinal", sn, fin ? "" : "not ");
    }
    ok(!ota_plan_is_live(OTA_PLAN__COUNT) && !ota_plan_is_offering(OTA_PLAN__COUNT),
       "a state out of range is neither live nor offering");
}

/* DESIGN.md §1 "Per-device job states". */
static void test_job_states(void)
{
    static const bool in_flight[OTA_JOB__COUNT] = {
        [OTA_JOB_OFFERED] = true, [OTA_JOB_AWAITING_CONFIRMATION] = true,
        [OTA_JOB_DOWNLOADING] = true, [OTA_JOB_INSTALLING] = true};
    static const bool final[OTA_JOB__COUNT] = {
        [OTA_JOB_SUCCEEDED] = true, [OTA_JOB_FAILED] = true, [OTA_JOB_EXPIRED] = true};
    for (int s = 0; s < OTA_JOB__COUNT; s++) {
        const char *sn = ota_job_state_str((ota_job_state)s);
        is_int(ota_job_in_flight((ota_job_state)s), in_flight[s], "job %s is %sin flight", sn,
               in_flight[s] ? "" : "not ");
        is_int(ota_job_is_final((ota_job_state)s), final[s], "job %s is %sfinal", sn, final[s] ? "" : "not ");
        bool unstarted = s == OTA_JOB_OFFERED || s == OTA_JOB_AWAITING_CONFIRMATION;
        is_int(ota_job_is_unstarted((ota_job_state)s), unstarted, "job %s is %sunstarted", sn,
               unstarted ? "" : "not ");
    }
    ok(!ota_job_in_flight(OTA_JOB__COUNT) && !ota_job_is_final(OTA_JOB__COUNT),
       "a job state out of range is neither");

    /* A device reports downloading, installing, succeeded or failed, each
     * from the states the path allows; a repeat is a progress update. */
    enum { O = 1 << OTA_JOB_OFFERED, A = 1 << OTA_JOB_AWAITING_CONFIRMATION,
           D = 1 << OTA_JOB_DOWNLOADING, I = 1 << OTA_JOB_INSTALLING };
    static const unsigned want_from[OTA_JOB__COUNT] = {
        [OTA_JOB_DOWNLOADING] = O | D, [OTA_JOB_INSTALLING] = D | I, [OTA_JOB_SUCCEEDED] = I,
        [OTA_JOB_FAILED] = O | A | D | I};
    for (int to = 0; to < OTA_JOB__COUNT; to++)
        for (int from = 0; from < OTA_JOB__COUNT; from++) {
            bool want = want_from[to] & (1u << from);
            is_int(ota_job_report_allowed((ota_job_state)from, (ota_job_state)to), want,
                   "report %s from %s: %s", ota_job_state_str((ota_job_state)to),
                   ota_job_state_str((ota_job_state)from), want ? "allowed" : "refused");
        }
    ok(!ota_job_report_allowed(OTA_JOB__COUNT, OTA_JOB_FAILED) &&
       !ota_job_report_allowed(OTA_JOB_OFFERED, OTA_JOB__COUNT), "states out of range are refused");
}

/* The next report on the way from cur to `to`: every pair. */
static void test_step_toward(void)
{
    const ota_job_state N = OTA_JOB__COUNT;
    /* rows: cur; columns: to = downloading, installing, succeeded, failed */
    static const ota_job_state tos[4] = {OTA_JOB_DOWNLOADING, OTA_JOB_INSTALLING, OTA_JOB_SUCCEEDED,
                                         OTA_JOB_FAILED};
    const ota_job_state want[OTA_JOB__COUNT][4] = {
        [OTA_JOB_PENDING] = {N, N, N, N},
        [OTA_JOB_OFFERED] = {OTA_JOB_DOWNLOADING, OTA_JOB_DOWNLOADING, OTA_JOB_DOWNLOADING, OTA_JOB_FAILED},
        [OTA_JOB_AWAITING_CONFIRMATION] = {OTA_JOB_DOWNLOADING, OTA_JOB_DOWNLOADING, OTA_JOB_DOWNLOADING,
                                           OTA_JOB_FAILED},
        [OTA_JOB_DOWNLOADING] = {N, OTA_JOB_INSTALLING, OTA_JOB_INSTALLING, OTA_JOB_FAILED},
        [OTA_JOB_INSTALLING] = {N, N, OTA_JOB_SUCCEEDED, OTA_JOB_FAILED},
        [OTA_JOB_SUCCEEDED] = {N, N, N, N},
        [OTA_JOB_FAILED] = {N, N, N, N},
        [OTA_JOB_EXPIRED] = {N, N, N, N},
    };
    for (int cur = 0; cur < OTA_JOB__COUNT; cur++)
        for (int k = 0; k < 4; k++) {
            ota_job_state got = ota_job_step_toward((ota_job_state)cur, tos[k]);
            is_int(got, want[cur][k], "from %s toward %s: %s", ota_job_state_str((ota_job_state)cur),
                   ota_job_state_str(tos[k]), want[cur][k] == N ? "nothing" : ota_job_state_str(want[cur][k]));
        }
    /* Walking the steps always ends at the target, each one a report the
     * device may make. */
    for (int k = 0; k < 4; k++) {
        ota_job_state cur = OTA_JOB_OFFERED, next;
        int steps = 0;
        bool legal = true;
        while ((next = ota_job_step_toward(cur, tos[k])) != N && steps < 8) {
            legal = legal && ota_job_report_allowed(cur, next);
            cur = next;
            steps++;
        }
        ok(cur == tos[k] && legal, "from offered, %d allowed reports reach %s", steps, ota_job_state_str(tos[k]));
    }
    is_int(ota_job_step_toward(OTA_JOB_OFFERED, OTA_JOB_AWAITING_CONFIRMATION), N,
           "awaiting confirmation is not a step forward from offered");
    is_int(ota_job_step_toward(OTA_JOB_DOWNLOADING, OTA_JOB_PENDING), N, "nor is pending");
    is_int(ota_job_step_toward(N, OTA_JOB_FAILED), N, "a state out of range has no step");
    is_int(ota_job_step_toward(OTA_JOB_OFFERED, N), N, "nor a target out of range");
}

/* Facts under which a device is eligible for a plan asking for -100 dBm
 * and 20 %. */
static ota_eligibility_facts good(void)
{
    return (ota_eligibility_facts){.now = 1000, .window_start = 1000, .has_rsrp = true, .rsrp = -90,
                                   .has_battery = true, .battery = 50, .min_rsrp = -100, .min_battery = 20};
}

static void test_eligibility(void)
{
    ota_eligibility_facts f = good();
    is_int(ota_eligibility(&f), OTA_ELIGIBLE, "good facts: eligible (the window opens at its start)");

    /* each rule alone */
    f = good(), f.now = 999;
    is_int(ota_eligibility(&f), OTA_DEFER_WINDOW, "before the window: window");
    f = good(), f.version_mismatch = true;
    is_int(ota_eligibility(&f), OTA_DEFER_VERSION, "a diff's source is not the device's version: version");
    f = good(), f.up_to_date = true;
    is_int(ota_eligibility(&f), OTA_DEFER_UP_TO_DATE, "already at every target: up_to_date");
    f = good(), f.busy = true;
    is_int(ota_eligibility(&f), OTA_DEFER_BUSY, "a job of another plan in flight: busy");
    f = good(), f.rsrp = -101;
    is_int(ota_eligibility(&f), OTA_DEFER_RSRP, "signal below the plan's minimum: rsrp");
    f = good(), f.rsrp = -100;
    is_int(ota_eligibility(&f), OTA_ELIGIBLE, "signal at the minimum passes");
    f = good(), f.battery = 19;
    is_int(ota_eligibility(&f), OTA_DEFER_BATTERY, "battery below the plan's minimum: battery");
    f = good(), f.battery = 20;
    is_int(ota_eligibility(&f), OTA_ELIGIBLE, "battery at the minimum passes");

    /* never reported: deferred unless the plan's threshold is at its floor */
    f = good(), f.has_rsrp = false, f.rsrp = 0;
    is_int(ota_eligibility(&f), OTA_DEFER_RSRP, "RSRP never reported, plan asks -100: rsrp");
    f.min_rsrp = OTA_RSRP_MIN;
    is_int(ota_eligibility(&f), OTA_ELIGIBLE, "RSRP never reported, plan at the floor (%d): eligible",
           OTA_RSRP_MIN);
    f = good(), f.has_battery = false, f.battery = 100;
    is_int(ota_eligibility(&f), OTA_DEFER_BATTERY, "battery never reported, plan asks 20: battery");
    f.min_battery = OTA_BATTERY_MIN;
    is_int(ota_eligibility(&f), OTA_ELIGIBLE, "battery never reported, plan at the floor (%d): eligible",
           OTA_BATTERY_MIN);
    f = good(), f.min_rsrp = OTA_RSRP_MIN, f.min_battery = OTA_BATTERY_MIN, f.rsrp = OTA_RSRP_MIN - 10,
    f.battery = 0;
    is_int(ota_eligibility(&f), OTA_DEFER_RSRP, "a reported value below the floor still defers");

    /* the documented order: window, version, up to date, busy, rsrp, battery */
    static const ota_defer order[] = {OTA_DEFER_WINDOW, OTA_DEFER_VERSION, OTA_DEFER_UP_TO_DATE,
                                      OTA_DEFER_BUSY, OTA_DEFER_RSRP, OTA_DEFER_BATTERY};
    const size_t n = sizeof order / sizeof order[0];
    for (size_t first = 0; first < n; first++) {
        f = good();
        for (size_t k = first; k < n; k++)
            switch (order[k]) {
            case OTA_DEFER_WINDOW: f.now = f.window_start - 1; break;
            case OTA_DEFER_VERSION: f.version_mismatch = true; break;
            case OTA_DEFER_UP_TO_DATE: f.up_to_date = true; break;
            case OTA_DEFER_BUSY: f.busy = true; break;
            case OTA_DEFER_RSRP: f.has_rsrp = false; break;
            case OTA_DEFER_BATTERY: f.has_battery = false; break;
            default: break;
            }
        is_int(ota_eligibility(&f), order[first], "%s and every later rule failing: %s comes first",
               ota_defer_str(order[first]), ota_defer_str(order[first]));
    }
}

static void test_defer_names(void)
{
    ok(ota_defer_str(OTA_ELIGIBLE) == NULL, "eligible has no reason");
    is_str(ota_defer_str(OTA_DEFER_WINDOW), OTA_REASON_WINDOW, "window's word");
    is_str(ota_defer_str(OTA_DEFER_VERSION), OTA_REASON_VERSION, "version's word");
    is_str(ota_defer_str(OTA_DEFER_BUSY), OTA_REASON_BUSY, "busy's word");
    is_str(ota_defer_str(OTA_DEFER_RSRP), OTA_REASON_RSRP, "rsrp's word");
    is_str(ota_defer_str(OTA_DEFER_BATTERY), OTA_REASON_BATTERY, "battery's word");
    is_str(ota_defer_str(OTA_DEFER_UP_TO_DATE), "up_to_date", "up to date's word");
    for (int d = 1; d < OTA_DEFER__COUNT; d++)
        is_int(ota_defer_parse(ota_defer_str((ota_defer)d)), d, "%s parses back", ota_defer_str((ota_defer)d));
    ok(ota_defer_str(OTA_DEFER__COUNT) == NULL, "out of range has no word");
    is_int(ota_defer_parse(NULL), OTA_ELIGIBLE, "no reason parses as eligible");
    is_int(ota_defer_parse("nonsense"), OTA_ELIGIBLE, "an unknown word parses as eligible");
    is_int(ota_defer_parse(""), OTA_ELIGIBLE, "so does an empty one");
}

int main(void)
{
    test_plan_actions();
    test_job_states();
    test_step_toward();
    test_eligibility();
    test_defer_names();
    return tap_done();
}
