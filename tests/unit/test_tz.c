/* Time zones (core/tz.c) and maintenance windows (core/window.c), all from
 * fixed UTC instants: Berlin's and New York's 2027 DST nights from the
 * system's tzdata and again from footer-only files (the POSIX TZ rule
 * alone), Shanghai, UTC, windows either side of each boundary, refused
 * names and files, the cache, the picker's names, and agreement with
 * glibc's localtime_r (TZ set here only, in one thread) far into the past
 * and the future. */
#include <pthread.h>
#include <time.h>
#include "ota.h"
#include "../tap.h"

static char tmp_tzdir[256];

static int64_t at(const char *rfc3339)
{
    int64_t t = 0;
    if (ota_time_parse(rfc3339, &t) < 0) {
        printf("Bail out! bad instant %s\n", rfc3339);
        exit(1);
    }
    return t;
}

static void use_system_tzdata(void)
{
    unsetenv("TZDIR");
}

static void use_tmp_tzdata(void)
{
    setenv("TZDIR", tmp_tzdir, 1);
}

/* ------------------------------------------------- TZif files of our own */
static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
    fwrite(b, 1, 4, f);
}

static void put64(FILE *f, int64_t v)
{
    put32(f, (uint32_t)((uint64_t)v >> 32));
    put32(f, (uint32_t)v);
}

/* A TZif file: two types (0 = AAA +0, 1 = BBB +1 h DST), nt transitions
 * (64-bit data only), leap seconds if leaps, and footer.  version '\0'
 * writes a version 1 file. */
static void write_tzif(const char *name, char version, size_t nt, const int64_t *trans, const uint8_t *idx,
                       uint32_t leaps, const char *footer)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_tzdir, name);
    char *slash = strrchr(path, '/');
    *slash = 0;
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    if (!f) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
    for (int pass = 0; pass < (version ? 2 : 1); pass++) {
        bool v2 = pass == 1 || !version;
        size_t n = v2 ? nt : 0;
        fwrite("TZif", 1, 4, f);
        fputc(version, f);
        for (int i = 0; i < 15; i++)
            fputc(0, f);
        put32(f, 0), put32(f, 0), put32(f, v2 ? leaps : 0), put32(f, (uint32_t)n), put32(f, 2), put32(f, 8);
        for (size_t i = 0; i < n; i++)
            version ? put64(f, trans[i]) : put32(f, (uint32_t)trans[i]);
        for (size_t i = 0; i < n; i++)
            fputc(idx[i], f);
        put32(f, 0), fputc(0, f), fputc(0, f);
        put32(f, 3600), fputc(1, f), fputc(4, f);
        fwrite("AAA\0BBB\0", 1, 8, f);
        for (uint32_t i = 0; v2 && i < leaps; i++)
            version ? put64(f, 78796800 + i) : put32(f, 78796800 + i), put32(f, i + 1);
    }
    if (version && footer)
        fprintf(f, "\n%s\n", footer);
    fclose(f);
}

static void write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_tzdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* ------------------------------------------------------ local time checks */
struct want { const char *utc; int weekday; const char *hhmm; int offset; bool dst; const char *abbr; };

static void check_local(const ota_tz *tz, const struct want *w, const char *label)
{
    struct ota_local_time lt;
    int rc = ota_tz_local(tz, at(w->utc), &lt);
    char hm[8];
    bool good = rc == 0 && lt.weekday == w->weekday && !strcmp(ota_hhmm_format(lt.minute, hm, sizeof hm), w->hhmm) &&
                lt.offset == w->offset && lt.dst == w->dst && (!w->abbr || !strcmp(lt.abbr, w->abbr));
    if (!ok(good, "%s %s: %s %s, offset %+d%s", label, w->utc, ota_day_str(w->weekday), w->hhmm, w->offset,
            w->dst ? ", DST" : ""))
        printf("#   got rc %d: %s %s, offset %+d%s, %s\n", rc, ota_day_str(lt.weekday),
               ota_hhmm_format(lt.minute, hm, sizeof hm), lt.offset, lt.dst ? ", DST" : "", lt.abbr);
}

enum { MON, TUE, WED, THU, FRI, SAT, SUN };

