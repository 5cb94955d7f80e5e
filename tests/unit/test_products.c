/* Products (device keys shown once, stored hashed) and devices: upsert,
 * JSON and CSV import (all or nothing, errors naming line and column),
 * get, list with query and cursor paging. */
#include <string.h>
#include "fixture.h"

static const char *dir;

static void write_file(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static long count_devices(ota_engine *eng, const char *product)
{
    ota_err e = {0};
    ota_page_req pg = {.limit = 1000};
    ota_device_page page;
    if (ota_device_list(eng, product, NULL, &pg, &page, &e) < 0)
        return -1;
    long n = (long)page.n;
    ota_device_page_free(&page);
    return n;
}

static void test_products(ota_engine *eng)
{
    ota_err e = {0};
    char key[65] = "", key2[65] = "";
    ota_product p = {.key = "EC600N-meter", .name = "智能电表 smart meter"};
    ok_call(ota_product_add(eng, &p, key, &e), &e, "a product is added");
    is_int(strlen(key), 64, "its device key is 64 hex characters");
    fails_with(ota_product_add(eng, &p, key2, &e), &e, OTA_E_CONFLICT, "the same key again is a conflict");
    is_str(e.field, "key", "... naming key");
    ota_product q = {.key = "BG95-tracker", .name = "Asset tracker"};
    ok_call(ota_product_add(eng, &q, key2, &e), &e, "a second product");
    ok(strcmp(key, key2) != 0, "device keys are random per product");
    ota_product bad = {.key = "", .name = "x"};
    fails_with(ota_product_add(eng, &bad, NULL, &e), &e, OTA_E_VALIDATION, "a product without key is refused");

    ok(ota_product_check_device_key(eng, "EC600N-meter", key), "the shown key is accepted");
    ok(!ota_product_check_device_key(eng, "EC600N-meter", key2), "another product's key is refused");
    ok(!ota_product_check_device_key(eng, "nope", key), "an unknown product is refused");
    ok(!ota_product_check_device_key(eng, "EC600N-meter", ""), "an empty key is refused");
    ok(ota_product_check_device_key(eng, "EC600N-meter", key) && !ota_product_check_device_key(eng, "EC600N-meter", key2),
       "checked again (from the key cache): the same answers");
    char big[200];
    memset(big, 'p', sizeof big - 1);
    big[sizeof big - 1] = 0;
    ok(!ota_product_check_device_key(eng, big, key), "an over-long product name is refused");
    /* the key itself is not stored anywhere in the database */
    sqlite3 *db;
    sqlite3_open(ota_engine_db_path(eng), &db);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM products WHERE instr(CAST(device_key_hash AS TEXT), ?) > 0"
                           " OR hex(device_key_hash) = upper(?)", -1, &st, NULL);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_step(st);
    is_int(sqlite3_column_int(st, 0), 0, "only a hash of the device key is stored");
    sqlite3_finalize(st);
    sqlite3_close(db);

    ota_product got;
    ok_call(ota_product_get(eng, "EC600N-meter", &got, &e), &e, "get a product");
    is_str(got.name, "智能电表 smart meter", "... with its name");
    is_int(got.created_at, 1796083200, "... created at the fake clock's time");
    fails_with(ota_product_get(eng, "nope", &got, &e), &e, OTA_E_NOT_FOUND, "an unknown product is not found");
    ota_product_list l;
    ok_call(ota_product_list_all(eng, &l, &e), &e, "list products");
    ok(l.n == 2 && !strcmp(l.items[0].key, "BG95-tracker"), "both, ordered by key");
    ota_product_list_free(&l);
    /* a product added by another process is known at once (unknown
     * products are never cached) */
    ota_err oe = {0};
    ota_engine_opts oo = {.db_path = ota_engine_db_path(eng), .actor = "other"};
    ota_engine *other = ota_engine_open(&oo, &oe);
    char key3[65] = "";
    ok(!ota_product_check_device_key(eng, "elsewhere", key), "product elsewhere is unknown");
    ota_product r3 = {.key = "elsewhere", .name = "Added elsewhere"};
    ok(other && ota_product_add(other, &r3, key3, &oe) == 0, "another engine adds product elsewhere");
    ota_engine_close(other);
    ok(ota_product_check_device_key(eng, "elsewhere", key3), "  its key is accepted here at once");
    ok(!ota_product_check_device_key(eng, "elsewhere", key), "  and another key refused");

}

