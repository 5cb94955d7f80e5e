/* remote.c: the remote backend, speaking API.md to an otad over libcurl.
 *
 * One CURL easy handle per backend, reset between requests, so libcurl's
 * connection cache keeps the TCP/TLS connection alive across calls; a mutex
 * guards it because the console's async worker and the loop may share a
 * backend.  Every body goes through the shared codec (core/codec.c), and an
 * API.md error body becomes the very ota_err the local backend would give.
 *
 * Network policy:
 *  - connect timeout and an overall timeout for JSON calls; file transfers
 *    use a low-speed limit instead (a 100 MiB upload may take a while, a
 *    stalled one must not take forever);
 *  - retries with exponential backoff only for idempotent requests (GET,
 *    PUT with If-Match, DELETE): a POST that may have been applied is never
 *    repeated;
 *  - TLS verification on unless the caller explicitly asks for insecure;
 *    proxies come from the usual environment variables (libcurl default).
 */
#include "backend.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RESP_MAX (64u << 20) /* JSON answers larger than this are refused */

typedef struct remote {
    ota_backend base;
    pthread_mutex_t mu;          /* guards curl: one request at a time */
    CURL *curl;
    char url[400];               /* as given, without trailing slash (messages) */
    char api[420];               /* url + "/api/v1" */
    char *auth;                  /* "Authorization: Bearer ..." or NULL */
    char *devkey;                /* "X-Device-Key: ..." or NULL */
    char *cacert;
    bool insecure;
    long connect_ms, timeout_ms;
    int retries;
} remote;

/* ------------------------------------------------------------ buffers */
typedef struct rbuf { char *p; size_t n, cap; bool overflow; } rbuf;

static void rbuf_free(rbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static bool rbuf_add(rbuf *b, const void *d, size_t n)
{
    if (b->n + n > RESP_MAX) {
        b->overflow = true;
        return false;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = 0;
    return true;
}

/* ---------------------------------------------------- URL composition */
/* Percent-encode one path segment or query value (RFC 3986 unreserved kept). */
static void url_escape(char *dst, size_t len, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            dst[o++] = (char)c;
        } else {
            dst[o++] = '%';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        }
    }
    dst[o] = 0;
}

/* Appends "&k=v" (or "?k=v" first) to a path being built. */
static void path_query(char *path, size_t len, const char *k, const char *v)
{
    if (!v || !*v)
        return;
    char esc[3 * 256 + 1];
    url_escape(esc, sizeof esc, v);
    size_t n = strlen(path);
    snprintf(path + n, len - n, "%s%s=%s", strchr(path, '?') ? "&" : "?", k, esc);
}

static void path_page(char *path, size_t len, const ota_page_req *pg)
{
    if (!pg)
        return;
    if (pg->limit > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", pg->limit);
        path_query(path, len, "limit", n);
    }
    path_query(path, len, "cursor", pg->cursor);
}

/* ------------------------------------------------------------ requests */
typedef struct req {
    const char *method;      /* GET POST PUT DELETE */
    const char *path;        /* below /api/v1, escaped */
    json_t *body;            /* JSON body or NULL (not stolen) */
    curl_mime *mime;         /* multipart body (uploads) */
    int64_t if_match;        /* > 0: If-Match: "<n>" */
    bool device;             /* X-Device-Key instead of the bearer token */
    bool transfer;           /* file transfer: low-speed limit, no overall timeout */
    /* Downloads: 2xx bytes go to fd (hashed), error bodies to the buffer. */
    int sink_fd;
    crypto_hash_sha256_state *sink_hash;
    uint64_t sink_bytes;
    bool sink_failed;
    /* results */
    int tries;               /* attempts made */
    long status;
    rbuf resp;
} req;

static bool req_idempotent(const req *q)
{
    return !strcmp(q->method, "GET") || !strcmp(q->method, "DELETE") ||
           (!strcmp(q->method, "PUT") && q->if_match > 0);
}

static size_t on_body(char *d, size_t sz, size_t nm, void *ud)
{
    req *q = ud;
    size_t n = sz * nm;
    return rbuf_add(&q->resp, d, n) ? n : 0;
}

/* Separate callback for downloads: it needs the handle to see the status. */
typedef struct sink_ctx { req *q; CURL *h; } sink_ctx;

static size_t on_sink(char *d, size_t sz, size_t nm, void *ud)
{
    sink_ctx *c = ud;
    req *q = c->q;
    size_t n = sz * nm;
    long st = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &st);
    if (st >= 300)
        return rbuf_add(&q->resp, d, n) ? n : 0;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(q->sink_fd, d + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            q->sink_failed = true;
            return 0;
        }
        off += (size_t)w;
    }
    crypto_hash_sha256_update(q->sink_hash, (const unsigned char *)d, n);
    q->sink_bytes += n;
    return n;
}

