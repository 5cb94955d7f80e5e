/* plan_ids.h: the plan editor's blacklist / whitelist editor (plan_ids.c). */
#ifndef TUI_PLAN_IDS_H
#define TUI_PLAN_IDS_H

#include "msgtext.h"
#include "tui.h"

typedef struct ids_hooks {
    void (*changed)(app *a);          /* a list changed: revalidate, mark dirty */
    bool (*refuse_readonly)(app *a);  /* true (and says so) when the plan is read-only */
} ids_hooks;
/* Show list which (0 blacklist, 1 whitelist) of w (kept, not copied). */
void ids_open(app *a, ota_plan *w, int which, const ids_hooks *h);
bool ids_active(void);
void ids_close(void);                 /* back to the plan; frees the rows */
int ids_action(app *a, tui_action act);
void ids_draw(app *a, rect r);
/* A bracketed paste into the list view: every id of it added (H_* flags). */
int ids_paste(app *a, const char *text);
void ids_hint(hintbar *b);            /* its hints, into the editor's bar */
/* Ids on both lists of w. */
int ids_both_count(const ota_plan *w);

#endif
