/* The backend contract for device identity (client/backend.h: product_set_auth,
 * device_token_issue, device_token_revoke, device_tokens_issue, and the
 * device side's checkin, job_confirm and device_enroll with the backend's
 * device credentials), the same
 * cases through both backends: a product's device authentication and the
 * count of devices without a token, a token issued, rotated (the old one
 * stops at once) and revoked, bulk issue with skip and rotate (remotely in
 * requests of OTA_DEVICE_TOKENS_PER_REQUEST ids), the errors (unknown product, a
 * bad id, a device of another product), no change asked (the product and
 * the count, no audit row), remotely a viewer's and an operator's
 * refusal, and the device side with the device's own token or the
 * product key (check-ins, a job, enrollment).  Part of test_contract (contract.h). */
#include "contract.h"

#include <curl/curl.h>
#include <sodium.h>

#define P "ident"

/* Does token speak for device of P?  Locally the engine's own check of
 * every device request; remotely a REST check-in with X-Device-Token.
 * 0 yes, else the code of the refusal. */
static ota_code token_works(ctx *c, const char *device, const char *token)
{
    if (!c->remote) {
        ota_err e = {0};
        int rc = ota_device_authenticate(ota_backend_local_engine(c->b), P, device, NULL, token, NULL, &e);
        return rc == 0 ? OTA_OK : e.code;
    }
    char url[1024], hdr[128], body[512];
    snprintf(url, sizeof url, "%s/api/v1/device/checkin", c->url);
    snprintf(hdr, sizeof hdr, "X-Device-Token: %s", token);
    snprintf(body, sizeof body, "{\"device\":\"%s\",\"product\":\"%s\",\"versions\":{\"module\":\"1.0.0\"}}",
             device, P);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(curl_slist_append(NULL, hdr), "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fwrite);
    FILE *null = fopen("/dev/null", "w");
    curl_easy_setopt(h, CURLOPT_WRITEDATA, null);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    fclose(null);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return status == 200 ? OTA_OK : status == 401 ? OTA_E_UNAUTHORIZED : status == 403 ? OTA_E_FORBIDDEN
                                                                                    : OTA_E_INTERNAL;
}

static char pkey[65];  /* P's device key */

static ota_credential credential_of(ctx *c, const char *device, int64_t *at)
{
    ota_device d;
    if (c->b->ops->device_detail(c->b, P, device, &d, NULL, &E) < 0)
        return (ota_credential)-1;
    if (at)
        *at = d.credential_at;
    return d.credential;
}

static bool token_shape(const char *t)
{
    return strlen(t) == OTA_DEVICE_TOKEN_LEN && !strncmp(t, "otd_", 4);
}

static void t_set_auth(ctx *c)
{
    ota_product p = {.key = P, .name = "Device identity"};
    ok_call(c->b->ops->product_add(c->b, &p, pkey, &E), &E, "devauth: product added");
    const char *csv = "id,module\nid-1,1.0.0\nid-2,1.0.0\nid-3,1.0.0\n";
    write_file(tpath(c, "ident.csv"), csv, strlen(csv));
    ota_import_result r;
    ok_call(c->b->ops->device_import(c->b, P, tpath(c, "ident.csv"), &r, &E), &E, "devauth: three devices");

    ota_product_list l = {0};
    ok_call(c->b->ops->product_list_all(c->b, &l, &E), &E, "product list");
    const ota_product *got = NULL;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.items[i].key, P))
            got = &l.items[i];
    ok(got && got->device_auth == OTA_DEVICE_AUTH_PRODUCT_KEY && !got->enrollment_closed,
       "a new product: product_key, enrollment open");
    ota_product_list_free(&l);
    ota_device d;
    ok_call(c->b->ops->device_detail(c->b, P, "id-1", &d, NULL, &E), &E, "device detail");
    ok(d.credential == OTA_CRED_NONE && d.credential_at == 0, "a device without a token: credential none");

    long without = -1;
    ota_product out;
    ok_call(c->b->ops->product_set_auth(c->b, P, OTA_DEVICE_AUTH_DEVICE_TOKEN, -1, &out, &without, &E), &E,
            "set device_auth device_token");
    ok(out.device_auth == OTA_DEVICE_AUTH_DEVICE_TOKEN && !out.enrollment_closed && !strcmp(out.key, P) &&
           !strcmp(out.name, "Device identity"), "the answer: the product as stored, enrollment kept open");
    is_int(without, 3, "three devices have no token");
    ok_call(c->b->ops->product_set_auth(c->b, P, -1, 1, &out, &without, &E), &E, "close enrollment");
    ok(out.device_auth == OTA_DEVICE_AUTH_DEVICE_TOKEN && out.enrollment_closed, "device_auth kept, closed");
    ok_call(c->b->ops->product_set_auth(c->b, P, -1, 0, &out, NULL, &E), &E, "open it again (no count asked)");
    ok(!out.enrollment_closed, "open again");

    /* no change asked (remotely PATCH {}): the product and the count as
     * they are, and no audit row */
    ota_audit_query q = {.target = "product:" P, .page = {.limit = 1000}};
    ota_audit_page before = {0}, after = {0};
    ok_call(c->b->ops->audit_list(c->b, &q, &before, &E), &E, "the product's audit rows");
    memset(&out, 0, sizeof out);
    without = -1;
    ok_call(c->b->ops->product_set_auth(c->b, P, -1, -1, &out, &without, &E), &E, "no change asked: succeeds");
    ok(out.device_auth == OTA_DEVICE_AUTH_DEVICE_TOKEN && !out.enrollment_closed && !strcmp(out.key, P) &&
           !strcmp(out.name, "Device identity"), "the product as it is");
    is_int(without, 3, "and the count of devices without a token");
    ok_call(c->b->ops->audit_list(c->b, &q, &after, &E), &E, "the audit rows again");
    is_int(after.n, before.n, "no audit row for a no-op");
    ota_audit_page_free(&before);
    ota_audit_page_free(&after);
    fails_with(c->b->ops->product_set_auth(c->b, "nope", -1, -1, &out, &without, &E), &E, OTA_E_NOT_FOUND,
               "no change asked of an unknown product: not_found");
}

