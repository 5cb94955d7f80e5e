/* The SQLite store: the audit trail.  Append-only: migration 4 installs
 * triggers that refuse UPDATE and DELETE, and nothing here issues either;
 * seq only grows. */
#include "sqlite.h"

#include <string.h>

int store_audit_append(ota_engine *eng, int64_t at, const char *actor, const char *action,
                       const char *target, const char *outcome, const char *detail, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO audit(at, actor, action, target, outcome, detail)"
                                       " VALUES(?,?,?,?,?,?)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, outcome, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
    return store_step_done(eng, st, e, "audit insert");
}

/* Columns: seq, at, actor, action, target, outcome, detail */
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

/* The cursor is the seq of the last row shown. */
int store_audit_page(ota_engine *eng, const ota_audit_query *q, int64_t after, int limit,
                     ota_audit_page *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT seq, at, actor, action, target, outcome, detail FROM audit"
                                       " WHERE seq > ?1 AND (?2 IS NULL OR actor = ?2)"
                                       " AND (?3 IS NULL OR target = ?3) AND at >= ?4"
                                       " ORDER BY seq LIMIT ?5", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    if (q->actor && *q->actor)
        sqlite3_bind_text(st, 2, q->actor, -1, SQLITE_STATIC);
    if (q->target && *q->target)
        sqlite3_bind_text(st, 3, q->target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, q->since);
    sqlite3_bind_int(st, 5, limit + 1);
    int s;
    bool more = false;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == (size_t)limit) {
            more = true;
            break;
        }
        audit_row(st, &out->items[out->n++]);
    }
    store_done(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return store_fail(eng, e, "audit list");
    if (more && out->n)
        snprintf(out->next_cursor, sizeof out->next_cursor, "%lld", (long long)out->items[out->n - 1].seq);
    return 0;
}

int store_audit_count_action(ota_engine *eng, const char *action, int64_t *out, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "SELECT count(*) FROM audit WHERE action = ?1 AND outcome = 'ok'", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    *out = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_done(st);
    if (s != SQLITE_ROW)
        return store_fail(eng, e, "audit count");
    return 0;
}