static const struct want berlin_2027[] = {
    {"2027-03-28T00:59:59Z", SUN, "01:59", 3600, false, "CET"},  /* spring forward */
    {"2027-03-28T01:00:00Z", SUN, "03:00", 7200, true, "CEST"},
    {"2027-10-31T00:30:00Z", SUN, "02:30", 7200, true, "CEST"},  /* fall back: 02:30 twice */
    {"2027-10-31T00:59:59Z", SUN, "02:59", 7200, true, "CEST"},
    {"2027-10-31T01:00:00Z", SUN, "02:00", 3600, false, "CET"},
    {"2027-10-31T01:30:00Z", SUN, "02:30", 3600, false, "CET"},
    {"2027-01-03T23:30:00Z", MON, "00:30", 3600, false, "CET"},  /* Monday here, Sunday in UTC */
    {"2027-07-04T22:00:00Z", MON, "00:00", 7200, true, "CEST"},
    {"2027-07-04T21:59:59Z", SUN, "23:59", 7200, true, "CEST"},
};

static const struct want new_york_2027[] = {
    {"2027-03-14T06:59:59Z", SUN, "01:59", -18000, false, "EST"}, /* spring forward */
    {"2027-03-14T07:00:00Z", SUN, "03:00", -14400, true, "EDT"},
    {"2027-11-07T05:30:00Z", SUN, "01:30", -14400, true, "EDT"},  /* fall back: 01:30 twice */
    {"2027-11-07T05:59:59Z", SUN, "01:59", -14400, true, "EDT"},
    {"2027-11-07T06:00:00Z", SUN, "01:00", -18000, false, "EST"},
    {"2027-11-07T06:30:00Z", SUN, "01:30", -18000, false, "EST"},
    {"2027-03-13T03:00:00Z", FRI, "22:00", -18000, false, "EST"}, /* Friday here, Saturday in UTC */
};

static const struct want shanghai[] = {
    {"2027-03-27T15:59:59Z", SAT, "23:59", 28800, false, "CST"},
    {"2027-03-27T16:00:00Z", SUN, "00:00", 28800, false, "CST"},  /* Sunday here, Saturday in UTC */
    {"2027-07-01T04:00:00Z", THU, "12:00", 28800, false, "CST"},
    {"2027-10-31T01:00:00Z", SUN, "09:00", 28800, false, "CST"},
    {"2100-03-28T01:00:00Z", SUN, "09:00", 28800, false, "CST"},
};

static const struct want utc[] = {
    {"2027-03-28T01:00:00Z", SUN, "01:00", 0, false, "UTC"},
    {"2027-10-31T23:59:59Z", SUN, "23:59", 0, false, "UTC"},
    {"1969-12-31T23:59:59Z", WED, "23:59", 0, false, "UTC"},
    {"1970-01-01T00:00:00Z", THU, "00:00", 0, false, "UTC"},
};

/* After 2037 Debian's files have no transitions: the footer decides. */
static const struct want footer_years[] = {
    {"2100-03-28T00:59:59Z", SUN, "01:59", 3600, false, "CET"},
    {"2100-03-28T01:00:00Z", SUN, "03:00", 7200, true, "CEST"},
    {"2100-10-31T00:59:59Z", SUN, "02:59", 7200, true, "CEST"},
    {"2100-10-31T01:00:00Z", SUN, "02:00", 3600, false, "CET"},
};

#define CHECK_ALL(tz, table, label)                                  \
    for (size_t i_ = 0; i_ < sizeof table / sizeof *table; i_++)    \
        check_local(tz, &table[i_], label)

static const ota_tz *load(ota_tz_cache *c, const char *name)
{
    ota_err e = {0};
    const ota_tz *tz = ota_tz_cache_get(c, name, &e);
    if (!ok(tz != NULL, "%s loads", name))
        printf("#   %s: %s: %s\n", ota_code_str(e.code), e.field, e.message);
    return tz;
}

