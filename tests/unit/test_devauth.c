/* Device identity (core/devauth.c): tokens issued, rotated (the old one
 * fails at once), revoked; enrollment (trust on first use) and its
 * refusals; bulk issue (skip or rotate, all or nothing); the one check of
 * device requests in both modes; a product's mode change and the count of
 * devices without a token; the token cache across two engines on one
 * file; the migration keeping old products on product_key; audit rows
 * that never hold a token. */
#include <string.h>
#include <time.h>
#include "fixture.h"

static ota_fake_clock fc = {1796083200};
static char key[65], okey[65];

static void setup(ota_engine *eng)
{
    ota_err e = {0};
    ota_product p = {.key = "meter", .name = "Meter"}, q = {.key = "tracker", .name = "Tracker"};
    ok_call(ota_product_add(eng, &p, key, &e), &e, "product meter");
    ok_call(ota_product_add(eng, &q, okey, &e), &e, "product tracker");
    ota_device d[3] = {{.id = "m-1"}, {.id = "m-2"}, {.id = "m-3"}};
    ota_device t = {.id = "t-1"};
    ota_import_result r;
    ok_call(ota_device_upsert(eng, "meter", d, 3, &r, &e), &e, "devices m-1..m-3");
    ok_call(ota_device_upsert(eng, "tracker", &t, 1, &r, &e), &e, "device t-1 of tracker");
}

static ota_credential cred_of(ota_engine *eng, const char *id, int64_t *at)
{
    ota_device d;
    ota_err e = {0};
    if (ota_device_get(eng, id, &d, &e) < 0)
        return (ota_credential)-1;
    if (at)
        *at = d.credential_at;
    return d.credential;
}

static int auth(ota_engine *eng, const char *product, const char *device, const char *k, const char *tok, ota_err *e)
{
    return ota_device_authenticate(eng, product, device, k, tok, NULL, e);
}

static long count(ota_engine *eng, const char *query)
{
    char got[64];
    db_text(ota_engine_db_path(eng), query, got, sizeof got);
    return atol(got);
}

static bool well_formed(const char *t)
{
    if (strlen(t) != OTA_DEVICE_TOKEN_LEN || strncmp(t, "otd_", 4))
        return false;
    for (const char *c = t + 4; *c; c++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *c))
            return false;
    return true;
}

static char tok1[OTA_DEVICE_TOKEN_LEN + 1], tok2[OTA_DEVICE_TOKEN_LEN + 1];

