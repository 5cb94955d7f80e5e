/* conn.c: the connection state and the token's role (see conn.h).
 *
 * Every call the console makes to its backend ends in outcome() (the
 * worker's observer, before the call's own done callback), so the
 * state is what the last answer said, whichever pane asked: an answer
 * (data or a refusal such as 401, 403, 404, 409) is "connected", a server
 * that cannot be reached is "offline since ...", and a call older than
 * CONN_SLOW_MS is "slow (waiting Ns of Ts — Esc cancels)" while it lasts.
 * A call cancelled after going unanswered leaves "no answer since ...".
 * On a remote backend, when nothing came back for CONN_HEARTBEAT_MS and
 * nothing is in flight, a heartbeat (the backend's whoami) goes out, so a
 * server that died or came back while the operator reads a list shows
 * within seconds, and the first answer flips the bar back to "connected". */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "conn.h"
#include "tui.h"

static bool remote(app *a)
{
    return !ota_backend_local_engine(a->be);
}

/* What an error says of the server: reached (it answered), unreachable, or
 * nothing (the error may be the client's own: bad input, a file). */
static int err_reach(ota_code c)
{
    switch (c) {
    case OTA_E_UNAVAILABLE:
        return -1;
    case OTA_E_BAD_REQUEST: case OTA_E_VALIDATION: case OTA_E_IO: case OTA_E_TOO_LARGE:
        return 0;
    default:
        return 1;
    }
}

static void set_state(app *a, conn_state s, int64_t since)
{
    if (a->conn == s)
        return;
    a->conn = s;
    a->conn_down_since = since;
    app_dirty(a, D_STATUS);
}

static void who_done(app *a, call *c)
{
    if (c->async_id == a->conn_probe)
        a->conn_probe = 0;
    const ota_token_info *ti = &CALL_OP(c, whoami)->out;
    char role[32] = "";
    if (c->rc == 0) {
        a->role_known = true;
        a->may_role = ti->role;
        text_copy(a->token_name, sizeof a->token_name, ti->name);
        if (remote(a))
            text_copy(role, sizeof role, ota_role_str(ti->role));
    } else if (c->err.code == OTA_E_UNAUTHORIZED) {
        a->role_known = true;
        a->may_role = OTA_ROLE_VIEWER;   /* a refused token may do nothing but be refused */
        text_copy(role, sizeof role, "token refused");
    }
    if (role[0] && strcmp(role, a->role)) {
        text_copy(a->role, sizeof a->role, role);
        app_dirty(a, D_STATUS | D_MSG | D_BODY);   /* hints and help follow the role */
    }
}

static void ask_who(app *a)
{
    call *c = call_whoami(-1, who_done);
    a->conn_probe = app_submit(a, c);
}

static void outcome(app *a, call *c)
{
    if (c->other_server)
        return;
    a->conn_heard_ms = now_ms();
    int reach = c->rc == 0 ? 1 : err_reach(c->err.code);
    if (reach > 0)
        set_state(a, CONN_OK, 0);
    else if (reach < 0 && a->conn != CONN_DOWN)
        set_state(a, CONN_DOWN, (int64_t)time(NULL));
}

void conn_start(app *a)
{
    worker_observe(a->w, outcome);
    a->conn_heard_ms = now_ms();
    if (!remote(a))
        a->conn = CONN_OK;   /* the engine is in this process */
    ask_who(a);
}

void conn_cancelled(app *a, int64_t oldest_ms)
{
    a->conn_probe = 0;   /* dropped with the rest */
    if (!remote(a) || !oldest_ms || now_ms() - oldest_ms < CONN_SLOW_MS)
        return;
    /* it went unanswered: say so; the heartbeat tries again in a while */
    int64_t since = (int64_t)time(NULL) - (now_ms() - oldest_ms) / 1000;
    if (a->conn != CONN_DOWN)
        set_state(a, CONN_STALLED, since);
    a->conn_heard_ms = now_ms();
}

const char *conn_status(app *a, char *buf, size_t len)
{
    int64_t since = worker_waiting_since(a->w), now = now_ms();
    conn_view v = {.state = a->conn, .since = a->conn_down_since, .waiting_s = -1,
                   .timeout_s = a->timeout_s};
    if (since && now - since >= CONN_SLOW_MS)
        v.waiting_s = (int)((now - since) / 1000);
    return conn_describe(&v, buf, len);
}

void conn_pass(app *a)
{
    if (remote(a) && !worker_waiting_since(a->w) && !(a->conn_probe && worker_live(a->w, a->conn_probe)) &&
        now_ms() - a->conn_heard_ms >= CONN_HEARTBEAT_MS)
        ask_who(a);
    char words[sizeof a->conn_words];
    conn_status(a, words, sizeof words);
    if (strcmp(words, a->conn_words)) {
        text_copy(a->conn_words, sizeof a->conn_words, words);
        app_dirty(a, D_STATUS);
    }
}
