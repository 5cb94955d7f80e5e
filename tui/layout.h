/* layout.h: where everything goes on the screen, as a pure function of the
 * terminal size (tig's resize_display, ncdu's ncresize).  KEY_RESIZE leads
 * here and nowhere else.  Unit-tested in tests/unit/tui/test_layout.c. */
#ifndef TUI_LAYOUT_H
#define TUI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#define LAYOUT_MIN_COLS  80
#define LAYOUT_MIN_LINES 24

typedef struct rect { int y, x, h, w; } rect;

typedef struct layout {
    int lines, cols;
    bool too_small;     /* below 80x24: only the message is drawn */
    rect tabs;          /* row 0: pane tabs */
    rect body;          /* the pane */
    rect msg;           /* messages and prompts */
    rect status;        /* last row: backend, connection, last error */
} layout;

void layout_compute(int lines, int cols, layout *out);

/* The text shown instead of the panes when the terminal is too small. */
const char *layout_small_message(const layout *l, char *buf, size_t len);

/* Table columns: min columns each; weight > 0 shares what is left (up to
 * max when max > 0).  gap columns between neighbours.  Writes the widths to
 * out and returns the total width used (<= width); columns that cannot get
 * their minimum get 0 and are not drawn, starting from the last. */
typedef struct col_spec { int min, max, weight; } col_spec;
int layout_columns(const col_spec *c, int n, int width, int gap, int *out);

/* Dashboard tiles: how many fit in body, each at least min_w x tile_h. */
typedef struct tile_grid { int cols, rows, w, h; } tile_grid;
tile_grid layout_tiles(rect body, int min_w, int tile_h);

#endif
