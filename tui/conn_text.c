/* conn_text.c: the connection state in words for the status bar (see
 * conn.h).  Pure: the caller gives the state, the waiting time and the
 * timeout. */
#include <stdio.h>
#include <time.h>
#include "conn.h"

static const char *hms(int64_t t, char *buf, size_t len)
{
    time_t s = (time_t)t;
    struct tm tm;
    localtime_r(&s, &tm);
    strftime(buf, len, "%H:%M:%S", &tm);
    return buf;
}

const char *conn_describe(const conn_view *v, char *buf, size_t len)
{
    char t[32];
    if (v->waiting_s >= 0) {
        if (v->timeout_s > 0)
            snprintf(buf, len, "slow (waiting %ds of %ds \xe2\x80\x94 Esc cancels)", v->waiting_s,
                     v->timeout_s);
        else
            snprintf(buf, len, "slow (waiting %ds \xe2\x80\x94 Esc cancels)", v->waiting_s);
        return buf;
    }
    switch (v->state) {
    case CONN_OK:
        snprintf(buf, len, "connected");
        break;
    case CONN_DOWN:
        snprintf(buf, len, "offline since %s, retrying", hms(v->since, t, sizeof t));
        break;
    case CONN_STALLED:
        snprintf(buf, len, "no answer since %s, retrying", hms(v->since, t, sizeof t));
        break;
    default:
        snprintf(buf, len, "connecting");
        break;
    }
    return buf;
}
