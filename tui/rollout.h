/* rollout.h: the console's staged-rollout parts.  rollout_text.c: the
 * words and figures (pure: wave sizes typed as text, deferral reasons in
 * words, a summary of a plan's rollout and maintenance, the brake's
 * figures); plan_rollout.c: the plan editor's Rollout and Maintenance
 * sub-forms; rollout_view.c: the waves table of live status and the
 * dashboard tile's wave line.  Every rule stays core's (ota_validate_plan). */
#ifndef TUI_ROLLOUT_H
#define TUI_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include "ota.h"

struct app;

/* ------------------------------------------------------ rollout_text.c */
/* Sizes typed as "1% 200 100%" (spaces or commas between) into waves.
 * Only the shape is checked here ("N%" or a whole number): ranges and
 * order are core's.  -1 with msg naming "rollout.waves[i].size" (or
 * "rollout.waves" when there are more than OTA_MAX_WAVES). */
int rollout_waves_parse(const char *text, ota_wave_size *waves, size_t *n, char *msg, size_t len);
/* The reverse: "1% 200 100%". */
const char *rollout_waves_text(const ota_wave_size *waves, size_t n, char *buf, size_t len);
/* A deferral reason as words for a device row ("wave" -> "later wave",
 * "rate_limit" -> "rate limit", "maintenance_window" -> "maint window");
 * others as they are, "" as "-". */
const char *rollout_reason_words(const char *reason);
/* One line about a plan's rollout / maintenance (the editor's chips). */
const char *rollout_summary(const ota_plan *p, char *buf, size_t len);
const char *maintenance_summary(const ota_plan *p, char *buf, size_t len);
/* Days as "mon-fri", "mon,wed,sat", "every day". */
const char *rollout_days_text(unsigned days, char *buf, size_t len);
/* The brake's figures over the waves that are not waiting. */
typedef struct brake_figures { long finished, failed; int pct; } brake_figures;
brake_figures rollout_brake_figures(const ota_plan_status *st);
/* The brake has tripped: the engine paused the plan for it, or saved rollback drafts. */
bool rollout_brake_tripped(const ota_plan_status *st);
/* Copies the staged-rollout part of a status (waves, current wave, rollback
 * drafts, paused reason); true when it differs from what dst held. */
bool rollout_status_take(ota_plan_status *dst, const ota_plan_status *src);

/* ------------------------------------------------------ plan_rollout.c */
typedef enum { PR_NONE = 0, PR_ROLLOUT, PR_MAINTENANCE } pr_view;
typedef struct pr_hooks {
    void (*changed)(struct app *a);          /* a field changed: revalidate, mark dirty */
    bool (*refuse_readonly)(struct app *a);  /* true (and says so) when the plan is read-only */
} pr_hooks;
/* Open a sub-form over the editor's working copy w (kept, not copied). */
void pr_open(struct app *a, ota_plan *w, pr_view v, bool readonly, const pr_hooks *h);
void pr_close(void);
pr_view pr_current(void);
/* The sub-forms' text from w (after a load, save or new plan). */
void pr_fields_from_plan(const ota_plan *w);
/* The sub-forms' text into w (only the parts w has: has_rollout,
 * has_maintenance).  Shape problems go to rmsg / mmsg naming the field;
 * -1 when there is one.  Rules are left to ota_validate_plan. */
int pr_to_plan(ota_plan *w, char *rmsg, char *mmsg, size_t len);
int pr_input(struct app *a, int key);                /* H_* */
int pr_action(struct app *a, int act);               /* H_* (tui_action) */
void pr_draw(struct app *a, int y, int x, int w, int h, const char *rmsg, const char *mmsg);
struct hintbar;
void pr_hint(struct hintbar *b);     /* the sub-form's hints, into the editor's bar */

/* ------------------------------------------------------ rollout_view.c */
/* Rows the waves block of live status wants (0: no rollout).  A plan with a
 * rollout whose status carries no waves (a backend without wave progress)
 * gets its configured sizes with the figures unknown. */
int rollout_view_rows(const ota_plan *p, const ota_plan_status *st);
/* Draws it: a brake line when tripped (alarm colour, figures), the waves
 * table (size, devices, state, succeeded, failed) around the current wave,
 * with advance and soak.  Returns the rows used (<= rows). */
int rollout_view_draw(const ota_plan *p, const ota_plan_status *st, int y, int x, int w, int rows);
/* The preview's devices per wave as one line ("" when no waves). */
const char *rollout_preview_line(const ota_preview *pv, char *buf, size_t len);
/* A dashboard tile's wave line: "wave 2/3 open · 40 of 200 devices" or the
 * brake, loudly; returns the theme element to draw it in (-1: nothing). */
int rollout_tile_line(const ota_plan *p, const ota_plan_status *st, char *buf, size_t len);

#endif
