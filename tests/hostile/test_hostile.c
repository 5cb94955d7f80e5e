/* The hostile-input suite: a table of bad requests sent byte for byte to a
 * real otad on a loopback port.  For every one:
 *   - the answer is the expected status with the API.md error body
 *     {"error":{"code":…,"message":…}} (protocol-level garbage, which
 *     libmicrohttpd answers itself, only needs a 4xx or a closed connection);
 *   - the server still answers GET /healthz;
 *   - nothing changed: every row of every table and every file under the
 *     blob folder (temporary files included) is as before.
 * Slow-loris clients (headers or body never finished) are cut off by the
 * server's connection timeout while other clients are served. */
#include "harness.h"
#include "../tap.h"

static hx_otad srv;
static char dir[512], db[700], blobs[700];
static char t_admin[256], t_oper[256], t_view[256], t_gone[256];
static char dkey[128], okey[128];
static char dtok[64], dtok2[64], dtokcut[64];  /* dev-1's and dev-2's device tokens; dev-1's cut short */
static long pkg_id, splan_id, aplan_id, job_id;

/* ------------------------------------------------------------- the table */
/* API: the API.md error body with status and code; OKAY: an answer with
 * this status that must still change nothing; PROTO: HTTP-level garbage. */
enum kind { API, OKAY, PROTO };

typedef struct gen_body { char *p; size_t n; } gen_body;

typedef struct hcase {
    const char *name;
    enum kind kind;
    const char *method, *path, *headers;
    const char *body;        /* NULL: no body */
    size_t blen;             /* 0: strlen(body) (use sizeof - 1 for NUL bytes) */
    int status;
    const char *code;        /* expected error code (API kind) */
    void (*gen)(gen_body *); /* generated body instead of body */
} hcase;

#define CT_JSON "Content-Type: application/json\r\n"
#define A_ADMIN "Authorization: Bearer $ADMIN\r\n"
#define A_OPER "Authorization: Bearer $OPER\r\n"
#define A_VIEW "Authorization: Bearer $VIEW\r\n"
#define OPJ A_OPER CT_JSON
#define DEV "X-Device-Key: $DKEY\r\n" CT_JSON
#define WIN "\"window\":{\"start\":\"2020-01-01T00:00:00Z\",\"end\":\"2099-01-01T00:00:00Z\"}"
#define COMP "\"components\":[{\"component\":\"module\",\"package_id\":$PKG}]"
#define PLAN(extra) "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN "," COMP extra "}"
#define B(s) s, sizeof(s) - 1   /* a body literal that may hold NUL bytes */
/* PROTO cases: the raw request in path, its length in blen (0: strlen). */
#define RAWB(s) s, NULL, NULL, sizeof(s) - 1

#define MP_CT "Content-Type: multipart/form-data; boundary=XB\r\n"
#define MP_META(json) "--XB\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n" json "\r\n"
#define MP_FILE(fname, data) \
    "--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" fname "\"\r\n" \
    "Content-Type: application/octet-stream\r\n\r\n" data "\r\n"
#define MP_END "--XB--\r\n"
#define META_OK "{\"component\":\"module\",\"kind\":\"full\",\"target_version\":\"9.9.9\"}"
#define UP A_OPER MP_CT

static void gen_deep_arrays(gen_body *g)
{
    g->n = 200000;
    g->p = malloc(g->n);
    memset(g->p, '[', g->n);
}

static void gen_deep_objects(gen_body *g)
{
    size_t k = 20000;
    g->p = malloc(k * 5 + 1);
    g->n = 0;
    for (size_t i = 0; i < k; i++) {
        memcpy(g->p + g->n, "{\"a\":", 5);
        g->n += 5;
    }
}

/* A plan whose name is 900,000 characters: under the 1 MiB body limit. */
static void gen_long_name(gen_body *g)
{
    const char *pre = "{\"name\":\"", *post = "\",\"product\":\"hx-meter\"," WIN "," COMP "}";
    size_t k = 900000;
    g->p = malloc(strlen(pre) + k + strlen(post) + 1);
    strcpy(g->p, pre);
    memset(g->p + strlen(pre), 'n', k);
    strcpy(g->p + strlen(pre) + k, post);
    g->n = strlen(g->p);
}

/* A blacklist of 100,000 ids: large but well-formed. */
static void gen_big_blacklist(gen_body *g)
{
    size_t cap = 100000 * 16 + 400;
    g->p = malloc(cap);
    size_t n = (size_t)snprintf(g->p, cap, "{\"name\":\"h\",\"product\":\"hx-meter\",\"mode\":\"sideways\",\"blacklist\":[");
    for (int i = 0; i < 100000; i++)
        n += (size_t)snprintf(g->p + n, cap - n, "%s\"d-%d\"", i ? "," : "", i);
    n += (size_t)snprintf(g->p + n, cap - n, "]," WIN "," COMP "}");
    g->n = n;
}

/* An import with 5,000 good devices and one bad one at the end. */
static void gen_import_last_bad(gen_body *g)
{
    size_t cap = 5001 * 64 + 16;
    g->p = malloc(cap);
    size_t n = (size_t)snprintf(g->p, cap, "[");
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(g->p + n, cap - n, "{\"id\":\"imp-%d\",\"versions\":{\"module\":\"1.0.0\"}},", i);
    n += (size_t)snprintf(g->p + n, cap - n, "{\"id\":\"bad id/x\",\"versions\":{}}]");
    g->n = n;
}

/* Six file parts: one over the limit of five. */
static void gen_six_files(gen_body *g)
{
    size_t cap = 4096;
    g->p = malloc(cap);
    size_t n = (size_t)snprintf(g->p, cap, "%s", MP_META(META_OK));
    for (int i = 0; i < 6; i++)
        n += (size_t)snprintf(g->p + n, cap - n, MP_FILE("f%d.bin", "data%d"), i, i);
    n += (size_t)snprintf(g->p + n, cap - n, "%s", MP_END);
    g->n = n;
}

static void gen_33_versions(gen_body *g)
{
    size_t cap = 4096;
    g->p = malloc(cap);
    size_t n = (size_t)snprintf(g->p, cap, "{\"device\":\"dev-1\",\"product\":\"hx-meter\",\"versions\":{");
    for (int i = 0; i < 33; i++)
        n += (size_t)snprintf(g->p + n, cap - n, "%s\"c%d\":\"1\"", i ? "," : "", i);
    n += (size_t)snprintf(g->p + n, cap - n, "}}");
    g->n = n;
}

