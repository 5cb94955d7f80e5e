/* package_form.c: the new-package form.  Each field is checked as it
 * changes with core's own validators (ota_validate_*), so the message next
 * to a field is exactly the one the engine would give. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "form.h"
#include "modal.h"
#include "msgtext.h"
#include "tui.h"

/* Focus stops, in order.  SOURCE exists only for diff packages. */
enum { F_COMPONENT, F_KIND, F_TARGET, F_SOURCE, F_REMARK, F_FILE0,
       F_ADDFILE = F_FILE0 + OTA_MAX_FILES, F_CREATE, F__N };
/* Message slots */
enum { M_COMPONENT, M_TARGET, M_SOURCE, M_REMARK, M_FILES, M_GENERAL, M__N };

static struct {
    tfield comp, target, source, remark;
    ota_kind kind;
    char files[OTA_MAX_FILES][4096];
    size_t nfiles;
    int focus;
    char msg[M__N][480];
    bool touched[M__N];
    bool busy;
} F;

static bool focusable(int f)
{
    if (f == F_SOURCE)
        return F.kind == OTA_KIND_DIFF;
    if (f >= F_FILE0 && f < F_FILE0 + OTA_MAX_FILES)
        return (size_t)(f - F_FILE0) < F.nfiles;
    return f >= 0 && f < F__N;
}

static tfield *text_of(int f)
{
    switch (f) {
    case F_COMPONENT: return &F.comp;
    case F_TARGET:    return &F.target;
    case F_SOURCE:    return &F.source;
    case F_REMARK:    return &F.remark;
    default:          return NULL;
    }
}

static int slot_of_field(const char *field)
{
    if (!strncmp(field, "component", 9)) return M_COMPONENT;
    if (!strncmp(field, "target", 6))    return M_TARGET;
    if (!strncmp(field, "source", 6))    return M_SOURCE;
    if (!strncmp(field, "remark", 6))    return M_REMARK;
    if (!strncmp(field, "file", 4))      return M_FILES;
    return M_GENERAL;
}

static void meta_from_form(ota_package_meta *m)
{
    memset(m, 0, sizeof *m);
    text_copy(m->component, sizeof m->component, F.comp.buf);
    m->kind = F.kind;
    text_copy(m->target_version, sizeof m->target_version, F.target.buf);
    if (F.kind == OTA_KIND_DIFF)
        text_copy(m->source_version, sizeof m->source_version, F.source.buf);
    text_copy(m->remark, sizeof m->remark, F.remark.buf);
}

/* Check one field alone: the others get valid stand-ins, so core's
 * validator reports on this field even while others are still empty.
 * The stand-ins only decide which rule core looks at; the message shown is
 * core's own. */
static void check_field(int slot)
{
    ota_package_meta m;
    ota_err e;
    memset(&m, 0, sizeof m);
    snprintf(m.component, sizeof m.component, "component");
    snprintf(m.target_version, sizeof m.target_version, "1.0.0");
    m.kind = OTA_KIND_FULL;
    switch (slot) {
    case M_COMPONENT:
        if (strlen(F.comp.buf) >= sizeof m.component) {
            snprintf(F.msg[slot], sizeof F.msg[slot], "component: at most %d bytes (got %zu)",
                     OTA_KEY_MAX, strlen(F.comp.buf));
            return;
        }
        text_copy(m.component, sizeof m.component, F.comp.buf);
        break;
    case M_TARGET:
        if (strlen(F.target.buf) >= sizeof m.target_version) {
            snprintf(F.msg[slot], sizeof F.msg[slot], "target_version: at most %d bytes (got %zu)",
                     OTA_KEY_MAX, strlen(F.target.buf));
            return;
        }
        text_copy(m.target_version, sizeof m.target_version, F.target.buf);
        break;
    case M_SOURCE:
        if (F.kind != OTA_KIND_DIFF) {
            F.msg[slot][0] = '\0';
            return;
        }
        if (strlen(F.source.buf) >= sizeof m.source_version) {
            snprintf(F.msg[slot], sizeof F.msg[slot], "source_version: at most %d bytes (got %zu)",
                     OTA_KEY_MAX, strlen(F.source.buf));
            return;
        }
        m.kind = OTA_KIND_DIFF;
        text_copy(m.source_version, sizeof m.source_version, F.source.buf);
        if (!strcmp(m.source_version, m.target_version))
            snprintf(m.target_version, sizeof m.target_version, "1.0.1");
        break;
    case M_REMARK:
        if (strlen(F.remark.buf) >= sizeof m.remark) {
            snprintf(F.msg[slot], sizeof F.msg[slot], "remark: at most %d characters (got %ld)",
                     OTA_REMARK_MAX_CHARS, ota_utf8_chars(F.remark.buf, F.remark.len));
            return;
        }
        text_copy(m.remark, sizeof m.remark, F.remark.buf);
        break;
    default:
        return;
    }
    if (ota_validate_package_meta(&m, &e) == 0)
        F.msg[slot][0] = '\0';
    else
        field_msg(&e, F.msg[slot], sizeof F.msg[slot]);
}

