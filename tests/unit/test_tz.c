/* Local time in a zone (core/tz.c) and maintenance windows (core/window.c),
 * all from fixed UTC instants: Berlin's and New York's 2027 DST nights from
 * the system's tzdata and again from footer-only files (the POSIX TZ rule
 * alone), Shanghai, UTC, windows either side of each boundary, the day and
 * HH:MM words, and agreement with glibc's localtime_r (TZ set here only, in
 * one thread) far into the past and the future. */
#include <time.h>
#include "tz_fixture.h"
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
    static const struct want berlin_far[] = {
        {"1850-07-01T12:00:00Z", MON, "14:00", 7200, true, "CEST"}, /* before the table: the rule */
        {"1850-01-01T12:00:00Z", TUE, "13:00", 3600, false, "CET"},
        {"2300-03-25T00:59:59Z", SUN, "01:59", 3600, false, "CET"}, /* after it */
        {"2300-03-25T01:00:00Z", SUN, "03:00", 7200, true, "CEST"},
    };
    if ((tz = load(c, "Slim/Berlin")))
        CHECK_ALL(tz, berlin_far, "footer CET-1CEST,M3.5.0,M10.5.0/3");
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

/* Instants every 3 days, 59 min, 59 s from `since` to 2400 (and each hour
 * of 2027 and 2100): the footer's table to 2200, its rule after.  glibc
 * applies a TZ string's rules from 1970 only. */
static void compare_with_glibc(const ota_tz *tz, const char *tzenv, const char *label, const char *since)
{
    setenv("TZ", tzenv, 1);
    tzset();
    long n = 0, bad = 0;
    char first[200] = "";
    int64_t lo = at(since), hi = at("2400-01-01T00:00:00Z");
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

int main(void)
{
    tz_fixture_init();
    ota_tz_cache *c = ota_tz_cache_new();
    ok(c != NULL, "a cache");
    test_system_zones(c);
    test_footer_rules(c);
    test_glibc_agreement(c);
    test_windows(c);
    ota_tz_cache_free(c);
    test_window_predicate();
    test_days_and_times();
    return tap_done();
}
