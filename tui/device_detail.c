/* device_detail.c: the device detail of live status (Enter on a device
 * row), drawn in place of the device table: versions, last telemetry, the
 * attributes its agent reported and its credential (core/ota_devauth.h).
 * i issues the device's token, or rotates it; x revokes it; both ask first
 * and are an admin's: a console whose token has another role says so in
 * plain words without asking the server, and a refusal from the server is
 * put the same way.  A new token is shown once, in a dialog the operator
 * closes with Enter; the console keeps no copy (wiped when the call and
 * the dialog are given back). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "device_detail.h"
#include "modal.h"

/* What the view shows, filled on the worker thread: the device and its
 * attributes as sorted "name: value" lines (one flat buffer, so the call's
 * free() releases it). */
typedef struct dev_detail {
    char product[OTA_KEY_MAX + 1];
    char id[OTA_DEVICE_ID_MAX + 1];
    ota_device d;
    int nattrs;
    char attrs[8192];            ///< lines separated by '\n'
} dev_detail;

static struct {
    bool shown;
    int64_t gen;                 ///< bumped on open and close: older answers are dropped
    uint64_t call;               ///< the load in flight (0 none)
    char product[OTA_KEY_MAX + 1], id[OTA_DEVICE_ID_MAX + 1];
    dev_detail *det;             ///< the last answer, NULL while loading
} D;

/* ------------------------------------------------------------ loading */
static int cmp_key(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void attrs_lines(json_t *attrs, dev_detail *dd)
{
    size_t n = json_object_size(attrs), k = 0, off = 0;
    const char **keys = calloc(n + 1, sizeof *keys);
    const char *key;
    json_t *v;
    if (!keys)
        return;
    json_object_foreach(attrs, key, v)
        if (k < n)
            keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_key);
    for (size_t i = 0; i < k && off + 1 < sizeof dd->attrs; i++) {
        const char *val = json_string_value(json_object_get(attrs, keys[i]));
        int w = snprintf(dd->attrs + off, sizeof dd->attrs - off, "%s: %s\n", keys[i], val ? val : "");
        if (w < 0 || (size_t)w >= sizeof dd->attrs - off)
            break;   /* the rest would not fit the screen either */
        off += (size_t)w;
        dd->nattrs++;
    }
    free(keys);
}

static int detail_run(ota_backend *b, void *ctx, ota_err *e)
{
    dev_detail *dd = ctx;
    json_t *attrs = NULL;
    int rc = b->ops->device_detail(b, dd->product, dd->id, &dd->d, &attrs, e);
    if (rc == 0)
        attrs_lines(attrs, dd);
    json_decref(attrs);
    return rc;
}

static void detail_done(app *a, call *c)
{
    if (c->tag != D.gen || !D.shown)
        return;
    D.call = 0;
    if (c->rc) {
        D.shown = false;
        char what[200];
        snprintf(what, sizeof what, "Could not load device %.120s", ((dev_detail *)c->ctx)->id);
        app_error(a, what, &c->err);
        app_dirty(a, D_BODY);
        return;
    }
    app_answered(a);
    free(D.det);
    D.det = c->ctx;   /* taken over: the call frees only what it still holds */
    c->ctx = NULL;
    app_dirty(a, D_BODY);
}

static void detail_load(app *a)
{
    if (D.call && worker_live(a->w, D.call))
        return;
    dev_detail *dd = calloc(1, sizeof *dd);
    if (!dd)
        abort();
    text_copy(dd->product, sizeof dd->product, D.product);
    text_copy(dd->id, sizeof dd->id, D.id);
    call *c = call_new(PANE_PLAN_STATUS, detail_done, detail_run, dd, free);
    c->tag = D.gen;
    D.call = app_submit(a, c);
}

void device_detail_open(app *a, const char *product, const char *device)
{
    device_detail_close();
    D.shown = true;
    text_copy(D.product, sizeof D.product, product);
    text_copy(D.id, sizeof D.id, device);
    detail_load(a);
}

void device_detail_close(void)
{
    D.shown = false;
    D.gen++;
    D.call = 0;
    free(D.det);
    D.det = NULL;
}

bool device_detail_shown(void) { return D.shown; }

int device_detail_scopes(void) { return SC_DEVICE; }

/* ------------------------------------------------- the device's token */
/* The device an action names, copied when it is asked for: the answer may
 * come back after the view moved on. */
typedef struct tok_target {
    char product[OTA_KEY_MAX + 1], id[OTA_DEVICE_ID_MAX + 1];
    bool rotate;
} tok_target;

/* A role the console knows that may not manage device tokens: said in
 * plain words and true.  The local engine and an unknown role go ahead
 * (the server decides and its refusal is put the same way). */