static void test_issue_rotate_revoke(ota_engine *eng)
{
    ota_err e = {0};
    int64_t at = 0;
    is_int(cred_of(eng, "m-1", &at), OTA_CRED_NONE, "a device starts without a credential");
    is_int(at, 0, "... and no credential time");
    ok_call(ota_device_token_issue(eng, "meter", "m-1", tok1, &e), &e, "issue m-1's token");
    ok(well_formed(tok1), "the token is otd_ + 43 base64url characters (%s...)", "otd_");
    is_int(cred_of(eng, "m-1", &at), OTA_CRED_ACTIVE, "m-1's credential is active");
    is_int(at, fc.t, "... issued now");
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM devices WHERE instr(CAST(token_hash AS TEXT), '%s') > 0"
                          " OR hex(token_hash) = upper('%s')", tok1 + 4, tok1);
    is_int(count(eng, q), 0, "only a hash of the token is stored");
    is_int(count(eng, "SELECT count(*) FROM devices WHERE device_id='m-1' AND length(token_hash)=32"), 1,
           "... a 32-byte hash");
    ok_call(auth(eng, "meter", "m-1", NULL, tok1, &e), &e, "m-1's token authenticates m-1");
    ok_call(auth(eng, "meter", "m-1", NULL, tok1, &e), &e, "... again (from the cache)");

    fc.t += 60;
    ok_call(ota_device_token_issue(eng, "meter", "m-1", tok2, &e), &e, "issue again: rotation");
    ok(strcmp(tok1, tok2) != 0, "a new token");
    is_int(cred_of(eng, "m-1", &at), OTA_CRED_ACTIVE, "still active");
    is_int(at, fc.t, "... at the rotation's time");
    fails_with(auth(eng, "meter", "m-1", NULL, tok1, &e), &e, OTA_E_UNAUTHORIZED,
               "the old token fails at the very next request");
    is_str(e.field, "device_token", "... naming the token");
    ok(!strstr(e.message, tok1), "... and the message does not repeat it");
    ok_call(auth(eng, "meter", "m-1", NULL, tok2, &e), &e, "the new one passes");

    fc.t += 60;
    ok_call(ota_device_token_revoke(eng, "meter", "m-1", &e), &e, "revoke m-1's token");
    is_int(cred_of(eng, "m-1", &at), OTA_CRED_REVOKED, "m-1's credential is revoked");
    is_int(at, fc.t, "... now");
    fails_with(auth(eng, "meter", "m-1", NULL, tok2, &e), &e, OTA_E_UNAUTHORIZED, "the revoked token fails at once");
    is_int(count(eng, "SELECT count(*) FROM devices WHERE device_id='m-1' AND token_hash IS NULL"), 1,
           "a revoked token's hash is not kept");
    fails_with(ota_device_token_revoke(eng, "meter", "m-1", &e), &e, OTA_E_NOT_FOUND, "revoking again: not found");
    fails_with(ota_device_token_revoke(eng, "meter", "m-2", &e), &e, OTA_E_NOT_FOUND,
               "revoking a device without a token: not found");
    fails_with(ota_device_token_revoke(eng, "meter", "t-1", &e), &e, OTA_E_NOT_FOUND,
               "revoking another product's device: not found");
    ok_call(ota_device_token_issue(eng, "meter", "m-1", tok1, &e), &e, "an admin reinstates m-1 with a new token");
    is_int(cred_of(eng, "m-1", NULL), OTA_CRED_ACTIVE, "active again");

    fails_with(ota_device_token_issue(eng, "meter", "t-1", tok2, &e), &e, OTA_E_VALIDATION,
               "a token for another product's device is refused");
    is_str(e.field, "device", "... naming device");
    fails_with(ota_device_token_issue(eng, "nope", "m-1", tok2, &e), &e, OTA_E_NOT_FOUND, "an unknown product");
    fails_with(ota_device_token_issue(eng, "meter", "bad id", tok2, &e), &e, OTA_E_VALIDATION, "a bad device id");
    is_str(e.field, "device", "... naming device");
    ok_call(ota_device_token_issue(eng, "meter", "m-new", tok2, &e), &e, "a device not known yet gets a token");
    ota_device d;
    ok_call(ota_device_get(eng, "m-new", &d, &e), &e, "... and is registered in the product");
    ok(!strcmp(d.product, "meter") && d.last_seen == 0 && d.credential == OTA_CRED_ACTIVE, "... never seen, active");

    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.token.issue' AND target='device:m-1'"
                      " AND outcome='ok'"), 2, "issue audited (first and reinstatement)");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.token.rotate' AND target='device:m-1'"), 1,
           "rotation audited");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.token.revoke' AND outcome='ok'"), 1,
           "revocation audited");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.token.issue' AND target='device:t-1'"
                      " AND outcome='validation_failed'"), 1, "a refused issue is audited too");
    snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE instr(detail, '%s') > 0 OR instr(detail, '%s') > 0",
             tok1 + 4, tok2 + 4);
    is_int(count(eng, q), 0, "no token in the audit trail");
}

