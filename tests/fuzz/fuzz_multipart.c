/* FUZZ_SOURCES: server/multipart.c */
/* otad's streaming multipart/form-data parser (package uploads).  Input:
 * the Content-Type header up to the first newline, then the body.
 * Property: the parse does not depend on how the body is split into
 * network reads -- fed whole and fed in pseudo-random pieces (1 byte and
 * up), it succeeds or fails alike and, when it succeeds, reports the same
 * parts with the same names, file names and bytes. */
#include "fuzz.h"
#include "multipart.h"

typedef struct log { char *p; size_t n, cap; int depth; } log_t;

static void log_put(log_t *l, const void *d, size_t n)
{
    if (l->n + n > l->cap) {
        l->cap = (l->n + n) * 2 + 64;
        l->p = realloc(l->p, l->cap);
        if (!l->p) abort();
    }
    memcpy(l->p + l->n, d, n);
    l->n += n;
}

static int on_begin(void *ctx, const char *name, const char *filename, ota_err *e)
{
    log_t *l = ctx;
    fuzz_assert(name && filename, "part without name/filename strings");
    fuzz_assert(strlen(name) < MP_HEADER_MAX && strlen(filename) < MP_HEADER_MAX, "name beyond the header block");
    fuzz_assert(l->depth == 0, "part begins inside a part");
    l->depth = 1;
    log_put(l, "\x01", 1);
    log_put(l, name, strlen(name) + 1);
    log_put(l, filename, strlen(filename) + 1);
    (void)e;
    return 0;
}

static int on_data(void *ctx, const char *data, size_t len, ota_err *e)
{
    log_t *l = ctx;
    fuzz_assert(l->depth == 1, "data outside a part");
    log_put(l, data, len);
    (void)e;
    return 0;
}

static int on_end(void *ctx, ota_err *e)
{
    log_t *l = ctx;
    fuzz_assert(l->depth == 1, "part ends without beginning");
    l->depth = 0;
    log_put(l, "\x02", 1);
    (void)e;
    return 0;
}

/* Parse body with Content-Type ct, in pieces chosen by seed (0 = whole). */
static int parse(const char *ct, const char *body, size_t n, uint32_t seed, log_t *l)
{
    static const mp_callbacks cb = {on_begin, on_data, on_end};
    ota_err e = {0};
    mp_parser p;
    memset(l, 0, sizeof *l);
    if (mp_init(&p, ct, &cb, l, &e) != 0) {
        fuzz_clear_error(&e, "mp_init");
        return -1;
    }
    int rc = 0;
    size_t off = 0;
    while (rc == 0 && off < n) {
        size_t k = n - off;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            k = 1 + (seed >> 16) % 97;
            if (k > n - off) k = n - off;
        }
        rc = mp_feed(&p, body + off, k, &e);
        off += k;
    }
    if (rc == 0)
        rc = mp_finish(&p, &e);
    if (rc != 0)
        fuzz_clear_error(&e, "multipart");
    mp_free(&p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    const uint8_t *nl = memchr(d, '\n', n);
    if (!nl) return 0;
    char *ct = fuzz_cstr(d, (size_t)(nl - d));
    const char *body = (const char *)nl + 1;
    size_t blen = n - (size_t)(nl + 1 - d);
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < n; i++) seed = (seed ^ d[i]) * 16777619u;
    log_t a, b;
    int ra = parse(ct, body, blen, 0, &a);
    int rb = parse(ct, body, blen, seed | 1, &b);
    fuzz_assert(ra == rb, "whole body %s, split body %s", ra ? "refused" : "accepted", rb ? "refused" : "accepted");
    if (ra == 0)
        fuzz_assert(a.n == b.n && (a.n == 0 || !memcmp(a.p, b.p, a.n)), "split body parsed differently");
    free(a.p);
    free(b.p);
    free(ct);
    return 0;
}