static void test_upsert(ota_engine *eng)
{
    ota_err e = {0};
    ota_device d[2] = {{.id = "dev-1", .nversions = 2, .has_battery = true, .battery = 80},
                       {.id = "dev-2", .nversions = 1}};
    strcpy(d[0].versions[0].component, "module");
    strcpy(d[0].versions[0].version, "1.0.0");
    strcpy(d[0].versions[1].component, "mcu");
    strcpy(d[0].versions[1].version, "2.1");
    strcpy(d[1].versions[0].component, "module");
    strcpy(d[1].versions[0].version, "1.1.0");
    ota_import_result r;
    ok_call(ota_device_upsert(eng, "EC600N-meter", d, 2, &r, &e), &e, "upsert two devices");
    ok(r.added == 2 && r.updated == 0, "both added");
    ota_device got;
    ok_call(ota_device_get(eng, "dev-1", &got, &e), &e, "get a device");
    ok(got.nversions == 2 && !strcmp(ota_device_version(&got, "mcu"), "2.1"), "with its versions");
    ok(got.has_battery && got.battery == 80 && !got.has_rsrp, "and its battery, no rsrp");
    is_str(got.product, "EC600N-meter", "and its product");

    d[0].nversions = 1;
    strcpy(d[0].versions[0].version, "1.2.0");
    d[0].has_battery = false;
    ok_call(ota_device_upsert(eng, "EC600N-meter", d, 1, &r, &e), &e, "upsert again");
    ok(r.added == 0 && r.updated == 1, "counted as updated");
    ota_device_get(eng, "dev-1", &got, &e);
    ok(got.nversions == 1 && !strcmp(got.versions[0].version, "1.2.0"), "versions replace the old ones");
    ok(got.has_battery && got.battery == 80, "telemetry not given stays");

    ota_device two[2] = {{.id = "dev-3"}, {.id = "bad id"}};
    fails_with(ota_device_upsert(eng, "EC600N-meter", two, 2, &r, &e), &e, OTA_E_VALIDATION,
               "a bad id fails the whole upsert");
    is_str(e.field, "devices[1].id", "... naming the device");
    fails_with(ota_device_get(eng, "dev-3", &got, &e), &e, OTA_E_NOT_FOUND, "and nothing was written");
    fails_with(ota_device_upsert(eng, "BG95-tracker", d, 1, &r, &e), &e, OTA_E_CONFLICT,
               "a device of another product is refused");
    fails_with(ota_device_upsert(eng, "nope", d, 1, &r, &e), &e, OTA_E_NOT_FOUND, "an unknown product");
    ota_device twice[3] = {{.id = "dev-4"}, {.id = "dev-5"}, {.id = "dev-4"}};
    fails_with(ota_device_upsert(eng, "EC600N-meter", twice, 3, &r, &e), &e, OTA_E_VALIDATION,
               "a device listed twice in one upsert is refused");
    is_str(e.field, "devices[2].id", "... naming the second listing");
    fails_with(ota_device_get(eng, "dev-5", &got, &e), &e, OTA_E_NOT_FOUND, "and nothing was written");
    ota_device batt = {.id = "dev-9", .has_battery = true, .battery = 101};
    fails_with(ota_device_upsert(eng, "EC600N-meter", &batt, 1, &r, &e), &e, OTA_E_VALIDATION,
               "battery 101 refused");
}

