/* plan_ids.c: the plan editor's blacklist / whitelist editor: add (one id,
 * or many typed or pasted at once: idlist.c splits, checks and reports
 * them), remove, search, import from a file (all or nothing, ids checked by
 * core's ota_validate_device_id), ids on both lists flagged (the blacklist
 * wins).  It edits the editor's working copy (plan_editor.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "idlist.h"
#include "modal.h"
#include "msgtext.h"
#include "plan_ids.h"

static struct {
    ota_plan *w;                 ///< the editor's working copy
    bool active;
    ids_hooks h;
    int which;                   ///< 0 blacklist, 1 whitelist
    listview ilv;
    char ifilter[128];
    int *irows; int nirows;
    idlist_report rep;           ///< the last ids added many at once
    bool show_rep;               ///< shown above the list until the next change
} I;

static ota_strlist *cur_list(void) { return I.which ? &I.w->whitelist : &I.w->blacklist; }

int ids_both_count(const ota_plan *w)
{
    int n = 0;
    for (size_t i = 0; i < w->blacklist.n; i++)
        n += ota_strlist_has(&w->whitelist, w->blacklist.v[i]);
    return n;
}

static void ids_rows(void)
{
    ota_strlist *l = cur_list();
    free(I.irows);
    I.irows = calloc(l->n + 1, sizeof *I.irows);
    if (!I.irows)
        abort();
    I.nirows = 0;
    for (size_t i = 0; i < l->n; i++)
        if (!I.ifilter[0] || strcasestr(l->v[i], I.ifilter))
            I.irows[I.nirows++] = (int)i;
    I.ilv.n = I.nirows;
}

static const char *list_name(void) { return I.which ? "whitelist" : "blacklist"; }

static void report_clear(void)
{
    idlist_report_free(&I.rep);
    I.show_rep = false;
}

/* One id given: the messages say what became of it. */
static void one_added(app *a, const char *id)
{
    if (I.rep.rejected.n) {
        app_msg(a, MSG_ERROR, "%s: %s: %s", list_name(), I.rep.rejected.v[0], I.rep.why.v[0]);
    } else if (I.rep.added) {
        if (I.rep.both)
            app_msg(a, MSG_WARN, "%s is on both lists: the blacklist wins, it will not be upgraded", id);
        else
            app_msg(a, MSG_OK, "Added %s", id);
    } else {
        app_msg(a, MSG_INFO, "%s is already on the list", id);
    }
}

/* The add prompt's lines (prompt_lines): every id of each line is added;
 * "" when a run of lines (or a paste) ends. */
static void id_added(app *a, const char *text, void *ctx)
{
    (void)ctx;
    if (*text) {
        char id[OTA_DEVICE_ID_MAX + 2];
        text_copy(id, sizeof id, text + strspn(text, IDLIST_SEPARATORS));
        id[strcspn(id, IDLIST_SEPARATORS)] = '\0';
        if (idlist_add(cur_list(), I.which ? &I.w->blacklist : &I.w->whitelist, text, &I.rep))
            I.h.changed(a);
        ids_rows();
        if (!idlist_total(&I.rep))
            return;                        /* only separators */
        if (idlist_total(&I.rep) == 1) {
            one_added(a, id);
            return;
        }
        I.show_rep = true;
    } else if (!idlist_total(&I.rep)) {
        return;
    }
    char sum[512];
    idlist_summary(&I.rep, sum, sizeof sum);
    app_msg(a, I.rep.rejected.n || I.rep.both ? MSG_WARN : MSG_OK, "%s: %s",
            I.which ? "Whitelist" : "Blacklist", sum);
    app_dirty(a, D_BODY);
}