static const hcase cases[] = {
    /* --- malformed and truncated JSON */
    {"empty JSON body", API, "POST", "/api/v1/plans", OPJ, "", 0, 400, "bad_request"},
    {"truncated object", API, "POST", "/api/v1/plans", OPJ, "{", 0, 400, "bad_request"},
    {"truncated after key", API, "POST", "/api/v1/plans", OPJ, "{\"name\":", 0, 400, "bad_request"},
    {"truncated string", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"ab", 0, 400, "bad_request"},
    {"truncated array", API, "POST", "/api/v1/plans", OPJ, "[1,2", 0, 400, "bad_request"},
    {"bare literal", API, "POST", "/api/v1/plans", OPJ, "nul", 0, 400, "bad_request"},
    {"trailing comma", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"x\",}", 0, 400, "bad_request"},
    {"single quotes", API, "POST", "/api/v1/plans", OPJ, "{'name':'x'}", 0, 400, "bad_request"},
    {"two documents", API, "POST", "/api/v1/plans", OPJ, PLAN("") PLAN(""), 0, 400, "bad_request"},
    {"duplicate keys", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"a\",\"name\":\"b\"}", 0, 400, "bad_request"},
    {"a string, not an object", API, "POST", "/api/v1/plans", OPJ, "\"plan\"", 0, 400, "bad_request"},
    {"a number, not an object", API, "POST", "/api/v1/plans", OPJ, "123", 0, 400, "bad_request"},
    {"an array, not an object", API, "POST", "/api/v1/plans", OPJ, "[]", 0, 400, "bad_request"},
    {"null document", API, "POST", "/api/v1/plans", OPJ, "null", 0, 400, "bad_request"},
    {"comment in JSON", API, "POST", "/api/v1/plans", OPJ, "/* x */" PLAN(""), 0, 400, "bad_request"},
    {"byte order mark", API, "POST", "/api/v1/plans", OPJ, "\xef\xbb\xbf" PLAN(""), 0, 400, "bad_request"},
    {"only whitespace", API, "POST", "/api/v1/plans", OPJ, " \r\n\t ", 0, 400, "bad_request"},
    /* --- NUL bytes and invalid UTF-8 */
    {"raw NUL inside a string", API, "POST", "/api/v1/plans", OPJ, B("{\"name\":\"a\0b\",\"product\":\"hx-meter\"}"), 400, "bad_request"},
    {"raw NUL after the document", API, "POST", "/api/v1/plans", OPJ, B(PLAN("") "\0"), 400, "bad_request"},
    {"escaped NUL in name", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"blacklist\":[\"a\\u0000b\"]"), 0, 400, "bad_request"},
    {"invalid UTF-8 byte", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"\xff\xfe\",\"product\":\"hx-meter\"}", 0, 400, "bad_request"},
    {"overlong UTF-8", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"\xc0\xaf\",\"product\":\"hx-meter\"}", 0, 400, "bad_request"},
    {"UTF-8 surrogate", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"\xed\xa0\x80\",\"product\":\"hx-meter\"}", 0, 400, "bad_request"},
    {"lone escaped surrogate", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"\\ud800\",\"product\":\"hx-meter\"}", 0, 400, "bad_request"},
    {"truncated UTF-8 sequence", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"\xe4\xb8\",\"product\":\"hx-meter\"}", 0, 400, "bad_request"},
    {"Latin-1 remark", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"caf\xe9\"}", 0, 400, "bad_request"},
    /* --- deep nesting and huge numbers */
    {"200,000 nested arrays", API, "POST", "/api/v1/plans", OPJ, NULL, 0, 400, "bad_request", gen_deep_arrays},
    {"20,000 nested objects", API, "POST", "/api/v1/plans", OPJ, NULL, 0, 400, "bad_request", gen_deep_objects},
    {"number 1e999", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"retries\":1e999}"), 0, 400, "bad_request"},
    {"integer beyond 64 bits", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"retries\":99999999999999999999999}"), 0, 400, "bad_request"},
    {"package id beyond 64 bits", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN ",\"components\":[{\"component\":\"module\",\"package_id\":123456789012345678901234567890}]}", 0, 400, "bad_request"},
    {"retries beyond int", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"retries\":2147483648}"), 0, 400, "bad_request"},
    {"retries negative int64 min", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"retries\":-9223372036854775808}"), 0, 400, "bad_request"},
    {"retries 11", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"retries\":11}"), 0, 422, "validation_failed"},
    {"min_rsrp -200", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"min_rsrp\":-200}"), 0, 422, "validation_failed"},
    {"min_battery 101", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"min_battery\":101}"), 0, 422, "validation_failed"},
    {"min_battery -1", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"min_battery\":-1}"), 0, 422, "validation_failed"},
    {"retries 1.5", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"retries\":1.5}"), 0, 400, "bad_request"},
    {"negative package id", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN ",\"components\":[{\"component\":\"module\",\"package_id\":-5}]}", 0, 400, "bad_request"},
    /* --- wrong types and unknown fields */
    {"name is a number", API, "POST", "/api/v1/plans", OPJ, "{\"name\":5,\"product\":\"hx-meter\"," WIN "," COMP "}", 0, 400, "bad_request"},
    {"name is null", API, "POST", "/api/v1/plans", OPJ, "{\"name\":null,\"product\":\"hx-meter\"," WIN "," COMP "}", 0, 400, "bad_request"},
    {"components is a string", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN ",\"components\":\"module\"}", 0, 400, "bad_request"},
    {"package_id is a string", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN ",\"components\":[{\"component\":\"module\",\"package_id\":\"1\"}]}", 0, 400, "bad_request"},
    {"blacklist of numbers", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"blacklist\":[1,2]"), 0, 400, "bad_request"},
    {"strategy is an array", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":[]"), 0, 400, "bad_request"},
    {"window is a string", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\",\"window\":\"always\"," COMP "}", 0, 400, "bad_request"},
    {"unknown field", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"owner\":\"me\""), 0, 400, "bad_request"},
    {"unknown strategy field", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"strategy\":{\"speed\":9}"), 0, 400, "bad_request"},
    {"mode not an enum value", API, "POST", "/api/v1/plans", OPJ, PLAN(",\"mode\":\"loud\""), 0, 422, "validation_failed"},
    {"time not RFC 3339", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\",\"window\":{\"start\":\"yesterday\",\"end\":\"2099-01-01T00:00:00Z\"}," COMP "}", 0, 400, "bad_request"},
    {"time 30 February", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\",\"window\":{\"start\":\"2030-02-30T00:00:00Z\",\"end\":\"2099-01-01T00:00:00Z\"}," COMP "}", 0, 400, "bad_request"},
    /* --- rules of DESIGN.md section 1 */
    {"window start after end", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\",\"window\":{\"start\":\"2099-01-01T00:00:00Z\",\"end\":\"2020-01-01T00:00:00Z\"}," COMP "}", 0, 422, "validation_failed"},
    {"no components", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN ",\"components\":[]}", 0, 422, "validation_failed"},
    {"component twice", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN ",\"components\":[{\"component\":\"module\",\"package_id\":$PKG},{\"component\":\"module\",\"package_id\":$PKG}]}", 0, 422, "validation_failed"},
    {"name of 101 characters", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"product\":\"hx-meter\"," WIN "," COMP "}", 0, 422, "validation_failed"},
    {"name of 900,000 characters", API, "POST", "/api/v1/plans", OPJ, NULL, 0, 422, "validation_failed", gen_long_name},
    {"100,000-id blacklist with a bad mode", API, "POST", "/api/v1/plans", OPJ, NULL, 0, 422, "validation_failed", gen_big_blacklist},
    {"unknown product", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"nope\"," WIN "," COMP "}", 0, 422, "validation_failed"},
    {"unknown package", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN ",\"components\":[{\"component\":\"module\",\"package_id\":99999}]}", 0, 422, "validation_failed"},
    {"package of another component", API, "POST", "/api/v1/plans", OPJ, "{\"name\":\"h\",\"product\":\"hx-meter\"," WIN ",\"components\":[{\"component\":\"mcu\",\"package_id\":$PKG}]}", 0, 422, "validation_failed"},
    /* --- body size and media type */
    {"declared body over 1 MiB", API, "POST", "/api/v1/plans", OPJ "Content-Length: 2000000\r\n", NULL, 0, 413, "too_large"},
    {"text/plain body", API, "POST", "/api/v1/plans", A_OPER "Content-Type: text/plain\r\n", PLAN(""), 0, 415, "unsupported_media_type"},
    {"form-urlencoded body", API, "POST", "/api/v1/plans", A_OPER "Content-Type: application/x-www-form-urlencoded\r\n", "name=h", 0, 415, "unsupported_media_type"},
    /* --- revisions and states */
    {"PUT without If-Match", API, "PUT", "/api/v1/plans/$SPLAN", OPJ, PLAN(""), 0, 400, "bad_request"},
    {"PUT with a stale If-Match", API, "PUT", "/api/v1/plans/$SPLAN", OPJ "If-Match: \"999\"\r\n", PLAN(""), 0, 409, "conflict"},
    {"PUT with If-Match garbage", API, "PUT", "/api/v1/plans/$SPLAN", OPJ "If-Match: \"abc\"\r\n", PLAN(""), 0, 400, "bad_request"},
    {"PUT with a weak If-Match", API, "PUT", "/api/v1/plans/$SPLAN", OPJ "If-Match: W/\"1\"\r\n", PLAN(""), 0, 400, "bad_request"},
    {"PUT malformed JSON", API, "PUT", "/api/v1/plans/$SPLAN", OPJ "If-Match: \"1\"\r\n", "{\"name\":", 0, 400, "bad_request"},
    {"PUT an active plan", API, "PUT", "/api/v1/plans/$APLAN", OPJ "If-Match: \"2\"\r\n", PLAN(""), 0, 409, "not_editable"},
    {"DELETE an active plan", API, "DELETE", "/api/v1/plans/$APLAN", A_OPER, NULL, 0, 409, "not_editable"},
    {"pause a saved plan", API, "POST", "/api/v1/plans/$SPLAN/pause", A_OPER, NULL, 0, 409, "invalid_transition"},
    {"resume a saved plan", API, "POST", "/api/v1/plans/$SPLAN/resume", A_OPER, NULL, 0, 409, "invalid_transition"},
    {"activate an active plan", API, "POST", "/api/v1/plans/$APLAN/activate", A_OPER, NULL, 0, 409, "invalid_transition"},
    {"resume an active plan", API, "POST", "/api/v1/plans/$APLAN/resume", A_OPER, NULL, 0, 409, "invalid_transition"},
    {"delete a package an active plan uses", API, "DELETE", "/api/v1/packages/$PKG", A_OPER, NULL, 0, 409, "in_use"},
    /* --- ids in paths */
    {"plan id not a number", API, "GET", "/api/v1/plans/abc", A_VIEW, NULL, 0, 404, "not_found"},
    {"plan id negative", API, "GET", "/api/v1/plans/-1", A_VIEW, NULL, 0, 404, "not_found"},
    {"plan id zero", API, "GET", "/api/v1/plans/0", A_VIEW, NULL, 0, 404, "not_found"},
    {"plan id beyond 64 bits", API, "GET", "/api/v1/plans/99999999999999999999999", A_VIEW, NULL, 0, 404, "not_found"},
    {"plan id with a plus sign", API, "GET", "/api/v1/plans/+1", A_VIEW, NULL, 0, 404, "not_found"},
    {"plan id hexadecimal", API, "GET", "/api/v1/plans/0x1", A_VIEW, NULL, 0, 404, "not_found"},
    {"PUT an unknown plan", API, "PUT", "/api/v1/plans/999999", OPJ "If-Match: \"1\"\r\n", PLAN(""), 0, 404, "not_found"},
    {"unknown path", API, "GET", "/api/v1/nothing", A_VIEW, NULL, 0, 404, "not_found"},
    {"trailing slash", API, "GET", "/api/v1/plans/", A_VIEW, NULL, 0, 404, "not_found"},
    {"double slash", API, "GET", "/api/v1//plans", A_VIEW, NULL, 0, 404, "not_found"},
    {"path of 4,000 characters", API, "GET", "/api/v1/plans/1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111", A_VIEW, NULL, 0, 404, "not_found"},
    /* --- path traversal */
    {"file name ..", API, "GET", "/api/v1/packages/$PKG/files/..", A_VIEW, NULL, 0, 404, "not_found"},
    {"traversal in the file path", API, "GET", "/api/v1/packages/$PKG/files/../../../../etc/passwd", A_VIEW, NULL, 0, 404, "not_found"},
    {"encoded traversal", API, "GET", "/api/v1/packages/$PKG/files/..%2F..%2F..%2Fetc%2Fpasswd", A_VIEW, NULL, 0, 404, "not_found"},
    {"blob name as the file name", API, "GET", "/api/v1/packages/$PKG/files/%2e%2e", A_VIEW, NULL, 0, 404, "not_found"},
    {"unknown file", API, "GET", "/api/v1/packages/$PKG/files/other.bin", A_VIEW, NULL, 0, 404, "not_found"},
    {"unknown package's file", API, "GET", "/api/v1/packages/999999/files/fw.bin", A_VIEW, NULL, 0, 404, "not_found"},
    /* --- bogus Range headers */
    {"Range past the end", API, "GET", "/api/v1/packages/$PKG/files/fw.bin", A_VIEW "Range: bytes=999999-\r\n", NULL, 0, 416, "bad_request"},
    {"Range suffix of zero", API, "GET", "/api/v1/packages/$PKG/files/fw.bin", A_VIEW "Range: bytes=-0\r\n", NULL, 0, 416, "bad_request"},
    {"Range start at the size", API, "GET", "/api/v1/packages/$PKG/files/fw.bin", A_VIEW "Range: bytes=4096-4096\r\n", NULL, 0, 416, "bad_request"},
    {"Range beyond 64 bits (ignored)", OKAY, "GET", "/api/v1/packages/$PKG/files/fw.bin", A_VIEW "Range: bytes=99999999999999999999999-\r\n", NULL, 0, 200},
    {"Range of letters (ignored)", OKAY, "GET", "/api/v1/packages/$PKG/files/fw.bin", A_VIEW "Range: bytes=abc-def\r\n", NULL, 0, 200},
    {"Range with last before first (ignored)", OKAY, "GET", "/api/v1/packages/$PKG/files/fw.bin", A_VIEW "Range: bytes=50-10\r\n", NULL, 0, 200},
    {"Range of another unit (ignored)", OKAY, "GET", "/api/v1/packages/$PKG/files/fw.bin", A_VIEW "Range: pages=1-2\r\n", NULL, 0, 200},
    /* --- wrong methods */
    {"PATCH plans", API, "PATCH", "/api/v1/plans", A_OPER, NULL, 0, 405, "method_not_allowed"},
    {"DELETE the plan list", API, "DELETE", "/api/v1/plans", A_OPER, NULL, 0, 405, "method_not_allowed"},
    {"PUT the package list", API, "PUT", "/api/v1/packages", OPJ, "{}", 0, 405, "method_not_allowed"},
    {"POST healthz", API, "POST", "/healthz", CT_JSON, "{}", 0, 405, "method_not_allowed"},
    {"GET the check-in", API, "GET", "/api/v1/device/checkin", "X-Device-Key: $DKEY\r\n", NULL, 0, 405, "method_not_allowed"},
    {"DELETE a product", API, "DELETE", "/api/v1/products/hx-meter", A_ADMIN, NULL, 0, 405, "method_not_allowed"},
    {"made-up method", API, "BREW", "/api/v1/plans", A_OPER, NULL, 0, 405, "method_not_allowed"},
    /* --- tokens and roles */
    {"no token", API, "GET", "/api/v1/plans", NULL, NULL, 0, 401, "unauthorized"},
    {"Basic auth", API, "GET", "/api/v1/plans", "Authorization: Basic YWRtaW46YWRtaW4=\r\n", NULL, 0, 401, "unauthorized"},
    {"unknown token", API, "GET", "/api/v1/plans", "Authorization: Bearer 0123456789abcdef0123456789abcdef\r\n", NULL, 0, 401, "unauthorized"},
    {"empty bearer", API, "GET", "/api/v1/plans", "Authorization: Bearer \r\n", NULL, 0, 401, "unauthorized"},
    {"revoked token", API, "GET", "/api/v1/plans", "Authorization: Bearer $GONE\r\n", NULL, 0, 401, "unauthorized"},
    {"token with a suffix", API, "GET", "/api/v1/plans", "Authorization: Bearer $VIEWx\r\n", NULL, 0, 401, "unauthorized"},
    {"device key as a bearer token", API, "GET", "/api/v1/plans", "Authorization: Bearer $DKEY\r\n", NULL, 0, 401, "unauthorized"},
    {"viewer creates a plan", API, "POST", "/api/v1/plans", A_VIEW CT_JSON, PLAN(""), 0, 403, "forbidden"},
    {"viewer activates a plan", API, "POST", "/api/v1/plans/$SPLAN/activate", A_VIEW, NULL, 0, 403, "forbidden"},
    {"viewer deletes a plan", API, "DELETE", "/api/v1/plans/$SPLAN", A_VIEW, NULL, 0, 403, "forbidden"},
    {"viewer deletes a package", API, "DELETE", "/api/v1/packages/$PKG", A_VIEW, NULL, 0, 403, "forbidden"},
    {"viewer verifies a package", API, "POST", "/api/v1/packages/$PKG/verify", A_VIEW, NULL, 0, 403, "forbidden"},
    {"viewer uploads a package", API, "POST", "/api/v1/packages", A_VIEW MP_CT, MP_META(META_OK) MP_FILE("x.bin", "x") MP_END, 0, 403, "forbidden"},
    {"operator creates a product", API, "POST", "/api/v1/products", OPJ, "{\"key\":\"op-made\",\"name\":\"x\"}", 0, 403, "forbidden"},
    {"operator imports devices", API, "POST", "/api/v1/products/hx-meter/devices", OPJ, "[{\"id\":\"op-dev\",\"versions\":{}}]", 0, 403, "forbidden"},
    {"operator lists tokens", API, "GET", "/api/v1/tokens", A_OPER, NULL, 0, 403, "forbidden"},
    {"operator creates a token", API, "POST", "/api/v1/tokens", OPJ, "{\"name\":\"x\",\"role\":\"admin\"}", 0, 403, "forbidden"},
    {"no token for a download", API, "GET", "/api/v1/packages/$PKG/files/fw.bin", NULL, NULL, 0, 401, "unauthorized"},
    {"wrong device key for a download", API, "GET", "/api/v1/packages/$PKG/files/fw.bin", "X-Device-Key: 00ff\r\n", NULL, 0, 401, "unauthorized"},
    /* --- the device API */
    {"check-in without a key", API, "POST", "/api/v1/device/checkin", CT_JSON, "{\"device\":\"dev-1\",\"product\":\"hx-meter\",\"versions\":{}}", 0, 401, "unauthorized"},
    {"check-in with a wrong key", API, "POST", "/api/v1/device/checkin", "X-Device-Key: 1234\r\n" CT_JSON, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":{}}", 0, 401, "unauthorized"},
    {"check-in with another product's key", API, "POST", "/api/v1/device/checkin", "X-Device-Key: $OKEY\r\n" CT_JSON, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":{}}", 0, 401, "unauthorized"},
    {"check-in with a bearer token", API, "POST", "/api/v1/device/checkin", A_ADMIN CT_JSON, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":{}}", 0, 401, "unauthorized"},
    {"check-in malformed", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":", 0, 400, "bad_request"},
    {"check-in of an unknown product", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"dev-9\",\"product\":\"nope\",\"versions\":{}}", 0, 401, "unauthorized"},
    {"check-in device id with a space", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"a b\",\"product\":\"hx-meter\",\"versions\":{}}", 0, 422, "validation_failed"},
    {"check-in device id of 129 bytes", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\",\"product\":\"hx-meter\",\"versions\":{}}", 0, 422, "validation_failed"},
    {"check-in empty device id", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"\",\"product\":\"hx-meter\",\"versions\":{}}", 0, 422, "validation_failed"},
    {"check-in rsrp a string", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":{},\"rsrp\":\"strong\"}", 0, 400, "bad_request"},
    {"check-in battery 1e400", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":{},\"battery\":1e400}", 0, 400, "bad_request"},
    {"check-in battery 250", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":{},\"battery\":250}", 0, 422, "validation_failed"},
    {"check-in versions an array", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":[\"1.0\"]}", 0, 400, "bad_request"},
    {"check-in version a number", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":{\"module\":1}}", 0, 400, "bad_request"},
    {"check-in with 33 components", API, "POST", "/api/v1/device/checkin", DEV, NULL, 0, 422, "validation_failed", gen_33_versions},
    {"check-in unknown field", API, "POST", "/api/v1/device/checkin", DEV, "{\"device\":\"dev-9\",\"product\":\"hx-meter\",\"versions\":{},\"root\":true}", 0, 400, "bad_request"},
    {"report succeeded before downloading", API, "POST", "/api/v1/device/jobs/$JOB/report", DEV, "{\"state\":\"succeeded\",\"progress\":100}", 0, 409, "invalid_transition"},
    {"report an unknown state", API, "POST", "/api/v1/device/jobs/$JOB/report", DEV, "{\"state\":\"exploded\"}", 0, 422, "validation_failed"},
    {"report progress 101", API, "POST", "/api/v1/device/jobs/$JOB/report", DEV, "{\"state\":\"downloading\",\"progress\":101}", 0, 422, "validation_failed"},
    {"report progress a string", API, "POST", "/api/v1/device/jobs/$JOB/report", DEV, "{\"state\":\"downloading\",\"progress\":\"50%\"}", 0, 400, "bad_request"},
    {"report without a state", API, "POST", "/api/v1/device/jobs/$JOB/report", DEV, "{\"progress\":5}", 0, 400, "bad_request"},
    {"report an array body", API, "POST", "/api/v1/device/jobs/$JOB/report", DEV, "[]", 0, 400, "bad_request"},
    {"report for another device", API, "POST", "/api/v1/device/jobs/$JOB/report", DEV, "{\"device\":\"dev-2\",\"state\":\"downloading\"}", 0, 409, "invalid_transition"},
    {"report with another product's key", API, "POST", "/api/v1/device/jobs/$JOB/report", "X-Device-Key: $OKEY\r\n" CT_JSON, "{\"state\":\"downloading\"}", 0, 401, "unauthorized"},
    {"report an unknown job", API, "POST", "/api/v1/device/jobs/999999/report", DEV, "{\"state\":\"downloading\"}", 0, 404, "not_found"},
    {"report job id not a number", API, "POST", "/api/v1/device/jobs/abc/report", DEV, "{\"state\":\"downloading\"}", 0, 404, "not_found"},
    /* --- device credentials: forged, truncated, overlong, non-ASCII, another device's */
