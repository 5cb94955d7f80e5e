/* Every answer of otad that the remote backend decodes (client/remote_*.c
 * read whatever a server, or a man in the middle, sends): the first byte
 * picks the decoder, the rest is the JSON.  Decoders must refuse with a
 * clear error and never overrun their fixed-size fields. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 1) return 0;
    ota_err e = {0};
    json_t *j = ota_json_parse((const char *)d + 1, n - 1, &e);
    if (!j) {
        fuzz_clear_error(&e, "json parse");
        return 0;
    }
    int rc = 0;
    const char *what = "";
    json_t *enc = NULL;
    switch (d[0] % 11) {
    case 0: { ota_product p; what = "product"; if ((rc = ota_product_from_json(j, &p, &e)) == 0) enc = ota_json_product(&p); break; }
    case 1: { ota_device v; what = "device"; if ((rc = ota_device_from_json(j, &v, &e)) == 0) enc = ota_json_device(&v); break; }
    case 2: { ota_preview p; what = "preview"; if ((rc = ota_preview_from_json(j, &p, &e)) == 0) enc = ota_json_preview(&p); break; }
    case 3: { ota_plan_status s; what = "status"; if ((rc = ota_status_from_json(j, &s, &e)) == 0) enc = ota_json_status(&s); break; }
    case 4: { ota_job_row r; what = "job row"; if ((rc = ota_job_row_from_json(j, &r, &e)) == 0) enc = ota_json_job_row(&r); break; }
    case 5: {
        ota_event_page p; what = "events";
        memset(&p, 0, sizeof p);
        if ((rc = ota_events_from_json(j, &p, &e)) == 0) {
            enc = ota_json_events(&p);
            ota_event_page_free(&p);
        }
        break;
    }
    case 6: { ota_job_offer o = {0}; what = "offer"; if ((rc = ota_offer_from_json(j, &o, &e)) == 0) enc = ota_json_offer(&o); ota_job_offer_free(&o); break; }
    case 7: { ota_verify_result v; what = "verify"; if ((rc = ota_verify_from_json(j, &v, &e)) == 0) enc = ota_json_verify(&v); break; }
    case 8: {
        ota_err x = {0}; what = "error body";
        if ((rc = ota_error_from_json(j, &x)) == 0) {
            fuzz_assert(x.code < OTA_E__COUNT, "error code out of range");
            fuzz_assert(memchr(x.message, 0, sizeof x.message) && memchr(x.field, 0, sizeof x.field),
                        "error strings not terminated");
            enc = ota_json_error(&x);
        } else {
            e.code = OTA_E_BAD_REQUEST;
            snprintf(e.message, sizeof e.message, "not an error body");
        }
        break;
    }
    case 9: { ota_package p; what = "package"; if ((rc = ota_package_from_json(j, &p, &e)) == 0) enc = ota_json_package(&p); break; }
    case 10: {
        ota_plan p; what = "plan";
        if ((rc = ota_plan_from_json(j, &p, &e)) == 0) {
            enc = ota_json_plan(&p);
            ota_plan_free(&p);
        }
        break;
    }
    }
    if (rc != 0)
        fuzz_clear_error(&e, what);
    else
        fuzz_assert(enc != NULL, "decoded %s does not encode again", what);
    json_decref(enc);
    json_decref(j);
    return 0;
}
