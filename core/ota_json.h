/* The JSON codec (core/codec*.c): encoders and strict decoders, shapes as
 * in API.md.
 * Part of the public face: included by ota.h (include ota.h, not this). */
#ifndef OTA_JSON_H
#define OTA_JSON_H

/* ---------------------------------------------------------- JSON codec */
/* One codec for every caller (otad, remote backend, otactl --json); shapes
 * as in API.md.  Decoders are strict: wrong types and unknown fields are
 * refused with bad_request naming the field. */
#include <jansson.h>
json_t *ota_json_product(const ota_product *p);
json_t *ota_json_product_added(const ota_product *p, const char *device_key); /* POST /products answer */
json_t *ota_json_device(const ota_device *d);
/* The device with its "attributes" (attrs stolen; NULL: {}). */
json_t *ota_json_device_detail(const ota_device *d, json_t *attrs);
json_t *ota_json_file(const ota_file *f, int64_t package_id /* >0: add url */);
json_t *ota_json_package(const ota_package *p);
json_t *ota_json_plan(const ota_plan *p);
json_t *ota_json_preview(const ota_preview *p);
json_t *ota_json_status(const ota_plan_status *s);
json_t *ota_json_job_row(const ota_job_row *r);
json_t *ota_json_event(const ota_event *ev);
json_t *ota_json_events(const ota_event_page *p);
json_t *ota_json_offer(const ota_job_offer *o);             /* {"job":null} or {"job":{...}} */
/* The same answer as compact text, byte for byte what json_dumps(JSON_COMPACT)
 * of ota_json_offer gives; each component's text is kept per thread, so a
 * re-sent offer is a copy, not an encoding (otad's check-in).  Caller frees;
 * NULL when out of memory. */
char *ota_offer_text(const ota_job_offer *o, size_t *len);
json_t *ota_json_verify(const ota_verify_result *v);
json_t *ota_json_error(const ota_err *e);                   /* {"error":{code,message,field}} */
json_t *ota_json_page(json_t *items /* stolen */, const char *next_cursor);
json_t *ota_json_package_meta(const ota_package_meta *m);    /* the multipart "meta" part */
json_t *ota_json_checkin(const ota_checkin_req *r);         /* device check-in body */
json_t *ota_json_signature(const ota_signature *s);         /* {key_id, signer, signature} */
json_t *ota_json_signature_add(const ota_signature *s);     /* POST .../signatures: + public_key when known */
/* Device job bodies: confirm {"device"} (device NULL: {}); report adds
 * state, progress and error (when error_text is not empty). */
json_t *ota_json_job_confirm(const char *device);
json_t *ota_json_job_report(const char *device, ota_job_state to, int progress, const char *error_text);
json_t *ota_json_audit_row(const ota_audit_row *r);
json_t *ota_json_import_result(const ota_import_result *r);  /* device import: {added, updated} */

int ota_product_from_json(json_t *j, ota_product *out, ota_err *e);
/* device_key_out (65 bytes, may be NULL) receives the answer's device key. */
int ota_product_added_from_json(json_t *j, ota_product *out, char *device_key_out, ota_err *e);
int ota_device_from_json(json_t *j, ota_device *out, ota_err *e);
/* *attrs (unless attrs is NULL): a new reference to the object of strings. */
int ota_device_detail_from_json(json_t *j, ota_device *out, json_t **attrs, ota_err *e);
/* {"items":[...],"next_cursor":...}: *items borrowed from j; next_cursor
 * (OTA_CURSOR_MAX bytes, may be NULL) "" when null or absent. */
int ota_page_from_json(json_t *j, json_t **items, char *next_cursor, ota_err *e);
int ota_package_meta_from_json(json_t *j, ota_package_meta *out, ota_err *e);
int ota_package_from_json(json_t *j, ota_package *out, ota_err *e);
/* Client-supplied plan: id/state/revision/times are decoded when present (a
 * client reading a server answer needs them); a server must take id and
 * revision from the URL and If-Match and never trust state. */
