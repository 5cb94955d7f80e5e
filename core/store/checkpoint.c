/* WAL checkpoints on a thread of their own (store_checkpointer_start):
 * copying the WAL back into the database file, and the fsyncs of
 * synchronous=NORMAL that go with it, leave the committing thread.
 *
 * By default SQLite checkpoints inside the COMMIT that takes the WAL past
 * 1,000 pages, with the engine lock held: a server's writing check-ins all
 * waited for it (5 to 80 ms every few dozen batches on a busy machine, the
 * tail of bench/http.sh's first check-ins).  Started, the main connection's
 * WAL hook only wakes this thread, which checkpoints PASSIVE through a
 * connection of its own: writers go on appending meanwhile, nothing is
 * locked against the engine, and the durability is the same (every commit
 * is in the WAL before it is acknowledged; a checkpoint fsyncs the WAL
 * before it copies and the database after).  A WAL restarts only when a
 * writer finds it wholly copied, which writes that never pause beside a
 * checkpoint do not allow: at STORE_WAL_HARD pages the committing
 * connection checkpoints the rest itself (most of it copied already) and
 * the next write starts the WAL over, so it stays bounded.  Stopped by
 * store_close before the main connection closes (whose close checkpoints
 * the rest). */
#include "sqlite.h"

#include <pthread.h>
#include <stdlib.h>

#define STORE_WAL_SOFT 1000   /* pages: wake the checkpointer (SQLite's own threshold) */
#define STORE_WAL_HARD 16000  /* pages: the committer checkpoints itself (about 64 MiB) */

struct store_ckpt {
    sqlite3 *db;              /* the checkpointer's own connection */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool want, stop;
};

static void *ckpt_main(void *arg)
{
    struct store_ckpt *c = arg;
    pthread_setname_np(pthread_self(), "ota-checkpoint");
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->want && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop)
            break;
        c->want = false;
        pthread_mutex_unlock(&c->mu);
        /* A busy database (another checkpoint, a process holding the
         * checkpoint lock) only postpones it to the next wake-up. */
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* The main connection's WAL hook, after each commit: n pages in the WAL. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int n)
{
    struct store_ckpt *c = arg;
    if (n >= STORE_WAL_HARD) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (n >= STORE_WAL_SOFT) {
        pthread_mutex_lock(&c->mu);
        c->want = true;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

int store_checkpointer_start(ota_engine *eng, ota_err *e)
{
    struct store *s = eng->store;
    if (s->ckpt)
        return 0;
    struct store_ckpt *c = calloc(1, sizeof *c);
    if (!c)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    const char *path = sqlite3_db_filename(s->db, "main");
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
        ota_fail(e, OTA_E_IO, "db", "cannot open %s for checkpoints: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close_v2(c->db);
        free(c);
        return -1;
    }
    sqlite3_busy_timeout(c->db, 100);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, ckpt_main, c) != 0) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        sqlite3_close_v2(c->db);
        free(c);
        return ota_fail(e, OTA_E_INTERNAL, NULL, "cannot start the checkpoint thread");
    }
    s->ckpt = c;
    sqlite3_wal_hook(s->db, wal_hook, c);  /* replaces SQLite's automatic checkpoints */
    return 0;
}

void store_checkpointer_stop(ota_engine *eng)
{
    struct store *s = eng->store;
    struct store_ckpt *c = s ? s->ckpt : NULL;
    if (!c)
        return;
    sqlite3_wal_autocheckpoint(s->db, STORE_WAL_SOFT);  /* SQLite's own again */
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    sqlite3_close_v2(c->db);
    free(c);
    s->ckpt = NULL;
}
