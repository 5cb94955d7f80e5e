/* The lifecycle rules: plan transitions and job transitions as tables,
 * and the one eligibility predicate (DESIGN.md §1).  Pure functions: no
 * store, no clock; rollout, status, the console, otactl and DDI ask here. */
#include "ota.h"

#include <string.h>

#define BIT(s) (1u << (s))

/* ------------------------------------------------------------------ plans */
/* action -> the states it may be asked in, and where it leads (resume:
 * back to paused_from, see ota_plan_action_target). */
static const struct plan_rule {
    unsigned from;
    ota_plan_state to;
} plan_rules[] = {
    [OTA_ACT_ACTIVATE]  = {BIT(OTA_PLAN_SAVED), OTA_PLAN_ACTIVE},
    [OTA_ACT_PAUSE]     = {BIT(OTA_PLAN_ACTIVE) | BIT(OTA_PLAN_UPGRADING), OTA_PLAN_PAUSED},
    [OTA_ACT_RESUME]    = {BIT(OTA_PLAN_PAUSED), OTA_PLAN_ACTIVE},
    [OTA_ACT_TERMINATE] = {BIT(OTA_PLAN_ACTIVE) | BIT(OTA_PLAN_UPGRADING) | BIT(OTA_PLAN_PAUSED),
                           OTA_PLAN_TERMINATED},
};
#define NPLAN_RULES (sizeof plan_rules / sizeof plan_rules[0])

#define PLAN_LIVE     (BIT(OTA_PLAN_ACTIVE) | BIT(OTA_PLAN_UPGRADING) | BIT(OTA_PLAN_PAUSED))
#define PLAN_OFFERING (BIT(OTA_PLAN_ACTIVE) | BIT(OTA_PLAN_UPGRADING))

bool ota_plan_action_allowed(ota_plan_state s, ota_action a)
{
    return (unsigned)a < NPLAN_RULES && (unsigned)s < OTA_PLAN__COUNT && (plan_rules[a].from & BIT(s));
}

ota_plan_state ota_plan_action_target(ota_plan_state s, ota_plan_state paused_from, ota_action a)
{
    if (!ota_plan_action_allowed(s, a))
        return OTA_PLAN__COUNT;
    if (a == OTA_ACT_RESUME)
        return paused_from == OTA_PLAN_UPGRADING ? OTA_PLAN_UPGRADING : OTA_PLAN_ACTIVE;
    return plan_rules[a].to;
}

bool ota_plan_is_live(ota_plan_state s) { return (unsigned)s < OTA_PLAN__COUNT && (PLAN_LIVE & BIT(s)); }
bool ota_plan_is_offering(ota_plan_state s) { return (unsigned)s < OTA_PLAN__COUNT && (PLAN_OFFERING & BIT(s)); }
bool ota_plan_is_editable(ota_plan_state s) { return s == OTA_PLAN_SAVED; }
bool ota_plan_is_final(ota_plan_state s) { return s == OTA_PLAN_TERMINATED || s == OTA_PLAN_ENDED; }

/* ------------------------------------------------------------------- jobs */
#define JOB_IN_FLIGHT (BIT(OTA_JOB_OFFERED) | BIT(OTA_JOB_AWAITING_CONFIRMATION) | \
                       BIT(OTA_JOB_DOWNLOADING) | BIT(OTA_JOB_INSTALLING))
#define JOB_FINAL     (BIT(OTA_JOB_SUCCEEDED) | BIT(OTA_JOB_FAILED) | BIT(OTA_JOB_EXPIRED))

/* A device's report -> the states its job may be in.  (Pending -> offered
 * -> awaiting confirmation, the retry back to pending, expiry and the
 * bulk moves of terminate and end are the engine's own steps.) */
static const unsigned report_from[OTA_JOB__COUNT] = {
    [OTA_JOB_DOWNLOADING] = BIT(OTA_JOB_OFFERED) | BIT(OTA_JOB_DOWNLOADING),
    [OTA_JOB_INSTALLING]  = BIT(OTA_JOB_DOWNLOADING) | BIT(OTA_JOB_INSTALLING),
    [OTA_JOB_SUCCEEDED]   = BIT(OTA_JOB_INSTALLING),
    [OTA_JOB_FAILED]      = JOB_IN_FLIGHT,
};

