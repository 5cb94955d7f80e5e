/* GET /api/v1/plans/{id}/events: a page of events after ?since=, or, with
 * Accept: text/event-stream, the same events as a live server-sent event
 * stream.  Each SSE event carries its seq as the id, so a reconnecting
 * client resumes with Last-Event-ID; comment lines every sse_heartbeat
 * seconds keep proxies from closing an idle stream and let the server
 * notice a client that went away. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "otad.h"

struct sse {
    otad *srv;
    struct MHD_Connection *conn;
    bool pooled;            /* pool mode: suspend instead of sleeping */
    bool suspended;         /* waiting for the waker (under sse_mu) */
    struct sse *next, *prev;  /* the open streams, for the waker */
    int64_t plan;
    int64_t last_seq;
    char *out;              /* formatted, not yet sent */
    size_t len, off, cap;
    int64_t last_write_ns;
};

static int parse_seq(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < 0)
        return -1;
    *out = v;
    return 0;
}

static void sse_put(struct sse *s, const char *text)
{
    size_t n = strlen(text);
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n)
            cap *= 2;
        char *b = realloc(s->out, cap);
        if (!b)
            return;
        s->out = b;
        s->cap = cap;
    }
    memcpy(s->out + s->len, text, n);
    s->len += n;
}

/* Formats new events into the output buffer; returns how many. */
static size_t sse_fetch(struct sse *s)
{
    ota_event_page page;
    ota_err e;
    memset(&page, 0, sizeof page);
    if (ota_plan_events(s->srv->eng, s->plan, s->last_seq, 100, &page, &e) < 0)
        return 0;
    for (size_t i = 0; i < page.n; i++) {
        const ota_event *ev = &page.items[i];
        json_t *j = ota_json_event(ev);
        char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!data)
            continue;
        char head[96];
        snprintf(head, sizeof head, "id: %lld\nevent: %s\ndata: ", (long long)ev->seq, ev->device[0] ? "job" : "plan");
        sse_put(s, head);
        sse_put(s, data);
        sse_put(s, "\n\n");
        free(data);
        s->last_seq = ev->seq;
    }
    size_t n = page.n;
    ota_event_page_free(&page);
    return n;
}

/* Pool mode: a stream with nothing to send is suspended (it leaves MHD's
 * event loop and holds no pool thread); one waker thread resumes every
 * suspended stream each sse_poll_ms, and MHD calls sse_read again, which
 * looks for events, sends a heartbeat when due, or suspends once more.
 * This is the pattern libmicrohttpd prescribes for "no body data yet":
 * MHD_suspend_connection() in the content reader, then return 0. */
static pthread_mutex_t sse_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sse *sse_head;
static pthread_t sse_waker;
static bool sse_waker_on;
static atomic_bool sse_waker_quit;

static void *sse_waker_main(void *arg)
{
    otad *srv = arg;
    while (!atomic_load(&sse_waker_quit)) {
        struct timespec ts = {0, (long)srv->cfg.sse_poll_ms * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&sse_mu);
        for (struct sse *s = sse_head; s; s = s->next)
            if (s->suspended) {
                s->suspended = false;
                MHD_resume_connection(s->conn);
            }
        pthread_mutex_unlock(&sse_mu);
    }
    return NULL;
}

int events_waker_start(otad *srv)
{
    atomic_store(&sse_waker_quit, false);
    if (pthread_create(&sse_waker, NULL, sse_waker_main, srv))
        return -1;
    sse_waker_on = true;
    return 0;
}

/* Before MHD_stop_daemon, after the streams were told to end (stopping). */
void events_waker_stop(void)
{
    if (!sse_waker_on)
        return;
    atomic_store(&sse_waker_quit, true);
    pthread_join(sse_waker, NULL);
    sse_waker_on = false;
}

/* Thread per connection: MHD pulls the stream on the connection's own
 * thread, so waiting for the next event may block it.  Pool mode: never
 * waits; an idle stream is suspended (above). */
