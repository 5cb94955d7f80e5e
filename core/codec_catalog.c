/* The JSON codec for the catalog: products, devices (and the device
 * import's answer), package files and metadata, packages, signatures and
 * audit rows, both ways.  The rules every decoder follows are core/codec.h's. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "codec.h"

/* ------------------------------------------------------------ encoding */

json_t *ota_json_product(const ota_product *p)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "key", p->key, "name", p->name, "device_auth",
                          ota_device_auth_str(p->device_auth), "enrollment", p->enrollment_closed ? "closed" : "open");
    if (j && p->created_at)
        json_object_set_new(j, "created_at", codec_time_json(p->created_at));
    return j;
}

json_t *ota_json_product_added(const ota_product *p, const char *device_key)
{
    json_t *j = ota_json_product(p);
    if (j)
        json_object_set_new(j, "device_key", json_string(device_key));
    return j;
}

json_t *codec_versions_json(const ota_version *v, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, v[i].component, json_string(v[i].version));
    return o;
}

json_t *ota_json_device(const ota_device *d)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o}", "id", d->id, "product", d->product,
                     "versions", codec_versions_json(d->versions, d->nversions),
                     "rsrp", d->has_rsrp ? json_integer(d->rsrp) : json_null(),
                     "battery", d->has_battery ? json_integer(d->battery) : json_null(),
                     "last_seen", codec_time_or_null(d->last_seen),
                     "credential", ota_credential_str(d->credential),
                     "credential_at", codec_time_or_null(d->credential_at));
}

json_t *ota_json_device_detail(const ota_device *d, json_t *attrs)
{
    json_t *j = ota_json_device(d), *a = attrs ? attrs : json_object();
    if (!j) {
        json_decref(a);
        return NULL;
    }
    json_object_set_new(j, "attributes", a);
    return j;
}

/* The device import's answer (POST /products/{key}/devices). */
json_t *ota_json_import_result(const ota_import_result *r)
{
    return json_pack("{s:I, s:I}", "added", (json_int_t)r->added, "updated", (json_int_t)r->updated);
}

json_t *ota_json_file(const ota_file *f, int64_t package_id)
{
    json_t *j = json_pack("{s:s, s:I, s:s}", "name", f->name, "size", (json_int_t)f->size,
                          "sha256", f->sha256);
    if (j && package_id > 0) {
        char url[OTA_FILE_NAME_MAX + 64];
        snprintf(url, sizeof url, "/api/v1/packages/%" PRId64 "/files/%s", package_id, f->name);
        json_object_set_new(j, "url", json_string(url));
    }
    return j;
}

json_t *codec_files_json(const ota_file *f, size_t n, int64_t package_id)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, ota_json_file(&f[i], package_id));
    return a;
}

json_t *ota_json_package_meta(const ota_package_meta *m)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s}", "component", m->component,
                     "kind", ota_kind_str(m->kind), "target_version", m->target_version,
                     "source_version", codec_str_or_null(m->source_version), "remark", m->remark);
}

json_t *ota_json_signature(const ota_signature *s)
{
    return json_pack("{s:s, s:s, s:s}", "key_id", s->key_id, "signer", s->signer, "signature", s->signature);
}

json_t *ota_json_signature_add(const ota_signature *s)
{
    json_t *j = ota_json_signature(s);
    if (j && s->public_key[0])
        json_object_set_new(j, "public_key", json_string(s->public_key));
    return j;
}

json_t *codec_signatures_json(const ota_signature *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n && i < OTA_SIG_MAX; i++)
        json_array_append_new(a, ota_json_signature(&s[i]));
    return a;
}

json_t *ota_json_package(const ota_package *p)
{
    json_t *j = ota_json_package_meta(&p->meta);
    if (!j)
        return NULL;
    json_object_set_new(j, "id", json_integer(p->id));
    json_object_set_new(j, "created_at", codec_time_json(p->created_at));
    json_object_set_new(j, "files", codec_files_json(p->files, p->nfiles, 0));
    if (p->nsignatures)  /* absent when unsigned: the API.md shape stays as it was */
        json_object_set_new(j, "signatures", codec_signatures_json(p->signatures, p->nsignatures));
    return j;
}