#define CI1 "{\"device\":\"dev-1\",\"product\":\"hx-meter\",\"versions\":{}}"
#define TOK43 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define LONG300 "otd_" TOK43 TOK43 TOK43 TOK43 TOK43 TOK43 TOK43
    {"check-in with a forged device token", API, "POST", "/api/v1/device/checkin", "X-Device-Token: otd_" TOK43 "\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with a truncated device token", API, "POST", "/api/v1/device/checkin", "X-Device-Token: $DTOKCUT\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with the token and one more character", API, "POST", "/api/v1/device/checkin", "X-Device-Token: $DTOKx\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with an overlong device token", API, "POST", "/api/v1/device/checkin", "X-Device-Token: " LONG300 "\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with a non-ASCII device token", API, "POST", "/api/v1/device/checkin", "X-Device-Token: otd_\xc3\xa9\xc3\xa9AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with a device token holding a space", API, "POST", "/api/v1/device/checkin", "X-Device-Token: otd_AAAA AAAA\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with another device's token", API, "POST", "/api/v1/device/checkin", "X-Device-Token: $DTOK2\r\n" CT_JSON, CI1, 0, 403, "forbidden"},
    {"check-in with a forged token beside the right key", API, "POST", "/api/v1/device/checkin", "X-Device-Key: $DKEY\r\nX-Device-Token: otd_" TOK43 "\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with the product key as a device token", API, "POST", "/api/v1/device/checkin", "X-Device-Token: $DKEY\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with a truncated device key", API, "POST", "/api/v1/device/checkin", "X-Device-Key: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with an overlong device key", API, "POST", "/api/v1/device/checkin", "X-Device-Key: $DKEY" TOK43 TOK43 TOK43 TOK43 TOK43 TOK43 "\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"check-in with a non-ASCII device key", API, "POST", "/api/v1/device/checkin", "X-Device-Key: \xe6\x99\xba\xe8\x83\xbd\r\n" CT_JSON, CI1, 0, 401, "unauthorized"},
    {"report with another device's token", API, "POST", "/api/v1/device/jobs/$JOB/report", "X-Device-Token: $DTOK2\r\n" CT_JSON, "{\"state\":\"downloading\"}", 0, 403, "forbidden"},
    {"report with a forged device token", API, "POST", "/api/v1/device/jobs/$JOB/report", "X-Device-Token: otd_" TOK43 "\r\n" CT_JSON, "{\"state\":\"downloading\"}", 0, 401, "unauthorized"},
    {"enroll with a forged key", API, "POST", "/api/v1/device/enroll", "X-Device-Key: 00ff\r\n" CT_JSON, "{\"product\":\"hx-meter\",\"device\":\"dev-9\"}", 0, 401, "unauthorized"},
    {"enroll with a non-ASCII key", API, "POST", "/api/v1/device/enroll", "X-Device-Key: \xff\xfe\r\n" CT_JSON, "{\"product\":\"hx-meter\",\"device\":\"dev-9\"}", 0, 401, "unauthorized"},
    {"download with a forged device token", API, "GET", "/api/v1/packages/$PKG/files/fw.bin", "X-Device-Token: otd_" TOK43 "\r\n", NULL, 0, 401, "unauthorized"},
    {"download with an overlong device token", API, "GET", "/api/v1/packages/$PKG/files/fw.bin", "X-Device-Token: " LONG300 "\r\n", NULL, 0, 401, "unauthorized"},
    {"DDI poll with a forged TargetToken", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: TargetToken otd_" TOK43 "\r\n", NULL, 0, 401, "unauthorized"},
    {"DDI poll with a truncated TargetToken", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: TargetToken $DTOKCUT\r\n", NULL, 0, 401, "unauthorized"},
    {"DDI poll with an overlong TargetToken", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: TargetToken " LONG300 "\r\n", NULL, 0, 401, "unauthorized"},
    {"DDI poll with a non-ASCII TargetToken", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: TargetToken otd_\xe2\x82\xac" TOK43 "\r\n", NULL, 0, 401, "unauthorized"},
    {"DDI poll with an empty TargetToken", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: TargetToken \r\n", NULL, 0, 401, "unauthorized"},
    {"DDI poll with another device's TargetToken", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: TargetToken $DTOK2\r\n", NULL, 0, 403, "forbidden"},
    {"DDI poll with a token of another tenant's device", API, "GET", "/hx-other/controller/v1/dev-1", "Authorization: TargetToken $DTOK\r\n", NULL, 0, 403, "forbidden"},
    {"DDI poll with a forged GatewayToken", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: GatewayToken 00ff\r\n", NULL, 0, 401, "unauthorized"},
    {"DDI poll with a non-ASCII GatewayToken", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: GatewayToken \xc3\xa9\r\n", NULL, 0, 401, "unauthorized"},
    {"DDI poll with an unknown scheme", API, "GET", "/hx-meter/controller/v1/dev-1", "Authorization: DeviceToken $DTOK\r\n", NULL, 0, 401, "unauthorized"},
    {"DDI feedback with another device's TargetToken", API, "POST", "/hx-meter/controller/v1/dev-1/deploymentBase/$JOB/feedback", "Authorization: TargetToken $DTOK2\r\n" CT_JSON, "{\"status\":{\"execution\":\"closed\",\"result\":{\"finished\":\"success\"}}}", 0, 403, "forbidden"},
    {"DDI artifact with a forged TargetToken", API, "GET", "/hx-meter/controller/v1/dev-1/softwaremodules/$PKG/artifacts/fw.bin", "Authorization: TargetToken otd_" TOK43 "\r\n", NULL, 0, 401, "unauthorized"},
    {"confirm with an unknown field", API, "POST", "/api/v1/device/jobs/$JOB/confirm", DEV, "{\"really\":true}", 0, 400, "bad_request"},
    /* --- products and device imports */
    {"product key with a slash", API, "POST", "/api/v1/products", A_ADMIN CT_JSON, "{\"key\":\"a/b\",\"name\":\"x\"}", 0, 422, "validation_failed"},
    {"product key taken", API, "POST", "/api/v1/products", A_ADMIN CT_JSON, "{\"key\":\"hx-meter\",\"name\":\"again\"}", 0, 409, "conflict"},
    {"product without a key", API, "POST", "/api/v1/products", A_ADMIN CT_JSON, "{\"name\":\"x\"}", 0, 422, "validation_failed"},
    {"import an object", API, "POST", "/api/v1/products/hx-meter/devices", A_ADMIN CT_JSON, "{\"id\":\"d\"}", 0, 400, "bad_request"},
    {"import into an unknown product", API, "POST", "/api/v1/products/nope/devices", A_ADMIN CT_JSON, "[{\"id\":\"d\",\"versions\":{}}]", 0, 404, "not_found"},
    {"import 5,000 good and one bad", API, "POST", "/api/v1/products/hx-meter/devices", A_ADMIN CT_JSON, NULL, 0, 422, "validation_failed", gen_import_last_bad},
    {"import a device twice", API, "POST", "/api/v1/products/hx-meter/devices", A_ADMIN CT_JSON, "[{\"id\":\"twice\",\"versions\":{}},{\"id\":\"twice\",\"versions\":{}}]", 0, 422, "validation_failed"},
    {"import a device id with a tab", API, "POST", "/api/v1/products/hx-meter/devices", A_ADMIN CT_JSON, "[{\"id\":\"ok-1\",\"versions\":{}},{\"id\":\"tab\\tid\",\"versions\":{}}]", 0, 422, "validation_failed"},
    /* --- uploads (multipart) */
    {"multipart without a boundary", API, "POST", "/api/v1/packages", A_OPER "Content-Type: multipart/form-data\r\n", MP_META(META_OK) MP_END, 0, 400, "bad_request"},
    {"multipart boundary of 71 characters", API, "POST", "/api/v1/packages", A_OPER "Content-Type: multipart/form-data; boundary=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", MP_META(META_OK) MP_END, 0, 400, "bad_request"},
    {"upload as JSON", API, "POST", "/api/v1/packages", OPJ, META_OK, 0, 415, "unsupported_media_type"},
    {"upload without the closing boundary", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) MP_FILE("fw2.bin", "abc"), 0, 400, "bad_request"},
    {"upload with no parts", API, "POST", "/api/v1/packages", UP, MP_END, 0, 400, "bad_request"},
    {"upload without meta", API, "POST", "/api/v1/packages", UP, MP_FILE("fw2.bin", "abc") MP_END, 0, 400, "bad_request"},
    {"upload without files", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) MP_END, 0, 422, "validation_failed"},
    {"upload with two meta parts", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) MP_META(META_OK) MP_FILE("fw2.bin", "abc") MP_END, 0, 400, "bad_request"},
    {"upload with six files", API, "POST", "/api/v1/packages", UP, NULL, 0, 422, "validation_failed", gen_six_files},
    {"upload with a file name twice", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) MP_FILE("a.bin", "1") MP_FILE("a.bin", "2") MP_END, 0, 422, "validation_failed"},
    {"upload file named ../../evil.bin", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) MP_FILE("../../evil.bin", "x") MP_END, 0, 422, "validation_failed"},
    {"upload file named /etc/evil.bin", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) MP_FILE("/etc/evil.bin", "x") MP_END, 0, 422, "validation_failed"},
    {"upload file named fw.exe", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) MP_FILE("fw.exe", "x") MP_END, 0, 422, "validation_failed"},
    {"upload file name with a NUL", API, "POST", "/api/v1/packages", UP, B(MP_META(META_OK) MP_FILE("fw\0.exe.bin", "x") MP_END), 400, "bad_request"},
    {"upload file part without a filename", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) "--XB\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n" MP_END, 0, 400, "bad_request"},
    {"upload part without headers", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) "--XB\r\n\r\nx\r\n" MP_END, 0, 400, "bad_request"},
    {"upload unknown part name", API, "POST", "/api/v1/packages", UP, MP_META(META_OK) "--XB\r\nContent-Disposition: form-data; name=\"evil\"\r\n\r\nx\r\n" MP_END, 0, 400, "bad_request"},
    {"upload meta malformed", API, "POST", "/api/v1/packages", UP, MP_META("{\"component\":") MP_FILE("fw2.bin", "x") MP_END, 0, 400, "bad_request"},
    {"upload diff without source version", API, "POST", "/api/v1/packages", UP, MP_META("{\"component\":\"module\",\"kind\":\"diff\",\"target_version\":\"2\"}") MP_FILE("fw2.bin", "x") MP_END, 0, 422, "validation_failed"},
    {"upload remark of 201 characters", API, "POST", "/api/v1/packages", UP, MP_META("{\"component\":\"module\",\"kind\":\"full\",\"target_version\":\"2\",\"remark\":\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\"}") MP_FILE("fw2.bin", "x") MP_END, 0, 422, "validation_failed"},
    {"upload declared over the limit", API, "POST", "/api/v1/packages", UP "Content-Length: 900000000\r\n", NULL, 0, 413, "too_large"},
    {"upload file then bad meta", API, "POST", "/api/v1/packages", UP, MP_FILE("fw2.bin", "abcdef") MP_META("{\"component\":\"module\",\"kind\":\"sideways\",\"target_version\":\"2\"}") MP_END, 0, 422, "validation_failed"},
    /* --- query strings */
    {"limit -1", API, "GET", "/api/v1/plans?limit=-1", A_VIEW, NULL, 0, 400, "bad_request"},
    {"limit 0", API, "GET", "/api/v1/packages?limit=0", A_VIEW, NULL, 0, 400, "bad_request"},
    {"limit 1001", API, "GET", "/api/v1/packages?limit=1001", A_VIEW, NULL, 0, 400, "bad_request"},
    {"limit abc", API, "GET", "/api/v1/plans?limit=abc", A_VIEW, NULL, 0, 400, "bad_request"},
    {"limit 1e3", API, "GET", "/api/v1/plans?limit=1e3", A_VIEW, NULL, 0, 400, "bad_request"},
    {"limit beyond 64 bits", API, "GET", "/api/v1/plans?limit=99999999999999999999", A_VIEW, NULL, 0, 400, "bad_request"},
    {"limit empty", API, "GET", "/api/v1/plans?limit=", A_VIEW, NULL, 0, 400, "bad_request"},
    {"forged cursor", API, "GET", "/api/v1/packages?cursor=forged", A_VIEW, NULL, 0, 400, "bad_request"},
    {"cursor of 200 characters", API, "GET", "/api/v1/plans?cursor=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", A_VIEW, NULL, 0, 400, "bad_request"},
    {"device list forged cursor", API, "GET", "/api/v1/products/hx-meter/devices?cursor=%27%3B%20DROP%20TABLE%20devices", A_VIEW, NULL, 0, 400, "bad_request"},
    {"device list negative limit", API, "GET", "/api/v1/products/hx-meter/devices?limit=-5", A_VIEW, NULL, 0, 400, "bad_request"},
    {"job rows negative limit", API, "GET", "/api/v1/plans/$APLAN/devices?limit=-5", A_VIEW, NULL, 0, 400, "bad_request"},
    {"job rows forged cursor", API, "GET", "/api/v1/plans/$APLAN/devices?cursor=zzzz", A_VIEW, NULL, 0, 400, "bad_request"},
    {"job rows unknown state", API, "GET", "/api/v1/plans/$APLAN/devices?state=sleeping", A_VIEW, NULL, 0, 400, "bad_request"},
    {"plans unknown state filter", API, "GET", "/api/v1/plans?state=bogus", A_VIEW, NULL, 0, 400, "bad_request"},
    {"events since abc", API, "GET", "/api/v1/plans/$APLAN/events?since=abc", A_VIEW, NULL, 0, 400, "bad_request"},
    {"events since -5", API, "GET", "/api/v1/plans/$APLAN/events?since=-5", A_VIEW, NULL, 0, 400, "bad_request"},
    {"events of an unknown plan", API, "GET", "/api/v1/plans/999999/events", A_VIEW, NULL, 0, 404, "not_found"},
    /* --- HTTP itself (libmicrohttpd answers these: a 4xx or a close) */
    {"not HTTP at all", PROTO, NULL, "HELLO THERE\r\n\r\n"},
    {"HTTP/0.9 request line", PROTO, NULL, "GET /api/v1/plans\r\n\r\n"},
    {"HTTP/2.0 version", PROTO, NULL, "GET /api/v1/plans HTTP/2.0\r\nHost: x\r\n\r\n"},
    {"header without a colon", PROTO, NULL, "GET /api/v1/plans HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n"},
    {"NUL in a header value", PROTO, NULL, RAWB("GET /api/v1/plans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\0b\r\n\r\n")},
    {"negative Content-Length", PROTO, NULL, "POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}"},
    {"Content-Length not a number", PROTO, NULL, "POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n{}"},
    {"two different Content-Lengths", PROTO, NULL, "POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}"},
    {"bad chunk size", PROTO, NULL, "POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
    {"chunked and Content-Length", PROTO, NULL, "POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n"},
    {"space before the colon", PROTO, NULL, "GET /api/v1/plans HTTP/1.1\r\nHost : x\r\nAuthorization : Bearer $VIEW\r\n\r\n"},
    {"request line of 300,000 bytes", PROTO, NULL, NULL},  /* generated below */
};
#define NCASES (sizeof cases / sizeof cases[0])

