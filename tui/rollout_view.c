/* rollout_view.c: staged rollouts on screen outside the editor: live
 * status's waves block (a tripped brake in the alarm colour with its
 * figures, the waves table around the current wave, advance and soak),
 * the editor preview's devices per wave, and the dashboard tile's wave
 * line.  Figures come from the status; the rules stay the engine's. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "rollout.h"
#include "tui.h"

#define WAVE_ROWS 4   /* table rows shown at most (around the current wave) */

static bool tripped_line(const ota_plan *p, const ota_plan_status *st, char *buf, size_t len)
{
    if (!rollout_brake_tripped(st))
        return false;
    brake_figures b = rollout_brake_figures(st);
    int n = snprintf(buf, len, "BRAKE TRIPPED: %ld of %ld finished failed (%d%%, limit %d%%, min %lld)",
                     b.failed, b.finished, b.pct, p->rollout.failure_threshold,
                     (long long)p->rollout.min_finished);
    if (st->paused_reason[0] && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " · paused: %s", st->paused_reason);
    if (st->nrollback_plans && n > 0 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, " · rollback drafts:");
        for (size_t i = 0; i < st->nrollback_plans && n > 0 && (size_t)n < len; i++)
            n += snprintf(buf + n, len - (size_t)n, " %lld", (long long)st->rollback_plans[i]);
        if (st->rollback_uncovered && n > 0 && (size_t)n < len)
            snprintf(buf + n, len - (size_t)n, " · %ld not covered", st->rollback_uncovered);
    }
    return true;
}

int rollout_view_rows(const ota_plan *p, const ota_plan_status *st)
{
    size_t n = st->nwaves ? st->nwaves : p->has_rollout ? p->rollout.nwaves : 0;
    if (!n)
        return rollout_brake_tripped(st) ? 1 : 0;
    int shown = n < WAVE_ROWS ? (int)n : WAVE_ROWS;
    return 2 + shown + (rollout_brake_tripped(st) ? 1 : 0);
}

/* A backend whose status carries no wave progress: the plan's waves as
 * configured, their figures unknown. */
static int configured(const ota_plan *p, int y, int x, int w, int rows)
{
    char sz[32];
    int used = 0;
    draw_textf(y + used++, x, w, EL_HEADER, "Waves: %zu configured · advance %s · no wave progress from the backend",
               p->rollout.nwaves, ota_advance_str(p->rollout.advance));
    draw_textf(y + used++, x, w, EL_DIM, "  %-5s %-8s %9s  %-8s %10s %8s", "Wave", "Size", "Devices", "State",
               "Succeeded", "Failed");
    for (size_t i = 0; i < p->rollout.nwaves && used < rows; i++)
        draw_textf(y + used++, x, w, EL_NORMAL, "  %-5zu %-8s %9s  %-8s %10s %8s", i + 1,
                   ota_wave_size_format(&p->rollout.waves[i], sz, sizeof sz), "-", "-", "-", "-");
    return used;
}

