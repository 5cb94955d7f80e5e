/* The one JSON codec (jansson), shapes exactly as in API.md.
 *
 * Encoders never fail except on memory exhaustion (they then return NULL).
 * Decoders are strict: a wrong type or an unknown field is a bad_request
 * naming the field ("strategy.retries", "components[2].package_id"); a value
 * that does not fit its limit is validation_failed (never truncated).  The
 * domain rules themselves (ranges, endings, window order) stay in
 * validate.c, so a decoded struct still goes through ota_validate_*.
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* The largest body ota_json_parse accepts: a bulk device import of a large
 * fleet fits, a runaway upload does not. */
#define OTA_JSON_MAX_BYTES (64u * 1024 * 1024)

/* ------------------------------------------------------------ encoding */

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *time_json(int64_t t)
{
    char buf[40];
    return json_string(ota_time_format(t, buf, sizeof buf));
}

static json_t *time_or_null(int64_t t)
{
    return t ? time_json(t) : json_null();
}

json_t *ota_json_product(const ota_product *p)
{
    json_t *j = json_pack("{s:s, s:s}", "key", p->key, "name", p->name);
    if (j && p->created_at)
        json_object_set_new(j, "created_at", time_json(p->created_at));
    return j;
}

json_t *ota_json_product_added(const ota_product *p, const char *device_key)
{
    json_t *j = ota_json_product(p);
    if (j)
        json_object_set_new(j, "device_key", json_string(device_key));
    return j;
}

static json_t *versions_json(const ota_version *v, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, v[i].component, json_string(v[i].version));
    return o;
}

json_t *ota_json_device(const ota_device *d)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "id", d->id, "product", d->product,
                     "versions", versions_json(d->versions, d->nversions),
                     "rsrp", d->has_rsrp ? json_integer(d->rsrp) : json_null(),
                     "battery", d->has_battery ? json_integer(d->battery) : json_null(),
                     "last_seen", time_or_null(d->last_seen));
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

static json_t *files_json(const ota_file *f, size_t n, int64_t package_id)
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
                     "source_version", str_or_null(m->source_version), "remark", m->remark);
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

static json_t *signatures_json(const ota_signature *s, size_t n)
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
    json_object_set_new(j, "created_at", time_json(p->created_at));
    json_object_set_new(j, "files", files_json(p->files, p->nfiles, 0));
    if (p->nsignatures)  /* absent when unsigned: the API.md shape stays as it was */
        json_object_set_new(j, "signatures", signatures_json(p->signatures, p->nsignatures));
    return j;
}

static json_t *strlist_json(const ota_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

json_t *ota_json_plan(const ota_plan *p)
{
    json_t *comps = json_array();
    for (size_t i = 0; comps && i < p->ncomponents; i++)
        json_array_append_new(comps, json_pack("{s:s, s:I}", "component", p->components[i].component,
                                               "package_id", (json_int_t)p->components[i].package_id));
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:I, s:o, s:o, s:s,"
        " s:{s:i, s:i, s:i, s:I}, s:{s:o, s:o}, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)p->id, "name", p->name, "product", p->product,
        "state", ota_plan_state_str(p->state), "revision", (json_int_t)p->revision,
        "blacklist", strlist_json(&p->blacklist), "whitelist", strlist_json(&p->whitelist),
        "mode", ota_mode_str(p->mode),
        "strategy", "retries", p->retries, "min_rsrp", p->min_rsrp, "min_battery", p->min_battery,
        "job_timeout", (json_int_t)p->job_timeout,
        "window", "start", time_json(p->window_start), "end", time_json(p->window_end),
        "components", comps,
        "created_at", time_or_null(p->created_at), "updated_at", time_or_null(p->updated_at),
        "activated_at", time_or_null(p->activated_at));
    if (j && p->state == OTA_PLAN_PAUSED)
        json_object_set_new(j, "paused_from", json_string(ota_plan_state_str(p->paused_from)));
    if (j && p->required_signatures)  /* absent when 0 (no signature policy) */
        json_object_set_new(j, "required_signatures", json_integer(p->required_signatures));
    return j;
}

json_t *ota_json_preview(const ota_preview *p)
{
    return json_pack("{s:I, s:{s:I, s:I, s:I}, s:{s:I, s:I}}", "targeted", (json_int_t)p->targeted,
                     "excluded", "blacklisted", (json_int_t)p->blacklisted,
                     "not_whitelisted", (json_int_t)p->not_whitelisted,
                     "version_mismatch", (json_int_t)p->version_mismatch,
                     "deferred_now", "battery", (json_int_t)p->deferred_battery,
                     "rsrp", (json_int_t)p->deferred_rsrp);
}

json_t *ota_json_status(const ota_plan_status *s)
{
    json_t *counts = json_object();
    for (int i = 0; counts && i < OTA_JOB__COUNT; i++)
        json_object_set_new(counts, ota_job_state_str((ota_job_state)i), json_integer(s->counts[i]));
    return json_pack("{s:s, s:I, s:o, s:I}", "state", ota_plan_state_str(s->state),
                     "revision", (json_int_t)s->revision, "counts", counts,
                     "last_seq", (json_int_t)s->last_seq);
}

