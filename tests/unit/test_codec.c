/* The JSON codec: every encoder's shape as in API.md, round trips through
 * the decoders, and the strict refusals (wrong types, unknown fields, values
 * past their limits, malformed text). */
#include <stdlib.h>
#include <string.h>
#include "codec_fixture.h"

static void test_package(void)
{
    ota_package p = {.id = 5, .created_at = 1798761600};
    strcpy(p.meta.component, "module");
    p.meta.kind = OTA_KIND_DIFF;
    strcpy(p.meta.target_version, "1.2.0");
    strcpy(p.meta.source_version, "1.1.0");
    strcpy(p.meta.remark, "三季度模组升级");
    p.nfiles = 2;
    strcpy(p.files[0].name, "fw.bin");
    p.files[0].size = 104857600;
    memset(p.files[0].sha256, 'a', 64);
    strcpy(p.files[1].name, "app.tar.gz");
    p.files[1].size = 0;
    memset(p.files[1].sha256, '0', 64);

    char *s = dump(ota_json_package(&p));
    is_str(s, "{\"component\":\"module\",\"created_at\":\"2027-01-01T00:00:00Z\",\"files\":["
              "{\"name\":\"fw.bin\",\"sha256\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "\",\"size\":104857600},{\"name\":\"app.tar.gz\",\"sha256\":\""
              "0000000000000000000000000000000000000000000000000000000000000000\",\"size\":0}],"
              "\"id\":5,\"kind\":\"diff\",\"remark\":\"三季度模组升级\",\"source_version\":\"1.1.0\","
              "\"target_version\":\"1.2.0\"}",
           "package encodes to the API.md shape");

    ota_package q;
    ota_err e = {0};
    json_t *j = parse(s);
    ok_call(ota_package_from_json(j, &q, &e), &e, "package decodes");
    json_decref(j);
    ok(!memcmp(&p.meta, &q.meta, sizeof p.meta) && q.id == 5 && q.created_at == p.created_at &&
           q.nfiles == 2 && q.files[0].size == 104857600 && !strcmp(q.files[1].name, "app.tar.gz"),
       "package round trip keeps every field");
    free(s);

    p.meta.source_version[0] = '\0';
    p.meta.kind = OTA_KIND_FULL;
    j = ota_json_package(&p);
    ok(json_is_null(json_object_get(j, "source_version")), "empty source_version encodes as null");
    json_decref(j);
}