static bool role_refuses(app *a, const char *doing)
{
    if (!a->role[0] || !strcmp(a->role, "admin") || !strcmp(a->role, "token refused"))
        return false;
    app_msg(a, MSG_ERROR, "%s needs the admin role; this console's token has the %s role (ask an admin)",
            doing, a->role);
    return true;
}

/* The backend's refusal of a token action, in plain words. */
static void token_refused(app *a, const char *doing, const char *id, const ota_err *e)
{
    if (e->code == OTA_E_FORBIDDEN) {
        app_msg(a, MSG_ERROR, "%s for device %s was refused: it needs the admin role%s%s%s", doing, id,
                a->role[0] ? " and this console's token has the " : "", a->role[0] ? a->role : "",
                a->role[0] ? " role" : "");
        app_dirty(a, D_STATUS);
        return;
    }
    char what[160];
    snprintf(what, sizeof what, "%s for device %s", doing, id);
    app_error(a, what, e);
}

static void reload_if_shown(app *a, const tok_target *t)
{
    if (D.shown && !strcmp(D.product, t->product) && !strcmp(D.id, t->id)) {
        D.gen++;
        D.call = 0;
        detail_load(a);
    }
}

static void issue_done(app *a, call *c)
{
    op_device_token_issue *op = CALL_OP(c, device_token_issue);
    tok_target t;
    text_copy(t.product, sizeof t.product, op->product);
    text_copy(t.id, sizeof t.id, op->device);
    t.rotate = c->tag != 0;
    if (c->rc) {
        token_refused(a, t.rotate ? "Rotating the token" : "Issuing a token", t.id, &c->err);
        return;
    }
    app_answered(a);
    char title[300];
    snprintf(title, sizeof title, "%s token of device %s (product %s)", t.rotate ? "The new" : "The",
             t.id, t.product);
    prompt_notice(a, title, op->token,
                  t.rotate ? "Shown once: copy it into the device now. Its old token stopped working."
                           : "Shown once: copy it into the device now. It is not stored in readable form.");
    app_msg(a, MSG_OK, "%s for device %s: shown once below (Enter closes)",
            t.rotate ? "Token rotated" : "Token issued", t.id);
    reload_if_shown(a, &t);
}

static void issue_yes(app *a, const char *text, void *ctx)
{
    (void)text;
    const tok_target *t = ctx;
    call *c = call_device_token_issue(-1, issue_done);   /* not the pane's: leaving it drops no token */
    op_device_token_issue *op = CALL_OP(c, device_token_issue);
    text_copy(op->product, sizeof op->product, t->product);
    text_copy(op->device, sizeof op->device, t->id);
    c->tag = t->rotate;
    app_submit(a, c);
    app_msg(a, MSG_INFO, "%s the token of device %s…", t->rotate ? "Rotating" : "Issuing", t->id);
}

static void revoke_done(app *a, call *c)
{
    op_device_token_revoke *op = CALL_OP(c, device_token_revoke);
    tok_target t;
    text_copy(t.product, sizeof t.product, op->product);
    text_copy(t.id, sizeof t.id, op->device);
    if (c->rc) {
        token_refused(a, "Revoking the token", t.id, &c->err);
        return;
    }
    app_answered(a);
    app_msg(a, MSG_OK, "Token of device %s revoked: it cannot check in until an admin issues a new one", t.id);
    reload_if_shown(a, &t);
}

static void revoke_yes(app *a, const char *text, void *ctx)
{
    (void)text;
    const tok_target *t = ctx;
    call *c = call_device_token_revoke(-1, revoke_done);
    op_device_token_revoke *op = CALL_OP(c, device_token_revoke);
    text_copy(op->product, sizeof op->product, t->product);
    text_copy(op->device, sizeof op->device, t->id);
    app_submit(a, c);
    app_msg(a, MSG_INFO, "Revoking the token of device %s…", t->id);
}

static tok_target *target_new(bool rotate)
{
    tok_target *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    text_copy(t->product, sizeof t->product, D.det->d.product[0] ? D.det->d.product : D.product);
    text_copy(t->id, sizeof t->id, D.det->d.id);
    t->rotate = rotate;
    return t;
}

static int token_issue(app *a)
{
    bool rotate = D.det->d.credential == OTA_CRED_ACTIVE;
    if (role_refuses(a, rotate ? "Rotating a device token" : "Issuing a device token"))
        return H_REDRAW;
    char q[400];
    if (rotate)
        snprintf(q, sizeof q, "Rotate device %s's token? The old one stops.", D.det->d.id);
    else
        snprintf(q, sizeof q, "Issue a token for device %s? It is shown once.", D.det->d.id);
    prompt_confirm(a, q, issue_yes, target_new(rotate), free);
    return H_REDRAW;
}

