/* The JSON codec for plans and their rollout: plans, the preview, status,
 * job rows and the event feed, both ways.  The rules every decoder follows
 * are core/codec.h's. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"

static CODEC_ENUM_ADAPTER(parse_plan_state, ota_plan_state_parse, ota_plan_state)
static CODEC_ENUM_ADAPTER(parse_job_state, ota_job_state_parse, ota_job_state)

/* ------------------------------------------------------------ encoding */

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
        "window", "start", codec_time_json(p->window_start), "end", codec_time_json(p->window_end),
        "components", comps,
        "created_at", codec_time_or_null(p->created_at),
        "updated_at", codec_time_or_null(p->updated_at),
        "activated_at", codec_time_or_null(p->activated_at));
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
                     "progress", r->progress, "reason", codec_str_or_null(r->reason),
                     "error", codec_str_or_null(r->error),
                     "updated_at", codec_time_or_null(r->updated_at));
}

json_t *ota_json_event(const ota_event *ev)
{
    return json_pack("{s:I, s:o, s:o, s:s, s:s}", "seq", (json_int_t)ev->seq,
                     "at", codec_time_json(ev->at), "device", codec_str_or_null(ev->device),
                     "from", ev->from, "to", ev->to);
}

json_t *ota_json_events(const ota_event_page *p)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->n; i++)
        json_array_append_new(a, ota_json_event(&p->items[i]));
    return json_pack("{s:o, s:I}", "events", a, "last_seq", (json_int_t)p->last_seq);
}

/* ------------------------------------------------------------ decoding */

static int strlist_from_json(json_t *obj, const char *key, ota_strlist *l, ota_err *e)
{
    json_t *a = json_object_get(obj, key);
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return codec_wrong_type(e, key, "an array of device ids", a);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        char field[64];
        snprintf(field, sizeof field, "%s[%zu]", key, i);
        if (!json_is_string(v))
            return codec_wrong_type(e, field, "a device id string", v);
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
    if (codec_need_object(s, "strategy", e) < 0 || codec_check_keys(s, "strategy", keys, e) < 0)
        return -1;
    return codec_get_int(s, "strategy", "retries", false, &p->retries, NULL, e) ||
           codec_get_int(s, "strategy", "min_rsrp", false, &p->min_rsrp, NULL, e) ||
           codec_get_int(s, "strategy", "min_battery", false, &p->min_battery, NULL, e) ||
           codec_get_i64(s, "strategy", "job_timeout", false, 0, INT32_MAX, &p->job_timeout, NULL, e)
               ? -1 : 0;
}

static int window_from_json(json_t *j, ota_plan *p, ota_err *e)
{
    static const char *const keys[] = {"start", "end", NULL};
    json_t *w = json_object_get(j, "window");
    if (!w)
        return ota_fail(e, OTA_E_VALIDATION, "window", "is required (start and end)");
    if (codec_need_object(w, "window", e) < 0 || codec_check_keys(w, "window", keys, e) < 0)
        return -1;
    return codec_get_time(w, "window", "start", true, &p->window_start, e) ||
           codec_get_time(w, "window", "end", true, &p->window_end, e) ? -1 : 0;
}

