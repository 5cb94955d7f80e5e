/* The audit trail: one row for each operator action and each refusal (with
 * its error code), the per-thread actor, filters and paging, append-only
 * storage (UPDATE and DELETE refused by the database itself). */
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fixture.h"

static ota_engine *eng;
static char dir[256];
static ota_fake_clock fc = {.t = 1800000000};
static ota_err e;

/* The newest audit row (or an empty one). */
static ota_audit_row last(void)
{
    ota_audit_row r = {0};
    ota_audit_query q = {.page = {.limit = 1000}};
    ota_audit_page pg;
    if (ota_audit_list(eng, &q, &pg, &e) == 0 && pg.n)
        r = pg.items[pg.n - 1];
    ota_audit_page_free(&pg);
    return r;
}

/* Checks the newest row: action, target, outcome. */
#define row_is(act, tgt, out, what)                                                                         \
    do {                                                                                                     \
        ota_audit_row r_ = last();                                                                           \
        if (!ok(!strcmp(r_.action, act) && !strcmp(r_.target, tgt) && !strcmp(r_.outcome, out),          \
                "audit: %s", what))                                                                          \
            printf("#   got %s %s %s (%s)\n", r_.action, r_.target, r_.outcome, r_.detail);                  \
    } while (0)

static int64_t package(const char *target, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/fw-%s.bin", dir, target);
    FILE *f = fopen(path, "w");
    fputs(content, f);
    fclose(f);
    ota_package_meta m = {.kind = OTA_KIND_FULL, .component = "module"};
    snprintf(m.target_version, sizeof m.target_version, "%s", target);
    const char *paths[1] = {path};
    ota_package p = {0};
    ota_package_create(eng, &m, paths, 1, &p, &e);
    return p.id;
}

