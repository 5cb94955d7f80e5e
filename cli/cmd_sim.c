/* otactl sim: drive the fleet simulator against the local engine.
 *
 * Time is a fake clock that starts now (or at the plan's window start, if
 * later) and advances tick_seconds per step, so an hour of rollout runs in
 * moments and a run is repeatable with the same seed.  A staged plan's
 * moves are reported as the engine's status shows them: one line per wave
 * opened, one when the failure brake trips (the open waves' failed and
 * finished devices against the plan's failure_threshold). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "otactl.h"

#define SIM_MAX_PLANS 64
#define SIM_UNTIL_DONE_CAP 100000  /* ticks: a plan whose devices never finish still stops */

typedef struct sim_run {
    int64_t plans[SIM_MAX_PLANS];
    size_t nplans;
    long targeted;                  /* summed preview at the start */
    /* per plan: its rollout and what status said last (to report changes) */
    struct sim_seen {
        bool has_rollout;
        ota_rollout rollout;
        ota_plan_state state;
        int current_wave;
        bool braked;
    } seen[SIM_MAX_PLANS];
    json_t *moves;                  /* --json: the waves opened and brakes tripped */
} sim_run;

/* The plans the simulator drives: the one asked for, else every running one. */
static int sim_plans(ota_backend *b, int64_t plan, sim_run *r, ota_err *e)
{
    r->nplans = 0;
    if (plan) {
        r->plans[r->nplans++] = plan;
    } else {
        for (int k = 0; k < OTA_PLAN__COUNT; k++) {
            if (!ota_plan_is_live((ota_plan_state)k))
                continue;
            ota_page_req pg = {.limit = OTA_LIST_MAX};
            ota_plan_page page = {0};
            if (b->ops->plan_list(b, (ota_plan_state)k, NULL, &pg, &page, e) < 0)
                return -1;
            for (size_t i = 0; i < page.n && r->nplans < SIM_MAX_PLANS; i++)
                r->plans[r->nplans++] = page.items[i].id;
            ota_plan_page_free(&page);
        }
    }
    r->targeted = 0;
    for (size_t i = 0; i < r->nplans; i++) {
        ota_preview pv;
        if (b->ops->plan_preview(b, r->plans[i], &pv, e) < 0)
            return -1;
        r->targeted += pv.targeted;
        ota_plan p;
        if (b->ops->plan_get(b, r->plans[i], &p, e) < 0)
            return -1;
        r->seen[i].has_rollout = p.has_rollout;
        r->seen[i].rollout = p.rollout;
        ota_plan_free(&p);
        ota_plan_status st;
        if (b->ops->plan_status_get(b, r->plans[i], &st, e) < 0)
            return -1;
        r->seen[i].state = st.state;
        r->seen[i].current_wave = st.current_wave;
        r->seen[i].braked = st.paused_reason[0] != 0;
    }
    return 0;
}

/* The open waves' figures from status, as the brake weighs them. */
static void open_waves(const ota_plan_status *s, long *finished, long *failed)
{
    *finished = *failed = 0;
    for (size_t k = 0; k < s->nwaves && (int)k <= s->current_wave; k++) {
        *finished += s->waves[k].succeeded + s->waves[k].failed;
        *failed += s->waves[k].failed;
    }
}

/* Reports what moved in plan i since the last tick: waves opened, the brake
 * tripped (paused with paused_reason failure_threshold, or terminated with
 * the open waves past the threshold, as core's ota_brake_trips says). */
