/* The console's staged-rollout words and figures (tui/rollout_text.c):
 * wave sizes typed as text (shape only, core judges the rest), deferral
 * reasons in words, day runs, summaries, the brake's figures and taking
 * the rollout part of a status. */
#include <string.h>
#include "../../tap.h"
#include "../../../tui/rollout.h"

static void waves(void)
{
    ota_wave_size w[OTA_MAX_WAVES];
    size_t n = 99;
    char msg[200], buf[400];
    is_int(rollout_waves_parse("1% 200, 100%", w, &n, msg, sizeof msg), 0, "\"1%% 200, 100%%\" parses");
    is_int(n, 3, "three waves");
    ok(w[0].percent && w[0].value == 1, "a percentage");
    ok(!w[1].percent && w[1].value == 200, "a device count");
    ok(w[2].percent && w[2].value == 100, "the last 100%%");
    is_str(rollout_waves_text(w, n, buf, sizeof buf), "1% 200 100%", "and back as text");
    is_int(rollout_waves_parse("  ", w, &n, msg, sizeof msg), 0, "blank: no waves (core says how many)");
    is_int(n, 0, "none");
    is_int(rollout_waves_parse("5% x7 100%", w, &n, msg, sizeof msg), -1, "a word is refused");
    is_str(msg, "rollout.waves[1].size: \"N%\" or a device count, got \"x7\"", "naming the wave's field");
    is_int(rollout_waves_parse("5%%", w, &n, msg, sizeof msg), -1, "two percent signs are refused");
    is_int(rollout_waves_parse("-5", w, &n, msg, sizeof msg), -1, "a sign is not a count");
    char many[200] = "";
    for (int i = 1; i <= OTA_MAX_WAVES + 1; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%d ", i);
    is_int(rollout_waves_parse(many, w, &n, msg, sizeof msg), -1, "21 waves do not fit");
    is_str(msg, "rollout.waves: at most 20 waves", "named");
    /* ranges and order stay core's: the parsed shape goes to ota_validate_rollout */
    ota_plan p;
    ota_plan_init(&p);
    ota_err e;
    is_int(rollout_waves_parse("10% 50", p.rollout.waves, &p.rollout.nwaves, msg, sizeof msg), 0,
           "\"10%% 50\" has a good shape");
    is_int(ota_validate_rollout(&p.rollout, &e), -1, "core refuses it");
    is_str(e.field, "rollout.waves[1].size", "naming the last wave");
    rollout_waves_parse("10% 0% 100%", p.rollout.waves, &p.rollout.nwaves, msg, sizeof msg);
    is_int(ota_validate_rollout(&p.rollout, &e), -1, "0%% is core's to refuse");
    is_str(e.field, "rollout.waves[1].size", "with its field");
}

static void words(void)
{
    is_str(rollout_reason_words("wave"), "later wave", "wave in words");
    is_str(rollout_reason_words("rate_limit"), "rate limit", "rate_limit in words");
    is_str(rollout_reason_words("maintenance_window"), "maint window", "maintenance_window in words");
    is_str(rollout_reason_words(""), "-", "no reason");
    is_str(rollout_reason_words("new_reason"), "new_reason", "an unknown word as it is");
    ok(strlen(rollout_reason_words("maintenance_window")) <= 12, "fits the 12-column reason cell");
    char d[64];
    is_str(rollout_days_text(0x1f, d, sizeof d), "mon-fri", "a run of weekdays");
    is_str(rollout_days_text(OTA_DAYS_ALL, d, sizeof d), "every day", "all days");
    is_str(rollout_days_text(0x03, d, sizeof d), "mon,tue", "two days are listed");
    is_str(rollout_days_text((1u << 0) | (1u << 2) | (1u << 6), d, sizeof d), "mon,wed,sun", "scattered days");
    is_str(rollout_days_text(0, d, sizeof d), "no day", "none");
}

static void summaries(void)
{
    ota_plan p;
    ota_plan_init(&p);
    char b[300];
    is_str(rollout_summary(&p, b, sizeof b), "all at once", "no rollout");
    is_str(maintenance_summary(&p, b, sizeof b), "any time", "no maintenance");
    p.has_rollout = true;
    p.rollout.nwaves = 2;
    p.rollout.waves[0] = (ota_wave_size){true, 10};
    p.rollout.waves[1] = (ota_wave_size){true, 100};
    p.rollout.failure_threshold = 5;
    p.rollout.advance = OTA_ADVANCE_MANUAL;
    is_str(rollout_summary(&p, b, sizeof b), "2 waves 10% 100% · manual · brake 5%", "a rollout");
    p.has_maintenance = true;
    strcpy(p.maintenance.timezone, "Europe/Berlin");
    p.maintenance.nwindows = 2;
    p.maintenance.windows[0] = (ota_mw_window){0x1f, 60, 300};
    p.maintenance.device_timezone = true;
    is_str(maintenance_summary(&p, b, sizeof b), "Europe/Berlin mon-fri 01:00-05:00 +more · device zone",
           "a maintenance window");
}

static void status(void)
{
    ota_plan_status st, dst;
    memset(&st, 0, sizeof st);
    memset(&dst, 0, sizeof dst);
    st.nwaves = 3;
    st.waves[0] = (struct ota_wave_status){{true, 10}, 20, OTA_WAVE_DONE, 18, 2};
    st.waves[1] = (struct ota_wave_status){{false, 100}, 80, OTA_WAVE_OPEN, 30, 10};
    st.waves[2] = (struct ota_wave_status){{true, 100}, 100, OTA_WAVE_WAITING, 0, 7};
    st.current_wave = 1;
    brake_figures b = rollout_brake_figures(&st);
    is_int(b.finished, 60, "finished over the waves that are not waiting");
    is_int(b.failed, 12, "failed likewise");
    is_int(b.pct, 20, "as a share");
    ok(!rollout_brake_tripped(&st), "no brake without a paused reason or drafts");
    strcpy(st.paused_reason, OTA_PAUSED_FAILURE_THRESHOLD);
    ok(rollout_brake_tripped(&st), "a paused reason is a tripped brake");
    st.paused_reason[0] = '\0';
    st.nrollback_plans = 1;
    st.rollback_plans[0] = 9;
    ok(rollout_brake_tripped(&st), "rollback drafts are too");
    ok(rollout_status_take(&dst, &st), "taking a new rollout part changes it");
    is_int(dst.nwaves, 3, "waves taken");
    is_int(dst.current_wave, 1, "current wave taken");
    is_int(dst.rollback_plans[0], 9, "drafts taken");
    ok(!rollout_status_take(&dst, &st), "the same again changes nothing");
    st.waves[1].failed++;
    ok(rollout_status_take(&dst, &st), "one more failure is a change");
    is_int(dst.waves[1].failed, 11, "and is taken");
}

int main(void)
{
    waves();
    words();
    summaries();
    status();
    return tap_done();
}
