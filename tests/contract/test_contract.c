/* The backend contract, written once and run against both backends:
 *
 *   test_contract --local
 *   test_contract --remote URL TOKEN BLOBDIR [VIEWER_TOKEN [OPERATOR_TOKEN]]  (otad, admin token)
 *
 * Every case talks only to ota_backend *.  A difference between the two
 * runs is a bug in one backend.  BLOBDIR is the server's blob folder, used
 * to corrupt a stored file and check that a download notices.  run.sh
 * starts otad and runs this both ways.  The device identity cases are in
 * test_contract_devauth.c (contract.h: what the files share). */
#define TAP_MAIN
#include "contract.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

ota_err E;

void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(99);
    }
}

char *tpath(ctx *c, const char *name)
{
    static char buf[4][PATH_MAX + 64];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", c->tmp, name);
    return buf[k];
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------ products */
static void t_products(ctx *c)
{
    ota_product p = {.key = "EC600N-meter", .name = "Smart meter"};
    ok_call(c->b->ops->product_add(c->b, &p, c->devkey, &E), &E, "product add");
    is_int(strlen(c->devkey), 64, "device key handed out once, 64 hex");
    fails_with(c->b->ops->product_add(c->b, &p, NULL, &E), &E, OTA_E_CONFLICT, "same key twice: conflict");
    is_str(E.field, "key", "conflict names the key");
    ota_product bad = {.key = "", .name = "x"};
    fails_with(c->b->ops->product_add(c->b, &bad, NULL, &E), &E, OTA_E_VALIDATION, "empty key refused");
    ota_product other = {.key = "other", .name = "Other"};
    ok_call(c->b->ops->product_add(c->b, &other, NULL, &E), &E, "second product");
    ota_product_list l = {0};
    ok_call(c->b->ops->product_list_all(c->b, &l, &E), &E, "product list");
    is_int(l.n, 2, "two products");
    if (l.n == 2) {
        is_str(l.items[0].key, "EC600N-meter", "sorted by key, first");
        is_str(l.items[0].name, "Smart meter", "name kept");
        ok(l.items[0].created_at > 0, "created_at set");
    }
    ota_product_list_free(&l);

    if (c->remote) {
        ota_remote_opts o = {.url = c->url, .device_key = c->devkey};
        c->dev = ota_backend_remote_open(&o, &E);
        ok(c->dev != NULL, "device-side backend with the product's key");
    } else {
        c->dev = c->b;
    }
}

/* ------------------------------------------------------------- devices */
static void t_devices(ctx *c)
{
    const char *json = "[{\"id\":\"dev-1\",\"versions\":{\"module\":\"1.1.0\",\"mcu\":\"2.1\"}},"
                       " {\"id\":\"dev-2\",\"versions\":{\"module\":\"1.1.0\"}},"
                       " {\"id\":\"dev-3\",\"versions\":{\"module\":\"1.0.0\"}}]";
    write_file(tpath(c, "fleet.json"), json, strlen(json));
    const char *csv = "id,module\ndev-4,1.1.0\ndev-1,1.1.0\n";
    write_file(tpath(c, "fleet.csv"), csv, strlen(csv));
    const char *badcsv = "id,module\ndev-5,1.1.0,extra\n";
    write_file(tpath(c, "bad.csv"), badcsv, strlen(badcsv));
    write_file(tpath(c, "fleet.txt"), "x", 1);

    ota_import_result r = {0};
    ok_call(c->b->ops->device_import(c->b, "EC600N-meter", tpath(c, "fleet.json"), &r, &E), &E,
            "import JSON fleet");
    is_int(r.added, 3, "three added");
    ok_call(c->b->ops->device_import(c->b, "EC600N-meter", tpath(c, "fleet.csv"), &r, &E), &E,
            "import CSV fleet");
    is_int(r.added, 1, "CSV: one added");
    is_int(r.updated, 1, "CSV: one updated");
    fails_with(c->b->ops->device_import(c->b, "EC600N-meter", tpath(c, "bad.csv"), &r, &E), &E,
               OTA_E_VALIDATION, "CSV with an extra column refused");
    ok(strstr(E.message, "line 2") != NULL, "error names the line (%s)", E.message);
    fails_with(c->b->ops->device_import(c->b, "EC600N-meter", tpath(c, "fleet.txt"), &r, &E), &E,
               OTA_E_UNSUPPORTED_MEDIA, "a .txt device file refused");
    fails_with(c->b->ops->device_import(c->b, "nope", tpath(c, "fleet.json"), &r, &E), &E,
               OTA_E_NOT_FOUND, "import into an unknown product");

    ota_device_page pg = {0};
    ok_call(c->b->ops->device_list(c->b, "EC600N-meter", NULL, NULL, &pg, &E), &E, "device list");
    is_int(pg.n, 4, "four devices");
    if (pg.n == 4) {
        is_str(pg.items[0].id, "dev-1", "first device");
        is_str(ota_device_version(&pg.items[0], "module"), "1.1.0", "its module version");
    }
    ota_device_page_free(&pg);
    ok_call(c->b->ops->device_list(c->b, "EC600N-meter", "-3", NULL, &pg, &E), &E, "device search");
    is_int(pg.n, 1, "q=-3 finds one");
    ota_device_page_free(&pg);

    /* Paging: two pages of two, then the end. */
    ota_page_req req = {.limit = 2};
    ok_call(c->b->ops->device_list(c->b, "EC600N-meter", NULL, &req, &pg, &E), &E, "page 1");
    is_int(pg.n, 2, "page 1 has two");
    ok(pg.next_cursor[0] != 0, "page 1 has a next cursor");
    snprintf(req.cursor, sizeof req.cursor, "%s", pg.next_cursor);
    ota_device_page_free(&pg);
    ok_call(c->b->ops->device_list(c->b, "EC600N-meter", NULL, &req, &pg, &E), &E, "page 2");
    is_int(pg.n, 2, "page 2 has two");
    if (pg.n == 2)
        is_str(pg.items[1].id, "dev-4", "page 2 ends with dev-4");
    ota_device_page_free(&pg);
    ota_page_req big = {.limit = 1001};
    fails_with(c->b->ops->device_list(c->b, "EC600N-meter", NULL, &big, &pg, &E), &E,
               OTA_E_BAD_REQUEST, "limit 1001 refused");
    ota_page_req badc = {.limit = 2, .cursor = "not-a-cursor"};
    fails_with(c->b->ops->device_list(c->b, "EC600N-meter", NULL, &badc, &pg, &E), &E,
               OTA_E_BAD_REQUEST, "a forged cursor refused");
    fails_with(c->b->ops->device_list(c->b, "nope", NULL, NULL, &pg, &E), &E, OTA_E_NOT_FOUND,
               "devices of an unknown product");
}

/* A device agent reports attributes: locally straight into the engine,
 * remotely the way a hawkBit agent does (PUT .../configData). */
static int report_attrs(ctx *c, const char *device, const char *data_json)
{
    if (!c->remote) {
        json_t *j = json_loads(data_json, 0, NULL);
        int rc = ota_device_attrs_merge(ota_backend_local_engine(c->b), device, j, &E);
        json_decref(j);
        return rc;
    }
    char url[1024], auth[128], body[1024];
    snprintf(url, sizeof url, "%s/EC600N-meter/controller/v1/%s/configData", c->url, device);
    snprintf(auth, sizeof auth, "Authorization: GatewayToken %s", c->devkey);
    snprintf(body, sizeof body, "{\"id\":\"\",\"data\":%s}", data_json);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(curl_slist_append(NULL, auth), "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return status == 200 ? 0 : ota_fail(&E, OTA_E_INTERNAL, NULL, "configData answered %ld", status);
}

static void t_device_get(ctx *c)
{
    ota_device d;
    json_t *attrs = NULL;
    ok_call(c->b->ops->device_detail(c->b, "EC600N-meter", "dev-1", &d, &attrs, &E), &E, "device get");
    is_str(d.id, "dev-1", "its id");
    is_str(d.product, "EC600N-meter", "its product");
    is_str(ota_device_version(&d, "module"), "1.1.0", "its module version");
    is_int(d.nversions, 1, "its one component (the CSV re-import replaced the versions)");
    ok(json_is_object(attrs) && json_object_size(attrs) == 0, "no attributes reported yet: {}");
    json_decref(attrs);

    ok_call(report_attrs(c, "dev-1", "{\"board\":\"evk-2\",\"hw_rev\":\"C\"}"), &E, "agent reports attributes");
    ok_call(c->b->ops->device_detail(c->b, "EC600N-meter", "dev-1", &d, &attrs, &E), &E, "device get again");
    is_int(json_object_size(attrs), 2, "two attributes");
    is_str(json_string_value(json_object_get(attrs, "board")), "evk-2", "board");
    is_str(json_string_value(json_object_get(attrs, "hw_rev")), "C", "hw_rev");
    is_str(ota_device_version(&d, "module"), "1.1.0", "versions untouched by the report");
    json_decref(attrs);
    ok_call(c->b->ops->device_detail(c->b, "EC600N-meter", "dev-2", &d, NULL, &E), &E,
            "device get without asking for attributes");

    attrs = NULL;
    fails_with(c->b->ops->device_detail(c->b, "EC600N-meter", "nope", &d, &attrs, &E), &E, OTA_E_NOT_FOUND,
               "unknown device");
    is_str(E.field, "device", "names the device");
    ok(attrs == NULL, "no attributes handed out on failure");
    fails_with(c->b->ops->device_detail(c->b, "nope", "dev-1", &d, &attrs, &E), &E, OTA_E_NOT_FOUND,
               "unknown product");
    is_str(E.field, "product", "names the product");
    fails_with(c->b->ops->device_detail(c->b, "other", "dev-1", &d, &attrs, &E), &E, OTA_E_NOT_FOUND,
               "a device of another product");
}

/* ------------------------------------------------------------ packages */
static int64_t make_package(ctx *c, const char *component, ota_kind kind, const char *target,
                            const char *source, const char *file, const char *content)
{
    ota_package_meta m = {.kind = kind};
    snprintf(m.component, sizeof m.component, "%s", component);
    snprintf(m.target_version, sizeof m.target_version, "%s", target);
    snprintf(m.source_version, sizeof m.source_version, "%s", source ? source : "");
    write_file(tpath(c, file), content, strlen(content));
    const char *paths[] = {tpath(c, file)};
    ota_package p;
    if (c->b->ops->package_create(c->b, &m, paths, 1, &p, &E) < 0)
        return 0;
    return p.id;
}

static void t_packages(ctx *c, int64_t *pkg_out)
{
    write_file(tpath(c, "fw.bin"), "module firmware 1.2.0\n", 22);
    write_file(tpath(c, "fw.bin_1"), "second part", 11);
    ota_package_meta m = {.component = "module", .kind = OTA_KIND_DIFF, .target_version = "1.2.0",
                          .source_version = "1.1.0", .remark = "Q3 fix"};
    const char *paths[] = {tpath(c, "fw.bin"), tpath(c, "fw.bin_1")};
    ota_package p;
    ok_call(c->b->ops->package_create(c->b, &m, paths, 2, &p, &E), &E, "package create, two files");
    *pkg_out = p.id;
    is_int(p.nfiles, 2, "two files");
    char hex[65];
    uint64_t size;
    ota_sha256_file(paths[0], hex, &size, &E);
    is_str(p.files[0].sha256, hex, "first file's SHA-256 equals the local one");
    is_int(p.files[0].size, 22, "first file's size");
    is_str(p.files[0].name, "fw.bin", "file keeps its base name");

    ota_package g;
    ok_call(c->b->ops->package_get(c->b, p.id, &g, &E), &E, "package get");
    is_str(g.meta.remark, "Q3 fix", "remark kept");
    is_str(g.meta.source_version, "1.1.0", "source version kept");
    is_int(g.meta.kind, OTA_KIND_DIFF, "kind kept");
    fails_with(c->b->ops->package_get(c->b, 99999, &g, &E), &E, OTA_E_NOT_FOUND, "unknown package");

    /* Validation, same field and code on both sides. */
    write_file(tpath(c, "fw.exe"), "x", 1);
    const char *bad_ending[] = {tpath(c, "fw.exe")};
    ota_package_meta full = {.component = "module", .kind = OTA_KIND_FULL, .target_version = "1.2.0"};
    fails_with(c->b->ops->package_create(c->b, &full, bad_ending, 1, &p, &E), &E, OTA_E_VALIDATION,
               "a .exe file refused");
    ota_package_meta nosrc = {.component = "module", .kind = OTA_KIND_DIFF, .target_version = "1.2.0"};
    fails_with(c->b->ops->package_create(c->b, &nosrc, paths, 1, &p, &E), &E, OTA_E_VALIDATION,
               "diff without source version refused");
    is_str(E.field, "source_version", "names source_version");
    ota_package_meta longr = full;
    memset(longr.remark, 'r', 201);
    fails_with(c->b->ops->package_create(c->b, &longr, paths, 1, &p, &E), &E, OTA_E_VALIDATION,
               "remark of 201 characters refused");
    is_str(E.field, "remark", "names remark");
    const char *six[] = {paths[0], paths[0], paths[0], paths[0], paths[0], paths[0]};
    fails_with(c->b->ops->package_create(c->b, &full, six, 6, &p, &E), &E, OTA_E_VALIDATION,
               "six files refused");

    /* One byte over 100 MiB (a sparse file: nothing is really written). */
    int fd = open(tpath(c, "huge.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ok(fd >= 0 && ftruncate(fd, (off_t)OTA_MAX_FILE_SIZE + 1) == 0, "a file of 100 MiB + 1 byte");
    close(fd);
    const char *huge[] = {tpath(c, "huge.bin")};
    fails_with(c->b->ops->package_create(c->b, &full, huge, 1, &p, &E), &E, OTA_E_TOO_LARGE,
               "a file over 100 MiB: too_large");
    unlink(tpath(c, "huge.bin"));

    int64_t other = make_package(c, "mcu", OTA_KIND_FULL, "2.2", NULL, "mcu.s19", "S0 mcu");
    ok(other > 0, "mcu package");
    ota_package_page pp = {0};
    ok_call(c->b->ops->package_list(c->b, "module", NULL, &pp, &E), &E, "list by component");
    is_int(pp.n, 1, "one module package");
    ota_package_page_free(&pp);
    ok_call(c->b->ops->package_list(c->b, NULL, NULL, &pp, &E), &E, "list all");
    is_int(pp.n, 2, "two packages");
    ota_package_page_free(&pp);

    ota_verify_result v;
    ok_call(c->b->ops->package_verify(c->b, p.id > 0 ? *pkg_out : 0, &v, &E), &E, "verify");
    ok(v.ok && v.nfiles == 2, "verify: all files fine");

    /* Download: same bytes, verified; a missing file is not_found. */
    char *dest = tpath(c, "down.bin");
    ok_call(c->b->ops->package_download(c->b, *pkg_out, "fw.bin", dest, &E), &E, "download");
    size_t len = 0;
    char *got = slurp(dest, &len);
    ok(got && len == 22 && !memcmp(got, "module firmware 1.2.0\n", 22), "downloaded bytes equal");
    free(got);
    fails_with(c->b->ops->package_download(c->b, *pkg_out, "nope.bin", dest, &E), &E,
               OTA_E_NOT_FOUND, "download of a file the package lacks");

    ok_call(c->b->ops->package_delete(c->b, other, &E), &E, "delete unused package");
    fails_with(c->b->ops->package_get(c->b, other, &g, &E), &E, OTA_E_NOT_FOUND, "gone after delete");
    fails_with(c->b->ops->package_delete(c->b, other, &E), &E, OTA_E_NOT_FOUND, "delete twice");
}

/* A stored blob whose bytes rotted on disk: the download says so and
 * leaves nothing behind. */
static void t_corrupt(ctx *c)
{
    int64_t id = make_package(c, "module", OTA_KIND_FULL, "9.9.9", NULL, "rot.bin", "bytes that will rot");
    ota_package p;
    if (!ok(id > 0, "package to corrupt") || c->b->ops->package_get(c->b, id, &p, &E) < 0)
        return;
    char blob[2 * PATH_MAX];
    snprintf(blob, sizeof blob, "%s/%.2s/%s", c->blobdir, p.files[0].sha256, p.files[0].sha256 + 2);
    struct stat st;
    if (stat(blob, &st) < 0) /* layouts differ only in the prefix split; try the flat one */
        snprintf(blob, sizeof blob, "%s/%s", c->blobdir, p.files[0].sha256);
    chmod(blob, 0644);
    int fd = open(blob, O_WRONLY);
    ok(fd >= 0, "open the stored blob %s", blob);
    if (fd >= 0) {
        ok(pwrite(fd, "R", 1, 0) == 1, "flip its first byte");
        close(fd);
    }
    char *dest = tpath(c, "rot-down.bin");
    fails_with(c->b->ops->package_download(c->b, id, "rot.bin", dest, &E), &E, OTA_E_IO,
               "corrupted bytes detected");
    ok(access(dest, F_OK) < 0, "nothing saved at the destination");
    ota_verify_result v;
    ok_call(c->b->ops->package_verify(c->b, id, &v, &E), &E, "verify runs");
    ok(!v.ok, "verify reports the damage");
}

/* --------------------------------------------------------------- plans */
static void plan_fill(ctx *c, ota_plan *p, int64_t pkg)
{
    ota_plan_init(p);
    snprintf(p->name, sizeof p->name, "Q3 module rollout");
    snprintf(p->product, sizeof p->product, "EC600N-meter");
    p->mode = OTA_MODE_CONFIRM;
    p->retries = 2;
    p->min_rsrp = -110;
    p->min_battery = 20;
    p->window_start = c->now - 3600;
    p->window_end = c->now + 30 * 86400;
    snprintf(p->components[0].component, sizeof p->components[0].component, "module");
    p->components[0].package_id = pkg;
    p->ncomponents = 1;
    ota_strlist_push(&p->blacklist, "dev-2");
}

static void t_plans(ctx *c, int64_t pkg, int64_t *plan_out)
{
    ota_plan p, q, stale;
    plan_fill(c, &p, pkg);
    ok_call(c->b->ops->plan_create(c->b, &p, &E), &E, "plan create");
    ok(p.id > 0, "plan has an id");
    is_int(p.revision, 1, "revision 1");
    is_int(p.state, OTA_PLAN_SAVED, "saved");
    *plan_out = p.id;

    ota_plan_init(&q);
    ok_call(c->b->ops->plan_get(c->b, p.id, &q, &E), &E, "plan get");
    is_str(q.name, "Q3 module rollout", "name");
    is_int(q.blacklist.n, 1, "blacklist travels");
    is_int(q.min_rsrp, -110, "strategy kept");
    is_int(q.window_end, p.window_end, "window kept");
    is_int(q.components[0].package_id, pkg, "component kept");

    ota_plan_init(&stale);
    ota_plan_copy(&stale, &q);
    snprintf(q.name, sizeof q.name, "Q3 module rollout (v2)");
    ok_call(c->b->ops->plan_update(c->b, &q, &E), &E, "update with the current revision");
    is_int(q.revision, 2, "revision 2 after update");
    snprintf(stale.name, sizeof stale.name, "lost update");
    fails_with(c->b->ops->plan_update(c->b, &stale, &E), &E, OTA_E_CONFLICT, "stale revision: conflict");
    ota_plan_free(&q);
    ota_plan_init(&q);
    c->b->ops->plan_get(c->b, p.id, &q, &E);
    is_str(q.name, "Q3 module rollout (v2)", "conflict changed nothing");
    is_int(q.revision, 2, "still revision 2");

    /* Rules refused by both, naming the field. */
    ota_plan bad;
    plan_fill(c, &bad, pkg);
    bad.window_end = bad.window_start;
    fails_with(c->b->ops->plan_create(c->b, &bad, &E), &E, OTA_E_VALIDATION, "window start = end");
    is_str(E.field, "window", "names window");
    bad.window_end = bad.window_start + 10;
    bad.ncomponents = 0;
    fails_with(c->b->ops->plan_create(c->b, &bad, &E), &E, OTA_E_VALIDATION, "no components");
    bad.ncomponents = 1;
    bad.components[0].package_id = 424242;
    fails_with(c->b->ops->plan_create(c->b, &bad, &E), &E, OTA_E_VALIDATION, "unknown package");
    snprintf(bad.product, sizeof bad.product, "nope");
    bad.components[0].package_id = pkg;
    fails_with(c->b->ops->plan_create(c->b, &bad, &E), &E, OTA_E_VALIDATION, "unknown product");
    ota_plan_free(&bad);
    fails_with(c->b->ops->plan_get(c->b, 99999, &q, &E), &E, OTA_E_NOT_FOUND, "unknown plan");

    /* A second plan: list filters, copy of components, delete. */
    ota_plan p2;
    plan_fill(c, &p2, pkg);
    snprintf(p2.name, sizeof p2.name, "scratch");
    ok_call(c->b->ops->plan_create(c->b, &p2, &E), &E, "second plan");
    ota_plan out;
    ota_plan_init(&out);
    ok_call(c->b->ops->plan_copy_components(c->b, p.id, p2.id, &out, &E), &E, "copy components");
    is_int(out.revision, 2, "copy is an update of the target");
    ota_plan_free(&out);
    ota_plan_page pg = {0};
    ok_call(c->b->ops->plan_list(c->b, OTA_PLAN_SAVED, "EC600N-meter", NULL, &pg, &E), &E, "plan list");
    is_int(pg.n, 2, "two saved plans");
    ota_plan_page_free(&pg);
    ok_call(c->b->ops->plan_delete(c->b, p2.id, &E), &E, "delete a saved plan");
    fails_with(c->b->ops->plan_get(c->b, p2.id, &q, &E), &E, OTA_E_NOT_FOUND, "deleted plan gone");
    ota_plan_free(&p2);

    ota_preview pv;
    ok_call(c->b->ops->plan_preview(c->b, p.id, &pv, &E), &E, "preview");
    is_int(pv.targeted, 2, "targets dev-1 and dev-4");
    is_int(pv.blacklisted, 1, "dev-2 blacklisted");
    is_int(pv.version_mismatch, 1, "dev-3 on the wrong source version");

    ota_plan_free(&p);
    ota_plan_free(&q);
    ota_plan_free(&stale);
}

/* Staged rollouts: rollout, maintenance and retry interval round-trip
 * through create, get, update and list; bad values are refused naming the
 * field, the same on both backends. */
static void staged_fill(ota_plan *p)
{
    p->retry_interval_seconds = 900;
    p->has_rollout = true;
    ota_rollout *r = &p->rollout;
    r->nwaves = 3;
    r->waves[0] = (ota_wave_size){true, 1};
    r->waves[1] = (ota_wave_size){false, 200};
    r->waves[2] = (ota_wave_size){true, 100};
    r->success_threshold = 90;
    r->failure_threshold = 5;
    r->min_finished = 10;
    r->soak_seconds = 3600;
    r->advance = OTA_ADVANCE_MANUAL;
    r->on_failure = OTA_ON_FAILURE_ROLLBACK;
    r->max_offers_per_minute = 1000;
    p->has_maintenance = true;
    snprintf(p->maintenance.timezone, sizeof p->maintenance.timezone, "Asia/Shanghai");
    p->maintenance.device_timezone = true;
    p->maintenance.nwindows = 2;
    p->maintenance.windows[0] = (ota_mw_window){0x1f, 60, 300};
    p->maintenance.windows[1] = (ota_mw_window){0x40, 1350, 120};
}

#define STAGED_REFUSED(mutation, want_field, name)                                         \
    do {                                                                                   \
        ota_plan b_;                                                                       \
        plan_fill(c, &b_, pkg);                                                            \
        staged_fill(&b_);                                                                  \
        { ota_plan *b = &b_; mutation; }                                                   \
        fails_with(c->b->ops->plan_create(c->b, &b_, &E), &E, OTA_E_VALIDATION, "%s", name); \
        is_str(E.field, want_field, "  ... names %s (%s)", want_field, E.message);         \
        ota_plan_free(&b_);                                                                \
    } while (0)

static void t_staged(ctx *c, int64_t pkg)
{
    ota_plan p, q;
    plan_fill(c, &p, pkg);
    snprintf(p.name, sizeof p.name, "staged");
    staged_fill(&p);
    ok_call(c->b->ops->plan_create(c->b, &p, &E), &E, "staged: create with rollout, maintenance, retry interval");
    ota_plan_init(&q);
    ok_call(c->b->ops->plan_get(c->b, p.id, &q, &E), &E, "staged: get");
    ok(q.has_rollout && ota_rollout_equal(&q.rollout, &p.rollout), "staged: the rollout comes back equal");
    ok(q.has_maintenance && ota_maintenance_equal(&q.maintenance, &p.maintenance),
       "staged: the maintenance windows come back equal");
    is_int(q.retry_interval_seconds, 900, "staged: retry interval kept");
    is_str(q.paused_reason, "", "staged: no paused reason");
    ota_preview pv;
    ok_call(c->b->ops->plan_preview(c->b, p.id, &pv, &E), &E, "staged: preview");
    long in_waves = 0;
    for (size_t i = 0; i < pv.nwaves; i++)
        in_waves += pv.waves[i].devices;
    ok(pv.nwaves == 3 && pv.waves[1].size.value == 200 && !pv.waves[1].size.percent && in_waves == pv.targeted,
       "staged: the preview shows the waves, which hold every targeted device");

    q.rollout.soak_seconds = 7200;
    q.rollout.waves[1].value = 500;
    q.has_maintenance = false;
    q.retry_interval_seconds = 0;
    ok_call(c->b->ops->plan_update(c->b, &q, &E), &E, "staged: update");
    ota_plan r;
    ota_plan_init(&r);
    ok_call(c->b->ops->plan_get(c->b, p.id, &r, &E), &E, "staged: get after update");
    ok(r.has_rollout && r.rollout.soak_seconds == 7200 && r.rollout.waves[1].value == 500 && !r.has_maintenance &&
           r.retry_interval_seconds == 0,
       "staged: the update is kept (maintenance removed, interval 0)");
    ota_plan_free(&r);
    q.revision = 2;
    q.has_rollout = false;
    ok_call(c->b->ops->plan_update(c->b, &q, &E), &E, "staged: update removing the rollout");
    ota_plan_init(&r);
    c->b->ops->plan_get(c->b, p.id, &r, &E);
    ok(!r.has_rollout && !r.has_maintenance, "staged: no rollout after removing it");
    ota_plan_free(&r);

    ota_plan_page pg = {0};
    ok_call(c->b->ops->plan_list(c->b, OTA_PLAN_SAVED, "EC600N-meter", NULL, &pg, &E), &E, "staged: list");
    bool listed = false;
    for (size_t i = 0; i < pg.n; i++)
        listed = listed || (pg.items[i].id == p.id && !pg.items[i].has_rollout);
    ok(listed, "staged: the list carries the plan's settings");
    ota_plan_page_free(&pg);
    ok_call(c->b->ops->plan_delete(c->b, p.id, &E), &E, "staged: delete");

    STAGED_REFUSED(b->rollout.waves[0].value = 0, "rollout.waves[0].size", "staged: a wave of 0% refused");
    STAGED_REFUSED(b->rollout.waves[2].value = 99, "rollout.waves[2].size", "staged: a last wave of 99% refused");
    STAGED_REFUSED(b->rollout.waves[1].value = 0, "rollout.waves[1].size", "staged: a count of 0 refused");
    STAGED_REFUSED(b->rollout.success_threshold = 101, "rollout.success_threshold", "staged: threshold 101 refused");
    STAGED_REFUSED(b->rollout.min_finished = -1, "rollout.min_finished", "staged: min_finished -1 refused");
    STAGED_REFUSED(b->rollout.max_offers_per_minute = -1, "rollout.max_offers_per_minute",
                   "staged: a negative rate limit refused");
    STAGED_REFUSED(b->maintenance.timezone[0] = 0, "maintenance.timezone", "staged: a missing zone refused");
    STAGED_REFUSED(snprintf(b->maintenance.timezone, sizeof b->maintenance.timezone, "../etc"),
                   "maintenance.timezone", "staged: a bad zone name refused");
    STAGED_REFUSED(b->maintenance.windows[1].start = 1440, "maintenance.windows[1].start", "staged: 24:00 refused");
    STAGED_REFUSED(b->maintenance.windows[0].days = 0, "maintenance.windows[0].days", "staged: a window without days refused");
    STAGED_REFUSED(b->retry_interval_seconds = 30 * 86400 + 1, "strategy.retry_interval_seconds",
                   "staged: a retry interval over 30 days refused");
    ota_plan_free(&p);
    ota_plan_free(&q);
}

/* Staged rollouts: the next wave opens by hand on both backends; with
 * none left, invalid_transition.  (Whitelisted to nobody: it takes no
 * device from the other plans.) */
static void t_advance(ctx *c, int64_t pkg)
{
    ota_plan p, q;
    plan_fill(c, &p, pkg);
    snprintf(p.name, sizeof p.name, "staged advance");
    staged_fill(&p);
    p.has_maintenance = false;
    p.rollout.max_offers_per_minute = 0;
    ota_strlist_push(&p.whitelist, "nobody-at-all");
    ok_call(c->b->ops->plan_create(c->b, &p, &E), &E, "advance: a staged plan");
    ota_plan_init(&q);
    fails_with(c->b->ops->plan_advance(c->b, p.id, &q, &E), &E, OTA_E_INVALID_TRANSITION,
               "advance: a saved plan is refused");
    ok_call(c->b->ops->plan_transition(c->b, p.id, OTA_ACT_ACTIVATE, &q, &E), &E, "advance: activate");
    ota_plan_free(&q);
    ok_call(c->b->ops->plan_advance(c->b, p.id, &q, &E), &E, "advance: wave 1 opens");
    is_int(q.id, p.id, "advance: answers with the plan");
    ota_plan_free(&q);
    ota_plan_status st;
    ok_call(c->b->ops->plan_status_get(c->b, p.id, &st, &E), &E, "advance: status");
    ok(st.nwaves == 3 && st.current_wave == 1 && st.waves[0].state == OTA_WAVE_DONE &&
       st.waves[1].state == OTA_WAVE_OPEN && st.waves[2].state == OTA_WAVE_WAITING,
       "advance: status shows wave 1 open (current %d)", st.current_wave);
    ok_call(c->b->ops->plan_advance(c->b, p.id, &q, &E), &E, "advance: the last wave opens");
    ota_plan_free(&q);
    fails_with(c->b->ops->plan_advance(c->b, p.id, &q, &E), &E, OTA_E_INVALID_TRANSITION,
               "advance: no wave left is refused");
    is_str(E.field, "rollout.waves", "advance: ... naming rollout.waves");
    ok_call(c->b->ops->plan_transition(c->b, p.id, OTA_ACT_TERMINATE, &q, &E), &E, "advance: terminate");
    ota_plan_free(&q);
    ota_plan_free(&p);
}

/* ------------------------------------------------ transitions and jobs */
/* Transitions fill *p as output only: free the last answer first. */
static int tr(ctx *c, int64_t id, ota_action a, ota_plan *p, ota_err *e)
{
    ota_plan_free(p);
    return c->b->ops->plan_transition(c->b, id, a, p, e);
}

static void t_rollout(ctx *c, int64_t plan, int64_t pkg)
{
    ota_plan p;
    ota_plan_init(&p);
    ok_call(tr(c, plan, OTA_ACT_ACTIVATE, &p, &E), &E, "activate");
    is_int(p.state, OTA_PLAN_ACTIVE, "active");
    fails_with(tr(c, plan, OTA_ACT_ACTIVATE, &p, &E), &E,
               OTA_E_INVALID_TRANSITION, "activate twice");
    fails_with(tr(c, plan, OTA_ACT_RESUME, &p, &E), &E,
               OTA_E_INVALID_TRANSITION, "resume an active plan");
    ota_plan q;
    ota_plan_init(&q);
    c->b->ops->plan_get(c->b, plan, &q, &E);
    fails_with(c->b->ops->plan_update(c->b, &q, &E), &E, OTA_E_NOT_EDITABLE, "update an active plan");
    fails_with(c->b->ops->plan_delete(c->b, plan, &E), &E, OTA_E_NOT_EDITABLE, "delete an active plan");
    fails_with(c->b->ops->package_delete(c->b, pkg, &E), &E, OTA_E_IN_USE, "delete a package in use");

    /* dev-1 checks in, confirms, downloads, installs, succeeds. */
    ota_checkin_req ci = {.device = "dev-1", .product = "EC600N-meter", .nversions = 1,
                          .has_rsrp = true, .rsrp = -90, .has_battery = true, .battery = 80};
    snprintf(ci.versions[0].component, sizeof ci.versions[0].component, "module");
    snprintf(ci.versions[0].version, sizeof ci.versions[0].version, "1.1.0");
    ota_job_offer o = {0};
    ok_call(c->dev->ops->checkin(c->dev, &ci, &o, &E), &E, "check-in");
    ok(o.has_job, "a job is offered");
    is_int(o.plan_id, plan, "for our plan");
    is_int(o.mode, OTA_MODE_CONFIRM, "confirm mode");
    if (o.ncomponents == 1) {
        is_str(o.components[0].version, "1.2.0", "target version offered");
        is_int(o.components[0].nfiles, 2, "with both files");
    } else {
        ok(0, "one component offered (got %zu)", o.ncomponents);
    }
    int64_t job = o.job_id;
    fails_with(c->dev->ops->job_report(c->dev, job, "dev-1", OTA_JOB_SUCCEEDED, 100, NULL, &E), &E,
               OTA_E_INVALID_TRANSITION, "succeeded before downloading: refused");
    ok_call(c->dev->ops->job_confirm(c->dev, job, "dev-1", &E), &E, "confirm");
    ok_call(c->dev->ops->job_report(c->dev, job, "dev-1", OTA_JOB_DOWNLOADING, 30, NULL, &E), &E,
            "downloading");
    ok_call(c->dev->ops->job_report(c->dev, job, "dev-1", OTA_JOB_INSTALLING, 90, NULL, &E), &E,
            "installing");
    ok_call(c->dev->ops->job_report(c->dev, job, "dev-1", OTA_JOB_SUCCEEDED, 100, NULL, &E), &E,
            "succeeded");
    /* dev-4 is offered too but fails. */
    snprintf(ci.device, sizeof ci.device, "dev-4");
    ok_call(c->dev->ops->checkin(c->dev, &ci, &o, &E), &E, "dev-4 check-in");
    ok(o.has_job, "dev-4 offered");
    /* its own time zone travels as the check-in's attributes.timezone */
    snprintf(ci.timezone, sizeof ci.timezone, "America/New_York");
    ok_call(c->dev->ops->checkin(c->dev, &ci, &o, &E), &E, "dev-4 reports its time zone");
    ci.timezone[0] = '\0';
    json_t *zattrs = NULL;
    ota_device zd;
    ok_call(c->b->ops->device_detail(c->b, "EC600N-meter", "dev-4", &zd, &zattrs, &E), &E, "dev-4 detail");
    is_str(json_string_value(json_object_get(zattrs, "timezone")), "America/New_York",
           "  its attributes hold the zone");
    json_decref(zattrs);
    /* dev-2 is blacklisted. */
    snprintf(ci.device, sizeof ci.device, "dev-2");
    ok_call(c->dev->ops->checkin(c->dev, &ci, &o, &E), &E, "dev-2 check-in");
    ok(!o.has_job, "blacklisted dev-2 gets nothing");

    ota_plan_status st;
    ok_call(c->b->ops->plan_status_get(c->b, plan, &st, &E), &E, "status");
    is_int(st.counts[OTA_JOB_SUCCEEDED], 1, "one succeeded");
    is_int(st.counts[OTA_JOB_AWAITING_CONFIRMATION] + st.counts[OTA_JOB_OFFERED], 1,
           "one waiting for its device");
    ok(st.state == OTA_PLAN_ACTIVE || st.state == OTA_PLAN_UPGRADING, "plan is rolling out (%s)",
       ota_plan_state_str(st.state));

    ota_job_page jp = {0};
    ok_call(c->b->ops->plan_devices(c->b, plan, -1, NULL, &jp, &E), &E, "job rows");
    is_int(jp.n, 3, "three jobs: dev-1, dev-4 and dev-3 (pending: wrong version)");
    ota_job_page_free(&jp);
    ok_call(c->b->ops->plan_devices(c->b, plan, OTA_JOB_SUCCEEDED, NULL, &jp, &E), &E,
            "job rows by state");
    is_int(jp.n, 1, "one succeeded row");
    if (jp.n == 1) {
        is_str(jp.items[0].device, "dev-1", "it is dev-1");
        is_int(jp.items[0].progress, 100, "at 100 %%");
    }
    ota_job_page_free(&jp);

    ota_event_page ev = {0};
    ok_call(c->b->ops->plan_events(c->b, plan, 0, 0, &ev, &E), &E, "events");
    ok(ev.n >= 5, "plan and job changes recorded (%zu)", ev.n);
    int64_t last = ev.last_seq;
    bool ordered = true;
    for (size_t i = 1; i < ev.n; i++)
        ordered = ordered && ev.items[i].seq > ev.items[i - 1].seq;
    ok(ordered, "oldest first");
    ota_event_page_free(&ev);
    ok_call(c->b->ops->plan_events(c->b, plan, last, 0, &ev, &E), &E, "events since the last");
    is_int(ev.n, 0, "nothing new");
    ota_event_page_free(&ev);
    ok_call(c->b->ops->plan_events(c->b, plan, 0, 2, &ev, &E), &E, "events with a limit");
    is_int(ev.n, 2, "at most the limit");
    ota_event_page_free(&ev);

    ok_call(tr(c, plan, OTA_ACT_PAUSE, &p, &E), &E, "pause");
    is_int(p.state, OTA_PLAN_PAUSED, "paused");
    ok_call(tr(c, plan, OTA_ACT_RESUME, &p, &E), &E, "resume");
    ok(p.state == OTA_PLAN_ACTIVE || p.state == OTA_PLAN_UPGRADING, "back to rolling out");
    ok_call(tr(c, plan, OTA_ACT_TERMINATE, &p, &E), &E, "terminate");
    is_int(p.state, OTA_PLAN_TERMINATED, "terminated");
    fails_with(tr(c, plan, OTA_ACT_PAUSE, &p, &E), &E,
               OTA_E_INVALID_TRANSITION, "pause a terminated plan");
    fails_with(tr(c, 99999, OTA_ACT_PAUSE, &p, &E), &E, OTA_E_NOT_FOUND,
               "transition of an unknown plan");
    ota_plan_free(&p);
    ota_plan_free(&q);
    ota_job_offer_free(&o);
}

/* --------------------------------------------------- remote-only cases */
static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A port nobody listens on: refused at once, one clear sentence with the URL. */
static void t_unreachable(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &al);
    close(s); /* the port is now closed */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    ota_remote_opts o = {.url = url, .token = "t", .connect_timeout_ms = 1000, .timeout_ms = 2000};
    ota_backend *b = ota_backend_remote_open(&o, &E);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ota_product_list l;
    fails_with(b->ops->product_list_all(b, &l, &E), &E, OTA_E_UNAVAILABLE, "closed port: unavailable");
    ok(strstr(E.message, url) != NULL, "message names the URL: %s", E.message);
    ok(strstr(E.message, "curl") == NULL && strstr(E.message, "CURLE") == NULL, "no libcurl jargon");
    ok(since(&t0) < 5.0, "gave up within the retry budget (%.2f s)", since(&t0));
    ota_backend_close(b);
}

/* A server that accepts and never answers: the overall timeout ends it. */
static void t_silent_server(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 8); /* the kernel completes the handshake; nobody reads */
    getsockname(s, (struct sockaddr *)&a, &al);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    ota_remote_opts o = {.url = url, .token = "t", .connect_timeout_ms = 500, .timeout_ms = 600,
                         .retries = -1};
    ota_backend *b = ota_backend_remote_open(&o, &E);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ota_plan p;
    ota_plan_init(&p);
    fails_with(b->ops->plan_get(b, 1, &p, &E), &E, OTA_E_UNAVAILABLE, "silent server: unavailable");
    double dt = since(&t0);
    ok(dt >= 0.5 && dt < 3.0, "ended by the timeout (%.2f s)", dt);
    ok(strstr(E.message, url) && strstr(E.message, "timeout"), "says so: %s", E.message);
    ota_backend_close(b);
    close(s);
}

/* ---------------------------------------------- a tiny server in a thread
 * DROP: reads a request and hangs up without answering (counts connections,
 * so retries can be seen).  CORRUPT: a proxy to otad that flips the first
 * body byte of every /files/ answer and one byte inside every upload (bytes
 * damaged in transit).  LOSE_PUT: a proxy that lets the first PUT reach otad
 * but swallows its answer and hangs up, as a dropped connection would.
 * HOLD: a proxy that never answers a plan preview (a server kept busy by
 * it) and keeps the connection open; everything else goes through. */
enum { TINY_DROP, TINY_CORRUPT, TINY_LOSE_PUT, TINY_HOLD };
typedef struct tiny {
    int mode, lfd, port, upstream;
    int held;         /* TINY_HOLD: the connection of a preview, never answered (-1 none) */
    bool lost;        /* TINY_LOSE_PUT: the first PUT's answer was swallowed */
    int conns;
    pthread_t th;
} tiny;

static int read_head(int fd, char *buf, size_t len)
{
    size_t n = 0;
    while (n + 1 < len) {
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0)
            return -1;
        n++;
        buf[n] = 0;
        if (n >= 4 && !memcmp(buf + n - 4, "\r\n\r\n", 4))
            return (int)n;
    }
    return -1;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void tiny_proxy(tiny *t, int cfd)
{
    int ufd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)t->upstream)};
    if (connect(ufd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(ufd);
        return;
    }
    char req[16384], resp[16384], body[65536];
    int n;
    while ((n = read_head(cfd, req, sizeof req)) > 0) {
        bool files = strstr(req, "/files/") && !strncmp(req, "GET ", 4);
        bool upload = !strncmp(req, "POST /api/v1/packages ", 22);
        write_all(ufd, req, (size_t)n);
        const char *rl = strcasestr(req, "\r\nContent-Length:");
        long in = rl ? atol(rl + 17) : 0, flip = in - 200; /* inside the file part */
        for (long off = 0; in > 0;) {
            ssize_t r = read(cfd, body, in < (long)sizeof body ? (size_t)in : sizeof body);
            if (r <= 0)
                break;
            if (upload && flip >= off && flip < off + r)
                body[flip - off] ^= 0x20;
            write_all(ufd, body, (size_t)r);
            off += r;
            in -= r;
        }
        bool lose = t->mode == TINY_LOSE_PUT && !t->lost && !strncmp(req, "PUT ", 4);
        if ((n = read_head(ufd, resp, sizeof resp)) < 0)
            break;
        if (lose) {
            t->lost = true;
            break; /* the update happened; the client never hears of it */
        }
        write_all(cfd, resp, (size_t)n);
        const char *cl = strcasestr(resp, "\r\nContent-Length:");
        long left = cl ? atol(cl + 17) : 0;
        bool first = true;
        while (left > 0) {
            ssize_t r = read(ufd, body, left < (long)sizeof body ? (size_t)left : sizeof body);
            if (r <= 0)
                break;
            if (files && first)
                body[0] ^= 0x20;
            first = false;
            write_all(cfd, body, (size_t)r);
            left -= r;
        }
    }
    close(ufd);
}

