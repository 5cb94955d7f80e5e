/* Time zones and maintenance windows (core/tz.c, core/tz_cache.c,
 * core/window.c): IANA zones from tzdata, the window rule, day and HH:MM words.
 * Part of the public face: included by ota.h (include ota.h, not this). */
#ifndef OTA_TIME_H
#define OTA_TIME_H

/* ------------------------------------------------------------ time zones */
/* IANA time zones read straight from the system's tzdata (TZif files under
 * $TZDIR, default /usr/share/zoneinfo; core/tz.c), converted per zone with no
 * process-wide state: thread-safe, no setenv("TZ"), no localtime().  Errors
 * name the field "maintenance.timezone" (callers judging a device's own zone
 * may rename it). */
#define OTA_TZ_NAME_MAX 64                   /* bytes */
#define OTA_TZ_RANGE    (INT64_C(1) << 40)   /* |utc| ota_tz_local accepts (~34,800 years) */
typedef struct ota_tz ota_tz;
struct ota_local_time {
    int year, month, day;    /* local calendar date (month 1..12) */
    int weekday;             /* 0 = Monday .. 6 = Sunday */
    int minute;              /* of the local day, 0..1439 */
    int second;              /* of that minute */
    int offset;              /* seconds east of UTC in effect (CEST: 7200) */
    bool dst;                /* daylight saving time in effect */
    const char *abbr;        /* "CEST", "EST", "+08": valid while the zone is */
};
/* Syntax only, no I/O: 1..64 bytes of letters, digits, '/', '_', '-', '+';
 * no leading '/', no "..", no empty part; not "localtime"/"posixrules". */
int ota_tz_name_check(const char *name, ota_err *e);
/* Reads the zone's TZif (v2+) file.  Unknown zone or bad name: validation
 * failed; an unreadable or corrupt tzdata file: io_error.  NULL on failure. */
ota_tz *ota_tz_load(const char *name, ota_err *e);
void ota_tz_free(ota_tz *tz);
const char *ota_tz_name(const ota_tz *tz);
/* The zone exists and loads. */
bool ota_tz_valid(const char *name);
/* Local time at a UTC instant: binary search over the 64-bit transitions
 * and, after the last one, over the footer's POSIX TZ rule worked out at
 * load up to 2200 (the rule itself beyond); no allocation, no lock.
 * -1 when tz or out is NULL or |utc| > OTA_TZ_RANGE. */
int ota_tz_local(const ota_tz *tz, int64_t utc, struct ota_local_time *out);
/* A cache of loaded zones that its owner keeps (core/tz_cache.c; e.g. one per engine),
 * guarded by its own mutex: the first get of a name reads the file, later
 * ones are a hash lookup.  Unknown names are remembered too (up to 256), so
 * a device repeating one costs no file open.  A zone handed out stays valid
 * until the cache is freed (entries are never evicted; a tzdata upgrade is
 * seen by a new cache).  NULL and *e filled when the zone does not load. */
typedef struct ota_tz_cache ota_tz_cache;
ota_tz_cache *ota_tz_cache_new(void);          /* NULL when out of memory */
void ota_tz_cache_free(ota_tz_cache *c);
const ota_tz *ota_tz_cache_get(ota_tz_cache *c, const char *name, ota_err *e);
/* Every zone and link name of tzdata.zi (the Z and L lines Debian's tzdata
 * ships), sorted and unique, for the console's picker. */
int ota_tz_names(char ***names, size_t *n, ota_err *e);
void ota_tz_names_free(char **names, size_t n);

/* Maintenance windows (core/window.c).  Days are bits, bit 0 = Monday
 * ("mon") .. bit 6 = Sunday ("sun"); times minutes of the local day. */
#define OTA_DAYS_ALL        0x7fu
#define OTA_MINUTES_PER_DAY 1440
int ota_day_parse(const char *s, int *bit);       /* "mon".."sun" -> 0..6; -1 otherwise */
const char *ota_day_str(int bit);                 /* 0..6 -> "mon".."sun"; NULL otherwise */
/* Exactly "HH:MM", 00:00..23:59 (two digits each) -> minutes; -1 otherwise. */
int ota_hhmm_parse(const char *s, int *minutes);
/* "HH:MM" into buf (>= 6 bytes); NULL when minutes is not 0..1439. */
const char *ota_hhmm_format(int minutes, char *buf, size_t len);
/* Open at lt: lt's weekday is in day_mask and start <= minute < end.  A
 * window with end <= start runs past midnight: from start to 24:00 on its
 * days and from 00:00 to end on the day after each of them (end == start:
 * 24 hours from start). */
bool ota_window_open(const struct ota_local_time *lt, unsigned day_mask, int start_min, int end_min);

#endif
