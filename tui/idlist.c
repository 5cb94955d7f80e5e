/* idlist.c: device ids typed, pasted or imported into a plan's id lists:
 * split, checked by core, deduplicated, reported (see idlist.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "idlist.h"
#include "text.h"

/* ------------------------------------------------ a set of id strings */
struct idset {
    const char **slot;     ///< NULL = empty; the strings belong to the list
    unsigned char *mine;   ///< 1 = added by this report (a repeat, not "already")
    size_t cap, n;
};

static size_t id_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot of s, or the empty slot where it would go. */
static size_t set_find(const struct idset *st, const char *s)
{
    size_t i = id_hash(s) & (st->cap - 1);
    while (st->slot[i] && strcmp(st->slot[i], s))
        i = (i + 1) & (st->cap - 1);
    return i;
}

static void set_put(struct idset *st, const char *s, int mine);

static void set_grow(struct idset *st, size_t want)
{
    size_t cap = 64;
    while (cap < want * 2)
        cap *= 2;
    struct idset old = *st;
    st->slot = calloc(cap, sizeof *st->slot);
    st->mine = calloc(cap, 1);
    if (!st->slot || !st->mine)
        abort();
    st->cap = cap;
    st->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slot[i])
            set_put(st, old.slot[i], old.mine[i]);
    free(old.slot);
    free(old.mine);
}

static void set_put(struct idset *st, const char *s, int mine)
{
    if ((st->n + 1) * 2 > st->cap)
        set_grow(st, st->n + 1);
    size_t i = set_find(st, s);
    if (!st->slot[i])
        st->n++;
    st->slot[i] = s;
    st->mine[i] = (unsigned char)mine;
}

static void set_free(struct idset *st)
{
    if (!st)
        return;
    free(st->slot);
    free(st->mine);
    free(st);
}

/* ------------------------------------------------------------ adding */
void idlist_report_free(idlist_report *r)
{
    ota_strlist_free(&r->rejected);
    ota_strlist_free(&r->why);
    set_free(r->seen);
    memset(r, 0, sizeof *r);
}

size_t idlist_total(const idlist_report *r)
{
    return r->added + r->already + r->repeated + r->rejected.n;
}

/* Adds one id (token) to list. */
static void add_one(ota_strlist *list, const ota_strlist *other, const char *id, idlist_report *r)
{
    ota_err e;
    if (ota_validate_device_id(id, &e)) {
        if (ota_strlist_push(&r->rejected, id) || ota_strlist_push(&r->why, e.message))
            abort();
        return;
    }
    size_t i = set_find(r->seen, id);
    if (r->seen->slot[i]) {
        if (r->seen->mine[i])
            r->repeated++;
        else
            r->already++;
        return;
    }
    if (ota_strlist_push(list, id))
        abort();
    set_put(r->seen, list->v[list->n - 1], 1);
    r->added++;
    if (other && ota_strlist_has(other, id))
        r->both++;
}

size_t idlist_add(ota_strlist *list, const ota_strlist *other, const char *text, idlist_report *r)
{
    if (r->list != list || !r->seen) {
        idlist_report_free(r);
        r->list = list;
        r->seen = calloc(1, sizeof *r->seen);
        if (!r->seen)
            abort();
        set_grow(r->seen, list->n + 16);
        for (size_t i = 0; i < list->n; i++)
            set_put(r->seen, list->v[i], 0);
    }
    size_t before = r->added;
    const char *p = text;
    while (*p) {
        p += strspn(p, IDLIST_SEPARATORS);
        size_t n = strcspn(p, IDLIST_SEPARATORS);
        if (!n)
            break;
        char *id = strndup(p, n);
        if (!id)
            abort();
        add_one(list, other, id, r);
        free(id);
        p += n;
    }
    return r->added - before;
}