int rollout_view_draw(const ota_plan *p, const ota_plan_status *st, int y, int x, int w, int rows)
{
    char buf[700], d[32];
    int used = 0;
    if (rows > 0 && tripped_line(p, st, buf, sizeof buf)) {
        draw_text(y + used++, x, w, EL_TILE_FAIL, buf);
    }
    if (used + 2 > rows)
        return used;
    if (!st->nwaves && p->has_rollout)
        return used + configured(p, y + used, x, w, rows - used);
    if (!st->nwaves)
        return used;
    int cur = st->current_wave;
    const struct ota_wave_status *cw = cur >= 0 && (size_t)cur < st->nwaves ? &st->waves[cur] : NULL;
    int n = snprintf(buf, sizeof buf, "Waves: %d of %zu open · advance %s", cur + 1, st->nwaves,
                     p->has_rollout ? ota_advance_str(p->rollout.advance) : "-");
    if (cw && cw->state == OTA_WAVE_SOAKING && st->next_wave_at > 0 && n > 0) {
        int64_t left = st->next_wave_at - (int64_t)time(NULL);
        snprintf(buf + n, sizeof buf - (size_t)n, " · soaking: next wave in %s",
                 left > 0 ? fmt_duration(left, d, sizeof d) : "a moment");
    } else if (cw && cw->state == OTA_WAVE_SOAKING && n > 0)
        snprintf(buf + n, sizeof buf - (size_t)n, " · soaking: next wave after %s",
                 fmt_duration(p->rollout.soak_seconds, d, sizeof d));
    else if (p->has_rollout && p->rollout.soak_seconds && n > 0)
        snprintf(buf + n, sizeof buf - (size_t)n, " · soak %s at %d%% succeeded",
                 fmt_duration(p->rollout.soak_seconds, d, sizeof d), p->rollout.success_threshold);
    draw_text(y + used++, x, w, EL_HEADER, buf);
    draw_textf(y + used++, x, w, EL_DIM, "  %-5s %-8s %9s  %-8s %10s %8s", "Wave", "Size", "Devices", "State",
               "Succeeded", "Failed");
    int room = rows - used, shown = (int)st->nwaves < WAVE_ROWS ? (int)st->nwaves : WAVE_ROWS;
    if (shown > room)
        shown = room;
    int first = cur - shown / 2;
    if (first + shown > (int)st->nwaves)
        first = (int)st->nwaves - shown;
    if (first < 0)
        first = 0;
    for (int i = first; i < first + shown; i++) {
        const struct ota_wave_status *ws = &st->waves[i];
        char sz[32];
        snprintf(buf, sizeof buf, "%s %-5d %-8s %9ld  %-8s %10ld %8ld", i == cur ? ">" : " ", i + 1,
                 ota_wave_size_format(&ws->size, sz, sizeof sz), ws->devices, ota_wave_state_str(ws->state),
                 ws->succeeded, ws->failed);
        int el = ws->failed && i == cur && rollout_brake_tripped(st) ? EL_ERROR
               : i == cur ? EL_LABEL_FOCUS : ws->state == OTA_WAVE_WAITING ? EL_DIM : EL_NORMAL;
        draw_text(y + used++, x, w, el, buf);
    }
    return used;
}

const char *rollout_preview_line(const ota_preview *pv, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < pv->nwaves && off + 1 < len; i++) {
        char s[32];
        int k = snprintf(buf + off, len - off, "%s%s %ld", i ? " · " : "per wave: ",
                         ota_wave_size_format(&pv->waves[i].size, s, sizeof s), pv->waves[i].devices);
        if (k < 0 || (size_t)k >= len - off)
            break;
        off += (size_t)k;
    }
    return buf;
}

int rollout_tile_line(const ota_plan *p, const ota_plan_status *st, char *buf, size_t len)
{
    if (rollout_brake_tripped(st)) {
        brake_figures b = rollout_brake_figures(st);
        snprintf(buf, len, "BRAKE: %ld/%ld failed %d%% > %d%%", b.failed, b.finished, b.pct,
                 p->has_rollout ? p->rollout.failure_threshold : 0);
        return EL_TILE_FAIL;
    }
    if (!st->nwaves && p->has_rollout) {
        char w[200];
        snprintf(buf, len, "waves %s · no progress yet",
                 rollout_waves_text(p->rollout.waves, p->rollout.nwaves, w, sizeof w));
        return EL_DIM;
    }
    if (!st->nwaves)
        return -1;
    long reached = 0, all = 0;
    for (size_t i = 0; i < st->nwaves; i++) {
        all += st->waves[i].devices;
        if (st->waves[i].state != OTA_WAVE_WAITING)
            reached += st->waves[i].devices;
    }
    int cur = st->current_wave >= 0 && (size_t)st->current_wave < st->nwaves ? st->current_wave : 0;
    snprintf(buf, len, "wave %d/%zu %s · %ld of %ld device%s", cur + 1, st->nwaves,
             ota_wave_state_str(st->waves[cur].state), reached, all, all == 1 ? "" : "s");
    return EL_TILE;
}
