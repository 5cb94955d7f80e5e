/* app.c: shared console state: messages, errors, pane switching, and the
 * package / plan / product lists that several panes read. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "modal.h"
#include "msgtext.h"
#include "trust.h"
#include "tui.h"

/* Pane table: the loop looks panes up here, never by name. */
static const pane_ops *const panes[PANE__COUNT] = {
    [PANE_PACKAGES] = &pane_packages,       [PANE_PACKAGE_FORM] = &pane_package_form,
    [PANE_PLANS] = &pane_plans,             [PANE_PLAN_EDITOR] = &pane_plan_editor,
    [PANE_PLAN_STATUS] = &pane_plan_status, [PANE_DASHBOARD] = &pane_dashboard,
    [PANE_HELP] = &pane_help,
};

const pane_ops *app_pane(const app *a, pane_id p)
{
    (void)a;
    return panes[p];
}

void app_dirty(app *a, unsigned regions) { a->dirty |= regions; }

/* The message announcing a call ("Loading…"), cleared when that call is
 * over if nothing replaced it; and what the message line and the status
 * bar said last, for m (app_msg_again). */
static uint64_t last_call, msg_call;
static msg_kind msg_last_kind;
static char msg_last[512];
/* the message and the last error are about the connection: the first
 * answer after it clears them */
static bool msg_conn, error_conn, last_conn;

static void msg_set(app *a, msg_kind k, const char *fmt, va_list ap)
{
    char buf[sizeof a->msg];
    vsnprintf(buf, sizeof buf, fmt, ap);
    msg_call = 0;
    msg_conn = last_conn = false;
    text_copy(msg_last, sizeof msg_last, buf);
    msg_last_kind = k;
    if (a->msg_kind == k && !strcmp(buf, a->msg))
        return;
    memcpy(a->msg, buf, sizeof buf);
    a->msg_kind = k;
    app_dirty(a, D_MSG);
}

void app_msg(app *a, msg_kind k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_set(a, k, fmt, ap);
    va_end(ap);
}

void app_progress(app *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_set(a, MSG_INFO, fmt, ap);
    va_end(ap);
    msg_call = last_call;
}

void app_msg_tick(app *a)
{
    if (msg_call && !worker_live(a->w, msg_call)) {
        msg_call = 0;
        if (a->msg_kind == MSG_INFO) {
            a->msg_kind = MSG_NONE;
            app_dirty(a, D_MSG);
        }
    }
}

int app_msg_again(app *a)
{
    char buf[sizeof msg_last + sizeof a->last_error + 16];
    msg_kind k = msg_last_kind;
    if (msg_last[0] && a->last_error[0] && !strstr(msg_last, a->last_error))
        snprintf(buf, sizeof buf, "%s\nLast error: %s", msg_last, a->last_error);
    else if (msg_last[0])
        text_copy(buf, sizeof buf, msg_last);
    else if (a->last_error[0]) {
        snprintf(buf, sizeof buf, "Last error: %s", a->last_error);
        k = MSG_ERROR;
    } else {
        text_copy(buf, sizeof buf, "No message to show again");
        k = MSG_INFO;
    }
    text_copy(a->msg, sizeof a->msg, buf);
    a->msg_kind = k == MSG_NONE ? MSG_INFO : k;
    app_dirty(a, D_ALL);
    return H_REDRAW;
}

/* A failure that says the backend did not answer (rather than refusing). */
static bool conn_failure(const ota_err *e)
{
    return e->code == OTA_E_UNAVAILABLE;
}

void app_error(app *a, const char *what, const ota_err *e)
{
    char buf[700];
    err_words(NULL, e, buf, sizeof buf);
    if (e->code == OTA_E_UNAVAILABLE) {
        if (a->conn != CONN_DOWN)
            a->conn_down_since = (int64_t)time(NULL);
        a->conn = CONN_DOWN;
    }
    if (what && *what)
        app_msg(a, MSG_ERROR, "%s: %s", what, buf);
    else
        app_msg(a, MSG_ERROR, "%s", buf);
    msg_conn = error_conn = last_conn = conn_failure(e);
    text_copy(a->last_error, sizeof a->last_error, buf);
    app_dirty(a, D_STATUS);
}

void app_answered(app *a)
{
    if (a->conn != CONN_OK) {
        a->conn = CONN_OK;
        app_dirty(a, D_STATUS);
    }
    /* back: what said it was not answering is no longer true */
    if (error_conn) {
        error_conn = false;
        a->last_error[0] = '\0';
        app_dirty(a, D_STATUS);
    }
    if (last_conn) {   /* m has nothing to show of it either */
        last_conn = false;
        msg_last[0] = '\0';
    }
    if (msg_conn) {
        msg_conn = false;
        if (a->msg_kind == MSG_ERROR) {
            a->msg_kind = MSG_NONE;
            app_dirty(a, D_MSG);
        }
    }
}

void app_show(app *a, pane_id p)
{
    if (a->pane != p && p != PANE_HELP)
        a->back = a->pane;
    else if (p == PANE_HELP && a->pane != PANE_HELP)
        a->back = a->pane;
    a->pane = p;
    if (a->msg_kind == MSG_INFO)
        a->msg_kind = MSG_NONE;
    app_dirty(a, D_ALL);
    if (panes[p]->enter)
        panes[p]->enter(a);
}

