/* Packages: create from local files (rules checked before any copy), list
 * with filter and paging, get, verify, delete (in_use while a plan past
 * saved uses it), find_same. */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include "fixture.h"

static ota_engine *eng;
static const char *dir;
static ota_fake_clock fc = {.t = 1796083200};

static const char *make_file(const char *name, const char *content)
{
    static char paths[16][600];
    static int k;
    char *p = paths[k++ % 16];
    snprintf(p, 600, "%s/in/%s", dir, name);
    FILE *f = fopen(p, "w");
    fputs(content, f);
    fclose(f);
    return p;
}

static ota_package_meta meta(const char *component, const char *target)
{
    ota_package_meta m = {.kind = OTA_KIND_FULL};
    snprintf(m.component, sizeof m.component, "%s", component);
    snprintf(m.target_version, sizeof m.target_version, "%s", target);
    return m;
}

static int blob_count(void)
{
    int n = 0;
    DIR *d = opendir(ota_engine_blob_dir(eng));
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "tmp"))
            continue;
        char sub[700];
        snprintf(sub, sizeof sub, "%s/%s", ota_engine_blob_dir(eng), de->d_name);
        DIR *s = opendir(sub);
        struct dirent *f;
        while (s && (f = readdir(s)))
            n += f->d_name[0] != '.';
        if (s)
            closedir(s);
    }
    if (d)
        closedir(d);
    return n;
}

static long package_count(void)
{
    ota_err e = {0};
    ota_page_req pg = {.limit = 1000};
    ota_package_page page;
    if (ota_package_list(eng, NULL, &pg, &page, &e) < 0)
        return -1;
    long n = (long)page.n;
    ota_package_page_free(&page);
    return n;
}

static int64_t pkg_a;

static void test_create(void)
{
    ota_err e = {0};
    ota_package_meta m = meta("module", "1.2.0");
    strcpy(m.remark, "\xe4\xbf\xae\xe5\xa4\x8d\xe7\x94\xb5\xe8\xa1\xa8"); /* 修复电表 */
    const char *paths[] = {make_file("fw.bin", "firmware"), make_file("app.tar.gz", "archive"),
                           make_file("boot.s19", "S0030000FC")};
    ota_package p;
    ok_call(ota_package_create(eng, &m, paths, 3, &p, &e), &e, "create a package of 3 files");
    pkg_a = p.id;
    ok(p.id > 0 && p.nfiles == 3 && p.created_at == fc.t, "id, 3 files, created now");
    is_str(p.files[0].name, "fw.bin", "file names are the base names");
    is_str(p.files[0].sha256, "c3bf47ea1f4a4a605470313cacb3a44f4a461f68c6faeab07e737610cb5ac835", "SHA-256 of the bytes");
    ok(strlen(p.files[0].sha256) == 64 && strlen(p.files[0].sha1) == 40 && strlen(p.files[0].md5) == 32,
       "SHA-256, SHA-1 and MD5 recorded");
    is_int(p.files[1].size, 7, "sizes recorded");
    is_int(blob_count(), 3, "three blobs stored");

    ota_package g;
    ok_call(ota_package_get(eng, p.id, &g, &e), &e, "get it");
    ok(!strcmp(g.meta.remark, m.remark) && g.meta.kind == OTA_KIND_FULL && !g.meta.source_version[0],
       "meta round trip");
    ok(g.nfiles == 3 && !strcmp(g.files[2].sha256, p.files[2].sha256) && !strcmp(g.files[2].md5, p.files[2].md5),
       "files round trip");
    fails_with(ota_package_get(eng, 999, &g, &e), &e, OTA_E_NOT_FOUND, "an unknown package");
}

