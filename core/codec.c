/* The JSON codec's shared helpers (core/codec.h says which file holds
 * which shapes): the small encoders, the strict member readers every
 * decoder is made of, and the shapes no one group owns: errors, pages and
 * ota_json_parse. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "codec.h"

/* The largest body ota_json_parse accepts: a bulk device import of a large
 * fleet fits, a runaway upload does not. */
#define OTA_JSON_MAX_BYTES (64u * 1024 * 1024)

/* ------------------------------------------------------------ encoding */

json_t *codec_str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *codec_time_json(int64_t t)
{
    char buf[40];
    return json_string(ota_time_format(t, buf, sizeof buf));
}

json_t *codec_time_or_null(int64_t t)
{
    return t ? codec_time_json(t) : json_null();
}

json_t *ota_json_error(const ota_err *e)
{
    json_t *j = json_pack("{s:s, s:s}", "code", ota_code_str(e->code), "message", e->message);
    if (j && e->field[0])
        json_object_set_new(j, "field", json_string(e->field));
    return json_pack("{s:o}", "error", j);
}

json_t *ota_json_page(json_t *items, const char *next_cursor)
{
    return json_pack("{s:o, s:o}", "items", items ? items : json_array(),
                     "next_cursor", codec_str_or_null(next_cursor));
}

/* ------------------------------------------------------------ decoding */

const char *codec_fpath(char *buf, size_t len, const char *prefix, const char *key)
{
    size_t n = 0;
    if (prefix && *prefix) {
        for (const char *p = prefix; *p && n + 1 < len; p++)
            buf[n++] = *p;
        if (n + 1 < len)
            buf[n++] = '.';
    }
    for (const char *k = key; *k && n + 1 < len; k++)
        buf[n++] = *k;
    buf[n] = '\0';
    return buf;
}

static const char *json_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

int codec_wrong_type(ota_err *e, const char *field, const char *want, const json_t *got)
{
    return ota_fail(e, OTA_E_BAD_REQUEST, field, "must be %s (got %s)", want, json_type_name(got));
}

int codec_check_keys(json_t *obj, const char *prefix, const char *const *allowed, ota_err *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = !strcmp(*a, key);
        if (!known)
            return ota_fail(e, OTA_E_BAD_REQUEST, CODEC_FIELD(prefix, key), "unknown field");
    }
    return 0;
}

int codec_need_object(json_t *j, const char *field, ota_err *e)
{
    if (!j || !json_is_object(j))
        return codec_wrong_type(e, field && *field ? field : "body", "an object", j ? j : json_null());
    return 0;
}

int codec_put_str(const char *field, const char *s, size_t slen, char *dst, size_t cap, int how,
                  size_t limit, ota_err *e)
{
    if (how == CODEC_CHARS) {
        long n = ota_utf8_chars(s, slen);
        if (n < 0)
            return ota_fail(e, OTA_E_BAD_REQUEST, field, "is not valid UTF-8");
        if ((size_t)n > limit)
            return ota_fail(e, OTA_E_VALIDATION, field, "at most %zu characters (got %ld)", limit, n);
    } else if (slen > limit) {
        return ota_fail(e, OTA_E_VALIDATION, field, "at most %zu bytes (got %zu)", limit, slen);
    }
    if (slen >= cap || memchr(s, '\0', slen))
        return ota_fail(e, OTA_E_VALIDATION, field, "is too long or holds a NUL character");
    memcpy(dst, s, slen);
    dst[slen] = '\0';
    return 0;
}

int codec_get_str(json_t *obj, const char *prefix, const char *key, bool required, bool nullable,
                  char *dst, size_t cap, int how, size_t limit, ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = CODEC_FIELD(prefix, key);
    if (!v || (nullable && json_is_null(v))) {
        if (required && !v)
            return ota_fail(e, OTA_E_VALIDATION, field, "is required");
        dst[0] = '\0';
        return 0;
    }
    if (!json_is_string(v))
        return codec_wrong_type(e, field, nullable ? "a string or null" : "a string", v);
    return codec_put_str(field, json_string_value(v), json_string_length(v), dst, cap, how, limit, e);
}

int codec_get_i64(json_t *obj, const char *prefix, const char *key, bool required, int64_t lo,
                  int64_t hi, int64_t *out, bool *present, ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = CODEC_FIELD(prefix, key);
    if (present)
        *present = false;
    if (!v || (present && json_is_null(v))) {
        if (required)
            return ota_fail(e, OTA_E_VALIDATION, field, "is required");
        return 0;
    }
    if (!json_is_integer(v))
        return codec_wrong_type(e, field, present ? "an integer or null" : "an integer", v);
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi)
        return ota_fail(e, OTA_E_BAD_REQUEST, field, "must be between %" PRId64 " and %" PRId64
                        " (got %" JSON_INTEGER_FORMAT ")", lo, hi, n);
    *out = n;
    if (present)
        *present = true;
    return 0;
}

