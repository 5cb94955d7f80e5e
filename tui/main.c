/* main.c: otaconsole's command line, terminal setup and teardown.
 *
 *   otaconsole [--db PATH | --remote URL [--token T | --token-file F] |
 *              --profile NAME] [--cacert F] [--insecure]
 *              [--theme NAME] [--dashboard] [--demo] [--simulate]
 *              [--iterations N]
 *   otaconsole --keys | --version | --help
 *
 * The server, its token and TLS settings are resolved by client/profile.h
 * exactly as otactl resolves them (arguments, $OTA_TOKEN / $OTA_TOKEN_FILE,
 * $OTA_PROFILE, profiles in $XDG_CONFIG_HOME/otaconsole/config; token files
 * readable by others refused).
 *
 * SIGHUP, SIGTERM, SIGINT and SIGQUIT end the console through the loop (a
 * self-pipe the loop polls; the handler only writes a byte), so the normal
 * teardown runs: terminal restored, simulator stopped, --demo's temporary
 * folder removed.  The signal is then raised again with its default action
 * so the parent sees how we ended.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "demo.h"
#include "paste.h"
#include "profile.h"
#include "remote.h"
#include "tui.h"

void app_free(app *a);

static void usage(FILE *f)
{
    fprintf(f,
        "usage: otaconsole [options]\n"
        "  --db PATH         local engine database (default $OTA_DB or ~/.local/share/otaconsole/ota.db)\n"
        "  --remote URL      use an otad server instead (token from --token, --token-file,\n"
        "                    $OTA_TOKEN, $OTA_TOKEN_FILE or the config file's profile for URL)\n"
        "  --token T         bearer token for the server\n"
        "  --token-file F    read the token from F (refused when others can read it)\n"
        "  --profile NAME    a [NAME] profile of $XDG_CONFIG_HOME/otaconsole/config (or $OTA_PROFILE)\n"
        "  --cacert FILE     private CA bundle for the server\n"
        "  --insecure        skip TLS verification (shown as INSECURE)\n"
        "  --theme NAME      default, light, monochrome, high-contrast or a path\n"
        "                    (default: theme = NAME in $XDG_CONFIG_HOME/otaconsole/console.conf)\n"
        "  --dashboard       read-only wall screen of active, upgrading and paused plans\n"
        "  --demo            seed demo data into a temporary database and simulate a fleet\n"
        "  --simulate        run the fleet simulator on the local database\n"
        "  --iterations N    stop after N passes of the event loop (tests, benchmarks)\n"
        "  --keys            print the key table (what ? shows) and exit\n"
        "  --version         print the version and exit\n"
        "  --help            print this help and exit\n"
        "Keys: press ? inside.  NO_COLOR=1 gives the monochrome theme.\n");
}

/* theme = NAME from $XDG_CONFIG_HOME/otaconsole/console.conf (or
 * ~/.config/...).  Not the profiles' config file: client/profile.c refuses
 * keys it does not know there, so a theme line would break every remote
 * profile. */
static void config_theme(char *out, size_t len)
{
    char path[PATH_MAX];
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg)
        snprintf(path, sizeof path, "%s/otaconsole/console.conf", xdg);
    else
        snprintf(path, sizeof path, "%s/.config/otaconsole/console.conf",
                 getenv("HOME") ? getenv("HOME") : "");
    FILE *f = fopen(path, "re");
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

/* ---------------------------------------------------------------- signals */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(sig_pipe[1], &b, 1) < 0) {
        /* the pipe is full: a signal is already waiting to be seen */
    }
    errno = saved;
}

