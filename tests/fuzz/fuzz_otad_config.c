/* FUZZ_SOURCES: server/*.c !server/main.c */
/* otad's config file ("key = value" lines, `otad --config FILE`), through
 * the real command-line parser: server/main.c is compiled into this
 * harness with its main renamed.  Properties: a refusal is a clear error;
 * an accepted file gives a port in 0..65535 and positive intervals. */
#define main otad_main
#include "../../server/main.c"
#undef main
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    char path[400];
    snprintf(path, sizeof path, "%s/otad.conf", fuzz_tmpdir());
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) abort();
    otad_config c;
    config_defaults(&c);
    ota_err e;
    ota_err_clear(&e);
    char arg0[] = "--config", *argv[] = {arg0, path, NULL};
    char *pos[4];
    int npos = 0;
    if (args_parse(&c, 2, argv, pos, &npos, NULL, NULL, &e) == 0) {
        fuzz_assert(c.port >= 0 && c.port <= 65535, "port %d", c.port);
        fuzz_assert(c.sse_heartbeat > 0 && c.sse_poll_ms > 0 && c.tick_ms > 0 && c.conn_timeout > 0,
                    "non-positive interval accepted");
        fuzz_assert(memchr(c.listen_addr, 0, sizeof c.listen_addr) && memchr(c.db, 0, sizeof c.db),
                    "strings not terminated");
    } else {
        fuzz_clear_error(&e, "otad config");
    }
    return 0;
}
