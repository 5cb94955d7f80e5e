/* The JSON codec of staged rollouts: a plan's rollout, maintenance windows,
 * retry interval and paused reason, and the waves of status and preview;
 * API.md shapes, round trips, and bad shapes refused naming their fields. */
#include "codec_fixture.h"

/* The API.md second-wave plan: rollout, maintenance, retry interval. */
#define PLAN_HEAD "{\"name\":\"x\",\"product\":\"p\",\"window\":{\"start\":\"2026-12-01T00:00:00Z\"," \
                  "\"end\":\"2026-12-02T00:00:00Z\"},"
static const char *staged_text =
    PLAN_HEAD "\"strategy\":{\"retries\":2,\"retry_interval_seconds\":600},"
    "\"rollout\":{\"waves\":[{\"size\":\"1%\"},{\"size\":200},{\"size\":\"100%\"}],"
    "\"success_threshold\":90,\"failure_threshold\":5,\"min_finished\":10,\"soak_seconds\":3600,"
    "\"advance\":\"manual\",\"on_failure\":\"rollback\",\"max_offers_per_minute\":1000},"
    "\"maintenance\":{\"timezone\":\"Asia/Shanghai\",\"device_timezone\":true,"
    "\"windows\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"],\"start\":\"01:00\",\"end\":\"05:00\"},"
    "{\"days\":[\"sun\"],\"start\":\"22:30\",\"end\":\"02:00\"}]},"
    "\"paused_reason\":\"failure_threshold\"}";