static void test_system_zones(ota_tz_cache *c)
{
    use_system_tzdata();
    const ota_tz *tz;
    if ((tz = load(c, "Europe/Berlin"))) {
        CHECK_ALL(tz, berlin_2027, "Europe/Berlin");
        CHECK_ALL(tz, footer_years, "Europe/Berlin (footer)");
        is_str(ota_tz_name(tz), "Europe/Berlin", "a zone knows its name");
    }
    if ((tz = load(c, "America/New_York")))
        CHECK_ALL(tz, new_york_2027, "America/New_York");
    if ((tz = load(c, "Asia/Shanghai")))
        CHECK_ALL(tz, shanghai, "Asia/Shanghai");
    if ((tz = load(c, "UTC")))
        CHECK_ALL(tz, utc, "UTC");
    struct ota_local_time lt;
    ok(tz && ota_tz_local(tz, OTA_TZ_RANGE + 1, &lt) < 0 && ota_tz_local(tz, -OTA_TZ_RANGE - 1, &lt) < 0,
       "instants beyond OTA_TZ_RANGE are refused");
    ok(ota_tz_local(NULL, 0, &lt) < 0, "no zone: refused");
    ok(tz && ota_tz_local(tz, OTA_TZ_RANGE, &lt) == 0 && ota_tz_local(tz, -OTA_TZ_RANGE, &lt) == 0,
       "the ends of the range convert");
    is_int(ota_tz_local(tz, at("2027-03-28T01:02:03Z"), &lt), 0, "the calendar date of an instant");
    ok(lt.year == 2027 && lt.month == 3 && lt.day == 28 && lt.second == 3, "2027-03-28, second 3 (got %d-%d-%d, %d)",
       lt.year, lt.month, lt.day, lt.second);
}

/* The same nights from the POSIX TZ rule alone: files with no transitions. */
static void test_footer_rules(ota_tz_cache *c)
{
    use_tmp_tzdata();
    write_tzif("Slim/Berlin", '2', 0, NULL, NULL, 0, "CET-1CEST,M3.5.0,M10.5.0/3");
    write_tzif("Slim/New_York", '3', 0, NULL, NULL, 0, "EST5EDT,M3.2.0,M11.1.0");
    write_tzif("Slim/Shanghai", '2', 0, NULL, NULL, 0, "CST-8");
    const ota_tz *tz;
    if ((tz = load(c, "Slim/Berlin"))) {
        CHECK_ALL(tz, berlin_2027, "footer CET-1CEST,M3.5.0,M10.5.0/3");
        CHECK_ALL(tz, footer_years, "footer CET-1CEST,M3.5.0,M10.5.0/3");
    }
    if ((tz = load(c, "Slim/New_York")))
        CHECK_ALL(tz, new_york_2027, "footer EST5EDT,M3.2.0,M11.1.0");
    if ((tz = load(c, "Slim/Shanghai")))
        CHECK_ALL(tz, shanghai, "footer CST-8");

    /* Transitions first, then the footer; type 0 before the first. */
    int64_t trans[] = {1000, 2000};
    uint8_t idx[] = {1, 0};
    write_tzif("Slim/Both", '2', 2, trans, idx, 0, "<+0130>-1:30");
    write_tzif("Slim/NoFooter", '2', 2, (int64_t[]){1000, 2000}, (uint8_t[]){0, 1}, 0, "");
    struct ota_local_time lt;
    if ((tz = load(c, "Slim/Both"))) {
        ota_tz_local(tz, 999, &lt);
        ok(lt.offset == 0 && !lt.dst && !strcmp(lt.abbr, "AAA"), "before the first transition: type 0");
        ota_tz_local(tz, 1000, &lt);
        ok(lt.offset == 3600 && lt.dst && !strcmp(lt.abbr, "BBB"), "at a transition: its type");
        ota_tz_local(tz, 1999, &lt);
        ok(lt.offset == 3600, "until the next transition");
        ota_tz_local(tz, 2000, &lt);
        ok(lt.offset == 5400 && !strcmp(lt.abbr, "+0130"), "from the last transition: the footer (<+0130>-1:30)");
    }
    if ((tz = load(c, "Slim/NoFooter"))) {
        ota_tz_local(tz, at("2100-01-01T00:00:00Z"), &lt);
        ok(lt.offset == 3600 && lt.dst, "an empty footer: the last transition's type lasts");
    }
}