json_t *ota_json_job_row(const ota_job_row *r)
{
    return json_pack("{s:I, s:s, s:s, s:i, s:i, s:o, s:o, s:o}", "job_id", (json_int_t)r->job_id,
                     "device", r->device, "state", ota_job_state_str(r->state), "attempt", r->attempt,
                     "progress", r->progress, "reason", str_or_null(r->reason),
                     "error", str_or_null(r->error), "updated_at", time_or_null(r->updated_at));
}

json_t *ota_json_event(const ota_event *ev)
{
    return json_pack("{s:I, s:o, s:o, s:s, s:s}", "seq", (json_int_t)ev->seq, "at", time_json(ev->at),
                     "device", str_or_null(ev->device), "from", ev->from, "to", ev->to);
}

json_t *ota_json_events(const ota_event_page *p)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->n; i++)
        json_array_append_new(a, ota_json_event(&p->items[i]));
    return json_pack("{s:o, s:I}", "events", a, "last_seq", (json_int_t)p->last_seq);
}

static json_t *offer_component_json(const ota_offer_component *c)
{
    size_t mlen = 0;
    char *m = ota_manifest_offer(c, &mlen);
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "component", c->component, "version", c->version,
                          "kind", ota_kind_str(c->kind), "files", files_json(c->files, c->nfiles, c->package_id),
                          "manifest", m ? json_stringn(m, mlen) : json_null(),
                          "signatures", signatures_json(c->signatures, c->nsignatures));
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

json_t *ota_json_audit_row(const ota_audit_row *r)
{
    return json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)r->seq, "at", time_json(r->at),
                     "actor", r->actor, "action", r->action, "target", r->target, "outcome", r->outcome,
                     "detail", r->detail);
}

json_t *ota_json_checkin(const ota_checkin_req *r)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "device", r->device, "product", r->product,
                     "versions", versions_json(r->versions, r->nversions),
                     "rsrp", r->has_rsrp ? json_integer(r->rsrp) : json_null(),
                     "battery", r->has_battery ? json_integer(r->battery) : json_null());
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
                                           "ok", v->files[i].ok, "error", str_or_null(v->files[i].error)));
    return json_pack("{s:b, s:o}", "ok", v->ok, "files", a);
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
                     "next_cursor", str_or_null(next_cursor));
}

/* ------------------------------------------------------------ decoding */

/* A field path for messages: prefix "components[1]" + key "package_id". */
static const char *fpath(char *buf, size_t len, const char *prefix, const char *key)
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

#define FIELD(prefix, key) fpath((char[64]){0}, 64, (prefix), (key))

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

static int wrong_type(ota_err *e, const char *field, const char *want, const json_t *got)
{
    return ota_fail(e, OTA_E_BAD_REQUEST, field, "must be %s (got %s)", want, json_type_name(got));
}

/* Refuses any key of obj not in allowed (NULL-terminated). */
static int check_keys(json_t *obj, const char *prefix, const char *const *allowed, ota_err *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = !strcmp(*a, key);
        if (!known)
            return ota_fail(e, OTA_E_BAD_REQUEST, FIELD(prefix, key), "unknown field");
    }
    return 0;
}

static int need_object(json_t *j, const char *field, ota_err *e)
{
    if (!j || !json_is_object(j))
        return wrong_type(e, field && *field ? field : "body", "an object", j ? j : json_null());
    return 0;
}

/* Length rules for strings copied into fixed buffers. */
enum { LIM_BYTES, LIM_CHARS };