static void t_issue_rotate_revoke(ctx *c)
{
    char t1[OTA_DEVICE_TOKEN_LEN + 1] = "", t2[OTA_DEVICE_TOKEN_LEN + 1] = "";
    ok_call(c->b->ops->device_token_issue(c->b, P, "id-1", t1, &E), &E, "issue id-1's token");
    ok(token_shape(t1), "otd_ and 43 characters (%zu)", strlen(t1));
    int64_t at = 0;
    is_int(credential_of(c, "id-1", &at), OTA_CRED_ACTIVE, "id-1: credential active");
    ok(at >= c->now - 5, "credential_at set (%lld)", (long long)at);
    is_int(token_works(c, "id-1", t1), OTA_OK, "the token speaks for id-1");
    is_int(token_works(c, "id-2", t1), OTA_E_FORBIDDEN, "not for id-2: forbidden");
    long without = -1;
    ok_call(c->b->ops->product_set_auth(c->b, P, OTA_DEVICE_AUTH_DEVICE_TOKEN, -1, NULL, &without, &E), &E,
            "set the mode it has: the count");
    is_int(without, 2, "two devices left without a token");

    ok_call(c->b->ops->device_token_issue(c->b, P, "id-1", t2, &E), &E, "rotate id-1's token");
    ok(token_shape(t2) && strcmp(t1, t2), "a new token");
    is_int(token_works(c, "id-1", t1), OTA_E_UNAUTHORIZED, "the old one stopped at once");
    is_int(token_works(c, "id-1", t2), OTA_OK, "the new one works");

    ok_call(c->b->ops->device_token_revoke(c->b, P, "id-1", &E), &E, "revoke id-1's token");
    is_int(credential_of(c, "id-1", NULL), OTA_CRED_REVOKED, "id-1: credential revoked");
    is_int(token_works(c, "id-1", t2), OTA_E_UNAUTHORIZED, "the revoked token stopped");
    fails_with(c->b->ops->device_token_revoke(c->b, P, "id-1", &E), &E, OTA_E_NOT_FOUND,
               "revoke again: no active token");
    fails_with(c->b->ops->device_token_revoke(c->b, P, "id-2", &E), &E, OTA_E_NOT_FOUND,
               "revoke a device that never had one");
    ok_call(c->b->ops->product_set_auth(c->b, P, OTA_DEVICE_AUTH_DEVICE_TOKEN, -1, NULL, &without, &E), &E, "count");
    is_int(without, 3, "a revoked token counts as none");
    ok_call(c->b->ops->device_token_issue(c->b, P, "id-1", t1, &E), &E, "an admin brings id-1 back");
    is_int(credential_of(c, "id-1", NULL), OTA_CRED_ACTIVE, "active again");
    ok_call(c->b->ops->device_token_issue(c->b, P, "ahead-1", t2, &E), &E, "issue ahead of a first check-in");
    is_int(credential_of(c, "ahead-1", NULL), OTA_CRED_ACTIVE, "the device is registered, its token active");
    sodium_memzero(t1, sizeof t1);
    sodium_memzero(t2, sizeof t2);
}