/* A curl failure as one sentence a field engineer can act on. */
static int fail_transport(remote *r, CURLcode cc, const char *errbuf, ota_err *e)
{
    const char *why;
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
        why = "connection refused (is otad running there?)";
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        why = "host name not found";
        break;
    case CURLE_COULDNT_RESOLVE_PROXY:
        why = "proxy host name not found (check https_proxy/http_proxy)";
        break;
    case CURLE_OPERATION_TIMEDOUT:
        why = "no answer within the timeout";
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        why = "TLS certificate not trusted (use --cacert FILE for a private CA)";
        break;
    case CURLE_SSL_CONNECT_ERROR:
        why = "TLS handshake failed";
        break;
    case CURLE_SSL_CACERT_BADFILE:
        why = "cannot read the CA file given with --cacert";
        break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        why = "connection dropped by the server";
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return ota_fail(e, OTA_E_BAD_REQUEST, "url", "%s: not a usable http:// or https:// URL",
                        r->url);
    default:
        why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
        break;
    }
    return ota_fail(e, OTA_E_UNAVAILABLE, NULL, "cannot reach %s: %s", r->url, why);
}

static bool transport_retryable(CURLcode cc)
{
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
           cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
           cc == CURLE_PARTIAL_FILE || cc == CURLE_COULDNT_RESOLVE_HOST;
}

/* An HTTP error status -> ota_err, from the API.md body when there is one. */
static int fail_status(remote *r, req *q, ota_err *e)
{
    if (q->resp.n) {
        ota_err pe;
        json_t *j = ota_json_parse(q->resp.p, q->resp.n, &pe);
        if (j) {
            ota_err got = {0};
            int rc = ota_error_from_json(j, &got);
            json_decref(j);
            if (rc == 0 && got.code != OTA_OK) {
                if (e)
                    *e = got;
                return -1;
            }
        }
    }
    ota_code c;
    switch (q->status) {
    case 400: c = OTA_E_BAD_REQUEST; break;
    case 401: c = OTA_E_UNAUTHORIZED; break;
    case 403: c = OTA_E_FORBIDDEN; break;
    case 404: c = OTA_E_NOT_FOUND; break;
    case 405: c = OTA_E_METHOD; break;
    case 409: c = OTA_E_CONFLICT; break;
    case 413: c = OTA_E_TOO_LARGE; break;
    case 415: c = OTA_E_UNSUPPORTED_MEDIA; break;
    case 422: c = OTA_E_VALIDATION; break;
    case 502: case 503: case 504: c = OTA_E_UNAVAILABLE; break;
    default: c = OTA_E_INTERNAL; break;
    }
    return ota_fail(e, c, NULL, "%s answered HTTP %ld to %s %s", r->url, q->status, q->method,
                    q->path);
}

static struct curl_slist *req_headers(remote *r, req *q)
{
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Accept: application/json");
    if (q->body)
        h = curl_slist_append(h, "Content-Type: application/json");
    if (q->device && r->devkey)
        h = curl_slist_append(h, r->devkey);
    else if (!q->device && r->auth)
        h = curl_slist_append(h, r->auth);
    if (q->if_match > 0) {
        char im[64];
        snprintf(im, sizeof im, "If-Match: \"%" PRId64 "\"", q->if_match);
        h = curl_slist_append(h, im);
    }
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    return h;
}

static void req_setup(remote *r, req *q, const char *url, const char *body,
                      struct curl_slist *hdrs, sink_ctx *sc, char *errbuf)
{
    CURL *c = r->curl;
    curl_easy_reset(c); /* keeps the connection cache: keep-alive survives */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "otaconsole/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_ms);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (q->transfer) {
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, r->timeout_ms / 1000 > 0 ? r->timeout_ms / 1000 : 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    }
    if (r->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, r->cacert);
    if (r->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (q->mime) {
        curl_easy_setopt(c, CURLOPT_MIMEPOST, q->mime);
    } else if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (strcmp(q->method, "GET") && strcmp(q->method, "POST"))
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
    else if (!strcmp(q->method, "POST") && !body && !q->mime)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    if (q->sink_fd >= 0) {
        sc->q = q;
        sc->h = c;
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sink);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, sc);
    } else {
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
    }
}

