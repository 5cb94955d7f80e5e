/* The JSON codec for the device's side of a rollout: check-ins, offers
 * (and the per-thread cache behind ota_offer_text), the device's confirm
 * and report bodies, and verify results, both ways.  The rules every
 * decoder follows are core/codec.h's. */
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"

/* ------------------------------------------------------------ encoding */

static json_t *offer_component_json(const ota_offer_component *c)
{
    size_t mlen = 0;
    char *m = ota_manifest_offer(c, &mlen);
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "component", c->component, "version", c->version,
                          "kind", ota_kind_str(c->kind),
                          "files", codec_files_json(c->files, c->nfiles, c->package_id),
                          "manifest", m ? json_stringn(m, mlen) : json_null(),
                          "signatures", codec_signatures_json(c->signatures, c->nsignatures));
    free(m);
    return j;
}

json_t *ota_json_offer(const ota_job_offer *o)
{
    if (!o->has_job)
        return json_pack("{s:n}", "job");
    json_t *comps = json_array();
    for (size_t i = 0; comps && i < o->ncomponents; i++)
        json_array_append_new(comps, offer_component_json(&o->components[i]));
    return json_pack("{s:{s:I, s:I, s:s, s:o}}", "job", "id", (json_int_t)o->job_id,
                     "plan_id", (json_int_t)o->plan_id, "mode", ota_mode_str(o->mode),
                     "components", comps);
}

/* ota_offer_text: every device of a plan is sent the same components, so
 * each component's text is kept per thread, keyed by every byte it is made
 * of (header, the files and signatures in use): a changed signature or file
 * is a different key, never a stale text. */
#define OFFER_FRAGS 8
struct offer_frags {
    struct offer_frag { unsigned char *key; size_t klen; char *text; size_t len; } f[OFFER_FRAGS];
    unsigned next;
    unsigned char scratch[sizeof(ota_offer_component) + 2 * sizeof(size_t)];
};
static pthread_key_t frags_key;
static pthread_once_t frags_once = PTHREAD_ONCE_INIT;

static void frags_free(void *p)
{
    struct offer_frags *t = p;
    for (size_t i = 0; i < OFFER_FRAGS; i++) {
        free(t->f[i].key);
        free(t->f[i].text);
    }
    free(t);
}

static void frags_key_make(void) { pthread_key_create(&frags_key, frags_free); }

static size_t component_key(const ota_offer_component *c, unsigned char *k)
{
    size_t n = 0, nf = c->nfiles < OTA_MAX_FILES ? c->nfiles : OTA_MAX_FILES;
    size_t ns = c->nsignatures < OTA_SIG_MAX ? c->nsignatures : OTA_SIG_MAX;
    memcpy(k + n, c, offsetof(ota_offer_component, files));
    n += offsetof(ota_offer_component, files);
    memcpy(k + n, &nf, sizeof nf);
    n += sizeof nf;
    memcpy(k + n, c->files, nf * sizeof c->files[0]);
    n += nf * sizeof c->files[0];
    memcpy(k + n, &ns, sizeof ns);
    n += sizeof ns;
    memcpy(k + n, c->signatures, ns * sizeof c->signatures[0]);
    return n + ns * sizeof c->signatures[0];
}

static const struct offer_frag *component_text(struct offer_frags *t, const ota_offer_component *c)
{
    size_t klen = component_key(c, t->scratch);
    for (size_t i = 0; i < OFFER_FRAGS; i++)
        if (t->f[i].key && t->f[i].klen == klen && !memcmp(t->f[i].key, t->scratch, klen))
            return &t->f[i];
    json_t *j = offer_component_json(c);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    unsigned char *key = text ? malloc(klen) : NULL;
    if (!key) {
        free(text);
        return NULL;
    }
    memcpy(key, t->scratch, klen);
    struct offer_frag *f = &t->f[t->next++ % OFFER_FRAGS];
    free(f->key);
    free(f->text);
    *f = (struct offer_frag){.key = key, .klen = klen, .text = text, .len = strlen(text)};
    return f;
}

