/* The JSON codec for device identity (ota_devauth.h), both ways: a
 * product's auth change (PATCH /products/{key} body and answer), a token's
 * answer (issue, rotate, enroll), the bulk issue's body and answer, and
 * the enrollment body.  The rules every decoder follows are core/codec.h's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"

/* ------------------------------------------------------ a product's auth */
json_t *ota_json_product_auth(const ota_product *p, long without_token)
{
    json_t *j = ota_json_product(p);
    if (j)
        json_object_set_new(j, "devices_without_token", json_integer(without_token));
    return j;
}

int ota_product_auth_from_json(json_t *j, ota_product *out, long *without_token, ota_err *e)
{
    static const char *const keys[] = {"key", "name", "created_at", "device_auth", "enrollment",
                                       "devices_without_token", NULL};
    int64_t n = 0;
    if (codec_product_fields(j, keys, out, e) < 0 ||
        codec_get_i64(j, "", "devices_without_token", true, 0, INT64_MAX, &n, NULL, e) < 0)
        return -1;
    if (without_token)
        *without_token = (long)n;
    return 0;
}

json_t *ota_json_product_auth_patch(int device_auth, int enrollment_closed)
{
    json_t *j = json_object();
    if (j && device_auth >= 0)
        json_object_set_new(j, "device_auth", json_string(ota_device_auth_str((ota_device_auth)device_auth)));
    if (j && enrollment_closed >= 0)
        json_object_set_new(j, "enrollment", json_string(enrollment_closed ? "closed" : "open"));
    return j;
}

int ota_product_auth_patch_from_json(json_t *j, int *device_auth, int *enrollment_closed, ota_err *e)
{
    static const char *const keys[] = {"device_auth", "enrollment", NULL};
    *device_auth = *enrollment_closed = -1;
    ota_device_auth a;
    bool closed;
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    if (codec_get_enum(j, "", "device_auth", false, codec_parse_device_auth, "product_key, device_token", &a, e) < 0 ||
        codec_get_enum(j, "", "enrollment", false, codec_parse_enrollment, "open, closed", &closed, e) < 0)
        return -1;
    if (json_object_get(j, "device_auth"))
        *device_auth = (int)a;
    if (json_object_get(j, "enrollment"))
        *enrollment_closed = closed;
    return 0;
}

/* ----------------------------------------------------------- one token */
json_t *ota_json_device_token(const char *product, const char *device, const char *token)
{
    return json_pack("{s:s, s:s, s:s}", "product", product, "device", device, "token", token);
}

static int token_str(json_t *j, const char *prefix, char *token, ota_err *e)
{
    return codec_get_str(j, prefix, "token", true, false, token, OTA_DEVICE_TOKEN_LEN + 1, CODEC_BYTES,
                         OTA_DEVICE_TOKEN_LEN, e);
}

int ota_device_token_from_json(json_t *j, char *product, char *device, char *token, ota_err *e)
{
    static const char *const keys[] = {"product", "device", "token", NULL};
    char p[OTA_KEY_MAX + 1], d[OTA_DEVICE_ID_MAX + 1], t[OTA_DEVICE_TOKEN_LEN + 1];
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0 ||
        codec_get_str(j, "", "product", true, false, p, sizeof p, CODEC_BYTES, OTA_KEY_MAX, e) < 0 ||
        codec_get_str(j, "", "device", true, false, d, sizeof d, CODEC_BYTES, OTA_DEVICE_ID_MAX, e) < 0 ||
        token_str(j, "", t, e) < 0)
        return -1;
    if (product)
        memcpy(product, p, strlen(p) + 1);
    if (device)
        memcpy(device, d, strlen(d) + 1);
    if (token)
        memcpy(token, t, sizeof t);
    memset(t, 0, sizeof t);
    return 0;
}

/* ------------------------------------------------------------ enrollment */
json_t *ota_json_enroll(const char *product, const char *device)
{
    return json_pack("{s:s, s:s}", "product", product, "device", device);
}

int ota_enroll_from_json(json_t *j, char *product, char *device, ota_err *e)
{
    static const char *const keys[] = {"product", "device", NULL};
    return codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0 ||
           codec_get_str(j, "", "product", true, false, product, OTA_KEY_MAX + 1, CODEC_BYTES, OTA_KEY_MAX, e) < 0 ||
           codec_get_str(j, "", "device", true, false, device, OTA_DEVICE_ID_MAX + 1, CODEC_BYTES,
                         OTA_DEVICE_ID_MAX, e) < 0 ? -1 : 0;
}