static void sim_moves(sim_run *r, size_t i, long tick, const ota_plan_status *s, bool print)
{
    struct sim_seen *w = &r->seen[i];
    long long id = (long long)r->plans[i];
    for (int k = w->current_wave + 1; k <= s->current_wave && (size_t)k < s->nwaves; k++) {
        char sz[24];
        ota_wave_size_format(&s->waves[k].size, sz, sizeof sz);
        if (print)
            printf("tick %-5ld plan %lld: wave %d of %zu opened (size %s, %ld devices)\n", tick, id, k,
                   s->nwaves, sz, s->waves[k].devices);
        if (r->moves)
            json_array_append_new(r->moves, json_pack("{s:s, s:I, s:I, s:i, s:s, s:I}", "event", "wave_opened",
                                                      "tick", (json_int_t)tick, "plan", (json_int_t)id, "wave", k,
                                                      "size", sz, "devices", (json_int_t)s->waves[k].devices));
    }
    long finished, failed;
    open_waves(s, &finished, &failed);
    bool braked = !strcmp(s->paused_reason, OTA_PAUSED_FAILURE_THRESHOLD) ||
                  (s->state == OTA_PLAN_TERMINATED && w->state != OTA_PLAN_TERMINATED && w->has_rollout &&
                   ota_brake_trips(&w->rollout, finished, failed));
    if (braked && !w->braked) {
        const char *st = ota_plan_state_str(s->state);
        if (print) {
            printf("tick %-5ld plan %lld: failure brake tripped: %ld of %ld finished failed (threshold %d%%), "
                   "plan %s%s", tick, id, failed, finished, w->rollout.failure_threshold, st,
                   s->paused_reason[0] ? " (failure_threshold)" : "");
            if (s->nrollback_plans) {
                printf(", rollback drafts saved:");
                for (size_t k = 0; k < s->nrollback_plans; k++)
                    printf(" %lld", (long long)s->rollback_plans[k]);
            }
            printf("\n");
        }
        if (r->moves) {
            json_t *rb = json_array();
            for (size_t k = 0; k < s->nrollback_plans; k++)
                json_array_append_new(rb, json_integer(s->rollback_plans[k]));
            json_array_append_new(r->moves, json_pack("{s:s, s:I, s:I, s:I, s:I, s:i, s:s, s:s, s:o}", "event",
                                                      "brake", "tick", (json_int_t)tick, "plan", (json_int_t)id,
                                                      "failed", (json_int_t)failed, "finished", (json_int_t)finished,
                                                      "failure_threshold", w->rollout.failure_threshold, "state", st,
                                                      "paused_reason", s->paused_reason, "rollback_plans", rb));
        }
    }
    w->braked = braked;
    w->state = s->state;
    if (s->current_wave > w->current_wave)
        w->current_wave = s->current_wave;
}

/* Sums the status of every driven plan and reports their moves; *done when
 * none has work left (a plan the brake paused waits for an operator). */
static int sim_status(ota_backend *b, sim_run *r, long tick, bool print, ota_plan_status *sum, bool *done,
                      ota_err *e)
{
    memset(sum, 0, sizeof *sum);
    long finished = 0, waiting = 0;
    bool all_final = r->nplans > 0;
    for (size_t i = 0; i < r->nplans; i++) {
        ota_plan_status s;
        if (b->ops->plan_status_get(b, r->plans[i], &s, e) < 0)
            return -1;
        sim_moves(r, i, tick, &s, print);
        for (int k = 0; k < OTA_JOB__COUNT; k++)
            sum->counts[k] += s.counts[k];
        if (i == 0 || s.state > sum->state)
            sum->state = s.state;
        if (!ota_plan_is_final(s.state) && !s.paused_reason[0])
            all_final = false;
    }
    for (int k = 0; k < OTA_JOB__COUNT; k++) {
        if (ota_job_is_final((ota_job_state)k))
            finished += sum->counts[k];
        else
            waiting += sum->counts[k];
    }
    *done = all_final || (waiting == 0 && finished > 0 && finished >= r->targeted);
    return 0;
}

/* Time of a plan's newest event (0 if none), -1 on error. */
static int64_t last_event_time(ota_backend *b, int64_t plan, ota_err *e)
{
    ota_plan_status st;
    if (b->ops->plan_status_get(b, plan, &st, e) < 0)
        return -1;
    if (st.last_seq < 1)
        return 0;
    ota_event_page page = {0};
    if (b->ops->plan_events(b, plan, st.last_seq - 1, 1, &page, e) < 0)
        return -1;
    int64_t at = page.n ? page.items[0].at : 0;
    ota_event_page_free(&page);
    return at;
}

static void sim_line(long tick, int64_t now, const ota_plan_status *s, size_t nplans)
{
    char tb[40];
    printf("tick %-5ld %s  ", tick, ota_time_format(now, tb, sizeof tb));
    if (nplans == 1) {
        print_status_line(s);
        return;
    }
    /* several plans: their states differ, only the job counts add up */
    printf("%zu plans ", nplans);
    for (int i = 0; i < OTA_JOB__COUNT; i++)
        printf("  %s %ld", ota_job_state_str((ota_job_state)i), s->counts[i]);
    printf("\n");
}

