/* The audit trail: who did what to which object, and how it ended.
 *
 * Rows are written at the public core calls (products, devices, packages,
 * plans, transitions, tokens, signatures), so the local engine and otad
 * record the same way.  The table is append-only: migration 4 installs
 * triggers that refuse UPDATE and DELETE, and no code here issues either.
 * A row is written after the action, outside its transaction: an audit
 * write that fails never undoes or fails the action it describes. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "store/sqlite.h" /* TRANSITIONAL: SQL moves to core/store/ */

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
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO audit(at, actor, action, target, outcome, detail)"
                                       " VALUES(?,?,?,?,?,?)", &ae);
    if (st) {
        sqlite3_bind_int64(st, 1, ota_engine_now(eng));
        sqlite3_bind_text(st, 2, ota_actor_get(eng), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, outcome, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
        sqlite3_step(st);
        store_done(st);
    }
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

void audit_plan_action(ota_engine *eng, int64_t plan, ota_action a, int rc, const ota_err *e)
{
    char action[32];
    snprintf(action, sizeof action, "plan.%s", ota_action_str(a));
    audit_note(eng, action, rc, e, NULL, "plan:%lld", (long long)plan);
}

/* --------------------------------------------------------------- reading */
static void audit_row(sqlite3_stmt *st, ota_audit_row *r)
{
    memset(r, 0, sizeof *r);
    r->seq = sqlite3_column_int64(st, 0);
    r->at = sqlite3_column_int64(st, 1);
    store_copy_text(st, 2, r->actor, sizeof r->actor);
    store_copy_text(st, 3, r->action, sizeof r->action);
    store_copy_text(st, 4, r->target, sizeof r->target);
    store_copy_text(st, 5, r->outcome, sizeof r->outcome);
    store_copy_text(st, 6, r->detail, sizeof r->detail);
}

/* Oldest first; the cursor is the seq of the last row shown. */
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
    int rc = -1;
    ENGINE_LOCK(eng);
    sqlite3_stmt *st = store_stmt(eng, "SELECT seq, at, actor, action, target, outcome, detail FROM audit"
                                       " WHERE seq > ?1 AND (?2 IS NULL OR actor = ?2)"
                                       " AND (?3 IS NULL OR target = ?3) AND at >= ?4"
                                       " ORDER BY seq LIMIT ?5", e);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, after);
    if (q->actor && *q->actor)
        sqlite3_bind_text(st, 2, q->actor, -1, SQLITE_STATIC);
    if (q->target && *q->target)
        sqlite3_bind_text(st, 3, q->target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, q->since);
    sqlite3_bind_int(st, 5, req.limit + 1);
    int s;
    bool more = false;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == (size_t)req.limit) {
            more = true;
            break;
        }
        audit_row(st, &out->items[out->n++]);
    }
    store_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        store_fail(eng, e, "audit list");
        goto out;
    }
    if (more && out->n)
        snprintf(out->next_cursor, sizeof out->next_cursor, "%lld", (long long)out->items[out->n - 1].seq);
    rc = 0;
out:
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