/* Installed before initscr, so ncurses keeps its hands off these. */
static int signals_install(void)
{
    static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGQUIT};
    if (pipe(sig_pipe) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* The loop ended on a signal: end the way that signal would have. */
static void signals_reraise(int sig)
{
    if (!sig)
        return;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Opens what the arguments ask for: a server (resolved like otactl does)
 * or the local engine.  *conf is filled for a server (role probe). */
static ota_backend *backend_open(const ota_remote_args *ra, const char *db, ota_remote_conf *conf)
{
    ota_err e = {0};
    ota_backend *be = NULL;
    char buf[700];
    if (ota_remote_conf_resolve(ra, conf, &e) < 0)
        goto fail;
    if (conf->url[0]) {
        if (db) {
            fprintf(stderr, "otaconsole: --db and a remote server exclude each other\n");
            return NULL;
        }
        be = ota_remote_conf_open(conf, &e);
    } else {
        be = ota_backend_local_open(db, NULL, ota_clock_system(), &e);
    }
    if (be)
        return be;
fail:
    fprintf(stderr, "otaconsole: %s\n", ota_err_format(&e, buf, sizeof buf));
    return NULL;
}

/* newterm rather than initscr: its SCREEN can be given back with
 * delscreen at exit, so a leak checker sees only what is really lost. */
static SCREEN *terminal_start(const theme *th, bool no_color)
{
    set_escdelay(25);          /* Esc answers at once; sequences still parse */
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        fprintf(stderr, "otaconsole: cannot use the terminal (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        return NULL;
    }
    raw();                     /* ^S, ^O, ^P reach us; ^C is handled as quit */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);     /* the loop polls; reads never block */
    /* A monochrome theme is attributes only: no start_color(), which
     * would paint everything white on black instead of the terminal's own
     * colours (what NO_COLOR gives). */
    bool color = !no_color && !th->mono && has_colors();
    if (color)
        start_color();
    theme_apply(th, color);
    bkgdset(' ' | theme_attr(EL_NORMAL));
    paste_start();             /* a paste arrives as one text, not as keys */
    return scr;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},      {"remote", required_argument, 0, 'r'},
        {"token", required_argument, 0, 't'},   {"token-file", required_argument, 0, 'F'},
        {"profile", required_argument, 0, 'P'}, {"cacert", required_argument, 0, 'c'},
        {"insecure", no_argument, 0, 'k'},      {"theme", required_argument, 0, 'T'},
        {"dashboard", no_argument, 0, 'D'},     {"demo", no_argument, 0, 'M'},
        {"simulate", no_argument, 0, 'S'},      {"iterations", required_argument, 0, 'i'},
        {"keys", no_argument, 0, 'K'},          {"version", no_argument, 0, 'V'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    const char *db = NULL;
    ota_remote_args ra = {0};
    char theme_name[256] = "default";
    bool dashboard = false, demo = false, simulate = false;
    long iterations = 0;
    int c;

    setlocale(LC_ALL, "");
    text_set_ascii(text_locale_ascii());   /* LANG=C: draw ASCII look-alikes */
    config_theme(theme_name, sizeof theme_name);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': ra.url = optarg; break;
        case 't': ra.token = optarg; break;
        case 'F': ra.token_file = optarg; break;
        case 'P': ra.profile = optarg; break;
        case 'c': ra.cacert = optarg; break;
        case 'k': ra.insecure = true; break;
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
        case 'K': keys_print(stdout); return 0;
        case 'V': printf("otaconsole (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "otaconsole: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if ((ra.url || ra.profile) && (db || demo || simulate)) {
        fprintf(stderr, "otaconsole: --remote/--profile cannot be combined with --db, --demo or --simulate\n");
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
    if (signals_install() < 0) {
        fprintf(stderr, "otaconsole: cannot create the signal pipe\n");
        return 1;
    }

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

    ota_remote_conf conf;
    ota_backend *be = backend_open(&ra, db, &conf);
    if (!be) {
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
    a.rargs = &ra;
    a.sig_fd = sig_pipe[0];
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
    if (conf.url[0])
        remote_role_probe(&a, &conf);
    ota_remote_conf_clear(&conf);

    SCREEN *scr = terminal_start(&th, no_color);
    if (scr) {
        a.pane = a.back = dashboard ? PANE_DASHBOARD : PANE_PACKAGES;
        app_show(&a, a.pane);
        loop_run(&a);
        paste_stop();
        endwin();
        delscreen(scr);
    }

    worker_cancel(a.w, -1);
    worker_stop(a.w);
    app_free(&a);
    demo_sim_stop();
    ota_backend_close(be);
    demo_cleanup(demo_dir);
    signals_reraise(a.signal);
    return scr ? 0 : 1;
}
