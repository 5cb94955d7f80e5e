/* Small shared pieces: UTF-8 counting, enum names, string lists, plan
 * lifetime helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ota.h"

long ota_utf8_chars(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    long n = 0;
    while (p < end) {
        unsigned c = *p;
        size_t k;
        unsigned min;
        if (c < 0x80) { p++; n++; continue; }
        else if ((c & 0xe0) == 0xc0) { k = 1; min = 0x80; c &= 0x1f; }
        else if ((c & 0xf0) == 0xe0) { k = 2; min = 0x800; c &= 0x0f; }
        else if ((c & 0xf8) == 0xf0) { k = 3; min = 0x10000; c &= 0x07; }
        else return -1;
        if ((size_t)(end - p) <= k)
            return -1;
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            c = (c << 6) | (p[i] & 0x3f);
        }
        /* overlong forms, surrogates and values past U+10FFFF are invalid */
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return -1;
        p += k + 1;
        n++;
    }
    return n;
}

bool ota_utf8_valid(const char *s, size_t len) { return ota_utf8_chars(s, len) >= 0; }

#define ENUM_NAMES(fn_str, fn_parse, type, count, ...)                    \
    static const char *const fn_str##_names[] = {__VA_ARGS__};           \
    const char *fn_str(type v)                                            \
    {                                                                     \
        return (unsigned)v < (count) ? fn_str##_names[v] : "unknown";     \
    }                                                                     \
    int fn_parse(const char *s, type *out)                                \
    {                                                                     \
        for (unsigned i = 0; s && i < (count); i++)                       \
            if (!strcmp(s, fn_str##_names[i])) {                          \
                *out = (type)i;                                           \
                return 0;                                                 \
            }                                                             \
        return -1;                                                        \
    }

ENUM_NAMES(ota_kind_str, ota_kind_parse, ota_kind, 2, "full", "diff")
ENUM_NAMES(ota_mode_str, ota_mode_parse, ota_mode, 2, "confirm", "silent")
ENUM_NAMES(ota_plan_state_str, ota_plan_state_parse, ota_plan_state, OTA_PLAN__COUNT,
           "saved", "active", "upgrading", "paused", "terminated", "ended")
ENUM_NAMES(ota_job_state_str, ota_job_state_parse, ota_job_state, OTA_JOB__COUNT,
           "pending", "offered", "awaiting_confirmation", "downloading", "installing",
           "succeeded", "failed", "expired")

ENUM_NAMES(ota_advance_str, ota_advance_parse, ota_advance, 2, "auto", "manual")
ENUM_NAMES(ota_on_failure_str, ota_on_failure_parse, ota_on_failure, 3, "pause", "terminate", "rollback")
ENUM_NAMES(ota_wave_state_str, ota_wave_state_parse, ota_wave_state, OTA_WAVE__COUNT,
           "waiting", "open", "soaking", "done")

const char *ota_wave_size_format(const ota_wave_size *w, char *buf, size_t len)
{
    snprintf(buf, len, "%lld%s", (long long)w->value, w->percent ? "%" : "");
    return buf;
}

bool ota_rollout_equal(const ota_rollout *a, const ota_rollout *b)
{
    if (a->nwaves != b->nwaves || a->success_threshold != b->success_threshold ||
        a->failure_threshold != b->failure_threshold || a->min_finished != b->min_finished ||
        a->soak_seconds != b->soak_seconds || a->advance != b->advance || a->on_failure != b->on_failure ||
        a->max_offers_per_minute != b->max_offers_per_minute)
        return false;
    for (size_t i = 0; i < a->nwaves && i < OTA_MAX_WAVES; i++)
        if (a->waves[i].percent != b->waves[i].percent || a->waves[i].value != b->waves[i].value)
            return false;
    return true;
}

bool ota_maintenance_equal(const ota_maintenance *a, const ota_maintenance *b)
{
    if (strcmp(a->timezone, b->timezone) || a->device_timezone != b->device_timezone ||
        a->nwindows != b->nwindows)
        return false;
    for (size_t i = 0; i < a->nwindows && i < OTA_MAX_MW_WINDOWS; i++)
        if (a->windows[i].days != b->windows[i].days || a->windows[i].start != b->windows[i].start ||
            a->windows[i].end != b->windows[i].end)
            return false;
    return true;
}

const char *ota_action_str(ota_action a)
{
    static const char *const n[] = {"activate", "pause", "resume", "terminate"};
    return (unsigned)a < 4 ? n[a] : "unknown";
}

int ota_strlist_push(ota_strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *d = strdup(s);
    if (!d)
        return -1;
    l->v[l->n++] = d;
    return 0;
}

bool ota_strlist_has(const ota_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return true;
    return false;
}

void ota_strlist_free(ota_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

const char *ota_device_version(const ota_device *d, const char *component)
{
    for (size_t i = 0; i < d->nversions; i++)
        if (!strcmp(d->versions[i].component, component))
            return d->versions[i].version;
    return NULL;
}

int ota_job_offer_reserve(ota_job_offer *o, size_t n, ota_err *e)
{
    if (n <= o->cap)
        return 0;
    if (n > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, "components", "at most %d components per offer (got %zu)",
                        OTA_MAX_COMPONENTS, n);
    ota_offer_component *c = realloc(o->components, n * sizeof *c);
    if (!c)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    o->components = c;
    o->cap = n;
    return 0;
}

void ota_job_offer_free(ota_job_offer *o)
{
    if (!o)
        return;
    free(o->components);
    o->components = NULL;
    o->ncomponents = o->cap = 0;
}

void ota_plan_init(ota_plan *p)
{
    memset(p, 0, sizeof *p);
    p->mode = OTA_MODE_SILENT;
    p->min_rsrp = OTA_RSRP_MIN;
    p->min_battery = OTA_BATTERY_MIN;
    p->job_timeout = 3600;
    p->state = OTA_PLAN_SAVED;
    /* the rollout a plan gets when one is asked for with fields left out:
     * one wave of 100%, advancing on every success, a brake that never trips */
    p->rollout.nwaves = 1;
    p->rollout.waves[0] = (ota_wave_size){.percent = true, .value = 100};
    p->rollout.success_threshold = 100;
    p->rollout.failure_threshold = 100;
    p->rollout.advance = OTA_ADVANCE_AUTO;
    p->rollout.on_failure = OTA_ON_FAILURE_PAUSE;
}

void ota_plan_free(ota_plan *p)
{
    ota_strlist_free(&p->blacklist);
    ota_strlist_free(&p->whitelist);
}

/* rollout and maintenance are fixed-size members: the struct copy carries them */
int ota_plan_copy(ota_plan *dst, const ota_plan *src)
{
    *dst = *src;
    memset(&dst->blacklist, 0, sizeof dst->blacklist);
    memset(&dst->whitelist, 0, sizeof dst->whitelist);
    for (size_t i = 0; i < src->blacklist.n; i++)
        if (ota_strlist_push(&dst->blacklist, src->blacklist.v[i]) < 0)
            goto oom;
    for (size_t i = 0; i < src->whitelist.n; i++)
        if (ota_strlist_push(&dst->whitelist, src->whitelist.v[i]) < 0)
            goto oom;
    return 0;
oom:
    ota_plan_free(dst);
    return -1;
}

int ota_page_req_check(ota_page_req *r, ota_err *e)
{
    if (r->limit == 0)
        r->limit = OTA_LIST_DEFAULT;
    if (r->limit < 1 || r->limit > OTA_LIST_MAX)
        return ota_fail(e, OTA_E_BAD_REQUEST, "limit", "must be between 1 and %d (got %d)",
                        OTA_LIST_MAX, r->limit);
    for (const char *c = r->cursor; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              *c == '-' || *c == '_' || *c == '.'))
            return ota_fail(e, OTA_E_BAD_REQUEST, "cursor", "is not a cursor this server issued");
    return 0;
}
