/* plan_copy.c: ^O in the plan editor: copy components from another plan
 * into the editor's working copy.  A picker chooses the plan; for every
 * component both plans have in different versions a second picker asks
 * whether to keep this plan's version or copy the other's (or to decide
 * the same for all that are left); Esc there copies nothing.  Then core's
 * rule (ota_plan_merge_components) makes the copy and the message says
 * what changed (copy_text.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "modal.h"
#include "plan_copy.h"
#include "tui.h"

static struct {
    ota_plan *w;                 ///< the editor's working copy
    void (*changed)(app *a);
    ota_plan src;                ///< the plan copied from
    bool have_src;
    copy_choice c;
    int at;                      ///< the item asked about
} C;

static const char *pkg_label(int64_t id, char *buf, size_t len, void *ctx)
{
    const ota_package *p = app_package(ctx, id);
    if (!p)
        snprintf(buf, len, "package %lld", (long long)id);
    else if (p->meta.kind == OTA_KIND_DIFF)
        snprintf(buf, len, "%s\xe2\x86\x92%s", p->meta.source_version, p->meta.target_version);
    else
        snprintf(buf, len, "%s", p->meta.target_version);
    return buf;
}

static void apply(app *a)
{
    bool keep[OTA_MAX_COMPONENTS] = {0};
    copy_keep_flags(&C.c, keep);
    ota_plan before = {0};
    before.ncomponents = C.w->ncomponents;
    memcpy(before.components, C.w->components, sizeof before.components);
    ota_err e;
    if (ota_plan_merge_components(C.w, &C.src, keep, &e)) {
        char what[80];
        snprintf(what, sizeof what, "Could not copy the components of plan %lld", (long long)C.src.id);
        app_error(a, what, &e);
        return;
    }
    char what[400];
    copy_outcome(&C.c, &before, &C.src, pkg_label, a, what, sizeof what);
    app_msg(a, MSG_OK, "From plan %lld: %s", (long long)C.src.id, what);
    C.changed(a);
}

static void ask_next(app *a);

enum { ANS_KEEP, ANS_COPY, ANS_KEEP_ALL, ANS_COPY_ALL };

static void answered(app *a, int i, void *ctx)
{
    (void)ctx;
    bool keep = i == ANS_KEEP || i == ANS_KEEP_ALL;
    if (i == ANS_KEEP_ALL || i == ANS_COPY_ALL) {
        for (int k = C.at; k < C.c.n; k++)
            C.c.items[k].keep = keep;
        C.at = C.c.n;
    } else {
        C.c.items[C.at++].keep = keep;
    }
    ask_next(a);
}

/* The next component that differs, as a question; the copy once none is left. */
static void ask_next(app *a)
{
    while (C.at < C.c.n && C.c.items[C.at].kind != COPY_DIFFERS)
        C.at++;
    if (C.at >= C.c.n) {
        apply(a);
        return;
    }
    const copy_item *it = &C.c.items[C.at];
    int nth = 0;
    for (int k = 0; k <= C.at; k++)
        nth += C.c.items[k].kind == COPY_DIFFERS;
    const ota_plan_component *s = &C.src.components[it->src];
    char mine[128], theirs[128], title[256], opt[4][320];
    pkg_label(C.w->components[it->dst].package_id, mine, sizeof mine, a);
    pkg_label(s->package_id, theirs, sizeof theirs, a);
    snprintf(title, sizeof title, "%s differs (%d of %d): keep this plan's or copy plan %lld's?",
             s->component, nth, C.c.ndiffer, (long long)C.src.id);
    snprintf(opt[ANS_KEEP], sizeof opt[0], "keep %s %s (this plan, package %lld)", s->component, mine,
             (long long)C.w->components[it->dst].package_id);
    snprintf(opt[ANS_COPY], sizeof opt[0], "copy %s %s (plan %lld \"%.60s\", package %lld)", s->component,
             theirs, (long long)C.src.id, C.src.name, (long long)s->package_id);
    int left = C.c.ndiffer - nth;
    snprintf(opt[ANS_KEEP_ALL], sizeof opt[0], "keep this plan's version of this and the %d other%s that differ",
             left, left == 1 ? "" : "s");
    snprintf(opt[ANS_COPY_ALL], sizeof opt[0], "copy plan %lld's version of this and the %d other%s that differ",
             (long long)C.src.id, left, left == 1 ? "" : "s");
    const char *items[4] = {opt[0], opt[1], opt[2], opt[3]};
    prompt_pick(a, title, items, left ? 4 : 2, answered, NULL, NULL);
}

static void copy_loaded(app *a, call *c)
{
    if (c->rc) {
        char what[80];
        snprintf(what, sizeof what, "Could not copy the components of plan %lld", (long long)CALL_OP(c, plan_get)->id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    copy_done();
    if (ota_plan_copy(&C.src, &CALL_OP(c, plan_get)->out) < 0)
        abort();
    C.have_src = true;
    copy_compare(C.w, &C.src, &C.c);
    C.at = 0;
    ask_next(a);
}

static void copy_picked(app *a, int i, void *ctx)
{
    int64_t *ids = ctx;
    call *c = call_plan_get(PANE_PLAN_EDITOR, copy_loaded);
    CALL_OP(c, plan_get)->id = ids[i];
    app_submit(a, c);
}

void copy_start(app *a, ota_plan *w, void (*changed)(app *a))
{
    C.w = w;
    C.changed = changed;
    if (!a->plans_loaded && !a->nplans) {
        app_load_plans(a);
        app_msg(a, MSG_INFO, "Loading plans… press ^O again");
        return;
    }
    const char **items = calloc(a->nplans + 1, sizeof *items);
    char (*lab)[440] = calloc(a->nplans + 1, sizeof *lab);
    int64_t *ids = calloc(a->nplans + 1, sizeof *ids);
    if (!items || !lab || !ids)
        abort();
    int n = 0;
    for (size_t i = 0; i < a->nplans; i++) {
        if (a->plans[i].id == w->id)
            continue;
        snprintf(lab[n], sizeof lab[0], "%lld  %s  (%s)", (long long)a->plans[i].id,
                 a->plans[i].name, ota_plan_state_str(a->plans[i].state));
        items[n] = lab[n];
        ids[n++] = a->plans[i].id;
    }
    if (n)
        prompt_pick(a, "Copy components from plan", items, n, copy_picked, ids, free);
    else {
        app_msg(a, MSG_WARN, "No other plan to copy from");
        free(ids);
    }
    free(items);
    free(lab);
}

void copy_done(void)
{
    if (C.have_src)
        ota_plan_free(&C.src);
    C.have_src = false;
}