/* ------------------------------------------------ agreement with glibc */
static bool glibc_local(int64_t t, struct ota_local_time *out)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return false;
    out->weekday = (tm.tm_wday + 6) % 7;
    out->minute = tm.tm_hour * 60 + tm.tm_min;
    out->offset = (int)tm.tm_gmtoff;
    out->dst = tm.tm_isdst > 0;
    return true;
}

/* Instants every 3 days, 59 min, 59 s from `since` to 2200 (and each hour
 * of 2027 and 2100).  glibc applies a TZ string's rules from 1970 only. */
static void compare_with_glibc(const ota_tz *tz, const char *tzenv, const char *label, const char *since)
{
    setenv("TZ", tzenv, 1);
    tzset();
    long n = 0, bad = 0;
    char first[200] = "";
    int64_t lo = at(since), hi = at("2200-01-01T00:00:00Z");
    for (int pass = 0; pass < 3; pass++) {
        int64_t from = pass == 0 ? lo : at(pass == 1 ? "2027-01-01T00:00:30Z" : "2100-01-01T00:00:30Z");
        int64_t to = pass == 0 ? hi : from + 366 * 86400, step = pass == 0 ? 3 * 86400 + 3599 : 3600;
        for (int64_t t = from; t < to; t += step, n++) {
            struct ota_local_time a = {0}, b = {0};
            if (ota_tz_local(tz, t, &a) < 0 || !glibc_local(t, &b) || a.weekday != b.weekday ||
                a.minute != b.minute || a.offset != b.offset || a.dst != b.dst) {
                if (!bad++)
                    snprintf(first, sizeof first, "at %" PRId64 ": ours %d %d %+d %d, glibc %d %d %+d %d", t,
                             a.weekday, a.minute, a.offset, a.dst, b.weekday, b.minute, b.offset, b.dst);
            }
        }
    }
    if (!ok(bad == 0, "%s agrees with glibc's localtime_r at %ld instants", label, n))
        printf("#   %ld differ, first %s\n", bad, first);
    unsetenv("TZ");
    tzset();
}

static void test_glibc_agreement(ota_tz_cache *c)
{
    static const char *const zones[] = {
        "Europe/Berlin", "America/New_York", "Asia/Shanghai", "UTC", "Australia/Sydney",
        "Australia/Lord_Howe", "America/Nuuk", "Europe/Dublin", "Pacific/Chatham", "America/Santiago",
        "Asia/Kolkata", "Africa/Casablanca", "Antarctica/Troll", "America/St_Johns", "Pacific/Kiritimati",
    };
    use_system_tzdata();
    for (size_t i = 0; i < sizeof zones / sizeof *zones; i++) {
        const ota_tz *tz = ota_tz_cache_get(c, zones[i], NULL);
        char env[80];
        snprintf(env, sizeof env, ":%s", zones[i]);
        if (ok(tz != NULL, "%s loads", zones[i]))
            compare_with_glibc(tz, env, zones[i], "1900-01-01T00:00:00Z");
    }
    /* Footer-only files against glibc reading the same POSIX TZ string:
     * every rule form (Jn, n, Mm.w.d), times past 24 h and below 0, the
     * southern hemisphere, negative DST, fractional offsets. */
    static const char *const rules[] = {
        "XXX-2YYY,J60/2,J300/2",        "XXX-2YYY,59/2,299/2",
        "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "AEST-10AEDT,M10.1.0,M4.1.0/3", "IST-1GMT0,M10.5.0,M3.5.0/1",
        "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "XXX-2YYY-3:30,M1.1.1/167,M12.5.6/-167",
        "<-03>3<-02>,M3.2.0/-2,M11.1.0/-1", "EST5EDT", "NZST-12NZDT,M9.5.0,M4.1.0/3",
        "XXX+5:30:15YYY+4,M3.2.0/0:30:30,M11.1.0/1:00:01",
    };
    use_tmp_tzdata();
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        char name[32];
        snprintf(name, sizeof name, "Rule/R%zu", i);
        write_tzif(name, '2', 0, NULL, NULL, 0, rules[i]);
        ota_err e = {0};
        const ota_tz *tz = ota_tz_cache_get(c, name, &e);
        if (ok(tz != NULL, "footer %s loads", rules[i]))
            compare_with_glibc(tz, rules[i], rules[i], "1970-01-01T00:00:00Z");
        else
            printf("#   %s\n", e.message);
    }
    /* Permanent DST (RFC 8536 §3.3.1): each year's end is the next one's
     * start, so it is daylight time at every hour, New Year's too (glibc,
     * judging by the UTC year, has three standard hours each New Year). */
    write_tzif("Rule/Permanent", '2', 0, NULL, NULL, 0, "EST5EDT,0/0,J365/25");
    const ota_tz *tz = ota_tz_cache_get(c, "Rule/Permanent", NULL);
    int hours = 0, daylight = 0;
    for (int64_t t = at("2026-12-25T00:00:00Z"); tz && t < at("2029-01-05T00:00:00Z"); t += 3600, hours++) {
        struct ota_local_time lt;
        daylight += ota_tz_local(tz, t, &lt) == 0 && lt.dst && lt.offset == -14400;
    }
    ok(tz && hours > 0 && daylight == hours, "EST5EDT,0/0,J365/25 is EDT at each of %d hours over two New Years",
       hours);
    use_system_tzdata();
}

