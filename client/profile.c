/* profile.c: remote server settings from arguments, environment and the
 * config file (format and precedence in profile.h). */
#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ota_config_path(char *buf, size_t len, ota_err *e)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n;
    if (x && *x)
        n = snprintf(buf, len, "%s/otaconsole/config", x);
    else if (home && *home)
        n = snprintf(buf, len, "%s/.config/otaconsole/config", home);
    else
        return ota_fail(e, OTA_E_BAD_REQUEST, "config", "neither XDG_CONFIG_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= len)
        return ota_fail(e, OTA_E_BAD_REQUEST, "config", "config path too long");
    return 0;
}

/* "~/x" -> "$HOME/x". */
static void path_expand(char *dst, size_t len, const char *src)
{
    const char *home = getenv("HOME");
    if (src[0] == '~' && src[1] == '/' && home)
        snprintf(dst, len, "%s%s", home, src + 1);
    else
        snprintf(dst, len, "%s", src);
}

/* Secrets must be private to their owner: refuse a file group or others can read. */
static int check_private(const char *path, int fd, const char *what, ota_err *e)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ota_fail(e, OTA_E_IO, what, "%s: %s", path, strerror(errno));
    if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH))
        return ota_fail(e, OTA_E_FORBIDDEN, what,
                        "%s holds a token but other users can read it (mode %04o); "
                        "fix it with: chmod 600 %s",
                        path, (unsigned)(st.st_mode & 07777), path);
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

/* The first line of a private file, trimmed; errors name field. */
static int secret_file_read(const char *path, char *out, size_t len, const char *field, ota_err *e)
{
    char p[PATH_MAX];
    path_expand(p, sizeof p, path);
    FILE *f = fopen(p, "re");
    if (!f)
        return ota_fail(e, OTA_E_IO, field, "%s: %s", p, strerror(errno));
    if (check_private(p, fileno(f), field, e) < 0) {
        fclose(f);
        return -1;
    }
    char line[1100] = "";
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    fclose(f);
    char *t = trim(line);
    int rc = 0;
    if (!*t)
        rc = ota_fail(e, OTA_E_BAD_REQUEST, field, "%s: empty token file", p);
    else if (strlen(t) >= len)
        rc = ota_fail(e, OTA_E_BAD_REQUEST, field, "%s: token too long", p);
    else
        snprintf(out, len, "%s", t);
    explicit_bzero(line, sizeof line);
    return rc;
}

int ota_token_file_read(const char *path, char *out, size_t len, ota_err *e)
{
    return secret_file_read(path, out, len, "token_file", e);
}

/* --device-key, else $OTA_DEVICE_KEY (NULL when neither). */
static const char *device_key_arg(const ota_remote_args *a)
{
    const char *dk = a->device_key && *a->device_key ? a->device_key : getenv("OTA_DEVICE_KEY");
    return dk && *dk ? dk : NULL;
}

int ota_device_creds_resolve(const ota_remote_args *a, ota_device_creds *c, ota_err *e)
{
    memset(c, 0, sizeof *c);
    const char *dk = device_key_arg(a), *env = getenv("OTA_DEVICE_TOKEN");
    if (dk && strlen(dk) > OTA_DEVICE_CRED_MAX)
        return ota_fail(e, OTA_E_BAD_REQUEST, "device_key", "longer than %d bytes", OTA_DEVICE_CRED_MAX);
    snprintf(c->key, sizeof c->key, "%s", dk ? dk : "");
    int rc = 0;
    if (a->device_token_file && *a->device_token_file) {
        rc = secret_file_read(a->device_token_file, c->token, sizeof c->token, "device_token_file", e);
        snprintf(c->token_source, sizeof c->token_source, "%s", a->device_token_file);
    } else if (env && *env) {
        snprintf(c->token_source, sizeof c->token_source, "OTA_DEVICE_TOKEN");
        if (strlen(env) > OTA_DEVICE_CRED_MAX)
            rc = ota_fail(e, OTA_E_BAD_REQUEST, "OTA_DEVICE_TOKEN", "longer than %d bytes: not a device token",
                          OTA_DEVICE_CRED_MAX);
        else
            snprintf(c->token, sizeof c->token, "%s", env);
    }
    for (const char *t = c->token; rc == 0 && *t; t++)
        if ((unsigned char)*t < 0x21 || (unsigned char)*t >= 0x7f)
            rc = ota_fail(e, OTA_E_BAD_REQUEST, a->device_token_file && *a->device_token_file ? "device_token_file"
                                                                                           : "OTA_DEVICE_TOKEN",
                          "%s: the device token holds spaces or characters that are not printable ASCII",
                          c->token_source);
    if (rc < 0)
        ota_device_creds_clear(c);
    return rc;
}

