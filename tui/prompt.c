/* prompt.c: prompts, confirmations, pickers and notices (see modal.h). */
#include <curses.h>
#include <sodium.h>
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
    m->burst = a->burst;
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
    for (int i = 0; i < m->nitems; i++)
        free(m->items[i]);
    free(m->items);
    free(m->shown);
    free(m->text);
    free(m->orig);
    sodium_memzero(m->note, sizeof m->note);
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

void prompt_filter(app *a, const char *what, const char *current, prompt_fn apply, void *ctx)
{
    char label[256];
    if (current && *current)
        snprintf(label, sizeof label, "%s (now \"%.40s\"; Enter on empty clears):", what, current);
    else
        snprintf(label, sizeof label, "%s:", what);
    prompt_text(a, label, "", false, apply, ctx, NULL);
    a->modal->on_change = apply;
    a->modal->orig = strdup(current ? current : "");
    if (!a->modal->orig)
        abort();
}

void prompt_lines(app *a, const char *label, prompt_fn fn, void *ctx, void (*free_ctx)(void *))
{
    prompt_text(a, label, "", false, fn, ctx, free_ctx);
    a->modal->lines = true;
}

void prompt_confirm(app *a, const char *question, prompt_fn yes, void *ctx,
                    void (*free_ctx)(void *))
{
    modal *m = modal_new(a, MODAL_CONFIRM, question, ctx, free_ctx);
    m->on_text = yes;
}

void prompt_show(app *a, const char *title, const char *text, int indent, prompt_fn on_close,
                 void *ctx, void (*free_ctx)(void *))
{
    modal *m = modal_new(a, MODAL_TEXT, title, ctx, free_ctx);
    m->text = strdup(text);
    if (!m->text)
        abort();
    m->indent = indent;
    m->on_text = on_close;
}

void prompt_notice(app *a, const char *title, const char *text, const char *hint)
{
    modal *m = modal_new(a, MODAL_NOTICE, title, NULL, NULL);
    text_copy(m->note, sizeof m->note, text);
    text_copy(m->note_hint, sizeof m->note_hint, hint ? hint : "");
}