/* ------------------------------------------------------- substitution */
static char *subst(const char *in, size_t inlen, size_t *outlen)
{
    char pkg[32], sp[32], ap[32], job[32];
    snprintf(pkg, sizeof pkg, "%ld", pkg_id);
    snprintf(sp, sizeof sp, "%ld", splan_id);
    snprintf(ap, sizeof ap, "%ld", aplan_id);
    snprintf(job, sizeof job, "%ld", job_id);
    const struct { const char *k, *v; } map[] = {
        {"$DTOK2", dtok2}, {"$DTOKCUT", dtokcut}, {"$DTOK", dtok},  /* longest first */
        {"$ADMIN", t_admin}, {"$OPER", t_oper}, {"$VIEW", t_view}, {"$GONE", t_gone}, {"$DKEY", dkey},
        {"$OKEY", okey}, {"$PKG", pkg}, {"$SPLAN", sp}, {"$APLAN", ap}, {"$JOB", job},
    };
    size_t cap = inlen * 2 + 4096, n = 0;
    char *out = malloc(cap);
    for (size_t i = 0; i < inlen;) {
        bool hit = false;
        for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
            size_t kl = strlen(map[k].k);
            if (in[i] == '$' && i + kl <= inlen && !memcmp(in + i, map[k].k, kl)) {
                size_t vl = strlen(map[k].v);
                if (n + vl + 1 > cap)
                    out = realloc(out, cap = cap * 2 + vl);
                memcpy(out + n, map[k].v, vl);
                n += vl;
                i += kl;
                hit = true;
                break;
            }
        }
        if (!hit) {
            if (n + 2 > cap)
                out = realloc(out, cap *= 2);
            out[n++] = in[i++];
        }
    }
    out[n] = 0;
    *outlen = n;
    return out;
}

