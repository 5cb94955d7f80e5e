/* demo.c: --demo and --simulate.
 *
 * --demo seeds a temporary database with `otactl demo seed` (the same
 * fixtures otactl uses; run as a child so there is one seeding function)
 * and then runs the fleet simulator.  --simulate runs only the simulator,
 * on the database the console opened.  The simulator gets its own engine
 * connection on a background thread, so the console sees its changes
 * through the same backend calls as any other writer's.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "demo.h"
#include "text.h"

static pthread_t sim_thread;
static pthread_mutex_t sim_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sim_cv = PTHREAD_COND_INITIALIZER;
static bool sim_running, sim_stop;
static char sim_db[PATH_MAX];
static int sim_interval_ms;

/* otactl: $OTACTL, else next to us (installed), else ../cli/otactl (the
 * build tree), else on PATH. */
static void find_otactl(char *out, size_t len)
{
    char self[PATH_MAX];
    if (getenv("OTACTL")) {
        text_copy(out, len, getenv("OTACTL"));
        return;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            if (snprintf(out, len, "%s/otactl", self) < (int)len && access(out, X_OK) == 0)
                return;
            if (snprintf(out, len, "%s/../cli/otactl", self) < (int)len && access(out, X_OK) == 0)
                return;
        }
    }
    snprintf(out, len, "otactl");
}

int demo_seed(char *db, size_t dblen, char *dir, size_t dirlen, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, dirlen, "%s/otaconsole-demo-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "demo: cannot make a temporary directory in %s: %s", tmp,
                 strerror(errno));
        return -1;
    }
    snprintf(db, dblen, "%s/ota.db", dir);
    char otactl[PATH_MAX], log[PATH_MAX + 16];
    find_otactl(otactl, sizeof otactl);
    snprintf(log, sizeof log, "%s/seed.log", dir);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "demo: fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (!freopen(log, "w", stdout) || !freopen(log, "a", stderr))
            _exit(126);
        execlp(otactl, otactl, "--db", db, "demo", "seed", (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", otactl, strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char line[256] = "";
        FILE *f = fopen(log, "r");
        if (f) {
            if (!fgets(line, sizeof line, f))
                line[0] = '\0';
            fclose(f);
            line[strcspn(line, "\n")] = '\0';
        }
        snprintf(err, errlen, "demo: `%s --db %s demo seed` failed: %s", otactl, db,
                 line[0] ? line : "no output");
        return -1;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

void demo_cleanup(const char *dir)
{
    if (dir && *dir)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void *sim_main(void *arg)
{
    (void)arg;
    ota_err e;
    ota_engine_opts o = {.db_path = sim_db, .actor = "simulator"};
    ota_engine *eng = ota_engine_open(&o, &e);
    ota_sim *sim = NULL;
    if (eng) {
        ota_sim_opts so = {
            .seed = (uint64_t)time(NULL), .plan_id = 0, .online_per_tick = 0.05,
            .failure_rate = 0.03, .confirm_delay = 2, .download_ticks = 3,
            .install_ticks = 2, .tick_seconds = 1,
        };
        sim = ota_sim_new(eng, &so, &e);
    }
    pthread_mutex_lock(&sim_mu);
    while (!sim_stop) {
        if (sim) {
            pthread_mutex_unlock(&sim_mu);
            ota_sim_step(sim, &e);   /* a failed step is retried next tick */
            pthread_mutex_lock(&sim_mu);
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)sim_interval_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (!sim_stop)
            pthread_cond_timedwait(&sim_cv, &sim_mu, &until);
    }
    pthread_mutex_unlock(&sim_mu);
    ota_sim_free(sim);
    ota_engine_close(eng);
    return NULL;
}

int demo_sim_start(const char *db_path, int interval_ms)
{
    text_copy(sim_db, sizeof sim_db, db_path);
    sim_interval_ms = interval_ms > 0 ? interval_ms : 500;
    sim_stop = false;
    if (pthread_create(&sim_thread, NULL, sim_main, NULL))
        return -1;
    sim_running = true;
    return 0;
}

void demo_sim_stop(void)
{
    if (!sim_running)
        return;
    pthread_mutex_lock(&sim_mu);
    sim_stop = true;
    pthread_cond_signal(&sim_cv);
    pthread_mutex_unlock(&sim_mu);
    pthread_join(sim_thread, NULL);
    sim_running = false;
}
