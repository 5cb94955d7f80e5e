/* otactl main: global flags, the command table and dispatch.
 *
 * To add a command: write its handler in a cmd_*.c file, declare it in
 * otactl.h and add one row to commands[] below; usage text, dispatch and
 * "otactl help" all come from that row. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "otactl.h"
#include "cmd_devauth.h"
#include "cmd_push.h"
#include "cmd_trust.h"

static const cli_cmd commands[] = {
    {"product", "add", cmd_product_add, "KEY NAME"},
    {"product", "list", cmd_product_list, ""},
    {"device", "import", cmd_device_import, "PRODUCT FILE(.json|.csv)"},
    {"device", "list", cmd_device_list, "PRODUCT [--query Q] [--limit N] [--cursor C]"},
    {"device", "show", cmd_device_show, "PRODUCT ID (versions, telemetry, attributes)"},
    {"device", "checkin", cmd_device_checkin,
     "PRODUCT DEVICE --versions C=V[,C=V...] [--rsrp N] [--battery N]"},
    {"device", "confirm", cmd_device_confirm, "JOB"},
    {"device", "report", cmd_device_report,
     "JOB downloading|installing|succeeded|failed [--progress N] [--error TEXT]"},
    {"fleet", "generate", cmd_fleet_generate,
     "PRODUCT N [--seed S] [--prefix P --versions C=V[:W]|V,...] [--out FILE.csv]"},
    {"package", "add", cmd_package_add,
     "--component C --kind full|diff --target V [--source V] [--remark TEXT] FILE..."},
    {"package", "list", cmd_package_list, "[--component C] [--limit N] [--cursor C]"},
    {"package", "show", cmd_package_show, "ID"},
    {"package", "verify", cmd_package_verify_signed, "ID [--trusted DIR] (hashes and signatures)"},
    {"package", "delete", cmd_package_delete, "ID"},
    {"package", "download", cmd_package_download, "ID FILE_NAME [DEST]"},
    {"package", "fill-hashes", cmd_package_fill_hashes, "[ID] (SHA-1/MD5 of files stored before; local engine)"},
    {"plan", "create", cmd_plan_create, "FILE.json"},
    {"plan", "edit", cmd_plan_edit, "ID FILE.json --revision N"},
    {"plan", "show", cmd_plan_show, "ID"},
    {"plan", "list", cmd_plan_list, "[--state S] [--product P] [--limit N] [--cursor C]"},
    {"plan", "delete", cmd_plan_delete, "ID"},
    {"plan", "copy-components", cmd_plan_copy_components, "FROM_ID TO_ID"},
    {"plan", "activate", cmd_plan_activate, "ID"},
    {"plan", "pause", cmd_plan_pause, "ID"},
    {"plan", "resume", cmd_plan_resume, "ID"},
    {"plan", "terminate", cmd_plan_terminate, "ID"},
    {"plan", "advance", cmd_plan_advance, "ID (open the next wave of a staged plan)"},
    {"plan", "status", cmd_plan_status, "ID"},
    {"plan", "devices", cmd_plan_devices, "ID [--state S] [--limit N] [--cursor C]"},
    {"plan", "events", cmd_plan_events, "ID [--since SEQ] [--limit N]"},
    {"plan", "preview", cmd_plan_preview, "ID"},
    {"sim", NULL, cmd_sim,
     "[--plan ID] [--seed N] [--ticks N | --until-done] [--rate R] [--failure-rate F] "
     "[--tick-seconds S] [--quiet]"},
    {"demo", "seed", cmd_demo_seed, "[--devices N]"},
    CMD_PUSH_TABLE /* cli/cmd_push.h: push, pull, export, import */
    CMD_TRUST_TABLE /* cli/cmd_trust.h: key, package sign/verify, audit */
    CMD_DEVAUTH_TABLE /* cli/cmd_devauth.h: product auth, device token(s) */
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char global_usage[] =
    "usage: otactl [--db PATH] [--json] [--remote URL --token T | --profile NAME] COMMAND ...\n";

static void print_usage(FILE *f, const char *group)
{
    fputs(global_usage, f);
    fputs("\ncommands:\n", f);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const cli_cmd *k = &commands[i];
        if (group && strcmp(group, k->group))
            continue;
        fprintf(f, "  otactl %s%s%s%s%s\n", k->group, k->verb ? " " : "", k->verb ? k->verb : "",
                *k->usage ? " " : "", k->usage);
    }
    fputs("\nglobal options (anywhere): --db PATH  --json  --remote URL  --token T  --token-file F\n"
          "  --profile NAME  --cacert FILE  --insecure  --device-key K  --device-token-file F\n"
          "otactl --help, otactl help [GROUP]: this help; otactl --version: the version\n"
          "exit status: 0 ok, 1 refused (otactl: code: field: message), 2 usage\n", f);
}

