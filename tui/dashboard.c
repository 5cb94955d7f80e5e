/* dashboard.c: the read-only wall screen (--dashboard).  Every active,
 * upgrading and paused plan as a tile with large counts and a progress
 * bar, failures highlighted; pages rotate when the tiles do not fit.  It
 * polls, shows when it last heard from the backend, marks the data stale
 * when the backend stops answering, and keeps trying (reconnects by
 * itself: every poll is a fresh request). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "msgtext.h"
#include "rollout.h"
#include "tui.h"

#define POLL_SECONDS    2
#define ROTATE_SECONDS  10
#define STALE_SECONDS   10
#define TILE_W          38
#define TILE_H          9   /* 8 rows (the last: waves or the brake) and a gap */

typedef struct tile {
    ota_plan plan;               ///< list row (no id lists)
    ota_plan_status st;
    bool have_status;
} tile;

static struct {
    tile *tiles; size_t ntiles;
    int64_t last_ok;             ///< wall time of the last complete answer
    int64_t last_try;
    bool busy;
    int pending_status;          ///< status calls of this round still out
    int page, ticks;
    char sig[128];               ///< clock-dependent text last drawn
    bool failed_round;           ///< a call of this round failed
    bool failing;                ///< the last round failed: the data is stale now
    int64_t started;             ///< wall time the dashboard opened
} D;

/* Stale: the last round failed (a dead server answers at once with a
 * refused connection), or nothing complete came back for STALE_SECONDS (a
 * hung one does not answer at all). */
static bool is_stale(int64_t now)
{
    return D.failing || now - (D.last_ok ? D.last_ok : D.started) > STALE_SECONDS;
}

static void tiles_free(void)
{
    for (size_t i = 0; i < D.ntiles; i++)
        ota_plan_free(&D.tiles[i].plan);
    free(D.tiles);
    D.tiles = NULL;
    D.ntiles = 0;
}

static void status_done(app *a, call *c)
{
    op_plan_status_get *g = CALL_OP(c, plan_status_get);
    if (--D.pending_status <= 0)
        D.busy = false;
    if (c->rc) {
        D.failed_round = D.failing = true;
        char what[64];
        snprintf(what, sizeof what, "Could not load the status of plan %lld", (long long)g->id);
        app_error(a, what, &c->err);
        app_dirty(a, D_BODY);
        return;
    }
    for (size_t i = 0; i < D.ntiles; i++)
        if (D.tiles[i].plan.id == g->id) {
            tile *t = &D.tiles[i];
            if (!t->have_status || memcmp(t->st.counts, g->out.counts, sizeof t->st.counts) ||
                t->st.state != g->out.state || rollout_status_take(&t->st, &g->out)) {
                t->st = g->out;
                t->have_status = true;
                app_dirty(a, D_BODY);
            }
        }
    if (D.pending_status <= 0 && !D.failed_round) {
        D.last_ok = (int64_t)time(NULL);
        D.failing = false;
        app_answered(a);
        app_dirty(a, D_BODY);
    }
}

static void list_done(app *a, call *c)
{
    ota_plan_page *pg = &CALL_OP(c, plan_list)->out;
    if (c->rc) {
        D.busy = false;
        D.failing = true;
        app_error(a, "Could not load the plans", &c->err);
        app_dirty(a, D_BODY);
        return;
    }
    /* keep the tiles we had (and their counts) for plans still live */
    tile *old = D.tiles;
    size_t nold = D.ntiles;
    D.tiles = calloc(pg->n + 1, sizeof *D.tiles);
    if (!D.tiles)
        abort();
    D.ntiles = 0;
    for (size_t i = 0; i < pg->n; i++) {
        ota_plan *p = &pg->items[i];
        if (!ota_plan_is_live(p->state))
            continue;
        tile *t = &D.tiles[D.ntiles++];
        t->plan = *p;
        ota_plan_init(p);
        for (size_t k = 0; k < nold; k++)
            if (old[k].plan.id == t->plan.id) {
                t->st = old[k].st;
                t->have_status = old[k].have_status;
            }
    }
    bool changed = D.ntiles != nold;
    for (size_t k = 0; k < nold; k++) {
        if (!changed && (old[k].plan.id != D.tiles[k].plan.id ||
                         old[k].plan.state != D.tiles[k].plan.state ||
                         strcmp(old[k].plan.name, D.tiles[k].plan.name)))
            changed = true;
        ota_plan_free(&old[k].plan);
    }
    free(old);
    if (changed)
        app_dirty(a, D_BODY);
    D.failed_round = false;
    D.pending_status = (int)D.ntiles;
    if (D.ntiles == 0) {
        D.busy = false;
        D.last_ok = (int64_t)time(NULL);
        D.failing = false;
        app_answered(a);
        app_dirty(a, D_BODY);
    }
    for (size_t i = 0; i < D.ntiles; i++) {
        call *s = call_plan_status_get(PANE_DASHBOARD, status_done);
        CALL_OP(s, plan_status_get)->id = D.tiles[i].plan.id;
        app_submit(a, s);
    }
}

