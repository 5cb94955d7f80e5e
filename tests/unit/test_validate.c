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

/* A plan with the API.md rollout (1%, 200, 100%) and a weekday window. */
static void staged(ota_plan *p)
{
    p->has_rollout = true;
    ota_rollout *r = &p->rollout;
    r->nwaves = 3;
    r->waves[0] = (ota_wave_size){true, 1};
    r->waves[1] = (ota_wave_size){false, 200};
    r->waves[2] = (ota_wave_size){true, 100};
    r->success_threshold = 90;
    r->failure_threshold = 5;
    r->min_finished = 10;
    r->soak_seconds = 3600;
    r->max_offers_per_minute = 1000;
    p->has_maintenance = true;
    strcpy(p->maintenance.timezone, "Asia/Shanghai");
    p->maintenance.nwindows = 1;
    p->maintenance.windows[0] = (ota_mw_window){0x1f, 60, 300};
}

static void test_rollout_rules(void)
{
    ota_err e = {0};
    PLAN_ACCEPTED(staged(p), "the API.md rollout and maintenance are valid");
    PLAN_ACCEPTED((staged(p), p->rollout.nwaves = 1, p->rollout.waves[0] = (ota_wave_size){true, 100}),
                  "one wave of 100%% is valid");
    PLAN_REFUSED((staged(p), p->rollout.nwaves = 0), "rollout.waves", "no wave is refused");
    PLAN_ACCEPTED((staged(p), p->rollout.nwaves = 20,
                   ({ for (int i = 0; i < 19; i++) p->rollout.waves[i] = (ota_wave_size){false, i + 1}; }),
                   p->rollout.waves[19] = (ota_wave_size){true, 100}),
                  "20 waves are valid");
    PLAN_REFUSED((staged(p), p->rollout.nwaves = 21), "rollout.waves", "21 waves are refused");
    PLAN_REFUSED((staged(p), p->rollout.waves[2].value = 99), "rollout.waves[2].size",
                 "a last wave of 99%% is refused");
    PLAN_REFUSED((staged(p), p->rollout.waves[2] = (ota_wave_size){false, 100000}), "rollout.waves[2].size",
                 "a last wave that is a count is refused");
    PLAN_REFUSED((staged(p), p->rollout.waves[0].value = 0), "rollout.waves[0].size", "0%% is refused");
    PLAN_REFUSED((staged(p), p->rollout.waves[0].value = 101), "rollout.waves[0].size", "101%% is refused");
    PLAN_REFUSED((staged(p), p->rollout.waves[1].value = 0), "rollout.waves[1].size", "a count of 0 is refused");
    PLAN_ACCEPTED((staged(p), p->rollout.waves[1].value = 1), "a count of 1 is valid");
    PLAN_REFUSED((staged(p), p->rollout.nwaves = 4, p->rollout.waves[2] = (ota_wave_size){true, 1},
                  p->rollout.waves[3] = (ota_wave_size){true, 100}),
                 "rollout.waves[2].size", "a percentage equal to an earlier one is refused");
    PLAN_REFUSED((staged(p), p->rollout.nwaves = 4, p->rollout.waves[2] = (ota_wave_size){false, 150},
                  p->rollout.waves[3] = (ota_wave_size){true, 100}),
                 "rollout.waves[2].size", "a count below an earlier count is refused");
    PLAN_ACCEPTED((staged(p), p->rollout.nwaves = 4, p->rollout.waves[2] = (ota_wave_size){true, 2},
                   p->rollout.waves[3] = (ota_wave_size){true, 100}),
                  "percentages and counts mix; each kind increases");
    PLAN_REFUSED((staged(p), p->rollout.nwaves = 3, p->rollout.waves[1] = (ota_wave_size){true, 100}),
                 "rollout.waves[2].size", "100%% before the last wave is refused");
    PLAN_ACCEPTED((staged(p), p->rollout.success_threshold = 0, p->rollout.failure_threshold = 100),
                  "thresholds 0 and 100 are valid");
    PLAN_REFUSED((staged(p), p->rollout.success_threshold = 101), "rollout.success_threshold", "101 refused");
    PLAN_REFUSED((staged(p), p->rollout.success_threshold = -1), "rollout.success_threshold", "-1 refused");
    PLAN_REFUSED((staged(p), p->rollout.failure_threshold = 101), "rollout.failure_threshold", "101 refused");
    PLAN_REFUSED((staged(p), p->rollout.failure_threshold = -1), "rollout.failure_threshold", "-1 refused");
    PLAN_ACCEPTED((staged(p), p->rollout.min_finished = 0, p->rollout.soak_seconds = 0,
                   p->rollout.max_offers_per_minute = 0),
                  "min_finished, soak and rate limit of 0 are valid");
    PLAN_REFUSED((staged(p), p->rollout.min_finished = -1), "rollout.min_finished", "-1 refused");
    PLAN_REFUSED((staged(p), p->rollout.soak_seconds = -1), "rollout.soak_seconds", "-1 refused");
    PLAN_REFUSED((staged(p), p->rollout.max_offers_per_minute = -1), "rollout.max_offers_per_minute",
                 "-1 refused");
    PLAN_REFUSED((staged(p), p->rollout.advance = (ota_advance)7), "rollout.advance", "unknown advance");
    PLAN_REFUSED((staged(p), p->rollout.on_failure = (ota_on_failure)7), "rollout.on_failure",
                 "unknown on_failure");
    PLAN_ACCEPTED((p->rollout.nwaves = 0), "without has_rollout the rollout is not looked at");

    PLAN_REFUSED((staged(p), p->maintenance.timezone[0] = 0), "maintenance.timezone", "a zone is required");
    PLAN_ACCEPTED((staged(p), strcpy(p->maintenance.timezone, "Etc/GMT+8")), "Etc/GMT+8 is valid");
    PLAN_ACCEPTED((staged(p), strcpy(p->maintenance.timezone, "America/Port-au-Prince")), "dashes are valid");
    PLAN_REFUSED((staged(p), strcpy(p->maintenance.timezone, "/etc/passwd")), "maintenance.timezone",
                 "a leading / is refused");
    PLAN_REFUSED((staged(p), strcpy(p->maintenance.timezone, "Asia/../x")), "maintenance.timezone",
                 ".. is refused");
    PLAN_REFUSED((staged(p), strcpy(p->maintenance.timezone, "Asia Shanghai")), "maintenance.timezone",
                 "a space is refused");
    PLAN_REFUSED((staged(p), strcpy(p->maintenance.timezone, "Mars/Olympus_Mons")), "maintenance.timezone",
                 "a zone tzdata does not know is refused");
    ok(strstr(e.message, "unknown time zone") != NULL, "  ... as unknown: %s", e.message);
    PLAN_REFUSED((staged(p), memset(p->maintenance.timezone, 'A', 64), p->maintenance.timezone[64] = 0),
                 "maintenance.timezone", "a 64-byte name is long enough to be looked up");
    ok(strstr(e.message, "unknown time zone") != NULL, "  ... and is unknown, not too long: %s", e.message);
    PLAN_REFUSED((staged(p), memset(p->maintenance.timezone, 'A', 65)), "maintenance.timezone",
                 "a 65-byte zone name is refused");
    PLAN_REFUSED((staged(p), p->maintenance.nwindows = 0), "maintenance.windows", "no window is refused");
    PLAN_ACCEPTED((staged(p), p->maintenance.nwindows = 16,
                   ({ for (int i = 1; i < 16; i++) p->maintenance.windows[i] = p->maintenance.windows[0]; })),
                  "16 windows are valid");
    PLAN_REFUSED((staged(p), p->maintenance.nwindows = 17), "maintenance.windows", "17 windows are refused");
    PLAN_REFUSED((staged(p), p->maintenance.windows[0].days = 0), "maintenance.windows[0].days",
                 "a window without a day is refused");
    PLAN_ACCEPTED((staged(p), p->maintenance.windows[0] = (ota_mw_window){OTA_DAYS_ALL, 0, 1439}),
                  "00:00..23:59 every day is valid");
    PLAN_ACCEPTED((staged(p), p->maintenance.windows[0] = (ota_mw_window){1, 1320, 120}),
                  "a window past midnight is valid");
    PLAN_REFUSED((staged(p), p->maintenance.windows[0].start = 1440), "maintenance.windows[0].start",
                 "24:00 is refused");
    PLAN_REFUSED((staged(p), p->maintenance.windows[0].start = -1), "maintenance.windows[0].start",
                 "a negative start is refused");
    PLAN_REFUSED((staged(p), p->maintenance.windows[0].end = 1440), "maintenance.windows[0].end",
                 "an end of 24:00 is refused");

    PLAN_ACCEPTED(p->retry_interval_seconds = 0, "a retry interval of 0 is valid");
    PLAN_ACCEPTED(p->retry_interval_seconds = 30 * 86400, "a retry interval of 30 days is valid");
    PLAN_REFUSED(p->retry_interval_seconds = 30 * 86400 + 1, "strategy.retry_interval_seconds",
                 "30 days and a second is refused");
    PLAN_REFUSED(p->retry_interval_seconds = -1, "strategy.retry_interval_seconds", "-1 is refused");

    /* the enum words and the shared pieces */
    is_str(ota_defer_str(OTA_DEFER_WAVE), "wave", "deferral word wave");
    is_str(ota_defer_str(OTA_DEFER_RATE_LIMIT), "rate_limit", "deferral word rate_limit");
    is_str(ota_defer_str(OTA_DEFER_MAINTENANCE), "maintenance_window", "deferral word maintenance_window");
    ok(ota_defer_parse("maintenance_window") == OTA_DEFER_MAINTENANCE, "maintenance_window parses");
    ok(ota_defer_parse("wave") == OTA_DEFER_WAVE && ota_defer_parse("rate_limit") == OTA_DEFER_RATE_LIMIT,
       "wave and rate_limit parse");
    ota_on_failure of;
    ok(ota_on_failure_parse("rollback", &of) == 0 && of == OTA_ON_FAILURE_ROLLBACK, "rollback parses");
    ok(ota_on_failure_parse("explode", &of) < 0, "an unknown on_failure word is refused");
    ota_wave_state ws;
    ok(ota_wave_state_parse("soaking", &ws) == 0 && ws == OTA_WAVE_SOAKING, "soaking parses");
    int bit = -1;
    ok(ota_day_parse("sun", &bit) == 0 && bit == 6 && ota_day_parse("Mon", &bit) < 0, "days are mon..sun, lowercase");
    ota_wave_size pc = {true, 1}, all = {true, 100}, cnt = {false, 200};
    ok(ota_wave_size_devices(&pc, 10) == 1, "1%% of 10 devices rounds up to 1");
    ok(ota_wave_size_devices(&pc, 1000) == 10, "1%% of 1000 devices is 10");
    ok(ota_wave_size_devices(&all, 999999) == 999999, "100%% is every device, exactly");
    ok(ota_wave_size_devices(&cnt, 50) == 50, "a count is capped at the devices targeted");
    ota_wave_size ws3[3] = {{true, 1}, {false, 200}, {true, 100}};
    long dv[3];
    ota_wave_devices(ws3, 3, 1000, dv);
    ok(dv[0] == 10 && dv[1] == 190 && dv[2] == 800, "waves 1%%, 200, 100%% of 1000: 10, 190, 800 devices");
    ota_wave_size mixed[3] = {{true, 50}, {false, 200}, {true, 100}};
    ota_wave_devices(mixed, 3, 1000, dv);
    ok(dv[0] == 500 && dv[1] == 0 && dv[2] == 500, "a count below an earlier percentage adds no devices");
}

int main(void)
{
    test_file_names();
    test_sizes_and_counts();
    test_meta();
    test_plan_rules();
    test_rollout_rules();
    test_product_device();
    return tap_done();
}