static void test_refusals(void)
{
    ota_err e = {0};
    int blobs = blob_count();
    long rows = package_count();
    ota_package p;
    ota_package_meta m = meta("module", "1.3.0");
    const char *six[] = {make_file("1.bin", "1"), make_file("2.bin", "2"), make_file("3.bin", "3"),
                         make_file("4.bin", "4"), make_file("5.bin", "5"), make_file("6.bin", "6")};
    ok_call(ota_package_create(eng, &m, six, 5, &p, &e), &e, "5 files are accepted");
    blobs += 5;
    rows++;
    m = meta("module", "1.3.1");
    fails_with(ota_package_create(eng, &m, six, 6, &p, &e), &e, OTA_E_VALIDATION, "6 files are refused");
    is_str(e.field, "files[5]", "... naming the sixth file");
    is_str(e.message, "at most 5 files per package (got 6)", "... and the rule");

    const char *bad_end[] = {make_file("ok.bin", "ok"), make_file("fw.tar.bz2", "bz")};
    fails_with(ota_package_create(eng, &m, bad_end, 2, &p, &e), &e, OTA_E_VALIDATION, "a bad ending is refused");
    is_str(e.field, "files[1]", "... naming that file's position");
    ok(strstr(e.message, "fw.tar.bz2") && strstr(e.message, ".tar.gz"), "... its name and the endings: %s",
       e.message);

    ota_package_meta diff = meta("module", "1.3.1");
    diff.kind = OTA_KIND_DIFF;
    const char *one[] = {make_file("d.bin", "delta")};
    fails_with(ota_package_create(eng, &diff, one, 1, &p, &e), &e, OTA_E_VALIDATION, "diff without source refused");
    is_str(e.field, "source_version", "... naming source_version");
    ota_package_meta full = meta("module", "1.3.1");
    strcpy(full.source_version, "1.3.0");
    fails_with(ota_package_create(eng, &full, one, 1, &p, &e), &e, OTA_E_VALIDATION, "full with source refused");

    ota_package_meta rm = meta("module", "1.3.1");
    for (int i = 0; i < 201; i++)
        memcpy(rm.remark + 3 * i, "\xe4\xb8\xad", 3);
    rm.remark[603] = 0;
    fails_with(ota_package_create(eng, &rm, one, 1, &p, &e), &e, OTA_E_VALIDATION, "a 201-character remark refused");
    is_str(e.message, "at most 200 characters (got 201)", "... with the rule");
    rm.remark[600] = 0;
    ok_call(ota_package_create(eng, &rm, one, 1, &p, &e), &e, "a 200-character CJK remark is accepted");
    blobs++;
    rows++;

    const char *dup[] = {make_file("same.bin", "a"), make_file("same.bin", "b")};
    m = meta("module", "1.3.2");
    fails_with(ota_package_create(eng, &m, dup, 2, &p, &e), &e, OTA_E_VALIDATION, "a file name twice is refused");
    const char *empty[] = {make_file("empty.bin", "")};
    fails_with(ota_package_create(eng, &m, empty, 1, &p, &e), &e, OTA_E_VALIDATION, "an empty file is refused");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/in/missing.bin", dir);
    const char *miss[] = {one[0], missing};
    fails_with(ota_package_create(eng, &m, miss, 2, &p, &e), &e, OTA_E_IO, "a missing file is refused");
    is_str(e.field, "files[1]", "... naming it");
    char sub[600];
    snprintf(sub, sizeof sub, "%s/in/folder.bin", dir);
    mkdir(sub, 0700);
    const char *folder[] = {sub};
    fails_with(ota_package_create(eng, &m, folder, 1, &p, &e), &e, OTA_E_VALIDATION, "a folder is refused");

    /* a file over 100 MiB is refused before any byte is copied (sparse) */
    char bigp[600];
    snprintf(bigp, sizeof bigp, "%s/in/huge.bin", dir);
    FILE *f = fopen(bigp, "w");
    fseek(f, (long)OTA_MAX_FILE_SIZE, SEEK_SET);
    fputc(0, f);
    fclose(f);
    const char *huge[] = {one[0], bigp};
    fails_with(ota_package_create(eng, &m, huge, 2, &p, &e), &e, OTA_E_TOO_LARGE, "a 100 MiB + 1 file is refused");
    is_str(e.field, "files[1]", "... naming it");
    is_int(blob_count(), blobs, "refused packages copied no blob");
    is_int(package_count(), rows, "and wrote no row");

    /* the row fails after the blobs are stored: the blobs it stored go
     * again, a blob another package names stays */
    const char *kept[] = {make_file("kept.bin", "bytes a package keeps")};
    ok_call(ota_package_create(eng, &m, kept, 1, &p, &e), &e, "a package whose bytes are shared below");
    int64_t kept_id = p.id;
    sql(eng, "CREATE TRIGGER boom BEFORE INSERT ON package_files WHEN NEW.name = 'boom.bin'"
        " BEGIN SELECT RAISE(ABORT, 'boom'); END");
    blobs = blob_count();
    rows = package_count();
    const char *boom[] = {make_file("same.bin", "bytes a package keeps"), make_file("fresh.bin", "fresh bytes"),
                          make_file("boom.bin", "more fresh bytes")};
    ota_err_clear(&e);
    ok(ota_package_create(eng, &m, boom, 3, &p, &e) < 0, "a create whose row fails is refused: %s", e.message);
    sql(eng, "DROP TRIGGER boom");
    is_int(package_count(), rows, "... leaving no row");
    is_int(blob_count(), blobs, "... and none of the blobs it stored");
    ota_verify_result vr;
    ok(ota_package_verify(eng, kept_id, &vr, &e) == 0 && vr.ok, "the shared blob is still there and whole");

    ota_file fake = {.name = "fw.bin", .size = 5};
    memset(fake.sha256, 'a', 64);
    fails_with(ota_package_create_from_blobs(eng, &m, &fake, 1, &p, &e), &e, OTA_E_IO,
               "a row for a blob that is not stored is refused");
    strcpy(fake.sha256, "XYZ");
    fails_with(ota_package_create_from_blobs(eng, &m, &fake, 1, &p, &e), &e, OTA_E_VALIDATION,
               "a malformed sha256 is refused");
}

