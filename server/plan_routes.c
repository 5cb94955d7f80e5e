/* Plans over HTTP: CRUD with revisions (ETag / If-Match), transitions,
 * preview, status and job rows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "otad.h"

static MHD_RESULT_T reply_plan(req *r, unsigned status, const ota_plan *p)
{
    json_t *j = ota_json_plan(p);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return reply_fail(r, OTA_E_INTERNAL, NULL, "out of memory encoding the plan");
    size_t n = strlen(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)p->revision);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/plans/%lld", (long long)p->id);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
    }
    r->bytes = n;
    return reply_response(r, status, resp);
}

/* A plan body: parsed strictly by the codec (unknown fields refused). */
static int plan_from_body(req *r, ota_plan *p, ota_err *e)
{
    json_t *j = req_json(r, e);
    if (!j)
        return -1;
    int rc = ota_plan_from_json(j, p, e);
    json_decref(j);
    return rc;
}

MHD_RESULT_T h_plan_create(req *r)
{
    ota_err e;
    ota_plan p;
    ota_plan_init(&p);
    if (plan_from_body(r, &p, &e) < 0 || ota_plan_create(r->srv->eng, &p, &e) < 0) {
        ota_plan_free(&p);
        return reply_error(r, &e);
    }
    ota_plan got;
    ota_plan_init(&got);
    MHD_RESULT_T ret;
    if (ota_plan_get(r->srv->eng, p.id, &got, &e) == 0)
        ret = reply_plan(r, 201, &got);
    else
        ret = reply_plan(r, 201, &p);
    ota_plan_free(&got);
    ota_plan_free(&p);
    return ret;
}

MHD_RESULT_T h_plans_list(req *r)
{
    ota_err e;
    ota_page_req pg;
    if (req_page(r, &pg, &e) < 0)
        return reply_error(r, &e);
    int state = -1;
    const char *s = req_query(r, "state");
    if (s && *s) {
        ota_plan_state st;
        if (ota_plan_state_parse(s, &st) < 0)
            return reply_fail(r, OTA_E_BAD_REQUEST, "state",
                              "must be saved, active, upgrading, paused, terminated or ended (got '%.40s')", s);
        state = (int)st;
    }
    const char *prod = req_query(r, "product");
    ota_plan_page page;
    memset(&page, 0, sizeof page);
    if (ota_plan_list(r->srv->eng, state, prod && *prod ? prod : NULL, &pg, &page, &e) < 0)
        return reply_error(r, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, ota_json_plan(&page.items[i]));
    json_t *out = ota_json_page(items, page.next_cursor[0] ? page.next_cursor : NULL);
    ota_plan_page_free(&page);
    return reply_json(r, 200, out);
}

MHD_RESULT_T h_plan_get(req *r)
{
    ota_err e;
    int64_t id;
    ota_plan p;
    ota_plan_init(&p);
    if (req_param_id(r, 0, &id, &e) < 0 || ota_plan_get(r->srv->eng, id, &p, &e) < 0)
        return reply_error(r, &e);
    /* A client that already has this revision gets 304. */
    const char *inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)p.revision);
    MHD_RESULT_T ret;
    if (inm && !strcmp(inm, etag)) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
        ret = reply_response(r, 304, resp);
    } else {
        ret = reply_plan(r, 200, &p);
    }
    ota_plan_free(&p);
    return ret;
}

/* If-Match: "<revision>" (quotes optional, W/ refused: revisions are strong). */
static int if_match_revision(req *r, int64_t *rev, ota_err *e)
{
    const char *h = req_header(r, MHD_HTTP_HEADER_IF_MATCH);
    if (!h || !*h)
        return ota_fail(e, OTA_E_BAD_REQUEST, "If-Match",
                        "a plan update must send If-Match: \"<revision>\" (the plan's ETag)");
    char buf[32];
    size_t n = strlen(h);
    if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof buf)
        return ota_fail(e, OTA_E_BAD_REQUEST, "If-Match", "is not a revision");
    memcpy(buf, h, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno || v < 1)
        return ota_fail(e, OTA_E_BAD_REQUEST, "If-Match", "'%s' is not a revision", buf);
    *rev = v;
    return 0;
}

MHD_RESULT_T h_plan_update(req *r)
{
    ota_err e;
    int64_t id, rev = 0;
    ota_plan p;
    ota_plan_init(&p);
    if (req_param_id(r, 0, &id, &e) < 0 || if_match_revision(r, &rev, &e) < 0 ||
        plan_from_body(r, &p, &e) < 0) {
        ota_plan_free(&p);
        return reply_error(r, &e);
    }
    p.id = id;
    p.revision = rev;
    if (ota_plan_update(r->srv->eng, &p, &e) < 0) {
        ota_plan_free(&p);
        return reply_error(r, &e);
    }
    ota_plan_free(&p);
    ota_plan_init(&p);
    if (ota_plan_get(r->srv->eng, id, &p, &e) < 0)
        return reply_error(r, &e);
    MHD_RESULT_T ret = reply_plan(r, 200, &p);
    ota_plan_free(&p);
    return ret;
}

