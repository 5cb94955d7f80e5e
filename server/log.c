/* otad's log: one line per event on standard error.  Request lines (info,
 * debug) collect in a buffer written at most every 200 ms or when full, so a
 * busy server does not pay a write(2) per request; warnings and errors are
 * written at once.  The request line has a formatter of its own
 * (otad_log_request): two vsnprintf calls per request, one of them with a
 * floating-point conversion, were a twentieth of a repeat check-in's CPU. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "otad.h"

static int log_level = LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[64 * 1024];
static size_t log_len;
static time_t ts_sec = -1;   /* the second ts_text was formatted for */
static char ts_text[32];

void otad_log_set_level(int level) { log_level = level; }
const char *otad_log_level_name(int level) { return level >= 0 && level < 4 ? level_names[level] : "?"; }

static void flush_locked(void)
{
    size_t off = 0;
    while (off < log_len) {
        ssize_t n = write(STDERR_FILENO, log_buf + off, log_len - off);
        if (n <= 0)
            break;  /* nowhere to log: drop rather than block the server */
        off += (size_t)n;
    }
    log_len = 0;
}

void otad_log_flush(void)
{
    pthread_mutex_lock(&log_mu);
    flush_locked();
    pthread_mutex_unlock(&log_mu);
}

/* The line's head ("2026-12-07T01:39:25.891Z info "), log_mu held. */
static int head_locked(char *head, size_t len, const struct timespec *now, int level)
{
    if (now->tv_sec != ts_sec) {
        struct tm tm;
        gmtime_r(&now->tv_sec, &tm);
        strftime(ts_text, sizeof ts_text, "%Y-%m-%dT%H:%M:%S", &tm);
        ts_sec = now->tv_sec;
    }
    size_t t = strlen(ts_text), lv = strlen(level_names[level]);
    if (t + lv + 8 > len)
        return 0;
    long ms = now->tv_nsec / 1000000;
    memcpy(head, ts_text, t);
    head[t] = '.';
    head[t + 1] = (char)('0' + ms / 100);
    head[t + 2] = (char)('0' + ms / 10 % 10);
    head[t + 3] = (char)('0' + ms % 10);
    head[t + 4] = 'Z';
    head[t + 5] = ' ';
    memcpy(head + t + 6, level_names[level], lv);
    head[t + 6 + lv] = ' ';
    return (int)(t + 7 + lv);
}

/* One line into the buffer (now: when it happened), log_mu held. */
static void append_locked(int level, const char *msg, size_t n, const struct timespec *now)
{
    char head[64];
    int h = head_locked(head, sizeof head, now, level);
    if (log_len + (size_t)h + n + 1 > sizeof log_buf)
        flush_locked();
    memcpy(log_buf + log_len, head, (size_t)h);
    memcpy(log_buf + log_len + h, msg, n);
    log_len += (size_t)h + n;
    log_buf[log_len++] = '\n';
    if (level <= LOG_WARN)
        flush_locked();
}

/* ------------------------------------------- the request line, by hand */
struct line {
    char *p, *end;
};

static void put_str(struct line *l, const char *s)
{
    size_t n = strlen(s), room = (size_t)(l->end - l->p);
    if (n > room)
        n = room;
    memcpy(l->p, s, n);
    l->p += n;
}

static void put_u64(struct line *l, unsigned long long v, int min_digits)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < min_digits);
    while (n && l->p < l->end)
        *l->p++ = tmp[--n];
}

void otad_log_request(const char *method, const char *path, unsigned status, unsigned long long bytes,
                      int64_t ns, const char *who, const char *why)
{
    if (LOG_INFO > log_level)
        return;
    char msg[1200];
    struct line l = {msg, msg + sizeof msg};
    /* "%s %s %u %llu %.2fms %s%s%s" */
    unsigned long long hundredths = ns > 0 ? ((unsigned long long)ns + 5000) / 10000 : 0;
    put_str(&l, method);
    put_str(&l, " ");
    put_str(&l, path);
    put_str(&l, " ");
    put_u64(&l, status, 1);
    put_str(&l, " ");
    put_u64(&l, bytes, 1);
    put_str(&l, " ");
    put_u64(&l, hundredths / 100, 1);
    put_str(&l, ".");
    put_u64(&l, hundredths % 100, 2);
    put_str(&l, "ms ");
    put_str(&l, who[0] ? who : "-");
    if (why[0]) {
        put_str(&l, " ");
        put_str(&l, why);
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    pthread_mutex_lock(&log_mu);
    append_locked(LOG_INFO, msg, (size_t)(l.p - msg), &now);
    pthread_mutex_unlock(&log_mu);
}

void otad_log(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof msg)
        n = sizeof msg - 1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    pthread_mutex_lock(&log_mu);
    append_locked(level, msg, (size_t)n, &now);
    pthread_mutex_unlock(&log_mu);
}