int codec_get_int(json_t *obj, const char *prefix, const char *key, bool required, int *out,
                  bool *present, ota_err *e)
{
    int64_t v = *out;
    if (codec_get_i64(obj, prefix, key, required, INT_MIN, INT_MAX, &v, present, e) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int codec_get_time(json_t *obj, const char *prefix, const char *key, bool required, int64_t *out,
                   ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = CODEC_FIELD(prefix, key);
    if (!v || json_is_null(v)) {
        if (required)
            return ota_fail(e, OTA_E_VALIDATION, field, "is required");
        *out = 0;
        return 0;
    }
    if (!json_is_string(v))
        return codec_wrong_type(e, field, "an RFC 3339 time string", v);
    if (ota_time_parse(json_string_value(v), out) < 0)
        return ota_fail(e, OTA_E_BAD_REQUEST, field,
                        "is not an RFC 3339 time such as 2026-12-01T00:00:00Z (got \"%.40s\")",
                        json_string_value(v));
    return 0;
}

int codec_get_enum(json_t *obj, const char *prefix, const char *key, bool required,
                   int (*parse)(const char *, void *), const char *choices, void *out, ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = CODEC_FIELD(prefix, key);
    if (!v) {
        if (required)
            return ota_fail(e, OTA_E_VALIDATION, field, "is required (one of %s)", choices);
        return 0;
    }
    if (!json_is_string(v))
        return codec_wrong_type(e, field, "a string", v);
    if (parse(json_string_value(v), out) < 0)
        return ota_fail(e, OTA_E_VALIDATION, field, "must be one of %s (got \"%.60s\")", choices,
                        json_string_value(v));
    return 0;
}

CODEC_ENUM_ADAPTER(codec_parse_kind, ota_kind_parse, ota_kind)
CODEC_ENUM_ADAPTER(codec_parse_mode, ota_mode_parse, ota_mode)
CODEC_ENUM_ADAPTER(codec_parse_device_auth, ota_device_auth_parse, ota_device_auth)
CODEC_ENUM_ADAPTER(codec_parse_credential, ota_credential_parse, ota_credential)

int codec_parse_enrollment(const char *s, void *out)
{
    if (!s || (strcmp(s, "open") && strcmp(s, "closed")))
        return -1;
    *(bool *)out = !strcmp(s, "closed");
    return 0;
}

int codec_get_versions(json_t *obj, const char *key, bool required, ota_version *v, size_t *n,
                       ota_err *e)
{
    json_t *o = json_object_get(obj, key);
    *n = 0;
    if (!o) {
        if (required)
            return ota_fail(e, OTA_E_VALIDATION, key, "is required");
        return 0;
    }
    if (!json_is_object(o))
        return codec_wrong_type(e, key, "an object of component to version", o);
    if (json_object_size(o) > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, key, "at most %d components (got %zu)",
                        OTA_MAX_COMPONENTS, json_object_size(o));
    const char *comp;
    json_t *ver;
    json_object_foreach(o, comp, ver) {
        const char *field = CODEC_FIELD(key, comp);
        if (!json_is_string(ver))
            return codec_wrong_type(e, field, "a version string", ver);
        if (codec_put_str(key, comp, strlen(comp), v[*n].component, sizeof v[*n].component,
                          CODEC_BYTES, OTA_KEY_MAX, e) < 0 ||
            codec_put_str(field, json_string_value(ver), json_string_length(ver), v[*n].version,
                          sizeof v[*n].version, CODEC_BYTES, OTA_KEY_MAX, e) < 0)
            return -1;
        (*n)++;
    }
    return 0;
}

int ota_page_from_json(json_t *j, json_t **items, char *next_cursor, ota_err *e)
{
    static const char *const keys[] = {"items", "next_cursor", NULL};
    char cursor[OTA_CURSOR_MAX];
    *items = NULL;
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    json_t *it = json_object_get(j, "items");
    if (!it)
        return ota_fail(e, OTA_E_VALIDATION, "items", "is required");
    if (!json_is_array(it))
        return codec_wrong_type(e, "items", "an array", it);
    if (codec_get_str(j, "", "next_cursor", false, true, cursor, sizeof cursor, CODEC_BYTES,
                      sizeof cursor - 1, e) < 0)
        return -1;
    if (next_cursor)
        memcpy(next_cursor, cursor, sizeof cursor);
    *items = it;
    return 0;
}

/* Lenient on purpose: this reads whatever a server said went wrong, and a
 * garbled error body must still become a usable error. */
int ota_error_from_json(json_t *j, ota_err *out)
{
    ota_err_clear(out);
    json_t *err = json_is_object(j) ? json_object_get(j, "error") : NULL;
    if (!json_is_object(err)) {
        ota_fail(out, OTA_E_INTERNAL, NULL, "the server sent an error without an error body");
        return -1;
    }
    const char *code = json_string_value(json_object_get(err, "code"));
    const char *msg = json_string_value(json_object_get(err, "message"));
    const char *field = json_string_value(json_object_get(err, "field"));
    out->code = code ? ota_code_parse(code) : OTA_E_INTERNAL;
    snprintf(out->field, sizeof out->field, "%s", field ? field : "");
    snprintf(out->message, sizeof out->message, "%s", msg ? msg : "(no message)");
    return 0;
}

json_t *ota_json_parse(const char *buf, size_t len, ota_err *e)
{
    if (len > OTA_JSON_MAX_BYTES)
        return ota_fail(e, OTA_E_TOO_LARGE, "body", "JSON of at most %u bytes (got %zu)",
                        OTA_JSON_MAX_BYTES, len), NULL;
    if (len == 0)
        return ota_fail(e, OTA_E_BAD_REQUEST, "body", "invalid JSON: empty"), NULL;
    json_error_t je;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        ota_fail(e, OTA_E_BAD_REQUEST, "body", "invalid JSON at line %d column %d: %s", je.line,
                 je.column, je.text);
    return j;
}