static void test_list(void)
{
    ota_err e = {0};
    for (int i = 0; i < 12; i++) {
        char v[16], content[32];
        snprintf(v, sizeof v, "2.%d", i);
        snprintf(content, sizeof content, "mcu image %d", i);
        ota_package_meta m = meta("mcu", v);
        const char *one[] = {make_file("mcu.bin", content)};
        ota_package p;
        ota_package_create(eng, &m, one, 1, &p, &e);
    }
    ota_page_req pg = {.limit = 5};
    ota_package_page page;
    int64_t last = INT64_MAX;
    bool desc = true, only_mcu = true;
    size_t total = 0;
    int pages = 0;
    do {
        if (ota_package_list(eng, "mcu", &pg, &page, &e) < 0)
            break;
        for (size_t i = 0; i < page.n; i++) {
            desc = desc && page.items[i].id < last;
            last = page.items[i].id;
            only_mcu = only_mcu && !strcmp(page.items[i].meta.component, "mcu") && page.items[i].nfiles == 1;
        }
        total += page.n;
        pages++;
        snprintf(pg.cursor, sizeof pg.cursor, "%s", page.next_cursor);
        ota_package_page_free(&page);
    } while (pg.cursor[0] && pages < 10);
    is_int(total, 12, "12 mcu packages over the pages");
    is_int(pages, 3, "in pages of 5");
    ok(desc, "newest first");
    ok(only_mcu, "only the filtered component, with files");
    ota_page_req all = {0};
    ok_call(ota_package_list(eng, NULL, &all, &page, &e), &e, "list all");
    ok(page.n > 12 && !page.next_cursor[0], "all components on one page");
    ota_package_page_free(&page);
}