/* --------------------------------------------------------------- windows */
static bool open_at(const ota_tz *tz, const char *utc_s, unsigned days, const char *start, const char *end)
{
    struct ota_local_time lt;
    int s = -1, en = -1;
    if (ota_tz_local(tz, at(utc_s), &lt) < 0 || ota_hhmm_parse(start, &s) < 0 || ota_hhmm_parse(end, &en) < 0)
        return false;
    return ota_window_open(&lt, days, s, en);
}

struct wcase { const char *utc; bool open; const char *why; };

static void check_window(const ota_tz *tz, unsigned days, const char *start, const char *end,
                         const struct wcase *cs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        is_int(open_at(tz, cs[i].utc, days, start, end), cs[i].open, "%s %s-%s (days %#x) at %s: %s (%s)",
               ota_tz_name(tz), start, end, days, cs[i].utc, cs[i].open ? "open" : "closed", cs[i].why);
}

/* Minutes of the 24 UTC hours from `from` in which the window is open. */
static int open_minutes(const ota_tz *tz, const char *from, unsigned days, const char *start, const char *end)
{
    int s, en, count = 0;
    ota_hhmm_parse(start, &s), ota_hhmm_parse(end, &en);
    for (int64_t t = at(from), stop = t + 86400; t < stop; t += 60) {
        struct ota_local_time lt;
        ota_tz_local(tz, t, &lt);
        count += ota_window_open(&lt, days, s, en);
    }
    return count;
}

#define WEEKDAYS 0x1fu