/* The device's path, by step: where each state stands on it. */
static const int path_rank[OTA_JOB__COUNT] = {
    [OTA_JOB_PENDING] = 0, [OTA_JOB_OFFERED] = 1, [OTA_JOB_AWAITING_CONFIRMATION] = 1,
    [OTA_JOB_DOWNLOADING] = 2, [OTA_JOB_INSTALLING] = 3, [OTA_JOB_SUCCEEDED] = 4,
    [OTA_JOB_FAILED] = 4, [OTA_JOB_EXPIRED] = 4,
};
static const ota_job_state path_next[OTA_JOB__COUNT] = {
    [OTA_JOB_PENDING] = OTA_JOB__COUNT, [OTA_JOB_OFFERED] = OTA_JOB_DOWNLOADING,
    [OTA_JOB_AWAITING_CONFIRMATION] = OTA_JOB_DOWNLOADING, [OTA_JOB_DOWNLOADING] = OTA_JOB_INSTALLING,
    [OTA_JOB_INSTALLING] = OTA_JOB_SUCCEEDED, [OTA_JOB_SUCCEEDED] = OTA_JOB__COUNT,
    [OTA_JOB_FAILED] = OTA_JOB__COUNT, [OTA_JOB_EXPIRED] = OTA_JOB__COUNT,
};

bool ota_job_in_flight(ota_job_state s) { return (unsigned)s < OTA_JOB__COUNT && (JOB_IN_FLIGHT & BIT(s)); }
bool ota_job_is_final(ota_job_state s) { return (unsigned)s < OTA_JOB__COUNT && (JOB_FINAL & BIT(s)); }
bool ota_job_is_unstarted(ota_job_state s) { return s == OTA_JOB_OFFERED || s == OTA_JOB_AWAITING_CONFIRMATION; }

bool ota_job_report_allowed(ota_job_state from, ota_job_state to)
{
    return (unsigned)from < OTA_JOB__COUNT && (unsigned)to < OTA_JOB__COUNT && (report_from[to] & BIT(from));
}

bool ota_job_is_reportable(ota_job_state to) { return (unsigned)to < OTA_JOB__COUNT && report_from[to]; }

ota_job_state ota_job_step_toward(ota_job_state cur, ota_job_state to)
{
    if ((unsigned)cur >= OTA_JOB__COUNT || (unsigned)to >= OTA_JOB__COUNT || !ota_job_in_flight(cur))
        return OTA_JOB__COUNT;
    if (to == OTA_JOB_FAILED)
        return OTA_JOB_FAILED;
    if (path_rank[cur] >= path_rank[to])
        return OTA_JOB__COUNT;
    ota_job_state next = path_next[cur];
    return path_rank[next] > path_rank[to] ? to : next;
}

/* ------------------------------------------------------------ eligibility */
ota_defer ota_eligibility(const ota_eligibility_facts *f)
{
    if (f->now < f->window_start)
        return OTA_DEFER_WINDOW;
    if (f->outside_maintenance)
        return OTA_DEFER_MAINTENANCE;
    if (f->version_mismatch)
        return OTA_DEFER_VERSION;
    if (f->up_to_date)
        return OTA_DEFER_UP_TO_DATE;
    if (f->busy)
        return OTA_DEFER_BUSY;
    if (f->outside_wave)
        return OTA_DEFER_WAVE;
    /* never reported: deferred unless the plan asks for nothing */
    if (f->has_rsrp ? f->rsrp < f->min_rsrp : f->min_rsrp > OTA_RSRP_MIN)
        return OTA_DEFER_RSRP;
    if (f->has_battery ? f->battery < f->min_battery : f->min_battery > OTA_BATTERY_MIN)
        return OTA_DEFER_BATTERY;
    if (f->over_rate_limit)
        return OTA_DEFER_RATE_LIMIT;
    return OTA_ELIGIBLE;
}

bool ota_maintenance_open(const struct ota_maintenance *m, const struct ota_local_time *lt)
{
    if (!m || !m->nwindows)
        return true;
    for (size_t i = 0; i < m->nwindows && i < OTA_MAX_MW_WINDOWS; i++)
        if (ota_window_open(lt, m->windows[i].days, m->windows[i].start, m->windows[i].end))
            return true;
    return false;
}

/* ------------------------------------------------------- offer rate limit */
void ota_rate_refill(ota_rate_bucket *b, int64_t rate, int64_t now)
{
    if (rate > OTA_RATE_MAX)
        rate = OTA_RATE_MAX;
    int64_t full = rate * OTA_RATE_UNITS_PER_OFFER;
    if (b->at <= 0 || now - b->at >= OTA_RATE_UNITS_PER_OFFER) {
        b->units = full;  /* never seen, or a minute or more since: full */
    } else if (now > b->at) {
        b->units += (now - b->at) * rate;
    }
    if (b->units > full)
        b->units = full;
    if (b->units < 0)
        b->units = 0;
    if (now > b->at)
        b->at = now;
}

