/* The JSON codec for plans and their rollout: plans (with their staged
 * rollout, maintenance windows and retry interval), the preview, status,
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
static CODEC_ENUM_ADAPTER(parse_advance, ota_advance_parse, ota_advance)
static CODEC_ENUM_ADAPTER(parse_on_failure, ota_on_failure_parse, ota_on_failure)
static CODEC_ENUM_ADAPTER(parse_wave_state, ota_wave_state_parse, ota_wave_state)

/* ------------------------------------------------------------ encoding */

static json_t *strlist_json(const ota_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

/* A wave's size: "N%" or the integer N. */
static json_t *wave_size_json(const ota_wave_size *w)
{
    char buf[24];
    return w->percent ? json_string(ota_wave_size_format(w, buf, sizeof buf)) : json_integer(w->value);
}

static json_t *rollout_json(const ota_rollout *r)
{
    json_t *waves = json_array();
    for (size_t i = 0; waves && i < r->nwaves; i++)
        json_array_append_new(waves, json_pack("{s:o}", "size", wave_size_json(&r->waves[i])));
    return json_pack("{s:o, s:i, s:i, s:I, s:I, s:s, s:s, s:I}", "waves", waves,
                     "success_threshold", r->success_threshold, "failure_threshold", r->failure_threshold,
                     "min_finished", (json_int_t)r->min_finished, "soak_seconds", (json_int_t)r->soak_seconds,
                     "advance", ota_advance_str(r->advance), "on_failure", ota_on_failure_str(r->on_failure),
                     "max_offers_per_minute", (json_int_t)r->max_offers_per_minute);
}

/* A window time as "HH:MM"; one out of range stays out of range ("24:00",
 * never wrapped or dropped), so whoever decodes it refuses it by name. */
static const char *hhmm_text(int minutes, char *buf, size_t len)
{
    if (!ota_hhmm_format(minutes, buf, len))
        snprintf(buf, len, "%02d:%02d", minutes / 60, minutes % 60);
    return buf;
}

static json_t *maintenance_json(const ota_maintenance *m)
{
    json_t *wins = json_array();
    for (size_t i = 0; wins && i < m->nwindows; i++) {
        const ota_mw_window *w = &m->windows[i];
        json_t *days = json_array();
        for (int d = 0; days && d < 7; d++)
            if (w->days & (1u << d))
                json_array_append_new(days, json_string(ota_day_str(d)));
        char a[32], b[32];
        json_array_append_new(wins, json_pack("{s:o, s:s, s:s}", "days", days, "start",
                                              hhmm_text(w->start, a, sizeof a), "end",
                                              hhmm_text(w->end, b, sizeof b)));
    }
    return json_pack("{s:s, s:o, s:b}", "timezone", m->timezone, "windows", wins, "device_timezone",
                     m->device_timezone);
}

json_t *ota_json_plan(const ota_plan *p)
{
    json_t *comps = json_array();
    for (size_t i = 0; comps && i < p->ncomponents; i++)
        json_array_append_new(comps, json_pack("{s:s, s:I}", "component", p->components[i].component,
                                               "package_id", (json_int_t)p->components[i].package_id));
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:I, s:o, s:o, s:s,"
        " s:{s:i, s:i, s:i, s:I, s:I}, s:{s:o, s:o}, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)p->id, "name", p->name, "product", p->product,
        "state", ota_plan_state_str(p->state), "revision", (json_int_t)p->revision,
        "blacklist", strlist_json(&p->blacklist), "whitelist", strlist_json(&p->whitelist),
        "mode", ota_mode_str(p->mode),
        "strategy", "retries", p->retries, "min_rsrp", p->min_rsrp, "min_battery", p->min_battery,
        "job_timeout", (json_int_t)p->job_timeout,
        "retry_interval_seconds", (json_int_t)p->retry_interval_seconds,
        "window", "start", codec_time_json(p->window_start), "end", codec_time_json(p->window_end),
        "components", comps,
        "created_at", codec_time_or_null(p->created_at),
        "updated_at", codec_time_or_null(p->updated_at),
        "activated_at", codec_time_or_null(p->activated_at));
    if (j && p->state == OTA_PLAN_PAUSED)
        json_object_set_new(j, "paused_from", json_string(ota_plan_state_str(p->paused_from)));
    if (j && p->required_signatures)  /* absent when 0 (no signature policy) */
        json_object_set_new(j, "required_signatures", json_integer(p->required_signatures));
    if (j && p->has_rollout)
        json_object_set_new(j, "rollout", rollout_json(&p->rollout));
    if (j && p->has_maintenance)
        json_object_set_new(j, "maintenance", maintenance_json(&p->maintenance));
    if (j && p->paused_reason[0])  /* absent unless the engine paused the plan */
        json_object_set_new(j, "paused_reason", json_string(p->paused_reason));
    return j;
}

