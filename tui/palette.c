/* palette.c: the command palette (':', as in k9s or vim).  It lists every
 * action of the view it is opened over, from the key table (keys.h: the
 * same rows that bind the keys and make the help), as "command  keys
 * help", the view's own first; typing filters them by command or help
 * text, best match first, and Enter runs the chosen one exactly as its
 * key would.  The words after the command are
 * its argument, for the actions run from here only: :theme NAME, :plan ID
 * (command.c reads what is typed).  Their handlers are here too
 * (palette_command). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command.h"
#include "modal.h"
#include "palette.h"
#include "tui.h"

#define CMD_W 14   /* the command column */

static char arg[256];      /* the argument of the action running from the palette */

const char *palette_arg(void) { return arg; }

/* The actions of the view, in table order: index into keys_table. */
typedef struct palette_ctx { int idx[ACT__COUNT]; int n; } palette_ctx;

static int view_scopes(app *a)
{
    const pane_ops *p = app_pane(a, a->pane);
    return (p->scopes ? p->scopes(a) : 0) | SC_GLOBAL;
}

static void run(app *a, int k, const char *rest)
{
    text_copy(arg, sizeof arg, rest);
    loop_run_action(a, keys_table[k].action);
    arg[0] = '\0';
}

static void picked(app *a, int index, const char *typed, void *vctx)
{
    palette_ctx *pc = vctx;
    char word[64], rest[256];
    command_split(typed, word, sizeof word, rest, sizeof rest);
    /* a command typed in full runs, whatever row is highlighted */
    int k = word[0] ? command_find(view_scopes(a), word) : -1;
    if (k >= 0 && keys_table[k].action != ACT_PALETTE) {
        run(a, k, rest);
        return;
    }
    if (index < 0) {
        app_msg(a, MSG_WARN, "No command \"%s\" in this view (: lists them)", word);
        return;
    }
    run(a, pc->idx[index], rest);
}

void palette_open(app *a)
{
    palette_ctx *pc = calloc(1, sizeof *pc);
    const char **items = calloc(keys_count, sizeof *items);
    char (*lab)[256] = calloc(keys_count, sizeof *lab);
    if (!pc || !items || !lab)
        abort();
    int scopes = view_scopes(a);
    /* the view's own actions first, then those of everywhere, moving last */
    for (int pass = 0; pass < 3; pass++)
    for (int k = 0; k < keys_count; k++) {
        const key_binding *b = &keys_table[k];
        int own = b->scope & scopes & ~(SC_GLOBAL | SC_MOVE);
        int group = own ? 0 : (b->scope & SC_GLOBAL) ? 1 : 2;
        if (!(b->scope & scopes) || b->action == ACT_PALETTE || group != pass)
            continue;
        char cmd[32], keys[40];
        keys_command(b, cmd, sizeof cmd);
        snprintf(lab[pc->n], sizeof lab[0], "%-*s %-9s %s", CMD_W, cmd,
                 b->key ? keys_binding_names(b, keys, sizeof keys) : "", b->help);
        items[pc->n] = lab[pc->n];
        pc->idx[pc->n++] = k;
    }
    prompt_pick_typed(a, "Commands of this view (:theme light, :plan 12)",
                      items, pc->n, command_rank, picked, pc, free);
    free(items);
    free(lab);
}

/* :theme NAME */
static int theme_command(app *a)
{
    if (!arg[0]) {
        app_msg(a, MSG_WARN, ":theme wants a name: default, light, monochrome, high-contrast or a file");
        return H_HANDLED;
    }
    theme th;
    char err[1024];
    if (theme_load(arg, &th, err, sizeof err)) {
        app_msg(a, MSG_ERROR, "%s", err);
        return H_HANDLED;
    }
    theme_switch(&th);
    bkgdset(' ' | theme_attr(EL_NORMAL));
    clearok(curscr, TRUE);
    app_dirty(a, D_ALL);
    app_msg(a, MSG_OK, "Theme %s", th.name);
    return H_REDRAW;
}

/* :plan ID: the plan's id as a number, or -1 */
static int64_t plan_arg(void)
{
    char *end;
    long long id = strtoll(arg, &end, 10);
    return arg[0] && !*end && id > 0 ? (int64_t)id : -1;
}

int palette_command(app *a, tui_action act, int64_t *plan)
{
    if (act == ACT_THEME)
        return theme_command(a);
    *plan = plan_arg();
    if (*plan < 0) {
        if (arg[0])
            app_msg(a, MSG_WARN, ":plan wants a plan's id, e.g. :plan 12 (got \"%s\")", arg);
        else
            app_msg(a, MSG_WARN, ":plan wants a plan's id, e.g. :plan 12");
        return H_HANDLED;
    }
    if (a->plans_loaded && !app_plan_row(a, *plan)) {
        app_msg(a, MSG_WARN, "No plan %lld", (long long)*plan);
        *plan = -1;
        return H_HANDLED;
    }
    return 0;
}
