/* A device check-in body (POST /api/v1/device/checkin) through the decoder
 * and, when it decodes, through the real engine (ota_checkin on a scratch
 * database with product FUZZ_PRODUCT, so unknown devices get registered).
 * Properties: a decoded request encodes and decodes to the same request;
 * an accepted check-in answers with an offer that encodes. */
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
                (!r.has_battery || r.battery == r2.battery), "check-in changed in a round trip");
    json_decref(enc);

    static unsigned long calls;
    if (++calls % 20000 == 0)
        fuzz_engine_recycle();
    ota_job_offer o;
    memset(&o, 0, sizeof o);
    if (ota_checkin(fuzz_engine(), &r, &o, &e) == 0) {
        json_t *oj = ota_json_offer(&o);
        fuzz_assert(oj != NULL, "offer does not encode");
        json_decref(oj);
    } else {
        fuzz_clear_error(&e, "checkin");
    }
    json_decref(j);
    return 0;
}