json_t *ota_json_preview(const ota_preview *p)
{
    json_t *j = json_pack("{s:I, s:{s:I, s:I, s:I}, s:{s:I, s:I}}", "targeted", (json_int_t)p->targeted,
                     "excluded", "blacklisted", (json_int_t)p->blacklisted,
                     "not_whitelisted", (json_int_t)p->not_whitelisted,
                     "version_mismatch", (json_int_t)p->version_mismatch,
                     "deferred_now", "battery", (json_int_t)p->deferred_battery,
                     "rsrp", (json_int_t)p->deferred_rsrp);
    if (j && p->nwaves) {  /* only for a plan with a rollout */
        json_t *waves = json_array();
        for (size_t i = 0; waves && i < p->nwaves && i < OTA_MAX_WAVES; i++)
            json_array_append_new(waves, json_pack("{s:o, s:I}", "size", wave_size_json(&p->waves[i].size),
                                                   "devices", (json_int_t)p->waves[i].devices));
        json_object_set_new(j, "waves", waves);
    }
    return j;
}

json_t *ota_json_status(const ota_plan_status *s)
{
    json_t *counts = json_object();
    for (int i = 0; counts && i < OTA_JOB__COUNT; i++)
        json_object_set_new(counts, ota_job_state_str((ota_job_state)i), json_integer(s->counts[i]));
    json_t *j = json_pack("{s:s, s:I, s:o, s:I}", "state", ota_plan_state_str(s->state),
                          "revision", (json_int_t)s->revision, "counts", counts,
                          "last_seq", (json_int_t)s->last_seq);
    if (!j || !s->nwaves)  /* the rollout's part only for a plan with a rollout */
        return j;
    json_t *waves = json_array(), *rb = json_array();
    for (size_t i = 0; waves && i < s->nwaves && i < OTA_MAX_WAVES; i++) {
        const struct ota_wave_status *w = &s->waves[i];
        json_array_append_new(waves, json_pack("{s:o, s:I, s:s, s:I, s:I}", "size", wave_size_json(&w->size),
                                               "devices", (json_int_t)w->devices,
                                               "state", ota_wave_state_str(w->state),
                                               "succeeded", (json_int_t)w->succeeded,
                                               "failed", (json_int_t)w->failed));
    }
    for (size_t i = 0; rb && i < s->nrollback_plans && i < OTA_MAX_ROLLBACK_PLANS; i++)
        json_array_append_new(rb, json_integer(s->rollback_plans[i]));
    json_object_set_new(j, "waves", waves);
    json_object_set_new(j, "current_wave", json_integer(s->current_wave));
    json_object_set_new(j, "next_wave_at", codec_time_or_null(s->next_wave_at));
    json_object_set_new(j, "rollback_plans", rb);
    json_object_set_new(j, "rollback_uncovered", json_integer(s->rollback_uncovered));
    json_object_set_new(j, "paused_reason", codec_str_or_null(s->paused_reason));
    return j;
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
    static const char *const keys[] = {"retries", "min_rsrp", "min_battery", "job_timeout",
                                       "retry_interval_seconds", NULL};
    json_t *s = json_object_get(j, "strategy");
    if (!s)
        return 0;
    if (codec_need_object(s, "strategy", e) < 0 || codec_check_keys(s, "strategy", keys, e) < 0)
        return -1;
    return codec_get_int(s, "strategy", "retries", false, &p->retries, NULL, e) ||
           codec_get_int(s, "strategy", "min_rsrp", false, &p->min_rsrp, NULL, e) ||
           codec_get_int(s, "strategy", "min_battery", false, &p->min_battery, NULL, e) ||
           codec_get_i64(s, "strategy", "job_timeout", false, 0, INT32_MAX, &p->job_timeout, NULL, e) ||
           codec_get_i64(s, "strategy", "retry_interval_seconds", false, INT64_MIN, INT64_MAX,
                         &p->retry_interval_seconds, NULL, e)
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

/* "N%" (whole percent) or an integer count; ranges are validate.c's. */
static int wave_size_from_json(json_t *v, const char *field, ota_wave_size *w, ota_err *e)
{
    if (!v)
        return ota_fail(e, OTA_E_VALIDATION, field, "is required (\"N%%\" or a device count)");
    if (json_is_integer(v)) {
        *w = (ota_wave_size){.percent = false, .value = json_integer_value(v)};
        return 0;
    }
    if (!json_is_string(v))
        return codec_wrong_type(e, field, "a percentage string \"N%\" or a device count", v);
    const char *t = json_string_value(v);
    size_t n = json_string_length(v), digits = 0;
    while (digits < n && t[digits] >= '0' && t[digits] <= '9')
        digits++;
    if (digits == 0 || digits > 9 || digits + 1 != n || t[digits] != '%')
        return ota_fail(e, OTA_E_VALIDATION, field,
                        "a whole percentage such as \"5%%\" or a device count (got \"%.20s\")", t);
    *w = (ota_wave_size){.percent = true, .value = strtoll(t, NULL, 10)};
    return 0;
}

static int waves_from_json(json_t *r, ota_rollout *out, ota_err *e)
{
    static const char *const keys[] = {"size", NULL};
    json_t *a = json_object_get(r, "waves");
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, "rollout.waves", "is required (1 to %d waves)", OTA_MAX_WAVES);
    if (!json_is_array(a))
        return codec_wrong_type(e, "rollout.waves", "an array", a);
    if (json_array_size(a) < 1 || json_array_size(a) > OTA_MAX_WAVES)
        return ota_fail(e, OTA_E_VALIDATION, "rollout.waves", "between 1 and %d waves (got %zu)",
                        OTA_MAX_WAVES, json_array_size(a));
    size_t i;
    json_t *w;
    json_array_foreach(a, i, w) {
        char pre[48], f[64];
        snprintf(pre, sizeof pre, "rollout.waves[%zu]", i);
        snprintf(f, sizeof f, "%s.size", pre);
        if (codec_need_object(w, pre, e) < 0 || codec_check_keys(w, pre, keys, e) < 0 ||
            wave_size_from_json(json_object_get(w, "size"), f, &out->waves[i], e) < 0)
            return -1;
    }
    out->nwaves = json_array_size(a);
    return 0;
}