/* ---------------------------------------------------------- reporting */
static int plural_put(char *buf, size_t len, size_t n, const char *one, const char *many)
{
    return snprintf(buf, len, "%zu %s", n, n == 1 ? one : many);
}

const char *idlist_summary(const idlist_report *r, char *buf, size_t len)
{
    int o = plural_put(buf, len, r->added, "id added", "ids added");
    if (r->already && o >= 0 && (size_t)o < len)
        o += snprintf(buf + o, len - (size_t)o, ", %zu already on the list", r->already);
    if (r->repeated && o >= 0 && (size_t)o < len)
        o += snprintf(buf + o, len - (size_t)o, ", %zu given twice", r->repeated);
    if (r->rejected.n && o >= 0 && (size_t)o < len)
        o += snprintf(buf + o, len - (size_t)o, ", %zu rejected", r->rejected.n);
    if (r->both && o >= 0 && (size_t)o < len)
        snprintf(buf + o, len - (size_t)o, "; %zu also on the other list (the blacklist wins)", r->both);
    return buf;
}

/* Lines being filled: words wrapped at width columns. */
typedef struct wrap {
    int width, lines;
    char cur[1024];
    size_t len;
    int cols;
    void (*line)(const char *text, void *ctx);
    void *ctx;
} wrap;

static void wrap_flush(wrap *w)
{
    if (!w->len)
        return;
    w->cur[w->len] = '\0';
    w->line(w->cur, w->ctx);
    w->lines++;
    w->len = 0;
    w->cols = 0;
}

/* Appends one character (bytes s[0..n)) of cols columns to the line. */
static void wrap_char(wrap *w, const char *s, size_t n, int cols)
{
    if (w->cols + cols > w->width || w->len + n >= sizeof w->cur)
        wrap_flush(w);
    memcpy(w->cur + w->len, s, n);
    w->len += n;
    w->cols += cols;
}

/* Appends a word, on the next line when it does not fit on this one; a
 * word wider than a whole line is cut between characters. */
static void wrap_word(wrap *w, const char *word, size_t n)
{
    char tmp[1024];
    size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
    memcpy(tmp, word, k);
    tmp[k] = '\0';
    int ww = text_width(tmp);
    if (w->cols && w->cols + 1 + ww > w->width)
        wrap_flush(w);
    else if (w->cols)
        wrap_char(w, " ", 1, 1);
    for (size_t off = 0; off < n;) {
        uint32_t cp;
        size_t c = text_decode(word + off, n - off, &cp);
        wrap_char(w, word + off, c, text_cp_width(cp));
        off += c;
    }
}

static void wrap_text(wrap *w, const char *s)
{
    while (*s) {
        s += strspn(s, " ");
        size_t n = strcspn(s, " ");
        if (n)
            wrap_word(w, s, n);
        s += n;
    }
}

int idlist_lines(const idlist_report *r, const char *list_name, int width,
                 void (*line)(const char *text, void *ctx), void *ctx)
{
    wrap w = {.width = width > 8 ? width : 8, .line = line, .ctx = ctx};
    char buf[512], head[600];
    snprintf(head, sizeof head, "%s: %s%s", list_name, idlist_summary(r, buf, sizeof buf),
             r->rejected.n ? ":" : "");
    wrap_text(&w, head);
    wrap_flush(&w);
    /* each reason once, with every id refused for it */
    for (size_t i = 0; i < r->why.n; i++) {
        size_t j;
        for (j = 0; j < i; j++)
            if (!strcmp(r->why.v[j], r->why.v[i]))
                break;
        if (j < i)
            continue;
        snprintf(head, sizeof head, "rejected, %s:", r->why.v[i]);
        wrap_text(&w, head);
        for (size_t k = i; k < r->why.n; k++)
            if (!strcmp(r->why.v[k], r->why.v[i]))
                wrap_word(&w, r->rejected.v[k], strlen(r->rejected.v[k]));
        wrap_flush(&w);
    }
    return w.lines;
}
