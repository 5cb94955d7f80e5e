/* The blob writer's one-pass pipeline (blob_pipe.c): one copy of the bytes
 * into a ring of chunks, hashed three ways and written to the file by four
 * threads at once.  Private to core (blob.c). */
#ifndef OTA_BLOB_PIPE_H
#define OTA_BLOB_PIPE_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <sodium.h>

#define BLOB_PIPE_CHUNK (512u << 10)
#define BLOB_PIPE_SLOTS 8
#define BLOB_PIPE_THREADS 4  /* SHA-256, SHA-1, MD5, the file writer */

typedef struct blob_pipe blob_pipe;
struct blob_pipe_worker {
    blob_pipe *p;
    int which;
};
struct blob_pipe {
    int fd;
    unsigned char *ring;             /* SLOTS x CHUNK, its own mapping */
    size_t len[BLOB_PIPE_SLOTS];     /* bytes of each published chunk */
    bool have_slot;                  /* producer holds chunk produced % SLOTS */
    size_t fill;                     /* bytes in it so far */
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_free;
    uint64_t produced;               /* chunks published */
    uint64_t done[BLOB_PIPE_THREADS];/* chunks each consumer has finished */
    bool closed, aborted;
    int nthreads;
    pthread_t th[BLOB_PIPE_THREADS];
    struct blob_pipe_worker wk[BLOB_PIPE_THREADS];
    bool direct;                     /* the writer's fd is O_DIRECT (full chunks) */
    int werr;                        /* the writer's errno, 0 while fine */
    uint64_t written, flushed;       /* the writer's: bytes written, writeback started */
    crypto_hash_sha256_state sha256;
    struct sha1_ctx sha1;
    struct md5_ctx md5;
};

/* Starts the threads writing to fd; -1 when memory or threads are short. */
int blob_pipe_open(blob_pipe *p, int fd);
/* Copies len bytes in (waits while the ring is full). */
void blob_pipe_put(blob_pipe *p, const void *data, size_t len);
/* Reads at most max bytes of fd straight into the ring: read(2)'s result. */
ssize_t blob_pipe_read(blob_pipe *p, int fd, size_t max);
/* The writer's errno so far (0: none). */
int blob_pipe_error(const blob_pipe *p);
/* Drains the ring and joins the threads: the digests are final and every
 * byte is written (or blob_pipe_error says why not).  0, or -1 if the pipe
 * never ran fully. */
int blob_pipe_close(blob_pipe *p);
/* Stops without consuming what is left, joins the threads. */
void blob_pipe_abort(blob_pipe *p);
#endif
