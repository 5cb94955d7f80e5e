/* A streaming multipart/form-data parser (RFC 7578): bytes in, part events
 * out, never more than one small window of the body in memory. */
#ifndef OTAD_MULTIPART_H
#define OTAD_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include "ota.h"

#define MP_HEADER_MAX 8192   /* one part's header block */

typedef struct mp_callbacks {
    /* name and filename ("" when absent) of a new part */
    int (*part_begin)(void *ctx, const char *name, const char *filename, ota_err *e);
    int (*part_data)(void *ctx, const char *data, size_t len, ota_err *e);
    int (*part_end)(void *ctx, ota_err *e);
} mp_callbacks;

typedef struct mp_parser {
    int state;
    char delim[80];          /* "\r\n--" boundary */
    size_t dlen;
    char *buf;               /* unparsed window */
    size_t len, cap;
    mp_callbacks cb;
    void *ctx;
} mp_parser;

/* content_type: the request's Content-Type (boundary parameter required). */
int mp_init(mp_parser *p, const char *content_type, const mp_callbacks *cb, void *ctx, ota_err *e);
int mp_feed(mp_parser *p, const char *data, size_t len, ota_err *e);
/* The body ended: fails unless the closing boundary was seen. */
int mp_finish(mp_parser *p, ota_err *e);
void mp_free(mp_parser *p);

#endif
