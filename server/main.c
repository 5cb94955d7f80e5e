/* otad: the server.  Command line and config file, the token
 * subcommands, and the server's life: open the engine, listen, tick the
 * engine's clock, stop cleanly on SIGTERM (stop accepting, let requests in
 * flight finish, close the database). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "otad.h"
#include "ddi.h"

otad *g_otad;
static void usage(FILE *f)
{
    fprintf(f,
            "usage: otad [--listen ADDR:PORT] [--db PATH] [--blobs DIR] [--config FILE]\n"
            "            [--log-level error|warn|info|debug] [--tls-cert FILE --tls-key FILE]\n"
            "            [--ddi-poll SECONDS]  (hawkBit DDI agents' poll interval, default 300)\n"
            "            [--trusted DIR]  (trusted public keys for plans requiring signatures)\n"
            "            [--threads N]  (a pool of N threads, default 4; 0 = a thread per connection)\n"
            "            [--reuse-port]  (share the port with other processes: a deliberate multi-process setup)\n"
            "       otad token create [--db PATH] --role viewer|operator|admin [--name NAME]\n"
            "       otad token list [--db PATH]\n"
            "       otad token revoke [--db PATH] NAME\n"
            "       otad --version | --help\n"
            "Defaults: 127.0.0.1:8080, database under $XDG_DATA_HOME/otaconsole/.\n"
            "Config file: one 'key = value' per line; keys listen, db, blobs, trusted, log_level,\n"
            "tls_cert, tls_key, ddi_poll, sse_heartbeat, sse_poll_ms, tick_ms, conn_timeout, threads,\n"
            "auth_fail_limit, auth_fail_window, reuse_port (each is also a flag: --tick_ms 500).\n"
            "Flags override the file.\n");
}

static void version(void)
{
    printf("otad (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
}

/* Flags that take no value: "--reuse-port" alone means true. */
static bool flag_is_switch(const char *key)
{
    return !strcmp(key, "reuse-port") || !strcmp(key, "reuse_port");
}

/* --help (-h) and --version anywhere among the flags, but not as a flag's
 * value, answer before a config file is read or a database opened:
 * 'h', 'v' or 0.  Mirrors args_parse: "--key" without '=' takes the next
 * word as its value (but a switch does not). */
static int args_info(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return 'h';
        if (!strcmp(a, "--version"))
            return 'v';
        if (!strncmp(a, "--", 2) && !strchr(a, '=') && !flag_is_switch(a + 2))
            i++;
    }
    return 0;
}

/* ---------------------------------------------------------------- config */
static int parse_listen(otad_config *c, const char *v, ota_err *e)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof c->listen_addr)
        return ota_fail(e, OTA_E_BAD_REQUEST, "listen", "must be ADDR:PORT (got '%s')", v);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return ota_fail(e, OTA_E_BAD_REQUEST, "listen", "port must be 0..65535 (got '%s')", colon + 1);
    memcpy(c->listen_addr, v, (size_t)(colon - v));
    c->listen_addr[colon - v] = 0;
    c->port = (int)port;
    return 0;
}

static int parse_int(const char *key, const char *v, int lo, int hi, int *out, ota_err *e)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi)
        return ota_fail(e, OTA_E_BAD_REQUEST, key, "must be an integer %d..%d (got '%s')", lo, hi, v);
    *out = (int)n;
    return 0;
}

static int parse_bool(const char *key, const char *v, bool *out, ota_err *e)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]))
            return *out = true, 0;
        if (!strcasecmp(v, no[i]))
            return *out = false, 0;
    }
    return ota_fail(e, OTA_E_BAD_REQUEST, key, "must be true or false (got '%s')", v);
}

