/* remote.c: the remote backend, speaking API.md to an otad over libcurl:
 * opening it (URL, token, device key or token, TLS options, timeouts, retries),
 * closing it, and its vtable, made from the list in backend.h out of the
 * operations of remote_catalogue.c and remote_rollout.c; both go through
 * the transport of remote_http.c.
 */
#include "remote_internal.h"

#include <stdlib.h>
#include <string.h>

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
    if (r->devkey)
        sodium_memzero(r->devkey, strlen(r->devkey));
    free(r->devkey);
    if (r->devtoken)
        sodium_memzero(r->devtoken, strlen(r->devtoken));
    free(r->devtoken);
    free(r->cacert);
    free(r);
}

static const ota_backend_ops remote_ops = {
    .kind = "remote",
    .close = r_close,
#define OP(name, local, params, args) .name = remote_##name,
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
    const char *secrets[][2] = {{o->token, "token"}, {o->device_key, "device_key"}, {o->device_token, "device_token"}};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        for (const char *t = secrets[i][0]; t && *t; t++)
            if ((unsigned char)*t < 0x21 || *t == 0x7f) {  /* a header must not break */
                ota_fail(e, OTA_E_BAD_REQUEST, secrets[i][1], "%s contains spaces or control characters",
                         secrets[i][1]);
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
    if (o->device_token && *o->device_token)
        r->devtoken = header_dup("X-Device-Token", o->device_token);
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
