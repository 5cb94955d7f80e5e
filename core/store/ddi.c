/* The SQLite store: what core keeps for hawkBit DDI agents — device
 * attributes (devices.attrs), the jobs an agent was shown (ddi_offers) and
 * the cancellations it acknowledged (ddi_cancels), which packages a
 * product's plans use, and the SHA-1/MD5 of package files. */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ attributes */
int store_ddi_attrs_get(ota_engine *eng, const char *device, bool *found, char **text, ota_err *e)
{
    *found = false;
    *text = NULL;
    sqlite3_stmt *st = store_stmt(eng, "SELECT attrs FROM devices WHERE device_id=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (!(*text = strdup(t ? t : ""))) {
            store_done(st);
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        }
    }
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(eng, e, "device attributes lookup");
    return 0;
}

int store_ddi_attrs_set(ota_engine *eng, const char *device, const char *text, ota_err *e)
{
    /* devices.timezone follows the attribute (store/gates.c reads it) */
    sqlite3_stmt *st = store_stmt(eng, "UPDATE devices SET attrs=?1, timezone=CASE WHEN json_valid(?1)"
                                       " AND json_type(?1, '$.timezone') = 'text'"
                                       " THEN json_extract(?1, '$.timezone') END WHERE device_id=?2", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    store_done(st);
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "device attributes update");
}

/* ---------------------------------------------------------- cancellation */
int store_ddi_offer_note(ota_engine *eng, int64_t job, int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT OR IGNORE INTO ddi_offers(job, offered_at) VALUES(?,?)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_int64(st, 2, now);
    int s = sqlite3_step(st);
    store_done(st);
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "offer note");
}

/* Terminate fails the jobs that were offered or awaiting confirmation;
 * started_at stays NULL on those the device never began downloading.
 * Starting from the device keeps the lookup on indexes.  The plan state is
 * bound as its stored text. */
static const char sql_cancel_pending[] =
    "SELECT j.id FROM devices d"
    " JOIN jobs j ON j.device=d.id"
    " JOIN ddi_offers o ON o.job=j.id"
    " JOIN plans p ON p.id=j.plan"
    " WHERE d.device_id=?1 AND p.state=?3 AND j.started_at IS NULL"
    "   AND NOT EXISTS (SELECT 1 FROM ddi_cancels c WHERE c.job=j.id)"
    "   AND (?2=0 OR j.id=?2)"
    " ORDER BY j.id LIMIT 1";

int store_ddi_cancel_find(ota_engine *eng, const char *device, int64_t only, int64_t *job, ota_err *e)
{
    *job = 0;
    sqlite3_stmt *st = store_stmt(eng, sql_cancel_pending, e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, only);
    sqlite3_bind_text(st, 3, ota_plan_state_str(OTA_PLAN_TERMINATED), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *job = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(eng, e, "cancelled job lookup");
    return 0;
}

int store_ddi_cancel_ack(ota_engine *eng, int64_t job, int64_t now, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "INSERT INTO ddi_cancels(job, acked_at) VALUES(?,?)", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_int64(st, 2, now);
    int s = sqlite3_step(st);
    store_done(st);
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "cancellation acknowledgement");
}

/* --------------------------------------------------------------- packages */
int store_ddi_package_of_product(ota_engine *eng, const char *product, int64_t package, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT 1 FROM plan_components c JOIN plans p ON p.id=c.plan"
        " WHERE c.package=? AND p.product=? LIMIT 1", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, package);
    sqlite3_bind_text(st, 2, product, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    store_done(st);
    if (s == SQLITE_ROW)
        return 1;
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "package use lookup");
}

int store_ddi_files_unhashed(ota_engine *eng, int64_t package, store_ddi_file **files, size_t *n,
                             ota_err *e)
{
    *files = NULL;
    *n = 0;
    sqlite3_stmt *st = store_stmt(eng,
        "SELECT package, idx, sha256 FROM package_files"
        " WHERE (sha1='' OR md5='') AND (?1=0 OR package=?1) ORDER BY package, idx", e);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, package);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            store_ddi_file *m = realloc(*files, cap * sizeof *m);
            if (!m) {
                store_done(st);
                free(*files);
                *files = NULL;
                *n = 0;
                return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            }
            *files = m;
        }
        store_ddi_file *m = &(*files)[(*n)++];
        m->package = sqlite3_column_int64(st, 0);
        m->idx = sqlite3_column_int(st, 1);
        store_copy_text(st, 2, m->sha256, sizeof m->sha256);
    }
    store_done(st);
    if (rc == SQLITE_DONE)
        return 0;
    free(*files);
    *files = NULL;
    *n = 0;
    return store_fail(eng, e, "package files lookup");
}

int store_ddi_file_hashes_set(ota_engine *eng, int64_t package, int idx, const char *sha1,
                              const char *md5, ota_err *e)
{
    sqlite3_stmt *st = store_stmt(eng, "UPDATE package_files SET sha1=?, md5=? WHERE package=? AND idx=?", e);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, sha1, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, md5, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, package);
    sqlite3_bind_int(st, 4, idx);
    int s = sqlite3_step(st);
    store_done(st);
    return s == SQLITE_DONE ? 0 : store_fail(eng, e, "package file hashes update");
}