static void test_actions(void)
{
    char dk[65], q[64];
    ota_product pr = {.key = "meter", .name = "Meter"};
    ok_call(ota_product_add(eng, &pr, dk, &e), &e, "product add");
    row_is("product.add", "product:meter", "ok", "product added");
    ota_product_add(eng, &pr, dk, &e);
    row_is("product.add", "product:meter", "conflict", "product add refused (exists)");

    ota_device d = {.id = "dev-1", .nversions = 1, .versions = {{"module", "1.0.0"}}};
    ok_call(ota_device_upsert(eng, "meter", &d, 1, NULL, &e), &e, "device upsert");
    row_is("device.import", "product:meter", "ok", "devices imported");
    ota_device_upsert(eng, "nope", &d, 1, NULL, &e);
    row_is("device.import", "product:nope", "not_found", "device import refused (no product)");
    ota_device_import(eng, "meter", "/nonexistent/devices.csv", NULL, &e);
    row_is("device.import", "product:meter", "io_error", "device file import refused (no file)");

    int64_t pk = package("1.1.0", "one");
    snprintf(q, sizeof q, "package:%lld", (long long)pk);
    row_is("package.create", q, "ok", "package created");
    ota_package_meta bad = {.kind = OTA_KIND_FULL, .component = "module"};
    const char *none[1] = {"/nonexistent/fw.bin"};
    ota_package_create(eng, &bad, none, 1, NULL, &e);
    row_is("package.create", "component:module", "validation_failed", "package create refused (no version)");

    ota_signature s = {.key_id = "0123456789abcdef", .signer = "x"};
    ota_package_sign_add(eng, pk, &s, NULL, &e);
    row_is("package.sign", q, "validation_failed", "package sign refused (no signature)");

    ota_plan p;
    ota_plan_init(&p);
    snprintf(p.name, sizeof p.name, "rollout");
    snprintf(p.product, sizeof p.product, "meter");
    p.window_start = fc.t + 60;
    p.window_end = fc.t + 86400;
    p.ncomponents = 1;
    snprintf(p.components[0].component, sizeof p.components[0].component, "module");
    p.components[0].package_id = pk;
    ok_call(ota_plan_create(eng, &p, &e), &e, "plan create");
    snprintf(q, sizeof q, "plan:%lld", (long long)p.id);
    row_is("plan.create", q, "ok", "plan created");
    ota_plan p2;
    ota_plan_copy(&p2, &p);
    p2.revision = 99;
    ota_plan_update(eng, &p2, &e);
    row_is("plan.edit", q, "conflict", "plan edit refused (stale revision)");
    ota_plan_free(&p2);
    p.retries = 2;
    ok_call(ota_plan_update(eng, &p, &e), &e, "plan edit");
    row_is("plan.edit", q, "ok", "plan edited");
    ota_plan_transition(eng, p.id, OTA_ACT_PAUSE, NULL, &e);
    row_is("plan.pause", q, "invalid_transition", "pause of a saved plan refused");
    ok_call(ota_plan_transition(eng, p.id, OTA_ACT_ACTIVATE, NULL, &e), &e, "activate");
    row_is("plan.activate", q, "ok", "plan activated");
    ota_package_delete(eng, pk, &e);
    snprintf(q, sizeof q, "package:%lld", (long long)pk);
    row_is("package.delete", q, "in_use", "delete of a package in use refused");
    snprintf(q, sizeof q, "plan:%lld", (long long)p.id);
    ota_plan_delete(eng, p.id, &e);
    row_is("plan.delete", q, "not_editable", "delete of an active plan refused");
    ok_call(ota_plan_transition(eng, p.id, OTA_ACT_PAUSE, NULL, &e), &e, "pause");
    row_is("plan.pause", q, "ok", "plan paused");
    ok_call(ota_plan_transition(eng, p.id, OTA_ACT_RESUME, NULL, &e), &e, "resume");
    row_is("plan.resume", q, "ok", "plan resumed");
    ok_call(ota_plan_transition(eng, p.id, OTA_ACT_TERMINATE, NULL, &e), &e, "terminate");
    row_is("plan.terminate", q, "ok", "plan terminated");
    ota_plan_free(&p);

    int64_t pk2 = package("1.2.0", "two");
    ok_call(ota_package_delete(eng, pk2, &e), &e, "package delete");
    snprintf(q, sizeof q, "package:%lld", (long long)pk2);
    row_is("package.delete", q, "ok", "package deleted");

    char secret[OTA_TOKEN_LEN + 1];
    ok_call(ota_token_create(eng, "ci", OTA_ROLE_OPERATOR, secret, NULL, &e), &e, "token create");
    row_is("token.create", "token:ci", "ok", "token created");
    ota_token_create(eng, "ci", OTA_ROLE_OPERATOR, secret, NULL, &e);
    row_is("token.create", "token:ci", "conflict", "token create refused (name taken)");
    ok_call(ota_token_revoke(eng, "ci", &e), &e, "token revoke");
    row_is("token.revoke", "token:ci", "ok", "token revoked");
    ota_token_revoke(eng, "ci", &e);
    row_is("token.revoke", "token:ci", "not_found", "second revoke refused");
    ota_audit_row r = last();
    is_str(r.actor, "test", "the engine's actor by default");
    ok(strstr(r.detail, "no active token") != NULL, "a refusal keeps its message: %s", r.detail);
    is_int(r.at, fc.t, "the time is the engine clock's");

    /* Reads are not recorded. */
    ota_product g;
    ota_product_get(eng, "meter", &g, &e);
    is_str(last().action, "token.revoke", "reads leave no row");
}

static void *as_alice(void *arg)
{
    (void)arg;
    ota_actor_set("alice");
    char secret[OTA_TOKEN_LEN + 1];
    ota_err te = {0};
    ota_token_create(eng, "alices", OTA_ROLE_VIEWER, secret, NULL, &te);
    ota_actor_set(NULL);
    ota_token_revoke(eng, "alices", &te);
    return NULL;
}

static void test_actor(void)
{
    pthread_t t;
    pthread_create(&t, NULL, as_alice, NULL);
    pthread_join(t, NULL);
    ota_audit_query q = {.actor = "alice", .page = {.limit = 10}};
    ota_audit_page pg;
    ok_call(ota_audit_list(eng, &q, &pg, &e), &e, "list by actor");
    ok(pg.n == 1 && !strcmp(pg.items[0].action, "token.create"), "the thread's actor is recorded (%zu rows)", pg.n);
    ota_audit_page_free(&pg);
    is_str(last().actor, "test", "ota_actor_set(NULL) restores the engine's actor");
    is_str(ota_actor_get(eng), "test", "this thread was never changed");
}

