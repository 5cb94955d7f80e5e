/* Time zone files and names (core/tz.c, core/tz_cache.c): refused names and
 * files with the field and rule named, the cache (same zone again, refusals
 * remembered, growth, four threads at once) and the picker's list of names. */
#include <pthread.h>
#include "tz_fixture.h"

/* --------------------------------------------------- refusals and errors */
static void refused(const char *name, ota_code code, const char *needle, const char *why)
{
    char shown[32] = "";
    size_t k = 0;
    for (const char *p = name; *p && k + 5 < sizeof shown; p++)
        k += (size_t)snprintf(shown + k, sizeof shown - k, *p > ' ' && *p < 127 ? "%c" : "\\x%02x",
                              (unsigned char)*p);
    ota_err e = {0};
    ota_tz *tz = ota_tz_load(name, &e);
    ok(!tz && e.code == code && !strcmp(e.field, "maintenance.timezone") && strstr(e.message, needle),
       "\"%s\" refused (%s): %s: %s", shown, why, ota_code_str(e.code), e.message);
    ota_tz_free(tz);
    is_int(ota_tz_valid(name), 0, "... and not valid");
}

static void test_refusals(void)
{
    use_system_tzdata();
    refused("Mars/Olympus_Mons", OTA_E_VALIDATION, "unknown time zone \"Mars/Olympus_Mons\"", "unknown zone");
    refused("Europe", OTA_E_VALIDATION, "unknown time zone", "a folder, not a zone");
    refused("../etc/passwd", OTA_E_VALIDATION, "\"..\"", "climbs out");
    refused("Europe/../../../etc/passwd", OTA_E_VALIDATION, "\"..\"", "climbs out midway");
    refused("/etc/localtime", OTA_E_VALIDATION, "not a path", "an absolute path");
    refused("", OTA_E_VALIDATION, "required", "empty");
    char long_name[80];
    memset(long_name, 'A', 65);
    long_name[65] = 0;
    refused(long_name, OTA_E_VALIDATION, "at most 64 bytes (got 65)", "65 bytes");
    long_name[64] = 0;
    refused(long_name, OTA_E_VALIDATION, "unknown time zone", "64 bytes: the length passes, the zone is unknown");
    refused("Europe/Berlin ", OTA_E_VALIDATION, "byte 14 is not one", "a space");
    refused("Europe/Berlin\n", OTA_E_VALIDATION, "letters, digits", "a newline");
    refused("Europe\\Berlin", OTA_E_VALIDATION, "letters, digits", "a backslash");
    refused("zone.tab", OTA_E_VALIDATION, "letters, digits", "a dot");
    refused("Europe//Berlin", OTA_E_VALIDATION, "empty part", "an empty part");
    refused("Europe/", OTA_E_VALIDATION, "empty part", "a trailing slash");
    refused("Europe/Berl\xc3\xafn", OTA_E_VALIDATION, "byte 12", "non-ASCII");
    refused("localtime", OTA_E_VALIDATION, "not an IANA time zone name", "the host's alias");
    refused("posixrules", OTA_E_VALIDATION, "not an IANA time zone name", "the host's alias");
    refused("right/UTC", OTA_E_VALIDATION, "leap seconds", "a zone counting leap seconds");
    ok(ota_tz_load(NULL, NULL) == NULL, "no name, no error buffer: NULL");
    ok(ota_tz_valid("Europe/Berlin") && ota_tz_valid("Etc/GMT-14") && ota_tz_valid("Etc/GMT+12") &&
       ota_tz_valid("America/Argentina/Buenos_Aires") && ota_tz_valid("posix/Asia/Shanghai"),
       "zones with '-', '+', '_' and three parts are valid");
    ok(ota_tz_name_check("America/Port-au-Prince", NULL) == 0, "the name check alone needs no file");

    /* Files that are not good zones. */
    use_tmp_tzdata();
    write_text("Text", "# not a zone\n");
    refused("Text", OTA_E_VALIDATION, "is not a TZif file", "a text file");
    write_tzif("Bad/Version1", '\0', 1, (int64_t[]){1000}, (uint8_t[]){1}, 0, NULL);
    refused("Bad/Version1", OTA_E_IO, "TZif version 1", "version 1 only");
    write_tzif("Bad/Order", '2', 2, (int64_t[]){2000, 1000}, (uint8_t[]){1, 0}, 0, "AAA0");
    refused("Bad/Order", OTA_E_IO, "transitions out of order", "transitions out of order");
    write_tzif("Bad/Type", '2', 1, (int64_t[]){1000}, (uint8_t[]){2}, 0, "AAA0");
    refused("Bad/Type", OTA_E_IO, "names no time type", "a transition to a type that is not there");
    write_tzif("Bad/Footer", '2', 0, NULL, NULL, 0, "CET-1CEST,M3.5.0");
    refused("Bad/Footer", OTA_E_IO, "not a POSIX TZ rule", "a footer with one rule date");
    static const char *const bad_footers[] = {"CET", "CE-1", "CET-25", "CET-1CEST,M13.5.0,M10.5.0",
                                              "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
                                              "CET-1CEST,J0,J365", "CET-1CEST,366,0", "CET-1CEST,M3.5.0/168,M10.5.0",
                                              "<C>-1", "<CET-1", "CET-1:60", "CET-1CEST,M3.5.0,M10.5.0x"};
    for (size_t i = 0; i < sizeof bad_footers / sizeof *bad_footers; i++) {
        write_tzif("Bad/Footers", '2', 0, NULL, NULL, 0, bad_footers[i]);
        ota_err e = {0};
        ota_tz *tz = ota_tz_load("Bad/Footers", &e);
        ok(!tz && e.code == OTA_E_IO && strstr(e.message, "POSIX TZ rule"), "footer \"%s\" refused", bad_footers[i]);
        ota_tz_free(tz);
    }
    write_tzif("Bad/Leap", '2', 0, NULL, NULL, 2, "AAA0");
    refused("Bad/Leap", OTA_E_VALIDATION, "leap seconds", "leap seconds in a file of ours");
    /* Truncated copies of a good file: every cut is refused as corrupt. */
    write_tzif("Good", '2', 2, (int64_t[]){1000, 2000}, (uint8_t[]){1, 0}, 0, "AAA0");
    char path[512];
    snprintf(path, sizeof path, "%s/Good", tmp_tzdir);
    FILE *f = fopen(path, "rb");
    unsigned char whole[512];
    size_t len = fread(whole, 1, sizeof whole, f);
    fclose(f);
    int cuts_refused = 0, cuts = 0;
    for (size_t cut = 4; cut < len; cut++, cuts++) {
        snprintf(path, sizeof path, "%s/Cut", tmp_tzdir);
        f = fopen(path, "wb");
        fwrite(whole, 1, cut, f);
        fclose(f);
        ota_err e = {0};
        ota_tz *tz = ota_tz_load("Cut", &e);
        cuts_refused += !tz && e.code == OTA_E_IO && strstr(e.message, "is corrupt");
        ota_tz_free(tz);
    }
    is_int(cuts_refused, cuts, "each of %d truncations of a good file is refused as corrupt", cuts);
    ok(ota_tz_valid("Good"), "the whole file loads");
    /* Unreadable: a symbolic link to itself (ELOOP even for root). */
    snprintf(path, sizeof path, "%s/Loop", tmp_tzdir);
    symlink("Loop", path);
    refused("Loop", OTA_E_IO, "cannot read the tzdata file", "unreadable (a link loop)");
    snprintf(path, sizeof path, "%s/Fifo", tmp_tzdir);
    mkfifo(path, 0644);
    refused("Fifo", OTA_E_VALIDATION, "unknown time zone", "a FIFO: not waited on, not a zone");
    use_system_tzdata();
}