/* Global options, accepted before the command and among its arguments.
 * Returns the number of words consumed (1 or 2), 0 if argv[0] is not one,
 * -1 when its value is missing. */
static int cli_global_opt(cli *c, int argc, char **argv)
{
    static const struct { const char *name; size_t off; } with_arg[] = {
        {"--db", 0}, {"--remote", 1}, {"--token", 2}, {"--token-file", 3},
        {"--profile", 4}, {"--cacert", 5}, {"--device-key", 6}, {"--device-token-file", 7},
    };
    const char *a = argv[0];
    if (!strcmp(a, "--json")) {
        c->json = true;
        return 1;
    }
    if (!strcmp(a, "--insecure")) {
        c->remote.insecure = true;
        return 1;
    }
    for (size_t i = 0; i < sizeof with_arg / sizeof with_arg[0]; i++) {
        size_t n = strlen(with_arg[i].name);
        const char *val = NULL;
        int used = 0;
        if (!strcmp(a, with_arg[i].name)) {
            if (argc < 2)
                return -1;
            val = argv[1];
            used = 2;
        } else if (!strncmp(a, with_arg[i].name, n) && a[n] == '=') {
            val = a + n + 1;
            used = 1;
        } else {
            continue;
        }
        const char **slots[] = {&c->db, &c->remote.url, &c->remote.token, &c->remote.token_file,
                                &c->remote.profile, &c->remote.cacert, &c->remote.device_key,
                                &c->remote.device_token_file};
        *slots[with_arg[i].off] = val;
        return used;
    }
    return 0;
}

int cli_verb_match(const char *verb, char **words, int nwords)
{
    int used = 0;
    for (const char *w = verb; *w; used++) {
        size_t n = strcspn(w, " ");
        if (used >= nwords || strlen(words[used]) != n || strncmp(words[used], w, n))
            return 0;
        w += n + (w[n] == ' ');
    }
    return used;
}

/* The command named by words (after the group): *used receives how many
 * words its verb took (0 for a one-word command); *partial whether words
 * begin a longer verb ("device token" of "device token issue"). */
static const cli_cmd *find_command(const char *group, char **words, int nwords, bool *group_known,
                                   int *used, bool *partial)
{
    *group_known = *partial = false;
    *used = 0;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].group, group))
            continue;
        *group_known = true;
        if (!commands[i].verb)
            return &commands[i];
        int n = cli_verb_match(commands[i].verb, words, nwords);
        if (n) {
            *used = n;
            return &commands[i];
        }
        size_t first = strcspn(commands[i].verb, " ");
        if (nwords > 0 && commands[i].verb[first] && strlen(words[0]) == first &&
            !strncmp(words[0], commands[i].verb, first))
            *partial = true;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    cli c = {0};
    int i = 1;
    if (argc > 1 && !strcmp(argv[1], "__complete"))  /* shell completion (complete.c) */
        return cli_complete(commands, NCOMMANDS, argc - 2, argv + 2);
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_usage(stdout, NULL);
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("otactl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return CLI_OK;
        }
        int used = cli_global_opt(&c, argc - i, argv + i);
        if (used <= 0) {
            fprintf(stderr, "otactl: %s: %s\n", argv[i], used < 0 ? "needs a value" : "unknown option");
            print_usage(stderr, NULL);
            return CLI_USAGE;
        }
        i += used;
    }
    if (i >= argc) {
        print_usage(stderr, NULL);
        return CLI_USAGE;
    }
    if (!strcmp(argv[i], "help")) {
        print_usage(stdout, i + 1 < argc ? argv[i + 1] : NULL);
        return CLI_OK;
    }
    bool group_known, partial;
    int used;
    const char *verb = i + 1 < argc ? argv[i + 1] : NULL;
    const cli_cmd *k = find_command(argv[i], argv + i + 1, argc - i - 1, &group_known, &used, &partial);
    if (!k) {
        if (partial)
            fprintf(stderr, "otactl: %s %s: which command?\n", argv[i], verb);
        else if (group_known)
            fprintf(stderr, "otactl: %s: %s\n", argv[i], verb ? "unknown command" : "which command?");
        else
            fprintf(stderr, "otactl: %s: unknown command\n", argv[i]);
        print_usage(stderr, group_known ? argv[i] : NULL);
        return CLI_USAGE;
    }
    c.cmd = k;
    int skip = 1 + used;
    int rc = k->run(&c, argc - i - skip, argv + i + skip);
    ota_backend_close(c.b);
    fflush(stdout);
    return rc;
}

