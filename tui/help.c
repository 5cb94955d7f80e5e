/* help.c: the help pane, generated from the key table (keys.h), so it
 * shows the bindings the console really has. */
#include <stdio.h>
#include <string.h>
#include "tui.h"

static const struct { int scope; const char *title; } groups[] = {
    {SC_GLOBAL, "Everywhere"}, {SC_MOVE, "Moving in lists and forms"},
    {SC_LIST, "Package and plan lists"}, {SC_PKG, "Packages"},
    {SC_PLAN, "Plans and live status"}, {SC_STATUS, "Live status"},
    {SC_FORM, "Forms (package form, plan editor)"}, {SC_EDITOR, "Plan editor"},
    {SC_IDS, "Blacklist / whitelist editor"},
};

static listview lv;

/* Line i of the help text into buf; returns the element to draw it with,
 * or -1 past the end. */
static int help_line(int i, char *buf, size_t len)
{
    int n = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        if (n++ == i) {
            text_copy(buf, len, groups[g].title);
            return EL_HEADER;
        }
        for (int k = 0; k < keys_count; k++) {
            const key_binding *b = &keys_table[k];
            if (!(b->scope & groups[g].scope))
                continue;
            if (n++ == i) {
                char k1[16], k2[16], keys[40];
                keys_name(b->key, k1, sizeof k1);
                if (b->key2)
                    snprintf(keys, sizeof keys, "%s, %s", k1, keys_name(b->key2, k2, sizeof k2));
                else
                    text_copy(keys, sizeof keys, k1);
                snprintf(buf, len, "  %-14s %s", keys, b->help);
                return EL_NORMAL;
            }
        }
        if (n++ == i) {
            buf[0] = '\0';
            return EL_NORMAL;
        }
    }
    if (n++ == i) {
        snprintf(buf, len, "In text fields, typing edits the field: use Tab / S-Tab to move on, "
                 "Esc to leave the form, ^U to clear.");
        return EL_DIM;
    }
    return -1;
}

static int help_count(void)
{
    char buf[8];
    int n = 0;
    while (help_line(n, buf, sizeof buf) >= 0)
        n++;
    return n;
}

static void help_enter(app *a)
{
    (void)a;
    lv.n = help_count();
}

static int help_scopes(app *a) { (void)a; return SC_MOVE; }

static int help_action(app *a, tui_action act)
{
    lv.n = help_count();
    if (act == ACT_OPEN)
        return H_HANDLED;
    return list_move(&lv, act, a->lay.body.h);
}

static void help_draw(app *a, rect r)
{
    (void)a;
    /* the selection is the scroll position here: keep it at the top row */
    list_clamp(&lv, r.h);
    lv.top = lv.sel > lv.n - r.h ? (lv.n - r.h > 0 ? lv.n - r.h : 0) : lv.sel;
    for (int y = 0; y < r.h; y++) {
        char buf[512];
        int el = help_line(lv.top + y, buf, sizeof buf);
        draw_text(r.y + y, r.x + 1, r.w - 1, el < 0 ? EL_NORMAL : el, el < 0 ? "" : buf);
    }
}

static const char *help_hint(app *a)
{
    (void)a;
    return "Up/Down scroll · q or Esc back";
}

const pane_ops pane_help = {
    .title = "Help", .scopes = help_scopes, .enter = help_enter,
    .action = help_action, .draw = help_draw, .hint = help_hint,
};