uint64_t app_submit(app *a, call *c)
{
    return last_call = worker_submit(a->w, c);
}

/* ------------------------------------------------------------ packages */
static int64_t pkg_load_id;

static void packages_page_done(app *a, call *c)
{
    op_package_list *l = CALL_OP(c, package_list);
    if (c->tag != pkg_load_id)
        return;   /* a newer load started */
    if (c->rc) {
        app_error(a, "Could not load the packages", &c->err);
        return;
    }
    app_answered(a);
    if (l->pg.cursor[0] == '\0') {   /* first page of this load */
        free(a->pkgs);
        a->pkgs = NULL;
        a->npkgs = 0;
    }
    ota_package *v = realloc(a->pkgs, (a->npkgs + l->out.n + 1) * sizeof *v);
    if (!v)
        abort();
    a->pkgs = v;
    memcpy(a->pkgs + a->npkgs, l->out.items, l->out.n * sizeof *v);
    a->npkgs += l->out.n;
    a->pkgs_gen++;
    app_dirty(a, D_BODY);
    if (l->out.next_cursor[0]) {
        call *n = call_package_list(-1, packages_page_done);
        op_package_list *nl = CALL_OP(n, package_list);
        n->tag = c->tag;
        nl->pg.limit = OTA_LIST_MAX;
        text_copy(nl->pg.cursor, sizeof nl->pg.cursor, l->out.next_cursor);
        app_submit(a, n);
    } else {
        a->pkgs_loaded = true;
    }
}

void app_load_packages(app *a)
{
    /* A small first page so the first frame has rows quickly; the rest
     * follows in big pages while the operator already reads. */
    call *c = call_package_list(-1, packages_page_done);
    c->tag = ++pkg_load_id;
    CALL_OP(c, package_list)->pg.limit = 100;
    a->pkgs_loaded = false;
    app_submit(a, c);
}

const ota_package *app_package(const app *a, int64_t id)
{
    for (size_t i = 0; i < a->npkgs; i++)
        if (a->pkgs[i].id == id)
            return &a->pkgs[i];
    return NULL;
}

/* --------------------------------------------------------------- plans */
static int64_t plan_load_id;

static void plans_free(app *a)
{
    for (size_t i = 0; i < a->nplans; i++)
        ota_plan_free(&a->plans[i]);
    free(a->plans);
    a->plans = NULL;
    a->nplans = 0;
}

static void plans_page_done(app *a, call *c)
{
    op_plan_list *l = CALL_OP(c, plan_list);
    if (c->tag != plan_load_id)
        return;
    if (c->rc) {
        app_error(a, "Could not load the plans", &c->err);
        return;
    }
    app_answered(a);
    if (l->pg.cursor[0] == '\0')
        plans_free(a);
    ota_plan *v = realloc(a->plans, (a->nplans + l->out.n + 1) * sizeof *v);
    if (!v)
        abort();
    a->plans = v;
    /* take the items (and their lists) over from the page */
    memcpy(a->plans + a->nplans, l->out.items, l->out.n * sizeof *v);
    a->nplans += l->out.n;
    for (size_t i = 0; i < l->out.n; i++)
        ota_plan_init(&l->out.items[i]);
    a->plans_gen++;
    app_dirty(a, D_BODY);
    if (l->out.next_cursor[0]) {
        call *n = call_plan_list(-1, plans_page_done);
        op_plan_list *nl = CALL_OP(n, plan_list);
        n->tag = c->tag;
        nl->pg.limit = OTA_LIST_MAX;
        text_copy(nl->pg.cursor, sizeof nl->pg.cursor, l->out.next_cursor);
        app_submit(a, n);
    } else {
        a->plans_loaded = true;
    }
}

void app_load_plans(app *a)
{
    call *c = call_plan_list(-1, plans_page_done);
    c->tag = ++plan_load_id;
    CALL_OP(c, plan_list)->pg.limit = 100;
    a->plans_loaded = false;
    app_submit(a, c);
}

const ota_plan *app_plan_row(const app *a, int64_t id)
{
    for (size_t i = 0; i < a->nplans; i++)
        if (a->plans[i].id == id)
            return &a->plans[i];
    return NULL;
}

/* ------------------------------------------------------------ products */
static void products_done(app *a, call *c)
{
    if (c->rc) {
        app_error(a, "Could not load the products", &c->err);
        return;
    }
    app_answered(a);
    ota_product_list *l = &CALL_OP(c, product_list_all)->out;
    free(a->products);
    a->products = l->items;
    a->nproducts = l->n;
    l->items = NULL;
    l->n = 0;
    a->products_loaded = true;
    app_dirty(a, D_BODY);
}

void app_load_products(app *a)
{
    app_submit(a, call_product_list_all(-1, products_done));
}

void app_free(app *a);
void app_free(app *a)
{
    modal_close(a);
    /* Each pane keeps its rows between visits; give them back here so a
     * leak checker sees nothing left (valgrind "still reachable"). */
    for (int p = 0; p < PANE__COUNT; p++)
        if (panes[p]->done)
            panes[p]->done(a);
    trust_free();
    free(a->pkgs);
    plans_free(a);
    free(a->products);
}
