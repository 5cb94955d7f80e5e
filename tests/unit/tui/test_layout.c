/* The layout function (tui/layout.c): regions from the terminal size,
 * the below-80x24 message, table columns and dashboard tiles. */
#include "../../tap.h"
#include "../../../tui/layout.h"

int main(void)
{
    layout l;
    char buf[256];

    layout_compute(24, 80, &l);
    ok(!l.too_small, "80x24 is big enough");
    is_int(l.tabs.y, 0, "tabs on the first row");
    is_int(l.body.y, 1, "body below the tabs");
    is_int(l.body.h, 21, "body takes the rows between");
    is_int(l.msg.y, 22, "message line above the status bar");
    is_int(l.status.y, 23, "status bar on the last row");
    is_int(l.body.w, 80, "body spans the width");

    layout_compute(30, 100, &l);
    is_int(l.body.h, 27, "100x30: body grows with the terminal");
    is_int(l.status.y, 29, "100x30: status bar on the last row");

    layout_compute(20, 60, &l);
    ok(l.too_small, "60x20 is too small");
    layout_small_message(&l, buf, sizeof buf);
    ok(strstr(buf, "80x24") != NULL, "the message names 80x24: %s", buf);
    ok(strstr(buf, "60x20") != NULL, "and the current size");
    layout_compute(24, 79, &l);
    ok(l.too_small, "one column short is too small");
    layout_compute(23, 80, &l);
    ok(l.too_small, "one row short is too small");
    layout_compute(0, 0, &l);
    ok(l.too_small && l.body.w == 0, "0x0 does not go negative");

    col_spec c[3] = {{5, 0, 0}, {10, 0, 1}, {8, 20, 1}};
    int w[3];
    int used = layout_columns(c, 3, 40, 1, w);
    is_int(w[0], 5, "fixed column keeps its minimum");
    is_int(w[1], 18, "weighted columns share what is left");
    is_int(w[2], 15, "... by weight");
    is_int(used, 40, "all the width used");
    used = layout_columns(c, 3, 100, 1, w);
    is_int(w[2], 20, "a column stops at its max");
    is_int(w[1], 73, "the rest goes to the others");
    used = layout_columns(c, 3, 20, 1, w);
    is_int(w[2], 0, "too narrow: the last column is dropped");
    is_int(w[0] + w[1], 19, "the others fill what is there");

    rect body = {1, 0, 27, 100};
    tile_grid g = layout_tiles(body, 32, 8);
    is_int(g.cols, 3, "tiles: three columns of 32 in 100");
    is_int(g.rows, 3, "tiles: three rows of 8 in 27");
    is_int(g.w, 33, "tiles share the width");
    g = layout_tiles((rect){0, 0, 5, 20}, 32, 8);
    is_int(g.cols * g.rows, 0, "no tile fits: none");
    return tap_done();
}
