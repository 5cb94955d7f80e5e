/* loop.c: the event loop.  One poll() on the keyboard, the worker's
 * result pipe and a timer; handlers return flags; one draw and one
 * doupdate() per pass, of the dirty regions only.  A pass in which nothing
 * changed draws nothing and so writes nothing to the terminal. */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include "modal.h"
#include "palette.h"
#include "paste.h"
#include "tui.h"

#define TICK_MS        1000   /* pane timers (live status, dashboard polling) */
#define SPIN_AFTER_MS  300    /* a request slower than this shows the spinner */
#define SPIN_FRAME_MS  150

static bool cursor_on;

static bool pane_unsaved(app *a)
{
    const pane_ops *p = app_pane(a, a->pane);
    return p->unsaved && p->unsaved(a);
}

static void quit_yes(app *a, const char *text, void *ctx)
{
    (void)text; (void)ctx;
    a->quit = true;
}

static void switch_yes(app *a, const char *text, void *ctx)
{
    (void)text;
    pane_id p = (pane_id)(intptr_t)ctx;
    if (p == PANE_PLAN_STATUS)
        plan_status_open(a, a->sel_plan);
    else
        app_show(a, p);
}

static int goto_pane(app *a, pane_id p)
{
    if (a->dashboard_mode)
        return H_HANDLED;
    if (pane_unsaved(a)) {
        prompt_confirm(a, "Leave this form? Its unsaved changes are lost.", switch_yes,
                       (void *)(intptr_t)p, NULL);
        return H_REDRAW;
    }
    switch_yes(a, NULL, (void *)(intptr_t)p);
    return H_REDRAW;
}

static int global_action(app *a, tui_action act)
{
    int64_t oldest;
    switch (act) {
    case ACT_PANE_PACKAGES: return goto_pane(a, PANE_PACKAGES);
    case ACT_PANE_PLANS:    return goto_pane(a, PANE_PLANS);
    case ACT_PANE_STATUS:
        if (!a->sel_plan) {
            app_msg(a, MSG_WARN, "No plan selected: pick one in the plans pane (2) first");
            return H_HANDLED;
        }
        return goto_pane(a, PANE_PLAN_STATUS);
    case ACT_MESSAGE:
        return app_msg_again(a);
    case ACT_PALETTE:
        palette_open(a);
        return H_REDRAW;
    case ACT_THEME: case ACT_PLAN: {
        int64_t id = 0;
        int h = palette_command(a, act, &id);
        if (h || a->dashboard_mode)
            return h ? h : H_HANDLED;
        a->sel_plan = id;
        return goto_pane(a, PANE_PLAN_STATUS);
    }
    case ACT_HELP:
        if (a->pane != PANE_HELP)
            app_show(a, PANE_HELP);
        return H_REDRAW;
    case ACT_BACK:
        if (worker_pending(a->w, &oldest) && now_ms() - oldest >= SPIN_AFTER_MS) {
            worker_cancel(a->w, -1);
            app_msg(a, MSG_WARN, "Cancelled the request in progress (its result is dropped)");
            app_dirty(a, D_STATUS);
            return H_REDRAW;
        }
        /* fall through: Esc on a top pane goes back like q, but never quits */
        if (a->pane == PANE_HELP || a->pane == PANE_PLAN_STATUS) {
            app_show(a, a->pane == PANE_HELP ? a->back : PANE_PLANS);
            return H_REDRAW;
        }
        return H_HANDLED;
    case ACT_QUIT:
        if (a->pane == PANE_HELP) {
            app_show(a, a->back);
            return H_REDRAW;
        }
        if (a->pane == PANE_PLAN_STATUS && !a->dashboard_mode) {
            app_show(a, PANE_PLANS);
            return H_REDRAW;
        }
        /* fall through */
    case ACT_QUIT_ALL:
        if (pane_unsaved(a)) {
            prompt_confirm(a, "Quit? The form has unsaved changes.", quit_yes, NULL, NULL);
            return H_REDRAW;
        }
        return H_QUIT;
    default:
        return H_IGNORED;
    }
}

/* An action, from its key or the palette: the pane's first, then global. */
static int dispatch_action(app *a, tui_action act)
{
    const pane_ops *p = app_pane(a, a->pane);
    if (p->action) {
        int r = p->action(a, act);
        if (r)
            return r;
    }
    return global_action(a, act);
}

static int dispatch_key(app *a, int key)
{
    if (key == KEY_RESIZE)
        return H_RESIZE;
    if (a->msg_kind != MSG_NONE && !a->modal) {
        bool popup = msg_popup_rows(a) > 1;
        a->msg_kind = MSG_NONE;     /* a key clears the last message */
        app_dirty(a, D_MSG | D_BODY);
        if (popup && key == KEY_ESC)
            return H_REDRAW;        /* Esc only closes the popup */
    }
    if (a->modal)
        return modal_key(a, key);
    if (a->lay.too_small) {
        tui_action act = keys_lookup(SC_GLOBAL, key);
        return act == ACT_QUIT || act == ACT_QUIT_ALL ? global_action(a, act) : H_HANDLED;
    }
    const pane_ops *p = app_pane(a, a->pane);
    if (p->input) {
        int r = p->input(a, key);
        if (r)
            return r;
    }
    int scopes = (p->scopes ? p->scopes(a) : 0) | SC_GLOBAL;
    tui_action act = keys_lookup(scopes, key);
    if (act == ACT_NONE)
        return H_IGNORED;
    return dispatch_action(a, act);
}

void loop_run_action(app *a, tui_action act)
{
    int h = dispatch_action(a, act);
    if (h & H_QUIT)
        a->quit = true;
    app_dirty(a, D_ALL);
}

