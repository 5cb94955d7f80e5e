/* layout.c: screen regions and table columns from the terminal size. */
#include <stdio.h>
#include "layout.h"

void layout_compute(int lines, int cols, layout *l)
{
    l->lines = lines;
    l->cols = cols;
    l->too_small = lines < LAYOUT_MIN_LINES || cols < LAYOUT_MIN_COLS;
    if (l->too_small) {
        l->tabs = l->body = l->msg = l->status = (rect){0, 0, 0, 0};
        l->body = (rect){0, 0, lines > 0 ? lines : 0, cols > 0 ? cols : 0};
        return;
    }
    l->tabs = (rect){0, 0, 1, cols};
    l->body = (rect){1, 0, lines - 3, cols};
    l->msg = (rect){lines - 2, 0, 1, cols};
    l->status = (rect){lines - 1, 0, 1, cols};
}

const char *layout_small_message(const layout *l, char *buf, size_t len)
{
    snprintf(buf, len, "Terminal %dx%d is too small: otaconsole needs at least %dx%d",
             l->cols, l->lines, LAYOUT_MIN_COLS, LAYOUT_MIN_LINES);
    return buf;
}

int layout_columns(const col_spec *c, int n, int width, int gap, int *out)
{
    int used = 0, shown = n;
    /* Drop columns from the right until the minimums fit. */
    for (;;) {
        used = 0;
        for (int i = 0; i < shown; i++)
            used += c[i].min + (i ? gap : 0);
        if (used <= width || shown == 0)
            break;
        shown--;
    }
    for (int i = 0; i < n; i++)
        out[i] = i < shown ? c[i].min : 0;
    int left = width - used;
    /* Share what is left by weight, in rounds so a column that reaches its
     * max gives its share back to the others. */
    while (left > 0) {
        int wsum = 0;
        for (int i = 0; i < shown; i++)
            if (c[i].weight > 0 && (c[i].max <= 0 || out[i] < c[i].max))
                wsum += c[i].weight;
        if (wsum == 0)
            break;
        int given = 0, pool = left;
        for (int i = 0; i < shown && left > 0; i++) {
            if (c[i].weight <= 0 || (c[i].max > 0 && out[i] >= c[i].max))
                continue;
            int add = pool * c[i].weight / wsum;
            if (add < 1)
                add = 1;
            if (c[i].max > 0 && out[i] + add > c[i].max)
                add = c[i].max - out[i];
            if (add > left)
                add = left;
            out[i] += add;
            given += add;
            left -= add;
        }
        if (given == 0)
            break;
    }
    return width - left;
}

tile_grid layout_tiles(rect body, int min_w, int tile_h)
{
    tile_grid g = {0, 0, 0, 0};
    if (min_w <= 0 || tile_h <= 0 || body.w < min_w || body.h < tile_h)
        return g;
    g.cols = body.w / min_w;
    g.rows = body.h / tile_h;
    g.w = body.w / g.cols;
    g.h = tile_h;
    return g;
}
