/* plans.c: the plans pane: list with state, product, window and progress
 * (succeeded/targeted); activate, pause, resume, terminate (typing the
 * plan name), delete; shared transition helpers for live status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "modal.h"
#include "msgtext.h"
#include "remote.h"
#include "trust.h"
#include "tui.h"

enum { SORT_NEWEST, SORT_NAME, SORT_STATE, SORT_START, SORT__COUNT };
static const char *const sort_names[] = {"newest first", "name", "state", "window start"};

/* Progress per plan, fetched for the rows on screen only. */
/* call: the status request in flight (0 none); asked through worker_live,
 * since a call cancelled with Esc never comes back to clear a flag. */
typedef struct progress { int64_t id; long ok, total; int64_t at_ms; uint64_t call; } progress;

static struct {
    listview lv;
    size_t *rows; size_t nrows;
    int64_t rows_gen;
    char filter[256];
    int sort;
    int64_t sel_id;
    bool loaded_once;
    progress *prog; size_t nprog, capprog;
} L = {.rows_gen = -1};

/* ---------------------------------------------------------- transitions */
typedef struct tctx { int64_t id; ota_action act; char name[4 * OTA_NAME_MAX_CHARS + 1]; } tctx;

void plan_status_changed(app *a, const ota_plan *p);   /* plan_status.c */

/* "plan 6 \"Spring rollout\"": the plan as the operator knows it. */
static const char *plan_words(app *a, int64_t id, char *buf, size_t len)
{
    const ota_plan *p = app_plan_row(a, id);
    if (p)
        snprintf(buf, len, "plan %lld \"%s\"", (long long)id, p->name);
    else
        snprintf(buf, len, "plan %lld", (long long)id);
    return buf;
}