static void test_meta_refusals(void)
{
    ota_package_meta m;
    DECODE_FAILS("{\"component\":7,\"kind\":\"full\",\"target_version\":\"1\"}", ota_package_meta_from_json,
                 &m, OTA_E_BAD_REQUEST, "component", "meta: wrong type names the field");
    DECODE_FAILS("{\"component\":\"m\",\"kind\":\"full\",\"target_version\":\"1\",\"colour\":\"red\"}",
                 ota_package_meta_from_json, &m, OTA_E_BAD_REQUEST, "colour", "meta: unknown field refused");
    DECODE_FAILS("{\"component\":\"m\",\"kind\":\"half\",\"target_version\":\"1\"}", ota_package_meta_from_json,
                 &m, OTA_E_VALIDATION, "kind", "meta: unknown kind refused");
    DECODE_FAILS("{\"component\":\"m\",\"kind\":\"full\"}", ota_package_meta_from_json, &m, OTA_E_VALIDATION,
                 "target_version", "meta: missing target_version refused");

    /* 200 CJK characters fit (600 bytes), 201 do not */
    char buf[2048], remark[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(remark, "升");
    snprintf(buf, sizeof buf, "{\"component\":\"m\",\"kind\":\"full\",\"target_version\":\"1\",\"remark\":\"%s\"}",
             remark);
    json_t *j = parse(buf);
    ota_err e = {0};
    ok_call(ota_package_meta_from_json(j, &m, &e), &e, "meta: remark of 200 CJK characters accepted");
    is_int(strlen(m.remark), 600, "meta: remark kept whole (600 bytes)");
    json_decref(j);
    strcat(remark, "级");
    snprintf(buf, sizeof buf, "{\"component\":\"m\",\"kind\":\"full\",\"target_version\":\"1\",\"remark\":\"%s\"}",
             remark);
    j = parse(buf);
    ok(ota_package_meta_from_json(j, &m, &e) < 0 && e.code == OTA_E_VALIDATION && !strcmp(e.field, "remark") &&
           strstr(e.message, "at most 200 characters (got 201)"),
       "meta: remark of 201 characters refused naming the rule");
    json_decref(j);

    char longkey[100];
    memset(longkey, 'v', 65);
    longkey[65] = '\0';
    snprintf(buf, sizeof buf, "{\"component\":\"m\",\"kind\":\"full\",\"target_version\":\"%s\"}", longkey);
    DECODE_FAILS(buf, ota_package_meta_from_json, &m, OTA_E_VALIDATION, "target_version",
                 "meta: 65-byte version refused, not truncated");
    longkey[64] = '\0';
    snprintf(buf, sizeof buf, "{\"component\":\"m\",\"kind\":\"full\",\"target_version\":\"%s\"}", longkey);
    j = parse(buf);
    ok_call(ota_package_meta_from_json(j, &m, &e), &e, "meta: 64-byte version accepted");
    json_decref(j);
}

static const char *plan_text =
    "{\"id\":17,\"name\":\"三季度模组升级\",\"product\":\"EC600N-meter\",\"state\":\"saved\",\"revision\":3,"
    "\"blacklist\":[\"dev-9\"],\"whitelist\":[],\"mode\":\"confirm\","
    "\"strategy\":{\"retries\":2,\"min_rsrp\":-110,\"min_battery\":20},"
    "\"window\":{\"start\":\"2026-12-01T00:00:00Z\",\"end\":\"2026-12-31T00:00:00Z\"},"
    "\"components\":[{\"component\":\"module\",\"package_id\":5},{\"component\":\"mcu\",\"package_id\":6}]}";

static void test_plan(void)
{
    ota_plan p, q;
    ota_product pr;
    ota_err e = {0};
    json_t *j = parse(plan_text);
    ok_call(ota_plan_from_json(j, &p, &e), &e, "plan: API.md example decodes");
    json_decref(j);
    ok(p.id == 17 && p.revision == 3 && p.mode == OTA_MODE_CONFIRM && p.retries == 2 && p.min_rsrp == -110 &&
           p.min_battery == 20 && p.blacklist.n == 1 && !strcmp(p.blacklist.v[0], "dev-9") &&
           p.whitelist.n == 0 && p.ncomponents == 2 && p.components[1].package_id == 6 &&
           p.window_end - p.window_start == 30 * 86400 && p.job_timeout == 3600,
       "plan: every field decoded, job_timeout defaulted");

    j = ota_json_plan(&p);
    static const char *const api_keys[] = {"id", "name", "product", "state", "revision", "blacklist",
                                           "whitelist", "mode", "strategy", "window", "components", NULL};
    int have = 1;
    for (const char *const *k = api_keys; *k; k++)
        have &= json_object_get(j, *k) != NULL;
    ok(have, "plan: encoding has every API.md key");
    is_str(json_string_value(json_object_get(json_object_get(j, "window"), "start")), "2026-12-01T00:00:00Z",
           "plan: window times in RFC 3339 UTC");
    ok(json_is_null(json_object_get(j, "activated_at")), "plan: never activated encodes as null");
    ok_call(ota_plan_from_json(j, &q, &e), &e, "plan: own encoding decodes");
    json_decref(j);
    ok(!strcmp(p.name, q.name) && p.window_start == q.window_start && q.ncomponents == 2 &&
           q.blacklist.n == 1 && q.mode == p.mode && q.min_rsrp == p.min_rsrp,
       "plan: round trip keeps every field");
    ota_plan_free(&p);
    ota_plan_free(&q);

    DECODE_FAILS("{\"name\":\"x\",\"product\":\"p\",\"window\":{\"start\":\"2026-12-01T00:00:00Z\","
                 "\"end\":\"2026-12-02T00:00:00Z\"},\"priority\":1}",
                 ota_plan_from_json, &p, OTA_E_BAD_REQUEST, "priority", "plan: unknown field refused");
    DECODE_FAILS("{\"name\":\"x\",\"product\":\"p\",\"strategy\":{\"retries\":\"2\"}}", ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "strategy.retries", "plan: wrong type names the nested field");
    DECODE_FAILS("{\"name\":\"x\",\"product\":\"p\",\"strategy\":{\"retry\":2}}", ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "strategy.retry", "plan: unknown nested field refused");
    DECODE_FAILS("{\"name\":\"x\",\"product\":\"p\",\"window\":{\"start\":\"tomorrow\",\"end\":\"2026-12-02T00:00:00Z\"}}",
                 ota_plan_from_json, &p, OTA_E_BAD_REQUEST, "window.start", "plan: bad time refused");
    DECODE_FAILS("{\"name\":\"x\",\"product\":\"p\",\"window\":{\"start\":\"2026-12-01T00:00:00Z\","
                 "\"end\":\"2026-12-02T00:00:00Z\"},\"components\":[{\"component\":\"m\",\"package_id\":\"5\"}]}",
                 ota_plan_from_json, &p, OTA_E_BAD_REQUEST, "components[0].package_id",
                 "plan: component package_id type names the element");
    DECODE_FAILS("{\"name\":\"x\",\"product\":\"p\",\"blacklist\":[\"a\",3]}", ota_plan_from_json, &p,
                 OTA_E_BAD_REQUEST, "blacklist[1]", "plan: blacklist element type refused");
    DECODE_FAILS("{\"name\":\"x\",\"product\":\"p\",\"mode\":\"loud\"}", ota_plan_from_json, &p, OTA_E_VALIDATION,
                 "mode", "plan: unknown mode refused");
    DECODE_FAILS("[1,2]", ota_plan_from_json, &p, OTA_E_BAD_REQUEST, "body", "plan: an array is not a plan");
    DECODE_FAILS("{\"name\":\"x\",\"product\":\"p\",\"strategy\":{\"retries\":99999999999}}", ota_plan_from_json,
                 &p, OTA_E_BAD_REQUEST, "strategy.retries", "plan: integer out of range refused");

    char buf[1024], name[512] = "";
    for (int i = 0; i < 101; i++)
        strcat(name, "划");
    snprintf(buf, sizeof buf, "{\"name\":\"%s\",\"product\":\"p\"}", name);
    DECODE_FAILS(buf, ota_plan_from_json, &p, OTA_E_VALIDATION, "name", "plan: 101-character name refused");

    /* the byte limits of fixed buffers are refused at decoding, never truncated */
    char key[80];
    memset(key, 'k', 65);
    key[65] = '\0';
    snprintf(buf, sizeof buf, "{\"name\":\"x\",\"product\":\"%s\"}", key);
    DECODE_FAILS(buf, ota_plan_from_json, &p, OTA_E_VALIDATION, "product", "plan: 65-byte product key refused");
    snprintf(buf, sizeof buf, "{\"name\":\"x\",\"product\":\"p\",\"window\":{\"start\":\"2026-12-01T00:00:00Z\","
             "\"end\":\"2026-12-02T00:00:00Z\"},\"components\":[{\"component\":\"%s\",\"package_id\":1}]}", key);
    DECODE_FAILS(buf, ota_plan_from_json, &p, OTA_E_VALIDATION, "components[0].component",
                 "plan: 65-byte component name refused");
    snprintf(buf, sizeof buf, "{\"key\":\"%s\",\"name\":\"n\"}", key);
    DECODE_FAILS(buf, ota_product_from_json, &pr, OTA_E_VALIDATION, "key", "product: 65-byte key refused");
    key[64] = '\0';
    snprintf(buf, sizeof buf, "{\"key\":\"%s\",\"name\":\"n\"}", key);
    j = parse(buf);
    ok_call(ota_product_from_json(j, &pr, &e), &e, "product: 64-byte key accepted");
    json_decref(j);

    char many[2048];
    size_t off = (size_t)snprintf(many, sizeof many, "{\"name\":\"x\",\"product\":\"p\",\"window\":"
                                  "{\"start\":\"2026-12-01T00:00:00Z\",\"end\":\"2026-12-02T00:00:00Z\"},"
                                  "\"components\":[");
    for (int i = 0; i < 33; i++)
        off += (size_t)snprintf(many + off, sizeof many - off, "%s{\"component\":\"c%d\",\"package_id\":%d}",
                                i ? "," : "", i, i + 1);
    snprintf(many + off, sizeof many - off, "]}");
    DECODE_FAILS(many, ota_plan_from_json, &p, OTA_E_VALIDATION, "components", "plan: 33 components refused");
}

static void test_small_shapes(void)
{
    ota_preview pv = {.targeted = 10, .blacklisted = 1, .not_whitelisted = 2, .version_mismatch = 3,
                      .deferred_battery = 4, .deferred_rsrp = 5};
    char *s = dump(ota_json_preview(&pv));
    is_str(s, "{\"deferred_now\":{\"battery\":4,\"rsrp\":5},\"excluded\":{\"blacklisted\":1,"
              "\"not_whitelisted\":2,\"version_mismatch\":3},\"targeted\":10}",
           "preview shape");
    ota_preview pv2;
    ota_err e = {0};
    json_t *j = parse(s);
    ok_call(ota_preview_from_json(j, &pv2, &e), &e, "preview decodes");
    ok(!memcmp(&pv, &pv2, sizeof pv), "preview round trip");
    json_decref(j);
    free(s);

    ota_plan_status st = {.state = OTA_PLAN_UPGRADING, .revision = 4, .last_seq = 99};
    for (int i = 0; i < OTA_JOB__COUNT; i++)
        st.counts[i] = i * 10;
    j = ota_json_status(&st);
    json_t *c = json_object_get(j, "counts");
    ok(json_object_size(c) == 8 && json_integer_value(json_object_get(c, "awaiting_confirmation")) == 20 &&
           !strcmp(json_string_value(json_object_get(j, "state")), "upgrading"),
       "status shape: eight counts by job state name");
    ota_plan_status st2;
    ok_call(ota_status_from_json(j, &st2, &e), &e, "status decodes");
    ok(!memcmp(&st, &st2, sizeof st), "status round trip");
    json_decref(j);

    ota_job_row r = {.job_id = 3, .state = OTA_JOB_PENDING, .attempt = 1, .progress = 0, .updated_at = 1};
    strcpy(r.device, "dev-000001");
    strcpy(r.reason, "battery");
    j = ota_json_job_row(&r);
    ok(!strcmp(json_string_value(json_object_get(j, "reason")), "battery") &&
           json_is_null(json_object_get(j, "error")) &&
           !strcmp(json_string_value(json_object_get(j, "updated_at")), "1970-01-01T00:00:01Z"),
       "job row shape");
    ota_job_row r2;
    ok_call(ota_job_row_from_json(j, &r2, &e), &e, "job row decodes");
    ok(!memcmp(&r, &r2, sizeof r), "job row round trip");
    json_decref(j);

    ota_event evs[2] = {{.seq = 1, .at = 100, .from = "saved", .to = "active"},
                        {.seq = 2, .at = 200, .device = "dev-1", .from = "pending", .to = "offered"}};
    ota_event_page ep = {evs, 2, 2}, ep2;
    s = dump(ota_json_events(&ep));
    is_str(s, "{\"events\":[{\"at\":\"1970-01-01T00:01:40Z\",\"device\":null,\"from\":\"saved\",\"seq\":1,"
              "\"to\":\"active\"},{\"at\":\"1970-01-01T00:03:20Z\",\"device\":\"dev-1\",\"from\":\"pending\","
              "\"seq\":2,\"to\":\"offered\"}],\"last_seq\":2}",
           "events shape, plan events have device null");
    j = parse(s);
    ok_call(ota_events_from_json(j, &ep2, &e), &e, "events decode");
    ok(ep2.n == 2 && !memcmp(evs, ep2.items, sizeof evs) && ep2.last_seq == 2, "events round trip");
    free(ep2.items);
    json_decref(j);
    free(s);

    ota_verify_result v = {.ok = false, .nfiles = 2};
    strcpy(v.files[0].name, "a.bin");
    v.files[0].ok = true;
    strcpy(v.files[1].name, "b.bin");
    strcpy(v.files[1].error, "sha256 differs");
    s = dump(ota_json_verify(&v));
    is_str(s, "{\"files\":[{\"error\":null,\"name\":\"a.bin\",\"ok\":true},{\"error\":\"sha256 differs\","
              "\"name\":\"b.bin\",\"ok\":false}],\"ok\":false}",
           "verify shape");
    ota_verify_result v2;
    j = parse(s);
    ok_call(ota_verify_from_json(j, &v2, &e), &e, "verify decodes");
    ok(!memcmp(&v, &v2, sizeof v), "verify round trip");
    json_decref(j);
    free(s);
}

static void test_device_product(void)
{
    ota_device d = {.has_rsrp = true, .rsrp = -95, .nversions = 2};
    strcpy(d.id, "dev-000001");
    strcpy(d.product, "EC600N-meter");
    strcpy(d.versions[0].component, "module");
    strcpy(d.versions[0].version, "1.0.0");
    strcpy(d.versions[1].component, "mcu");
    strcpy(d.versions[1].version, "2.1");
    char *s = dump(ota_json_device(&d));
    is_str(s, "{\"battery\":null,\"credential\":\"none\",\"credential_at\":null,\"id\":\"dev-000001\","
              "\"last_seen\":null,\"product\":\"EC600N-meter\","
              "\"rsrp\":-95,\"versions\":{\"mcu\":\"2.1\",\"module\":\"1.0.0\"}}",
           "device shape (with its credential)");
    ota_device d2;
    ota_err e = {0};
    json_t *j = parse(s);
    ok_call(ota_device_from_json(j, &d2, &e), &e, "device decodes");
    ok(!strcmp(d2.id, d.id) && d2.nversions == 2 && d2.has_rsrp && d2.rsrp == -95 && !d2.has_battery &&
           !strcmp(ota_device_version(&d2, "mcu"), "2.1"),
       "device round trip");
    json_decref(j);
    free(s);
    DECODE_FAILS("{\"id\":\"d\",\"versions\":{\"module\":1}}", ota_device_from_json, &d2, OTA_E_BAD_REQUEST,
                 "versions.module", "device: version must be a string");
    DECODE_FAILS("{\"id\":\"d\"}", ota_device_from_json, &d2, OTA_E_VALIDATION, "versions",
                 "device: versions required");

    ota_product p = {.key = "EC600N-meter", .name = "Smart water meter (EC600N)"}, p2;
    j = ota_json_product(&p);
    ok(json_object_size(j) == 4 && !strcmp(json_string_value(json_object_get(j, "device_auth")), "product_key") &&
           !strcmp(json_string_value(json_object_get(j, "enrollment")), "open"),
       "product without created_at has key, name, device_auth and enrollment only");
    ok_call(ota_product_from_json(j, &p2, &e), &e, "product decodes");
    ok(!strcmp(p2.name, p.name) && !strcmp(p2.key, p.key), "product round trip");
    json_decref(j);
    DECODE_FAILS("{\"key\":\"k\",\"name\":\"n\",\"owner\":\"x\"}", ota_product_from_json, &p2, OTA_E_BAD_REQUEST,
                 "owner", "product: unknown field refused");
}

/* The shapes the remote backend sends and reads beside the main types. */
static int dec_product_added(json_t *j, ota_product *p, ota_err *e)
{
    char key[65];
    return ota_product_added_from_json(j, p, key, e);
}

static int dec_device_detail(json_t *j, ota_device *d, ota_err *e)
{
    json_t *attrs = NULL;
    int rc = ota_device_detail_from_json(j, d, &attrs, e);
    ok(rc == 0 || attrs == NULL, "no attributes handed out on a refusal");
    json_decref(attrs);
    return rc;
}

static int dec_page(json_t *j, json_t **items, ota_err *e) { return ota_page_from_json(j, items, NULL, e); }

static void test_backend_shapes(void)
{
    ota_product p = {.key = "EC600N-meter", .name = "Meter", .created_at = 1798761600}, p2;
    char key[65] = "x";
    ota_err e = {0};
    char *s = dump(ota_json_product_added(&p, "ab12"));
    is_str(s, "{\"created_at\":\"2027-01-01T00:00:00Z\",\"device_auth\":\"product_key\",\"device_key\":\"ab12\","
              "\"enrollment\":\"open\",\"key\":\"EC600N-meter\",\"name\":\"Meter\"}",
           "product added: the product and its device key");
    json_t *j = parse(s);
    ok_call(ota_product_added_from_json(j, &p2, key, &e), &e, "product added decodes");
    ok(!strcmp(key, "ab12") && !strcmp(p2.key, p.key) && p2.created_at == p.created_at, "product added round trip");
    json_decref(j);
    free(s);
    DECODE_FAILS("{\"key\":\"k\",\"name\":\"n\"}", dec_product_added, &p2, OTA_E_VALIDATION,
                 "device_key", "product added: device key required");

    ota_device d = {.id = "dev-1", .product = "EC600N-meter", .nversions = 1, .has_battery = true, .battery = 80}, d2;
    strcpy(d.versions[0].component, "module");
    strcpy(d.versions[0].version, "1.0.0");
    s = dump(ota_json_device_detail(&d, json_pack("{s:s}", "board", "rev-b")));
    is_str(s, "{\"attributes\":{\"board\":\"rev-b\"},\"battery\":80,\"credential\":\"none\",\"credential_at\":null,"
              "\"id\":\"dev-1\",\"last_seen\":null,"
              "\"product\":\"EC600N-meter\",\"rsrp\":null,\"versions\":{\"module\":\"1.0.0\"}}",
           "device detail: the device with its attributes");
    j = parse(s);
    json_t *attrs = NULL;
    ok_call(ota_device_detail_from_json(j, &d2, &attrs, &e), &e, "device detail decodes");
    ok(!memcmp(&d, &d2, sizeof d), "device detail round trip");
    is_str(json_string_value(json_object_get(attrs, "board")), "rev-b", "attributes handed out");
    json_decref(attrs);
    json_decref(j);
    free(s);
    s = dump(ota_json_device_detail(&d, NULL));
    j = parse(s);
    ok_call(ota_device_detail_from_json(j, &d2, NULL, &e), &e, "no attributes: {} (and attrs not asked for)");
    ok(strstr(s, "\"attributes\":{}") != NULL, "attributes {} when none");
    json_decref(j);
    free(s);
    DECODE_FAILS("{\"id\":\"d\",\"versions\":{},\"attributes\":{\"board\":1}}", dec_device_detail, &d2,
                 OTA_E_BAD_REQUEST, "attributes.board", "device detail: an attribute that is not a string");
    DECODE_FAILS("{\"id\":\"d\",\"versions\":{}}", dec_device_detail, &d2, OTA_E_VALIDATION,
                 "attributes", "device detail: attributes required");
    DECODE_FAILS("{\"id\":\"d\",\"versions\":{},\"attributes\":{}}", ota_device_from_json, &d2, OTA_E_BAD_REQUEST,
                 "attributes", "a plain device still refuses attributes");

    char cursor[OTA_CURSOR_MAX] = "x";
    json_t *items;
    j = ota_json_page(json_pack("[i,i]", 1, 2), "c2");
    ok_call(ota_page_from_json(j, &items, cursor, &e), &e, "page decodes");
    ok(json_array_size(items) == 2 && !strcmp(cursor, "c2"), "page: items and next cursor");
    json_decref(j);
    j = ota_json_page(NULL, NULL);
    ok_call(ota_page_from_json(j, &items, cursor, &e), &e, "last page decodes");
    ok(json_array_size(items) == 0 && cursor[0] == 0, "last page: next cursor null gives \"\"");
    json_decref(j);
    DECODE_FAILS("{\"items\":{}}", dec_page, &items, OTA_E_BAD_REQUEST, "items",
                 "page: items must be an array");
    DECODE_FAILS("{\"items\":[],\"total\":3}", dec_page, &items, OTA_E_BAD_REQUEST, "total",
                 "page: unknown field refused");

    ota_signature sig = {.key_id = "0123456789abcdef", .signer = "qa", .signature = "c2ln"}, sig2;
    s = dump(ota_json_signature_add(&sig));
    is_str(s, "{\"key_id\":\"0123456789abcdef\",\"signature\":\"c2ln\",\"signer\":\"qa\"}",
           "signature body without a public key");
    free(s);
    strcpy(sig.public_key, "cGs=");
    j = ota_json_signature_add(&sig);
    ok_call(ota_signature_from_json(j, &sig2, &e), &e, "signature body decodes");
    ok(!memcmp(&sig, &sig2, sizeof sig), "signature body round trip, public key included");
    json_decref(j);

    s = dump(ota_json_job_confirm(NULL));
    is_str(s, "{}", "confirm without a device");
    free(s);
    s = dump(ota_json_job_confirm("dev-1"));
    is_str(s, "{\"device\":\"dev-1\"}", "confirm naming the device");
    free(s);
    s = dump(ota_json_job_report("dev-1", OTA_JOB_FAILED, 40, "flash error"));
    is_str(s, "{\"device\":\"dev-1\",\"error\":\"flash error\",\"progress\":40,\"state\":\"failed\"}",
           "report with an error");
    free(s);
    s = dump(ota_json_job_report(NULL, OTA_JOB_DOWNLOADING, 0, ""));
    is_str(s, "{\"progress\":0,\"state\":\"downloading\"}", "report without device or error");
    free(s);
}

/* Like DECODE_FAILS, and the message too, byte for byte (otad answers it). */
#define DECODE_FAILS_MSG(text, dec, out, want_code, want_field, want_msg, name)                    \
    do {                                                                                          \
        ota_err e_ = {0};                                                                         \
        json_t *j_ = ota_json_parse(text, strlen(text), &e_);                                     \
        int rc_ = j_ ? dec(j_, out, &e_) : -1;                                                    \
        int same_ = rc_ < 0 && e_.code == (want_code) && !strcmp(e_.field, want_field) &&        \
                    !strcmp(e_.message, want_msg);                                                \
        ok(same_, "%s", name);                                                                    \
        if (!same_)                                                                               \
            printf("#   got %s: %s: %s\n", ota_code_str(e_.code), e_.field, e_.message);         \
        json_decref(j_);                                                                          \
    } while (0)

/* The device's confirm and report bodies as otad reads them, and the
 * device import's answer. */
static void test_device_bodies(void)
{
    ota_err e = {0};
    ota_job_req q;
    json_t *j = ota_json_job_confirm(NULL);
    ok_call(ota_job_confirm_from_json(j, &q, &e), &e, "confirm {} decodes");
    ok(q.device == NULL, "  no device");
    json_decref(j);
    j = ota_json_job_confirm("dev-1");
    ok_call(ota_job_confirm_from_json(j, &q, &e), &e, "confirm naming the device decodes");
    is_str(q.device, "dev-1", "  the device, borrowed from the body");
    json_decref(j);
    DECODE_FAILS_MSG("[]", ota_job_confirm_from_json, &q, OTA_E_BAD_REQUEST, "",
                     "the body must be a JSON object", "confirm: the body must be an object");
    DECODE_FAILS_MSG("{\"device\":7}", ota_job_confirm_from_json, &q, OTA_E_BAD_REQUEST, "device",
                     "must be a string", "confirm: device must be a string");
    DECODE_FAILS_MSG("{\"state\":\"succeeded\"}", ota_job_confirm_from_json, &q, OTA_E_BAD_REQUEST, "state",
                     "unknown field", "confirm: any other member is an unknown field");
    DECODE_FAILS_MSG("{\"x\":1,\"device\":[]}", ota_job_confirm_from_json, &q, OTA_E_BAD_REQUEST, "device",
                     "must be a string", "confirm: the device is checked before the other members");

    j = ota_json_job_report("dev-1", OTA_JOB_FAILED, 40, "flash error");
    ok_call(ota_job_report_from_json(j, &q, &e), &e, "report decodes");
    ok(q.state == OTA_JOB_FAILED && q.progress == 40 && !strcmp(q.device, "dev-1") &&
           !strcmp(q.error, "flash error"), "report round trip");
    json_decref(j);
    j = parse("{\"state\":\"installing\",\"error\":null}");
    ok_call(ota_job_report_from_json(j, &q, &e), &e, "report with only a state (error null) decodes");
    ok(q.state == OTA_JOB_INSTALLING && q.progress == 0 && !q.device && !q.error,
       "  progress 0, no device, no error");
    json_decref(j);
    j = parse("{\"state\":\"downloading\",\"progress\":100}");
    ok_call(ota_job_report_from_json(j, &q, &e), &e, "report: progress 100 is accepted");
    json_decref(j);
    DECODE_FAILS_MSG("[\"failed\"]", ota_job_report_from_json, &q, OTA_E_BAD_REQUEST, "",
                     "the body must be a JSON object", "report: the body must be an object");
    DECODE_FAILS_MSG("{\"device\":null,\"state\":\"failed\"}", ota_job_report_from_json, &q, OTA_E_BAD_REQUEST,
                     "device", "must be a string", "report: device must be a string");
    DECODE_FAILS_MSG("{\"progress\":5}", ota_job_report_from_json, &q, OTA_E_BAD_REQUEST, "state",
                     "is required", "report: state is required");
    DECODE_FAILS_MSG("{\"state\":\"offered\"}", ota_job_report_from_json, &q, OTA_E_VALIDATION, "state",
                     "must be downloading, installing, succeeded or failed (got 'offered')",
                     "report: a state no device may report");
    DECODE_FAILS_MSG("{\"state\":\"done\"}", ota_job_report_from_json, &q, OTA_E_VALIDATION, "state",
                     "must be downloading, installing, succeeded or failed (got 'done')",
                     "report: a word that is no state");
    DECODE_FAILS_MSG("{\"state\":1}", ota_job_report_from_json, &q, OTA_E_BAD_REQUEST, "state",
                     "wrong type", "report: state of the wrong type");
    DECODE_FAILS_MSG("{\"state\":\"failed\",\"progress\":\"50\"}", ota_job_report_from_json, &q,
                     OTA_E_BAD_REQUEST, "progress", "wrong type", "report: progress of the wrong type");
    DECODE_FAILS_MSG("{\"state\":\"failed\",\"error\":false}", ota_job_report_from_json, &q,
                     OTA_E_BAD_REQUEST, "error", "wrong type", "report: error of the wrong type");
    DECODE_FAILS_MSG("{\"state\":\"failed\",\"progress\":101}", ota_job_report_from_json, &q,
                     OTA_E_VALIDATION, "progress", "must be between 0 and 100", "report: progress past 100");
    DECODE_FAILS_MSG("{\"progress\":-1,\"state\":\"installing\"}", ota_job_report_from_json, &q,
                     OTA_E_VALIDATION, "progress", "must be between 0 and 100",
                     "report: negative progress (after the state's checks)");
    DECODE_FAILS_MSG("{\"progress\":-1}", ota_job_report_from_json, &q, OTA_E_BAD_REQUEST, "state",
                     "is required", "report: a missing state is said before the progress");
    DECODE_FAILS_MSG("{\"reason\":\"x\",\"state\":2}", ota_job_report_from_json, &q, OTA_E_BAD_REQUEST,
                     "reason", "unknown field", "report: members are checked in the order they came");
    for (int to = 0; to < OTA_JOB__COUNT; to++) {
        bool some = false;
        for (int from = 0; from < OTA_JOB__COUNT; from++)
            some = some || ota_job_report_allowed((ota_job_state)from, (ota_job_state)to);
        ok(ota_job_is_reportable((ota_job_state)to) == some, "%s reportable exactly when some state may report it",
           ota_job_state_str((ota_job_state)to));
    }
    ok(!ota_job_is_reportable(OTA_JOB__COUNT), "no state past the last is reportable");

    ota_import_result r = {.added = 3, .updated = 12}, r2;
    char *s = dump(ota_json_import_result(&r));
    is_str(s, "{\"added\":3,\"updated\":12}", "device import answer");
    j = parse(s);
    ok_call(ota_import_result_from_json(j, &r2, &e), &e, "device import answer decodes");
    ok(r2.added == 3 && r2.updated == 12, "device import answer round trip");
    json_decref(j);
    free(s);
    DECODE_FAILS("{\"added\":1}", ota_import_result_from_json, &r2, OTA_E_VALIDATION, "updated",
                 "import answer: updated is required");
    DECODE_FAILS("{\"added\":-1,\"updated\":0}", ota_import_result_from_json, &r2, OTA_E_BAD_REQUEST, "added",
                 "import answer: a negative count");
    DECODE_FAILS("{\"added\":\"1\",\"updated\":0}", ota_import_result_from_json, &r2, OTA_E_BAD_REQUEST,
                 "added", "import answer: a count that is not an integer");
    DECODE_FAILS("{\"added\":1,\"updated\":0,\"skipped\":2}", ota_import_result_from_json, &r2,
                 OTA_E_BAD_REQUEST, "skipped", "import answer: unknown field refused");
}

static void test_offer_checkin(void)
{
    ota_job_offer o = {.has_job = false}, o2 = {0};
    char *s = dump(ota_json_offer(&o));
    is_str(s, "{\"job\":null}", "no job encodes as {\"job\":null}");
    free(s);

    o.has_job = true;
    o.job_id = 9;
    o.plan_id = 17;
    o.mode = OTA_MODE_SILENT;
    o.state = OTA_JOB_OFFERED;
    ok(ota_job_offer_reserve(&o, 1, NULL) == 0, "room for one component");
    memset(o.components, 0, sizeof *o.components);
    o.ncomponents = 1;
    strcpy(o.components[0].component, "module");
    strcpy(o.components[0].version, "1.2.0");
    o.components[0].kind = OTA_KIND_FULL;
    o.components[0].package_id = 5;
    o.components[0].nfiles = 1;
    strcpy(o.components[0].files[0].name, "fw.bin");
    o.components[0].files[0].size = 3;
    memset(o.components[0].files[0].sha256, 'b', 64);
    json_t *j = ota_json_offer(&o);
    json_t *f = json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(j, "job"),
                                                                             "components"), 0), "files"), 0);
    is_str(json_string_value(json_object_get(f, "url")), "/api/v1/packages/5/files/fw.bin", "offer file url");
    ota_err e = {0};
    ok_call(ota_offer_from_json(j, &o2, &e), &e, "offer decodes");
    ok(o2.has_job && o2.job_id == 9 && o2.plan_id == 17 && o2.components[0].package_id == 5 &&
           o2.components[0].files[0].size == 3 && !strcmp(o2.components[0].version, "1.2.0"),
       "offer round trip (package id from the url)");
    json_decref(j);
    ota_job_offer_free(&o);
    ota_job_offer_free(&o2);

    ota_checkin_req r;
    j = parse("{\"device\":\"dev-1\",\"product\":\"EC600N-meter\",\"versions\":{\"module\":\"1.1.0\"},"
              "\"rsrp\":-95,\"battery\":80}");
    ok_call(ota_checkin_from_json(j, &r, &e), &e, "check-in (API.md example) decodes");
    ok(r.has_rsrp && r.rsrp == -95 && r.has_battery && r.battery == 80 && r.nversions == 1, "check-in fields");
    json_decref(j);
    j = ota_json_checkin(&r);
    ota_checkin_req r2;
    ok_call(ota_checkin_from_json(j, &r2, &e), &e, "check-in encoding decodes");
    ok(!memcmp(&r, &r2, sizeof r), "check-in round trip");
    json_decref(j);
    DECODE_FAILS("{\"device\":\"dev-1\",\"product\":\"p\",\"battery\":80.5}", ota_checkin_from_json, &r,
                 OTA_E_BAD_REQUEST, "battery", "check-in: fractional battery refused");
}

