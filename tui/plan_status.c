/* plan_status.c: live status of one plan.  Loads the plan, its counts, a
 * page of its devices and the tail of its events once; after that it
 * follows the events feed (ota_plan_events since the last seq) and applies
 * each event to the counts, the device rows and the tail, instead of
 * re-reading everything.  A cheap counts check every few seconds guards
 * against drift; the device page is re-read only when events touched it.
 * Enter on a device row shows its detail in the table's place
 * (device_detail.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "device_detail.h"
#include "modal.h"
#include "msgtext.h"
#include "remote.h"
#include "rollout.h"
#include "tui.h"

#define TAIL_MAX   64
#define RATE_MAX   4096
#define DEV_LIMIT  200

static struct {
    int64_t id;
    int64_t gen;                 ///< bumped on open: older results are dropped
    ota_plan plan; bool have_plan;
    ota_plan_status st; bool have_status;
    int64_t last_seq;
    /* The calls in flight (worker ids, 0 none).  Asked through worker_live
     * rather than kept as flags: a call cancelled with Esc never runs its
     * done callback, and a flag would then stay set and freeze the pane. */
    uint64_t events_call, status_call, devices_call, plan_call;
    int ticks, ticks_since_check;
    ota_event tail[TAIL_MAX]; int ntail;    ///< newest last
    ota_job_row *rows; size_t nrows;
    listview lv;
    int filter;                  ///< job state, -1 all
    bool devices_stale;          ///< events touched devices since the last page
    int64_t done_at[RATE_MAX]; int ndone;   ///< engine time of finished jobs (rate)
    char sig[256];               ///< time-dependent text last drawn (time left, rate)
} S = {.filter = -1};

static void status_load(app *a);
static void devices_load(app *a);
static void plan_load(app *a);

static bool busy(app *a, uint64_t call_id)
{
    return call_id && worker_live(a->w, call_id);
}
static void events_load(app *a, int64_t since);

/* ---------------------------------------------------------------- rate */
static void rate_note(int64_t at)
{
    if (S.ndone == RATE_MAX) {
        memmove(S.done_at, S.done_at + 1, (RATE_MAX - 1) * sizeof *S.done_at);
        S.ndone--;
    }
    S.done_at[S.ndone++] = at;
}

/* Devices finished per minute over the 5 minutes before the latest
 * finish.  Anchored at the latest event rather than the clock, so the
 * figure (and the ETA) only moves when events do: an idle screen stays
 * byte-for-byte the same. */
static double rate_per_min(int64_t now)
{
    (void)now;
    if (S.ndone == 0)
        return 0;
    now = S.done_at[S.ndone - 1];
    int n = 0;
    for (int i = 0; i < S.ndone; i++)
        if (S.done_at[i] > now - 300)
            n++;
    if (n == 0)
        return 0;
    int64_t first = now;
    for (int i = 0; i < S.ndone; i++)
        if (S.done_at[i] > now - 300 && S.done_at[i] < first)
            first = S.done_at[i];
    int64_t span = now - first;
    if (span < 60)
        span = 60;   /* no wild rates from a first burst */
    return n * 60.0 / (double)span;
}