/* The "rollout" object into *o; fields left out keep what *o holds. */
static int rollout_obj_from_json(json_t *r, ota_rollout *o, ota_err *e)
{
    static const char *const keys[] = {"waves", "success_threshold", "failure_threshold", "min_finished",
                                       "soak_seconds", "advance", "on_failure", "max_offers_per_minute",
                                       NULL};
    const char *pre = "rollout";
    if (codec_need_object(r, pre, e) < 0 || codec_check_keys(r, pre, keys, e) < 0 ||
        waves_from_json(r, o, e) < 0 ||
        codec_get_int(r, pre, "success_threshold", false, &o->success_threshold, NULL, e) ||
        codec_get_int(r, pre, "failure_threshold", false, &o->failure_threshold, NULL, e) ||
        codec_get_i64(r, pre, "min_finished", false, INT64_MIN, INT64_MAX, &o->min_finished, NULL, e) ||
        codec_get_i64(r, pre, "soak_seconds", false, INT64_MIN, INT64_MAX, &o->soak_seconds, NULL, e) ||
        codec_get_enum(r, pre, "advance", false, parse_advance, "auto, manual", &o->advance, e) ||
        codec_get_enum(r, pre, "on_failure", false, parse_on_failure, "pause, terminate, rollback",
                       &o->on_failure, e) ||
        codec_get_i64(r, pre, "max_offers_per_minute", false, INT64_MIN, INT64_MAX,
                      &o->max_offers_per_minute, NULL, e))
        return -1;
    return 0;
}

