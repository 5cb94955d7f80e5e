/* FUZZ_SOURCES: server/credential.c */
/* otad's reading of device credentials out of headers (server/credential.c)
 * and core's one check of them (ota_device_authenticate).  Input: newline-
 * separated X-Device-Key, X-Device-Token, Authorization and the device id
 * the request names; "@KEY", "@TOK" and "@TOK2" stand for the product's
 * real device key and the real tokens of devices fz-1 and fz-2, so the
 * fuzzer explores values next to the right ones.
 * Properties: a refusal is a clear error that never shows a token; what is read is trimmed
 * printable ASCII within CRED_VALUE_MAX, and a TargetToken lands in one
 * slot only; a credential passes only when it is the named device's own
 * token, or (no token sent) the product key of a product_key product; the
 * real token of the named device always passes. */
#include "fuzz.h"
#include "credential.h"

#define TOK_PRODUCT "fz-tok"

static char real_key[65], tok1[OTA_DEVICE_TOKEN_LEN + 1], tok2[OTA_DEVICE_TOKEN_LEN + 1];

static void seed(ota_engine *eng)
{
    ota_err e = {0};
    ota_product p = {.key = TOK_PRODUCT, .name = "Fuzz tokens"};
    if (ota_product_add(eng, &p, real_key, &e) != 0 || ota_device_token_issue(eng, TOK_PRODUCT, "fz-1", tok1, &e) != 0 ||
        ota_device_token_issue(eng, TOK_PRODUCT, "fz-2", tok2, &e) != 0) {
        fprintf(stderr, "fuzz: seed: %s\n", e.message);
        abort();
    }
}

static char *field(char **s)
{
    char *f = *s, *nl = strchr(f, '\n');
    if (nl) {
        *nl = 0;
        *s = nl + 1;
    } else {
        *s = f + strlen(f);
    }
    return f;
}

/* in with the placeholders replaced (malloc'd). */
static char *expand(const char *in)
{
    size_t cap = strlen(in) * 48 + 1, n = 0;
    char *out = malloc(cap);
    if (!out) abort();
    for (const char *p = in; *p;) {
        const char *v = NULL;
        size_t kl = 0;
        if (!strncmp(p, "@TOK2", 5)) v = tok2, kl = 5;
        else if (!strncmp(p, "@TOK", 4)) v = tok1, kl = 4;
        else if (!strncmp(p, "@KEY", 4)) v = real_key, kl = 4;
        if (v) {
            memcpy(out + n, v, strlen(v));
            n += strlen(v);
            p += kl;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
    return out;
}

static void check_value(const char *v, const char *what)
{
    size_t n = strlen(v);
    fuzz_assert(n <= CRED_VALUE_MAX, "%s: %zu bytes kept", what, n);
    for (size_t i = 0; i < n; i++)
        fuzz_assert((unsigned char)v[i] > 0x20 && (unsigned char)v[i] < 0x7f, "%s: byte 0x%02x kept", what,
                    (unsigned char)v[i]);
}

/* The check of one read credential for the named device. */
static void judge(ota_engine *eng, const otad_cred *c, const char *device, const char *what)
{
    ota_err e = {0};
    char who[OTA_DEVICE_ID_MAX + 1] = "";
    int rc = ota_device_authenticate(eng, TOK_PRODUCT, device, c->key, c->token, who, &e);
    const char *own = !strcmp(device, "fz-1") ? tok1 : !strcmp(device, "fz-2") ? tok2 : NULL;
    bool right = c->token[0] ? own && !strcmp(c->token, own) : !strcmp(c->key, real_key);
    if (rc == 0) {
        fuzz_assert(right, "%s: a wrong credential passed for device '%s'", what, device);
        fuzz_assert(!strcmp(who, device), "%s: passed for '%s', named '%s'", what, who, device);
    } else {
        fuzz_clear_error(&e, what);
        fuzz_assert(e.code == OTA_E_UNAUTHORIZED || e.code == OTA_E_FORBIDDEN, "%s: refused with %s", what,
                    ota_code_str(e.code));
        fuzz_assert(!right, "%s: the right credential refused for '%s': %s", what, device, e.message);
        cred_err_field(c, &e);
        /* (the device id the request names is echoed: it is the caller's own text) */
        fuzz_assert((!strstr(e.message, tok1 + 4) || strstr(device, tok1 + 4)) &&
                        (!strstr(e.message, tok2 + 4) || strstr(device, tok2 + 4)),
                    "%s: a token in the message", what);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    ota_engine *eng = fuzz_engine();
    static bool seeded;
    if (!seeded) {
        seed(eng);
        seeded = true;
    }
    char *buf = fuzz_cstr(d, n), *s = buf;
    char *k = expand(field(&s)), *t = expand(field(&s)), *a = expand(field(&s)), *dev = field(&s);
    if (strlen(dev) > OTA_DEVICE_ID_MAX)
        dev[OTA_DEVICE_ID_MAX] = 0;
    otad_cred c;
    ota_err e = {0};
    if (cred_from_headers(*k ? k : NULL, *t ? t : NULL, &c, &e) == 0) {
        check_value(c.key, "X-Device-Key");
        check_value(c.token, "X-Device-Token");
        judge(eng, &c, dev, "REST headers");
    } else {
        fuzz_clear_error(&e, "REST headers");
        fuzz_assert(e.code == OTA_E_UNAUTHORIZED, "REST headers refused with %s", ota_code_str(e.code));
    }
    if (cred_from_authorization(*a ? a : NULL, &c, &e) == 0) {
        check_value(c.key, "Authorization key");
        check_value(c.token, "Authorization token");
        fuzz_assert(!(c.key[0] && c.token[0]) && (c.key[0] || c.token[0]), "Authorization: not exactly one slot");
        judge(eng, &c, dev, "Authorization");
    } else {
        fuzz_clear_error(&e, "Authorization");
        fuzz_assert(e.code == OTA_E_UNAUTHORIZED, "Authorization refused with %s", ota_code_str(e.code));
    }
    free(k);
    free(t);
    free(a);
    free(buf);
    return 0;
}