static int config_set(otad_config *c, const char *key, const char *v, ota_err *e)
{
    if (!strcmp(key, "listen"))
        return parse_listen(c, v, e);
    if (!strcmp(key, "db"))
        return snprintf(c->db, sizeof c->db, "%s", v) < (int)sizeof c->db ? 0 : ota_fail(e, OTA_E_BAD_REQUEST, key, "too long");
    if (!strcmp(key, "blobs"))
        return snprintf(c->blobs, sizeof c->blobs, "%s", v) < (int)sizeof c->blobs ? 0 : ota_fail(e, OTA_E_BAD_REQUEST, key, "too long");
    if (!strcmp(key, "trusted"))
        return snprintf(c->trusted, sizeof c->trusted, "%s", v) < (int)sizeof c->trusted ? 0 : ota_fail(e, OTA_E_BAD_REQUEST, key, "too long");
    if (!strcmp(key, "tls_cert") || !strcmp(key, "tls-cert"))
        return snprintf(c->tls_cert, sizeof c->tls_cert, "%s", v), 0;
    if (!strcmp(key, "tls_key") || !strcmp(key, "tls-key"))
        return snprintf(c->tls_key, sizeof c->tls_key, "%s", v), 0;
    if (!strcmp(key, "log_level") || !strcmp(key, "log-level")) {
        for (int i = 0; i < 4; i++)
            if (!strcasecmp(v, otad_log_level_name(i))) {
                c->log_level = i;
                return 0;
            }
        return ota_fail(e, OTA_E_BAD_REQUEST, "log_level", "must be error, warn, info or debug (got '%s')", v);
    }
    if (!strcmp(key, "sse_heartbeat"))
        return parse_int(key, v, 1, 3600, &c->sse_heartbeat, e);
    if (!strcmp(key, "sse_poll_ms"))
        return parse_int(key, v, 10, 10000, &c->sse_poll_ms, e);
    if (!strcmp(key, "tick_ms"))
        return parse_int(key, v, 10, 600000, &c->tick_ms, e);
    if (!strcmp(key, "ddi_poll") || !strcmp(key, "ddi-poll"))
        return ddi_set_poll(v, e);
    if (!strcmp(key, "conn_timeout"))
        return parse_int(key, v, 1, 86400, &c->conn_timeout, e);
    if (!strcmp(key, "threads"))
        return parse_int(key, v, 0, 1024, &c->threads, e);
    if (!strcmp(key, "auth_fail_limit"))
        return parse_int(key, v, 0, 1000000, &c->auth_fail_limit, e);
    if (!strcmp(key, "auth_fail_window"))
        return parse_int(key, v, 1, 86400, &c->auth_fail_window, e);
    if (!strcmp(key, "reuse_port") || !strcmp(key, "reuse-port"))
        return parse_bool("reuse_port", v, &c->reuse_port, e);
    return ota_fail(e, OTA_E_BAD_REQUEST, key, "unknown setting");
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        *--end = 0;
    return s;
}

static int config_load(otad_config *c, const char *path, ota_err *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ota_fail(e, OTA_E_IO, "config", "cannot open %s: %s", path, strerror(errno));
    char line[8192];
    int ln = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        ln++;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = ota_fail(e, OTA_E_BAD_REQUEST, "config", "%s:%d: expected 'key = value'", path, ln);
            break;
        }
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        size_t vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v[vl - 1] = 0;
            v++;
        }
        if (config_set(c, k, v, e) < 0) {
            char m[sizeof e->message];
            snprintf(m, sizeof m, "%s", e->message);
            rc = ota_fail(e, OTA_E_BAD_REQUEST, "config", "%s:%d: %s: %s", path, ln, k, m);
        }
    }
    fclose(f);
    return rc;
}

static void config_defaults(otad_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_addr, sizeof c->listen_addr, "127.0.0.1");
    c->port = 8080;
    c->log_level = LOG_INFO;
    c->sse_heartbeat = 15;
    c->sse_poll_ms = 200;
    c->tick_ms = 1000;
    c->conn_timeout = 60;
    c->threads = OTAD_THREADS_DEFAULT;
    c->auth_fail_limit = THROTTLE_LIMIT_DEFAULT;
    c->auth_fail_window = THROTTLE_WINDOW_DEFAULT;
}