static void test_import_json(ota_engine *eng)
{
    ota_err e = {0};
    char path[600];
    ota_import_result r;
    write_file("devs.json",
               "[{\"id\":\"j-1\",\"versions\":{\"module\":\"1.0.0\",\"mcu\":\"2.1\"}},\n"
               " {\"id\":\"j-2\",\"versions\":{\"module\":\"1.1.0\"},\"rsrp\":-95,\"battery\":40},\n"
               " {\"id\":\"dev-1\",\"versions\":{\"module\":\"1.0.0\"}}]\n",
               path, sizeof path);
    ok_call(ota_device_import(eng, "EC600N-meter", path, &r, &e), &e, "import JSON");
    ok(r.added == 2 && r.updated == 1, "2 added, 1 updated (got %zu, %zu)", r.added, r.updated);
    ota_device got;
    ota_device_get(eng, "j-2", &got, &e);
    ok(got.has_rsrp && got.rsrp == -95 && got.battery == 40, "telemetry imported");

    write_file("bad.json", "[{\"id\":\"j-3\",\"versions\":{}},\n {\"id\":\"j-4\",\"versions\":{\"module\":5}}]",
               path, sizeof path);
    ota_err_clear(&e);
    ok(ota_device_import(eng, "EC600N-meter", path, &r, &e) < 0 && strstr(e.field, "devices[1]"),
       "a wrong type in item 1 is refused naming it: %s: %s", e.field, e.message);
    fails_with(ota_device_get(eng, "j-3", &got, &e), &e, OTA_E_NOT_FOUND, "nothing of that file is kept");
    write_file("broken.json", "[{\"id\":\"j-5\",\n \"versions\":{]", path, sizeof path);
    ota_err_clear(&e);
    ok(ota_device_import(eng, "EC600N-meter", path, &r, &e) < 0 && strstr(e.message, "line 2"),
       "malformed JSON names the line: %s", e.message);
    is_str(e.field, "file", "... and the file as the field");
    write_file("other.json", "[{\"id\":\"j-6\",\"product\":\"BG95-tracker\",\"versions\":{}}]", path, sizeof path);
    fails_with(ota_device_import(eng, "EC600N-meter", path, &r, &e), &e, OTA_E_VALIDATION,
               "a device naming another product is refused");
    is_str(e.field, "devices[0].product", "... naming its product field");
    write_file("twice.json", "[{\"id\":\"j-7\",\"versions\":{}},{\"id\":\"j-8\",\"versions\":{}},"
               "{\"id\":\"j-7\",\"versions\":{\"module\":\"2\"}}]", path, sizeof path);
    fails_with(ota_device_import(eng, "EC600N-meter", path, &r, &e), &e, OTA_E_VALIDATION,
               "a device listed twice in a file is refused");
    is_str(e.message, "devices[2]: device \"j-7\" is listed twice (first at devices[0])", "... naming both places");
    fails_with(ota_device_get(eng, "j-8", &got, &e), &e, OTA_E_NOT_FOUND, "... and nothing of that file is kept");
    write_file("obj.json", "{\"id\":\"x\"}", path, sizeof path);
    fails_with(ota_device_import(eng, "EC600N-meter", path, &r, &e), &e, OTA_E_BAD_REQUEST,
               "a JSON object instead of an array is refused");
    write_file("devs.txt", "id\n", path, sizeof path);
    fails_with(ota_device_import(eng, "EC600N-meter", path, &r, &e), &e, OTA_E_UNSUPPORTED_MEDIA,
               "neither .json nor .csv is refused");
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    fails_with(ota_device_import(eng, "EC600N-meter", path, &r, &e), &e, OTA_E_IO, "a missing file");
}

