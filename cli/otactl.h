/* otactl: the scriptable command line over the backend interface.
 *
 * One command table (otactl.c) maps "group verb" to a handler and its usage
 * line; each cmd_*.c file holds the handlers of one group.  A handler gets
 * the words after the verb, parses them with cli_args(), opens the backend
 * with cli_backend() only once the arguments are known good (so a usage
 * error never creates a database), and returns an exit status:
 *   0 ok, 1 refused (cli_fail prints "otactl: code: field: message"),
 *   2 usage (cli_usage prints the command's usage line).
 */
#ifndef OTACTL_H
#define OTACTL_H

#include "backend.h"
#include "profile.h"

enum { CLI_OK = 0, CLI_REFUSED = 1, CLI_USAGE = 2 };

typedef struct cli cli;
typedef int (*cli_handler)(cli *c, int argc, char **argv);

typedef struct cli_cmd {
    const char *group;   /* "plan" */
    const char *verb;    /* "create", or two words ("token issue"); NULL for a one-word command ("sim") */
    cli_handler run;
    const char *usage;   /* arguments after "otactl group verb" */
} cli_cmd;

struct cli {
    const cli_cmd *cmd;       /* the command being run */
    bool json;                /* --json */
    const char *db;           /* --db PATH */
    ota_remote_args remote;   /* --remote URL --token T ... */
    ota_backend *b;           /* opened by cli_backend() */
    ota_fake_clock fake;      /* the clock of a local backend opened with cli_backend_fake() */
};

/* An option a command accepts: "--name VALUE" / "--name=VALUE" or a flag. */
typedef struct cli_opt {
    const char *name;
    bool has_arg;
    const char *val;   /* out: the value (has_arg) */
    bool set;          /* out: given */
} cli_opt;
#define OPT(n, arg) {.name = (n), .has_arg = (arg)}
#define OPT_END {.name = NULL}

/* Splits argv into options (opts, NULL-name terminated, and the global ones)
 * and positionals; -1 on an unknown option, a missing value or a positional
 * count outside [min,max] (after printing why). */
int cli_args(cli *c, int argc, char **argv, cli_opt *opts, char **pos, int *npos, int min, int max);
cli_opt *cli_opt_get(cli_opt *opts, const char *name);

/* Backend: local at --db (system clock), or remote when asked for. */
ota_backend *cli_backend(cli *c);
/* The same for the device side's commands (device checkin, confirm,
 * report, enroll): its device calls speak with the device's own token
 * (--device-token-file, $OTA_DEVICE_TOKEN) or the product's device key
 * (--device-key, $OTA_DEVICE_KEY, a profile's device_key), remotely sent
 * as otad's headers, locally judged by core as otad would. */
ota_backend *cli_backend_device(cli *c);
/* Local only, on a fake clock starting at t0 (the simulator, demo seeding). */
ota_backend *cli_backend_fake(cli *c, int64_t t0);

/* How many of words a verb ("create", "token issue") takes when they
 * name it, else 0. */
int cli_verb_match(const char *verb, char **words, int nwords);

/* otactl __complete WORD...: completion candidates from the command table
 * and the local engine (complete.c). */
int cli_complete(const cli_cmd *commands, size_t ncommands, int argc, char **argv);