static const ota_device_token *find_token(const ota_device_token_list *l, const char *device)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i].device, device))
            return &l->items[i];
    return NULL;
}

static void t_bulk(ctx *c)
{
    /* id-1 and ahead-1 have a token, id-2 and id-3 none, new-1 is unknown */
    const char *ids[] = {"id-1", "id-2", "id-3", "ahead-1", "new-1"};
    ota_device_token_list l = {0};
    ok_call(c->b->ops->device_tokens_issue(c->b, P, ids, 5, false, &l, &E), &E, "bulk issue");
    is_int(l.n, 3, "three issued");
    is_int(l.skipped, 2, "two skipped: they have a token");
    const ota_device_token *t2 = find_token(&l, "id-2"), *t3 = find_token(&l, "id-3"), *tn = find_token(&l, "new-1");
    ok(t2 && t3 && tn && !find_token(&l, "id-1"), "for id-2, id-3 and new-1, not id-1");
    ok(t2 && t3 && tn && token_shape(t2->token) && strcmp(t2->token, t3->token) && strcmp(t3->token, tn->token),
       "each its own token");
    if (t2)
        is_int(token_works(c, "id-2", t2->token), OTA_OK, "id-2's bulk token works");
    is_int(credential_of(c, "new-1", NULL), OTA_CRED_ACTIVE, "the unknown id registered with its token");
    char old2[OTA_DEVICE_TOKEN_LEN + 1] = "";
    if (t2)
        snprintf(old2, sizeof old2, "%s", t2->token);
    ota_device_token_list_free(&l);

    const char *two[] = {"id-1", "id-2"};
    ok_call(c->b->ops->device_tokens_issue(c->b, P, two, 2, true, &l, &E), &E, "bulk rotate");
    ok(l.n == 2 && l.skipped == 0 && find_token(&l, "id-1") && find_token(&l, "id-2"), "both rotated, none skipped");
    is_int(token_works(c, "id-2", old2), OTA_E_UNAUTHORIZED, "id-2's old token stopped");
    ota_device_token_list_free(&l);
    long without = -1;
    ok_call(c->b->ops->product_set_auth(c->b, P, OTA_DEVICE_AUTH_DEVICE_TOKEN, -1, NULL, &without, &E), &E, "count");
    is_int(without, 0, "every device has a token now");

    /* all or nothing: a bad id refuses the whole request */
    const char *bad[] = {"new-2", "bad id"};
    fails_with(c->b->ops->device_tokens_issue(c->b, P, bad, 2, false, &l, &E), &E, OTA_E_VALIDATION,
               "a bad id in the fleet");
    ok(l.n == 0, "nothing issued");
    ota_device_token_list_free(&l);
    ota_device d;
    fails_with(c->b->ops->device_detail(c->b, P, "new-2", &d, NULL, &E), &E, OTA_E_NOT_FOUND,
               "the good id beside it was not registered");

    /* more than one request's worth: remotely sent in chunks */
    size_t n = OTA_DEVICE_TOKENS_PER_REQUEST + 2;
    char (*buf)[32] = calloc(n, sizeof *buf);
    const char **many = calloc(n, sizeof *many);
    for (size_t i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "fleet-%05zu", i);
        many[i] = buf[i];
    }
    many[0] = "id-3";  /* has a token: skipped */
    ok_call(c->b->ops->device_tokens_issue(c->b, P, many, n, false, &l, &E), &E,
            "bulk of %zu ids (remotely two requests)", n);
    ok(l.n == n - 1 && l.skipped == 1, "all issued but the one that has a token (%zu, %zu skipped)", l.n, l.skipped);
    ok(l.n == n - 1 && !strcmp(l.items[l.n - 1].device, buf[n - 1]) && token_shape(l.items[l.n - 1].token),
       "the last one too");
    if (l.n == n - 1)
        is_int(token_works(c, buf[n - 1], l.items[l.n - 1].token), OTA_OK, "a token of the second request works");
    ota_device_token_list_free(&l);
    /* a bad id in the second request's part: refused before anything is
     * issued, on both backends (the ids are checked first) */
    for (size_t i = 0; i < n; i++)
        snprintf(buf[i], sizeof buf[i], "more-%05zu", i), many[i] = buf[i];
    many[n - 1] = "bad id";
    fails_with(c->b->ops->device_tokens_issue(c->b, P, many, n, false, &l, &E), &E, OTA_E_VALIDATION,
               "a bad id in the second request's part");
    char want[32];
    snprintf(want, sizeof want, "devices[%zu]", n - 1);
    is_str(E.field, want, "the field is its index in the whole fleet");
    is_int(l.n, 0, "nothing issued");
    ota_device_token_list_free(&l);
    many[n - 1] = many[3];
    fails_with(c->b->ops->device_tokens_issue(c->b, P, many, n, false, &l, &E), &E, OTA_E_VALIDATION,
               "an id listed twice, once in each part");
    is_str(E.field, want, "the field is the second place");
    ok(l.n == 0 && credential_of(c, buf[0], NULL) == (ota_credential)-1, "nothing issued, nobody registered");
    ota_device_token_list_free(&l);
    /* a device of another product in the second part, which only the
     * server can tell: locally nothing (one call); remotely the first
     * request's tokens, already issued, are kept for the caller */
    many[n - 1] = "dev-1";
    fails_with(c->b->ops->device_tokens_issue(c->b, P, many, n, false, &l, &E), &E, OTA_E_VALIDATION,
               "a device of another product in the second part");
    is_str(E.field, want, "the field is its index in the whole fleet");
    if (c->remote) {
        is_int(l.n, OTA_DEVICE_TOKENS_PER_REQUEST, "remote: the first request's tokens are kept");
        ok(strstr(E.message, "kept in the answer") != NULL, "and the error says so: %s", E.message);
    } else {
        is_int(l.n, 0, "local: one all-or-nothing call, nothing issued");
    }
    ota_device_token_list_free(&l);
    free(many);
    free(buf);
}

