/* plan_rollout.c: the plan editor's Rollout sub-form (waves typed as "1%
 * 200 100%", success and failure thresholds, min finished, soak, advance
 * auto/manual, on failure pause/terminate/rollback, offers per minute,
 * retry interval) and Maintenance sub-form (zone picker with search over
 * ota_tz_names, windows of day toggles mon..sun and start/end HH:MM, device
 * time zone on/off).  They edit the editor's working copy; text is checked
 * for shape only, every rule is core's ota_validate_plan (plan_editor.c). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "form.h"
#include "modal.h"
#include "msgtext.h"
#include "rollout.h"
#include "tui.h"

enum { R_ON, R_WAVES, R_SUCCESS, R_SOAK, R_ADVANCE, R_FAIL, R_MINFIN, R_ONFAIL, R_RATE, R_RETRY, R__N };
enum { M_ON, M_TZ, M_DEVTZ, M_WIN, M_ADDWIN = M_WIN + 3 * OTA_MAX_MW_WINDOWS };
#define LW 14

static struct {
    ota_plan *w;
    pr_view view;
    bool readonly;
    pr_hooks h;
    int focus;
    int day;                                     ///< the day cursor on a days row (0 mon .. 6 sun)
    tfield waves, success, soak, fail, minfin, rate, retry;
    tfield tz, start[OTA_MAX_MW_WINDOWS], end[OTA_MAX_MW_WINDOWS];
} P;

pr_view pr_current(void) { return P.view; }

static void set_i64(tfield *f, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    tfield_set(f, b);
}

static void set_hhmm(tfield *f, int m)
{
    char b[8];
    tfield_set(f, ota_hhmm_format(m, b, sizeof b) ? b : "");
}

void pr_fields_from_plan(const ota_plan *w)
{
    char buf[400];
    const ota_rollout *r = &w->rollout;
    tfield_set(&P.waves, rollout_waves_text(r->waves, r->nwaves, buf, sizeof buf));
    set_i64(&P.success, r->success_threshold);
    set_i64(&P.soak, r->soak_seconds);
    set_i64(&P.fail, r->failure_threshold);
    set_i64(&P.minfin, r->min_finished);
    set_i64(&P.rate, r->max_offers_per_minute);
    set_i64(&P.retry, w->retry_interval_seconds);
    tfield_set(&P.tz, w->maintenance.timezone);
    for (size_t i = 0; i < OTA_MAX_MW_WINDOWS; i++) {
        set_hhmm(&P.start[i], i < w->maintenance.nwindows ? w->maintenance.windows[i].start : 60);
        set_hhmm(&P.end[i], i < w->maintenance.nwindows ? w->maintenance.windows[i].end : 300);
    }
}

void pr_open(app *a, ota_plan *w, pr_view v, bool readonly, const pr_hooks *h)
{
    P.w = w;
    P.view = v;
    P.readonly = readonly;
    P.h = *h;
    P.focus = 0;
    P.day = 0;
    pr_fields_from_plan(w);
    app_dirty(a, D_BODY);
}

void pr_close(void) { P.view = PR_NONE; }

/* ---------------------------------------------------------------- parse */
static int num(const char *field, const tfield *f, int64_t lo, int64_t hi, int64_t *out, char *msg,
               size_t len)
{
    char *end;
    long long v = strtoll(f->buf, &end, 10);
    if (!f->buf[0] || *end || v < lo || v > hi) {
        snprintf(msg, len, "%s: a whole number, got \"%.30s\"", field, f->buf);
        return -1;
    }
    *out = v;
    return 0;
}

