/* The blob writer's one-pass pipeline: bytes go once into a ring of chunks,
 * and each chunk is taken by four threads at once, the three digests
 * (SHA-256 with libsodium, SHA-1 and MD5 with nettle) and the file writer,
 * so a blob costs its slowest digest, not the sum of them plus the copy.
 *
 * The producer (the caller of blob_pipe_put or blob_pipe_read) fills one
 * chunk at a time and publishes it; a chunk is reused only after every
 * consumer is done with it.  blob_pipe_close drains the ring and joins the
 * threads; only then are the digests final and the file complete.  The ring
 * is its own mapping, returned to the system when the pipe closes, so a
 * server's memory stays flat however many uploads it has taken. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "blob_pipe.h"

enum { C_SHA256, C_SHA1, C_MD5, C_WRITE };

/* Start writing back every this many bytes, so the closing fsync waits for
 * the tail only. */
#define WRITEBACK_STEP (8u << 20)

static void consume(blob_pipe *p, int which, const unsigned char *buf, size_t len)
{
    switch (which) {
    case C_SHA256:
        crypto_hash_sha256_update(&p->sha256, buf, len);
        break;
    case C_SHA1:
        sha1_update(&p->sha1, len, buf);
        break;
    case C_MD5:
        md5_update(&p->md5, len, buf);
        break;
    case C_WRITE: {
        size_t done = 0;
        /* The tail chunk is not a whole number of blocks: O_DIRECT off for it. */
        if (p->direct && len % 4096) {
            p->direct = false;
            fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) & ~O_DIRECT);
        }
        while (done < len && !blob_pipe_error(p)) {
            ssize_t n = write(p->fd, buf + done, len - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno == EINVAL && p->direct) {
                p->direct = false;
                fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) & ~O_DIRECT);
                continue;
            }
            if (n < 0)
                __atomic_store_n(&p->werr, errno, __ATOMIC_RELAXED);
            else
                done += (size_t)n;
        }
        p->written += done;
#ifdef SYNC_FILE_RANGE_WRITE
        if (!p->direct && !blob_pipe_error(p) && p->written - p->flushed >= WRITEBACK_STEP) {
            sync_file_range(p->fd, (off_t)p->flushed, (off_t)(p->written - p->flushed), SYNC_FILE_RANGE_WRITE);
            p->flushed = p->written;
        }
#endif
        break;
    }
    }
}

static void *worker_main(void *arg)
{
    struct blob_pipe_worker *wk = arg;
    blob_pipe *p = wk->p;
    int c = wk->which;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->done[c] == p->produced && !p->closed)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->done[c] == p->produced)
            break;  /* closed and drained */
        const unsigned char *buf = p->ring + (p->done[c] % BLOB_PIPE_SLOTS) * BLOB_PIPE_CHUNK;
        size_t len = p->len[p->done[c] % BLOB_PIPE_SLOTS];
        bool skip = p->aborted;
        pthread_mutex_unlock(&p->mu);
        if (!skip)
            consume(p, c, buf, len);
        pthread_mutex_lock(&p->mu);
        p->done[c]++;
        pthread_cond_signal(&p->cv_free);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int blob_pipe_open(blob_pipe *p, int fd)
{
    memset(p, 0, sizeof *p);
    p->fd = fd;
    void *ring = mmap(NULL, (size_t)BLOB_PIPE_SLOTS * BLOB_PIPE_CHUNK, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ring == MAP_FAILED)
        return -1;
    p->ring = ring;
    /* Full chunks go straight from the ring to the disk (page aligned, a
     * whole number of blocks): no second copy into the page cache, and a
     * 100 MiB upload does not push the database's pages out of it.  A
     * file system that refuses O_DIRECT gets buffered writes. */
    p->direct = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_DIRECT) == 0;
    crypto_hash_sha256_init(&p->sha256);
    sha1_init(&p->sha1);
    md5_init(&p->md5);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_free, NULL);
    for (int i = 0; i < BLOB_PIPE_THREADS; i++) {
        p->wk[i].p = p;
        p->wk[i].which = i;
        if (pthread_create(&p->th[i], NULL, worker_main, &p->wk[i]) != 0) {
            p->nthreads = i;
            p->aborted = true;
            blob_pipe_close(p);
            return -1;
        }
        p->nthreads = i + 1;
    }
    return 0;
}

/* The chunk being filled, waiting until every consumer has left it. */
static unsigned char *slot_acquire(blob_pipe *p)
{
    if (p->have_slot)
        return p->ring + (p->produced % BLOB_PIPE_SLOTS) * BLOB_PIPE_CHUNK;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        bool free = true;
        for (int i = 0; i < BLOB_PIPE_THREADS; i++)
            if (p->done[i] + BLOB_PIPE_SLOTS <= p->produced)
                free = false;
        if (free)
            break;
        pthread_cond_wait(&p->cv_free, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    p->have_slot = true;
    p->fill = 0;
    return p->ring + (p->produced % BLOB_PIPE_SLOTS) * BLOB_PIPE_CHUNK;
}

static void slot_publish(blob_pipe *p)
{
    if (!p->have_slot || !p->fill)
        return;
    pthread_mutex_lock(&p->mu);
    p->len[p->produced % BLOB_PIPE_SLOTS] = p->fill;
    p->produced++;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    p->have_slot = false;
    p->fill = 0;
}

int blob_pipe_error(const blob_pipe *p)
{
    return __atomic_load_n(&p->werr, __ATOMIC_RELAXED);
}

void blob_pipe_put(blob_pipe *p, const void *data, size_t len)
{
    const unsigned char *s = data;
    while (len) {
        unsigned char *slot = slot_acquire(p);
        size_t n = BLOB_PIPE_CHUNK - p->fill;
        if (n > len)
            n = len;
        memcpy(slot + p->fill, s, n);
        p->fill += n;
        s += n;
        len -= n;
        if (p->fill == BLOB_PIPE_CHUNK)
            slot_publish(p);
    }
}

ssize_t blob_pipe_read(blob_pipe *p, int fd, size_t max)
{
    unsigned char *slot = slot_acquire(p);
    size_t room = BLOB_PIPE_CHUNK - p->fill;
    if (room > max)
        room = max;
    ssize_t n;
    do
        n = read(fd, slot + p->fill, room);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        p->fill += (size_t)n;
        if (p->fill == BLOB_PIPE_CHUNK)
            slot_publish(p);
    }
    return n;
}

void blob_pipe_abort(blob_pipe *p)
{
    if (!p->ring)
        return;
    pthread_mutex_lock(&p->mu);
    p->aborted = true;
    pthread_mutex_unlock(&p->mu);
    blob_pipe_close(p);
}

int blob_pipe_close(blob_pipe *p)
{
    if (!p->ring)
        return -1;
    if (!p->aborted)
        slot_publish(p);
    pthread_mutex_lock(&p->mu);
    p->closed = true;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->th[i], NULL);
    munmap(p->ring, (size_t)BLOB_PIPE_SLOTS * BLOB_PIPE_CHUNK);
    p->ring = NULL;
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_free);
    pthread_mutex_destroy(&p->mu);
    return p->aborted || p->nthreads < BLOB_PIPE_THREADS ? -1 : 0;
}
