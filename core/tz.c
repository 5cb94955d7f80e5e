/* Time zones read straight from the system's tzdata: TZif files (RFC 8536)
 * and the POSIX TZ rules of their footers, converted per zone with no
 * process-wide state (no setenv("TZ"), no localtime). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_FIELD "maintenance.timezone"
#define TZ_FILE_MAX (1 << 20)       /* the largest tzdata file is a few kB */
#define TZ_OFFSET_MAX (26 * 3600)   /* RFC 8536: offsets within -25:59:59..+25:59:59 */
#define TZ_RULE_TIME_MAX (167 * 3600) /* RFC 8536 §3.3.1: rule times within ±167 h */
#define TZ_ABBR_MAX 16

struct tz_type {
    int32_t utoff;       /* seconds east of UTC */
    bool dst;
    uint8_t abbr;        /* index into abbrs */
};

/* A POSIX TZ rule date with its local time of day: Jn (1..365, February 29
 * never counted), n (0..365, counted) or Mm.w.d (day d, Sunday = 0, of week w
 * of month m; week 5 is the last). */
struct tz_rule {
    char kind;           /* 'J', 'N' or 'M' */
    int n, m, w, d;
    int32_t time;        /* seconds after local midnight; may be < 0 or > 24 h */
};

/* The footer: the rule for every time after the last transition. */
struct tz_footer {
    bool present, has_dst;
    int32_t std_off, dst_off; /* seconds east of UTC */
    struct tz_rule start, end;
    char std_abbr[TZ_ABBR_MAX], dst_abbr[TZ_ABBR_MAX];
};

struct ota_tz {
    char name[OTA_TZ_NAME_MAX + 1];
    size_t ntrans, ntypes, nabbrs;
    int64_t *trans;          /* strictly ascending UTC instants */
    uint8_t *idx;            /* the type in effect from each transition */
    struct tz_type *types;
    char *abbrs;             /* NUL-terminated designations */
    struct tz_footer footer;
    /* The footer's transitions worked out at load, from foot[0] (the last
     * transition, or 1900 with none) to foot_until (2200): the hot path
     * searches them like the file's; the rule itself runs only outside. */
    int64_t *foot;           /* ascending; foot_dst[i] holds from foot[i] */
    bool *foot_dst;
    size_t nfoot;
    int64_t foot_until;
};

#define TZ_FOOT_FROM  INT64_C(-2208988800) /* 1900-01-01T00:00:00Z */
#define TZ_FOOT_UNTIL INT64_C(7258118400)  /* 2200-01-01T00:00:00Z */
#define TZ_FOOT_LAST_YEAR 2200

/* ------------------------------------------------------------- calendar */
static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), and back. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floordiv(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floordiv(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* The day (since the epoch) a rule names in year y. */
static int64_t rule_day(const struct tz_rule *r, int64_t y)
{
    int64_t jan1 = days_from_civil(y, 1, 1);
    if (r->kind == 'J')
        return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
    if (r->kind == 'N')
        return jan1 + r->n;
    int64_t first = days_from_civil(y, r->m, 1);
    int wd1 = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday (4, Sunday = 0) */
    int day = 1 + (r->d - wd1 + 7) % 7 + (r->w - 1) * 7;
    while (day > month_days(y, r->m))
        day -= 7;
    return first + day - 1;
}

/* ------------------------------------------------------- footer (POSIX TZ) */
static int parse_abbr(const char **pp, char *out)
{
    const char *p = *pp;
    size_t n = 0;
    if (*p == '<') {
        for (p++; *p && *p != '>'; p++) {
            bool okc = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                       *p == '+' || *p == '-';
            if (!okc || n + 1 >= TZ_ABBR_MAX)
                return -1;
            out[n++] = *p;
        }
        if (*p != '>')
            return -1;
        p++;
    } else {
        for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
            if (n + 1 >= TZ_ABBR_MAX)
                return -1;
            out[n++] = *p;
        }
    }
    if (n < 3)
        return -1;
    out[n] = 0;
    *pp = p;
    return 0;
}

/* [+-]hh[:mm[:ss]] with hh <= max_h, into seconds (the sign as written). */
static int parse_hms(const char **pp, int max_h, int32_t *out)
{
    const char *p = *pp;
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    long part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*p != ':')
                break;
            p++;
        }
        if (*p < '0' || *p > '9')
            return -1;
        long v = 0;
        int digits = 0;
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            v = v * 10 + (*p - '0');
            if (v > 999)
                return -1;
        }
        if (i > 0 && (digits != 2 || v > 59))
            return -1;
        part[i] = v;
    }
    if (part[0] > max_h)
        return -1;
    *out = (int32_t)(sign * (part[0] * 3600 + part[1] * 60 + part[2]));
    *pp = p;
    return 0;
}