int pr_to_plan(ota_plan *w, char *rmsg, char *mmsg, size_t len)
{
    int64_t v;
    rmsg[0] = mmsg[0] = '\0';
    /* a number outside int's range is a shape problem; core judges the rest */
    const int64_t big = INT64_C(1) << 40;
    if (num("strategy.retry_interval_seconds", &P.retry, -big, big, &w->retry_interval_seconds, rmsg, len))
        ;
    else if (w->has_rollout) {
        ota_rollout *r = &w->rollout;
        if (rollout_waves_parse(P.waves.buf, r->waves, &r->nwaves, rmsg, len))
            ;
        else if (!num("rollout.success_threshold", &P.success, -100000, 100000, &v, rmsg, len) &&
                 (r->success_threshold = (int)v, 1) &&
                 !num("rollout.soak_seconds", &P.soak, -big, big, &r->soak_seconds, rmsg, len) &&
                 !num("rollout.failure_threshold", &P.fail, -100000, 100000, &v, rmsg, len) &&
                 (r->failure_threshold = (int)v, 1) &&
                 !num("rollout.min_finished", &P.minfin, -big, big, &r->min_finished, rmsg, len))
            num("rollout.max_offers_per_minute", &P.rate, -big, big, &r->max_offers_per_minute, rmsg, len);
    }
    if (w->has_maintenance) {
        ota_maintenance *m = &w->maintenance;
        if (P.tz.len >= sizeof m->timezone)
            snprintf(mmsg, len, "maintenance.timezone: at most %d bytes", OTA_TZ_NAME_MAX);
        else
            text_copy(m->timezone, sizeof m->timezone, P.tz.buf);
        for (size_t i = 0; i < m->nwindows && !mmsg[0]; i++) {
            int t;
            if (ota_hhmm_parse(P.start[i].buf, &t) < 0)
                snprintf(mmsg, len, "maintenance.windows[%zu].start: HH:MM, got \"%.20s\"", i, P.start[i].buf);
            else if ((m->windows[i].start = t, ota_hhmm_parse(P.end[i].buf, &t)) < 0)
                snprintf(mmsg, len, "maintenance.windows[%zu].end: HH:MM, got \"%.20s\"", i, P.end[i].buf);
            else
                m->windows[i].end = t;
        }
    }
    return rmsg[0] || mmsg[0] ? -1 : 0;
}

/* ---------------------------------------------------------------- focus */
static int stops(int *out)
{
    int n = 0;
    if (P.view == PR_ROLLOUT) {
        out[n++] = R_ON;
        if (P.w->has_rollout)
            for (int f = R_WAVES; f < R__N; f++)
                out[n++] = f;
        else
            out[n++] = R_RETRY;
        return n;
    }
    out[n++] = M_ON;
    if (!P.w->has_maintenance)
        return n;
    out[n++] = M_TZ;
    out[n++] = M_DEVTZ;
    for (size_t i = 0; i < P.w->maintenance.nwindows; i++)
        for (int k = 0; k < 3; k++)
            out[n++] = M_WIN + 3 * (int)i + k;
    if (P.w->maintenance.nwindows < OTA_MAX_MW_WINDOWS)
        out[n++] = M_ADDWIN;
    return n;
}

static void focus_move(int dir)
{
    int s[M_ADDWIN + 2], n = stops(s), at = 0;
    for (int i = 0; i < n; i++)
        if (s[i] == P.focus)
            at = i;
    P.focus = s[(at + dir + n) % n];
}

static tfield *text_of(int f)
{
    if (P.view == PR_ROLLOUT)
        switch (f) {
        case R_WAVES: return &P.waves;
        case R_SUCCESS: return &P.success;
        case R_SOAK: return &P.soak;
        case R_FAIL: return &P.fail;
        case R_MINFIN: return &P.minfin;
        case R_RATE: return &P.rate;
        case R_RETRY: return &P.retry;
        default: return NULL;
        }
    if (f == M_TZ)
        return &P.tz;
    if (f >= M_WIN && f < M_ADDWIN && (f - M_WIN) % 3)
        return (f - M_WIN) % 3 == 1 ? &P.start[(f - M_WIN) / 3] : &P.end[(f - M_WIN) / 3];
    return NULL;
}

