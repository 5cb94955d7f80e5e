/* What a plan looks like from outside (issue 3 "Status", "Targeting
 * preview"): the preview against the same counts computed in SQL over a
 * second connection, for a generated fleet with lists, versions and
 * telemetry of every kind and in every plan state; status counts read from
 * the maintained counters (never from the job rows); device rows paged with
 * and without a state filter; events since a sequence number. */
#include "test_rollout_fixture.h"

/* The preview's rules as one SQL statement (what the engine computed
 * before it moved to one pass in C): reasons are exclusive, in the order
 * blacklisted, not whitelisted, version mismatch; of the targeted, rsrp
 * before battery, and devices already at every target are never deferred. */
static const char oracle_sql[] =
    "WITH pl AS (SELECT product, min_rsrp AS mr, min_battery AS mb,"
    "            EXISTS (SELECT 1 FROM plan_lists WHERE plan = ?1 AND list = 'white') AS hw"
    "            FROM plans WHERE id = ?1),"
    " comps AS (SELECT pc.component AS c, p.kind AS kind, p.target_version AS tv, p.source_version AS sv"
    "           FROM plan_components pc JOIN packages p ON p.id = pc.package WHERE pc.plan = ?1),"
    " dev AS (SELECT"
    "   EXISTS (SELECT 1 FROM plan_lists b WHERE b.plan = ?1 AND b.list = 'black'"
    "           AND b.device_id = d.device_id) AS bl,"
    "   EXISTS (SELECT 1 FROM plan_lists w WHERE w.plan = ?1 AND w.list = 'white'"
    "           AND w.device_id = d.device_id) AS wl,"
    "   EXISTS (SELECT 1 FROM comps WHERE kind = 'diff' AND NOT EXISTS (SELECT 1 FROM device_versions v"
    "           WHERE v.device = d.id AND v.component = comps.c AND v.version IN (comps.tv, comps.sv))) AS vm,"
    "   NOT EXISTS (SELECT 1 FROM comps WHERE NOT EXISTS (SELECT 1 FROM device_versions v"
    "           WHERE v.device = d.id AND v.component = comps.c AND v.version = comps.tv)) AS utd,"
    "   CASE WHEN d.rsrp IS NULL THEN pl.mr > -140 ELSE d.rsrp < pl.mr END AS rl,"
    "   CASE WHEN d.battery IS NULL THEN pl.mb > 0 ELSE d.battery < pl.mb END AS bt, pl.hw AS hw"
    "   FROM devices d, pl WHERE d.product = pl.product),"
    " t AS (SELECT bl, wl, vm, utd, rl, bt, hw, (NOT bl AND (NOT hw OR wl)) AS cand FROM dev)"
    " SELECT COALESCE(SUM(bl), 0), COALESCE(SUM(NOT bl AND hw AND NOT wl), 0),"
    "  COALESCE(SUM(cand AND vm), 0), COALESCE(SUM(cand AND NOT vm), 0),"
    "  COALESCE(SUM(cand AND NOT vm AND NOT utd AND rl), 0),"
    "  COALESCE(SUM(cand AND NOT vm AND NOT utd AND NOT rl AND bt), 0) FROM t";