static void test_windows(ota_tz_cache *c)
{
    use_system_tzdata();
    const ota_tz *be = ota_tz_cache_get(c, "Europe/Berlin", NULL), *ny = ota_tz_cache_get(c, "America/New_York", NULL),
                 *sh = ota_tz_cache_get(c, "Asia/Shanghai", NULL);
    if (!ok(be && ny && sh, "Berlin, New York and Shanghai load"))
        return;
    static const struct wcase be_weekdays[] = {
        {"2027-03-23T23:59:59Z", false, "Wed 00:59:59 CET"}, {"2027-03-24T00:00:00Z", true, "Wed 01:00 CET"},
        {"2027-03-24T03:59:59Z", true, "Wed 04:59:59 CET"}, {"2027-03-24T04:00:00Z", false, "Wed 05:00 CET"},
        {"2027-03-27T00:30:00Z", false, "Sat 01:30: not a weekday"},
        {"2027-03-28T23:00:00Z", true, "Mon 01:00 CEST, the day after spring forward"},
        {"2027-03-28T22:59:59Z", false, "Mon 00:59:59 CEST"},
        {"2027-03-29T02:59:59Z", true, "Mon 04:59:59 CEST"}, {"2027-03-29T03:00:00Z", false, "Mon 05:00 CEST"},
        {"2027-10-31T23:59:59Z", false, "Mon 00:59:59 CET, the day after fall back"},
        {"2027-11-01T00:00:00Z", true, "Mon 01:00 CET"}, {"2027-11-01T04:00:00Z", false, "Mon 05:00 CET"},
    };
    check_window(be, WEEKDAYS, "01:00", "05:00", be_weekdays, sizeof be_weekdays / sizeof *be_weekdays);
    static const struct wcase ny_weekdays[] = {
        {"2027-03-15T04:59:59Z", false, "Mon 00:59:59 EDT"}, {"2027-03-15T05:00:00Z", true, "Mon 01:00 EDT"},
        {"2027-03-15T08:59:59Z", true, "Mon 04:59:59 EDT"}, {"2027-03-15T09:00:00Z", false, "Mon 05:00 EDT"},
        {"2027-11-08T05:59:59Z", false, "Mon 00:59:59 EST"}, {"2027-11-08T06:00:00Z", true, "Mon 01:00 EST"},
        {"2027-11-08T10:00:00Z", false, "Mon 05:00 EST"},
    };
    check_window(ny, WEEKDAYS, "01:00", "05:00", ny_weekdays, sizeof ny_weekdays / sizeof *ny_weekdays);
    static const struct wcase sh_weekdays[] = {
        {"2027-03-28T16:59:59Z", false, "Mon 00:59:59 CST"}, {"2027-03-28T17:00:00Z", true, "Mon 01:00 CST (Sun in UTC)"},
        {"2027-03-28T20:59:59Z", true, "Mon 04:59:59"}, {"2027-03-28T21:00:00Z", false, "Mon 05:00"},
        {"2027-03-26T17:00:00Z", false, "Sat 01:00 CST (Fri in UTC)"},
    };
    check_window(sh, WEEKDAYS, "01:00", "05:00", sh_weekdays, sizeof sh_weekdays / sizeof *sh_weekdays);

    /* Past midnight: Friday 22:00 to Saturday 02:00. */
    static const struct wcase be_friday_night[] = {
        {"2027-03-26T20:59:59Z", false, "Fri 21:59:59"}, {"2027-03-26T21:00:00Z", true, "Fri 22:00"},
        {"2027-03-26T22:59:59Z", true, "Fri 23:59:59"}, {"2027-03-26T23:00:00Z", true, "Sat 00:00"},
        {"2027-03-27T00:30:00Z", true, "Sat 01:30"}, {"2027-03-27T00:59:59Z", true, "Sat 01:59:59"},
        {"2027-03-27T01:00:00Z", false, "Sat 02:00"}, {"2027-03-27T21:00:00Z", false, "Sat 22:00"},
        {"2027-03-28T00:30:00Z", false, "Sun 01:30: Saturday is not a day of it"},
        {"2027-03-26T00:30:00Z", false, "Fri 01:30: Thursday is not a day of it"},
    };
    check_window(be, 1u << FRI, "22:00", "02:00", be_friday_night, sizeof be_friday_night / sizeof *be_friday_night);
    /* Friday 22:00 local in New York is Saturday 03:00 UTC. */
    static const struct wcase ny_friday_night[] = {
        {"2027-03-13T02:59:59Z", false, "Fri 21:59:59 EST"}, {"2027-03-13T03:00:00Z", true, "Fri 22:00 EST"},
        {"2027-03-13T06:30:00Z", true, "Sat 01:30 EST"}, {"2027-03-13T07:00:00Z", false, "Sat 02:00 EST"},
    };
    check_window(ny, 1u << FRI, "22:00", "02:00", ny_friday_night, sizeof ny_friday_night / sizeof *ny_friday_night);
    /* Local midnight is not UTC's: Monday 00:00-01:00 in Berlin is Sunday 23:00 UTC. */
    static const struct wcase be_monday[] = {
        {"2027-01-03T23:30:00Z", true, "Mon 00:30 CET, still Sunday in UTC"},
        {"2027-01-04T00:30:00Z", false, "Mon 01:30 CET"},
        {"2027-01-03T22:59:59Z", false, "Sun 23:59:59 CET"},
    };
    check_window(be, 1u << MON, "00:00", "01:00", be_monday, sizeof be_monday / sizeof *be_monday);

    /* Spring forward in Berlin: 02:00-03:00 does not exist on 2027-03-28. */
    static const struct wcase be_spring[] = {
        {"2027-03-28T00:59:59Z", false, "Sun 01:59:59 CET"},
        {"2027-03-28T01:00:00Z", true, "Sun 03:00 CEST: 02:30 never came, the window is open from 03:00"},
        {"2027-03-28T02:59:59Z", true, "Sun 04:59:59 CEST"}, {"2027-03-28T03:00:00Z", false, "Sun 05:00 CEST"},
    };
    check_window(be, 1u << SUN, "02:30", "05:00", be_spring, sizeof be_spring / sizeof *be_spring);
    is_int(open_minutes(be, "2027-03-27T23:00:00Z", 1u << SUN, "02:30", "05:00"), 120,
           "02:30-05:00 on the spring-forward Sunday is open 2 hours (03:00-05:00 CEST)");
    is_int(open_minutes(be, "2027-03-27T23:00:00Z", 1u << SUN, "02:30", "02:45"), 0,
           "02:30-02:45 on the spring-forward Sunday never opens");
    is_int(open_minutes(be, "2027-03-20T23:00:00Z", 1u << SUN, "02:30", "02:45"), 15,
           "02:30-02:45 a week before opens 15 minutes");
    /* Fall back in Berlin: 02:00-03:00 happens twice on 2027-10-31. */
    static const struct wcase be_fall[] = {
        {"2027-10-30T23:59:59Z", false, "Sun 01:59:59 CEST"}, {"2027-10-31T00:00:00Z", true, "Sun 02:00 CEST"},
        {"2027-10-31T00:29:59Z", true, "Sun 02:29:59 CEST"}, {"2027-10-31T00:30:00Z", false, "Sun 02:30 CEST"},
        {"2027-10-31T00:59:59Z", false, "Sun 02:59:59 CEST"}, {"2027-10-31T01:00:00Z", true, "Sun 02:00 CET, again"},
        {"2027-10-31T01:29:59Z", true, "Sun 02:29:59 CET"}, {"2027-10-31T01:30:00Z", false, "Sun 02:30 CET"},
    };
    check_window(be, 1u << SUN, "02:00", "02:30", be_fall, sizeof be_fall / sizeof *be_fall);
    is_int(open_minutes(be, "2027-10-30T22:00:00Z", 1u << SUN, "02:00", "02:30"), 60,
           "02:00-02:30 on the fall-back Sunday is open twice, 60 minutes in all");
    is_int(open_minutes(ny, "2027-11-07T04:00:00Z", 1u << SUN, "01:00", "01:30"), 60,
           "New York's 01:00-01:30 on 2027-11-07 is open twice, 60 minutes in all");
    is_int(open_minutes(ny, "2027-03-14T05:00:00Z", 1u << SUN, "02:00", "03:00"), 0,
           "New York's 02:00-03:00 on 2027-03-14 never opens");
}