/* Absent or null: no rollout.  Fields left out keep ota_plan_init's. */
static int rollout_from_json(json_t *j, ota_plan *p, ota_err *e)
{
    json_t *r = json_object_get(j, "rollout");
    if (!r || json_is_null(r))
        return 0;
    if (rollout_obj_from_json(r, &p->rollout, e) < 0)
        return -1;
    p->has_rollout = true;
    return 0;
}

/* Local "HH:MM", 00:00..23:59, into minutes of the day. */
static int hhmm_from_json(json_t *w, const char *pre, const char *key, int *out, ota_err *e)
{
    json_t *v = json_object_get(w, key);
    const char *field = CODEC_FIELD(pre, key);
    if (!v)
        return ota_fail(e, OTA_E_VALIDATION, field, "is required (a local time HH:MM)");
    if (!json_is_string(v))
        return codec_wrong_type(e, field, "a time string HH:MM", v);
    const char *t = json_string_value(v);
    if (json_string_length(v) != 5 || ota_hhmm_parse(t, out) < 0)
        return ota_fail(e, OTA_E_VALIDATION, field, "a local time 00:00..23:59 (got \"%.20s\")", t);
    return 0;
}

static int days_from_json(json_t *w, const char *pre, unsigned *mask, ota_err *e)
{
    json_t *a = json_object_get(w, "days");
    const char *field = CODEC_FIELD(pre, "days");
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, field, "is required (days mon..sun)");
    if (!json_is_array(a))
        return codec_wrong_type(e, field, "an array of days", a);
    size_t i;
    json_t *d;
    *mask = 0;
    json_array_foreach(a, i, d) {
        if (!json_is_string(d))
            return codec_wrong_type(e, field, "an array of day names", d);
        int day;
        if (ota_day_parse(json_string_value(d), &day) < 0)
            return ota_fail(e, OTA_E_VALIDATION, field, "days are mon, tue, wed, thu, fri, sat, sun (got \"%.20s\")",
                            json_string_value(d));
        *mask |= 1u << day;
    }
    return 0;
}