static void picker_filter(modal *m)
{
    m->nshown = 0;
    if (m->match) {   /* ranked: best first, stable among equals */
        int rank[m->nitems ? m->nitems : 1];
        for (int i = 0; i < m->nitems; i++) {
            int r = m->match(m->items[i], m->field.buf);
            if (r <= 0)
                continue;
            int k = m->nshown++;
            while (k > 0 && rank[k - 1] < r) {
                rank[k] = rank[k - 1];
                m->shown[k] = m->shown[k - 1];
                k--;
            }
            rank[k] = r;
            m->shown[k] = i;
        }
        m->lv.sel = m->lv.top = 0;
    } else {
        for (int i = 0; i < m->nitems; i++)
            if (!m->field.len || strcasestr(m->items[i], m->field.buf))
                m->shown[m->nshown++] = i;
    }
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

void prompt_pick_typed(app *a, const char *title, const char *const *items, int n,
                       pick_match_fn match, pick_text_fn fn, void *ctx, void (*free_ctx)(void *))
{
    prompt_pick(a, title, items, n, NULL, ctx, free_ctx);
    a->modal->match = match;
    a->modal->on_pick_text = fn;
    picker_filter(a->modal);
}

/* Finish: take the callback out first, since it may open another modal. */
static int modal_finish(app *a, const char *text, int pick)
{
    modal *m = a->modal;
    prompt_fn on_text = m->on_text;
    pick_fn on_pick = m->on_pick;
    pick_text_fn on_pick_text = m->on_pick_text;
    bool picker = m->kind == MODAL_PICKER;
    void *ctx = m->ctx;
    void (*free_ctx)(void *) = m->free_ctx;
    m->free_ctx = NULL;
    char copy[sizeof m->field.buf];
    text_copy(copy, sizeof copy, picker ? m->field.buf : text ? text : "");
    modal_close(a);
    if (on_pick_text)
        on_pick_text(a, pick, copy, ctx);
    else if (pick >= 0 && on_pick)
        on_pick(a, pick, ctx);
    else if (text && on_text)
        on_text(a, copy, ctx);
    if (free_ctx)
        free_ctx(ctx);
    return H_REDRAW;
}

/* Enter in a lines prompt while lines come in faster than typing: the
 * line goes to the callback and the prompt stays open for the next. */
static int lines_enter(app *a, modal *m)
{
    if (!m->in_lines) {
        m->in_lines = true;
        size_t n = strlen(m->label);
        if (n && m->label[n - 1] == ':')
            m->label[n - 1] = '\0';
        snprintf(m->label + strlen(m->label), sizeof m->label - strlen(m->label),
                 " (empty line ends):");
    }
    if (!m->field.len) {
        if (a->typeahead)
            return H_HANDLED;              /* a blank line inside the paste */
        return modal_finish(a, "", -1);    /* Enter on an empty line: done */
    }
    char copy[sizeof m->field.buf];
    text_copy(copy, sizeof copy, m->field.buf);
    tfield_set(&m->field, "");
    m->on_text(a, copy, m->ctx);
    app_dirty(a, D_MSG | D_BODY);
    return H_REDRAW;
}

int modal_paste(app *a, const char *text)
{
    modal *m = a->modal;
    if (m->kind == MODAL_CONFIRM || m->kind == MODAL_TEXT || m->kind == MODAL_NOTICE)
        return H_HANDLED;                  /* a paste never answers y, nor closes a text */
    if (m->kind == MODAL_PICKER) {
        if (tfield_paste(&m->field, text))
            picker_filter(m);
        app_dirty(a, D_BODY);
        return H_REDRAW;
    }
    if (!m->lines) {
        if (tfield_paste(&m->field, text) && m->on_change) {
            m->on_change(a, m->field.buf, m->ctx);   /* a filter: applied as it is pasted */
            app_dirty(a, D_BODY);
        }
        app_dirty(a, D_MSG);
        return H_HANDLED;
    }
    /* a lines prompt: what was typed and the paste, whole, then done */
    size_t n = m->field.len + strlen(text) + 2;
    char *all = malloc(n);
    if (!all)
        abort();
    snprintf(all, n, "%s\n%s", m->field.buf, text);
    prompt_fn fn = m->on_text;
    void *ctx = m->ctx;
    void (*free_ctx)(void *) = m->free_ctx;
    m->free_ctx = NULL;
    modal_close(a);
    fn(a, all, ctx);
    fn(a, "", ctx);
    free(all);
    if (free_ctx)
        free_ctx(ctx);
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
    if (m->kind == MODAL_TEXT) {
        int ch = key_char(key);
        if (key == KEY_ESC || key == '\n' || key == '\r' || key == KEY_ENTER || ch == 'q' || ch == ' ')
            return modal_finish(a, "", -1);
        return H_HANDLED;
    }
    if (m->kind == MODAL_NOTICE) {  /* stays until closed on purpose */
        if (key == '\n' || key == '\r' || key == KEY_ENTER || key == KEY_ESC) {
            modal_close(a);
            a->msg_kind = MSG_NONE;   /* what it announced is done: the pane's hint again */
        }
        return H_REDRAW;
    }
    if ((key == KEY_ESC || key == CTRL_KEY('g')) && m->in_lines)
        return modal_finish(a, "", -1);   /* the lines taken stay taken */
    if (key == KEY_ESC || key == CTRL_KEY('g')) {
        if (m->on_change) {   /* a filter: the one before comes back */
            prompt_fn back = m->on_change;
            void *ctx = m->ctx;
            char orig[sizeof m->field.buf];
            text_copy(orig, sizeof orig, m->orig);
            modal_close(a);
            back(a, orig, ctx);
            app_msg(a, MSG_INFO, orig[0] ? "Filter unchanged: \"%s\"" : "Cancelled: no filter", orig);
            return H_REDRAW;
        }
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
    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        if (m->lines && (m->in_lines || (a->typeahead && m->burst != a->burst)))
            return lines_enter(a, m);
        return modal_finish(a, m->field.buf, -1);
    }
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
    int changed = tfield_key(&m->field, key);
    if (changed)
        app_dirty(a, D_MSG);
    if (changed == 1 && m->on_change) {
        m->on_change(a, m->field.buf, m->ctx);
        app_dirty(a, D_BODY);
    }
    return H_HANDLED;
}

/* Rows a prompt's question takes above the message line: 0 when the
 * question and its answer share the line; else the question wrapped in
 * full (a confirmation's last row, with its keys, is the line itself). */
static int label_rows(const modal *m, int w)
{
    if (m->kind == MODAL_CONFIRM) {
        char q[sizeof m->label + 16];
        snprintf(q, sizeof q, "%s [y/N]", m->label);
        return wrap_rows(q, w, 0) - 1;
    }
    return text_width(m->label) <= w / 2 ? 0 : wrap_rows(m->label, w, 0);
}

void modal_draw_line(app *a, rect line)
{
    modal *m = a->modal;
    if (!m || m->kind == MODAL_PICKER || m->kind == MODAL_NOTICE)
        return;
    if (m->kind == MODAL_TEXT) {
        draw_text(line.y, line.x, line.w, EL_DIM, "Esc, Enter or q: back");
        return;
    }
    int above = label_rows(m, line.w);
    if (m->kind == MODAL_CONFIRM) {
        /* the whole question and its keys, wrapped upwards when long */
        char q[sizeof m->label + 16];
        snprintf(q, sizeof q, "%s [y/N]", m->label);
        size_t st[32], ln[32];
        int n = text_wrap(q, line.w, 0, st, ln, 32);
        if (n > 32)
            n = 32;
        for (int i = 0; i < n; i++) {
            char row[1024];
            snprintf(row, sizeof row, "%.*s", (int)ln[i], q + st[i]);
            draw_text(line.y - above + i, line.x, line.w, EL_LABEL_FOCUS, row);
        }
        char last[1024];
        snprintf(last, sizeof last, "%.*s", n ? (int)ln[n - 1] : 0, n ? q + st[n - 1] : "");
        int lw = text_width(last);
        a->cur_y = line.y;
        a->cur_x = line.x + lw + 1 < line.w ? line.x + lw + 1 : line.w - 1;
        return;
    }
    int lw = text_width(m->label);
    if (above) {
        /* a question longer than half the line: in full above, the answer
         * on the whole line */
        draw_wrap(line.y - above, line.x, line.w, EL_LABEL_FOCUS, m->label, 0, above);
        draw_text(line.y, line.x, 2, EL_LABEL_FOCUS, "> ");
        lw = 1;
    } else {
        draw_text(line.y, line.x, lw, EL_LABEL_FOCUS, m->label);
    }
    int cx = tfield_draw(&m->field, line.y, line.x + lw + 1, line.w - lw - 1, EL_FIELD_FOCUS, true);
    if (!above)
        draw_text(line.y, line.x + lw, 1, EL_NORMAL, " ");
    a->cur_y = line.y;
    a->cur_x = cx;
}

/* A notice: full-width rows in the middle of the body (as the picker's,
 * so no wide character underneath is cut in half). */
static void notice_draw(app *a, modal *m, rect body)
{
    int h = 7, y = body.y + (body.h > h ? (body.h - h) / 2 : 0);
    char buf[sizeof m->label + 16];
    draw_text(y++, body.x, body.w, EL_TILE, "");
    snprintf(buf, sizeof buf, " %s ", m->label);
    draw_text(y++, body.x, body.w, EL_HEADER, buf);
    draw_text(y++, body.x, body.w, EL_TILE, "");
    snprintf(buf, sizeof buf, "   %s", m->note);
    draw_text(y++, body.x, body.w, EL_TILE_TITLE, buf);
    sodium_memzero(buf, sizeof buf);
    draw_text(y++, body.x, body.w, EL_TILE, "");
    snprintf(buf, sizeof buf, " %s", m->note_hint);
    draw_text(y++, body.x, body.w, EL_TILE, buf);
    draw_text(y, body.x, body.w, EL_DIM, " Enter closes (it is not shown again)");
    a->cur_y = -1;
}

void modal_draw_body(app *a, rect body)
{
    modal *m = a->modal;
    if (!m)
        return;
    if (m->kind == MODAL_PROMPT && m->complete_paths && m->completions[0]) {
        /* completion candidates just above the prompt (and its question) */
        draw_text(body.y + body.h - 1 - label_rows(m, a->lay.msg.w), body.x, body.w, EL_DIM, m->completions);
        return;
    }
    if (m->kind == MODAL_TEXT) {
        /* full-width rows, as the picker's: the title, the text, wrapped */
        int y = body.y + 1, end = body.y + body.h;
        draw_text(body.y, body.x, body.w, EL_HEADER, m->label);
        for (const char *p = m->text; *p && y < end;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char line[2048];
            snprintf(line, sizeof line, " %.*s", (int)n, p);
            y += draw_wrap(y, body.x, body.w, EL_TILE, line, m->indent + 1, end - y);
            p += n + (nl ? 1 : 0);
        }
        while (y < end)
            draw_text(y++, body.x, body.w, EL_TILE, "");
        return;
    }
    if (m->kind == MODAL_NOTICE) {
        notice_draw(a, m, body);
        return;
    }
    if (m->kind != MODAL_PICKER)
        return;
    /* Full-width rows: a box over part of a row could cut a wide (CJK)
     * character underneath in half, which terminals and ncurses disagree
     * about afterwards. */
    int w = body.w, h = body.h - 1;
    int x = body.x, y = body.y + 1;
    char buf[sizeof m->label + 32];
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