int cmd_sim(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("plan", true),         OPT("seed", true),         OPT("ticks", true),
                      OPT("until-done", false),  OPT("rate", true),         OPT("failure-rate", true),
                      OPT("tick-seconds", true), OPT("quiet", false),       OPT_END};
    char *pos[1];
    int n;
    int64_t plan = 0;
    long seed = 1, ticks = 10, tick_seconds = 60;
    double rate = 0.05, failure = 0.05;
    if (cli_args(c, argc, argv, opts, pos, &n, 0, 0) < 0 ||
        (opts[0].set && cli_parse_id(c, opts[0].val, "--plan", &plan) < 0) ||
        (opts[1].set && cli_parse_int(c, opts[1].val, "--seed", 0, LONG_MAX, &seed) < 0) ||
        (opts[2].set && cli_parse_int(c, opts[2].val, "--ticks", 1, 10000000, &ticks) < 0) ||
        (opts[4].set && cli_parse_double(c, opts[4].val, "--rate", 0, 1, &rate) < 0) ||
        (opts[5].set && cli_parse_double(c, opts[5].val, "--failure-rate", 0, 1, &failure) < 0) ||
        (opts[6].set && cli_parse_int(c, opts[6].val, "--tick-seconds", 1, 86400, &tick_seconds) < 0))
        return CLI_USAGE;
    if (opts[2].set && opts[3].set)
        return cli_usage(c, "--ticks and --until-done exclude each other");
    bool until_done = opts[3].set, quiet = opts[7].set;
    if (until_done)
        ticks = SIM_UNTIL_DONE_CAP;

    /* the clock starts at the plan's window if that lies ahead */
    int64_t t0 = ota_clock_now(NULL);
    ota_err e = {0};
    if (plan) {
        ota_backend *probe = cli_backend(c);
        if (!probe)
            return CLI_REFUSED;
        ota_plan p;
        if (probe->ops->plan_get(probe, plan, &p, &e) < 0)
            return cli_fail(&e);
        if (p.window_start > t0)
            t0 = p.window_start;
        ota_plan_free(&p);
        ota_backend_close(probe);
        c->b = NULL;
    }
    ota_backend *b = cli_backend_fake(c, t0);
    if (!b)
        return CLI_REFUSED;
    ota_engine *eng = ota_backend_local_engine(b);
    sim_run run = {0};
    if (sim_plans(b, plan, &run, &e) < 0)
        return cli_fail(&e);
    if (!run.nplans)
        return cli_refuse(OTA_E_NOT_FOUND, "plan", "no active, upgrading or paused plan to simulate");
    /* an earlier run may have left the plans' clock ahead of now: never go back */
    for (size_t i = 0; i < run.nplans; i++) {
        int64_t last = last_event_time(b, run.plans[i], &e);
        if (last < 0)
            return cli_fail(&e);
        if (last > c->fake.t)
            c->fake.t = last;
    }

    ota_sim_opts so = {.seed = (uint64_t)seed, .plan_id = plan, .online_per_tick = rate,
                       .failure_rate = failure, .confirm_delay = 2, .download_ticks = 3,
                       .install_ticks = 2, .tick_seconds = (int)tick_seconds};
    ota_sim *sim = ota_sim_new(eng, &so, &e);
    if (!sim)
        return cli_fail(&e);
    run.moves = c->json ? json_array() : NULL;
    ota_plan_status sum = {0};
    bool done = false;
    long tick;
    int rc = CLI_OK;
    for (tick = 1; tick <= ticks && !done; tick++) {
        c->fake.t += tick_seconds;
        if (ota_sim_step(sim, &e) < 0 || ota_engine_tick(eng, &e) < 0 ||
            sim_status(b, &run, tick, !c->json, &sum, &done, &e) < 0) {
            rc = cli_fail(&e);
            break;
        }
        if (!quiet && !c->json)
            sim_line(tick, c->fake.t, &sum, run.nplans);
    }
    ota_sim_free(sim);
    if (rc != CLI_OK) {
        json_decref(run.moves);
        return rc;
    }
    if (c->json) {
        json_t *j = ota_json_status(&sum);
        json_object_del(j, "revision");
        json_object_del(j, "last_seq");
        json_object_set_new(j, "ticks", json_integer(tick - 1));
        json_object_set_new(j, "done", json_boolean(done));
        json_object_set_new(j, "moves", run.moves);
        cli_print_json(j);
    } else {
        if (quiet)
            sim_line(tick - 1, c->fake.t, &sum, run.nplans);
        printf("%s after %ld ticks\n", done ? "done" : "stopped", tick - 1);
    }
    return CLI_OK;
}