json_t *ota_json_audit_row(const ota_audit_row *r)
{
    return json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)r->seq,
                     "at", codec_time_json(r->at), "actor", r->actor, "action", r->action,
                     "target", r->target, "outcome", r->outcome, "detail", r->detail);
}

/* ------------------------------------------------------------ decoding */

/* A product's members (the PATCH answer adds devices_without_token,
 * codec_devauth.c); device_auth and enrollment optional (absent: the
 * defaults, product_key and open). */
int codec_product_fields(json_t *j, const char *const *keys, ota_product *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    json_t *dk = json_object_get(j, "device_key");
    if (dk && !json_is_string(dk))
        return codec_wrong_type(e, "device_key", "a string", dk);
    return codec_get_str(j, "", "key", true, false, out->key, sizeof out->key, CODEC_BYTES, OTA_KEY_MAX, e) ||
           codec_get_str(j, "", "name", true, false, out->name, sizeof out->name, CODEC_CHARS,
                         OTA_NAME_MAX_CHARS, e) ||
           codec_get_time(j, "", "created_at", false, &out->created_at, e) ||
           codec_get_enum(j, "", "device_auth", false, codec_parse_device_auth, "product_key, device_token",
                          &out->device_auth, e) ||
           codec_get_enum(j, "", "enrollment", false, codec_parse_enrollment, "open, closed",
                          &out->enrollment_closed, e) ? -1 : 0;
}

int ota_product_from_json(json_t *j, ota_product *out, ota_err *e)
{
    static const char *const keys[] = {"key", "name", "created_at", "device_key", "device_auth", "enrollment",
                                       NULL};
    return codec_product_fields(j, keys, out, e);
}

int ota_product_added_from_json(json_t *j, ota_product *out, char *device_key_out, ota_err *e)
{
    char key[65];
    if (ota_product_from_json(j, out, e) < 0 ||
        codec_get_str(j, "", "device_key", true, false, key, sizeof key, CODEC_BYTES, sizeof key - 1, e) < 0)
        return -1;
    if (device_key_out)
        memcpy(device_key_out, key, sizeof key);
    return 0;
}

/* A device's members; a detail has "attributes" too (device_keys: the rest). */
static const char *const detail_keys[] = {"attributes", "id", "product", "versions", "rsrp", "battery",
                                          "last_seen", "credential", "credential_at", NULL};
static const char *const *const device_keys = detail_keys + 1;

static int device_fields(json_t *j, ota_device *out, ota_err *e)
{
    return codec_get_str(j, "", "id", true, false, out->id, sizeof out->id, CODEC_BYTES,
                         OTA_DEVICE_ID_MAX, e) ||
           codec_get_str(j, "", "product", false, false, out->product, sizeof out->product, CODEC_BYTES,
                         OTA_KEY_MAX, e) ||
           codec_get_versions(j, "versions", true, out->versions, &out->nversions, e) ||
           codec_get_int(j, "", "rsrp", false, &out->rsrp, &out->has_rsrp, e) ||
           codec_get_int(j, "", "battery", false, &out->battery, &out->has_battery, e) ||
           codec_get_time(j, "", "last_seen", false, &out->last_seen, e) ||
           codec_get_enum(j, "", "credential", false, codec_parse_credential, "none, active, revoked",
                          &out->credential, e) ||
           codec_get_time(j, "", "credential_at", false, &out->credential_at, e) ? -1 : 0;
}

int ota_device_from_json(json_t *j, ota_device *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", device_keys, e) < 0)
        return -1;
    return device_fields(j, out, e);
}