/* The predicate alone, on local times made by hand. */
static void test_window_predicate(void)
{
    struct ota_local_time lt = {0};
    lt.weekday = SUN, lt.minute = 23 * 60;
    ok(ota_window_open(&lt, 1u << SUN, 22 * 60, 2 * 60), "sun 22:00-02:00 open Sunday 23:00");
    lt.weekday = MON, lt.minute = 60;
    ok(ota_window_open(&lt, 1u << SUN, 22 * 60, 2 * 60), "sun 22:00-02:00 open Monday 01:00 (the week wraps)");
    lt.minute = 120;
    ok(!ota_window_open(&lt, 1u << SUN, 22 * 60, 2 * 60), "... closed Monday 02:00");
    lt.weekday = TUE, lt.minute = 599;
    ok(!ota_window_open(&lt, 1u << TUE, 600, 600), "end == start on tue: closed Tuesday 09:59 (Monday is not a day of it)");
    lt.weekday = TUE, lt.minute = 600;
    ok(ota_window_open(&lt, 1u << TUE, 600, 600), "end == start on tue: open Tuesday 10:00");
    lt.weekday = WED, lt.minute = 599;
    ok(ota_window_open(&lt, 1u << TUE, 600, 600), "... and Wednesday 09:59");
    lt.minute = 600;
    ok(!ota_window_open(&lt, 1u << TUE, 600, 600), "... closed Wednesday 10:00");
    lt.weekday = THU, lt.minute = 0;
    ok(ota_window_open(&lt, OTA_DAYS_ALL, 0, 0), "every day 00:00-00:00: always open");
    ok(!ota_window_open(&lt, 0, 0, 1440), "no days: never open");
    ok(ota_window_open(&lt, 1u << THU, 0, 1440), "00:00 to 24:00 as minutes: the whole day");
    lt.minute = 1439;
    ok(ota_window_open(&lt, 1u << THU, 0, 1440), "... its last minute too");
    lt.weekday = 7;
    ok(!ota_window_open(&lt, OTA_DAYS_ALL, 0, 0), "a weekday out of range: closed");
    ok(!ota_window_open(NULL, OTA_DAYS_ALL, 0, 0), "no local time: closed");
}

