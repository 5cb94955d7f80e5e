/* The lifecycle rules (core/lifecycle.c): plan and job state tables, the
 * eligibility predicate and the domain limits.
 * Part of the public face: included by ota.h (include ota.h, not this). */
#ifndef OTA_LIFECYCLE_H
#define OTA_LIFECYCLE_H

/* ------------------------------------------------------------ lifecycle */
/* The domain's state rules (core/lifecycle.c), the one place they live:
 * the console, otactl, otad and DDI ask these instead of re-deriving. */
#define OTA_RSRP_MIN    (-140)  /* dBm: the weakest signal a plan or device states */
#define OTA_RSRP_MAX    (-44)
#define OTA_BATTERY_MIN 0       /* percent */
#define OTA_BATTERY_MAX 100

/* Plans: may action a be asked of a plan in state s?  Where it leads
 * (resume returns to paused_from); OTA_PLAN__COUNT when refused. */
bool ota_plan_action_allowed(ota_plan_state s, ota_action a);
ota_plan_state ota_plan_action_target(ota_plan_state s, ota_plan_state paused_from, ota_action a);
/* live: active, upgrading or paused (the plan can still move, its window
 * still runs); offering: active or upgrading (new jobs are handed out). */
bool ota_plan_is_live(ota_plan_state s);
bool ota_plan_is_offering(ota_plan_state s);
/* editable: saved (its settings may change, it may be deleted); final:
 * terminated or ended (it never moves again). */
bool ota_plan_is_editable(ota_plan_state s);
bool ota_plan_is_final(ota_plan_state s);
/* Jobs: in flight (offered, awaiting confirmation, downloading,
 * installing); final (succeeded, failed, expired). */
bool ota_job_in_flight(ota_job_state s);
bool ota_job_is_final(ota_job_state s);
/* Offered or awaiting confirmation: handed to the device, not started
 * (taking it back cancels nothing on the device). */
bool ota_job_is_unstarted(ota_job_state s);
/* May a device report `to` for its job in `from`?  (A report of the
 * state the job is in is a progress update.) */
bool ota_job_report_allowed(ota_job_state from, ota_job_state to);
/* May a device report `to` at all (from some state): downloading,
 * installing, succeeded, failed. */
bool ota_job_is_reportable(ota_job_state to);
/* The next report that moves a job from cur toward `to` along the
 * device's path (offered -> downloading -> installing -> succeeded; failed
 * from any state in flight); OTA_JOB__COUNT when there is nothing to
 * report (cur is final or pending, or already at or past `to`). */
ota_job_state ota_job_step_toward(ota_job_state cur, ota_job_state to);

/* Eligibility of a device for a plan's pending job, in the documented
 * order: window, maintenance window, version, up to date, busy, wave,
 * rsrp, battery, rate limit (last: an offer token is spent only on a
 * device that would otherwise be offered).  One predicate for check-ins,
 * the preview, status and DDI. */
typedef enum {
    OTA_ELIGIBLE = 0, OTA_DEFER_WINDOW, OTA_DEFER_VERSION, OTA_DEFER_BUSY, OTA_DEFER_RSRP,
    OTA_DEFER_BATTERY, OTA_DEFER_UP_TO_DATE,
    OTA_DEFER_WAVE, OTA_DEFER_RATE_LIMIT, OTA_DEFER_MAINTENANCE,  /* second wave: staged rollouts */
    OTA_DEFER__COUNT
} ota_defer;
typedef struct ota_eligibility_facts {
    int64_t now, window_start;        /* the plan's window has opened when now >= window_start */
    bool version_mismatch;            /* a diff component's source is not the device's version */
    bool up_to_date;                  /* the device runs every component's target already */
    bool busy;                        /* a job of another plan is in flight on the device */
    bool outside_wave;                /* the device's wave is not open yet (staged rollouts) */
    bool has_rsrp;    int rsrp;       /* last reported telemetry (has_ = ever reported) */
    bool has_battery; int battery;
    int min_rsrp, min_battery;        /* the plan's strategy */
    bool outside_maintenance;         /* the plan has maintenance windows and none is open for the device */
    bool over_rate_limit;             /* the plan's offers of this minute are spent (ota_rate_take) */
} ota_eligibility_facts;
ota_defer ota_eligibility(const ota_eligibility_facts *f);
/* Stored in jobs.reason and shown: NULL for OTA_ELIGIBLE, "up_to_date",
 * and the OTA_REASON_* words; parse gives OTA_ELIGIBLE for NULL/unknown. */
const char *ota_defer_str(ota_defer d);
ota_defer ota_defer_parse(const char *s);

struct ota_maintenance;  /* ota.h */
struct ota_local_time;   /* ota_time.h */
/* Maintenance: is one of m's windows open at local time lt (the plan's
 * zone, or the device's own with device_timezone)?  m NULL: no windows,
 * always open. */
bool ota_maintenance_open(const struct ota_maintenance *m, const struct ota_local_time *lt);

/* The offer rate limit (rollout.max_offers_per_minute = rate > 0) as a
 * token bucket counted in 1/60 offers, so whole seconds refill exactly:
 * rate units a second, at most one minute's worth (60 * rate, the burst),
 * an offer costs OTA_RATE_UNITS_PER_OFFER.  A bucket never seen (at 0)
 * starts full.  Rates above OTA_RATE_MAX count as OTA_RATE_MAX. */
#define OTA_RATE_UNITS_PER_OFFER 60
#define OTA_RATE_MAX (INT64_C(1) << 40)
typedef struct ota_rate_bucket {
    int64_t units;                    /* 0 .. 60 * rate */
    int64_t at;                       /* when it was last refilled (0: never) */
} ota_rate_bucket;
/* Refill b up to now (a clock going back refills nothing). */
void ota_rate_refill(ota_rate_bucket *b, int64_t rate, int64_t now);
/* After the refill: true (one offer's units spent) when there was one. */
bool ota_rate_take(ota_rate_bucket *b, int64_t rate, int64_t now);

#endif
