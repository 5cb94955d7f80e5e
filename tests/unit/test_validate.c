/* Every pure rule of DESIGN.md §1, on both sides of each limit. */
#include <string.h>
#include "ota.h"
#include "../tap.h"

/* n copies of the 3-byte CJK character U+4E2D */
static void cjk(char *buf, int n)
{
    for (int i = 0; i < n; i++)
        memcpy(buf + 3 * i, "\xe4\xb8\xad", 3);
    buf[3 * n] = 0;
}

static void test_file_names(void)
{
    ota_err e = {0};
    char name[300];
    for (size_t i = 0; ota_allowed_endings[i]; i++) {
        snprintf(name, sizeof name, "fw-1.2%s", ota_allowed_endings[i]);
        ok_call(ota_validate_file_name(name, &e), &e, "ending %s accepted", ota_allowed_endings[i]);
    }
    const char *bad[] = {"fw.bin3", "fw.tar.bz2", "fw.BIN", "fw.Bin", "fw.bin/..", "fw.exe", "fw",
                         "fw.gz", "fw.bin.", "fw.bin ", "dir/fw.bin", "dir\\fw.bin", "..", ".bin",
                         "fw.mini_3", "fw.swu2", "fw.s19x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ota_err_clear(&e);
        fails_with(ota_validate_file_name(bad[i], &e), &e, OTA_E_VALIDATION, "\"%s\" refused: %s", bad[i],
                   e.message);
    }
    ota_validate_file_name("firmware.exe", &e);
    ok(strstr(e.message, "firmware.exe") && strstr(e.message, ".bin .zip .rar .pack .mini_1 .mini_2 .py"
                                                               " .tar .tar.gz .s19 .bin_1 .bin_2 .swu"),
       "the refusal names the file and the allowed endings: %s", e.message);
    is_str(e.field, "files", "the refusal names the field");
    fails_with(ota_validate_file_name("fw\x01.bin", &e), &e, OTA_E_VALIDATION, "control characters refused");
    fails_with(ota_validate_file_name("fw\xff.bin", &e), &e, OTA_E_VALIDATION, "invalid UTF-8 refused");
    ok_call(ota_validate_file_name("\xe5\x9b\xba\xe4\xbb\xb6.bin", &e), &e, "a CJK file name is fine");
    memset(name, 'a', 251);
    strcpy(name + 251, ".bin"); /* 255 bytes */
    ok_call(ota_validate_file_name(name, &e), &e, "a 255-byte name is accepted");
    memset(name, 'a', 252);
    strcpy(name + 252, ".bin"); /* 256 bytes */
    fails_with(ota_validate_file_name(name, &e), &e, OTA_E_VALIDATION, "a 256-byte name is refused: %s",
               e.message);
}

static void test_sizes_and_counts(void)
{
    ota_err e = {0};
    ok_call(ota_validate_file_size("fw.bin", 104857600ULL, &e), &e, "100 MiB exactly is accepted");
    fails_with(ota_validate_file_size("fw.bin", 104857601ULL, &e), &e, OTA_E_TOO_LARGE,
               "100 MiB + 1 byte is refused");
    ok(strstr(e.message, "fw.bin") && strstr(e.message, "104857601"), "names the file and size: %s",
       e.message);
    ok_call(ota_validate_file_size("fw.bin", 1, &e), &e, "1 byte is accepted");
    fails_with(ota_validate_file_size("fw.bin", 0, &e), &e, OTA_E_VALIDATION, "an empty file is refused");

    ok_call(ota_validate_file_count(1, &e), &e, "1 file accepted");
    ok_call(ota_validate_file_count(5, &e), &e, "5 files accepted");
    fails_with(ota_validate_file_count(6, &e), &e, OTA_E_VALIDATION, "6 files refused");
    is_str(e.field, "files[5]", "the field names the sixth file");
    is_str(e.message, "at most 5 files per package (got 6)", "the message names the rule");
    fails_with(ota_validate_file_count(0, &e), &e, OTA_E_VALIDATION, "0 files refused");
}

static ota_package_meta meta_ok(void)
{
    ota_package_meta m = {.kind = OTA_KIND_FULL};
    strcpy(m.component, "module");
    strcpy(m.target_version, "1.2.0");
    return m;
}

