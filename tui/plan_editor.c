/* plan_editor.c: the plan form: name, product (picker), mode, strategy,
 * time window (local time, zone shown, stored as UTC), blacklist /
 * whitelist editor, component-version picker with diffs shown as
 * "1.1.0 → 1.2.0", the targeting preview, and save with the revision (a
 * conflict offers a reload).  The id lists are plan_ids.c's, the Rollout
 * and Maintenance sub-forms plan_rollout.c's, copying components from
 * another plan (^O) plan_copy.c's.
 * Rules are checked with core's ota_validate_plan, so messages are core's. */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "form.h"
#include "modal.h"
#include "msgtext.h"
#include "plan_copy.h"
#include "plan_ids.h"
#include "rollout.h"
#include "tui.h"

enum { E_NAME, E_PRODUCT, E_MODE, E_RETRIES, E_RSRP, E_BATTERY, E_START, E_END, E_BLACK,
       E_WHITE, E_ROLLOUT, E_MAINT, E_ADDCOMP, E_PREVIEW, E_SAVE, E_COMP = 100 };
enum { M_NAME, M_PRODUCT, M_STRATEGY, M_WINDOW, M_LISTS, M_COMPONENTS, M_ROLLOUT, M_MAINT, M_GENERAL, M__N };

static struct {
    ota_plan w;                  ///< working copy (lists, components, ids, revision)
    tfield name, retries, rsrp, battery, start, end;
    int focus;
    bool dirty, busy, readonly, loading;
    bool preview_after_save;
    bool have_preview;
    ota_preview pv;
    int64_t pv_revision;
    char msg[M__N][480];
    bool tried;                  ///< a save was attempted: show every message
    int comp_top;
} E;


/* ------------------------------------------------------------ plumbing */
static void fields_from_plan(void)
{
    char buf[64];
    tfield_set(&E.name, E.w.name);
    snprintf(buf, sizeof buf, "%d", E.w.retries);
    tfield_set(&E.retries, buf);
    snprintf(buf, sizeof buf, "%d", E.w.min_rsrp);
    tfield_set(&E.rsrp, buf);
    snprintf(buf, sizeof buf, "%d", E.w.min_battery);
    tfield_set(&E.battery, buf);
    tfield_set(&E.start, fmt_local(E.w.window_start, buf, sizeof buf));
    tfield_set(&E.end, fmt_local(E.w.window_end, buf, sizeof buf));
    pr_fields_from_plan(&E.w);
}

static int msg_slot(const char *field)
{
    if (!strncmp(field, "rollout", 7) || strstr(field, "retry_interval")) return M_ROLLOUT;
    if (!strncmp(field, "maintenance", 11)) return M_MAINT;
    if (strstr(field, "name"))      return M_NAME;
    if (strstr(field, "product"))   return M_PRODUCT;
    if (strstr(field, "window"))    return M_WINDOW;
    if (strstr(field, "list"))      return M_LISTS;
    if (strstr(field, "component") || strstr(field, "package")) return M_COMPONENTS;
    if (strstr(field, "retries") || strstr(field, "rsrp") || strstr(field, "battery") ||
        strstr(field, "strategy") || strstr(field, "mode")) return M_STRATEGY;
    return M_GENERAL;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < -100000 || v > 100000)
        return -1;
    *out = (int)v;
    return 0;
}

/* Fields into E.w; format problems (not numbers, not dates) are ours,
 * everything else is core's ota_validate_plan.  Returns 0 when valid. */
static int form_to_plan(void)
{
    for (int s = 0; s < M__N; s++)
        E.msg[s][0] = '\0';
    if (strlen(E.name.buf) >= sizeof E.w.name)
        snprintf(E.msg[M_NAME], sizeof E.msg[0], "name: at most %d characters", OTA_NAME_MAX_CHARS);
    else
        text_copy(E.w.name, sizeof E.w.name, E.name.buf);
    if (parse_int(E.retries.buf, &E.w.retries))
        snprintf(E.msg[M_STRATEGY], sizeof E.msg[0], "retries: a whole number, got \"%.40s\"", E.retries.buf);
    else if (parse_int(E.rsrp.buf, &E.w.min_rsrp))
        snprintf(E.msg[M_STRATEGY], sizeof E.msg[0], "min_rsrp: a whole number of dBm, got \"%.40s\"", E.rsrp.buf);
    else if (parse_int(E.battery.buf, &E.w.min_battery))
        snprintf(E.msg[M_STRATEGY], sizeof E.msg[0], "min_battery: a whole number of %%, got \"%.40s\"", E.battery.buf);
    if (parse_local(E.start.buf, &E.w.window_start))
        snprintf(E.msg[M_WINDOW], sizeof E.msg[0], "window.start: use YYYY-MM-DD HH:MM, local time");
    else if (parse_local(E.end.buf, &E.w.window_end))
        snprintf(E.msg[M_WINDOW], sizeof E.msg[0], "window.end: use YYYY-MM-DD HH:MM, local time");
    pr_to_plan(&E.w, E.msg[M_ROLLOUT], E.msg[M_MAINT], sizeof E.msg[0]);
    for (int s = 0; s < M__N; s++)
        if (E.msg[s][0])
            return -1;
    ota_err e;
    if (ota_validate_plan(&E.w, &e)) {
        int s = msg_slot(e.field);
        field_msg(&e, E.msg[s], sizeof E.msg[s]);
        return -1;
    }
    return 0;
}

