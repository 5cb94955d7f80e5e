/* The engine handle: paths, clock, actor and lock; opening and closing
 * (the store itself is core/store/), batches of calls. */
#include "internal.h"
#include "store.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --------------------------------------------------------------- engine */
int ota_mkdirs(const char *path, ota_err *e)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ota_fail(e, OTA_E_IO, "path", "path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
            return ota_fail(e, OTA_E_IO, "path", "cannot create %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return ota_fail(e, OTA_E_IO, "path", "cannot create %s: %s", buf, strerror(errno));
    return 0;
}

int ota_default_paths(char *db, size_t dblen, char *blobs, size_t bloblen)
{
    const char *env = getenv("OTA_DB");
    char dir[PATH_MAX];
    if (env && *env) {
        snprintf(db, dblen, "%s", env);
        snprintf(dir, sizeof dir, "%s", env);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(dir, sizeof dir, ".");
    } else {
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg)
            snprintf(dir, sizeof dir, "%s/otaconsole", xdg);
        else
            snprintf(dir, sizeof dir, "%s/.local/share/otaconsole", home && *home ? home : ".");
        snprintf(db, dblen, "%s/ota.db", dir);
    }
    if (blobs)
        snprintf(blobs, bloblen, "%s/blobs", dir);
    return 0;
}

static int64_t system_now(void *ctx)
{
    (void)ctx;
    return ota_clock_now(NULL);
}

/* Who acts on a local engine: $USER, else the name of the process's uid
 * (a service or a cron job often has no $USER), else the uid's number. */
static const char *local_user(char *buf, size_t len)
{
    const char *u = getenv("USER");
    if (u && *u) {
        snprintf(buf, len, "%s", u);
        return buf;
    }
    struct passwd pw, *got = NULL;
    char store[1024];
    if (getpwuid_r(getuid(), &pw, store, sizeof store, &got) == 0 && got && got->pw_name[0])
        snprintf(buf, len, "%s", got->pw_name);
    else
        snprintf(buf, len, "uid%ld", (long)getuid());
    return buf;
}

ota_engine *ota_engine_open(const ota_engine_opts *o, ota_err *e)
{
    ota_engine_opts def = {0};
    if (!o)
        o = &def;
    ota_engine *eng = calloc(1, sizeof *eng);
    if (!eng) {
        ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    char dbp[PATH_MAX], blobs[PATH_MAX + 8];
    ota_default_paths(dbp, sizeof dbp, blobs, sizeof blobs);
    if (o->db_path) {
        snprintf(dbp, sizeof dbp, "%s", o->db_path);
        char dir[PATH_MAX];
        if (strlen(o->db_path) >= sizeof dir) {
            ota_fail(e, OTA_E_IO, "db", "database path too long");
            goto fail;
        }
        snprintf(dir, sizeof dir, "%s", o->db_path);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = 0;
            snprintf(blobs, sizeof blobs, "%s/blobs", dir[0] ? dir : "/");
        } else {
            snprintf(blobs, sizeof blobs, "blobs");
        }
    }
    if (o->blob_dir)
        snprintf(blobs, sizeof blobs, "%s", o->blob_dir);
    snprintf(eng->db_path, sizeof eng->db_path, "%s", dbp);
    snprintf(eng->blob_dir, sizeof eng->blob_dir, "%s", blobs);
    eng->clock = o->clock.now ? o->clock : (ota_clock){system_now, NULL};
    if (o->actor) {
        snprintf(eng->actor, sizeof eng->actor, "%s", o->actor);
    } else {
        char u[64];
        snprintf(eng->actor, sizeof eng->actor, "local:%s", local_user(u, sizeof u));
    }
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&eng->mu, &ma);
    pthread_mutexattr_destroy(&ma);

    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dbp);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        if (ota_mkdirs(dir, e) < 0)
            goto fail;
    }
    if (ota_mkdirs(eng->blob_dir, e) < 0)
        goto fail;
    if (store_open(eng, dbp, e) < 0)
        goto fail;
    blob_sweep_tmp(eng);
    return eng;
fail:
    ota_engine_close(eng);
    return NULL;
}

void ota_engine_close(ota_engine *eng)
{
    if (!eng)
        return;
    rollout_free(eng);
    sign_free(eng);
    products_free(eng);
    devauth_free(eng);
    store_close(eng);
    pthread_mutex_destroy(&eng->mu);
    free(eng);
}

int64_t ota_engine_now(ota_engine *eng) { return eng->clock.now(eng->clock.ctx); }
const char *ota_engine_db_path(ota_engine *eng) { return eng->db_path; }
const char *ota_engine_blob_dir(ota_engine *eng) { return eng->blob_dir; }

int ota_engine_batch_begin(ota_engine *eng, ota_err *e)
{
    ENGINE_LOCK(eng);  /* held until batch_end: a batch is one writer's */
    if (store_batch_begin(eng, e) < 0) {
        ENGINE_UNLOCK(eng);
        return -1;
    }
    return 0;
}

int ota_engine_batch_end(ota_engine *eng, ota_err *e)
{
    int rc = store_batch_end(eng, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_engine_background_checkpoints(ota_engine *eng, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_checkpointer_start(eng, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

int ota_engine_schema_version(ota_engine *eng)
{
    ENGINE_LOCK(eng);
    int v = store_schema_version(eng);
    ENGINE_UNLOCK(eng);
    return v;
}
