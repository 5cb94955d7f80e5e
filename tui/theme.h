/* theme.h: colours as a table indexed by named UI elements (htop's
 * ColorElements, ncdu's X-macro with an attribute-only column).  Themes are
 * text files, themes/NAME.theme, one element per line:
 *
 *     # element      fg        bg        attributes...
 *     selected       black     cyan      bold
 *     bar_done       color34   default
 *
 * Colours: default, black, red, green, yellow, blue, magenta, cyan, white,
 * bright-<name>, colorN (0-255) or #RRGGBB.  Attributes: bold, dim,
 * reverse, underline, standout, normal.  On an 8-colour terminal colours
 * above 7 fall back to the nearest of the eight; without colour (or with
 * NO_COLOR set) the monochrome column below is used.
 */
#ifndef TUI_THEME_H
#define TUI_THEME_H

#include <stdbool.h>
#include <stddef.h>

/* X(ID, file name, monochrome attributes) */
#define THEME_ELEMENTS(X)                                  \
    X(NORMAL,       "normal",       0)                     \
    X(TAB,          "tab",          0)                     \
    X(TAB_ACTIVE,   "tab_active",   A_REVERSE | A_BOLD)    \
    X(HEADER,       "header",       A_BOLD | A_UNDERLINE)  \
    X(SELECTED,     "selected",     A_REVERSE)             \
    X(STATUS,       "status",       A_REVERSE)             \
    X(STATUS_ERROR, "status_error", A_REVERSE | A_BOLD)    \
    X(INSECURE,     "insecure",     A_BOLD | A_UNDERLINE)  \
    X(MESSAGE,      "message",      0)                     \
    X(ERROR,        "error",        A_BOLD)                \
    X(WARN,         "warn",         A_BOLD)                \
    X(OK,           "ok",           A_BOLD)                \
    X(DIM,          "dim",          A_DIM)                 \
    X(LABEL,        "label",        0)                     \
    X(LABEL_FOCUS,  "label_focus",  A_BOLD)                \
    X(FIELD,        "field",        A_UNDERLINE)           \
    X(FIELD_FOCUS,  "field_focus",  A_REVERSE)             \
    X(BAR_DONE,     "bar_done",     A_REVERSE)             \
    X(BAR_FAIL,     "bar_fail",     A_REVERSE | A_BOLD)    \
    X(BAR_TODO,     "bar_todo",     A_DIM)                 \
    X(TILE,         "tile",         0)                     \
    X(TILE_TITLE,   "tile_title",   A_BOLD)                \
    X(TILE_FAIL,    "tile_fail",    A_BOLD | A_REVERSE)    \
    X(BIG,          "big",          A_BOLD)                \
    X(STALE,        "stale",        A_BOLD | A_REVERSE)    \
    X(STATE_LIVE,   "state_live",   A_BOLD)                \
    X(STATE_PAUSED, "state_paused", A_UNDERLINE)           \
    X(STATE_FINAL,  "state_final",  A_DIM)

typedef enum {
#define X(id, name, mono) EL_##id,
    THEME_ELEMENTS(X)
#undef X
    EL__COUNT
} theme_el;

typedef struct theme {
    char name[64];
    char path[512];
    short fg[EL__COUNT], bg[EL__COUNT];   /* -1 = default, 0..255 */
    int attr[EL__COUNT];                  /* A_* from the file */
    bool set[EL__COUNT];                  /* line present */
    bool mono;                            /* attributes only (monochrome) */
} theme;

/* Directories searched for NAME.theme: $OTA_THEME_DIR, $XDG_CONFIG_HOME/
 * otaconsole/themes (or ~/.config/...), the installed themes, the source
 * tree.  name with a '/' is a path.  On error writes a message naming the
 * file and line into err and returns -1. */
int theme_load(const char *name, theme *t, char *err, size_t errlen);
/* Parse theme text (for tests and the loader); origin names it in errors. */
int theme_parse(const char *text, const char *origin, theme *t, char *err, size_t errlen);
/* The built-in monochrome theme (always available). */
void theme_monochrome(theme *t);

/* After initscr: set up colour pairs (or monochrome when use_color is
 * false) and make theme_attr() answer for t. */
void theme_apply(const theme *t, bool use_color);
int theme_attr(theme_el el);
/* A theme chosen while the console runs (:theme): applied with the colour
 * decision of the last theme_apply (NO_COLOR or no colours stay so). */
void theme_switch(const theme *t);
/* Nearest of the 8 basic colours for a 256-colour index. */
short theme_fallback8(short c);

#endif