/* After a refused save: the focus on the first field in error, in the
 * form's order, so the operator lands where the fix is.  Returns the slot
 * (-1 none).  A sub-form stays open only when its own field is at fault. */
static int focus_first_error(void)
{
    static const struct { int slot, field; } order[] = {
        {M_NAME, E_NAME}, {M_PRODUCT, E_PRODUCT}, {M_STRATEGY, E_RETRIES}, {M_WINDOW, E_START},
        {M_LISTS, E_BLACK}, {M_ROLLOUT, E_ROLLOUT}, {M_MAINT, E_MAINT}, {M_COMPONENTS, E_ADDCOMP},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *m = E.msg[order[i].slot];
        if (!m[0])
            continue;
        int f = order[i].field;
        if (f == E_RETRIES)
            f = strstr(m, "rsrp") ? E_RSRP : strstr(m, "battery") ? E_BATTERY : E_RETRIES;
        else if (f == E_START && strstr(m, "window.end"))
            f = E_END;
        else if (f == E_ADDCOMP && E.w.ncomponents)
            f = E_COMP;
        bool sub = (f == E_ROLLOUT && pr_current() == PR_ROLLOUT) ||
                   (f == E_MAINT && pr_current() == PR_MAINTENANCE);
        if (!sub && pr_current())
            pr_close();
        E.focus = f;
        return order[i].slot;
    }
    return -1;
}

static void revalidate(void)
{
    char keep[M__N][480];
    form_to_plan();
    if (E.tried)
        return;
    /* before the first save: only messages for fields already edited */
    memcpy(keep, E.msg, sizeof keep);
    memset(E.msg, 0, sizeof E.msg);
    int slot = E.focus == E_NAME ? M_NAME : E.focus == E_PRODUCT ? M_PRODUCT
             : (E.focus >= E_RETRIES && E.focus <= E_BATTERY) ? M_STRATEGY
             : (E.focus == E_START || E.focus == E_END) ? M_WINDOW : M_GENERAL;
    if (pr_current())
        slot = pr_current() == PR_ROLLOUT ? M_ROLLOUT : M_MAINT;
    if (slot != M_GENERAL)
        memcpy(E.msg[slot], keep[slot], sizeof keep[slot]);
}

static void changed(app *a)
{
    E.dirty = true;
    E.have_preview = false;
    revalidate();
    app_dirty(a, D_BODY);
}

static void reset_new(app *a)
{
    ota_plan_free(&E.w);
    ota_plan_init(&E.w);
    time_t now = time(NULL);
    E.w.window_start = ((int64_t)now / 3600 + 1) * 3600;
    E.w.window_end = E.w.window_start + 7 * 86400;
    if (a->nproducts == 1)
        text_copy(E.w.product, sizeof E.w.product, a->products[0].key);
    fields_from_plan();
}