/* ---------------------------------------------------------------- cache */
static void test_cache(void)
{
    use_tmp_tzdata();
    ota_tz_cache *c = ota_tz_cache_new();
    write_tzif("Cache/A", '2', 0, NULL, NULL, 0, "<+0130>-1:30");
    ota_err e = {0};
    const ota_tz *a = ota_tz_cache_get(c, "Cache/A", &e);
    ok(a && ota_tz_cache_get(c, "Cache/A", &e) == a, "the second get is the same zone");
    char path[512];
    snprintf(path, sizeof path, "%s/Cache/A", tmp_tzdir);
    unlink(path);
    ok(ota_tz_cache_get(c, "Cache/A", &e) == a, "a cached zone needs its file no more");
    ota_err_clear(&e);
    ok(!ota_tz_cache_get(c, "Cache/B", &e) && e.code == OTA_E_VALIDATION && strstr(e.message, "unknown time zone"),
       "an unknown zone: refused (%s)", e.message);
    write_tzif("Cache/B", '2', 0, NULL, NULL, 0, "AAA0");
    ota_err_clear(&e);
    ok(!ota_tz_cache_get(c, "Cache/B", &e) && e.code == OTA_E_VALIDATION && strstr(e.message, "Cache/B"),
       "the refusal is remembered, with its message: no file is opened again");
    ota_err_clear(&e);
    ok(!ota_tz_cache_get(c, "../x", &e) && e.code == OTA_E_VALIDATION, "bad names are refused by the cache too");
    ok(!ota_tz_cache_get(NULL, "UTC", &e) && e.code == OTA_E_INTERNAL, "no cache: refused");
    /* Many names: the table grows, every zone stays where it was. */
    const ota_tz *first[300];
    int same = 0;
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof name, "Many/Z%d", i);
        write_tzif(name, '2', 0, NULL, NULL, 0, "AAA0");
        first[i] = ota_tz_cache_get(c, name, NULL);
    }
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof name, "Many/Z%d", i);
        same += first[i] && ota_tz_cache_get(c, name, NULL) == first[i];
    }
    is_int(same, 300, "300 zones cached, each found again after the table grew");
    /* Over 256 unknown names: the rest are refused each time, still right. */
    int refusals = 0;
    for (int i = 0; i < 400; i++) {
        char name[32];
        snprintf(name, sizeof name, "Nowhere/N%d", i);
        ota_err_clear(&e);
        refusals += !ota_tz_cache_get(c, name, &e) && e.code == OTA_E_VALIDATION;
        refusals -= i >= 300 && ota_tz_cache_get(c, name, &e) != NULL;
    }
    is_int(refusals, 400, "400 unknown names, every one refused (256 remembered)");
    ota_tz_cache_free(c);
    ota_tz_cache_free(NULL);
    use_system_tzdata();
}

