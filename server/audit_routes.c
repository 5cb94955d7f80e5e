/* Trust over HTTP: the audit trail (GET /api/v1/audit, and POST for a
 * refusal a client decided itself) and package
 * signatures (POST /api/v1/packages/{id}/signatures).  Thin: parse,
 * authorize, call core, encode.  Who acted is the token's name, set for the
 * request's thread by http.c before any handler runs. */
#include <string.h>
#include "otad.h"

/* Admins and operators read every row; a viewer reads only its own. */
MHD_RESULT_T h_audit_list(req *r)
{
    ota_err e;
    ota_audit_query q;
    memset(&q, 0, sizeof q);
    if (req_page(r, &q.page, &e) < 0)
        return reply_error(r, &e);
    q.actor = req_query(r, "actor");
    q.target = req_query(r, "target");
    const char *since = req_query(r, "since");
    if (since && *since && ota_time_parse(since, &q.since) < 0)
        return reply_fail(r, OTA_E_BAD_REQUEST, "since",
                          "is not an RFC 3339 time such as 2026-12-01T00:00:00Z (got \"%.40s\")", since);
    if (r->role < OTA_ROLE_OPERATOR) {
        if (q.actor && *q.actor && strcmp(q.actor, r->who))
            return reply_fail(r, OTA_E_FORBIDDEN, "actor",
                              "a viewer token reads only its own audit rows (token '%s' asked for '%.64s')",
                              r->who, q.actor);
        q.actor = r->who;
    }
    ota_audit_page pg;
    if (ota_audit_list(r->srv->eng, &q, &pg, &e) < 0)
        return reply_error(r, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < pg.n; i++)
        json_array_append_new(items, ota_json_audit_row(&pg.items[i]));
    json_t *out = ota_json_page(items, pg.next_cursor[0] ? pg.next_cursor : NULL);
    ota_audit_page_free(&pg);
    return reply_json(r, 200, out);
}

/* Body: {"key_id","signer","signature","public_key"}; the signature must
 * verify against the package's manifest with that key (core checks). */
MHD_RESULT_T h_package_sign(req *r)
{
    ota_err e;
    int64_t id;
    if (req_param_id(r, 0, &id, &e) < 0)
        return reply_error(r, &e);
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    ota_signature sig;
    int rc = ota_signature_from_json(j, &sig, &e);
    json_decref(j);
    ota_package p;
    if (rc < 0 || ota_package_sign_add(r->srv->eng, id, &sig, &p, &e) < 0)
        return reply_error(r, &e);
    return reply_json(r, 201, ota_json_package(&p));
}

/* Body {"action","target","outcome","message"[,"field"]}: a refusal the
 * client decided itself before asking (the console's typed confirmation of
 * a terminate), recorded as the token's own row; any role may record its
 * own, and core keeps them to plan actions on existing plans. */
MHD_RESULT_T h_audit_refused(req *r)
{
    static const char *const names[] = {"action", "target", "outcome", "message", "field"};
    ota_err e;
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    if (!json_is_object(j)) {
        json_decref(j);
        return reply_fail(r, OTA_E_BAD_REQUEST, NULL, "the body must be a JSON object");
    }
    const char *f[5] = {NULL}, *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        size_t k = 0;
        while (k < 5 && strcmp(key, names[k]))
            k++;
        if (k == 5 || !json_is_string(v)) {
            MHD_RESULT_T ret = reply_fail(r, OTA_E_BAD_REQUEST, key, "%s",
                                          k == 5 ? "unknown field" : "must be a string");
            json_decref(j);
            return ret;
        }
        f[k] = json_string_value(v);
    }
    ota_err why;
    ota_err_clear(&why);
    why.code = f[2] ? ota_code_parse(f[2]) : OTA_OK;
    int rc = 0;
    if (!f[2] || strcmp(ota_code_str(why.code), f[2]) || why.code == OTA_OK)
        rc = ota_fail(&e, OTA_E_VALIDATION, "outcome", "must be an error code of API.md (got \"%.40s\")",
                      f[2] ? f[2] : "");
    else if (!f[3] || !*f[3] || strlen(f[3]) >= sizeof why.message)
        rc = ota_fail(&e, OTA_E_VALIDATION, "message", "is required, 1 to %zu bytes",
                      sizeof why.message - 1);
    else if (f[4] && strlen(f[4]) >= sizeof why.field)
        rc = ota_fail(&e, OTA_E_VALIDATION, "field", "at most %zu bytes", sizeof why.field - 1);
    if (rc == 0) {
        snprintf(why.message, sizeof why.message, "%s", f[3]);
        snprintf(why.field, sizeof why.field, "%s", f[4] ? f[4] : "");
        rc = ota_audit_refused(r->srv->eng, f[0], f[1], &why, &e);
    }
    json_decref(j);
    return rc < 0 ? reply_error(r, &e) : reply_empty(r, 204);
}