/* -------------------------------------------------------------- loading */
static void plan_done(app *a, call *c)
{
    if (c->tag != S.gen)
        return;
    S.plan_call = 0;
    if (c->rc) {
        char what[64];
        snprintf(what, sizeof what, "Could not load plan %lld", (long long)S.id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    ota_plan *got = &CALL_OP(c, plan_get)->out;
    ota_plan_free(&S.plan);
    S.plan = *got;
    ota_plan_init(got);
    S.have_plan = true;
    app_dirty(a, D_BODY);
}

static void plan_load(app *a)
{
    if (busy(a, S.plan_call))
        return;
    call *c = call_plan_get(PANE_PLAN_STATUS, plan_done);
    CALL_OP(c, plan_get)->id = S.id;
    c->tag = S.gen;
    S.plan_call = app_submit(a, c);
}

static void status_done(app *a, call *c)
{
    if (c->tag != S.gen)
        return;
    S.status_call = 0;
    if (c->rc) {
        char what[64];
        snprintf(what, sizeof what, "Could not load the status of plan %lld", (long long)S.id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    const ota_plan_status *st = &CALL_OP(c, plan_status_get)->out;
    bool first = !S.have_status;
    if (first || memcmp(&S.st.counts, &st->counts, sizeof S.st.counts) ||
        S.st.state != st->state) {
        S.st.state = st->state;
        memcpy(S.st.counts, st->counts, sizeof S.st.counts);
        app_dirty(a, D_BODY);
    }
    if (rollout_status_take(&S.st, st))
        app_dirty(a, D_BODY);
    S.have_status = true;
    if (first) {
        /* the tail starts a little before now; then we follow from here */
        S.last_seq = st->last_seq;
        events_load(a, st->last_seq > 20 ? st->last_seq - 20 : 0);
    }
}

static void status_load(app *a)
{
    if (busy(a, S.status_call))
        return;
    call *c = call_plan_status_get(PANE_PLAN_STATUS, status_done);
    CALL_OP(c, plan_status_get)->id = S.id;
    c->tag = S.gen;
    S.status_call = app_submit(a, c);
}

static void devices_done(app *a, call *c)
{
    if (c->tag != S.gen)
        return;
    S.devices_call = 0;
    if (c->rc) {
        char what[64];
        snprintf(what, sizeof what, "Could not load the devices of plan %lld", (long long)S.id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    ota_job_page *jobs = &CALL_OP(c, plan_devices)->out;
    bool same = jobs->n == S.nrows &&
                (S.nrows == 0 || !memcmp(S.rows, jobs->items, S.nrows * sizeof *S.rows));
    if (!same) {
        free(S.rows);
        S.rows = jobs->items;
        S.nrows = jobs->n;
        jobs->items = NULL;
        jobs->n = 0;
        S.lv.n = (int)S.nrows;
        app_dirty(a, D_BODY);
    }
}

static void devices_load(app *a)
{
    if (busy(a, S.devices_call))
        return;
    S.devices_stale = false;
    call *c = call_plan_devices(PANE_PLAN_STATUS, devices_done);
    op_plan_devices *d = CALL_OP(c, plan_devices);
    d->id = S.id;
    c->tag = S.gen;
    d->state = S.filter;
    d->pg.limit = DEV_LIMIT;
    S.devices_call = app_submit(a, c);
}

static void apply_event(app *a, const ota_event *ev, bool counts)
{
    if (ev->device[0]) {
        ota_job_state from, to;
        bool has_from = ota_job_state_parse(ev->from, &from) == 0;
        bool has_to = ota_job_state_parse(ev->to, &to) == 0;
        if (counts && has_from && S.st.counts[from] > 0)
            S.st.counts[from]--;
        if (counts && has_to)
            S.st.counts[to]++;
        if (has_to && (to == OTA_JOB_SUCCEEDED || to == OTA_JOB_FAILED))
            rate_note(ev->at);
        for (size_t i = 0; i < S.nrows; i++)
            if (!strcmp(S.rows[i].device, ev->device) && has_to) {
                S.rows[i].state = to;
                S.rows[i].updated_at = ev->at;
                if (to == OTA_JOB_PENDING && has_from && from == OTA_JOB_FAILED)
                    S.rows[i].attempt++;
                break;
            }
        S.devices_stale = true;
    } else {
        ota_plan_state ps;
        if (counts && ota_plan_state_parse(ev->to, &ps) == 0) {
            S.st.state = ps;
            S.plan.state = ps;
        }
    }
    if (S.ntail == TAIL_MAX) {
        memmove(S.tail, S.tail + 1, (TAIL_MAX - 1) * sizeof *S.tail);
        S.ntail--;
    }
    S.tail[S.ntail++] = *ev;
    (void)a;
}

static void events_done(app *a, call *c)
{
    if (c->tag != S.gen)
        return;
    S.events_call = 0;
    if (c->rc) {
        char what[64];
        snprintf(what, sizeof what, "Could not load the events of plan %lld", (long long)S.id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    const op_plan_events *ev_op = CALL_OP(c, plan_events);
    const ota_event_page *evs = &ev_op->out;
    for (size_t i = 0; i < evs->n; i++) {
        const ota_event *ev = &evs->items[i];
        /* events up to the status's last_seq are already in its counts */
        apply_event(a, ev, ev->seq > S.last_seq);
        if (ev->seq > S.last_seq)
            S.last_seq = ev->seq;
    }
    if (evs->last_seq > S.last_seq)
        S.last_seq = evs->last_seq;
    if (evs->n) {
        app_dirty(a, D_BODY);
        S.ticks_since_check = 0;
    }
    if (evs->n >= (size_t)ev_op->limit)
        events_load(a, S.last_seq);   /* more waiting: keep reading */
}

static void events_load(app *a, int64_t since)
{
    if (busy(a, S.events_call))
        return;
    call *c = call_plan_events(PANE_PLAN_STATUS, events_done);
    op_plan_events *ev = CALL_OP(c, plan_events);
    ev->id = S.id;
    c->tag = S.gen;
    ev->since = since;
    ev->limit = 500;
    S.events_call = app_submit(a, c);
}

void plan_status_open(app *a, int64_t id)
{
    if (id != S.id || !S.have_plan) {
        worker_cancel(a->w, PANE_PLAN_STATUS);
        ota_plan_free(&S.plan);
        free(S.rows);
        device_detail_close();
        int filter = S.filter;
        memset(&S, 0, sizeof S);
        S.filter = filter;
        S.id = id;
    }
    a->sel_plan = id;
    app_show(a, PANE_PLAN_STATUS);
}

static void status_enter(app *a)
{
    if (!S.id)
        return;
    S.gen++;
    S.events_call = S.status_call = S.devices_call = 0;
    plan_load(a);
    S.have_status = false;
    status_load(a);
    devices_load(a);
}

/* A transition done elsewhere (plans list or here). */
void plan_status_changed(app *a, const ota_plan *p);
void plan_status_changed(app *a, const ota_plan *p)
{
    if (p->id != S.id)
        return;
    S.plan.state = p->state;
    S.st.state = p->state;
    if (a->pane == PANE_PLAN_STATUS) {
        status_load(a);
        app_dirty(a, D_BODY);
    }
}

/* Text that changes with the clock alone: drawn only when it changes. */
static void time_sig(char *buf, size_t len)
{
    int64_t now = (int64_t)time(NULL);
    char d[32];
    long left = 0;
    for (int s = 0; s < OTA_JOB__COUNT; s++)
        if (!ota_job_is_final((ota_job_state)s))
            left += S.st.counts[s];
    double rate = rate_per_min(now);
    if (now < S.plan.window_start)
        snprintf(buf, len, "starts in %s", fmt_duration(S.plan.window_start - now, d, sizeof d));
    else if (now < S.plan.window_end)
        snprintf(buf, len, "ends in %s", fmt_duration(S.plan.window_end - now, d, sizeof d));
    else
        snprintf(buf, len, "window over");
    size_t n = strlen(buf);
    if (rate > 0 && left > 0)
        snprintf(buf + n, len - n, "|%.1f/min|ETA %s", rate,
                 fmt_duration((int64_t)(left / rate * 60), d, sizeof d));
    else
        snprintf(buf + n, len - n, "|%.1f/min|ETA -", rate);
}

static void status_tick(app *a)
{
    if (!S.id)
        return;
    S.ticks++;
    S.ticks_since_check++;
    /* a first load cancelled with Esc (or failed): ask again */
    if (!S.have_plan)
        plan_load(a);
    if (!S.have_status)
        status_load(a);
    if (S.have_status)
        events_load(a, S.last_seq);
    /* a cheap counts check now and then, in case the feed missed something */
    if (S.ticks % 10 == 0)
        status_load(a);
    if (S.devices_stale && S.ticks % 3 == 0)
        devices_load(a);
    char sig[256];
    time_sig(sig, sizeof sig);
    if (strcmp(sig, S.sig))
        app_dirty(a, D_BODY);
}

/* ---------------------------------------------------------------- keys */
static int status_scopes(app *a)
{
    (void)a;
    return device_detail_shown() ? device_detail_scopes() : SC_MOVE | SC_PLAN | SC_STATUS;
}

static void filter_done(app *a, const char *text, void *ctx)
{
    (void)ctx;
    ota_job_state s;
    if (!*text || !strcmp(text, "all")) {
        S.filter = -1;
    } else if (ota_job_state_parse(text, &s) == 0) {
        S.filter = (int)s;
    } else {
        app_msg(a, MSG_ERROR, "Unknown job state \"%s\" (pending, offered, awaiting_confirmation, "
                "downloading, installing, succeeded, failed, expired, all)", text);
        return;
    }
    S.lv.sel = S.lv.top = 0;
    devices_load(a);
}

static int status_action(app *a, tui_action act)
{
    if (device_detail_shown())
        return device_detail_action(a, act);
    switch (act) {
    case ACT_STATE_FILTER:
        S.filter = S.filter + 1 >= OTA_JOB__COUNT ? -1 : S.filter + 1;
        S.lv.sel = S.lv.top = 0;
        devices_load(a);
        return H_REDRAW;
    case ACT_FILTER:
    {
        char q[128];
        /* empty, so "/ Enter" shows every state again */
        snprintf(q, sizeof q, "Show devices in state (now %s; empty = all):",
                 S.filter >= 0 ? ota_job_state_str(S.filter) : "all");
        prompt_text(a, q, "", false, filter_done, NULL, NULL);
    }
        return H_REDRAW;
    case ACT_REFRESH:
        status_enter(a);
        return H_HANDLED;
    case ACT_PAUSE: case ACT_RESUME: case ACT_TERMINATE: case ACT_ACTIVATE:
        plans_transition(a, S.id, act == ACT_ACTIVATE ? OTA_ACT_ACTIVATE
                                  : act == ACT_PAUSE ? OTA_ACT_PAUSE
                                  : act == ACT_RESUME ? OTA_ACT_RESUME : OTA_ACT_TERMINATE);
        return H_REDRAW;
    case ACT_ADVANCE:
        plans_advance(a, S.id);
        return H_REDRAW;
    case ACT_OPEN_DRAFT:
        if (!S.st.nrollback_plans) {
            app_msg(a, MSG_WARN, "Plan %lld has no rollback draft (its brake saves them: on failure rollback)",
                    (long long)S.id);
            return H_REDRAW;
        }
        if (S.st.nrollback_plans > 1)
            app_msg(a, MSG_INFO, "Rollback draft 1 of %zu (plan %lld); the others: plans list", S.st.nrollback_plans,
                    (long long)S.st.rollback_plans[0]);
        plan_editor_open(a, S.st.rollback_plans[0]);
        return H_REDRAW;
    case ACT_EDIT:
        plan_editor_open(a, S.id);
        return H_REDRAW;
    case ACT_PUSH:
        push_prompt(a, S.id);
        return H_REDRAW;
    case ACT_OPEN:
        if (S.lv.sel >= 0 && (size_t)S.lv.sel < S.nrows && S.have_plan)
            device_detail_open(a, S.plan.product, S.rows[S.lv.sel].device);
        return H_REDRAW;
    case ACT_DELETE:
        return H_HANDLED;
    default:
        return list_move(&S.lv, act, 8);
    }
}

/* ---------------------------------------------------------------- draw */
static void draw_counts(int y, int x, int w)
{
    char buf[512];
    const long *n = S.st.counts;
    snprintf(buf, sizeof buf, "pending %ld  offered %ld  awaiting %ld  downloading %ld  installing %ld",
             n[OTA_JOB_PENDING], n[OTA_JOB_OFFERED], n[OTA_JOB_AWAITING_CONFIRMATION],
             n[OTA_JOB_DOWNLOADING], n[OTA_JOB_INSTALLING]);
    draw_text(y, x, w, EL_NORMAL, buf);
    int k = snprintf(buf, sizeof buf, "succeeded %ld  ", n[OTA_JOB_SUCCEEDED]);
    draw_text(y + 1, x, k, EL_OK, buf);
    int f = snprintf(buf, sizeof buf, "failed %ld  ", n[OTA_JOB_FAILED]);
    draw_text(y + 1, x + k, f, n[OTA_JOB_FAILED] ? EL_ERROR : EL_NORMAL, buf);
    snprintf(buf, sizeof buf, "expired %ld", n[OTA_JOB_EXPIRED]);
    draw_text(y + 1, x + k + f, w - k - f, EL_NORMAL, buf);
}

/* The device table: a header, the column names and rows lines. */
static void draw_devices(int y, int x, int w, int rows)
{
    char buf[1024];
    draw_textf(y++, x, w, EL_HEADER, "Devices: %s (f cycles, / picks a state, Enter details) · %zu shown%s",
               S.filter < 0 ? "all" : ota_job_state_str(S.filter), S.nrows,
               S.nrows == DEV_LIMIT ? " (first page)" : "");
    draw_textf(y++, x, w, EL_DIM, "%-24s %-21s %-3s %-4s %-12s %s", "Device", "State", "Try",
               "Prog", "Deferred", "Last change / error");
    list_clamp(&S.lv, rows);
    for (int i = 0; i < rows; i++) {
        size_t ri = (size_t)(S.lv.top + i);
        if (ri >= S.nrows) {
            draw_text(y++, x, w, EL_DIM, ri == 0 && i == 0 ? "(no devices in this state)" : "");
            continue;
        }
        const ota_job_row *j = &S.rows[ri];
        char dev[80], t[32];
        text_fit(j->device, 24, 1, dev, sizeof dev);
        time_t u = (time_t)j->updated_at;
        struct tm tm;
        localtime_r(&u, &tm);
        strftime(t, sizeof t, "%H:%M:%S", &tm);
        snprintf(buf, sizeof buf, "%s %-21s %-3d %3d%% %-12s %s %s", dev, ota_job_state_str(j->state),
                 j->attempt, j->progress, rollout_reason_words(j->reason), t, j->error);
        int el = (int)ri == S.lv.sel ? EL_SELECTED : j->state == OTA_JOB_FAILED ? EL_ERROR : EL_NORMAL;
        draw_text(y++, x, w, el, buf);
    }
}

static void status_draw(app *a, rect r)
{
    (void)a;
    int x = r.x + 1, w = r.w - 2, y = r.y;
    char buf[1024], s1[32], s2[32], z[48];
    if (!S.id) {
        draw_text(y, x, w, EL_DIM, "No plan selected: choose one in the plans pane (2), then press 3.");
        return;
    }
    if (!S.have_plan || !S.have_status) {
        draw_textf(y, x, w, EL_DIM, "Loading plan %lld…", (long long)S.id);
        return;
    }
    time_sig(S.sig, sizeof S.sig);
    char sig[256], *left = sig, *rate, *eta;
    text_copy(sig, sizeof sig, S.sig);
    rate = strchr(left, '|'); *rate++ = '\0';
    eta = strchr(rate, '|'); *eta++ = '\0';

    int k = snprintf(buf, sizeof buf, "Plan %lld \"%s\"  %s  ", (long long)S.id, S.plan.name, S.plan.product);
    int kw = text_width(buf) < w - 12 ? text_width(buf) : w - 12;
    draw_text(y, x, kw, EL_LABEL_FOCUS, buf);
    (void)k;
    draw_text(y++, x + kw, w - kw, state_el(S.st.state), ota_plan_state_str(S.st.state));
    fmt_local(S.plan.window_start, s1, sizeof s1);
    fmt_local(S.plan.window_end, s2, sizeof s2);
    fmt_zone(S.plan.window_start, z, sizeof z);
    draw_textf(y++, x, w, EL_NORMAL, "Window %s → %s %s · %s", s1, s2, z, left);
    draw_counts(y, x, w);
    y += 2;
    long total = 0, done = 0;
    for (int s = 0; s < OTA_JOB__COUNT; s++) {
        total += S.st.counts[s];
        if (ota_job_is_final((ota_job_state)s))
            done += S.st.counts[s];
    }
    long ok = S.st.counts[OTA_JOB_SUCCEEDED], bad = S.st.counts[OTA_JOB_FAILED];
    snprintf(buf, sizeof buf, " %ld/%ld %3d%% · %s · %s", ok, total,
             total ? (int)(done * 100 / total) : 0, rate, eta);
    int tw = text_width(buf);
    int bw = w - tw > 10 ? w - tw : 10;
    draw_bar(y, x, bw, ok, bad, total);
    draw_text(y++, x + bw, w - bw, EL_NORMAL, buf);

    int nev = (r.h - 7) / 3;
    if (nev < 3)
        nev = 3;
    int rows = r.h - (y - r.y) - 2 - (nev + 1);
    int wr = rollout_view_rows(&S.plan, &S.st);   /* the waves block, leaving the table 3 rows */
    if (wr > rows - 3)
        wr = rows - 3 > 0 ? rows - 3 : 0;
    y += rollout_view_draw(&S.plan, &S.st, y, x, w, wr);
    rows -= wr;
    if (device_detail_shown())
        device_detail_draw(a, y, x, w, rows + 2);
    else
        draw_devices(y, x, w, rows);
    y += rows + 2;
    draw_text(y++, x, w, EL_HEADER, "Recent events");
    for (int i = 0; i < nev; i++) {
        int ti = S.ntail - nev + i;
        if (ti < 0) {
            draw_text(y++, x, w, EL_DIM, S.ntail == 0 && i == nev - 1 ? "(none yet)" : "");
            continue;
        }
        const ota_event *ev = &S.tail[ti];
        char t[32];
        time_t u = (time_t)ev->at;
        struct tm tm;
        localtime_r(&u, &tm);
        strftime(t, sizeof t, "%H:%M:%S", &tm);
        snprintf(buf, sizeof buf, "%s  %-24s %s → %s", t, ev->device[0] ? ev->device : "(plan)",
                 ev->from[0] ? ev->from : "new", ev->to);
        draw_text(y++, x, w, !strcmp(ev->to, "failed") ? EL_ERROR : EL_NORMAL, buf);
    }
}

static const char *status_hint(app *a)
{
    static hintbar b;
    b.n = 0;
    if (device_detail_shown())
        return device_detail_hint(a);
    hint_key(&b, ACT_STATE_FILTER, "state filter");
    if (ota_plan_action_allowed(S.st.state, OTA_ACT_PAUSE))
        hint_key(&b, ACT_PAUSE, "pause");
    if (ota_plan_action_allowed(S.st.state, OTA_ACT_RESUME))
        hint_key(&b, ACT_RESUME, "resume");
    if (ota_plan_action_allowed(S.st.state, OTA_ACT_TERMINATE))
        hint_key(&b, ACT_TERMINATE, "terminate");
    if (ota_plan_action_allowed(S.st.state, OTA_ACT_ACTIVATE))
        hint_key(&b, ACT_ACTIVATE, "activate");
    if (S.have_plan && S.plan.has_rollout && ota_wave_can_advance(S.st.state, S.st.current_wave, S.st.nwaves))
        hint_key(&b, ACT_ADVANCE, "next wave");
    if (S.st.nrollback_plans)
        hint_key(&b, ACT_OPEN_DRAFT, "rollback draft");
    hint_key(&b, ACT_EDIT, "plan");
    hint_key(&b, ACT_QUIT, "back");
    hint_key(&b, ACT_HELP, "help");
    return hint_done(&b, a->lay.msg.w);
}

static void status_done_pane(app *a)
{
    (void)a;
    ota_plan_free(&S.plan);
    free(S.rows);
    S.rows = NULL;
    S.nrows = 0;
    S.have_plan = false;
    device_detail_close();
}

const pane_ops pane_plan_status = {
    .title = "Live status", .scopes = status_scopes, .enter = status_enter,
    .action = status_action, .draw = status_draw, .tick = status_tick, .hint = status_hint,
    .done = status_done_pane,
};