/* ------------------------------------------------------------ checking */
static hx_dbprint base_db;
static uint64_t base_tree;
static long base_files;

static bool unchanged(char *why, size_t len)
{
    /* An aborted upload's temporary file goes when libmicrohttpd reports
     * the request completed, just after the answer: allow it a moment. */
    hx_dbprint now;
    long files = 0;
    uint64_t tree = 0;
    for (int i = 0; i < 100; i++) {
        hx_db_print(db, &now);
        tree = hx_tree_print(blobs, &files);
        if (now.hash == base_db.hash && tree == base_tree)
            return true;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    char diff[512];
    snprintf(why, len, "changed tables: %s; db %s (was %s); blob files %ld (were %ld)",
             hx_db_diff(&base_db, &now, diff, sizeof diff), now.detail, base_db.detail, files, base_files);
    /* Report it once, then judge the next case against the new state. */
    base_db = now;
    base_tree = tree;
    base_files = files;
    return false;
}

/* The API.md error body: {"error":{"code":"<code>","message":"<non-empty>"[,"field":…]}} */
static bool error_body(const hx_resp *r, const char *code, char *why, size_t len)
{
    json_t *j = hx_json(r);
    json_t *e = json_object_get(j, "error");
    const char *c = json_string_value(json_object_get(e, "code"));
    const char *m = json_string_value(json_object_get(e, "message"));
    json_t *f = json_object_get(e, "field");
    bool ok = j && json_is_object(e) && c && m && *m && (!f || json_is_string(f)) && json_object_size(j) == 1 &&
              (!code || !strcmp(c, code));
    if (!ok)
        snprintf(why, len, "body %.300s", r->body_len ? r->body : "(none)");
    json_decref(j);
    return ok;
}

static void run_case(const hcase *c)
{
    char why[2048] = "";
    hx_resp r;
    const char *src;
    size_t slen;
    char *gen_req = NULL;
    if (c->kind == PROTO) {
        if (!c->method && !c->path) {  /* the 300,000-byte request line */
            slen = 300000 + 64;
            gen_req = malloc(slen);
            int k = snprintf(gen_req, slen, "GET /");
            memset(gen_req + k, 'a', 300000);
            slen = (size_t)k + 300000;
            slen += (size_t)snprintf(gen_req + slen, 64, " HTTP/1.1\r\nHost: x\r\n\r\n");
            src = gen_req;
        } else {
            src = c->path;
            slen = c->blen ? c->blen : strlen(c->path);
        }
        size_t n;
        char *req = subst(src, slen, &n);
        hx_exchange(srv.port, req, n, 10000, &r);
        free(req);
        bool ok = (r.status == 0 && !r.timed_out) || (r.status >= 400 && r.status < 500) || r.status == 505;
        if (!ok)
            snprintf(why, sizeof why, "got status %d%s: %.200s", r.status, r.timed_out ? " (timed out)" : "",
                     r.raw ? r.raw : "");
        bool healthy = hx_healthy(srv.port);
        bool same = unchanged(why + strlen(why), sizeof why - strlen(why));
        ok(ok && healthy && same, "%s: refused (%d), server up%s, nothing changed", c->name, r.status,
           healthy ? "" : " NOT");
        if (!(ok && healthy && same))
            printf("#   %s\n", why);
        hx_resp_free(&r);
        free(gen_req);
        return;
    }
    gen_body g = {0};
    const char *body = c->body;
    size_t blen = c->blen ? c->blen : (body ? strlen(body) : 0);
    if (c->gen) {
        c->gen(&g);
        body = g.p;
        blen = g.n;
    }
    size_t hl = 0, bl = 0, pl = 0;
    char *hdr = c->headers ? subst(c->headers, strlen(c->headers), &hl) : NULL;
    char *path = subst(c->path, strlen(c->path), &pl);
    char *b = body ? subst(body, blen, &bl) : NULL;
    /* A declared-only Content-Length: send the headers alone. */
    bool declared = hdr && strstr(hdr, "Content-Length:");
    hx_request(srv.port, c->method, path, hdr, declared ? NULL : b, declared ? 0 : bl, 20000, &r);
    bool st = r.status == c->status;
    if (!st)
        snprintf(why, sizeof why, "status %d, want %d; ", r.status, c->status);
    bool eb = c->kind == OKAY || error_body(&r, c->code, why + strlen(why), sizeof why - strlen(why));
    bool healthy = hx_healthy(srv.port);
    bool same = unchanged(why + strlen(why), sizeof why - strlen(why));
    ok(st && eb && healthy && same, "%s: %d %s, server up%s, nothing changed", c->name, c->status,
       c->code ? c->code : "", healthy ? "" : " NOT");
    if (!(st && eb && healthy && same))
        printf("#   %s\n", why);
    hx_resp_free(&r);
    free(hdr);
    free(path);
    free(b);
    free(g.p);
}

/* ---------------------------------------------------------- slow-loris */
/* Clients that never finish: the headers (one byte at a time, then
 * silence), or a body.  The server must cut them off (conn_timeout = 2 s in
 * this suite; bounded here at 15 s) and keep serving others meanwhile. */
static void slow_loris(void)
{
    enum { N = 40 };
    int fds[N];
    size_t n, bn;
    char *hdrs = subst("POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $OPER\r\nX-Slow: ", 76, &n);
    char *body = subst("POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $OPER\r\n"
                       "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":\"slow",
                       strlen("POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $OPER\r\n"
                              "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":\"slow"),
                       &bn);
    int opened = 0;
    for (int i = 0; i < N; i++) {
        fds[i] = hx_connect(srv.port);
        if (fds[i] < 0)
            continue;
        opened++;
        const char *s = i % 2 ? body : hdrs;
        size_t len = i % 2 ? bn : n;
        if (send(fds[i], s, len, MSG_NOSIGNAL) < 0) {}
    }
    is_int(opened, N, "slow-loris: %d connections that never finish their request", N);
    int64_t t0 = hx_ms();
    ok(hx_healthy(srv.port), "slow-loris: /healthz answers while they hang");
    char why[512] = "";
    ok(unchanged(why, sizeof why), "slow-loris: nothing changed while they hang %s", why);
    /* Every one of them must be closed by the server, within the bound. */
    int closed = 0;
    for (int i = 0; i < N; i++) {
        if (fds[i] < 0)
            continue;
        int64_t left = 15000 - (hx_ms() - t0);
        struct pollfd p = {fds[i], POLLIN, 0};
        char buf[4096];
        while (left > 0 && poll(&p, 1, (int)left) > 0) {
            ssize_t k = recv(fds[i], buf, sizeof buf, 0);
            if (k <= 0) {
                closed++;
                break;
            }
            left = 15000 - (hx_ms() - t0);
        }
        close(fds[i]);
    }
    int64_t took = hx_ms() - t0;
    is_int(closed, opened, "slow-loris: the server closed all %d within 15 s (took %lld ms)", opened, (long long)took);
    ok(hx_healthy(srv.port), "slow-loris: /healthz answers afterwards");
    ok(unchanged(why, sizeof why), "slow-loris: nothing changed %s", why);
    free(hdrs);
    free(body);
}

/* A body cut short: Content-Length promises more, the client half-closes. */
static void truncated_bodies(void)
{
    const char *reqs[] = {
        "POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $OPER\r\nContent-Type: application/json\r\n"
        "Content-Length: 500\r\n\r\n{\"name\":\"h\",\"product\":\"hx-meter\"",
        "POST /api/v1/packages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $OPER\r\n" MP_CT
        "Content-Length: 100000\r\n\r\n" MP_META(META_OK) "--XB\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename=\"cut.bin\"\r\n\r\nonly the start of the file",
        "POST /api/v1/device/checkin HTTP/1.1\r\nHost: x\r\nX-Device-Key: $DKEY\r\nContent-Type: application/json\r\n"
        "Content-Length: 300\r\n\r\n{\"device\":\"dev-cut\",\"product\":\"hx-meter\",\"versions\":{}}",
    };
    const char *names[] = {"plan", "upload", "check-in"};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        char *q = subst(reqs[i], strlen(reqs[i]), &n);
        int fd = hx_connect(srv.port);
        hx_resp r;
        hx_exchange_fd(fd, q, n, true, 10000, &r);
        close(fd);
        char why[1024] = "";
        bool refused = r.status == 0 || r.status >= 400;
        bool same = unchanged(why, sizeof why);
        ok(refused && !r.timed_out && hx_healthy(srv.port) && same,
           "truncated %s body: no success (%d), connection closed, nothing changed %s", names[i], r.status, why);
        hx_resp_free(&r);
        free(q);
    }
}

