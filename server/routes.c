/* The route table (one line per endpoint: method, path, role, body kind)
 * and the handlers for products (with their device authentication),
 * devices (with their tokens) and API tokens. */
#include <stdlib.h>
#include <string.h>
#include "otad.h"

MHD_RESULT_T h_products_list(req *r);
MHD_RESULT_T h_product_create(req *r);
MHD_RESULT_T h_product_get(req *r);
MHD_RESULT_T h_product_patch(req *r);
MHD_RESULT_T h_device_token_issue(req *r);
MHD_RESULT_T h_device_token_revoke(req *r);
MHD_RESULT_T h_device_tokens_issue(req *r);
MHD_RESULT_T h_devices_list(req *r);
MHD_RESULT_T h_devices_import(req *r);
MHD_RESULT_T h_device_get(req *r);
MHD_RESULT_T h_tokens_list(req *r);
MHD_RESULT_T h_whoami(req *r);
MHD_RESULT_T h_token_create(req *r);
MHD_RESULT_T h_token_revoke(req *r);
MHD_RESULT_T h_package_upload_done(req *r);
MHD_RESULT_T h_packages_list(req *r);
MHD_RESULT_T h_package_get(req *r);
MHD_RESULT_T h_package_delete(req *r);
MHD_RESULT_T h_package_verify(req *r);
MHD_RESULT_T h_plan_create(req *r);
MHD_RESULT_T h_plans_list(req *r);
MHD_RESULT_T h_plan_get(req *r);
MHD_RESULT_T h_plan_update(req *r);
MHD_RESULT_T h_plan_delete(req *r);
MHD_RESULT_T h_plan_activate(req *r);
MHD_RESULT_T h_plan_pause(req *r);
MHD_RESULT_T h_plan_resume(req *r);
MHD_RESULT_T h_plan_terminate(req *r);
MHD_RESULT_T h_plan_advance(req *r);
MHD_RESULT_T h_plan_copy_components(req *r);
MHD_RESULT_T h_plan_preview(req *r);
MHD_RESULT_T h_plan_status(req *r);
MHD_RESULT_T h_plan_devices(req *r);
MHD_RESULT_T h_audit_list(req *r);      /* audit_routes.c */
MHD_RESULT_T h_audit_refused(req *r);   /* audit_routes.c */
MHD_RESULT_T h_package_sign(req *r);    /* audit_routes.c */

/* The role a route needs is its deed's (core/roles.c, OTA_DEEDS): the
 * console offers and words actions by the same table. */