static int maintenance_obj_from_json(json_t *m, ota_maintenance *o, ota_err *e)
{
    static const char *const keys[] = {"timezone", "windows", "device_timezone", NULL};
    static const char *const wkeys[] = {"days", "start", "end", NULL};
    if (codec_need_object(m, "maintenance", e) < 0 || codec_check_keys(m, "maintenance", keys, e) < 0 ||
        codec_get_str(m, "maintenance", "timezone", false, false, o->timezone, sizeof o->timezone,
                      CODEC_BYTES, OTA_TZ_NAME_MAX, e))
        return -1;
    json_t *dt = json_object_get(m, "device_timezone");
    if (dt && !json_is_boolean(dt))
        return codec_wrong_type(e, "maintenance.device_timezone", "true or false", dt);
    o->device_timezone = dt && json_is_true(dt);
    json_t *a = json_object_get(m, "windows");
    if (!a)
        return ota_fail(e, OTA_E_VALIDATION, "maintenance.windows", "is required (1 to %d windows)",
                        OTA_MAX_MW_WINDOWS);
    if (!json_is_array(a))
        return codec_wrong_type(e, "maintenance.windows", "an array", a);
    if (json_array_size(a) < 1 || json_array_size(a) > OTA_MAX_MW_WINDOWS)
        return ota_fail(e, OTA_E_VALIDATION, "maintenance.windows", "between 1 and %d windows (got %zu)",
                        OTA_MAX_MW_WINDOWS, json_array_size(a));
    size_t i;
    json_t *w;
    json_array_foreach(a, i, w) {
        char pre[48];
        snprintf(pre, sizeof pre, "maintenance.windows[%zu]", i);
        ota_mw_window *ow = &o->windows[i];
        if (codec_need_object(w, pre, e) < 0 || codec_check_keys(w, pre, wkeys, e) < 0 ||
            days_from_json(w, pre, &ow->days, e) < 0 || hhmm_from_json(w, pre, "start", &ow->start, e) < 0 ||
            hhmm_from_json(w, pre, "end", &ow->end, e) < 0)
            return -1;
    }
    o->nwindows = json_array_size(a);
    return 0;
}

static int maintenance_from_json(json_t *j, ota_plan *p, ota_err *e)
{
    json_t *m = json_object_get(j, "maintenance");
    if (!m || json_is_null(m))
        return 0;
    memset(&p->maintenance, 0, sizeof p->maintenance);
    if (maintenance_obj_from_json(m, &p->maintenance, e) < 0)
        return -1;
    p->has_maintenance = true;
    return 0;
}

/* ------------------------------------------- the store's text of them */
static char *dump_compact(json_t *j)
{
    char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return t;
}

char *codec_rollout_text(const ota_rollout *r) { return dump_compact(rollout_json(r)); }
char *codec_maintenance_text(const ota_maintenance *m) { return dump_compact(maintenance_json(m)); }

static int text_decode(const char *text, void *out, int (*dec)(json_t *, void *, ota_err *), ota_err *e)
{
    json_t *j = ota_json_parse(text, strlen(text), e);
    if (!j)
        return -1;
    int rc = dec(j, out, e);
    json_decref(j);
    return rc;
}

static int rollout_dec(json_t *j, void *out, ota_err *e) { return rollout_obj_from_json(j, out, e); }
static int maintenance_dec(json_t *j, void *out, ota_err *e) { return maintenance_obj_from_json(j, out, e); }

int codec_rollout_parse(const char *text, ota_rollout *out, ota_err *e)
{
    return text_decode(text, out, rollout_dec, e);
}

int codec_maintenance_parse(const char *text, ota_maintenance *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    return text_decode(text, out, maintenance_dec, e);
}

/* Server-only fields are decoded when present (a client reading a server
 * answer needs them); a server handling a request must take id and revision
 * from the URL and If-Match, and never trusts state or the times. */
int ota_plan_from_json(json_t *j, ota_plan *out, ota_err *e)
{
    static const char *const keys[] = {"id", "name", "product", "state", "revision", "blacklist",
                                       "whitelist", "mode", "strategy", "window", "components",
                                       "created_at", "updated_at", "activated_at", "paused_from",
                                       "required_signatures", "rollout", "maintenance", "paused_reason",
                                       NULL};
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
        codec_get_int(j, "", "required_signatures", false, &out->required_signatures, NULL, e) ||
        rollout_from_json(j, out, e) || maintenance_from_json(j, out, e) ||
        codec_get_str(j, "", "paused_reason", false, true, out->paused_reason, sizeof out->paused_reason,
                      CODEC_BYTES, sizeof out->paused_reason - 1, e))
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

/* "waves":[{size, devices[, state, succeeded, failed]}] of the preview
 * (st NULL) or of status. */
