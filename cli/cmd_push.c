/* cmd_push.c: offline drafting for otactl: push a local plan to a server,
 * pull one back, and carry plans and packages as files (client/push.h does
 * the work; this file parses, opens the backends and prints).  With no
 * token for the server, push and pull ask for one on the terminal. */
#include "cmd_push.h"
#include "push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The two ends of a push or pull: the local engine (--db) and the server. */
typedef struct ends {
    ota_backend *local, *remote;
    char url[400];
} ends;

/* No token for the server anywhere (arguments, environment, profile): ask
 * on the terminal without echo, or refuse before contacting it. */
static int token_ask(const char *url, char *out, size_t len, ota_err *e)
{
    struct termios was, quiet;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &was) < 0)
        return ota_fail(e, OTA_E_UNAUTHORIZED, "token",
                        "the server %s needs a token: give --token, --token-file, $OTA_TOKEN "
                        "or a profile with url = %s", url, url);
    fprintf(stderr, "Token for %s (not shown): ", url);
    quiet = was;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    bool got = fgets(out, (int)len, stdin) != NULL;
    tcsetattr(STDIN_FILENO, TCSANOW, &was);
    fputc('\n', stderr);
    if (got)
        out[strcspn(out, "\r\n")] = 0;
    if (!got || !out[0])
        return ota_fail(e, OTA_E_UNAUTHORIZED, "token", "no token given for %s", url);
    return 0;
}

static int ends_open(cli *c, ends *x)
{
    ota_err e = {0};
    ota_remote_conf conf;
    memset(x, 0, sizeof *x);
    if (ota_remote_conf_resolve(&c->remote, &conf, &e) < 0)
        return cli_fail(&e);
    if (!conf.url[0])
        return cli_usage(c, "which server? give --remote URL (or --profile NAME)");
    snprintf(x->url, sizeof x->url, "%s", conf.url);
    if (!conf.token[0] && token_ask(conf.url, conf.token, sizeof conf.token, &e) < 0) {
        ota_remote_conf_clear(&conf);
        return cli_fail(&e);
    }
    x->remote = ota_remote_conf_open(&conf, &e);
    ota_remote_conf_clear(&conf);
    if (!x->remote)
        return cli_fail(&e);
    x->local = ota_backend_local_open(c->db, NULL, ota_clock_system(), &e);
    if (!x->local) {
        ota_backend_close(x->remote);
        return cli_fail(&e);
    }
    return CLI_OK;
}

static void ends_close(ends *x)
{
    ota_backend_close(x->local);
    ota_backend_close(x->remote);
}

static void print_diff(const char *diff)
{
    if (!diff[0])
        return;
    fputs("what differs (server vs local):\n", stderr);
    for (const char *s = diff; *s;) {
        const char *nl = strchr(s, '\n');
        int n = nl ? (int)(nl - s) : (int)strlen(s);
        fprintf(stderr, "  %.*s\n", n, s);
        s += n + (nl ? 1 : 0);
    }
}

static json_t *result_json(const ota_push_result *r, const char *url)
{
    return json_pack("{s:I, s:s, s:I, s:I, s:b, s:i, s:i}", "local_id", (json_int_t)r->local_id,
                     "server", url, "remote_id", (json_int_t)r->remote_id, "remote_revision",
                     (json_int_t)r->remote_revision, "created", r->created, "packages_copied",
                     r->uploaded, "packages_matched", r->matched);
}

int cmd_plan_push(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    int64_t id;
    if (cli_args(c, argc, argv, NULL, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0)
        return CLI_USAGE;
    ends x;
    int rc = ends_open(c, &x);
    if (rc != CLI_OK)
        return rc;
    ota_err e = {0};
    ota_push_result r;
    if (ota_plan_push(x.local, id, x.remote, x.url, &r, &e) < 0) {
        rc = cli_fail(&e);
        print_diff(r.diff);
    } else if (c->json) {
        cli_print_json(result_json(&r, x.url));
    } else {
        printf("pushed local plan %lld to %s: %s plan %lld, revision %lld "
               "(packages: %d uploaded, %d already there)\n",
               (long long)id, x.url, r.created ? "new" : "updated", (long long)r.remote_id,
               (long long)r.remote_revision, r.uploaded, r.matched);
    }
    ends_close(&x);
    return rc;
}

int cmd_plan_pull(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    int64_t id;
    if (cli_args(c, argc, argv, NULL, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0)
        return CLI_USAGE;
    ends x;
    int rc = ends_open(c, &x);
    if (rc != CLI_OK)
        return rc;
    ota_err e = {0};
    ota_push_result r;
    if (ota_plan_pull(x.remote, id, x.url, x.local, &r, &e) < 0)
        rc = cli_fail(&e);
    else if (c->json)
        cli_print_json(result_json(&r, x.url));
    else
        printf("pulled plan %lld (revision %lld) from %s as local draft plan %lld "
               "(packages: %d downloaded, %d already here)\n",
               (long long)id, (long long)r.remote_revision, x.url, (long long)r.local_id,
               r.uploaded, r.matched);
    ends_close(&x);
    return rc;
}

int cmd_plan_export(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    int64_t id;
    if (cli_args(c, argc, argv, NULL, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_err e = {0};
    json_t *doc = ota_plan_export(b, id, &e);
    if (!doc)
        return cli_fail(&e);
    if (json_dumpf(doc, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF || fflush(stdout)) {
        json_decref(doc);
        return cli_refuse(OTA_E_IO, NULL, "cannot write to standard output");
    }
    json_decref(doc);
    return CLI_OK;
}

int cmd_plan_import(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, NULL, pos, &n, 1, 1) < 0)
        return CLI_USAGE;
    ota_err e = {0};
    json_t *doc = cli_load_json(pos[0], &e);
    if (!doc)
        return cli_fail(&e);
    ota_backend *b = cli_backend(c);
    if (!b) {
        json_decref(doc);
        return CLI_REFUSED;
    }
    ota_plan p;
    int rc = ota_plan_import(b, doc, &p, &e);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(ota_json_plan(&p));
    else
        printf("imported plan %lld \"%s\" (saved, revision %lld)\n", (long long)p.id, p.name,
               (long long)p.revision);
    ota_plan_free(&p);
    return CLI_OK;
}

int cmd_package_export(cli *c, int argc, char **argv)
{
    char *pos[2];
    int n;
    int64_t id;
    if (cli_args(c, argc, argv, NULL, pos, &n, 2, 2) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_err e = {0};
    if (ota_package_export(b, id, pos[1], &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(json_pack("{s:I, s:s}", "id", (json_int_t)id, "dir", pos[1]));
    else
        printf("package %lld exported to %s (package.json and its files, SHA-256 verified)\n",
               (long long)id, pos[1]);
    return CLI_OK;
}

int cmd_package_import(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, NULL, pos, &n, 1, 1) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_err e = {0};
    ota_package p;
    bool existed = false;
    if (ota_package_import(b, pos[0], &p, &existed, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(json_pack("{s:I, s:b}", "id", (json_int_t)p.id, "existed", existed));
    else if (existed)
        printf("package already here as %lld (same files)\n", (long long)p.id);
    else
        printf("imported package %lld (%s %s, %zu file%s, SHA-256 verified)\n", (long long)p.id,
               p.meta.component, p.meta.target_version, p.nfiles, p.nfiles == 1 ? "" : "s");
    return CLI_OK;
}