static int days_row(void)   /* the window whose days row has the focus, -1 none */
{
    return P.view == PR_MAINTENANCE && P.focus >= M_WIN && P.focus < M_ADDWIN && (P.focus - M_WIN) % 3 == 0
               ? (P.focus - M_WIN) / 3 : -1;
}

/* ---------------------------------------------------------------- edits */
static void changed(app *a) { P.h.changed(a); }

static void toggle_day(app *a, int win, int d)
{
    if (P.h.refuse_readonly(a))
        return;
    P.w->maintenance.windows[win].days ^= 1u << d;
    changed(a);
}

static void add_window(app *a)
{
    ota_maintenance *m = &P.w->maintenance;
    if (P.h.refuse_readonly(a) || m->nwindows >= OTA_MAX_MW_WINDOWS)
        return;
    size_t i = m->nwindows++;
    m->windows[i] = (ota_mw_window){.days = OTA_DAYS_ALL, .start = 60, .end = 300};
    set_hhmm(&P.start[i], 60);
    set_hhmm(&P.end[i], 300);
    P.focus = M_WIN + 3 * (int)i;
    changed(a);
}

static void remove_window(app *a, int i)
{
    ota_maintenance *m = &P.w->maintenance;
    if (P.h.refuse_readonly(a) || i < 0 || (size_t)i >= m->nwindows)
        return;
    size_t rest = m->nwindows - (size_t)i - 1;
    memmove(m->windows + i, m->windows + i + 1, rest * sizeof *m->windows);
    memmove(P.start + i, P.start + i + 1, rest * sizeof *P.start);
    memmove(P.end + i, P.end + i + 1, rest * sizeof *P.end);
    m->nwindows--;
    if ((size_t)i >= m->nwindows)
        P.focus = m->nwindows ? M_WIN + 3 * ((int)m->nwindows - 1) : M_ADDWIN;
    changed(a);
}

typedef struct zones { char **v; size_t n; } zones;
static void zones_free(void *ctx)
{
    zones *z = ctx;
    ota_tz_names_free(z->v, z->n);
    free(z);
}

static void zone_picked(app *a, int i, void *ctx)
{
    zones *z = ctx;
    if (i < 0 || (size_t)i >= z->n)
        return;
    tfield_set(&P.tz, z->v[i]);
    changed(a);
}

static void pick_zone(app *a)
{
    if (P.h.refuse_readonly(a))
        return;
    zones *z = calloc(1, sizeof *z);
    ota_err e;
    if (!z)
        abort();
    if (ota_tz_names(&z->v, &z->n, &e) < 0 || z->n == 0) {
        char buf[600];
        app_msg(a, MSG_ERROR, "time zones: %s", z->n ? ota_err_format(&e, buf, sizeof buf) : "none in tzdata");
        zones_free(z);
        return;
    }
    prompt_pick(a, "Time zone (type to search)", (const char *const *)z->v, (int)z->n, zone_picked, z,
                zones_free);
}

static void cycle(app *a, int dir)
{
    if (P.h.refuse_readonly(a))
        return;
    ota_plan *w = P.w;
    switch (P.view == PR_ROLLOUT ? P.focus : -1 - P.focus) {
    case R_ON:
        w->has_rollout = !w->has_rollout;
        break;
    case R_ADVANCE:
        w->rollout.advance = w->rollout.advance == OTA_ADVANCE_AUTO ? OTA_ADVANCE_MANUAL : OTA_ADVANCE_AUTO;
        break;
    case R_ONFAIL:
        w->rollout.on_failure = (ota_on_failure)(((int)w->rollout.on_failure + 3 + dir) % 3);
        break;
    case -1 - M_ON:
        w->has_maintenance = !w->has_maintenance;
        if (w->has_maintenance && !w->maintenance.nwindows) {
            if (!P.tz.buf[0])
                tfield_set(&P.tz, "UTC");
            add_window(a);
            P.focus = M_ON;
        }
        break;
    case -1 - M_DEVTZ:
        w->maintenance.device_timezone = !w->maintenance.device_timezone;
        break;
    default:
        return;
    }
    changed(a);
}