static void test_verify_delete(void)
{
    ota_err e = {0};
    ota_verify_result v;
    ok_call(ota_package_verify(eng, pkg_a, &v, &e), &e, "verify a package");
    ok(v.ok && v.nfiles == 3 && v.files[0].ok, "all files ok");
    ota_package p;
    ota_package_get(eng, pkg_a, &p, &e);
    char path[700];
    ota_blob_path(eng, p.files[1].sha256, path, sizeof path);
    FILE *f = fopen(path, "r+");
    fputs("ARCHIVE", f);
    fclose(f);
    ok_call(ota_package_verify(eng, pkg_a, &v, &e), &e, "verify again after bytes changed on disk");
    ok(!v.ok && v.files[0].ok && !v.files[1].ok && v.files[2].ok, "the changed file alone fails");
    ok(strstr(v.files[1].error, "SHA-256") != NULL, "with a reason: %s", v.files[1].error);
    fails_with(ota_package_verify(eng, 999, &v, &e), &e, OTA_E_NOT_FOUND, "verify an unknown package");

    /* find_same: same component, kind, versions and hashes */
    int64_t id = 0;
    ok_call(ota_package_find_same(eng, &p, &id, &e), &e, "find the same package");
    is_int(id, pkg_a, "it is the one");
    ota_package other = p;
    other.files[0].sha256[0] = other.files[0].sha256[0] == 'a' ? 'b' : 'a';
    fails_with(ota_package_find_same(eng, &other, &id, &e), &e, OTA_E_NOT_FOUND, "different bytes: not the same");

    /* delete: in_use while a plan past saved uses it */
    ota_product pr = {.key = "EC600N-meter", .name = "Meter"};
    ota_product_add(eng, &pr, NULL, &e);
    ota_plan plan;
    ota_plan_init(&plan);
    strcpy(plan.name, "uses A");
    strcpy(plan.product, "EC600N-meter");
    plan.window_start = fc.t;
    plan.window_end = fc.t + 86400;
    plan.ncomponents = 1;
    strcpy(plan.components[0].component, "module");
    plan.components[0].package_id = pkg_a;
    ok_call(ota_plan_create(eng, &plan, &e), &e, "a plan uses the package");
    char q[160];
    snprintf(q, sizeof q, "UPDATE plans SET state='active' WHERE id=%lld", (long long)plan.id);
    sql(eng, q);
    fails_with(ota_package_delete(eng, pkg_a, &e), &e, OTA_E_IN_USE, "delete while an active plan uses it");
    ok(strstr(e.message, "active") != NULL, "... naming the plan: %s", e.message);
    ok_call(ota_package_get(eng, pkg_a, &p, &e), &e, "the package is still there");
    snprintf(q, sizeof q, "UPDATE plans SET state='ended' WHERE id=%lld", (long long)plan.id);
    sql(eng, q);
    fails_with(ota_package_delete(eng, pkg_a, &e), &e, OTA_E_IN_USE, "an ended plan also holds it");

    snprintf(q, sizeof q, "UPDATE plans SET state='saved' WHERE id=%lld", (long long)plan.id);
    sql(eng, q);
    int blobs = blob_count();
    ok_call(ota_package_delete(eng, pkg_a, &e), &e, "only a saved plan uses it: delete works");
    fails_with(ota_package_get(eng, pkg_a, &p, &e), &e, OTA_E_NOT_FOUND, "it is gone");
    is_int(blob_count(), blobs - 3, "its blobs are removed");
    ota_plan g;
    ota_plan_get(eng, plan.id, &g, &e);
    ok(g.ncomponents == 0 && g.revision == 2, "the saved plan lost that component in a new revision");
    ota_plan_free(&g);
    ota_plan_free(&plan);
    fails_with(ota_package_delete(eng, pkg_a, &e), &e, OTA_E_NOT_FOUND, "deleting again: not found");
}

int main(void)
{
    dir = tap_tmpdir();
    char in[600];
    snprintf(in, sizeof in, "%s/in", dir);
    mkdir(in, 0700);
    eng = fixture_engine(dir, &fc, NULL);
    test_create();
    test_refusals();
    test_list();
    test_verify_delete();
    ota_engine_close(eng);
    return tap_done();
}