static void transition_done(app *a, call *c)
{
    op_plan_transition *t = CALL_OP(c, plan_transition);
    if (c->rc) {
        char what[560], pw[460];
        snprintf(what, sizeof what, "Could not %s %s", ota_action_str(t->action),
                 plan_words(a, t->id, pw, sizeof pw));
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    app_msg(a, MSG_OK, "Plan %lld \"%s\": %s, now %s", (long long)t->id, t->out.name,
            ota_action_str(t->action), ota_plan_state_str(t->out.state));
    plan_status_changed(a, &t->out);
    app_load_plans(a);
}

static void transition_send(app *a, const tctx *t)
{
    call *c = call_plan_transition(-1, transition_done);
    CALL_OP(c, plan_transition)->id = t->id;
    CALL_OP(c, plan_transition)->action = t->act;
    app_submit(a, c);
    app_progress(a, "%s plan %lld…", ota_action_str(t->act), (long long)t->id);
}

static void confirm_yes(app *a, const char *text, void *ctx)
{
    (void)text;
    transition_send(a, ctx);
}

static void terminate_typed(app *a, const char *text, void *ctx)
{
    tctx *t = ctx;
    if (strcmp(text, t->name)) {
        app_msg(a, MSG_WARN, "Not terminated: the name typed does not match \"%s\"", t->name);
        return;
    }
    transition_send(a, t);
}

void plans_transition(app *a, int64_t id, ota_action act)
{
    const ota_plan *p = app_plan_row(a, id);
    tctx *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->id = id;
    t->act = act;
    if (p)
        text_copy(t->name, sizeof t->name, p->name);
    /* Not allowed here: send anyway, so the operator sees the engine's own
     * refusal rather than a second opinion of ours. */
    if (!p || !ota_plan_action_allowed(p->state, act)) {
        transition_send(a, t);
        free(t);
        return;
    }
    char q[600];
    if (act == OTA_ACT_TERMINATE) {
        snprintf(q, sizeof q, "Terminate cannot be undone. Type the plan name (%s):", p->name);
        prompt_text(a, q, "", false, terminate_typed, t, free);
    } else if (act == OTA_ACT_ACTIVATE) {
        snprintf(q, sizeof q, "Activate plan %lld \"%s\"? Devices start upgrading.",
                 (long long)id, p->name);
        prompt_confirm(a, q, confirm_yes, t, free);
    } else {
        transition_send(a, t);
        free(t);
    }
}

/* --------------------------------------------------------------- advance */
static void advance_done(app *a, call *c)
{
    op_plan_advance *t = CALL_OP(c, plan_advance);
    if (c->rc) {
        char what[560], pw[460];
        snprintf(what, sizeof what, "Could not open the next wave of %s", plan_words(a, t->id, pw, sizeof pw));
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    app_msg(a, MSG_OK, "Plan %lld \"%s\": the next wave is open", (long long)t->id, t->out.name);
    plan_status_changed(a, &t->out);
    app_load_plans(a);
}

static void advance_yes(app *a, const char *text, void *ctx)
{
    (void)text;
    call *c = call_plan_advance(-1, advance_done);
    CALL_OP(c, plan_advance)->id = *(int64_t *)ctx;
    app_submit(a, c);
    app_progress(a, "Opening the next wave of plan %lld…", (long long)*(int64_t *)ctx);
}

void plans_advance(app *a, int64_t id)
{
    int64_t *ctx = malloc(sizeof *ctx);
    if (!ctx)
        abort();
    *ctx = id;
    const ota_plan *p = app_plan_row(a, id);
    char q[600];
    snprintf(q, sizeof q, "Open the next wave of plan %lld \"%s\"? More devices start upgrading.",
             (long long)id, p ? p->name : "");
    prompt_confirm(a, q, advance_yes, ctx, free);
}

/* -------------------------------------------------------------- progress */
static progress *prog_find(int64_t id, bool create)
{
    for (size_t i = 0; i < L.nprog; i++)
        if (L.prog[i].id == id)
            return &L.prog[i];
    if (!create)
        return NULL;
    if (L.nprog == L.capprog) {
        L.capprog = L.capprog ? 2 * L.capprog : 64;
        L.prog = realloc(L.prog, L.capprog * sizeof *L.prog);
        if (!L.prog)
            abort();
    }
    progress *p = &L.prog[L.nprog++];
    memset(p, 0, sizeof *p);
    p->id = id;
    return p;
}

static void status_done(app *a, call *c)
{
    op_plan_status_get *g = CALL_OP(c, plan_status_get);
    progress *p = prog_find(g->id, true);
    p->call = 0;
    p->at_ms = now_ms();
    if (c->rc)
        return;   /* the list still shows the plan; progress stays "?" */
    long total = 0;
    for (int s = 0; s < OTA_JOB__COUNT; s++)
        total += g->out.counts[s];
    long ok = g->out.counts[OTA_JOB_SUCCEEDED];
    if (ok != p->ok || total != p->total) {
        p->ok = ok;
        p->total = total;
        app_dirty(a, D_BODY);
    }
}

/* Ask for progress of the rows on screen that have none or an old one. */
static void want_progress(app *a)
{
    int h = a->lay.body.h - 2;
    int64_t now = now_ms();
    for (int i = 0; i < h && L.lv.top + i < (int)L.nrows; i++) {
        const ota_plan *pl = &a->plans[L.rows[L.lv.top + i]];
        if (ota_plan_is_editable(pl->state))
            continue;
        progress *p = prog_find(pl->id, true);
        bool offering = ota_plan_is_offering(pl->state);
        if ((p->call && worker_live(a->w, p->call)) || (p->at_ms && now - p->at_ms < (offering ? 3000 : 60000)))
            continue;
        call *c = call_plan_status_get(PANE_PLANS, status_done);
        CALL_OP(c, plan_status_get)->id = pl->id;
        p->call = app_submit(a, c);
    }
}

/* ----------------------------------------------------------------- rows */
static const ota_plan *sort_base;

static int cmp_rows(const void *x, const void *y)
{
    const ota_plan *a = &sort_base[*(const size_t *)x], *b = &sort_base[*(const size_t *)y];
    int c = 0;
    switch (L.sort) {
    case SORT_NAME:  c = strcmp(a->name, b->name); break;
    case SORT_STATE: c = (int)a->state - (int)b->state; break;
    case SORT_START: c = a->window_start < b->window_start ? -1 : a->window_start > b->window_start; break;
    }
    return c ? c : (a->id > b->id ? -1 : a->id < b->id);
}

static void rows_build(app *a)
{
    if (L.rows_gen == a->plans_gen)
        return;
    free(L.rows);
    L.rows = malloc((a->nplans + 1) * sizeof *L.rows);
    if (!L.rows)
        abort();
    L.nrows = 0;
    for (size_t i = 0; i < a->nplans; i++) {
        const ota_plan *p = &a->plans[i];
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)p->id);
        if (!L.filter[0] || strcasestr(p->name, L.filter) || strcasestr(p->product, L.filter) ||
            !strcasecmp(ota_plan_state_str(p->state), L.filter) || !strcmp(id, L.filter))
            L.rows[L.nrows++] = i;
    }
    sort_base = a->plans;
    qsort(L.rows, L.nrows, sizeof *L.rows, cmp_rows);
    L.rows_gen = a->plans_gen;
    L.lv.n = (int)L.nrows;
    for (size_t r = 0; L.sel_id && r < L.nrows; r++)
        if (a->plans[L.rows[r]].id == L.sel_id) {
            L.lv.sel = (int)r;
            break;
        }
    list_clamp(&L.lv, a->lay.body.h - 2);
    if (L.lv.sel < (int)L.nrows)
        a->sel_plan = a->plans[L.rows[L.lv.sel]].id;
}