int pr_input(app *a, int key)
{
    int win = days_row();
    if (win >= 0) {
        int ch = key_char(key);
        if (key == KEY_LEFT || key == KEY_RIGHT) {
            P.day = (P.day + (key == KEY_LEFT ? 6 : 1)) % 7;
            return H_REDRAW;
        }
        if (ch == ' ') {
            toggle_day(a, win, P.day);
            return H_REDRAW;
        }
        if (ch >= '1' && ch <= '7') {
            P.day = ch - '1';
            toggle_day(a, win, P.day);
            return H_REDRAW;
        }
        return H_IGNORED;
    }
    tfield *t = text_of(P.focus);
    if (!t || key == '\t' || key == '\n' || key == '\r' || key == KEY_ESC || key == KEY_UP ||
        key == KEY_DOWN || key == KEY_BTAB)
        return H_IGNORED;
    if ((key_char(key) >= 32 || key == KEY_BACKSPACE || key == 127 || key == KEY_DC ||
         key == CTRL_KEY('u') || key == CTRL_KEY('k') || key == CTRL_KEY('w')) && P.h.refuse_readonly(a))
        return H_HANDLED;
    int r = tfield_key(t, key);
    if (r == 1)
        changed(a);
    return r ? H_REDRAW : H_IGNORED;
}

int pr_action(app *a, int act)
{
    switch ((tui_action)act) {
    case ACT_NEXT_FIELD: case ACT_DOWN: focus_move(1); app_dirty(a, D_BODY); return H_REDRAW;
    case ACT_PREV_FIELD: case ACT_UP:   focus_move(-1); app_dirty(a, D_BODY); return H_REDRAW;
    case ACT_CYCLE: cycle(a, 1); return H_REDRAW;
    case ACT_CYCLE_BACK: cycle(a, -1); return H_REDRAW;
    case ACT_REMOVE: remove_window(a, days_row()); return H_REDRAW;
    case ACT_OPEN:
        if (P.view == PR_MAINTENANCE && P.focus == M_TZ)
            pick_zone(a);
        else if (P.view == PR_MAINTENANCE && P.focus == M_ADDWIN)
            add_window(a);
        else if (text_of(P.focus) || days_row() >= 0)
            focus_move(1);
        else
            cycle(a, 1);
        return H_REDRAW;
    case ACT_BACK: case ACT_QUIT:
        P.view = PR_NONE;
        return H_REDRAW;
    default:
        return H_HANDLED;
    }
}

/* ----------------------------------------------------------------- draw */
static int label(int y, int x, const char *s, bool on)
{
    draw_text(y, x, LW, on ? EL_LABEL_FOCUS : EL_LABEL, s);
    return x + LW;
}

static int field(app *a, int y, int x, int w, int f)
{
    bool on = P.focus == f;
    int cx = tfield_draw(text_of(f), y, x, w, on ? EL_FIELD_FOCUS : EL_FIELD, on);
    if (cx >= 0) {
        a->cur_y = y;
        a->cur_x = cx;
    }
    return x + w;
}

static int chip(int y, int x, int f, const char *s)
{
    int w = text_width(s);
    draw_text(y, x, w, P.focus == f ? EL_FIELD_FOCUS : EL_NORMAL, s);
    return x + w;
}

static int choice(int y, int x, int f, const char *const *names, int n, int cur)
{
    char buf[200];
    size_t off = 0;
    for (int i = 0; i < n; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s(%s) %s", i ? "  " : "", i == cur ? "*" : " ",
                                names[i]);
    return chip(y, x, f, buf);
}

static int text_after(int y, int x, int right, const char *s)
{
    if (right - x > 1)
        draw_text(y, x, right - x, EL_DIM, s);
    return right;
}