static int oracle(fx *f, int64_t plan, ota_preview *out)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    if (sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    int rc = -1;
    if (sqlite3_prepare_v2(db, oracle_sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, plan);
        if (sqlite3_step(st) == SQLITE_ROW) {
            out->blacklisted = (long)sqlite3_column_int64(st, 0);
            out->not_whitelisted = (long)sqlite3_column_int64(st, 1);
            out->version_mismatch = (long)sqlite3_column_int64(st, 2);
            out->targeted = (long)sqlite3_column_int64(st, 3);
            out->deferred_rsrp = (long)sqlite3_column_int64(st, 4);
            out->deferred_battery = (long)sqlite3_column_int64(st, 5);
            rc = 0;
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rc;
}

static void preview_is(fx *f, int64_t plan, const char *what)
{
    ota_preview got, want;
    ok_call(ota_plan_preview(f->eng, plan, &got, &f->e), &f->e, "preview: %s", what);
    ok(oracle(f, plan, &want) == 0, "  the same counts in SQL");
    ok(!memcmp(&got, &want, sizeof got),
       "  equal: targeted %ld/%ld, blacklisted %ld/%ld, not whitelisted %ld/%ld, version %ld/%ld,"
       " rsrp %ld/%ld, battery %ld/%ld", got.targeted, want.targeted, got.blacklisted, want.blacklisted,
       got.not_whitelisted, want.not_whitelisted, got.version_mismatch, want.version_mismatch,
       got.deferred_rsrp, want.deferred_rsrp, got.deferred_battery, want.deferred_battery);
    long total = got.targeted + got.blacklisted + got.not_whitelisted + got.version_mismatch;
    ok(total > 0 && got.deferred_rsrp + got.deferred_battery <= got.targeted,
       "  every device of the product counted once (%ld); the deferred are among the targeted", total);
}

/* "dev-000001,dev-000004,..." : every k-th generated device from first. */
static char *every(int first, int k, int n)
{
    char *s = calloc((size_t)n / (size_t)k + 2, 12);
    for (int i = first; i <= n; i += k) {
        char id[16];
        snprintf(id, sizeof id, "%sdev-%06d", *s ? "," : "", i);
        strcat(s, id);
    }
    return s;
}

static void test_preview(void)
{
    fx f;
    fx_open(&f);
    ok_call(ota_fleet_generate(f.eng, "meter", 1200, 5, &f.e), &f.e, "generate 1200 devices");
    ok_call(ota_fleet_generate(f.eng, "other", 50, 6, &f.e), &f.e, "the same ids for another product");
    {   /* the (component, version) index, rebuilt after a large generation, is there */
        sqlite3 *db;
        sqlite3_stmt *st;
        sqlite3_open_v2(f.db, &db, SQLITE_OPEN_READONLY, NULL);
        sqlite3_prepare_v2(db, "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name = 'device_versions_cv'),"
                               " (SELECT COUNT(*) FROM device_versions INDEXED BY device_versions_cv"
                               "   WHERE component = 'module')", -1, &st, NULL);
        ok(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 1) == 1200,
           "  the version index is there and holds every generated module version");
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    ota_device d;
    ok(ota_device_get(f.eng, "dev-000050", &d, &f.e) == 0 && !strcmp(d.product, "meter"),
       "  are left as they were");
    /* devices with no telemetry and no versions, and one on no list */
    fx_devices(&f, "meter", "bare1=1.1.0", "bare2=1.2.0", NULL);
    fx_devices(&f, "other", "x1=1.1.0", NULL);
    int64_t diff = fx_package(&f, "module", OTA_KIND_DIFF, "1.2.0", "1.1.0", "m-diff2.bin");
    char *black = every(1, 7, 1200), *white = every(1, 3, 1200);
    int64_t both = fx_plan(&f, &(plan_spec){.pkg = diff, .pkg2 = f.pkg_mcu_full, .black = black, .white = white,
                                            .min_rsrp = -100, .min_battery = 40});
    int64_t open_ = fx_plan(&f, &(plan_spec){.pkg = diff, .black = black, .min_rsrp = -95});
    int64_t full = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .min_battery = 60});
    int64_t none = fx_plan(&f, &(plan_spec){.pkg = f.pkg_mcu_full});
    free(black);
    free(white);
    ok(both && open_ && full && none, "four plans");
    preview_is(&f, both, "diff and full components, blacklist and whitelist, both thresholds");
    preview_is(&f, open_, "diff, blacklist only, rsrp only");
    preview_is(&f, full, "full component, no lists, battery only");
    preview_is(&f, none, "no lists, no thresholds");
    ota_preview pv;
    ota_plan_preview(f.eng, both, &pv, &f.e);
    ok(pv.blacklisted > 0 && pv.not_whitelisted > 0 && pv.version_mismatch > 0 && pv.deferred_rsrp > 0 &&
           pv.deferred_battery > 0, "the fleet exercises every reason of the first plan");
    ota_plan_preview(f.eng, none, &pv, &f.e);
    is_int(pv.deferred_rsrp + pv.deferred_battery, 0, "no thresholds: nobody deferred");
    is_int(pv.targeted, 1202, "  every device of the product targeted, the bare ones too");

    /* any state: the preview follows the devices' last reports */
    ok_call(fx_act(&f, both, OTA_ACT_ACTIVATE), &f.e, "activate the first plan");
    AUTO_OFFER ota_job_offer o = {0};
    ok_call(fx_checkin_v(&f, "meter", "bare1", "1.1.0", -80, 90, &o), &f.e, "bare1 reports good values");
    preview_is(&f, both, "active plan, after a report");
    ok_call(fx_act(&f, both, OTA_ACT_PAUSE), &f.e, "pause it");
    preview_is(&f, both, "paused plan");
    f.clock.t = T0 + 25 * HOUR;
    is_int(fx_state(&f, both), OTA_PLAN_ENDED, "the window passes");
    preview_is(&f, both, "ended plan");
    fails_with(ota_plan_preview(f.eng, 9999, &pv, &f.e), &f.e, OTA_E_NOT_FOUND, "preview of no plan");
    fx_close(&f);
}

