/* text.c: UTF-8 decoding, display-width truncation and wrapping, and the
 * ASCII fallback for terminals whose locale is not UTF-8 (see text.h). */
#include <langinfo.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>
#include "text.h"

size_t text_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0];
    size_t k;
    uint32_t v, min;
    if (c < 0x80) { *cp = c; return 1; }
    if ((c & 0xe0) == 0xc0)      { k = 1; v = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { k = 2; v = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { k = 3; v = c & 0x07; min = 0x10000; }
    else goto bad;
    if (len <= k)
        goto bad;
    for (size_t i = 1; i <= k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            goto bad;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        goto bad;
    *cp = v;
    return k + 1;
bad:
    *cp = 0xfffd;
    return 1;
}

/* East Asian wide ranges, used when the C library's wcwidth() does not
 * know the character (a C or non-UTF-8 locale answers -1 for all of them). */
static int cp_is_wide(uint32_t c)
{
    return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
           (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
           (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
           (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
           (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
           (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
           (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd);
}

int text_cp_width(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        return 1;                       /* shown as '?' */
    if (cp < 0x7f)
        return 1;
    int w = wcwidth((wchar_t)cp);
    if (w >= 0)
        return w > 2 ? 2 : w;
    /* unknown to the locale: decide ourselves */
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f))
        return 0;
    return cp_is_wide(cp) ? 2 : 1;
}

int text_width(const char *s)
{
    size_t len = strlen(s), off = 0;
    int w = 0;
    while (off < len) {
        uint32_t cp;
        off += text_decode(s + off, len - off, &cp);
        w += text_cp_width(cp);
    }
    return w;
}

/* Append the bytes for cp (as it should be shown) to out. */
static size_t put_cp(char *out, size_t room, const char *src, size_t n, uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
        src = "?";
        n = 1;
    } else if (cp == 0xfffd && n == 1) {
        src = "\xef\xbf\xbd";
        n = 3;
    }
    if (n >= room)
        return 0;
    memcpy(out, src, n);
    return n;
}

int text_fit(const char *s, int width, int pad, char *out, size_t outlen)
{
    size_t len = strlen(s), off = 0, o = 0;
    int w = 0;
    if (outlen == 0)
        return 0;
    if (width < 0)
        width = 0;
    int total = text_width(s);
    /* Reserve one column for the ellipsis only when we must cut. */
    int limit = total <= width ? width : width - 1;
    while (off < len) {
        uint32_t cp;
        size_t n = text_decode(s + off, len - off, &cp);
        int cw = text_cp_width(cp);
        if (w + cw > limit)
            break;
        size_t put = put_cp(out + o, outlen - o, s + off, n, cp);
        if (!put && n)
            break;
        o += put;
        w += cw;
        off += n;
    }
    if (off < len && width > 0 && o + 3 < outlen) {
        memcpy(out + o, TEXT_ELLIPSIS, 3);
        o += 3;
        w += 1;
    }
    while (pad && w < width && o + 1 < outlen) {
        out[o++] = ' ';
        w++;
    }
    out[o] = '\0';
    return w;
}

int text_wrap(const char *s, int width, int indent, size_t *start, size_t *len, int max)
{
    size_t n = strlen(s), off = 0;
    int lines = 0;
    bool wrapped = false;   /* this line follows an automatic break */
    if (width < 1)
        width = 1;
    if (indent < 0 || indent >= width)
        indent = 0;
    while (off < n) {
        if (wrapped)
            while (off < n && s[off] == ' ')
                off++;
        if (off >= n)
            break;
        int lw = lines ? width - indent : width, w = 0;
        size_t ls = off, brk = 0, next = 0;   /* brk: end of the line at the last space */
        bool cut = false;
        while (off < n && s[off] != '\n') {
            uint32_t cp;
            size_t k = text_decode(s + off, n - off, &cp);
            int cw = text_cp_width(cp);
            if (w + cw > lw && off > ls) {
                cut = true;
                break;
            }
            if (s[off] == ' ' && off > ls) {
                brk = off;
                next = off + 1;
            }
            w += cw;
            off += k;
        }
        size_t end = off;
        if (cut && off < n && s[off] == ' ') {
            brk = off;            /* the line ends exactly at a space */
            next = off + 1;
        }
        if (cut && brk > ls) {
            end = brk;
            off = next;
        }
        while (end > ls && s[end - 1] == ' ')
            end--;
        if (lines < max) {
            start[lines] = ls;
            len[lines] = end - ls;
        }
        lines++;
        wrapped = cut;
        if (!cut && off < n && s[off] == '\n') {
            off++;
            if (off == n) {       /* a final newline ends the last line */
                break;
            }
        }
    }
    return lines;
}

size_t text_prev(const char *s, size_t off)
{
    if (off == 0)
        return 0;
    off--;
    while (off > 0 && ((unsigned char)s[off] & 0xc0) == 0x80)
        off--;
    return off;
}

size_t text_next(const char *s, size_t len, size_t off)
{
    uint32_t cp;
    if (off >= len)
        return len;
    return off + text_decode(s + off, len - off, &cp);
}

int text_fit_tail(const char *s, int width, char *out, size_t outlen)
{
    int total = text_width(s);
    if (total <= width)
        return text_fit(s, width, 0, out, outlen);
    if (width <= 0 || outlen < 4) {
        if (outlen)
            out[0] = '\0';
        return 0;
    }
    /* Walk back from the end while the tail fits in width-1 columns. */
    size_t len = strlen(s), start = len;
    int w = 0;
    while (start > 0) {
        size_t p = text_prev(s, start);
        uint32_t cp;
        text_decode(s + p, len - p, &cp);
        int cw = text_cp_width(cp);
        if (w + cw > width - 1)
            break;
        w += cw;
        start = p;
    }
    memcpy(out, TEXT_ELLIPSIS, 3);
    int got = text_fit(s + start, width - 1, 0, out + 3, outlen - 3);
    return got + 1;
}

char *text_copy(char *dst, size_t n, const char *src)
{
    if (n == 0)
        return dst;
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        /* back off to the start of the character that did not fit */
        while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
    return dst;
}

/* ------------------------------------------------------- ASCII fallback */
static int ascii_mode;

void text_set_ascii(int on) { ascii_mode = on != 0; }
int text_ascii(void) { return ascii_mode; }

int text_locale_ascii(void)
{
    const char *cs = nl_langinfo(CODESET);
    return !cs || (strcasecmp(cs, "UTF-8") && strcasecmp(cs, "utf8"));
}

/* The one-column ASCII look-alike of cp, or 0 when it has none. */
static char ascii_alike(uint32_t cp)
{
    static const struct { uint32_t cp; char c; } map[] = {
        {0x00a0, ' '}, {0x00ab, '<'}, {0x00b0, 'o'}, {0x00b7, '|'}, {0x00bb, '>'},
        {0x00d7, 'x'}, {0x2010, '-'}, {0x2011, '-'}, {0x2012, '-'}, {0x2013, '-'},
        {0x2014, '-'}, {0x2015, '-'}, {0x2018, '\''}, {0x2019, '\''}, {0x201c, '"'},
        {0x201d, '"'}, {0x2022, '*'}, {0x2026, '~'}, {0x2039, '<'}, {0x203a, '>'},
        {0x2190, '<'}, {0x2191, '^'}, {0x2192, '>'}, {0x2193, 'v'}, {0x2194, '-'},
        {0x21d2, '>'}, {0x2212, '-'}, {0x2215, '/'}, {0x2219, '.'}, {0x2264, '<'},
        {0x2265, '>'}, {0x25b2, '^'}, {0x25b4, '^'}, {0x25b6, '>'}, {0x25b8, '>'},
        {0x25bc, 'v'}, {0x25be, 'v'}, {0x25c0, '<'}, {0x25c2, '<'}, {0x25cf, '*'},
        {0x2713, 'v'}, {0x2714, 'v'}, {0x2717, 'x'}, {0x2718, 'x'}, {0x26a0, '!'},
    };
    if (cp >= 0x2500 && cp <= 0x257f) {          /* box drawing */
        static const uint32_t horiz[] = {0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509,
                                         0x254c, 0x254d, 0x2550, 0x2574, 0x2576, 0x2578,
                                         0x257a, 0x257c, 0x257e};
        static const uint32_t vert[] = {0x2502, 0x2503, 0x2506, 0x2507, 0x250a, 0x250b,
                                        0x254e, 0x254f, 0x2551, 0x2575, 0x2577, 0x2579,
                                        0x257b, 0x257d, 0x257f};
        for (size_t i = 0; i < sizeof horiz / sizeof horiz[0]; i++)
            if (horiz[i] == cp)
                return '-';
        for (size_t i = 0; i < sizeof vert / sizeof vert[0]; i++)
            if (vert[i] == cp)
                return '|';
        return '+';
    }
    if (cp >= 0x2580 && cp <= 0x259f)            /* block elements: bars */
        return '#';
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].cp == cp)
            return map[i].c;
    return 0;
}

size_t text_ascii_fit(const char *s, char *out, size_t outlen)
{
    size_t len = strlen(s), off = 0, o = 0;
    if (outlen == 0)
        return 0;
    while (off < len) {
        uint32_t cp;
        size_t n = text_decode(s + off, len - off, &cp);
        off += n;
        int w = text_cp_width(cp);
        char c = cp < 0x20 || cp == 0x7f ? '?' : cp < 0x7f ? (char)cp : ascii_alike(cp);
        if (o + (size_t)w >= outlen)
            break;
        if (c && w == 1) {
            out[o++] = c;
            continue;
        }
        for (int i = 0; i < w; i++)
            out[o++] = '?';
    }
    out[o] = '\0';
    return o;
}