void ota_device_creds_clear(ota_device_creds *c)
{
    explicit_bzero(c, sizeof *c);
}

/* One profile section as read from the file. */
typedef struct section {
    char name[64];
    char url[400], token[1024], token_file[PATH_MAX], cacert[PATH_MAX], device_key[128];
    int insecure; /* -1 unset */
} section;

static int set_key(section *s, const char *k, const char *v, const char *path, int line,
                   ota_err *e)
{
    struct { const char *k; char *dst; size_t len; } keys[] = {
        {"url", s->url, sizeof s->url},
        {"token", s->token, sizeof s->token},
        {"token_file", s->token_file, sizeof s->token_file},
        {"cacert", s->cacert, sizeof s->cacert},
        {"device_key", s->device_key, sizeof s->device_key},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(k, keys[i].k))
            continue;
        if (strlen(v) >= keys[i].len)
            return ota_fail(e, OTA_E_BAD_REQUEST, k, "%s:%d: %s too long", path, line, k);
        snprintf(keys[i].dst, keys[i].len, "%s", v);
        return 0;
    }
    if (!strcmp(k, "insecure")) {
        if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
            s->insecure = 1;
        else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
            s->insecure = 0;
        else
            return ota_fail(e, OTA_E_BAD_REQUEST, k, "%s:%d: insecure is true or false (got %s)",
                            path, line, v);
        return 0;
    }
    return ota_fail(e, OTA_E_BAD_REQUEST, k,
                    "%s:%d: unknown key %s (known: url, token, token_file, cacert, insecure, "
                    "device_key)", path, line, k);
}

/* Reads every profile of the config file; a missing file is no profiles. */
static int config_read(const char *path, section **out, size_t *n, ota_err *e)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? 0 : ota_fail(e, OTA_E_IO, "config", "%s: %s", path, strerror(errno));
    char buf[2048];
    int line = 0, rc = 0;
    bool has_token = false;
    section *cur = NULL;
    while (rc == 0 && fgets(buf, sizeof buf, f)) {
        line++;
        char *hash = strstr(buf, " #");
        if (hash)
            *hash = 0;
        char *s = trim(buf);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || end[1] || end - s - 1 <= 0 || end - s - 1 >= 64) {
                rc = ota_fail(e, OTA_E_BAD_REQUEST, "config", "%s:%d: a section is [name]", path, line);
                break;
            }
            section *v = realloc(*out, (*n + 1) * sizeof *v);
            if (!v) {
                rc = ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                break;
            }
            *out = v;
            cur = &v[(*n)++];
            memset(cur, 0, sizeof *cur);
            cur->insecure = -1;
            snprintf(cur->name, sizeof cur->name, "%.*s", (int)(end - s - 1), s + 1);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = ota_fail(e, OTA_E_BAD_REQUEST, "config", "%s:%d: expected key = value", path, line);
            break;
        }
        if (!cur) {
            rc = ota_fail(e, OTA_E_BAD_REQUEST, "config",
                          "%s:%d: key before any [profile] section", path, line);
            break;
        }
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        rc = set_key(cur, k, v, path, line, e);
        if (!strcmp(k, "token"))
            has_token = true;
    }
    if (rc == 0 && has_token)
        rc = check_private(path, fileno(f), "config", e);
    explicit_bzero(buf, sizeof buf);
    fclose(f);
    if (rc < 0) {
        if (*out)
            explicit_bzero(*out, *n * sizeof **out);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static const section *section_pick(const section *v, size_t n, const char *profile,
                                   const char *url)
{
    if (profile) {
        for (size_t i = 0; i < n; i++)
            if (!strcmp(v[i].name, profile))
                return &v[i];
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (url && v[i].url[0] && !strcmp(v[i].url, url))
            return &v[i];
    /* The default profile serves a URL it does not name only if it names none. */
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, "default") && (!v[i].url[0] || (url && !strcmp(v[i].url, url))))
            return &v[i];
    return NULL;
}

