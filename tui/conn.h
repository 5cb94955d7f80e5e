/* conn.h: what the console knows of its backend: the connection state the
 * status bar shows and the role its token has.
 *
 * conn_text.c (pure, unit-tested): the words.  conn.c: the state, driven
 * by the outcome of every call the console makes to its backend (the
 * worker tells it before each done callback) and, on a remote backend
 * while the console asks nothing, by a heartbeat (GET /whoami every
 * CONN_HEARTBEAT_MS), which also keeps the token's name and role. */
#ifndef TUI_CONN_H
#define TUI_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;

#define CONN_SLOW_MS      1000   /* a call older than this: "slow (waiting Ns ...)" */
#define CONN_HEARTBEAT_MS 3000   /* nothing heard for this long: ask GET /whoami */

typedef enum {
    CONN_UNKNOWN,   /* nothing answered yet */
    CONN_OK,        /* the last call was answered */
    CONN_DOWN,      /* the last call could not reach the server */
    CONN_STALLED    /* a call went unanswered and was cancelled (Esc) */
} conn_state;

/* ------------------------------------------------------- conn_text.c */
typedef struct conn_view {
    conn_state state;
    int64_t since;      /* wall time: offline or unanswered since */
    int waiting_s;      /* the oldest call in flight, seconds (-1: none slow) */
    int timeout_s;      /* the request timeout (0: none stated, local engine) */
} conn_view;
/* "connected", "slow (waiting 4s of 15s — Esc cancels)", "offline since
 * 12:00:03, retrying", "no answer since 12:00:03, retrying" (local time). */
const char *conn_describe(const conn_view *v, char *buf, size_t len);

/* ------------------------------------------------------------ conn.c */
/* At start: follows every call from now on (the worker's observer) and
 * asks who the backend acts as (whoami). */
void conn_start(struct app *a);
/* Every loop pass: the waiting seconds, the heartbeat; marks the status
 * bar dirty only when its text changes. */
void conn_pass(struct app *a);
/* Calls in flight were cancelled (Esc): oldest_ms their oldest start. */
void conn_cancelled(struct app *a, int64_t oldest_ms);
/* The status bar's connection words. */
const char *conn_status(struct app *a, char *buf, size_t len);

#endif