/* A bracketed paste: to the prompt or picker open, else to the pane; a
 * paste is never taken as keystrokes, so pasted text cannot run commands. */
static int dispatch_paste(app *a, const char *text, bool cut)
{
    if (a->msg_kind != MSG_NONE && !a->modal) {
        a->msg_kind = MSG_NONE;
        app_dirty(a, D_MSG);
    }
    int h = H_HANDLED;
    if (a->modal)
        h = modal_paste(a, text);
    else if (!a->lay.too_small) {
        const pane_ops *p = app_pane(a, a->pane);
        h = p->paste ? p->paste(a, text) : H_IGNORED;
        if (!h)
            app_msg(a, MSG_WARN, "Paste ignored here: paste into a prompt, a text field or an id list");
    }
    if (cut)
        app_msg(a, MSG_WARN, "The paste was too long: only its first %d MiB were taken", 4);
    return h | H_REDRAW;
}

static void draw_pass(app *a)
{
    if (!a->dirty)
        return;
    if (a->lay.too_small) {
        draw_small(a);
        a->cur_y = -1;
    } else {
        /* Everything is drawn into the virtual screen; ncurses sends only
         * the cells that differ, so redrawing an unchanged region is free
         * on the wire.  What keeps idle refreshes at 0 bytes is that
         * nothing is marked dirty unless its data changed. */
        a->cur_y = -1;
        draw_tabs(a);
        draw_fill(a->lay.body, EL_NORMAL);
        app_pane(a, a->pane)->draw(a, a->lay.body);
        modal_draw_body(a, a->lay.body);
        draw_msgline(a);   /* a prompt there places the cursor last */
        draw_status(a);
    }
    bool want = a->cur_y >= 0;
    if (want != cursor_on) {
        curs_set(want ? 1 : 0);
        cursor_on = want;
    }
    if (want)
        move(a->cur_y, a->cur_x);
    wnoutrefresh(stdscr);
    doupdate();
    a->dirty = 0;
}

static void update_spinner(app *a)
{
    int64_t oldest;
    int frame = -1;
    if (worker_pending(a->w, &oldest)) {
        int64_t age = now_ms() - oldest;
        if (age >= SPIN_AFTER_MS)
            frame = (int)(age / SPIN_FRAME_MS) % 4;
    }
    if (frame != a->spinner) {
        a->spinner = frame;
        app_dirty(a, D_STATUS);
    }
}

static bool next_key(int *key)
{
    wint_t ch;
    int r = wget_wch(stdscr, &ch);
    if (r == ERR)
        return false;
    *key = r == KEY_CODE_YES ? (int)ch : ch >= KEY_MIN ? (int)ch + KEY_CHAR_SHIFT : (int)ch;
    return true;
}

/* The keys waiting, one burst: each is handled knowing whether more of the
 * burst follow it (a->typeahead), so a prompt for many lines can tell a
 * pasted line end from an Enter typed by hand (prompt.c). */
static void read_keys(app *a)
{
    int key = 0, next = 0;
    bool have = next_key(&key);
    a->burst++;
    while (have) {
        bool more = next_key(&next);
        a->typeahead = more;
        const char *pasted;
        bool cut = false;
        int h;
        if (paste_key(key, &pasted, &cut))
            h = pasted ? dispatch_paste(a, pasted, cut) : H_HANDLED;
        else
            h = dispatch_key(a, key);
        key = next;
        have = more;
        if (h & H_RESIZE) {
            layout_compute(LINES, COLS, &a->lay);
            app_dirty(a, D_ALL);
        }
        if (h & H_REDRAW)
            app_dirty(a, D_BODY);
        if (h & H_QUIT) {
            a->quit = true;
            break;
        }
        if (a->quit)
            break;
    }
    a->typeahead = false;
}

int loop_run(app *a)
{
    layout_compute(LINES, COLS, &a->lay);
    a->dirty = D_ALL;
    a->spinner = -1;
    cursor_on = true;   /* force the first curs_set */
    int64_t next_tick = now_ms() + TICK_MS;
    while (!a->quit) {
        update_spinner(a);
        draw_pass(a);
        if (a->iterations > 0 && ++a->passes >= a->iterations)
            break;
        int64_t now = now_ms();
        int timeout = next_tick > now ? (int)(next_tick - now) : 0;
        if (a->spinner >= 0 || worker_pending(a->w, NULL))
            timeout = timeout < SPIN_FRAME_MS ? timeout : SPIN_FRAME_MS;
        struct pollfd fds[3] = {{.fd = 0, .events = POLLIN}, {.fd = worker_fd(a->w), .events = POLLIN},
                                {.fd = a->sig_fd, .events = POLLIN}};
        int r = poll(fds, a->sig_fd >= 0 ? 3 : 2, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && a->sig_fd >= 0 && (fds[2].revents & POLLIN)) {
            unsigned char sig;
            if (read(a->sig_fd, &sig, 1) == 1) {
                a->signal = sig;   /* main() tears down, then ends as the signal would */
                break;
            }
        }
        /* EINTR is usually SIGWINCH: ncurses then answers KEY_RESIZE */
        if (r < 0 || (fds[0].revents & POLLIN))
            read_keys(a);
        if (r > 0 && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN))
            break;   /* the terminal went away */
        if (r > 0 && (fds[1].revents & POLLIN)) {
            worker_drain(a->w, a);
            app_msg_tick(a);
        }
        now = now_ms();
        if (now >= next_tick) {
            next_tick = now + TICK_MS;
            const pane_ops *p = app_pane(a, a->pane);
            if (p->tick && !a->lay.too_small)
                p->tick(a);
        }
    }
    return 0;
}
