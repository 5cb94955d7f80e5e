/* help.c: the help pane, generated from the key table and its groups
 * (keys.h), so it shows the bindings the console really has, as
 * otaconsole --keys and otaconsole(1) do.  A binding's text longer than
 * the screen wraps under itself (nothing is cut); opened from the
 * dashboard it shows only the keys the dashboard answers to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui.h"

static listview lv;

/* The help as screen rows for the width it was built for. */
typedef struct help_row { char text[256]; int el; } help_row;
static struct {
    help_row *rows;
    int n, cap, width;
    bool dashboard;
} H;

static void row_add(const char *text, int el)
{
    if (H.n == H.cap) {
        H.cap = H.cap ? 2 * H.cap : 128;
        H.rows = realloc(H.rows, (size_t)H.cap * sizeof *H.rows);
        if (!H.rows)
            abort();
    }
    text_copy(H.rows[H.n].text, sizeof H.rows[0].text, text);
    H.rows[H.n++].el = el;
}

/* text wrapped into rows of width columns, later rows indented by indent */
static void rows_wrapped(const char *text, int width, int indent, int el)
{
    size_t st[16], ln[16];
    int n = text_wrap(text, width, indent, st, ln, 16);
    for (int i = 0; i < n && i < 16; i++) {
        char line[512];
        snprintf(line, sizeof line, "%*s%.*s", i ? indent : 0, "", (int)ln[i], text + st[i]);
        row_add(line, el);
    }
}

/* Does the help show binding b?  From the dashboard: only what it does. */
static bool shown(const key_binding *b)
{
    return !H.dashboard || ((b->scope & SC_GLOBAL) && dashboard_offers(b->action));
}

static void help_build(int width, bool dashboard)
{
    if (H.rows && H.width == width && H.dashboard == dashboard)
        return;
    H.n = 0;
    H.width = width;
    H.dashboard = dashboard;
    if (dashboard)
        rows_wrapped("The dashboard is read-only: it polls the backend, pages rotate every 10 s, "
                     "and it marks its data STALE while the backend does not answer.", width, 0, EL_DIM);
    for (int g = 0; g < keys_ngroups; g++) {
        bool any = false;
        for (int k = 0; k < keys_count; k++) {
            const key_binding *b = &keys_table[k];
            if (!(b->scope & keys_groups[g].scope) || !shown(b))
                continue;
            if (!any)
                row_add(keys_groups[g].title, EL_HEADER);
            any = true;
            char keys[40], line[512];
            snprintf(line, sizeof line, "  %-14s %s", keys_binding_names(b, keys, sizeof keys), b->help);
            rows_wrapped(line, width, 17, EL_NORMAL);
        }
        if (any)
            row_add("", EL_NORMAL);
    }
    if (!dashboard)
        rows_wrapped("In text fields, typing edits the field: use Tab / S-Tab to move on, "
                     "Esc to leave the form, ^U to clear.", width, 0, EL_DIM);
}

static bool from_dashboard(const app *a)
{
    return a->dashboard_mode || a->back == PANE_DASHBOARD;
}

static void help_enter(app *a)
{
    help_build(a->lay.body.w - 1, from_dashboard(a));
    lv.n = H.n;
    lv.sel = lv.top = 0;
}

static int help_scopes(app *a) { (void)a; return SC_MOVE; }

static int help_action(app *a, tui_action act)
{
    help_build(a->lay.body.w - 1, from_dashboard(a));
    lv.n = H.n;
    if (act == ACT_OPEN)
        return H_HANDLED;
    return list_move(&lv, act, a->lay.body.h);
}

static void help_draw(app *a, rect r)
{
    help_build(r.w - 1, from_dashboard(a));
    lv.n = H.n;
    /* the selection is the scroll position here: keep it at the top row */
    list_clamp(&lv, r.h);
    lv.top = lv.sel > lv.n - r.h ? (lv.n - r.h > 0 ? lv.n - r.h : 0) : lv.sel;
    for (int y = 0; y < r.h; y++) {
        int i = lv.top + y;
        draw_text(r.y + y, r.x + 1, r.w - 1, i < H.n ? H.rows[i].el : EL_NORMAL, i < H.n ? H.rows[i].text : "");
    }
}

static const char *help_hint(app *a)
{
    (void)a;
    return "Up/Down scroll · q or Esc back";
}

static void help_done(app *a)
{
    (void)a;
    free(H.rows);
    memset(&H, 0, sizeof H);
}

const pane_ops pane_help = {
    .title = "Help", .scopes = help_scopes, .enter = help_enter,
    .action = help_action, .draw = help_draw, .hint = help_hint, .done = help_done,
};