static void test_authenticate(ota_engine *eng)
{
    ota_err e = {0};
    char t2[OTA_DEVICE_TOKEN_LEN + 1], tt[OTA_DEVICE_TOKEN_LEN + 1], who[OTA_DEVICE_ID_MAX + 1];
    ok_call(ota_device_token_issue(eng, "meter", "m-2", t2, &e), &e, "m-2's token");
    ok_call(ota_device_token_issue(eng, "tracker", "t-1", tt, &e), &e, "t-1's token (tracker)");

    /* product_key mode (the default) */
    ok_call(auth(eng, "meter", "m-3", key, NULL, &e), &e, "product_key mode: the product key passes");
    ok_call(auth(eng, "meter", "m-2", NULL, t2, &e), &e, "... the device's own token too");
    fails_with(auth(eng, "meter", "m-1", NULL, t2, &e), &e, OTA_E_FORBIDDEN, "... another device's token: forbidden");
    fails_with(auth(eng, "meter", "m-1", key, t2, &e), &e, OTA_E_FORBIDDEN,
               "... a token sent beside the key is judged alone");
    fails_with(auth(eng, "meter", "t-1", NULL, tt, &e), &e, OTA_E_FORBIDDEN,
               "... a device of another product named with its own token: forbidden");
    fails_with(auth(eng, "meter", "m-3", okey, NULL, &e), &e, OTA_E_UNAUTHORIZED, "... another product's key");
    is_str(e.field, "product_key", "... naming the key");
    fails_with(auth(eng, "nope", "m-3", key, NULL, &e), &e, OTA_E_UNAUTHORIZED, "... an unknown product");
    fails_with(auth(eng, "meter", "m-3", NULL, NULL, &e), &e, OTA_E_UNAUTHORIZED, "... nothing sent");
    fails_with(auth(eng, "meter", "m-3", "", "", &e), &e, OTA_E_UNAUTHORIZED, "... empty credentials");
    char forged[OTA_DEVICE_TOKEN_LEN + 1];
    snprintf(forged, sizeof forged, "%s", t2);
    forged[10] = forged[10] == 'A' ? 'B' : 'A';
    fails_with(auth(eng, "meter", "m-2", NULL, forged, &e), &e, OTA_E_UNAUTHORIZED, "a forged token: unauthorized");
    char cut[OTA_DEVICE_TOKEN_LEN];
    memcpy(cut, t2, sizeof cut - 1);
    cut[sizeof cut - 1] = 0;
    fails_with(auth(eng, "meter", "m-2", NULL, cut, &e), &e, OTA_E_UNAUTHORIZED, "a truncated token");
    char longer[OTA_DEVICE_TOKEN_LEN + 8];
    snprintf(longer, sizeof longer, "%sAAAA", t2);
    fails_with(auth(eng, "meter", "m-2", NULL, longer, &e), &e, OTA_E_UNAUTHORIZED, "an overlong token");
    char utf[OTA_DEVICE_TOKEN_LEN + 8];
    snprintf(utf, sizeof utf, "%.40s\xc3\xa9\xc3\xa9\xc3\xa9", t2);
    fails_with(auth(eng, "meter", "m-2", NULL, utf, &e), &e, OTA_E_UNAUTHORIZED, "a token with non-ASCII bytes");
    fails_with(auth(eng, "meter", "m-2", NULL, key, &e), &e, OTA_E_UNAUTHORIZED, "the product key sent as a token");

    /* a download names no device: the token does */
    ok_call(ota_device_authenticate(eng, NULL, NULL, NULL, t2, who, &e), &e, "a download with m-2's token passes");
    is_str(who, "m-2", "... and names m-2");
    fails_with(ota_device_authenticate(eng, NULL, NULL, key, NULL, who, &e), &e, OTA_E_UNAUTHORIZED,
               "a product key naming no product does not");
    ok_call(ota_device_authenticate(eng, "meter", "m-3", key, NULL, who, &e), &e, "a product key names the device asked");
    is_str(who, "m-3", "... m-3");

    /* device_token mode */
    ota_product p;
    long without = -1;
    ok_call(ota_product_set_auth(eng, "meter", OTA_DEVICE_AUTH_DEVICE_TOKEN, -1, &p, &without, &e), &e,
            "meter switches to device_token");
    is_int(p.device_auth, OTA_DEVICE_AUTH_DEVICE_TOKEN, "... the product says so");
    is_int(p.enrollment_closed, 0, "... enrollment kept open");
    is_int(without, 1, "... one device has no active token (m-3)");
    ok_call(ota_product_get(eng, "meter", &p, &e), &e, "read back");
    is_int(p.device_auth, OTA_DEVICE_AUTH_DEVICE_TOKEN, "... stored");
    ok_call(auth(eng, "meter", "m-2", NULL, t2, &e), &e, "device_token mode: the own token passes");
    fails_with(auth(eng, "meter", "m-3", key, NULL, &e), &e, OTA_E_UNAUTHORIZED,
               "... the product key alone: unauthorized at once (no stale cache)");
    ok(strstr(e.message, "enroll") != NULL, "... its message names enrollment: %s", e.message);
    fails_with(auth(eng, "meter", "m-1", NULL, t2, &e), &e, OTA_E_FORBIDDEN, "... another device's token: forbidden");
    fails_with(auth(eng, "meter", "m-2", NULL, tt, &e), &e, OTA_E_FORBIDDEN,
               "... a token of another product's device: forbidden");
    ok(!ota_product_check_device_key(eng, "meter", "") && ota_product_check_device_key(eng, "meter", key),
       "the key itself still checks (it enrolls)");
    ok_call(auth(eng, "tracker", "t-1", okey, NULL, &e), &e, "tracker (product_key) is untouched");

    ok_call(ota_product_set_auth(eng, "meter", -1, 1, &p, &without, &e), &e, "close meter's enrollment");
    ok(p.device_auth == OTA_DEVICE_AUTH_DEVICE_TOKEN && p.enrollment_closed, "... mode kept, enrollment closed");
    fails_with(ota_product_set_auth(eng, "meter", 7, -1, &p, &without, &e), &e, OTA_E_VALIDATION, "mode 7 refused");
    is_str(e.field, "device_auth", "... naming device_auth");
    fails_with(ota_product_set_auth(eng, "meter", -1, 2, &p, &without, &e), &e, OTA_E_VALIDATION,
               "enrollment 2 refused");
    is_str(e.field, "enrollment", "... naming enrollment");
    fails_with(ota_product_set_auth(eng, "nope", 0, -1, &p, &without, &e), &e, OTA_E_NOT_FOUND, "an unknown product");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='product.auth' AND target='product:meter'"
                      " AND outcome='ok'"), 2, "mode changes audited");

    /* requests about a job: judged for the job's product and device (two
     * ended plans, a job of m-2 in meter's, one of t-1 in tracker's) */
    ok(sql(eng, "INSERT INTO plans(id, name, product, state, revision, mode, retries, min_rsrp, min_battery,"
                " window_start, window_end, job_timeout, created_at, updated_at) VALUES"
                " (900, 'm', 'meter', 'ended', 1, 'silent', 0, -140, 0, 0, 1, 0, 1, 1),"
                " (901, 't', 'tracker', 'ended', 1, 'silent', 0, -140, 0, 0, 1, 0, 1, 1);"
                "INSERT INTO jobs(id, plan, device, state, updated_at) VALUES"
                " (9001, 900, (SELECT id FROM devices WHERE device_id = 'm-2'), 0, 1),"
                " (9002, 901, (SELECT id FROM devices WHERE device_id = 't-1'), 0, 1)") == 0,
       "two jobs: m-2's (meter) and t-1's (tracker)");
    char jp[OTA_KEY_MAX + 1] = "", jd[OTA_DEVICE_ID_MAX + 1] = "";
    ok_call(ota_device_authenticate_job(eng, 9001, NULL, t2, jp, jd, &e), &e, "m-2's token for m-2's job");
    ok(!strcmp(jp, "meter") && !strcmp(jd, "m-2"), "... naming the job's product and device (%s, %s)", jp, jd);
    ok_call(ota_device_authenticate_job(eng, 9002, NULL, tt, NULL, NULL, &e), &e, "t-1's token for its job");
    fails_with(ota_device_authenticate_job(eng, 9002, NULL, t2, jp, jd, &e), &e, OTA_E_FORBIDDEN,
               "m-2's token for t-1's job: forbidden");
    fails_with(ota_device_authenticate_job(eng, 9001, key, NULL, NULL, NULL, &e), &e, OTA_E_UNAUTHORIZED,
               "meter's key for its job (device_token mode): unauthorized");
    ok_call(ota_device_authenticate_job(eng, 9002, okey, NULL, NULL, NULL, &e), &e,
            "tracker's key for its job (product_key mode)");
    fails_with(ota_device_authenticate_job(eng, 9002, key, NULL, NULL, NULL, &e), &e, OTA_E_UNAUTHORIZED,
               "meter's key for tracker's job");
    fails_with(ota_device_authenticate_job(eng, 9003, NULL, t2, NULL, NULL, &e), &e, OTA_E_NOT_FOUND,
               "an unknown job: not_found");
    is_str(e.field, "job", "... naming job");
    ok(sql(eng, "DELETE FROM jobs WHERE id IN (9001, 9002); DELETE FROM plans WHERE id IN (900, 901)") == 0,
       "the jobs removed again");
}

