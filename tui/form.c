/* form.c: text fields and path completion. */
#include <curses.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "form.h"
#include "tui.h"

void tfield_set(tfield *f, const char *s)
{
    text_copy(f->buf, sizeof f->buf, s);
    f->len = strlen(f->buf);
    /* never leave a cut character at the end */
    while (f->len && !ota_utf8_valid(f->buf, f->len))
        f->len--;
    f->buf[f->len] = '\0';
    f->cur = f->len;
}

static void del_range(tfield *f, size_t from, size_t to)
{
    memmove(f->buf + from, f->buf + to, f->len - to + 1);
    f->len -= to - from;
    f->cur = from;
}

int tfield_key(tfield *f, int key)
{
    int ch = key_char(key);
    if (ch >= 32 && ch != 127) {
        char u[4];
        size_t n = utf8_put(u, (uint32_t)ch);
        if (f->len + n >= sizeof f->buf)
            return 2;   /* full: refuse quietly, the counter shows why */
        memmove(f->buf + f->cur + n, f->buf + f->cur, f->len - f->cur + 1);
        memcpy(f->buf + f->cur, u, n);
        f->len += n;
        f->cur += n;
        return 1;
    }
    switch (key) {
    case KEY_BACKSPACE: case 127: case 8:
        if (f->cur == 0)
            return 2;
        del_range(f, text_prev(f->buf, f->cur), f->cur);
        return 1;
    case KEY_DC: case CTRL_KEY('d'):
        if (f->cur == f->len)
            return 2;
        del_range(f, f->cur, text_next(f->buf, f->len, f->cur));
        return 1;
    case KEY_LEFT:  f->cur = text_prev(f->buf, f->cur); return 2;
    case KEY_RIGHT: f->cur = text_next(f->buf, f->len, f->cur); return 2;
    case KEY_HOME: case CTRL_KEY('a'): f->cur = 0; return 2;
    case KEY_END: case CTRL_KEY('e'):  f->cur = f->len; return 2;
    case CTRL_KEY('u'): del_range(f, 0, f->cur); return 1;
    case CTRL_KEY('k'): f->buf[f->cur] = '\0'; f->len = f->cur; return 1;
    case CTRL_KEY('w'): {
        size_t p = f->cur;
        while (p > 0 && f->buf[p - 1] == ' ')
            p--;
        while (p > 0 && f->buf[p - 1] != ' ' && f->buf[p - 1] != '/')
            p--;
        del_range(f, p, f->cur);
        return 1;
    }
    }
    return 0;
}

int tfield_paste(tfield *f, const char *text)
{
    int changed = 0;
    size_t len = strlen(text), off = 0;
    while (off < len) {
        uint32_t cp;
        size_t n = text_decode(text + off, len - off, &cp);
        const char *s = text + off;
        off += n;
        if (cp == '\n' || cp == '\r' || cp == '\t') {
            s = " ";
            n = 1;
        } else if (cp < 0x20 || cp == 0x7f || (cp == 0xfffd && n == 1)) {
            continue;
        }
        if (f->len + n >= sizeof f->buf)
            break;
        memmove(f->buf + f->cur + n, f->buf + f->cur, f->len - f->cur + 1);
        memcpy(f->buf + f->cur, s, n);
        f->len += n;
        f->cur += n;
        changed = 1;
    }
    return changed;
}

int tfield_draw(const tfield *f, int y, int x, int w, int el, bool focused)
{
    char head[sizeof f->buf], out[4 * sizeof f->buf];
    if (w <= 0)
        return -1;
    memcpy(head, f->buf, f->cur);
    head[f->cur] = '\0';
    int before = text_width(head);
    if (before < w) {
        /* the start fits: show from the beginning */
        text_fit(f->buf, w, 1, out, sizeof out);
        draw_text(y, x, w, el, out);
        return focused ? x + before : -1;
    }
    /* scroll: the text up to the cursor, ending one column before the edge */
    int got = text_fit_tail(head, w - 1, out, sizeof out);
    char rest[4 * sizeof f->buf];
    text_fit(f->buf + f->cur, w - got, 1, rest, sizeof rest);
    size_t used = strlen(out);
    snprintf(out + used, sizeof out - used, "%s", rest);
    draw_text(y, x, w, el, out);
    return focused ? x + got : -1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int path_complete(tfield *f, char *list, size_t len)
{
    char dir[1024], base[1024], prefix[1024] = "";
    const char *slash = strrchr(f->buf, '/');
    if (slash) {
        size_t dl = (size_t)(slash - f->buf) + 1;
        memcpy(dir, f->buf, dl);
        dir[dl] = '\0';
        text_copy(base, sizeof base, slash + 1);
    } else {
        snprintf(dir, sizeof dir, "./");
        text_copy(base, sizeof base, f->buf);
    }
    DIR *d = opendir(dir);
    if (list && len)
        list[0] = '\0';
    if (!d)
        return 0;
    int n = 0;
    size_t blen = strlen(base), plen = 0;
    struct dirent *de;
    char **names = NULL;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (strncmp(de->d_name, base, blen) || (blen == 0 && de->d_name[0] == '.'))
            continue;
        if (n == 0) {
            text_copy(prefix, sizeof prefix, de->d_name);
            plen = strlen(prefix);
        } else {
            size_t k = 0;
            while (k < plen && prefix[k] == de->d_name[k])
                k++;
            plen = k;
            prefix[plen] = '\0';
        }
        char **v = realloc(names, (n + 1) * sizeof *names);
        if (!v || !(v[n] = strdup(de->d_name))) {
            free(v ? v : names);
            names = NULL;
            break;
        }
        names = v;
        n++;
    }
    /* candidates in order, as a shell lists them */
    if (names)
        qsort(names, n, sizeof *names, cmp_names);
    for (int i = 0; names && i < n; i++) {
        if (list && strlen(list) + strlen(names[i]) + 3 < len) {
            if (list[0])
                strcat(list, "  ");
            strcat(list, names[i]);
        }
        free(names[i]);
    }
    free(names);
    closedir(d);
    if (n == 0)
        return 0;
    char path[2048];
    snprintf(path, sizeof path, "%s%s", slash ? dir : "", prefix);
    if (n == 1) {
        /* a single directory match gets its slash so Tab goes on into it */
        char full[2100];
        snprintf(full, sizeof full, "%s%s", dir, prefix);
        DIR *sub = opendir(full);
        if (sub) {
            closedir(sub);
            strncat(path, "/", sizeof path - strlen(path) - 1);
        }
    }
    if (strlen(path) >= strlen(f->buf))
        tfield_set(f, path);
    return n;
}
