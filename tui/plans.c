/* plans.c: stub, filled next */
#include "tui.h"
static void d(app *a, rect r) { (void)a; draw_text(r.y, r.x, r.w, EL_NORMAL, "plans"); }
const pane_ops pane_plans = {.title = "Plans", .draw = d};
void plans_transition(app *a, int64_t id, ota_action act) { (void)a; (void)id; (void)act; }
bool plan_action_allowed(ota_plan_state s, ota_action act) { (void)s; (void)act; return true; }
