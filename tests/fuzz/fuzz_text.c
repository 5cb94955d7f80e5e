/* Small text parsers every input passes through: RFC 3339 times (plan
 * windows), UTF-8 counting (remarks, names), the enum names of API.md
 * (kind, mode, plan and job states) and the shared page request check
 * (?limit= and ?cursor=).  Properties: a parsed time formats back to a time
 * that parses to the same instant; a valid enum name round-trips. */
#include "fuzz.h"

static void fuzz_time(const char *s)
{
    int64_t t;
    if (ota_time_parse(s, &t) != 0) return;
    char buf[64];
    const char *f = ota_time_format(t, buf, sizeof buf);
    if (!f) return;  /* outside what the formatter shows (e.g. year > 9999) */
    int64_t t2;
    fuzz_assert(ota_time_parse(f, &t2) == 0 && t2 == t,
                "time \"%s\" -> %lld -> \"%s\" does not parse back", s, (long long)t, f);
}

static void fuzz_enums(const char *s)
{
    ota_kind k; ota_mode m; ota_plan_state ps; ota_job_state js;
    if (ota_kind_parse(s, &k) == 0)
        fuzz_assert(!strcmp(ota_kind_str(k), s), "kind %s", s);
    if (ota_mode_parse(s, &m) == 0)
        fuzz_assert(!strcmp(ota_mode_str(m), s), "mode %s", s);
    if (ota_plan_state_parse(s, &ps) == 0)
        fuzz_assert(!strcmp(ota_plan_state_str(ps), s), "plan state %s", s);
    if (ota_job_state_parse(s, &js) == 0)
        fuzz_assert(!strcmp(ota_job_state_str(js), s), "job state %s", s);
    ota_code c = ota_code_parse(s);
    fuzz_assert(c >= 0 && c < OTA_E__COUNT, "code parse out of range");
}

static void fuzz_page(const char *s, size_t n)
{
    ota_page_req r = {0};
    ota_err e = {0};
    r.limit = n >= 4 ? (int)((uint32_t)(uint8_t)s[0] << 24 | (uint32_t)(uint8_t)s[1] << 16 |
                             (uint32_t)(uint8_t)s[2] << 8 | (uint8_t)s[3]) : (int)n;
    snprintf(r.cursor, sizeof r.cursor, "%s", n >= 4 ? s + 4 : s);
    if (ota_page_req_check(&r, &e) == 0)
        fuzz_assert(r.limit >= 1 && r.limit <= OTA_LIST_MAX, "limit %d accepted", r.limit);
    else
        fuzz_clear_error(&e, "page request");
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    char *s = fuzz_cstr(d, n);
    long chars = ota_utf8_chars((const char *)d, n);
    fuzz_assert((chars >= 0) == ota_utf8_valid((const char *)d, n), "utf8 count/valid disagree");
    fuzz_assert(chars <= (long)n, "more characters than bytes");
    fuzz_time(s);
    fuzz_enums(s);
    fuzz_page(s, strlen(s));
    free(s);
    return 0;
}