/* Back off before retry n (1-based): 200 ms, 400 ms, 800 ms ... capped at 5 s. */
static void backoff(int n)
{
    long ms = 200L << (n - 1 < 5 ? n - 1 : 5);
    if (ms > 5000)
        ms = 5000;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Download sinks restart from zero on a retry. */
static bool sink_rewind(req *q)
{
    if (q->sink_fd < 0)
        return true;
    if (ftruncate(q->sink_fd, 0) < 0 || lseek(q->sink_fd, 0, SEEK_SET) < 0)
        return false;
    crypto_hash_sha256_init(q->sink_hash);
    q->sink_bytes = 0;
    return true;
}

/* Performs q; 0 with q->status 2xx and q->resp filled, else -1 with *e. */
static int remote_do(remote *r, req *q, ota_err *e)
{
    char url[4096];
    snprintf(url, sizeof url, "%s%s", r->api, q->path);
    char *body = q->body ? json_dumps(q->body, JSON_COMPACT) : NULL;
    if (q->body && !body)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory encoding the request");
    struct curl_slist *hdrs = req_headers(r, q);
    int attempts = req_idempotent(q) ? 1 + r->retries : 1;
    int rc = -1;
    pthread_mutex_lock(&r->mu);
    for (int a = 1; a <= attempts; a++) {
        char errbuf[CURL_ERROR_SIZE] = "";
        q->tries = a;
        sink_ctx sc;
        rbuf_free(&q->resp);
        q->status = 0;
        if (a > 1 && !sink_rewind(q)) {
            rc = ota_fail(e, OTA_E_IO, NULL, "cannot rewind the download file: %s", strerror(errno));
            break;
        }
        req_setup(r, q, url, body, hdrs, &sc, errbuf);
        CURLcode cc = curl_easy_perform(r->curl);
        curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &q->status);
        if (cc == CURLE_WRITE_ERROR && q->sink_failed) {
            rc = ota_fail(e, OTA_E_IO, NULL, "cannot write the download: %s", strerror(errno));
            break;
        }
        if (cc == CURLE_WRITE_ERROR && q->resp.overflow) {
            rc = ota_fail(e, OTA_E_TOO_LARGE, NULL, "%s sent an answer over %u MiB to %s %s",
                          r->url, RESP_MAX >> 20, q->method, q->path);
            break;
        }
        if (cc != CURLE_OK) {
            if (a < attempts && transport_retryable(cc)) {
                backoff(a);
                continue;
            }
            rc = fail_transport(r, cc, errbuf, e);
            break;
        }
        if (q->status >= 200 && q->status < 300) {
            rc = 0;
            break;
        }
        if (a < attempts && (q->status == 502 || q->status == 503 || q->status == 504)) {
            backoff(a);
            continue;
        }
        rc = fail_status(r, q, e);
        break;
    }
    pthread_mutex_unlock(&r->mu);
    curl_slist_free_all(hdrs);
    free(body);
    return rc;
}

/* A JSON call: *out receives the parsed answer (NULL for an empty one);
 * *tries (if not NULL) the number of attempts made. */
static int remote_json_tries(remote *r, const char *method, const char *path, json_t *body,
                             int64_t if_match, bool device, json_t **out, int *tries, ota_err *e)
{
    req q = {.method = method, .path = path, .body = body, .if_match = if_match,
             .device = device, .sink_fd = -1};
    if (out)
        *out = NULL;
    int rc = remote_do(r, &q, e);
    if (tries)
        *tries = q.tries;
    if (rc == 0 && out && q.resp.n) {
        *out = ota_json_parse(q.resp.p, q.resp.n, e);
        if (!*out)
            rc = -1;
    }
    rbuf_free(&q.resp);
    return rc;
}

static int remote_json(remote *r, const char *method, const char *path, json_t *body,
                       int64_t if_match, bool device, json_t **out, ota_err *e)
{
    return remote_json_tries(r, method, path, body, if_match, device, out, NULL, e);
}

#define R(b) ((remote *)(b))

/* ------------------------------------------------------------ decoding */
static int bad_answer(remote *r, ota_err *e, const char *what)
{
    return ota_fail(e, OTA_E_BAD_REQUEST, NULL, "%s sent an unexpected answer: %s", r->url, what);
}

/* A plan as the server sent it (the codec reads the server-owned fields too). */
static int plan_decode(remote *r, json_t *j, ota_plan *out, ota_err *e)
{
    if (!json_is_object(j))
        return bad_answer(r, e, "plan is not an object");
    return ota_plan_from_json(j, out, e); /* out is output only, as in core */
}

static int plan_answer(remote *r, json_t *j, ota_plan *out, ota_err *e)
{
    int rc = j ? (out ? plan_decode(r, j, out, e) : 0) : bad_answer(r, e, "empty body");
    json_decref(j);
    return rc;
}

/* ------------------------------------------------- products and devices */
static int r_product_add(ota_backend *b, const ota_product *p, char *device_key_out, ota_err *e)
{
    if (ota_validate_product(p, e) < 0)
        return -1;
    json_t *body = ota_json_product(p), *j = NULL;
    int rc = remote_json(R(b), "POST", "/products", body, 0, false, &j, e);
    json_decref(body);
    if (rc == 0) {
        ota_product got;
        rc = ota_product_added_from_json(j, &got, device_key_out, e);
    }
    json_decref(j);
    return rc;
}

