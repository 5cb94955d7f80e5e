/* tui.h: the console's shared state and the shape every pane has.
 *
 * Like tig's view_ops, every pane is the same struct of callbacks, so the
 * loop (loop.c) needs no special cases.  Like htop's ScreenManager, key
 * handlers return flags (H_HANDLED, H_REDRAW, H_RESIZE, H_QUIT) instead of
 * drawing; the loop draws once per pass, only the regions marked dirty, and
 * calls doupdate() once.  Backend work goes through worker.h.
 */
#ifndef TUI_H
#define TUI_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>
#include "backend.h"
#include "keys.h"
#include "layout.h"
#include "text.h"
#include "theme.h"
#include "worker.h"

/* Handler results (htop's HandlerResult). */
enum { H_IGNORED = 0, H_HANDLED = 1, H_REDRAW = 2, H_RESIZE = 4, H_QUIT = 8 };

/* Regions to redraw. */
enum { D_TABS = 1, D_BODY = 2, D_MSG = 4, D_STATUS = 8, D_ALL = 15 };

typedef enum {
    PANE_PACKAGES, PANE_PACKAGE_FORM, PANE_PLANS, PANE_PLAN_EDITOR,
    PANE_PLAN_STATUS, PANE_DASHBOARD, PANE_HELP, PANE__COUNT
} pane_id;

/* Keys: a function key is its KEY_* code; a character is its code point,
 * moved above Unicode when it would collide with the KEY_* range. */
#define KEY_CHAR_SHIFT 0x200000
int key_char(int key);          /* the character, or -1 for a function key */

struct app;
typedef struct pane_ops {
    const char *title;
    int (*scopes)(struct app *a);                 /* key scopes in effect now */
    void (*enter)(struct app *a);                 /* the pane is shown */
    int (*input)(struct app *a, int key);         /* first look at raw keys (text fields) */
    int (*action)(struct app *a, tui_action act);
    void (*draw)(struct app *a, rect r);
    void (*tick)(struct app *a);                  /* about once a second while shown */
    bool (*unsaved)(struct app *a);               /* a form with changes */
    const char *(*hint)(struct app *a);           /* message line when idle */
    int (*paste)(struct app *a, const char *text); /* a bracketed paste (else ignored) */
    void (*done)(struct app *a);                  /* at exit: release what the pane holds */
} pane_ops;

extern const pane_ops pane_packages, pane_package_form, pane_plans, pane_plan_editor,
    pane_plan_status, pane_dashboard, pane_help;

typedef enum { MSG_NONE, MSG_INFO, MSG_OK, MSG_WARN, MSG_ERROR } msg_kind;
typedef enum { CONN_UNKNOWN, CONN_OK, CONN_DOWN } conn_state;

struct modal;

struct ota_remote_args;

typedef struct app {
    ota_backend *be;
    char role[32];                 ///< remote: the token's role once known (status bar)
    const struct ota_remote_args *rargs;  ///< command line's server settings (push)
    char push_url[400];            ///< the server last pushed to (the prompt's default)
    int sig_fd;                    ///< read end of the signal self-pipe (-1 none)
    int signal;                    ///< the signal that ended the loop (0 none)
    worker *w;
    layout lay;
    pane_id pane, back;            ///< current pane; where q/Esc return to
    bool dashboard_mode;           ///< --dashboard: read-only wall screen
    unsigned dirty;                ///< D_* regions to redraw
    bool quit;
    long iterations;               ///< --iterations N: stop after N loop passes (bench, tests)
    long passes;

    char msg[512];                 ///< message line
    msg_kind msg_kind;
    char last_error[512];          ///< status bar
    conn_state conn;
    int64_t conn_down_since;       ///< wall time, for "offline since"
    int spinner;                   ///< frame shown, -1 none

    struct modal *modal;           ///< prompt, confirmation or picker, or NULL
    int cur_y, cur_x;              ///< text cursor to show, -1 = hidden
    unsigned long burst;           ///< keys read in one go (one pass) share a number
    bool typeahead;                ///< more keys of this burst wait after the one handled

    /* Shared data, loaded by the panes that need them. */
    ota_package *pkgs; size_t npkgs;    ///< every package (packages pane loads them)
    bool pkgs_loaded;                   ///< complete
    int64_t pkgs_gen;                   ///< bumped on every change
    ota_plan *plans; size_t nplans;     ///< plan list rows (lists not included)
    bool plans_loaded;
    int64_t plans_gen;
    ota_product *products; size_t nproducts;
    bool products_loaded;
    int64_t sel_plan;                   ///< the plan live status shows (0 none)
} app;