bool ota_rate_take(ota_rate_bucket *b, int64_t rate, int64_t now)
{
    ota_rate_refill(b, rate, now);
    if (b->units < OTA_RATE_UNITS_PER_OFFER)
        return false;
    b->units -= OTA_RATE_UNITS_PER_OFFER;
    return true;
}

static const char *const defer_names[OTA_DEFER__COUNT] = {
    [OTA_ELIGIBLE] = NULL, [OTA_DEFER_WINDOW] = OTA_REASON_WINDOW, [OTA_DEFER_VERSION] = OTA_REASON_VERSION,
    [OTA_DEFER_BUSY] = OTA_REASON_BUSY, [OTA_DEFER_RSRP] = OTA_REASON_RSRP,
    [OTA_DEFER_BATTERY] = OTA_REASON_BATTERY, [OTA_DEFER_UP_TO_DATE] = "up_to_date",
    [OTA_DEFER_WAVE] = OTA_REASON_WAVE, [OTA_DEFER_RATE_LIMIT] = OTA_REASON_RATE_LIMIT,
    [OTA_DEFER_MAINTENANCE] = OTA_REASON_MAINTENANCE,
};

const char *ota_defer_str(ota_defer d) { return (unsigned)d < OTA_DEFER__COUNT ? defer_names[d] : NULL; }

ota_defer ota_defer_parse(const char *s)
{
    if (!s)
        return OTA_ELIGIBLE;
    for (int i = 1; i < OTA_DEFER__COUNT; i++)
        if (!strcmp(s, defer_names[i]))
            return (ota_defer)i;
    return OTA_ELIGIBLE;
}

/* ------------------------------------------------------ staged rollouts */
long ota_wave_size_devices(const ota_wave_size *w, long targeted)
{
    if (targeted <= 0 || w->value <= 0)
        return 0;
    if (!w->percent)
        return w->value < targeted ? (long)w->value : targeted;
    if (w->value >= 100)
        return targeted;
    /* rounded up: a wave of 1% of a small fleet still holds a device */
    return (long)(((int64_t)targeted * w->value + 99) / 100);
}

void ota_wave_devices(const ota_wave_size *waves, size_t nwaves, long targeted, long *out)
{
    long reached = 0;
    for (size_t i = 0; i < nwaves; i++) {
        long cum = ota_wave_size_devices(&waves[i], targeted);
        out[i] = cum > reached ? cum - reached : 0;
        if (cum > reached)
            reached = cum;
    }
}

/* Retries: the interval after the failure (0: at once). */
int64_t ota_retry_at(int64_t failed_at, int64_t interval)
{
    return interval > 0 ? failed_at + interval : 0;
}

bool ota_retry_waiting(int64_t retry_at, int64_t now) { return retry_at > 0 && now < retry_at; }

bool ota_job_timed_out(int64_t started_at, int64_t job_timeout, int64_t now)
{
    return started_at > 0 && job_timeout > 0 && now - started_at >= job_timeout;
}

/* The brake: enough finished, and the failed share strictly above the threshold. */
bool ota_brake_trips(const ota_rollout *r, long finished, long failed)
{
    return finished > 0 && finished >= r->min_finished &&
           (int64_t)failed * 100 > (int64_t)r->failure_threshold * finished;
}

/* Met when succeeded is at least threshold % of devices (no devices: met,
 * an empty wave holds nothing back). */
bool ota_wave_success_met(long devices, long succeeded, int success_threshold)
{
    return (int64_t)succeeded * 100 >= (int64_t)success_threshold * devices;
}

int64_t ota_wave_advance_at(const ota_rollout *r, int current, size_t nwaves, int64_t reached_at)
{
    if (r->advance != OTA_ADVANCE_AUTO || current < 0 || (size_t)current + 1 >= nwaves || reached_at <= 0)
        return INT64_MAX;
    return r->soak_seconds > INT64_MAX - reached_at ? INT64_MAX : reached_at + r->soak_seconds;
}

bool ota_wave_can_advance(ota_plan_state s, int current, size_t nwaves)
{
    return ota_plan_is_offering(s) && current >= 0 && (size_t)current + 1 < nwaves;
}

ota_wave_state ota_wave_state_of(const ota_rollout *r, int k, int current, size_t nwaves, int64_t reached_at)
{
    if (k < current)
        return OTA_WAVE_DONE;
    if (k > current)
        return OTA_WAVE_WAITING;
    /* soaking: met, and the clock opens the next wave once the soak passed */
    return ota_wave_advance_at(r, k, nwaves, reached_at) != INT64_MAX ? OTA_WAVE_SOAKING : OTA_WAVE_OPEN;
}
