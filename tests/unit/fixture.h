/* Shared helpers of the core unit tests: a fresh engine on a real SQLite
 * file in a temporary folder (tap.h removes the folder at exit) with a
 * fake clock, and raw SQL on that file over a second connection, as
 * another process would run it (to put rows in states the API would not,
 * or to read what is on disk). */
#ifndef TESTS_UNIT_FIXTURE_H
#define TESTS_UNIT_FIXTURE_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include "ota.h"
#include "../tap.h"

/* An engine on DIR/ota.db (DIR: a new temporary folder when NULL), on the
 * fake clock fc and with actor (either may be NULL); bails out when it
 * cannot open. */
static inline ota_engine *fixture_engine(const char *dir, ota_fake_clock *fc, const char *actor)
{
    char db[512];
    ota_err e = {0};
    snprintf(db, sizeof db, "%s/ota.db", dir ? dir : tap_tmpdir());
    ota_engine_opts o = {.db_path = db, .actor = actor};
    if (fc)
        o.clock = ota_clock_fake(fc);
    ota_engine *eng = ota_engine_open(&o, &e);
    if (!eng) {
        printf("Bail out! engine: %s\n", e.message);
        exit(1);
    }
    return eng;
}

/* Run text on the database file at db over a second connection: 0, or -1
 * with SQLite's message as a TAP comment. */
static inline int db_sql(const char *db, const char *text)
{
    sqlite3 *raw;
    char *msg = NULL;
    int rc = sqlite3_open(db, &raw);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(raw, 5000);
        rc = sqlite3_exec(raw, text, NULL, NULL, &msg);
    }
    if (rc != SQLITE_OK)
        printf("# sql failed: %s\n", msg ? msg : sqlite3_errmsg(raw));
    sqlite3_free(msg);
    sqlite3_close(raw);
    return rc == SQLITE_OK ? 0 : -1;
}

/* The same on the engine's database file. */
static inline int sql(ota_engine *eng, const char *text) { return db_sql(ota_engine_db_path(eng), text); }

/* The first column of the first row of query on the file at db, as text
 * ("" when there is none or it fails). */
static inline void db_text(const char *db, const char *query, char *out, size_t len)
{
    sqlite3 *raw;
    sqlite3_stmt *st;
    out[0] = 0;
    if (sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(raw, query, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(raw);
}

/* An offer whose components are freed when it goes out of scope (start
 * it zeroed): AUTO_OFFER ota_job_offer o = {0}; */
#define AUTO_OFFER __attribute__((cleanup(ota_job_offer_free)))

#endif
