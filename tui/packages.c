/* packages.c: the packages pane: a sortable, filterable list; a detail
 * view with files, sizes and SHA-256; verify; delete with confirmation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "modal.h"
#include "msgtext.h"
#include "theme.h"
#include "trust.h"
#include "tui.h"

enum { SORT_CREATED, SORT_COMPONENT, SORT_TARGET, SORT_SIZE, SORT__COUNT };
static const char *const sort_names[] = {"newest first", "component", "target version", "size"};

static struct {
    listview lv;
    size_t *rows;             ///< indexes into a->pkgs: filtered and sorted
    size_t nrows;
    int64_t rows_gen;         ///< a->pkgs_gen the rows were built from (-1: rebuild)
    char filter[256];
    int sort;
    int64_t sel_id;           ///< selection kept by id across reloads
    bool detail;
    int64_t detail_id;
    bool verify_shown;
    int64_t verify_id;
    ota_verify_result vr;
    bool loaded_once;
} P = {.rows_gen = -1};

static const ota_package *sort_base;

static uint64_t pkg_size(const ota_package *p)
{
    uint64_t s = 0;
    for (size_t i = 0; i < p->nfiles; i++)
        s += p->files[i].size;
    return s;
}

static int cmp_rows(const void *x, const void *y)
{
    const ota_package *a = &sort_base[*(const size_t *)x], *b = &sort_base[*(const size_t *)y];
    int c = 0;
    switch (P.sort) {
    case SORT_COMPONENT: c = strcmp(a->meta.component, b->meta.component); break;
    case SORT_TARGET:    c = strcmp(a->meta.target_version, b->meta.target_version); break;
    case SORT_SIZE:      c = pkg_size(a) < pkg_size(b) ? -1 : pkg_size(a) > pkg_size(b); break;
    }
    if (c == 0)   /* newest first, then by id: a stable, total order */
        c = a->created_at != b->created_at ? (a->created_at > b->created_at ? -1 : 1)
                                           : (a->id > b->id ? -1 : a->id < b->id);
    return c;
}

static bool pkg_matches(const ota_package *p, const char *f)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)p->id);
    return !*f || strcasestr(p->meta.component, f) || strcasestr(p->meta.target_version, f) ||
           strcasestr(p->meta.source_version, f) || strcasestr(p->meta.remark, f) || !strcmp(id, f);
}

static void rows_build(app *a)
{
    if (P.rows_gen == a->pkgs_gen)
        return;
    free(P.rows);
    P.rows = malloc((a->npkgs + 1) * sizeof *P.rows);
    if (!P.rows)
        abort();
    P.nrows = 0;
    for (size_t i = 0; i < a->npkgs; i++)
        if (pkg_matches(&a->pkgs[i], P.filter))
            P.rows[P.nrows++] = i;
    sort_base = a->pkgs;
    qsort(P.rows, P.nrows, sizeof *P.rows, cmp_rows);
    P.rows_gen = a->pkgs_gen;
    P.lv.n = (int)P.nrows;
    /* keep the selected package selected */
    for (size_t r = 0; P.sel_id && r < P.nrows; r++)
        if (a->pkgs[P.rows[r]].id == P.sel_id) {
            P.lv.sel = (int)r;
            break;
        }
    list_clamp(&P.lv, a->lay.body.h - 2);
}

static const ota_package *selected(app *a)
{
    if (P.detail)
        return app_package(a, P.detail_id);
    rows_build(a);
    if (P.lv.sel < 0 || (size_t)P.lv.sel >= P.nrows)
        return NULL;
    return &a->pkgs[P.rows[P.lv.sel]];
}

void packages_select(app *a, int64_t id)
{
    P.sel_id = id;
    P.detail = false;
    P.rows_gen = -1;   /* found again in the rows (now, or once the reload brings it) */
    app_dirty(a, D_BODY);
}

static void packages_enter(app *a)
{
    if (!P.loaded_once) {
        P.loaded_once = true;
        app_load_packages(a);
        trust_reload(a);  /* trust.c: signature states against the trusted keys folder */
    }
}

static int packages_scopes(app *a)
{
    (void)a;
    return P.detail ? SC_PKG | SC_LIST : SC_MOVE | SC_LIST | SC_PKG;
}

/* ------------------------------------------------------------- actions */
static void filter_done(app *a, const char *text, void *ctx)
{
    (void)ctx;
    text_copy(P.filter, sizeof P.filter, text);
    P.rows_gen = -1;
    P.lv.sel = P.lv.top = 0;
    app_dirty(a, D_BODY);
}