#define V ((ota_role)OTA_NEEDS_READ)
#define N(deed) ((ota_role)OTA_NEEDS_##deed)
const route otad_routes[] = {
    {"GET", "/healthz", h_healthz, V, RF_PUBLIC | RF_UNTHROTTLED},
    {"GET", "/metrics", h_metrics, V, RF_PUBLIC | RF_UNTHROTTLED},
    {"GET", "/api/v1/products", h_products_list, V, 0},
    {"POST", "/api/v1/products", h_product_create, N(PRODUCT_ADD), RF_BODY_JSON},
    {"GET", "/api/v1/products/{}", h_product_get, V, 0},
    {"PATCH", "/api/v1/products/{}", h_product_patch, N(PRODUCT_AUTH), RF_BODY_JSON},
    {"POST", "/api/v1/products/{}/tokens", h_device_tokens_issue, N(DEVICE_TOKENS_ISSUE), RF_BODY_JSON | RF_BIG_BODY},
    {"GET", "/api/v1/products/{}/devices", h_devices_list, V, 0},
    {"POST", "/api/v1/products/{}/devices", h_devices_import, N(DEVICE_IMPORT), RF_BODY_JSON | RF_BIG_BODY},
    {"GET", "/api/v1/products/{}/devices/{}", h_device_get, V, 0},
    {"POST", "/api/v1/products/{}/devices/{}/token", h_device_token_issue, N(DEVICE_TOKEN_ISSUE), 0},
    {"DELETE", "/api/v1/products/{}/devices/{}/token", h_device_token_revoke, N(DEVICE_TOKEN_REVOKE), 0},
    {"GET", "/api/v1/whoami", h_whoami, V, 0},
    {"GET", "/api/v1/tokens", h_tokens_list, N(TOKEN_ADMIN), 0},
    {"POST", "/api/v1/tokens", h_token_create, N(TOKEN_ADMIN), RF_BODY_JSON},
    {"DELETE", "/api/v1/tokens/{}", h_token_revoke, N(TOKEN_ADMIN), 0},
    {"GET", "/api/v1/packages", h_packages_list, V, 0},
    {"POST", "/api/v1/packages", h_package_upload_done, N(PACKAGE_CREATE), RF_MULTIPART},
    {"GET", "/api/v1/packages/{}", h_package_get, V, 0},
    {"DELETE", "/api/v1/packages/{}", h_package_delete, N(PACKAGE_DELETE), 0},
    {"GET", "/api/v1/packages/{}/files/{}", h_package_file, V, RF_DOWNLOAD},
    {"POST", "/api/v1/packages/{}/verify", h_package_verify, N(PACKAGE_VERIFY), 0},
    {"POST", "/api/v1/packages/{}/signatures", h_package_sign, N(PACKAGE_SIGN), RF_BODY_JSON},
    {"GET", "/api/v1/audit", h_audit_list, V, 0},
    {"POST", "/api/v1/audit", h_audit_refused, V, RF_BODY_JSON},
    {"GET", "/api/v1/plans", h_plans_list, V, 0},
    {"POST", "/api/v1/plans", h_plan_create, N(PLAN_CREATE), RF_BODY_JSON},
    {"GET", "/api/v1/plans/{}", h_plan_get, V, 0},
    {"PUT", "/api/v1/plans/{}", h_plan_update, N(PLAN_EDIT), RF_BODY_JSON},
    {"DELETE", "/api/v1/plans/{}", h_plan_delete, N(PLAN_DELETE), 0},
    {"POST", "/api/v1/plans/{}/activate", h_plan_activate, N(PLAN_ACTIVATE), 0},
    {"POST", "/api/v1/plans/{}/pause", h_plan_pause, N(PLAN_PAUSE), 0},
    {"POST", "/api/v1/plans/{}/resume", h_plan_resume, N(PLAN_RESUME), 0},
    {"POST", "/api/v1/plans/{}/terminate", h_plan_terminate, N(PLAN_TERMINATE), 0},
    {"POST", "/api/v1/plans/{}/advance", h_plan_advance, N(PLAN_ADVANCE), 0},
    {"POST", "/api/v1/plans/{}/copy-components", h_plan_copy_components, N(PLAN_COPY_COMPONENTS), RF_BODY_JSON},
    {"GET", "/api/v1/plans/{}/preview", h_plan_preview, V, 0},
    {"GET", "/api/v1/plans/{}/status", h_plan_status, V, 0},
    {"GET", "/api/v1/plans/{}/devices", h_plan_devices, V, 0},
    {"GET", "/api/v1/plans/{}/events", h_events, V, 0},
    {"POST", "/api/v1/device/checkin", h_checkin, V, RF_DEVICE | RF_BODY_JSON},
    {"POST", "/api/v1/device/jobs/{}/confirm", h_job_confirm, V, RF_DEVICE | RF_BODY_JSON},
    {"POST", "/api/v1/device/jobs/{}/report", h_job_report, V, RF_DEVICE | RF_BODY_JSON},
    {"POST", "/api/v1/device/enroll", h_enroll, V, RF_DEVICE | RF_BODY_JSON},
    {NULL, NULL, NULL, V, 0},
};
#undef V
#undef N