static void ids_imported(app *a, const char *path, void *ctx)
{
    (void)ctx;
    FILE *f = fopen(path, "r");
    if (!f) {
        app_msg(a, MSG_ERROR, "import: %s: %s", path, strerror(errno));
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, added = 0, dup = 0;
    /* all or nothing: a bad id stops the import before anything is added */
    ota_strlist tmp = {0};
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        char *s = line + strspn(line, " \t");
        s[strcspn(s, "\r\n")] = '\0';
        for (size_t n = strlen(s); n && (s[n - 1] == ' ' || s[n - 1] == '\t'); n--)
            s[n - 1] = '\0';
        if (!*s || *s == '#')
            continue;
        /* one id a line, or several separated as the add prompt takes them */
        for (char *save = NULL, *id = strtok_r(s, IDLIST_SEPARATORS, &save); id;
             id = strtok_r(NULL, IDLIST_SEPARATORS, &save)) {
            ota_err e;
            if (ota_validate_device_id(id, &e)) {
                char buf[600];
                app_msg(a, MSG_ERROR, "import: %s:%d: %s (nothing imported)", path, lineno,
                        field_msg(&e, buf, sizeof buf));
                ota_strlist_free(&tmp);
                free(line);
                fclose(f);
                return;
            }
            if (ota_strlist_push(&tmp, id))
                abort();
        }
    }
    free(line);
    fclose(f);
    for (size_t i = 0; i < tmp.n; i++) {
        if (ota_strlist_has(cur_list(), tmp.v[i])) {
            dup++;
            continue;
        }
        if (ota_strlist_push(cur_list(), tmp.v[i]))
            abort();
        added++;
    }
    ota_strlist_free(&tmp);
    report_clear();
    ids_rows();
    I.h.changed(a);
    app_msg(a, MSG_OK, "Imported %d id%s into the %s (%d already there)", added, plural_s(added),
            I.which ? "whitelist" : "blacklist", dup);
}

static void ids_filter(app *a, const char *text, void *ctx)
{
    (void)ctx;
    text_copy(I.ifilter, sizeof I.ifilter, text);
    I.ilv.sel = I.ilv.top = 0;
    ids_rows();
    app_dirty(a, D_BODY);
}

int ids_action(app *a, tui_action act)
{
    switch (act) {
    case ACT_BACK: case ACT_QUIT:
        I.active = false;
        return H_REDRAW;
    case ACT_NEXT_FIELD: case ACT_PREV_FIELD:
        report_clear();
        I.which = !I.which;
        I.ilv.sel = I.ilv.top = 0;
        ids_rows();
        return H_REDRAW;
    case ACT_ADD:
        if (I.h.refuse_readonly(a))
            return H_HANDLED;
        report_clear();
        prompt_lines(a, I.which ? "Add to the whitelist:" : "Add to the blacklist:", id_added, NULL, NULL);
        return H_REDRAW;
    case ACT_IMPORT:
        if (I.h.refuse_readonly(a))
            return H_HANDLED;
        prompt_text(a, "Import ids from file (Tab completes):", "", true, ids_imported, NULL, NULL);
        return H_REDRAW;
    case ACT_FILTER:
        prompt_filter(a, "Search ids", I.ifilter, ids_filter, NULL);
        return H_REDRAW;
    case ACT_REMOVE: {
        if (I.h.refuse_readonly(a) || I.ilv.sel >= I.nirows)
            return H_HANDLED;
        report_clear();
        ota_strlist *l = cur_list();
        size_t i = (size_t)I.irows[I.ilv.sel];
        free(l->v[i]);
        memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof *l->v);
        l->n--;
        ids_rows();
        I.h.changed(a);
        return H_REDRAW;
    }
    default:
        return list_move(&I.ilv, act, a->lay.body.h - 4);
    }
}

/* A bracketed paste straight into the list view: every id of it added. */
int ids_paste(app *a, const char *text)
{
    if (I.h.refuse_readonly(a))
        return H_HANDLED;
    report_clear();
    id_added(a, text, NULL);
    id_added(a, "", NULL);
    return H_REDRAW;
}