static long parse_num(const char **pp, long min, long max)
{
    const char *p = *pp;
    if (*p < '0' || *p > '9')
        return -1;
    long v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > max)
            return -1;
    }
    *pp = p;
    return v < min ? -1 : v;
}

static int parse_rule(const char **pp, struct tz_rule *r)
{
    const char *p = *pp;
    memset(r, 0, sizeof *r);
    long v;
    if (*p == 'J') {
        p++;
        if ((v = parse_num(&p, 1, 365)) < 0)
            return -1;
        r->kind = 'J', r->n = (int)v;
    } else if (*p == 'M') {
        p++;
        long m = parse_num(&p, 1, 12);
        if (m < 0 || *p++ != '.')
            return -1;
        long w = parse_num(&p, 1, 5);
        if (w < 0 || *p++ != '.')
            return -1;
        long d = parse_num(&p, 0, 6);
        if (d < 0)
            return -1;
        r->kind = 'M', r->m = (int)m, r->w = (int)w, r->d = (int)d;
    } else {
        if ((v = parse_num(&p, 0, 365)) < 0)
            return -1;
        r->kind = 'N', r->n = (int)v;
    }
    r->time = 7200; /* POSIX: 02:00:00 when not given */
    if (*p == '/') {
        p++;
        if (parse_hms(&p, TZ_RULE_TIME_MAX / 3600, &r->time) < 0)
            return -1;
    }
    *pp = p;
    return 0;
}

/* std offset [dst [offset] [,start[/time],end[/time]]]; POSIX offsets count
 * west of UTC, ours east. */
static int parse_footer(const char *s, struct tz_footer *f)
{
    memset(f, 0, sizeof *f);
    const char *p = s;
    int32_t off;
    if (parse_abbr(&p, f->std_abbr) < 0 || parse_hms(&p, 24, &off) < 0)
        return -1;
    f->std_off = -off;
    f->present = true;
    if (!*p)
        return 0;
    if (parse_abbr(&p, f->dst_abbr) < 0)
        return -1;
    f->has_dst = true;
    f->dst_off = f->std_off + 3600;
    if (*p && *p != ',') {
        if (parse_hms(&p, 24, &off) < 0)
            return -1;
        f->dst_off = -off;
    }
    if (!*p) {
        /* No rule: the US rule, as the reference implementation does. */
        f->start = (struct tz_rule){'M', 0, 3, 2, 0, 7200};
        f->end = (struct tz_rule){'M', 0, 11, 1, 0, 7200};
        return 0;
    }
    if (*p++ != ',' || parse_rule(&p, &f->start) < 0 || *p++ != ',' || parse_rule(&p, &f->end) < 0)
        return -1;
    return *p ? -1 : 0;
}

/* The start is given in local standard time, the end in daylight time. */
static int64_t rule_utc(const struct tz_rule *r, int64_t y, int32_t off_before)
{
    return rule_day(r, y) * 86400 + r->time - off_before;
}

/* The state after the latest rule transition at or before t, among those of
 * the years around t's: right also when a rule's time moves a transition
 * across New Year (RFC 8536's permanent DST "EST5EDT,0/0,J365/25" ends one
 * year at the instant the next one starts: the start wins). */