static int components_from_json(json_t *j, ota_plan *p, ota_err *e)
{
    static const char *const keys[] = {"component", "package_id", NULL};
    json_t *a = json_object_get(j, "components");
    if (!a)
        return 0;  /* "at least one component" is validate.c's rule */
    if (!json_is_array(a))
        return codec_wrong_type(e, "components", "an array", a);
    if (json_array_size(a) > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, "components", "at most %d components (got %zu)",
                        OTA_MAX_COMPONENTS, json_array_size(a));
    size_t i;
    json_t *c;
    json_array_foreach(a, i, c) {
        char pre[64];
        snprintf(pre, sizeof pre, "components[%zu]", i);
        ota_plan_component *pc = &p->components[i];
        if (codec_need_object(c, pre, e) < 0 || codec_check_keys(c, pre, keys, e) < 0 ||
            codec_get_str(c, pre, "component", true, false, pc->component, sizeof pc->component, CODEC_BYTES,
                          OTA_KEY_MAX, e) ||
            codec_get_i64(c, pre, "package_id", true, 1, INT64_MAX, &pc->package_id, NULL, e))
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
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        goto fail;
    if (codec_get_i64(j, "", "id", false, 0, INT64_MAX, &out->id, NULL, e) ||
        codec_get_str(j, "", "name", true, false, out->name, sizeof out->name, CODEC_CHARS,
                      OTA_NAME_MAX_CHARS, e) ||
        codec_get_str(j, "", "product", true, false, out->product, sizeof out->product, CODEC_BYTES,
                      OTA_KEY_MAX, e) ||
        codec_get_enum(j, "", "state", false, parse_plan_state,
                       "saved, active, upgrading, paused, terminated, ended", &out->state, e) ||
        codec_get_i64(j, "", "revision", false, 0, INT64_MAX, &out->revision, NULL, e) ||
        strlist_from_json(j, "blacklist", &out->blacklist, e) ||
        strlist_from_json(j, "whitelist", &out->whitelist, e) ||
        codec_get_enum(j, "", "mode", false, codec_parse_mode, "confirm, silent", &out->mode, e) ||
        strategy_from_json(j, out, e) || window_from_json(j, out, e) ||
        components_from_json(j, out, e) ||
        codec_get_time(j, "", "created_at", false, &out->created_at, e) ||
        codec_get_time(j, "", "updated_at", false, &out->updated_at, e) ||
        codec_get_time(j, "", "activated_at", false, &out->activated_at, e) ||
        codec_get_enum(j, "", "paused_from", false, parse_plan_state, "active, upgrading",
                       &out->paused_from, e) ||
        codec_get_int(j, "", "required_signatures", false, &out->required_signatures, NULL, e))
        goto fail;
    return 0;
fail:
    ota_plan_free(out);
    return -1;
}

static int count_from_json(json_t *obj, const char *prefix, const char *key, long *out, ota_err *e)
{
    int64_t v = 0;
    if (codec_get_i64(obj, prefix, key, true, 0, LONG_MAX, &v, NULL, e) < 0)
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
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    json_t *ex = json_object_get(j, "excluded"), *df = json_object_get(j, "deferred_now");
    if (codec_need_object(ex, "excluded", e) < 0 || codec_check_keys(ex, "excluded", ex_keys, e) < 0 ||
        codec_need_object(df, "deferred_now", e) < 0 || codec_check_keys(df, "deferred_now", df_keys, e) < 0)
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
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0 ||
        codec_get_enum(j, "", "state", true, parse_plan_state, "a plan state", &out->state, e) ||
        codec_get_i64(j, "", "revision", true, 0, INT64_MAX, &out->revision, NULL, e) ||
        codec_get_i64(j, "", "last_seq", false, 0, INT64_MAX, &out->last_seq, NULL, e))
        return -1;
    json_t *c = json_object_get(j, "counts");
    const char *names[OTA_JOB__COUNT + 1];
    for (int i = 0; i < OTA_JOB__COUNT; i++)
        names[i] = ota_job_state_str((ota_job_state)i);
    names[OTA_JOB__COUNT] = NULL;
    if (codec_need_object(c, "counts", e) < 0 || codec_check_keys(c, "counts", names, e) < 0)
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
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0)
        return -1;
    return codec_get_i64(j, "", "job_id", false, 0, INT64_MAX, &out->job_id, NULL, e) ||
           codec_get_str(j, "", "device", true, false, out->device, sizeof out->device, CODEC_BYTES,
                         OTA_DEVICE_ID_MAX, e) ||
           codec_get_enum(j, "", "state", true, parse_job_state, "a job state", &out->state, e) ||
           codec_get_int(j, "", "attempt", true, &out->attempt, NULL, e) ||
           codec_get_int(j, "", "progress", true, &out->progress, NULL, e) ||
           codec_get_str(j, "", "reason", false, true, out->reason, sizeof out->reason, CODEC_BYTES,
                         sizeof out->reason - 1, e) ||
           codec_get_str(j, "", "error", false, true, out->error, sizeof out->error, CODEC_BYTES,
                         sizeof out->error - 1, e) ||
           codec_get_time(j, "", "updated_at", false, &out->updated_at, e) ? -1 : 0;
}

static int event_from_json(json_t *j, const char *pre, ota_event *ev, ota_err *e)
{
    static const char *const keys[] = {"seq", "at", "device", "from", "to", NULL};
    memset(ev, 0, sizeof *ev);
    if (codec_need_object(j, pre, e) < 0 || codec_check_keys(j, pre, keys, e) < 0)
        return -1;
    return codec_get_i64(j, pre, "seq", true, 0, INT64_MAX, &ev->seq, NULL, e) ||
           codec_get_time(j, pre, "at", true, &ev->at, e) ||
           codec_get_str(j, pre, "device", false, true, ev->device, sizeof ev->device, CODEC_BYTES,
                         OTA_DEVICE_ID_MAX, e) ||
           codec_get_str(j, pre, "from", true, false, ev->from, sizeof ev->from, CODEC_BYTES,
                         sizeof ev->from - 1, e) ||
           codec_get_str(j, pre, "to", true, false, ev->to, sizeof ev->to, CODEC_BYTES, sizeof ev->to - 1, e)
               ? -1 : 0;
}

int ota_events_from_json(json_t *j, ota_event_page *out, ota_err *e)
{
    static const char *const keys[] = {"events", "last_seq", NULL};
    memset(out, 0, sizeof *out);
    if (codec_need_object(j, "", e) < 0 || codec_check_keys(j, "", keys, e) < 0 ||
        codec_get_i64(j, "", "last_seq", true, 0, INT64_MAX, &out->last_seq, NULL, e))
        return -1;
    json_t *a = json_object_get(j, "events");
    if (!a || !json_is_array(a))
        return codec_wrong_type(e, "events", "an array", a ? a : json_null());
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