/* ---------------------------------------------------------------- setup */
static json_t *api(const char *method, const char *path, const char *hdr, const char *body, size_t blen, int want)
{
    size_t hl, pl;
    char *h = subst(hdr, strlen(hdr), &hl), *p = subst(path, strlen(path), &pl);
    hx_resp r;
    if (body && !blen)
        blen = strlen(body);
    hx_request(srv.port, method, p, h, body, blen, 20000, &r);
    json_t *j = hx_json(&r);
    if (r.status != want) {
        printf("# setup %s %s: %d: %.300s\n", method, p, r.status, r.body ? r.body : "");
        json_decref(j);
        j = NULL;
    }
    hx_resp_free(&r);
    free(h);
    free(p);
    return j;
}

static int setup(void)
{
    snprintf(dir, sizeof dir, "%s", tap_tmpdir());  /* removed at exit, also when stopped */
    snprintf(db, sizeof db, "%s/ota.db", dir);
    snprintf(blobs, sizeof blobs, "%s/blobs", dir);
    snprintf(srv.bin, sizeof srv.bin, "%s/server/otad", hx_builddir());
    snprintf(srv.conf, sizeof srv.conf, "%s/otad.conf", dir);
    snprintf(srv.log, sizeof srv.log, "%s/otad.log", dir);
    FILE *f = fopen(srv.conf, "w");
    if (!f)
        return -1;
    /* Hundreds of refused credentials come from one address here: throttling
     * (tests/http/test_throttle.sh) is off so each case gets its own answer. */
    fprintf(f, "listen = 127.0.0.1:0\ndb = %s\nblobs = %s\nconn_timeout = 2\nlog_level = info\n"
               "auth_fail_limit = 0\n", db, blobs);
    fclose(f);
    if (hx_token(srv.bin, srv.conf, "admin", "h-admin", t_admin, sizeof t_admin) ||
        hx_token(srv.bin, srv.conf, "operator", "h-oper", t_oper, sizeof t_oper) ||
        hx_token(srv.bin, srv.conf, "viewer", "h-view", t_view, sizeof t_view) ||
        hx_token(srv.bin, srv.conf, "viewer", "h-gone", t_gone, sizeof t_gone))
        return -1;
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "'%s' token revoke --config '%s' h-gone >/dev/null 2>&1", srv.bin, srv.conf);
    if (system(cmd) != 0)
        return -1;
    if (hx_otad_start(&srv) < 0)
        return -1;

    json_t *j = api("POST", "/api/v1/products", A_ADMIN CT_JSON, "{\"key\":\"hx-meter\",\"name\":\"Hostile meter\"}", 0, 201);
    if (!j)
        return -1;
    snprintf(dkey, sizeof dkey, "%s", json_string_value(json_object_get(j, "device_key")) ?: "");
    json_decref(j);
    j = api("POST", "/api/v1/products", A_ADMIN CT_JSON, "{\"key\":\"hx-other\",\"name\":\"Other\"}", 0, 201);
    if (!j)
        return -1;
    snprintf(okey, sizeof okey, "%s", json_string_value(json_object_get(j, "device_key")) ?: "");
    json_decref(j);
    const char *devs = "[{\"id\":\"dev-1\",\"versions\":{\"module\":\"1.0.0\"}},"
                       "{\"id\":\"dev-2\",\"versions\":{\"module\":\"1.0.0\"}}]";
    if (!(j = api("POST", "/api/v1/products/hx-meter/devices", A_ADMIN CT_JSON, devs, strlen(devs), 200)) &&
        !(j = api("POST", "/api/v1/products/hx-meter/devices", A_ADMIN CT_JSON, devs, strlen(devs), 201)))
        return -1;
    json_decref(j);

    char file[4096];
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (char)('a' + i % 26);
    char up[8192];
    int n = snprintf(up, sizeof up,
                     MP_META("{\"component\":\"module\",\"kind\":\"full\",\"target_version\":\"2.0.0\"}")
                     "--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fw.bin\"\r\n\r\n");
    memcpy(up + n, file, sizeof file);
    n += (int)sizeof file;
    n += snprintf(up + n, sizeof up - (size_t)n, "\r\n" MP_END);
    if (!(j = api("POST", "/api/v1/packages", UP, up, (size_t)n, 201)))
        return -1;
    pkg_id = (long)json_integer_value(json_object_get(j, "id"));
    json_decref(j);

    size_t pl;
    char *plan = subst(PLAN(",\"mode\":\"silent\""), strlen(PLAN(",\"mode\":\"silent\"")), &pl);
    if (!(j = api("POST", "/api/v1/plans", OPJ, plan, pl, 201)))
        return -1;
    splan_id = (long)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    if (!(j = api("POST", "/api/v1/plans", OPJ, plan, pl, 201)))
        return -1;
    aplan_id = (long)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    free(plan);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/plans/%ld/activate", aplan_id);
    if (!(j = api("POST", path, A_OPER, NULL, 0, 200)))
        return -1;
    json_decref(j);
    const char *who[2] = {"dev-1", "dev-2"};
    char *toks[2] = {dtok, dtok2};
    for (int i = 0; i < 2; i++) {
        char tp[96];
        snprintf(tp, sizeof tp, "/api/v1/products/hx-meter/devices/%s/token", who[i]);
        if (!(j = api("POST", tp, A_ADMIN, NULL, 0, 201)))
            return -1;
        snprintf(toks[i], sizeof dtok, "%s", json_string_value(json_object_get(j, "token")) ?: "");
        json_decref(j);
    }
    snprintf(dtokcut, sizeof dtokcut, "%.*s", (int)strlen(dtok) - 1, dtok);
    const char *ci = "{\"device\":\"dev-1\",\"product\":\"hx-meter\",\"versions\":{\"module\":\"1.0.0\"}}";
    if (!(j = api("POST", "/api/v1/device/checkin", DEV, ci, strlen(ci), 200)))
        return -1;
    job_id = (long)json_integer_value(json_object_get(json_object_get(j, "job"), "id"));
    json_decref(j);
    if (job_id <= 0)
        return -1;
    hx_db_print(db, &base_db);
    base_tree = hx_tree_print(blobs, &base_files);
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    setenv("TZ", "UTC", 1);
    int rc = setup();
    ok(rc == 0, "otad runs on 127.0.0.1:%d with products, devices, a package, a saved and an active plan, a job",
       srv.port);
    if (rc != 0) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "tail -20 '%s' | sed 's/^/#   /'", srv.log);
        if (system(cmd) != 0) {}
        hx_otad_stop(&srv, SIGKILL);
        hx_rmrf(dir);
        return tap_done();
    }
    ok(hx_healthy(srv.port), "healthz before the storm (db: %s)", base_db.detail);
    for (size_t i = 0; i < NCASES; i++)
        run_case(&cases[i]);
    truncated_bodies();
    slow_loris();
    int st = hx_otad_stop(&srv, SIGTERM);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "otad stops cleanly on SIGTERM after %zu hostile requests", NCASES);
    if (tap_failed) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "grep -v ' info ' '%s' | grep -E 'ERROR|SUMMARY|#[0-9]+ 0x|runtime error' | head -30 | sed 's/^/#   otad: /'", srv.log);
        if (system(cmd) != 0) {}
    }
    hx_rmrf(dir);
    return tap_done();
}