static void footer_local(const struct tz_footer *f, int64_t t, int32_t *off, bool *dst, const char **abbr)
{
    *off = f->std_off, *dst = false, *abbr = f->std_abbr;
    if (!f->has_dst)
        return;
    int64_t y, best = INT64_MIN;
    int m, d;
    civil_from_days(floordiv(t + f->std_off, 86400), &y, &m, &d);
    bool in = false;
    for (int64_t yy = y - 2; yy <= y + 1; yy++) {
        int64_t end = rule_utc(&f->end, yy, f->dst_off), start = rule_utc(&f->start, yy, f->std_off);
        if (end <= t && end >= best)
            best = end, in = false;
        if (start <= t && start >= best)
            best = start, in = true;
    }
    if (in)
        *off = f->dst_off, *dst = true, *abbr = f->dst_abbr;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Every instant where the footer's state may change within the table's
 * span, each kept with footer_local's answer there when it differs from the
 * one before: the table answers exactly as the rule does. */
static int footer_table(ota_tz *tz)
{
    const struct tz_footer *f = &tz->footer;
    int64_t from = tz->ntrans ? tz->trans[tz->ntrans - 1] : TZ_FOOT_FROM;
    if (!f->present || !f->has_dst || from >= TZ_FOOT_UNTIL)
        return 0;
    int64_t y0;
    int m, d;
    civil_from_days(floordiv(from, 86400), &y0, &m, &d);
    y0 -= 1;
    size_t cap = (size_t)(TZ_FOOT_LAST_YEAR - y0 + 1) * 2 + 1, n = 0;
    int64_t *at = malloc(cap * sizeof *at);
    bool *dst = malloc(cap * sizeof *dst);
    if (!at || !dst) {
        free(at);
        free(dst);
        return -1;
    }
    at[n++] = from;
    for (int64_t y = y0; y <= TZ_FOOT_LAST_YEAR; y++) {
        int64_t start = rule_utc(&f->start, y, f->std_off), end = rule_utc(&f->end, y, f->dst_off);
        if (start > from && start < TZ_FOOT_UNTIL)
            at[n++] = start;
        if (end > from && end < TZ_FOOT_UNTIL)
            at[n++] = end;
    }
    qsort(at + 1, n - 1, sizeof *at, cmp_i64);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t off;
        bool isdst;
        const char *abbr;
        footer_local(f, at[i], &off, &isdst, &abbr);
        if (out && (at[i] == at[out - 1] || isdst == dst[out - 1]))
            continue;
        at[out] = at[i], dst[out] = isdst, out++;
    }
    tz->foot = at, tz->foot_dst = dst, tz->nfoot = out, tz->foot_until = TZ_FOOT_UNTIL;
    return 0;
}

