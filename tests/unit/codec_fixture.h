/* The codec tests' shared helpers: dump (sorted compact text, frees j),
 * parse, and DECODE_FAILS (a decoder's refusal with its code and field). */
#ifndef TESTS_UNIT_CODEC_FIXTURE_H
#define TESTS_UNIT_CODEC_FIXTURE_H
#include <stdlib.h>
#include <string.h>
#include "ota.h"
#include "../tap.h"

static inline char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    return s;
}

/* Parses text, runs dec on it and expects failure with code and field. */
#define DECODE_FAILS(text, dec, out, want_code, want_field, name)                         \
    do {                                                                         \
        ota_err e_ = {0};                                                        \
        json_t *j_ = ota_json_parse(text, strlen(text), &e_);                    \
        int rc_ = j_ ? dec(j_, out, &e_) : -1;                                   \
        ok(rc_ < 0 && e_.code == (want_code) && !strcmp(e_.field, want_field), "%s", name); \
        if (rc_ == 0 || e_.code != (want_code) || strcmp(e_.field, want_field))       \
            printf("#   got %s: %s: %s\n", ota_code_str(e_.code), e_.field, e_.message); \
        json_decref(j_);                                                         \
    } while (0)

static inline json_t *parse(const char *s)
{
    ota_err e;
    return ota_json_parse(s, strlen(s), &e);
}

#endif
