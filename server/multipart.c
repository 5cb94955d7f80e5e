/* Streaming multipart/form-data.  The body is treated as if it began with
 * CRLF, so every boundary is the same delimiter "\r\n--<boundary>"; part data
 * is handed on as soon as it cannot be the start of a delimiter (all but the
 * last dlen-1 bytes of the window). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "multipart.h"

enum { MP_PREAMBLE, MP_AFTER_DELIM, MP_HEADERS, MP_DATA, MP_DONE };

#define MP_WINDOW (256 * 1024)

static int mp_boundary(const char *ct, char *out, size_t len, ota_err *e)
{
    const char *b = ct ? strcasestr(ct, "boundary=") : NULL;
    if (!b)
        return ota_fail(e, OTA_E_BAD_REQUEST, "Content-Type", "multipart/form-data needs a boundary parameter");
    b += 9;
    size_t n;
    if (*b == '"') {
        b++;
        const char *q = strchr(b, '"');
        if (!q)
            return ota_fail(e, OTA_E_BAD_REQUEST, "Content-Type", "unterminated quoted boundary");
        n = (size_t)(q - b);
    } else {
        n = strcspn(b, "; \t");
    }
    /* RFC 2046: 1 to 70 characters */
    if (n < 1 || n > 70 || n + 1 > len)
        return ota_fail(e, OTA_E_BAD_REQUEST, "Content-Type", "boundary must be 1 to 70 characters");
    memcpy(out, b, n);
    out[n] = 0;
    return 0;
}

int mp_init(mp_parser *p, const char *content_type, const mp_callbacks *cb, void *ctx, ota_err *e)
{
    memset(p, 0, sizeof *p);
    char bd[72];
    if (mp_boundary(content_type, bd, sizeof bd, e) < 0)
        return -1;
    p->dlen = (size_t)snprintf(p->delim, sizeof p->delim, "\r\n--%s", bd);
    p->cap = MP_WINDOW;
    p->buf = malloc(p->cap);
    if (!p->buf)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    memcpy(p->buf, "\r\n", 2);  /* the virtual CRLF before the first boundary */
    p->len = 2;
    p->cb = *cb;
    p->ctx = ctx;
    p->state = MP_PREAMBLE;
    return 0;
}

void mp_free(mp_parser *p)
{
    free(p->buf);
    p->buf = NULL;
}

/* Value of a parameter (name="x" or name=x) in a Content-Disposition line. */
static int mp_param(const char *line, const char *key, char *out, size_t len)
{
    size_t kl = strlen(key);
    const char *s = line;
    out[0] = 0;
    while ((s = strcasestr(s, key))) {
        /* must be a whole parameter name: preceded by ';' or space */
        if (s > line && (s[-1] == ';' || s[-1] == ' ' || s[-1] == '\t') && s[kl] == '=') {
            s += kl + 1;
            size_t n;
            if (*s == '"') {
                s++;
                const char *q = strchr(s, '"');
                if (!q)
                    return -1;
                n = (size_t)(q - s);
            } else {
                n = strcspn(s, "; \t\r\n");
            }
            if (n >= len)
                return -1;
            memcpy(out, s, n);
            out[n] = 0;
            return 1;
        }
        s += kl;
    }
    return 0;
}

static int mp_headers(mp_parser *p, const char *h, size_t n, ota_err *e)
{
    char name[256] = "", filename[1024] = "";
    bool disp = false;
    const char *end = h + n;
    while (h < end) {
        const char *eol = memchr(h, '\n', (size_t)(end - h));
        size_t ln = eol ? (size_t)(eol - h) : (size_t)(end - h);
        char line[MP_HEADER_MAX + 1];
        memcpy(line, h, ln);
        line[ln] = 0;
        if (ln && line[ln - 1] == '\r')
            line[ln - 1] = 0;
        if (!strncasecmp(line, "Content-Disposition:", 20)) {
            disp = true;
            if (mp_param(line, "name", name, sizeof name) < 0 ||
                mp_param(line, "filename", filename, sizeof filename) < 0)
                return ota_fail(e, OTA_E_BAD_REQUEST, "multipart", "malformed Content-Disposition header");
        }
        h += ln + 1;
    }
    if (!disp || !name[0])
        return ota_fail(e, OTA_E_BAD_REQUEST, "multipart", "a part without Content-Disposition name");
    return p->cb.part_begin(p->ctx, name, filename, e);
}