static int put_str(const char *field, const char *s, size_t slen, char *dst, size_t cap, int how,
                   size_t limit, ota_err *e)
{
    if (how == LIM_CHARS) {
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

/* Optional string member; null accepted when nullable (leaves dst ""). */
static int get_str(json_t *obj, const char *prefix, const char *key, bool required, bool nullable,
                   char *dst, size_t cap, int how, size_t limit, ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = FIELD(prefix, key);
    if (!v || (nullable && json_is_null(v))) {
        if (required && !v)
            return ota_fail(e, OTA_E_VALIDATION, field, "is required");
        dst[0] = '\0';
        return 0;
    }
    if (!json_is_string(v))
        return wrong_type(e, field, nullable ? "a string or null" : "a string", v);
    return put_str(field, json_string_value(v), json_string_length(v), dst, cap, how, limit, e);
}

static int get_i64(json_t *obj, const char *prefix, const char *key, bool required, int64_t lo,
                   int64_t hi, int64_t *out, bool *present, ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = FIELD(prefix, key);
    if (present)
        *present = false;
    if (!v || (present && json_is_null(v))) {
        if (required)
            return ota_fail(e, OTA_E_VALIDATION, field, "is required");
        return 0;
    }
    if (!json_is_integer(v))
        return wrong_type(e, field, present ? "an integer or null" : "an integer", v);
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi)
        return ota_fail(e, OTA_E_BAD_REQUEST, field, "must be between %" PRId64 " and %" PRId64
                        " (got %" JSON_INTEGER_FORMAT ")", lo, hi, n);
    *out = n;
    if (present)
        *present = true;
    return 0;
}

static int get_int(json_t *obj, const char *prefix, const char *key, bool required, int *out,
                   bool *present, ota_err *e)
{
    int64_t v = *out;
    if (get_i64(obj, prefix, key, required, INT_MIN, INT_MAX, &v, present, e) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* Optional RFC 3339 time member; null leaves *out 0. */
static int get_time(json_t *obj, const char *prefix, const char *key, bool required, int64_t *out,
                    ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = FIELD(prefix, key);
    if (!v || json_is_null(v)) {
        if (required)
            return ota_fail(e, OTA_E_VALIDATION, field, "is required");
        *out = 0;
        return 0;
    }
    if (!json_is_string(v))
        return wrong_type(e, field, "an RFC 3339 time string", v);
    if (ota_time_parse(json_string_value(v), out) < 0)
        return ota_fail(e, OTA_E_BAD_REQUEST, field,
                        "is not an RFC 3339 time such as 2026-12-01T00:00:00Z (got \"%.40s\")",
                        json_string_value(v));
    return 0;
}

static int get_bool(json_t *obj, const char *prefix, const char *key, bool *out, ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = FIELD(prefix, key);
    if (!v)
        return ota_fail(e, OTA_E_BAD_REQUEST, field, "is required");
    if (!json_is_boolean(v))
        return wrong_type(e, field, "a boolean", v);
    *out = json_is_true(v);
    return 0;
}


static int get_enum(json_t *obj, const char *prefix, const char *key, bool required,
                    int (*parse)(const char *, void *), const char *choices, void *out, ota_err *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = FIELD(prefix, key);
    if (!v) {
        if (required)
            return ota_fail(e, OTA_E_VALIDATION, field, "is required (one of %s)", choices);
        return 0;
    }
    if (!json_is_string(v))
        return wrong_type(e, field, "a string", v);
    if (parse(json_string_value(v), out) < 0)
        return ota_fail(e, OTA_E_VALIDATION, field, "must be one of %s (got \"%.60s\")", choices,
                        json_string_value(v));
    return 0;
}

#define ENUM_ADAPTER(name, fn, type) \
    static int name(const char *s, void *out) { return fn(s, (type *)out); }
ENUM_ADAPTER(parse_kind, ota_kind_parse, ota_kind)
ENUM_ADAPTER(parse_mode, ota_mode_parse, ota_mode)
ENUM_ADAPTER(parse_plan_state, ota_plan_state_parse, ota_plan_state)
ENUM_ADAPTER(parse_job_state, ota_job_state_parse, ota_job_state)

/* {"module":"1.0.0",...} into versions[], at most OTA_MAX_COMPONENTS. */
static int get_versions(json_t *obj, const char *key, bool required, ota_version *v, size_t *n,
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
        return wrong_type(e, key, "an object of component to version", o);
    if (json_object_size(o) > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, key, "at most %d components (got %zu)",
                        OTA_MAX_COMPONENTS, json_object_size(o));
    const char *comp;
    json_t *ver;
    json_object_foreach(o, comp, ver) {
        const char *field = FIELD(key, comp);
        if (!json_is_string(ver))
            return wrong_type(e, field, "a version string", ver);
        if (put_str(key, comp, strlen(comp), v[*n].component, sizeof v[*n].component, LIM_BYTES,
                    OTA_KEY_MAX, e) < 0 ||
            put_str(field, json_string_value(ver), json_string_length(ver), v[*n].version,
                    sizeof v[*n].version, LIM_BYTES, OTA_KEY_MAX, e) < 0)
            return -1;
        (*n)++;
    }
    return 0;
}

int ota_product_from_json(json_t *j, ota_product *out, ota_err *e)
{
    static const char *const keys[] = {"key", "name", "created_at", "device_key", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0)
        return -1;
    json_t *dk = json_object_get(j, "device_key");
    if (dk && !json_is_string(dk))
        return wrong_type(e, "device_key", "a string", dk);
    return get_str(j, "", "key", true, false, out->key, sizeof out->key, LIM_BYTES, OTA_KEY_MAX, e) ||
           get_str(j, "", "name", true, false, out->name, sizeof out->name, LIM_CHARS,
                   OTA_NAME_MAX_CHARS, e) ||
           get_time(j, "", "created_at", false, &out->created_at, e) ? -1 : 0;
}

int ota_product_added_from_json(json_t *j, ota_product *out, char *device_key_out, ota_err *e)
{
    char key[65];
    if (ota_product_from_json(j, out, e) < 0 ||
        get_str(j, "", "device_key", true, false, key, sizeof key, LIM_BYTES, sizeof key - 1, e) < 0)
        return -1;
    if (device_key_out)
        memcpy(device_key_out, key, sizeof key);
    return 0;
}

/* A device's members; a detail has "attributes" too (device_keys: the rest). */
static const char *const detail_keys[] = {"attributes", "id", "product", "versions", "rsrp", "battery",
                                          "last_seen", NULL};
static const char *const *const device_keys = detail_keys + 1;

static int device_fields(json_t *j, ota_device *out, ota_err *e)
{
    return get_str(j, "", "id", true, false, out->id, sizeof out->id, LIM_BYTES, OTA_DEVICE_ID_MAX, e) ||
           get_str(j, "", "product", false, false, out->product, sizeof out->product, LIM_BYTES,
                   OTA_KEY_MAX, e) ||
           get_versions(j, "versions", true, out->versions, &out->nversions, e) ||
           get_int(j, "", "rsrp", false, &out->rsrp, &out->has_rsrp, e) ||
           get_int(j, "", "battery", false, &out->battery, &out->has_battery, e) ||
           get_time(j, "", "last_seen", false, &out->last_seen, e) ? -1 : 0;
}

int ota_device_from_json(json_t *j, ota_device *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", device_keys, e) < 0)
        return -1;
    return device_fields(j, out, e);
}

int ota_device_detail_from_json(json_t *j, ota_device *out, json_t **attrs, ota_err *e)
{
    if (attrs)
        *attrs = NULL;
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", detail_keys, e) < 0)
        return -1;
    json_t *a = json_object_get(j, "attributes"), *v;
    const char *key;
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, "attributes", "is required");
    if (!json_is_object(a))
        return wrong_type(e, "attributes", "an object of strings", a);
    json_object_foreach(a, key, v)
        if (!json_is_string(v))
            return wrong_type(e, FIELD("attributes", key), "a string", v);
    if (device_fields(j, out, e) < 0)
        return -1;
    if (attrs)
        *attrs = json_incref(a);
    return 0;
}

int ota_page_from_json(json_t *j, json_t **items, char *next_cursor, ota_err *e)
{
    static const char *const keys[] = {"items", "next_cursor", NULL};
    char cursor[OTA_CURSOR_MAX];
    *items = NULL;
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0)
        return -1;
    json_t *it = json_object_get(j, "items");
    if (!it)
        return ota_fail(e, OTA_E_VALIDATION, "items", "is required");
    if (!json_is_array(it))
        return wrong_type(e, "items", "an array", it);
    if (get_str(j, "", "next_cursor", false, true, cursor, sizeof cursor, LIM_BYTES, sizeof cursor - 1, e) < 0)
        return -1;
    if (next_cursor)
        memcpy(next_cursor, cursor, sizeof cursor);
    *items = it;
    return 0;
}

static int file_from_json(json_t *j, const char *prefix, ota_file *f, ota_err *e)
{
    static const char *const keys[] = {"name", "size", "sha256", "url", NULL};
    memset(f, 0, sizeof *f);
    int64_t size = 0;
    if (need_object(j, prefix, e) < 0 || check_keys(j, prefix, keys, e) < 0 ||
        get_str(j, prefix, "name", true, false, f->name, sizeof f->name, LIM_BYTES, OTA_FILE_NAME_MAX, e) ||
        get_i64(j, prefix, "size", true, 0, INT64_MAX, &size, NULL, e) ||
        get_str(j, prefix, "sha256", true, false, f->sha256, sizeof f->sha256, LIM_BYTES, 64, e))
        return -1;
    json_t *url = json_object_get(j, "url");
    if (url && !json_is_string(url))
        return wrong_type(e, FIELD(prefix, "url"), "a string", url);
    f->size = (uint64_t)size;
    return 0;
}

/* "files":[...] into f[], at most OTA_MAX_FILES. */
static int files_from_json(json_t *obj, const char *prefix, ota_file *f, size_t *n, ota_err *e)
{
    json_t *a = json_object_get(obj, "files");
    const char *field = FIELD(prefix, "files");
    *n = 0;
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, field, "is required");
    if (!json_is_array(a))
        return wrong_type(e, field, "an array", a);
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
    return get_str(j, "", "component", true, false, m->component, sizeof m->component, LIM_BYTES,
                   OTA_KEY_MAX, e) ||
           get_enum(j, "", "kind", true, parse_kind, "full, diff", &m->kind, e) ||
           get_str(j, "", "target_version", true, false, m->target_version, sizeof m->target_version,
                   LIM_BYTES, OTA_KEY_MAX, e) ||
           get_str(j, "", "source_version", false, true, m->source_version, sizeof m->source_version,
                   LIM_BYTES, OTA_KEY_MAX, e) ||
           get_str(j, "", "remark", false, true, m->remark, sizeof m->remark, LIM_CHARS,
                   OTA_REMARK_MAX_CHARS, e) ? -1 : 0;
}

