/* The plan state machine (DESIGN.md §1 "Plan states"), both ways: every
 * transition allowed from where the table allows it and refused with
 * invalid_transition naming state and action everywhere else; activation
 * prerequisites; frozen plans; the clock ending plans. */
#include <sys/stat.h>
#include <unistd.h>
#include "test_rollout_fixture.h"

static const ota_action actions[4] = {OTA_ACT_ACTIVATE, OTA_ACT_PAUSE, OTA_ACT_RESUME, OTA_ACT_TERMINATE};

/* From a plan in state s, every action not in allowed is refused with the
 * exact message, and the state does not move. */
static void refused_except(fx *f, int64_t id, ota_plan_state s, unsigned allowed)
{
    for (int i = 0; i < 4; i++) {
        if (allowed & (1u << actions[i]))
            continue;
        char want[128];
        snprintf(want, sizeof want, "cannot %s a plan that is %s", ota_action_str(actions[i]),
                 ota_plan_state_str(s));
        int64_t seq = fx_last_seq(f, id);
        fails_with(fx_act(f, id, actions[i]), &f->e, OTA_E_INVALID_TRANSITION, "%s: %s refused",
                   ota_plan_state_str(s), ota_action_str(actions[i]));
        is_str(f->e.message, want, "  message names state and action");
        is_str(f->e.field, "state", "  field is state");
        is_int(fx_state(f, id), s, "  still %s", ota_plan_state_str(s));
        is_int(fx_last_seq(f, id), seq, "  no event recorded");
    }
}

#define BIT(a) (1u << (a))

/* Activated plans are frozen: an edit is refused with not_editable and
 * changes nothing. */
static void frozen(fx *f, int64_t id, ota_plan_state s)
{
    ota_plan p;
    ota_plan_init(&p);
    ota_plan_get(f->eng, id, &p, &f->e);
    int64_t rev = p.revision;
    snprintf(p.name, sizeof p.name, "renamed");
    fails_with(ota_plan_update(f->eng, &p, &f->e), &f->e, OTA_E_NOT_EDITABLE, "%s: an edit is refused",
               ota_plan_state_str(s));
    ota_plan_free(&p);
    ota_plan_init(&p);
    ota_plan_get(f->eng, id, &p, &f->e);
    ok(strcmp(p.name, "renamed") && p.revision == rev, "  name and revision unchanged");
    ota_plan_free(&p);
}