static void poll_now(app *a)
{
    if (D.busy)
        return;
    D.busy = true;
    D.last_try = (int64_t)time(NULL);
    call *c = call_plan_list(PANE_DASHBOARD, list_done);
    CALL_OP(c, plan_list)->pg.limit = OTA_LIST_MAX;
    app_submit(a, c);
}

static void dash_enter(app *a)
{
    if (!D.started)
        D.started = (int64_t)time(NULL);
    poll_now(a);
}

static int per_page(app *a)
{
    rect body = a->lay.body;
    body.h -= 1;
    tile_grid g = layout_tiles(body, TILE_W, TILE_H);
    return g.cols * g.rows > 0 ? g.cols * g.rows : 1;
}

static void clock_sig(app *a, char *buf, size_t len)
{
    int64_t now = (int64_t)time(NULL);
    bool stale = is_stale(now);
    snprintf(buf, len, "%d|%lld|%d", stale, stale && D.last_ok ? (long long)((now - D.last_ok) / 5) : 0LL,
             D.page);
    (void)a;
}

static void dash_tick(app *a)
{
    D.ticks++;
    if (D.ticks % POLL_SECONDS == 0)
        poll_now(a);
    int pages = ((int)D.ntiles + per_page(a) - 1) / per_page(a);
    if (pages > 1 && D.ticks % ROTATE_SECONDS == 0) {
        D.page = (D.page + 1) % pages;
        app_dirty(a, D_BODY);
    }
    /* a request hanging on a dead server: let the next poll go out */
    if (D.busy && (int64_t)time(NULL) - D.last_try > STALE_SECONDS) {
        worker_cancel(a->w, PANE_DASHBOARD);
        D.busy = false;
    }
    char sig[128];
    clock_sig(a, sig, sizeof sig);
    if (strcmp(sig, D.sig))
        app_dirty(a, D_BODY);
}

static void draw_tile(const tile *t, int y, int x, int w)
{
    char buf[512], big[32];
    const long *n = t->st.counts;
    long total = 0, flight = 0;
    for (int s = 0; s < OTA_JOB__COUNT; s++) {
        total += n[s];
        if (ota_job_in_flight((ota_job_state)s))
            flight += n[s];
    }
    long ok = n[OTA_JOB_SUCCEEDED], bad = n[OTA_JOB_FAILED];
    int iw = w - 2;
    /* the state at the right edge, a blank column before it: a long
     * title ends in its ellipsis, never against the state */
    int sw = (int)strlen(ota_plan_state_str(t->plan.state));
    bool brake = t->have_status && rollout_brake_tripped(&t->st);
    draw_text(y, x, iw - sw - 1, bad || brake ? EL_TILE_FAIL : EL_TILE_TITLE, t->plan.name);
    draw_text(y, x + iw - sw - 1, 1, EL_TILE, " ");
    draw_text(y, x + iw - sw, sw, state_el(t->plan.state), ota_plan_state_str(t->plan.state));
    draw_textf(y + 1, x, iw, EL_DIM, "%s · plan %lld", t->plan.product, (long long)t->plan.id);
    int wel = t->have_status ? rollout_tile_line(&t->plan, &t->st, buf, sizeof buf) : -1;
    if (wel >= 0)   /* waves and a tripped brake: the tile's last row */
        draw_text(y + 7, x, iw, wel, buf);
    snprintf(big, sizeof big, "%ld", ok);
    int bw = draw_big(y + 2, x, iw - 12, EL_BIG, big);
    snprintf(buf, sizeof buf, "/ %ld", total);
    draw_text(y + 3, x + bw + 1, iw - bw - 1, EL_NORMAL, buf);
    draw_text(y + 4, x + bw + 1, iw - bw - 1, EL_DIM, "succeeded");
    draw_bar(y + 5, x, iw, ok, bad, total);
    int k = snprintf(buf, sizeof buf, "failed %ld", bad);
    draw_text(y + 6, x, k, bad ? EL_TILE_FAIL : EL_TILE, buf);
    snprintf(buf, sizeof buf, "  in flight %ld · pending %ld", flight, n[OTA_JOB_PENDING]);
    draw_text(y + 6, x + k, iw - k, EL_TILE, t->have_status ? buf : "  loading…");
}

