/* The "meta" part of a package upload (POST /api/v1/packages) and the file
 * names of its "file" parts: ota_package_meta_from_json ->
 * ota_validate_package_meta; ota_validate_file_name on the raw bytes.
 * Also whole package JSON as the remote backend reads it from otad.
 * Property: valid meta encodes and decodes to the same meta. */
#include "fuzz.h"

static void meta(json_t *j)
{
    ota_err e = {0};
    ota_package_meta m;
    memset(&m, 0, sizeof m);
    if (ota_package_meta_from_json(j, &m, &e) != 0) {
        fuzz_clear_error(&e, "meta decode");
        return;
    }
    if (ota_validate_package_meta(&m, &e) != 0) {
        fuzz_clear_error(&e, "meta validate");
        return;
    }
    json_t *enc = ota_json_package_meta(&m);
    fuzz_assert(enc != NULL, "valid meta does not encode");
    ota_package_meta m2;
    memset(&m2, 0, sizeof m2);
    fuzz_assert(ota_package_meta_from_json(enc, &m2, &e) == 0, "encoded meta does not decode: %s", e.message);
    fuzz_assert(!memcmp(&m, &m2, sizeof m) || (!strcmp(m.component, m2.component) &&
                m.kind == m2.kind && !strcmp(m.target_version, m2.target_version) &&
                !strcmp(m.source_version, m2.source_version) && !strcmp(m.remark, m2.remark)),
                "meta changed in a round trip");
    json_decref(enc);
}

static void package(json_t *j)
{
    ota_err e = {0};
    ota_package p;
    memset(&p, 0, sizeof p);
    if (ota_package_from_json(j, &p, &e) != 0) {
        fuzz_clear_error(&e, "package decode");
        return;
    }
    fuzz_assert(p.nfiles <= OTA_MAX_FILES, "%zu files decoded", p.nfiles);
    json_t *enc = ota_json_package(&p);
    fuzz_assert(enc != NULL, "decoded package does not encode");
    json_decref(enc);
}

static void file_name(const uint8_t *d, size_t n)
{
    char *s = fuzz_cstr(d, n);
    ota_err e = {0};
    if (ota_validate_file_name(s, &e) == 0) {
        fuzz_assert(!strchr(s, '/') && strcmp(s, "..") && strcmp(s, "."), "path part accepted: %s", s);
        fuzz_assert(strlen(s) <= OTA_FILE_NAME_MAX, "overlong file name accepted");
        if (ota_validate_file_size(s, OTA_MAX_FILE_SIZE + 1, &e) == 0)
            fuzz_assert(0, "a file over 100 MiB accepted");
        fuzz_clear_error(&e, "file size");
    } else {
        fuzz_clear_error(&e, "file name");
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    ota_err e = {0};
    file_name(d, n);
    json_t *j = ota_json_parse((const char *)d, n, &e);
    if (!j) {
        fuzz_clear_error(&e, "json parse");
        return 0;
    }
    meta(j);
    package(j);
    json_decref(j);
    return 0;
}
