/* The audit trail: who did what to which object, and how it ended.
 *
 * Rows are written at the public core calls (products, devices, packages,
 * plans, transitions, tokens, signatures), so the local engine and otad
 * record the same way.  The trail is append-only: the store only adds and
 * reads rows (core/store/audit.c).  A row is written after the action,
 * outside its transaction: an audit write that fails never undoes or fails
 * the action it describes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "store.h"

/* otad serves each request on one thread at a time and sets the token's
 * name before calling core; everyone else leaves it unset. */
static _Thread_local char tl_actor[OTA_AUDIT_ACTOR_MAX + 1];
static _Thread_local bool tl_set;

void ota_actor_set(const char *actor)
{
    tl_set = actor && *actor;
    snprintf(tl_actor, sizeof tl_actor, "%s", tl_set ? actor : "");
}

const char *ota_actor_get(ota_engine *eng)
{
    return tl_set ? tl_actor : eng->actor;
}

void audit_note(ota_engine *eng, const char *action, int rc, const ota_err *e, const char *detail,
                const char *target_fmt, ...)
{
    if (!eng)
        return;
    char target[OTA_AUDIT_TARGET_MAX + 1], text[sizeof ((ota_err *)0)->message + 80];
    va_list ap;
    va_start(ap, target_fmt);
    vsnprintf(target, sizeof target, target_fmt, ap);
    va_end(ap);
    const char *outcome = "ok";
    if (rc < 0) {
        outcome = e ? ota_code_str(e->code) : "refused";
        if (e && e->field[0])
            snprintf(text, sizeof text, "%s: %s", e->field, e->message);
        else
            snprintf(text, sizeof text, "%s", e ? e->message : "");
    } else {
        snprintf(text, sizeof text, "%s", detail ? detail : "");
    }
    ota_err ae = {0};
    ENGINE_LOCK(eng);
    store_audit_append(eng, ota_engine_now(eng), ota_actor_get(eng), action, target, outcome, text, &ae);
    ENGINE_UNLOCK(eng);
}

void ota_audit_refusal(ota_engine *eng, const char *actor, const char *action, const char *target,
                       const ota_err *e)
{
    bool had = tl_set;
    char saved[sizeof tl_actor];
    memcpy(saved, tl_actor, sizeof saved);
    ota_actor_set(actor);
    audit_note(eng, action, -1, e, NULL, "%s", target ? target : "");
    tl_set = had;
    memcpy(tl_actor, saved, sizeof saved);
}

int ota_audit_refused(ota_engine *eng, const char *action, const char *target, const ota_err *why,
                      ota_err *e)
{
    bool known = false;
    for (int a = OTA_ACT_ACTIVATE; a <= OTA_ACT_TERMINATE && action && !known; a++) {
        char name[32];
        snprintf(name, sizeof name, "plan.%s", ota_action_str((ota_action)a));
        known = !strcmp(action, name);
    }
    if (!known)
        return ota_fail(e, OTA_E_VALIDATION, "action",
                        "must be plan.activate, plan.pause, plan.resume or plan.terminate");
    char *end = NULL;
    long long id = target && !strncmp(target, "plan:", 5) ? strtoll(target + 5, &end, 10) : 0;
    if (id <= 0 || !end || *end || end == target + 5)
        return ota_fail(e, OTA_E_VALIDATION, "target", "must be plan:<id> (got \"%.40s\")",
                        target ? target : "");
    if (!why || why->code == OTA_OK || !why->message[0])
        return ota_fail(e, OTA_E_VALIDATION, "outcome", "a refusal needs its code and message");
    ota_plan p;
    ota_plan_init(&p);
    if (ota_plan_get(eng, (int64_t)id, &p, e) < 0)
        return -1;
    ota_plan_free(&p);
    audit_note(eng, action, -1, why, NULL, "plan:%lld", id);
    return 0;
}

void audit_plan_action(ota_engine *eng, int64_t plan, ota_action a, int rc, const ota_err *e)
{
    char action[32];
    snprintf(action, sizeof action, "plan.%s", ota_action_str(a));
    audit_note(eng, action, rc, e, NULL, "plan:%lld", (long long)plan);
}

void audit_engine_plan(ota_engine *eng, const char *action, const char *detail, int64_t plan)
{
    bool had = tl_set;
    char saved[sizeof tl_actor];
    memcpy(saved, tl_actor, sizeof saved);
    ota_actor_set(strncmp(eng->actor, "local:", 6) ? eng->actor : "local:engine");
    audit_note(eng, action, 0, NULL, detail, "plan:%lld", (long long)plan);
    tl_set = had;
    memcpy(tl_actor, saved, sizeof saved);
}

/* --------------------------------------------------------------- reading */
/* The brake's trips, counted from its audit rows (rollout_brake.c writes
 * one "plan.brake" row per trip). */
int ota_brake_trips_total(ota_engine *eng, int64_t *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_audit_count_action(eng, "plan.brake", out, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

/* Oldest first. */
int ota_audit_list(ota_engine *eng, const ota_audit_query *q, ota_audit_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    ota_audit_query none = {0};
    if (!q)
        q = &none;
    ota_page_req req;
    int64_t after;
    if (store_page_begin(&req, &q->page, &after, (void **)&out->items, sizeof *out->items, e) < 0)
        return -1;
    ENGINE_LOCK(eng);
    int rc = store_audit_page(eng, q, after, req.limit, out, e);
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        ota_audit_page_free(out);
    return rc;
}

void ota_audit_page_free(ota_audit_page *p)
{
    free(p->items);
    p->items = NULL;
    p->n = 0;
    p->next_cursor[0] = 0;
}