/* ------------------------------------------------------------- products */
MHD_RESULT_T h_products_list(req *r)
{
    ota_err e;
    ota_product_list l;
    if (ota_product_list_all(r->srv->eng, &l, &e) < 0)
        return reply_error(r, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(items, ota_json_product(&l.items[i]));
    ota_product_list_free(&l);
    return reply_json(r, 200, ota_json_page(items, NULL));
}

MHD_RESULT_T h_product_create(req *r)
{
    ota_err e;
    ota_product p;
    memset(&p, 0, sizeof p);
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    int rc = ota_product_from_json(j, &p, &e);
    json_decref(j);
    char key[65] = "";
    if (rc < 0 || ota_product_add(r->srv->eng, &p, key, &e) < 0)
        return reply_error(r, &e);
    ota_product_get(r->srv->eng, p.key, &p, &e);
    return reply_json(r, 201, ota_json_product_added(&p, key));
}

MHD_RESULT_T h_product_get(req *r)
{
    ota_err e;
    ota_product p;
    if (ota_product_get(r->srv->eng, r->params[0], &p, &e) < 0)
        return reply_error(r, &e);
    return reply_json(r, 200, ota_json_product(&p));
}

/* PATCH {"device_auth":…,"enrollment":…}: the product plus how many of
 * its devices have no token yet (they enroll, or an admin issues theirs). */
MHD_RESULT_T h_product_patch(req *r)
{
    ota_err e;
    int auth, closed;
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    int rc = ota_product_auth_patch_from_json(j, &auth, &closed, &e);
    json_decref(j);
    ota_product p;
    long without = 0;
    if (rc < 0 || ota_product_set_auth(r->srv->eng, r->params[0], auth, closed, &p, &without, &e) < 0)
        return reply_error(r, &e);
    return reply_json(r, 200, ota_json_product_auth(&p, without));
}

MHD_RESULT_T h_devices_list(req *r)
{
    ota_err e;
    ota_page_req pg;
    ota_product p;
    if (req_page(r, &pg, &e) < 0 || ota_product_get(r->srv->eng, r->params[0], &p, &e) < 0)
        return reply_error(r, &e);
    ota_device_page page;
    memset(&page, 0, sizeof page);
    if (ota_device_list(r->srv->eng, r->params[0], req_query(r, "q"), &pg, &page, &e) < 0)
        return reply_error(r, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, ota_json_device(&page.items[i]));
    json_t *out = ota_json_page(items, page.next_cursor[0] ? page.next_cursor : NULL);
    ota_device_page_free(&page);
    return reply_json(r, 200, out);
}

/* The device JSON plus "attributes": what its agent reported beyond
 * telemetry and versions ({} when nothing). */
MHD_RESULT_T h_device_get(req *r)
{
    ota_err e;
    ota_device d;
    json_t *attrs;
    if (ota_device_detail(r->srv->eng, r->params[0], r->params[1], &d, &attrs, &e) < 0)
        return reply_error(r, &e);
    return reply_json(r, 200, ota_json_device_detail(&d, attrs));
}

/* ------------------------------------------------------- device tokens */
/* POST: issue or rotate (the old token stops at once); the token is shown
 * in this answer only. */
MHD_RESULT_T h_device_token_issue(req *r)
{
    ota_err e;
    char tok[OTA_DEVICE_TOKEN_LEN + 1];
    if (ota_device_token_issue(r->srv->eng, r->params[0], r->params[1], tok, &e) < 0)
        return reply_error(r, &e);
    MHD_RESULT_T ret = reply_json(r, 201, ota_json_device_token(r->params[0], r->params[1], tok));
    memset(tok, 0, sizeof tok);
    return ret;
}

MHD_RESULT_T h_device_token_revoke(req *r)
{
    ota_err e;
    if (ota_device_token_revoke(r->srv->eng, r->params[0], r->params[1], &e) < 0)
        return reply_error(r, &e);
    return reply_empty(r, 204);
}

/* {"devices":[…],"rotate":false}: all or nothing, at most
 * OTA_DEVICE_TOKENS_PER_REQUEST ids. */
MHD_RESULT_T h_device_tokens_issue(req *r)
{
    ota_err e;
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    const char **ids = NULL;
    size_t n = 0;
    bool rotate = false;
    ota_device_token_list l = {0};
    int rc = ota_tokens_request_from_json(j, &ids, &n, &rotate, &e);
    if (rc == 0)
        rc = ota_device_tokens_issue(r->srv->eng, r->params[0], ids, n, rotate, &l, &e);
    free(ids);
    json_decref(j);
    if (rc < 0)
        return reply_error(r, &e);
    json_t *out = ota_json_device_token_list(&l);
    ota_device_token_list_free(&l);
    return reply_json(r, 200, out);
}

MHD_RESULT_T h_devices_import(req *r)
{
    ota_err e;
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    if (!json_is_array(j)) {
        json_decref(j);
        return reply_fail(r, OTA_E_BAD_REQUEST, NULL, "the body must be a JSON array of devices");
    }
    size_t n = json_array_size(j);
    ota_device *devs = calloc(n ? n : 1, sizeof *devs);
    if (!devs) {
        json_decref(j);
        return reply_fail(r, OTA_E_INTERNAL, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (ota_device_from_json(json_array_get(j, i), &devs[i], &e) < 0) {
            char f[40];
            snprintf(f, sizeof f, "%.39s", e.field);
            snprintf(e.field, sizeof e.field, "[%zu]%s%s", i, f[0] ? "." : "", f);
            json_decref(j);
            free(devs);
            return reply_error(r, &e);
        }
    }
    json_decref(j);
    ota_import_result res = {0, 0};
    int rc = ota_device_upsert(r->srv->eng, r->params[0], devs, n, &res, &e);
    free(devs);
    if (rc < 0)
        return reply_error(r, &e);
    return reply_json(r, 200, ota_json_import_result(&res));
}

/* --------------------------------------------------------------- tokens */
static json_t *token_json(const ota_token_info *t)
{
    char c[32], rv[32];
    json_t *j = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)t->id, "name", t->name, "role",
                          ota_role_str(t->role), "created_at", ota_time_format(t->created_at, c, sizeof c));
    json_object_set_new(j, "revoked_at",
                        t->revoked_at ? json_string(ota_time_format(t->revoked_at, rv, sizeof rv)) : json_null());
    return j;
}

