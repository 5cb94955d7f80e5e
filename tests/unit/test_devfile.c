/* Device files read one device at a time (ota_devfile_*, pure: no engine):
 * good JSON and CSV, each error with its place (devices[i], line and
 * column), empty files, the peek that reads ahead without decoding. */
#include <string.h>
#include "ota.h"
#include "../tap.h"

static ota_devfile *open_text(const char *name, const char *text, ota_err *e)
{
    ota_devfile *f = NULL;
    ota_err_clear(e);
    if (ota_devfile_open(name, text, strlen(text), &f, e) < 0)
        return NULL;
    return f;
}

/* Reads every device of text; returns how many came before the end (r 0)
 * or the error (r -1). */
static int read_all(const char *name, const char *text, ota_device *out, size_t cap, size_t *n, ota_err *e)
{
    ota_devfile *f = open_text(name, text, e);
    *n = 0;
    if (!f)
        return -1;
    ota_device spare;
    int r;
    while ((r = ota_devfile_next(f, *n < cap ? &out[*n] : &spare, e)) == 1)
        (*n)++;
    ota_devfile_close(f);
    return r;
}

static void test_json(void)
{
    ota_err e = {0};
    ota_device d[4];
    size_t n;
    int r = read_all("fleet.json",
                     "[{\"id\":\"j-1\",\"versions\":{\"module\":\"1.0.0\",\"mcu\":\"2.1\"}},\n"
                     " {\"id\":\"j-2\",\"versions\":{\"module\":\"1.1.0\"},\"rsrp\":-95,\"battery\":40},\n"
                     " {\"id\":\"j-3\",\"product\":\"other\",\"versions\":{}}]\n",
                     d, 4, &n, &e);
    is_int(r, 0, "good JSON read to its end: %s", e.message);
    is_int(n, 3, "three devices, one at a time");
    is_str(d[0].id, "j-1", "the first in file order");
    is_int(d[0].nversions, 2, "... with its two versions");
    is_str(ota_device_version(&d[0], "mcu"), "2.1", "... as given");
    ok(!d[0].has_rsrp && !d[0].has_battery, "... and no telemetry");
    ok(d[1].has_rsrp && d[1].rsrp == -95 && d[1].has_battery && d[1].battery == 40, "telemetry read");
    is_str(d[2].product, "other", "a device's product is read, left for the importer to check");

    r = read_all("EMPTY.JSON", "[]", d, 4, &n, &e);
    ok(r == 0 && n == 0, "an empty array: no device (the ending in any case)");

    fails_with(read_all("a.json", "", d, 4, &n, &e), &e, OTA_E_BAD_REQUEST, "an empty JSON file is refused");
    is_str(e.message, "invalid JSON: empty", "... saying so");
    is_str(e.field, "file", "... naming the file");
    fails_with(read_all("a.json", "[{\"id\":\"j-5\",\n \"versions\":{]", d, 4, &n, &e), &e, OTA_E_BAD_REQUEST,
               "malformed JSON is refused");
    is_str(e.message, "invalid JSON at line 2 column 14: string or '}' expected near ']'",
           "... naming line and column");
    is_str(e.field, "file", "... and the file");
    ok(n == 0, "... before any device");
    fails_with(read_all("a.json", "{\"id\":\"x\"}", d, 4, &n, &e), &e, OTA_E_BAD_REQUEST, "an object is refused");
    is_str(e.message, "a device file holds a JSON array of devices", "... saying what a device file holds");

    r = read_all("a.json", "[{\"id\":\"j-3\",\"versions\":{}},\n {\"id\":\"j-4\",\"versions\":{\"module\":5}}]",
                 d, 4, &n, &e);
    ok(r < 0 && n == 1, "a wrong type in item 1: item 0 comes first, then the error");
    is_str(e.field, "devices[1].versions.module", "... naming the item and its field");
    is_str(e.message, "must be a version string (got an integer)", "... and the rule");
    fails_with(read_all("a.json", "[{\"id\":\"j-7\",\"versions\":{}},{\"id\":\"j-8\",\"versions\":{}},"
                        "{\"id\":\"j-7\",\"versions\":{\"module\":\"2\"}}]", d, 4, &n, &e), &e, OTA_E_VALIDATION,
               "an id listed twice is refused");
    is_str(e.message, "devices[2]: device \"j-7\" is listed twice (first at devices[0])", "... naming both places");
    is_str(e.field, "file", "... and the file");
    is_int(n, 2, "... after the two devices before it");
}

