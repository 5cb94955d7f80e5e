/* otactl __complete: candidates for shell completion, from the one command
 * table, so data/bash-completion/otactl never carries a copy of it.
 *
 *   otactl __complete WORD...   the words typed after "otactl", the last
 *                               one being completed (may be empty)
 *
 * Prints one candidate a line: global options and groups, a group's verbs,
 * a command's options (read from its usage line), and, where the usage
 * names one, the product keys, plan ids or package ids of the local engine
 * (--db, $OTA_DB or the default path).  The database is opened only when
 * its file exists, and nothing is written to stderr: completion never
 * creates a database, never asks a server, never clutters the terminal,
 * and gives up (offering nothing) after 2 s on a database locked by another
 * process.
 * Prints "__files__" where a file name is wanted (the script completes
 * files then).  Exit status 0. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "otactl.h"

static const char *const global_flags[] = {"--db", "--json", "--remote", "--token", "--token-file",
                                           "--profile", "--cacert", "--insecure", "--device-key",
                                           "--device-token-file", "--help", "--version", NULL};
/* Global options that take a value (the next word). */
static int global_takes_value(const char *w)
{
    static const char *const v[] = {"--db", "--remote", "--token", "--token-file", "--profile",
                                    "--cacert", "--device-key", "--device-token-file", NULL};
    for (int i = 0; v[i]; i++)
        if (!strcmp(w, v[i]))
            return 1;
    return 0;
}

/* The usage line's word that follows the option "--name" ("--name X"):
 * 1 when the option takes a value. */
static int usage_opt_takes_value(const char *usage, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = strstr(usage, opt); p; p = strstr(p + 1, opt)) {
        if (p[n] == ' ' && p[n + 1] != '-' && p[n + 1] != '[' && p[n + 1] != '(')
            return 1;
        if (p[n] == '=')
            return 1;
    }
    return 0;
}

