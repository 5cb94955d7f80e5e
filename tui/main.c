/* main.c: otaconsole's command line, terminal setup and teardown.
 *
 *   otaconsole [--db PATH] [--remote URL --token T [--insecure] [--cacert F]]
 *              [--theme NAME] [--dashboard] [--demo] [--simulate]
 *              [--iterations N]
 */
#include <curses.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demo.h"
#include "tui.h"

void app_free(app *a);

static void usage(FILE *f)
{
    fprintf(f,
        "usage: otaconsole [options]\n"
        "  --db PATH         local engine database (default $OTA_DB or ~/.local/share/otaconsole/ota.db)\n"
        "  --remote URL      use an otad server instead (with --token)\n"
        "  --token T         bearer token for --remote (or $OTA_TOKEN)\n"
        "  --cacert FILE     private CA bundle for --remote\n"
        "  --insecure        skip TLS verification (shown as INSECURE)\n"
        "  --theme NAME      default, light, monochrome, high-contrast or a path\n"
        "  --dashboard       read-only wall screen of active, upgrading and paused plans\n"
        "  --demo            seed demo data into a temporary database and simulate a fleet\n"
        "  --simulate        run the fleet simulator on the local database\n"
        "  --iterations N    stop after N passes of the event loop (tests, benchmarks)\n"
        "Keys: press ? inside.  NO_COLOR=1 gives the monochrome theme.\n");
}

/* theme = NAME from $XDG_CONFIG_HOME/otaconsole/config (or ~/.config). */
static void config_theme(char *out, size_t len)
{
    char path[PATH_MAX];
    if (getenv("XDG_CONFIG_HOME"))
        snprintf(path, sizeof path, "%s/otaconsole/config", getenv("XDG_CONFIG_HOME"));
    else
        snprintf(path, sizeof path, "%s/.config/otaconsole/config",
                 getenv("HOME") ? getenv("HOME") : "");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char key[64], val[256];
        if (sscanf(line, " %63[a-z_] = %255s", key, val) == 2 && !strcmp(key, "theme"))
            text_copy(out, len, val);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},      {"remote", required_argument, 0, 'r'},
        {"token", required_argument, 0, 't'},   {"cacert", required_argument, 0, 'c'},
        {"insecure", no_argument, 0, 'k'},      {"theme", required_argument, 0, 'T'},
        {"dashboard", no_argument, 0, 'D'},     {"demo", no_argument, 0, 'M'},
        {"simulate", no_argument, 0, 'S'},      {"iterations", required_argument, 0, 'i'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    const char *db = NULL, *remote = NULL, *token = getenv("OTA_TOKEN"), *cacert = NULL;
    char theme_name[256] = "default";
    bool insecure = false, dashboard = false, demo = false, simulate = false;
    long iterations = 0;
    int c;

    setlocale(LC_ALL, "");
    config_theme(theme_name, sizeof theme_name);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': remote = optarg; break;
        case 't': token = optarg; break;
        case 'c': cacert = optarg; break;
        case 'k': insecure = true; break;
        case 'T': text_copy(theme_name, sizeof theme_name, optarg); break;
        case 'D': dashboard = true; break;
        case 'M': demo = true; break;
        case 'S': simulate = true; break;
        case 'i': {
            char *end;
            iterations = strtol(optarg, &end, 10);
            if (*end || iterations <= 0) {
                fprintf(stderr, "otaconsole: --iterations: want a positive number, got '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "otaconsole: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (remote && (db || demo || simulate)) {
        fprintf(stderr, "otaconsole: --remote cannot be combined with --db, --demo or --simulate\n");
        return 2;
    }

    /* The theme is read before the terminal is touched, so a bad file
     * gives a plain error naming its line. */
    theme th;
    char err[1024];
    if (theme_load(theme_name, &th, err, sizeof err)) {
        fprintf(stderr, "otaconsole: %s\n", err);
        return 2;
    }
    const char *nc = getenv("NO_COLOR");
    bool no_color = nc && *nc;

    char demo_db[PATH_MAX], demo_dir[PATH_MAX] = "";
    if (demo) {
        if (demo_seed(demo_db, sizeof demo_db, demo_dir, sizeof demo_dir, err, sizeof err)) {
            fprintf(stderr, "otaconsole: %s\n", err);
            demo_cleanup(demo_dir);
            return 1;
        }
        db = demo_db;
        simulate = true;
    }

    ota_err e;
    ota_backend *be;
    if (remote) {
        ota_remote_opts ro = {.url = remote, .token = token, .cacert = cacert, .insecure = insecure};
        be = ota_backend_remote_open(&ro, &e);
    } else {
        be = ota_backend_local_open(db, NULL, ota_clock_system(), &e);
    }
    if (!be) {
        char buf[600];
        fprintf(stderr, "otaconsole: %s\n", ota_err_format(&e, buf, sizeof buf));
        demo_cleanup(demo_dir);
        return 1;
    }
    if (simulate) {
        ota_engine *eng = ota_backend_local_engine(be);
        const char *path = eng ? ota_engine_db_path(eng) : db;
        if (!path || demo_sim_start(path, 500)) {
            fprintf(stderr, "otaconsole: cannot start the fleet simulator\n");
            ota_backend_close(be);
            demo_cleanup(demo_dir);
            return 1;
        }
    }

    app a;
    memset(&a, 0, sizeof a);
    a.be = be;
    a.cur_y = -1;
    a.iterations = iterations;
    a.dashboard_mode = dashboard;
    a.w = worker_start(be);
    if (!a.w) {
        fprintf(stderr, "otaconsole: cannot start the backend worker thread\n");
        demo_sim_stop();
        ota_backend_close(be);
        demo_cleanup(demo_dir);
        return 1;
    }

    set_escdelay(25);          /* Esc answers at once; sequences still parse */
    initscr();
    raw();                     /* ^S, ^O, ^P reach us; ^C is handled as quit */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);     /* the loop polls; reads never block */
    bool color = !no_color && has_colors();
    if (color)
        start_color();
    theme_apply(&th, color);
    bkgdset(' ' | theme_attr(EL_NORMAL));

    a.pane = a.back = dashboard ? PANE_DASHBOARD : PANE_PACKAGES;
    app_show(&a, a.pane);
    loop_run(&a);

    endwin();
    worker_cancel(a.w, -1);
    worker_stop(a.w);
    app_free(&a);
    demo_sim_stop();
    ota_backend_close(be);
    demo_cleanup(demo_dir);
    return 0;
}