static void test_staged(void)
{
    ota_plan p, q;
    ota_err e = {0};
    json_t *j = parse(staged_text);
    ok_call(ota_plan_from_json(j, &p, &e), &e, "staged: the API.md rollout and maintenance decode");
    json_decref(j);
    const ota_rollout *r = &p.rollout;
    ok(p.has_rollout && r->nwaves == 3 && r->waves[0].percent && r->waves[0].value == 1 && !r->waves[1].percent &&
           r->waves[1].value == 200 && r->waves[2].percent && r->waves[2].value == 100 &&
           r->success_threshold == 90 && r->failure_threshold == 5 && r->min_finished == 10 &&
           r->soak_seconds == 3600 && r->advance == OTA_ADVANCE_MANUAL && r->on_failure == OTA_ON_FAILURE_ROLLBACK &&
           r->max_offers_per_minute == 1000,
       "staged: every rollout field decoded; sizes as percent or count");
    const ota_maintenance *m = &p.maintenance;
    ok(p.has_maintenance && !strcmp(m->timezone, "Asia/Shanghai") && m->device_timezone && m->nwindows == 2 &&
           m->windows[0].days == 0x1f && m->windows[0].start == 60 && m->windows[0].end == 300 &&
           m->windows[1].days == 0x40 && m->windows[1].start == 1350 && m->windows[1].end == 120,
       "staged: maintenance windows decoded (days mask, minutes of the day)");
    ok(p.retry_interval_seconds == 600 && !strcmp(p.paused_reason, "failure_threshold"),
       "staged: retry interval and paused reason decoded");
    ok_call(ota_validate_rollout(&p.rollout, &e), &e, "staged: the decoded rollout is valid");
    ok_call(ota_validate_maintenance(&p.maintenance, &e), &e, "staged: the decoded maintenance is valid");

    j = ota_json_plan(&p);
    json_t *rj = json_object_get(j, "rollout"), *mj = json_object_get(j, "maintenance");
    json_t *w = json_object_get(rj, "waves");
    ok(json_is_string(json_object_get(json_array_get(w, 0), "size")) &&
           !strcmp(json_string_value(json_object_get(json_array_get(w, 0), "size")), "1%") &&
           json_integer_value(json_object_get(json_array_get(w, 1), "size")) == 200 &&
           !strcmp(json_string_value(json_object_get(json_array_get(w, 2), "size")), "100%"),
       "staged: sizes encode as \"N%%\" strings and integers");
    is_str(json_string_value(json_object_get(json_array_get(json_object_get(mj, "windows"), 1), "start")), "22:30",
           "staged: window times encode as HH:MM");
    char *days = json_dumps(json_object_get(json_array_get(json_object_get(mj, "windows"), 0), "days"), JSON_COMPACT);
    is_str(days, "[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"]", "staged: days encode mon..sun in order");
    free(days);
    ok(json_integer_value(json_object_get(json_object_get(j, "strategy"), "retry_interval_seconds")) == 600,
       "staged: strategy.retry_interval_seconds encoded");
    is_str(json_string_value(json_object_get(j, "paused_reason")), "failure_threshold", "staged: paused_reason encoded");
    ok_call(ota_plan_from_json(j, &q, &e), &e, "staged: own encoding decodes");
    json_decref(j);
    ok(q.has_rollout && ota_rollout_equal(&p.rollout, &q.rollout) && q.has_maintenance &&
           ota_maintenance_equal(&p.maintenance, &q.maintenance) && q.retry_interval_seconds == 600,
       "staged: round trip keeps every field");
    ota_plan_free(&p);
    ota_plan_free(&q);

    /* a plan without them: no rollout or maintenance key, retry interval 0 */
    j = parse(PLAN_HEAD "\"components\":[]}");
    ok_call(ota_plan_from_json(j, &p, &e), &e, "staged: a plain plan decodes");
    json_decref(j);
    ok(!p.has_rollout && !p.has_maintenance && p.retry_interval_seconds == 0 && !p.paused_reason[0],
       "staged: absent means no rollout, no maintenance, no interval");
    j = ota_json_plan(&p);
    ok(!json_object_get(j, "rollout") && !json_object_get(j, "maintenance") && !json_object_get(j, "paused_reason"),
       "staged: a plain plan encodes none of them");
    json_decref(j);
    ota_plan_free(&p);
    j = parse(PLAN_HEAD "\"rollout\":null,\"maintenance\":null}");
    ok_call(ota_plan_from_json(j, &p, &e), &e, "staged: null rollout and maintenance mean none");
    ok(!p.has_rollout && !p.has_maintenance, "staged: ... and decode as none");
    json_decref(j);
    ota_plan_free(&p);
    j = parse(PLAN_HEAD "\"rollout\":{\"waves\":[{\"size\":\"100%\"}]}}");
    ok_call(ota_plan_from_json(j, &p, &e), &e, "staged: a rollout of only waves decodes");
    ok(p.rollout.success_threshold == 100 && p.rollout.failure_threshold == 100 && p.rollout.min_finished == 0 &&
           p.rollout.advance == OTA_ADVANCE_AUTO && p.rollout.on_failure == OTA_ON_FAILURE_PAUSE &&
           p.rollout.max_offers_per_minute == 0,
       "staged: left-out rollout fields take their defaults");
    json_decref(j);
    ota_plan_free(&p);

    /* bad shapes, each naming its field */
#define R(body) PLAN_HEAD "\"rollout\":" body "}"
#define M(body) PLAN_HEAD "\"maintenance\":" body "}"
#define W(win) M("{\"timezone\":\"UTC\",\"windows\":[" win "]}")
    DECODE_FAILS(R("[1]"), ota_plan_from_json, &p, OTA_E_BAD_REQUEST, "rollout", "staged: rollout not an object");
    DECODE_FAILS(R("{\"waves\":[{\"size\":\"100%\"}],\"speed\":1}"), ota_plan_from_json, &p, OTA_E_BAD_REQUEST,
                 "rollout.speed", "staged: unknown rollout field");
    DECODE_FAILS(R("{}"), ota_plan_from_json, &p, OTA_E_VALIDATION, "rollout.waves", "staged: waves required");
    DECODE_FAILS(R("{\"waves\":{}}"), ota_plan_from_json, &p, OTA_E_BAD_REQUEST, "rollout.waves",
                 "staged: waves not an array");
    DECODE_FAILS(R("{\"waves\":[]}"), ota_plan_from_json, &p, OTA_E_VALIDATION, "rollout.waves", "staged: no wave");
    char many[2048];
    size_t off = (size_t)snprintf(many, sizeof many, R("{\"waves\":["));
    off -= 1;  /* drop R's closing brace */
    for (int i = 0; i < 21; i++)
        off += (size_t)snprintf(many + off, sizeof many - off, "%s{\"size\":%d}", i ? "," : "", i + 1);
    snprintf(many + off, sizeof many - off, "]}}");
    DECODE_FAILS(many, ota_plan_from_json, &p, OTA_E_VALIDATION, "rollout.waves", "staged: 21 waves refused");
    DECODE_FAILS(R("{\"waves\":[{\"size\":\"5\"},{\"size\":\"100%\"}]}"), ota_plan_from_json, &p,
                 OTA_E_VALIDATION, "rollout.waves[0].size", "staged: a size string without %% refused");
    DECODE_FAILS(R("{\"waves\":[{\"size\":\"1.5%\"},{\"size\":\"100%\"}]}"), ota_plan_from_json, &p,
                 OTA_E_VALIDATION, "rollout.waves[0].size", "staged: a fractional percentage refused");
    DECODE_FAILS(R("{\"waves\":[{\"size\":\"100%\"},{\"size\":true}]}"), ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "rollout.waves[1].size", "staged: a size of the wrong type refused");
    DECODE_FAILS(R("{\"waves\":[{\"pct\":5}]}"), ota_plan_from_json, &p, OTA_E_BAD_REQUEST, "rollout.waves[0].pct",
                 "staged: unknown wave field");
    DECODE_FAILS(R("{\"waves\":[{}]}"), ota_plan_from_json, &p, OTA_E_VALIDATION, "rollout.waves[0].size",
                 "staged: a wave without size");
    DECODE_FAILS(R("{\"waves\":[{\"size\":\"100%\"}],\"advance\":\"sometimes\"}"), ota_plan_from_json, &p,
                 OTA_E_VALIDATION, "rollout.advance", "staged: unknown advance word");
    DECODE_FAILS(R("{\"waves\":[{\"size\":\"100%\"}],\"on_failure\":\"panic\"}"), ota_plan_from_json, &p,
                 OTA_E_VALIDATION, "rollout.on_failure", "staged: unknown on_failure word");
    DECODE_FAILS(R("{\"waves\":[{\"size\":\"100%\"}],\"soak_seconds\":\"1h\"}"), ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "rollout.soak_seconds", "staged: soak of the wrong type");
    DECODE_FAILS(M("{\"windows\":[]}"), ota_plan_from_json, &p, OTA_E_VALIDATION, "maintenance.windows",
                 "staged: no maintenance window");
    DECODE_FAILS(M("{\"timezone\":7,\"windows\":[]}"), ota_plan_from_json, &p, OTA_E_BAD_REQUEST,
                 "maintenance.timezone", "staged: zone of the wrong type");
    DECODE_FAILS(M("{\"timezone\":\"UTC\"}"), ota_plan_from_json, &p, OTA_E_VALIDATION, "maintenance.windows",
                 "staged: windows required");
    DECODE_FAILS(M("{\"timezone\":\"UTC\",\"windows\":[],\"device_timezone\":\"yes\"}"), ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "maintenance.device_timezone", "staged: device_timezone not a boolean");
    DECODE_FAILS(W("{\"days\":[\"mon\"],\"start\":\"24:00\",\"end\":\"05:00\"}"), ota_plan_from_json, &p,
                 OTA_E_VALIDATION, "maintenance.windows[0].start", "staged: 24:00 refused");
    DECODE_FAILS(W("{\"days\":[\"mon\"],\"start\":\"01:00\",\"end\":\"05:60\"}"), ota_plan_from_json, &p,
                 OTA_E_VALIDATION, "maintenance.windows[0].end", "staged: minute 60 refused");
    DECODE_FAILS(W("{\"days\":[\"mon\"],\"start\":\"1:00\",\"end\":\"05:00\"}"), ota_plan_from_json, &p,
                 OTA_E_VALIDATION, "maintenance.windows[0].start", "staged: H:MM refused");
    DECODE_FAILS(W("{\"days\":[\"mon\"],\"start\":60,\"end\":\"05:00\"}"), ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "maintenance.windows[0].start", "staged: a number for a time refused");
    DECODE_FAILS(W("{\"days\":[\"mon\"],\"end\":\"05:00\"}"), ota_plan_from_json, &p, OTA_E_VALIDATION,
                 "maintenance.windows[0].start", "staged: start required");
    DECODE_FAILS(W("{\"days\":[\"mon\",\"funday\"],\"start\":\"01:00\",\"end\":\"05:00\"}"), ota_plan_from_json,
                 &p, OTA_E_VALIDATION, "maintenance.windows[0].days", "staged: unknown day refused");
    DECODE_FAILS(W("{\"days\":\"mon\",\"start\":\"01:00\",\"end\":\"05:00\"}"), ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "maintenance.windows[0].days", "staged: days not an array");
    DECODE_FAILS(W("{\"days\":[\"mon\"],\"start\":\"01:00\",\"end\":\"05:00\",\"tz\":1}"), ota_plan_from_json,
                 &p, OTA_E_BAD_REQUEST, "maintenance.windows[0].tz", "staged: unknown window field");
    DECODE_FAILS(PLAN_HEAD "\"strategy\":{\"retry_interval_seconds\":\"60\"}}", ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "strategy.retry_interval_seconds", "staged: retry interval of the wrong type");
    /* ranges are validate.c's: decoded, then refused by ota_validate_plan with the field */
    j = parse(R("{\"waves\":[{\"size\":\"0%\"},{\"size\":\"100%\"}],\"success_threshold\":101}"));
    ok_call(ota_plan_from_json(j, &p, &e), &e, "staged: out-of-range values decode");
    ok(ota_validate_plan(&p, &e) < 0 && e.code == OTA_E_VALIDATION && !strcmp(e.field, "rollout.waves[0].size"),
       "staged: ... and validation names the field (%s)", e.field);
    json_decref(j);
    ota_plan_free(&p);
#undef R
#undef M
#undef W

    /* status and preview: the rollout's part only when there is one */
    ota_plan_status st = {.state = OTA_PLAN_PAUSED, .revision = 2, .nwaves = 2, .current_wave = 1,
                          .next_wave_at = 1800000000, .nrollback_plans = 2, .rollback_plans = {8, 9}, .rollback_uncovered = 3,
                          .paused_reason = "failure_threshold"};
    st.waves[0] = (struct ota_wave_status){{true, 1}, 10, OTA_WAVE_DONE, 9, 1};
    st.waves[1] = (struct ota_wave_status){{true, 100}, 990, OTA_WAVE_OPEN, 5, 40};
    char *s = dump(ota_json_status(&st));
    ok(strstr(s, "\"waves\":[{\"devices\":10,\"failed\":1,\"size\":\"1%\",\"state\":\"done\",\"succeeded\":9},"
                 "{\"devices\":990,\"failed\":40,\"size\":\"100%\",\"state\":\"open\",\"succeeded\":5}]") &&
           strstr(s, "\"current_wave\":1") && strstr(s, "\"next_wave_at\":\"2027-01-15T08:00:00Z\"") &&
           strstr(s, "\"rollback_plans\":[8,9]") &&
           strstr(s, "\"rollback_uncovered\":3") && strstr(s, "\"paused_reason\":\"failure_threshold\""),
       "status: waves, current_wave, rollback plans and paused reason encoded");
    ota_plan_status st2;
    j = parse(s);
    ok_call(ota_status_from_json(j, &st2, &e), &e, "status: with waves decodes");
    ok(!memcmp(&st, &st2, sizeof st), "status: with waves round trip");
    json_decref(j);
    free(s);
    j = ota_json_status(&st);
    json_object_set_new(json_array_get(json_object_get(j, "waves"), 0), "state", json_string("late"));
    s = dump(j);
    DECODE_FAILS(s, ota_status_from_json, &st2, OTA_E_VALIDATION, "waves[0].state", "status: unknown wave state");
    free(s);
    j = ota_json_status(&st);
    json_array_append_new(json_object_get(j, "rollback_plans"), json_string("10"));
    s = dump(j);
    DECODE_FAILS(s, ota_status_from_json, &st2, OTA_E_BAD_REQUEST, "rollback_plans", "status: a rollback id not a number");
    free(s);
    st.nwaves = 0;
    s = dump(ota_json_status(&st));
    ok(!strstr(s, "waves") && !strstr(s, "rollback") && !strstr(s, "paused_reason"),
       "status: a plan without a rollout has none of them");
    free(s);

    ota_preview pv = {.targeted = 1000, .nwaves = 2};
    pv.waves[0] = (ota_wave_count){{false, 200}, 200};
    pv.waves[1] = (ota_wave_count){{true, 100}, 800};
    s = dump(ota_json_preview(&pv));
    ok(strstr(s, "\"waves\":[{\"devices\":200,\"size\":200},{\"devices\":800,\"size\":\"100%\"}]") != NULL,
       "preview: waves encoded");
    ota_preview pv2;
    j = parse(s);
    ok_call(ota_preview_from_json(j, &pv2, &e), &e, "preview: with waves decodes");
    ok(!memcmp(&pv, &pv2, sizeof pv), "preview: with waves round trip");
    json_decref(j);
    free(s);
}