static void *tiny_run(void *ud)
{
    tiny *t = ud;
    for (;;) {
        int cfd = accept(t->lfd, NULL, NULL);
        if (cfd < 0)
            return NULL; /* listening socket shut down: stop */
        __atomic_add_fetch(&t->conns, 1, __ATOMIC_SEQ_CST);
        if (t->mode == TINY_HOLD) {
            char head[4096];
            ssize_t n = 0;
            for (int i = 0; i < 500 && (n <= 0 || !memmem(head, (size_t)n, "\r\n\r\n", 4)); i++) {
                n = recv(cfd, head, sizeof head, MSG_PEEK);
                if (n <= 0 || !memmem(head, (size_t)n, "\r\n\r\n", 4))
                    usleep(2000);   /* the head is still on its way */
            }
            if (n > 0 && memmem(head, (size_t)n, "/preview", 8)) {
                __atomic_store_n(&t->held, cfd, __ATOMIC_SEQ_CST);
                continue;   /* read, never answered */
            }
            tiny_proxy(t, cfd);
        } else if (t->mode != TINY_DROP) {
            tiny_proxy(t, cfd);
        } else {
            char req[16384];
            read_head(cfd, req, sizeof req);
        }
        close(cfd);
    }
}

static void tiny_start(tiny *t, int mode, int upstream)
{
    memset(t, 0, sizeof *t);
    t->held = -1;
    t->mode = mode;
    t->upstream = upstream;
    t->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    bind(t->lfd, (struct sockaddr *)&a, sizeof a);
    listen(t->lfd, 8);
    getsockname(t->lfd, (struct sockaddr *)&a, &al);
    t->port = ntohs(a.sin_port);
    pthread_create(&t->th, NULL, tiny_run, t);
}

