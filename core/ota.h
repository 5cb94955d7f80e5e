/* libotacore: the public face of the engine.
 *
 * Everything the console, otactl and otad need from core is declared here
 * and in the five headers it includes (ota_lifecycle.h: the state rules;
 * ota_time.h: time zones and windows; ota_tokens.h: API tokens and roles;
 * ota_devauth.h: device identity; ota_json.h: the codec); every other
 * header under core/ is private.  Conventions:
 *  - Functions that can fail return 0 on success and -1 on failure, filling
 *    the caller's ota_err (code, field, message).  The error travels up
 *    unchanged to whoever shows it (otactl prints "otactl: CODE: FIELD: MSG",
 *    otad sends the API.md error body).
 *  - Times are int64 seconds since the Unix epoch, UTC.  All "now" comes from
 *    the engine's ota_clock, never from time(2) directly.
 *  - Identifier strings live in fixed-size buffers; their limits are part of
 *    validation (a longer value is a validation error, never truncated).
 *  - An ota_engine is safe to use from several threads: public calls are
 *    serialised by the engine's own mutex.
 */
#ifndef OTA_H
#define OTA_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- limits */
#define OTA_MAX_FILES         5
#define OTA_MAX_FILE_SIZE     104857600ULL /* 100 MiB, inclusive */
#define OTA_REMARK_MAX_CHARS  200          /* Unicode characters */
#define OTA_NAME_MAX_CHARS    100          /* plan name, product name */
#define OTA_KEY_MAX           64           /* product key, component, version (bytes) */
#define OTA_DEVICE_ID_MAX     128          /* bytes */
#define OTA_FILE_NAME_MAX     255          /* bytes */
#define OTA_MAX_COMPONENTS    32           /* per plan and per device */
#define OTA_LIST_DEFAULT      50
#define OTA_LIST_MAX          1000
#define OTA_CURSOR_MAX        64

/* ---------------------------------------------------------------- errors */
typedef enum {
    OTA_OK = 0,
    OTA_E_BAD_REQUEST,        /* bad_request 400: malformed input, wrong types */
    OTA_E_UNAUTHORIZED,       /* unauthorized 401 */
    OTA_E_FORBIDDEN,          /* forbidden 403 */
    OTA_E_NOT_FOUND,          /* not_found 404 */
    OTA_E_METHOD,             /* method_not_allowed 405 */
    OTA_E_CONFLICT,           /* conflict 409: stale revision, name taken */
    OTA_E_INVALID_TRANSITION, /* invalid_transition 409 */
    OTA_E_NOT_EDITABLE,       /* not_editable 409 */
    OTA_E_IN_USE,             /* in_use 409 */
    OTA_E_TOO_LARGE,          /* too_large 413 */
    OTA_E_UNSUPPORTED_MEDIA,  /* unsupported_media_type 415 */
    OTA_E_VALIDATION,         /* validation_failed 422 */
    OTA_E_IO,                 /* io_error 500: disk, corrupted blob */
    OTA_E_INTERNAL,           /* internal 500 */
    OTA_E_UNAVAILABLE,        /* unavailable 503: remote server unreachable */
    OTA_E_RATE_LIMITED,       /* rate_limited 429: too many failed authentications */
    OTA_E__COUNT
} ota_code;

typedef struct ota_err {
    ota_code code;
    char field[64];     /* "" when no single field is at fault */
    char message[480];  /* human text naming the rule, e.g. "at most 200 characters (got 201)" */
} ota_err;