static void verify_done(app *a, call *c)
{
    op_package_verify *v = CALL_OP(c, package_verify);
    if (c->rc) {
        char what[64];
        snprintf(what, sizeof what, "Could not verify package %lld", (long long)v->id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    P.vr = v->out;
    P.verify_id = v->id;
    P.verify_shown = true;
    if (v->out.ok) {
        if (v->out.nfiles == 1)
            app_msg(a, MSG_OK, "Package %lld verified: its file matches its SHA-256", (long long)v->id);
        else
            app_msg(a, MSG_OK, "Package %lld verified: all %zu files match their SHA-256",
                    (long long)v->id, v->out.nfiles);
    } else {
        for (size_t i = 0; i < v->out.nfiles; i++)
            if (!v->out.files[i].ok) {
                app_msg(a, MSG_ERROR, "Package %lld FAILED verification: %s: %s", (long long)v->id,
                        v->out.files[i].name, v->out.files[i].error);
                break;
            }
    }
    app_dirty(a, D_BODY);
}

static void delete_done(app *a, call *c)
{
    int64_t id = CALL_OP(c, package_delete)->id;
    if (c->rc) {
        /* in use: core's message names the plans that still need it */
        char what[200];
        const ota_package *p = app_package(a, id);
        int n = snprintf(what, sizeof what, "Package %lld", (long long)id);
        if (p)
            snprintf(what + n, sizeof what - n, " (%.40s %.40s)", p->meta.component, p->meta.target_version);
        text_copy(what + strlen(what), sizeof what - strlen(what), " not deleted");
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    app_msg(a, MSG_OK, "Deleted package %lld", (long long)id);
    P.detail = false;
    app_load_packages(a);
}

static void delete_yes(app *a, const char *text, void *ctx)
{
    (void)text;
    int64_t id = *(int64_t *)ctx;
    call *c = call_package_delete(PANE_PACKAGES, delete_done);
    CALL_OP(c, package_delete)->id = id;
    app_submit(a, c);
    app_progress(a, "Deleting package %lld…", (long long)id);
}

static int packages_action(app *a, tui_action act)
{
    const ota_package *p = selected(a);
    char q[512];
    switch (act) {
    case ACT_OPEN:
        if (!p || P.detail)
            return H_HANDLED;
        P.detail = true;
        P.detail_id = p->id;
        return H_REDRAW;
    case ACT_BACK: case ACT_QUIT:
        if (P.detail) {
            P.detail = false;
            return H_REDRAW;
        }
        return H_IGNORED;
    case ACT_FILTER:
        prompt_filter(a, "Filter packages (component, version, remark, id)", P.filter, filter_done, NULL);
        return H_REDRAW;
    case ACT_SORT:
        P.sort = (P.sort + 1) % SORT__COUNT;
        P.rows_gen = -1;
        app_msg(a, MSG_INFO, "Sorted by %s", sort_names[P.sort]);
        return H_REDRAW;
    case ACT_REFRESH:
        app_load_packages(a);
        trust_reload(a);
        return H_HANDLED;
    case ACT_NEW:
        package_form_open(a);
        return H_REDRAW;
    case ACT_VERIFY: {
        if (!p)
            return H_HANDLED;
        call *c = call_package_verify(PANE_PACKAGES, verify_done);
        CALL_OP(c, package_verify)->id = p->id;
        app_submit(a, c);
        app_progress(a, "Verifying package %lld (re-hashing its files)…", (long long)p->id);
        return H_HANDLED;
    }
    case ACT_DELETE: {
        if (!p)
            return H_HANDLED;
        int64_t *id = malloc(sizeof *id);
        if (!id)
            abort();
        *id = p->id;
        snprintf(q, sizeof q, "Delete package %lld (%s %s)?", (long long)p->id, p->meta.component,
                 p->meta.target_version);
        prompt_confirm(a, q, delete_yes, id, free);
        return H_REDRAW;
    }
    default:
        break;
    }
    if (!P.detail) {
        rows_build(a);
        int r = list_move(&P.lv, act, a->lay.body.h - 2);
        if (r && P.lv.sel < (int)P.nrows)
            P.sel_id = a->pkgs[P.rows[P.lv.sel]].id;
        return r;
    }
    return H_IGNORED;
}

/* ---------------------------------------------------------------- draw */
/* Signed before Created: on a narrow terminal Created is dropped first. */
enum { C_ID, C_COMP, C_KIND, C_TARGET, C_SOURCE, C_FILES, C_SIZE, C_SIGNED, C_CREATED, C__N };
static const col_spec cols[C__N] = {
    {5, 8, 0}, {10, 0, 3}, {4, 4, 0}, {8, 24, 2}, {8, 24, 2}, {5, 5, 0}, {9, 9, 0}, {9, 24, 1}, {16, 16, 0}};
static const char *const heads[C__N] = {"ID", "Component", "Kind", "Target", "Source",
                                        "Files", "Size", "Signed", "Created"};

/* sig_el: the Signed cell's own element (signed, invalid...), -1 = the row's. */
static void draw_row_el(int y, int x, const int *w, int el, const char *const *cells, int sig_el)
{
    for (int c = 0; c < C__N; c++) {
        if (!w[c])
            continue;
        draw_text(y, x, w[c], c == C_SIGNED && sig_el >= 0 ? sig_el : el, cells[c]);
        draw_text(y, x + w[c], 1, el, " ");
        x += w[c] + 1;
    }
}

static void draw_row(int y, int x, const int *w, int el, const char *const *cells)
{
    draw_row_el(y, x, w, el, cells, -1);
}

static void draw_list(app *a, rect r)
{
    int w[C__N];
    rows_build(a);
    layout_columns(cols, C__N, r.w - 2, 1, w);
    char title[512];
    int n = snprintf(title, sizeof title, "Packages: %zu", a->npkgs);
    if (P.filter[0])
        n += snprintf(title + n, sizeof title - n, " · %zu match \"%.40s\"", P.nrows, P.filter);
    snprintf(title + n, sizeof title - n, " · sorted by %s%s", sort_names[P.sort],
             a->pkgs_loaded ? "" : " · loading…");
    draw_text(r.y, r.x + 1, r.w - 1, EL_LABEL_FOCUS, title);
    draw_row(r.y + 1, r.x + 1, w, EL_HEADER, heads);
    int h = r.h - 2;
    list_clamp(&P.lv, h);
    for (int i = 0; i < h; i++) {
        int ri = P.lv.top + i;
        if (ri >= (int)P.nrows) {
            if (ri == 0)
                draw_text(r.y + 2, r.x + 1, r.w - 1, EL_DIM,
                          a->pkgs_loaded ? (P.filter[0] ? "Nothing matches the filter (/ to change it)"
                                                        : "No packages yet: press n to create one")
                                         : "Loading…");
            continue;
        }
        const ota_package *p = &a->pkgs[P.rows[ri]];
        char id[24], files[8], size[24], created[32], sig[128];
        int sig_el;
        trust_label(p, sig, sizeof sig, &sig_el, NULL);
        snprintf(id, sizeof id, "%lld", (long long)p->id);
        snprintf(files, sizeof files, "%zu", p->nfiles);
        fmt_size(pkg_size(p), size, sizeof size);
        fmt_local(p->created_at, created, sizeof created);
        const char *cells[C__N] = {id, p->meta.component, ota_kind_str(p->meta.kind),
                                   p->meta.target_version,
                                   p->meta.source_version[0] ? p->meta.source_version : "-",
                                   files, size, sig, created};
        draw_row_el(r.y + 2 + i, r.x + 1, w, ri == P.lv.sel ? EL_SELECTED : EL_NORMAL, cells,
                    ri == P.lv.sel ? -1 : sig_el);
    }
}

/* The signature state and one line per signature (trust.c judges them). */
static int draw_signatures(const ota_package *p, int y, int x, int w, int bottom)
{
    char label[128];
    int el;
    ota_trust_report tr;
    trust_label(p, label, sizeof label, &el, &tr);
    if (!p->nsignatures) {
        draw_text(y++, x, w, EL_DIM, "Signed     unsigned");
        return y;
    }
    draw_textf(y++, x, w, el, "Signed     %s%s", el == EL_OK ? "by " : "", label);
    for (size_t i = 0; i < tr.n && y < bottom - 4; i++)
        draw_textf(y++, x + 2, w - 2, tr.sigs[i].status == OTA_SIG_VALID ? EL_NORMAL : EL_ERROR, "%-9s %s",
                   ota_sig_status_str(tr.sigs[i].status), tr.sigs[i].detail);
    return y;
}

static void draw_detail(app *a, rect r)
{
    const ota_package *p = app_package(a, P.detail_id);
    int y = r.y, x = r.x + 2, w = r.w - 3;
    char buf[1024], t[32], sz[24];
    if (!p) {
        draw_text(y, x, w, EL_DIM, "This package is gone (deleted elsewhere?). Esc to go back.");
        return;
    }
    draw_textf(y++, x, w, EL_LABEL_FOCUS, "Package %lld", (long long)p->id);
    y++;
    draw_textf(y++, x, w, EL_NORMAL, "Component  %s", p->meta.component);
    draw_textf(y++, x, w, EL_NORMAL, "Kind       %s", ota_kind_str(p->meta.kind));
    if (p->meta.kind == OTA_KIND_DIFF)
        draw_textf(y++, x, w, EL_NORMAL, "Versions   %s → %s", p->meta.source_version,
                   p->meta.target_version);
    else
        draw_textf(y++, x, w, EL_NORMAL, "Target     %s (from any version)", p->meta.target_version);
    draw_textf(y++, x, w, EL_NORMAL, "Created    %s", fmt_local(p->created_at, t, sizeof t));
    /* the remark in full, wrapped under its label (at most 200 characters) */
    snprintf(buf, sizeof buf, "Remark     %s", p->meta.remark[0] ? p->meta.remark : "-");
    y += draw_wrap(y, x, w, EL_NORMAL, buf, 11, 5);
    y = draw_signatures(p, y, x, w, r.y + r.h);
    y++;
    draw_textf(y++, x, w, EL_HEADER, "Files (%zu, %s)", p->nfiles, fmt_size(pkg_size(p), sz, sizeof sz));
    bool vr = P.verify_shown && P.verify_id == p->id;
    for (size_t i = 0; i < p->nfiles && y + 1 < r.y + r.h; i++) {
        const char *mark = "";
        if (vr)
            for (size_t k = 0; k < P.vr.nfiles; k++)
                if (!strcmp(P.vr.files[k].name, p->files[i].name))
                    mark = P.vr.files[k].ok ? "  OK" : "  DIFFERS";
        snprintf(buf, sizeof buf, "%-32s %12s%s", p->files[i].name,
                 fmt_size(p->files[i].size, sz, sizeof sz), mark);
        draw_text(y++, x, w, vr && !strcmp(mark, "  DIFFERS") ? EL_ERROR : EL_NORMAL, buf);
        draw_textf(y++, x + 2, w - 2, EL_DIM, "sha256 %s", p->files[i].sha256);
    }
    if (vr && y < r.y + r.h) {
        y++;
        if (P.vr.ok)
            draw_text(y, x, w, EL_OK, "Verify: OK, every file matches its SHA-256");
        else
            for (size_t k = 0; k < P.vr.nfiles; k++)
                if (!P.vr.files[k].ok) {
                    draw_textf(y, x, w, EL_ERROR, "Verify: FAILED: %s: %s", P.vr.files[k].name,
                               P.vr.files[k].error);
                    break;
                }
    }
}

static void packages_draw(app *a, rect r)
{
    if (P.detail)
        draw_detail(a, r);
    else
        draw_list(a, r);
}

static const char *packages_hint(app *a)
{
    static hintbar b;
    b.n = 0;
    if (!P.detail)
        hint_key(&b, ACT_OPEN, "details");
    if (P.detail) {
        hint_key(&b, ACT_VERIFY, "verify");
        hint_key(&b, ACT_DELETE, "delete");
        hint_key(&b, ACT_NEW, "new");
        hint_key(&b, ACT_BACK, "back");
    } else {
        hint_key(&b, ACT_NEW, "new");
        hint_key(&b, ACT_VERIFY, "verify");
        hint_key(&b, ACT_DELETE, "delete");
        hint_key(&b, ACT_FILTER, "filter");
        hint_key(&b, ACT_SORT, "sort");
    }
    hint_key(&b, ACT_HELP, "help");
    if (!P.detail)
        hint_key(&b, ACT_QUIT, "quit");
    return hint_done(&b, a->lay.msg.w);
}

static void packages_done(app *a)
{
    (void)a;
    free(P.rows);
    P.rows = NULL;
    P.nrows = 0;
    P.rows_gen = -1;
}

const pane_ops pane_packages = {
    .title = "Packages", .scopes = packages_scopes, .enter = packages_enter,
    .action = packages_action, .draw = packages_draw, .hint = packages_hint,
    .done = packages_done,
};
