/* remote_rollout.c: the remote backend's rollout operations over the
 * transport of remote_http.c: plans (create, edit, copy, transitions),
 * their preview, status, devices and events, the device side (check-ins,
 * job confirmations and reports), the audit trail (read, and the refusals
 * a front end decided itself) and whoami.
 */
#include "remote_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- plans */
/* A plan as the server sent it (the codec reads the server-owned fields too). */
static int plan_decode(remote *r, json_t *j, ota_plan *out, ota_err *e)
{
    if (!json_is_object(j))
        return remote_bad_answer(r, e, "plan is not an object");
    return ota_plan_from_json(j, out, e); /* out is output only, as in core */
}

static int plan_answer(remote *r, json_t *j, ota_plan *out, ota_err *e)
{
    int rc = j ? (out ? plan_decode(r, j, out, e) : 0) : remote_bad_answer(r, e, "empty body");
    json_decref(j);
    return rc;
}

int remote_plan_create(ota_backend *b, ota_plan *p, ota_err *e)
{
    if (ota_validate_plan(p, e) < 0)
        return -1;
    json_t *body = ota_json_plan(p), *j = NULL;
    int rc = remote_json(R(b), "POST", "/plans", body, 0, false, &j, e);
    json_decref(body);
    if (rc < 0)
        return -1;
    ota_plan_free(p); /* in/out: the answer replaces the caller's lists */
    return plan_answer(R(b), j, p, e);
}

int remote_plan_get(ota_backend *b, int64_t id, ota_plan *out, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/plans/%" PRId64, id);
    json_t *j = NULL;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0)
        return -1;
    return plan_answer(R(b), j, out, e);
}

int remote_plan_list(ota_backend *b, int state, const char *product, const ota_page_req *pg,
                     ota_plan_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char path[1024] = "/plans";
    if (state >= 0 && state < OTA_PLAN__COUNT)
        remote_path_query(path, sizeof path, "state", ota_plan_state_str((ota_plan_state)state));
    remote_path_query(path, sizeof path, "product", product);
    remote_path_page(path, sizeof path, pg);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < json_array_size(items); i++) {
        ota_plan_init(&out->items[out->n]);
        out->n++;
        if (plan_decode(R(b), json_array_get(items, i), &out->items[out->n - 1], e) < 0)
            goto fail;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_plan_page_free(out);
    return -1;
}

/* A retried PUT whose first attempt was applied (answer lost on the way)
 * comes back as a conflict.  If the server now holds exactly what we sent,
 * at the next revision, the update did happen: *out gets the plan JSON. */
static int update_was_applied(ota_backend *b, const ota_plan *sent, json_t *body, json_t **out)
{
    static const char *const server_owned[] = {"id", "state", "revision", "created_at",
                                               "updated_at", "activated_at", "paused_from", NULL};
    char path[64];
    ota_err ig;
    json_t *got = NULL;
    snprintf(path, sizeof path, "/plans/%" PRId64, sent->id);
    if (remote_json(R(b), "GET", path, NULL, 0, false, &got, &ig) < 0 || !got)
        return -1;
    json_t *a = json_deep_copy(body), *g = json_deep_copy(got);
    for (int i = 0; server_owned[i]; i++) {
        json_object_del(a, server_owned[i]);
        json_object_del(g, server_owned[i]);
    }
    ota_plan now;
    ota_plan_init(&now);
    bool same = json_equal(a, g) && ota_plan_from_json(got, &now, &ig) == 0 &&
                now.revision == sent->revision + 1;
    ota_plan_free(&now);
    json_decref(a);
    json_decref(g);
    if (!same) {
        json_decref(got);
        return -1;
    }
    *out = got;
    return 0;
}

int remote_plan_update(ota_backend *b, ota_plan *p, ota_err *e)
{
    if (ota_validate_plan(p, e) < 0)
        return -1;
    if (p->revision <= 0)
        return ota_fail(e, OTA_E_CONFLICT, "revision", "an update needs the plan's revision");
    char path[64];
    snprintf(path, sizeof path, "/plans/%" PRId64, p->id);
    json_t *body = ota_json_plan(p), *j = NULL;
    int tries = 1;
    int rc = remote_json_tries(R(b), "PUT", path, body, p->revision, false, &j, &tries, e);
    if (rc < 0 && tries > 1 && e->code == OTA_E_CONFLICT)
        rc = update_was_applied(b, p, body, &j);
    json_decref(body);
    if (rc < 0)
        return -1;
    ota_plan_free(p); /* in/out: the answer replaces the caller's lists */
    return plan_answer(R(b), j, p, e);
}