/* Status reads the maintained counters: with every job row gone (another
 * connection deletes them), the counts stay. */
static void test_status_counters(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.1.0", "d3=1.2.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0};
    fx_checkin(&f, "d1", "1.1.0", &o);
    fx_checkin(&f, "d3", "1.2.0", &o);
    ota_plan_status st;
    ok_call(ota_plan_status_get(f.eng, id, &st, &f.e), &f.e, "status");
    ok(st.counts[OTA_JOB_PENDING] == 1 && st.counts[OTA_JOB_OFFERED] == 1 && st.counts[OTA_JOB_SUCCEEDED] == 1,
       "pending 1, offered 1, succeeded 1 (up to date)");
    ok(st.state == OTA_PLAN_ACTIVE && st.last_seq > 0, "state and newest event");
    sqlite3 *db;
    sqlite3_open(f.db, &db);
    ok(sqlite3_exec(db, "DELETE FROM jobs", NULL, NULL, NULL) == SQLITE_OK, "another connection deletes the job rows");
    sqlite3_close(db);
    ota_plan_status st2;
    ok_call(ota_plan_status_get(f.eng, id, &st2, &f.e), &f.e, "status again");
    ok(!memcmp(st.counts, st2.counts, sizeof st.counts), "the same counts: status never reads the job rows");
    fails_with(ota_plan_status_get(f.eng, 9999, &st2, &f.e), &f.e, OTA_E_NOT_FOUND, "status of no plan");
    fx_close(&f);
}

/* Device rows: every row exactly once, ordered by (state, job id), for
 * page sizes 1..7, with and without a state filter. */