static const ota_plan *selected(app *a)
{
    rows_build(a);
    return L.lv.sel < (int)L.nrows ? &a->plans[L.rows[L.lv.sel]] : NULL;
}

/* ---------------------------------------------------------------- pane */
static void plans_enter(app *a)
{
    if (!L.loaded_once) {
        L.loaded_once = true;
        app_load_plans(a);
    } else if (a->plans_loaded) {
        app_load_plans(a);   /* cheap, and states move while we were away */
    }
}

static void plans_tick(app *a)
{
    rows_build(a);
    want_progress(a);
}

static int plans_scopes(app *a) { (void)a; return SC_MOVE | SC_LIST | SC_PLAN; }

static void filter_done(app *a, const char *text, void *ctx)
{
    (void)ctx;
    text_copy(L.filter, sizeof L.filter, text);
    L.rows_gen = -1;
    L.lv.sel = L.lv.top = 0;
    app_dirty(a, D_BODY);
}

static void delete_done(app *a, call *c)
{
    if (c->rc) {
        char what[560], pw[460];
        snprintf(what, sizeof what, "Could not delete %s",
                 plan_words(a, CALL_OP(c, plan_delete)->id, pw, sizeof pw));
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    app_msg(a, MSG_OK, "Deleted plan %lld", (long long)CALL_OP(c, plan_delete)->id);
    app_load_plans(a);
}

static void delete_yes(app *a, const char *text, void *ctx)
{
    (void)text;
    call *c = call_plan_delete(-1, delete_done);
    CALL_OP(c, plan_delete)->id = *(int64_t *)ctx;
    app_submit(a, c);
    app_progress(a, "Deleting plan %lld…", (long long)*(int64_t *)ctx);
}

static int plans_action(app *a, tui_action act)
{
    const ota_plan *p = selected(a);
    switch (act) {
    case ACT_OPEN:
        if (!p)
            return H_HANDLED;
        if (ota_plan_is_editable(p->state))
            plan_editor_open(a, p->id);
        else
            plan_status_open(a, p->id);
        return H_REDRAW;
    case ACT_EDIT:
        if (p)
            plan_editor_open(a, p->id);
        return H_REDRAW;
    case ACT_NEW:
        plan_editor_open(a, 0);
        return H_REDRAW;
    case ACT_FILTER:
        prompt_filter(a, "Filter plans (name, product, state, id)", L.filter, filter_done, NULL);
        return H_REDRAW;
    case ACT_SORT:
        L.sort = (L.sort + 1) % SORT__COUNT;
        L.rows_gen = -1;
        app_msg(a, MSG_INFO, "Sorted by %s", sort_names[L.sort]);
        return H_REDRAW;
    case ACT_REFRESH:
        app_load_plans(a);
        return H_HANDLED;
    case ACT_ACTIVATE: case ACT_PAUSE: case ACT_RESUME: case ACT_TERMINATE:
        if (p)
            plans_transition(a, p->id, act == ACT_ACTIVATE ? OTA_ACT_ACTIVATE
                                       : act == ACT_PAUSE ? OTA_ACT_PAUSE
                                       : act == ACT_RESUME ? OTA_ACT_RESUME : OTA_ACT_TERMINATE);
        return H_REDRAW;
    case ACT_ADVANCE:
        if (p)
            plans_advance(a, p->id);
        return H_REDRAW;
    case ACT_PUSH:
        push_prompt(a, p ? p->id : 0);
        return H_REDRAW;
    case ACT_HISTORY:
        if (p)
            trust_history_open(a, p->id);  /* trust.c: the plan's audit rows */
        return H_REDRAW;
    case ACT_DELETE: {
        if (!p)
            return H_HANDLED;
        int64_t *id = malloc(sizeof *id);
        if (!id)
            abort();
        *id = p->id;
        char q[600];
        snprintf(q, sizeof q, "Delete plan %lld \"%s\"?", (long long)p->id, p->name);
        prompt_confirm(a, q, delete_yes, id, free);
        return H_REDRAW;
    }
    default:
        break;
    }
    rows_build(a);
    int r = list_move(&L.lv, act, a->lay.body.h - 2);
    if (r == H_REDRAW && L.lv.sel < (int)L.nrows) {
        L.sel_id = a->plans[L.rows[L.lv.sel]].id;
        a->sel_plan = L.sel_id;
        want_progress(a);
    }
    return r;
}

enum { C_ID, C_NAME, C_PRODUCT, C_STATE, C_WINDOW, C_PROGRESS, C__N };
static const col_spec cols[C__N] = {
    {5, 8, 0}, {14, 0, 3}, {10, 24, 1}, {10, 10, 0}, {23, 23, 0}, {11, 15, 0}};
static const char *const heads[C__N] = {"ID", "Name", "Product", "State", "Window (local)", "Progress"};

static void draw_row(int y, int x, const int *w, const int *el, const char *const *cells)
{
    for (int c = 0; c < C__N; c++) {
        if (!w[c])
            continue;
        draw_text(y, x, w[c], el[c], cells[c]);
        draw_text(y, x + w[c], 1, el[c], " ");
        x += w[c] + 1;
    }
}

static void plans_draw(app *a, rect r)
{
    int w[C__N];
    rows_build(a);
    layout_columns(cols, C__N, r.w - 2, 1, w);
    char title[512];
    int n = snprintf(title, sizeof title, "Plans: %zu", a->nplans);
    if (L.filter[0])
        n += snprintf(title + n, sizeof title - n, " · %zu match \"%.40s\"", L.nrows, L.filter);
    snprintf(title + n, sizeof title - n, " · sorted by %s%s", sort_names[L.sort],
             a->plans_loaded ? "" : " · loading…");
    draw_text(r.y, r.x + 1, r.w - 1, EL_LABEL_FOCUS, title);
    int hel[C__N];
    for (int c = 0; c < C__N; c++)
        hel[c] = EL_HEADER;
    draw_row(r.y + 1, r.x + 1, w, hel, heads);
    int h = r.h - 2;
    list_clamp(&L.lv, h);
    for (int i = 0; i < h; i++) {
        int ri = L.lv.top + i;
        if (ri >= (int)L.nrows) {
            if (ri == 0)
                draw_text(r.y + 2, r.x + 1, r.w - 1, EL_DIM,
                          !a->plans_loaded ? "Loading…"
                          : L.filter[0] ? "Nothing matches the filter (/ to change it)"
                                        : "No plans yet: press n to draft one");
            continue;
        }
        const ota_plan *p = &a->plans[L.rows[ri]];
        char id[24], win[64], s1[24], s2[24], prog[32];
        snprintf(id, sizeof id, "%lld", (long long)p->id);
        fmt_local(p->window_start, s1, sizeof s1);
        fmt_local(p->window_end, s2, sizeof s2);
        snprintf(win, sizeof win, "%s→%s", s1 + 5, s2 + 5);   /* drop the year */
        const progress *pg = prog_find(p->id, false);
        if (ota_plan_is_editable(p->state))
            snprintf(prog, sizeof prog, "-");
        else if (pg && pg->at_ms)
            snprintf(prog, sizeof prog, "%ld/%ld", pg->ok, pg->total);
        else
            snprintf(prog, sizeof prog, "…");
        const char *cells[C__N] = {id, p->name, p->product, ota_plan_state_str(p->state), win, prog};
        bool sel = ri == L.lv.sel;
        int el[C__N];
        for (int c = 0; c < C__N; c++)
            el[c] = sel ? EL_SELECTED : EL_NORMAL;
        if (!sel)
            el[C_STATE] = state_el(p->state);
        draw_row(r.y + 2 + i, r.x + 1, w, el, cells);
    }
}

static const char *plans_hint(app *a)
{
    static hintbar b;
    const ota_plan *p = selected(a);
    b.n = 0;
    hint_key(&b, ACT_OPEN, "open");
    hint_key(&b, ACT_NEW, "new");
    hint_key(&b, ACT_EDIT, "edit");
    if (p && ota_plan_action_allowed(p->state, OTA_ACT_ACTIVATE)) {
        hint_key(&b, ACT_ACTIVATE, "activate");
        hint_key(&b, ACT_DELETE, "delete");
    }
    if (p && ota_plan_action_allowed(p->state, OTA_ACT_PAUSE))
        hint_key(&b, ACT_PAUSE, "pause");
    if (p && ota_plan_action_allowed(p->state, OTA_ACT_RESUME))
        hint_key(&b, ACT_RESUME, "resume");
    if (p && ota_plan_action_allowed(p->state, OTA_ACT_TERMINATE))
        hint_key(&b, ACT_TERMINATE, "terminate");
    hint_key(&b, ACT_HISTORY, "history");
    if (ota_backend_local_engine(a->be))
        hint_key(&b, ACT_PUSH, "push");
    hint_key(&b, ACT_PANE_STATUS, "live");
    hint_key(&b, ACT_FILTER, "filter");
    hint_key(&b, ACT_SORT, "sort");
    hint_key(&b, ACT_HELP, "help");
    return hint_done(&b, a->lay.msg.w);
}

static void plans_done(app *a)
{
    (void)a;
    free(L.rows);
    free(L.prog);
    L.rows = NULL;
    L.prog = NULL;
    L.nrows = L.nprog = L.capprog = 0;
    L.rows_gen = -1;
}

const pane_ops pane_plans = {
    .title = "Plans", .scopes = plans_scopes, .enter = plans_enter, .action = plans_action,
    .draw = plans_draw, .tick = plans_tick, .hint = plans_hint, .done = plans_done,
};