/* ------------------------------------------------------ days and HH:MM */
static void test_days_and_times(void)
{
    static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int i = 0; i < 7; i++) {
        int bit = -1;
        ok(ota_day_parse(names[i], &bit) == 0 && bit == i, "%s is bit %d", names[i], i);
        is_str(ota_day_str(i), names[i], "bit %d is %s", i, names[i]);
    }
    static const char *const bad_days[] = {"Mon", "MON", "monday", "mo", "", " mon", "mon ", "sun\n"};
    static const char *const shown[] = {"Mon", "MON", "monday", "mo", "", " mon", "mon ", "sun\\n"};
    for (size_t i = 0; i < sizeof bad_days / sizeof *bad_days; i++) {
        int bit = 42;
        ok(ota_day_parse(bad_days[i], &bit) < 0 && bit == 42, "day \"%s\" refused", shown[i]);
    }
    ok(ota_day_parse(NULL, &(int){0}) < 0, "no day refused");
    ok(!ota_day_str(-1) && !ota_day_str(7), "bits outside 0..6 have no name");

    static const struct { const char *s; int min; } good[] = {
        {"00:00", 0}, {"23:59", 1439}, {"01:00", 60}, {"05:00", 300}, {"12:34", 754}, {"09:09", 549},
    };
    char buf[8];
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        int m = -1;
        ok(ota_hhmm_parse(good[i].s, &m) == 0 && m == good[i].min, "\"%s\" is minute %d", good[i].s, good[i].min);
        is_str(ota_hhmm_format(good[i].min, buf, sizeof buf), good[i].s, "minute %d formats as %s", good[i].min,
               good[i].s);
    }
    static const char *const bad[] = {"24:00", "7:00", "07:60", "07:0", "0700", "07-00", "07:00 ", " 07:00",
                                      "07:00:00", "-1:00", "+7:00", "ab:cd", "", "99:99", "07:5x", "24:01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int m = 42;
        ok(ota_hhmm_parse(bad[i], &m) < 0 && m == 42, "\"%s\" refused", bad[i]);
    }
    ok(ota_hhmm_parse(NULL, &(int){0}) < 0, "no time refused");
    ok(!ota_hhmm_format(-1, buf, sizeof buf) && !ota_hhmm_format(1440, buf, sizeof buf), "minutes outside 0..1439 do not format");
    ok(!ota_hhmm_format(60, buf, 5), "a buffer under 6 bytes is refused");
    /* Every minute of the day goes there and back. */
    int bad_rt = 0;
    for (int m = 0; m < OTA_MINUTES_PER_DAY; m++) {
        int back = -1;
        bad_rt += ota_hhmm_parse(ota_hhmm_format(m, buf, sizeof buf), &back) < 0 || back != m;
    }
    is_int(bad_rt, 0, "every minute 00:00..23:59 formats and parses back");
}

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
    if (geteuid() != 0) {
        snprintf(path, sizeof path, "%s/Good", tmp_tzdir);
        chmod(path, 0);
        refused("Good", OTA_E_IO, "Permission denied", "unreadable (mode 000)");
        chmod(path, 0644);
    } else
        ok(1, "# SKIP mode 000 is readable for root");
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
    snprintf(tmp_tzdir, sizeof tmp_tzdir, "%s", tap_tmpdir());
    ota_tz_cache *c = ota_tz_cache_new();
    ok(c != NULL, "a cache");
    test_system_zones(c);
    test_footer_rules(c);
    test_glibc_agreement(c);
    test_windows(c);
    ota_tz_cache_free(c);
    test_window_predicate();
    test_days_and_times();
    test_refusals();
    test_cache();
    test_threads();
    test_names();
    return tap_done();
}