static void t_errors(ctx *c)
{
    char t[OTA_DEVICE_TOKEN_LEN + 1];
    ota_device_token_list l = {0};
    const char *ids[] = {"id-1"};
    fails_with(c->b->ops->product_set_auth(c->b, "nope", OTA_DEVICE_AUTH_DEVICE_TOKEN, -1, NULL, NULL, &E), &E,
               OTA_E_NOT_FOUND, "set auth of an unknown product");
    fails_with(c->b->ops->device_token_issue(c->b, "nope", "id-1", t, &E), &E, OTA_E_NOT_FOUND,
               "issue in an unknown product");
    fails_with(c->b->ops->device_token_revoke(c->b, "nope", "id-1", &E), &E, OTA_E_NOT_FOUND,
               "revoke in an unknown product");
    fails_with(c->b->ops->device_tokens_issue(c->b, "nope", ids, 1, false, &l, &E), &E, OTA_E_NOT_FOUND,
               "bulk in an unknown product");
    ota_device_token_list_free(&l);
    fails_with(c->b->ops->device_token_issue(c->b, P, "bad id", t, &E), &E, OTA_E_VALIDATION, "a bad device id");
    is_str(E.field, "device", "names the device");
    fails_with(c->b->ops->device_token_issue(c->b, P, "dev-1", t, &E), &E, OTA_E_VALIDATION,
               "a device of another product");
    is_str(E.field, "device", "names the device");
}