/* ------------------------------------------------------------- bulk issue */
json_t *ota_json_tokens_request(const char *const *ids, size_t n, bool rotate)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(ids[i]));
    return json_pack("{s:o, s:b}", "devices", a ? a : json_array(), "rotate", rotate);
}

int ota_tokens_request_from_json(json_t *j, const char ***ids, size_t *n, bool *rotate, ota_err *e)
{
    static const char *const keys[] = {"devices", "rotate", NULL};
    *ids = NULL;
    *n = 0;
    *rotate = false;
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    json_t *a = json_object_get(j, "devices"), *r = json_object_get(j, "rotate"), *v;
    if (r && !json_is_boolean(r))
        return codec_wrong_type(e, "rotate", "true or false", r);
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, "devices", "is required");
    if (!json_is_array(a))
        return codec_wrong_type(e, "devices", "an array of device ids", a);
    size_t k = json_array_size(a), i;
    if (k > OTA_DEVICE_TOKENS_PER_REQUEST)
        return ota_fail(e, OTA_E_VALIDATION, "devices", "at most %d devices per request (got %zu): send the"
                        " rest in further requests", OTA_DEVICE_TOKENS_PER_REQUEST, k);
    const char **v2 = calloc(k ? k : 1, sizeof *v2);
    if (!v2)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    json_array_foreach(a, i, v) {
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
            char f[40];
            snprintf(f, sizeof f, "devices[%zu]", i);
            free(v2);
            return json_is_string(v) ? ota_fail(e, OTA_E_VALIDATION, f, "holds a NUL character")
                                     : codec_wrong_type(e, f, "a device id string", v);
        }
        v2[i] = json_string_value(v);
    }
    *ids = v2;
    *n = k;
    *rotate = r && json_is_true(r);
    return 0;
}

json_t *ota_json_device_token_list(const ota_device_token_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "device", l->items[i].device, "token", l->items[i].token));
    return json_pack("{s:I, s:I, s:o}", "issued", (json_int_t)l->n, "skipped", (json_int_t)l->skipped, "tokens",
                     a ? a : json_array());
}

int ota_device_token_list_from_json(json_t *j, ota_device_token_list *out, ota_err *e)
{
    static const char *const keys[] = {"issued", "skipped", "tokens", NULL};
    static const char *const item_keys[] = {"device", "token", NULL};
    int64_t issued = 0, skipped = 0;
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0 ||
        codec_get_i64(j, "", "issued", true, 0, INT64_MAX, &issued, NULL, e) < 0 ||
        codec_get_i64(j, "", "skipped", true, 0, INT64_MAX, &skipped, NULL, e) < 0)
        return -1;
    json_t *a = json_object_get(j, "tokens"), *v;
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, "tokens", "is required");
    if (!json_is_array(a))
        return codec_wrong_type(e, "tokens", "an array", a);
    size_t k = json_array_size(a), i;
    if ((int64_t)k != issued)
        return ota_fail(e, OTA_E_BAD_REQUEST, "issued", "says %lld, tokens holds %zu", (long long)issued, k);
    ota_device_token *items = realloc(out->items, (out->n + k + 1) * sizeof *items);
    if (!items)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    out->items = items;
    size_t at = out->n;
    json_array_foreach(a, i, v) {
        char pre[40];
        snprintf(pre, sizeof pre, "tokens[%zu]", i);
        ota_device_token *t = &items[at + i];
        memset(t, 0, sizeof *t);
        if (codec_need_object(v, pre, e) < 0 || codec_check_keys(v, pre, item_keys, e) < 0 ||
            codec_get_str(v, pre, "device", true, false, t->device, sizeof t->device, CODEC_BYTES, OTA_DEVICE_ID_MAX,
                          e) < 0 ||
            token_str(v, pre, t->token, e) < 0) {
            memset(items + at, 0, (i + 1) * sizeof *items);  /* nothing half-decoded is kept */
            return -1;
        }
    }
    out->n += k;
    out->skipped += (size_t)skipped;
    return 0;
}