/* PRAGMA data_version of a connection of our own: it moves when any other
 * connection commits. */
static long data_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    long v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = (long)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

/* Neither field given (an empty merge patch): the product and its count,
 * nothing committed, no audit row, refusals as for a change. */
static void test_auth_read(ota_engine *eng)
{
    ota_err e = {0};
    ota_product p = {0};
    long without = -1;
    long audits = count(eng, "SELECT count(*) FROM audit");
    sqlite3 *watch;
    ok(sqlite3_open_v2(ota_engine_db_path(eng), &watch, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
       "a watching connection");
    long v0 = data_version(watch);
    ok_call(ota_product_set_auth(eng, "meter", -1, -1, &p, &without, &e), &e, "no change asked: a read");
    ok(!strcmp(p.key, "meter") && !strcmp(p.name, "Meter") && p.device_auth == OTA_DEVICE_AUTH_DEVICE_TOKEN &&
           p.enrollment_closed, "... the product as stored (device_token, closed)");
    is_int(without, 1, "... and the count of devices without a token");
    ok_call(ota_product_set_auth(eng, "meter", -1, -1, NULL, NULL, &e), &e, "... out and count may be NULL");
    is_int(data_version(watch), v0, "... nothing committed");
    is_int(count(eng, "SELECT count(*) FROM audit"), audits, "... no audit row");
    fails_with(ota_product_set_auth(eng, "nope", -1, -1, &p, &without, &e), &e, OTA_E_NOT_FOUND,
               "a read of an unknown product: not_found");
    is_str(e.field, "product", "... naming product");
    fails_with(ota_product_set_auth(eng, NULL, -1, -1, &p, &without, &e), &e, OTA_E_VALIDATION,
               "no product: validation_failed");
    is_int(data_version(watch), v0, "the refused reads committed nothing either");
    is_int(count(eng, "SELECT count(*) FROM audit"), audits, "... and audited nothing");
    sqlite3_close(watch);
}

/* meter: device_token mode, enrollment closed (test_authenticate). */
static void test_enroll(ota_engine *eng)
{
    ota_err e = {0};
    char t[OTA_DEVICE_TOKEN_LEN + 1];
    fails_with(ota_device_enroll(eng, "meter", "m-3", key, t, &e), &e, OTA_E_FORBIDDEN, "enrollment closed: forbidden");
    ota_product p;
    ok_call(ota_product_set_auth(eng, "meter", -1, 0, &p, NULL, &e), &e, "open it");
    fails_with(ota_device_enroll(eng, "meter", "m-3", okey, t, &e), &e, OTA_E_UNAUTHORIZED,
               "another product's key: unauthorized");
    fails_with(ota_device_enroll(eng, "meter", "m-3", "", t, &e), &e, OTA_E_UNAUTHORIZED, "no key: unauthorized");
    ok_call(ota_device_enroll(eng, "meter", "m-3", key, t, &e), &e, "m-3 enrolls with the product key");
    ok(well_formed(t), "... and gets its token");
    ok_call(auth(eng, "meter", "m-3", NULL, t, &e), &e, "... which authenticates it");
    fails_with(ota_device_enroll(eng, "meter", "m-3", key, t, &e), &e, OTA_E_CONFLICT, "enrolling twice: conflict");
    ok_call(auth(eng, "meter", "m-3", NULL, t, &e), &e, "... and the first token still works");
    ok_call(ota_device_token_revoke(eng, "meter", "m-3", &e), &e, "revoke m-3");
    fails_with(ota_device_enroll(eng, "meter", "m-3", key, t, &e), &e, OTA_E_CONFLICT,
               "a revoked device cannot enroll again: conflict");
    ok_call(ota_device_enroll(eng, "meter", "m-fresh", key, t, &e), &e, "an unknown device enrolls");
    is_int(cred_of(eng, "m-fresh", NULL), OTA_CRED_ACTIVE, "... registered with an active token");
    fails_with(ota_device_enroll(eng, "meter", "t-1", key, t, &e), &e, OTA_E_VALIDATION,
               "another product's device cannot enroll here");
    fails_with(ota_device_enroll(eng, "meter", "bad id", key, t, &e), &e, OTA_E_VALIDATION, "a bad id");
    ok_call(ota_device_enroll(eng, "tracker", "t-2", okey, t, &e), &e, "product_key mode allows enrollment too");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.enroll' AND outcome='ok'"), 3,
           "enrollments audited");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.enroll' AND outcome='conflict'"), 2,
           "... refusals with the right key too");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.enroll' AND outcome='unauthorized'"), 0,
           "... a wrong key is not recorded");
}