int ota_package_meta_from_json(json_t *j, ota_package_meta *out, ota_err *e)
{
    static const char *const keys[] = {"component", "kind", "target_version", "source_version",
                                       "remark", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "meta", e) < 0 || check_keys(j, "", keys, e) < 0)
        return -1;
    return meta_fields(j, out, e);
}

static int sig_fields(json_t *j, const char *pre, ota_signature *out, ota_err *e)
{
    static const char *const keys[] = {"key_id", "signer", "signature", "public_key", "created_at", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, pre, e) < 0 || check_keys(j, pre, keys, e) < 0)
        return -1;
    return get_str(j, pre, "key_id", true, false, out->key_id, sizeof out->key_id, LIM_BYTES, OTA_KEY_ID_LEN, e) ||
           get_str(j, pre, "signer", true, false, out->signer, sizeof out->signer, LIM_BYTES, OTA_SIGNER_MAX, e) ||
           get_str(j, pre, "signature", true, false, out->signature, sizeof out->signature, LIM_BYTES,
                   sizeof out->signature - 1, e) ||
           get_str(j, pre, "public_key", false, true, out->public_key, sizeof out->public_key, LIM_BYTES,
                   sizeof out->public_key - 1, e) ||
           get_time(j, pre, "created_at", false, &out->created_at, e) ? -1 : 0;
}