static void test_csv(void)
{
    ota_err e = {0};
    ota_device d[4];
    size_t n;
    int r = read_all("fleet.csv",
                     "\xef\xbb\xbfid,module,mcu,rsrp,battery\r\n"
                     "c-1,1.0.0,2.1,-101,77\r\n"
                     "\"c-2\",\"1.1.0\",,,\r\n"
                     "\n"
                     "c-3,1.0.0,\"2.\"\"x\"\"\",-80,\n",
                     d, 4, &n, &e);
    is_int(r, 0, "good CSV read to its end (byte order mark, CRLF, quotes): %s", e.message);
    is_int(n, 3, "three devices");
    ok(!strcmp(d[0].id, "c-1") && d[0].nversions == 2 && d[0].rsrp == -101 && d[0].battery == 77,
       "versions and telemetry read");
    ok(!strcmp(d[1].id, "c-2") && d[1].nversions == 1 && !d[1].has_rsrp && !d[1].has_battery,
       "empty cells: no version, no telemetry");
    is_str(ota_device_version(&d[2], "mcu"), "2.\"x\"", "doubled quotes inside a quoted field");
    ok(d[2].has_rsrp && !d[2].has_battery, "a blank line is skipped; an empty last cell is no battery");
    is_str(d[0].product, "", "a CSV device names no product");

    r = read_all("HEADER.CSV", "id,module\n", d, 4, &n, &e);
    ok(r == 0 && n == 0, "a header alone: no device");

    struct { const char *text, *want; size_t before; } bad[] = {
        {"", "line 1: the header row is missing", 0},
        {"\n\n", "line 1: the header row is missing", 0},
        {"device,module\nb-1,1.0\n", "line 1, column 1: the first column must be \"id\" (got \"device\")", 0},
        {"id,module,module\nb-1,1,2\n", "line 1, column 3: column \"module\" appears twice", 0},
        {"id,my module\nb-1,1\n", "line 1, column 2: \"my module\" is not a valid component name", 0},
        {"id,module\nb-1,1.0\nb-2,1.0,extra\n", "line 3: expected 2 columns (got 3)", 1},
        {"id,module,battery\nb-1,1.0,50\nb-2,1.0,101\n",
         "line 3, column 3 (battery): must be an integer between 0 and 100 (got \"101\")", 1},
        {"id,module,rsrp\nb-1,1.0,strong\n",
         "line 2, column 3 (rsrp): must be an integer between -200 and 0 (got \"strong\")", 0},
        {"id,module\nb-1,\"1.0\n", "line 2, column 2: unterminated quoted field", 0},
        {"id,module\nb-1,1\"0\n", "line 2, column 2: a quote inside an unquoted field", 0},
        {"id,module\nb-1,\"1\"0\n", "line 2, column 2: text after a closing quote", 0},
        {"id,module\n\nb-1,1.0\n,1.0\n", "line 4, column 1 (id): required", 1},
        {"id,module\nb-1,1 0\n", "line 2, column 2 (module): must not contain spaces or control characters", 0},
        {"id,module\nb-1,1.0\nb-2,1.0\n\nb-1,1.1\n", "line 5: device \"b-1\" is listed twice (first at line 2)", 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = read_all("bad.csv", bad[i].text, d, 4, &n, &e);
        ok(r < 0 && e.code == OTA_E_VALIDATION && !strcmp(e.field, "file") && !strcmp(e.message, bad[i].want),
           "bad CSV %zu refused: want \"%s\", got %s: \"%s\"", i, bad[i].want, ota_code_str(e.code), e.message);
        is_int(n, bad[i].before, "... after the devices before it");
    }
}

/* ota_devfile_more reads the next record (CSV quoting shows there) and
 * leaves its decoding to ota_devfile_next; it consumes nothing. */
static void test_more(void)
{
    ota_err e = {0};
    ota_device d;
    ota_devfile *f = open_text("a.csv", "id,module\nb-1,1 0\nb-2,\"1\n", &e);
    ok(f != NULL, "open");
    is_int(ota_devfile_more(f, &e), 1, "a record follows");
    is_int(ota_devfile_more(f, &e), 1, "asking again reads nothing more");
    is_int(ota_devfile_next(f, &d, &e), -1, "its bad value shows when it is decoded");
    ok(strstr(e.message, "line 2, column 2 (module)") != NULL, "... naming it: %s", e.message);
    ota_devfile_close(f);

    f = open_text("a.csv", "id,module\nb-1,1.0\nb-2,\"1\n", &e);
    ok(ota_devfile_next(f, &d, &e) == 1 && !strcmp(d.id, "b-1"), "the first device");
    is_int(ota_devfile_more(f, &e), -1, "broken quoting of the next record shows in the peek");
    is_str(e.message, "line 3, column 2: unterminated quoted field", "... naming it");
    ota_devfile_close(f);

    f = open_text("a.json", "[{\"id\":\"j-1\",\"versions\":{\"module\":5}}]", &e);
    is_int(ota_devfile_more(f, &e), 1, "JSON: an item follows (not yet decoded)");
    is_int(ota_devfile_next(f, &d, &e), -1, "... its wrong type shows when it is decoded");
    is_str(e.field, "devices[0].versions.module", "... naming it");
    ota_devfile_close(f);

    f = open_text("a.json", "[{\"id\":\"j-1\",\"versions\":{}}]", &e);
    ok(ota_devfile_next(f, &d, &e) == 1, "one device");
    ok(ota_devfile_more(f, &e) == 0 && ota_devfile_next(f, &d, &e) == 0, "then the end, asked either way");
    ota_devfile_close(f);
    ota_devfile_close(NULL);
}

static void test_names_and_files(void)
{
    ota_err e = {0};
    ota_devfile *f = NULL;
    fails_with(ota_devfile_open("devs.txt", "id\n", 3, &f, &e), &e, OTA_E_UNSUPPORTED_MEDIA,
               "neither .json nor .csv is refused");
    is_str(e.message, "devs.txt: a device file ends in .json or .csv", "... saying which endings");
    ok(f == NULL, "... and gives no reader");

    const char *dir = tap_tmpdir();
    char path[600];
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    fails_with(ota_devfile_open_file(path, &f, &e), &e, OTA_E_UNSUPPORTED_MEDIA,
               "a file's ending is checked before it is read");
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    fails_with(ota_devfile_open_file(path, &f, &e), &e, OTA_E_IO, "a missing file");
    is_str(e.field, "file", "... naming the file");

    snprintf(path, sizeof path, "%s/fleet.csv", dir);
    FILE *out = fopen(path, "w");
    fprintf(out, "id,module\n");
    for (int i = 0; i < 1500; i++)
        fprintf(out, "fleet-%05d,1.0.%d\n", i, i % 7);
    fclose(out);
    ok_call(ota_devfile_open_file(path, &f, &e), &e, "a file is read");
    ota_device d;
    int r, n = 0;
    bool right = true;
    while ((r = ota_devfile_next(f, &d, &e)) == 1) {
        char want[32];
        snprintf(want, sizeof want, "fleet-%05d", n);
        right = right && !strcmp(d.id, want) && d.nversions == 1;
        n++;
    }
    ota_devfile_close(f);
    ok(r == 0 && n == 1500 && right, "... 1500 devices in file order (%d)", n);
}

int main(void)
{
    test_json();
    test_csv();
    test_more();
    test_names_and_files();
    return tap_done();
}