char *ota_offer_text(const ota_job_offer *o, size_t *len)
{
    if (!o->has_job) {
        *len = strlen("{\"job\":null}");
        return strdup("{\"job\":null}");
    }
    pthread_once(&frags_once, frags_key_make);
    struct offer_frags *t = pthread_getspecific(frags_key);
    if (!t) {
        if (!(t = calloc(1, sizeof *t)))
            return NULL;
        if (pthread_setspecific(frags_key, t) != 0) {
            free(t);
            return NULL;
        }
    }
    const struct offer_frag *fr[OTA_MAX_COMPONENTS];
    size_t nc = o->ncomponents < OTA_MAX_COMPONENTS ? o->ncomponents : OTA_MAX_COMPONENTS;
    char head[160];
    int hn = snprintf(head, sizeof head, "{\"job\":{\"id\":%" PRId64 ",\"plan_id\":%" PRId64
                      ",\"mode\":\"%s\",\"components\":[", o->job_id, o->plan_id, ota_mode_str(o->mode));
    size_t total = (size_t)hn + 3 + nc;
    for (size_t i = 0; i < nc; i++) {
        /* a slot is reused only after OFFER_FRAGS more misses: with more
         * components than that, encode the whole offer the slow way */
        if (nc > OFFER_FRAGS || !(fr[i] = component_text(t, &o->components[i]))) {
            json_t *j = ota_json_offer(o);
            char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
            json_decref(j);
            *len = s ? strlen(s) : 0;
            return s;
        }
        total += fr[i]->len;
    }
    char *out = malloc(total + 1);
    if (!out)
        return NULL;
    size_t n = (size_t)hn;
    memcpy(out, head, n);
    for (size_t i = 0; i < nc; i++) {
        if (i)
            out[n++] = ',';
        memcpy(out + n, fr[i]->text, fr[i]->len);
        n += fr[i]->len;
    }
    memcpy(out + n, "]}}", 4);
    *len = n + 3;
    return out;
}

json_t *ota_json_checkin(const ota_checkin_req *r)
{
    json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:o}", "device", r->device, "product", r->product,
                          "versions", codec_versions_json(r->versions, r->nversions),
                          "rsrp", r->has_rsrp ? json_integer(r->rsrp) : json_null(),
                          "battery", r->has_battery ? json_integer(r->battery) : json_null());
    if (j && r->timezone[0])
        json_object_set_new(j, "attributes", json_pack("{s:s}", "timezone", r->timezone));
    return j;
}

json_t *ota_json_job_confirm(const char *device)
{
    json_t *j = json_object();
    if (j && device)
        json_object_set_new(j, "device", json_string(device));
    return j;
}

json_t *ota_json_job_report(const char *device, ota_job_state to, int progress, const char *error_text)
{
    json_t *j = ota_json_job_confirm(device);
    if (!j)
        return NULL;
    json_object_set_new(j, "state", json_string(ota_job_state_str(to)));
    json_object_set_new(j, "progress", json_integer(progress));
    if (error_text && *error_text)
        json_object_set_new(j, "error", json_string(error_text));
    return j;
}

json_t *ota_json_verify(const ota_verify_result *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < v->nfiles; i++)
        json_array_append_new(a, json_pack("{s:s, s:b, s:o}", "name", v->files[i].name,
                                           "ok", v->files[i].ok,
                                           "error", codec_str_or_null(v->files[i].error)));
    return json_pack("{s:b, s:o}", "ok", v->ok, "files", a);
}

/* ------------------------------------------------------------ decoding */

static int get_bool(json_t *obj, const char *prefix, const char *key, bool *out, ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = CODEC_FIELD(prefix, key);
    if (!v)
        return ota_fail(e, OTA_E_BAD_REQUEST, field, "is required");
    if (!json_is_boolean(v))
        return codec_wrong_type(e, field, "a boolean", v);
    *out = json_is_true(v);
    return 0;
}

/* "attributes": the ones the engine acts on (API.md: "timezone", a
 * device's own zone for maintenance windows); absent or null: none. */
static int checkin_attributes(json_t *j, ota_checkin_req *out, ota_err *e)
{
    static const char *const keys[] = {"timezone", NULL};
    json_t *a = json_object_get(j, "attributes");
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_object(a))
        return codec_wrong_type(e, "attributes", "an object of strings or null", a);
    if (codec_check_keys(a, "attributes", keys, e) < 0)
        return -1;
    return codec_get_str(a, "attributes", "timezone", false, true, out->timezone, sizeof out->timezone,
                         CODEC_BYTES, OTA_TZ_NAME_MAX, e);
}

