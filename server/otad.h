/* otad internals: the server state, the per-request context and the
 * helpers the route handlers share.  Thin by design: parse, authorize, call
 * core, encode (DESIGN.md §3). */
#ifndef OTAD_H
#define OTAD_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "ota.h"
#include "throttle.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT_T;
#else
typedef enum MHD_Result MHD_RESULT_T;
#endif

#define OTAD_JSON_BODY_MAX   (1u << 20)    /* JSON endpoints */
#define OTAD_IMPORT_BODY_MAX (64u << 20)   /* bulk device import */
/* An upload's whole body: five full files plus room for parts' headers. */
#define OTAD_UPLOAD_BODY_MAX (OTA_MAX_FILES * OTA_MAX_FILE_SIZE + (1u << 20))
/* After a refused body, read (and drop) at most this much more so the
 * client can read the answer; past it the connection is closed (libmicrohttpd
 * 0.9 cannot answer in the middle of a body).  Declared lengths over the
 * route's limit never get here: they are refused before the body. */
#define OTAD_DRAIN_MAX       OTAD_UPLOAD_BODY_MAX

/* --threads when not given: a pool of 4 threads (poll).  Check-ins that
 * write are handed to the committer thread (device.c) and idle SSE streams
 * are suspended, so no pool thread waits; 0 gives each connection its own
 * thread.  README (otad) has the figures of both. */
#define OTAD_THREADS_DEFAULT 4

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

typedef struct otad_config {
    char listen_addr[64];
    int port;
    char db[4096];
    char blobs[4096];
    char tls_cert[4096], tls_key[4096];
    char trusted[4096];      /* trusted public keys folder ("" = $XDG_CONFIG_HOME/otaconsole/trusted) */
    int log_level;
    int sse_heartbeat;       /* seconds between SSE heartbeat comments */
    int sse_poll_ms;         /* how often an SSE stream looks for new events */
    int tick_ms;             /* engine clock tick period */
    int conn_timeout;        /* idle connection timeout, seconds */
    int threads;             /* pool size (poll); 0 = a thread per connection */
    int auth_fail_limit;     /* failed authentications per address ... (0 = no throttling) */
    int auth_fail_window;    /* ... within this many seconds throttle it (throttle.c) */
    bool reuse_port;         /* share the port with other processes (SO_REUSEPORT) */
} otad_config;

typedef struct otad_metrics {
    atomic_ulong http_by_status[600];
    atomic_ulong checkins;
    atomic_ulong checkin_offers;
    atomic_ulong checkin_writes;   /* check-ins that wrote (through the group commit) */
    atomic_ulong rate_limited;     /* check-ins answered no job because of a plan's offer rate limit */
    atomic_ulong upload_bytes;
    atomic_ulong inflight;
    atomic_ulong auth_failures[TK__COUNT];  /* requests answered 401, by credential kind */
    atomic_ulong auth_throttled;            /* requests answered 429 (throttled address) */
} otad_metrics;

typedef struct otad {
    otad_config cfg;
    ota_engine *eng;
    struct MHD_Daemon *daemon;
    atomic_bool stopping;
    otad_metrics m;
    throttle *thr;           /* failed authentications per address; NULL = off */
    char instance[17];       /* /healthz: a random id made at start */
    char store[13];          /* /healthz: a short hash of the database's real path */
} otad;

extern otad *g_otad;

void otad_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The request line at info: "METHOD PATH STATUS BYTES 1.23ms WHO[ WHY]"
 * (who "" prints "-"), formatted without printf. */
void otad_log_request(const char *method, const char *path, unsigned status, unsigned long long bytes,
                      int64_t ns, const char *who, const char *why);
void otad_log_flush(void);
void otad_log_set_level(int level);
const char *otad_log_level_name(int level);

/* ------------------------------------------------------------- requests */
struct upload;  /* upload.c */

typedef struct req {
    otad *srv;
    struct MHD_Connection *conn;
    const struct route *route;
    char method[12];
    char path[512];
    char params[3][256];     /* {captures} of the route, in order */
    int nparams;
    int64_t t0_ns;
    bool started;            /* first handler call done */
    bool responded;
    unsigned status;
    uint64_t bytes;          /* response body bytes (as known) */
    char who[OTA_TOKEN_NAME_MAX + 16];  /* token name or "device:<product>" for the log */
    ota_role role;
    int64_t retry_after;     /* a 429's Retry-After, seconds (0 = none) */

    /* body */
    char *body;
    size_t body_len, body_cap, body_max;
    uint64_t drained;
    bool failed;             /* an error is waiting for the body's end */
    char allow[96];          /* with a 405: the methods the path has */
    ota_err err;
    struct upload *up;
    /* streamed responses (SSE) keep their own state */
    void *stream;
    /* pool mode: a check-in waiting for the committer (device.c) */
    struct pending_checkin *pending;
} req;