static int r_product_list_all(ota_backend *b, ota_product_list *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    char cursor[OTA_CURSOR_MAX] = "";
    do {
        char path[512] = "/products?limit=1000";
        path_query(path, sizeof path, "cursor", cursor);
        json_t *j = NULL, *items;
        if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
            ota_page_from_json(j, &items, cursor, e) < 0)
            goto fail_j;
        size_t n = json_array_size(items);
        ota_product *v = realloc(out->items, (out->n + n + 1) * sizeof *v);
        if (!v) {
            ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            goto fail_j;
        }
        out->items = v;
        for (size_t i = 0; i < n; i++) {
            memset(&v[out->n], 0, sizeof v[out->n]);
            if (ota_product_from_json(json_array_get(items, i), &v[out->n], e) < 0)
                goto fail_j;
            out->n++;
        }
        json_decref(j);
        continue;
    fail_j:
        json_decref(j);
        ota_product_list_free(out);
        return -1;
    } while (cursor[0]);
    return 0;
}

/* The server takes devices as a JSON array.  The file (.json or .csv) is
 * read by core's own device file parser, so every file error (line,
 * column, rule) is exactly the local backend's; the rules a device must
 * meet in its product are the server's, as they are the local engine's.
 * Each device goes as core's codec writes it, less the members that say
 * nothing (an empty product, nulls), so a large fleet's body stays small. */
static json_t *device_body(const ota_device *d)
{
    json_t *j = ota_json_device(d), *v;
    const char *k;
    void *tmp;
    json_object_foreach_safe(j, tmp, k, v)
        if (json_is_null(v) || (!strcmp(k, "product") && !d->product[0]))
            json_object_del(j, k);
    return j;
}