static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct sse *s = cls;
    (void)pos;
    for (;;) {
        if (s->off < s->len) {
            size_t n = s->len - s->off;
            if (n > max)
                n = max;
            memcpy(buf, s->out + s->off, n);
            s->off += n;
            if (s->off == s->len)
                s->off = s->len = 0;
            s->last_write_ns = mono_ns();
            return (ssize_t)n;
        }
        if (atomic_load(&s->srv->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (sse_fetch(s))
            continue;
        if (mono_ns() - s->last_write_ns >= (int64_t)s->srv->cfg.sse_heartbeat * 1000000000) {
            sse_put(s, ": heartbeat\n\n");
            continue;
        }
        if (s->pooled) {
            pthread_mutex_lock(&sse_mu);
            s->suspended = true;
            MHD_suspend_connection(s->conn);
            pthread_mutex_unlock(&sse_mu);
            return 0;
        }
        struct timespec ts = {0, (long)s->srv->cfg.sse_poll_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void sse_free(void *cls)
{
    struct sse *s = cls;
    if (s->pooled) {
        pthread_mutex_lock(&sse_mu);
        if (s->prev)
            s->prev->next = s->next;
        else if (sse_head == s)
            sse_head = s->next;
        if (s->next)
            s->next->prev = s->prev;
        pthread_mutex_unlock(&sse_mu);
    }
    free(s->out);
    free(s);
}

static bool wants_sse(req *r)
{
    const char *a = req_header(r, MHD_HTTP_HEADER_ACCEPT);
    return a && strstr(a, "text/event-stream");
}

void events_stream_free(req *r)
{
    (void)r;  /* the stream is freed with its response (sse_free) */
}

MHD_RESULT_T h_events(req *r)
{
    ota_err e;
    int64_t id, since = 0;
    if (req_param_id(r, 0, &id, &e) < 0)
        return reply_error(r, &e);
    const char *q = req_query(r, "since");
    if (q && parse_seq(q, &since) < 0)
        return reply_fail(r, OTA_E_BAD_REQUEST, "since", "must be a non-negative integer (got '%.40s')", q);
    if (!wants_sse(r)) {
        int limit = 0;
        const char *l = req_query(r, "limit");
        int64_t lv;
        if (l && (parse_seq(l, &lv) < 0 || lv < 1 || lv > OTA_LIST_MAX))
            return reply_fail(r, OTA_E_BAD_REQUEST, "limit", "must be an integer between 1 and %d", OTA_LIST_MAX);
        if (l)
            limit = (int)lv;
        ota_event_page page;
        memset(&page, 0, sizeof page);
        if (ota_plan_events(r->srv->eng, id, since, limit, &page, &e) < 0)
            return reply_error(r, &e);
        json_t *out = ota_json_events(&page);
        ota_event_page_free(&page);
        return reply_json(r, 200, out);
    }

    const char *lei = req_header(r, "Last-Event-ID");
    if (lei && parse_seq(lei, &since) < 0)
        return reply_fail(r, OTA_E_BAD_REQUEST, "Last-Event-ID", "must be an event id (got '%.40s')", lei);
    ota_plan_status st;
    if (ota_plan_status_get(r->srv->eng, id, &st, &e) < 0)
        return reply_error(r, &e);
    struct sse *s = calloc(1, sizeof *s);
    if (!s)
        return reply_fail(r, OTA_E_INTERNAL, NULL, "out of memory");
    s->srv = r->srv;
    s->plan = id;
    s->last_seq = since;
    s->last_write_ns = mono_ns();
    s->conn = r->conn;
    s->pooled = r->srv->cfg.threads > 0;
    if (s->pooled) {
        pthread_mutex_lock(&sse_mu);
        s->next = sse_head;
        if (sse_head)
            sse_head->prev = s;
        sse_head = s;
        pthread_mutex_unlock(&sse_mu);
    }
    /* A first line right away: the client knows the stream is open. */
    sse_put(s, "retry: 2000\n: stream open\n\n");
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read, s, sse_free);
    if (!resp) {
        sse_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return reply_response(r, 200, resp);
}
