/* Private to the JSON codec: the helpers its files share.
 *   codec.c          these helpers, errors, pages, ota_json_parse
 *   codec_catalog.c  products, devices, device imports, files, packages,
 *                    signatures, audit rows
 *   codec_plans.c    plans, preview, status, job rows, events
 *   codec_offers.c   check-ins, offers (and their cached text), the device's
 *                    confirm and report bodies, verify results
 *   codec_devauth.c  device identity: a product's auth change (PATCH body
 *                    and answer), token answers, bulk issue, enrollment
 *
 * Encoders never fail except on memory exhaustion (they then return NULL).
 * Decoders are strict: a wrong type or an unknown field is a bad_request
 * naming the field ("strategy.retries", "components[2].package_id"); a value
 * that does not fit its limit is validation_failed (never truncated).  The
 * domain rules themselves (ranges, endings, window order) stay in
 * validate.c, so a decoded struct still goes through ota_validate_*.
 */
#ifndef OTA_CODEC_H
#define OTA_CODEC_H

#include "internal.h"

/* ------------------------------------------------------------ encoding */
json_t *codec_str_or_null(const char *s);     /* "" and NULL: null */
json_t *codec_time_json(int64_t t);           /* RFC 3339 */
json_t *codec_time_or_null(int64_t t);        /* 0: null */
/* codec_catalog.c: {"component":"version",...}, a package's files (urls
 * when package_id > 0), signatures (at most OTA_SIG_MAX). */
json_t *codec_versions_json(const ota_version *v, size_t n);
json_t *codec_files_json(const ota_file *f, size_t n, int64_t package_id);
json_t *codec_signatures_json(const ota_signature *s, size_t n);

/* ------------------------------------------------------------ decoding */
/* A field path for messages: prefix "components[1]" + key "package_id";
 * CODEC_FIELD's buffer lives until the end of the enclosing block. */
const char *codec_fpath(char *buf, size_t len, const char *prefix, const char *key);
#define CODEC_FIELD(prefix, key) codec_fpath((char[64]){0}, 64, (prefix), (key))

/* bad_request "must be <want> (got <type of got>)"; returns -1. */
int codec_wrong_type(ota_err *e, const char *field, const char *want, const json_t *got);
/* Refuses any key of obj not in allowed (NULL-terminated). */
int codec_check_keys(json_t *obj, const char *prefix, const char *const *allowed, ota_err *e);
/* j must be an object; field "" or NULL names it "body". */
int codec_need_object(json_t *j, const char *field, ota_err *e);

/* Length rules for strings copied into fixed buffers: limit counts bytes
 * or UTF-8 characters. */
enum { CODEC_BYTES, CODEC_CHARS };
int codec_put_str(const char *field, const char *s, size_t slen, char *dst, size_t cap, int how,
                  size_t limit, ota_err *e);
/* Members of obj (field names prefix.key).  A string: null accepted when
 * nullable (leaves dst "").  Integers: present (may be NULL) tells whether
 * it was given, and then null is accepted too.  A time: RFC 3339, null
 * leaves *out 0.  An enum: parse is one of the adapters below, choices the
 * words for the message. */
int codec_get_str(json_t *obj, const char *prefix, const char *key, bool required, bool nullable,
                  char *dst, size_t cap, int how, size_t limit, ota_err *e);
int codec_get_i64(json_t *obj, const char *prefix, const char *key, bool required, int64_t lo,
                  int64_t hi, int64_t *out, bool *present, ota_err *e);
int codec_get_int(json_t *obj, const char *prefix, const char *key, bool required, int *out,
                  bool *present, ota_err *e);
int codec_get_time(json_t *obj, const char *prefix, const char *key, bool required, int64_t *out,
                   ota_err *e);
int codec_get_enum(json_t *obj, const char *prefix, const char *key, bool required,
                   int (*parse)(const char *, void *), const char *choices, void *out, ota_err *e);
/* An ota_*_parse as codec_get_enum's parse. */
#define CODEC_ENUM_ADAPTER(name, fn, type) \
    int name(const char *s, void *out) { return fn(s, (type *)out); }
int codec_parse_kind(const char *s, void *out);  /* ota_kind */
int codec_parse_mode(const char *s, void *out);  /* ota_mode */
int codec_parse_device_auth(const char *s, void *out);  /* ota_device_auth */
int codec_parse_credential(const char *s, void *out);   /* ota_credential */
int codec_parse_enrollment(const char *s, void *out);   /* "open"/"closed" -> bool closed */
/* {"module":"1.0.0",...} into versions[], at most OTA_MAX_COMPONENTS. */
int codec_get_versions(json_t *obj, const char *key, bool required, ota_version *v, size_t *n,
                       ota_err *e);
/* codec_catalog.c: obj's "files":[...] (required, at most OTA_MAX_FILES)
 * and optional "signatures":[...] (at most OTA_SIG_MAX). */
int codec_files_from_json(json_t *obj, const char *prefix, ota_file *f, size_t *n, ota_err *e);
int codec_sigs_from_json(json_t *obj, const char *prefix, ota_signature *s, size_t *n, ota_err *e);
/* codec_catalog.c: a product's members, keys the ones allowed. */
int codec_product_fields(json_t *j, const char *const *keys, ota_product *out, ota_err *e);

/* codec_plans.c: a plan's rollout and maintenance as the compact JSON text
 * of their API.md objects (what the store keeps in plans.rollout and
 * plans.maintenance), and back.  text: malloc'd, NULL when out of memory;
 * parse: strict as the plan decoder (a rollout's fields left out keep what
 * *out holds). */
char *codec_rollout_text(const ota_rollout *r);
char *codec_maintenance_text(const ota_maintenance *m);
int codec_rollout_parse(const char *text, ota_rollout *out, ota_err *e);
int codec_maintenance_parse(const char *text, ota_maintenance *out, ota_err *e);

#endif /* OTA_CODEC_H */
