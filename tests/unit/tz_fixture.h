/* Shared by the time zone tests (test_tz, test_tz_files): fixed instants,
 * the system's tzdata or a folder of our own ($TZDIR), and TZif files
 * written byte by byte. */
#ifndef OTA_TZ_FIXTURE_H
#define OTA_TZ_FIXTURE_H
#include "ota.h"
#include "../tap.h"

static char tmp_tzdir[256]; /* a folder of tap_tmpdir(), our $TZDIR */

static inline int64_t at(const char *rfc3339)
{
    int64_t t = 0;
    if (ota_time_parse(rfc3339, &t) < 0) {
        printf("Bail out! bad instant %s\n", rfc3339);
        exit(1);
    }
    return t;
}

static inline void use_system_tzdata(void)
{
    unsetenv("TZDIR");
}

static inline void use_tmp_tzdata(void)
{
    setenv("TZDIR", tmp_tzdir, 1);
}

/* ------------------------------------------------- TZif files of our own */
static inline void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
    fwrite(b, 1, 4, f);
}

static inline void put64(FILE *f, int64_t v)
{
    put32(f, (uint32_t)((uint64_t)v >> 32));
    put32(f, (uint32_t)v);
}

/* A TZif file: two types (0 = AAA +0, 1 = BBB +1 h DST), nt transitions
 * (64-bit data only), leap seconds if leaps, and footer.  version '\0'
 * writes a version 1 file. */
static inline void write_tzif(const char *name, char version, size_t nt, const int64_t *trans, const uint8_t *idx,
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

static inline void write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_tzdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static inline void tz_fixture_init(void)
{
    snprintf(tmp_tzdir, sizeof tmp_tzdir, "%s", tap_tmpdir());
}

#endif
