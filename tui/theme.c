/* theme.c: theme files, colour pairs and the monochrome fallback. */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "text.h"
#include "theme.h"

#ifndef OTA_THEMEDIR
#define OTA_THEMEDIR "/usr/local/share/otaconsole/themes"
#endif

static const char *const el_names[EL__COUNT] = {
#define X(id, name, mono) name,
    THEME_ELEMENTS(X)
#undef X
};
static const int el_mono[EL__COUNT] = {
#define X(id, name, mono) mono,
    THEME_ELEMENTS(X)
#undef X
};
static int el_attr[EL__COUNT];

static const char *const basic[8] = {"black", "red", "green", "yellow",
                                     "blue", "magenta", "cyan", "white"};

void theme_monochrome(theme *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "monochrome");
    t->mono = true;
    for (int i = 0; i < EL__COUNT; i++) {
        t->fg[i] = t->bg[i] = -1;
        t->attr[i] = el_mono[i];
    }
}

/* xterm's 256-colour palette as RGB, to find the nearest basic colour. */
static void xterm_rgb(int c, int rgb[3])
{
    static const int sys[16][3] = {
        {0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0}, {0, 0, 238}, {205, 0, 205},
        {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0}, {0, 255, 0},
        {255, 255, 0}, {92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255}};
    if (c < 16) {
        memcpy(rgb, sys[c], sizeof sys[c]);
    } else if (c < 232) {
        static const int lv[6] = {0, 95, 135, 175, 215, 255};
        c -= 16;
        rgb[0] = lv[c / 36];
        rgb[1] = lv[(c / 6) % 6];
        rgb[2] = lv[c % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
    }
}

static int nearest256(int r, int g, int b)
{
    /* 16..255 only: the first 16 differ from terminal to terminal */
    int best = 16;
    long bestd = -1;
    for (int c = 16; c < 256; c++) {
        int v[3];
        xterm_rgb(c, v);
        long d = (long)(v[0] - r) * (v[0] - r) + (long)(v[1] - g) * (v[1] - g) +
                 (long)(v[2] - b) * (v[2] - b);
        if (bestd < 0 || d < bestd) {
            bestd = d;
            best = c;
        }
    }
    return best;
}

short theme_fallback8(short c)
{
    if (c < 8)
        return c;
    if (c < 16)
        return (short)(c - 8);
    int v[3];
    xterm_rgb(c, v);
    short best = 0;
    long bestd = -1;
    for (short k = 0; k < 8; k++) {
        int w[3];
        xterm_rgb(k, w);
        long d = (long)(v[0] - w[0]) * (v[0] - w[0]) + (long)(v[1] - w[1]) * (v[1] - w[1]) +
                 (long)(v[2] - w[2]) * (v[2] - w[2]);
        if (bestd < 0 || d < bestd) {
            bestd = d;
            best = k;
        }
    }
    return best;
}

static int parse_color(const char *s, short *out)
{
    char *end;
    if (!strcasecmp(s, "default")) { *out = -1; return 0; }
    for (int i = 0; i < 8; i++) {
        if (!strcasecmp(s, basic[i])) { *out = (short)i; return 0; }
        if (!strncasecmp(s, "bright-", 7) && !strcasecmp(s + 7, basic[i])) {
            *out = (short)(i + 8);
            return 0;
        }
    }
    if (!strncasecmp(s, "color", 5) && s[5]) {
        errno = 0;
        long v = strtol(s + 5, &end, 10);
        if (*end || errno || v < 0 || v > 255)
            return -1;
        *out = (short)v;
        return 0;
    }
    if (s[0] == '#' && strlen(s) == 7) {
        unsigned long v = strtoul(s + 1, &end, 16);
        if (*end)
            return -1;
        *out = (short)nearest256((int)(v >> 16) & 255, (int)(v >> 8) & 255, (int)v & 255);
        return 0;
    }
    return -1;
}

static int parse_attr(const char *s, int *out)
{
    static const struct { const char *n; int a; } names[] = {
        {"bold", A_BOLD}, {"dim", A_DIM}, {"reverse", A_REVERSE},
        {"underline", A_UNDERLINE}, {"standout", A_STANDOUT}, {"normal", 0}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(s, names[i].n)) {
            *out |= names[i].a;
            return 0;
        }
    return -1;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* '#' starts a comment at the start of a word, unless that word is a
 * #RRGGBB colour after the element name. */
static void strip_comment(char *line)
{
    for (char *p = line; *p; p++) {
        if (*p != '#' || (p != line && p[-1] != ' ' && p[-1] != '\t'))
            continue;
        bool first = strspn(line, " \t") == (size_t)(p - line);
        bool rgb = strspn(p + 1, "0123456789abcdefABCDEF") == 6 &&
                   (p[7] == '\0' || strchr(" \t\r\n", p[7]));
        if (first || !rgb) {
            *p = '\0';
            return;
        }
    }
}

static int parse_line(char *line, const char *origin, int lineno, theme *t,
                      char *err, size_t errlen)
{
    char *words[8];
    int n = 0;
    strip_comment(line);
    for (char *save = NULL, *w = strtok_r(line, " \t\r\n", &save); w;
         w = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == 8)
            FAIL("%s:%d: too many words (want: element fg bg [attributes])", origin, lineno);
        words[n++] = w;
    }
    if (n == 0)
        return 0;
    int el = -1;
    for (int i = 0; i < EL__COUNT; i++)
        if (!strcmp(words[0], el_names[i]))
            el = i;
    if (el < 0)
        FAIL("%s:%d: unknown element '%s'", origin, lineno, words[0]);
    if (n < 3)
        FAIL("%s:%d: '%s' needs a foreground and a background colour", origin, lineno, words[0]);
    for (int k = 1; k <= 2; k++)
        if (parse_color(words[k], k == 1 ? &t->fg[el] : &t->bg[el]))
            FAIL("%s:%d: unknown colour '%s' (use default, black..white, bright-<colour>, "
                 "colorN with N 0-255, or #RRGGBB)", origin, lineno, words[k]);
    t->attr[el] = 0;
    for (int k = 3; k < n; k++)
        if (parse_attr(words[k], &t->attr[el]))
            FAIL("%s:%d: unknown attribute '%s' (use bold, dim, reverse, underline, "
                 "standout, normal)", origin, lineno, words[k]);
    t->set[el] = true;
    return 0;
}

int theme_parse(const char *text, const char *origin, theme *t, char *err, size_t errlen)
{
    theme_monochrome(t);
    t->mono = false;
    for (int i = 0; i < EL__COUNT; i++)
        t->attr[i] = 0;
    const char *p = text;
    int lineno = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[512];
        lineno++;
        if (len >= sizeof line)
            FAIL("%s:%d: line too long", origin, lineno);
        memcpy(line, p, len);
        line[len] = '\0';
        if (parse_line(line, origin, lineno, t, err, errlen))
            return -1;
        p += len + (nl ? 1 : 0);
    }
    /* Elements a theme leaves out take normal's colours and the
     * monochrome attributes, so a short theme still shows selection. */
    for (int i = 1; i < EL__COUNT; i++)
        if (!t->set[i]) {
            t->fg[i] = t->fg[EL_NORMAL];
            t->bg[i] = t->bg[EL_NORMAL];
            t->attr[i] = el_mono[i];
        }
    return 0;
}