/* Fill *e (if not NULL) and return -1.  field may be NULL. */
int ota_fail(ota_err *e, ota_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ota_err_clear(ota_err *e);
const char *ota_code_str(ota_code c);           /* "validation_failed" ... */
ota_code ota_code_parse(const char *s);         /* unknown -> OTA_E_INTERNAL */
int ota_code_http_status(ota_code c);           /* 400, 401, ... */
/* "code: field: message" (field part omitted when empty) into buf. */
const char *ota_err_format(const ota_err *e, char *buf, size_t len);

/* ----------------------------------------------------------------- clock */
typedef struct ota_clock {
    int64_t (*now)(void *ctx);
    void *ctx;
} ota_clock;

int64_t ota_clock_now(const ota_clock *c);   /* NULL clock = system clock */
ota_clock ota_clock_system(void);
/* A settable clock for tests and the simulator. */
typedef struct ota_fake_clock { int64_t t; } ota_fake_clock;
ota_clock ota_clock_fake(ota_fake_clock *fc);

/* RFC 3339 UTC "2026-12-01T00:00:00Z" (buf >= 21 bytes). */
const char *ota_time_format(int64_t t, char *buf, size_t len);
/* Accepts "YYYY-MM-DDTHH:MM:SSZ", fractional seconds, and +hh:mm offsets. */
int ota_time_parse(const char *s, int64_t *out);

/* ----------------------------------------------------------- utf-8 text */
/* Number of Unicode characters, or -1 if s is not valid UTF-8. */
long ota_utf8_chars(const char *s, size_t len);
bool ota_utf8_valid(const char *s, size_t len);

/* ---------------------------------------------------------------- enums */
typedef enum { OTA_KIND_FULL = 0, OTA_KIND_DIFF } ota_kind;
typedef enum { OTA_MODE_CONFIRM = 0, OTA_MODE_SILENT } ota_mode;
typedef enum {
    OTA_PLAN_SAVED = 0, OTA_PLAN_ACTIVE, OTA_PLAN_UPGRADING, OTA_PLAN_PAUSED,
    OTA_PLAN_TERMINATED, OTA_PLAN_ENDED, OTA_PLAN__COUNT
} ota_plan_state;
/* On-disk format: jobs.state and plan_counts.state store these numbers
 * (the hot path compares integers).  Never reorder or renumber them; a new
 * state gets the next free number and a migration. */
typedef enum {
    OTA_JOB_PENDING = 0, OTA_JOB_OFFERED = 1, OTA_JOB_AWAITING_CONFIRMATION = 2,
    OTA_JOB_DOWNLOADING = 3, OTA_JOB_INSTALLING = 4, OTA_JOB_SUCCEEDED = 5, OTA_JOB_FAILED = 6,
    OTA_JOB_EXPIRED = 7, OTA_JOB__COUNT
} ota_job_state;
typedef enum { OTA_ACT_ACTIVATE = 0, OTA_ACT_PAUSE, OTA_ACT_RESUME, OTA_ACT_TERMINATE } ota_action;

const char *ota_kind_str(ota_kind k);            /* "full" "diff" */
int ota_kind_parse(const char *s, ota_kind *out); /* 0 ok, -1 unknown */
const char *ota_mode_str(ota_mode m);
int ota_mode_parse(const char *s, ota_mode *out);
const char *ota_plan_state_str(ota_plan_state s);
int ota_plan_state_parse(const char *s, ota_plan_state *out);
const char *ota_job_state_str(ota_job_state s);
int ota_job_state_parse(const char *s, ota_job_state *out);
const char *ota_action_str(ota_action a);

/* Deferred reasons shown on pending jobs and counted by the preview. */
#define OTA_REASON_BATTERY "battery"
#define OTA_REASON_RSRP    "rsrp"
#define OTA_REASON_WINDOW  "window"
#define OTA_REASON_VERSION "version"
#define OTA_REASON_BUSY    "busy"
#define OTA_REASON_WAVE    "wave"                /* outside the open waves */
#define OTA_REASON_RATE_LIMIT "rate_limit"       /* over max_offers_per_minute */
#define OTA_REASON_MAINTENANCE "maintenance_window" /* outside every maintenance window */
/* The reason word of a job failed because it passed the plan's job timeout
 * while downloading or installing (the engine records it on the job); it
 * counts as a failure for retries and for the rollout's brake. */
#define OTA_REASON_TIMEOUT "timeout"

#include "ota_lifecycle.h"
#include "ota_time.h"

/* ---------------------------------------------------------------- model */
typedef struct ota_strlist { char **v; size_t n, cap; } ota_strlist;
int  ota_strlist_push(ota_strlist *l, const char *s);
bool ota_strlist_has(const ota_strlist *l, const char *s);
void ota_strlist_free(ota_strlist *l);

/* Device identity (ota_devauth.h): how a product's devices authenticate
 * and the state of one device's own credential. */
typedef enum { OTA_DEVICE_AUTH_PRODUCT_KEY = 0, OTA_DEVICE_AUTH_DEVICE_TOKEN } ota_device_auth;
typedef enum { OTA_CRED_NONE = 0, OTA_CRED_ACTIVE, OTA_CRED_REVOKED } ota_credential;

typedef struct ota_product {
    char key[OTA_KEY_MAX + 1];
    char name[4 * OTA_NAME_MAX_CHARS + 1];
    int64_t created_at;
    ota_device_auth device_auth;  /* product_key unless changed */
    bool enrollment_closed;       /* device_token mode: the product key enrolls no more devices */
} ota_product;

typedef struct ota_version {
    char component[OTA_KEY_MAX + 1];
    char version[OTA_KEY_MAX + 1];
} ota_version;

typedef struct ota_device {
    char id[OTA_DEVICE_ID_MAX + 1];
    char product[OTA_KEY_MAX + 1];
    ota_version versions[OTA_MAX_COMPONENTS];
    size_t nversions;
    bool has_rsrp;    int rsrp;     /* last reported, dBm */
    bool has_battery; int battery;  /* last reported, % */
    int64_t last_seen;              /* 0 = never */
    ota_credential credential;      /* the device's own token */
    int64_t credential_at;          /* when it was issued or revoked; 0 = none */
} ota_device;
/* The device's version of component, or NULL. */
const char *ota_device_version(const ota_device *d, const char *component);

typedef struct ota_file {
    char name[OTA_FILE_NAME_MAX + 1];
    uint64_t size;
    char sha256[65];  /* lowercase hex */
    char sha1[41];    /* filled by the DDI issue; "" until then */
    char md5[33];
} ota_file;

typedef struct ota_package_meta {
    char component[OTA_KEY_MAX + 1];
    ota_kind kind;
    char target_version[OTA_KEY_MAX + 1];
    char source_version[OTA_KEY_MAX + 1];    /* "" = none (null in JSON) */
    char remark[4 * OTA_REMARK_MAX_CHARS + 1];
} ota_package_meta;

/* A detached Ed25519 signature of a package's canonical manifest
 * (docs/manifest.md).  Trust is decided by the reader against its folder of
 * trusted public keys, never by the fields here. */
#define OTA_SIG_MAX      8     /* signatures per package */
#define OTA_KEY_ID_LEN   16    /* hex: first 8 bytes of SHA-256(public key) */
#define OTA_SIGNER_MAX   64    /* bytes: the key's name */
typedef struct ota_signature {
    char key_id[OTA_KEY_ID_LEN + 1];
    char signer[OTA_SIGNER_MAX + 1];
    char signature[89];        /* base64 (padded) of the 64-byte signature */
    char public_key[45];       /* base64 of the 32-byte key; "" when not sent */
    int64_t created_at;        /* 0 when not known */
} ota_signature;

typedef struct ota_package {
    int64_t id;
    ota_package_meta meta;
    int64_t created_at;
    ota_file files[OTA_MAX_FILES];
    size_t nfiles;
    ota_signature signatures[OTA_SIG_MAX];  /* oldest first */
    size_t nsignatures;
} ota_package;

typedef struct ota_plan_component {
    char component[OTA_KEY_MAX + 1];
    int64_t package_id;
} ota_plan_component;

/* Staged rollouts (API.md "Additions"): a plan's waves, brake and rate
 * limit.  A wave's size is the cumulative share of the plan's targeted
 * devices reached once it is open: a percentage (percent, value 1..100;
 * 100% is exact, never a rounded count) or a device count (value >= 1). */
#define OTA_MAX_WAVES         20
#define OTA_MAX_MW_WINDOWS    16   /* maintenance windows per plan */
#define OTA_RETRY_INTERVAL_MAX (30 * 86400)  /* strategy.retry_interval_seconds */
#define OTA_MAX_ROLLBACK_PLANS 64  /* rollback drafts one plan's status lists */
typedef enum { OTA_ADVANCE_AUTO = 0, OTA_ADVANCE_MANUAL } ota_advance;
typedef enum { OTA_ON_FAILURE_PAUSE = 0, OTA_ON_FAILURE_TERMINATE, OTA_ON_FAILURE_ROLLBACK } ota_on_failure;
typedef enum { OTA_WAVE_WAITING = 0, OTA_WAVE_OPEN, OTA_WAVE_SOAKING, OTA_WAVE_DONE, OTA_WAVE__COUNT } ota_wave_state;
const char *ota_advance_str(ota_advance a);            /* "auto" "manual" */
int ota_advance_parse(const char *s, ota_advance *out);
const char *ota_on_failure_str(ota_on_failure f);      /* "pause" "terminate" "rollback" */
int ota_on_failure_parse(const char *s, ota_on_failure *out);
const char *ota_wave_state_str(ota_wave_state w);      /* "waiting" "open" "soaking" "done" */
int ota_wave_state_parse(const char *s, ota_wave_state *out);

typedef struct ota_wave_size {
    bool percent;     /* true: value is a percentage ("N%"); false: a device count */
    int64_t value;
} ota_wave_size;
/* "N%" or "N" into buf (>= 24 bytes). */
const char *ota_wave_size_format(const ota_wave_size *w, char *buf, size_t len);
/* Devices a wave of size w holds of targeted (cumulative; a count is capped
 * at targeted; a percentage rounds up, so 1% of 10 is 1, and 100% is all). */
long ota_wave_size_devices(const ota_wave_size *w, long targeted);
/* Each wave's own devices of targeted (cumulative sizes never shrink: a
 * count after a larger percentage adds none); out[0..nwaves-1]. */
void ota_wave_devices(const ota_wave_size *waves, size_t nwaves, long targeted, long *out);

typedef struct ota_rollout_spec {
    ota_wave_size waves[OTA_MAX_WAVES];
    size_t nwaves;                    /* 1..20 */
    int success_threshold;            /* %, 0..100: succeeded share of the open waves to advance */
    int failure_threshold;            /* %, 0..100: failed/finished above it trips the brake */
    int64_t min_finished;             /* >= 0: finished devices before the brake may trip */
    int64_t soak_seconds;             /* >= 0 */
    ota_advance advance;
    ota_on_failure on_failure;
    int64_t max_offers_per_minute;    /* >= 0, 0 = no limit */
} ota_rollout;

/* Maintenance windows: local days and times in an IANA zone (the day and
 * HH:MM words and the window rule: "time zones" above). */
typedef struct ota_mw_window {
    unsigned days;                    /* bit mask, bit 0 mon .. bit 6 sun; at least one */
    int start, end;                   /* minutes of the local day 0..1439; end <= start runs past midnight */
} ota_mw_window;
typedef struct ota_maintenance {
    char timezone[OTA_TZ_NAME_MAX + 1];
    bool device_timezone;             /* judge a device reporting a valid zone in its own */
    ota_mw_window windows[OTA_MAX_MW_WINDOWS];
    size_t nwindows;                  /* 1..16 */
} ota_maintenance;
/* Same settings (waves, thresholds, ...; windows in order). */
bool ota_rollout_equal(const ota_rollout *a, const ota_rollout *b);
bool ota_maintenance_equal(const ota_maintenance *a, const ota_maintenance *b);
#define OTA_PAUSED_FAILURE_THRESHOLD "failure_threshold"  /* ota_plan.paused_reason */
/* The waves' rules (core/lifecycle.c): the open waves' success share is
 * met (succeeded >= threshold % of devices; no devices: met); when auto
 * advance opens the next wave (reached_at: when the open waves met it, 0
 * not yet; INT64_MAX never); whether a wave can be opened by hand (plan
 * active or upgrading, a wave left); what a wave is in status (soaking:
 * met, auto advance opens the next once the soak passed). */
bool ota_wave_success_met(long devices, long succeeded, int success_threshold);
/* The failure brake: at least min_finished (and one) of the open waves'
 * devices finished (succeeded, or failed for good) and failed/finished is
 * above failure_threshold %. */
bool ota_brake_trips(const ota_rollout *r, long finished, long failed);
/* Retries with an interval: a failed job retried at failed_at is offered
 * again no sooner than ota_retry_at (0: at once); a job downloading or
 * installing since started_at has timed out after job_timeout seconds. */
int64_t ota_retry_at(int64_t failed_at, int64_t interval);
bool ota_retry_waiting(int64_t retry_at, int64_t now);
bool ota_job_timed_out(int64_t started_at, int64_t job_timeout, int64_t now);
int64_t ota_wave_advance_at(const ota_rollout *r, int current, size_t nwaves, int64_t reached_at);
bool ota_wave_can_advance(ota_plan_state s, int current, size_t nwaves);
ota_wave_state ota_wave_state_of(const ota_rollout *r, int k, int current, size_t nwaves, int64_t reached_at);

typedef struct ota_plan {
    int64_t id;                       /* 0 before create */
    char name[4 * OTA_NAME_MAX_CHARS + 1];
    char product[OTA_KEY_MAX + 1];
    ota_plan_state state;
    int64_t revision;
    ota_strlist blacklist, whitelist; /* device ids */
    ota_mode mode;
    int retries;                      /* 0..10 */
    int min_rsrp;                     /* dBm, -140..-44 */
    int min_battery;                  /* %, 0..100 */
    int64_t window_start, window_end; /* start < end */
    int64_t job_timeout;              /* seconds a job may download and install from its start (and after the
                                       * plan ended); past it the job fails, reason timeout; default 3600 */
    ota_plan_component components[OTA_MAX_COMPONENTS];
    size_t ncomponents;
    int64_t created_at, updated_at, activated_at; /* activated_at 0 = never */
    ota_plan_state paused_from;       /* meaningful in PAUSED */
    int required_signatures;          /* 0..OTA_SIG_MAX valid trusted signatures per package to activate */
    int64_t retry_interval_seconds;   /* strategy.retry_interval_seconds, 0..OTA_RETRY_INTERVAL_MAX; default 0 */
    bool has_rollout;                 /* false: one wave of 100%, no brake, no rate limit */
    ota_rollout rollout;
    bool has_maintenance;             /* false: any time inside the window */
    ota_maintenance maintenance;
    char paused_reason[32];           /* "" or OTA_PAUSED_FAILURE_THRESHOLD (set by the engine) */
} ota_plan;

void ota_plan_init(ota_plan *p);   /* zero + defaults (retries 0, min_rsrp -140, ...) */
void ota_plan_free(ota_plan *p);   /* frees the lists, leaves the struct reusable */
int  ota_plan_copy(ota_plan *dst, const ota_plan *src);

/* ------------------------------------------------------------ validation */
/* Pure rules of DESIGN.md §1.  Each failure names the field and the rule. */
int ota_validate_file_name(const char *name, ota_err *e);     /* allowed endings, no path parts */
int ota_validate_file_size(const char *name, uint64_t size, ota_err *e);
int ota_validate_package_meta(const ota_package_meta *m, ota_err *e);
int ota_validate_file_count(size_t n, ota_err *e);
int ota_validate_plan(const ota_plan *p, ota_err *e);         /* not the package lookups */
/* The rollout and maintenance parts of ota_validate_plan (fields
 * "rollout.*", "maintenance.*").  Wave sizes: 1..20 waves; a percentage is
 * 0 < N <= 100, a count >= 1; sizes of the same kind strictly increase in
 * order (a percentage and a count are not compared: which is larger depends
 * on the fleet); the last wave is exactly "100%", so no other wave is.
 * Maintenance: a zone name of letters, digits, '/', '_', '-', '+' (up to 64
 * bytes, no "..", no leading '/'), 1..16 windows, each with a day. */
int ota_validate_rollout(const ota_rollout *r, ota_err *e);
int ota_validate_maintenance(const ota_maintenance *m, ota_err *e);
int ota_validate_product(const ota_product *p, ota_err *e);
int ota_validate_device_id(const char *id, ota_err *e);
extern const char *const ota_allowed_endings[];              /* NULL-terminated */

/* ---------------------------------------------------------------- engine */
typedef struct ota_engine ota_engine;

typedef struct ota_engine_opts {
    const char *db_path;    /* NULL: default path (see ota_default_paths) */
    const char *blob_dir;   /* NULL: "<dir of db>/blobs" */
    ota_clock clock;        /* .now NULL: system clock */
    const char *actor;      /* who acts (audit); NULL: "local:$USER" (unset: the uid's name) */
} ota_engine_opts;

/* $OTA_DB, else $XDG_DATA_HOME/otaconsole/ota.db, else ~/.local/share/otaconsole/ota.db */
int ota_default_paths(char *db, size_t dblen, char *blobs, size_t bloblen);

ota_engine *ota_engine_open(const ota_engine_opts *o, ota_err *e);
void ota_engine_close(ota_engine *eng);
int64_t ota_engine_now(ota_engine *eng);
const char *ota_engine_db_path(ota_engine *eng);
const char *ota_engine_blob_dir(ota_engine *eng);
int ota_engine_schema_version(ota_engine *eng);
/* WAL checkpoints (and their fsyncs) on a thread of the engine with its own
 * connection, instead of inside the commit that filled the WAL, which holds
 * the engine meanwhile (a server calls it once after opening; same
 * durability; ota_engine_close stops the thread). */
int ota_engine_background_checkpoints(ota_engine *eng, ota_err *e);
/* Warm the check-in caches after a start, one slice per call: up to max
 * devices after *cursor (0 at first; advanced), with their versions and
 * their jobs in the plans that can still move.  Returns how many devices it
 * read (0: the whole fleet is read), -1 on failure.  Holds the engine for
 * its slice only, so check-ins go on between calls; their answers never
 * depend on it (a device not warmed yet is read from the store as before). */
int ota_engine_warm_step(ota_engine *eng, int64_t *cursor, int max, ota_err *e);
/* The whole warm-up (a thread's work: otad's, bench/warm's): slices of
 * 1,000 devices with a pause between them for the check-ins waiting, until
 * the fleet is read or stop(ctx) (may be NULL) says so.  Returns the
 * devices read, -1 on failure. */
long ota_engine_warm(ota_engine *eng, bool (*stop)(void *ctx), void *ctx, ota_err *e);

/* Group many calls into one transaction (group commit).  Calls between
 * begin and end are acknowledged only when end returns 0.  Check-ins,
 * reports and confirmations inside a batch share the transaction without
 * savepoints: a refusal changes nothing, but a write that fails (disk,
 * memory) rolls the whole batch back, and every later call of it and end
 * then fail. */
int ota_engine_batch_begin(ota_engine *eng, ota_err *e);
int ota_engine_batch_end(ota_engine *eng, ota_err *e);

/* Clock-driven work: plans whose window ended -> ended (waiting jobs
 * expire), in-flight jobs past their timeout -> failed.  Safe to call often;
 * also run lazily by check-ins and status reads. */
int ota_engine_tick(ota_engine *eng, ota_err *e);

/* -------------------------------------------------------------- paging */
typedef struct ota_page_req {
    int limit;                     /* 0 = default 50; > 1000 is an error */
    char cursor[OTA_CURSOR_MAX];   /* "" = first page; opaque */
} ota_page_req;
/* Shared check of a page request: limit 1..1000 (0 = default), cursor shape. */
int ota_page_req_check(ota_page_req *r, ota_err *e);

/* ----------------------------------------------------- products, devices */
/* device_key_out (65 bytes) receives the product's device key, shown once. */
int ota_product_add(ota_engine *eng, const ota_product *p, char *device_key_out, ota_err *e);
int ota_product_get(ota_engine *eng, const char *key, ota_product *out, ota_err *e);
typedef struct ota_product_list { ota_product *items; size_t n; } ota_product_list;
int ota_product_list_all(ota_engine *eng, ota_product_list *out, ota_err *e);
void ota_product_list_free(ota_product_list *l);
/* true when key is the product's device key (constant-time compare). */
bool ota_product_check_device_key(ota_engine *eng, const char *product, const char *key);

typedef struct ota_import_result { size_t added, updated; } ota_import_result;
/* Insert or update devices (versions replace; telemetry untouched).  All or nothing. */
int ota_device_upsert(ota_engine *eng, const char *product, const ota_device *devs, size_t n,
                      ota_import_result *res, ota_err *e);
/* File by extension: .json (API.md array) or .csv (header: id,<component>...,
 * optional rsrp,battery columns).  All or nothing; errors name line and column. */
int ota_device_import(ota_engine *eng, const char *product, const char *path,
                           ota_import_result *res, ota_err *e);
/* The device file parser behind it (pure: no engine), one device at a time.
 * The name's ending (.json or .csv, any case) chooses the format, else
 * OTA_E_UNSUPPORTED_MEDIA.  ota_devfile_open reads text[len], which must
 * outlive the reader; ota_devfile_open_file reads the file at path first
 * (at most 1 GiB).  ota_devfile_next: 1 with *out filled, 0 at the end,
 * -1 on an error naming its place exactly as ota_device_import does
 * (an id listed twice in the file included; the product a device names is
 * left for the importer to check).  ota_devfile_more peeks: 1 when another
 * device follows, 0 at the end, -1 when the file is broken before it (JSON
 * syntax, the CSV header or the record's quoting); its device is decoded
 * and checked by the next ota_devfile_next.  After -1 only close. */
typedef struct ota_devfile ota_devfile;
int  ota_devfile_open(const char *name, const char *text, size_t len, ota_devfile **out, ota_err *e);
int  ota_devfile_open_file(const char *path, ota_devfile **out, ota_err *e);
int  ota_devfile_more(ota_devfile *f, ota_err *e);
int  ota_devfile_next(ota_devfile *f, ota_device *out, ota_err *e);
void ota_devfile_close(ota_devfile *f);
int ota_device_get(ota_engine *eng, const char *id, ota_device *out, ota_err *e);
typedef struct ota_device_page { ota_device *items; size_t n; char next_cursor[OTA_CURSOR_MAX]; } ota_device_page;
/* q: substring of the device id (NULL/"" = all). */
int ota_device_list(ota_engine *eng, const char *product, const char *q, const ota_page_req *pg,
                    ota_device_page *out, ota_err *e);
void ota_device_page_free(ota_device_page *p);

/* ------------------------------------------------------------ blob store */
/* Content addressed: <blob_dir>/ab/cdef... by SHA-256.  A writer streams
 * into a temporary file while hashing, enforcing the size limit as bytes
 * arrive; finish fsyncs and renames into place. */
typedef struct ota_blob_writer ota_blob_writer;
ota_blob_writer *ota_blob_begin(ota_engine *eng, const char *file_name, ota_err *e);
int  ota_blob_write(ota_blob_writer *w, const void *buf, size_t len, ota_err *e); /* too_large past 100 MiB */
/* Waits until every digest is known (the blob is not in place yet): out gets
 * name, size and digests.  Optional before ota_blob_finish. */
int  ota_blob_hashes(ota_blob_writer *w, ota_file *out, ota_err *e);
int  ota_blob_finish(ota_blob_writer *w, ota_file *out, ota_err *e);  /* frees w */
void ota_blob_abort(ota_blob_writer *w);                               /* frees w, removes temp */
/* Path of a stored blob (whether or not it exists). */
int ota_blob_path(ota_engine *eng, const char *sha256, char *out, size_t len);
/* Re-hash a stored blob; 0 when it matches sha256 (and size), else -1 with OTA_E_IO. */
int ota_blob_verify(ota_engine *eng, const ota_file *f, ota_err *e);
/* Streaming SHA-256 of a file on disk (hex). */
int ota_sha256_file(const char *path, char out_hex[65], uint64_t *size, ota_err *e);

/* --------------------------------------------------------------- packages */
/* Creates a package from local files (each hashed while copied into the
 * blob store).  Validates meta, count, names and sizes first. */
int ota_package_create(ota_engine *eng, const ota_package_meta *m, const char *const *paths,
                       size_t npaths, ota_package *out, ota_err *e);
/* Creates a package row from blobs already stored (server uploads). */
int ota_package_create_from_blobs(ota_engine *eng, const ota_package_meta *m,
                                  const ota_file *files, size_t nfiles, ota_package *out, ota_err *e);
int ota_package_get(ota_engine *eng, int64_t id, ota_package *out, ota_err *e);
typedef struct ota_package_page { ota_package *items; size_t n; char next_cursor[OTA_CURSOR_MAX]; } ota_package_page;
int ota_package_list(ota_engine *eng, const char *component, const ota_page_req *pg,
                     ota_package_page *out, ota_err *e);
void ota_package_page_free(ota_package_page *p);
typedef struct ota_verify_result {
    bool ok;
    struct { char name[OTA_FILE_NAME_MAX + 1]; bool ok; char error[160]; } files[OTA_MAX_FILES];
    size_t nfiles;
} ota_verify_result;
int ota_package_verify(ota_engine *eng, int64_t id, ota_verify_result *out, ota_err *e);
int ota_package_delete(ota_engine *eng, int64_t id, ota_err *e);  /* in_use if a non-saved plan uses it */
/* Find a package by component, kind, versions and the SHA-256 of every file (push). */
int ota_package_find_same(ota_engine *eng, const ota_package *like, int64_t *id_out, ota_err *e);

/* ----------------------------------------------------------------- plans */
/* create: validates, checks product and packages exist and each package's
 * component matches; sets id, state saved, revision 1. */
int ota_plan_create(ota_engine *eng, ota_plan *p, ota_err *e);
int ota_plan_get(ota_engine *eng, int64_t id, ota_plan *out, ota_err *e);
typedef struct ota_plan_page { ota_plan *items; size_t n; char next_cursor[OTA_CURSOR_MAX]; } ota_plan_page;
/* state < 0: any; product NULL: any.  Items carry list counts but their
 * black/white lists are empty to keep pages small (use get for them). */
int ota_plan_list(ota_engine *eng, int state, const char *product, const ota_page_req *pg,
                  ota_plan_page *out, ota_err *e);
void ota_plan_page_free(ota_plan_page *p);
/* update: p->revision must equal the stored revision (else conflict, nothing
 * changes); only in saved (else not_editable).  On success p->revision++. */
int ota_plan_update(ota_engine *eng, ota_plan *p, ota_err *e);
int ota_plan_delete(ota_engine *eng, int64_t id, ota_err *e);     /* only saved */
/* Adds from's components to to (replacing same-named ones); an update of to. */
int ota_plan_copy_components(ota_engine *eng, int64_t from, int64_t to, ota_plan *out, ota_err *e);
/* The rule of copying components (ota_plan_copy_components, the console's
 * ^O on its working copy): each component of src replaces dst's component
 * of the same name, unless keep[i] (keep may be NULL) keeps dst's; those
 * dst lacks are added.  Pure; all or nothing (more than
 * OTA_MAX_COMPONENTS fails with dst unchanged). */
int ota_plan_merge_components(ota_plan *dst, const ota_plan *src, const bool *keep, ota_err *e);

/* --------------------------------------------------------------- rollout */
int ota_plan_transition(ota_engine *eng, int64_t id, ota_action a, ota_plan *out, ota_err *e);
/* Opens the next wave of a staged plan by hand (any advance mode);
 * invalid_transition when the plan is not active/upgrading or no wave is
 * left.  Audited (plan.advance). */
int ota_plan_advance(ota_engine *eng, int64_t id, ota_plan *out, ota_err *e);

typedef struct ota_wave_count {
    ota_wave_size size;
    long devices;                     /* devices in the wave (its own, not cumulative) */
} ota_wave_count;
typedef struct ota_preview {
    long targeted;
    long blacklisted, not_whitelisted, version_mismatch;  /* excluded */
    long deferred_battery, deferred_rsrp;                 /* deferred now */
    ota_wave_count waves[OTA_MAX_WAVES];                  /* when the plan has a rollout */
    size_t nwaves;                                        /* 0: no rollout */
} ota_preview;
int ota_plan_preview(ota_engine *eng, int64_t id, ota_preview *out, ota_err *e);

typedef struct ota_plan_status {
    ota_plan_state state;
    int64_t revision;
    long counts[OTA_JOB__COUNT];
    int64_t last_seq;
    /* Staged rollouts: filled when the plan has a rollout (nwaves > 0). */
    struct ota_wave_status {
        ota_wave_size size;
        long devices;                 /* devices in this wave (its own, not cumulative) */
        ota_wave_state state;
        long succeeded, failed;
    } waves[OTA_MAX_WAVES];
    size_t nwaves;
    int current_wave;                 /* 0-based: the last open wave */
    int64_t next_wave_at;             /* soaking: when the clock opens the next wave; 0 otherwise */
    int64_t rollback_plans[OTA_MAX_ROLLBACK_PLANS];  /* saved rollback drafts (on_failure rollback) */
    size_t nrollback_plans;
    long rollback_uncovered;          /* succeeded devices whose previous version has no full package */
    char paused_reason[32];           /* "" or OTA_PAUSED_FAILURE_THRESHOLD */
} ota_plan_status;
int ota_plan_status_get(ota_engine *eng, int64_t id, ota_plan_status *out, ota_err *e);

typedef struct ota_job_row {
    int64_t job_id;
    char device[OTA_DEVICE_ID_MAX + 1];
    ota_job_state state;
    int attempt;
    int progress;        /* 0..100 */
    char reason[32];     /* deferred reason, "" = none */
    char error[256];     /* last failure text, "" = none */
    int64_t updated_at;
} ota_job_row;
typedef struct ota_job_page { ota_job_row *items; size_t n; char next_cursor[OTA_CURSOR_MAX]; } ota_job_page;
/* state < 0: any. */
int ota_plan_devices(ota_engine *eng, int64_t plan, int state, const ota_page_req *pg,
                     ota_job_page *out, ota_err *e);
void ota_job_page_free(ota_job_page *p);

typedef struct ota_event {
    int64_t seq;
    int64_t at;
    char device[OTA_DEVICE_ID_MAX + 1];  /* "" = a plan event */
    char from[32], to[32];               /* job or plan state names */
} ota_event;
typedef struct ota_event_page { ota_event *items; size_t n; int64_t last_seq; } ota_event_page;
/* Events of the plan with seq > since, oldest first, at most limit (0 = 1000). */
int ota_plan_events(ota_engine *eng, int64_t plan, int64_t since, int limit,
                    ota_event_page *out, ota_err *e);
void ota_event_page_free(ota_event_page *p);

typedef struct ota_checkin_req {
    char device[OTA_DEVICE_ID_MAX + 1];
    char product[OTA_KEY_MAX + 1];
    ota_version versions[OTA_MAX_COMPONENTS];
    size_t nversions;
    bool has_rsrp;    int rsrp;
    bool has_battery; int battery;
    /* Its attribute "timezone" (REST "attributes":{"timezone":...}), as
     * reported: "" = not reported (the stored one holds).  A name that is
     * no valid zone is kept as reported; the device is then judged in its
     * plan's zone. */
    char timezone[OTA_TZ_NAME_MAX + 1];
} ota_checkin_req;

typedef struct ota_offer_component {
    char component[OTA_KEY_MAX + 1];
    char version[OTA_KEY_MAX + 1];
    ota_kind kind;
    char source_version[OTA_KEY_MAX + 1];
    int64_t package_id;
    ota_file files[OTA_MAX_FILES];      /* url = /api/v1/packages/{package_id}/files/{name} */
    size_t nfiles;
    ota_signature signatures[OTA_SIG_MAX];  /* the package's, so an agent can check them */
    size_t nsignatures;
} ota_offer_component;

typedef struct ota_job_offer {
    bool has_job;
    int64_t job_id, plan_id;
    ota_mode mode;
    ota_job_state state;                /* offered, awaiting_confirmation or later (re-sent) */
    bool rate_limited;                  /* a plan's offer rate limit held the device back (not in the REST answer) */
    /* The components offered (at most OTA_MAX_COMPONENTS, ~4 KB each): a
     * heap array sized by what it holds, grown as needed and kept by a
     * reused offer (which then allocates nothing).  Start from a zeroed
     * offer; release it with ota_job_offer_free.  (Copying the struct
     * would share the array: don't.) */
    ota_offer_component *components;
    size_t ncomponents, cap;
} ota_job_offer;
/* Room for n components (ncomponents unchanged); -1 out of memory. */
int  ota_job_offer_reserve(ota_job_offer *o, size_t n, ota_err *e);
void ota_job_offer_free(ota_job_offer *o);

int ota_checkin(ota_engine *eng, const ota_checkin_req *r, ota_job_offer *out, ota_err *e);
/* The same check-in when it writes nothing (the common case: a device that
 * checks in again with nothing new).  Returns 0 with the answer ota_checkin
 * would give, -1 with the refusal ota_checkin would give, or
 * OTA_CHECKIN_WOULD_WRITE when answering needs a write (a new job, a state
 * or reason change, new telemetry, a due tick): then nothing was changed
 * and the caller runs ota_checkin (otad: in its group commit). */
#define OTA_CHECKIN_WOULD_WRITE 1
int ota_checkin_readonly(ota_engine *eng, const ota_checkin_req *r, ota_job_offer *out, ota_err *e);
/* device NULL: trust the caller (operator tools); else the job must be the device's. */
int ota_job_confirm(ota_engine *eng, int64_t job, const char *device, ota_err *e);
int ota_job_report(ota_engine *eng, int64_t job, const char *device, ota_job_state to,
                   int progress, const char *error_text, ota_err *e);
int ota_job_get(ota_engine *eng, int64_t job, int64_t *plan_out, ota_job_row *out, ota_err *e);

/* ------------------------------------------------------------ simulator */
typedef struct ota_sim_opts {
    uint64_t seed;
    int64_t plan_id;          /* 0: every active plan */
    double online_per_tick;   /* share of the fleet checking in each tick (0..1) */
    double failure_rate;      /* share of installs that fail (0..1) */
    int confirm_delay;        /* ticks before a device confirms */
    int download_ticks, install_ticks;
    int tick_seconds;         /* simulated seconds per tick (fake clock) */
} ota_sim_opts;
typedef struct ota_sim ota_sim;
ota_sim *ota_sim_new(ota_engine *eng, const ota_sim_opts *o, ota_err *e);
/* One tick: a batch of check-ins and reports, committed as one transaction. */
int ota_sim_step(ota_sim *s, ota_err *e);
void ota_sim_free(ota_sim *s);
/* A generated fleet for demos and benchmarks: devices dev-000001..dev-N of
 * product with a spread of versions of components module, mcu and app,
 * RSRP -125..-70 and battery 5..100; deterministic for a seed; one
 * transaction.  Existing device ids are left as they are. */
int ota_fleet_generate(ota_engine *eng, const char *product, long n, uint64_t seed, ota_err *e);

#include "ota_tokens.h"

/* ---------------------------------------------------- hawkBit DDI support */
/* For standard device agents speaking hawkBit DDI (otad's server/ddi.c). */
#include <jansson.h>
/* Attributes an agent reported (configData keys other than telemetry and
 * versions): a JSON object of strings per device.  Merge replaces the keys
 * given; attrs NULL or empty still marks the device as having reported. */
int ota_device_attrs_merge(ota_engine *eng, const char *device, json_t *attrs, ota_err *e);
/* *out: a new reference to the device's attributes, NULL if it never reported. */
int ota_device_attrs_get(ota_engine *eng, const char *device, json_t **out, ota_err *e);
/* One device of product and its attributes (*attrs, unless attrs is NULL:
 * a new reference, {} when it never reported any); not_found for an unknown
 * product, an unknown device or a device of another product. */
int ota_device_detail(ota_engine *eng, const char *product, const char *id, ota_device *out,
                      json_t **attrs, ota_err *e);
/* Record that a DDI agent was shown job (deploymentBase/confirmationBase). */
int ota_ddi_offer_note(ota_engine *eng, int64_t job, ota_err *e);
/* The first job shown to device that was taken back before it started (its
 * plan terminated before the device began downloading) and whose
 * cancellation the device has not acknowledged; *job 0 when none. */
int ota_ddi_cancel_pending(ota_engine *eng, const char *device, int64_t *job, ota_err *e);
/* Record the acknowledgement; not_found unless job is such a job of device. */
int ota_ddi_cancel_ack(ota_engine *eng, const char *device, int64_t job, ota_err *e);
/* true when a plan of product uses package (agents may download its files). */
bool ota_ddi_package_of_product(ota_engine *eng, const char *product, int64_t package);
/* Fill missing SHA-1 and MD5 of package files (packages stored before they
 * were recorded) by re-hashing their blobs; package 0 = all packages. */
int ota_package_fill_hashes(ota_engine *eng, int64_t package, long *filled, ota_err *e);

/* ------------------------------------------------ signed packages (sign.c) */
/* The canonical manifest of a package (docs/manifest.md): malloc'd UTF-8
 * text without a terminating newline; *len its length.  NULL on OOM. */
char *ota_manifest(const ota_package *p, size_t *len);
/* The same for an offered component (what a device verifies). */
char *ota_manifest_offer(const ota_offer_component *c, size_t *len);

typedef struct ota_sign_key {
    char name[OTA_SIGNER_MAX + 1];
    char key_id[OTA_KEY_ID_LEN + 1];
    unsigned char pk[32];
    unsigned char sk[64];          /* zero for a public key */
} ota_sign_key;
/* Key names: 1..64 bytes of letters, digits, '-', '_', '.', '@'. */
int ota_key_name_check(const char *name, ota_err *e);
/* Writes <dir>/<name>.key (mode 0600, never over an existing file) and
 * <dir>/<name>.pub; paths (PATH_MAX) receive the file names. */
int ota_key_generate(const char *name, const char *dir, char *sec_path, char *pub_path, ota_err *e);
/* Refuses a secret key file that group or others may read (with the fix). */
int ota_key_load_secret(const char *path, ota_sign_key *out, ota_err *e);
int ota_key_load_public(const char *path, ota_sign_key *out, ota_err *e);
void ota_key_wipe(ota_sign_key *k);
/* Signs p's manifest with k (a secret key). */
int ota_package_sign_make(const ota_package *p, const ota_sign_key *k, ota_signature *out, ota_err *e);

/* Attaches a signature (with its public_key) to a stored package after
 * checking it against the manifest; one signature per key (conflict). */
int ota_package_sign_add(ota_engine *eng, int64_t id, const ota_signature *sig, ota_package *out, ota_err *e);

/* Trust: a folder of public key files (*.pub).  A key is revoked when its
 * file sits in the folder's revoked/ subfolder (docs/manifest.md). */
typedef enum { OTA_SIG_VALID = 0, OTA_SIG_UNTRUSTED, OTA_SIG_REVOKED, OTA_SIG_INVALID } ota_sig_status;
const char *ota_sig_status_str(ota_sig_status s);   /* "valid" "untrusted" "revoked" "invalid" */
typedef struct ota_sig_check {
    ota_sig_status status;
    char key_id[OTA_KEY_ID_LEN + 1];
    char signer[OTA_SIGNER_MAX + 1];    /* the trusted file's name when known, else as signed */
    char detail[200];                   /* why, in words */
} ota_sig_check;
typedef struct ota_trust_report {
    size_t n, nvalid;                   /* nvalid counts distinct trusted keys */
    ota_sig_check sigs[OTA_SIG_MAX];
} ota_trust_report;
/* $OTA_TRUSTED_DIR, else $XDG_CONFIG_HOME/otaconsole/trusted, else ~/.config/otaconsole/trusted. */
int ota_trusted_dir_default(char *buf, size_t len);
/* Checks every signature of p against dir (NULL = default).  A folder that
 * does not exist trusts nobody; an unreadable key file is an error. */
int ota_package_check_signatures(const ota_package *p, const char *dir, ota_trust_report *out, ota_err *e);
/* The same against keys read once (the console checks many packages). */
typedef struct ota_keyring ota_keyring;
ota_keyring *ota_keyring_load(const char *dir, ota_err *e);   /* NULL dir = default */
void ota_keyring_free(ota_keyring *k);
const char *ota_keyring_dir(const ota_keyring *k);
int ota_package_check_keyring(const ota_package *p, const ota_keyring *k, ota_trust_report *out, ota_err *e);
/* "unsigned", "signed by a, b", "invalid: ...", "untrusted: ..." into buf;
 * returns "unsigned", "signed", "invalid" or "untrusted". */
const char *ota_trust_summary(const ota_trust_report *r, char *buf, size_t len);
/* The folder the engine checks plans' required_signatures against (NULL = default). */
void ota_engine_set_trusted_dir(ota_engine *eng, const char *dir);

/* ------------------------------------------------------- audit (audit.c) */
/* Every operator action through the public calls is recorded, refusals
 * included, in an append-only table.  The actor is per thread: otad sets
 * the token name for the request's thread; NULL restores the engine's
 * actor (ota_engine_opts.actor, default "local:<user>"). */
void ota_actor_set(const char *actor);
const char *ota_actor_get(ota_engine *eng);
#define OTA_AUDIT_ACTOR_MAX  128
#define OTA_AUDIT_TARGET_MAX 96
typedef struct ota_audit_row {
    int64_t seq, at;
    char actor[OTA_AUDIT_ACTOR_MAX + 1];
    char action[32];           /* "plan.activate" ... */
    char target[OTA_AUDIT_TARGET_MAX + 1];  /* "plan:3", "package:7", "token:ci", "product:acme" */
    char outcome[32];          /* "ok" or the refusal's error code ("validation_failed") */
    char detail[480];
} ota_audit_row;
typedef struct ota_audit_query {
    const char *actor;         /* NULL/"": any */
    const char *target;        /* NULL/"": any; exact match */
    int64_t since;             /* 0: any; else at >= since */
    ota_page_req page;         /* oldest first; cursor = last seq shown */
} ota_audit_query;
typedef struct ota_audit_page { ota_audit_row *items; size_t n; char next_cursor[OTA_CURSOR_MAX]; } ota_audit_page;
int ota_audit_list(ota_engine *eng, const ota_audit_query *q, ota_audit_page *out, ota_err *e);
/* Records a refusal decided before core was called (otad's role check):
 * outcome e->code, detail e->message. */
void ota_audit_refusal(ota_engine *eng, const char *actor, const char *action, const char *target,
                       const ota_err *e);
/* A refusal a front end decided itself before asking (the console's typed
 * confirmation of a terminate), recorded for the caller (the token's name
 * on otad, the engine's actor locally) with outcome why->code and detail
 * why->field and why->message.  Plan actions only: action
 * "plan.<activate|pause|resume|terminate>" and target "plan:<id>" of an
 * existing plan; anything else is refused (validation_failed, not_found). */
int ota_audit_refused(ota_engine *eng, const char *action, const char *target, const ota_err *why,
                      ota_err *e);
void ota_audit_page_free(ota_audit_page *p);
/* Times the failure brake tripped, over every plan (its audit rows; never falls). */
int ota_brake_trips_total(ota_engine *eng, int64_t *out, ota_err *e);

#include "ota_devauth.h"
#include "ota_json.h"

#ifdef __cplusplus
}
#endif
#endif /* OTA_H */
