/* prompt.c: prompts, confirmations and pickers (see modal.h). */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "modal.h"

static modal *modal_new(app *a, modal_kind k, const char *label, void *ctx,
                        void (*free_ctx)(void *))
{
    modal_close(a);
    modal *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->kind = k;
    text_copy(m->label, sizeof m->label, label);
    m->ctx = ctx;
    m->free_ctx = free_ctx;
    a->modal = m;
    app_dirty(a, D_MSG | D_BODY);
    return m;
}

void modal_close(app *a)
{
    modal *m = a->modal;
    if (!m)
        return;
    if (m->free_ctx)
        m->free_ctx(m->ctx);
    if (m->secret)
        explicit_bzero(&m->field, sizeof m->field);
    for (int i = 0; i < m->nitems; i++)
        free(m->items[i]);
    free(m->items);
    free(m->shown);
    free(m);
    a->modal = NULL;
    app_dirty(a, D_MSG | D_BODY);
}

void prompt_text(app *a, const char *label, const char *initial, bool paths,
                 prompt_fn fn, void *ctx, void (*free_ctx)(void *))
{
    modal *m = modal_new(a, MODAL_PROMPT, label, ctx, free_ctx);
    tfield_set(&m->field, initial ? initial : "");
    m->complete_paths = paths;
    m->on_text = fn;
}

void prompt_secret(app *a, const char *label, prompt_fn fn, void *ctx, void (*free_ctx)(void *))
{
    prompt_text(a, label, "", false, fn, ctx, free_ctx);
    a->modal->secret = true;
}

void prompt_confirm(app *a, const char *question, prompt_fn yes, void *ctx,
                    void (*free_ctx)(void *))
{
    modal *m = modal_new(a, MODAL_CONFIRM, question, ctx, free_ctx);
    m->on_text = yes;
}

static void picker_filter(modal *m)
{
    m->nshown = 0;
    for (int i = 0; i < m->nitems; i++)
        if (!m->field.len || strcasestr(m->items[i], m->field.buf))
            m->shown[m->nshown++] = i;
    m->lv.n = m->nshown;
    if (m->lv.sel >= m->nshown)
        m->lv.sel = m->nshown ? m->nshown - 1 : 0;
}

void prompt_pick(app *a, const char *title, const char *const *items, int n, pick_fn fn,
                 void *ctx, void (*free_ctx)(void *))
{
    modal *m = modal_new(a, MODAL_PICKER, title, ctx, free_ctx);
    m->on_pick = fn;
    m->items = calloc(n ? n : 1, sizeof *m->items);
    m->shown = calloc(n ? n : 1, sizeof *m->shown);
    if (!m->items || !m->shown)
        abort();
    for (int i = 0; i < n; i++)
        m->items[i] = strdup(items[i]);
    m->nitems = n;
    picker_filter(m);
}

/* Finish: take the callback out first, since it may open another modal. */
static int modal_finish(app *a, const char *text, int pick)
{
    modal *m = a->modal;
    prompt_fn on_text = m->on_text;
    pick_fn on_pick = m->on_pick;
    void *ctx = m->ctx;
    void (*free_ctx)(void *) = m->free_ctx;
    m->free_ctx = NULL;
    char copy[sizeof m->field.buf];
    text_copy(copy, sizeof copy, text ? text : "");
    modal_close(a);
    if (pick >= 0 && on_pick)
        on_pick(a, pick, ctx);
    else if (text && on_text)
        on_text(a, copy, ctx);
    if (free_ctx)
        free_ctx(ctx);
    explicit_bzero(copy, sizeof copy);   /* it may have been a token */
    return H_REDRAW;
}

static int picker_key(app *a, modal *m, int key)
{
    tui_action act = keys_lookup(SC_MOVE, key);
    int h = a->lay.body.h - 4;
    if (act == ACT_OPEN)
        return modal_finish(a, NULL, m->nshown ? m->shown[m->lv.sel] : -1);
    if (act != ACT_NONE && key_char(key) < 0 && list_move(&m->lv, act, h)) {
        app_dirty(a, D_BODY);
        return H_REDRAW;
    }
    if (act == ACT_UP || act == ACT_DOWN) {   /* j/k type into the filter */
        if (key == KEY_UP || key == KEY_DOWN) {
            list_move(&m->lv, act, h);
            app_dirty(a, D_BODY);
            return H_REDRAW;
        }
    }
    if (tfield_key(&m->field, key) == 1) {
        picker_filter(m);
        app_dirty(a, D_BODY);
    }
    return H_HANDLED;
}