static json_t *devices_file_json(const char *path, ota_err *e)
{
    ota_devfile *f;
    if (ota_devfile_open_file(path, &f, e) < 0)
        return NULL;
    json_t *arr = json_array();
    ota_device d;
    int r;
    while ((r = ota_devfile_next(f, &d, e)) == 1)
        json_array_append_new(arr, device_body(&d));
    ota_devfile_close(f);
    if (r < 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static int r_device_import(ota_backend *b, const char *product, const char *path,
                           ota_import_result *res, ota_err *e)
{
    json_t *body = devices_file_json(path, e);
    if (!body)
        return -1;
    char key[3 * OTA_KEY_MAX + 1], p[300];
    url_escape(key, sizeof key, product);
    snprintf(p, sizeof p, "/products/%s/devices", key);
    json_t *j = NULL;
    int rc = remote_json(R(b), "POST", p, body, 0, false, &j, e);
    json_decref(body);
    if (rc == 0 && res)
        rc = ota_import_result_from_json(j, res, e);
    json_decref(j);
    return rc;
}

static int r_device_list(ota_backend *b, const char *product, const char *q,
                         const ota_page_req *pg, ota_device_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char key[3 * OTA_KEY_MAX + 1], path[1024];
    url_escape(key, sizeof key, product ? product : "");
    snprintf(path, sizeof path, "/products/%s/devices", key);
    path_query(path, sizeof path, "q", q);
    path_page(path, sizeof path, pg);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (ota_device_from_json(it, &out->items[out->n], e) < 0)
            goto fail;
        out->n++;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_device_page_free(out);
    return -1;
}

static int r_device_detail(ota_backend *b, const char *product, const char *id, ota_device *out,
                           json_t **attrs, ota_err *e)
{
    if (attrs)
        *attrs = NULL;
    char key[3 * OTA_KEY_MAX + 1], dev[3 * OTA_DEVICE_ID_MAX + 1], path[1024];
    url_escape(key, sizeof key, product ? product : "");
    url_escape(dev, sizeof dev, id ? id : "");
    snprintf(path, sizeof path, "/products/%s/devices/%s", key, dev);
    json_t *j = NULL;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0)
        return -1;
    int rc = ota_device_detail_from_json(j, out, attrs, e);
    json_decref(j);
    return rc;
}

/* ------------------------------------------------------------ packages */
static int pkg_answer(remote *r, json_t *j, ota_package *out, ota_err *e)
{
    if (!json_is_object(j))
        return bad_answer(r, e, "package is not an object");
    memset(out, 0, sizeof *out);
    return ota_package_from_json(j, out, e);
}

static int r_package_get(ota_backend *b, int64_t id, ota_package *out, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/packages/%" PRId64, id);
    json_t *j = NULL;
    int rc = remote_json(R(b), "GET", path, NULL, 0, false, &j, e);
    if (rc == 0)
        rc = pkg_answer(R(b), j, out, e);
    json_decref(j);
    return rc;
}

static int r_package_delete(ota_backend *b, int64_t id, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/packages/%" PRId64, id);
    return remote_json(R(b), "DELETE", path, NULL, 0, false, NULL, e);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Validates like the local engine does, and hashes every file before sending. */
static int upload_prepare(const ota_package_meta *m, const char *const *paths, size_t n,
                          char sums[][65], ota_err *e)
{
    if (ota_validate_package_meta(m, e) < 0 || ota_validate_file_count(n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t size = 0;
        struct stat st;
        if (ota_validate_file_name(base_name(paths[i]), e) < 0)
            return -1;
        /* Size first: no point hashing a file the server will refuse. */
        if (stat(paths[i], &st) == 0 &&
            ota_validate_file_size(base_name(paths[i]), (uint64_t)st.st_size, e) < 0)
            return -1;
        if (ota_sha256_file(paths[i], sums[i], &size, e) < 0)
            return -1;
        if (ota_validate_file_size(base_name(paths[i]), size, e) < 0)
            return -1;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(base_name(paths[k]), base_name(paths[i])))
                return ota_fail(e, OTA_E_VALIDATION, "files", "%s: file name given twice",
                                base_name(paths[i]));
    }
    return 0;
}

static int r_package_create(ota_backend *b, const ota_package_meta *m, const char *const *paths,
                            size_t npaths, ota_package *out, ota_err *e)
{
    remote *r = R(b);
    char sums[OTA_MAX_FILES][65];
    if (upload_prepare(m, paths, npaths, sums, e) < 0)
        return -1;
    req q = {.method = "POST", .path = "/packages", .transfer = true, .sink_fd = -1};
    q.mime = curl_mime_init(r->curl);
    json_t *mj = ota_json_package_meta(m);
    char *meta = json_dumps(mj, JSON_COMPACT);
    json_decref(mj);
    curl_mimepart *part = curl_mime_addpart(q.mime);
    curl_mime_name(part, "meta");
    curl_mime_data(part, meta, CURL_ZERO_TERMINATED);
    curl_mime_type(part, "application/json");
    free(meta);
    for (size_t i = 0; i < npaths; i++) {
        part = curl_mime_addpart(q.mime);
        curl_mime_name(part, "file");
        if (curl_mime_filedata(part, paths[i]) != CURLE_OK) {
            curl_mime_free(q.mime);
            return ota_fail(e, OTA_E_IO, "files", "%s: cannot read", paths[i]);
        }
        curl_mime_filename(part, base_name(paths[i]));
        curl_mime_type(part, "application/octet-stream");
    }
    int rc = remote_do(r, &q, e);
    curl_mime_free(q.mime);
    json_t *j = NULL;
    ota_package got;
    if (rc == 0) {
        j = ota_json_parse(q.resp.p, q.resp.n, e);
        rc = j ? pkg_answer(r, j, &got, e) : -1;
    }
    json_decref(j);
    rbuf_free(&q.resp);
    if (rc < 0)
        return -1;
    /* End-to-end check: the server's hash of what it stored must be ours. */
    for (size_t i = 0; i < npaths; i++) {
        const char *name = base_name(paths[i]), *theirs = NULL;
        for (size_t k = 0; k < got.nfiles; k++)
            if (!strcmp(got.files[k].name, name))
                theirs = got.files[k].sha256;
        if (!theirs || strcmp(theirs, sums[i])) {
            ota_err ig;
            r_package_delete(b, got.id, &ig);
            return ota_fail(e, OTA_E_IO, "files",
                            "%s: corrupted in transfer (local sha256 %s, server %s); "
                            "package %" PRId64 " deleted on the server",
                            name, sums[i], theirs ? theirs : "missing", got.id);
        }
    }
    if (out)
        *out = got;
    return 0;
}

static int r_package_list(ota_backend *b, const char *component, const ota_page_req *pg,
                          ota_package_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char path[1024] = "/packages";
    path_query(path, sizeof path, "component", component);
    path_page(path, sizeof path, pg);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < json_array_size(items); i++) {
        if (pkg_answer(R(b), json_array_get(items, i), &out->items[out->n], e) < 0)
            goto fail;
        out->n++;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_package_page_free(out);
    return -1;
}

static int r_package_verify(ota_backend *b, int64_t id, ota_verify_result *out, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/packages/%" PRId64 "/verify", id);
    json_t *j = NULL;
    int rc = remote_json(R(b), "POST", path, NULL, 0, false, &j, e);
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        rc = j ? ota_verify_from_json(j, out, e) : bad_answer(R(b), e, "empty body");
    }
    json_decref(j);
    return rc;
}

/* Temp file next to dest, so the final rename stays on one file system. */
static int open_temp(const char *dest, char *tmp, size_t len, ota_err *e)
{
    snprintf(tmp, len, "%s.part-XXXXXX", dest);
    int fd = mkstemp(tmp);
    if (fd < 0)
        ota_fail(e, OTA_E_IO, "dest", "%s: cannot create: %s", tmp, strerror(errno));
    return fd;
}

static int r_package_download(ota_backend *b, int64_t id, const char *file_name,
                              const char *dest_path, ota_err *e)
{
    remote *r = R(b);
    ota_package pkg;
    if (r_package_get(b, id, &pkg, e) < 0)
        return -1;
    const ota_file *f = NULL;
    for (size_t i = 0; i < pkg.nfiles; i++)
        if (!strcmp(pkg.files[i].name, file_name))
            f = &pkg.files[i];
    if (!f)
        return ota_fail(e, OTA_E_NOT_FOUND, "file", "package %" PRId64 " has no file %s", id,
                        file_name);
    char tmp[PATH_MAX + 16], name[3 * OTA_FILE_NAME_MAX + 1], path[1024];
    int fd = open_temp(dest_path, tmp, sizeof tmp, e);
    if (fd < 0)
        return -1;
    url_escape(name, sizeof name, file_name);
    snprintf(path, sizeof path, "/packages/%" PRId64 "/files/%s", id, name);
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    req q = {.method = "GET", .path = path, .transfer = true, .sink_fd = fd, .sink_hash = &hs};
    int rc = remote_do(r, &q, e);
    rbuf_free(&q.resp);
    if (rc == 0) {
        unsigned char d[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256_final(&hs, d);
        sodium_bin2hex(hex, sizeof hex, d, sizeof d);
        if (strcmp(hex, f->sha256) || q.sink_bytes != f->size)
            rc = ota_fail(e, OTA_E_IO, "file",
                          "%s: corrupted in transfer (got %" PRIu64 " bytes, sha256 %s; "
                          "expected %" PRIu64 " bytes, sha256 %s); nothing saved",
                          file_name, q.sink_bytes, hex, f->size, f->sha256);
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = ota_fail(e, OTA_E_IO, "dest", "%s: %s", tmp, strerror(errno));
    close(fd);
    if (rc == 0 && rename(tmp, dest_path) < 0)
        rc = ota_fail(e, OTA_E_IO, "dest", "%s: %s", dest_path, strerror(errno));
    if (rc < 0)
        unlink(tmp);
    return rc;
}

/* --------------------------------------------------------------- plans */
static int r_plan_create(ota_backend *b, ota_plan *p, ota_err *e)
{
    if (ota_validate_plan(p, e) < 0)
        return -1;
    json_t *body = ota_json_plan(p), *j = NULL;
    int rc = remote_json(R(b), "POST", "/plans", body, 0, false, &j, e);
    json_decref(body);
    if (rc < 0)
        return -1;
    ota_plan_free(p); /* in/out: the answer replaces the caller's lists */
    return plan_answer(R(b), j, p, e);
}

static int r_plan_get(ota_backend *b, int64_t id, ota_plan *out, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/plans/%" PRId64, id);
    json_t *j = NULL;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0)
        return -1;
    return plan_answer(R(b), j, out, e);
}

static int r_plan_list(ota_backend *b, int state, const char *product, const ota_page_req *pg,
                       ota_plan_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char path[1024] = "/plans";
    if (state >= 0 && state < OTA_PLAN__COUNT)
        path_query(path, sizeof path, "state", ota_plan_state_str((ota_plan_state)state));
    path_query(path, sizeof path, "product", product);
    path_page(path, sizeof path, pg);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < json_array_size(items); i++) {
        ota_plan_init(&out->items[out->n]);
        out->n++;
        if (plan_decode(R(b), json_array_get(items, i), &out->items[out->n - 1], e) < 0)
            goto fail;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_plan_page_free(out);
    return -1;
}

/* A retried PUT whose first attempt was applied (answer lost on the way)
 * comes back as a conflict.  If the server now holds exactly what we sent,
 * at the next revision, the update did happen: *out gets the plan JSON. */
static int update_was_applied(ota_backend *b, const ota_plan *sent, json_t *body, json_t **out)
{
    static const char *const server_owned[] = {"id", "state", "revision", "created_at",
                                               "updated_at", "activated_at", "paused_from", NULL};
    char path[64];
    ota_err ig;
    json_t *got = NULL;
    snprintf(path, sizeof path, "/plans/%" PRId64, sent->id);
    if (remote_json(R(b), "GET", path, NULL, 0, false, &got, &ig) < 0 || !got)
        return -1;
    json_t *a = json_deep_copy(body), *g = json_deep_copy(got);
    for (int i = 0; server_owned[i]; i++) {
        json_object_del(a, server_owned[i]);
        json_object_del(g, server_owned[i]);
    }
    ota_plan now;
    ota_plan_init(&now);
    bool same = json_equal(a, g) && ota_plan_from_json(got, &now, &ig) == 0 &&
                now.revision == sent->revision + 1;
    ota_plan_free(&now);
    json_decref(a);
    json_decref(g);
    if (!same) {
        json_decref(got);
        return -1;
    }
    *out = got;
    return 0;
}

static int r_plan_update(ota_backend *b, ota_plan *p, ota_err *e)
{
    if (ota_validate_plan(p, e) < 0)
        return -1;
    if (p->revision <= 0)
        return ota_fail(e, OTA_E_CONFLICT, "revision", "an update needs the plan's revision");
    char path[64];
    snprintf(path, sizeof path, "/plans/%" PRId64, p->id);
    json_t *body = ota_json_plan(p), *j = NULL;
    int tries = 1;
    int rc = remote_json_tries(R(b), "PUT", path, body, p->revision, false, &j, &tries, e);
    if (rc < 0 && tries > 1 && e->code == OTA_E_CONFLICT)
        rc = update_was_applied(b, p, body, &j);
    json_decref(body);
    if (rc < 0)
        return -1;
    ota_plan_free(p); /* in/out: the answer replaces the caller's lists */
    return plan_answer(R(b), j, p, e);
}

static int r_plan_delete(ota_backend *b, int64_t id, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/plans/%" PRId64, id);
    return remote_json(R(b), "DELETE", path, NULL, 0, false, NULL, e);
}

/* No endpoint of its own: read both plans, merge, and update `to` with its
 * revision, so a concurrent edit surfaces as a conflict exactly as locally. */
static int r_plan_copy_components(ota_backend *b, int64_t from, int64_t to, ota_plan *out,
                                  ota_err *e)
{
    ota_plan src, dst;
    ota_plan_init(&src);
    ota_plan_init(&dst);
    int rc = -1;
    if (r_plan_get(b, from, &src, e) < 0 || r_plan_get(b, to, &dst, e) < 0)
        goto done;
    for (size_t i = 0; i < src.ncomponents; i++) {
        size_t k = 0;
        while (k < dst.ncomponents && strcmp(dst.components[k].component, src.components[i].component))
            k++;
        if (k == dst.ncomponents) {
            if (dst.ncomponents == OTA_MAX_COMPONENTS) {
                ota_fail(e, OTA_E_VALIDATION, "components", "at most %d components",
                         OTA_MAX_COMPONENTS);
                goto done;
            }
            dst.ncomponents++;
        }
        dst.components[k] = src.components[i];
    }
    if (r_plan_update(b, &dst, e) < 0)
        goto done;
    rc = out ? ota_plan_copy(out, &dst) : 0;
    if (rc < 0)
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
done:
    ota_plan_free(&src);
    ota_plan_free(&dst);
    return rc;
}

static int r_plan_transition(ota_backend *b, int64_t id, ota_action a, ota_plan *out, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/%s", id, ota_action_str(a));
    json_t *j = NULL;
    if (remote_json(R(b), "POST", path, NULL, 0, false, &j, e) < 0)
        return -1;
    return plan_answer(R(b), j, out, e);
}

/* GET path and decode with fn into out. */
static int get_decode(ota_backend *b, const char *path, int (*fn)(json_t *, void *, ota_err *),
                      void *out, ota_err *e)
{
    json_t *j = NULL;
    int rc = remote_json(R(b), "GET", path, NULL, 0, false, &j, e);
    if (rc == 0)
        rc = j ? fn(j, out, e) : bad_answer(R(b), e, "empty body");
    json_decref(j);
    return rc;
}

static int dec_preview(json_t *j, void *o, ota_err *e) { return ota_preview_from_json(j, o, e); }
static int dec_status(json_t *j, void *o, ota_err *e) { return ota_status_from_json(j, o, e); }
static int dec_events(json_t *j, void *o, ota_err *e) { return ota_events_from_json(j, o, e); }

static int r_plan_preview(ota_backend *b, int64_t id, ota_preview *out, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/preview", id);
    memset(out, 0, sizeof *out);
    return get_decode(b, path, dec_preview, out, e);
}

static int r_plan_status_get(ota_backend *b, int64_t id, ota_plan_status *out, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/status", id);
    memset(out, 0, sizeof *out);
    return get_decode(b, path, dec_status, out, e);
}

static int r_plan_devices(ota_backend *b, int64_t id, int state, const ota_page_req *pg,
                          ota_job_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char path[1024];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/devices", id);
    if (state >= 0 && state < OTA_JOB__COUNT)
        path_query(path, sizeof path, "state", ota_job_state_str((ota_job_state)state));
    path_page(path, sizeof path, pg);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < json_array_size(items); i++) {
        if (ota_job_row_from_json(json_array_get(items, i), &out->items[out->n], e) < 0)
            goto fail;
        out->n++;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_job_page_free(out);
    return -1;
}

static int r_plan_events(ota_backend *b, int64_t id, int64_t since, int limit,
                         ota_event_page *out, ota_err *e)
{
    char path[128];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/events?since=%" PRId64, id, since);
    if (limit > 0)
        snprintf(path + strlen(path), sizeof path - strlen(path), "&limit=%d", limit);
    memset(out, 0, sizeof *out);
    if (get_decode(b, path, dec_events, out, e) < 0)
        return -1;
    /* A server that ignores limit still gives the caller at most limit. */
    if (limit > 0 && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->last_seq = out->items[limit - 1].seq;
    }
    return 0;
}

/* ---------------------------------------------------------- device API */
static int r_checkin(ota_backend *b, const ota_checkin_req *c, ota_job_offer *out, ota_err *e)
{
    json_t *body = ota_json_checkin(c), *j = NULL;
    int rc = remote_json(R(b), "POST", "/device/checkin", body, 0, true, &j, e);
    json_decref(body);
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        rc = j ? ota_offer_from_json(j, out, e) : bad_answer(R(b), e, "empty body");
    }
    json_decref(j);
    return rc;
}

static int r_job_confirm(ota_backend *b, int64_t job, const char *device, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/device/jobs/%" PRId64 "/confirm", job);
    json_t *body = ota_json_job_confirm(device);
    int rc = remote_json(R(b), "POST", path, body, 0, true, NULL, e);
    json_decref(body);
    return rc;
}

static int r_job_report(ota_backend *b, int64_t job, const char *device, ota_job_state to,
                        int progress, const char *error_text, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/device/jobs/%" PRId64 "/report", job);
    json_t *body = ota_json_job_report(device, to, progress, error_text);
    int rc = remote_json(R(b), "POST", path, body, 0, true, NULL, e);
    json_decref(body);
    return rc;
}

/* ------------------------------------------------------------ lifetime */
static void r_close(ota_backend *b)
{
    remote *r = R(b);
    if (!r)
        return;
    curl_easy_cleanup(r->curl);
    pthread_mutex_destroy(&r->mu);
    if (r->auth)
        sodium_memzero(r->auth, strlen(r->auth));
    free(r->auth);
    free(r->devkey);
    free(r->cacert);
    free(r);
}

/* ---------------------------------------------------------------- trust */
static int r_package_sign_add(ota_backend *b, int64_t id, const ota_signature *sig, ota_package *out, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/packages/%" PRId64 "/signatures", id);
    json_t *body = ota_json_signature_add(sig), *j = NULL;
    int rc = body ? remote_json(R(b), "POST", path, body, 0, false, &j, e)
                  : ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    json_decref(body);
    if (rc == 0 && out)
        rc = j ? pkg_answer(R(b), j, out, e) : bad_answer(R(b), e, "empty body");
    json_decref(j);
    return rc;
}

static int r_audit_list(ota_backend *b, const ota_audit_query *q, ota_audit_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = q->page;
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char path[1024] = "/audit", since[40];
    path_query(path, sizeof path, "actor", q->actor);
    path_query(path, sizeof path, "target", q->target);
    path_query(path, sizeof path, "since", q->since ? ota_time_format(q->since, since, sizeof since) : NULL);
    path_page(path, sizeof path, &q->page);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    if (!out->items) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(items); i++) {
        if (ota_audit_row_from_json(json_array_get(items, i), &out->items[out->n], e) < 0)
            goto fail;
        out->n++;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_audit_page_free(out);
    return -1;
}

static const ota_backend_ops remote_ops = {
    .kind = "remote",
    .close = r_close,
#define OP(name, local, params, args) .name = r_##name,
    OTA_BACKEND_OPS(OP)
#undef OP
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sodium_init() < 0)
        abort(); /* no usable randomness/hash: nothing safe to do */
}