/* app.c */
void app_dirty(app *a, unsigned regions);
void app_msg(app *a, msg_kind k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An INFO message announcing the call just submitted ("Loading…"): it
 * goes when that call is over, unless its outcome replaced it. */
void app_progress(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_msg_tick(app *a);                      /* loop: after results came in */
int app_msg_again(app *a);                      /* m: the last message and error in full */
/* Show a backend error: message line and status bar, connection state.
 * what names what the console was doing and with what ("Could not pause
 * plan 6"); the reason is in words (msgtext.h, err_words). */
void app_error(app *a, const char *what, const ota_err *e);
/* A call came back fine: the backend is answering. */
void app_answered(app *a);
void app_show(app *a, pane_id p);               /* switch pane (remembers back) */
const pane_ops *app_pane(const app *a, pane_id p);
uint64_t app_submit(app *a, call *c);           /* worker_submit: the call's id, 0 if dropped */
/* Shared data loads; done callbacks mark dirty and bump the generations. */
void app_load_packages(app *a);
void app_load_plans(app *a);
void app_load_products(app *a);
const ota_package *app_package(const app *a, int64_t id);
const ota_plan *app_plan_row(const app *a, int64_t id);

/* loop.c */
int loop_run(app *a);
/* Runs an action as its key would (the command palette). */
void loop_run_action(app *a, tui_action act);

/* draw.c */
void draw_text(int y, int x, int w, int el, const char *s);   /* fit and pad */
void draw_textf(int y, int x, int w, int el, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void draw_fill(rect r, int el);
/* s wrapped into w columns from row y, at most max rows (the last ends in
 * an ellipsis when cut), later rows indented by indent; returns the rows. */
int draw_wrap(int y, int x, int w, int el, const char *s, int indent, int max);
int wrap_rows(const char *s, int w, int indent);   /* rows draw_wrap needs */
int msg_popup_rows(const app *a);                 /* the message's rows (a popup when > 1) */
/* A progress bar of width w: done and failed parts over total. */
void draw_bar(int y, int x, int w, long ok, long failed, long total);
/* Digits 3 rows high (wall screen counts); returns the columns used. */
int draw_big(int y, int x, int w, int el, const char *digits);
int big_width(const char *digits);
void draw_tabs(app *a);
void draw_msgline(app *a);
void draw_status(app *a);
void draw_small(app *a);
/* Plan state colours. */
int state_el(ota_plan_state s);

/* Scrolling list state shared by the list panes. */
typedef struct listview { int sel, top, n; } listview;
/* Move the selection for a movement action; returns H_REDRAW or H_IGNORED. */
int list_move(listview *lv, tui_action act, int height);
void list_clamp(listview *lv, int height);

/* Formatting helpers (draw.c) */
const char *fmt_size(uint64_t bytes, char *buf, size_t len);      /* "1.2 MiB" */
const char *fmt_local(int64_t t, char *buf, size_t len);         /* "2026-12-01 08:00" local */
const char *fmt_zone(int64_t t, char *buf, size_t len);          /* "CST (UTC+08:00)" */
int parse_local(const char *s, int64_t *out);                    /* "YYYY-MM-DD HH:MM" local */
const char *fmt_duration(int64_t secs, char *buf, size_t len);   /* "2d 3h", "4m 10s" */
size_t utf8_put(char *out, uint32_t cp);                          /* encode, returns bytes */

/* Plan actions shared by the plans list and live status (plans.c). */
void plans_transition(app *a, int64_t id, ota_action act);
/* Opens the next wave of a staged plan, after a confirmation (plans.c). */
void plans_advance(app *a, int64_t id);

/* Entry points between panes. */
void package_form_open(app *a);
void packages_select(app *a, int64_t id);         /* the list's selection moves to package id */
void plan_editor_open(app *a, int64_t plan_id);   /* 0: a new plan */
void plan_status_open(app *a, int64_t plan_id);
/* The actions the read-only dashboard answers to (its keys and its ? help). */
bool dashboard_offers(tui_action act);

#endif