int ota_checkin_from_json(json_t *j, ota_checkin_req *out, ota_err *e)
{
    static const char *const keys[] = {"device", "product", "versions", "rsrp", "battery", "attributes", NULL};
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0 ||
        checkin_attributes(j, out, e) < 0)
        return -1;
    return codec_get_str(j, "", "device", true, false, out->device, sizeof out->device, CODEC_BYTES,
                         OTA_DEVICE_ID_MAX, e) ||
           codec_get_str(j, "", "product", true, false, out->product, sizeof out->product, CODEC_BYTES,
                         OTA_KEY_MAX, e) ||
           codec_get_versions(j, "versions", false, out->versions, &out->nversions, e) ||
           codec_get_int(j, "", "rsrp", false, &out->rsrp, &out->has_rsrp, e) ||
           codec_get_int(j, "", "battery", false, &out->battery, &out->has_battery, e) ? -1 : 0;
}

/* The package id is carried only by the file urls of the offer. */
static int64_t package_id_from_url(const ota_file *files, size_t n, json_t *jfiles)
{
    for (size_t i = 0; i < n; i++) {
        json_t *u = json_object_get(json_array_get(jfiles, i), "url");
        long long id;
        if (u && json_is_string(u) && sscanf(json_string_value(u), "/api/v1/packages/%lld/", &id) == 1)
            return id;
    }
    (void)files;
    return 0;
}

/* The offer carries the source version only inside its manifest text. */
static int manifest_source(json_t *c, const char *pre, ota_offer_component *oc, ota_err *e)
{
    json_t *m = json_object_get(c, "manifest");
    const char *field = CODEC_FIELD(pre, "manifest");
    if (!m || json_is_null(m))
        return 0;
    if (!json_is_string(m))
        return codec_wrong_type(e, field, "a string", m);
    json_t *doc = json_loadb(json_string_value(m), json_string_length(m), 0, NULL);
    json_t *sv = doc ? json_object_get(doc, "source_version") : NULL;
    int rc = 0;
    if (!doc || !json_is_object(doc))
        rc = ota_fail(e, OTA_E_BAD_REQUEST, field, "is not a JSON manifest");
    else if (sv && json_is_string(sv))
        rc = codec_put_str(field, json_string_value(sv), json_string_length(sv), oc->source_version,
                           sizeof oc->source_version, CODEC_BYTES, OTA_KEY_MAX, e);
    json_decref(doc);
    return rc;
}

int ota_offer_from_json(json_t *j, ota_job_offer *out, ota_err *e)
{
    static const char *const top[] = {"job", NULL};
    static const char *const keys[] = {"id", "plan_id", "mode", "components", NULL};
    static const char *const ckeys[] = {"component", "version", "kind", "files", "manifest", "signatures", NULL};
    *out = (ota_job_offer){.components = out->components, .cap = out->cap};  /* its array is reused */
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", top, e) < 0)
        return -1;
    json_t *job = json_object_get(j, "job");
    if (!job)
        return ota_fail(e, OTA_E_BAD_REQUEST, "job", "is required (null or a job)");
    if (json_is_null(job))
        return 0;
    if (codec_need_object(job, "job", e) < 0 || codec_check_keys(job, "job", keys, e) < 0 ||
        codec_get_i64(job, "job", "id", true, 1, INT64_MAX, &out->job_id, NULL, e) ||
        codec_get_i64(job, "job", "plan_id", true, 1, INT64_MAX, &out->plan_id, NULL, e) ||
        codec_get_enum(job, "job", "mode", true, codec_parse_mode, "confirm, silent", &out->mode, e))
        return -1;
    out->has_job = true;
    out->state = out->mode == OTA_MODE_CONFIRM ? OTA_JOB_AWAITING_CONFIRMATION : OTA_JOB_OFFERED;
    json_t *a = json_object_get(job, "components");
    if (!a || !json_is_array(a))
        return codec_wrong_type(e, "job.components", "an array", a ? a : json_null());
    if (json_array_size(a) > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, "job.components", "at most %d components",
                        OTA_MAX_COMPONENTS);
    if (ota_job_offer_reserve(out, json_array_size(a), e) < 0)
        return -1;
    size_t i;
    json_t *c;
    json_array_foreach(a, i, c) {
        char pre[64];
        snprintf(pre, sizeof pre, "job.components[%zu]", i);
        ota_offer_component *oc = &out->components[i];
        memset(oc, 0, sizeof *oc);
        if (codec_need_object(c, pre, e) < 0 || codec_check_keys(c, pre, ckeys, e) < 0 ||
            codec_get_str(c, pre, "component", true, false, oc->component, sizeof oc->component,
                          CODEC_BYTES, OTA_KEY_MAX, e) ||
            codec_get_str(c, pre, "version", true, false, oc->version, sizeof oc->version, CODEC_BYTES,
                          OTA_KEY_MAX, e) ||
            codec_get_enum(c, pre, "kind", true, codec_parse_kind, "full, diff", &oc->kind, e) ||
            codec_files_from_json(c, pre, oc->files, &oc->nfiles, e) ||
            codec_sigs_from_json(c, pre, oc->signatures, &oc->nsignatures, e) ||
            manifest_source(c, pre, oc, e))
            return -1;
        oc->package_id = package_id_from_url(oc->files, oc->nfiles, json_object_get(c, "files"));
        out->ncomponents = i + 1;
    }
    return 0;
}

