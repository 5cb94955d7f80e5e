/* otad's log: one line per event on standard error.  Request lines (info,
 * debug) collect in a buffer written at most every 200 ms or when full, so a
 * busy server does not pay a write(2) per request; warnings and errors are
 * written at once. */
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
    if (now.tv_sec != ts_sec) {
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts_text, sizeof ts_text, "%Y-%m-%dT%H:%M:%S", &tm);
        ts_sec = now.tv_sec;
    }
    char head[64];
    int h = snprintf(head, sizeof head, "%s.%03ldZ %s ", ts_text, now.tv_nsec / 1000000, level_names[level]);
    if (log_len + (size_t)h + (size_t)n + 1 > sizeof log_buf)
        flush_locked();
    memcpy(log_buf + log_len, head, (size_t)h);
    memcpy(log_buf + log_len + h, msg, (size_t)n);
    log_len += (size_t)h + (size_t)n;
    log_buf[log_len++] = '\n';
    if (level <= LOG_WARN)
        flush_locked();
    pthread_mutex_unlock(&log_mu);
}
