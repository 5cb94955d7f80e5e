/* A device check-in body (POST /api/v1/device/checkin) through the decoder
 * and, when it decodes, through the real engine (ota_checkin on a scratch
 * database with product FUZZ_PRODUCT, so unknown devices get registered).
 * Properties: a decoded request encodes and decodes to the same request;
 * a read-only check-in that answers gives what ota_checkin then gives, and
 * refuses what it refuses; an accepted check-in answers with an offer that
 * encodes, and its text form is the same bytes. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    ota_err e = {0};
    json_t *j = ota_json_parse((const char *)d, n, &e);
    if (!j) {
        fuzz_clear_error(&e, "json parse");
        return 0;
    }
    ota_checkin_req r;
    memset(&r, 0, sizeof r);
    if (ota_checkin_from_json(j, &r, &e) != 0) {
        fuzz_clear_error(&e, "checkin decode");
        json_decref(j);
        return 0;
    }
    fuzz_assert(r.nversions <= OTA_MAX_COMPONENTS, "%zu versions decoded", r.nversions);
    json_t *enc = ota_json_checkin(&r);
    fuzz_assert(enc != NULL, "decoded check-in does not encode");
    ota_checkin_req r2;
    memset(&r2, 0, sizeof r2);
    fuzz_assert(ota_checkin_from_json(enc, &r2, &e) == 0, "encoded check-in does not decode: %s", e.message);
    fuzz_assert(!strcmp(r.device, r2.device) && !strcmp(r.product, r2.product) &&
                r.nversions == r2.nversions && r.has_rsrp == r2.has_rsrp &&
                (!r.has_rsrp || r.rsrp == r2.rsrp) && r.has_battery == r2.has_battery &&
                (!r.has_battery || r.battery == r2.battery) && !strcmp(r.timezone, r2.timezone),
                "check-in changed in a round trip");
    json_decref(enc);

    static unsigned long calls;
    if (++calls % 20000 == 0)
        fuzz_engine_recycle();
    static ota_job_offer o, ro;
    memset(&o, 0, sizeof o);
    ota_err re = {0};
    int rrc = ota_checkin_readonly(fuzz_engine(), &r, &ro, &re);
    int rc = ota_checkin(fuzz_engine(), &r, &o, &e);
    if (rrc == 0) {
        fuzz_assert(rc == 0, "read-only check-in answered, ota_checkin refused: %s", e.message);
        fuzz_assert(ro.has_job == o.has_job && ro.job_id == o.job_id && ro.ncomponents == o.ncomponents,
                    "read-only check-in answered otherwise");
    } else if (rrc < 0) {
        fuzz_assert(rc < 0 && re.code == e.code && !strcmp(re.field, e.field),
                    "read-only check-in refused (%s), ota_checkin did not", re.message);
    }
    if (rc == 0) {
        json_t *oj = ota_json_offer(&o);
        fuzz_assert(oj != NULL, "offer does not encode");
        char *want = json_dumps(oj, JSON_COMPACT);
        size_t tn = 0;
        char *got = ota_offer_text(&o, &tn);
        fuzz_assert(want && got && tn == strlen(want) && !strcmp(want, got), "offer text differs");
        free(want);
        free(got);
        json_decref(oj);
    } else {
        fuzz_clear_error(&e, "checkin");
    }
    json_decref(j);
    return 0;
}
