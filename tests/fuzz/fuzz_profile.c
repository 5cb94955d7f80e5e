/* FUZZ_SOURCES: client/profile.c client/remote*.c */
/* The remote profiles config file ($XDG_CONFIG_HOME/otaconsole/config,
 * INI-style, see client/profile.h), read by otactl and the console.  The
 * first byte picks what the command line asks for (a profile by name, a
 * --remote URL, nothing), the rest is the file (mode 600).
 * Properties: a refusal is a clear error; an accepted remote has a URL. */
#include <sys/stat.h>
#include "fuzz.h"
#include "profile.h"

static char conf[400];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/config", fuzz_tmpdir());
    setenv("XDG_CONFIG_HOME", dir, 1);
    unsetenv("OTA_TOKEN"); unsetenv("OTA_TOKEN_FILE"); unsetenv("OTA_PROFILE"); unsetenv("OTA_REMOTE");
    strcat(dir, "/otaconsole");
    char parent[400];
    snprintf(parent, sizeof parent, "%s/config", fuzz_tmpdir());
    mkdir(parent, 0700);
    mkdir(dir, 0700);
    snprintf(conf, sizeof conf, "%s/config", dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 1) return 0;
    FILE *f = fopen(conf, "wb");
    if (!f || fwrite(d + 1, 1, n - 1, f) != n - 1 || fclose(f) != 0) abort();
    chmod(conf, 0600);
    ota_remote_args a;
    memset(&a, 0, sizeof a);
    static const char *const profiles[] = {"default", "staging", "a b", ""};
    switch (d[0] % 4) {
    case 0: a.profile = profiles[(d[0] >> 2) % 4]; break;
    case 1: a.url = "https://ota.example.com"; break;
    case 2: a.url = "http://127.0.0.1:8080"; a.profile = "staging"; break;
    default: break;
    }
    ota_remote_conf c;
    ota_err e = {0};
    if (ota_remote_conf_resolve(&a, &c, &e) == 0) {
        fuzz_assert(memchr(c.url, 0, sizeof c.url) && memchr(c.token, 0, sizeof c.token) &&
                    memchr(c.profile, 0, sizeof c.profile), "strings not terminated");
        if ((a.url && *a.url) || (a.profile && *a.profile))
            fuzz_assert(c.url[0] != 0, "a remote was asked for but has no URL");
        ota_remote_conf_clear(&c);
    } else {
        fuzz_clear_error(&e, "profile");
    }
    return 0;
}