static int token_resolve(const ota_remote_args *a, const section *s, ota_remote_conf *c,
                         const char *config, ota_err *e)
{
    const char *env = getenv("OTA_TOKEN"), *envf = getenv("OTA_TOKEN_FILE");
    if (a->token && *a->token) {
        snprintf(c->token, sizeof c->token, "%s", a->token);
        snprintf(c->token_source, sizeof c->token_source, "--token");
    } else if (a->token_file && *a->token_file) {
        if (ota_token_file_read(a->token_file, c->token, sizeof c->token, e) < 0)
            return -1;
        snprintf(c->token_source, sizeof c->token_source, "%s", a->token_file);
    } else if (env && *env) {
        snprintf(c->token, sizeof c->token, "%s", env);
        snprintf(c->token_source, sizeof c->token_source, "OTA_TOKEN");
    } else if (envf && *envf) {
        if (ota_token_file_read(envf, c->token, sizeof c->token, e) < 0)
            return -1;
        snprintf(c->token_source, sizeof c->token_source, "%s", envf);
    } else if (s && s->token[0]) {
        snprintf(c->token, sizeof c->token, "%s", s->token);
        snprintf(c->token_source, sizeof c->token_source, "%s [%s]", config, s->name);
    } else if (s && s->token_file[0]) {
        if (ota_token_file_read(s->token_file, c->token, sizeof c->token, e) < 0)
            return -1;
        snprintf(c->token_source, sizeof c->token_source, "%s", s->token_file);
    }
    return 0;
}

int ota_remote_conf_resolve(const ota_remote_args *a, ota_remote_conf *c, ota_err *e)
{
    memset(c, 0, sizeof *c);
    const char *profile = a->profile && *a->profile ? a->profile : NULL;
    if (!profile && !(a->url && *a->url)) {
        const char *ep = getenv("OTA_PROFILE");
        profile = ep && *ep ? ep : NULL;
    }
    if (!profile && !(a->url && *a->url))
        return 0; /* local */
    char config[PATH_MAX];
    section *v = NULL;
    size_t n = 0;
    if (ota_config_path(config, sizeof config, e) < 0 || config_read(config, &v, &n, e) < 0)
        return -1;
    const section *s = section_pick(v, n, profile, a->url && *a->url ? a->url : NULL);
    int rc = 0;
    if (profile && !s) {
        rc = ota_fail(e, OTA_E_NOT_FOUND, "profile", "no profile [%s] in %s", profile, config);
        goto done;
    }
    if (s)
        snprintf(c->profile, sizeof c->profile, "%s", s->name);
    snprintf(c->url, sizeof c->url, "%s", a->url && *a->url ? a->url : s ? s->url : "");
    if (!c->url[0]) {
        rc = ota_fail(e, OTA_E_BAD_REQUEST, "url", "profile [%s] in %s has no url", s->name, config);
        goto done;
    }
    if ((rc = token_resolve(a, s, c, config, e)) < 0)
        goto done;
    if (a->cacert && *a->cacert)
        path_expand(c->cacert, sizeof c->cacert, a->cacert);
    else if (s && s->cacert[0])
        path_expand(c->cacert, sizeof c->cacert, s->cacert);
    c->insecure = a->insecure || (s && s->insecure == 1);
    const char *dk = device_key_arg(a);
    snprintf(c->device_key, sizeof c->device_key, "%s", dk ? dk : s ? s->device_key : "");
done:
    if (v)
        explicit_bzero(v, n * sizeof *v);
    free(v);
    if (rc < 0)
        ota_remote_conf_clear(c);
    return rc;
}

void ota_remote_conf_opts(const ota_remote_conf *c, ota_remote_opts *o)
{
    memset(o, 0, sizeof *o);
    o->url = c->url;
    o->token = c->token[0] ? c->token : NULL;
    o->device_key = c->device_key[0] ? c->device_key : NULL;
    o->cacert = c->cacert[0] ? c->cacert : NULL;
    o->insecure = c->insecure;
}

ota_backend *ota_remote_conf_open(const ota_remote_conf *c, ota_err *e)
{
    ota_remote_opts o;
    ota_remote_conf_opts(c, &o);
    return ota_backend_remote_open(&o, e);
}

void ota_remote_conf_clear(ota_remote_conf *c)
{
    explicit_bzero(c, sizeof *c);
}
