/* HTTP plumbing over libmicrohttpd: the daemon, each request's life
 * (route, authorize, read the body, dispatch, log) and the reply helpers.
 *
 * MHD calls the access handler several times per request: once with the
 * headers, once per body chunk, once more with no data when the body is
 * complete.  Refusals that need no body (unknown route, auth, declared size,
 * media type) are answered on the first call, before a byte of body is read;
 * refusals found inside the body wait for its end (reading on, up to
 * OTAD_DRAIN_MAX) so the client reliably sees the answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "otad.h"
#include "ddi.h"

int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --------------------------------------------------------------- replies */
MHD_RESULT_T reply_response(req *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    if (r->responded) {
        MHD_destroy_response(resp);
        return MHD_YES;
    }
    if (status == 401)
        throttle_note_401(r);  /* counted before the client can see the answer */
    MHD_RESULT_T ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->responded = true;
    r->status = status;
    return ret;
}

MHD_RESULT_T reply_text(req *r, unsigned status, const char *ctype, char *text, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    r->bytes = len;
    return reply_response(r, status, resp);
}

/* A JSON answer already encoded (text malloc'd, n its length; taken). */
static MHD_RESULT_T reply_text_hdr(req *r, unsigned status, char *text, size_t n, const char *allow)
{
    if (!text)
        return MHD_NO;
    /* room for the newline that makes curl output readable */
    char *t2 = realloc(text, n + 2);
    if (t2) {
        text = t2;
        text[n++] = '\n';
        text[n] = 0;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (r->retry_after > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    r->bytes = n;
    return reply_response(r, status, resp);
}

MHD_RESULT_T reply_json_text(req *r, unsigned status, char *text, size_t n)
{
    return reply_text_hdr(r, status, text, n, NULL);
}

/* A JSON body answer; a 405 also carries Allow. */
static MHD_RESULT_T reply_json_hdr(req *r, unsigned status, json_t *body, const char *allow)
{
    if (!body) {
        ota_err e;
        ota_fail(&e, OTA_E_INTERNAL, NULL, "out of memory encoding the answer");
        return reply_error(r, &e);
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return reply_text_hdr(r, status, text, text ? strlen(text) : 0, allow);
}

MHD_RESULT_T reply_json(req *r, unsigned status, json_t *body)
{
    return reply_json_hdr(r, status, body, NULL);
}

MHD_RESULT_T reply_error(req *r, const ota_err *e)
{
    unsigned status = (unsigned)ota_code_http_status(e->code);
    if (status >= 500)
        otad_log(LOG_ERROR, "%s %s: %s: %s%s%s", r->method, r->path, ota_code_str(e->code),
                 e->field, e->field[0] ? ": " : "", e->message);
    return reply_json_hdr(r, status, ota_json_error(e),
                          e->code == OTA_E_METHOD && r->allow[0] ? r->allow : NULL);
}

MHD_RESULT_T reply_fail(req *r, ota_code code, const char *field, const char *fmt, ...)
{
    ota_err e;
    ota_err_clear(&e);
    e.code = code;
    snprintf(e.field, sizeof e.field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    return reply_error(r, &e);
}

MHD_RESULT_T reply_empty(req *r, unsigned status)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    return reply_response(r, status, resp);
}

/* ---------------------------------------------------------- request bits */
const char *req_header(req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int req_param_id(req *r, int i, int64_t *out, ota_err *e)
{
    const char *s = r->params[i];
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v <= 0 || s[0] == '+' || s[0] == ' ')
        return ota_fail(e, OTA_E_NOT_FOUND, "id", "'%s' is not an id", s);
    *out = v;
    return 0;
}

int req_page(req *r, ota_page_req *pg, ota_err *e)
{
    memset(pg, 0, sizeof *pg);
    const char *l = req_query(r, "limit");
    if (l) {
        char *end;
        errno = 0;
        long v = strtol(l, &end, 10);
        if (!*l || *end || errno || v < 1 || v > OTA_LIST_MAX)
            return ota_fail(e, OTA_E_BAD_REQUEST, "limit", "must be an integer between 1 and %d (got '%.40s')",
                            OTA_LIST_MAX, l);
        pg->limit = (int)v;
    }
    const char *c = req_query(r, "cursor");
    if (c && *c) {
        if (strlen(c) >= sizeof pg->cursor)
            return ota_fail(e, OTA_E_BAD_REQUEST, "cursor", "is not a cursor this server issued");
        snprintf(pg->cursor, sizeof pg->cursor, "%s", c);
    }
    return ota_page_req_check(pg, e);
}

json_t *req_json(req *r, ota_err *e)
{
    if (!r->body_len) {
        ota_fail(e, OTA_E_BAD_REQUEST, NULL, "a JSON body is required");
        return NULL;
    }
    return ota_json_parse(r->body, r->body_len, e);
}

/* --------------------------------------------------------------- routing */
/* Match path against pattern segment by segment; "{}" captures one
 * non-empty segment. */
static bool route_match(const char *pattern, const char *path, req *r)
{
    int np = 0;
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (p[0] == '{' && p[1] == '}') {
            const char *slash = strchr(u, '/');
            size_t n = slash ? (size_t)(slash - u) : strlen(u);
            if (n == 0 || n >= sizeof r->params[0] || np >= 3)
                return false;
            memcpy(r->params[np], u, n);
            r->params[np][n] = 0;
            np++;
            u += n;
            p += 2;
            continue;
        }
        if (*p != *u)
            return false;
        p++;
        u++;
    }
    if (*p || *u)
        return false;
    r->nparams = np;
    return true;
}

/* Pick the route; on a path match with another method, fill allow. */
static const route *route_find(req *r, char *allow, size_t alen)
{
    const char *m = strcmp(r->method, "HEAD") ? r->method : "GET";
    allow[0] = 0;
    const route *ddi = ddi_route(r->method, r->path);  /* hawkBit DDI: /{tenant}/controller/... */
    if (ddi)
        return ddi;
    for (const route *rt = otad_routes; rt->method; rt++) {
        if (!route_match(rt->pattern, r->path, r))
            continue;
        if (!strcmp(rt->method, m))
            return rt;
        if (!strstr(allow, rt->method)) {
            size_t n = strlen(allow);
            snprintf(allow + n, alen - n, "%s%s", n ? ", " : "", rt->method);
            if (!strcmp(rt->method, "GET") && strlen(allow) + 6 < alen)
                strcat(allow, ", HEAD");
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ auth */
/* The object a request names, as the audit trail's targets say it:
 * /api/v1/plans/6/pause -> "plan:6", /api/v1/packages/3 -> "package:3",
 * /api/v1/products/K/devices -> "product:K"; a collection -> "plans". */
static void route_target(const req *r, char *buf, size_t len)
{
    const char *p = r->route->pattern;
    if (strncmp(p, "/api/v1/", 8)) {
        snprintf(buf, len, "%.80s", r->path);   /* not a management route: never refused by role */
        return;
    }
    p += 8;
    int n = (int)strcspn(p, "/");
    bool one = r->nparams > 0 && !strncmp(p + n, "/{}", 3);
    if (n > 15)
        n = 15;   /* the collections' names are short: "products" */
    if (one)
        snprintf(buf, len, "%.*s:%.80s", n > 1 && p[n - 1] == 's' ? n - 1 : n, p, r->params[0]);
    else
        snprintf(buf, len, "%.*s", n, p);
}

static int auth_check(req *r, ota_err *e)
{
    const route *rt = r->route;
    if (rt->flags & RF_PUBLIC)
        return 0;
    const char *dk = req_header(r, "X-Device-Key"), *dt = req_header(r, "X-Device-Token");
    bool device_cred = (dk && *dk) || (dt && *dt);
    if (rt->flags & RF_DEVICE) {
        if (!device_cred)
            return ota_fail(e, OTA_E_UNAUTHORIZED, "X-Device-Token", "the device API needs the device's token"
                            " (X-Device-Token) or its product's device key (X-Device-Key)");
        return 0;  /* the handler checks them against the product and device */
    }
    const char *a = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if ((rt->flags & RF_DOWNLOAD) && (!a || !*a) && device_cred)
        return device_download_auth(r, e);
    if (!a || strncasecmp(a, "Bearer ", 7))
        return ota_fail(e, OTA_E_UNAUTHORIZED, NULL, "send Authorization: Bearer <token>");
    const char *tok = a + 7;
    while (*tok == ' ')
        tok++;
    ota_token_info ti;
    if (ota_token_lookup(r->srv->eng, tok, &ti, e) < 0)
        return -1;
    snprintf(r->who, sizeof r->who, "%s", ti.name);
    r->role = ti.role;
    if (ti.role < rt->min_role) {
        ota_fail(e, OTA_E_FORBIDDEN, NULL, "%s %s needs the %s role (token '%s' is %s)", rt->method,
                 rt->pattern, ota_role_str(rt->min_role), ti.name, ota_role_str(ti.role));
        char target[OTA_AUDIT_TARGET_MAX + 1];
        route_target(r, target, sizeof target);
        ota_audit_refusal(r->srv->eng, ti.name, "http.forbidden", target, e);  /* refusals are audited too */
        return -1;
    }
    return 0;
}

/* Media type without parameters, compared case-insensitively. */
static bool media_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (!ct || strncasecmp(ct, want, n))
        return false;
    return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

static bool req_has_body(req *r)
{
    const char *cl = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (cl && strtoull(cl, NULL, 10) > 0) || req_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/* A refusal decided from the headers.  libmicrohttpd keeps a connection
 * alive only for answers queued after the request was read, so a request
 * without a body is answered on the last call (keep-alive); one with a body
 * is answered now, before any of it is read, and the connection closes. */
static MHD_RESULT_T req_refuse(req *r, const ota_err *e)
{
    if (req_has_body(r))
        return reply_error(r, e);
    r->failed = true;
    r->err = *e;
    return MHD_YES;
}

/* First call: everything that can be decided from the headers alone. */
static MHD_RESULT_T req_begin(req *r)
{
    ota_err e;
    ota_err_clear(&e);
    if (atomic_load(&r->srv->stopping)) {
        ota_fail(&e, OTA_E_UNAVAILABLE, NULL, "server is shutting down");
        return req_refuse(r, &e);
    }
    r->route = route_find(r, r->allow, sizeof r->allow);
    if (!r->route) {
        if (!r->allow[0])
            ota_fail(&e, OTA_E_NOT_FOUND, NULL, "no such resource: %s", r->path);
        else
            ota_fail(&e, OTA_E_METHOD, NULL, "%s is not allowed here; allowed: %s", r->method, r->allow);
        return req_refuse(r, &e);
    }
    if (throttle_refuse(r, &e) || auth_check(r, &e) < 0)
        return req_refuse(r, &e);

    unsigned f = r->route->flags;
    if (!(f & (RF_BODY_JSON | RF_MULTIPART)))
        return MHD_YES;  /* answered on the last call */

    r->body_max = (f & RF_MULTIPART) ? OTAD_UPLOAD_BODY_MAX : (f & RF_BIG_BODY) ? OTAD_IMPORT_BODY_MAX
                                                                             : OTAD_JSON_BODY_MAX;
    const char *cl = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        unsigned long long n = strtoull(cl, NULL, 10);
        if (n > r->body_max) {
            ota_fail(&e, OTA_E_TOO_LARGE, NULL, "request body of %llu bytes exceeds the limit of %zu", n,
                     r->body_max);
            return req_refuse(r, &e);
        }
    }
    const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (f & RF_MULTIPART) {
        if (!media_is(ct, "multipart/form-data")) {
            ota_fail(&e, OTA_E_UNSUPPORTED_MEDIA, "Content-Type", "must be multipart/form-data (got '%s')",
                     ct ? ct : "none");
            return req_refuse(r, &e);
        }
        if (upload_begin(r, &e) < 0)
            return req_refuse(r, &e);
    } else if (ct && *ct && !media_is(ct, "application/json")) {
        ota_fail(&e, OTA_E_UNSUPPORTED_MEDIA, "Content-Type", "must be application/json (got '%s')", ct);
        return req_refuse(r, &e);
    }
    return MHD_YES;
}

static void req_fail(req *r, const ota_err *e)
{
    if (!r->failed) {
        r->failed = true;
        r->err = *e;
        upload_free(r);  /* aborts any blob being written: nothing is kept */
        free(r->body);
        r->body = NULL;
        r->body_len = r->body_cap = 0;
    }
}

static int body_append(req *r, const char *data, size_t n, ota_err *e)
{
    if (r->body_len + n > r->body_max)
        return ota_fail(e, OTA_E_TOO_LARGE, NULL, "request body exceeds the limit of %zu bytes", r->body_max);
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b)
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        r->body = b;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = 0;
    return 0;
}

/* One spare request (and its body buffer) per server thread: a new req of
 * 2.5 KB from calloc made glibc consolidate its fast bins on every request
 * (a tenth of a check-in's cost).  Only small body buffers are kept. */
#define REQ_KEEP_BODY (64u << 10)
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_free(void *p)
{
    req *r = p;
    free(r->body);
    free(r);
}

static void spare_key_make(void) { pthread_key_create(&spare_key, spare_free); }

static req *req_new(void)
{
    pthread_once(&spare_once, spare_key_make);
    req *r = pthread_getspecific(spare_key);
    if (!r)
        return calloc(1, sizeof(req));
    pthread_setspecific(spare_key, NULL);
    char *body = r->body;
    size_t cap = r->body_cap;
    memset(r, 0, offsetof(req, err));  /* err is written before it is read */
    memset(&r->up, 0, sizeof *r - offsetof(req, up));
    r->body = body;
    r->body_cap = cap;
    return r;
}

static void req_release(req *r)
{
    pthread_once(&spare_once, spare_key_make);
    if (r->body_cap <= REQ_KEEP_BODY && !pthread_getspecific(spare_key) && pthread_setspecific(spare_key, r) == 0)
        return;
    spare_free(r);
}

static MHD_RESULT_T on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *data, size_t *size, void **con_cls)
{
    (void)version;
    otad *s = cls;
    req *r = *con_cls;
    if (!r) {
        r = req_new();
        if (!r)
            return MHD_NO;
        *con_cls = r;
        r->srv = s;
        r->conn = c;
        r->t0_ns = mono_ns();
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->path, sizeof r->path, "%s", url);
        atomic_fetch_add(&s->m.inflight, 1);
        r->started = true;
        return req_begin(r);
    }
    if (r->responded) {
        *size = 0;
        return MHD_YES;
    }
    if (*size) {
        ota_err e;
        ota_err_clear(&e);
        if (r->failed) {
            r->drained += *size;
            *size = 0;
            /* Enough of a refused body: close. */
            if (r->drained > OTAD_DRAIN_MAX)
                return MHD_NO;
            return MHD_YES;
        }
        int rc = r->up ? upload_feed(r, data, *size, &e) : body_append(r, data, *size, &e);
        *size = 0;
        if (rc < 0)
            req_fail(r, &e);
        return MHD_YES;
    }
    if (r->failed)
        return reply_error(r, &r->err);
    ota_actor_set(r->who[0] ? r->who : NULL);  /* the audit trail's actor: this request's token */
    MHD_RESULT_T res = r->route->fn(r);
    ota_actor_set(NULL);
    return res;
}

/* --------------------------------------------------------- completion */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    otad *s = cls;
    req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    upload_free(r);  /* an interrupted upload: the temp file goes */
    events_stream_free(r);
    checkin_pending_free(r);
    int64_t ns = mono_ns() - r->t0_ns;
    unsigned st = r->status < 600 ? r->status : 0;
    atomic_fetch_add(&s->m.http_by_status[st], 1);
    atomic_fetch_sub(&s->m.inflight, 1);
    static const char *const why[] = {"", "error", "timeout", "shutdown", "read-error", "aborted"};
    const char *w = (unsigned)toe < 6 ? why[toe] : "?";
    otad_log_request(r->method, r->path, r->status, (unsigned long long)r->bytes, ns, r->who, w);
    req_release(r);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = 0;
    otad_log(LOG_WARN, "http: %s", buf);
}

static char *read_file_all(const char *path, ota_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ota_fail(e, OTA_E_IO, "tls", "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *b = malloc(cap);
    size_t k;
    while (b && (k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    if (b)
        b[n] = 0;
    return b;
}

/* MHD keeps pointers to the PEM texts: they live until the daemon stops. */
static char *tls_cert, *tls_key;

void http_tls_free(void)
{
    free(tls_cert);
    if (tls_key)
        memset(tls_key, 0, strlen(tls_key));
    free(tls_key);
    tls_cert = tls_key = NULL;
}

/* The listening socket, made here rather than by libmicrohttpd so a taken
 * address is an error of its own.  SO_REUSEADDR only lets a restarted otad
 * bind while the last one's connections linger in TIME_WAIT; a port another
 * process listens on stays refused (EADDRINUSE) unless both asked for
 * SO_REUSEPORT (--reuse-port, a deliberate multi-process setup: the kernel
 * then splits the connections between them).  Sets s->cfg.port to the port
 * bound (port 0 picks one). */
static int listen_socket(otad *s, ota_err *e)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->cfg.port);
    if (inet_pton(AF_INET, s->cfg.listen_addr, &sa.sin_addr) != 1)
        return ota_fail(e, OTA_E_BAD_REQUEST, "listen", "'%s' is not an IPv4 address", s->cfg.listen_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return ota_fail(e, OTA_E_IO, "listen", "cannot make a socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s->cfg.reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        ota_fail(e, OTA_E_IO, "reuse_port", "cannot share the port: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, SOMAXCONN) < 0) {
        int err = errno;
        close(fd);
        if (err == EADDRINUSE)
            return ota_fail(e, OTA_E_CONFLICT, "listen", "%s:%d is already in use", s->cfg.listen_addr,
                            s->cfg.port);
        return ota_fail(e, OTA_E_IO, "listen", "cannot listen on %s:%d: %s", s->cfg.listen_addr, s->cfg.port,
                        strerror(err));
    }
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        s->cfg.port = ntohs(sa.sin_port);
    return fd;
}

struct MHD_Daemon *http_start(otad *s, ota_err *e)
{
    int fd = listen_socket(s, e);
    if (fd < 0)
        return NULL;
    /* Two modes (--threads).  N > 0, the default: a pool of N threads, each
     * with its own poll() loop; nothing waits on a pool thread: a check-in
     * that writes is suspended and handed to the committer (device.c), an
     * idle server-sent event stream is suspended too (events.c).  poll, not
     * epoll: libmicrohttpd 0.9.75's edge-triggered epoll sometimes missed a
     * client killed in the middle of an upload under CPU load (noticed only
     * at conn_timeout); poll is level-triggered and measured as fast.
     * 0: a thread per connection, poll(); a check-in that writes waits for
     * the group commit on its own thread.  README (otad) has figures. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
    if (s->cfg.threads > 0)
        flags |= MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME;
    else
        flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    char *cert = NULL, *key = NULL;
    if (s->cfg.tls_cert[0] || s->cfg.tls_key[0]) {
        if (!s->cfg.tls_cert[0] || !s->cfg.tls_key[0]) {
            ota_fail(e, OTA_E_BAD_REQUEST, "tls", "--tls-cert and --tls-key go together");
            close(fd);
            return NULL;
        }
        cert = tls_cert = read_file_all(s->cfg.tls_cert, e);
        key = tls_key = cert ? read_file_all(s->cfg.tls_key, e) : NULL;
        if (!key) {
            http_tls_free();
            close(fd);
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    /* MHD_OPTION_END ends the array early: unused entries go last. */
    struct MHD_OptionItem opts[4], *o = opts;
    if (s->cfg.threads > 1)
        *o++ = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, NULL};
    if (cert) {
        *o++ = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
        *o++ = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
    }
    *o = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)s->cfg.port, NULL, NULL, on_request, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.conn_timeout,
        /* MHD clears a connection's pool between requests: a bigger pool
         * costs every keep-alive request a bigger memset. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
        MHD_OPTION_ARRAY, opts,
        MHD_OPTION_END);
    if (!d) {
        ota_fail(e, OTA_E_IO, "listen", "cannot serve on %s:%d: %s", s->cfg.listen_addr, s->cfg.port,
                 strerror(errno));
        close(fd);
        http_tls_free();
        return NULL;
    }
    if (s->cfg.threads > 0 && (events_waker_start(s) < 0 || checkin_committer_start(s) < 0)) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "cannot start the event stream or check-in thread");
        events_waker_stop();
        MHD_stop_daemon(d);
        http_tls_free();
        return NULL;
    }
    return d;
}

void http_stop(otad *s)
{
    /* The waker ends first (it must not resume a connection MHD is closing);
     * MHD_stop_daemon resumes what is still suspended and closes it. */
    events_waker_stop();
    checkin_committer_stop();  /* resumes what it was given, after committing it */
    MHD_stop_daemon(s->daemon);
    http_tls_free();
}