/* Every "--option" the usage line names, once. */
static void print_usage_opts(const char *usage)
{
    char seen[1024] = " ";
    for (const char *p = strstr(usage, "--"); p; p = strstr(p + 2, "--")) {
        size_t n = 2;
        while (p[n] && (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9')))
            n++;
        if (n <= 2)
            continue;
        char opt[64];
        snprintf(opt, sizeof opt, " %.*s ", (int)n, p);
        if (strstr(seen, opt) || strlen(seen) + strlen(opt) >= sizeof seen)
            continue;
        strcat(seen, opt + 1);
        printf("%.*s\n", (int)n, p);
    }
}

/* The kind of the npos-th positional (0-based) of a usage line: its
 * upper-case words in order ("ID", "PRODUCT", "FILE.json", ...), skipping
 * options and their values and anything in brackets. */
static void usage_positional(const char *usage, int npos, char *out, size_t len)
{
    int depth = 0, k = 0;
    out[0] = 0;
    for (const char *p = usage; *p;) {
        if (*p == '[' || *p == '(') {
            depth++, p++;
            continue;
        }
        if (*p == ']' || *p == ')') {
            depth--, p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        const char *w = p;
        while (*p && *p != ' ' && *p != '[' && *p != ']' && *p != '(' && *p != ')')
            p++;
        if (depth > 0)
            continue;
        if (w[0] == '-') {  /* an option; its value word follows */
            while (*p == ' ')
                p++;
            if (*p && *p != '-' && *p != '[')
                while (*p && *p != ' ')
                    p++;
            continue;
        }
        if (k++ == npos) {
            snprintf(out, len, "%.*s", (int)(p - w), w);
            return;
        }
    }
}

static int db_exists(cli *c)
{
    char db[1024], blobs[1024];
    struct stat st;
    const char *path = c->db;
    if (!path) {
        if (ota_default_paths(db, sizeof db, blobs, sizeof blobs) < 0)
            return 0;
        path = db;
    }
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A TAB never hangs: a database another process holds locked ends the
 * completion quietly, offering nothing (_exit drops what is still buffered). */
static void complete_timeout(int sig)
{
    (void)sig;
    _exit(CLI_OK);
}

static void print_ids(cli *c, const char *kind)
{
    if (c->remote.url || c->remote.profile || !db_exists(c))
        return;
    /* a broken or foreign database says nothing here */
    fflush(stderr);
    int saved = dup(2), nul = open("/dev/null", O_WRONLY);
    if (saved >= 0 && nul >= 0)
        dup2(nul, 2);
    signal(SIGALRM, complete_timeout);
    alarm(2);
    ota_backend *b = cli_backend(c);
    ota_err e = {0};
    if (b && !strcmp(kind, "product")) {
        ota_product_list l = {0};
        if (b->ops->product_list_all(b, &l, &e) == 0)
            for (size_t i = 0; i < l.n; i++)
                printf("%s\n", l.items[i].key);
        ota_product_list_free(&l);
    } else if (b && !strcmp(kind, "plan")) {
        ota_page_req pg = {.limit = 1000};
        ota_plan_page page = {0};
        if (b->ops->plan_list(b, -1, NULL, &pg, &page, &e) == 0)
            for (size_t i = 0; i < page.n; i++)
                printf("%lld\n", (long long)page.items[i].id);
        ota_plan_page_free(&page);
    } else if (b && !strcmp(kind, "package")) {
        ota_page_req pg = {.limit = 1000};
        ota_package_page page = {0};
        if (b->ops->package_list(b, NULL, &pg, &page, &e) == 0)
            for (size_t i = 0; i < page.n; i++)
                printf("%lld\n", (long long)page.items[i].id);
        ota_package_page_free(&page);
    }
    if (b)
        ota_backend_close(b);
    alarm(0);
    c->b = NULL;
    fflush(stderr);
    if (saved >= 0 && nul >= 0)
        dup2(saved, 2);
    if (saved >= 0)
        close(saved);
    if (nul >= 0)
        close(nul);
}

/* Each group once, in table order. */
static void print_groups(const cli_cmd *commands, size_t ncommands)
{
    for (size_t k = 0; k < ncommands; k++) {
        size_t j = 0;
        while (j < k && strcmp(commands[j].group, commands[k].group))
            j++;
        if (j == k)
            puts(commands[k].group);
    }
}

/* The word after the n typed ones (typed[0..n)) of group's verbs, each once. */
static void print_verb_words(const cli_cmd *commands, size_t ncommands, const char *group, char **typed,
                             int n)
{
    char seen[2048] = " ";
    for (size_t k = 0; k < ncommands; k++) {
        const char *v = commands[k].verb;
        if (strcmp(commands[k].group, group) || !v)
            continue;
        int i = 0;
        for (; i < n && *v; i++) {  /* the typed words must be this verb's first ones */
            size_t len = strcspn(v, " ");
            if (strlen(typed[i]) != len || strncmp(typed[i], v, len))
                break;
            v += len + (v[len] == ' ');
        }
        if (i < n || !*v)
            continue;
        char word[80];
        snprintf(word, sizeof word, " %.*s ", (int)strcspn(v, " "), v);
        if (strstr(seen, word) || strlen(seen) + strlen(word) >= sizeof seen)
            continue;
        strcat(seen, word + 1);
        printf("%.*s\n", (int)strcspn(v, " "), v);
    }
}

int cli_complete(const cli_cmd *commands, size_t ncommands, int argc, char **argv)
{
    cli c = {0};
    int i = 0;
    /* argv: the words after "otactl"; the last is being completed. */
    int last = argc - 1;
    if (last < 0)
        last = 0, argc = 0;
    /* global options before the command */
    while (i < last && argv[i][0] == '-') {
        if (global_takes_value(argv[i])) {
            if (i + 1 < last && !strcmp(argv[i], "--db"))
                c.db = argv[i + 1];
            if (i + 1 < last && !strcmp(argv[i], "--remote"))
                c.remote.url = argv[i + 1];
            if (i + 1 < last && !strcmp(argv[i], "--profile"))
                c.remote.profile = argv[i + 1];
            i += 2;
        } else {
            i++;
        }
    }
    if (i > last)  /* completing a global option's value */
        i = last;
    const char *prev = last > 0 ? argv[last - 1] : "";
    if (i == last) {
        if (last > 0 && global_takes_value(prev)) {
            if (!strcmp(prev, "--db") || !strcmp(prev, "--token-file") || !strcmp(prev, "--cacert") ||
                !strcmp(prev, "--device-token-file"))
                puts("__files__");
            return CLI_OK;
        }
        for (int g = 0; global_flags[g]; g++)
            puts(global_flags[g]);
        puts("help");
        print_groups(commands, ncommands);
        return CLI_OK;
    }
    const char *group = argv[i];
    if (!strcmp(group, "help")) {
        if (i + 1 == last)
            print_groups(commands, ncommands);
        return CLI_OK;
    }
    const cli_cmd *cmd = NULL;
    int verb_at = i + 1;
    for (size_t k = 0; k < ncommands; k++)
        if (!strcmp(commands[k].group, group) && !commands[k].verb)
            cmd = &commands[k], verb_at = i;
    if (!cmd) {
        /* a verb's words one at a time ("device token <TAB>": issue, revoke) */
        for (int w = verb_at; w <= last && !cmd; w++) {
            if (w == last) {
                print_verb_words(commands, ncommands, group, argv + verb_at, w - verb_at);
                return CLI_OK;
            }
            for (size_t k = 0; k < ncommands && !cmd; k++)
                if (!strcmp(commands[k].group, group) && commands[k].verb &&
                    cli_verb_match(commands[k].verb, argv + verb_at, w - verb_at + 1) == w - verb_at + 1)
                    cmd = &commands[k], verb_at = w;
        }
        if (!cmd)
            return CLI_OK;
    }
    /* after "group verb": an option's value, an option, or a positional */
    if (prev[0] == '-' && last - 1 > verb_at) {
        if (!strcmp(prev, "--state"))
            for (int s = 0; s < OTA_PLAN__COUNT; s++)
                puts(ota_plan_state_str((ota_plan_state)s));
        else if (!strcmp(prev, "--device-auth"))
            puts("product_key\ndevice_token");
        else if (!strcmp(prev, "--enrollment"))
            puts("open\nclosed");
        else if (!strcmp(prev, "--product"))
            print_ids(&c, "product");
        else if (!strcmp(prev, "--plan"))
            print_ids(&c, "plan");
        else if (!strcmp(prev, "--key") || !strcmp(prev, "--trusted") || !strcmp(prev, "--out") ||
                 !strcmp(prev, "--device-token-file") || !strcmp(prev, "--token-file") || !strcmp(prev, "--cacert"))
            puts("__files__");
        if (usage_opt_takes_value(cmd->usage, prev) || global_takes_value(prev))
            return CLI_OK;
    }
    if (argv[last][0] == '-') {
        print_usage_opts(cmd->usage);
        puts("--json");
        return CLI_OK;
    }
    int npos = 0;
    for (int w = verb_at + 1; w < last; w++) {
        if (argv[w][0] == '-') {
            if (usage_opt_takes_value(cmd->usage, argv[w]) || global_takes_value(argv[w]))
                w++;
            continue;
        }
        npos++;
    }
    char kind[64];
    usage_positional(cmd->usage, npos, kind, sizeof kind);
    if (!strcmp(kind, "PRODUCT"))
        print_ids(&c, "product");
    else if (!strcmp(kind, "FROM_ID") || !strcmp(kind, "TO_ID") || (!strcmp(kind, "ID") && strcmp(group, "device")))
        print_ids(&c, !strcmp(group, "package") ? "package" : "plan");  /* a device's ID: none offered */
    else if (!strncmp(kind, "FILE", 4) || !strcmp(kind, "DIR") || !strcmp(kind, "DEST"))
        puts("__files__");
    return CLI_OK;
}
