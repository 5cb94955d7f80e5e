/* Trust over HTTP: the audit trail (GET /api/v1/audit) and package
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
