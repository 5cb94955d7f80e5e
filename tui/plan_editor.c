/* plan_editor.c: stub, filled next */
#include "tui.h"
static void d(app *a, rect r) { (void)a; draw_text(r.y, r.x, r.w, EL_NORMAL, "editor"); }
const pane_ops pane_plan_editor = {.title = "Plan editor", .draw = d};
void plan_editor_open(app *a, int64_t id) { (void)id; app_show(a, PANE_PLAN_EDITOR); }
