/* Remote settings: config profiles, token precedence, the device side's
 * credentials (ota_device_creds_resolve), and secrets that other users
 * could read refused with the chmod that fixes it. */
#include "profile.h"
#include "../tap.h"

#include <sys/stat.h>

static ota_err E;
static char dir[256];

static void put(const char *rel, const char *text, mode_t mode)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    chmod(p, mode);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", tap_tmpdir());
    setenv("XDG_CONFIG_HOME", dir, 1);
    setenv("HOME", dir, 1);
    unsetenv("OTA_TOKEN");
    unsetenv("OTA_TOKEN_FILE");
    unsetenv("OTA_PROFILE");
    char p[512];
    snprintf(p, sizeof p, "%s/otaconsole", dir);
    mkdir(p, 0700);

    ota_remote_conf c;
    ota_remote_args none = {0};
    ok_call(ota_remote_conf_resolve(&none, &c, &E), &E, "no remote asked for");
    is_str(c.url, "", "local stays the default");

    /* A token file readable by others is refused, naming the fix. */
    put("tok", "secret-token\n", 0644);
    char path[512], t[128];
    snprintf(path, sizeof path, "%s/tok", dir);
    fails_with(ota_token_file_read(path, t, sizeof t, &E), &E, OTA_E_FORBIDDEN, "mode 0644 token file refused");
    char want[1200];
    snprintf(want, sizeof want, "chmod 600 %s", path);
    ok(strstr(E.message, want) != NULL, "message says how to fix it: %s", E.message);
    chmod(path, 0600);
    ok_call(ota_token_file_read(path, t, sizeof t, &E), &E, "mode 0600 token file read");
    is_str(t, "secret-token", "first line, trimmed");

    /* Profiles. */
    snprintf(want, sizeof want,
             "# otaconsole\n[default]\nurl = http://127.0.0.1:9\ntoken = tok-default\n\n"
             "[staging]\nurl = https://staging.example:8443\ntoken_file = %s\ninsecure = true\n",
             path);
    put("otaconsole/config", want, 0600);
    ota_remote_args prof = {.profile = "staging"};
    ok_call(ota_remote_conf_resolve(&prof, &c, &E), &E, "profile staging");
    is_str(c.url, "https://staging.example:8443", "its url");
    is_str(c.token, "secret-token", "its token file");
    ok(c.insecure, "its insecure flag");
    ota_remote_args byurl = {.url = "http://127.0.0.1:9"};
    ok_call(ota_remote_conf_resolve(&byurl, &c, &E), &E, "--remote matching a profile url");
    is_str(c.token, "tok-default", "token of the matching profile");
    ota_remote_args explicit = {.url = "http://127.0.0.1:9", .token = "cli"};
    setenv("OTA_TOKEN", "env", 1);
    ok_call(ota_remote_conf_resolve(&explicit, &c, &E), &E, "--token");
    is_str(c.token, "cli", "--token wins");
    ok_call(ota_remote_conf_resolve(&byurl, &c, &E), &E, "OTA_TOKEN");
    is_str(c.token, "env", "OTA_TOKEN beats the config");
    is_str(c.token_source, "OTA_TOKEN", "and says where it came from");
    unsetenv("OTA_TOKEN");
    ota_remote_args missing = {.profile = "prod"};
    fails_with(ota_remote_conf_resolve(&missing, &c, &E), &E, OTA_E_NOT_FOUND, "unknown profile");

    /* The config holds a token: readable by the group -> refused. */
    snprintf(p, sizeof p, "%s/otaconsole/config", dir);
    chmod(p, 0640);
    fails_with(ota_remote_conf_resolve(&byurl, &c, &E), &E, OTA_E_FORBIDDEN, "group-readable config refused");
    snprintf(want, sizeof want, "chmod 600 %s", p);
    ok(strstr(E.message, want) != NULL, "message says how to fix it: %s", E.message);
    is_str(c.token, "", "no token leaks out of a refused config");

    put("otaconsole/config", "[default]\nurl = http://x\ntokn = typo\n", 0600);
    fails_with(ota_remote_conf_resolve(&byurl, &c, &E), &E, OTA_E_BAD_REQUEST, "unknown key refused");
    ok(strstr(E.message, ":3:") != NULL, "error names the line: %s", E.message);

    /* The profile's settings reach the backend options. */
    put("otaconsole/config", "[default]\nurl = http://127.0.0.1:9\ncacert = ~/ca.pem\n", 0644);
    ok_call(ota_remote_conf_resolve(&byurl, &c, &E), &E, "a config without a token may be 0644");
    ota_remote_opts o;
    ota_remote_conf_opts(&c, &o);
    snprintf(want, sizeof want, "%s/ca.pem", dir);
    is_str(o.cacert, want, "~ expanded in cacert");
    ok(o.token == NULL, "no token");

    /* The device side's credentials: a token file private to its owner,
     * else $OTA_DEVICE_TOKEN; the key --device-key, else $OTA_DEVICE_KEY. */
    unsetenv("OTA_DEVICE_TOKEN");
    unsetenv("OTA_DEVICE_KEY");
    ota_device_creds dc;
    ota_remote_args nodev = {0};
    ok_call(ota_device_creds_resolve(&nodev, &dc, &E), &E, "no device credentials given");
    ok(!dc.key[0] && !dc.token[0], "... none");
    put("dev.tok", "  otd_devtoken \nsecond line\n", 0644);
    snprintf(path, sizeof path, "%s/dev.tok", dir);
    ota_remote_args withfile = {.device_token_file = path, .device_key = "k-arg"};
    fails_with(ota_device_creds_resolve(&withfile, &dc, &E), &E, OTA_E_FORBIDDEN, "a 0644 device token file refused");
    is_str(E.field, "device_token_file", "... naming the option");
    snprintf(want, sizeof want, "chmod 600 %s", path);
    ok(strstr(E.message, want) != NULL, "... and the fix: %s", E.message);
    ok(!dc.key[0] && !dc.token[0], "... nothing kept");
    chmod(path, 0600);
    setenv("OTA_DEVICE_TOKEN", "otd_fromenv", 1);
    setenv("OTA_DEVICE_KEY", "k-env", 1);
    ok_call(ota_device_creds_resolve(&withfile, &dc, &E), &E, "a 0600 device token file");
    is_str(dc.token, "otd_devtoken", "... its first line, trimmed, beats $OTA_DEVICE_TOKEN");
    is_str(dc.key, "k-arg", "... --device-key beats $OTA_DEVICE_KEY");
    is_str(dc.token_source, path, "... the source is the file");
    ok_call(ota_device_creds_resolve(&nodev, &dc, &E), &E, "the environment alone");
    ok(!strcmp(dc.token, "otd_fromenv") && !strcmp(dc.key, "k-env"), "... both from it");
    setenv("OTA_DEVICE_TOKEN", "otd_a\tb", 1);
    fails_with(ota_device_creds_resolve(&nodev, &dc, &E), &E, OTA_E_BAD_REQUEST, "a token with a tab refused");
    is_str(E.field, "OTA_DEVICE_TOKEN", "... naming the variable");
    char big[400];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    setenv("OTA_DEVICE_TOKEN", big, 1);
    fails_with(ota_device_creds_resolve(&nodev, &dc, &E), &E, OTA_E_BAD_REQUEST, "an overlong token refused, not cut");
    unsetenv("OTA_DEVICE_TOKEN");
    unsetenv("OTA_DEVICE_KEY");
    put("empty.tok", "\n", 0600);
    snprintf(path, sizeof path, "%s/empty.tok", dir);
    ota_remote_args emptyf = {.device_token_file = path};
    fails_with(ota_device_creds_resolve(&emptyf, &dc, &E), &E, OTA_E_BAD_REQUEST, "an empty token file refused");
    ota_device_creds_clear(&dc);

    snprintf(p, sizeof p, "rm -rf '%s'", dir);
    if (system(p) != 0)
        return 99;
    return tap_done();
}