int remote_plan_delete(ota_backend *b, int64_t id, ota_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/plans/%" PRId64, id);
    return remote_json(R(b), "DELETE", path, NULL, 0, false, NULL, e);
}

/* No endpoint of its own: read both plans, merge, and update `to` with its
 * revision, so a concurrent edit surfaces as a conflict exactly as locally. */
int remote_plan_copy_components(ota_backend *b, int64_t from, int64_t to, ota_plan *out,
                                ota_err *e)
{
    ota_plan src, dst;
    ota_plan_init(&src);
    ota_plan_init(&dst);
    int rc = -1;
    if (remote_plan_get(b, from, &src, e) < 0 || remote_plan_get(b, to, &dst, e) < 0)
        goto done;
    for (size_t i = 0; i < src.ncomponents; i++) {
        size_t k = 0;
        while (k < dst.ncomponents && strcmp(dst.components[k].component, src.components[i].component))
            k++;
        if (k == dst.ncomponents) {
            if (dst.ncomponents == OTA_MAX_COMPONENTS) {
                ota_fail(e, OTA_E_VALIDATION, "components", "at most %d components",
                         OTA_MAX_COMPONENTS);
                goto done;
            }
            dst.ncomponents++;
        }
        dst.components[k] = src.components[i];
    }
    if (remote_plan_update(b, &dst, e) < 0)
        goto done;
    rc = out ? ota_plan_copy(out, &dst) : 0;
    if (rc < 0)
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
done:
    ota_plan_free(&src);
    ota_plan_free(&dst);
    return rc;
}

int remote_plan_transition(ota_backend *b, int64_t id, ota_action a, ota_plan *out, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/%s", id, ota_action_str(a));
    json_t *j = NULL;
    if (remote_json(R(b), "POST", path, NULL, 0, false, &j, e) < 0)
        return -1;
    return plan_answer(R(b), j, out, e);
}

int remote_plan_advance(ota_backend *b, int64_t id, ota_plan *out, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/advance", id);
    json_t *j = NULL;
    if (remote_json(R(b), "POST", path, NULL, 0, false, &j, e) < 0)
        return -1;
    return plan_answer(R(b), j, out, e);
}

/* GET path and decode with fn into out. */
static int get_decode(ota_backend *b, const char *path, int (*fn)(json_t *, void *, ota_err *),
                      void *out, ota_err *e)
{
    json_t *j = NULL;
    int rc = remote_json(R(b), "GET", path, NULL, 0, false, &j, e);
    if (rc == 0)
        rc = j ? fn(j, out, e) : remote_bad_answer(R(b), e, "empty body");
    json_decref(j);
    return rc;
}

static int dec_preview(json_t *j, void *o, ota_err *e) { return ota_preview_from_json(j, o, e); }
static int dec_status(json_t *j, void *o, ota_err *e) { return ota_status_from_json(j, o, e); }
static int dec_events(json_t *j, void *o, ota_err *e) { return ota_events_from_json(j, o, e); }

int remote_plan_preview(ota_backend *b, int64_t id, ota_preview *out, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/preview", id);
    memset(out, 0, sizeof *out);
    return get_decode(b, path, dec_preview, out, e);
}

int remote_plan_status_get(ota_backend *b, int64_t id, ota_plan_status *out, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/status", id);
    memset(out, 0, sizeof *out);
    return get_decode(b, path, dec_status, out, e);
}

int remote_plan_devices(ota_backend *b, int64_t id, int state, const ota_page_req *pg,
                        ota_job_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = pg ? *pg : (ota_page_req){0};
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char path[1024];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/devices", id);
    if (state >= 0 && state < OTA_JOB__COUNT)
        remote_path_query(path, sizeof path, "state", ota_job_state_str((ota_job_state)state));
    remote_path_page(path, sizeof path, pg);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < json_array_size(items); i++) {
        if (ota_job_row_from_json(json_array_get(items, i), &out->items[out->n], e) < 0)
            goto fail;
        out->n++;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_job_page_free(out);
    return -1;
}