int modal_key(app *a, int key)
{
    modal *m = a->modal;
    if (key == KEY_ESC || key == CTRL_KEY('g')) {
        modal_close(a);
        app_msg(a, MSG_INFO, "Cancelled");
        return H_REDRAW;
    }
    if (m->kind == MODAL_PICKER)
        return picker_key(a, m, key);
    if (m->kind == MODAL_CONFIRM) {
        int ch = key_char(key);
        if (ch == 'y' || ch == 'Y')
            return modal_finish(a, "y", -1);
        if (ch == 'n' || ch == 'N' || key == '\n' || key == '\r' || ch == 'q') {
            modal_close(a);
            app_msg(a, MSG_INFO, "Cancelled");
        }
        return H_REDRAW;
    }
    if (key == '\n' || key == '\r' || key == KEY_ENTER)
        return modal_finish(a, m->field.buf, -1);
    if (key == '\t' && m->complete_paths) {
        int n = path_complete(&m->field, m->completions, sizeof m->completions);
        if (n == 0)
            snprintf(m->completions, sizeof m->completions, "no match");
        app_dirty(a, D_MSG | D_BODY);
        if (n > 1)
            app_msg(a, MSG_INFO, "%d matches: %s", n, m->completions);
        else if (n == 0)
            app_msg(a, MSG_WARN, "no file matches");
        return H_REDRAW;
    }
    if (tfield_key(&m->field, key))
        app_dirty(a, D_MSG);
    return H_HANDLED;
}

void modal_draw_line(app *a, rect line)
{
    modal *m = a->modal;
    if (!m || m->kind == MODAL_PICKER)
        return;
    int lw = text_width(m->label);
    if (lw > line.w / 2)
        lw = line.w / 2;
    draw_text(line.y, line.x, lw, EL_LABEL_FOCUS, m->label);
    if (m->kind == MODAL_CONFIRM) {
        draw_text(line.y, line.x + lw, line.w - lw, EL_MESSAGE, " [y/N]");
        a->cur_y = line.y;
        a->cur_x = line.x + lw + 6 < line.w ? line.x + lw + 6 : line.w - 1;
        return;
    }
    tfield shown = m->field;
    if (m->secret)
        memset(shown.buf, '*', shown.len);   /* as many stars as bytes typed */
    int cx = tfield_draw(&shown, line.y, line.x + lw + 1, line.w - lw - 1, EL_FIELD_FOCUS, true);
    if (m->secret)
        explicit_bzero(&shown, sizeof shown);
    draw_text(line.y, line.x + lw, 1, EL_NORMAL, " ");
    a->cur_y = line.y;
    a->cur_x = cx;
}

void modal_draw_body(app *a, rect body)
{
    modal *m = a->modal;
    if (!m)
        return;
    if (m->kind == MODAL_PROMPT && m->complete_paths && m->completions[0]) {
        /* completion candidates just above the prompt line */
        draw_text(body.y + body.h - 1, body.x, body.w, EL_DIM, m->completions);
        return;
    }
    if (m->kind != MODAL_PICKER)
        return;
    /* Full-width rows: a box over part of a row could cut a wide (CJK)
     * character underneath in half, which terminals and ncurses disagree
     * about afterwards. */
    int w = body.w, h = body.h - 1;
    int x = body.x, y = body.y + 1;
    char buf[512];
    snprintf(buf, sizeof buf, " %s (%d) ", m->label, m->nshown);
    draw_text(y, x, w, EL_HEADER, buf);
    draw_text(y + 1, x, 9, EL_LABEL, " filter: ");
    int cx = tfield_draw(&m->field, y + 1, x + 9, w - 9, EL_FIELD_FOCUS, true);
    int rows = h - 3;
    list_clamp(&m->lv, rows);
    for (int r = 0; r < rows; r++) {
        int i = m->lv.top + r;
        if (i < m->nshown) {
            snprintf(buf, sizeof buf, " %s", m->items[m->shown[i]]);
            draw_text(y + 2 + r, x, w, i == m->lv.sel ? EL_SELECTED : EL_TILE, buf);
        } else {
            draw_text(y + 2 + r, x, w, EL_TILE, r == 0 && !m->nshown ? " (nothing matches)" : "");
        }
    }
    draw_text(y + 2 + rows, x, w, EL_DIM, " Enter choose · type to filter · Esc cancel");
    a->cur_y = y + 1;
    a->cur_x = cx;
}
