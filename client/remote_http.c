/* remote_http.c: the remote backend's transport, speaking API.md to an otad
 * over libcurl: requests, retries, TLS and auth headers, answers and errors.
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
#include "remote_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ buffers */
void remote_rbuf_free(rbuf *b)
{
    if (b->p)  /* answers may hold a secret shown once (a device key, a token) */
        sodium_memzero(b->p, b->n);
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
void remote_url_escape(char *dst, size_t len, const char *s)
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

void remote_path_query(char *path, size_t len, const char *k, const char *v)
{
    if (!v || !*v)
        return;
    char esc[3 * 256 + 1];
    remote_url_escape(esc, sizeof esc, v);
    size_t n = strlen(path);
    snprintf(path + n, len - n, "%s%s=%s", strchr(path, '?') ? "&" : "?", k, esc);
}

void remote_path_page(char *path, size_t len, const ota_page_req *pg)
{
    if (!pg)
        return;
    if (pg->limit > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", pg->limit);
        remote_path_query(path, len, "limit", n);
    }
    remote_path_query(path, len, "cursor", pg->cursor);
}

/* ------------------------------------------------------------ requests */
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
    case 429: c = OTA_E_RATE_LIMITED; break;
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
    const char *cred = !q->device ? r->auth : r->devtoken && !q->enroll ? r->devtoken : r->devkey;
    if (cred)
        h = curl_slist_append(h, cred);
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

int remote_do(remote *r, req *q, ota_err *e)
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
        remote_rbuf_free(&q->resp);
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

int remote_json_tries(remote *r, const char *method, const char *path, json_t *body,
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
    remote_rbuf_free(&q.resp);
    return rc;
}

int remote_json(remote *r, const char *method, const char *path, json_t *body,
                int64_t if_match, bool device, json_t **out, ota_err *e)
{
    return remote_json_tries(r, method, path, body, if_match, device, out, NULL, e);
}

/* ------------------------------------------------- unexpected answers */
int remote_bad_answer(remote *r, ota_err *e, const char *what)
{
    return ota_fail(e, OTA_E_BAD_REQUEST, NULL, "%s sent an unexpected answer: %s", r->url, what);
}