/* Four threads share one cache and convert at once; each answer matches
 * the one worked out beforehand. */
static const char *const thread_zones[] = {"Europe/Berlin", "America/New_York", "Asia/Shanghai", "UTC",
                                           "Australia/Sydney", "Asia/Kolkata"};
#define NZONES (sizeof thread_zones / sizeof *thread_zones)
static struct ota_local_time expect[NZONES][64];
struct worker { ota_tz_cache *c; int bad; };

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    for (int round = 0; round < 200; round++)
        for (size_t z = 0; z < NZONES; z++) {
            const ota_tz *tz = ota_tz_cache_get(w->c, thread_zones[z], NULL);
            for (int i = 0; i < 64; i++) {
                struct ota_local_time lt;
                int64_t t = at("2027-01-01T00:00:00Z") + (int64_t)i * 5 * 86400 + round;
                w->bad += !tz || ota_tz_local(tz, t, &lt) < 0 || lt.minute != (expect[z][i].minute * 60 + round) / 60 ||
                          lt.offset != expect[z][i].offset || lt.weekday != expect[z][i].weekday;
            }
        }
    return NULL;
}

static void test_threads(void)
{
    use_system_tzdata();
    for (size_t z = 0; z < NZONES; z++) {
        ota_tz *tz = ota_tz_load(thread_zones[z], NULL);
        for (int i = 0; i < 64; i++)
            ota_tz_local(tz, at("2027-01-01T00:00:00Z") + (int64_t)i * 5 * 86400, &expect[z][i]);
        ota_tz_free(tz);
    }
    ota_tz_cache *c = ota_tz_cache_new();
    struct worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){c, 0};
        pthread_create(&th[i], NULL, worker_run, &w[i]);
    }
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        bad += w[i].bad;
    }
    is_int(bad, 0, "4 threads on one cache: every conversion right");
    ota_tz_cache_free(c);
}

/* ------------------------------------------------------ the picker's list */
static void test_names(void)
{
    use_system_tzdata();
    char **names = NULL;
    size_t n = 0;
    ota_err e = {0};
    ok_call(ota_tz_names(&names, &n, &e), &e, "tzdata.zi lists the zones");
    ok(n > 400, "hundreds of names (%zu)", n);
    int sorted = 1, has = 0, loads = 0;
    for (size_t i = 0; i < n; i++) {
        sorted &= i == 0 || strcmp(names[i - 1], names[i]) < 0;
        has += !strcmp(names[i], "Europe/Berlin") + !strcmp(names[i], "UTC") + !strcmp(names[i], "Asia/Shanghai") +
               !strcmp(names[i], "US/Eastern") + !strcmp(names[i], "America/New_York");
        loads += ota_tz_valid(names[i]);
    }
    ok(sorted, "sorted, no name twice");
    is_int(has, 5, "zones (Europe/Berlin, America/New_York, Asia/Shanghai) and links (UTC, US/Eastern) are there");
    is_int(loads, (long long)n, "every name listed loads");
    ota_tz_names_free(names, n);

    use_tmp_tzdata();
    write_text("tzdata.zi", "# version test\nR X 2000 o - Mar 1 0 1 D\nZ Zed/One 1 - ZZZ\n"
                            "L Zed/One Zed/Alias\nZ Abc/Two 0 - AAA\nL Zed/One Zed/Alias\nZ ../bad 0 - A\n");
    ok_call(ota_tz_names(&names, &n, &e), &e, "a tzdata.zi of our own");
    ok(n == 3 && !strcmp(names[0], "Abc/Two") && !strcmp(names[1], "Zed/Alias") && !strcmp(names[2], "Zed/One"),
       "its zones and links, sorted, once each, bad names left out (%zu)", n);
    ota_tz_names_free(names, n);
    char path[512];
    snprintf(path, sizeof path, "%s/tzdata.zi", tmp_tzdir);
    unlink(path);
    fails_with(ota_tz_names(&names, &n, &e), &e, OTA_E_IO, "no tzdata.zi: %s", e.message);
    ok(strstr(e.message, "tzdata") && names == NULL && n == 0, "the refusal names the file and package");
    use_system_tzdata();
}

int main(void)
{
    tz_fixture_init();
    test_refusals();
    test_cache();
    test_threads();
    test_names();
    return tap_done();
}
