/* The connection state in words (tui/conn_text.c): connected, slow with
 * the seconds waited and the timeout, offline and unanswered since a local
 * time, connecting before anything answered. */
#include <stdlib.h>
#include <time.h>
#include "../../tap.h"
#include "../../../tui/conn.h"

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    char buf[128];
    int64_t t = 1796085723;   /* 2026-12-01 00:42:03 UTC */
    conn_view v = {.state = CONN_OK, .waiting_s = -1, .timeout_s = 15};
    is_str(conn_describe(&v, buf, sizeof buf), "connected", "answered: connected");
    v.waiting_s = 4;
    is_str(conn_describe(&v, buf, sizeof buf), "slow (waiting 4s of 15s — Esc cancels)",
           "a call in flight: slow, the seconds waited and the timeout, and what to do");
    v.state = CONN_DOWN;
    v.since = t;
    is_str(conn_describe(&v, buf, sizeof buf), "slow (waiting 4s of 15s — Esc cancels)",
           "waiting wins over an older offline: it is what happens now");
    v.waiting_s = -1;
    is_str(conn_describe(&v, buf, sizeof buf), "offline since 00:42:03, retrying",
           "unreachable: offline since, local time");
    v.state = CONN_STALLED;
    is_str(conn_describe(&v, buf, sizeof buf), "no answer since 00:42:03, retrying",
           "cancelled unanswered: no answer since");
    v.state = CONN_UNKNOWN;
    is_str(conn_describe(&v, buf, sizeof buf), "connecting", "nothing answered yet: connecting");
    v.waiting_s = 0;
    v.timeout_s = 0;
    is_str(conn_describe(&v, buf, sizeof buf), "slow (waiting 0s — Esc cancels)",
           "no timeout to state (local engine): none said");
    char tiny[12];
    conn_describe(&v, tiny, sizeof tiny);
    is_str(tiny, "slow (waiti", "a short buffer is cut, never overrun");
    return tap_done();
}