/* The check-in's attributes: the device's own zone (API.md "Maintenance
 * windows"), kept as reported; other attributes and wrong types refused. */
static void test_checkin_attributes(void)
{
    ota_err e;
    ota_checkin_req r, r2;
    json_t *j = parse("{\"device\":\"dev-1\",\"product\":\"p\",\"attributes\":{\"timezone\":\"Europe/Berlin\"}}");
    ok_call(ota_checkin_from_json(j, &r, &e), &e, "check-in with attributes.timezone decodes");
    is_str(r.timezone, "Europe/Berlin", "  the zone");
    json_decref(j);
    j = ota_json_checkin(&r);
    is_str(json_string_value(json_object_get(json_object_get(j, "attributes"), "timezone")), "Europe/Berlin",
           "  encoded as attributes.timezone");
    ok_call(ota_checkin_from_json(j, &r2, &e), &e, "  which decodes");
    ok(!memcmp(&r, &r2, sizeof r), "  round trip");
    json_decref(j);
    j = parse("{\"device\":\"dev-1\",\"product\":\"p\",\"attributes\":{\"timezone\":\"Mars/Olympus\"}}");
    ok_call(ota_checkin_from_json(j, &r, &e), &e, "a zone that is none is kept as reported (judged later)");
    json_decref(j);
    j = parse("{\"device\":\"dev-1\",\"product\":\"p\",\"attributes\":null}");
    ok_call(ota_checkin_from_json(j, &r, &e), &e, "attributes null: none");
    is_str(r.timezone, "", "  no zone");
    json_decref(j);
    j = ota_json_checkin(&r);
    ok(!json_object_get(j, "attributes"), "no zone: no attributes encoded");
    json_decref(j);
    DECODE_FAILS("{\"device\":\"d\",\"product\":\"p\",\"attributes\":{\"timezone\":5}}", ota_checkin_from_json, &r,
                 OTA_E_BAD_REQUEST, "attributes.timezone", "a zone that is no string refused");
    DECODE_FAILS("{\"device\":\"d\",\"product\":\"p\",\"attributes\":[]}", ota_checkin_from_json, &r,
                 OTA_E_BAD_REQUEST, "attributes", "attributes that are no object refused");
    DECODE_FAILS("{\"device\":\"d\",\"product\":\"p\",\"attributes\":{\"hw\":\"rev2\"}}", ota_checkin_from_json,
                 &r, OTA_E_BAD_REQUEST, "attributes.hw", "an attribute the engine does not keep refused");
    DECODE_FAILS("{\"device\":\"d\",\"product\":\"p\",\"attributes\":{\"timezone\":"
                 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}", ota_checkin_from_json,
                 &r, OTA_E_VALIDATION, "attributes.timezone", "a zone over 64 bytes refused");
}

int main(void)
{
    test_staged();
    test_checkin_attributes();
    return tap_done();
}