static int load_file(const char *path, const char *name, theme *t, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    char *buf = malloc(65536);
    if (!buf) {
        fclose(f);
        FAIL("theme %s: out of memory", path);
    }
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        free(buf);
        FAIL("theme %s: cannot read the whole file (at most 64 KiB)", path);
    }
    int rc = theme_parse(buf, path, t, err, errlen);
    free(buf);
    if (rc == 0) {
        text_copy(t->name, sizeof t->name, name);
        text_copy(t->path, sizeof t->path, path);
        if (!strcmp(name, "monochrome"))
            t->mono = true;
    }
    return rc;
}

int theme_load(const char *name, theme *t, char *err, size_t errlen)
{
    char path[1024];
    if (strchr(name, '/')) {
        int rc = load_file(name, name, t, err, errlen);
        if (rc > 0)
            FAIL("theme %s: %s", name, strerror(errno));
        return rc;
    }
    if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(name))
        FAIL("theme '%s': a theme name is letters, digits, - and _", name);
    const char *dirs[5];
    char cfg[768];
    int nd = 0;
    if (getenv("OTA_THEME_DIR"))
        dirs[nd++] = getenv("OTA_THEME_DIR");
    if (getenv("XDG_CONFIG_HOME"))
        snprintf(cfg, sizeof cfg, "%s/otaconsole/themes", getenv("XDG_CONFIG_HOME"));
    else
        snprintf(cfg, sizeof cfg, "%s/.config/otaconsole/themes", getenv("HOME") ? getenv("HOME") : "");
    dirs[nd++] = cfg;
    dirs[nd++] = OTA_THEMEDIR;
#ifdef OTA_SRCDIR
    dirs[nd++] = OTA_SRCDIR "/themes";
#endif
    for (int i = 0; i < nd; i++) {
        snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
        int rc = load_file(path, name, t, err, errlen);
        if (rc <= 0)
            return rc;
    }
    if (!strcmp(name, "monochrome")) {  /* built in, so it always exists */
        theme_monochrome(t);
        return 0;
    }
    FAIL("theme '%s' not found (looked for %s.theme in $OTA_THEME_DIR, %s, %s)", name, name,
         cfg, OTA_THEMEDIR);
}

static bool applied_color;   /* what the last theme_apply was told */

void theme_switch(const theme *t)
{
    theme_apply(t, applied_color);
}

void theme_apply(const theme *t, bool use_color)
{
    applied_color = use_color;
    if (!use_color || t->mono) {
        for (int i = 0; i < EL__COUNT; i++)
            el_attr[i] = t->mono ? t->attr[i] : el_mono[i];
        return;
    }
    use_default_colors();
    for (int i = 0; i < EL__COUNT; i++) {
        short fg = t->fg[i], bg = t->bg[i];
        if (COLORS < 256) {
            if (fg >= 0) fg = theme_fallback8(fg);
            if (bg >= 0) bg = theme_fallback8(bg);
        }
        init_pair((short)(i + 1), fg, bg);
        el_attr[i] = (int)COLOR_PAIR(i + 1) | t->attr[i];
    }
}

int theme_attr(theme_el el)
{
    return (unsigned)el < EL__COUNT ? el_attr[el] : 0;
}
