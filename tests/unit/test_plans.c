/* Plans: create with prerequisite checks, get, list with paging, update
 * with revisions (a stale revision changes nothing), not_editable outside
 * saved, delete only saved, copy components; a staged plan's rollout,
 * maintenance and retry interval stored, reopened and loaded by the rollout. */
#include <pthread.h>
#include <string.h>
#include "fixture.h"
#include "store.h"

static ota_engine *eng;
static ota_fake_clock fc = {.t = 1796083200};

static int64_t add_package(const char *component, const char *version)
{
    ota_err e = {0};
    ota_package_meta m = {.kind = OTA_KIND_FULL};
    snprintf(m.component, sizeof m.component, "%s", component);
    snprintf(m.target_version, sizeof m.target_version, "%s", version);
    ota_file f = {.name = "fw.bin", .size = 3};
    /* SHA-256 of "abc"; the blob is written so the package is real */
    strcpy(f.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ota_blob_writer *w = ota_blob_begin(eng, "fw.bin", &e);
    ota_file got;
    if (!w || ota_blob_write(w, "abc", 3, &e) < 0 || ota_blob_finish(w, &got, &e) < 0) {
        printf("# blob: %s\n", e.message);
        return -1;
    }
    ota_package p;
    if (ota_package_create_from_blobs(eng, &m, &got, 1, &p, &e) < 0) {
        printf("# package: %s: %s\n", e.field, e.message);
        return -1;
    }
    return p.id;
}

static void plan_base(ota_plan *p, int64_t pkg)
{
    ota_plan_init(p);
    strcpy(p->name, "Q3 module rollout");
    strcpy(p->product, "EC600N-meter");
    p->window_start = fc.t + 3600;
    p->window_end = fc.t + 30 * 86400;
    p->ncomponents = 1;
    strcpy(p->components[0].component, "module");
    p->components[0].package_id = pkg;
}

static int64_t module_pkg, mcu_pkg, module_pkg2, app_pkg;

static void test_create_get(void)
{
    ota_err e = {0};
    ota_plan p;
    plan_base(&p, module_pkg);
    p.mode = OTA_MODE_CONFIRM;
    p.retries = 2;
    p.min_rsrp = -110;
    p.min_battery = 20;
    ota_strlist_push(&p.blacklist, "dev-9");
    ota_strlist_push(&p.whitelist, "dev-1");
    ota_strlist_push(&p.whitelist, "dev-2");
    ota_strlist_push(&p.whitelist, "dev-1");
    ok_call(ota_plan_create(eng, &p, &e), &e, "create a plan");
    ok(p.id > 0 && p.revision == 1 && p.state == OTA_PLAN_SAVED, "id set, revision 1, saved");
    is_int(p.created_at, fc.t, "created at the fake clock's time");

    ota_plan g;
    ok_call(ota_plan_get(eng, p.id, &g, &e), &e, "get it back");
    is_str(g.name, p.name, "name");
    ok(g.mode == OTA_MODE_CONFIRM && g.retries == 2 && g.min_rsrp == -110 && g.min_battery == 20,
       "mode and strategy");
    ok(g.window_start == p.window_start && g.window_end == p.window_end, "window");
    ok(g.blacklist.n == 1 && g.whitelist.n == 2 && ota_strlist_has(&g.whitelist, "dev-2"),
       "lists (a repeated id is kept once)");
    ok(g.ncomponents == 1 && g.components[0].package_id == module_pkg, "components");
    ok(g.activated_at == 0 && g.job_timeout == 3600, "never activated, default job timeout");
    ota_plan_free(&g);
    ota_plan_free(&p);

    fails_with(ota_plan_get(eng, 999, &g, &e), &e, OTA_E_NOT_FOUND, "an unknown plan is not found");

    plan_base(&p, module_pkg);
    strcpy(p.product, "nope");
    fails_with(ota_plan_create(eng, &p, &e), &e, OTA_E_VALIDATION, "an unknown product is refused");
    is_str(e.field, "product", "... naming product");
    plan_base(&p, 999);
    fails_with(ota_plan_create(eng, &p, &e), &e, OTA_E_VALIDATION, "an unknown package is refused");
    is_str(e.field, "components[0].package_id", "... naming the component's package");
    plan_base(&p, mcu_pkg);
    fails_with(ota_plan_create(eng, &p, &e), &e, OTA_E_VALIDATION,
               "a package of another component is refused");
    ok(strstr(e.message, "\"mcu\"") != NULL, "... saying whose it is: %s", e.message);
    plan_base(&p, module_pkg);
    p.window_end = p.window_start;
    fails_with(ota_plan_create(eng, &p, &e), &e, OTA_E_VALIDATION, "a bad window is refused");
    is_str(e.message, "start must be before end", "... naming the rule");

    ota_plan_page page;
    ota_page_req pg = {0};
    ok_call(ota_plan_list(eng, -1, NULL, &pg, &page, &e), &e, "list plans");
    is_int(page.n, 1, "refused creates stored nothing");
    ota_plan_page_free(&page);
}

static void test_update(void)
{
    ota_err e = {0};
    ota_plan p;
    plan_base(&p, module_pkg);
    ota_plan_create(eng, &p, &e);
    int64_t id = p.id;

    fc.t += 60;
    strcpy(p.name, "renamed");
    p.ncomponents = 2;
    strcpy(p.components[1].component, "mcu");
    p.components[1].package_id = mcu_pkg;
    ok_call(ota_plan_update(eng, &p, &e), &e, "update at revision 1");
    is_int(p.revision, 2, "revision is now 2");
    ota_plan g;
    ota_plan_get(eng, id, &g, &e);
    ok(g.revision == 2 && !strcmp(g.name, "renamed") && g.ncomponents == 2, "stored");
    is_int(g.updated_at, fc.t, "updated_at moved with the clock");
    ota_plan_free(&g);

    ota_plan stale;
    plan_base(&stale, module_pkg);
    stale.id = id;
    stale.revision = 1;
    strcpy(stale.name, "stale edit");
    fails_with(ota_plan_update(eng, &stale, &e), &e, OTA_E_CONFLICT, "a stale revision is a conflict");
    is_str(e.field, "revision", "... naming revision");
    is_int(stale.revision, 1, "the caller's revision is untouched");
    ota_plan_get(eng, id, &g, &e);
    ok(g.revision == 2 && !strcmp(g.name, "renamed") && g.ncomponents == 2, "and nothing changed");
    ota_plan_free(&g);

    p.retries = 11;
    fails_with(ota_plan_update(eng, &p, &e), &e, OTA_E_VALIDATION, "an invalid update is refused");
    ota_plan_get(eng, id, &g, &e);
    ok(g.revision == 2 && g.retries == 0, "and changes nothing");
    ota_plan_free(&g);
    p.retries = 3;
    ok_call(ota_plan_update(eng, &p, &e), &e, "a valid update at revision 2");
    is_int(p.revision, 3, "every update increments the revision");

    stale.id = 999;
    fails_with(ota_plan_update(eng, &stale, &e), &e, OTA_E_NOT_FOUND, "updating an unknown plan");

    char q[128];
    snprintf(q, sizeof q, "UPDATE plans SET state='active' WHERE id=%lld", (long long)id);
    sql(eng, q);
    fails_with(ota_plan_update(eng, &p, &e), &e, OTA_E_NOT_EDITABLE, "an active plan is not editable");
    fails_with(ota_plan_delete(eng, id, &e), &e, OTA_E_NOT_EDITABLE, "an active plan cannot be deleted");
    ota_plan_get(eng, id, &g, &e);
    is_int(g.revision, 3, "nothing changed");
    ota_plan_free(&g);
    snprintf(q, sizeof q, "UPDATE plans SET state='saved' WHERE id=%lld", (long long)id);
    sql(eng, q);
    ok_call(ota_plan_delete(eng, id, &e), &e, "a saved plan is deleted");
    fails_with(ota_plan_get(eng, id, &g, &e), &e, OTA_E_NOT_FOUND, "and is gone");
    fails_with(ota_plan_delete(eng, id, &e), &e, OTA_E_NOT_FOUND, "deleting it again: not found");
    ota_plan_free(&p);
    ota_plan_free(&stale);
}

static void test_copy_components(void)
{
    ota_err e = {0};
    ota_plan from, to;
    plan_base(&from, module_pkg2);
    from.ncomponents = 2;
    strcpy(from.components[1].component, "app");
    from.components[1].package_id = app_pkg;
    ok_call(ota_plan_create(eng, &from, &e), &e, "source plan");
    plan_base(&to, module_pkg);
    to.ncomponents = 2;
    strcpy(to.components[1].component, "mcu");
    to.components[1].package_id = mcu_pkg;
    ota_strlist_push(&to.blacklist, "dev-7");
    ok_call(ota_plan_create(eng, &to, &e), &e, "target plan");

    ota_plan out;
    ok_call(ota_plan_copy_components(eng, from.id, to.id, &out, &e), &e, "copy components");
    is_int(out.ncomponents, 3, "module replaced, mcu kept, app added");
    ota_plan g;
    ota_plan_get(eng, to.id, &g, &e);
    int64_t module = 0, mcu = 0, app = 0;
    for (size_t i = 0; i < g.ncomponents; i++) {
        if (!strcmp(g.components[i].component, "module"))
            module = g.components[i].package_id;
        if (!strcmp(g.components[i].component, "mcu"))
            mcu = g.components[i].package_id;
        if (!strcmp(g.components[i].component, "app"))
            app = g.components[i].package_id;
    }
    ok(module == module_pkg2 && mcu == mcu_pkg && app == app_pkg, "stored: the source's module version wins");
    is_int(g.revision, 2, "a copy counts as an update");
    ok(g.blacklist.n == 1, "the target's lists are kept");
    ota_plan_free(&g);
    ota_plan_free(&out);

    fails_with(ota_plan_copy_components(eng, 999, to.id, NULL, &e), &e, OTA_E_NOT_FOUND, "unknown source");
    is_str(e.field, "from", "... naming from");
    fails_with(ota_plan_copy_components(eng, to.id, to.id, NULL, &e), &e, OTA_E_VALIDATION,
               "copying a plan's components into itself is refused");
    is_str(e.field, "to", "... naming to");
    ok_call(ota_plan_get(eng, to.id, &g, &e), &e, "get the target again");
    is_int(g.revision, 2, "... and its revision did not move");
    ota_plan_free(&g);
    char q[128];
    snprintf(q, sizeof q, "UPDATE plans SET state='paused' WHERE id=%lld", (long long)to.id);
    sql(eng, q);
    fails_with(ota_plan_copy_components(eng, from.id, to.id, NULL, &e), &e, OTA_E_NOT_EDITABLE,
               "copying into a paused plan is refused");
    snprintf(q, sizeof q, "UPDATE plans SET state='ended' WHERE id=%lld", (long long)from.id);
    sql(eng, q);
    snprintf(q, sizeof q, "UPDATE plans SET state='saved' WHERE id=%lld", (long long)to.id);
    sql(eng, q);
    ok_call(ota_plan_copy_components(eng, from.id, to.id, NULL, &e), &e, "copying from an ended plan works");
    ota_plan_free(&from);
    ota_plan_free(&to);
}

/* The copy rule itself, pure (the console's ^O applies it to its working
 * copy, keeping the versions the operator chose to keep). */
static void test_merge_components(void)
{
    ota_err e = {0};
    ota_plan dst = {0}, src = {0};
    dst.ncomponents = 2;
    strcpy(dst.components[0].component, "module"); dst.components[0].package_id = 1;
    strcpy(dst.components[1].component, "mcu");    dst.components[1].package_id = 2;
    src.ncomponents = 3;
    strcpy(src.components[0].component, "mcu");    src.components[0].package_id = 12;
    strcpy(src.components[1].component, "app");    src.components[1].package_id = 13;
    strcpy(src.components[2].component, "module"); src.components[2].package_id = 11;
    bool keep[3] = {false, true, true};   /* replace mcu; keep module; keep on app (new) adds it */
    ok_call(ota_plan_merge_components(&dst, &src, keep, &e), &e, "merge with choices");
    is_int(dst.ncomponents, 3, "app added even with keep set: nothing to keep");
    is_int(dst.components[0].package_id, 1, "module kept");
    is_int(dst.components[1].package_id, 12, "mcu replaced");
    ok(!strcmp(dst.components[2].component, "app") && dst.components[2].package_id == 13, "app added last");
    ok_call(ota_plan_merge_components(&dst, &src, NULL, &e), &e, "merge without choices");
    is_int(dst.components[0].package_id, 11, "without keep every same-named one is replaced");

    ota_plan full = {0}, many = {0};
    full.ncomponents = OTA_MAX_COMPONENTS - 1;
    for (size_t i = 0; i < full.ncomponents; i++) {
        snprintf(full.components[i].component, sizeof full.components[i].component, "c%zu", i);
        full.components[i].package_id = 1;
    }
    many.ncomponents = 2;
    strcpy(many.components[0].component, "x"); many.components[0].package_id = 5;
    strcpy(many.components[1].component, "c0"); many.components[1].package_id = 5;   /* replaced */
    many.ncomponents = 3;
    strcpy(many.components[2].component, "y"); many.components[2].package_id = 5;
    fails_with(ota_plan_merge_components(&full, &many, NULL, &e), &e, OTA_E_VALIDATION,
               "two new ones where one fits: refused");
    is_str(e.field, "components", "... naming components");
    is_int(full.ncomponents, OTA_MAX_COMPONENTS - 1, "... and nothing was added");
    is_int(full.components[0].package_id, 1, "... or replaced");
}

static void test_list(void)
{
    ota_err e = {0};
    for (int i = 0; i < 25; i++) {
        ota_plan p;
        plan_base(&p, module_pkg);
        snprintf(p.name, sizeof p.name, "bulk %d", i);
        ota_plan_create(eng, &p, &e);
        ota_plan_free(&p);
    }
    sql(eng, "UPDATE plans SET state='active' WHERE name IN ('bulk 3','bulk 4')");
    ota_page_req pg = {.limit = 10};
    ota_plan_page page;
    int64_t last = INT64_MAX;
    size_t total = 0;
    bool desc = true;
    int pages = 0;
    do {
        if (ota_plan_list(eng, -1, NULL, &pg, &page, &e) < 0)
            break;
        for (size_t i = 0; i < page.n; i++) {
            desc = desc && page.items[i].id < last;
            last = page.items[i].id;
        }
        total += page.n;
        pages++;
        snprintf(pg.cursor, sizeof pg.cursor, "%s", page.next_cursor);
        ota_plan_page_free(&page);
    } while (pg.cursor[0] && pages < 10);
    is_int(total, 28, "all plans over the pages");
    ok(desc, "newest first");
    ota_page_req one = {0};
    ok_call(ota_plan_list(eng, OTA_PLAN_ACTIVE, NULL, &one, &page, &e), &e, "list by state");
    ok(page.n == 2 && page.items[0].state == OTA_PLAN_ACTIVE, "two active plans");
    ok(page.items[0].ncomponents == 1, "items carry their components");
    ota_plan_page_free(&page);
    ok_call(ota_plan_list(eng, -1, "BG95-tracker", &one, &page, &e), &e, "list by product");
    is_int(page.n, 0, "none for another product");
    ota_plan_page_free(&page);
}

/* Two editors holding the same revision race: exactly one wins. */
struct racer { ota_plan p; int rc; ota_code code; };

static void *race(void *arg)
{
    struct racer *r = arg;
    ota_err e = {0};
    r->rc = ota_plan_update(eng, &r->p, &e);
    r->code = e.code;
    return NULL;
}

static void test_race(void)
{
    ota_err e = {0};
    int wins = 0, conflicts = 0;
    for (int round = 0; round < 20; round++) {
        ota_plan base;
        plan_base(&base, module_pkg);
        ota_plan_create(eng, &base, &e);
        struct racer r[2];
        pthread_t t[2];
        for (int i = 0; i < 2; i++) {
            ota_plan_copy(&r[i].p, &base);
            snprintf(r[i].p.name, sizeof r[i].p.name, "editor %d", i);
            pthread_create(&t[i], NULL, race, &r[i]);
        }
        for (int i = 0; i < 2; i++) {
            pthread_join(t[i], NULL);
            wins += r[i].rc == 0;
            conflicts += r[i].rc < 0 && r[i].code == OTA_E_CONFLICT;
            ota_plan_free(&r[i].p);
        }
        ota_plan g;
        ota_plan_get(eng, base.id, &g, &e);
        if (g.revision != 2)
            conflicts = -1000;
        ota_plan_free(&g);
        ota_plan_delete(eng, base.id, &e);
        ota_plan_free(&base);
    }
    is_int(wins, 20, "of two concurrent edits at one revision, one wins each round");
    is_int(conflicts, 20, "the other gets conflict, and the revision moved once");
}

static void staged_set(ota_plan *p)
{
    p->retry_interval_seconds = 1800;
    p->has_rollout = true;
    p->rollout.nwaves = 2;
    p->rollout.waves[0] = (ota_wave_size){false, 5};
    p->rollout.waves[1] = (ota_wave_size){true, 100};
    p->rollout.success_threshold = 80;
    p->rollout.failure_threshold = 10;
    p->rollout.min_finished = 3;
    p->rollout.soak_seconds = 600;
    p->rollout.advance = OTA_ADVANCE_MANUAL;
    p->rollout.on_failure = OTA_ON_FAILURE_TERMINATE;
    p->rollout.max_offers_per_minute = 50;
    p->has_maintenance = true;
    strcpy(p->maintenance.timezone, "Europe/Berlin");
    p->maintenance.nwindows = 1;
    p->maintenance.windows[0] = (ota_mw_window){0x60, 1380, 240};
}

struct fleet_seen { int64_t id; bool found; store_fleet_plan p; };

static int fleet_cb(void *ctx, const store_fleet_plan *p, ota_err *e)
{
    (void)e;
    struct fleet_seen *s = ctx;
    if (p->id == s->id) {
        s->found = true;
        s->p = *p;
    }
    return 0;
}

static void test_staged(void)
{
    ota_err e = {0};
    ota_plan p, g;
    plan_base(&p, module_pkg);
    strcpy(p.name, "staged");
    staged_set(&p);
    strcpy(p.paused_reason, "failure_threshold");
    ok_call(ota_plan_create(eng, &p, &e), &e, "staged: create");
    is_str(p.paused_reason, "", "staged: create takes no paused reason from the caller");
    ok_call(ota_plan_get(eng, p.id, &g, &e), &e, "staged: get");
    ok(g.has_rollout && ota_rollout_equal(&g.rollout, &p.rollout) && g.has_maintenance &&
           ota_maintenance_equal(&g.maintenance, &p.maintenance) && g.retry_interval_seconds == 1800 &&
           !g.paused_reason[0],
       "staged: rollout, maintenance and retry interval stored");
    ota_plan_free(&g);

    /* another engine on the same database reads the same */
    ota_engine_opts o = {.db_path = ota_engine_db_path(eng), .clock = ota_clock_fake(&fc)};
    ota_engine *other = ota_engine_open(&o, &e);
    ok(other && ota_plan_get(other, p.id, &g, &e) == 0 && ota_rollout_equal(&g.rollout, &p.rollout) &&
           ota_maintenance_equal(&g.maintenance, &p.maintenance),
       "staged: a reopened engine reads them back");
    if (other) {
        ota_plan_free(&g);
        ota_engine_close(other);
    }

    /* copying components in keeps the target's rollout */
    ota_plan src, out;
    plan_base(&src, mcu_pkg);
    strcpy(src.components[0].component, "mcu");
    ok_call(ota_plan_create(eng, &src, &e), &e, "staged: a source plan");
    ok_call(ota_plan_copy_components(eng, src.id, p.id, &out, &e), &e, "staged: copy components in");
    ok(out.ncomponents == 2 && out.has_rollout && ota_rollout_equal(&out.rollout, &p.rollout) &&
           out.retry_interval_seconds == 1800,
       "staged: the target keeps its rollout and retry interval");
    ota_plan_free(&out);
    ota_plan_delete(eng, src.id, &e);
    ota_plan_free(&src);

    /* the list carries them too */
    ota_plan_page pg = {0};
    ota_page_req rq = {.limit = 100};
    ok_call(ota_plan_list(eng, OTA_PLAN_SAVED, NULL, &rq, &pg, &e), &e, "staged: list");
    bool listed = false;
    for (size_t i = 0; i < pg.n; i++)
        listed = listed || (pg.items[i].id == p.id && pg.items[i].has_rollout && pg.items[i].has_maintenance &&
                            pg.items[i].rollout.max_offers_per_minute == 50);
    ok(listed, "staged: listed with its rollout and maintenance");
    ota_plan_page_free(&pg);

    /* activated, the rollout's plan loading hands them over */
    ota_plan act;
    ok_call(ota_plan_transition(eng, p.id, OTA_ACT_ACTIVATE, &act, &e), &e, "staged: activate");
    ota_plan_free(&act);
    ok_call(store_plan_set_paused_reason(eng, p.id, OTA_PAUSED_FAILURE_THRESHOLD, &e), &e,
            "staged: the engine's paused reason is stored");
    struct fleet_seen seen = {.id = p.id};
    ok_call(store_fleet_plans(eng, fleet_cb, &seen, &e), &e, "staged: the rollout loads plans");
    ok(seen.found && seen.p.has_rollout && ota_rollout_equal(&seen.p.rollout, &p.rollout) && seen.p.has_maintenance &&
           ota_maintenance_equal(&seen.p.maintenance, &p.maintenance) && seen.p.retry_interval_seconds == 1800 &&
           !strcmp(seen.p.paused_reason, "failure_threshold"),
       "staged: ... with the rollout, maintenance, retry interval and paused reason");
    ok_call(ota_plan_get(eng, p.id, &g, &e), &e, "staged: get after the engine paused it");
    is_str(g.paused_reason, "failure_threshold", "staged: the plan shows the paused reason");
    ota_plan_free(&g);

    /* a stored text that does not decode is an I/O error, never a silent default */
    char q[128];
    snprintf(q, sizeof q, "UPDATE plans SET rollout='{\"waves\":7}' WHERE id=%lld", (long long)p.id);
    ok(sql(eng, q) == 0, "staged: corrupt the stored rollout");
    ota_engine *third = ota_engine_open(&o, &e);
    fails_with(third ? ota_plan_get(third, p.id, &g, &e) : -1, &e, OTA_E_IO, "staged: a corrupt rollout is refused");
    ok(strstr(e.message, "rollout") != NULL, "staged: ... saying what (%s)", e.message);
    if (third)
        ota_engine_close(third);
    ota_plan_free(&p);
}

int main(void)
{
    ota_err e = {0};
    eng = fixture_engine(NULL, &fc, NULL);
    ota_product pr = {.key = "EC600N-meter", .name = "Meter"}, pr2 = {.key = "BG95-tracker", .name = "Tracker"};
    ota_product_add(eng, &pr, NULL, &e);
    ota_product_add(eng, &pr2, NULL, &e);
    module_pkg = add_package("module", "1.2.0");
    mcu_pkg = add_package("mcu", "2.2");
    module_pkg2 = add_package("module", "1.3.0");
    app_pkg = add_package("app", "0.9");
    ok(module_pkg > 0 && mcu_pkg > 0 && module_pkg2 > 0 && app_pkg > 0, "fixture packages");
    test_create_get();
    test_update();
    test_copy_components();
    test_merge_components();
    test_list();
    test_race();
    test_staged();
    ota_engine_close(eng);
    return tap_done();
}