static int wave_counts_from_json(json_t *j, ota_wave_count *pv, struct ota_wave_status *st, size_t *n,
                                 ota_err *e)
{
    static const char *const pkeys[] = {"size", "devices", NULL};
    static const char *const skeys[] = {"size", "devices", "state", "succeeded", "failed", NULL};
    json_t *a = json_object_get(j, "waves");
    *n = 0;
    if (!a)
        return 0;
    if (!json_is_array(a))
        return codec_wrong_type(e, "waves", "an array", a);
    if (json_array_size(a) > OTA_MAX_WAVES)
        return ota_fail(e, OTA_E_VALIDATION, "waves", "at most %d waves (got %zu)", OTA_MAX_WAVES,
                        json_array_size(a));
    size_t i;
    json_t *w;
    json_array_foreach(a, i, w) {
        char pre[32], f[48];
        snprintf(pre, sizeof pre, "waves[%zu]", i);
        snprintf(f, sizeof f, "%s.size", pre);
        ota_wave_size *size = st ? &st[i].size : &pv[i].size;
        long *devices = st ? &st[i].devices : &pv[i].devices;
        if (codec_need_object(w, pre, e) < 0 || codec_check_keys(w, pre, st ? skeys : pkeys, e) < 0 ||
            wave_size_from_json(json_object_get(w, "size"), f, size, e) < 0 ||
            count_from_json(w, pre, "devices", devices, e) < 0)
            return -1;
        if (st && (codec_get_enum(w, pre, "state", true, parse_wave_state, "waiting, open, soaking, done",
                                  &st[i].state, e) ||
                   count_from_json(w, pre, "succeeded", &st[i].succeeded, e) ||
                   count_from_json(w, pre, "failed", &st[i].failed, e)))
            return -1;
    }
    *n = json_array_size(a);
    return 0;
}

int ota_preview_from_json(json_t *j, ota_preview *out, ota_err *e)
{
    static const char *const keys[] = {"targeted", "excluded", "deferred_now", "waves", NULL};
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
           count_from_json(df, "deferred_now", "rsrp", &out->deferred_rsrp, e) ||
           wave_counts_from_json(j, out->waves, NULL, &out->nwaves, e) ? -1 : 0;
}

int ota_status_from_json(json_t *j, ota_plan_status *out, ota_err *e)
{
    static const char *const keys[] = {"state", "revision", "counts", "last_seq", "waves", "current_wave",
                                       "next_wave_at", "rollback_plans", "rollback_uncovered", "paused_reason", NULL};
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
    int64_t uncovered = 0;
    if (wave_counts_from_json(j, NULL, out->waves, &out->nwaves, e) < 0 ||
        codec_get_int(j, "", "current_wave", false, &out->current_wave, NULL, e) ||
        codec_get_time(j, "", "next_wave_at", false, &out->next_wave_at, e) ||
        codec_get_i64(j, "", "rollback_uncovered", false, 0, LONG_MAX, &uncovered, NULL, e) ||
        codec_get_str(j, "", "paused_reason", false, true, out->paused_reason, sizeof out->paused_reason,
                      CODEC_BYTES, sizeof out->paused_reason - 1, e))
        return -1;
    out->rollback_uncovered = (long)uncovered;
    json_t *rb = json_object_get(j, "rollback_plans");
    if (!rb)
        return 0;
    if (!json_is_array(rb))
        return codec_wrong_type(e, "rollback_plans", "an array of plan ids", rb);
    if (json_array_size(rb) > OTA_MAX_ROLLBACK_PLANS)
        return ota_fail(e, OTA_E_VALIDATION, "rollback_plans", "at most %d plans (got %zu)",
                        OTA_MAX_ROLLBACK_PLANS, json_array_size(rb));
    size_t i;
    json_t *v;
    json_array_foreach(rb, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            return codec_wrong_type(e, "rollback_plans", "an array of plan ids", v);
        out->rollback_plans[i] = json_integer_value(v);
    }
    out->nrollback_plans = json_array_size(rb);
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