static void test_import_csv(ota_engine *eng)
{
    ota_err e = {0};
    char path[600];
    ota_import_result r;
    write_file("devs.csv",
               "\xef\xbb\xbfid,module,mcu,rsrp,battery\r\n"
               "c-1,1.0.0,2.1,-101,77\r\n"
               "\"c-2\",\"1.1.0\",,,\r\n"
               "\n"
               "\"c 3\",1.0.0,\"2.\"\"x\"\"\",-80,\n",
               path, sizeof path);
    ota_err_clear(&e);
    fails_with(ota_device_import(eng, "EC600N-meter", path, &r, &e), &e, OTA_E_VALIDATION,
               "a space inside a quoted id is read, then refused as an id");
    ok(strstr(e.message, "line 5, column 1 (id)") != NULL, "naming line 5 column 1: %s", e.message);

    write_file("devs.csv",
               "id,module,mcu,rsrp,battery\r\n"
               "c-1,1.0.0,2.1,-101,77\r\n"
               "\"c-2\",\"1.1.0\",,,\r\n"
               "\n"
               "c-3,1.0.0,\"2.\"\"x\"\"\",-80,\n",
               path, sizeof path);
    ok_call(ota_device_import(eng, "EC600N-meter", path, &r, &e), &e, "import CSV");
    ok(r.added == 3 && r.updated == 0, "3 added");
    ota_device got;
    ota_device_get(eng, "c-1", &got, &e);
    ok(got.nversions == 2 && got.rsrp == -101 && got.battery == 77, "versions and telemetry read");
    ota_device_get(eng, "c-2", &got, &e);
    ok(got.nversions == 1 && !got.has_rsrp && !got.has_battery, "empty cells mean no version, no telemetry");
    ota_device_get(eng, "c-3", &got, &e);
    is_str(ota_device_version(&got, "mcu"), "2.\"x\"", "doubled quotes inside a quoted field");

    struct { const char *text, *want; } bad[] = {
        {"id,module\nb-1,1.0\nb-2,1.0,extra\n", "line 3: expected 2 columns (got 3)"},
        {"id,module,battery\nb-1,1.0,50\nb-2,1.0,101\n", "line 3, column 3 (battery)"},
        {"id,module,rsrp\nb-1,1.0,strong\n", "line 2, column 3 (rsrp)"},
        {"id,module\nb-1,\"1.0\n", "line 2, column 2: unterminated quoted field"},
        {"id,module\nb-1,1\"0\n", "line 2, column 2: a quote inside an unquoted field"},
        {"device,module\nb-1,1.0\n", "line 1, column 1: the first column must be \"id\""},
        {"id,module,module\nb-1,1,2\n", "line 1, column 3: column \"module\" appears twice"},
        {"id,my module\nb-1,1\n", "line 1, column 2"},
        {"id,module\n\nb-1,1.0\n,1.0\n", "line 4, column 1 (id)"},
        {"id,module\nb-1,1 0\n", "line 2, column 2 (module)"},
        {"", "line 1: the header row is missing"},
        {"id,module\nb-1,1.0\nb-2,1.0\n\nb-1,1.1\n", "line 5: device \"b-1\" is listed twice (first at line 2)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_file("bad.csv", bad[i].text, path, sizeof path);
        ota_err_clear(&e);
        int rc = ota_device_import(eng, "EC600N-meter", path, &r, &e);
        ok(rc < 0 && strstr(e.message, bad[i].want), "bad CSV %zu refused: want \"%s\", got \"%s\"", i,
           bad[i].want, e.message);
    }
    fails_with(ota_device_get(eng, "b-1", &got, &e), &e, OTA_E_NOT_FOUND, "no device of a refused file is kept");

    /* all or nothing across chunks: 1500 good rows then a bad one */
    snprintf(path, sizeof path, "%s/big.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "id,module\n");
    for (int i = 0; i < 1500; i++)
        fprintf(f, "big-%05d,1.0.%d\n", i, i % 7);
    fprintf(f, "big-bad,\"\n");
    fclose(f);
    long before = count_devices(eng, "EC600N-meter");
    ota_err_clear(&e);
    ok(ota_device_import(eng, "EC600N-meter", path, &r, &e) < 0 && strstr(e.message, "line 1502"),
       "a bad last line of a big file is refused: %s", e.message);
    is_int(count_devices(eng, "EC600N-meter"), before, "and none of the 1500 good rows is kept");
}

static void test_list(ota_engine *eng)
{
    ota_err e = {0};
    char path[600];
    ota_import_result r;
    snprintf(path, sizeof path, "%s/fleet.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "id,module\n");
    for (int i = 0; i < 1234; i++)
        fprintf(f, "fleet-%05d,1.0.0\n", i);
    fclose(f);
    ok_call(ota_device_import(eng, "BG95-tracker", path, &r, &e), &e, "import a fleet of 1234");
    is_int(r.added, 1234, "all added");

    ota_page_req pg = {.limit = 500};
    ota_device_page page;
    size_t total = 0;
    char last[OTA_DEVICE_ID_MAX + 1] = "";
    bool ordered = true;
    int pages = 0;
    do {
        if (ota_device_list(eng, "BG95-tracker", NULL, &pg, &page, &e) < 0)
            break;
        for (size_t i = 0; i < page.n; i++) {
            if (strcmp(page.items[i].id, last) <= 0)
                ordered = false;
            snprintf(last, sizeof last, "%s", page.items[i].id);
        }
        total += page.n;
        pages++;
        snprintf(pg.cursor, sizeof pg.cursor, "%s", page.next_cursor);
        ota_device_page_free(&page);
    } while (pg.cursor[0] && pages < 10);
    is_int(total, 1234, "paging visits every device once");
    is_int(pages, 3, "in 3 pages of 500");
    ok(ordered, "ordered by device id across pages");

    ota_page_req q = {0};
    ok_call(ota_device_list(eng, "BG95-tracker", "0012", &q, &page, &e), &e, "query by substring");
    ok(page.n == 11 && !page.next_cursor[0], "fleet-0012x and fleet-00012: %zu", page.n);
    ota_device_page_free(&page);
    ok_call(ota_device_list(eng, NULL, "c-", &q, &page, &e), &e, "query across products");
    is_int(page.n, 3, "finds the CSV devices");
    ok(page.n && page.items[0].nversions == 2, "items carry versions");
    ota_device_page_free(&page);
    fails_with(ota_device_list(eng, "nope", NULL, &q, &page, &e), &e, OTA_E_NOT_FOUND,
               "devices of an unknown product: not found");
    is_str(e.field, "product", "... naming product");
    ota_page_req big = {.limit = 1001};
    fails_with(ota_device_list(eng, NULL, NULL, &big, &page, &e), &e, OTA_E_BAD_REQUEST, "limit 1001 refused");
    ota_page_req badc = {.cursor = "abc"};
    fails_with(ota_device_list(eng, NULL, NULL, &badc, &page, &e), &e, OTA_E_BAD_REQUEST, "a foreign cursor refused");
}

int main(void)
{
    dir = tap_tmpdir();
    ota_fake_clock fc = {.t = 1796083200};
    ota_engine *eng = fixture_engine(dir, &fc, NULL);
    test_products(eng);
    test_upsert(eng);
    test_import_json(eng);
    test_import_csv(eng);
    test_list(eng);
    ota_engine_close(eng);
    return tap_done();
}