/* The default actor: local:$USER, and with $USER unset the uid's name
 * (a cron job or a service has no $USER), never "local:unknown". */
static void test_default_actor(void)
{
    char sub[300], want[300];
    struct passwd *pw = getpwuid(getuid());
    const char *saved = getenv("USER");
    char keep[256] = "";
    if (saved)
        snprintf(keep, sizeof keep, "%s", saved);
    snprintf(sub, sizeof sub, "%s/actor", dir);
    mkdir(sub, 0700);
    setenv("USER", "ops", 1);
    ota_engine *a = fixture_engine(sub, NULL, NULL);
    is_str(ota_actor_get(a), "local:ops", "$USER names the local actor");
    ota_engine_close(a);
    unsetenv("USER");
    a = fixture_engine(sub, NULL, NULL);
    snprintf(want, sizeof want, "local:%s", pw && pw->pw_name[0] ? pw->pw_name : "?");
    is_str(ota_actor_get(a), want, "$USER unset: the uid's name (%s)", want);
    ota_engine_close(a);
    if (keep[0])
        setenv("USER", keep, 1);
}

static void test_query(void)
{
    ota_audit_query q = {.target = "token:ci", .page = {.limit = 2}};
    ota_audit_page pg;
    ok_call(ota_audit_list(eng, &q, &pg, &e), &e, "list by target, 2 a page");
    ok(pg.n == 2 && pg.next_cursor[0] && !strcmp(pg.items[0].action, "token.create"), "first page, oldest first");
    snprintf(q.page.cursor, sizeof q.page.cursor, "%s", pg.next_cursor);
    int64_t seq = pg.items[1].seq;
    ota_audit_page_free(&pg);
    ok_call(ota_audit_list(eng, &q, &pg, &e), &e, "second page");
    ok(pg.n == 2 && pg.items[0].seq > seq && !pg.next_cursor[0], "second page ends the list");
    ota_audit_page_free(&pg);

    fc.t += 100;
    char secret[OTA_TOKEN_LEN + 1];
    ota_token_create(eng, "late", OTA_ROLE_VIEWER, secret, NULL, &e);
    ota_audit_query s = {.since = fc.t, .page = {.limit = 100}};
    ok_call(ota_audit_list(eng, &s, &pg, &e), &e, "list since");
    ok(pg.n == 1 && !strcmp(pg.items[0].target, "token:late"), "since keeps the later rows only");
    json_t *j = ota_json_audit_row(&pg.items[0]);
    ota_audit_row back;
    ok_call(ota_audit_row_from_json(j, &back, &e), &e, "audit row JSON decodes");
    ok(back.seq == pg.items[0].seq && back.at == pg.items[0].at && !strcmp(back.actor, "test") &&
           !strcmp(back.outcome, "ok"), "JSON round trip");
    json_decref(j);
    ota_audit_page_free(&pg);
    ota_audit_query bad = {.page = {.cursor = "x y"}};
    fails_with(ota_audit_list(eng, &bad, &pg, &e), &e, OTA_E_BAD_REQUEST, "a bad cursor");
}

static void test_append_only(void)
{
    sqlite3 *db;
    sqlite3_open(ota_engine_db_path(eng), &db);
    sqlite3_busy_timeout(db, 5000);
    int u = sqlite3_exec(db, "UPDATE audit SET actor='mallory'", NULL, NULL, NULL);
    ok(u != SQLITE_OK && strstr(sqlite3_errmsg(db), "append-only"), "UPDATE refused: %s", sqlite3_errmsg(db));
    int d = sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL);
    ok(d != SQLITE_OK, "DELETE refused: %s", sqlite3_errmsg(db));
    sqlite3_close(db);
    ota_audit_query q = {.actor = "mallory"};
    ota_audit_page pg;
    ok_call(ota_audit_list(eng, &q, &pg, &e), &e, "list");
    is_int(pg.n, 0, "nothing was changed");
    ota_audit_page_free(&pg);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", tap_tmpdir());
    eng = fixture_engine(dir, &fc, "test");
    test_actions();
    test_actor();
    test_default_actor();
    test_query();
    test_append_only();
    ota_engine_close(eng);
    return tap_done();
}