/* The last i with v[i] <= t, given v[0] <= t. */
static size_t last_at_or_before(const int64_t *v, size_t n, int64_t t)
{
    size_t lo = 0, hi = n; /* v[lo] <= t < v[hi] (v[n] = +infinity) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ------------------------------------------------------------- TZif files */
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts { uint64_t isut, isstd, leap, time, type, chr; };

/* The 44-byte header at p: 0, or -1 when it is not one. */
static int tzif_header(const unsigned char *p, size_t len, char *version, struct tzif_counts *c)
{
    if (len < 44 || memcmp(p, "TZif", 4))
        return -1;
    *version = (char)p[4];
    c->isut = be32(p + 20), c->isstd = be32(p + 24), c->leap = be32(p + 28);
    c->time = be32(p + 32), c->type = be32(p + 36), c->chr = be32(p + 40);
    return 0;
}

static uint64_t tzif_block(const struct tzif_counts *c, int timesize)
{
    return c->time * (uint64_t)(timesize + 1) + c->type * 6 + c->chr + c->leap * (uint64_t)(timesize + 4) +
           c->isstd + c->isut;
}

static int corrupt(ota_err *e, const char *path, const char *why)
{
    return ota_fail(e, OTA_E_IO, TZ_FIELD, "the tzdata file %s is corrupt: %s", path, why);
}

/* Parse the TZif v2+ data of a file already read into buf. */
static ota_tz *tzif_parse(const char *name, const char *path, const unsigned char *buf, size_t len,
                          ota_err *e)
{
    char ver;
    struct tzif_counts c;
    if (len >= 4 && len < 44 && !memcmp(buf, "TZif", 4)) {
        corrupt(e, path, "a truncated header");
        return NULL;
    }
    if (tzif_header(buf, len, &ver, &c) < 0) {
        ota_fail(e, OTA_E_VALIDATION, TZ_FIELD, "unknown time zone \"%s\" (%s is not a TZif file)", name, path);
        return NULL;
    }
    if (ver < '2') {
        corrupt(e, path, "TZif version 1 (no 64-bit data)");
        return NULL;
    }
    uint64_t off = 44 + tzif_block(&c, 4);
    if (off > len || tzif_header(buf + off, len - off, &ver, &c) < 0) {
        corrupt(e, path, "no second header");
        return NULL;
    }
    off += 44;
    if (c.type == 0 || c.type > 256 || c.chr == 0 || c.time > len || c.chr > len ||
        (c.isut && c.isut != c.type) || (c.isstd && c.isstd != c.type) || tzif_block(&c, 8) > len - off) {
        corrupt(e, path, "bad counts");
        return NULL;
    }
    if (c.leap) {
        ota_fail(e, OTA_E_VALIDATION, TZ_FIELD,
                 "time zone \"%s\" counts leap seconds (a right/ zone): name the zone without right/", name);
        return NULL;
    }
    size_t need = sizeof(ota_tz) + c.time * 8 + c.type * sizeof(struct tz_type) + c.time + c.chr + 1;
    ota_tz *tz = calloc(1, need);
    if (!tz) {
        ota_fail(e, OTA_E_INTERNAL, TZ_FIELD, "out of memory loading time zone \"%s\"", name);
        return NULL;
    }
    snprintf(tz->name, sizeof tz->name, "%s", name);
    tz->ntrans = c.time, tz->ntypes = c.type, tz->nabbrs = c.chr;
    tz->trans = (int64_t *)(tz + 1);
    tz->types = (struct tz_type *)(tz->trans + c.time);
    tz->idx = (uint8_t *)(tz->types + c.type);
    tz->abbrs = (char *)(tz->idx + c.time);

    const unsigned char *p = buf + off;
    const char *why = NULL;
    for (size_t i = 0; i < c.time; i++, p += 8) {
        tz->trans[i] = be64(p);
        if (i && tz->trans[i] <= tz->trans[i - 1])
            why = "transitions out of order";
    }
    for (size_t i = 0; i < c.time; i++, p++) {
        tz->idx[i] = *p;
        if (*p >= c.type)
            why = "a transition names no time type";
    }
    for (size_t i = 0; i < c.type; i++, p += 6) {
        int32_t u = (int32_t)be32(p);
        if (u < -TZ_OFFSET_MAX || u > TZ_OFFSET_MAX || p[4] > 1 || p[5] >= c.chr)
            why = "a bad time type";
        tz->types[i] = (struct tz_type){u, p[4] == 1, p[5]};
    }
    memcpy(tz->abbrs, p, c.chr);
    tz->abbrs[c.chr] = 0;
    p += c.chr + c.isstd + c.isut;

    /* The footer: "\n" TZ "\n" (an empty TZ: no rule after the last transition). */
    const unsigned char *end = buf + len;
    if (!why && (p >= end || *p != '\n'))
        why = "no footer";
    if (!why) {
        const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
        size_t flen = nl ? (size_t)(nl - p - 1) : 0;
        char footer[128];
        if (!nl || flen >= sizeof footer)
            why = "an unterminated footer";
        else if (flen) {
            memcpy(footer, p + 1, flen);
            footer[flen] = 0;
            if (parse_footer(footer, &tz->footer) < 0)
                why = "a footer that is not a POSIX TZ rule";
        }
    }
    if (why) {
        corrupt(e, path, why);
        free(tz);
        return NULL;
    }
    if (footer_table(tz) < 0) {
        ota_fail(e, OTA_E_INTERNAL, TZ_FIELD, "out of memory loading time zone \"%s\"", name);
        free(tz);
        return NULL;
    }
    return tz;
}

const char *tz_dir(void)
{
    const char *d = getenv("TZDIR");
    return d && *d ? d : TZ_DEFAULT_DIR;
}

int ota_tz_name_check(const char *name, ota_err *e)
{
    if (!name || !*name)
        return ota_fail(e, OTA_E_VALIDATION, TZ_FIELD, "a time zone name is required (e.g. \"Europe/Berlin\")");
    size_t len = strlen(name);
    if (len > OTA_TZ_NAME_MAX)
        return ota_fail(e, OTA_E_VALIDATION, TZ_FIELD, "a time zone name is at most %d bytes (got %zu)",
                        OTA_TZ_NAME_MAX, len);
    if (name[0] == '/')
        return ota_fail(e, OTA_E_VALIDATION, TZ_FIELD,
                        "a time zone name is an IANA name such as \"Europe/Berlin\", not a path");
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        bool okc = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                   ch == '/' || ch == '_' || ch == '-' || ch == '+';
        if (ch == '.' && name[i + 1] == '.')
            return ota_fail(e, OTA_E_VALIDATION, TZ_FIELD, "a time zone name may not contain \"..\"");
        if (!okc)
            return ota_fail(e, OTA_E_VALIDATION, TZ_FIELD,
                            "a time zone name holds only letters, digits, '/', '_', '-' and '+' "
                            "(byte %zu is not one)", i + 1);
        if (ch == '/' && (name[i + 1] == '/' || name[i + 1] == 0))
            return ota_fail(e, OTA_E_VALIDATION, TZ_FIELD, "a time zone name has no empty part");
    }
    /* Debian's aliases of the host's own zone are not IANA zones. */
    if (!strcmp(name, "localtime") || !strcmp(name, "posixrules"))
        return ota_fail(e, OTA_E_VALIDATION, TZ_FIELD, "\"%s\" is not an IANA time zone name", name);
    return 0;
}