MHD_RESULT_T h_plan_delete(req *r)
{
    ota_err e;
    int64_t id;
    if (req_param_id(r, 0, &id, &e) < 0 || ota_plan_delete(r->srv->eng, id, &e) < 0)
        return reply_error(r, &e);
    return reply_empty(r, 204);
}

static MHD_RESULT_T plan_transition(req *r, ota_action a)
{
    ota_err e;
    int64_t id;
    ota_plan p;
    ota_plan_init(&p);
    if (req_param_id(r, 0, &id, &e) < 0 || ota_plan_transition(r->srv->eng, id, a, &p, &e) < 0) {
        ota_plan_free(&p);
        return reply_error(r, &e);
    }
    MHD_RESULT_T ret = reply_plan(r, 200, &p);
    ota_plan_free(&p);
    return ret;
}

MHD_RESULT_T h_plan_activate(req *r) { return plan_transition(r, OTA_ACT_ACTIVATE); }
MHD_RESULT_T h_plan_pause(req *r) { return plan_transition(r, OTA_ACT_PAUSE); }
MHD_RESULT_T h_plan_resume(req *r) { return plan_transition(r, OTA_ACT_RESUME); }
MHD_RESULT_T h_plan_terminate(req *r) { return plan_transition(r, OTA_ACT_TERMINATE); }

/* Staged rollouts: open the next wave by hand. */
MHD_RESULT_T h_plan_advance(req *r)
{
    ota_err e;
    int64_t id;
    ota_plan p;
    ota_plan_init(&p);
    if (req_param_id(r, 0, &id, &e) < 0 || ota_plan_advance(r->srv->eng, id, &p, &e) < 0) {
        ota_plan_free(&p);
        return reply_error(r, &e);
    }
    MHD_RESULT_T ret = reply_plan(r, 200, &p);
    ota_plan_free(&p);
    return ret;
}

/* {"from": <plan id>}: copy that plan's components into this one. */
MHD_RESULT_T h_plan_copy_components(req *r)
{
    ota_err e;
    int64_t id;
    if (req_param_id(r, 0, &id, &e) < 0)
        return reply_error(r, &e);
    json_t *j = req_json(r, &e);
    if (!j)
        return reply_error(r, &e);
    json_t *from = json_is_object(j) ? json_object_get(j, "from") : NULL;
    if (!from || !json_is_integer(from) || json_object_size(j) != 1) {
        json_decref(j);
        return reply_fail(r, OTA_E_BAD_REQUEST, "from", "the body must be {\"from\": <plan id>}");
    }
    int64_t fid = json_integer_value(from);
    json_decref(j);
    ota_plan p;
    ota_plan_init(&p);
    if (ota_plan_copy_components(r->srv->eng, fid, id, &p, &e) < 0) {
        ota_plan_free(&p);
        return reply_error(r, &e);
    }
    MHD_RESULT_T ret = reply_plan(r, 200, &p);
    ota_plan_free(&p);
    return ret;
}

MHD_RESULT_T h_plan_preview(req *r)
{
    ota_err e;
    int64_t id;
    ota_preview pv;
    if (req_param_id(r, 0, &id, &e) < 0 || ota_plan_preview(r->srv->eng, id, &pv, &e) < 0)
        return reply_error(r, &e);
    return reply_json(r, 200, ota_json_preview(&pv));
}

MHD_RESULT_T h_plan_status(req *r)
{
    ota_err e;
    int64_t id;
    ota_plan_status st;
    if (req_param_id(r, 0, &id, &e) < 0 || ota_plan_status_get(r->srv->eng, id, &st, &e) < 0)
        return reply_error(r, &e);
    return reply_json(r, 200, ota_json_status(&st));
}

MHD_RESULT_T h_plan_devices(req *r)
{
    ota_err e;
    int64_t id;
    ota_page_req pg;
    if (req_param_id(r, 0, &id, &e) < 0 || req_page(r, &pg, &e) < 0)
        return reply_error(r, &e);
    int state = -1;
    const char *s = req_query(r, "state");
    if (s && *s) {
        ota_job_state js;
        if (ota_job_state_parse(s, &js) < 0)
            return reply_fail(r, OTA_E_BAD_REQUEST, "state", "is not a job state (got '%.40s')", s);
        state = (int)js;
    }
    ota_job_page page;
    memset(&page, 0, sizeof page);
    if (ota_plan_devices(r->srv->eng, id, state, &pg, &page, &e) < 0)
        return reply_error(r, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < page.n; i++)
        json_array_append_new(items, ota_json_job_row(&page.items[i]));
    json_t *out = ota_json_page(items, page.next_cursor[0] ? page.next_cursor : NULL);
    ota_job_page_free(&page);
    return reply_json(r, 200, out);
}