/* Issuing tokens is an admin's: a viewer and an operator are refused with
 * the server's forbidden, and nothing changes. */
static void t_roles(ctx *c)
{
    const char *who[2] = {c->viewer, c->operator_token}, *name[2] = {"viewer", "operator"};
    for (int i = 0; i < 2; i++) {
        if (!who[i])
            continue;
        ota_remote_opts o = {.url = c->url, .token = who[i]};
        ota_backend *b = ota_backend_remote_open(&o, &E);
        char t[OTA_DEVICE_TOKEN_LEN + 1];
        const char *ids[] = {"id-9"};
        ota_device_token_list l = {0};
        fails_with(b->ops->product_set_auth(b, P, OTA_DEVICE_AUTH_PRODUCT_KEY, -1, NULL, NULL, &E), &E,
                   OTA_E_FORBIDDEN, "%s: set auth refused", name[i]);
        fails_with(b->ops->device_token_issue(b, P, "id-9", t, &E), &E, OTA_E_FORBIDDEN, "%s: issue refused", name[i]);
        fails_with(b->ops->device_token_revoke(b, P, "id-1", &E), &E, OTA_E_FORBIDDEN, "%s: revoke refused", name[i]);
        fails_with(b->ops->device_tokens_issue(b, P, ids, 1, false, &l, &E), &E, OTA_E_FORBIDDEN,
                   "%s: bulk refused", name[i]);
        ota_device_token_list_free(&l);
        ota_backend_close(b);
    }
    ota_product_list pl = {0};
    ok_call(c->b->ops->product_list_all(c->b, &pl, &E), &E, "product list");
    for (size_t i = 0; i < pl.n; i++)
        if (!strcmp(pl.items[i].key, P))
            is_int(pl.items[i].device_auth, OTA_DEVICE_AUTH_DEVICE_TOKEN, "the refusals changed nothing");
    ota_product_list_free(&pl);
    ota_device d;
    fails_with(c->b->ops->device_detail(c->b, P, "id-9", &d, NULL, &E), &E, OTA_E_NOT_FOUND,
               "no device registered by a refused issue");
    is_int(credential_of(c, "id-1", NULL), OTA_CRED_ACTIVE, "id-1's token not revoked");
}

/* The device side with credentials of its own: remotely a backend that
 * sends them (X-Device-Token, else X-Device-Key); locally the engine's
 * backend with them set (core judges them as otad does), unset again by
 * device_side_done. */
static ota_backend *device_side(ctx *c, const char *key, const char *token)
{
    if (c->remote) {
        ota_remote_opts o = {.url = c->url, .device_key = key, .device_token = token};
        return ota_backend_remote_open(&o, &E);
    }
    return ota_backend_local_device_auth(c->b, key, token, &E) == 0 ? c->b : NULL;
}

static void device_side_done(ctx *c, ota_backend *d)
{
    if (c->remote)
        ota_backend_close(d);
    else
        ota_backend_local_device_auth(c->b, NULL, NULL, &E);
}