ota_tz *ota_tz_load(const char *name, ota_err *e)
{
    if (ota_tz_name_check(name, e) < 0)
        return NULL;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", tz_dir(), name) >= sizeof path) {
        ota_fail(e, OTA_E_IO, TZ_FIELD, "the tzdata folder's path is too long");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO never blocks us */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int err = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
        if (err == 0 || err == ENOENT || err == ENOTDIR)
            ota_fail(e, OTA_E_VALIDATION, TZ_FIELD, "unknown time zone \"%s\" (no such zone in %s)", name,
                     tz_dir());
        else
            ota_fail(e, OTA_E_IO, TZ_FIELD, "cannot read the tzdata file %s: %s", path, strerror(err));
        return NULL;
    }
    if (st.st_size > TZ_FILE_MAX) {
        close(fd);
        corrupt(e, path, "too large");
        return NULL;
    }
    size_t len = (size_t)st.st_size, got = 0;
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf) {
        close(fd);
        ota_fail(e, OTA_E_INTERNAL, TZ_FIELD, "out of memory loading time zone \"%s\"", name);
        return NULL;
    }
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int err = r < 0 ? errno : 0;
            close(fd);
            free(buf);
            if (err)
                ota_fail(e, OTA_E_IO, TZ_FIELD, "cannot read the tzdata file %s: %s", path, strerror(err));
            else
                corrupt(e, path, "it shrank while read");
            return NULL;
        }
        got += (size_t)r;
    }
    close(fd);
    ota_tz *tz = tzif_parse(name, path, buf, len, e);
    free(buf);
    return tz;
}

void ota_tz_free(ota_tz *tz)
{
    if (!tz)
        return;
    free(tz->foot);
    free(tz->foot_dst);
    free(tz); /* the struct and the file's tables: one block */
}

bool ota_tz_valid(const char *name)
{
    ota_tz *tz = ota_tz_load(name, NULL);
    ota_tz_free(tz);
    return tz != NULL;
}

const char *ota_tz_name(const ota_tz *tz)
{
    return tz ? tz->name : NULL;
}

int ota_tz_local(const ota_tz *tz, int64_t utc, struct ota_local_time *out)
{
    if (!tz || !out || utc < -OTA_TZ_RANGE || utc > OTA_TZ_RANGE)
        return -1;
    int32_t off;
    bool dst;
    const char *abbr;
    if (tz->ntrans == 0 || utc >= tz->trans[tz->ntrans - 1]) {
        /* RFC 8536 §3.2: the footer governs after the last transition
         * (every time, with none); else the last type does. */
        const struct tz_footer *f = &tz->footer;
        if (tz->nfoot && utc >= tz->foot[0] && utc < tz->foot_until) {
            dst = tz->foot_dst[last_at_or_before(tz->foot, tz->nfoot, utc)];
            off = dst ? f->dst_off : f->std_off, abbr = dst ? f->dst_abbr : f->std_abbr;
        } else if (f->present)
            footer_local(f, utc, &off, &dst, &abbr);
        else {
            const struct tz_type *ty = &tz->types[tz->ntrans ? tz->idx[tz->ntrans - 1] : 0];
            off = ty->utoff, dst = ty->dst, abbr = tz->abbrs + ty->abbr;
        }
    } else if (utc < tz->trans[0]) {
        const struct tz_type *ty = &tz->types[0]; /* before the first transition: type 0 */
        off = ty->utoff, dst = ty->dst, abbr = tz->abbrs + ty->abbr;
    } else {
        const struct tz_type *ty = &tz->types[tz->idx[last_at_or_before(tz->trans, tz->ntrans, utc)]];
        off = ty->utoff, dst = ty->dst, abbr = tz->abbrs + ty->abbr;
    }
    int64_t local = utc + off;
    int64_t days = floordiv(local, 86400);
    int sod = (int)(local - days * 86400);
    int64_t y;
    civil_from_days(days, &y, &out->month, &out->day);
    out->year = (int)y;
    out->weekday = (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday (3, Monday = 0) */
    out->minute = sod / 60;
    out->second = sod % 60;
    out->offset = off;
    out->dst = dst;
    out->abbr = abbr;
    return 0;
}