static char *header_dup(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *h = malloc(n);
    if (h)
        snprintf(h, n, "%s: %s", name, value);
    return h;
}

ota_backend *ota_backend_remote_open(const ota_remote_opts *o, ota_err *e)
{
    if (!o || !o->url || !*o->url) {
        ota_fail(e, OTA_E_BAD_REQUEST, "url", "a remote server URL is required");
        return NULL;
    }
    if (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8)) {
        ota_fail(e, OTA_E_BAD_REQUEST, "url", "%s: the URL must start with http:// or https://",
                 o->url);
        return NULL;
    }
    size_t ul = strlen(o->url);
    while (ul > 0 && o->url[ul - 1] == '/')
        ul--;
    if (ul >= sizeof ((remote *)0)->url) {
        ota_fail(e, OTA_E_BAD_REQUEST, "url", "URL too long (at most 399 bytes)");
        return NULL;
    }
    for (const char *t = o->token; t && *t; t++)
        if ((unsigned char)*t < 0x21 || *t == 0x7f) {
            ota_fail(e, OTA_E_BAD_REQUEST, "token", "token contains spaces or control characters");
            return NULL;
        }
    pthread_once(&curl_once, curl_init_once);
    remote *r = calloc(1, sizeof *r);
    if (!r || !(r->curl = curl_easy_init())) {
        free(r);
        ota_fail(e, OTA_E_INTERNAL, NULL, "cannot initialise libcurl");
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    r->base.ops = &remote_ops;
    memcpy(r->url, o->url, ul);
    r->url[ul] = 0;
    snprintf(r->api, sizeof r->api, "%s/api/v1", r->url);
    if (o->token && *o->token) {
        char bearer[8 + 1024];
        snprintf(bearer, sizeof bearer, "Bearer %s", o->token);
        r->auth = header_dup("Authorization", bearer);
    }
    if (o->device_key && *o->device_key)
        r->devkey = header_dup("X-Device-Key", o->device_key);
    if (o->cacert && *o->cacert)
        r->cacert = strdup(o->cacert);
    r->insecure = r->base.insecure = o->insecure;
    r->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
    r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    r->retries = o->retries > 0 ? o->retries : (o->retries < 0 ? 0 : 2);
    snprintf(r->base.where, sizeof r->base.where, "remote: %s%s", r->url,
             r->insecure ? " (TLS verification off)" : "");
    return &r->base;
}
