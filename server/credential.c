/* Reading a device's credentials out of request headers (credential.h):
 * pure string work, no libmicrohttpd, so it is fuzzed alone. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "credential.h"

/* Copy value trimmed into dst (CRED_VALUE_MAX + 1); -1 when it is too long
 * or holds a byte that is not printable ASCII. */
static int value_copy(const char *v, char *dst)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strnlen(v, CRED_VALUE_MAX + 64);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n > CRED_VALUE_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
            return -1;
    memcpy(dst, v, n);
    dst[n] = 0;
    return 0;
}

static int malformed(const char *header, ota_err *e)
{
    return ota_fail(e, OTA_E_UNAUTHORIZED, header, "is not a credential this server issued");
}

int cred_from_headers(const char *x_device_key, const char *x_device_token, otad_cred *c, ota_err *e)
{
    memset(c, 0, sizeof *c);
    c->key_from = "X-Device-Key";
    c->token_from = "X-Device-Token";
    if (x_device_key && value_copy(x_device_key, c->key) < 0)
        return malformed("X-Device-Key", e);
    if (x_device_token && value_copy(x_device_token, c->token) < 0)
        return malformed("X-Device-Token", e);
    return 0;
}

int cred_from_authorization(const char *a, otad_cred *c, ota_err *e)
{
    memset(c, 0, sizeof *c);
    c->key_from = c->token_from = "Authorization";
    char v[CRED_VALUE_MAX + 1];
    const char *rest = NULL;
    bool target = false;
    if (a && !strncasecmp(a, "TargetToken ", 12)) {
        rest = a + 12;
        target = true;
    } else if (a && !strncasecmp(a, "GatewayToken ", 13)) {
        rest = a + 13;
    }
    if (!rest)
        return ota_fail(e, OTA_E_UNAUTHORIZED, "Authorization",
                        "send Authorization: TargetToken <the device's token> (or GatewayToken <the product's"
                        " device key>)");
    if (value_copy(rest, v) < 0)
        return malformed("Authorization", e);
    if (!v[0])
        return ota_fail(e, OTA_E_UNAUTHORIZED, "Authorization", "the token is empty");
    memcpy(target && !strncmp(v, "otd_", 4) ? c->token : c->key, v, strlen(v) + 1);
    return 0;
}

void cred_err_field(const otad_cred *c, ota_err *e)
{
    if (!e)
        return;
    const char *h = !strcmp(e->field, "device_token") ? c->token_from
                    : !strcmp(e->field, "product_key") ? c->key_from : NULL;
    if (h)
        snprintf(e->field, sizeof e->field, "%s", h);
}