int cli_fail(const ota_err *e);                        /* prints, returns CLI_REFUSED */
int cli_usage(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_refuse(ota_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Number parsing for arguments: a usage error (message printed) on junk. */
int cli_parse_id(cli *c, const char *s, const char *what, int64_t *out);
int cli_parse_int(cli *c, const char *s, const char *what, long lo, long hi, long *out);
int cli_parse_double(cli *c, const char *s, const char *what, double lo, double hi, double *out);
/* --limit/--cursor into a page request (usage error on junk). */
int cli_page(cli *c, cli_opt *opts, ota_page_req *pg);

/* Output */
void cli_print_json(json_t *j);                          /* steals j */
void cli_print_page(json_t *items, const char *next);    /* {"items":..,"next_cursor":..} */
const char *cli_time(int64_t t, char *buf, size_t len);  /* "-" for 0 */
const char *cli_size(uint64_t n, char *buf, size_t len); /* "1.2 MiB" */

/* Aligned tables: columns padded to the widest cell (display width, so CJK
 * text lines up), two spaces apart. */
typedef struct cli_table {
    int ncols;
    char **cells;
    size_t n, cap;
} cli_table;
void table_init(cli_table *t, int ncols, ...);           /* header cells */
void table_row(cli_table *t, ...);                       /* ncols cells (NULL = "") */
void table_print(cli_table *t);                          /* prints and frees */
int cli_display_width(const char *s);

/* Reads a whole file (for JSON input); NULL with an error. */
char *cli_read_file(const char *path, size_t *len, ota_err *e);
/* Reads and parses a JSON file. */
json_t *cli_load_json(const char *path, ota_err *e);

/* Where the demo fixtures live: $OTA_FIXTURES, the installed data folder,
 * or the source tree. */
const char *cli_fixtures_dir(void);

/* Fleet generator (fleet.c): deterministic devices as a device CSV. */
#define FLEET_MAX_COMPONENTS 8
#define FLEET_MAX_VERSIONS 8
typedef struct fleet_comp {
    char name[OTA_KEY_MAX + 1];
    char versions[FLEET_MAX_VERSIONS][OTA_KEY_MAX + 1];
    int weights[FLEET_MAX_VERSIONS];
    int n, total;
} fleet_comp;
/* splitmix64 step: the project's deterministic generator for fixtures. */
uint64_t fleet_mix(uint64_t *state);
/* "module=1.0.0:3|1.1.0:6,mcu=2.0|2.1" (":W" weights, default 1). */
int fleet_parse_versions(const char *spec, fleet_comp *out, size_t *n, ota_err *e);
int fleet_write_csv(FILE *f, const char *prefix, size_t n, uint64_t seed, const fleet_comp *comps,
                    size_t ncomps);
/* Generates and imports n devices through the backend. */
int fleet_import(ota_backend *b, const char *product, const char *prefix, size_t n, uint64_t seed,
                 const char *versions, ota_import_result *res, ota_err *e);

/* Handlers (one group per file) */
int cmd_product_add(cli *c, int argc, char **argv);
int cmd_product_list(cli *c, int argc, char **argv);
int cmd_device_import(cli *c, int argc, char **argv);
int cmd_device_list(cli *c, int argc, char **argv);
int cmd_device_show(cli *c, int argc, char **argv);
int cmd_device_checkin(cli *c, int argc, char **argv);
int cmd_device_confirm(cli *c, int argc, char **argv);
int cmd_device_report(cli *c, int argc, char **argv);
int cmd_fleet_generate(cli *c, int argc, char **argv);
int cmd_package_add(cli *c, int argc, char **argv);
int cmd_package_list(cli *c, int argc, char **argv);
int cmd_package_show(cli *c, int argc, char **argv);
int cmd_package_verify(cli *c, int argc, char **argv);
int cmd_package_delete(cli *c, int argc, char **argv);
int cmd_package_download(cli *c, int argc, char **argv);
int cmd_package_fill_hashes(cli *c, int argc, char **argv);
int cmd_plan_create(cli *c, int argc, char **argv);
int cmd_plan_edit(cli *c, int argc, char **argv);
int cmd_plan_show(cli *c, int argc, char **argv);
int cmd_plan_list(cli *c, int argc, char **argv);
int cmd_plan_delete(cli *c, int argc, char **argv);
int cmd_plan_copy_components(cli *c, int argc, char **argv);
int cmd_plan_activate(cli *c, int argc, char **argv);
int cmd_plan_pause(cli *c, int argc, char **argv);
int cmd_plan_advance(cli *c, int argc, char **argv);
int cmd_plan_resume(cli *c, int argc, char **argv);
int cmd_plan_terminate(cli *c, int argc, char **argv);
int cmd_plan_status(cli *c, int argc, char **argv);
int cmd_plan_devices(cli *c, int argc, char **argv);
int cmd_plan_events(cli *c, int argc, char **argv);
int cmd_plan_preview(cli *c, int argc, char **argv);
int cmd_sim(cli *c, int argc, char **argv);
int cmd_demo_seed(cli *c, int argc, char **argv);

/* Shared printers (cmd_plan.c, cmd_package.c) also used by demo and sim. */
void print_plan(const ota_plan *p);
void print_package(const ota_package *p);
void print_status_line(const ota_plan_status *s);

#endif