static void test_meta(void)
{
    ota_err e = {0};
    ota_package_meta m = meta_ok();
    ok_call(ota_validate_package_meta(&m, &e), &e, "a full package without source is valid");
    strcpy(m.source_version, "1.1.0");
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "full with a source is refused");
    is_str(e.field, "source_version", "... naming source_version");
    m.kind = OTA_KIND_DIFF;
    ok_call(ota_validate_package_meta(&m, &e), &e, "diff with a source is valid");
    m.source_version[0] = 0;
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "diff without source is refused");
    is_str(e.field, "source_version", "... naming source_version");
    strcpy(m.source_version, "1.2.0");
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "diff from a version to itself refused");

    m = meta_ok();
    cjk(m.remark, 200);
    ok_call(ota_validate_package_meta(&m, &e), &e, "a remark of 200 CJK characters (600 bytes) is valid");
    cjk(m.remark, 201);
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "201 CJK characters refused");
    is_str(e.field, "remark", "... naming remark");
    is_str(e.message, "at most 200 characters (got 201)", "... and the rule");
    memset(m.remark, 'x', 200);
    m.remark[200] = 0;
    ok_call(ota_validate_package_meta(&m, &e), &e, "200 ASCII characters valid");
    m.remark[200] = 'x';
    m.remark[201] = 0;
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "201 ASCII characters refused");
    is_str(e.message, "at most 200 characters (got 201)", "... with the rule");
    for (int i = 0; i < 200; i++)
        memcpy(m.remark + 4 * i, "\xf0\x9f\x93\xa6", 4); /* U+1F4E6, 4 bytes each */
    m.remark[800] = 0;
    ok_call(ota_validate_package_meta(&m, &e), &e, "200 four-byte characters (800 bytes) valid");
    strcpy(m.remark, "tab\tand bell\a");
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "a control character in a remark refused");
    strcpy(m.remark, "bad \xc3");
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "invalid UTF-8 remark refused");
    strcpy(m.remark, "line one\nline two");
    ok_call(ota_validate_package_meta(&m, &e), &e, "a remark may hold a newline");

    m = meta_ok();
    m.component[0] = 0;
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "component required");
    is_str(e.field, "component", "... naming component");
    strcpy(m.component, "my module");
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "a space in component refused");
    m = meta_ok();
    memset(m.component, 'c', 64);
    m.component[64] = 0;
    ok_call(ota_validate_package_meta(&m, &e), &e, "a 64-byte component is valid");
    m = meta_ok();
    memset(m.target_version, '9', 64);
    m.target_version[64] = 0;
    ok_call(ota_validate_package_meta(&m, &e), &e, "a 64-byte target version is valid");
    m = meta_ok();
    m.kind = OTA_KIND_DIFF;
    strcpy(m.source_version, "1.1 beta");
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "a space in a source version is refused");
    m = meta_ok();
    m.target_version[0] = 0;
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "target version required");
    is_str(e.field, "target_version", "... naming target_version");
    m = meta_ok();
    m.kind = (ota_kind)7;
    fails_with(ota_validate_package_meta(&m, &e), &e, OTA_E_VALIDATION, "unknown kind refused");
}

static void plan_ok(ota_plan *p)
{
    ota_plan_init(p);
    strcpy(p->name, "Q3 module rollout");
    strcpy(p->product, "EC600N-meter");
    p->window_start = 1796083200;
    p->window_end = 1796083200 + 86400;
    p->ncomponents = 1;
    strcpy(p->components[0].component, "module");
    p->components[0].package_id = 1;
}

#define PLAN_REFUSED(mutation, want_field, ...)                                              \
    do {                                                                                     \
        ota_plan p_;                                                                         \
        plan_ok(&p_);                                                                        \
        { ota_plan *p = &p_; mutation; }                                                     \
        ota_err_clear(&e);                                                                   \
        fails_with(ota_validate_plan(&p_, &e), &e, OTA_E_VALIDATION, __VA_ARGS__);           \
        is_str(e.field, want_field, "  ... field %s (%s)", want_field, e.message);           \
        ota_plan_free(&p_);                                                                  \
    } while (0)
#define PLAN_ACCEPTED(mutation, ...)                                                         \
    do {                                                                                     \
        ota_plan p_;                                                                         \
        plan_ok(&p_);                                                                        \
        { ota_plan *p = &p_; mutation; }                                                     \
        ok_call(ota_validate_plan(&p_, &e), &e, __VA_ARGS__);                                \
        ota_plan_free(&p_);                                                                  \
    } while (0)

