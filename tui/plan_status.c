/* plan_status.c: stub, filled next */
#include "tui.h"
static void d(app *a, rect r) { (void)a; draw_text(r.y, r.x, r.w, EL_NORMAL, "status"); }
const pane_ops pane_plan_status = {.title = "Live status", .draw = d};
void plan_status_open(app *a, int64_t id) { a->sel_plan = id; app_show(a, PANE_PLAN_STATUS); }