static void test_errors_and_parse(void)
{
    ota_err e = {0}, e2;
    ota_fail(&e, OTA_E_VALIDATION, "remark", "at most 200 characters (got 201)");
    char *s = dump(ota_json_error(&e));
    is_str(s, "{\"error\":{\"code\":\"validation_failed\",\"field\":\"remark\",\"message\":\"at most 200 "
              "characters (got 201)\"}}",
           "error body shape");
    json_t *j = parse(s);
    ok(ota_error_from_json(j, &e2) == 0 && e2.code == OTA_E_VALIDATION && !strcmp(e2.field, "remark"),
       "error body decodes");
    json_decref(j);
    free(s);
    ota_fail(&e, OTA_E_NOT_FOUND, NULL, "no plan 3");
    j = ota_json_error(&e);
    ok(!json_object_get(json_object_get(j, "error"), "field"), "error without field omits it");
    json_decref(j);

    j = ota_json_page(json_array(), "");
    s = dump(j);
    is_str(s, "{\"items\":[],\"next_cursor\":null}", "empty page: next_cursor null");
    free(s);
    s = dump(ota_json_page(json_array(), "abc"));
    is_str(s, "{\"items\":[],\"next_cursor\":\"abc\"}", "page with cursor");
    free(s);

    j = ota_json_parse("{\"a\":1,\n \"b\":}", 15, &e);
    ok(!j && e.code == OTA_E_BAD_REQUEST && !strcmp(e.field, "body") &&
           strstr(e.message, "invalid JSON at line 2 column"),
       "malformed JSON: bad_request with line and column (%s)", e.message);
    j = ota_json_parse("{\"a\":1,\"a\":2}", 13, &e);
    ok(!j && e.code == OTA_E_BAD_REQUEST, "duplicate keys refused");
    j = ota_json_parse("{\"a\":\"\\u0000\"}", 14, &e);
    ok(!j && e.code == OTA_E_BAD_REQUEST, "NUL inside a string refused");
    j = ota_json_parse("{\"a\":\"\xff\"}", 8, &e);
    ok(!j && e.code == OTA_E_BAD_REQUEST, "invalid UTF-8 refused");
    j = ota_json_parse("", 0, &e);
    ok(!j && e.code == OTA_E_BAD_REQUEST, "empty body refused");
    j = ota_json_parse("{}", (size_t)65 * 1024 * 1024, &e);
    ok(!j && e.code == OTA_E_TOO_LARGE, "body over the size cap refused before parsing");
}