/* Flags of the form --key VALUE or --key=VALUE; positional args collected.
 * --config is read first so flags override the file. */
static int args_parse(otad_config *c, int argc, char **argv, char **pos, int *npos, char *role, char *name,
                      ota_err *e)
{
    for (int pass = 0; pass < 2; pass++) {
        *npos = 0;
        for (int i = 0; i < argc; i++) {
            char *a = argv[i];
            if (strncmp(a, "--", 2)) {
                if (pass == 1)
                    pos[(*npos)++] = a;
                continue;
            }
            char key[64], *val;
            char *eq = strchr(a, '=');
            if (eq) {
                snprintf(key, sizeof key, "%.*s", (int)(eq - a - 2), a + 2);
                val = eq + 1;
            } else if (flag_is_switch(a + 2)) {
                snprintf(key, sizeof key, "%s", a + 2);
                val = "true";
            } else {
                snprintf(key, sizeof key, "%s", a + 2);
                if (i + 1 >= argc)
                    return ota_fail(e, OTA_E_BAD_REQUEST, key, "--%s needs a value", key);
                val = argv[++i];
            }
            if (pass == 0) {
                if (!strcmp(key, "config") && config_load(c, val, e) < 0)
                    return -1;
                continue;
            }
            if (!strcmp(key, "config"))
                continue;
            if (!strcmp(key, "role") && role) {
                snprintf(role, 32, "%s", val);
                continue;
            }
            if (!strcmp(key, "name") && name) {
                snprintf(name, OTA_TOKEN_NAME_MAX + 2, "%s", val);
                continue;
            }
            if (config_set(c, key, val, e) < 0)
                return -1;
        }
    }
    return 0;
}

/* $OTA_FAKE_NOW (tests): the engine's clock is Unix seconds given in the
 * variable, or read from the file it names at every look, so a test moves
 * otad's time by rewriting that file; never sleeps.  An unreadable file
 * gives the system's time. */
static char fake_now_file[4096];
static int64_t fake_now;

