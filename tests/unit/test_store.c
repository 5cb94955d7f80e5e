/* The store opens an empty database, migrates it to the newest schema, and
 * reopens it without migrating twice; time and UTF-8 helpers. */
#include <sqlite3.h>
#include "ota.h"
#include "../tap.h"

int main(void)
{
    ota_err e = {0};
    const char *dir = tap_tmpdir();
    char db[512];
    snprintf(db, sizeof db, "%s/sub/ota.db", dir);
    ota_engine_opts o = {.db_path = db};
    ota_engine *eng = ota_engine_open(&o, &e);
    ok(eng != NULL, "open creates the database and its folder");
    int v = eng ? ota_engine_schema_version(eng) : -1;
    ok(v >= 1, "migrated from empty to schema version %d", v);
    ota_engine_close(eng);
    eng = ota_engine_open(&o, &e);
    is_int(eng ? ota_engine_schema_version(eng) : -1, v, "reopen keeps the schema version");
    ota_engine_close(eng);

    sqlite3 *raw;
    sqlite3_open(db, &raw);
    sqlite3_exec(raw, "PRAGMA user_version=999", NULL, NULL, NULL);
    sqlite3_close(raw);
    eng = ota_engine_open(&o, &e);
    ok(eng == NULL && e.code == OTA_E_IO, "a database newer than the program is refused: %s", e.message);

    int64_t t;
    ok(ota_time_parse("2026-12-01T00:00:00Z", &t) == 0 && t == 1796083200, "RFC 3339 Z parses");
    ok(ota_time_parse("2026-12-01T08:00:00+08:00", &t) == 0 && t == 1796083200, "offsets parse");
    ok(ota_time_parse("2026-02-29T00:00:00Z", &t) < 0, "no 29 February in 2026");
    ok(ota_time_parse("2026-12-01 00:00", &t) < 0, "truncated time refused");
    char buf[32];
    is_str(ota_time_format(1796083200, buf, sizeof buf), "2026-12-01T00:00:00Z", "format is RFC 3339 UTC");

    is_int(ota_utf8_chars("\xe4\xb8\xad\xe6\x96\x87", 6), 2, "two CJK characters count as 2");
    is_int(ota_utf8_chars("\xc0\xaf", 2), -1, "overlong UTF-8 is invalid");
    is_int(ota_utf8_chars("\xed\xa0\x80", 3), -1, "surrogates are invalid");
    is_int(ota_utf8_chars("\xe4\xb8", 2), -1, "truncated sequence is invalid");

    ota_fake_clock fc = {.t = 42};
    ota_clock c = ota_clock_fake(&fc);
    is_int(ota_clock_now(&c), 42, "fake clock reads its value");
    fc.t = 100;
    is_int(ota_clock_now(&c), 100, "fake clock moves only when told");
    return tap_done();
}