/* The calling token's name and role: what a console shows, read without
 * probing an admin-only list (whose refusals are audited). */
MHD_RESULT_T h_whoami(req *r)
{
    return reply_json(r, 200, json_pack("{s:s, s:s}", "name", r->who, "role", ota_role_str(r->role)));
}

MHD_RESULT_T h_tokens_list(req *r)
{
    ota_err e;
    ota_token_list l;
    if (ota_token_list_all(r->srv->eng, &l, &e) < 0)
        return reply_error(r, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(items, token_json(&l.items[i]));
    ota_token_list_free(&l);
    return reply_json(r, 200, ota_json_page(items, NULL));
}

MHD_RESULT_T h_token_create(req *r)
{
    ota_err e;
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    const char *key;
    json_t *v;
    const char *name = NULL, *role = NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return reply_fail(r, OTA_E_BAD_REQUEST, NULL, "the body must be a JSON object");
    }
    json_object_foreach(j, key, v) {
        const char **slot = !strcmp(key, "name") ? &name : !strcmp(key, "role") ? &role : NULL;
        if (!slot) {
            reply_fail(r, OTA_E_BAD_REQUEST, key, "unknown field");
            json_decref(j);
            return MHD_YES;
        }
        if (!json_is_string(v)) {
            reply_fail(r, OTA_E_BAD_REQUEST, key, "must be a string");
            json_decref(j);
            return MHD_YES;
        }
        *slot = json_string_value(v);
    }
    ota_role ro;
    if (!role || ota_role_parse(role, &ro) < 0) {
        json_decref(j);
        return reply_fail(r, OTA_E_VALIDATION, "role", "must be viewer, operator or admin");
    }
    char secret[OTA_TOKEN_LEN + 1];
    ota_token_info ti;
    int rc = ota_token_create(r->srv->eng, name, ro, secret, &ti, &e);
    json_decref(j);
    if (rc < 0)
        return reply_error(r, &e);
    json_t *out = token_json(&ti);
    json_object_set_new(out, "token", json_string(secret));
    return reply_json(r, 201, out);
}

MHD_RESULT_T h_token_revoke(req *r)
{
    ota_err e;
    if (ota_token_revoke(r->srv->eng, r->params[0], &e) < 0)
        return reply_error(r, &e);
    return reply_empty(r, 204);
}