int ota_device_detail_from_json(json_t *j, ota_device *out, json_t **attrs, ota_err *e)
{
    if (attrs)
        *attrs = NULL;
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", detail_keys, e) < 0)
        return -1;
    json_t *a = json_object_get(j, "attributes"), *v;
    const char *key;
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, "attributes", "is required");
    if (!json_is_object(a))
        return codec_wrong_type(e, "attributes", "an object of strings", a);
    json_object_foreach(a, key, v)
        if (!json_is_string(v))
            return codec_wrong_type(e, CODEC_FIELD("attributes", key), "a string", v);
    if (device_fields(j, out, e) < 0)
        return -1;
    if (attrs)
        *attrs = json_incref(a);
    return 0;
}

int ota_import_result_from_json(json_t *j, ota_import_result *out, ota_err *e)
{
    static const char *const keys[] = {"added", "updated", NULL};
    const int64_t most = SIZE_MAX < INT64_MAX ? (int64_t)SIZE_MAX : INT64_MAX;
    int64_t added = 0, updated = 0;
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0 ||
        codec_get_i64(j, "", "added", true, 0, most, &added, NULL, e) ||
        codec_get_i64(j, "", "updated", true, 0, most, &updated, NULL, e))
        return -1;
    out->added = (size_t)added;
    out->updated = (size_t)updated;
    return 0;
}

static int file_from_json(json_t *j, const char *prefix, ota_file *f, ota_err *e)
{
    static const char *const keys[] = {"name", "size", "sha256", "url", NULL};
    memset(f, 0, sizeof *f);
    int64_t size = 0;
    if (codec_need_object(j, prefix, e) < 0 || codec_check_keys(j, prefix, keys, e) < 0 ||
        codec_get_str(j, prefix, "name", true, false, f->name, sizeof f->name, CODEC_BYTES,
                      OTA_FILE_NAME_MAX, e) ||
        codec_get_i64(j, prefix, "size", true, 0, INT64_MAX, &size, NULL, e) ||
        codec_get_str(j, prefix, "sha256", true, false, f->sha256, sizeof f->sha256, CODEC_BYTES, 64, e))
        return -1;
    json_t *url = json_object_get(j, "url");
    if (url && !json_is_string(url))
        return codec_wrong_type(e, CODEC_FIELD(prefix, "url"), "a string", url);
    f->size = (uint64_t)size;
    return 0;
}

/* "files":[...] into f[], at most OTA_MAX_FILES. */
int codec_files_from_json(json_t *obj, const char *prefix, ota_file *f, size_t *n, ota_err *e)
{
    json_t *a = json_object_get(obj, "files");
    const char *field = CODEC_FIELD(prefix, "files");
    *n = 0;
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, field, "is required");
    if (!json_is_array(a))
        return codec_wrong_type(e, field, "an array", a);
    if (json_array_size(a) > OTA_MAX_FILES)
        return ota_fail(e, OTA_E_VALIDATION, field, "at most %d files (got %zu)", OTA_MAX_FILES,
                        json_array_size(a));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        char p[64];
        snprintf(p, sizeof p, "%s[%zu]", field, i);
        if (file_from_json(v, p, &f[i], e) < 0)
            return -1;
        *n = i + 1;
    }
    return 0;
}

static int meta_fields(json_t *j, ota_package_meta *m, ota_err *e)
{
    return codec_get_str(j, "", "component", true, false, m->component, sizeof m->component, CODEC_BYTES,
                         OTA_KEY_MAX, e) ||
           codec_get_enum(j, "", "kind", true, codec_parse_kind, "full, diff", &m->kind, e) ||
           codec_get_str(j, "", "target_version", true, false, m->target_version, sizeof m->target_version,
                         CODEC_BYTES, OTA_KEY_MAX, e) ||
           codec_get_str(j, "", "source_version", false, true, m->source_version, sizeof m->source_version,
                         CODEC_BYTES, OTA_KEY_MAX, e) ||
           codec_get_str(j, "", "remark", false, true, m->remark, sizeof m->remark, CODEC_CHARS,
                         OTA_REMARK_MAX_CHARS, e) ? -1 : 0;
}

int ota_package_meta_from_json(json_t *j, ota_package_meta *out, ota_err *e)
{
    static const char *const keys[] = {"component", "kind", "target_version", "source_version",
                                       "remark", NULL};
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "meta", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    return meta_fields(j, out, e);
}

