/* One error type for the whole project: code, field, message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ota.h"

static const struct { const char *name; int http; } codes[OTA_E__COUNT] = {
    [OTA_OK] = {"ok", 200},
    [OTA_E_BAD_REQUEST] = {"bad_request", 400},
    [OTA_E_UNAUTHORIZED] = {"unauthorized", 401},
    [OTA_E_FORBIDDEN] = {"forbidden", 403},
    [OTA_E_NOT_FOUND] = {"not_found", 404},
    [OTA_E_METHOD] = {"method_not_allowed", 405},
    [OTA_E_CONFLICT] = {"conflict", 409},
    [OTA_E_INVALID_TRANSITION] = {"invalid_transition", 409},
    [OTA_E_NOT_EDITABLE] = {"not_editable", 409},
    [OTA_E_IN_USE] = {"in_use", 409},
    [OTA_E_TOO_LARGE] = {"too_large", 413},
    [OTA_E_UNSUPPORTED_MEDIA] = {"unsupported_media_type", 415},
    [OTA_E_VALIDATION] = {"validation_failed", 422},
    [OTA_E_IO] = {"io_error", 500},
    [OTA_E_INTERNAL] = {"internal", 500},
    [OTA_E_UNAVAILABLE] = {"unavailable", 503},
    [OTA_E_RATE_LIMITED] = {"rate_limited", 429},
};

int ota_fail(ota_err *e, ota_code code, const char *field, const char *fmt, ...)
{
    if (!e)
        return -1;
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

void ota_err_clear(ota_err *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

const char *ota_code_str(ota_code c)
{
    return (unsigned)c < OTA_E__COUNT ? codes[c].name : "internal";
}

ota_code ota_code_parse(const char *s)
{
    for (int i = 0; s && i < OTA_E__COUNT; i++)
        if (!strcmp(codes[i].name, s))
            return (ota_code)i;
    return OTA_E_INTERNAL;
}

int ota_code_http_status(ota_code c)
{
    return (unsigned)c < OTA_E__COUNT ? codes[c].http : 500;
}

const char *ota_err_format(const ota_err *e, char *buf, size_t len)
{
    if (e->field[0])
        snprintf(buf, len, "%s: %s: %s", ota_code_str(e->code), e->field, e->message);
    else
        snprintf(buf, len, "%s: %s", ota_code_str(e->code), e->message);
    return buf;
}