int ota_signature_from_json(json_t *j, ota_signature *out, ota_err *e)
{
    return sig_fields(j, "", out, e);
}

/* Optional "signatures":[...] of obj, at most OTA_SIG_MAX. */
static int sigs_from_json(json_t *obj, const char *prefix, ota_signature *s, size_t *n, ota_err *e)
{
    json_t *a = json_object_get(obj, "signatures");
    const char *field = FIELD(prefix, "signatures");
    *n = 0;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return wrong_type(e, field, "an array", a);
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
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0)
        return -1;
    return get_i64(j, "", "id", true, 1, INT64_MAX, &out->id, NULL, e) || meta_fields(j, &out->meta, e) ||
           get_time(j, "", "created_at", false, &out->created_at, e) ||
           files_from_json(j, "", out->files, &out->nfiles, e) ||
           sigs_from_json(j, "", out->signatures, &out->nsignatures, e) ? -1 : 0;
}

int ota_audit_row_from_json(json_t *j, ota_audit_row *out, ota_err *e)
{
    static const char *const keys[] = {"seq", "at", "actor", "action", "target", "outcome", "detail", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0)
        return -1;
    return get_i64(j, "", "seq", true, 0, INT64_MAX, &out->seq, NULL, e) ||
           get_time(j, "", "at", true, &out->at, e) ||
           get_str(j, "", "actor", true, false, out->actor, sizeof out->actor, LIM_BYTES, OTA_AUDIT_ACTOR_MAX, e) ||
           get_str(j, "", "action", true, false, out->action, sizeof out->action, LIM_BYTES,
                   sizeof out->action - 1, e) ||
           get_str(j, "", "target", true, false, out->target, sizeof out->target, LIM_BYTES,
                   OTA_AUDIT_TARGET_MAX, e) ||
           get_str(j, "", "outcome", true, false, out->outcome, sizeof out->outcome, LIM_BYTES,
                   sizeof out->outcome - 1, e) ||
           get_str(j, "", "detail", false, true, out->detail, sizeof out->detail, LIM_BYTES,
                   sizeof out->detail - 1, e) ? -1 : 0;
}

static int strlist_from_json(json_t *obj, const char *key, ota_strlist *l, ota_err *e)
{
    json_t *a = json_object_get(obj, key);
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return wrong_type(e, key, "an array of device ids", a);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        char field[64];
        snprintf(field, sizeof field, "%s[%zu]", key, i);
        if (!json_is_string(v))
            return wrong_type(e, field, "a device id string", v);
        if (json_string_length(v) > OTA_DEVICE_ID_MAX)
            return ota_fail(e, OTA_E_VALIDATION, field, "at most %d bytes (got %zu)",
                            OTA_DEVICE_ID_MAX, json_string_length(v));
        if (memchr(json_string_value(v), '\0', json_string_length(v)))
            return ota_fail(e, OTA_E_VALIDATION, field, "holds a NUL character");
        if (ota_strlist_push(l, json_string_value(v)) < 0)
            return ota_fail(e, OTA_E_INTERNAL, field, "out of memory");
    }
    return 0;
}

static int strategy_from_json(json_t *j, ota_plan *p, ota_err *e)
{
    static const char *const keys[] = {"retries", "min_rsrp", "min_battery", "job_timeout", NULL};
    json_t *s = json_object_get(j, "strategy");
    if (!s)
        return 0;
    if (need_object(s, "strategy", e) < 0 || check_keys(s, "strategy", keys, e) < 0)
        return -1;
    return get_int(s, "strategy", "retries", false, &p->retries, NULL, e) ||
           get_int(s, "strategy", "min_rsrp", false, &p->min_rsrp, NULL, e) ||
           get_int(s, "strategy", "min_battery", false, &p->min_battery, NULL, e) ||
           get_i64(s, "strategy", "job_timeout", false, 0, INT32_MAX, &p->job_timeout, NULL, e) ? -1 : 0;
}

