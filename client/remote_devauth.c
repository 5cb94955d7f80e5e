/* remote_devauth.c: the remote backend's device identity operations over
 * the transport of remote_http.c (docs/openapi.yaml "device identity"): a
 * product's device authentication (PATCH /products/{key}), one device's
 * token issued, rotated (POST .../devices/{id}/token) or revoked (DELETE),
 * and tokens for a fleet (POST /products/{key}/tokens), sent in requests of
 * OTA_DEVICE_TOKENS_PER_REQUEST ids.  Every body goes through core's codec;
 * the tokens in an answer are wiped from it once copied out.
 */
#include "remote_internal.h"

#include <stdlib.h>
#include <string.h>

/* The answer's copy of the tokens ("token" members, at the top and in
 * "tokens"), wiped before it is freed. */
static void wipe_str(json_t *s)
{
    if (json_is_string(s))
        sodium_memzero((char *)json_string_value(s), json_string_length(s));
}

static void wipe_tokens(json_t *j)
{
    size_t i;
    json_t *v;
    wipe_str(json_object_get(j, "token"));
    json_array_foreach(json_object_get(j, "tokens"), i, v)
        wipe_str(json_object_get(v, "token"));
}

/* /products/{key}[suffix] with the key escaped. */
static void product_path(char *path, size_t len, const char *product, const char *suffix)
{
    char key[3 * OTA_KEY_MAX + 1];
    remote_url_escape(key, sizeof key, product ? product : "");
    snprintf(path, len, "/products/%s%s", key, suffix);
}

static void device_token_path(char *path, size_t len, const char *product, const char *device)
{
    char dev[3 * OTA_DEVICE_ID_MAX + 1], suffix[3 * OTA_DEVICE_ID_MAX + 32];
    remote_url_escape(dev, sizeof dev, device ? device : "");
    snprintf(suffix, sizeof suffix, "/devices/%s/token", dev);
    product_path(path, len, product, suffix);
}

int remote_product_set_auth(ota_backend *b, const char *product, int device_auth, int enrollment_closed,
                            ota_product *out, long *without_token, ota_err *e)
{
    json_t *body = ota_json_product_auth_patch(device_auth, enrollment_closed), *j = NULL;
    if (!body)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    char path[3 * OTA_KEY_MAX + 32];
    product_path(path, sizeof path, product, "");
    int rc = remote_json(R(b), "PATCH", path, body, 0, false, &j, e);
    json_decref(body);
    ota_product got;
    long n = 0;
    if (rc == 0)
        rc = j ? ota_product_auth_from_json(j, &got, &n, e) : remote_bad_answer(R(b), e, "empty body");
    json_decref(j);
    if (rc == 0 && out)
        *out = got;
    if (rc == 0 && without_token)
        *without_token = n;
    return rc;
}

int remote_device_token_issue(ota_backend *b, const char *product, const char *device, char *token_out,
                              ota_err *e)
{
    char path[3 * (OTA_KEY_MAX + OTA_DEVICE_ID_MAX) + 64];
    device_token_path(path, sizeof path, product, device);
    json_t *j = NULL;
    int rc = remote_json(R(b), "POST", path, NULL, 0, false, &j, e);
    if (rc == 0)
        rc = j ? ota_device_token_from_json(j, NULL, NULL, token_out, e)
               : remote_bad_answer(R(b), e, "empty body");
    wipe_tokens(j);
    json_decref(j);
    return rc;
}

int remote_device_token_revoke(ota_backend *b, const char *product, const char *device, ota_err *e)
{
    char path[3 * (OTA_KEY_MAX + OTA_DEVICE_ID_MAX) + 64];
    device_token_path(path, sizeof path, product, device);
    return remote_json(R(b), "DELETE", path, NULL, 0, false, NULL, e);
}

/* POST /device/enroll: the product key (X-Device-Key, even when a device
 * token is set) and {"product","device"} -> the device's token. */
int remote_device_enroll(ota_backend *b, const char *product, const char *device, char *token_out, ota_err *e)
{
    json_t *body = ota_json_enroll(product ? product : "", device ? device : ""), *j = NULL;
    if (!body)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    req q = {.method = "POST", .path = "/device/enroll", .body = body, .device = true, .enroll = true,
             .sink_fd = -1};
    int rc = remote_do(R(b), &q, e);
    json_decref(body);
    if (rc == 0 && !q.resp.n)
        rc = remote_bad_answer(R(b), e, "empty body");
    if (rc == 0 && !(j = ota_json_parse(q.resp.p, q.resp.n, e)))
        rc = -1;
    remote_rbuf_free(&q.resp);  /* wiped: it held the token */
    if (rc == 0)
        rc = ota_device_token_from_json(j, NULL, NULL, token_out, e);
    wipe_tokens(j);
    json_decref(j);
    return rc;
}

/* One request of the bulk: ids[0..n) issued, their tokens appended to *out. */
static int tokens_chunk(remote *r, const char *path, const char *const *ids, size_t n, bool rotate,
                        ota_device_token_list *out, ota_err *e)
{
    json_t *body = ota_json_tokens_request(ids, n, rotate), *j = NULL;
    if (!body)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    int rc = remote_json(r, "POST", path, body, 0, false, &j, e);
    json_decref(body);
    if (rc == 0)
        rc = j ? ota_device_token_list_from_json(j, out, e) : remote_bad_answer(r, e, "empty body");
    wipe_tokens(j);
    json_decref(j);
    return rc;
}

int remote_device_tokens_issue(ota_backend *b, const char *product, const char *const *ids, size_t n,
                               bool rotate, ota_device_token_list *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    /* all or nothing for what can be known before asking: the ids */
    if (n > OTA_DEVICE_TOKENS_PER_REQUEST && ota_device_ids_check(ids, n, e) < 0)
        return -1;
    char path[3 * OTA_KEY_MAX + 32];
    product_path(path, sizeof path, product, "/tokens");
    size_t off = 0;
    do {  /* an empty fleet still asks once: the server's answer, not ours */
        size_t k = n - off < OTA_DEVICE_TOKENS_PER_REQUEST ? n - off : OTA_DEVICE_TOKENS_PER_REQUEST;
        if (tokens_chunk(R(b), path, ids + off, k, rotate, out, e) < 0) {
            size_t at;
            char rest[2];
            if (off > 0 && e && sscanf(e->field, "devices[%zu%1[]]", &at, rest) == 2)
                snprintf(e->field, sizeof e->field, "devices[%zu]", off + at);  /* the caller's index */
            if (off > 0 && e) {  /* say what the earlier requests did */
                char note[200];
                snprintf(note, sizeof note, " (ids %zu to %zu of %zu; the %zu before were done: "
                         "%zu tokens issued, kept in the answer)", off + 1, off + k, n, off, out->n);
                size_t room = sizeof e->message - strlen(note) - 1;
                if (strlen(e->message) > room)
                    e->message[room] = '\0';
                strcat(e->message, note);
            }
            return -1;
        }
        off += k;
    } while (off < n);
    return 0;
}