typedef MHD_RESULT_T (*route_fn)(req *r);

enum route_flags {
    RF_NONE = 0,
    RF_PUBLIC = 1,      /* no auth */
    RF_DEVICE = 2,      /* X-Device-Token or X-Device-Key (checked by the handler) */
    RF_BODY_JSON = 4,   /* JSON body expected */
    RF_MULTIPART = 8,   /* streamed multipart upload */
    RF_BIG_BODY = 16,   /* JSON body up to OTAD_IMPORT_BODY_MAX */
    RF_DOWNLOAD = 32,   /* a management token, a device token or a product's device key */
    RF_UNTHROTTLED = 64, /* answered even to a throttled address (/healthz, /metrics) */
};

typedef struct route {
    const char *method;
    const char *pattern;     /* "/api/v1/plans/{}/status" */
    route_fn fn;
    ota_role min_role;
    unsigned flags;
} route;

extern const route otad_routes[];

/* Responses: each queues once and records status and size for the log. */
MHD_RESULT_T reply_json(req *r, unsigned status, json_t *body /* stolen */);
/* text: JSON already encoded, malloc'd (taken), n its length. */
MHD_RESULT_T reply_json_text(req *r, unsigned status, char *text, size_t n);
MHD_RESULT_T reply_error(req *r, const ota_err *e);
MHD_RESULT_T reply_fail(req *r, ota_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
MHD_RESULT_T reply_empty(req *r, unsigned status);
MHD_RESULT_T reply_text(req *r, unsigned status, const char *ctype, char *text /* freed */, size_t len);
MHD_RESULT_T reply_response(req *r, unsigned status, struct MHD_Response *resp);

/* Request helpers */
const char *req_header(req *r, const char *name);
const char *req_query(req *r, const char *name);
int req_param_id(req *r, int i, int64_t *out, ota_err *e);
int req_page(req *r, ota_page_req *pg, ota_err *e);
json_t *req_json(req *r, ota_err *e);   /* parse the body; NULL + e on failure */

/* package_routes.c: f's blob was hashed as it was written (by an upload) */
void package_blob_verified(otad *s, const ota_file *f);
/* upload.c */
int upload_begin(req *r, ota_err *e);
int upload_feed(req *r, const char *data, size_t len, ota_err *e);
void upload_free(req *r);

/* handlers */
void healthz_init(otad *srv);  /* the instance id and store hash (metrics.c) */
MHD_RESULT_T h_healthz(req *r);
MHD_RESULT_T h_metrics(req *r);
MHD_RESULT_T h_events(req *r);
void events_stream_free(req *r);
int events_waker_start(otad *srv);   /* pool mode: resumes idle SSE streams */
void events_waker_stop(void);
int checkin_committer_start(otad *srv);  /* pool mode: commits check-ins that write */
/* warm.c: the engine's check-in caches filled from the store after start;
 * warm_stop joins it once s->stopping is set. */
void warm_start(otad *s);
void warm_stop(void);
void checkin_committer_stop(void);       /* finishes what is queued first */
void checkin_pending_free(req *r);       /* on completion */
MHD_RESULT_T h_package_file(req *r);
MHD_RESULT_T h_checkin(req *r);
MHD_RESULT_T h_job_confirm(req *r);
MHD_RESULT_T h_job_report(req *r);
MHD_RESULT_T h_enroll(req *r);
/* device.c: a device request's credentials (X-Device-Token, X-Device-Key)
 * checked by core for the product and device it is about; a download's
 * for the package in params[0].  0, or -1 with e naming the header. */
int device_authenticate(req *r, const char *product, const char *device, ota_err *e);
int device_download_auth(req *r, ota_err *e);

/* http.c */
struct MHD_Daemon *http_start(otad *s, ota_err *e);
void http_tls_free(void);  /* after MHD_stop_daemon */
void http_stop(otad *s);   /* stops the daemon, the SSE waker, frees TLS */
int64_t mono_ns(void);

#endif