static void dash_draw(app *a, rect r)
{
    char t[32];
    int64_t now = (int64_t)time(NULL);
    clock_sig(a, D.sig, sizeof D.sig);
    long nact = 0, nup = 0, npause = 0;
    for (size_t i = 0; i < D.ntiles; i++) {
        ota_plan_state s = D.tiles[i].have_status ? D.tiles[i].st.state : D.tiles[i].plan.state;
        nact += s == OTA_PLAN_ACTIVE;
        nup += s == OTA_PLAN_UPGRADING;
        npause += s == OTA_PLAN_PAUSED;
    }
    int pp = per_page(a);
    int pages = ((int)D.ntiles + pp - 1) / pp;
    if (D.page >= pages)
        D.page = 0;
    if (D.last_ok) {
        time_t lt = (time_t)D.last_ok;
        struct tm tm;
        localtime_r(&lt, &tm);
        strftime(t, sizeof t, "%H:%M:%S", &tm);
    } else {
        snprintf(t, sizeof t, "never");
    }
    bool stale = is_stale(now);
    /* The header: the STALE banner, then the counts and the page; when
     * the row is short, the counts go first and "updated" stays. */
    char c1[32], c2[32], c3[32], up[48], pg[32];
    snprintf(c1, sizeof c1, "active %ld", nact);
    snprintf(c2, sizeof c2, "upgrading %ld", nup);
    snprintf(c3, sizeof c3, "paused %ld", npause);
    snprintf(up, sizeof up, "updated %s", t);
    pg[0] = '\0';
    if (pages > 1)
        snprintf(pg, sizeof pg, "page %d/%d", D.page + 1, pages);
    const hint parts[] = {{c1, 3}, {c2, 2}, {c3, 4}, {up, 9}, {pg, 5}};
    int sw = 0;
    if (stale) {
        char s[300];
        if (D.last_ok)
            snprintf(s, sizeof s, " STALE: no answer from the backend for %llds, reconnecting ",
                     (long long)((now - D.last_ok) / 5 * 5));
        else
            snprintf(s, sizeof s, " STALE: the backend has not answered yet, retrying ");
        sw = text_width(s);
        if (sw > r.w - 18)
            sw = r.w - 18;   /* "updated HH:MM:SS" keeps its room */
        draw_text(r.y, r.x, sw, EL_STALE, s);
    }
    char head[300] = " ";
    hints_fit(parts, 5, r.w - sw - 1, head + 1, sizeof head - 1);
    draw_text(r.y, r.x + sw, r.w - sw, EL_HEADER, head);
    rect body = {r.y + 1, r.x, r.h - 1, r.w};
    tile_grid g = layout_tiles(body, TILE_W, TILE_H);
    if (D.ntiles == 0) {
        draw_text(r.y + 2, r.x + 2, r.w - 4, EL_DIM, D.last_ok ? "No active, upgrading or paused plans."
                                                              : "Waiting for the backend…");
        return;
    }
    for (int i = 0; i < pp; i++) {
        size_t ti = (size_t)(D.page * pp + i);
        if (ti >= D.ntiles || g.cols == 0)
            break;
        int gy = body.y + (i / g.cols) * g.h, gx = body.x + (i % g.cols) * g.w + 1;
        draw_tile(&D.tiles[ti], gy, gx, g.w);
    }
}

static const char *dash_hint(app *a)
{
    (void)a;
    return "read-only dashboard · pages rotate every 10 s · q quit";
}

static int dash_scopes(app *a) { (void)a; return 0; }

bool dashboard_offers(tui_action act)
{
    /* read-only: help, the last message, quit, the palette and :theme (all global) */
    return act == ACT_QUIT || act == ACT_QUIT_ALL || act == ACT_HELP || act == ACT_MESSAGE ||
           act == ACT_PALETTE || act == ACT_THEME;
}

static int dash_action(app *a, tui_action act)
{
    (void)a;
    return dashboard_offers(act) ? H_IGNORED : H_HANDLED;
}

static void dash_done(app *a)
{
    (void)a;
    tiles_free();
}

const pane_ops pane_dashboard = {
    .title = "Dashboard", .scopes = dash_scopes, .enter = dash_enter, .action = dash_action,
    .draw = dash_draw, .tick = dash_tick, .hint = dash_hint, .done = dash_done,
};
