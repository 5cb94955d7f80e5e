/* Device identity (core/devauth.c): how a product's devices authenticate,
 * a credential (token) per device, enrollment, and the check every device
 * request passes.  Part of the public face: included by ota.h.
 *
 * A product's device_auth is product_key (the default: any device of the
 * product speaks with the product's one device key) or device_token (every
 * device request needs that device's own token; the product key is accepted
 * only to enroll a device that has no token yet: trust on first use).
 * Tokens are "otd_" + 32 random bytes in base64url, shown once, stored as a
 * BLAKE2b-256 hash (the API tokens' scheme) and compared in constant time. */
#ifndef OTA_DEVAUTH_H
#define OTA_DEVAUTH_H

#define OTA_DEVICE_TOKEN_LEN 47  /* "otd_" + 43 base64url characters */
/* Ids per bulk issue over REST (POST /products/{key}/tokens); remote
 * clients send bigger fleets in chunks of this many. */
#define OTA_DEVICE_TOKENS_PER_REQUEST 10000

const char *ota_device_auth_str(ota_device_auth a);           /* "product_key" "device_token" */
int ota_device_auth_parse(const char *s, ota_device_auth *out); /* 0 ok, -1 unknown */
const char *ota_credential_str(ota_credential c);             /* "none" "active" "revoked" */
int ota_credential_parse(const char *s, ota_credential *out);

/* Change a product's device authentication and enrollment (admin).
 * device_auth: an ota_device_auth or -1 to keep; enrollment_closed: 0/1 or
 * -1 to keep.  *out (may be NULL) receives the product as stored,
 * *without_token (may be NULL) how many of its devices have no active token
 * (they must enroll or be issued one before they can check in again when
 * the mode is device_token).  not_found for an unknown product.  Both -1
 * (an empty merge patch: PATCH {}, otactl product auth PRODUCT) is a read:
 * the product and the count, nothing written and no audit row.  A change
 * is audited (product.auth), refusals included. */
int ota_product_set_auth(ota_engine *eng, const char *product, int device_auth, int enrollment_closed,
                         ota_product *out, long *without_token, ota_err *e);

/* Issue the token of device of product, or rotate it (the old one stops at
 * once); token_out (>= OTA_DEVICE_TOKEN_LEN + 1) receives it.  A valid id
 * not yet known is registered in product (issuing ahead of the first
 * check-in); a device of another product -> validation_failed on "device". */
int ota_device_token_issue(ota_engine *eng, const char *product, const char *device, char *token_out,
                           ota_err *e);
/* Revoke: the device's token stops at once and it cannot enroll again
 * (only an admin issuing a new token brings it back).  not_found when the
 * device has no active token. */
int ota_device_token_revoke(ota_engine *eng, const char *product, const char *device, ota_err *e);

/* Bulk issue for a fleet: ids[n] (unknown ones registered as above), all
 * or nothing: a bad id, one listed twice or a device of another product
 * fails the whole call (validation_failed naming "devices[i]").  Devices
 * that already have an active token are skipped (counted in out->skipped)
 * unless rotate.  out->items[] the tokens issued (out->n of them). */
typedef struct ota_device_token {
    char device[OTA_DEVICE_ID_MAX + 1];
    char token[OTA_DEVICE_TOKEN_LEN + 1];
} ota_device_token;
typedef struct ota_device_token_list { ota_device_token *items; size_t n, skipped; } ota_device_token_list;
int ota_device_tokens_issue(ota_engine *eng, const char *product, const char *const *ids, size_t n,
                            bool rotate, ota_device_token_list *out, ota_err *e);
void ota_device_token_list_free(ota_device_token_list *l);  /* wipes the tokens */
/* The ids check of the bulk issue, alone (no store): every id valid and
 * none listed twice, validation_failed naming "devices[i]" otherwise.  A
 * remote client sending a fleet in several requests checks it first, so
 * a bad id refuses the whole fleet before any request is sent. */
int ota_device_ids_check(const char *const *ids, size_t n, ota_err *e);

/* Enrollment (trust on first use): product_key must be product's device key
 * (else unauthorized); the product's enrollment must be open (else
 * forbidden); the device must have no token, active or revoked (else
 * conflict: rotation and reinstatement are an admin's).  Registers an
 * unknown device; token_out as for issue.  Allowed in both modes (a token
 * works in product_key mode too).  Audited once the key is right, refusals
 * included (a wrong key is nobody's action to record). */
int ota_device_enroll(ota_engine *eng, const char *product, const char *device, const char *product_key,
                      char *token_out, ota_err *e);

/* The check of every device request.  product and device are what the
 * request names (NULL or "" product, NULL device when it names none, e.g. a
 * REST download: then only a device token passes, and it names the
 * device).  device_out (NULL, or of size OTA_DEVICE_ID_MAX + 1) receives
 * the device the credential speaks for ("" for a product key without a
 * device).  product_key and device_token are what it sent (NULL or "" when
 * absent); a token sent is judged alone, even beside a product key.
 *  - product_key mode: the product key passes; so does the device's own
 *    active token.
 *  - device_token mode: only the device's own active token; the product key
 *    alone -> unauthorized naming enrollment.
 * A token of another device (or another product) -> forbidden; an unknown,
 * revoked or malformed credential -> unauthorized.  Served from a cache
 * kept coherent by the store's change watcher: fast enough for every
 * check-in. */
int ota_device_authenticate(ota_engine *eng, const char *product, const char *device, const char *product_key,
                            const char *device_token, char *device_out, ota_err *e);
/* The same check for a request about a job (confirm, report): the
 * credentials judged for the job's product and device, so a token speaks
 * only for its own device's jobs (another device's job -> forbidden).
 * product_out (OTA_KEY_MAX + 1) and device_out (OTA_DEVICE_ID_MAX + 1),
 * either NULL, receive the job's product and device when it passes.
 * not_found naming "job" for an unknown job, before any credential is
 * looked at: a caller that must not tell strangers which jobs exist judges
 * the credentials alone then (otad does). */
int ota_device_authenticate_job(ota_engine *eng, int64_t job, const char *product_key, const char *device_token,
                                char *product_out, char *device_out, ota_err *e);

#endif /* OTA_DEVAUTH_H */