int ota_plan_from_json(json_t *j, ota_plan *out, ota_err *e);
int ota_preview_from_json(json_t *j, ota_preview *out, ota_err *e);
int ota_status_from_json(json_t *j, ota_plan_status *out, ota_err *e);
int ota_job_row_from_json(json_t *j, ota_job_row *out, ota_err *e);
int ota_events_from_json(json_t *j, ota_event_page *out, ota_err *e);
int ota_checkin_from_json(json_t *j, ota_checkin_req *out, ota_err *e);
int ota_offer_from_json(json_t *j, ota_job_offer *out, ota_err *e);
int ota_verify_from_json(json_t *j, ota_verify_result *out, ota_err *e);
int ota_error_from_json(json_t *j, ota_err *out);  /* API.md error body -> ota_err */
/* POST .../signatures body or a package's "signatures" item (public_key optional). */
int ota_signature_from_json(json_t *j, ota_signature *out, ota_err *e);
int ota_audit_row_from_json(json_t *j, ota_audit_row *out, ota_err *e);
int ota_import_result_from_json(json_t *j, ota_import_result *out, ota_err *e);
/* A device's confirm or report body as otad reads it (an empty body is the
 * caller's {}).  The strings are borrowed from j: device NULL when absent,
 * error NULL when absent or null.  A confirm holds only "device"; a report
 * needs a state a device may report (ota_job_is_reportable) and a progress
 * of 0..100 (0 when absent). */
typedef struct ota_job_req {
    const char *device;
    ota_job_state state;
    int progress;
    const char *error;
} ota_job_req;
int ota_job_confirm_from_json(json_t *j, ota_job_req *out, ota_err *e);
int ota_job_report_from_json(json_t *j, ota_job_req *out, ota_err *e);
/* Device identity (ota_devauth.h; core/codec_devauth.c).
 * A product's auth change: PATCH /products/{key} answers the product plus
 * "devices_without_token"; its body {"device_auth":…,"enrollment":…}
 * (either, both or neither, RFC 7396: {} changes nothing; -1: not given).
 * Unknown members are bad_request, wrong words validation_failed, both
 * naming the field. */
json_t *ota_json_product_auth(const ota_product *p, long without_token);
int ota_product_auth_from_json(json_t *j, ota_product *out, long *without_token, ota_err *e);
json_t *ota_json_product_auth_patch(int device_auth, int enrollment_closed);
int ota_product_auth_patch_from_json(json_t *j, int *device_auth, int *enrollment_closed, ota_err *e);
/* A token issued, rotated or enrolled: {"product","device","token"}.
 * product (OTA_KEY_MAX + 1), device (OTA_DEVICE_ID_MAX + 1) and token
 * (OTA_DEVICE_TOKEN_LEN + 1) may each be NULL. */
json_t *ota_json_device_token(const char *product, const char *device, const char *token);
int ota_device_token_from_json(json_t *j, char *product, char *device, char *token, ota_err *e);
/* The enrollment body {"product","device"}: product (OTA_KEY_MAX + 1),
 * device (OTA_DEVICE_ID_MAX + 1). */
json_t *ota_json_enroll(const char *product, const char *device);
int ota_enroll_from_json(json_t *j, char *product, char *device, ota_err *e);
/* The bulk issue's body {"devices":[ids],"rotate":bool} (at most
 * OTA_DEVICE_TOKENS_PER_REQUEST ids; *ids malloc'd, the strings borrowed
 * from j: free(*ids) only) and its answer {"issued":N,"skipped":N,
 * "tokens":[{"device","token"}]}, whose decoder appends to *out (start it
 * zeroed; chunks add up; ota_device_token_list_free). */
json_t *ota_json_tokens_request(const char *const *ids, size_t n, bool rotate);
int ota_tokens_request_from_json(json_t *j, const char ***ids, size_t *n, bool *rotate, ota_err *e);
json_t *ota_json_device_token_list(const ota_device_token_list *l);
int ota_device_token_list_from_json(json_t *j, ota_device_token_list *out, ota_err *e);
/* Parse text into JSON with a clear bad_request on failure (and a size cap). */
json_t *ota_json_parse(const char *buf, size_t len, ota_err *e);

#endif