/* The report of the last ids added many at once, above the list. */
typedef struct rep_draw { int y, x, w, end; } rep_draw;
static void rep_line(const char *text, void *ctx)
{
    rep_draw *d = ctx;
    if (d->y < d->end)
        draw_text(d->y, d->x, d->w, I.rep.rejected.n ? EL_WARN : EL_OK, text);
    d->y++;
}

void ids_draw(app *a, rect r)
{
    (void)a;
    int x = r.x + 2, w = r.w - 3, y = r.y;
    ids_rows();
    int both = ids_both_count(I.w);
    char buf[512];
    int n = snprintf(buf, sizeof buf, " Blacklist (%zu) ", I.w->blacklist.n);
    draw_text(y, x, n, I.which == 0 ? EL_TAB_ACTIVE : EL_TAB, buf);
    int m = snprintf(buf, sizeof buf, " Whitelist (%zu) ", I.w->whitelist.n);
    draw_text(y, x + n + 1, m, I.which == 1 ? EL_TAB_ACTIVE : EL_TAB, buf);
    if (both)
        draw_textf(y, x + n + m + 2, w - n - m - 2, EL_WARN,
                   "! %d id%s on both lists: the blacklist wins", both, both == 1 ? "" : "s");
    y++;
    draw_textf(y++, x, w, EL_DIM, "%s%s%s", I.which ? "Only whitelisted devices are upgraded (empty: all)."
                                                   : "Blacklisted devices are never upgraded.",
               I.ifilter[0] ? "  search: " : "", I.ifilter);
    int rows = r.h - 3;
    if (I.show_rep) {
        /* the whole report when it fits in all but 3 rows of the list */
        rep_draw d = {y, x, w, y + (rows > 6 ? rows - 3 : 3)};
        int n = idlist_lines(&I.rep, I.which ? "Whitelist" : "Blacklist", w, rep_line, &d);
        if (n > d.end - y)
            draw_textf(d.end - 1, x, w, EL_WARN, "... %d more lines of this report", n - (d.end - y) + 1);
        int used = n < d.end - y ? n : d.end - y;
        y += used;
        rows -= used;
    }
    list_clamp(&I.ilv, rows);
    ota_strlist *l = cur_list();
    ota_strlist *other = I.which ? &I.w->blacklist : &I.w->whitelist;
    for (int i = 0; i < rows; i++) {
        int ri = I.ilv.top + i;
        if (ri >= I.nirows) {
            draw_text(y++, x, w, EL_DIM, ri == 0 ? (I.ifilter[0] ? "(no id matches)" : "(empty: a adds, i imports)") : "");
            continue;
        }
        const char *id = l->v[I.irows[ri]];
        bool dup = ota_strlist_has(other, id);
        snprintf(buf, sizeof buf, "%s %s%s", dup ? "!" : " ", id, dup ? "   (on both lists)" : "");
        draw_text(y++, x, w, ri == I.ilv.sel ? EL_SELECTED : dup ? EL_WARN : EL_NORMAL, buf);
    }
}

void ids_open(app *a, ota_plan *w, int which, const ids_hooks *h)
{
    I.w = w;
    I.h = *h;
    I.active = true;
    I.which = which;
    I.ilv.sel = I.ilv.top = 0;
    I.ifilter[0] = '\0';
    report_clear();
    ids_rows();
    app_dirty(a, D_BODY);
}

bool ids_active(void) { return I.active; }

void ids_close(void)
{
    I.active = false;
    report_clear();
    free(I.irows);
    I.irows = NULL;
    I.nirows = 0;
}

void ids_hint(hintbar *b)
{
    hint_key(b, ACT_ADD, "add");
    hint_key(b, ACT_REMOVE, "remove");
    hint_key(b, ACT_FILTER, "search");
    hint_key(b, ACT_IMPORT, "import file");
    hint_key(b, ACT_NEXT_FIELD, "other list");
    hint_key(b, ACT_BACK, "back to the plan");
}