/* ota_offer_text gives exactly json_dumps(ota_json_offer, JSON_COMPACT),
 * also from its per-thread cache, and a changed component is never
 * answered with an older text. */
static int offer_text_same(const ota_job_offer *o)
{
    json_t *j = ota_json_offer(o);
    char *want = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    size_t n = 0;
    char *got = ota_offer_text(o, &n);
    int same = want && got && n == strlen(want) && !strcmp(got, want);
    if (!same)
        printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want ? want : "(null)");
    free(want);
    free(got);
    return same;
}

static void fill_component(ota_offer_component *c, const char *name, const char *version, int64_t pkg)
{
    memset(c, 0, sizeof *c);
    snprintf(c->component, sizeof c->component, "%s", name);
    snprintf(c->version, sizeof c->version, "%s", version);
    c->kind = OTA_KIND_FULL;
    c->package_id = pkg;
    c->nfiles = 1;
    snprintf(c->files[0].name, sizeof c->files[0].name, "fw-%s.bin", name);
    c->files[0].size = 1048576;
    memset(c->files[0].sha256, 'a', 64);
}

static void test_offer_text(void)
{
    ota_job_offer o = {0};
    ok(offer_text_same(&o), "no job: the same text");
    ota_err re = {0};
    fails_with(ota_job_offer_reserve(&o, OTA_MAX_COMPONENTS + 1, &re), &re, OTA_E_VALIDATION,
               "an offer holds at most %d components", OTA_MAX_COMPONENTS);
    is_str(re.field, "components", "... naming the field");
    ok(ota_job_offer_reserve(&o, OTA_MAX_COMPONENTS, NULL) == 0, "room for every component");
    memset(o.components, 0, OTA_MAX_COMPONENTS * sizeof *o.components);
    o.has_job = true;
    o.job_id = 123456789012LL;
    o.plan_id = 7;
    o.mode = OTA_MODE_CONFIRM;
    o.ncomponents = 1;
    fill_component(&o.components[0], "module", "1.2.0", 5);
    ok(offer_text_same(&o), "one component: the same text");
    ok(offer_text_same(&o), "  again, from the cache");
    o.job_id = 1;
    o.mode = OTA_MODE_SILENT;
    ok(offer_text_same(&o), "another job of the same plan (cached component)");
    o.components[0].files[0].size = 1048577;
    ok(offer_text_same(&o), "a changed file size is not answered from the cache");
    o.components[0].nsignatures = 1;
    ota_signature *sg = &o.components[0].signatures[0];
    snprintf(sg->key_id, sizeof sg->key_id, "0123456789abcdef");
    snprintf(sg->signer, sizeof sg->signer, "release \"team\" 发布");
    memset(sg->signature, 'Q', 86);
    memcpy(sg->signature + 86, "==", 3);
    ok(offer_text_same(&o), "a signature added: the new text");
    o.ncomponents = 3;
    fill_component(&o.components[1], "mcu", "2.1", 6);
    fill_component(&o.components[2], "app", "3.0\t\x01", 8);
    o.components[2].kind = OTA_KIND_DIFF;
    snprintf(o.components[2].source_version, sizeof o.components[2].source_version, "2.9");
    ok(offer_text_same(&o), "three components, escapes in a version: the same text");
    o.ncomponents = 10;
    for (size_t i = 3; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%zu", i);
        fill_component(&o.components[i], name, "1.0", (int64_t)(10 + i));
    }
    ok(offer_text_same(&o), "ten components (more than the cache holds): the same text");
    o.ncomponents = 8;
    ok(offer_text_same(&o), "eight components, most of them cached: the same text");
    ota_job_offer_free(&o);
}

int main(void)
{
    test_package();
    test_meta_refusals();
    test_plan();
    test_small_shapes();
    test_device_product();
    test_backend_shapes();
    test_device_bodies();
    test_offer_checkin();
    test_offer_text();
    test_errors_and_parse();
    return tap_done();
}