/* Confirm and report bodies keep otad's own words (the caller makes an
 * empty body {}): a body that is not an object, a "device" that is not a
 * string, then every other member in the order it came. */
static int job_body(json_t *j, ota_job_req *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return ota_fail(e, OTA_E_BAD_REQUEST, NULL, "the body must be a JSON object");
    json_t *d = json_object_get(j, "device");
    if (d && !json_is_string(d))
        return ota_fail(e, OTA_E_BAD_REQUEST, "device", "must be a string");
    out->device = json_string_value(d);
    return 0;
}

int ota_job_confirm_from_json(json_t *j, ota_job_req *out, ota_err *e)
{
    const char *key;
    json_t *v;
    if (job_body(j, out, e) < 0)
        return -1;
    json_object_foreach(j, key, v)
        if (strcmp(key, "device"))
            return ota_fail(e, OTA_E_BAD_REQUEST, key, "unknown field");
    return 0;
}

int ota_job_report_from_json(json_t *j, ota_job_req *out, ota_err *e)
{
    const char *state = NULL, *key;
    json_t *v;
    if (job_body(j, out, e) < 0)
        return -1;
    json_object_foreach(j, key, v) {
        if (!strcmp(key, "device"))
            continue;
        if (!strcmp(key, "state") && json_is_string(v))
            state = json_string_value(v);
        else if (!strcmp(key, "error") && (json_is_string(v) || json_is_null(v)))
            out->error = json_string_value(v);
        else if (!strcmp(key, "progress") && json_is_integer(v))
            out->progress = json_integer_value(v) < 0 || json_integer_value(v) > 100
                                ? -1 : (int)json_integer_value(v);
        else if (!strcmp(key, "state") || !strcmp(key, "error") || !strcmp(key, "progress"))
            return ota_fail(e, OTA_E_BAD_REQUEST, key, "wrong type");
        else
            return ota_fail(e, OTA_E_BAD_REQUEST, key, "unknown field");
    }
    if (!state)
        return ota_fail(e, OTA_E_BAD_REQUEST, "state", "is required");
    if (ota_job_state_parse(state, &out->state) < 0 || !ota_job_is_reportable(out->state))
        return ota_fail(e, OTA_E_VALIDATION, "state",
                        "must be downloading, installing, succeeded or failed (got '%.40s')", state);
    if (out->progress < 0)
        return ota_fail(e, OTA_E_VALIDATION, "progress", "must be between 0 and 100");
    return 0;
}

int ota_verify_from_json(json_t *j, ota_verify_result *out, ota_err *e)
{
    static const char *const keys[] = {"ok", "files", NULL};
    static const char *const fkeys[] = {"name", "ok", "error", NULL};
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0 ||
        get_bool(j, "", "ok", &out->ok, e))
        return -1;
    json_t *a = json_object_get(j, "files");
    if (!a || !json_is_array(a))
        return codec_wrong_type(e, "files", "an array", a ? a : json_null());
    if (json_array_size(a) > OTA_MAX_FILES)
        return ota_fail(e, OTA_E_VALIDATION, "files", "at most %d files", OTA_MAX_FILES);
    size_t i;
    json_t *f;
    json_array_foreach(a, i, f) {
        char pre[64];
        snprintf(pre, sizeof pre, "files[%zu]", i);
        if (codec_need_object(f, pre, e) < 0 || codec_check_keys(f, pre, fkeys, e) < 0 ||
            codec_get_str(f, pre, "name", true, false, out->files[i].name, sizeof out->files[i].name,
                          CODEC_BYTES, OTA_FILE_NAME_MAX, e) ||
            get_bool(f, pre, "ok", &out->files[i].ok, e) ||
            codec_get_str(f, pre, "error", false, true, out->files[i].error, sizeof out->files[i].error,
                          CODEC_BYTES, sizeof out->files[i].error - 1, e))
            return -1;
        out->nfiles = i + 1;
    }
    return 0;
}