static int64_t fake_clock_now(void *ctx)
{
    (void)ctx;
    if (!fake_now_file[0])
        return fake_now;
    char buf[32];
    FILE *f = fopen(fake_now_file, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    char *end;
    long long t = strtoll(buf, &end, 10);
    if (end == buf)
        return ota_clock_now(NULL);
    return t;
}

static void fake_clock(ota_engine_opts *o)
{
    const char *v = getenv("OTA_FAKE_NOW");
    if (!v || !*v)
        return;
    char *end;
    long long t = strtoll(v, &end, 10);
    if (*end)
        snprintf(fake_now_file, sizeof fake_now_file, "%s", v);
    else
        fake_now = t;
    o->clock = (ota_clock){fake_clock_now, NULL};
}

static ota_engine *engine_open(otad_config *c, ota_err *e)
{
    ota_engine_opts o;
    memset(&o, 0, sizeof o);
    fake_clock(&o);
    o.db_path = c->db[0] ? c->db : NULL;
    o.blob_dir = c->blobs[0] ? c->blobs : NULL;
    o.actor = "otad";
    ota_engine *eng = ota_engine_open(&o, e);
    if (eng && c->trusted[0])
        ota_engine_set_trusted_dir(eng, c->trusted);
    return eng;
}

static int die(const ota_err *e)
{
    char buf[600];
    fprintf(stderr, "otad: %s\n", ota_err_format(e, buf, sizeof buf));
    return e->code == OTA_E_BAD_REQUEST ? 2 : 1;
}

/* ---------------------------------------------------------------- tokens */
static int cmd_token(int argc, char **argv)
{
    otad_config c;
    config_defaults(&c);
    ota_err e;
    ota_err_clear(&e);
    char *pos[64];
    int npos = 0;
    char role[32] = "", name[OTA_TOKEN_NAME_MAX + 2] = "";
    if (argc > 64 || args_parse(&c, argc, argv, pos, &npos, role, name, &e) < 0)
        return die(&e);
    if (npos < 1) {
        usage(stderr);
        return 2;
    }
    ota_engine *eng = engine_open(&c, &e);
    if (!eng)
        return die(&e);
    int rc = 0;
    if (!strcmp(pos[0], "create") && npos == 1) {
        ota_role r;
        if (ota_role_parse(role, &r) < 0) {
            ota_fail(&e, OTA_E_BAD_REQUEST, "role", "--role must be viewer, operator or admin (got '%s')", role);
            rc = die(&e);
        } else {
            char secret[OTA_TOKEN_LEN + 1];
            ota_token_info ti;
            if (ota_token_create(eng, name[0] ? name : NULL, r, secret, &ti, &e) < 0) {
                rc = die(&e);
            } else {
                printf("# token '%s' (%s); shown only now, store it safely:\n%s\n", ti.name, ota_role_str(ti.role),
                       secret);
                memset(secret, 0, sizeof secret);
            }
        }
    } else if (!strcmp(pos[0], "list") && npos == 1) {
        ota_token_list l;
        if (ota_token_list_all(eng, &l, &e) < 0) {
            rc = die(&e);
        } else {
            printf("%-24s %-9s %-21s %s\n", "NAME", "ROLE", "CREATED", "STATUS");
            for (size_t i = 0; i < l.n; i++) {
                char t[32], rv[40] = "active";
                if (l.items[i].revoked_at) {
                    char t2[32];
                    snprintf(rv, sizeof rv, "revoked %s", ota_time_format(l.items[i].revoked_at, t2, sizeof t2));
                }
                printf("%-24s %-9s %-21s %s\n", l.items[i].name, ota_role_str(l.items[i].role),
                       ota_time_format(l.items[i].created_at, t, sizeof t), rv);
            }
            ota_token_list_free(&l);
        }
    } else if (!strcmp(pos[0], "revoke") && (npos == 2 || (npos == 1 && name[0]))) {
        const char *n = npos == 2 ? pos[1] : name;
        if (ota_token_revoke(eng, n, &e) < 0)
            rc = die(&e);
        else
            printf("revoked token '%s'\n", n);
    } else {
        usage(stderr);
        rc = 2;
    }
    ota_engine_close(eng);
    return rc;
}

/* ---------------------------------------------------------------- server */
static pthread_mutex_t tick_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tick_cv = PTHREAD_COND_INITIALIZER;

/* Plans end by the clock even when no device checks in; the log buffer
 * is written out every 200 ms. */
static void *tick_main(void *arg)
{
    otad *s = arg;
    int64_t next_tick = 0;
    pthread_mutex_lock(&tick_mu);
    while (!atomic_load(&s->stopping)) {
        pthread_mutex_unlock(&tick_mu);
        if (mono_ns() >= next_tick) {
            ota_err e;
            if (ota_engine_tick(s->eng, &e) < 0)
                otad_log(LOG_WARN, "engine tick: %s: %s", ota_code_str(e.code), e.message);
            next_tick = mono_ns() + (int64_t)s->cfg.tick_ms * 1000000;
        }
        otad_log_flush();
        pthread_mutex_lock(&tick_mu);
        int ms = s->cfg.tick_ms < 200 ? s->cfg.tick_ms : 200;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)ms * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!atomic_load(&s->stopping))
            pthread_cond_timedwait(&tick_cv, &tick_mu, &ts);
    }
    pthread_mutex_unlock(&tick_mu);
    return NULL;
}

/* Packages stored before SHA-1 and MD5 were recorded get them once, before
 * the first request, so hawkBit agents (which check them) never wait for a
 * re-hash at deploy time.  A blob that cannot be read is logged and left
 * for the deploy-time fill to report. */
static void hashes_fill(ota_engine *eng)
{
    ota_err e;
    ota_err_clear(&e);
    long filled = 0;
    int rc = ota_package_fill_hashes(eng, 0, &filled, &e);
    if (filled || rc < 0)
        otad_log(rc < 0 ? LOG_WARN : LOG_INFO, "package hashes: filled SHA-1 and MD5 of %ld stored files%s%s",
                 filled, rc < 0 ? "; not all: " : "", rc < 0 ? e.message : "");
    otad_log_flush();
}

