/* remote_internal.h: private to the remote backend's files (not the
 * console's tui/remote.h): the backend object, the request record and the
 * transport calls of remote_http.c that remote_catalogue.c and
 * remote_rollout.c build the operations on, and those operations, declared
 * from the list in backend.h for the vtable in remote.c.
 */
#ifndef OTA_REMOTE_INTERNAL_H
#define OTA_REMOTE_INTERNAL_H

#include "backend.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>

#define RESP_MAX (64u << 20) /* JSON answers larger than this are refused */

typedef struct remote {
    ota_backend base;
    pthread_mutex_t mu;          /* guards curl: one request at a time */
    CURL *curl;
    char url[400];               /* as given, without trailing slash (messages) */
    char api[420];               /* url + "/api/v1" */
    char *auth;                  /* "Authorization: Bearer ..." or NULL */
    char *devkey;                /* "X-Device-Key: ..." or NULL */
    char *devtoken;              /* "X-Device-Token: ..." or NULL: sent instead of devkey */
    char *cacert;
    bool insecure;
    long connect_ms, timeout_ms;
    int retries;
} remote;

#define R(b) ((remote *)(b))

/* ------------------------------------------------------------ buffers */
typedef struct rbuf { char *p; size_t n, cap; bool overflow; } rbuf;

void remote_rbuf_free(rbuf *b);

/* ---------------------------------------------------- URL composition */
/* Percent-encode one path segment or query value (RFC 3986 unreserved kept). */
void remote_url_escape(char *dst, size_t len, const char *s);
/* Appends "&k=v" (or "?k=v" first) to a path being built. */
void remote_path_query(char *path, size_t len, const char *k, const char *v);
/* Appends the page request's limit and cursor (pg may be NULL). */
void remote_path_page(char *path, size_t len, const ota_page_req *pg);

/* ------------------------------------------------------------ requests */
typedef struct req {
    const char *method;      /* GET POST PUT DELETE */
    const char *path;        /* below /api/v1, escaped */
    json_t *body;            /* JSON body or NULL (not stolen) */
    curl_mime *mime;         /* multipart body (uploads) */
    int64_t if_match;        /* > 0: If-Match: "<n>" */
    bool device;             /* the device's credential (X-Device-Token, else X-Device-Key) instead of the bearer token */
    bool enroll;             /* with device: the product key (X-Device-Key) even when a token is set */
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

/* Performs q; 0 with q->status 2xx and q->resp filled, else -1 with *e. */
int remote_do(remote *r, req *q, ota_err *e);
/* A JSON call: *out receives the parsed answer (NULL for an empty one);
 * *tries (if not NULL) the number of attempts made. */
int remote_json_tries(remote *r, const char *method, const char *path, json_t *body,
                      int64_t if_match, bool device, json_t **out, int *tries, ota_err *e);
int remote_json(remote *r, const char *method, const char *path, json_t *body,
                int64_t if_match, bool device, json_t **out, ota_err *e);
/* An answer that is not what API.md says: bad_request naming the server. */
int remote_bad_answer(remote *r, ota_err *e, const char *what);

/* ---------------------------------------------------------- operations */
/* remote_<op> for every op of backend.h: the catalogue (products, devices,
 * packages, signatures) in remote_catalogue.c, the rest in remote_rollout.c. */
#define REMOTE_OP_DECL(name, local, params, args) \
    int remote_##name(ota_backend *b, OTA_UNPAREN params);
OTA_BACKEND_OPS(REMOTE_OP_DECL)
#undef REMOTE_OP_DECL

#endif /* OTA_REMOTE_INTERNAL_H */