static void test_device_rows(void)
{
    fx f;
    fx_open(&f);
    char spec[40][16];
    for (int i = 0; i < 40; i++)
        snprintf(spec[i], sizeof spec[i], "p%02d=%s", i, i % 5 == 0 ? "1.2.0" : "1.1.0");
    for (int i = 0; i < 40; i++)
        fx_devices(&f, "meter", spec[i], NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full, .min_battery = 50});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0};
    for (int i = 0; i < 40; i++) {
        char dev[8];
        snprintf(dev, sizeof dev, "p%02d", i);
        fx_checkin_v(&f, "meter", dev, i % 5 == 0 ? "1.2.0" : "1.1.0", -90, i % 3 == 0 ? 10 : 90, &o);
        if (o.has_job && i % 4 == 1)
            ota_job_report(f.eng, o.job_id, dev, OTA_JOB_DOWNLOADING, 5, NULL, &f.e);
    }
    ota_plan_status st;
    ota_plan_status_get(f.eng, id, &st, &f.e);
    int states = 0;
    for (int s = 0; s < OTA_JOB__COUNT; s++)
        states += st.counts[s] > 0;
    ok(states >= 4, "rows in %d states (pending, offered, downloading, succeeded)", states);
    for (int filter = -1; filter < OTA_JOB__COUNT; filter++) {
        long want = 0;
        for (int s = 0; s < OTA_JOB__COUNT; s++)
            want += filter < 0 || filter == s ? st.counts[s] : 0;
        int all_ok = 1;
        for (int limit = 1; limit <= 7; limit++) {
            ota_page_req pg = {.limit = limit};
            ota_job_page page;
            long seen = 0;
            int last_state = -1, ordered = 1, pages = 0, deferred_ok = 1;
            int64_t last_job = 0;
            char seen_dev[64][8];
            do {
                if (ota_plan_devices(f.eng, id, filter, &pg, &page, &f.e) < 0) {
                    ordered = 0;
                    break;
                }
                pages++;
                for (size_t i = 0; i < page.n; i++) {
                    const ota_job_row *r = &page.items[i];
                    if ((int)r->state < last_state || ((int)r->state == last_state && r->job_id <= last_job) ||
                        (filter >= 0 && (int)r->state != filter) || seen >= 64)
                        ordered = 0;
                    else
                        snprintf(seen_dev[seen++], sizeof seen_dev[0], "%.7s", r->device);
                    last_state = (int)r->state;
                    last_job = r->job_id;
                    if (r->state == OTA_JOB_PENDING && strcmp(r->reason, "battery"))
                        deferred_ok = 0;
                }
                ordered &= page.n <= (size_t)limit && (page.n == (size_t)limit || !page.next_cursor[0]);
                snprintf(pg.cursor, sizeof pg.cursor, "%s", page.next_cursor);
                ota_job_page_free(&page);
            } while (pg.cursor[0] && pages < 100);
            int dup = 0;
            for (long a = 0; a < seen; a++)
                for (long b = a + 1; b < seen; b++)
                    dup |= !strcmp(seen_dev[a], seen_dev[b]);
            if (!ordered || dup || seen != want || !deferred_ok) {
                printf("#   filter %d limit %d: seen %ld want %ld ordered %d dup %d deferred %d\n", filter, limit,
                       seen, want, ordered, dup, deferred_ok);
                all_ok = 0;
            }
        }
        ok(all_ok, "state %s: %ld rows, each once, in order, with page sizes 1 to 7",
           filter < 0 ? "any" : ota_job_state_str((ota_job_state)filter), want);
    }
    ota_page_req bad = {.limit = 1001};
    ota_job_page page;
    fails_with(ota_plan_devices(f.eng, id, -1, &bad, &page, &f.e), &f.e, OTA_E_BAD_REQUEST, "limit 1001 refused");
    ota_page_req forged = {.limit = 5, .cursor = "9.1"};
    fails_with(ota_plan_devices(f.eng, id, -1, &forged, &page, &f.e), &f.e, OTA_E_BAD_REQUEST,
               "a cursor with no such state refused");
    fails_with(ota_plan_devices(f.eng, id, OTA_JOB__COUNT, NULL, &page, &f.e), &f.e, OTA_E_BAD_REQUEST,
               "an unknown state filter refused");
    fails_with(ota_plan_devices(f.eng, 9999, -1, NULL, &page, &f.e), &f.e, OTA_E_NOT_FOUND, "rows of no plan");
    fx_close(&f);
}

/* Events since a sequence number: following last_seq visits each event
 * once, oldest first, whatever the page size. */