static void loaded(app *a, call *c)
{
    E.loading = false;
    if (c->rc) {
        char what[64];
        snprintf(what, sizeof what, "Could not open plan %lld", (long long)CALL_OP(c, plan_get)->id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    ota_plan *got = &CALL_OP(c, plan_get)->out;
    ota_plan_free(&E.w);
    E.w = *got;
    ota_plan_init(got);
    E.readonly = !ota_plan_is_editable(E.w.state);
    E.dirty = false;
    E.have_preview = false;
    memset(E.msg, 0, sizeof E.msg);
    fields_from_plan();
    app_dirty(a, D_BODY);
}

static void load(app *a, int64_t id)
{
    E.loading = true;
    call *c = call_plan_get(PANE_PLAN_EDITOR, loaded);
    CALL_OP(c, plan_get)->id = id;
    app_submit(a, c);
}

void plan_editor_open(app *a, int64_t id)
{
    worker_cancel(a->w, PANE_PLAN_EDITOR);
    ota_plan_free(&E.w);
    ids_close();
    copy_done();
    pr_close();
    memset(&E, 0, sizeof E);
    ota_plan_init(&E.w);
    if (!a->products_loaded)
        app_load_products(a);
    if (!a->pkgs_loaded)
        app_load_packages(a);
    if (id) {
        E.w.id = id;
        load(a, id);
    } else {
        reset_new(a);
    }
    app_show(a, PANE_PLAN_EDITOR);
}

/* ------------------------------------------------------------- focus */
static int stops(int *out)
{
    int n = 0;
    for (int f = E_NAME; f <= E_MAINT; f++)
        out[n++] = f;
    for (size_t i = 0; i < E.w.ncomponents; i++)
        out[n++] = E_COMP + (int)i;
    out[n++] = E_ADDCOMP;
    out[n++] = E_PREVIEW;
    out[n++] = E_SAVE;
    return n;
}

static void focus_move(int dir)
{
    int s[64], n = stops(s), at = 0;
    for (int i = 0; i < n; i++)
        if (s[i] == E.focus)
            at = i;
    E.focus = s[(at + dir + n) % n];
}

static tfield *text_of(int f)
{
    switch (f) {
    case E_NAME: return &E.name;
    case E_RETRIES: return &E.retries;
    case E_RSRP: return &E.rsrp;
    case E_BATTERY: return &E.battery;
    case E_START: return &E.start;
    case E_END: return &E.end;
    default: return NULL;
    }
}

static bool refuse_readonly(app *a)
{
    if (!E.readonly)
        return false;
    app_msg(a, MSG_WARN, "Plan %lld is %s: not editable (only a saved plan can be edited)",
            (long long)E.w.id, ota_plan_state_str(E.w.state));
    return true;
}

/* ------------------------------------------------------ pickers: product */
static void product_picked(app *a, int i, void *ctx)
{
    (void)ctx;
    if (i < 0 || (size_t)i >= a->nproducts)
        return;
    text_copy(E.w.product, sizeof E.w.product, a->products[i].key);
    changed(a);
}

static void pick_product(app *a)
{
    if (!a->nproducts) {
        app_msg(a, MSG_WARN, a->products_loaded ? "No products yet (otactl product add)" : "Loading products…");
        return;
    }
    const char **items = calloc(a->nproducts, sizeof *items);
    char (*lab)[320] = calloc(a->nproducts, sizeof *lab);
    if (!items || !lab)
        abort();
    for (size_t i = 0; i < a->nproducts; i++) {
        snprintf(lab[i], sizeof lab[i], "%s  %.200s", a->products[i].key, a->products[i].name);
        items[i] = lab[i];
    }
    prompt_pick(a, "Product", items, (int)a->nproducts, product_picked, NULL, NULL);
    free(items);
    free(lab);
}

/* --------------------------------------------------- pickers: components */
typedef struct pick_ctx { char component[OTA_KEY_MAX + 1]; int64_t ids[OTA_LIST_MAX]; int n; int row; } pick_ctx;

static void version_label(const ota_package *p, char *buf, size_t len)
{
    if (p->meta.kind == OTA_KIND_DIFF)
        snprintf(buf, len, "%s → %s  (diff, package %lld)", p->meta.source_version,
                 p->meta.target_version, (long long)p->id);
    else
        snprintf(buf, len, "%s  (full, package %lld)", p->meta.target_version, (long long)p->id);
}

static void version_picked(app *a, int i, void *vctx)
{
    pick_ctx *pc = vctx;
    if (i < 0 || i >= pc->n)
        return;
    size_t row = (size_t)pc->row;
    if (pc->row < 0) {   /* a new component */
        if (E.w.ncomponents == OTA_MAX_COMPONENTS) {
            app_msg(a, MSG_ERROR, "components: at most %d per plan", OTA_MAX_COMPONENTS);
            return;
        }
        row = E.w.ncomponents++;
        text_copy(E.w.components[row].component, sizeof E.w.components[row].component, pc->component);
    }
    E.w.components[row].package_id = pc->ids[i];
    E.focus = E_COMP + (int)row;
    changed(a);
}

static void pick_version(app *a, const char *component, int row)
{
    pick_ctx *pc = calloc(1, sizeof *pc);
    if (!pc)
        abort();
    text_copy(pc->component, sizeof pc->component, component);
    pc->row = row;
    const char **items = calloc(OTA_LIST_MAX, sizeof *items);
    char (*lab)[200] = calloc(OTA_LIST_MAX, sizeof *lab);
    if (!items || !lab)
        abort();
    for (size_t i = 0; i < a->npkgs && pc->n < OTA_LIST_MAX; i++) {
        const ota_package *p = &a->pkgs[i];
        if (strcmp(p->meta.component, component))
            continue;
        version_label(p, lab[pc->n], sizeof lab[0]);
        items[pc->n] = lab[pc->n];
        pc->ids[pc->n++] = p->id;
    }
    if (pc->n == 0) {
        app_msg(a, MSG_WARN, "No packages of component %s", component);
        free(pc);
    } else {
        char title[128];
        snprintf(title, sizeof title, "Version of %.60s", component);
        prompt_pick(a, title, items, pc->n, version_picked, pc, free);
    }
    free(items);
    free(lab);
}

typedef struct comp_ctx { char names[OTA_LIST_MAX][OTA_KEY_MAX + 1]; int n; } comp_ctx;

static void component_picked(app *a, int i, void *vctx)
{
    comp_ctx *cc = vctx;
    if (i >= 0 && i < cc->n)
        pick_version(a, cc->names[i], -1);
}

static void pick_component(app *a)
{
    comp_ctx *cc = calloc(1, sizeof *cc);
    if (!cc)
        abort();
    for (size_t i = 0; i < a->npkgs && cc->n < OTA_LIST_MAX; i++) {
        const char *c = a->pkgs[i].meta.component;
        bool seen = false;
        for (int k = 0; k < cc->n && !seen; k++)
            seen = !strcmp(cc->names[k], c);
        for (size_t k = 0; k < E.w.ncomponents && !seen; k++)
            seen = !strcmp(E.w.components[k].component, c);
        if (!seen)
            text_copy(cc->names[cc->n++], sizeof cc->names[0], c);
    }
    if (cc->n == 0) {
        app_msg(a, MSG_WARN, a->pkgs_loaded ? "No other components: create packages first (1, n)"
                                            : "Packages are still loading…");
        free(cc);
        return;
    }
    const char **items = calloc(cc->n, sizeof *items);
    if (!items)
        abort();
    for (int i = 0; i < cc->n; i++)
        items[i] = cc->names[i];
    prompt_pick(a, "Add a component", items, cc->n, component_picked, cc, free);
    free(items);
}

/* ----------------------------------------------------------- save etc */
static void preview_done(app *a, call *c)
{
    if (c->rc) {
        char what[80];
        snprintf(what, sizeof what, "Could not compute the preview of plan %lld", (long long)E.w.id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    E.pv = CALL_OP(c, plan_preview)->out;
    E.pv_revision = E.w.revision;
    E.have_preview = true;
    app_msg(a, MSG_OK, "Preview of revision %lld: %ld device%s targeted", (long long)E.w.revision,
            E.pv.targeted, plural_s(E.pv.targeted));
    app_dirty(a, D_BODY);
}

static void preview(app *a)
{
    call *c = call_plan_preview(PANE_PLAN_EDITOR, preview_done);
    CALL_OP(c, plan_preview)->id = E.w.id;
    app_submit(a, c);
    app_progress(a, "Computing the targeting preview…");
}

static void reload_yes(app *a, const char *t, void *ctx)
{
    (void)t; (void)ctx;
    load(a, E.w.id);
    app_progress(a, "Reloading plan %lld…", (long long)E.w.id);
}

/* The answer to a create or an update: got is the plan the backend holds now. */
static void saved(app *a, call *c, ota_plan *got)
{
    E.busy = false;
    if (c->rc) {
        E.preview_after_save = false;
        if (c->err.code == OTA_E_CONFLICT && E.w.id) {
            char q[700], buf[600];
            snprintf(q, sizeof q, "Not saved: %s. Reload the plan (your edits are lost)?",
                     err_words(NULL, &c->err, buf, sizeof buf));
            prompt_confirm(a, q, reload_yes, NULL, NULL);
            return;
        }
        int s = msg_slot(c->err.field);
        field_msg(&c->err, E.msg[s], sizeof E.msg[s]);
        focus_first_error();
        char what[64];
        if (E.w.id)
            snprintf(what, sizeof what, "Plan %lld not saved", (long long)E.w.id);
        else
            snprintf(what, sizeof what, "Plan not created");
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    bool created = E.w.id == 0;
    ota_plan_free(&E.w);
    E.w = *got;
    ota_plan_init(got);
    E.dirty = false;
    fields_from_plan();
    app_msg(a, MSG_OK, "%s plan %lld \"%s\" (revision %lld)", created ? "Created" : "Saved",
            (long long)E.w.id, E.w.name, (long long)E.w.revision);
    a->sel_plan = E.w.id;
    app_load_plans(a);
    if (E.preview_after_save) {
        E.preview_after_save = false;
        preview(a);
    }
    app_dirty(a, D_BODY);
}

static void created(app *a, call *c) { saved(a, c, &CALL_OP(c, plan_create)->plan); }
static void updated(app *a, call *c) { saved(a, c, &CALL_OP(c, plan_update)->plan); }

static int save(app *a)
{
    if (refuse_readonly(a))
        return H_HANDLED;
    if (E.busy) {
        app_msg(a, MSG_INFO, "Still saving…");
        return H_HANDLED;
    }
    E.tried = true;
    if (form_to_plan()) {
        E.preview_after_save = false;
        int s = focus_first_error();
        if (s >= 0)
            app_msg(a, MSG_ERROR, "Not saved: %s", E.msg[s]);
        else
            app_msg(a, MSG_ERROR, "Not saved: fix the field marked in red");
        return H_REDRAW;
    }
    call *c;
    if (E.w.id) {
        c = call_plan_update(PANE_PLAN_EDITOR, updated);
        ota_plan_copy(&CALL_OP(c, plan_update)->plan, &E.w);
    } else {
        c = call_plan_create(PANE_PLAN_EDITOR, created);
        ota_plan_copy(&CALL_OP(c, plan_create)->plan, &E.w);
    }
    E.busy = true;
    app_submit(a, c);
    app_progress(a, "Saving…");
    return H_REDRAW;
}

static int do_preview(app *a)
{
    if (E.dirty || !E.w.id) {
        if (E.readonly)
            return H_HANDLED;
        E.preview_after_save = true;   /* the preview reads the stored plan */
        return save(a);
    }
    preview(a);
    return H_REDRAW;
}

/* ---------------------------------------------------------------- keys */
static bool editor_unsaved(app *a) { (void)a; return E.dirty; }

static int editor_scopes(app *a)
{
    (void)a;
    return ids_active() ? SC_IDS | SC_MOVE : SC_FORM | SC_EDITOR | SC_MOVE;
}

static void discard_yes(app *a, const char *t, void *ctx)
{
    (void)t; (void)ctx;
    E.dirty = false;
    app_show(a, PANE_PLANS);
}

static int editor_input(app *a, int key)
{
    if (pr_current())
        return pr_input(a, key);
    if (ids_active())
        return H_IGNORED;
    tfield *t = text_of(E.focus);
    if (!t || key == '\t' || key == '\n' || key == '\r' || key == KEY_ESC || key == KEY_UP ||
        key == KEY_DOWN || key == KEY_BTAB)
        return H_IGNORED;
    if (key_char(key) >= 32 || key == KEY_BACKSPACE || key == 127 || key == KEY_DC ||
        key == CTRL_KEY('u') || key == CTRL_KEY('k') || key == CTRL_KEY('w')) {
        if (refuse_readonly(a))
            return H_HANDLED;
    }
    int r = tfield_key(t, key);
    if (r == 1)
        changed(a);
    return r ? H_REDRAW : H_IGNORED;
}

/* A paste: ids into an id list, else text into the focused text field. */
static int editor_paste(app *a, const char *text)
{
    if (ids_active())
        return ids_paste(a, text);
    tfield *t = pr_current() ? NULL : text_of(E.focus);
    if (!t)
        return H_IGNORED;
    if (!refuse_readonly(a) && tfield_paste(t, text))
        changed(a);
    return H_REDRAW;
}

static int editor_action(app *a, tui_action act)
{
    if (ids_active())
        return ids_action(a, act);
    if (pr_current())
        return act == ACT_SAVE ? save(a) : act == ACT_PREVIEW ? do_preview(a) : pr_action(a, act);
    switch (act) {
    case ACT_NEXT_FIELD: case ACT_DOWN: focus_move(1); revalidate(); return H_REDRAW;
    case ACT_PREV_FIELD: case ACT_UP:   focus_move(-1); revalidate(); return H_REDRAW;
    case ACT_SAVE: return save(a);
    case ACT_PREVIEW: return do_preview(a);
    case ACT_COPY_FROM:
        if (!refuse_readonly(a))
            copy_start(a, &E.w, changed);
        return H_REDRAW;
    case ACT_CYCLE: case ACT_CYCLE_BACK:
        if (E.focus != E_MODE || refuse_readonly(a))
            return H_HANDLED;
        E.w.mode = E.w.mode == OTA_MODE_CONFIRM ? OTA_MODE_SILENT : OTA_MODE_CONFIRM;
        changed(a);
        return H_REDRAW;
    case ACT_REMOVE:
        if (E.focus >= E_COMP && !refuse_readonly(a)) {
            size_t i = (size_t)(E.focus - E_COMP);
            memmove(E.w.components + i, E.w.components + i + 1,
                    (E.w.ncomponents - i - 1) * sizeof *E.w.components);
            E.w.ncomponents--;
            if (i >= E.w.ncomponents)
                E.focus = E.w.ncomponents ? E_COMP + (int)E.w.ncomponents - 1 : E_ADDCOMP;
            changed(a);
        }
        return H_REDRAW;
    case ACT_OPEN:
        switch (E.focus) {
        case E_PRODUCT: if (!refuse_readonly(a)) pick_product(a); return H_REDRAW;
        case E_MODE: return editor_action(a, ACT_CYCLE);
        case E_BLACK: case E_WHITE:
        {
            static const ids_hooks hooks = {changed, refuse_readonly};
            ids_open(a, &E.w, E.focus == E_WHITE, &hooks);
            return H_REDRAW;
        }
        case E_ROLLOUT: case E_MAINT: {
            static const pr_hooks hooks = {changed, refuse_readonly};
            pr_open(a, &E.w, E.focus == E_ROLLOUT ? PR_ROLLOUT : PR_MAINTENANCE, E.readonly, &hooks);
            return H_REDRAW;
        }
        case E_ADDCOMP: if (!refuse_readonly(a)) pick_component(a); return H_REDRAW;
        case E_PREVIEW: return do_preview(a);
        case E_SAVE: return save(a);
        default:
            if (E.focus >= E_COMP) {
                if (!refuse_readonly(a))
                    pick_version(a, E.w.components[E.focus - E_COMP].component, E.focus - E_COMP);
                return H_REDRAW;
            }
            focus_move(1);
            return H_REDRAW;
        }
    case ACT_BACK: case ACT_QUIT:
        if (E.dirty) {
            prompt_confirm(a, "Discard the changes to this plan?", discard_yes, NULL, NULL);
            return H_REDRAW;
        }
        app_show(a, PANE_PLANS);
        return H_REDRAW;
    default:
        return H_IGNORED;
    }
}

/* ---------------------------------------------------------------- draw */
#define LW 12

static int field(app *a, int y, int x, int w, int f, int el_off)
{
    bool on = E.focus == f;
    int cx = tfield_draw(text_of(f), y, x, w, on ? EL_FIELD_FOCUS : el_off, on);
    if (cx >= 0) {
        a->cur_y = y;
        a->cur_x = cx;
    }
    return x + w;
}

static int label(int y, int x, const char *s, bool on)
{
    draw_text(y, x, LW, on ? EL_LABEL_FOCUS : EL_LABEL, s);
    return x + LW;
}

static int chip(int y, int x, int f, const char *s)
{
    int w = text_width(s);
    draw_text(y, x, w, E.focus == f ? EL_FIELD_FOCUS : EL_NORMAL, s);
    return x + w;
}

/* A field's message under it, wrapped (at most 3 rows): the next row. */
static int msgrow(int y, int x, int w, int slot)
{
    if (!E.msg[slot][0])
        return y;
    return y + draw_wrap(y, x + LW, w - LW, EL_ERROR, E.msg[slot], 2, 3);
}

static void editor_draw(app *a, rect r)
{
    if (ids_active() || pr_current()) {
        if (ids_active())
            ids_draw(a, r);
        else
            pr_draw(a, r.y, r.x + 2, r.w - 3, r.h, E.msg[M_ROLLOUT], E.msg[M_MAINT]);
        return;
    }
    int x = r.x + 2, w = r.w - 3, y = r.y, xx;
    char buf[700], z[48], s1[32], s2[32];
    if (E.loading) {
        draw_text(y, x, w, EL_DIM, "Loading the plan…");
        return;
    }
    if (E.w.id)
        snprintf(buf, sizeof buf, "Plan %lld · %s · revision %lld%s%s", (long long)E.w.id,
                 ota_plan_state_str(E.w.state), (long long)E.w.revision, E.dirty ? " · modified" : "",
                 E.readonly ? " · read-only" : "");
    else
        snprintf(buf, sizeof buf, "New plan%s", E.dirty ? " · modified" : "");
    draw_text(y++, x, w, EL_LABEL_FOCUS, buf);

    label(y, x, "Name", E.focus == E_NAME);
    field(a, y++, x + LW, w - LW > 50 ? 50 : w - LW, E_NAME, EL_FIELD);
    y = msgrow(y, x, w, M_NAME);

    xx = label(y, x, "Product", E.focus == E_PRODUCT);
    snprintf(buf, sizeof buf, "[%s ▾]", E.w.product[0] ? E.w.product : "choose: Enter");
    chip(y++, xx, E_PRODUCT, buf);
    y = msgrow(y, x, w, M_PRODUCT);

    xx = label(y, x, "Mode", E.focus == E_MODE);
    snprintf(buf, sizeof buf, "(%s) confirm  (%s) silent", E.w.mode == OTA_MODE_CONFIRM ? "*" : " ",
             E.w.mode == OTA_MODE_SILENT ? "*" : " ");
    xx = chip(y, xx, E_MODE, buf);
    draw_text(y++, xx + 2, w - (xx - x) - 2, EL_DIM,
              E.w.mode == OTA_MODE_CONFIRM ? "the device's user confirms first" : "installs without asking");

    xx = label(y, x, "Strategy", E.focus >= E_RETRIES && E.focus <= E_BATTERY);
    draw_text(y, xx, 8, EL_NORMAL, "retries ");
    xx = field(a, y, xx + 8, 4, E_RETRIES, EL_FIELD);
    draw_text(y, xx, 11, EL_NORMAL, "  min RSRP ");
    xx = field(a, y, xx + 11, 6, E_RSRP, EL_FIELD);
    draw_text(y, xx, 18, EL_NORMAL, " dBm  min battery ");
    xx = field(a, y, xx + 18, 4, E_BATTERY, EL_FIELD);
    draw_text(y++, xx, 2, EL_NORMAL, " %");
    y = msgrow(y, x, w, M_STRATEGY);

    xx = label(y, x, "Window", E.focus == E_START || E.focus == E_END);
    xx = field(a, y, xx, 17, E_START, EL_FIELD);
    draw_text(y, xx, 3, EL_NORMAL, " → ");
    xx = field(a, y, xx + 3, 17, E_END, EL_FIELD);
    int64_t ws = 0, we = 0;
    bool okw = !parse_local(E.start.buf, &ws) && !parse_local(E.end.buf, &we);
    draw_text(y++, xx + 1, w - (xx - x) - 1, EL_DIM, fmt_zone(okw ? ws : time(NULL), z, sizeof z));
    if (okw)
        draw_textf(y++, x + LW, w - LW, EL_DIM, "stored as UTC %s → %s", ota_time_format(ws, s1, sizeof s1),
                   ota_time_format(we, s2, sizeof s2));
    y = msgrow(y, x, w, M_WINDOW);

    xx = label(y, x, "Lists", E.focus == E_BLACK || E.focus == E_WHITE);
    snprintf(buf, sizeof buf, "[blacklist: %zu id%s]", E.w.blacklist.n, plural_s((long)E.w.blacklist.n));
    xx = chip(y, xx, E_BLACK, buf) + 2;
    snprintf(buf, sizeof buf, "[whitelist: %zu id%s]", E.w.whitelist.n, plural_s((long)E.w.whitelist.n));
    xx = chip(y, xx, E_WHITE, buf) + 2;
    int both = ids_both_count(&E.w);
    if (both)
        draw_textf(y, xx, w - (xx - x), EL_WARN, "! %d on both lists", both);
    y++;
    y = msgrow(y, x, w, M_LISTS);
    for (int f = E_ROLLOUT; f <= E_MAINT; f++) {   /* plan_rollout.c's sub-forms */
        char sum[300];
        xx = label(y, x, f == E_ROLLOUT ? "Rollout" : "Maintenance", E.focus == f);
        snprintf(buf, sizeof buf, "[%.280s ▸]", f == E_ROLLOUT ? rollout_summary(&E.w, sum, sizeof sum)
                                                             : maintenance_summary(&E.w, sum, sizeof sum));
        int cw = text_width(buf) < w - LW ? text_width(buf) : w - LW;
        draw_text(y++, xx, cw, E.focus == f ? EL_FIELD_FOCUS : EL_NORMAL, buf);
        y = msgrow(y, x, w, f == E_ROLLOUT ? M_ROLLOUT : M_MAINT);
    }

    draw_textf(y++, x, w, EL_HEADER, "Components (%zu)  Enter picks a version · x removes · ^O copies from a plan",
               E.w.ncomponents);
    int room = r.y + r.h - y - 4;
    if (room < 1)
        room = 1;
    int fi = E.focus >= E_COMP ? E.focus - E_COMP : -1;
    if (fi >= 0 && fi < E.comp_top)
        E.comp_top = fi;
    if (fi >= E.comp_top + room)
        E.comp_top = fi - room + 1;
    if (E.comp_top > (int)E.w.ncomponents - room)
        E.comp_top = (int)E.w.ncomponents - room > 0 ? (int)E.w.ncomponents - room : 0;
    for (int i = E.comp_top; i < (int)E.w.ncomponents && i < E.comp_top + room; i++) {
        const ota_plan_component *pc = &E.w.components[i];
        const ota_package *p = app_package(a, pc->package_id);
        char v[200];
        if (p)
            version_label(p, v, sizeof v);
        else
            snprintf(v, sizeof v, "package %lld", (long long)pc->package_id);
        snprintf(buf, sizeof buf, "%-16s %s", pc->component, v);
        draw_text(y++, x + 2, w - 2, E.focus == E_COMP + i ? EL_FIELD_FOCUS : EL_NORMAL, buf);
    }
    chip(y++, x + 2, E_ADDCOMP, "+ add a component");
    y = msgrow(y, x - LW + 2, w + LW - 2, M_COMPONENTS);

    xx = chip(y, x, E_PREVIEW, "[ Preview ^P ]") + 2;
    xx = chip(y, xx, E_SAVE, E.w.id ? "[ Save ^S ]" : "[ Create ^S ]") + 2;
    if (E.have_preview)
        draw_textf(y, xx, w - (xx - x), EL_OK, "targeted %ld (revision %lld)", E.pv.targeted,
                   (long long)E.pv_revision);
    else
        draw_text(y, xx, w - (xx - x), EL_DIM, "preview: on demand (saves first)");
    y++;
    if (E.have_preview && y < r.y + r.h) {
        draw_textf(y++, x, w, EL_NORMAL,
                   "excluded: blacklisted %ld · not whitelisted %ld · version mismatch %ld · "
                   "deferred now: battery %ld · rsrp %ld",
                   E.pv.blacklisted, E.pv.not_whitelisted, E.pv.version_mismatch,
                   E.pv.deferred_battery, E.pv.deferred_rsrp);
        if (E.pv.nwaves && y < r.y + r.h)
            draw_text(y++, x, w, EL_NORMAL, rollout_preview_line(&E.pv, buf, sizeof buf));
    }
    if (E.msg[M_GENERAL][0] && y < r.y + r.h)
        draw_wrap(y, x, w, EL_ERROR, E.msg[M_GENERAL], 2, r.y + r.h - y);
}

static const char *editor_hint(app *a)
{
    static hintbar b;
    b.n = 0;
    if (pr_current()) {
        pr_hint(&b);
    } else if (ids_active()) {
        ids_hint(&b);
    } else {
        hint_text(&b, "Tab/S-Tab fields", keys_prio(ACT_NEXT_FIELD));
        hint_key(&b, ACT_OPEN, "choose");
        hint_key(&b, ACT_CYCLE, "mode");
        hint_key(&b, ACT_SAVE, "save");
        hint_key(&b, ACT_PREVIEW, "preview");
        hint_key(&b, ACT_COPY_FROM, "copy");
        hint_key(&b, ACT_BACK, "back");
    }
    return hint_done(&b, a->lay.msg.w);
}

static void editor_done(app *a)
{
    (void)a;
    ota_plan_free(&E.w);
    ids_close();
    copy_done();
}

const pane_ops pane_plan_editor = {
    .title = "Plan editor", .scopes = editor_scopes, .input = editor_input, .paste = editor_paste,
    .action = editor_action, .draw = editor_draw, .unsaved = editor_unsaved, .hint = editor_hint,
    .done = editor_done,
};
