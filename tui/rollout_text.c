/* rollout_text.c: staged rollouts in words and figures for the console
 * (see rollout.h): wave sizes as typed text, deferral reasons in words,
 * one-line summaries, the brake's figures.  Pure: no curses, no I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rollout.h"

int rollout_waves_parse(const char *text, ota_wave_size *waves, size_t *n, char *msg, size_t len)
{
    const char *s = text;
    size_t k = 0;
    msg[0] = '\0';
    for (;;) {
        s += strspn(s, " ,\t");
        if (!*s)
            break;
        size_t tl = strcspn(s, " ,\t"), digits = 0;
        while (digits < tl && s[digits] >= '0' && s[digits] <= '9')
            digits++;
        bool pct = digits + 1 == tl && s[digits] == '%';
        if (digits == 0 || digits > 9 || (digits != tl && !pct)) {
            snprintf(msg, len, "rollout.waves[%zu].size: \"N%%\" or a device count, got \"%.*s\"", k,
                     (int)(tl > 20 ? 20 : tl), s);
            return -1;
        }
        if (k == OTA_MAX_WAVES) {
            snprintf(msg, len, "rollout.waves: at most %d waves", OTA_MAX_WAVES);
            return -1;
        }
        waves[k++] = (ota_wave_size){.percent = pct, .value = strtoll(s, NULL, 10)};
        s += tl;
    }
    *n = k;
    return 0;
}

const char *rollout_waves_text(const ota_wave_size *waves, size_t n, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && off + 1 < len; i++) {
        char one[32];
        int w = snprintf(buf + off, len - off, "%s%s", i ? " " : "",
                         ota_wave_size_format(&waves[i], one, sizeof one));
        if (w < 0 || (size_t)w >= len - off)
            break;
        off += (size_t)w;
    }
    return buf;
}

const char *rollout_reason_words(const char *reason)
{
    static const struct { const char *word, *words; } t[] = {
        {OTA_REASON_WAVE, "later wave"}, {OTA_REASON_RATE_LIMIT, "rate limit"},
        {OTA_REASON_MAINTENANCE, "maint window"}, {OTA_REASON_BATTERY, "battery"},
        {OTA_REASON_RSRP, "signal"}, {OTA_REASON_WINDOW, "plan window"},
        {OTA_REASON_TIMEOUT, "timed out"},
    };
    if (!reason || !reason[0])
        return "-";
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(reason, t[i].word))
            return t[i].words;
    return reason;
}

const char *rollout_days_text(unsigned days, char *buf, size_t len)
{
    days &= OTA_DAYS_ALL;
    buf[0] = '\0';
    if (days == OTA_DAYS_ALL) {
        snprintf(buf, len, "every day");
        return buf;
    }
    if (!days) {
        snprintf(buf, len, "no day");
        return buf;
    }
    /* one run of three or more days in a row reads as "mon-fri" */
    int first = -1, last = -1, runs = 0;
    for (int d = 0; d < 7; d++)
        if (days & (1u << d)) {
            if (d == 0 || !(days & (1u << (d - 1))))
                runs++;
            if (first < 0)
                first = d;
            last = d;
        }
    if (runs == 1 && last > first + 1) {
        snprintf(buf, len, "%s-%s", ota_day_str(first), ota_day_str(last));
        return buf;
    }
    size_t off = 0;
    for (int d = 0; d < 7; d++)
        if (days & (1u << d)) {
            int w = snprintf(buf + off, len - off, "%s%s", off ? "," : "", ota_day_str(d));
            if (w < 0 || (size_t)w >= len - off)
                break;
            off += (size_t)w;
        }
    return buf;
}

const char *rollout_summary(const ota_plan *p, char *buf, size_t len)
{
    if (!p->has_rollout) {
        snprintf(buf, len, "all at once");
        return buf;
    }
    char w[200];
    const ota_rollout *r = &p->rollout;
    snprintf(buf, len, "%zu wave%s %s · %s · brake %d%%", r->nwaves, r->nwaves == 1 ? "" : "s",
             rollout_waves_text(r->waves, r->nwaves, w, sizeof w), ota_advance_str(r->advance),
             r->failure_threshold);
    return buf;
}

const char *maintenance_summary(const ota_plan *p, char *buf, size_t len)
{
    if (!p->has_maintenance) {
        snprintf(buf, len, "any time");
        return buf;
    }
    const ota_maintenance *m = &p->maintenance;
    char d[64] = "", s[8] = "?", e[8] = "?";
    if (m->nwindows) {
        rollout_days_text(m->windows[0].days, d, sizeof d);
        if (!ota_hhmm_format(m->windows[0].start, s, sizeof s))
            snprintf(s, sizeof s, "?");
        if (!ota_hhmm_format(m->windows[0].end, e, sizeof e))
            snprintf(e, sizeof e, "?");
    }
    snprintf(buf, len, "%s %s %s-%s%s%s", m->timezone, d, s, e, m->nwindows > 1 ? " +more" : "",
             m->device_timezone ? " · device zone" : "");
    return buf;
}

brake_figures rollout_brake_figures(const ota_plan_status *st)
{
    brake_figures b = {0, 0, 0};
    for (size_t i = 0; i < st->nwaves; i++) {
        if (st->waves[i].state == OTA_WAVE_WAITING)
            continue;
        b.finished += st->waves[i].succeeded + st->waves[i].failed;
        b.failed += st->waves[i].failed;
    }
    b.pct = b.finished ? (int)(b.failed * 100 / b.finished) : 0;
    return b;
}

bool rollout_brake_tripped(const ota_plan_status *st)
{
    return st->paused_reason[0] || st->nrollback_plans > 0;
}

bool rollout_status_take(ota_plan_status *dst, const ota_plan_status *src)
{
    bool changed = dst->nwaves != src->nwaves || dst->current_wave != src->current_wave ||
                   dst->nrollback_plans != src->nrollback_plans ||
                   dst->rollback_uncovered != src->rollback_uncovered ||
                   strcmp(dst->paused_reason, src->paused_reason) ||
                   memcmp(dst->waves, src->waves, src->nwaves * sizeof *src->waves) ||
                   memcmp(dst->rollback_plans, src->rollback_plans,
                          src->nrollback_plans * sizeof *src->rollback_plans);
    memcpy(dst->waves, src->waves, sizeof dst->waves);
    dst->nwaves = src->nwaves;
    dst->current_wave = src->current_wave;
    memcpy(dst->rollback_plans, src->rollback_plans, sizeof dst->rollback_plans);
    dst->nrollback_plans = src->nrollback_plans;
    dst->rollback_uncovered = src->rollback_uncovered;
    memcpy(dst->paused_reason, src->paused_reason, sizeof dst->paused_reason);
    return changed;
}
