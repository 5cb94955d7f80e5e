/* Plan JSON as POST/PUT /api/v1/plans and `otactl plan create` take it:
 * ota_json_parse -> ota_plan_from_json -> ota_validate_plan.
 * Property: a plan that passes encodes (ota_json_plan) to JSON that decodes
 * and validates again, with the same content. */
#include "fuzz.h"

static void same_plan(const ota_plan *a, const ota_plan *b)
{
    fuzz_assert(!strcmp(a->name, b->name) && !strcmp(a->product, b->product), "name/product changed");
    fuzz_assert(a->mode == b->mode && a->retries == b->retries && a->min_rsrp == b->min_rsrp &&
                a->min_battery == b->min_battery, "mode/strategy changed");
    fuzz_assert(a->window_start == b->window_start && a->window_end == b->window_end, "window changed");
    fuzz_assert(a->ncomponents == b->ncomponents, "components %zu -> %zu", a->ncomponents, b->ncomponents);
    for (size_t i = 0; i < a->ncomponents; i++)
        fuzz_assert(!strcmp(a->components[i].component, b->components[i].component) &&
                    a->components[i].package_id == b->components[i].package_id, "component %zu changed", i);
    fuzz_assert(a->blacklist.n == b->blacklist.n && a->whitelist.n == b->whitelist.n, "lists changed");
    for (size_t i = 0; i < a->blacklist.n; i++)
        fuzz_assert(!strcmp(a->blacklist.v[i], b->blacklist.v[i]), "blacklist %zu changed", i);
    fuzz_assert(a->retry_interval_seconds == b->retry_interval_seconds, "retry interval changed");
    fuzz_assert(a->has_rollout == b->has_rollout && (!a->has_rollout || ota_rollout_equal(&a->rollout, &b->rollout)),
                "rollout changed");
    fuzz_assert(a->has_maintenance == b->has_maintenance &&
                (!a->has_maintenance || ota_maintenance_equal(&a->maintenance, &b->maintenance)),
                "maintenance changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    ota_err e = {0};
    json_t *j = ota_json_parse((const char *)d, n, &e);
    if (!j) {
        fuzz_clear_error(&e, "json parse");
        return 0;
    }
    ota_plan p;
    if (ota_plan_from_json(j, &p, &e) != 0) {
        fuzz_clear_error(&e, "plan decode");
        json_decref(j);
        return 0;
    }
    if (ota_validate_plan(&p, &e) != 0) {
        fuzz_clear_error(&e, "plan validate");
    } else {
        json_t *enc = ota_json_plan(&p);
        fuzz_assert(enc != NULL, "a valid plan does not encode");
        char *text = json_dumps(enc, JSON_COMPACT);
        fuzz_assert(text != NULL, "plan JSON does not dump");
        json_t *back = ota_json_parse(text, strlen(text), &e);
        fuzz_assert(back != NULL, "encoded plan does not parse: %s", e.message);
        ota_plan q;
        fuzz_assert(ota_plan_from_json(back, &q, &e) == 0, "encoded plan does not decode: %s: %s (%s)",
                    e.field, e.message, text);
        fuzz_assert(ota_validate_plan(&q, &e) == 0, "encoded plan does not validate: %s: %s", e.field, e.message);
        same_plan(&p, &q);
        ota_plan c;
        ota_plan_init(&c);
        fuzz_assert(ota_plan_copy(&c, &p) == 0, "plan copy failed");
        same_plan(&p, &c);
        ota_plan_free(&c);
        ota_plan_free(&q);
        json_decref(back);
        free(text);
        json_decref(enc);
    }
    ota_plan_free(&p);
    json_decref(j);
    return 0;
}
