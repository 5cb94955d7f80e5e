/* paste.c: bracketed paste.  Where the terminal's terminfo entry has the
 * capabilities (BE/BD turn it on and off, PS/PE the marks around a paste;
 * xterm, tmux, VTE and most terminals do), the console turns it on and
 * binds the marks to two key codes of its own, so a paste arrives as one
 * text (paste_key) instead of keystrokes that could run commands.  A
 * terminal without it (the Linux console) sends a paste as fast typing,
 * which the lines prompts take line by line (prompt.c). */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include "paste.h"
#include "tui.h"

#define PASTE_MAX (4 << 20)   /* bytes kept of one paste */

static struct {
    int begin, end;           ///< the key codes the marks are bound to (0 = off)
    const char *off;          ///< BD, sent at exit
    bool in;                  ///< inside a paste
    char *buf;
    size_t len, cap;
    bool cut;                 ///< longer than PASTE_MAX
} P;

/* A terminfo string capability, or NULL. */
static const char *cap(const char *name)
{
    char *s = tigetstr(name);
    return s && s != (char *)-1 && *s ? s : NULL;
}

/* The first key code above the named keys that nothing is bound to. */
static int free_code(int after)
{
    for (int k = after + 1; k < after + 4096; k++) {
        char *s = keybound(k, 0);   /* allocated by ncurses */
        if (!s && k != KEY_RESIZE)
            return k;
        free(s);
    }
    return 0;
}

bool paste_start(void)
{
    const char *on = cap("BE"), *off = cap("BD"), *ps = cap("PS"), *pe = cap("PE");
    if (!on || !off || !ps || !pe)
        return false;
    int b = free_code(KEY_MAX);
    if (!b || define_key(ps, b) != OK)
        return false;
    int e = free_code(b);
    if (!e || define_key(pe, e) != OK) {
        define_key(NULL, b);
        return false;
    }
    P.begin = b;
    P.end = e;
    P.off = off;
    putp(on);
    fflush(stdout);
    return true;
}

void paste_stop(void)
{
    if (P.begin && P.off) {
        putp(P.off);
        fflush(stdout);
    }
    free(P.buf);
    memset(&P, 0, sizeof P);
}

static void put(const char *s, size_t n)
{
    if (P.len + n + 1 > PASTE_MAX) {
        P.cut = true;
        return;
    }
    if (P.len + n + 1 > P.cap) {
        size_t cap = P.cap ? P.cap * 2 : 4096;
        while (cap < P.len + n + 1)
            cap *= 2;
        char *b = realloc(P.buf, cap);
        if (!b)
            abort();
        P.buf = b;
        P.cap = cap;
    }
    memcpy(P.buf + P.len, s, n);
    P.len += n;
    P.buf[P.len] = '\0';
}

int paste_key(int key, const char **text, bool *cut)
{
    *text = NULL;
    if (!P.begin)
        return 0;
    if (key == P.begin) {
        P.in = true;
        P.len = 0;
        P.cut = false;
        put("", 0);
        return 1;
    }
    if (!P.in)
        return 0;
    if (key == P.end) {
        P.in = false;
        put("", 0);
        *text = P.buf;
        *cut = P.cut;
        return 1;
    }
    int ch = key_char(key);
    if (key == '\r')
        ch = '\n';       /* terminals paste line ends as CR */
    if (ch > 0) {
        /* kept as pasted, control characters too: whoever takes the text
         * decides (an id with one is refused by name, a field drops it) */
        char u[4];
        put(u, utf8_put(u, (uint32_t)ch));
    }
    /* function keys inside a paste are dropped */
    return 1;
}