static void test_table(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full});
    ok(id > 0, "a saved plan");
    is_int(fx_state(&f, id), OTA_PLAN_SAVED, "created saved");
    refused_except(&f, id, OTA_PLAN_SAVED, BIT(OTA_ACT_ACTIVATE));

    ota_plan out;
    ota_plan_init(&out);
    ok_call(ota_plan_transition(f.eng, id, OTA_ACT_ACTIVATE, &out, &f.e), &f.e, "saved -> active (activate)");
    is_int(out.state, OTA_PLAN_ACTIVE, "the answer carries the new state");
    ok(out.activated_at == T0, "activated_at is the clock's now");
    ota_plan_free(&out);
    refused_except(&f, id, OTA_PLAN_ACTIVE, BIT(OTA_ACT_PAUSE) | BIT(OTA_ACT_TERMINATE));

    /* frozen */
    ota_plan_init(&out);
    ota_plan_get(f.eng, id, &out, &f.e);
    snprintf(out.name, sizeof out.name, "renamed");
    fails_with(ota_plan_update(f.eng, &out, &f.e), &f.e, OTA_E_NOT_EDITABLE, "an active plan is not editable");
    ota_plan_free(&out);

    ok_call(fx_act(&f, id, OTA_ACT_PAUSE), &f.e, "active -> paused (pause)");
    refused_except(&f, id, OTA_PLAN_PAUSED, BIT(OTA_ACT_RESUME) | BIT(OTA_ACT_TERMINATE));
    ok_call(fx_act(&f, id, OTA_ACT_RESUME), &f.e, "paused -> resume");
    is_int(fx_state(&f, id), OTA_PLAN_ACTIVE, "resume goes back to active (where it was paused from)");

    /* active -> upgrading when the first device starts downloading */
    AUTO_OFFER ota_job_offer o = {0};
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "d1 checks in");
    ok(o.has_job && o.ncomponents == 1 && o.cap == 1, "the offer holds room for its one component only (%zu)",
       o.cap);
    const ota_offer_component *held = o.components;
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "d1 checks in again");
    ok(o.has_job && o.components == held && o.cap == 1, "a reused offer keeps its array: nothing allocated");
    is_int(fx_state(&f, id), OTA_PLAN_ACTIVE, "an offer alone does not make the plan upgrading");
    ok_call(ota_job_report(f.eng, o.job_id, "d1", OTA_JOB_DOWNLOADING, 0, NULL, &f.e), &f.e, "d1 downloads");
    is_int(fx_state(&f, id), OTA_PLAN_UPGRADING, "active -> upgrading at the first download");
    refused_except(&f, id, OTA_PLAN_UPGRADING, BIT(OTA_ACT_PAUSE) | BIT(OTA_ACT_TERMINATE));
    frozen(&f, id, OTA_PLAN_UPGRADING);
    ok_call(fx_act(&f, id, OTA_ACT_PAUSE), &f.e, "upgrading -> paused");
    frozen(&f, id, OTA_PLAN_PAUSED);
    ok_call(fx_act(&f, id, OTA_ACT_RESUME), &f.e, "paused -> resume");
    is_int(fx_state(&f, id), OTA_PLAN_UPGRADING, "resume goes back to upgrading (where it was paused from)");
    ok_call(fx_act(&f, id, OTA_ACT_PAUSE), &f.e, "pause again");
    ok_call(fx_act(&f, id, OTA_ACT_TERMINATE), &f.e, "paused -> terminated");
    refused_except(&f, id, OTA_PLAN_TERMINATED, 0);
    frozen(&f, id, OTA_PLAN_TERMINATED);

    /* terminate straight from active and from upgrading */
    int64_t a = fx_plan(&f, &(plan_spec){.pkg = f.pkg_mcu_full});
    fx_act(&f, a, OTA_ACT_ACTIVATE);
    ok_call(fx_act(&f, a, OTA_ACT_TERMINATE), &f.e, "active -> terminated");
    is_int(fx_state(&f, a), OTA_PLAN_TERMINATED, "  terminated");
    int64_t u = fx_plan(&f, &(plan_spec){.pkg = f.pkg_mcu_full});
    fx_act(&f, u, OTA_ACT_ACTIVATE);
    fx_devices(&f, "meter", "d7=1.1.0", NULL);
    ok_call(fx_checkin(&f, "d7", "1.1.0", &o), &f.e, "d7 checks in to a third plan");
    ok_call(ota_job_report(f.eng, o.job_id, "d7", OTA_JOB_DOWNLOADING, 0, NULL, &f.e), &f.e, "  and downloads");
    is_int(fx_state(&f, u), OTA_PLAN_UPGRADING, "  that plan is upgrading");
    ok_call(fx_act(&f, u, OTA_ACT_TERMINATE), &f.e, "upgrading -> terminated");
    is_int(fx_state(&f, u), OTA_PLAN_TERMINATED, "  terminated");

    /* the clock ends active, upgrading and paused plans */
    int64_t p1 = fx_plan(&f, &(plan_spec){.pkg = f.pkg_mcu_full, .end = T0 + HOUR});
    int64_t p2 = fx_plan(&f, &(plan_spec){.pkg = f.pkg_mcu_full, .end = T0 + 2 * HOUR});
    fx_act(&f, p1, OTA_ACT_ACTIVATE);
    fx_act(&f, p2, OTA_ACT_ACTIVATE);
    fx_act(&f, p2, OTA_ACT_PAUSE);
    f.clock.t = T0 + HOUR - 1;
    is_int(fx_state(&f, p1), OTA_PLAN_ACTIVE, "one second before the end: still active");
    f.clock.t = T0 + HOUR;
    is_int(fx_state(&f, p1), OTA_PLAN_ENDED, "active -> ended when the window's end passes");
    is_int(fx_state(&f, p2), OTA_PLAN_PAUSED, "the other plan's window has not ended");
    f.clock.t = T0 + 3 * HOUR;
    ok_call(ota_engine_tick(f.eng, &f.e), &f.e, "tick");
    is_int(fx_state(&f, p2), OTA_PLAN_ENDED, "paused -> ended by the clock");
    refused_except(&f, p1, OTA_PLAN_ENDED, 0);
    frozen(&f, p1, OTA_PLAN_ENDED);

    /* events of a plan: one per transition, in order */
    ota_event_page ev;
    ok_call(ota_plan_events(f.eng, id, 0, 0, &ev, &f.e), &f.e, "events of the first plan");
    const char *want[][2] = {{"saved", "active"}, {"active", "paused"}, {"paused", "active"}};
    int in_order = ev.n >= 3;
    for (size_t i = 0; in_order && i < 3; i++)
        in_order = !ev.items[i].device[0] && !strcmp(ev.items[i].from, want[i][0]) &&
                   !strcmp(ev.items[i].to, want[i][1]);
    ok(in_order, "plan events saved->active, active->paused, paused->active come first");
    int increasing = 1;
    for (size_t i = 1; i < ev.n; i++)
        increasing &= ev.items[i].seq > ev.items[i - 1].seq;
    ok(increasing, "sequence numbers increase");
    ok(ev.n >= 3 && ev.items[0].at == T0, "each event carries the clock's time");
    is_int(ev.last_seq, ev.items[ev.n - 1].seq, "last_seq is the newest event");
    int64_t mid = ev.items[1].seq;
    size_t total = ev.n;
    ota_event_page_free(&ev);
    ok_call(ota_plan_events(f.eng, id, mid, 0, &ev, &f.e), &f.e, "events since a sequence number");
    is_int(ev.n, total - 2, "only the later ones");
    ota_event_page_free(&ev);
    ok_call(ota_plan_events(f.eng, p2, 0, 0, &ev, &f.e), &f.e, "events of the plan the clock ended");
    int ended_at = 0, expired_at = 0;
    for (size_t i = 0; i < ev.n; i++) {
        if (!ev.items[i].device[0] && !strcmp(ev.items[i].from, "paused") && !strcmp(ev.items[i].to, "ended"))
            ended_at = ev.items[i].at == T0 + 3 * HOUR;
        if (ev.items[i].device[0] && !strcmp(ev.items[i].to, "expired"))
            expired_at += ev.items[i].at == T0 + 3 * HOUR;
    }
    ok(ended_at, "  paused -> ended, at the time the clock read");
    is_int(expired_at, 3, "  its waiting jobs expired at that time, each with its event");
    ota_event_page_free(&ev);
    fails_with(ota_plan_events(f.eng, 9999, 0, 0, &ev, &f.e), &f.e, OTA_E_NOT_FOUND, "events of no plan");
    fails_with(fx_act(&f, 9999, OTA_ACT_PAUSE), &f.e, OTA_E_NOT_FOUND, "transition of no plan");
    fx_close(&f);
}