static int sig_fields(json_t *j, const char *pre, ota_signature *out, ota_err *e)
{
    static const char *const keys[] = {"key_id", "signer", "signature", "public_key", "created_at", NULL};
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, pre, e) < 0 || codec_check_keys(j, pre, keys, e) < 0)
        return -1;
    return codec_get_str(j, pre, "key_id", true, false, out->key_id, sizeof out->key_id, CODEC_BYTES,
                         OTA_KEY_ID_LEN, e) ||
           codec_get_str(j, pre, "signer", true, false, out->signer, sizeof out->signer, CODEC_BYTES,
                         OTA_SIGNER_MAX, e) ||
           codec_get_str(j, pre, "signature", true, false, out->signature, sizeof out->signature, CODEC_BYTES,
                         sizeof out->signature - 1, e) ||
           codec_get_str(j, pre, "public_key", false, true, out->public_key, sizeof out->public_key,
                         CODEC_BYTES, sizeof out->public_key - 1, e) ||
           codec_get_time(j, pre, "created_at", false, &out->created_at, e) ? -1 : 0;
}

int ota_signature_from_json(json_t *j, ota_signature *out, ota_err *e)
{
    return sig_fields(j, "", out, e);
}

/* Optional "signatures":[...] of obj, at most OTA_SIG_MAX. */
int codec_sigs_from_json(json_t *obj, const char *prefix, ota_signature *s, size_t *n, ota_err *e)
{
    json_t *a = json_object_get(obj, "signatures");
    const char *field = CODEC_FIELD(prefix, "signatures");
    *n = 0;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return codec_wrong_type(e, field, "an array", a);
    if (json_array_size(a) > OTA_SIG_MAX)
        return ota_fail(e, OTA_E_VALIDATION, field, "at most %d signatures (got %zu)", OTA_SIG_MAX,
                        json_array_size(a));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        char p[64];
        snprintf(p, sizeof p, "%s[%zu]", field, i);
        if (sig_fields(v, p, &s[i], e) < 0)
            return -1;
        *n = i + 1;
    }
    return 0;
}

int ota_package_from_json(json_t *j, ota_package *out, ota_err *e)
{
    static const char *const keys[] = {"id", "component", "kind", "target_version", "source_version",
                                       "remark", "created_at", "files", "signatures", NULL};
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    return codec_get_i64(j, "", "id", true, 1, INT64_MAX, &out->id, NULL, e) ||
           meta_fields(j, &out->meta, e) ||
           codec_get_time(j, "", "created_at", false, &out->created_at, e) ||
           codec_files_from_json(j, "", out->files, &out->nfiles, e) ||
           codec_sigs_from_json(j, "", out->signatures, &out->nsignatures, e) ? -1 : 0;
}

int ota_audit_row_from_json(json_t *j, ota_audit_row *out, ota_err *e)
{
    static const char *const keys[] = {"seq", "at", "actor", "action", "target", "outcome", "detail", NULL};
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    return codec_get_i64(j, "", "seq", true, 0, INT64_MAX, &out->seq, NULL, e) ||
           codec_get_time(j, "", "at", true, &out->at, e) ||
           codec_get_str(j, "", "actor", true, false, out->actor, sizeof out->actor, CODEC_BYTES,
                         OTA_AUDIT_ACTOR_MAX, e) ||
           codec_get_str(j, "", "action", true, false, out->action, sizeof out->action, CODEC_BYTES,
                         sizeof out->action - 1, e) ||
           codec_get_str(j, "", "target", true, false, out->target, sizeof out->target, CODEC_BYTES,
                         OTA_AUDIT_TARGET_MAX, e) ||
           codec_get_str(j, "", "outcome", true, false, out->outcome, sizeof out->outcome, CODEC_BYTES,
                         sizeof out->outcome - 1, e) ||
           codec_get_str(j, "", "detail", false, true, out->detail, sizeof out->detail, CODEC_BYTES,
                         sizeof out->detail - 1, e) ? -1 : 0;
}