int cli_usage(cli *c, const char *fmt, ...)
{
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        fputs("otactl: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    const cli_cmd *k = c->cmd;
    fprintf(stderr, "usage: otactl %s%s%s%s%s\n", k->group, k->verb ? " " : "", k->verb ? k->verb : "",
            *k->usage ? " " : "", k->usage);
    return CLI_USAGE;
}

int cli_fail(const ota_err *e)
{
    char buf[700];
    fprintf(stderr, "otactl: %s\n", ota_err_format(e, buf, sizeof buf));
    return CLI_REFUSED;
}

int cli_refuse(ota_code code, const char *field, const char *fmt, ...)
{
    ota_err e = {0};
    va_list ap;
    va_start(ap, fmt);
    e.code = code;
    snprintf(e.field, sizeof e.field, "%s", field ? field : "");
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    return cli_fail(&e);
}

cli_opt *cli_opt_get(cli_opt *opts, const char *name)
{
    for (; opts && opts->name; opts++)
        if (!strcmp(opts->name, name))
            return opts;
    return NULL;
}

int cli_args(cli *c, int argc, char **argv, cli_opt *opts, char **pos, int *npos, int min, int max)
{
    bool only_pos = false;
    *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || !a[1]) {
            if (*npos >= max) {
                cli_usage(c, "unexpected argument \"%s\"", a);
                return -1;
            }
            pos[(*npos)++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        int g = cli_global_opt(c, argc - i, argv + i);
        if (g < 0) {
            cli_usage(c, "%s needs a value", a);
            return -1;
        }
        if (g > 0) {
            i += g - 1;
            continue;
        }
        const char *name = a + 2, *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        cli_opt *o = NULL;
        for (cli_opt *p = opts; a[1] == '-' && p && p->name; p++)
            if (strlen(p->name) == nlen && !strncmp(p->name, name, nlen))
                o = p;
        if (!o) {
            cli_usage(c, "%s: unknown option", a);
            return -1;
        }
        if (o->set) {  /* which of two values was meant is anyone's guess */
            cli_usage(c, "--%s given twice", o->name);
            return -1;
        }
        o->set = true;
        if (!o->has_arg) {
            if (eq) {
                cli_usage(c, "--%s takes no value", o->name);
                return -1;
            }
            continue;
        }
        if (eq) {
            o->val = eq + 1;
        } else if (i + 1 < argc) {
            o->val = argv[++i];
        } else {
            cli_usage(c, "--%s needs a value", o->name);
            return -1;
        }
    }
    if (*npos < min) {
        cli_usage(c, "missing argument%s", min - *npos > 1 ? "s" : "");
        return -1;
    }
    return 0;
}

/* The backend; dc (NULL: none) the device side's credentials its device
 * calls speak with. */
static ota_backend *backend_open(cli *c, const ota_device_creds *dc)
{
    ota_err e = {0};
    if (c->b)
        return c->b;
    ota_remote_conf conf;
    if (ota_remote_conf_resolve(&c->remote, &conf, &e) < 0) {
        cli_fail(&e);
        return NULL;
    }
    if (conf.url[0]) {
        if (c->db) {
            ota_remote_conf_clear(&conf);
            cli_refuse(OTA_E_BAD_REQUEST, "db", "--db and a remote server exclude each other");
            return NULL;
        }
        ota_remote_opts o;
        ota_remote_conf_opts(&conf, &o);
        o.device_token = dc && dc->token[0] ? dc->token : NULL;
        c->b = ota_backend_remote_open(&o, &e);
    } else {
        c->b = ota_backend_local_open(c->db, NULL, ota_clock_system(), &e);
        if (c->b && dc && ota_backend_local_device_auth(c->b, dc->key, dc->token, &e) < 0) {
            ota_backend_close(c->b);
            c->b = NULL;
        }
    }
    ota_remote_conf_clear(&conf);
    if (!c->b)
        cli_fail(&e);
    return c->b;
}

ota_backend *cli_backend(cli *c)
{
    return backend_open(c, NULL);
}

ota_backend *cli_backend_device(cli *c)
{
    ota_err e = {0};
    ota_device_creds dc;
    if (ota_device_creds_resolve(&c->remote, &dc, &e) < 0) {
        cli_fail(&e);
        return NULL;
    }
    ota_backend *b = backend_open(c, &dc);
    ota_device_creds_clear(&dc);
    return b;
}

ota_backend *cli_backend_fake(cli *c, int64_t t0)
{
    ota_err e = {0};
    if (c->remote.url || c->remote.profile) {
        cli_refuse(OTA_E_BAD_REQUEST, NULL, "this command runs on the local engine only (drop --remote)");
        return NULL;
    }
    c->fake.t = t0;
    c->b = ota_backend_local_open(c->db, NULL, ota_clock_fake(&c->fake), &e);
    if (!c->b)
        cli_fail(&e);
    return c->b;
}