static void test_activation_prerequisites(void)
{
    fx f;
    fx_open(&f);
    /* a window that has already passed */
    int64_t old = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .start = T0 - 48 * HOUR, .end = T0 - HOUR});
    fails_with(fx_act(&f, old, OTA_ACT_ACTIVATE), &f.e, OTA_E_VALIDATION, "a plan whose window ended is refused");
    is_str(f.e.field, "window.end", "  field window.end");
    is_int(fx_state(&f, old), OTA_PLAN_SAVED, "  and stays saved");

    /* a package whose stored file no longer verifies */
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_mcu_full});
    ota_package pkg;
    ota_package_get(f.eng, f.pkg_mcu_full, &pkg, &f.e);
    char path[1024];
    ota_blob_path(f.eng, pkg.files[0].sha256, path, sizeof path);
    chmod(path, 0600);
    FILE *fp = fopen(path, "ab");
    ok(fp != NULL, "corrupt the stored blob of the mcu package");
    if (fp) {
        fputs("tampered", fp);
        fclose(fp);
    }
    /* a package deleted after the plan was saved (allowed: the plan is saved) */
    int64_t gone = fx_package(&f, "module", OTA_KIND_FULL, "1.3.0", NULL, "module-13.bin");
    int64_t orphan = fx_plan(&f, &(plan_spec){.pkg = gone});
    ok_call(ota_package_delete(f.eng, gone, &f.e), &f.e, "delete the package of a saved plan");
    fails_with(fx_act(&f, orphan, OTA_ACT_ACTIVATE), &f.e, OTA_E_VALIDATION,
               "a plan whose package no longer exists is refused");
    is_str(f.e.field, "components", "  naming its components (the deleted package left none): %s", f.e.message);
    is_int(fx_state(&f, orphan), OTA_PLAN_SAVED, "  and the plan stays saved");
    /* the same plan activates once its package is back */
    ota_plan re;
    ota_plan_init(&re);
    ota_plan_get(f.eng, orphan, &re, &f.e);
    snprintf(re.components[0].component, sizeof re.components[0].component, "module");
    re.components[0].package_id = f.pkg_module_full;
    re.ncomponents = 1;
    ok_call(ota_plan_update(f.eng, &re, &f.e), &f.e, "  point it at an existing package");
    ota_plan_free(&re);
    ok_call(fx_act(&f, orphan, OTA_ACT_ACTIVATE), &f.e, "  then it activates");

    fails_with(fx_act(&f, id, OTA_ACT_ACTIVATE), &f.e, OTA_E_VALIDATION, "a package that does not verify is refused");
    is_str(f.e.field, "components", "  field components");
    ok(strstr(f.e.message, "mcu") != NULL, "  message names the component: %s", f.e.message);
    is_int(fx_state(&f, id), OTA_PLAN_SAVED, "  and the plan stays saved");
    is_int(fx_last_seq(&f, id), 0, "  with no event");
    fx_close(&f);
}