static int window_from_json(json_t *j, ota_plan *p, ota_err *e)
{
    static const char *const keys[] = {"start", "end", NULL};
    json_t *w = json_object_get(j, "window");
    if (!w)
        return ota_fail(e, OTA_E_VALIDATION, "window", "is required (start and end)");
    if (need_object(w, "window", e) < 0 || check_keys(w, "window", keys, e) < 0)
        return -1;
    return get_time(w, "window", "start", true, &p->window_start, e) ||
           get_time(w, "window", "end", true, &p->window_end, e) ? -1 : 0;
}

static int components_from_json(json_t *j, ota_plan *p, ota_err *e)
{
    static const char *const keys[] = {"component", "package_id", NULL};
    json_t *a = json_object_get(j, "components");
    if (!a)
        return 0;  /* "at least one component" is validate.c's rule */
    if (!json_is_array(a))
        return wrong_type(e, "components", "an array", a);
    if (json_array_size(a) > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, "components", "at most %d components (got %zu)",
                        OTA_MAX_COMPONENTS, json_array_size(a));
    size_t i;
    json_t *c;
    json_array_foreach(a, i, c) {
        char pre[64];
        snprintf(pre, sizeof pre, "components[%zu]", i);
        ota_plan_component *pc = &p->components[i];
        if (need_object(c, pre, e) < 0 || check_keys(c, pre, keys, e) < 0 ||
            get_str(c, pre, "component", true, false, pc->component, sizeof pc->component, LIM_BYTES,
                    OTA_KEY_MAX, e) ||
            get_i64(c, pre, "package_id", true, 1, INT64_MAX, &pc->package_id, NULL, e))
            return -1;
        p->ncomponents = i + 1;
    }
    return 0;
}

/* Server-only fields are decoded when present (a client reading a server
 * answer needs them); a server handling a request must take id and revision
 * from the URL and If-Match, and never trusts state or the times. */
int ota_plan_from_json(json_t *j, ota_plan *out, ota_err *e)
{
    static const char *const keys[] = {"id", "name", "product", "state", "revision", "blacklist",
                                       "whitelist", "mode", "strategy", "window", "components",
                                       "created_at", "updated_at", "activated_at", "paused_from",
                                       "required_signatures", NULL};
    ota_plan_init(out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0)
        goto fail;
    if (get_i64(j, "", "id", false, 0, INT64_MAX, &out->id, NULL, e) ||
        get_str(j, "", "name", true, false, out->name, sizeof out->name, LIM_CHARS, OTA_NAME_MAX_CHARS, e) ||
        get_str(j, "", "product", true, false, out->product, sizeof out->product, LIM_BYTES, OTA_KEY_MAX, e) ||
        get_enum(j, "", "state", false, parse_plan_state, "saved, active, upgrading, paused, terminated, ended",
                 &out->state, e) ||
        get_i64(j, "", "revision", false, 0, INT64_MAX, &out->revision, NULL, e) ||
        strlist_from_json(j, "blacklist", &out->blacklist, e) ||
        strlist_from_json(j, "whitelist", &out->whitelist, e) ||
        get_enum(j, "", "mode", false, parse_mode, "confirm, silent", &out->mode, e) ||
        strategy_from_json(j, out, e) || window_from_json(j, out, e) ||
        components_from_json(j, out, e) ||
        get_time(j, "", "created_at", false, &out->created_at, e) ||
        get_time(j, "", "updated_at", false, &out->updated_at, e) ||
        get_time(j, "", "activated_at", false, &out->activated_at, e) ||
        get_enum(j, "", "paused_from", false, parse_plan_state, "active, upgrading", &out->paused_from, e) ||
        get_int(j, "", "required_signatures", false, &out->required_signatures, NULL, e))
        goto fail;
    return 0;
fail:
    ota_plan_free(out);
    return -1;
}

static int count_from_json(json_t *obj, const char *prefix, const char *key, long *out, ota_err *e)
{
    int64_t v = 0;
    if (get_i64(obj, prefix, key, true, 0, LONG_MAX, &v, NULL, e) < 0)
        return -1;
    *out = (long)v;
    return 0;
}

int ota_preview_from_json(json_t *j, ota_preview *out, ota_err *e)
{
    static const char *const keys[] = {"targeted", "excluded", "deferred_now", NULL};
    static const char *const ex_keys[] = {"blacklisted", "not_whitelisted", "version_mismatch", NULL};
    static const char *const df_keys[] = {"battery", "rsrp", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0)
        return -1;
    json_t *ex = json_object_get(j, "excluded"), *df = json_object_get(j, "deferred_now");
    if (need_object(ex, "excluded", e) < 0 || check_keys(ex, "excluded", ex_keys, e) < 0 ||
        need_object(df, "deferred_now", e) < 0 || check_keys(df, "deferred_now", df_keys, e) < 0)
        return -1;
    return count_from_json(j, "", "targeted", &out->targeted, e) ||
           count_from_json(ex, "excluded", "blacklisted", &out->blacklisted, e) ||
           count_from_json(ex, "excluded", "not_whitelisted", &out->not_whitelisted, e) ||
           count_from_json(ex, "excluded", "version_mismatch", &out->version_mismatch, e) ||
           count_from_json(df, "deferred_now", "battery", &out->deferred_battery, e) ||
           count_from_json(df, "deferred_now", "rsrp", &out->deferred_rsrp, e) ? -1 : 0;
}