static void check_touched(void)
{
    for (int s = M_COMPONENT; s <= M_REMARK; s++)
        if (F.touched[s])
            check_field(s);
        else
            F.msg[s][0] = '\0';
}

void package_form_open(app *a)
{
    memset(&F, 0, sizeof F);
    F.focus = F_COMPONENT;
    app_show(a, PANE_PACKAGE_FORM);
}

static bool form_unsaved(app *a)
{
    (void)a;
    return F.comp.len || F.target.len || F.source.len || F.remark.len || F.nfiles;
}

static int form_scopes(app *a) { (void)a; return SC_FORM | SC_MOVE; }

static void focus_move(int dir)
{
    int f = F.focus;
    do {
        f = (f + dir + F__N) % F__N;
    } while (!focusable(f));
    F.focus = f;
}

/* ---------------------------------------------------------------- files */
static void add_file(app *a, const char *text, void *ctx)
{
    (void)ctx;
    ota_err e;
    char path[4096];
    if (!*text)
        return;
    if (text[0] == '~' && text[1] == '/' && getenv("HOME"))
        snprintf(path, sizeof path, "%s%s", getenv("HOME"), text + 1);
    else
        text_copy(path, sizeof path, text);
    if (ota_validate_file_count(F.nfiles + 1, &e)) {
        field_msg(&e, F.msg[M_FILES], sizeof F.msg[M_FILES]);
        app_dirty(a, D_BODY);
        return;
    }
    struct stat st;
    if (stat(path, &st) || !S_ISREG(st.st_mode)) {
        int bad = stat(path, &st) ? errno : 0;
        char shown[200];
        text_fit_tail(path, 60, shown, sizeof shown);
        snprintf(F.msg[M_FILES], sizeof F.msg[M_FILES], "files: %s: %s", shown,
                 bad ? strerror(bad) : "not a regular file");
        app_dirty(a, D_BODY);
        return;
    }
    char copy[4096];
    text_copy(copy, sizeof copy, path);
    const char *name = basename(copy);
    if (ota_validate_file_name(name, &e) || ota_validate_file_size(name, (uint64_t)st.st_size, &e)) {
        field_msg(&e, F.msg[M_FILES], sizeof F.msg[M_FILES]);
        app_dirty(a, D_BODY);
        return;
    }
    for (size_t i = 0; i < F.nfiles; i++) {
        char other[4096];
        text_copy(other, sizeof other, F.files[i]);
        if (!strcmp(basename(other), name)) {
            snprintf(F.msg[M_FILES], sizeof F.msg[M_FILES],
                     "files: %s is already in this package (file names must differ)", name);
            app_dirty(a, D_BODY);
            return;
        }
    }
    text_copy(F.files[F.nfiles++], sizeof F.files[0], path);
    F.msg[M_FILES][0] = '\0';
    app_dirty(a, D_BODY);
}