static void draw_rollout(app *a, int y, int x, int w, int end, const char *msg)
{
    static const char *const onoff[] = {"all at once", "in waves"}, *const adv[] = {"auto", "manual"},
                             *const fail[] = {"pause", "terminate", "rollback"};
    const ota_plan *p = P.w;
    int r = x + w, xx;
    xx = label(y, x, "Staged", P.focus == R_ON);
    choice(y++, xx, R_ON, onoff, 2, p->has_rollout);
    if (p->has_rollout) {
        xx = label(y, x, "Waves", P.focus == R_WAVES);
        xx = field(a, y, xx, 24, R_WAVES);
        text_after(y++, xx + 1, r, "cumulative: N% or a count");
        char line[400];
        size_t off = 0;
        for (size_t i = 0; i < p->rollout.nwaves && off < sizeof line - 40; i++) {
            char s[32];
            const ota_wave_size *ws = &p->rollout.waves[i];
            off += (size_t)snprintf(line + off, sizeof line - off, "%swave %zu: %s%s", i ? " · " : "", i + 1,
                                    ota_wave_size_format(ws, s, sizeof s), ws->percent ? "" : " devices");
        }
        draw_text(y++, x + LW, w - LW, EL_DIM, off ? line : "(no waves)");
        xx = label(y, x, "Advance at", P.focus == R_SUCCESS);
        xx = field(a, y, xx, 5, R_SUCCESS);
        text_after(y++, xx + 1, r, "% of the open waves' devices succeeded");
        xx = label(y, x, "Soak", P.focus == R_SOAK);
        xx = field(a, y, xx, 9, R_SOAK);
        text_after(y++, xx + 1, r, "seconds after that before the next wave");
        xx = label(y, x, "Advance", P.focus == R_ADVANCE);
        xx = choice(y, xx, R_ADVANCE, adv, 2, p->rollout.advance == OTA_ADVANCE_MANUAL);
        text_after(y++, xx + 2, r, p->rollout.advance == OTA_ADVANCE_MANUAL ? "an operator opens each wave"
                                                                             : "the engine opens the next wave");
        xx = label(y, x, "Brake above", P.focus == R_FAIL);
        xx = field(a, y, xx, 5, R_FAIL);
        text_after(y++, xx + 1, r, "% failed of the finished devices");
        xx = label(y, x, "Min finished", P.focus == R_MINFIN);
        xx = field(a, y, xx, 9, R_MINFIN);
        text_after(y++, xx + 1, r, "devices finished before the brake may trip");
        xx = label(y, x, "On failure", P.focus == R_ONFAIL);
        choice(y++, xx, R_ONFAIL, fail, 3, (int)p->rollout.on_failure);
        xx = label(y, x, "Offers/min", P.focus == R_RATE);
        xx = field(a, y, xx, 9, R_RATE);
        text_after(y++, xx + 1, r, "new offers per minute (0: no limit)");
    } else {
        draw_text(y++, x + LW, w - LW, EL_DIM, "Space: in waves, with a brake and a rate limit");
    }
    xx = label(y, x, "Retry every", P.focus == R_RETRY);
    xx = field(a, y, xx, 9, R_RETRY);
    text_after(y++, xx + 1, r, "seconds at the soonest after a failure");
    if (msg[0] && y < end)
        y += draw_wrap(y, x, w, EL_ERROR, msg, 2, end - y);   /* the whole rule */
}

