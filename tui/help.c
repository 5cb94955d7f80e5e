/* help.c: the help pane, generated from the key table and its groups
 * (keys.h), so it shows the bindings the console really has, as
 * otaconsole --keys and otaconsole(1) do. */
#include <stdio.h>
#include <string.h>
#include "roles.h"
#include "tui.h"

static listview lv;

/* Line i of the help text into buf; returns the element to draw it with,
 * or -1 past the end.  A key the token's role may not use is dimmed and
 * names the role it needs. */
static int help_line(const app *a, int i, char *buf, size_t len)
{
    int n = 0;
    for (int g = 0; g < keys_ngroups; g++) {
        if (n++ == i) {
            text_copy(buf, len, keys_groups[g].title);
            return EL_HEADER;
        }
        for (int k = 0; k < keys_count; k++) {
            const key_binding *b = &keys_table[k];
            if (!(b->scope & keys_groups[g].scope))
                continue;
            if (n++ == i) {
                char keys[40];
                ota_role needs;
                bool grey = a && role_short(a, b->action, &needs);
                snprintf(buf, len, "  %-14s %s%s%s%s", keys_binding_names(b, keys, sizeof keys),
                         b->help, grey ? " (needs " : "", grey ? ota_role_str(needs) : "",
                         grey ? ")" : "");
                return grey ? EL_DIM : EL_NORMAL;
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
    while (help_line(NULL, n, buf, sizeof buf) >= 0)
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
    /* the selection is the scroll position here: keep it at the top row */
    list_clamp(&lv, r.h);
    lv.top = lv.sel > lv.n - r.h ? (lv.n - r.h > 0 ? lv.n - r.h : 0) : lv.sel;
    for (int y = 0; y < r.h; y++) {
        char buf[512];
        int el = help_line(a, lv.top + y, buf, sizeof buf);
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
