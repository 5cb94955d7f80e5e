/* trust.c: what the console shows of signatures and the audit trail.
 *
 * The trusted keys folder is read on the worker thread (disk work never
 * runs on the loop) into one keyring the draw code checks packages against;
 * verdicts are cached by package id and signature count, so a redraw costs
 * no Ed25519 work.  A plan's history is its audit rows, shown in a picker
 * over the body (filterable, Esc closes it). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "modal.h"
#include "theme.h"
#include "trust.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static ota_keyring *ring;          ///< guarded by mu; NULL until loaded
static uint64_t ring_gen;          ///< bumped per load: invalidates the cache
static char ring_dir[4096], ring_error[480];

#define CACHE 256
static struct verdict {
    int64_t id;
    size_t nsig;
    uint64_t gen;
    ota_trust_report r;
} cache[CACHE];                    ///< loop thread only

static int keys_load(ota_backend *b, void *ctx, ota_err *err)
{
    (void)b, (void)ctx, (void)err;
    ota_err e = {0};
    ota_keyring *k = ota_keyring_load(NULL, &e);
    pthread_mutex_lock(&mu);
    if (k) {
        ota_keyring_free(ring);
        ring = k;
        snprintf(ring_dir, sizeof ring_dir, "%s", ota_keyring_dir(k));
        ring_error[0] = 0;
    } else {
        snprintf(ring_error, sizeof ring_error, "%s", e.message);
    }
    ring_gen++;
    pthread_mutex_unlock(&mu);
    return 0;
}

static void keys_done(app *a, call *c)
{
    (void)c;
    if (ring_error[0])
        app_msg(a, MSG_WARN, "Trusted keys: %s", ring_error);
    app_dirty(a, D_BODY);
}

void trust_reload(app *a)
{
    app_submit(a, call_new(-1, keys_done, keys_load, NULL, NULL));
}

static void history_forget(void);

void trust_free(void)
{
    history_forget();
    pthread_mutex_lock(&mu);
    ota_keyring_free(ring);
    ring = NULL;
    ring_gen++;
    pthread_mutex_unlock(&mu);
}

const char *trust_dir(void)
{
    return ring_dir;
}

const char *trust_label(const ota_package *p, char *buf, size_t len, int *el, ota_trust_report *out)
{
    ota_trust_report r = {0};
    bool known = false;
    if (!p->nsignatures) {
        known = true;
    } else {
        struct verdict *v = &cache[(uint64_t)p->id % CACHE];
        pthread_mutex_lock(&mu);
        if (ring && v->id == p->id && v->nsig == p->nsignatures && v->gen == ring_gen) {
            r = v->r;
            known = true;
        } else if (ring) {
            ota_err e;
            known = ota_package_check_keyring(p, ring, &r, &e) == 0;
            if (known)
                *v = (struct verdict){.id = p->id, .nsig = p->nsignatures, .gen = ring_gen, .r = r};
        }
        pthread_mutex_unlock(&mu);
    }
    if (out)
        *out = r;
    if (!known) {
        *el = EL_DIM;
        snprintf(buf, len, "…");
        return buf;
    }
    char detail[600];
    const char *state = ota_trust_summary(&r, detail, sizeof detail);
    if (!strcmp(state, "signed")) {
        *el = EL_OK;
        snprintf(buf, len, "%s", detail + strlen("signed by "));
    } else if (!strcmp(state, "invalid")) {
        *el = EL_ERROR;
        snprintf(buf, len, "INVALID");
    } else {
        *el = !strcmp(state, "untrusted") ? EL_WARN : EL_DIM;
        snprintf(buf, len, "%s", state);
    }
    return buf;
}

/* ---------------------------------------------------------------- history */
/* The call's storage: the plan asked about, then (worker thread) its audit
 * rows as texts in one allocation: the count, the item pointers, each
 * row's one-line summary (the picker) and its full text (Enter). */
enum { LINE = 640, FULL = 1400 };
struct lines { int n; char *item[]; };
typedef struct history {
    int64_t plan_id;
    char target[40];             ///< "plan:<id>"
    struct lines *lines;
} history;