static void draw_maintenance(app *a, int y, int x, int w, int end, const char *msg)
{
    static const char *const onoff[] = {"any time", "inside windows"}, *const dz[] = {"off", "on"};
    const ota_plan *p = P.w;
    const ota_maintenance *m = &p->maintenance;
    int r = x + w, xx;
    xx = label(y, x, "Maintenance", P.focus == M_ON);
    choice(y++, xx, M_ON, onoff, 2, p->has_maintenance);
    if (!p->has_maintenance) {
        draw_text(y++, x + LW, w - LW, EL_DIM, "Space: offer only inside weekly windows of a time zone");
        if (msg[0] && y < end)
            y += draw_wrap(y, x, w, EL_ERROR, msg, 2, end - y);
        return;
    }
    xx = label(y, x, "Time zone", P.focus == M_TZ);
    xx = field(a, y, xx, 30, M_TZ);
    text_after(y++, xx + 1, r, "Enter: pick from the list");
    xx = label(y, x, "Device zone", P.focus == M_DEVTZ);
    xx = choice(y, xx, M_DEVTZ, dz, 2, m->device_timezone);
    text_after(y++, xx + 2, r, "judge a device in the zone it reports");
    draw_textf(y++, x, w, EL_HEADER, "Windows (%zu)  1-7 or Left/Right+Space toggle days · x removes", m->nwindows);
    int room = end - y - 2, first = 0, win = days_row();
    int fw = P.focus >= M_WIN && P.focus < M_ADDWIN ? (P.focus - M_WIN) / 3 : -1;
    if (room < 1)
        room = 1;
    if (fw >= room)
        first = fw - room + 1;
    for (int i = first; i < (int)m->nwindows && i < first + room; i++) {
        xx = x + 2;
        draw_textf(y, xx, 3, EL_NORMAL, "%d", i + 1);
        xx += 3;
        for (int d = 0; d < 7; d++) {
            char s[8];
            bool on = m->windows[i].days & (1u << d);
            snprintf(s, sizeof s, on ? "[%s]" : " %s ", ota_day_str(d));
            int el = win == i && P.day == d ? EL_FIELD_FOCUS : on ? EL_OK : EL_DIM;
            draw_text(y, xx, 5, el, s);
            xx += 5;
        }
        xx = field(a, y, xx + 2, 6, M_WIN + 3 * i + 1);
        draw_text(y, xx, 3, EL_NORMAL, " → ");
        xx = field(a, y, xx + 3, 6, M_WIN + 3 * i + 2);
        if (m->windows[i].end <= m->windows[i].start)
            text_after(y, xx + 1, r, "past midnight");
        y++;
    }
    if (m->nwindows < OTA_MAX_MW_WINDOWS)
        chip(y++, x + 2, M_ADDWIN, "+ add a window");
    if (msg[0] && y < end)
        y += draw_wrap(y, x, w, EL_ERROR, msg, 2, end - y);   /* the whole rule */
}

void pr_draw(app *a, int y, int x, int w, int h, const char *rmsg, const char *mmsg)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%s of plan %.60s%s · Esc back to the plan", P.view == PR_ROLLOUT ? "Rollout" : "Maintenance",
             P.w->name[0] ? P.w->name : "(new)", P.readonly ? " · read-only" : "");
    draw_text(y++, x, w, EL_LABEL_FOCUS, buf);
    if (P.view == PR_ROLLOUT)
        draw_rollout(a, y, x, w, y + h - 1, rmsg);
    else
        draw_maintenance(a, y, x, w, y + h - 1, mmsg);
}

void pr_hint(hintbar *b)
{
    if (days_row() >= 0) {
        hint_text(b, "1-7 toggle mon..sun", 8);
        hint_text(b, "Left/Right+Space", 6);
        hint_key(b, ACT_REMOVE, "remove window");
    } else if (P.view == PR_MAINTENANCE && P.focus == M_TZ) {
        hint_text(b, "Enter picks a zone (type to search)", 8);
        hint_key(b, ACT_NEXT_FIELD, "next");
    } else {
        hint_text(b, "Tab/S-Tab fields", keys_prio(ACT_NEXT_FIELD));
        hint_key(b, ACT_CYCLE, "changes a choice");
    }
    hint_key(b, ACT_SAVE, "save");
    hint_key(b, ACT_BACK, "back to the plan");
}