static int token_revoke(app *a)
{
    if (D.det->d.credential != OTA_CRED_ACTIVE) {
        app_msg(a, MSG_WARN, "Device %s has no active token to revoke (credential: %s)", D.det->d.id,
                ota_credential_str(D.det->d.credential));
        return H_REDRAW;
    }
    if (role_refuses(a, "Revoking a device token"))
        return H_REDRAW;
    char q[400];
    snprintf(q, sizeof q, "Revoke device %s's token? It cannot check in.", D.det->d.id);
    prompt_confirm(a, q, revoke_yes, target_new(false), free);
    return H_REDRAW;
}

int device_detail_action(app *a, tui_action act)
{
    switch (act) {
    case ACT_BACK:
    case ACT_QUIT:
        device_detail_close();
        return H_REDRAW;
    case ACT_REFRESH:
        D.gen++;
        D.call = 0;
        free(D.det);
        D.det = NULL;
        detail_load(a);
        return H_REDRAW;
    case ACT_TOKEN_ISSUE:
    case ACT_TOKEN_REVOKE:
        if (!D.det) {
            app_msg(a, MSG_WARN, "The device is still loading");
            return H_REDRAW;
        }
        return act == ACT_TOKEN_ISSUE ? token_issue(a) : token_revoke(a);
    default:
        return H_IGNORED;
    }
}

/* --------------------------------------------------------------- draw */
static void credential_text(const ota_device *d, char *buf, size_t len)
{
    char t[32];
    switch (d->credential) {
    case OTA_CRED_ACTIVE:
        snprintf(buf, len, "Credential: token active since %s (i rotate · x revoke)",
                 fmt_local(d->credential_at, t, sizeof t));
        break;
    case OTA_CRED_REVOKED:
        snprintf(buf, len, "Credential: token revoked %s (i issues a new one)",
                 fmt_local(d->credential_at, t, sizeof t));
        break;
    default:
        snprintf(buf, len, "Credential: no token of its own (i issues one)");
        break;
    }
}

void device_detail_draw(app *a, int y, int x, int w, int h)
{
    (void)a;
    int end = y + h;
    const dev_detail *dd = D.det;
    if (!dd) {
        draw_text(y++, x, w, EL_HEADER, "Device details (Esc back)");
        draw_text(y++, x, w, EL_DIM, "Loading…");
    } else {
        char buf[1024], t[32], rsrp[16] = "-", bat[16] = "-";
        const ota_device *d = &dd->d;
        draw_textf(y++, x, w, EL_HEADER, "Device %s · product %s (Esc back, R reload)", d->id, d->product);
        int n = snprintf(buf, sizeof buf, "Versions:");
        for (size_t i = 0; i < d->nversions && n < (int)sizeof buf; i++)
            n += snprintf(buf + n, sizeof buf - (size_t)n, " %s=%s", d->versions[i].component,
                          d->versions[i].version);
        if (!d->nversions)
            snprintf(buf + n, sizeof buf - (size_t)n, " (none)");
        if (y < end)
            draw_text(y++, x, w, EL_NORMAL, buf);
        if (d->has_rsrp)
            snprintf(rsrp, sizeof rsrp, "%d dBm", d->rsrp);
        if (d->has_battery)
            snprintf(bat, sizeof bat, "%d%%", d->battery);
        if (y < end)
            draw_textf(y++, x, w, EL_NORMAL, "Last RSRP %s · battery %s · last seen %s", rsrp, bat,
                       d->last_seen ? fmt_local(d->last_seen, t, sizeof t) : "never");
        credential_text(d, buf, sizeof buf);
        if (y < end)
            draw_text(y++, x, w, d->credential == OTA_CRED_REVOKED ? EL_WARN : EL_NORMAL, buf);
        if (y < end)
            draw_textf(y++, x, w, EL_LABEL_FOCUS, "Attributes%s", dd->nattrs ? ":" : ": none reported");
        const char *line = dd->attrs;
        while (*line && y < end) {
            const char *nl = strchr(line, '\n');
            size_t len = nl ? (size_t)(nl - line) : strlen(line);
            snprintf(buf, sizeof buf, "  %.*s", (int)len, line);
            draw_text(y++, x, w, EL_NORMAL, buf);
            line += len + (nl ? 1 : 0);
        }
    }
    while (y < end)
        draw_text(y++, x, w, EL_NORMAL, "");
}

const char *device_detail_hint(app *a)
{
    (void)a;
    if (D.det && D.det->d.credential == OTA_CRED_ACTIVE)
        return "i rotate token · x revoke token · Esc back · R reload · ? help";
    return "i issue token · Esc back to the device table · R reload · ? help";
}