static int serve(otad *s)
{
    ota_err e;
    ota_err_clear(&e);
    /* Signals are taken by sigwait below, never by a handler on a random
     * thread; every thread started from here inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    s->eng = engine_open(&s->cfg, &e);
    if (!s->eng)
        return die(&e);
    /* checkpoints off the commit path: no writing check-in waits for one */
    if (ota_engine_background_checkpoints(s->eng, &e) < 0)
        otad_log(LOG_WARN, "checkpoints stay in the commits: %s", e.message);
    hashes_fill(s->eng);
    healthz_init(s);
    if (s->cfg.auth_fail_limit > 0 &&
        !(s->thr = throttle_new(THROTTLE_SLOTS, s->cfg.auth_fail_limit, s->cfg.auth_fail_window))) {
        ota_engine_close(s->eng);
        ota_fail(&e, OTA_E_INTERNAL, NULL, "out of memory for the failed-authentication table");
        return die(&e);
    }
    s->daemon = http_start(s, &e);
    if (!s->daemon) {
        throttle_free(s->thr);
        ota_engine_close(s->eng);
        if (e.code == OTA_E_CONFLICT) {  /* the address is taken: one line naming it */
            fprintf(stderr, "otad: %s\n", e.message);
            return 1;
        }
        return die(&e);
    }
    /* cfg.port is the port bound (http_start), also when 0 asked for any */
    otad_log(LOG_INFO, "listening on %s://%s:%d (db %s, blobs %s, instance %s)",
             s->cfg.tls_cert[0] ? "https" : "http", s->cfg.listen_addr, s->cfg.port, ota_engine_db_path(s->eng),
             ota_engine_blob_dir(s->eng), s->instance);
    otad_log_flush();
    pthread_t tick;
    pthread_create(&tick, NULL, tick_main, s);
    warm_start(s);  /* after the listener: /healthz and check-ins are answered meanwhile */

    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        otad_log(LOG_INFO, "SIGHUP ignored (restart to reload the configuration)");
    otad_log(LOG_INFO, "signal %d: stopping (no new connections; finishing requests in flight)", sig);

    atomic_store(&s->stopping, true);
    MHD_socket ls = MHD_quiesce_daemon(s->daemon);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    for (int i = 0; i < 3000 && atomic_load(&s->m.inflight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&s->m.inflight))
        otad_log(LOG_WARN, "%lu requests still running after 30 s; closing them", atomic_load(&s->m.inflight));
    warm_stop();
    http_stop(s);
    pthread_mutex_lock(&tick_mu);
    pthread_cond_broadcast(&tick_cv);
    pthread_mutex_unlock(&tick_mu);
    pthread_join(tick, NULL);
    throttle_free(s->thr);
    ota_engine_close(s->eng);
    otad_log(LOG_INFO, "stopped");
    otad_log_flush();
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stderr, NULL, _IOLBF, 0);
    int info = args_info(argc - 1, argv + 1);
    if (info == 'h') {
        usage(stdout);
        return 0;
    }
    if (info == 'v' || (argc > 1 && !strcmp(argv[1], "version"))) {
        version();
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "token"))
        return cmd_token(argc - 2, argv + 2);
    static otad s;
    g_otad = &s;
    config_defaults(&s.cfg);
    ota_err e;
    ota_err_clear(&e);
    char *pos[64];
    int npos = 0;
    if (argc - 1 > 64 || args_parse(&s.cfg, argc - 1, argv + 1, pos, &npos, NULL, NULL, &e) < 0)
        return die(&e);
    if (npos) {
        fprintf(stderr, "otad: unexpected argument '%s'\n", pos[0]);
        usage(stderr);
        return 2;
    }
    otad_log_set_level(s.cfg.log_level);
    return serve(&s);
}