static int checkin_as(ota_backend *d, const char *device, ota_err *e)
{
    ota_checkin_req r = {.nversions = 1};
    snprintf(r.product, sizeof r.product, "%s", P);
    snprintf(r.device, sizeof r.device, "%s", device);
    snprintf(r.versions[0].component, sizeof r.versions[0].component, "module");
    snprintf(r.versions[0].version, sizeof r.versions[0].version, "1.0.0");
    ota_job_offer o = {0};
    int rc = d->ops->checkin(d, &r, &o, e);
    ota_job_offer_free(&o);
    return rc;
}

/* P is in device_token mode, enrollment open: the device calls with the
 * device's own token, the product key that only enrolls, and enrollment,
 * alike on both backends. */
static void t_device_side(ctx *c)
{
    char t2[OTA_DEVICE_TOKEN_LEN + 1] = "", te[OTA_DEVICE_TOKEN_LEN + 1] = "";
    ok_call(c->b->ops->device_token_issue(c->b, P, "id-2", t2, &E), &E, "device side: id-2's token (admin)");
    ota_backend *d = device_side(c, NULL, t2);
    ok(d != NULL, "a device side with id-2's token");
    if (!d)
        return;
    ok_call(checkin_as(d, "id-2", &E), &E, "id-2 checks in with its token");
    fails_with(checkin_as(d, "id-3", &E), &E, OTA_E_FORBIDDEN, "not as id-3");
    fails_with(d->ops->job_confirm(d, 999999, NULL, &E), &E, OTA_E_NOT_FOUND, "an unknown job, to a valid token");
    fails_with(d->ops->device_enroll(d, P, "enr-1", te, &E), &E, OTA_E_UNAUTHORIZED,
               "enrolling with a token and no product key");
    device_side_done(c, d);

    d = device_side(c, pkey, NULL);
    ok(d != NULL, "a device side with the product key");
    if (!d)
        return;
    fails_with(checkin_as(d, "id-2", &E), &E, OTA_E_UNAUTHORIZED, "the product key alone checks nobody in");
    ok(strstr(E.message, "enroll") != NULL, "saying it only enrolls: %s", E.message);
    ok_call(d->ops->device_enroll(d, P, "enr-1", te, &E), &E, "a new device enrolls with the product key");
    ok(token_shape(te), "and gets its token");
    is_int(credential_of(c, "enr-1", NULL), OTA_CRED_ACTIVE, "registered, its token active");
    fails_with(d->ops->device_enroll(d, P, "enr-1", t2, &E), &E, OTA_E_CONFLICT, "enrolling twice: conflict");
    fails_with(d->ops->device_enroll(d, P, "id-2", t2, &E), &E, OTA_E_CONFLICT, "a device that has a token: conflict");
    fails_with(d->ops->device_enroll(d, P, "bad id", t2, &E), &E, OTA_E_VALIDATION, "a bad id");
    device_side_done(c, d);

    d = device_side(c, pkey, te);
    ok(d != NULL, "a device side with both");
    if (!d)
        return;
    ok_call(checkin_as(d, "enr-1", &E), &E, "the enrolled token checks enr-1 in (judged alone beside the key)");
    fails_with(checkin_as(d, "id-2", &E), &E, OTA_E_FORBIDDEN, "and speaks for enr-1 only");
    device_side_done(c, d);
    ok_call(c->b->ops->device_token_revoke(c->b, P, "enr-1", &E), &E, "revoke enr-1");
    d = device_side(c, NULL, te);
    fails_with(checkin_as(d, "enr-1", &E), &E, OTA_E_UNAUTHORIZED, "the revoked token stops");
    device_side_done(c, d);
    sodium_memzero(t2, sizeof t2);
    sodium_memzero(te, sizeof te);
}

void t_devauth(ctx *c)
{
    t_set_auth(c);
    t_issue_rotate_revoke(c);
    t_bulk(c);
    t_errors(c);
    if (c->remote)
        t_roles(c);
    t_device_side(c);
}