static void test_events_since(void)
{
    fx f;
    fx_open(&f);
    fx_devices(&f, "meter", "d1=1.1.0", "d2=1.1.0", "d3=1.1.0", NULL);
    int64_t id = fx_plan(&f, &(plan_spec){.pkg = f.pkg_module_full});
    int64_t other = fx_plan(&f, &(plan_spec){.pkg = f.pkg_mcu_full});
    fx_act(&f, id, OTA_ACT_ACTIVATE);
    fx_act(&f, other, OTA_ACT_ACTIVATE);
    AUTO_OFFER ota_job_offer o = {0};
    fx_checkin(&f, "d1", "1.1.0", &o);
    ota_job_report(f.eng, o.job_id, "d1", OTA_JOB_DOWNLOADING, 0, NULL, &f.e);
    f.clock.t += 60;
    ota_job_report(f.eng, o.job_id, "d1", OTA_JOB_INSTALLING, 0, NULL, &f.e);
    ota_job_report(f.eng, o.job_id, "d1", OTA_JOB_SUCCEEDED, 0, NULL, &f.e);
    fx_checkin(&f, "d2", "1.1.0", &o);
    ota_event_page all;
    ok_call(ota_plan_events(f.eng, id, 0, 0, &all, &f.e), &f.e, "all events of the plan");
    ok(all.n >= 7, "%zu events", all.n);
    int mine = 1;
    for (size_t i = 0; i < all.n; i++)
        mine &= strcmp(all.items[i].to, "active") || i == 0;  /* the other plan's activation is not here */
    ok(mine, "  only this plan's (one activation)");
    for (int limit = 1; limit <= 4; limit++) {
        int64_t since = 0;
        size_t k = 0;
        int same = 1, rounds = 0;
        for (;;) {
            ota_event_page ev;
            if (ota_plan_events(f.eng, id, since, limit, &ev, &f.e) < 0 || rounds++ > 50) {
                same = 0;
                break;
            }
            for (size_t i = 0; i < ev.n; i++, k++)
                same &= k < all.n && ev.items[i].seq == all.items[k].seq &&
                        !strcmp(ev.items[i].to, all.items[k].to);
            same &= ev.n <= (size_t)limit && (ev.n == 0 || ev.last_seq == ev.items[ev.n - 1].seq);
            size_t got = ev.n;
            int64_t last = ev.last_seq;
            ota_event_page_free(&ev);
            if (!got) {
                same &= last == since;  /* nothing new: last_seq stays where the caller was */
                break;
            }
            since = last;
        }
        ok(same && k == all.n, "pages of %d: every event once, in order", limit);
    }
    int64_t newest = all.items[all.n - 1].seq;
    ota_event_page_free(&all);
    ota_event_page ev;
    ok_call(ota_plan_events(f.eng, id, newest, 0, &ev, &f.e), &f.e, "events since the newest");
    is_int(ev.n, 0, "  none");
    ota_event_page_free(&ev);
    fx_checkin(&f, "d3", "1.1.0", &o);
    ok_call(ota_plan_events(f.eng, id, newest, 0, &ev, &f.e), &f.e, "after d3 is offered");
    ok(ev.n == 1 && !strcmp(ev.items[0].device, "d3") && !strcmp(ev.items[0].to, "offered") &&
           ev.items[0].at == T0 + 60, "  exactly its event, at the clock's time");
    ota_event_page_free(&ev);
    fails_with(ota_plan_events(f.eng, id, -1, 0, &ev, &f.e), &f.e, OTA_E_BAD_REQUEST, "since -1 refused");
    fails_with(ota_plan_events(f.eng, id, 0, 1001, &ev, &f.e), &f.e, OTA_E_BAD_REQUEST, "limit 1001 refused");
    fx_close(&f);
}

int main(void)
{
    test_preview();
    test_status_counters();
    test_device_rows();
    test_events_since();
    return tap_done();
}