int ota_status_from_json(json_t *j, ota_plan_status *out, ota_err *e)
{
    static const char *const keys[] = {"state", "revision", "counts", "last_seq", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0 ||
        get_enum(j, "", "state", true, parse_plan_state, "a plan state", &out->state, e) ||
        get_i64(j, "", "revision", true, 0, INT64_MAX, &out->revision, NULL, e) ||
        get_i64(j, "", "last_seq", false, 0, INT64_MAX, &out->last_seq, NULL, e))
        return -1;
    json_t *c = json_object_get(j, "counts");
    const char *names[OTA_JOB__COUNT + 1];
    for (int i = 0; i < OTA_JOB__COUNT; i++)
        names[i] = ota_job_state_str((ota_job_state)i);
    names[OTA_JOB__COUNT] = NULL;
    if (need_object(c, "counts", e) < 0 || check_keys(c, "counts", names, e) < 0)
        return -1;
    for (int i = 0; i < OTA_JOB__COUNT; i++)
        if (count_from_json(c, "counts", names[i], &out->counts[i], e) < 0)
            return -1;
    return 0;
}

int ota_job_row_from_json(json_t *j, ota_job_row *out, ota_err *e)
{
    static const char *const keys[] = {"job_id", "device", "state", "attempt", "progress", "reason",
                                       "error", "updated_at", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0)
        return -1;
    return get_i64(j, "", "job_id", false, 0, INT64_MAX, &out->job_id, NULL, e) ||
           get_str(j, "", "device", true, false, out->device, sizeof out->device, LIM_BYTES,
                   OTA_DEVICE_ID_MAX, e) ||
           get_enum(j, "", "state", true, parse_job_state, "a job state", &out->state, e) ||
           get_int(j, "", "attempt", true, &out->attempt, NULL, e) ||
           get_int(j, "", "progress", true, &out->progress, NULL, e) ||
           get_str(j, "", "reason", false, true, out->reason, sizeof out->reason, LIM_BYTES,
                   sizeof out->reason - 1, e) ||
           get_str(j, "", "error", false, true, out->error, sizeof out->error, LIM_BYTES,
                   sizeof out->error - 1, e) ||
           get_time(j, "", "updated_at", false, &out->updated_at, e) ? -1 : 0;
}

static int event_from_json(json_t *j, const char *pre, ota_event *ev, ota_err *e)
{
    static const char *const keys[] = {"seq", "at", "device", "from", "to", NULL};
    memset(ev, 0, sizeof *ev);
    if (need_object(j, pre, e) < 0 || check_keys(j, pre, keys, e) < 0)
        return -1;
    return get_i64(j, pre, "seq", true, 0, INT64_MAX, &ev->seq, NULL, e) ||
           get_time(j, pre, "at", true, &ev->at, e) ||
           get_str(j, pre, "device", false, true, ev->device, sizeof ev->device, LIM_BYTES,
                   OTA_DEVICE_ID_MAX, e) ||
           get_str(j, pre, "from", true, false, ev->from, sizeof ev->from, LIM_BYTES,
                   sizeof ev->from - 1, e) ||
           get_str(j, pre, "to", true, false, ev->to, sizeof ev->to, LIM_BYTES, sizeof ev->to - 1, e)
               ? -1 : 0;
}

int ota_events_from_json(json_t *j, ota_event_page *out, ota_err *e)
{
    static const char *const keys[] = {"events", "last_seq", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0 ||
        get_i64(j, "", "last_seq", true, 0, INT64_MAX, &out->last_seq, NULL, e))
        return -1;
    json_t *a = json_object_get(j, "events");
    if (!a || !json_is_array(a))
        return wrong_type(e, "events", "an array", a ? a : json_null());
    size_t n = json_array_size(a);
    out->items = calloc(n ? n : 1, sizeof *out->items);
    if (!out->items)
        return ota_fail(e, OTA_E_INTERNAL, "events", "out of memory");
    for (size_t i = 0; i < n; i++) {
        char pre[64];
        snprintf(pre, sizeof pre, "events[%zu]", i);
        if (event_from_json(json_array_get(a, i), pre, &out->items[i], e) < 0) {
            free(out->items);  /* plain free: events own no memory */
            memset(out, 0, sizeof *out);
            return -1;
        }
        out->n = i + 1;
    }
    return 0;
}