/* Consume what the window allows; returns 0 when more input is needed. */
static int mp_step(mp_parser *p, ota_err *e)
{
    for (;;) {
        switch (p->state) {
        case MP_PREAMBLE:
        case MP_DATA: {
            char *hit = memmem(p->buf, p->len, p->delim, p->dlen);
            size_t emit = hit ? (size_t)(hit - p->buf) : (p->len >= p->dlen ? p->len - (p->dlen - 1) : 0);
            if (p->state == MP_DATA && emit && p->cb.part_data(p->ctx, p->buf, emit, e) < 0)
                return -1;
            if (hit) {
                emit += p->dlen;
                if (p->state == MP_DATA && p->cb.part_end(p->ctx, e) < 0)
                    return -1;
                p->state = MP_AFTER_DELIM;
            }
            memmove(p->buf, p->buf + emit, p->len - emit);
            p->len -= emit;
            if (!hit)
                return 0;
            break;
        }
        case MP_AFTER_DELIM: {
            if (p->len < 2)
                return 0;
            if (!memcmp(p->buf, "--", 2)) {
                p->state = MP_DONE;
                p->len = 0;
                return 0;
            }
            /* transport padding (spaces, tabs) may precede the CRLF */
            size_t i = 0;
            while (i < p->len && (p->buf[i] == ' ' || p->buf[i] == '\t'))
                i++;
            if (i + 2 > p->len)
                return 0;
            if (memcmp(p->buf + i, "\r\n", 2))
                return ota_fail(e, OTA_E_BAD_REQUEST, "multipart", "garbage after a boundary");
            memmove(p->buf, p->buf + i + 2, p->len - i - 2);
            p->len -= i + 2;
            p->state = MP_HEADERS;
            break;
        }
        case MP_HEADERS: {
            char *hit = memmem(p->buf, p->len, "\r\n\r\n", 4);
            if (!hit) {
                if (p->len > MP_HEADER_MAX)
                    return ota_fail(e, OTA_E_BAD_REQUEST, "multipart", "part headers longer than %d bytes",
                                    MP_HEADER_MAX);
                return 0;
            }
            size_t n = (size_t)(hit - p->buf);
            if (n > MP_HEADER_MAX)
                return ota_fail(e, OTA_E_BAD_REQUEST, "multipart", "part headers longer than %d bytes",
                                MP_HEADER_MAX);
            if (mp_headers(p, p->buf, n, e) < 0)
                return -1;
            memmove(p->buf, p->buf + n + 4, p->len - n - 4);
            p->len -= n + 4;
            p->state = MP_DATA;
            break;
        }
        case MP_DONE:
            p->len = 0;  /* the epilogue is ignored */
            return 0;
        }
    }
}

int mp_feed(mp_parser *p, const char *data, size_t len, ota_err *e)
{
    while (len) {
        size_t room = p->cap - p->len;
        size_t n = len < room ? len : room;
        memcpy(p->buf + p->len, data, n);
        p->len += n;
        data += n;
        len -= n;
        if (mp_step(p, e) < 0)
            return -1;
        if (p->len == p->cap)  /* cannot happen: steps leave < dlen or < header max */
            return ota_fail(e, OTA_E_BAD_REQUEST, "multipart", "malformed multipart body");
    }
    return 0;
}

int mp_finish(mp_parser *p, ota_err *e)
{
    if (p->state != MP_DONE)
        return ota_fail(e, OTA_E_BAD_REQUEST, "multipart", "the body ended before the closing boundary");
    return 0;
}