static void test_bulk(ota_engine *eng)
{
    ota_err e = {0};
    ota_device_token_list l;
    const char *ids[] = {"b-1", "b-2", "m-2", "b-3"};
    ok_call(ota_device_tokens_issue(eng, "meter", ids, 4, false, &l, &e), &e, "bulk issue for 4 devices");
    is_int(l.n, 3, "3 issued");
    is_int(l.skipped, 1, "m-2 (active) skipped");
    ok(l.n == 3 && !strcmp(l.items[0].device, "b-1") && !strcmp(l.items[2].device, "b-3") && well_formed(l.items[1].token),
       "in order, each with its token");
    char keep[OTA_DEVICE_TOKEN_LEN + 1];
    snprintf(keep, sizeof keep, "%s", l.items[0].token);
    ok_call(auth(eng, "meter", "b-1", NULL, keep, &e), &e, "b-1's bulk token authenticates b-1");
    ota_device_token_list_free(&l);
    ok(l.items == NULL && l.n == 0, "the list is freed");

    ok_call(ota_device_tokens_issue(eng, "meter", ids, 4, true, &l, &e), &e, "bulk again with rotate");
    is_int(l.n, 4, "all 4 issued");
    is_int(l.skipped, 0, "none skipped");
    fails_with(auth(eng, "meter", "b-1", NULL, keep, &e), &e, OTA_E_UNAUTHORIZED, "b-1's old token stopped at once");
    ota_device_token_list_free(&l);

    const char *bad[] = {"c-1", "c-2", "bad id"};
    fails_with(ota_device_tokens_issue(eng, "meter", bad, 3, false, &l, &e), &e, OTA_E_VALIDATION,
               "a bad id fails the whole bulk");
    is_str(e.field, "devices[2]", "... naming it");
    ok(l.n == 0 && l.items == NULL, "... nothing handed out");
    ota_device d;
    fails_with(ota_device_get(eng, "c-1", &d, &e), &e, OTA_E_NOT_FOUND, "... and nothing written (c-1 not registered)");
    const char *other[] = {"c-1", "t-1"};
    fails_with(ota_device_tokens_issue(eng, "meter", other, 2, false, &l, &e), &e, OTA_E_VALIDATION,
               "an id of another product fails the whole bulk");
    is_str(e.field, "devices[1]", "... naming it");
    fails_with(ota_device_get(eng, "c-1", &d, &e), &e, OTA_E_NOT_FOUND, "... c-1 not registered either");
    const char *twice[] = {"c-1", "c-1"};
    fails_with(ota_device_tokens_issue(eng, "meter", twice, 2, false, &l, &e), &e, OTA_E_VALIDATION,
               "an id listed twice is refused");
    fails_with(ota_device_tokens_issue(eng, "nope", ids, 1, false, &l, &e), &e, OTA_E_NOT_FOUND, "an unknown product");
    ok_call(ota_device_tokens_issue(eng, "meter", NULL, 0, false, &l, &e), &e, "an empty list issues nothing");
    is_int(l.n, 0, "... 0");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.tokens.issue' AND target='product:meter'"
                      " AND outcome='ok' AND detail='3 issued (0 rotated), 1 skipped'"), 1,
           "the first bulk audited with its counts");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.tokens.issue' AND target='product:meter'"
                      " AND outcome='ok' AND detail='4 issued (4 rotated), 0 skipped'"), 1,
           "... the rotation too");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.tokens.issue' AND outcome='ok'"), 3,
           "bulk issues audited");
    is_int(count(eng, "SELECT count(*) FROM audit WHERE action='device.tokens.issue' AND outcome='validation_failed'"),
           3, "... refusals too");
}

