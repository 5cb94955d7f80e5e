/* dashboard.c: stub, filled next */
#include "tui.h"
static void d(app *a, rect r) { (void)a; draw_text(r.y, r.x, r.w, EL_NORMAL, "dash"); }
const pane_ops pane_dashboard = {.title = "Dashboard", .draw = d};