int remote_plan_events(ota_backend *b, int64_t id, int64_t since, int limit,
                       ota_event_page *out, ota_err *e)
{
    char path[128];
    snprintf(path, sizeof path, "/plans/%" PRId64 "/events?since=%" PRId64, id, since);
    if (limit > 0)
        snprintf(path + strlen(path), sizeof path - strlen(path), "&limit=%d", limit);
    memset(out, 0, sizeof *out);
    if (get_decode(b, path, dec_events, out, e) < 0)
        return -1;
    /* A server that ignores limit still gives the caller at most limit. */
    if (limit > 0 && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->last_seq = out->items[limit - 1].seq;
    }
    return 0;
}

/* ---------------------------------------------------------- device API */
int remote_checkin(ota_backend *b, const ota_checkin_req *c, ota_job_offer *out, ota_err *e)
{
    json_t *body = ota_json_checkin(c), *j = NULL;
    int rc = remote_json(R(b), "POST", "/device/checkin", body, 0, true, &j, e);
    json_decref(body);
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        rc = j ? ota_offer_from_json(j, out, e) : remote_bad_answer(R(b), e, "empty body");
    }
    json_decref(j);
    return rc;
}

int remote_job_confirm(ota_backend *b, int64_t job, const char *device, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/device/jobs/%" PRId64 "/confirm", job);
    json_t *body = ota_json_job_confirm(device);
    int rc = remote_json(R(b), "POST", path, body, 0, true, NULL, e);
    json_decref(body);
    return rc;
}

int remote_job_report(ota_backend *b, int64_t job, const char *device, ota_job_state to,
                      int progress, const char *error_text, ota_err *e)
{
    char path[96];
    snprintf(path, sizeof path, "/device/jobs/%" PRId64 "/report", job);
    json_t *body = ota_json_job_report(device, to, progress, error_text);
    int rc = remote_json(R(b), "POST", path, body, 0, true, NULL, e);
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- audit */
int remote_audit_list(ota_backend *b, const ota_audit_query *q, ota_audit_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_page_req chk = q->page;
    if (ota_page_req_check(&chk, e) < 0)
        return -1;
    char path[1024] = "/audit", since[40];
    remote_path_query(path, sizeof path, "actor", q->actor);
    remote_path_query(path, sizeof path, "target", q->target);
    remote_path_query(path, sizeof path, "since", q->since ? ota_time_format(q->since, since, sizeof since) : NULL);
    remote_path_page(path, sizeof path, &q->page);
    json_t *j = NULL, *items;
    if (remote_json(R(b), "GET", path, NULL, 0, false, &j, e) < 0 ||
        ota_page_from_json(j, &items, out->next_cursor, e) < 0)
        goto fail;
    out->items = calloc(json_array_size(items) + 1, sizeof *out->items);
    if (!out->items) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(items); i++) {
        if (ota_audit_row_from_json(json_array_get(items, i), &out->items[out->n], e) < 0)
            goto fail;
        out->n++;
    }
    json_decref(j);
    return 0;
fail:
    json_decref(j);
    ota_audit_page_free(out);
    return -1;
}

int remote_audit_refused(ota_backend *b, const char *action, const char *target, const ota_err *why,
                         ota_err *e)
{
    json_t *body = json_pack("{s:s?, s:s?, s:s, s:s}", "action", action, "target", target,
                             "outcome", why ? ota_code_str(why->code) : "", "message",
                             why ? why->message : "");
    if (body && why && why->field[0])
        json_object_set_new(body, "field", json_string(why->field));
    int rc = body ? remote_json(R(b), "POST", "/audit", body, 0, false, NULL, e)
                  : ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- whoami */
int remote_whoami(ota_backend *b, ota_token_info *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    json_t *j = NULL;
    if (remote_json(R(b), "GET", "/whoami", NULL, 0, false, &j, e) < 0)
        return -1;
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *role = json_string_value(json_object_get(j, "role"));
    int rc = 0;
    if (!name || !role || ota_role_parse(role, &out->role) < 0)
        rc = remote_bad_answer(R(b), e, "whoami without a name and a known role");
    else
        snprintf(out->name, sizeof out->name, "%s", name);
    json_decref(j);
    return rc;
}