/* Engine b's check until it refuses, once a millisecond (bounded): its
 * change watcher looks for the other connection's commits that often.
 * 0 when it refused with unauthorized; *ms how long it took. */
static int refused_soon(ota_engine *b, const char *product, const char *device, const char *k, const char *t, int *ms)
{
    ota_err e = {0};
    int rc;
    *ms = 0;
    do {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        rc = auth(b, product, device, k, t, &e);
    } while (rc == 0 && ++*ms < 500);
    return rc < 0 && e.code == OTA_E_UNAUTHORIZED ? 0 : -1;
}

/* Two engines on one file: a rotation or revocation by one reaches the
 * other's cache. */
static void test_two_engines(const char *dir)
{
    ota_err e = {0};
    ota_engine *a = fixture_engine(dir, &fc, "a"), *b = fixture_engine(dir, &fc, "b");
    char t[OTA_DEVICE_TOKEN_LEN + 1], t2[OTA_DEVICE_TOKEN_LEN + 1];
    int ms;
    ok_call(ota_device_token_issue(a, "tracker", "t-9", t, &e), &e, "engine A issues t-9's token");
    ok_call(auth(b, "tracker", "t-9", NULL, t, &e), &e, "engine B accepts it");
    ok_call(auth(b, "tracker", "t-9", NULL, t, &e), &e, "... from its cache");
    ok_call(ota_device_token_issue(a, "tracker", "t-9", t2, &e), &e, "engine A rotates it");
    int refused = refused_soon(b, "tracker", "t-9", NULL, t, &ms);
    ok(refused == 0, "engine B refuses the old token (after %d ms)", ms);
    ok_call(auth(b, "tracker", "t-9", NULL, t2, &e), &e, "... and accepts the new one");
    ok_call(ota_device_token_revoke(a, "tracker", "t-9", &e), &e, "engine A revokes it");
    ok(refused_soon(b, "tracker", "t-9", NULL, t2, &ms) == 0, "engine B refuses the revoked token");
    ota_product p;
    ok_call(ota_product_set_auth(a, "tracker", OTA_DEVICE_AUTH_DEVICE_TOKEN, -1, &p, NULL, &e), &e,
            "engine A switches tracker to device_token");
    ok(refused_soon(b, "tracker", "t-1", okey, NULL, &ms) == 0, "engine B refuses tracker's product key for check-ins");
    ota_engine_close(a);
    ota_engine_close(b);
}

/* A database made before migration 8: its products stay product_key. */
static void test_migration(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/old", tap_tmpdir());
    ota_err e = {0};
    ota_engine *eng = fixture_engine(dir, &fc, "t");
    char k[65];
    ota_product p = {.key = "legacy", .name = "Legacy"};
    ota_device d = {.id = "l-1"};
    ota_import_result r;
    ok_call(ota_product_add(eng, &p, k, &e), &e, "a product in a database");
    ok_call(ota_device_upsert(eng, "legacy", &d, 1, &r, &e), &e, "... with a device");
    char db[700];
    snprintf(db, sizeof db, "%s", ota_engine_db_path(eng));
    ota_engine_close(eng);
    is_int(db_sql(db, "DROP INDEX devices_token; ALTER TABLE devices DROP COLUMN token_hash;"
                      " ALTER TABLE devices DROP COLUMN credential; ALTER TABLE devices DROP COLUMN credential_at;"
                      " ALTER TABLE products DROP COLUMN device_auth; ALTER TABLE products DROP COLUMN enrollment_closed;"
                      " PRAGMA user_version=7"), 0, "the database set back to schema 7 (before device identity)");
    eng = fixture_engine(dir, &fc, "t");
    ok(ota_engine_schema_version(eng) >= 8, "reopened: migrated");
    ok_call(ota_product_get(eng, "legacy", &p, &e), &e, "the product is there");
    ok(p.device_auth == OTA_DEVICE_AUTH_PRODUCT_KEY && !p.enrollment_closed, "... product_key, enrollment open");
    ok(ota_product_check_device_key(eng, "legacy", k), "... its key still works");
    ok_call(auth(eng, "legacy", "l-1", k, NULL, &e), &e, "... for its devices' requests");
    is_int(cred_of(eng, "l-1", NULL), OTA_CRED_NONE, "its device has no credential");
    ota_engine_close(eng);
}