static void tiny_stop(tiny *t)
{
    shutdown(t->lfd, SHUT_RDWR);
    pthread_join(t->th, NULL);
    close(t->lfd);
    if (t->held >= 0)
        close(t->held);
}

/* GET, PUT with If-Match and DELETE are retried; a POST never is. */
static void t_retries(void)
{
    tiny t;
    tiny_start(&t, TINY_DROP, 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", t.port);
    ota_remote_opts o = {.url = url, .token = "t", .retries = 2};
    ota_backend *b = ota_backend_remote_open(&o, &E);
    ota_plan p;
    ota_plan_init(&p);
    fails_with(b->ops->plan_get(b, 1, &p, &E), &E, OTA_E_UNAVAILABLE, "a server that hangs up: unavailable");
    is_int(t.conns, 3, "a GET is tried three times (two retries)");
    ok(strstr(E.message, url) != NULL, "message names the URL: %s", E.message);
    t.conns = 0;
    fails_with(b->ops->plan_transition(b, 1, OTA_ACT_ACTIVATE, &p, &E), &E, OTA_E_UNAVAILABLE,
               "POST to a server that hangs up: unavailable");
    is_int(t.conns, 1, "a POST is sent once, never repeated");
    t.conns = 0;
    fails_with(b->ops->plan_delete(b, 1, &E), &E, OTA_E_UNAVAILABLE, "DELETE: unavailable");
    is_int(t.conns, 3, "a DELETE is retried");
    ota_backend_close(b);
    tiny_stop(&t);
}

/* A PUT applied by the server whose answer was lost: the retry meets a
 * stale If-Match, and the client recognises its own update instead of
 * reporting a false conflict. */
static void t_lost_answer(ctx *c, int64_t pkg)
{
    int port = atoi(strrchr(c->url, ':') + 1);
    tiny t;
    tiny_start(&t, TINY_LOSE_PUT, port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", t.port);
    ota_remote_opts o = {.url = url, .token = c->token};
    ota_backend *b = ota_backend_remote_open(&o, &E);
    ota_plan p, other;
    plan_fill(c, &p, pkg);
    ok_call(c->b->ops->plan_create(c->b, &p, &E), &E, "a fresh saved plan");
    snprintf(p.name, sizeof p.name, "renamed once");
    ok_call(b->ops->plan_update(b, &p, &E), &E, "update whose first answer was lost succeeds");
    ok(t.lost, "the proxy did swallow the first answer");
    is_int(p.revision, 2, "applied once: revision 2");
    is_str(p.name, "renamed once", "with our change");
    /* A real conflict through the same path stays a conflict. */
    ota_plan_init(&other);
    ota_plan_copy(&other, &p);
    other.revision = 1;
    snprintf(other.name, sizeof other.name, "stale writer");
    fails_with(b->ops->plan_update(b, &other, &E), &E, OTA_E_CONFLICT, "a stale writer still conflicts");
    ota_plan_free(&p);
    ota_plan_free(&other);
    ota_backend_close(b);
    tiny_stop(&t);
}

/* A request the server never answers holds only itself: another request
 * on the same backend, from another thread, is answered at once; the stuck
 * one ends at the timeout, which its message names. */
typedef struct stuck { ota_backend *b; int64_t plan; int rc; ota_err e; int done; } stuck;

static void *stuck_run(void *ud)
{
    stuck *s = ud;
    ota_preview pv;
    s->rc = s->b->ops->plan_preview(s->b, s->plan, &pv, &s->e);
    __atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void t_stuck_request(ctx *c, int64_t plan)
{
    int port = atoi(strrchr(c->url, ':') + 1);
    tiny t;
    tiny_start(&t, TINY_HOLD, port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", t.port);
    ota_remote_opts o = {.url = url, .token = c->token, .timeout_ms = 3000, .retries = -1};
    ota_backend *b = ota_backend_remote_open(&o, &E);
    stuck s = {.b = b, .plan = plan};
    pthread_t th;
    pthread_create(&th, NULL, stuck_run, &s);
    for (int i = 0; i < 1000 && __atomic_load_n(&t.held, __ATOMIC_SEQ_CST) < 0; i++)
        usleep(2000);   /* until the preview has reached the server */
    ok(t.held >= 0, "a preview the server never answers is in flight");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ota_product_list l;
    ok_call(b->ops->product_list_all(b, &l, &E), &E, "another request on the same backend");
    ota_product_list_free(&l);
    double dt = since(&t0);
    ok(dt < 1.0 && !__atomic_load_n(&s.done, __ATOMIC_SEQ_CST),
       "answered at once (%.2f s) while the preview still waits", dt);
    pthread_join(th, NULL);
    fails_with(s.rc, &s.e, OTA_E_UNAVAILABLE, "the stuck preview ends at the timeout");
    ok(strstr(s.e.message, "no answer within the timeout (3 s)") != NULL, "naming it: %s", s.e.message);
    ota_backend_close(b);
    tiny_stop(&t);
}

/* Bytes flipped between otad and the client: the download notices. */
static void t_transit(ctx *c, int64_t pkg)
{
    int port = atoi(strrchr(c->url, ':') + 1);
    tiny t;
    tiny_start(&t, TINY_CORRUPT, port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", t.port);
    ota_remote_opts o = {.url = url, .token = c->token};
    ota_backend *b = ota_backend_remote_open(&o, &E);
    ota_package p;
    ok_call(b->ops->package_get(b, pkg, &p, &E), &E, "package metadata through the proxy");
    char *dest = tpath(c, "transit.bin");
    fails_with(b->ops->package_download(b, pkg, "fw.bin", dest, &E), &E, OTA_E_IO,
               "a byte flipped in transit: io_error");
    ok(strstr(E.message, "corrupted in transfer") != NULL, "says corrupted in transfer: %s", E.message);
    ok(access(dest, F_OK) < 0, "nothing saved at the destination");
    char part[PATH_MAX + 80];
    snprintf(part, sizeof part, "ls '%s'/transit.bin.part-* >/dev/null 2>&1", c->tmp);
    ok(system(part) != 0, "no temp file left behind");
    ok_call(c->b->ops->package_download(c->b, pkg, "fw.bin", dest, &E), &E,
            "the direct download is fine");

    /* An upload damaged on the way: the server's hash differs from ours, so
     * the client refuses and removes what the server stored. */
    char big[4096];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = 0;
    write_file(tpath(c, "up.bin"), big, strlen(big));
    ota_package_meta m = {.component = "transit", .kind = OTA_KIND_FULL, .target_version = "1.0"};
    const char *paths[] = {tpath(c, "up.bin")};
    fails_with(b->ops->package_create(b, &m, paths, 1, &p, &E), &E, OTA_E_IO,
               "an upload damaged in transit: io_error");
    ok(strstr(E.message, "corrupted in transfer") && strstr(E.message, "deleted"),
       "says so and that the package was deleted: %s", E.message);
    ota_package_page pp = {0};
    ok_call(c->b->ops->package_list(c->b, "transit", NULL, &pp, &E), &E, "list on the server");
    is_int(pp.n, 0, "no damaged package left on the server");
    ota_package_page_free(&pp);
    ota_backend_close(b);
    tiny_stop(&t);
}

static void t_auth(ctx *c)
{
    if (c->viewer) { /* role too low: forbidden, with the server's message */
        ota_remote_opts vo = {.url = c->url, .token = c->viewer};
        ota_backend *v = ota_backend_remote_open(&vo, &E);
        ota_product_list vl = {0};
        ok_call(v->ops->product_list_all(v, &vl, &E), &E, "a viewer may read");
        ota_product_list_free(&vl);
        ota_product vp = {.key = "viewer-made", .name = "x"};
        fails_with(v->ops->product_add(v, &vp, NULL, &E), &E, OTA_E_FORBIDDEN,
                   "a viewer may not write: forbidden");
        ok(E.message[0] != 0, "with the server's message: %s", E.message);
        ota_backend_close(v);
    }
    ota_remote_opts o = {.url = c->url, .token = "wrong-token"};
    ota_backend *b = ota_backend_remote_open(&o, &E);
    ota_product_list l;
    fails_with(b->ops->product_list_all(b, &l, &E), &E, OTA_E_UNAUTHORIZED, "a wrong token: unauthorized");
    ota_backend_close(b);
    ota_remote_opts ins = {.url = c->url, .token = c->token, .insecure = true};
    b = ota_backend_remote_open(&ins, &E);
    ok(b && b->insecure && strstr(b->where, "TLS verification off"),
       "an explicit insecure backend says so for the status bar (%s)", b ? b->where : "");
    ota_backend_close(b);
    ota_remote_opts bad = {.url = "ftp://x"};
    ok(ota_backend_remote_open(&bad, &E) == NULL && E.code == OTA_E_BAD_REQUEST,
       "an ftp:// URL refused at open");
}

/* Who the backend acts as, and a refusal the front end decided itself
 * (a terminate whose typed name did not match), recorded the same through
 * both backends and found by the plan's target; anything but a plan
 * action on an existing plan is refused. */
static void t_whoami_refused(ctx *c, int64_t plan)
{
    ota_token_info ti;
    ok_call(c->b->ops->whoami(c->b, &ti, &E), &E, "whoami");
    is_int(ti.role, OTA_ROLE_ADMIN, "the operator backend may do everything");
    ok(c->remote ? !strcmp(ti.name, "admin") : !strncmp(ti.name, "local:", 6),
       "named as the audit trail names it (%s)", ti.name);
    char target[64];
    snprintf(target, sizeof target, "plan:%lld", (long long)plan);
    ota_err why;
    ota_fail(&why, OTA_E_VALIDATION, "name", "the name typed to confirm does not match (console)");
    ok_call(c->b->ops->audit_refused(c->b, "plan.terminate", target, &why, &E), &E,
            "a refused terminate recorded");
    ota_audit_query q = {.target = target, .page = {.limit = 1000}};
    ota_audit_page pg;
    if (ok(c->b->ops->audit_list(c->b, &q, &pg, &E) == 0 && pg.n > 0, "the plan's audit rows")) {
        const ota_audit_row *r = &pg.items[pg.n - 1];
        is_str(r->action, "plan.terminate", "the last one is the refused terminate");
        is_str(r->outcome, "validation_failed", "with its outcome");
        is_str(r->detail, "name: the name typed to confirm does not match (console)", "and why");
        is_str(r->actor, ti.name, "by whoever refused it");
        ota_audit_page_free(&pg);
    }
    fails_with(c->b->ops->audit_refused(c->b, "package.delete", target, &why, &E), &E,
               OTA_E_VALIDATION, "not a plan action");
    is_str(E.field, "action", "the action named");
    fails_with(c->b->ops->audit_refused(c->b, "plan.pause", "package:1", &why, &E), &E,
               OTA_E_VALIDATION, "not a plan target");
    is_str(E.field, "target", "the target named");
    fails_with(c->b->ops->audit_refused(c->b, "plan.pause", "plan:999999", &why, &E), &E,
               OTA_E_NOT_FOUND, "a plan that does not exist");
    ota_err none = {0};
    fails_with(c->b->ops->audit_refused(c->b, "plan.pause", target, &none, &E), &E,
               OTA_E_VALIDATION, "a refusal without a code");
}

/* Signatures and the audit trail, the same through both backends: a valid
 * signature attached, the same key twice a conflict, a tampered one and an
 * unknown package refused, each attempt an audit row with its outcome. */
static void t_sign_audit(ctx *c, int64_t pkg)
{
    char sec[PATH_MAX], pub[PATH_MAX];
    ota_sign_key k;
    ota_package p, out;
    ota_signature sig, bad;
    if (!ok(ota_key_generate("qa", c->tmp, sec, pub, &E) == 0 && ota_key_load_secret(sec, &k, &E) == 0 &&
                c->b->ops->package_get(c->b, pkg, &p, &E) == 0 && ota_package_sign_make(&p, &k, &sig, &E) == 0,
            "key made, package signed locally: %s", E.message))
        return;
    ota_key_wipe(&k);
    ok_call(c->b->ops->package_sign_add(c->b, pkg, &sig, &out, &E), &E, "signature attached");
    ok(out.nsignatures == 1 && !strcmp(out.signatures[0].key_id, sig.key_id) &&
           !strcmp(out.signatures[0].signer, "qa"), "the package answers with its signature");
    fails_with(c->b->ops->package_sign_add(c->b, pkg, &sig, NULL, &E), &E, OTA_E_CONFLICT, "the same key twice");
    /* Another key, so the refusal is the signature's and not the key's. */
    if (!ok(ota_key_generate("qa2", c->tmp, sec, pub, &E) == 0 && ota_key_load_secret(sec, &k, &E) == 0 &&
                ota_package_sign_make(&p, &k, &bad, &E) == 0, "second key: %s", E.message))
        return;
    ota_key_wipe(&k);
    bad.signature[3] = bad.signature[3] == 'A' ? 'B' : 'A';
    fails_with(c->b->ops->package_sign_add(c->b, pkg, &bad, NULL, &E), &E, OTA_E_VALIDATION,
               "a signature that does not match the manifest");
    fails_with(c->b->ops->package_sign_add(c->b, 999999, &sig, NULL, &E), &E, OTA_E_NOT_FOUND, "an unknown package");
    ok_call(c->b->ops->package_get(c->b, pkg, &p, &E), &E, "package get after the refusals");
    is_int(p.nsignatures, 1, "only the valid signature is kept");

    char target[64];
    snprintf(target, sizeof target, "package:%lld", (long long)pkg);
    ota_audit_query q = {.target = target, .page = {.limit = 100}};
    ota_audit_page pg;
    int rc = c->b->ops->audit_list(c->b, &q, &pg, &E);
    if (!ok(rc == 0, "audit of the package: %s", rc ? E.message : "ok"))
        return;
    char got[512] = "";
    for (size_t i = 0; i < pg.n; i++)
        if (!strncmp(pg.items[i].action, "package.sign", 12))
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", got[0] ? " " : "", pg.items[i].outcome);
    is_str(got, "ok conflict validation_failed", "each signing attempt recorded with its outcome");
    ok(pg.n && pg.items[pg.n - 1].actor[0] && pg.items[pg.n - 1].at >= c->now - 5,
       "rows carry an actor (%s) and the time", pg.n ? pg.items[pg.n - 1].actor : "");
    ota_audit_page_free(&pg);
    ota_audit_query none = {.target = "package:999999", .page = {.limit = 10}};
    ok_call(c->b->ops->audit_list(c->b, &none, &pg, &E), &E, "audit of an unknown package");
    ok(pg.n == 1 && !strcmp(pg.items[0].outcome, "not_found"), "holds the refused sign only (%zu rows)", pg.n);
    ota_audit_page_free(&pg);
    ota_audit_query badq = {.page = {.cursor = "x y"}};
    fails_with(c->b->ops->audit_list(c->b, &badq, &pg, &E), &E, OTA_E_BAD_REQUEST, "audit with a forged cursor");
}

int main(int argc, char **argv)
{
    ctx c = {0};
    c.now = (int64_t)time(NULL);
    snprintf(c.tmp, sizeof c.tmp, "%s", tap_tmpdir());
    if (argc == 2 && !strcmp(argv[1], "--local")) {
        char db[PATH_MAX + 16];
        snprintf(db, sizeof db, "%s/ota.db", c.tmp);
        c.b = ota_backend_local_open(db, NULL, ota_clock_system(), &E);
        if (c.b)
            snprintf(c.blobdir, sizeof c.blobdir, "%s",
                     ota_engine_blob_dir(ota_backend_local_engine(c.b)));
    } else if (argc >= 5 && argc <= 7 && !strcmp(argv[1], "--remote")) {
        c.viewer = argc >= 6 ? argv[5] : NULL;
        c.operator_token = argc >= 7 ? argv[6] : NULL;
        c.remote = true;
        c.url = argv[2];
        c.token = argv[3];
        snprintf(c.blobdir, sizeof c.blobdir, "%s", argv[4]);
        ota_remote_opts o = {.url = c.url, .token = c.token};
        c.b = ota_backend_remote_open(&o, &E);
    } else {
        fprintf(stderr, "usage: %s --local | --remote URL TOKEN BLOBDIR [VIEWER_TOKEN [OPERATOR_TOKEN]]\n",
                argv[0]);
        return 2;
    }
    if (!c.b) {
        printf("Bail out! cannot open backend: %s\n", E.message);
        return 1;
    }
    printf("# backend: %s\n", c.b->where);
    int64_t pkg = 0, plan = 0;
    t_products(&c);
    t_devices(&c);
    t_device_get(&c);
    t_packages(&c, &pkg);
    t_plans(&c, pkg, &plan);
    t_staged(&c, pkg);
    t_advance(&c, pkg);
    t_rollout(&c, plan, pkg);
    t_corrupt(&c);
    t_sign_audit(&c, pkg);
    t_whoami_refused(&c, plan);
    t_devauth(&c);
    if (c.remote) {
        t_stuck_request(&c, plan);
        t_auth(&c);
        t_unreachable();
        t_silent_server();
        t_retries();
        t_transit(&c, pkg);
        t_lost_answer(&c, pkg);
        ota_backend_close(c.dev);
    }
    ota_backend_close(c.b);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.tmp);
    if (!getenv("OTA_KEEP") && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", c.tmp);
    return tap_done();
}