/* Job rows on activation: every device of the product the lists let through. */
static void test_targeting(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.1.0", "d3=1.1.0", "d4=1.0.0", "d5=1.1.0", "d6=1.1.0", NULL);
    fx_devices(&f, "other", "x1=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_diff, .black = "d1,d2,x1", .white = "d2,d3,d4,x1"});
    ota_preview pv;
    ok_call(ota_plan_preview(f.eng, id, &pv, &f.e), &f.e, "preview of a saved plan");
    is_int(pv.blacklisted, 2, "preview: d1 and d2 blacklisted (d2 is on both lists: blacklist wins)");
    is_int(pv.not_whitelisted, 2, "preview: d5 and d6 not whitelisted");
    is_int(pv.version_mismatch, 1, "preview: d4 is at 1.0.0, the diff needs 1.1.0");
    is_int(pv.targeted, 1, "preview: d3 targeted");
    ok_call(fx_act(&f, id, OTA_ACT_ACTIVATE), &f.e, "activate");
    is_int(fx_count(&f, id, OTA_JOB_PENDING), 2, "pending jobs for d3 and d4 only");
    ok(fx_counts_match(&f, id), "plan_counts equal the job rows");
    AUTO_OFFER ota_job_offer o = {0};
    ok_call(fx_checkin(&f, "d1", "1.1.0", &o), &f.e, "blacklisted d1 checks in");
    ok(!o.has_job, "  gets no job");
    ok_call(fx_checkin(&f, "d2", "1.1.0", &o), &f.e, "d2 (on both lists) checks in");
    ok(!o.has_job, "  gets no job");
    ok_call(fx_checkin(&f, "d5", "1.1.0", &o), &f.e, "d5 (not whitelisted) checks in");
    ok(!o.has_job, "  gets no job");
    ok_call(fx_checkin(&f, "d4", "1.0.0", &o), &f.e, "d4 at 1.0.0 checks in");
    ok(!o.has_job, "  gets no job: the diff's source is 1.1.0");
    is_str(fx_reason(&f, id, "d4"), "version", "  pending with reason version");
    ok_call(fx_checkin(&f, "d3", "1.1.0", &o), &f.e, "d3 checks in");
    ok(o.has_job && o.state == OTA_JOB_OFFERED && o.ncomponents == 1, "  is offered the module");
    is_str(o.components[0].component, "module", "  component module");
    is_str(o.components[0].version, "1.2.0", "  version 1.2.0");
    is_int(o.components[0].kind, OTA_KIND_DIFF, "  kind diff");
    is_str(o.components[0].source_version, "1.1.0", "  from 1.1.0");
    ok(o.components[0].nfiles == 1 && strlen(o.components[0].files[0].sha256) == 64 &&
           o.components[0].files[0].size > 0, "  with its file, size and SHA-256");
    ok_call(fx_checkin(&f, "d4", "1.1.0", &o), &f.e, "d4 reports 1.1.0 (upgraded elsewhere)");
    ok(o.has_job, "  now it is offered");
    ok(fx_counts_match(&f, id), "plan_counts equal the job rows");
    fx_close(&f);
}

int main(void)
{
    test_table();
    test_activation_prerequisites();
    test_targeting();
    return tap_done();
}