static void ask_file(app *a)
{
    ota_err e;
    if (ota_validate_file_count(F.nfiles + 1, &e)) {
        /* the 6th file: core's own refusal, next to the files */
        field_msg(&e, F.msg[M_FILES], sizeof F.msg[M_FILES]);
        app_dirty(a, D_BODY);
        return;
    }
    prompt_text(a, "File to add (Tab completes):", "", true, add_file, NULL, NULL);
}

/* -------------------------------------------------------------- submit */
/* After a refusal: the focus on the first field in error (the form's
 * order) and its message on the message line.  Returns true if one is. */
static bool focus_first_error(app *a)
{
    static const struct { int slot, field; } order[] = {
        {M_COMPONENT, F_COMPONENT}, {M_TARGET, F_TARGET}, {M_SOURCE, F_SOURCE},
        {M_REMARK, F_REMARK}, {M_FILES, F_ADDFILE}, {M_GENERAL, F_CREATE},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (F.msg[order[i].slot][0]) {
            if (focusable(order[i].field))
                F.focus = order[i].field;
            app_msg(a, MSG_ERROR, "Not created: %s", F.msg[order[i].slot]);
            return true;
        }
    return false;
}

static void create_done(app *a, call *c)
{
    F.busy = false;
    if (c->rc) {
        int s = slot_of_field(c->err.field);
        field_msg(&c->err, F.msg[s], sizeof F.msg[s]);
        if (c->err.code == OTA_E_UNAVAILABLE || s == M_GENERAL)
            app_error(a, "Package not created", &c->err);
        else
            focus_first_error(a);
        app_dirty(a, D_BODY);
        return;
    }
    app_answered(a);
    const ota_package *p = &CALL_OP(c, package_create)->out;
    app_msg(a, MSG_OK, "Created package %lld (%s %s, %zu file%s)", (long long)p->id,
            p->meta.component, p->meta.target_version, p->nfiles, plural_s((long)p->nfiles));
    int64_t id = p->id;
    memset(&F, 0, sizeof F);
    app_load_packages(a);
    packages_select(a, id);
    app_show(a, PANE_PACKAGES);
}

static int submit(app *a)
{
    ota_package_meta m;
    ota_err e;
    if (F.busy) {
        app_msg(a, MSG_INFO, "Still creating the package…");
        return H_HANDLED;
    }
    for (int s = 0; s < M__N; s++)
        F.touched[s] = true;
    check_touched();
    meta_from_form(&m);
    F.msg[M_GENERAL][0] = '\0';
    F.msg[M_FILES][0] = '\0';   /* a refused extra file is not this package's fault */
    if (ota_validate_package_meta(&m, &e)) {
        int s = slot_of_field(e.field);
        field_msg(&e, F.msg[s], sizeof F.msg[s]);
    }
    if (ota_validate_file_count(F.nfiles, &e))
        field_msg(&e, F.msg[M_FILES], sizeof F.msg[M_FILES]);
    if (focus_first_error(a))
        return H_REDRAW;
    call *c = call_package_create(PANE_PACKAGE_FORM, create_done);
    op_package_create *pc = CALL_OP(c, package_create);
    pc->meta = m;
    for (size_t i = 0; i < F.nfiles; i++) {
        text_copy(pc->path_buf[i], sizeof pc->path_buf[i], F.files[i]);
        pc->paths[i] = pc->path_buf[i];
    }
    pc->npaths = F.nfiles;
    F.busy = true;
    app_submit(a, c);
    app_progress(a, "Creating the package (hashing and storing %zu file%s)…", F.nfiles, plural_s((long)F.nfiles));
    return H_REDRAW;
}

/* ---------------------------------------------------------------- keys */
static void discard_yes(app *a, const char *t, void *ctx)
{
    (void)t; (void)ctx;
    memset(&F, 0, sizeof F);
    app_show(a, PANE_PACKAGES);
}

static void field_changed(void)
{
    int slot = F.focus == F_COMPONENT ? M_COMPONENT : F.focus == F_TARGET ? M_TARGET
             : F.focus == F_SOURCE ? M_SOURCE : M_REMARK;
    F.touched[slot] = true;
    check_touched();
}

static int form_input(app *a, int key)
{
    tfield *t = text_of(F.focus);
    if (!t || key == '\t' || key == '\n' || key == '\r' || key == KEY_ESC)
        return H_IGNORED;
    int r = tfield_key(t, key);
    if (r == 1)
        field_changed();
    (void)a;
    return r ? H_REDRAW : H_IGNORED;
}

/* A paste into the focused text field, as one line. */
static int form_paste(app *a, const char *text)
{
    tfield *t = text_of(F.focus);
    (void)a;
    if (!t)
        return H_IGNORED;
    if (tfield_paste(t, text))
        field_changed();
    return H_REDRAW;
}

static int form_action(app *a, tui_action act)
{
    switch (act) {
    case ACT_NEXT_FIELD: case ACT_DOWN: focus_move(1); return H_REDRAW;
    case ACT_PREV_FIELD: case ACT_UP:   focus_move(-1); return H_REDRAW;
    case ACT_TOP:    F.focus = F_COMPONENT; return H_REDRAW;
    case ACT_BOTTOM: F.focus = F_CREATE; return H_REDRAW;
    case ACT_CYCLE: case ACT_CYCLE_BACK:
        if (F.focus != F_KIND)
            return H_HANDLED;
        F.kind = F.kind == OTA_KIND_FULL ? OTA_KIND_DIFF : OTA_KIND_FULL;
        check_touched();
        return H_REDRAW;
    case ACT_OPEN:
        if (F.focus == F_KIND)
            return form_action(a, ACT_CYCLE);
        if (F.focus == F_ADDFILE) {
            ask_file(a);
            return H_REDRAW;
        }
        if (F.focus == F_CREATE)
            return submit(a);
        focus_move(1);
        return H_REDRAW;
    case ACT_REMOVE:
        if (F.focus >= F_FILE0 && F.focus < F_FILE0 + (int)F.nfiles) {
            size_t i = (size_t)(F.focus - F_FILE0);
            memmove(F.files[i], F.files[i + 1], (F.nfiles - i - 1) * sizeof F.files[0]);
            F.nfiles--;
            F.msg[M_FILES][0] = '\0';
            if (!focusable(F.focus))
                F.focus = F_ADDFILE;
        }
        return H_REDRAW;
    case ACT_SAVE:
        return submit(a);
    case ACT_BACK: case ACT_QUIT:
        if (form_unsaved(a)) {
            prompt_confirm(a, "Discard this new package?", discard_yes, NULL, NULL);
            return H_REDRAW;
        }
        app_show(a, PANE_PACKAGES);
        return H_REDRAW;
    default:
        return H_IGNORED;
    }
}

/* ---------------------------------------------------------------- draw */
#define LABEL_W 13

/* A field's message under it, wrapped (nothing of the rule is cut);
 * returns the rows used, one at least. */
static int draw_msg(int y, int x, int w, const char *m)
{
    if (!m[0]) {
        draw_text(y, x + LABEL_W, w - LABEL_W, EL_ERROR, "");
        return 1;
    }
    return draw_wrap(y, x + LABEL_W, w - LABEL_W, EL_ERROR, m, 2, 3);
}

static void draw_field(app *a, int *y, int x, int w, int f, const char *label, int slot,
                       const char *suffix)
{
    bool on = F.focus == f;
    draw_text(*y, x, LABEL_W, on ? EL_LABEL_FOCUS : EL_LABEL, label);
    int sw = suffix ? text_width(suffix) + 1 : 0;
    int fw = w - LABEL_W - sw;
    if (fw > 48)
        fw = 48;
    int cx = tfield_draw(text_of(f), *y, x + LABEL_W, fw, on ? EL_FIELD_FOCUS : EL_FIELD, on);
    if (suffix)
        draw_text(*y, x + LABEL_W + fw + 1, sw, slot >= 0 && F.msg[slot][0] ? EL_ERROR : EL_DIM, suffix);
    if (cx >= 0) {
        a->cur_y = *y;
        a->cur_x = cx;
    }
    (*y)++;
    *y += draw_msg(*y, x, w, slot >= 0 ? F.msg[slot] : "");
}

static void form_draw(app *a, rect r)
{
    int x = r.x + 2, w = r.w - 3, y = r.y;
    char buf[512];
    draw_text(y++, x, w, EL_LABEL_FOCUS, F.busy ? "New package (creating…)" : "New package");
    draw_field(a, &y, x, w, F_COMPONENT, "Component", M_COMPONENT, NULL);
    draw_text(y, x, LABEL_W, F.focus == F_KIND ? EL_LABEL_FOCUS : EL_LABEL, "Kind");
    snprintf(buf, sizeof buf, "(%s) full   (%s) diff", F.kind == OTA_KIND_FULL ? "*" : " ",
             F.kind == OTA_KIND_DIFF ? "*" : " ");
    draw_text(y, x + LABEL_W, 24, F.focus == F_KIND ? EL_FIELD_FOCUS : EL_NORMAL, buf);
    draw_text(y++, x + LABEL_W + 25, w - LABEL_W - 25, EL_DIM,
              F.kind == OTA_KIND_FULL ? "upgrades from any version" : "upgrades only from the source version");
    draw_field(a, &y, x, w, F_TARGET, "Target", M_TARGET, NULL);
    if (F.kind == OTA_KIND_DIFF)
        draw_field(a, &y, x, w, F_SOURCE, "Source", M_SOURCE, NULL);
    long chars = ota_utf8_chars(F.remark.buf, F.remark.len);
    snprintf(buf, sizeof buf, "%ld/%d", chars, OTA_REMARK_MAX_CHARS);
    draw_field(a, &y, x, w, F_REMARK, "Remark", M_REMARK, buf);

    snprintf(buf, sizeof buf, "Files (%zu/%d)", F.nfiles, OTA_MAX_FILES);
    draw_text(y++, x, w, EL_HEADER, buf);
    for (size_t i = 0; i < F.nfiles; i++) {
        struct stat st;
        char sz[24] = "?";
        if (stat(F.files[i], &st) == 0)
            fmt_size((uint64_t)st.st_size, sz, sizeof sz);
        bool on = F.focus == F_FILE0 + (int)i;
        char path[256];
        text_fit_tail(F.files[i], w - LABEL_W - 22, path, sizeof path);
        snprintf(buf, sizeof buf, "%zu. %s  %s%s", i + 1, path, sz, on ? "   (x removes)" : "");
        draw_text(y++, x + 2, w - 2, on ? EL_FIELD_FOCUS : EL_NORMAL, buf);
    }
    bool on = F.focus == F_ADDFILE;
    draw_text(y++, x + 2, 28, on ? EL_FIELD_FOCUS : EL_NORMAL, "+ add a file (Enter)");
    y += draw_msg(y, x - LABEL_W + 2, w + LABEL_W - 2, F.msg[M_FILES]);
    on = F.focus == F_CREATE;
    draw_text(y++, x, 22, on ? EL_FIELD_FOCUS : EL_LABEL_FOCUS, "[ Create package ]");
    draw_wrap(y, x, w, EL_ERROR, F.msg[M_GENERAL], 2, r.y + r.h - y);
}

static const char *form_hint(app *a)
{
    static hintbar b;
    b.n = 0;
    hint_text(&b, "Tab/S-Tab fields", keys_prio(ACT_NEXT_FIELD));
    hint_key(&b, ACT_CYCLE, "changes kind");
    hint_text(&b, "Enter on + adds a file", keys_prio(ACT_OPEN));
    hint_key(&b, ACT_SAVE, "create");
    hint_key(&b, ACT_BACK, "back");
    return hint_done(&b, a->lay.msg.w);
}

const pane_ops pane_package_form = {
    .title = "New package", .scopes = form_scopes, .input = form_input, .paste = form_paste,
    .action = form_action, .draw = form_draw, .unsaved = form_unsaved, .hint = form_hint,
};