int ota_checkin_from_json(json_t *j, ota_checkin_req *out, ota_err *e)
{
    static const char *const keys[] = {"device", "product", "versions", "rsrp", "battery", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0)
        return -1;
    return get_str(j, "", "device", true, false, out->device, sizeof out->device, LIM_BYTES,
                   OTA_DEVICE_ID_MAX, e) ||
           get_str(j, "", "product", true, false, out->product, sizeof out->product, LIM_BYTES,
                   OTA_KEY_MAX, e) ||
           get_versions(j, "versions", false, out->versions, &out->nversions, e) ||
           get_int(j, "", "rsrp", false, &out->rsrp, &out->has_rsrp, e) ||
           get_int(j, "", "battery", false, &out->battery, &out->has_battery, e) ? -1 : 0;
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
    const char *field = FIELD(pre, "manifest");
    if (!m || json_is_null(m))
        return 0;
    if (!json_is_string(m))
        return wrong_type(e, field, "a string", m);
    json_t *doc = json_loadb(json_string_value(m), json_string_length(m), 0, NULL);
    json_t *sv = doc ? json_object_get(doc, "source_version") : NULL;
    int rc = 0;
    if (!doc || !json_is_object(doc))
        rc = ota_fail(e, OTA_E_BAD_REQUEST, field, "is not a JSON manifest");
    else if (sv && json_is_string(sv))
        rc = put_str(field, json_string_value(sv), json_string_length(sv), oc->source_version,
                     sizeof oc->source_version, LIM_BYTES, OTA_KEY_MAX, e);
    json_decref(doc);
    return rc;
}

int ota_offer_from_json(json_t *j, ota_job_offer *out, ota_err *e)
{
    static const char *const top[] = {"job", NULL};
    static const char *const keys[] = {"id", "plan_id", "mode", "components", NULL};
    static const char *const ckeys[] = {"component", "version", "kind", "files", "manifest", "signatures", NULL};
    *out = (ota_job_offer){.components = out->components, .cap = out->cap};  /* its array is reused */
    if (need_object(j, "", e) < 0 || check_keys(j, "", top, e) < 0)
        return -1;
    json_t *job = json_object_get(j, "job");
    if (!job)
        return ota_fail(e, OTA_E_BAD_REQUEST, "job", "is required (null or a job)");
    if (json_is_null(job))
        return 0;
    if (need_object(job, "job", e) < 0 || check_keys(job, "job", keys, e) < 0 ||
        get_i64(job, "job", "id", true, 1, INT64_MAX, &out->job_id, NULL, e) ||
        get_i64(job, "job", "plan_id", true, 1, INT64_MAX, &out->plan_id, NULL, e) ||
        get_enum(job, "job", "mode", true, parse_mode, "confirm, silent", &out->mode, e))
        return -1;
    out->has_job = true;
    out->state = out->mode == OTA_MODE_CONFIRM ? OTA_JOB_AWAITING_CONFIRMATION : OTA_JOB_OFFERED;
    json_t *a = json_object_get(job, "components");
    if (!a || !json_is_array(a))
        return wrong_type(e, "job.components", "an array", a ? a : json_null());
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
        if (need_object(c, pre, e) < 0 || check_keys(c, pre, ckeys, e) < 0 ||
            get_str(c, pre, "component", true, false, oc->component, sizeof oc->component, LIM_BYTES,
                    OTA_KEY_MAX, e) ||
            get_str(c, pre, "version", true, false, oc->version, sizeof oc->version, LIM_BYTES,
                    OTA_KEY_MAX, e) ||
            get_enum(c, pre, "kind", true, parse_kind, "full, diff", &oc->kind, e) ||
            files_from_json(c, pre, oc->files, &oc->nfiles, e) ||
            sigs_from_json(c, pre, oc->signatures, &oc->nsignatures, e) ||
            manifest_source(c, pre, oc, e))
            return -1;
        oc->package_id = package_id_from_url(oc->files, oc->nfiles, json_object_get(c, "files"));
        out->ncomponents = i + 1;
    }
    return 0;
}

int ota_verify_from_json(json_t *j, ota_verify_result *out, ota_err *e)
{
    static const char *const keys[] = {"ok", "files", NULL};
    static const char *const fkeys[] = {"name", "ok", "error", NULL};
    memset(out, 0, sizeof *out);
    if (need_object(j, "", e) < 0 || check_keys(j, "", keys, e) < 0 || get_bool(j, "", "ok", &out->ok, e))
        return -1;
    json_t *a = json_object_get(j, "files");
    if (!a || !json_is_array(a))
        return wrong_type(e, "files", "an array", a ? a : json_null());
    if (json_array_size(a) > OTA_MAX_FILES)
        return ota_fail(e, OTA_E_VALIDATION, "files", "at most %d files", OTA_MAX_FILES);
    size_t i;
    json_t *f;
    json_array_foreach(a, i, f) {
        char pre[64];
        snprintf(pre, sizeof pre, "files[%zu]", i);
        if (need_object(f, pre, e) < 0 || check_keys(f, pre, fkeys, e) < 0 ||
            get_str(f, pre, "name", true, false, out->files[i].name, sizeof out->files[i].name,
                    LIM_BYTES, OTA_FILE_NAME_MAX, e) ||
            get_bool(f, pre, "ok", &out->files[i].ok, e) ||
            get_str(f, pre, "error", false, true, out->files[i].error, sizeof out->files[i].error,
                    LIM_BYTES, sizeof out->files[i].error - 1, e))
            return -1;
        out->nfiles = i + 1;
    }
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