static void test_plan_rules(void)
{
    ota_err e = {0};
    PLAN_ACCEPTED((void)p, "a minimal plan is valid");
    PLAN_REFUSED(p->name[0] = 0, "name", "a name is required");
    PLAN_ACCEPTED(cjk(p->name, 100), "a name of 100 CJK characters is valid");
    PLAN_REFUSED(cjk(p->name, 101), "name", "a name of 101 characters is refused");
    PLAN_REFUSED(strcpy(p->product, "no such/product"), "product", "a bad product key is refused");
    PLAN_REFUSED(p->product[0] = 0, "product", "a product is required");
    PLAN_REFUSED(p->mode = (ota_mode)5, "mode", "an unknown mode is refused");
    PLAN_ACCEPTED(p->mode = OTA_MODE_CONFIRM, "confirm mode is valid");
    PLAN_ACCEPTED(p->retries = 0, "0 retries valid");
    PLAN_ACCEPTED(p->retries = 10, "10 retries valid");
    PLAN_REFUSED(p->retries = 11, "strategy.retries", "11 retries refused");
    PLAN_REFUSED(p->retries = -1, "strategy.retries", "-1 retries refused");
    PLAN_ACCEPTED(p->min_rsrp = -140, "min_rsrp -140 valid");
    PLAN_ACCEPTED(p->min_rsrp = -44, "min_rsrp -44 valid");
    PLAN_REFUSED(p->min_rsrp = -141, "strategy.min_rsrp", "min_rsrp -141 refused");
    PLAN_REFUSED(p->min_rsrp = -43, "strategy.min_rsrp", "min_rsrp -43 refused");
    PLAN_ACCEPTED(p->min_battery = 0, "min_battery 0 valid");
    PLAN_ACCEPTED(p->min_battery = 100, "min_battery 100 valid");
    PLAN_REFUSED(p->min_battery = -1, "strategy.min_battery", "min_battery -1 refused");
    PLAN_REFUSED(p->min_battery = 101, "strategy.min_battery", "min_battery 101 refused");
    PLAN_ACCEPTED(p->window_end = p->window_start + 1, "a one-second window is valid");
    PLAN_REFUSED(p->window_end = p->window_start, "window", "start equal to end refused");
    PLAN_REFUSED(p->window_end = p->window_start - 1, "window", "start after end refused");
    {
        ota_plan p;
        plan_ok(&p);
        p.window_end = p.window_start;
        ota_validate_plan(&p, &e);
        is_str(e.message, "start must be before end", "window message names the rule");
    }
    PLAN_REFUSED(p->ncomponents = 0, "components", "a plan without components is refused");
    PLAN_ACCEPTED(
        {
            p->ncomponents = 32;
            for (int i = 0; i < 32; i++) {
                snprintf(p->components[i].component, sizeof p->components[i].component, "c%d", i);
                p->components[i].package_id = i + 1;
            }
        },
        "32 components are valid");
    PLAN_REFUSED(
        {
            p->ncomponents = 33;
            for (int i = 0; i < 32; i++) {
                snprintf(p->components[i].component, sizeof p->components[i].component, "c%d", i);
                p->components[i].package_id = i + 1;
            }
        },
        "components", "33 components are refused");
    PLAN_REFUSED(p->window_start = 0, "window", "a window without start is refused");
    PLAN_REFUSED(p->window_end = 0, "window", "a window without end is refused");
    PLAN_REFUSED(strcpy(p->name, "line\nbreak"), "name", "a control character in a name is refused");
    PLAN_REFUSED(
        {
            p->ncomponents = 2;
            p->components[1] = p->components[0];
        },
        "components", "a component listed twice is refused");
    PLAN_REFUSED(p->components[0].package_id = 0, "components[0].package_id", "a component needs a package");
    PLAN_REFUSED(p->components[0].component[0] = 0, "components[0].component", "a component needs a name");
    PLAN_ACCEPTED(ota_strlist_push(&p->blacklist, "dev-1"), "a blacklist of valid ids is valid");
    PLAN_REFUSED(
        {
            ota_strlist_push(&p->whitelist, "dev-1");
            ota_strlist_push(&p->whitelist, "dev 2");
        },
        "whitelist[1]", "a whitelist id with a space is refused");
    PLAN_REFUSED(ota_strlist_push(&p->blacklist, ""), "blacklist[0]", "an empty blacklist id is refused");
    PLAN_REFUSED(p->job_timeout = 0, "job_timeout", "a zero job timeout is refused");
}

static void test_product_device(void)
{
    ota_err e = {0};
    ota_product p = {.key = "EC600N-meter", .name = "Smart meter"};
    ok_call(ota_validate_product(&p, &e), &e, "a product is valid");
    p.name[0] = 0;
    fails_with(ota_validate_product(&p, &e), &e, OTA_E_VALIDATION, "a product needs a name");
    is_str(e.field, "name", "... naming name");
    cjk(p.name, 100);
    ok_call(ota_validate_product(&p, &e), &e, "a product name of 100 CJK characters is valid");
    cjk(p.name, 101);
    fails_with(ota_validate_product(&p, &e), &e, OTA_E_VALIDATION, "a product name of 101 characters is refused");
    is_str(e.message, "at most 100 characters (got 101)", "... with the rule");
    strcpy(p.name, "x");
    memset(p.key, 'k', 64);
    p.key[64] = 0;
    ok_call(ota_validate_product(&p, &e), &e, "a 64-byte product key is valid");
    strcpy(p.key, "a b");
    fails_with(ota_validate_product(&p, &e), &e, OTA_E_VALIDATION, "a key with a space is refused");
    is_str(e.field, "key", "... naming key");
    char id[200];
    memset(id, 'd', 128);
    id[128] = 0;
    ok_call(ota_validate_device_id(id, &e), &e, "a 128-byte device id is valid");
    id[128] = 'd';
    id[129] = 0;
    fails_with(ota_validate_device_id(id, &e), &e, OTA_E_VALIDATION, "a 129-byte device id is refused");
    fails_with(ota_validate_device_id("", &e), &e, OTA_E_VALIDATION, "an empty device id is refused");
    fails_with(ota_validate_device_id("a\tb", &e), &e, OTA_E_VALIDATION, "a tab in a device id is refused");
}

int main(void)
{
    test_file_names();
    test_sizes_and_counts();
    test_meta();
    test_plan_rules();
    test_product_device();
    return tap_done();
}