/* The history shown (loop thread): kept so Enter on a row can show it in
 * full and come back to the list at the same row. */
static history shown;

static void history_forget(void)
{
    free(shown.lines);
    shown.lines = NULL;
}

static void history_free(void *ctx)
{
    history *h = ctx;
    free(h->lines);
    free(h);
}

static const char *full_text(const struct lines *l, int i)
{
    return (const char *)&l->item[l->n] + (size_t)l->n * LINE + (size_t)i * FULL;
}

static int history_load(ota_backend *b, void *ctx, ota_err *e)
{
    history *h = ctx;
    ota_audit_query q = {.target = h->target, .page = {.limit = OTA_LIST_MAX}};
    ota_audit_page pg = {0};
    if (!b->ops->audit_list)
        return ota_fail(e, OTA_E_BAD_REQUEST, NULL, "this backend has no audit trail");
    if (b->ops->audit_list(b, &q, &pg, e) < 0)
        return -1;
    struct lines *l = malloc(sizeof *l + pg.n * (sizeof(char *) + LINE + FULL));
    if (!l) {
        ota_audit_page_free(&pg);
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    }
    char *text = (char *)&l->item[pg.n];
    l->n = (int)pg.n;
    for (size_t i = 0; i < pg.n; i++) {
        const ota_audit_row *r = &pg.items[i];
        char t[40];
        ota_time_format(r->at, t, sizeof t);
        l->item[i] = text + i * LINE;
        snprintf(l->item[i], LINE, "%s  %-14.64s %-16s %-18s %.400s", t, r->actor,
                 r->action, r->outcome, r->detail);
        snprintf((char *)full_text(l, (int)i), FULL,
                 "Time     %s\nActor    %s\nAction   %s\nTarget   %s\nOutcome  %s\nDetail   %s", t,
                 r->actor, r->action, r->target, r->outcome, r->detail[0] ? r->detail : "-");
    }
    h->lines = l;
    ota_audit_page_free(&pg);
    return 0;
}

static void history_list(app *a, int sel);

static void history_back(app *a, const char *text, void *ctx)
{
    (void)text;
    history_list(a, (int)(intptr_t)ctx);
}

/* Enter on a row: the row in full (nothing of it cut), then back here. */
static void history_pick(app *a, int index, void *ctx)
{
    (void)ctx;
    const struct lines *l = shown.lines;
    if (!l || index < 0 || index >= l->n)
        return;
    char title[160];
    snprintf(title, sizeof title, " History of plan %lld: row %d of %d", (long long)shown.plan_id,
             index + 1, l->n);
    prompt_show(a, title, full_text(l, index), 9, history_back, (void *)(intptr_t)index, NULL);
}

static void history_list(app *a, int sel)
{
    const struct lines *l = shown.lines;
    char title[200];
    snprintf(title, sizeof title, "History of plan %lld: %d audit row%s · Enter shows one in full",
             (long long)shown.plan_id, l->n, l->n == 1 ? "" : "s");
    prompt_pick(a, title, (const char *const *)l->item, l->n, history_pick, NULL, NULL);
    if (a->modal && sel >= 0 && sel < a->modal->nshown)
        a->modal->lv.sel = sel;
    app_dirty(a, D_BODY);
}

static void history_done(app *a, call *c)
{
    history *h = c->ctx;
    if (c->rc) {
        char what[80];
        snprintf(what, sizeof what, "Could not load the history of plan %lld", (long long)h->plan_id);
        app_error(a, what, &c->err);
        return;
    }
    app_answered(a);
    free(shown.lines);
    shown = *h;              /* the rows are ours now */
    h->lines = NULL;
    if (!shown.lines->n) {
        app_msg(a, MSG_INFO, "Plan %lld has no audit rows", (long long)shown.plan_id);
        return;
    }
    history_list(a, 0);
}

void trust_history_open(app *a, int64_t plan_id)
{
    history *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->plan_id = plan_id;
    snprintf(h->target, sizeof h->target, "plan:%lld", (long long)plan_id);
    app_submit(a, call_new(PANE_PLANS, history_done, history_load, h, history_free));
    app_progress(a, "Loading the history of plan %lld…", (long long)plan_id);
}