/* ------------------------------------------------------------- the codec */
static json_t *parse(const char *text)
{
    return json_loads(text, 0, NULL);
}

static void test_codec(void)
{
    ota_err e = {0};
    ota_product p = {.key = "meter", .name = "Meter", .device_auth = OTA_DEVICE_AUTH_DEVICE_TOKEN,
                     .enrollment_closed = true}, p2;
    json_t *j = ota_json_product(&p);
    is_str(json_string_value(json_object_get(j, "device_auth")), "device_token", "product JSON: device_auth");
    is_str(json_string_value(json_object_get(j, "enrollment")), "closed", "product JSON: enrollment");
    ok_call(ota_product_from_json(j, &p2, &e), &e, "product decodes");
    ok(p2.device_auth == OTA_DEVICE_AUTH_DEVICE_TOKEN && p2.enrollment_closed, "... both kept");
    json_decref(j);
    j = parse("{\"key\":\"k\",\"name\":\"n\"}");
    ok_call(ota_product_from_json(j, &p2, &e), &e, "a product body without them");
    ok(p2.device_auth == OTA_DEVICE_AUTH_PRODUCT_KEY && !p2.enrollment_closed, "... product_key and open");
    json_decref(j);
    j = parse("{\"key\":\"k\",\"name\":\"n\",\"device_auth\":\"certificates\"}");
    fails_with(ota_product_from_json(j, &p2, &e), &e, OTA_E_VALIDATION, "an unknown device_auth: 422");
    is_str(e.field, "device_auth", "... naming it");
    json_decref(j);

    j = ota_json_product_auth(&p, 12);
    long n = 0;
    ok_call(ota_product_auth_from_json(j, &p2, &n, &e), &e, "PATCH answer decodes");
    ok(n == 12 && !strcmp(p2.key, "meter") && p2.enrollment_closed, "... with devices_without_token 12");
    json_decref(j);

    int da = 0, ec = 0;
    j = ota_json_product_auth_patch(OTA_DEVICE_AUTH_DEVICE_TOKEN, -1);
    ok_call(ota_product_auth_patch_from_json(j, &da, &ec, &e), &e, "PATCH body decodes");
    ok(da == OTA_DEVICE_AUTH_DEVICE_TOKEN && ec == -1, "... device_auth given, enrollment kept (-1)");
    is_int(json_object_size(j), 1, "... and holds only what was given");
    json_decref(j);
    j = parse("{\"enrollment\":\"closed\"}");
    ok_call(ota_product_auth_patch_from_json(j, &da, &ec, &e), &e, "PATCH enrollment only");
    ok(da == -1 && ec == 1, "... closed");
    json_decref(j);
    j = parse("{}");
    da = ec = 0;
    ok_call(ota_product_auth_patch_from_json(j, &da, &ec, &e), &e, "an empty PATCH decodes (RFC 7396: no change)");
    ok(da == -1 && ec == -1, "... neither given (-1, -1)");
    json_decref(j);
    j = ota_json_product_auth_patch(-1, -1);
    is_int(json_object_size(j), 0, "no change encodes as {}");
    json_decref(j);
    j = parse("{\"device_auth\":\"device_token\",\"owner\":\"x\"}");
    fails_with(ota_product_auth_patch_from_json(j, &da, &ec, &e), &e, OTA_E_BAD_REQUEST, "an unknown member: 400");
    is_str(e.field, "owner", "... naming it");
    json_decref(j);
    j = parse("{\"enrollment\":\"ajar\"}");
    fails_with(ota_product_auth_patch_from_json(j, &da, &ec, &e), &e, OTA_E_VALIDATION, "a wrong word: 422");
    is_str(e.field, "enrollment", "... naming it");
    json_decref(j);
    j = parse("{\"device_auth\":true}");
    fails_with(ota_product_auth_patch_from_json(j, &da, &ec, &e), &e, OTA_E_BAD_REQUEST, "a wrong type: 400");
    json_decref(j);

    ota_device d = {.id = "m-1", .product = "meter", .credential = OTA_CRED_REVOKED, .credential_at = 1796083200}, d2;
    j = ota_json_device(&d);
    is_str(json_string_value(json_object_get(j, "credential")), "revoked", "device JSON: credential");
    is_str(json_string_value(json_object_get(j, "credential_at")), "2026-12-01T00:00:00Z", "device JSON: credential_at");
    ok_call(ota_device_from_json(j, &d2, &e), &e, "device decodes");
    ok(d2.credential == OTA_CRED_REVOKED && d2.credential_at == d.credential_at, "... credential kept");
    json_decref(j);

    char tp[OTA_KEY_MAX + 1], td[OTA_DEVICE_ID_MAX + 1], tt[OTA_DEVICE_TOKEN_LEN + 1];
    const char *tok = "otd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    j = ota_json_device_token("meter", "m-1", tok);
    ok_call(ota_device_token_from_json(j, tp, td, tt, &e), &e, "a token answer decodes");
    ok(!strcmp(tp, "meter") && !strcmp(td, "m-1") && !strcmp(tt, tok), "... product, device, token");
    json_decref(j);

    j = ota_json_enroll("meter", "m-1");
    ok_call(ota_enroll_from_json(j, tp, td, &e), &e, "an enrollment body decodes");
    ok(!strcmp(tp, "meter") && !strcmp(td, "m-1"), "... product and device");
    json_decref(j);
    j = parse("{\"product\":\"meter\"}");
    fails_with(ota_enroll_from_json(j, tp, td, &e), &e, OTA_E_VALIDATION, "an enrollment without device");
    is_str(e.field, "device", "... naming device");
    json_decref(j);

    const char *ids[] = {"a", "b"}, **got = NULL;
    size_t k = 0;
    bool rot = false;
    j = ota_json_tokens_request(ids, 2, true);
    ok_call(ota_tokens_request_from_json(j, &got, &k, &rot, &e), &e, "a bulk body decodes");
    ok(k == 2 && rot && !strcmp(got[1], "b"), "... ids and rotate");
    free(got);
    json_decref(j);
    j = parse("{\"devices\":[\"a\",7]}");
    fails_with(ota_tokens_request_from_json(j, &got, &k, &rot, &e), &e, OTA_E_BAD_REQUEST, "a number among the ids");
    is_str(e.field, "devices[1]", "... naming it");
    json_decref(j);
    j = parse("{\"devices\":[],\"rotate\":\"yes\"}");
    fails_with(ota_tokens_request_from_json(j, &got, &k, &rot, &e), &e, OTA_E_BAD_REQUEST, "rotate not a boolean");
    json_decref(j);
    j = json_pack("{s:[]}", "devices");
    for (int i = 0; i <= OTA_DEVICE_TOKENS_PER_REQUEST; i++)
        json_array_append_new(json_object_get(j, "devices"), json_string("x"));
    fails_with(ota_tokens_request_from_json(j, &got, &k, &rot, &e), &e, OTA_E_VALIDATION, "10001 ids: 422");
    is_str(e.field, "devices", "... naming devices");
    json_decref(j);

    ota_device_token items[2] = {{"a", ""}, {"b", ""}};
    strcpy(items[0].token, tok);
    strcpy(items[1].token, tok);
    ota_device_token_list l = {.items = items, .n = 2, .skipped = 3}, acc = {0};
    j = ota_json_device_token_list(&l);
    ok_call(ota_device_token_list_from_json(j, &acc, &e), &e, "a bulk answer decodes");
    ok_call(ota_device_token_list_from_json(j, &acc, &e), &e, "... a second chunk appends");
    ok(acc.n == 4 && acc.skipped == 6 && !strcmp(acc.items[3].device, "b"), "... 4 tokens, 6 skipped");
    ota_device_token_list_free(&acc);
    json_decref(j);
    j = parse("{\"issued\":2,\"skipped\":0,\"tokens\":[{\"device\":\"a\",\"token\":\"x\"}]}");
    fails_with(ota_device_token_list_from_json(j, &acc, &e), &e, OTA_E_BAD_REQUEST, "issued and tokens disagree");
    ota_device_token_list_free(&acc);
    json_decref(j);
}

int main(void)
{
    test_codec();
    const char *dir = tap_tmpdir();
    ota_engine *eng = fixture_engine(dir, &fc, "tester");
    setup(eng);
    test_issue_rotate_revoke(eng);
    test_authenticate(eng);
    test_auth_read(eng);
    test_enroll(eng);
    test_bulk(eng);
    test_two_engines(dir);
    ota_engine_close(eng);
    test_migration();
    return tap_done();
}
