/* A device's credentials as its request carries them, read from the
 * headers without libmicrohttpd (server/credential.c, fuzzed by
 * tests/fuzz/fuzz_credential.c):
 *   REST device API  X-Device-Token: otd_…   and/or  X-Device-Key: <key>
 *   hawkBit DDI      Authorization: TargetToken otd_…  (the device's token)
 *                    Authorization: GatewayToken <key> (the product key)
 * A TargetToken that is not a device token (no "otd_" prefix) is taken as
 * the product key, as agents configured before device tokens send it.
 * Values are trimmed of spaces and tabs; one longer than CRED_VALUE_MAX
 * or holding anything but printable ASCII is refused, never cut to fit.
 * Core judges what is read (ota_device_authenticate). */
#ifndef OTAD_CREDENTIAL_H
#define OTAD_CREDENTIAL_H

#include "ota.h"

#define CRED_VALUE_MAX 256

typedef struct otad_cred {
    char key[CRED_VALUE_MAX + 1];       /* product key, "" when none */
    char token[CRED_VALUE_MAX + 1];     /* device token, "" when none */
    const char *key_from, *token_from;  /* the header each comes from (for errors) */
} otad_cred;

/* REST: either header may be NULL.  0, or -1 with unauthorized naming the
 * malformed header.  Sending neither is not an error here (c stays empty:
 * core refuses it). */
int cred_from_headers(const char *x_device_key, const char *x_device_token, otad_cred *c, ota_err *e);
/* DDI: the Authorization header (may be NULL); a scheme other than
 * TargetToken or GatewayToken, none, or an empty value is unauthorized. */
int cred_from_authorization(const char *authorization, otad_cred *c, ota_err *e);
/* The field of core's refusal ("device_token", "product_key") becomes the
 * header the credential came from. */
void cred_err_field(const otad_cred *c, ota_err *e);

#endif
